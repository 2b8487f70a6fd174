"""The view state (period, comparison, filters, language, page extras) and its URL query string.

The URL is the only place the state lives, so a view can be bookmarked and shared:

    ?preset=this_year&from=2026-01-01&to=2027-01-01&compare=previous&region=DACH&lang=de

- `preset` one of PRESETS. A relative preset (this_month, …, fiscal_year) is recomputed from
  today when the link is opened later (a bookmark of "this quarter" stays current); `from`/`to`
  are written for people reading the link. `preset=custom` (or no preset with from/to) uses
  `from`/`to` (ISO dates, `to` exclusive, METRICS.md §0 Period).
- `compare` "previous" (same length, ending at from) or "last_year" (both dates a year earlier).
- the filters of METRICS.md §0 (queries.filters.FILTER_NAMES), comma-separated values.
- `lang` "de"/"en" only when the user chose one; otherwise the browser's language applies.
- anything else is a page's own parameter and kept in `ViewState.extra` (e.g. `by=region`).

Bad values never raise: they fall back to the defaults (preset this_year, compare previous).

In a page callback:
    state = current_state(search)        # needs the app context (settings, today)
    with context.get().engine.connect() as conn:
        kpis(conn, state.period, state.filters, ...)
    fmt = state.formatter()

Cross-filtering from a chart click: `add_filter(search, "region", "DACH")` gives the new search;
return it to `Output(ids.URL, "search", allow_duplicate=True)`.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import Mapping
from urllib.parse import parse_qsl, urlencode

from queries.filters import FILTER_NAMES, FilterError, Filters
from queries.period import Period, PeriodError, add_months

from . import i18n

PRESETS = ("this_month", "last_month", "this_quarter", "last_quarter", "this_year", "last_year",
           "last_12_months", "fiscal_year", "custom")
DEFAULT_PRESET = "this_year"
COMPARES = ("previous", "last_year")
DEFAULT_COMPARE = "previous"
RESERVED = ("preset", "from", "to", "compare", "lang", *FILTER_NAMES)
#: Dates outside these years are refused (keeps previous()/last_year() far from date.min/max).
MIN_YEAR, MAX_YEAR = 1970, 2200
MAX_PARAM_LENGTH = 2000


@dataclass(frozen=True)
class ViewState:
    """Everything a page needs to know about what the user looks at."""
    period: Period
    compare_period: Period
    filters: Filters = Filters()
    lang: str = "en"
    preset: str = DEFAULT_PRESET
    compare: str = DEFAULT_COMPARE
    extra: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    #: True when `lang` came from the URL (then it is written back into links).
    lang_in_url: bool = False
    currency: str = "EUR"

    def formatter(self):
        """The Formatter for this state's language, currency and reporting time zone."""
        from .formatting import Formatter
        return Formatter(self.lang, self.currency, self.period.tz_name)

    def with_filters(self, filters: Filters) -> "ViewState":
        return replace(self, filters=filters)

    def with_lang(self, lang: str) -> "ViewState":
        return replace(self, lang=i18n.normalize_lang(lang), lang_in_url=True)

    def with_extra(self, **params: str | None) -> "ViewState":
        """A copy with page parameters set (None removes one)."""
        merged = dict(self.extra)
        for k, v in params.items():
            if k in RESERVED:
                raise ValueError(f"{k!r} is not a page parameter")
            if v is None:
                merged.pop(k, None)
            else:
                merged[k] = str(v)
        return replace(self, extra=MappingProxyType(merged))

    @property
    def compare_label_key(self) -> str:
        """i18n key of "vs previous period" / "vs last year"."""
        return "compare.vs_last_year" if self.compare == "last_year" else "compare.vs_previous"


