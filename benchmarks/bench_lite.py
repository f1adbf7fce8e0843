"""Benchmark: xlwings Lite's **Refresh backtest** against `xlfidx backtest`'s compute, in one process.

    python benchmarks/bench_lite.py [--repeats 3]

1. Reference: what `xlfidx backtest` computes before it writes anything -- read the 20-year
   sample (data/mbs_trend_sample.xlsx, 2004-2024, 6 contracts) and run every strategy.
2. The Lite script `refresh_backtest` through xlwings' own Lite machinery
   (`xlwings.server.custom_scripts_call` on `xlwings.Book(json=...)`), on mbs_trend.xlsm's sheets
   as Office.js sends them: read the history from the book's values, run the same backtest,
   lay out the Backtest sheet and queue its cells and charts as Lite's actions.
   Target: within 3x of (1).
3. Importing `xlfidx.excel.lite` (fresh interpreter) and the first `=DLV` on the sample basket's
   two tables after it, against the same call a second time (the numbers of this interpreter;
   the Pyodide figures come from the Pyodide run).

Prints medians and the ratio.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the Office.js payloads the tests build


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


FIRST_DLV = """
import os, time, asyncio, sys
sys.path.insert(0, {tests!r})
os.environ["XLWINGS_ON_SERVER"] = "true"; os.environ["XLWINGS_LICENSE_KEY"] = "noncommercial"
t0 = time.perf_counter()
import xlfidx.excel.lite as lite
t1 = time.perf_counter()
import xlwings.server as server
from officejs import call_payload, workbook_rows
from xlfidx.samples import sample_path
rows = workbook_rows(sample_path("fut_bond_data_USZ3_2023-11-21.xlsx"))
data = call_payload("DLV", [rows["bonds"], rows["future"]])
t2 = time.perf_counter()
asyncio.run(server.custom_functions_call(data, lite))
t3 = time.perf_counter()
asyncio.run(server.custom_functions_call(data, lite))
t4 = time.perf_counter()
print(t1 - t0, t3 - t2, t4 - t3)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from officejs import book_json, complete, lite_runtime, workbook_rows

    from xlfidx.backtest import run_backtest
    from xlfidx.bloomberg.history import read_history
    from xlfidx.excel.build import WORKBOOKS_DIR
    from xlfidx.samples import sample_path
    from xlfidx.samples.mbs_history import FILENAME

    warnings.simplefilter("ignore")
    path = sample_path(FILENAME)
    sheets = workbook_rows(WORKBOOKS_DIR / "mbs_trend.xlsm")

    def reference():
        h = read_history(path)
        run_backtest(h.mbs, h.futures, notes=h.notes)

    with lite_runtime() as (module, server):
        import contextlib
        import io

        import xlwings as xw

        payload = json.dumps(book_json(sheets, "mbs_trend.xlsm"))  # what Office.js sends

        def lite():
            book = xw.Book(json=json.loads(payload))
            with contextlib.redirect_stdout(io.StringIO()):  # Lite's output pane
                out = complete(server.custom_scripts_call(module, "refresh_backtest",
                                                          typehint_to_value={xw.Book: book}))
            assert not [a for a in out.json()["actions"] if a["func"] == "alert"]

        reference()
        lite()  # warm both
        t_ref = median_time(reference, args.repeats)
        t_lite = median_time(lite, args.repeats)
    print(f"xlfidx backtest compute (read + run)       median {t_ref:7.2f} s")
    print(f"Lite refresh_backtest (book JSON -> actions) median {t_lite:7.2f} s")
    ratio = t_lite / t_ref
    print(f"ratio Lite / CLI compute: {ratio:.2f}x   target <= 3x   {'OK' if ratio <= 3 else 'MISSED'}")

    runs = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", FIRST_DLV.format(tests=str(ROOT / "tests"))],
                             capture_output=True, text=True, check=True)
        runs.append([float(x) for x in out.stdout.split()])
    imp, first, second = (statistics.median(c) for c in zip(*runs, strict=True))
    print(f"import xlfidx.excel.lite (with xlwings)     median {imp * 1e3:7.0f} ms")
    print(f"first =DLV(bonds, future) after it          median {first * 1e3:7.0f} ms "
          f"(second call {second * 1e3:.0f} ms)")


if __name__ == "__main__":
    main()
