"""Historical and predicted CLV (METRICS.md §6): BG/NBD and Gamma-Gamma on CDNOW, the purchase
summary on hand-built data, on SQLite and PostgreSQL."""
from __future__ import annotations

import csv
from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import approx_fprime
from sqlalchemy import insert

from queries import bgnbd
from queries.clv import (
    DAYS_PER_MONTH, clv_by_segment, fit_models, historical_clv, offset_segments, predicted_clv,
    rfm_summary, summary_and_fit,
)
from queries.filters import Filters
from queries.period import Period
from queries.schema import TABLES_BY_NAME
from tests.conftest import ENGINES, FIXTURES, expected, load_rows

CDNOW = FIXTURES / "cdnow"
NO_FILTER = Filters()


def ts(s: str) -> datetime:
    return datetime.fromisoformat(s)


def _rel(actual, published):
    return abs(actual - published) / abs(published)


# --- the models on the published CDNOW summary (weeks) ---------------------------------------

@pytest.fixture(scope="module")
def cdnow_summary():
    return pd.read_csv(CDNOW / "cdnow_summary_with_monetary.csv")


def test_bgnbd_fit_reproduces_published_cdnow_estimates(cdnow_summary):
    d = cdnow_summary
    fit = bgnbd.fit_bgnbd(d["frequency"], d["recency"], d["T"])
    for got, published in ((fit.r, 0.243), (fit.alpha, 4.414), (fit.a, 0.793), (fit.b, 2.426)):
        assert _rel(got, published) < 0.01
    assert fit.loglik == pytest.approx(-9582.4, abs=0.05)


def test_gamma_gamma_fit_reproduces_published_estimates_on_repeat_buyers(cdnow_summary):
    rep = cdnow_summary[cdnow_summary["frequency"] > 0]
    assert len(rep) == 946
    fit = bgnbd.fit_gamma_gamma(rep["frequency"], rep["monetary_value"])
    for got, published in ((fit.p, 6.25), (fit.q, 3.74), (fit.v, 15.44)):
        assert _rel(got, published) < 0.01
    assert fit.loglik == pytest.approx(-4055.9, abs=0.05)


def test_published_customer_expects_1_226_purchases_in_39_weeks(cdnow_summary):
    d = cdnow_summary
    fit = bgnbd.fit_bgnbd(d["frequency"], d["recency"], d["T"])
    got = bgnbd.bgnbd_expected_purchases(fit, 39.0, 2, 30.43, 38.86)
    assert float(got) == pytest.approx(1.226, abs=5e-4)


def test_expected_purchases_start_at_zero_and_grow_with_the_horizon():
    params = bgnbd.BGNBDParams(0.243, 4.414, 0.793, 2.426, 0.0)
    curve = bgnbd.bgnbd_expected_purchases(params, np.array([0.0, 1.0, 10.0, 39.0]), 2, 30.43, 38.86)
    assert curve[0] == 0.0
    assert np.all(np.diff(curve) > 0)


def test_expected_purchases_are_continuous_through_a_equal_1():
    # (a+b+x−1)/(a−1)·[…] is 0/0 at a = 1 (fits where nobody repeats land there exactly)
    near = [float(bgnbd.bgnbd_expected_purchases(bgnbd.BGNBDParams(0.5, 10.0, a, 2.0, 0.0), 30.0, 2, 20, 40))
            for a in (0.999, 1.0, 1.001)]
    assert np.isfinite(near[1]) and near[2] < near[1] < near[0]
    assert near[1] == pytest.approx((near[0] + near[2]) / 2, rel=1e-6)


def test_analytic_gradients_match_finite_differences(cdnow_summary):
    d = cdnow_summary
    theta = np.array([0.3, 5.0, 0.8, 2.5])
    numeric = approx_fprime(theta, lambda t: bgnbd.bgnbd_loglik(*t, d["frequency"], d["recency"], d["T"]), 1e-7)
    analytic = bgnbd.bgnbd_loglik_gradient(*theta, d["frequency"], d["recency"], d["T"])
    np.testing.assert_allclose(analytic, numeric, rtol=1e-4)
    rep = d[d["frequency"] > 0]
    theta = np.array([6.0, 3.0, 15.0])
    numeric = approx_fprime(theta, lambda t: bgnbd.gamma_gamma_loglik_terms(
        *t, rep["frequency"], rep["monetary_value"]).sum(), 1e-7)
    analytic = bgnbd.gamma_gamma_loglik_gradient(*theta, rep["frequency"], rep["monetary_value"])
    np.testing.assert_allclose(analytic, numeric, rtol=1e-4)


