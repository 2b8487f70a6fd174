"""CSV import (DATA_CONTRACT.md "General rules"): worked example, upsert, replace, change counter.

Bad-input cases are in test_import_errors.py; value formats in test_import_parsing.py.
"""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import String, cast, func, inspect, select, text

from ingest import CsvImportError, csv_load, import_files, import_folder
from queries.db import data_version
from queries.schema import CONTRACT_TABLES, TABLES_BY_NAME
from tests.conftest import load_rows

WORKED = Path(__file__).resolve().parent / "fixtures" / "worked_example"

# A tiny valid CRM export every database test starts from.
BASELINE = {
    "owners.csv": """owner_id,name,team,region
O1,Anna Müller,Alpine,DACH
O2,Jörg Schäfer,North,Nordics
""",
    "customers.csv": """customer_id,name,created_at,region
C1,Alpha GmbH,2025-01-10,DACH
C2,"Beta, AB",2025-02-01T08:00:00Z,Nordics
C3,Gamma BV,2025-03-01,Benelux
""",
    "campaigns.csv": """campaign_id,name,channel,started_at,ended_at,cost
K1,Spring,email,2025-01-01,,100.50
""",
    "deals.csv": """deal_id,customer_id,owner_id,campaign_id,amount,created_at,closed_at,status,stage
D1,C1,O1,K1,1000,2025-01-15,2025-02-01,won,Won
D2,C2,O2,,500,2025-02-10,,open,Proposal
D3,C3,O1,K1,200,2025-03-05,2025-03-20,lost,Lost
""",
    "deal_stage_history.csv": """deal_id,stage,entered_at
D1,Lead,2025-01-15
D1,Won,2025-02-01
D2,Lead,2025-02-10
D3,Lead,2025-03-05
""",
    "orders.csv": """order_id,customer_id,ordered_at,revenue
SO1,C1,2025-02-02,1000
SO2,C3,2025-03-02,10
""",
    "experiments.csv": """experiment_id,name,started_at
EXP1,CTA,2025-01-01
""",
    "experiment_assignments.csv": """experiment_id,customer_id,variant,assigned_at,converted
EXP1,C1,control,2025-01-02,nein
EXP1,C3,test,2025-01-02,ja
""",
    "cases.csv": """case_id,customer_id,owner_id,channel,opened_at,satisfaction
CS1,C3,O1,email,2025-03-10,4
""",
    "targets.csv": """kpi,period_start,period_end,scope,target
won_revenue,2025-01-01,2025-02-01,,5000
""",
}


def write_folder(folder: Path, files: dict[str, str | bytes], encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        data = content if isinstance(content, bytes) else content.encode(encoding)
        (folder / name).write_bytes(data)
    return folder


def import_baseline(engine, tmp_path: Path) -> None:
    import_folder(engine, write_folder(tmp_path / "baseline", BASELINE), tz_name="UTC")


def table_rows(conn, table) -> list[tuple]:
    return [tuple(r) for r in conn.execute(select(table).order_by(*table.columns))]


def schema_shape(engine) -> dict:
    """Indexes and foreign keys of the contract tables (bulk loads drop and re-create them)."""
    if engine.dialect.name == "duckdb":  # no index reflection in duckdb-engine; no foreign keys
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT table_name, index_name, expressions FROM duckdb_indexes()")).all()
        return {t.name: (sorted((name, str(expr)) for table, name, expr in rows if table == t.name), [])
                for t in CONTRACT_TABLES}
    insp = inspect(engine)
    return {t.name: (sorted((i["name"], tuple(i["column_names"])) for i in insp.get_indexes(t.name)),
                     sorted((tuple(f["constrained_columns"]), f["referred_table"])
                            for f in insp.get_foreign_keys(t.name)))
            for t in CONTRACT_TABLES}


def snapshot(engine) -> dict:
    """Every row of every contract table, the change counter, SQLite's trigger count, the
    indexes and foreign keys."""
    snap = {"schema": schema_shape(engine)}
    with engine.connect() as conn:
        snap.update({t.name: table_rows(conn, t) for t in CONTRACT_TABLES})
        snap["data_version"] = data_version(conn)
        if engine.dialect.name == "sqlite":
            snap["triggers"] = conn.execute(
                text("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'")).scalar()
    return snap


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar() for t in CONTRACT_TABLES}


