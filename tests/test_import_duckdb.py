"""DuckDB's CSV fast path (ingest/duckdb_csv.py): canonical files are read by DuckDB itself and
stored exactly as the Python reader stores them; anything else falls back to the Python reader,
so what is accepted, what is stored and the error messages do not depend on the path taken."""
from __future__ import annotations

from datetime import date

import pytest

from ingest import CsvImportError, duckdb_csv, import_folder
from ingest.demo import write_demo_csv
from queries.schema import CONTRACT_TABLES
from tests.conftest import WORKED_EXAMPLE
from tests.test_import import BASELINE, table_rows, write_folder


@pytest.fixture
def paths(monkeypatch):
    """Records which tables DuckDB read itself; `python_only()` turns the fast path off."""
    taken: dict[str, bool] = {}
    original = duckdb_csv.load

    def load(conn, tbl, *args):
        n = original(conn, tbl, *args)
        taken[tbl.name] = n is not None
        return n

    monkeypatch.setattr(duckdb_csv, "load", load)

    def python_only():
        monkeypatch.setattr(duckdb_csv, "load", lambda *a: None)
    taken["python_only"] = python_only
    return taken


def _rows(engine) -> dict:
    with engine.connect() as conn:
        return {t.name: table_rows(conn, t) for t in CONTRACT_TABLES}


def _both_paths(fresh_db, folder, tz_name, paths):
    fast, slow = fresh_db.make("duckdb"), fresh_db.make("duckdb")
    try:
        fast_report = import_folder(fast, folder, tz_name=tz_name)
        native = {k: v for k, v in paths.items() if k != "python_only"}
        paths["python_only"]()
        slow_report = import_folder(slow, folder, tz_name=tz_name)
        assert fast_report.rows_by_table == slow_report.rows_by_table
        assert _rows(fast) == _rows(slow)
        return native
    finally:
        fast.dispose()
        slow.dispose()


def test_demo_export_is_read_by_duckdb_and_stored_as_python_stores_it(fresh_db, tmp_path, paths):
    folder = tmp_path / "demo"
    write_demo_csv(folder, deals=300, seed=5, today=date(2026, 3, 15))
    native = _both_paths(fresh_db, folder, "Europe/Berlin", paths)
    assert native == {t.name: True for t in CONTRACT_TABLES}   # every file took the fast path


def test_worked_example_in_utc_takes_the_fast_path_where_canonical(fresh_db, paths):
    native = _both_paths(fresh_db, WORKED_EXAMPLE / "csv", "UTC", paths)
    assert native["deals"] and native["targets"] and native["orders"]


def test_other_spellings_fall_back_to_python_with_the_same_result(fresh_db, tmp_path, paths):
    files = dict(BASELINE)
    files["owners.csv"] = "owner_id,name,team,region\nO1, Anna Müller ,Alpine,DACH\nO2,Jörg Schäfer,North,Nordics\n"
    files["customers.csv"] = ("customer_id,name,created_at,region\nC1,Alpha GmbH,2025-01-10T09:00:00+01:00,DACH\n"
                              "C2,\"Beta, AB\",2025-02-01T08:00:00Z,Nordics\nC3,Gamma BV,01.03.2025 10:00,Benelux\n")
    files["deals.csv"] = ("deal_id;customer_id;owner_id;campaign_id;amount;created_at;closed_at;status;stage\n"
                          "D1;C1;O1;K1;1.000,50;2025-01-15;2025-02-01;WON;Won\n"
                          "D2;C2;O2;;500;2025-02-10;;open;Proposal\nD3;C3;O1;K1;200;2025-03-05;2025-03-20;lost;Lost\n")
    files["targets.csv"] = "kpi,period_start,period_end,scope,target\nwon_revenue,2025-01-01,2025-02-01,ALL,5000\n"
    files["cases.csv"] = ("case_id,customer_id,owner_id,channel,opened_at,satisfaction\n"
                          "CS1,C3,O1,email,2025-03-10,4.0\n").encode("cp1252")
    native = _both_paths(fresh_db, write_folder(tmp_path / "mixed", files), "UTC", paths)
    for table in ("owners", "customers", "deals", "targets", "cases"):
        assert not native[table], table        # each holds a spelling only Python reads
    assert native["orders"] and native["campaigns"]


MULTILINE_THEN_DUPLICATE = """deal_id,customer_id,owner_id,campaign_id,lost_reason,amount,created_at,closed_at,status,stage
D1,C1,O1,K1,"two
lines",1000,2025-01-15,2025-02-01,won,Won
D1,C2,O2,,,500,2025-02-10,,open,Proposal
"""
UNKNOWN_CUSTOMER = """deal_id,customer_id,owner_id,campaign_id,amount,created_at,closed_at,status,stage
D1,C1,O1,K1,1000,2025-01-15,2025-02-01,won,Won
D2,C9,O2,,500,2025-02-10,,open,Proposal
"""


@pytest.mark.parametrize("deals_csv, line, column, problem", [
    (MULTILINE_THEN_DUPLICATE, 4, "deal_id", "duplicate key: line 2 has the same deal_id"),
    (UNKNOWN_CUSTOMER, 3, "customer_id", "'C9' is not in customers"),
])
def test_errors_found_after_a_fast_read_name_the_exact_line(fresh_db, tmp_path, paths, deals_csv, line, column,
                                                            problem):
    files = {k: v for k, v in BASELINE.items() if k not in ("deal_stage_history.csv", "cases.csv")}
    files["deals.csv"] = deals_csv
    engine = fresh_db.make("duckdb")
    try:
        with pytest.raises(CsvImportError) as err:
            import_folder(engine, write_folder(tmp_path / "bad", files), tz_name="UTC")
        assert (err.value.file, err.value.line, err.value.column) == ("deals.csv", line, column)
        assert problem in err.value.problem
        assert paths["deals"]   # DuckDB read the file; Python only found the line
        assert _rows(engine)["deals"] == []   # all or nothing
    finally:
        engine.dispose()
