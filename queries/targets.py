"""Target attainment (METRICS.md §2): actual / target for a KPI, period and filter scope.

The target is the `targets` row whose [period_start, period_end) is exactly the period;
otherwise rows lying inside the period that tile it without gaps, all of one length class
(months, quarters or years; the coarsest class that tiles wins), summed for counts and money
and averaged without weights for rates. Scope: no filter → `all`; only one region → `region:<r>`;
only one owner → `owner:<id>`; any other filter combination → null.

KPIs measured at the period's end (`backlog`, §8; `open_deals`, `open_pipeline`,
`weighted_pipeline`, `stale_deals`, §2) are neither summed nor averaged: a quarter's backlog is
the backlog at its end, so its target is the last tile's (the month the quarter ends with).
`cases_per_100_customers` (§8: cases opened in the period per 100 customers ordering in the 12
months before `to`, not annualised) grows with the period's length like a count, so its tiles
are summed: three months of 2 make a quarter of 6, as the quarter's actual is measured.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from .filters import Filters
from .period import Period, add_months
from .schema import targets

#: KPIs that are ratios or averages: their tiling targets are averaged, not summed.
RATE_KPIS = frozenset({"win_rate", "avg_deal_size", "cycle_days_median", "cycle_days_mean", "csat",
                       "avg_satisfaction", "resolution_hours_median", "first_response_hours_median",
                       "sales_velocity"})
#: KPIs measured at the period's end: their tiling targets are neither summed nor averaged, the
#: last tile's target (ending with the period) is the period's.
AT_PERIOD_END_KPIS = frozenset({"backlog", "open_deals", "open_pipeline", "weighted_pipeline", "stale_deals"})
LENGTH_CLASSES = (("years", 12), ("quarters", 3), ("months", 1))


def target_scope(filters: Filters) -> str | None:
    """The `targets.scope` matching a filter selection, or None when no target can apply.

    The user's access scope counts as a filter: a sales rep's numbers meet their `owner:<id>`
    target, a region-scoped manager's their `region:<r>` target, never the company's."""
    active = dict(filters.active())
    for name, scope in (("owner", filters.access.owner_scope), ("region", filters.access.region_scope)):
        if scope is not None:
            chosen = active.get(name, scope)
            active[name] = tuple(v for v in chosen if v in scope)
            if not active[name]:
                return None
    if not active:
        return "all"
    if set(active) == {"region"} and len(active["region"]) == 1:
        return "region:" + active["region"][0]
    if set(active) == {"owner"} and len(active["owner"]) == 1:
        return "owner:" + active["owner"][0]
    return None


def _length_class(start: date, end: date) -> int | None:
    if start.day != 1:
        return None
    for _name, months in LENGTH_CLASSES:
        if add_months(start, months) == end:
            return months
    return None


def _tiles(rows, start: date, end: date) -> bool:
    cursor = start
    for row_start, row_end, _ in rows:
        if row_start != cursor:
            return False
        cursor = row_end
    return cursor == end


def target_for(conn, period: Period, filters: Filters, kpi: str) -> float | None:
    """The target of `kpi` for the period and the filters' scope (None if there is none)."""
    scope = target_scope(filters)
    if scope is None:
        return None
    scopes = ("all", "") if scope == "all" else (scope,)
    rows = conn.execute(select(targets.c.period_start, targets.c.period_end, targets.c.target).where(
        targets.c.kpi == kpi, targets.c.scope.in_(scopes),
        targets.c.period_start >= period.start, targets.c.period_end <= period.end,
    ).order_by(targets.c.period_start, targets.c.period_end)).all()
    rows = [(_as_date(a), _as_date(b), float(t)) for a, b, t in rows]
    for a, b, t in rows:
        if a == period.start and b == period.end:
            return t
    for _name, months in LENGTH_CLASSES:
        tiling = [r for r in rows if _length_class(r[0], r[1]) == months]
        if tiling and _tiles(tiling, period.start, period.end):
            values = [t for _, _, t in tiling]   # in period order: the last tile ends with the period
            if kpi in AT_PERIOD_END_KPIS:
                return values[-1]
            return sum(values) / len(values) if kpi in RATE_KPIS else sum(values)
    return None


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def target_attainment(conn, period: Period, filters: Filters = Filters(), *, kpi: str, actual) -> dict:
    """{"actual", "target", "attainment"}; attainment null without a target, actual or with target 0."""
    target = target_for(conn, period, filters, kpi)
    attainment = actual / target if actual is not None and target else None
    return {"actual": actual, "target": target, "attainment": attainment}
