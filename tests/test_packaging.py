"""The installed package carries what it needs: every subpackage and the shipped files.

A wheel (``pip install .``, not editable) has no repository around it, so the samples and the
workbooks must reach the code as package data (``importlib.resources``), and every subpackage
must be listed in ``pyproject.toml`` (the list is explicit because ``data/`` and ``workbooks/``
are mapped into the package from the top of the repository).
"""

from __future__ import annotations

import importlib
import re
import tomllib
from pathlib import Path

import pytest

from xlfidx.samples import DATA_DIR, SAMPLE_MODULES, sample_path

ROOT = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_subpackage_is_listed_for_the_wheel():
    listed = set(_pyproject()["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "xlfidx").rglob("__init__.py")
    }
    assert on_disk - listed == set(), "add these packages to [tool.setuptools] packages"


@pytest.mark.parametrize("name", SAMPLE_MODULES)
def test_each_sample_is_found_as_package_data(name):
    module = importlib.import_module(f"xlfidx.samples.{name}")
    path = sample_path(module.FILENAME)
    assert path.parent == DATA_DIR and path.is_file()
    globs = _pyproject()["tool"]["setuptools"]["package-data"]["xlfidx.sample_data"]
    assert any(path.match(g) for g in globs)


def test_workbooks_are_found_as_package_data():
    from xlfidx.excel.build import WORKBOOKS_DIR

    books = sorted(p.name for p in WORKBOOKS_DIR.glob("*.xl*m"))
    assert books == ["basis.xlsm", "fedpath.xlsm", "mbs_trend.xlsm", "xlfidx.xlam"]
    globs = _pyproject()["tool"]["setuptools"]["package-data"]["xlfidx.workbooks"]
    for name in books:
        assert any(Path(name).match(g) for g in globs), f"add {name}'s extension to package-data"


def test_runtime_dependencies_are_imported_by_the_package():
    """A runtime dependency the package never imports is dead weight for every user."""
    deps = [d.split(">")[0].split("=")[0].strip().lower().replace("-", "_")
            for d in _pyproject()["project"]["dependencies"]]
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "xlfidx").rglob("*.py"))
    module_of = {"python_calamine": "python_calamine", "python_dateutil": "dateutil"}
    for dep in deps:
        module = module_of.get(dep, dep)
        assert f"import {module}" in source or f"from {module}" in source, dep


# ---------------------------------------------------------------------------------------------
# a slim wheel: numpy and pandas are the only compiled packages it pulls


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].strip().lower()


def test_the_wheel_depends_on_numpy_pandas_and_pure_python_only():
    """``pip install xlfidx`` pulls numpy and pandas (compiled; Pyodide has both) and pure-Python
    packages (openpyxl, python-dateutil); the headless recalculation engine, classic Excel's
    xlwings, the Rust reader and matplotlib are extras, and the test extra has them all."""
    project = _pyproject()["project"]
    assert {_name(d) for d in project["dependencies"]} == {"numpy", "pandas", "python-dateutil", "openpyxl"}
    extras = {k: {_name(d) for d in v} for k, v in project["optional-dependencies"].items()}
    assert extras["excel"] == {"xlwings", "formulas", "python-calamine"}
    assert extras["plots"] == {"matplotlib"}
    assert extras["excel"] | extras["plots"] <= extras["test"]
    assert extras["test"] <= extras["dev"]


def test_every_optional_package_names_its_extra():
    """The CLI's one line names an extra that exists and holds the package."""
    from xlfidx._extras import EXTRAS

    extras = {k: {_name(d) for d in v} for k, v in _pyproject()["project"]["optional-dependencies"].items()}
    for module, (dist, extra, _what) in EXTRAS.items():
        assert dist in extras[extra], (module, extra)
    optional = {_name(d) for k in ("excel", "plots") for d in _pyproject()["project"]["optional-dependencies"][k]}
    assert optional == {dist for dist, _e, _w in EXTRAS.values()}


@pytest.mark.parametrize("module, argv, extra", [
    ("formulas", ["calc", "{book}", "--out", "{out}"], "excel"),
    ("formulas", ["refresh", "{copy}"], "excel"),
    ("matplotlib", ["backtest", "--png", "--out", "{dir}"], "plots"),
])
def test_a_missing_extra_is_one_line_naming_it(module, argv, extra, monkeypatch, tmp_path, capsys):
    """With the optional package not importable (as on a bare `pip install xlfidx`), the
    command exits 2 with one line naming the package and the extra to install; no traceback."""
    import shutil
    import sys

    from xlfidx.cli import main
    from xlfidx.excel.build import WORKBOOKS_DIR

    for name in list(sys.modules):
        if name == module or name.startswith(module + "."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, module, None)  # "import module" fails as if not installed
    copy = tmp_path / "basis.xlsm"
    shutil.copyfile(WORKBOOKS_DIR / "basis.xlsm", copy)
    args = [a.format(book=WORKBOOKS_DIR / "basis.xlsm", out=tmp_path / "out.xlsm", copy=copy,
                     dir=tmp_path) for a in argv]
    assert main(args) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if "error" in line]
    assert len(err) == 1 and "Traceback" not in err[0]
    assert err[0].startswith(f"xlfidx {argv[0]}: error: needs the package {module}")
    assert err[0].endswith(f'pip install "xlfidx[{extra}]"')


def test_the_history_reads_the_same_without_the_fast_reader(monkeypatch):
    """Without python-calamine (xlfidx[excel]) the history is read with openpyxl: the same
    series, notes and SYNTHETIC label."""
    import sys

    import pandas as pd

    from xlfidx.bloomberg.history import read_history
    from xlfidx.samples.mbs_history import FILENAME

    fast = read_history(sample_path(FILENAME))
    monkeypatch.setitem(sys.modules, "python_calamine", None)
    slow = read_history(sample_path(FILENAME))
    pd.testing.assert_frame_equal(fast.mbs, slow.mbs)
    pd.testing.assert_frame_equal(fast.futures, slow.futures)
    assert fast.notes == slow.notes and fast.synthetic and slow.synthetic
