"""Attribution page: figure builders and drill-down rows (pure) and the page's callbacks on the
worked example (SQLite, REPORT_TZ=UTC, period 2025; expected numbers in
tests/fixtures/worked_example/expected_2025.json), driven through Dash's HTTP endpoint.
"""
import json
from datetime import datetime

import pytest

from dashboard.formatting import Formatter
from dashboard.i18n import channel_path
from dashboard.pages._attribution_figures import (
    channel_order,
    journey_rows,
    models_figure,
    parse_measure,
    paths_table,
    sankey_parts,
    totals_text,
    transition_figure,
)
from queries.access import Access, AccessDenied
from queries.filters import Filters
from queries.journeys import Journey, Touch
from queries.lists import ListError, page_frame
from tests.conftest import expected
from tests.dash_client import call, render_page, worked_example_client
from tests.dash_client import entry as _entry

EN, DE = Formatter("en"), Formatter("de")
MODELS = ("first_touch", "last_touch", "linear", "time_decay", "position_based", "markov", "shapley")


def _result(models, total=3, value=300.0, unattributed=0, unattributed_value=0.0):
    return {"total_conversions": total, "total_value": value, "unattributed_conversions": unattributed,
            "unattributed_value": unattributed_value, "models": models}


def _credit(**by_channel):
    return {ch: {"conversions": c, "value": c * 100.0} for ch, c in by_channel.items()}


# --- the models side by side ------------------------------------------------------------------
def test_channels_are_ordered_by_their_mean_credit_over_the_models():
    # email: (2 + 0) / 2 = 1.0; tv: (1 + 2) / 2 = 1.5; seo: (0 + 1) / 2 = 0.5 (absent in one model = 0)
    models = {"first_touch": _credit(email=2.0, tv=1.0), "last_touch": _credit(email=0.0, tv=2.0, seo=1.0)}
    assert channel_order(models, "conversions") == ["tv", "email", "seo"]


def test_models_figure_has_a_bar_per_model_in_every_channel_group():
    models = {m: _credit(email=2.0, tv=1.0) for m in MODELS}
    models["markov"] = {"email": {"conversions": None, "value": None}, "tv": {"conversions": None, "value": None}}
    fig = models_figure(_result(models), "conversions", EN, "en", model_names=MODELS)
    assert [t.name for t in fig.data] == ["First touch", "Last touch", "Linear", "Time decay", "Position-based",
                                          "Markov chain", "Shapley"]
    assert fig.layout.barmode == "group"
    assert list(fig.data[0].x) == ["email", "tv"] and list(fig.data[0].y) == [2.0, 1.0]
    assert [c[0] for c in fig.data[0].customdata] == ["email", "tv"]           # a click names the channel
    assert list(fig.data[5].y) == [None, None] and "–" in fig.data[5].hovertext[0]   # Markov null: no bar
    assert "2.0 conversions (66.7% of all)" in fig.data[0].hovertext[0]        # 2 of the 3 conversions


def test_models_figure_by_value_uses_money_in_german():
    models = {m: _credit(email=2.0, tv=1.0) for m in MODELS}
    fig = models_figure(_result(models), "value", DE, "de", model_names=MODELS)
    assert list(fig.data[2].y) == [200.0, 100.0]
    assert "200\u00a0€ (66,7\u00a0% des Werts)" in fig.data[2].hovertext[0]
    assert fig.layout.yaxis.ticksuffix == "\u00a0€"


def test_no_conversion_is_the_empty_state():
    fig = models_figure(_result({m: {} for m in MODELS}, total=0, value=0.0), "conversions", EN, "en")
    assert not fig.data and "No data" in fig.layout.annotations[0].text


def test_totals_state_what_every_model_shares_and_what_is_not_attributed():
    text = totals_text(_result({}, total=80, value=1434103.07, unattributed=4, unattributed_value=165426.39),
                       EN, "en", 90)
    assert text == ("Every model shares out the same 80 conversions worth €1,434,103 over the channels. "
                    "4 conversions (€165,426) had no touchpoint in the 90 days before and are not attributed.")
    de = totals_text(_result({}, total=3, value=300.0), DE, "de", 30)
    assert "dieselben 3 Abschlüsse im Wert von 300\u00a0€" in de and "alle Abschlüsse hatten Kontaktpunkte" in de


def test_measure_comes_from_the_url_with_conversions_as_default():
    assert parse_measure("value") == "value" and parse_measure(None) == "conversions"
    assert parse_measure("nonsense") == "conversions"


