"""One formatter per language (dashboard/formatting.py). NBSP: German number–unit space."""
from datetime import date, datetime

import pytest

from dashboard.formatting import MINUS, NBSP, NULL, PLOTLY_LOCALE_DE, Formatter

DE = Formatter("de", "EUR", "Europe/Berlin")
EN = Formatter("en", "EUR", "Europe/Berlin")


def test_money_in_german_has_decimal_comma_and_euro_after():
    assert DE.money(1234.56) == f"1.234,56{NBSP}€"


def test_money_in_english_has_euro_before():
    assert EN.money(1234.56) == "€1,234.56"


def test_negative_money_and_rounding():
    assert DE.money(-1234.565, 0) == f"{MINUS}1.235{NBSP}€"     # the minus sign U+2212, not "-"
    assert EN.money(-0.004) == "€0.00"  # rounds to zero: no "−€0.00"
    assert MINUS == "\u2212" and DE.number(-3) == EN.number(-3) == "\u22123"


def test_unknown_currency_is_shown_by_its_code():
    assert Formatter("en", "CHF").money(10) == f"CHF{NBSP}10.00"
    assert Formatter("de", "CHF").money(10) == f"10,00{NBSP}CHF"


def test_percent_of_a_ratio():
    assert DE.percent(0.263) == f"26,3{NBSP}%"
    assert EN.percent(0.263) == "26.3%"
    assert EN.percent(1) == "100.0%"


def test_dates():
    assert DE.date(date(2025, 12, 31)) == "31.12.2025"
    assert EN.date(date(2025, 12, 31)) == "2025-12-31"
    assert DE.date("2025-12-31") == "31.12.2025"


def test_naive_timestamps_are_utc_and_shown_in_the_reporting_zone():
    # 23:30 UTC on 31 Dec is already 1 Jan 00:30 in Berlin (UTC+1 in winter)
    assert DE.date(datetime(2025, 12, 31, 23, 30)) == "01.01.2026"
    assert DE.datetime(datetime(2025, 12, 31, 23, 30)) == "01.01.2026 00:30"
    assert EN.time(datetime(2025, 7, 1, 12, 0, 5)) == "14:00:05"  # summer: UTC+2


@pytest.mark.parametrize("fmt", [DE, EN])
@pytest.mark.parametrize("method", ["money", "percent", "number", "days", "date", "datetime", "money_compact", "count"])
def test_none_and_nan_are_a_dash(fmt, method):
    assert getattr(fmt, method)(None) == NULL
    if method not in ("date", "datetime"):
        assert getattr(fmt, method)(float("nan")) == NULL


def test_durations_in_days():
    assert DE.days(12.46) == f"12,5{NBSP}Tage"
    assert EN.days(12.46) == f"12.5{NBSP}days"
    assert EN.days(1.0) == f"1.0{NBSP}day"


def test_compact_money_for_cards():
    assert DE.money_compact(1_234_567) == f"1,2{NBSP}Mio.{NBSP}€"
    assert EN.money_compact(1_234_567) == "€1.2M"
    assert EN.money_compact(45_600) == "€45.6k"
    assert EN.money_compact(9_999) == "€9,999"          # small values stay exact
    assert EN.money_compact(-12_345) == f"{MINUS}€12.3k"
    assert EN.money_compact(250_000_000) == "€250M"      # three digits: no decimal


def test_percentage_points_and_signed_change():
    assert DE.points(0.021) == f"+2,1{NBSP}Pp."
    assert EN.points(-0.005) == f"{MINUS}0.5{NBSP}pp"
    assert EN.signed_percent(0.123) == "+12.3%"
    assert DE.signed_percent(-0.04) == f"{MINUS}4,0{NBSP}%"


@pytest.mark.parametrize("value", [0, 0.0004, -0.0004])
def test_a_change_that_rounds_to_zero_is_plus_minus_zero(value):
    # "+0.0%" or "−0.0%" would claim a direction the reader cannot see
    assert EN.signed_percent(value) == "±0%" and DE.signed_percent(value) == f"±0{NBSP}%"
    assert EN.points(value) == f"±0{NBSP}pp" and DE.points(value) == f"±0{NBSP}Pp."
    assert EN.signed_percent(0.0006) == "+0.1%" and EN.signed_percent(-0.0006) == f"{MINUS}0.1%"


def test_signed_numbers_share_the_signs():
    assert DE.signed(-2.345, 1) == f"{MINUS}2,3" and EN.signed(1234.5, 1, "days") == f"+1,234.5{NBSP}days"
    assert DE.signed(0.01, 1) == "±0" and EN.signed(None) == NULL


def test_month_labels():
    assert DE.month("2025-03") == "Mär 2025"
    assert EN.month("2025-03", long=True) == "March 2025"
    assert EN.month("none") == "none"


def test_period_is_shown_with_its_inclusive_last_day():
    assert DE.period(date(2025, 1, 1), date(2026, 1, 1)) == "01.01.2025 – 31.12.2025"


def test_plotly_config_carries_the_german_locale_inline():
    cfg = DE.plotly_config()
    assert cfg["locale"] == "de" and cfg["locales"]["de"] is PLOTLY_LOCALE_DE
    assert PLOTLY_LOCALE_DE["format"]["decimal"] == ","
    assert "locale" not in EN.plotly_config()
    assert DE.separators == ",." and EN.separators == ".,"


def test_hover_templates():
    assert DE.hover_money("y") == f"%{{y:,.0f}}{NBSP}€"
    assert EN.hover_money("x", 2) == "€%{x:,.2f}"


def test_value_by_kind():
    assert EN.value(0.5, "percent") == "50.0%"
    assert EN.value(1500, "money_per_day") == "€1,500/day"
    assert DE.value(3, "count") == "3"
    assert EN.value(None, "money_per_day") == NULL
