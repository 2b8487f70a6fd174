"""Sales-cycle KPIs (METRICS.md §2) on the hand-built pipeline of tests/pipeline_dataset.py."""
from datetime import date

import pytest

from queries import cycle
from queries.filters import Filters
from queries.period import Period
from queries.targets import target_attainment, target_for
from tests.conftest import ENGINES, load_rows
from tests.pipeline_dataset import JAN, ROWS


@pytest.fixture(scope="module", params=ENGINES)
def conn(request, fresh_db):
    eng = fresh_db.make(request.param)
    load_rows(eng, ROWS)
    with eng.connect() as c:
        yield c
    eng.dispose()


def test_closed_deal_kpis(conn):
    k = cycle.closed_deal_stats(conn, JAN, Filters())[None]
    # closed in January: won d1 (100), d6 (200), d7 (70, created in December); lost d2, d4, d8
    assert (k["won_deals"], k["lost_deals"], k["won_revenue"]) == (3, 3, 370.0)
    assert k["win_rate"] == 0.5
    assert k["avg_deal_size"] == pytest.approx(370 / 3)
    # cycles: d1 10 days, d6 10 days, d7 20 days
    assert k["cycle_days_median"] == 10 and k["cycle_days_mean"] == pytest.approx(40 / 3)


def test_open_and_weighted_pipeline_use_stage_at_to(conn):
    p = cycle.open_pipeline(conn, JAN, Filters())[None]
    # open at 1 Feb: d3 (Qualified), d5 (Lead and Qualified at the same instant: Qualified wins the tie)
    assert p["open_deals"] == 2 and p["open_pipeline"] == 30.0
    assert p["weighted_pipeline"] == pytest.approx(10 * 0.25 + 20 * 0.25)
    assert p["stale_deals"] == 0           # last activity 28 and 21.5 days before 1 Feb
    assert cycle.open_pipeline(conn, JAN, Filters(), stale_days=25)[None]["stale_deals"] == 1  # d3


def test_deal_closed_exactly_at_to_was_still_open_at_to(conn):
    # just before 11 January: d1 (closes 01-11 00:00, not before `to`) is open in Proposal,
    # d3 Qualified, d4 Qualified (moved back on 01-08), d5 Qualified (tie at 01-10 12:00);
    # d2 (closed 01-05) and d7 (closed 01-09) are not open.
    p = cycle.open_pipeline(conn, Period(date(2025, 1, 1), date(2025, 1, 11), "UTC"), Filters())[None]
    assert p["open_deals"] == 4
    assert p["weighted_pipeline"] == pytest.approx(100 * 0.5 + 10 * 0.25 + 40 * 0.25 + 20 * 0.25)


def test_deal_created_exactly_at_to_is_not_open_yet(conn):
    # to = 10 January 00:00 = d5's created_at: "open at t" needs created_at < t
    p = cycle.open_pipeline(conn, Period(date(2025, 1, 1), date(2025, 1, 10), "UTC"), Filters())[None]
    assert p["open_deals"] == 3  # d1, d3, d4


def test_sales_velocity(conn):
    k = cycle.kpis(conn, JAN)
    # 2 open × 0.5 × 370/3 / (40/3) = 9.25 € per day
    assert k["sales_velocity"] == pytest.approx(9.25)


def test_sales_velocity_is_null_when_a_factor_is_null():
    assert cycle.sales_velocity(3, None, 100.0, 10.0) is None
    assert cycle.sales_velocity(3, 0.5, 100.0, 0.0) is None


def test_time_in_stage_counts_real_rows_only_and_keeps_open_stays_apart(conn):
    t = cycle.time_in_stage(conn, JAN)
    # Lead stays: d1 2, d2 3 (until closed), d4 1, d5 0 (tie → Qualified next), d8 1
    assert t["Lead"]["n"] == 5 and t["Lead"]["median_days"] == 1 and t["Lead"]["mean_days"] == pytest.approx(1.4)
    # Qualified: d4 12 days until its Lost row; d3 (28 days) and d5 (21.5 days) still there at 1 Feb
    assert (t["Qualified"]["n"], t["Qualified"]["mean_days"]) == (1, 12)
    assert t["Qualified"]["still_in_stage"] == 2
    assert t["Qualified"]["still_in_stage_mean_age_days"] == pytest.approx(24.75)
    # Proposal: d1 8 days until closed, d4 2 days until the backward move
    assert (t["Proposal"]["n"], t["Proposal"]["median_days"]) == (2, 5)
    # Negotiation: d8 2 days (its Won row does not count) and 3 days
    assert (t["Negotiation"]["n"], t["Negotiation"]["mean_days"]) == (2, 2.5)


