"""Journeys and heuristic attribution models (METRICS.md §5), on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from queries.attribution import ALL_MODELS, MODELS, attribute, attribute_all_models
from queries.filters import Filters
from queries.journeys import conversions_and_journeys, non_converting_journeys
from queries.period import Period
from tests.conftest import ENGINES, expected, load_rows

MARCH = Period(date(2025, 3, 1), date(2025, 4, 1), "UTC")
DAY = 86400


def ts(s: str) -> datetime:
    return datetime.fromisoformat(s)


def _customer(cid, region="DACH"):
    return {"customer_id": cid, "name": cid, "created_at": ts("2024-01-01"), "region": region}


def _deal(did, cid, status, closed, amount, owner="O1", campaign=None):
    return {"deal_id": did, "customer_id": cid, "owner_id": owner, "campaign_id": campaign,
            "amount": amount, "created_at": ts("2024-06-01"), "closed_at": ts(closed) if closed else None,
            "status": status, "stage": {"won": "Won", "lost": "Lost"}.get(status, "Lead")}


def _tp(tid, cid, channel, at, campaign=None):
    return {"touchpoint_id": tid, "customer_id": cid, "channel": channel, "campaign_id": campaign,
            "occurred_at": ts(at)}


ROWS = {
    "owners": [{"owner_id": "O1", "name": "One"}, {"owner_id": "O2", "name": "Two"}],
    "customers": [_customer("P"), _customer("Q", "Nordics"), _customer("U"), _customer("V"),
                  _customer("W"), _customer("W2")],
    "campaigns": [{"campaign_id": c, "name": c, "channel": "x", "started_at": ts("2024-01-01"),
                   "cost": 0.0} for c in ("C-E", "C-S", "C-P")],
    "deals": [
        # P0 is P's previous won deal (other owner, outside the period): it cuts P1's journey
        _deal("P0", "P", "won", "2025-01-10T12:00:00", 50.0, owner="O2"),
        _deal("P1", "P", "won", "2025-03-10T12:00:00", 1000.0, campaign="C-S"),
        _deal("Q1", "Q", "won", "2025-03-20T00:00:00", 500.0, owner="O2"),
        _deal("U1", "U", "won", "2025-03-25T00:00:00", 200.0),           # no touchpoints
        _deal("V1", "V", "lost", "2025-03-15T00:00:00", 900.0),          # lost: no conversion
        _deal("V2", "V", "won", "2025-04-01T00:00:00", 800.0),           # closed at `to`: not in period
    ],
    "touchpoints": [
        _tp("t1", "P", "print", "2025-01-05T00:00:00"),                # before P0 closed: cut
        _tp("t2", "P", "print", "2025-01-10T12:00:00"),                # at P0's closed_at: not strictly after
        _tp("t3", "P", "email", "2025-02-01T12:00:00", "C-E"),         # Δt = 37 days
        _tp("t4", "P", "social", "2025-03-03T12:00:00", "C-S"),        # Δt = 7 days
        _tp("t5", "P", "email", "2025-03-10T12:00:00"),                # Δt = 0 (at closed_at: included)
        _tp("t6", "P", "display", "2025-03-11T00:00:00"),              # after P1: non-converting
        _tp("q0", "Q", "print", "2024-12-19T23:59:59"),                # 90 days + 1 s before: outside
        _tp("q1", "Q", "tv", "2024-12-20T00:00:00"),                   # exactly 90 days: inside
        _tp("TP9", "Q", "display", "2025-03-15T00:00:00"),             # tie at 03-15: "TP10" < "TP9"
        _tp("TP10", "Q", "paid_search", "2025-03-15T00:00:00", "C-P"),
        _tp("w1", "W", "organic", "2025-03-05T00:00:00"),              # non-converting journey
        _tp("w2", "W2", "organic", "2025-02-28T23:59:59"),             # before max(from, to − 90d)
    ],
}


@pytest.fixture(scope="module", params=ENGINES)
def db(request, fresh_db):
    eng = fresh_db.make(request.param)
    load_rows(eng, ROWS)
    yield eng
    eng.dispose()


def test_journey_is_cut_by_previous_won_deal_and_window_and_ordered_by_text_ids(db):
    with db.connect() as conn:
        js = conversions_and_journeys(conn, MARCH, Filters())
    # conversions: P1, Q1, U1 by closed_at; V1 lost, V2 closed at `to`
    assert [j.deal_id for j in js] == ["P1", "Q1", "U1"]
    # P1: t1, t2 not strictly after P0 (2025-01-10 12:00); t6 after closed_at
    assert [t.touchpoint_id for t in js[0].touches] == ["t3", "t4", "t5"]
    assert [t.age_seconds for t in js[0].touches] == [37 * DAY, 7 * DAY, 0]
    # Q1: q0 is 90 days + 1 s before; TP10 < TP9 as text at equal timestamps
    assert [t.touchpoint_id for t in js[1].touches] == ["q1", "TP10", "TP9"]
    assert [t.key for t in js[1].touches] == ["tv", "paid_search", "display"]
    assert js[2].touches == ()


def test_campaign_key_uses_none_for_touches_without_campaign(db):
    with db.connect() as conn:
        js = conversions_and_journeys(conn, MARCH, Filters(), key="campaign")
    assert [t.key for t in js[0].touches] == ["C-E", "C-S", "(none)"]
    assert [t.key for t in js[1].touches] == ["(none)", "C-P", "(none)"]


def test_totals_and_journey_counts(db):
    with db.connect() as conn:
        r = attribute(conn, MARCH, Filters())
    # attributed: P1 1000 + Q1 500; U1 has no touchpoint
    assert (r["total_conversions"], r["total_value"]) == (2, 1500.0)
    assert (r["unattributed_conversions"], r["unattributed_value"]) == (1, 200.0)
    assert r["converting_journeys"] == 2
    # non-converting: window [max(03-01, 04-01 − 90 d), 04-01) = [03-01, 04-01), after the latest
    # won deal before `to`: P (t6 after P1), W (w1); Q has nothing after Q1, W2's touch is before
    assert r["non_converting_journeys"] == 2


def test_non_converting_journeys_list_the_touches(db):
    with db.connect() as conn:
        nc = non_converting_journeys(conn, MARCH, Filters())
    assert {c: [t.touchpoint_id for t in ts] for c, ts in nc.items()} == {"P": ["t6"], "W": ["w1"]}


# P1 (1000): email(37 d), social(7 d), email(0 d); Q1 (500): tv(90 d), paid_search(5 d), display(5 d)
KEYS = ["display", "email", "paid_search", "social", "tv"]


def _expected_conversions(model):
    if model == "first_touch":
        return {"email": (1, 0), "tv": (0, 1)}              # (share of P1, share of Q1)
    if model == "last_touch":
        return {"email": (1, 0), "display": (0, 1)}
    if model == "linear":
        return {"email": (2 / 3, 0), "social": (1 / 3, 0), "tv": (0, 1 / 3),
                "paid_search": (0, 1 / 3), "display": (0, 1 / 3)}
    if model == "position_based":                           # 40 / 20 / 40
        return {"email": (0.8, 0), "social": (0.2, 0), "tv": (0, 0.4), "paid_search": (0, 0.2),
                "display": (0, 0.4)}
    if model == "time_decay":                               # 2^(−Δt/7 d), normalised
        p = [2 ** (-37 / 7), 2 ** (-7 / 7), 2 ** 0]
        q = [2 ** (-90 / 7), 2 ** (-5 / 7), 2 ** (-5 / 7)]
        sp, sq = sum(p), sum(q)
        return {"email": ((p[0] + p[2]) / sp, 0), "social": (p[1] / sp, 0), "tv": (0, q[0] / sq),
                "paid_search": (0, q[1] / sq), "display": (0, q[2] / sq)}
    raise AssertionError(model)


@pytest.mark.parametrize("model", sorted(MODELS))
def test_heuristic_model_weights(db, model):
    with db.connect() as conn:
        r = attribute(conn, MARCH, Filters(), model=model)
    exp = _expected_conversions(model)
    assert list(r["by_key"]) == KEYS  # every key of a converting journey, credited or not
    for k in KEYS:
        p, q = exp.get(k, (0, 0))
        assert r["by_key"][k]["conversions"] == pytest.approx(p + q, rel=1e-9, abs=1e-12)
        assert r["by_key"][k]["value"] == pytest.approx(1000 * p + 500 * q, rel=1e-9, abs=1e-9)
    assert sum(v["conversions"] for v in r["by_key"].values()) == pytest.approx(2, rel=1e-12)
    assert sum(v["value"] for v in r["by_key"].values()) == pytest.approx(1500, rel=1e-12)


def test_two_touches_split_50_50_and_one_touch_gets_all():
    from queries.journeys import Touch
    one = [Touch("a", "x", ts("2025-01-01"), 0)]
    two = one + [Touch("b", "y", ts("2025-01-02"), 0)]
    four = two + [Touch("c", "z", ts("2025-01-03"), 0), Touch("d", "x", ts("2025-01-04"), 0)]
    assert MODELS["position_based"](one) == [1.0]
    assert MODELS["position_based"](two) == [0.5, 0.5]
    assert MODELS["position_based"](four) == pytest.approx([0.4, 0.1, 0.1, 0.4])


def test_campaign_filter_keeps_every_touch_of_the_journey(db):
    with db.connect() as conn:
        r = attribute(conn, MARCH, Filters(campaign=("C-S",)), model="linear")
    # only P1 is of campaign C-S, but its journey keeps its email touches: email 2/3, social 1/3
    assert r["total_conversions"] == 1
    assert r["by_key"]["email"]["value"] == pytest.approx(2000 / 3, rel=1e-9)
    assert r["by_key"]["social"]["value"] == pytest.approx(1000 / 3, rel=1e-9)


def test_previous_won_deal_of_another_owner_still_cuts_the_journey(db):
    with db.connect() as conn:
        r = attribute(conn, MARCH, Filters(owner=("O1",)), model="first_touch")
    # owner O1: P1 and U1 (no touch); P0 (O2) still cuts t1, t2 -> first touch email
    assert (r["total_conversions"], r["unattributed_conversions"]) == (1, 1)
    assert r["by_key"] == {"email": {"conversions": 1.0, "value": 1000.0},
                           "social": {"conversions": 0.0, "value": 0.0}}
    # customers with an O1 deal: P (t6), U (none), V (none) -> 1 non-converting journey
    assert r["non_converting_journeys"] == 1


def test_customer_filter_and_shorter_window(db):
    with db.connect() as conn:
        r = attribute(conn, MARCH, Filters(region=("DACH",)), model="linear", window_days=30)
    # Q is Nordics; 30-day window drops t3 (37 days): P1 = social, email 50/50
    assert r["by_key"] == {"email": {"conversions": 0.5, "value": 500.0},
                           "social": {"conversions": 0.5, "value": 500.0}}
    assert r["non_converting_journeys"] == 2  # P and W (both DACH)


def test_campaign_key_last_touch(db):
    with db.connect() as conn:
        r = attribute(conn, MARCH, Filters(), key="campaign")
    # last touches t5 and TP9 have no campaign
    assert r["by_key"] == {"(none)": {"conversions": 2.0, "value": 1500.0},
                           "C-E": {"conversions": 0.0, "value": 0.0},
                           "C-P": {"conversions": 0.0, "value": 0.0},
                           "C-S": {"conversions": 0.0, "value": 0.0}}


def test_empty_period_has_zero_totals(db):
    with db.connect() as conn:
        r = attribute_all_models(conn, Period(date(2020, 1, 1), date(2020, 2, 1)), Filters())
    assert r["total_conversions"] == 0 and r["total_value"] == 0
    assert r["models"] == {m: {} for m in ALL_MODELS}
    assert r["markov"]["p_conversion"] is None


def test_unknown_model_is_an_error(db):
    with db.connect() as conn, pytest.raises(ValueError, match="model must be one of"):
        attribute(conn, MARCH, Filters(), model="markov_chain")


# --- the worked example ----------------------------------------------------------------------

WORKED = {"2025": (Period(date(2025, 1, 1), date(2026, 1, 1), "UTC"), Filters()),
          "2025q2_region_DACH": (Period(date(2025, 4, 1), date(2025, 7, 1), "UTC"),
                                 Filters(region=("DACH",)))}


@pytest.mark.parametrize("name", sorted(WORKED))
def test_worked_example_attribution(worked_db, name):
    period, filters = WORKED[name]
    exp = expected(name)["attribution"]
    with worked_db.connect() as conn:
        got = attribute_all_models(conn, period, filters)
    for k in ("total_conversions", "unattributed_conversions", "converting_journeys",
              "non_converting_journeys"):
        assert got[k] == exp[k], k
    for k in ("total_value", "unattributed_value"):
        assert got[k] == pytest.approx(exp[k], rel=1e-9), k
    for model in ("first_touch", "last_touch", "linear", "time_decay", "position_based"):
        assert list(got["models"][model]) == list(exp["models"][model]), model
        for key, v in exp["models"][model].items():
            for m in ("conversions", "value"):
                assert got["models"][model][key][m] == pytest.approx(v[m], rel=1e-9, abs=1e-9), \
                    (model, key, m)
