"""Customers (path "/customers"): segments, RFM, Pareto, lifetime value, cohorts, activity.

Numbers (METRICS.md §6, §3): queries.segments.behaviour_segments (customers, revenue and share
per segment at `to`) and rfm_scores (R × F heatmap); queries.pareto.pareto (top-20 % share,
Lorenz deciles, Gini, over the period's revenue); queries.clv.predicted_clv (BG/NBD +
Gamma-Gamma, fitted once per data version and cached there; 12 months, 1 % monthly discount,
the METRICS defaults), summary_and_fit (the parameters) and historical_clv;
queries.cohorts.cohort_retention; queries.lifecycle.activity_lifecycle (by customers and by
revenue).

Clicks: a segment bar lists the segment's customers (segment_customers); an RFM cell lists the
customers with that R and F score (rfm_customers). Customer names appear only in those grids;
charts, hovers and the top-CLV table show ids only.
"""
from __future__ import annotations

import dash
import dash_ag_grid as dag
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

import context
from dashboard import i18n, ids
from dashboard.components import blocks, charts, drilldown
from dashboard.components.drilldown import Column
from dashboard.pages import PAGE_PATHS
from dashboard.urlstate import current_state, state_from_query, today_in

from ._customers_figures import (
    clicked_rfm,
    clv_figure,
    clv_stats_text,
    cohort_figure,
    lorenz_figure,
    params_text,
    pareto_texts,
    rfm_figure,
    segments_figure,
    segments_note,
    top_clv_rows,
    top_column_defs,
)
from ._customers_texts import PAGE_TEXTS, segment_label, tr
from ._lifecycle_figures import activity_figure
from ._lifecycle_texts import tr as lifecycle_tr

dash.register_page(__name__, path=PAGE_PATHS["customers"], name="customers", title="Customers", order=6)

PAGE = "customers"
SUBTITLE = ids.page_id(PAGE, "subtitle")
SEGMENTS = ids.page_id(PAGE, "segments")
SEGMENTS_NOTE = ids.page_id(PAGE, "segments-note")
RFM = ids.page_id(PAGE, "rfm")
RFM_NOTE = ids.page_id(PAGE, "rfm-note")
PARETO = ids.page_id(PAGE, "pareto")
PARETO_TEXT = ids.page_id(PAGE, "pareto-text")
CLV = ids.page_id(PAGE, "clv")
CLV_STATS = ids.page_id(PAGE, "clv-stats")
CLV_PARAMS = ids.page_id(PAGE, "clv-params")
TOP = ids.page_id(PAGE, "top")
TOP_NOTE = ids.page_id(PAGE, "top-note")
COHORTS = ids.page_id(PAGE, "cohorts")
ACTIVITY_COUNT = ids.page_id(PAGE, "activity-count")
ACTIVITY_REVENUE = ids.page_id(PAGE, "activity-revenue")
HORIZON_MONTHS = 12
MONTHLY_DISCOUNT = 0.01
TOP_N = 25


# --- drill-down sources ----------------------------------------------------------------------
def _segment(conn, period, filters, *, ctx, limit, offset, sort, segment):
    from queries.segments import segment_customers
    return segment_customers(conn, period, filters, segment=segment, limit=limit, offset=offset, sort=sort)


def _rfm(conn, period, filters, *, ctx, limit, offset, sort, r=None, f=None):
    from queries.segments import rfm_customers
    return rfm_customers(conn, period, filters, r=r, f=f, limit=limit, offset=offset, sort=sort)


_CUSTOMER = (
    Column("customer_id", "col.customer_id", width=130),
    Column("name", "col.customer_name", width=210),
    Column("region", "col.region", width=110),
    Column("country", PAGE_TEXTS["customers.col.country"], width=100),
    Column("industry", PAGE_TEXTS["customers.col.industry"], width=140),
    Column("company_size", PAGE_TEXTS["customers.col.company_size"], width=150),
)
SEGMENT_COLUMNS = _CUSTOMER + (
    Column("orders", PAGE_TEXTS["customers.col.orders"], "count", width=120),
    Column("revenue", PAGE_TEXTS["customers.col.revenue"], "money", width=130),
    Column("last_order_at", PAGE_TEXTS["customers.col.last_order_at"], "datetime", width=160),
)
RFM_COLUMNS = _CUSTOMER + (
    Column("recency_days", PAGE_TEXTS["customers.col.recency_days"], "days", width=150),
    Column("frequency", PAGE_TEXTS["customers.col.frequency_orders"], "count", width=130),
    Column("monetary", PAGE_TEXTS["customers.col.monetary"], "money", width=130),
    Column("r", PAGE_TEXTS["customers.col.r"], "count", width=70),
    Column("f", PAGE_TEXTS["customers.col.f"], "count", width=70),
    Column("m", PAGE_TEXTS["customers.col.m"], "count", width=70),
)
drilldown.register(drilldown.Source("customers.segment", _segment, columns=SEGMENT_COLUMNS))
drilldown.register(drilldown.Source("customers.rfm", _rfm, columns=RFM_COLUMNS))


