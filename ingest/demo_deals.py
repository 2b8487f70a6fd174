"""Deals and their stage histories, vectorised over one chunk of customers.

Each deal gets a complete path through the default pipeline first (start stage, skipped
stages, an occasional backward move, the outcome and its time); everything at or after the
end of the data (local midnight of `today`) is then cut off, which leaves recent deals open
at the stage they had reached. Abandoned deals go quiet: they turn stale and are
cleaned up (lost, `no_response`) months later.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import demo_vocab as V
from .demo_calendar import DAY, HOUR, Calendar
from .demo_campaigns import Campaigns
from .demo_io import NULL_TS
from .demo_people import Customers, Owners, choose, choose_rows

_NEVER = np.iinfo(np.int64).max // 2
_WIN_BASE = np.array([0.22, 0.25, 0.28, 0.33])           # per segment
_ABANDON = 0.06
_LOST_AT = (0.36, 0.27, 0.22, 0.15)                      # lost deals by furthest stage
_WON_FROM = (0.0, 0.03, 0.12, 0.85)                      # won deals by furthest open stage
_STAGE_DAYS = np.array([6.0, 9.0, 12.0, 10.0])
_SEGMENT_PACE = np.array([2.0, 1.3, 1.0, 0.5])
_AMOUNT_MEDIAN = np.array([45_000.0, 12_000.0, 3_500.0, 900.0])
_PLANNED_CYCLE_DAYS = np.array([90.0, 50.0, 30.0, 12.0])
_REPEAT_SOURCE = (0.30, 0.15, 0.05, 0.05, 0.20, 0.15, 0.10, 0.0, 0.0, 0.0)
WON_CODE, LOST_CODE = 4, 5
_NO_RESPONSE = V.LOST_REASONS.index("no_response")
OPEN, WON, LOST = 0, 1, 2


@dataclass(frozen=True)
class Deals:
    customer: np.ndarray     # position in the chunk's Customers
    created: np.ndarray
    owner: np.ndarray
    campaign: np.ndarray     # -1 none
    source: np.ndarray       # channel index, -1 none
    amount: np.ndarray       # cents
    expected_close: np.ndarray  # NULL_TS none
    closed: np.ndarray       # NULL_TS when open
    status: np.ndarray       # OPEN / WON / LOST
    stage: np.ndarray        # code into DEAL_STAGES
    lost_reason: np.ndarray  # -1 none
    h_deal: np.ndarray       # history: deal position, stage code, entered_at
    h_stage: np.ndarray
    h_at: np.ndarray

    @property
    def active_until(self) -> np.ndarray:
        """When the deal stopped being worked on (closed_at, or still running)."""
        return np.where(self.closed == NULL_TS, _NEVER, self.closed)


def _owners(rng, owners: Owners, cust: Customers, cpos: np.ndarray, repeat: np.ndarray) -> np.ndarray:
    """The account owner (by customer region and segment team) takes most deals."""
    team = np.minimum(cust.segment.astype(np.int64), 2)
    account = np.empty(len(cust.index), np.int64)
    other = np.empty(len(cpos), np.int64)
    for r in range(-1, int(owners.region.max()) + 1):
        for t in range(3):
            pool = owners.pool(r, t)
            sel = (cust.region == r) & (team == t)
            account[sel] = pool[rng.integers(0, len(pool), int(sel.sum()))]
            dsel = sel[cpos]
            other[dsel] = pool[rng.integers(0, len(pool), int(dsel.sum()))]
    return np.where(repeat & (rng.random(len(cpos)) < 0.2), other, account[cpos])


def make_deals(rng, cal: Calendar, cust: Customers, owners: Owners, camps: Campaigns) -> Deals:
    end = cal.end
    cpos = np.repeat(np.arange(len(cust.index)), cust.n_deals)
    n = len(cpos)
    starts = np.concatenate([[0], np.cumsum(cust.n_deals)[:-1]])
    j = np.arange(n) - np.repeat(starts, cust.n_deals)
    first = cust.created[cpos] + cust.lead_delay[cpos]
    later = first + (rng.random(n) * (end - first - 2 * HOUR)).astype(np.int64)
    created = np.where(j == 0, first, later)
    order = np.lexsort((created, cpos))
    created = created[order]  # cpos is sorted already; j == 0 stays the first deal
    repeat = j > 0
    seg = cust.segment[cpos].astype(np.int64)

    owner = _owners(rng, owners, cust, cpos, repeat)
    source = np.where(repeat, choose(rng, _REPEAT_SOURCE, n), cust.acquisition[cpos])
    source = np.where(rng.random(n) < 0.04, -1, source)
    campaign = camps.active(source, created)
    campaign = np.where(rng.random(n) < 0.85, campaign, -1)

    # outcome: won / abandoned / lost at a stage
    factor = np.where(source >= 0, np.array(V.WIN_FACTOR_BY_CHANNEL)[np.maximum(source, 0)], 1.0)
    p_win = np.minimum(0.85, _WIN_BASE[seg] * owners.skill[owner] * np.where(repeat, 1.35, 1.0) * factor)
    u = rng.random(n)
    won = u < p_win
    abandoned = ~won & (u < p_win + _ABANDON)
    furthest = np.where(won, choose(rng, _WON_FROM, n),
                        np.where(abandoned, choose(rng, (0.4, 0.3, 0.2, 0.1), n), choose(rng, _LOST_AT, n)))
    start = np.where((furthest >= 1) & (rng.random(n) < 0.03), 1, 0)

    # time in each stage; a few deals stall for a long time
    pace = _SEGMENT_PACE[seg] * owners.pace[owner] * np.where(rng.random(n) < 0.08, 5.0, 1.0)
    dur = rng.gamma(1.4, 1 / 1.4, (n, 4)) * _STAGE_DAYS * pace[:, None] * DAY
    dur = np.maximum(dur, 15 * 60).astype(np.int64)
    entered = np.full((n, 4), NULL_TS, np.int64)
    t = created.copy()
    for s in range(4):
        visit = (s >= start) & (s <= furthest) & ~((s > start) & (s < furthest) & (rng.random(n) < 0.07))
        entered[:, s] = np.where(visit, t, NULL_TS)
        t = np.where(visit & (s < furthest), t + dur[:, s], t)
    rows = np.arange(n)
    stay = dur[rows, furthest]
    back = (furthest >= 2) & (rng.random(n) < 0.05)
    back_at = t + np.maximum(stay // 3, 15 * 60)
    again_at = back_at + np.maximum(dur[rows, np.maximum(furthest - 1, 0)] // 2, 15 * 60)
    last_entry = np.where(back, again_at, t)
    cleanup = (rng.gamma(2.0, 60.0, n) * DAY).astype(np.int64)  # abandoned: closed lost much later
    final = last_entry + stay + np.where(abandoned, cleanup, 0)
    closed = final < end
    status = np.where(closed, np.where(won, WON, LOST), OPEN)

    # history slots: four stages, the backward move and the return, the closing row
    h_stage = np.column_stack([np.tile(np.arange(4), (n, 1)), furthest - 1, furthest,
                               np.where(won, WON_CODE, LOST_CODE)])
    h_at = np.column_stack([entered, back_at, again_at, final])
    valid = np.column_stack([entered != NULL_TS, back, back, closed & (rng.random(n) >= 0.04)])
    valid &= h_at < end
    open_times = np.where(valid[:, :6], h_at[:, :6], NULL_TS)
    current = h_stage[rows, np.argmax(open_times, axis=1)]
    stage = np.where(status == WON, WON_CODE, np.where(status == LOST, LOST_CODE, current))

    reason = choose_rows(rng, np.array(V.LOST_REASON_MIX), np.minimum(furthest, 3))
    reason = np.where(abandoned, _NO_RESPONSE, reason)
    reason = np.where((status == LOST) & (rng.random(n) >= 0.03), reason, -1)

    amount = np.exp(rng.normal(0, 0.55, n)) * _AMOUNT_MEDIAN[seg] * np.where(repeat, 0.6, 1.0)
    cents = np.round(amount * 100).astype(np.int64)
    cents = np.where(rng.random(n) < 0.6, np.round(cents / 10_000).astype(np.int64) * 10_000, cents)
    cents = np.maximum(cents, 10_000)
    planned = rng.gamma(2.0, 0.5, n) * _PLANNED_CYCLE_DAYS[seg] * DAY
    exp_day = cal.day_of(created + planned.astype(np.int64))  # a date: local midnight
    expected = np.where(rng.random(n) < 0.88, cal.day_utc[exp_day], NULL_TS)

    hd, hs = np.nonzero(valid)
    return Deals(cpos, created, owner, campaign, source, cents, expected,
                 np.where(closed, final, NULL_TS), status, stage, reason,
                 hd, h_stage[hd, hs], h_at[hd, hs])
