"""Lifecycle page: figure builders (pure) and the page's callbacks on the worked example.

The figure tests use hand-built query results; the page tests drive the callbacks through Dash's
HTTP endpoint, as the browser does, on the worked example (SQLite, REPORT_TZ=UTC, period 2025),
whose expected numbers are in tests/fixtures/worked_example/expected_2025.json.
"""
import json
from datetime import date, datetime

import pytest

from dashboard.formatting import Formatter
from dashboard.pages._lifecycle_figures import (
    activity_figure,
    clicked_cell,
    conversion_figure,
    heatmap_figure,
    migration_dates,
    migration_times,
    node_centres,
    sankey_figure,
    sankey_parts,
)
from queries.period import Period
from tests.conftest import expected
from tests.dash_client import call, render_page, worked_example_client
from tests.dash_client import entry as _entry

EN, DE = Formatter("en"), Formatter("de")

# M[a][b]: 5 customers without a stage at t0 (3 became leads, 2 stayed without one), 4 leads
# (1 stayed, 3 became customers), 2 customers who stayed customers.
MATRIX = {
    "—": {"—": 2, "lead": 3, "customer": 0},
    "lead": {"—": 0, "lead": 1, "customer": 3},
    "customer": {"—": 0, "lead": 0, "customer": 2},
}


# --- pure figure logic ----------------------------------------------------------------------
def test_sankey_nodes_are_row_and_column_sums_and_links_the_non_empty_cells():
    parts = sankey_parts(MATRIX)
    assert parts["left"] == [("—", 5), ("lead", 4), ("customer", 2)]          # row sums
    assert parts["right"] == [("—", 2), ("lead", 4), ("customer", 5)]         # column sums: 2; 3+1; 3+2
    assert parts["links"] == [("—", "—", 2), ("—", "lead", 3), ("lead", "lead", 1), ("lead", "customer", 3),
                              ("customer", "customer", 2)]                   # no zero flows


def test_a_stage_without_customers_on_one_side_gets_no_node_there():
    parts = sankey_parts({"—": {"—": 0, "lead": 2}, "lead": {"—": 0, "lead": 1}})
    assert parts["left"] == [("—", 2), ("lead", 1)]
    assert parts["right"] == [("lead", 3)]


def test_sankey_links_carry_the_stage_keys_a_click_needs():
    fig = sankey_figure(MATRIX, EN, "en", t0_label="2025-01-01", t1_label="2025-12-31")
    link = fig.data[0].link
    assert list(link.label) == ["—|—", "—|lead", "lead|lead", "lead|customer", "customer|customer"]
    assert list(link.value) == [2, 3, 1, 3, 2]
    # 3 left + 3 right nodes, labelled with translated stage and count, no customer names
    assert list(fig.data[0].node.label) == ["None yet · 5", "Lead · 4", "Customer · 2",
                                            "None yet · 2", "Lead · 4", "Customer · 5"]
    assert "3 customers" in link.customdata[3] and "75.0% of Lead" in link.customdata[3]   # 3 of 4 leads


def test_sankey_hover_is_german_with_german_numbers():
    fig = sankey_figure({"lead": {"lead": 1000, "customer": 2000}, "customer": {"lead": 0, "customer": 0}},
                        DE, "de", t0_label="01.01.2025", t1_label="31.12.2025")
    hover = fig.data[0].link.customdata[1]
    assert "Lead → Kunde" in hover and "2.000 Kunden" in hover and "66,7\u00a0% von Lead" in hover


def test_node_centres_stack_top_down_with_gaps_and_heights_by_count():
    # two nodes of 3 and 1 of 4 in a column sized for 2 slots, gap 0.1: heights 0.9*3/4 = 0.675
    # and 0.9/4 = 0.225; centres 0.675/2 and 0.675 + 0.1 + 0.225/2
    c = node_centres([3, 1], 4, 0.1, 2)
    assert c == pytest.approx([0.3375, 0.8875])
    # a column with fewer nodes than slots is centred: one node of 4 of 4, 2 slots -> height 0.9
    assert node_centres([4], 4, 0.1, 2) == pytest.approx([0.5])


