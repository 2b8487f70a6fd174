"""The dashboard mounted on the Flask app: assets served locally, shell and overview callbacks.

Callbacks are driven through Dash's HTTP endpoint, as the browser would, on a small demo
database (SQLite). Browser-level checks (screenshots, console) are done separately.
"""
import json
from datetime import date

import pytest

from app import create_app
from ingest.demo import generate_demo
from queries.db import ensure_schema, make_engine
from settings import Settings

TODAY = date(2026, 6, 15)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('dash') / 'demo.db'}"
    engine = make_engine(url)
    ensure_schema(engine)
    generate_demo(engine, deals=300, seed=7, tz_name="Europe/Berlin", today=TODAY)
    engine.dispose()
    server = create_app(Settings(database_url=url, report_tz="Europe/Berlin"))
    c = server.test_client()
    assert c.get("/").status_code == 200          # first request sets Dash up (callback map)
    c.dash = server.extensions["dash"]
    return c


def _key(app, *parts):
    keys = [k for k in app.callback_map if all(p in k for p in parts)]
    assert len(keys) == 1, (parts, keys)
    return keys[0]


def _entry(cid, prop, value=None):
    return {"id": cid, "property": prop, "value": value}


def call(client, parts, outputs, inputs, state=(), changed=(), lang="en"):
    """POST one callback; returns {component id (str): {prop: value}} or None on PreventUpdate."""
    key = _key(client.dash, *parts)
    outs = [{"id": i, "property": p} for i, p in outputs]
    body = {"output": key, "outputs": outs if key.startswith("..") else outs[0],
            "inputs": list(inputs), "state": list(state), "changedPropIds": list(changed)}
    r = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json",
                    headers={"Accept-Language": lang})
    if r.status_code == 204:
        return None
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    return r.get_json()["response"]


def test_index_loads_everything_locally(client):
    html = client.get("/").get_data(as_text=True)
    assert "/assets/00_bootstrap.min.css" in html and "/assets/style.css" in html
    assert "cdn." not in html and "unpkg" not in html and "https://" not in html.split("<body>")[0]
    assert client.get("/assets/logo.svg").status_code == 200
    assert client.get("/assets/fonts/bootstrap-icons.woff2").status_code == 200
    assert client.get("/assets/favicon.ico").status_code == 200


def test_responses_are_compressed(client):
    # files are streamed: flask-compress uses br/deflate/zstd for those, gzip for the rest
    browser = {"Accept-Encoding": "gzip, deflate, br, zstd"}
    assert client.get("/assets/00_bootstrap.min.css", headers=browser).headers.get("Content-Encoding") in ("br", "zstd", "deflate")
    assert client.get("/_dash-layout", headers={"Accept-Encoding": "gzip"}).headers.get("Content-Encoding") == "gzip"


