"""The funnel page: figure and table builders from hand-built funnel dicts, and the page's
callbacks through Dash's HTTP endpoint on the hand-built pipeline (tests/pipeline_dataset.py).

The January 2025 cohort of pipeline_dataset (d1–d6, d8; d7 was created in December):
    reached  Lead 7 · Qualified 6 (all but d2) · Proposal 4 (d1 d4 d6 d8) · Negotiation 3 (d1 d6 d8) · Won 2 (d1 d6)
    drop-off Lead: d2 lost (reason price) · Qualified: d3, d5 still open · Proposal: d4 lost · Negotiation: d8 lost
"""
import json

import plotly.graph_objects as go
import pytest
from sqlalchemy import text

from app import create_app
from dashboard.formatting import Formatter
from dashboard.pages import _funnel_figures as ff
from settings import Settings
from tests.conftest import load_rows
from tests.pipeline_dataset import ROWS

JAN = "?preset=custom&from=2025-01-01&to=2025-02-01"
STAGES = ["Lead", "Qualified", "Proposal", "Negotiation", "Won"]


def stage(name, reached, amount, step, cumulative, dropped=None, lost=None, still_open=None, median=None):
    return {"stage": name, "reached": reached, "reached_amount": amount, "step": step, "cumulative": cumulative,
            "step_amount": step, "cumulative_amount": cumulative, "dropped": dropped, "dropped_lost": lost,
            "dropped_open": still_open, "time_to_reach_median_days": median, "time_to_reach_mean_days": median,
            "time_to_reach_p75_days": median}


# The January funnel of pipeline_dataset as queries.funnel.funnel returns it (amounts: d1..d6, d8).
FUNNEL = [
    stage("Lead", 7, 450.0, None, 1.0, 1, 1, 0, 0.0),
    stage("Qualified", 6, 400.0, 6 / 7, 6 / 7, 2, 0, 2, 1.5),
    stage("Proposal", 4, 370.0, 4 / 6, 4 / 7, 1, 1, 0, 2.0),
    stage("Negotiation", 3, 330.0, 3 / 4, 3 / 7, 1, 1, 0, 10.0),
    stage("Won", 2, 300.0, 2 / 3, 2 / 7, None, None, None, 10.0),
]


def _texts(component) -> str:
    """All text inside a component tree."""
    out = []

    def walk(c):
        if isinstance(c, (str, int, float)):
            out.append(str(c))
        elif isinstance(c, (list, tuple)):
            for x in c:
                walk(x)
        elif hasattr(c, "children"):
            walk(c.children)
    walk(component)
    return " ".join(out)


# --- URL parameters ---------------------------------------------------------------------------
@pytest.mark.parametrize("raw, days", [("30", 30), ("7.5", 7.5), ("3650", 3650)])
def test_a_positive_window_is_kept_in_days(raw, days):
    assert ff.parse_window(raw) == days


@pytest.mark.parametrize("raw", [None, "", "0", "-3", "abc", "nan", "inf", "3651", "1e9"])
def test_a_bad_window_means_no_window(raw):
    assert ff.parse_window(raw) is None


def test_unknown_measure_and_breakdown_fall_back_to_the_defaults():
    assert ff.parse_measure("value") == "value" and ff.parse_measure("amount") == "count"
    assert ff.parse_by("owner") == "owner" and ff.parse_by("industry") is None and ff.parse_by(None) is None


# --- the funnel figure ------------------------------------------------------------------------
def test_every_stage_bar_is_clickable_with_its_stage_name():
    fig = ff.funnel_figure(FUNNEL, Formatter("en"), "en")
    bars = fig.data[0]
    assert list(bars.y) == STAGES and list(bars.x) == [7, 6, 4, 3, 2]
    assert [list(c) for c in bars.customdata] == [[s] for s in STAGES]
    assert ff.clicked_stage({"points": [{"customdata": ["Proposal"]}]}) == ("Proposal", "reached")


