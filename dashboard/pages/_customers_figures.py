"""Figures and table pieces of the customers page: behaviour segments, RFM heatmap, Lorenz curve,
predicted-CLV distribution and top customers, cohort retention.

Pure functions of query results (queries.segments, pareto, clv, cohorts) and a Formatter; no
database, no Dash callbacks. Click targets: segment bars carry the segment in `customdata[0]`,
RFM cells have x = F score and y = R score. Customer names never appear here (charts, hovers
and the top-CLV table show ids only; names are in the drill-down grids).
"""
from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.components import charts
from dashboard.formatting import Formatter

from ._customers_texts import segment_label, tr

SCORES = (1, 2, 3, 4, 5)
SEGMENT_COLORS = {"loyal": charts.GOOD, "new": charts.TEAL, "active": charts.PRIMARY, "at_risk": charts.AMBER,
                  "inactive": charts.BAD, "browsing": "#7048e8", "prospect": charts.MUTED}


# --- behaviour segments ----------------------------------------------------------------------
def segments_figure(segments: dict[str, dict], fmt: Formatter, lang: str) -> go.Figure:
    """Two panels side by side per segment (queries.segments.behaviour_segments, in its order):
    customers (text: count · share) and revenue to period end (text: money · share of revenue).
    `customdata[0]` of every bar is the segment."""
    order = list(segments)
    total_customers = sum(s.get("customers") or 0 for s in segments.values())
    if not total_customers:
        return charts.empty_figure(lang)
    total_revenue = sum(s.get("revenue") or 0 for s in segments.values())
    labels = [segment_label(s, lang) for s in order]
    counts = [segments[s].get("customers") or 0 for s in order]
    revenue = [segments[s].get("revenue") or 0.0 for s in order]
    rshare = [r / total_revenue if total_revenue else None for r in revenue]
    hover = [tr("customers.segment_hover", lang, segment=lab, n=fmt.count(n), share=fmt.percent(segments[s].get("share")),
                revenue=fmt.money(r, 0), rshare=fmt.percent(rs)) for s, lab, n, r, rs in zip(order, labels, counts, revenue, rshare)]
    colors = [SEGMENT_COLORS.get(s, charts.MUTED) for s in order]
    custom = [[s] for s in order]
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.05,
                        subplot_titles=(tr("customers.segments_customers", lang), tr("customers.segments_revenue", lang)))
    fig.add_trace(go.Bar(
        y=labels, x=counts, orientation="h", marker=dict(color=colors, cornerradius=3), customdata=custom,
        text=[f"{fmt.count(n)} · {fmt.percent(segments[s].get('share'), 0)}" for s, n in zip(order, counts)],
        textposition="outside", cliponaxis=False, textfont=dict(size=11),
        hovertext=hover, hovertemplate="%{hovertext}<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Bar(
        y=labels, x=revenue, orientation="h", marker=dict(color=colors, cornerradius=3, opacity=0.75), customdata=custom,
        text=[f"{fmt.money_compact(r)} · {fmt.percent(rs, 0)}" if r else "" for r, rs in zip(revenue, rshare)],
        textposition="outside", cliponaxis=False, textfont=dict(size=11),
        hovertext=hover, hovertemplate="%{hovertext}<extra></extra>"), row=1, col=2)
    fig.update_layout(**charts.base_layout(fmt, margin=dict(l=8, r=24, t=26, b=8)))
    fig.update_layout(showlegend=False, bargap=0.28,
                      yaxis=dict(autorange="reversed", type="category", gridcolor="rgba(0,0,0,0)", automargin=True),
                      xaxis=dict(range=[0, max(counts) * 1.45], gridcolor=charts.GRID, tickformat=",d"),
                      # the revenue bars are labelled; long money ticks would only crowd the axis
                      xaxis2=dict(range=[0, (max(revenue) or 1) * 1.5], gridcolor=charts.GRID, showticklabels=False))
    fig.update_annotations(font=dict(size=11, color="#6c757d"))
    return fig


