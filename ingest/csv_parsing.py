"""What a valid contract CSV file is (DATA_CONTRACT.md, "General rules"), and its error messages.

Pure file-and-text work, no database: encoding and delimiter detection, the value formats
(numbers with decimal comma, ISO and German timestamps, booleans), the per-table column rules
(required, >= 0, 1..5, deal status vs. closed_at, target scope), and the per-row converter
that is the reference for csv_reader.py's fast path. Rows come out as tuples in the table's
column order (plus the physical line number when asked), ready for bulk insertion.
Timestamps and dates leave through a `store` function the caller derives from the column
type on its dialect, so they are in exactly the form SQLAlchemy itself would write (SQLite
compares timestamps as text, so the format must match to the character).
"""
from __future__ import annotations

import codecs
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Boolean, Column, Date, DateTime, Double, Integer, String, Table

CHUNK_ROWS = 10_000

#: Contract columns that must be >= 0 (DATA_CONTRACT.md: cost, amount, revenue).
NON_NEGATIVE = {("campaigns", "cost"), ("deals", "amount"), ("orders", "revenue"),
                ("experiment_assignments", "revenue")}
INT_RANGES = {("cases", "satisfaction"): (1, 5)}
DEAL_STATUSES = ("open", "won", "lost")
BOOLEANS = {"true": True, "false": False, "1": True, "0": False, "ja": True, "nein": False,
            "yes": True, "no": False, "wahr": True, "falsch": False}
#: Bytes Windows-1252 leaves undefined: a file holding one is neither UTF-8 nor cp1252.
_CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")


class CsvImportError(Exception):
    """An import failed; names the file, the physical line (header = 1), the column, the problem."""

    def __init__(self, file: str, line: int | None, column: str | None, problem: str):
        self.file, self.line, self.column, self.problem = file, line, column, problem
        super().__init__(file, line, column, problem)

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column is not None:
            where += f", column {self.column}"
        return f"{where}: {self.problem}"


class BadValue(ValueError):
    """A single value is malformed; the caller adds file, line and column."""


def quoted(raw: str) -> str:
    return "'" + (raw if len(raw) <= 60 else raw[:57] + "...") + "'"


# --- encoding and delimiter -------------------------------------------------------------------

def detect_encoding(path: Path, name: str) -> str:
    """'utf-8-sig' when the whole file is UTF-8 (BOM optional), else 'cp1252'; else an error."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            try:
                decoder.decode(block)
            except UnicodeDecodeError:
                break
        else:
            try:
                decoder.decode(b"", final=True)
                return "utf-8-sig"
            except UnicodeDecodeError:
                pass
        f.seek(0)
        lines_before = 0
        while block := f.read(1 << 20):
            m = _CP1252_UNDEFINED.search(block)
            if m:
                line = lines_before + block.count(b"\n", 0, m.start()) + 1
                raise CsvImportError(name, line, None, f"byte 0x{m.group()[0]:02X} is neither UTF-8 nor "
                                     "Windows-1252 (cp1252); save the file as UTF-8")
            lines_before += block.count(b"\n")
    return "cp1252"


def detect_delimiter(header_line: str) -> str:
    """`;` when the header holds more semicolons than commas (German Excel), else `,`."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


# --- values -----------------------------------------------------------------------------------

_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\Z")
_GERMAN_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d*),\d+\Z")
# `1.234` / `12.345.678`: a German thousands separator or a decimal point? We refuse to guess.
# A leading 0 (`0.125`) cannot be a thousands group, so that one is a plain decimal.
_THOUSANDS_ONLY = re.compile(r"[+-]?[1-9]\d{0,2}(?:\.\d{3})+\Z")
_GERMAN_TS = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?\Z")
_GERMAN_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})\Z")


def parse_number(raw: str, semicolon_file: bool) -> float:
    if semicolon_file:
        if "," in raw:
            if _GERMAN_NUMBER.match(raw):
                return parse_number(raw.replace(".", "").replace(",", "."), False)
            raise BadValue(f"{quoted(raw)} is not a valid number (expected e.g. 1.234,56)")
        if _THOUSANDS_ONLY.match(raw):
            raise BadValue(f"{quoted(raw)} is ambiguous: a '.' thousands separator or a decimal point? "
                           "Write it with a decimal comma (e.g. 1.234,00 or 1,234)")
    if _PLAIN_NUMBER.match(raw):
        num = float(raw)
        if math.isfinite(num):
            return num
        raise BadValue(f"{quoted(raw)} is too large")
    hint = " (a ','-separated file must use '.' as the decimal point)" if "," in raw else ""
    raise BadValue(f"{quoted(raw)} is not a valid number{hint}")


