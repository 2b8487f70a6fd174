"""Live refresh: poll the cheap data-version counter and tell pages when the data changed.

`ids.DATA_VERSION` (a dcc.Store) holds {"version": int, "at": ISO time it was noticed}. It
changes only when queries.db.data_version changed, so a page redraws on new data with

    Input(ids.DATA_VERSION, "data")

next to `Input(ids.URL, "search")`. A dcc.Interval (settings.refresh_seconds) polls; the navbar's
"Live" switch pauses it. The navbar shows "Updated HH:MM:SS" (when the dashboard last noticed new
data or loaded) and "Data as of <queries.db.data_as_of>" (the latest event in the data, METRICS.md
§0), both in the reporting time zone and the user's language.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

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


def register_callbacks(app: dash.Dash) -> None:
    """Polling and pause (called once by create_dash_app)."""

    @app.callback(
        Output(ids.DATA_VERSION, "data"),
        Output(ids.UPDATED_AT, "children"),
        Output(ids.DATA_AS_OF, "children"),
        Input(ids.LIVE_INTERVAL, "n_intervals"),
        State(ids.DATA_VERSION, "data"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def poll(_n, current, search):
        import context
        from ..urlstate import current_state
        ctx = context.get()
        try:
            with ctx.engine.connect() as conn:
                version = data_version(conn)
                if current and current.get("version") == version:
                    raise PreventUpdate  # nothing changed: no redraw anywhere
                as_of = data_as_of(conn)
        except PreventUpdate:
            raise
        except Exception:  # noqa: BLE001 - a failed poll must not break the page; try next tick
            log.exception("live refresh: polling the data version failed")
            raise PreventUpdate from None
        state = current_state(search)
        fmt = state.formatter()
        store = version_data(version)
        return store, updated_text(store, fmt, state.lang), as_of_text(as_of, fmt, state.lang)

    @app.callback(
        Output(ids.LIVE_INTERVAL, "disabled"),
        Input(ids.LIVE_PAUSE, "value"),
    )
    def pause(live_on):
        return not bool(live_on)

    app.clientside_callback(
        "function(on) { return on ? 'live-dot' : 'live-dot paused'; }",
        Output(ids.LIVE_DOT, "className"),
        Input(ids.LIVE_PAUSE, "value"),
    )
