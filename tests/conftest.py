"""Shared fixtures: a fresh database per test module on SQLite, PostgreSQL and DuckDB.

PostgreSQL tests use a throw-away database on 127.0.0.1:5432 (override with TEST_PG_URL).
Without a reachable server they skip with the reason shown; under CI (CI=true) they fail.
DuckDB tests use a file in a temporary folder; without the duckdb packages installed they skip
(under CI they fail: requirements.txt installs them).
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, text

from queries.db import ensure_schema, make_engine

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PG_ADMIN_URL = os.environ.get("TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
#: The database kinds every query test runs on.
ENGINES = ("sqlite", "postgresql", "duckdb")


def _pg_admin_engine():
    eng = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with eng.connect() as c:
            c.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "no server"
        eng.dispose()
        return None, f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}"
    return eng, None


class FreshDatabases:
    """Creates empty, migrated databases and drops them afterwards."""

    def __init__(self, tmp_path_factory):
        self.tmp = tmp_path_factory
        self._pg_admin = None
        self._pg_reason = None
        self._created = []

    def sqlite(self):
        path = self.tmp.mktemp("db") / "test.db"
        eng = make_engine(f"sqlite:///{path}")
        ensure_schema(eng)
        return eng

    def postgresql(self):
        if self._pg_admin is None and self._pg_reason is None:
            self._pg_admin, self._pg_reason = _pg_admin_engine()
        if self._pg_admin is None:
            if IN_CI:
                pytest.fail(f"CI=true but {self._pg_reason}")
            pytest.skip(self._pg_reason)
        name = "sales_test_" + uuid.uuid4().hex[:12]
        with self._pg_admin.connect() as c:
            c.execute(text("CREATE DATABASE " + name))  # name is generated above, not input
        self._created.append(name)
        eng = make_engine(PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name)
        ensure_schema(eng)
        return eng

    def duckdb(self):
        try:
            import duckdb  # noqa: F401
            import duckdb_engine  # noqa: F401
        except ImportError as exc:
            if IN_CI:
                pytest.fail(f"CI=true but DuckDB is not installed: {exc}")
            pytest.skip(f"DuckDB not installed (pip install -r requirements.txt): {exc}")
        path = self.tmp.mktemp("db") / "test.duckdb"
        eng = make_engine(f"duckdb:///{path}")
        ensure_schema(eng)
        return eng

    def make(self, kind: str):
        return {"sqlite": self.sqlite, "postgresql": self.postgresql, "duckdb": self.duckdb}[kind]()

    def close(self):
        if self._pg_admin is not None:
            with self._pg_admin.connect() as c:
                for name in self._created:
                    c.execute(text("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"))
            self._pg_admin.dispose()


@pytest.fixture(scope="session")
def fresh_db(tmp_path_factory):
    dbs = FreshDatabases(tmp_path_factory)
    yield dbs
    dbs.close()


@pytest.fixture(params=ENGINES)
def engine(request, fresh_db):
    """An empty, migrated database; the test runs once per engine kind."""
    eng = fresh_db.make(request.param)
    yield eng
    eng.dispose()


def load_rows(engine, rows_by_table: dict):
    """Insert hand-built rows (dicts keyed by column) in dependency order."""
    from queries.schema import CONTRACT_TABLES
    with engine.begin() as conn:
        for table in CONTRACT_TABLES:
            rows = rows_by_table.get(table.name)
            if rows:
                cols = table.c.keys()
                unknown = {k for r in rows for k in r} - set(cols)
                assert not unknown, f"{table.name}: unknown columns {unknown}"
                conn.execute(insert(table), [{c: r.get(c) for c in cols} for r in rows])


WORKED_EXAMPLE = FIXTURES / "worked_example"


@pytest.fixture(scope="session", params=ENGINES)
def worked_db(request, fresh_db):
    """The worked example (tests/fixtures/worked_example/csv) imported with REPORT_TZ=UTC.

    Session-scoped and read-only: tests must not write to it.
    """
    from ingest.csv_import import import_folder
    eng = fresh_db.make(request.param)
    import_folder(eng, WORKED_EXAMPLE / "csv", tz_name="UTC")
    yield eng
    eng.dispose()


def expected(name: str) -> dict:
    """The worked example's expected numbers: name is '2025' or '2025q2_region_DACH'."""
    import json
    return json.loads((WORKED_EXAMPLE / f"expected_{name}.json").read_text(encoding="utf-8"))
