"""DuckDB as a DATABASE_URL (`duckdb:///path/sales.duckdb`), for analytics-heavy single-server use.

DuckDB is reached through duckdb-engine, whose dialect is PostgreSQL's with another name, so the
query modules render for it as for PostgreSQL; the few SQL differences live in `dialect.py`.
What this module adds:

- `SalesDuckDBDialect` (URL driver `duckdb+sales`, chosen by `queries.db.make_engine`):
  duckdb-engine's dialect with SQLAlchemy's statement cache on (it is off there; compiling the
  SQL of a query is a quarter of its time on small data) and `a // b` of integers rendered as
  DuckDB's integer division (duckdb-engine renders FLOOR(a / b), a DOUBLE, where SQLite and
  PostgreSQL give an integer: a histogram's bin 7 became 7.0).
- Alembic knows no "duckdb" dialect: `AlembicDuckDBImpl` registers one (transactional DDL).
  Auto-incremented keys get a sequence (DuckDB has no SERIAL). Foreign keys are not created:
  DuckDB checks them against the state at the start of the transaction, so deleting a parent
  after its children, or updating a referenced row (an upsert of a customer with deals), fails
  within one transaction (DuckDB's documented foreign-key limitations). The CSV importer checks
  every reference itself on DuckDB (ingest/csv_import.py), so an import is held to the same rules.
- DuckDB has no triggers, so the change counter (`data_version`, bumped by triggers on SQLite
  and PostgreSQL, `change_tracking.py`) is bumped by the app itself. One process owns a DuckDB
  file (DuckDB locks it), so every write comes through this process and its engine: the engine
  notes any INSERT/UPDATE/DELETE on a contract table that passes through SQLAlchemy
  (`_note_write`; the bulk loads of the demo generator and the importer send theirs through it
  too), and right after such a transaction commits, the counter is bumped in a short transaction
  of its own (`SalesDuckDBDialect.do_commit`). Not inside the writing transaction: DuckDB's
  optimistic concurrency would make two overlapping writers conflict on the counter's row and
  fail one of them, where PostgreSQL would let it wait; the bumps are serialised by a lock, so
  they never overlap. A reader may see new rows a moment before the new counter; the counter
  only tells open pages to redraw, so they redraw a moment later. A rolled-back transaction
  bumps nothing.
"""
from __future__ import annotations

import re
import threading

from alembic.ddl.impl import DefaultImpl
from duckdb_engine import Dialect as _DuckDBEngineDialect
from sqlalchemy import ForeignKeyConstraint, Integer, event, text
from sqlalchemy.dialects import registry
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import CreateColumn
from sqlalchemy.sql import sqltypes

from .schema import CONTRACT_TABLES


class _Compiler(_DuckDBEngineDialect.statement_compiler):
    def visit_floordiv_binary(self, binary, operator, **kw):
        if (binary.left.type._type_affinity is sqltypes.Integer
                and binary.right.type._type_affinity is sqltypes.Integer):
            return self.process(binary.left, **kw) + " // " + self.process(binary.right, **kw)
        return super().visit_floordiv_binary(binary, operator, **kw)


_BUMP_LOCK = threading.Lock()
_BUMP_SQL = "UPDATE data_version SET version = version + 1 WHERE id = 1"
_PENDING = "_sales_data_version_bump"   # set on the driver connection by the commit event below


class SalesDuckDBDialect(_DuckDBEngineDialect):
    """duckdb-engine's dialect with the statement cache, integer `//` and the change counter's
    bump after a committed write (module docstring)."""
    supports_statement_cache = True
    statement_compiler = _Compiler

    def do_commit(self, dbapi_connection) -> None:
        super().do_commit(dbapi_connection)
        if _take_pending(dbapi_connection):
            with _BUMP_LOCK:
                dbapi_connection.execute("BEGIN TRANSACTION")
                try:
                    dbapi_connection.execute(_BUMP_SQL)
                    dbapi_connection.execute("COMMIT")
                except Exception:
                    dbapi_connection.execute("ROLLBACK")
                    raise

    def do_rollback(self, dbapi_connection) -> None:
        _take_pending(dbapi_connection)
        super().do_rollback(dbapi_connection)


