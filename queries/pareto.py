"""Pareto analysis of customer revenue (METRICS.md §6): top-20 % share, Lorenz curve, Gini.

Over the customers passing the filters (`filters.customer_clauses`) with an order in the
period, by their revenue in the period. Two small queries: one aggregate over the ranked
customers (n, total, Gini numerator), then the cumulative revenue at the few ranks the Lorenz
deciles and the top 20 % need — never the whole customer list.
"""
from __future__ import annotations

from sqlalchemy import func, select

from .filters import customer_clauses
from .period import Period
from .schema import orders

DECILES = tuple(range(1, 11))


def _ranked(period: Period, filters):
    """Subquery (customer_id, x, i, n, cum): revenue x ascending, i = 1..n, cum = Σ x of ranks ≤ i.

    Ties of equal revenue are ordered by customer_id in the database's collation (their order
    cannot change any sum, so SQLite and PostgreSQL agree even where collations differ).
    """
    o = orders
    rev = (select(o.c.customer_id, func.sum(o.c.revenue).label("x"))
           .where(o.c.ordered_at >= period.start_utc, o.c.ordered_at < period.end_utc,
                  *customer_clauses(filters, o.c.customer_id))
           .group_by(o.c.customer_id).subquery("pareto_revenue"))
    order = (rev.c.x, rev.c.customer_id)
    return select(
        rev.c.customer_id, rev.c.x,
        func.row_number().over(order_by=order).label("i"),
        func.count().over().label("n"),
        func.sum(rev.c.x).over(order_by=order, rows=(None, 0)).label("cum"),
    ).subquery("pareto_ranked")


def lorenz_rank(k: int, n: int) -> int:
    """The customers behind the Lorenz value at decile k/10: the bottom ceil(k·n / 10).

    A non-integer position is rounded up — the curve at 10 % is the share of the smallest
    number of (lowest-revenue) customers that make up at least 10 % of the customers. Exact
    integer arithmetic, so 0.7 × 10 is 7, not 7.000000000000001 → 8.
    """
    return -(-k * n // 10)


def top_n(n: int) -> int:
    """ceil(0.2 × n) in exact integers."""
    return -(-n // 5)


def pareto(conn, period: Period, filters) -> dict:
    """{"customers", "top_n", "total_revenue", "top20_share", "gini", "lorenz_deciles": [[0.1, share], …]}.

    top20_share = revenue of the top ceil(0.2·n) customers / total; gini = Σ(2i − n − 1)·x₍ᵢ₎ /
    (n·Σx) with x ascending; lorenz_deciles = the bottom ceil(k·n/10) customers' revenue share
    for k = 1..10. Shares and Gini are None when there is no customer or the total is 0.
    """
    r = _ranked(period, filters)
    n, total, gini_num = conn.execute(
        select(func.count(), func.sum(r.c.x), func.sum((2 * r.c.i - r.c.n - 1) * r.c.x))).one()
    n = int(n)
    total = float(total or 0.0)
    top = top_n(n)
    out = {"customers": n, "top_n": top, "total_revenue": total, "top20_share": None,
           "gini": None, "lorenz_deciles": [[k / 10, None] for k in DECILES]}
    if n == 0 or total == 0:
        return out
    ranks = {lorenz_rank(k, n) for k in DECILES} | {n - top}
    cum = {int(i): float(c) for i, c in
           conn.execute(select(r.c.i, r.c.cum).where(r.c.i.in_(sorted(ranks - {0}))))}
    cum[0] = 0.0
    # the total is the cumulative sum at rank n, read from the same window, so the curve ends at 1
    total = cum[n]
    out["total_revenue"] = total
    out["top20_share"] = (total - cum[n - top]) / total
    out["gini"] = float(gini_num) / (n * total)
    out["lorenz_deciles"] = [[k / 10, cum[lorenz_rank(k, n)] / total] for k in DECILES]
    return out
