"""The few SQL expressions that differ between SQLite, PostgreSQL and DuckDB, in one place.

Everything else in `queries/` is plain SQLAlchemy Core that renders the same on all three.
Durations are computed from whole epoch seconds on every database, so the same stored
timestamps give bit-identical day counts (`seconds / 86400.0`).

DuckDB (duckdb-engine renders PostgreSQL's SQL) has its own traps, all avoided here: `Float`
is a 4-byte REAL there (money and ratios use `Double`), `/` between integers divides exactly
(SQLAlchemy's `//` renders FLOOR(a / b), used for the percentile ranks below), and
`EXTRACT(EPOCH ...)` is a DOUBLE with microseconds (epoch seconds use integer microseconds).
"""
from __future__ import annotations

from sqlalchemy import Integer, case, cast, func, literal_column, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement
from sqlalchemy.types import Double

SECONDS_PER_DAY = 86400.0


class epoch_seconds(FunctionElement):
    """Seconds since 1970-01-01 of a naive UTC `DateTime` column, as an integer."""
    type = Integer()
    inherit_cache = True


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element, compiler, **kw):
    (arg,) = list(element.clauses)
    return "CAST(strftime('%%s', %s) AS INTEGER)" % compiler.process(arg, **kw)


@compiles(epoch_seconds, "duckdb")
def _epoch_duckdb(element, compiler, **kw):
    (arg,) = list(element.clauses)
    return "(epoch_us(%s) // 1000000)" % compiler.process(arg, **kw)


@compiles(epoch_seconds)
def _epoch_default(element, compiler, **kw):
    (arg,) = list(element.clauses)
    return "CAST(EXTRACT(EPOCH FROM %s) AS BIGINT)" % compiler.process(arg, **kw)


def seconds_between(start, end) -> ColumnElement:
    """`end − start` in whole seconds (integer arithmetic on both databases)."""
    return epoch_seconds(end) - epoch_seconds(start)


def days_between(start, end) -> ColumnElement:
    """`end − start` in fractional days (METRICS.md §0: seconds / 86,400)."""
    return cast(seconds_between(start, end), Double) / SECONDS_PER_DAY


def hours_between(start, end) -> ColumnElement:
    return cast(seconds_between(start, end), Double) / 3600.0


def as_float(expr) -> ColumnElement:
    return cast(expr, Double)


def stats_select(values, value_col: str = "x", keys=(), percentiles=((1, 2), (3, 4))):
    """n, mean and linear-interpolation percentiles of `values.c[value_col]` per `keys`.

    `values` is a subquery; `percentiles` are (numerator, denominator) fractions, so the rank
    arithmetic stays in integers and renders the same on SQLite and PostgreSQL. The result
    follows numpy's default ("linear"): h = (n − 1)·p, value = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]).
    Result columns: the keys, `n`, `mean`, and `p<num>_<den>` per fraction (e.g. `p1_2`).
    """
    x = values.c[value_col]
    key_cols = [values.c[k] for k in keys]
    ranked = select(
        *key_cols, x.label("x"),
        func.row_number().over(partition_by=key_cols or None, order_by=x).label("rn"),
        func.count().over(partition_by=key_cols or None).label("cnt"),
    ).subquery("ranked")
    rk = [ranked.c[k] for k in keys]
    cols = [*rk, func.count().label("n"), func.avg(ranked.c.x).label("mean")]
    for num, den in percentiles:
        lo = (ranked.c.cnt - 1) * num // den + 1  # 1-based rank of x[⌊h⌋]; integer division
        frac = cast((ranked.c.cnt - 1) * num % den, Double) / float(den)
        x_lo = func.max(case((ranked.c.rn == lo, ranked.c.x)))
        x_hi = func.max(case((ranked.c.rn == lo + 1, ranked.c.x)))
        fr = func.max(frac)
        cols.append((x_lo + fr * (func.coalesce(x_hi, x_lo) - x_lo)).label(f"p{num}_{den}"))
    stmt = select(*cols).select_from(ranked)
    if rk:
        stmt = stmt.group_by(*rk)
    return stmt


def month_label_case(col, buckets) -> ColumnElement:
    """Map a UTC timestamp column to the label of the reporting-time-zone bucket it falls in.

    `buckets` is a sequence of (label, start_utc, end_utc); timestamps outside all buckets map
    to NULL. Bucket edges are computed in Python (zoneinfo), so SQLite, which knows no time
    zones, and PostgreSQL agree exactly, daylight-saving changes included.
    """
    if not buckets:
        return literal_column("NULL")
    whens = [((col >= lo) & (col < hi), label) for label, lo, hi in buckets]
    return case(*whens, else_=None)
