"""Texts, figures and grids of the sales-cycle page (dashboard/pages/cycle.py), built from the
dicts of queries.cycle (METRICS.md §2) so they can be tested without a database or a browser.

Click targets (read back with charts.clicked_key / clicked_bin):
    trend_figure            customdata [month]                 -> closed deals of that month
    histogram_figure        customdata [bin_start, bin_end]    -> won deals with that cycle length
    time_in_stage_figure    customdata [stage]                 -> open deals now in that stage
    forecast_figure         customdata [month | "none"]        -> open deals expected to close then
    leaderboard_grid        row id owner_id                    -> that owner's won deals (or a filter)
"""
from __future__ import annotations

import dash_ag_grid as dag
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard import i18n
from dashboard.components import charts
from dashboard.components.drilldown import Column
from dashboard.components.grid import GRID_LOCALE_DE, GRID_THEME, column_defs
from dashboard.formatting import Formatter
from dashboard.pages._funnel_figures import COMPACT_THEME, money_formatter

TEXTS = {
    "cycle.title": {"de": "Verkaufszyklus", "en": "Sales cycle"},
    "cycle.trend": {"de": "Abschlussquote und Zykluslänge pro Monat", "en": "Win rate and cycle length by month"},
    "cycle.trend_hint": {"de": "Monat anklicken: die in diesem Monat abgeschlossenen Deals",
                         "en": "Click a month for the deals closed in it"},
    "cycle.cycle_median": {"de": "Zyklus (Median)", "en": "Cycle (median)"},
    "cycle.cycle_mean": {"de": "Zyklus (Mittel)", "en": "Cycle (mean)"},
    "cycle.won_lost": {"de": "{won} gewonnen · {lost} verloren", "en": "{won} won · {lost} lost"},
    "cycle.days_axis": {"de": "Tage", "en": "Days"},
    "cycle.histogram": {"de": "Verteilung der Zykluslänge (gewonnene Deals)", "en": "Cycle length distribution (won deals)"},
    "cycle.histogram_hint": {"de": "Balken anklicken: gewonnene Deals mit dieser Zykluslänge",
                             "en": "Click a bar for the won deals with that cycle length"},
    "cycle.histogram_axis": {"de": "Tage von Anlage bis Gewinn", "en": "Days from creation to won"},
    "cycle.bin": {"de": "{start}–{end} Tage", "en": "{start}–{end} days"},
    "cycle.won_deals_n": {"de": "{n} gewonnene Deals", "en": "{n} won deals"},
    "cycle.time_in_stage": {"de": "Verweildauer pro Stufe", "en": "Time in stage"},
    "cycle.time_in_stage_hint": {"de": "Stufe anklicken: Deals, die zum Periodenende offen in dieser Stufe sind",
                                 "en": "Click a stage for the deals open in it at the period's end"},
    "cycle.finished_stays": {"de": "Abgeschlossene Aufenthalte (Tage)", "en": "Finished stays (days)"},
    "cycle.still_in_stage": {"de": "Noch in der Stufe", "en": "Still in stage"},
    "cycle.median": {"de": "Median", "en": "Median"},
    "cycle.mean": {"de": "Mittel", "en": "Mean"},
    "cycle.stays_n": {"de": "{n} abgeschlossene Aufenthalte", "en": "{n} finished stays"},
    "cycle.still_age": {"de": "{n} noch in der Stufe, Alter Median {median} · Mittel {mean}",
                        "en": "{n} still in stage, age median {median} · mean {mean}"},
    "cycle.forecast": {"de": "Prognose nach erwartetem Abschlussmonat", "en": "Forecast by expected close month"},
    "cycle.forecast_hint": {"de": "Monat anklicken: offene Deals mit diesem erwarteten Abschluss",
                            "en": "Click a month for the open deals expected to close in it"},
    "cycle.unweighted": {"de": "Betrag", "en": "Amount"},
    "cycle.weighted": {"de": "Gewichtet", "en": "Weighted"},
    "cycle.no_close_date": {"de": "Ohne Datum", "en": "No date"},
    "cycle.overdue": {"de": "überfällig", "en": "overdue"},
    "cycle.open_deals_n": {"de": "{n} offene Deals", "en": "{n} open deals"},
    "cycle.leaderboard": {"de": "Rangliste der Verantwortlichen", "en": "Owner leaderboard"},
    "cycle.leaderboard_hint": {"de": "Zeile anklicken: gewonnene Deals; „Filtern“: nach dieser Person filtern",
                               "en": "Click a row for the owner's won deals; “Filter” filters the page by the owner"},
    "cycle.filter_owner": {"de": "Filtern", "en": "Filter"},
    "cycle.target": {"de": "Ziel (Umsatz)", "en": "Target (revenue)"},
    "cycle.attainment": {"de": "Zielerreichung", "en": "Attainment"},
    "cycle.stale": {"de": "Liegengebliebene Deals", "en": "Stale deals"},
    "cycle.stale_note": {"de": "offen zum Periodenende, seit mehr als {days} Tagen ohne Stufenwechsel",
                         "en": "open at period end, no stage change for more than {days} days"},
    "cycle.stale_count": {"de": "{n} Deals", "en": "{n} deals"},
    "cycle.stale_shown": {"de": "die {shown} größten von {total}", "en": "the {shown} largest of {total}"},
    "cycle.stale_all": {"de": "Alle anzeigen und exportieren", "en": "Show all and export"},
    "cycle.no_deals": {"de": "Keine Deals in dieser Auswahl", "en": "No deals in this selection"},
    "cycle.drill_closed_month": {"de": "Abgeschlossene Deals {month}", "en": "Deals closed in {month}"},
    "cycle.drill_bin": {"de": "Gewonnene Deals mit Zyklus {bin}", "en": "Won deals with a cycle of {bin}"},
    "cycle.drill_stage": {"de": "Zum Periodenende offen in {stage}", "en": "Open in {stage} at the period's end"},
    "cycle.drill_forecast": {"de": "Offene Deals mit erwartetem Abschluss {month}",
                             "en": "Open deals expected to close in {month}"},
    "cycle.drill_forecast_none": {"de": "Offene Deals ohne erwarteten Abschluss",
                                  "en": "Open deals without an expected close date"},
    "cycle.drill_owner": {"de": "Gewonnene Deals von {owner}", "en": "Deals won by {owner}"},
    "cycle.drill_stale": {"de": "Liegengebliebene Deals", "en": "Stale deals"},
}
tr = i18n.translator(TEXTS)

