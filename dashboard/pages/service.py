"""Customer-service page (path /service): case volumes, backlog, response and resolution times,
CSAT, agents, and service against retention (METRICS.md §8).

Numbers: queries.service.service_kpis (cards for the period and the comparison period; "service
and retention" in words), service_trend (weeks), csat_trend (months), service_by (priority,
channel, agent) and cases_list (every drill-down), queries.targets.target_attainment (targets of
the cards, only without an agent filter: a target's scope cannot name an agent). The page's own
URL parameter (bookmarkable, dashboard/urlstate.py extras):
    agent=a1,a2     the agents (cases.owner_id; `(none)` for cases without one) whose cases count
                    on this page; the global filters apply as well

Clicks (all open the drill-down panel with queries.service.cases_list):
    KPI card               -> the cases behind it (opened / resolved / backlog / rated)
    trend week             -> kind="opened", week=<Monday>
    CSAT month             -> kind="rated", resolved in that month
    priority/channel bar   -> first response: kind="opened"; resolution: kind="resolved"; with that value
    agent row              -> that agent's cases opened in the period (resolved if none were opened);
                              its "Filter" cell limits the page to the agent instead
"""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

import context
from dashboard import i18n, ids
from dashboard.components import blocks, charts, drilldown
from dashboard.components.kpi_card import elapsed_fraction
from dashboard.pages import PAGE_PATHS
from dashboard.pages._service_cases import CASES, CASES_SOURCE
from dashboard.pages._service_figures import (
    KPI_CARDS,
    KPI_KINDS,
    TARGET_KPIS,
    agent_grid,
    agent_options,
    agent_rows,
    clicked_group,
    csat_figure,
    kpi_cards,
    kpi_label,
    kpi_value,
    parse_agents,
    times_figure,
    trend_figure,
    visible_months,
    visible_weeks,
)
from dashboard.pages._service_retention import comparable, retention_sentences
from dashboard.pages._service_texts import tr, value_label
from dashboard.urlstate import (
    current_state,
    get_param,
    set_params,
    state_from_query,
    today_in,
)

dash.register_page(__name__, path=PAGE_PATHS["service"], name="service", title="Customer service", order=8)

PAGE = "service"
SUBTITLE = ids.page_id(PAGE, "subtitle")
AGENT = ids.page_id(PAGE, "agent")
AGENT_WRAP = ids.page_id(PAGE, "agent-wrap")
KPIS = ids.page_id(PAGE, "kpis")
TREND = ids.page_id(PAGE, "trend")
CSAT = ids.page_id(PAGE, "csat")
BY_PRIORITY = ids.page_id(PAGE, "by-priority")
BY_CHANNEL = ids.page_id(PAGE, "by-channel")
AGENTS = ids.page_id(PAGE, "agents")
AGENTS_GRID = ids.page_id(PAGE, "agents-grid")
RETENTION = ids.page_id(PAGE, "retention")

drilldown.register(CASES_SOURCE)


def _agents(search_or_state) -> tuple[str, ...]:
    if hasattr(search_or_state, "extra"):
        return parse_agents(search_or_state.extra.get("agent"))
    return parse_agents(get_param(search_or_state, "agent"))


def _agent_param(agents: tuple[str, ...]) -> dict:
    """The drill-down's `agent` param: the page's agent filter, when there is one."""
    return {"agent": list(agents)} if agents else {}


# --- layout ---------------------------------------------------------------------------------
def _agent_control(agents: tuple[str, ...], options: list[dict], lang: str) -> list:
    return [
        html.Label(tr("service.agent", lang), htmlFor=AGENT, className="fb-label mb-0 me-2",
                   title=tr("service.agent_hint", lang)),
        dcc.Dropdown(id=AGENT, value=list(agents), options=options, multi=True,
                     placeholder=tr("service.agent_all", lang), labels=i18n.dropdown_labels(lang),
                     closeOnSelect=False, debounce=True, maxHeight=300,  # the URL changes when the menu closes
                     className="fb-dropdown", style={"minWidth": "260px", "maxWidth": "420px", "fontSize": "0.85rem"}),
    ]


