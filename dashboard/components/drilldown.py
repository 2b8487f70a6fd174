"""Drill-down panels: the rows behind a number in a sortable, filterable grid with CSV export.

A page does three things:

1. At import, register a source: a name and a list function returning `(DataFrame, total)`.

       def _reached(conn, period, filters, *, ctx, limit, offset, sort, stage, kind="reached"):
           return funnel.funnel_deals(conn, period, filters, stage=stage, kind=kind,
                                      pipeline=ctx.pipeline, limit=limit, offset=offset, sort=sort)
       drilldown.register(drilldown.Source("funnel.deals", _reached))   # columns: DEAL_COLUMNS

   `ctx` is the AppContext (settings, engine, pipeline); the remaining keyword arguments are the
   request's params. Columns default to DEAL_COLUMNS (the queries.lists deal columns); pass
   `columns=(Column("name", "col.customer_name"), …)` for other lists.

2. Put a panel in the layout:   `drilldown.panel("funnel", lang)`   (panel name unique per page)

3. Open it from a click callback by writing a request into the panel's store:

       @dash.callback(Output(ids.drill_request("funnel"), "data"), Input(chart, "clickData"),
                      State(ids.URL, "search"), prevent_initial_call=True)
       def open_rows(click, search):
           stage = charts.clicked_key(click)
           lang = current_state(search).lang
           return drilldown.request("funnel.deals", tr("funnel.drill_reached", lang, stage=stage),
                                    stage=stage, kind="reached")

One set of generic callbacks (registered by the app) serves every panel: it shows the title with
the row count ("Deals that reached Proposal — 148"), loads small lists (≤ CLIENT_SIDE_MAX rows)
into the browser (sort and column filters there) and large ones page by page from the server
(ag-grid infinite row model, sorted on the server), follows filter changes while open, and exports
CSV in the user's locale (German: `;`, decimal comma; UTF-8 with BOM): the rows as shown (after
the grid's filters and sort) for small lists, the same query up to EXPORT_CAP rows for large ones.

Access (auth/): the callbacks refuse with HTTP 403 when the role may not open lists (viewer) or
may not see the source's page; the rows come through `current_state`, so they are scoped and
redacted by the query layer (columns a role may not see are left out of the grid), and every
fetch that returns personal data (customer names) is written to the audit log.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Callable, Mapping

import dash
import dash_bootstrap_components as dbc
from dash import MATCH, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from .. import i18n, ids
from .grid import PAGE_SIZE, csv_bytes, grid, records

log = logging.getLogger("dashboard")

CLIENT_SIDE_MAX = 1000
EXPORT_CAP = 100_000


@dataclass(frozen=True)
class Column:
    """A grid column: `field` of the list's DataFrame, `header` an i18n key or {"de","en"},
    `kind` text | money | number | count | days | percent | date | datetime | status | channel
    (shown in words: i18n.channel_label) | channel_path ("email > tv" in words) | lost_reason |
    priority | case_category (grid.VOCABULARIES)."""
    field: str
    header: str | Mapping[str, str]
    kind: str = "text"
    width: int | None = None
    hidden: bool = False
    #: the narrowest the grid may squeeze the column to fit (grid.column_defs: default by kind)
    min_width: int | None = None

    def title(self, lang: str) -> str:
        if isinstance(self.header, str):
            return i18n.t(self.header, lang)
        return self.header[i18n.normalize_lang(lang)]


#: The deal lists' columns. Team, expected close, the campaign id and the status (the stage says
#: Won or Lost) are in the CSV export but not shown: with them the grid would not fit the drawer.
DEAL_COLUMNS = (
    Column("deal_id", "col.deal_id", width=110, min_width=90),
    Column("customer_name", "col.customer_name", width=200, min_width=120),
    Column("owner_name", "col.owner_name", width=150, min_width=121),
    Column("team", "col.team", width=110, hidden=True),
    Column("region", "col.region", width=110, min_width=78),
    Column("source_channel", "col.source_channel", "channel", width=130),
    Column("campaign_name", "col.campaign_name", width=170, min_width=105),
    Column("campaign_id", "col.campaign_id", width=120, hidden=True),
    Column("amount", "col.amount", "money", width=130),
    Column("created_at", "col.created_at", "date", width=120),
    Column("expected_close_at", "col.expected_close_at", "date", width=130, hidden=True),
    Column("closed_at", "col.closed_at", "date", width=130, min_width=118),
    Column("status", "col.status", "status", width=110, hidden=True),   # the stage says it: Won, Lost
    Column("stage", "col.stage", width=120),
    Column("stage_at_to", "col.stage_at_to", width=140),
    Column("cycle_days", "col.cycle_days", "days", width=100, min_width=80),
    Column("lost_reason", "col.lost_reason", "lost_reason", width=160, min_width=110),
)


@dataclass(frozen=True)
class Source:
    """A named list function `fetch(conn, period, filters, *, ctx, limit, offset, sort, **params)`."""
    name: str
    fetch: Callable
    columns: tuple[Column, ...] = DEAL_COLUMNS
    #: "current" lists the view's period; "compare" the comparison period.
    period: str = "current"
    extra: Mapping = field(default_factory=lambda: MappingProxyType({}))


_SOURCES: dict[str, Source] = {}


def register(source: Source) -> Source:
    """Add a source at import time (same name again replaces it: Dash re-imports page modules)."""
    _SOURCES[source.name] = source
    return source


def sources() -> Mapping[str, Source]:
    """The registered sources (read-only view)."""
    return MappingProxyType(_SOURCES)


def request(source: str, title: str, **params) -> dict:
    """The data a page writes to `ids.drill_request(panel)` to open it on `source` with `params`
    (JSON values). A fresh nonce makes a second click on the same element reopen the panel."""
    return {"source": source, "title": title, "params": params, "nonce": uuid.uuid4().hex[:8]}


# --- layout ---------------------------------------------------------------------------------
def panel(name: str, lang: str) -> html.Div:
    """The (initially closed) drill-down drawer of panel `name`, with its request store."""
    return html.Div([
        dcc.Store(id=ids.drill_request(name)),
        dcc.Download(id=ids.drill_download(name)),
        dbc.Offcanvas(
            [
                html.Div([
                    dbc.Button([html.I(className="bi bi-download me-1"), i18n.t("drill.export", lang)],
                               id=ids.drill_export(name), size="sm", color="primary", outline=True),
                    html.Div(id=ids.drill_message(name), className="drill-message"),
                ], className="drill-toolbar"),
                dcc.Loading(html.Div(id=ids.drill_body(name), className="drill-body"),
                            type="circle", delay_show=200),
                dbc.Button(i18n.t("drill.close", lang), id=ids.drill_close(name), size="sm",
                           color="secondary", outline=True, className="mt-2"),
            ],
            id=ids.drill_collapse(name), title=html.Span(id=ids.drill_title(name)), is_open=False,
            placement="end", scrollable=True, className="drill-drawer",
        ),
    ], className="drill-panel")


# --- callbacks ------------------------------------------------------------------------------
def _sort_from_model(sort_model, columns: tuple[Column, ...]) -> list[tuple[str, str]] | None:
    allowed = {c.field for c in columns}
    out = [(m["colId"], m["sort"]) for m in (sort_model or [])
           if isinstance(m, dict) and m.get("colId") in allowed and m.get("sort") in ("asc", "desc")]
    return out or None


def _allowed(req: dict | None) -> None:
    """HTTP 403 unless the signed-in role may open this drill-down (auth.dash_guard)."""
    from flask import abort
    from auth.dash_guard import check_drilldown
    from queries.access import AccessDenied
    try:
        check_drilldown((req or {}).get("source") or "")
    except AccessDenied as exc:
        abort(403, description=str(exc))


def _visible(columns: tuple[Column, ...], df, state) -> tuple[Column, ...]:
    """The grid columns, without those the role's access left out of the list."""
    access = state.filters.access
    if not (access.pseudonymise or access.no_amounts):
        return columns
    from queries.access import AMOUNT_LABELS, PERSONAL_LABELS
    hidden = (PERSONAL_LABELS | {"name"} if access.pseudonymise else set()) | \
        (AMOUNT_LABELS if access.no_amounts else set())
    return tuple(c for c in columns if c.field in df.columns or c.field not in hidden)


