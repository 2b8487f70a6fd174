"""Sales-cycle page (path /cycle): how fast and how often deals are won (METRICS.md §2).

Numbers: queries.cycle.kpi_trend (win rate, cycle length per month), cycle_length_histogram,
time_in_stage, forecast, owner_leaderboard (with won_revenue target attainment) and
deals_list (every drill-down, and the stale-deals list with settings.stale_days).

Clicks (all open the drill-down panel with queries.cycle.deals_list):
    trend month            -> kind="closed", month=…            (won + lost of that month)
    histogram bin          -> kind="won", cycle_min_days/cycle_max_days
    time-in-stage stage    -> kind="open", stage=…              (open at the period's end)
    forecast month         -> kind="open", expected_close_month=…
    leaderboard row        -> kind="won", owner=…; its "Filter" cell adds an owner filter instead
    stale "show all"       -> kind="stale"
"""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

import context
from dashboard import ids
from dashboard.components import blocks, charts, drilldown
from dashboard.components.grid import records
from dashboard.pages import PAGE_PATHS
from dashboard.pages._cycle_figures import (
    STALE_COLUMNS,
    clicked_bin,
    forecast_figure,
    histogram_figure,
    leaderboard_grid,
    month_label,
    time_in_stage_figure,
    tr,
    trend_figure,
)
from dashboard.urlstate import (
    add_filter,
    current_state,
    inclusive_end,
    state_from_query,
    today_in,
)

dash.register_page(__name__, path=PAGE_PATHS["cycle"], name="cycle", title="Sales cycle", order=2)

PAGE = "cycle"
TREND = ids.page_id(PAGE, "trend")
HISTOGRAM = ids.page_id(PAGE, "histogram")
TIME_IN_STAGE = ids.page_id(PAGE, "time-in-stage")
FORECAST = ids.page_id(PAGE, "forecast")
LEADERBOARD = ids.page_id(PAGE, "leaderboard")
LEADERBOARD_GRID = ids.page_id(PAGE, "leaderboard-grid")
STALE = ids.page_id(PAGE, "stale")
STALE_GRID = ids.page_id(PAGE, "stale-grid")
STALE_HEAD = ids.page_id(PAGE, "stale-head")
STALE_ALL = ids.page_id(PAGE, "stale-all")
SUBTITLE = ids.page_id(PAGE, "subtitle")
STALE_SHOWN = 200
#: the drill-down grid's columns (deals_list has no stage_at_to)
COLUMNS = tuple(c for c in drilldown.DEAL_COLUMNS if c.field != "stage_at_to")


def _deals(conn, period, filters, *, ctx, limit, offset, sort, kind="won", **params):
    from queries.cycle import deals_list
    return deals_list(conn, period, filters, kind=kind, pipeline=ctx.pipeline, stale_days=ctx.settings.stale_days,
                      limit=limit, offset=offset, sort=sort, **params)


drilldown.register(drilldown.Source("cycle.deals", _deals, columns=COLUMNS))


def _loading(child):
    return dcc.Loading(child, type="circle", color=charts.PRIMARY, delay_show=250,
                       overlay_style={"visibility": "visible", "opacity": 0.45})


def layout(**query):
    state = state_from_query(query)
    lang, fmt = state.lang, state.formatter()

    def card(title_key, body, hint_key=None, extra=None):
        return blocks.chart_card(tr(title_key, lang), body, hint=tr(hint_key, lang) if hint_key else None, extra=extra)

    stale_extra = html.Div([
        html.Span(id=STALE_HEAD, className="page-subtitle me-2"),
        dbc.Button([html.I(className="bi bi-list-ul me-1"), tr("cycle.stale_all", lang)], id=STALE_ALL, n_clicks=0,
                   size="sm", color="primary", outline=True),
    ], className="d-flex align-items-center")
    return html.Div([
        blocks.page_header(tr("cycle.title", lang), subtitle=fmt.period(state.period.start, state.period.end),
                           title_id=SUBTITLE),
        html.Div([
            html.Div(card("cycle.trend", charts.graph(TREND, lang, 320, clickable=True), "cycle.trend_hint"),
                     className="col-12 col-xl-7"),
            html.Div(card("cycle.histogram", charts.graph(HISTOGRAM, lang, 320, clickable=True), "cycle.histogram_hint"),
                     className="col-12 col-xl-5"),
        ], className="row g-3 mb-3"),
        html.Div([
            html.Div(card("cycle.time_in_stage", charts.graph(TIME_IN_STAGE, lang, 300, clickable=True),
                          "cycle.time_in_stage_hint"), className="col-12 col-xl-5"),
            html.Div(card("cycle.forecast", charts.graph(FORECAST, lang, 300, clickable=True), "cycle.forecast_hint"),
                     className="col-12 col-xl-7"),
        ], className="row g-3 mb-3"),
        html.Div(html.Div(card("cycle.leaderboard", _loading(html.Div(id=LEADERBOARD)), "cycle.leaderboard_hint"),
                          className="col-12"), className="row g-3 mb-3"),
        html.Div(html.Div(card("cycle.stale", _loading(html.Div(id=STALE)), extra=stale_extra),
                          className="col-12"), className="row g-3 mb-3"),
        drilldown.panel(PAGE, lang),
    ])


