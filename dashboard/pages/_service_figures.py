"""Figures, KPI cards and the agent grid of the customer-service page (dashboard/pages/service.py),
built from the dicts of queries.service (METRICS.md §8) so they can be tested without a database.

Click targets (read back with charts.clicked_key / clicked_group):
    trend_figure   customdata [week Monday]            -> cases opened that week
    csat_figure    customdata [month]                  -> rated cases resolved that month
    times_figure   customdata [value, "opened"|"resolved"]
                   first-response bars list the cases opened with that value (the response time
                   is measured on them), resolution bars the cases resolved with it
    agent_grid     row id = agent id (owner_id, `(none)`) -> that agent's cases
"""
from __future__ import annotations

from datetime import date

import dash_ag_grid as dag
import plotly.graph_objects as go
from dash import html
from plotly.subplots import make_subplots

from dashboard.components import charts
from dashboard.components.drilldown import Column
from dashboard.components.grid import GRID_LOCALE_DE, column_defs
from dashboard.components.kpi_card import KpiSpec, kpi_card
from dashboard.formatting import NBSP, NULL, Formatter
from dashboard.pages._funnel_figures import COMPACT_THEME
from queries.filters import NONE_VALUE

from ._service_texts import PAGE_TEXTS, tr, value_label

#: The page's KPI cards: (name, look, cases_list kind behind the card). Fewer cases, a smaller
#: backlog, shorter times and fewer cases per customer are better.
KPI_CARDS = (
    ("cases_opened", KpiSpec("count", higher_is_better=False, additive=True), "opened"),
    ("cases_resolved", KpiSpec("count", additive=True), "resolved"),
    ("backlog", KpiSpec("count", higher_is_better=False), "backlog"),
    ("first_response_hours_median", KpiSpec("number", higher_is_better=False), "opened"),
    ("resolution_hours_median", KpiSpec("number", higher_is_better=False), "resolved"),
    ("csat", KpiSpec("percent", change="points"), "rated"),
    ("avg_satisfaction", KpiSpec("number"), "rated"),
    ("cases_per_100_customers", KpiSpec("number", higher_is_better=False), "opened"),
)
KPI_KINDS = {name: kind for name, _, kind in KPI_CARDS}
#: KPI names the targets table may hold (queries.targets; the first two are common i18n labels).
TARGET_KPIS = ("cases_opened", "cases_resolved", "backlog", "first_response_hours_median",
               "resolution_hours_median", "csat", "avg_satisfaction", "cases_per_100_customers")
BAR_MEDIAN, BAR_P90 = charts.PRIMARY, charts.PRIMARY_LIGHT


def hours(fmt: Formatter, value, decimals: int = 1) -> str:
    """A duration in hours: "2,5 h" / "2.5 h"."""
    text = fmt.number(value, decimals)
    return text if text == NULL else f"{text}{NBSP}h"


def parse_agents(raw) -> tuple[str, ...]:
    """The `agent` URL parameter ("a1,a2") or a dropdown value as a tuple of distinct ids."""
    if raw is None:
        return ()
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    out: list[str] = []
    for v in items:
        v = str(v).strip()
        if v and v not in out:
            out.append(v)
    return tuple(out)


def kpi_value(kpis: dict, name: str):
    """A card's number from queries.service.service_kpis (medians sit in their stats dict)."""
    if name == "first_response_hours_median":
        return (kpis.get("first_response_hours") or {}).get("median")
    if name == "resolution_hours_median":
        return (kpis.get("resolution_hours") or {}).get("median")
    return kpis.get(name)


def kpi_label(name: str, lang: str) -> str:
    key = f"service.kpi.{name}"
    return tr(key, lang) if key in PAGE_TEXTS else tr(f"kpi.{name}", lang)


