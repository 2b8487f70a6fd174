"""Attribution (path "/attribution"): every attribution model per channel, journeys and transitions.

Numbers: queries.attribution (METRICS.md §5) — attribute_all_models for the models side by side
(first_touch, last_touch, linear, time_decay, position_based, markov, shapley), `attribute` for the
totals of the comparison period (KPI cards); queries.paths.top_paths for the top journeys and the
Sankey of their first steps, queries.paths.transition_matrix for the heatmap. The journey window is
settings.attribution_window_days. The page's own URL parameter:
    measure=value   attributed value instead of conversions (default conversions)

Clicks: a bar (any model) of a channel lists the period's conversions whose journey contains the
channel; a row of the top journeys lists the conversions with exactly that (merged) path. Both
lists are built from queries.journeys.conversions_and_journeys and paged in Python (bounded by
the period's conversions). No customer names on this page (the lists carry customer ids).
"""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

import context
from dashboard import i18n, ids
from dashboard.components import blocks, charts, drilldown
from dashboard.components.drilldown import Column
from dashboard.components.kpi_card import KpiSpec, kpi_card
from dashboard.pages import PAGE_PATHS
from dashboard.urlstate import current_state, get_param, set_params, state_from_query

from ._attribution_figures import (
    DEFAULT_MEASURE,
    MEASURES,
    journey_rows,
    models_figure,
    parse_measure,
    paths_table,
    sankey_figure,
    totals_text,
    transition_figure,
)
from ._attribution_texts import PAGE_TEXTS, tr

dash.register_page(__name__, path=PAGE_PATHS["attribution"], name="attribution", title="Attribution", order=5)

PAGE = "attribution"
SUBTITLE = ids.page_id(PAGE, "subtitle")
MEASURE = ids.page_id(PAGE, "measure")
MEASURE_WRAP = ids.page_id(PAGE, "measure-wrap")
KPIS = ids.page_id(PAGE, "kpis")
MODELS = ids.page_id(PAGE, "models")
TOTALS = ids.page_id(PAGE, "totals")
PATHS = ids.page_id(PAGE, "paths")
PATHS_NOTE = ids.page_id(PAGE, "paths-note")
SANKEY = ids.page_id(PAGE, "sankey")
TRANSITIONS = ids.page_id(PAGE, "transitions")
TOP_PATHS = 12
SANKEY_STEPS = 3
#: every path (the Sankey needs them all; a period's journeys are bounded by its customers)
ALL_PATHS = 1_000_000_000
KPI_CARDS = (
    ("total_conversions", KpiSpec("count")),
    ("total_value", KpiSpec("money_compact")),
    ("unattributed_conversions", KpiSpec("count", higher_is_better=False)),
    ("journeys", KpiSpec("count")),
)


# --- drill-down sources ----------------------------------------------------------------------
def _conversions(conn, period, filters, *, ctx, limit, offset, sort, channel=None, path=None):
    from queries.journeys import conversions_and_journeys
    from queries.lists import page_frame
    journeys = conversions_and_journeys(conn, period, filters, window_days=ctx.settings.attribution_window_days,
                                        key="channel")
    # paged in Python, with the access rules of every list (viewers: none; pseudonymised roles)
    return page_frame(journey_rows(journeys, channel=channel, path=path), filters=filters, limit=limit,
                      offset=offset, sort=sort, default_sort=[("closed_at", "desc")])


_COMMON = (
    Column("deal_id", "col.deal_id", width=120),
    Column("customer_id", "col.customer_id", width=130),
    Column("closed_at", "col.closed_at", "datetime", width=150),
    Column("amount", PAGE_TEXTS["attribution.col.value"], "money", width=130),
    Column("path", PAGE_TEXTS["attribution.col.journey"], "channel_path", width=320),
    Column("touches", PAGE_TEXTS["attribution.col.touches"], "count", width=110),
)
CHANNEL_COLUMNS = _COMMON + (
    Column("channel_touches", PAGE_TEXTS["attribution.col.channel_touches"], "count", width=150),
    Column("first_touch_at", PAGE_TEXTS["attribution.col.first_touch_at"], "datetime", width=150),
)
PATH_COLUMNS = _COMMON + (
    Column("first_touch_at", PAGE_TEXTS["attribution.col.first_touch_at"], "datetime", width=150),
)
drilldown.register(drilldown.Source("attribution.channel", _conversions, columns=CHANNEL_COLUMNS))
drilldown.register(drilldown.Source("attribution.path", _conversions, columns=PATH_COLUMNS))


