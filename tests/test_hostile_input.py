"""Hostile input, on SQLite and PostgreSQL: SQL and script injection through every parameter of
every API endpoint (api.endpoints.ENDPOINTS), through every URL state the dashboard's callbacks
read (dashboard/urlstate.py), and through imported text (customers named `<script>…` and
`'; DROP TABLE deals; --`, an owner and a campaign with quotes).

What must hold: nothing executes (an injected filter selects exactly what a plain unknown value
selects), nothing is lost (every table keeps its rows), answers are 200 or 400 — never 500 — and
a hostile name comes back as data, character for character.

Event payloads (POST /api/v1/events, built separately): extend `test_event_payloads_are_data`.
"""
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, table

from tests.conftest import WORKED_EXAMPLE
from tests.dash_client import entry, render_page
from tests.hostile_data import CAMPAIGN_NAME, CHANNEL, CITY, DROP, IMG, OWNER_NAME, SCRIPT, hostile_folder

#: what every parameter gets: SQL that would widen a filter or drop a table, and markup
PAYLOADS = {"sql": "x' OR '1'='1'; DROP TABLE deals; --", "script": '<script>alert(1)</script>"\'><img src=x>'}
YEAR = {"from": "2025-01-01", "to": "2026-01-01"}
UNKNOWN = "no-such-value"


# --- the data ----------------------------------------------------------------------------------
def table_counts(engine) -> dict:
    names = sorted(inspect(engine).get_table_names())
    with engine.connect() as conn:
        return {n: conn.execute(select(func.count()).select_from(table(n))).scalar() for n in names}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(request, fresh_db, tmp_path_factory):
    from app import create_app
    from ingest.csv_import import import_folder
    from settings import Settings
    engine = fresh_db.make(request.param)
    import_folder(engine, WORKED_EXAMPLE / "csv", tz_name="UTC")
    before_import = table_counts(engine)
    import_folder(engine, hostile_folder(tmp_path_factory.mktemp("hostile") / "csv"), tz_name="UTC")
    server = create_app(Settings(database_url=engine.url.render_as_string(hide_password=False), report_tz="UTC"))
    client = server.test_client()
    assert client.get("/").status_code == 200          # Dash sets up its callbacks
    client.dash = server.extensions["dash"]

    class Site:
        pass
    s = Site()
    s.kind, s.engine, s.client, s.before_import = request.param, engine, client, before_import
    s.counts = table_counts(engine)
    yield s
    server.extensions["sales"].engine.dispose()


# --- imported text -----------------------------------------------------------------------------
def test_imported_hostile_text_is_stored_as_is(site):
    from queries.schema import campaigns, customers, owners
    with site.engine.connect() as conn:
        names = dict(conn.execute(select(customers.c.customer_id, customers.c.name)
                                  .where(customers.c.customer_id.in_(["CX-SCRIPT", "CX-DROP", "CX-IMG"]))).all())
        city = conn.execute(select(customers.c.city).where(customers.c.customer_id == "CX-SCRIPT")).scalar()
        owner = conn.execute(select(owners.c.name).where(owners.c.owner_id == "OWN-HX")).scalar()
        campaign = conn.execute(select(campaigns.c.name).where(campaigns.c.campaign_id == "CMP-HX")).scalar()
    assert names == {"CX-SCRIPT": SCRIPT, "CX-DROP": DROP, "CX-IMG": IMG}
    assert (city, owner, campaign) == (CITY, OWNER_NAME, CAMPAIGN_NAME)
    # the import added exactly its rows and dropped nothing
    added = {t: site.counts[t] - site.before_import[t] for t in site.counts}
    assert {t: n for t, n in added.items() if n} == {"owners": 1, "customers": 3, "campaigns": 1, "deals": 3,
                                                     "deal_stage_history": 6}


