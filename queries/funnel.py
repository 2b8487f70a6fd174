"""Pipeline funnel of a deal cohort (METRICS.md §1).

One cohort expression (`deal_progress`) gives, per cohort deal, its furthest pipeline stage and
the time it first reached each stage; the funnel numbers, the breakdowns and the drill-down
lists are all aggregates or filters of that one subquery, so a number and the deals behind it
can never disagree.

Readings where METRICS.md leaves a choice (documented in the issue note too):
- `Lead` is reached by every cohort deal, also under a conversion window ("every deal reached
  the first stage"); its time to reach is 0 when the deal has no history row at all.
- "Earliest entry whose stage is s or later" looks at pipeline stages only (`Lost` is not in
  the order) and at a `Won` row only when the deal's status is won (§0).
"""
from __future__ import annotations

from sqlalchemy import and_, case, func, literal, null, or_, select, union_all

from .access import require_rep_figures
from .dialect import SECONDS_PER_DAY, as_float, epoch_seconds, stats_select
from .filters import Filters, deal_clauses
from .lists import deal_list_columns, page
from .period import Period
from .pipeline import DEFAULT, Pipeline
from .schema import customers, deal_stage_history as h, deals, owners

BREAKDOWNS = {
    "region": customers.c.region, "industry": customers.c.industry,
    "company_size": customers.c.company_size, "country": customers.c.country,
    "team": owners.c.team, "owner_region": owners.c.region, "owner": deals.c.owner_id,
    "source_channel": deals.c.source_channel, "campaign": deals.c.campaign_id,
}
DROP_KINDS = ("dropped", "dropped_lost", "dropped_open")


def cohort_deals(period: Period, filters: Filters, *, by: str | None = None):
    """Deals created in the period that pass the filters (the funnel's cohort), as a subquery."""
    cols = [deals.c.deal_id, deals.c.status, deals.c.amount, deals.c.created_at, deals.c.closed_at]
    frm = deals
    if by is not None:
        key = BREAKDOWNS[by]
        if key.table is customers:
            frm = frm.join(customers, customers.c.customer_id == deals.c.customer_id)
        elif key.table is owners:
            frm = frm.join(owners, owners.c.owner_id == deals.c.owner_id)
        cols.append(func.coalesce(func.nullif(key, ""), "(none)").label("grp"))
    stmt = select(*cols).select_from(frm).where(
        deals.c.created_at >= period.start_utc, deals.c.created_at < period.end_utc,
        *deal_clauses(filters))
    return stmt.subquery("cohort")


def deal_progress(period: Period, filters: Filters, *, pipeline: Pipeline = DEFAULT,
                  window_days: float | None = None, by: str | None = None):
    """Per cohort deal: `furthest` stage rank reached and `reached_<r>` flags per stage rank.

    Also `t_<r>`: seconds from created_at to first reaching stage rank r (NULL if never), and
    `lost_at`/`open_at` flags for the drop-off split. With `window_days`, a stage counts as
    reached only when first reached within that many days of created_at.
    """
    cohort = cohort_deals(period, filters, by=by)
    won_rank = len(pipeline.stages) - 1
    open_rank = pipeline.open_rank_expr(h.c.stage)
    # A Won row counts only when the deal is won (§0); Lost rows are not pipeline stages.
    valid_rank = case((open_rank.is_not(None), open_rank),
                      (and_(h.c.stage == "Won", cohort.c.status == "won"), literal(won_rank)),
                      else_=None)
    hist_cols = [h.c.deal_id, func.max(valid_rank).label("hist_furthest")]
    for r in range(len(pipeline.stages)):
        hist_cols.append(func.min(case((valid_rank >= r, h.c.entered_at), else_=None)).label(f"first_{r}"))
    hist = (select(*hist_cols).select_from(h.join(cohort, cohort.c.deal_id == h.c.deal_id))
            .group_by(h.c.deal_id).subquery("hist"))

    furthest_raw = case((cohort.c.status == "won", literal(won_rank)),
                        else_=func.coalesce(hist.c.hist_furthest, literal(0)))
    created = epoch_seconds(cohort.c.created_at)
    cols = [cohort.c.deal_id, cohort.c.status, cohort.c.amount, furthest_raw.label("furthest_raw")]
    if by is not None:
        cols.append(cohort.c.grp)
    reached_flags = []
    for r in range(len(pipeline.stages)):
        first = hist.c[f"first_{r}"]
        if r == 0:
            t = func.coalesce(epoch_seconds(first) - created, literal(0))
        elif r == won_rank:
            t = case((cohort.c.status == "won",
                      func.coalesce(epoch_seconds(first), epoch_seconds(cohort.c.closed_at)) - created),
                     else_=None)
        else:
            t = case((furthest_raw >= r,
                      func.coalesce(epoch_seconds(first), epoch_seconds(cohort.c.closed_at)) - created),
                     else_=None)
        reached = furthest_raw >= r
        if window_days is not None and r > 0:
            reached = and_(reached, t <= window_days * SECONDS_PER_DAY)
        reached_flags.append(reached)
        cols.append(t.label(f"t_{r}"))
        cols.append(case((reached, 1), else_=0).label(f"reached_{r}"))
    # furthest stage reached (within the window, if any): the number of reached stages − 1
    cols.append((sum(case((f, 1), else_=0) for f in reached_flags) - 1).label("furthest"))
    # A CTE: the aggregate and the time-to-reach statistics read it several times in one
    # statement, and both SQLite (≥ 3.35) and PostgreSQL then compute it once.
    return select(*cols).select_from(cohort.outerjoin(hist, hist.c.deal_id == cohort.c.deal_id)).cte("progress")


