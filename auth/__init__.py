"""Sign-in, roles, scopes, API tokens, the audit log and GDPR erasure (issue 5).

    roles.py       roles, Principal, access_for (role -> queries.access.Access), page/API rules
    request.py     who is asking (session, API token, proxy headers), current_access()
    web.py         the gate on every request; /login and /logout
    dash_guard.py  page layouts and drill-downs the role may not see
    users.py       users and API tokens in the database; passwords.py hashing (scrypt)
    ratelimit.py   failed sign-ins per user and address, in the database
    audit.py       the audit log; forget.py erasure of a customer's personal data
    commands.py    `python app.py user|token|forget …`

The data rules themselves live in the query layer (queries/access.py, queries/filters.py,
queries/lists.page), so they hold on every endpoint.
"""
from __future__ import annotations


def install(server, settings, dash_app=None) -> None:
    """Put the sign-in gate, the login pages and the dashboard's page guards on `server`."""
    from . import web
    web.install(server, settings)
    if dash_app is not None:
        from .dash_guard import guard_page_layouts
        guard_page_layouts()
