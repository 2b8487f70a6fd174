"""The sales-cycle page: figure and grid builders from hand-built dicts, and the page's callbacks
through Dash's HTTP endpoint on the hand-built pipeline (tests/pipeline_dataset.py).

January 2025 of pipeline_dataset, derived by hand:
    closed in January: won d1 (100, 10 days), d6 (200, 10 days), d7 (70, 20 days); lost d2, d4, d8
    open at 1 Feb: d3 (Qualified, no expected close), d5 (Qualified, expected 2025-02-15)
    owners: o1 Anna Müller won d1 + d7 = 170 against an owner:o1 target of 200; o2 won d6
"""
import json

import pytest
from sqlalchemy import text

from dashboard.formatting import Formatter
from dashboard.pages import _cycle_figures as cf
from tests.pipeline_dataset import ROWS
from tests.test_dashboard_funnel_page import _app, _entry, call

JAN = "?preset=custom&from=2025-01-01&to=2025-02-01"
FEB = "?preset=custom&from=2025-02-01&to=2025-03-01"
STAGES = ["Lead", "Qualified", "Proposal", "Negotiation"]

TREND = [
    {"month": "2025-01", "won_deals": 3, "lost_deals": 3, "win_rate": 0.5, "cycle_days_median": 10.0,
     "cycle_days_mean": 40 / 3, "won_revenue": 370.0, "avg_deal_size": 370 / 3, "new_leads": 0},
    {"month": "2025-02", "won_deals": 0, "lost_deals": 0, "win_rate": None, "cycle_days_median": None,
     "cycle_days_mean": None, "won_revenue": 0.0, "avg_deal_size": None, "new_leads": 0},
]


# --- figures ----------------------------------------------------------------------------------
def test_trend_points_carry_their_month_and_the_win_rate_hover_names_won_and_lost():
    fig = cf.trend_figure(TREND, Formatter("de"), "de")
    assert [list(c) for c in fig.data[0].customdata] == [["2025-01"], ["2025-02"]]
    assert list(fig.data[0].x) == ["Jan<br>2025", "Feb<br>2025"]
    rate = fig.data[2]
    assert rate.hovertext[0] == "Abschlussquote: 50,0\u00a0% (3 gewonnen · 3 verloren)"
    assert rate.hovertext[1].startswith("Abschlussquote: –")       # null, not 0
    assert fig.layout.yaxis2.tickformat == ".0%"


def test_trend_without_closed_deals_is_the_empty_state():
    fig = cf.trend_figure(TREND[1:], Formatter("en"), "en")
    assert "No deals in this selection" in fig.layout.annotations[0].text


def test_histogram_bins_span_their_days_and_drill_by_range():
    bins = [{"bin_start_days": 7, "bin_end_days": 14, "deals": 2}, {"bin_start_days": 14, "bin_end_days": 21, "deals": 1}]
    fig = cf.histogram_figure(bins, Formatter("en"), "en")
    bar = fig.data[0]
    assert list(bar.x) == [10.5, 17.5] and list(bar.y) == [2, 1]
    assert [list(c) for c in bar.customdata] == [[7, 14], [14, 21]]
    assert bar.hovertext[0] == "<b>7–14 days</b><br>2 won deals"
    assert cf.clicked_bin({"points": [{"customdata": [7, 14]}]}) == (7.0, 14.0)
    assert cf.clicked_bin({"points": [{}]}) is None


def test_time_in_stage_shows_finished_stays_and_still_in_stage_per_stage():
    tis = {s: {"n": 0, "mean_days": None, "median_days": None, "still_in_stage": 0,
               "still_in_stage_mean_age_days": None, "still_in_stage_median_age_days": None} for s in STAGES}
    tis["Lead"].update(n=4, mean_days=2.5, median_days=2.0)
    tis["Qualified"].update(still_in_stage=2, still_in_stage_mean_age_days=24.75, still_in_stage_median_age_days=24.75)
    fig = cf.time_in_stage_figure(tis, STAGES, Formatter("en"), "en")
    median, mean, still = fig.data
    assert list(median.y) == STAGES and list(median.x) == [2.0, None, None, None] and mean.x[0] == 2.5
    assert list(still.x) == [0, 2, 0, 0] and list(still.customdata[1]) == ["Qualified"]
    assert "2 still in stage, age median 24.8\u00a0days" in still.hovertext[1]


def test_forecast_labels_no_date_and_shades_overdue_months():
    rows = [{"month": "2024-12", "deals": 1, "amount": 10.0, "weighted_amount": 2.5},
            {"month": "2025-02", "deals": 1, "amount": 20.0, "weighted_amount": 5.0},
            {"month": "none", "deals": 1, "amount": 10.0, "weighted_amount": 2.5}]
    fig = cf.forecast_figure(rows, Formatter("de"), "de", current_month="2025-01")
    amount, weighted = fig.data
    assert list(amount.x)[-1] == "Ohne<br>Datum" and [list(c) for c in amount.customdata][-1] == ["none"]
    assert list(weighted.y) == [2.5, 5.0, 2.5]
    assert "(überfällig)" in amount.hovertext[0] and "überfällig" not in amount.hovertext[1]
    assert len(fig.layout.shapes) == 1 and fig.layout.shapes[0].x1 == 0.5   # only December is overdue
    assert "20\u00a0€" in amount.hovertext[1]