# --- paths, Sankey, transitions ---------------------------------------------------------------
PATHS = [  # journeys with merged paths: A (10, 1 converted), A > B (5, 3), B > A > C > D (2, 2)
    {"path": "A", "steps": ["A"], "journeys": 10, "conversions": 1, "conversion_rate": 0.1},
    {"path": "A > B", "steps": ["A", "B"], "journeys": 5, "conversions": 3, "conversion_rate": 0.6},
    {"path": "B > A > C > D", "steps": ["B", "A", "C", "D"], "journeys": 2, "conversions": 2, "conversion_rate": 1.0},
]


def test_sankey_follows_three_steps_then_the_outcome():
    parts = sankey_parts(PATHS, steps=3, min_share=0.0)
    # step 1: A = 10 + 5, B = 2; step 2: B = 5, A = 2; step 3: C = 2 (D is step 4: not shown)
    assert parts["nodes"][(1, "A")] == 15 and parts["nodes"][(1, "B")] == 2
    assert parts["nodes"][(2, "B")] == 5 and parts["nodes"][(3, "C")] == 2 and (4, "D") not in parts["nodes"]
    links = parts["links"]
    assert links[((1, "A"), (2, "B"))] == 5 and links[((1, "B"), (2, "A"))] == 2 and links[((2, "A"), (3, "C"))] == 2
    # outcomes from each journey's last shown step: A alone 1 / 9; A > B 3 / 2; … > C 2 / 0
    assert links[((1, "A"), "conversion")] == 1 and links[((1, "A"), "null")] == 9
    assert links[((2, "B"), "conversion")] == 3 and links[((2, "B"), "null")] == 2
    assert links[((3, "C"), "conversion")] == 2 and ((3, "C"), "null") not in links
    assert parts["nodes"]["conversion"] == 6 and parts["nodes"]["null"] == 11          # all 17 journeys end


def test_small_channels_of_a_step_are_one_other_node():
    # at step 1, B has 2 of 17 journeys (11.8 %): below a 15 % threshold it becomes "other"
    parts = sankey_parts(PATHS, steps=3, min_share=0.15)
    assert (1, "B") not in parts["nodes"] and parts["nodes"][(1, "__other__")] == 2


def test_paths_table_rows_are_click_targets_with_the_path():
    table = paths_table(PATHS, EN, "en")
    rows = table.children[1].children
    assert [r.id["key"] for r in rows] == ["A", "A > B", "B > A > C > D"]
    assert rows[1].id["type"] == "attribution-path"
    assert "60.0%" in json.dumps(rows[1].to_plotly_json(), default=str)


def test_transition_heatmap_rows_are_from_states_and_columns_to_states():
    matrix = {"states": ["start", "A", "B", "conversion", "null"],
              "counts": {"start": {"A": 3, "B": 1}, "A": {"B": 1, "conversion": 1, "null": 2}, "B": {"conversion": 2}},
              "probabilities": {"start": {"A": 0.75, "B": 0.25}, "A": {"B": 0.25, "conversion": 0.25, "null": 0.5},
                                "B": {"conversion": 1.0}}}
    fig = transition_figure(matrix, EN, "en")
    hm = fig.data[0]
    assert list(hm.y) == ["start", "A", "B"] and list(hm.x) == ["A", "B", "conversion", "null"]
    assert list(hm.z[1]) == [None, 0.25, 0.25, 0.5]            # from A: never to A itself (merged repeats)
    assert hm.text[0][0] == "75%" and fig.layout.yaxis.ticktext[0] == "Start"
    assert "25.0% of the 4 steps out of A (1)" in hm.hovertext[1][1]
    assert list(fig.layout.xaxis.ticktext)[-2:] == ["Conversion", "No conversion (yet)"]


# --- drill-down rows --------------------------------------------------------------------------
def _journey(deal, closed_day, value, keys):
    closed = datetime(2025, 3, closed_day, 12)
    touches = tuple(Touch(f"T{deal}{i}", k, datetime(2025, 3, i + 1), 0) for i, k in enumerate(keys))
    return Journey(deal, f"C{deal}", closed, value, touches)


JOURNEYS = [_journey("1", 10, 100.0, ["email", "email", "tv"]), _journey("2", 11, 50.0, ["tv"]),
            _journey("3", 12, 70.0, []), _journey("4", 13, 20.0, ["email", "tv"])]


def test_a_channel_lists_the_conversions_whose_journey_contains_it():
    df = journey_rows(JOURNEYS, channel="email")
    assert list(df["deal_id"]) == ["1", "4"]                      # 2 has no email; 3 is not attributed
    assert list(df["path"]) == ["email > tv", "email > tv"]       # repeats merged as in the path list
    assert list(df["touches"]) == [3, 2] and list(df["channel_touches"]) == [2, 1]
    assert list(df["amount"]) == [100.0, 20.0]


