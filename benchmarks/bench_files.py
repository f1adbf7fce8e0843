"""Benchmark: the commands that write workbooks, against an openpyxl load + save of the same book.

    python benchmarks/bench_files.py [--repeats 3]

All in one run, so that the ratios do not depend on how fast the machine is today:

* reference: ``openpyxl.load_workbook`` + ``save`` of ``data/mbs_trend_sample.xlsx`` (the 20-year
  SYNTHETIC history book), in this process;
* ``xlfidx backtest`` end to end on that book (a subprocess: imports, read, backtest, charts,
  the Backtest sheet into the ``--out`` copy). Target: <= 0.5x the reference;
* ``xlfidx refresh`` on a copy of ``workbooks/mbs_trend.xlsm`` (a subprocess). Target: <= 0.7x;
* ``xlfidx calc`` on a copy of ``workbooks/basis.xlsm`` (a subprocess), against a bare
  ``python -c "import pandas"``. Target: <= 3x.

Each figure is the median of ``--repeats`` runs (the machine is a small shared VM).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "mbs_trend_sample.xlsx"
WORKBOOKS = ROOT / "workbooks"


def median_seconds(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def cli(*args: str) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, "-m", "xlfidx", *args], check=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    import openpyxl

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)

        def roundtrip() -> None:
            openpyxl.load_workbook(SAMPLE).save(tmp / "roundtrip.xlsx")

        def backtest() -> None:
            cli("backtest", str(SAMPLE), "--out", str(tmp / "bt"))

        def refresh() -> None:
            shutil.copy(WORKBOOKS / "mbs_trend.xlsm", tmp / "mbs_trend.xlsm")
            cli("refresh", str(tmp / "mbs_trend.xlsm"))

        def calc() -> None:
            shutil.copy(WORKBOOKS / "basis.xlsm", tmp / "basis.xlsm")
            cli("calc", str(tmp / "basis.xlsm"))

        def import_pandas() -> None:
            subprocess.run([sys.executable, "-c", "import pandas"], check=True)

        ref = median_seconds(roundtrip, args.repeats)
        pandas = median_seconds(import_pandas, args.repeats)
        rows = [
            ("xlfidx backtest (end to end)", median_seconds(backtest, args.repeats), ref, 0.5,
             "openpyxl load+save"),
            ("xlfidx refresh mbs_trend.xlsm", median_seconds(refresh, args.repeats), ref, 0.7,
             "openpyxl load+save"),
            ("xlfidx calc basis.xlsm", median_seconds(calc, args.repeats), pandas, 3.0,
             "python -c 'import pandas'"),
        ]
    print(f"reference: openpyxl load+save of {SAMPLE.name}   {ref:6.2f} s")
    print(f"reference: python -c 'import pandas'              {pandas:6.2f} s")
    for name, seconds, against, target, what in rows:
        ratio = seconds / against
        print(f"{name:<32} {seconds:6.2f} s = {ratio:5.2f}x {what:<26} target <= {target:g}x  "
              f"{'OK' if ratio <= target else 'MISSED'}")


if __name__ == "__main__":
    main()
