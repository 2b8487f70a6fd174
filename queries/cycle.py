"""Sales-cycle KPIs (METRICS.md §2): win rate, deal size, cycle length, pipeline, velocity,
time in stage, stale deals, forecast, owner leaderboard and their drill-down lists.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import and_, case, func, literal, or_, select, union_all

from .deal_state import open_at, open_deals_at, stage_name_case, valid_history
from .access import require_rep_figures
from .dialect import SECONDS_PER_DAY, as_float, days_between, epoch_seconds, month_label_case, stats_select
from .filters import Filters, deal_clauses
from .lists import deal_list_columns, page
from .period import Period, month_buckets_between, to_local
from .pipeline import DEFAULT, Pipeline
from .schema import deal_stage_history as h, deals, owners
from .targets import target_attainment


def _closed_in(period: Period, filters: Filters):
    return and_(deals.c.closed_at >= period.start_utc, deals.c.closed_at < period.end_utc,
                deals.c.status.in_(("won", "lost")), *deal_clauses(filters))


def _safe_div(a, b):
    return a / b if a is not None and b else None


def closed_deal_stats(conn, period: Period, filters: Filters, *, group=None) -> dict:
    """won_deals, lost_deals, won_revenue, win_rate, avg_deal_size, cycle_days_median/mean,
    per value of the optional `group` column expression (key None when ungrouped)."""
    gcols = [group.label("grp")] if group is not None else []
    counts = (select(*gcols,
                     func.sum(case((deals.c.status == "won", 1), else_=0)).label("won_deals"),
                     func.sum(case((deals.c.status == "lost", 1), else_=0)).label("lost_deals"),
                     func.sum(case((deals.c.status == "won", deals.c.amount), else_=0.0)).label("won_revenue"))
              .where(_closed_in(period, filters)))
    if group is not None:
        counts = counts.group_by(group)
    out: dict = {}
    for row in conn.execute(counts):
        m = row._mapping
        won, lost = m["won_deals"] or 0, m["lost_deals"] or 0
        revenue = float(m["won_revenue"] or 0.0)
        out[m["grp"] if group is not None else None] = {
            "won_deals": won, "lost_deals": lost, "won_revenue": revenue,
            "win_rate": _safe_div(won, won + lost), "avg_deal_size": _safe_div(revenue, won),
            "cycle_days_median": None, "cycle_days_mean": None}
    values = (select(*gcols, days_between(deals.c.created_at, deals.c.closed_at).label("x"))
              .where(_closed_in(period, filters), deals.c.status == "won").subquery("cycle"))
    for row in conn.execute(stats_select(values, "x", ["grp"] if group is not None else [], ((1, 2),))):
        m = row._mapping
        entry = out.get(m["grp"] if group is not None else None)
        if entry is not None and m["n"]:
            entry["cycle_days_median"], entry["cycle_days_mean"] = m["p1_2"], m["mean"]
    if group is None and None not in out:
        out[None] = {"won_deals": 0, "lost_deals": 0, "won_revenue": 0.0, "win_rate": None,
                     "avg_deal_size": None, "cycle_days_median": None, "cycle_days_mean": None}
    return out


def open_pipeline(conn, period: Period, filters: Filters, *, pipeline: Pipeline = DEFAULT,
                  stale_days: int = 30, group_owner: bool = False) -> dict:
    """open_deals, open_pipeline, weighted_pipeline and stale_deals at `to` (§2)."""
    od = open_deals_at(period.end_utc, filters, pipeline=pipeline)
    stale_before = period.end_utc
    stale = epoch_seconds(literal(stale_before, type_=deals.c.created_at.type)) - epoch_seconds(od.c.last_activity) \
        > stale_days * SECONDS_PER_DAY
    gcols = [od.c.owner_id.label("grp")] if group_owner else []
    stmt = select(*gcols, func.count().label("open_deals"),
                  func.coalesce(func.sum(od.c.amount), 0.0).label("open_pipeline"),
                  func.coalesce(func.sum(od.c.amount * pipeline.probability_expr(od.c.stage_rank)), 0.0)
                  .label("weighted_pipeline"),
                  func.sum(case((stale, 1), else_=0)).label("stale_deals"))
    if group_owner:
        stmt = stmt.group_by(od.c.owner_id)
    out = {}
    for row in conn.execute(stmt):
        m = dict(row._mapping)
        m["stale_deals"] = m["stale_deals"] or 0
        m["open_pipeline"], m["weighted_pipeline"] = float(m["open_pipeline"]), float(m["weighted_pipeline"])
        out[m.pop("grp", None)] = m
    return out


def sales_velocity(open_deals, win_rate, avg_deal_size, cycle_days_mean):
    """open_deals × win_rate × avg_deal_size / cycle_days_mean; null when a factor is null or the cycle 0."""
    if None in (open_deals, win_rate, avg_deal_size, cycle_days_mean) or not cycle_days_mean:
        return None
    return open_deals * win_rate * avg_deal_size / cycle_days_mean


def kpis(conn, period: Period, filters: Filters = Filters(), *, pipeline: Pipeline = DEFAULT,
         stale_days: int = 30) -> dict:
    """The §2 KPIs of the period with their METRICS.md names (plus `new_leads`, §2/§3)."""
    from .lifecycle import new_leads  # §3 owns the lifecycle tables
    out = dict(closed_deal_stats(conn, period, filters)[None])
    pipe = open_pipeline(conn, period, filters, pipeline=pipeline, stale_days=stale_days).get(None) or {}
    out.update({"open_deals": pipe.get("open_deals", 0), "open_pipeline": pipe.get("open_pipeline", 0.0),
                "weighted_pipeline": pipe.get("weighted_pipeline", 0.0),
                "stale_deals": pipe.get("stale_deals", 0)})
    out["sales_velocity"] = sales_velocity(out["open_deals"], out["win_rate"], out["avg_deal_size"],
                                           out["cycle_days_mean"])
    out["new_leads"] = new_leads(conn, period, filters)
    return out


def kpi_trend(conn, period: Period, filters: Filters = Filters(), *, pipeline: Pipeline = DEFAULT) -> list[dict]:
    """The closed-deal KPIs and new leads per calendar month of the period (sparklines, trends)."""
    from .lifecycle import new_leads
    out = []
    for label, lo, hi in period.month_buckets():
        sub = Period(max(period.start, date.fromisoformat(label + "-01")),
                     min(period.end, _next_month(label)), period.tz_name)
        row = {"month": label, **closed_deal_stats(conn, sub, filters)[None]}
        row["new_leads"] = new_leads(conn, sub, filters)
        out.append(row)
    return out


def _next_month(label: str) -> date:
    y, m = int(label[:4]), int(label[5:7])
    return date(y + (m == 12), m % 12 + 1, 1)


def time_in_stage(conn, period: Period, filters: Filters = Filters(), *,
                  pipeline: Pipeline = DEFAULT) -> dict:
    """§2 time_in_stage(s) for each open stage: n, mean/median days of finished stays, and the
    entries still in the stage at `to` with their age (mean, median).

    Only real history rows count; the next entry is the following valid row before `to` in tie
    order (entered_at, pipeline rank), else closed_at; an end at or after `to` means still in stage.
    """
    to = period.end_utc
    valid = valid_history(pipeline).where(
        h.c.entered_at < to, deals.c.deal_id.in_(select(deals.c.deal_id).where(*deal_clauses(filters)))
    ).subquery("valid")
    nxt = func.lead(valid.c.entered_at).over(partition_by=valid.c.deal_id,
                                             order_by=(valid.c.entered_at, valid.c.rank))
    seq = select(valid.c.deal_id, valid.c.stage, valid.c.entered_at, nxt.label("next_at")).subquery("seq")
    end = func.coalesce(seq.c.next_at, deals.c.closed_at)
    finished = and_(end.is_not(None), end < to)
    in_period = and_(seq.c.entered_at >= period.start_utc, seq.c.entered_at < to,
                     seq.c.stage.in_(pipeline.open_stages))
    to_lit = literal(to, type_=deals.c.created_at.type)
    base = select(
        seq.c.stage,
        case((finished, 0), else_=1).label("still"),
        case((finished, days_between(seq.c.entered_at, end)),
             else_=days_between(seq.c.entered_at, to_lit)).label("x"),
    ).select_from(seq.join(deals, deals.c.deal_id == seq.c.deal_id)).where(in_period).subquery("stays")
    out = {s: {"n": 0, "mean_days": None, "median_days": None, "still_in_stage": 0,
               "still_in_stage_mean_age_days": None, "still_in_stage_median_age_days": None}
           for s in pipeline.open_stages}
    for row in conn.execute(stats_select(base, "x", ["stage", "still"], ((1, 2),))):
        m = row._mapping
        entry = out[m["stage"]]
        if m["still"]:
            entry.update(still_in_stage=m["n"], still_in_stage_mean_age_days=m["mean"],
                         still_in_stage_median_age_days=m["p1_2"])
        else:
            entry.update(n=m["n"], mean_days=m["mean"], median_days=m["p1_2"])
    return out


def forecast(conn, period: Period, filters: Filters = Filters(), *, pipeline: Pipeline = DEFAULT) -> list[dict]:
    """§2 forecast: deals open at `to` by month of expected_close_at (`none` when empty):
    deals, amount (Σ) and weighted_amount (Σ amount × p(stage at `to`))."""
    od = open_deals_at(period.end_utc, filters, pipeline=pipeline)
    lo, hi = conn.execute(select(func.min(od.c.expected_close_at), func.max(od.c.expected_close_at))).one()
    buckets = []
    if lo is not None:
        tz = period.tz
        buckets = month_buckets_between(to_local(lo, tz).date(), _next_month(to_local(hi, tz).strftime("%Y-%m")), tz)
    month = func.coalesce(month_label_case(od.c.expected_close_at, buckets), literal("none"))
    stmt = (select(month.label("month"), func.count().label("deals"), func.sum(od.c.amount).label("amount"),
                   func.sum(od.c.amount * pipeline.probability_expr(od.c.stage_rank)).label("weighted_amount"))
            .group_by(month))
    rows = [dict(r._mapping) for r in conn.execute(stmt)]
    for r in rows:
        r["amount"], r["weighted_amount"] = float(r["amount"] or 0), float(r["weighted_amount"] or 0)
    return sorted(rows, key=lambda r: (r["month"] == "none", r["month"]))


def cycle_length_histogram(conn, period: Period, filters: Filters = Filters(), *, bin_days: int = 7) -> list[dict]:
    """Won deals closed in the period by cycle length, in bins of `bin_days` days."""
    secs = epoch_seconds(deals.c.closed_at) - epoch_seconds(deals.c.created_at)
    b = (secs // int(bin_days * SECONDS_PER_DAY)).label("b")
    stmt = (select(b, func.count().label("deals")).where(_closed_in(period, filters), deals.c.status == "won")
            .group_by(b).order_by(b))
    return [{"bin_start_days": r.b * bin_days, "bin_end_days": (r.b + 1) * bin_days, "deals": r.deals}
            for r in conn.execute(stmt)]


def owner_leaderboard(conn, period: Period, filters: Filters = Filters(), *, pipeline: Pipeline = DEFAULT) -> list[dict]:
    """Per owner: won_revenue, won_deals, win_rate, avg_deal_size, cycle_days_median, open_pipeline
    and won_revenue target attainment where an `owner:<id>` target exists (§2 leaderboard).
    Refused (AccessDenied) for roles without per-rep figures (HIDE_REP_FIGURES)."""
    require_rep_figures(filters.access, "the owner leaderboard")
    closed = closed_deal_stats(conn, period, filters, group=deals.c.owner_id)
    pipe = open_pipeline(conn, period, filters, pipeline=pipeline, group_owner=True)
    ids = sorted(set(closed) | set(pipe))
    names = {r.owner_id: (r.name, r.team) for r in
             conn.execute(select(owners.c.owner_id, owners.c.name, owners.c.team).where(owners.c.owner_id.in_(ids)))}
    rows = []
    for oid in ids:
        c = closed.get(oid) or {"won_deals": 0, "lost_deals": 0, "won_revenue": 0.0, "win_rate": None,
                                "avg_deal_size": None, "cycle_days_median": None, "cycle_days_mean": None}
        ta = target_attainment(conn, period, Filters(owner=(oid,)), kpi="won_revenue", actual=c["won_revenue"])
        rows.append({"owner_id": oid, "owner_name": names.get(oid, (oid, None))[0],
                     "team": names.get(oid, (None, None))[1], **c,
                     "open_pipeline": (pipe.get(oid) or {}).get("open_pipeline", 0.0),
                     "target": ta["target"], "attainment": ta["attainment"]})
    rows.sort(key=lambda r: (-r["won_revenue"], r["owner_id"]))
    return rows


DEAL_LIST_KINDS = ("won", "lost", "closed", "open", "stale", "created")


def deals_list(conn, period: Period, filters: Filters = Filters(), *, kind: str = "won", month: str | None = None,
               stage: str | None = None, owner: str | None = None, expected_close_month: str | None = None,
               cycle_min_days: float | None = None, cycle_max_days: float | None = None,
               pipeline: Pipeline = DEFAULT, stale_days: int = 30, limit: int = 100, offset: int = 0, sort=None):
    """The deals behind a §2 number (drill-down): `(DataFrame, total)`.

    kind: won/lost/closed (closed in the period, or in `month` of it), open/stale (open at `to`,
    optionally in open `stage` or `expected_close_month`), created (created in the period).
    """
    if kind not in DEAL_LIST_KINDS:
        raise ValueError(f"unknown kind {kind!r}; one of {', '.join(DEAL_LIST_KINDS)}")
    if month is not None:
        start = date.fromisoformat(month + "-01")
        period = Period(max(period.start, start), min(period.end, _next_month(month)), period.tz_name)
    conds = []
    if kind in ("won", "lost", "closed"):
        conds.append(_closed_in(period, filters))
        if kind != "closed":
            conds.append(deals.c.status == kind)
        secs = epoch_seconds(deals.c.closed_at) - epoch_seconds(deals.c.created_at)
        if cycle_min_days is not None:
            conds.append(secs >= cycle_min_days * SECONDS_PER_DAY)
        if cycle_max_days is not None:
            conds.append(secs < cycle_max_days * SECONDS_PER_DAY)
    elif kind == "created":
        conds += [deals.c.created_at >= period.start_utc, deals.c.created_at < period.end_utc, *deal_clauses(filters)]
    else:
        od = open_deals_at(period.end_utc, filters, pipeline=pipeline)
        sel = select(od.c.deal_id)
        if kind == "stale":
            to_lit = literal(period.end_utc, type_=deals.c.created_at.type)
            sel = sel.where(epoch_seconds(to_lit) - epoch_seconds(od.c.last_activity) > stale_days * SECONDS_PER_DAY)
        if stage is not None:
            sel = sel.where(od.c.stage_rank == pipeline.open_stages.index(stage))
        if expected_close_month is not None:
            if expected_close_month == "none":
                sel = sel.where(od.c.expected_close_at.is_(None))
            else:
                start = date.fromisoformat(expected_close_month + "-01")
                (_, lo, hi), = month_buckets_between(start, _next_month(expected_close_month), period.tz)
                sel = sel.where(od.c.expected_close_at >= lo, od.c.expected_close_at < hi)
        conds.append(deals.c.deal_id.in_(sel))
    if owner is not None:
        require_rep_figures(filters.access, "lists per owner")
        conds.append(deals.c.owner_id == owner)
    return page(conn, deal_list_columns(), and_(*conds), filters=filters, limit=limit, offset=offset, sort=sort)
