"""Campaigns page: table/figure helpers (pure) and the page's callbacks on the worked example.

Page tests drive the callbacks through Dash's HTTP endpoint on the worked example (SQLite,
REPORT_TZ=UTC, period 2025; expected numbers in tests/fixtures/worked_example/expected_2025.json).
"""
import json
import math

import pytest

from dashboard.formatting import Formatter
from dashboard.pages._campaigns_figures import (
    column_defs,
    grid_options,
    grid_rows,
    listed,
    scatter_figure,
    totals,
)
from dashboard.pages._campaigns_texts import PAGE_TEXTS, model_label
from tests.conftest import expected
from tests.dash_client import call, worked_example_client
from tests.dash_client import entry as _entry

EN, DE = Formatter("en"), Formatter("de")


def _row(cid, channel="email", cost=0.0, leads=0, deals=0, won=0, won_revenue=0.0, new_customers=0,
         attributed_revenue=0.0):
    return {"campaign_id": cid, "name": f"Campaign {cid}", "channel": channel, "cost": cost, "leads": leads,
            "deals": deals, "won": won, "won_revenue": won_revenue, "new_customers": new_customers,
            "attributed_revenue": attributed_revenue,
            "roas": attributed_revenue / cost if cost else None,
            "roi": (attributed_revenue - cost) / cost if cost else None,
            "cpl": cost / leads if leads else None, "cac": cost / new_customers if new_customers else None}


# --- pure logic -----------------------------------------------------------------------------
def test_campaigns_without_cost_or_activity_are_left_out_and_counted():
    rows = [_row("A", cost=100.0), _row("B"), _row("C", leads=2), _row("D", attributed_revenue=5.0)]
    shown, hidden = listed(rows)
    assert [r["campaign_id"] for r in shown] == ["A", "C", "D"] and hidden == 1


def test_totals_are_sums_and_ratios_of_the_sums_null_without_a_denominator():
    # cost 100 + 300 = 400; leads 10 + 30 = 40 -> CPL 10; new customers 0 + 2 -> CAC 200;
    # attributed 600 + 200 = 800 -> ROAS 2, ROI (800 - 400) / 400 = 1
    t = totals([_row("A", cost=100.0, leads=10, attributed_revenue=600.0),
                _row("B", cost=300.0, leads=30, new_customers=2, attributed_revenue=200.0)])
    assert (t["cost"], t["leads"], t["new_customers"], t["attributed_revenue"]) == (400.0, 40, 2, 800.0)
    assert (t["cpl"], t["cac"], t["roas"], t["roi"]) == (10.0, 200.0, 2.0, 1.0)
    free = totals([_row("R", leads=5, attributed_revenue=50.0)])       # cost 0: no ratios
    assert (free["cpl"], free["cac"], free["roas"], free["roi"]) == (0.0, None, None, None)


def test_scatter_has_the_break_even_diagonal_and_a_trace_per_channel_with_campaign_ids():
    rows = [_row("A", "email", cost=100.0, attributed_revenue=300.0),
            _row("B", "tv", cost=400.0, attributed_revenue=200.0),
            _row("C", "email", cost=200.0, attributed_revenue=150.0)]
    fig = scatter_figure(rows, EN, "en", model_name="Last touch")
    line = fig.data[0]
    assert list(line.x) == list(line.y) and line.x[0] == 0             # revenue = cost, from 0 (linear)
    assert [t.name for t in fig.data[1:]] == ["Email", "TV"]                 # channels in words (i18n)
    assert [c[0] for c in fig.data[1].customdata] == ["A", "C"] and list(fig.data[1].x) == [100.0, 200.0]
    assert fig.layout.xaxis.type == "linear" and fig.layout.xaxis.range == fig.layout.yaxis.range
    assert "Cost: €100" in fig.data[1].hovertext[0] and "ROAS: 3.00" in fig.data[1].hovertext[0]


