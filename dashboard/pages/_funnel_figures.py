"""Texts, figures and tables of the funnel page (dashboard/pages/funnel.py), built from the
dicts of queries.funnel (METRICS.md §1) so they can be tested without a database or a browser.

    tr("funnel.title", lang)                                   # the page's texts (_funnel_texts.py)
    funnel_figure(result["stages"], fmt, lang, measure="count", windowed=False)
    stage_table(result["stages"], fmt, lang, measure="count", windowed=False)
    breakdown_figure(funnel_breakdown(...), labels, fmt, lang, measure="count")
    conversion_grid(grid_id, groups, labels, stage_names, by_title, lang, currency, measure="count")

Click targets: every bar of the funnel figure carries `customdata = [stage]` (reached) or
`[stage, kind]` (drop-off, kind a queries.funnel.DROP_KINDS entry); breakdown bars carry
`[group key, stage]`. `clicked_stage(click)` reads them back.
"""
from __future__ import annotations

import math

import dash_ag_grid as dag
import plotly.graph_objects as go
from dash import html
from plotly.subplots import make_subplots

from dashboard import i18n
from dashboard.components import charts
from dashboard.components.grid import GRID_LOCALE_DE, GRID_THEME
from dashboard.formatting import Formatter
from dashboard.pages._funnel_texts import tr

MEASURES = ("count", "value")
#: the shared grid look with a little less padding, so the page's tables fit 1280 px screens
COMPACT_THEME = GRID_THEME + ".withParams({cellHorizontalPadding: 10, headerFontSize: 12})"
BREAKDOWNS = ("region", "team", "owner", "source_channel", "campaign")
MAX_WINDOW_DAYS = 3650
LOST_COLOR = charts.BAD
OPEN_COLOR = charts.AMBER
DROPPED_COLOR = charts.MUTED


# --- the view's own URL parameters -------------------------------------------------------------
def parse_window(raw) -> int | float | None:
    """`window=` of the URL as days (a positive number up to MAX_WINDOW_DAYS); anything else None."""
    try:
        days = float(raw)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(days) or days <= 0 or days > MAX_WINDOW_DAYS:
        return None
    return int(days) if days.is_integer() else days


def parse_measure(raw) -> str:
    return raw if raw in MEASURES else "count"


def parse_by(raw) -> str | None:
    return raw if raw in BREAKDOWNS else None


def window_text(days, fmt: Formatter) -> str:
    return fmt.days(days, 0 if float(days).is_integer() else 1)


def drill_title(kind: str, stage: str, lang: str, fmt: Formatter, window_days=None) -> str:
    title = tr(f"funnel.drill_{kind}", lang, stage=stage)
    if window_days is not None:
        title = tr("funnel.drill_window", lang, title=title, days=window_text(window_days, fmt))
    return title


def clicked_stage(click_data) -> tuple[str, str] | None:
    """(stage, kind) of a click on the funnel figure: kind "reached" or a drop-off kind."""
    try:
        cd = click_data["points"][0]["customdata"]
    except (TypeError, KeyError, IndexError):
        return None
    if isinstance(cd, str):
        return cd, "reached"
    if not isinstance(cd, (list, tuple)) or not cd:
        return None
    return str(cd[0]), (str(cd[1]) if len(cd) > 1 and cd[1] else "reached")


# --- helpers ----------------------------------------------------------------------------------
def _main_value(stage: dict, measure: str):
    return (stage.get("reached_amount") if measure == "value" else stage.get("reached")) or 0


def _ratios(stage: dict, measure: str):
    if measure == "value":
        return stage.get("step_amount"), stage.get("cumulative_amount")
    return stage.get("step"), stage.get("cumulative")


def _fmt_main(value, measure: str, fmt: Formatter) -> str:
    return fmt.money_compact(value) if measure == "value" else fmt.count(value)


