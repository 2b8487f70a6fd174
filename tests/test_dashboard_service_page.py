"""Customer-service page and the overview's service row: figure/text helpers (pure) and the
callbacks through Dash's HTTP endpoint on the worked example (SQLite, REPORT_TZ=UTC, period 2025;
expected numbers in tests/fixtures/worked_example/expected_2025.json, "service").
"""
import json

import pytest

from dashboard.formatting import Formatter
from dashboard.pages import _service_figures as sf
from dashboard.pages._service_retention import (
    difference_interval,
    retention_sentences,
    wilson_interval,
)
from tests.conftest import expected
from tests.dash_client import call, render_page, worked_example_client
from tests.dash_client import entry as _entry

EN, DE = Formatter("en"), Formatter("de")
NB = "\u00a0"


def _retention(bad_n, bad_active, none_n, none_active, base=40):
    return {"base_customers": base,
            "bad_rated_case": {"customers": bad_n, "active": bad_active,
                               "share_active": bad_active / bad_n if bad_n else None},
            "no_case": {"customers": none_n, "active": none_active,
                        "share_active": none_active / none_n if none_n else None}}


# --- service and retention in words -----------------------------------------------------------
def test_wilson_and_newcombe_intervals_match_the_published_example():
    # Newcombe (1998), example (a): 56/70 − 48/80 = 0.2, method 10 interval 0.0524 to 0.3339
    lo, hi = difference_interval(56, 70, 48, 80)
    assert lo == pytest.approx(0.0524, abs=5e-5) and hi == pytest.approx(0.3339, abs=5e-5)
    # Wilson 0 of 10: lower bound 0, upper z²/(n + z²) = 3.8415 / 13.8415 = 0.2775
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=5e-5)


def test_retention_sentence_in_english_names_shares_group_sizes_and_chance():
    # the worked example: 6 of 10 with a poorly rated case ordered again, 6 of 12 without a case
    s = retention_sentences(expected("2025")["service"]["service_and_retention"], EN, "en")
    assert s[0] == ("Of the customers who ordered in the 12 months before the period, 60% of those with a poorly "
                    "rated case (rating ≤ 2) ordered again in the period, against 50% of those without a case.")
    assert s[1] == "Groups: 6 of 10 customers with a poorly rated case, 6 of 12 customers without a case."
    # 0.6 − 0.5 = +10 pp; with groups of 10 and 12 the interval (−28 to +44 pp) holds 0
    assert s[2] == (f"With groups of this size the difference of +10{NB}pp may well be chance "
                    f"(95% interval \u221228{NB}pp to +44{NB}pp).")
    assert "association, not a cause" in s[3]


def test_retention_sentence_in_german():
    s = retention_sentences(_retention(10, 6, 12, 6), DE, "de")
    assert s[0] == ("Von den Kunden, die in den 12 Monaten vor dem Zeitraum bestellt haben, bestellten "
                    f"60{NB}% derer mit einem schlecht bewerteten Fall (Bewertung ≤ 2) im Zeitraum erneut, "
                    f"gegenüber 50{NB}% derer ohne Fall.")
    assert s[1] == "Gruppen: 6 von 10 Kunden mit schlecht bewertetem Fall, 6 von 12 Kunden ohne Fall."
    assert s[2].startswith(f"Bei Gruppen dieser Größe kann der Unterschied von +10{NB}Pp. gut Zufall sein")
    assert "Zusammenhang, keine Ursache" in s[3]


def test_a_clear_difference_is_called_larger_than_chance():
    # 20 of 100 against 60 of 100: −40 pp, the interval lies wholly below 0
    en = retention_sentences(_retention(100, 20, 100, 60, base=300), EN, "en")
    assert en[2].startswith(f"The difference of \u221240{NB}pp is larger than chance alone would explain")
    de = retention_sentences(_retention(100, 20, 100, 60, base=300), DE, "de")
    assert de[2].startswith(f"Der Unterschied von \u221240{NB}Pp. ist größer, als Zufall allein erklären würde")