#: widths: the minimum that keeps the longer (German) header words whole
LEADERBOARD_COLUMNS = (
    Column("owner_name", "col.owner_name", width=150),
    Column("team", "col.team", width=96),
    Column("won_revenue", "kpi.won_revenue", "money", width=110),
    Column("won_deals", "kpi.won_deals", "count", width=104),
    Column("win_rate", "kpi.win_rate", "percent", width=128),
    Column("avg_deal_size", "kpi.avg_deal_size", "money", width=115),
    Column("cycle_days_median", {"de": "Zyklus Median (Tage)", "en": "Cycle median (days)"}, "days", width=100),
    Column("open_pipeline", "kpi.open_pipeline", "money", width=105),
    Column("target", {"de": TEXTS["cycle.target"]["de"], "en": TEXTS["cycle.target"]["en"]}, "money", width=95),
    Column("attainment", {"de": TEXTS["cycle.attainment"]["de"], "en": TEXTS["cycle.attainment"]["en"]},
           "percent", width=125),
)
STALE_COLUMNS = (
    Column("deal_id", "col.deal_id", width=110),
    Column("customer_name", "col.customer_name", width=190),
    Column("owner_name", "col.owner_name", width=160),
    # the deal's stage and status today (the list holds deals open at the period's end)
    Column("stage", {"de": "Stufe heute", "en": "Stage today"}, width=120),
    Column("status", "col.status", "status", width=100),
    Column("amount", "col.amount", "money", width=130),
    Column("created_at", "col.created_at", "date", width=120),
    Column("expected_close_at", "col.expected_close_at", "date", width=140),
)