def test_shell_is_drawn_in_the_browsers_language(client):
    de = client.get("/_dash-layout", headers={"Accept-Language": "de-DE,de;q=0.9"}).get_data(as_text=True)
    en = client.get("/_dash-layout", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert "Vertriebszyklus" in de and "Dieses Jahr" in de
    assert "Sales Cycle" in en and "This year" in en


def test_overview_page_layout_in_the_urls_language(client):
    resp = call(client, ["_pages_content.children"], [("_pages_content", "children"), ("_pages_store", "data")],
                [_entry("_pages_location", "pathname", "/"), _entry("_pages_location", "search", "?lang=de")],
                changed=["_pages_location.pathname"], lang="en")
    text = json.dumps(resp, ensure_ascii=False)
    assert "Übersicht" in text and "Pipeline-Trichter" in text


def test_overview_kpis_are_drawn_without_an_error_state(client):
    search = "?preset=custom&from=2026-01-01&to=2026-07-01&compare=previous&lang=de"
    resp = call(client, ["overview-kpis.children"], [("overview-kpis", "children"), ("overview-title", "children")],
                [_entry("url", "search", search), _entry("data-version", "data", None)], changed=["url.search"])
    text = json.dumps(resp, ensure_ascii=False)
    assert "Gewonnener Umsatz" in text and "Neue Leads" in text
    assert "konnte nicht geladen" not in text
    assert resp["overview-title"]["children"] == "01.01.2026 – 30.06.2026"


@pytest.mark.parametrize("graph", ["overview-funnel", "overview-revenue"])
def test_overview_charts_are_drawn(client, graph):
    resp = call(client, [f"{graph}.figure"], [(graph, "figure")],
                [_entry("url", "search", "?preset=custom&from=2026-01-01&to=2026-07-01"), _entry("data-version", "data", None)],
                changed=["url.search"])
    fig = resp[graph]["figure"]
    assert fig["data"] and "could not be loaded" not in json.dumps(fig)


def _sync(client, search, trigger, region=None, chip=None):
    names = ["region", "owner_region", "team", "owner", "source_channel", "campaign", "industry", "company_size", "country"]
    dd = [{"type": "filter-dropdown", "name": n} for n in names]
    values = [region if n == "region" and region is not None else [] for n in names]
    outputs = [("url", "search"), ("period-preset", "value"), ("period-range", "start_date"), ("period-range", "end_date"),
               ("period-compare", "value")]
    outs = [{"id": i, "property": p} for i, p in outputs] + [[{"id": d, "property": "value"} for d in dd]] + \
        [{"id": i, "property": p} for i, p in [("filter-chips", "children"), ("filters-toggle", "children"),
                                                ("filters-clear", "className"), ("period-label", "children")]]
    chips = [_entry({"type": "filter-chip-x", "name": "region", "value": "DACH"}, "n_clicks", chip)] if chip is not None else []
    inputs = [_entry("url", "search", search), _entry("period-preset", "value", "this_year"),
              _entry("period-range", "start_date", "2026-01-01"), _entry("period-range", "end_date", "2026-12-31"),
              _entry("period-compare", "value", "previous"),
              [_entry(d, "value", v) for d, v in zip(dd, values)], chips, _entry("filters-clear", "n_clicks", 0)]
    state = [[_entry(d, "options", []) for d in dd]]
    key = _key(client.dash, "url.search", "period-label.children")
    body = {"output": key, "outputs": outs, "inputs": inputs, "state": state, "changedPropIds": [trigger]}
    r = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")
    return None if r.status_code == 204 else r.get_json()["response"]


def test_choosing_a_filter_writes_the_url(client):
    trigger = json.dumps({"name": "region", "type": "filter-dropdown"}, separators=(",", ":")) + ".value"
    resp = _sync(client, "", trigger, region=["DACH"])
    assert "region=DACH" in resp["url"]["search"] and "preset=this_year" in resp["url"]["search"]
    assert "DACH" in json.dumps(resp["filter-chips"])


def test_a_url_change_sets_the_controls_not_the_url(client):
    resp = _sync(client, "?preset=custom&from=2025-02-01&to=2025-03-01&region=DACH", "url.search")
    assert "url" not in resp
    assert resp["period-range"] == {"start_date": "2025-02-01", "end_date": "2025-02-28"}
    assert resp["period-preset"]["value"] == "custom"


def test_clicking_a_chip_removes_its_filter(client):
    trigger = json.dumps({"name": "region", "type": "filter-chip-x", "value": "DACH"}, separators=(",", ":")) + ".n_clicks"
    resp = _sync(client, "?preset=this_year&region=DACH", trigger, region=["DACH"], chip=1)
    assert "region" not in resp["url"]["search"]
    assert _sync(client, "?preset=this_year&region=DACH", trigger, region=["DACH"], chip=0) is None  # redrawn, not clicked


def test_live_poll_is_silent_while_the_data_is_unchanged(client):
    from queries.db import data_version
    with client.dash.server.extensions["sales"].engine.connect() as conn:
        version = data_version(conn)
    args = dict(parts=["data-version.data", "updated-at.children"],
                outputs=[("data-version", "data"), ("updated-at", "children"), ("data-as-of", "children"),
                         ("db-banner", "hidden"), ("db-banner", "children")],
                changed=["live-interval.n_intervals"])
    same = call(client, inputs=[_entry("live-interval", "n_intervals", 3)],
                state=[_entry("data-version", "data", {"version": version, "at": "2026-01-01T00:00:00"}),
                       _entry("url", "search", ""), _entry("db-banner", "hidden", True)], **args)
    assert same is None
    changed = call(client, inputs=[_entry("live-interval", "n_intervals", 4)],
                   state=[_entry("data-version", "data", {"version": version - 1, "at": "2026-01-01T00:00:00"}),
                          _entry("url", "search", "?lang=de"), _entry("db-banner", "hidden", True)], **args)
    assert changed["data-version"]["data"]["version"] == version
    assert changed["data-as-of"]["children"].startswith("Datenstand ")
    # back from an outage (banner shown): the same version is written anew, so every page redraws
    back = call(client, inputs=[_entry("live-interval", "n_intervals", 5)],
                state=[_entry("data-version", "data", {"version": version, "at": "2026-01-01T00:00:00"}),
                       _entry("url", "search", ""), _entry("db-banner", "hidden", False)], **args)
    assert back["data-version"]["data"]["version"] == version and back["db-banner"]["hidden"] is True


def test_drilldown_opens_with_title_count_and_rows(client):
    req = {"source": "overview.deals", "title": "Won", "params": {"kind": "won"}, "nonce": "n1"}
    panel = lambda t: {"type": t, "panel": "overview"}  # noqa: E731
    outputs = [(panel("dd-body"), "children"), (panel("dd-title"), "children"), (panel("dd-collapse"), "is_open"),
               (panel("dd-message"), "children"), (panel("dd-request"), "data")]
    resp = call(client, ['"dd-body"', "children"], outputs,
                [_entry(panel("dd-request"), "data", req), _entry(panel("dd-close"), "n_clicks", None),
                 _entry("url", "search", "?preset=custom&from=2025-01-01&to=2026-07-01")],
                state=[_entry(panel("dd-collapse"), "is_open", False)],
                changed=[json.dumps(panel("dd-request"), separators=(",", ":")) + ".data"])
    by_type = {json.loads(k)["type"]: v for k, v in resp.items()}
    assert by_type["dd-title"]["children"].startswith("Won — ")
    assert by_type["dd-collapse"]["is_open"] is True
    grid = by_type["dd-body"]["children"]["props"]["children"]["props"]
    total = int(by_type["dd-title"]["children"].split("— ")[1].replace(",", ""))
    assert total > 0 and len(grid["rowData"]) == total            # small list: all rows in the browser
    assert {"deal_id", "amount", "customer_name"} <= set(grid["rowData"][0])
