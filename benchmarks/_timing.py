"""Median wall-clock timing for the benchmark scripts (not a test: run them by hand)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_seconds(fn: Callable[[], object], repeat: int = 200, warmup: int = 5) -> float:
    """Median seconds per call of ``fn`` over ``repeat`` calls, after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def report(name: str, seconds: float, target_seconds: float) -> bool:
    ok = seconds < target_seconds
    print(f"{name:<55} median {seconds * 1e3:9.3f} ms   target < {target_seconds * 1e3:g} ms   "
          f"{'OK' if ok else 'MISSED'}")
    return ok
