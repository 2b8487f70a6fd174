"""The audit log: who opened which list with personal data, who erased whom, who changed users.

Rows are (at, username, role, action, detail); `detail` is JSON text with the parameters (the
list's source or endpoint, period, filters, row count), never the personal data itself.
Admins read it on the admin page (`recent`).
"""
from __future__ import annotations

import json
import logging

from sqlalchemy import insert, select

from queries.schema import audit_log

from .users import now_utc

log = logging.getLogger(__name__)


def record_in(conn, principal, action: str, detail: dict) -> None:
    """Write one audit row inside the caller's transaction (it commits or rolls back with it)."""
    text = json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
    conn.execute(insert(audit_log).values(at=now_utc(), username=principal.username[:200],
                                          role=principal.role[:16], action=action[:64], detail=text))


def record(engine, principal, action: str, detail: dict) -> None:
    """Write one audit row in its own transaction. A failure is logged and raised: a list with
    personal data is not handed out when it cannot be recorded."""
    try:
        with engine.begin() as conn:
            record_in(conn, principal, action, detail)
    except Exception:
        log.exception("could not write the audit log (%s by %s)", action, principal.username)
        raise


def recent(engine, *, limit: int = 500, username: str | None = None, action: str | None = None) -> list[dict]:
    """The newest audit rows first (detail parsed back into a dict)."""
    stmt = select(audit_log).order_by(audit_log.c.at.desc(), audit_log.c.id.desc()).limit(limit)
    if username:
        stmt = stmt.where(audit_log.c.username == username.strip().lower())
    if action:
        stmt = stmt.where(audit_log.c.action == action)
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(stmt)]
    for r in rows:
        try:
            r["detail"] = json.loads(r["detail"])
        except ValueError:
            pass
    return rows
