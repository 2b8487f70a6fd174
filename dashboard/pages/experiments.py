"""Experiments (path "/experiments"): A/B experiments, their verdicts and one experiment in detail.

Numbers: queries.experiments.experiment_results (METRICS.md §7): experiments whose run overlaps
the period with all their assignments (customer filters apply); per variant n, conversions,
rate, revenue per user; against control the uplift, its 95 % confidence interval, the p-value,
P(beats control) and the verdict. The rate's own error bars are 95 % Wilson intervals (a page
choice: METRICS.md defines no interval for a single rate; Wilson stays within 0–100 %).
The page's own URL parameter:
    experiment=ID   the experiment shown in detail (default: the first listed — running first,
                    then the latest start)

Clicks: an experiment in the list selects it (URL); a bar of a variant (rate or revenue per user)
lists its assignments (experiment_customers). Customer names appear only in that grid.
"""
from __future__ import annotations

import dash
from dash import ALL, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

import context
from dashboard import ids
from dashboard.components import blocks, charts, drilldown
from dashboard.components.drilldown import Column
from dashboard.pages import PAGE_PATHS
from dashboard.urlstate import current_state, get_param, set_params, state_from_query

from ._experiments_figures import (
    comparisons,
    dates_text,
    experiment_list,
    experiment_sentence,
    rates_figure,
    resolve,
    revenue_figure,
    stats_block,
    status_badge,
    uplift_figure,
    variants_table,
    verdict_badges,
)
from ._experiments_texts import PAGE_TEXTS, tr, variant_label

dash.register_page(__name__, path=PAGE_PATHS["experiments"], name="experiments", title="Experiments", order=7)

PAGE = "experiments"
SUBTITLE = ids.page_id(PAGE, "subtitle")
LIST = ids.page_id(PAGE, "list")
HEAD = ids.page_id(PAGE, "head")
SUMMARY = ids.page_id(PAGE, "summary")
UPLIFT = ids.page_id(PAGE, "uplift")
RATES = ids.page_id(PAGE, "rates")
REVENUE = ids.page_id(PAGE, "revenue")
SHOWN = ids.page_id(PAGE, "shown")
CHARTS = ids.page_id(PAGE, "charts")


# --- drill-down source -----------------------------------------------------------------------
def _assignments(conn, period, filters, *, ctx, limit, offset, sort, experiment_id, variant=None, lang="en"):
    from queries.experiments import experiment_customers
    df, total = experiment_customers(conn, period, filters, experiment_id=experiment_id, variant=variant,
                                     limit=limit, offset=offset, sort=sort)
    df = df.copy()
    if "converted" in df.columns:
        df["converted"] = [tr("experiments.yes" if v else "experiments.no", lang) for v in df["converted"]]
    if "variant" in df.columns:
        df["variant"] = [variant_label(v, lang) for v in df["variant"]]
    return df, total


ASSIGNMENT_COLUMNS = (
    Column("customer_id", "col.customer_id", width=130),
    Column("name", "col.customer_name", width=220),
    Column("region", "col.region", width=120),
    Column("variant", PAGE_TEXTS["experiments.col.variant"], width=110),
    Column("assigned_at", PAGE_TEXTS["experiments.col.assigned_at"], "datetime", width=160),
    Column("converted", PAGE_TEXTS["experiments.col.converted"], width=120),
    Column("revenue", PAGE_TEXTS["experiments.col.revenue"], "money", width=130),
)
drilldown.register(drilldown.Source("experiments.assignments", _assignments, columns=ASSIGNMENT_COLUMNS))


# --- layout ----------------------------------------------------------------------------------
def layout(**query):
    state = state_from_query(query)
    lang, fmt = state.lang, state.formatter()
    muted = "small text-muted mt-1"
    detail = html.Div([
        dcc.Loading(html.Div([html.Div(id=HEAD), html.Div(id=SUMMARY)], style={"minHeight": "140px"}),
                    type="circle", color=charts.PRIMARY, delay_show=250),
        html.Div([
            html.Div(tr("experiments.uplift", lang), className="small text-muted mt-2"),
            charts.graph(UPLIFT, lang, 130),
            html.Div([
                html.Div([html.Div(tr("experiments.rates", lang), className="small text-muted"),
                          charts.graph(RATES, lang, 280, clickable=True),
                          html.Div(tr("experiments.rates_note", lang), className=muted)], className="col-md-6"),
                html.Div([html.Div(tr("experiments.revenue", lang), className="small text-muted"),
                          charts.graph(REVENUE, lang, 280, clickable=True)], className="col-md-6"),
            ], className="row g-3 mt-1"),
        ], id=CHARTS),
    ])
    return html.Div([
        dcc.Store(id=SHOWN),
        blocks.page_header(tr("experiments.title", lang), subtitle=fmt.period(state.period.start, state.period.end),
                           title_id=SUBTITLE),
        html.Div([
            html.Div(blocks.chart_card(tr("experiments.list", lang),
                                       dcc.Loading(html.Div(id=LIST, style={"minHeight": "120px"}), type="circle",
                                                   color=charts.PRIMARY, delay_show=250),
                                       hint=tr("experiments.list_hint", lang)), className="col-lg-4"),
            html.Div(blocks.chart_card(tr("experiments.detail", lang), detail, hint=tr("experiments.rates_hint", lang)),
                     className="col-lg-8"),
        ], className="row g-3"),
        drilldown.panel(PAGE, lang),
    ])


