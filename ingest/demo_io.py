"""Fast bulk writers for the demo generator: column batches -> SQLite, PostgreSQL COPY, CSV.

The generator hands over one batch per table as typed numpy columns (`Col`), never Python
rows, so formatting stays vectorised:

- PostgreSQL and CSV: every field becomes a fixed-width byte matrix (0 = padding), the
  matrices and separators are laid side by side and the zero bytes dropped, which yields the
  COPY text / CSV bytes of a whole batch in a few numpy operations.
- SQLite needs Python objects for `executemany`; timestamps go over as integers and are
  turned into SQLAlchemy's storage format ('YYYY-MM-DD HH:MM:SS') by SQLite's `datetime()`.

Statements are composed only from the fixed schema names (queries/schema.py) and constant
SQL snippets; every value is a bound parameter or COPY data.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NULL_TS = np.iinfo(np.int64).min  # "no timestamp" in a `ts` column
_BLOCK = 262_144                  # rows per formatted block (bounds the byte matrices)


@dataclass(frozen=True)
class Col:
    """One column of a batch.

    kind: `id` (int -> prefix + zero-padded number, never null), `ts` (int64 epoch seconds,
    naive UTC; NULL_TS = null), `date` (int64 days since 1970-01-01), `money` (int64 cents,
    < 0 = null), `int` (int64, < 0 = null), `bool`, `cat` (int codes into `vocab`, -1 = null),
    `text` (object array of str / None).
    """
    name: str
    kind: str
    values: np.ndarray
    prefix: str = ""
    width: int = 0
    vocab: tuple = ()
    ids: IdRange | None = None  # for `id` columns repeating a small range of ids


def id_strings(prefix: str, width: int, values) -> list:
    fmt = "%s%0" + str(width) + "d"
    return [fmt % (prefix, v) for v in values.tolist()]


class IdRange:
    """The ids base .. base + n - 1 of one chunk, formatted once and reused by every table
    that refers to them (SQLite needs Python strings; formatting is the costly part)."""

    def __init__(self, prefix: str, width: int, base: int, n: int):
        self.prefix, self.width, self.base, self.n = prefix, width, base, n
        self._strings = None

    def strings(self, values: np.ndarray) -> list:
        if self._strings is None:
            self._strings = np.array(id_strings(self.prefix, self.width, np.arange(self.base, self.base + self.n)),
                                     dtype=object)
        return self._strings[values - self.base].tolist()


# ---------------------------------------------------------------------------- SQLite

def _sqlite_param(col: Col):
    """(placeholder SQL, list of Python values) for one column."""
    v = col.values
    if col.kind == "id":
        return "?", col.ids.strings(v) if col.ids is not None else id_strings(col.prefix, col.width, v)
    if col.kind == "ts":
        obj = v.astype(object)
        obj[v == NULL_TS] = None
        return "datetime(?, 'unixepoch')", obj.tolist()
    if col.kind == "date":
        return "?", np.datetime_as_string(v.astype("datetime64[D]")).tolist()
    if col.kind == "money":
        obj = (v / 100.0).astype(object)
        obj[v < 0] = None
        return "?", obj.tolist()
    if col.kind == "int":
        obj = v.astype(object)
        obj[v < 0] = None
        return "?", obj.tolist()
    if col.kind == "bool":
        return "?", v.astype(np.int64).tolist()
    if col.kind == "cat":
        vocab = np.array(list(col.vocab) + [None], dtype=object)
        return "?", vocab[v].tolist()  # code -1 picks the trailing None
    if col.kind == "text":
        return "?", list(v)
    raise ValueError(col.kind)


def sqlite_insert(dbapi_conn, table: str, cols: list[Col]) -> int:
    """executemany of one batch inside the caller's transaction; returns the row count."""
    if not len(cols[0].values):
        return 0
    parts = [_sqlite_param(c) for c in cols]
    sql = ("INSERT INTO " + table + " (" + ", ".join(c.name for c in cols) + ") VALUES ("
           + ", ".join(p[0] for p in parts) + ")")
    cur = dbapi_conn.cursor()
    cur.executemany(sql, zip(*(p[1] for p in parts)))
    cur.close()
    return len(cols[0].values)


# ----------------------------------------------------------- text formats (COPY / CSV)

@dataclass(frozen=True)
class _Flavor:
    sep: bytes
    null: bytes
    csv: bool


PG_TEXT = _Flavor(b"\t", b"\\N", False)
CSV = _Flavor(b",", b"", True)


def _as_matrix(sarr: np.ndarray) -> np.ndarray:
    n = len(sarr)
    if sarr.dtype.itemsize == 0:
        return np.zeros((n, 0), np.uint8)
    return np.ascontiguousarray(sarr).view(np.uint8).reshape(n, sarr.dtype.itemsize)


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    out = np.empty((len(values), width), np.uint8)
    v = values.astype(np.int64)
    for j in range(width - 1, -1, -1):
        out[:, j] = v % 10 + 48
        v = v // 10
    return out


