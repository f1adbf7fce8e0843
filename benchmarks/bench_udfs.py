"""Worksheet-function overheads: cold import of the UDF module, a 1,000-row NETBASIS column.

    python benchmarks/bench_udfs.py

Targets: the UDF module imports cold in under 0.5 s; a 1,000-row NETBASIS column computes in
one call in under 20 ms (arguments as xlwings passes them: nested lists, dates as datetimes, the
contract as a ticker). The DLV of the export's two tables (the ranges basis.xlsm passes) is
measured against the column form on the same bonds, in the same process.
"""

from __future__ import annotations

import datetime as dt
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import round_medians


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


def dlv_forms(repeats: int = 30) -> tuple[float, float]:
    """Median seconds of =DLV(bonds, future) over basis.xlsm's ranges (200 x 40 and 60 x 2
    cells, the USZ3 sample's 16 bonds in them, the rest blank) and of the column form on the
    same 16 bonds, in this process."""
    import openpyxl

    from xlfidx.excel.udfs import DLV
    from xlfidx.samples import sample_path

    wb = openpyxl.load_workbook(sample_path("fut_bond_data_USZ3_2023-11-21.xlsx"), data_only=True)

    def grid(ws, rows, cols):
        return [list(r) for r in ws.iter_rows(min_row=1, max_row=rows, min_col=1, max_col=cols,
                                               values_only=True)]

    bonds, future = grid(wb["bonds"], 200, 40), grid(wb["future"], 60, 2)
    head = bonds[0]
    body = [r for r in bonds[1:] if r[0]]

    def column(name):
        return [[r[head.index(name)]] for r in body]

    fields = {r[0]: r[1] for r in future}
    settle = dt.datetime(2023, 11, 22)
    args = (column("px_last"), column("cpn"), column("maturity"), fields["px_last"],
            "USZ3 Comdty", settle, 5.413, fields["fut_dlv_dt_last"], column("ticker"))
    assert DLV(bonds, future)[1][0] == DLV(*args)[1][0] == "T 4.5 08/15/39 Govt"
    table, columns = (round_medians(call, repeat=repeats, rounds=1, warmup=0)[0]
                      for call in (lambda: DLV(bonds, future), lambda: DLV(*args)))
    return table, columns


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
    tables, columns = dlv_forms()
    print(f"DLV(bonds, future) on basis.xlsm's ranges, median:   {1000 * tables:.2f} ms  "
          f"({tables / columns:.2f} x the column form on the same 16 bonds, {1000 * columns:.2f} ms)")
