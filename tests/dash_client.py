"""Calling the dashboard's Dash callbacks over HTTP as the browser does, for callback tests.

`worked_example_client` builds the app on the worked example (SQLite, UTC); `call` POSTs one
callback to /_dash-update-component and returns its response ({component id: {prop: value}}),
or None when the callback did not update anything (HTTP 204).
"""
from __future__ import annotations

import json

from tests.conftest import WORKED_EXAMPLE


def worked_example_client(tmp_path_factory, name: str):
    """A Flask test client of the app on a fresh SQLite copy of the worked example (REPORT_TZ=UTC)."""
    from app import create_app
    from ingest.csv_import import import_folder
    from queries.db import ensure_schema, make_engine
    from settings import Settings
    url = f"sqlite:///{tmp_path_factory.mktemp(name) / 'worked.db'}"
    engine = make_engine(url)
    ensure_schema(engine)
    import_folder(engine, WORKED_EXAMPLE / "csv", tz_name="UTC")
    engine.dispose()
    server = create_app(Settings(database_url=url, report_tz="UTC"))
    client = server.test_client()
    assert client.get("/").status_code == 200      # the first request sets Dash up (callback map)
    client.dash = server.extensions["dash"]
    return client


def callback_key(app, *parts) -> str:
    """The one callback whose outputs and inputs (as text) contain every part."""
    keys = [k for k, v in app.callback_map.items()
            if all(p in k + json.dumps(v.get("inputs", []), separators=(",", ":")) for p in parts)]
    assert len(keys) == 1, (parts, keys)
    return keys[0]


def entry(cid, prop, value=None) -> dict:
    return {"id": cid, "property": prop, "value": value}


def call(client, parts, outputs, inputs, state=(), changed=()):
    """POST the callback found by `parts` with these inputs and state, as the browser would."""
    key = callback_key(client.dash, *parts)
    outs = [{"id": i, "property": p} for i, p in outputs]
    body = {"output": key, "outputs": outs if key.startswith("..") else outs[0],
            "inputs": list(inputs), "state": list(state), "changedPropIds": list(changed)}
    r = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")
    if r.status_code == 204:
        return None
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    return r.get_json()["response"]


def render_page(client, path: str, search: str) -> str:
    """The page layout dash.pages renders for `path` + `search`, as JSON text."""
    resp = call(client, ["_pages_content.children"], [("_pages_content", "children"), ("_pages_store", "data")],
                [entry("_pages_location", "pathname", path), entry("_pages_location", "search", search)],
                changed=["_pages_location.pathname"])
    return json.dumps(resp, ensure_ascii=False)
