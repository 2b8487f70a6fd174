"""Historical and predicted customer lifetime value (METRICS.md §6, Historical / Predicted CLV).

The per-customer purchase summary (frequency, recency, T, monetary, historical CLV) is computed
in the database; only that one row per customer reaches pandas, as the input of the BG/NBD and
Gamma-Gamma fits (`queries.bgnbd`). Time unit: days (α in days = 7 × α in weeks).

Calendar days in the reporting time zone: a purchase day is the local date of `ordered_at`,
computed as the day index ⌊(epoch seconds + UTC offset in force at that instant) / 86,400⌋.
The offset is a CASE over the time zone's offset changes between the first order and `to`,
found in Python with zoneinfo, so SQLite (which knows no time zones) and PostgreSQL agree
exactly and daylight-saving changes are handled (not approximated by one fixed offset). For
UTC, and any zone without changes in that range, the CASE is a single constant.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import BigInteger, Double, case, cast, func, literal, select

from . import bgnbd
from .db import data_version
from .dialect import epoch_seconds, stats_select
from .filters import NONE_VALUE, customer_clauses, where_all
from .journeys import text_order
from .period import Period
from .schema import customers, orders

DAYS_PER_MONTH = 365.25 / 12
_EPOCH = date(1970, 1, 1)
#: Shift so the integer division floors (not truncates) for instants back to ~1860.
_SHIFT_DAYS = 40_000
SUMMARY_COLUMNS = ("customer_id", "frequency", "recency", "T", "monetary", "historical_clv")
CLV_COLUMNS = ("customer_id", "frequency", "recency", "T", "historical_clv", "expected_purchases",
               "expected_order_value", "predicted_clv")
FIT_CACHE_SIZE = 32


def _utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=timezone.utc)


def _offset_seconds(tz: ZoneInfo, instant_utc: datetime) -> int:
    return int(_utc(instant_utc).astimezone(tz).utcoffset().total_seconds())


def offset_segments(tz: ZoneInfo, lo: datetime, hi: datetime) -> list[tuple[datetime | None, int]]:
    """The UTC offsets of `tz` in force between naive-UTC instants lo and hi.

    [(start, offset_seconds)], the first start None (from −∞), each later start the instant
    (whole seconds, naive UTC) from which the offset applies. Offsets change at most a few
    times a year, so a scan in 6-hour steps, refined by bisection to the second, finds every
    change (zones never change twice within 6 hours).
    """
    segments = [(None, _offset_seconds(tz, lo))]
    step = timedelta(hours=6)
    t = lo
    while t < hi:
        nxt = min(t + step, hi)
        if _offset_seconds(tz, nxt) != segments[-1][1]:
            a, b = t, nxt  # offset(a) = current, offset(b) differs: bisect to the first second
            while b - a > timedelta(seconds=1):
                mid = a + (b - a) // 2
                mid = mid.replace(microsecond=0)
                if _offset_seconds(tz, mid) == segments[-1][1]:
                    a = mid
                else:
                    b = mid
            segments.append((b, _offset_seconds(tz, b)))
        t = nxt
    return segments


def local_day_index(col, segments):
    """Days since 1970-01-01 of the local date of the naive-UTC timestamp `col`."""
    start, first_offset = segments[0]
    if len(segments) == 1:
        offset = literal(first_offset, BigInteger)
    else:
        # segment k applies from its start up to the next start: test the later starts first
        whens = [(col >= s, literal(off, BigInteger)) for s, off in reversed(segments[1:])]
        offset = case(*whens, else_=literal(first_offset, BigInteger))
    shift = literal(_SHIFT_DAYS * 86400, BigInteger)
    return (epoch_seconds(col) + offset + shift) // literal(86400, BigInteger) - literal(_SHIFT_DAYS, BigInteger)


def _orders_before(period: Period, filters):
    return [orders.c.ordered_at < period.end_utc, *customer_clauses(filters, orders.c.customer_id)]


def rfm_summary(conn, period: Period, filters) -> pd.DataFrame:
    """Per customer with an order before `to` (METRICS.md §6 Predicted CLV inputs), in days.

    Purchases are counted per calendar day in the reporting time zone (several orders on one day
    are one purchase, their revenue summed): frequency = purchase days − 1, recency = days from
    the first to the last purchase day, T = days from the first purchase day to the last day
    before `to`, monetary = mean revenue of the purchase days after the first (null without
    repeat purchases), historical_clv = Σ revenue of orders before `to`. Sorted by customer_id.
    """
    where = _orders_before(period, filters)
    first = conn.execute(select(func.min(orders.c.ordered_at)).where(*where)).scalar()
    if first is None:
        return pd.DataFrame({c: pd.Series(dtype=object if c == "customer_id" else float)
                             for c in SUMMARY_COLUMNS})
    if isinstance(first, str):
        first = datetime.fromisoformat(first)
    segments = offset_segments(period.tz, first, period.end_utc)
    day = local_day_index(orders.c.ordered_at, segments).label("d")
    daily = (select(orders.c.customer_id, day, func.sum(orders.c.revenue).label("rev"))
             .where(*where).group_by(orders.c.customer_id, day).subquery("daily"))
    ranked = select(daily, func.min(daily.c.d).over(partition_by=daily.c.customer_id)
                    .label("first_d")).subquery("ranked")
    last_day = (period.end - _EPOCH).days - 1  # the last day before `to`
    n_days = func.count()
    repeat_rev = func.sum(case((ranked.c.d == ranked.c.first_d, 0.0), else_=ranked.c.rev))
    stmt = (select(ranked.c.customer_id,
                   (n_days - 1).label("frequency"),
                   (func.max(ranked.c.d) - func.min(ranked.c.d)).label("recency"),
                   (literal(last_day, BigInteger) - func.min(ranked.c.d)).label("T"),
                   case((n_days > 1, repeat_rev / cast(n_days - 1, Double)), else_=None).label("monetary"),
                   func.sum(ranked.c.rev).label("historical_clv"))
            .group_by(ranked.c.customer_id)
            .order_by(text_order(ranked.c.customer_id, conn)))
    df = pd.DataFrame(conn.execute(stmt).all(), columns=list(SUMMARY_COLUMNS))
    for col in ("frequency", "recency", "T"):
        df[col] = df[col].astype("int64")
    for col in ("monetary", "historical_clv"):
        df[col] = df[col].astype(float)
    return df


@dataclass(frozen=True)
class FitResult:
    """The fitted BG/NBD (r, alpha in days, a, b) and Gamma-Gamma (p, q, v) parameters.

    Values are None when there is nothing to fit: no customers (all), or no repeat buyer with
    a positive mean repeat value (p, q, v, loglik_gg).
    """
    r: float | None
    alpha: float | None
    a: float | None
    b: float | None
    p: float | None
    q: float | None
    v: float | None
    loglik_bgnbd: float | None
    loglik_gg: float | None
    n_customers: int
    n_repeat: int

    @property
    def bgnbd(self) -> bgnbd.BGNBDParams | None:
        if self.r is None:
            return None
        return bgnbd.BGNBDParams(self.r, self.alpha, self.a, self.b, self.loglik_bgnbd)

    @property
    def gamma_gamma(self) -> bgnbd.GammaGammaParams | None:
        if self.p is None:
            return None
        return bgnbd.GammaGammaParams(self.p, self.q, self.v, self.loglik_gg)


def fit_models(summary_df: pd.DataFrame) -> FitResult:
    """Maximum-likelihood BG/NBD on all customers and Gamma-Gamma on the repeat buyers.

    The Gamma-Gamma fit uses customers with frequency > 0 and monetary > 0 (the model is for
    positive values; a repeat buyer whose repeat days sum to ≤ 0 cannot be fitted);
    `n_repeat` counts the customers it used.
    """
    n = len(summary_df)
    if n == 0:
        return FitResult(*([None] * 9), n_customers=0, n_repeat=0)
    x = summary_df["frequency"].to_numpy(float)
    bg = bgnbd.fit_bgnbd(x, summary_df["recency"].to_numpy(float), summary_df["T"].to_numpy(float))
    m = summary_df["monetary"].to_numpy(float)
    repeat = (x > 0) & np.isfinite(m) & (m > 0)
    n_repeat = int(repeat.sum())
    gg = bgnbd.fit_gamma_gamma(x[repeat], m[repeat]) if n_repeat else None
    return FitResult(bg.r, bg.alpha, bg.a, bg.b,
                     gg.p if gg else None, gg.q if gg else None, gg.v if gg else None,
                     bg.loglik, gg.loglik if gg else None, n_customers=n, n_repeat=n_repeat)


class _Uncached:
    """Carries the connection through the cache without being part of the key."""
    __slots__ = ("conn",)

    def __init__(self, conn):
        self.conn = conn

    def __hash__(self):
        return 0

    def __eq__(self, other):
        return isinstance(other, _Uncached)


@lru_cache(maxsize=FIT_CACHE_SIZE)
def _cached_fit(url: str, version: int, to: date, filters, tz_name: str, holder: _Uncached):
    summary = rfm_summary(holder.conn, Period(to - timedelta(days=1), to, tz_name), filters)
    return summary, fit_models(summary)


def summary_and_fit(conn, period: Period, filters) -> tuple[pd.DataFrame, FitResult]:
    """rfm_summary and fit_models at `to`, cached.

    The cache (bounded, FIT_CACHE_SIZE entries, least recently used dropped) is keyed by the
    database URL, `data_version` (bumped by every committed write), `to`, the filters and the
    time zone, so a refit happens only when the data or the question changed. The summary is
    returned as a copy, so callers cannot alter the cached one.
    """
    url = conn.engine.url.render_as_string(hide_password=True)
    summary, fit = _cached_fit(url, data_version(conn), period.end, filters, period.tz_name,
                               _Uncached(conn))
    return summary.copy(), fit


def expected_purchase_curve(fit: FitResult, summary: pd.DataFrame, horizon_months: int) -> np.ndarray:
    """E[X(i months) | x, t_x, T] for i = 0..H, shape (customers, H + 1)."""
    t = np.arange(horizon_months + 1, dtype=float) * DAYS_PER_MONTH
    cols = [summary[c].to_numpy(float)[:, None] for c in ("frequency", "recency", "T")]
    return bgnbd.bgnbd_expected_purchases(fit.bgnbd, t[None, :], *cols)


def predicted_clv(conn, period: Period, filters, *, horizon_months: int = 12,
                  monthly_discount: float = 0.01) -> pd.DataFrame:
    """Predicted CLV per customer with an order before `to` (METRICS.md §6 Predicted CLV).

    CLV = Σ_{i=1..H} expected_order_value × (E[X(i)] − E[X(i−1)]) / (1 + d)^i, months of
    365.25/12 days; expected_purchases = E[X(H months)]. expected_order_value is the
    Gamma-Gamma conditional mean (one-time buyers: p·v/(q−1)); null (NaN) when it does not
    exist (no Gamma-Gamma fit, or q ≤ 1), and then predicted_clv is null too.
    """
    if horizon_months < 1 or monthly_discount <= -1:
        raise ValueError("horizon_months must be ≥ 1 and monthly_discount > −1")
    summary, fit = summary_and_fit(conn, period, filters)
    out = summary[["customer_id", "frequency", "recency", "T", "historical_clv"]].copy()
    if summary.empty:
        for c in CLV_COLUMNS[5:]:
            out[c] = pd.Series(dtype=float)
        return out
    curve = expected_purchase_curve(fit, summary, horizon_months)
    discount = (1.0 + monthly_discount) ** -np.arange(1, horizon_months + 1, dtype=float)
    gg = fit.gamma_gamma
    value = (bgnbd.gamma_gamma_expected_value(gg, summary["frequency"], summary["monetary"])
             if gg else np.full(len(summary), np.nan))
    out["expected_purchases"] = curve[:, -1]
    out["expected_order_value"] = value
    out["predicted_clv"] = value * (np.diff(curve, axis=1) @ discount)
    return out


def _distribution(values: np.ndarray) -> dict:
    v = values[np.isfinite(values)]
    if v.size == 0:
        return {"customers": int(values.size), "total": None, "mean": None, "median": None, "p90": None}
    return {"customers": int(values.size), "total": float(v.sum()), "mean": float(v.mean()),
            "median": float(np.percentile(v, 50)), "p90": float(np.percentile(v, 90))}


def clv_by_segment(conn, period: Period, filters, *, horizon_months: int = 12,
                   monthly_discount: float = 0.01) -> dict:
    """Distribution of predicted CLV overall and per customer region.

    {"overall": stats, "regions": {region: stats}} with stats = {customers, total, mean, median,
    p90} (numpy's linear percentiles) over the customers with an order before `to`; an empty
    region is `(none)`. Null CLVs (no Gamma-Gamma fit) are counted in `customers` but left out
    of the statistics, which are null when no value remains.
    """
    clv = predicted_clv(conn, period, filters, horizon_months=horizon_months,
                        monthly_discount=monthly_discount)
    buyers = select(orders.c.customer_id).where(*_orders_before(period, filters)).distinct()
    rows = conn.execute(select(customers.c.customer_id, customers.c.region)
                        .where(customers.c.customer_id.in_(buyers))).all()
    region = {cid: (reg if reg else NONE_VALUE) for cid, reg in rows}
    regions = clv["customer_id"].map(region).fillna(NONE_VALUE)
    values = clv["predicted_clv"].to_numpy(float)
    return {"overall": _distribution(values),
            "regions": {r: _distribution(values[(regions == r).to_numpy()])
                        for r in sorted(set(regions))}}


def historical_clv(conn, period: Period, filters) -> dict:
    """Historical CLV = Σ revenue of orders before `to`, per customer with such an order.

    {"customers", "total", "mean", "median"} over those customers (mean and median null, total 0
    when there are none); computed in the database.
    """
    per_customer = (select(orders.c.customer_id, func.sum(orders.c.revenue).label("x"))
                    .where(where_all(_orders_before(period, filters)))
                    .group_by(orders.c.customer_id).subquery("per_customer"))
    total = conn.execute(select(func.count(), func.sum(per_customer.c.x))).one()
    stats = conn.execute(stats_select(per_customer, "x", percentiles=((1, 2),))).one()
    n = int(total[0] or 0)
    return {"customers": n, "total": float(total[1] or 0.0),
            "mean": float(stats.mean) if n else None, "median": float(stats.p1_2) if n else None}