def test_conversions_are_labelled_of_first_on_the_bar_and_of_previous_under_the_stage():
    fig = ff.funnel_figure(FUNNEL, Formatter("en"), "en")
    assert fig.data[0].text[2] == "<b>4</b> · 57.1% of first"          # 4 / 7
    ticks = fig.layout.yaxis.ticktext
    assert "66.7% of previous" in ticks[2] and "of previous" not in ticks[0]  # 4 / 6; none for Lead


def test_german_labels_and_number_format():
    fig = ff.funnel_figure(FUNNEL, Formatter("de"), "de")
    assert fig.data[0].text[1] == "<b>6</b> · 85,7\u00a0% vom ersten"   # 6 / 7
    assert "66,7\u00a0% vom vorherigen" in fig.layout.yaxis.ticktext[2]
    assert "Zeit bis zur Stufe" in fig.data[0].hovertext[2] and "2,0\u00a0Tage" in fig.data[0].hovertext[2]


def test_drop_off_is_split_into_lost_and_still_open_bars_that_drill_by_kind():
    fig = ff.funnel_figure(FUNNEL, Formatter("en"), "en")
    lost, still_open = fig.data[1], fig.data[2]
    assert list(lost.y) == STAGES[:-1]                                  # Won has no drop-off
    assert list(lost.x) == [1, 0, 1, 1] and list(still_open.x) == [0, 2, 0, 0]
    assert list(lost.customdata[0]) == ["Lead", "dropped_lost"]
    assert ff.clicked_stage({"points": [{"customdata": ["Qualified", "dropped_open"]}]}) == ("Qualified", "dropped_open")


def test_under_a_window_the_drop_off_is_one_bar():
    windowed = [dict(s, dropped_lost=None, dropped_open=None) for s in FUNNEL]
    fig = ff.funnel_figure(windowed, Formatter("en"), "en", windowed=True)
    assert len(fig.data) == 2 and list(fig.data[1].x) == [1, 2, 1, 1]
    assert fig.data[1].customdata[1][1] == "dropped"


def test_value_mode_shows_amounts_and_value_conversions():
    fig = ff.funnel_figure(FUNNEL, Formatter("en"), "en", measure="value")
    assert list(fig.data[0].x) == [450.0, 400.0, 370.0, 330.0, 300.0]
    assert fig.data[0].text[0].startswith("<b>€450</b>")


def test_a_cohort_without_deals_shows_the_empty_state():
    empty = [dict(s, reached=0, reached_amount=0.0) for s in FUNNEL]
    fig = ff.funnel_figure(empty, Formatter("de"), "de")
    assert "Keine Deals in dieser Auswahl" in fig.layout.annotations[0].text and not fig.data


def test_stage_table_has_time_to_reach_and_drop_off_per_stage():
    table = _texts(ff.stage_table(FUNNEL, Formatter("de"), "de"))
    for piece in ("Zeit bis zur Stufe", "75. Perzentil", "10,0\u00a0Tage", "Verloren", "Noch offen", "85,7\u00a0%"):
        assert piece in table


def test_drill_titles_name_the_stage_and_the_window():
    fmt = Formatter("en")
    assert ff.drill_title("reached", "Proposal", "en", fmt) == "Deals that reached Proposal"
    assert ff.drill_title("dropped_lost", "Lead", "en", fmt, 30) == "Deals lost at Lead (window 30\u00a0days)"
    assert ff.drill_title("dropped_open", "Qualified", "de", Formatter("de")) == "Deals, die noch in Qualified offen sind"


# --- breakdown --------------------------------------------------------------------------------
GROUPS = {"o1": FUNNEL, "(none)": [dict(s, reached=1, cumulative=1.0) for s in FUNNEL]}


def test_breakdown_draws_one_bar_series_per_group_keyed_for_cross_filtering():
    fig = ff.breakdown_figure(GROUPS, {"o1": "Anna Müller"}, Formatter("de"), "de")
    assert [t.name for t in fig.data] == ["Anna Müller", "(leer)"]
    assert list(fig.data[0].customdata[2]) == ["o1", "Proposal"]
    assert list(fig.data[0].x) == STAGES and list(fig.data[0].y) == [7, 6, 4, 3, 2]


