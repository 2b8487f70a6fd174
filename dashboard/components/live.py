"""Live refresh: poll the cheap data-version counter and tell pages when the data changed.

`ids.DATA_VERSION` (a dcc.Store) holds {"version": int, "at": ISO time it was noticed}. It
changes only when queries.db.data_version changed, so a page redraws on new data with

    Input(ids.DATA_VERSION, "data")

next to `Input(ids.URL, "search")`. A dcc.Interval (settings.refresh_seconds) polls; the navbar's
"Live" switch pauses it. The navbar shows "Updated HH:MM:SS" (when the dashboard last noticed new
data or loaded) and "Data as of <queries.db.data_as_of>" (the latest event in the data, METRICS.md
§0), both in the reporting time zone and the user's language.

The poll also notices a database that is down or too slow (queries.availability): it shows the
banner "The database is not reachable — retrying…" (`ids.DB_BANNER`) and keeps polling, also
while Live is paused; when the database answers again it hides the banner and writes a fresh
DATA_VERSION, so every page redraws by itself. A callback that fails on the database shows the
banner at once (`on_callback_error`, the app's `on_error`, and charts.guard); a single query that
ran past DB_STATEMENT_TIMEOUT only says so in its view (no banner: the database is there, and a
redraw would only ask the same slow question again); any other failure of a callback shows a
short note with a log reference (`ids.CALLBACK_ERROR`), never a traceback.
"""
from __future__ import annotations

import logging
import uuid
from datetime import datetime, timezone

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from queries.availability import unavailable_reason
from queries.db import data_as_of, data_version

from .. import i18n, ids
from ..formatting import Formatter

log = logging.getLogger("dashboard")


