"""Query-parameter parsing for the JSON API: one place that turns strings into typed values
and says exactly which parameter is wrong and why (HTTP 400)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable

from queries.filters import FILTER_NAMES, FilterError, Filters
from queries.period import Period, PeriodError


#: The dates a period may span (the fuzzer found `from=0001-01-01` overflowing a lookback window).
MIN_DATE, MAX_DATE = date(1900, 1, 1), date(2200, 1, 1)


class ParamError(ValueError):
    """A bad query parameter; `param` names it."""

    def __init__(self, param: str, message: str):
        super().__init__(message)
        self.param = param


@dataclass(frozen=True)
class Param:
    """One endpoint-specific query parameter (also documented in the OpenAPI document)."""
    name: str
    kind: str = "string"            # string | integer | number | date | boolean | month
    description: str = ""
    required: bool = False
    default: Any = None
    enum: tuple | None = None
    minimum: float | None = None
    maximum: float | None = None
    also: tuple = ()                # literal values accepted besides the kind (e.g. "none")


@dataclass(frozen=True)
class Endpoint:
    path: str
    summary: str
    handler: Callable          # (conn, req, ctx) -> dict, or (DataFrame, total) for lists
    params: tuple[Param, ...] = ()
    is_list: bool = False
    uses_period: bool = True
    uses_filters: bool = True


def _convert(p: Param, raw: str):
    if raw in p.also:
        return raw
    try:
        if p.kind == "integer":
            value = int(raw)
        elif p.kind == "number":
            value = float(raw)
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError
        elif p.kind == "date":
            value = date.fromisoformat(raw)
        elif p.kind == "month":
            if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", raw):
                raise ValueError
            value = raw
        elif p.kind == "boolean":
            if raw.lower() not in ("true", "false", "1", "0"):
                raise ValueError
            value = raw.lower() in ("true", "1")
        else:
            value = raw
    except ValueError:
        what = {"month": "a calendar month like 2025-03", "integer": "a whole number",
                "date": "an ISO date like 2025-03-31"}.get(p.kind, f"a {p.kind}")
        also = "".join(f" or {a!r}" for a in p.also)
        raise ParamError(p.name, f"'{p.name}' must be {what}{also}, got {raw!r}") from None
    if p.enum is not None and value not in p.enum:
        raise ParamError(p.name, f"'{p.name}' must be one of {', '.join(map(str, p.enum))}; got {raw!r}")
    if p.minimum is not None and value < p.minimum:
        raise ParamError(p.name, f"'{p.name}' must be ≥ {p.minimum}, got {raw!r}")
    if p.maximum is not None and value > p.maximum:
        raise ParamError(p.name, f"'{p.name}' must be ≤ {p.maximum}, got {raw!r}")
    return value


def default_period(today: date, tz_name: str) -> Period:
    """Without `from`/`to`: this calendar year up to and including today."""
    return Period(date(today.year, 1, 1), date.fromordinal(today.toordinal() + 1), tz_name)


@dataclass
class Request:
    period: Period
    filters: Filters
    options: dict = field(default_factory=dict)


def parse_request(args, params: tuple[Param, ...], *, tz_name: str, today: date,
                  uses_period: bool = True, uses_filters: bool = True) -> Request:
    """Validate a request's query string (a werkzeug MultiDict) against the endpoint's params."""
    known = set(p.name for p in params)
    if uses_period:
        known |= {"from", "to"}
    if uses_filters:
        known |= set(FILTER_NAMES)
    unknown = sorted(set(args.keys()) - known)
    if unknown:
        raise ParamError(unknown[0], f"unknown parameter(s) {', '.join(unknown)}; accepted: {', '.join(sorted(known))}")
    period = None
    if uses_period:
        raw_from, raw_to = args.get("from"), args.get("to")
        if (raw_from is None) != (raw_to is None):
            missing = "to" if raw_to is None else "from"
            raise ParamError(missing, f"'{missing}' is missing: give both 'from' and 'to' (ISO dates, 'to' exclusive) or neither")
        try:
            period = (Period.parse(raw_from, raw_to, tz_name) if raw_from is not None
                      else default_period(today, tz_name))
        except PeriodError as exc:
            raise ParamError("from" if "'from'" in str(exc) and "'to'" not in str(exc) else "to", str(exc)) from None
        if period.days > 366 * 20:
            raise ParamError("to", "the period may be at most 20 years long")
        # far from date.min/max: lookback windows and comparison periods subtract years from it
        if period.start < MIN_DATE:
            raise ParamError("from", f"'from' must be on or after {MIN_DATE.isoformat()}, got {raw_from!r}")
        if period.end > MAX_DATE:
            raise ParamError("to", f"'to' must be on or before {MAX_DATE.isoformat()}, got {raw_to!r}")
    filters = Filters()
    if uses_filters:
        try:
            filters = Filters.from_mapping({n: args.getlist(n) for n in FILTER_NAMES if n in args})
        except FilterError as exc:
            raise ParamError("filters", str(exc)) from None
    options = {}
    for p in params:
        raw = args.get(p.name)
        if raw is None or raw == "":
            if p.required:
                raise ParamError(p.name, f"'{p.name}' is required")
            options[p.name] = p.default
        else:
            options[p.name] = _convert(p, raw)
    return Request(period, filters, options)


def parse_sort(raw: str | None):
    """`sort=amount:desc,created_at` → [("amount", "desc"), ("created_at", "asc")]."""
    if not raw:
        return None
    out = []
    for part in raw.split(","):
        name, _, direction = part.strip().partition(":")
        direction = direction or "asc"
        if direction not in ("asc", "desc"):
            raise ParamError("sort", f"sort direction must be asc or desc, got {direction!r}")
        out.append((name, direction))
    return out


def iso(value):
    """A stored naive-UTC timestamp as ISO 8601 with Z; dates as ISO dates."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds") + "Z"
    if isinstance(value, date):
        return value.isoformat()
    return value
