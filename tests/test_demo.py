"""The demo data generator (ingest/demo.py): determinism, replacement, contract invariants."""
from __future__ import annotations

import csv
from datetime import date, datetime

import pytest
from sqlalchemy import Boolean, Date, DateTime, Double, Integer, inspect, select, text

from ingest.demo import generate_demo, write_demo_csv
from queries.db import data_version
from queries.schema import CONTRACT_TABLES
from tests.conftest import ENGINES

TODAY = date(2026, 3, 15)
DEALS = 300
OPEN_STAGES = ("Lead", "Qualified", "Proposal", "Negotiation")


def _snapshot(engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {t.name: conn.execute(select(t).order_by(*t.primary_key.columns)).all()
                for t in CONTRACT_TABLES}


def _scalar(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


@pytest.fixture(scope="module", params=ENGINES)
def demo(request, fresh_db):
    """One generated database per engine kind, shared by the read-only tests of this module."""
    engine = fresh_db.make(request.param)
    counts = generate_demo(engine, deals=DEALS, seed=7, today=TODAY)
    yield engine, counts
    engine.dispose()


def test_same_seed_gives_identical_rows_and_a_rerun_replaces_them(engine):
    calls = []
    counts = generate_demo(engine, deals=DEALS, seed=7, today=TODAY)
    first = _snapshot(engine)
    assert {t: len(rows) for t, rows in first.items()} == counts
    assert counts["deals"] == DEALS
    assert all(counts[t] > 0 for t in counts), counts
    again = generate_demo(engine, deals=DEALS, seed=7, today=TODAY, progress=lambda *a: calls.append(a))
    assert again == counts
    assert _snapshot(engine) == first  # replaced, not duplicated, and row for row the same
    assert ("deals", DEALS, DEALS) in calls and calls[-1][1] == calls[-1][2]


def _structure(engine):
    if engine.dialect.name == "duckdb":  # no index reflection in duckdb-engine; no foreign keys
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT table_name, index_name FROM duckdb_indexes()")).all()
        return {t.name: (sorted(name for table, name in rows if table == t.name), []) for t in CONTRACT_TABLES}
    insp = inspect(engine)
    return {t.name: (sorted(ix["name"] for ix in insp.get_indexes(t.name)),
                     sorted((fk["constrained_columns"], fk["referred_table"]) for fk in insp.get_foreign_keys(t.name)))
            for t in CONTRACT_TABLES}


def test_the_load_puts_back_the_indexes_and_foreign_keys_it_takes_off(engine):
    before = _structure(engine)
    generate_demo(engine, deals=50, seed=3, today=TODAY)
    assert _structure(engine) == before
    assert sum(len(ixs) for ixs, _ in before.values()) > 10
    # DuckDB: no foreign keys (queries/duckdb_support.py)
    assert sum(len(fks) for _, fks in before.values()) == (0 if engine.dialect.name == "duckdb" else 12)


def test_different_seed_gives_different_rows_and_change_tracking_survives(engine):
    generate_demo(engine, deals=DEALS, seed=7, today=TODAY)
    first = _snapshot(engine)
    with engine.connect() as conn:
        before = data_version(conn)
    generate_demo(engine, deals=DEALS, seed=8, today=TODAY)
    second = _snapshot(engine)
    assert second["deals"] != first["deals"]
    assert second["touchpoints"] != first["touchpoints"]
    with engine.connect() as conn:
        loaded = data_version(conn)
    assert loaded > before
    with engine.begin() as conn:
        conn.execute(text("UPDATE owners SET name = name WHERE owner_id = 'U0001'"))
    with engine.connect() as conn:
        assert data_version(conn) > loaded  # SQLite's row triggers are back


def test_closed_at_is_set_exactly_when_won_or_lost_and_stage_follows_status(demo):
    engine, _ = demo
    bad = _scalar(engine, """SELECT count(*) FROM deals WHERE
        (status IN ('won', 'lost')) <> (closed_at IS NOT NULL)
        OR (status = 'won' AND stage <> 'Won') OR (status = 'lost' AND stage <> 'Lost')
        OR (status = 'open' AND stage NOT IN ('Lead', 'Qualified', 'Proposal', 'Negotiation'))
        OR status NOT IN ('open', 'won', 'lost') OR amount < 0 OR closed_at < created_at
        OR (lost_reason IS NOT NULL AND status <> 'lost')""")
    assert bad == 0
    assert _scalar(engine, "SELECT count(*) FROM orders WHERE revenue < 0") == 0
    assert _scalar(engine, "SELECT count(*) FROM campaigns WHERE cost < 0") == 0


def test_every_deal_has_history_starting_at_created_at_and_none_after_closing(demo):
    engine, _ = demo
    assert _scalar(engine, """SELECT count(*) FROM deals d WHERE NOT EXISTS
        (SELECT 1 FROM deal_stage_history h WHERE h.deal_id = d.deal_id)""") == 0
    assert _scalar(engine, """SELECT count(*) FROM deals d WHERE d.created_at <>
        (SELECT min(h.entered_at) FROM deal_stage_history h WHERE h.deal_id = d.deal_id)""") == 0
    assert _scalar(engine, """SELECT count(*) FROM deal_stage_history h JOIN deals d ON d.deal_id = h.deal_id
        WHERE h.entered_at > d.closed_at
           OR (h.stage = 'Won' AND d.status <> 'won') OR (h.stage = 'Lost' AND d.status <> 'lost')""") == 0
    # the current stage of an open deal is its latest history entry
    assert _scalar(engine, """SELECT count(*) FROM deals d WHERE d.status = 'open' AND d.stage <>
        (SELECT h.stage FROM deal_stage_history h WHERE h.deal_id = d.deal_id
         ORDER BY h.entered_at DESC LIMIT 1)""") == 0


FOREIGN_KEYS = [(t.name, fk.parent.name, fk.column.table.name, fk.column.name)
                for t in CONTRACT_TABLES for fk in t.foreign_keys]


def test_foreign_keys_hold(demo):
    engine, _ = demo
    assert len(FOREIGN_KEYS) == 12
    for child, col, parent, pcol in FOREIGN_KEYS:
        orphans = _scalar(engine, "SELECT count(*) FROM " + child + " c WHERE c." + col + " IS NOT NULL AND NOT EXISTS "
                          "(SELECT 1 FROM " + parent + " p WHERE p." + pcol + " = c." + col + ")")
        assert orphans == 0, (child, col)


def _furthest_stage_sql():
    ranks = " ".join("WHEN '" + s + "' THEN " + str(i) for i, s in enumerate(OPEN_STAGES))
    return ("SELECT d.deal_id, d.status, max(CASE h.stage " + ranks + " END) AS furthest FROM deals d "
            "JOIN deal_stage_history h ON h.deal_id = d.deal_id GROUP BY d.deal_id, d.status")


def test_deals_are_lost_at_every_pipeline_stage(demo):
    engine, _ = demo
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT furthest, count(*) FROM (" + _furthest_stage_sql() + ") f "
                                 "WHERE status = 'lost' GROUP BY furthest")).all()
        reasons = conn.execute(text("SELECT count(DISTINCT lost_reason) FROM deals WHERE status = 'lost'")).scalar()
    assert {r[0] for r in rows} == {0, 1, 2, 3}
    assert reasons >= 5


