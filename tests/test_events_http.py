"""POST /api/v1/events over HTTP (SQLite and PostgreSQL): tokens and roles, the answers to bad
bodies (4xx with the event's index, id and field, never 500), retries, and cross-site request
forgery refused on the events, login, logout and admin endpoints while same-site requests work."""
from __future__ import annotations

import json
import re
import uuid
from datetime import datetime

import pytest
from sqlalchemy import func, select

from queries import schema as s
from tests.conftest import load_rows

PASSWORD = "correct horse 1"
HOST = "http://localhost"              # the Flask test client's own origin
EVIL = "https://evil.example"
SAME = {"Origin": HOST, "Sec-Fetch-Site": "same-origin"}
MARCH = "from=2025-03-01&to=2025-04-01"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(request, fresh_db):
    from app import create_app
    from auth.users import add_token, add_user
    from settings import Settings
    engine = fresh_db.make(request.param)
    load_rows(engine, {"owners": [{"owner_id": "O1", "name": "Anna"}],
                       "campaigns": [{"campaign_id": "K1", "name": "Spring", "channel": "email",
                                      "started_at": datetime(2025, 3, 1), "cost": 0.0}]})
    for name, role in (("ada", "admin"), ("ian", "integration"), ("max", "manager"), ("vera", "viewer")):
        add_user(engine, name, role=role, password=PASSWORD)
    url = engine.url.render_as_string(hide_password=False)
    base = dict(database_url=url, report_tz="UTC", secret_key="s" * 40)

    class Site:
        pass
    st = Site()
    st.engine = engine
    st.tokens = {n: add_token(engine, n, "test") for n in ("ada", "ian", "max")}
    st.app = create_app(Settings(**base, auth_mode="builtin"))
    st.open = create_app(Settings(**base, auth_mode="none"))
    st.embed = create_app(Settings(**base, auth_mode="builtin", embed_origins=("https://portal.example",)))
    for app in (st.app, st.open, st.embed):
        assert app.test_client().get("/healthz").status_code == 200   # Dash registers its callbacks
    yield st
    engine.dispose()


def login(app, name):
    c = app.test_client()
    c.dash = app.extensions["dash"]
    page = c.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    r = c.post("/login", data={"username": name, "password": PASSWORD, "csrf": csrf}, headers=SAME)
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    return c


def bearer(token, **headers):
    return {"Authorization": f"Bearer {token}", **headers}


def uid() -> str:
    return uuid.uuid4().hex[:10]


def spend(amount=5.0, eid=None):
    return {"id": eid or "sp-" + uid(), "type": "campaign.spend", "occurred_at": "2025-03-20T10:00:00Z",
            "data": {"campaign_id": "K1", "amount": amount}}


def post(client, body, headers=None, content_type="application/json"):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post("/api/v1/events", data=data, content_type=content_type, headers=headers or {})


def written(site) -> tuple:
    with site.engine.connect() as conn:
        return (conn.execute(select(func.count()).select_from(s.ingested_events)).scalar(),
                conn.execute(select(s.campaigns.c.cost)).scalar(),
                conn.execute(select(func.count()).select_from(s.users)).scalar())


