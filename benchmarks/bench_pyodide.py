"""xlwings Lite's start, measured: the worksheet-function module's import and the first =DLV, in
Pyodide 0.27.7 (WebAssembly, under Node) as ratios against the same in CPython on this machine.

    python .ci/pyodide/pyodide.py fetch     # once: the Pyodide distribution, cached
    python benchmarks/bench_pyodide.py

Each figure is the median over fresh interpreters (5 CPython processes, 3 Pyodide starts): the
import of ``xlfidx.excel.udfs`` with xlwings already imported (as Lite and Excel have it before
they load the module: xlwings' own decorators register the functions), then the first
``DLV(bonds, future)`` on the USZ3 sample export's two tables, shaped as Office.js hands them
over (dates as serials, 2-D lists), which loads numpy, pandas and the core. Pyodide's own start
(the WebAssembly runtime and its numpy/pandas packages, which Lite pays before any add-in code)
is reported beside, not in the ratio. Target: each ratio within 3x.
"""

from __future__ import annotations

import json
import sys
import time


def probe(args_path: str) -> dict[str, float]:
    """Run in a fresh interpreter (CPython or Pyodide): seconds for each step, in order."""
    with open(args_path) as f:
        bonds, future = json.load(f)
    t = time.perf_counter()
    import xlwings  # noqa: F401  (Lite and Excel have it loaded before the add-in's module)

    t_xlwings = time.perf_counter() - t
    t = time.perf_counter()
    from xlfidx.excel import udfs

    t_import = time.perf_counter() - t
    t = time.perf_counter()
    out = udfs.DLV(bonds, future)
    t_dlv = time.perf_counter() - t
    assert out[1][0] == "T 4.5 08/15/39 Govt", out[:2]
    return {"xlwings": t_xlwings, "import": t_import, "dlv": t_dlv}


def _sample_tables() -> list[list[list]]:
    """The sample export's bonds and future tables as Office.js gives them."""
    import datetime as dt

    import openpyxl

    from xlfidx.samples import sample_path

    epoch = dt.datetime(1899, 12, 30)
    wb = openpyxl.load_workbook(sample_path("fut_bond_data_USZ3_2023-11-21.xlsx"), data_only=True)
    return [[[(v - epoch).days if isinstance(v, dt.datetime) else v for v in row]
             for row in wb[name].iter_rows(values_only=True)] for name in ("bonds", "future")]


def main() -> None:
    import importlib.util
    import os
    import statistics
    import subprocess
    import tempfile
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("xlfidx_ci_pyodide", root / ".ci/pyodide/pyodide.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    if not tool.is_cached():
        sys.exit("Pyodide is not cached: run python .ci/pyodide/pyodide.py fetch first")
    with tempfile.TemporaryDirectory() as tmp:
        args = Path(tmp) / "dlv_args.json"
        args.write_text(json.dumps(_sample_tables()))
        me = str(Path(__file__).resolve())
        cpython = []
        for _ in range(5):
            done = subprocess.run([sys.executable, me, "--probe", str(args)], capture_output=True,
                                  text=True, check=True, env=dict(os.environ, PYTHONPATH=""))
            cpython.append(json.loads(done.stdout.strip().splitlines()[-1]))
        pyodide, starts = [], []
        for _ in range(3):
            t = time.perf_counter()
            done = tool.run(["/repo/benchmarks/bench_pyodide.py", "--probe", "/io/dlv_args.json"],
                            mounts={Path(tmp): "/io"}, capture_output=True, text=True, check=True)
            total = time.perf_counter() - t
            pyodide.append(json.loads(done.stdout.strip().splitlines()[-1]))
            starts.append(total - sum(pyodide[-1].values()))
    med = {side: {k: statistics.median(r[k] for r in runs) for k in runs[0]}
           for side, runs in (("cpython", cpython), ("pyodide", pyodide))}
    c, p = med["cpython"], med["pyodide"]
    print(f"Python {sys.version.split()[0]} (CPython) vs Pyodide {tool.PYODIDE_VERSION} under Node; "
          "medians of 5 and 3 fresh interpreters")
    print(f"import xlwings (for scale):          CPython {c['xlwings']:.3f} s   Pyodide {p['xlwings']:.3f} s")
    print(f"import xlfidx.excel.udfs:            CPython {c['import']:.3f} s   Pyodide {p['import']:.3f} s"
          f"   ratio {p['import'] / c['import']:.2f}x  (target within 3x)")
    print(f"first DLV(bonds, future) after it:   CPython {c['dlv']:.3f} s   Pyodide {p['dlv']:.3f} s"
          f"   ratio {p['dlv'] / c['dlv']:.2f}x  (target within 3x)")
    print(f"Pyodide's own start, for scale:      {statistics.median(starts):.1f} s  (Node, the "
          "WebAssembly runtime, numpy/pandas/scipy/matplotlib loaded, the wheel built; Lite pays "
          "the runtime's part before any add-in code)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--probe"]:
        print(json.dumps(probe(sys.argv[2])))
    else:
        main()