def _fitted(columns: tuple[Column, ...], df) -> tuple[Column, ...]:
    """The columns worth a place in the drawer: those the list has, and not those empty in every
    fetched row (no closing date on a list of open deals); both stay in the CSV export."""
    present = tuple(c for c in columns if c.field in df.columns)
    if not len(df):
        return present
    return tuple(c if c.hidden or df[c.field].notna().any() else replace(c, hidden=True) for c in present)


def _fetch(req: dict, search: str | None, *, limit: int, offset: int, sort=None, purpose: str = "open"):
    """Run the request's source for the view state of `search`: (source, state, df, total)."""
    import context
    from auth import audit
    from auth.request import current_principal
    from queries.access import personal_columns, redact_frame
    from ..urlstate import current_state
    src = _SOURCES.get((req or {}).get("source"))
    if src is None:
        raise LookupError(f"unknown drill-down source {(req or {}).get('source')!r}")
    state = current_state(search)
    period = state.compare_period if src.period == "compare" else state.period
    ctx = context.get()
    params = dict(src.extra)
    params.update((req or {}).get("params") or {})
    with ctx.engine.connect() as conn:
        df, total = src.fetch(conn, period, state.filters, ctx=ctx, limit=limit, offset=offset,
                              sort=sort, **params)
    df = redact_frame(df, state.filters.access)   # lists built in pandas, not by queries.lists.page
    if len(df) and personal_columns(df.columns):
        audit.record(ctx.engine, current_principal(), "drilldown", {
            "source": src.name, "params": (req or {}).get("params") or {}, "purpose": purpose,
            "period": [period.start.isoformat(), period.end.isoformat()],
            "filters": state.filters.to_mapping(), "offset": offset, "rows": len(df), "total": total})
    return src, state, df, total


