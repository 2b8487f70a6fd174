"""The sign-in gate on every request, and the login and sign-out pages (Flask, no JavaScript).

The gate (`before_request`) identifies the principal (auth/request.py) and then:
- lets the login page, health checks and static files through;
- without a principal: 401 JSON for the API and Dash's callback endpoints, a redirect to
  /login for pages (built-in login), a 401 page (proxy sign-on);
- refuses Dash callbacks whose components belong to a page the role may not see (403) —
  every callback is its own HTTP endpoint, so hiding the navbar link is not enough;
- a page request for such a page: 403 (the service role's "/" goes to its service page).
The API view checks its endpoint itself (api/__init__.py); the query layer scopes the data.
"""
from __future__ import annotations

import hmac
import logging
import secrets
from datetime import timedelta
from html import escape
from urllib.parse import quote

from flask import Blueprint, Response, g, jsonify, redirect, request, session

import context

from . import texts
from .csrf import cross_site_refusal
from .passwords import verify_password
from .ratelimit import clear_failures, locked_for, record_failure
from .request import client_address, identify
from .roles import ROLES, may_see_page
from .users import normalize_username, password_hash_of

log = logging.getLogger(__name__)

OPEN_PATHS = ("/login", "/logout", "/healthz", "/readyz", "/_favicon.ico", "/favicon.ico")
OPEN_PREFIXES = ("/assets/", "/_dash-component-suites/")
ADMIN_PATH = "/admin"


def _lang() -> str:
    from dashboard.i18n import lang_from_accept_language, normalize_lang
    raw = request.args.get("lang")
    return normalize_lang(raw) if raw else lang_from_accept_language(request.headers.get("Accept-Language"))


def page_keys_by_path() -> dict[str, str]:
    from dashboard.pages import PAGES
    out = {p.path: p.key for p in PAGES}
    out[ADMIN_PATH] = "admin"
    return out


def page_of_component(cid) -> str | None:
    """The page a component id belongs to (ids.page_id / page_pattern / drill panels), or None."""
    if isinstance(cid, dict):
        if isinstance(cid.get("panel"), str):
            return cid["panel"]
        cid = cid.get("type")
    if not isinstance(cid, str):
        return None
    return cid.split("-", 1)[0]


def callback_pages(body) -> set[str]:
    """The pages whose components a Dash callback request (JSON body) reads or writes."""
    found = set()

    def walk(x):
        if isinstance(x, list):
            for v in x:
                walk(v)
        elif isinstance(x, dict):
            if "id" in x and "property" in x:
                found.add(page_of_component(x["id"]))
            else:
                for v in x.values():
                    walk(v)
    if isinstance(body, dict):
        for key in ("outputs", "inputs", "state"):
            walk(body.get(key))
    known = set(page_keys_by_path().values())
    return {p for p in found if p in known}


def _page(title: str, body: str, lang: str, status: int) -> Response:
    prefix = context.get().settings.url_prefix
    html = f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title>
<link rel="stylesheet" href="{escape(prefix)}/assets/00_bootstrap.min.css"></head>
<body class="bg-light"><main class="container" style="max-width: 26rem; margin-top: 10vh">
<div class="card shadow-sm"><div class="card-body p-4">
<div class="d-flex align-items-center mb-3"><img src="{escape(prefix)}/assets/logo.svg" alt="" height="28" class="me-2">
<h1 class="h5 m-0">{escape(title)}</h1></div>{body}</div></div></main></body></html>"""
    return Response(html, status=status, mimetype="text/html")


def _safe_next(raw: str | None) -> str:
    """A local path to return to after signing in (never another site)."""
    prefix = context.get().settings.url_prefix
    if raw and raw.startswith("/") and not raw.startswith("//") and "\\" not in raw:
        return raw
    return (prefix or "") + "/"


def _login_form(lang: str, *, message: str | None = None, username: str = "", nxt: str = "/",
                status: int = 200) -> Response:
    token = session.get("csrf") or secrets.token_urlsafe(24)
    session["csrf"] = token
    prefix = context.get().settings.url_prefix
    alert = f'<div class="alert alert-danger py-2" role="alert">{escape(message)}</div>' if message else ""
    body = f"""{alert}<form method="post" action="{escape(prefix)}/login?lang={lang}">
<input type="hidden" name="csrf" value="{escape(token)}"><input type="hidden" name="next" value="{escape(nxt)}">
<div class="mb-3"><label class="form-label" for="username">{texts.text("login.username", lang)}</label>
<input class="form-control" id="username" name="username" autocomplete="username" required autofocus
 value="{escape(username)}"></div>
