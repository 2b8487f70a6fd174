"""Funnel (METRICS.md §1) on the hand-built pipeline of tests/pipeline_dataset.py.

Furthest stage per January cohort deal: d1 Won, d2 Lead, d3 Qualified, d4 Proposal
(backward move does not undo Proposal), d5 Qualified, d6 Won, d8 Negotiation (its Won row does
not count: the deal is lost). d7 was created in December and is not in the cohort.
"""
import pytest

from queries import funnel
from queries.filters import Filters
from tests.conftest import ENGINES, load_rows
from tests.pipeline_dataset import JAN, ROWS


@pytest.fixture(scope="module", params=ENGINES)
def conn(request, fresh_db):
    eng = fresh_db.make(request.param)
    load_rows(eng, ROWS)
    with eng.connect() as c:
        yield c
    eng.dispose()


def stages(result):
    return {s["stage"]: s for s in result["stages"]}


def test_reach_counts_skipped_stage_as_passed_and_ignores_reopened_won_row(conn):
    f = funnel.funnel(conn, JAN)
    s = stages(f)
    assert f["cohort_deals"] == 7
    # Qualified: everyone but d2 (d1 skipped it, d6 is won without history) = 6
    assert [s[x]["reached"] for x in ("Lead", "Qualified", "Proposal", "Negotiation", "Won")] == [7, 6, 4, 3, 2]
    # amounts: 450 total; minus d2 (50); d1+d4+d6+d8; d1+d6+d8; d1+d6
    assert [s[x]["reached_amount"] for x in s] == [450.0, 400.0, 370.0, 330.0, 300.0]


def test_step_and_cumulative_conversion(conn):
    s = stages(funnel.funnel(conn, JAN))
    assert s["Lead"]["step"] is None and s["Lead"]["cumulative"] == 1.0
    assert s["Qualified"]["step"] == pytest.approx(6 / 7)
    assert s["Proposal"]["step"] == pytest.approx(4 / 6)
    assert s["Negotiation"]["step"] == pytest.approx(3 / 4)
    assert s["Won"]["step"] == pytest.approx(2 / 3)
    assert s["Won"]["cumulative"] == pytest.approx(2 / 7)
    assert s["Proposal"]["cumulative_amount"] == pytest.approx(370 / 450)


def test_drop_off_split_into_lost_and_open(conn):
    s = stages(funnel.funnel(conn, JAN))
    # Lead: d2 lost. Qualified: d3 and d5 still open. Proposal: d4 lost. Negotiation: d8 lost.
    assert [(s[x]["dropped"], s[x]["dropped_lost"], s[x]["dropped_open"]) for x in s] == [
        (1, 1, 0), (2, 0, 2), (1, 1, 0), (1, 1, 0), (None, None, None)]


def test_time_to_reach_stage(conn):
    s = stages(funnel.funnel(conn, JAN))
    # Lead: d3 needs 1 day (history starts at Qualified), d5 half a day, the rest 0 → 0,0,0,0,0,.5,1
    assert s["Lead"]["time_to_reach_median_days"] == 0
    assert s["Lead"]["time_to_reach_mean_days"] == pytest.approx(1.5 / 7)
    # Proposal: d1 2, d4 1, d6 10 (won without history: closed_at), d8 1 (Negotiation row) → 1,1,2,10
    assert s["Proposal"]["time_to_reach_median_days"] == pytest.approx(1.5)
    assert s["Proposal"]["time_to_reach_mean_days"] == pytest.approx(3.5)
    assert s["Proposal"]["time_to_reach_p75_days"] == pytest.approx(2 + 0.25 * 8)
    # Negotiation: d1 10 (closed_at), d6 10, d8 1
    assert s["Negotiation"]["time_to_reach_median_days"] == pytest.approx(10)
    assert s["Won"]["time_to_reach_mean_days"] == pytest.approx(10)


def test_conversion_window_limits_reach_and_reports_one_drop_number(conn):
    s = stages(funnel.funnel(conn, JAN, window_days=3))
    # within 3 days: Qualified d1,d3,d4,d5,d8; Proposal d1,d4,d8; Negotiation d8; Won none
    assert [s[x]["reached"] for x in s] == [7, 5, 3, 1, 0]
    assert [s[x]["dropped"] for x in s] == [2, 2, 2, 1, None]
    assert s["Lead"]["dropped_lost"] is None and s["Qualified"]["dropped_open"] is None


def test_filters_only_remove_deals(conn):
    assert funnel.funnel(conn, JAN, Filters(region=("DACH",)))["cohort_deals"] == 3      # d1, d3, d6
    assert funnel.funnel(conn, JAN, Filters(team=("B",)))["cohort_deals"] == 3           # d2, d4, d6
    assert funnel.funnel(conn, JAN, Filters(region=("(none)",)))["cohort_deals"] == 2    # d4, d8
    assert funnel.funnel(conn, JAN, Filters(region=("Atlantis",)))["cohort_deals"] == 0


def test_empty_cohort_gives_nulls_not_errors(conn):
    f = funnel.funnel(conn, JAN, Filters(region=("Atlantis",)))
    s = stages(f)
    assert s["Lead"]["reached"] == 0 and s["Lead"]["cumulative"] is None
    assert s["Qualified"]["step"] is None and s["Qualified"]["time_to_reach_median_days"] is None


def test_drill_down_lists_exactly_the_deals_behind_the_number(conn):
    df, total = funnel.funnel_deals(conn, JAN, stage="Proposal")
    assert total == 4 and sorted(df.deal_id) == ["d1", "d4", "d6", "d8"]
    df, total = funnel.funnel_deals(conn, JAN, stage="Qualified", kind="dropped_open")
    assert sorted(df.deal_id) == ["d3", "d5"]
    df, total = funnel.funnel_deals(conn, JAN, stage="Lead", kind="dropped_lost")
    assert list(df.deal_id) == ["d2"] and df.customer_name[0] == "Sørensen AS"
    df, total = funnel.funnel_deals(conn, JAN, stage="Proposal", sort=[("amount", "desc")], limit=2, offset=1)
    assert total == 4 and list(df.deal_id) == ["d1", "d4"]


def test_lost_reasons_of_a_stage(conn):
    assert funnel.lost_reasons(conn, JAN, stage="Proposal") == [{"lost_reason": "timing", "deals": 1}]
    assert funnel.lost_reasons(conn, JAN, stage="Negotiation") == [{"lost_reason": "(none)", "deals": 1}]


def test_breakdown_by_team(conn):
    groups = funnel.funnel_breakdown(conn, JAN, by="team")
    assert set(groups) == {"A", "B"}
    # team A (o1): d1, d3, d5, d8 ; team B (o2): d2, d4, d6
    assert [s["reached"] for s in groups["A"]] == [4, 4, 2, 2, 1]
    assert [s["reached"] for s in groups["B"]] == [3, 2, 2, 1, 1]


def test_unknown_stage_is_rejected(conn):
    with pytest.raises(ValueError, match="unknown stage"):
        funnel.funnel_deals(conn, JAN, stage="Closing")
