"""Experiments page: the plain-language sentence (EN/DE, every verdict), figure builders (pure),
and the page's callbacks on the worked example (SQLite, REPORT_TZ=UTC, period 2025; expected
numbers in tests/fixtures/worked_example/expected_2025.json), driven through Dash's HTTP endpoint.
"""
import json
import math
from datetime import datetime

import pytest

from dashboard.formatting import Formatter
from dashboard.pages._experiments_figures import (
    experiment_list,
    experiment_sentence,
    ordered,
    p_words,
    rates_figure,
    resolve,
    revenue_figure,
    uplift_figure,
    wilson,
)
from queries.experiments import compare
from tests.conftest import expected
from tests.dash_client import call, worked_example_client
from tests.dash_client import entry as _entry

EN, DE = Formatter("en"), Formatter("de")


def _groups(conv_c, n_c, conv_t, n_t, variant="test"):
    """Control and variant stats as experiment_results gives them (compare() for the numbers)."""
    control = {"n": n_c, "conversions": conv_c, "rate": conv_c / n_c, "revenue_per_user": 1.0}
    test = {"n": n_t, "conversions": conv_t, "rate": conv_t / n_t, "revenue_per_user": 2.0,
            **compare(conv_c, n_c, conv_t, n_t)}
    return {"control": control, variant: test}


# --- the sentence -------------------------------------------------------------------------------
def test_better_says_how_much_more_often_and_what_the_p_value_means():
    # 46 of 500 (9.2 %) vs 25 of 500 (5.0 %): +84 % relative; pooled z-test p ≈ 0.010
    # pooled rate 71/1000, se = √(0.071 · 0.929 · 2/500) = 0.016243, z = 0.042 / se = 2.586, p = 0.0097
    g = _groups(25, 500, 46, 500)
    assert g["test"]["verdict"] == "better" and g["test"]["p_value"] == pytest.approx(0.0097, abs=5e-5)
    en = experiment_sentence("test", g["test"], g["control"], EN, "en")
    assert en == ("The test group converted 84% more often (9.2% vs 5.0%). If the change had no effect, a difference "
                  "at least this large would turn up by chance in 0.97% of such tests.")
    de = experiment_sentence("test", g["test"], g["control"], DE, "de")
    assert de == ("Die Testgruppe hat 84\u00a0% häufiger konvertiert (9,2\u00a0% gegenüber 5,0\u00a0%). Hätte die "
                  "Änderung keine Wirkung, käme ein mindestens so großer Unterschied in 0,97\u00a0% solcher Tests "
                  "zufällig zustande.")


def test_worse_says_less_often_for_a_named_variant():
    g = _groups(50, 500, 25, 500, variant="b")                       # 5.0 % vs 10.0 %: −50 %
    assert g["b"]["verdict"] == "worse"
    en = experiment_sentence("b", g["b"], g["control"], EN, "en")
    assert en.startswith("Variant “b” converted 50% less often (5.0% vs 10.0%).")
    de = experiment_sentence("b", g["b"], g["control"], DE, "de")
    assert de.startswith("Variante „b“ hat 50\u00a0% seltener konvertiert (5,0\u00a0% gegenüber 10,0\u00a0%).")


def test_no_clear_difference_never_claims_no_effect():
    want = expected("2025")["experiments"]["EXP-checkout-cta"]     # 6/120 vs 11/120, p = 0.208
    en = experiment_sentence("test", want["test"], want["control"], EN, "en")
    assert "The data do not show a clear difference" in en and "no effect" not in en.split(":")[0]
    assert "would turn up by chance in 21% of such tests" in en
    assert "the 95% confidence interval of the difference runs from −2.3 to +10.6 percentage points" in en
    de = experiment_sentence("test", want["test"], want["control"], DE, "de")
    assert "Die Daten zeigen keinen klaren Unterschied" in de and "in 21\u00a0% solcher Tests" in de
    assert "von −2,3 bis +10,6 Prozentpunkten." in de
    for text in (en, de):
        assert "kein Effekt" not in text and "keine Wirkung hat" not in text and "has no effect" not in text


def test_not_enough_data_gives_no_verdict():
    g = _groups(4, 80, 9, 80)                                        # control has only 4 conversions
    assert g["test"]["verdict"] == "not_enough_data"
    en = experiment_sentence("test", g["test"], g["control"], EN, "en")
    assert en == ("There are too few conversions to judge: the test group 9 of 80, control 4 of 80. A verdict needs "
                  "at least 5 conversions and 5 non-conversions in each group, so there is no verdict yet.")
    de = experiment_sentence("test", g["test"], g["control"], DE, "de")
    assert de.startswith("Für ein Urteil gibt es zu wenige Konversionen: Testgruppe 9 von 80, Kontrollgruppe 4 von 80.")
    assert "daher noch kein Urteil" in de


def test_without_a_control_group_there_is_nothing_to_compare():
    stats = {"n": 10, "conversions": 3, "rate": 0.3, "verdict": "not_enough_data", "p_value": None}
    assert experiment_sentence("test", stats, None, EN, "en") == \
        "There is no control group in this selection to compare the test group with, so there is no verdict."
    assert "keine Kontrollgruppe" in experiment_sentence("test", stats, None, DE, "de")


