"""What a batch of live CRM events is (POST /api/v1/events) and its checks that need no database.

A batch is `{"events": [{"id": "evt-1", "type": "deal.won", "occurred_at": "2026-11-20T10:00:00Z",
"data": {"deal_id": "D-1"}}, ...]}`. Each event type writes rows of one contract table
(DATA_CONTRACT.md) and its `data` fields are that table's columns, checked by the CSV importer's
own value rules (ingest/csv_parsing.py: number and timestamp formats, >= 0, 1..5, text lengths,
deal status against closed_at), so an event and a CSV row can never disagree on what is valid.
The event's time is `occurred_at` (ISO 8601; without an offset it is in REPORT_TZ, as in a CSV
file): it fills the table's time column (a deal's created_at, an order's ordered_at, …).
Checks that need the database (references, a deal's or case's current state) are in events.py.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import Column, DateTime, Double, Integer, Table

from queries import schema as s
from queries.lifecycle import STAGES as LIFECYCLE_STAGES
from queries.pipeline import LOST, WON, Pipeline

from .csv_parsing import BadValue, ColumnPlan, plan_columns, quoted, row_rule, timestamp_parser

#: Events per batch; a bigger backlog goes in several batches (or `python app.py import`).
MAX_EVENTS = 1000
#: The largest request body the endpoint reads (bytes).
MAX_BYTES = 2 << 20
#: An event may lie at most this far ahead of the server's clock (a wrong time zone, not a plan).
FUTURE_TOLERANCE = timedelta(hours=24)
MAX_ID_LENGTH = 200
EVENT_KEYS = ("id", "type", "occurred_at", "data")


@dataclass(frozen=True)
class EventType:
    """One kind of event: the table whose column rules check `data`, and its fields."""
    name: str
    table: Table
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    time_column: str | None = None          # the column `occurred_at` fills
    columns: dict = field(default_factory=dict)   # data field -> table column, where they differ
    summary: str = ""

    @property
    def fields(self) -> tuple[str, ...]:
        return self.required + self.optional

    def column(self, name: str) -> Column:
        return self.table.c[self.columns.get(name, name)]


_CUSTOMER_FIELDS = ("region", "country", "city", "industry", "company_size")
_T = [
    EventType("customer.created", s.customers, ("customer_id", "name"), _CUSTOMER_FIELDS, "created_at",
              summary="a new customer (account or contact); created_at = occurred_at"),
    EventType("customer.updated", s.customers, ("customer_id",), ("name",) + _CUSTOMER_FIELDS,
              summary="changes the given fields of a customer (null clears an optional one)"),
    EventType("deal.created", s.deals, ("deal_id", "customer_id", "owner_id", "amount"),
              ("campaign_id", "source_channel", "expected_close_at", "stage", "status", "closed_at",
               "lost_reason"), "created_at",
              summary="a new deal, open in `stage` (default: the first pipeline stage) unless `status` "
                      "says won or lost (then with closed_at); created_at = occurred_at"),
    EventType("deal.updated", s.deals, ("deal_id",),
              ("owner_id", "campaign_id", "source_channel", "amount", "expected_close_at"),
              summary="changes owner, campaign, source channel, amount or expected close of a deal"),
    EventType("deal.stage_changed", s.deal_stage_history, ("deal_id", "stage"), (), "entered_at",
              summary="an open deal entered an open pipeline stage (forwards or backwards)"),
    EventType("deal.won", s.deals, ("deal_id",), ("amount",), "closed_at",
              summary="an open deal closed won (amount: the final value, if it changed)"),
    EventType("deal.lost", s.deals, ("deal_id",), ("lost_reason",), "closed_at",
              summary="an open deal closed lost"),
    EventType("touchpoint.recorded", s.touchpoints, ("touchpoint_id", "customer_id", "channel"),
              ("campaign_id", "kind"), "occurred_at", summary="a step of a customer's journey"),
    EventType("order.placed", s.orders, ("order_id", "customer_id", "revenue"), ("product_category",),
              "ordered_at", summary="a purchase (net revenue)"),
    EventType("lifecycle.changed", s.lifecycle_history, ("customer_id", "stage"), (), "entered_at",
              summary="a customer entered a lifecycle stage"),
    EventType("campaign.spend", s.campaigns, ("campaign_id", "amount"), (), None, {"amount": "cost"},
              summary="money spent on a campaign; added to its cost (total spend so far)"),
    EventType("case.opened", s.cases, ("case_id", "customer_id", "channel"), ("owner_id", "category", "priority"),
              "opened_at", summary="a new service case; owner_id is the agent handling it"),
    EventType("case.first_response", s.cases, ("case_id",), ("owner_id",), "first_response_at",
              summary="the first answer to an open case (owner_id: the agent, if it changed)"),
    EventType("case.resolved", s.cases, ("case_id",), ("owner_id",), "resolved_at",
              summary="a case was resolved"),
    EventType("case.rated", s.cases, ("case_id", "satisfaction"),
              summary="the customer's rating (1-5) of a resolved case"),
]
EVENT_TYPES: dict[str, EventType] = {t.name: t for t in _T}


class BatchError(ValueError):
    """The request as a whole is not a batch (HTTP 400, or 413 when too large)."""

    def __init__(self, problem: str, status: int = 400):
        self.problem, self.status = problem, status
        super().__init__(problem)


class EventError(ValueError):
    """One event is invalid or cannot be applied; names its index, id, type and field."""

    def __init__(self, index: int, event_id, event_type, field_name: str | None, problem: str,
                 status: int = 422):
        self.index, self.event_id, self.event_type = index, event_id, event_type
        self.field, self.problem, self.status = field_name, problem, status
        super().__init__(str(self))

    def __str__(self) -> str:
        who = [f"id {self.event_id!r}"] if isinstance(self.event_id, str) else []
        if isinstance(self.event_type, str) and self.event_type in EVENT_TYPES:
            who.append(self.event_type)
        where = f"events[{self.index}]" + (f" ({', '.join(who)})" if who else "")
        return f"{where}: {self.field + ': ' if self.field else ''}{self.problem}"

    def to_json(self) -> dict:
        return {"error": str(self), "index": self.index,
                "id": self.event_id if isinstance(self.event_id, str) else None,
                "type": self.event_type if isinstance(self.event_type, str) else None,
                "field": self.field, "problem": self.problem}


@dataclass(frozen=True)
class Event:
    """A checked event: `data` holds parsed values (naive UTC datetimes, floats, stripped text)
    for the fields it gave (None where it gave null) plus the time column."""
    index: int
    id: str
    type: EventType
    occurred_at: datetime
    data: dict

    def fail(self, field_name: str | None, problem: str, status: int = 422) -> EventError:
        return EventError(self.index, self.id, self.type.name, field_name, problem, status)


def _kind(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object"


def _identity_store(_col):
    return lambda value: value


@lru_cache(maxsize=16)
def _plans(tz_name: str) -> dict[str, ColumnPlan]:
    """The CSV importer's column plan of every contract table (as if a file had all columns)."""
    tz = ZoneInfo(tz_name)
    return {t.name: plan_columns(t, [c.name for c in t.columns], t.name + ".csv", False, tz, _identity_store)
            for t in s.CONTRACT_TABLES}


