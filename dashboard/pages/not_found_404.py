"""The page for an unknown path (Dash pages uses the module named not_found_404)."""
from __future__ import annotations

import dash
from dash import dcc, html

from dashboard import i18n
from dashboard.urlstate import state_from_query

dash.register_page(__name__, path="/404", title="Not found")


def layout(**query):
    lang = state_from_query(query).lang
    return html.Div([
        html.H1(i18n.t("nav.not_found", lang), className="page-title mb-3"),
        dcc.Link(i18n.t("nav.back_home", lang), href=dash.get_relative_path("/")),
    ], className="empty-state flex-column")