<div class="mb-3"><label class="form-label" for="password">{texts.text("login.password", lang)}</label>
<input class="form-control" type="password" id="password" name="password" autocomplete="current-password" required></div>
<button class="btn btn-primary w-100" type="submit">{texts.text("login.submit", lang)}</button></form>"""
    return _page(texts.text("login.title", lang), body, lang, status)


def create_auth_blueprint() -> Blueprint:
    bp = Blueprint("auth", __name__)

    @bp.route("/login", methods=["GET", "POST"])
    def login():
        ctx = context.get()
        settings = ctx.settings
        lang = _lang()
        nxt = _safe_next(request.values.get("next"))
        if settings.auth_mode != "builtin":
            return redirect(nxt)
        if request.method == "GET":
            return _login_form(lang, nxt=nxt)
        username = normalize_username(request.form.get("username", ""))[:200]
        password = request.form.get("password", "")
        sent = request.form.get("csrf", "")
        if not sent or not hmac.compare_digest(sent, session.get("csrf") or ""):
            return _login_form(lang, message=texts.text("login.expired", lang), username=username, nxt=nxt, status=400)
        address = client_address()
        wait = locked_for(ctx.engine, username, address, max_failures=settings.login_max_failures,
                          window_minutes=settings.login_window_minutes)
        if wait:
            log.warning("sign-in of %r from %s refused: rate limit", username, address)
            resp = _login_form(lang, message=texts.text("login.locked", lang, user=username,
                                                     minutes=max(1, -(-wait // 60))),
                               username=username, nxt=nxt, status=429)
            resp.headers["Retry-After"] = str(wait)
            return resp
        user, pw_hash = password_hash_of(ctx.engine, username)
        if not verify_password(pw_hash, password) or user is None or user.disabled:
            record_failure(ctx.engine, username, address, window_minutes=settings.login_window_minutes)
            log.info("failed sign-in of %r from %s", username, address)
            return _login_form(lang, message=texts.text("login.failed", lang), username=username, nxt=nxt, status=401)
        clear_failures(ctx.engine, username, address)
        session.clear()
        session.permanent = True
        session["uid"] = user.user_id
        session["pw"] = user.password_stamp
        log.info("signed in: %s (%s) from %s", user.username, user.role, address)
        return redirect(nxt)

    @bp.route("/logout", methods=["GET", "POST"])
    def logout():
        settings = context.get().settings
        session.clear()
        if settings.auth_mode == "proxy" and settings.auth_logout_url:
            return redirect(settings.auth_logout_url)
        return redirect((settings.url_prefix or "") + ("/login" if settings.auth_mode == "builtin" else "/"))

    return bp


def install(server, settings) -> None:
    """Register the login pages and the gate on `server` (before any other request hook runs)."""
    route_prefix = "" if settings.proxy_strips_prefix else settings.url_prefix
    server.permanent_session_lifetime = timedelta(hours=settings.session_hours)
    server.register_blueprint(create_auth_blueprint(), url_prefix=route_prefix or None)

    def local_path() -> str:
        path = request.path
        if route_prefix and (path == route_prefix or path.startswith(route_prefix + "/")):
            path = path[len(route_prefix):] or "/"
        return path

    def gate():
        path = local_path()
        if path.startswith(OPEN_PREFIXES):   # static files: no database round trip
            return None
        ctx = context.get()
        api = path.startswith("/api/")
        principal, problem = identify(ctx.settings, ctx.engine, api=api)
        g.principal = principal
        g.user_name = principal.username if principal else None
        lang = _lang()
        dash_endpoint = "/_dash-" in path or path.startswith("/_reload-hash")
        forged = cross_site_refusal(principal)   # before the open paths: /login is checked too
        if forged:
            log.warning("refused %s %s: %s", request.method, path, forged)
            if api or dash_endpoint:
                return jsonify({"error": forged}), 403
            return _page(texts.text("access.forbidden_title", lang),
                         f"<p>{escape(texts.text('access.cross_site', lang))}</p>", lang, 403)
        if path in OPEN_PATHS:
            return None
        if principal is None:
            if api or dash_endpoint:
                resp = jsonify({"error": f"sign in first: {problem}"})
                resp.status_code = 401
                if api:
                    resp.headers["WWW-Authenticate"] = 'Bearer realm="sales-dashboard"'
                return resp
            if ctx.settings.auth_mode == "builtin":
                here = (ctx.settings.url_prefix or "") + path + (("?" + request.query_string.decode()) if request.query_string else "")
                return redirect((ctx.settings.url_prefix or "") + "/login?next=" + quote(here, safe="/"))
            return _page(texts.text("access.forbidden_title", lang),
                         f"<p>{escape(texts.text('login.proxy_failed', lang))}: {escape(problem or '')}.</p>", lang, 401)
        if principal.role not in ROLES:
            if api or dash_endpoint:
                return jsonify({"error": "your account has no role here (AUTH_GROUP_ROLES)"}), 403
            return _page(texts.text("access.forbidden_title", lang), f"<p>{escape(texts.text('access.no_role', lang))}</p>",
                         lang, 403)
        if api:
            return None   # the API view checks its endpoint (api/__init__.py)
        if path == "/_dash-update-component" and request.method == "POST":
            denied = sorted(p for p in callback_pages(request.get_json(silent=True)) if not may_see_page(principal, p))
            if denied:
                return jsonify({"error": f"the role '{principal.role}' may not see the page(s) {', '.join(denied)}"}), 403
            return None
        key = page_keys_by_path().get(path.rstrip("/") or "/")
        if request.method == "GET" and key is not None and not may_see_page(principal, key):
            allowed = [p for p, k in page_keys_by_path().items() if may_see_page(principal, k)]
            if path in ("/", "") and allowed:
                return redirect((ctx.settings.url_prefix or "") + allowed[0])
            return _page(texts.text("access.forbidden_title", lang),
                         f"<p>{escape(texts.text('access.page_denied', lang, role=principal.role))}</p>", lang, 403)
        return None

    # first in line: the request log and Dash's hooks see g.principal / g.user_name
    server.before_request_funcs.setdefault(None, []).insert(0, gate)
