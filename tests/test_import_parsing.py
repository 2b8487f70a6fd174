"""Value formats of DATA_CONTRACT.md "General rules" (no database needed)."""
from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from ingest.csv_parsing import (
    BadValue,
    CsvImportError,
    detect_delimiter,
    detect_encoding,
    parse_bool,
    parse_date,
    parse_number,
    timestamp_parser,
)

BERLIN = ZoneInfo("Europe/Berlin")
UTC = ZoneInfo("UTC")
TEXT = lambda dt: dt.isoformat(" ")


@pytest.mark.parametrize("raw, expected", [
    ("1.234,56", 1234.56), ("12.345.678,9", 12345678.9), ("0,31", 0.31), ("1234,5", 1234.5),
    ("12.5", 12.5), ("1234", 1234.0), ("0.125", 0.125), ("-3,5", -3.5),
])
def test_semicolon_file_reads_decimal_comma_the_german_way(raw, expected):
    assert parse_number(raw, semicolon_file=True) == expected


@pytest.mark.parametrize("raw", ["1.234", "12.345.678", "-1.000"])
def test_dots_in_thousands_positions_without_comma_are_ambiguous(raw):
    with pytest.raises(BadValue, match="ambiguous"):
        parse_number(raw, semicolon_file=True)


def test_comma_file_uses_the_decimal_point_and_rejects_a_decimal_comma():
    assert parse_number("1.234", semicolon_file=False) == 1.234  # not ambiguous with ','
    with pytest.raises(BadValue, match="decimal point"):
        parse_number("1,5", semicolon_file=False)


@pytest.mark.parametrize("raw", ["1.23,4", "abc", "nan", "inf", "1_000", "€5", "1 234"])
def test_malformed_numbers_are_rejected(raw):
    with pytest.raises(BadValue, match="not a valid number"):
        parse_number(raw, semicolon_file=True)


@pytest.mark.parametrize("raw, expected", [
    ("2026-03-01", "2026-03-01 00:00:00"),
    ("2026-03-01T14:05:00", "2026-03-01 14:05:00"),
    ("2026-03-01T14:05:00Z", "2026-03-01 14:05:00"),
    ("2026-03-01T14:05:00+02:00", "2026-03-01 12:05:00"),
    ("2026-03-01T14:05:00-05:00", "2026-03-01 19:05:00"),
    ("2026-03-01T14:05:59.900Z", "2026-03-01 14:05:59"),  # whole seconds: fraction cut off
    ("01.03.2026", "2026-03-01 00:00:00"),
    ("01.03.2026 14:05", "2026-03-01 14:05:00"),
    ("1.3.2026 14:05:30", "2026-03-01 14:05:30"),
])
def test_timestamps_in_utc_reporting_zone(raw, expected):
    assert timestamp_parser(UTC, TEXT)(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    # winter: CET = UTC+1, so local midnight is 23:00 UTC the day before
    ("2026-01-10", "2026-01-09 23:00:00"),
    ("10.01.2026 12:00", "2026-01-10 11:00:00"),
    # summer: CEST = UTC+2
    ("2026-07-01T12:00:00", "2026-07-01 10:00:00"),
    # an explicit offset wins over the reporting zone
    ("2026-07-01T12:00:00Z", "2026-07-01 12:00:00"),
    # 2025-10-26 02:30 happens twice in Berlin; fold=0 takes the first (CEST, +2)
    ("26.10.2025 02:30", "2025-10-26 00:30:00"),
])
def test_timestamp_without_offset_is_in_the_reporting_zone(raw, expected):
    assert timestamp_parser(BERLIN, TEXT)(raw) == expected


@pytest.mark.parametrize("raw, phrase", [
    ("31.02.2025", "not a valid date"), ("2025-02-31", "not a valid date"),
    ("2025-13-01T10:00:00", "not a valid timestamp"), ("yesterday", "not a valid"),
    ("01.03.2026 25:00", "not a valid timestamp"),
])
def test_bad_timestamps_are_rejected(raw, phrase):
    with pytest.raises(BadValue, match=phrase):
        timestamp_parser(UTC, TEXT)(raw)


def test_plain_dates_for_targets():
    assert parse_date("2026-03-01") == date(2026, 3, 1)
    assert parse_date("01.03.2026") == date(2026, 3, 1)
    for bad in ("2026-03-01T10:00", "31.02.2026", "20260301"):
        with pytest.raises(BadValue):
            parse_date(bad)


@pytest.mark.parametrize("raw, expected", [
    ("true", True), ("FALSE", False), ("1", True), ("0", False), ("ja", True), ("Nein", False),
    ("yes", True), ("no", False),
])
def test_booleans(raw, expected):
    assert parse_bool(raw) is expected


def test_boolean_rejects_other_words():
    with pytest.raises(BadValue, match="yes/no"):
        parse_bool("maybe")


def test_delimiter_is_detected_from_the_header():
    assert detect_delimiter("a;b;c\r\n") == ";"
    assert detect_delimiter("a,b,c\n") == ","


def test_encoding_utf8_with_bom_then_cp1252_then_error(tmp_path):
    f = tmp_path / "x.csv"
    f.write_bytes("\ufeffname\nMüller\n".encode("utf-8"))
    assert detect_encoding(f, "x.csv") == "utf-8-sig"
    f.write_bytes("name\nMüller\n".encode("cp1252"))
    assert detect_encoding(f, "x.csv") == "cp1252"
    # 0x8D is undefined in cp1252 and not valid UTF-8 on its own: line 3 holds it
    f.write_bytes(b"name\nM\xfcller\nbad \x8d byte\n")
    with pytest.raises(CsvImportError) as err:
        detect_encoding(f, "x.csv")
    assert (err.value.file, err.value.line) == ("x.csv", 3)
    assert "neither UTF-8 nor" in err.value.problem