def parse_local_datetime(raw: str) -> datetime:
    """ISO 8601 (with or without offset) or German DD.MM.YYYY[ HH:MM[:SS]]; may be naive."""
    if raw[1:2] == "." or raw[2:3] == ".":
        m = _GERMAN_TS.match(raw)
        if m:
            d, mo, y, h, mi, s = m.groups()
            try:
                return datetime(int(y), int(mo), int(d), int(h or 0), int(mi), int(s or 0)) if h else \
                    datetime(int(y), int(mo), int(d))
            except ValueError:
                pass
    else:
        try:
            return datetime.fromisoformat(raw)
        except ValueError:
            pass
    kind = "date" if len(raw) <= 10 else "timestamp"
    raise BadValue(f"{quoted(raw)} is not a valid {kind} (expected ISO 8601 like 2026-03-01T14:05:00Z "
                   "or German 01.03.2026 14:05)")


def timestamp_parser(tz: ZoneInfo, store: Callable[[datetime], object]) -> Callable[[str], object]:
    """Raw text -> `store(naive UTC datetime)`, whole seconds (fractions are cut off)."""
    local_is_utc = tz.key in ("UTC", "Etc/UTC", "Etc/Universal", "Universal", "Zulu")
    utc = UTC

    def parse(raw: str) -> object:
        dt = parse_local_datetime(raw)
        try:
            if dt.tzinfo is not None:
                dt = dt.astimezone(utc)
            elif not local_is_utc:
                # fold=0: a wall time that occurs twice (DST end) is read as the first one
                dt = dt.replace(tzinfo=tz).astimezone(utc)
        except (OverflowError, ValueError):
            raise BadValue(f"{quoted(raw)} is out of range") from None
        return store(dt.replace(tzinfo=None, microsecond=0))
    return parse


def parse_date(raw: str) -> date:
    m = _GERMAN_DATE.match(raw)
    try:
        d = date(int(m[3]), int(m[2]), int(m[1])) if m else date.fromisoformat(raw)
        if not m and len(raw) != 10:
            raise ValueError
    except ValueError:
        raise BadValue(f"{quoted(raw)} is not a valid date (expected 2026-03-01 or 01.03.2026)") from None
    return d


def parse_bool(raw: str) -> bool:
    try:
        return BOOLEANS[raw.lower()]
    except KeyError:
        raise BadValue(f"{quoted(raw)} is not a yes/no value (use true/false, 1/0 or ja/nein)") from None


# --- per-table column plan --------------------------------------------------------------------

def _value_parser(table: Table, col, semicolon: bool, tz: ZoneInfo, store: Store) -> Callable[[str], object]:
    key = (table.name, col.name)
    t = col.type
    if isinstance(t, DateTime):
        return timestamp_parser(tz, store(col))
    if isinstance(t, Date):
        to_stored = store(col)
        return lambda raw: to_stored(parse_date(raw))
    if isinstance(t, Boolean):
        return parse_bool
    if isinstance(t, Integer):
        lo, hi = INT_RANGES.get(key, (None, None))

        def parse_int(raw: str) -> int:
            num = parse_number(raw, semicolon)
            if num != int(num):
                raise BadValue(f"{quoted(raw)} is not a whole number")
            if lo is not None and not lo <= num <= hi:
                raise BadValue(f"{quoted(raw)} is outside {lo}..{hi}")
            return int(num)
        return parse_int
    if isinstance(t, Double):
        if key in NON_NEGATIVE:
            def parse_non_negative(raw: str) -> float:
                num = parse_number(raw, semicolon)
                if num < 0:
                    raise BadValue(f"{quoted(raw)} is negative; {col.name} must be >= 0")
                return num
            return parse_non_negative
        return lambda raw: parse_number(raw, semicolon)
    max_len = t.length if isinstance(t, String) else None
    if max_len:
        def parse_text(raw: str) -> str:
            if len(raw) > max_len:
                raise BadValue(f"{quoted(raw)} is longer than {max_len} characters")
            return raw
        return parse_text
    return None  # any text is fine




def _deal_rule(names: list[str]) -> Callable[[list], tuple[str, str] | None]:
    """DATA_CONTRACT.md deals: status open/won/lost; closed_at set exactly when won or lost."""
    i_status, i_closed = names.index("status"), names.index("closed_at")

    def check(out: list) -> tuple[str, str] | None:
        status = out[i_status].lower()
        if status not in DEAL_STATUSES:
            return "status", f"{quoted(out[i_status])} is not a deal status (open, won or lost)"
        out[i_status] = status
        if status == "open" and out[i_closed] is not None:
            return "status", "status is 'open' but closed_at is set (closed_at is only for won or lost deals)"
        if status != "open" and out[i_closed] is None:
            return "closed_at", f"closed_at is required when status is '{status}'"
        return None
    return check