def test_clicked_cell_reads_a_sankey_flow_and_a_heatmap_cell_but_not_a_node():
    assert clicked_cell({"points": [{"label": "lead|customer", "value": 3, "pointNumber": 3}]}) == ("lead", "customer")
    assert clicked_cell({"points": [{"x": "customer", "y": "lead", "z": 0.75}]}) == ("lead", "customer")
    assert clicked_cell({"points": [{"label": "Lead · 4", "value": 4, "pointNumber": 1}]}) is None
    assert clicked_cell(None) is None


def test_heatmap_shows_counts_coloured_by_share_of_the_row():
    fig = heatmap_figure(MATRIX, EN, "en", t0_label="2025-01-01", t1_label="2025-12-31")
    hm = fig.data[0]
    assert list(hm.y) == ["—", "lead", "customer"] and list(hm.x) == ["—", "lead", "customer"]
    assert list(hm.text[1]) == ["", "1", "3"]
    assert list(hm.z[1]) == [None, 0.25, 0.75]       # lead row: 1 and 3 of 4; empty cells blank
    assert list(fig.layout.yaxis.ticktext) == ["None yet", "Lead", "Customer"]


def test_an_empty_matrix_is_the_empty_state():
    empty = {"—": {"—": 0}}
    for fig in (sankey_figure(empty, EN, "en", t0_label="a", t1_label="b"),
                heatmap_figure(empty, EN, "en", t0_label="a", t1_label="b")):
        assert not fig.data and "No customers" in fig.layout.annotations[0].text


def test_customers_all_without_a_stage_are_the_empty_state_not_one_grey_flow():
    before_any_stage = {"—": {"—": 7, "lead": 0}, "lead": {"—": 0, "lead": 0}}
    for fig in (sankey_figure(before_any_stage, DE, "de", t0_label="a", t1_label="b"),
                heatmap_figure(before_any_stage, DE, "de", t0_label="a", t1_label="b")):
        assert not fig.data and "noch keine Lebenszyklus-Stufe" in fig.layout.annotations[0].text


def test_conversion_bars_show_the_largest_sources_by_leads_with_rate_and_counts():
    groups = {"(none)": {"leads": 10, "customers": 1, "rate": 0.1},
              "C1": {"leads": 4, "customers": 2, "rate": 0.5},
              "C2": {"leads": 6, "customers": 0, "rate": 0.0},
              "C3": {"leads": 0, "customers": 0, "rate": None}}
    fig = conversion_figure(groups, EN, "en", kind="campaign", names={"C1": "Spring", "C2": "Spring"}, top=3)
    bar = fig.data[0]
    # by leads: (none) 10, C2 6, C1 4; C3 without leads left out; equal names told apart by id
    assert list(bar.y) == ["No campaign", "Spring", "Spring (C1)"]
    assert [c[0] for c in bar.customdata] == ["(none)", "C2", "C1"]
    assert list(bar.x) == [0.1, 0.0, 0.5]
    assert bar.text[2] == "50% · 2/4"


def test_activity_bars_diverge_with_dormant_below_zero():
    rows = [{"month": "2025-01", "new": 2, "returning": 1, "resurrecting": 0, "dormant": -3,
             "new_revenue": 200.0, "returning_revenue": 50.0, "resurrecting_revenue": 0.0, "dormant_revenue": -1234.6}]
    fig = activity_figure(rows, "count", EN, "en")
    assert [t.name for t in fig.data] == ["New", "Returning", "Resurrecting", "Dormant"]
    assert list(fig.data[3].y) == [-3] and fig.layout.barmode == "relative"
    assert "3 customers" in fig.data[3].hovertext[0]                 # shown as a positive count
    rev = activity_figure(rows, "revenue", DE, "de")
    assert list(rev.data[3].y) == [-1234.6] and "1.235\u00a0€" in rev.data[3].hovertext[0]
    assert "Ruhend" in rev.data[3].hovertext[0] and "Januar 2025" in rev.data[3].hovertext[0]


