"""Fast bulk-writing helpers for the CSV import (ingest/csv_import.py).

- `parsed_in_child`: parse a big file in a forked child process and stream the row chunks
  back, so parsing (half the work) runs on the second core while this process writes.
- `KeyHashes`: duplicate-key detection within one file at 8 bytes per row (a 64-bit hash per
  key); any hit is then checked exactly in SQL, so a hash collision cannot cause a false error.
- `write_rows`: executemany (SQLite), COPY (PostgreSQL) or a scanned DataFrame (DuckDB,
  ingest/duckdb_io.py) of row tuples into one table.
- `secondary_indexes_dropped`: drop a table's non-unique indexes (and on PostgreSQL its own
  foreign keys) for a bulk load and re-create them from the database's own definitions;
  building an index once is several times cheaper than maintaining it row by row. PostgreSQL
  validates the re-added foreign keys in one pass.

DDL text comes from the database catalog (index and constraint definitions of our own
schema) with identifiers quoted by the dialect; no input reaches it.
"""
from __future__ import annotations

import multiprocessing
import sys
from array import array
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import chain
from operator import itemgetter

import numpy as np
from sqlalchemy import Table, bindparam, or_, text
from sqlalchemy.dialects import sqlite

#: Files at least this big are parsed in a child process (below it, the fork is not worth it).
PARALLEL_MIN_BYTES = 16 << 20


