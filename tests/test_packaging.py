"""The installed package carries what it needs: every subpackage and the shipped files.

A wheel (``pip install .``, not editable) has no repository around it, so the samples and the
workbooks must reach the code as package data (``importlib.resources``), and every subpackage
must be listed in ``pyproject.toml`` (the list is explicit because ``data/`` and ``workbooks/``
are mapped into the package from the top of the repository).
"""

from __future__ import annotations

import importlib
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