def _with_nulls(mat: np.ndarray, is_null: np.ndarray, flavor: _Flavor) -> np.ndarray:
    if not is_null.any():
        return mat
    width = max(mat.shape[1], len(flavor.null))
    if width > mat.shape[1]:
        mat = np.hstack([mat, np.zeros((len(mat), width - mat.shape[1]), np.uint8)])
    mat[is_null] = 0
    if flavor.null:
        mat[np.ix_(is_null, np.arange(len(flavor.null)))] = np.frombuffer(flavor.null, np.uint8)
    return mat


def _quote_text(s: str, flavor: _Flavor) -> bytes:
    if flavor.csv:
        return ('"' + s.replace('"', '""') + '"').encode()
    # COPY text format: backslash, tab and line breaks must be escaped
    return (s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r")).encode()


def _vocab_bytes(s: str | None, flavor: _Flavor) -> bytes:
    """One value in the flavour's text form (CSV quotes only where needed)."""
    if s is None:
        return flavor.null
    if flavor.csv and not any(ch in s for ch in ',"\n\r'):
        return s.encode()  # plain CSV values stay unquoted
    return _quote_text(s, flavor)


def _field(col: Col, flavor: _Flavor) -> np.ndarray:
    """A uint8 matrix (rows x width), 0 = padding, for one column in the given flavour."""
    v = col.values
    n = len(v)
    if col.kind == "id":
        pre = np.frombuffer(col.prefix.encode(), np.uint8)
        return np.hstack([np.broadcast_to(pre, (n, len(pre))), _digits(v, col.width)])
    if col.kind == "ts":
        null = v == NULL_TS
        mat = _as_matrix(np.where(null, 0, v).astype("datetime64[s]").astype("S19")).copy()
        if flavor.csv:
            mat = np.hstack([mat, np.full((n, 1), ord("Z"), np.uint8)])
        else:
            mat[:, 10] = ord(" ")
        return _with_nulls(mat, null, flavor)
    if col.kind == "date":
        return _as_matrix(v.astype("datetime64[D]").astype("S10")).copy()
    if col.kind == "money":
        null = v < 0
        cents = np.where(null, 0, v)
        whole = cents // 100
        width = max(1, len(str(int(whole.max()))) if n else 1)
        ip = _digits(whole, width)
        for j in range(width - 1):  # strip leading zeros, keep one digit before the point
            ip[whole < 10 ** (width - 1 - j), j] = 0
        mat = np.hstack([ip, np.full((n, 1), ord("."), np.uint8), _digits(cents % 100, 2)])
        return _with_nulls(mat, null, flavor)
    if col.kind == "int":
        null = v < 0
        return _with_nulls(_as_matrix(np.where(null, 0, v).astype("S20")).copy(), null, flavor)
    if col.kind == "bool":
        words = np.array([b"false", b"true"] if flavor.csv else [b"f", b"t"])
        return _as_matrix(words[v.astype(np.int64)]).copy()
    if col.kind == "cat":
        vocab = np.array([_vocab_bytes(s, flavor) for s in col.vocab] + [flavor.null])
        return _as_matrix(vocab[v]).copy()
    if col.kind == "text":
        arr = np.array([_vocab_bytes(s, flavor) for s in v])
        return _as_matrix(arr).copy()
    raise ValueError(col.kind)


def format_rows(cols: list[Col], flavor: _Flavor):
    """Yield the batch as bytes blocks (rows end with '\\n')."""
    n = len(cols[0].values)
    sep = np.frombuffer(flavor.sep, np.uint8)
    nl = np.frombuffer(b"\n", np.uint8)
    for a in range(0, n, _BLOCK):
        b = min(n, a + _BLOCK)
        parts = []
        for i, c in enumerate(cols):
            if i:
                parts.append(np.broadcast_to(sep, (b - a, 1)))
            parts.append(_field(Col(c.name, c.kind, c.values[a:b], c.prefix, c.width, c.vocab, c.ids), flavor))
        parts.append(np.broadcast_to(nl, (b - a, 1)))
        mat = np.hstack(parts)
        yield mat[mat != 0].tobytes()


def pg_copy(dbapi_conn, table: str, cols: list[Col]) -> int:
    """COPY one batch into `table` inside the caller's transaction; returns the row count."""
    from psycopg import sql
    if not len(cols[0].values):
        return 0
    # FREEZE: the table was truncated in this transaction, so rows can be written frozen
    # (no hint-bit rewrite or anti-wraparound vacuum of millions of rows later)
    stmt = sql.SQL("COPY {} ({}) FROM STDIN WITH (FREEZE)").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(c.name) for c in cols))
    encoding = dbapi_conn.info.encoding  # the blocks are UTF-8; transcode for other clients
    with dbapi_conn.cursor() as cur, cur.copy(stmt) as copy:
        for block in format_rows(cols, PG_TEXT):
            copy.write(block if encoding == "utf-8" else block.decode("utf-8").encode(encoding))
    return len(cols[0].values)


def csv_header(cols: list[Col]) -> bytes:
    return (",".join(c.name for c in cols) + "\n").encode()


def csv_rows(cols: list[Col]):
    return format_rows(cols, CSV)