def _empty(lang: str):
    return charts.empty_figure(lang, tr("cycle.no_deals", lang))


def clicked_bin(click_data) -> tuple[float, float] | None:
    """(bin_start_days, bin_end_days) of a click on the histogram."""
    try:
        cd = click_data["points"][0]["customdata"]
        return float(cd[0]), float(cd[1])
    except (TypeError, KeyError, IndexError, ValueError):
        return None


def month_label(month: str, fmt: Formatter, lang: str, long: bool = False) -> str:
    return tr("cycle.no_close_date", lang) if month == "none" else fmt.month(month, long=long)


def month_tick(month: str, fmt: Formatter, lang: str) -> str:
    """A month as a two-line axis label ("Mar<br>2026"), so a year of months fits unrotated."""
    return month_label(month, fmt, lang).replace(" ", "<br>", 1)


# --- trend ------------------------------------------------------------------------------------
def trend_figure(trend: list[dict], fmt: Formatter, lang: str) -> go.Figure:
    """Bars: median cycle length (days, left axis) with the mean as a dotted line; line: win rate
    (right axis). Hover shows the month's won/lost counts (the closed deals a click lists)."""
    if not trend or not any((r.get("won_deals") or 0) + (r.get("lost_deals") or 0) for r in trend):
        return _empty(lang)
    months = [r["month"] for r in trend]
    x = [month_tick(m, fmt, lang) for m in months]
    cd = [[m] for m in months]
    med_name, mean_name, rate_name = tr("cycle.cycle_median", lang), tr("cycle.cycle_mean", lang), i18n.t("kpi.win_rate", lang)
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Bar(
        x=x, y=[r.get("cycle_days_median") for r in trend], name=med_name, customdata=cd,
        marker=dict(color=charts.PRIMARY_LIGHT, cornerradius=3),
        hovertext=[f"{med_name}: {fmt.days(r.get('cycle_days_median'))}" for r in trend],
        hovertemplate="%{hovertext}<extra></extra>"), secondary_y=False)
    fig.add_trace(go.Scatter(
        x=x, y=[r.get("cycle_days_mean") for r in trend], name=mean_name, mode="lines", customdata=cd,
        line=dict(color=charts.PRIMARY, width=1.5, dash="dot"), connectgaps=False,
        hovertext=[f"{mean_name}: {fmt.days(r.get('cycle_days_mean'))}" for r in trend],
        hovertemplate="%{hovertext}<extra></extra>"), secondary_y=False)
    fig.add_trace(go.Scatter(
        x=x, y=[r.get("win_rate") for r in trend], name=rate_name, mode="lines+markers", customdata=cd,
        line=dict(color=charts.TEAL, width=2.5), marker=dict(size=7), connectgaps=False,
        hovertext=[f"{rate_name}: {fmt.percent(r.get('win_rate'))} ("
                   + tr("cycle.won_lost", lang, won=fmt.count(r.get("won_deals")), lost=fmt.count(r.get("lost_deals")))
                   + ")" for r in trend],
        hovertemplate="%{hovertext}<extra></extra>"), secondary_y=True)
    fig.update_layout(charts.base_layout(fmt, hovermode="x unified", bargap=0.35, margin=dict(l=8, r=8, t=30, b=8)))
    fig.update_xaxes(type="category", gridcolor="rgba(0,0,0,0)", tickangle=0)
    fig.update_yaxes(title_text=tr("cycle.days_axis", lang), title_font=dict(size=11), rangemode="tozero",
                     gridcolor=charts.GRID, zeroline=False, secondary_y=False)
    fig.update_yaxes(title_text=rate_name, title_font=dict(size=11), rangemode="tozero", tickformat=".0%",
                     tickmode="auto", nticks=6, showgrid=False, zeroline=False, secondary_y=True)
    return fig


