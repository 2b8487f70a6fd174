"""Campaigns (path "/campaigns"): cost, leads, deals, attributed revenue and CPL/CAC/ROAS/ROI.

Numbers: queries.campaigns.campaign_table (METRICS.md §4) with the attribution model of the URL
(`model=`, one of queries.attribution.ALL_MODELS, default last_touch), for the period and the
comparison period (KPI cards: sums over the listed campaigns). Cost is the whole campaign's cost
in the period and never split by a filter; with any filter active the page says so next to the
ratios. Campaigns without cost or activity in the period are left out of table and chart.

Clicks: a campaign (chart point or table row) selects it: the "selected campaign" card shows its
numbers with buttons for its deals created / won in the period (campaign_deals) and its
touchpoints (campaign_touchpoints), and one that adds it as a `campaign` filter (a chip in the
filter bar). The click itself opens the first non-empty list of deals created, deals won,
touchpoints.
"""
from __future__ import annotations

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

import context
from dashboard import i18n, ids
from dashboard.components import blocks, charts, drilldown
from dashboard.components.drilldown import Column
from dashboard.components.kpi_card import KpiSpec, kpi_card
from dashboard.pages import PAGE_PATHS
from dashboard.urlstate import add_filter, current_state, get_param, set_params, state_from_query

from ._campaigns_figures import (
    column_defs, grid_options, grid_rows, listed, scatter_figure, totals,
)
from ._campaigns_texts import PAGE_TEXTS, model_label, tr

dash.register_page(__name__, path=PAGE_PATHS["campaigns"], name="campaigns", title="Campaigns", order=4)

PAGE = "campaigns"
SUBTITLE = ids.page_id(PAGE, "subtitle")
MODEL = ids.page_id(PAGE, "model")
MODEL_WRAP = ids.page_id(PAGE, "model-wrap")
KPIS = ids.page_id(PAGE, "kpis")
COST_NOTE = ids.page_id(PAGE, "cost-note")
SCATTER = ids.page_id(PAGE, "scatter")
DETAIL = ids.page_id(PAGE, "detail")
GRID = ids.page_id(PAGE, "grid")
TABLE_NOTE = ids.page_id(PAGE, "table-note")
ROWS = ids.page_id(PAGE, "rows")
SELECTED = ids.page_id(PAGE, "selected")
FILTER_BY = ids.page_id(PAGE, "filter-by")
DEFAULT_MODEL = "last_touch"
#: Lists a campaign opens: kind -> (campaign_table count column, drill title key).
LISTS = {"deals": ("deals", "campaigns.drill_deals"), "won": ("won", "campaigns.drill_won"),
         "touchpoints": (None, "campaigns.drill_touchpoints")}
KPI_CARDS = (
    ("cost", KpiSpec("money_compact", higher_is_better=False)),
    ("attributed_revenue", KpiSpec("money_compact")),
    ("roas", KpiSpec("number")),
    ("roi", KpiSpec("percent")),
)
#: Longest list counted by fetching it (the list functions return no total).


def models() -> tuple[str, ...]:
    """The model switch's options: every model campaign_table accepts (queries.attribution.ALL_MODELS)."""
    from queries.attribution import ALL_MODELS
    return tuple(ALL_MODELS)


def resolve_model(raw) -> str:
    """The URL's model if queries.attribution knows it, else last_touch (METRICS.md §4 default)."""
    return raw if raw in models() else DEFAULT_MODEL


# --- drill-down sources ----------------------------------------------------------------------
def _deals(conn, period, filters, *, ctx, limit, offset, sort, campaign_id, kind="deals"):
    from queries.campaigns import campaign_deals
    return campaign_deals(conn, period, filters, campaign_id=campaign_id, kind=kind,
                          limit=limit, offset=offset, sort=sort)


def _touchpoints(conn, period, filters, *, ctx, limit, offset, sort, campaign_id):
    from queries.campaigns import campaign_touchpoints
    return campaign_touchpoints(conn, period, filters, campaign_id=campaign_id,
                                limit=limit, offset=offset, sort=sort)


