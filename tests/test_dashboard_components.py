"""Non-query logic of the shared components: KPI arithmetic, CSV export, grid rows, the guard."""
import csv
import io
import logging
from datetime import date, datetime

import pandas as pd
import plotly.graph_objects as go
import pytest
from dash import html

from dashboard import i18n
from dashboard.components import charts, drilldown, grid
from dashboard.components.filter_bar import chips, dropdown_options
from dashboard.components.kpi_card import KPI_SPECS, change_ratio, elapsed_fraction, kpi_card, target_status
from dashboard.formatting import Formatter
from dashboard.pages import PAGES
from queries.filters import FILTER_NAMES, Filters
from queries.period import Period

Y2026 = Period(date(2026, 1, 1), date(2027, 1, 1), "UTC")


# --- KPI card ---------------------------------------------------------------------------------
def test_elapsed_share_of_a_running_period():
    # 1 Jan..today inclusive: 10 Jan is day 10 of 365
    assert elapsed_fraction(Y2026, date(2026, 1, 10)) == pytest.approx(10 / 365)
    assert elapsed_fraction(Y2026, date(2027, 3, 1)) == 1.0      # over
    assert elapsed_fraction(Y2026, date(2025, 12, 31)) == 0.0    # not begun


def test_change_ratio_is_null_without_a_base():
    assert change_ratio(120, 100) == pytest.approx(0.2)
    assert change_ratio(-50, -100) == pytest.approx(0.5)   # relative to |previous|
    assert change_ratio(5, 0) is None and change_ratio(None, 3) is None and change_ratio(3, None) is None


def test_on_track_means_at_least_the_pro_rata_target():
    # half the year gone, target 1000: 500 is exactly on track, 450 is 90 % (at risk), 449 off
    assert target_status(500, 1000, additive=True, elapsed=0.5) == ("on_track", 1.0)
    assert target_status(450, 1000, additive=True, elapsed=0.5)[0] == "at_risk"
    assert target_status(449, 1000, additive=True, elapsed=0.5)[0] == "off_track"


def test_rates_are_not_pro_rated():
    assert target_status(0.30, 0.40, additive=False, elapsed=0.5)[0] == "off_track"   # 75 %


def test_lower_is_better_inverts_the_ratio():
    # cycle of 20 days against a 25-day target is on track; 30 days is 83 % -> off track
    assert target_status(20, 25, higher_is_better=False)[0] == "on_track"
    assert target_status(30, 25, higher_is_better=False)[0] == "off_track"


def test_no_target_no_status():
    assert target_status(5, None) == (None, None)
    assert target_status(None, 5) == (None, None)
    assert target_status(5, 0) == (None, None)


def _texts(component) -> str:
    """All text inside a component tree."""
    out = []

    def walk(c):
        if isinstance(c, (str, int, float)):
            out.append(str(c))
        elif isinstance(c, (list, tuple)):
            for x in c:
                walk(x)
        elif hasattr(c, "children"):
            walk(c.children)
    walk(component)
    return " ".join(out)


def test_kpi_card_shows_value_change_and_target_in_german():
    fmt = Formatter("de", "EUR")
    card = kpi_card("won_revenue", "de", fmt, value=1_200_000, previous=1_000_000, compare_label="ggü. Vorperiode",
                    trend=[("2026-01", 1.0), ("2026-02", 2.0)], target=2_000_000, elapsed=0.5)
    text = _texts(card)
    assert "Gewonnener Umsatz" in text and "1,2\u00a0Mio.\u00a0€" in text
    assert "▲ 20,0\u00a0%" in text and "Ziel 2,0\u00a0Mio.\u00a0€" in text
    # half the year gone: pro-rata target 2.0M × 0.5 = 1.0M, and 1.2M ≥ 1.0M -> on track;
    # attainment against the full-year target is 60 %
    assert "im Plan" in text and "60\u00a0% vom Ziel" in text


def test_kpi_card_off_track_label():
    card = kpi_card("won_revenue", "de", Formatter("de", "EUR"), value=800_000, target=2_000_000, elapsed=0.5)
    assert "unter Plan" in _texts(card)      # 0.8M of the pro-rata 1.0M is 80 %


def test_kpi_card_rate_change_in_points_and_lower_is_better_colour():
    fmt = Formatter("en", "EUR")
    card = kpi_card("win_rate", "en", fmt, value=0.30, previous=0.25, compare_label="vs")
    assert "▲ 5.0\u00a0pp" in _texts(card)
    cycle = kpi_card("cycle_days_median", "en", fmt, value=30, previous=25, compare_label="vs")
    badge = [c for c in cycle.children.children if isinstance(c, html.Div) and c.className == "kpi-change-row"][0]
    assert "bad" in badge.children[0].className      # longer cycle is worse


