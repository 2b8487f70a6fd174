"""Apply a batch of live CRM events (POST /api/v1/events; events_spec.py says what one is).

- **All or nothing**: the whole batch is one transaction. Events are applied in the order given
  (a deal may follow its customer in the same batch); the first invalid one raises EventError,
  naming its index, id, field and the problem, and nothing of the batch is written.
- **Idempotent by event id**: every applied id is stored in `ingested_events` (before the event's
  rows, so a concurrent retry of the same batch waits on that key and then finds it applied).
  Ids already there are skipped and reported: a retried batch changes nothing, not even the data
  version.
- The contract tables' triggers bump the data version (queries/change_tracking.py), so open
  dashboards redraw within REFRESH_SECONDS.
Everything a CSV row would be checked for is checked here too (events_spec.py reuses the CSV
importer's rules); references and the deal's or case's current state need the database, below.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from queries import schema as s
from queries.db import data_version
from queries.pipeline import LOST, WON, Pipeline

from .csv_parsing import quoted
from .events_spec import Event, parse_batch

#: How often a batch is re-run after a concurrent twin committed the same ids first.
RETRIES = 3


@dataclass
class BatchResult:
    applied: list[str] = field(default_factory=list)
    already_applied: list[str] = field(default_factory=list)
    counts: dict = field(default_factory=dict)        # applied events by type
    data_version: int = 0

    def to_json(self) -> dict:
        return {"applied": self.applied, "already_applied": self.already_applied,
                "counts": self.counts, "data_version": self.data_version}


class _ConcurrentTwin(Exception):
    """Another transaction stored one of this batch's ids first."""


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def apply_batch(engine, payload, *, tz_name: str, pipeline: Pipeline, username: str,
                now: datetime | None = None,
                on_applied: Callable[[object, BatchResult], None] | None = None) -> BatchResult:
    """Check and apply a decoded JSON batch; raises BatchError or EventError (nothing written).

    `on_applied(conn, result)` runs inside the transaction when anything was applied (the
    audit-log row commits or rolls back with the events).
    """
    now = now or utc_now()
    events = parse_batch(payload, tz_name=tz_name, pipeline=pipeline, now=now)
    for attempt in range(RETRIES):
        try:
            return _apply(engine, events, pipeline, username, now, on_applied)
        except _ConcurrentTwin:
            if attempt == RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def _apply(engine, events: list[Event], pipeline, username, now, on_applied) -> BatchResult:
    result = BatchResult()
    with engine.begin() as conn:
        done = _applied_ids(conn, [e.id for e in events])
        for ev in events:
            if ev.id in done:
                result.already_applied.append(ev.id)
                continue
            # No savepoints: the batch fails as a whole anyway (and SQLite's driver would commit
            # at the release of an outermost savepoint).
            try:
                conn.execute(insert(s.ingested_events).values(
                    event_id=ev.id, event_type=ev.type.name, occurred_at=ev.occurred_at, ingested_at=now,
                    username=username[:200]))
            except IntegrityError:
                raise _ConcurrentTwin() from None
            try:
                APPLY[ev.type.name](conn, ev, pipeline)
            except IntegrityError as exc:
                # a concurrent writer created the same row between our check and our insert
                raise ev.fail(None, "conflicts with a row written at the same time: "
                              + str(exc.orig).splitlines()[0][:200], status=409) from None
            result.applied.append(ev.id)
        result.counts = dict(Counter(e.type.name for e in events if e.id in set(result.applied)))
        if result.applied and on_applied is not None:
            on_applied(conn, result)
    # read after the commit: DuckDB's counter is bumped at commit time (queries/duckdb_support.py)
    with engine.connect() as conn:
        result.data_version = data_version(conn)
    return result


def _applied_ids(conn, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(ids), 500):
        found.update(conn.execute(select(s.ingested_events.c.event_id)
                                  .where(s.ingested_events.c.event_id.in_(ids[i:i + 500]))).scalars())
    return found


# --- lookups ----------------------------------------------------------------------------------------

def _row(conn, table, **key):
    stmt = select(table).where(*[table.c[k] == v for k, v in key.items()])
    return conn.execute(stmt).mappings().first()


def _must_exist(conn, ev: Event, name: str, table, column: str | None = None):
    """The referenced row, or EventError naming the field: unknown references are never stored."""
    value = ev.data.get(name)
    if value is None:
        return None
    row = _row(conn, table, **{column or name: value})
    if row is None:
        raise ev.fail("data." + name, f"{quoted(value)} is not in {table.name}")
    return row


def _must_be_new(conn, ev: Event, name: str, table, update_hint: str = "") -> None:
    if _row(conn, table, **{name: ev.data[name]}) is not None:
        raise ev.fail("data." + name, f"{quoted(ev.data[name])} already exists in {table.name}{update_hint}")