def test_fit_is_stable_against_last_bit_changes_of_the_values(cdnow_summary):
    # SQLite and PostgreSQL may add the same amounts in another order (last-bit differences);
    # the estimates must still agree to 1e-9 (METRICS.md §0 "identical across databases").
    rep = cdnow_summary[cdnow_summary["frequency"] > 0]
    m = rep["monetary_value"].to_numpy()
    one = bgnbd.fit_gamma_gamma(rep["frequency"], m)
    two = bgnbd.fit_gamma_gamma(rep["frequency"], m * (1 + 4e-16))
    for x, y in ((one.p, two.p), (one.q, two.q), (one.v, two.v)):
        assert x == pytest.approx(y, rel=1e-9)


def test_gamma_gamma_expected_value_by_hand():
    params = bgnbd.GammaGammaParams(p=6.0, q=4.0, v=15.0, loglik=0.0)
    # repeat buyer x = 2, m = 20: p·(v + x·m)/(p·x + q − 1) = 6·(15 + 40)/(12 + 3) = 22
    # one-time buyer: the population mean p·v/(q − 1) = 6·15/3 = 30
    got = bgnbd.gamma_gamma_expected_value(params, [2, 0], [20.0, np.nan])
    np.testing.assert_allclose(got, [22.0, 30.0])
    no_mean = bgnbd.GammaGammaParams(p=6.0, q=0.9, v=15.0, loglik=0.0)
    assert np.isnan(bgnbd.gamma_gamma_expected_value(no_mean, [0], [np.nan])[0])


# --- the raw CDNOW transactions imported as orders --------------------------------------------

def _cdnow_rows():
    with open(CDNOW / "cdnow_sample_transactions.csv", newline="") as fh:
        tx = list(csv.DictReader(fh))
    first = {}
    for row in tx:
        first[row["customer_id"]] = min(first.get(row["customer_id"], row["date"]), row["date"])
    return {
        "customers": [{"customer_id": cid, "name": "CDNOW " + cid, "created_at": ts(day)}
                      for cid, day in first.items()],
        "orders": [{"order_id": str(i), "customer_id": row["customer_id"], "ordered_at": ts(row["date"]),
                    "revenue": float(row["amount"])} for i, row in enumerate(tx, start=1)],
    }


CDNOW_TO = Period(date(1997, 1, 1), date(1997, 10, 1), "UTC")


@pytest.fixture(scope="module", params=ENGINES)
def cdnow_db(request, fresh_db):
    eng = fresh_db.make(request.param)
    with eng.begin() as conn:  # multi-row inserts: ~10x faster than executemany on PostgreSQL
        for name, rows in _cdnow_rows().items():
            for lo in range(0, len(rows), 1000):
                conn.execute(insert(TABLES_BY_NAME[name]).values(rows[lo:lo + 1000]))
    yield eng
    eng.dispose()


def _summary_by_hand():
    """The summary derived independently with pandas: purchase days before 1997-10-01."""
    tx = pd.read_csv(CDNOW / "cdnow_sample_transactions.csv", dtype={"customer_id": str},
                     parse_dates=["date"])
    tx = tx[tx["date"] < "1997-10-01"]
    days = tx.groupby(["customer_id", "date"], as_index=False)["amount"].sum().sort_values(["customer_id", "date"])
    g = days.groupby("customer_id")
    out = pd.DataFrame({
        "frequency": g.size() - 1,
        "recency": (g["date"].max() - g["date"].min()).dt.days,
        "T": (pd.Timestamp("1997-09-30") - g["date"].min()).dt.days,
        "repeat": g["amount"].sum() - g["amount"].first(),
        "historical_clv": g["amount"].sum(),
    })
    out["monetary"] = np.where(out["frequency"] > 0, out["repeat"] / out["frequency"].clip(lower=1), np.nan)
    return out.sort_index()


