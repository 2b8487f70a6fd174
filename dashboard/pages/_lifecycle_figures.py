"""Figures of the lifecycle page: migration Sankey and heatmap, lead conversion bars, activity.

Pure functions of query results (queries.lifecycle) and a Formatter; no database, no Dash
callbacks, so tests can call them directly. Every figure keeps what a click needs:
- Sankey: `link.label[i]` is "from|to" (the stage keys of the flow; dcc.Graph passes a link's
  label in clickData, not its customdata), the hover text is in `link.customdata`.
- heatmap: x and y are the stage keys (tick texts translate them), so a click gives both.
- conversion bars: `customdata[0]` is the group key (channel or campaign id).
Customer names never appear here (only in the drill-down grids).
"""
from __future__ import annotations

from datetime import date, timedelta

import plotly.graph_objects as go

from dashboard.components import charts
from dashboard.formatting import Formatter
from dashboard.urlstate import inclusive_end
from queries.period import local_midnight_utc

from ._lifecycle_texts import group_label, stage_label, tr

NO_STAGE = "—"
#: A colour per lifecycle stage: grey for none, blues along the funnel, green for customers,
#: red for churned; unknown stages grey.
STAGE_COLORS = {
    NO_STAGE: "#ced4da", "subscriber": "#a9c4f5", "lead": "#7fa6ee", "mql": "#5a8ae6",
    "sql": "#3d72dc", "opportunity": "#2456b8", "customer": "#12a594", "loyal": "#2b8a3e",
    "churned": "#e03131",
}
ACTIVITY_KINDS = ("new", "returning", "resurrecting", "dormant")
ACTIVITY_COLORS = {"new": charts.TEAL, "returning": charts.PRIMARY, "resurrecting": charts.AMBER,
                   "dormant": "#e8737a"}
KEY_SEP = "|"


def _rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    return f"rgba({int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{alpha})"


# --- migration dates -------------------------------------------------------------------------
def iso_date(raw) -> date | None:
    try:
        d = date.fromisoformat(str(raw)[:10]) if raw else None
    except ValueError:
        return None
    return d if d and 1970 <= d.year <= 2200 else None


def migration_dates(period, raw_t0=None, raw_t1=None) -> tuple[date, date]:
    """(first day, last day) of the migration: the URL's t0/t1, else the period's first and
    last day; a last day before the first falls back to the period."""
    d0 = iso_date(raw_t0) or period.start
    d1 = iso_date(raw_t1) or inclusive_end(period)
    if d1 < d0:
        return period.start, inclusive_end(period)
    return d0, d1


def migration_times(period, d0: date, d1: date):
    """t0 = midnight starting d0, t1 = midnight ending d1, as naive UTC (queries' timestamps)."""
    return local_midnight_utc(d0, period.tz), local_midnight_utc(d1 + timedelta(days=1), period.tz)


# --- migration -------------------------------------------------------------------------------
def no_stages(matrix: dict) -> bool:
    """True when no customer had a stage at either date (every customer in "—" → "—")."""
    return not any(n for a, row in matrix.items() for b, n in row.items() if (a, b) != (NO_STAGE, NO_STAGE))


def sankey_parts(matrix: dict[str, dict[str, int]]) -> dict:
    """Nodes and links of a migration matrix M[a][b] (stage order = the matrix's key order).

    {"left": [(stage, n at t0)], "right": [(stage, n at t1)], "links": [(a, b, n)]}: only stages
    with customers on that side and only non-empty cells, so no zero-width node or flow is drawn.
    Left counts are the row sums, right counts the column sums; both sum to the customers.
    """
    order = list(matrix)
    row = {a: sum(matrix[a].get(b, 0) for b in order) for a in order}
    col = {b: sum(matrix[a].get(b, 0) for a in order) for b in order}
    return {"left": [(a, row[a]) for a in order if row[a] > 0],
            "right": [(b, col[b]) for b in order if col[b] > 0],
            "links": [(a, b, matrix[a][b]) for a in order for b in order if matrix[a].get(b, 0) > 0]}