def _not_before(ev: Event, then: datetime | None, what: str) -> None:
    if then is not None and ev.occurred_at < then:
        raise ev.fail("occurred_at", f"{ev.occurred_at:%Y-%m-%d %H:%M:%S} UTC is before {what} "
                      f"({then:%Y-%m-%d %H:%M:%S} UTC)")


def _values(ev: Event, *names: str) -> dict:
    return {ev.type.columns.get(n, n): ev.data[n] for n in names if n in ev.data}


# --- customers ----------------------------------------------------------------------------------------

def _customer_created(conn, ev: Event, _pipeline) -> None:
    _must_be_new(conn, ev, "customer_id", s.customers, " (send customer.updated to change it)")
    conn.execute(insert(s.customers).values(**_values(ev, *ev.type.fields, "created_at")))


def _customer_updated(conn, ev: Event, _pipeline) -> None:
    _must_exist(conn, ev, "customer_id", s.customers)
    changes = _values(ev, *ev.type.optional)
    conn.execute(update(s.customers).where(s.customers.c.customer_id == ev.data["customer_id"]).values(**changes))


# --- deals ----------------------------------------------------------------------------------------------

def _deal_refs(conn, ev: Event) -> None:
    _must_exist(conn, ev, "customer_id", s.customers)
    _must_exist(conn, ev, "owner_id", s.owners)
    _must_exist(conn, ev, "campaign_id", s.campaigns)


def _history(conn, deal_id: str, stage: str, at: datetime) -> None:
    conn.execute(insert(s.deal_stage_history).values(deal_id=deal_id, stage=stage, entered_at=at))


def _deal_created(conn, ev: Event, pipeline: Pipeline) -> None:
    _must_be_new(conn, ev, "deal_id", s.deals, " (send deal.updated, deal.stage_changed, deal.won or deal.lost)")
    _deal_refs(conn, ev)
    d = ev.data
    conn.execute(insert(s.deals).values(**_values(ev, *ev.type.fields, "created_at")))
    if d["status"] == "open":
        _history(conn, d["deal_id"], d["stage"], d["created_at"])
    else:   # created closed (a backfill): it entered the pipeline, then closed
        first = pipeline.stages[0]
        _history(conn, d["deal_id"], first, d["created_at"])
        _history(conn, d["deal_id"], d["stage"], d["closed_at"])


def _open_deal(conn, ev: Event):
    deal = _must_exist(conn, ev, "deal_id", s.deals)
    if deal["status"] != "open":
        raise ev.fail("data.deal_id", f"{quoted(deal['deal_id'])} is already {deal['status']}; "
                      "only open deals change stage or close")
    _not_before(ev, deal["created_at"], "the deal's created_at")
    return deal


def _deal_updated(conn, ev: Event, _pipeline) -> None:
    _must_exist(conn, ev, "deal_id", s.deals)
    _must_exist(conn, ev, "owner_id", s.owners)
    _must_exist(conn, ev, "campaign_id", s.campaigns)
    conn.execute(update(s.deals).where(s.deals.c.deal_id == ev.data["deal_id"])
                 .values(**_values(ev, *ev.type.optional)))


def _deal_stage_changed(conn, ev: Event, pipeline: Pipeline) -> None:
    deal = _open_deal(conn, ev)
    d, h = ev.data, s.deal_stage_history
    if _row(conn, h, deal_id=d["deal_id"], stage=d["stage"], entered_at=d["entered_at"]) is not None:
        raise ev.fail("data.stage", f"the deal already entered {quoted(d['stage'])} at this time")
    latest = conn.execute(select(func.max(h.c.entered_at)).where(
        h.c.deal_id == d["deal_id"], h.c.stage.in_(pipeline.open_stages))).scalar()
    if isinstance(latest, str):   # SQLite: max() comes back untyped
        latest = datetime.fromisoformat(latest)
    _history(conn, d["deal_id"], d["stage"], d["entered_at"])
    # an event arriving late does not undo a newer stage: the current stage is the latest entry's
    if latest is None or d["entered_at"] >= latest:
        conn.execute(update(s.deals).where(s.deals.c.deal_id == deal["deal_id"]).values(stage=d["stage"]))


def _close_deal(conn, ev: Event, status: str, stage: str, extra: dict) -> None:
    deal = _open_deal(conn, ev)
    conn.execute(update(s.deals).where(s.deals.c.deal_id == deal["deal_id"])
                 .values(status=status, stage=stage, closed_at=ev.data["closed_at"], **extra))
    _history(conn, deal["deal_id"], stage, ev.data["closed_at"])