def test_some_deals_skip_a_stage_and_some_move_backwards(demo):
    engine, _ = demo
    ranks = " ".join("WHEN '" + s + "' THEN " + str(i) for i, s in enumerate(OPEN_STAGES))
    with engine.connect() as conn:
        # skipped: an open stage below the furthest one (and above the first) never entered
        skipped = conn.execute(text(
            "SELECT count(*) FROM (" + _furthest_stage_sql() + ") f WHERE furthest >= 2 AND "
            "(SELECT count(DISTINCT h.stage) FROM deal_stage_history h WHERE h.deal_id = f.deal_id "
            " AND h.stage IN ('Lead', 'Qualified', 'Proposal', 'Negotiation')) < furthest + 1")).scalar()
        # backwards: an entry of a lower stage after an entry of a higher one
        backwards = conn.execute(text(
            "SELECT count(DISTINCT a.deal_id) FROM deal_stage_history a JOIN deal_stage_history b "
            "ON a.deal_id = b.deal_id AND b.entered_at > a.entered_at "
            "WHERE (CASE a.stage " + ranks + " END) > (CASE b.stage " + ranks + " END)")).scalar()
    assert skipped > 0
    assert backwards > 0


def test_open_stale_and_overdue_deals_exist(demo):
    engine, _ = demo
    end = datetime(2026, 3, 14, 23, 0)  # local midnight of TODAY in Europe/Berlin, as naive UTC
    assert _scalar(engine, "SELECT count(*) FROM deals WHERE status = 'open'") >= 10
    stale = _scalar(engine, """SELECT count(*) FROM deals d WHERE d.status = 'open' AND
        (SELECT max(h.entered_at) FROM deal_stage_history h WHERE h.deal_id = d.deal_id) < :cutoff""",
                    cutoff=datetime(2026, 2, 12, 23, 0))
    overdue = _scalar(engine, "SELECT count(*) FROM deals WHERE status = 'open' AND expected_close_at < :end", end=end)
    assert stale > 0 and overdue > 0
    assert _scalar(engine, "SELECT count(*) FROM deals WHERE expected_close_at IS NULL") > 0


