"""DuckDB's fast path for the CSV import: DuckDB reads the file itself when every value is canonical.

Python parses about 200,000 values-rows a second; DuckDB's own CSV reader is many times faster.
But the contract accepts more than one spelling of a value (decimal commas, German dates,
`ja`/`nein`, padded text, local times in REPORT_TZ, cp1252 files), and the error messages name
file, line and column. So this path takes a file only when it is plainly canonical, and
otherwise steps aside for the Python reader (`load` returns None), which then accepts or
rejects exactly as on SQLite and PostgreSQL:

- UTF-8, comma-separated, every row as wide as the header (DuckDB's strict mode; an error
  there means "not canonical", never a failed import);
- text without surrounding whitespace (Python strips it) and within the column's length;
- numbers as `[+-]digits[.digits]`, whole numbers as `[+-]digits`, within their ranges;
- yes/no as one of the contract's words; dates as `YYYY-MM-DD`;
- timestamps as `YYYY-MM-DDTHH:MM:SSZ` (with REPORT_TZ=UTC also without `Z`, or a plain date);
- the row rules of deals (status vs closed_at) and targets (scope, period) in canonical form.
DuckDB ends a transaction at the first error, so the file is first read once on a private
in-memory DuckDB (outside the import's transaction): only a file that reads cleanly there is
read inside it. The checks are one SQL pass over the file read as text, the conversion (TRY_
functions only, so nothing in it can fail) a second one. The staging table it fills is the one the Python path fills, so the reference checks and the write
(ingest/csv_import.py) are the same. Its line numbers are not kept: when a reference check fails,
the caller loads the file once more through Python for the exact line.

Statements are composed from the schema's fixed names and generated column names (c0, c1, …);
the path, the patterns and the word lists are bound parameters.
"""
from __future__ import annotations

import csv
import sys

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Double,
    Integer,
    String,
    and_,
    cast,
    column,
    false,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
    table,
    text,
    true,
    try_cast,
)

from .csv_parsing import (
    BOOLEANS,
    DEFAULTED,
    INT_RANGES,
    NON_NEGATIVE,
    detect_delimiter,
    plan_columns,
)

_RAW = "_raw_csv"
#: Python's str.strip() removes every character with isspace(); a value edged by one is not canonical.
_WS = "".join(f"\\x{{{i:x}}}" for i in range(sys.maxunicode + 1) if chr(i).isspace())  # an RE2 class body
_EDGE_WS = "^[" + _WS + "]|[" + _WS + "]$"
_NUMBER = r"[+-]?[0-9]{1,20}(\.[0-9]{1,20})?"
_WHOLE = r"[+-]?[0-9]{1,15}"
_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_CLOCK = r"([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
_TRUE_WORDS = sorted(w for w, v in BOOLEANS.items() if v)


def _header(path) -> list[str] | None:
    """The header's names when the file starts like a canonical (UTF-8, comma) file, else None."""
    with open(path, "rb") as f:
        first = f.readline()
    try:
        line = first.decode("utf-8")
    except UnicodeDecodeError:
        return None
    line = line.removeprefix("\ufeff")
    if not line.strip() or detect_delimiter(line) != ",":
        return None
    header = next(csv.reader([line], strict=True))
    return header if header and header[-1].strip() else None  # a trailing separator: Python's way


def _checked(col, raw, table_name: str, tz_is_utc: bool):
    """(is canonical, converted value) for one table column read from text column `raw`."""
    key, t = (table_name, col.name), col.type
    edges_ok = not_(func.regexp_matches(raw, literal(_EDGE_WS)))
    if isinstance(t, DateTime):
        forms = [func.regexp_full_match(raw, literal(_DATE + "T" + _CLOCK + "Z"))]
        if tz_is_utc:
            forms += [func.regexp_full_match(raw, literal(_DATE + "[T ]" + _CLOCK)),
                      func.regexp_full_match(raw, literal(_DATE))]
        text_ts = func.concat(func.substr(raw, 1, 10), literal(" "),
                              func.coalesce(func.nullif(func.substr(raw, 12, 8), literal("")), literal("00:00:00")))
        value = func.try_strptime(text_ts, literal("%Y-%m-%d %H:%M:%S"))
        return and_(or_(*forms), value.is_not(None)), value
    if isinstance(t, Date):
        value = func.try_strptime(raw, literal("%Y-%m-%d"))
        return and_(func.regexp_full_match(raw, literal(_DATE)), value.is_not(None)), cast(value, Date)
    if isinstance(t, Boolean):
        words = list(BOOLEANS)
        return func.lower(raw).in_(words), func.lower(raw).in_(_TRUE_WORDS)
    if isinstance(t, Integer):
        value = try_cast(raw, BigInteger)
        ok = func.regexp_full_match(raw, literal(_WHOLE))
        if key in INT_RANGES:
            ok = and_(ok, value.between(*INT_RANGES[key]))
        return ok, value
    if isinstance(t, Double):
        ok = func.regexp_full_match(raw, literal(_NUMBER))
        if key in NON_NEGATIVE:
            ok = and_(ok, ~raw.startswith("-"))
        return ok, try_cast(raw, Double)
    ok = edges_ok
    if isinstance(t, String) and t.length:
        ok = and_(ok, func.length(raw) <= t.length)
    return ok, raw


