"""One benchmark command: every query, the pages over HTTP, the import, per engine, against the goals.

    python -m bench                                   # 20,000 deals, every engine available
    python -m bench --engines sqlite,duckdb --deals 1000000 --repeat 5

For each engine the demo set of --deals deals is generated once (kept in --workdir, or the
PostgreSQL database sales_bench_<N>, and regenerated when missing or of another size). Then:
1. every query function behind a chart, attribution per model, the CLV fit and the drill-down
   pages (bench/cases.py), warm (one untimed call first), result caches bypassed: p50 / p95;
2. the naive baseline (bench/naive.py): the same metrics in pandas on whole tables read into
   memory, timed the same way, and checked against our results;
3. every page after a filter change end to end over HTTP, uncached and cached, and the app
   worker's peak RSS (bench/pages.py);
4. the import of the same set as CSV files into an empty database (bench/datasets.py).
Finally the results of every query are compared across engines (counts exactly, other numbers
to 1e-9 relative, METRICS.md §0) and a Markdown table is printed: what | engine | p50 | p95 |
goal | ok/miss | naive pandas p50 | ratio. The goals are issue 7's, set for the 1M-deal set.
Not a test: it prints numbers (and `--markdown FILE` writes the table to a file as well).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import sys
import time
from pathlib import Path

from queries.db import make_engine
from queries.period import Period
from queries.pipeline import Pipeline
from settings import load_settings

from . import naive
from .cases import GOALS, PERIOD_FROM, PERIOD_TO, cases, sample_ids
from .datasets import ENGINES, available, ensure_demo, time_import
from .pages import bench_pages
from .timing import compare, time_call

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
NOT_COMPARED = {"data_version"}  # each engine's own change counter


def _num(v) -> str:
    if v is None:
        return ""
    return f"{v:,.1f}" if v < 100 else f"{v:,.0f}"


class Row:
    def __init__(self, what, engine, p50, p95=None, goal_kind="info", naive_p50=None, unit="ms"):
        self.what, self.engine, self.p50, self.p95, self.goal_kind = what, engine, p50, p95, goal_kind
        self.goal = GOALS[goal_kind].get(engine)
        self.naive_p50, self.unit = naive_p50, unit

    def as_json(self) -> dict:
        return {"what": self.what, "engine": self.engine, "p50": self.p50, "p95": self.p95,
                "goal_kind": self.goal_kind, "naive_p50": self.naive_p50, "unit": self.unit}

    def cell(self) -> str:
        """One engine's figure for the wide table: p50 (p95), miss, pandas p50 and the ratio."""
        text = f"{_num(self.p50)}" + (f" ({_num(self.p95)})" if self.p95 is not None else "")
        if self.goal is not None and self.p50 > self.goal:
            text += " **miss**"
        if self.naive_p50:
            text += f"; pandas {_num(self.naive_p50)}, ×{self.p50 / self.naive_p50:.2f}"
        return text

    def cells(self) -> list[str]:
        num = _num
        ok = "" if self.goal is None else ("ok" if self.p50 <= self.goal else "**miss**")
        ratio = f"{self.p50 / self.naive_p50:.2f}" if self.naive_p50 else ""
        goal = "" if self.goal is None else f"≤ {self.goal:,} {self.unit}"
        return [self.what, self.engine, f"{num(self.p50)} {self.unit}", num(self.p95), goal, ok,
                num(self.naive_p50), ratio]