# --- layout ----------------------------------------------------------------------------------
def _measure_switch(measure: str, lang: str) -> list:
    return [html.Span(tr("attribution.show", lang), className="small text-muted me-2"),
            dbc.RadioItems(id=MEASURE, value=measure, inline=True,
                           options=[{"label": tr(f"attribution.measure.{m}", lang), "value": m} for m in MEASURES],
                           className="btn-group fb-compare-group", inputClassName="btn-check",
                           labelClassName="btn btn-outline-primary btn-sm", labelCheckedClassName="active")]


def layout(**query):
    state = state_from_query(query)
    lang, fmt = state.lang, state.formatter()
    measure = parse_measure(query.get("measure"))
    placeholders = [html.Div(className="kpi-card kpi-placeholder card") for _ in KPI_CARDS]
    muted = "small text-muted mt-1"
    return html.Div([
        blocks.page_header(tr("attribution.title", lang), subtitle=fmt.period(state.period.start, state.period.end),
                           title_id=SUBTITLE,
                           extra=html.Div(_measure_switch(measure, lang), id=MEASURE_WRAP,
                                          className="d-flex align-items-center flex-wrap")),
        dcc.Loading(html.Div(placeholders, id=KPIS, className="kpi-grid"), type="circle", color=charts.PRIMARY,
                    delay_show=300, overlay_style={"visibility": "visible", "opacity": 0.5}),
        html.Div(html.Div(blocks.chart_card(
            tr("attribution.models", lang),
            html.Div([charts.graph(MODELS, lang, 420, clickable=True), html.Div(id=TOTALS, className=muted)]),
            hint=tr("attribution.models_hint", lang)), className="col-12"), className="row g-3 mb-3"),
        html.Div([
            html.Div(blocks.chart_card(
                tr("attribution.paths", lang),
                html.Div([dcc.Loading(html.Div(id=PATHS, style={"minHeight": "200px"}), type="circle",
                                      color=charts.PRIMARY, delay_show=250),
                          html.Div(id=PATHS_NOTE, className=muted)]),
                hint=tr("attribution.paths_hint", lang)), className="col-lg-7"),
            html.Div(blocks.chart_card(
                tr("attribution.transitions", lang),
                html.Div([charts.graph(TRANSITIONS, lang, 460),
                          html.Div(tr("attribution.transitions_note", lang), className=muted)])),
                className="col-lg-5"),
        ], className="row g-3 mb-3"),
        html.Div(html.Div(blocks.chart_card(
            tr("attribution.sankey", lang),
            html.Div([charts.graph(SANKEY, lang, 420),
                      html.Div(tr("attribution.sankey_note", lang, steps=SANKEY_STEPS), className=muted)])),
            className="col-12"), className="row g-3"),
        drilldown.panel(PAGE, lang),
    ])