def test_worked_example_german_flavour_equals_plain_flavour(engine, fresh_db):
    plain = import_folder(engine, WORKED / "csv", tz_name="UTC")
    german_engine = fresh_db.make(engine.dialect.name)
    try:
        german = import_folder(german_engine, WORKED / "csv-german", tz_name="UTC")
        assert german.rows_by_table == plain.rows_by_table
        with engine.connect() as a, german_engine.connect() as b:
            for table in CONTRACT_TABLES:
                assert table_rows(a, table) == table_rows(b, table), table.name
    finally:
        german_engine.dispose()
    # every file's lines minus the header (no multi-line fields in the worked example)
    for table, n in plain.rows_by_table.items():
        lines = (WORKED / "csv" / f"{table}.csv").read_bytes().count(b"\n")
        assert n == lines - 1, table
    assert counts(engine) == plain.rows_by_table
    # and the German flavour upserted over the plain one changes no row
    before = snapshot(engine)
    import_folder(engine, WORKED / "csv-german", tz_name="UTC")
    after = snapshot(engine)
    assert {k: v for k, v in after.items() if k != "data_version"} == \
        {k: v for k, v in before.items() if k != "data_version"}


def test_worked_example_values_are_stored_as_naive_utc_and_text_intact(engine):
    import_folder(engine, WORKED / "csv", tz_name="UTC")
    c, d, h = (TABLES_BY_NAME[n] for n in ("customers", "deals", "deal_stage_history"))
    with engine.connect() as conn:
        names = dict(conn.execute(select(c.c.customer_id, c.c.name)).all())
        assert names["C00002"] == 'Bäckerei "Zum Löwen" GmbH'      # BOM file, doubled quotes
        assert names["C00004"] == "Café Größenwahn; Berlin"
        created = conn.execute(select(c.c.created_at).where(c.c.customer_id == "C00002")).scalar()
        assert created == datetime(2023, 12, 27)                     # a date is midnight (UTC here)
        deal = conn.execute(select(d).where(d.c.deal_id == "D-2024-00001")).one()
        assert deal.amount == 16128.19 and deal.status == "won"
        assert deal.created_at == datetime(2024, 7, 6, 2, 55)
        # 2024-07-06T04:55:00+02:00 is 02:55 UTC
        lead = conn.execute(select(h.c.entered_at).where(h.c.deal_id == "D-2024-00001",
                                                         h.c.stage == "Lead")).scalar()
        assert lead == datetime(2024, 7, 6, 2, 55)
        t = TABLES_BY_NAME["targets"]
        jan = conn.execute(select(t.c.scope, t.c.target).where(
            t.c.kpi == "won_revenue", t.c.period_start == date(2024, 1, 1),
            t.c.period_end == date(2024, 2, 1), t.c.scope.in_(["all", "region:DACH"]))
            .order_by(t.c.scope)).all()
        assert jan == [("all", 1000.0), ("region:DACH", 1000.0)]  # empty scope means 'all'


def test_stored_timestamps_are_what_sqlalchemy_writes_and_compare_equal(engine, tmp_path):
    """SQLite compares timestamps as text: an imported value must be byte-identical to one
    written through SQLAlchemy, or `created_at >= :start` queries would silently misfire."""
    import_folder(engine, write_folder(tmp_path / "f", {"customers.csv": BASELINE["customers.csv"],
                                                      "targets.csv": BASELINE["targets.csv"]}),
                  tz_name="UTC")
    load_rows(engine, {"customers": [{"customer_id": "REF", "name": "ref",
                                      "created_at": datetime(2025, 2, 1, 8)}]})
    c, t = TABLES_BY_NAME["customers"], TABLES_BY_NAME["targets"]
    with engine.connect() as conn:
        raw = dict(conn.execute(select(c.c.customer_id, cast(c.c.created_at, String))).all())
        assert raw["C2"] == raw["REF"]
        assert conn.execute(select(c.c.customer_id).where(
            c.c.created_at == datetime(2025, 1, 10)).order_by(c.c.customer_id)).scalars().all() == ["C1"]
        assert conn.execute(select(func.count()).select_from(t).where(
            t.c.period_start == date(2025, 1, 1))).scalar() == 1


def test_bulk_load_into_empty_tables_keeps_indexes_and_foreign_keys(engine):
    before = schema_shape(engine)
    assert before["touchpoints"][0]  # there is something to keep
    assert before["deals"][1] or engine.dialect.name == "duckdb"  # DuckDB: no foreign keys (duckdb_support)
    import_folder(engine, WORKED / "csv", tz_name="UTC")
    assert schema_shape(engine) == before