def _time_text(stage: dict, fmt: Formatter, lang: str) -> str:
    return tr("funnel.time_full", lang, median=fmt.days(stage.get("time_to_reach_median_days")),
              mean=fmt.days(stage.get("time_to_reach_mean_days")),
              p75=fmt.days(stage.get("time_to_reach_p75_days")))


def _hover(stage: dict, fmt: Formatter, lang: str) -> str:
    of_prev, of_first = tr("funnel.of_previous", lang), tr("funnel.of_first", lang)
    lines = [f"<b>{stage['stage']}</b>",
             f"{fmt.count(stage.get('reached'))} {tr('funnel.deals', lang)} · {fmt.money(stage.get('reached_amount'), 0)}"]
    if stage.get("step") is not None:
        lines.append(f"{tr('funnel.col_by_count', lang)}: {fmt.percent(stage.get('step'))} {of_prev}"
                     f" · {fmt.percent(stage.get('cumulative'))} {of_first}")
        lines.append(f"{tr('funnel.col_by_value', lang)}: {fmt.percent(stage.get('step_amount'))} {of_prev}"
                     f" · {fmt.percent(stage.get('cumulative_amount'))} {of_first}")
    lines.append(f"{tr('funnel.time_to_reach', lang)}: {_time_text(stage, fmt, lang)}")
    lines.append(f"<i>{tr('funnel.click_reached', lang)}</i>")
    return "<br>".join(lines)


def has_deals(stages: list[dict] | None) -> bool:
    return bool(stages) and bool(stages[0].get("reached"))


