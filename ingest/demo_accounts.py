"""What happens after a customer is won: orders, service cases and churn (one chunk).

A won customer orders at each won deal and then repeatedly until it churns (some buy only
once). Service cases arrive while it is active; a slow resolution earns a bad rating, and
most customers with a bad rating had already stopped ordering and now leave (METRICS.md §8,
service and retention).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import demo_vocab as V
from .demo_calendar import DAY, HOUR, MONTH, Calendar
from .demo_deals import WON, Deals
from .demo_io import NULL_TS
from .demo_people import Customers, Owners, choose

_NEVER = np.iinfo(np.int64).max // 2
_ORDERS_PER_MONTH = np.array([2.2, 1.9, 1.4, 1.1])
_ORDER_VALUE = np.array([4_000.0, 1_200.0, 350.0, 90.0])
_CASES_PER_MONTH = np.array([0.16, 0.12, 0.09, 0.07])
_LIFETIME_MONTHS = 28.0


@dataclass(frozen=True)
class Accounts:
    first_win: np.ndarray    # per customer, _NEVER if never won
    churn: np.ndarray        # per customer, when it stopped ordering (_NEVER: not yet / never won)
    o_customer: np.ndarray   # orders, sorted by customer then time
    o_at: np.ndarray
    o_cents: np.ndarray
    o_category: np.ndarray   # -1 none
    c_customer: np.ndarray   # cases, sorted by opening time per customer
    c_owner: np.ndarray      # -1 unassigned
    c_channel: np.ndarray
    c_category: np.ndarray   # -1 none
    c_priority: np.ndarray   # -1 none
    c_opened: np.ndarray
    c_response: np.ndarray   # NULL_TS none
    c_resolved: np.ndarray   # NULL_TS none
    c_rating: np.ndarray     # -1 none


def _spread(rng, lo: np.ndarray, hi: np.ndarray, counts: np.ndarray):
    """`counts[i]` uniform timestamps in [lo[i], hi[i]) per owner row i; returns (row, ts)."""
    row = np.repeat(np.arange(len(counts)), counts)
    span = np.maximum(hi - lo, 0)[row]
    return row, lo[row] + (rng.random(len(row)) * span).astype(np.int64)


def won_span(cust: Customers, deals: Deals):
    """First and last won close per customer (_NEVER / -1 when none)."""
    n = len(cust.index)
    won = deals.status == WON
    first = np.full(n, _NEVER, np.int64)
    last = np.full(n, -1, np.int64)
    np.minimum.at(first, deals.customer[won], deals.closed[won])
    np.maximum.at(last, deals.customer[won], deals.closed[won])
    return first, last


def make_accounts(rng, cal: Calendar, cust: Customers, owners: Owners, deals: Deals) -> Accounts:
    end = cal.end
    n = len(cust.index)
    seg = cust.segment.astype(np.int64)
    first_win, last_win = won_span(cust, deals)
    buyer = first_win < _NEVER
    lifetime = (rng.exponential(_LIFETIME_MONTHS, n) * MONTH).astype(np.int64)
    churn = np.where(buyer, np.maximum(first_win + lifetime, last_win + 30 * DAY), _NEVER)

    # service cases while active
    active_to = np.minimum(churn, end)
    months = np.where(buyer, (active_to - first_win) / MONTH, 0.0)
    cc, opened = _spread(rng, first_win, active_to, rng.poisson(_CASES_PER_MONTH[seg] * np.maximum(months, 0)))
    m = len(cc)
    agents = np.flatnonzero(~owners.sales)
    agent = agents[rng.integers(0, len(agents), m)]
    agent = np.where(rng.random(m) < 0.03, -1, agent)
    speed = np.where(agent >= 0, owners.pace[np.maximum(agent, 0)], 1.6)
    prio = choose(rng, V.PRIORITY_SHARE, m)
    cat = choose(rng, V.CASE_CATEGORY_SHARE, m)
    fr_h = np.array(V.FIRST_RESPONSE_HOURS)[prio] * speed * np.exp(rng.normal(0, 0.8, m))
    res_median = np.array(V.RESOLUTION_HOURS)[prio] * np.array(V.CASE_CATEGORY_EFFORT)[cat]
    res_h = res_median * speed * np.exp(rng.normal(0, 0.9, m))
    response = opened + np.maximum(fr_h * HOUR, 60).astype(np.int64)
    resolved = np.maximum(opened + (res_h * HOUR).astype(np.int64), response + 300)
    resolved = np.where((resolved < end) & (rng.random(m) >= 0.015), resolved, NULL_TS)
    response = np.where(response < end, response, NULL_TS)
    score = (4.4 - 1.1 * np.log2(res_h / res_median) - 0.5 * (cat == 1) + rng.normal(0, 0.7, m))
    rating = np.clip(np.round(score), 1, 5).astype(np.int64)
    rating = np.where((resolved != NULL_TS) & (rng.random(m) < 0.65), rating, -1)
    # a bad experience: nearly all of these customers leave. Their ordering dries up months
    # before the complaint (3-11 months: dissatisfaction builds up), so the churn shows in
    # "service and retention" (METRICS §8) also over a whole year, whose base counts any order
    # in the period: on the 5,000-deal demo 45 % of bad-case customers vs 56 % without a case
    # order in 2026, 12 % vs 54 % in 2026-Q3.
    bad = (rating >= 1) & (rating <= 2) & (rng.random(m) < 0.9)
    leave = np.full(n, _NEVER, np.int64)
    np.minimum.at(leave, cc[bad], opened[bad])
    leaving = leave < _NEVER
    quiet = leave - (rng.uniform(90, 330, n) * DAY).astype(np.int64)
    churn = np.where(buyer, np.where(leaving, np.maximum(leave, last_win + DAY), churn), _NEVER)
    active_to = np.minimum(np.minimum(churn, end), np.where(leaving, quiet, _NEVER))

    # orders: one per won deal, then repeat orders (thinned by season) until churn
    won = np.flatnonzero(deals.status == WON)
    d_at = deals.closed[won] + (rng.random(len(won)) * 3 * DAY).astype(np.int64)
    keep = d_at < end
    d_cust, d_at, d_cents = deals.customer[won][keep], d_at[keep], deals.amount[won][keep]
    repeat = buyer & (rng.random(n) >= 0.22)
    months = np.where(repeat, np.maximum(active_to - first_win, 0) / MONTH, 0.0)
    rate = _ORDERS_PER_MONTH[seg] * np.exp(rng.normal(0, 0.45, n))
    rc, r_at = _spread(rng, first_win, active_to, rng.poisson(rate * months * 1.3))
    season = np.array(V.MONTH_SEASON)[(cal.month_of(r_at) + cal.start_month.month - 1) % 12]
    keep = rng.random(len(rc)) < season / 1.3
    rc, r_at = rc[keep], r_at[keep]
    value = _ORDER_VALUE[seg] * np.exp(rng.normal(0, 0.35, n))
    r_cents = np.round(value[rc] * np.exp(rng.normal(0, 0.5, len(rc))) * 100).astype(np.int64)
    o_customer = np.concatenate([d_cust, rc])
    o_at = np.concatenate([d_at, r_at])
    o_cents = np.maximum(np.concatenate([d_cents, r_cents]), 100)
    order = np.lexsort((o_at, o_customer))
    o_cat = choose(rng, [w for _, w in V.PRODUCT_CATEGORIES], len(order))
    o_cat = np.where(rng.random(len(order)) < 0.05, -1, o_cat)

    c_order = np.lexsort((opened, cc))
    c_order = c_order[opened[c_order] < leave[cc[c_order]] + 30 * DAY]  # nothing long after leaving
    channel = choose(rng, [w for _, w in V.CASE_CHANNELS], m)
    cat = np.where(rng.random(m) < 0.03, -1, cat)
    prio = np.where(rng.random(m) < 0.03, -1, prio)
    return Accounts(first_win, np.where(churn < end, churn, _NEVER),
                    o_customer[order], o_at[order], o_cents[order], o_cat,
                    cc[c_order], agent[c_order], channel[c_order], cat[c_order], prio[c_order],
                    opened[c_order], response[c_order], resolved[c_order], rating[c_order])