@pytest.mark.parametrize("value,previous", [(100, 100), (100.04, 100), (99.96, 100)])
def test_kpi_card_no_change_is_grey_without_an_arrow(value, previous):
    card = kpi_card("won_revenue", "en", Formatter("en"), value=value, previous=previous, compare_label="vs")
    badge = [c for c in card.children.children if isinstance(c, html.Div) and c.className == "kpi-change-row"][0]
    assert badge.children[0].children == "±0%" and "neutral" in badge.children[0].className
    rate = kpi_card("win_rate", "de", Formatter("de"), value=0.3, previous=0.3004, compare_label="vs")
    assert "±0\u00a0Pp." in _texts(rate) and "▲" not in _texts(rate) and "▼" not in _texts(rate)


def test_kpi_card_falling_value_has_a_down_arrow_without_sign():
    card = kpi_card("won_revenue", "en", Formatter("en"), value=80, previous=100, compare_label="vs")
    assert "▼ 20.0%" in _texts(card) and "\u2212" not in _texts(card)


def test_kpi_card_without_data():
    card = kpi_card("avg_deal_size", "en", Formatter("en"), value=None, previous=None)
    assert "–" in _texts(card) and "no comparison" in _texts(card)


def test_every_kpi_spec_has_a_label():
    for name in KPI_SPECS:
        assert i18n.t(f"kpi.{name}", "de") and i18n.t(f"kpi.{name}", "en")


def test_dynamic_text_families_exist():
    for name in FILTER_NAMES:
        i18n.t(f"filter.{name}", "de")
    for p in PAGES:
        i18n.t(p.label_key, "en")
    for s in ("on_track", "at_risk", "off_track"):
        i18n.t(f"kpi.{s}", "de")
    for s in ("open", "won", "lost"):
        i18n.t(f"status.{s}", "de")
    for c in drilldown.DEAL_COLUMNS:
        c.title("de")


# --- drill-down rows and CSV ---------------------------------------------------------------
COLS = (drilldown.Column("deal_id", "col.deal_id"), drilldown.Column("amount", "col.amount", "money"),
        drilldown.Column("created_at", "col.created_at", "date"),
        drilldown.Column("cycle_days", "col.cycle_days", "days"), drilldown.Column("status", "col.status", "status"))


def _frame():
    return pd.DataFrame({
        "deal_id": ["D1", "D2"], "amount": [1234.5, float("nan")],
        "created_at": [datetime(2025, 12, 31, 23, 30), pd.NaT],
        "cycle_days": [12.25, None], "status": ["won", "open"], "ignored": [1, 2],
    })


def test_records_are_json_safe_and_dates_local():
    rows = grid.records(_frame(), COLS, Formatter("de", "EUR", "Europe/Berlin"))
    assert rows[0] == {"deal_id": "D1", "amount": 1234.5, "created_at": "2026-01-01 00:30",
                       "cycle_days": 12.25, "status": "won"}
    assert rows[1]["amount"] is None and rows[1]["created_at"] is None and rows[1]["cycle_days"] is None
    assert "ignored" not in rows[0]


def test_german_csv_has_bom_semicolons_and_decimal_commas():
    rows = grid.records(_frame(), COLS, Formatter("de", "EUR", "Europe/Berlin"))
    data = grid.csv_bytes(rows, COLS, "de")
    assert data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert lines[0] == ["Deal", "Betrag", "Angelegt", "Zyklus (Tage)", "Status"]
    assert lines[1] == ["D1", "1234,5", "01.01.2026", "12,25", "won"]
    assert lines[2] == ["D2", "", "", "", "open"]


def test_english_csv_has_commas_and_iso_dates():
    rows = grid.records(_frame(), COLS, Formatter("en", "EUR", "UTC"))
    lines = list(csv.reader(io.StringIO(grid.csv_bytes(rows, COLS, "en").decode("utf-8-sig"))))
    assert lines[1] == ["D1", "1234.5", "2025-12-31", "12.25", "won"]


def test_csv_quotes_separators_inside_values():
    rows = [{"deal_id": "A; B", "amount": 1.0, "created_at": None, "cycle_days": None, "status": None}]
    text = grid.csv_bytes(rows, COLS, "de").decode("utf-8-sig")
    assert '"A; B";1;' in text


def test_column_defs_format_by_kind_and_turn_filters_off_server_side():
    defs = grid.column_defs(COLS, "de", "EUR", server_side=False)
    money = defs[1]
    assert money["headerName"] == "Betrag" and "fmtMoney(params.value, 'de', 'EUR')" in money["valueFormatter"]["function"]
    assert defs[4]["refData"]["won"] == "gewonnen"
    assert all(d["filter"] is False for d in grid.column_defs(COLS, "en", "EUR", server_side=True))


