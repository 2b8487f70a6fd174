"""Demo data: two years of a plausible mid-size B2B/B2C business, for `app.py demo`.

`generate_demo` replaces the contents of every contract table (DATA_CONTRACT.md) in one
transaction; `write_demo_csv` writes the same rows as contract CSV files. Generation is
vectorised with numpy in chunks of about 25,000 deals, so memory stays bounded and a million
deals take minutes, not hours. The same seed and the same `today` give identical rows.

What is in it, and where it is made:
- demo_people: owners in six regions and four teams, customers (names with umlauts, a few
  with empty attributes), the plan fixing each customer's creation time and deal count.
- demo_campaigns: runs per channel with costs, some still open.
- demo_deals: deals with full stage histories (skips, backward moves, lost at every stage,
  open and stale deals, overdue expected close dates).
- demo_accounts: orders (one-time, repeat and churned buyers), service cases.
- demo_journeys: touchpoints, lifecycle histories, the two A/B experiments.
- demo_targets: monthly targets (all, per region, per owner).
- demo_io / demo_tables: batches -> SQLite executemany, PostgreSQL COPY, CSV; duckdb_io: DuckDB.
"""
from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from datetime import date
from pathlib import Path

import numpy as np
from sqlalchemy import delete, text

from queries.change_tracking import bump, drop_row_triggers, install_triggers
from queries.schema import CONTRACT_TABLES, TABLES_BY_NAME

from . import demo_io as io
from . import demo_tables as T
from .demo_accounts import make_accounts
from .demo_calendar import make_calendar
from .demo_campaigns import make_campaigns
from .demo_deals import LOST, WON, make_deals
from .demo_journeys import (
    make_assignments,
    make_experiments,
    make_lifecycle,
    make_touches,
)
from .demo_people import chunk_bounds, make_customers, make_owners, make_plan
from .demo_targets import FUTURE_MONTHS, Actuals, epoch_days, make_targets

Progress = Callable[[str, int, int], None]
DEALS_PER_CHUNK = 25_000
_LEAD = 1  # index of "lead" in LIFECYCLE


def _generate(write, *, deals: int, seed: int, tz_name: str, today: date | None,
              progress: Progress | None) -> dict[str, int]:
    """Draw the data chunk by chunk and hand each table batch to `write(table, cols)`."""
    if deals < 1:
        raise ValueError("deals must be at least 1")
    today = today or date.today()
    counts = {t.name: 0 for t in CONTRACT_TABLES}
    report = progress or (lambda step, done, total: None)

    def emit(table: str, cols, done: int):
        counts[table] += write(table, cols)
        report(table, done, deals)

    cal = make_calendar(today, tz_name)
    owners = make_owners(np.random.default_rng([seed, 0]), deals)
    camps = make_campaigns(np.random.default_rng([seed, 3]), cal, deals / 5_000)
    plan = make_plan(seed, cal, deals)
    exps = make_experiments(cal, plan.created, deals)
    ids = T.Ids(deals, len(plan.created))
    emit("owners", T.owners_cols(owners), 0)
    emit("campaigns", T.campaigns_cols(camps), 0)
    emit("experiments", T.experiments_cols(exps), 0)
    n_months = int(cal.month_of(np.array([cal.end - 1]))[0]) + FUTURE_MONTHS + 2
    actuals = Actuals(n_months, len(owners.ids))
    done = 0
    for k, (a, b) in enumerate(chunk_bounds(plan, DEALS_PER_CHUNK)):
        rng = np.random.default_rng([seed, 2, k])
        cust = make_customers(rng, plan, a, b)
        dl = make_deals(rng, cal, cust, owners, camps)
        acc = make_accounts(rng, cal, cust, owners, dl)
        touches = make_touches(rng, cal, cust, dl, acc, camps)
        life = make_lifecycle(rng, cal, cust, dl, acc)
        assigned = make_assignments(rng, cal, cust, exps)
        done += len(dl.created)
        report("generate", done, deals)
        ids.chunk_customers(a, b - a)
        deal_cols, history_cols = T.deals_cols(ids, cust, dl, owners, camps)
        emit("customers", T.customers_cols(ids, cust), done)
        emit("deals", deal_cols, done)
        emit("deal_stage_history", history_cols, done)
        emit("lifecycle_history", T.lifecycle_cols(ids, cust, life), done)
        emit("touchpoints", T.touchpoints_cols(ids, cust, touches, camps), done)
        emit("orders", T.orders_cols(ids, cust, acc), done)
        emit("experiment_assignments", T.assignments_cols(ids, cust, assigned, exps), done)
        emit("cases", T.cases_cols(ids, cust, acc, owners), done)
        closed = dl.status != 0
        actuals.add_deals(cal.month_of(dl.closed[closed]), cust.region[dl.customer[closed]],
                          dl.owner[closed], dl.status[closed] == WON, dl.status[closed] == LOST,
                          dl.amount[closed])
        leads = life.stage == _LEAD
        actuals.add_leads(cal.month_of(life.at[leads]), cust.region[life.customer[leads]])
    rows = make_targets(np.random.default_rng([seed, 4]), cal, actuals, owners)
    emit("targets", T.targets_cols(rows, epoch_days), deals)
    return counts


# ------------------------------------------------------------------------- database

def _secondary_indexes():
    return [ix for t in CONTRACT_TABLES for ix in sorted(t.indexes, key=lambda i: i.name)]


def _pg_foreign_keys(conn) -> list[tuple[str, str, str]]:
    """(table, constraint name, definition) of the foreign keys among the contract tables."""
    rows = conn.execute(text(
        "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
        "WHERE c.contype = 'f' AND c.conrelid = ANY(CAST(:tables AS regclass[])) ORDER BY 1, 2"),
        {"tables": [t.name for t in CONTRACT_TABLES]})
    return [tuple(r) for r in rows]