def register_callbacks(app: dash.Dash) -> None:
    """The generic callbacks serving every panel (called once by create_dash_app)."""

    @app.callback(
        Output(ids.drill_body(MATCH), "children"),
        Output(ids.drill_title(MATCH), "children"),
        Output(ids.drill_collapse(MATCH), "is_open"),
        Output(ids.drill_message(MATCH), "children"),
        Output(ids.drill_request(MATCH), "data"),
        Input(ids.drill_request(MATCH), "data"),
        Input(ids.drill_close(MATCH), "n_clicks"),
        Input(ids.URL, "search"),
        State(ids.drill_collapse(MATCH), "is_open"),
        prevent_initial_call=True,
    )
    def open_panel(req, _close, search, is_open):
        trig = dash.ctx.triggered_id
        if isinstance(trig, dict) and trig.get("type") == "dd-close":
            return [], dash.no_update, False, None, None
        if not req or (trig == ids.URL and not is_open):
            raise PreventUpdate
        name = dash.ctx.outputs_list[0]["id"]["panel"]
        _allowed(req)
        from ..urlstate import current_state
        lang = current_state(search).lang
        try:
            src, state, df, total = _fetch(req, search, limit=CLIENT_SIDE_MAX, offset=0)
        except Exception:  # noqa: BLE001 - show an error state in the panel, log the cause
            ref = uuid.uuid4().hex[:8]
            log.exception("drill-down %r failed (reference %s)", req.get("source"), ref)
            from .charts import error_alert
            return error_alert(lang, ref), req.get("title", ""), True, None, dash.no_update
        fmt = state.formatter()
        title = i18n.t("drill.title_count", lang, title=req.get("title", ""), count=fmt.count(total))
        context = {"panel": name}
        columns = _fitted(_visible(src.columns, df, state), df)
        if total <= CLIENT_SIDE_MAX:
            body = grid(name, columns, lang, state.currency, rows=records(df, columns, fmt),
                        total=total, context=context)
            note = None
        else:
            body = grid(name, columns, lang, state.currency, rows=None, total=total, context=context)
            note = i18n.t("drill.server_side", lang)
        # a fresh wrapper per request so a new grid (and a new infinite datasource) is mounted
        return html.Div(body, key=uuid.uuid4().hex), title, True, note, dash.no_update

    @app.callback(
        Output(ids.drill_grid(MATCH), "getRowsResponse"),
        Input(ids.drill_grid(MATCH), "getRowsRequest"),
        State(ids.drill_request(MATCH), "data"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def serve_rows(rows_request, req, search):
        if not rows_request or not req:
            raise PreventUpdate
        src = _SOURCES.get(req.get("source"))
        if src is None:
            raise PreventUpdate
        _allowed(req)
        start = max(0, int(rows_request.get("startRow") or 0))
        end = max(start, int(rows_request.get("endRow") or start + PAGE_SIZE))
        sort = _sort_from_model(rows_request.get("sortModel"), src.columns)
        try:
            src, state, df, total = _fetch(req, search, limit=min(end - start, 1000), offset=start, sort=sort,
                                           purpose="page")
        except Exception:  # noqa: BLE001
            log.exception("drill-down rows %r failed", req.get("source"))
            return {"rowData": [], "rowCount": 0}
        return {"rowData": records(df, src.columns, state.formatter()), "rowCount": total}

    @app.callback(
        Output(ids.drill_download(MATCH), "data"),
        Output(ids.drill_message(MATCH), "children", allow_duplicate=True),
        Input(ids.drill_export(MATCH), "n_clicks"),
        State(ids.drill_request(MATCH), "data"),
        State(ids.URL, "search"),
        State(ids.drill_grid(MATCH), "virtualRowData"),
        State(ids.drill_grid(MATCH), "rowModelType"),
        State(ids.drill_grid(MATCH), "getRowsRequest"),
        prevent_initial_call=True,
    )
    def export_csv(n, req, search, shown_rows, row_model, rows_request):
        if not n or not req:
            raise PreventUpdate
        _allowed(req)
        from ..urlstate import current_state
        lang = current_state(search).lang
        src = _SOURCES.get(req.get("source"))
        if src is None:
            return dash.no_update, i18n.t("drill.unknown_source", lang)
        message = None
        try:
            if row_model != "infinite" and shown_rows is not None:
                rows = shown_rows  # exactly what the grid shows, after its filters and sort
                state = current_state(search)
            else:
                sort = _sort_from_model((rows_request or {}).get("sortModel"), src.columns)
                src, state, df, total = _fetch(req, search, limit=EXPORT_CAP, offset=0, sort=sort,
                                               purpose="export")
                rows = records(df, src.columns, state.formatter())
                if total > EXPORT_CAP:
                    fmt = state.formatter()
                    message = i18n.t("drill.export_capped", lang, cap=fmt.count(EXPORT_CAP), total=fmt.count(total))
        except Exception:  # noqa: BLE001
            ref = uuid.uuid4().hex[:8]
            log.exception("drill-down export %r failed (reference %s)", req.get("source"), ref)
            from .charts import error_alert
            return dash.no_update, error_alert(lang, ref)
        columns = tuple(c for c in src.columns if not rows or c.field in rows[0])
        filename = f"{src.name.replace('.', '_')}_{state.period.start.isoformat()}_{state.period.end.isoformat()}.csv"
        fmt = state.formatter()
        return (dcc.send_bytes(csv_bytes(rows, columns, lang), filename),
                message or i18n.t("drill.export_done", lang, rows=fmt.count(len(rows))))