def _loading(child):
    return dcc.Loading(child, type="circle", color=charts.PRIMARY, delay_show=250,
                       overlay_style={"visibility": "visible", "opacity": 0.45})


def layout(**query):
    state = state_from_query(query)
    lang, fmt = state.lang, state.formatter()
    agents = _agents(state)

    def card(title_key, body, hint_key=None):
        return blocks.chart_card(tr(title_key, lang), body, hint=tr(hint_key, lang) if hint_key else None)

    placeholders = [html.Div(className="kpi-card kpi-placeholder card") for _ in KPI_CARDS]
    return html.Div([
        blocks.page_header(tr("service.title", lang), subtitle=fmt.period(state.period.start, state.period.end),
                           title_id=SUBTITLE,
                           extra=html.Div(_agent_control(agents, agent_options([], agents, lang), lang),
                                          id=AGENT_WRAP, className="d-flex align-items-center")),
        _loading(html.Div(placeholders, id=KPIS, className="kpi-grid")),
        html.Div([
            html.Div(card("service.trend", charts.graph(TREND, lang, 320, clickable=True), "service.trend_hint"),
                     className="col-12 col-xl-8"),
            html.Div(card("service.csat_trend", charts.graph(CSAT, lang, 320, clickable=True), "service.csat_hint"),
                     className="col-12 col-xl-4"),
        ], className="row g-3 mb-3"),
        html.Div([
            html.Div(card("service.by_priority", charts.graph(BY_PRIORITY, lang, 300, clickable=True),
                          "service.by_hint"),
                     className="col-12 col-xl-6"),
            html.Div(card("service.by_channel", charts.graph(BY_CHANNEL, lang, 300, clickable=True), "service.by_hint"),
                     className="col-12 col-xl-6"),
        ], className="row g-3 mb-3"),
        html.Div([
            # side by side only where the agent table's nine columns fit (xxl, ≥ 1400 px)
            html.Div(card("service.agents", _loading(html.Div(id=AGENTS)), "service.agents_hint"),
                     className="col-12 col-xxl-8"),
            html.Div(card("service.retention", _loading(html.Div(id=RETENTION, className="service-retention"))),
                     className="col-12 col-xxl-4"),
        ], className="row g-3 mb-3"),
        drilldown.panel(PAGE, lang),
    ])


def retention_block(result: dict, fmt, lang: str, agents: tuple[str, ...] = ()) -> html.Div:
    """The retention statement, with the two shares as bars when the groups can be compared."""
    parts = [html.P(s, className="mb-2" if i else "mb-2 fw-semibold")
             for i, s in enumerate(retention_sentences(result, fmt, lang))]
    if comparable(result):
        bars = []
        for key, label_key, color in (("bad_rated_case", "service.retention_bad", "danger"),
                                      ("no_case", "service.retention_none", "primary")):
            g = result[key]
            share = f"{fmt.percent(g['share_active'], 0)} ({fmt.count(g['active'])}/{fmt.count(g['customers'])})"
            bars.append(html.Div([
                html.Div([html.Span(tr(label_key, lang)),
                          html.Span(share, className="ms-auto fw-semibold")], className="d-flex small"),
                dbc.Progress(value=(g["share_active"] or 0) * 100, color=color, className="kpi-progress mb-2"),
            ]))
        parts.insert(1, html.Div(bars, className="mb-2", style={"maxWidth": "560px"}))
    if agents:
        parts.append(html.Div([html.I(className="bi bi-funnel me-1"), tr("service.retention_agent_note", lang)],
                              className="small text-muted"))
    return html.Div(parts, className="small")


