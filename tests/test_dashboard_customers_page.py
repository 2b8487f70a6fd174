"""Customers page: figure builders (pure) and the page's callbacks on the worked example (SQLite,
REPORT_TZ=UTC, period 2025; expected numbers in tests/fixtures/worked_example/expected_2025.json),
driven through Dash's HTTP endpoint.
"""
import json
import math

import pandas as pd
import pytest

from dashboard.formatting import Formatter
from dashboard.pages._customers_figures import (
    clicked_rfm,
    clv_bins,
    clv_figure,
    cohort_figure,
    lorenz_figure,
    nice_step,
    params_text,
    pareto_texts,
    rfm_figure,
    segments_figure,
    top_clv_rows,
)
from tests.conftest import expected
from tests.dash_client import call, worked_example_client
from tests.dash_client import entry as _entry

EN, DE = Formatter("en"), Formatter("de")


def _segments(**counts):
    total = sum(c for c, _ in counts.values())
    return {s: {"customers": c, "revenue": r, "share": c / total} for s, (c, r) in counts.items()}


# --- segments ----------------------------------------------------------------------------------
def test_segment_bars_show_count_share_and_revenue_with_the_segment_as_click_key():
    # 6 customers: 2 loyal (€900), 1 new (€100), 3 prospects (€0) -> shares 33 %, 17 %, 50 %; revenue 90 %, 10 %
    fig = segments_figure(_segments(loyal=(2, 900.0), new=(1, 100.0), prospect=(3, 0.0)), EN, "en")
    customers, revenue = fig.data
    assert list(customers.y) == ["Loyal", "New", "Prospects"] and list(customers.x) == [2, 1, 3]
    assert list(customers.text) == ["2 · 33%", "1 · 17%", "3 · 50%"]
    assert list(revenue.text) == ["€900 · 90%", "€100 · 10%", ""]
    assert [c[0] for c in revenue.customdata] == ["loyal", "new", "prospect"]
    assert "Revenue to period end: €900 (90.0%)" in customers.hovertext[0]


def test_no_customer_is_the_empty_state():
    fig = segments_figure({"loyal": {"customers": 0, "revenue": 0.0, "share": None}}, EN, "en")
    assert not fig.data and "No data" in fig.layout.annotations[0].text


# --- RFM ---------------------------------------------------------------------------------------
def _rfm():
    cells = [{"r": r, "f": f, "customers": 0, "monetary_mean": None} for r in range(1, 6) for f in range(1, 6)]
    cells[0].update(customers=2, monetary_mean=150.0)       # R1 F1
    cells[24].update(customers=1, monetary_mean=9000.0)     # R5 F5
    return {"customers": 3, "heatmap": cells}


def test_rfm_heatmap_puts_recency_on_y_frequency_on_x_with_counts_and_mean_revenue():
    hm = rfm_figure(_rfm(), DE, "de").data[0]
    assert list(hm.x) == [1, 2, 3, 4, 5] and list(hm.y) == [1, 2, 3, 4, 5]
    assert hm.z[0][0] == 150.0 and hm.z[4][4] == 9000.0 and hm.z[2][2] is None     # empty cells blank
    assert hm.text[0][0] == "2" and hm.text[2][2] == ""
    assert "2 Kunden" in hm.hovertext[0][0] and "150\u00a0€" in hm.hovertext[0][0]
    assert hm.colorbar.ticksuffix == "\u00a0€"


def test_a_clicked_rfm_cell_gives_r_and_f_and_an_empty_cell_nothing():
    assert clicked_rfm({"points": [{"x": 3, "y": 5, "z": 120.0}]}) == (5, 3)
    assert clicked_rfm({"points": [{"x": 3, "y": 5, "z": None}]}) is None
    assert clicked_rfm(None) is None


# --- Pareto ------------------------------------------------------------------------------------
PARETO = expected("2025")["customers"]["pareto"]


