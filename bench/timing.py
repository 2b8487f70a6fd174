"""Timing (warm p50/p95) and the cross-engine comparison of results (METRICS.md §0: counts
equal, every other number equal to 1e-9 relative)."""
from __future__ import annotations

import dataclasses
import math
import statistics
import time
from collections.abc import Callable
from datetime import date, datetime

import numpy as np
import pandas as pd

#: A call slower than this (warm-up) is repeated at most SLOW_REPEAT times: a 10-second
#: attribution run five times over would dominate the whole benchmark.
SLOW_SECONDS, SLOW_REPEAT = 2.0, 3


@dataclasses.dataclass
class Timing:
    p50_ms: float
    p95_ms: float
    runs: int
    result: object = None


def percentile(sorted_ms: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (p95 of 5 runs is the slowest)."""
    return sorted_ms[min(len(sorted_ms) - 1, max(0, math.ceil(q * len(sorted_ms)) - 1))]


def time_call(fn: Callable[[], object], repeat: int) -> Timing:
    """One untimed warm-up call (its result is kept), then `repeat` timed calls."""
    t0 = time.perf_counter()
    result = fn()
    if time.perf_counter() - t0 > SLOW_SECONDS:
        repeat = min(repeat, SLOW_REPEAT)
    times = []
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return Timing(statistics.median(times), percentile(times, 0.95), len(times), result)


def summarize(ms: list[float]) -> tuple[float, float]:
    ms = sorted(ms)
    return statistics.median(ms), percentile(ms, 0.95)


# ------------------------------------------------------------------------ comparison

def normalize(value):
    """A query result as plain Python: dicts, lists, ints, floats, strings, ISO timestamps."""
    if isinstance(value, pd.DataFrame):
        return [normalize(r) for r in value.to_dict("records")]
    if isinstance(value, pd.Series):
        return normalize(value.to_list())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return normalize(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): normalize(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [normalize(v) for v in value]
    if isinstance(value, np.ndarray):
        return normalize(value.tolist())
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, (datetime, pd.Timestamp)):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    return value


def compare(a, b, rel: float = 1e-9) -> list[str]:
    """Where two raw query results differ (frames column by column, the rest normalized)."""
    if isinstance(a, pd.DataFrame) and isinstance(b, pd.DataFrame):
        if list(a.columns) != list(b.columns) or len(a) != len(b):
            return [f"frame shape {list(a.columns)} x {len(a)} vs {list(b.columns)} x {len(b)}"]
        out = []
        for col in a.columns:
            x, y = a[col], b[col]
            if pd.api.types.is_numeric_dtype(x) and pd.api.types.is_numeric_dtype(y) \
                    and not pd.api.types.is_integer_dtype(x):
                xv, yv = x.to_numpy(float), y.to_numpy(float)
                bad = ~np.isclose(xv, yv, rtol=rel, atol=1e-12, equal_nan=True)
                if bad.any():
                    i = int(np.argmax(bad))
                    out.append(f"column {col} row {i}: {xv[i]!r} vs {yv[i]!r} ({int(bad.sum())} rows)")
            else:
                out += differences(normalize(x), normalize(y), f"column {col}", rel, limit=1)
        return out
    return differences(normalize(a), normalize(b), rel=rel)


def differences(a, b, path: str = "", rel: float = 1e-9, limit: int = 5) -> list[str]:
    """Where two normalized results differ: ints and texts exactly, floats to `rel` relative."""
    out: list[str] = []

    def walk(x, y, where):
        if len(out) >= limit:
            return
        if isinstance(x, dict) and isinstance(y, dict):
            for k in sorted(set(x) | set(y)):
                if k not in x or k not in y:
                    out.append(f"{where}.{k}: only in {'first' if k in x else 'second'}")
                else:
                    walk(x[k], y[k], f"{where}.{k}")
        elif isinstance(x, list) and isinstance(y, list):
            if len(x) != len(y):
                out.append(f"{where}: {len(x)} vs {len(y)} items")
            for i, (xi, yi) in enumerate(zip(x, y)):
                walk(xi, yi, f"{where}[{i}]")
        elif isinstance(x, float) or isinstance(y, float):
            if x is None or y is None or not isinstance(x, (int, float)) or not isinstance(y, (int, float)) or not math.isclose(x, y, rel_tol=rel, abs_tol=1e-12):
                out.append(f"{where}: {x!r} vs {y!r}")
        elif x != y:
            out.append(f"{where}: {x!r} vs {y!r}")

    walk(a, b, path or "result")
    return out