# --- callbacks -------------------------------------------------------------------------------
@dash.callback(
    Output(KPIS, "children"),
    Output(RETENTION, "children"),
    Output(SUBTITLE, "children"),
    Input(ids.URL, "search"),
    Input(ids.DATA_VERSION, "data"),
)
@charts.guard("alert", "alert", "none")
def draw_summary(search, _version):
    from queries.service import csat_trend, service_kpis
    from queries.targets import target_attainment
    state = current_state(search)
    agents = _agents(state)
    agent = agents or None
    ctx = context.get()
    lang, fmt = state.lang, state.formatter()
    with ctx.engine.connect() as conn:
        now = service_kpis(conn, state.period, state.filters, agent=agent)
        before = service_kpis(conn, state.compare_period, state.filters, agent=agent)
        months = csat_trend(conn, state.period, state.filters, agent=agent)
        # a target's scope names a region or an owner, never an agent
        targets = {} if agents else {
            name: target_attainment(conn, state.period, state.filters, kpi=name, actual=kpi_value(now, name))["target"]
            for name in TARGET_KPIS}
    today = today_in(ctx.settings.tz)
    cards = kpi_cards(now, before, fmt, lang, compare_label=tr(state.compare_label_key, lang), targets=targets,
                      elapsed=elapsed_fraction(state.period, today), csat_trend=visible_months(months, today),
                      card_id=lambda name: ids.page_pattern(PAGE, "kpi", name))
    return (cards, retention_block(now["service_and_retention"], fmt, lang, agents),
            fmt.period(state.period.start, state.period.end))


@dash.callback(Output(TREND, "figure"), Input(ids.URL, "search"), Input(ids.DATA_VERSION, "data"))
@charts.guard("figure")
def draw_trend(search, _version):
    from queries.service import service_trend
    state = current_state(search)
    ctx = context.get()
    with ctx.engine.connect() as conn:
        weeks = service_trend(conn, state.period, state.filters, agent=_agents(state) or None)
    return trend_figure(visible_weeks(weeks, today_in(ctx.settings.tz)), state.formatter(), state.lang)


@dash.callback(Output(CSAT, "figure"), Input(ids.URL, "search"), Input(ids.DATA_VERSION, "data"))
@charts.guard("figure")
def draw_csat(search, _version):
    from queries.service import csat_trend
    state = current_state(search)
    ctx = context.get()
    with ctx.engine.connect() as conn:
        months = csat_trend(conn, state.period, state.filters, agent=_agents(state) or None)
    return csat_figure(visible_months(months, today_in(ctx.settings.tz)), state.formatter(), state.lang)


@dash.callback(Output(BY_PRIORITY, "figure"), Output(BY_CHANNEL, "figure"),
               Input(ids.URL, "search"), Input(ids.DATA_VERSION, "data"))
@charts.guard("figure", "figure")
def draw_times(search, _version):
    from queries.service import service_by
    state = current_state(search)
    agent = _agents(state) or None
    with context.get().engine.connect() as conn:
        by_priority = service_by(conn, state.period, state.filters, by="priority", agent=agent)
        by_channel = service_by(conn, state.period, state.filters, by="channel", agent=agent)
    fmt, lang = state.formatter(), state.lang
    return times_figure(by_priority, "priority", fmt, lang), times_figure(by_channel, "channel", fmt, lang)


@dash.callback(
    Output(AGENTS, "children"),
    Output(AGENT_WRAP, "children"),
    Input(ids.URL, "search"),
    Input(ids.DATA_VERSION, "data"),
    State(AGENT, "value"),
    State(AGENT, "options"),
)
@charts.guard("alert", "none")
def draw_agents(search, _version, shown, shown_options):
    """The agent table, and the agent dropdown's options (every agent with cases in the view,
    whatever the agent filter) and value (redrawn, not set, so URL and dropdown form no cycle)."""
    from queries.service import service_by
    state = current_state(search)
    agents = _agents(state)
    with context.get().engine.connect() as conn:
        rows = service_by(conn, state.period, state.filters, by="agent")  # the agent filter only picks rows
    lang = state.lang
    options = agent_options(rows, agents, lang)
    same = list(shown or []) == list(agents) and (shown_options or []) == options
    control = dash.no_update if same else _agent_control(agents, options, lang)
    listed = agent_rows(rows, agents, lang)
    if not listed:
        return charts.empty_state(lang, tr("service.no_cases", lang)), control
    return agent_grid(AGENTS_GRID, listed, lang, state.currency), control