# --- callbacks -------------------------------------------------------------------------------
@dash.callback(
    Output(ids.URL, "search", allow_duplicate=True),
    Input(MEASURE, "value"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def write_measure(measure, search):
    """Measure switch -> URL (`measure`, absent for conversions)."""
    if measure not in MEASURES:
        raise PreventUpdate
    new = set_params(search, measure=None if measure == DEFAULT_MEASURE else measure)
    if new == (search or ""):
        raise PreventUpdate
    return new


@dash.callback(
    Output(MEASURE_WRAP, "children"),
    Input(ids.URL, "search"),
    State(MEASURE, "value"),
)
def show_measure(search, shown):
    """URL -> measure switch (redrawn, not set, to keep the switch and the URL free of a cycle)."""
    measure = parse_measure(get_param(search, "measure"))
    if measure == shown:
        raise PreventUpdate
    return _measure_switch(measure, current_state(search).lang)


@dash.callback(
    Output(KPIS, "children"),
    Output(SUBTITLE, "children"),
    Input(ids.URL, "search"),
    Input(ids.DATA_VERSION, "data"),
)
@charts.guard("alert", "none")
def draw_kpis(search, _version):
    from queries.attribution import attribute
    state = current_state(search)
    ctx = context.get()
    lang, fmt = state.lang, state.formatter()
    window = ctx.settings.attribution_window_days
    with ctx.engine.connect() as conn:
        # first_touch needs no journey set: the cheapest way to the totals
        now = attribute(conn, state.period, state.filters, model="first_touch", window_days=window)
        before = attribute(conn, state.compare_period, state.filters, model="first_touch", window_days=window)
    for r in (now, before):
        r["journeys"] = (r.get("converting_journeys") or 0) + (r.get("non_converting_journeys") or 0)
    notes = {"total_conversions": tr("attribution.kpi_note_total", lang),
             "total_value": tr("attribution.kpi_note_total", lang),
             "unattributed_conversions": tr("attribution.kpi_note_unattributed", lang,
                                            value=fmt.money(now.get("unattributed_value"), 0)),
             "journeys": tr("attribution.kpi_note_journeys", lang, conv=fmt.count(now.get("converting_journeys")),
                            non=fmt.count(now.get("non_converting_journeys")))}
    compare_label = tr(state.compare_label_key, lang)
    cards = [kpi_card(name, lang, fmt, value=now.get(name), previous=before.get(name), spec=spec,
                      label=tr(f"attribution.kpi.{name}", lang), compare_label=compare_label, note=notes[name])
             for name, spec in KPI_CARDS]
    return cards, fmt.period(state.period.start, state.period.end)


@dash.callback(
    Output(MODELS, "figure"),
    Output(TOTALS, "children"),
    Input(ids.URL, "search"),
    Input(ids.DATA_VERSION, "data"),
)
@charts.guard("figure", "none")
def draw_models(search, _version):
    from queries.attribution import ALL_MODELS, attribute_all_models
    state = current_state(search)
    ctx = context.get()
    lang, fmt = state.lang, state.formatter()
    window = ctx.settings.attribution_window_days
    with ctx.engine.connect() as conn:
        result = attribute_all_models(conn, state.period, state.filters, window_days=window, key="channel")
    measure = parse_measure(get_param(search, "measure"))
    text = totals_text(result, fmt, lang, window) if result.get("total_conversions") or \
        result.get("unattributed_conversions") else None
    return models_figure(result, measure, fmt, lang, model_names=ALL_MODELS), text


@dash.callback(
    Output(PATHS, "children"),
    Output(PATHS_NOTE, "children"),
    Output(SANKEY, "figure"),
    Output(TRANSITIONS, "figure"),
    Input(ids.URL, "search"),
    Input(ids.DATA_VERSION, "data"),
)
@charts.guard("alert", "none", "figure", "figure")
def draw_journeys(search, _version):
    from queries.paths import top_paths, transition_matrix
    state = current_state(search)
    ctx = context.get()
    lang, fmt = state.lang, state.formatter()
    window = ctx.settings.attribution_window_days
    with ctx.engine.connect() as conn:
        result = top_paths(conn, state.period, state.filters, window_days=window, key="channel", limit=ALL_PATHS)
        matrix = transition_matrix(conn, state.period, state.filters, window_days=window, key="channel")
    shown = result["paths"][:TOP_PATHS]
    note = tr("attribution.paths_note", lang, shown=fmt.count(len(shown)), distinct=fmt.count(result["distinct_paths"]),
              journeys=fmt.count(result["journeys"])) if shown else None
    return (paths_table(shown, fmt, lang), note,
            sankey_figure(result["paths"], fmt, lang, steps=SANKEY_STEPS), transition_figure(matrix, fmt, lang))


@dash.callback(
    Output(ids.drill_request(PAGE), "data", allow_duplicate=True),
    Input(MODELS, "clickData"),
    Input(ids.page_pattern(PAGE, "path", ALL), "n_clicks"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def open_conversions(click, _path_clicks, search):
    trig = dash.ctx.triggered_id
    lang = current_state(search).lang
    if trig == MODELS:
        channel = charts.clicked_key(click)
        if not channel:
            raise PreventUpdate
        return drilldown.request("attribution.channel",
                                 tr("attribution.drill_channel", lang, channel=i18n.channel_label(channel, lang)),
                                 channel=channel)
    if isinstance(trig, dict) and dash.ctx.triggered[0].get("value"):
        path = trig["key"]
        return drilldown.request("attribution.path", tr("attribution.drill_path", lang, path=i18n.channel_path(path, lang)),
                                 path=path)
    raise PreventUpdate
