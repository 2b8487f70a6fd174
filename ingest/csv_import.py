"""Import a folder of contract CSV files into the database (DATA_CONTRACT.md, "General rules").

One transaction for the whole import (all-or-nothing). Tables go in dependency order, each
inside a savepoint:
1. the file is streamed in chunks, parsed and checked (csv_reader.py, csv_parsing.py; a big
   file in a child process, on the other core) and written by the fastest route that fits
   (see `_load`);
2. what needs the whole file or the database is left to the database's own constraints
   (primary key, foreign keys) plus a hash check for keys repeated within the file; when one
   of them fires, the savepoint is rolled back and the file is loaded once more into a
   staging table with line numbers, where one SQL query per check finds the first offender;
3. `replace` tables: rows the snapshot no longer holds are deleted with their dependents.
Upserts use the dialect's INSERT ... ON CONFLICT. SQLite's row-level change triggers are
dropped for the load and re-installed, with one bump of the change counter.
DuckDB has no savepoints and no foreign keys (queries/duckdb_support.py): there every file goes
into a staging table with line numbers first, is checked in SQL (duplicate keys, references),
and only then written (`_import_checked`); the engine bumps the change counter at commit.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime
from operator import methodcaller
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    Table,
    delete,
    exists,
    func,
    literal,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError

from queries import change_tracking
from queries.schema import CONTRACT_TABLES, TABLES_BY_NAME

from . import csv_load, duckdb_csv
from .csv_load import (
    KeyHashes,
    hashed,
    parsed_in_child,
    secondary_indexes_dropped,
    upsert,
    write_rows,
)
from .csv_parsing import CsvImportError, quoted
from .csv_reader import read_chunks

PROGRESS_EVERY = 50_000
Progress = Callable[[str, int, "int | None"], None]


@dataclass
class ImportReport:
    rows_by_table: dict[str, int]
    seconds: float


def import_folder(engine, folder: Path, *, tz_name: str, replace: Iterable[str] = (),
                  progress: Progress | None = None) -> ImportReport:
    """Import every `<table>.csv` in `folder`; other *.csv names are an error, other files ignored."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CsvImportError(str(folder), None, None, "is not a folder")
    files: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.suffix.lower() != ".csv" or path.name.startswith("."):
            continue
        table = path.stem.lower()
        if table not in TABLES_BY_NAME:
            raise CsvImportError(path.name, None, None, "is not a table of the data contract; expected "
                                 "files named " + ", ".join(t.name + ".csv" for t in CONTRACT_TABLES))
        if table in files:
            raise CsvImportError(path.name, None, None, f"{files[table].name} is in the folder as well")
        files[table] = path
    if not files:
        raise CsvImportError(folder.name or str(folder), None, None,
                             "holds no CSV files (expected e.g. customers.csv, deals.csv)")
    return import_files(engine, files, tz_name=tz_name, replace=replace, progress=progress)


def import_files(engine, files: dict[str, Path], *, tz_name: str, replace: Iterable[str] = (),
                 progress: Progress | None = None) -> ImportReport:
    """Import the given files (table name -> path) in one transaction; see the module docstring."""
    started = time.perf_counter()
    tz = ZoneInfo(tz_name)
    files = {name: Path(p) for name, p in files.items()}
    for name, path in files.items():
        if name not in TABLES_BY_NAME:
            raise CsvImportError(path.name, None, None, f"'{name}' is not a table of the data contract")
    replace = list(dict.fromkeys(replace))
    for name in replace:
        if name not in TABLES_BY_NAME:
            raise CsvImportError(f"{name}.csv", None, None,
                                 f"--replace {name}: not a table of the data contract")
        if name not in files:
            raise CsvImportError(f"{name}.csv", None, None,
                                 f"--replace {name}: this import has no {name}.csv, so nothing to replace with")
    rows: dict[str, int] = {}
    with engine.begin() as conn:
        dialect = conn.dialect.name
        if dialect not in ("sqlite", "postgresql", "duckdb"):
            raise NotImplementedError(f"CSV import supports SQLite, PostgreSQL and DuckDB, not {dialect}")
        if dialect == "sqlite":
            conn.exec_driver_sql("PRAGMA cache_size=-262144")  # 256 MiB: index builds, upserts
        # SQLite: bumps the change counter once (which also opens the transaction, so the
        # trigger drops roll back with it); PostgreSQL keeps its statement-level triggers.
        triggers_dropped = change_tracking.drop_row_triggers(conn)
        for table in CONTRACT_TABLES:
            if table.name in files:
                path = files[table.name]
                display = path.name if path.name.lower() == table.name + ".csv" else table.name + ".csv"
                rows[table.name] = _import_table(conn, table, path, display, tz,
                                                 table.name in replace, progress)
        if triggers_dropped:
            change_tracking.install_triggers(conn)
        if dialect == "sqlite":
            conn.exec_driver_sql("PRAGMA cache_size=-2000")  # back to SQLite's default
    return ImportReport(rows_by_table=rows, seconds=time.perf_counter() - started)


