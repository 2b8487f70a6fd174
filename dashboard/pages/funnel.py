"""Funnel page (path /funnel): the pipeline funnel of the deals created in the period (METRICS.md §1).

Numbers: queries.funnel.funnel (reached, reached_amount, step/cumulative conversion, drop-offs,
time to reach), queries.funnel.funnel_breakdown (the same per region/team/owner/channel/campaign),
queries.funnel.funnel_deals and lost_reasons (drill-downs). The page's own URL parameters
(bookmarkable, see dashboard/urlstate.py extras):
    measure=value   show amounts instead of deal counts (default count)
    window=30       conversion window in days (absent: none)
    by=region       breakdown (region, team, owner, source_channel, campaign; absent: none)

Clicks: a stage bar lists the deals that reached it; a drop-off segment lists the deals lost
there (with their lost reasons counted above the grid) or still open there (one "dropped" list
under a conversion window); a bar or row of the breakdown adds its group as a filter.
"""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

import context
from dashboard import i18n, ids
from dashboard.components import blocks, charts, drilldown
from dashboard.pages import PAGE_PATHS
from dashboard.pages._funnel_figures import (
    BREAKDOWNS,
    breakdown_figure,
    clicked_stage,
    conversion_grid,
    drill_title,
    funnel_figure,
    has_deals,
    lost_reasons_block,
    parse_by,
    parse_measure,
    parse_window,
    stage_table,
    window_text,
)
from dashboard.pages._funnel_texts import tr
from dashboard.urlstate import (
    add_filter,
    current_state,
    get_param,
    set_params,
    state_from_query,
)

dash.register_page(__name__, path=PAGE_PATHS["funnel"], name="funnel", title="Funnel", order=1)

PAGE = "funnel"
SUMMARY = ids.page_id(PAGE, "summary")
CHART = ids.page_id(PAGE, "chart")
STAGES = ids.page_id(PAGE, "stages")
MEASURE = ids.page_id(PAGE, "measure")
WINDOW = ids.page_id(PAGE, "window")
BY = ids.page_id(PAGE, "by")
BREAKDOWN_CHART = ids.page_id(PAGE, "breakdown")
BREAKDOWN_TABLE = ids.page_id(PAGE, "breakdown-table")
BREAKDOWN_GRID = ids.page_id(PAGE, "breakdown-grid")
BREAKDOWN_SECTION = ids.page_id(PAGE, "breakdown-section")
BREAKDOWN_CHART_TITLE = ids.page_id(PAGE, "breakdown-title")
BREAKDOWN_TABLE_TITLE = ids.page_id(PAGE, "breakdown-table-title")
SUBTITLE = ids.page_id(PAGE, "subtitle")
TOP_GROUPS = 8
#: the drill-down grid's columns (funnel_deals has no stage_at_to)
COLUMNS = tuple(c for c in drilldown.DEAL_COLUMNS if c.field != "stage_at_to")


def _deals(conn, period, filters, *, ctx, limit, offset, sort, stage, kind="reached", window_days=None):
    from queries.funnel import funnel_deals
    return funnel_deals(conn, period, filters, stage=stage, kind=kind, pipeline=ctx.pipeline,
                        window_days=window_days, limit=limit, offset=offset, sort=sort)


drilldown.register(drilldown.Source("funnel.deals", _deals, columns=COLUMNS))


def _view(search_or_state):
    """(state, measure, window days, breakdown) of a search string or a ViewState."""
    state = search_or_state if hasattr(search_or_state, "extra") else current_state(search_or_state)
    return (state, parse_measure(state.extra.get("measure")), parse_window(state.extra.get("window")),
            parse_by(state.extra.get("by")))


def _controls(lang: str, measure: str, window, by) -> html.Div:
    by_options = [{"value": "none", "label": tr("funnel.breakdown_none", lang)}] + [
        {"value": b, "label": i18n.t(f"filter.{b}", lang)} for b in BREAKDOWNS]
    return html.Div([
        html.Div([
            html.Span(tr("funnel.show", lang), className="fb-label mb-0 me-2"),
            dbc.RadioItems(id=MEASURE, value=measure, inline=True,
                           options=[{"label": tr("funnel.measure_count", lang), "value": "count"},
                                    {"label": tr("funnel.measure_value", lang), "value": "value"}],
                           className="btn-group fb-compare-group", inputClassName="btn-check",
                           labelClassName="btn btn-outline-primary btn-sm", labelCheckedClassName="active"),
        ], className="d-flex align-items-center"),
        html.Div([
            html.Label(tr("funnel.window", lang), htmlFor=WINDOW, className="fb-label mb-0 me-2"),
            dbc.InputGroup([
                dbc.Input(id=WINDOW, type="number", min=1, max=3650, step=1, debounce=True,
                          value=window, placeholder=tr("funnel.window_none", lang), style={"width": "90px"}),
                dbc.InputGroupText(tr("funnel.days", lang)),
            ], size="sm", style={"width": "auto"}),
        ], className="d-flex align-items-center", title=tr("funnel.window_hint", lang)),
        html.Div([
            html.Label(tr("funnel.breakdown", lang), htmlFor=BY, className="fb-label mb-0 me-2"),
            dcc.Dropdown(id=BY, value=by or "none", options=by_options, clearable=False, searchable=False,
                         style={"width": "230px", "fontSize": "0.85rem"}),
        ], className="d-flex align-items-center"),
    ], className="d-flex flex-wrap align-items-center gap-4 mb-3 funnel-controls")


