"""Reading one contract CSV file into typed row chunks, fast.

`read_chunks` streams the file in chunks of raw rows with their physical line numbers. The
per-row converter in csv_parsing.py is the definition of what a valid value is and the one
that words the errors. This module converts a whole chunk column by column with
C-level loops (map, fromisoformat, float) and must give exactly the same values; on
anything unusual in a chunk (a bad or empty required value, a mixed date format, a short
row, a blank line) it gives up with `Fallback` and the per-row converter redoes the chunk.
"""
from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from itertools import islice
from operator import attrgetter
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Boolean, Date, DateTime, Double, Integer, String, Table

from .csv_parsing import (
    BOOLEANS,
    CHUNK_ROWS,
    DEAL_STATUSES,
    NON_NEGATIVE,
    ColumnPlan,
    CsvImportError,
    Store,
    convert_rows,
    detect_delimiter,
    detect_encoding,
    plan_columns,
    row_rule,
)

_PLAIN = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\Z")
# ';' files: German number with comma, or a plain one that is not `1.234`-ambiguous
_SEMI = re.compile(r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d*),\d+\Z"
                   r"|(?![+-]?[1-9]\d{0,2}(?:\.\d{3})+\Z)[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\Z")
_GERMAN_FIXED = re.compile(r"\d\d\.\d\d\.\d{4}(?: \d\d:\d\d(?::\d\d)?)?\Z")
# Already UTC, whole seconds: 2026-03-01T14:05:00Z / +00:00 (any reporting zone) ...
_ISO_UTC = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:Z|\+00:00)\Z")
# ... or without an offset when the reporting zone is UTC
_ISO_NAIVE = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d\Z")
_SAMPLE = datetime(2001, 2, 3, 4, 5, 6)
_MICRO = attrgetter("microsecond")


class Fallback(Exception):
    """This chunk needs the per-row converter."""


def _numbers(semicolon: bool, non_negative: bool) -> Callable[[list[str]], list]:
    def convert(vals: list[str]) -> list:
        if semicolon:
            if not all(map(_SEMI.match, vals)):
                raise Fallback
            nums = [float(v.replace(".", "").replace(",", ".")) if "," in v else float(v) for v in vals]
        else:
            if not all(map(_PLAIN.match, vals)):
                raise Fallback
            nums = list(map(float, vals))
        if not all(map(math.isfinite, nums)) or (non_negative and nums and min(nums) < 0):
            raise Fallback
        return nums
    return convert


def _timestamps(tz, store) -> Callable[[list[str]], list]:
    local_is_utc = tz.key in ("UTC", "Etc/UTC", "Etc/Universal", "Universal", "Zulu")
    # When the stored form is ISO text, a UTC value in whole seconds is its own stored form
    # up to the 'T': no datetime arithmetic needed (fromisoformat still checks it is a date).
    iso_text = store(_SAMPLE) == "2001-02-03 04:05:06"
    utc_shape = re.compile(_ISO_UTC.pattern + "|" + _ISO_NAIVE.pattern) if local_is_utc else _ISO_UTC

    def convert(vals: list[str]) -> list:
        try:
            dts = list(map(datetime.fromisoformat, vals))
            if iso_text and all(map(utc_shape.match, vals)):
                return [v[:10] + " " + v[11:19] for v in vals]
        except ValueError:
            if not all(map(_GERMAN_FIXED.match, vals)):
                raise Fallback from None
            try:
                dts = [datetime.fromisoformat(v[6:10] + "-" + v[3:5] + "-" + v[:2] + v[10:]) for v in vals]
            except ValueError:
                raise Fallback from None
        try:
            if local_is_utc:
                dts = [d if d.tzinfo is None else d.astimezone(UTC).replace(tzinfo=None) for d in dts]
            else:
                # fold=0 as in csv_parsing.timestamp_parser
                dts = [(d.replace(tzinfo=tz) if d.tzinfo is None else d).astimezone(UTC).replace(tzinfo=None)
                       for d in dts]
        except (OverflowError, ValueError):
            raise Fallback from None
        if any(map(_MICRO, dts)):
            dts = [d.replace(microsecond=0) for d in dts]
        return list(map(store, dts))
    return convert


def _per_value(parse: Callable[[str], object]) -> Callable[[list[str]], list]:
    def convert(vals: list[str]) -> list:
        try:
            return list(map(parse, vals))
        except ValueError:  # BadValue is a ValueError
            raise Fallback from None
    return convert


def _bools(vals: list[str]) -> list:
    try:
        return list(map(BOOLEANS.__getitem__, map(str.lower, vals)))
    except KeyError:
        raise Fallback from None


def _text(max_len: int | None) -> Callable[[list[str]], list] | None:
    if not max_len:
        return None

    def check(vals: list[str]) -> list:
        if vals and max(map(len, vals)) > max_len:
            raise Fallback
        return vals
    return check


