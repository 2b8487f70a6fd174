"""Engine creation, schema creation/migration and the cheap "has anything changed" probes."""
from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, event, func, select, union_all
from sqlalchemy.engine import Engine, make_url

from . import schema as s

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def make_engine(url: str, *, connect_timeout: float | None = None, statement_timeout: float | None = None,
                **kwargs) -> Engine:
    """An engine for any SQLAlchemy URL; SQLite gets WAL, a busy timeout and foreign keys on.

    So that a dead or slow database fails a request fast instead of hanging the worker
    (README "Resilience"): every connection is pinged when taken from the pool; on PostgreSQL
    `connect_timeout` (s) bounds connecting, TCP keepalives notice a vanished server, and
    `statement_timeout` (s; 0/None: none) makes the server cancel a statement running longer.
    `pool_timeout` (s) in kwargs bounds the wait for a free pooled connection.
    """
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
        return engine
    if u.get_backend_name() == "duckdb":
        return _make_duckdb_engine(u, kwargs)
    if u.get_backend_name() == "postgresql" and u.get_driver_name() in ("", "psycopg2"):
        u = u.set(drivername="postgresql+psycopg")
    kwargs.setdefault("pool_pre_ping", True)
    if u.get_backend_name() == "postgresql" and (connect_timeout or statement_timeout):
        args = dict(kwargs.get("connect_args") or {})
        if connect_timeout:
            args.setdefault("connect_timeout", max(2, math.ceil(connect_timeout)))  # libpq: whole s, ≥ 2
            args.setdefault("keepalives", 1)
            args.setdefault("keepalives_idle", 30)
            args.setdefault("keepalives_interval", 10)
            args.setdefault("keepalives_count", 3)
        if statement_timeout:
            # a server-side setting of the session (libpq options), not SQL text
            args.setdefault("options", f"-c statement_timeout={int(statement_timeout * 1000)}")
        kwargs["connect_args"] = args
    return create_engine(u, **kwargs)


def _make_duckdb_engine(u, kwargs) -> Engine:
    """DuckDB (README "Using DuckDB"): one process owns the file; the app bumps the change
    counter itself (queries/duckdb_support.py). Timeouts do not apply to an embedded database."""
    from .duckdb_support import DRIVER, install_change_counter, quote_keywords
    if u.database and u.database != ":memory:":
        Path(u.database).parent.mkdir(parents=True, exist_ok=True)
    u = u.set(drivername=DRIVER)
    if u.database in (None, "", ":memory:"):
        kwargs.pop("pool_timeout", None)  # an in-memory database has a single-connection pool
    engine = create_engine(u, **kwargs)
    quote_keywords(engine)
    install_change_counter(engine)
    return engine


def alembic_config(engine: Engine):
    from alembic.config import Config
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def ensure_schema(engine: Engine) -> None:
    """Create the schema on first use, or migrate an existing database to the newest version."""
    from alembic import command
    if engine.dialect.name == "duckdb":
        from . import duckdb_support  # noqa: F401 - registers Alembic's DuckDB implementation
    command.upgrade(alembic_config(engine), "head")


def schema_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def data_version(conn) -> int:
    """The change counter, bumped by triggers on every committed write to a contract table."""
    return conn.execute(select(s.data_version.c.version).where(s.data_version.c.id == 1)).scalar() or 0


#: The event timestamps of METRICS.md §0 "data as of" (never planned dates).
_EVENT_COLUMNS = (
    s.customers.c.created_at, s.deals.c.created_at, s.deals.c.closed_at,
    s.deal_stage_history.c.entered_at, s.lifecycle_history.c.entered_at,
    s.touchpoints.c.occurred_at, s.orders.c.ordered_at, s.experiment_assignments.c.assigned_at,
    s.cases.c.opened_at, s.cases.c.resolved_at,
)


def data_as_of(conn) -> datetime | None:
    """The latest event timestamp in the data (METRICS.md §0), naive UTC, or None when empty."""
    parts = union_all(*[select(func.max(c).label("ts")) for c in _EVENT_COLUMNS]).subquery()
    value = conn.execute(select(func.max(parts.c.ts))).scalar()
    if isinstance(value, str):  # SQLite returns max() over a UNION untyped
        value = datetime.fromisoformat(value)
    return value
