"""Roles end to end: the API endpoints and the Dash callback endpoints called directly (as a
script would, not through the menus) with each role, on the worked example, on SQLite and
PostgreSQL. What must come back is derived from the same data through an admin's filters
(a sales rep's numbers are the admin's numbers with owner=<their id>, and so on)."""
import json
import re
import time

import pytest
from sqlalchemy import text

from tests.conftest import WORKED_EXAMPLE

YEAR = "from=2025-01-01&to=2026-01-01"
SEARCH = "?preset=custom&from=2025-01-01&to=2026-01-01"
OWNER = "005Dn00000001"        # Anna Müller (DACH): 31 deals created in 2025
PASSWORD = "correct horse 1"
USERS = {"ada": ("admin", None, None), "max": ("manager", None, None), "sam": ("sales", OWNER, None),
         "mia": ("marketing", None, None), "sid": ("service", None, None), "vera": ("viewer", None, None),
         "reg": ("manager", None, "DACH")}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(request, fresh_db):
    from app import create_app
    from auth.users import add_user
    from ingest.csv_import import import_folder
    from settings import Settings
    engine = fresh_db.make(request.param)
    import_folder(engine, WORKED_EXAMPLE / "csv", tz_name="UTC")
    for name, (role, owner, region) in USERS.items():
        add_user(engine, name, role=role, password=PASSWORD, owner_id=owner, region=region)
    url = engine.url.render_as_string(hide_password=False)
    base = dict(database_url=url, report_tz="UTC", auth_mode="builtin", secret_key="s" * 40)

    class Site:
        pass
    def make(settings):
        server = create_app(settings)
        # the first request sets Dash up with the page callbacks registered by this app's import
        assert server.test_client().get("/healthz").status_code == 200
        return server
    s = Site()
    s.engine = engine
    s.settings = Settings(**base)
    s.app = make(s.settings)
    s.worker2 = make(Settings(**base))                       # a second gunicorn worker, same database
    s.hidden = make(Settings(**base, hide_rep_figures=True))
    s.proxy = make(Settings(database_url=url, report_tz="UTC", auth_mode="proxy", trusted_proxies=("10.0.0.1/32",),
                            auth_group_roles=(("crm-admins", "admin"), ("sales", "sales"), ("staff", "viewer")),
                            trusted_proxy_count=1))
    s.clients = {name: login(s.app, name) for name in USERS}
    yield s
    engine.dispose()


def login(app, name, password=PASSWORD, address="127.0.0.1"):
    c = app.test_client()
    c.environ_base["REMOTE_ADDR"] = address
    c.dash = app.extensions["dash"]
    page = c.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    c.last = c.post("/login", data={"username": name, "password": password, "csrf": csrf})
    return c


def api(client, path, status=200, **kw):
    r = client.get("/api/v1" + path, **kw)
    assert r.status_code == status, (path, r.status_code, r.get_data(as_text=True)[:300])
    return r.get_json()


def reached(body):
    return [s["reached"] for s in body["stages"]]


# --- Dash callbacks through the HTTP endpoint ------------------------------------------------------
def _entry(cid, prop, value=None):
    return {"id": cid, "property": prop, "value": value}


def post_callback(client, parts, outputs, inputs, state=(), changed=()):
    keys = [k for k, v in client.dash.callback_map.items()
            if all(p in k + json.dumps(v.get("inputs", []), separators=(",", ":")) for p in parts)]
    assert len(keys) == 1, (parts, keys)
    outs = [{"id": i, "property": p} for i, p in outputs]
    body = {"output": keys[0], "outputs": outs if keys[0].startswith("..") else outs[0], "inputs": list(inputs),
            "state": list(state), "changedPropIds": list(changed)}
    return client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")


def draw_funnel(client):
    return post_callback(client, ["funnel-chart.figure"], [("funnel-chart", "figure"), ("funnel-stages", "children"),
                                                           ("funnel-summary", "children"), ("funnel-subtitle", "children")],
                         [_entry("url", "search", SEARCH), _entry("data-version", "data")], changed=["url.search"])


