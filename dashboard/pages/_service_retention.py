"""Service and retention (METRICS.md §8) stated in words, statistically careful.

queries.service.service_kpis()["service_and_retention"] gives, among the customers with an order
in the 12 months before the period, two groups (a case resolved in the period rated ≤ 2; no case
open at any time of the period) with their size and how many ordered again in the period. The
sentence compares the two shares, names the group sizes, and says whether the difference is
larger than chance: a 95 % interval for the difference of two proportions (Newcombe's hybrid
score interval from two Wilson intervals, which stays sensible for small groups and shares near
0 or 1). Groups under MIN_GROUP customers are not compared at all ("too few customers").
It never claims a cause: the page says the comparison shows an association only.
"""
from __future__ import annotations

import math

from dashboard.formatting import Formatter

from ._service_texts import tr

MIN_GROUP = 10
Z95 = 1.959963984540054


def wilson_interval(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of the proportion k/n (n > 0)."""
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def difference_interval(k1: int, n1: int, k2: int, n2: int, z: float = Z95) -> tuple[float, float]:
    """95 % interval of k1/n1 − k2/n2 (Newcombe 1998, method 10: hybrid score without continuity
    correction)."""
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson_interval(k1, n1, z)
    l2, u2 = wilson_interval(k2, n2, z)
    d = p1 - p2
    return d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def retention_sentences(result: dict | None, fmt: Formatter, lang: str) -> list[str]:
    """The statement, as sentences: shares, group sizes, chance, caveat; or why there is none."""
    result = result or {}
    bad, none = result.get("bad_rated_case") or {}, result.get("no_case") or {}
    n_bad, n_none = int(bad.get("customers") or 0), int(none.get("customers") or 0)
    if not result.get("base_customers"):
        return [tr("service.retention_no_base", lang)]
    if n_bad < MIN_GROUP or n_none < MIN_GROUP:
        return [tr("service.retention_too_few", lang, bad_n=fmt.count(n_bad), none_n=fmt.count(n_none),
                   min=fmt.count(MIN_GROUP))]
    a_bad, a_none = int(bad.get("active") or 0), int(none.get("active") or 0)
    lo, hi = difference_interval(a_bad, n_bad, a_none, n_none)
    diff = a_bad / n_bad - a_none / n_none
    chance = lo <= 0 <= hi
    return [
        tr("service.retention_main", lang, bad=fmt.percent(a_bad / n_bad, 0), none=fmt.percent(a_none / n_none, 0)),
        tr("service.retention_sizes", lang, bad_active=fmt.count(a_bad), bad_n=fmt.count(n_bad),
           none_active=fmt.count(a_none), none_n=fmt.count(n_none)),
        tr("service.retention_chance" if chance else "service.retention_real", lang,
           diff=fmt.points(diff, 0), lo=fmt.points(lo, 0), hi=fmt.points(hi, 0)),
        tr("service.retention_caveat", lang),
    ]


def comparable(result: dict | None) -> bool:
    """Both groups are large enough to be compared (the page then also draws the two shares)."""
    result = result or {}
    return all(int((result.get(g) or {}).get("customers") or 0) >= MIN_GROUP for g in ("bad_rated_case", "no_case"))
