"""Customer segments (METRICS.md §6): RFM scores and behaviour segments, with drill-downs.

Customer-level metrics: every query keeps the customers passing `filters.customer_clauses`
(a deal attribute keeps the customers with at least one matching deal, at any time).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Double, and_, case, cast, func, literal, select

from .dialect import SECONDS_PER_DAY, epoch_seconds
from .filters import NONE_VALUE, customer_clauses, where_all
from .lists import ListError, page
from .period import Period, local_midnight_utc
from .schema import customers, orders, touchpoints

SCORES = (1, 2, 3, 4, 5)
SEGMENTS = ("loyal", "new", "active", "at_risk", "inactive", "browsing", "prospect")
BREAKDOWN_COLUMNS = ("region", "country", "industry", "company_size")
_EPOCH = datetime(1970, 1, 1)


def _epoch(ts: datetime) -> int:
    return int((ts - _EPOCH).total_seconds())


# --- RFM ----------------------------------------------------------------------------------------

def _score(key, n, *, descending: bool):
    """ceil(5 × average rank / n), ranks ascending in goodness (best = n), ties sharing the
    average rank (min rank + max rank) / 2 = rank() + (count of ties − 1) / 2.

    In integers: ceil(5·(2·rank + ties − 1) / (2n)) = (5·(2·rank + ties − 1) + 2n − 1) div 2n,
    so both databases divide whole numbers exactly (no floating ceil, no CEIL function needed).
    """
    rk = func.rank().over(order_by=key.desc() if descending else key.asc())
    ties = func.count().over(partition_by=key)
    return (5 * (2 * rk + ties - 1) + 2 * n - 1) // (2 * n)


def rfm_table(period: Period, filters):
    """Subquery (customer_id, recency_days, frequency, monetary, r, f, m) at `to` (METRICS.md §6).

    Over customers passing the filters with an order before `to` (all time): recency = days from
    the last order to `to` (fractional, seconds / 86,400; lower is better), frequency = number
    of orders, monetary = Σ revenue. Ranking keys are exact on both databases: recency in whole
    seconds, and monetary rounded to 1e-6 — a float sum depends on the order the database adds
    the orders in, and two customers with the same money must tie on SQLite and PostgreSQL alike.
    """
    o = orders
    agg = (select(o.c.customer_id,
                  (literal(_epoch(period.end_utc)) - epoch_seconds(func.max(o.c.ordered_at))).label("rec_s"),
                  func.count().label("frequency"),
                  func.sum(o.c.revenue).label("monetary"))
           .where(o.c.ordered_at < period.end_utc, *customer_clauses(filters, o.c.customer_id))
           .group_by(o.c.customer_id).subquery("rfm_agg"))
    keyed = select(agg, func.round(agg.c.monetary * 1e6).label("m_key")).subquery("rfm_keyed")
    n = func.count().over()
    scored = select(
        keyed.c.customer_id,
        (cast(keyed.c.rec_s, Double) / SECONDS_PER_DAY).label("recency_days"),
        keyed.c.frequency, keyed.c.monetary,
        _score(keyed.c.rec_s, n, descending=True).label("r"),
        _score(keyed.c.frequency, n, descending=False).label("f"),
        _score(keyed.c.m_key, n, descending=False).label("m"),
    )
    return scored.subquery("rfm")


def rfm_scores(conn, period: Period, filters) -> dict:
    """RFM at `to` (METRICS.md §6): {"customers": n, "score_counts": {"R"|"F"|"M": {1..5: n}},
    "heatmap": [{"r", "f", "customers", "monetary_mean"}]} with all 25 R×F cells (empty cells:
    0 customers, monetary_mean None)."""
    t = rfm_table(period, filters)
    counts = {"R": dict.fromkeys(SCORES, 0), "F": dict.fromkeys(SCORES, 0), "M": dict.fromkeys(SCORES, 0)}
    cells = {}
    stmt = (select(t.c.r, t.c.f, t.c.m, func.count(), func.sum(t.c.monetary))
            .group_by(t.c.r, t.c.f, t.c.m))
    for r, f, m, k, money in conn.execute(stmt):
        r, f, m, k = int(r), int(f), int(m), int(k)
        counts["R"][r] += k
        counts["F"][f] += k
        counts["M"][m] += k
        cell = cells.setdefault((r, f), [0, 0.0])
        cell[0] += k
        cell[1] += float(money or 0.0)
    heatmap = []
    for r in SCORES:
        for f in SCORES:
            k, money = cells.get((r, f), (0, 0.0))
            heatmap.append({"r": r, "f": f, "customers": k, "monetary_mean": money / k if k else None})
    return {"customers": sum(counts["R"].values()), "score_counts": counts, "heatmap": heatmap}


def _customer_columns():
    c = customers
    return [c.c.customer_id, c.c.name, c.c.region, c.c.country, c.c.industry, c.c.company_size]


def rfm_customers(conn, period: Period, filters, *, r=None, f=None, m=None, limit: int = 100,
                  offset: int = 0, sort=None):
    """Drill-down of RFM: the customers with their recency_days, frequency, monetary and r, f, m
    scores, optionally only those with the given scores. `(DataFrame, total)`."""
    t = rfm_table(period, filters)
    base = (select(*_customer_columns(), t.c.recency_days, t.c.frequency, t.c.monetary,
                   t.c.r, t.c.f, t.c.m)
            .select_from(customers.join(t, t.c.customer_id == customers.c.customer_id)))
    conds = []
    for col, value in ((t.c.r, r), (t.c.f, f), (t.c.m, m)):
        if value is not None:
            if int(value) not in SCORES:
                raise ListError(f"an RFM score must be 1..5, got {value!r}")
            conds.append(col == int(value))
    return page(conn, base, where_all(conds), filters=filters, limit=limit, offset=offset, sort=sort,
                default_sort=[("monetary", "desc")])


# --- behaviour segments -----------------------------------------------------------------------

@dataclass(frozen=True)
class SegmentThresholds:
    """The configurable thresholds of the behaviour segments (METRICS.md §6 defaults)."""
    loyal_min_orders: int = 3
    active_days: int = 90
    at_risk_days: int = 180
    browsing_min_visits: int = 2
    browsing_days: int = 90


DEFAULT_THRESHOLDS = SegmentThresholds()


def segment_table(period: Period, filters, thresholds: SegmentThresholds | None = None):
    """Subquery (customer_id, segment, orders, revenue, last_order_at) over the customers created
    before `to` passing the filters (METRICS.md §6 behaviour segments).

    d = floor((to − last order) / 1 day) ≤ D  ⇔  to − last order < D + 1 days  ⇔  last order >
    local midnight of (to − (D + 1) days). The edges are computed in Python in the reporting
    time zone ("whole days" are taken there, §0), so no floor of seconds is needed in SQL and a
    day across a daylight-saving change still counts as one day. Browsing looks at visits in
    [to − N days, to), N days back from local midnight as well. Revenue = Σ order revenue before
    `to` (0 for customers without orders).
    """
    th = thresholds or DEFAULT_THRESHOLDS
    end = period.end_utc
    active_edge = local_midnight_utc(period.end - timedelta(days=th.active_days + 1), period.tz)
    risk_edge = local_midnight_utc(period.end - timedelta(days=th.at_risk_days + 1), period.tz)
    visits_from = local_midnight_utc(period.end - timedelta(days=th.browsing_days), period.tz)
    o, tp, c = orders, touchpoints, customers
    agg = (select(o.c.customer_id, func.count().label("orders"),
                  func.max(o.c.ordered_at).label("last_at"), func.sum(o.c.revenue).label("revenue"))
           .where(o.c.ordered_at < end).group_by(o.c.customer_id).subquery("seg_orders"))
    visits = (select(tp.c.customer_id, func.count().label("visits"))
              .where(tp.c.kind == "visit", tp.c.occurred_at >= visits_from, tp.c.occurred_at < end)
              .group_by(tp.c.customer_id).subquery("seg_visits"))
    segment = case(
        (and_(agg.c.customer_id.is_(None), func.coalesce(visits.c.visits, 0) >= th.browsing_min_visits),
         literal("browsing")),
        (agg.c.customer_id.is_(None), literal("prospect")),
        (and_(agg.c.last_at > active_edge, agg.c.orders >= th.loyal_min_orders), literal("loyal")),
        (and_(agg.c.last_at > active_edge, agg.c.orders == 1), literal("new")),
        (agg.c.last_at > active_edge, literal("active")),
        (agg.c.last_at > risk_edge, literal("at_risk")),
        else_=literal("inactive"))
    return (select(c.c.customer_id, segment.label("segment"),
                   func.coalesce(agg.c.orders, 0).label("orders"),
                   func.coalesce(agg.c.revenue, 0.0).label("revenue"),
                   agg.c.last_at.label("last_order_at"))
            .select_from(c.outerjoin(agg, agg.c.customer_id == c.c.customer_id)
                         .outerjoin(visits, visits.c.customer_id == c.c.customer_id))
            .where(c.c.created_at < end, *customer_clauses(filters, c.c.customer_id))
            .subquery("segments"))


def behaviour_segments(conn, period: Period, filters, *,
                       thresholds: SegmentThresholds | None = None) -> dict:
    """{segment: {"customers", "revenue", "share"}} for every segment in SEGMENTS order.

    share = the segment's share of the customers counted (created before `to`, passing the
    filters); None when there are none. revenue = Σ order revenue before `to` of its customers.
    """
    t = segment_table(period, filters, thresholds)
    rows = {seg: (int(k), float(rev or 0.0)) for seg, k, rev in
            conn.execute(select(t.c.segment, func.count(), func.sum(t.c.revenue)).group_by(t.c.segment))}
    total = sum(k for k, _ in rows.values())
    out = {}
    for seg in SEGMENTS:
        k, rev = rows.get(seg, (0, 0.0))
        out[seg] = {"customers": k, "revenue": rev, "share": k / total if total else None}
    return out


def segment_breakdown(conn, period: Period, filters, *, by: str = "region",
                      thresholds: SegmentThresholds | None = None) -> list[dict]:
    """Segments per value of a customer attribute: [{by: value, "segment", "customers",
    "revenue"}], only non-empty combinations; an empty attribute is `(none)`."""
    if by not in BREAKDOWN_COLUMNS:
        raise ValueError(f"by must be one of {', '.join(BREAKDOWN_COLUMNS)}, got {by!r}")
    t = segment_table(period, filters, thresholds)
    col = customers.c[by]
    value = case((func.coalesce(col, "") == "", literal(NONE_VALUE)), else_=col)
    labelled = (select(value.label("value"), t.c.segment, t.c.revenue)
                .select_from(t.join(customers, customers.c.customer_id == t.c.customer_id))
                .subquery("by_value"))
    stmt = (select(labelled.c.value, labelled.c.segment, func.count(), func.sum(labelled.c.revenue))
            .group_by(labelled.c.value, labelled.c.segment))
    rows = [{by: v, "segment": seg, "customers": int(k), "revenue": float(rev or 0.0)}
            for v, seg, k, rev in conn.execute(stmt)]
    # ordered here, not in SQL: collations differ between the databases; (none) last
    rows.sort(key=lambda x: (x[by] == NONE_VALUE, x[by], SEGMENTS.index(x["segment"])))
    return rows


def segment_customers(conn, period: Period, filters, *, segment: str,
                      thresholds: SegmentThresholds | None = None, limit: int = 100,
                      offset: int = 0, sort=None):
    """Drill-down of a behaviour segment: its customers with orders, revenue (before `to`) and
    last_order_at. `(DataFrame, total)`."""
    if segment not in SEGMENTS:
        raise ListError(f"segment must be one of {', '.join(SEGMENTS)}, got {segment!r}")
    t = segment_table(period, filters, thresholds)
    base = (select(*_customer_columns(), t.c.segment, t.c.orders, t.c.revenue, t.c.last_order_at)
            .select_from(customers.join(t, t.c.customer_id == customers.c.customer_id)))
    return page(conn, base, t.c.segment == segment, filters=filters, limit=limit, offset=offset, sort=sort,
                default_sort=[("revenue", "desc")])