def _breakdown_titles(by, lang: str) -> tuple[str, str]:
    if not by:
        return "", ""
    by_title = i18n.t(f"filter.{by}", lang)
    return (f"{tr('funnel.breakdown_chart', lang, by=by_title)} · {tr('funnel.top_groups', lang, n=TOP_GROUPS)}",
            tr("funnel.breakdown_table", lang, by=by_title))


def layout(**query):
    state = state_from_query(query)
    _, measure, window, by = _view(state)
    lang, fmt = state.lang, state.formatter()
    chart_title, table_title = _breakdown_titles(by, lang)
    # The breakdown is always in the layout (hidden without `by`): a URL change from the
    # controls redraws the page's parts by callback, it does not render the layout again.
    breakdown = html.Div([
        html.Div(blocks.chart_card(html.Span(chart_title, id=BREAKDOWN_CHART_TITLE),
                                   charts.graph(BREAKDOWN_CHART, lang, 340, clickable=True),
                                   hint=tr("funnel.breakdown_hint", lang)), className="col-12"),
        html.Div(blocks.chart_card(html.Span(table_title, id=BREAKDOWN_TABLE_TITLE),
                                   dcc.Loading(html.Div(id=BREAKDOWN_TABLE), type="circle", delay_show=250),
                                   hint=tr("funnel.breakdown_table_hint", lang)), className="col-12"),
    ], id=BREAKDOWN_SECTION, className="row g-3 mb-3", style=None if by else {"display": "none"})
    return html.Div([
        blocks.page_header(tr("funnel.title", lang),
                           subtitle=tr("funnel.subtitle", lang, period=fmt.period(state.period.start, state.period.end)),
                           title_id=SUBTITLE, extra=html.Div(id=SUMMARY, className="page-subtitle")),
        _controls(lang, measure, window, by),
        html.Div(html.Div(blocks.chart_card(tr("funnel.chart", lang), charts.graph(CHART, lang, 360, clickable=True),
                                            hint=tr("funnel.chart_hint", lang)), className="col-12"),
                 className="row g-3 mb-3"),
        html.Div(html.Div(blocks.chart_card(tr("funnel.table", lang),
                                            dcc.Loading(html.Div(id=STAGES, className="table-responsive"),
                                                        type="circle", delay_show=250)),
                          className="col-12"), className="row g-3 mb-3"),
        breakdown,
        drilldown.panel(PAGE, lang),
    ])


@dash.callback(
    Output(CHART, "figure"),
    Output(STAGES, "children"),
    Output(SUMMARY, "children"),
    Output(SUBTITLE, "children"),
    Input(ids.URL, "search"),
    Input(ids.DATA_VERSION, "data"),
)
@charts.guard("figure", "alert", "none", "none")
def draw_funnel(search, _version):
    from queries.funnel import funnel
    state, measure, window, _ = _view(search)
    ctx = context.get()
    with ctx.engine.connect() as conn:
        result = funnel(conn, state.period, state.filters, pipeline=ctx.pipeline, window_days=window)
    lang, fmt = state.lang, state.formatter()
    stages = result["stages"]
    windowed = window is not None
    count = fmt.count(result["cohort_deals"])
    summary = (tr("funnel.cohort_window", lang, count=count, days=window_text(window, fmt)) if windowed
               else tr("funnel.cohort", lang, count=count))
    subtitle = tr("funnel.subtitle", lang, period=fmt.period(state.period.start, state.period.end))
    if not has_deals(stages):
        return (funnel_figure(stages, fmt, lang), charts.empty_state(lang, tr("funnel.no_deals", lang)),
                summary, subtitle)
    return (funnel_figure(stages, fmt, lang, measure=measure, windowed=windowed),
            stage_table(stages, fmt, lang, measure=measure, windowed=windowed), summary, subtitle)


def _group_labels(conn, by: str, lang: str) -> dict[str, str]:
    """Names for owner and campaign ids (the breakdown groups by id), source channels in words;
    other groups are their value."""
    if by not in ("owner", "campaign", "source_channel"):
        return {}
    from queries.dimensions import filter_options
    if by == "source_channel":
        return {o["value"]: i18n.channel_label(o["value"], lang) for o in filter_options(conn).get(by, [])}
    return {o["value"]: o["label"] for o in filter_options(conn).get(by, [])}