def test_all_events_lie_before_today_in_whole_seconds(demo):
    engine, _ = demo
    end = datetime(2026, 3, 14, 23, 0)
    for t in CONTRACT_TABLES:
        for c in t.columns:
            if isinstance(c.type, DateTime):
                with engine.connect() as conn:
                    values = conn.execute(select(c).where(c.is_not(None))).scalars().all()
                assert all(v.microsecond == 0 for v in values), (t.name, c.name)
                if c.name not in ("expected_close_at", "ended_at"):  # planned dates may lie ahead
                    assert max(values) < end, (t.name, c.name)


def test_lifecycle_follows_the_deals(demo):
    engine, _ = demo
    # opportunity when the first deal is created, customer when the first deal is won
    assert _scalar(engine, """SELECT count(*) FROM customers c WHERE EXISTS (SELECT 1 FROM deals d WHERE d.customer_id = c.customer_id)
        AND NOT EXISTS (SELECT 1 FROM lifecycle_history l WHERE l.customer_id = c.customer_id AND l.stage = 'opportunity'
            AND l.entered_at = (SELECT min(d.created_at) FROM deals d WHERE d.customer_id = c.customer_id))""") == 0
    assert _scalar(engine, """SELECT count(*) FROM customers c WHERE EXISTS (SELECT 1 FROM deals d WHERE d.customer_id = c.customer_id AND d.status = 'won')
        AND NOT EXISTS (SELECT 1 FROM lifecycle_history l WHERE l.customer_id = c.customer_id AND l.stage = 'customer'
            AND l.entered_at = (SELECT min(d.closed_at) FROM deals d WHERE d.customer_id = c.customer_id AND d.status = 'won'))""") == 0
    # nobody is a customer (or orders) without a won deal; loyal and churned only after customer
    assert _scalar(engine, """SELECT count(*) FROM lifecycle_history l WHERE l.stage IN ('customer', 'loyal', 'churned')
        AND NOT EXISTS (SELECT 1 FROM deals d WHERE d.customer_id = l.customer_id AND d.status = 'won' AND d.closed_at <= l.entered_at)""") == 0
    assert _scalar(engine, """SELECT count(*) FROM orders o WHERE NOT EXISTS (SELECT 1 FROM deals d
        WHERE d.customer_id = o.customer_id AND d.status = 'won' AND d.closed_at <= o.ordered_at)""") == 0
    stages = {r for r in _column(engine, "SELECT DISTINCT stage FROM lifecycle_history")}
    assert stages == {"subscriber", "lead", "mql", "sql", "opportunity", "customer", "loyal", "churned"}


def _column(engine, sql):
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalars().all()