def test_conversion_rows_hold_reached_and_both_ratios_per_stage():
    rows = ff.conversion_rows(GROUPS, {"o1": "Anna Müller"}, "en")
    assert rows[0]["key"] == "o1" and rows[0]["label"] == "Anna Müller"
    assert rows[0]["r2"] == 4 and rows[0]["s2"] == pytest.approx(4 / 6) and rows[0]["c2"] == pytest.approx(4 / 7)
    defs = ff.conversion_column_defs(STAGES, "Owner", "de", "EUR")
    assert [d["headerName"] for d in defs[2]["children"]] == ["Deals", "vom vorherigen", "vom ersten"]


def test_lost_reasons_are_counted_with_their_share():
    block = ff.lost_reasons_block([{"lost_reason": "price", "deals": 3}, {"lost_reason": "(none)", "deals": 1}],
                                  Formatter("en"), "en")
    text = _texts(block)
    assert "Lost reasons:" in text and "Price" in text and "3 (75%)" in text and "(none)" in text   # reasons in words
    assert ff.lost_reasons_block([], Formatter("en"), "en") is None


# --- the page in the app ----------------------------------------------------------------------
def _app(tmp_path_factory, name, rows):
    from queries.db import ensure_schema, make_engine
    url = f"sqlite:///{tmp_path_factory.mktemp(name) / 'pipeline.db'}"
    engine = make_engine(url)
    ensure_schema(engine)
    load_rows(engine, rows)
    server = create_app(Settings(database_url=url, report_tz="UTC"))
    client = server.test_client()
    assert client.get("/").status_code == 200   # first request: Dash takes the page callbacks
    client.dash = server.extensions["dash"]
    client.engine = engine
    return client


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    c = _app(tmp_path_factory, "funnel_page", ROWS)
    yield c
    c.engine.dispose()


def _entry(cid, prop, value=None):
    return {"id": cid, "property": prop, "value": value}


def call(client, output_key_parts, outputs, inputs, state=(), changed=()):
    """POST one callback as the browser would; {id: {prop: value}}, or None for no update."""
    inputs = list(inputs)
    keys = [k for k in client.dash.callback_map if all(p in k for p in output_key_parts)]
    exact = [k for k in keys if k in output_key_parts]
    keys = exact or keys
    if len(keys) > 1:  # several callbacks write this output (allow_duplicate): pick by first input
        first = inputs[0]["id"]
        first = json.dumps(first, sort_keys=True, separators=(",", ":")) if isinstance(first, dict) else first
        keys = [k for k in keys if any(i.get("id") == first for i in client.dash.callback_map[k]["inputs"])]
    assert len(keys) == 1, keys
    key = keys[0]
    outs = [{"id": i, "property": p} for i, p in outputs]
    body = {"output": key, "outputs": outs if key.startswith("..") else outs[0], "inputs": list(inputs),
            "state": list(state), "changedPropIds": list(changed)}
    r = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")
    if r.status_code == 204:
        return None
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    return r.get_json()["response"]


def _draw(client, search):
    return call(client, ["funnel-chart.figure"], [("funnel-chart", "figure"), ("funnel-stages", "children"),
                                                  ("funnel-summary", "children"), ("funnel-subtitle", "children")],
                [_entry("url", "search", search), _entry("data-version", "data")], changed=["url.search"])


@pytest.mark.parametrize("lang, words", [("de", ["Pipeline-Trichter", "Konversionsfenster", "Aufschlüsseln nach"]),
                                         ("en", ["Pipeline funnel", "Conversion window", "Break down by"])])
def test_layout_renders_in_the_urls_language_with_breakdown_and_window(client, lang, words):
    resp = call(client, ["_pages_content.children"], [("_pages_content", "children"), ("_pages_store", "data")],
                [_entry("_pages_location", "pathname", "/funnel"),
                 _entry("_pages_location", "search", f"{JAN}&lang={lang}&by=team&window=30")],
                changed=["_pages_location.pathname"])
    page = json.dumps(resp, ensure_ascii=False)
    assert all(w in page for w in words)
    assert '"value": 30' in page and "funnel-breakdown-table" in page


