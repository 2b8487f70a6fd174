"""Who is asking: the request's principal (identified once, in auth.web's before_request hook)
and the `Access` the API and the dashboard derive from it.

- AUTH_MODE=none: everyone is the local demo user (role admin; the dashboard shows a banner).
- API paths: `Authorization: Bearer <token>` (a personal API token), else as below.
- builtin: the signed Flask session of the login page (user id + a fingerprint of the password
  hash: a changed password ends old sessions; a disabled user is refused on the next request).
- proxy: the user and group headers, believed only when the direct peer (before ProxyFix) is one
  of TRUSTED_PROXIES; the first AUTH_GROUP_ROLES group the user has gives the role. A users row
  of the same name adds the owner id and region scope (and can disable the person).
"""
from __future__ import annotations

import ipaddress
import logging

from flask import g, has_request_context, request, session

import context
from queries.access import AccessDenied

from .roles import LOCAL_USER, Principal, access_for
from .users import get_user, get_user_by_id, normalize_username, user_for_token

log = logging.getLogger(__name__)


def peer_address() -> str:
    """The address of the direct peer (the proxy), not the client ProxyFix put in remote_addr."""
    orig = request.environ.get("werkzeug.proxy_fix.orig") or {}
    return orig.get("REMOTE_ADDR") or request.environ.get("REMOTE_ADDR") or ""


def client_address() -> str:
    """The client's address (after ProxyFix, when TRUSTED_PROXY_COUNT is set): for the rate limit."""
    return request.remote_addr or ""


def is_trusted(address: str, networks) -> bool:
    try:
        ip = ipaddress.ip_address((address or "").split("%")[0])
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(n) for n in networks)


def _groups(raw: str | None) -> list[str]:
    return [p.strip() for p in (raw or "").replace(";", ",").split(",") if p.strip()]


def _from_proxy(settings, engine) -> tuple[Principal | None, str | None]:
    name = normalize_username(request.headers.get(settings.auth_user_header, ""))
    if not name:
        return None, f"the reverse proxy sent no {settings.auth_user_header} header"
    peer = peer_address()
    if not is_trusted(peer, settings.trusted_proxies):
        log.warning("ignored %s=%r from %s: not in TRUSTED_PROXIES", settings.auth_user_header, name, peer)
        return None, f"sign-in headers from {peer} are not trusted (TRUSTED_PROXIES)"
    groups = set(_groups(request.headers.get(settings.auth_groups_header)))
    role = next((r for group, r in settings.auth_group_roles if group in groups), "")
    user = get_user(engine, name)
    if user is not None and user.disabled:
        return None, f"the user {name!r} is disabled"
    if user is not None:
        return Principal(name, role, owner_id=user.owner_id, region_scope=user.region_scope,
                         user_id=user.user_id, via="proxy"), None
    return Principal(name, role, via="proxy"), None


def _from_session(engine) -> tuple[Principal | None, str | None]:
    uid = session.get("uid")
    if uid is None:
        return None, "not signed in"
    with engine.connect() as conn:
        user = get_user_by_id(conn, uid)
    if user is None or user.disabled or session.get("pw") != user.password_stamp:
        session.clear()
        return None, "the sign-in has ended (user disabled or password changed)"
    return user.principal("session"), None


def identify(settings, engine, *, api: bool) -> tuple[Principal | None, str | None]:
    """(principal, None) or (None, why not) for the current request."""
    if settings.auth_mode == "none":
        return LOCAL_USER, None
    auth = request.headers.get("Authorization", "")
    if api and auth[:7].lower() == "bearer ":
        user = user_for_token(engine, auth[7:].strip())
        if user is None:
            return None, "the API token is unknown or revoked, or its user is disabled"
        return user.principal("token"), None
    if settings.auth_mode == "proxy":
        return _from_proxy(settings, engine)
    return _from_session(engine)


def current_principal() -> Principal | None:
    """The principal of this request; None when nobody is signed in (or outside a request
    with sign-in on). Never guesses "everyone" except in AUTH_MODE=none."""
    if has_request_context() and "principal" in g:
        return g.principal
    return LOCAL_USER if context.get().settings.auth_mode == "none" else None


def current_access():
    """The queries.access.Access of this request's principal; AccessDenied when nobody signed in."""
    principal = current_principal()
    if principal is None:
        raise AccessDenied("not signed in")
    return access_for(principal, context.get().settings)
