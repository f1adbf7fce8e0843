"""Acceptance: in Pyodide 0.27.7 (xlwings Lite's Python: 32-bit WebAssembly, numpy 2.0.2, pandas
2.2.3) every worksheet function, called on the sample basket, the sample Fed chain and the hedge
inputs with arguments shaped as Office.js hands them over (dates as serials, ranges as 2-D
lists, blanks as None or ""), gives CPython's result to 1e-9 relative; texts (the one-line
errors, tickers, labels) identical.

The calls (``udf_cases.py``) are built here from the project's samples, written to a file,
evaluated in CPython in this process and inside Pyodide under Node (``.ci/pyodide/pyodide.py``,
with the package installed from its own freshly built wheel), then compared.

Skipped, with the reason, where Node or the cached Pyodide distribution is absent (fetch it with
``python .ci/pyodide/pyodide.py fetch``); CI fetches it and sets XLFIDX_REQUIRE_PYODIDE=1, which
turns that skip into a failure.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
from pathlib import Path

import pytest
import udf_cases

from xlfidx.excel.udfs import UDFS

ROOT = Path(__file__).resolve().parents[1]
REQUIRED = os.environ.get("XLFIDX_REQUIRE_PYODIDE", "").strip() not in ("", "0")


def _pyodide_tool():
    spec = importlib.util.spec_from_file_location("xlfidx_ci_pyodide", ROOT / ".ci" / "pyodide" / "pyodide.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _unavailable(why: str) -> None:
    if REQUIRED:
        pytest.fail(f"{why} (XLFIDX_REQUIRE_PYODIDE is set)")
    pytest.skip(why)


@pytest.fixture(scope="module")
def calls():
    return udf_cases.cases()


def test_every_worksheet_function_has_a_case(calls):
    called = {name for name, _ in calls}
    assert sorted(set(UDFS) - called) == [], "worksheet functions without a Pyodide case"
    assert called <= set(UDFS)


@pytest.mark.cpython_only("starts Node, which runs Pyodide")
def test_pyodide_gives_cpythons_results(calls, tmp_path):
    tool = _pyodide_tool()
    if shutil.which("node") is None:
        _unavailable("node (Node.js 20) is not on the PATH")
    if not tool.is_cached():
        _unavailable(f"Pyodide {tool.PYODIDE_VERSION} is not in {tool.cache_dir()}; "
                     "run python .ci/pyodide/pyodide.py fetch")
    (tmp_path / "cases.json").write_text(json.dumps(calls))
    # the same inputs as Pyodide reads them back (JSON: tuples become lists, floats exact)
    same = [(name, tuple(args)) for name, args in json.loads((tmp_path / "cases.json").read_text())]
    cpython = udf_cases.evaluate(same)
    done = tool.run(["/repo/tests/udf_cases.py", "/io/cases.json", "/io/results.json"],
                    mounts={tmp_path: "/io"}, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    got = json.loads((tmp_path / "results.json").read_text())
    assert got["platform"] == "emscripten"
    pyodide = got["results"]
    assert len(pyodide) == len(cpython)
    problems = []
    for (name, _), a, b in zip(same, cpython, pyodide, strict=True):
        problems += [f"{name}{d}" for d in udf_cases.differences(a, b, rel=1e-9)]
    assert problems == [], "\n".join(problems[:40])
    # every function gives a result, not only error texts, on some case
    computed = {name for (name, _), r in zip(same, cpython, strict=True)
                if not (isinstance(r, str) and r.startswith("#"))}
    assert sorted(set(UDFS) - computed) == []
