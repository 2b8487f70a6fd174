"""Plotly figure helpers in one palette, empty/error states, and the callback guard.

Pages build figures with these so every chart looks and reads the same:

    from dashboard.components import charts
    charts.graph(ids.page_id("funnel", "chart"), lang)        # layout: dcc.Graph in a spinner
    fig = charts.base_figure(fmt)                             # palette, fonts, separators
    fig = charts.empty_figure(lang)                           # "No data for this selection"
    fig = charts.funnel_figure(funnel_result["stages"], fmt, lang)
    fig = charts.revenue_target_figure(months, actual, target, fmt, lang)

Never let an exception reach the user as a blank chart: decorate page callbacks with
`@charts.guard("figure", "alert")` (one kind per output, in order): on an exception it logs the
traceback with a short reference and returns an error figure / an alert per output instead.
"""
from __future__ import annotations

import functools
import logging
import uuid

import dash
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import dcc, html

from .. import i18n, ids
from ..formatting import Formatter

log = logging.getLogger("dashboard")

# --- palette (also in assets/style.css as CSS variables) ---------------------------------------
PRIMARY = "#2f6fde"
PRIMARY_LIGHT = "#a9c4f5"
TEAL = "#12a594"
AMBER = "#f59f00"
GOOD = "#2b8a3e"
WARN = "#e8890c"
BAD = "#e03131"
MUTED = "#adb5bd"
INK = "#2b3340"
GRID = "#e9ecf1"
TARGET = "#1f2733"
#: Categorical series colours, in order of use.
SERIES = ("#2f6fde", "#12a594", "#f59f00", "#7048e8", "#e8590c", "#d6336c", "#0b7285", "#5c940d",
          "#868e96", "#364fc7")
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'


def stage_colors(n: int) -> list[str]:
    """`n` blues from dark to light for ordered stages (funnels)."""
    dark, light = (0x1d, 0x4e, 0xb0), (0x9d, 0xbc, 0xf2)
    if n <= 1:
        return [PRIMARY]
    out = []
    for i in range(n):
        f = i / (n - 1)
        r, g, b = (round(d + (l - d) * f) for d, l in zip(dark, light))
        out.append(f"#{r:02x}{g:02x}{b:02x}")
    return out


# --- figures ---------------------------------------------------------------------------------
def base_layout(fmt: Formatter, **overrides) -> dict:
    """The common layout: font, transparent background, thin grid, locale separators."""
    layout = dict(
        font=dict(family=FONT, size=12, color=INK),
        paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
        margin=dict(l=8, r=8, t=8, b=8), separators=fmt.separators,
        colorway=list(SERIES), hovermode="closest",
        modebar=dict(bgcolor="rgba(0,0,0,0)", color="#9aa4b2", activecolor=PRIMARY),
        hoverlabel=dict(bgcolor="white", bordercolor=GRID, font=dict(family=FONT, size=12, color=INK)),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0, font=dict(size=11)),
        xaxis=dict(gridcolor=GRID, zeroline=False, automargin=True, linecolor=GRID),
        yaxis=dict(gridcolor=GRID, zeroline=False, automargin=True),
    )
    layout.update(overrides)
    return layout


def base_figure(fmt: Formatter, **layout) -> go.Figure:
    """An empty figure with the common layout (add traces to it)."""
    return go.Figure(layout=base_layout(fmt, **layout))


def _message_figure(title: str, detail: str | None, color: str) -> go.Figure:
    text = f"<b>{title}</b>" + (f"<br><span style='font-size:11px'>{detail}</span>" if detail else "")
    fig = go.Figure(layout=dict(
        paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)", margin=dict(l=0, r=0, t=0, b=0),
        xaxis=dict(visible=False), yaxis=dict(visible=False), font=dict(family=FONT, color=color),
        annotations=[dict(text=text, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                          font=dict(size=13, color=color))]))
    return fig


def empty_figure(lang: str, message: str | None = None) -> go.Figure:
    """The empty state: "No data for this selection" (or `message`) with a hint."""
    return _message_figure(message or i18n.t("chart.no_data", lang), i18n.t("chart.no_data_hint", lang), "#868e96")


def error_figure(lang: str, ref: str) -> go.Figure:
    """The error state, naming the log reference."""
    return _message_figure(i18n.t("chart.error", lang), i18n.t("chart.error_detail", lang, ref=ref), BAD)


