"""In the browser: hostile customer names are shown as text (nothing runs), and the dashboard
tells when its database is away and recovers by itself when it is back.

Each test starts its own app (the shared one serves the worked example, untouched): one on the
worked example plus tests/hostile_data.py (SQLite), one on a private PostgreSQL cluster that the
test stops and starts (tests/pg_cluster.py; skipped without the server binaries, failed under CI).
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests import pg_cluster
from tests.browser.conftest import ROOT, Page, _free_port
from tests.conftest import IN_CI, WORKED_EXAMPLE
from tests.hostile_data import DROP, IMG, SCRIPT, hostile_folder

YEAR = "?preset=custom&from=2025-01-01&to=2026-01-01"
TIMEOUT = 20000


def _serve(env: dict, log_dir: Path):
    """Start `python app.py serve` with `env`; (process, base URL, log file) once /readyz is 200."""
    port = _free_port()
    log = open(log_dir / "server.log", "w")
    proc = subprocess.Popen([sys.executable, "app.py", "serve", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        try:
            urllib.request.urlopen(base + "/readyz", timeout=2)
            return proc, base, log
        except OSError:
            time.sleep(0.3)
    proc.kill()
    log.close()
    pytest.fail("the app did not start: " + (log_dir / "server.log").read_text()[-2000:])


def _stop(proc, log):
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def _watch_dialogs(p: Page) -> list[str]:
    """Every alert/confirm/prompt the page opens (an executed payload would open one)."""
    dialogs: list[str] = []

    def seen(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()
    p.page.on("dialog", seen)
    return dialogs


# --- hostile names ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile-app")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp / 'app.db'}", "REPORT_TZ": "UTC", "REFRESH_SECONDS": "5"}
    for folder in (WORKED_EXAMPLE / "csv", hostile_folder(tmp / "csv")):
        subprocess.run([sys.executable, "app.py", "import", str(folder)], cwd=ROOT, env=env, check=True,
                       capture_output=True)
    proc, base, log = _serve(env, tmp)
    yield base
    _stop(proc, log)


def test_hostile_customer_names_show_as_text_in_the_drilldown_grid(browser, hostile_server):
    p = Page(browser, hostile_server)
    dialogs = _watch_dialogs(p)
    try:
        page = p.goto("/" + YEAR)
        card = page.locator("#overview-kpis .kpi-card:not(.kpi-placeholder)").first   # won revenue → won deals
        card.wait_for(timeout=TIMEOUT)
        card.click()
        grid = '{"panel":"overview","type":"dd-grid"}'
        page.wait_for_function("(id) => { try { return dash_ag_grid.getApi(id).getDisplayedRowCount() > 0; }"
                               " catch (e) { return false; } }", arg=grid, timeout=TIMEOUT)
        page.evaluate("(id) => dash_ag_grid.getApi(id).setGridOption('quickFilterText', 'D-HX-')", grid)
        page.wait_for_function("(id) => dash_ag_grid.getApi(id).getDisplayedRowCount() === 3", arg=grid,
                               timeout=TIMEOUT)
        cells = page.locator(f"[id='{grid}'] .ag-cell[col-id='customer_name']")
        cells.first.wait_for(timeout=TIMEOUT)
        assert sorted(cells.all_text_contents()) == sorted([SCRIPT, DROP, IMG])     # literally, as text
        injected = page.evaluate("(id) => document.getElementById(id).querySelectorAll('script, img').length", grid)
        assert injected == 0
        page.wait_for_timeout(500)                  # an injected onerror would have fired by now
        assert dialogs == [] and p.errors == [], (dialogs, p.errors)
    finally:
        p.close()


# --- the database goes away and comes back ------------------------------------------------------
@pytest.fixture(scope="module")
def cluster():
    reason = pg_cluster.reason_unavailable()
    if reason:
        if IN_CI:
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    c = pg_cluster.PrivateCluster.create()
    yield c
    c.destroy()


@pytest.fixture(scope="module")
def outage_server(cluster, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("outage-app")
    env = {**os.environ, "DATABASE_URL": cluster.url, "REPORT_TZ": "UTC", "REFRESH_SECONDS": "1",
           "DB_CONNECT_TIMEOUT": "2"}
    subprocess.run([sys.executable, "app.py", "import", str(WORKED_EXAMPLE / "csv")], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    proc, base, log = _serve(env, tmp)
    yield base
    _stop(proc, log)


def test_banner_while_the_database_is_down_and_redrawn_when_it_is_back(browser, cluster, outage_server):
    p = Page(browser, outage_server)
    dialogs = _watch_dialogs(p)
    banner = p.page.locator("#db-banner")
    try:
        page = p.goto("/funnel" + YEAR)
        page.locator("#funnel-chart .trace.bars").first.wait_for(timeout=TIMEOUT)
        assert banner.is_hidden()
        cluster.stop()
        try:
            banner.wait_for(state="visible", timeout=TIMEOUT)          # noticed by the live poll
            assert "The database is not reachable" in banner.inner_text()
            # moving to another page meanwhile: its views wait instead of failing
            page.locator("a.app-nav-link[href^='/?'], a.app-nav-link[href='/']").first.click()
            page.get_by_text("Waiting for the database").first.wait_for(timeout=TIMEOUT)
        finally:
            cluster.start()
        banner.wait_for(state="hidden", timeout=TIMEOUT)               # back: no reload needed
        page.locator("#overview-kpis .kpi-card:not(.kpi-placeholder) .kpi-value").first.wait_for(timeout=TIMEOUT)
        page.locator("#overview-funnel .trace.bars").first.wait_for(timeout=TIMEOUT)
        assert page.get_by_text("Waiting for the database").count() == 0
        assert dialogs == [] and p.errors == [], (dialogs, p.errors)
    finally:
        p.close()
