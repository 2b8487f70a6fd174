"""A/B experiments (METRICS.md §7): statistics by hand, counts on SQLite and PostgreSQL."""
from __future__ import annotations

import math
from datetime import date, datetime

import pytest
from scipy import integrate
from scipy.stats import beta

from queries.experiments import Z_95, compare, experiment_customers, experiment_results, p_beats_control
from queries.filters import Filters
from queries.period import Period
from tests.conftest import expected, load_rows

NO_FILTER = Filters()


def ts(s: str) -> datetime:
    return datetime.fromisoformat(s)


def _p_beats_by_integration(conv_c, n_c, conv_t, n_t):
    """P(B > A) = ∫ f_B(x) · F_A(x) dx with Beta(1 + conversions, 1 + non-conversions)."""
    a, b = beta(1 + conv_c, 1 + n_c - conv_c), beta(1 + conv_t, 1 + n_t - conv_t)
    value, _ = integrate.quad(lambda x: b.pdf(x) * a.cdf(x), 0, 1, epsabs=1e-12, epsrel=1e-12, limit=200)
    return value


def test_ab_example_25_of_500_against_45_of_500():
    got = compare(25, 500, 45, 500)
    # rates 0.05 and 0.09: uplift 0.04 absolute, 0.8 relative
    assert got["uplift_abs"] == pytest.approx(0.04, rel=1e-12)
    assert got["uplift_rel"] == pytest.approx(0.8, rel=1e-12)
    # unpooled se = √(0.05·0.95/500 + 0.09·0.91/500) = √0.0002588 = 0.0160873; ±1.96·se
    se = math.sqrt(0.05 * 0.95 / 500 + 0.09 * 0.91 / 500)
    assert got["ci95"] == pytest.approx([0.04 - Z_95 * se, 0.04 + Z_95 * se], rel=1e-12)
    assert got["ci95"] == pytest.approx([0.00847, 0.07153], abs=1e-5)
    # pooled: p̄ = 70/1000, se = √(0.07·0.93·(2/500)) = 0.0161369, z = 2.4788, p = 2·(1 − Φ(z)) = 0.0132
    assert got["z"] == pytest.approx(0.04 / math.sqrt(0.07 * 0.93 * 2 / 500), rel=1e-12)
    assert round(got["p_value"], 4) == 0.0132
    assert got["p_value"] == pytest.approx(math.erfc(got["z"] / math.sqrt(2)), rel=1e-12)
    assert round(got["p_beat_control"], 3) == 0.993
    assert got["p_beat_control"] == pytest.approx(_p_beats_by_integration(25, 500, 45, 500), abs=1e-9)
    assert got["verdict"] == "better"


def test_a_significantly_lower_rate_is_worse():
    got = compare(45, 500, 25, 500)
    assert got["verdict"] == "worse"
    assert got["p_value"] == pytest.approx(compare(25, 500, 45, 500)["p_value"], rel=1e-12)


def test_p_beats_control_is_exact_and_complementary():
    for c in [(3, 42, 3, 49), (0, 10, 2, 10), (120, 1000, 100, 900), (7, 100, 7, 100)]:
        got = p_beats_control(*c)
        assert got == pytest.approx(_p_beats_by_integration(*c), abs=1e-9)
        assert got + p_beats_control(c[2], c[3], c[0], c[1]) == pytest.approx(1.0, abs=1e-12)
    assert p_beats_control(7, 100, 7, 100) == pytest.approx(0.5, abs=1e-12)


def test_fewer_than_five_conversions_or_non_conversions_is_not_enough_data():
    # 4/100 against 40/100 is highly significant, but control has only 4 conversions
    few = compare(4, 100, 40, 100)
    assert few["p_value"] < 1e-6 and few["verdict"] == "not_enough_data"
    # 96/100 against 60/100: 4 non-conversions in control
    assert compare(96, 100, 60, 100)["verdict"] == "not_enough_data"
    assert compare(5, 100, 40, 100)["verdict"] == "better"