def blank_figure() -> go.Figure:
    """An invisible placeholder shown until the first callback fills the graph."""
    return go.Figure(layout=dict(paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
                                 xaxis=dict(visible=False), yaxis=dict(visible=False),
                                 margin=dict(l=0, r=0, t=0, b=0)))


def error_alert(lang: str, ref: str) -> dbc.Alert:
    """The error state for a non-figure output (children)."""
    return dbc.Alert([html.Strong(i18n.t("chart.error", lang)), " ",
                      i18n.t("chart.error_detail", lang, ref=ref)],
                     color="danger", className="state-alert mb-0")


def empty_state(lang: str, message: str | None = None) -> html.Div:
    """The empty state for a non-figure output: a quiet centred note."""
    return html.Div([html.I(className="bi bi-inbox me-2"), message or i18n.t("chart.no_data", lang)],
                    className="empty-state")


def graph(graph_id, lang: str, height: int = 320, *, clickable: bool = False, class_name: str = "") -> dcc.Loading:
    """A dcc.Graph in a loading spinner, with the locale config of `lang` and a fixed height.

    `clickable` adds a pointer cursor (for charts whose elements drill down or cross-filter).
    """
    cls = "chart" + (" chart-clickable" if clickable else "") + (f" {class_name}" if class_name else "")
    return dcc.Loading(
        dcc.Graph(id=graph_id, figure=blank_figure(), config=Formatter(lang).plotly_config(),
                  style={"height": f"{height}px"}, className=cls),
        type="circle", color=PRIMARY, delay_show=250, overlay_style={"visibility": "visible", "opacity": 0.45},
    )


def sparkline_figure(values: list, color: str = PRIMARY, labels: list[str] | None = None,
                     hover: str | None = None) -> go.Figure:
    """A tiny line with a soft fill and the last point marked; nulls leave gaps."""
    xs = labels or list(range(len(values)))
    fig = go.Figure(go.Scatter(
        x=xs, y=values, mode="lines", line=dict(color=color, width=2, shape="spline", smoothing=0.6),
        fill="tozeroy", fillcolor=_alpha(color, 0.12), hovertemplate=hover or "%{y}<extra></extra>",
        connectgaps=False))
    last = [(x, y) for x, y in zip(xs, values) if y is not None]
    if last:
        fig.add_trace(go.Scatter(x=[last[-1][0]], y=[last[-1][1]], mode="markers", hoverinfo="skip",
                                 marker=dict(color=color, size=6)))
    fig.update_layout(showlegend=False, margin=dict(l=0, r=0, t=2, b=0), paper_bgcolor="rgba(0,0,0,0)",
                      plot_bgcolor="rgba(0,0,0,0)", xaxis=dict(visible=False, fixedrange=True),
                      yaxis=dict(visible=False, fixedrange=True, rangemode="tozero"),
                      hoverlabel=dict(bgcolor="white", font=dict(family=FONT, size=11, color=INK)))
    return fig


def _alpha(hex_color: str, a: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)
    return f"rgba({r},{g},{b},{a})"


def funnel_figure(stages: list[dict], fmt: Formatter, lang: str, *, amounts: bool = False) -> go.Figure:
    """Horizontal funnel of queries.funnel stages: bars of `reached` (or `reached_amount`),
    labelled with the count and the conversion "of first"; hover adds "of previous".

    `customdata[0]` of each bar is the stage name (for click handlers: point["customdata"][0]).
    """
    if not stages or not stages[0].get("reached"):
        return empty_figure(lang)
    names = [s["stage"] for s in stages]
    values = [(s.get("reached_amount") if amounts else s.get("reached")) or 0 for s in stages]
    texts = []
    for s, v in zip(stages, values):
        main = fmt.money_compact(v) if amounts else fmt.count(v)
        texts.append(f"{main} · {fmt.percent(s.get('cumulative'), 0)}" if s.get("cumulative") is not None else main)
    of_first, of_prev = i18n.t("chart.of_first", lang), i18n.t("chart.of_previous", lang)
    hover = [f"<b>{s['stage']}</b><br>{fmt.count(s.get('reached'))} {i18n.t('chart.deals', lang)}"
             f" · {fmt.money_compact(s.get('reached_amount'))}<br>{fmt.percent(s.get('cumulative'))} {of_first}"
             + (f" · {fmt.percent(s.get('step'))} {of_prev}" if s.get("step") is not None else "")
             for s in stages]
    fig = base_figure(fmt)
    fig.add_trace(go.Bar(
        y=names, x=values, orientation="h", marker=dict(color=stage_colors(len(stages)), cornerradius=4),
        text=texts, textposition="auto", insidetextanchor="middle", textfont=dict(size=12),
        customdata=[[n] for n in names], hovertext=hover, hovertemplate="%{hovertext}<extra></extra>"))
    fig.update_layout(yaxis=dict(autorange="reversed", gridcolor="rgba(0,0,0,0)", automargin=True),
                      xaxis=dict(visible=False), bargap=0.25, margin=dict(l=4, r=8, t=4, b=4))
    return fig


