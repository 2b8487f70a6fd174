"""POST /api/v1/events: a batch of live CRM events (the logic is ingest/events.py; this is the view).

Who may write: the roles of auth.roles.EVENT_WRITERS (admin, integration), with an API token
(`Authorization: Bearer …`) or, for an admin, the browser session of this site (cross-site
requests are refused by auth/csrf.py before they get here). Answers:
200 {"applied": [ids], "already_applied": [ids], "counts": {type: n}, "data_version": n};
400 not a batch; 401 no credentials; 403 role; 413 too large; 415 not application/json;
422 an invalid event {"error", "index", "id", "type", "field", "problem"}; 409 a concurrent write
of the same row; 503 database unreachable. Nothing is written unless the answer is 200.
"""
from __future__ import annotations

import json

from flask import jsonify, request

import context
from auth import audit
from auth.request import current_principal
from auth.roles import may_write_events
from ingest.events import apply_batch
from ingest.events_spec import MAX_BYTES, BatchError, EventError


def _error(status: int, message: str, **extra):
    return jsonify({"error": message, **extra}), status


def post_events():
    ctx = context.get()
    principal = current_principal()
    if principal is None:
        return _error(401, "sign in first (Authorization: Bearer <token>)")
    refusal = may_write_events(principal)
    if refusal:
        return _error(403, refusal)
    if request.mimetype != "application/json":
        return _error(415, "send the batch as JSON with Content-Type: application/json")
    if request.content_length is None or request.content_length > MAX_BYTES:
        return _error(413 if request.content_length else 411,
                      f"the body must have a Content-Length of at most {MAX_BYTES:,} bytes"
                      if request.content_length else "send a Content-Length")
    raw = request.get_data(cache=False)
    if len(raw) > MAX_BYTES:
        return _error(413, f"the body is larger than {MAX_BYTES:,} bytes")
    try:
        payload = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError) as exc:
        return _error(400, f"the body is not valid JSON: {str(exc)[:200]}")

    def record(conn, result):
        audit.record_in(conn, principal, "events_ingested", {
            "applied": len(result.applied), "already_applied": len(result.already_applied),
            "counts": result.counts, "first_id": result.applied[0], "via": principal.via})
    try:
        result = apply_batch(ctx.engine, payload, tz_name=ctx.settings.report_tz, pipeline=ctx.pipeline,
                             username=principal.username, on_applied=record)
    except BatchError as exc:
        return _error(exc.status, exc.problem)
    except EventError as exc:
        return jsonify(exc.to_json()), exc.status
    return jsonify(result.to_json())


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def events_get_refused():
    resp, status = _error(405, "POST a batch of events as JSON; see /api/v1/openapi.json")
    resp.headers["Allow"] = "POST"
    return resp, status


def register(bp) -> None:
    bp.add_url_rule("/events", view_func=post_events, methods=["POST"])
    bp.add_url_rule("/events", view_func=events_get_refused, methods=["GET"], endpoint="events_get")


# --- the OpenAPI description (api/openapi.py adds it to the document) ---------------------------

def _field_schema(spec, name: str) -> dict:
    from sqlalchemy import DateTime, Double, Integer, String

    from ingest.csv_parsing import INT_RANGES, NON_NEGATIVE
    col = spec.column(name)
    key = (col.table.name, col.name)
    if isinstance(col.type, Integer):
        lo, hi = INT_RANGES.get(key, (None, None))
        out = {"type": "integer", **({"minimum": lo, "maximum": hi} if lo is not None else {})}
    elif isinstance(col.type, Double):
        out = {"type": "number", **({"minimum": 0} if key in NON_NEGATIVE else {})}
    elif isinstance(col.type, DateTime):
        out = {"type": "string", "format": "date-time"}
    else:
        out = {"type": "string", "minLength": 1}
        if isinstance(col.type, String) and col.type.length:
            out["maxLength"] = col.type.length
    if name not in spec.required and col.nullable:
        out = {"anyOf": [out, {"type": "null"}]}
    return out


def openapi_operation(errors: dict) -> dict:
    """The POST /api/v1/events operation: one request schema per event type."""
    from ingest.events_spec import EVENT_TYPES, MAX_EVENTS, MAX_ID_LENGTH
    variants = []
    for spec in EVENT_TYPES.values():
        data = {"type": "object", "additionalProperties": False, "required": list(spec.required),
                "properties": {n: _field_schema(spec, n) for n in spec.fields}}
        if spec.name.endswith(".updated"):
            data["minProperties"] = len(spec.required) + 1
        variants.append({"title": spec.name, "description": spec.summary, "type": "object",
                         "additionalProperties": False, "required": ["id", "type", "occurred_at", "data"],
                         "properties": {"id": {"type": "string", "minLength": 1, "maxLength": MAX_ID_LENGTH},
                                        "type": {"const": spec.name},
                                        "occurred_at": {"type": "string", "format": "date-time"},
                                        "data": data}})
    body = {"type": "object", "additionalProperties": False, "required": ["events"],
            "properties": {"events": {"type": "array", "maxItems": MAX_EVENTS, "items": {"oneOf": variants}}}}
    ok = {"type": "object", "required": ["applied", "already_applied", "counts", "data_version"], "properties": {
        "applied": {"type": "array", "items": {"type": "string"}},
        "already_applied": {"type": "array", "items": {"type": "string"}},
        "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
        "data_version": {"type": "integer"}}}
    invalid = {"type": "object", "required": ["error", "index"], "properties": {
        "error": {"type": "string"}, "index": {"type": "integer"}, "id": {"type": ["string", "null"]},
        "type": {"type": ["string", "null"]}, "field": {"type": ["string", "null"]},
        "problem": {"type": "string"}}}

    def plain(description):
        return {"description": description, "content": {"application/json": {"schema": {
            "type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}}}}
    return {"post": {
        "summary": "apply a batch of CRM events (all or nothing, idempotent by event id)",
        "operationId": "post_events",
        "description": "Events are applied in order in one transaction; an event id already applied is skipped "
                       "and listed in `already_applied`. Roles admin and integration; an API token "
                       "(`Authorization: Bearer`) or this site's own session. README \"Live events\".",
        "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
        "responses": {
            "200": {"description": "applied (or already applied before)",
                    "content": {"application/json": {"schema": ok}}},
            "400": plain("the body is not JSON or not a batch"),
            "401": errors["401"], "403": plain("the role may not write events, or a cross-site request"),
            "409": {"description": "a row was written concurrently by another request; retry the batch",
                    "content": {"application/json": {"schema": invalid}}},
            "411": plain("no Content-Length"), "413": plain("more than 1000 events or 2 MB"),
            "415": plain("not application/json"),
            "422": {"description": "an invalid event, named by index, id, field and problem; nothing was written",
                    "content": {"application/json": {"schema": invalid}}},
            "500": errors["500"], "503": errors["503"]}}}
