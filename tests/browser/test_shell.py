"""The shell as a user meets it: the overview loads cleanly, the filter state lives in the URL,
the language switch changes labels and number format, and new rows show up by themselves."""
import re
import sqlite3
import time

from tests.browser.conftest import YEAR_2025


def kpi_value(page, index=0) -> str:
    loc = page.locator("#overview-kpis .kpi-value").nth(index)
    loc.wait_for(state="visible", timeout=20000)
    return loc.inner_text()


def wait_for_text_change(page, selector, old, timeout=20000):
    page.wait_for_function(
        "([sel, old]) => { const e = document.querySelector(sel); return e && e.innerText !== old; }",
        arg=[selector, old], timeout=timeout)


def test_overview_loads_without_console_errors(page):
    p = page.goto(f"/?{YEAR_2025}")
    p.locator("#overview-kpis .kpi-card").first.wait_for(timeout=20000)
    assert p.locator("#overview-kpis .kpi-card").count() == 8
    # won revenue 2025 of the worked example: 1,599,529.46 €
    assert re.search(r"1[.,]6\s?M|1,599,529|1\.599\.529|€1[.,]6", kpi_value(p, 0)), kpi_value(p, 0)
    p.locator("#overview-funnel .bar, #overview-funnel .trace").first.wait_for(timeout=20000)
    assert page.errors == []


def test_filter_change_updates_url_and_numbers(page):
    p = page.goto(f"/?{YEAR_2025}")
    before = kpi_value(p, 0)
    page.goto(f"/?{YEAR_2025}&region=DACH")
    p.wait_for_timeout(500)
    after = kpi_value(p, 0)
    assert "region=DACH" in p.url
    assert after != before
    # the chip of the active filter removes it with one click
    chip_x = p.locator("#filter-chips button, #filter-chips .btn-close, #filter-chips [role=button]").first
    chip_x.click()
    p.wait_for_function("() => !location.search.includes('region=DACH')", timeout=10000)
    wait_for_text_change(p, "#overview-kpis .kpi-value", after)
    assert kpi_value(p, 0) == before
    assert page.errors == []


def test_language_switch_changes_labels_and_number_format(page):
    p = page.goto(f"/?{YEAR_2025}&lang=en")
    en_label = p.locator("#overview-kpis .kpi-label").first.inner_text()
    en_value = kpi_value(p, 1)  # win rate 26.3%
    assert "." in en_value or "%" in en_value
    p.locator("#lang-switch a", has_text="DE").click()
    p.wait_for_function("() => location.search.includes('lang=de')", timeout=10000)
    wait_for_text_change(p, "#overview-kpis .kpi-label", en_label)
    de_label = p.locator("#overview-kpis .kpi-label").first.inner_text()
    assert de_label != en_label
    assert "," in kpi_value(p, 1)  # 26,3 %
    assert page.errors == []


def test_browser_language_is_the_default(page_de):
    p = page_de.goto(f"/?{YEAR_2025}")
    assert p.locator("#navbar").inner_text().find("Übersicht") >= 0


def test_row_inserted_by_another_program_appears_without_reload(page, app_server):
    _, db_url = app_server
    p = page.goto(f"/?{YEAR_2025}")
    before = kpi_value(p, 0)
    p.evaluate("window.__no_reload_marker = 42")
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as db:  # another program, plain SQL
        db.execute("INSERT INTO deals (deal_id, customer_id, owner_id, amount, created_at, closed_at, status, stage)"
                   " VALUES ('LIVE-1', 'C00001', '005Dn00000001', 1000000, '2025-06-01 10:00:00',"
                   " '2025-06-20 10:00:00', 'won', 'Won')")
    try:
        wait_for_text_change(p, "#overview-kpis .kpi-value", before, timeout=20000)
        assert p.evaluate("window.__no_reload_marker") == 42   # the page was not reloaded
    finally:
        with sqlite3.connect(db_url.removeprefix("sqlite:///")) as db:
            db.execute("DELETE FROM deals WHERE deal_id = 'LIVE-1'")
    assert page.errors == []


def test_embed_mode_shows_one_chart_and_its_drill_down(page):
    p = page.goto(f"/?{YEAR_2025}&embed=1&chart=overview-funnel")
    p.locator("#overview-funnel .bar, #overview-funnel .trace").first.wait_for(timeout=20000)
    assert not p.locator(".app-navbar").is_visible()
    assert p.locator(".chart-card.embed-target").count() == 1
    assert not p.locator("#overview-revenue").is_visible()
    # the copy-embed-code buttons exist outside embed mode and carry the translated label
    p.goto(page.base + f"/?{YEAR_2025}&lang=de")
    p.wait_for_function("() => { const b = document.querySelector('.chart-card .embed-copy');"
                        " return b && b.title === 'Einbettungscode kopieren'; }", timeout=20000)
    assert page.errors == []