def test_scatter_switches_to_log_axes_for_wide_ranges_and_puts_zeros_on_the_edge():
    rows = [_row("A", cost=100.0, attributed_revenue=0.0), _row("B", cost=50_000.0, attributed_revenue=90_000.0)]
    fig = scatter_figure(rows, DE, "de", model_name="Linear")
    pts = fig.data[1]
    floor = 50.0                                         # half the smallest positive value (100)
    assert fig.layout.xaxis.type == "log" and list(pts.y) == [floor, 90_000.0]
    assert fig.layout.xaxis.range[0] == pytest.approx(math.log10(floor / 1.4))
    assert any("Kosten oder Umsatz 0" in a.text for a in fig.layout.annotations)
    assert "Kosten: 100\u00a0€" in pts.hovertext[0] and "beide Achsen logarithmisch" in fig.layout.xaxis.title.text


def test_scatter_without_cost_or_revenue_is_the_empty_state():
    fig = scatter_figure([_row("A", leads=3)], EN, "en", model_name="Last touch")
    assert not fig.data and "No data" in fig.layout.annotations[0].text


def test_grid_columns_are_translated_with_locale_formatters_and_cost_notes():
    de = {d["field"]: d for d in column_defs("de", "EUR")}
    assert de["won_revenue"]["headerName"] == "Gewonnener Umsatz" and de["cost"]["sort"] == "desc"
    assert "fmtNumber(params.value, 'de', 0) + '\u00a0€'" in de["cost"]["valueFormatter"]["function"]
    assert de["roi"]["valueFormatter"]["function"] == "fmtPercent(params.value, 'de')"
    for name in ("cpl", "cac", "roas", "roi"):               # METRICS §4: say cost is not filtered
        assert "nicht nach Filtern aufgeteilt" in de[name]["headerTooltip"]
    en = {d["field"]: d for d in column_defs("en", "EUR")}
    assert "'€' + fmtNumber(params.value, 'en', 0)" in en["attributed_revenue"]["valueFormatter"]["function"]


def test_the_total_row_is_pinned_below_the_campaigns():
    rows = [_row("A", cost=100.0, leads=4), _row("B", cost=50.0, leads=1)]
    pinned = grid_options("en", rows)["pinnedBottomRowData"]
    assert pinned[0]["name"] == "Total" and pinned[0]["cost"] == 150.0 and pinned[0]["cpl"] == 30.0
    assert grid_options("en", [])["pinnedBottomRowData"] == []
    assert set(grid_rows(rows)[0]) >= {"campaign_id", "name", "cost", "cpl", "roas", "roi"}


def test_every_attribution_model_has_a_name_in_both_languages():
    from queries import attribution
    for m in (*attribution.MODELS, "markov", "shapley"):
        assert f"campaigns.model.{m}" in PAGE_TEXTS
    assert model_label("time_decay", "de") == "Zeitverfall" and model_label("some_new_model", "en") == "Some new model"


# --- the page on the worked example ---------------------------------------------------------
SEARCH = "?preset=custom&from=2025-01-01&to=2026-01-01"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return worked_example_client(tmp_path_factory, "campaigns")





DRAW_OUTPUTS = [("campaigns-kpis", "children"), ("campaigns-scatter", "figure"), ("campaigns-grid", "rowData"),
                ("campaigns-grid", "dashGridOptions"), ("campaigns-table-note", "children"),
                ("campaigns-cost-note", "children"), ("campaigns-rows", "data"), ("campaigns-subtitle", "children")]


def _draw(client, search):
    return call(client, ["campaigns-kpis.children"], DRAW_OUTPUTS,
                [_entry("url", "search", search), _entry("data-version", "data", None)], changed=["url.search"])


def test_layout_in_german_and_english_with_the_urls_model(client):
    def page(search):
        resp = call(client, ["_pages_content.children"], [("_pages_content", "children"), ("_pages_store", "data")],
                    [_entry("_pages_location", "pathname", "/campaigns"), _entry("_pages_location", "search", search)],
                    changed=["_pages_location.pathname"])
        return json.dumps(resp, ensure_ascii=False)
    de = page(SEARCH + "&lang=de&model=linear")
    assert "Kampagnen und ROI" in de and "Attributionsmodell" in de and "Zeitverfall" in de
    assert "Markow-Kette" in de and "Shapley" in de
    assert '"value": "linear"' in de
    assert "Campaigns and ROI" in page(SEARCH) and '"value": "last_touch"' in page(SEARCH + "&model=nonsense")


