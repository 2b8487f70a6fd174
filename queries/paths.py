"""Top customer journeys (paths) and the channel transition matrix (METRICS.md §5 journeys).

A path is a journey's channels in tie order with consecutive repeats merged (`A > A > B` is
`A > B`, as in the Markov model). Converting journeys end in a conversion, non-converting ones
in null; journeys without touchpoints are no journeys.
"""
from __future__ import annotations

from .attribution_models import CONVERSION, NULL, START, merged_path, transition_counts
from .journeys import conversions_and_journeys, non_converting_journeys
from .period import Period

SEPARATOR = " > "


def _journey_paths(conn, period: Period, filters, *, window_days: int, key: str):
    conv = [[t.key for t in j.touches] for j in
            conversions_and_journeys(conn, period, filters, window_days=window_days, key=key) if j.touches]
    non_conv = [[t.key for t in ts] for ts in
                non_converting_journeys(conn, period, filters, window_days=window_days, key=key).values()]
    return conv, non_conv


def top_paths(conn, period: Period, filters, *, window_days: int = 90, key: str = "channel",
              limit: int = 20) -> dict:
    """The most frequent paths: {"journeys": n, "paths": [{"path", "length", "journeys",
    "conversions", "conversion_rate"}]} ordered by journeys, then conversions, then path."""
    conv, non_conv = _journey_paths(conn, period, filters, window_days=window_days, key=key)
    stats: dict[tuple, list[int]] = {}
    for keys, converted in [(k, 1) for k in conv] + [(k, 0) for k in non_conv]:
        path = tuple(merged_path(keys))
        entry = stats.setdefault(path, [0, 0])
        entry[0] += 1
        entry[1] += converted
    rows = [{"path": SEPARATOR.join(p), "steps": list(p), "length": len(p), "journeys": n,
             "conversions": c, "conversion_rate": c / n} for p, (n, c) in stats.items()]
    rows.sort(key=lambda r: (-r["journeys"], -r["conversions"], r["path"]))
    return {"journeys": len(conv) + len(non_conv), "converting_journeys": len(conv),
            "distinct_paths": len(rows), "paths": rows[:limit]}


def transition_matrix(conn, period: Period, filters, *, window_days: int = 90, key: str = "channel") -> dict:
    """Counts and probabilities of the first-order transitions between start, the channels,
    conversion and null, over all journeys: {"states", "counts", "probabilities"}."""
    conv, non_conv = _journey_paths(conn, period, filters, window_days=window_days, key=key)
    counts = transition_counts(conv, non_conv)
    channels = sorted({s for s in counts if s != START} | {b for row in counts.values() for b in row} - {CONVERSION, NULL})
    probs = {a: {b: n / sum(row.values()) for b, n in row.items()} for a, row in counts.items()}
    return {"states": [START, *channels, CONVERSION, NULL], "counts": counts, "probabilities": probs}