# --- layout ----------------------------------------------------------------------------------
def _top_grid(lang: str, currency: str) -> dag.AgGrid:
    from ._campaigns_figures import GRID_THEME
    options = {"animateRows": False, "theme": {"function": GRID_THEME}, "enableCellTextSelection": True,
               "tooltipShowDelay": 300, "localeText": {"noRowsToShow": i18n.t("drill.empty", lang)}}
    if lang == "de":
        options["localeText"].update({"thousandSeparator": ".", "decimalSeparator": ","})
    return dag.AgGrid(id=TOP, rowData=[], columnDefs=top_column_defs(lang, currency, HORIZON_MONTHS),
                      getRowId="params.data.customer_id", dashGridOptions=options,
                      defaultColDef={"resizable": True, "flex": 1, "wrapHeaderText": True, "autoHeaderHeight": True,
                                     "suppressHeaderMenuButton": True},
                      style={"height": "400px"})


def layout(**query):
    state = state_from_query(query)
    lang, fmt = state.lang, state.formatter()
    muted = "small text-muted mt-1"

    def card(title, body, col, hint=None):
        return html.Div(blocks.chart_card(title, body, hint=hint), className=col)
    return html.Div([
        blocks.page_header(tr("customers.title", lang), subtitle=fmt.period(state.period.start, state.period.end),
                           title_id=SUBTITLE),
        html.Div([
            card(tr("customers.segments", lang),
                 html.Div([charts.graph(SEGMENTS, lang, 330, clickable=True), html.Div(id=SEGMENTS_NOTE, className=muted)]),
                 "col-lg-7", hint=tr("customers.segments_hint", lang)),
            card(tr("customers.rfm", lang),
                 html.Div([charts.graph(RFM, lang, 330, clickable=True), html.Div(id=RFM_NOTE, className=muted)]),
                 "col-lg-5", hint=tr("customers.rfm_hint", lang)),
        ], className="row g-3 mb-3"),
        html.Div([
            card(tr("customers.pareto", lang),
                 html.Div([html.Div(id=PARETO_TEXT, className="mb-1"), charts.graph(PARETO, lang, 330)]), "col-lg-5"),
            card(tr("customers.clv", lang, h=HORIZON_MONTHS),
                 html.Div([charts.graph(CLV, lang, 300), html.Div(id=CLV_STATS, className=muted),
                           html.Div(id=CLV_PARAMS, className="text-muted mt-1", style={"fontSize": "0.72rem"})]),
                 "col-lg-7"),
        ], className="row g-3 mb-3"),
        html.Div([
            card(tr("customers.top", lang),
                 html.Div([dcc.Loading(_top_grid(lang, state.currency), type="circle", delay_show=250),
                           html.Div(id=TOP_NOTE, className=muted)]), "col-lg-6"),
            card(tr("customers.cohorts", lang),
                 html.Div([charts.graph(COHORTS, lang, 400),
                           html.Div(tr("customers.cohorts_note", lang), className=muted)]), "col-lg-6"),
        ], className="row g-3 mb-3"),
        html.Div([
            card(tr("customers.activity_count", lang), charts.graph(ACTIVITY_COUNT, lang, 320), "col-lg-6"),
            card(tr("customers.activity_revenue", lang), charts.graph(ACTIVITY_REVENUE, lang, 320), "col-lg-6"),
            html.Div(html.Div(lifecycle_tr("lifecycle.activity_note", lang), className="small text-muted"),
                     className="col-12 mt-1"),
        ], className="row g-3"),
        drilldown.panel(PAGE, lang),
    ])


# --- callbacks -------------------------------------------------------------------------------
@dash.callback(
    Output(SEGMENTS, "figure"),
    Output(SEGMENTS_NOTE, "children"),
    Output(SUBTITLE, "children"),
    Input(ids.URL, "search"),
    Input(ids.DATA_VERSION, "data"),
)
@charts.guard("figure", "none", "none")
def draw_segments(search, _version):
    from queries.segments import DEFAULT_THRESHOLDS, behaviour_segments
    state = current_state(search)
    lang, fmt = state.lang, state.formatter()
    with context.get().engine.connect() as conn:
        segments = behaviour_segments(conn, state.period, state.filters)
    return (segments_figure(segments, fmt, lang), segments_note(segments, DEFAULT_THRESHOLDS, fmt, lang),
            fmt.period(state.period.start, state.period.end))


@dash.callback(
    Output(RFM, "figure"),
    Output(RFM_NOTE, "children"),
    Input(ids.URL, "search"),
    Input(ids.DATA_VERSION, "data"),
)
@charts.guard("figure", "none")
def draw_rfm(search, _version):
    from queries.segments import rfm_scores
    state = current_state(search)
    lang, fmt = state.lang, state.formatter()
    with context.get().engine.connect() as conn:
        rfm = rfm_scores(conn, state.period, state.filters)
    note = tr("customers.rfm_note", lang, n=fmt.count(rfm["customers"])) if rfm.get("customers") else None
    return rfm_figure(rfm, fmt, lang), note