def test_table_rows_are_the_worked_examples_campaigns_with_activity(client):
    want = expected("2025")["campaigns"]
    resp = _draw(client, SEARCH)
    rows = {r["campaign_id"]: r for r in resp["campaigns-grid"]["rowData"]}
    active = {cid for cid, r in want.items() if any(r[c] for c in ("cost", "leads", "deals", "won", "attributed_revenue"))}
    assert set(rows) == active
    for cid in active:
        for col in ("cost", "leads", "won_revenue", "attributed_revenue", "cpl", "cac", "roas", "roi"):
            assert rows[cid][col] == pytest.approx(want[cid][col], rel=1e-9, abs=1e-9), (cid, col)
    hidden = len(want) - len(active)
    assert f"{hidden} campaigns without cost" in json.dumps(resp["campaigns-table-note"])
    assert resp["campaigns-cost-note"]["children"] is None            # no filter: no note
    assert "could not be loaded" not in json.dumps(resp["campaigns-scatter"]["figure"])


def test_with_a_filter_the_page_says_cost_is_not_split(client):
    resp = _draw(client, SEARCH + "&region=DACH&lang=de")
    note = json.dumps(resp["campaigns-cost-note"], ensure_ascii=False)
    assert "nicht nach Region" in note and "CPL, CAC, ROAS und ROI" in note


def test_another_model_changes_attributed_revenue_not_cost(client):
    last = {r["campaign_id"]: r for r in _draw(client, SEARCH)["campaigns-rows"]["data"]}
    first = {r["campaign_id"]: r for r in _draw(client, SEARCH + "&model=first_touch")["campaigns-rows"]["data"]}
    assert all(first[c]["cost"] == last[c]["cost"] for c in last)
    assert any(first[c]["attributed_revenue"] != last[c]["attributed_revenue"] for c in last)


def test_the_model_switch_writes_the_url_and_the_default_leaves_it(client):
    def switch(model, search):
        resp = call(client, ["url.search@", '"campaigns-model","property":"value"'], [("url", "search")],
                    [_entry("campaigns-model", "value", model)], state=[_entry("url", "search", search)],
                    changed=["campaigns-model.value"])
        return resp and resp["url"]["search"]
    assert "model=time_decay" in switch("time_decay", SEARCH)
    assert "model=" not in switch("last_touch", SEARCH + "&model=linear")
    assert switch("no_such_model", SEARCH) is None


def _open(client, rows, point=None, cell=None, selected=None, button=None):
    buttons = [_entry({"type": "campaigns-open", "key": k}, "n_clicks", 1 if k == button else 0)
               for k in ("deals", "won", "touchpoints")] if selected else []
    changed = (["campaigns-scatter.clickData"] if point else ["campaigns-grid.cellClicked"] if cell else
               [json.dumps({"key": button, "type": "campaigns-open"}, separators=(",", ":")) + ".n_clicks"])
    return call(client, ["dd-request", '"campaigns-scatter","property":"clickData"'],
                [({"type": "dd-request", "panel": "campaigns"}, "data"), ("campaigns-selected", "data")],
                [_entry("campaigns-scatter", "clickData", point), _entry("campaigns-grid", "cellClicked", cell), buttons],
                state=[_entry("campaigns-rows", "data", rows), _entry("campaigns-selected", "data", selected),
                       _entry("url", "search", SEARCH)], changed=changed)