# --- the funnel -------------------------------------------------------------------------------
def funnel_figure(stages: list[dict], fmt: Formatter, lang: str, *, measure: str = "count",
                  windowed: bool = False) -> go.Figure:
    """Left: reached per stage (count or value) with "x % of first" on the bar and "x % of
    previous" under the stage name. Right: the drop-off per stage as stacked lost / still open
    bars (one "dropped" bar under a conversion window, where §1 does not split it)."""
    if not has_deals(stages):
        return charts.empty_figure(lang, tr("funnel.no_deals", lang))
    names = [s["stage"] for s in stages]
    of_prev, of_first = tr("funnel.of_previous", lang), tr("funnel.of_first", lang)
    values, texts, ticks = [], [], []
    for s in stages:
        v = _main_value(s, measure)
        step, cum = _ratios(s, measure)
        values.append(v)
        texts.append(f"<b>{_fmt_main(v, measure, fmt)}</b> · {fmt.percent(cum)} {of_first}")
        tick = f"<b>{s['stage']}</b>"
        if step is not None:
            tick += f"<br><span style='font-size:11px;color:#6c757d'>{fmt.percent(step)} {of_prev}</span>"
        ticks.append(tick)
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, column_widths=[0.68, 0.32], horizontal_spacing=0.03,
                        subplot_titles=(tr("funnel.reached_value" if measure == "value" else "funnel.reached", lang),
                                        tr("funnel.dropoff", lang)))
    fig.add_trace(go.Bar(
        y=names, x=values, orientation="h", name=tr("funnel.reached", lang), showlegend=False,
        marker=dict(color=charts.stage_colors(len(stages)), cornerradius=4),
        text=texts, textposition="auto", insidetextanchor="start", textfont=dict(size=12),
        customdata=[[n] for n in names], hovertext=[_hover(s, fmt, lang) for s in stages],
        hovertemplate="%{hovertext}<extra></extra>"), row=1, col=1)
    drops = stages[:-1]
    parts = ([("dropped", "dropped", DROPPED_COLOR, "funnel.dropped")] if windowed else
             [("dropped_lost", "dropped_lost", LOST_COLOR, "funnel.lost"),
              ("dropped_open", "dropped_open", OPEN_COLOR, "funnel.still_open")])
    for key, kind, color, label in parts:
        counts = [s.get(key) or 0 for s in drops]
        name = tr(label, lang)
        hover = [f"<b>{s['stage']}</b><br>{name}: {fmt.count(c)} {tr('funnel.deals', lang)}"
                 f" ({fmt.percent(c / s['reached'] if s.get('reached') else None)})"
                 f"<br><i>{tr('funnel.click_reached', lang)}</i>" for s, c in zip(drops, counts)]
        fig.add_trace(go.Bar(
            y=[s["stage"] for s in drops], x=counts, orientation="h", name=name,
            marker=dict(color=color, cornerradius=3), text=[fmt.count(c) if c else "" for c in counts],
            textposition="inside", insidetextanchor="middle", textfont=dict(size=11, color="white"),
            customdata=[[s["stage"], kind] for s in drops], hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>"), row=1, col=2)
    fig.update_layout(charts.base_layout(
        fmt, barmode="stack", bargap=0.28, margin=dict(l=4, r=8, t=28, b=8),
        # below the drop-off bars: the mode bar takes the top right corner on hover
        legend=dict(orientation="h", yanchor="top", y=-0.1, xanchor="right", x=1, font=dict(size=11),
                    traceorder="normal")))
    fig.update_yaxes(autorange="reversed", type="category", gridcolor="rgba(0,0,0,0)", automargin=True,
                     tickmode="array", tickvals=names, ticktext=ticks, row=1, col=1)
    fig.update_yaxes(autorange="reversed", type="category", gridcolor="rgba(0,0,0,0)", row=1, col=2)
    fig.update_xaxes(visible=False, row=1, col=1)
    fig.update_xaxes(gridcolor=charts.GRID, zeroline=False, row=1, col=2, rangemode="tozero",
                     tickformat=",d", tickfont=dict(size=10))
    _style_titles(fig)
    return fig


def _style_titles(fig: go.Figure) -> None:
    """Subplot titles small and muted, starting at their subplot's left edge (plotly centres them)."""
    domains = [fig.layout.xaxis.domain, fig.layout.xaxis2.domain]
    for ann, dom in zip(fig.layout.annotations, domains):
        ann.update(x=dom[0], xanchor="left", font=dict(size=11, color="#6c757d"))


def stage_table(stages: list[dict], fmt: Formatter, lang: str, *, measure: str = "count",
                windowed: bool = False) -> html.Table:
    """Per stage: deals, amount, both conversions (of the chosen measure), the drop-off and the
    time to reach (median, mean, 75th percentile)."""
    by = tr("funnel.col_by_value" if measure == "value" else "funnel.col_by_count", lang)
    drop_heads = [tr("funnel.dropped", lang)] if windowed else [tr("funnel.lost", lang), tr("funnel.still_open", lang)]
    head1 = [html.Th(tr("funnel.col_stage", lang), rowSpan=2), html.Th(tr("funnel.col_deals", lang), rowSpan=2, className="text-end"),
             html.Th(tr("funnel.col_amount", lang), rowSpan=2, className="text-end"),
             html.Th(f"{tr('funnel.col_step', lang)} ({by})", rowSpan=2, className="text-end"),
             html.Th(f"{tr('funnel.col_cumulative', lang)} ({by})", rowSpan=2, className="text-end"),
             html.Th(tr("funnel.dropoff", lang), colSpan=len(drop_heads), className="text-center"),
             html.Th(tr("funnel.time_to_reach", lang), colSpan=3, className="text-center")]
    head2 = [html.Th(h, className="text-end") for h in drop_heads] + [
        html.Th(tr(k, lang), className="text-end") for k in ("funnel.col_median", "funnel.col_mean", "funnel.col_p75")]
    rows = []
    for s in stages:
        step, cum = _ratios(s, measure)
        drops = [s.get("dropped")] if windowed else [s.get("dropped_lost"), s.get("dropped_open")]
        cells = [html.Td(s["stage"], className="fw-semibold"), html.Td(fmt.count(s.get("reached")), className="text-end"),
                 html.Td(fmt.money(s.get("reached_amount"), 0), className="text-end"),
                 html.Td(fmt.percent(step), className="text-end"), html.Td(fmt.percent(cum), className="text-end")]
        cells += [html.Td(fmt.count(d), className="text-end") for d in drops]
        cells += [html.Td(fmt.days(s.get(k)), className="text-end") for k in
                  ("time_to_reach_median_days", "time_to_reach_mean_days", "time_to_reach_p75_days")]
        rows.append(html.Tr(cells))
    return html.Table([html.Thead([html.Tr(head1), html.Tr(head2)], className="table-light"), html.Tbody(rows)],
                      className="table table-sm table-hover align-middle mb-0 funnel-stage-table",
                      style={"fontSize": "0.85rem"})


# --- breakdown --------------------------------------------------------------------------------
def group_label(key: str, labels: dict[str, str], lang: str) -> str:
    if key == "(none)":
        return i18n.t("filter.none", lang)
    return labels.get(key) or key


def breakdown_figure(groups: dict[str, list[dict]], labels: dict[str, str], fmt: Formatter, lang: str, *,
                     measure: str = "count") -> go.Figure:
    """The funnel of each group side by side: x the stages, one bar per group (largest first).
    customdata = [group key, stage] (a click cross-filters on the group)."""
    if not groups or not any(has_deals(st) for st in groups.values()):
        return charts.empty_figure(lang, tr("funnel.no_deals", lang))
    of_prev, of_first = tr("funnel.of_previous", lang), tr("funnel.of_first", lang)
    fig = charts.base_figure(fmt)
    for i, (key, stages) in enumerate(groups.items()):
        label = group_label(key, labels, lang)
        values, hover = [], []
        for s in stages:
            v = _main_value(s, measure)
            step, cum = _ratios(s, measure)
            values.append(v)
            line = f"<b>{label}</b> · {s['stage']}<br>{_fmt_main(v, measure, fmt)}"
            if measure != "value":
                line += f" {tr('funnel.deals', lang)}"
            line += f"<br>{fmt.percent(cum)} {of_first}"
            if step is not None:
                line += f" · {fmt.percent(step)} {of_prev}"
            hover.append(line + f"<br><i>{tr('funnel.breakdown_hint', lang)}</i>")
        fig.add_trace(go.Bar(
            x=[s["stage"] for s in stages], y=values, name=label, legendgroup=key,
            marker=dict(color=charts.SERIES[i % len(charts.SERIES)], cornerradius=2),
            customdata=[[key, s["stage"]] for s in stages], hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>"))
    value_axis = fmt.money_axis() if measure == "value" else {"tickformat": ",d"}
    fig.update_layout(barmode="group", bargap=0.2, bargroupgap=0.05, showlegend=True,
                      margin=dict(l=8, r=8, t=30, b=8),
                      xaxis=dict(type="category", gridcolor="rgba(0,0,0,0)", automargin=True),
                      yaxis=dict(gridcolor=charts.GRID, rangemode="tozero", automargin=True, **value_axis))
    return fig


def conversion_rows(groups: dict[str, list[dict]], labels: dict[str, str], lang: str, *,
                    measure: str = "count") -> list[dict]:
    """One grid row per group: key, label, and per stage index i `r{i}` (reached count or value),
    `s{i}` (of previous) and `c{i}` (of first)."""
    rows = []
    for key, stages in groups.items():
        row = {"key": key, "label": group_label(key, labels, lang)}
        for i, s in enumerate(stages):
            step, cum = _ratios(s, measure)
            row[f"r{i}"] = _main_value(s, measure)
            row[f"s{i}"] = step
            row[f"c{i}"] = cum
        rows.append(row)
    return rows


def money_formatter(lang: str, currency: str) -> str:
    """ag-grid valueFormatter of whole money amounts in the Formatter's style (1.234 € / €1,234)."""
    symbol = Formatter(lang, currency).symbol
    number = f"fmtNumber(params.value, '{lang}', 0)"
    text = f"{number} + '\u00a0{symbol}'" if lang == "de" else f"'{symbol}' + {number}"
    return f"params.value == null ? '–' : {text}"


def conversion_column_defs(stage_names: list[str], by_title: str, lang: str, currency: str, *,
                           measure: str = "count") -> list[dict]:
    """Column groups per stage: reached, % of previous, % of first (the first stage: reached)."""
    value_fmt = money_formatter(lang, currency) if measure == "value" else f"fmtNumber(params.value, '{lang}', 0)"
    num = {"type": "rightAligned", "filter": False, "wrapHeaderText": True, "autoHeaderHeight": True}
    # "vom vorherigen" needs a little more room than "of previous" to wrap between words
    pct = {**num, "valueFormatter": {"function": f"fmtPercent(params.value, '{lang}')"},
           "minWidth": 100 if lang == "de" else 88}
    defs = [{"field": "label", "headerName": by_title, "pinned": "left", "minWidth": 160, "wrapHeaderText": True,
             "tooltipField": "label",
             "autoHeaderHeight": True, "filter": False, "cellStyle": {"fontWeight": 600}}]
    head = tr("funnel.measure_value" if measure == "value" else "funnel.col_deals", lang)
    for i, name in enumerate(stage_names):
        children = [{**num, "field": f"r{i}", "headerName": head, "valueFormatter": {"function": value_fmt},
                     "minWidth": 104 if measure == "value" else 64}]
        if i:
            children += [{**pct, "field": f"s{i}", "headerName": tr("funnel.of_previous", lang)},
                         {**pct, "field": f"c{i}", "headerName": tr("funnel.of_first", lang)}]
        defs.append({"headerName": name, "children": children, "marryChildren": True,
                     "headerClass": "fw-semibold"})
    return defs


def conversion_grid(grid_id, groups: dict[str, list[dict]], labels: dict[str, str], stage_names: list[str],
                    by_title: str, lang: str, currency: str, *, measure: str = "count") -> dag.AgGrid:
    """The conversion table of a breakdown (dash-ag-grid, sortable; a row click cross-filters)."""
    options = {"animateRows": False, "theme": {"function": COMPACT_THEME}, "domLayout": "autoHeight",
               "suppressCellFocus": True, "autoSizeStrategy": {"type": "fitGridWidth"},
               "rowStyle": {"cursor": "pointer"},
               "localeText": {**(GRID_LOCALE_DE if lang == "de" else {}), "noRowsToShow": tr("funnel.no_deals", lang)}}
    return dag.AgGrid(
        id=grid_id, rowData=conversion_rows(groups, labels, lang, measure=measure),
        columnDefs=conversion_column_defs(stage_names, by_title, lang, currency, measure=measure),
        defaultColDef={"sortable": True, "resizable": True, "suppressHeaderMenuButton": True},
        getRowId="params.data.key", dashGridOptions=options, className="funnel-conversion-grid",
        style={"width": "100%"})


# --- lost reasons in the drill-down panel --------------------------------------------------------
def lost_reasons_block(reasons: list[dict], fmt: Formatter, lang: str) -> html.Div | None:
    """"Lost reasons: price 12 (40 %) · timing 9 (30 %) …" as small badges (most frequent first)."""
    total = sum(r.get("deals") or 0 for r in reasons)
    if not total:
        return None
    badges = []
    for r in reasons:
        reason = r.get("lost_reason")
        label = i18n.t("filter.none", lang) if reason in (None, "", "(none)") else i18n.lost_reason_label(reason, lang)
        badges.append(html.Span([html.Span(label, className="fw-semibold me-1"),
                                 f"{fmt.count(r['deals'])} ({fmt.percent(r['deals'] / total, 0)})"],
                                className="badge rounded-pill text-bg-light border me-1 mb-1",
                                style={"fontWeight": 400, "fontSize": "0.78rem"}))
    return html.Div([html.Span(tr("funnel.lost_reasons", lang), className="me-2 fw-semibold text-body"), *badges],
                    className="d-flex flex-wrap align-items-center funnel-lost-reasons",
                    # leaves the panel's export button its width (the toolbar is a flex row)
                    style={"maxWidth": "calc(min(1400px, 96vw) - 200px)"})