def test_migration_dates_default_to_the_period_and_t1_is_the_end_of_its_day():
    period = Period(date(2025, 1, 1), date(2026, 1, 1), "Europe/Berlin")
    assert migration_dates(period) == (date(2025, 1, 1), date(2025, 12, 31))
    assert migration_dates(period, "2025-03-01", None) == (date(2025, 3, 1), date(2025, 12, 31))
    assert migration_dates(period, "2025-06-01", "2025-02-01") == (date(2025, 1, 1), date(2025, 12, 31))  # reversed
    assert migration_dates(period, "garbage", "1900-01-01") == (date(2025, 1, 1), date(2025, 12, 31))
    # Berlin is UTC+1 in winter: midnight 1 Jan 2025 and midnight after 31 Dec 2025 in UTC
    assert migration_times(period, date(2025, 1, 1), date(2025, 12, 31)) == (
        datetime(2024, 12, 31, 23), datetime(2025, 12, 31, 23))


# --- the page on the worked example ---------------------------------------------------------
SEARCH = "?preset=custom&from=2025-01-01&to=2026-01-01"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return worked_example_client(tmp_path_factory, "lifecycle")





def _page(client, search):
    return render_page(client, "/lifecycle", search)


def test_layout_in_german_and_english(client):
    de, en = _page(client, SEARCH + "&lang=de"), _page(client, SEARCH)
    assert "Wechsel zwischen Lebenszyklus-Stufen" in de and "Lead-Konversion nach Quellkanal" in de
    assert "Lifecycle migration" in en and "Customer activity by month" in en
    assert '"date": "2025-12-31"' in en          # the end picker shows the period's last day


def _migration(client, search):
    resp = call(client, ["lifecycle-sankey.figure", "lifecycle-heatmap.figure"],
                [("lifecycle-sankey", "figure"), ("lifecycle-heatmap", "figure"), ("lifecycle-range", "children")],
                [_entry("url", "search", search), _entry("data-version", "data", None)], changed=["url.search"])
    return resp["lifecycle-sankey"]["figure"], resp["lifecycle-heatmap"]["figure"], resp["lifecycle-range"]["children"]


def test_migration_charts_show_the_worked_examples_matrix(client):
    want = expected("2025")["lifecycle"]["migration"]
    sankey, heatmap, range_text = _migration(client, SEARCH)
    hm = heatmap["data"][0]
    i, j = hm["y"].index("lead"), hm["x"].index("opportunity")
    assert hm["text"][i][j] == str(want["matrix"]["lead"]["opportunity"])
    link = sankey["data"][0]["link"]
    flows = dict(zip(link["label"], link["value"]))
    assert flows == {f"{a}|{b}": n for a, row in want["matrix"].items() for b, n in row.items() if n}
    assert range_text == "2025-01-01 (start of day) → 2025-12-31 (end of day)"


def test_a_cells_drilldown_lists_as_many_customers_as_the_cell_shows(client):
    want = expected("2025")["lifecycle"]["migration"]["matrix"]["opportunity"]["loyal"]
    click = {"points": [{"x": "loyal", "y": "opportunity", "z": 0.27, "curveNumber": 0}]}
    req = call(client, ["dd-request", '"lifecycle-sankey","property":"clickData"'], [({"type": "dd-request", "panel": "lifecycle"}, "data")],
               [_entry("lifecycle-sankey", "clickData", None), _entry("lifecycle-heatmap", "clickData", click),
                _entry("lifecycle-conv-channel", "clickData", None), _entry("lifecycle-conv-campaign", "clickData", None), []],
               state=[_entry("url", "search", SEARCH)], changed=["lifecycle-heatmap.clickData"])
    data = next(iter(req.values()))["data"]
    assert data["source"] == "lifecycle.migration"
    assert data["params"] == {"from_stage": "opportunity", "to_stage": "loyal", "t0": None, "t1": None}
    title, rows = _open_panel(client, data, SEARCH)
    assert title == f"Customers who moved from Opportunity to Loyal — {want}"
    assert len(rows) == want and {"customer_id", "name"} <= set(rows[0])