def test_a_path_lists_exactly_the_conversions_with_that_merged_path():
    assert list(journey_rows(JOURNEYS, path="email > tv")["deal_id"]) == ["1", "4"]
    assert list(journey_rows(JOURNEYS, path="tv")["deal_id"]) == ["2"]


def _paged(df, access=Access(), **kw):
    return page_frame(df, filters=Filters(access=access), default_sort=[("closed_at", "desc")], **kw)


def test_rows_are_sorted_and_paged_in_python_with_the_total():
    df = journey_rows(JOURNEYS, channel="tv")                      # deals 1, 2, 4
    page, total = _paged(df, limit=2, offset=0, sort=[("amount", "asc")])
    assert total == 3 and list(page["deal_id"]) == ["4", "2"]
    page, _ = _paged(df, limit=2, offset=2, sort=[("amount", "asc")])
    assert list(page["deal_id"]) == ["1"]
    latest_first, _ = _paged(df, limit=10, offset=0)               # default: latest conversion first
    assert list(latest_first["deal_id"]) == ["4", "2", "1"]
    with pytest.raises(ListError):
        _paged(df, sort=[("nonsense", "asc")])


def test_the_python_paged_list_keeps_the_access_rules_of_every_list():
    df = journey_rows(JOURNEYS, channel="tv").assign(customer_name=["Ann", "Bob", "Cy"])
    with pytest.raises(AccessDenied):                              # a viewer: aggregates only
        _paged(df, Access(role="viewer", no_rows=True))
    page, total = _paged(df, Access(role="marketing", pseudonymise=True))
    assert total == 3 and "customer_name" not in page and list(page["customer_id"]) == ["C4", "C2", "C1"]
    page, _ = _paged(df, Access(role="service", no_amounts=True))
    assert "amount" not in page and "customer_name" in page
    with pytest.raises(ListError):                                 # a hidden column cannot be sorted by
        _paged(df, Access(role="service", no_amounts=True), sort=[("amount", "desc")])


# --- the page on the worked example -----------------------------------------------------------
SEARCH = "?preset=custom&from=2025-01-01&to=2026-01-01"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return worked_example_client(tmp_path_factory, "attribution")





def _page(client, search):
    return render_page(client, "/attribution", search)


def _url_inputs(search):
    return [_entry("url", "search", search), _entry("data-version", "data", None)]


def test_layout_renders_in_english_and_german_with_the_urls_measure(client):
    en = _page(client, SEARCH)
    assert "Attribution over the customer journey" in en and "Top journeys" in en and "Channel transitions" in en
    assert '"value": "conversions"' in en
    de = _page(client, SEARCH + "&lang=de&measure=value")
    assert "Attribution über die Customer Journey" in de and "Häufigste Journeys" in de
    assert '"value": "value"' in de and "Zeigen" in de


def test_every_models_bars_are_the_worked_examples_attribution(client):
    want = expected("2025")["attribution"]
    resp = call(client, ["attribution-models.figure"], [("attribution-models", "figure"), ("attribution-totals", "children")],
                _url_inputs(SEARCH), changed=["url.search"])
    traces = resp["attribution-models"]["figure"]["data"]
    assert len(traces) == 7
    for model, trace in zip(MODELS, traces):
        got = dict(zip(trace["x"], trace["y"]))
        for channel, credit in want["models"][model].items():
            assert got[channel] == pytest.approx(credit["conversions"], rel=1e-9), (model, channel)
    text = resp["attribution-totals"]["children"]
    assert "the same 80 conversions worth €1,434,103" in text and "4 conversions (€165,426)" in text


def test_the_value_measure_shows_attributed_value(client):
    want = expected("2025")["attribution"]["models"]["linear"]
    resp = call(client, ["attribution-models.figure"], [("attribution-models", "figure"), ("attribution-totals", "children")],
                _url_inputs(SEARCH + "&measure=value"), changed=["url.search"])
    linear = resp["attribution-models"]["figure"]["data"][2]
    assert dict(zip(linear["x"], linear["y"]))["email"] == pytest.approx(want["email"]["value"], rel=1e-9)


def test_kpi_cards_state_totals_and_unattributed(client):
    resp = call(client, ["attribution-kpis.children"], [("attribution-kpis", "children"), ("attribution-subtitle", "children")],
                _url_inputs(SEARCH), changed=["url.search"])
    text = json.dumps(resp["attribution-kpis"], ensure_ascii=False)
    # 80 attributed, 4 not attributed (€165,426), 80 + 205 = 285 journeys
    assert '"80"' in text and '"4"' in text and "no touchpoint · €165,426" in text and '"285"' in text


