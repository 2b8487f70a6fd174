"""Attribution over the customer journey (METRICS.md §5): every model behind one entry point.

A model is a function from one conversion's touches (in tie order) to one weight per touch,
summing to 1. `MODELS` is the registry the API and the campaign table look names up in; the
journey-set models (Markov, Shapley) will plug in next to it, fed by the same
`conversions_and_journeys` / `non_converting_journeys`.
"""
from __future__ import annotations

from typing import Callable, Sequence

from .attribution_models import markov_credit, shapley_credit
from .journeys import (
    SECONDS_PER_DAY, Journey, Touch, conversions_and_journeys, non_converting_journey_count,
    non_converting_journeys,
)
from .period import Period

HALF_LIFE_SECONDS = 7 * SECONDS_PER_DAY


def first_touch(touches: Sequence[Touch]) -> list[float]:
    return [1.0] + [0.0] * (len(touches) - 1)


def last_touch(touches: Sequence[Touch]) -> list[float]:
    return [0.0] * (len(touches) - 1) + [1.0]


def linear(touches: Sequence[Touch]) -> list[float]:
    """Each touch 1/n, so a key with m of n touches gets m/n."""
    n = len(touches)
    return [1.0 / n] * n


def time_decay(touches: Sequence[Touch]) -> list[float]:
    """2^(−Δt / 7 days), Δt = closed_at − occurred_at in whole seconds, normalised per conversion."""
    raw = [2.0 ** (-t.age_seconds / HALF_LIFE_SECONDS) for t in touches]
    total = sum(raw)
    return [w / total for w in raw]


def position_based(touches: Sequence[Touch]) -> list[float]:
    """40 % first, 40 % last, 20 % spread over the middle; two touches 50/50; one touch 100 %."""
    n = len(touches)
    if n == 1:
        return [1.0]
    if n == 2:
        return [0.5, 0.5]
    return [0.4] + [0.2 / (n - 2)] * (n - 2) + [0.4]


#: Heuristic models: name -> weights of one conversion's touches.
MODELS: dict[str, Callable[[Sequence[Touch]], list[float]]] = {
    "first_touch": first_touch,
    "last_touch": last_touch,
    "linear": linear,
    "time_decay": time_decay,
    "position_based": position_based,
}


#: Models over the whole journey set (queries.attribution_models); with MODELS, every model name.
JOURNEY_SET_MODELS = ("markov", "shapley")
ALL_MODELS = (*MODELS, *JOURNEY_SET_MODELS)


def check_model(model: str) -> Callable[[Sequence[Touch]], list[float]]:
    try:
        return MODELS[model]
    except KeyError:
        raise ValueError(f"model must be one of {', '.join(ALL_MODELS)}, got {model!r}") from None


def _model_credit(conn, period, filters, journeys, model: str, window_days: int, key: str):
    """(by_key, extra) for any model name; extra holds the Markov chain's details."""
    if model == "shapley":
        return shapley_credit(journeys), {}
    if model == "markov":
        non_conv = non_converting_journeys(conn, period, filters, window_days=window_days, key=key)
        by_key, chain = markov_credit(journeys, non_conv)
        return by_key, {"markov": chain}
    return credit(journeys, check_model(model)), {}


def credit(journeys: Sequence[Journey], model: Callable) -> dict[str, dict[str, float]]:
    """key -> {conversions, value} summed over the attributed journeys, keys sorted.

    Every key that occurs in a converting journey is listed, with 0 if the model gives it no
    credit (e.g. a middle channel under first_touch).
    """
    out: dict[str, dict[str, float]] = {}
    for j in journeys:
        if not j.touches:
            continue
        for t, w in zip(j.touches, model(j.touches)):
            acc = out.setdefault(t.key, {"conversions": 0.0, "value": 0.0})
            acc["conversions"] += w
            acc["value"] += w * j.value
    return {k: out[k] for k in sorted(out)}


def _totals(conn, period, filters, journeys, window_days) -> dict:
    attributed = [j for j in journeys if j.touches]
    unattributed = [j for j in journeys if not j.touches]
    return {
        "total_conversions": len(attributed),
        "total_value": sum(j.value for j in attributed),
        "unattributed_conversions": len(unattributed),
        "unattributed_value": sum(j.value for j in unattributed),
        "converting_journeys": len(attributed),
        "non_converting_journeys": non_converting_journey_count(
            conn, period, filters, window_days=window_days),
    }


def attribute(conn, period: Period, filters, *, model: str = "last_touch", window_days: int = 90,
              key: str = "channel") -> dict:
    """Attributed conversions and value per channel (or campaign) under one heuristic model.

    {total_conversions, total_value, unattributed_conversions, unattributed_value,
     converting_journeys, non_converting_journeys, by_key: {k: {conversions, value}}}
    """
    if model not in ALL_MODELS:
        check_model(model)
    journeys = conversions_and_journeys(conn, period, filters, window_days=window_days, key=key)
    by_key, extra = _model_credit(conn, period, filters, journeys, model, window_days, key)
    return {**_totals(conn, period, filters, journeys, window_days), "by_key": by_key, **extra}


def attribute_all_models(conn, period: Period, filters, *, window_days: int = 90,
                         key: str = "channel") -> dict:
    """The totals of `attribute`, {"models": {model: {k: {conversions, value}}}} for every model
    (heuristic, Markov, Shapley) and the Markov chain's details under "markov"."""
    journeys = conversions_and_journeys(conn, period, filters, window_days=window_days, key=key)
    models, extra = {}, {}
    for name in ALL_MODELS:
        models[name], more = _model_credit(conn, period, filters, journeys, name, window_days, key)
        extra.update(more)
    return {**_totals(conn, period, filters, journeys, window_days), "models": models, **extra}
