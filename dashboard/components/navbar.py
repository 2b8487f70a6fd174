"""The top navbar: logo, page links (keeping the view state), language switch,
the signed-in user with "Sign out" (auth/), and the banner when sign-in is off.

The row must not wrap at 1280 px (ten links in German with a signed-in user): below 1700 px the
brand shows only its logo, below 1400 px the links lose their icons, below 1600 px "Sign out" its
text and a long user name is cut (assets/style.css); with a signed-in user the experiments and
service pages move into a "More" menu; the live block sits in the filter bar's row
(dashboard/app.py).

Only the pages the user's role may see get a link (auth.roles.may_see_page); the admin page's
link is shown to admins only. Hiding links is a courtesy: the gate refuses the pages anyway."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, dcc, html

from auth import texts as auth_texts
from auth.web import ADMIN_PATH

from .. import i18n, ids
from ..pages import PAGES
from ..urlstate import set_params

NAV_ADMIN = "nav-admin"
USER_LABEL = "nav-user"
SIGN_OUT = "nav-sign-out"
NO_AUTH_BANNER = "no-auth-banner"
NAV_MORE = "nav-more"
#: Pages that move into the "More" menu when a signed-in user's name shares the row, and from
#: how many links on.
MORE_PAGES = ("experiments", "service")
MORE_FROM = 8


def more_link_id(page: str) -> dict:
    return {"type": "nav-more-link", "page": page}


def lang_link_id(lang: str) -> dict:
    return {"type": "lang-link", "lang": lang}


def _registered_paths() -> set[str]:
    return {p.get("path") for p in dash.page_registry.values()}


def _href(path: str, search: str | None) -> str:
    return dash.get_relative_path(path) + (search or "")


def _active(page_path: str, pathname: str | None) -> bool:
    current = "/" + (dash.strip_relative_path(pathname or "/") or "")
    return current == page_path


def _nav_class(pathname: str | None) -> str:
    """The page links' classes; "on-admin" on the admin page (style.css hides the filter bar)."""
    return "app-nav" + (" on-admin" if _active(ADMIN_PATH, pathname) else "")


def _lang_search(search: str | None, lang: str) -> str:
    return set_params(search, lang=lang)


def _more_keys(principal, page_keys: list[str]) -> tuple[str, ...]:
    """The pages that go into the "More" menu: with a signed-in user's name and "Sign out" in
    the row, ten links no longer fit 1280 px, so the last pages move there (the admin link stays
    in the row); roles with few pages keep them all in the row."""
    import context
    if principal is None or context.get().settings.auth_mode == "none" or len(page_keys) < MORE_FROM:
        return ()
    return tuple(k for k in MORE_PAGES if k in page_keys)


def navbar(lang: str, pathname: str | None, search: str | None, live_block=None) -> dbc.Navbar:
    """The navbar for the current location (links carry `search`, so filters persist)."""
    from auth.request import current_principal
    from auth.roles import may_see_page
    principal = current_principal()
    registered = _registered_paths()
    pages = [p for p in PAGES if p.path in registered and may_see_page(principal, p.key)]
    more = _more_keys(principal, [p.key for p in pages] + (["admin"] if may_see_page(principal, "admin") else []))
    links = [dbc.NavItem(dbc.NavLink([html.I(className=f"bi {p.icon} me-1"), i18n.t(p.label_key, lang)],
                                     id=ids.nav_link(p.key), href=_href(p.path, search),
                                     active=_active(p.path, pathname), className="app-nav-link"),
                         className="nav-in-more" if p.key in more else None)
             for p in pages]
    if ADMIN_PATH in registered and may_see_page(principal, "admin"):
        links.append(dbc.NavItem(dbc.NavLink([html.I(className="bi bi-gear me-1"), auth_texts.text("nav.admin", lang)],
                                             id=NAV_ADMIN, href=_href(ADMIN_PATH, search),
                                             active=_active(ADMIN_PATH, pathname), className="app-nav-link")))
    lang_links = html.Div([
        dcc.Link(code.upper(), id=lang_link_id(code), href=_href_for(pathname, _lang_search(search, code)),
                 className="lang-link" + (" active" if code == lang else ""), title=i18n.t("nav.language", lang))
        for code in i18n.LANGUAGES
    ], className="lang-switch", id=ids.LANG_SWITCH)
    return dbc.Navbar([
        dbc.Container([
            dcc.Link([html.Img(src=dash.get_asset_url("logo.svg"), className="app-logo", alt=""),
                      html.Span(i18n.t("app.brand", lang), className="app-brand-text")],
                     href=_href("/", search), className="app-brand", title=i18n.t("app.title", lang)),
            html.Div([dbc.Nav(links, navbar=True, className=_nav_class(pathname), id=ids.NAV_LINKS),
                      _more_menu([p for p in pages if p.key in more], lang, pathname, search)],
                     className="app-nav-group me-auto"),
            live_block,
            lang_links,
            user_block(principal, lang),
        ], fluid=True, className="app-navbar-inner"),
        no_auth_banner(lang),
    ], className="app-navbar", id=ids.NAVBAR, dark=False, color="white",
    )


