"""The Dash app: shell (navbar, filter bar, live refresh) around the pages of dashboard/pages.

`create_dash_app(server, settings)` mounts Dash on the Flask server (`server.extensions["dash"]`).
Everything is served locally (Bootstrap, icons and our CSS from assets/; no CDN: intranet).

The shell's layout is built per page load (`serve_layout`) in the browser's language; the URL
(`ids.URL`) holds the view state. When the URL names another language than the one the shell
was drawn in, `relocalize` redraws navbar and filter bar; pages are redrawn by Dash pages' router
(the language links navigate).
"""
from __future__ import annotations

import json
import logging
from pathlib import Path

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate
from flask import Flask

from auth import texts as auth_texts
from auth.web import ADMIN_PATH

from . import i18n, ids
from .components import drilldown, filter_bar, live, navbar
from .pages import PAGES
from .urlstate import current_state, parse_state, today_in

log = logging.getLogger("dashboard")

DASHBOARD_DIR = Path(__file__).resolve().parent
PAGES_DIR = DASHBOARD_DIR / "pages"
ASSETS_DIR = DASHBOARD_DIR.parent / "assets"


def _shell_data(engine):
    """(data version, data as of, filter options) for drawing the shell; empty on a DB error."""
    from queries.db import data_as_of, data_version
    from queries.dimensions import filter_options
    try:
        with engine.connect() as conn:
            return data_version(conn), data_as_of(conn), filter_options(conn)
    except Exception:  # noqa: BLE001 - draw the shell anyway; the pages show their own errors
        log.exception("dashboard shell: could not read the data version, as-of time or filter options")
        return None, None, {}


def render_header(state, pathname, search, *, version_store, as_of, options, live_on=True) -> list:
    """Navbar and filter bar for `state` (used at page load and on a language change). The live
    block ends the filter bar's row: in the navbar ten links and it did not fit one row."""
    fmt = state.formatter()
    block = live.indicator(state.lang, fmt, version_store=version_store, as_of=as_of, live_on=live_on)
    embed_texts = html.Div(id="embed-texts", hidden=True, **{
        "data-copy": i18n.t("embed.copy", state.lang), "data-copied": i18n.t("embed.copied", state.lang),
        "data-manual": i18n.t("embed.manual", state.lang)})
    return [embed_texts, navbar.navbar(state.lang, pathname, search),
            dbc.Container(html.Div([filter_bar.filter_bar(state, options, state.lang), block], className="filter-row"),
                          fluid=True, className="filter-wrap")]


def serve_layout():
    """The shell, built for every page load (in the browser's language, default view state)."""
    import context
    ctx = context.get()
    settings = ctx.settings
    lang = i18n.request_lang()
    state = parse_state("", settings, today_in(settings.tz), lang)
    version, as_of, options = _shell_data(ctx.engine)
    version_store = live.version_data(version) if version is not None else None
    return html.Div([
        dcc.Location(id=ids.URL, refresh=False),
        dcc.Location(id=ids.NAV, refresh="callback-nav"),
        dcc.Store(id=ids.HEADER_LANG, data=lang),
        *live.stores(settings.refresh_seconds, version),
        html.Header(render_header(state, dash.get_relative_path("/"), "", version_store=version_store,
                                  as_of=as_of, options=options),
                    id=ids.HEADER, className="app-header"),
        live.banner(lang, down=version is None),   # the database did not answer: polling shows when it is back
        live.error_note(lang),
        html.Main(dbc.Container(dash.page_container, fluid=True, className="page-container"),
                  id=ids.PAGE_CONTENT),
    ], className="app-shell")


def _register_shell_callbacks(app: dash.Dash) -> None:
    @app.callback(
        Output(ids.HEADER, "children"),
        Output(ids.HEADER_LANG, "data"),
        Input(ids.URL, "search"),
        State(ids.URL, "pathname"),
        State(ids.HEADER_LANG, "data"),
        State(ids.DATA_VERSION, "data"),
        State(ids.LIVE_INTERVAL, "disabled"),
    )
    def relocalize(search, pathname, rendered_lang, version_store, paused):
        import context
        state = current_state(search)
        if state.lang == rendered_lang:
            raise PreventUpdate
        _, as_of, options = _shell_data(context.get().engine)
        return (render_header(state, pathname, search, version_store=version_store, as_of=as_of,
                              options=options, live_on=not paused), state.lang)

    # The browser tab title in the page's language (after the pages router set its own).
    titles = {lang: {p.path: f"{i18n.t(p.label_key, lang)} · {i18n.t('app.title', lang)}" for p in PAGES}
              | {ADMIN_PATH: f"{auth_texts.text('nav.admin', lang)} · {i18n.t('app.title', lang)}"}
              for lang in i18n.LANGUAGES}
    app.clientside_callback(
        """
        function(lang, pathname, _pages) {
            var titles = %s;
            var byPath = titles[lang] || titles["en"];
            var path = "/" + ((pathname || "/").replace(/^\\/+|\\/+$/g, ""));
            var title = byPath[path] || byPath["/"];
            setTimeout(function () { document.title = title; }, 0);
        }
        """ % json.dumps(titles),
        Input(ids.HEADER_LANG, "data"),
        Input(ids.URL, "pathname"),
        Input("_pages_store", "data"),
    )


def create_dash_app(server: Flask, settings) -> dash.Dash:
    """Mount the dashboard on `server` and return the Dash app (also `server.extensions["dash"]`).

    Behind a reverse proxy at `settings.url_prefix` the browser asks for `<prefix>/…`; the app
    answers at `<prefix>/…` too, or at `/…` when the proxy strips the prefix.
    """
    prefix = settings.url_prefix
    requests_prefix = prefix + "/"
    routes_prefix = "/" if settings.proxy_strips_prefix else requests_prefix
    if "compress" not in server.extensions:
        from flask_compress import Compress
        Compress(server)
    app = dash.Dash(
        "dashboard",  # a package name: page modules import as dashboard.pages.<name>
        server=server,
        use_pages=True,
        pages_folder=str(PAGES_DIR),
        assets_folder=str(ASSETS_DIR),
        suppress_callback_exceptions=True,
        serve_locally=True,
        title=i18n.t("app.title", "en"),
        update_title=None,
        compress=False,  # flask-compress is on the whole server (above)
        requests_pathname_prefix=requests_prefix,
        routes_pathname_prefix=routes_prefix,
        on_error=live.on_callback_error,   # a failing callback: banner or a note, never a traceback
    )
    app.layout = serve_layout
    _register_shell_callbacks(app)
    filter_bar.register_callbacks(app)
    live.register_callbacks(app)
    navbar.register_callbacks(app)
    drilldown.register_callbacks(app)
    server.extensions["dash"] = app
    return app
