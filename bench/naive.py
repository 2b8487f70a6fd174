"""The naive baseline: what typical Dash examples do — read whole tables into pandas, then compute
the metrics there on every callback.

`load` reads `deals` and `deal_stage_history` completely (pd.read_sql), once; each metric below
then works on the frames in memory, which is the best case for this approach (the load is
timed and reported apart). The metrics follow METRICS.md §1/§2 for the unfiltered default view,
and `check` compares them with our query results (a sanity check of both).
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd
from sqlalchemy import select

from queries.period import Period
from queries.pipeline import Pipeline
from queries.schema import deal_stage_history, deals

from .timing import differences

_DAY = 86400.0


def load(engine) -> tuple[dict[str, pd.DataFrame], float]:
    """The two tables as frames (timestamps parsed) and the seconds the reading took."""
    t0 = time.perf_counter()
    with engine.connect() as conn:
        d = pd.read_sql(select(deals), conn)
        h = pd.read_sql(select(deal_stage_history), conn)
    for frame, cols in ((d, ("created_at", "closed_at", "expected_close_at")), (h, ("entered_at",))):
        for c in cols:
            frame[c] = pd.to_datetime(frame[c])
    return {"deals": d, "history": h}, time.perf_counter() - t0


def _days(delta: pd.Series) -> pd.Series:
    return delta.dt.total_seconds() / _DAY


def closed_kpis(t, period: Period, pipeline: Pipeline, d: pd.DataFrame | None = None) -> dict:
    """§2 won/lost deals, won revenue, win rate, average deal size, cycle length median/mean."""
    d = t["deals"] if d is None else d
    closed = d[(d.closed_at >= period.start_utc) & (d.closed_at < period.end_utc)]
    won = closed[closed.status == "won"]
    n_won, n_lost = len(won), int((closed.status == "lost").sum())
    cycle = _days(won.closed_at - won.created_at)
    revenue = float(won.amount.sum())
    return {"won_deals": n_won, "lost_deals": n_lost, "won_revenue": revenue,
            "win_rate": n_won / (n_won + n_lost) if n_won + n_lost else None,
            "avg_deal_size": revenue / n_won if n_won else None,
            "cycle_days_median": float(cycle.median()) if n_won else None,
            "cycle_days_mean": float(cycle.mean()) if n_won else None}


def funnel_reached(t, period: Period, pipeline: Pipeline) -> dict:
    """{stage: {"reached", "reached_amount"}} over the deals created in the period."""
    d, h = t["deals"], t["history"]
    cohort = d[(d.created_at >= period.start_utc) & (d.created_at < period.end_utc)]
    rank = {s: i for i, s in enumerate(pipeline.stages)}
    hh = h[h.deal_id.isin(cohort.deal_id) & h.stage.isin(rank)].merge(cohort[["deal_id", "status"]], on="deal_id")
    hh = hh[(hh.stage != pipeline.stages[-1]) | (hh.status == "won")]  # a Won row counts only when won
    furthest = hh.assign(r=hh.stage.map(rank)).groupby("deal_id").r.max()
    f = cohort.deal_id.map(furthest).fillna(0).to_numpy()
    f = np.where(cohort.status.to_numpy() == "won", len(pipeline.stages) - 1, np.minimum(f, len(pipeline.stages) - 2))
    amount = cohort.amount.to_numpy()
    return {s: {"reached": int((f >= i).sum()), "reached_amount": float(amount[f >= i].sum())}
            for i, s in enumerate(pipeline.stages)}


def time_in_stage(t, period: Period, pipeline: Pipeline) -> dict:
    """{open stage: {"n", "mean_days", "median_days", "still_in_stage"}} (METRICS.md §2)."""
    d, h = t["deals"], t["history"]
    order = {s: i for i, s in enumerate((*pipeline.stages, "Lost"))}
    h = h[h.entered_at < period.end_utc].merge(d[["deal_id", "closed_at"]], on="deal_id")
    h = h.assign(o=h.stage.map(order)).sort_values(["deal_id", "entered_at", "o"])
    nxt = h.groupby("deal_id").entered_at.shift(-1)
    h = h.assign(end=nxt.fillna(h.closed_at))
    h = h[(h.entered_at >= period.start_utc) & h.stage.isin(pipeline.stages[:-1])]
    done = h.end.notna() & (h.end < period.end_utc)
    out = {}
    for s in pipeline.stages[:-1]:
        days = _days(h.end[done & (h.stage == s)] - h.entered_at[done & (h.stage == s)])
        out[s] = {"n": len(days), "mean_days": float(days.mean()) if len(days) else None,
                  "median_days": float(days.median()) if len(days) else None,
                  "still_in_stage": int((~done & (h.stage == s)).sum())}
    return out


def owner_leaderboard(t, period: Period, pipeline: Pipeline) -> dict:
    """Per owner: the closed-deal KPIs and the open pipeline at `to` (the leaderboard without targets)."""
    d = t["deals"]
    is_open = (d.created_at < period.end_utc) & ~(d.closed_at < period.end_utc)
    closed = (d.closed_at >= period.start_utc) & (d.closed_at < period.end_utc)
    pipe = d[is_open].groupby("owner_id").amount.sum()
    out = {}
    for owner, group in d[closed | is_open].groupby("owner_id"):
        out[owner] = {**closed_kpis(t, period, pipeline, group), "open_pipeline": float(pipe.get(owner, 0.0))}
    return out


def cycle_histogram(t, period: Period, pipeline: Pipeline) -> dict:
    d = t["deals"]
    won = d[(d.closed_at >= period.start_utc) & (d.closed_at < period.end_utc) & (d.status == "won")]
    secs = (won.closed_at - won.created_at).dt.total_seconds().astype("int64")
    return {int(b) * 7: int(n) for b, n in (secs // (7 * 86400)).value_counts().sort_index().items()}


#: our case name -> (naive metric, how to cut our result down to the naive one's shape)
METRICS = {
    "closed_deal_stats": (closed_kpis, lambda r: r[None]),
    "funnel": (funnel_reached, lambda r: {s["stage"]: {"reached": s["reached"], "reached_amount": s["reached_amount"]}
                                          for s in r["stages"]}),
    "time_in_stage": (time_in_stage, lambda r: {s: {k: v[k] for k in ("n", "mean_days", "median_days",
                                                                       "still_in_stage")} for s, v in r.items()}),
    "owner_leaderboard": (owner_leaderboard, lambda r: {x["owner_id"]: {k: v for k, v in x.items() if k not in (
        "owner_id", "owner_name", "team", "target", "attainment")} for x in r}),
    "cycle_length_histogram": (cycle_histogram, lambda r: {x["bin_start_days"]: x["deals"] for x in r if x["deals"]}),
}


def check(name: str, ours, naive) -> list[str]:
    """Differences between our result (cut to the naive metric's shape) and the naive one."""
    from .timing import normalize
    return differences(normalize(METRICS[name][1](ours)), normalize(naive), rel=1e-9)
