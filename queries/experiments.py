"""A/B experiments (METRICS.md §7): counts per variant in the database, statistics in Python.

Experiments whose run overlaps the period (started_at < to, and ended_at empty or > from) with
all their assignments, whenever assigned; the customer filters apply to the assignments'
customers. Each non-control variant is compared with the variant named `control`.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.special import betaln
from scipy.stats import norm
from sqlalchemy import and_, case, func, literal, or_, select

from .filters import customer_clauses, where_all
from .journeys import text_order
from .lists import page
from .period import Period
from .schema import customers, experiment_assignments, experiments

CONTROL = "control"
Z_95 = 1.959963984540054  # Φ⁻¹(0.975) at full precision (METRICS.md §7)
ALPHA = 0.05
MIN_OUTCOMES = 5  # fewer conversions or non-conversions in a group: not_enough_data
_CHUNK = 1_000_000


def _overlapping(period: Period):
    e = experiments
    return and_(e.c.started_at < period.end_utc,
                or_(e.c.ended_at.is_(None), e.c.ended_at > period.start_utc))


def p_beats_control(conv_c: int, n_c: int, conv_t: int, n_t: int) -> float:
    """P(rate_t > rate_c) with Beta(1, 1) priors, exactly (Evan Miller's closed form).

    With A ~ Beta(αa, βa), B ~ Beta(αb, βb) and integer αb:
    P(B > A) = Σ_{i=0}^{αb−1} B(αa+i, βa+βb) / ((βb+i) · B(1+i, βb) · B(αa, βa)).
    The sum runs over the smaller α (P(B > A) = 1 − P(A > B)), in chunks, in log space.
    """
    a_a, b_a = 1 + conv_c, 1 + n_c - conv_c
    a_b, b_b = 1 + conv_t, 1 + n_t - conv_t

    def prob(a1, b1, a2, b2):  # P(X2 > X1) for X1 ~ Beta(a1, b1), X2 ~ Beta(a2, b2)
        total = 0.0
        for lo in range(0, a2, _CHUNK):
            i = np.arange(lo, min(a2, lo + _CHUNK), dtype=float)
            total += float(np.sum(np.exp(betaln(a1 + i, b1 + b2) - np.log(b2 + i)
                                         - betaln(1 + i, b2) - betaln(a1, b1))))
        return total

    if a_b <= a_a:
        return prob(a_a, b_a, a_b, b_b)
    return 1.0 - prob(a_b, b_b, a_a, b_a)


def compare(conv_c: int, n_c: int, conv_t: int, n_t: int) -> dict:
    """The comparison of a variant (t) with control (c), METRICS.md §7.

    uplift_abs = rate_t − rate_c; uplift_rel = uplift_abs / rate_c (null if rate_c = 0);
    ci95 = uplift_abs ± z·√(p_c(1−p_c)/n_c + p_t(1−p_t)/n_t) (unpooled); z and the two-sided
    p_value from the pooled test, z = uplift_abs / √(p̄(1−p̄)(1/n_c + 1/n_t)) (both null if
    that error is 0); p_beat_control; verdict.
    """
    rate_c, rate_t = conv_c / n_c, conv_t / n_t
    uplift = rate_t - rate_c
    se = math.sqrt(rate_c * (1 - rate_c) / n_c + rate_t * (1 - rate_t) / n_t)
    pooled = (conv_c + conv_t) / (n_c + n_t)
    se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / n_c + 1 / n_t))
    z = uplift / se_pooled if se_pooled > 0 else None
    p_value = float(2 * norm.sf(abs(z))) if z is not None else None
    small = min(conv_c, n_c - conv_c, conv_t, n_t - conv_t) < MIN_OUTCOMES
    if small:
        verdict = "not_enough_data"
    elif p_value is not None and p_value < ALPHA and uplift > 0:
        verdict = "better"
    elif p_value is not None and p_value < ALPHA and uplift < 0:
        verdict = "worse"
    else:
        verdict = "no_clear_difference"
    return {"uplift_abs": uplift, "uplift_rel": uplift / rate_c if rate_c > 0 else None,
            "ci95": [uplift - Z_95 * se, uplift + Z_95 * se], "z": z, "p_value": p_value,
            "p_beat_control": p_beats_control(conv_c, n_c, conv_t, n_t), "verdict": verdict}


_NO_CONTROL = {"uplift_abs": None, "uplift_rel": None, "ci95": None, "z": None, "p_value": None,
               "p_beat_control": None, "verdict": "not_enough_data"}


def experiment_results(conn, period: Period, filters) -> dict:
    """{experiment_id: {"name", "started_at", "ended_at", "status", "variants": {variant: stats}}}.

    stats = n, conversions, rate, revenue_per_user (empty revenue = 0), and for every variant
    other than `control`: uplift_abs, uplift_rel, ci95 [lo, hi], z, p_value, p_beat_control,
    verdict. Without a `control` group (none assigned, e.g. after filtering) the comparison
    numbers are null and the verdict is not_enough_data (the control group has 0 conversions).
    status is "ended" when ended_at < to (over just before `to`, METRICS.md §0 "at time t"),
    else "running". Experiments with no assignment passing the filters have no variants.
    Ordered by experiment_id, variants control first then by name.
    """
    e, ea = experiments, experiment_assignments
    exps = conn.execute(select(e.c.experiment_id, e.c.name, e.c.started_at, e.c.ended_at)
                        .where(_overlapping(period))
                        .order_by(text_order(e.c.experiment_id, conn))).all()
    out = {}
    for exp_id, name, started, ended in exps:
        status = "ended" if ended is not None and ended < period.end_utc else "running"
        out[exp_id] = {"name": name, "started_at": started, "ended_at": ended, "status": status,
                       "variants": {}}
    if not out:
        return out
    conversions = func.sum(case((ea.c.converted, 1), else_=0))
    stmt = (select(ea.c.experiment_id, ea.c.variant, func.count(), conversions,
                   func.sum(func.coalesce(ea.c.revenue, literal(0.0))))
            .where(ea.c.experiment_id.in_(select(e.c.experiment_id).where(_overlapping(period))),
                   *customer_clauses(filters, ea.c.customer_id))
            .group_by(ea.c.experiment_id, ea.c.variant))
    counts = {}
    for exp_id, variant, n, conv, revenue in conn.execute(stmt):
        counts.setdefault(exp_id, {})[variant] = (int(n), int(conv or 0), float(revenue or 0.0))
    for exp_id, groups in counts.items():
        control = groups.get(CONTROL)
        for variant in sorted(groups, key=lambda v: (v != CONTROL, v)):
            n, conv, revenue = groups[variant]
            stats = {"n": n, "conversions": conv, "rate": conv / n, "revenue_per_user": revenue / n}
            if variant != CONTROL:
                stats.update(compare(control[1], control[0], conv, n) if control else _NO_CONTROL)
            out[exp_id]["variants"][variant] = stats
    return out


ASSIGNMENT_COLUMNS = ("customer_id", "name", "region", "variant", "assigned_at", "converted",
                      "revenue")


def experiment_customers(conn, period: Period, filters, *, experiment_id: str,
                         variant: str | None = None, converted: bool | None = None,
                         limit: int = 100, offset: int = 0, sort=None):
    """Drill-down: the assignments behind a variant's n (or conversions with converted=True).

    `(DataFrame, total)` with columns customer_id, name, region, variant, assigned_at,
    converted, revenue; empty when the experiment does not overlap the period (it is not
    shown then). The same filters as experiment_results, so totals equal its counts.
    """
    ea, c = experiment_assignments, customers
    base = (select(ea.c.customer_id, c.c.name, c.c.region, ea.c.variant, ea.c.assigned_at,
                   ea.c.converted, ea.c.revenue)
            .select_from(ea.join(c, c.c.customer_id == ea.c.customer_id)))
    where = [ea.c.experiment_id == experiment_id,
             ea.c.experiment_id.in_(select(experiments.c.experiment_id).where(_overlapping(period))),
             *customer_clauses(filters, ea.c.customer_id)]
    if variant is not None:
        where.append(ea.c.variant == variant)
    if converted is not None:
        where.append(ea.c.converted if converted else ~ea.c.converted)
    df, total = page(conn, base, where_all(where), filters=filters, limit=limit, offset=offset, sort=sort)
    if not df.empty:
        df["converted"] = df["converted"].astype(bool)
    return df, total
