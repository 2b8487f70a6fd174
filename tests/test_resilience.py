"""A dead or slow database: clear answers, no traceback, recovery without restarting the app.

The outage test stops a private PostgreSQL cluster (tests/pg_cluster.py; never the shared server
on :5432) under a running app (in-process, Flask test client) and starts it again. Without the
server binaries it skips with the reason shown; under CI=true it fails instead.
"""
import json
import logging
import time

import pytest
from sqlalchemy import text

from tests import pg_cluster
from tests.conftest import IN_CI, WORKED_EXAMPLE

YEAR = "from=2025-01-01&to=2026-01-01"
SEARCH = "?preset=custom&from=2025-01-01&to=2026-01-01"
PASSWORD = "correct horse 1"
#: what must never reach a browser or an API client
LEAKS = ("Traceback", 'File "', "psycopg", "sqlalchemy", "OperationalError", "/site-packages/")


def no_leak(body: str):
    found = [s for s in LEAKS if s in body]
    assert not found, f"internals in the answer: {found}: {body[:400]}"


def _entry(cid, prop, value=None):
    return {"id": cid, "property": prop, "value": value}


def callback(client, dash_app, parts, outputs, inputs, state=(), changed=()):
    keys = [k for k in dash_app.callback_map if all(p in k for p in parts)]
    assert len(keys) == 1, (parts, keys)
    outs = [{"id": i, "property": p} for i, p in outputs]
    body = {"output": keys[0], "outputs": outs if keys[0].startswith("..") else outs[0],
            "inputs": list(inputs), "state": list(state), "changedPropIds": list(changed)}
    return client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")


def draw_kpis(client, dash_app):
    return callback(client, dash_app, ["overview-kpis.children"],
                    [("overview-kpis", "children"), ("overview-title", "children")],
                    [_entry("url", "search", SEARCH), _entry("data-version", "data", None)], changed=["url.search"])


def poll(client, dash_app, banner_hidden):
    return callback(client, dash_app, ["data-version.data", "db-banner.hidden"],
                    [("data-version", "data"), ("updated-at", "children"), ("data-as-of", "children"),
                     ("db-banner", "hidden"), ("db-banner", "children")],
                    [_entry("live-interval", "n_intervals", 7)],
                    state=[_entry("data-version", "data", {"version": 1, "at": "2026-01-01T00:00:00"}),
                           _entry("url", "search", SEARCH), _entry("db-banner", "hidden", banner_hidden)],
                    changed=["live-interval.n_intervals"])


def banner_shown(resp) -> bool:
    """True when a Dash answer shows the database banner (as an output or a side update)."""
    body = resp.get_json()
    props = {**(body.get("response") or {}).get("db-banner", {}), **(body.get("sideUpdate") or {}).get("db-banner", {})}
    return props.get("hidden") is False and "not reachable" in props.get("children", "")


# --- the outage --------------------------------------------------------------------------------
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
def site(cluster):
    from app import create_app
    from auth.users import add_token, add_user
    from ingest.csv_import import import_folder
    from queries.db import ensure_schema, make_engine
    from settings import load_settings
    engine = make_engine(cluster.url)
    ensure_schema(engine)
    import_folder(engine, WORKED_EXAMPLE / "csv", tz_name="UTC")
    add_user(engine, "ada", role="admin", password=PASSWORD)
    token = add_token(engine, "ada", "script")
    engine.dispose()
    env = {"DATABASE_URL": cluster.url, "REPORT_TZ": "UTC", "DB_CONNECT_TIMEOUT": "2",
           "DB_STATEMENT_TIMEOUT": "20", "DB_POOL_TIMEOUT": "3", "REFRESH_SECONDS": "5"}

    class Site:
        pass
    s = Site()
    # each app's first request right after creating it: Dash sets up the page callbacks then
    s.open = create_app(load_settings(env))                      # AUTH_MODE=none
    s.client = s.open.test_client()
    assert s.client.get("/").status_code == 200
    s.signed = create_app(load_settings({**env, "AUTH_MODE": "builtin", "SECRET_KEY": "s" * 40}))
    assert s.signed.test_client().get("/healthz").status_code == 200
    s.token = token
    s.user = s.signed.test_client()
    page = s.user.get("/login").get_data(as_text=True)
    import re
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    assert s.user.post("/login", data={"username": "ada", "password": PASSWORD, "csrf": csrf}).status_code == 302
    yield s
    for app in (s.open, s.signed):
        app.extensions["sales"].engine.dispose()


