"""Figures and lists of the attribution page: every model per channel, top journeys, the
journeys' first steps (Sankey), the channel transition matrix, and the drill-down rows.

Pure functions of query results (queries.attribution, queries.paths, queries.journeys) and a
Formatter; no database, no Dash callbacks. What a click needs is on the figure: bars carry the
channel in `customdata[0]`, rows of the path list carry the path in their pattern id.
Customer names never appear here (the drill-down rows carry ids only).
"""
from __future__ import annotations

from itertools import pairwise

import pandas as pd
import plotly.graph_objects as go
from dash import html

from dashboard import i18n, ids
from dashboard.components import charts
from dashboard.formatting import Formatter
from queries.attribution_models import merged_path
from queries.paths import SEPARATOR

from ._attribution_texts import state_label, tr
from ._campaigns_texts import model_label
from ._lifecycle_figures import node_centres

PAGE = "attribution"
MEASURES = ("conversions", "value")
DEFAULT_MEASURE = "conversions"
PATH_SEPARATOR = SEPARATOR
OTHER = "__other__"
#: The drill-down rows' columns (journey_rows); `channel_touches` only for a channel.
#: The deal's value is `amount`, the name lists use for deal amounts (a role that may not see
#: amounts has that column redacted by name).
ROW_COLUMNS = ("deal_id", "customer_id", "closed_at", "amount", "path", "touches", "channel_touches",
               "first_touch_at")


def parse_measure(raw) -> str:
    """The URL's `measure` if known, else conversions."""
    return raw if raw in MEASURES else DEFAULT_MEASURE


# --- the models side by side -----------------------------------------------------------------
def channel_order(models: dict[str, dict], measure: str) -> list[str]:
    """Every channel credited by any model, by its mean credit over the models (largest first),
    ties by name; a model without a result (Markov: null) counts 0."""
    channels = sorted({k for by_key in models.values() for k in by_key})
    if not channels:
        return []

    def mean(ch):
        return sum((by_key.get(ch) or {}).get(measure) or 0.0 for by_key in models.values()) / len(models)
    return sorted(channels, key=lambda ch: (-mean(ch), ch))


def models_figure(result: dict, measure: str, fmt: Formatter, lang: str, *, model_names=None) -> go.Figure:
    """Grouped bars: one group per channel, one bar per model (queries.attribution
    attribute_all_models), height = attributed conversions or value; hover with the share of the
    total. `customdata[0]` of every bar is the channel."""
    models = result.get("models") or {}
    channels = channel_order(models, measure)
    if not channels or not result.get("total_conversions"):
        return charts.empty_figure(lang)
    total = result.get("total_value" if measure == "value" else "total_conversions") or 0
    key = "attribution.hover_value" if measure == "value" else "attribution.hover_conversions"
    fig = charts.base_figure(fmt)
    for i, model in enumerate(model_names or models):
        by_key = models.get(model) or {}
        ys = [(by_key.get(ch) or {}).get(measure) for ch in channels]
        name = model_label(model, lang)
        hover = []
        for ch, y in zip(channels, ys):
            shown = fmt.money(y, 0) if measure == "value" else fmt.number(y, 1)
            hover.append(tr(key, lang, channel=i18n.channel_label(ch, lang), model=name, value=shown,
                            share=fmt.percent(y / total if (y is not None and total) else None)))
        fig.add_trace(go.Bar(
            x=channels, y=ys, name=name, marker=dict(color=charts.SERIES[i % len(charts.SERIES)], cornerradius=2),
            customdata=[[ch] for ch in channels], hovertext=hover, hovertemplate="%{hovertext}<extra></extra>"))
    axis = fmt.money_axis() if measure == "value" else {"tickformat": ",~r"}
    title = tr("attribution.axis_value" if measure == "value" else "attribution.axis_conversions", lang)
    fig.update_layout(
        barmode="group", bargap=0.22, bargroupgap=0.06, showlegend=True,
        xaxis=dict(type="category", gridcolor="rgba(0,0,0,0)", tickfont=dict(size=12), tickmode="array",
                   tickvals=channels, ticktext=[i18n.channel_label(ch, lang) for ch in channels]),
        yaxis=dict(gridcolor=charts.GRID, rangemode="tozero", title=dict(text=title, font=dict(size=11)), **axis),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0, font=dict(size=11)),
        margin=dict(l=8, r=8, t=30, b=8))
    return fig