@dash.callback(
    Output(PARETO, "figure"),
    Output(PARETO_TEXT, "children"),
    Input(ids.URL, "search"),
    Input(ids.DATA_VERSION, "data"),
)
@charts.guard("figure", "alert")
def draw_pareto(search, _version):
    from queries.pareto import pareto
    state = current_state(search)
    lang, fmt = state.lang, state.formatter()
    with context.get().engine.connect() as conn:
        result = pareto(conn, state.period, state.filters)
    texts = pareto_texts(result, fmt, lang)
    text = [html.Div(texts[0], className="fw-semibold"), html.Div(texts[1], className="small text-muted")] \
        if texts else None
    return lorenz_figure(result, fmt, lang), text


@dash.callback(
    Output(CLV, "figure"),
    Output(CLV_STATS, "children"),
    Output(CLV_PARAMS, "children"),
    Output(TOP, "rowData"),
    Output(TOP_NOTE, "children"),
    Input(ids.URL, "search"),
    Input(ids.DATA_VERSION, "data"),
)
@charts.guard("figure", "none", "none", "empty", "alert")
def draw_clv(search, _version):
    from queries.clv import historical_clv, predicted_clv, summary_and_fit
    state = current_state(search)
    lang, fmt = state.lang, state.formatter()
    with context.get().engine.connect() as conn:
        df = predicted_clv(conn, state.period, state.filters, horizon_months=HORIZON_MONTHS,
                           monthly_discount=MONTHLY_DISCOUNT)
        _, fit = summary_and_fit(conn, state.period, state.filters)  # cached: the same fit
        historical = historical_clv(conn, state.period, state.filters)
    values = df["predicted_clv"].tolist()
    if df.empty:
        return charts.empty_figure(lang), None, None, [], None
    missing = int(df["predicted_clv"].isna().sum())
    stats = clv_stats_text(values, historical, fmt, lang)
    if missing:
        stats += " " + tr("customers.clv_missing", lang, n=fmt.count(missing))
    rows = top_clv_rows(df, TOP_N)
    note = tr("customers.top_note", lang, n=fmt.count(len(rows)), total=fmt.count(len(df) - missing))
    return (clv_figure(values, fmt, lang), stats,
            params_text(fit, fmt, lang, horizon_months=HORIZON_MONTHS, monthly_discount=MONTHLY_DISCOUNT), rows, note)


@dash.callback(
    Output(COHORTS, "figure"),
    Input(ids.URL, "search"),
    Input(ids.DATA_VERSION, "data"),
)
@charts.guard("figure")
def draw_cohorts(search, _version):
    from queries.cohorts import cohort_retention
    state = current_state(search)
    ctx = context.get()
    with ctx.engine.connect() as conn:
        cohorts = cohort_retention(conn, state.period, state.filters)
    today = today_in(ctx.settings.tz)
    return cohort_figure(cohorts, state.formatter(), state.lang, last_month=f"{today.year:04d}-{today.month:02d}")


@dash.callback(
    Output(ACTIVITY_COUNT, "figure"),
    Output(ACTIVITY_REVENUE, "figure"),
    Input(ids.URL, "search"),
    Input(ids.DATA_VERSION, "data"),
)
@charts.guard("figure", "figure")
def draw_activity(search, _version):
    from queries.lifecycle import activity_lifecycle
    state = current_state(search)
    ctx = context.get()
    with ctx.engine.connect() as conn:
        rows = activity_lifecycle(conn, state.period, state.filters)
    today = today_in(ctx.settings.tz)
    rows = [r for r in rows if r["month"] <= f"{today.year:04d}-{today.month:02d}"]  # no future months
    fmt = state.formatter()
    return activity_figure(rows, "count", fmt, state.lang), activity_figure(rows, "revenue", fmt, state.lang)


@dash.callback(
    Output(ids.drill_request(PAGE), "data", allow_duplicate=True),
    Input(SEGMENTS, "clickData"),
    Input(RFM, "clickData"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def open_customers(segment_click, rfm_click, search):
    trig = dash.ctx.triggered_id
    lang = current_state(search).lang
    if trig == SEGMENTS:
        segment = charts.clicked_key(segment_click)
        if not segment:
            raise PreventUpdate
        return drilldown.request("customers.segment", tr("customers.drill_segment", lang,
                                                         segment=segment_label(segment, lang)), segment=segment)
    if trig == RFM:
        cell = clicked_rfm(rfm_click)
        if not cell:
            raise PreventUpdate
        r, f = cell
        return drilldown.request("customers.rfm", tr("customers.drill_rfm", lang, r=r, f=f), r=r, f=f)
    raise PreventUpdate