def test_p_values_read_as_a_share_of_tests():
    assert [p_words(p, EN, "en") for p in (0.43, 0.013, 0.0055, 0.0004)] == \
        ["43%", "1.3%", "0.55%", "fewer than 0.1%"]
    assert p_words(0.0004, DE, "de") == "weniger als 0,1\u00a0%"


def test_wilson_interval_of_a_rate():
    # 6 of 120, z = 1.96: centre (0.05 + z²/240) / (1 + z²/120), half width z·√(p(1−p)/n + z²/(4n²)) / (1 + z²/120)
    z = 1.959963984540054
    den = 1 + z * z / 120
    centre, half = (0.05 + z * z / 240) / den, z * math.sqrt(0.05 * 0.95 / 120 + z * z / (4 * 120 * 120)) / den
    lo, hi = wilson(6, 120)
    assert (lo, hi) == pytest.approx((centre - half, centre + half)) and 0 < lo < 0.05 < hi
    assert wilson(0, 50)[0] == 0.0 and wilson(0, 0) is None


# --- figures and list -------------------------------------------------------------------------
def _exp(status="ended", start=datetime(2025, 1, 6), variants=None, name="CTA"):
    return {"name": name, "started_at": start, "ended_at": None if status == "running" else datetime(2025, 3, 1),
            "status": status, "variants": variants if variants is not None else _groups(25, 500, 46, 500)}


def test_rates_have_wilson_error_bars_and_the_variant_as_click_key():
    fig = rates_figure(_exp(), EN, "en")
    bar = fig.data[0]
    assert list(bar.x) == ["Control", "Test"] and list(bar.y) == [0.05, 0.092]
    lo, hi = wilson(46, 500)
    assert bar.error_y.array[1] == pytest.approx(hi - 0.092) and bar.error_y.arrayminus[1] == pytest.approx(0.092 - lo)
    assert [c[0] for c in bar.customdata] == ["control", "test"]
    assert "46 of 500 converted (9.2%)" in bar.hovertext[1]


def test_revenue_per_user_and_uplift_interval():
    rev = revenue_figure(_exp(), DE, "de").data[0]
    assert list(rev.y) == [1.0, 2.0] and rev.text[1] == "2,00\u00a0€" and rev.customdata[1][0] == "test"
    up = uplift_figure(_exp(), EN, "en")
    g = _groups(25, 500, 46, 500)["test"]
    point = up.data[0]
    assert point.x[0] == pytest.approx(100 * g["uplift_abs"])                        # +4.2 percentage points
    assert point.error_x.arrayminus[0] == pytest.approx(100 * (g["uplift_abs"] - g["ci95"][0]))
    assert "0" in list(up.layout.xaxis.ticktext)


def test_uplift_ticks_keep_the_decimals_of_their_step():
    # an interval reaching +7.1 pp: ticks every 2.5 pp, which must not print as "2" or "8"
    exp = {"variants": {"control": {"n": 600}, "test": {"ci95": [0.010, 0.071], "uplift_abs": 0.04, "verdict": "better"}}}
    ticks = list(uplift_figure(exp, DE, "de").layout.xaxis.ticktext)
    assert ticks == [f"\u22127,5\u00a0Pp.", f"\u22125,0\u00a0Pp.", f"\u22122,5\u00a0Pp.", "0",
                     "+2,5\u00a0Pp.", "+5,0\u00a0Pp.", "+7,5\u00a0Pp."]


def test_running_experiments_are_listed_first_and_the_url_picks_one():
    exps = {"A": _exp(start=datetime(2025, 2, 1)), "B": _exp(status="running", start=datetime(2025, 1, 1)),
            "C": _exp(start=datetime(2025, 6, 1))}
    assert [k for k, _ in ordered(exps)] == ["B", "C", "A"]
    assert resolve(exps, "C") == "C" and resolve(exps, "nope") == "B" and resolve({}, "x") is None
    group = experiment_list(exps, "C", EN, "en")
    items = group.children
    assert [i.id["key"] for i in items] == ["B", "C", "A"] and [i.active for i in items] == [False, True, False]
    assert "Better" in json.dumps(items[0].to_plotly_json(), default=str)


def test_no_experiment_is_the_empty_state():
    assert "No experiment ran in this period." in json.dumps(experiment_list({}, None, EN, "en").to_plotly_json(),
                                                              default=str)


# --- the page on the worked example -----------------------------------------------------------
SEARCH = "?preset=custom&from=2025-01-01&to=2026-01-01"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return worked_example_client(tmp_path_factory, "experiments")





DRAW = [("experiments-list", "children"), ("experiments-head", "children"), ("experiments-summary", "children"),
        ("experiments-uplift", "figure"), ("experiments-rates", "figure"), ("experiments-revenue", "figure"),
        ("experiments-shown", "data"), ("experiments-subtitle", "children")]


def _draw(client, search):
    return call(client, ["experiments-list.children"], DRAW,
                [_entry("url", "search", search), _entry("data-version", "data", None)], changed=["url.search"])