# --- writing with a token -----------------------------------------------------------------------------
def test_an_integration_token_writes_and_the_api_shows_it_at_once(site):
    ian, mx = bearer(site.tokens["ian"]), bearer(site.tokens["max"])
    c = site.app.test_client()
    def kpis():
        return c.get(f"/api/v1/kpis?{MARCH}", headers=mx).get_json()
    before = kpis()
    k = uid()
    batch = {"events": [
        {"id": f"{k}-1", "type": "customer.created", "occurred_at": "2025-03-02T08:00:00Z",
         "data": {"customer_id": f"C-{k}", "name": "Acme"}},
        {"id": f"{k}-2", "type": "deal.created", "occurred_at": "2025-03-02T09:00:00Z",
         "data": {"deal_id": f"D-{k}", "customer_id": f"C-{k}", "owner_id": "O1", "amount": 800}},
        {"id": f"{k}-3", "type": "deal.won", "occurred_at": "2025-03-12T09:00:00Z",
         "data": {"deal_id": f"D-{k}", "amount": 900.5}}]}
    r = post(c, batch, ian)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["applied"] == [f"{k}-1", f"{k}-2", f"{k}-3"] and body["already_applied"] == []
    assert body["counts"] == {"customer.created": 1, "deal.created": 1, "deal.won": 1}
    after = kpis()
    assert after["won_deals"] == before["won_deals"] + 1
    assert after["won_revenue"] == pytest.approx(before["won_revenue"] + 900.5)
    assert after["data_as_of"] == "2025-03-12T09:00:00Z" or after["data_as_of"] > "2025-03-12"
    again = post(c, batch, ian)             # a retry after a lost answer: nothing changes
    assert again.status_code == 200 and again.get_json()["applied"] == []
    assert again.get_json()["already_applied"] == body["applied"]
    assert again.get_json()["data_version"] == body["data_version"]
    assert kpis()["won_revenue"] == after["won_revenue"]
    from auth.audit import recent
    row = recent(site.engine, action="events_ingested", limit=1)[0]
    assert row["username"] == "ian" and row["detail"]["applied"] == 3


def test_without_a_token_401_and_roles_without_write_right_403(site):
    c = site.app.test_client()
    before = written(site)
    r = post(c, {"events": [spend()]})
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
    assert post(c, {"events": [spend()]}, bearer("not-a-token")).status_code == 401
    r = post(c, {"events": [spend()]}, bearer(site.tokens["max"]))
    assert r.status_code == 403 and "may not write events" in r.get_json()["error"]
    vera = login(site.app, "vera")
    assert post(vera, {"events": [spend()]}, SAME).status_code == 403
    assert written(site) == before
    # the integration role writes, but reads nothing and sees no page
    ian = bearer(site.tokens["ian"])
    r = c.get(f"/api/v1/kpis?{MARCH}", headers=ian)
    assert r.status_code == 403 and "may only post events" in r.get_json()["error"]
    assert login(site.app, "ian").get("/funnel").status_code == 403


def test_an_admin_writes_through_the_session_from_the_own_site(site):
    ada = login(site.app, "ada")
    cost = written(site)[1]
    r = post(ada, {"events": [spend(7.0)]}, SAME)
    assert r.status_code == 200, r.get_json()
    assert written(site)[1] == pytest.approx(cost + 7.0)
    assert post(ada, {"events": [spend(1.0)]}, {"Origin": HOST}).status_code == 200   # old browser


BAD_BODIES = [
    # (body, content type, status, words of the answer, field)
    ("{not json", "application/json", 400, "the body is not valid JSON", None),
    ('{"events": [NaN]}', "application/json", 400, "NaN is not a JSON number", None),
    ("[]", "application/json", 400, "must be a JSON object", None),
    ('{"events": {}}', "application/json", 400, '"events" must be a list', None),
    (b"\xff\xfe", "application/json", 400, "not valid JSON", None),
    ('{"events": []}', "text/plain", 415, "Content-Type: application/json", None),
    ('events=1', "application/x-www-form-urlencoded", 415, "application/json", None),
    ({"events": [{"id": "w", "type": "campaign.spend", "occurred_at": "2025-03-20",
                  "data": {"campaign_id": "K1", "amount": "lots"}}]}, None, 422, "'lots' is not a valid number",
     "data.amount"),
    ({"events": [{"id": "w", "type": "campaign.spend", "occurred_at": "2025-03-20",
                  "data": {"campaign_id": ["K1"], "amount": 1}}]}, None, 422, "must be a string, not a list",
     "data.campaign_id"),
    ({"events": [{"id": "w", "type": "deal.promoted", "occurred_at": "2025-03-20", "data": {}}]}, None, 422,
     "'deal.promoted' is not an event type", "type"),
    ({"events": [{"id": "w", "type": "order.placed", "occurred_at": "2025-03-20",
                  "data": {"order_id": "X1", "customer_id": "C-nobody", "revenue": 1}}]}, None, 422,
     "'C-nobody' is not in customers", "data.customer_id"),
    ({"events": [{"id": "w", "type": "deal.created", "occurred_at": "2025-03-20",
                  "data": {"deal_id": "X1", "customer_id": "C-nobody", "owner_id": "O1", "amount": 1,
                           "status": "lost"}}]}, None, 422, "closed_at is required when status is 'lost'",
     "data.closed_at"),
    ({"events": [{"id": 5, "type": "campaign.spend", "occurred_at": "2025-03-20", "data": {}}]}, None, 422,
     "must be a string, not a number", "id"),
]


