"""Overview (path "/"): the headline KPIs, a small funnel and won revenue against target (all on
the first screen at 1440×900), and below them the customer-service KPIs.

Numbers: queries.cycle.kpis (METRICS.md §2) for the period and the comparison period,
queries.cycle.kpi_trend for the sparklines, queries.targets (target_attainment / target_for) for
the targets, queries.funnel.funnel (§1) for the funnel, queries.service.service_kpis (§8; backlog,
median resolution hours, CSAT with their targets) for the service row. Clicking a funnel stage
opens the funnel page with the same view; clicking a month or a KPI card lists the deals (service
cards: the cases) behind it.
"""
from __future__ import annotations

from datetime import date

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, html
from dash.exceptions import PreventUpdate

import context
from dashboard import i18n, ids
from dashboard.components import blocks, charts, drilldown
from dashboard.components.kpi_card import elapsed_fraction, kpi_card
from dashboard.pages import PAGE_PATHS
from dashboard.pages._service_cases import CASES, CASES_SOURCE
from dashboard.urlstate import current_state, state_from_query, today_in
from queries.period import Period

dash.register_page(__name__, path=PAGE_PATHS["overview"], name="overview", title="Overview", order=0)

PAGE = "overview"
#: The cards, in order, and which deals list (queries.cycle.deals_list kind) is behind each.
KPI_CARDS = (
    ("won_revenue", "won"), ("win_rate", "closed"), ("avg_deal_size", "won"),
    ("cycle_days_median", "won"), ("open_pipeline", "open"), ("weighted_pipeline", "open"),
    ("sales_velocity", "open"), ("new_leads", None),
)
#: KPIs measured at the period's end (no monthly trend).
AT_PERIOD_END = {"open_pipeline", "weighted_pipeline", "sales_velocity"}
#: The service row (METRICS.md §8 names; also the targets' kpi names).
SERVICE_KPIS = ("backlog", "resolution_hours_median", "csat")
SERVICE = ids.page_id(PAGE, "service-kpis")  # not in #overview-kpis: that row holds the sales KPIs
SERVICE_LINK = ids.page_id(PAGE, "service-link")
#: Height of the funnel and revenue charts: with the two KPI rows they fit a 1440×900 screen.
CHART_HEIGHT = 250


def _deals(conn, period, filters, *, ctx, limit, offset, sort, kind="won", month=None):
    from queries.cycle import deals_list
    return deals_list(conn, period, filters, kind=kind, month=month, pipeline=ctx.pipeline,
                      stale_days=ctx.settings.stale_days, limit=limit, offset=offset, sort=sort)


drilldown.register(drilldown.Source("overview.deals", _deals))
drilldown.register(CASES_SOURCE)


def layout(**query):
    state = state_from_query(query)
    lang, fmt = state.lang, state.formatter()
    placeholders = [html.Div(className="kpi-card kpi-placeholder card") for _ in KPI_CARDS]
    return html.Div([
        blocks.page_header(i18n.t("overview.title", lang),
                           subtitle=fmt.period(state.period.start, state.period.end),
                           title_id=ids.OVERVIEW_TITLE),
        dash.dcc.Loading(html.Div(placeholders, id=ids.OVERVIEW_KPIS, className="kpi-grid"),
                         type="circle", color=charts.PRIMARY, delay_show=300,
                         overlay_style={"visibility": "visible", "opacity": 0.5}),
        html.Div([
            html.Div(blocks.chart_card(i18n.t("overview.funnel", lang),
                                       charts.graph(ids.OVERVIEW_FUNNEL, lang, CHART_HEIGHT, clickable=True),
                                       hint=i18n.t("overview.funnel_hint", lang)), className="col-5"),
            html.Div(blocks.chart_card(i18n.t("overview.revenue", lang),
                                       charts.graph(ids.OVERVIEW_REVENUE, lang, CHART_HEIGHT, clickable=True),
                                       hint=i18n.t("overview.revenue_hint", lang)), className="col-7"),
        ], className="row g-3 mb-3"),
        _service_row(lang),
        drilldown.panel(PAGE, lang),
    ])