def _open_panel(client, req, search):
    panel = lambda t: {"type": t, "panel": "lifecycle"}  # noqa: E731
    outputs = [(panel("dd-body"), "children"), (panel("dd-title"), "children"), (panel("dd-collapse"), "is_open"),
               (panel("dd-message"), "children"), (panel("dd-request"), "data")]
    resp = call(client, ['"dd-body"', "children"], outputs,
                [_entry(panel("dd-request"), "data", req), _entry(panel("dd-close"), "n_clicks", None),
                 _entry("url", "search", search)],
                state=[_entry(panel("dd-collapse"), "is_open", False)],
                changed=[json.dumps(panel("dd-request"), separators=(",", ":")) + ".data"])
    by_type = {json.loads(k)["type"]: v for k, v in resp.items()}
    grid = by_type["dd-body"]["children"]["props"]["children"]["props"]
    return by_type["dd-title"]["children"], grid["rowData"]


def test_a_sankey_flow_click_opens_that_flow_and_a_node_click_nothing(client):
    def click(points):
        return call(client, ["dd-request", '"lifecycle-sankey","property":"clickData"'],
                    [({"type": "dd-request", "panel": "lifecycle"}, "data")],
                    [_entry("lifecycle-sankey", "clickData", {"points": points}), _entry("lifecycle-heatmap", "clickData"),
                     _entry("lifecycle-conv-channel", "clickData"), _entry("lifecycle-conv-campaign", "clickData"), []],
                    state=[_entry("url", "search", SEARCH + "&t0=2025-03-01&lang=de")],
                    changed=["lifecycle-sankey.clickData"])
    data = next(iter(click([{"label": "—|lead", "value": 51, "pointNumber": 1}]).values()))["data"]
    assert data["params"] == {"from_stage": "—", "to_stage": "lead", "t0": "2025-03-01", "t1": None}
    assert data["title"] == "Kunden, die Lead erreichten (vorher ohne Stufe)"   # not "von Noch keine"
    assert click([{"label": "Lead · 27", "value": 27, "pointNumber": 2}]) is None


def test_picking_dates_writes_them_to_the_url_and_the_periods_own_dates_leave_it(client):
    def pick(t0, t1, search):
        resp = call(client, ["url.search@", '"lifecycle-t0","property":"date"'], [("url", "search")],
                    [_entry("lifecycle-t0", "date", t0), _entry("lifecycle-t1", "date", t1),
                     _entry("lifecycle-reset-dates", "n_clicks", 0)],
                    state=[_entry("url", "search", search)], changed=["lifecycle-t0.date"])
        return resp and resp["url"]["search"]
    new = pick("2025-03-01", "2025-12-31", SEARCH)
    assert "t0=2025-03-01" in new and "t1=" not in new
    assert "t0=" not in pick("2025-01-01", "2025-12-31", SEARCH + "&t0=2025-03-01")
    assert pick("2025-06-01", "2025-02-01", SEARCH) is None        # end before start: URL unchanged


def test_the_url_redraws_the_pickers_only_when_they_show_other_dates(client):
    def show(search, t0, t1):
        return call(client, ["lifecycle-pickers.children"], [("lifecycle-pickers", "children")],
                    [_entry("url", "search", search)],
                    state=[_entry("lifecycle-t0", "date", t0), _entry("lifecycle-t1", "date", t1)], changed=["url.search"])
    assert show(SEARCH, "2025-01-01", "2025-12-31") is None
    redrawn = json.dumps(show(SEARCH + "&t0=2025-04-01", "2025-01-01", "2025-12-31"))
    assert '"date": "2025-04-01"' in redrawn and '"date": "2025-12-31"' in redrawn


