"""Lifecycle (path "/lifecycle"): lifecycle migration, lead conversion, activity lifecycle.

Numbers: queries.lifecycle (METRICS.md §3). migration_matrix between t0 and t1 (default the
period's from and to; the date pickers write `t0`/`t1` = first and last day into the URL, t0 is
the start of its day, t1 the end of its day) drawn as a Sankey diagram and as a heatmap;
lead_conversion overall (KPI cards, against the comparison period) and by lead source channel
and campaign; activity_lifecycle per month as diverging stacked bars (customers or revenue).

Clicks: a Sankey flow or a heatmap cell lists the customers who moved (migration_customers; the
grid's count is the cell's number); a conversion bar or a KPI card lists those leads
(lead_conversion_customers). Customer names appear only in those grids.
"""
from __future__ import annotations

from datetime import date

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

import context
from dashboard import ids
from dashboard.components import blocks, charts, drilldown
from dashboard.components.drilldown import Column
from dashboard.components.filter_bar import DATE_FORMATS
from dashboard.components.kpi_card import KpiSpec, kpi_card
from dashboard.pages import PAGE_PATHS
from dashboard.urlstate import current_state, get_param, inclusive_end, set_params, state_from_query, today_in

from ._lifecycle_figures import (
    activity_figure, clicked_cell, conversion_figure, heatmap_figure, iso_date, migration_dates, migration_times,
    sankey_figure,
)
from ._lifecycle_texts import PAGE_TEXTS, group_label, leads_title, migration_title, stage_label, tr

dash.register_page(__name__, path=PAGE_PATHS["lifecycle"], name="lifecycle", title="Lifecycle", order=3)

PAGE = "lifecycle"
SUBTITLE = ids.page_id(PAGE, "subtitle")
KPIS = ids.page_id(PAGE, "kpis")
SANKEY = ids.page_id(PAGE, "sankey")
HEATMAP = ids.page_id(PAGE, "heatmap")
RANGE = ids.page_id(PAGE, "range")
T0 = ids.page_id(PAGE, "t0")
T1 = ids.page_id(PAGE, "t1")
RESET = ids.page_id(PAGE, "reset-dates")
PICKERS = ids.page_id(PAGE, "pickers")
CONV_CHANNEL = ids.page_id(PAGE, "conv-channel")
CONV_CAMPAIGN = ids.page_id(PAGE, "conv-campaign")
ACTIVITY = ids.page_id(PAGE, "activity")
MEASURE = ids.page_id(PAGE, "measure")
TOP_CAMPAIGNS = 12
CHART_HEIGHT = 420
#: KPI cards: name, label key, spec, which leads the card lists (lead_conversion_customers `converted`).
KPI_CARDS = (
    ("new_leads", None, None, "all"),
    ("converted", "lifecycle.kpi_converted", KpiSpec("count", additive=True), "converted"),
    ("rate", "lifecycle.kpi_rate", KpiSpec("percent", change="points"), "all"),
)


# --- drill-down sources ----------------------------------------------------------------------
CUSTOMER_COLUMNS = (
    Column("customer_id", "col.customer_id", width=145),
    Column("name", "col.customer_name", width=220),
    Column("region", "col.region", width=110),
    Column("country", PAGE_TEXTS["lifecycle.col.country"], width=100),
    Column("industry", PAGE_TEXTS["lifecycle.col.industry"], width=140),
    Column("company_size", PAGE_TEXTS["lifecycle.col.company_size"], width=165, min_width=165),
)
LEAD_COLUMNS = CUSTOMER_COLUMNS + (
    Column("lead_channel", PAGE_TEXTS["lifecycle.col.lead_channel"], width=160),  # in words (_leads)
    Column("lead_campaign", PAGE_TEXTS["lifecycle.col.lead_campaign"], width=220),
    Column("converted", PAGE_TEXTS["lifecycle.col.converted"], width=150),
)


def _migration_customers(conn, period, filters, *, ctx, limit, offset, sort, from_stage, to_stage,
                         t0=None, t1=None):
    # the same subquery as the matrix: the total is exactly the cell that was clicked
    from queries.lifecycle import migration_customers
    a, b = migration_times(period, *migration_dates(period, t0, t1))
    return migration_customers(conn, period, filters, from_stage=from_stage, to_stage=to_stage, t0=a, t1=b,
                               limit=limit, offset=offset, sort=sort)