def _target_rule(names: list[str]) -> Callable[[list], tuple[str, str] | None]:
    """DATA_CONTRACT.md targets: scope all | region:<name> | owner:<id> (empty = all)."""
    i, i_start, i_end = names.index("scope"), names.index("period_start"), names.index("period_end")

    def check(out: list) -> tuple[str, str] | None:
        scope = out[i]
        if scope is None or scope.lower() == "all":
            out[i] = "all"
        else:
            prefix, sep, rest = scope.partition(":")
            if not sep or prefix.lower() not in ("region", "owner") or not rest.strip():
                return "scope", f"{quoted(scope)} is not a scope (all, region:<name> or owner:<id>)"
            out[i] = prefix.lower() + ":" + rest.strip()
        if out[i_end] <= out[i_start]:
            return "period_end", "period_end must be after period_start (it is exclusive)"
        return None
    return check


#: column -> function from a parsed datetime/date to the value bound for that column
Store = Callable[[Column], Callable[[object], object]]
ROW_RULES = {"deals": _deal_rule, "targets": _target_rule}
#: Columns that are NOT NULL in the database but may be empty in the CSV (a default applies).
DEFAULTED = {("targets", "scope")}


@dataclass(frozen=True)
class ColumnPlan:
    """How each table column is filled from one file's header."""
    names: list[str]                        # table columns, in table order
    source: list[int | None]                # index in the CSV row, or None when the column is absent
    parsers: list[Callable[[str], object] | None]  # None: text taken as it is
    required: list[bool]


def plan_columns(table: Table, header: list[str], name: str, semicolon: bool, tz: ZoneInfo,
                 store: Store) -> ColumnPlan:
    cleaned = [h.strip().lower() for h in header]
    known = [c.name for c in table.columns]
    if "" in cleaned:
        raise CsvImportError(name, 1, None, f"header column {cleaned.index('') + 1} has no name")
    dupes = sorted({h for h in cleaned if cleaned.count(h) > 1 and h})
    if dupes:
        raise CsvImportError(name, 1, ", ".join(dupes), "column appears more than once in the header")
    unknown = [h for h, c in zip(header, cleaned) if c not in known]
    if unknown and len(unknown) == len(header):
        raise CsvImportError(name, 1, None, "the first line must be the header row naming the columns "
                             f"({', '.join(known)}); found {', '.join(map(quoted, header[:4]))}")
    if unknown:
        raise CsvImportError(name, 1, ", ".join(unknown), "unknown column(s); the columns of "
                             f"{table.name} are {', '.join(known)}")
    required = [not c.nullable and (table.name, c.name) not in DEFAULTED for c in table.columns]
    missing = [c for c, req in zip(known, required) if req and c not in cleaned]
    if missing:
        raise CsvImportError(name, 1, ", ".join(missing), "required column missing from the header")
    return ColumnPlan(
        names=known,
        source=[cleaned.index(c) if c in cleaned else None for c in known],
        parsers=[_value_parser(table, c, semicolon, tz, store) for c in table.columns],
        required=required,
    )


# --- the per-row converter (the reference; csv_reader.py has the fast column-wise twin) ------

def row_rule(table: Table, plan: ColumnPlan):
    return ROW_RULES[table.name](plan.names) if table.name in ROW_RULES else None


def convert_rows(rows: list[list[str]], lines: list[int], plan: ColumnPlan, table: Table, name: str,
                 width: int, with_line: bool) -> list[tuple]:
    """Raw CSV rows and their physical line numbers -> row tuples; raise CsvImportError."""
    steps = list(zip(plan.source, plan.parsers, plan.required, plan.names))
    rule = row_rule(table, plan)
    chunk: list[tuple] = []
    for row, line in zip(rows, lines):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # blank line
        # more values than columns is fine when the extra ones are empty (a trailing separator)
        if len(row) < width or (len(row) > width and any(v.strip() for v in row[width:])):
            raise CsvImportError(name, line, None,
                                 f"has {len(row)} values but the header has {width} columns")
        out = []
        for src, parse, req, col in steps:
            raw = row[src].strip() if src is not None else ""
            if not raw:
                if req:
                    raise CsvImportError(name, line, col, "a value is required")
                out.append(None)
            elif parse is None:
                out.append(raw)
            else:
                try:
                    out.append(parse(raw))
                except BadValue as exc:
                    raise CsvImportError(name, line, col, str(exc)) from None
        if rule is not None:
            problem = rule(out)
            if problem:
                raise CsvImportError(name, line, problem[0], problem[1])
        if with_line:
            out.append(line)
        chunk.append(tuple(out))
    return chunk
