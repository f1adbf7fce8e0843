"""Basis benchmarks: the 16-bond USZ3 DLV (target < 1 ms per call) and CME conversion factors
for 100,000 bonds (target < 50 ms). Run: python benchmarks/bench_basis.py"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import report, round_medians

import xlfidx
from xlfidx.samples.basket import BONDS


def main() -> int:
    bonds = pd.DataFrame(BONDS, columns=["coupon", "maturity", "price"])
    # maturities as the basket reader returns them (parsed dates)
    bonds["maturity"] = pd.to_datetime(bonds["maturity"])
    xlfidx.deliverable_basket(bonds, 115.96875, "USZ3", "2023-11-22", 5.413)  # warm caches
    ok = report("deliverable_basket, 16-bond USZ3 basket",
                round_medians(lambda: xlfidx.deliverable_basket(
                    bonds, 115.96875, "USZ3", "2023-11-22", 5.413, "2023-12-29")), 1e-3)

    rng = np.random.default_rng(0)
    n = 100_000
    coupons = rng.uniform(0.5, 6.0, n).round(3)
    # TYZ4 takes 6y6m to 8y: 2031-06-01 to 2032-12-01
    maturities = np.datetime64("2031-06-15") + rng.integers(0, 535, n).astype("timedelta64[D]")
    ok &= report("conversion_factor, 100,000 TYZ4 bonds",
                 round_medians(lambda: xlfidx.conversion_factor(coupons, maturities, "TYZ24"),
                               repeat=20, warmup=3), 50e-3)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