def _leads(conn, period, filters, *, ctx, limit, offset, sort, channel=None, campaign=None,
           converted=None, lang="en"):
    from queries.dimensions import filter_options
    from queries.lifecycle import lead_conversion_customers
    df, total = lead_conversion_customers(conn, period, filters, channel=channel, campaign=campaign,
                                          converted=converted, limit=limit, offset=offset, sort=sort)
    names = {o["value"]: o["label"] for o in filter_options(conn).get("campaign", [])}
    df = df.copy()
    df["lead_campaign"] = [group_label(c, lang, kind="campaign", names=names) for c in df["lead_campaign"]]
    df["lead_channel"] = [group_label(c, lang, kind="channel") for c in df["lead_channel"]]
    df["converted"] = [tr("lifecycle.yes" if v else "lifecycle.no", lang) for v in df["converted"]]
    return df, total


drilldown.register(drilldown.Source("lifecycle.migration", _migration_customers, columns=CUSTOMER_COLUMNS))
drilldown.register(drilldown.Source("lifecycle.leads", _leads, columns=LEAD_COLUMNS))


# --- layout ----------------------------------------------------------------------------------
def _date_picker(picker_id, value: date, lang: str, label: str):
    return html.Div([
        html.Span(label, className="small text-muted me-1"),
        dcc.DatePickerSingle(id=picker_id, date=value.isoformat(), display_format=DATE_FORMATS[lang],
                             first_day_of_week=1, clearable=False, className="fb-dates"),
    ], className="d-flex align-items-center")


def _pickers(d0: date, d1: date, lang: str) -> list:
    return [_date_picker(T0, d0, lang, tr("lifecycle.t0", lang)),
            _date_picker(T1, d1, lang, tr("lifecycle.t1", lang)),
            dbc.Button(tr("lifecycle.reset_dates", lang), id=RESET, size="sm", color="link", n_clicks=0,
                       title=tr("lifecycle.reset_dates_title", lang))]


def layout(**query):
    state = state_from_query(query)
    lang, fmt = state.lang, state.formatter()
    d0, d1 = migration_dates(state.period, query.get("t0"), query.get("t1"))
    pickers = html.Div(_pickers(d0, d1, lang), id=PICKERS, className="d-flex align-items-center gap-2 flex-wrap")
    migration = html.Div([
        html.Div(id=RANGE, className="page-subtitle mb-1"),
        html.Div([
            html.Div([html.Div(tr("lifecycle.sankey", lang), className="small text-muted"),
                      charts.graph(SANKEY, lang, CHART_HEIGHT, clickable=True)], className="col-lg-7"),
            html.Div([html.Div(tr("lifecycle.matrix", lang), className="small text-muted"),
                      charts.graph(HEATMAP, lang, CHART_HEIGHT, clickable=True)], className="col-lg-5"),
        ], className="row g-3"),
    ])
    measure = dbc.RadioItems(
        id=MEASURE, value="count", inline=True,
        options=[{"label": tr("lifecycle.measure_count", lang), "value": "count"},
                 {"label": tr("lifecycle.measure_revenue", lang), "value": "revenue"}],
        className="btn-group fb-compare-group", inputClassName="btn-check",
        labelClassName="btn btn-outline-primary btn-sm",
        labelCheckedClassName="active")
    placeholders = [html.Div(className="kpi-card kpi-placeholder card") for _ in KPI_CARDS]
    return html.Div([
        blocks.page_header(tr("lifecycle.title", lang), subtitle=fmt.period(state.period.start, state.period.end),
                           title_id=SUBTITLE),
        dcc.Loading(html.Div(placeholders, id=KPIS, className="kpi-grid",
                             style={"gridTemplateColumns": "repeat(3, minmax(0, 1fr))"}),
                    type="circle", color=charts.PRIMARY, delay_show=300,
                    overlay_style={"visibility": "visible", "opacity": 0.5}),
        html.Div(html.Div(blocks.chart_card(tr("lifecycle.migration", lang), migration, extra=pickers,
                                            hint=tr("lifecycle.migration_hint", lang)), className="col-12"),
                 className="row g-3 mb-3"),
        html.Div([
            html.Div(blocks.chart_card(tr("lifecycle.conv_channel", lang),
                                       charts.graph(CONV_CHANNEL, lang, 360, clickable=True),
                                       hint=tr("lifecycle.conv_hint", lang)), className="col-lg-5"),
            html.Div(blocks.chart_card(tr("lifecycle.conv_campaign_top", lang, n=TOP_CAMPAIGNS),
                                       charts.graph(CONV_CAMPAIGN, lang, 360, clickable=True),
                                       hint=tr("lifecycle.conv_hint", lang)), className="col-lg-7"),
        ], className="row g-3 mb-3"),
        html.Div(html.Div(blocks.chart_card(
            tr("lifecycle.activity", lang),
            html.Div([charts.graph(ACTIVITY, lang, 340),
                      html.Div(tr("lifecycle.activity_note", lang), className="small text-muted mt-1")]),
            extra=measure), className="col-12"), className="row g-3"),
        drilldown.panel(PAGE, lang),
    ])