def _read_csv(names: list[str]) -> str:
    """DuckDB's reader for a file of these (generated) column names, all text, strict."""
    columns = "{" + ", ".join("'" + n + "': 'VARCHAR'" for n in names) + "}"
    return ("read_csv(:path, header = false, skip = 1, delim = ',', quote = '\"', escape = '\"', "
            "strict_mode = true, auto_detect = false, columns = " + columns + ")")


def _reads_cleanly(path, names: list[str]) -> bool:
    """Whether DuckDB reads the whole file without an error, tried on a private in-memory DuckDB."""
    import duckdb
    probe = duckdb.connect()
    try:
        probe.execute("SELECT count(*), sum(hash(" + ", ".join(names) + ")) FROM "
                      + _read_csv(names).replace(":path", "$path"), {"path": str(path)}).fetchall()
        return True
    except duckdb.Error:
        return False  # not UTF-8, a row of another width, a stray quote: Python's reader says where
    finally:
        probe.close()


def load(conn, tbl, path, display: str, stg, tz) -> int | None:
    """Fill staging table `stg` (tbl's columns + line) from `path` with DuckDB's CSV reader and
    return the row count, or None when the file is not plainly canonical (see the module doc)."""
    header = _header(path)
    if header is None:
        return None
    plan = plan_columns(tbl, header, display, False, tz, lambda c: (lambda v: v))  # raises header errors
    names = ["c" + str(i) for i in range(len(header))]
    if not _reads_cleanly(path, names):
        return None
    conn.execute(text("CREATE TEMPORARY TABLE " + _RAW + " AS SELECT * FROM " + _read_csv(names)),
                 {"path": str(path)})
    raw = table(_RAW, *[column(n) for n in names])
    tz_is_utc = tz.key in ("UTC", "Etc/UTC", "Etc/Universal", "Universal", "Zulu")
    oks, values = [], {}
    for col, src, req in zip(tbl.columns, plan.source, plan.required):
        if src is None:
            values[col.name] = literal(None)
            continue
        v = raw.c[names[src]]
        ok, value = _checked(col, v, tbl.name, tz_is_utc)
        oks.append(or_(v.is_(None), ok) if not req else and_(v.is_not(None), ok))
        values[col.name] = value
    oks += _row_rules(tbl, values)
    # a check that is NULL (a comparison with a value that did not convert) counts as failed
    n, bad = conn.execute(select(func.count(), func.count().filter(
        not_(and_(true(), *[func.coalesce(ok, false()) for ok in oks])))).select_from(raw)).one()
    if not bad:
        if (tbl.name, "scope") in DEFAULTED:
            values["scope"] = func.coalesce(values["scope"], literal("all"))
        conn.execute(insert(stg).from_select([c.name for c in tbl.columns] + ["line"],
                                             select(*values.values(), literal(None)).select_from(raw)))
    conn.execute(text("DROP TABLE " + _RAW))
    return None if bad else n


def _row_rules(tbl, values: dict) -> list:
    """DATA_CONTRACT.md's row rules for deals and targets, on canonical spellings only."""
    if tbl.name == "deals":
        status = values["status"]
        values["status"] = func.lower(status)
        is_open = func.lower(status) == "open"
        return [func.lower(status).in_(["open", "won", "lost"]),
                or_(and_(is_open, values["closed_at"].is_(None)), and_(~is_open, values["closed_at"].is_not(None)))]
    if tbl.name == "targets":
        scope = values["scope"]
        canonical = or_(scope.is_(None), scope == "all",
                        func.regexp_full_match(scope, literal("(region|owner):[^" + _WS + "](?s:.*)")))
        return [canonical, values["period_end"] > values["period_start"]]
    return []