def kpi_note(name: str, kpis: dict, fmt: Formatter, lang: str) -> str | None:
    if name == "backlog":
        return tr("kpi.at_period_end", lang)
    if name == "first_response_hours_median":
        return tr("service.note.p90", lang, value=hours(fmt, (kpis.get("first_response_hours") or {}).get("p90")))
    if name == "resolution_hours_median":
        return tr("service.note.p90", lang, value=hours(fmt, (kpis.get("resolution_hours") or {}).get("p90")))
    if name in ("csat", "avg_satisfaction"):
        return tr("service.note.ratings", lang, n=fmt.count(kpis.get("rated_cases")))
    if name == "cases_per_100_customers":
        return tr("service.note.customers", lang, n=fmt.count(kpis.get("customers_ordering_12m")))
    return None


def kpi_cards(now: dict, before: dict, fmt: Formatter, lang: str, *, compare_label: str,
              targets: dict | None = None, elapsed: float = 1.0, csat_trend: list | None = None,
              names=None, card_id=None) -> list:
    """KPI cards of service_kpis `now` against `before` (the comparison period); `card_id(name)`
    gives the clickable wrapper's id (None: not clickable); `names` a subset, in order."""
    specs = {name: spec for name, spec, _ in KPI_CARDS}
    cards = []
    for name in names or [n for n, _, _ in KPI_CARDS]:
        trend = [(r["month"], r.get(name)) for r in csat_trend] if csat_trend and name == "csat" else None
        card = kpi_card(name, lang, fmt, value=kpi_value(now, name), previous=kpi_value(before, name),
                        compare_label=compare_label, spec=specs[name], label=kpi_label(name, lang),
                        target=(targets or {}).get(name), elapsed=elapsed, trend=trend,
                        note=kpi_note(name, now, fmt, lang))
        if card_id is not None:
            card = html.Div(card, id=card_id(name), n_clicks=0, className="kpi-click",
                            title=tr("chart.click_hint", lang))
        cards.append(card)
    return cards


def has_cases(*kpis: dict) -> bool:
    """Any case counted in any of these service_kpis results."""
    return any((k or {}).get(n) for k in kpis for n in ("cases_opened", "cases_resolved", "backlog"))


# --- periods ----------------------------------------------------------------------------------
def visible_weeks(weeks: list[dict], today: date) -> list[dict]:
    """The weeks of service_trend that have begun (no future weeks)."""
    return [w for w in weeks or [] if w["week"] <= today.isoformat()]


def visible_months(months: list[dict], today: date) -> list[dict]:
    """The months of csat_trend that have begun."""
    return [m for m in months or [] if m["month"] <= f"{today.year:04d}-{today.month:02d}"]


def count_dtick(top) -> int | None:
    """A tick step of 1, 2 or 5 × 10^k giving at most 6 ticks up to `top`, so a count axis shows
    whole numbers only (plotly's own steps can be 2.5, shown rounded as 0, 2, 5, 8)."""
    if not top or top <= 0:
        return None
    magnitude = 1
    while True:
        for f in (1, 2, 5):
            if top / (f * magnitude) <= 6:
                return f * magnitude
        magnitude *= 10


def _empty(lang: str):
    return charts.empty_figure(lang, tr("service.no_cases", lang))