def test_touchpoints_exist_for_buyers_and_prospects_and_carry_their_channels_campaign(demo):
    engine, _ = demo
    assert _scalar(engine, """SELECT count(*) FROM touchpoints t JOIN campaigns c ON c.campaign_id = t.campaign_id
        WHERE c.channel <> t.channel OR t.occurred_at < c.started_at""") == 0
    assert _scalar(engine, "SELECT count(*) FROM touchpoints WHERE campaign_id IS NOT NULL") > 0
    # journeys before won deals and for customers that never had a deal
    assert _scalar(engine, """SELECT count(*) FROM deals d WHERE d.status = 'won' AND EXISTS (SELECT 1 FROM touchpoints t
        WHERE t.customer_id = d.customer_id AND t.occurred_at <= d.closed_at)""") > 0
    assert _scalar(engine, """SELECT count(*) FROM customers c WHERE NOT EXISTS (SELECT 1 FROM deals d WHERE d.customer_id = c.customer_id)
        AND EXISTS (SELECT 1 FROM touchpoints t WHERE t.customer_id = c.customer_id)""") > 0
    assert _scalar(engine, "SELECT count(*) FROM touchpoints t JOIN customers c ON c.customer_id = t.customer_id "
                           "WHERE t.occurred_at < c.created_at") == 0
    assert _scalar(engine, "SELECT count(*) FROM customers WHERE region IS NULL") >= 0
    assert _scalar(engine, "SELECT count(DISTINCT channel) FROM touchpoints") >= 8


def test_both_experiments_have_a_control_and_a_treatment(demo):
    engine, _ = demo
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT experiment_id, variant, count(*) FROM experiment_assignments "
                                 "GROUP BY experiment_id, variant ORDER BY 1, 2")).all()
    groups = {(r[0], r[1]) for r in rows}
    assert {("EXP-checkout-cta", "control"), ("EXP-checkout-cta", "test"),
            ("EXP-pricing-page", "control"), ("EXP-pricing-page", "new_layout")} == groups
    assert min(r[2] for r in rows) >= 20  # ~1,000 per arm at 5,000 deals, scaled down


def test_targets_cover_company_every_region_and_some_owners(demo):
    engine, _ = demo
    scopes = set(_column(engine, "SELECT DISTINCT scope FROM targets"))
    regions = set(_column(engine, "SELECT DISTINCT region FROM customers WHERE region IS NOT NULL"))
    assert "all" in scopes and {"region:" + r for r in regions} <= scopes
    assert any(s.startswith("owner:") for s in scopes)
    assert set(_column(engine, "SELECT DISTINCT kpi FROM targets")) == {"won_revenue", "win_rate", "new_leads"}
    assert _scalar(engine, "SELECT count(*) FROM targets WHERE period_end <= period_start") == 0


def test_cases_have_response_and_resolution_in_order(demo):
    engine, _ = demo
    assert _scalar(engine, """SELECT count(*) FROM cases WHERE first_response_at < opened_at OR resolved_at < opened_at
        OR (satisfaction IS NOT NULL AND (resolved_at IS NULL OR satisfaction NOT BETWEEN 1 AND 5))""") == 0
    assert _scalar(engine, "SELECT count(*) FROM cases WHERE resolved_at IS NOT NULL") > 0


def _csv_value(raw: str, column):
    if raw == "":
        return None
    t = column.type
    if isinstance(t, DateTime):
        assert raw.endswith("Z")
        return datetime.fromisoformat(raw[:-1])
    if isinstance(t, Date):
        return date.fromisoformat(raw)
    if isinstance(t, Double):
        return float(raw)
    if isinstance(t, Boolean):
        return {"true": True, "false": False}[raw]
    if isinstance(t, Integer):
        return int(raw)
    return raw


