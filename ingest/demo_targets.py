"""Monthly targets for the demo data, set a little above what the business actually did.

While the chunks are generated, `Actuals` collects per local month and scope (all, each
region, each owner) the won revenue, won and lost deals (by closed_at) and new leads (by the
`lead` lifecycle entry). Targets are a smoothed, slightly ambitious version of that, and for
the months after `today` an extrapolation, so attainment varies around 100 %.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from .demo_calendar import Calendar
from .demo_people import REGIONS, Owners

FUTURE_MONTHS = 3
KPIS = ("won_revenue", "win_rate", "new_leads")


@dataclass
class Actuals:
    n_months: int
    n_owners: int
    won_cents: np.ndarray = field(init=False)
    won: np.ndarray = field(init=False)
    lost: np.ndarray = field(init=False)
    leads: np.ndarray = field(init=False)

    def __post_init__(self):
        shape = (self.n_months, 1 + len(REGIONS) + self.n_owners)
        self.won_cents, self.won, self.lost, self.leads = (np.zeros(shape) for _ in range(4))

    def _add(self, arr, months, regions, owners, weights):
        np.add.at(arr, (months, 0), weights)
        has = regions >= 0
        np.add.at(arr, (months[has], 1 + regions[has]), weights[has])
        if owners is not None:
            np.add.at(arr, (months, 1 + len(REGIONS) + owners), weights)

    def add_deals(self, months, regions, owners, won, lost, cents):
        """Closed deals: month of closed_at, customer region, owner index."""
        for sel, arr, w in ((won, self.won_cents, cents), (won, self.won, None), (lost, self.lost, None)):
            weights = np.ones(int(sel.sum())) if w is None else w[sel].astype(float)
            self._add(arr, months[sel], regions[sel], owners[sel], weights)

    def add_leads(self, months, regions):
        self._add(self.leads, months, regions, None, np.ones(len(months)))


def _smooth(series: np.ndarray, last_full: int) -> np.ndarray:
    """Centred 5-month mean over complete months, carried forward with 1.5 % growth a month."""
    out = np.empty_like(series)
    for i in range(len(series)):
        a, b = max(0, i - 2), min(last_full, i + 3)
        if a >= b:
            out[i] = out[last_full - 1] * 1.015 ** (i - last_full + 1) if last_full > 0 else 0.0
        else:
            out[i] = series[a:b].mean()
    return out


def _column(arr: np.ndarray, scope: int, n: int) -> np.ndarray:
    """The first n months of one scope, zero-padded."""
    col = arr[:n, scope]
    return np.concatenate([col, np.zeros(n - len(col))])


def make_targets(rng, cal: Calendar, actuals: Actuals, owners: Owners):
    """Rows (kpi, period_start, period_end, scope, target) for every month up to today + 3."""
    last_full = int(cal.month_of(np.array([cal.end - 1]))[0])  # the current month is partial
    months = cal.month_dates(last_full + 1 + FUTURE_MONTHS)
    n = len(months) - 1
    scopes = ["all"] + ["region:" + r for r in REGIONS] + ["owner:" + o for o in owners.ids]
    sales = np.flatnonzero(owners.sales)
    watched = set(sales[rng.random(len(sales)) < 0.6].tolist())
    rows = []
    for s, scope in enumerate(scopes):
        is_owner = s > len(REGIONS)
        if is_owner and (s - 1 - len(REGIONS)) not in watched:
            continue
        revenue = _smooth(_column(actuals.won_cents, s, n) / 100.0, last_full)
        won, lost = _smooth(_column(actuals.won, s, n), last_full), _smooth(_column(actuals.lost, s, n), last_full)
        leads = _smooth(_column(actuals.leads, s, n), last_full)
        stretch = rng.uniform(1.0, 1.15, (3, n))
        for i in range(n):
            values = {"won_revenue": round(revenue[i] * stretch[0, i], -3),
                      "win_rate": round(min(0.95, won[i] / (won[i] + lost[i]) + 0.04 * stretch[1, i] - 0.04), 2)
                      if won[i] + lost[i] > 0 else 0.0,
                      "new_leads": float(round(leads[i] * stretch[2, i]))}
            for kpi in KPIS:
                if is_owner and kpi == "new_leads":
                    continue  # leads have no owner
                if values[kpi] > 0:
                    rows.append((kpi, months[i], months[i + 1], scope, values[kpi]))
    return rows


def epoch_days(d: date) -> int:
    return (d - date(1970, 1, 1)).days
