"""Cohort retention (METRICS.md §6) by calendar month of the first order.

Customer-level: orders of customers passing `filters.customer_clauses`. Months are calendar
months in the reporting time zone, their edges computed in Python (Period.month_buckets), so
SQLite and PostgreSQL bucket the same timestamps alike, daylight-saving changes included.
"""
from __future__ import annotations

from sqlalchemy import func, select

from .dialect import month_label_case
from .filters import customer_clauses
from .period import Period
from .schema import orders


def cohort_retention(conn, period: Period, filters) -> dict:
    """{"YYYY-MM": {"size": n, "retention": [1.0, r₁, …]}} per first-order month.

    Cohorts: the calendar months intersecting the period (a period starting mid-month still
    shows that month's whole cohort); a customer belongs to the month of its first order ever,
    looking only at orders before `to` (what is known at `to`). retention[k] = share of the
    cohort with an order in the k-th calendar month after the cohort month, for k up to the
    month containing the last day before `to` (the last month of the period; orders at or after
    `to` are not seen, so that month may be partial). Month 0 is 1 by definition. Months with
    an empty cohort are left out.
    """
    buckets = period.month_buckets()
    index_buckets = [(i, lo, hi) for i, (_, lo, hi) in enumerate(buckets)]
    first_lo, end = buckets[0][1], period.end_utc
    o = orders
    cust = customer_clauses(filters, o.c.customer_id)
    first = (select(o.c.customer_id, func.min(o.c.ordered_at).label("first_at"))
             .where(o.c.ordered_at < end, *cust).group_by(o.c.customer_id).subquery("first_order"))
    cohort = (select(first.c.customer_id, month_label_case(first.c.first_at, index_buckets).label("c"))
              .where(first.c.first_at >= first_lo).subquery("cohort"))
    # bound-parameter expressions are computed in an inner select and grouped outside
    active = (select(o.c.customer_id, month_label_case(o.c.ordered_at, index_buckets).label("m"))
              .where(o.c.ordered_at >= first_lo, o.c.ordered_at < end, *cust).subquery("active_raw"))
    active_months = select(active.c.customer_id, active.c.m).distinct().subquery("active_months")
    sizes = {int(c): int(k) for c, k in
             conn.execute(select(cohort.c.c, func.count()).group_by(cohort.c.c))}
    retained = conn.execute(
        select(cohort.c.c, active_months.c.m, func.count())
        .select_from(cohort.join(active_months, active_months.c.customer_id == cohort.c.customer_id))
        .where(active_months.c.m > cohort.c.c)
        .group_by(cohort.c.c, active_months.c.m)).all()
    out = {}
    for c, size in sorted(sizes.items()):
        if size:
            out[buckets[c][0]] = {"size": size, "retention": [1.0] + [0.0] * (len(buckets) - 1 - c)}
    for c, m, k in retained:
        c, m = int(c), int(m)
        out[buckets[c][0]]["retention"][m - c] = int(k) / sizes[c]
    return out