def segments_note(segments: dict[str, dict], thresholds, fmt: Formatter, lang: str) -> str:
    """The segment definitions with the thresholds in force (METRICS.md §6)."""
    th = thresholds
    return tr("customers.segments_note", lang, n=fmt.count(sum(s.get("customers") or 0 for s in segments.values())),
              loyal=th.loyal_min_orders, active=th.active_days, active1=th.active_days + 1, risk=th.at_risk_days,
              visits=th.browsing_min_visits, days=th.browsing_days)


# --- RFM ---------------------------------------------------------------------------------------
def rfm_figure(rfm: dict, fmt: Formatter, lang: str) -> go.Figure:
    """queries.segments.rfm_scores' R × F heatmap: x = F score, y = R score (5 on top), colour =
    the cell's mean monetary value, text = its customers. Empty cells are blank."""
    cells = {(c["r"], c["f"]): c for c in rfm.get("heatmap") or []}
    if not rfm.get("customers"):
        return charts.empty_figure(lang)
    z, text, hover = [], [], []
    for r in SCORES:
        z_row, t_row, h_row = [], [], []
        for f in SCORES:
            c = cells.get((r, f)) or {}
            n = c.get("customers") or 0
            z_row.append(c.get("monetary_mean") if n else None)
            t_row.append(fmt.count(n) if n else "")
            h_row.append(tr("customers.rfm_hover", lang, r=r, f=f, n=fmt.count(n), money=fmt.money(c.get("monetary_mean"), 0)))
        z.append(z_row)
        text.append(t_row)
        hover.append(h_row)
    axis = fmt.money_axis()
    fig = charts.base_figure(fmt)
    fig.add_trace(go.Heatmap(
        x=list(SCORES), y=list(SCORES), z=z, text=text, texttemplate="%{text}", textfont=dict(size=12),
        hovertext=hover, hovertemplate="%{hovertext}<extra></extra>", xgap=3, ygap=3,
        colorscale=[[0, "#eef3fd"], [0.5, "#7fa6ee"], [1, "#1d4eb0"]],
        colorbar=dict(title=dict(text=tr("customers.rfm_colorbar", lang), font=dict(size=11)), thickness=10,
                      len=0.9, outlinewidth=0, tickfont=dict(size=10), **{k: v for k, v in axis.items()})))
    fig.update_layout(
        xaxis=dict(type="category", title=dict(text=tr("customers.rfm_axis_f", lang), font=dict(size=11)),
                   gridcolor="rgba(0,0,0,0)"),
        yaxis=dict(type="category", title=dict(text=tr("customers.rfm_axis_r", lang), font=dict(size=11)),
                   gridcolor="rgba(0,0,0,0)"),
        margin=dict(l=8, r=8, t=8, b=8))
    return fig


def clicked_rfm(click_data) -> tuple[int, int] | None:
    """(r, f) of a clicked RFM cell with customers; None otherwise."""
    try:
        point = click_data["points"][0]
        if point.get("z") is None:
            return None
        r, f = int(point["y"]), int(point["x"])
    except (TypeError, KeyError, IndexError, ValueError):
        return None
    return (r, f) if r in SCORES and f in SCORES else None