def _service_row(lang: str) -> html.Div:
    """Heading with a link to the service page, and the service KPI cards (drawn by callback)."""
    placeholders = [html.Div(className="kpi-card kpi-placeholder card") for _ in SERVICE_KPIS]
    link = dbc.Button([i18n.t("overview.service_link", lang), html.I(className="bi bi-arrow-right ms-1")],
                      id=SERVICE_LINK, n_clicks=0, color="link", size="sm", className="p-0")
    return html.Div([
        html.Div([html.H2([html.I(className="bi bi-headset me-2"), i18n.t("overview.service", lang)],
                          className="card-title-sm mb-0"), link],
                 className="d-flex align-items-center justify-content-between gap-3 mb-2"),
        dash.dcc.Loading(html.Div(placeholders, id=SERVICE, className="kpi-grid"),
                         type="circle", color=charts.PRIMARY, delay_show=300,
                         overlay_style={"visibility": "visible", "opacity": 0.5}),
    ])


def _trend_values(trend: list[dict], name: str):
    if name in AT_PERIOD_END or not trend or name not in trend[0]:
        return None
    return [(row["month"], row.get(name)) for row in trend]


@dash.callback(
    Output(ids.OVERVIEW_KPIS, "children"),
    Output(ids.OVERVIEW_TITLE, "children"),
    Input(ids.URL, "search"),
    Input(ids.DATA_VERSION, "data"),
)
@charts.guard("alert", "none")
def draw_kpis(search, _version):
    from queries.cycle import kpi_trend, kpis
    from queries.targets import target_attainment
    state = current_state(search)
    ctx = context.get()
    lang, fmt = state.lang, state.formatter()
    with ctx.engine.connect() as conn:
        now = kpis(conn, state.period, state.filters, pipeline=ctx.pipeline, stale_days=ctx.settings.stale_days)
        before = kpis(conn, state.compare_period, state.filters, pipeline=ctx.pipeline,
                      stale_days=ctx.settings.stale_days)
        trend = kpi_trend(conn, state.period, state.filters, pipeline=ctx.pipeline)
        targets = {name: target_attainment(conn, state.period, state.filters, kpi=name, actual=now.get(name))["target"]
                   for name, _ in KPI_CARDS}
    today = today_in(ctx.settings.tz)
    trend = [row for row in trend if row["month"] <= f"{today.year:04d}-{today.month:02d}"]  # no future months
    elapsed = elapsed_fraction(state.period, today)
    compare_label = i18n.t(state.compare_label_key, lang)
    cards = []
    for name, kind in KPI_CARDS:
        card = kpi_card(name, lang, fmt, value=now.get(name), previous=before.get(name),
                        compare_label=compare_label, trend=_trend_values(trend, name),
                        target=targets.get(name), elapsed=elapsed,
                        note=i18n.t("kpi.at_period_end", lang) if name in AT_PERIOD_END else None)
        if kind:
            card = html.Div(card, id=ids.page_pattern(PAGE, "kpi", name), n_clicks=0,
                            className="kpi-click", title=i18n.t("chart.click_hint", lang))
        cards.append(card)
    return cards, fmt.period(state.period.start, state.period.end)


@dash.callback(
    Output(SERVICE, "children"),
    Input(ids.URL, "search"),
    Input(ids.DATA_VERSION, "data"),
)
@charts.guard("alert")
def draw_service_kpis(search, _version):
    """Backlog, median resolution hours and CSAT with their change and targets (lower is better
    for the first two: kpi_card inverts their attainment as for cycle length)."""
    from dashboard.pages._service_figures import has_cases, kpi_cards, kpi_value, visible_months
    from queries.service import csat_trend, service_kpis
    from queries.targets import target_attainment
    state = current_state(search)
    ctx = context.get()
    lang, fmt = state.lang, state.formatter()
    with ctx.engine.connect() as conn:
        now = service_kpis(conn, state.period, state.filters)
        before = service_kpis(conn, state.compare_period, state.filters)
        if not has_cases(now, before):
            return charts.empty_state(lang, i18n.t("overview.service_none", lang))
        months = csat_trend(conn, state.period, state.filters)
        targets = {name: target_attainment(conn, state.period, state.filters, kpi=name,
                                           actual=kpi_value(now, name))["target"] for name in SERVICE_KPIS}
    today = today_in(ctx.settings.tz)
    return kpi_cards(now, before, fmt, lang, compare_label=i18n.t(state.compare_label_key, lang), targets=targets,
                     elapsed=elapsed_fraction(state.period, today), csat_trend=visible_months(months, today),
                     names=SERVICE_KPIS, card_id=lambda name: ids.page_pattern(PAGE, "service-kpi", name))