# --- trend --------------------------------------------------------------------------------------
def trend_figure(weeks: list[dict], fmt: Formatter, lang: str) -> go.Figure:
    """Bars: cases opened and resolved per Monday-week; line: open cases at the week's end (right
    axis). One hover per week; a click lists the cases opened in it."""
    if not any(w.get("opened") or w.get("resolved") or w.get("backlog") for w in weeks or []):
        return _empty(lang)
    x = [w["week"] for w in weeks]
    cd = [[w["week"]] for w in weeks]
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    for key, name, color in (("opened", tr("service.opened", lang), charts.PRIMARY),
                             ("resolved", tr("service.resolved", lang), charts.TEAL)):
        fig.add_trace(go.Bar(x=x, y=[w.get(key) or 0 for w in weeks], name=name, customdata=cd,
                             marker=dict(color=color, cornerradius=2),
                             hovertemplate=f"{name}: %{{y:,d}}<extra></extra>"), secondary_y=False)
    backlog = tr("service.backlog_line", lang)
    fig.add_trace(go.Scatter(x=x, y=[w.get("backlog") for w in weeks], name=backlog, mode="lines",
                             customdata=cd, line=dict(color=charts.AMBER, width=2.5, shape="hv"),
                             hovertemplate=f"{backlog}: %{{y:,d}}<extra></extra>"), secondary_y=True)
    fig.update_layout(charts.base_layout(fmt, hovermode="x unified", barmode="group", bargap=0.25,
                                         margin=dict(l=8, r=8, t=30, b=8)))
    fig.update_xaxes(type="date", gridcolor="rgba(0,0,0,0)", hoverformat=tr("service.week_of", lang),
                     ticklabelmode="period" if len(weeks) > 8 else "instant")
    top = max(max(w.get("opened") or 0, w.get("resolved") or 0) for w in weeks)
    fig.update_yaxes(title_text=tr("service.cases_axis", lang), title_font=dict(size=11), rangemode="tozero",
                     tickformat=",d", dtick=count_dtick(top), gridcolor=charts.GRID, zeroline=False,
                     secondary_y=False)
    fig.update_yaxes(title_text=tr("service.backlog_axis", lang), title_font=dict(size=11), rangemode="tozero",
                     tickformat=",d", dtick=count_dtick(max(w.get("backlog") or 0 for w in weeks)), showgrid=False,
                     zeroline=False, secondary_y=True)
    return fig


# --- CSAT -----------------------------------------------------------------------------------------
def month_ticks(months: list[str], fmt: Formatter) -> list[str]:
    """Short month names, with the year under the first month and under every January
    ("Nov<br>2025", "Dez", "Jan<br>2026"), so a year of months fits a narrow chart. The labels are
    the category axis' values, so over more than 12 months every month keeps its year."""
    full = [fmt.month(m).replace(" ", "<br>", 1) for m in months]
    # the first month's year is left out when a January follows at once: the two years would
    # print into each other on a narrow chart ("Dec 2025" beside "Jan 2026")
    first_year = len(months) < 2 or not months[1].endswith("-01")
    short = [f if (i == 0 and first_year) or m.endswith("-01") else f.split("<br>")[0]
             for i, (m, f) in enumerate(zip(months, full))]
    return short if len(set(short)) == len(short) else full


def csat_figure(months: list[dict], fmt: Formatter, lang: str) -> go.Figure:
    """CSAT per month (line, left axis 0–100 %) over the number of ratings (bars, right axis)."""
    if not any(m.get("rated") for m in months or []):
        return _empty(lang)
    x = month_ticks([m["month"] for m in months], fmt)
    cd = [[m["month"]] for m in months]
    ratings, avg = tr("service.ratings", lang), tr("service.avg_rating", lang)
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Bar(x=x, y=[m.get("rated") or 0 for m in months], name=ratings, customdata=cd,
                         marker=dict(color=charts.PRIMARY_LIGHT, cornerradius=2), opacity=0.7,
                         hovertext=[f"{ratings}: {fmt.count(m.get('rated'))} · {avg} {fmt.number(m.get('avg_satisfaction'), 2)}"
                                    for m in months],
                         hovertemplate="%{hovertext}<extra></extra>"), secondary_y=True)
    fig.add_trace(go.Scatter(x=x, y=[m.get("csat") for m in months], name="CSAT", mode="lines+markers",
                             customdata=cd, line=dict(color=charts.PRIMARY, width=2.5), marker=dict(size=7),
                             connectgaps=False,
                             hovertext=[f"CSAT {fmt.month(m['month'], long=True)}: {fmt.percent(m.get('csat'))}"
                                        for m in months],
                             hovertemplate="%{hovertext}<extra></extra>"), secondary_y=False)
    fig.update_layout(charts.base_layout(fmt, hovermode="x unified", bargap=0.35, margin=dict(l=8, r=8, t=30, b=8)))
    fig.update_xaxes(type="category", gridcolor="rgba(0,0,0,0)", tickangle=0)
    fig.update_yaxes(range=[0, 1.05], tickformat=".0%", gridcolor=charts.GRID, zeroline=False, secondary_y=False)
    fig.update_yaxes(title_text=ratings, title_font=dict(size=11), rangemode="tozero", tickformat=",d",
                     dtick=count_dtick(max(m.get("rated") or 0 for m in months)), showgrid=False, zeroline=False,
                     secondary_y=True)
    return fig


