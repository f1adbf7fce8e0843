"""Hostile files refused fast and small; ICSRATIO linear in its rows.

    python benchmarks/bench_limits.py

1. A workbook with a part that inflates to 1 GB (1 MB on disk; written here with the standard
   library's zipfile, from the shipped basket sample) is refused by every command that reads a
   book: the command runs in a child process, and its wall time and peak memory
   (``/usr/bin/time -v``) are printed. Target: under 1 s and 200 MB each.
2. The same for a part whose zip entry declares 1.4 KB but inflates to 1 GB (the limit check
   stops one byte past the declared size).
3. ``ICSRATIO`` on 100,000 rows against 10,000 rows, in the same process. Target: the ratio
   of the times at most 10 (linear: 10x the rows, at most 10x the time).

Generating the 1 GB parts takes about 10 s each (deflating 1 GB of zeros).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import round_medians  # noqa: E402

GB = 1 << 30
COMMANDS = {
    "dlv": "data/fut_bond_data_USZ3_2023-11-21.xlsx",
    "fedpath": "data/fedfutures_sample.xlsx",
    "backtest": "data/mbs_trend_sample.xlsx",
    "calc": "workbooks/basis.xlsm",
    "refresh": "workbooks/mbs_trend.xlsm",
}


def run(argv: list[str]) -> tuple[int, float, float, str]:
    """(exit code, wall seconds, peak resident MB, last stderr line) of ``xlfidx argv``.

    The peak is measured by ``/usr/bin/time -v`` (a fresh process: the benchmark's own memory,
    which a forked child would inherit in its count, stays out of it); without it, the child's
    own ``ru_maxrss`` from ``os.wait4``.
    """
    import os
    import re

    timer = ["/usr/bin/time", "-v"] if os.path.exists("/usr/bin/time") else []
    t = time.perf_counter()
    with tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen([*timer, sys.executable, "-m", "xlfidx", *argv],
                                 stdout=subprocess.DEVNULL, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - t
        err.seek(0)
        text = err.read()
    peak = usage.ru_maxrss / 1024
    if timer:
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
        peak = int(m.group(1)) / 1024 if m else float("nan")
        text = text[: text.find("\tCommand being timed")]
    line = (text.strip().splitlines() or [""])[-1]
    return child.returncode, wall, peak, line


def bombs(folder: Path) -> None:
    import hostile_files as H

    print(f"{'case':<11}{'command':<10}{'exit':>5}{'wall s':>8}{'peak MB':>9}  message")
    for case in ("bomb", "lying"):
        for command, sample in COMMANDS.items():
            src = ROOT / sample
            book = folder / f"{case}-{command}{src.suffix}"
            if case == "bomb":
                H.with_bomb(src, book, GB)
            else:
                H.with_lying_size(src, book, GB)
            argv = [command, str(book)]
            if command == "backtest":
                argv += ["--out", str(folder / "out")]
            code, wall, peak, line = run(argv)
            print(f"{case:<11}{command:<10}{code:>5}{wall:>8.2f}{peak:>9.0f}  {line[:110]}")
            book.unlink()


def icsratio() -> None:
    from xlfidx.excel.udfs import ICSRATIO

    def rows(n: int):
        return [[70.0 + (i % 500) * 0.05] for i in range(n)], [[60.89]] * n

    small, large = rows(10_000), rows(100_000)
    t_small = min(round_medians(lambda: ICSRATIO(*small), repeat=5, rounds=3, warmup=1))
    t_large = min(round_medians(lambda: ICSRATIO(*large), repeat=3, rounds=3, warmup=1))
    ratio = t_large / t_small
    print(f"ICSRATIO 10,000 rows {t_small:.3f} s, 100,000 rows {t_large:.3f} s: ratio {ratio:.1f} "
          f"(target <= 10)   {'OK' if ratio <= 10 else 'MISSED'}")


if __name__ == "__main__":
    icsratio()
    with tempfile.TemporaryDirectory() as tmp:
        bombs(Path(tmp))
