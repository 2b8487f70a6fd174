"""Lead funnel and customer lifecycle (METRICS.md §3).

Customer-level metrics: every query filters customers with `filters.customer_clauses`, so a deal
attribute (owner, campaign, …) keeps the customers with at least one matching deal.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, exists, func, literal, select, union_all

from .dialect import month_label_case
from .filters import NONE_VALUE, customer_clauses, where_all
from .journeys import text_order
from .lists import customer_list_columns, page
from .period import Period, add_months
from .schema import customers, lifecycle_history, orders, touchpoints

#: Lifecycle stages in order (DATA_CONTRACT.md); the later stage wins a tie of equal entered_at.
STAGES = ("subscriber", "lead", "mql", "sql", "opportunity", "customer", "loyal", "churned")
NO_STAGE = "—"
CUSTOMER_COLUMNS = ("customer_id", "name", "region", "country", "industry", "company_size")
ACTIVITY_KINDS = ("new", "returning", "resurrecting", "dormant")


def _stage_rank(col):
    # unknown stage names rank before all known ones (the contract allows only STAGES)
    return case(*[(col == s, literal(i)) for i, s in enumerate(STAGES)], else_=literal(-1))


def lifecycle_stage_at(t: datetime, name: str = "stage_at"):
    """Subquery (customer_id, stage): each customer's lifecycle stage at t (METRICS.md §0, §3).

    The stage of the latest entry with entered_at < t; among entries of equal entered_at the
    later lifecycle stage. Customers without such an entry have no row (stage `—`).
    """
    lh = lifecycle_history
    ranked = (select(lh.c.customer_id, lh.c.stage,
                     func.row_number().over(partition_by=lh.c.customer_id,
                                            order_by=(lh.c.entered_at.desc(),
                                                      _stage_rank(lh.c.stage).desc())).label("rn"))
              .where(lh.c.entered_at < t).subquery(name + "_ranked"))
    return select(ranked.c.customer_id, ranked.c.stage).where(ranked.c.rn == 1).subquery(name)


def _migration_pairs(period: Period, filters, t0, t1):
    """Subquery (customer_id, stage_t0, stage_t1) over the customers passing the filters."""
    s0 = lifecycle_stage_at(t0, "s0")
    s1 = lifecycle_stage_at(t1, "s1")
    c = customers
    return (select(c.c.customer_id,
                   func.coalesce(s0.c.stage, literal(NO_STAGE)).label("a"),
                   func.coalesce(s1.c.stage, literal(NO_STAGE)).label("b"))
            .select_from(c.outerjoin(s0, s0.c.customer_id == c.c.customer_id)
                         .outerjoin(s1, s1.c.customer_id == c.c.customer_id))
            .where(where_all(customer_clauses(filters, c.c.customer_id)))
            .subquery("migration"))


def _times(period, t0, t1):
    t0 = period.start_utc if t0 is None else t0
    t1 = period.end_utc if t1 is None else t1
    if not t0 < t1:
        raise ValueError(f"t0 ({t0}) must be before t1 ({t1})")
    return t0, t1


def migration_matrix(conn, period: Period, filters, *, t0: datetime | None = None,
                     t1: datetime | None = None) -> dict:
    """Lifecycle migration M[a][b] between t0 and t1 (default from, to), `—` included.

    {"t0", "t1" (naive UTC), "matrix": {a: {b: n}}, "counts_t0": {a: n}}, stages in lifecycle
    order after `—`; rows sum to counts_t0.
    """
    t0, t1 = _times(period, t0, t1)
    m = _migration_pairs(period, filters, t0, t1)
    rows = conn.execute(select(m.c.a, m.c.b, func.count()).group_by(m.c.a, m.c.b)).all()
    seen = {r[0] for r in rows} | {r[1] for r in rows}
    keys = [NO_STAGE, *STAGES] + sorted(seen - {NO_STAGE, *STAGES})
    matrix = {a: {b: 0 for b in keys} for a in keys}
    for a, b, n in rows:
        matrix[a][b] = int(n)
    return {"t0": t0, "t1": t1, "matrix": matrix,
            "counts_t0": {a: sum(matrix[a].values()) for a in keys}}


def migration_customers(conn, period: Period, filters, *, from_stage: str, to_stage: str,
                        t0: datetime | None = None, t1: datetime | None = None,
                        limit: int = 100, offset: int = 0, sort=None):
    """Drill-down of one matrix cell: the customers in `from_stage` at t0 and `to_stage` at t1,
    `(DataFrame, total)`; the same pairs subquery as the matrix, so total = the cell."""
    t0, t1 = _times(period, t0, t1)
    m = _migration_pairs(period, filters, t0, t1)
    ids = select(m.c.customer_id).where(m.c.a == from_stage, m.c.b == to_stage)
    return page(conn, customer_list_columns(), customers.c.customer_id.in_(ids), filters=filters,
                limit=limit, offset=offset, sort=sort)


def _lead_clauses(period: Period):
    return [lifecycle_history.c.stage == "lead", lifecycle_history.c.entered_at >= period.start_utc,
            lifecycle_history.c.entered_at < period.end_utc]


def new_leads(conn, period: Period, filters) -> int:
    """`new_leads`: customers with a `lead` lifecycle entry in the period (customers, not entries)."""
    lh = lifecycle_history
    stmt = (select(func.count(func.distinct(lh.c.customer_id)))
            .where(*_lead_clauses(period),
                   *customer_clauses(filters, lh.c.customer_id)))
    return int(conn.execute(stmt).scalar() or 0)


def _leads_with_source(conn, period: Period, filters):
    """Subquery (customer_id, channel, campaign, converted) over the period's leads.

    Lead source = channel and campaign of the customer's first touchpoint before `to` (ties by
    touchpoint_id as text), `(none)` without one or for a touchpoint without campaign.
    converted = 1 if the customer has a `customer` lifecycle entry before `to` (at any time
    before `to`, as METRICS.md says, not only after the lead entry).
    """
    lh, tp = lifecycle_history, touchpoints
    leads = (select(lh.c.customer_id)
             .where(*_lead_clauses(period),
                    *customer_clauses(filters, lh.c.customer_id))
             .distinct().subquery("leads"))
    # the first touchpoint per lead as a correlated LIMIT 1 on the (customer_id, occurred_at)
    # index: a window function over all touchpoints joined back is quadratic on SQLite
    first_id = (select(tp.c.touchpoint_id)
                .where(tp.c.customer_id == leads.c.customer_id, tp.c.occurred_at < period.end_utc)
                .order_by(tp.c.occurred_at, text_order(tp.c.touchpoint_id, conn))
                .limit(1).scalar_subquery())
    first = tp.alias("first_touch")
    cust = lifecycle_history.alias("cust")
    converted = exists().where(cust.c.customer_id == leads.c.customer_id, cust.c.stage == "customer",
                               cust.c.entered_at < period.end_utc)
    return (select(leads.c.customer_id,
                   func.coalesce(first.c.channel, literal(NONE_VALUE)).label("channel"),
                   func.coalesce(first.c.campaign_id, literal(NONE_VALUE)).label("campaign"),
                   case((converted, 1), else_=0).label("converted"))
            .select_from(leads.outerjoin(first, first.c.touchpoint_id == first_id))
            .subquery("lead_source"))


def _rate(num, den):
    return None if den == 0 else num / den


def lead_conversion(conn, period: Period, filters) -> dict:
    """Lead conversion (METRICS.md §3), overall and by lead source channel and campaign.

    {"leads", "customers", "rate", "by_channel": {ch: {leads, customers, rate}}, "by_campaign": …}
    """
    ls = _leads_with_source(conn, period, filters)
    rows = conn.execute(select(ls.c.channel, ls.c.campaign, func.count(), func.sum(ls.c.converted))
                        .group_by(ls.c.channel, ls.c.campaign)).all()
    by = {"by_channel": {}, "by_campaign": {}}
    total = [0, 0]
    for channel, campaign, n, conv in rows:
        n, conv = int(n), int(conv or 0)
        total[0] += n
        total[1] += conv
        for name, k in (("by_channel", channel), ("by_campaign", campaign)):
            acc = by[name].setdefault(k, [0, 0])
            acc[0] += n
            acc[1] += conv
    shaped = {name: {k: {"leads": v[0], "customers": v[1], "rate": _rate(v[1], v[0])}
                     for k, v in sorted(d.items())} for name, d in by.items()}
    return {"leads": total[0], "customers": total[1], "rate": _rate(total[1], total[0]), **shaped}


def lead_conversion_customers(conn, period: Period, filters, *, channel: str | None = None,
                              campaign: str | None = None, converted: bool | None = None,
                              limit: int = 100, offset: int = 0, sort=None):
    """Drill-down of lead conversion: the leads with lead source and `converted`, optionally
    narrowed to one source channel / campaign / outcome: `(DataFrame, total)`."""
    ls = _leads_with_source(conn, period, filters)
    c = customers
    conds = []
    if channel is not None:
        conds.append(ls.c.channel == channel)
    if campaign is not None:
        conds.append(ls.c.campaign == campaign)
    if converted is not None:
        conds.append(ls.c.converted == (1 if converted else 0))
    base = (select(*[c.c[k] for k in CUSTOMER_COLUMNS], ls.c.channel.label("lead_channel"),
                   ls.c.campaign.label("lead_campaign"), ls.c.converted)
            .select_from(c.join(ls, ls.c.customer_id == c.c.customer_id)))
    df, total = page(conn, base, where_all(conds), filters=filters, limit=limit, offset=offset, sort=sort)
    df["converted"] = df["converted"].astype(bool)
    return df, total


def activity_lifecycle(conn, period: Period, filters) -> list[dict]:
    """Activity lifecycle per calendar month intersecting the period (METRICS.md §3).

    From orders before `to` (all time). Months are whole calendar months in the reporting time
    zone; the month before the first one is computed too, as the "previous month" of the first.
    Dormant counts and revenue are negative.
    """
    first_month = period.start.replace(day=1)
    buckets = Period(add_months(first_month, -1), period.end, period.tz_name).month_buckets()
    # month index 0 = the helper previous month; 1.. = the months shown
    index_buckets = [(i, lo, hi) for i, (_, lo, hi) in enumerate(buckets)]
    o = orders
    cust = customer_clauses(filters, o.c.customer_id)
    # expressions with bound parameters are computed in an inner select and grouped outside
    # (PostgreSQL cannot match a GROUP BY expression whose parameters are bound separately)
    monthly = (select(o.c.customer_id, month_label_case(o.c.ordered_at, index_buckets).label("m"),
                      o.c.revenue)
               .where(o.c.ordered_at >= buckets[0][1], o.c.ordered_at < period.end_utc, *cust)
               .subquery("monthly"))
    act = (select(monthly.c.customer_id, monthly.c.m, func.sum(monthly.c.revenue).label("rev"))
           .group_by(monthly.c.customer_id, monthly.c.m).subquery("act"))
    first = (select(o.c.customer_id, func.min(o.c.ordered_at).label("first_at"))
             .where(o.c.ordered_at < period.end_utc, *cust)
             .group_by(o.c.customer_id).subquery("first_order"))
    cur, prev, nxt = act.alias("cur"), act.alias("prev"), act.alias("nxt")
    kind = case((month_label_case(first.c.first_at, index_buckets) == cur.c.m, literal("new")),
                (prev.c.customer_id.is_not(None), literal("returning")),
                else_=literal("resurrecting"))
    classified = (select(cur.c.m, kind.label("kind"), cur.c.rev)
                  .select_from(cur.join(first, first.c.customer_id == cur.c.customer_id)
                               .outerjoin(prev, and_(prev.c.customer_id == cur.c.customer_id,
                                                     prev.c.m == cur.c.m - 1)))
                  .where(cur.c.m >= 1))
    lapsed = (select((prev.c.m + 1).label("m"), literal("dormant").label("kind"), prev.c.rev)
              .select_from(prev.outerjoin(nxt, and_(nxt.c.customer_id == prev.c.customer_id,
                                                    nxt.c.m == prev.c.m + 1)))
              .where(nxt.c.customer_id.is_(None), prev.c.m < len(buckets) - 1))
    both = union_all(classified, lapsed).subquery("classified")
    stmt = (select(both.c.m, both.c.kind, func.count(), func.sum(both.c.rev))
            .group_by(both.c.m, both.c.kind))
    out = [{"month": label, **{k: 0 for k in ACTIVITY_KINDS},
            **{k + "_revenue": 0.0 for k in ACTIVITY_KINDS}} for label, _, _ in buckets[1:]]
    for m, k, n, rev in conn.execute(stmt):
        sign = -1 if k == "dormant" else 1
        out[int(m) - 1][k] = sign * int(n)
        out[int(m) - 1][k + "_revenue"] = sign * float(rev or 0.0)
    return out
