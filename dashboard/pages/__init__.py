"""The dashboard's pages: one module per page, registered with `dash.register_page`.

Dash imports every module of this folder that calls `register_page` (files starting with "_"
are skipped) when the app is created, and imports it again for every new app, so a page module
must not have import-time side effects beyond `register_page`, `@dash.callback` and
`drilldown.register` (which replaces by name). Tests should reach pages through
`create_app()`, not by importing a page module directly (its callbacks would register twice).

A page module, in short (see overview.py for a complete one):

    import dash
    from dash import Input, Output, html
    from dashboard import ids
    from dashboard.pages import PAGE_PATHS
    from dashboard.urlstate import current_state, state_from_query

    dash.register_page(__name__, path=PAGE_PATHS["funnel"], name="funnel", title="Funnel")

    def layout(**query):                       # query: the URL's parameters
        state = state_from_query(query)         # ViewState; state.lang for static texts
        return html.Div([...charts.graph(ids.page_id("funnel", "chart"), state.lang)...])

    @dash.callback(Output(ids.page_id("funnel", "chart"), "figure"),
                   Input(ids.URL, "search"), Input(ids.DATA_VERSION, "data"))
    @charts.guard("figure")
    def draw(search, _version):
        state = current_state(search)
        with context.get().engine.connect() as conn: ...

The navbar shows a link for each entry of PAGES whose path is registered.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageLink:
    key: str
    path: str
    label_key: str
    icon: str


PAGES = (
    PageLink("overview", "/", "nav.overview", "bi-speedometer2"),
    PageLink("funnel", "/funnel", "nav.funnel", "bi-funnel"),
    PageLink("cycle", "/cycle", "nav.cycle", "bi-arrow-repeat"),
    PageLink("lifecycle", "/lifecycle", "nav.lifecycle", "bi-people"),
    PageLink("campaigns", "/campaigns", "nav.campaigns", "bi-megaphone"),
    PageLink("attribution", "/attribution", "nav.attribution", "bi-diagram-3"),
    PageLink("customers", "/customers", "nav.customers", "bi-person-vcard"),
    PageLink("experiments", "/experiments", "nav.experiments", "bi-clipboard-data"),
    PageLink("service", "/service", "nav.service", "bi-headset"),
)
PAGE_PATHS = {p.key: p.path for p in PAGES}
