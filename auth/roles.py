"""Roles, the signed-in person (`Principal`) and what a role may see (issue 5).

| role      | pages                 | data                                                        |
|-----------|-----------------------|-------------------------------------------------------------|
| admin     | every page + admin    | everything; manages users, tokens, imports and targets      |
| manager   | every page            | everything, read-only                                       |
| sales     | every page            | deals they own; customers with a deal of theirs             |
| marketing | every page            | everything; lists pseudonymised (ids, no names/city)        |
| service   | the service page only | service figures and cases; no deal amounts in any list      |
| viewer    | every page            | aggregates only: no lists (drill-downs, list endpoints 403) |

The role `integration` (a CRM sync job's account) sees no page and reads nothing; it may only
write events (POST /api/v1/events, with an API token), as may admin.
A region scope (customer regions) narrows any role. `HIDE_REP_FIGURES` hides per-rep figures
from every role below manager. The data rules become a `queries.access.Access` (`access_for`),
which the query layer enforces; the page and endpoint rules are checked by the dashboard gate
(auth/dash_guard.py) and the API view.
"""
from __future__ import annotations

from dataclasses import dataclass

from queries.access import Access
from settings import ROLE_NAMES

ROLES = ROLE_NAMES
#: roles that see per-rep figures even when HIDE_REP_FIGURES is on
MANAGER_OR_ABOVE = frozenset({"admin", "manager"})
#: the only pages (dashboard.pages.PAGES keys) of the service role
SERVICE_PAGES = frozenset({"service"})
ADMIN_PAGES = frozenset({"admin"})
#: API paths (under /api/v1) the service role may call: the service section
SERVICE_API_PREFIX = "/service"
#: roles that may POST /api/v1/events (live ingestion; ingest/events.py)
EVENT_WRITERS = frozenset({"admin", "integration"})
#: roles without any read access (a CRM sync job's account)
WRITE_ONLY = frozenset({"integration"})


@dataclass(frozen=True)
class Principal:
    """Who is asking: a user (built-in or proxy), a token's user, or the local demo user."""
    username: str
    role: str
    owner_id: str | None = None
    region_scope: tuple[str, ...] | None = None
    user_id: int | None = None
    #: none (AUTH_MODE=none) | session | token | proxy
    via: str = "none"

    @property
    def label(self) -> str:
        """"anna · sales · DACH" for the navbar."""
        parts = [self.username, self.role]
        if self.region_scope:
            parts.append(", ".join(self.region_scope))
        return " · ".join(parts)


#: AUTH_MODE=none: one anonymous local user who may do everything (the banner says so).
LOCAL_USER = Principal("local", "admin", via="none")


def parse_regions(raw: str | None) -> tuple[str, ...] | None:
    """`DACH, Nordics` → ("DACH", "Nordics"); empty → None (every region)."""
    regions = tuple(dict.fromkeys(r.strip() for r in (raw or "").split(",") if r.strip()))
    return regions or None


def access_for(principal: Principal, settings) -> Access:
    """The query layer's view of what `principal` may see."""
    role = principal.role
    if role not in ROLES or role in WRITE_ONLY:   # unknown roles see nothing (never "everything")
        return Access(role=role, owner_scope=(), region_scope=(), pseudonymise=True, no_amounts=True,
                      no_rows=True, hide_rep_figures=True)
    owner_scope = None
    if role == "sales":     # no owner id: an empty scope, i.e. nothing (never "all deals")
        owner_scope = (principal.owner_id,) if principal.owner_id else ()
    return Access(
        role=role,
        owner_scope=owner_scope,
        region_scope=principal.region_scope,
        pseudonymise=role == "marketing",
        no_amounts=role == "service",
        no_rows=role == "viewer",
        hide_rep_figures=bool(getattr(settings, "hide_rep_figures", False)) and role not in MANAGER_OR_ABOVE,
    )


def may_see_page(principal: Principal | None, page_key: str) -> bool:
    """Whether a dashboard page (a dashboard.pages.PAGES key, or "admin") is open to the role."""
    if principal is None or principal.role not in ROLES:
        return False
    if principal.role in WRITE_ONLY:
        return False
    if page_key in ADMIN_PAGES:
        return principal.role == "admin"
    if principal.role == "service":
        return page_key in SERVICE_PAGES
    return True


def may_call(principal: Principal | None, path: str, *, is_list: bool) -> str | None:
    """None when the role may call the API endpoint at `path` (under /api/v1); else the reason."""
    if principal is None or principal.role not in ROLES:
        return "your account has no role that may use the API"
    if principal.role in WRITE_ONLY:
        return f"the role '{principal.role}' may only post events (POST /api/v1/events), not read"
    if principal.role == "service" and not path.startswith(SERVICE_API_PREFIX):
        return "the role 'service' may use the service endpoints (/service…) only"
    if principal.role == "viewer" and is_list:
        return "the role 'viewer' sees aggregates only, no lists of deals, customers or cases"
    return None


def may_write_events(principal: Principal | None) -> str | None:
    """None when the principal may POST /api/v1/events; else the reason."""
    if principal is None or principal.role not in EVENT_WRITERS:
        role = principal.role if principal is not None else "none"
        return (f"the role '{role}' may not write events; roles that may: "
                + ", ".join(sorted(EVENT_WRITERS)))
    return None
