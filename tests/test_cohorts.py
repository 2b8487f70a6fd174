"""Cohort retention by month of first order (METRICS.md §6), on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from queries.cohorts import cohort_retention
from queries.filters import Filters
from queries.period import Period
from tests.conftest import ENGINES, expected, load_rows

# [2025-02-01, 2025-04-15): months Feb, Mar and the partial April
FEB_APR = Period(date(2025, 2, 1), date(2025, 4, 15), "UTC")


def ts(s: str) -> datetime:
    return datetime.fromisoformat(s)


def _customer(cid, region="DACH"):
    return {"customer_id": cid, "name": "Name " + cid, "created_at": ts("2024-01-01"), "region": region}


def _order(oid, cid, at):
    return {"order_id": oid, "customer_id": cid, "ordered_at": ts(at), "revenue": 1.0}


#   K1 first order 01-20 (January cohort), again 02-10
#   K2 first 02-03, again 02-20 (same month) and 04-10
#   K3 first 02-28 23:00 UTC (March 1 in Berlin), again 03-05; its order at `to` is not seen
#   K4 first 03-31 23:30 UTC (April 1 in Berlin), again 04-02
#   K5 (Nordics) first 04-14 00:00
#   K6 only order at `to`: no cohort
ROWS = {
    "customers": [_customer(c) for c in ("K1", "K2", "K3", "K4", "K6")] + [_customer("K5", "Nordics")],
    "orders": [
        _order("k1a", "K1", "2025-01-20T00:00:00"), _order("k1b", "K1", "2025-02-10T00:00:00"),
        _order("k2a", "K2", "2025-02-03T00:00:00"), _order("k2b", "K2", "2025-02-20T00:00:00"),
        _order("k2c", "K2", "2025-04-10T00:00:00"),
        _order("k3a", "K3", "2025-02-28T23:00:00"), _order("k3b", "K3", "2025-03-05T00:00:00"),
        _order("k3c", "K3", "2025-04-15T00:00:00"),
        _order("k4a", "K4", "2025-03-31T23:30:00"), _order("k4b", "K4", "2025-04-02T00:00:00"),
        _order("k5a", "K5", "2025-04-14T00:00:00"),
        _order("k6a", "K6", "2025-04-15T00:00:00"),
    ],
}


@pytest.fixture(scope="module", params=ENGINES)
def db(request, fresh_db):
    eng = fresh_db.make(request.param)
    load_rows(eng, ROWS)
    yield eng
    eng.dispose()


def test_cohort_retention_by_calendar_month_after_the_first_order(db):
    with db.connect() as conn:
        r = cohort_retention(conn, FEB_APR, Filters())
    # Feb: K2, K3 -> March: K3 (1/2), April: K2 (1/2; K3's April order is at `to`)
    # Mar: K4 -> April: K4;  Apr: K5 (month 0 only; April is the month of the last day before `to`)
    # K1's cohort (January) is before the period; K6 has no order before `to`
    assert r == {"2025-02": {"size": 2, "retention": [1.0, 0.5, 0.5]},
                 "2025-03": {"size": 1, "retention": [1.0, 1.0]},
                 "2025-04": {"size": 1, "retention": [1.0]}}


def test_cohort_months_in_the_reporting_time_zone(db):
    berlin = Period(date(2025, 2, 1), date(2025, 4, 15), "Europe/Berlin")
    with db.connect() as conn:
        r = cohort_retention(conn, berlin, Filters())
    # Berlin: K3 starts on March 1 (no order in April before `to`), K4 on April 1 (with K5)
    assert r == {"2025-02": {"size": 1, "retention": [1.0, 0.0, 1.0]},
                 "2025-03": {"size": 1, "retention": [1.0, 0.0]},
                 "2025-04": {"size": 2, "retention": [1.0]}}


def test_cohort_retention_filters_and_empty_cohorts(db):
    with db.connect() as conn:
        nordics = cohort_retention(conn, FEB_APR, Filters(region=("Nordics",)))
        jan = cohort_retention(conn, Period(date(2025, 1, 1), date(2025, 3, 1), "UTC"), Filters())
        may = cohort_retention(conn, Period(date(2025, 5, 1), date(2025, 6, 1), "UTC"), Filters())
    assert nordics == {"2025-04": {"size": 1, "retention": [1.0]}}
    # January: K1 ordered again in February; Feb: K2, K3 (K3's 02-28 23:00 is February in UTC)
    assert jan == {"2025-01": {"size": 1, "retention": [1.0, 1.0]},
                   "2025-02": {"size": 2, "retention": [1.0]}}
    # a month without first orders is no cohort
    assert may == {}


WORKED = {"2025": (Period(date(2025, 1, 1), date(2026, 1, 1), "UTC"), Filters()),
          "2025q2_region_DACH": (Period(date(2025, 4, 1), date(2025, 7, 1), "UTC"),
                                 Filters(region=("DACH",)))}


@pytest.mark.parametrize("name", sorted(WORKED))
def test_worked_example_cohort_retention(worked_db, name):
    period, filters = WORKED[name]
    exp = expected(name)["customers"]["cohort_retention"]
    with worked_db.connect() as conn:
        r = cohort_retention(conn, period, filters)
    assert list(r) == list(exp)
    for month, cohort in exp.items():
        assert r[month]["size"] == cohort["size"], month
        assert r[month]["retention"] == pytest.approx(cohort["retention"], rel=1e-9), month