def test_a_channel_bar_lists_that_channels_leads(client):
    want = expected("2025")["lifecycle"]["lead_conversion"]["by_channel"]["email"]
    resp = call(client, ["lifecycle-conv-channel.figure"], [("lifecycle-conv-channel", "figure"),
                                                           ("lifecycle-conv-campaign", "figure")],
                [_entry("url", "search", SEARCH), _entry("data-version", "data", None)], changed=["url.search"])
    bar = resp["lifecycle-conv-channel"]["figure"]["data"][0]
    i = [c[0] for c in bar["customdata"]].index("email")
    assert bar["x"][i] == pytest.approx(want["rate"])
    click = {"points": [{"y": bar["y"][i], "x": bar["x"][i], "customdata": ["email"]}]}
    req = call(client, ["dd-request", '"lifecycle-sankey","property":"clickData"'], [({"type": "dd-request", "panel": "lifecycle"}, "data")],
               [_entry("lifecycle-sankey", "clickData"), _entry("lifecycle-heatmap", "clickData"),
                _entry("lifecycle-conv-channel", "clickData", click), _entry("lifecycle-conv-campaign", "clickData"), []],
               state=[_entry("url", "search", SEARCH)], changed=["lifecycle-conv-channel.clickData"])
    data = next(iter(req.values()))["data"]
    title, rows = _open_panel(client, data, SEARCH)
    assert title == f"Leads from the Email channel — {want['leads']}" and len(rows) == want["leads"]
    assert sum(r["converted"] == "yes" for r in rows) == want["customers"]


@pytest.mark.parametrize("measure", ["count", "revenue"])
def test_activity_chart_is_drawn_without_an_error_state(client, measure):
    resp = call(client, ["lifecycle-activity.figure"], [("lifecycle-activity", "figure")],
                [_entry("url", "search", SEARCH), _entry("data-version", "data", None),
                 _entry("lifecycle-measure", "value", measure)], changed=["url.search"])
    fig = resp["lifecycle-activity"]["figure"]
    assert len(fig["data"]) == 4 and "could not be loaded" not in json.dumps(fig)
    assert len(fig["data"][0]["x"]) == 12


def test_kpis_show_the_worked_examples_lead_conversion(client):
    want = expected("2025")["lifecycle"]["lead_conversion"]
    resp = call(client, ["lifecycle-kpis.children"], [("lifecycle-kpis", "children"), ("lifecycle-subtitle", "children")],
                [_entry("url", "search", SEARCH), _entry("data-version", "data", None)], changed=["url.search"])
    text = json.dumps(resp, ensure_ascii=False)
    assert f'"{want["leads"]}"' in text and f'"{want["customers"]}"' in text
    assert Formatter("en").percent(want["rate"]) in text


def test_drill_down_titles_read_as_sentences_in_both_languages():
    from dashboard.pages._lifecycle_texts import leads_title, migration_title
    assert migration_title("lead", "lead", "en") == "Customers who stayed in Lead"
    assert migration_title("—", "—", "de") == "Kunden weiterhin ohne Stufe"
    assert migration_title("opportunity", "loyal", "de") == "Kunden, die von Opportunity zu Stammkunde wechselten"
    assert leads_title("channel", "(none)", "No touchpoint", "en") == "Leads without a touchpoint"
    assert leads_title("campaign", "CMP-1", "Spring", "de") == "Leads aus der Kampagne Spring"


def test_sankey_leaves_out_a_label_that_would_print_over_the_one_above():
    # SQL (5 customers) sits a few pixels under MQL: its label would cover MQL's; Churned, under a
    # larger node, keeps its label; every node keeps its hover
    matrix = {"—": {"lead": 1500, "mql": 60, "sql": 5, "customer": 400}, "lead": {"lead": 180},
              "mql": {"mql": 67}, "sql": {"sql": 5}, "customer": {"customer": 87}, "churned": {"churned": 41}}
    fig = sankey_figure(matrix, EN, "en", t0_label="2025-01-01", t1_label="2025-12-31")
    left = list(fig.data[0].node.label)[:6]
    assert left == ["None yet · 1,965", "Lead · 180", "MQL · 67", "", "Customer · 87", "Churned · 41"]
    assert "SQL" in fig.data[0].node.customdata[3]
