"""The top navbar: logo, page links (keeping the view state), live indicator, language switch."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, dcc, html

from .. import i18n, ids
from ..pages import PAGES
from ..urlstate import set_params


def lang_link_id(lang: str) -> dict:
    return {"type": "lang-link", "lang": lang}


def _registered_paths() -> set[str]:
    return {p.get("path") for p in dash.page_registry.values()}


def _href(path: str, search: str | None) -> str:
    return dash.get_relative_path(path) + (search or "")


def _active(page_path: str, pathname: str | None) -> bool:
    current = "/" + (dash.strip_relative_path(pathname or "/") or "")
    return current == page_path


def _lang_search(search: str | None, lang: str) -> str:
    return set_params(search, lang=lang)


def navbar(lang: str, pathname: str | None, search: str | None, live_block) -> dbc.Navbar:
    """The navbar for the current location (links carry `search`, so filters persist)."""
    registered = _registered_paths()
    links = [dbc.NavItem(dbc.NavLink([html.I(className=f"bi {p.icon} me-1"), i18n.t(p.label_key, lang)],
                                     id=ids.nav_link(p.key), href=_href(p.path, search),
                                     active=_active(p.path, pathname), className="app-nav-link"))
             for p in PAGES if p.path in registered]
    lang_links = html.Div([
        dcc.Link(code.upper(), id=lang_link_id(code), href=_href_for(pathname, _lang_search(search, code)),
                 className="lang-link" + (" active" if code == lang else ""), title=i18n.t("nav.language", lang))
        for code in i18n.LANGUAGES
    ], className="lang-switch", id=ids.LANG_SWITCH)
    return dbc.Navbar(
        dbc.Container([
            dcc.Link([html.Img(src=dash.get_asset_url("logo.svg"), className="app-logo", alt=""),
                      html.Span(i18n.t("app.brand", lang), className="app-brand-text")],
                     href=_href("/", search), className="app-brand"),
            dbc.Nav(links, navbar=True, className="app-nav me-auto", id=ids.NAV_LINKS),
            live_block,
            lang_links,
        ], fluid=True, className="app-navbar-inner"),
        className="app-navbar", id=ids.NAVBAR, dark=False, color="white",
    )


def _href_for(pathname: str | None, search: str) -> str:
    return (pathname or dash.get_relative_path("/")) + search


def register_callbacks(app: dash.Dash) -> None:
    """Keep the page links' and language links' hrefs in step with the URL."""

    @app.callback(
        Output(ids.nav_link(ALL), "href"),
        Output(ids.nav_link(ALL), "active"),
        Output(lang_link_id(ALL), "href"),
        Input(ids.URL, "pathname"),
        Input(ids.URL, "search"),
    )
    def update_links(pathname, search):
        by_key = {p.key: p for p in PAGES}
        keys = [o["id"]["page"] for o in dash.ctx.outputs_list[0]]
        langs = [o["id"]["lang"] for o in dash.ctx.outputs_list[2]]
        hrefs = [_href(by_key[k].path, search) for k in keys]
        active = [_active(by_key[k].path, pathname) for k in keys]
        lang_hrefs = [_href_for(pathname, _lang_search(search, code)) for code in langs]
        return hrefs, active, lang_hrefs
