"""Page building blocks: the page heading and the card every chart sits in.

    blocks.page_header(t("overview.title", lang), subtitle=fmt.period(...))
    blocks.chart_card(title, charts.graph(chart_id, lang), hint=t("chart.click_hint", lang))
"""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html


def page_header(title: str, subtitle=None, *, title_id=None, extra=None) -> html.Div:
    """The page title with an optional subtitle (e.g. the period) and controls on the right."""
    kwargs = {"id": title_id} if title_id is not None else {}
    return html.Div([
        html.Div([html.H1(title, className="page-title"),
                  html.Div(subtitle, className="page-subtitle", **kwargs) if subtitle is not None else None]),
        html.Div(extra, className="page-header-extra") if extra is not None else None,
    ], className="page-header")


def chart_card(title: str, body, *, hint: str | None = None, extra=None, class_name: str = "",
               body_id=None) -> dbc.Card:
    """A card with a title row (title, optional hint icon and controls) and the chart below."""
    head = [html.H2(title, className="card-title-sm")]
    if hint:
        head.append(html.Span(html.I(className="bi bi-hand-index"), className="card-hint", title=hint))
    if extra is not None:
        head.append(html.Div(extra, className="card-extra"))
    kwargs = {"id": body_id} if body_id is not None else {}
    return dbc.Card([html.Div(head, className="card-head"),
                     html.Div(body, className="card-body-chart", **kwargs)],
                    className=f"chart-card h-100 {class_name}".strip())
