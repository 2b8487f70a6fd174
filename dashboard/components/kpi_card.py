"""KPI card: a value, its change against the comparison period, a sparkline and the target.

    card = kpi_card(
        "won_revenue", lang, fmt,
        value=kpis["won_revenue"], previous=prev_kpis["won_revenue"],
        compare_label=t(state.compare_label_key, lang),
        trend=[(row["month"], row["won_revenue"]) for row in trend],
        target=attainment["target"], elapsed=elapsed_fraction(state.period, today))

The status word (on track / at risk / off track) sits top right beside the label, the target
line with its progress bar at the bottom. The KPI's look is in KPI_SPECS (format kind, whether up is good, whether a target is pro-rated
over the period); the label is `t("kpi.<name>")`. Target colours (METRICS.md §2
target_attainment; "pro rata" for sums over a period that is still running):
    on track  (green)  actual ≥ 100 % of the (pro-rata) target
    at risk   (amber)  ≥ 90 %
    off track (red)    below 90 %
For KPIs where lower is better (cycle length) the ratio is inverted (target / actual).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import dash_bootstrap_components as dbc
from dash import dcc, html

from queries.period import Period

from .. import i18n
from ..formatting import NULL, Formatter
from . import charts

AT_RISK_FROM = 0.9


@dataclass(frozen=True)
class KpiSpec:
    kind: str                      # Formatter.value kind of the card's big number
    higher_is_better: bool = True
    additive: bool = False         # a sum over the period: its target is pro-rated while running
    change: str = "relative"       # "relative" (+12 %) or "points" (+2.1 pp, for rates)


KPI_SPECS = {
    "won_revenue": KpiSpec("money_compact", additive=True),
    "won_deals": KpiSpec("count", additive=True),
    "lost_deals": KpiSpec("count", higher_is_better=False, additive=True),
    "win_rate": KpiSpec("percent", change="points"),
    "avg_deal_size": KpiSpec("money_compact"),
    "cycle_days_median": KpiSpec("days", higher_is_better=False),
    "cycle_days_mean": KpiSpec("days", higher_is_better=False),
    "open_deals": KpiSpec("count"),
    "open_pipeline": KpiSpec("money_compact"),
    "weighted_pipeline": KpiSpec("money_compact"),
    "sales_velocity": KpiSpec("money_per_day"),
    "stale_deals": KpiSpec("count", higher_is_better=False),
    "new_leads": KpiSpec("count", additive=True),
}


def elapsed_fraction(period: Period, today: date) -> float:
    """Share of the period's days that have passed before `today` (1 for a past period, 0 for a
    future one); a period that started today counts one day as passed so early days are fair."""
    if today >= period.end:
        return 1.0
    if today < period.start:
        return 0.0
    return min(1.0, ((today - period.start).days + 1) / period.days)


def change_ratio(value, previous) -> float | None:
    """Relative change (value − previous) / |previous|; null when either is null or previous 0."""
    if value is None or previous is None or previous == 0:
        return None
    return (value - previous) / abs(previous)


def target_status(actual, target, *, higher_is_better: bool = True, additive: bool = False,
                  elapsed: float = 1.0) -> tuple[str | None, float | None]:
    """("on_track" | "at_risk" | "off_track" | None, ratio to the pro-rata target).

    Additive KPIs compare with target × elapsed share of the period; rates with the target.
    """
    if actual is None or target is None or target == 0:
        return None, None
    expected = target * (elapsed if additive else 1.0)
    if expected <= 0:
        return None, None
    if higher_is_better:
        ratio = actual / expected
    else:
        ratio = expected / actual if actual else None
        if ratio is None:
            return None, None
    if ratio >= 1:
        return "on_track", ratio
    return ("at_risk" if ratio >= AT_RISK_FROM else "off_track"), ratio


def _change_badge(spec: KpiSpec, value, previous, fmt: Formatter, lang: str, compare_label: str):
    """"▲ 12.0%" (green when up is good, red when not), or a grey "±0%" without an arrow for a
    change that shows as zero."""
    if spec.change == "points":
        delta = None if value is None or previous is None else (value - previous) * 100   # in points
        text = fmt.points(delta / 100) if delta is not None else None
    else:
        ratio = change_ratio(value, previous)
        delta = None if ratio is None else ratio * 100                                     # in percent
        text = fmt.signed_percent(ratio) if ratio is not None else None
    if delta is None:
        return html.Div([html.Span("–", className="kpi-change neutral"),
                         html.Span(i18n.t("kpi.no_change", lang), className="kpi-compare")],
                        className="kpi-change-row")
    if fmt.is_zero(delta, 1):  # the badge shows one decimal: 0.04 % is no change to the reader
        shown, cls = text, "neutral"
    else:
        good = (delta > 0) == spec.higher_is_better
        shown = f"{'▲' if delta > 0 else '▼'} {text[1:]}"   # the arrow replaces the sign
        cls = "good" if good else "bad"
    return html.Div([html.Span(shown, className=f"kpi-change {cls}"),
                     html.Span(compare_label, className="kpi-compare")], className="kpi-change-row")


def _target_row(spec: KpiSpec, value, target, elapsed: float, fmt: Formatter, lang: str):
    """(the target line with its progress bar, the status word for the card's head) or (None, None)."""
    if target is None:
        return None, None
    status, ratio = target_status(value, target, higher_is_better=spec.higher_is_better,
                                  additive=spec.additive, elapsed=elapsed)
    target_text = i18n.t("kpi.target", lang, target=fmt.value(target, spec.kind))
    attainment = None if value is None or not target else value / target
    pct = i18n.t("kpi.attainment", lang, pct=fmt.percent(attainment, 0)) if attainment is not None else NULL
    bar_value = 0 if attainment is None else max(0.0, min(1.0, attainment)) * 100
    color = {"on_track": "success", "at_risk": "warning", "off_track": "danger"}.get(status, "secondary")
    title = i18n.t("kpi.pro_rata", lang) if spec.additive and elapsed < 1 else None
    marker = None
    if spec.additive and 0 < elapsed < 1:  # where "on track" is today
        marker = html.Div(className="kpi-target-marker", style={"left": f"{elapsed * 100:.1f}%"}, title=title)
    row = html.Div([
        html.Div([html.Span(target_text), html.Span(pct, className="ms-auto")], className="kpi-target-text"),
        html.Div([dbc.Progress(value=bar_value, color=color, className="kpi-progress"), marker],
                 className="kpi-progress-wrap"),
    ], className="kpi-target")
    badge = html.Span(i18n.t(f"kpi.{status}", lang), className=f"kpi-status text-{color}", title=title) if status else None
    return row, badge


def kpi_card(name: str, lang: str, fmt: Formatter, *, value, previous=None, compare_label: str = "",
             trend: list[tuple[str, float | None]] | None = None, target=None, elapsed: float = 1.0,
             label: str | None = None, note: str | None = None, card_id=None,
             spec: KpiSpec | None = None) -> dbc.Card:
    """One KPI card (see the module docstring). `name` is a METRICS.md KPI name (KPI_SPECS,
    label `kpi.<name>`) unless `label` and `spec` are given; `trend` is (month, value) pairs for
    the sparkline; `note` a small grey line (e.g. "at period end")."""
    spec = spec or KPI_SPECS[name]
    label = label or i18n.t(f"kpi.{name}", lang)
    spark = None
    if trend and sum(1 for _, v in trend if v is not None) >= 2:
        months = [m for m, _ in trend]
        values = [v for _, v in trend]
        hover_texts = [f"{fmt.month(m)}: {fmt.value(v, spec.kind)}" for m, v in trend]
        fig = charts.sparkline_figure(values, labels=[fmt.month(m) for m in months])
        fig.data[0].update(hovertext=hover_texts, hovertemplate="%{hovertext}<extra></extra>")
        spark = dcc.Graph(figure=fig, config={"displayModeBar": False, "responsive": True},
                          className="kpi-spark", style={"height": "32px"})
    target_row, status = _target_row(spec, value, target, elapsed, fmt, lang)
    body = [
        html.Div(label, className="kpi-label"),
        html.Div(fmt.value(value, spec.kind), className="kpi-value"),
        _change_badge(spec, value, previous, fmt, lang, compare_label),
        spark if spark is not None else html.Div(className="kpi-spark-empty"),
        html.Div(note, className="kpi-note") if note else None,
        target_row,
        status,   # drawn top right (style.css), beside the label
    ]
    kwargs = {"id": card_id} if card_id is not None else {}
    return dbc.Card(dbc.CardBody([b for b in body if b is not None], className="kpi-has-status" if status else None),
                    className="kpi-card h-100", **kwargs)
