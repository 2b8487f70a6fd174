"""The benchmark's databases: the demo set of N deals per engine, generated once and kept in a
work folder (SQLite and DuckDB files) or a PostgreSQL database `sales_bench_<N>`; regenerated
when missing or of another size. Also the CSV export of the same set, for timing the import.

Every set is made with the same seed and the same fixed `today` (bench.cases.TODAY), so all
engines hold identical rows and their results can be compared.
"""
from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from ingest.demo import generate_demo, write_demo_csv
from queries.db import ensure_schema, make_engine
from queries.schema import deals

from .cases import TODAY

ENGINES = ("sqlite", "postgresql", "duckdb")
SEED = 42


def _pg_url(pg_url: str, name: str) -> str:
    return make_url(pg_url).set(database=name).render_as_string(hide_password=False)


def _pg_admin(pg_url: str):
    return create_engine(_pg_url(pg_url, "postgres"), isolation_level="AUTOCOMMIT")


def fresh_pg_database(pg_url: str, name: str) -> str:
    """Drop and create database `name` (a fixed, generated name) on pg_url's server."""
    admin = _pg_admin(pg_url)
    with admin.connect() as c:
        c.execute(text("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"))
        c.execute(text("CREATE DATABASE " + name))
    admin.dispose()
    return _pg_url(pg_url, name)


def available(kind: str, pg_url: str) -> str | None:
    """None when `kind` can be benchmarked here, else the reason it cannot."""
    if kind == "postgresql":
        try:
            admin = _pg_admin(pg_url)
            with admin.connect() as c:
                c.execute(text("SELECT 1"))
            admin.dispose()
        except Exception as exc:  # noqa: BLE001 - any failure means "no server"
            return f"PostgreSQL not reachable ({exc.__class__.__name__})"
    if kind == "duckdb":
        try:
            import duckdb_engine  # noqa: F401
        except ImportError:
            return "duckdb / duckdb-engine not installed"
    return None


def url_for(kind: str, deals_n: int, workdir: Path, pg_url: str, stem: str = "sales") -> str:
    if kind == "sqlite":
        return f"sqlite:///{workdir / f'{stem}-{deals_n}.db'}"
    if kind == "duckdb":
        return f"duckdb:///{workdir / f'{stem}-{deals_n}.duckdb'}"
    return _pg_url(pg_url, f"{stem}_bench_{deals_n}".replace("-", "_"))


def _deal_count(url: str) -> int | None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(deals)).scalar()
    except Exception:  # noqa: BLE001 - missing database or schema: generate
        return None
    finally:
        engine.dispose()  # DuckDB: an open connection would keep the (replaced) file's instance alive


def _progress(label: str):
    last = [0.0]

    def report(step, done, total):
        now = time.monotonic()
        if now - last[0] > 15:
            last[0] = now
            print(f"  {label}: {step} {done:,}/{total:,}", file=sys.stderr, flush=True)
    return report


def ensure_demo(kind: str, deals_n: int, workdir: Path, pg_url: str) -> tuple[str, float | None]:
    """The URL of the demo set of `deals_n` deals on `kind`, and the seconds its generation took
    now (None when it was there already)."""
    url = url_for(kind, deals_n, workdir, pg_url)
    if _deal_count(url) == deals_n:
        return url, None
    print(f"generating the {deals_n:,}-deal demo set on {kind} …", file=sys.stderr, flush=True)
    if kind == "postgresql":
        fresh_pg_database(pg_url, make_url(url).database)
    else:
        for suffix in ("", ".wal", "-wal", "-shm"):
            Path(make_url(url).database + suffix).unlink(missing_ok=True)
    engine = make_engine(url)
    ensure_schema(engine)
    t0 = time.perf_counter()
    generate_demo(engine, deals=deals_n, seed=SEED, today=TODAY, progress=_progress(kind))
    engine.dispose()
    return url, time.perf_counter() - t0


def ensure_csv(deals_n: int, workdir: Path) -> Path:
    """The demo set of `deals_n` deals as contract CSV files (written once)."""
    folder = workdir / f"csv-{deals_n}"
    if not (folder / ".complete").exists():
        shutil.rmtree(folder, ignore_errors=True)
        print(f"writing the {deals_n:,}-deal demo set as CSV …", file=sys.stderr, flush=True)
        write_demo_csv(folder, deals=deals_n, seed=SEED, today=TODAY, progress=_progress("csv"))
        (folder / ".complete").write_text("ok")
    return folder


def time_import(kind: str, deals_n: int, workdir: Path, pg_url: str, tz_name: str) -> dict:
    """Import the CSV set into a fresh, empty database in a child process; its wall time and peak RSS."""
    folder = ensure_csv(deals_n, workdir)
    url = url_for(kind, deals_n, workdir, pg_url, stem="import")
    if kind == "postgresql":
        fresh_pg_database(pg_url, make_url(url).database)
    else:
        for suffix in ("", ".wal", "-wal", "-shm"):
            Path(make_url(url).database + suffix).unlink(missing_ok=True)
    out = subprocess.run([sys.executable, "-m", "bench.datasets", url, str(folder), tz_name],
                         capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parent.parent)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if kind == "postgresql":
        admin = _pg_admin(pg_url)
        with admin.connect() as c:
            c.execute(text("DROP DATABASE IF EXISTS " + make_url(url).database + " WITH (FORCE)"))
        admin.dispose()
    else:
        Path(make_url(url).database).unlink(missing_ok=True)
    return result


def _import_child(url: str, folder: str, tz_name: str) -> None:
    from ingest.csv_import import import_folder
    engine = make_engine(url)
    ensure_schema(engine)
    t0 = time.perf_counter()
    report = import_folder(engine, Path(folder), tz_name=tz_name)
    seconds = time.perf_counter() - t0
    engine.dispose()
    print(json.dumps({"seconds": seconds, "rows": sum(report.rows_by_table.values()),
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    _import_child(*sys.argv[1:4])
