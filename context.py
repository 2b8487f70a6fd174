"""The per-process application context: settings, engine and pipeline, reachable from requests.

Stored on the Flask app (`server.extensions["sales"]`), so Dash callbacks and API views get it
from `flask.current_app` instead of module-level globals (each gunicorn worker has its own).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy.engine import Engine

from queries.pipeline import Pipeline
from settings import Settings


@dataclass(frozen=True)
class AppContext:
    settings: Settings
    engine: Engine
    pipeline: Pipeline


def install(server: Flask, ctx: AppContext) -> None:
    server.extensions["sales"] = ctx


def get() -> AppContext:
    """The context of the app serving the current request."""
    return current_app.extensions["sales"]
