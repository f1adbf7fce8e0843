"""Start-up of the command line: ``python benchmarks/bench_startup.py [REPEATS]``.

Target: ``xlfidx --help`` takes at most 4x a bare ``python -c pass`` of the same interpreter,
measured in the same run (so that the machine's speed of the moment cancels). Each command is
started as a fresh process, the two kinds interleaved, and the medians compared. Every
``xlfidx COMMAND --help`` is timed too, and the modules each one imports are checked for
numpy and pandas (``python -X importtime``).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_RATIO = 4.0
COMMANDS = ["dlv", "fedpath", "backtest", "make-sample-data", "calc", "refresh", "build-workbooks"]
HEAVY = ("numpy", "pandas", "matplotlib", "openpyxl", "scipy")


def xlfidx_command() -> list[str]:
    """The ``xlfidx`` console script beside this interpreter, else its exact equivalent."""
    script = Path(sys.executable).parent / "xlfidx"
    if script.is_file():
        return [sys.executable, str(script)]
    return [sys.executable, "-c", "import sys; from xlfidx.cli import main; sys.exit(main())"]


def seconds(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0


def heavy_imports(cmd: list[str]) -> list[str]:
    out = subprocess.run([cmd[0], "-X", "importtime", *cmd[1:]], capture_output=True, text=True,
                         check=True).stderr
    names = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in out.splitlines()
             if line.startswith("import time:")}
    return sorted(names & set(HEAVY))


def main(repeats: int = 25) -> None:
    bare = [sys.executable, "-c", "pass"]
    xl = xlfidx_command()
    runs: dict[str, list[float]] = {"python -c pass": [], "xlfidx --help": []}
    runs.update({f"xlfidx {c} --help": [] for c in COMMANDS})
    for _ in range(3):  # warm the file cache
        seconds(bare), seconds([*xl, "--help"])
    for _ in range(repeats):
        runs["python -c pass"].append(seconds(bare))
        runs["xlfidx --help"].append(seconds([*xl, "--help"]))
    for c in COMMANDS:
        for _ in range(max(5, repeats // 3)):
            runs["python -c pass"].append(seconds(bare))
            runs[f"xlfidx {c} --help"].append(seconds([*xl, c, "--help"]))
    base = statistics.median(runs["python -c pass"])
    print(f"interpreter {sys.executable} ({sys.version.split()[0]}), PYTHONPATH="
          f"{os.environ.get('PYTHONPATH', '')!r}, {repeats} runs, medians")
    for name, times in runs.items():
        med = statistics.median(times)
        print(f"  {name:<36} {med * 1e3:7.1f} ms   {med / base:4.2f}x python -c pass")
    ratio = statistics.median(runs["xlfidx --help"]) / base
    print(f"xlfidx --help: {ratio:.2f}x a bare interpreter (target <= {TARGET_RATIO:g}x): "
          f"{'OK' if ratio <= TARGET_RATIO else 'MISSED'}")
    for args in [["--help"], *[[c, "--help"] for c in COMMANDS]]:
        heavy = heavy_imports([*xl, *args])
        if heavy:
            print(f"  xlfidx {' '.join(args)} imports {', '.join(heavy)}")
    print("heavy imports checked: " + ", ".join(HEAVY))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 25)