def totals_text(result: dict, fmt: Formatter, lang: str, window_days: int) -> str:
    """The sentence under the chart: what every model shares out, and what is not attributed."""
    fields = dict(conv=fmt.count(result.get("total_conversions")), value=fmt.money(result.get("total_value"), 0),
                  window=fmt.count(window_days))
    if result.get("unattributed_conversions"):
        return tr("attribution.totals", lang, un=fmt.count(result["unattributed_conversions"]),
                  un_value=fmt.money(result.get("unattributed_value"), 0), **fields)
    return tr("attribution.totals_all", lang, **fields)


# --- top journeys ----------------------------------------------------------------------------
def _path_chips(steps: list[str], lang: str) -> list:
    out = []
    for i, step in enumerate(steps):
        if i:
            out.append(html.I(className="bi bi-chevron-right mx-1 text-muted", style={"fontSize": "0.7rem"}))
        out.append(html.Span(i18n.channel_label(step, lang), className="badge rounded-pill text-bg-light border fw-normal"))
    return out


def paths_table(paths: list[dict], fmt: Formatter, lang: str):
    """The top paths (queries.paths.top_paths rows) as a table; each row a click target
    (`ids.page_pattern("attribution", "path", path)`), the rate with a small bar."""
    if not paths:
        return charts.empty_state(lang)
    head = html.Thead(html.Tr([
        html.Th(tr("attribution.col.path", lang)),
        html.Th(tr("attribution.col.journeys", lang), className="text-end"),
        html.Th(tr("attribution.col.conversions", lang), className="text-end"),
        html.Th(tr("attribution.col.conversion_rate", lang), className="text-end", style={"width": "30%"}),
    ]))
    top_rate = max((p.get("conversion_rate") or 0) for p in paths) or 1
    rows = []
    for p in paths:
        rate = p.get("conversion_rate")
        bar = html.Div(html.Div(style={"width": f"{100 * (rate or 0) / top_rate:.1f}%", "height": "6px",
                                       "background": charts.TEAL, "borderRadius": "3px"}),
                       style={"background": "#eef1f5", "borderRadius": "3px", "marginTop": "3px"})
        rows.append(html.Tr([
            html.Td(html.Div(_path_chips(p.get("steps") or p["path"].split(PATH_SEPARATOR), lang),
                             className="d-flex flex-wrap align-items-center")),
            html.Td(fmt.count(p.get("journeys")), className="text-end"),
            html.Td(fmt.count(p.get("conversions")), className="text-end"),
            html.Td([html.Div(fmt.percent(rate), className="small"), bar], className="text-end"),
        ], id=ids.page_pattern(PAGE, "path", p["path"]), n_clicks=0, style={"cursor": "pointer"},
            title=tr("attribution.paths_hint", lang)))
    return html.Table([head, html.Tbody(rows)], className="table table-sm table-hover align-middle mb-1 small")


# --- the journeys' first steps ---------------------------------------------------------------
def sankey_parts(paths: list[dict], steps: int = 3, min_share: float = 0.03) -> dict:
    """Nodes and links of the first `steps` steps of every journey and its outcome.

    `paths`: every queries.paths.top_paths row (path, steps, journeys, conversions). A journey
    flows step 1 → 2 → … → its last shown step (at most `steps`) → conversion or null; channels
    with less than `min_share` of the journeys at a step are one "other" node there.
    {"nodes": {(k, channel): journeys}, "links": {((k, a), (k + 1, b) | "conversion" | "null"): n}}.
    """
    at_step: dict[tuple[int, str], int] = {}
    for p in paths:
        for k, ch in enumerate((p.get("steps") or [])[:steps], start=1):
            at_step[(k, ch)] = at_step.get((k, ch), 0) + p["journeys"]
    step_total: dict[int, int] = {}
    for (k, _), n in at_step.items():
        step_total[k] = step_total.get(k, 0) + n
    small = {node for node, n in at_step.items() if n < min_share * step_total[node[0]]}

    def node(k, ch):
        return (k, OTHER) if (k, ch) in small else (k, ch)
    nodes: dict = {}
    links: dict = {}
    for p in paths:
        shown = (p.get("steps") or [])[:steps]
        if not shown:
            continue
        n, c = p["journeys"], p.get("conversions") or 0
        chain = [node(k, ch) for k, ch in enumerate(shown, start=1)]
        for a in chain:
            nodes[a] = nodes.get(a, 0) + n
        for a, b in pairwise(chain):
            links[(a, b)] = links.get((a, b), 0) + n
        for end, m in (("conversion", c), ("null", n - c)):
            if m:
                links[(chain[-1], end)] = links.get((chain[-1], end), 0) + m
                nodes[end] = nodes.get(end, 0) + m
    return {"nodes": nodes, "links": links}


