"""Figures, list and sentence of the experiments page (METRICS.md §7).

Pure functions of queries.experiments.experiment_results and a Formatter; no database, no Dash
callbacks. Bars carry the variant in `customdata[0]` (a click lists its assignments); list items
carry the experiment id in their pattern id. No customer data here at all.

The sentence says what the numbers mean without claiming more than they show: the p-value is
"the chance of a difference at least this large if the change had no effect"; no_clear_difference
says the data show no clear difference (never "no effect"); not_enough_data gives no verdict.
"""
from __future__ import annotations

import math

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import html

from dashboard import ids
from dashboard.components import charts
from dashboard.formatting import Formatter

from ._experiments_texts import tr, variant_label

PAGE = "experiments"
CONTROL = "control"
Z_95 = 1.959963984540054  # queries.experiments.Z_95
VERDICT_COLORS = {"better": "success", "worse": "danger", "no_clear_difference": "secondary",
                  "not_enough_data": "warning"}
VERDICT_FILL = {"better": charts.GOOD, "worse": charts.BAD, "no_clear_difference": "#868e96",
                "not_enough_data": charts.AMBER}


# --- statistics in words -----------------------------------------------------------------------
def wilson(conversions: int, n: int, z: float = Z_95) -> tuple[float, float] | None:
    """The 95 % Wilson score interval of a rate (stays within 0–1 and holds for small counts)."""
    if not n:
        return None
    p = conversions / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    # at 0 or n conversions the interval ends exactly at 0 or 1 (not a rounding error away)
    lo = 0.0 if conversions == 0 else max(0.0, centre - half)
    hi = 1.0 if conversions == n else min(1.0, centre + half)
    return lo, hi


def p_words(p, fmt: Formatter, lang: str) -> str:
    """A p-value as a share of tests: 0.013 -> "1.3%", 0.0055 -> "0.55%", 0.43 -> "43%",
    below 0.001 -> "fewer than 0.1%"."""
    if p is None:
        return fmt.percent(None)
    if p < 0.001:
        return tr("experiments.p_below", lang, p=fmt.percent(0.001, 1))
    decimals = 0 if p >= 0.1 else (1 if p >= 0.01 else 2)
    return fmt.percent(p, decimals)


def p_value_text(p, fmt: Formatter) -> str:
    """The p-value as a number: 0.0055 -> "0.0055", below 0.001 -> "< 0.001"."""
    if p is None:
        return fmt.number(None)
    if p < 0.001:
        return "< " + fmt.number(0.001, 3)
    return fmt.number(p, 3 if p >= 0.01 else 4)


def _relative(rel, fmt: Formatter) -> str:
    value = abs(rel)
    return fmt.percent(value, 0 if value >= 0.1 else 1)


def _subject(variant: str, lang: str, *, start: bool) -> str:
    kind = "test" if variant == "test" else "other"
    return tr(f"experiments.{'subject' if start else 'name'}.{kind}", lang, v=variant)


def experiment_sentence(variant: str, stats: dict, control: dict | None, fmt: Formatter, lang: str) -> str:
    """What the comparison of `variant` (its experiment_results stats) with control says."""
    name = _subject(variant, lang, start=False)
    if control is None or not control.get("n"):
        return tr("experiments.say.no_control", lang, name=name)
    verdict = stats.get("verdict")
    rt, rc = fmt.percent(stats.get("rate")), fmt.percent(control.get("rate"))
    # with ≥ 5 conversions and non-conversions per group (any other verdict) the pooled error is
    # positive, so p_value and ci95 exist below
    if verdict not in ("better", "worse", "no_clear_difference"):
        return tr("experiments.say.not_enough_data", lang, name=name, ct=fmt.count(stats.get("conversions")),
                  nt=fmt.count(stats.get("n")), cc=fmt.count(control.get("conversions")), nc=fmt.count(control.get("n")))
    subject = _subject(variant, lang, start=True)
    p = p_words(stats.get("p_value"), fmt, lang)
    if verdict in ("better", "worse"):
        rel = stats.get("uplift_rel")
        rel_text = _relative(rel, fmt) if rel is not None else fmt.points(abs(stats.get("uplift_abs") or 0))
        return tr(f"experiments.say.{verdict}", lang, subject=subject, rel=rel_text, rt=rt, rc=rc, p=p)
    lo, hi = (stats.get("ci95") or [None, None])
    return tr("experiments.say.no_clear_difference", lang, subject=subject, rt=rt, rc=rc, p=p,
              lo=_signed_points(lo, fmt), hi=_signed_points(hi, fmt))


