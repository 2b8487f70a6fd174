"""One structured log line per request: method, route, status, duration, user, remote address.

Lines are JSON on the `requests` logger, so a log shipper can parse them; Dash callbacks show
their output ids as the route, so a slow chart can be found. The clock starts when the request
reaches the app (before the sign-in gate), so refused and failed requests are timed too.
"""
from __future__ import annotations

import json
import logging
import time

from flask import Flask, g, request

log = logging.getLogger("requests")
_STARTED = "sales.request_started"


def _route() -> str:
    if request.path.endswith("/_dash-update-component") and request.is_json:
        try:
            output = (request.get_json(silent=True) or {}).get("output", "")
            return "callback:" + str(output)[:200]
        except Exception:  # noqa: BLE001 - logging must never fail a request
            return request.path
    return request.path


def _user() -> str:
    """The signed-in user's name (auth/ sets g.user_name in its gate), else whoever
    auth.request.current_principal names (AUTH_MODE=none: the local user), else "-"."""
    name = g.get("user_name")
    if name:
        return name
    try:
        from auth.request import current_principal
        principal = current_principal()
    except Exception:  # noqa: BLE001 - logging must never fail a request
        principal = None
    return getattr(principal, "username", None) or "-"


def install(server: Flask) -> None:
    inner = server.wsgi_app

    def timed(environ, start_response):
        environ[_STARTED] = time.perf_counter()
        return inner(environ, start_response)
    server.wsgi_app = timed

    @server.after_request
    def _log_request(resp):
        started = request.environ.get(_STARTED)
        log.info(json.dumps({
            "method": request.method, "route": _route(), "status": resp.status_code,
            "ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
            "user": _user(), "remote": request.remote_addr,
        }, ensure_ascii=False))
        return resp