def _all_well(s):
    assert s.client.get("/readyz").status_code == 200
    r = s.client.get(f"/api/v1/kpis?{YEAR}")
    assert r.status_code == 200 and r.get_json()["won_deals"] > 0
    r = draw_kpis(s.client, s.open.extensions["dash"])
    assert r.status_code == 200 and "Won revenue" in r.get_data(as_text=True)
    assert "sideUpdate" not in r.get_json()
    assert s.user.get("/").status_code == 200
    r = draw_kpis(s.user, s.signed.extensions["dash"])
    assert r.status_code == 200 and "Won revenue" in r.get_data(as_text=True)
    assert s.client.get(f"/api/v1/deals?{YEAR}&kind=won", headers={"Authorization": f"Bearer {s.token}"}).status_code == 200


def test_database_down_and_back_without_restarting_the_app(cluster, site):
    s = site
    dash_open, dash_signed = s.open.extensions["dash"], s.signed.extensions["dash"]
    _all_well(s)

    cluster.stop()
    try:
        # readiness fails fast, liveness stays
        started = time.perf_counter()
        r = s.client.get("/readyz")
        assert r.status_code == 503 and r.get_json() == {"status": "unavailable", "database": "unreachable"}
        assert time.perf_counter() - started < 5
        assert s.client.get("/healthz").status_code == 200
        # the API: a clean JSON 503 with Retry-After, on metrics and lists alike
        for path in (f"/api/v1/kpis?{YEAR}", f"/api/v1/deals?{YEAR}&kind=won", f"/api/v1/funnel?{YEAR}"):
            r = s.client.get(path)
            assert r.status_code == 503, (path, r.status_code)
            assert r.get_json()["database"] == "unreachable" and "retry" in r.get_json()["error"]
            assert r.headers["Retry-After"] == "5"
            no_leak(r.get_data(as_text=True))
        r = s.client.get(f"/api/v1/kpis?{YEAR}", headers={"Authorization": f"Bearer {s.token}"})
        assert r.status_code == 503
        r = s.user.get(f"/api/v1/kpis?{YEAR}", headers={"Authorization": f"Bearer {s.token}"})
        assert r.status_code == 503 and r.is_json      # failed in the sign-in gate (token lookup)
        no_leak(r.get_data(as_text=True))
        # the dashboard: a chart says it waits, the banner shows; the poll shows it too
        r = draw_kpis(s.client, dash_open)
        assert r.status_code == 200 and banner_shown(r)
        assert "Waiting for the database" in r.get_data(as_text=True)
        no_leak(r.get_data(as_text=True))
        r = poll(s.client, dash_open, banner_hidden=True)
        assert r.status_code == 200 and banner_shown(r)
        assert "data-version" not in r.get_json()["response"]     # nothing else changes
        assert poll(s.client, dash_open, banner_hidden=False).status_code == 204   # already shown
        # a new page load: the shell comes with the banner up
        layout = s.client.get("/_dash-layout", headers={"Accept-Language": "de-DE"})
        assert layout.status_code == 200
        assert "Die Datenbank ist nicht erreichbar" in layout.get_data(as_text=True)
        # signed in (the gate needs the database): a callback answers with the banner only,
        # a page with a plain page that reloads itself
        r = draw_kpis(s.user, dash_signed)
        assert r.status_code == 200 and banner_shown(r) and r.get_json()["response"] == {}
        no_leak(r.get_data(as_text=True))
        r = s.user.get("/cycle")
        assert r.status_code == 503 and r.mimetype == "text/html"
        body = r.get_data(as_text=True)
        assert "The database is not reachable" in body and 'http-equiv="refresh" content="5"' in body
        no_leak(body)
    finally:
        cluster.start()

    # back: pooled connections are replaced (pool_pre_ping), the poll hides the banner and
    # writes a fresh data version, so every page redraws
    r = poll(s.client, dash_open, banner_hidden=False)
    assert r.status_code == 200
    resp = r.get_json()["response"]
    assert resp["db-banner"]["hidden"] is True and resp["data-version"]["data"]["version"] > 0
    _all_well(s)