def node_centres(counts: list[int], total: int, gap: float, slots: int) -> list[float]:
    """Vertical centres (0 = top, 1 = bottom) of stacked nodes whose heights are proportional to
    their counts, `gap` (a fraction of the height) apart, scaled as plotly scales node heights
    (by the column with the most nodes, `slots`), the column centred vertically."""
    if not counts or not total:
        return []
    scale = (1 - gap * (max(slots, len(counts)) - 1)) / total
    used = sum(counts) * scale + gap * (len(counts) - 1)
    out, top = [], (1 - used) / 2
    for n in counts:
        h = n * scale
        out.append(top + h / 2)
        top += h + gap
    return out


#: Distance (px) between two Sankey node centres below which the lower label is left out.
MIN_LABEL_PX = 17


def sankey_figure(matrix: dict, fmt: Formatter, lang: str, *, t0_label: str, t1_label: str,
                  height: int = 420) -> go.Figure:
    """The migration as flows from the stages at t0 (left) to the stages at t1 (right)."""
    parts = sankey_parts(matrix)
    if not parts["links"]:
        return charts.empty_figure(lang, tr("lifecycle.no_customers", lang))
    if no_stages(matrix):
        return charts.empty_figure(lang, tr("lifecycle.no_stages", lang))
    left, right = parts["left"], parts["right"]
    total = sum(n for _, n in left)
    # room between nodes: the trace's node.pad (px) as a fraction of the plot height
    pad = 10
    gap = pad / max(120, height - 34)
    slots = max(len(left), len(right))
    labels, xs, ys, colors, hovers = [], [], [], [], []
    index = {}
    plot_px = height - 34   # the plot's height in px (y positions are fractions of it)
    for side, nodes, x, date_label in (("l", left, 0.001, t0_label), ("r", right, 0.999, t1_label)):
        centres = node_centres([n for _, n in nodes], total, gap, slots)
        last_label_y = None
        for (stage, n), y in zip(nodes, centres):
            index[(side, stage)] = len(labels)
            # a label closer than a line of text to the one above would print over it ("SQL · 5"
            # on "MQL · 67"): the small node keeps its hover, the matrix beside shows its number
            room = last_label_y is None or abs(y - last_label_y) * plot_px >= MIN_LABEL_PX
            labels.append(f"{stage_label(stage, lang)} · {fmt.count(n)}" if room else "")
            if room:
                last_label_y = y
            xs.append(x)
            ys.append(min(0.999, max(0.001, y)))
            colors.append(STAGE_COLORS.get(stage, charts.MUTED))
            hovers.append(tr("lifecycle.node_hover", lang, stage=stage_label(stage, lang), date=date_label,
                             n=fmt.count(n), share=fmt.percent(n / total if total else None)))
    row_total = dict(left)
    src, dst, val, keys, link_hover, link_colors = [], [], [], [], [], []
    for a, b, n in parts["links"]:
        src.append(index[("l", a)])
        dst.append(index[("r", b)])
        val.append(n)
        keys.append(f"{a}{KEY_SEP}{b}")
        share = fmt.percent(n / row_total[a] if row_total.get(a) else None)
        text_key = "lifecycle.stay_hover" if a == b else "lifecycle.flow_hover"
        link_hover.append(tr(text_key, lang, a=stage_label(a, lang), b=stage_label(b, lang),
                             n=fmt.count(n), share=share))
        # staying put is grey; a move takes the colour of the stage it goes to
        link_colors.append(_rgba("#adb5bd", 0.35) if a == b else _rgba(STAGE_COLORS.get(b, charts.MUTED), 0.45))
    fig = go.Figure(go.Sankey(
        arrangement="fixed", valueformat=",d",
        node=dict(label=labels, x=xs, y=ys, color=colors, pad=pad, thickness=14,
                  line=dict(color="white", width=0.5), customdata=hovers,
                  hovertemplate="%{customdata}<extra></extra>"),
        link=dict(source=src, target=dst, value=val, color=link_colors, label=keys,
                  customdata=link_hover, hovertemplate="%{customdata}<extra></extra>"),
    ))
    fig.update_layout(**charts.base_layout(fmt, margin=dict(l=8, r=8, t=8, b=26)))
    # the dates under the columns (the mode bar covers the top right corner)
    for x, anchor, text in ((0, "left", t0_label), (1, "right", t1_label)):
        fig.add_annotation(x=x, y=0, xref="paper", yref="paper", yanchor="top", xanchor=anchor,
                           yshift=-4, showarrow=False, text=f"<b>{text}</b>", font=dict(size=11, color=charts.INK))
    return fig


