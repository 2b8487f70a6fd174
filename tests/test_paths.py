"""Top journeys and the transition matrix on a hand-built set of journeys."""
from datetime import date, datetime

import pytest

from queries.filters import Filters
from queries.paths import top_paths, transition_matrix
from queries.period import Period
from tests.conftest import ENGINES, load_rows

MARCH = Period(date(2025, 3, 1), date(2025, 4, 1), "UTC")


def dt(day, hour=0):
    return datetime(2025, 3, day, hour)


ROWS = {
    "owners": [{"owner_id": "o1", "name": "Anna"}],
    "customers": [{"customer_id": c, "name": c, "created_at": datetime(2025, 1, 1)} for c in ("a", "b", "c", "d")],
    # a converts after email > email > social; b converts after email > social; c and d do not convert
    "deals": [
        {"deal_id": "da", "customer_id": "a", "owner_id": "o1", "amount": 10.0, "created_at": dt(1),
         "closed_at": dt(20), "status": "won", "stage": "Won"},
        {"deal_id": "db", "customer_id": "b", "owner_id": "o1", "amount": 20.0, "created_at": dt(1),
         "closed_at": dt(21), "status": "won", "stage": "Won"},
    ],
    "touchpoints": [
        {"touchpoint_id": "t1", "customer_id": "a", "channel": "email", "occurred_at": dt(2)},
        {"touchpoint_id": "t2", "customer_id": "a", "channel": "email", "occurred_at": dt(3)},
        {"touchpoint_id": "t3", "customer_id": "a", "channel": "social", "occurred_at": dt(4)},
        {"touchpoint_id": "t4", "customer_id": "b", "channel": "email", "occurred_at": dt(5)},
        {"touchpoint_id": "t5", "customer_id": "b", "channel": "social", "occurred_at": dt(6)},
        {"touchpoint_id": "t6", "customer_id": "c", "channel": "email", "occurred_at": dt(7)},
        {"touchpoint_id": "t7", "customer_id": "c", "channel": "social", "occurred_at": dt(8)},
        {"touchpoint_id": "t8", "customer_id": "d", "channel": "tv", "occurred_at": dt(9)},
    ],
}


@pytest.fixture(scope="module", params=ENGINES)
def conn(request, fresh_db):
    eng = fresh_db.make(request.param)
    load_rows(eng, ROWS)
    with eng.connect() as c:
        yield c
    eng.dispose()


def test_top_paths_merge_repeats_and_count_conversions(conn):
    r = top_paths(conn, MARCH, Filters())
    # email > social: a (merged), b converting, c not → 3 journeys, 2 conversions; tv: d, none
    assert r["journeys"] == 4 and r["converting_journeys"] == 2 and r["distinct_paths"] == 2
    assert [(p["path"], p["journeys"], p["conversions"]) for p in r["paths"]] == [
        ("email > social", 3, 2), ("tv", 1, 0)]
    assert r["paths"][0]["conversion_rate"] == pytest.approx(2 / 3)


def test_transition_matrix(conn):
    m = transition_matrix(conn, MARCH, Filters())
    # start → email 3, start → tv 1; email → social 3; social → conversion 2, → null 1; tv → null 1
    assert m["counts"]["start"] == {"email": 3, "tv": 1}
    assert m["counts"]["social"] == {"conversion": 2, "null": 1}
    assert m["probabilities"]["start"]["email"] == pytest.approx(0.75)
    assert m["states"] == ["start", "email", "social", "tv", "conversion", "null"]
