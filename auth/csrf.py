"""Cross-site request forgery: a state-changing request sent by another site's page is refused.

A browser attaches the session cookie to cross-site requests when it is `SameSite=None` (embed
mode, EMBED_ORIGINS), and with AUTH_MODE=none no cookie is needed at all (every caller is the
local admin), so `SameSite=Lax` alone is not enough. Every request that is not GET, HEAD or
OPTIONS must come from this site's own pages (the rule of Go's net/http CrossOriginProtection):

1. `Sec-Fetch-Site` (every current browser sends it): `same-origin` (or `none`: the user's own
   action) passes, `same-site` and `cross-site` are refused. A page inside the portal's iframe is
   this site's own page: its requests are `same-origin`.
2. Without it (an old browser): `Origin`, when sent, must name this host (`Host`, as
   TRUSTED_PROXY_COUNT's ProxyFix restores it behind the reverse proxy).
3. Neither header: not a browser (curl, a sync job, a test client). It passes: such a caller
   holds no victim's cookie.

Requests authenticated by an API token (`Authorization: Bearer`) pass: a browser never adds
that header to a forged request, and a page of another site cannot set it without a CORS
preflight, which this app never grants. Behind the check the login form also carries a
per-session token (auth/web.py), and Dash callbacks and POST /api/v1/events accept only
`application/json`, which a cross-site form cannot send.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import request

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SAME_SITE_VALUES = frozenset({"same-origin", "none"})


def cross_site_refusal(principal) -> str | None:
    """None when the request may go on; else why it is refused (HTTP 403)."""
    if request.method in SAFE_METHODS:
        return None
    if principal is not None and principal.via == "token":
        return None
    site = request.headers.get("Sec-Fetch-Site", "").strip().lower()
    if site:
        if site in SAME_SITE_VALUES:
            return None
        return (f"cross-site request refused (Sec-Fetch-Site: {site[:20]}): changes must come from "
                "this site's own pages, or from a program with an API token")
    origin = request.headers.get("Origin", "").strip()
    if not origin:
        return None
    try:
        host = urlsplit(origin).netloc.lower() if origin != "null" else ""
    except ValueError:
        host = ""
    if host and host == request.host.lower():
        return None
    return (f"cross-site request refused (Origin {origin[:100]} is not this site): changes must come "
            "from this site's own pages, or from a program with an API token")