def _prepare(conn) -> dict:
    """Empty the contract tables and take off what slows a bulk load; returns what to restore."""
    state = {"indexes": _secondary_indexes(), "fks": [], "cache": None}
    if conn.dialect.name == "postgresql":
        # TRUNCATE is transactional and far faster than DELETE; one statement for all tables
        conn.execute(text("TRUNCATE TABLE " + ", ".join(t.name for t in CONTRACT_TABLES)))
        conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))  # index builds; this transaction only
        # row-by-row foreign-key checks dominate COPY; the constraints are added back (and
        # thereby validated in one pass each) before the commit
        state["fks"] = _pg_foreign_keys(conn)
        quote = conn.dialect.identifier_preparer.quote
        for table, name, _ in state["fks"]:
            conn.execute(text("ALTER TABLE " + table + " DROP CONSTRAINT " + quote(name)))
    elif conn.dialect.name == "duckdb":
        # no triggers and no foreign keys: the engine bumps the counter after the commit
        # (queries/duckdb_support.py); children are emptied first all the same
        for t in reversed(CONTRACT_TABLES):
            conn.execute(delete(t))
    else:
        # pysqlite opens the transaction only at the first DML statement, so DDL issued before
        # it would be committed at once: bump first, then drop the triggers inside it
        bump(conn)
        drop_row_triggers(conn)
        state["cache"] = conn.exec_driver_sql("PRAGMA cache_size").scalar()
        conn.exec_driver_sql("PRAGMA cache_size=-131072")  # 128 MB page cache for the index builds
        for t in reversed(CONTRACT_TABLES):
            conn.execute(delete(t))
    for ix in state["indexes"]:
        ix.drop(conn)
    return state


def _finish(conn, state: dict, report) -> None:
    for i, ix in enumerate(state["indexes"]):
        ix.create(conn)
        report("indexes", i + 1, len(state["indexes"]))
    if conn.dialect.name == "postgresql":
        quote = conn.dialect.identifier_preparer.quote
        for table, name, definition in state["fks"]:
            conn.execute(text("ALTER TABLE " + table + " ADD CONSTRAINT " + quote(name) + " " + definition))
        report("foreign_keys", 1, 1)
        conn.execute(text("ANALYZE " + ", ".join(t.name for t in CONTRACT_TABLES)))
    elif conn.dialect.name == "duckdb":
        pass  # DuckDB keeps its statistics up to date itself
    else:
        install_triggers(conn)
        conn.exec_driver_sql("PRAGMA cache_size=" + str(int(state["cache"])))


def generate_demo(engine, *, deals: int = 5000, seed: int = 42, tz_name: str = "Europe/Berlin",
                  today: date | None = None, progress: Progress | None = None) -> dict[str, int]:
    """Replace all contract-table contents with demo data in one transaction.

    Returns the rows written per table. `progress(step, done, total)` is called after each
    table batch (step = table name, done/total = deals generated so far / requested), after
    each chunk's generation (step "generate") and while finishing (steps "indexes",
    "foreign_keys"; done/total count those steps).
    Secondary indexes are dropped for the load and built again afterwards (faster than
    updating them row by row); on PostgreSQL the foreign keys likewise; SQLite's row
    triggers are dropped and the data version is bumped once (queries.change_tracking);
    DuckDB's engine bumps it once after the commit.
    """
    report = progress or (lambda step, done, total: None)
    with engine.begin() as conn:
        dbapi = conn.connection.driver_connection
        state = _prepare(conn)
        if conn.dialect.name == "postgresql":
            def write(table, cols):
                return io.pg_copy(dbapi, table, cols)
        elif conn.dialect.name == "duckdb":
            from .duckdb_io import demo_frame, insert_frame

            def write(table, cols):
                return insert_frame(conn, table, demo_frame(cols))
        else:
            def write(table, cols):
                return io.sqlite_insert(dbapi, table, cols)
        counts = _generate(write, deals=deals, seed=seed, tz_name=tz_name, today=today, progress=progress)
        _finish(conn, state, report)
    if engine.dialect.name == "sqlite":
        # the whole load went through the write-ahead log; fold it into the database file and
        # truncate it, instead of leaving a log as large as the data on disk
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    elif engine.dialect.name == "duckdb":
        with engine.connect() as conn:
            conn.exec_driver_sql("CHECKPOINT")  # likewise: the load out of DuckDB's log into the file
    return counts


# ------------------------------------------------------------------------------ CSV

def write_demo_csv(folder: Path, *, deals: int = 5000, seed: int = 42, today: date | None = None,
                   progress: Progress | None = None, tz_name: str = "Europe/Berlin") -> dict[str, int]:
    """Write the same rows as contract CSV files `<table>.csv` (UTF-8, ISO timestamps with Z)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    headed: set[str] = set()

    def write(table, cols):
        f = files[table]
        if table not in headed:
            f.write(io.csv_header(cols))
            headed.add(table)
        if not len(cols[0].values):
            return 0
        for block in io.csv_rows(cols):
            f.write(block)
        return len(cols[0].values)

    with ExitStack() as stack:
        files = {t.name: stack.enter_context(open(folder / (t.name + ".csv"), "wb")) for t in CONTRACT_TABLES}
        counts = _generate(write, deals=deals, seed=seed, tz_name=tz_name, today=today, progress=progress)
        for name, f in files.items():
            if name not in headed:  # no rows: still a header
                f.write((",".join(c.name for c in TABLES_BY_NAME[name].columns) + "\n").encode())
    return counts