def _stage_rows(agg_row, times, pipeline, window_days):
    """Turn one aggregate row (and the time-to-reach stats) into the per-stage dicts of §1."""
    n_stages = len(pipeline.stages)
    stages = []
    first_reached = agg_row[f"reached_{0}"] or 0
    first_amount = agg_row[f"amount_{0}"] or 0.0
    for r, stage in enumerate(pipeline.stages):
        reached = agg_row[f"reached_{r}"] or 0
        amount = float(agg_row[f"amount_{r}"] or 0.0)
        prev = agg_row[f"reached_{r - 1}"] if r else None
        prev_amount = float(agg_row[f"amount_{r - 1}"] or 0.0) if r else None
        last = r == n_stages - 1
        dropped = None if last else reached - (agg_row[f"reached_{r + 1}"] or 0)
        t = times.get(r, {})
        stages.append({
            "stage": stage,
            "reached": reached,
            "reached_amount": amount,
            "step": (reached / prev if prev else None) if r else None,
            "cumulative": reached / first_reached if first_reached else None,
            "step_amount": (amount / prev_amount if prev_amount else None) if r else None,
            "cumulative_amount": amount / first_amount if first_amount else None,
            "dropped": dropped,
            "dropped_lost": None if last or window_days is not None else agg_row[f"lost_{r}"] or 0,
            "dropped_open": None if last or window_days is not None else agg_row[f"open_{r}"] or 0,
            "time_to_reach_median_days": t.get("median"),
            "time_to_reach_mean_days": t.get("mean"),
            "time_to_reach_p75_days": t.get("p75"),
        })
    return stages


def _aggregate(conn, progress, pipeline: Pipeline, grouped: bool):
    cols = [progress.c.grp] if grouped else []
    cols.append(func.count().label("cohort_deals"))
    for r in range(len(pipeline.stages)):
        cols.append(func.sum(progress.c[f"reached_{r}"]).label(f"reached_{r}"))
        cols.append(func.sum(case((progress.c[f"reached_{r}"] == 1, progress.c.amount), else_=0.0)).label(f"amount_{r}"))
        cols.append(func.sum(case((and_(progress.c.status == "lost", progress.c.furthest == r), 1), else_=0)).label(f"lost_{r}"))
        cols.append(func.sum(case((and_(progress.c.status == "open", progress.c.furthest == r), 1), else_=0)).label(f"open_{r}"))
    stmt = select(*cols)
    if grouped:
        stmt = stmt.group_by(progress.c.grp)
    rows = [dict(r._mapping) for r in conn.execute(stmt)]

    parts = [select(*([progress.c.grp] if grouped else []), literal(r).label("r"),
                    (as_float(progress.c[f"t_{r}"]) / SECONDS_PER_DAY).label("x"))
             .where(progress.c[f"reached_{r}"] == 1)
             for r in range(len(pipeline.stages))]
    values = union_all(*parts).subquery("times")
    keys = (["grp"] if grouped else []) + ["r"]
    times: dict = {}
    for row in conn.execute(stats_select(values, "x", keys, percentiles=((1, 2), (3, 4)))):
        m = row._mapping
        times.setdefault(m["grp"] if grouped else None, {})[m["r"]] = {
            "median": m["p1_2"], "mean": m["mean"], "p75": m["p3_4"]}
    return rows, times


