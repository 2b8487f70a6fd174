"""One structured log line per request: method, route, status, duration, user, remote address.

Lines are JSON on the `requests` logger, so a log shipper can parse them; Dash callbacks show
their output ids as the route, so a slow chart can be found.
"""
from __future__ import annotations

import json
import logging
import time

from flask import Flask, g, request

log = logging.getLogger("requests")


def _route() -> str:
    if request.path.endswith("/_dash-update-component") and request.is_json:
        try:
            output = (request.get_json(silent=True) or {}).get("output", "")
            return "callback:" + str(output)[:200]
        except Exception:  # noqa: BLE001 - logging must never fail a request
            return request.path
    return request.path


def install(server: Flask) -> None:
    @server.before_request
    def _start_timer():
        g.request_started = time.perf_counter()

    @server.after_request
    def _log_request(resp):
        started = g.get("request_started")
        user = g.get("user_name") or "-"
        log.info(json.dumps({
            "method": request.method, "route": _route(), "status": resp.status_code,
            "ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
            "user": user, "remote": request.remote_addr,
        }, ensure_ascii=False))
        return resp