def test_funnel_callback_draws_the_hand_derived_funnel(client):
    resp = _draw(client, JAN)
    fig = resp["funnel-chart"]["figure"]
    assert fig["data"][0]["x"] == [7, 6, 4, 3, 2]
    assert fig["data"][1]["x"] == [1, 0, 1, 1] and fig["data"][2]["x"] == [0, 2, 0, 0]
    assert resp["funnel-summary"]["children"] == "7 deals in the cohort"
    assert resp["funnel-subtitle"]["children"] == "Deals created 2025-01-01 – 2025-01-31"   # follows the URL
    assert "could not be loaded" not in json.dumps(resp)


def test_a_conversion_window_changes_reached_and_names_the_window(client):
    # first entry at a stage or later within 1 day of creation: d3 Qualified (1.0 days), d5
    # Qualified (0.5), d4 Proposal (1.0), d8 Negotiation (1.0); not d1 (Proposal after 2 days),
    # d6 and d1 won after 10 days. So Qualified 4, Proposal 2 (d4 d8), Negotiation 1 (d8), Won 0.
    resp = _draw(client, JAN + "&window=1")
    assert resp["funnel-chart"]["figure"]["data"][0]["x"] == [7, 4, 2, 1, 0]
    assert "conversion window 1\u00a0day" in resp["funnel-summary"]["children"]


def _open(client, click, search=JAN):
    resp = call(client, ['{"panel":"funnel","type":"dd-request"}.data@'],
                [({"type": "dd-request", "panel": "funnel"}, "data")],
                [_entry("funnel-chart", "clickData", click)], state=[_entry("url", "search", search)],
                changed=["funnel-chart.clickData"])
    (value,) = resp.values()
    return value["data"]


def _panel(client, req, search=JAN):
    """The drill-down panel's answer to a request: (title, grid rows)."""
    pid = {"type": "dd-request", "panel": "funnel"}
    key = '..{"panel":["MATCH"],"type":"dd-body"}.children'
    outs = [({"panel": "funnel", "type": t}, p) for t, p in
            (("dd-body", "children"), ("dd-title", "children"), ("dd-collapse", "is_open"),
             ("dd-message", "children"), ("dd-request", "data"))]
    resp = call(client, [key], outs,
                [_entry(pid, "data", req), _entry({"panel": "funnel", "type": "dd-close"}, "n_clicks"),
                 _entry("url", "search", search)],
                state=[_entry({"panel": "funnel", "type": "dd-collapse"}, "is_open", False)],
                changed=[json.dumps(pid, separators=(",", ":")) + ".data"])
    by_type = {json.loads(k)["type"]: v for k, v in resp.items()}
    grid = by_type["dd-body"]["children"]["props"]["children"]["props"]
    return by_type["dd-title"]["children"], grid["rowData"]


@pytest.mark.parametrize("point, count, deals", [
    (["Proposal"], 4, {"d1", "d4", "d6", "d8"}),
    (["Lead", "dropped_lost"], 1, {"d2"}),
    (["Qualified", "dropped_open"], 2, {"d3", "d5"}),
])
def test_clicking_a_bar_lists_exactly_the_deals_behind_its_number(client, point, count, deals):
    req = _open(client, {"points": [{"customdata": point}]})
    assert req["source"] == "funnel.deals" and req["params"]["stage"] == point[0]
    title, rows = _panel(client, req)
    assert title.endswith(f"— {count}") and len(rows) == count
    assert {r["deal_id"] for r in rows} == deals


