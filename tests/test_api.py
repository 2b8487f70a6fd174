"""The JSON API: every endpoint answers with METRICS.md names; bad parameters get HTTP 400."""
import pytest

from api.endpoints import ENDPOINTS
from app import create_app
from settings import Settings
from tests.conftest import ENGINES, load_rows
from tests.pipeline_dataset import ROWS

JAN = "from=2025-01-01&to=2025-02-01"


@pytest.fixture(scope="module", params=ENGINES)
def client(request, fresh_db):
    eng = fresh_db.make(request.param)
    load_rows(eng, ROWS)
    settings = Settings(database_url=eng.url.render_as_string(hide_password=False), report_tz="UTC")
    server = create_app(settings, with_dashboard=False)
    yield server.test_client()
    eng.dispose()


def test_funnel_endpoint_returns_the_hand_derived_numbers(client):
    body = client.get(f"/api/v1/funnel?{JAN}").get_json()
    assert body["cohort_deals"] == 7
    assert [s["reached"] for s in body["stages"]] == [7, 6, 4, 3, 2]
    assert body["stages"][1]["step"] == pytest.approx(6 / 7)
    assert body["data_as_of"] == "2025-01-25T00:00:00Z"  # d6 closed_at, the latest event
    assert body["period"] == {"from": "2025-01-01", "to": "2025-02-01", "time_zone": "UTC"}


def test_kpis_endpoint_uses_metrics_names(client):
    body = client.get(f"/api/v1/kpis?{JAN}").get_json()
    for key in ("won_deals", "lost_deals", "won_revenue", "win_rate", "avg_deal_size", "cycle_days_median",
                "cycle_days_mean", "open_deals", "open_pipeline", "weighted_pipeline", "sales_velocity",
                "stale_deals", "new_leads", "target_attainment"):
        assert key in body
    assert body["won_revenue"] == 370.0 and body["sales_velocity"] == pytest.approx(9.25)
    assert body["target_attainment"]["won_revenue"]["target"] == 400.0


def test_filters_as_query_parameters(client):
    body = client.get(f"/api/v1/funnel?{JAN}&region=DACH").get_json()
    assert body["cohort_deals"] == 3 and body["filters"] == {"region": "DACH"}
    assert client.get(f"/api/v1/funnel?{JAN}&team=A&team=B").get_json()["cohort_deals"] == 7
    assert client.get(f"/api/v1/funnel?{JAN}&region=(none)").get_json()["cohort_deals"] == 2


def test_drill_down_list_with_paging_and_sorting(client):
    body = client.get(f"/api/v1/funnel/deals?{JAN}&stage=Proposal&sort=amount:desc&limit=2").get_json()
    assert body["total"] == 4 and [r["deal_id"] for r in body["rows"]] == ["d6", "d1"]
    assert body["rows"][0]["created_at"] == "2025-01-15T00:00:00Z"
    body = client.get(f"/api/v1/deals?{JAN}&kind=open").get_json()
    assert sorted(r["deal_id"] for r in body["rows"]) == ["d3", "d5"]


@pytest.mark.parametrize("ep", ENDPOINTS, ids=lambda e: e.path)
def test_every_endpoint_answers(client, ep):
    required = {"stage": "Proposal", "by": "team", "from_stage": "lead", "to_stage": "customer",
                "campaign_id": "none", "segment": "loyal", "experiment_id": "none"}
    extra = "".join(f"&{p.name}={required[p.name]}" for p in ep.params if p.required)
    resp = client.get(f"/api/v1{ep.path}?{JAN}{extra}")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert "data_as_of" in resp.get_json()


@pytest.mark.parametrize("query, param", [
    ("from=2025-13-01&to=2026-01-01", "from"),
    ("from=2025-02-01&to=2025-01-01", "to"),
    ("from=2025-01-01", "to"),
    ("frm=2025-01-01", "frm"),
    (f"{JAN}&window_days=abc", "window_days"),
    (f"{JAN}&window_days=-1", "window_days"),
])
def test_bad_parameters_get_400_naming_the_parameter(client, query, param):
    resp = client.get(f"/api/v1/funnel?{query}")
    assert resp.status_code == 400
    body = resp.get_json()
    assert body["parameter"] == param and param.strip("&") in body["error"]


@pytest.mark.parametrize("url, phrase", [
    (f"/api/v1/funnel/deals?{JAN}", "'stage' is required"),
    (f"/api/v1/funnel/deals?{JAN}&stage=Closing", "unknown stage"),
    (f"/api/v1/funnel/deals?{JAN}&stage=Lead&kind=gone", "must be one of"),
    (f"/api/v1/funnel/deals?{JAN}&stage=Lead&limit=100000", "must be ≤"),
    (f"/api/v1/funnel/deals?{JAN}&stage=Lead&sort=password", "cannot sort by"),
    (f"/api/v1/funnel/breakdown?{JAN}&by=shoe_size", "must be one of"),
    (f"/api/v1/campaigns?{JAN}&model=astrology", "must be one of"),
    (f"/api/v1/deals?{JAN}&kind=open&expected_close_month=2025-13", "month"),
    (f"/api/v1/deals?{JAN}&month=January", "month"),
])
def test_bad_values_get_400_with_a_reason(client, url, phrase):
    resp = client.get(url)
    assert resp.status_code == 400, resp.get_data(as_text=True)
    assert phrase in resp.get_json()["error"]


def test_injection_attempts_are_data(client):
    resp = client.get(f"/api/v1/funnel?{JAN}&region=' OR 1=1; DROP TABLE deals; --")
    assert resp.status_code == 200 and resp.get_json()["cohort_deals"] == 0
    assert client.get(f"/api/v1/funnel?{JAN}").get_json()["cohort_deals"] == 7


def test_openapi_document_describes_every_endpoint(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert set(doc["paths"]) == {"/api/v1" + e.path for e in ENDPOINTS} | {"/api/v1/events"}   # POST
    names = {p["name"] for p in doc["paths"]["/api/v1/funnel/deals"]["get"]["parameters"]}
    assert {"from", "to", "region", "stage", "kind", "limit", "offset", "sort"} <= names


def test_unknown_endpoint_and_write_methods(client):
    assert client.get("/api/v1/nope").status_code == 404
    assert client.post(f"/api/v1/funnel?{JAN}").status_code == 405
