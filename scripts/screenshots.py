"""README screenshots: every page of the dashboard on fresh demo data, 1440x900 PNG.

    python scripts/screenshots.py [--out docs/screenshots] [--lang en] [--deals 3000]
                                  [--preset last_12_months]

Creates a throw-away SQLite database with demo data (`python app.py demo`), starts the app on a
free port (sign-in off), takes one screenshot per page the navbar lists (overview, funnel, sales
cycle, lifecycle, campaigns, and whichever other pages are registered) plus one of an open
funnel drill-down, then stops the server and deletes the database. Needs Chromium
(CHROMIUM_PATH, default /usr/bin/chromium) and Playwright for Python (requirements.txt).

Files: <out>/<page>.png (the page key of the navbar link, "overview" for /) and
<out>/funnel-drilldown.png.
"""
from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VIEWPORT = {"width": 1440, "height": 900}
LOCALES = {"en": "en-US", "de": "de-DE"}
#: Seconds the app may take to start, one page to settle, and a drill-down to open.
START_TIMEOUT, PAGE_TIMEOUT_MS, DRILL_TIMEOUT_MS = 90, 60_000, 30_000
#: Stage clicked for the drill-down screenshot (index into the funnel's reached bars).
DRILL_STAGE_INDEX = 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def make_demo_database(folder: Path, deals: int) -> dict:
    """Environment of the child processes: a fresh demo database in `folder`, sign-in off."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'demo.db'}", "AUTH_MODE": "none",
           "REFRESH_SECONDS": "3600"}
    _log(f"demo data: {deals} deals …")
    subprocess.run([sys.executable, "app.py", "demo", "--deals", str(deals)], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return env


def start_server(env: dict, log_path: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    with open(log_path, "w") as log:  # the child keeps its own handle
        proc = subprocess.Popen([sys.executable, "app.py", "serve", "--port", str(port)], cwd=ROOT, env=env,
                                stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + START_TIMEOUT
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the app exited:\n" + log_path.read_text()[-3000:])
        try:
            urllib.request.urlopen(base + "/", timeout=3)
            return proc, base
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit(f"the app did not answer within {START_TIMEOUT} s")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def settle(page) -> None:
    """Wait until Dash has no callback in flight, every graph has left its blank placeholder (a
    figure with data or an empty-state annotation) and the fonts are loaded."""
    page.wait_for_load_state("networkidle", timeout=PAGE_TIMEOUT_MS)
    page.wait_for_function(
        """() => {
            if (document.querySelector('[data-dash-is-loading="true"]')) return false;
            const graphs = Array.from(document.querySelectorAll('.js-plotly-plot'))
                .filter(g => g.offsetParent !== null);
            return graphs.every(g => g._fullLayout &&
                ((g._fullData && g._fullData.length) || (g._fullLayout.annotations || []).length));
        }""", timeout=PAGE_TIMEOUT_MS)
    page.evaluate("() => document.fonts.ready")
    page.wait_for_timeout(600)  # plotly's and ag-grid's last layout pass (a script, not a test)


def nav_pages(page) -> list[tuple[str, str]]:
    """(key, href) of every page link of the navbar, in its order."""
    links = page.eval_on_selector_all(
        "#nav-links a", "els => els.map(a => [a.getAttribute('href'), a.innerText.trim()])")
    out = []
    for href, _label in links:
        path = href.split("?")[0].rstrip("/")
        key = path.rsplit("/", 1)[-1] or "overview"
        out.append((key, href))
    return out


def click_funnel_stage(page, index: int) -> None:
    """Hover a reached bar until plotly reports the hover, then press (its drag layer takes clicks)."""
    bar = page.locator("#funnel-chart .trace.bars").first.locator(".point").nth(index)
    bar.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
    box = bar.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("() => { const h = document.querySelector('#funnel-chart .js-plotly-plot')._hoverdata;"
                           " return !!(h && h.length); }", timeout=5000)
    page.mouse.down()
    page.mouse.up()


def take_screenshots(base: str, out: Path, lang: str, preset: str, chromium: str) -> list[Path]:
    from playwright.sync_api import sync_playwright
    shots: list[Path] = []
    query = f"?preset={preset}&lang={lang}"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium if Path(chromium).exists() else None, headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--hide-scrollbars"])
        ctx = browser.new_context(viewport=VIEWPORT, device_scale_factor=1, locale=LOCALES.get(lang, lang),
                                  extra_http_headers={"Accept-Language": LOCALES.get(lang, lang)})
        page = ctx.new_page()
        errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text[:300]))
        page.on("pageerror", lambda e: errors.append(str(e)[:300]))
        page.goto(base + "/" + query)
        settle(page)
        for key, href in nav_pages(page):
            page.goto(base + href)
            settle(page)
            page.mouse.move(0, 0)  # no hover label or highlighted link in the picture
            path = out / f"{key}.png"
            page.screenshot(path=str(path))
            shots.append(path)
            _log(f"{path} ({path.stat().st_size // 1024} KB)")
            if key == "funnel":
                click_funnel_stage(page, DRILL_STAGE_INDEX)
                page.locator(".drill-drawer.show .drill-grid .ag-row").first.wait_for(timeout=DRILL_TIMEOUT_MS)
                settle(page)
                page.mouse.move(0, 0)
                drill = out / "funnel-drilldown.png"
                page.screenshot(path=str(drill))
                shots.append(drill)
                _log(f"{drill} ({drill.stat().st_size // 1024} KB)")
        browser.close()
    if errors:
        _log("browser console errors:\n  " + "\n  ".join(errors))
    return shots


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots", help="folder of the PNGs")
    ap.add_argument("--lang", default="en", choices=sorted(LOCALES), help="language of the pages")
    ap.add_argument("--deals", type=int, default=3000, help="demo deals (default 3000)")
    ap.add_argument("--preset", default="last_12_months", help="period preset of the view")
    ap.add_argument("--chromium", default=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="screenshots-") as tmp:
        env = make_demo_database(Path(tmp), args.deals)
        proc, base = start_server(env, Path(tmp) / "server.log")
        try:
            shots = take_screenshots(base, args.out, args.lang, args.preset, args.chromium)
        finally:
            stop_server(proc)
    _log(f"{len(shots)} screenshots in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