def test_small_update_into_a_big_table(engine, tmp_path):
    """SQLite upserts straight into a table much bigger than the file (no index re-build);
    PostgreSQL goes through staging. Both: update, insert, and notice a key given twice."""
    many = "customer_id,name,created_at\n" + "".join(f"C{i:04d},N{i},2025-01-01\n" for i in range(600))
    import_folder(engine, write_folder(tmp_path / "big", {"customers.csv": many}), tz_name="UTC")
    small = write_folder(tmp_path / "small", {
        "customers.csv": "customer_id,name,created_at\nC0007,Renamed,2025-01-01\nC9999,New,2025-02-01\n"})
    import_folder(engine, small, tz_name="UTC")
    c = TABLES_BY_NAME["customers"]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(c)).scalar() == 601
        assert conn.execute(select(c.c.name).where(c.c.customer_id == "C0007")).scalar() == "Renamed"
    before = snapshot(engine)
    dup = write_folder(tmp_path / "dup", {
        "customers.csv": "customer_id,name,created_at\nC0001,A,2025-01-01\nC0002,B,2025-01-01\nC0001,C,2025-01-01\n"})
    with pytest.raises(CsvImportError) as err:
        import_folder(engine, dup, tz_name="UTC")
    assert (err.value.line, err.value.column) == (4, "customer_id") and "line 2" in err.value.problem
    assert snapshot(engine) == before


@pytest.mark.skipif(not csv_load.can_fork(), reason="big files are parsed in a forked child on Linux only")
def test_big_files_parsed_in_a_child_process_give_the_same_result(engine, fresh_db, monkeypatch):
    monkeypatch.setattr(csv_load, "PARALLEL_MIN_BYTES", 0)  # every file counts as big
    child = import_folder(engine, WORKED / "csv-german", tz_name="Europe/Berlin")
    monkeypatch.undo()
    reference_engine = fresh_db.make(engine.dialect.name)
    try:
        in_process = import_folder(reference_engine, WORKED / "csv-german", tz_name="Europe/Berlin")
        assert child.rows_by_table == in_process.rows_by_table
        with engine.connect() as a, reference_engine.connect() as b:
            for table in CONTRACT_TABLES:
                assert table_rows(a, table) == table_rows(b, table), table.name
    finally:
        reference_engine.dispose()


@pytest.mark.skipif(not csv_load.can_fork(), reason="big files are parsed in a forked child on Linux only")
def test_errors_found_in_a_child_process_name_file_line_and_column(engine, tmp_path, monkeypatch):
    monkeypatch.setattr(csv_load, "PARALLEL_MIN_BYTES", 0)
    import_baseline(engine, tmp_path)
    before = snapshot(engine)
    bad_value = write_folder(tmp_path / "v", {"orders.csv": "order_id,customer_id,ordered_at,revenue\n"
                                                            "SO9,C1,2025-02-02,10\nSO8,C1,2025-02-30,10\n"})
    with pytest.raises(CsvImportError) as err:
        import_folder(engine, bad_value, tz_name="UTC")
    assert (err.value.file, err.value.line, err.value.column) == ("orders.csv", 3, "ordered_at")
    unknown = write_folder(tmp_path / "k", {"orders.csv": "order_id,customer_id,ordered_at,revenue\n"
                                                          "SO9,C1,2025-02-02,10\nSO8,C7,2025-02-03,10\n"})
    with pytest.raises(CsvImportError) as err:
        import_folder(engine, unknown, tz_name="UTC")
    assert (err.value.line, err.value.column) == (3, "customer_id") and "'C7'" in err.value.problem
    assert snapshot(engine) == before


def test_reporting_zone_applies_to_timestamps_without_offset(engine, tmp_path):
    files = {k: BASELINE[k] for k in ("customers.csv",)}
    import_folder(engine, write_folder(tmp_path / "f", files), tz_name="Europe/Berlin")
    c = TABLES_BY_NAME["customers"]
    with engine.connect() as conn:
        got = dict(conn.execute(select(c.c.customer_id, c.c.created_at)).all())
    assert got["C1"] == datetime(2025, 1, 9, 23)   # midnight in Berlin (CET, +1)
    assert got["C2"] == datetime(2025, 2, 1, 8)    # explicit Z stays


def test_reimport_is_idempotent(engine, tmp_path):
    import_baseline(engine, tmp_path)
    before = snapshot(engine)
    report = import_folder(engine, tmp_path / "baseline", tz_name="UTC")
    after = snapshot(engine)
    assert report.rows_by_table["deals"] == 3
    assert {k: v for k, v in after.items() if k != "data_version"} == \
        {k: v for k, v in before.items() if k != "data_version"}


