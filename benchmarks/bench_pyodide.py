"""xlwings Lite's start, measured: the worksheet-function module's import and the first =DLV, in
Pyodide 0.27.7 (WebAssembly, under Node) as ratios against the same in CPython on this machine.

    python .ci/pyodide/pyodide.py fetch     # once: the Pyodide distribution, cached
    python benchmarks/bench_pyodide.py

Each figure is the median over 5 fresh interpreters of each kind: the import of
``xlfidx.excel.udfs`` with xlwings already imported (as Lite and Excel have it before they load
the module: xlwings' own decorators register the functions), then the first ``DLV(bonds,
future)`` on the USZ3 sample export's two tables, shaped as Office.js hands them over (dates as
serials, 2-D lists), which loads the core. Both interpreters load the same wheel, unpacked, and
both are measured twice: from source (every module compiled on import: what a freshly installed
wheel costs in Lite, whose Pyodide writes no bytecode; in CPython a copy of the wheel's files
without bytecode) and with the bytecode cached (as a pip install leaves CPython; in Pyodide the
wheel byte-compiled by its own Python first). The garbage xlwings' import leaves is collected
before the timed steps, as it is in a running Excel by the time a formula is typed; the
collector's pauses inside the timed steps are part of the times and are shown beside them. The
same from source without that collection is shown too: then a full collection over the objects
xlwings and pandas leave, made due by xlwings' import (some 50 ms in WebAssembly, a few in
CPython), falls in the timed steps in most Pyodide runs. Pyodide's own start
(the WebAssembly runtime and numpy/pandas, paid by Lite before any add-in code) is not in the
figures. Target: each ratio within 3x.
"""

from __future__ import annotations

import json
import sys
import time

ROUNDS = 5  # fresh interpreters of each kind (the VM's speed drifts: medians)