def _parse_value(col: Column, raw, parser):
    """A JSON value -> the value the CSV importer would store for the same text; BadValue if not."""
    if raw is None:
        return None
    if isinstance(col.type, (Double, Integer)):
        if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
            raise BadValue(f"must be a number, not {_kind(raw)}")
        if isinstance(raw, float) and not math.isfinite(raw):
            raise BadValue("must be a finite number")
        text = raw.strip() if isinstance(raw, str) else repr(raw)
        if "," in text:   # the CSV importer's hint speaks of files; JSON has one number format
            raise BadValue(f"{quoted(text)} is not a valid number (use '.' as the decimal point and no "
                           "thousands separator, or send a JSON number)")
    else:
        if not isinstance(raw, str):
            what = "an ISO 8601 timestamp string" if isinstance(col.type, DateTime) else "a string"
            raise BadValue(f"must be {what}, not {_kind(raw)}"
                           + (" (identifiers are strings: write \"42\")" if col.name.endswith("_id")
                              and isinstance(raw, int) and not isinstance(raw, bool) else ""))
        text = raw.strip()
    if not text:
        return None
    return parser(text) if parser is not None else text


def parse_batch(payload, *, tz_name: str, pipeline: Pipeline, now: datetime) -> list[Event]:
    """Check a decoded JSON body; `now` is naive UTC. Raises BatchError or EventError."""
    if not isinstance(payload, dict):
        raise BatchError(f'the body must be a JSON object {{"events": [...]}}, not {_kind(payload)}')
    unknown = sorted(set(payload) - {"events"})
    if unknown:
        raise BatchError(f"unknown key(s) {', '.join(map(repr, unknown))}; the body is {{\"events\": [...]}}")
    events = payload.get("events")
    if not isinstance(events, list):
        raise BatchError(f'"events" must be a list of events, not {_kind(events)}')
    if len(events) > MAX_EVENTS:
        raise BatchError(f"{len(events)} events in one batch; send at most {MAX_EVENTS} per request", 413)
    tz = ZoneInfo(tz_name)
    plans = _plans(tz_name)
    parse_time = timestamp_parser(tz, lambda dt: dt)
    seen: dict[str, int] = {}
    out = []
    for i, raw in enumerate(events):
        ev = _parse_event(i, raw, plans, parse_time, pipeline, now)
        if ev.id in seen:
            raise ev.fail("id", f"the same id as events[{seen[ev.id]}]; every event needs its own id")
        seen[ev.id] = i
        out.append(ev)
    return out