def revenue_target_figure(months: list[str], actual: list, target: list | None, fmt: Formatter,
                          lang: str) -> go.Figure:
    """Bars of a money series per month ('YYYY-MM' labels) with a dashed target line.

    `target` may be None or contain None for months without a target (the line has gaps).
    `customdata[0]` of each bar is the month label (for click handlers).
    """
    if not months:
        return empty_figure(lang)
    labels = [fmt.month(m) for m in months]
    actual_name, target_name = i18n.t("chart.actual", lang), i18n.t("chart.target", lang)
    fig = base_figure(fmt)
    colors = [PRIMARY if (t is None or a is None or a >= t) else PRIMARY_LIGHT
              for a, t in zip(actual, target or [None] * len(actual))]
    fig.add_trace(go.Bar(x=labels, y=actual, name=actual_name, marker=dict(color=colors, cornerradius=3),
                         customdata=[[m] for m in months],
                         hovertemplate=f"%{{x}}<br>{actual_name}: {fmt.hover_money('y')}<extra></extra>"))
    if target and any(t is not None for t in target):
        fig.add_trace(go.Scatter(x=labels, y=target, name=target_name, mode="lines+markers",
                                 line=dict(color=TARGET, width=2, dash="dash"), marker=dict(size=5),
                                 connectgaps=False,
                                 hovertemplate=f"%{{x}}<br>{target_name}: {fmt.hover_money('y')}<extra></extra>"))
    # two-line ticks ("Dec<br>2025"): a year of months fits without rotated labels
    fig.update_layout(yaxis=dict(gridcolor=GRID, zeroline=False, rangemode="tozero", **fmt.money_axis()),
                      xaxis=dict(type="category", gridcolor="rgba(0,0,0,0)", tickmode="array", tickvals=labels,
                                 ticktext=[label.replace(" ", "<br>", 1) for label in labels]),
                      bargap=0.3, showlegend=True, margin=dict(l=8, r=8, t=28, b=8))
    return fig


def bar_figure(labels: list[str], values: list, fmt: Formatter, lang: str, *, kind: str = "count",
               horizontal: bool = False, keys: list | None = None, color: str = PRIMARY,
               name: str | None = None) -> go.Figure:
    """A single-series bar chart of a breakdown; `kind` formats hover and axis (count, money,
    percent, days). `keys` (default the labels) go to customdata[0] for cross-filter clicks."""
    if not labels:
        return empty_figure(lang)
    axis_var = "x" if horizontal else "y"
    hover_value = {"money": fmt.hover_money(axis_var), "percent": fmt.hover_percent(axis_var),
                   "days": fmt.hover_number(axis_var, 1)}.get(kind, fmt.hover_number(axis_var))
    cat_var = "y" if horizontal else "x"
    fig = base_figure(fmt)
    fig.add_trace(go.Bar(
        x=values if horizontal else labels, y=labels if horizontal else values,
        orientation="h" if horizontal else "v", name=name or "", marker=dict(color=color, cornerradius=3),
        customdata=[[k] for k in (keys or labels)],
        hovertemplate=f"%{{{cat_var}}}: {hover_value}<extra></extra>"))
    value_axis = {"money": fmt.money_axis(), "percent": fmt.percent_axis()}.get(kind, {})
    if horizontal:
        fig.update_layout(xaxis=dict(gridcolor=GRID, **value_axis),
                          yaxis=dict(autorange="reversed", type="category", gridcolor="rgba(0,0,0,0)"))
    else:
        fig.update_layout(yaxis=dict(gridcolor=GRID, rangemode="tozero", **value_axis),
                          xaxis=dict(type="category", gridcolor="rgba(0,0,0,0)"))
    fig.update_layout(bargap=0.3, showlegend=False)
    return fig