# --- times by priority / channel ------------------------------------------------------------------
def times_figure(rows: list[dict], by: str, fmt: Formatter, lang: str) -> go.Figure:
    """Left: first-response hours, right: resolution hours; per value of `by` (priority, channel)
    the median and the 90th percentile as grouped bars."""
    rows = [r for r in rows or [] if r.get("cases") or r.get("resolved")]
    if not rows:
        return _empty(lang)
    labels = [value_label(by, r["value"], lang) for r in rows]
    med, p90 = tr("service.median", lang), tr("service.p90", lang)
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.09,
                        subplot_titles=(tr("service.first_response_h", lang), tr("service.resolution_h", lang)))
    for col, (prefix, kind, count_key, count_text) in enumerate(
            (("first_response", "opened", "cases", "service.n_opened"),
             ("resolution", "resolved", "resolved", "service.n_resolved")), start=1):
        hover = [f"<b>{lab}</b><br>{med} {hours(fmt, r.get(prefix + '_median'))} · "
                 f"{p90} {hours(fmt, r.get(prefix + '_p90'))}<br>{tr(count_text, lang, n=fmt.count(r.get(count_key)))}"
                 for lab, r in zip(labels, rows)]
        cd = [[r["value"], kind] for r in rows]
        for stat, name, color in (("_median", med, BAR_MEDIAN), ("_p90", p90, BAR_P90)):
            fig.add_trace(go.Bar(x=labels, y=[r.get(prefix + stat) for r in rows], name=name, customdata=cd,
                                 legendgroup=name, showlegend=col == 1, hovertext=hover,
                                 marker=dict(color=color, cornerradius=2),
                                 hovertemplate="%{hovertext}<extra></extra>"), row=1, col=col)
    fig.update_layout(charts.base_layout(fmt, barmode="group", bargap=0.3, bargroupgap=0.05,
                                         margin=dict(l=8, r=8, t=46, b=8),
                                         legend=dict(orientation="h", yanchor="bottom", y=1.1, xanchor="right",
                                                     x=1, font=dict(size=11))))
    # the values are written for sentences ("cases opened via email"); on the axis they start a label
    fig.update_xaxes(type="category", gridcolor="rgba(0,0,0,0)", automargin=True, tickfont=dict(size=11),
                     tickmode="array", tickvals=labels, ticktext=[lab[:1].upper() + lab[1:] for lab in labels])
    fig.update_yaxes(rangemode="tozero", gridcolor=charts.GRID, zeroline=False, ticksuffix=f"{NBSP}h")
    for ann in fig.layout.annotations:
        ann.update(font=dict(size=11, color="#6c757d"))
    return fig


def clicked_group(click_data) -> tuple[str, str] | None:
    """(value, "opened" | "resolved") of a click on times_figure."""
    try:
        cd = click_data["points"][0]["customdata"]
        return str(cd[0]), str(cd[1])
    except (TypeError, KeyError, IndexError):
        return None


# --- agents -------------------------------------------------------------------------------------
AGENT_COLUMNS = (
    Column("label", PAGE_TEXTS["service.col.agent"], width=140),
    Column("cases", PAGE_TEXTS["service.col.cases"], "count", width=84),
    Column("resolved", PAGE_TEXTS["service.col.resolved"], "count", width=86),
    Column("first_response_median", PAGE_TEXTS["service.col.median"], "days", width=74),
    Column("first_response_p90", PAGE_TEXTS["service.col.p90"], "days", width=64),
    Column("resolution_median", PAGE_TEXTS["service.col.median"], "days", width=74),
    Column("resolution_p90", PAGE_TEXTS["service.col.p90"], "days", width=64),
    Column("csat", PAGE_TEXTS["service.col.csat"], "percent", width=66),
    Column("rated", PAGE_TEXTS["service.col.rated"], "count", width=118),
)
#: the hour columns sit under a group header each: (group title key, fields)
AGENT_GROUPS = (("service.col.first_group", ("first_response_median", "first_response_p90")),
                ("service.col.resolution_group", ("resolution_median", "resolution_p90")))


