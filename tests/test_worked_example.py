"""The worked example of METRICS.md (tests/fixtures/worked_example, from shared/examples/small):
imported from CSV, every number the JSON API returns must equal the independently computed
expected numbers, on SQLite and on PostgreSQL, for both example periods.
"""
import math

import pytest

from app import create_app
from settings import Settings
from tests.conftest import expected

CASES = {
    "2025": "from=2025-01-01&to=2026-01-01",
    "2025q2_region_DACH": "from=2025-04-01&to=2025-07-01&region=DACH",
}
MODELS = ("first_touch", "last_touch", "linear", "time_decay", "position_based", "markov", "shapley")


@pytest.fixture(scope="module")
def api(worked_db):
    settings = Settings(database_url=worked_db.url.render_as_string(hide_password=False), report_tz="UTC")
    client = create_app(settings, with_dashboard=False).test_client()

    def get(path, case, extra=""):
        resp = client.get(f"/api/v1{path}?{CASES[case]}{extra}")
        assert resp.status_code == 200, resp.get_data(as_text=True)
        return resp.get_json()
    return get


def assert_same(got, want, where=""):
    """Counts equal, other numbers equal to 1e-9 relative (METRICS.md §0), nulls null."""
    if isinstance(want, dict):
        assert isinstance(got, dict), where
        for k, v in want.items():
            assert k in got, f"{where}.{k} missing"
            assert_same(got[k], v, f"{where}.{k}")
    elif isinstance(want, list):
        assert len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want)):
            assert_same(g, w, f"{where}[{i}]")
    elif isinstance(want, float) or isinstance(got, float):
        assert got is not None and math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9), f"{where}: {got} != {want}"
    else:
        assert got == want, f"{where}: {got!r} != {want!r}"


@pytest.mark.parametrize("case", CASES)
def test_funnel(api, case):
    want = expected(case)["funnel"]
    got = api("/funnel", case)
    assert_same(got["cohort_deals"], want["cohort_deals"], "cohort_deals")
    assert_same(got["stages"], want["stages"], "stages")


@pytest.mark.parametrize("case", CASES)
def test_sales_cycle_kpis(api, case):
    want = dict(expected(case)["kpis"])
    got = api("/kpis", case)
    assert_same(got["time_in_stage"] if "time_in_stage" in got else api("/time-in-stage", case)["time_in_stage"],
                want.pop("time_in_stage"), "time_in_stage")
    forecast = {r["month"]: r["weighted_amount"] for r in api("/forecast", case)["forecast"]}
    want_forecast = want.pop("forecast")
    assert set(forecast) == set(want_forecast)
    assert_same(forecast, want_forecast, "forecast")
    assert_same({k: got["target_attainment"][k] for k in want["target_attainment"]},
                want.pop("target_attainment"), "target_attainment")
    assert_same(got, want, "kpis")


@pytest.mark.parametrize("case", CASES)
def test_lifecycle(api, case):
    want = expected(case)["lifecycle"]
    migration = api("/lifecycle/migration", case)
    assert_same(migration["matrix"], want["migration"]["matrix"], "matrix")
    assert_same(migration["counts_t0"], want["migration"]["counts_t0"], "counts_t0")
    assert_same(api("/kpis", case)["new_leads"], want["new_leads"], "new_leads")
    assert_same(api("/lead-conversion", case), want["lead_conversion"], "lead_conversion")
    assert_same(api("/activity-lifecycle", case)["months"], want["activity_lifecycle"], "activity_lifecycle")


@pytest.mark.parametrize("case", CASES)
def test_migration_drill_down_matches_cell(api, case):
    want = expected(case)["lifecycle"]["migration"]["matrix"]
    for a, row in want.items():
        for b, n in row.items():
            if n:
                body = api("/lifecycle/migration/customers", case, f"&from_stage={a}&to_stage={b}&limit=1000")
                assert body["total"] == n == len(body["rows"]), (a, b)


@pytest.mark.parametrize("case", CASES)
def test_campaigns(api, case):
    want = expected(case)["campaigns"]
    got = {r["campaign_id"]: r for r in api("/campaigns", case)["campaigns"]}
    assert set(got) == set(want)
    assert_same(got, want, "campaigns")


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("model", MODELS)
def test_attribution_models(api, case, model):
    want = expected(case)["attribution"]
    got = api("/attribution", case, f"&model={model}")
    for key in ("total_conversions", "total_value", "unattributed_conversions", "unattributed_value",
                "converting_journeys", "non_converting_journeys"):
        assert_same(got[key], want[key], key)
    assert_same(got["by_key"], want["models"][model], model)


@pytest.mark.parametrize("case", CASES)
def test_funnel_drill_down_counts_equal_funnel_numbers(api, case):
    for s in expected(case)["funnel"]["stages"]:
        body = api("/funnel/deals", case, f"&stage={s['stage']}&limit=0")
        assert body["total"] == s["reached"]
        if s["dropped_lost"] is not None:
            body = api("/funnel/deals", case, f"&stage={s['stage']}&kind=dropped_lost&limit=0")
            assert body["total"] == s["dropped_lost"]


@pytest.mark.parametrize("case", CASES)
def test_markov_chain_details(api, case):
    want = expected(case)["attribution"]["markov"]
    got = api("/attribution", case, "&model=markov")["markov"]
    assert_same(got["p_conversion"], want["p_conversion"], "p_conversion")
    assert_same(got["removal_effects"], want["removal_effects"], "removal_effects")
    assert_same(got["transition_probs"], want["transition_probs"], "transition_probs")


@pytest.mark.parametrize("case", CASES)
def test_customers_section(api, case):
    want = expected(case)["customers"]
    rfm = api("/customers/rfm", case)
    assert rfm["customers"] == want["rfm"]["customers"]
    assert_same(rfm["score_counts"], {k: {str(s): n for s, n in v.items()} for k, v in want["rfm"]["score_counts"].items()},
                "score_counts")
    segs = api("/customers/segments", case)["segments"]
    assert {k: v["customers"] for k, v in segs.items()} == want["segments"]
    assert_same(api("/customers/pareto", case), want["pareto"], "pareto")
    assert_same(api("/customers/clv", case)["historical_clv"], want["historical_clv"], "historical_clv")
    assert_same(api("/customers/cohorts", case)["cohorts"], want["cohort_retention"], "cohort_retention")


@pytest.mark.parametrize("case", CASES)
def test_rfm_drill_down_per_customer(api, case):
    want = expected(case)["customers"]["rfm"]["per_customer"]
    rows = api("/customers/rfm/customers", case, "&limit=10000")["rows"]
    got = {r["customer_id"]: [r["recency_days"], r["frequency"], r["monetary"], r["r"], r["f"], r["m"]] for r in rows}
    assert_same(got, want, "per_customer")


@pytest.mark.parametrize("case", CASES)
def test_experiments_section(api, case):
    want = expected(case)["experiments"]
    got = api("/experiments", case)["experiments"]
    assert set(got) == set(want)
    for exp_id, variants in want.items():
        assert_same(got[exp_id]["variants"], variants, exp_id)


@pytest.mark.parametrize("case", CASES)
def test_service_section(api, case):
    assert_same(api("/service", case), expected(case)["service"], "service")