def test_cdnow_summary_from_orders_matches_the_published_summary(cdnow_db):
    with cdnow_db.connect() as conn:
        got = rfm_summary(conn, CDNOW_TO, NO_FILTER).set_index("customer_id")
    by_hand = _summary_by_hand()
    assert list(got.index) == sorted(by_hand.index)  # ordered as text
    got = got.loc[by_hand.index]
    for col in ("frequency", "recency", "T"):
        assert (got[col].to_numpy() == by_hand[col].to_numpy()).all()
    for col in ("monetary", "historical_clv"):
        np.testing.assert_allclose(got[col], by_hand[col], rtol=1e-9, equal_nan=True)
    # and the distributed summary (weeks, rounded to 2 decimals; monetary 0 for none)
    pub = pd.read_csv(CDNOW / "cdnow_summary_with_monetary.csv", dtype={"customer_id": str}).set_index("customer_id")
    pub = pub.loc[got.index]
    assert (got["frequency"].to_numpy() == pub["frequency"].to_numpy()).all()
    np.testing.assert_allclose(got["recency"] / 7, pub["recency"], atol=0.005 + 1e-12)
    np.testing.assert_allclose(got["T"] / 7, pub["T"], atol=0.005 + 1e-12)
    np.testing.assert_allclose(got["monetary"].fillna(0.0), pub["monetary_value"], atol=0.005 + 1e-9)


def test_cdnow_fit_from_raw_orders_reproduces_published_estimates(cdnow_db):
    with cdnow_db.connect() as conn:
        summary, fit = summary_and_fit(conn, CDNOW_TO, NO_FILTER)
    assert (fit.n_customers, fit.n_repeat) == (2357, 946)
    # METRICS.md §6: counting purchase days reproduces the published fit to 0.2 %; α in days = 7·α in weeks
    published = {"r": 0.243, "alpha": 7 * 4.414, "a": 0.793, "b": 2.426, "p": 6.25, "q": 3.74, "v": 15.44}
    for name, value in published.items():
        assert _rel(getattr(fit, name), value) < 0.002, name
    # identical on both databases: the fit of the pandas-derived summary, to 1e-9
    by_hand = _summary_by_hand().reset_index()
    ref = fit_models(by_hand)
    for name in ("r", "alpha", "a", "b", "p", "q", "v", "loglik_bgnbd", "loglik_gg"):
        assert getattr(fit, name) == pytest.approx(getattr(ref, name), rel=1e-9), name


def test_predicted_clv_discounts_monthly_increments_of_expected_purchases(cdnow_db):
    with cdnow_db.connect() as conn:
        _, fit = summary_and_fit(conn, CDNOW_TO, NO_FILTER)
        clv = predicted_clv(conn, CDNOW_TO, NO_FILTER, horizon_months=12, monthly_discount=0.01).set_index("customer_id")
        flat = predicted_clv(conn, CDNOW_TO, NO_FILTER, horizon_months=12, monthly_discount=0.0).set_index("customer_id")
    assert len(clv) == 2357
    one = clv.loc["1"]  # x = 2, recency 213 days, T = 272 days, repeat days 1997-01-18 and 08-02
    assert (one["frequency"], one["recency"], one["T"]) == (2, 213, 272)
    # Gamma-Gamma: p·(v + x·m)/(p·x + q − 1) with m = (29.73 + 14.96)/2
    m = (29.73 + 14.96) / 2
    assert one["expected_order_value"] == pytest.approx(fit.p * (fit.v + 2 * m) / (2 * fit.p + fit.q - 1), rel=1e-12)
    # CLV = Σ_i value · (E[X(i)] − E[X(i−1)]) / 1.01^i, written out month by month
    params = fit.bgnbd
    e = [float(bgnbd.bgnbd_expected_purchases(params, i * 365.25 / 12, 2, 213, 272)) for i in range(13)]
    by_hand = sum(one["expected_order_value"] * (e[i] - e[i - 1]) / 1.01 ** i for i in range(1, 13))
    assert one["predicted_clv"] == pytest.approx(by_hand, rel=1e-12)
    assert one["expected_purchases"] == pytest.approx(e[12], rel=1e-12)
    # without discount the increments telescope to value × E[X(12 months)]
    np.testing.assert_allclose(flat["predicted_clv"], flat["expected_order_value"] * flat["expected_purchases"], rtol=1e-12)
    assert (clv["predicted_clv"] < flat["predicted_clv"]).all()
    # one-time buyers get the population mean p·v/(q − 1)
    once = clv[clv["frequency"] == 0]
    np.testing.assert_allclose(once["expected_order_value"], fit.p * fit.v / (fit.q - 1), rtol=1e-12)
    # the published customer (x = 2, t_x = 30.43 wk, T = 38.86 wk) in 39 weeks, in days
    got = float(bgnbd.bgnbd_expected_purchases(params, 39 * 7, 2, 30.43 * 7, 38.86 * 7))
    assert got == pytest.approx(1.226, rel=0.01)
    assert DAYS_PER_MONTH == 365.25 / 12


