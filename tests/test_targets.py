"""Targets over periods made of several target rows (queries/targets.py, METRICS.md §2 target
attainment): which KPIs are summed, averaged, or taken at the period's end. SQLite and
PostgreSQL."""
from datetime import date

import pytest

from queries.filters import Filters
from queries.period import Period
from queries.targets import AT_PERIOD_END_KPIS, RATE_KPIS, target_attainment, target_for
from tests.conftest import ENGINES, load_rows

MONTHS = ((date(2025, 1, 1), date(2025, 2, 1)), (date(2025, 2, 1), date(2025, 3, 1)),
          (date(2025, 3, 1), date(2025, 4, 1)))
#: monthly targets for Q1 2025: a backlog planned to shrink, a ratio, a sum, a pipeline at month end
PLAN = {"backlog": (12.0, 10.0, 8.0), "cases_per_100_customers": (2.0, 2.5, 1.5), "win_rate": (0.4, 0.5, 0.6),
        "won_revenue": (100.0, 200.0, 300.0), "open_pipeline": (5000.0, 6000.0, 7000.0)}
Q1 = Period(date(2025, 1, 1), date(2025, 4, 1), "UTC")
JAN_FEB = Period(date(2025, 1, 1), date(2025, 3, 1), "UTC")


@pytest.fixture(scope="module", params=ENGINES)
def conn(request, fresh_db):
    eng = fresh_db.make(request.param)
    rows = [{"kpi": kpi, "period_start": a, "period_end": b, "scope": "all", "target": t}
            for kpi, values in PLAN.items() for (a, b), t in zip(MONTHS, values)]
    rows.append({"kpi": "backlog", "period_start": date(2025, 1, 1), "period_end": date(2025, 2, 1),
                 "scope": "region:DACH", "target": 3.0})
    load_rows(eng, {"targets": rows})
    with eng.connect() as c:
        yield c
    eng.dispose()


def test_a_point_in_time_kpi_takes_the_target_of_the_month_the_period_ends_with(conn):
    # the backlog at the end of Q1 is measured on 1 April: March's target (8), not 12 + 10 + 8 = 30
    assert target_for(conn, Q1, Filters(), "backlog") == 8.0
    assert target_for(conn, JAN_FEB, Filters(), "backlog") == 10.0
    assert target_for(conn, Q1, Filters(), "open_pipeline") == 7000.0
    assert target_attainment(conn, Q1, kpi="backlog", actual=6)["attainment"] == pytest.approx(6 / 8)
    # a month of its own is its own target, also for a scope
    assert target_for(conn, Period(date(2025, 1, 1), date(2025, 2, 1), "UTC"), Filters(region=("DACH",)),
                      "backlog") == 3.0


def test_cases_per_100_customers_grows_with_the_period_so_its_months_add_up(conn):
    # METRICS §8: cases opened in the period / customers ordering in the 12 months before `to`,
    # not annualised — a quarter counts three months of cases against one customer base
    assert target_for(conn, Q1, Filters(), "cases_per_100_customers") == pytest.approx(6.0)


def test_rates_are_averaged_and_counts_summed_as_before(conn):
    assert target_for(conn, Q1, Filters(), "win_rate") == pytest.approx(0.5)
    assert target_for(conn, Q1, Filters(), "won_revenue") == 600.0
    assert target_for(conn, Q1, Filters(region=("DACH",)), "won_revenue") is None   # no target for the scope


def test_no_kpi_is_both_a_rate_and_measured_at_the_period_end():
    assert not RATE_KPIS & AT_PERIOD_END_KPIS and "backlog" in AT_PERIOD_END_KPIS