def test_hostile_names_come_back_as_data_from_the_api(site):
    r = site.client.get("/api/v1/deals", query_string={**YEAR, "kind": "won", "limit": 10000})
    assert r.status_code == 200 and r.mimetype == "application/json"
    assert r.headers["X-Content-Type-Options"] == "nosniff"      # never sniffed as HTML
    rows = {row["deal_id"]: row for row in r.get_json()["rows"]}
    assert [rows[f"D-HX-{i}"]["customer_name"] for i in (1, 2, 3)] == [SCRIPT, DROP, IMG]
    assert rows["D-HX-1"]["owner_name"] == OWNER_NAME
    # a filter on a hostile value that exists selects exactly its rows (bound, not spliced)
    r = site.client.get("/api/v1/deals", query_string={**YEAR, "kind": "won", "source_channel": CHANNEL})
    assert [row["deal_id"] for row in r.get_json()["rows"]] == ["D-HX-2"]
    r = site.client.get("/api/v1/deals", query_string={**YEAR, "kind": "won", "industry": "Retail' OR '1'='1"})
    assert [row["deal_id"] for row in r.get_json()["rows"]] == ["D-HX-1"]
    r = site.client.get("/api/v1/campaigns", query_string=YEAR)
    assert {c["campaign_id"]: c["name"] for c in r.get_json()["campaigns"]}["CMP-HX"] == CAMPAIGN_NAME


# --- every API parameter -----------------------------------------------------------------------
def _required(ep) -> dict:
    """Valid values for an endpoint's required parameters."""
    valid = {"stage": "Proposal", "campaign_id": "CMP-01", "experiment_id": "EXP-01",
             "from_stage": "lead", "to_stage": "customer"}
    out = {}
    for p in ep.params:
        if p.required:
            out[p.name] = p.enum[0] if p.enum else valid[p.name]
    return out


def _without_echo(body: dict) -> dict:
    return {k: v for k, v in body.items() if k != "filters"}


def _check(resp, param: str, payload: str):
    """200 or 400 (JSON, naming the parameter); never 500; the payload, if echoed, as data."""
    body = resp.get_data(as_text=True)
    assert resp.status_code in (200, 400), (param, resp.status_code, body[:300])
    assert resp.mimetype == "application/json", (param, resp.mimetype)
    data = resp.get_json()
    if resp.status_code == 400:
        assert data["error"] and "Traceback" not in body
    return data


def test_injection_through_every_parameter_of_every_endpoint(site):
    from api.endpoints import ENDPOINTS
    from queries.filters import FILTER_NAMES
    unnamed = []
    for ep in ENDPOINTS:
        base = {**YEAR, **_required(ep)}
        names = [p.name for p in ep.params] + (["from", "to"] if ep.uses_period else [])
        for name in names:
            for payload in PAYLOADS.values():
                data = _check(site.client.get("/api/v1" + ep.path, query_string={**base, name: payload}), name, payload)
                if "parameter" in data and data.get("parameter") != name:
                    unnamed.append((ep.path, name, data.get("parameter"), data["error"]))
        if not ep.uses_filters:
            continue
        # every filter at once, injected: the same answer as for values that do not exist
        plain = site.client.get("/api/v1" + ep.path, query_string={**base, **{f: UNKNOWN for f in FILTER_NAMES}})
        assert plain.status_code == 200, (ep.path, plain.get_data(as_text=True)[:300])
        for payload in PAYLOADS.values():
            r = site.client.get("/api/v1" + ep.path, query_string={**base, **{f: payload for f in FILTER_NAMES}})
            data = _check(r, "filters", payload)
            assert r.status_code == 200, (ep.path, data)
            assert _without_echo(data) == _without_echo(plain.get_json()), ep.path
            assert set(data["filters"].values()) == {payload}, data["filters"]   # echoed as data
    assert not unnamed, f"400 without naming the parameter: {unnamed}"