@pytest.mark.parametrize("bad_n, none_n", [(9, 50), (50, 9), (0, 0)])
def test_too_few_customers_to_compare_when_a_group_has_under_ten(bad_n, none_n):
    r = _retention(bad_n, bad_n // 2, none_n, none_n // 2)
    en = retention_sentences(r, EN, "en")
    assert len(en) == 1 and en[0].startswith("Too few customers to compare:")
    assert f"{bad_n} had a poorly rated case" in en[0] and f"{none_n} had no case" in en[0]
    de = retention_sentences(r, DE, "de")
    assert len(de) == 1 and de[0].startswith("Zu wenige Kunden für einen Vergleich:")


def test_without_customers_before_the_period_there_is_nothing_to_compare():
    assert "nothing to compare" in retention_sentences(_retention(0, 0, 0, 0, base=0), EN, "en")[0]
    assert "nichts zu vergleichen" in retention_sentences(None, DE, "de")[0]


# --- figures, cards, agents -------------------------------------------------------------------
WEEKS = [{"week": "2024-12-30", "opened": 4, "resolved": 3, "backlog": 4},
         {"week": "2025-01-06", "opened": 0, "resolved": 2, "backlog": 2}]


def test_trend_bars_carry_their_monday_and_the_backlog_sits_on_the_right_axis():
    fig = sf.trend_figure(WEEKS, DE, "de")
    opened, resolved, backlog = fig.data
    assert [list(c) for c in opened.customdata] == [["2024-12-30"], ["2025-01-06"]]
    assert list(opened.y) == [4, 0] and list(resolved.y) == [3, 2] and list(backlog.y) == [4, 2]
    assert (opened.name, resolved.name) == ("Eröffnet", "Gelöst") and backlog.yaxis == "y2"
    assert fig.layout.xaxis.hoverformat == "Woche ab %d.%m.%Y" and fig.layout.hovermode == "x unified"
    empty = sf.trend_figure([{"week": "2025-01-06", "opened": 0, "resolved": 0, "backlog": 0}], EN, "en")
    assert not empty.data and "No service cases" in empty.layout.annotations[0].text


def test_times_by_priority_translate_values_and_click_to_opened_or_resolved_cases():
    rows = [{"value": "urgent", "label": "urgent", "cases": 2, "resolved": 1, "first_response_median": 0.5,
             "first_response_p90": 1.25, "resolution_median": 3.0, "resolution_p90": 10.0},
            {"value": "(none)", "label": "(none)", "cases": 1, "resolved": 0, "first_response_median": 2.0,
             "first_response_p90": 2.0, "resolution_median": None, "resolution_p90": None},
            {"value": "low", "label": "low", "cases": 0, "resolved": 0}]          # nothing: left out
    fig = sf.times_figure(rows, "priority", DE, "de")
    first_median, first_p90, res_median, _ = fig.data
    assert list(first_median.x) == ["dringend", "(leer)"] and list(first_p90.y) == [1.25, 2.0]
    assert [list(c) for c in first_median.customdata] == [["urgent", "opened"], ["(none)", "opened"]]
    assert list(res_median.customdata[0]) == ["urgent", "resolved"]
    assert first_median.hovertext[0] == (f"<b>dringend</b><br>Median 0,5{NB}h · 90. Perzentil 1,2{NB}h"
                                         "<br>2 eröffnete Fälle")
    assert sf.clicked_group({"points": [{"customdata": ["urgent", "resolved"]}]}) == ("urgent", "resolved")
    assert sf.clicked_group({"points": [{}]}) is None
    assert "No service cases" in sf.times_figure(rows[2:], "channel", EN, "en").layout.annotations[0].text


def test_csat_line_by_month_over_the_number_of_ratings():
    months = [{"month": "2025-01", "rated": 10, "csat": 1.0, "avg_satisfaction": 4.7},
              {"month": "2025-02", "rated": 0, "csat": None, "avg_satisfaction": None}]
    fig = sf.csat_figure(months, EN, "en")
    bars, line = fig.data
    assert list(line.y) == [1.0, None] and [list(c) for c in line.customdata] == [["2025-01"], ["2025-02"]]
    assert bars.yaxis == "y2" and list(bars.y) == [10, 0] and bars.hovertext[0] == "Ratings: 10 · Avg rating 4.70"
    assert list(line.x) == ["Jan<br>2025", "Feb"]                   # the year under the first month only
    assert line.hovertext[0] == "CSAT January 2025: 100.0%"
    assert "No service cases" in sf.csat_figure(months[1:], EN, "en").layout.annotations[0].text


def test_month_ticks_keep_the_year_where_it_changes_and_stay_unique():
    assert sf.month_ticks(["2025-11", "2025-12", "2026-01"], DE) == ["Nov<br>2025", "Dez", "Jan<br>2026"]
    # December first and January next: one year under January only (side by side they overlap)
    assert sf.month_ticks(["2025-12", "2026-01", "2026-02"], EN) == ["Dec", "Jan<br>2026", "Feb"]
    long = sf.month_ticks([f"2025-{m:02d}" for m in range(1, 13)] + ["2026-01", "2026-02"], EN)
    assert long[1] == "Feb<br>2025" and long[-1] == "Feb<br>2026"             # 14 months: every label has its year


def test_count_axes_step_in_whole_numbers():
    # at most 6 steps of 1, 2, 5 × 10^k: 19 -> 5 (0, 5, …, 20); 36 -> 10; 4 -> 1; 120 -> 20
    assert [sf.count_dtick(t) for t in (0, 4, 7, 19, 36, 120)] == [None, 1, 2, 5, 10, 20]


def test_future_weeks_and_months_are_left_out():
    from datetime import date
    assert [w["week"] for w in sf.visible_weeks(WEEKS, date(2025, 1, 5))] == ["2024-12-30"]
    assert sf.visible_months([{"month": "2025-01"}, {"month": "2025-02"}], date(2025, 1, 31)) == [{"month": "2025-01"}]


def test_agent_parameter_dropdown_options_and_table_rows():
    assert sf.parse_agents(" a1,a2,,a1 ") == ("a1", "a2") and sf.parse_agents(None) == ()
    assert sf.parse_agents(["b", "b", "c"]) == ("b", "c")
    rows = [{"value": "a2", "label": "Zoë", "cases": 3, "resolved": 1},
            {"value": "(none)", "label": "(none)", "cases": 5, "resolved": 5},
            {"value": "a1", "label": "Anna", "cases": 3, "resolved": 2}]
    opts = sf.agent_options(rows, ("gone",), "de")
    assert [o["value"] for o in opts] == ["a1", "a2", "(none)", "gone"] and opts[2]["label"] == "(leer)"
    # busiest first (ties: more resolved first); a selection keeps only its agents
    assert [r["agent"] for r in sf.agent_rows(rows, (), "en")] == ["(none)", "a1", "a2"]
    picked = sf.agent_rows(rows, ("a2",), "de")
    assert len(picked) == 1 and picked[0]["label"] == "Zoë" and picked[0]["filter"] == "Filtern"
    top = sf.agent_column_defs("de", "EUR")
    groups = {d["headerName"]: [c["field"] for c in d["children"]] for d in top if "children" in d}
    assert groups == {"Erstreaktion (h)": ["first_response_median", "first_response_p90"],
                      "Lösungszeit (h)": ["resolution_median", "resolution_p90"]}
    defs = {c["field"]: c for d in top for c in d.get("children", [d])}
    assert list(defs)[:3] == ["label", "cases", "resolved"] and list(defs)[-1] == "filter"
    assert defs["resolution_p90"]["headerName"] == "P90" and defs["resolution_p90"]["headerTooltip"] == "90. Perzentil"
    assert defs["resolution_median"]["valueFormatter"]["function"] == "fmtNumber(params.value, 'de', 1)"
    assert defs["csat"]["valueFormatter"]["function"] == "fmtPercent(params.value, 'de')"


def test_kpi_cards_show_the_medians_in_hours_with_the_90th_percentile():
    now = expected("2025")["service"]
    cards = sf.kpi_cards(now, {**now, "backlog": 10}, EN, "en", compare_label="vs previous period",
                         names=("backlog", "resolution_hours_median"))
    text = json.dumps([c.to_plotly_json() for c in cards], default=lambda o: o.to_plotly_json())
    assert '"Backlog (open cases)"' in text and '"13"' in text                 # 13 open at the period's end
    assert '"Resolution time (median, h)"' in text and '"44.5"' in text        # 44.55 h, a float just below
    assert "90th percentile 224.0\\u00a0h" in text                              # p90 224.02 h
    # backlog 13 against 10: +30 %, and more open cases is bad
    assert "kpi-change bad" in text


# --- the page on the worked example -------------------------------------------------------------
SEARCH = "?preset=custom&from=2025-01-01&to=2026-01-01"
AGENT = "005Dn00000011"   # Søren García: 16 cases opened in 2025, 14 resolved, CSAT 40 %


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return worked_example_client(tmp_path_factory, "service")


_page = render_page


def test_layout_renders_in_german_and_english_with_the_urls_agents(client):
    de = _page(client, "/service", SEARCH + "&lang=de&agent=" + AGENT)
    assert "Kundenservice" in de and "Reaktions- und Lösungszeit nach Priorität" in de and "Alle Bearbeiter" in de
    assert f'"value": ["{AGENT}"]' in de
    en = _page(client, "/service", SEARCH)
    assert "Customer service" in en and "Service and retention" in en and '"value": []' in en


def _summary(client, search):
    return call(client, ["..service-kpis.children"],
                [("service-kpis", "children"), ("service-retention", "children"), ("service-subtitle", "children")],
                [_entry("url", "search", search), _entry("data-version", "data", None)], changed=["url.search"])


def _values(resp) -> dict:
    """{card label: big number} of the drawn KPI cards."""
    out = {}
    for wrapper in resp["service-kpis"]["children"]:
        body = wrapper["props"]["children"]["props"]["children"]["props"]["children"]
        out[body[0]["props"]["children"]] = body[1]["props"]["children"]
    return out


def test_kpis_and_retention_are_the_worked_examples(client):
    want = expected("2025")["service"]
    resp = _summary(client, SEARCH)
    v = _values(resp)
    assert v["Cases opened"] == str(want["cases_opened"]) and v["Cases resolved"] == str(want["cases_resolved"])
    assert v["Backlog (open cases)"] == str(want["backlog"])                       # 13
    assert v["First response (median, h)"] == "2.5" and v["Resolution time (median, h)"] == "44.5"
    assert v["Satisfaction (CSAT)"] == "79.0%" and v["Avg rating (1–5)"] == "4.2"   # 154/195, 4.236
    assert v["Cases per 100 customers"] == "508.1"                                  # 315 / 62 × 100
    text = json.dumps(resp["service-retention"], ensure_ascii=False)
    assert "60% of those with a poorly rated case" in text and "6 of 12 customers without a case" in text
    assert resp["service-subtitle"]["children"] == "2025-01-01 – 2025-12-31"


def test_the_agent_filter_applies_to_the_pages_numbers(client):
    v = _values(_summary(client, SEARCH + "&agent=" + AGENT + "&lang=de"))
    assert v["Eröffnete Fälle"] == "16" and v["Gelöste Fälle"] == "14"
    assert v["Kundenzufriedenheit (CSAT)"] == f"40,0{NB}%"
    resp = call(client, ["service-agents.children"],
                [("service-agents", "children"), ("service-agent-wrap", "children")],
                [_entry("url", "search", SEARCH + "&agent=" + AGENT), _entry("data-version", "data", None)],
                state=[_entry("service-agent", "value", []), _entry("service-agent", "options", [])],
                changed=["url.search"])
    rows = resp["service-agents"]["children"]["props"]["rowData"]
    assert [r["agent"] for r in rows] == [AGENT] and rows[0]["label"] == "Søren García"
    control = json.dumps(resp["service-agent-wrap"]["children"], ensure_ascii=False)
    assert '"label": "Anna Müller"' in control and f'"value": ["{AGENT}"]' in control    # all 16 agents offered


def test_the_agent_dropdown_writes_the_url(client):
    def choose(value, search):
        resp = call(client, ["url.search@", '"service-agent","property":"value"'], [("url", "search")],
                    [_entry("service-agent", "value", value)], state=[_entry("url", "search", search)],
                    changed=["service-agent.value"])
        return resp and resp["url"]["search"]
    assert f"agent={AGENT},005Dn00000001" in choose([AGENT, "005Dn00000001"], SEARCH)
    assert "agent=" not in choose([], SEARCH + "&agent=" + AGENT)
    assert choose([AGENT], SEARCH + "&agent=" + AGENT) is None


def _open(client, inputs, changed, search=SEARCH):
    return call(client, ["dd-request", '"service-trend","property":"clickData"'],
                [({"type": "dd-request", "panel": "service"}, "data")],
                [_entry("service-trend", "clickData", inputs.get("trend")),
                 _entry("service-csat", "clickData", inputs.get("csat")),
                 _entry("service-by-priority", "clickData", inputs.get("priority")),
                 _entry("service-by-channel", "clickData", inputs.get("channel")),
                 [_entry({"type": "service-kpi", "key": k}, "n_clicks", 1 if k == inputs.get("kpi") else 0)
                  for k in ("cases_opened", "backlog")]],
                state=[_entry("url", "search", search)], changed=[changed])


def _panel(client, req, search=SEARCH, panel_name="service"):
    panel = lambda t: {"type": t, "panel": panel_name}  # noqa: E731
    outputs = [(panel("dd-body"), "children"), (panel("dd-title"), "children"), (panel("dd-collapse"), "is_open"),
               (panel("dd-message"), "children"), (panel("dd-request"), "data")]
    resp = call(client, ['"dd-body"', "children"], outputs,
                [_entry(panel("dd-request"), "data", req), _entry(panel("dd-close"), "n_clicks", None),
                 _entry("url", "search", search)],
                state=[_entry(panel("dd-collapse"), "is_open", False)],
                changed=[json.dumps(panel("dd-request"), separators=(",", ":")) + ".data"])
    by_type = {json.loads(k)["type"]: v for k, v in resp.items()}
    return by_type["dd-title"]["children"], by_type["dd-body"]["children"]["props"]["children"]["props"]["rowData"]


def test_a_week_lists_the_cases_opened_in_it(client):
    weeks = call(client, ["service-trend.figure"], [("service-trend", "figure")],
                 [_entry("url", "search", SEARCH), _entry("data-version", "data", None)],
                 changed=["url.search"])["service-trend"]["figure"]["data"][0]
    assert weeks["customdata"][1] == ["2025-01-06"] and weeks["y"][1] == 4      # 4 opened in the week of 6 Jan
    resp = _open(client, {"trend": {"points": [{"customdata": ["2025-01-06"]}]}}, "service-trend.clickData")
    req = resp[json.dumps({"panel": "service", "type": "dd-request"}, separators=(",", ":"))]["data"]
    assert req["source"] == "service.cases" and req["params"] == {"kind": "opened", "week": "2025-01-06"}
    title, rows = _panel(client, req)
    assert title == "Cases opened in the week of 2025-01-06 — 4" and len(rows) == 4
    assert all("2025-01-06" <= r["opened_at"][:10] <= "2025-01-12" for r in rows)
    assert {"case_id", "customer_name", "agent_name", "priority", "satisfaction", "resolution_hours"} <= set(rows[0])


def test_a_priority_bar_lists_cases_resolved_with_it_and_the_backlog_card_the_backlog(client):
    resp = _open(client, {"priority": {"points": [{"customdata": ["urgent", "resolved"]}]}},
                 "service-by-priority.clickData", search=SEARCH + "&agent=" + AGENT)
    req = next(iter(resp.values()))["data"]
    assert req["params"] == {"kind": "resolved", "priority": ["urgent"], "agent": [AGENT]}
    resp = _open(client, {"kpi": "backlog"},
                 json.dumps({"key": "backlog", "type": "service-kpi"}, separators=(",", ":")) + ".n_clicks")
    req = next(iter(resp.values()))["data"]
    assert req["params"] == {"kind": "backlog"}
    title, rows = _panel(client, req)
    assert title == f"Cases open at the period's end — {expected('2025')['service']['backlog']}" and len(rows) == 13
    assert all(r["resolved_at"] is None or r["resolved_at"] >= "2026-01-01" for r in rows)


def test_an_agent_row_lists_the_agents_cases_and_its_filter_cell_filters(client):
    resp = call(client, ["dd-request", '"service-agents-grid","property":"cellClicked"'],
                [({"type": "dd-request", "panel": "service"}, "data")],
                [_entry("service-agents-grid", "cellClicked", {"rowId": AGENT, "colId": "label", "rowIndex": 0})],
                state=[_entry("service-agents-grid", "rowData",
                              [{"agent": AGENT, "label": "Søren García", "cases": 16}]),
                       _entry("url", "search", SEARCH + "&lang=de")], changed=["service-agents-grid.cellClicked"])
    req = next(iter(resp.values()))["data"]
    assert req["params"] == {"kind": "opened", "agent": [AGENT]}
    title, rows = _panel(client, req, SEARCH + "&lang=de")
    assert title == "Fälle von Søren García, eröffnet im Zeitraum — 16" and len(rows) == 16
    resp = call(client, ["url.search@", '"service-agents-grid","property":"cellClicked"'], [("url", "search")],
                [_entry("service-agents-grid", "cellClicked", {"rowId": AGENT, "colId": "filter", "rowIndex": 0})],
                state=[_entry("url", "search", SEARCH)], changed=["service-agents-grid.cellClicked"])
    assert resp["url"]["search"].endswith(f"agent={AGENT}")


def test_overview_has_the_service_row_with_backlog_resolution_and_csat(client):
    page = _page(client, "/", SEARCH)
    assert "overview-service-kpis" in page and "Open the service page" in page
    resp = call(client, ["overview-service-kpis.children"], [("overview-service-kpis", "children")],
                [_entry("url", "search", SEARCH + "&lang=de"), _entry("data-version", "data", None)],
                changed=["url.search"])
    cards = resp["overview-service-kpis"]["children"]
    assert [c["props"]["id"]["key"] for c in cards] == ["backlog", "resolution_hours_median", "csat"]
    text = json.dumps(cards, ensure_ascii=False)
    assert "Offene Fälle" in text and "Lösungszeit (Median, h)" in text and f"79,0{NB}%" in text
    assert "konnte nicht geladen" not in text
    req = call(client, ["dd-request", "overview-service-kpi"], [({"type": "dd-request", "panel": "overview"}, "data")],
               [[_entry({"type": "overview-service-kpi", "key": k}, "n_clicks", 1 if k == "backlog" else 0)
                 for k in ("backlog", "resolution_hours_median", "csat")]],
               state=[_entry("url", "search", SEARCH)],
               changed=[json.dumps({"key": "backlog", "type": "overview-service-kpi"}, separators=(",", ":"))
                        + ".n_clicks"])
    req = next(iter(req.values()))["data"]
    title, rows = _panel(client, req, panel_name="overview")
    assert title == "Cases open at the period's end — 13" and len(rows) == 13
    link = call(client, ["nav-url.href@", "overview-service-link"], [("nav-url", "href")],
                [_entry("overview-service-link", "n_clicks", 1)], state=[_entry("url", "search", SEARCH)],
                changed=["overview-service-link.n_clicks"])
    assert link["nav-url"]["href"] == "/service" + SEARCH                # the same view on the service page


def test_overview_service_targets_are_watched_lower_is_better(client):
    """A backlog target of 10 against 13 open cases: 13 / 10 = 130 % of target, and as lower is
    better the status ratio is 10 / 13 = 77 % < 90 % -> off track."""
    from sqlalchemy import text
    engine = client.application.extensions["sales"].engine
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO targets (kpi, period_start, period_end, scope, target) "
                          "VALUES ('backlog', '2025-01-01', '2026-01-01', 'all', 10)"))
    try:
        resp = call(client, ["overview-service-kpis.children"], [("overview-service-kpis", "children")],
                    [_entry("url", "search", SEARCH), _entry("data-version", "data", "t")], changed=["url.search"])
        backlog = json.dumps(resp["overview-service-kpis"]["children"][0])
        assert "Target 10" in backlog and "off track" in backlog and "130% of target" in backlog
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM targets WHERE kpi = 'backlog'"))


