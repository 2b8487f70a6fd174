"""Serving: security headers, health checks, request logs and mounting under a proxy prefix."""
import json
import logging
import shutil

import pytest

from app import create_app
from settings import load_settings


def make(tmp_path, **env):
    db = tmp_path / "db" / "app.db"
    db.parent.mkdir(exist_ok=True)
    return create_app(load_settings({"DATABASE_URL": f"sqlite:///{db}", **env}))


def test_security_headers_on_pages_and_api(tmp_path):
    client = make(tmp_path).test_client()
    for path in ("/", "/api/v1/openapi.json", "/healthz"):
        h = client.get(path).headers
        assert h["X-Content-Type-Options"] == "nosniff"
        assert h["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "frame-ancestors 'self'" in h["Content-Security-Policy"]
        assert "script-src 'self' 'sha256-" in h["Content-Security-Policy"]
        assert "'unsafe-eval'" not in h["Content-Security-Policy"]
        assert h["X-Frame-Options"] == "SAMEORIGIN"


def test_portal_allow_list_becomes_frame_ancestors(tmp_path):
    server = make(tmp_path, EMBED_ORIGINS="https://portal.example.com, https://intra.example.com:8443")
    h = server.test_client().get("/").headers
    assert "frame-ancestors 'self' https://portal.example.com https://intra.example.com:8443" in h["Content-Security-Policy"]
    assert "X-Frame-Options" not in h  # it cannot express an allow-list; CSP governs
    assert server.config["SESSION_COOKIE_SAMESITE"] == "None" and server.config["SESSION_COOKIE_SECURE"]


def test_bad_embed_origin_is_a_configuration_error():
    from settings import SettingsError
    with pytest.raises(SettingsError, match="EMBED_ORIGINS"):
        load_settings({"EMBED_ORIGINS": "portal.example.com/path"})


def test_responses_are_compressed(tmp_path):
    client = make(tmp_path).test_client()
    resp = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert resp.headers.get("Content-Encoding") == "gzip"


def test_health_and_readiness(tmp_path):
    server = make(tmp_path)
    client = server.test_client()
    assert client.get("/healthz").get_json() == {"status": "alive"}
    assert client.get("/readyz").status_code == 200
    # the database goes away: alive, but not ready, and no stack trace in the answer
    server.extensions["sales"].engine.dispose()
    shutil.rmtree(tmp_path / "db")
    resp = client.get("/readyz")
    assert resp.status_code == 503 and resp.get_json()["database"] == "unreachable"
    assert client.get("/healthz").status_code == 200


def test_one_structured_log_line_per_request(tmp_path, caplog):
    client = make(tmp_path).test_client()
    with caplog.at_level(logging.INFO, logger="requests"):
        client.get("/api/v1/funnel?from=2025-01-01&to=2025-02-01")
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "requests"]
    assert len(lines) == 1
    assert lines[0]["route"] == "/api/v1/funnel" and lines[0]["status"] == 200 and lines[0]["ms"] >= 0


@pytest.mark.parametrize("strips", [False, True])
def test_mounted_under_a_proxy_prefix(tmp_path, strips):
    server = make(tmp_path, URL_PREFIX="/sales", PROXY_STRIPS_PREFIX=str(strips).lower())
    client = server.test_client()
    base = "" if strips else "/sales"
    page = client.get(base + "/")
    assert page.status_code == 200
    assert 'href="/sales/assets/' in page.get_data(as_text=True)     # the browser asks via the prefix
    assert client.get(base + "/api/v1/openapi.json").status_code == 200
    assert client.get(base + "/readyz").status_code == 200
    assert client.get(base + "/_dash-layout").status_code == 200


def test_the_policy_waits_for_dashs_inline_scripts_when_sign_in_answers_first(tmp_path):
    # with sign-in on, the first request is usually answered by the sign-in gate (a redirect to
    # /login) before Dash has set itself up and registered the pages' clientside callbacks; a
    # policy fixed then would block that inline script on every page for the life of the worker
    server = make(tmp_path, AUTH_MODE="builtin", SECRET_KEY="s" * 40)
    client = server.test_client()
    assert client.get("/").status_code == 302
    dash_app = server.extensions["dash"]
    with server.test_request_context("/"):
        dash_app._setup_server()      # what the first request Dash itself answers does
    policy = client.get("/login").headers["Content-Security-Policy"]
    hashes = dash_app.csp_hashes()
    assert len(hashes) >= 2 and all(h in policy for h in hashes)