def test_the_lost_list_shows_its_lost_reasons_above_the_grid(client):
    req = _open(client, {"points": [{"customdata": ["Lead", "dropped_lost"]}]})
    resp = call(client, ['{"panel":"funnel","type":"dd-message"}.children@'], [({"type": "dd-message", "panel": "funnel"}, "children")],
                [_entry({"type": "dd-title", "panel": "funnel"}, "children", "Deals lost at Lead — 1")],
                state=[_entry({"type": "dd-request", "panel": "funnel"}, "data", req), _entry("url", "search", JAN)],
                changed=['{"panel":"funnel","type":"dd-title"}.children'])
    text = json.dumps(resp, ensure_ascii=False)
    assert "Lost reasons:" in text and "Price" in text and "1 (100%)" in text
    reached = _open(client, {"points": [{"customdata": ["Lead"]}]})
    assert call(client, ['{"panel":"funnel","type":"dd-message"}.children@'], [({"type": "dd-message", "panel": "funnel"}, "children")],
                [_entry({"type": "dd-title", "panel": "funnel"}, "children", "x")],
                state=[_entry({"type": "dd-request", "panel": "funnel"}, "data", reached), _entry("url", "search", JAN)],
                changed=['{"panel":"funnel","type":"dd-title"}.children']) is None


def test_the_window_goes_into_the_url_and_out_again(client):
    def change(value, search):
        return call(client, ["url.search@"], [("url", "search")],
                    [_entry("funnel-measure", "value", "count"), _entry("funnel-window", "value", value),
                     _entry("funnel-by", "value", "none")], state=[_entry("url", "search", search)],
                    changed=["funnel-window.value"])
    assert "window=30" in change(30, JAN)["url"]["search"]
    assert "window" not in change(None, JAN + "&window=30")["url"]["search"]


def test_the_breakdown_section_shows_only_with_a_breakdown_in_the_url(client):
    def show(search):
        return call(client, ["funnel-breakdown-section.style"],
                    [("funnel-breakdown-section", "style"), ("funnel-breakdown-title", "children"),
                     ("funnel-breakdown-table-title", "children")],
                    [_entry("url", "search", search)], changed=["url.search"])
    hidden = show(JAN + "&lang=de")
    assert hidden["funnel-breakdown-section"]["style"] == {"display": "none"}
    shown = show(JAN + "&lang=de&by=source_channel")
    assert shown["funnel-breakdown-section"]["style"] is None
    assert shown["funnel-breakdown-table-title"]["children"] == "Konversion nach Quellkanal"


def test_clicking_a_breakdown_bar_adds_its_group_as_a_filter(client):
    resp = call(client, ["url.search@"], [("url", "search")],
                [_entry("funnel-breakdown", "clickData", {"points": [{"customdata": ["DACH", "Lead"]}]})],
                state=[_entry("url", "search", JAN + "&by=region")], changed=["funnel-breakdown.clickData"])
    assert "region=DACH" in resp["url"]["search"] and "by=region" in resp["url"]["search"]


def test_breakdown_by_owner_is_labelled_by_name(client):
    resp = call(client, ["funnel-breakdown.figure"], [("funnel-breakdown", "figure"), ("funnel-breakdown-table", "children")],
                [_entry("url", "search", JAN + "&by=owner"), _entry("data-version", "data")], changed=["url.search"])
    names = {t["name"] for t in resp["funnel-breakdown"]["figure"]["data"]}
    assert names == {"Anna Müller", "Jörg Schäfer"}
    rows = resp["funnel-breakdown-table"]["children"]["props"]["rowData"]
    # o1's January cohort: d1, d3, d5, d8; o2's: d2, d4, d6
    assert {r["key"]: r["r0"] for r in rows} == {"o1": 4, "o2": 3}


def test_a_database_error_becomes_an_error_state_not_a_blank_chart(tmp_path_factory):
    broken = _app(tmp_path_factory, "funnel_broken", ROWS)
    with broken.engine.begin() as conn:
        conn.execute(text("DROP TABLE deal_stage_history"))
    resp = _draw(broken, JAN)
    assert "could not be loaded" in json.dumps(resp["funnel-chart"]["figure"])
    assert "could not be loaded" in json.dumps(resp["funnel-stages"]["children"])
    broken.engine.dispose()


def test_figures_are_plain_plotly_figures():
    assert isinstance(ff.funnel_figure(FUNNEL, Formatter("en"), "en"), go.Figure)
