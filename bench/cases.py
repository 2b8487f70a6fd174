"""What `python -m bench` times in-process: every query function behind a chart, attribution,
the CLV fit and the drill-down pages, each with the goal it is held to (issue 7's table).

A case is (name, goal kind, call); `call(conn)` runs the query as the dashboard does (the
default view: the 12 months before the demo's `today`, no filter, or the region filter where
named). Result caches are bypassed: a function decorated with a result cache is called through
its `__wrapped__` original, and the CLV fit's own cache is cleared before each call, so every
timing is of the database work.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from queries import (
    attribution,
    campaigns,
    clv,
    cohorts,
    cycle,
    dimensions,
    experiments,
    funnel,
    lifecycle,
    pareto,
    paths,
    segments,
    service,
)
from queries.db import data_as_of, data_version
from queries.filters import Filters
from queries.period import Period
from queries.pipeline import Pipeline
from queries.schema import campaigns as campaigns_t
from queries.schema import experiments as experiments_t

#: The demo data's "today" (fixed, so every engine holds the same rows) and the period shown.
TODAY = date(2026, 3, 15)
PERIOD_FROM, PERIOD_TO = date(2025, 3, 1), date(2026, 3, 1)

#: Goal kinds and their p50 limits in ms per engine (issue 7; the 1M-deal demo set, warm).
GOALS = {
    "chart": {"sqlite": 100, "postgresql": 100, "duckdb": 50},
    "attribution": {"sqlite": 2000, "postgresql": 2000, "duckdb": 1000},
    "clv_fit": {"sqlite": 5000, "postgresql": 5000, "duckdb": 5000},
    "drill_page": {"sqlite": 10, "postgresql": 10, "duckdb": 10},
    "page_uncached": {"sqlite": 300, "postgresql": 300, "duckdb": 150},
    "page_cached": {"sqlite": 20, "postgresql": 20, "duckdb": 20},
    "rss_mb": {"sqlite": 600, "postgresql": 600, "duckdb": 800},
    "import_s": {"sqlite": 120, "postgresql": 120, "duckdb": 60},
    "info": {},
}


@dataclass(frozen=True)
class Case:
    name: str
    goal: str
    call: Callable


def uncached(fn):
    """The function without a result-cache decorator (functools.wraps keeps the original)."""
    return inspect.unwrap(fn)


def _fit(conn, period, filters):
    clv._cached_fit.cache_clear()
    summary = uncached(clv.rfm_summary)(conn, period, filters)
    return clv.fit_models(summary)


def _predicted(conn, period, filters):
    clv._cached_fit.cache_clear()
    return uncached(clv.predicted_clv)(conn, period, filters)


def _attribute(period, filters, model):
    return lambda c: uncached(attribution.attribute)(c, period, filters, model=model)


def sample_ids(conn) -> dict:
    """Ids the drill-downs open (the same on every engine: the demo data is deterministic)."""
    return {"campaign": conn.execute(select(func.min(campaigns_t.c.campaign_id))).scalar(),
            "experiment": conn.execute(select(func.min(experiments_t.c.experiment_id))).scalar()}


def cases(pipeline: Pipeline, tz_name: str, ids: dict) -> list[Case]:
    p = Period(PERIOD_FROM, PERIOD_TO, tz_name)
    f, dach = Filters(), Filters(region=("DACH",))
    u = uncached
    pl = {"pipeline": pipeline}
    out = [
        Case("data_version", "chart", lambda c: data_version(c)),
        Case("data_as_of", "chart", lambda c: data_as_of(c)),
        Case("filter_options", "chart", lambda c: u(dimensions.filter_options)(c)),
        # overview / sales cycle
        Case("kpis", "chart", lambda c: u(cycle.kpis)(c, p, f, **pl)),
        Case("closed_deal_stats", "chart", lambda c: u(cycle.closed_deal_stats)(c, p, f)),
        Case("kpis (region filter)", "chart", lambda c: u(cycle.kpis)(c, p, dach, **pl)),
        Case("kpi_trend", "chart", lambda c: u(cycle.kpi_trend)(c, p, f, **pl)),
        Case("time_in_stage", "chart", lambda c: u(cycle.time_in_stage)(c, p, f, **pl)),
        Case("forecast", "chart", lambda c: u(cycle.forecast)(c, p, f, **pl)),
        Case("cycle_length_histogram", "chart", lambda c: u(cycle.cycle_length_histogram)(c, p, f)),
        Case("owner_leaderboard", "chart", lambda c: u(cycle.owner_leaderboard)(c, p, f, **pl)),
        # funnel
        Case("funnel", "chart", lambda c: u(funnel.funnel)(c, p, f, **pl)),
        Case("funnel (region filter)", "chart", lambda c: u(funnel.funnel)(c, p, dach, **pl)),
        Case("funnel window 30 d", "chart", lambda c: u(funnel.funnel)(c, p, f, window_days=30, **pl)),
        Case("funnel_breakdown team", "chart", lambda c: u(funnel.funnel_breakdown)(c, p, f, by="team", **pl)),
        Case("lost_reasons", "chart", lambda c: u(funnel.lost_reasons)(c, p, f, stage="Qualified", **pl)),
        # lifecycle
        Case("migration_matrix", "chart", lambda c: u(lifecycle.migration_matrix)(c, p, f)),
        Case("new_leads", "chart", lambda c: u(lifecycle.new_leads)(c, p, f)),
        Case("lead_conversion", "chart", lambda c: u(lifecycle.lead_conversion)(c, p, f)),
        Case("activity_lifecycle", "chart", lambda c: u(lifecycle.activity_lifecycle)(c, p, f)),
        # campaigns, attribution
        Case("campaign_table", "chart", lambda c: u(campaigns.campaign_table)(c, p, f)),
        Case("top_paths", "chart", lambda c: u(paths.top_paths)(c, p, f)),
        Case("transition_matrix", "chart", lambda c: u(paths.transition_matrix)(c, p, f)),
        *[Case(f"attribute {m}", "attribution", _attribute(p, f, m)) for m in attribution.ALL_MODELS],
        Case("attribute_all_models", "attribution", lambda c: u(attribution.attribute_all_models)(c, p, f)),
        # customers
        Case("behaviour_segments", "chart", lambda c: u(segments.behaviour_segments)(c, p, f)),
        Case("segment_breakdown", "chart", lambda c: u(segments.segment_breakdown)(c, p, f)),
        Case("rfm_scores", "chart", lambda c: u(segments.rfm_scores)(c, p, f)),
        Case("pareto", "chart", lambda c: u(pareto.pareto)(c, p, f)),
        Case("cohort_retention", "chart", lambda c: u(cohorts.cohort_retention)(c, p, f)),
        Case("historical_clv", "chart", lambda c: u(clv.historical_clv)(c, p, f)),
        Case("CLV fit (summary + BG/NBD + Gamma-Gamma)", "clv_fit", lambda c: _fit(c, p, f)),
        Case("predicted_clv (with the fit)", "clv_fit", lambda c: _predicted(c, p, f)),
        # experiments, service
        Case("experiment_results", "chart", lambda c: u(experiments.experiment_results)(c, p, f)),
        Case("service_kpis", "chart", lambda c: u(service.service_kpis)(c, p, f)),
        Case("service_trend", "chart", lambda c: u(service.service_trend)(c, p, f)),
        Case("csat_trend", "chart", lambda c: u(service.csat_trend)(c, p, f)),
        Case("service_by priority", "chart", lambda c: u(service.service_by)(c, p, f, by="priority")),
        # drill-down pages of 100 rows
        Case("drill: funnel_deals", "drill_page",
             lambda c: u(funnel.funnel_deals)(c, p, f, stage="Proposal", **pl)),
        Case("drill: deals_list stale", "drill_page", lambda c: u(cycle.deals_list)(c, p, f, kind="stale", **pl)),
        Case("drill: deals_list won, page 3", "drill_page",
             lambda c: u(cycle.deals_list)(c, p, f, kind="won", offset=200, **pl)),
        Case("drill: migration_customers", "drill_page",
             lambda c: u(lifecycle.migration_customers)(c, p, f, from_stage="lead", to_stage="customer")),
        Case("drill: campaign_deals", "drill_page",
             lambda c: u(campaigns.campaign_deals)(c, p, f, campaign_id=ids["campaign"])),
        Case("drill: segment_customers", "drill_page",
             lambda c: u(segments.segment_customers)(c, p, f, segment="loyal")),
        Case("drill: rfm_customers", "drill_page", lambda c: u(segments.rfm_customers)(c, p, f, r=5)),
        Case("drill: experiment_customers", "drill_page",
             lambda c: u(experiments.experiment_customers)(
                 c, p, f, experiment_id=ids["experiment"])),
        Case("drill: cases_list opened", "drill_page", lambda c: u(service.cases_list)(c, p, f, kind="opened")),
    ]
    return out