def _signed_points(ratio, fmt: Formatter) -> str:
    """A difference of rates as signed percentage points without the unit: 0.045 -> "+4.5"."""
    return fmt.signed(None if ratio is None else ratio * 100, 1)


# --- the list ------------------------------------------------------------------------------------
def ordered(experiments: dict[str, dict]) -> list[tuple[str, dict]]:
    """Running experiments first, then by start (latest first), then by id."""
    def key(item):
        exp_id, e = item
        started = e.get("started_at")
        return (e.get("status") != "running", -(started.timestamp() if started else 0), exp_id)
    return sorted(experiments.items(), key=key)


def resolve(experiments: dict[str, dict], raw) -> str | None:
    """The URL's experiment if it is listed, else the first of `ordered`, else None."""
    if raw in experiments:
        return raw
    items = ordered(experiments)
    return items[0][0] if items else None


def comparisons(exp: dict) -> list[tuple[str, dict]]:
    """The experiment's non-control variants with their stats, in its order."""
    return [(v, s) for v, s in (exp.get("variants") or {}).items() if v != CONTROL]


def status_badge(status: str, lang: str) -> dbc.Badge:
    return dbc.Badge(tr(f"experiments.status.{status}", lang), color="primary" if status == "running" else "light",
                     text_color=None if status == "running" else "dark", className="me-1 border fw-normal")


def verdict_badge(verdict: str, lang: str, prefix: str | None = None) -> dbc.Badge:
    text = tr(f"experiments.verdict.{verdict}", lang)
    return dbc.Badge(f"{prefix}: {text}" if prefix else text, color=VERDICT_COLORS.get(verdict, "secondary"),
                     text_color="dark" if verdict == "not_enough_data" else None, className="me-1")


def dates_text(exp: dict, fmt: Formatter, lang: str) -> str:
    start, end = exp.get("started_at"), exp.get("ended_at")
    if end is None:
        return tr("experiments.since", lang, start=fmt.date(start))
    return f"{fmt.date(start)} – {fmt.date(end)}"


def verdict_badges(exp: dict, lang: str, variant_names: bool = False) -> list:
    comps = comparisons(exp)
    many = len(comps) > 1 or variant_names
    return [verdict_badge(s.get("verdict") or "not_enough_data", lang, variant_label(v, lang) if many else None)
            for v, s in comps]


def experiment_list(experiments: dict[str, dict], selected: str | None, fmt: Formatter, lang: str):
    """A list item per experiment (status, dates, users, verdict); the selected one active."""
    items = ordered(experiments)
    if not items:
        return charts.empty_state(lang, tr("experiments.none", lang))
    out = []
    for exp_id, e in items:
        users = sum(s.get("n") or 0 for s in (e.get("variants") or {}).values())
        badges = verdict_badges(e, lang) if e.get("variants") else [
            dbc.Badge(tr("experiments.no_assignments", lang), color="light", text_color="dark", className="border")]
        out.append(dbc.ListGroupItem([
            html.Div([html.Span(e.get("name") or exp_id, className="fw-semibold me-2"), status_badge(e["status"], lang)],
                     className="d-flex align-items-center justify-content-between"),
            html.Div(f"{exp_id} · {dates_text(e, fmt, lang)} · {tr('experiments.users', lang, n=fmt.count(users))}",
                     className="small text-muted"),
            html.Div(badges, className="mt-1"),
        ], id=ids.page_pattern(PAGE, "item", exp_id), n_clicks=0, action=True, active=exp_id == selected,
            className="experiment-item", style={"cursor": "pointer"}))
    return dbc.ListGroup(out, flush=True)