def agent_options(rows: list[dict], selected: tuple[str, ...], lang: str) -> list[dict]:
    """Dropdown options: the agents with cases in the view (names), plus any selected id not among
    them (so a selection from another period stays visible)."""
    opts = [{"value": r["value"], "label": tr("filter.none", lang) if r["value"] == NONE_VALUE else r["label"]}
            for r in rows or []]
    opts.sort(key=lambda o: (o["value"] == NONE_VALUE, str(o["label"]).casefold()))
    known = {o["value"] for o in opts}
    return opts + [{"value": v, "label": tr("filter.none", lang) if v == NONE_VALUE else v}
                   for v in selected if v not in known]


def agent_rows(rows: list[dict], selected: tuple[str, ...], lang: str) -> list[dict]:
    """Grid rows of service_by(by="agent"), limited to the selected agents (if any), busiest first."""
    keep = [r for r in rows or [] if not selected or r["value"] in selected]
    keep.sort(key=lambda r: (-(r.get("cases") or 0), -(r.get("resolved") or 0), str(r.get("label")).casefold()))
    action = tr("service.filter_agent", lang)
    out = []
    for r in keep:
        row = {c.field: r.get(c.field) for c in AGENT_COLUMNS}
        row.update(agent=r["value"], filter=action)
        if r["value"] == NONE_VALUE:
            row["label"] = tr("filter.none", lang)
        out.append(row)
    return out


def agent_column_defs(lang: str, currency: str) -> list[dict]:
    """Column defs of the agent grid: the hour columns grouped under "First response (h)" and
    "Resolution (h)" (short headers keep the table narrow), then the "Filter" action."""
    flat = column_defs(AGENT_COLUMNS, lang, currency, server_side=False)
    p90 = tr("service.p90", lang)
    for d in flat:
        # "days" columns are hours here: the grid only uses the kind for one decimal place
        d.update(wrapHeaderText=True, autoHeaderHeight=True, filter=False, minWidth=d.pop("width", 90), flex=1)
        if d["field"] == "label":
            d.update(flex=2, cellStyle={"fontWeight": 600}, tooltipField="label")
        if d["field"].endswith("_p90"):
            d["headerTooltip"] = p90
    by_field = {d["field"]: d for d in flat}
    first_of_group = {fields[0]: (title, fields) for title, fields in AGENT_GROUPS}
    in_group = {f for _, fields in AGENT_GROUPS for f in fields}
    defs = []
    for d in flat:
        if d["field"] in first_of_group:
            title, fields = first_of_group[d["field"]]
            defs.append({"headerName": tr(title, lang), "marryChildren": True,
                         "children": [by_field[f] for f in fields]})
        elif d["field"] not in in_group:
            defs.append(d)
    defs.append({"field": "filter", "headerName": "", "minWidth": 75, "maxWidth": 96, "sortable": False,
                 "filter": False,
                 "cellStyle": {"color": charts.PRIMARY, "cursor": "pointer", "fontWeight": 500,
                               "textDecoration": "underline"}})
    return defs


def agent_grid(grid_id, rows: list[dict], lang: str, currency: str) -> dag.AgGrid:
    return dag.AgGrid(
        id=grid_id, rowData=rows, columnDefs=agent_column_defs(lang, currency),
        defaultColDef={"sortable": True, "resizable": True, "minWidth": 80, "suppressHeaderMenuButton": True},
        getRowId="params.data.agent",
        dashGridOptions={"animateRows": False, "theme": {"function": COMPACT_THEME}, "suppressCellFocus": True,
                         "enableCellTextSelection": True, "domLayout": "autoHeight",
                         "pagination": len(rows) > 12, "paginationPageSize": 12, "paginationPageSizeSelector": False,
                         "rowStyle": {"cursor": "pointer"},
                         "localeText": {**(GRID_LOCALE_DE if lang == "de" else {}),
                                        "noRowsToShow": tr("service.no_cases", lang)}},
        className="service-agent-grid", style={"width": "100%"})
