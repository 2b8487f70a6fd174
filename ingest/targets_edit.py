"""Editing the targets table from the admin page: validate edited rows, then upsert and delete.

Rows are dicts {kpi, period_start, period_end, scope, target} as the grid holds them (dates as
ISO text, the target as a number or text). The rules are DATA_CONTRACT.md's for targets.csv:
period_end exclusive and after period_start; scope `all` (empty means all), `region:<name>` or
`owner:<id>`; target a finite number. One transaction: all rows are saved, or none.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from queries.schema import targets

#: Suggestions for the grid (METRICS.md names); other KPI names are accepted as well.
KNOWN_KPIS = ("won_revenue", "won_deals", "win_rate", "avg_deal_size", "new_leads", "cycle_days_median",
              "open_pipeline", "weighted_pipeline", "sales_velocity", "backlog", "resolution_hours_median",
              "first_response_hours_median", "csat")
_KPI = re.compile(r"[a-z][a-z0-9_]{0,63}")
KEY = ("kpi", "period_start", "period_end", "scope")


class TargetError(ValueError):
    """An edited row is invalid; `row` is its position (1-based) in the grid."""

    def __init__(self, row: int, column: str, problem: str):
        super().__init__(f"row {row}, {column}: {problem}")
        self.row, self.column, self.problem = row, column, problem


@dataclass(frozen=True)
class TargetRow:
    kpi: str
    period_start: date
    period_end: date
    scope: str
    target: float

    @property
    def key(self) -> tuple:
        return (self.kpi, self.period_start, self.period_end, self.scope)


def _date(value, row: int, column: str) -> date:
    try:
        return date.fromisoformat(str(value or "").strip()[:10])
    except ValueError:
        raise TargetError(row, column, f"{value!r} is not a date like 2026-01-01") from None


def validate_rows(rows: list[dict]) -> list[TargetRow]:
    """The rows as TargetRow, or TargetError naming the first bad row and column."""
    out, seen = [], {}
    for i, r in enumerate(rows or [], start=1):
        kpi = str(r.get("kpi") or "").strip()
        if not _KPI.fullmatch(kpi):
            raise TargetError(i, "kpi", f"{kpi!r} is not a KPI name (lower-case, e.g. won_revenue)")
        start, end = _date(r.get("period_start"), i, "period_start"), _date(r.get("period_end"), i, "period_end")
        if end <= start:
            raise TargetError(i, "period_end", "must be after period_start (period_end is exclusive)")
        scope = str(r.get("scope") or "").strip() or "all"
        if not (scope == "all" or re.fullmatch(r"(region|owner):.{1,120}", scope)):
            raise TargetError(i, "scope", f"{scope!r} must be all, region:<name> or owner:<id>")
        raw = r.get("target")
        try:
            value = float(str(raw).replace(",", ".")) if isinstance(raw, str) else float(raw)
        except (TypeError, ValueError):
            raise TargetError(i, "target", f"{raw!r} is not a number") from None
        if not math.isfinite(value):
            raise TargetError(i, "target", "must be a finite number")
        row = TargetRow(kpi, start, end, scope, value)
        if row.key in seen:
            raise TargetError(i, "kpi", f"the same kpi, period and scope as row {seen[row.key]}")
        seen[row.key] = i
        out.append(row)
    return out


def load_rows(conn) -> list[dict]:
    """The targets table as grid rows (ISO dates), ordered for reading."""
    stmt = select(targets).order_by(targets.c.kpi, targets.c.scope, targets.c.period_start, targets.c.period_end)
    out = []
    for r in conn.execute(stmt):
        m = dict(r._mapping)
        for k in ("period_start", "period_end"):
            m[k] = m[k].isoformat() if hasattr(m[k], "isoformat") else str(m[k])[:10]
        out.append(m)
    return out


def save_rows(engine, rows: list[dict], *, delete_missing: bool = True) -> dict:
    """Validate `rows` and make the targets table hold exactly them (upsert each; with
    `delete_missing`, delete rows no longer in the grid). Returns {"saved", "deleted"}."""
    valid = validate_rows(rows)
    keep = {r.key for r in valid}
    with engine.begin() as conn:
        ins = (sqlite.insert if conn.dialect.name == "sqlite" else postgresql.insert)(targets)  # DuckDB: as PostgreSQL
        deleted = 0
        if delete_missing:
            existing = conn.execute(select(targets.c.kpi, targets.c.period_start, targets.c.period_end,
                                           targets.c.scope)).all()
            for kpi, start, end, scope in existing:
                if (kpi, start, end, scope) not in keep:
                    conn.execute(delete(targets).where(and_(
                        targets.c.kpi == kpi, targets.c.period_start == start,
                        targets.c.period_end == end, targets.c.scope == scope)))
                    deleted += 1
        for r in valid:
            conn.execute(ins.values(kpi=r.kpi, period_start=r.period_start, period_end=r.period_end, scope=r.scope,
                                    target=r.target)
                         .on_conflict_do_update(index_elements=list(KEY), set_={"target": r.target}))
    return {"saved": len(valid), "deleted": deleted}