def open_drilldown(client, source, params, panel="funnel"):
    p = lambda t: {"type": t, "panel": panel}
    req = {"source": source, "title": "rows", "params": params, "nonce": "n1"}
    return post_callback(client, ['"dd-body"', "children"],
                         [(p(t), prop) for t, prop in (("dd-body", "children"), ("dd-title", "children"),
                                                       ("dd-collapse", "is_open"), ("dd-message", "children"),
                                                       ("dd-request", "data"))],
                         [_entry(p("dd-request"), "data", req), _entry(p("dd-close"), "n_clicks"),
                          _entry("url", "search", SEARCH)],
                         state=[_entry(p("dd-collapse"), "is_open", False)],
                         changed=[json.dumps(p("dd-request"), separators=(",", ":")) + ".data"])


def drill_rows(resp):
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    by_type = {json.loads(k)["type"]: v for k, v in resp.get_json()["response"].items()}
    grid = by_type["dd-body"]["children"]["props"]["children"]["props"]
    return by_type["dd-title"]["children"], grid["rowData"], [c["field"] for c in grid["columnDefs"]]


def router(client, path):
    resp = post_callback(client, ["_pages_content.children"], [("_pages_content", "children"), ("_pages_store", "data")],
                         [_entry("_pages_location", "pathname", path), _entry("_pages_location", "search", SEARCH)],
                         changed=["_pages_location.pathname"])
    assert resp.status_code == 200
    return json.dumps(resp.get_json(), ensure_ascii=False)


# --- tests --------------------------------------------------------------------------------------------
def test_without_sign_in_the_api_says_401_pages_go_to_login_and_callbacks_refuse(site):
    anon = site.app.test_client()
    anon.dash = site.app.extensions["dash"]
    assert anon.get("/api/v1/funnel").status_code == 401
    assert anon.get("/api/v1/funnel").headers["WWW-Authenticate"].startswith("Bearer")
    r = anon.get("/funnel?region=DACH")
    assert r.status_code == 302 and r.headers["Location"] == "/login?next=/funnel%3Fregion%3DDACH"
    assert draw_funnel(anon).status_code == 401 and anon.get("/_dash-layout").status_code == 401
    assert anon.get("/healthz").status_code == 200 and anon.get("/login").status_code == 200
    assert site.clients["ada"].last.status_code == 302 and site.clients["ada"].get("/").status_code == 200


def test_sales_funnel_numbers_and_drilldowns_hold_only_their_own_deals(site):
    sam, ada = site.clients["sam"], site.clients["ada"]
    own = api(sam, f"/funnel?{YEAR}")
    assert reached(own) == reached(api(ada, f"/funnel?{YEAR}&owner={OWNER}"))
    assert own["cohort_deals"] == 31 < api(ada, f"/funnel?{YEAR}")["cohort_deals"]
    assert own["filters"] == {}                                        # the scope is not a user filter
    fig = draw_funnel(sam).get_json()["response"]["funnel-chart"]["figure"]
    assert fig["data"][0]["x"] == reached(own)                         # the Dash callback: the same scope
    listed = api(sam, f"/funnel/deals?{YEAR}&stage=Lead&limit=1000")
    assert listed["total"] == 31 and {r["owner_id"] for r in listed["rows"]} == {OWNER}
    title, rows, _ = drill_rows(open_drilldown(sam, "funnel.deals", {"stage": "Lead", "kind": "reached"}))
    assert title.endswith("— 31") and {r["deal_id"] for r in rows} == {r["deal_id"] for r in listed["rows"]}
    won = api(sam, f"/deals?{YEAR}&kind=won&limit=1000")
    assert won["total"] > 0 and {r["owner_id"] for r in won["rows"]} == {OWNER}
    with site.engine.connect() as conn:
        theirs = {r[0] for r in conn.execute(text("SELECT DISTINCT customer_id FROM deals WHERE owner_id = :o"), {"o": OWNER})}
    rfm = api(sam, f"/customers/rfm/customers?{YEAR}&limit=10000")
    assert rfm["total"] > 0 and {r["customer_id"] for r in rfm["rows"]} <= theirs
    assert api(sam, f"/funnel?{YEAR}&owner=005Dn00000002")["cohort_deals"] == 0   # no way out of the scope