def _this_month(ctx) -> str:
    today = today_in(ctx.settings.tz)
    return f"{today.year:04d}-{today.month:02d}"


@dash.callback(Output(SUBTITLE, "children"), Input(ids.URL, "search"))
def show_period(search):
    """The period under the title follows the filter bar (the layout is not drawn again)."""
    state = current_state(search)
    return state.formatter().period(state.period.start, state.period.end)


@dash.callback(Output(TREND, "figure"), Input(ids.URL, "search"), Input(ids.DATA_VERSION, "data"))
@charts.guard("figure")
def draw_trend(search, _version):
    from queries.cycle import kpi_trend
    state = current_state(search)
    ctx = context.get()
    with ctx.engine.connect() as conn:
        trend = kpi_trend(conn, state.period, state.filters, pipeline=ctx.pipeline)
    now = _this_month(ctx)
    trend = [row for row in trend if row["month"] <= now]  # no future months
    return trend_figure(trend, state.formatter(), state.lang)


@dash.callback(Output(HISTOGRAM, "figure"), Input(ids.URL, "search"), Input(ids.DATA_VERSION, "data"))
@charts.guard("figure")
def draw_histogram(search, _version):
    from queries.cycle import cycle_length_histogram
    state = current_state(search)
    with context.get().engine.connect() as conn:
        bins = cycle_length_histogram(conn, state.period, state.filters)
    return histogram_figure(bins, state.formatter(), state.lang)


@dash.callback(Output(TIME_IN_STAGE, "figure"), Input(ids.URL, "search"), Input(ids.DATA_VERSION, "data"))
@charts.guard("figure")
def draw_time_in_stage(search, _version):
    from queries.cycle import time_in_stage
    state = current_state(search)
    ctx = context.get()
    with ctx.engine.connect() as conn:
        tis = time_in_stage(conn, state.period, state.filters, pipeline=ctx.pipeline)
    return time_in_stage_figure(tis, list(ctx.pipeline.open_stages), state.formatter(), state.lang)


@dash.callback(Output(FORECAST, "figure"), Input(ids.URL, "search"), Input(ids.DATA_VERSION, "data"))
@charts.guard("figure")
def draw_forecast(search, _version):
    from queries.cycle import forecast
    state = current_state(search)
    ctx = context.get()
    with ctx.engine.connect() as conn:
        rows = forecast(conn, state.period, state.filters, pipeline=ctx.pipeline)
    # overdue: expected before the month of the period's last day (or of today, if earlier)
    reference = min(inclusive_end(state.period), today_in(ctx.settings.tz))
    return forecast_figure(rows, state.formatter(), state.lang, current_month=reference.strftime("%Y-%m"))


@dash.callback(Output(LEADERBOARD, "children"), Input(ids.URL, "search"), Input(ids.DATA_VERSION, "data"))
@charts.guard("alert")
def draw_leaderboard(search, _version):
    from queries.cycle import owner_leaderboard
    state = current_state(search)
    ctx = context.get()
    with ctx.engine.connect() as conn:
        rows = owner_leaderboard(conn, state.period, state.filters, pipeline=ctx.pipeline)
    if not rows:
        return charts.empty_state(state.lang, tr("cycle.no_deals", state.lang))
    return leaderboard_grid(LEADERBOARD_GRID, rows, state.lang, state.currency)


@dash.callback(Output(STALE, "children"), Output(STALE_HEAD, "children"), Output(STALE_ALL, "disabled"),
               Input(ids.URL, "search"), Input(ids.DATA_VERSION, "data"))
