"""The OpenAPI 3 document of /api/v1, generated from the endpoint table."""
from __future__ import annotations

from queries.filters import FILTER_NAMES

FILTER_DESCRIPTIONS = {
    "region": "customer region", "owner_region": "deal owner's region", "team": "deal owner's team",
    "owner": "deal owner id", "source_channel": "deal lead source", "campaign": "deal's campaign id",
    "industry": "customer industry", "company_size": "customer company size", "country": "customer country (ISO 3166)",
}
_TYPES = {"string": {"type": "string"}, "integer": {"type": "integer"}, "number": {"type": "number"},
          "date": {"type": "string", "format": "date"}, "boolean": {"type": "boolean"},
          "month": {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$"}}


def _param(name, schema, description, required=False, empty_ok=True):
    out = {"name": name, "in": "query", "required": required, "description": description, "schema": schema}
    if empty_ok and not required:
        out["allowEmptyValue"] = True   # `?month=` is the same as leaving `month` out
    return out


def _schema(p):
    schema = dict(_TYPES[p.kind])
    if p.enum:
        schema["enum"] = list(p.enum)
    if p.also:
        schema = {"anyOf": [schema, {"type": "string", "enum": list(p.also)}]}
    if p.minimum is not None:
        schema["minimum"] = p.minimum
    if p.maximum is not None:
        schema["maximum"] = p.maximum
    if p.default is not None:
        schema["default"] = p.default
    return schema


def openapi_document(endpoints) -> dict:
    common = [
        _param("from", {"type": "string", "format": "date"}, "period start (ISO date, midnight in REPORT_TZ); "
               "give both 'from' and 'to' or neither; not before 1900-01-01; default: 1 January of this year",
               empty_ok=False),
        _param("to", {"type": "string", "format": "date"}, "period end, exclusive (ISO date), after 'from', at most "
               "20 years later, not after 2200-01-01; default: tomorrow", empty_ok=False),
    ] + [_param(n, {"type": "array", "items": {"type": "string"}}, FILTER_DESCRIPTIONS[n] +
                "; repeat or comma-separate for several values; (none) selects empty values")
         for n in FILTER_NAMES]
    for p in common[2:]:
        p["style"], p["explode"] = "form", True

    def error(description, **properties):
        return {"description": description, "content": {"application/json": {"schema": {
            "type": "object", "properties": {"error": {"type": "string"}, **properties}, "required": ["error"]}}}}
    errors = {
        "400": error("bad parameter (named in `parameter`)", parameter={"type": ["string", "null"]}),
        "401": error("sign in first: a session or `Authorization: Bearer <token>` (when sign-in is on)"),
        "403": error("the caller's role may not call this endpoint"),
        "500": error("internal error; the server log has the details under `reference`",
                     reference={"type": "string"}),
        "503": error("the database is not reachable (`unreachable`), has no free connection (`busy`) or did not "
                     "answer within DB_STATEMENT_TIMEOUT (`timeout`); retry after `Retry-After` seconds",
                     database={"enum": ["unreachable", "busy", "timeout"]}),
    }
    paths = {}
    for ep in endpoints:
        params = (common if ep.uses_period else []) + [_param(p.name, _schema(p), p.description, p.required)
                                                         for p in ep.params]
        ok_schema = {"type": "object", "properties": {
            "data_as_of": {"type": ["string", "null"], "format": "date-time"},
            "period": {"type": "object"}, "filters": {"type": "object"}}, "required": ["data_as_of", "period"]}
        if ep.is_list:
            ok_schema["properties"].update({"total": {"type": "integer"}, "rows": {"type": "array", "items": {"type": "object"}}})
        paths["/api/v1" + ep.path] = {"get": {
            "summary": ep.summary, "operationId": ep.path.strip("/").replace("/", "_").replace("-", "_"),
            "parameters": params,
            "responses": {"200": {"description": "the metric; keys are the METRICS.md names",
                                  "content": {"application/json": {"schema": ok_schema}}},
                          **errors}}}
    from .events import openapi_operation
    paths["/api/v1/events"] = openapi_operation(errors)
    return {"openapi": "3.1.0",
            "info": {"title": "Sales Cycle Dashboard API", "version": "1",
                     "description": "Metrics as defined in METRICS.md (GET), and live CRM events "
                                    "(POST /api/v1/events). Timestamps are UTC (ISO 8601 with Z)."},
            "paths": paths}