def probe(args_path: str, settle: bool = True) -> dict[str, float]:
    """Run in a fresh interpreter (CPython or Pyodide): seconds for each step, in order.
    ``settle``: collect the garbage xlwings' import leaves before the timed steps, as a running
    Excel has by the time a formula is typed; without it, the full collection that import made
    due falls in the timed steps, in Pyodide in most runs."""
    import gc
    import os

    with open(args_path) as f:
        bonds, future = json.load(f)
    t = time.perf_counter()
    import xlwings  # noqa: F401  (Lite and Excel have it loaded before the add-in's module)

    t_xlwings = time.perf_counter() - t
    if settle:
        gc.collect()
    collecting = [0.0, 0.0]  # seconds in the garbage collector, when it started

    def clock(phase: str, info: dict) -> None:
        if phase == "start":
            collecting[1] = time.perf_counter()
        else:
            collecting[0] += time.perf_counter() - collecting[1]

    gc.callbacks.append(clock)  # the collector's pauses, part of the times: reported beside them
    t = time.perf_counter()
    from xlfidx.excel import udfs

    t_import = time.perf_counter() - t
    here = os.environ.get("PYTHONPATH")
    assert not here or udfs.__file__.startswith(here), (udfs.__file__, here)  # the wheel's copy
    t = time.perf_counter()
    out = udfs.DLV(bonds, future)
    t_dlv = time.perf_counter() - t
    gc.callbacks.remove(clock)
    assert out[1][0] == "T 4.5 08/15/39 Govt", out[:2]
    return {"xlwings": t_xlwings, "import": t_import, "dlv": t_dlv, "gc": collecting[0]}


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

        site = tool.build_project(tmp / "build")  # the wheel as installed, for both interpreters

        def cpython(source: bool, settle: bool = True) -> dict[str, float]:
            # the installed wheel first on the path, ahead of a development install; no bytecode
            # written, so each run finds the cache as the round left it
            env = dict(os.environ, PYTHONPATH=str(site), PYTHONDONTWRITEBYTECODE="1")
            env.pop("PYTHONPYCACHEPREFIX", None)
            if source:  # a fresh copy of the wheel's files: every module compiled from its source
                fresh = Path(tempfile.mkdtemp(dir=tmp)) / "site"
                shutil.copytree(site, fresh, ignore=shutil.ignore_patterns("__pycache__"))
                env["PYTHONPATH"] = str(fresh)
            done = subprocess.run([sys.executable, me, "--probe", str(tmp / "dlv_args.json"),
                                   *([] if settle else ["--unsettled"])], capture_output=True, text=True, check=True, env=env)
            return json.loads(done.stdout.strip().splitlines()[-1])

        # the wheel byte-compiled by this Python, as pip leaves an install (Pyodide's own
        # bytecode, compiled below, sits beside it under its own tag)
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(site / "xlfidx")], check=True)

        def pyodide(argv: list[str], project: Path) -> dict[str, float]:
            done = subprocess.run(tool.node_command(argv, project, mounts={tmp: "/io"}),
                                  capture_output=True, text=True, check=True)
            return json.loads(done.stdout.strip().splitlines()[-1]) if argv[0] != "-m" else {}

        probe_args = ["/repo/benchmarks/bench_pyodide.py", "--probe", "/io/dlv_args.json"]
        runs: dict[str, list[dict[str, float]]] = {k: [] for k in (
            "cpy_pyc", "cpy_src", "pyo_pyc", "pyo_src", "cpy_raw", "pyo_raw")}
        for k in range(ROUNDS):
            runs["cpy_pyc"].append(cpython(source=False))
            runs["cpy_src"].append(cpython(source=True))
            runs["cpy_raw"].append(cpython(source=True, settle=False))
            fresh = tmp / f"fresh{k}"  # the wheel as installed: sources only (Pyodide writes no bytecode)
            shutil.copytree(site, fresh, ignore=shutil.ignore_patterns("__pycache__"))
            runs["pyo_src"].append(pyodide(probe_args, fresh))
            runs["pyo_raw"].append(pyodide([*probe_args, "--unsettled"], fresh))
        # the same wheel byte-compiled by Pyodide's own Python, as a second start would find it
        pyodide(["-m", "compileall", "-q", "/site/0/xlfidx"], site)
        for _ in range(ROUNDS):
            runs["pyo_pyc"].append(pyodide(probe_args, site))
    med = {side: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for side, rs in runs.items()}
    print(f"CPython {sys.version.split()[0]} vs Pyodide {tool.PYODIDE_VERSION} under Node "
          f"{subprocess.run(['node', '--version'], capture_output=True, text=True).stdout.strip()}; "
          f"medians of {ROUNDS} fresh interpreters each, xlwings imported first and its garbage "
          "collected")
    print(f"{'':52}{'CPython':>10}{'Pyodide':>10}{'ratio':>8}")
    for label, key in (("import xlfidx.excel.udfs", "import"), ("first DLV(bonds, future) after it", "dlv")):
        for how, c, p in (("from source", "cpy_src", "pyo_src"), ("bytecode cached", "cpy_pyc", "pyo_pyc")):
            a, b = med[c][key], med[p][key]
            print(f"{label + ', ' + how:52}{a:9.3f}s{b:9.3f}s{b / a:7.2f}x")
    for how, c, p in (("from source", "cpy_src", "pyo_src"), ("bytecode cached", "cpy_pyc", "pyo_pyc")):
        print(f"{'  of both, in the garbage collector, ' + how:52}{med[c]['gc']:9.3f}s"
              f"{med[p]['gc']:9.3f}s")
    print("not settled (the collection xlwings' import made due falls in the timed steps):")
    for label, key in (("import xlfidx.excel.udfs, from source", "import"),
                       ("first DLV(bonds, future) after it, from source", "dlv"), ("  of both, in the "
                                                                                  "garbage collector", "gc")):
        a, b = med["cpy_raw"][key], med["pyo_raw"][key]
        print(f"{label:52}{a:9.3f}s{b:9.3f}s" + (f"{b / a:7.2f}x" if key != "gc" else ""))
    print(f"{'import xlwings (for scale)':52}{med['cpy_pyc']['xlwings']:9.3f}s"
          f"{med['pyo_src']['xlwings']:9.3f}s")
    print("target: within 3x. 'from source': a fresh install, every module compiled on import (a "
          "wheel installed in Lite, and Pyodide writes no bytecode); 'bytecode cached': as a "
          "pip install leaves CPython")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--probe"]:
        print(json.dumps(probe(sys.argv[2], settle="--unsettled" not in sys.argv[3:])))
    else:
        main()