# --- hand-built purchase summaries ------------------------------------------------------------

def _customer(cid, region="DACH"):
    return {"customer_id": cid, "name": "Name " + cid, "created_at": ts("2024-01-01"), "region": region}


def _order(oid, cid, at, revenue):
    return {"order_id": oid, "customer_id": cid, "ordered_at": ts(at), "revenue": revenue}


MARCH = Period(date(2025, 3, 1), date(2025, 3, 11), "UTC")  # to = 2025-03-11: last day 03-10
SMALL = {
    "customers": [_customer("A"), _customer("B", "Nordics"), _customer("C"), _customer("D"),
                  _customer("E")],
    "orders": [
        _order("A1", "A", "2025-03-01T10:00:00", 100.0),
        _order("A2", "A", "2025-03-01T15:00:00", 50.0),   # same day as A1: one purchase of 150
        _order("A3", "A", "2025-03-05T08:00:00", 30.0),
        _order("A4", "A", "2025-03-10T23:59:59", 70.0),   # the last day before `to`
        _order("A5", "A", "2025-03-11T00:00:00", 999.0),  # at `to`: not before it
        _order("B1", "B", "2025-03-09T23:00:00", 40.0),
        _order("C1", "C", "2025-03-12T09:00:00", 10.0),   # after `to` only: not a customer here
        _order("D1", "D", "2025-02-01T09:00:00", 20.0),
        _order("D2", "D", "2025-02-01T18:00:00", 25.0),   # two orders, one purchase day
    ],
}


def test_orders_on_one_day_are_one_purchase_and_T_counts_to_the_last_day_before_to(engine):
    load_rows(engine, SMALL)
    with engine.connect() as conn:
        got = rfm_summary(conn, MARCH, NO_FILTER).set_index("customer_id")
    assert list(got.index) == ["A", "B", "D"]
    # A: purchase days 03-01 (150), 03-05 (30), 03-10 (70): frequency 2, recency 9 days,
    # T = 03-10 − 03-01 = 9 days, monetary = (30 + 70)/2 = 50, historical = 250
    a = got.loc["A"]
    assert (a["frequency"], a["recency"], a["T"]) == (2, 9, 9)
    assert a["monetary"] == pytest.approx(50.0, rel=1e-12)
    assert a["historical_clv"] == pytest.approx(250.0, rel=1e-12)
    # B: one purchase on 03-09: T = 1 day, no repeat purchase (monetary null)
    b = got.loc["B"]
    assert (b["frequency"], b["recency"], b["T"]) == (0, 0, 1)
    assert np.isnan(b["monetary"])
    # D: two orders on 02-01 are one purchase: frequency 0, T = 03-10 − 02-01 = 37 days
    d = got.loc["D"]
    assert (d["frequency"], d["recency"], d["T"], d["historical_clv"]) == (0, 0, 37, 45.0)


def test_customer_filters_keep_matching_customers_only(engine):
    load_rows(engine, SMALL)
    with engine.connect() as conn:
        got = rfm_summary(conn, MARCH, Filters(region=("Nordics",)))
        hist = historical_clv(conn, MARCH, Filters(region=("Nordics",)))
    assert list(got["customer_id"]) == ["B"]
    assert hist == {"customers": 1, "total": 40.0, "mean": 40.0, "median": 40.0}