def test_forecast_by_expected_close_month(conn):
    f = {r["month"]: r for r in cycle.forecast(conn, JAN)}
    assert f["2025-02"]["amount"] == 20.0 and f["2025-02"]["weighted_amount"] == pytest.approx(5.0)
    assert f["none"]["amount"] == 10.0 and f["none"]["deals"] == 1


def test_cycle_histogram_and_drill_down_agree(conn):
    bins = cycle.cycle_length_histogram(conn, JAN, bin_days=7)
    assert bins == [{"bin_start_days": 7, "bin_end_days": 14, "deals": 2},
                    {"bin_start_days": 14, "bin_end_days": 21, "deals": 1}]
    # whole days on every engine (DuckDB's FLOOR(a / b) would give 7.0: queries/duckdb_support.py)
    assert all(type(b["bin_start_days"]) is int for b in bins)
    df, total = cycle.deals_list(conn, JAN, kind="won", cycle_min_days=7, cycle_max_days=14)
    assert total == 2 and sorted(df.deal_id) == ["d1", "d6"]


def test_drill_downs_of_kpis(conn):
    assert sorted(cycle.deals_list(conn, JAN, kind="lost")[0].deal_id) == ["d2", "d4", "d8"]
    assert sorted(cycle.deals_list(conn, JAN, kind="open")[0].deal_id) == ["d3", "d5"]
    assert list(cycle.deals_list(conn, JAN, kind="stale", stale_days=25)[0].deal_id) == ["d3"]
    assert list(cycle.deals_list(conn, JAN, kind="open", expected_close_month="2025-02")[0].deal_id) == ["d5"]


def test_owner_leaderboard(conn):
    rows = {r["owner_id"]: r for r in cycle.owner_leaderboard(conn, JAN)}
    # o1: won d1 + d7 = 170, lost d8; o2: won d6 = 200, lost d2, d4
    assert rows["o1"]["won_revenue"] == 170 and rows["o1"]["win_rate"] == pytest.approx(2 / 3)
    assert rows["o2"]["won_revenue"] == 200 and rows["o2"]["open_pipeline"] == 0
    assert rows["o1"]["open_pipeline"] == 30
    assert rows["o1"]["target"] == 200 and rows["o1"]["attainment"] == pytest.approx(170 / 200)
    assert rows["o2"]["target"] is None


def test_target_exact_period_and_scope(conn):
    assert target_attainment(conn, JAN, kpi="won_revenue", actual=370.0) == {
        "actual": 370.0, "target": 400.0, "attainment": 370 / 400}
    assert target_for(conn, JAN, Filters(region=("DACH",)), "won_revenue") == 300
    assert target_for(conn, JAN, Filters(region=("DACH",), team=("A",)), "won_revenue") is None


def test_target_tiles_months_sums_money_and_averages_rates(conn):
    q1_feb = Period(date(2025, 1, 1), date(2025, 3, 1), "UTC")
    assert target_for(conn, q1_feb, Filters(), "won_revenue") == 900        # 400 + 500
    assert target_for(conn, q1_feb, Filters(), "win_rate") == pytest.approx(0.5)  # (0.4 + 0.6) / 2
    # the quarter row and three month rows both tile Q1: the coarsest class (the quarter) wins
    q1 = Period(date(2025, 1, 1), date(2025, 4, 1), "UTC")
    assert target_for(conn, q1, Filters(), "won_revenue") == 1600
    # a gap (no March win_rate row) means no target
    assert target_for(conn, q1, Filters(), "win_rate") is None


def test_reporting_time_zone_moves_period_edges(fresh_db):
    """A deal created 2024-12-31 23:30 UTC is in January in Berlin (00:30 local), not in UTC."""
    from datetime import datetime
    from queries import funnel
    eng = fresh_db.sqlite()
    rows = {k: v for k, v in ROWS.items() if k in ("owners", "customers")}
    rows["deals"] = [{"deal_id": "x", "customer_id": "c1", "owner_id": "o1", "amount": 1.0,
                      "created_at": datetime(2024, 12, 31, 23, 30), "status": "open", "stage": "Lead"}]
    load_rows(eng, rows)
    with eng.connect() as c:
        assert funnel.funnel(c, Period(date(2025, 1, 1), date(2025, 2, 1), "Europe/Berlin"))["cohort_deals"] == 1
        assert funnel.funnel(c, Period(date(2025, 1, 1), date(2025, 2, 1), "UTC"))["cohort_deals"] == 0
