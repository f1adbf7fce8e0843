"""Worksheet-function overheads: cold import of the UDF module, a 1,000-row NETBASIS column.

    python benchmarks/bench_udfs.py

Targets: the UDF module imports cold in under 0.5 s; a 1,000-row NETBASIS column
computes in one call in under 20 ms (arguments as xlwings passes them: nested lists, dates as
datetimes, the contract as a ticker).
"""

from __future__ import annotations

import datetime as dt
import statistics
import subprocess
import sys
import time


def cold_import(preload: str = "", runs: int = 7) -> float:
    """Median seconds to import xlfidx.excel.udfs in a fresh interpreter (after ``preload``)."""
    code = (f"{preload}\nimport time; t = time.perf_counter(); import xlfidx.excel.udfs; "
            "print(time.perf_counter() - t)")
    return statistics.median(
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True).stdout) for _ in range(runs))


def xlwings_import(runs: int = 5) -> float:
    code = "import time; t = time.perf_counter(); import xlwings; print(time.perf_counter() - t)"
    return statistics.median(
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True).stdout) for _ in range(runs))


def netbasis_column(n: int = 1000, repeats: int = 50, cf_column: bool = False) -> tuple[float, float]:
    """(first call incl. deferred imports, median of later calls) in seconds.

    ``cf_column``: conversion factors given as a column of numbers (the DLV sheet's CF column)
    instead of the ticker, from which the core resolves the contract for each maturity.
    """
    import numpy as np

    from xlfidx.excel.udfs import NETBASIS

    rng = np.random.default_rng(1)
    mats = [dt.datetime(2039, 2, 15) + dt.timedelta(days=int(d)) for d in rng.integers(0, 1600, n)]
    mats = [m.replace(day=15) for m in mats]
    price = [[float(p)] for p in rng.uniform(80, 101, n)]
    coupon = [[float(c)] for c in rng.choice([3.25, 3.5, 3.875, 4.0, 4.25, 4.5, 4.75], n)]
    maturity = [[m] for m in mats]
    cf = [[float(x)] for x in rng.uniform(0.7, 0.9, n)] if cf_column else "USZ3"
    args = (price, coupon, maturity, 115.96875, cf, dt.datetime(2023, 11, 22),
            dt.datetime(2023, 12, 29), 5.413, "32nds")
    t = time.perf_counter()
    out = NETBASIS(*args)
    first = time.perf_counter() - t
    assert len(out) == n and all(isinstance(r[0], float) for r in out), out[:3]
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        NETBASIS(*args)
        times.append(time.perf_counter() - t)
    return first, statistics.median(times)


if __name__ == "__main__":
    print(f"import xlwings alone (for scale):                   {xlwings_import():.3f} s")
    print(f"cold import xlfidx.excel.udfs (Linux, stand-ins):   {cold_import():.3f} s  (target < 0.5 s)")
    print(f"import xlfidx.excel.udfs with xlwings loaded:       "
          f"{cold_import('import xlwings'):.3f} s  (as in Excel/xlwings Lite; xlwings' own decorators)")
    first, median = netbasis_column(cf_column=True)
    print(f"NETBASIS, 1,000-row column, first call:             {1000 * first:.1f} ms (loads numpy/pandas/core)")
    print(f"NETBASIS, 1,000 rows, CF column, median of 50:      {1000 * median:.2f} ms  (target < 20 ms)")
    _, median = netbasis_column(cf_column=False)
    print(f"NETBASIS, 1,000 rows, ticker 'USZ3', median of 50:  {1000 * median:.2f} ms  "
          "(adds conversion_factor: contract resolved per maturity in the core)")