TOUCH_COLUMNS = (
    Column("touchpoint_id", PAGE_TEXTS["campaigns.col.touchpoint_id"], width=140),
    Column("occurred_at", PAGE_TEXTS["campaigns.col.occurred_at"], "datetime", width=160),
    Column("channel", PAGE_TEXTS["campaigns.col.channel"], "channel", width=120),
    Column("kind", PAGE_TEXTS["campaigns.col.kind"], width=120),
    Column("customer_id", "col.customer_id", width=145), Column("name", "col.customer_name", width=220),
    Column("region", "col.region", width=120),
)
drilldown.register(drilldown.Source("campaigns.deals", _deals))  # the shared deal columns
drilldown.register(drilldown.Source("campaigns.touchpoints", _touchpoints, columns=TOUCH_COLUMNS))


# --- layout ----------------------------------------------------------------------------------
def _model_switch(model: str, lang: str) -> list:
    return [html.Span(tr("campaigns.model", lang), className="small text-muted me-2"),
            dbc.RadioItems(id=MODEL, value=model, inline=True,
                           options=[{"label": model_label(m, lang), "value": m} for m in models()],
                           className="btn-group fb-compare-group", inputClassName="btn-check",
                           labelClassName="btn btn-outline-primary btn-sm", labelCheckedClassName="active")]


def layout(**query):
    state = state_from_query(query)
    lang, fmt = state.lang, state.formatter()
    model = resolve_model(query.get("model"))
    placeholders = [html.Div(className="kpi-card kpi-placeholder card") for _ in KPI_CARDS]
    table = html.Div([
        html.Div(id=TABLE_NOTE),
        dag.AgGrid(id=GRID, rowData=[], columnDefs=column_defs(lang, state.currency),
                   getRowId="params.data.campaign_id", dashGridOptions=grid_options(lang, []),
                   defaultColDef={"resizable": True, "minWidth": 60, "flex": 1, "wrapHeaderText": True,
                                  "autoHeaderHeight": True, "suppressHeaderMenuButton": True},
                   style={"height": "460px"}, className="campaign-grid"),
    ])
    return html.Div([
        dcc.Store(id=ROWS), dcc.Store(id=SELECTED),
        blocks.page_header(tr("campaigns.title", lang), subtitle=fmt.period(state.period.start, state.period.end),
                           title_id=SUBTITLE,
                           extra=html.Div(_model_switch(model, lang), id=MODEL_WRAP,
                                          className="d-flex align-items-center flex-wrap")),
        dcc.Loading(html.Div(placeholders, id=KPIS, className="kpi-grid"), type="circle", color=charts.PRIMARY,
                    delay_show=300, overlay_style={"visibility": "visible", "opacity": 0.5}),
        html.Div(id=COST_NOTE),
        html.Div([
            html.Div(blocks.chart_card(tr("campaigns.chart", lang), charts.graph(SCATTER, lang, 430, clickable=True),
                                       hint=tr("campaigns.chart_hint", lang)), className="col-lg-8"),
            html.Div(blocks.chart_card(tr("campaigns.detail", lang),
                                       html.Div(_detail_placeholder(lang), id=DETAIL)), className="col-lg-4"),
        ], className="row g-3 mb-3"),
        html.Div(html.Div(blocks.chart_card(tr("campaigns.table", lang), table, hint=tr("campaigns.table_hint", lang)),
                          className="col-12"), className="row g-3"),
        drilldown.panel(PAGE, lang),
    ])


def _detail_placeholder(lang: str):
    return html.Div([html.I(className="bi bi-hand-index me-2"), tr("campaigns.detail_empty", lang)],
                    className="empty-state text-center px-3")


def _cost_note(state) -> dbc.Alert | None:
    if not state.filters.active():
        return None
    return dbc.Alert([html.I(className="bi bi-info-circle me-2"), tr("campaigns.cost_note", state.lang)],
                     color="warning", className="py-2 px-3 small mb-3")