def funnel(conn, period: Period, filters: Filters = Filters(), *, pipeline: Pipeline = DEFAULT,
           window_days: float | None = None) -> dict:
    """The funnel of §1: reached, reached_amount, step, cumulative and drop-offs per stage."""
    progress = deal_progress(period, filters, pipeline=pipeline, window_days=window_days)
    rows, times = _aggregate(conn, progress, pipeline, grouped=False)
    row = rows[0]
    return {"cohort_deals": row["cohort_deals"] or 0, "window_days": window_days,
            "stages": _stage_rows(row, times.get(None, {}), pipeline, window_days)}


def funnel_breakdown(conn, period: Period, filters: Filters = Filters(), *, by: str,
                     pipeline: Pipeline = DEFAULT, window_days: float | None = None,
                     top: int | None = 8) -> dict[str, list[dict]]:
    """The funnel per value of a dimension (largest cohorts first, at most `top` groups)."""
    if by not in BREAKDOWNS:
        raise ValueError(f"unknown breakdown {by!r}; one of {', '.join(BREAKDOWNS)}")
    if by == "owner":
        require_rep_figures(filters.access, "the funnel per owner")
    progress = deal_progress(period, filters, pipeline=pipeline, window_days=window_days, by=by)
    rows, times = _aggregate(conn, progress, pipeline, grouped=True)
    rows.sort(key=lambda r: (-(r["cohort_deals"] or 0), str(r["grp"])))
    if top:
        rows = rows[:top]
    return {r["grp"]: _stage_rows(r, times.get(r["grp"], {}), pipeline, window_days) for r in rows}


def _drill_condition(progress, r: int, kind: str, last: bool):
    if kind == "reached":
        return progress.c[f"reached_{r}"] == 1
    if last:
        raise ValueError("Won has no drop-off")
    if kind == "dropped":
        return and_(progress.c[f"reached_{r}"] == 1, progress.c[f"reached_{r + 1}"] == 0)
    status = {"dropped_lost": "lost", "dropped_open": "open"}[kind]
    return and_(progress.c.status == status, progress.c.furthest == r)


def funnel_deals(conn, period: Period, filters: Filters = Filters(), *, stage: str,
                 kind: str = "reached", pipeline: Pipeline = DEFAULT, window_days: float | None = None,
                 limit: int = 100, offset: int = 0, sort=None):
    """The deals behind a funnel number: `(DataFrame, total)` (drill-down of §1)."""
    if stage not in pipeline.stages:
        raise ValueError(f"unknown stage {stage!r}; one of {', '.join(pipeline.stages)}")
    if kind not in ("reached", *DROP_KINDS):
        raise ValueError(f"unknown kind {kind!r}; one of reached, {', '.join(DROP_KINDS)}")
    r = pipeline.stages.index(stage)
    progress = deal_progress(period, filters, pipeline=pipeline, window_days=window_days)
    ids = select(progress.c.deal_id).where(_drill_condition(progress, r, kind, r == len(pipeline.stages) - 1))
    return page(conn, deal_list_columns(), deals.c.deal_id.in_(ids), filters=filters, limit=limit, offset=offset, sort=sort)


def lost_reasons(conn, period: Period, filters: Filters = Filters(), *, stage: str,
                 pipeline: Pipeline = DEFAULT) -> list[dict]:
    """The `dropped_lost` deals of a stage counted by `lost_reason` (most frequent first)."""
    r = pipeline.stages.index(stage)
    progress = deal_progress(period, filters, pipeline=pipeline)
    reason = func.coalesce(func.nullif(deals.c.lost_reason, ""), "(none)")
    stmt = (select(reason.label("lost_reason"), func.count().label("deals"))
            .select_from(deals.join(progress, progress.c.deal_id == deals.c.deal_id))
            .where(progress.c.status == "lost", progress.c.furthest == r)
            .group_by(reason).order_by(func.count().desc(), reason))
    return [dict(row._mapping) for row in conn.execute(stmt)]