def test_leaderboard_rows_and_columns():
    rows = cf.leaderboard_rows([{"owner_id": "o1", "owner_name": "Anna Müller", "team": "A", "won_revenue": 170.0,
                                 "attainment": 0.85, "extra": 1}], "de")
    assert rows == [{"owner_id": "o1", "owner_name": "Anna Müller", "team": "A", "won_revenue": 170.0,
                     "won_deals": None, "win_rate": None, "avg_deal_size": None, "cycle_days_median": None,
                     "open_pipeline": None, "target": None, "attainment": 0.85, "filter": "Filtern"}]
    defs = {d["field"]: d for d in cf.leaderboard_column_defs("de", "EUR")}
    assert defs["won_revenue"]["headerName"] == "Gewonnener Umsatz"
    assert "\u00a0€'" in defs["won_revenue"]["valueFormatter"]["function"]  # whole euros, German style
    assert defs["attainment"]["cellStyle"]["styleConditions"][0]["condition"].endswith(">= 1")
    assert defs["filter"]["pinned"] == "right"


# --- the page in the app ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def client(tmp_path_factory):
    c = _app(tmp_path_factory, "cycle_page", ROWS)
    yield c
    c.engine.dispose()


def _draw(client, graph, search):
    resp = call(client, [f"{graph}.figure"], [(graph, "figure")],
                [_entry("url", "search", search), _entry("data-version", "data")], changed=["url.search"])
    return resp[graph]["figure"]


def test_layout_renders_in_german(client):
    resp = call(client, ["_pages_content.children"], [("_pages_content", "children"), ("_pages_store", "data")],
                [_entry("_pages_location", "pathname", "/cycle"), _entry("_pages_location", "search", JAN + "&lang=de")],
                changed=["_pages_location.pathname"])
    page = json.dumps(resp, ensure_ascii=False)
    for words in ("Verkaufszyklus", "Verweildauer pro Stufe", "Rangliste der Verantwortlichen", "Liegengebliebene Deals"):
        assert words in page


def test_the_period_under_the_title_follows_the_url(client):
    resp = call(client, ["cycle-subtitle.children"], [("cycle-subtitle", "children")],
                [_entry("url", "search", FEB + "&lang=de")], changed=["url.search"])
    assert resp["cycle-subtitle"]["children"] == "01.02.2025 – 28.02.2025"


def test_charts_draw_the_hand_derived_numbers(client):
    trend = _draw(client, "cycle-trend", JAN)
    assert trend["data"][2]["y"] == [0.5] and trend["data"][0]["y"] == [10.0]     # one month, median 10 days
    hist = _draw(client, "cycle-histogram", JAN)
    assert hist["data"][0]["y"] == [2, 1] and hist["data"][0]["customdata"] == [[7, 14], [14, 21]]
    forecast = _draw(client, "cycle-forecast", JAN)
    assert forecast["data"][0]["customdata"] == [["2025-02"], ["none"]] and forecast["data"][0]["y"] == [20.0, 10.0]
    tis = _draw(client, "cycle-time-in-stage", JAN)
    assert tis["data"][2]["x"] == [0, 2, 0, 0]   # d3 and d5 still in Qualified at 1 Feb


def test_leaderboard_has_target_attainment(client):
    resp = call(client, ["cycle-leaderboard.children"], [("cycle-leaderboard", "children")],
                [_entry("url", "search", JAN), _entry("data-version", "data")], changed=["url.search"])
    rows = {r["owner_id"]: r for r in resp["cycle-leaderboard"]["children"]["props"]["rowData"]}
    assert rows["o1"]["won_revenue"] == 170.0 and rows["o1"]["attainment"] == pytest.approx(0.85)
    assert rows["o2"]["won_revenue"] == 200.0 and rows["o2"]["attainment"] is None


def test_stale_list_names_its_rule_and_count(client):
    resp = call(client, ["cycle-stale.children"], [("cycle-stale", "children"), ("cycle-stale-head", "children"),
                                                    ("cycle-stale-all", "disabled")],
                [_entry("url", "search", FEB), _entry("data-version", "data")], changed=["url.search"])
    # open at 1 Mar: d3 (last entry 4 Jan, 56 days) and d5 (10 Jan, 50 days) -> both stale (> 30 days)
    assert {r["deal_id"] for r in resp["cycle-stale"]["children"]["props"]["rowData"]} == {"d3", "d5"}
    assert resp["cycle-stale-head"]["children"].endswith("· 2 deals")
    assert resp["cycle-stale-all"]["disabled"] is False