@dash.callback(
    Output(ids.URL, "search", allow_duplicate=True),
    Input(AGENT, "value"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def write_agents(value, search):
    """Agent dropdown -> URL (`agent`, absent when all agents count)."""
    new = set_params(search, agent=",".join(parse_agents(value)) or None)
    if new == (search or ""):
        raise PreventUpdate
    return new


def _kpi_request(name: str, agents, lang: str) -> dict:
    kind = KPI_KINDS[name]
    title = (tr("service.drill_backlog", lang) if name == "backlog"
             else tr("service.drill_kpi", lang, kpi=kpi_label(name, lang)))
    return drilldown.request(CASES, title, kind=kind, **_agent_param(agents))


def _group_request(by: str, value: str, kind: str, agents, lang: str) -> dict:
    title = tr(f"service.drill_{kind}_{by}", lang, value=value_label(by, value, lang))
    return drilldown.request(CASES, title, kind=kind, **{by: [value]}, **_agent_param(agents))


@dash.callback(
    Output(ids.drill_request(PAGE), "data", allow_duplicate=True),
    Input(TREND, "clickData"),
    Input(CSAT, "clickData"),
    Input(BY_PRIORITY, "clickData"),
    Input(BY_CHANNEL, "clickData"),
    Input(ids.page_pattern(PAGE, "kpi", ALL), "n_clicks"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def open_cases(trend_click, csat_click, priority_click, channel_click, _kpi_clicks, search):
    trig = dash.ctx.triggered_id
    state = current_state(search)
    lang, fmt, agents = state.lang, state.formatter(), _agents(state)
    if trig == TREND and (week := charts.clicked_key(trend_click)):
        return drilldown.request(CASES, tr("service.drill_week", lang, week=fmt.date(str(week)[:10])),
                                 kind="opened", week=str(week)[:10], **_agent_param(agents))
    if trig == CSAT and (month := charts.clicked_key(csat_click)):
        return drilldown.request(CASES, tr("service.drill_month", lang, month=fmt.month(month, long=True)),
                                 kind="rated", month=month, **_agent_param(agents))
    for graph, by, click in ((BY_PRIORITY, "priority", priority_click), (BY_CHANNEL, "channel", channel_click)):
        if trig == graph and (hit := clicked_group(click)):
            return _group_request(by, hit[0], hit[1], agents, lang)
    if isinstance(trig, dict) and dash.ctx.triggered[0].get("value") and trig.get("key") in KPI_KINDS:
        return _kpi_request(trig["key"], agents, lang)
    raise PreventUpdate


# The agent grid is drawn by a callback; Dash refuses a callback whose inputs are only partly in
# the layout, so its clicks have callbacks of their own.
@dash.callback(
    Output(ids.drill_request(PAGE), "data", allow_duplicate=True),
    Input(AGENTS_GRID, "cellClicked"),
    State(AGENTS_GRID, "rowData"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def open_agent_cases(cell, rows, search):
    """An agent row (except its "Filter" cell) lists the agent's cases opened in the period, or
    resolved in it when the agent opened none."""
    if not isinstance(cell, dict) or not cell.get("rowId") or cell.get("colId") == "filter":
        raise PreventUpdate
    lang = current_state(search).lang
    agent = cell["rowId"]
    row = next((r for r in rows or [] if r.get("agent") == agent), {})
    name = row.get("label") or agent
    if row.get("cases") or not row.get("resolved"):
        return drilldown.request(CASES, tr("service.drill_agent", lang, agent=name), kind="opened", agent=[agent])
    return drilldown.request(CASES, tr("service.drill_agent_resolved", lang, agent=name), kind="resolved",
                             agent=[agent])


@dash.callback(
    Output(ids.URL, "search", allow_duplicate=True),
    Input(AGENTS_GRID, "cellClicked"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def filter_by_agent(cell, search):
    """The agent table's "Filter" cell limits the page to that agent (the `agent` URL parameter)."""
    if not isinstance(cell, dict) or cell.get("colId") != "filter" or not cell.get("rowId"):
        raise PreventUpdate
    new = set_params(search, agent=cell["rowId"])
    if new == (search or ""):
        raise PreventUpdate
    return new