# --- timeouts ----------------------------------------------------------------------------------
def test_a_slow_statement_is_cancelled_and_answered_503(fresh_db):
    from app import create_app
    from queries.availability import unavailable_reason
    from settings import load_settings
    engine = fresh_db.make("postgresql")
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    server = create_app(load_settings({"DATABASE_URL": url, "DB_STATEMENT_TIMEOUT": "0.5"}), with_dashboard=False)
    app_engine = server.extensions["sales"].engine

    def slow():
        with app_engine.connect() as conn:
            conn.execute(text("SELECT pg_sleep(5)"))
        return "done"
    server.add_url_rule("/api/slow", "slow", slow)
    assert app_engine.pool._pre_ping and app_engine.pool._timeout == 10
    with app_engine.connect() as conn:
        assert conn.execute(text("SHOW statement_timeout")).scalar() == "500ms"
    started = time.perf_counter()
    r = server.test_client().get("/api/slow")
    assert time.perf_counter() - started < 4
    assert r.status_code == 503 and r.get_json()["database"] == "timeout"
    assert "DB_STATEMENT_TIMEOUT" in r.get_json()["error"]
    no_leak(r.get_data(as_text=True))
    with pytest.raises(Exception) as info, app_engine.connect() as conn:
        conn.execute(text("SELECT pg_sleep(5)"))
    assert unavailable_reason(info.value) == "timeout"
    app_engine.dispose()

    # a dashboard view whose query timed out says so itself; no banner (the database is there)
    import plotly.io as pio
    from dashboard.components import charts

    @charts.guard("figure", "alert")
    def view():
        raise info.value
    figure, alert = view()
    assert "took too long" in pio.to_json(figure) and "took too long" in json.dumps(alert.to_plotly_json(), default=str)


def test_no_free_pooled_connection_is_busy_not_a_bug(tmp_path):
    from queries.availability import unavailable_reason
    from queries.db import make_engine
    engine = make_engine(f"sqlite:///{tmp_path / 'pool.db'}", pool_size=1, max_overflow=0, pool_timeout=0.3)
    with engine.connect(), pytest.raises(Exception) as info, engine.connect():
        pass
    assert unavailable_reason(info.value) == "busy"
    assert unavailable_reason(RuntimeError("a bug")) is None
    engine.dispose()


def test_connecting_to_a_dead_server_fails_within_the_connect_timeout():
    from app import make_app_engine
    from queries.availability import unavailable_reason
    from settings import load_settings
    # a port nothing listens on, and an address that does not answer (dropped or unroutable)
    for host in (f"127.0.0.1:{pg_cluster._free_port()}", "10.255.255.1:5432"):
        settings = load_settings({"DATABASE_URL": f"postgresql+psycopg://postgres@{host}/x", "DB_CONNECT_TIMEOUT": "2"})
        engine = make_app_engine(settings)
        started = time.perf_counter()
        with pytest.raises(Exception) as info, engine.connect():
            pass
        assert time.perf_counter() - started < 6, host
        assert unavailable_reason(info.value) == "unreachable"
        engine.dispose()


def test_timeouts_are_configured_and_validated():
    from settings import SettingsError, load_settings
    s = load_settings({"DB_CONNECT_TIMEOUT": "3", "DB_STATEMENT_TIMEOUT": "0", "DB_POOL_TIMEOUT": "2.5"})
    assert (s.db_connect_timeout, s.db_statement_timeout, s.db_pool_timeout) == (3, 0, 2.5)
    d = load_settings({})
    assert (d.db_connect_timeout, d.db_statement_timeout, d.db_pool_timeout) == (5, 60, 10)
    for name, bad in (("DB_CONNECT_TIMEOUT", "0"), ("DB_STATEMENT_TIMEOUT", "-1"), ("DB_POOL_TIMEOUT", "soon")):
        with pytest.raises(SettingsError, match=name):
            load_settings({name: bad})