@pytest.mark.parametrize("path", ["/deals", "/kpis"])
def test_each_filter_alone_selects_nothing_when_injected(site, path):
    from queries.filters import FILTER_NAMES
    base = {**YEAR, "limit": 10000} if path == "/deals" else dict(YEAR)
    plain = site.client.get("/api/v1" + path, query_string={**base, "region": UNKNOWN}).get_json()
    for name in FILTER_NAMES:
        for payload in PAYLOADS.values():
            r = site.client.get("/api/v1" + path, query_string={**base, name: payload})
            assert r.status_code == 200, (name, r.get_data(as_text=True)[:300])
            assert _without_echo(r.get_json()) == _without_echo(plain), (path, name, payload)


def test_sort_and_paging_parameters_reject_sql(site):
    for sort in ("amount; DROP TABLE deals", "amount:desc; --", "(SELECT 1)", "amount:sideways"):
        r = site.client.get("/api/v1/deals", query_string={**YEAR, "kind": "won", "sort": sort})
        assert r.status_code == 400 and r.get_json()["parameter"] == "sort", (sort, r.get_json())
    for name, value in (("limit", "1 OR 1=1"), ("offset", "-1"), ("limit", "99999999")):
        r = site.client.get("/api/v1/deals", query_string={**YEAR, name: value})
        assert r.status_code == 400 and r.get_json()["parameter"] == name


# --- every Dash URL state ----------------------------------------------------------------------
#: every view-state parameter a page reads (urlstate.RESERVED and the pages' own)
PAGE_PARAMS = ("by", "model", "measure", "window", "t0", "t1", "agent", "experiment", "chart", "embed", "filters")


def hostile_search(payload: str, period_too: bool) -> str:
    from urllib.parse import urlencode

    from dashboard.urlstate import RESERVED
    params = {name: payload for name in (*RESERVED, *PAGE_PARAMS)}
    if not period_too:
        params.update(preset="custom", **YEAR)
    return "?" + urlencode(params)


def _outputs(key: str) -> list[dict]:
    parts = key[2:-2].split("...") if key.startswith("..") else [key]
    out = []
    for part in parts:
        cid, prop = part.rsplit(".", 1)
        out.append({"id": cid, "property": prop.split("@")[0]})
    return out


def url_callbacks(dash_app):
    """The callbacks drawn from the URL: url.search an input, plain ids only."""
    for key, cb in dash_app.callback_map.items():
        ids_ = [i["id"] for i in cb.get("inputs", []) + cb.get("state", [])]
        if "{" in key or any(not isinstance(i, str) or i.startswith("{") for i in ids_):
            continue
        if any(i["id"] == "url" and i["property"] == "search" for i in cb.get("inputs", [])):
            yield key, cb


def post(client, key, cb, search):
    def value(i):
        return search if (i["id"], i["property"]) == ("url", "search") else None
    body = {"output": key, "outputs": _outputs(key) if key.startswith("..") else _outputs(key)[0],
            "inputs": [entry(i["id"], i["property"], value(i)) for i in cb["inputs"]],
            "state": [entry(i["id"], i["property"], value(i)) for i in cb.get("state", [])],
            "changedPropIds": ["url.search"]}
    return client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")


#: an error state of charts.guard or the app's on_error: a hostile URL must cause neither
ERROR_MARKS = ("could not be loaded", "callback-error", "Traceback")


def test_injection_through_the_url_state_of_every_dash_callback(site):
    callbacks = list(url_callbacks(site.client.dash))
    assert len(callbacks) >= 35                           # every page's drawing callbacks
    searches = [hostile_search(p, period_too) for p in PAYLOADS.values() for period_too in (False, True)]
    for key, cb in callbacks:
        for search in ["?preset=custom&from=2025-01-01&to=2026-01-01", *searches]:
            r = post(site.client, key, cb, search)
            body = r.get_data(as_text=True)
            assert r.status_code in (200, 204), (key, search, r.status_code, body[:300])
            assert not any(m in body for m in ERROR_MARKS), (key, search, body[:500])


