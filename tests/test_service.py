"""Customer service (METRICS.md §8), on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from queries.filters import Filters
from queries.lists import ListError
from queries.period import Period
from queries.service import cases_list, csat_trend, service_by, service_kpis, service_trend
from tests.conftest import ENGINES, expected, load_rows

# two Monday-weeks: [2025-03-03, 2025-03-17)
MARCH = Period(date(2025, 3, 3), date(2025, 3, 17), "UTC")


def ts(s: str | None) -> datetime | None:
    return datetime.fromisoformat(s) if s else None


def _customer(cid, region="DACH"):
    return {"customer_id": cid, "name": "Name " + cid, "created_at": ts("2024-01-01"), "region": region}


def _order(oid, cid, at, revenue=10.0):
    return {"order_id": oid, "customer_id": cid, "ordered_at": ts(at), "revenue": revenue}


def _case(cid, cust, owner, channel, category, priority, opened, first=None, resolved=None, sat=None):
    return {"case_id": cid, "customer_id": cust, "owner_id": owner, "channel": channel,
            "category": category, "priority": priority, "opened_at": ts(opened),
            "first_response_at": ts(first), "resolved_at": ts(resolved), "satisfaction": sat}


#        customer agent channel category  priority opened      first resp. resolved     rating
# S1     C1  AG1  email  complaint high    03-01 10:00 (before the period; open: backlog)
# S2     C1  AG1  phone  question  normal  03-03 00:00 +2 h        03-04 00:00 (24 h)  5
# S3     C2  AG2  email  –         –       03-05 12:00 +1 h        03-07 12:00 (48 h)  – (unrated)
# S4     C2  –    chat   return    ""      03-10 08:00 –           03-10 20:00 (12 h)  2
# S5     C3  AG2  web    billing   low     03-16 12:00 +18 h (after `to`)  03-18 (after `to`: backlog)
# S6     C3  AG1  email  question  normal  02-20 00:00 +1 h        03-12 00:00 (480 h) 4
# S7     C4  AG1  phone  complaint urgent  03-17 00:00 (at `to`: not in the period, not backlog)
# S8     C5  AG2  email  question  normal  01-10       –           02-01 (before the period)
CASES = [
    _case("S1", "C1", "AG1", "email", "complaint", "high", "2025-03-01T10:00:00", "2025-03-01T12:00:00"),
    _case("S2", "C1", "AG1", "phone", "question", "normal", "2025-03-03T00:00:00",
          "2025-03-03T02:00:00", "2025-03-04T00:00:00", 5),
    _case("S3", "C2", "AG2", "email", None, None, "2025-03-05T12:00:00", "2025-03-05T13:00:00",
          "2025-03-07T12:00:00"),
    _case("S4", "C2", None, "chat", "return", "", "2025-03-10T08:00:00", None, "2025-03-10T20:00:00", 2),
    _case("S5", "C3", "AG2", "web", "billing", "low", "2025-03-16T12:00:00", "2025-03-17T06:00:00",
          "2025-03-18T00:00:00"),
    _case("S6", "C3", "AG1", "email", "question", "normal", "2025-02-20T00:00:00",
          "2025-02-20T01:00:00", "2025-03-12T00:00:00", 4),
    _case("S7", "C4", "AG1", "phone", "complaint", "urgent", "2025-03-17T00:00:00"),
    _case("S8", "C5", "AG2", "email", "question", "normal", "2025-01-10T00:00:00", None,
          "2025-02-01T00:00:00"),
]
# orders: 12-month windows [2024-03-17, 2025-03-17) (cases per customer) and
# [2024-03-03, 2025-03-03) (service and retention base); active = an order in the period
ORDERS = [
    _order("o1", "C1", "2024-03-17T00:00:00"),                   # both windows; not active
    _order("o2", "C2", "2024-03-16T23:59:59"), _order("o3", "C2", "2025-03-05T00:00:00"),  # base, active
    _order("o4", "C3", "2025-03-16T00:00:00"),                   # not base; active
    _order("o5", "C4", "2025-03-17T00:00:00"),                   # at `to`: nowhere
    _order("o6", "C5", "2025-01-05T00:00:00"), _order("o7", "C5", "2025-03-10T00:00:00"),  # base, active
    _order("o8", "C6", "2024-12-01T00:00:00"),                   # base, no case, not active
    _order("o9", "C7", "2024-03-16T23:30:00"),                   # base; 12 m before `to` only in Berlin
]
ROWS = {
    "owners": [{"owner_id": "AG1", "name": "Agnes"}, {"owner_id": "AG2", "name": "Bert"},
               {"owner_id": "O1", "name": "Sales"}],
    "customers": [_customer(c) for c in ("C1", "C2", "C3", "C5", "C6", "C7")] + [_customer("C4", "Nordics")],
    "deals": [{"deal_id": "D1", "customer_id": "C2", "owner_id": "O1", "amount": 1.0,
               "created_at": ts("2024-05-01"), "status": "open", "stage": "Lead"}],
    "orders": ORDERS,
    "cases": CASES,
}


@pytest.fixture(scope="module", params=ENGINES)
def db(request, fresh_db):
    eng = fresh_db.make(request.param)
    load_rows(eng, ROWS)
    yield eng
    eng.dispose()


def test_service_kpis(db):
    with db.connect() as conn:
        r = service_kpis(conn, MARCH, Filters())
    # opened in the period: S2, S3, S4, S5 (S1 before, S7 at `to`); empty category/priority -> (none)
    assert r["cases_opened"] == 4
    assert r["cases_opened_by"] == {
        "channel": {"chat": 1, "email": 1, "phone": 1, "web": 1},
        "category": {"billing": 1, "question": 1, "return": 1, "(none)": 1},
        "priority": {"low": 1, "normal": 1, "(none)": 2}}
    # resolved in the period: S2, S3, S4, S6; backlog at `to`: S1 (opened before the period) and S5
    assert (r["cases_resolved"], r["backlog"]) == (4, 2)
    # first response of cases opened in the period: S2 2 h, S3 1 h, S5 18 h (S4 none)
    # sorted 1, 2, 18: median 2, mean 7, p90 at h = 2·0.9 = 1.8: 2 + 0.8·16 = 14.8
    assert r["first_response_hours"] == {"n": 3, "median": 2.0, "mean": 7.0, "p90": pytest.approx(14.8)}
    # resolution of cases resolved in the period: 12, 24, 48, 480: median 36, mean 141,
    # p90 at h = 3·0.9 = 2.7: 48 + 0.7·432 = 350.4
    assert r["resolution_hours"] == {"n": 4, "median": 36.0, "mean": 141.0, "p90": pytest.approx(350.4)}
    # rated among the resolved: S2 5, S4 2, S6 4 (S3 unrated): csat 2/3, mean 11/3
    assert r["rated_cases"] == 3
    assert r["csat"] == pytest.approx(2 / 3)
    assert r["avg_satisfaction"] == pytest.approx(11 / 3)
    # ordering in [2024-03-17, 2025-03-17): C1 (at the edge), C2, C3, C5, C6 -> 4 / 5 · 100
    assert r["customers_ordering_12m"] == 5
    assert r["cases_per_100_customers"] == pytest.approx(80.0)
    # base (order in [2024-03-03, 2025-03-03)): C1, C2, C5, C6, C7
    # bad rated case: C2 (S4 rated 2), active -> 1/1
    # no case open during the period: C5 (S8 resolved before `from`; active), C6, C7 -> 1/3
    # (C1 has S1 and S2)
    sr = r["service_and_retention"]
    assert sr["base_customers"] == 5
    assert sr["bad_rated_case"] == {"customers": 1, "active": 1, "share_active": 1.0}
    assert sr["no_case"] == {"customers": 3, "active": 1, "share_active": pytest.approx(1 / 3)}
    assert sr["difference"] == pytest.approx(2 / 3)


def test_service_kpis_agent_filter(db):
    with db.connect() as conn:
        r = service_kpis(conn, MARCH, Filters(), agent=("AG2",))
        unassigned = service_kpis(conn, MARCH, Filters(), agent="(none)")
    # AG2's cases S3, S5, S8: opened S3, S5; resolved S3; backlog S5; no rating -> null
    assert (r["cases_opened"], r["cases_resolved"], r["backlog"], r["rated_cases"]) == (2, 1, 1, 0)
    assert r["first_response_hours"] == {"n": 2, "median": 9.5, "mean": 9.5, "p90": pytest.approx(16.3)}
    assert r["resolution_hours"] == {"n": 1, "median": 48.0, "mean": 48.0, "p90": 48.0}
    assert (r["csat"], r["avg_satisfaction"]) == (None, None)
    # the agent filter applies to the cases, not to the customers ordering: 2 / 5 · 100
    assert r["cases_per_100_customers"] == pytest.approx(40.0)
    # no AG2 bad rating; without an AG2 case open in the period: C1, C5 (active), C6, C7
    sr = r["service_and_retention"]
    assert sr["bad_rated_case"] == {"customers": 0, "active": 0, "share_active": None}
    assert sr["no_case"] == {"customers": 4, "active": 1, "share_active": 0.25}
    assert sr["difference"] is None
    # (none): S4 only
    assert (unassigned["cases_opened"], unassigned["rated_cases"], unassigned["csat"]) == (1, 1, 0.0)


def test_service_kpis_customer_filters_and_zero_denominators(db):
    with db.connect() as conn:
        nordics = service_kpis(conn, MARCH, Filters(region=("Nordics",)))
        by_deal = service_kpis(conn, MARCH, Filters(owner=("O1",)))
    # C4 only: its case and its order are at `to`
    assert nordics["cases_opened"] == 0
    assert nordics["cases_opened_by"] == {"channel": {}, "category": {}, "priority": {}}
    assert nordics["first_response_hours"] == {"n": 0, "median": None, "mean": None, "p90": None}
    assert (nordics["csat"], nordics["avg_satisfaction"]) == (None, None)
    assert (nordics["customers_ordering_12m"], nordics["cases_per_100_customers"]) == (0, None)
    assert nordics["service_and_retention"] == {
        "base_customers": 0, "bad_rated_case": {"customers": 0, "active": 0, "share_active": None},
        "no_case": {"customers": 0, "active": 0, "share_active": None}, "difference": None}
    # the deal of owner O1 keeps C2: S3 and S4
    assert (by_deal["cases_opened"], by_deal["cases_resolved"], by_deal["customers_ordering_12m"]) == (2, 2, 1)


def test_twelve_calendar_months_in_the_reporting_time_zone(db):
    berlin = Period(date(2025, 3, 3), date(2025, 3, 17), "Europe/Berlin")
    with db.connect() as conn:
        r = service_kpis(conn, berlin, Filters())
    # [2024-03-17 00:00, 2025-03-17 00:00) Berlin = [2024-03-16 23:00, 2025-03-16 23:00) UTC:
    # C7's order at 2024-03-16 23:30 UTC now counts: C1, C2, C3, C5, C6, C7
    assert r["customers_ordering_12m"] == 6


def test_service_trend_by_monday_week(db):
    with db.connect() as conn:
        weeks = service_trend(conn, MARCH, Filters())
        cut = service_trend(conn, Period(date(2025, 3, 5), date(2025, 3, 12), "UTC"), Filters())
    # week of 03-03: opened S2, S3; resolved S2, S3; open at 03-10: S1, S6
    # week of 03-10: opened S4, S5; resolved S4, S6; open at 03-17: S1, S5
    assert weeks == [{"week": "2025-03-03", "opened": 2, "resolved": 2, "backlog": 2},
                     {"week": "2025-03-10", "opened": 2, "resolved": 2, "backlog": 2}]
    # [03-05, 03-12): the weeks are cut to the period: S2 (03-03) is not counted, S6's
    # resolution at 03-12 is at `to` (still open at the end)
    assert cut == [{"week": "2025-03-03", "opened": 1, "resolved": 1, "backlog": 2},
                   {"week": "2025-03-10", "opened": 1, "resolved": 1, "backlog": 2}]


def test_service_by_priority_and_agent(db):
    with db.connect() as conn:
        prio = service_by(conn, MARCH, Filters(), by="priority")
        agents = service_by(conn, MARCH, Filters(), by="agent")
        with pytest.raises(ValueError):
            service_by(conn, MARCH, Filters(), by="category")
    # normal: S2 opened (2 h; 24 h, rated 5), S6 resolved only (480 h, rated 4)
    #   resolution median (24 + 480)/2 = 252, p90 24 + 0.9·456 = 434.4
    # low: S5 opened, not resolved; (none): S3 (1 h; 48 h, unrated), S4 (12 h, rated 2)
    assert [p["value"] for p in prio] == ["normal", "low", "(none)"]
    normal, low, none = prio
    assert (normal["cases"], normal["resolved"], normal["rated"]) == (1, 2, 2)
    assert (normal["first_response_median"], normal["first_response_p90"]) == (2.0, 2.0)
    assert normal["resolution_median"] == 252.0
    assert normal["resolution_p90"] == pytest.approx(434.4)
    assert normal["csat"] == 1.0
    assert (low["cases"], low["first_response_median"], low["resolution_median"], low["csat"]) \
        == (1, 18.0, None, None)
    assert (none["cases"], none["resolution_median"], none["csat"]) == (2, 30.0, 0.0)
    assert none["resolution_p90"] == pytest.approx(44.4)
    # agents: AG1 Agnes (S2, S6), AG2 Bert (S3, S5), (none) (S4)
    assert [(a["value"], a["label"], a["cases"], a["resolved"]) for a in agents] == [
        ("AG1", "Agnes", 1, 2), ("AG2", "Bert", 2, 1), ("(none)", "(none)", 1, 1)]


def test_csat_trend_by_month(db):
    with db.connect() as conn:
        r = csat_trend(conn, Period(date(2025, 2, 1), date(2025, 3, 17), "UTC"), Filters())
    # February: S8 resolved without a rating -> null; March: S2 5, S4 2, S6 4
    assert r == [{"month": "2025-02", "rated": 0, "csat": None, "avg_satisfaction": None},
                 {"month": "2025-03", "rated": 3, "csat": pytest.approx(2 / 3),
                  "avg_satisfaction": pytest.approx(11 / 3)}]


def test_cases_list_drill_downs(db):
    def ids(**kw):
        df, total = cases_list(conn, MARCH, Filters(), sort=[("case_id", "asc")], **kw)
        assert len(df) == total
        return list(df["case_id"])

    with db.connect() as conn:
        assert ids(kind="opened") == ["S2", "S3", "S4", "S5"]
        assert ids(kind="resolved") == ["S2", "S3", "S4", "S6"]
        assert ids(kind="backlog") == ["S1", "S5"]
        assert ids(kind="rated") == ["S2", "S4", "S6"]
        assert ids(kind="opened", priority="(none)") == ["S3", "S4"]
        assert ids(kind="opened", channel=("email", "web")) == ["S3", "S5"]
        assert ids(kind="opened", agent=("AG2",)) == ["S3", "S5"]
        assert ids(kind="opened", week="2025-03-10") == ["S4", "S5"]
        assert ids(kind="backlog", week="2025-03-03") == ["S1", "S6"]
        df, _ = cases_list(conn, MARCH, Filters(), kind="resolved", limit=1)
        with pytest.raises(ListError):
            cases_list(conn, MARCH, Filters(), week="2025-03-04")
        with pytest.raises(ListError):
            cases_list(conn, MARCH, Filters(), kind="closed")
    # default order: opened_at descending; hours computed per case
    row = df.iloc[0]
    assert (row["case_id"], row["agent_name"], row["resolution_hours"]) == ("S4", None, 12.0)


WORKED = {"2025": (Period(date(2025, 1, 1), date(2026, 1, 1), "UTC"), Filters()),
          "2025q2_region_DACH": (Period(date(2025, 4, 1), date(2025, 7, 1), "UTC"),
                                 Filters(region=("DACH",)))}


def _approx_tree(x):
    if isinstance(x, dict):
        return {k: _approx_tree(v) for k, v in x.items()}
    if isinstance(x, float):
        return pytest.approx(x, rel=1e-9)
    return x


@pytest.mark.parametrize("name", sorted(WORKED))
def test_worked_example_service(worked_db, name):
    period, filters = WORKED[name]
    exp = expected(name)["service"]
    with worked_db.connect() as conn:
        r = service_kpis(conn, period, filters)
        trend = service_trend(conn, period, filters)
    assert r == _approx_tree(exp)
    # the weeks add up to the period's numbers and end at its backlog
    assert sum(w["opened"] for w in trend) == exp["cases_opened"]
    assert sum(w["resolved"] for w in trend) == exp["cases_resolved"]
    assert trend[-1]["backlog"] == exp["backlog"]
