"""Pareto: top-20 % share, Lorenz deciles and Gini (METRICS.md §6), on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from queries.filters import Filters
from queries.pareto import lorenz_rank, pareto, top_n
from queries.period import Period
from tests.conftest import ENGINES, expected, load_rows

JUNE = Period(date(2025, 6, 1), date(2025, 7, 1), "UTC")


def ts(s: str) -> datetime:
    return datetime.fromisoformat(s)


def _customer(cid, region):
    return {"customer_id": cid, "name": "Name " + cid, "created_at": ts("2024-01-01"), "region": region}


def _order(oid, cid, at, revenue):
    return {"order_id": oid, "customer_id": cid, "ordered_at": ts(at), "revenue": revenue}


# region A: revenue in June 10, 20, 30, 40 (two orders on one day), 100; P1's May order and P6's
# order at `to` are outside the period.  region T: T1..T10 with revenue 1..10.
# region Z: one customer whose only order has revenue 0.
ROWS = {
    "customers": [_customer(f"P{i}", "A") for i in range(1, 7)]
    + [_customer(f"T{i:02d}", "T") for i in range(1, 11)] + [_customer("Z1", "Z")],
    "orders": [
        _order("p1", "P1", "2025-06-01T00:00:00", 10.0), _order("p1x", "P1", "2025-05-31T23:59:59", 1000.0),
        _order("p2", "P2", "2025-06-02T00:00:00", 20.0),
        _order("p3", "P3", "2025-06-03T00:00:00", 30.0),
        _order("p4a", "P4", "2025-06-04T09:00:00", 15.0), _order("p4b", "P4", "2025-06-04T17:00:00", 25.0),
        _order("p5", "P5", "2025-06-30T23:59:59", 100.0),
        _order("p6", "P6", "2025-07-01T00:00:00", 500.0),
        _order("z1", "Z1", "2025-06-10T00:00:00", 0.0),
    ] + [_order(f"t{i}", f"T{i:02d}", "2025-06-15T00:00:00", float(i)) for i in range(1, 11)],
}


@pytest.fixture(scope="module", params=ENGINES)
def db(request, fresh_db):
    eng = fresh_db.make(request.param)
    load_rows(eng, ROWS)
    yield eng
    eng.dispose()


def test_ranks_round_up_in_exact_integers():
    assert [lorenz_rank(k, 5) for k in range(1, 11)] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert lorenz_rank(7, 10) == 7      # 0.7 · 10 is 7 exactly (in floats 7.000000000000001)
    assert lorenz_rank(3, 11) == 4      # 3.3 -> 4
    assert [top_n(n) for n in (0, 1, 5, 11, 15, 35, 62)] == [0, 1, 1, 3, 3, 7, 13]


def test_pareto_top_share_gini_and_lorenz(db):
    with db.connect() as conn:
        r = pareto(conn, JUNE, Filters(region=("A",)))
    # x ascending 10, 20, 30, 40, 100; n = 5, Σ = 200; top ceil(1.0) = 1 customer: 100 / 200
    # Gini: (−4·10 − 2·20 + 0·30 + 2·40 + 4·100) / (5 · 200) = 400 / 1000
    # Lorenz at k/10: bottom ceil(k·5/10) customers: 1, 1, 2, 2, 3, 3, 4, 4, 5, 5 ->
    #   cumulative 10, 10, 30, 30, 60, 60, 100, 100, 200, 200 over 200
    assert r["customers"] == 5 and r["top_n"] == 1
    assert r["total_revenue"] == 200.0
    assert r["top20_share"] == pytest.approx(0.5, rel=1e-12)
    assert r["gini"] == pytest.approx(0.4, rel=1e-12)
    assert r["lorenz_deciles"] == [
        [0.1, 0.05], [0.2, 0.05], [0.3, 0.15], [0.4, 0.15], [0.5, 0.3], [0.6, 0.3],
        [0.7, 0.5], [0.8, 0.5], [0.9, 1.0], [1.0, 1.0]]


def test_pareto_ten_customers_deciles_are_whole_customers(db):
    with db.connect() as conn:
        r = pareto(conn, JUNE, Filters(region=("T",)))
    # x = 1..10, Σ = 55; top 2: (10 + 9) / 55; Lorenz at k/10 = (1 + … + k) / 55
    # Gini: Σ (2i − 11)·i / (10 · 55) = (2·385 − 11·55) / 550 = 165 / 550 = 0.3
    assert (r["customers"], r["top_n"], r["total_revenue"]) == (10, 2, 55.0)
    assert r["top20_share"] == pytest.approx(19 / 55, rel=1e-12)
    assert r["gini"] == pytest.approx(0.3, rel=1e-12)
    assert [s for _, s in r["lorenz_deciles"]] == pytest.approx(
        [k * (k + 1) / 2 / 55 for k in range(1, 11)], rel=1e-12)


def test_pareto_without_revenue_has_null_shares(db):
    with db.connect() as conn:
        zero = pareto(conn, JUNE, Filters(region=("Z",)))
        nobody = pareto(conn, JUNE, Filters(region=("Nowhere",)))
    # one customer, revenue 0: the denominators are 0
    assert zero == {"customers": 1, "top_n": 1, "total_revenue": 0.0, "top20_share": None,
                    "gini": None, "lorenz_deciles": [[k / 10, None] for k in range(1, 11)]}
    assert (nobody["customers"], nobody["top_n"], nobody["gini"]) == (0, 0, None)


def test_pareto_all_customers(db):
    with db.connect() as conn:
        r = pareto(conn, JUNE, Filters())
    # 16 customers (Z1 with 0 included), Σ = 255; top ceil(3.2) = 4: 100 + 40 + 30 + 20 = 190
    assert (r["customers"], r["top_n"], r["total_revenue"]) == (16, 4, 255.0)
    assert r["top20_share"] == pytest.approx(190 / 255, rel=1e-12)


WORKED = {"2025": (Period(date(2025, 1, 1), date(2026, 1, 1), "UTC"), Filters()),
          "2025q2_region_DACH": (Period(date(2025, 4, 1), date(2025, 7, 1), "UTC"),
                                 Filters(region=("DACH",)))}


@pytest.mark.parametrize("name", sorted(WORKED))
def test_worked_example_pareto(worked_db, name):
    period, filters = WORKED[name]
    exp = expected(name)["customers"]["pareto"]
    with worked_db.connect() as conn:
        r = pareto(conn, period, filters)
    assert set(r) == set(exp)
    assert (r["customers"], r["top_n"]) == (exp["customers"], exp["top_n"])
    for key in ("total_revenue", "top20_share", "gini"):
        assert r[key] == pytest.approx(exp[key], rel=1e-9), key
    assert [d for d, _ in r["lorenz_deciles"]] == [d for d, _ in exp["lorenz_deciles"]]
    assert [s for _, s in r["lorenz_deciles"]] == pytest.approx([s for _, s in exp["lorenz_deciles"]],
                                                                rel=1e-9)