# --- presets ------------------------------------------------------------------------------------
def _quarter_start(d: date) -> date:
    return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def preset_range(preset: str, today: date, fiscal_year_start_month: int = 1) -> tuple[date, date]:
    """`[from, to)` of a relative preset on `today` (calendar periods, whole months)."""
    month = date(today.year, today.month, 1)
    if preset == "this_month":
        return month, add_months(month, 1)
    if preset == "last_month":
        return add_months(month, -1), month
    if preset == "this_quarter":
        q = _quarter_start(today)
        return q, add_months(q, 3)
    if preset == "last_quarter":
        q = _quarter_start(today)
        return add_months(q, -3), q
    if preset == "this_year":
        return date(today.year, 1, 1), date(today.year + 1, 1, 1)
    if preset == "last_year":
        return date(today.year - 1, 1, 1), date(today.year, 1, 1)
    if preset == "last_12_months":  # the current month and the 11 before it
        return add_months(month, -11), add_months(month, 1)
    if preset == "fiscal_year":
        m = fiscal_year_start_month if 1 <= fiscal_year_start_month <= 12 else 1
        start = date(today.year if today.month >= m else today.year - 1, m, 1)
        return start, add_months(start, 12)
    raise ValueError(f"{preset!r} is not a relative preset")


def today_in(tz) -> date:
    """Today's date in the reporting time zone (a ZoneInfo)."""
    return datetime.now(tz).date()


# --- parsing ------------------------------------------------------------------------------------
def _params(search: str | None) -> dict[str, str]:
    """The query parameters of `?a=1&b=2` (a repeated key: comma-joined values)."""
    if not isinstance(search, str) or len(search) > 20_000:
        return {}
    out: dict[str, str] = {}
    for k, v in parse_qsl(search.lstrip("?"), keep_blank_values=False):
        if len(k) > 64 or len(v) > MAX_PARAM_LENGTH:
            continue
        out[k] = f"{out[k]},{v}" if k in out else v
    return out


def _date(raw: str | None) -> date | None:
    try:
        d = date.fromisoformat(raw) if raw else None
    except (TypeError, ValueError):
        return None
    return d if d and MIN_YEAR <= d.year <= MAX_YEAR else None


def _filters(params: Mapping[str, str]) -> Filters:
    """Filters from the parameters, dropping (not raising on) any malformed one."""
    good = {}
    for name in FILTER_NAMES:
        if name in params:
            try:
                Filters.from_mapping({name: params[name]})
            except FilterError:
                continue
            good[name] = params[name]
    return Filters.from_mapping(good)


def parse_state(search: str | None, settings, today: date, default_lang: str = i18n.FALLBACK_LANG) -> ViewState:
    """The ViewState of a URL query string; anything malformed falls back to its default."""
    params = _params(search)
    tz_name = settings.report_tz
    fy = getattr(settings, "fiscal_year_start_month", 1)
    preset = params.get("preset")
    start, end = _date(params.get("from")), _date(params.get("to"))
    if preset not in PRESETS:
        preset = "custom" if (start and end and preset is None) else DEFAULT_PRESET
    if preset == "custom":
        if not (start and end and start < end):
            preset = DEFAULT_PRESET
    if preset != "custom":
        start, end = preset_range(preset, today, fy)
    compare = params.get("compare") if params.get("compare") in COMPARES else DEFAULT_COMPARE
    try:
        period = Period(start, end, tz_name)
        compare_period = period.last_year() if compare == "last_year" else period.previous()
    except (PeriodError, OverflowError, ValueError):
        preset = DEFAULT_PRESET
        period = Period(*preset_range(preset, today, fy), tz_name)
        compare_period = period.last_year() if compare == "last_year" else period.previous()
    raw_lang = params.get("lang")
    lang_in_url = isinstance(raw_lang, str) and raw_lang.lower() in i18n.LANGUAGES
    lang = raw_lang.lower() if lang_in_url else i18n.normalize_lang(default_lang)
    extra = {k: v for k, v in params.items() if k not in RESERVED}
    return ViewState(period=period, compare_period=compare_period, filters=_filters(params),
                     lang=lang, preset=preset, compare=compare, extra=MappingProxyType(extra),
                     lang_in_url=lang_in_url, currency=getattr(settings, "currency", "EUR"))


