"""Benchmark: FEDPATH on an 18-contract chain with 11 meetings, probabilities included.

Target: median under 2 ms per call of ``fed_path`` (which computes the FedWatch
probability tree). Run: ``python benchmarks/bench_fedfunds.py``.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time

import numpy as np

from xlfidx.fedfunds import fed_path, fed_path_by_month, fed_probabilities, fomc_meetings

MONTHS = np.datetime64("2025-02", "M") + np.arange(18)
EXPIRIES = (MONTHS + 1).astype("datetime64[D]") - 1
# a chain pricing about two cuts over the 18 months, quoted to the CME tick
PRICES = np.round(np.round((95.675 + np.linspace(0.0, 0.55, 18)) / 0.005) * 0.005, 4)
MEETINGS = fomc_meetings("2025-02-01", "2026-07-31")[:11]
SPOT = 4.33


def median_ms(fn, repeat: int = 2000) -> float:
    for _ in range(50):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def main() -> None:
    assert len(PRICES) == 18 and len(MEETINGS) == 11
    # what Excel passes: lists of floats and of dates
    xl_prices = PRICES.tolist()
    xl_expiries = [dt.date.fromisoformat(str(d)) for d in EXPIRIES]
    xl_meetings = [dt.date.fromisoformat(str(d)) for d in MEETINGS]
    cases = {
        "fed_path, numpy inputs (probabilities included)":
            lambda: fed_path(PRICES, EXPIRIES, MEETINGS, SPOT),
        "fed_path, Excel-like lists of floats and dates":
            lambda: fed_path(xl_prices, xl_expiries, xl_meetings, SPOT),
        "fed_path, method=next": lambda: fed_path(PRICES, EXPIRIES, MEETINGS, SPOT, method="next"),
        "fed_probabilities (matrix)": lambda: fed_probabilities(PRICES, EXPIRIES, MEETINGS, SPOT),
        "fed_path_by_month": lambda: fed_path_by_month(PRICES, EXPIRIES, MEETINGS, SPOT),
    }
    print("18 contracts, 11 meetings; median per call (target < 2 ms for fed_path)")
    for name, fn in cases.items():
        print(f"  {name:<52} {median_ms(fn):7.3f} ms")


if __name__ == "__main__":
    main()