# --- callbacks -------------------------------------------------------------------------------
@dash.callback(
    Output(KPIS, "children"),
    Output(SUBTITLE, "children"),
    Input(ids.URL, "search"),
    Input(ids.DATA_VERSION, "data"),
)
@charts.guard("alert", "none")
def draw_kpis(search, _version):
    from queries.lifecycle import lead_conversion
    state = current_state(search)
    lang, fmt = state.lang, state.formatter()
    with context.get().engine.connect() as conn:
        now = lead_conversion(conn, state.period, state.filters)
        before = lead_conversion(conn, state.compare_period, state.filters)
    values = {"new_leads": ("leads",), "converted": ("customers",), "rate": ("rate",)}
    compare_label = tr(state.compare_label_key, lang)
    cards = []
    for name, label_key, spec, kind in KPI_CARDS:
        col = values[name][0]
        card = kpi_card(name, lang, fmt, value=now.get(col), previous=before.get(col), compare_label=compare_label,
                        label=tr(label_key, lang) if label_key else None, spec=spec,
                        note=tr("lifecycle.kpi_note", lang) if name != "new_leads" else None)
        cards.append(html.Div(card, id=ids.page_pattern(PAGE, "kpi", name), n_clicks=0, className="kpi-click",
                              title=tr("chart.click_hint", lang)))
    return cards, fmt.period(state.period.start, state.period.end)


@dash.callback(
    Output(SANKEY, "figure"),
    Output(HEATMAP, "figure"),
    Output(RANGE, "children"),
    Input(ids.URL, "search"),
    Input(ids.DATA_VERSION, "data"),
)
@charts.guard("figure", "figure", "none")
def draw_migration(search, _version):
    from queries.lifecycle import migration_matrix
    state = current_state(search)
    lang, fmt = state.lang, state.formatter()
    d0, d1 = migration_dates(state.period, get_param(search, "t0"), get_param(search, "t1"))
    a, b = migration_times(state.period, d0, d1)
    with context.get().engine.connect() as conn:
        result = migration_matrix(conn, state.period, state.filters, t0=a, t1=b)
    l0, l1 = fmt.date(d0), fmt.date(d1)
    matrix = result["matrix"]
    return (sankey_figure(matrix, fmt, lang, t0_label=l0, t1_label=l1, height=CHART_HEIGHT),
            heatmap_figure(matrix, fmt, lang, t0_label=l0, t1_label=l1),
            tr("lifecycle.migration_range", lang, t0=l0, t1=l1))