def _import_table(conn, table: Table, path: Path, display: str, tz: ZoneInfo, replace: bool,
                  progress: Progress | None) -> int:
    store = _stored_form(conn.dialect)

    def parse(with_line: bool):
        return read_chunks(path, table, name=display, tz=tz, store=store, with_line=with_line)

    names = [c.name for c in table.columns]
    keys = KeyHashes([names.index(c.name) for c in table.primary_key.columns])
    report = _reporter(table.name, progress)
    if conn.dialect.name == "duckdb":
        n = _import_checked(conn, table, path, parse, keys, display, replace, report, tz)
        if progress:
            progress(table.name, n, n)
        return n
    # raw executemany/COPY raise the driver's own errors, SQLAlchemy statements wrapped ones
    db_errors = (DBAPIError, conn.dialect.loaded_dbapi.Error)
    savepoint = conn.begin_nested()  # PostgreSQL: the transaction stays usable after an error
    try:
        big = path.stat().st_size >= csv_load.PARALLEL_MIN_BYTES and csv_load.can_fork()
        if big:
            source = parsed_in_child(lambda: parse(with_line=False), keys)
        else:
            source = hashed(parse(with_line=False), keys)
        with closing(source):
            n = _load(conn, table, path, source, replace, report)
        if keys.maybe_duplicate():
            _diagnose(conn, table, parse, display)  # raises on a real duplicate, not on a collision
        savepoint.commit()
    except db_errors:
        # A constraint the database enforces (a duplicate key, an unknown reference) failed:
        # load the file once more with line numbers to say where.
        savepoint.rollback()
        _diagnose(conn, table, parse, display)
        raise
    if progress:
        progress(table.name, n, n)
    return n


def _reporter(table_name: str, progress: Progress | None) -> Callable[[int], None]:
    next_at = [PROGRESS_EVERY]

    def report(done: int) -> None:
        if progress and done >= next_at[0]:
            progress(table_name, done, None)
            next_at[0] = done + PROGRESS_EVERY
    return report


def _stored_form(dialect) -> Callable[[Column], Callable[[object], object]]:
    """For a DateTime/Date column: datetime or date -> the value bound for it on `dialect`.

    PostgreSQL (COPY, text): ISO text. SQLite: whatever the column type's own bind processor
    writes (schema.py fixes a text format; SQLite compares it as text); the C-speed isoformat
    is used when it gives the same text, checked on a sample.
    """
    def for_column(col: Column) -> Callable[[object], object]:
        is_ts = isinstance(col.type, DateTime)
        fast = methodcaller("isoformat", " ") if is_ts else methodcaller("isoformat")
        if dialect.name == "duckdb":
            return lambda value: value  # datetime/date objects go into typed frame columns
        if dialect.name == "postgresql":
            return fast
        proc = col.type.dialect_impl(dialect).bind_processor(dialect)
        if proc is None:
            return lambda value: value
        sample = datetime(2001, 2, 3, 4, 5, 6) if is_ts else date(2001, 2, 3)
        return fast if proc(sample) == fast(sample) else proc
    return for_column


