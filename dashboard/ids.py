"""Every component id of the dashboard, in one place.

Plain ids are constants; ids of repeated components (drill-down panels, filter dropdowns, chips,
page-specific charts) are pattern-matching dicts built by the functions below, so generic
callbacks can use `MATCH`/`ALL` on them.

Shell (dashboard/app.py) ids exist on every page:
    URL           dcc.Location, refresh=False: the view state (`search`). Pages read
                  `Input(ids.URL, "search")`; cross-filters write
                  `Output(ids.URL, "search", allow_duplicate=True)` (prevent_initial_call=True).
    NAV           dcc.Location, refresh="callback-nav": write `href` here
                  (`Output(ids.NAV, "href", allow_duplicate=True)`) to go to another page or
                  language; the page is rendered anew.
    DATA_VERSION  dcc.Store with queries.db.data_version; changes only when the data changed.
                  Pages use `Input(ids.DATA_VERSION, "data")` to redraw on new data.

Page ids: name them `page_id(page, name)`, e.g. `ids.page_id("funnel", "chart")`, so two pages
never collide and every id still comes from this module.
"""
from __future__ import annotations

# --- shell -------------------------------------------------------------------------------
URL = "url"
NAV = "nav-url"
HEADER = "header"
HEADER_LANG = "header-lang"
DEFAULT_LANG = "default-lang"
PAGE_CONTENT = "page-content"

NAVBAR = "navbar"
NAV_LINKS = "nav-links"
LANG_SWITCH = "lang-switch"

# --- live refresh (components/live.py) --------------------------------------------------------
LIVE_INTERVAL = "live-interval"
LIVE_PAUSE = "live-pause"
LIVE_DOT = "live-dot"
DATA_VERSION = "data-version"
UPDATED_AT = "updated-at"
DATA_AS_OF = "data-as-of"
DB_BANNER = "db-banner"            # "The database is not reachable — retrying…" (shown by live.py)
CALLBACK_ERROR = "callback-error"  # a friendly note when a callback failed (the app's on_error)

# --- filter bar (components/filter_bar.py) ---------------------------------------------------
PRESET = "period-preset"
DATE_RANGE = "period-range"
DATE_RANGE_WRAP = "period-range-wrap"
COMPARE = "period-compare"
PERIOD_LABEL = "period-label"
FILTERS_TOGGLE = "filters-toggle"
FILTERS_COLLAPSE = "filters-collapse"
FILTER_CHIPS = "filter-chips"
CLEAR_FILTERS = "filters-clear"


def nav_link(page: str) -> dict:
    """A navbar link to `page` (its `href` keeps the current search)."""
    return {"type": "nav-link", "page": page}


def filter_dropdown(name: str) -> dict:
    """The multi-select of filter `name` (a queries.filters.FILTER_NAMES entry)."""
    return {"type": "filter-dropdown", "name": name}


def filter_chip_close(name: str, value: str) -> dict:
    """The × of an active-filter chip."""
    return {"type": "filter-chip-x", "name": name, "value": value}


# --- drill-down panels (components/drilldown.py) ----------------------------------------------
def drill_request(panel: str) -> dict:
    """dcc.Store a page writes a drilldown.request(...) into to open panel `panel`."""
    return {"type": "dd-request", "panel": panel}


def drill_collapse(panel: str) -> dict:
    return {"type": "dd-collapse", "panel": panel}


def drill_title(panel: str) -> dict:
    return {"type": "dd-title", "panel": panel}


def drill_body(panel: str) -> dict:
    return {"type": "dd-body", "panel": panel}


def drill_grid(panel: str) -> dict:
    return {"type": "dd-grid", "panel": panel}


def drill_export(panel: str) -> dict:
    return {"type": "dd-export", "panel": panel}


def drill_download(panel: str) -> dict:
    return {"type": "dd-download", "panel": panel}


def drill_message(panel: str) -> dict:
    return {"type": "dd-message", "panel": panel}


def drill_close(panel: str) -> dict:
    return {"type": "dd-close", "panel": panel}


# --- pages ----------------------------------------------------------------------------------
def page_id(page: str, name: str) -> str:
    """A page's own component id: `page_id("overview", "kpis")` -> "overview-kpis"."""
    return f"{page}-{name}"


def page_pattern(page: str, kind: str, key: str) -> dict:
    """A page's repeated component (e.g. one per KPI card), matchable with MATCH/ALL on `key`."""
    return {"type": f"{page}-{kind}", "key": key}


OVERVIEW_KPIS = page_id("overview", "kpis")
OVERVIEW_FUNNEL = page_id("overview", "funnel")
OVERVIEW_REVENUE = page_id("overview", "revenue")
OVERVIEW_TITLE = page_id("overview", "title")