def test_csv_files_hold_the_same_rows_as_the_database(demo, tmp_path):
    engine, counts = demo
    assert write_demo_csv(tmp_path, deals=DEALS, seed=7, today=TODAY) == counts
    db = _snapshot(engine)
    for table in CONTRACT_TABLES:
        with open(tmp_path / (table.name + ".csv"), newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        assert set(rows[0]) == {c.name for c in table.columns}
        parsed = sorted(tuple(_csv_value(r[c.name], c) for c in table.columns) for r in rows)
        expected = sorted(tuple(r) for r in db[table.name])
        assert parsed == expected, table.name


@pytest.fixture(scope="module")
def csv_5000(tmp_path_factory):
    """The default-size demo as CSV files (no database needed for these statistics)."""
    folder = tmp_path_factory.mktemp("demo_csv")
    write_demo_csv(folder, deals=5000, seed=42, today=TODAY)

    def rows(table):
        with open(folder / (table + ".csv"), newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))
    return rows


def test_experiment_effects_at_default_scale(csv_5000):
    """Checkout CTA: a clear effect (5 % vs 9 %); pricing page: none; ~1,000 per arm."""
    stats = {}
    for r in csv_5000("experiment_assignments"):
        n, k = stats.get((r["experiment_id"], r["variant"]), (0, 0))
        stats[(r["experiment_id"], r["variant"])] = (n + 1, k + (r["converted"] == "true"))
    rate = {key: k / n for key, (n, k) in stats.items()}
    assert all(800 <= n <= 1200 for n, _ in stats.values()), stats
    assert rate[("EXP-checkout-cta", "test")] - rate[("EXP-checkout-cta", "control")] > 0.025
    assert abs(rate[("EXP-pricing-page", "new_layout")] - rate[("EXP-pricing-page", "control")]) < 0.02


def test_customers_with_a_badly_rated_case_churn_more_often(csv_5000):
    churned = {r["customer_id"] for r in csv_5000("lifecycle_history") if r["stage"] == "churned"}
    ratings: dict[str, list[int]] = {}
    for r in csv_5000("cases"):
        if r["satisfaction"]:
            ratings.setdefault(r["customer_id"], []).append(int(r["satisfaction"]))
    bad = [c for c, rs in ratings.items() if min(rs) <= 2]
    happy = [c for c, rs in ratings.items() if min(rs) >= 4]
    assert len(bad) >= 30 and len(happy) >= 100
    bad_share = sum(c in churned for c in bad) / len(bad)
    happy_share = sum(c in churned for c in happy) / len(happy)
    assert bad_share > happy_share + 0.2, (bad_share, happy_share)


def _retention_shares(rows, start: str, end: str) -> tuple[float, float]:
    """METRICS.md §8 "service and retention" by hand over the CSV rows (UTC, ISO text compare):
    of the customers ordering in the 12 months before `start`, the share ordering in [start, end)
    among those with a case resolved in the period rated ≤ 2, and among those with no case open
    at any time of the period."""
    base_start = str(int(start[:4]) - 1) + start[4:]
    ordered_before, ordered_in = set(), set()
    for o in rows("orders"):
        t = o["ordered_at"]
        if base_start <= t < start:
            ordered_before.add(o["customer_id"])
        elif start <= t < end:
            ordered_in.add(o["customer_id"])
    bad, had_case = set(), set()
    for c in rows("cases"):
        resolved = c["resolved_at"]
        if c["opened_at"] < end and not (resolved and resolved < start):
            had_case.add(c["customer_id"])
        if resolved and start <= resolved < end and c["satisfaction"] and int(c["satisfaction"]) <= 2:
            bad.add(c["customer_id"])
    bad &= ordered_before
    no_case = ordered_before - had_case
    return (len(bad & ordered_in) / len(bad), len(no_case & ordered_in) / len(no_case))


def test_service_and_retention_shows_the_churn_after_a_bad_case(csv_5000):
    """The service page's retention sentence must have something to say on the demo: customers
    after a badly rated case order less often than customers without a case. (Over a whole
    year the definition dilutes it: a customer who leaves after a bad case in the autumn still
    counts as ordering in the period with its orders of the spring.)"""
    for start, end in (("2025-07-01", "2025-10-01"), ("2025-10-01", "2026-01-01")):
        bad, none = _retention_shares(csv_5000, start, end)
        assert bad < none - 0.1, (start, bad, none)