def column_converters(table: Table, plan: ColumnPlan, semicolon: bool, tz, store) -> list:
    """One list -> list converter per table column (None: text as it is)."""
    out = []
    for col, parse in zip(table.columns, plan.parsers):
        t = col.type
        if isinstance(t, DateTime):
            out.append(_timestamps(tz, store(col)))
        elif isinstance(t, Boolean):
            out.append(_bools)
        elif isinstance(t, (Date, Integer)):
            out.append(_per_value(parse))
        elif isinstance(t, Double):
            out.append(_numbers(semicolon, (table.name, col.name) in NON_NEGATIVE))
        else:
            out.append(_text(t.length if isinstance(t, String) else None))
    return out


def _deal_rule(names: list[str]) -> Callable[[list[list]], None]:
    """Columnar twin of csv_parsing._deal_rule (status lower-cased, closed_at iff won/lost)."""
    i_status, i_closed = names.index("status"), names.index("closed_at")

    def check(cols: list[list]) -> None:
        status = list(map(str.lower, cols[i_status]))
        if not set(status) <= set(DEAL_STATUSES):
            raise Fallback
        if any((s == "open") != (c is None) for s, c in zip(status, cols[i_closed])):
            raise Fallback
        cols[i_status] = status
    return check


COLUMN_RULES = {"deals": _deal_rule}


def chunk_converter(table: Table, plan: ColumnPlan, semicolon: bool, tz, store, width: int,
                    with_line: bool, row_rule) -> Callable[[list[list[str]], list[int]], list[tuple]]:
    """rows (lists of raw strings), their lines -> row tuples; raises Fallback."""
    converters = column_converters(table, plan, semicolon, tz, store)
    steps = list(zip(plan.source, converters, plan.required))
    column_rule = COLUMN_RULES[table.name](plan.names) if table.name in COLUMN_RULES else None

    def convert(rows: list[list[str]], lines: list[int]) -> list[tuple]:
        n = len(rows)
        if set(map(len, rows)) != {width}:  # short/long rows, blank lines
            raise Fallback
        raw_cols = list(zip(*rows))
        cols = []
        for src, conv, required in steps:
            if src is None:
                cols.append([None] * n)
                continue
            vals = list(map(str.strip, raw_cols[src]))
            if "" not in vals:
                cols.append(conv(vals) if conv else vals)
            elif required:
                raise Fallback
            elif conv is None:
                cols.append([v or None for v in vals])
            else:
                filled = [i for i, v in enumerate(vals) if v]
                col = [None] * n
                for i, value in zip(filled, conv([vals[i] for i in filled])):
                    col[i] = value
                cols.append(col)
        if column_rule is not None:
            column_rule(cols)
        if with_line:
            cols.append(lines)
        if row_rule is not None and column_rule is None:
            out = []
            for row in zip(*cols):
                row = list(row)
                if row_rule(row):
                    raise Fallback
                out.append(tuple(row))
            return out
        return list(zip(*cols))
    return convert


def read_chunks(path: Path, table: Table, *, name: str, tz: ZoneInfo, store: Store,
                with_line: bool = True, chunk_rows: int = CHUNK_ROWS) -> Iterator[list[tuple]]:
    """Yield lists of row tuples (table columns...[, line]) for one CSV file; raise CsvImportError.

    `store(column)` gives the function turning a parsed naive-UTC datetime or a date into the
    value to bind for that column.
    """
    encoding = detect_encoding(path, name)
    with open(path, encoding=encoding, newline="") as f:
        header_line = f.readline()
        if not header_line.strip():
            raise CsvImportError(name, 1, None, "the file is empty; a header row is required")
        delimiter = detect_delimiter(header_line)
        try:
            header = next(csv.reader([header_line], delimiter=delimiter, strict=True))
        except csv.Error as exc:
            raise CsvImportError(name, 1, None, f"malformed header row ({exc})") from None
        while header and not header[-1].strip():
            header.pop()  # a trailing separator: its (empty) values are allowed and ignored
        semicolon, width = delimiter == ";", len(header)
        plan = plan_columns(table, header, name, semicolon, tz, store)
        fast = chunk_converter(table, plan, semicolon, tz, store, width, with_line, row_rule(table, plan))
        for rows, lines in _raw_chunks(csv.reader(f, delimiter=delimiter, strict=True), name, chunk_rows):
            try:
                chunk = fast(rows, lines)
            except Fallback:
                chunk = convert_rows(rows, lines, plan, table, name, width, with_line)
            if chunk:
                yield chunk


def _raw_chunks(reader, name: str, chunk_rows: int) -> Iterator[tuple[list, list[int]]]:
    """Lists of raw rows and the physical line each starts on (header = line 1)."""
    consumed = 0  # lines the reader has consumed; the header was read before it
    while True:
        try:
            rows = list(islice(reader, chunk_rows))
        except csv.Error as exc:
            raise CsvImportError(name, reader.line_num + 1, None,
                                 f"malformed CSV ({exc}); check the quotes") from None
        if not rows:
            return
        start = consumed + 2
        if reader.line_num - consumed == len(rows):  # one line per record: the common case
            lines = list(range(start, start + len(rows)))
        else:  # quoted line breaks inside fields (or blank lines): count them
            lines = []
            for row in rows:
                lines.append(start)
                start += 1 + sum(f.count("\n") + f.count("\r") - f.count("\r\n") for f in row)
        consumed = reader.line_num
        yield rows, lines
