"""Customer journeys (touchpoints), lifecycle histories and A/B assignments for one chunk.

Touchpoints: the first contact at `customers.created_at`, nurturing before the first deal
(or, for customers that never get one, in the months after the first contact), touches
during every deal up to its close (won deals see more referral, event and email touches, the
rest more display and social, so the attribution models disagree), and newsletters and visits
while a customer is active. A touch of a channel with a running campaign usually carries it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import demo_vocab as V
from .demo_accounts import Accounts, _spread
from .demo_calendar import DAY, HOUR, MONTH, Calendar
from .demo_campaigns import Campaigns
from .demo_deals import WON, Deals
from .demo_io import NULL_TS
from .demo_people import Customers, choose, choose_rows

_NEVER = np.iinfo(np.int64).max // 2
_ORGANIC = V.CHANNELS.index("organic")
_CAMPAIGN_ONLY = np.array([V.CHANNELS.index(c) for c in ("event", "print", "tv")])
_UNTAGGED = np.array([V.CHANNELS.index(c) for c in ("organic", "referral")])


@dataclass(frozen=True)
class Touches:
    customer: np.ndarray   # sorted by customer, then time
    at: np.ndarray
    channel: np.ndarray
    campaign: np.ndarray   # -1 none
    kind: np.ndarray


def make_touches(rng, cal: Calendar, cust: Customers, deals: Deals, acc: Accounts,
                 camps: Campaigns) -> Touches:
    end = cal.end
    nc = len(cust.index)
    c0 = cust.created
    has_deal = cust.n_deals > 0
    first_deal = c0 + cust.lead_delay
    parts = []  # (customer, ts, channel)
    # first contact
    parts.append((np.arange(nc), c0, cust.acquisition))
    # nurturing: before the first deal, or for the prospects in their first months
    hi = np.where(has_deal, first_deal, np.minimum(c0 + 150 * DAY, end))
    cnt = rng.poisson(np.where(has_deal, 1.8, 2.3))
    row, ts = _spread(rng, c0 + 1, hi, cnt)
    same = rng.random(len(row)) < 0.35
    ch = np.where(same, cust.acquisition[row], choose(rng, V.TOUCH_MIX_NURTURE, len(row)))
    parts.append((row, ts, ch))
    # during each deal (the journey the attribution models look at)
    won = deals.status == WON
    lo = np.maximum(c0[deals.customer], deals.created - 14 * DAY)
    hi = np.minimum(deals.active_until, end)
    row, ts = _spread(rng, lo, hi, 1 + rng.poisson(4.0, len(lo)) + 2 * won)
    mix = np.array([V.TOUCH_MIX_OTHER, V.TOUCH_MIX_WON])
    ch = choose_rows(rng, mix, won[row].astype(np.int64))
    src = deals.source[row]
    ch = np.where((src >= 0) & (rng.random(len(row)) < 0.25), src, ch)
    parts.append((deals.customer[row], ts, ch))
    # active customers: newsletters and visits
    buyer = acc.first_win < _NEVER
    stop = np.minimum(np.minimum(acc.churn, end - 1) + 60 * DAY, end)
    months = np.where(buyer, np.maximum(stop - acc.first_win, 0) / MONTH, 0.0)
    row, ts = _spread(rng, acc.first_win, stop, rng.poisson(0.8 * months))
    parts.append((row, ts, choose(rng, V.TOUCH_MIX_NURTURE, len(row))))

    customer = np.concatenate([p[0] for p in parts])
    at = np.concatenate([p[1] for p in parts])
    channel = np.concatenate([p[2] for p in parts])
    keep = (at < end) & (at >= c0[customer])
    customer, at, channel = customer[keep], at[keep], channel[keep]
    campaign = camps.active(channel, at)
    # TV, print and event touches only happen around a campaign; others drift to organic
    lonely = np.isin(channel, _CAMPAIGN_ONLY) & (campaign < 0)
    channel = np.where(lonely, _ORGANIC, channel)
    untagged = np.isin(channel, _UNTAGGED) | (rng.random(len(at)) < 0.1)
    campaign = np.where(lonely | untagged, -1, campaign)
    kind = choose_rows(rng, np.array(V.KIND_MIX), channel)
    order = np.lexsort((at, customer))
    return Touches(customer[order], at[order], channel[order], campaign[order], kind[order])


@dataclass(frozen=True)
class Lifecycle:
    customer: np.ndarray
    stage: np.ndarray  # index into LIFECYCLE
    at: np.ndarray


def make_lifecycle(rng, cal: Calendar, cust: Customers, deals: Deals, acc: Accounts) -> Lifecycle:
    """Stages consistent with deals and orders: opportunity at the first deal, customer at
    the first won deal, loyal at the third order, churned 90 days after the last activity."""
    end = cal.end
    nc = len(cust.index)
    c0, lead_delay = cust.created, cust.lead_delay
    has_deal = cust.n_deals > 0
    subscriber = rng.random(nc) < 0.65
    later_lead = c0 + (rng.gamma(1.0, 20.0, nc) * DAY).astype(np.int64)
    lead = np.where(has_deal, np.where(subscriber, c0 + lead_delay * 15 // 100, c0),
                    np.where(subscriber, np.where(rng.random(nc) < 0.45, later_lead, NULL_TS), c0))
    mql_p = np.where(has_deal, 0.8, 0.3)
    mql_at = np.where(has_deal, c0 + lead_delay * 45 // 100,
                      lead + (rng.gamma(1.0, 15.0, nc) * DAY).astype(np.int64) + HOUR)
    mql = np.where((lead != NULL_TS) & (rng.random(nc) < mql_p), mql_at, NULL_TS)
    sql = np.where(has_deal & (rng.random(nc) < 0.85), c0 + lead_delay * 80 // 100, NULL_TS)
    opportunity = np.where(has_deal, c0 + lead_delay, NULL_TS)
    customer = np.where(acc.first_win < _NEVER, acc.first_win, NULL_TS)
    # loyal: the third order; churned: 90 days after the last order or won deal
    n_orders = np.bincount(acc.o_customer, minlength=nc)
    starts = np.concatenate([[0], np.cumsum(n_orders)[:-1]])
    loyal = np.full(nc, NULL_TS, np.int64)
    if len(acc.o_at):
        third = acc.o_at[np.minimum(starts + 2, len(acc.o_at) - 1)]
        loyal = np.where(n_orders >= 3, third, NULL_TS)
    last_order = np.full(nc, -1, np.int64)
    np.maximum.at(last_order, acc.o_customer, acc.o_at)
    churned = np.where(acc.churn < _NEVER, np.maximum(last_order, acc.first_win) + 90 * DAY, NULL_TS)
    stages = [np.where(subscriber, c0, NULL_TS), lead, mql, sql, opportunity, customer, loyal, churned]
    at = np.column_stack(stages)
    valid = (at != NULL_TS) & (at < end)
    ci, si = np.nonzero(valid)
    return Lifecycle(ci, si, at[ci, si])


# ------------------------------------------------------------------------- experiments

@dataclass(frozen=True)
class Experiment:
    id: str
    name: str
    started: int
    ended: int | None        # epoch seconds or None when still running
    variants: tuple[str, str]
    rates: tuple[float, float]
    share: float             # probability that an eligible customer takes part

    @property
    def until(self) -> int:
        return self.ended if self.ended is not None else _NEVER


def make_experiments(cal: Calendar, plan_created: np.ndarray, deals: int) -> tuple[Experiment, ...]:
    """Checkout CTA: a clear effect (5 % vs 9 %); pricing page: none. ~1,000 per arm at 5k deals."""
    want = 2 * 1_000 * deals / 5_000
    defs = (("EXP-checkout-cta", 'Checkout CTA "Jetzt kaufen"', 320, 250, ("control", "test"), (0.05, 0.09)),
            ("EXP-pricing-page", "Pricing page, new layout", 75, None, ("control", "new_layout"), (0.06, 0.06)))
    out = []
    for eid, name, start_ago, end_ago, variants, rates in defs:
        started = int(cal.day_utc[cal.end_day - start_ago])
        ended = None if end_ago is None else int(cal.day_utc[cal.end_day - end_ago])
        until = min(ended if ended is not None else cal.end, cal.end)
        eligible = int(np.count_nonzero(plan_created < until - DAY))
        out.append(Experiment(eid, name, started, ended, variants, rates, min(1.0, want / max(eligible, 1))))
    return tuple(out)


@dataclass(frozen=True)
class Assignments:
    experiment: np.ndarray  # index into the experiments tuple
    customer: np.ndarray
    variant: np.ndarray     # 0 control, 1 treatment
    at: np.ndarray
    converted: np.ndarray
    revenue: np.ndarray     # cents, -1 none


def make_assignments(rng, cal: Calendar, cust: Customers, experiments) -> Assignments:
    parts = []
    for e, exp in enumerate(experiments):
        until = min(exp.until, cal.end)
        eligible = np.flatnonzero((cust.created < until - DAY) & (rng.random(len(cust.index)) < exp.share))
        lo = np.maximum(cust.created[eligible], exp.started)
        at = lo + (rng.random(len(eligible)) * (until - lo)).astype(np.int64)
        variant = (rng.random(len(eligible)) < 0.5).astype(np.int64)
        converted = rng.random(len(eligible)) < np.array(exp.rates)[variant]
        revenue = np.round(np.exp(rng.normal(np.log(120), 0.6, len(eligible))) * 100).astype(np.int64)
        revenue = np.where(converted, revenue, np.where(rng.random(len(eligible)) < 0.3, 0, -1))
        parts.append((np.full(len(eligible), e), eligible, variant, at, converted, revenue))
    return Assignments(*(np.concatenate([p[i] for p in parts]) for i in range(6)))
