"""Sales Cycle Dashboard: entry point and command line.

    python app.py                      start the dashboard (same as `serve`)
    python app.py serve [--host H] [--port P]
    python app.py demo [--deals N] [--seed S]
    python app.py import DIR [--replace TABLE ...]
    python app.py user add USERNAME --role ROLE [--owner OWNER_ID] [--region REGION] [--password-stdin]
    python app.py user list | disable USERNAME | enable USERNAME | set USERNAME … | password USERNAME
    python app.py token add USERNAME --name NAME | list [USERNAME] | revoke USERNAME --name NAME
    python app.py forget CUSTOMER_ID
    python app.py replay [--days N] [--speed X] [--url URL --token T]

`gunicorn app:server` serves the same app in production (the module-level `server`).
Configuration comes from environment variables (settings.py, README "Configuration").
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from flask import Flask

import context
from queries.db import ensure_schema, make_engine
from queries.pipeline import Pipeline
from settings import Settings, SettingsError, load_settings


def create_app(settings: Settings | None = None, *, with_dashboard: bool = True) -> Flask:
    """The Flask server with the JSON API and the Dash app, on a migrated database."""
    settings = settings or load_settings()
    configure_logging(settings.log_level)
    engine = make_app_engine(settings)
    # migrations may run longer than DB_STATEMENT_TIMEOUT allows a request
    migrator = make_engine(settings.database_url) if engine.dialect.name == "postgresql" else engine
    ensure_schema(migrator)
    if migrator is not engine:
        migrator.dispose()
    server = Flask(__name__, static_folder=None)
    server.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        # a cross-site iframe (the intranet portal) only sends cookies marked SameSite=None; Secure
        SESSION_COOKIE_SAMESITE="None" if settings.embed_origins else "Lax",
        SESSION_COOKIE_SECURE=bool(settings.embed_origins),
    )
    if settings.trusted_proxy_count:
        from werkzeug.middleware.proxy_fix import ProxyFix
        n = settings.trusted_proxy_count
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=n, x_proto=n, x_host=n, x_prefix=n)
    context.install(server, context.AppContext(settings, engine, Pipeline.from_settings(settings)))
    from flask_compress import Compress
    Compress(server)  # pages, API and plotly.js (4.8 MB uncompressed)
    route_prefix = "" if settings.proxy_strips_prefix else settings.url_prefix
    from api import create_api_blueprint
    from web import errors, headers, health, request_log
    server.register_blueprint(create_api_blueprint(), url_prefix=route_prefix + "/api/v1")
    server.register_blueprint(health.create_health_blueprint(), url_prefix=route_prefix or None)
    request_log.install(server)
    errors.install(server)   # no traceback ever reaches a browser; 503 while the database is down
    dash_app = None
    if with_dashboard:
        from dashboard.app import create_dash_app
        dash_app = create_dash_app(server, settings)
    headers.install(server, settings, dash_app)
    import auth
    auth.install(server, settings, dash_app)  # sign-in gate first in line, login pages, page guards
    return server


def make_app_engine(settings: Settings):
    """The serving engine: a dead or slow database fails a request within the DB_* timeouts
    (README "Resilience"). Commands (import, demo) use plain engines: no statement timeout."""
    from sqlalchemy.engine import make_url
    kwargs = {}
    if make_url(settings.database_url).database not in (None, "", ":memory:"):
        kwargs["pool_timeout"] = settings.db_pool_timeout
    return make_engine(settings.database_url, connect_timeout=settings.db_connect_timeout,
                       statement_timeout=settings.db_statement_timeout, **kwargs)


def configure_logging(level: str) -> None:
    """Log lines to stderr once per process (gunicorn workers, `python app.py`)."""
    import logging
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)


def _progress_printer():
    """A tqdm bar per table for long work (demo data, imports)."""
    from tqdm import tqdm
    bars = {}

    def progress(table, done, total=None):
        bar = bars.get(table)
        if bar is None:
            bar = bars[table] = tqdm(total=total, desc=f"{table:<24}", unit=" rows", unit_scale=True,
                                     file=sys.stderr, leave=True)
        if total is not None and bar.total != total:
            bar.total = total
        bar.update(done - bar.n)
        if total is not None and done >= total:
            bar.close()

    def close():
        for bar in bars.values():
            bar.close()
    return progress, close


def _demo_progress_printer(deals: int):
    """One bar over the deals generated; the step (table, indexes, …) shows beside it."""
    from tqdm import tqdm
    bar = tqdm(total=deals, desc="demo data", unit=" deals", unit_scale=True, file=sys.stderr)

    def progress(step, done, total=None):
        bar.set_postfix_str(step, refresh=False)
        if step not in ("indexes", "foreign_keys") and total == deals and done > bar.n:
            bar.update(done - bar.n)
        else:
            bar.refresh()
    return progress, bar.close


def database_is_empty(engine) -> bool:
    from sqlalchemy import func, select
    from queries.schema import customers, deals
    with engine.connect() as conn:
        return not conn.execute(select(func.count()).select_from(deals)).scalar() and \
            not conn.execute(select(func.count()).select_from(customers)).scalar()


def cmd_demo(settings: Settings, deals: int, seed: int) -> int:
    from ingest.demo import generate_demo
    engine = make_engine(settings.database_url)
    ensure_schema(engine)
    progress, close = _demo_progress_printer(deals)
    started = time.perf_counter()
    try:
        counts = generate_demo(engine, deals=deals, seed=seed, tz_name=settings.report_tz, progress=progress)
    finally:
        close()
    total = sum(counts.values())
    print(f"Demo data written: {total:,} rows in {time.perf_counter() - started:.1f} s "
          f"({', '.join(f'{t} {n:,}' for t, n in counts.items())})")
    return 0


def cmd_import(settings: Settings, folder: Path, replace: list[str]) -> int:
    from ingest.csv_import import CsvImportError, import_folder
    engine = make_engine(settings.database_url)
    ensure_schema(engine)
    progress, close = _progress_printer()
    try:
        report = import_folder(engine, folder, tz_name=settings.report_tz, replace=replace, progress=progress)
    except CsvImportError as exc:
        close()
        print(f"Import failed, nothing was changed: {exc}", file=sys.stderr)
        return 2
    finally:
        close()
    rows = sum(report.rows_by_table.values())
    print(f"Imported {rows:,} rows in {report.seconds:.1f} s: "
          + ", ".join(f"{t} {n:,}" for t, n in report.rows_by_table.items()))
    return 0


def cmd_serve(settings: Settings, host: str, port: int, debug: bool) -> int:
    engine = make_engine(settings.database_url)
    ensure_schema(engine)
    if database_is_empty(engine) and settings.database_url.startswith("sqlite"):
        print("Empty database: creating demo data first (python app.py demo to recreate it) …")
        cmd_demo(settings, settings.demo_deals, 42)
    server = create_app(settings)
    print(f"Sales Cycle Dashboard on http://{host}:{port}/  (API: /api/v1/openapi.json)")
    server.extensions["dash"].run(host=host, port=port, debug=debug) if "dash" in server.extensions \
        else server.run(host=host, port=port, debug=debug)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python app.py", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sp = sub.add_parser("serve", help="start the dashboard and API (default command)")
    sp.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    sp.add_argument("--port", type=int, default=8050, help="port (default 8050)")
    sp.add_argument("--debug", action="store_true", help="Dash debug mode (development only)")
    dp = sub.add_parser("demo", help="(re)create demo data in the configured database")
    dp.add_argument("--deals", type=int, default=None, help="number of deals (default 5000)")
    dp.add_argument("--seed", type=int, default=42, help="random seed; same seed, same data (default 42)")
    ip = sub.add_parser("import", help="import CSV files as DATA_CONTRACT.md specifies")
    ip.add_argument("folder", type=Path, help="folder with <table>.csv files")
    ip.add_argument("--replace", action="append", default=[], metavar="TABLE",
                    help="treat TABLE's file as a full snapshot: rows missing from it are deleted (repeatable)")
    from auth.commands import add_parsers
    add_parsers(sub)   # user, token, forget (README "Sign-in, roles and personal data")
    from ingest.events_replay_run import add_parser as add_replay_parser
    add_replay_parser(sub)   # replay (README "Live events")
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    if args.command == "demo":
        deals = args.deals if args.deals is not None else settings.demo_deals
        if deals < 10:
            print("--deals must be at least 10", file=sys.stderr)
            return 2
        return cmd_demo(settings, deals, args.seed)
    if args.command == "import":
        if not args.folder.is_dir():
            print(f"{args.folder} is not a folder", file=sys.stderr)
            return 2
        return cmd_import(settings, args.folder, args.replace)
    if args.command == "replay":
        from ingest.events_replay_run import run
        return run(settings, days=args.days, speed=args.speed, batch_seconds=args.batch_seconds, url=args.url,
                   token=args.token, seed=args.seed, busy=args.busy)
    if args.command in ("user", "token", "forget"):
        from auth import commands
        if args.command == "forget":
            return commands.cmd_forget(settings, args.customer_id)
        return (commands.cmd_user if args.command == "user" else commands.cmd_token)(settings, args)
    host = getattr(args, "host", "127.0.0.1")
    port = getattr(args, "port", 8050)
    return cmd_serve(settings, host, port, getattr(args, "debug", False))


def __getattr__(name):
    """`gunicorn app:server` builds the app on first access, configured from the environment."""
    if name == "server":
        server = create_app()
        globals()["server"] = server
        return server
    raise AttributeError(name)


if __name__ == "__main__":
    sys.exit(main())
