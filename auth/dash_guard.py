"""The dashboard's side of the access rules: page layouts of pages a role may not see render a
notice instead (the router is one callback for every page), and drill-down checks.

Data rules are not here: they live in the query layer (queries/access.py via
`urlstate.current_state`). This module only decides *which pages and lists* a role may open.
"""
from __future__ import annotations

import functools

import dash_bootstrap_components as dbc
from dash import html

from queries.access import AccessDenied

from . import texts
from .request import current_principal
from .roles import may_see_page
from .web import ADMIN_PATH, page_keys_by_path


def allowed_pages(principal) -> list[tuple[str, str]]:
    """(path, key) of the pages `principal` may see, in navbar order."""
    return [(path, key) for path, key in page_keys_by_path().items() if may_see_page(principal, key)]


def denied_layout(lang: str):
    import dash
    principal = current_principal()
    role = principal.role if principal else "-"
    links = [html.A(key, href=dash.get_relative_path(path), className="me-3")
             for path, key in allowed_pages(principal)]
    return dbc.Alert([html.Div(texts.text("access.page_denied", lang, role=role), className="mb-2"),
                      html.Div([texts.text("access.go_to", lang), " ", *links]) if links else None],
                     color="warning", className="mt-4 access-denied")


def _guarded(layout, key: str):
    @functools.wraps(layout)
    def guarded(**query):
        if not may_see_page(current_principal(), key):
            from dashboard.i18n import normalize_lang, request_lang
            return denied_layout(normalize_lang(query.get("lang"), request_lang()))
        return layout(**query) if callable(layout) else layout
    guarded._access_page = key
    return guarded


def guard_page_layouts() -> None:
    """Wrap every registered page's layout with the page check (idempotent; Dash re-registers
    pages for every new app, so this runs after each `create_dash_app`)."""
    import dash
    keys = page_keys_by_path()
    for page in dash.page_registry.values():
        layout = page.get("layout")
        if getattr(layout, "_access_page", None):
            continue
        key = keys.get(page.get("path"))
        if key is not None:
            page["layout"] = _guarded(layout, key)


def check_drilldown(source_name: str) -> None:
    """AccessDenied unless the role may open lists and see the source's page ("funnel.deals")."""
    from .request import current_access
    access = current_access()
    if access.no_rows:
        raise AccessDenied(f"the role '{access.role}' sees aggregates only, no lists")
    page = (source_name or "").split(".", 1)[0]
    if page in set(page_keys_by_path().values()) and not may_see_page(current_principal(), page):
        raise AccessDenied(f"the role '{access.role}' may not see the page {page}")


__all__ = ["ADMIN_PATH", "allowed_pages", "check_drilldown", "denied_layout", "guard_page_layouts"]