def _take_pending(connection) -> bool:
    """Whether a bump is due on this connection (the pool's proxy or the driver's), and clear it."""
    raw = getattr(connection, "dbapi_connection", connection)   # the flag lives on the driver's object
    due = getattr(raw, _PENDING, False)
    if due:
        setattr(raw, _PENDING, False)
    return due


registry.register("duckdb.sales", __name__, "SalesDuckDBDialect")
DRIVER = "duckdb+sales"


def _sequence_name(column) -> str | None:
    """The sequence behind an auto-incremented integer key (PostgreSQL would use SERIAL, which
    DuckDB lacks), or None for any other column."""
    if (column.primary_key and column is column.table._autoincrement_column
            and isinstance(column.type, Integer)):
        return column.table.name + "_" + column.name + "_seq"
    return None


@compiles(CreateColumn, "duckdb")
def _create_column(element, compiler, **kw):
    column = element.element
    seq = _sequence_name(column)
    if seq is None:
        return compiler.visit_create_column(element, **kw)
    # names come from our own schema (migrations), never from input
    spec = (compiler.preparer.format_column(column) + " " +
            compiler.dialect.type_compiler_instance.process(column.type) + " DEFAULT nextval('" + seq + "')")
    return spec + ("" if column.nullable else " NOT NULL")


class AlembicDuckDBImpl(DefaultImpl):
    """Alembic's DDL implementation for DuckDB: plain ANSI DDL, transactional like PostgreSQL;
    auto-incremented keys get a sequence of their own (created here, before the table)."""
    __dialect__ = "duckdb"
    transactional_ddl = True

    def create_table(self, table, **kw):
        for column in table.columns:
            seq = _sequence_name(column)
            if seq is not None:
                self._exec(text("CREATE SEQUENCE IF NOT EXISTS " + seq))
        kw["include_foreign_key_constraints"] = ()  # see the module docstring
        super().create_table(table, **kw)

    def add_constraint(self, const, **kw):
        if isinstance(const, ForeignKeyConstraint):
            return  # see the module docstring
        super().add_constraint(const, **kw)

    def drop_table(self, table, **kw):
        super().drop_table(table, **kw)
        for column in table.columns:
            seq = _sequence_name(column)
            if seq is not None:
                self._exec(text("DROP SEQUENCE IF EXISTS " + seq))


_CONTRACT = frozenset(t.name for t in CONTRACT_TABLES)
#: the target table of an INSERT / UPDATE / DELETE statement (SQLAlchemy renders them so)
_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
_DIRTY = "sales_contract_written"


def quote_keywords(engine: Engine) -> None:
    """Quote every DuckDB keyword that is not free to use as a name: duckdb-engine quotes only
    the 'reserved' ones, but a column named `at` (a type-function keyword) fails unquoted."""
    import duckdb
    words = {w for (w,) in duckdb.sql("SELECT keyword_name FROM duckdb_keywords() "
                                      "WHERE keyword_category <> 'unreserved'").fetchall()}
    prep = engine.dialect.identifier_preparer
    prep.reserved_words = set(prep.reserved_words) | words


def install_change_counter(engine: Engine) -> None:
    """Bump `data_version` on every commit that wrote to a contract table through `engine`."""

    @event.listens_for(engine, "after_cursor_execute")
    def _note_write(conn, cursor, statement, parameters, context, executemany):
        m = _WRITE.match(statement)
        if m and m.group(1).lower() in _CONTRACT:
            conn.info[_DIRTY] = True

    @event.listens_for(engine, "commit")
    def _bump_after_commit(conn):
        # runs just before the driver's COMMIT; the dialect's do_commit bumps once that succeeded
        if conn.info.pop(_DIRTY, False):
            setattr(conn.connection.dbapi_connection, _PENDING, True)

    @event.listens_for(engine, "rollback")
    def _forget_on_rollback(conn):
        conn.info.pop(_DIRTY, None)