def _load(conn, table: Table, path: Path, rows, replace: bool, report) -> int:
    """Write the parsed rows into `table` by the fastest route that fits; returns the row count.

    - a `replace` snapshot, or PostgreSQL into a table holding rows: via a staging table,
      then one INSERT ... SELECT ... ON CONFLICT (for replace, the deletions first);
    - PostgreSQL into an empty table: COPY straight in, indexes and foreign keys re-created
      after (this locks the table until commit; no one can be reading rows of an empty table);
    - SQLite: executemany straight into the table (plain INSERT when empty, else the upsert),
      re-building the indexes after when the file is big compared with the table.
    """
    if replace or (conn.dialect.name == "postgresql" and not _is_empty(conn, table)):
        return _via_staging(conn, table, rows, replace, report)
    if conn.dialect.name == "postgresql":
        with secondary_indexes_dropped(conn, table):
            n = write_rows(conn, table, rows, on_chunk=report)
        conn.exec_driver_sql("ANALYZE " + conn.dialect.identifier_preparer.quote(table.name))
        return n
    empty = _is_empty(conn, table)
    if empty or _worth_rebuilding_indexes(conn, table, path):
        with secondary_indexes_dropped(conn, table):
            return write_rows(conn, table, rows, as_upsert=not empty, on_chunk=report)
    return write_rows(conn, table, rows, as_upsert=True, on_chunk=report)


def _is_empty(conn, table: Table) -> bool:
    return conn.execute(select(literal(1)).select_from(table).limit(1)).first() is None


def _worth_rebuilding_indexes(conn, table: Table, path: Path) -> bool:
    """True when the file (at roughly 100 bytes a row) brings a quarter of the table's rows or
    more: re-building an index then costs less than maintaining it row by row."""
    rows = conn.execute(select(func.count()).select_from(table)).scalar()
    return path.stat().st_size / 100 >= rows / 4


def _staging_table(conn, table: Table, prefix: str, with_line: bool) -> Table:
    cols = [Column(c.name, c.type) for c in table.columns]
    if with_line:
        cols.append(Column("line", Integer))
    # PostgreSQL drops it at commit in any case; DuckDB knows no ON COMMIT DROP (and drops a
    # temporary table created in a rolled-back transaction with it)
    on_commit = {"postgresql_on_commit": "DROP"} if conn.dialect.name == "postgresql" else {}
    return Table(prefix + table.name, MetaData(), *cols, prefixes=["TEMPORARY"], **on_commit)


def _via_staging(conn, table: Table, rows, replace: bool, report) -> int:
    stg = _staging_table(conn, table, "_import_", with_line=False)
    stg.create(conn)
    n = write_rows(conn, stg, rows, on_chunk=report)
    if replace:
        Index("ix_" + stg.name, *[stg.c[c.name] for c in table.primary_key.columns]).create(conn)
        missing = ~exists().where(*[stg.c[c.name] == c for c in table.primary_key.columns])
        _delete_cascade(conn, table, missing)
    cols = [c.name for c in table.columns]
    # WHERE true: SQLite needs a WHERE before ON CONFLICT in INSERT ... SELECT (parser ambiguity)
    source = select(*[stg.c[c] for c in cols]).where(true())
    build = sqlite.insert if conn.dialect.name == "sqlite" else postgresql.insert
    conn.execute(upsert(table, build(table).from_select(cols, source)))
    stg.drop(conn)
    return n