@charts.guard("alert", "none", "none")
def draw_stale(search, _version):
    from dashboard.pages._cycle_figures import stale_grid
    from queries.cycle import deals_list
    state = current_state(search)
    ctx = context.get()
    lang, fmt = state.lang, state.formatter()
    with ctx.engine.connect() as conn:
        df, total = deals_list(conn, state.period, state.filters, kind="stale", pipeline=ctx.pipeline,
                               stale_days=ctx.settings.stale_days, limit=STALE_SHOWN,
                               sort=[("amount", "desc")])
    head = tr("cycle.stale_note", lang, days=fmt.count(ctx.settings.stale_days)) + " · " + (
        tr("cycle.stale_shown", lang, shown=fmt.count(STALE_SHOWN), total=fmt.count(total)) if total > STALE_SHOWN
        else tr("cycle.stale_count", lang, n=fmt.count(total)))
    if not total:
        return charts.empty_state(lang, tr("cycle.no_deals", lang)), head, True
    return stale_grid(STALE_GRID, records(df, STALE_COLUMNS, fmt), lang, state.currency), head, False


def _leaderboard_name(rows, owner_id):
    for r in rows or []:
        if r.get("owner_id") == owner_id:
            return r.get("owner_name") or owner_id
    return owner_id


@dash.callback(
    Output(ids.drill_request(PAGE), "data", allow_duplicate=True),
    Input(TREND, "clickData"),
    Input(HISTOGRAM, "clickData"),
    Input(TIME_IN_STAGE, "clickData"),
    Input(FORECAST, "clickData"),
    Input(STALE_ALL, "n_clicks"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def open_deals(trend_click, hist_click, tis_click, fc_click, stale_clicks, search):
    trig = dash.ctx.triggered_id
    state = current_state(search)
    lang, fmt = state.lang, state.formatter()
    if trig == TREND and (month := charts.clicked_key(trend_click)):
        return drilldown.request("cycle.deals", tr("cycle.drill_closed_month", lang, month=fmt.month(month, long=True)),
                                 kind="closed", month=month)
    if trig == HISTOGRAM and (hit := clicked_bin(hist_click)):
        lo, hi = hit
        label = tr("cycle.bin", lang, start=fmt.number(lo), end=fmt.number(hi))
        return drilldown.request("cycle.deals", tr("cycle.drill_bin", lang, bin=label), kind="won",
                                 cycle_min_days=lo, cycle_max_days=hi)
    if trig == TIME_IN_STAGE and (stage := charts.clicked_key(tis_click)):
        return drilldown.request("cycle.deals", tr("cycle.drill_stage", lang, stage=stage), kind="open", stage=stage)
    if trig == FORECAST and (month := charts.clicked_key(fc_click)):
        title = (tr("cycle.drill_forecast_none", lang) if month == "none"
                 else tr("cycle.drill_forecast", lang, month=month_label(month, fmt, lang, long=True)))
        return drilldown.request("cycle.deals", title, kind="open", expected_close_month=month)
    if trig == STALE_ALL and stale_clicks:
        return drilldown.request("cycle.deals", tr("cycle.drill_stale", lang), kind="stale")
    raise PreventUpdate


# The leaderboard grid is drawn by a callback; Dash refuses a callback whose inputs are only
# partly in the layout, so its clicks have callbacks of their own.
@dash.callback(
    Output(ids.drill_request(PAGE), "data", allow_duplicate=True),
    Input(LEADERBOARD_GRID, "cellClicked"),
    State(LEADERBOARD_GRID, "rowData"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def open_owner_deals(cell, rows, search):
    """A leaderboard row (except its "Filter" cell) lists the owner's won deals."""
    if not isinstance(cell, dict) or not cell.get("rowId") or cell.get("colId") == "filter":
        raise PreventUpdate
    lang = current_state(search).lang
    owner = cell["rowId"]
    return drilldown.request("cycle.deals", tr("cycle.drill_owner", lang, owner=_leaderboard_name(rows, owner)),
                             kind="won", owner=owner)


@dash.callback(
    Output(ids.URL, "search", allow_duplicate=True),
    Input(LEADERBOARD_GRID, "cellClicked"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def filter_by_owner(cell, search):
    """The leaderboard's "Filter" cell adds the owner as a filter (a chip in the filter bar)."""
    if not isinstance(cell, dict) or cell.get("colId") != "filter" or not cell.get("rowId"):
        raise PreventUpdate
    new = add_filter(search, "owner", cell["rowId"])
    if new == (search or ""):
        raise PreventUpdate
    return new
