"""Bad CSV input (DATA_CONTRACT.md "General rules"): a clear error and an unchanged database.

Every case imports, next to the bad file, a valid customers.csv that renames C1 and adds C9,
so a rollback that forgot anything would show up in the snapshot (all rows of all tables,
the change counter, SQLite's triggers, indexes and foreign keys). Since every case asserts
the database is unchanged, the cases share one database per engine kind.
"""
from __future__ import annotations

import pytest

from ingest import CsvImportError, import_folder
from tests.conftest import ENGINES
from tests.test_import import BASELINE, import_baseline, snapshot, write_folder

BASELINE_TABLES = [name[:-4] for name in BASELINE]
VALID_CHANGE = "customer_id,name,created_at\nC1,Renamed GmbH,2025-01-10\nC9,New AG,2025-05-01\n"
DEALS_HEAD = "deal_id,customer_id,owner_id,amount,created_at,closed_at,status,stage\n"
D_OK = "D7,C1,O1,10,2025-01-15,,open,Lead\n"

CASES = {
    # name: (files, (file, line, column, phrase in problem))
    "unknown_column": (
        {"deals.csv": "deal_id,customer_id,owner_id,amout,created_at,status,stage\n"},
        ("deals.csv", 1, "amout", "unknown column")),
    "missing_required_column": (
        {"deals.csv": "deal_id,customer_id,owner_id,created_at,status,stage\n"},
        ("deals.csv", 1, "amount", "required column missing")),
    "missing_key": (
        {"deals.csv": DEALS_HEAD + D_OK + ",C1,O1,10,2025-01-15,,open,Lead\n"},
        ("deals.csv", 3, "deal_id", "a value is required")),
    "bad_date": (
        {"customers.csv": "customer_id,name,created_at\nC1,A,2025-01-10\nC2,B,31.02.2025\n"},
        ("customers.csv", 3, "created_at", "'31.02.2025' is not a valid date")),
    "ambiguous_thousands_in_semicolon_file": (
        {"deals.csv": DEALS_HEAD.replace(",", ";") + D_OK.replace(",", ";").replace(";10;", ";12,5;")
         + "D8;C1;O1;1.234;15.01.2025;;open;Lead\n"},
        ("deals.csv", 3, "amount", "'1.234' is ambiguous")),
    "negative_amount": (
        {"deals.csv": DEALS_HEAD + D_OK + "D8,C1,O1,-5,2025-01-15,,open,Lead\n"},
        ("deals.csv", 3, "amount", "negative")),
    "unknown_foreign_key": (
        {"deals.csv": DEALS_HEAD + D_OK + "D8,C1,O1,5,2025-01-15,,open,Lead\nD9,C404,O1,5,2025-01-15,,open,Lead\n"},
        ("deals.csv", 4, "customer_id", "'C404' is not in customers")),
    "foreign_key_to_a_row_of_the_same_import_is_fine_but_not_to_a_missing_one": (
        {"deals.csv": DEALS_HEAD + "D8,C9,O1,5,2025-01-15,,open,Lead\nD9,C1,O9,5,2025-01-15,,open,Lead\n"},
        ("deals.csv", 3, "owner_id", "'O9' is not in owners")),
    "neither_utf8_nor_cp1252": (
        {"owners.csv": b"owner_id,name\nO1,Anna\nO3,Bad \x81 byte\n"},
        ("owners.csv", 3, None, "neither UTF-8 nor")),
    "duplicate_key_in_one_file": (
        {"deals.csv": DEALS_HEAD + D_OK + "D8,C1,O1,5,2025-01-15,,open,Lead\n" + D_OK},
        ("deals.csv", 4, "deal_id", "duplicate key: line 2")),
    "duplicate_composite_key": (
        {"deal_stage_history.csv": "deal_id,stage,entered_at\nD1,Lead,2025-01-15\nD1,Won,2025-02-01\n"
                                   "D1,Lead,15.01.2025\n"},
        ("deal_stage_history.csv", 4, "deal_id, stage, entered_at", "duplicate key: line 2")),
    "open_status_with_closed_at": (
        {"deals.csv": DEALS_HEAD + D_OK + "D8,C1,O1,5,2025-01-15,2025-02-01,open,Lead\n"},
        ("deals.csv", 3, "status", "closed_at is set")),
    "won_status_without_closed_at": (
        {"deals.csv": DEALS_HEAD + D_OK + "D8,C1,O1,5,2025-01-15,,won,Won\n"},
        ("deals.csv", 3, "closed_at", "required when status is 'won'")),
    "unknown_status": (
        {"deals.csv": DEALS_HEAD + "D8,C1,O1,5,2025-01-15,,pending,Lead\n"},
        ("deals.csv", 2, "status", "not a deal status")),
    "satisfaction_outside_1_to_5": (
        {"cases.csv": "case_id,customer_id,channel,opened_at,satisfaction\nCS2,C1,email,2025-03-10,6\n"},
        ("cases.csv", 2, "satisfaction", "outside 1..5")),
    "bad_target_scope": (
        {"targets.csv": "kpi,period_start,period_end,scope,target\nwin_rate,2025-01-01,2025-02-01,team:x,0.3\n"},
        ("targets.csv", 2, "scope", "not a scope")),
    "bad_boolean": (
        {"experiment_assignments.csv": "experiment_id,customer_id,variant,assigned_at,converted\n"
                                       "EXP1,C2,test,2025-01-02,vielleicht\n"},
        ("experiment_assignments.csv", 2, "converted", "not a yes/no value")),
    # line numbers are physical lines: the quoted name of line 2 spans lines 2-3
    "line_number_after_a_multi_line_field": (
        {"owners.csv": 'owner_id,name,team\nO1,"Anna\nMüller",Alpine\nO5,,North\n'},
        ("owners.csv", 4, "name", "a value is required")),
    "line_number_with_crlf_inside_quotes": (
        {"owners.csv": 'owner_id,name,team\r\nO1,"Anna\r\nMüller",Alpine\r\nO5,,North\r\n'},
        ("owners.csv", 4, "name", "a value is required")),
    "blank_lines_count_as_lines": (
        {"owners.csv": "owner_id,name\nO1,Anna\n\nO5,\n"},
        ("owners.csv", 4, "name", "a value is required")),
    "malformed_quotes": (
        {"owners.csv": 'owner_id,name,team\nO1,Anna,Alpine\nO5,"Bob"by,North\nO6,Eve,South\n'},
        ("owners.csv", 3, None, "malformed CSV")),
    "header_column_without_name": (
        {"owners.csv": "owner_id,,name\nO1,x,Anna\n"},
        ("owners.csv", 1, None, "header column 2 has no name")),
    "wrong_number_of_values": (
        {"owners.csv": "owner_id,name,team\nO1,Anna,Alpine\nO5,Bob\n"},
        ("owners.csv", 3, None, "has 2 values but the header has 3 columns")),
    "unknown_file": (
        {"leads.csv": "lead_id\nL1\n"},
        ("leads.csv", None, None, "not a table of the data contract")),
    "no_header_row": (
        {"owners.csv": "O1,Anna Müller,Alpine,DACH\n"},
        ("owners.csv", 1, None, "must be the header row")),
    "value_too_long_for_its_column": (
        {"owners.csv": "owner_id,name\n" + "O" * 65 + ",Anna\n"},
        ("owners.csv", 2, "owner_id", "longer than 64 characters")),
}


