"""Customer journeys for attribution (METRICS.md §5: conversion, journey, non-converting journey).

The journeys are the input of every attribution model: the heuristic ones in
`queries.attribution` and the chain/game models (Markov, Shapley) that plug in later. The
touchpoints of the period's conversions are selected in SQL and pulled into Python (bounded by
the period's conversions); tie order and the model arithmetic are then done in Python, where
string comparison is by code point, i.e. the same on every database.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, literal, or_, select

from .dialect import seconds_between
from .filters import NONE_VALUE, customer_clauses, deal_clauses, where_all
from .period import Period
from .schema import deals, touchpoints

SECONDS_PER_DAY = 86400
KEYS = ("channel", "campaign")


@dataclass(frozen=True)
class Touch:
    """One touchpoint of a journey; `age_seconds` = journey end (closed_at or `to`) − occurred_at."""
    touchpoint_id: str
    key: str
    occurred_at: datetime
    age_seconds: int


@dataclass(frozen=True)
class Journey:
    """A conversion (won deal) with its touches in tie order; `touches` may be empty."""
    deal_id: str
    customer_id: str
    closed_at: datetime
    value: float
    touches: tuple[Touch, ...]


def text_order(col, conn):
    """`col` for ORDER BY compared as text byte by byte (METRICS.md §0 ties: "compared as text").

    SQLite compares text with BINARY by default; PostgreSQL uses the database collation, which
    may be a locale (en_US orders `TP-2` and `TP10` differently), so it gets COLLATE "C" there.
    """
    return col.collate("C") if conn.dialect.name == "postgresql" else col


def key_column(key: str, table=touchpoints):
    """The journey key of a touchpoint: its channel, or its campaign with `(none)` for none."""
    if key == "channel":
        return table.c.channel
    if key == "campaign":
        return func.coalesce(table.c.campaign_id, literal(NONE_VALUE))
    raise ValueError(f"key must be one of {', '.join(KEYS)}, got {key!r}")


def _conversions(period: Period, filters):
    """Won deals passing the filters closed in the period, with the customer's previous won deal.

    'Previous' is any won deal of the customer (filters not applied) closed strictly before this
    one; two won deals closed at the same second are not each other's previous deal.
    """
    prev = deals.alias("prev")
    d = deals
    # a join + GROUP BY rather than a correlated max(): the grouped subquery is computed once
    # (SQLite re-ran the correlated one for every joined touchpoint, scanning all won deals).
    # The status test sits inside max() so that the join uses the customer_id index.
    return (select(d.c.deal_id, d.c.customer_id, d.c.closed_at, d.c.amount,
                   func.max(case((prev.c.status == "won", prev.c.closed_at))).label("prev_won_at"))
            .select_from(d.outerjoin(prev, and_(prev.c.customer_id == d.c.customer_id,
                                                prev.c.closed_at < d.c.closed_at)))
            .where(d.c.status == "won", d.c.closed_at >= period.start_utc,
                   d.c.closed_at < period.end_utc, *deal_clauses(filters))
            .group_by(d.c.deal_id, d.c.customer_id, d.c.closed_at, d.c.amount)
            .subquery("conv"))


def conversions_and_journeys(conn, period: Period, filters, *, window_days: int = 90,
                             key: str = "channel") -> list[Journey]:
    """Every conversion of the period with its journey (METRICS.md §5).

    Journey = the customer's touchpoints with occurred_at in [closed_at − window, closed_at],
    strictly after the customer's previous won deal, ordered by (occurred_at, touchpoint_id as
    text). Touchpoints are never filtered (a campaign filter does not remove touches). Sorted by
    (closed_at, deal_id).
    """
    conv = _conversions(period, filters)
    tp = touchpoints
    age = seconds_between(tp.c.occurred_at, conv.c.closed_at)
    # coarse bound on occurred_at (index-friendly); the exact window is the `age` condition
    earliest = period.start_utc - timedelta(days=window_days + 1)
    on = and_(tp.c.customer_id == conv.c.customer_id,
              tp.c.occurred_at >= earliest,
              tp.c.occurred_at <= conv.c.closed_at,
              age <= window_days * SECONDS_PER_DAY,
              or_(conv.c.prev_won_at.is_(None), tp.c.occurred_at > conv.c.prev_won_at))
    stmt = (select(conv.c.deal_id, conv.c.customer_id, conv.c.closed_at, conv.c.amount,
                   tp.c.touchpoint_id, key_column(key).label("key"), tp.c.occurred_at,
                   age.label("age"))
            .select_from(conv.outerjoin(tp, on)))
    by_deal: dict[str, tuple] = {}
    touches: dict[str, list[Touch]] = {}
    for r in conn.execute(stmt):
        by_deal.setdefault(r.deal_id, (r.customer_id, r.closed_at, float(r.amount)))
        lst = touches.setdefault(r.deal_id, [])
        if r.touchpoint_id is not None:
            lst.append(Touch(r.touchpoint_id, r.key, r.occurred_at, int(r.age)))
    out = []
    for deal_id, (customer_id, closed_at, value) in by_deal.items():
        ts = sorted(touches[deal_id], key=lambda t: (t.occurred_at, t.touchpoint_id))
        out.append(Journey(deal_id, customer_id, closed_at, value, tuple(ts)))
    out.sort(key=lambda j: (j.closed_at, j.deal_id))
    return out


def _non_converting_touches(period: Period, filters, window_days: int):
    """Touches of the non-converting journeys (METRICS.md §5), as a select.

    One journey per customer passing the filters: touchpoints in [max(from, to − window), to),
    strictly after the customer's latest won deal closed before `to` (any deal, unfiltered).
    """
    lo = max(period.start_utc, period.end_utc - timedelta(days=window_days))
    last_won = (select(deals.c.customer_id, func.max(deals.c.closed_at).label("last_won_at"))
                .where(deals.c.status == "won", deals.c.closed_at < period.end_utc)
                .group_by(deals.c.customer_id).subquery("last_won"))
    tp = touchpoints
    return (tp.outerjoin(last_won, last_won.c.customer_id == tp.c.customer_id),
            [tp.c.occurred_at >= lo, tp.c.occurred_at < period.end_utc,
             or_(last_won.c.last_won_at.is_(None), tp.c.occurred_at > last_won.c.last_won_at),
             *customer_clauses(filters, tp.c.customer_id)])


def non_converting_journey_count(conn, period: Period, filters, *, window_days: int = 90) -> int:
    """Number of non-converting journeys with at least one touchpoint (METRICS.md §5)."""
    frm, conds = _non_converting_touches(period, filters, window_days)
    stmt = (select(func.count(func.distinct(touchpoints.c.customer_id)))
            .select_from(frm).where(where_all(conds)))
    return int(conn.execute(stmt).scalar() or 0)


def non_converting_journeys(conn, period: Period, filters, *, window_days: int = 90,
                            key: str = "channel") -> dict[str, tuple[Touch, ...]]:
    """customer_id -> touches (tie order) of the non-converting journeys; age measured to `to`."""
    frm, conds = _non_converting_touches(period, filters, window_days)
    tp = touchpoints
    stmt = (select(tp.c.customer_id, tp.c.touchpoint_id, key_column(key).label("key"),
                   tp.c.occurred_at)
            .select_from(frm).where(where_all(conds)))
    end = period.end_utc
    out: dict[str, list[Touch]] = {}
    for r in conn.execute(stmt):
        age = int((end - r.occurred_at).total_seconds())
        out.setdefault(r.customer_id, []).append(Touch(r.touchpoint_id, r.key, r.occurred_at, age))
    return {c: tuple(sorted(ts, key=lambda t: (t.occurred_at, t.touchpoint_id)))
            for c, ts in sorted(out.items())}