def test_the_top_20_percent_sentence_in_both_languages():
    sentence, gini = pareto_texts(PARETO, EN, "en")
    assert sentence == "The top 20% of customers (13) bring 66% of the revenue."    # 13 = ceil(0.2 × 62)
    assert gini.startswith("Gini coefficient 0.60 ") and "62 customers" in gini
    sentence_de, _ = pareto_texts(PARETO, DE, "de")
    assert sentence_de == "Die besten 20\u00a0% der Kunden (13) bringen 66\u00a0% des Umsatzes."
    assert pareto_texts({"customers": 0, "top20_share": None}, EN, "en") is None


def test_lorenz_curve_starts_at_zero_beside_the_equality_diagonal():
    fig = lorenz_figure(PARETO, EN, "en")
    diagonal, curve = fig.data
    assert list(diagonal.x) == [0, 1] and list(diagonal.y) == [0, 1]
    assert curve.x[0] == 0 and curve.y[0] == 0 and len(curve.x) == 11 and curve.y[-1] == pytest.approx(1.0)
    assert "The bottom 50% of customers bring 12.3% of the revenue" == curve.hovertext[5]


# --- CLV ---------------------------------------------------------------------------------------
def test_nice_steps_are_round():
    assert [nice_step(x) for x in (0.7, 1.3, 2.2, 3.0, 7.5, 180.0)] == [1.0, 2.0, 2.5, 5.0, 10.0, 200.0]


def test_clv_bins_count_every_finite_value_once_with_a_tail_bin():
    values = [0.0, 5.0, 12.0, 18.0, 25.0, float("nan"), None] + [1.0] * 94 + [10_000.0]
    bins = clv_bins(values, bins=5, cap_quantile=0.99)
    assert sum(b["n"] for b in bins) == 100                          # 5 + 94 + 1; nan and None left out
    # the 99 % quantile of the 100 values: 25 + 0.01 × (10,000 − 25) = 124.75 -> 5 bins of 25 up to 125
    assert [(b["lo"], b["hi"]) for b in bins[:-1]] == [(0.0, 25.0), (25.0, 50.0), (50.0, 75.0), (75.0, 100.0),
                                                        (100.0, 125.0)]
    assert [b["n"] for b in bins[:-1]] == [98, 1, 0, 0, 0]           # 25.0 opens the second bin
    assert bins[-1]["hi"] is None and bins[-1]["n"] == 1              # 10,000 beyond the cap


def test_clv_histogram_marks_median_and_mean():
    fig = clv_figure([100.0, 200.0, 300.0, 1000.0], EN, "en")
    labels = [a.text for a in fig.layout.annotations]
    assert "median €250" in labels and "mean €400" in labels          # (200 + 300) / 2; 1,600 / 4
    assert sum(fig.data[0].y) == 4


def test_top_customers_are_ordered_by_predicted_clv_without_names():
    df = pd.DataFrame({"customer_id": ["C1", "C2", "C3", "C4"], "frequency": [1, 0, 3, 2], "recency": [1, 0, 3, 2],
                       "T": [9, 9, 9, 9], "historical_clv": [10.0, 5.0, 30.0, 20.0],
                       "expected_purchases": [0.5, 0.1, 2.0, 1.0], "expected_order_value": [10.0, float("nan"), 30.0, 20.0],
                       "predicted_clv": [5.0, float("nan"), 60.0, 20.0]})
    rows = top_clv_rows(df, n=2)
    assert [r["customer_id"] for r in rows] == ["C3", "C4"] and "name" not in rows[0]
    assert rows[0]["predicted_clv"] == 60.0 and isinstance(rows[0]["frequency"], int)


def test_no_fit_shows_no_parameters():
    assert params_text(None, EN, "en", horizon_months=12, monthly_discount=0.01) is None


