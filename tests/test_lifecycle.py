"""Lead funnel and customer lifecycle (METRICS.md §3), on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from queries.filters import Filters
from queries.lifecycle import (
    NO_STAGE, STAGES, activity_lifecycle, lead_conversion, lead_conversion_customers,
    migration_customers, migration_matrix, new_leads,
)
from queries.period import Period
from tests.conftest import ENGINES, expected, load_rows

JAN = Period(date(2025, 1, 1), date(2025, 2, 1), "UTC")


def ts(s: str) -> datetime:
    return datetime.fromisoformat(s)


def _customer(cid, region="DACH"):
    return {"customer_id": cid, "name": "Name " + cid, "created_at": ts("2024-01-01"),
            "region": region, "country": "DE", "industry": "Retail", "company_size": "1-10"}


def _lc(cid, stage, at):
    return {"customer_id": cid, "stage": stage, "entered_at": ts(at)}


def _tp(tid, cid, channel, at, campaign=None):
    return {"touchpoint_id": tid, "customer_id": cid, "channel": channel, "campaign_id": campaign,
            "occurred_at": ts(at)}


def _order(oid, cid, at, revenue):
    return {"order_id": oid, "customer_id": cid, "ordered_at": ts(at), "revenue": revenue}


ROWS = {
    "owners": [{"owner_id": "O1", "name": "One"}],
    "customers": [_customer(c) for c in ("A", "B", "C", "D", "F", "G", "H",
                                         "L1", "L2", "L3", "L4", "N", "R", "S", "DD")]
    + [_customer("E", "Nordics"), _customer("X", "Nordics")],
    "campaigns": [{"campaign_id": "CMP-1", "name": "c", "channel": "email",
                   "started_at": ts("2024-01-01"), "cost": 0.0}],
    "deals": [{"deal_id": "D1", "customer_id": "A", "owner_id": "O1", "amount": 1.0,
               "created_at": ts("2023-05-01"), "status": "open", "stage": "Lead"}],
    "lifecycle_history": [
        # migration over January (t0 = 2025-01-01, t1 = 2025-02-01), "at t" = entered_at < t
        _lc("A", "subscriber", "2024-12-01T00:00:00"),
        _lc("A", "lead", "2025-01-01T00:00:00"),        # at t0 exactly: not yet -> subscriber at t0
        _lc("A", "mql", "2025-01-10T00:00:00"),
        _lc("B", "lead", "2024-12-05T10:00:00"),        # tie: the later stage (mql) wins
        _lc("B", "mql", "2024-12-05T10:00:00"),
        _lc("D", "customer", "2025-01-20T00:00:00"),
        _lc("E", "lead", "2024-11-01T00:00:00"),        # Nordics
        _lc("F", "opportunity", "2025-02-01T00:00:00"),  # at t1 exactly: still — at t1
        _lc("G", "lead", "2025-01-03T00:00:00"),        # two lead entries: one new lead
        _lc("G", "lead", "2025-01-15T00:00:00"),
        _lc("H", "lead", "2025-02-01T00:00:00"),        # at `to`: not a lead of January
        # C has no entries
    ],
    "orders": [],
    "touchpoints": [],
}

# lead conversion over March 2025 (separate customers L1..L4, X)
ROWS["lifecycle_history"] += [
    _lc("L1", "lead", "2025-03-05T00:00:00"), _lc("L1", "customer", "2025-03-20T00:00:00"),
    _lc("L2", "lead", "2025-03-10T00:00:00"), _lc("L2", "customer", "2025-04-01T00:00:00"),
    _lc("L3", "customer", "2024-06-01T00:00:00"), _lc("L3", "lead", "2025-03-12T00:00:00"),
    _lc("L4", "lead", "2025-02-28T23:59:59"),
    _lc("X", "lead", "2025-03-02T00:00:00"),
]
ROWS["touchpoints"] += [
    _tp("TP9", "L1", "email", "2025-03-02T10:00:00", "CMP-1"),
    _tp("TP10", "L1", "social", "2025-03-02T10:00:00"),   # same second: "TP10" < "TP9" as text
    _tp("TP11", "L1", "display", "2025-03-03T10:00:00"),
    _tp("TP12", "L2", "display", "2025-04-01T00:00:00"),  # at `to`: not before to
    _tp("TP13", "L3", "email", "2024-12-01T00:00:00", "CMP-1"),
    _tp("TP14", "X", "tv", "2025-03-01T00:00:00"),
]
MARCH = Period(date(2025, 3, 1), date(2025, 4, 1), "UTC")

# activity lifecycle: Feb + Mar 2025 (January is the previous month of February)
ROWS["orders"] += [
    _order("o1", "N", "2025-02-10T00:00:00", 100.0), _order("o2", "N", "2025-03-05T00:00:00", 50.0),
    _order("o3", "R", "2025-01-15T00:00:00", 30.0), _order("o4", "R", "2025-02-20T00:00:00", 40.0),
    _order("o5", "S", "2024-11-01T00:00:00", 10.0), _order("o6", "S", "2025-03-10T00:00:00", 20.0),
    _order("o7", "S", "2025-03-11T00:00:00", 5.0),
    _order("o8", "DD", "2025-01-31T23:00:00", 70.0),       # 2025-02-01 00:00 in Berlin
    _order("o9", "X", "2025-04-01T00:00:00", 999.0),       # at `to` (Nordics)
]
FEB_MAR = Period(date(2025, 2, 1), date(2025, 4, 1), "UTC")


@pytest.fixture(scope="module", params=ENGINES)
def db(request, fresh_db):
    eng = fresh_db.make(request.param)
    load_rows(eng, ROWS)
    yield eng
    eng.dispose()


def _nonzero(matrix):
    return {(a, b): n for a, row in matrix.items() for b, n in row.items() if n}


def test_migration_matrix_at_time_t_means_just_before_t(db):
    with db.connect() as conn:
        r = migration_matrix(conn, JAN, Filters())
    assert (r["t0"], r["t1"]) == (ts("2025-01-01"), ts("2025-02-01"))
    assert list(r["matrix"]) == [NO_STAGE, *STAGES]
    assert all(list(row) == [NO_STAGE, *STAGES] for row in r["matrix"].values())
    # A subscriber -> mql (its lead entry is at t0, not before); B mql (tie: later stage) -> mql;
    # D — -> customer; E lead -> lead; F at t1 exactly stays —; C, N, R, … have no entry in Jan
    # G: — -> lead; H: lead entry at t1 -> —; L3 customer since 2024-06; L1, L2, L4, X only later
    nz = _nonzero(r["matrix"])
    assert nz == {("subscriber", "mql"): 1, ("mql", "mql"): 1, (NO_STAGE, "customer"): 1,
                  ("lead", "lead"): 1, (NO_STAGE, "lead"): 1, ("customer", "customer"): 1,
                  (NO_STAGE, NO_STAGE): 11}
    # 17 customers; rows sum to the counts at t0
    assert r["counts_t0"] == {NO_STAGE: 13, "subscriber": 1, "lead": 1, "mql": 1, "sql": 0,
                              "opportunity": 0, "customer": 1, "loyal": 0, "churned": 0}


def test_migration_matrix_filters_and_explicit_times(db):
    with db.connect() as conn:
        by_owner = migration_matrix(conn, JAN, Filters(owner=("O1",)))
        nordics = migration_matrix(conn, JAN, Filters(region=("Nordics",)))
        later = migration_matrix(conn, JAN, Filters(), t0=ts("2024-12-05T10:00:01"),
                                 t1=ts("2025-01-01T00:00:01"))
    # only A has a deal of owner O1
    assert _nonzero(by_owner["matrix"]) == {("subscriber", "mql"): 1}
    # E (lead -> lead) and X (— -> —)
    assert _nonzero(nordics["matrix"]) == {("lead", "lead"): 1, (NO_STAGE, NO_STAGE): 1}
    # one second after the tie B is mql; one second after t0 A is a lead
    assert later["matrix"]["subscriber"]["lead"] == 1
    assert later["counts_t0"]["mql"] == 1


def test_migration_drill_down_lists_the_cell(db):
    with db.connect() as conn:
        df, total = migration_customers(conn, JAN, Filters(region=("DACH",)), from_stage=NO_STAGE,
                                        to_stage=NO_STAGE)
        page, _ = migration_customers(conn, JAN, Filters(region=("DACH",)), from_stage=NO_STAGE,
                                      to_stage=NO_STAGE, limit=2, offset=1)
    # — at t0 and t1, DACH: C, DD, F, H, L1, L2, L4, N, R, S (X is Nordics)
    assert list(df["customer_id"]) == ["C", "DD", "F", "H", "L1", "L2", "L4", "N", "R", "S"]
    assert total == 10
    assert {"customer_id", "name", "region", "country", "industry", "company_size"} <= set(df.columns)
    assert list(page["customer_id"]) == ["DD", "F"]


def test_new_leads_counts_customers_not_entries(db):
    with db.connect() as conn:
        # January: A (at from, inclusive) and G (two entries); H at `to` is excluded
        assert new_leads(conn, JAN, Filters()) == 2
        # March: L1, L2, L3, X; L4 is a second before from
        assert new_leads(conn, MARCH, Filters()) == 4
        assert new_leads(conn, MARCH, Filters(region=("DACH",))) == 3


def test_lead_conversion_by_first_touch_source(db):
    with db.connect() as conn:
        r = lead_conversion(conn, MARCH, Filters())
    # leads L1, L2, L3, X; converted: L1 (customer 03-20), L3 (customer before to, even if
    # before the lead entry); L2's customer entry is at `to`.
    # sources: L1 first touch TP10 (social, no campaign; "TP10" < "TP9"); L2 only touch at `to`
    # -> (none); L3 TP13 email / CMP-1; X TP14 tv / (none)
    assert (r["leads"], r["customers"]) == (4, 2)
    assert r["rate"] == pytest.approx(0.5)
    assert r["by_channel"] == {
        "(none)": {"leads": 1, "customers": 0, "rate": 0.0},
        "email": {"leads": 1, "customers": 1, "rate": 1.0},
        "social": {"leads": 1, "customers": 1, "rate": 1.0},
        "tv": {"leads": 1, "customers": 0, "rate": 0.0},
    }
    assert r["by_campaign"] == {
        "(none)": {"leads": 3, "customers": 1, "rate": pytest.approx(1 / 3)},
        "CMP-1": {"leads": 1, "customers": 1, "rate": 1.0},
    }


def test_lead_conversion_without_leads_has_null_rate(db):
    with db.connect() as conn:
        r = lead_conversion(conn, Period(date(2020, 1, 1), date(2020, 2, 1)), Filters())
    assert r == {"leads": 0, "customers": 0, "rate": None, "by_channel": {}, "by_campaign": {}}


def test_lead_conversion_drill_down(db):
    with db.connect() as conn:
        conv, n_conv = lead_conversion_customers(conn, MARCH, Filters(), converted=True)
        none, _ = lead_conversion_customers(conn, MARCH, Filters(), campaign="(none)", converted=False)
        tv, n_tv = lead_conversion_customers(conn, MARCH, Filters(region=("DACH",)), channel="tv")
    assert (n_conv, n_tv) == (2, 0)
    assert list(conv["customer_id"]) == ["L1", "L3"]
    assert list(conv["lead_channel"]) == ["social", "email"]
    assert list(none["customer_id"]) == ["L2", "X"]
    assert tv.empty  # X is Nordics


def test_activity_lifecycle_new_returning_resurrecting_dormant(db):
    with db.connect() as conn:
        r = activity_lifecycle(conn, FEB_MAR, Filters())
    # Feb: N new (100); R returning (Jan + Feb, 40); DD dormant (Jan 31 23:00 UTC, -70)
    # Mar: N returning (50); S resurrecting (ordered 2024-11, not Feb, 20 + 5); R dormant (-40)
    # X's order at `to` is ignored
    assert r == [
        {"month": "2025-02", "new": 1, "returning": 1, "resurrecting": 0, "dormant": -1,
         "new_revenue": 100.0, "returning_revenue": 40.0, "resurrecting_revenue": 0.0,
         "dormant_revenue": -70.0},
        {"month": "2025-03", "new": 0, "returning": 1, "resurrecting": 1, "dormant": -1,
         "new_revenue": 0.0, "returning_revenue": 50.0, "resurrecting_revenue": 25.0,
         "dormant_revenue": -40.0},
    ]


def test_activity_lifecycle_months_in_reporting_time_zone(db):
    berlin = Period(date(2025, 2, 1), date(2025, 4, 1), "Europe/Berlin")
    with db.connect() as conn:
        r = activity_lifecycle(conn, berlin, Filters())
    # in Berlin DD's order is 2025-02-01 00:00: new in Feb (100 + 70), dormant in March
    assert [(m["month"], m["new"], m["new_revenue"], m["dormant"], m["dormant_revenue"]) for m in r] \
        == [("2025-02", 2, 170.0, 0, 0.0), ("2025-03", 0, 0.0, -2, -110.0)]


def test_activity_lifecycle_uses_orders_before_to_only(db):
    # [2025-03-01, 2025-03-08): March intersects; S's March orders are after `to` -> not active;
    # N (03-05) returning; R dormant; S nothing (Feb none)
    with db.connect() as conn:
        r = activity_lifecycle(conn, Period(date(2025, 3, 1), date(2025, 3, 8), "UTC"),
                               Filters(region=("DACH",)))
    assert r == [{"month": "2025-03", "new": 0, "returning": 1, "resurrecting": 0, "dormant": -1,
                  "new_revenue": 0.0, "returning_revenue": 50.0, "resurrecting_revenue": 0.0,
                  "dormant_revenue": -40.0}]


# --- the worked example ----------------------------------------------------------------------

WORKED = {"2025": (Period(date(2025, 1, 1), date(2026, 1, 1), "UTC"), Filters()),
          "2025q2_region_DACH": (Period(date(2025, 4, 1), date(2025, 7, 1), "UTC"),
                                 Filters(region=("DACH",)))}


def _approx_tree(x):
    if isinstance(x, dict):
        return {k: _approx_tree(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_approx_tree(v) for v in x]
    if isinstance(x, float):
        return pytest.approx(x, rel=1e-9)
    return x


@pytest.mark.parametrize("name", sorted(WORKED))
def test_worked_example_lifecycle(worked_db, name):
    period, filters = WORKED[name]
    exp = expected(name)["lifecycle"]
    with worked_db.connect() as conn:
        mig = migration_matrix(conn, period, filters)
        assert mig["matrix"] == exp["migration"]["matrix"]
        assert list(mig["matrix"]) == list(exp["migration"]["matrix"])
        assert mig["counts_t0"] == exp["migration"]["counts_t0"]
        assert new_leads(conn, period, filters) == exp["new_leads"]
        assert lead_conversion(conn, period, filters) == _approx_tree(exp["lead_conversion"])
        assert activity_lifecycle(conn, period, filters) == _approx_tree(exp["activity_lifecycle"])
