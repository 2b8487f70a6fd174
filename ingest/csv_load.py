"""Fast bulk-writing helpers for the CSV import (ingest/csv_import.py).

- `prefetch`: parse the next chunks in a background thread while this one writes (SQLite's
  sqlite3_step and psycopg's socket I/O release the GIL, so both cores work).
- `KeyHashes`: duplicate-key detection within one file at 8 bytes per row (a 64-bit hash per
  key); any hit is then checked exactly in SQL, so a hash collision cannot cause a false error.
- `write_rows`: executemany (SQLite) or COPY (PostgreSQL) of row tuples into one table.
- `secondary_indexes_dropped`: drop a table's non-unique indexes (and on PostgreSQL its own
  foreign keys) for a bulk load and re-create them from the database's own definitions;
  building an index once is several times cheaper than maintaining it row by row. PostgreSQL
  validates the re-added foreign keys in one pass.

DDL text comes from the database catalog (index and constraint definitions of our own
schema) with identifiers quoted by the dialect; no input reaches it.
"""
from __future__ import annotations

import queue
import threading
from array import array
from contextlib import contextmanager
from operator import itemgetter
from typing import Callable, Iterable, Iterator

import numpy as np
from sqlalchemy import Table, insert, text

_DONE = object()


def prefetch(chunks: Iterator, depth: int = 3) -> Iterator:
    """Iterate `chunks` produced by a background thread, at most `depth` ahead.

    Exceptions of the producer are re-raised here; closing this generator stops the producer.
    """
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce():
        try:
            for item in chunks:
                if not put(item):
                    return
            put(_DONE)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer thread
            put(exc)
        finally:
            close = getattr(chunks, "close", None)
            if close:
                close()

    worker = threading.Thread(target=produce, name="csv-parse", daemon=True)
    worker.start()
    try:
        while True:
            item = q.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join()


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


def write_rows(conn, table: Table, chunks: Iterable[list[tuple]], statement=None,
               on_chunk: Callable[[int], None] = lambda n: None) -> int:
    """Insert row tuples (all of `table`'s columns, in order) with executemany or COPY.

    `statement` (SQLite only) replaces the plain INSERT, e.g. an ON CONFLICT upsert.
    """
    raw = conn.connection.driver_connection
    done = 0
    if conn.dialect.name == "sqlite":
        sql = str((statement if statement is not None else insert(table)).compile(dialect=conn.dialect))
        for chunk in chunks:
            raw.executemany(sql, chunk)
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
