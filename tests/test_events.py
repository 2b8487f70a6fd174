"""Live events (ingest/events.py) on every database kind: each event type lands in its table and in
the METRICS.md numbers (expectations derived by hand below), a retried batch changes nothing, a
batch with one bad event writes nothing, and every bad event is named by index, id and field."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from ingest.events import apply_batch
from ingest.events_spec import BatchError, EventError
from queries import schema as s
from queries.campaigns import campaign_table
from queries.cycle import kpis
from queries.db import data_as_of, data_version
from queries.filters import Filters
from queries.funnel import funnel
from queries.lifecycle import lead_conversion
from queries.period import Period
from queries.pipeline import DEFAULT
from queries.service import service_kpis
from tests.conftest import load_rows

MARCH = Period(date(2025, 3, 1), date(2025, 4, 1), "UTC")
NOW = datetime(2025, 6, 1)


def ev(eid, etype, at, **data):
    return {"id": eid, "type": etype, "occurred_at": at, "data": data}


def base_rows(engine):
    load_rows(engine, {
        "owners": [{"owner_id": "O1", "name": "Anna", "team": "North", "region": "DACH"},
                   {"owner_id": "AG", "name": "Agent", "team": "Customer Service"}],
        # a 10-day campaign: its cost lies wholly inside March (METRICS.md §4 spreads it by day)
        "campaigns": [{"campaign_id": "K1", "name": "Spring mail", "channel": "email",
                       "started_at": datetime(2025, 3, 1), "ended_at": datetime(2025, 3, 10), "cost": 100.0}],
    })


#  what the batch does (all March 2025, UTC)                      → what METRICS.md then says
#  C1 (DACH), C2 (Nordics, moved to Benelux later) created         customers
#  C1, C2 enter `lead`; C1 enters `customer` on 03-06               lead conversion 1 of 2
#  T1: C1's first touchpoint, email, campaign K1                   C1's lead source email / K1
#  D1 (C1, 1000, K1) Lead → Qualified → Proposal → won at 1200     funnel: Lead 3, Qualified 2,
#  D2 (C2, 500) Lead → Qualified → lost (price)                      Proposal 1, Negotiation 1
#  D3 (C2, 300 → updated to 400) stays in Lead                       (skipped, won), Won 1
#                                                                  won 1, lost 1, revenue 1200,
#                                                                  open pipeline at 04-01: 400
#  K1 spend +50                                                    cost 150 in March
#  S1 (C1, high): opened 09 10:00, response +2 h, resolved +24 h,  opened 2, resolved 1, backlog 1,
#     rated 2; S2 (C2, phone) opened 10 08:00, still open            response 2 h, resolution 24 h,
#  order OR1 (C1, 1200)                                             csat 0/1, 1 ordering customer
BATCH = {"events": [
    ev("e01", "customer.created", "2025-03-01T09:00:00Z", customer_id="C1", name="Acme GmbH", region="DACH",
       country="DE"),
    ev("e02", "customer.created", "2025-03-01T09:30:00Z", customer_id="C2", name="Nord AB", region="Nordics"),
    ev("e03", "lifecycle.changed", "2025-03-01T10:00:00Z", customer_id="C1", stage="lead"),
    ev("e04", "lifecycle.changed", "2025-03-01T10:00:00Z", customer_id="C2", stage="lead"),
    ev("e05", "touchpoint.recorded", "2025-03-01T10:00:00Z", touchpoint_id="T1", customer_id="C1",
       channel="email", campaign_id="K1", kind="click"),
    ev("e06", "deal.created", "2025-03-02T10:00:00Z", deal_id="D1", customer_id="C1", owner_id="O1",
       amount=1000, campaign_id="K1", source_channel="email"),
    ev("e07", "deal.created", "2025-03-02T11:00:00Z", deal_id="D2", customer_id="C2", owner_id="O1", amount=500),
    ev("e08", "deal.created", "2025-03-03T09:00:00Z", deal_id="D3", customer_id="C2", owner_id="O1",
       amount="300.00"),
    ev("e09", "deal.stage_changed", "2025-03-03T10:00:00Z", deal_id="D1", stage="Qualified"),
    ev("e10", "deal.stage_changed", "2025-03-04T10:00:00Z", deal_id="D1", stage="Proposal"),
    ev("e11", "deal.stage_changed", "2025-03-04T11:00:00Z", deal_id="D2", stage="Qualified"),
    ev("e12", "deal.won", "2025-03-06T10:00:00Z", deal_id="D1", amount=1200),
    ev("e13", "deal.lost", "2025-03-07T10:00:00Z", deal_id="D2", lost_reason="price"),
    ev("e14", "deal.updated", "2025-03-08T10:00:00Z", deal_id="D3", amount=400),
    ev("e15", "lifecycle.changed", "2025-03-06T10:00:00Z", customer_id="C1", stage="customer"),
    ev("e16", "campaign.spend", "2025-03-05T00:00:00Z", campaign_id="K1", amount=50),
    ev("e17", "order.placed", "2025-03-08T12:00:00Z", order_id="OR1", customer_id="C1", revenue=1200),
    # 11:00+01:00 is 10:00 UTC
    ev("e18", "case.opened", "2025-03-09T11:00:00+01:00", case_id="S1", customer_id="C1", channel="email",
       priority="high", category="complaint"),
    ev("e19", "case.first_response", "2025-03-09T12:00:00Z", case_id="S1", owner_id="AG"),
    ev("e20", "case.resolved", "2025-03-10T10:00:00Z", case_id="S1"),
    ev("e21", "case.rated", "2025-03-10T18:00:00Z", case_id="S1", satisfaction=2),
    ev("e22", "case.opened", "2025-03-10T08:00:00Z", case_id="S2", customer_id="C2", channel="phone"),
    ev("e23", "customer.updated", "2025-03-11T08:00:00Z", customer_id="C2", region="Benelux"),
]}


def apply(engine, batch, now=NOW):
    return apply_batch(engine, batch, tz_name="UTC", pipeline=DEFAULT, username="test", now=now)


def numbers(engine) -> dict:
    """The METRICS.md numbers the batch moves (a snapshot to compare before/after)."""
    with engine.connect() as conn:
        f = funnel(conn, MARCH, Filters())
        k = kpis(conn, MARCH, Filters())
        camp = {r["campaign_id"]: r for r in campaign_table(conn, MARCH, Filters())}
        svc = service_kpis(conn, MARCH, Filters())
        return {
            "reached": [st["reached"] for st in f["stages"]],
            "won_deals": k["won_deals"], "lost_deals": k["lost_deals"], "won_revenue": k["won_revenue"],
            "open_pipeline": k["open_pipeline"], "new_leads": k["new_leads"],
            "benelux_lost": kpis(conn, MARCH, Filters(region=("Benelux",)))["lost_deals"],
            "cost": camp["K1"]["cost"], "leads_K1": camp["K1"]["leads"], "deals_K1": camp["K1"]["deals"],
            "lead_conversion": lead_conversion(conn, MARCH, Filters()),
            "service": {x: svc[x] for x in ("cases_opened", "cases_resolved", "backlog", "csat",
                                             "avg_satisfaction", "customers_ordering_12m")},
            "first_response_median": svc["first_response_hours"]["median"],
            "resolution_median": svc["resolution_hours"]["median"],
            "data_as_of": data_as_of(conn),
        }


def counts(engine) -> dict:
    with engine.connect() as conn:
        out = {t.name: conn.execute(select(func.count()).select_from(t)).scalar()
               for t in (*s.CONTRACT_TABLES, s.ingested_events)}
        out["cost"] = conn.execute(select(func.sum(s.campaigns.c.cost))).scalar()
        out["version"] = data_version(conn)
    return out


def test_every_event_type_lands_in_the_metrics(engine):
    base_rows(engine)
    with engine.connect() as conn:
        v0 = data_version(conn)
    result = apply(engine, BATCH)
    assert result.applied == [e["id"] for e in BATCH["events"]] and result.already_applied == []
    assert result.counts["deal.created"] == 3 and sum(result.counts.values()) == 23
    assert result.data_version > v0          # the triggers (or DuckDB's counter) saw the writes
    n = numbers(engine)
    assert n["reached"] == [3, 2, 1, 1, 1]
    assert (n["won_deals"], n["lost_deals"], n["won_revenue"]) == (1, 1, 1200.0)
    assert n["open_pipeline"] == 400.0
    assert n["new_leads"] == 2
    assert n["benelux_lost"] == 1             # C2 moved to Benelux: its lost deal D2 moved with it
    assert n["cost"] == pytest.approx(150.0)
    assert (n["leads_K1"], n["deals_K1"]) == (1, 1)
    lc = n["lead_conversion"]
    assert (lc["leads"], lc["customers"], lc["rate"]) == (2, 1, 0.5)
    assert lc["by_campaign"]["K1"] == {"leads": 1, "customers": 1, "rate": 1.0}
    assert n["service"] == {"cases_opened": 2, "cases_resolved": 1, "backlog": 1, "csat": 0.0,
                            "avg_satisfaction": 2.0, "customers_ordering_12m": 1}
    assert n["first_response_median"] == pytest.approx(2.0)
    assert n["resolution_median"] == pytest.approx(24.0)
    # the latest event time is S1's resolution (customer.updated carries no event time)
    assert n["data_as_of"] == datetime(2025, 3, 10, 10, 0)
    with engine.connect() as conn:
        d1 = conn.execute(select(s.deals).where(s.deals.c.deal_id == "D1")).mappings().one()
        hist = conn.execute(select(s.deal_stage_history.c.stage).where(s.deal_stage_history.c.deal_id == "D1")
                            .order_by(s.deal_stage_history.c.entered_at)).scalars().all()
        s1 = conn.execute(select(s.cases).where(s.cases.c.case_id == "S1")).mappings().one()
    assert (d1["status"], d1["stage"], d1["closed_at"], d1["amount"]) == ("won", "Won", datetime(2025, 3, 6, 10), 1200)
    assert hist == ["Lead", "Qualified", "Proposal", "Won"]
    assert (s1["opened_at"], s1["owner_id"], s1["satisfaction"]) == (datetime(2025, 3, 9, 10), "AG", 2)


def test_a_retried_batch_changes_nothing_and_says_which_ids_were_applied(engine):
    base_rows(engine)
    first = apply(engine, BATCH)
    before, snapshot = counts(engine), numbers(engine)
    again = apply(engine, BATCH)
    assert again.applied == [] and again.already_applied == first.applied
    assert counts(engine) == before                     # not even the data version moved
    assert numbers(engine) == snapshot
    # a batch mixing old and new ids applies only the new ones
    mixed = {"events": BATCH["events"][-2:] + [ev("e24", "campaign.spend", "2025-03-06T00:00:00Z",
                                                  campaign_id="K1", amount=25)]}
    r = apply(engine, mixed)
    assert r.applied == ["e24"] and r.already_applied == ["e22", "e23"]
    assert counts(engine)["cost"] == pytest.approx(175.0)


def test_one_bad_event_writes_nothing_of_its_batch(engine):
    base_rows(engine)
    apply(engine, {"events": BATCH["events"][:2]})
    before = counts(engine)
    bad = {"events": BATCH["events"][2:12] + [ev("x1", "order.placed", "2025-03-08T12:00:00Z", order_id="OR9",
                                                 customer_id="C404", revenue=10)]}
    with pytest.raises(EventError) as err:
        apply(engine, bad)
    e = err.value
    assert (e.index, e.event_id, e.field, e.status) == (10, "x1", "data.customer_id", 422)
    assert str(e) == "events[10] (id 'x1', order.placed): data.customer_id: 'C404' is not in customers"
    assert counts(engine) == before
    # fixed, the same batch goes through: nothing of the failed attempt was remembered
    bad["events"][-1]["data"]["customer_id"] = "C1"
    assert len(apply(engine, bad).applied) == 11


BAD_EVENTS = [
    # (event, index-0 field, words of the problem)
    (ev("b", "deal.created", "2025-03-02T10:00:00Z", deal_id="D9", customer_id="C1", owner_id="O1", amount=1,
        status="won"), "data.closed_at", "closed_at is required when status is 'won'"),
    (ev("b", "deal.created", "2025-03-02T10:00:00Z", deal_id="D9", customer_id="C1", owner_id="O1", amount=1,
        status="open", closed_at="2025-03-05"), "data.status", "status is 'open' but closed_at is set"),
    (ev("b", "deal.created", "2025-03-02T10:00:00Z", deal_id="D9", customer_id="C1", owner_id="O1", amount=1,
        status="won", closed_at="2025-03-05", stage="Proposal"), "data.stage", "a won deal's stage is 'Won'"),
    (ev("b", "deal.created", "2025-03-02T10:00:00Z", deal_id="D9", customer_id="C1", owner_id="O404", amount=1),
     "data.owner_id", "'O404' is not in owners"),
    (ev("b", "deal.created", "2025-03-02T10:00:00Z", deal_id="D9", customer_id="C1", owner_id="O1",
        amount=-5), "data.amount", "'-5' is negative; amount must be >= 0"),
    (ev("b", "deal.created", "2025-03-02T10:00:00Z", deal_id="D9", customer_id="C1", owner_id="O1",
        amount=True), "data.amount", "must be a number, not a boolean"),
    (ev("b", "deal.created", "2025-03-02T10:00:00Z", deal_id="D9", customer_id="C1", owner_id="O1",
        amount="1.234,5"), "data.amount", "is not a valid number"),
    (ev("b", "deal.created", "2025-03-02T10:00:00Z", deal_id=7, customer_id="C1", owner_id="O1",
        amount=1), "data.deal_id", "must be a string, not a number"),
    (ev("b", "deal.created", "2025-03-02T10:00:00Z", customer_id="C1", owner_id="O1", amount=1),
     "data.deal_id", "a value is required"),
    (ev("b", "deal.created", "2025-03-02T10:00:00Z", deal_id="D1", customer_id="C1", owner_id="O1", amount=1),
     "data.deal_id", "'D1' already exists in deals"),
    (ev("b", "deal.won", "2025-03-20T10:00:00Z", deal_id="D1"), "data.deal_id", "'D1' is already won"),
    (ev("b", "deal.stage_changed", "2025-03-20T10:00:00Z", deal_id="D3", stage="Won"), "data.stage",
     "send deal.won or deal.lost"),
    (ev("b", "deal.stage_changed", "2025-03-01T10:00:00Z", deal_id="D3", stage="Proposal"), "occurred_at",
     "is before the deal's created_at"),
    (ev("b", "deal.lost", "2025-03-20T10:00:00Z", deal_id="D3", colour="red"), "data.colour", "unknown field"),
    (ev("b", "lifecycle.changed", "2025-03-20T10:00:00Z", customer_id="C1", stage="vip"), "data.stage",
     "is not a lifecycle stage"),
    (ev("b", "case.rated", "2025-03-20T10:00:00Z", case_id="S2", satisfaction=4), "data.case_id",
     "is not resolved"),
    (ev("b", "case.rated", "2025-03-20T10:00:00Z", case_id="S1", satisfaction=6), "data.satisfaction",
     "'6' is outside 1..5"),
    (ev("b", "case.resolved", "2025-03-20T10:00:00Z", case_id="S1"), "data.case_id", "is already resolved"),
    (ev("b", "case.first_response", "2025-03-01T10:00:00Z", case_id="S2"), "occurred_at",
     "is before the case's opened_at"),
    (ev("b", "campaign.spend", "2025-03-20T10:00:00Z", campaign_id="K9", amount=5), "data.campaign_id",
     "'K9' is not in campaigns"),
    (ev("b", "customer.created", "2025-03-20T10:00:00Z", customer_id="C1", name="Again"), "data.customer_id",
     "send customer.updated"),
    (ev("b", "customer.updated", "2025-03-20T10:00:00Z", customer_id="C1", name=None), "data.name",
     "a value is required"),
    (ev("b", "customer.updated", "2025-03-20T10:00:00Z", customer_id="C1"), "data", "changes nothing"),
    (ev("b", "order.placed", "2025-02-30T10:00:00Z", order_id="X", customer_id="C1", revenue=1), "occurred_at",
     "is not a valid timestamp"),
    (ev("b", "order.placed", "2025-06-03T10:00:00Z", order_id="X", customer_id="C1", revenue=1), "occurred_at",
     "more than a day in the future"),
    (ev("b", "order.placed", "2025-03-20T10:00:00Z", order_id="X" * 65, customer_id="C1", revenue=1),
     "data.order_id", "is longer than 64 characters"),
    (ev("b", "deal.promoted", "2025-03-20T10:00:00Z"), "type", "'deal.promoted' is not an event type"),
    ({"id": "b", "type": "deal.won", "data": {"deal_id": "D3"}}, "occurred_at", "timestamp is required"),
    ({"id": "b", "type": "deal.won", "occurred_at": 20250320, "data": {"deal_id": "D3"}}, "occurred_at",
     "must be an ISO 8601 timestamp string, not a number"),
    ({"id": "b", "type": "deal.won", "occurred_at": "2025-03-20", "data": ["D3"]}, "data",
     "must be an object with the fields of deal.won, not a list"),
    ({"id": "", "type": "deal.won", "occurred_at": "2025-03-20", "data": {"deal_id": "D3"}}, "id",
     "a non-empty string is required"),
    ({"id": "b", "type": "deal.won", "occurred_at": "2025-03-20", "data": {"deal_id": "D3"}, "extra": 1},
     "extra", "unknown key"),
    ("deal.won", None, "an event must be a JSON object, not a string"),
]


@pytest.mark.parametrize("event, field, problem", BAD_EVENTS, ids=[f"{i:02d}" for i in range(len(BAD_EVENTS))])
def test_a_bad_event_is_named_by_index_id_field_and_problem(fresh_db, event, field, problem):
    engine = _applied_once(fresh_db)
    before = counts(engine)
    good = ev("g", "campaign.spend", "2025-03-20T10:00:00Z", campaign_id="K1", amount=5)
    with pytest.raises(EventError) as err:
        apply(engine, {"events": [good, event]})
    e = err.value
    assert (e.index, e.field) == (1, field), str(e)
    assert problem in e.problem, str(e)
    assert str(e).startswith("events[1]")
    assert counts(engine) == before


_ONCE = {}


def _applied_once(fresh_db):
    """One SQLite database with BATCH applied, shared by the bad-event cases (they write nothing)."""
    if "engine" not in _ONCE:
        _ONCE["engine"] = fresh_db.make("sqlite")
        base_rows(_ONCE["engine"])
        apply(_ONCE["engine"], BATCH)
    return _ONCE["engine"]


@pytest.mark.parametrize("payload, problem", [
    ([], "must be a JSON object"),
    ({"events": "x"}, '"events" must be a list'),
    ({"events": [], "dry_run": True}, "unknown key(s) 'dry_run'"),
    ({"events": [ev(f"e{i}", "campaign.spend", "2025-03-01", campaign_id="K1", amount=1) for i in range(1001)]},
     "1001 events in one batch"),
])
def test_a_body_that_is_not_a_batch_is_refused_as_a_whole(fresh_db, payload, problem):
    engine = _applied_once(fresh_db)
    with pytest.raises(BatchError) as err:
        apply(engine, payload)
    assert problem in str(err.value)


def test_the_same_id_twice_in_one_batch_is_refused(fresh_db):
    engine = _applied_once(fresh_db)
    spend = ev("dup", "campaign.spend", "2025-03-20T10:00:00Z", campaign_id="K1", amount=5)
    with pytest.raises(EventError) as err:
        apply(engine, {"events": [spend, dict(spend)]})
    assert (err.value.index, err.value.field) == (1, "id") and "the same id as events[0]" in str(err.value)


def test_a_late_stage_change_does_not_undo_a_newer_stage(engine):
    """Events may arrive out of order: the deal's stage is that of its latest history entry."""
    base_rows(engine)
    apply(engine, {"events": BATCH["events"][:2] + [
        ev("a", "deal.created", "2025-03-02T10:00:00Z", deal_id="D1", customer_id="C1", owner_id="O1", amount=1),
        ev("b", "deal.stage_changed", "2025-03-05T10:00:00Z", deal_id="D1", stage="Proposal"),
        ev("c", "deal.stage_changed", "2025-03-04T10:00:00Z", deal_id="D1", stage="Qualified")]})
    with engine.connect() as conn:
        assert conn.execute(select(s.deals.c.stage)).scalar() == "Proposal"
        assert conn.execute(select(func.count()).select_from(s.deal_stage_history)).scalar() == 3