def heatmap_figure(matrix: dict, fmt: Formatter, lang: str, *, t0_label: str, t1_label: str) -> go.Figure:
    """The migration matrix: rows = stage at t0, columns = stage at t1; the cell text is the
    number of customers, its colour the share of the row (where the stage's customers went)."""
    order = list(matrix)
    rows = [a for a in order if sum(matrix[a].values()) > 0]
    cols = [b for b in order if any(matrix[a].get(b, 0) for a in order)]
    if not rows:
        return charts.empty_figure(lang, tr("lifecycle.no_customers", lang))
    if no_stages(matrix):
        return charts.empty_figure(lang, tr("lifecycle.no_stages", lang))
    z, text, hover = [], [], []
    for a in rows:
        total = sum(matrix[a].values())
        z_row, t_row, h_row = [], [], []
        for b in cols:
            n = matrix[a].get(b, 0)
            z_row.append(n / total if n else None)  # empty cells stay blank (and unclickable)
            t_row.append(fmt.count(n) if n else "")
            key = "lifecycle.stay_hover" if a == b else "lifecycle.flow_hover"
            h_row.append(tr(key, lang, a=stage_label(a, lang), b=stage_label(b, lang), n=fmt.count(n),
                            share=fmt.percent(n / total)))
        z.append(z_row)
        text.append(t_row)
        hover.append(h_row)
    fig = charts.base_figure(fmt)
    fig.add_trace(go.Heatmap(
        x=cols, y=rows, z=z, text=text, texttemplate="%{text}", textfont=dict(size=11),
        hovertext=hover, hovertemplate="%{hovertext}<extra></extra>", xgap=2, ygap=2,
        colorscale=[[0, "#eef3fd"], [0.5, "#7fa6ee"], [1, "#1d4eb0"]], zmin=0, zmax=1, showscale=False))
    fig.update_layout(
        # the x axis at the bottom: the mode bar sits over the top edge
        xaxis=dict(type="category", tickvals=cols, ticktext=[stage_label(b, lang) for b in cols], side="bottom",
                   title=dict(text=tr("lifecycle.axis_to", lang, date=t1_label), font=dict(size=11)),
                   gridcolor="rgba(0,0,0,0)", tickfont=dict(size=11)),
        yaxis=dict(type="category", tickvals=rows, ticktext=[stage_label(a, lang) for a in rows],
                   autorange="reversed", gridcolor="rgba(0,0,0,0)", tickfont=dict(size=11),
                   title=dict(text=tr("lifecycle.axis_from", lang, date=t0_label), font=dict(size=11))),
        margin=dict(l=8, r=8, t=8, b=8))
    return fig


def clicked_cell(click_data) -> tuple[str, str] | None:
    """(from, to) of a clicked heatmap cell or Sankey flow; None for a node or nothing."""
    try:
        point = click_data["points"][0]
    except (TypeError, KeyError, IndexError):
        return None
    label = point.get("label")
    if isinstance(label, str) and KEY_SEP in label:  # a Sankey link (node labels carry no "|")
        a, _, b = label.partition(KEY_SEP)
        return a, b
    x, y = point.get("x"), point.get("y")
    if isinstance(x, str) and isinstance(y, str) and point.get("z") is not None:
        return y, x
    return None