def test_sort_model_is_restricted_to_known_columns():
    model = [{"colId": "amount", "sort": "desc"}, {"colId": "evil; drop", "sort": "asc"},
             {"colId": "deal_id", "sort": "sideways"}]
    assert drilldown._sort_from_model(model, COLS) == [("amount", "desc")]
    assert drilldown._sort_from_model(None, COLS) is None


def test_request_carries_source_title_params_and_a_fresh_nonce():
    a = drilldown.request("x.deals", "Title", stage="Proposal")
    b = drilldown.request("x.deals", "Title", stage="Proposal")
    assert a["source"] == "x.deals" and a["params"] == {"stage": "Proposal"} and a["nonce"] != b["nonce"]


def test_register_replaces_by_name_and_the_view_is_read_only():
    src = drilldown.register(drilldown.Source("test.only", lambda *a, **k: (pd.DataFrame(), 0)))
    assert drilldown.sources()["test.only"] is src
    with pytest.raises(TypeError):
        drilldown.sources()["other"] = src


# --- charts ----------------------------------------------------------------------------------
def test_guard_turns_an_exception_into_error_states(caplog):
    @charts.guard("figure", "alert", "none")
    def broken(search):
        raise RuntimeError("database went away")

    with caplog.at_level(logging.ERROR, logger="dashboard"):
        fig, alert, other = broken("?lang=de")
    # outside a request the language is English (inside, it is the URL's or the browser's)
    assert isinstance(fig, go.Figure) and "could not be loaded" in fig.layout.annotations[0].text
    assert "database went away" in caplog.text
    ref = caplog.records[0].args[1]
    assert ref in str(fig.layout.annotations[0].text)
    assert ref in _texts(alert)
    import dash
    assert other is dash.no_update


def test_guard_passes_results_and_prevent_update_through():
    import dash

    @charts.guard("figure")
    def fine():
        return "ok"

    @charts.guard("figure")
    def nothing():
        raise dash.exceptions.PreventUpdate

    assert fine() == "ok"
    with pytest.raises(dash.exceptions.PreventUpdate):
        nothing()


def test_empty_figures_say_so_in_the_language():
    assert "Keine Daten" in charts.empty_figure("de").layout.annotations[0].text
    fmt = Formatter("en")
    assert "No data" in charts.funnel_figure([], fmt, "en").layout.annotations[0].text
    assert "No data" in charts.revenue_target_figure([], [], None, fmt, "en").layout.annotations[0].text


def test_funnel_figure_labels_and_click_keys():
    stages = [{"stage": "Lead", "reached": 100, "reached_amount": 1e5, "cumulative": 1.0, "step": None},
              {"stage": "Won", "reached": 25, "reached_amount": 4e4, "cumulative": 0.25, "step": 0.25}]
    fig = charts.funnel_figure(stages, Formatter("de"), "de")
    bar = fig.data[0]
    assert list(bar.text) == ["100 · 100\u00a0%", "25 · 25\u00a0%"]
    assert [c[0] for c in bar.customdata] == ["Lead", "Won"]
    assert fig.layout.separators == ",."


def test_revenue_figure_has_target_line_with_gaps():
    fig = charts.revenue_target_figure(["2026-01", "2026-02"], [10.0, 20.0], [15.0, None], Formatter("en"), "en")
    assert len(fig.data) == 2 and list(fig.data[1].y) == [15.0, None]
    assert list(fig.data[0].x) == ["Jan 2026", "Feb 2026"]


def test_clicked_key():
    assert charts.clicked_key({"points": [{"customdata": ["Proposal"]}]}) == "Proposal"
    assert charts.clicked_key({"points": [{"customdata": "x"}]}) == "x"
    assert charts.clicked_key(None) is None and charts.clicked_key({"points": []}) is None


def test_stage_colors_run_dark_to_light():
    cs = charts.stage_colors(5)
    assert len(cs) == 5 and cs[0] != cs[-1] and charts.stage_colors(1) == [charts.PRIMARY]


# --- filter bar pieces -----------------------------------------------------------------------
def test_none_option_is_labelled_in_the_language():
    opts = dropdown_options([{"value": "DACH", "label": "DACH"}, {"value": "(none)", "label": "(none)"}], "de")
    assert opts[1] == {"value": "(none)", "label": "(leer)"}


def test_chips_show_names_not_ids_and_have_close_buttons():
    out = chips(Filters(owner=("o1",), region=("(none)",)), {"owner": [{"value": "o1", "label": "Anna Berg"}]}, "en")
    texts = [_texts(c) for c in out]
    assert any("Owner:" in t and "Anna Berg" in t for t in texts)
    assert any("(none)" in t for t in texts)
    closes = [c.children[2].id for c in out]
    assert {"type": "filter-chip-x", "name": "owner", "value": "o1"} in closes