@dash.callback(
    Output(BREAKDOWN_SECTION, "style"),
    Output(BREAKDOWN_CHART_TITLE, "children"),
    Output(BREAKDOWN_TABLE_TITLE, "children"),
    Input(ids.URL, "search"),
)
def show_breakdown(search):
    """Show the breakdown section (with its titles) only while the URL names a breakdown."""
    state, _, _, by = _view(search)
    return (None if by else {"display": "none"}), *_breakdown_titles(by, state.lang)


@dash.callback(
    Output(BREAKDOWN_CHART, "figure"),
    Output(BREAKDOWN_TABLE, "children"),
    Input(ids.URL, "search"),
    Input(ids.DATA_VERSION, "data"),
)
@charts.guard("figure", "alert")
def draw_breakdown(search, _version):
    from queries.funnel import funnel_breakdown
    state, measure, window, by = _view(search)
    if not by:
        raise PreventUpdate  # hidden; drawn when a breakdown is chosen
    ctx = context.get()
    with ctx.engine.connect() as conn:
        groups = funnel_breakdown(conn, state.period, state.filters, by=by, pipeline=ctx.pipeline,
                                  window_days=window, top=TOP_GROUPS)
        labels = _group_labels(conn, by, state.lang)
    lang, fmt = state.lang, state.formatter()
    fig = breakdown_figure(groups, labels, fmt, lang, measure=measure)
    if not groups:
        return fig, charts.empty_state(lang, tr("funnel.no_deals", lang))
    return fig, conversion_grid(BREAKDOWN_GRID, groups, labels, list(ctx.pipeline.stages),
                                i18n.t(f"filter.{by}", lang), lang, state.currency, measure=measure)


@dash.callback(
    Output(ids.URL, "search", allow_duplicate=True),
    Input(MEASURE, "value"),
    Input(WINDOW, "value"),
    Input(BY, "value"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def change_view(measure, window, by, search):
    """The controls write the page's URL parameters (defaults are left out of the URL)."""
    trig = dash.ctx.triggered_id
    if trig == MEASURE:
        new = set_params(search, measure=None if parse_measure(measure) == "count" else "value")
    elif trig == WINDOW:
        new = set_params(search, window=parse_window(window))
    elif trig == BY:
        new = set_params(search, by=parse_by(by))
    else:
        raise PreventUpdate
    if new == (search or ""):
        raise PreventUpdate
    return new


@dash.callback(
    Output(ids.drill_request(PAGE), "data", allow_duplicate=True),
    Input(CHART, "clickData"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def open_deals(click, search):
    hit = clicked_stage(click)
    if not hit:
        raise PreventUpdate
    stage, kind = hit
    state, _, window, _ = _view(search)
    title = drill_title(kind, stage, state.lang, state.formatter(), window)
    return drilldown.request("funnel.deals", title, stage=stage, kind=kind, window_days=window)


@dash.callback(
    Output(ids.drill_message(PAGE), "children", allow_duplicate=True),
    Input(ids.drill_title(PAGE), "children"),
    State(ids.drill_request(PAGE), "data"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def show_lost_reasons(_title, req, search):
    """Above the grid of "deals lost at s": their lost reasons, counted (§1 lost reasons at s).
    Runs after the panel has drawn its title, so it replaces the panel's note for this request."""
    params = (req or {}).get("params") or {}
    if (req or {}).get("source") != "funnel.deals" or params.get("kind") != "dropped_lost":
        raise PreventUpdate
    from queries.funnel import lost_reasons
    state = current_state(search)
    ctx = context.get()
    try:
        with ctx.engine.connect() as conn:
            reasons = lost_reasons(conn, state.period, state.filters, stage=params.get("stage"), pipeline=ctx.pipeline)
    except Exception:  # noqa: BLE001 - the list itself is still useful; log and show nothing extra
        charts.log.exception("funnel lost reasons failed")
        raise PreventUpdate from None
    block = lost_reasons_block(reasons, state.formatter(), state.lang)
    total = sum(r["deals"] for r in reasons)
    note = i18n.t("drill.server_side", state.lang) if total > drilldown.CLIENT_SIDE_MAX else None
    return [block, note] if note else block


def _add_group_filter(search, key):
    by = parse_by(get_param(search, "by"))
    if not by or not key:
        raise PreventUpdate
    new = add_filter(search, by, key)
    if new == (search or ""):
        raise PreventUpdate
    return new


# Two callbacks, not one: the grid is drawn by a callback, and Dash refuses a callback whose
# inputs are only partly in the layout.
@dash.callback(
    Output(ids.URL, "search", allow_duplicate=True),
    Input(BREAKDOWN_CHART, "clickData"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def filter_by_bar(click, search):
    """A bar of the breakdown adds its group as a filter (a chip in the filter bar)."""
    return _add_group_filter(search, charts.clicked_key(click))


@dash.callback(
    Output(ids.URL, "search", allow_duplicate=True),
    Input(BREAKDOWN_GRID, "cellClicked"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def filter_by_row(cell, search):
    """A row of the conversion table adds its group as a filter."""
    return _add_group_filter(search, cell.get("rowId") if isinstance(cell, dict) else None)