def wide_table(rows: list[Row]) -> list[str]:
    """One line per measurement, one column per engine: p50 (p95) in ms unless the name says
    otherwise, **miss** where the p50 misses its goal, the naive pandas p50 and our ratio to it."""
    engines = [e for e in ENGINES if any(r.engine == e for r in rows)]
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL", "duckdb": "DuckDB"}
    by_what: dict[str, dict[str, Row]] = {}
    for r in rows:
        by_what.setdefault(r.what, {})[r.engine] = r
    out = ["| what | goal (" + " / ".join(names[e] for e in engines) + ") | "
           + " | ".join(names[e] for e in engines) + " |", "|---" * (2 + len(engines)) + "|"]
    for what, per in by_what.items():
        first = next(iter(per.values()))
        goals = [GOALS[first.goal_kind].get(e) for e in engines]
        goal = "" if all(g is None for g in goals) else " / ".join(f"{g:,}" for g in goals) + f" {first.unit}"
        unit = "" if first.unit == "ms" else f" [{first.unit}]"
        out.append(f"| {what}{unit} | {goal} | " + " | ".join(per[e].cell() if e in per else "" for e in engines)
                   + " |")
    return out


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next((int(line.split()[1]) // 1024 // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0)
    versions = [f"Python {platform.python_version()}", f"SQLite {sqlite3.sqlite_version}"]
    try:
        import duckdb
        versions.append(f"DuckDB {duckdb.__version__}")
    except ImportError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, {mem} GiB RAM; " + ", ".join(versions)


def run_engine(kind, args, settings, pipeline, rows, reference, mismatches):
    url, gen_s = ensure_demo(kind, args.deals, args.workdir, args.pg_url)
    if gen_s is not None:
        rows.append(Row(f"demo generation ({args.deals:,} deals)", kind, gen_s, unit="s"))
    engine = make_engine(url)
    if kind == "postgresql":
        with engine.connect() as conn:
            print(f"PostgreSQL {conn.exec_driver_sql('SHOW server_version').scalar()}", file=sys.stderr)
    period = Period(PERIOD_FROM, PERIOD_TO, settings.report_tz)
    tables = None
    if "naive" not in args.skip and "queries" not in args.skip:
        tables, load_s = naive.load(engine)
        rows.append(Row("naive: read deals + history into pandas", kind, load_s * 1000))
    with engine.connect() as conn:
        ids = sample_ids(conn)
        for case in cases(pipeline, settings.report_tz, ids):
            if "queries" in args.skip or (args.only and args.only not in case.name):
                continue
            t = time_call(lambda case=case: case.call(conn), args.repeat)
            naive_p50 = None
            if tables is not None and case.name in naive.METRICS:
                fn = naive.METRICS[case.name][0]
                nt = time_call(lambda fn=fn: fn(tables, period, pipeline), args.repeat)
                naive_p50 = nt.p50_ms
                for d in naive.check(case.name, t.result, nt.result):
                    mismatches.append(f"naive vs {kind}: {case.name}: {d}")
            rows.append(Row(case.name, kind, t.p50_ms, t.p95_ms, case.goal, naive_p50))
            print(f"  {kind:<10} {case.name:<42} p50 {t.p50_ms:9.1f} ms  p95 {t.p95_ms:9.1f} ms", file=sys.stderr,
                  flush=True)
            if case.name in NOT_COMPARED:
                continue
            if case.name not in reference:
                reference[case.name] = (kind, t.result)
            else:
                first, result = reference[case.name]
                mismatches += [f"{first} vs {kind}: {case.name}: {d}" for d in compare(result, t.result)]
    engine.dispose()   # DuckDB: the app below must be able to open the file
    tables = None      # frees the naive baseline's frames before the app starts
    if "pages" not in args.skip:
        pages = bench_pages(url, args.repeat, args.workdir / f"app-{kind}.log")
        for key, r in pages.items():
            if key.startswith("_"):
                continue
            path = "/" if key == "overview" else "/" + key
            rows.append(Row(f"page {path} after a filter change ({r['callbacks']} callbacks), uncached", kind,
                            *r["uncached"], "page_uncached"))
            rows.append(Row(f"page {path}, cached", kind, *r["cached"], "page_cached"))
        rows.append(Row("app worker peak RSS after all pages", kind, pages["_rss_mb"], None, "rss_mb", unit="MB"))
    if "import" not in args.skip:
        imp = time_import(kind, args.deals, args.workdir, args.pg_url, settings.report_tz)
        rows.append(Row(f"import of the CSV set ({imp['rows']:,} rows)", kind, imp["seconds"], None, "import_s",
                        unit="s"))
        rows.append(Row("import peak RSS", kind, imp["peak_rss_mb"], unit="MB"))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0],
                                 epilog=__doc__.split("\n\n", 2)[2], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engines", default=",".join(ENGINES), help="comma-separated: sqlite,postgresql,duckdb")
    ap.add_argument("--deals", type=int, default=20_000, help="size of the demo set (default 20,000)")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs per measurement (default 5)")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/sales-bench"), help="where the database files live")
    ap.add_argument("--pg-url", default=PG_URL, help="PostgreSQL server (any database; default %(default)s)")
    ap.add_argument("--skip", default="", help="comma-separated parts to leave out: queries,naive,pages,import")
    ap.add_argument("--only", default=None, help="only the queries whose name contains this")
    ap.add_argument("--markdown", type=Path, default=None,
                    help="also write the table to this file, one column per engine (and the rows to FILE.json)")
    ap.add_argument("--render", type=Path, default=None, metavar="FILE.json",
                    help="only print the one-column-per-engine table of an earlier run's FILE.json")
    args = ap.parse_args(argv)
    if args.render:
        saved = json.loads(args.render.read_text(encoding="utf-8"))
        print("\n".join(saved["header"] + [""] + wide_table([Row(**r) for r in saved["rows"]]) + [""]
                        + saved["footer"]))
        return 0
    args.skip = set(filter(None, args.skip.split(",")))
    args.workdir.mkdir(parents=True, exist_ok=True)
    settings = load_settings()
    pipeline = Pipeline.from_settings(settings)
    rows: list[Row] = []
    reference: dict = {}
    mismatches: list[str] = []
    skipped = []
    started = time.perf_counter()
    for kind in [e.strip() for e in args.engines.split(",") if e.strip()]:
        if kind not in ENGINES:
            ap.error(f"unknown engine {kind!r}; one of {', '.join(ENGINES)}")
        reason = available(kind, args.pg_url)
        if reason:
            skipped.append(f"{kind}: {reason}")
            continue
        run_engine(kind, args, settings, pipeline, rows, reference, mismatches)
    # the same page must fire the same callbacks on every engine (else a page failed to render)
    fired: dict[str, dict[str, int]] = {}
    for r in rows:
        if r.what.startswith("page ") and "callbacks" in r.what:
            page = r.what.split()[1]
            fired.setdefault(page, {})[r.engine] = int(r.what.split("(")[1].split()[0])
    mismatches += [f"page {page} fired {n} callbacks" for page, n in fired.items() if len(set(n.values())) > 1]
    head = ["what", "engine", "p50", "p95", "goal", "ok/miss", "naive pandas p50", "ratio"]
    order = {k: i for i, k in enumerate(ENGINES)}
    rows.sort(key=lambda r: (r.what.startswith(("page", "app", "import", "demo", "naive")), r.what, order[r.engine]))
    command = " ".join(argv if argv is not None else sys.argv[1:])
    lines = [f"Machine: {machine()}", f"Command: python -m bench {command}",
             (f"Demo set: {args.deals:,} deals; period [{PERIOD_FROM}, {PERIOD_TO}), REPORT_TZ {settings.report_tz}; "
              f"{args.repeat} timed runs after a warm-up; total {time.perf_counter() - started:,.0f} s"),
             "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r.cells()) + " |" for r in rows]
    goals = [r for r in rows if r.goal is not None]
    misses = [r for r in goals if r.p50 > r.goal]
    lines += ["", f"Goals met: {len(goals) - len(misses)} of {len(goals)} (goals are set for 1,000,000 deals)."]
    lines += [f"Not run: {s}" for s in skipped]
    lines += ["", "Cross-engine agreement: " + ("every result equal (counts exactly, numbers to 1e-9)."
                                                 if not mismatches else f"{len(mismatches)} differences:")]
    lines += [f"- {m}" for m in mismatches]
    print("\n".join(lines))
    if args.markdown:
        header, footer = lines[:3], lines[len(lines) - len(mismatches) - 3 - len(skipped):]
        args.markdown.write_text("\n".join(header + [""] + wide_table(rows) + [""] + footer) + "\n", encoding="utf-8")
        args.markdown.with_suffix(".json").write_text(json.dumps(
            {"header": header, "footer": footer, "rows": [r.as_json() for r in rows]}, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