@dash.callback(
    Output(ids.URL, "search", allow_duplicate=True),
    Input(T0, "date"),
    Input(T1, "date"),
    Input(RESET, "n_clicks"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def write_dates(t0, t1, reset, search):
    """Date pickers -> URL: `t0`/`t1`, absent while they are the period's first/last day."""
    state = current_state(search)
    first, last = state.period.start, inclusive_end(state.period)
    if dash.ctx.triggered_id == RESET:
        if not reset:
            raise PreventUpdate
        new = set_params(search, t0=None, t1=None)
    else:
        d0, d1 = iso_date(t0), iso_date(t1)
        if d0 is None or d1 is None or d1 < d0:
            raise PreventUpdate  # show_dates puts the URL's dates back
        new = set_params(search, t0=None if d0 == first else d0.isoformat(),
                         t1=None if d1 == last else d1.isoformat())
    if new == (search or ""):
        raise PreventUpdate
    return new


@dash.callback(
    Output(PICKERS, "children"),
    Input(ids.URL, "search"),
    State(T0, "date"),
    State(T1, "date"),
)
def show_dates(search, t0, t1):
    """URL -> date pickers (redrawn, not set: a picker value that writes the URL and is written
    from it would be a dependency cycle), only when they show other dates than the URL."""
    state = current_state(search)
    d0, d1 = migration_dates(state.period, get_param(search, "t0"), get_param(search, "t1"))
    if (str(t0 or "")[:10], str(t1 or "")[:10]) == (d0.isoformat(), d1.isoformat()):
        raise PreventUpdate
    return _pickers(d0, d1, state.lang)


@dash.callback(
    Output(CONV_CHANNEL, "figure"),
    Output(CONV_CAMPAIGN, "figure"),
    Input(ids.URL, "search"),
    Input(ids.DATA_VERSION, "data"),
)
@charts.guard("figure", "figure")
def draw_conversion(search, _version):
    from queries.dimensions import filter_options
    from queries.lifecycle import lead_conversion
    state = current_state(search)
    lang, fmt = state.lang, state.formatter()
    with context.get().engine.connect() as conn:
        result = lead_conversion(conn, state.period, state.filters)
        names = {o["value"]: o["label"] for o in filter_options(conn).get("campaign", [])}
    return (conversion_figure(result["by_channel"], fmt, lang, kind="channel"),
            conversion_figure(result["by_campaign"], fmt, lang, kind="campaign", names=names, top=TOP_CAMPAIGNS))


@dash.callback(
    Output(ACTIVITY, "figure"),
    Input(ids.URL, "search"),
    Input(ids.DATA_VERSION, "data"),
    Input(MEASURE, "value"),
)
@charts.guard("figure")
def draw_activity(search, _version, measure):
    from queries.lifecycle import activity_lifecycle
    state = current_state(search)
    ctx = context.get()
    with ctx.engine.connect() as conn:
        rows = activity_lifecycle(conn, state.period, state.filters)
    today = today_in(ctx.settings.tz)
    rows = [r for r in rows if r["month"] <= f"{today.year:04d}-{today.month:02d}"]  # no future months
    return activity_figure(rows, "revenue" if measure == "revenue" else "count", state.formatter(), state.lang)


@dash.callback(
    Output(ids.drill_request(PAGE), "data", allow_duplicate=True),
    Input(SANKEY, "clickData"),
    Input(HEATMAP, "clickData"),
    Input(CONV_CHANNEL, "clickData"),
    Input(CONV_CAMPAIGN, "clickData"),
    Input(ids.page_pattern(PAGE, "kpi", ALL), "n_clicks"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def open_rows(sankey_click, heatmap_click, channel_click, campaign_click, _kpi_clicks, search):
    trig = dash.ctx.triggered_id
    lang = current_state(search).lang
    if trig in (SANKEY, HEATMAP):
        cell = clicked_cell(sankey_click if trig == SANKEY else heatmap_click)
        if not cell:
            raise PreventUpdate
        a, b = cell
        title = migration_title(a, b, lang)
        return drilldown.request("lifecycle.migration", title, from_stage=a, to_stage=b,
                                 t0=get_param(search, "t0"), t1=get_param(search, "t1"))
    if trig in (CONV_CHANNEL, CONV_CAMPAIGN):
        click = channel_click if trig == CONV_CHANNEL else campaign_click
        key = charts.clicked_key(click)
        if key is None:
            raise PreventUpdate
        kind = "channel" if trig == CONV_CHANNEL else "campaign"
        label = (click["points"][0].get("y") or key) if kind == "campaign" else group_label(key, lang, kind=kind)
        return drilldown.request("lifecycle.leads", leads_title(kind, key, label, lang),
                                 lang=lang, **{kind: key})
    if isinstance(trig, dict) and dash.ctx.triggered[0].get("value"):
        converted = trig["key"] == "converted"
        title = tr("lifecycle.drill_converted" if converted else "lifecycle.drill_leads", lang)
        return drilldown.request("lifecycle.leads", title, lang=lang, converted=True if converted else None)
    raise PreventUpdate