def _deal_won(conn, ev: Event, _pipeline) -> None:
    _close_deal(conn, ev, "won", WON, _values(ev, "amount"))


def _deal_lost(conn, ev: Event, _pipeline) -> None:
    _close_deal(conn, ev, "lost", LOST, _values(ev, "lost_reason"))


# --- journeys, orders, lifecycle, campaigns ------------------------------------------------------------

def _touchpoint(conn, ev: Event, _pipeline) -> None:
    _must_be_new(conn, ev, "touchpoint_id", s.touchpoints)
    _must_exist(conn, ev, "customer_id", s.customers)
    _must_exist(conn, ev, "campaign_id", s.campaigns)
    conn.execute(insert(s.touchpoints).values(**_values(ev, *ev.type.fields, "occurred_at")))


def _order(conn, ev: Event, _pipeline) -> None:
    _must_be_new(conn, ev, "order_id", s.orders)
    _must_exist(conn, ev, "customer_id", s.customers)
    conn.execute(insert(s.orders).values(**_values(ev, *ev.type.fields, "ordered_at")))


def _lifecycle(conn, ev: Event, _pipeline) -> None:
    _must_exist(conn, ev, "customer_id", s.customers)
    d = ev.data
    if _row(conn, s.lifecycle_history, customer_id=d["customer_id"], stage=d["stage"],
            entered_at=d["entered_at"]) is not None:
        raise ev.fail("data.stage", f"the customer already entered {quoted(d['stage'])} at this time")
    conn.execute(insert(s.lifecycle_history).values(**_values(ev, "customer_id", "stage", "entered_at")))


def _campaign_spend(conn, ev: Event, _pipeline) -> None:
    _must_exist(conn, ev, "campaign_id", s.campaigns)
    c = s.campaigns.c
    conn.execute(update(s.campaigns).where(c.campaign_id == ev.data["campaign_id"])
                 .values(cost=c.cost + ev.data["amount"]))


# --- service cases (METRICS.md §8) ------------------------------------------------------------------

def _case_opened(conn, ev: Event, _pipeline) -> None:
    _must_be_new(conn, ev, "case_id", s.cases)
    _must_exist(conn, ev, "customer_id", s.customers)
    _must_exist(conn, ev, "owner_id", s.owners)
    conn.execute(insert(s.cases).values(**_values(ev, *ev.type.fields, "opened_at")))


def _case(conn, ev: Event):
    case = _must_exist(conn, ev, "case_id", s.cases)
    _not_before(ev, case["opened_at"], "the case's opened_at")
    _must_exist(conn, ev, "owner_id", s.owners)
    return case


def _set_case(conn, case, **values) -> None:
    conn.execute(update(s.cases).where(s.cases.c.case_id == case["case_id"]).values(**values))


def _case_first_response(conn, ev: Event, _pipeline) -> None:
    case = _case(conn, ev)
    if case["first_response_at"] is not None:
        raise ev.fail("data.case_id", f"{quoted(case['case_id'])} already has its first response "
                      f"({case['first_response_at']:%Y-%m-%d %H:%M:%S} UTC)")
    _set_case(conn, case, **_values(ev, "owner_id", "first_response_at"))


def _case_resolved(conn, ev: Event, _pipeline) -> None:
    case = _case(conn, ev)
    if case["resolved_at"] is not None:
        raise ev.fail("data.case_id", f"{quoted(case['case_id'])} is already resolved "
                      f"({case['resolved_at']:%Y-%m-%d %H:%M:%S} UTC)")
    _set_case(conn, case, **_values(ev, "owner_id", "resolved_at"))


def _case_rated(conn, ev: Event, _pipeline) -> None:
    case = _must_exist(conn, ev, "case_id", s.cases)
    if case["resolved_at"] is None:
        raise ev.fail("data.case_id", f"{quoted(case['case_id'])} is not resolved; a rating is given "
                      "after resolution (send case.resolved first)")
    _not_before(ev, case["resolved_at"], "the case's resolved_at")
    _set_case(conn, case, satisfaction=ev.data["satisfaction"])


APPLY = {
    "customer.created": _customer_created, "customer.updated": _customer_updated,
    "deal.created": _deal_created, "deal.updated": _deal_updated, "deal.stage_changed": _deal_stage_changed,
    "deal.won": _deal_won, "deal.lost": _deal_lost, "touchpoint.recorded": _touchpoint,
    "order.placed": _order, "lifecycle.changed": _lifecycle, "campaign.spend": _campaign_spend,
    "case.opened": _case_opened, "case.first_response": _case_first_response,
    "case.resolved": _case_resolved, "case.rated": _case_rated,
}
