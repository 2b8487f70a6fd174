"""The view state in the URL: parse, write back, presets, cross-filter edits, bad input."""
from datetime import date

import pytest

from dashboard.urlstate import (
    PRESETS, ViewState, add_filter, clear_filters, get_param, parse_state, preset_range, remove_filter,
    set_params, state_to_search,
)
from queries.filters import Filters
from queries.period import Period
from settings import Settings

S = Settings(report_tz="Europe/Berlin", fiscal_year_start_month=4)
TODAY = date(2026, 11, 23)


def parse(search, default_lang="en"):
    return parse_state(search, S, TODAY, default_lang)


def test_empty_search_is_this_year_compared_with_the_previous_period():
    st = parse("")
    assert st.preset == "this_year"
    assert (st.period.start, st.period.end) == (date(2026, 1, 1), date(2027, 1, 1))
    assert (st.compare_period.start, st.compare_period.end) == (date(2025, 1, 1), date(2026, 1, 1))
    assert st.filters == Filters() and st.lang == "en" and not st.lang_in_url
    assert st.period.tz_name == "Europe/Berlin"


def test_the_example_from_the_issue():
    st = parse("?from=2025-01-01&to=2026-01-01&preset=this_year&compare=previous&region=DACH&lang=de")
    # a relative preset is recomputed from today, so the bookmark stays "this year"
    assert st.period.start == date(2026, 1, 1)
    assert st.filters.region == ("DACH",) and st.lang == "de" and st.lang_in_url


def test_custom_range_uses_from_and_to():
    st = parse("?preset=custom&from=2025-04-01&to=2025-07-01&compare=last_year")
    assert (st.period.start, st.period.end) == (date(2025, 4, 1), date(2025, 7, 1))
    assert (st.compare_period.start, st.compare_period.end) == (date(2024, 4, 1), date(2024, 7, 1))


def test_from_and_to_without_preset_mean_custom():
    st = parse("?from=2025-04-01&to=2025-07-01")
    assert st.preset == "custom" and st.period.start == date(2025, 4, 1)


@pytest.mark.parametrize("search", [
    "?preset=custom&from=2025-07-01&to=2025-04-01",       # to before from
    "?preset=custom&from=2025-04-01&to=2025-04-01",       # empty period
    "?preset=custom&from=yesterday&to=2025-04-01",
    "?preset=custom&from=0001-01-01&to=9999-12-31",       # far outside any data
    "?preset=bogus",
    "?from=2025-01-01",
])
def test_bad_periods_fall_back_to_the_default(search):
    st = parse(search)
    assert st.preset == "this_year" and st.period.start == date(2026, 1, 1)


@pytest.mark.parametrize("search", [
    "?compare=nope", "?lang=fr", "?region=" + "x" * 300, "?%zz=1&&==&", "?" + "a=1&" * 5000,
    None, 42, "?region=%00", "?owner=a,,b,", "?lang=DE",
])
def test_garbage_never_raises(search):
    st = parse(search)
    assert isinstance(st, ViewState)


def test_bad_values_fall_back_individually():
    st = parse("?compare=nope&lang=fr&team=Inside%20Sales&region=" + "x" * 300)
    assert st.compare == "previous" and st.lang == "en" and not st.lang_in_url
    assert st.filters.team == ("Inside Sales",) and st.filters.region == ()


def test_language_from_the_url_wins_over_the_browser():
    assert parse("?lang=en", default_lang="de").lang == "en"
    assert parse("", default_lang="de").lang == "de"
    assert parse("?lang=DE").lang == "de"


def test_comma_and_repeated_values_are_one_filter():
    st = parse("?owner=o1,o2&owner=o3&source_channel=email")
    assert st.filters.owner == ("o1", "o2", "o3") and st.filters.source_channel == ("email",)


def test_page_parameters_are_kept_in_extra():
    st = parse("?by=team&model=last_touch&region=DACH")
    assert dict(st.extra) == {"by": "team", "model": "last_touch"}


@pytest.mark.parametrize("search", [
    "?preset=custom&from=2025-04-01&to=2025-07-01&compare=last_year&region=DACH,(none)&owner=o%201&lang=de&by=team",
    "?preset=last_12_months&compare=previous",
    "?preset=fiscal_year&campaign=CMP-1&industry=Retail%20%26%20Trade",
    "",
])
def test_round_trip(search):
    st = parse(search)
    again = parse(state_to_search(st))
    assert again == st