# --- cohorts -----------------------------------------------------------------------------------
def test_cohort_heatmap_has_month_zero_at_100_percent_and_blank_future_months():
    cohorts = {"2025-11": {"size": 4, "retention": [1.0, 0.5, 0.0]},
               "2025-12": {"size": 2, "retention": [1.0, 0.0]}}
    fig = cohort_figure(cohorts, EN, "en", last_month="2025-12")
    hm = fig.data[0]
    assert list(hm.y) == ["Nov 2025 · 4", "Dec 2025 · 2"] and list(hm.x) == ["0", "1", "2"]
    # Nov cohort: months Nov, Dec shown; Jan 2026 (k = 2) lies after last_month -> blank, not 0 %
    assert list(hm.z[0]) == [1.0, 0.5, None] and list(hm.z[1]) == [1.0, None, None]
    assert hm.text[0][0] == "100%" and hm.zmax == 0.5              # colours scaled by the months after 0
    assert "Month 1: 50.0% ordered" in hm.hovertext[0][1]


# --- the page on the worked example -----------------------------------------------------------
SEARCH = "?preset=custom&from=2025-01-01&to=2026-01-01"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return worked_example_client(tmp_path_factory, "customers")





def _url_inputs(search):
    return [_entry("url", "search", search), _entry("data-version", "data", None)]


def test_layout_renders_in_english_and_german(client):
    def page(search):
        resp = call(client, ["_pages_content.children"], [("_pages_content", "children"), ("_pages_store", "data")],
                    [_entry("_pages_location", "pathname", "/customers"), _entry("_pages_location", "search", search)],
                    changed=["_pages_location.pathname"])
        return json.dumps(resp, ensure_ascii=False)
    en = page(SEARCH)
    assert "Behaviour segments at period end" in en and "Top customers by predicted CLV" in en
    de = page(SEARCH + "&lang=de")
    assert "Verhaltenssegmente zum Periodenende" in de and "Kohorten-Bindung" in de and "Lorenz-Kurve" in de


def test_segments_are_the_worked_examples(client):
    want = expected("2025")["customers"]["segments"]
    resp = call(client, ["customers-segments.figure"],
                [("customers-segments", "figure"), ("customers-segments-note", "children"),
                 ("customers-subtitle", "children")], _url_inputs(SEARCH), changed=["url.search"])
    bars = resp["customers-segments"]["figure"]["data"][0]
    assert {c[0]: n for c, n in zip(bars["customdata"], bars["x"])} == want
    assert resp["customers-segments-note"]["children"].startswith(f"{sum(want.values())} customers created")


def test_rfm_heatmap_counts_the_worked_examples_customers(client):
    want = expected("2025")["customers"]["rfm"]["per_customer"]          # id -> [recency, F, M, r, f, m]
    resp = call(client, ["customers-rfm.figure"], [("customers-rfm", "figure"), ("customers-rfm-note", "children")],
                _url_inputs(SEARCH), changed=["url.search"])
    hm = resp["customers-rfm"]["figure"]["data"][0]
    for r in range(1, 6):
        for f in range(1, 6):
            n = sum(1 for v in want.values() if v[3] == r and v[4] == f)
            assert hm["text"][r - 1][f - 1] == (str(n) if n else ""), (r, f)
    assert resp["customers-rfm-note"]["children"].startswith("75 customers")


def test_pareto_sentence_and_lorenz_of_the_worked_example(client):
    resp = call(client, ["customers-pareto.figure"], [("customers-pareto", "figure"), ("customers-pareto-text", "children")],
                _url_inputs(SEARCH), changed=["url.search"])
    text = json.dumps(resp["customers-pareto-text"])
    assert "The top 20% of customers (13) bring 66% of the revenue." in text and "Gini coefficient 0.60" in text


def test_clv_histogram_stats_and_top_customers(client):
    outs = [("customers-clv", "figure"), ("customers-clv-stats", "children"), ("customers-clv-params", "children"),
            ("customers-top", "rowData"), ("customers-top-note", "children")]
    resp = call(client, ["customers-clv.figure"], outs, _url_inputs(SEARCH), changed=["url.search"])
    hist = expected("2025")["customers"]["historical_clv"]
    assert "over 75 customers" in resp["customers-clv-stats"]["children"]
    assert f"mean €{hist['mean']:,.0f}" in resp["customers-clv-stats"]["children"]
    assert resp["customers-clv-params"]["children"].startswith("BG/NBD: r ")
    rows = resp["customers-top"]["rowData"]
    clvs = [r["predicted_clv"] for r in rows]
    assert 0 < len(rows) <= 25 and clvs == sorted(clvs, reverse=True) and all(math.isfinite(v) for v in clvs)
    assert sum(resp["customers-clv"]["figure"]["data"][0]["y"]) <= 75


