"""Journey-set attribution models (METRICS.md §5): Markov removal effects and Shapley values.

Unlike the heuristic models, these look at all journeys together. Both are exact and
deterministic: the Markov chain's absorption probabilities come from solving its linear system
(no simulation), and the simplified Shapley value (Zhao, Mahboobi & Bagheri 2018) splits each
conversion equally over its distinct channels.
"""
from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

START, CONVERSION, NULL = "start", "conversion", "null"


def merged_path(keys: Iterable[str]) -> list[str]:
    """The journey's channels with consecutive repeats merged (`A > A > B` is `A > B`)."""
    out: list[str] = []
    for k in keys:
        if not out or out[-1] != k:
            out.append(k)
    return out


def transition_counts(converting: Sequence[Sequence[str]], non_converting: Sequence[Sequence[str]]) -> dict:
    """{from_state: {to_state: count}} over every journey (weight 1 each); empty journeys add nothing."""
    counts: dict[str, dict[str, int]] = {}
    for paths, end in ((converting, CONVERSION), (non_converting, NULL)):
        for keys in paths:
            path = merged_path(keys)
            if not path:
                continue
            for a, b in zip([START, *path], [*path, end]):
                row = counts.setdefault(a, {})
                row[b] = row.get(b, 0) + 1
    return counts


def transition_probabilities(counts: dict) -> dict:
    return {a: {b: n / sum(row.values()) for b, n in sorted(row.items())} for a, row in sorted(counts.items())}


def conversion_probability(probs: dict, removed: str | None = None) -> float:
    """P(absorption in `conversion` | start), with transitions into `removed` sent to null.

    Solves (I − Q) p = r over the transient states (start and the channels), Q the transitions
    among them and r the one-step conversion probabilities.
    """
    transient = [START] + sorted({s for s in probs if s != START} |
                                 {b for row in probs.values() for b in row if b not in (CONVERSION, NULL)})
    if removed is not None:
        transient = [s for s in transient if s != removed]
    index = {s: i for i, s in enumerate(transient)}
    q = np.zeros((len(transient), len(transient)))
    r = np.zeros(len(transient))
    for a, row in probs.items():
        if a not in index:
            continue
        for b, p in row.items():
            if b == CONVERSION:
                r[index[a]] += p
            elif b in index:
                q[index[a], index[b]] += p
            # b == NULL or b == removed: absorbed in null
    p = np.linalg.solve(np.eye(len(transient)) - q, r)
    return float(p[index[START]])


def markov(converting: Sequence[Sequence[str]], non_converting: Sequence[Sequence[str]]) -> dict:
    """p_conversion, removal_effects {key: RE} and transition_probs of the first-order chain.

    RE(c) = 1 − P(conversion without c) / P(conversion). Keys are every channel seen in a journey.
    """
    counts = transition_counts(converting, non_converting)
    probs = transition_probabilities(counts)
    if START not in probs:
        return {"p_conversion": None, "removal_effects": {}, "transition_probs": probs}
    keys = sorted({b for row in probs.values() for b in row} - {CONVERSION, NULL})
    p_conv = conversion_probability(probs)
    effects = {}
    for k in keys:
        effects[k] = (1.0 - conversion_probability(probs, removed=k) / p_conv) if p_conv > 0 else None
    return {"p_conversion": p_conv, "removal_effects": effects, "transition_probs": probs}


def markov_credit(journeys, non_converting: dict) -> tuple[dict, dict]:
    """Attributed conversions and value per key (total × RE / ΣRE) and the chain's details.

    `journeys`: the conversions (queries.journeys.Journey); `non_converting`: customer → touches.
    All keys are null when P(conversion) = 0 or ΣRE = 0.
    """
    attributed = [j for j in journeys if j.touches]
    chain = markov([[t.key for t in j.touches] for j in attributed],
                   [[t.key for t in ts] for ts in non_converting.values()])
    effects = chain["removal_effects"]
    total_conv = float(len(attributed))
    total_value = sum(j.value for j in attributed)
    # every key of the chain, also one seen only in non-converting journeys: ΣRE runs over all
    # of them, so their shares sum to the totals
    re_sum = sum(effects.get(k) or 0.0 for k in effects) if chain["p_conversion"] else 0.0
    out = {}
    for k in sorted(effects):
        if not re_sum:
            out[k] = {"conversions": None, "value": None}
        else:
            share = (effects.get(k) or 0.0) / re_sum
            out[k] = {"conversions": total_conv * share, "value": total_value * share}
    return out, chain


def shapley_credit(journeys) -> dict:
    """Each conversion (and its value) split equally over its distinct keys."""
    out: dict[str, dict[str, float]] = {}
    for j in journeys:
        distinct = sorted({t.key for t in j.touches})
        for k in distinct:
            acc = out.setdefault(k, {"conversions": 0.0, "value": 0.0})
            acc["conversions"] += 1.0 / len(distinct)
            acc["value"] += j.value / len(distinct)
    return {k: out[k] for k in sorted(out)}
