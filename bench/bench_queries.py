"""Time every query function behind the dashboard on a database (not a test).

    DATABASE_URL=sqlite:////tmp/big.db python -m bench.bench_queries [--repeat 5] [--from 2025-01-01 --to 2026-01-01]

Prints p50 / p95 per query in milliseconds (warm: one untimed run first). Fill the database
first, e.g. `DATABASE_URL=… python app.py demo --deals 1000000`.
"""
from __future__ import annotations

import argparse
import statistics
import time
from datetime import date

from queries import campaigns, cycle, funnel, lifecycle
from queries.db import data_as_of, data_version, make_engine
from queries.filters import Filters
from queries.period import Period
from queries.pipeline import Pipeline
from settings import load_settings


def query_table(period: Period, pipeline: Pipeline):
    f, dach = Filters(), Filters(region=("DACH",))
    return [
        ("data_version", lambda c: data_version(c)),
        ("data_as_of", lambda c: data_as_of(c)),
        ("funnel", lambda c: funnel.funnel(c, period, f, pipeline=pipeline)),
        ("funnel (region filter)", lambda c: funnel.funnel(c, period, dach, pipeline=pipeline)),
        ("funnel window 30 d", lambda c: funnel.funnel(c, period, f, pipeline=pipeline, window_days=30)),
        ("funnel_breakdown team", lambda c: funnel.funnel_breakdown(c, period, f, by="team", pipeline=pipeline)),
        ("funnel_deals page", lambda c: funnel.funnel_deals(c, period, f, stage="Proposal", pipeline=pipeline)),
        ("lost_reasons", lambda c: funnel.lost_reasons(c, period, f, stage="Qualified", pipeline=pipeline)),
        ("kpis", lambda c: cycle.kpis(c, period, f, pipeline=pipeline)),
        ("kpi_trend", lambda c: cycle.kpi_trend(c, period, f, pipeline=pipeline)),
        ("time_in_stage", lambda c: cycle.time_in_stage(c, period, f, pipeline=pipeline)),
        ("forecast", lambda c: cycle.forecast(c, period, f, pipeline=pipeline)),
        ("cycle_length_histogram", lambda c: cycle.cycle_length_histogram(c, period, f)),
        ("owner_leaderboard", lambda c: cycle.owner_leaderboard(c, period, f, pipeline=pipeline)),
        ("deals_list stale page", lambda c: cycle.deals_list(c, period, f, kind="stale", pipeline=pipeline)),
        ("migration_matrix", lambda c: lifecycle.migration_matrix(c, period, f)),
        ("lead_conversion", lambda c: lifecycle.lead_conversion(c, period, f)),
        ("activity_lifecycle", lambda c: lifecycle.activity_lifecycle(c, period, f)),
        ("campaign_table", lambda c: campaigns.campaign_table(c, period, f)),
    ]


def run(url: str, period: Period, repeat: int, only: str | None = None):
    engine = make_engine(url)
    pipeline = Pipeline.from_settings(load_settings())
    rows = []
    with engine.connect() as conn:
        for name, fn in query_table(period, pipeline):
            if only and only not in name:
                continue
            fn(conn)  # warm
            times = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                fn(conn)
                times.append((time.perf_counter() - t0) * 1000)
            times.sort()
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
            rows.append((name, statistics.median(times), p95))
            print(f"{name:<28} p50 {statistics.median(times):9.1f} ms   p95 {p95:9.1f} ms", flush=True)
    return rows


def main():
    settings = load_settings()
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--from", dest="start", default=None, help="period start (default: 12 months before today)")
    ap.add_argument("--to", dest="end", default=None)
    ap.add_argument("--only", default=None, help="only queries whose name contains this")
    a = ap.parse_args()
    today = date.today()
    start = date.fromisoformat(a.start) if a.start else date(today.year - 1, today.month, 1)
    end = date.fromisoformat(a.end) if a.end else date(today.year, today.month, 1)
    print(f"database: {settings.database_url.split('@')[-1]}   period [{start}, {end})   repeat {a.repeat}")
    run(settings.database_url, Period(start, end, settings.report_tz), a.repeat, a.only)


if __name__ == "__main__":
    main()