def _encode(pairs: list[tuple[str, str]]) -> str:
    return ("?" + urlencode(pairs, safe=",:")) if pairs else ""


def state_to_search(state: ViewState) -> str:
    """The canonical query string of a state (inverse of parse_state for the same `today`)."""
    pairs = [("preset", state.preset), ("from", state.period.start.isoformat()),
             ("to", state.period.end.isoformat()), ("compare", state.compare)]
    pairs += [(name, ",".join(values)) for name, values in state.filters.active().items()]
    if state.lang_in_url:
        pairs.append(("lang", state.lang))
    pairs += sorted(state.extra.items())
    return _encode(pairs)


# --- editing a search without settings (cross-filters, chips, page parameters) ------------------
def _ordered(params: Mapping[str, str]) -> list[tuple[str, str]]:
    order = {k: i for i, k in enumerate(RESERVED)}
    return sorted(params.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))


def _values(params: Mapping[str, str], name: str) -> list[str]:
    return [v.strip() for v in params.get(name, "").split(",") if v.strip()]


def add_filter(search: str | None, name: str, value: str) -> str:
    """The search with `value` added to filter `name` (unchanged if already there).

    Used for cross-filtering: clicking the "DACH" bar of a region breakdown adds region=DACH.
    Unknown filter names raise ValueError (a programming error, not user input).
    """
    if name not in FILTER_NAMES:
        raise ValueError(f"{name!r} is not a filter (queries.filters.FILTER_NAMES)")
    params = _params(search)
    values = _values(params, name)
    value = str(value).strip()
    if value and value not in values and "," not in value:
        values.append(value)
    if values:
        params[name] = ",".join(values)
    return _encode(_ordered(params))


def remove_filter(search: str | None, name: str, value: str | None = None) -> str:
    """The search without `value` in filter `name` (value None: the whole filter)."""
    params = _params(search)
    values = [v for v in _values(params, name) if value is not None and v != value]
    if values:
        params[name] = ",".join(values)
    else:
        params.pop(name, None)
    return _encode(_ordered(params))


def clear_filters(search: str | None) -> str:
    params = {k: v for k, v in _params(search).items() if k not in FILTER_NAMES}
    return _encode(_ordered(params))


def set_params(search: str | None, **values: str | None) -> str:
    """The search with parameters set (None removes): `set_params(s, lang="de", by="team")`."""
    params = _params(search)
    for k, v in values.items():
        if v is None or v == "":
            params.pop(k, None)
        else:
            params[k] = str(v)
    return _encode(_ordered(params))


def get_param(search: str | None, name: str, default: str | None = None) -> str | None:
    """One raw parameter of a search (e.g. a page's own `by=region`)."""
    return _params(search).get(name, default)


def inclusive_end(period: Period) -> date:
    """The last day of a period (what a date picker shows; `to` is exclusive)."""
    return period.end - timedelta(days=1)


def current_state(search: str | None) -> ViewState:
    """The ViewState of `search` inside a request: settings from the app context, today in the
    reporting time zone, and the browser's language when the URL names none.

    The signed-in user's access (auth/, queries/access.py) is merged into the filters here, the
    one place every page callback and drill-down gets its state from, so every query is scoped.
    An owner filter in a shared link is dropped for roles without per-rep figures."""
    import context
    from auth.request import current_access
    settings = context.get().settings
    state = parse_state(search, settings, today_in(settings.tz), i18n.request_lang())
    access = current_access()
    filters = state.filters.without("owner") if access.hide_rep_figures else state.filters
    return state.with_filters(filters.with_access(access))


def state_from_query(query: Mapping[str, str]) -> ViewState:
    """The ViewState inside a page's `layout(**query)` (Dash pages passes the URL's parameters)."""
    pairs = [(k, v) for k, v in (query or {}).items() if isinstance(v, str)]
    return current_state(_encode(pairs))
