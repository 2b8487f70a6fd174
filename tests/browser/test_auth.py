"""Sign-in as a user meets it (AUTH_MODE=builtin): the login page, the name and role in the
navbar, sign-out, the admin page for admins only, and a service user's start page."""
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.browser.conftest import ROOT, YEAR_2025, Page, _free_port
from tests.conftest import WORKED_EXAMPLE

PASSWORD = "correct horse 1"


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory):
    db = tmp_path_factory.mktemp("browser-auth") / "app.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "REPORT_TZ": "UTC", "REFRESH_SECONDS": "5",
           "AUTH_MODE": "builtin", "SECRET_KEY": "b" * 40}
    run = lambda *args, **kw: subprocess.run([sys.executable, "app.py", *args], cwd=ROOT, env=env,
                                             check=True, capture_output=True, **kw)
    run("import", str(WORKED_EXAMPLE / "csv"))
    run("user", "add", "ada", "--role", "admin", "--password-stdin", input=PASSWORD + "\n", text=True)
    run("user", "add", "sid", "--role", "service", "--password-stdin", input=PASSWORD + "\n", text=True)
    port = _free_port()
    log = open(tmp_path_factory.mktemp("browser-auth-log") / "server.log", "w")
    proc = subprocess.Popen([sys.executable, "app.py", "serve", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2)
            break
        except OSError:
            time.sleep(0.3)
    if proc.poll() is not None or time.time() >= deadline:
        proc.kill()
        log.close()
        pytest.fail("the app did not start: " + Path(log.name).read_text()[-2000:])
    yield base
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def sign_in(page: Page, name: str, path: str = "/"):
    p = page.goto(path)
    p.fill("#username", name)
    p.fill("#password", PASSWORD)
    p.click("button[type=submit]")
    p.wait_for_load_state("networkidle")
    return p


def test_admin_signs_in_sees_name_and_role_opens_the_admin_page_and_signs_out(browser, auth_server):
    page = Page(browser, auth_server)
    try:
        p = sign_in(page, "ada", f"/funnel?{YEAR_2025}")
        assert "/funnel" in p.url and "preset=custom" in p.url                  # back where they wanted to go
        p.locator("#nav-user").wait_for(timeout=20000)
        assert p.locator("#nav-user").inner_text() == "ada · admin"
        assert p.locator("#no-auth-banner").count() == 0
        p.click("#nav-admin")
        p.locator("#admin-audit").wait_for(state="attached", timeout=20000)
        p.get_by_text("Users and tokens").click()
        p.locator("#admin-users .ag-row").first.wait_for(timeout=20000)
        assert p.locator("#admin-users .ag-row").count() == 2
        p.click("#nav-sign-out")
        p.wait_for_load_state("networkidle")
        assert "/login" in p.url
        assert page.errors == []
    finally:
        page.close()


def test_a_service_user_starts_on_the_service_page_without_other_pages(browser, auth_server):
    page = Page(browser, auth_server)
    try:
        p = sign_in(page, "sid")
        p.locator("#nav-user").wait_for(timeout=20000)
        assert p.url.rstrip("/").endswith("/service")
        links = p.locator("#nav-links a").all_inner_texts()
        assert [t.strip() for t in links] == ["Service"] and p.locator("#nav-admin").count() == 0
        assert page.errors == []
    finally:
        page.close()