# --- callbacks -------------------------------------------------------------------------------
@dash.callback(
    Output(ids.URL, "search", allow_duplicate=True),
    Input(MODEL, "value"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def write_model(model, search):
    """Model switch -> URL (`model`, absent for the default)."""
    if model not in models():
        raise PreventUpdate
    new = set_params(search, model=None if model == DEFAULT_MODEL else model)
    if new == (search or ""):
        raise PreventUpdate
    return new


@dash.callback(
    Output(MODEL_WRAP, "children"),
    Input(ids.URL, "search"),
    State(MODEL, "value"),
)
def show_model(search, shown):
    """URL -> model switch (redrawn, not set, to keep the switch and the URL free of a cycle)."""
    model = resolve_model(get_param(search, "model"))
    if model == shown:
        raise PreventUpdate
    return _model_switch(model, current_state(search).lang)


@dash.callback(
    Output(KPIS, "children"),
    Output(SCATTER, "figure"),
    Output(GRID, "rowData"),
    Output(GRID, "dashGridOptions"),
    Output(TABLE_NOTE, "children"),
    Output(COST_NOTE, "children"),
    Output(ROWS, "data"),
    Output(SUBTITLE, "children"),
    Input(ids.URL, "search"),
    Input(ids.DATA_VERSION, "data"),
)
@charts.guard("alert", "figure", "empty", "none", "alert", "none", "none", "none")
def draw(search, _version):
    from queries.campaigns import campaign_table
    state = current_state(search)
    ctx = context.get()
    lang, fmt = state.lang, state.formatter()
    model = resolve_model(get_param(search, "model"))
    window = ctx.settings.attribution_window_days
    with ctx.engine.connect() as conn:
        rows = campaign_table(conn, state.period, state.filters, model=model, window_days=window)
        before = campaign_table(conn, state.compare_period, state.filters, model=model, window_days=window)
    shown, hidden = listed(rows)
    now_total, before_total = totals(shown), totals(listed(before)[0])
    note = tr("campaigns.kpi_note", lang, model=model_label(model, lang))
    compare_label = tr(state.compare_label_key, lang)
    cards = [kpi_card(name, lang, fmt, value=now_total[name], previous=before_total[name], spec=spec,
                      label=tr(f"campaigns.kpi.{name}", lang), compare_label=compare_label, note=note)
             for name, spec in KPI_CARDS]
    hidden_note = html.Div(tr("campaigns.hidden", lang, n=fmt.count(hidden)), className="small text-muted mb-2") \
        if hidden else None
    return (cards, scatter_figure(shown, fmt, lang, model_name=model_label(model, lang)), grid_rows(shown, lang),
            grid_options(lang, shown), hidden_note, _cost_note(state), shown,
            fmt.period(state.period.start, state.period.end))


def _find(rows, campaign_id):
    return next((r for r in rows or [] if r.get("campaign_id") == campaign_id), None)


def _drill(kind: str, row: dict, lang: str) -> dict:
    name = row.get("name") or row["campaign_id"]
    source = "campaigns.touchpoints" if kind == "touchpoints" else "campaigns.deals"
    params = {"campaign_id": row["campaign_id"]}
    if kind != "touchpoints":
        params["kind"] = kind
    return drilldown.request(source, tr(LISTS[kind][1], lang, name=name), **params)


@dash.callback(
    Output(ids.drill_request(PAGE), "data", allow_duplicate=True),
    Output(SELECTED, "data"),
    Input(SCATTER, "clickData"),
    Input(GRID, "cellClicked"),
    Input(ids.page_pattern(PAGE, "open", ALL), "n_clicks"),
    State(ROWS, "data"),
    State(SELECTED, "data"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def open_campaign(point_click, cell_click, _open_clicks, rows, selected, search):
    trig = dash.ctx.triggered_id
    lang = current_state(search).lang
    if isinstance(trig, dict):  # a list button of the selected campaign
        row = _find(rows, selected)
        if not dash.ctx.triggered[0].get("value") or row is None:
            raise PreventUpdate
        return _drill(trig["key"], row, lang), dash.no_update
    if trig == SCATTER:
        campaign_id = charts.clicked_key(point_click)
    elif trig == GRID:
        campaign_id = (cell_click or {}).get("rowId")
    else:
        raise PreventUpdate
    row = _find(rows, campaign_id)
    if row is None:  # the total row, or a stale click
        raise PreventUpdate
    kind = "deals" if row.get("deals") else ("won" if row.get("won") else "touchpoints")
    return _drill(kind, row, lang), campaign_id


@dash.callback(
    Output(DETAIL, "children"),
    Input(SELECTED, "data"),
    Input(ROWS, "data"),
    State(ids.URL, "search"),
)
@charts.guard("alert")
def draw_detail(selected, rows, search):
    state = current_state(search)
    lang, fmt = state.lang, state.formatter()
    if not selected:
        return _detail_placeholder(lang)
    row = _find(rows, selected)
    if row is None:
        return html.Div(tr("campaigns.detail_gone", lang), className="empty-state text-center px-3")
    stats = [("cost", fmt.money(row.get("cost"), 0)), ("attributed_revenue", fmt.money(row.get("attributed_revenue"), 0)),
             ("roas", fmt.number(row.get("roas"), 2)), ("roi", fmt.percent(row.get("roi"), 0)),
             ("leads", fmt.count(row.get("leads"))), ("cpl", fmt.money(row.get("cpl"))),
             ("new_customers", fmt.count(row.get("new_customers"))), ("cac", fmt.money(row.get("cac"), 0))]
    filtered = selected in state.filters.campaign
    buttons = [
        dbc.Button([html.I(className="bi bi-list-ul me-2"),
                    tr("campaigns.open_deals", lang, n=fmt.count(row.get("deals")))],
                   id=ids.page_pattern(PAGE, "open", "deals"), n_clicks=0, color="primary", outline=True, size="sm"),
        dbc.Button([html.I(className="bi bi-trophy me-2"),
                    tr("campaigns.open_won", lang, n=fmt.count(row.get("won")), revenue=fmt.money(row.get("won_revenue"), 0))],
                   id=ids.page_pattern(PAGE, "open", "won"), n_clicks=0, color="primary", outline=True, size="sm"),
        dbc.Button([html.I(className="bi bi-signpost-split me-2"), tr("campaigns.open_touchpoints", lang)],
                   id=ids.page_pattern(PAGE, "open", "touchpoints"), n_clicks=0, color="primary", outline=True,
                   size="sm"),
        dbc.Button([html.I(className="bi bi-funnel me-2"),
                    tr("campaigns.filtered" if filtered else "campaigns.filter_by", lang)],
                   id=FILTER_BY, n_clicks=0, color="secondary", outline=True, size="sm", disabled=filtered),
    ]
    return html.Div([
        html.Div([html.Div(row.get("name") or selected, className="fw-semibold"),
                  html.Div(f"{selected} · {i18n.channel_label(row['channel'], lang) if row.get('channel') else '–'}",
                           className="small text-muted")], className="mb-2"),
        html.Dl([item for key, value in stats for item in (
            html.Dt(tr(f"campaigns.col.{key}", lang), className="col-7 fw-normal text-muted small mb-1"),
            html.Dd(value, className="col-5 text-end small mb-1 fw-semibold"))], className="row g-0 mb-2"),
        html.Div(buttons, className="d-grid gap-2"),
    ])


@dash.callback(
    Output(ids.URL, "search", allow_duplicate=True),
    Input(FILTER_BY, "n_clicks"),
    State(SELECTED, "data"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def filter_by_campaign(n, selected, search):
    """Cross-filter: add the selected campaign to the `campaign` filter (a removable chip)."""
    if not n or not selected:
        raise PreventUpdate
    new = add_filter(search, "campaign", selected)
    if new == (search or ""):
        raise PreventUpdate
    return new