# --- callbacks -------------------------------------------------------------------------------
@dash.callback(
    Output(LIST, "children"),
    Output(HEAD, "children"),
    Output(SUMMARY, "children"),
    Output(UPLIFT, "figure"),
    Output(RATES, "figure"),
    Output(REVENUE, "figure"),
    Output(SHOWN, "data"),
    Output(SUBTITLE, "children"),
    Input(ids.URL, "search"),
    Input(ids.DATA_VERSION, "data"),
)
@charts.guard("alert", "alert", "none", "figure", "figure", "figure", "none", "none")
def draw(search, _version):
    from queries.experiments import experiment_results
    state = current_state(search)
    lang, fmt = state.lang, state.formatter()
    with context.get().engine.connect() as conn:
        results = experiment_results(conn, state.period, state.filters)
    selected = resolve(results, get_param(search, "experiment"))
    listing = experiment_list(results, selected, fmt, lang)
    subtitle = fmt.period(state.period.start, state.period.end)
    if selected is None:  # the list says so; one message in the detail, the charts stay blank
        blank = charts.blank_figure()
        return listing, charts.empty_state(lang, tr("experiments.none", lang)), None, blank, blank, blank, None, subtitle
    exp = results[selected]
    head = html.Div([
        html.Div([html.Span(exp.get("name") or selected, className="fs-6 fw-semibold me-2"),
                  status_badge(exp["status"], lang), *verdict_badges(exp, lang)],
                 className="d-flex align-items-center flex-wrap gap-1"),
        html.Div(f"{selected} · {dates_text(exp, fmt, lang)}", className="small text-muted"),
    ], className="mb-2")
    variants = exp.get("variants") or {}
    if not variants:
        summary = charts.empty_state(lang, tr("experiments.no_assignments", lang))
    else:
        control = variants.get("control")
        sentences = [html.P(experiment_sentence(v, s, control, fmt, lang), className="mb-1")
                     for v, s in comparisons(exp)]
        summary = html.Div([
            html.Div(sentences, className="experiment-sentence p-2 mb-2 rounded",
                     style={"background": "#f5f7fb", "borderLeft": f"3px solid {charts.PRIMARY}"}),
            *stats_block(exp, fmt, lang),
            variants_table(exp, fmt, lang),
        ])
    return (listing, head, summary, uplift_figure(exp, fmt, lang), rates_figure(exp, fmt, lang),
            revenue_figure(exp, fmt, lang), {"id": selected, "name": exp.get("name") or selected}, subtitle)


@dash.callback(
    Output(CHARTS, "style"),
    Input(SHOWN, "data"),
)
def show_charts(shown):
    """The charts and their captions only under a shown experiment (no empty frames below "no
    experiment in this period")."""
    return None if shown else {"display": "none"}


@dash.callback(
    Output(ids.URL, "search", allow_duplicate=True),
    Input(ids.page_pattern(PAGE, "item", ALL), "n_clicks"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def select_experiment(_clicks, search):
    """A click in the list -> URL (`experiment`)."""
    trig = dash.ctx.triggered_id
    if not isinstance(trig, dict) or not dash.ctx.triggered[0].get("value"):
        raise PreventUpdate
    new = set_params(search, experiment=trig["key"])
    if new == (search or ""):
        raise PreventUpdate
    return new


@dash.callback(
    Output(ids.drill_request(PAGE), "data", allow_duplicate=True),
    Input(RATES, "clickData"),
    Input(REVENUE, "clickData"),
    State(SHOWN, "data"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def open_assignments(rates_click, revenue_click, shown, search):
    click = rates_click if dash.ctx.triggered_id == RATES else revenue_click
    variant = charts.clicked_key(click)
    if not variant or not shown:
        raise PreventUpdate
    lang = current_state(search).lang
    return drilldown.request("experiments.assignments",
                             tr("experiments.drill", lang, name=shown["name"], variant=variant_label(variant, lang)),
                             experiment_id=shown["id"], variant=variant, lang=lang)
