"""The JSON API under /api/v1, served by the dashboard's own Flask process: read-only metric
endpoints, and POST /events for live CRM events (api/events.py).

Every view checks the caller (session, API token or proxy sign-on; auth/): 401 without one when
sign-in is on, 403 for an endpoint the role may not call; the role's `Access` then rides in the
request's filters, so the query layer scopes and redacts what comes back. A list with personal
data (customer names) is written to the audit log with its parameters.
"""
from __future__ import annotations

import logging
import math
from datetime import date, datetime

import pandas as pd
from flask import Blueprint, jsonify, request

import context
from queries.db import data_as_of
from auth import audit
from auth.request import current_principal
from auth.roles import access_for, may_call
from queries.access import AccessDenied, personal_columns, redact_frame
from queries.filters import FilterError
from queries.lists import ListError
from queries.period import PeriodError, to_local

from .endpoints import ENDPOINTS, Endpoint
from .openapi import openapi_document
from .params import ParamError, iso, parse_request, parse_sort

log = logging.getLogger(__name__)


def _clean(value):
    """JSON-safe values: NaN → null, timestamps → ISO 8601 UTC."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, (datetime, date)):
        return iso(value)
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else iso(value.to_pydatetime())
    if value is pd.NaT:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        return _clean(value.item())
    return value


def _records(df: pd.DataFrame) -> list[dict]:
    return [_clean(r) for r in df.astype(object).where(df.notna(), None).to_dict("records")]


def _bad_request(param: str | None, message: str):
    return jsonify({"error": message, "parameter": param}), 400


def _check_stage(req, pipeline) -> None:
    """`stage` against the configured pipeline (PIPELINE_STAGES), before any query runs."""
    stage = req.options.get("stage")
    if stage is not None and stage not in pipeline.stages:
        raise ParamError("stage", f"unknown stage {stage!r}; 'stage' must be one of {', '.join(pipeline.stages)}")


def _view(ep: Endpoint):
    def view():
        ctx = context.get()
        principal = current_principal()
        if principal is None:
            return jsonify({"error": "sign in first (session or Authorization: Bearer <token>)"}), 401
        refusal = may_call(principal, ep.path, is_list=ep.is_list)
        if refusal:
            return jsonify({"error": refusal}), 403
        access = access_for(principal, ctx.settings)
        today = datetime.now(ctx.settings.tz).date()
        try:
            req = parse_request(request.args, ep.params, tz_name=ctx.settings.report_tz, today=today,
                                uses_period=ep.uses_period, uses_filters=ep.uses_filters)
            req.filters = req.filters.with_access(access)
            _check_stage(req, ctx.pipeline)
            if "sort" in req.options:
                req.options["sort"] = parse_sort(req.options["sort"])
            with ctx.engine.connect() as conn:
                result = ep.handler(conn, req, ctx)
                as_of = data_as_of(conn)
        except AccessDenied as exc:
            return jsonify({"error": str(exc)}), 403
        except ParamError as exc:
            return _bad_request(exc.param, str(exc))
        except ListError as exc:
            return _bad_request(exc.param, str(exc))
        except (PeriodError, FilterError, ValueError, KeyError) as exc:
            # the query layer rejects values it cannot use (an unknown stage, sort column, …)
            return _bad_request(None, str(exc).strip("'\""))
        body = {"period": {"from": req.period.start.isoformat(), "to": req.period.end.isoformat(),
                           "time_zone": req.period.tz_name},
                "filters": req.filters.to_mapping(), "data_as_of": iso(as_of)}
        if ep.is_list:
            df, total = result if isinstance(result, tuple) else (result, len(result))
            df = redact_frame(df, access)   # lists not built by queries.lists.page (pandas)
            if len(df) and personal_columns(df.columns):
                audit.record(ctx.engine, principal, "api_list", {
                    "endpoint": ep.path, "query": request.args.to_dict(flat=False), "rows": len(df),
                    "total": total, "via": principal.via})
            body.update({"total": total, "limit": req.options.get("limit"), "offset": req.options.get("offset"),
                         "rows": _records(df)})
        else:
            body.update(_clean(result))
        return jsonify(body)
    view.__name__ = "metric_" + ep.path.strip("/").replace("/", "_").replace("-", "_")
    return view


def create_api_blueprint() -> Blueprint:
    bp = Blueprint("api_v1", __name__)
    for ep in ENDPOINTS:
        bp.add_url_rule(ep.path, view_func=_view(ep), methods=["GET"])

    from .events import register as register_events
    register_events(bp)   # POST /events (live ingestion)

    @bp.get("/openapi.json")
    def openapi():
        return jsonify(openapi_document(ENDPOINTS))

    @bp.get("/<path:_unknown>")
    def unknown(_unknown):
        # without this, the dashboard's catch-all page route answered unknown API paths with HTML
        return not_found(None)

    @bp.errorhandler(404)
    def not_found(_exc):
        return jsonify({"error": f"no such endpoint: {request.path}; see /api/v1/openapi.json"}), 404

    @bp.errorhandler(405)
    def not_allowed(_exc):
        return jsonify({"error": "use GET (POST only for /api/v1/events)"}), 405

    @bp.errorhandler(Exception)
    def internal(exc):
        from werkzeug.exceptions import HTTPException
        from web import errors
        if isinstance(exc, HTTPException):   # 400 from a malformed request, 403 from abort(), …
            return jsonify({"error": exc.description or exc.name}), exc.code
        return errors.handle(exc)   # 503 when the database is down or slow, else 500 (logged)

    return bp
