"""The demo data's time base: two years up to `today`, local days, demand weights.

All timestamps are int64 epoch seconds of naive UTC (how the schema stores them). Local days
(reporting time zone) decide business hours, seasonality and the month buckets of targets.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from queries.period import add_months, local_midnight_utc

from .demo_vocab import MONTH_SEASON, WEEKDAY_SEASON

DAY = 86_400
HOUR = 3_600
YEAR = 365.25 * DAY
MONTH = YEAR / 12
_EPOCH = np.datetime64("1970-01-01T00:00:00", "s")
_PAD_BEFORE, _PAD_AFTER = 60, 400  # days of the table before the start / after today


@dataclass(frozen=True)
class Calendar:
    """Local days from `first_day`; events lie in [start, end) (end = local midnight of today)."""
    first_day: date
    start_day: int          # day index of the first day of the two years
    end_day: int            # day index of `today` (exclusive)
    day_utc: np.ndarray     # epoch seconds of each local midnight
    day_month: np.ndarray   # months since the start month (may be negative before it)
    demand: np.ndarray      # relative demand of each day in [start_day, end_day)
    start_month: date       # first of the start month

    @property
    def start(self) -> int:
        return int(self.day_utc[self.start_day])

    @property
    def end(self) -> int:
        return int(self.day_utc[self.end_day])

    def day_of(self, ts: np.ndarray) -> np.ndarray:
        """Local day index of each timestamp (clipped to the table)."""
        d = np.searchsorted(self.day_utc, ts, side="right") - 1
        return np.clip(d, 0, len(self.day_utc) - 1)

    def month_of(self, ts: np.ndarray) -> np.ndarray:
        return self.day_month[self.day_of(ts)]

    def month_dates(self, n_months: int) -> list[date]:
        """First day of month i (i = 0 is the start month) for i in 0..n_months."""
        return [add_months(self.start_month, i) for i in range(n_months + 1)]

    def sample_days(self, rng, n: int, lo: int | None = None) -> np.ndarray:
        """Day indices in [lo, end_day) drawn by demand (growth, season, weekday)."""
        lo = self.start_day if lo is None else lo
        w = self.demand[lo - self.start_day:]
        return lo + rng.choice(len(w), size=n, p=w / w.sum())

    def business_time(self, rng, days: np.ndarray) -> np.ndarray:
        """A timestamp on each local day, mostly within office hours."""
        hours = np.clip(rng.normal(13.0, 2.7, len(days)), 7.0, 20.5)
        night = rng.random(len(days)) < 0.12  # evening / weekend shoppers
        hours = np.where(night, rng.uniform(0.0, 24.0, len(days)), hours)
        return self.day_utc[days] + (hours * HOUR).astype(np.int64)

    def local_date(self, day_index: int) -> date:
        return self.first_day + timedelta(days=int(day_index))


def make_calendar(today: date, tz_name: str, growth: float = 0.8) -> Calendar:
    tz = ZoneInfo(tz_name)
    start = add_months(today, -24)
    first_day = start - timedelta(days=_PAD_BEFORE)
    n_days = (today - first_day).days + _PAD_AFTER
    days = [first_day + timedelta(days=i) for i in range(n_days + 1)]
    day_utc = np.array([int((local_midnight_utc(d, tz) - _EPOCH.astype(object)).total_seconds())
                        for d in days], dtype=np.int64)
    month0 = start.year * 12 + start.month - 1
    day_month = np.array([d.year * 12 + d.month - 1 - month0 for d in days], dtype=np.int64)
    start_day, end_day = _PAD_BEFORE, (today - first_day).days
    span = [days[i] for i in range(start_day, end_day)]
    trend = 1.0 + growth * np.arange(len(span)) / max(1, len(span) - 1)
    season = np.array([MONTH_SEASON[d.month - 1] * WEEKDAY_SEASON[d.weekday()] for d in span])
    return Calendar(first_day, start_day, end_day, day_utc, day_month, trend * season,
                    date(start.year, start.month, 1))
