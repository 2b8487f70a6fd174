"""Bulk writes into DuckDB: a batch becomes a typed pandas DataFrame that DuckDB scans directly.

DuckDB's executemany binds row by row (about a thousand rows a second); registering a frame
and running one `INSERT INTO t (...) SELECT ... FROM frame` moves a 10,000-row batch in tens
of milliseconds. Columns are built with explicit (nullable) dtypes from the schema's column
types, so DuckDB never guesses a type from a sample of Python objects.

The statement goes through the SQLAlchemy connection (so the engine's change counter sees the
write, queries/duckdb_support.py); table and column names come from the fixed schema, quoted
by the dialect, and every value is frame data.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Boolean, Date, DateTime, Float, Integer, Numeric, Table

from .demo_io import NULL_TS, Col, id_strings

_VIEW = "_bulk_batch"


def _column(type_, values) -> pd.api.extensions.ExtensionArray | np.ndarray:
    if isinstance(type_, (DateTime, Date)):
        return pd.array(values, dtype="datetime64[us]")   # datetime/date or None -> NaT -> NULL
    if isinstance(type_, Boolean):
        return pd.array(values, dtype="boolean")
    if isinstance(type_, Integer):
        return pd.array(values, dtype="Int64")
    if isinstance(type_, (Float, Numeric)):
        return pd.array(values, dtype="Float64")
    return pd.array(values, dtype="string")


def rows_frame(table: Table, rows: list[tuple]) -> pd.DataFrame:
    """Row tuples holding all of `table`'s columns in order -> a typed frame."""
    by_column = list(zip(*rows)) if rows else [() for _ in table.columns]
    return pd.DataFrame({c.name: _column(c.type, list(v)) for c, v in zip(table.columns, by_column)})


def _demo_column(col: Col):
    v = col.values
    if col.kind == "id":
        return pd.array(col.ids.strings(v) if col.ids is not None else id_strings(col.prefix, col.width, v),
                        dtype="string")
    if col.kind == "ts":   # NULL_TS is numpy's NaT already; the explicit where keeps that visible
        return np.where(v == NULL_TS, np.datetime64("NaT", "s"), v.astype("datetime64[s]")).astype("datetime64[us]")
    if col.kind == "date":
        return v.astype("datetime64[D]").astype("datetime64[us]")
    if col.kind == "money":
        return pd.arrays.FloatingArray(np.where(v < 0, 0, v) / 100.0, v < 0)
    if col.kind == "int":
        return pd.arrays.IntegerArray(np.where(v < 0, 0, v).astype(np.int64), v < 0)
    if col.kind == "bool":
        return v.astype(bool)
    if col.kind == "cat":
        vocab = np.array(list(col.vocab) + [None], dtype=object)
        return pd.array(vocab[v], dtype="string")  # code -1 picks the trailing None
    if col.kind == "text":
        return pd.array(list(v), dtype="string")
    raise ValueError(col.kind)


def demo_frame(cols: list[Col]) -> pd.DataFrame:
    """A demo generator batch (ingest/demo_io.Col columns) -> a typed frame."""
    return pd.DataFrame({c.name: _demo_column(c) for c in cols})


def insert_frame(conn, table_name: str, frame: pd.DataFrame) -> int:
    """INSERT the frame's rows into `table_name` (same column names) in the caller's transaction."""
    if not len(frame):
        return 0
    quote = conn.dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in frame.columns)
    raw = conn.connection.driver_connection
    raw.register(_VIEW, frame)
    try:
        conn.exec_driver_sql("INSERT INTO " + quote(table_name) + " (" + names + ") SELECT " + names
                             + " FROM " + _VIEW)
    finally:
        raw.unregister(_VIEW)
    return len(frame)