def _import_checked(conn, table: Table, path: Path, parse, keys: KeyHashes, display: str, replace: bool,
                    report, tz: ZoneInfo) -> int:
    """DuckDB: load the file into a staging table with line numbers, check it in SQL (each file
    key once, every reference known), then write it in one INSERT ... SELECT (an upsert when the
    table holds rows; for `replace`, the snapshot's missing rows and their dependents go first)."""
    stg = _staging_table(conn, table, "_check_", with_line=True)
    stg.create(conn)

    def parsed_by_python() -> int:
        big = path.stat().st_size >= csv_load.PARALLEL_MIN_BYTES and csv_load.can_fork()
        source = parsed_in_child(lambda: parse(with_line=True), keys) if big else parse(with_line=True)
        with closing(source):
            return write_rows(conn, stg, source, on_chunk=report)

    # a canonical file is read by DuckDB itself (ingest/duckdb_csv.py), any other by Python
    n = duckdb_csv.load(conn, table, path, display, stg, tz)
    native = n is not None
    if not native:
        n = parsed_by_python()
    try:
        _check_duplicates(conn, stg, table, display)
        _check_foreign_keys(conn, stg, table, display)
    except CsvImportError:
        if not native:
            raise
        conn.execute(delete(stg))   # DuckDB's reader kept no line numbers: once more, for the exact line
        parsed_by_python()
        _check_duplicates(conn, stg, table, display)
        _check_foreign_keys(conn, stg, table, display)
        raise
    pk = list(table.primary_key.columns)
    if replace:
        _delete_cascade(conn, table, ~exists().where(*[stg.c[c.name] == c for c in pk]))
    cols = [c.name for c in table.columns]
    stmt = postgresql.insert(table).from_select(cols, select(*[stg.c[c] for c in cols]).where(true()))
    conn.execute(stmt if _is_empty(conn, table) else upsert(table, stmt))
    stg.drop(conn)
    return n


def _diagnose(conn, table: Table, parse, display: str) -> None:
    """Find the first duplicate key or unknown reference of the file; raise it with its line."""
    stg = _staging_table(conn, table, "_check_", with_line=True)
    stg.create(conn)
    write_rows(conn, stg, parse(with_line=True))
    _check_duplicates(conn, stg, table, display)
    _check_foreign_keys(conn, stg, table, display)
    stg.drop(conn)


def _check_duplicates(conn, stg: Table, table: Table, display: str) -> None:
    """A primary key may appear only once per file; report the earliest repeated line."""
    pk = [stg.c[c.name] for c in table.primary_key.columns]
    if conn.execute(select(*pk).group_by(*pk).having(func.count() > 1).limit(1)).first() is None:
        return
    window = {"partition_by": pk, "order_by": stg.c.line}
    ranked = select(stg.c.line, func.row_number().over(**window).label("nth"),
                    func.min(stg.c.line).over(partition_by=pk).label("first")).subquery()
    line, first = conn.execute(select(ranked.c.line, ranked.c.first).where(ranked.c.nth == 2)
                               .order_by(ranked.c.line).limit(1)).one()
    names = ", ".join(c.name for c in pk)
    raise CsvImportError(display, line, names, f"duplicate key: line {first} has the same {names}")


def _check_foreign_keys(conn, stg: Table, table: Table, display: str) -> None:
    """Every reference must exist in its parent table (already in the database or imported before)."""
    for fk in sorted(table.foreign_keys, key=lambda fk: fk.parent.name):
        col, parent = stg.c[fk.parent.name], fk.column
        orphan = conn.execute(select(stg.c.line, col)
                              .where(col.is_not(None), ~exists().where(parent == col))
                              .order_by(stg.c.line).limit(1)).first()
        if orphan is not None:
            raise CsvImportError(display, orphan.line, fk.parent.name,
                                 f"{quoted(orphan[1])} is not in {parent.table.name} (neither in the "
                                 f"database nor in {parent.table.name}.csv of this import)")


def _children(table: Table) -> list[tuple[Table, object]]:
    """(child table, foreign key) pairs of the contract tables referencing `table`."""
    return [(child, fk) for child in CONTRACT_TABLES for fk in child.foreign_keys
            if fk.column.table is table]


def _delete_cascade(conn, table: Table, where) -> None:
    """Delete `table` rows matching `where` and, first, the rows depending on them.

    A NOT NULL reference (a deal's customer) makes the dependent row go too; an optional one
    (a deal's campaign, a case's agent) is cleared instead, as a CRM does when the campaign
    or user is deleted: the deal itself still exists.
    """
    for child, fk in _children(table):
        doomed = fk.parent.in_(select(fk.column).where(where))
        if fk.parent.nullable:
            conn.execute(update(child).where(doomed).values({fk.parent.name: None}))
        else:
            _delete_cascade(conn, child, doomed)
    conn.execute(delete(table).where(where))