# --- errors that are not the database ----------------------------------------------------------
@pytest.fixture(scope="module")
def sqlite_app(tmp_path_factory):
    from app import create_app
    from settings import load_settings
    db = tmp_path_factory.mktemp("errors") / "app.db"
    server = create_app(load_settings({"DATABASE_URL": f"sqlite:///{db}", "REPORT_TZ": "UTC"}))

    def boom():
        raise RuntimeError("secret internals /site-packages/x.py")
    server.add_url_rule("/api/boom", "api_boom", boom)
    server.add_url_rule("/boom", "boom", boom)

    def missing_table():
        with server.extensions["sales"].engine.connect() as conn:
            conn.execute(text("SELECT * FROM no_such_table"))
    server.add_url_rule("/api/missing", "missing", missing_table)
    client = server.test_client()
    assert client.get("/").status_code == 200
    client.dash = server.extensions["dash"]
    return client


def test_a_bug_is_a_500_with_a_reference_and_no_traceback(sqlite_app, caplog):
    with caplog.at_level(logging.ERROR):
        r = sqlite_app.get("/api/boom")
    assert r.status_code == 500 and len(r.get_json()["reference"]) == 8
    no_leak(r.get_data(as_text=True))
    assert r.get_json()["reference"] in caplog.text and "RuntimeError" in caplog.text   # the log has it
    r = sqlite_app.get("/boom", headers={"Accept-Language": "de"})
    assert r.status_code == 500 and r.mimetype == "text/html" and "Referenz" in r.get_data(as_text=True)
    no_leak(r.get_data(as_text=True))
    r = sqlite_app.get("/api/missing")   # an SQL error that is not an outage stays a 500
    assert r.status_code == 500
    no_leak(r.get_data(as_text=True))


def test_a_failing_dash_callback_shows_a_note_not_a_traceback(sqlite_app):
    panel = {"type": "dd-grid", "panel": "overview"}
    req = {"source": "overview.deals", "title": "Won", "params": {"kind": "won"}, "nonce": "n1"}
    r = callback(sqlite_app, sqlite_app.dash, ['"dd-grid"', "getRowsResponse"], [(panel, "getRowsResponse")],
                 [_entry(panel, "getRowsRequest", {"startRow": "<script>", "endRow": 100})],
                 state=[_entry({"type": "dd-request", "panel": "overview"}, "data", req), _entry("url", "search", SEARCH)],
                 changed=[json.dumps(panel, separators=(",", ":")) + ".getRowsRequest"])
    assert r.status_code == 200
    note = r.get_json()["sideUpdate"]["callback-error"]
    assert note["is_open"] is True and "reference" in note["children"]
    no_leak(r.get_data(as_text=True))


def test_unknown_paths_keep_their_404(sqlite_app):
    assert sqlite_app.get("/api/v1/nope").status_code == 404
    assert sqlite_app.get("/assets/nope.css").status_code == 404


def test_request_log_names_the_user_and_times_refused_requests(site, caplog):
    with caplog.at_level(logging.INFO, logger="requests"):
        site.user.get(f"/api/v1/kpis?{YEAR}", headers={"Authorization": f"Bearer {site.token}"})
        site.signed.test_client().get(f"/api/v1/kpis?{YEAR}")               # nobody: 401
        site.client.get("/healthz")                                           # AUTH_MODE=none
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "requests"]
    assert [(x["user"], x["status"]) for x in lines] == [("ada", 200), ("-", 401), ("local", 200)]
    assert all(x["ms"] is not None and x["ms"] >= 0 for x in lines)
    assert {"method", "route", "status", "ms", "user", "remote"} <= set(lines[0])
    assert lines[0]["route"] == "/api/v1/kpis"


def test_debug_is_off_unless_asked_for(sqlite_app):
    """Dash's developer tools show tracebacks in the browser: never on in a served app."""
    from app import build_parser
    assert build_parser().parse_args(["serve"]).debug is False
    dash_app = sqlite_app.dash
    assert dash_app.server.debug is False
    assert not dash_app._dev_tools.ui and not dash_app._dev_tools.prune_errors