# --- Pareto ------------------------------------------------------------------------------------
def lorenz_figure(pareto: dict, fmt: Formatter, lang: str) -> go.Figure:
    """The Lorenz curve at the deciles (queries.pareto) from (0, 0), and the equality diagonal."""
    deciles = [(x, y) for x, y in pareto.get("lorenz_deciles") or [] if y is not None]
    if not pareto.get("customers") or not deciles:
        return charts.empty_figure(lang)
    xs = [0.0] + [x for x, _ in deciles]
    ys = [0.0] + [y for _, y in deciles]
    hover = [tr("customers.pareto_hover", lang, x=fmt.percent(x, 0), y=fmt.percent(y)) for x, y in zip(xs, ys)]
    fig = charts.base_figure(fmt)
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name=tr("customers.pareto_equal", lang),
                             line=dict(color=charts.TARGET, width=1.2, dash="dash"), hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines+markers", name=tr("customers.pareto_curve", lang),
                             line=dict(color=charts.PRIMARY, width=2.5), marker=dict(size=6),
                             fill="tonexty", fillcolor="rgba(47,111,222,0.10)",
                             hovertext=hover, hovertemplate="%{hovertext}<extra></extra>"))
    fig.update_layout(
        xaxis=dict(range=[0, 1], dtick=0.2, gridcolor=charts.GRID, title=dict(text=tr("customers.pareto_axis_x", lang),
                                                                           font=dict(size=11)), **fmt.percent_axis()),
        yaxis=dict(range=[0, 1], dtick=0.2, gridcolor=charts.GRID, title=dict(text=tr("customers.pareto_axis_y", lang),
                                                                           font=dict(size=11)), **fmt.percent_axis()),
        showlegend=True, legend=dict(orientation="v", yanchor="top", y=0.98, xanchor="left", x=0.02,
                                     bgcolor="rgba(255,255,255,0.7)"),
        margin=dict(l=8, r=8, t=8, b=8))
    return fig


def pareto_texts(pareto: dict, fmt: Formatter, lang: str) -> tuple[str, str] | None:
    """("The top 20 % of customers (13) bring 66 % of the revenue.", the Gini line); None without data."""
    if pareto.get("top20_share") is None:
        return None
    sentence = tr("customers.pareto_sentence", lang, n=fmt.count(pareto["top_n"]), share=fmt.percent(pareto["top20_share"], 0))
    gini = tr("customers.pareto_gini", lang, gini=fmt.number(pareto.get("gini"), 2), n=fmt.count(pareto.get("customers")),
              total=fmt.money(pareto.get("total_revenue"), 0))
    return sentence, gini


