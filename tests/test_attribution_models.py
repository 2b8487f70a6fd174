"""Markov removal effects and Shapley values (METRICS.md §5) on examples derived on paper."""
from datetime import datetime

import pytest

from queries.attribution_models import (
    conversion_probability, markov, markov_credit, merged_path, shapley_credit, transition_counts,
    transition_probabilities,
)
from queries.journeys import Journey, Touch

T0 = datetime(2025, 1, 1)


def journey(deal_id, keys, value):
    return Journey(deal_id, "c-" + deal_id, T0, value,
                   tuple(Touch(f"{deal_id}-{i}", k, T0, 0) for i, k in enumerate(keys)))


def touches(keys):
    return tuple(Touch(f"n-{i}", k, T0, 0) for i, k in enumerate(keys))


def test_consecutive_repeats_are_merged():
    assert merged_path(["A", "A", "B", "B", "A"]) == ["A", "B", "A"]
    assert transition_counts([["A", "A", "B"]], []) == {"start": {"A": 1}, "A": {"B": 1}, "B": {"conversion": 1}}


def test_three_journey_markov_example():
    """Journeys: A > B converts (100 €), A does not, B converts (50 €).

    start→A 2/3, start→B 1/3; A→B 1/2, A→null 1/2; B→conversion 1.
    P(conversion) = 2/3 · 1/2 + 1/3 = 2/3.
    Without A: only start→B remains: 1/3, RE(A) = 1 − (1/3)/(2/3) = 1/2.
    Without B: nothing converts: RE(B) = 1.  ΣRE = 3/2.
    A gets 2 × (1/2)/(3/2) = 2/3 conversions and 150 × 1/3 = 50 €; B gets 4/3 and 100 €.
    """
    chain = markov([["A", "B"], ["B"]], [["A"]])
    assert chain["p_conversion"] == pytest.approx(2 / 3)
    assert chain["removal_effects"] == pytest.approx({"A": 0.5, "B": 1.0})
    assert chain["transition_probs"]["start"] == pytest.approx({"A": 2 / 3, "B": 1 / 3})
    credit, _ = markov_credit([journey("d1", ["A", "B"], 100.0), journey("d2", ["B"], 50.0)],
                              {"c9": touches(["A"])})
    assert credit["A"] == pytest.approx({"conversions": 2 / 3, "value": 50.0})
    assert credit["B"] == pytest.approx({"conversions": 4 / 3, "value": 100.0})


def test_markov_loops_are_solved_exactly():
    """A > B > A > conversion and B > null: a cycle between A and B.

    start→A 1/2, start→B 1/2; A→B 1/2, A→conv 1/2; B→A 1/2, B→null 1/2.
    pA = 1/2 + pB/2, pB = pA/2  →  pA = 2/3, pB = 1/3; P = (2/3 + 1/3)/2 = 1/2.
    """
    probs = transition_probabilities(transition_counts([["A", "B", "A"]], [["B"]]))
    assert conversion_probability(probs) == pytest.approx(0.5)


def test_markov_without_conversions_is_null():
    credit, chain = markov_credit([], {"c1": touches(["A", "B"])})
    assert chain["p_conversion"] == 0.0
    assert all(v["conversions"] is None for v in credit.values())


def test_three_channel_shapley_example():
    """{A,B,C} 90 €, {A,B} 40 €, {C} 10 €, A > A > B 20 € (distinct {A,B}).

    A: 1/3 + 1/2 + 1/2 = 4/3 conversions, 30 + 20 + 10 = 60 €; B the same;
    C: 1/3 + 1 = 4/3, 30 + 10 = 40 €. Sums: 4 conversions, 160 €.
    """
    credit = shapley_credit([journey("d1", ["A", "B", "C"], 90.0), journey("d2", ["B", "A"], 40.0),
                             journey("d3", ["C"], 10.0), journey("d4", ["A", "A", "B"], 20.0)])
    assert credit["A"] == pytest.approx({"conversions": 4 / 3, "value": 60.0})
    assert credit["B"] == pytest.approx({"conversions": 4 / 3, "value": 60.0})
    assert credit["C"] == pytest.approx({"conversions": 4 / 3, "value": 40.0})


@pytest.mark.parametrize("model", ["first_touch", "last_touch", "linear", "time_decay", "position_based",
                                   "markov", "shapley"])
def test_every_model_sums_to_the_totals(worked_db, model):
    from datetime import date

    from queries.attribution import attribute
    from queries.filters import Filters
    from queries.period import Period
    with worked_db.connect() as conn:
        for key in ("channel", "campaign"):
            r = attribute(conn, Period(date(2025, 1, 1), date(2026, 1, 1), "UTC"), Filters(), model=model, key=key)
            assert sum(v["conversions"] for v in r["by_key"].values()) == pytest.approx(r["total_conversions"])
            assert sum(v["value"] for v in r["by_key"].values()) == pytest.approx(r["total_value"])