def _parse_event(i: int, raw, plans, parse_time, pipeline: Pipeline, now: datetime) -> Event:
    if not isinstance(raw, dict):
        raise EventError(i, None, None, None, f"an event must be a JSON object, not {_kind(raw)}")
    eid, etype = raw.get("id"), raw.get("type")

    def fail(field_name, problem):
        return EventError(i, eid, etype, field_name, problem)
    unknown = [k for k in raw if k not in EVENT_KEYS]
    if unknown:
        raise fail(", ".join(unknown), f"unknown key(s); an event has {', '.join(EVENT_KEYS)}")
    if not isinstance(eid, str) or not eid.strip():
        raise fail("id", "a non-empty string is required (the event's unique id, for safe retries)"
                   if eid is None or isinstance(eid, str) else f"must be a string, not {_kind(eid)}")
    if eid != eid.strip() or len(eid) > MAX_ID_LENGTH:
        raise fail("id", f"must be at most {MAX_ID_LENGTH} characters without surrounding spaces")
    spec = EVENT_TYPES.get(etype) if isinstance(etype, str) else None
    if spec is None:
        shown = quoted(etype) if isinstance(etype, str) else _kind(etype)
        raise fail("type", f"{shown} is not an event type; the types are {', '.join(EVENT_TYPES)}")
    occurred = raw.get("occurred_at")
    if not isinstance(occurred, str) or not occurred.strip():
        raise fail("occurred_at", "an ISO 8601 timestamp is required (e.g. 2026-11-20T10:00:00Z)"
                   if occurred is None or isinstance(occurred, str) else
                   f"must be an ISO 8601 timestamp string, not {_kind(occurred)}")
    try:
        at = parse_time(occurred.strip())
    except BadValue as exc:
        raise fail("occurred_at", str(exc)) from None
    if at > now + FUTURE_TOLERANCE:
        raise fail("occurred_at", f"{quoted(occurred)} is more than a day in the future "
                   "(a timestamp without an offset is in REPORT_TZ)")
    data = raw.get("data")
    if not isinstance(data, dict):
        raise fail("data", f"must be an object with the fields of {spec.name}, not {_kind(data)}")
    ev = Event(i, eid, spec, at, _parse_data(spec, data, plans[spec.table.name], fail))
    if spec.time_column:
        ev.data[spec.time_column] = at
    _check_rules(ev, pipeline)
    return ev


def _parse_data(spec: EventType, data: dict, plan: ColumnPlan, fail) -> dict:
    unknown = [k for k in data if k not in spec.fields]
    if unknown:
        raise fail("data." + ", data.".join(map(str, unknown)),
                   f"unknown field(s); the fields of {spec.name} are {', '.join(spec.fields)}")
    parsers = dict(zip(plan.names, plan.parsers))
    out = {}
    for name in spec.fields:
        if name not in data:
            if name in spec.required:
                raise fail("data." + name, "a value is required")
            continue
        col = spec.column(name)
        try:
            value = _parse_value(col, data[name], parsers[col.name])
        except BadValue as exc:
            raise fail("data." + name, str(exc)) from None
        if value is None and (name in spec.required or not col.nullable):
            raise fail("data." + name, "a value is required")
        out[name] = value
    if spec.name.endswith(".updated") and not set(out) - set(spec.required):
        raise fail("data", f"{spec.name} changes nothing: give at least one of {', '.join(spec.optional)}")
    return out


def _check_rules(ev: Event, pipeline: Pipeline) -> None:
    """The contract's row rules (the CSV importer's, where it has one) and the stage names."""
    d, name = ev.data, ev.type.name
    if name == "deal.created":
        row = [d.get(c.name) for c in s.deals.columns]
        names = [c.name for c in s.deals.columns]
        row[names.index("status")] = d.get("status") or "open"
        plan = _plans_for_rules()
        problem = row_rule(s.deals, plan)(row)   # status is open/won/lost; closed_at exactly when closed
        if problem:
            raise ev.fail("data." + problem[0], problem[1])
        d["status"] = status = row[names.index("status")]
        stage = d.get("stage")
        allowed = {"open": pipeline.open_stages, "won": (WON,), "lost": (LOST,)}[status]
        if stage is None:
            d["stage"] = allowed[0]
        elif stage not in allowed:
            raise ev.fail("data.stage", f"{quoted(stage)} does not fit status '{status}': " + (
                f"an open deal is in one of {', '.join(allowed)}" if status == "open" else
                f"a {status} deal's stage is '{allowed[0]}'"))
        if d.get("closed_at") is not None and d["closed_at"] < ev.occurred_at:
            raise ev.fail("data.closed_at", "is before occurred_at (the deal's created_at)")
    elif name == "deal.stage_changed" and d["stage"] not in pipeline.open_stages:
        hint = " (send deal.won or deal.lost to close a deal)" if d["stage"] in (WON, LOST) else ""
        raise ev.fail("data.stage", f"{quoted(d['stage'])} is not an open pipeline stage "
                      f"({', '.join(pipeline.open_stages)}){hint}")
    elif name == "lifecycle.changed" and d["stage"] not in LIFECYCLE_STAGES:
        raise ev.fail("data.stage", f"{quoted(d['stage'])} is not a lifecycle stage "
                      f"({', '.join(LIFECYCLE_STAGES)})")


def _plans_for_rules() -> ColumnPlan:
    """The deals plan only carries column names for the row rule (time zone irrelevant)."""
    return _plans("UTC")["deals"]
