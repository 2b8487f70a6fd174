"""Reporting periods `[from, to)` and calendar buckets in the reporting time zone (METRICS.md §0)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo


class PeriodError(ValueError):
    """A period parameter is malformed; the message says which and why."""


def local_midnight_utc(d: date, tz: ZoneInfo) -> datetime:
    """Midnight of `d` in `tz` as a naive UTC datetime (how timestamps are stored)."""
    return datetime(d.year, d.month, d.day, tzinfo=tz).astimezone(timezone.utc).replace(tzinfo=None)


def to_local(ts: datetime, tz: ZoneInfo) -> datetime:
    """A stored naive UTC timestamp as an aware datetime in `tz`."""
    return ts.replace(tzinfo=timezone.utc).astimezone(tz)


def add_months(d: date, n: int) -> date:
    m = d.month - 1 + n
    y = d.year + m // 12
    m = m % 12 + 1
    # clamp the day (31 Jan + 1 month = 28/29 Feb)
    last = (date(y + (m == 12), m % 12 + 1, 1) - timedelta(days=1)).day
    return date(y, m, min(d.day, last))


def parse_iso_date(raw: str, name: str) -> date:
    try:
        return date.fromisoformat(raw)
    except (TypeError, ValueError):
        raise PeriodError(f"'{name}' must be an ISO date like 2025-01-31, got {raw!r}") from None


@dataclass(frozen=True)
class Period:
    """`[start, end)` as dates in the reporting time zone `tz`."""
    start: date
    end: date
    tz_name: str = "UTC"

    def __post_init__(self):
        if not self.start < self.end:
            raise PeriodError(f"'from' ({self.start}) must be before 'to' ({self.end}); 'to' is exclusive")

    @classmethod
    def parse(cls, from_raw: str, to_raw: str, tz_name: str) -> "Period":
        return cls(parse_iso_date(from_raw, "from"), parse_iso_date(to_raw, "to"), tz_name)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.tz_name)

    @property
    def start_utc(self) -> datetime:
        return local_midnight_utc(self.start, self.tz)

    @property
    def end_utc(self) -> datetime:
        return local_midnight_utc(self.end, self.tz)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def previous(self) -> "Period":
        """The period of the same length ending at `from`."""
        return Period(self.start - timedelta(days=self.days), self.start, self.tz_name)

    def last_year(self) -> "Period":
        """Both dates one year earlier (29 Feb becomes 28 Feb)."""
        return Period(add_months(self.start, -12), add_months(self.end, -12), self.tz_name)

    def month_buckets(self):
        """(label 'YYYY-MM', start_utc, end_utc) for every calendar month intersecting the period."""
        return month_buckets_between(self.start, self.end, self.tz)

    def week_buckets(self):
        """(label of the Monday, start_utc, end_utc) for every Monday-week intersecting the period."""
        out = []
        d = self.start - timedelta(days=self.start.weekday())
        while d < self.end:
            nxt = d + timedelta(days=7)
            out.append((d.isoformat(), local_midnight_utc(d, self.tz), local_midnight_utc(nxt, self.tz)))
            d = nxt
        return out


def month_buckets_between(first: date, end: date, tz: ZoneInfo):
    """Month buckets covering [first, end): labels 'YYYY-MM' with their UTC edges."""
    out = []
    d = date(first.year, first.month, 1)
    while d < end:
        nxt = add_months(d, 1)
        out.append((f"{d.year:04d}-{d.month:02d}", local_midnight_utc(d, tz), local_midnight_utc(nxt, tz)))
        d = nxt
    return out
