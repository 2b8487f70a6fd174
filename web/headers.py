"""Security headers on every response (Dash sets none).

- Content-Security-Policy: scripts only from this server plus the hashes of Dash's own inline
  scripts (`Dash.csp_hashes()`); styles inline-allowed (React and plotly set style attributes);
  `frame-ancestors` from `EMBED_ORIGINS` (the intranet portal), else only this origin.
- X-Content-Type-Options, Referrer-Policy, a restrictive Permissions-Policy, and X-Frame-Options
  when no portal is allowed to frame the app.
"""
from __future__ import annotations

from flask import Flask


def content_security_policy(script_hashes, embed_origins) -> str:
    ancestors = " ".join(["'self'", *embed_origins])
    scripts = " ".join(["'self'", *script_hashes])
    return "; ".join([
        "default-src 'self'",
        f"script-src {scripts}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        f"frame-ancestors {ancestors}",
    ])


def install(server: Flask, settings, dash_app=None) -> None:
    """Add the headers to every response of `server`.

    The policy is computed at the first response: Dash imports the page modules (and their
    clientside callbacks, which become one inline script) only when it serves its first request.
    """
    def policy() -> str:
        csp = server.extensions.get("csp_policy")
        if csp is None:
            hashes = tuple(dash_app.csp_hashes()) if dash_app is not None else ()
            csp = content_security_policy(hashes, settings.embed_origins)
            # kept only once Dash has set itself up: with sign-in on, the first answer is often
            # the gate's redirect to /login, before the pages' clientside callbacks exist
            if dash_app is None or dash_app._got_first_request.get("setup_server"):
                server.extensions["csp_policy"] = csp
        return csp

    @server.after_request
    def _security_headers(resp):
        resp.headers.setdefault("Content-Security-Policy", policy())
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        resp.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        resp.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if not settings.embed_origins:
            resp.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        return resp