def test_marketing_drilldowns_are_pseudonymised(site):
    mia = site.clients["mia"]
    rows = api(mia, f"/deals?{YEAR}&kind=won&limit=5")["rows"]
    assert rows and "customer_id" in rows[0] and "owner_id" in rows[0] and "amount" in rows[0]
    assert not {"customer_name", "owner_name"} & set(rows[0])
    customers = api(mia, f"/customers/rfm/customers?{YEAR}&limit=5")["rows"]
    assert customers and "customer_id" in customers[0] and not {"name", "city"} & set(customers[0])
    cases = api(mia, f"/service/cases?{YEAR}&limit=5")["rows"]
    assert cases and not {"customer_name", "agent_name"} & set(cases[0])
    assert api(mia, f"/funnel?{YEAR}")["cohort_deals"] == 314                # aggregates: everything
    _, grid_rows, fields = drill_rows(open_drilldown(mia, "funnel.deals", {"stage": "Lead", "kind": "reached"}))
    assert len(grid_rows) == 314 and "customer_name" not in fields and "deal_id" in fields
    assert not {"customer_name", "owner_name"} & set(grid_rows[0])
    body = json.dumps(grid_rows, ensure_ascii=False)
    assert "Müller & Söhne" not in body and "Anna Müller" not in body


def test_the_attribution_drilldown_is_listed_under_the_same_access_rules(site):
    # conversions with their journeys are paged in Python (queries.lists.page_frame), not by page()
    params = {"channel": "email"}
    _, admin_rows, _ = drill_rows(open_drilldown(site.clients["ada"], "attribution.channel", params, panel="attribution"))
    _, rows, fields = drill_rows(open_drilldown(site.clients["mia"], "attribution.channel", params, panel="attribution"))
    assert rows and [r["deal_id"] for r in rows] == [r["deal_id"] for r in admin_rows]
    assert "customer_id" in fields and not {"customer_name", "owner_name", "name", "city"} & set(fields)
    assert not {"customer_name", "owner_name", "name", "city"} & set(rows[0])
    vera = site.clients["vera"]
    assert open_drilldown(vera, "attribution.channel", params, panel="attribution").status_code == 403


def test_service_sees_the_service_section_only_and_no_deal_amounts(site):
    sid = site.clients["sid"]
    for path in ("/funnel", "/kpis", "/deals", "/owners", "/customers/rfm"):
        assert "service" in api(sid, f"{path}?{YEAR}", status=403)["error"]
    assert api(sid, f"/service?{YEAR}")
    cases = api(sid, f"/service/cases?{YEAR}&limit=3")["rows"]
    assert cases and "customer_name" in cases[0] and not {"amount"} & set(cases[0])
    assert draw_funnel(sid).status_code == 403                                # the funnel page's callback
    assert open_drilldown(sid, "funnel.deals", {"stage": "Lead"}, panel="service").status_code == 403
    assert sid.get("/funnel").status_code == 403
    r = sid.get("/")
    assert r.status_code == 302 and r.headers["Location"] == "/service"
    assert "not open to the role" in router(sid, "/funnel") and "not open to the role" not in router(sid, "/service")


def test_viewers_get_aggregates_but_no_lists(site):
    vera = site.clients["vera"]
    assert api(vera, f"/funnel?{YEAR}")["cohort_deals"] == 314
    for path in ("/deals", "/funnel/deals?stage=Lead&", "/service/cases", "/customers/rfm/customers"):
        sep = "" if path.endswith("&") else "?"
        assert "aggregates only" in api(vera, f"{path}{sep}{YEAR}", status=403)["error"]
    assert draw_funnel(vera).status_code == 200
    assert open_drilldown(vera, "funnel.deals", {"stage": "Lead", "kind": "reached"}).status_code == 403


def test_a_region_scope_narrows_every_number_and_list(site):
    reg, ada = site.clients["reg"], site.clients["ada"]
    assert reached(api(reg, f"/funnel?{YEAR}")) == reached(api(ada, f"/funnel?{YEAR}&region=DACH"))
    assert api(reg, f"/kpis?{YEAR}")["won_revenue"] == api(ada, f"/kpis?{YEAR}&region=DACH")["won_revenue"]
    rows = api(reg, f"/deals?{YEAR}&kind=won&limit=1000")["rows"]
    assert rows and {r["region"] for r in rows} == {"DACH"}
    assert api(reg, f"/funnel?{YEAR}&region=Nordics")["cohort_deals"] == 0
    assert api(reg, f"/service?{YEAR}")["cases_opened"] == api(ada, f"/service?{YEAR}&region=DACH")["cases_opened"]