def _more_menu(pages, lang: str, pathname: str | None, search: str | None):
    """The "More" dropdown of `pages` (None without any); its toggle is highlighted while one of
    them is open."""
    if not pages:
        return None
    items = [dbc.DropdownMenuItem([html.I(className=f"bi {p.icon} me-2"), i18n.t(p.label_key, lang)],
                                  id=more_link_id(p.key), href=_href(p.path, search), active=_active(p.path, pathname))
             for p in pages]
    active = any(_active(p.path, pathname) for p in pages)
    return dbc.Nav(dbc.DropdownMenu(items, label=i18n.t("nav.more", lang), nav=True, in_navbar=True, align_end=True,
                                    id=NAV_MORE, toggle_class_name=_more_toggle_class(active)),
                   navbar=True, className="app-nav app-nav-more")


def _more_toggle_class(active: bool) -> str:
    return "app-nav-link" + (" active" if active else "")


def user_block(principal, lang: str):
    """The signed-in user ("anna · sales") and the sign-out link; nothing when sign-in is off."""
    import context
    settings = context.get().settings
    if principal is None or settings.auth_mode == "none":
        return None
    sign_out = None
    if settings.auth_mode == "builtin" or settings.auth_logout_url:
        href = dash.get_relative_path("/logout") if settings.auth_mode == "builtin" else settings.auth_logout_url
        label = auth_texts.text("nav.sign_out", lang)
        sign_out = html.A([html.I(className="bi bi-box-arrow-right me-1"), html.Span(label, className="app-sign-out-text")],
                          href=href, id=SIGN_OUT, title=label, className="ms-2 small text-nowrap")
    return html.Div([html.I(className="bi bi-person-circle me-1"),
                     html.Span(principal.label, id=USER_LABEL, className="small text-nowrap app-user-name",
                               title=principal.label), sign_out],
                    className="d-flex align-items-center ms-3 app-user")


def no_auth_banner(lang: str):
    """AUTH_MODE=none: say plainly that everyone sees everything (a full-width strip)."""
    import context
    if context.get().settings.auth_mode != "none":
        return None
    return html.Div([html.I(className="bi bi-exclamation-triangle me-2"), auth_texts.text("banner.no_auth", lang)],
                    id=NO_AUTH_BANNER, role="status",
                    className="w-100 small text-center py-1 bg-warning-subtle text-warning-emphasis")


def _href_for(pathname: str | None, search: str) -> str:
    return (pathname or dash.get_relative_path("/")) + search


def register_callbacks(app: dash.Dash) -> None:
    """Keep the page links' and language links' hrefs in step with the URL (and the admin link,
    which only admins have); on the admin page the links' class says so, and the stylesheet hides
    the filter bar there."""

    @app.callback(
        Output(ids.nav_link(ALL), "href"),
        Output(ids.nav_link(ALL), "active"),
        Output(lang_link_id(ALL), "href"),
        Output(ids.NAV_LINKS, "className"),
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
        return hrefs, active, lang_hrefs, _nav_class(pathname)

    @app.callback(
        Output(NAV_ADMIN, "href"),
        Output(NAV_ADMIN, "active"),
        Input(ids.URL, "pathname"),
        Input(ids.URL, "search"),
    )
    def update_admin_link(pathname, search):
        return _href(ADMIN_PATH, search), _active(ADMIN_PATH, pathname)

    @app.callback(
        Output(more_link_id(ALL), "href"),
        Output(more_link_id(ALL), "active"),
        Output(NAV_MORE, "toggle_class_name"),
        Input(ids.URL, "pathname"),
        Input(ids.URL, "search"),
    )
    def update_more_menu(pathname, search):
        by_key = {p.key: p for p in PAGES}
        keys = [o["id"]["page"] for o in dash.ctx.outputs_list[0]]
        active = [_active(by_key[k].path, pathname) for k in keys]
        return [_href(by_key[k].path, search) for k in keys], active, _more_toggle_class(any(active))