@pytest.mark.parametrize("body, ctype, status, words, field", BAD_BODIES,
                         ids=[f"{i:02d}" for i in range(len(BAD_BODIES))])
def test_bad_bodies_are_4xx_with_a_clear_message_and_write_nothing(site, body, ctype, status, words, field):
    c = site.app.test_client()
    before = written(site)
    good = spend()
    if isinstance(body, dict):
        body = {"events": [good] + body["events"]}   # the bad one is events[1]: the good one is not kept
    r = post(c, body, bearer(site.tokens["ian"]), content_type=ctype or "application/json")
    assert r.status_code == status, r.get_data(as_text=True)[:300]
    answer = r.get_json()
    assert words in answer["error"], answer
    if field is not None:
        assert (answer["index"], answer["field"]) == (1, field) and answer["error"].startswith("events[1]")
        assert answer["id"] == (body["events"][1]["id"] if isinstance(body["events"][1]["id"], str) else None)
    assert written(site) == before


def test_a_too_large_batch_is_413(site):
    events = [spend(1.0, f"big-{i}") for i in range(1001)]
    r = post(site.app.test_client(), {"events": events}, bearer(site.tokens["ian"]))
    assert r.status_code == 413 and "at most 1000" in r.get_json()["error"]
    r = post(site.app.test_client(), '{"events": []}' + " " * (3 << 20), bearer(site.tokens["ian"]))
    assert r.status_code == 413


def test_get_on_the_events_endpoint_says_post(site):
    r = site.app.test_client().get("/api/v1/events", headers=bearer(site.tokens["ian"]))
    assert r.status_code == 405 and r.headers["Allow"] == "POST"


def test_the_openapi_document_describes_every_event_type(site):
    from ingest.events_spec import EVENT_TYPES
    doc = site.app.test_client().get("/api/v1/openapi.json", headers=bearer(site.tokens["max"])).get_json()
    op = doc["paths"]["/api/v1/events"]["post"]
    variants = op["requestBody"]["content"]["application/json"]["schema"]["properties"]["events"]["items"]["oneOf"]
    assert [v["title"] for v in variants] == list(EVENT_TYPES)
    won = next(v for v in variants if v["title"] == "deal.won")["properties"]["data"]
    assert won["required"] == ["deal_id"] and won["properties"]["amount"] == {"type": "number", "minimum": 0}
    updated = next(v for v in variants if v["title"] == "deal.updated")["properties"]["data"]
    assert updated["properties"]["campaign_id"]["anyOf"][1] == {"type": "null"}   # null clears it
    assert {"200", "400", "401", "403", "413", "415", "422", "503"} <= set(op["responses"])


# --- cross-site request forgery -------------------------------------------------------------------------
FORGED = [{"Origin": EVIL}, {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "cross-site"},
          {"Sec-Fetch-Site": "same-site", "Origin": "https://other.localhost"}, {"Origin": "null"}]


@pytest.mark.parametrize("headers", FORGED, ids=["origin", "both", "fetch-site", "same-site", "null"])
def test_a_cross_site_post_with_the_admin_session_cookie_writes_no_event(site, headers):
    ada = login(site.app, "ada")
    before = written(site)
    r = post(ada, {"events": [spend()]}, headers)
    assert r.status_code == 403 and "cross-site request refused" in r.get_json()["error"]
    # what an HTML form on evil.example can send (no CORS preflight): refused as well
    r = post(ada, '{"events": []}', headers, content_type="text/plain")
    assert r.status_code == 403
    assert written(site) == before