# --- histogram --------------------------------------------------------------------------------
def histogram_figure(bins: list[dict], fmt: Formatter, lang: str) -> go.Figure:
    """Won deals per cycle-length bin (bars span their bin on a day axis)."""
    bins = [b for b in bins or [] if b.get("deals")]
    if not bins:
        return _empty(lang)
    texts = []
    for b in bins:
        label = tr("cycle.bin", lang, start=fmt.count(b["bin_start_days"]), end=fmt.count(b["bin_end_days"]))
        texts.append(f"<b>{label}</b><br>{tr('cycle.won_deals_n', lang, n=fmt.count(b['deals']))}")
    fig = charts.base_figure(fmt)
    fig.add_trace(go.Bar(
        x=[(b["bin_start_days"] + b["bin_end_days"]) / 2 for b in bins], y=[b["deals"] for b in bins],
        width=[(b["bin_end_days"] - b["bin_start_days"]) * 0.92 for b in bins],
        marker=dict(color=charts.PRIMARY, cornerradius=2), name=i18n.t("chart.deals", lang),
        customdata=[[b["bin_start_days"], b["bin_end_days"]] for b in bins], hovertext=texts,
        hovertemplate="%{hovertext}<extra></extra>"))
    fig.update_layout(showlegend=False, margin=dict(l=8, r=8, t=8, b=8),
                      xaxis=dict(title=dict(text=tr("cycle.histogram_axis", lang), font=dict(size=11)),
                                 rangemode="tozero", gridcolor="rgba(0,0,0,0)", zeroline=False, automargin=True),
                      yaxis=dict(title=dict(text=i18n.t("chart.deals", lang), font=dict(size=11)),
                                 gridcolor=charts.GRID, rangemode="tozero", tickformat=",d", automargin=True))
    return fig


# --- time in stage ----------------------------------------------------------------------------
def time_in_stage_figure(tis: dict, stages: list[str], fmt: Formatter, lang: str) -> go.Figure:
    """Left: median and mean days of finished stays per stage; right: entries still in the stage
    at the period's end (hover: their age)."""
    rows = [(s, tis.get(s) or {}) for s in stages]
    if not any((r.get("n") or 0) + (r.get("still_in_stage") or 0) for _, r in rows):
        return _empty(lang)
    names = [s for s, _ in rows]
    cd = [[s] for s in names]
    med, mean = tr("cycle.median", lang), tr("cycle.mean", lang)
    hover = [f"<b>{s}</b><br>{tr('cycle.stays_n', lang, n=fmt.count(r.get('n')))}<br>"
             f"{med} {fmt.days(r.get('median_days'))} · {mean} {fmt.days(r.get('mean_days'))}<br>"
             + tr("cycle.still_age", lang, n=fmt.count(r.get("still_in_stage")),
                  median=fmt.days(r.get("still_in_stage_median_age_days")),
                  mean=fmt.days(r.get("still_in_stage_mean_age_days")))
             for s, r in rows]
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, column_widths=[0.66, 0.34], horizontal_spacing=0.05,
                        subplot_titles=(tr("cycle.finished_stays", lang), tr("cycle.still_in_stage", lang)))
    for key, name, color in (("median_days", med, charts.PRIMARY), ("mean_days", mean, charts.PRIMARY_LIGHT)):
        vals = [r.get(key) for _, r in rows]
        fig.add_trace(go.Bar(y=names, x=vals, orientation="h", name=name, customdata=cd, hovertext=hover,
                             marker=dict(color=color, cornerradius=3),
                             text=[fmt.number(v, 1) if v is not None else "" for v in vals],
                             textposition="outside", textfont=dict(size=10), cliponaxis=False,
                             hovertemplate="%{hovertext}<extra></extra>"), row=1, col=1)
    still = [r.get("still_in_stage") or 0 for _, r in rows]
    fig.add_trace(go.Bar(y=names, x=still, orientation="h", name=tr("cycle.still_in_stage", lang), customdata=cd,
                         hovertext=hover, marker=dict(color=charts.AMBER, cornerradius=3), showlegend=False,
                         text=[fmt.count(v) for v in still], textposition="outside", textfont=dict(size=10),
                         cliponaxis=False, hovertemplate="%{hovertext}<extra></extra>"), row=1, col=2)
    fig.update_layout(charts.base_layout(
        fmt, barmode="group", bargap=0.3, margin=dict(l=8, r=24, t=30, b=8),
        legend=dict(orientation="h", yanchor="bottom", y=1.06, xanchor="right", x=0.64, font=dict(size=11))))
    fig.update_yaxes(autorange="reversed", type="category", gridcolor="rgba(0,0,0,0)", automargin=True)
    fig.update_xaxes(gridcolor=charts.GRID, zeroline=False, rangemode="tozero", tickfont=dict(size=10))
    fig.update_xaxes(tickformat=",d", row=1, col=2)
    # room for the value labels outside the longest bars
    longest = max([r.get(k) or 0 for _, r in rows for k in ("median_days", "mean_days")] or [0])
    fig.update_xaxes(range=[0, (longest or 1) * 1.15], row=1, col=1)
    fig.update_xaxes(range=[0, (max(still) or 1) * 1.2], row=1, col=2)
    domains = [fig.layout.xaxis.domain, fig.layout.xaxis2.domain]
    for ann, dom in zip(fig.layout.annotations, domains):
        ann.update(x=dom[0], xanchor="left", font=dict(size=11, color="#6c757d"))
    return fig


