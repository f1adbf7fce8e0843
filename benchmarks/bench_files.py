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

Each figure is the best of ``--repeats`` runs (other processes on this small shared VM only ever
make a run slower, so the fastest run is the closest to the code's own cost). Each run is timed
twice: wall clock (what a user waits) and CPU seconds (user + system, of this process for the
reference and of the child for a command). The targets are judged on both.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "mbs_trend_sample.xlsx"
WORKBOOKS = ROOT / "workbooks"


def _cpu() -> float:
    """CPU seconds used so far by this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def best_seconds(fn, repeats: int) -> tuple[float, float]:
    """Lowest wall-clock and lowest CPU seconds of ``fn()`` over ``repeats`` runs."""
    wall, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), _cpu()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(_cpu() - c0)
    return min(wall), min(cpu)


def cli(*args: str) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, "-m", "xlfidx", *args], check=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
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

        ref = best_seconds(roundtrip, args.repeats)
        pandas = best_seconds(import_pandas, args.repeats)
        rows = [
            ("xlfidx backtest (end to end)", best_seconds(backtest, args.repeats), ref, 0.5,
             "openpyxl load+save"),
            ("xlfidx refresh mbs_trend.xlsm", best_seconds(refresh, args.repeats), ref, 0.7,
             "openpyxl load+save"),
            ("xlfidx calc basis.xlsm", best_seconds(calc, args.repeats), pandas, 3.0,
             "python -c 'import pandas'"),
        ]
    print(f"reference: openpyxl load+save of {SAMPLE.name}: wall {ref[0]:6.2f} s, cpu {ref[1]:6.2f} s")
    print(f"reference: python -c 'import pandas':            wall {pandas[0]:6.2f} s, cpu {pandas[1]:6.2f} s")
    for name, (wall, cpu), (ref_wall, ref_cpu), target, what in rows:
        ok = wall / ref_wall <= target and cpu / ref_cpu <= target
        print(f"{name:<31} wall {wall:5.2f} s = {wall / ref_wall:4.2f}x, cpu {cpu:5.2f} s = "
              f"{cpu / ref_cpu:4.2f}x {what:<26} target <= {target:g}x  {'OK' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