def test_layout_renders_in_english_and_german(client):
    def page(search):
        resp = call(client, ["_pages_content.children"], [("_pages_content", "children"), ("_pages_store", "data")],
                    [_entry("_pages_location", "pathname", "/experiments"), _entry("_pages_location", "search", search)],
                    changed=["_pages_location.pathname"])
        return json.dumps(resp, ensure_ascii=False)
    assert "A/B experiments" in page(SEARCH) and "Conversion rate per variant" in page(SEARCH)
    de = page(SEARCH + "&lang=de")
    assert "A/B-Experimente" in de and "Umsatz je Teilnehmer" in de


def test_the_list_and_the_detail_of_the_urls_experiment(client):
    want = expected("2025")["experiments"]["EXP-pricing-page"]
    resp = _draw(client, SEARCH + "&experiment=EXP-pricing-page")
    listing = json.dumps(resp["experiments-list"]["children"], ensure_ascii=False)
    assert "EXP-checkout-cta" in listing and "EXP-pricing-page" in listing and "No clear difference" in listing
    assert resp["experiments-shown"]["data"]["id"] == "EXP-pricing-page"
    summary = json.dumps(resp["experiments-summary"]["children"], ensure_ascii=False)
    # 7 of 100 in both groups: the same rate, p = 1
    assert "The test group converted at 7.0%, control at 7.0%" in summary and "in 100% of such tests" in summary
    rates = resp["experiments-rates"]["figure"]["data"][0]
    assert rates["y"] == pytest.approx([want["control"]["rate"], want["test"]["rate"]])
    revenue = resp["experiments-revenue"]["figure"]["data"][0]
    assert revenue["y"] == pytest.approx([want["control"]["revenue_per_user"], want["test"]["revenue_per_user"]])


def test_without_an_experiment_in_the_url_the_first_listed_is_shown(client):
    resp = _draw(client, SEARCH + "&lang=de")
    shown = resp["experiments-shown"]["data"]["id"]
    assert shown in expected("2025")["experiments"]
    assert "Kein klarer Unterschied" in json.dumps(resp["experiments-head"]["children"], ensure_ascii=False)


def test_a_period_without_experiments_says_so(client):
    resp = _draw(client, "?preset=custom&from=2019-01-01&to=2019-02-01")
    assert "No experiment ran in this period." in json.dumps(resp["experiments-list"]["children"])
    assert resp["experiments-shown"]["data"] is None


def test_clicking_an_experiment_writes_it_into_the_url(client):
    item = {"type": "experiments-item", "key": "EXP-pricing-page"}
    resp = call(client, ["url.search@", "experiments-item"], [("url", "search")],
                [[_entry(item, "n_clicks", 1), _entry({"type": "experiments-item", "key": "EXP-checkout-cta"},
                                                      "n_clicks", 0)]],
                state=[_entry("url", "search", SEARCH)],
                changed=[json.dumps(item, separators=(",", ":"), sort_keys=True) + ".n_clicks"])
    assert "experiment=EXP-pricing-page" in resp["url"]["search"]


def test_clicking_a_variant_lists_its_assignments(client):
    want = expected("2025")["experiments"]["EXP-checkout-cta"]["test"]
    resp = call(client, ["dd-request", '"experiments-rates","property":"clickData"'],
                [({"type": "dd-request", "panel": "experiments"}, "data")],
                [_entry("experiments-rates", "clickData", {"points": [{"x": "Test", "y": 0.09, "customdata": ["test"]}]}),
                 _entry("experiments-revenue", "clickData", None)],
                state=[_entry("experiments-shown", "data", {"id": "EXP-checkout-cta", "name": "Checkout CTA"}),
                       _entry("url", "search", SEARCH)], changed=["experiments-rates.clickData"])
    req = next(iter(resp.values()))["data"]
    assert req["source"] == "experiments.assignments"
    assert req["params"] == {"experiment_id": "EXP-checkout-cta", "variant": "test", "lang": "en"}
    panel = lambda t: {"type": t, "panel": "experiments"}
    outputs = [(panel("dd-body"), "children"), (panel("dd-title"), "children"), (panel("dd-collapse"), "is_open"),
               (panel("dd-message"), "children"), (panel("dd-request"), "data")]
    resp = call(client, ['"dd-body"', "children"], outputs,
                [_entry(panel("dd-request"), "data", req), _entry(panel("dd-close"), "n_clicks", None),
                 _entry("url", "search", SEARCH)], state=[_entry(panel("dd-collapse"), "is_open", False)],
                changed=[json.dumps(panel("dd-request"), separators=(",", ":")) + ".data"])
    by_type = {json.loads(k)["type"]: v for k, v in resp.items()}
    rows = by_type["dd-body"]["children"]["props"]["children"]["props"]["rowData"]
    assert by_type["dd-title"]["children"] == f"Assignments of Checkout CTA: Test — {want['n']}"
    assert len(rows) == want["n"] and sum(r["converted"] == "yes" for r in rows) == want["conversions"]
    assert {r["variant"] for r in rows} == {"Test"}
