"""Marketing campaigns of the demo data: runs per channel, and which run was active when."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import demo_vocab as V
from .demo_calendar import Calendar
from .demo_io import NULL_TS

_FAR = np.iinfo(np.int64).max


@dataclass(frozen=True)
class Campaigns:
    ids: tuple[str, ...]
    names: tuple[str, ...]
    channel: np.ndarray   # index into CHANNELS
    started: np.ndarray   # epoch seconds (local midnight)
    ended: np.ndarray     # epoch seconds (local midnight of the last day) or NULL_TS when open
    cost_cents: np.ndarray
    active_until: np.ndarray  # exclusive end of the run for lookups

    def active(self, channel: np.ndarray, ts: np.ndarray) -> np.ndarray:
        """Index of the campaign of `channel` running at `ts`, or -1 (runs never overlap)."""
        out = np.full(len(ts), -1, np.int64)
        for c in np.unique(self.channel):
            mine = np.flatnonzero(self.channel == c)  # ascending start
            sel = np.flatnonzero(channel == c)
            if not len(sel):
                continue
            k = np.searchsorted(self.started[mine], ts[sel], side="right") - 1
            ok = (k >= 0) & (ts[sel] < self.active_until[mine][np.maximum(k, 0)])
            out[sel[ok]] = mine[k[ok]]
        return out


def make_campaigns(rng, cal: Calendar, scale: float) -> Campaigns:
    rows = []  # (channel, start_day, last_day, open, name)
    for channel, length, gap, per_day, pattern, open_latest in V.CAMPAIGN_PLANS:
        c = V.CHANNELS.index(channel)
        day = cal.start_day - int(rng.integers(0, max(1, min(length // 2, cal.start_day))))
        while day < cal.end_day:
            run = max(3, round(length * rng.uniform(0.8, 1.2)))
            last = day + run - 1
            d = cal.local_date(day)
            name = pattern.format(season=V.SEASON_NAMES[d.month - 1], year=d.year,
                                  half="H1" if d.month <= 6 else "H2")
            is_open = open_latest and last >= cal.end_day - 1
            rows.append((c, day, last, is_open, name, per_day))
            day = last + 1 + (round(gap * rng.uniform(0.7, 1.3)) if gap else 0)
    seen: dict[str, int] = {}
    ids, names, channel, started, ended, cost, until = [], [], [], [], [], [], []
    for i, (c, first, last, is_open, name, per_day) in enumerate(rows):
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else name + " (" + str(seen[name]) + ")")
        ids.append(f"CMP-{i + 1:03d}")
        channel.append(c)
        started.append(cal.day_utc[first])
        ended.append(NULL_TS if is_open else cal.day_utc[last])
        until.append(_FAR if is_open else cal.day_utc[last + 1])
        days_so_far = max(1, min(last, cal.end_day - 1) - first + 1)
        cost.append(round(per_day * scale * days_so_far * rng.uniform(0.85, 1.15) * 100))
    return Campaigns(tuple(ids), tuple(names), np.array(channel), np.array(started, np.int64),
                     np.array(ended, np.int64), np.array(cost, np.int64), np.array(until, np.int64))
