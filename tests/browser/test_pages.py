"""The pages as a user meets them, on the worked example (period 2025, REPORT_TZ=UTC): every page
loads cleanly with its charts drawn, a click on a chart element opens a drill-down with exactly
the rows behind the clicked number (expected_2025.json), filters and the attribution model live
in the URL and change the numbers, and a German CSV export is Excel-ready."""
from __future__ import annotations

import csv
import io
import json
import re

import pytest

from tests.browser.conftest import YEAR_2025
from tests.conftest import WORKED_EXAMPLE

EXPECTED = json.loads((WORKED_EXAMPLE / "expected_2025.json").read_text(encoding="utf-8"))
EXPECTED_Q2_DACH = json.loads((WORKED_EXAMPLE / "expected_2025q2_region_DACH.json").read_text(encoding="utf-8"))
STAGES = {s["stage"]: s for s in EXPECTED["funnel"]["stages"]}
STAGE_ORDER = [s["stage"] for s in EXPECTED["funnel"]["stages"]]
TIMEOUT = 20000


# --- helpers ----------------------------------------------------------------------------------
def dash_id(**parts) -> str:
    """The DOM id Dash gives a pattern-matching id (its keys sorted, compact JSON)."""
    return json.dumps(parts, sort_keys=True, separators=(",", ":"))


def wait_for_traces(p, graph_id: str) -> None:
    """Wait until the dcc.Graph `graph_id` has drawn at least one trace (bars, lines, heatmap,
    Sankey): the blank placeholder figure and an empty-state figure have none."""
    p.wait_for_function(
        """(id) => { const gd = document.querySelector('#' + id + ' .js-plotly-plot');
                     if (!gd || !gd._fullData || !gd._fullData.length) return false;
                     return gd.querySelectorAll('.trace, .hm, .sankey').length > 0; }""",
        arg=graph_id, timeout=TIMEOUT)


def trace_data(p, graph_id: str) -> list[dict]:
    return p.evaluate(
        """(id) => document.querySelector('#' + id + ' .js-plotly-plot').data.map(
               t => ({name: t.name, x: t.x, y: t.y, customdata: t.customdata, hovertext: t.hovertext}))""",
        graph_id)


def hover_and_click(p, graph_id: str, x: float, y: float) -> None:
    """Move to (x, y), wait until plotly reports the hover there, then press: plotly clicks a
    point only after hovering it (a plain locator click lands on its drag layer)."""
    p.evaluate("(id) => { document.querySelector('#' + id + ' .js-plotly-plot')._hoverdata = undefined; }", graph_id)
    p.mouse.move(x, y)
    p.wait_for_function(
        "(id) => { const h = document.querySelector('#' + id + ' .js-plotly-plot')._hoverdata; return !!(h && h.length); }",
        arg=graph_id, timeout=5000)
    p.mouse.down()
    p.mouse.up()


def click_data_point(p, graph_id: str, x, y) -> None:
    """Click the chart at data coordinates (x, y) of its first axes (categories or numbers)."""
    p.locator(f"#{graph_id}").scroll_into_view_if_needed()
    px, py = p.evaluate(
        """([id, x, y]) => { const gd = document.querySelector('#' + id + ' .js-plotly-plot');
                             const fl = gd._fullLayout, r = gd.getBoundingClientRect();
                             return [r.left + fl.xaxis._offset + fl.xaxis.l2p(fl.xaxis.d2l(x)),
                                     r.top + fl.yaxis._offset + fl.yaxis.l2p(fl.yaxis.d2l(y))]; }""",
        [graph_id, x, y])
    hover_and_click(p, graph_id, px, py)


