"""Failed built-in sign-ins, counted in the database so every gunicorn worker sees the same count.

After `max_failures` failures for one username from one address within `window_minutes`, that
pair is locked until the oldest of them leaves the window (HTTP 429). A success clears the pair.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, delete, func, insert, select

from queries.schema import login_failures

from .users import normalize_username, now_utc


def _pair(username: str, address: str):
    return and_(login_failures.c.username == normalize_username(username)[:200],
                login_failures.c.address == (address or "-")[:64])


def locked_for(engine, username: str, address: str, *, max_failures: int, window_minutes: int) -> int:
    """Seconds until `username` may try again from `address` (0: not locked)."""
    since = now_utc() - timedelta(minutes=window_minutes)
    with engine.connect() as conn:
        n, oldest = conn.execute(select(func.count(), func.min(login_failures.c.at))
                                 .where(_pair(username, address), login_failures.c.at > since)).one()
    if n < max_failures or oldest is None:
        return 0
    if isinstance(oldest, str):   # SQLite returns min() of a DateTime untyped
        from datetime import datetime
        oldest = datetime.fromisoformat(oldest)
    return max(1, int((oldest + timedelta(minutes=window_minutes) - now_utc()).total_seconds()))


def record_failure(engine, username: str, address: str, *, window_minutes: int) -> None:
    """Count one failure (and forget failures older than the window, for anyone)."""
    now = now_utc()
    with engine.begin() as conn:
        conn.execute(delete(login_failures).where(login_failures.c.at <= now - timedelta(minutes=window_minutes)))
        conn.execute(insert(login_failures).values(username=normalize_username(username)[:200],
                                                   address=(address or "-")[:64], at=now))


def clear_failures(engine, username: str, address: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(login_failures).where(_pair(username, address)))