def test_zero_pooled_error_gives_null_p_value():
    none = compare(0, 50, 0, 60)  # nobody converted: pooled error 0
    assert none["z"] is None and none["p_value"] is None
    assert none["uplift_rel"] is None  # control rate 0
    assert none["ci95"] == [0.0, 0.0]
    assert none["verdict"] == "not_enough_data"
    assert compare(50, 50, 60, 60)["p_value"] is None  # everybody converted


def _customer(cid, region="DACH"):
    return {"customer_id": cid, "name": "Name " + cid, "created_at": ts("2024-01-01"), "region": region}


def _exp(eid, started, ended):
    return {"experiment_id": eid, "name": "Experiment " + eid, "started_at": ts(started),
            "ended_at": ts(ended) if ended else None}


def _assign(eid, cid, variant, converted, revenue=None, at="2025-03-05T10:00:00"):
    return {"experiment_id": eid, "customer_id": cid, "variant": variant, "assigned_at": ts(at),
            "converted": converted, "revenue": revenue}


MARCH = Period(date(2025, 3, 1), date(2025, 4, 1), "UTC")
CUSTOMERS = [f"C{i:02d}" for i in range(12)]
ROWS = {
    "customers": [_customer(c, "DACH" if i < 8 else "Nordics") for i, c in enumerate(CUSTOMERS)],
    "experiments": [
        _exp("E-ENDED", "2025-02-01T00:00:00", "2025-03-15T00:00:00"),  # ended within March
        _exp("E-OPEN", "2025-03-31T23:59:59", None),                   # starts just before `to`
        _exp("E-BEFORE", "2025-01-01T00:00:00", "2025-03-01T00:00:00"),  # ends at `from`: out
        _exp("E-AFTER", "2025-04-01T00:00:00", None),                  # starts at `to`: out
        _exp("E-NOCTRL", "2025-03-10T00:00:00", "2025-04-20T00:00:00"),  # ends after `to`
    ],
    "experiment_assignments": [
        # E-ENDED: control C00..C03 (1 conversion, revenue 10), test C04..C07 + C08 (Nordics)
        _assign("E-ENDED", "C00", "control", True, 10.0, at="2025-01-20T00:00:00"),  # before the period: counts
        _assign("E-ENDED", "C01", "control", False),
        _assign("E-ENDED", "C02", "control", False),
        _assign("E-ENDED", "C03", "control", False),
        _assign("E-ENDED", "C04", "test", True, 20.0),
        _assign("E-ENDED", "C05", "test", True, None),  # converted without revenue: revenue 0
        _assign("E-ENDED", "C06", "test", False),
        _assign("E-ENDED", "C07", "test", False),
        _assign("E-ENDED", "C08", "test", True, 30.0),
        _assign("E-OPEN", "C00", "control", False),
        _assign("E-BEFORE", "C00", "control", True, 5.0),
        _assign("E-AFTER", "C00", "control", True, 5.0),
        _assign("E-NOCTRL", "C01", "b", True, 8.0),
    ],
}


def test_counts_per_variant_over_experiments_overlapping_the_period(engine):
    load_rows(engine, ROWS)
    with engine.connect() as conn:
        got = experiment_results(conn, MARCH, NO_FILTER)
    assert list(got) == ["E-ENDED", "E-NOCTRL", "E-OPEN"]
    ended = got["E-ENDED"]
    assert ended["status"] == "ended" and ended["ended_at"] == ts("2025-03-15T00:00:00")
    assert got["E-OPEN"]["status"] == "running" and got["E-NOCTRL"]["status"] == "running"
    control, test = ended["variants"]["control"], ended["variants"]["test"]
    assert (control["n"], control["conversions"]) == (4, 1)
    assert control["rate"] == 0.25 and control["revenue_per_user"] == pytest.approx(2.5, rel=1e-12)
    assert (test["n"], test["conversions"]) == (5, 3)
    # revenue 20 + 0 + 30 over 5 users
    assert test["rate"] == pytest.approx(0.6, rel=1e-12) and test["revenue_per_user"] == pytest.approx(10.0, rel=1e-12)
    assert test["uplift_abs"] == pytest.approx(0.35, rel=1e-12)
    assert test["uplift_rel"] == pytest.approx(1.4, rel=1e-12)
    assert test["verdict"] == "not_enough_data"
    assert "uplift_abs" not in control
    # no control group: comparison null
    b = got["E-NOCTRL"]["variants"]["b"]
    assert (b["n"], b["conversions"], b["p_value"], b["verdict"]) == (1, 1, None, "not_enough_data")


