"""Is the database there? Telling the errors of a dead or slow database from all others.

A request that fails because the database is down or too slow is not a bug: the API answers
503 (retry later), the dashboard shows "The database is not reachable — retrying…" and redraws
by itself when it is back (README "Resilience"). Every other error stays an error (500, logged).
"""
from __future__ import annotations

import sqlite3

from sqlalchemy import exc as sa_exc

#: PostgreSQL SQLSTATEs meaning "the server is not (or no longer) there for us": connection
#: exceptions (class 08), admin/crash shutdown, cannot connect now, too many connections.
_GONE_PREFIXES = ("08", "57P", "53")
_CANCELED = "57014"   # query_canceled: statement_timeout (DB_STATEMENT_TIMEOUT) fired
#: SQLite messages of a database file that cannot be used right now (not a bug in our SQL).
_SQLITE_GONE = ("database is locked", "unable to open database file", "disk i/o error",
                "database disk image is malformed", "attempt to write a readonly database")


def _chain(error: BaseException):
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def unavailable_reason(error: BaseException) -> str | None:
    """"unreachable" (cannot connect, or the connection broke), "busy" (no pooled connection
    was free within DB_POOL_TIMEOUT), "timeout" (this statement ran past DB_STATEMENT_TIMEOUT:
    the database answers, but not this question in time), or None when `error` is anything else."""
    for e in _chain(error):
        if isinstance(e, sa_exc.TimeoutError):          # QueuePool checkout timed out
            return "busy"
        if isinstance(e, sa_exc.DBAPIError) and e.connection_invalidated:
            return "unreachable"
        orig = e.orig if isinstance(e, sa_exc.DBAPIError) else e
        reason = _driver_reason(orig)
        if reason:
            return reason
    return None


def _driver_reason(orig: BaseException | None) -> str | None:
    if orig is None:
        return None
    if isinstance(orig, sqlite3.OperationalError):
        text = str(orig).lower()
        return "unreachable" if any(m in text for m in _SQLITE_GONE) else None
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is in requirements.txt
        return None
    if isinstance(orig, (psycopg.OperationalError, psycopg.InterfaceError)):
        state = getattr(orig, "sqlstate", None)
        if state == _CANCELED:
            return "timeout"
        if state is None or state.startswith(_GONE_PREFIXES):  # None: failed on the client side
            return "unreachable"
    return None


def is_unavailable(error: BaseException) -> bool:
    return unavailable_reason(error) is not None