def test_every_page_renders_a_hostile_url_as_text(site):
    from dashboard.pages import PAGES
    for page in PAGES:
        for payload in PAYLOADS.values():
            text_ = render_page(site.client, page.path, hostile_search(payload, period_too=False))
            assert not any(m in text_ for m in ERROR_MARKS), (page.path, text_[:300])
            assert "dangerouslySetInnerHTML" not in text_ and "dangerously_allow_html" not in text_


def test_drilldown_grid_shows_the_names_as_text(site):
    from tests.dash_client import call
    panel = lambda t: {"type": t, "panel": "overview"}
    req = {"source": "overview.deals", "title": SCRIPT, "params": {"kind": "won"}, "nonce": "n1"}
    resp = call(site.client, ['"dd-body"', "children"],
                [(panel(t), p) for t, p in (("dd-body", "children"), ("dd-title", "children"),
                                            ("dd-collapse", "is_open"), ("dd-message", "children"),
                                            ("dd-request", "data"))],
                [entry(panel("dd-request"), "data", req), entry(panel("dd-close"), "n_clicks"),
                 entry("url", "search", "?preset=custom&from=2025-01-01&to=2026-01-01")],
                state=[entry(panel("dd-collapse"), "is_open", False)],
                changed=[json.dumps(panel("dd-request"), separators=(",", ":")) + ".data"])
    by_type = {json.loads(k)["type"]: v for k, v in resp.items()}
    assert by_type["dd-title"]["children"].startswith(SCRIPT + " — ")     # a text child, not markup
    grid = by_type["dd-body"]["children"]["props"]["children"]["props"]
    names = {row["customer_name"] for row in grid["rowData"]}
    assert {SCRIPT, DROP, IMG} <= names
    assert not grid.get("dangerously_allow_code")
    for col in grid["columnDefs"]:          # the default text renderer: no HTML renderer on any column
        assert "cellRenderer" not in col and "cellRendererSelector" not in col, col


# --- nothing lost ------------------------------------------------------------------------------
def test_every_table_and_row_survived(site):
    """Runs after the injection tests above (module order): the same tables, the same counts
    (the audit log only grows: lists with customer names are logged, with their parameters)."""
    now = table_counts(site.engine)
    assert now.pop("audit_log") >= site.counts["audit_log"]
    assert now == {t: n for t, n in site.counts.items() if t != "audit_log"}
    assert {"deals", "customers", "owners", "campaigns"} <= set(site.counts)


# --- the dashboard's source --------------------------------------------------------------------
def test_no_raw_html_rendering_in_the_dashboard():
    """Text from the database reaches the browser only as text: no Markdown/HTML components,
    no grid cell renderers that parse HTML, no code strings built from data."""
    root = Path(__file__).resolve().parents[1]
    sources = list((root / "dashboard").rglob("*.py")) + list((root / "assets").glob("*.js"))
    pattern = re.compile(r"dangerously_allow_html|dangerously_allow_code\s*=\s*True|dcc\.Markdown|"
                         r"cellRenderer|\.innerHTML\s*=(?!\s*'<i class=\"bi)|outerHTML|insertAdjacentHTML|"
                         r"document\.write|eval\(")
    hits = [(p.name, m.group(0)) for p in sources for m in pattern.finditer(p.read_text(encoding="utf-8"))]
    assert not hits, hits


# --- event payloads (POST /api/v1/events) --------------------------------------------------------
def test_event_payloads_are_data(site):
    """Hostile text in event payloads is stored and returned as data. The events endpoint is
    built separately; until it exists this only checks that the path is not served by accident."""
    r = site.client.post("/api/v1/events", json={"type": SCRIPT, "customer_id": DROP})
    if r.status_code in (404, 405):
        pytest.skip("POST /api/v1/events does not exist yet (its builder extends this test)")
    assert r.status_code in (200, 201, 202, 400, 401, 403), r.get_data(as_text=True)[:300]
    assert "Traceback" not in r.get_data(as_text=True)