# --- lead conversion -------------------------------------------------------------------------
def conversion_figure(groups: dict[str, dict], fmt: Formatter, lang: str, *, kind: str,
                      names: dict | None = None, top: int | None = None) -> go.Figure:
    """Horizontal bars of the lead conversion rate per lead source (channel or campaign),
    labelled with rate and customers/leads; the `top` groups with the most leads, by leads."""
    items = [(k, v) for k, v in groups.items() if v.get("leads")]
    items.sort(key=lambda kv: (-kv[1]["leads"], kv[0]))
    if top:
        items = items[:top]
    if not items:
        return charts.empty_figure(lang)
    labels = [group_label(k, lang, kind=kind, names=names) for k, _ in items]
    # plotly needs unique categories: two campaigns of the same name get their id appended
    seen: dict[str, int] = {}
    for i, lab in enumerate(labels):
        seen[lab] = seen.get(lab, 0) + 1
        if seen[lab] > 1:
            labels[i] = f"{lab} ({items[i][0]})"
    rates = [v.get("rate") or 0 for _, v in items]
    texts = [tr("lifecycle.conv_text", lang, rate=fmt.percent(v.get("rate"), 0),
                customers=fmt.count(v["customers"]), leads=fmt.count(v["leads"])) for _, v in items]
    hovers = [tr("lifecycle.conv_hover", lang, label=lab, customers=fmt.count(v["customers"]),
                 leads=fmt.count(v["leads"]), rate=fmt.percent(v.get("rate"))) for lab, (_, v) in zip(labels, items)]
    fig = charts.base_figure(fmt)
    fig.add_trace(go.Bar(
        y=labels, x=rates, orientation="h", text=texts, textposition="outside", cliponaxis=False,
        textfont=dict(size=11), marker=dict(color=charts.TEAL if kind == "channel" else charts.PRIMARY, cornerradius=3),
        customdata=[[k] for k, _ in items], hovertext=hovers, hovertemplate="%{hovertext}<extra></extra>"))
    top_rate = max(rates) if rates else 0
    fig.update_layout(
        xaxis=dict(gridcolor=charts.GRID, range=[0, max(0.05, top_rate) * 1.35], rangemode="tozero",
                   **fmt.percent_axis()),
        yaxis=dict(autorange="reversed", type="category", gridcolor="rgba(0,0,0,0)", automargin=True),
        bargap=0.3, showlegend=False, margin=dict(l=8, r=12, t=4, b=8))
    return fig


# --- activity lifecycle ----------------------------------------------------------------------
def activity_figure(rows: list[dict], measure: str, fmt: Formatter, lang: str) -> go.Figure:
    """Diverging stacked bars per month: new, returning, resurrecting up, dormant down.

    `measure` "count" (customers) or "revenue" (the `*_revenue` columns; dormant = minus their
    revenue the month before, METRICS.md §3).
    """
    if not rows or not any(r.get(k) for r in rows for k in ACTIVITY_KINDS):
        return charts.empty_figure(lang)
    months = [r["month"] for r in rows]
    labels = [fmt.month(m) for m in months]
    fig = charts.base_figure(fmt)
    for kind in ACTIVITY_KINDS:
        col = kind if measure == "count" else f"{kind}_revenue"
        values = [r.get(col) or 0 for r in rows]
        name = tr(f"lifecycle.kind.{kind}", lang)
        if measure == "count":
            hover = [tr("lifecycle.activity_hover_count", lang, month=fmt.month(m, long=True), kind=name,
                        n=fmt.count(abs(v))) for m, v in zip(months, values)]
        else:
            key = "lifecycle.activity_hover_dormant_revenue" if kind == "dormant" else "lifecycle.activity_hover_revenue"
            hover = [tr(key, lang, month=fmt.month(m, long=True), kind=name, value=fmt.money(abs(v), 0))
                     for m, v in zip(months, values)]
        fig.add_trace(go.Bar(x=labels, y=values, name=name, marker=dict(color=ACTIVITY_COLORS[kind]),
                             customdata=[[m] for m in months], hovertext=hover,
                             hovertemplate="%{hovertext}<extra></extra>"))
    axis = fmt.money_axis() if measure == "revenue" else {"tickformat": ",d"}
    # two-line ticks ("Dec<br>2025"): a year of months fits half a page without rotated labels
    fig.update_layout(barmode="relative", bargap=0.25, showlegend=True,
                      xaxis=dict(type="category", gridcolor="rgba(0,0,0,0)", tickmode="array", tickvals=labels,
                                 ticktext=[label.replace(" ", "<br>", 1) for label in labels]),
                      yaxis=dict(gridcolor=charts.GRID, zeroline=True, zerolinecolor="#868e96", zerolinewidth=1,
                                 **axis),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0,
                                  traceorder="normal"),
                      margin=dict(l=8, r=8, t=28, b=8))
    return fig
