"""The column-wise fast path of ingest/csv_reader.py equals the per-row reference converter."""
from __future__ import annotations

import csv
from operator import methodcaller
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ingest.csv_parsing import (
    CsvImportError,
    convert_rows,
    detect_delimiter,
    detect_encoding,
    plan_columns,
    row_rule,
)
from ingest.csv_reader import Fallback, chunk_converter, read_chunks
from queries.schema import CONTRACT_TABLES, TABLES_BY_NAME

WORKED = Path(__file__).resolve().parent / "fixtures" / "worked_example"


def store(col):
    return methodcaller("isoformat", " ") if col.type.python_type.__name__ == "datetime" \
        else methodcaller("isoformat")


def both_paths(path: Path, table, tz_name: str):
    """(fast result, reference result) for the whole file as one chunk."""
    tz = ZoneInfo(tz_name)
    with open(path, encoding=detect_encoding(path, path.name), newline="") as f:
        header_line = f.readline()
        delim = detect_delimiter(header_line)
        header = next(csv.reader([header_line], delimiter=delim))
        rows = list(csv.reader(f, delimiter=delim))
    lines = list(range(2, len(rows) + 2))  # no multi-line fields in these files
    plan = plan_columns(table, header, path.name, delim == ";", tz, store)
    fast = chunk_converter(table, plan, delim == ";", tz, store, len(header), True, row_rule(table, plan))
    return fast(rows, lines), convert_rows(rows, lines, plan, table, path.name, len(header), True)


@pytest.mark.parametrize("flavour", ["csv", "csv-german"])
@pytest.mark.parametrize("tz_name", ["UTC", "Europe/Berlin"])
@pytest.mark.parametrize("table", [t.name for t in CONTRACT_TABLES])
def test_fast_path_takes_the_worked_example_and_equals_the_reference(flavour, tz_name, table):
    fast, reference = both_paths(WORKED / flavour / f"{table}.csv", TABLES_BY_NAME[table], tz_name)
    assert fast == reference


TRICKY_SEMICOLON = (
    "deal_id;customer_id;owner_id;amount;created_at;closed_at;status;stage;lost_reason\n"
    "D1;C1;O1;1.234,56;01.03.2026 14:05;;OPEN;Lead;\n"
    "D2;C1;O1;0.125;31.12.2025;26.10.2025 02:30:15;Won;Won;\n"      # DST-ambiguous, fold=0
    "D3;C1;O1;12,5;29.03.2026 02:30;29.03.2026 03:30;lost;Lost;price\n"  # 02:30 does not exist
    "D4;C1;O1;-0;01.03.2026;01.04.2026 00:00:01;lost;Lost;\n"
)
TRICKY_COMMA = (
    "deal_id,customer_id,owner_id,amount,created_at,closed_at,status,stage\n"
    "D1,C1,O1,1e3,2026-03-01T14:05:59.999Z,,open,Lead\n"
    "D2,C1,O1,.5,2026-03-01 14:05,2026-03-02T00:00:00+05:30,won,Won\n"
    "D3,C1,O1,7,2026-03-01,2026-03-02T23:59:59-05:00,lost,Lost\n"
)


@pytest.mark.parametrize("content", [TRICKY_SEMICOLON, TRICKY_COMMA])
@pytest.mark.parametrize("tz_name", ["UTC", "Europe/Berlin", "America/New_York"])
def test_fast_path_equals_reference_on_tricky_valid_values(tmp_path, content, tz_name):
    path = tmp_path / "deals.csv"
    path.write_text(content, encoding="utf-8")
    fast, reference = both_paths(path, TABLES_BY_NAME["deals"], tz_name)
    assert fast == reference


@pytest.mark.parametrize("content", [
    # mixed ISO and German timestamps in one column, a blank line, an empty optional number
    ("deal_id,customer_id,owner_id,amount,created_at,status,stage\nD1,C1,O1,5,2026-03-01,open,Lead\n"
     "D2,C1,O1,5,01.03.2026,open,Lead\n\nD3,C1,O1,6,2026-03-02,open,Lead\n"),
    # trailing empty fields beyond the header (some spreadsheet exports write them)
    "order_id,customer_id,ordered_at,revenue\nO1,C1,2026-03-01,3,,\nO2,C1,2026-03-01,4\n",
])
def test_chunks_the_fast_path_declines_are_converted_by_the_reference(tmp_path, content):
    path = tmp_path / "t.csv"
    path.write_text(content, encoding="utf-8")
    table = TABLES_BY_NAME["deals" if content.startswith("deal") else "orders"]
    got = [row for chunk in read_chunks(path, table, name="t.csv", tz=ZoneInfo("UTC"), store=store)
           for row in chunk]
    with open(path, encoding="utf-8", newline="") as f:
        f.readline()
        rows = list(csv.reader(f))
    header = content.split("\n", 1)[0].split(",")
    plan = plan_columns(table, header, "t.csv", False, ZoneInfo("UTC"), store)
    lines = list(range(2, len(rows) + 2))
    fast = chunk_converter(table, plan, False, ZoneInfo("UTC"), store, len(header), True, None)
    with pytest.raises(Fallback):
        fast(rows, lines)
    assert got == convert_rows(rows, lines, plan, table, "t.csv", len(header), True)
    assert len(got) == 3 if table.name == "deals" else len(got) == 2


def test_fast_path_gives_up_on_a_bad_value_so_the_reference_can_word_the_error(tmp_path):
    path = tmp_path / "deals.csv"
    path.write_text("deal_id,customer_id,owner_id,amount,created_at,status,stage\n"
                    "D1,C1,O1,5,2026-03-01,open,Lead\nD2,C1,O1,-5,2026-03-01,open,Lead\n", encoding="utf-8")
    with pytest.raises(Fallback):
        both_paths(path, TABLES_BY_NAME["deals"], "UTC")
    with pytest.raises(CsvImportError) as err:
        list(read_chunks(path, TABLES_BY_NAME["deals"], name="deals.csv", tz=ZoneInfo("UTC"), store=store))
    assert (err.value.line, err.value.column) == (3, "amount")


def test_line_numbers_stay_physical_across_chunks_with_multi_line_fields(tmp_path):
    path = tmp_path / "owners.csv"
    path.write_text('owner_id,name\nO1,"two\nlines"\nO2,B\n\nO3,"three\r\nlines\nhere"\nO4,D\nO5,"x\ny"\nO6,F\n',
                    encoding="utf-8", newline="")
    #               line 2-3        line 4  5 blank  line 6-8                 line 9  line 10-11  line 12
    rows = [row for chunk in read_chunks(path, TABLES_BY_NAME["owners"], name="owners.csv",
                                         tz=ZoneInfo("UTC"), store=store, chunk_rows=2) for row in chunk]
    assert [(r[0], r[-1]) for r in rows] == [("O1", 2), ("O2", 4), ("O3", 6), ("O4", 9), ("O5", 10), ("O6", 12)]
    assert rows[2][1] == "three\r\nlines\nhere"