def test_api_tokens_carry_their_users_role_and_stop_when_revoked(site):
    from auth.users import add_token, revoke_token
    token = add_token(site.engine, "sam", "bi script")
    client = site.app.test_client()
    bearer = {"Authorization": f"Bearer {token}"}
    assert reached(api(client, f"/funnel?{YEAR}", headers=bearer)) == reached(api(site.clients["sam"], f"/funnel?{YEAR}"))
    client.dash = site.app.extensions["dash"]
    assert client.get("/_dash-layout", headers=bearer).status_code == 401      # tokens are for the API only
    revoke_token(site.engine, "sam", "bi script")
    assert api(client, f"/funnel?{YEAR}", status=401, headers=bearer)["error"].startswith("sign in first")


def test_lists_with_customer_names_are_audited_with_their_parameters(site):
    from auth.audit import recent
    max_ = site.clients["max"]
    api(max_, f"/deals?{YEAR}&kind=won&region=DACH&limit=2")
    drill_rows(open_drilldown(max_, "funnel.deals", {"stage": "Proposal", "kind": "reached"}))
    api(site.clients["mia"], f"/deals?{YEAR}&kind=won&limit=2")                # pseudonymised: nothing to log
    api(max_, f"/funnel?{YEAR}")                                                # aggregates: nothing to log
    rows = recent(site.engine, username="max")
    assert [r["action"] for r in rows[:2]] == ["drilldown", "api_list"] and len(rows) == 2
    drill, listed = rows[0]["detail"], rows[1]["detail"]
    assert drill["source"] == "funnel.deals" and drill["params"] == {"stage": "Proposal", "kind": "reached"}
    assert drill["period"] == ["2025-01-01", "2026-01-01"] and drill["rows"] == drill["total"] > 0
    assert listed["endpoint"] == "/deals" and listed["query"]["region"] == ["DACH"] and rows[0]["role"] == "manager"
    assert not recent(site.engine, username="mia")
    audit_grid = post_callback(site.clients["ada"], ["admin-audit.rowData"], [("admin-audit", "rowData")],
                               [_entry("admin-audit-refresh", "n_clicks", 1)], changed=["admin-audit-refresh.n_clicks"])
    shown = audit_grid.get_json()["response"]["admin-audit"]["rowData"]
    assert any(r["username"] == "max" and "funnel.deals" in r["detail"] for r in shown)
    assert post_callback(max_, ["admin-audit.rowData"], [("admin-audit", "rowData")],
                         [_entry("admin-audit-refresh", "n_clicks", 1)]).status_code == 403
    assert max_.get("/admin").status_code == 403 and "nav-admin" not in max_.get("/_dash-layout").get_data(as_text=True)


def test_failed_sign_ins_are_limited_per_user_and_address_across_workers(site):
    from auth.users import add_user
    add_user(site.engine, "lena", role="viewer", password=PASSWORD)
    for _ in range(5):
        assert login(site.app, "lena", "wrong password", address="10.1.1.1").last.status_code == 401
    locked = login(site.worker2, "lena", PASSWORD, address="10.1.1.1").last      # right password, other worker
    assert locked.status_code == 429 and "Too many failed sign-ins" in locked.get_data(as_text=True)
    assert 0 < int(locked.headers["Retry-After"]) <= 15 * 60
    assert login(site.worker2, "lena", PASSWORD, address="10.2.2.2").last.status_code == 302   # other address


def test_a_disabled_user_is_signed_out_on_the_next_request(site):
    from auth.users import add_user, update_user
    add_user(site.engine, "dora", role="viewer", password=PASSWORD)
    dora = login(site.app, "dora")
    assert api(dora, f"/funnel?{YEAR}")
    update_user(site.engine, "dora", disabled=True)
    api(dora, f"/funnel?{YEAR}", status=401)
    assert login(site.app, "dora").last.status_code == 401


