"""What a browser or an API client sees when a request fails: a clear message, never a traceback.

- The database is down or too slow (queries.availability): HTTP 503 with `Retry-After`. The API
  and Dash's JSON endpoints answer JSON; a page answers a plain page that reloads itself every
  REFRESH_SECONDS, so it comes back on its own. A Dash callback that failed before reaching its
  code (the sign-in gate looks up the user in the database) answers an update that shows the
  dashboard's "database not reachable" banner instead (dashboard/components/live.py).
- Anything else: HTTP 500, JSON `{"error": …, "reference": …}` or a plain page; the traceback
  goes to the server log only, under the same reference.

Errors inside Dash callbacks are handled by the dashboard itself (charts.guard and the app's
`on_error`, dashboard/app.py); this module covers what reaches Flask.
"""
from __future__ import annotations

import logging
import math
import uuid
from html import escape

from flask import Flask, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from queries.availability import unavailable_reason

log = logging.getLogger(__name__)

TEXTS = {
    "unavailable_title": {"en": "The database is not reachable", "de": "Die Datenbank ist nicht erreichbar"},
    "unavailable_body": {"en": "The dashboard is waiting for its database and tries again by itself "
                               "every {seconds} s — retrying…",
                         "de": "Das Dashboard wartet auf seine Datenbank und versucht es alle {seconds} s "
                               "von selbst erneut – neuer Versuch läuft …"},
    "error_title": {"en": "Something went wrong", "de": "Etwas ist schiefgegangen"},
    "error_body": {"en": "The error was logged (reference {ref}). Please try again later.",
                   "de": "Der Fehler wurde protokolliert (Referenz {ref}). Bitte später erneut versuchen."},
    "api_unavailable": {"en": "the database is not reachable; retry later",
                        "de": "the database is not reachable; retry later"},
    "api_busy": {"en": "every database connection is in use (DB_POOL_TIMEOUT); retry later",
                 "de": "every database connection is in use (DB_POOL_TIMEOUT); retry later"},
    "api_timeout": {"en": "the database did not answer in time (DB_STATEMENT_TIMEOUT); retry later or "
                          "ask for less (shorter period, fewer rows)",
                    "de": "the database did not answer in time (DB_STATEMENT_TIMEOUT); retry later or "
                          "ask for less (shorter period, fewer rows)"},
}


def _lang() -> str:
    from dashboard import i18n
    asked = request.args.get("lang")
    return asked if asked in i18n.LANGUAGES else i18n.request_lang()


def _wants_json() -> bool:
    """API calls and Dash's own endpoints (callbacks, layout) get JSON; pages get HTML."""
    path = request.path
    return (request.blueprint == "api_v1" or "/api/" in path or "/_dash-" in path
            or path.endswith("/_reload-hash") or request.is_json)


def _is_dash_callback() -> bool:
    return request.method == "POST" and request.path.endswith("/_dash-update-component")


def _retry_seconds() -> int:
    try:
        import context
        return max(1, math.ceil(context.get().settings.refresh_seconds))
    except Exception:  # noqa: BLE001 - an error page must never fail itself
        return 10


def _page(title: str, body: str, lang: str, status: int, refresh: int | None = None):
    meta = f'<meta http-equiv="refresh" content="{refresh}">' if refresh else ""
    html = (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">{meta}'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title>'
            '<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:15vh auto;padding:0 1rem;'
            'color:#1f2937}h1{font-size:1.4rem}p{color:#4b5563}</style></head>'
            f'<body><h1>{escape(title)}</h1><p>{escape(body)}</p></body></html>')
    return current_app.response_class(html, status=status, mimetype="text/html")


def unavailable_response(reason: str):
    """The 503 answer to a request the database could not serve (queries.availability reasons)."""
    seconds = _retry_seconds()
    lang = _lang()
    if _is_dash_callback() and "dash" in current_app.extensions:
        from dashboard.components.live import unavailable_update
        # Dash applies an update only from a 200 answer: show the banner, change nothing else
        resp = jsonify(unavailable_update(lang))
    elif _wants_json():
        key = {"timeout": "api_timeout", "busy": "api_busy"}.get(reason, "api_unavailable")
        resp = jsonify({"error": TEXTS[key]["en"], "database": reason})
        resp.status_code = 503
    else:
        resp = _page(TEXTS["unavailable_title"][lang], TEXTS["unavailable_body"][lang].format(seconds=seconds),
                     lang, 503, refresh=seconds)
    resp.headers["Retry-After"] = str(seconds)
    resp.headers["Cache-Control"] = "no-store"
    return resp


def internal_error_response(error: BaseException):
    """The 500 answer: a reference to the log line with the traceback, nothing else."""
    ref = uuid.uuid4().hex[:8]
    log.error("unhandled error on %s %s (reference %s)", request.method, request.path, ref,
              exc_info=(type(error), error, error.__traceback__))
    if _wants_json():
        resp = jsonify({"error": "internal error; the server log has the details", "reference": ref})
        resp.status_code = 500
        return resp
    lang = _lang()
    return _page(TEXTS["error_title"][lang], TEXTS["error_body"][lang].format(ref=ref), lang, 500)


def handle(error: BaseException):
    """503 for a database that is down or slow, else 500 (for handlers that catch everything)."""
    reason = unavailable_reason(error)
    if reason:
        log.warning("database %s on %s %s: %s", reason, request.method, request.path,
                    str(error).splitlines()[0][:200] if str(error) else error.__class__.__name__)
        return unavailable_response(reason)
    return internal_error_response(error)


def install(server: Flask) -> None:
    """Register the handlers on `server` (the API blueprint hands its errors to `handle` too)."""
    @server.errorhandler(Exception)
    def _unhandled(error):
        if isinstance(error, HTTPException):
            return error   # 404, 405, 403 …: their own answers (and any handler for their code)
        return handle(error)
