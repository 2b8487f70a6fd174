"""DuckDB's engine (queries/duckdb_support.py): the change counter without triggers.

The counter's other rules (any committed write bumps it, a rolled-back one does not) are tested
on every engine in test_schema.py; here what only DuckDB needs: writers in several threads of
the one process that owns the file never conflict on the counter's row.
"""
from __future__ import annotations

import threading
import time

from sqlalchemy import insert, text

from queries.db import data_version
from queries.schema import owners


def test_concurrent_writers_all_commit_and_each_bumps_the_counter(fresh_db):
    engine = fresh_db.make("duckdb")
    with engine.connect() as conn:
        before = data_version(conn)
    errors = []

    def write(k):
        for i in range(10):
            try:
                with engine.begin() as conn:
                    conn.execute(insert(owners).values(owner_id=f"o{k}-{i}", name="writer"))
                    time.sleep(0.005)   # keep the transactions overlapping
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(str(exc).splitlines()[0])

    threads = [threading.Thread(target=write, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM owners")).scalar() == 40
            assert data_version(conn) == before + 40
    finally:
        engine.dispose()


def test_only_the_writing_transaction_bumps_not_the_next_one_on_its_connection(fresh_db):
    engine = fresh_db.make("duckdb")
    try:
        with engine.begin() as conn:
            conn.execute(insert(owners).values(owner_id="o1", name="writer"))
        with engine.connect() as conn:
            before = data_version(conn)
        with engine.begin() as conn:   # the pool hands out the same connection again
            conn.execute(text("SELECT count(*) FROM deals")).scalar()
            conn.execute(text("UPDATE users SET disabled = disabled"))   # not a contract table
        with engine.connect() as conn:
            assert data_version(conn) == before
    finally:
        engine.dispose()
