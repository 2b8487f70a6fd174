"""Time the demo data generator (ingest/demo.py): wall time, peak RSS, rows and seconds per table.

    python bench/bench_demo.py                       # 5,000 deals on SQLite (a file in /tmp)
    python bench/bench_demo.py --deals 5000 1000000 --backend sqlite postgresql csv

Each (backend, deals) pair runs in a fresh subprocess, so the peak RSS is that run's own.
PostgreSQL runs use a scratch database on --pg-url's server, created and dropped here.
Not a test: it prints a table.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _child(backend: str, deals: int, seed: int, pg_url: str) -> dict:
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import create_engine, text

    from ingest.demo import generate_demo, write_demo_csv
    from queries.db import ensure_schema, make_engine

    spent: dict[str, float] = {}
    last = [time.perf_counter()]

    def progress(step, done, total):
        now = time.perf_counter()
        spent[step] = spent.get(step, 0.0) + now - last[0]
        last[0] = now

    tmp = Path(tempfile.mkdtemp(prefix="bench_demo_"))
    admin, db_name = None, None
    try:
        if backend == "csv":
            engine = None
        elif backend == "sqlite":
            engine = make_engine("sqlite:///" + str(tmp / "demo.db"))
        else:
            admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
            db_name = "demo_bench_" + uuid.uuid4().hex[:10]
            with admin.connect() as c:
                c.execute(text("CREATE DATABASE " + db_name))  # generated name, not input
            engine = make_engine(pg_url.rsplit("/", 1)[0] + "/" + db_name)
        if engine is not None:
            ensure_schema(engine)
        last[0] = t0 = time.perf_counter()
        cpu0 = time.process_time()
        if engine is None:
            counts = write_demo_csv(tmp / "csv", deals=deals, seed=seed, today=date(2026, 3, 15), progress=progress)
        else:
            counts = generate_demo(engine, deals=deals, seed=seed, today=date(2026, 3, 15), progress=progress)
        wall = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        size = sum(f.stat().st_size for f in tmp.rglob("*") if f.is_file())
        if engine is not None:
            engine.dispose()
    finally:
        if admin is not None:
            with admin.connect() as c:
                c.execute(text("DROP DATABASE IF EXISTS " + db_name + " WITH (FORCE)"))
            admin.dispose()
        shutil.rmtree(tmp, ignore_errors=True)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"backend": backend, "deals": deals, "wall_s": wall, "cpu_s": cpu, "peak_rss_mb": rss_mb,
            "bytes_on_disk": size, "rows": counts, "seconds": spent}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--deals", type=int, nargs="+", default=[5000])
    ap.add_argument("--backend", nargs="+", default=["sqlite"], choices=["sqlite", "postgresql", "csv"])
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", PG_URL))
    ap.add_argument("--child", nargs=2, metavar=("BACKEND", "DEALS"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(_child(args.child[0], int(args.child[1]), args.seed, args.pg_url)))
        return
    results = []
    for deals in args.deals:
        for backend in args.backend:
            out = subprocess.run([sys.executable, __file__, "--seed", str(args.seed), "--pg-url", args.pg_url,
                                  "--child", backend, str(deals)], capture_output=True, text=True, check=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            results.append(r)
            print(f"{backend:<10} {deals:>9,} deals  {r['wall_s']:8.1f} s wall  {r['cpu_s']:8.1f} s client CPU  "
                  f"peak RSS {r['peak_rss_mb']:7.0f} MB  "
                  f"on disk {r['bytes_on_disk'] / 2**20:8.0f} MB", flush=True)
    tables = list(results[0]["rows"])
    head = f"{'table':<24}" + "".join(f"{r['backend'][:6] + ' ' + format(r['deals'], ','):>26}" for r in results)
    print("\nrows (seconds spent writing incl. generation of the chunk's earlier tables)")
    print(head)
    for t in ["generate"] + tables + ["indexes", "foreign_keys"]:
        cells = "".join(f"{format(r['rows'].get(t, 0), ',') if t in r['rows'] else '':>16}"
                        f"{r['seconds'].get(t, 0.0):>9.1f}s " for r in results)
        print(f"{t:<24}{cells}")
    print(f"{'total wall':<24}" + "".join(f"{r['wall_s']:>25.1f}s" for r in results))
    print(f"{'client CPU':<24}" + "".join(f"{r['cpu_s']:>25.1f}s" for r in results))
    print(f"{'peak RSS MB':<24}" + "".join(f"{r['peak_rss_mb']:>26.0f}" for r in results))
    print("(load average now: " + " ".join(f"{x:.1f}" for x in os.getloadavg()) + " on " + str(os.cpu_count()) + " CPUs)")


if __name__ == "__main__":
    main()
