"""Live events in a real browser: an event posted from the open dashboard's own page moves its
numbers without a reload; a page of another site (a real attacker page on another origin) can
neither fetch nor form-post an event into the app."""
import json
import sqlite3
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.browser.conftest import YEAR_2025
from tests.browser.test_shell import kpi_value, wait_for_text_change

POST_FROM_PAGE = """async (batch) => {
  const r = await fetch('/api/v1/events', {method: 'POST', headers: {'Content-Type': 'application/json'},
                                           body: JSON.stringify(batch)});
  return [r.status, await r.json()];
}"""


def _cleanup(db_url, deal_ids, event_prefix):
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as db:   # leave the shared app as it was
        for d in deal_ids:
            db.execute("DELETE FROM deal_stage_history WHERE deal_id = ?", (d,))
            db.execute("DELETE FROM deals WHERE deal_id = ?", (d,))
        db.execute("DELETE FROM ingested_events WHERE event_id LIKE ?", (event_prefix + "%",))


def test_an_event_posted_from_the_page_shows_up_without_reload(page, app_server):
    _, db_url = app_server
    p = page.goto(f"/?{YEAR_2025}")
    before = kpi_value(p, 0)                      # won revenue 2025
    p.evaluate("window.__no_reload_marker = 7")
    batch = {"events": [
        {"id": "live-ev-1", "type": "deal.created", "occurred_at": "2025-06-01T10:00:00Z",
         "data": {"deal_id": "LIVE-EV-1", "customer_id": "C00001", "owner_id": "005Dn00000001", "amount": 1000000}},
        {"id": "live-ev-2", "type": "deal.won", "occurred_at": "2025-06-20T10:00:00Z",
         "data": {"deal_id": "LIVE-EV-1"}}]}
    try:
        status, body = p.evaluate(POST_FROM_PAGE, batch)   # same origin: Origin and Sec-Fetch-Site say so
        assert status == 200 and body["applied"] == ["live-ev-1", "live-ev-2"], body
        wait_for_text_change(p, "#overview-kpis .kpi-value", before, timeout=20000)
        assert p.evaluate("window.__no_reload_marker") == 7
    finally:
        _cleanup(db_url, ["LIVE-EV-1"], "live-ev-")
    assert page.errors == []


# a text/plain form whose body reads as JSON ({"events":[{…,"x":"="}]}): the classic JSON CSRF trick
EVIL_PAGE = """<!doctype html><html><body>
<form id="f" method="post" action="{target}" enctype="text/plain">
<input type="hidden" name='{{"events":[{{"id":"csrf-form","type":"campaign.spend",\
"occurred_at":"2025-06-01T00:00:00Z","data":{{"campaign_id":"CMP-02","amount":1000}},"x":"' value='"}}]}}'>
<button id="go" type="submit">win a prize</button></form>
<script>
fetch("{target}", {{method: "POST", mode: "no-cors", credentials: "include",
  headers: {{"Content-Type": "application/json"}}, body: JSON.stringify({batch})}});
</script></body></html>"""


@contextmanager
def evil_site(html: str):
    """An attacker's page on another origin (localhost vs. the app's 127.0.0.1: another site)."""
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://localhost:{server.server_port}/"
    finally:
        server.shutdown()


def test_a_page_of_another_site_cannot_post_events(page, app_server):
    base, db_url = app_server
    target = base + "/api/v1/events"
    batch = {"events": [{"id": "csrf-fetch", "type": "campaign.spend", "occurred_at": "2025-06-01T00:00:00Z",
                         "data": {"campaign_id": "CMP-02", "amount": 1000}}]}
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as db:
        cost = db.execute("SELECT cost FROM campaigns WHERE campaign_id = 'CMP-02'").fetchone()[0]
    p = page.page
    with evil_site(EVIL_PAGE.format(target=target, batch=json.dumps(batch))) as evil:
        with p.expect_response(lambda r: r.url == target and r.request.method == "POST") as fetched:
            p.goto(evil)
        assert fetched.value.status == 403                     # refused by the app, not only unreadable
        with p.expect_navigation() as posted:                  # the form: a top-level cross-site POST
            p.click("#go")
        assert posted.value.status == 403 and "cross-site request refused" in p.content()
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as db:
        assert db.execute("SELECT count(*) FROM ingested_events WHERE event_id LIKE 'csrf-%'").fetchone()[0] == 0
        assert db.execute("SELECT cost FROM campaigns WHERE campaign_id = 'CMP-02'").fetchone()[0] == cost