def _drill(client, trigger, value):
    inputs = [_entry(i, "clickData") for i in ("cycle-trend", "cycle-histogram", "cycle-time-in-stage", "cycle-forecast")]
    inputs.append(_entry("cycle-stale-all", "n_clicks", 0))
    for e in inputs:
        if e["id"] == trigger:
            e["value"] = value
    resp = call(client, ['{"panel":"cycle","type":"dd-request"}.data@'], [({"type": "dd-request", "panel": "cycle"}, "data")],
                inputs, state=[_entry("url", "search", JAN)], changed=[f"{trigger}.{inputs[0]['property']}"
                                                                         if trigger != "cycle-stale-all" else "cycle-stale-all.n_clicks"])
    (req,) = resp.values()
    return req["data"]


def _rows(client, req, search=JAN):
    """The deal ids the drill-down panel lists for a request, and its title."""
    pid = {"type": "dd-request", "panel": "cycle"}
    outs = [({"panel": "cycle", "type": t}, p) for t, p in
            (("dd-body", "children"), ("dd-title", "children"), ("dd-collapse", "is_open"),
             ("dd-message", "children"), ("dd-request", "data"))]
    resp = call(client, ['..{"panel":["MATCH"],"type":"dd-body"}.children'], outs,
                [_entry(pid, "data", req), _entry({"panel": "cycle", "type": "dd-close"}, "n_clicks"),
                 _entry("url", "search", search)],
                state=[_entry({"panel": "cycle", "type": "dd-collapse"}, "is_open", False)],
                changed=[json.dumps(pid, separators=(",", ":")) + ".data"])
    by_type = {json.loads(k)["type"]: v for k, v in resp.items()}
    grid = by_type["dd-body"]["children"]["props"]["children"]["props"]
    return {r["deal_id"] for r in grid["rowData"]}, by_type["dd-title"]["children"]


@pytest.mark.parametrize("trigger, point, deals, title", [
    ("cycle-trend", {"customdata": ["2025-01"]}, {"d1", "d2", "d4", "d6", "d7", "d8"}, "Deals closed in January 2025 — 6"),
    ("cycle-histogram", {"customdata": [7, 14]}, {"d1", "d6"}, "Won deals with a cycle of 7–14 days — 2"),
    ("cycle-time-in-stage", {"customdata": ["Qualified"]}, {"d3", "d5"}, "Open in Qualified at the period's end — 2"),
    ("cycle-forecast", {"customdata": ["2025-02"]}, {"d5"}, "Open deals expected to close in February 2025 — 1"),
    ("cycle-forecast", {"customdata": ["none"]}, {"d3"}, "Open deals without an expected close date — 1"),
])
def test_every_chart_drills_into_its_deals(client, trigger, point, deals, title):
    req = _drill(client, trigger, {"points": [point]})
    assert req["source"] == "cycle.deals"
    assert _rows(client, req) == (deals, title)


def test_leaderboard_row_lists_the_owners_won_deals_and_its_filter_cell_filters(client):
    cell = {"rowId": "o1", "colId": "won_revenue", "value": 170.0}
    rows = [{"owner_id": "o1", "owner_name": "Anna Müller"}]
    resp = call(client, ['{"panel":"cycle","type":"dd-request"}.data@'], [({"type": "dd-request", "panel": "cycle"}, "data")],
                [_entry("cycle-leaderboard-grid", "cellClicked", cell)],
                state=[_entry("cycle-leaderboard-grid", "rowData", rows), _entry("url", "search", JAN)],
                changed=["cycle-leaderboard-grid.cellClicked"])
    (req,) = resp.values()
    assert _rows(client, req["data"]) == ({"d1", "d7"}, "Deals won by Anna Müller — 2")
    resp = call(client, ["url.search@"], [("url", "search")],
                [_entry("cycle-leaderboard-grid", "cellClicked", dict(cell, colId="filter"))],
                state=[_entry("url", "search", JAN)], changed=["cycle-leaderboard-grid.cellClicked"])
    assert "owner=o1" in resp["url"]["search"]
    assert call(client, ["url.search@"], [("url", "search")],
                [_entry("cycle-leaderboard-grid", "cellClicked", cell)],
                state=[_entry("url", "search", JAN)], changed=["cycle-leaderboard-grid.cellClicked"]) is None


def test_a_database_error_becomes_an_error_state(tmp_path_factory):
    broken = _app(tmp_path_factory, "cycle_broken", ROWS)
    with broken.engine.begin() as conn:
        conn.execute(text("DROP TABLE deal_stage_history"))
    assert "could not be loaded" in json.dumps(_draw(broken, "cycle-time-in-stage", JAN))
    resp = call(broken, ["cycle-leaderboard.children"], [("cycle-leaderboard", "children")],
                [_entry("url", "search", JAN), _entry("data-version", "data")], changed=["url.search"])
    assert "could not be loaded" in json.dumps(resp)
    broken.engine.dispose()
