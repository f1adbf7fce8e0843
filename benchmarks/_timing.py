"""Median wall-clock timing for the benchmark scripts (not a test: run them by hand).

This machine is a small VM whose speed drifts by up to 2x from one second to the next (the
same code measures a 0.9 ms and a 1.6 ms median in consecutive runs). So a figure is taken
the way ``timeit`` recommends: several rounds, each its own median, and the lowest round
median is reported, with the highest beside it so the spread stays visible.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def round_medians(fn: Callable[[], object], repeat: int = 200, rounds: int = 5,
                  warmup: int = 20) -> list[float]:
    """Median seconds per call of ``fn`` in each of ``rounds`` rounds of ``repeat`` calls."""
    for _ in range(warmup):
        fn()
    medians = []
    for _ in range(rounds):
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        medians.append(statistics.median(times))
    return medians


def report(name: str, medians: list[float], target_seconds: float) -> bool:
    best, worst = min(medians), max(medians)
    ok = best < target_seconds
    print(f"{name:<42} median {best * 1e3:8.3f} ms (rounds up to {worst * 1e3:.3f})   "
          f"target < {target_seconds * 1e3:g} ms   {'OK' if ok else 'MISSED'}")
    return ok