def can_fork() -> bool:
    """fork is the safe, cheap way here: the child needs no re-import and touches no
    connection (it only reads the file and writes to a pipe). Linux only: macOS' default
    spawn would re-import the app, and Windows has no fork."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def parsed_in_child(produce: Callable[[], Iterable[list[tuple]]], keys: KeyHashes) -> Iterator[list[tuple]]:
    """Yield the chunks of `produce()`, run in a forked child that also fills `keys` (a forked
    child hashes strings exactly as its parent); its exceptions are re-raised here.

    The pipe's buffer bounds what is in flight. Closing this generator ends the child.
    """
    ctx = multiprocessing.get_context("fork")
    for stream in (sys.stdout, sys.stderr):  # else the child flushes a copy of pending output
        if stream is not None:
            stream.flush()
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_produce_into, args=(produce, keys, sender), name="csv-parse", daemon=True)
    child.start()
    sender.close()
    try:
        while True:
            try:
                kind, payload = receiver.recv()
            except EOFError:
                raise RuntimeError("the CSV parsing process ended unexpectedly") from None
            if kind == "done":
                keys.hashes.frombytes(payload)
                return
            if kind == "error":
                raise payload
            yield payload
    finally:
        receiver.close()
        if child.is_alive():
            child.terminate()
        child.join()


def _produce_into(produce, keys: KeyHashes, sender) -> None:
    try:
        for chunk in hashed(produce(), keys):
            sender.send(("chunk", chunk))
        sender.send(("done", keys.hashes.tobytes()))
    except BaseException as exc:  # noqa: BLE001 - handed to the parent process
        try:
            sender.send(("error", exc))
        except Exception:  # noqa: BLE001 - an exception that does not pickle
            sender.send(("error", RuntimeError(repr(exc))))
    finally:
        sender.close()


class KeyHashes:
    """Hashes of the primary keys seen in one file, to notice a key given twice."""

    def __init__(self, key_positions: list[int]):
        self.key = itemgetter(*key_positions)  # a value for one position, a tuple for several
        self.hashes = array("q")

    def add(self, chunk: list[tuple]) -> None:
        self.hashes.extend(map(hash, map(self.key, chunk)))

    def maybe_duplicate(self) -> bool:
        if len(self.hashes) < 2:
            return False
        h = np.sort(np.frombuffer(self.hashes, dtype=np.int64))
        return bool(np.any(h[1:] == h[:-1]))


def hashed(chunks: Iterable[list[tuple]], keys: KeyHashes) -> Iterator[list[tuple]]:
    for chunk in chunks:
        keys.add(chunk)
        yield chunk


def upsert(table: Table, stmt):
    """Add ON CONFLICT (pk) DO UPDATE of the non-key columns (DO NOTHING when there are none)."""
    pk = [c.name for c in table.primary_key.columns]
    others = [c.name for c in table.columns if c.name not in pk]
    if not others:
        return stmt.on_conflict_do_nothing(index_elements=pk)
    # Rows that did not change are left alone: re-importing the same file writes nothing.
    changed = or_(*[table.c[c].is_distinct_from(stmt.excluded[c]) for c in others])
    return stmt.on_conflict_do_update(index_elements=pk, set_={c: stmt.excluded[c] for c in others},
                                      where=changed)


#: Rows per INSERT statement on SQLite: one statement for 50 rows costs ~40% less CPU than
#: 50 executions of a one-row statement.
SQLITE_ROWS_PER_STATEMENT = 50


def _sqlite_insert_sql(conn, table: Table, rows: int, as_upsert: bool) -> str:
    """INSERT [... ON CONFLICT ...] with `rows` rows of positional parameters, row-major."""
    names = [[f"r{i}c{j}" for j in range(len(table.columns))] for i in range(rows)]
    values = [{c.name: bindparam(n) for c, n in zip(table.columns, row)} for row in names]
    stmt = sqlite.insert(table).values(values)
    if as_upsert:
        stmt = upsert(table, stmt)
    compiled = stmt.compile(dialect=conn.dialect)
    if list(compiled.positiontup) != [n for row in names for n in row]:
        raise RuntimeError("unexpected parameter order in the compiled INSERT")
    return str(compiled)


def write_rows(conn, table: Table, chunks: Iterable[list[tuple]], as_upsert: bool = False,
               on_chunk: Callable[[int], None] = lambda n: None) -> int:
    """Insert row tuples (all of `table`'s columns, in order) with executemany or COPY.

    `as_upsert` (SQLite only): INSERT ... ON CONFLICT DO UPDATE instead of a plain INSERT.
    """
    raw = conn.connection.driver_connection
    done = 0
    if conn.dialect.name == "duckdb":
        from .duckdb_io import insert_frame, rows_frame
        for chunk in chunks:
            done += insert_frame(conn, table.name, rows_frame(table, chunk))
            on_chunk(done)
        return done
    if conn.dialect.name == "sqlite":
        k, width = SQLITE_ROWS_PER_STATEMENT, len(table.columns)
        one = _sqlite_insert_sql(conn, table, 1, as_upsert)
        many = _sqlite_insert_sql(conn, table, k, as_upsert)
        for chunk in chunks:
            full = len(chunk) - len(chunk) % k
            if full:
                flat = list(chain.from_iterable(chunk[:full]))
                step = k * width
                raw.executemany(many, [flat[i:i + step] for i in range(0, len(flat), step)])
            if full < len(chunk):
                raw.executemany(one, chunk[full:])
            done += len(chunk)
            on_chunk(done)
        return done
    from psycopg import sql as pgsql
    copy = pgsql.SQL("COPY {} ({}) FROM STDIN").format(
        pgsql.Identifier(table.name), pgsql.SQL(", ").join(pgsql.Identifier(c.name) for c in table.columns))
    with raw.cursor() as cur, cur.copy(copy) as pipe:
        for chunk in chunks:
            for row in chunk:
                pipe.write_row(row)
            done += len(chunk)
            on_chunk(done)
    return done


def _quote(conn, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


@contextmanager
def secondary_indexes_dropped(conn, table: Table):
    """Drop the table's non-unique indexes (PostgreSQL: and its foreign keys), re-create after.

    Unique indexes and the primary key stay: they catch duplicate keys during the load.
    On an exception nothing is re-created; the caller rolls back (DDL is transactional).
    """
    if conn.dialect.name == "sqlite":
        indexes = conn.execute(text(
            "SELECT m.name, m.sql FROM sqlite_master AS m JOIN pragma_index_list(:t) AS il "
            "ON il.name = m.name WHERE m.type = 'index' AND m.sql IS NOT NULL AND il.\"unique\" = 0"),
            {"t": table.name}).all()
        foreign_keys = []
    else:
        indexes = conn.execute(text(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index AS i "
            "JOIN pg_class AS c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = CAST(:t AS regclass) AND NOT i.indisunique"), {"t": table.name}).all()
        foreign_keys = conn.execute(text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = CAST(:t AS regclass) AND contype = 'f'"), {"t": table.name}).all()
    tbl = _quote(conn, table.name)
    for name, _ in foreign_keys:
        conn.exec_driver_sql("ALTER TABLE " + tbl + " DROP CONSTRAINT " + _quote(conn, name))
    for name, _ in indexes:
        conn.exec_driver_sql("DROP INDEX " + _quote(conn, name))
    yield
    for _, definition in indexes:
        conn.exec_driver_sql(definition)
    for name, definition in foreign_keys:
        conn.exec_driver_sql("ALTER TABLE " + tbl + " ADD CONSTRAINT " + _quote(conn, name) + " " + definition)