@pytest.fixture(scope="module", params=ENGINES)
def baseline_engine(request, fresh_db, tmp_path_factory):
    """A database holding the baseline export (shared: the tests below must not change it)."""
    eng = fresh_db.make(request.param)
    import_baseline(eng, tmp_path_factory.mktemp("baseline"))
    yield eng
    eng.dispose()


@pytest.fixture(scope="module", params=ENGINES)
def empty_engine(request, fresh_db):
    """An empty database (shared: the tests below must leave it empty)."""
    eng = fresh_db.make(request.param)
    yield eng
    eng.dispose()


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_gives_a_clear_error_and_changes_nothing(baseline_engine, tmp_path, case):
    engine = baseline_engine
    before = snapshot(engine)
    files, (file, line, column, phrase) = CASES[case]
    folder = write_folder(tmp_path / "bad", {"customers.csv": VALID_CHANGE, **files})
    with pytest.raises(CsvImportError) as err:
        import_folder(engine, folder, tz_name="UTC")
    e = err.value
    assert (e.file, e.line, e.column) == (file, line, column), str(e)
    assert phrase in e.problem, str(e)
    assert str(e).startswith(file)
    assert snapshot(engine) == before


def test_error_message_names_file_line_column_and_problem(empty_engine, tmp_path):
    engine = empty_engine
    folder = write_folder(tmp_path / "bad", {
        "customers.csv": "customer_id,name,created_at\n"
                         + "".join(f"C{i},N,2025-01-10\n" for i in range(1, 16)) + "C16,N,31.02.2025\n"})
    with pytest.raises(CsvImportError) as err:
        import_folder(engine, folder, tz_name="UTC")
    assert str(err.value).startswith("customers.csv, line 17, column created_at: '31.02.2025' is not a valid date")


@pytest.mark.parametrize("case", ["unknown_foreign_key", "duplicate_key_in_one_file",
                                  "duplicate_composite_key", "open_status_with_closed_at"])
def test_bad_input_into_an_empty_database_changes_nothing(empty_engine, tmp_path, case):
    """Empty tables are bulk-loaded (indexes and, on PostgreSQL, foreign keys dropped and
    re-created): the error must still name the line, and everything must be as before."""
    engine = empty_engine
    before = snapshot(engine)
    assert not any(before[t] for t in BASELINE_TABLES)
    files, (file, line, column, phrase) = CASES[case]
    folder = write_folder(tmp_path / "bad", {**BASELINE, **files})
    with pytest.raises(CsvImportError) as err:
        import_folder(engine, folder, tz_name="UTC")
    e = err.value
    assert (e.file, e.line, e.column) == (file, line, column), str(e)
    assert phrase in e.problem, str(e)
    assert snapshot(engine) == before
