"""Benchmarks for xlfidx.hedging: ``python benchmarks/bench_hedging.py`` prints medians.

Targets: ``hedge_weights`` for 6 contracts under 0.5 ms; ``hedge_weights_history``
over 5,000 days x 6 contracts under 200 ms. For comparison it also times the same history
solved one day at a time with scipy (SLSQP on the stated objective) over a few hundred days.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
from scipy.optimize import minimize

from xlfidx.hedging import hedge_weights, hedge_weights_history, ics_ratio

DUR = np.array([1.9, 4.2, 6.4, 8.5, 13.0, 18.0])


def median_seconds(fn, repeat: int, number: int = 1) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t0) / number)
    return statistics.median(times)


def history(days: int, seed: int = 4):
    rng = np.random.default_rng(seed)
    d_mbs = 3.0 + 4.0 * rng.random(days)
    d_fut = DUR * (1.0 + 0.1 * rng.standard_normal((days, 6)))
    d_fut[: days // 3, 3] = np.nan  # UXY not listed yet
    d_fut[: days // 6, 5] = np.nan  # WN not listed yet
    trend = rng.standard_normal((days, 6))
    return d_mbs, d_fut, trend


def per_day_scipy(d_mbs, d_fut, trend, tilt, lam=0.25):
    out = []
    for dm, d, tr in zip(d_mbs, d_fut, trend, strict=True):
        ok = np.isfinite(d)
        m = dm / (dm + d[ok])
        c = np.abs(d[ok] - dm) + tilt * tr[ok]
        n = int(ok.sum())
        res = minimize(lambda p, c=c, m=m: p @ c + 0.5 * lam * np.sum(m * p * p),
                       np.full(n, 1.0 / n), method="SLSQP", bounds=[(0, 1)] * n,
                       constraints=[{"type": "eq", "fun": lambda p: p.sum() - 1.0}])
        out.append(res.x)
    return out


def main() -> None:
    trend6 = [0.1, 0.5, -0.2, -1.5, 0.3, 0.0]
    hedge_weights(4.5, DUR, trend6, 1.0)
    t = median_seconds(lambda: hedge_weights(4.5, DUR, trend6, 1.0), repeat=50, number=200)
    print(f"hedge_weights, 6 contracts:                    median {t * 1e3:8.4f} ms  (target < 0.5 ms)")

    d_mbs, d_fut, trend = history(5000)
    hedge_weights_history(d_mbs, d_fut, trend, 1.0)
    t = median_seconds(lambda: hedge_weights_history(d_mbs, d_fut, trend, 1.0), repeat=30)
    print(f"hedge_weights_history, 5,000 days x 6:         median {t * 1e3:8.4f} ms  (target < 200 ms)")

    grid = np.linspace(0.0, 5.0, 21)
    t21 = median_seconds(lambda: [hedge_weights_history(d_mbs, d_fut, trend, g) for g in grid], repeat=5)
    print(f"hedge_weights_history, 21 tilts x 5,000 x 6:   median {t21 * 1e3:8.4f} ms")

    n = 300
    ts = median_seconds(lambda: per_day_scipy(d_mbs[:n], d_fut[:n], trend[:n], 1.0), repeat=3)
    print(f"per-day scipy SLSQP, {n} days (comparison):     median {ts * 1e3:8.1f} ms"
          f"  (~{ts / n * 5000:.1f} s for 5,000 days)")

    t = median_seconds(lambda: ics_ratio(72.70, 60.89), repeat=50, number=100)
    print(f"ics_ratio, no menu (legs <= 10):               median {t * 1e3:8.4f} ms")


if __name__ == "__main__":
    main()
