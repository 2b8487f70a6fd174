"""Campaigns and ROI (METRICS.md §4), on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from queries.campaigns import campaign_deals, campaign_table, campaign_touchpoints, cost_in_period
from queries.filters import Filters
from queries.period import Period
from tests.conftest import ENGINES, expected, load_rows

MARCH = Period(date(2025, 3, 1), date(2025, 4, 1), "UTC")


def ts(s: str) -> datetime:
    return datetime.fromisoformat(s)


def _customer(cid, region="DACH"):
    return {"customer_id": cid, "name": "Name " + cid, "created_at": ts("2024-01-01"), "region": region}


def _campaign(cid, started, ended, cost):
    return {"campaign_id": cid, "name": "Campaign " + cid, "channel": "email",
            "started_at": ts(started), "ended_at": ts(ended) if ended else None, "cost": cost}


def _deal(did, cid, campaign, created, status, closed, amount, source="web"):
    return {"deal_id": did, "customer_id": cid, "owner_id": "O1", "campaign_id": campaign,
            "source_channel": source, "amount": amount, "created_at": ts(created),
            "closed_at": ts(closed) if closed else None, "status": status,
            "stage": {"won": "Won", "lost": "Lost"}.get(status, "Lead")}


def _tp(tid, cid, campaign, at, channel="email"):
    return {"touchpoint_id": tid, "customer_id": cid, "channel": channel, "campaign_id": campaign,
            "occurred_at": ts(at)}


ROWS = {
    "owners": [{"owner_id": "O1", "name": "One"}],
    "customers": [_customer("K1"), _customer("K2"), _customer("K3", "Nordics"), _customer("K4"),
                  _customer("K5")],
    "campaigns": [
        _campaign("C1", "2025-02-15", "2025-03-16", 3000.0),  # 30 days, 16 in March
        _campaign("C2", "2025-03-22", None, 1900.0),          # open: to "data as of" 04-09,
                                                              # 19 days, 10 in March
        _campaign("C3", "2025-01-01", "2025-01-31", 500.0),   # before the period
        _campaign("C4", "2025-03-01", "2025-03-31", 0.0),     # free
    ],
    "deals": [
        _deal("D0", "K1", None, "2024-11-01", "won", "2024-12-01", 10.0),
        _deal("D1", "K2", "C1", "2025-03-02", "won", "2025-03-20", 1000.0),
        _deal("D2", "K1", "C1", "2025-02-10", "won", "2025-03-10", 400.0),
        _deal("D3", "K3", "C2", "2025-03-25", "open", None, 700.0),
        _deal("D4", "K3", "C1", "2025-04-01", "open", None, 100.0),    # created at `to`
        _deal("D5", "K5", None, "2025-03-01", "won", "2025-03-28", 300.0, source="event"),
    ],
    "touchpoints": [
        _tp("a1", "K1", "C1", "2025-02-20T00:00:00"),       # K1's first C1 touch: February
        _tp("a2", "K1", "C1", "2025-03-03T00:00:00"),
        _tp("a3", "K1", None, "2025-03-08T00:00:00", "organic"),
        _tp("b1", "K2", "C1", "2025-03-05T00:00:00"),
        _tp("b2", "K2", "C2", "2025-03-25T00:00:00"),       # after D1 closed
        _tp("c1", "K3", "C1", "2025-03-31T23:59:59"),
        _tp("d1", "K4", "C4", "2025-03-15T00:00:00"),
        _tp("e1", "K5", "C2", "2025-03-26T00:00:00"),
    ],
    # the latest event: "data as of" = 2025-04-09 15:00
    "orders": [{"order_id": "x1", "customer_id": "K1", "ordered_at": ts("2025-04-09T15:00:00"),
                "revenue": 5.0}],
}


@pytest.fixture(scope="module", params=ENGINES)
def db(request, fresh_db):
    eng = fresh_db.make(request.param)
    load_rows(eng, ROWS)
    yield eng
    eng.dispose()


# leads: C1 = K2 (03-05), K3 (03-31 23:59:59) – K1's first C1 touch is in Feb; C2 = K2, K5; C4 = K4
# deals created in March: C1 = D1 (D2 in Feb, D4 at `to`), C2 = D3
# won in March: C1 = D1 + D2 = 1400; new customers: K2 (D1 is its first won deal); K1 had D0
# attributed revenue (last touch, campaign key): D1 -> b1 (C1) 1000; D2 -> a3 (none) 400;
# D5 -> e1 (C2) 300
ROW_C1 = {"campaign_id": "C1", "name": "Campaign C1", "channel": "email", "cost": 1600.0,
          "leads": 2, "deals": 1, "won": 2, "won_revenue": 1400.0, "new_customers": 1,
          "attributed_revenue": 1000.0, "cpl": 800.0, "cac": 1600.0, "roas": 0.625, "roi": -0.375}
ROW_C2 = {"campaign_id": "C2", "name": "Campaign C2", "channel": "email", "cost": 1000.0,
          "leads": 2, "deals": 1, "won": 0, "won_revenue": 0.0, "new_customers": 0,
          "attributed_revenue": 300.0, "cpl": 500.0, "cac": None, "roas": 0.3, "roi": -0.7}
ROW_C3 = {"campaign_id": "C3", "name": "Campaign C3", "channel": "email", "cost": 0.0,
          "leads": 0, "deals": 0, "won": 0, "won_revenue": 0.0, "new_customers": 0,
          "attributed_revenue": 0.0, "cpl": None, "cac": None, "roas": None, "roi": None}
ROW_C4 = {"campaign_id": "C4", "name": "Campaign C4", "channel": "email", "cost": 0.0,
          "leads": 1, "deals": 0, "won": 0, "won_revenue": 0.0, "new_customers": 0,
          "attributed_revenue": 0.0, "cpl": 0.0, "cac": None, "roas": None, "roi": None}


def _approx_rows(rows):
    return [{k: pytest.approx(v, rel=1e-12) if isinstance(v, float) else v for k, v in r.items()}
            for r in rows]


def test_campaign_table(db):
    with db.connect() as conn:
        rows = campaign_table(conn, MARCH, Filters())
    assert rows == _approx_rows([ROW_C1, ROW_C2, ROW_C3, ROW_C4])


def test_first_touch_model_credits_the_first_campaign(db):
    with db.connect() as conn:
        rows = {r["campaign_id"]: r for r in campaign_table(conn, MARCH, Filters(), model="first_touch")}
    # D1 -> b1 (C1) 1000; D2 -> a1 (C1, 2025-02-20, after D0) 400; D5 -> e1 (C2) 300
    assert rows["C1"]["attributed_revenue"] == pytest.approx(1400.0)
    assert rows["C2"]["attributed_revenue"] == pytest.approx(300.0)


def test_campaign_filter_only_chooses_rows(db):
    with db.connect() as conn:
        rows = campaign_table(conn, MARCH, Filters(campaign=("C2",)))
        by_source = campaign_table(conn, MARCH, Filters(campaign=("C2",), source_channel=("web",)))
    # D5 has no campaign and source `event`: its credit to C2 stays under both filters
    assert rows == _approx_rows([ROW_C2])
    assert by_source[0]["attributed_revenue"] == pytest.approx(300.0)


def test_customer_filter_never_splits_cost(db):
    with db.connect() as conn:
        rows = {r["campaign_id"]: r for r in campaign_table(conn, MARCH, Filters(region=("DACH",)))}
    # K3 (Nordics) drops out: C1 leads 1 (K2); C2 deals 0 (D3 is K3's); cost unchanged
    assert (rows["C1"]["cost"], rows["C1"]["leads"], rows["C1"]["cpl"]) == (1600.0, 1, 1600.0)
    assert (rows["C2"]["cost"], rows["C2"]["deals"], rows["C2"]["leads"]) == (1000.0, 0, 2)
    assert rows["C1"]["attributed_revenue"] == pytest.approx(1000.0)


def test_cost_is_spread_over_calendar_days_of_the_reporting_time_zone(db):
    rows = {"campaigns": [_campaign("C5", "2025-02-28T23:30:00", "2025-03-02T22:30:00", 300.0)]}
    load_rows(db, {"campaigns": rows["campaigns"]})
    try:
        with db.connect() as conn:
            utc = [r for r in campaign_table(conn, MARCH, Filters()) if r["campaign_id"] == "C5"]
            berlin = [r for r in campaign_table(conn, Period(date(2025, 3, 1), date(2025, 4, 1),
                                                             "Europe/Berlin"), Filters())
                      if r["campaign_id"] == "C5"]
        # UTC: Feb 28, Mar 1, Mar 2 -> 2 of 3 days in March; Berlin: Mar 1 00:30 .. Mar 2 23:30
        assert utc[0]["cost"] == pytest.approx(200.0)
        assert berlin[0]["cost"] == pytest.approx(300.0)
    finally:
        with db.begin() as conn:
            from queries.schema import campaigns
            conn.execute(campaigns.delete().where(campaigns.c.campaign_id == "C5"))


def test_cost_in_period_partial_overlap_and_reversed_run():
    feb = Period(date(2025, 2, 1), date(2025, 3, 1))
    # Jan 20 .. Feb 8 = 20 days, 8 in February
    assert cost_in_period(200.0, date(2025, 1, 20), date(2025, 2, 8), feb) == pytest.approx(80.0)
    # a run ending before it starts is the single start day
    assert cost_in_period(50.0, date(2025, 2, 10), date(2025, 2, 1), feb) == 50.0
    assert cost_in_period(50.0, date(2025, 3, 1), date(2025, 3, 5), feb) == 0.0


def test_campaign_deals_drill_down(db):
    with db.connect() as conn:
        created, n_created = campaign_deals(conn, MARCH, Filters(), campaign_id="C1", kind="deals")
        won, n_won = campaign_deals(conn, MARCH, Filters(), campaign_id="C1", kind="won")
        with pytest.raises(ValueError):
            campaign_deals(conn, MARCH, Filters(), campaign_id="C1", kind="lost")
    assert list(created["deal_id"]) == ["D1"]
    assert list(won["deal_id"]) == ["D2", "D1"]  # by closed_at
    assert won["amount"].sum() == 1400.0 and (n_created, n_won) == (1, 2)
    assert "customer_name" in won.columns and "owner_name" in won.columns


def test_campaign_touchpoints_drill_down(db):
    with db.connect() as conn:
        all_, total = campaign_touchpoints(conn, MARCH, Filters(), campaign_id="C1")
        dach, _ = campaign_touchpoints(conn, MARCH, Filters(region=("DACH",)), campaign_id="C1")
    assert total == 3
    assert list(all_["touchpoint_id"]) == ["a2", "b1", "c1"]
    assert list(dach["touchpoint_id"]) == ["a2", "b1"]


# --- the worked example ----------------------------------------------------------------------

WORKED = {"2025": (Period(date(2025, 1, 1), date(2026, 1, 1), "UTC"), Filters()),
          "2025q2_region_DACH": (Period(date(2025, 4, 1), date(2025, 7, 1), "UTC"),
                                 Filters(region=("DACH",)))}


@pytest.mark.parametrize("name", sorted(WORKED))
def test_worked_example_campaigns(worked_db, name):
    period, filters = WORKED[name]
    exp = expected(name)["campaigns"]
    with worked_db.connect() as conn:
        rows = campaign_table(conn, period, filters)
    assert [r["campaign_id"] for r in rows] == sorted(exp)
    for r in rows:
        e = exp[r["campaign_id"]]
        assert set(r) - {"campaign_id"} == set(e)
        for k, v in e.items():
            if isinstance(v, float):
                assert r[k] == pytest.approx(v, rel=1e-9), (r["campaign_id"], k)
            else:
                assert r[k] == v, (r["campaign_id"], k)