def test_reimport_upserts_changed_values_and_adds_new_rows(engine, tmp_path):
    import_baseline(engine, tmp_path)
    version = snapshot(engine)["data_version"]
    folder = write_folder(tmp_path / "update", {"deals.csv": """deal_id,customer_id,owner_id,amount,created_at,closed_at,status,stage
D2,C2,O2,750,2025-02-10,2025-04-01,won,Won
D4,C1,O2,80,2025-04-01,,open,Lead
"""})
    import_folder(engine, folder, tz_name="UTC")
    d = TABLES_BY_NAME["deals"]
    with engine.connect() as conn:
        d2 = conn.execute(select(d).where(d.c.deal_id == "D2")).one()
        assert (d2.amount, d2.status, d2.closed_at) == (750.0, "won", datetime(2025, 4, 1))
        assert conn.execute(select(func.count()).select_from(d)).scalar() == 4  # D1..D4, no copies
        # D1 is not in the file and not replaced: untouched, campaign kept
        assert conn.execute(select(d.c.campaign_id).where(d.c.deal_id == "D1")).scalar() == "K1"
        assert data_version(conn) > version


def test_replace_deletes_rows_missing_from_the_snapshot_and_their_dependents(engine, tmp_path):
    import_baseline(engine, tmp_path)
    # the CRM deleted customer C3 and campaign K1
    folder = write_folder(tmp_path / "snap", {
        "customers.csv": "customer_id,name,created_at\nC1,Alpha GmbH,2025-01-10\nC2,Beta AB,2025-02-01\n",
        "campaigns.csv": "campaign_id,name,channel,started_at,cost\n",
    })
    import_folder(engine, folder, tz_name="UTC", replace=["customers", "campaigns"])
    after = counts(engine)
    # C3's deal D3, its history row, its order SO2, its assignment and its case CS1 go with it
    assert after == {"owners": 2, "customers": 2, "campaigns": 0, "deals": 2,
                     "deal_stage_history": 3, "lifecycle_history": 0, "touchpoints": 0,
                     "orders": 1, "experiments": 1, "experiment_assignments": 1, "cases": 0,
                     "targets": 1}
    d = TABLES_BY_NAME["deals"]
    with engine.connect() as conn:
        # an optional reference to a deleted campaign is cleared; the deal itself stays
        assert conn.execute(select(d.c.deal_id, d.c.campaign_id).order_by(d.c.deal_id)).all() == \
            [("D1", None), ("D2", None)]


def test_trailing_separators_are_ignored(engine, tmp_path):
    folder = write_folder(tmp_path / "f", {"owners.csv": "owner_id;name;team;\r\nO1;Anna;Alpine;\r\nO2;Jörg;;\r\n"})
    assert import_folder(engine, folder, tz_name="UTC").rows_by_table == {"owners": 2}
    o = TABLES_BY_NAME["owners"]
    with engine.connect() as conn:
        assert conn.execute(select(o.c.owner_id, o.c.team).order_by(o.c.owner_id)).all() == \
            [("O1", "Alpine"), ("O2", None)]


def test_without_replace_missing_rows_stay(engine, tmp_path):
    import_baseline(engine, tmp_path)
    folder = write_folder(tmp_path / "partial", {"customers.csv": "customer_id,name,created_at\nC1,A,2025-01-10\n"})
    import_folder(engine, folder, tz_name="UTC")
    assert counts(engine)["customers"] == 3


def test_replace_without_its_file_is_an_error(engine, tmp_path):
    import_baseline(engine, tmp_path)
    before = snapshot(engine)
    folder = write_folder(tmp_path / "x", {"owners.csv": BASELINE["owners.csv"]})
    with pytest.raises(CsvImportError) as err:
        import_folder(engine, folder, tz_name="UTC", replace=["deals"])
    assert err.value.file == "deals.csv" and "no deals.csv" in err.value.problem
    assert snapshot(engine) == before


def test_import_files_takes_uploads_by_table_name_and_reports_progress(engine, tmp_path):
    upload = write_folder(tmp_path / "up", {"tmp123.csv": BASELINE["owners.csv"]})
    calls = []
    report = import_files(engine, {"owners": upload / "tmp123.csv"}, tz_name="UTC",
                          progress=lambda table, done, total: calls.append((table, done, total)))
    assert report.rows_by_table == {"owners": 2} and report.seconds >= 0
    assert calls[-1] == ("owners", 2, 2)
    assert counts(engine)["owners"] == 2


def test_import_bumps_the_change_counter_once_and_keeps_sqlite_triggers(engine, tmp_path):
    before = snapshot(engine)
    import_baseline(engine, tmp_path)
    after = snapshot(engine)
    assert after["data_version"] > before["data_version"]
    if engine.dialect.name == "sqlite":
        assert after["triggers"] == before["triggers"] > 0
        assert after["data_version"] == before["data_version"] + 1  # one bump, not one per row