def _is_other(key) -> bool:
    return isinstance(key, tuple) and key[1] == OTHER


def _alpha(hex_color: str, a: float) -> str:
    h = hex_color.lstrip("#")
    return f"rgba({int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{a})"


def sankey_figure(paths: list[dict], fmt: Formatter, lang: str, *, steps: int = 3, height: int = 420) -> go.Figure:
    """The journeys' first steps as flows, columns step 1 … `steps` and the outcome."""
    parts = sankey_parts(paths, steps)
    if not parts["links"] and not parts["nodes"]:
        return charts.empty_figure(lang)
    channels = sorted({ch for key in parts["nodes"] if isinstance(key, tuple) for ch in [key[1]] if ch != OTHER})
    color = {ch: charts.SERIES[i % len(charts.SERIES)] for i, ch in enumerate(channels)}
    color.update({OTHER: charts.MUTED, "conversion": charts.GOOD, "null": "#ced4da"})
    other = tr("attribution.other", lang)

    def name(key):
        ch = key[1] if isinstance(key, tuple) else key
        return other if ch == OTHER else state_label(ch, lang)

    columns: dict[int, list] = {}
    for key, n in parts["nodes"].items():
        columns.setdefault(key[0] if isinstance(key, tuple) else steps + 1, []).append((key, n))
    pad = 8
    gap = pad / max(120, height - 40)
    slots = max(len(v) for v in columns.values())
    index, labels, xs, ys, colors, hovers = {}, [], [], [], [], []
    for col in sorted(columns):
        # the outcome column: conversion first; step columns: largest first, "other" last
        items = sorted(columns[col], key=lambda kv: (_is_other(kv[0]), kv[0] != "conversion", -kv[1]))
        total = sum(n for _, n in items)
        centres = node_centres([n for _, n in items], total, gap, slots)
        x = 0.001 + 0.998 * (col - 1) / steps
        for (key, n), y in zip(items, centres):
            index[key] = len(labels)
            labels.append(f"{name(key)} · {fmt.count(n)}")
            xs.append(x)
            ys.append(min(0.999, max(0.001, y)))
            ch = key[1] if isinstance(key, tuple) else key
            colors.append(color.get(ch, charts.MUTED))
            hovers.append(tr("attribution.node_hover", lang, label=name(key), k=key[0], n=fmt.count(n))
                          if isinstance(key, tuple) else tr("attribution.end_hover", lang, label=name(key),
                                                            n=fmt.count(n)))
    src, dst, val, link_colors, link_hover = [], [], [], [], []
    for (a, b), n in parts["links"].items():
        src.append(index[a])
        dst.append(index[b])
        val.append(n)
        target = b[1] if isinstance(b, tuple) else b
        link_colors.append(_alpha(color.get(target, charts.MUTED), 0.35))
        link_hover.append(tr("attribution.link_hover", lang, a=name(a), b=name(b), n=fmt.count(n)))
    fig = go.Figure(go.Sankey(
        arrangement="fixed", valueformat=",d",
        node=dict(label=labels, x=xs, y=ys, color=colors, pad=pad, thickness=12,
                  line=dict(color="white", width=0.5), customdata=hovers,
                  hovertemplate="%{customdata}<extra></extra>"),
        link=dict(source=src, target=dst, value=val, color=link_colors, customdata=link_hover,
                  hovertemplate="%{customdata}<extra></extra>")))
    fig.update_layout(**charts.base_layout(fmt, margin=dict(l=8, r=8, t=8, b=26)))
    for col in range(1, steps + 1):  # the step under each column (the outcome nodes name themselves)
        fig.add_annotation(x=(col - 1) / steps, y=0, xref="paper", yref="paper", yanchor="top",
                           xanchor="left" if col == 1 else "center", yshift=-4, showarrow=False,
                           text=f"<b>{tr('attribution.step', lang, k=col)}</b>", font=dict(size=11, color=charts.INK))
    return fig