def test_cohorts_are_the_worked_examples(client):
    want = expected("2025")["customers"]["cohort_retention"]
    resp = call(client, ["customers-cohorts.figure"], [("customers-cohorts", "figure")], _url_inputs(SEARCH),
                changed=["url.search"])
    hm = resp["customers-cohorts"]["figure"]["data"][0]
    assert len(hm["y"]) == len(want)
    first = want["2025-03"]
    row = next(i for i, label in enumerate(hm["y"]) if label.startswith("Mar 2025"))
    assert hm["z"][row][:len(first["retention"])] == pytest.approx(first["retention"])


def test_activity_by_customers_and_by_revenue(client):
    resp = call(client, ["customers-activity-count.figure"],
                [("customers-activity-count", "figure"), ("customers-activity-revenue", "figure")],
                _url_inputs(SEARCH + "&lang=de"), changed=["url.search"])
    count, revenue = resp["customers-activity-count"]["figure"], resp["customers-activity-revenue"]["figure"]
    assert [t["name"] for t in count["data"]] == ["Neu", "Wiederkehrend", "Reaktiviert", "Ruhend"]
    assert len(count["data"][0]["x"]) == 12 and min(revenue["data"][3]["y"]) < 0      # dormant below zero


def _open_panel(client, req, search):
    panel = lambda t: {"type": t, "panel": "customers"}
    outputs = [(panel("dd-body"), "children"), (panel("dd-title"), "children"), (panel("dd-collapse"), "is_open"),
               (panel("dd-message"), "children"), (panel("dd-request"), "data")]
    resp = call(client, ['"dd-body"', "children"], outputs,
                [_entry(panel("dd-request"), "data", req), _entry(panel("dd-close"), "n_clicks", None),
                 _entry("url", "search", search)],
                state=[_entry(panel("dd-collapse"), "is_open", False)],
                changed=[json.dumps(panel("dd-request"), separators=(",", ":")) + ".data"])
    by_type = {json.loads(k)["type"]: v for k, v in resp.items()}
    return by_type["dd-title"]["children"], by_type["dd-body"]["children"]["props"]["children"]["props"]["rowData"]


def _click(client, segment=None, rfm=None):
    changed = ["customers-segments.clickData"] if segment else ["customers-rfm.clickData"]
    resp = call(client, ["dd-request", '"customers-segments","property":"clickData"'],
                [({"type": "dd-request", "panel": "customers"}, "data")],
                [_entry("customers-segments", "clickData", segment), _entry("customers-rfm", "clickData", rfm)],
                state=[_entry("url", "search", SEARCH)], changed=changed)
    return resp and next(iter(resp.values()))["data"]


def test_clicking_a_segment_lists_its_customers_with_names_in_the_grid(client):
    req = _click(client, segment={"points": [{"x": 45, "y": "Loyal", "customdata": ["loyal"]}]})
    assert req["source"] == "customers.segment" and req["params"] == {"segment": "loyal"}
    title, rows = _open_panel(client, req, SEARCH)
    assert title == "Customers in segment Loyal — 45" and len(rows) == 45
    assert rows[0]["name"] and rows[0]["orders"] >= 3


def test_clicking_an_rfm_cell_lists_those_customers(client):
    want = expected("2025")["customers"]["rfm"]["per_customer"]
    ids_ = sorted(c for c, v in want.items() if v[3] == 5 and v[4] == 3)
    req = _click(client, rfm={"points": [{"x": 3, "y": 5, "z": 1000.0}]})
    assert req["source"] == "customers.rfm" and req["params"] == {"r": 5, "f": 3}
    title, rows = _open_panel(client, req, SEARCH)
    assert sorted(r["customer_id"] for r in rows) == ids_ and title.endswith(f"— {len(ids_)}")
    assert _click(client, rfm={"points": [{"x": 3, "y": 5, "z": None}]}) is None      # an empty cell