def clicked_key(click_data) -> str | None:
    """customdata[0] of the clicked point of a figure built here (stage, month, group key)."""
    try:
        cd = click_data["points"][0].get("customdata")
        return cd[0] if isinstance(cd, (list, tuple)) else cd
    except (TypeError, KeyError, IndexError):
        return None


# --- the guard -------------------------------------------------------------------------------
def _callback_lang() -> str:
    """The language of the running callback: `lang` of ids.URL's search if it is an input or
    state, else the browser's Accept-Language."""
    from ..urlstate import get_param
    try:
        entries = list(dash.callback_context.inputs_list) + list(dash.callback_context.states_list)
    except Exception:  # noqa: BLE001 - outside a callback
        entries = []
    flat = []
    for e in entries:
        flat.extend(e if isinstance(e, list) else [e])
    for e in flat:
        if isinstance(e, dict) and e.get("id") == ids.URL and e.get("property") == "search":
            lang = get_param(e.get("value"), "lang")
            if lang in i18n.LANGUAGES:
                return lang
    return i18n.request_lang()


def guard(*kinds: str):
    """Decorate a callback so an exception becomes an error state instead of a broken view.

    One kind per output, in output order: "figure" (error_figure), "alert" (error_alert as
    children), "empty" (an empty list), anything else (dash.no_update). PreventUpdate passes
    through. Put it under `@dash.callback(...)`:

        @dash.callback(Output(a, "figure"), Output(b, "children"), Input(ids.URL, "search"), ...)
        @charts.guard("figure", "alert")
        def update(search, version): ...
    """
    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except dash.exceptions.PreventUpdate:
                raise
            except PermissionError as exc:   # queries.access.AccessDenied: the role may not see it
                log.info("dashboard callback %s: %s", fn.__name__, exc)
                lang = _callback_lang()
                out = [_denied(kind, lang) for kind in kinds]
                return out[0] if len(out) == 1 else tuple(out)
            except Exception as exc:  # noqa: BLE001 - every failure must become a visible state
                from queries.availability import unavailable_reason
                lang = _callback_lang()
                reason = unavailable_reason(exc)
                if reason == "timeout":   # this view's query ran past DB_STATEMENT_TIMEOUT
                    log.warning("dashboard callback %s: statement timeout", fn.__name__)
                    out = [_timed_out(kind, lang) for kind in kinds]
                    return out[0] if len(out) == 1 else tuple(out)
                if reason:   # down or out of connections: the banner, and redrawn when it is back
                    from .live import show_unavailable
                    log.warning("dashboard callback %s: the database is %s (%s)",
                                fn.__name__, reason, exc.__class__.__name__)
                    show_unavailable(lang)
                    out = [_waiting(kind, lang) for kind in kinds]
                    return out[0] if len(out) == 1 else tuple(out)
                ref = uuid.uuid4().hex[:8]
                log.exception("dashboard callback %s failed (reference %s)", fn.__name__, ref)
                out = [_fallback(kind, lang, ref) for kind in kinds]
                return out[0] if len(out) == 1 else tuple(out)
        return wrapper
    return decorate


def _denied(kind: str, lang: str):
    """What a part of a page shows when the signed-in role may not see it (not an error)."""
    from auth.texts import text as auth_text
    message = auth_text("access.hidden_for_role", lang)
    if kind == "figure":
        return empty_figure(lang, message)
    if kind == "alert":
        return empty_state(lang, message)
    if kind == "empty":
        return []
    return dash.no_update


def _waiting(kind: str, lang: str):
    """What a part of a page shows while the database is away (live.py redraws it when back)."""
    message = i18n.t("db.view_waiting", lang)
    if kind == "figure":
        return _message_figure(message, i18n.t("db.unreachable_hint", lang), "#868e96")
    if kind == "alert":
        return empty_state(lang, message)
    return dash.no_update


def _timed_out(kind: str, lang: str):
    """What a view shows when its query ran past DB_STATEMENT_TIMEOUT (the database is there)."""
    message, hint = i18n.t("db.view_timeout", lang), i18n.t("db.view_timeout_hint", lang)
    if kind == "figure":
        return _message_figure(message, hint, "#868e96")
    if kind == "alert":
        return empty_state(lang, f"{message} {hint}")
    return dash.no_update


def _fallback(kind: str, lang: str, ref: str):
    if kind == "figure":
        return error_figure(lang, ref)
    if kind == "alert":
        return error_alert(lang, ref)
    if kind == "empty":
        return []
    return dash.no_update