@dash.callback(
    Output(ids.OVERVIEW_FUNNEL, "figure"),
    Input(ids.URL, "search"),
    Input(ids.DATA_VERSION, "data"),
)
@charts.guard("figure")
def draw_funnel(search, _version):
    from queries.funnel import funnel
    state = current_state(search)
    ctx = context.get()
    with ctx.engine.connect() as conn:
        result = funnel(conn, state.period, state.filters, pipeline=ctx.pipeline)
    return charts.funnel_figure(result["stages"], state.formatter(), state.lang)


def _month_period(period: Period, label: str) -> Period:
    """The part of `period` inside month `label` ('YYYY-MM')."""
    from queries.period import add_months
    first = date.fromisoformat(label + "-01")
    return Period(max(period.start, first), min(period.end, add_months(first, 1)), period.tz_name)


@dash.callback(
    Output(ids.OVERVIEW_REVENUE, "figure"),
    Input(ids.URL, "search"),
    Input(ids.DATA_VERSION, "data"),
)
@charts.guard("figure")
def draw_revenue(search, _version):
    from queries.cycle import kpi_trend
    from queries.targets import target_for
    state = current_state(search)
    ctx = context.get()
    with ctx.engine.connect() as conn:
        trend = kpi_trend(conn, state.period, state.filters, pipeline=ctx.pipeline)
        months = [row["month"] for row in trend]
        target = [target_for(conn, _month_period(state.period, m), state.filters, "won_revenue") for m in months]
    if not any(row.get("won_deals") for row in trend) and not any(t is not None for t in target):
        return charts.empty_figure(state.lang)
    return charts.revenue_target_figure(months, [row.get("won_revenue") for row in trend], target,
                                        state.formatter(), state.lang)


@dash.callback(
    Output(ids.NAV, "href", allow_duplicate=True),
    Input(ids.OVERVIEW_FUNNEL, "clickData"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def open_funnel_page(click, search):
    stage = charts.clicked_key(click)
    if not stage or PAGE_PATHS["funnel"] not in {p.get("path") for p in dash.page_registry.values()}:
        raise PreventUpdate
    return dash.get_relative_path(PAGE_PATHS["funnel"]) + (search or "")


@dash.callback(
    Output(ids.drill_request(PAGE), "data", allow_duplicate=True),
    Input(ids.OVERVIEW_REVENUE, "clickData"),
    Input(ids.page_pattern(PAGE, "kpi", ALL), "n_clicks"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def open_deals(click, _kpi_clicks, search):
    trig = dash.ctx.triggered_id
    state = current_state(search)
    lang, fmt = state.lang, state.formatter()
    if trig == ids.OVERVIEW_REVENUE:
        month = charts.clicked_key(click)
        if not month:
            raise PreventUpdate
        return drilldown.request("overview.deals", i18n.t("overview.drill_won_month", lang, month=fmt.month(month, long=True)),
                                 kind="won", month=month)
    if isinstance(trig, dict) and dash.ctx.triggered[0].get("value"):
        name = trig["key"]
        kind = dict(KPI_CARDS).get(name)
        if kind:
            return drilldown.request("overview.deals", i18n.t("overview.drill_kpi", lang, kpi=i18n.t(f"kpi.{name}", lang)),
                                     kind=kind)
    raise PreventUpdate


@dash.callback(
    Output(ids.drill_request(PAGE), "data", allow_duplicate=True),
    Input(ids.page_pattern(PAGE, "service-kpi", ALL), "n_clicks"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def open_cases(_clicks, search):
    """A service card lists the cases behind it (queries.service.cases_list)."""
    from dashboard.pages._service_figures import KPI_KINDS, kpi_label
    trig = dash.ctx.triggered_id
    if not isinstance(trig, dict) or not dash.ctx.triggered[0].get("value") or trig.get("key") not in SERVICE_KPIS:
        raise PreventUpdate
    name, lang = trig["key"], current_state(search).lang
    title = (i18n.t("overview.drill_backlog", lang) if name == "backlog"
             else i18n.t("overview.drill_cases", lang, kpi=kpi_label(name, lang)))
    return drilldown.request(CASES, title, kind=KPI_KINDS[name])


@dash.callback(
    Output(ids.NAV, "href", allow_duplicate=True),
    Input(SERVICE_LINK, "n_clicks"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def open_service_page(n, search):
    if not n or PAGE_PATHS.get("service") not in {p.get("path") for p in dash.page_registry.values()}:
        raise PreventUpdate
    return dash.get_relative_path(PAGE_PATHS["service"]) + (search or "")