def test_historical_clv_sums_orders_before_to(engine):
    load_rows(engine, SMALL)
    with engine.connect() as conn:
        got = historical_clv(conn, MARCH, NO_FILTER)
    # A 250, B 40, D 45 (C only after `to`): total 335, mean 111.67, median 45
    assert got["customers"] == 3
    assert got["total"] == pytest.approx(335.0, rel=1e-12)
    assert got["mean"] == pytest.approx(335.0 / 3, rel=1e-12)
    assert got["median"] == pytest.approx(45.0, rel=1e-12)


def test_no_orders_before_to_gives_empty_results(engine):
    load_rows(engine, SMALL)
    early = Period(date(2024, 1, 1), date(2024, 2, 1), "UTC")
    with engine.connect() as conn:
        assert rfm_summary(conn, early, NO_FILTER).empty
        assert predicted_clv(conn, early, NO_FILTER).empty
        assert historical_clv(conn, early, NO_FILTER) == {"customers": 0, "total": 0.0, "mean": None, "median": None}
        seg = clv_by_segment(conn, early, NO_FILTER)
    assert seg["overall"]["customers"] == 0 and seg["overall"]["mean"] is None and seg["regions"] == {}


def test_offset_segments_find_berlin_daylight_saving_changes():
    segs = offset_segments(ZoneInfo("Europe/Berlin"), ts("2025-01-01T00:00:00"), ts("2026-01-01T00:00:00"))
    # CEST from 2025-03-30 01:00 UTC, CET again from 2025-10-26 01:00 UTC
    assert segs == [(None, 3600), (ts("2025-03-30T01:00:00"), 7200), (ts("2025-10-26T01:00:00"), 3600)]
    assert offset_segments(ZoneInfo("UTC"), ts("2025-01-01T00:00:00"), ts("2026-01-01T00:00:00")) == [(None, 0)]


BERLIN_ROWS = {
    "customers": [_customer("E")],
    "orders": [
        _order("E1", "E", "2025-01-15T10:00:00", 10.0),  # Berlin 01-15 11:00
        _order("E2", "E", "2025-01-15T22:30:00", 20.0),  # Berlin 01-15 23:30 (CET): same day as E1
        _order("E3", "E", "2025-03-30T22:30:00", 30.0),  # Berlin 03-31 00:30 (CEST): UTC says 03-30
        _order("E4", "E", "2025-03-31T12:00:00", 40.0),  # Berlin 03-31: same day as E3
        _order("E5", "E", "2025-04-09T22:30:00", 99.0),  # Berlin 04-10 00:30: at `to`, excluded
    ],
}


def test_purchase_days_are_calendar_days_in_the_reporting_time_zone(engine):
    load_rows(engine, BERLIN_ROWS)
    berlin = Period(date(2025, 4, 1), date(2025, 4, 10), "Europe/Berlin")
    utc = Period(date(2025, 4, 1), date(2025, 4, 10), "UTC")
    with engine.connect() as conn:
        local = rfm_summary(conn, berlin, NO_FILTER).iloc[0]
        plain = rfm_summary(conn, utc, NO_FILTER).iloc[0]
    # Berlin: days 01-15 (30) and 03-31 (70): frequency 1, recency 75 days (16 + 28 + 31),
    # T = 04-09 − 01-15 = 84 days, monetary 70, historical 100 (E5 is at `to` in Berlin).
    # One fixed offset (+2 h, in force at `to`) would wrongly split E1/E2 onto two days.
    assert (local["frequency"], local["recency"], local["T"]) == (1, 75, 84)
    assert (local["monetary"], local["historical_clv"]) == (70.0, 100.0)
    # UTC: days 01-15, 03-30, 03-31, 04-09 (E5 at 22:30 UTC is before 04-10): frequency 3
    assert (plain["frequency"], plain["recency"], plain["T"]) == (3, 84, 84)
    assert plain["historical_clv"] == 199.0