def test_a_closed_deal_can_be_backfilled_and_times_without_offset_are_in_report_tz(engine):
    base_rows(engine)
    apply(engine, {"events": BATCH["events"][:1]})
    r = apply_batch(engine, {"events": [
        ev("w", "deal.created", "2025-03-02 10:00", deal_id="DW", customer_id="C1", owner_id="O1", amount=70,
           status="WON", closed_at="05.03.2025 12:30")]},
        tz_name="Europe/Berlin", pipeline=DEFAULT, username="t", now=NOW)
    assert r.applied == ["w"]
    with engine.connect() as conn:
        d = conn.execute(select(s.deals).where(s.deals.c.deal_id == "DW")).mappings().one()
        hist = conn.execute(select(s.deal_stage_history.c.stage, s.deal_stage_history.c.entered_at)
                            .order_by(s.deal_stage_history.c.entered_at)).all()
    # Berlin is UTC+1 in March; the status is stored lower-case, as the CSV importer does
    assert (d["status"], d["stage"], d["created_at"], d["closed_at"]) == \
        ("won", "Won", datetime(2025, 3, 2, 9), datetime(2025, 3, 5, 11, 30))
    assert [tuple(h) for h in hist] == [("Lead", datetime(2025, 3, 2, 9)), ("Won", datetime(2025, 3, 5, 11, 30))]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_concurrent_twin_of_the_batch_is_waited_for_and_then_skipped(fresh_db, kind):
    """A client retrying while its first attempt is still running: the retry waits on the event id
    the first attempt holds, then finds it applied; each event is applied exactly once."""
    import threading
    import time

    from sqlalchemy import insert, update
    engine = fresh_db.make(kind)
    base_rows(engine)
    def spend(eid, amount):
        return ev(eid, "campaign.spend", "2025-03-20T10:00:00Z", campaign_id="K1", amount=amount)
    twin = engine.connect()
    tx = twin.begin()   # the first attempt, half-way: its id stored, its spend added, not yet committed
    twin.execute(insert(s.ingested_events).values(event_id="t1", event_type="campaign.spend",
                                                  occurred_at=datetime(2025, 3, 20, 10), ingested_at=NOW,
                                                  username="test"))
    twin.execute(update(s.campaigns).values(cost=s.campaigns.c.cost + 10))
    out = {}
    retry = threading.Thread(target=lambda: out.update(result=apply(engine, {"events": [spend("t1", 10),
                                                                                           spend("t2", 20)]})))
    retry.start()
    time.sleep(1.0)
    assert retry.is_alive()          # waiting for the first attempt
    tx.commit()
    twin.close()
    retry.join(30)
    assert out["result"].applied == ["t2"] and out["result"].already_applied == ["t1"]
    assert counts(engine)["cost"] == pytest.approx(130.0)