# --- transition matrix -----------------------------------------------------------------------
def transition_figure(matrix: dict, fmt: Formatter, lang: str) -> go.Figure:
    """queries.paths.transition_matrix as a heatmap: rows start and the channels (from), columns
    the channels, conversion and null (to); colour and text = the transition probability."""
    counts = matrix.get("counts") or {}
    probs = matrix.get("probabilities") or {}
    states = matrix.get("states") or []
    rows = [s for s in states if s not in ("conversion", "null") and counts.get(s)]
    cols = [s for s in states if s != "start"]
    if not rows:
        return charts.empty_figure(lang)
    z, text, hover = [], [], []
    for a in rows:
        out_total = sum(counts[a].values())
        z_row, t_row, h_row = [], [], []
        for b in cols:
            p = probs.get(a, {}).get(b)
            n = counts[a].get(b, 0)
            z_row.append(p if n else None)
            t_row.append(fmt.percent(p, 0) if n else "")
            h_row.append(tr("attribution.transition_hover", lang, a=state_label(a, lang), b=state_label(b, lang),
                            p=fmt.percent(p if n else 0.0), total=fmt.count(out_total), n=fmt.count(n)))
        z.append(z_row)
        text.append(t_row)
        hover.append(h_row)
    fig = charts.base_figure(fmt)
    fig.add_trace(go.Heatmap(
        x=cols, y=rows, z=z, text=text, texttemplate="%{text}", textfont=dict(size=10),
        hovertext=hover, hovertemplate="%{hovertext}<extra></extra>", xgap=1, ygap=1,
        colorscale=[[0, "#eef3fd"], [0.35, "#7fa6ee"], [1, "#1d4eb0"]], zmin=0, zmax=max(
            (v for r in z for v in r if v is not None), default=1), showscale=False))
    fig.update_layout(
        xaxis=dict(type="category", tickvals=cols, ticktext=[state_label(b, lang) for b in cols], side="bottom",
                   title=dict(text=tr("attribution.axis_to", lang), font=dict(size=11)), tickangle=-35,
                   gridcolor="rgba(0,0,0,0)", tickfont=dict(size=11)),
        yaxis=dict(type="category", tickvals=rows, ticktext=[state_label(a, lang) for a in rows],
                   autorange="reversed", gridcolor="rgba(0,0,0,0)", tickfont=dict(size=11),
                   title=dict(text=tr("attribution.axis_from", lang), font=dict(size=11))),
        margin=dict(l=8, r=8, t=8, b=8))
    return fig


# --- drill-down rows -------------------------------------------------------------------------
def journey_rows(journeys, *, channel: str | None = None, path: str | None = None) -> pd.DataFrame:
    """One row per attributed conversion (queries.journeys.Journey) whose journey contains
    `channel` or whose merged path is `path`: ROW_COLUMNS, in the journeys' order."""
    rows = []
    for j in journeys:
        if not j.touches:
            continue
        keys = [t.key for t in j.touches]
        steps = merged_path(keys)
        if channel is not None and channel not in keys:
            continue
        if path is not None and PATH_SEPARATOR.join(steps) != path:
            continue
        rows.append({"deal_id": j.deal_id, "customer_id": j.customer_id, "closed_at": j.closed_at,
                     "amount": j.value, "path": PATH_SEPARATOR.join(steps), "touches": len(keys),
                     "channel_touches": keys.count(channel) if channel is not None else None,
                     "first_touch_at": j.touches[0].occurred_at})
    return pd.DataFrame(rows, columns=list(ROW_COLUMNS))