# --- numbers of the selected experiment --------------------------------------------------------
def stats_block(exp: dict, fmt: Formatter, lang: str) -> list:
    """Per compared variant: relative uplift, difference in rate, its 95 % CI, p-value, P(beats)."""
    out = []
    comps = comparisons(exp)
    for v, s in comps:
        lo, hi = s.get("ci95") or [None, None]
        items = [
            ("experiments.stat.uplift", fmt.signed_percent(s.get("uplift_rel")), None),
            ("experiments.stat.uplift_abs", fmt.points(s.get("uplift_abs")), None),
            ("experiments.stat.ci", tr("experiments.ci_range", lang, lo=fmt.points(lo), hi=fmt.points(hi))
             if lo is not None else fmt.points(None), None),
            ("experiments.stat.p_value", p_value_text(s.get("p_value"), fmt), "experiments.tip.p_value"),
            ("experiments.stat.p_beats", fmt.percent(s.get("p_beat_control")), "experiments.tip.p_beats"),
        ]
        cells = [html.Div([html.Div(tr(k, lang), className="small text-muted", title=tr(tip, lang) if tip else None),
                           html.Div(value, className="fw-semibold")], className="col")
                 for k, value, tip in items]
        head = html.Div(variant_label(v, lang), className="small fw-semibold mb-1") if len(comps) > 1 else None
        out.append(html.Div([head, html.Div(cells, className="row g-2")], className="mb-2"))
    return out


def variants_table(exp: dict, fmt: Formatter, lang: str):
    """Users, conversions, rate with its 95 % interval and revenue per user of every variant."""
    variants = exp.get("variants") or {}
    head = html.Thead(html.Tr([html.Th(tr(f"experiments.col.{c}", lang), className="text-end" if i else None)
                               for i, c in enumerate(("variant", "n", "conversions", "rate", "revenue_per_user"))]))
    rows = []
    for v, s in variants.items():
        ci = wilson(s.get("conversions") or 0, s.get("n") or 0)
        rate = fmt.percent(s.get("rate")) + (f" ({fmt.percent(ci[0])} – {fmt.percent(ci[1])})" if ci else "")
        rows.append(html.Tr([html.Td(variant_label(v, lang)), html.Td(fmt.count(s.get("n")), className="text-end"),
                             html.Td(fmt.count(s.get("conversions")), className="text-end"),
                             html.Td(rate, className="text-end"),
                             html.Td(fmt.money(s.get("revenue_per_user")), className="text-end")]))
    return html.Table([head, html.Tbody(rows)], className="table table-sm mb-0 small align-middle")


def _variant_colors(variants) -> list[str]:
    return [charts.MUTED if v == CONTROL else charts.SERIES[i % len(charts.SERIES)]
            for i, v in enumerate(variants)]


def rates_figure(exp: dict, fmt: Formatter, lang: str) -> go.Figure:
    """Conversion rate per variant with its 95 % (Wilson) interval as error bars."""
    variants = exp.get("variants") or {}
    if not variants:
        return charts.empty_figure(lang, tr("experiments.no_assignments", lang))
    keys = list(variants)
    labels = [variant_label(v, lang) for v in keys]
    rates = [variants[v].get("rate") or 0.0 for v in keys]
    cis = [wilson(variants[v].get("conversions") or 0, variants[v].get("n") or 0) or (r, r) for v, r in zip(keys, rates)]
    hover = [tr("experiments.rate_hover", lang, variant=lab, conv=fmt.count(variants[v].get("conversions")),
                n=fmt.count(variants[v].get("n")), rate=fmt.percent(r), lo=fmt.percent(ci[0]), hi=fmt.percent(ci[1]))
             for v, lab, r, ci in zip(keys, labels, rates, cis)]
    fig = charts.base_figure(fmt)
    fig.add_trace(go.Bar(
        x=labels, y=rates, marker=dict(color=_variant_colors(keys), cornerradius=3),
        error_y=dict(type="data", symmetric=False, array=[ci[1] - r for r, ci in zip(rates, cis)],
                     arrayminus=[r - ci[0] for r, ci in zip(rates, cis)], color=charts.INK, thickness=1.3, width=8),
        text=[fmt.percent(r) for r in rates], textposition="inside", insidetextanchor="start",
        textfont=dict(color="white", size=12),
        customdata=[[v] for v in keys], hovertext=hover, hovertemplate="%{hovertext}<extra></extra>"))
    top = max(ci[1] for ci in cis) or 0.01
    fig.update_layout(yaxis=dict(gridcolor=charts.GRID, range=[0, top * 1.15], **fmt.percent_axis()),
                      xaxis=dict(type="category", gridcolor="rgba(0,0,0,0)"), bargap=0.45, showlegend=False,
                      margin=dict(l=8, r=8, t=12, b=8))
    return fig


