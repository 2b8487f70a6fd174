"""RFM scores and behaviour segments (METRICS.md §6), on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from queries.filters import Filters
from queries.lists import ListError
from queries.period import Period
from queries.segments import (
    SEGMENTS, SegmentThresholds, behaviour_segments, rfm_customers, rfm_scores, segment_breakdown,
    segment_customers,
)
from tests.conftest import ENGINES, expected, load_rows

JUNE = Period(date(2025, 6, 1), date(2025, 7, 1), "UTC")   # to = 2025-07-01 00:00


def ts(s: str) -> datetime:
    return datetime.fromisoformat(s)


def _customer(cid, region="DACH", created="2024-01-01"):
    return {"customer_id": cid, "name": "Name " + cid, "created_at": ts(created), "region": region,
            "country": "DE", "industry": "Retail", "company_size": "1-10"}


def _order(oid, cid, at, revenue):
    return {"order_id": oid, "customer_id": cid, "ordered_at": ts(at), "revenue": revenue}


def _visit(tid, cid, at, kind="visit"):
    return {"touchpoint_id": tid, "customer_id": cid, "channel": "organic", "occurred_at": ts(at),
            "kind": kind}


# --- RFM ---------------------------------------------------------------------------------------
# At to = 2025-07-01, n = 6 customers with an order before `to`:
#   cust  recency (days)          frequency   monetary
#   A     0.5 (06-30 12:00)       2 (same day) 0.1 + 0.2 = 0.30000000000000004
#   B     10                      1            0.3
#   C     10                      2            100
#   D     90 (04-02)              1            500
#   E     365 (2024-07-01)        3            40
#   F     20                      1            1000
#   Z     only order at `to` -> not in RFM;  X (Nordics) order at 2025-06-30 -> filtered by region
RFM_ROWS = {
    "owners": [{"owner_id": "O1", "name": "One"}],
    "customers": [_customer(c) for c in "ABCDEFZ"] + [_customer("X", "Nordics")],
    "deals": [{"deal_id": "D1", "customer_id": "C", "owner_id": "O1", "amount": 1.0,
               "created_at": ts("2024-05-01"), "status": "open", "stage": "Lead"}],
    "orders": [
        _order("a1", "A", "2025-06-30T00:00:00", 0.1), _order("a2", "A", "2025-06-30T12:00:00", 0.2),
        _order("b1", "B", "2025-06-21T00:00:00", 0.3),
        _order("c1", "C", "2025-05-01T00:00:00", 60.0), _order("c2", "C", "2025-06-21T00:00:00", 40.0),
        _order("d1", "D", "2025-04-02T00:00:00", 500.0),
        _order("e1", "E", "2024-05-01T00:00:00", 10.0), _order("e2", "E", "2024-06-01T00:00:00", 10.0),
        _order("e3", "E", "2024-07-01T00:00:00", 20.0),
        _order("f1", "F", "2025-06-11T00:00:00", 1000.0),
        _order("z1", "Z", "2025-07-01T00:00:00", 5.0),
        _order("x1", "X", "2025-06-30T00:00:00", 7.0),
    ],
}


@pytest.fixture(scope="module", params=ENGINES)
def rfm_db(request, fresh_db):
    eng = fresh_db.make(request.param)
    load_rows(eng, RFM_ROWS)
    yield eng
    eng.dispose()


def test_rfm_scores_share_the_average_rank_of_ties(rfm_db):
    with rfm_db.connect() as conn:
        r = rfm_scores(conn, JUNE, Filters(region=("DACH",)))
    # score = ceil(5 · avg rank / 6), best = rank 6
    # R (worst first): E 1 -> 1, D 2 -> ceil(1.67)=2, F 3 -> ceil(2.5)=3, B/C ranks 4,5 avg 4.5
    #   -> ceil(3.75)=4, A 6 -> 5
    # F: B, D, F (1 order) ranks 1-3 avg 2 -> ceil(1.67)=2; A, C (2) avg 4.5 -> 4; E (3) 6 -> 5
    # M: A (0.1+0.2) and B (0.3) tie (money equal to the cent): ranks 1,2 avg 1.5 -> ceil(1.25)=2;
    #   E 40 rank 3 -> 3; C 100 rank 4 -> ceil(3.33)=4; D 500 -> ceil(4.17)=5; F 1000 -> 5
    assert r["customers"] == 6
    assert r["score_counts"] == {"R": {1: 1, 2: 1, 3: 1, 4: 2, 5: 1},
                                 "F": {1: 0, 2: 3, 3: 0, 4: 2, 5: 1},
                                 "M": {1: 0, 2: 2, 3: 1, 4: 1, 5: 2}}
    cells = {(c["r"], c["f"]): (c["customers"], c["monetary_mean"]) for c in r["heatmap"]}
    assert len(r["heatmap"]) == 25
    assert cells[(5, 4)] == (1, pytest.approx(0.3))       # A
    assert cells[(4, 2)] == (1, pytest.approx(0.3))       # B
    assert cells[(4, 4)] == (1, 100.0)                     # C
    assert cells[(2, 2)] == (1, 500.0)                     # D
    assert cells[(1, 5)] == (1, 40.0)                      # E
    assert cells[(3, 2)] == (1, 1000.0)                    # F
    assert cells[(1, 1)] == (0, None)


def test_rfm_customers_values_and_score_filter(rfm_db):
    with rfm_db.connect() as conn:
        df, total = rfm_customers(conn, JUNE, Filters(region=("DACH",)), limit=100,
                                  sort=[("customer_id", "asc")])
        fours, n_fours = rfm_customers(conn, JUNE, Filters(region=("DACH",)), r=4,
                                       sort=[("customer_id", "asc")])
        with pytest.raises(ListError):
            rfm_customers(conn, JUNE, Filters(), r=6)
    assert total == 6
    got = {row.customer_id: (row.recency_days, row.frequency, row.monetary, row.r, row.f, row.m)
           for row in df.itertuples()}
    assert got == {
        "A": (0.5, 2, pytest.approx(0.3), 5, 4, 2),
        "B": (10.0, 1, pytest.approx(0.3), 4, 2, 2),
        "C": (10.0, 2, 100.0, 4, 4, 4),
        "D": (90.0, 1, 500.0, 2, 2, 5),
        "E": (365.0, 3, 40.0, 1, 5, 3),
        "F": (20.0, 1, 1000.0, 3, 2, 5),
    }
    assert (list(fours["customer_id"]), n_fours) == (["B", "C"], 2)


def test_rfm_filters_keep_their_customers_only(rfm_db):
    with rfm_db.connect() as conn:
        nordics = rfm_scores(conn, JUNE, Filters(region=("Nordics",)))
        owner = rfm_customers(conn, JUNE, Filters(owner=("O1",)))[0]
        nobody = rfm_scores(conn, JUNE, Filters(region=("Nowhere",)))
    # a single customer has rank 1 = n on every score: ceil(5 · 1 / 1) = 5
    assert nordics["score_counts"] == {k: {1: 0, 2: 0, 3: 0, 4: 0, 5: 1} for k in "RFM"}
    # the deal filter keeps C (its deal is O1's); C alone scores 5, 5, 5
    assert list(owner[["customer_id", "r", "f", "m"]].itertuples(index=False, name=None)) == [("C", 5, 5, 5)]
    assert nobody["customers"] == 0 and all(c["monetary_mean"] is None for c in nobody["heatmap"])


# --- behaviour segments ------------------------------------------------------------------------
# to = 2025-07-01 (UTC); d = whole days since the last order before `to`
#   L   3 orders (two on 03-01), last 04-01 12:00: d = floor(90.5) = 90  -> loyal   (60)
#   N1  1 order 04-02 00:00: d = 90                                      -> new     (100)
#   A1  2 orders, last 06-10: d = 21                                     -> active  (10)
#   R1  1 order 04-01 00:00: d = 91                                      -> at_risk (7)
#   R2  1 order 01-02: d = 180                                           -> at_risk (8)
#   I1  order 01-01: d = 181 (its order at `to` is not seen)             -> inactive (9)
#   W   order 2024-12-31 22:30: d = floor(181.06) = 181                  -> inactive (4)
#   B1  no order, visits at 04-02 00:00 (= to − 90 days) and 06-30      -> browsing
#   P1  no order, visit 04-01 23:59:59 (too early), one visit, one click -> prospect
#   P2  no order, no touchpoint, no region                               -> prospect
#   Z   created at `to`: not counted
SEG_ROWS = {
    "owners": [{"owner_id": "O1", "name": "One"}],
    "customers": [_customer(c) for c in ("L", "N1", "A1", "B1", "P1")]
    + [_customer(c, "Nordics") for c in ("R1", "R2", "I1", "W")]
    + [_customer("P2", None), _customer("Z", created="2025-07-01T00:00:00")],
    "deals": [{"deal_id": "D1", "customer_id": "L", "owner_id": "O1", "amount": 1.0,
               "created_at": ts("2024-05-01"), "status": "open", "stage": "Lead"}],
    "orders": [
        _order("l1", "L", "2025-03-01T10:00:00", 10.0), _order("l2", "L", "2025-03-01T15:00:00", 20.0),
        _order("l3", "L", "2025-04-01T12:00:00", 30.0),
        _order("n1", "N1", "2025-04-02T00:00:00", 100.0),
        _order("a1", "A1", "2025-06-01T00:00:00", 5.0), _order("a2", "A1", "2025-06-10T00:00:00", 5.0),
        _order("r1", "R1", "2025-04-01T00:00:00", 7.0),
        _order("r2", "R2", "2025-01-02T00:00:00", 8.0),
        _order("i1", "I1", "2025-01-01T00:00:00", 9.0), _order("i2", "I1", "2025-07-01T00:00:00", 1000.0),
        _order("w1", "W", "2024-12-31T22:30:00", 4.0),
        _order("z1", "Z", "2025-06-15T00:00:00", 50.0),
    ],
    "touchpoints": [
        _visit("t1", "B1", "2025-04-02T00:00:00"), _visit("t2", "B1", "2025-06-30T00:00:00"),
        _visit("t3", "P1", "2025-04-01T23:59:59"), _visit("t4", "P1", "2025-06-15T00:00:00"),
        _visit("t5", "P1", "2025-06-16T00:00:00", kind="click"),
    ],
}


@pytest.fixture(scope="module", params=ENGINES)
def seg_db(request, fresh_db):
    eng = fresh_db.make(request.param)
    load_rows(eng, SEG_ROWS)
    yield eng
    eng.dispose()


def _counts(segs):
    return {s: v["customers"] for s, v in segs.items()}


def test_behaviour_segments_thresholds_at_their_boundaries(seg_db):
    with seg_db.connect() as conn:
        r = behaviour_segments(conn, JUNE, Filters())
    assert list(r) == list(SEGMENTS)
    assert _counts(r) == {"loyal": 1, "new": 1, "active": 1, "at_risk": 2, "inactive": 2,
                          "browsing": 1, "prospect": 2}
    assert {s: v["revenue"] for s, v in r.items()} == {
        "loyal": 60.0, "new": 100.0, "active": 10.0, "at_risk": 15.0, "inactive": 13.0,
        "browsing": 0.0, "prospect": 0.0}
    # share of the 10 customers created before `to`
    assert r["at_risk"]["share"] == pytest.approx(0.2)
    assert sum(v["share"] for v in r.values()) == pytest.approx(1.0)


def test_behaviour_segments_count_whole_days_in_the_reporting_time_zone(seg_db):
    berlin = Period(date(2025, 6, 1), date(2025, 7, 1), "Europe/Berlin")  # to = 06-30 22:00 UTC
    with seg_db.connect() as conn:
        r = behaviour_segments(conn, berlin, Filters())
        inactive = segment_customers(conn, berlin, Filters(), segment="inactive")[0]
    # local times: R1 04-01 02:00 -> d = 90 (new); R2 01-02 01:00 -> 179, I1 01-01 01:00 -> 180
    # (at_risk); W 2024-12-31 23:30 -> 181 days 0.5 h -> inactive (by UTC seconds it would be
    # 180 days 23.5 h); P1's visit at 04-02 01:59:59 local is inside the window -> browsing
    assert _counts(r) == {"loyal": 1, "new": 2, "active": 1, "at_risk": 2, "inactive": 1,
                          "browsing": 2, "prospect": 1}
    assert list(inactive["customer_id"]) == ["W"]


def test_behaviour_segments_configurable_thresholds(seg_db):
    th = SegmentThresholds(loyal_min_orders=2, active_days=89)
    with seg_db.connect() as conn:
        r = behaviour_segments(conn, JUNE, Filters(), thresholds=th)
    # A1 (2 orders, d = 21) is loyal; L and N1 (d = 90) are now at risk with R1 and R2
    assert _counts(r) == {"loyal": 1, "new": 0, "active": 0, "at_risk": 4, "inactive": 2,
                          "browsing": 1, "prospect": 2}


def test_behaviour_segments_filters_and_empty_set(seg_db):
    with seg_db.connect() as conn:
        owner = behaviour_segments(conn, JUNE, Filters(owner=("O1",)))
        none = behaviour_segments(conn, JUNE, Filters(region=("(none)",)))
        nobody = behaviour_segments(conn, JUNE, Filters(region=("Nowhere",)))
    assert owner["loyal"] == {"customers": 1, "revenue": 60.0, "share": 1.0}
    assert _counts(none)["prospect"] == 1 and sum(_counts(none).values()) == 1
    assert all(v == {"customers": 0, "revenue": 0.0, "share": None} for v in nobody.values())


def test_segment_breakdown_by_region(seg_db):
    with seg_db.connect() as conn:
        rows = segment_breakdown(conn, JUNE, Filters(), by="region")
        with pytest.raises(ValueError):
            segment_breakdown(conn, JUNE, Filters(), by="city")
    assert rows == [
        {"region": "DACH", "segment": "loyal", "customers": 1, "revenue": 60.0},
        {"region": "DACH", "segment": "new", "customers": 1, "revenue": 100.0},
        {"region": "DACH", "segment": "active", "customers": 1, "revenue": 10.0},
        {"region": "DACH", "segment": "browsing", "customers": 1, "revenue": 0.0},
        {"region": "DACH", "segment": "prospect", "customers": 1, "revenue": 0.0},
        {"region": "Nordics", "segment": "at_risk", "customers": 2, "revenue": 15.0},
        {"region": "Nordics", "segment": "inactive", "customers": 2, "revenue": 13.0},
        {"region": "(none)", "segment": "prospect", "customers": 1, "revenue": 0.0},
    ]


def test_segment_customers_lists_the_segment(seg_db):
    with seg_db.connect() as conn:
        df, total = segment_customers(conn, JUNE, Filters(), segment="at_risk")
        prospects, n = segment_customers(conn, JUNE, Filters(), segment="prospect",
                                         sort=[("customer_id", "desc")], limit=1)
        with pytest.raises(ListError):
            segment_customers(conn, JUNE, Filters(), segment="vip")
    # default order: revenue descending
    assert (list(df["customer_id"]), total) == (["R2", "R1"], 2)
    assert list(df["orders"]) == [1, 1] and list(df["revenue"]) == [8.0, 7.0]
    assert (list(prospects["customer_id"]), n) == (["P2"], 2)


# --- the worked example ------------------------------------------------------------------------

WORKED = {"2025": (Period(date(2025, 1, 1), date(2026, 1, 1), "UTC"), Filters()),
          "2025q2_region_DACH": (Period(date(2025, 4, 1), date(2025, 7, 1), "UTC"),
                                 Filters(region=("DACH",)))}


@pytest.mark.parametrize("name", sorted(WORKED))
def test_worked_example_rfm(worked_db, name):
    period, filters = WORKED[name]
    exp = expected(name)["customers"]["rfm"]
    with worked_db.connect() as conn:
        scores = rfm_scores(conn, period, filters)
        df, total = rfm_customers(conn, period, filters, limit=10_000)
    assert scores["customers"] == exp["customers"] == total
    assert {k: {str(s): n for s, n in v.items()} for k, v in scores["score_counts"].items()} \
        == exp["score_counts"]
    got = {row.customer_id: [row.recency_days, row.frequency, row.monetary, row.r, row.f, row.m]
           for row in df.itertuples()}
    assert set(got) == set(exp["per_customer"])
    for cid, (recency, frequency, monetary, r, f, m) in exp["per_customer"].items():
        assert got[cid] == [pytest.approx(recency, rel=1e-9), frequency,
                            pytest.approx(monetary, rel=1e-9), r, f, m], cid


@pytest.mark.parametrize("name", sorted(WORKED))
def test_worked_example_segments(worked_db, name):
    period, filters = WORKED[name]
    exp = expected(name)["customers"]["segments"]
    with worked_db.connect() as conn:
        r = behaviour_segments(conn, period, filters)
    assert _counts(r) == exp