def click_bar(p, graph_id: str, trace: int, index: int) -> None:
    """Click bar `index` of the `trace`-th bar trace of a chart (DOM order = trace order)."""
    bar = p.locator(f"#{graph_id} .trace.bars").nth(trace).locator(".point").nth(index)
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    hover_and_click(p, graph_id, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def count_in(title: str) -> int:
    """The row count at the end of a drill-down title: "Deals that reached Proposal — 148"."""
    m = re.search(r"—\s*([\d.,\u00a0\u202f ]+)$", title)
    assert m, f"no count in drill-down title {title!r}"
    return int(re.sub(r"\D", "", m.group(1)))


def drill_title(p, panel: str) -> str:
    return p.evaluate("(id) => { const e = document.getElementById(id); return e ? e.innerText : ''; }",
                      dash_id(panel=panel, type="dd-title"))


def open_drill(p, panel: str, click, previous_title: str = "") -> tuple[str, int]:
    """Run `click`, wait until panel `panel` shows a new title with its count and a grid holding
    exactly that many rows; return (title, count)."""
    click()
    p.wait_for_function(
        """([id, old]) => { const e = document.getElementById(id);
                            return !!e && /—\\s*\\d/.test(e.innerText) && e.innerText !== old; }""",
        arg=[dash_id(panel=panel, type="dd-title"), previous_title], timeout=TIMEOUT)
    p.locator(f"[id='{dash_id(panel=panel, type='dd-collapse')}'].show").wait_for(timeout=TIMEOUT)
    title = drill_title(p, panel)
    count = count_in(title)
    grid = dash_id(panel=panel, type="dd-grid")
    try:
        p.wait_for_function(
            """([id, n]) => { try { return dash_ag_grid.getApi(id).getDisplayedRowCount() === n; }
                              catch (e) { return false; } }""", arg=[grid, count], timeout=TIMEOUT)
    except Exception:  # noqa: BLE001 - report the numbers, not a timeout
        shown = p.evaluate("(id) => { try { return dash_ag_grid.getApi(id).getDisplayedRowCount(); }"
                           " catch (e) { return String(e); } }", grid)
        pytest.fail(f"drill-down {title!r}: the grid shows {shown} rows")
    return title, count


def close_drill(p, panel: str) -> None:
    """Close the drawer with its button (while open, its backdrop covers the page's charts)."""
    p.locator(f"[id='{dash_id(panel=panel, type='dd-close')}']").click()
    p.locator(f"[id='{dash_id(panel=panel, type='dd-collapse')}']").wait_for(state="hidden", timeout=TIMEOUT)
    p.locator(".offcanvas-backdrop").wait_for(state="detached", timeout=TIMEOUT)  # gone after its fade


def grid_rows(p, grid_id: str) -> list[dict]:
    return p.evaluate("""(id) => { const rows = [];
                                   dash_ag_grid.getApi(id).forEachNode(n => rows.push(n.data));
                                   return rows; }""", grid_id)


def hover_number(text: str, pattern: str) -> int:
    m = re.search(pattern, re.sub(r"<[^>]+>", " ", text))
    assert m, f"{pattern!r} not in {text!r}"
    return int(re.sub(r"\D", "", m.group(1)))


# --- every page loads with its charts -----------------------------------------------------------
#: The charts each page draws on the worked example (the funnel's breakdown is hidden without `by=`).
PAGE_CHARTS = {
    "/": ["overview-funnel", "overview-revenue"],
    "/funnel": ["funnel-chart"],
    "/cycle": ["cycle-trend", "cycle-histogram", "cycle-time-in-stage", "cycle-forecast"],
    "/lifecycle": ["lifecycle-sankey", "lifecycle-heatmap", "lifecycle-conv-channel", "lifecycle-conv-campaign",
                   "lifecycle-activity"],
    "/campaigns": ["campaigns-scatter"],
}


def open_page(page, path: str, query: str = YEAR_2025):
    """Go to `path`, wait until every chart of the page has drawn a trace, and check that no error
    banner is shown. Every test starts here, so each page's load is checked by its tests (and the
    console errors of the whole visit by their final `page.errors == []`)."""
    p = page.goto(f"{path}?{query}")
    for graph_id in PAGE_CHARTS[path]:
        wait_for_traces(p, graph_id)
    assert p.locator(".alert-danger").count() == 0, p.locator(".alert-danger").first.inner_text()
    return p


def test_overview_loads_with_its_charts_and_no_console_errors(page):
    open_page(page, "/")
    assert page.errors == []


# --- funnel -------------------------------------------------------------------------------------
def test_funnel_stage_click_lists_the_deals_that_reached_it(page):
    p = open_page(page, "/funnel")
    assert p.locator("#funnel-summary").inner_text().startswith(str(EXPECTED["funnel"]["cohort_deals"]))
    title, n = open_drill(p, "funnel", lambda: click_bar(p, "funnel-chart", 0, STAGE_ORDER.index("Proposal")))
    assert "Proposal" in title
    assert n == STAGES["Proposal"]["reached"] == 148
    # another stage replaces the list
    close_drill(p, "funnel")
    title, n = open_drill(p, "funnel", lambda: click_bar(p, "funnel-chart", 0, STAGE_ORDER.index("Qualified")),
                          previous_title=title)
    assert "Qualified" in title
    assert n == STAGES["Qualified"]["reached"]
    assert page.errors == []


def test_funnel_lost_segment_lists_the_deals_lost_there_with_reasons(page):
    p = open_page(page, "/funnel")
    # the drop-off traces: 1 = lost, 2 = still open (one bar per stage but the last)
    title, n = open_drill(p, "funnel", lambda: click_bar(p, "funnel-chart", 1, STAGE_ORDER.index("Proposal")))
    assert "Proposal" in title
    assert n == STAGES["Proposal"]["dropped_lost"] == 35
    rows = grid_rows(p, dash_id(panel="funnel", type="dd-grid"))
    assert {r["status"] for r in rows} == {"lost"}
    # the lost reasons above the grid count exactly these deals
    badges = p.locator(f"[id='{dash_id(panel='funnel', type='dd-message')}'] .funnel-lost-reasons .badge")
    badges.first.wait_for(timeout=TIMEOUT)
    texts = badges.all_inner_texts()
    assert sum(hover_number(t, r"(\d[\d,.]*)\s*\(\d+\s*%\)") for t in texts) == n
    listed_reasons = {r["lost_reason"] for r in rows if r.get("lost_reason")}
    assert listed_reasons and all(any(t.startswith(reason) for t in texts) for reason in listed_reasons)
    assert page.errors == []


def test_filter_in_the_url_changes_the_funnel(page):
    q2 = EXPECTED_Q2_DACH["params"]
    p = open_page(page, "/funnel", f"preset=custom&from={q2['from'][:10]}&to={q2['to'][:10]}&region=DACH")
    expected = EXPECTED_Q2_DACH["funnel"]
    p.wait_for_function("(n) => document.querySelector('#funnel-summary').innerText.startsWith(n + ' ')",
                        arg=str(expected["cohort_deals"]), timeout=TIMEOUT)
    reached = next(t for t in trace_data(p, "funnel-chart") if t["y"] == STAGE_ORDER)["x"]
    assert reached == [s["reached"] for s in expected["stages"]]
    assert page.errors == []


def test_filter_dropdown_writes_the_url_and_changes_the_numbers(page):
    p = open_page(page, "/funnel")
    before = p.locator("#funnel-summary").inner_text()
    assert before.startswith("314 ")
    p.click("#filters-toggle")
    dropdown = p.locator(f"[id='{dash_id(name='region', type='filter-dropdown')}']")
    dropdown.click()
    p.get_by_role("option", name="DACH", exact=True).click()
    p.keyboard.press("Escape")  # a multi-select commits its value when it closes
    p.wait_for_function("() => new URLSearchParams(location.search).get('region') === 'DACH'", timeout=TIMEOUT)
    p.wait_for_function("(old) => document.querySelector('#funnel-summary').innerText !== old",
                        arg=before, timeout=TIMEOUT)
    dach = int(re.match(r"[\d,]+", p.locator("#funnel-summary").inner_text()).group(0).replace(",", ""))
    assert 0 < dach < EXPECTED["funnel"]["cohort_deals"]
    assert p.locator("#filter-chips").inner_text().find("DACH") >= 0
    assert page.errors == []


# --- sales cycle --------------------------------------------------------------------------------
def test_cycle_chart_clicks_list_the_deals_behind_the_number(page):
    p = open_page(page, "/cycle")
    # forecast month January 2026: the hover says how many open deals; its weighted sum is §2's forecast
    amount = trace_data(p, "cycle-forecast")[0]
    i = amount["customdata"].index(["2026-01"])
    shown = hover_number(amount["hovertext"][i], r"(\d+) open deals")
    weighted = hover_number(amount["hovertext"][i], r"Weighted: €([\d,]+)")
    assert weighted == round(EXPECTED["kpis"]["forecast"]["2026-01"])
    title, n = open_drill(p, "cycle", lambda: click_bar(p, "cycle-forecast", 0, i))
    assert "January 2026" in title
    assert n == shown > 0
    assert {r["status"] for r in grid_rows(p, dash_id(panel="cycle", type="dd-grid"))} == {"open"}
    # histogram bin: won deals with that cycle length
    bins = trace_data(p, "cycle-histogram")[0]
    j = max(range(len(bins["y"])), key=lambda k: bins["y"][k])
    close_drill(p, "cycle")
    title, n = open_drill(p, "cycle", lambda: click_bar(p, "cycle-histogram", 0, j), previous_title=title)
    assert n == bins["y"][j] > 0
    rows = grid_rows(p, dash_id(panel="cycle", type="dd-grid"))
    lo, hi = bins["customdata"][j]
    assert all(r["status"] == "won" and lo <= r["cycle_days"] < hi for r in rows)
    assert page.errors == []


# --- lifecycle ----------------------------------------------------------------------------------
def test_lifecycle_heatmap_cell_lists_its_customers(page):
    p = open_page(page, "/lifecycle")
    matrix = EXPECTED["lifecycle"]["migration"]["matrix"]
    title = ""
    for a, b in (("opportunity", "loyal"), ("—", "lead")):
        if title:
            close_drill(p, "lifecycle")
        title, n = open_drill(p, "lifecycle", lambda a=a, b=b: click_data_point(p, "lifecycle-heatmap", b, a),
                              previous_title=title)
        assert n == matrix[a][b] > 0, title
    assert page.errors == []


# --- campaigns ----------------------------------------------------------------------------------
def test_campaign_click_opens_its_deals_and_model_switch_changes_revenue(page):
    p = open_page(page, "/campaigns")
    campaign = EXPECTED["campaigns"]["CMP-02"]
    point = next(t for t in trace_data(p, "campaigns-scatter") if t["customdata"] and ["CMP-02"] in t["customdata"])
    k = point["customdata"].index(["CMP-02"])
    title, n = open_drill(p, "campaigns", lambda: click_data_point(p, "campaigns-scatter", point["x"][k], point["y"][k]))
    assert campaign["name"] in title
    assert n == campaign["deals"] == 13
    assert {r["campaign_id"] for r in grid_rows(p, dash_id(panel="campaigns", type="dd-grid"))} == {"CMP-02"}
    close_drill(p, "campaigns")
    p.locator("#campaigns-detail", has_text=campaign["name"]).wait_for(timeout=TIMEOUT)

    def revenue():
        return p.evaluate("() => dash_ag_grid.getApi('campaigns-grid').getRowNode('CMP-02').data.attributed_revenue")

    assert revenue() == pytest.approx(campaign["attributed_revenue"], abs=0.01)  # last touch, the default
    kpi_before = p.locator("#campaigns-kpis .kpi-value").nth(1).inner_text()
    p.locator("#campaigns-model label", has_text="First touch").click()
    p.wait_for_function("() => new URLSearchParams(location.search).get('model') === 'first_touch'", timeout=TIMEOUT)
    p.wait_for_function("(old) => document.querySelectorAll('#campaigns-kpis .kpi-value')[1].innerText !== old",
                        arg=kpi_before, timeout=TIMEOUT)
    assert revenue() != pytest.approx(campaign["attributed_revenue"], abs=0.01)
    assert "First touch" in p.locator("#campaigns-kpis").inner_text()
    assert page.errors == []


# --- export -------------------------------------------------------------------------------------
def test_german_csv_export_has_bom_semicolons_and_decimal_commas(page_de):
    p = open_page(page_de, "/funnel", f"{YEAR_2025}&lang=de")
    title, n = open_drill(p, "funnel", lambda: click_bar(p, "funnel-chart", 0, STAGE_ORDER.index("Proposal")))
    assert "Proposal" in title and n == STAGES["Proposal"]["reached"]
    with p.expect_download(timeout=TIMEOUT) as info:
        p.locator(f"[id='{dash_id(panel='funnel', type='dd-export')}']").click()
    raw = info.value.path().read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw[3:].decode("utf-8")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert len(header) > 5 and len(body) == n
    amount = header.index("Betrag")
    amounts = [r[amount] for r in body]
    assert any(re.fullmatch(r"\d+,\d{1,2}", a) for a in amounts), amounts[:10]
    assert not any("." in a for a in amounts), amounts[:10]
    assert page_de.errors == []