def _draw_all(c, search):
    data = [_entry("url", "search", search), _entry("data-version", "data", None)]
    trend = call(c, ["service-trend.figure"], [("service-trend", "figure")], data, changed=["url.search"])
    agents = call(c, ["service-agents.children"], [("service-agents", "children"), ("service-agent-wrap", "children")],
                  data, state=[_entry("service-agent", "value", []), _entry("service-agent", "options", [])],
                  changed=["url.search"])
    summary = _summary(c, search)
    overview = call(c, ["overview-service-kpis.children"], [("overview-service-kpis", "children")], data,
                    changed=["url.search"])
    return json.dumps([trend, agents, summary, overview], ensure_ascii=False)


def test_without_cases_the_page_shows_empty_states_and_a_database_error_error_states(tmp_path_factory):
    from sqlalchemy import text

    from app import create_app
    from queries.db import ensure_schema, make_engine
    from settings import Settings
    url = f"sqlite:///{tmp_path_factory.mktemp('service_empty') / 'empty.db'}"
    engine = make_engine(url)
    ensure_schema(engine)
    server = create_app(Settings(database_url=url, report_tz="UTC"))
    c = server.test_client()
    assert c.get("/").status_code == 200
    c.dash = server.extensions["dash"]
    empty = _draw_all(c, SEARCH)
    assert empty.count("No service cases in this selection") == 3 and "could not be loaded" not in empty
    assert "nothing to compare" in empty                                   # the retention card
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE cases"))
    # trend, agent table, KPI cards, retention card, overview row
    assert _draw_all(c, SEARCH).count("This view could not be loaded") == 5
    engine.dispose()