# --- forecast ---------------------------------------------------------------------------------
def forecast_figure(rows: list[dict], fmt: Formatter, lang: str, *, current_month: str | None = None) -> go.Figure:
    """Amount and weighted amount of the deals open at the period's end by expected close month;
    months before `current_month` (the period's last month) are shaded as overdue."""
    rows = [r for r in rows or [] if r.get("deals")]
    if not rows:
        return _empty(lang)
    months = [r["month"] for r in rows]
    x = [month_tick(m, fmt, lang) for m in months]
    cd = [[m] for m in months]
    overdue = [current_month is not None and m != "none" and m < current_month for m in months]
    unweighted, weighted = tr("cycle.unweighted", lang), tr("cycle.weighted", lang)
    hover = [f"<b>{month_label(r['month'], fmt, lang, long=True)}</b>"
             + (f" ({tr('cycle.overdue', lang)})" if od else "")
             + f"<br>{tr('cycle.open_deals_n', lang, n=fmt.count(r['deals']))}"
             f"<br>{unweighted}: {fmt.money(r['amount'], 0)}<br>{weighted}: {fmt.money(r['weighted_amount'], 0)}"
             for r, od in zip(rows, overdue)]
    fig = charts.base_figure(fmt)
    fig.add_trace(go.Bar(x=x, y=[r["amount"] for r in rows], name=unweighted, customdata=cd, hovertext=hover,
                         marker=dict(color=charts.PRIMARY_LIGHT, cornerradius=3),
                         hovertemplate="%{hovertext}<extra></extra>"))
    fig.add_trace(go.Bar(x=x, y=[r["weighted_amount"] for r in rows], name=weighted, customdata=cd, hovertext=hover,
                         marker=dict(color=charts.PRIMARY, cornerradius=3),
                         hovertemplate="%{hovertext}<extra></extra>"))
    n_overdue = sum(overdue)
    if n_overdue:
        fig.add_vrect(x0=-0.5, x1=n_overdue - 0.5, fillcolor=charts.AMBER, opacity=0.08, line_width=0, layer="below")
        fig.add_annotation(x=(n_overdue - 1) / 2, y=1, yref="paper", yanchor="top", showarrow=False,
                           text=tr("cycle.overdue", lang), font=dict(size=10, color=charts.WARN))
    fig.update_layout(barmode="overlay", bargap=0.25, showlegend=True, margin=dict(l=8, r=8, t=30, b=8),
                      xaxis=dict(type="category", gridcolor="rgba(0,0,0,0)", automargin=True, tickangle=0,
                                 tickfont=dict(size=11)),
                      yaxis=dict(gridcolor=charts.GRID, rangemode="tozero", automargin=True, **fmt.money_axis()),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0, font=dict(size=11)))
    return fig