def version_data(version: int) -> dict:
    """The DATA_VERSION store's value for `version`, noticed now."""
    return {"version": version, "at": datetime.now(timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds")}


def stores(refresh_seconds: float, version: int | None) -> list:
    """The interval and the version store (outside anything re-rendered)."""
    ms = max(1000, int(float(refresh_seconds or 10) * 1000))
    return [dcc.Interval(id=ids.LIVE_INTERVAL, interval=ms, n_intervals=0),
            dcc.Store(id=ids.DATA_VERSION, data=version_data(version) if version is not None else None)]


def updated_text(version_store: dict | None, fmt: Formatter, lang: str) -> str:
    at = (version_store or {}).get("at")
    try:
        ts = datetime.fromisoformat(at) if at else None
    except ValueError:
        ts = None
    return i18n.t("live.updated_at", lang, time=fmt.time(ts)) if ts else ""


def as_of_text(as_of: datetime | None, fmt: Formatter, lang: str) -> str:
    return i18n.t("live.data_as_of", lang, ts=fmt.datetime(as_of)) if as_of else i18n.t("live.no_data", lang)


def indicator(lang: str, fmt: Formatter, *, version_store: dict | None, as_of: datetime | None,
              live_on: bool = True) -> html.Div:
    """The navbar block: Live switch, "Updated …" and "Data as of …"."""
    return html.Div([
        html.Div([
            html.Span(id=ids.LIVE_DOT, className="live-dot" + ("" if live_on else " paused")),
            dbc.Switch(id=ids.LIVE_PAUSE, value=live_on, label=i18n.t("live.label", lang),
                       className="live-switch mb-0", input_class_name="live-switch-input"),
        ], className="live-toggle", title=i18n.t("live.tooltip", lang)),
        html.Div([
            html.Div(updated_text(version_store, fmt, lang), id=ids.UPDATED_AT, className="live-updated"),
            html.Div(as_of_text(as_of, fmt, lang), id=ids.DATA_AS_OF, className="live-asof"),
        ], className="live-texts"),
    ], className="live-indicator")


# --- the database is down or slow ------------------------------------------------------------
def banner_text(lang: str) -> str:
    return f"{i18n.t('db.unreachable', lang)} {i18n.t('db.unreachable_hint', lang)}"


def banner(lang: str, down: bool = False) -> html.Div:
    """The "database not reachable" banner under the header (shown while `down`)."""
    return html.Div(banner_text(lang), id=ids.DB_BANNER, hidden=not down, role="alert",
                    className="db-banner bi bi-database-exclamation")


def error_note(lang: str) -> dbc.Toast:
    """Where a failed callback outside the guarded charts says so (with the log reference)."""
    return dbc.Toast(id=ids.CALLBACK_ERROR, is_open=False, dismissable=True, duration=12000,
                     header=i18n.t("chart.error", lang), icon="danger", className="callback-error")


def unavailable_update(lang: str) -> dict:
    """A Dash callback answer that only shows the banner (for a callback the database failed
    before it ran, e.g. in the sign-in gate; web/errors.py)."""
    return {"multi": True, "response": {},
            "sideUpdate": {ids.DB_BANNER: {"hidden": False, "children": banner_text(lang)}}}


def show_unavailable(lang: str) -> None:
    """Show the banner from inside any callback (dash.set_props: no Output needed)."""
    dash.set_props(ids.DB_BANNER, {"hidden": False, "children": banner_text(lang)})


def on_callback_error(error: Exception):
    """The app's `on_error`: a callback raised. The database being down shows the banner; any
    other error a note with a reference to the log line; the outputs stay as they were."""
    from werkzeug.exceptions import HTTPException
    if isinstance(error, HTTPException):
        raise error   # abort(403) and the like keep their status
    if isinstance(error, PermissionError):   # queries.access.AccessDenied
        from flask import abort
        abort(403, description=str(error))
    from .charts import _callback_lang
    lang = _callback_lang()
    reason = unavailable_reason(error)
    if reason == "timeout":   # the database is there; this question took longer than it allows
        log.warning("dashboard callback: statement timeout")
        dash.set_props(ids.CALLBACK_ERROR, {"is_open": True, "children": i18n.t("db.view_timeout", lang) + " "
                                            + i18n.t("db.view_timeout_hint", lang)})
        return None
    if reason:
        log.warning("dashboard callback: the database is %s (%s)", reason, error.__class__.__name__)
        show_unavailable(lang)
        return None
    ref = uuid.uuid4().hex[:8]
    log.error("dashboard callback failed (reference %s)", ref, exc_info=(type(error), error, error.__traceback__))
    dash.set_props(ids.CALLBACK_ERROR, {"is_open": True, "children": i18n.t("callback.error", lang, ref=ref)})
    return None


def register_callbacks(app: dash.Dash) -> None:
    """Polling and pause (called once by create_dash_app)."""

    @app.callback(
        Output(ids.DATA_VERSION, "data"),
        Output(ids.UPDATED_AT, "children"),
        Output(ids.DATA_AS_OF, "children"),
        Output(ids.DB_BANNER, "hidden"),
        Output(ids.DB_BANNER, "children"),
        Input(ids.LIVE_INTERVAL, "n_intervals"),
        State(ids.DATA_VERSION, "data"),
        State(ids.URL, "search"),
        State(ids.DB_BANNER, "hidden"),
        prevent_initial_call=True,
    )
    def poll(_n, current, search, banner_hidden):
        import context
        from ..urlstate import current_state, get_param
        ctx = context.get()
        was_down = banner_hidden is False
        try:
            with ctx.engine.connect() as conn:
                version = data_version(conn)
                if not was_down and current and current.get("version") == version:
                    raise PreventUpdate  # nothing changed: no redraw anywhere
                as_of = data_as_of(conn)
        except PreventUpdate:
            raise
        except Exception as exc:  # noqa: BLE001 - a failed poll must not break the page; try next tick
            reason = unavailable_reason(exc)
            if not reason:
                log.exception("live refresh: polling the data version failed")
                raise PreventUpdate from None
            log.warning("live refresh: the database is %s (%s)", reason, exc.__class__.__name__)
            if was_down:
                raise PreventUpdate from None   # the banner is up already
            lang = get_param(search, "lang")
            lang = lang if lang in i18n.LANGUAGES else i18n.request_lang()
            return dash.no_update, dash.no_update, dash.no_update, False, banner_text(lang)
        state = current_state(search)
        fmt = state.formatter()
        # a fresh store (new "at") also when the version is the same: back from an outage,
        # every page redraws what it could not draw while the database was away
        store = version_data(version)
        return (store, updated_text(store, fmt, state.lang), as_of_text(as_of, fmt, state.lang),
                True, dash.no_update)

    @app.callback(
        Output(ids.LIVE_INTERVAL, "disabled"),
        Input(ids.LIVE_PAUSE, "value"),
        Input(ids.DB_BANNER, "hidden"),
    )
    def pause(live_on, banner_hidden):
        # paused, but the database is away: keep polling to notice when it is back
        return not bool(live_on) and banner_hidden is not False

    app.clientside_callback(
        "function(on) { return on ? 'live-dot' : 'live-dot paused'; }",
        Output(ids.LIVE_DOT, "className"),
        Input(ids.LIVE_PAUSE, "value"),
    )