def _clv_rows():
    """Eight customers in two regions with a few repeat purchases each (enough to fit)."""
    rows = {"customers": [], "orders": []}
    pattern = [(0, 40, 80), (0, 10), (0,), (0, 5, 30, 60, 90), (0, 100), (0, 3), (0,), (0, 20, 21)]
    for i, days in enumerate(pattern):
        cid = f"K{i}"
        rows["customers"].append(_customer(cid, "DACH" if i % 2 else "Nordics"))
        for j, d in enumerate(days):
            at = datetime(2024, 6, 1 + i) + pd.Timedelta(days=d)
            rows["orders"].append(_order(f"{cid}-{j}", cid, at.isoformat(), 10.0 + 7 * i + 3 * j))
    return rows


def test_clv_by_segment_summarises_predicted_clv_per_region(engine):
    load_rows(engine, _clv_rows())
    period = Period(date(2024, 1, 1), date(2025, 1, 1), "UTC")
    with engine.connect() as conn:
        clv = predicted_clv(conn, period, NO_FILTER)
        seg = clv_by_segment(conn, period, NO_FILTER)
    assert clv["predicted_clv"].notna().all() and (clv["predicted_clv"] > 0).all()
    values = clv.set_index("customer_id")["predicted_clv"]
    dach = values[["K1", "K3", "K5", "K7"]].to_numpy()
    assert seg["regions"]["DACH"]["customers"] == 4
    assert seg["regions"]["DACH"]["mean"] == pytest.approx(dach.mean(), rel=1e-12)
    # median of four = mean of the middle two; p90 interpolates between the 3rd and 4th value
    s = np.sort(dach)
    assert seg["regions"]["DACH"]["median"] == pytest.approx((s[1] + s[2]) / 2, rel=1e-12)
    assert seg["regions"]["DACH"]["p90"] == pytest.approx(s[2] + 0.7 * (s[3] - s[2]), rel=1e-12)
    assert seg["overall"]["customers"] == 8
    assert seg["overall"]["total"] == pytest.approx(values.sum(), rel=1e-12)
    assert set(seg["regions"]) == {"DACH", "Nordics"}


def test_fit_is_cached_until_the_data_changes(engine):
    load_rows(engine, _clv_rows())
    period = Period(date(2024, 1, 1), date(2025, 1, 1), "UTC")
    with engine.connect() as conn:
        _, first = summary_and_fit(conn, period, NO_FILTER)
        _, again = summary_and_fit(conn, period, NO_FILTER)
        _, other_to = summary_and_fit(conn, Period(date(2024, 1, 1), date(2024, 12, 1), "UTC"), NO_FILTER)
    assert again is first          # same data, same question: no refit
    assert other_to is not first
    load_rows(engine, {"customers": [_customer("NEW")],
                       "orders": [_order("N1", "NEW", "2024-07-01T10:00:00", 5.0)]})
    with engine.connect() as conn:
        summary, refit = summary_and_fit(conn, period, NO_FILTER)
    assert refit is not first and refit.n_customers == first.n_customers + 1
    assert "NEW" in set(summary["customer_id"])


# --- the worked example -------------------------------------------------------------------------

@pytest.mark.parametrize("name, period, filters", [
    ("2025", Period(date(2025, 1, 1), date(2026, 1, 1), "UTC"), NO_FILTER),
    ("2025q2_region_DACH", Period(date(2025, 4, 1), date(2025, 7, 1), "UTC"), Filters(region=("DACH",))),
])
def test_worked_example_historical_clv(worked_db, name, period, filters):
    want = expected(name)["customers"]["historical_clv"]
    with worked_db.connect() as conn:
        got = historical_clv(conn, period, filters)
        clv = predicted_clv(conn, period, filters)
    assert got["customers"] == want["customers"]
    for key in ("total", "mean", "median"):
        assert got[key] == pytest.approx(want[key], rel=1e-9), key
    # predicted CLV covers the same customers, and historical CLV per customer adds up
    assert len(clv) == want["customers"]
    assert clv["historical_clv"].sum() == pytest.approx(want["total"], rel=1e-9)
    assert np.isfinite(clv["predicted_clv"]).all()
