"""Liveness and readiness: `/healthz` answers while the process runs, `/readyz` only while the
database answers too (for the proxy's or orchestrator's health checks)."""
from __future__ import annotations

import logging
import time

from flask import Blueprint, jsonify
from sqlalchemy import text

import context

log = logging.getLogger(__name__)


def create_health_blueprint() -> Blueprint:
    bp = Blueprint("health", __name__)

    @bp.get("/healthz")
    def healthz():
        return jsonify({"status": "alive"})

    @bp.get("/readyz")
    def readyz():
        started = time.perf_counter()
        try:
            with context.get().engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
            log.warning("readiness check failed: %s", exc.__class__.__name__)
            return jsonify({"status": "unavailable", "database": "unreachable"}), 503
        return jsonify({"status": "ready", "database_ms": round((time.perf_counter() - started) * 1000, 1)})

    return bp