def test_state_to_search_is_readable_and_omits_an_unchosen_language():
    st = parse("?region=DACH&preset=this_quarter")
    assert state_to_search(st) == "?preset=this_quarter&from=2026-10-01&to=2027-01-01&compare=previous&region=DACH"
    assert "lang=de" in state_to_search(st.with_lang("de"))


def test_with_extra_sets_and_removes_page_parameters():
    st = parse("?by=team").with_extra(by=None, model="linear")
    assert dict(st.extra) == {"model": "linear"}
    with pytest.raises(ValueError):
        st.with_extra(region="DACH")


# --- presets (today: Monday 23 Nov 2026; fiscal year from April) ------------------------------
@pytest.mark.parametrize("preset, start, end", [
    ("this_month", date(2026, 11, 1), date(2026, 12, 1)),
    ("last_month", date(2026, 10, 1), date(2026, 11, 1)),
    ("this_quarter", date(2026, 10, 1), date(2027, 1, 1)),
    ("last_quarter", date(2026, 7, 1), date(2026, 10, 1)),
    ("this_year", date(2026, 1, 1), date(2027, 1, 1)),
    ("last_year", date(2025, 1, 1), date(2026, 1, 1)),
    ("last_12_months", date(2025, 12, 1), date(2026, 12, 1)),
    ("fiscal_year", date(2026, 4, 1), date(2027, 4, 1)),
])
def test_presets(preset, start, end):
    assert preset_range(preset, TODAY, 4) == (start, end)


def test_fiscal_year_before_its_first_month_is_last_years():
    assert preset_range("fiscal_year", date(2026, 2, 10), 4) == (date(2025, 4, 1), date(2026, 4, 1))
    assert preset_range("fiscal_year", date(2026, 2, 10), 1) == (date(2026, 1, 1), date(2027, 1, 1))


def test_quarters_in_january():
    assert preset_range("last_quarter", date(2026, 1, 5)) == (date(2025, 10, 1), date(2026, 1, 1))


def test_every_preset_but_custom_has_a_range():
    for p in PRESETS:
        if p != "custom":
            s, e = preset_range(p, TODAY, 4)
            assert s < e


# --- editing a search -----------------------------------------------------------------------
def test_add_filter_appends_a_value_and_keeps_everything_else():
    s = add_filter("?preset=last_year&by=team&region=DACH", "region", "Nordics")
    assert parse(s).filters.region == ("DACH", "Nordics")
    assert get_param(s, "by") == "team" and get_param(s, "preset") == "last_year"


def test_add_filter_twice_adds_once():
    s = add_filter(add_filter("", "owner", "o1"), "owner", "o1")
    assert parse(s).filters.owner == ("o1",)


def test_add_filter_with_the_none_value():
    assert parse(add_filter("", "industry", "(none)")).filters.industry == ("(none)",)


def test_add_filter_refuses_an_unknown_filter():
    with pytest.raises(ValueError):
        add_filter("", "colour", "red")


def test_remove_filter_value_and_whole_filter():
    s = "?region=DACH,Nordics&team=A"
    assert parse(remove_filter(s, "region", "DACH")).filters.region == ("Nordics",)
    assert parse(remove_filter(s, "region")).filters.region == ()
    assert parse(remove_filter(remove_filter(s, "region", "DACH"), "region", "Nordics")).filters.active() == {"team": ("A",)}


def test_clear_filters_keeps_period_and_page_parameters():
    s = clear_filters("?preset=last_year&region=DACH&owner=o1&by=team&lang=de")
    st = parse(s)
    assert st.filters == Filters() and st.preset == "last_year" and st.lang == "de" and st.extra["by"] == "team"


def test_set_params():
    s = set_params("?a=1&b=2", a=None, c="x y", **{"from": "2025-01-01"})
    assert get_param(s, "a") is None and get_param(s, "c") == "x y" and get_param(s, "from") == "2025-01-01"
    assert set_params("", a=None) == ""


def test_period_is_a_queries_period():
    assert isinstance(parse("").period, Period)