def revenue_figure(exp: dict, fmt: Formatter, lang: str) -> go.Figure:
    """Revenue per user (empty revenue = 0) per variant."""
    variants = exp.get("variants") or {}
    if not variants:
        return charts.empty_figure(lang, tr("experiments.no_assignments", lang))
    keys = list(variants)
    labels = [variant_label(v, lang) for v in keys]
    values = [variants[v].get("revenue_per_user") or 0.0 for v in keys]
    hover = [tr("experiments.revenue_hover", lang, variant=lab, value=fmt.money(val),
                total=fmt.money(val * (variants[v].get("n") or 0), 0), n=fmt.count(variants[v].get("n")))
             for v, lab, val in zip(keys, labels, values)]
    fig = charts.base_figure(fmt)
    fig.add_trace(go.Bar(
        x=labels, y=values, marker=dict(color=_variant_colors(keys), cornerradius=3),
        text=[fmt.money(v) for v in values], textposition="outside", cliponaxis=False,
        customdata=[[v] for v in keys], hovertext=hover, hovertemplate="%{hovertext}<extra></extra>"))
    axis = dict(fmt.money_axis(), tickformat=",.2f" if max(values or [0]) < 100 else ",.0f")
    fig.update_layout(yaxis=dict(gridcolor=charts.GRID, rangemode="tozero", range=[0, (max(values) or 1) * 1.2], **axis),
                      xaxis=dict(type="category", gridcolor="rgba(0,0,0,0)"), bargap=0.45, showlegend=False,
                      margin=dict(l=8, r=8, t=12, b=8))
    return fig


def _tick_step(span: float) -> float:
    """A round step giving two to four ticks on each side of 0 up to `span`."""
    for step in (0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10, 20, 25, 50):
        if span / step <= 4:
            return step
    return 100.0


def uplift_figure(exp: dict, fmt: Formatter, lang: str) -> go.Figure:
    """The difference in rate from control (percentage points) with its 95 % confidence interval,
    one row per compared variant, a line at 0; coloured by verdict."""
    comps = [(v, s) for v, s in comparisons(exp) if s.get("ci95")]
    if not comps:
        return charts.empty_figure(lang, tr("experiments.no_assignments", lang) if not exp.get("variants") else
                                   tr("experiments.verdict.not_enough_data", lang))
    labels = [variant_label(v, lang) for v, _ in comps]
    diffs = [100 * s["uplift_abs"] for _, s in comps]
    los = [100 * s["ci95"][0] for _, s in comps]
    his = [100 * s["ci95"][1] for _, s in comps]
    colors = [VERDICT_FILL.get(s.get("verdict"), charts.MUTED) for _, s in comps]
    hover = [tr("experiments.uplift_hover", lang, variant=lab, diff=fmt.points(s["uplift_abs"]),
                lo=fmt.points(s["ci95"][0]), hi=fmt.points(s["ci95"][1])) for lab, (_, s) in zip(labels, comps)]
    span = max(max(abs(x) for x in los + his), 0.5) * 1.15
    step = _tick_step(span)
    ticks = [k * step for k in range(-int(span // step), int(span // step) + 1)]
    fig = charts.base_figure(fmt)
    fig.add_shape(type="line", x0=0, x1=0, y0=-0.5, y1=len(comps) - 0.5, line=dict(color=charts.TARGET, width=1, dash="dash"))
    fig.add_trace(go.Scatter(
        x=diffs, y=labels, mode="markers", marker=dict(size=11, color=colors, symbol="diamond"),
        error_x=dict(type="data", symmetric=False, array=[h - d for h, d in zip(his, diffs)],
                     arrayminus=[d - lo for d, lo in zip(diffs, los)], color=charts.INK, thickness=1.6, width=6),
        hovertext=hover, hovertemplate="%{hovertext}<extra></extra>"))
    # as many decimals as the step has (2.5 must not print as "2"): 0, 1 or 2
    decimals = next(d for d in (0, 1, 2) if abs(round(step, d) - step) < 1e-9) if step < 100 else 0
    fig.update_layout(xaxis=dict(range=[-span, span], gridcolor=charts.GRID, zeroline=False, tickvals=ticks,
                                 ticktext=["0" if t == 0 else fmt.points(t / 100, decimals) for t in ticks]),
                      yaxis=dict(type="category", gridcolor="rgba(0,0,0,0)"), showlegend=False,
                      margin=dict(l=8, r=8, t=18, b=6))
    fig.add_annotation(x=0, y=1, xref="x", yref="paper", yanchor="bottom", showarrow=False,
                       text=tr("experiments.no_effect", lang), font=dict(size=10, color="#868e96"))
    return fig