def test_a_token_request_is_not_forgeable_and_passes_whatever_its_origin(site):
    r = post(site.app.test_client(), {"events": [spend()]}, bearer(site.tokens["ian"], Origin=EVIL))
    assert r.status_code == 200


def test_without_sign_in_a_cross_site_post_is_refused_and_a_script_passes(site):
    """AUTH_MODE=none needs no cookie at all, so a page of any site could otherwise write."""
    c = site.open.test_client()
    before = written(site)
    assert post(c, {"events": [spend()]}, {"Origin": EVIL}).status_code == 403
    assert post(c, {"events": [spend()]}, {"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert written(site) == before
    assert post(c, {"events": [spend()]}).status_code == 200          # curl, a sync job: no browser headers
    assert post(c, {"events": [spend()]}, SAME).status_code == 200


def test_in_embed_mode_the_portal_may_frame_the_app_but_not_post_to_it(site):
    ada = login(site.embed, "ada")
    cookie = ada.get_cookie("session")
    assert cookie.secure and cookie.same_site == "None"               # sent cross-site by browsers
    before = written(site)
    assert post(ada, {"events": [spend()]}, {"Origin": "https://portal.example"}).status_code == 403
    assert written(site) == before
    assert post(ada, {"events": [spend()]}, SAME).status_code == 200  # the page inside the iframe


def test_a_cross_site_login_is_refused_even_with_the_forms_token(site):
    c = site.app.test_client()
    page = c.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    form = {"username": "ada", "password": PASSWORD, "csrf": csrf}
    r = c.post("/login", data=form, headers={"Origin": EVIL})
    assert r.status_code == 403 and "another website" in r.get_data(as_text=True)
    assert c.get("/").status_code == 302                          # not signed in
    r = c.post("/login", data={"username": "ada", "password": PASSWORD}, headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403
    assert c.post("/login", data=form, headers=SAME).status_code == 302 and c.get("/").status_code == 200


def test_a_cross_site_logout_is_refused(site):
    ada = login(site.app, "ada")
    assert ada.post("/logout", headers={"Origin": EVIL}).status_code == 403
    assert ada.get("/").status_code == 200                        # still signed in
    assert ada.post("/logout", headers=SAME).status_code == 302
    assert ada.get("/").status_code == 302


def _add_user_callback(client, username, headers):
    """The admin page's "add user" button, as its Dash callback request."""
    from tests.dash_client import callback_key, entry
    key = callback_key(client.dash, "admin-user-message.children")
    outputs = [{"id": "admin-user-message", "property": "children"}, {"id": "admin-users", "property": "rowData"}]
    body = {"output": key, "outputs": outputs, "changedPropIds": ["admin-user-add.n_clicks"],
            "inputs": [entry("admin-user-add", "n_clicks", 1), entry("admin-user-set-role", "n_clicks"),
                       entry("admin-user-disable", "n_clicks"), entry("admin-user-enable", "n_clicks")],
            "state": [entry("admin-user-name", "value", username), entry("admin-user-role", "value", "admin"),
                      entry("admin-user-owner", "value"), entry("admin-user-region", "value"),
                      entry("admin-user-password", "value", "a long password 1"),
                      entry("admin-users", "selectedRows"), entry("admin-user-new-role", "value"),
                      entry("url", "search", "")]}
    return client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json",
                       headers=headers)


def test_a_cross_site_admin_action_is_refused_and_the_own_page_works(site):
    from auth.users import get_user
    ada = login(site.app, "ada")
    name = "eve" + uid()
    for headers in FORGED:
        r = _add_user_callback(ada, name, headers)
        assert r.status_code == 403 and "cross-site" in r.get_json()["error"]
    assert get_user(site.engine, name) is None
    r = _add_user_callback(ada, name, SAME)
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    assert get_user(site.engine, name).role == "admin"


def test_reading_is_not_affected_by_the_origin_check(site):
    """GET requests change nothing: links from the portal or a bookmark keep working."""
    ada = login(site.app, "ada")
    assert ada.get("/funnel", headers={"Sec-Fetch-Site": "cross-site", "Origin": EVIL}).status_code == 200
    assert ada.get(f"/api/v1/kpis?{MARCH}", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 200