def test_journeys_and_transitions_are_drawn(client):
    want = expected("2025")["attribution"]["markov"]["transition_probs"]
    outs = [("attribution-paths", "children"), ("attribution-paths-note", "children"), ("attribution-sankey", "figure"),
            ("attribution-transitions", "figure")]
    resp = call(client, ["attribution-paths.children"], outs, _url_inputs(SEARCH), changed=["url.search"])
    assert "285 journeys in all" in resp["attribution-paths-note"]["children"]
    hm = resp["attribution-transitions"]["figure"]["data"][0]
    row = hm["y"].index("email")
    for col, p in zip(hm["x"], hm["z"][row]):
        assert (p or 0.0) == pytest.approx(want["email"].get(col, 0.0), rel=1e-9), col
    assert resp["attribution-sankey"]["figure"]["data"][0]["type"] == "sankey"


def test_the_measure_switch_writes_the_url_and_conversions_leaves_it(client):
    def switch(measure, search):
        resp = call(client, ["url.search@", '"attribution-measure","property":"value"'], [("url", "search")],
                    [_entry("attribution-measure", "value", measure)], state=[_entry("url", "search", search)],
                    changed=["attribution-measure.value"])
        return resp and resp["url"]["search"]
    assert "measure=value" in switch("value", SEARCH)
    assert "measure=" not in switch("conversions", SEARCH + "&measure=value")
    assert switch("nonsense", SEARCH) is None


def _open_panel(client, req, search):
    panel = lambda t: {"type": t, "panel": "attribution"}
    outputs = [(panel("dd-body"), "children"), (panel("dd-title"), "children"), (panel("dd-collapse"), "is_open"),
               (panel("dd-message"), "children"), (panel("dd-request"), "data")]
    resp = call(client, ['"dd-body"', "children"], outputs,
                [_entry(panel("dd-request"), "data", req), _entry(panel("dd-close"), "n_clicks", None),
                 _entry("url", "search", search)],
                state=[_entry(panel("dd-collapse"), "is_open", False)],
                changed=[json.dumps(panel("dd-request"), separators=(",", ":")) + ".data"])
    by_type = {json.loads(k)["type"]: v for k, v in resp.items()}
    return by_type["dd-title"]["children"], by_type["dd-body"]["children"]["props"]["children"]["props"]["rowData"]


def _click(client, point=None, path=None):
    items = [_entry({"type": "attribution-path", "key": path}, "n_clicks", 1)] if path else []
    changed = ["attribution-models.clickData"] if point else \
        [json.dumps({"key": path, "type": "attribution-path"}, separators=(",", ":")) + ".n_clicks"]
    resp = call(client, ["dd-request", '"attribution-models","property":"clickData"'],
                [({"type": "dd-request", "panel": "attribution"}, "data")],
                [_entry("attribution-models", "clickData", point), items],
                state=[_entry("url", "search", SEARCH)], changed=changed)
    return next(iter(resp.values()))["data"]


def test_clicking_a_channel_lists_its_conversions_and_their_journeys(client):
    req = _click(client, point={"points": [{"x": "email", "y": 4.0, "customdata": ["email"]}]})
    assert req["source"] == "attribution.channel" and req["params"] == {"channel": "email"}
    title, rows = _open_panel(client, req, SEARCH)
    # every attributed conversion whose journey has an email touch, at most the 80 attributed
    assert title.startswith("Conversions with Email in their journey — ") and 0 < len(rows) <= 80
    assert int(title.rsplit("— ", 1)[1]) == len(rows)
    # the grid shows the journeys' channels in words (i18n.channel_label)
    assert all("Email" in r["path"].split(" > ") and r["channel_touches"] >= 1 for r in rows)
    # a channel's first-touch credit counts conversions whose first touch is that channel: a subset
    first = expected("2025")["attribution"]["models"]["first_touch"]["email"]["conversions"]
    assert sum(1 for r in rows if r["path"].split(" > ")[0] == "Email") == first


def test_clicking_a_top_journey_lists_exactly_its_conversions(client):
    outs = [("attribution-paths", "children"), ("attribution-paths-note", "children"), ("attribution-sankey", "figure"),
            ("attribution-transitions", "figure")]
    resp = call(client, ["attribution-paths.children"], outs, _url_inputs(SEARCH), changed=["url.search"])
    rows = resp["attribution-paths"]["children"]["props"]["children"][1]["props"]["children"]
    converting = next(r for r in rows if r["props"]["children"][2]["props"]["children"] != "0")
    path = converting["props"]["id"]["key"]
    conversions = int(converting["props"]["children"][2]["props"]["children"])
    req = _click(client, path=path)
    assert req["source"] == "attribution.path" and req["params"] == {"path": path}
    _, listed = _open_panel(client, req, SEARCH)
    assert len(listed) == conversions and all(r["path"] == channel_path(path, "en") for r in listed)
