"""Figures and table pieces of the campaigns page: cost vs attributed revenue, the campaign grid.

Pure functions of queries.campaigns.campaign_table rows and a Formatter (no database, no Dash
callbacks). Points and rows carry the campaign_id (scatter `customdata[0]`, grid row id) for the
click that opens the campaign's deals.
"""
from __future__ import annotations

import math

import plotly.graph_objects as go

from dashboard import i18n
from dashboard.components import charts
from dashboard.formatting import Formatter

from ._campaigns_texts import tr

ACTIVITY_COLUMNS = ("cost", "leads", "deals", "won", "won_revenue", "new_customers", "attributed_revenue")
SUM_COLUMNS = ACTIVITY_COLUMNS
#: Use log axes when the positive values span more than this factor (cheap newsletters next to
#: TV spots would otherwise sit in one corner).
LOG_SPAN = 100


def _ratio(num, den):
    return None if not den else num / den


def listed(rows: list[dict]) -> tuple[list[dict], int]:
    """(campaigns with cost or any activity in the period, number of campaigns left out)."""
    shown = [r for r in rows if any(r.get(c) for c in ACTIVITY_COLUMNS)]
    return shown, len(rows) - len(shown)


def totals(rows: list[dict]) -> dict:
    """Sums over campaigns and the METRICS.md §4 ratios of the sums (null when the denominator
    is 0): what the table's total row and the KPI cards show."""
    out = {c: sum(r.get(c) or 0 for r in rows) for c in SUM_COLUMNS}
    cost, attributed = out["cost"], out["attributed_revenue"]
    out.update(cpl=_ratio(cost, out["leads"]), cac=_ratio(cost, out["new_customers"]),
               roas=_ratio(attributed, cost), roi=_ratio(attributed - cost, cost))
    return out


# --- cost vs revenue -------------------------------------------------------------------------
def _hover(r: dict, fmt: Formatter, lang: str) -> str:
    return tr("campaigns.hover", lang, name=r.get("name") or r["campaign_id"],
              channel=i18n.channel_label(r["channel"], lang) if r.get("channel") else "–",
              cost=fmt.money(r.get("cost"), 0), revenue=fmt.money(r.get("attributed_revenue"), 0),
              roas=fmt.number(r.get("roas"), 2), roi=fmt.percent(r.get("roi"), 0),
              leads=fmt.count(r.get("leads")), won=fmt.count(r.get("won")))


def scatter_figure(rows: list[dict], fmt: Formatter, lang: str, *, model_name: str) -> go.Figure:
    """One point per campaign at (cost, attributed revenue), a colour per channel, and the
    break-even line revenue = cost (above it ROAS > 1). Both axes share one range so the line is
    the diagonal; log axes when the values span more than LOG_SPAN (zeros then sit on the edge)."""
    points = [r for r in rows if (r.get("cost") or 0) > 0 or (r.get("attributed_revenue") or 0) > 0]
    if not points:
        return charts.empty_figure(lang)
    values = [v for r in points for v in (r.get("cost") or 0, r.get("attributed_revenue") or 0)]
    positive = [v for v in values if v > 0]
    log = bool(positive) and max(positive) / min(positive) > LOG_SPAN
    floor = min(positive) / 2 if log else 0.0
    hi = max(values) * (1.6 if log else 1.08)
    lo = floor / 1.4 if log else 0.0
    fig = charts.base_figure(fmt)
    fig.add_trace(go.Scatter(x=[lo or 0, hi], y=[lo or 0, hi], mode="lines", name=tr("campaigns.break_even_short", lang),
                             line=dict(color=charts.TARGET, width=1.5, dash="dash"), hoverinfo="skip"))
    names = {ch: i18n.channel_label(ch, lang) if ch != "–" else ch for ch in {r.get("channel") or "–" for r in points}}
    channels = sorted(names, key=lambda ch: names[ch].lower())   # the legend in the reader's alphabet
    colour = {ch: charts.SERIES[i % len(charts.SERIES)] for i, ch in enumerate(sorted(names))}  # same in EN and DE
    zero_seen = False
    for ch in channels:
        mine = [r for r in points if (r.get("channel") or "–") == ch]
        xs = [(r.get("cost") or 0) or floor for r in mine]
        ys = [(r.get("attributed_revenue") or 0) or floor for r in mine]
        zero_seen |= log and any(not (r.get("cost") and r.get("attributed_revenue")) for r in mine)
        fig.add_trace(go.Scatter(
            x=xs, y=ys, mode="markers", name=names[ch],
            marker=dict(size=12, color=colour[ch], opacity=0.88,
                        line=dict(color="white", width=1)),
            customdata=[[r["campaign_id"]] for r in mine], hovertext=[_hover(r, fmt, lang) for r in mine],
            hovertemplate="%{hovertext}<extra></extra>"))
    scale = f" · {tr('campaigns.log_scale', lang)}" if log else ""
    axis = dict(type="log" if log else "linear", gridcolor=charts.GRID, zeroline=False,
                range=[math.log10(lo), math.log10(hi)] if log else [0, hi], **fmt.money_axis())
    if log:
        axis["dtick"] = 1  # one tick per power of ten: 100, 1,000, 10,000 …
    fig.update_layout(
        xaxis=dict(axis, title=dict(text=tr("campaigns.axis_cost", lang) + scale, font=dict(size=11))),
        yaxis=dict(axis, title=dict(text=tr("campaigns.axis_revenue", lang, model=model_name), font=dict(size=11))),
        showlegend=True, margin=dict(l=8, r=8, t=30, b=8), hovermode="closest",
        legend=dict(orientation="v", yanchor="top", y=1, xanchor="left", x=1.01, font=dict(size=11)))
    muted = dict(size=11, color="#868e96")
    fig.add_annotation(x=0.02, y=0.97, xref="paper", yref="paper", xanchor="left", yanchor="top",
                       showarrow=False, text="▲ " + tr("campaigns.above", lang), font=muted)
    fig.add_annotation(x=0.98, y=0.03, xref="paper", yref="paper", xanchor="right", yanchor="bottom",
                       showarrow=False, text="▼ " + tr("campaigns.below", lang), font=muted)
    if zero_seen:
        fig.add_annotation(x=0.98, y=0.10, xref="paper", yref="paper", xanchor="right", yanchor="bottom",
                           showarrow=False, text=tr("campaigns.zero_note", lang), font=dict(size=10, color="#868e96"))
    return fig