# --- predicted CLV -----------------------------------------------------------------------------
def nice_step(raw: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k that is ≥ raw (> 0)."""
    if raw <= 0 or not math.isfinite(raw):
        return 1.0
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if m * power >= raw * (1 - 1e-12):
            return m * power
    return 10 * power


def clv_bins(values, bins: int = 24, cap_quantile: float = 0.99) -> list[dict]:
    """Histogram bins of the finite values: from 0 in steps of a round width, up to the
    `cap_quantile` (so a long tail does not squeeze the rest); values beyond go in a last open
    bin. [{"lo", "hi" (None = open), "n"}]; bins sum to the number of finite values."""
    v = np.asarray([x for x in values if x is not None and math.isfinite(x)], dtype=float)
    if v.size == 0:
        return []
    lo = min(0.0, float(v.min()))
    cap = float(np.quantile(v, cap_quantile)) if v.size > 1 else float(v.max())
    width = nice_step(max(cap - lo, 1e-9) / bins)
    n_closed = max(1, math.ceil((cap - lo) / width))
    edges = [lo + i * width for i in range(n_closed + 1)]
    counts = [0] * n_closed
    over = 0
    for x in v:
        i = int((x - lo) // width)
        if i >= n_closed:
            if x <= edges[-1] and i == n_closed:  # exactly on the last edge
                counts[-1] += 1
            else:
                over += 1
        else:
            counts[i] += 1
    out = [{"lo": edges[i], "hi": edges[i + 1], "n": counts[i]} for i in range(n_closed)]
    if over:
        out.append({"lo": edges[-1], "hi": None, "n": over})
    return out


def clv_figure(values, fmt: Formatter, lang: str) -> go.Figure:
    """Histogram of predicted CLV (queries.clv.predicted_clv) with median and mean marked."""
    bins = clv_bins(values)
    if not bins:
        return charts.empty_figure(lang)
    finite = np.asarray([x for x in values if x is not None and math.isfinite(x)], dtype=float)
    width = bins[0]["hi"] - bins[0]["lo"]
    xs = [b["lo"] + width / 2 for b in bins]
    hover = [tr("customers.clv_hover", lang, lo=fmt.money(b["lo"], 0), hi=fmt.money(b["hi"], 0), n=fmt.count(b["n"]))
             if b["hi"] is not None else tr("customers.clv_hover_open", lang, lo=fmt.money(b["lo"], 0), n=fmt.count(b["n"]))
             for b in bins]
    colors = [charts.PRIMARY if b["hi"] is not None else charts.PRIMARY_LIGHT for b in bins]
    fig = charts.base_figure(fmt)
    fig.add_trace(go.Bar(x=xs, y=[b["n"] for b in bins], width=[width * 0.92] * len(bins),
                         marker=dict(color=colors, cornerradius=2), hovertext=hover,
                         hovertemplate="%{hovertext}<extra></extra>"))
    top = max(b["n"] for b in bins)
    median, mean = float(np.median(finite)), float(finite.mean())
    # labels right of their lines, the smaller value's one higher: they never overlap
    for value, key, dash_style, high in ((median, "customers.clv_median", "dash", median <= mean),
                                         (mean, "customers.clv_mean", "dot", mean < median)):
        x = min(value, bins[-1]["lo"] + width)  # a mean in the open tail is drawn at its start
        y = top * (1.05 if high else 0.88)
        fig.add_shape(type="line", x0=x, x1=x, y0=0, y1=y, line=dict(color=charts.TARGET, width=1.2, dash=dash_style))
        fig.add_annotation(x=x, y=y, text=tr(key, lang, v=fmt.money(value, 0)), showarrow=False, yanchor="top",
                           xanchor="left", xshift=3, bgcolor="rgba(255,255,255,0.8)",
                           font=dict(size=10, color=charts.INK))
    fig.update_layout(
        xaxis=dict(gridcolor="rgba(0,0,0,0)", rangemode="tozero",
                   title=dict(text=tr("customers.clv_axis", lang), font=dict(size=11)), **fmt.money_axis()),
        yaxis=dict(gridcolor=charts.GRID, rangemode="tozero", tickformat=",d",
                   title=dict(text=tr("customers.clv_axis_y", lang), font=dict(size=11))),
        bargap=0, showlegend=False, margin=dict(l=8, r=8, t=22, b=8))
    return fig


def clv_stats_text(predicted, historical: dict, fmt: Formatter, lang: str) -> str:
    """The distribution's numbers in one line (predicted and historical CLV)."""
    v = np.asarray([x for x in predicted if x is not None and math.isfinite(x)], dtype=float)
    stats = dict(total=None, mean=None, median=None, p90=None)
    if v.size:
        stats = dict(total=v.sum(), mean=v.mean(), median=np.percentile(v, 50), p90=np.percentile(v, 90))
    return tr("customers.clv_stats", lang, **{k: fmt.money(x, 0) for k, x in stats.items()},
              hmean=fmt.money(historical.get("mean"), 0), hmedian=fmt.money(historical.get("median"), 0),
              n=fmt.count(historical.get("customers")))


def params_text(fit, fmt: Formatter, lang: str, *, horizon_months: int, monthly_discount: float) -> str | None:
    """The fitted BG/NBD and Gamma-Gamma parameters, small (queries.clv.FitResult)."""
    if fit is None or fit.r is None:
        return None

    def num(x):
        return fmt.number(x, 3 if x is not None and abs(x) < 10 else 1)
    return tr("customers.clv_params", lang, r=num(fit.r), alpha=num(fit.alpha), a=num(fit.a), b=num(fit.b),
              p=num(fit.p), q=num(fit.q), v=num(fit.v), n=fmt.count(fit.n_customers), repeat=fmt.count(fit.n_repeat),
              h=horizon_months, d=fmt.percent(monthly_discount, 0))


TOP_COLUMNS = (("customer_id", "text", 96), ("historical_clv", "money", 104), ("frequency", "count", 72),
               ("expected_purchases", "number", 82), ("expected_order_value", "money", 100),
               ("predicted_clv", "money", 104))


def top_clv_rows(df, n: int = 25) -> list[dict]:
    """The `n` customers with the highest predicted CLV (ties by id), JSON-safe, ids only."""
    if df is None or df.empty:
        return []
    ranked = df[df["predicted_clv"].notna()].sort_values(["predicted_clv", "customer_id"], ascending=[False, True])
    out = []
    for row in ranked.head(n).itertuples(index=False):
        r = row._asdict()
        out.append({c: (None if isinstance(r.get(c), float) and not math.isfinite(r[c]) else
                        (r[c].item() if hasattr(r.get(c), "item") else r.get(c))) for c, _, _ in TOP_COLUMNS})
    return out


def top_column_defs(lang: str, currency: str, horizon_months: int) -> list[dict]:
    """ag-grid columns of the top-CLV table, with the assets' locale formatters."""
    defs = []
    for field, kind, width in TOP_COLUMNS:
        header = tr("col.customer_id" if field == "customer_id" else f"customers.col.{field}", lang)
        d = {"field": field, "headerName": header, "minWidth": width, "sortable": True}
        if kind == "money":
            d["valueFormatter"] = {"function": f"fmtMoney(params.value, '{lang}', '{currency}')"}
        elif kind in ("count", "number"):
            d["valueFormatter"] = {"function": f"fmtNumber(params.value, '{lang}', {0 if kind == 'count' else 1})"}
        if kind != "text":
            d["type"] = "rightAligned"
        if field == "predicted_clv":
            d["sort"] = "desc"
        if field in ("frequency", "expected_purchases"):
            d["headerTooltip"] = tr(f"customers.tip.{field}", lang, h=horizon_months)
        defs.append(d)
    return defs


# --- cohorts -----------------------------------------------------------------------------------
def _month_after(label: str, k: int) -> str:
    year, month = int(label[:4]), int(label[5:7]) - 1 + k
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


def cohort_figure(cohorts: dict[str, dict], fmt: Formatter, lang: str, *, last_month: str | None = None) -> go.Figure:
    """queries.cohorts.cohort_retention as a heatmap: a row per first-order month (oldest on
    top, labelled with its size), a column per month k after; month 0 = 100 %. The colour scale
    runs to the largest retention after month 0, so later months keep their contrast. Months
    after `last_month` ("YYYY-MM", today's month for a period reaching into the future) have not
    happened yet: their cells are blank, not 0 %."""
    rows = [(m, c) for m, c in sorted(cohorts.items()) if c.get("size") and (last_month is None or m <= last_month)]
    if not rows:
        return charts.empty_figure(lang)
    width = max(len(c["retention"]) for _, c in rows)
    ks = list(range(width))
    labels = [f"{fmt.month(m)} · {fmt.count(c['size'])}" for m, c in rows]
    z, text, hover = [], [], []
    for (m, c), label in zip(rows, labels):
        ret = [v if last_month is None or _month_after(m, k) <= last_month else None
               for k, v in enumerate(c["retention"])]
        ret += [None] * (width - len(ret))
        z.append(ret)
        text.append([fmt.percent(v, 0) if v is not None else "" for v in ret])
        hover.append([tr("customers.cohorts_hover", lang, cohort=fmt.month(m, long=True), size=fmt.count(c["size"]),
                         k=k, share=fmt.percent(v)) if v is not None else "" for k, v in enumerate(ret)])
    later = [v for row in z for v in row[1:] if v is not None]
    zmax = max(later) if later and max(later) > 0 else 1.0
    fig = charts.base_figure(fmt)
    fig.add_trace(go.Heatmap(
        x=[str(k) for k in ks], y=labels, z=z, text=text, texttemplate="%{text}", textfont=dict(size=10),
        hovertext=hover, hovertemplate="%{hovertext}<extra></extra>", xgap=2, ygap=2, zmin=0, zmax=zmax,
        colorscale=[[0, "#f1f7f6"], [0.5, "#6cc7b9"], [1, "#0b7a6c"]], showscale=False))
    fig.update_layout(
        xaxis=dict(type="category", side="bottom", gridcolor="rgba(0,0,0,0)", tickfont=dict(size=11),
                   title=dict(text=tr("customers.cohorts_axis_x", lang), font=dict(size=11))),
        yaxis=dict(type="category", autorange="reversed", gridcolor="rgba(0,0,0,0)", tickfont=dict(size=11)),
        margin=dict(l=8, r=8, t=8, b=8))
    return fig
