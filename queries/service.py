"""Customer service (METRICS.md §8): case volumes, backlog, response and resolution times, CSAT,
cases per customer and service against retention, with trends, breakdowns and drill-downs.

Cases of customers passing the filters (`filters.customer_clauses`: a deal attribute keeps the
customers with a matching deal). `agent` (cases.owner_id; a tuple of ids, `(none)` for cases
without one) is this section's own filter and restricts every case-based number, including
both groups of "service and retention".
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import and_, case, func, literal, or_, select

from .access import require_rep_figures
from .dialect import hours_between, month_label_case, stats_select
from .filters import NONE_VALUE, customer_clauses, where_all
from .lists import ListError, page
from .period import Period, add_months, local_midnight_utc
from .schema import cases, customers, orders, owners

PRIORITIES = ("urgent", "high", "normal", "low")
BREAKDOWNS = {"priority": "priority", "channel": "channel", "agent": "owner_id"}
LIST_KINDS = ("opened", "resolved", "backlog", "rated")
GOOD_RATING = 4   # csat: ratings 4 and 5
BAD_RATING = 2    # service and retention: ratings ≤ 2
_PERCENTILES = ((1, 2), (9, 10))


def _ratio(num, den):
    return None if not den else num / den


def _values(v) -> tuple:
    if v is None:
        return ()
    return (v,) if isinstance(v, str) else tuple(v)


def _value_clause(col, values):
    """`col` is one of `values`; `(none)` matches NULL or empty text (as queries.filters does)."""
    concrete = [v for v in values if v != NONE_VALUE]
    parts = [col.in_(concrete)] if concrete else []
    if NONE_VALUE in values:
        parts.append(or_(col.is_(None), col == ""))
    return or_(*parts)


def _label(col):
    """The value of a case attribute with NULL and empty text shown as `(none)`."""
    return case((func.coalesce(col, "") == "", literal(NONE_VALUE)), else_=col)


def _scope(filters, agent) -> list:
    """Where-clauses selecting the cases of this section: customer filters and the agent filter."""
    clauses = customer_clauses(filters, cases.c.customer_id)
    agents = _values(agent)
    if agents:
        require_rep_figures(filters.access, "figures per service agent")
        clauses.append(_value_clause(cases.c.owner_id, agents))
    return clauses


def _in(col, lo, hi):
    return and_(col >= lo, col < hi)


def _open_at(t):
    """Open at t (just before t): opened before t and not resolved before t."""
    return and_(cases.c.opened_at < t, or_(cases.c.resolved_at.is_(None), cases.c.resolved_at >= t))


def _count_if(cond):
    return func.sum(case((cond, 1), else_=0))


def _stats(conn, values, keys=()) -> dict:
    """{key: {"n", "median", "mean", "p90"}} of `values.c.x` (key None when ungrouped)."""
    out = {}
    for row in conn.execute(stats_select(values, "x", keys, _PERCENTILES)):
        m = row._mapping
        n = int(m["n"] or 0)
        key = m[keys[0]] if keys else None
        out[key] = {"n": n, "median": m["p1_2"] if n else None, "mean": m["mean"] if n else None,
                    "p90": m["p9_10"] if n else None}
    return out


_EMPTY_STATS = {"n": 0, "median": None, "mean": None, "p90": None}


def _customers_ordering(conn, filters, lo, hi) -> int:
    o = orders
    stmt = (select(func.count(func.distinct(o.c.customer_id)))
            .where(_in(o.c.ordered_at, lo, hi), *customer_clauses(filters, o.c.customer_id)))
    return int(conn.execute(stmt).scalar() or 0)


def _service_and_retention(conn, period: Period, filters, agent) -> dict:
    """Among customers with an order in [from − 12 calendar months, from): the share with an order
    in [from, to), for those with a case resolved in the period rated ≤ 2 and for those with no
    case open at any time of the period (opened before `to`, not resolved before `from`)."""
    start, end = period.start_utc, period.end_utc
    base_lo = local_midnight_utc(add_months(period.start, -12), period.tz)
    o, cs = orders, cases
    base = (select(o.c.customer_id).where(_in(o.c.ordered_at, base_lo, start),
                                          *customer_clauses(filters, o.c.customer_id))
            .distinct().subquery("base"))
    # each set once (hash joins), not a correlated EXISTS per base customer
    active = (select(o.c.customer_id).where(_in(o.c.ordered_at, start, end))
              .group_by(o.c.customer_id).subquery("active"))
    scope = _scope(filters, agent)
    bad = (select(cs.c.customer_id).where(_in(cs.c.resolved_at, start, end),
                                          cs.c.satisfaction <= BAD_RATING, *scope)
           .group_by(cs.c.customer_id).subquery("bad_rated"))
    had_case = (select(cs.c.customer_id)
                .where(cs.c.opened_at < end, or_(cs.c.resolved_at.is_(None), cs.c.resolved_at >= start),
                       *scope)
                .group_by(cs.c.customer_id).subquery("had_case"))
    flags = (select(case((active.c.customer_id.is_not(None), 1), else_=0).label("active"),
                    case((bad.c.customer_id.is_not(None), 1), else_=0).label("bad"),
                    case((had_case.c.customer_id.is_(None), 1), else_=0).label("no_case"))
             .select_from(base.outerjoin(active, active.c.customer_id == base.c.customer_id)
                          .outerjoin(bad, bad.c.customer_id == base.c.customer_id)
                          .outerjoin(had_case, had_case.c.customer_id == base.c.customer_id))
             .subquery("flags"))
    n, n_bad, bad_active, n_none, none_active = conn.execute(select(
        func.count(), func.sum(flags.c.bad), func.sum(flags.c.bad * flags.c.active),
        func.sum(flags.c.no_case), func.sum(flags.c.no_case * flags.c.active))).one()
    groups = {}
    for name, k, a in (("bad_rated_case", n_bad, bad_active), ("no_case", n_none, none_active)):
        k, a = int(k or 0), int(a or 0)
        groups[name] = {"customers": k, "active": a, "share_active": _ratio(a, k)}
    s_bad, s_none = groups["bad_rated_case"]["share_active"], groups["no_case"]["share_active"]
    return {"base_customers": int(n), **groups,
            "difference": None if s_bad is None or s_none is None else s_bad - s_none}


def service_kpis(conn, period: Period, filters, *, agent=None) -> dict:
    """The METRICS.md §8 numbers for the period, named as there (see the module docstring).

    first_response_hours covers the cases opened in the period that have a first response,
    whenever it came (the response time of the period's cases, not only of those answered
    before `to`). csat / avg_satisfaction cover cases resolved in the period with a rating.
    """
    start, end = period.start_utc, period.end_utc
    cs = cases
    scope = _scope(filters, agent)
    opened, resolved = _in(cs.c.opened_at, start, end), _in(cs.c.resolved_at, start, end)
    rated = and_(resolved, cs.c.satisfaction.is_not(None))
    n_res, backlog, n_rated, n_good, sat_sum = conn.execute(
        select(_count_if(resolved), _count_if(_open_at(end)), _count_if(rated),
               _count_if(and_(rated, cs.c.satisfaction >= GOOD_RATING)),
               func.sum(case((rated, cs.c.satisfaction), else_=None)))
        .where(where_all(scope))).one()
    by = {"channel": {}, "category": {}, "priority": {}}
    labels = select(_label(cs.c.channel).label("channel"), _label(cs.c.category).label("category"),
                    _label(cs.c.priority).label("priority")).where(opened, *scope).subquery("opened")
    for ch, cat, prio, k in conn.execute(
            select(labels.c.channel, labels.c.category, labels.c.priority, func.count())
            .group_by(labels.c.channel, labels.c.category, labels.c.priority)):
        for name, v in (("channel", ch), ("category", cat), ("priority", prio)):
            by[name][v] = by[name].get(v, 0) + int(k)
    by = {name: {v: d[v] for v in sorted(d, key=lambda v: (v == NONE_VALUE, v))} for name, d in by.items()}
    n_opened = sum(by["channel"].values())
    first = (select(hours_between(cs.c.opened_at, cs.c.first_response_at).label("x"))
             .where(opened, cs.c.first_response_at.is_not(None), *scope).subquery("first_response"))
    resolution = (select(hours_between(cs.c.opened_at, cs.c.resolved_at).label("x"))
                  .where(resolved, *scope).subquery("resolution"))
    n_rated = int(n_rated or 0)
    ordering = _customers_ordering(conn, filters,
                                   local_midnight_utc(add_months(period.end, -12), period.tz), end)
    return {
        "cases_opened": n_opened,
        "cases_opened_by": by,
        "cases_resolved": int(n_res or 0),
        "backlog": int(backlog or 0),
        "first_response_hours": _stats(conn, first).get(None, dict(_EMPTY_STATS)),
        "resolution_hours": _stats(conn, resolution).get(None, dict(_EMPTY_STATS)),
        "rated_cases": n_rated,
        "csat": _ratio(int(n_good or 0), n_rated),
        "avg_satisfaction": _ratio(float(sat_sum or 0), n_rated),
        "customers_ordering_12m": ordering,
        "cases_per_100_customers": None if not ordering else n_opened / ordering * 100,
        "service_and_retention": _service_and_retention(conn, period, filters, agent),
    }


def _clipped(buckets, period: Period):
    """Calendar buckets cut to the period, so the buckets' counts add up to the period's."""
    start, end = period.start_utc, period.end_utc
    return [(label, max(lo, start), min(hi, end)) for label, lo, hi in buckets]


def service_trend(conn, period: Period, filters, *, agent=None) -> list[dict]:
    """Per Monday-week intersecting the period: [{"week", "opened", "resolved", "backlog"}].

    The first and last week are cut to the period (their opened/resolved count only the days
    inside it, so the weeks add up to cases_opened / cases_resolved); backlog is the number of
    cases open at the end of the (cut) week, so the last week's backlog is `backlog`.
    """
    weeks = _clipped(period.week_buckets(), period)
    idx = [(i, lo, hi) for i, (_, lo, hi) in enumerate(weeks)]
    cs, end = cases, period.end_utc
    scope = _scope(filters, agent)
    out = [{"week": label, "opened": 0, "resolved": 0, "backlog": 0} for label, _, _ in weeks]
    for col, key in ((cs.c.opened_at, "opened"), (cs.c.resolved_at, "resolved")):
        # month_label_case maps a timestamp to the bucket it falls in; here the buckets are weeks
        sub = (select(month_label_case(col, idx).label("w"))
               .where(_in(col, period.start_utc, end), *scope).subquery(key))
        for w, k in conn.execute(select(sub.c.w, func.count()).group_by(sub.c.w)):
            out[int(w)][key] = int(k)
    cols = [func.sum(case((_open_at(hi), 1), else_=0)) for _, _, hi in weeks]
    row = conn.execute(select(*cols).where(cs.c.opened_at < end, *scope)).one()
    for i, k in enumerate(row):
        out[i]["backlog"] = int(k or 0)
    return out


def csat_trend(conn, period: Period, filters, *, agent=None) -> list[dict]:
    """Per calendar month intersecting the period (cut to it): [{"month", "rated", "csat",
    "avg_satisfaction"}] over the cases resolved in that month with a rating."""
    months = _clipped(period.month_buckets(), period)
    idx = [(i, lo, hi) for i, (_, lo, hi) in enumerate(months)]
    cs = cases
    sub = (select(month_label_case(cs.c.resolved_at, idx).label("m"), cs.c.satisfaction)
           .where(_in(cs.c.resolved_at, period.start_utc, period.end_utc),
                  cs.c.satisfaction.is_not(None), *_scope(filters, agent)).subquery("rated"))
    out = [{"month": label, "rated": 0, "csat": None, "avg_satisfaction": None} for label, _, _ in months]
    stmt = select(sub.c.m, func.count(), func.sum(case((sub.c.satisfaction >= GOOD_RATING, 1), else_=0)),
                  func.sum(sub.c.satisfaction)).group_by(sub.c.m)
    for m, k, good, total in conn.execute(stmt):
        k = int(k)
        out[int(m)].update(rated=k, csat=_ratio(int(good), k), avg_satisfaction=_ratio(float(total), k))
    return out


def service_by(conn, period: Period, filters, *, by: str = "priority", agent=None) -> list[dict]:
    """Per priority, channel or agent: [{"value", "label", "cases", "resolved", "rated",
    "first_response_median", "first_response_p90", "resolution_median", "resolution_p90",
    "csat"}], with the definitions of service_kpis restricted to the value. `cases` = opened
    in the period; the times and csat as in service_kpis. Empty values are `(none)`; `label`
    is the agent's name (the value otherwise). Order: priorities urgent → low, others by
    label, `(none)` last."""
    if by not in BREAKDOWNS:
        raise ValueError(f"by must be one of {', '.join(BREAKDOWNS)}, got {by!r}")
    if by == "agent":
        require_rep_figures(filters.access, "figures per service agent")
    cs = cases
    start, end = period.start_utc, period.end_utc
    scope = _scope(filters, agent)
    grp = _label(cs.c[BREAKDOWNS[by]]).label("grp")
    opened, resolved = _in(cs.c.opened_at, start, end), _in(cs.c.resolved_at, start, end)
    counts = (select(grp, case((opened, 1), else_=0).label("o"), case((resolved, 1), else_=0).label("r"),
                     case((and_(resolved, cs.c.satisfaction.is_not(None)), 1), else_=0).label("rated"),
                     case((and_(resolved, cs.c.satisfaction >= GOOD_RATING), 1), else_=0).label("good"))
              .where(or_(opened, resolved), *scope).subquery("by_counts"))
    rows = {}
    for g, o, r, rated, good in conn.execute(
            select(counts.c.grp, func.sum(counts.c.o), func.sum(counts.c.r), func.sum(counts.c.rated),
                   func.sum(counts.c.good)).group_by(counts.c.grp)):
        rows[g] = {"value": g, "label": g, "cases": int(o), "resolved": int(r), "rated": int(rated),
                   "first_response_median": None, "first_response_p90": None,
                   "resolution_median": None, "resolution_p90": None,
                   "csat": _ratio(int(good), int(rated))}
    first = (select(grp, hours_between(cs.c.opened_at, cs.c.first_response_at).label("x"))
             .where(opened, cs.c.first_response_at.is_not(None), *scope).subquery("first_response"))
    resolution = (select(grp, hours_between(cs.c.opened_at, cs.c.resolved_at).label("x"))
                  .where(resolved, *scope).subquery("resolution"))
    for values, name in ((first, "first_response"), (resolution, "resolution")):
        for g, s in _stats(conn, values, ("grp",)).items():
            rows[g][name + "_median"], rows[g][name + "_p90"] = s["median"], s["p90"]
    if by == "agent":
        names = dict(conn.execute(select(owners.c.owner_id, owners.c.name)
                                  .where(owners.c.owner_id.in_([g for g in rows if g != NONE_VALUE]))).all())
        for g, row in rows.items():
            row["label"] = names.get(g) or g
    rank = {p: i for i, p in enumerate(PRIORITIES)} if by == "priority" else {}
    return sorted(rows.values(), key=lambda x: (x["value"] == NONE_VALUE, rank.get(x["value"], len(rank)),
                                                x["label"].casefold(), x["value"]))


def _week_range(period: Period, week):
    if week is None:
        return period.start_utc, period.end_utc
    label = week.isoformat() if isinstance(week, date) else str(week)
    for w, lo, hi in _clipped(period.week_buckets(), period):
        if w == label:
            return lo, hi
    raise ListError(f"week must be the Monday of a week in the period (YYYY-MM-DD), got {week!r}")


def cases_list(conn, period: Period, filters, *, kind: str = "opened", priority=None, channel=None,
               agent=None, week=None, limit: int = 100, offset: int = 0, sort=None):
    """Drill-down: the cases behind cases_opened / cases_resolved / backlog / rated_cases,
    optionally narrowed to priorities, channels (`(none)` for empty) and a week of
    service_trend (the week cut to the period; backlog: open at the end of that week).
    `agent` is the section filter. `(DataFrame, total)`."""
    if kind not in LIST_KINDS:
        raise ListError(f"kind must be one of {', '.join(LIST_KINDS)}, got {kind!r}")
    lo, hi = _week_range(period, week)
    cs = cases
    conds = _scope(filters, agent)
    if kind == "opened":
        conds.append(_in(cs.c.opened_at, lo, hi))
    elif kind == "resolved":
        conds.append(_in(cs.c.resolved_at, lo, hi))
    elif kind == "rated":
        conds += [_in(cs.c.resolved_at, lo, hi), cs.c.satisfaction.is_not(None)]
    else:
        conds.append(_open_at(hi))
    for col, values in ((cs.c.priority, _values(priority)), (cs.c.channel, _values(channel))):
        if values:
            conds.append(_value_clause(col, values))
    base = (select(cs.c.case_id, cs.c.customer_id, customers.c.name.label("customer_name"),
                   cs.c.owner_id, owners.c.name.label("agent_name"), cs.c.channel, cs.c.category,
                   cs.c.priority, cs.c.opened_at, cs.c.first_response_at, cs.c.resolved_at,
                   cs.c.satisfaction,
                   hours_between(cs.c.opened_at, cs.c.first_response_at).label("first_response_hours"),
                   hours_between(cs.c.opened_at, cs.c.resolved_at).label("resolution_hours"))
            .select_from(cs.join(customers, customers.c.customer_id == cs.c.customer_id)
                         .outerjoin(owners, owners.c.owner_id == cs.c.owner_id)))
    return page(conn, base, where_all(conds), filters=filters, limit=limit, offset=offset, sort=sort,
                default_sort=[("opened_at", "desc")])