# --- grids ------------------------------------------------------------------------------------
def _grid_options(lang: str, theme: str = GRID_THEME, **extra) -> dict:
    return {"animateRows": False, "theme": {"function": theme}, "suppressCellFocus": True,
            "enableCellTextSelection": True,
            "localeText": {**(GRID_LOCALE_DE if lang == "de" else {}), "noRowsToShow": tr("cycle.no_deals", lang)},
            **extra}


def leaderboard_rows(rows: list[dict], lang: str) -> list[dict]:
    """Grid rows of queries.cycle.owner_leaderboard with the "Filter" action text."""
    action = tr("cycle.filter_owner", lang)
    keep = ["owner_id"] + [c.field for c in LEADERBOARD_COLUMNS]
    return [{**{k: r.get(k) for k in keep}, "filter": action} for r in rows]


def leaderboard_column_defs(lang: str, currency: str) -> list[dict]:
    defs = column_defs(LEADERBOARD_COLUMNS, lang, currency, server_side=False)
    for d in defs:
        # no column filters (a few dozen owners sort fine); widths that keep the headers whole
        d.update(wrapHeaderText=True, autoHeaderHeight=True, filter=False, minWidth=d.pop("width", 100))
        if d.get("valueFormatter", {}).get("function", "").startswith("fmtMoney"):
            d["valueFormatter"] = {"function": money_formatter(lang, currency)}  # whole amounts
        if d["field"] == "owner_name":
            d.update(pinned="left", cellStyle={"fontWeight": 600}, tooltipField="owner_name")
        if d["field"] == "attainment":  # METRICS §2 target colours: ≥ 100 % green, ≥ 90 % amber, else red
            d["cellStyle"] = {"styleConditions": [
                {"condition": "params.value != null && params.value >= 1", "style": {"color": charts.GOOD, "fontWeight": 600}},
                {"condition": "params.value != null && params.value >= 0.9", "style": {"color": charts.WARN, "fontWeight": 600}},
                {"condition": "params.value != null", "style": {"color": charts.BAD, "fontWeight": 600}}]}
    defs.append({"field": "filter", "headerName": "", "minWidth": 75, "maxWidth": 96, "sortable": False,
                 "filter": False, "pinned": "right", "cellStyle": {"color": charts.PRIMARY, "cursor": "pointer", "fontWeight": 500,
                                                "textDecoration": "underline"}})
    return defs


def leaderboard_grid(grid_id, rows: list[dict], lang: str, currency: str) -> dag.AgGrid:
    return dag.AgGrid(
        id=grid_id, rowData=leaderboard_rows(rows, lang), columnDefs=leaderboard_column_defs(lang, currency),
        defaultColDef={"sortable": True, "resizable": True, "minWidth": 80, "suppressHeaderMenuButton": True},
        getRowId="params.data.owner_id",
        dashGridOptions=_grid_options(lang, COMPACT_THEME, pagination=len(rows) > 15, paginationPageSize=15,
                                      paginationPageSizeSelector=False, autoSizeStrategy={"type": "fitGridWidth"},
                                      domLayout="autoHeight", rowStyle={"cursor": "pointer"}),
        className="cycle-leaderboard-grid", style={"width": "100%"})


def stale_grid(grid_id, records: list[dict], lang: str, currency: str) -> dag.AgGrid:
    defs = column_defs(STALE_COLUMNS, lang, currency, server_side=False)
    for d in defs:
        d["minWidth"] = d.pop("width", 100) * 0.8
    return dag.AgGrid(
        id=grid_id, rowData=records, columnDefs=defs,
        defaultColDef={"sortable": True, "resizable": True, "suppressHeaderMenuButton": True},
        dashGridOptions=_grid_options(lang, pagination=True, paginationPageSize=10, paginationPageSizeSelector=False,
                                      domLayout="autoHeight"),
        # fitted again whenever the card's width changes (first drawn before the layout settled,
        # the last column ran past the card)
        columnSize="responsiveSizeToFit",
        className="cycle-stale-grid", style={"width": "100%"})