# --- the campaign grid -----------------------------------------------------------------------
#: The drill-down grids' theme, a little denser: thirteen columns fit from 1280 px on.
GRID_THEME = ("themeQuartz.withParams({accentColor: '#2f6fde', fontSize: 12, headerFontWeight: 600, "
              "headerBackgroundColor: '#f5f7fb', borderColor: '#e3e7ee', spacing: 5, cellHorizontalPaddingScale: 0.6, "
              "fontFamily: 'inherit', wrapperBorderRadius: 8})")
#: column, kind, width; kinds format with the assets' dashAgGridFunctions.
GRID_COLUMNS = (
    ("name", "text", 230), ("channel", "text", 90), ("cost", "money0", 85), ("leads", "count", 60),
    ("deals", "count", 60), ("won", "count", 86), ("won_revenue", "money0", 102),
    ("new_customers", "count", 90), ("attributed_revenue", "money0", 108), ("cpl", "money", 84),
    ("cac", "money", 92), ("roas", "number", 60), ("roi", "percent", 78),
)


def _money0(lang: str, currency: str) -> str:
    """A valueFormatter expression: whole currency units in the user's locale, built on the
    assets' fmtNumber (the grid evaluates a restricted expression language, not arbitrary JS).
    Cost and revenue columns are never null (campaign_table gives 0.0)."""
    from dashboard.formatting import CURRENCY_SYMBOLS, NBSP
    symbol = CURRENCY_SYMBOLS.get(currency, currency)
    number = f"fmtNumber(params.value, '{lang}', 0)"
    return f"{number} + '{NBSP}{symbol}'" if lang == "de" else f"'{symbol}' + {number}"


TIP_COLUMNS = ("cpl", "cac", "roas", "roi")


def column_defs(lang: str, currency: str) -> list[dict]:
    """ag-grid columns: translated headers, locale formatters, cost tooltips; sorted by cost."""
    defs = []
    for field, kind, width in GRID_COLUMNS:
        d = {"field": field, "headerName": tr(f"campaigns.col.{field}", lang), "minWidth": width,
             "sortable": True}
        if kind == "money":
            d["valueFormatter"] = {"function": f"fmtMoney(params.value, '{lang}', '{currency}')"}
        elif kind == "money0":
            d["valueFormatter"] = {"function": _money0(lang, currency)}
        elif kind in ("count", "number"):
            decimals = 0 if kind == "count" else 2
            d["valueFormatter"] = {"function": f"fmtNumber(params.value, '{lang}', {decimals})"}
        elif kind == "percent":
            d["valueFormatter"] = {"function": f"fmtPercent(params.value, '{lang}')"}
        if kind != "text":
            d["type"] = "rightAligned"  # numbers sort; a filter icon would squeeze the headers
        else:
            d["filter"] = "agTextColumnFilter"
        if field == "name":
            d.update(pinned="left", flex=2, tooltipField="name")
        if field == "cost":
            d.update(sort="desc", headerTooltip=tr("campaigns.cost_tip", lang))
        if field in TIP_COLUMNS:
            d["headerTooltip"] = tr(f"campaigns.tip.{field}", lang) + " · " + tr("campaigns.cost_tip", lang)
        defs.append(d)
    return defs


def grid_rows(rows: list[dict], lang: str = "en") -> list[dict]:
    """The rows as the grid gets them (only its columns and the id), the channel in words."""
    keep = ("campaign_id",) + tuple(c for c, _, _ in GRID_COLUMNS)
    out = []
    for r in rows:
        row = {k: r.get(k) for k in keep}
        if row.get("channel"):
            row["channel"] = i18n.channel_label(row["channel"], lang)
        out.append(row)
    return out


def total_row(rows: list[dict], lang: str) -> dict:
    return {"campaign_id": "__total__", "name": tr("campaigns.total", lang), "channel": None, **totals(rows)}


def grid_options(lang: str, rows: list[dict]) -> dict:
    """dashGridOptions: theme, locale, a total row pinned at the bottom, single row selection."""
    options = {"animateRows": False, "theme": {"function": GRID_THEME}, "tooltipShowDelay": 300,
               "enableCellTextSelection": True, "suppressCellFocus": False,
               "rowSelection": {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True},
               "pinnedBottomRowData": [total_row(rows, lang)] if rows else [],
               "localeText": {"noRowsToShow": i18n.t("drill.empty", lang)}}
    if lang == "de":
        options["localeText"].update({"thousandSeparator": ".", "decimalSeparator": ",",
                                      "sortAscending": "Aufsteigend sortieren",
                                      "sortDescending": "Absteigend sortieren", "filterOoo": "Filtern …",
                                      "contains": "Enthält", "equals": "Gleich", "lessThan": "Kleiner als",
                                      "greaterThan": "Größer als", "inRange": "Zwischen", "blank": "Leer",
                                      "notBlank": "Nicht leer", "andCondition": "UND", "orCondition": "ODER"})
    return options