def test_proxy_sign_on_headers_count_only_from_trusted_proxies(site):
    c = site.proxy.test_client()

    def get(peer, user="sam", groups="staff, sales", forwarded_for=None):
        headers = {"X-Forwarded-User": user, "X-Forwarded-Groups": groups}
        if forwarded_for:
            headers["X-Forwarded-For"] = forwarded_for
        return c.get(f"/api/v1/funnel?{YEAR}", headers=headers, environ_base={"REMOTE_ADDR": peer})
    trusted = get("10.0.0.1", forwarded_for="192.168.5.5")
    assert trusted.status_code == 200 and trusted.get_json()["cohort_deals"] == 31   # sales (first match), sam's owner
    assert get("10.0.0.1", groups="staff").status_code == 200                       # viewer: aggregates
    assert get("10.0.0.1", groups="staff").status_code == 200
    assert c.get(f"/api/v1/deals?{YEAR}", headers={"X-Forwarded-User": "sam", "X-Forwarded-Groups": "staff"},
                 environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 403
    assert get("10.9.9.9").status_code == 401                                        # not the proxy
    assert get("10.9.9.9", forwarded_for="10.0.0.1").status_code == 401              # claiming to be it
    assert get("10.0.0.1", groups="guests").status_code == 403                       # no role for the groups
    page = c.get("/", headers={"X-Forwarded-User": "ghost"}, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert page.status_code == 403


def test_hidden_rep_figures_are_refused_below_manager(site):
    sam, max_ = login(site.hidden, "sam"), login(site.hidden, "max")
    assert "HIDE_REP_FIGURES" in api(sam, f"/owners?{YEAR}", status=403)["error"]
    api(sam, f"/funnel/breakdown?{YEAR}&by=owner", status=403)
    api(sam, f"/funnel?{YEAR}&owner={OWNER}", status=403)
    assert api(sam, f"/funnel/breakdown?{YEAR}&by=region")["groups"]
    assert api(max_, f"/owners?{YEAR}")["owners"]
    resp = post_callback(sam, ["cycle-leaderboard.children"], [("cycle-leaderboard", "children")],
                         [_entry("url", "search", SEARCH), _entry("data-version", "data")], changed=["url.search"])
    assert "Not shown for your role" in json.dumps(resp.get_json())
    owner_dropdown = '"type":"filter-dropdown","name":"owner"'
    assert owner_dropdown not in sam.get("/_dash-layout").get_data(as_text=True).replace(" ", "")
    assert owner_dropdown in max_.get("/_dash-layout").get_data(as_text=True).replace(" ", "")


def test_forget_erases_the_name_and_keeps_every_aggregate(site, monkeypatch, capsys):
    import app
    from auth.audit import recent
    ada = site.clients["ada"]
    paths = ["/funnel", "/kpis", "/customers/segments?by=region&", "/customers/rfm", "/lifecycle/migration",
             "/service", "/campaigns", "/customers/pareto"]

    def numbers():
        out = {}
        for p in paths:
            body = api(ada, p + ("" if p.endswith("&") else "?") + YEAR)
            body.pop("data_as_of")
            out[p] = body
        return out
    with site.engine.connect() as conn:
        cid, name = conn.execute(text("SELECT c.customer_id, c.name FROM customers c JOIN deals d ON d.customer_id = "
                                      "c.customer_id WHERE d.status = 'won' ORDER BY c.customer_id")).first()
    before = numbers()
    monkeypatch.setenv("DATABASE_URL", site.settings.database_url)
    assert app.main(["forget", cid]) == 0
    assert "erased name, city" in capsys.readouterr().out
    assert numbers() == before
    rows = api(ada, f"/deals?{YEAR}&kind=won&limit=1000")["rows"]
    mine = [r for r in rows if r["customer_id"] == cid]
    assert mine and {r["customer_name"] for r in mine} == {f"Erased customer {cid}"}
    assert name not in json.dumps(rows, ensure_ascii=False)
    assert recent(site.engine, action="forget")[0]["detail"]["customer_id"] == cid


def test_the_admin_page_imports_uploads_and_shows_the_importers_errors(site):
    import base64
    ada = site.clients["ada"]

    def upload(filename, content):
        data = "data:text/csv;base64," + base64.b64encode(content.encode("utf-8")).decode()
        r = post_callback(ada, ["admin-job.data"], [("admin-job", "data"), ("admin-poll", "disabled"),
                                                    ("admin-import-status", "children")],
                          [_entry("admin-upload", "contents", [data])],
                          state=[_entry("admin-upload", "filename", [filename]), _entry("admin-replace", "value", []),
                                 _entry("url", "search", SEARCH)], changed=["admin-upload.contents"])
        assert r.status_code == 200, r.get_data(as_text=True)[:300]
        job = r.get_json()["response"]["admin-job"]["data"]
        for _ in range(200):
            resp = post_callback(ada, ["admin-progress.value"],
                                 [("admin-import-status", "children"), ("admin-progress", "value"),
                                  ("admin-progress", "style"), ("admin-poll", "disabled")],
                                 [_entry("admin-poll", "n_intervals", 1)],
                                 state=[_entry("admin-job", "data", job), _entry("url", "search", SEARCH)])
            out = resp.get_json()["response"]
            if out["admin-poll"]["disabled"]:
                return json.dumps(out["admin-import-status"], ensure_ascii=False)
            time.sleep(0.05)
        raise AssertionError("the import did not finish")
    bad = upload("owners.csv", "owner_id,name,team,region\nX1,Xaver,,DACH\n,No Id,,DACH\n")
    assert "Import failed, nothing was changed" in bad and "owners.csv, line 3, column owner_id" in bad
    good = upload("owners.csv", "owner_id,name,team,region\nX1,Xaver,,DACH\n")
    assert "Imported in" in good and "owners 1" in good
    with site.engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM owners WHERE owner_id = 'X1'")).scalar() == "Xaver"
    assert "is not a table of the data contract" in upload("people.csv", "a,b\n1,2\n")
    assert post_callback(site.clients["sam"], ["admin-job.data"], [("admin-job", "data")],
                         [_entry("admin-upload", "contents", ["data:,"])]).status_code == 403


def test_the_admin_page_saves_validated_targets(site):
    ada = site.clients["ada"]

    def save(rows):
        r = post_callback(ada, ["admin-targets-message.children"], [("admin-targets-message", "children"),
                                                                     ("admin-targets", "rowData")],
                          [_entry("admin-targets-save", "n_clicks", 1)],
                          state=[_entry("admin-targets", "rowData", rows), _entry("url", "search", SEARCH)],
                          changed=["admin-targets-save.n_clicks"])
        assert r.status_code == 200, r.get_data(as_text=True)[:300]
        return r.get_json()["response"]
    with site.engine.connect() as conn:
        from ingest.targets_edit import load_rows
        rows = load_rows(conn)
    bad = save(rows + [{"kpi": "won_revenue", "period_start": "2027-02-01", "period_end": "2027-01-01",
                        "scope": "all", "target": 5}])
    assert f"row {len(rows) + 1}, period_end" in json.dumps(bad)
    edited = [dict(r) for r in rows]
    edited[0]["target"] = 123.5
    ok = save(edited[1:] + edited[:1] + [{"kpi": "win_rate", "period_start": "2027-01-01",
                                          "period_end": "2028-01-01", "scope": "region:DACH", "target": "0,4"}])
    assert f"Saved: {len(rows) + 1} targets, 0 deleted." in json.dumps(ok)
    with site.engine.connect() as conn:
        k = edited[0]
        assert conn.execute(text("SELECT target FROM targets WHERE kpi = :k AND scope = :s AND period_start = :a"),
                            {"k": k["kpi"], "s": k["scope"], "a": k["period_start"]}).scalar() == 123.5
        assert conn.execute(text("SELECT target FROM targets WHERE kpi = 'win_rate' AND scope = 'region:DACH' "
                                 "AND period_start = '2027-01-01'")).scalar() == 0.4
    assert "1 deleted" in json.dumps(save(edited))                    # the new row was removed from the grid


def test_with_sign_in_off_everyone_is_the_local_admin_and_the_banner_says_so(tmp_path):
    from app import create_app
    from settings import Settings
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", report_tz="UTC"))
    c = app.test_client()
    layout = c.get("/_dash-layout").get_data(as_text=True)
    assert "Sign-in is off: everyone sees everything" in layout and "nav-admin" in layout
    assert c.get("/api/v1/deals").status_code == 200 and c.get("/login").status_code == 302