def test_customer_filters_apply_to_assignments(engine):
    load_rows(engine, ROWS)
    with engine.connect() as conn:
        got = experiment_results(conn, MARCH, Filters(region=("Nordics",)))
        nordic_list, total = experiment_customers(conn, MARCH, Filters(region=("Nordics",)),
                                                  experiment_id="E-ENDED")
    # only C08 (test, converted, 30) is in Nordics; E-OPEN has no Nordics assignment
    assert got["E-ENDED"]["variants"] == {"test": {
        "n": 1, "conversions": 1, "rate": 1.0, "revenue_per_user": 30.0, "uplift_abs": None,
        "uplift_rel": None, "ci95": None, "z": None, "p_value": None, "p_beat_control": None,
        "verdict": "not_enough_data"}}
    assert got["E-OPEN"]["variants"] == {}
    assert total == 1 and list(nordic_list["customer_id"]) == ["C08"]


def test_drill_down_lists_exactly_the_counted_customers(engine):
    load_rows(engine, ROWS)
    with engine.connect() as conn:
        converted, n_conv = experiment_customers(conn, MARCH, NO_FILTER, experiment_id="E-ENDED",
                                                 variant="test", converted=True)
        missed, n_missed = experiment_customers(conn, MARCH, NO_FILTER, experiment_id="E-ENDED",
                                                variant="control", converted=False)
        everyone, n_all = experiment_customers(conn, MARCH, NO_FILTER, experiment_id="E-ENDED", limit=2)
        outside, n_out = experiment_customers(conn, MARCH, NO_FILTER, experiment_id="E-BEFORE")
    assert n_conv == 3 and list(converted["customer_id"]) == ["C04", "C05", "C08"]
    assert converted["converted"].all()
    assert n_missed == 3 and list(missed["customer_id"]) == ["C01", "C02", "C03"]
    assert n_all == 9 and len(everyone) == 2
    assert n_out == 0 and outside.empty


@pytest.mark.parametrize("name, period, filters", [
    ("2025", Period(date(2025, 1, 1), date(2026, 1, 1), "UTC"), NO_FILTER),
    ("2025q2_region_DACH", Period(date(2025, 4, 1), date(2025, 7, 1), "UTC"), Filters(region=("DACH",))),
])
def test_worked_example_experiments(worked_db, name, period, filters):
    want = expected(name)["experiments"]
    with worked_db.connect() as conn:
        got = experiment_results(conn, period, filters)
        lists = {(e, v): experiment_customers(conn, period, filters, experiment_id=e, variant=v,
                                              converted=True, limit=0)[1]
                 for e in want for v in want[e]}
    assert set(got) == set(want)
    for exp_id, variants in want.items():
        assert set(got[exp_id]["variants"]) == set(variants)
        for variant, numbers in variants.items():
            mine = got[exp_id]["variants"][variant]
            assert lists[exp_id, variant] == numbers["conversions"]
            for key, value in numbers.items():
                if key == "verdict":
                    assert mine[key] == value
                elif key == "ci95":
                    assert mine[key] == pytest.approx(value, rel=1e-9, abs=1e-15)
                elif key == "p_beat_control":
                    assert mine[key] == pytest.approx(value, abs=1e-6)
                elif isinstance(value, int) and not isinstance(value, bool):
                    assert mine[key] == value, (exp_id, variant, key)
                else:
                    assert mine[key] == pytest.approx(value, rel=1e-9, abs=1e-15), (exp_id, variant, key)
