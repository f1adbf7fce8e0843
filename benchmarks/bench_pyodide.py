"""xlwings Lite's start, measured: the worksheet-function module's import and the first =DLV, in
Pyodide 0.27.7 (WebAssembly, under Node) as ratios against the same in CPython on this machine.

    python .ci/pyodide/pyodide.py fetch     # once: the Pyodide distribution, cached
    python benchmarks/bench_pyodide.py

Each figure is the median over 5 fresh interpreters of each kind: the import of
``xlfidx.excel.udfs`` with xlwings already imported (as Lite and Excel have it before they load
the module: xlwings' own decorators register the functions), then the first ``DLV(bonds,
future)`` on the USZ3 sample export's two tables, shaped as Office.js hands them over (dates as
serials, 2-D lists), which loads the core. Both are measured twice: from source (every module
compiled on import: what a freshly installed wheel costs in Lite, whose Pyodide writes no
bytecode; in CPython an empty bytecode cache) and with the bytecode cached (as a pip install
leaves CPython; in Pyodide the wheel byte-compiled by its own Python first). Pyodide's own start
(the WebAssembly runtime and numpy/pandas, paid by Lite before any add-in code) is not in the
figures. Target: each ratio within 3x.
"""

from __future__ import annotations

import json
import sys
import time

ROUNDS = 5  # fresh interpreters of each kind (the VM's speed drifts: medians)


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
    import shutil
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
    me = str(Path(__file__).resolve())
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "dlv_args.json").write_text(json.dumps(_sample_tables()))

        def cpython(source: bool) -> dict[str, float]:
            env = dict(os.environ, PYTHONPATH="")
            if source:  # an empty bytecode cache: every module compiled from its source
                env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(dir=tmp)
            done = subprocess.run([sys.executable, me, "--probe", str(tmp / "dlv_args.json")],
                                  capture_output=True, text=True, check=True, env=env)
            return json.loads(done.stdout.strip().splitlines()[-1])

        site = tool.build_project(tmp / "build")

        def pyodide(argv: list[str], project: Path) -> dict[str, float]:
            done = subprocess.run(tool.node_command(argv, project, mounts={tmp: "/io"}),
                                  capture_output=True, text=True, check=True)
            return json.loads(done.stdout.strip().splitlines()[-1]) if argv[0] != "-m" else {}

        probe_args = ["/repo/benchmarks/bench_pyodide.py", "--probe", "/io/dlv_args.json"]
        runs: dict[str, list[dict[str, float]]] = {"cpy_pyc": [], "cpy_src": [], "pyo_pyc": [],
                                                   "pyo_src": []}
        for k in range(ROUNDS):
            runs["cpy_pyc"].append(cpython(source=False))
            runs["cpy_src"].append(cpython(source=True))
            fresh = tmp / f"fresh{k}"  # the wheel as installed: sources only (Pyodide writes no bytecode)
            shutil.copytree(site, fresh)
            runs["pyo_src"].append(pyodide(probe_args, fresh))
        # the same wheel byte-compiled by Pyodide's own Python, as a second start would find it
        pyodide(["-m", "compileall", "-q", "/site/0/xlfidx"], site)
        for _ in range(ROUNDS):
            runs["pyo_pyc"].append(pyodide(probe_args, site))
    med = {side: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for side, rs in runs.items()}
    print(f"CPython {sys.version.split()[0]} vs Pyodide {tool.PYODIDE_VERSION} under Node "
          f"{subprocess.run(['node', '--version'], capture_output=True, text=True).stdout.strip()}; "
          f"medians of {ROUNDS} fresh interpreters each, xlwings imported first")
    print(f"{'':52}{'CPython':>10}{'Pyodide':>10}{'ratio':>8}")
    for label, key in (("import xlfidx.excel.udfs", "import"), ("first DLV(bonds, future) after it", "dlv")):
        for how, c, p in (("from source", "cpy_src", "pyo_src"), ("bytecode cached", "cpy_pyc", "pyo_pyc")):
            a, b = med[c][key], med[p][key]
            print(f"{label + ', ' + how:52}{a:9.3f}s{b:9.3f}s{b / a:7.2f}x")
    print(f"{'import xlwings (for scale), from source':52}{med['cpy_src']['xlwings']:9.3f}s"
          f"{med['pyo_src']['xlwings']:9.3f}s")
    print("target: within 3x. 'from source': a fresh install, every module compiled on import (a "
          "wheel installed in Lite, and Pyodide writes no bytecode); 'bytecode cached': as a "
          "pip install leaves CPython")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--probe"]:
        print(json.dumps(probe(sys.argv[2])))
    else:
        main()