def _open_panel(client, req, search):
    panel = lambda t: {"type": t, "panel": "campaigns"}  # noqa: E731
    outputs = [(panel("dd-body"), "children"), (panel("dd-title"), "children"), (panel("dd-collapse"), "is_open"),
               (panel("dd-message"), "children"), (panel("dd-request"), "data")]
    resp = call(client, ['"dd-body"', "children"], outputs,
                [_entry(panel("dd-request"), "data", req), _entry(panel("dd-close"), "n_clicks", None),
                 _entry("url", "search", search)],
                state=[_entry(panel("dd-collapse"), "is_open", False)],
                changed=[json.dumps(panel("dd-request"), separators=(",", ":")) + ".data"])
    by_type = {json.loads(k)["type"]: v for k, v in resp.items()}
    return by_type["dd-title"]["children"], by_type["dd-body"]["children"]["props"]["children"]["props"]["rowData"]


def test_clicking_a_campaign_selects_it_and_lists_its_deals(client):
    want = expected("2025")["campaigns"]["CMP-02"]
    rows = _draw(client, SEARCH)["campaigns-rows"]["data"]
    resp = _open(client, rows, cell={"rowId": "CMP-02", "colId": "name", "rowIndex": 0})
    by_id = {json.loads(k)["type"] if k.startswith("{") else k: v for k, v in resp.items()}
    req = by_id["dd-request"]["data"]
    assert by_id["campaigns-selected"]["data"] == "CMP-02"
    assert req["source"] == "campaigns.deals" and req["params"] == {"campaign_id": "CMP-02", "kind": "deals"}
    title, grid_rows_ = _open_panel(client, req, SEARCH)
    assert title == f"Deals created in the period: Google Ads Brand — {want['deals']}" and len(grid_rows_) == want["deals"]
    # the total row and unknown ids do nothing
    assert _open(client, rows, cell={"rowId": "__total__", "colId": "name", "rowIndex": 0}) is None


def test_a_point_of_a_campaign_without_created_deals_opens_its_won_deals(client):
    want = expected("2025")["campaigns"]["CMP-03"]          # no deals created, one won in 2025
    rows = _draw(client, SEARCH)["campaigns-rows"]["data"]
    resp = _open(client, rows, point={"points": [{"x": 1.0, "y": 1.0, "customdata": ["CMP-03"]}]})
    req = next(v for k, v in resp.items() if "dd-request" in k)["data"]
    assert req["params"] == {"campaign_id": "CMP-03", "kind": "won"}
    title, listed_rows = _open_panel(client, req, SEARCH)
    assert len(listed_rows) == want["won"] and sum(r["amount"] for r in listed_rows) == pytest.approx(want["won_revenue"])


def test_the_touchpoints_button_lists_the_selected_campaigns_touchpoints(client):
    rows = _draw(client, SEARCH)["campaigns-rows"]["data"]
    resp = _open(client, rows, selected="CMP-04", button="touchpoints")
    req = next(v for k, v in resp.items() if "dd-request" in k)["data"]
    assert req["source"] == "campaigns.touchpoints"
    title, touch_rows = _open_panel(client, req, SEARCH)
    count = int(title.rsplit("— ", 1)[1].replace(",", ""))
    assert count == len(touch_rows) > 0 and {"touchpoint_id", "occurred_at", "name"} <= set(touch_rows[0])


def test_the_selected_campaign_card_and_its_cross_filter(client):
    rows = _draw(client, SEARCH)["campaigns-rows"]["data"]
    card = call(client, ["campaigns-detail.children"], [("campaigns-detail", "children")],
                [_entry("campaigns-selected", "data", "CMP-02"), _entry("campaigns-rows", "data", rows)],
                state=[_entry("url", "search", SEARCH + "&lang=de")], changed=["campaigns-selected.data"])
    text = json.dumps(card, ensure_ascii=False)
    assert "Google Ads Brand" in text and "Gewonnene Deals (3) · 41.246\u00a0€" in text
    assert "Dashboard nach dieser Kampagne filtern" in text
    resp = call(client, ["url.search@", '"campaigns-filter-by","property":"n_clicks"'], [("url", "search")],
                [_entry("campaigns-filter-by", "n_clicks", 1)],
                state=[_entry("campaigns-selected", "data", "CMP-02"), _entry("url", "search", SEARCH)],
                changed=["campaigns-filter-by.n_clicks"])
    assert "campaign=CMP-02" in resp["url"]["search"]
