"""Owners (sales reps and service agents) and customers of the demo data.

The customer *plan* (creation time, segment, lead delay, number of deals) is drawn for all
customers up front, because it fixes the exact deal count and the chunk boundaries; the other
attributes are drawn per chunk.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from . import demo_vocab as V
from .demo_calendar import DAY, HOUR, YEAR, Calendar

_PLAN_BLOCK = 65_536
_REGION_NAMES = tuple(r[0] for r in V.REGIONS)
_REGION_SHARE = np.array([r[1] for r in V.REGIONS])
# flat country / city tables
COUNTRIES = tuple(c[0] for r in V.REGIONS for c in r[2])
_COUNTRY_REGION = np.array([i for i, r in enumerate(V.REGIONS) for _ in r[2]])
_COUNTRY_SHARE = np.array([c[1] for r in V.REGIONS for c in r[2]])
CITIES = tuple(city for r in V.REGIONS for c in r[2] for city in c[2])
_CITY_COUNTRY = np.array([i for i, c in enumerate(c for r in V.REGIONS for c in r[2]) for _ in c[2]])
REGIONS = _REGION_NAMES
INDUSTRIES = tuple(i[0] for i in V.INDUSTRIES) + (V.CONSUMER_INDUSTRY,)


def choose(rng, weights, n: int) -> np.ndarray:
    """n draws of an index with the given (unnormalised) weights."""
    w = np.asarray(weights, dtype=float)
    return rng.choice(len(w), size=n, p=w / w.sum())


def choose_rows(rng, weight_rows: np.ndarray, row_index: np.ndarray) -> np.ndarray:
    """For each element, an index drawn with the weights of its row (vectorised inverse CDF)."""
    cum = np.cumsum(weight_rows, axis=1)
    cum = cum / cum[:, -1:]
    u = rng.random(len(row_index))
    return np.minimum((u[:, None] > cum[row_index]).sum(axis=1), weight_rows.shape[1] - 1)


# ------------------------------------------------------------------------------ owners

@dataclass(frozen=True)
class Owners:
    ids: tuple[str, ...]
    names: tuple[str, ...]
    team: np.ndarray      # index into TEAMS, -1 none
    region: np.ndarray    # index into REGIONS, -1 none
    sales: np.ndarray     # bool: sells (else: service agent)
    skill: np.ndarray     # win-odds factor
    pace: np.ndarray      # stage-duration factor (sales) / handling-time factor (service)

    def pool(self, region: int, team: int) -> np.ndarray:
        """Sales owners for a customer region and sales team, with fallbacks."""
        s = self.sales
        for mask in (s & (self.region == region) & (self.team == team), s & (self.region == region), s):
            if region < 0 and mask is not s:
                continue
            idx = np.flatnonzero(mask)
            if len(idx):
                return idx
        raise ValueError("no sales owners")


TEAMS = V.SALES_TEAMS + (V.SERVICE_TEAM,)


def make_owners(rng, deals: int) -> Owners:
    n = int(np.clip(round(25 * (deals / 5000) ** 0.25), 10, 200))
    n_service = max(2, round(0.2 * n))
    n_sales = n - n_service
    region = np.concatenate([np.arange(len(REGIONS)), choose(rng, _REGION_SHARE, n - len(REGIONS))])
    region[n_sales:] = choose(rng, _REGION_SHARE, n_service)
    team = np.concatenate([np.arange(n_sales) % 3, np.full(n_service, 3)])
    rng.shuffle(team[len(REGIONS):n_sales])
    team[n_sales - 1], region[n_sales - 1] = -1, -1  # the head of sales: no team, no region
    sales = np.arange(n) < n_sales
    skill = np.exp(rng.normal(0, 0.22, n))
    pace = np.exp(rng.normal(0, 0.3, n))
    first = rng.integers(0, len(V.FIRST_NAMES), n)
    last = rng.integers(0, len(V.LAST_NAMES), n)
    names = tuple(V.FIRST_NAMES[a] + " " + V.LAST_NAMES[b] for a, b in zip(first, last))
    ids = tuple(f"U{i + 1:04d}" for i in range(n))
    return Owners(ids, names, team, region, sales, skill, pace)


# ---------------------------------------------------------------------- customer plan

@dataclass(frozen=True)
class Plan:
    created: np.ndarray     # int64 epoch seconds, ascending
    segment: np.ndarray     # int8 index into SEGMENTS
    lead_delay: np.ndarray  # seconds from creation to the first deal
    n_deals: np.ndarray     # deals per customer (sum = requested deals)


_LEAD_DAYS = np.array([35.0, 25.0, 14.0, 5.0])
_DEALS_PER_YEAR = np.array([1.1, 0.85, 0.55, 0.35])


def make_plan(seed: int, cal: Calendar, deals: int) -> Plan:
    blocks, total, b = [], 0, 0
    while total < deals:
        rng = np.random.default_rng([seed, 1, b])
        n = _PLAN_BLOCK
        created = cal.business_time(rng, cal.sample_days(rng, n))
        created = np.minimum(created, cal.end - 2 * HOUR)
        seg = choose(rng, V.SEGMENT_SHARE, n).astype(np.int8)
        lead = np.maximum((rng.gamma(1.3, 1 / 1.3, n) * _LEAD_DAYS[seg] * DAY).astype(np.int64), 2 * HOUR)
        avail = cal.end - (created + lead)
        has = (rng.random(n) < 0.72) & (avail > DAY)
        m = np.where(has, 1 + rng.poisson(_DEALS_PER_YEAR[seg] * np.maximum(avail, 0) / YEAR), 0)
        blocks.append((created, seg, lead, m))
        total += int(m.sum())
        b += 1
    created, seg, lead, m = (np.concatenate(x) for x in zip(*blocks))
    cum = np.cumsum(m)
    last = int(np.searchsorted(cum, deals))          # the customer reaching the requested count
    created, seg, lead, m = created[:last + 1], seg[:last + 1], lead[:last + 1], m[:last + 1].copy()
    m[last] -= int(cum[last]) - deals
    order = np.argsort(created, kind="stable")
    return Plan(created[order], seg[order], lead[order], m[order].astype(np.int64))


def chunk_bounds(plan: Plan, deals_per_chunk: int) -> list[tuple[int, int]]:
    """Customer index ranges holding about `deals_per_chunk` deals each."""
    cum = np.cumsum(plan.n_deals)
    cuts = np.searchsorted(cum, np.arange(deals_per_chunk, int(cum[-1]), deals_per_chunk), side="right")
    edges = [0] + [int(c) for c in cuts] + [len(cum)]
    return [(a, b) for a, b in pairwise(edges) if b > a]


# --------------------------------------------------------------------- customer batch

@dataclass(frozen=True)
class Customers:
    index: np.ndarray       # global customer index (id = index + 1)
    created: np.ndarray
    segment: np.ndarray
    lead_delay: np.ndarray
    n_deals: np.ndarray
    region: np.ndarray      # -1 none
    country: np.ndarray     # -1 none
    city: np.ndarray        # -1 none
    industry: np.ndarray    # -1 none
    size: np.ndarray        # -1 none
    name: np.ndarray        # object str
    acquisition: np.ndarray  # channel index of the first touch


def _names(rng, seg: np.ndarray, country: np.ndarray) -> np.ndarray:
    n = len(seg)
    O = lambda seq: np.array(seq, dtype=object)
    first, last = O(V.FIRST_NAMES), O(V.LAST_NAMES)
    person = first[rng.integers(0, len(first), n)] + " " + last[rng.integers(0, len(last), n)]
    legal = np.full(n, "GmbH", dtype=object)
    for ci, code in enumerate(COUNTRIES):
        sel = country == ci
        forms = O(V.LEGAL_FORMS[code])
        legal[sel] = forms[rng.integers(0, len(forms), int(sel.sum()))]
    l1, l2 = last[rng.integers(0, len(last), n)], last[rng.integers(0, len(last), n)]
    stem = O(V.COMPANY_STEMS)[rng.integers(0, len(V.COMPANY_STEMS), n)]
    noun = O(V.COMPANY_NOUNS)[rng.integers(0, len(V.COMPANY_NOUNS), n)]
    pattern = rng.random(n)
    company = np.where(pattern < 0.5, l1 + " " + legal,
                       np.where(pattern < 0.65, l1 + " & " + l2 + " " + legal, stem + " " + noun + " " + legal))
    odd = rng.random(n)  # a few names that need CSV quoting
    company = np.where(odd < 0.01, l1 + " & Söhne, Inh. " + person, company)
    company = np.where((odd >= 0.01) & (odd < 0.015), 'Gasthof "Zum ' + stem + '" ' + legal, company)
    return np.where(seg == 3, person, company)


def make_customers(rng, plan: Plan, a: int, b: int) -> Customers:
    n = b - a
    seg = plan.segment[a:b]
    region = choose(rng, _REGION_SHARE, n)
    country = np.empty(n, np.int64)
    for r in range(len(REGIONS)):
        sel = region == r
        idx = np.flatnonzero(_COUNTRY_REGION == r)
        country[sel] = idx[choose(rng, _COUNTRY_SHARE[idx], int(sel.sum()))]
    city = np.empty(n, np.int64)
    for c in range(len(COUNTRIES)):
        sel = country == c
        idx = np.flatnonzero(_CITY_COUNTRY == c)
        # the first cities of a country are the big ones
        city[sel] = idx[choose(rng, 1.0 / np.arange(1, len(idx) + 1), int(sel.sum()))]
    industry = np.where(seg == 3, len(INDUSTRIES) - 1, choose(rng, [w for _, w in V.INDUSTRIES], n))
    size = np.empty(n, np.int64)
    for s, shares in enumerate(V.SEGMENT_SIZES):
        sel = seg == s
        pick = choose(rng, [w for _, w in shares], int(sel.sum()))
        size[sel] = np.array([V.COMPANY_SIZES.index(v) for v, _ in shares])[pick]
    name = _names(rng, seg, country)
    # a few customers with empty attributes (METRICS §0: the "(none)" filter value)
    no_region = rng.random(n) < 0.012
    region, country = np.where(no_region, -1, region), np.where(no_region, -1, country)
    city = np.where(no_region | (rng.random(n) < 0.02), -1, city)
    industry = np.where(rng.random(n) < 0.025, -1, industry)
    size = np.where(rng.random(n) < 0.03, -1, size)
    acquisition = choose_rows(rng, np.array(V.ACQUISITION), seg.astype(np.int64))
    return Customers(np.arange(a, b), plan.created[a:b], seg, plan.lead_delay[a:b], plan.n_deals[a:b],
                     region, country, city, industry, size, name, acquisition)
