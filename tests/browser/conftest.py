"""Browser tests: the real app in a subprocess, driven by Playwright with Debian's Chromium.

The app serves the worked example (REPORT_TZ=UTC) from a throw-away SQLite file and checks for
new data every second. Without /usr/bin/chromium the tests skip with the reason shown; under CI
(CI=true) they fail instead.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import IN_CI, WORKED_EXAMPLE

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
YEAR_2025 = "preset=custom&from=2025-01-01&to=2026-01-01"


def _skip_or_fail(reason: str):
    if IN_CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    """Base URL of a running app on the worked example; yields (base_url, database_url)."""
    db = tmp_path_factory.mktemp("browser") / "app.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "REPORT_TZ": "UTC", "REFRESH_SECONDS": "1"}
    subprocess.run([sys.executable, "app.py", "import", str(WORKED_EXAMPLE / "csv")], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    port = _free_port()
    log = open(tmp_path_factory.mktemp("browser-log") / "server.log", "w")
    proc = subprocess.Popen([sys.executable, "app.py", "serve", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(base + "/api/v1/openapi.json", timeout=2)
            break
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("the app did not start within 60 s")
    if proc.poll() is not None:
        log.close()
        pytest.fail("the app exited: " + Path(log.name).read_text()[-2000:])
    yield base, env["DATABASE_URL"]
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        _skip_or_fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium chromium-driver)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _skip_or_fail("playwright is not installed (pip install -r requirements.txt)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                              args=["--no-sandbox", "--disable-background-networking", "--disable-gpu",
                                    "--disable-component-update", "--no-first-run"])
        yield b
        b.close()


class Page:
    """A browser page that records console errors and failed responses."""

    def __init__(self, browser, base, locale="en-US"):
        self.ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale=locale,
                                       extra_http_headers={"Accept-Language": locale})
        self.page = self.ctx.new_page()
        self.base = base
        self.errors: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("response", lambda r: r.status >= 500 and self.errors.append(f"{r.status} {r.url}"))

    def goto(self, path: str):
        self.page.goto(self.base + path)
        self.page.wait_for_load_state("networkidle")
        return self.page

    def click_plot_point(self, selector: str, index: int = 0):
        """Click a plotly bar reliably: move there, wait, press (a plain click hits the drag layer)."""
        bar = self.page.locator(selector).nth(index)
        bar.wait_for(state="visible")
        box = bar.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        self.page.mouse.move(x, y)
        self.page.wait_for_timeout(100)
        self.page.mouse.down()
        self.page.mouse.up()

    def close(self):
        self.ctx.close()


@pytest.fixture
def page(browser, app_server):
    p = Page(browser, app_server[0])
    yield p
    p.close()


@pytest.fixture
def page_de(browser, app_server):
    p = Page(browser, app_server[0], locale="de-DE")
    yield p
    p.close()
