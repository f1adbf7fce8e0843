"""Shared test fixtures: the Bloomberg exports written from typed figures, and (where present)
the folder of published reference files and real exports beside the repository.

Every figure a test asserts is typed into ``tests/published.py`` with its source, so the suite
runs on a bare checkout. The folder ``../shared`` (``reference/``, ``data/bloomberg/``,
``seeds/``) is used only to check the typed figures and the written files against their
sources; those tests are skipped, with the reason, when it is absent.

In Pyodide (WebAssembly, the Python of xlwings Lite; see ``.ci/pyodide``) the suite runs too.
A test that needs what Pyodide lacks (processes, signals, resource limits) is marked
``@pytest.mark.cpython_only("why")`` and skipped there with the reason; a test that needs an
optional package with compiled parts (``formulas``' tree, ``python-calamine``) is marked
``@pytest.mark.needs("formulas")`` and skipped, with the reason, wherever it is not installed.

Environment:
  XLFIDX_SHARED=DIR       where that folder is (default: ``shared`` beside the repository)
  XLFIDX_HIDE_SHARED=1    run as if it were absent (what a fresh clone sees)
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import published as pub
import pytest
from bloomberg_files import write_basket_export, write_fedfutures_export

ROOT = Path(__file__).resolve().parents[1]
HIDE_SHARED = os.environ.get("XLFIDX_HIDE_SHARED", "").strip().lower() not in ("", "0", "no", "false")
SHARED = Path(os.environ.get("XLFIDX_SHARED") or ROOT.parent / "shared")
REFERENCE = SHARED / "reference"
BLOOMBERG = SHARED / "data" / "bloomberg"
SEEDS = SHARED / "seeds"
# WebAssembly (Pyodide: xlwings Lite's Python): no processes, signals or resource limits
PYODIDE = sys.platform == "emscripten"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "cpython_only(reason): needs what Pyodide lacks (processes, signals, resource "
        "limits); skipped there with the reason")
    config.addinivalue_line(
        "markers", "needs(*modules): needs optional packages (formulas, python_calamine); "
        "skipped with the reason wherever one is not installed")


def _missing(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is None
    except (ImportError, ValueError):
        return True


def pytest_collection_modifyitems(config, items):
    for item in items:
        mark = item.get_closest_marker("cpython_only")
        if mark is not None and PYODIDE:
            why = mark.args[0] if mark.args else mark.kwargs.get("reason", "needs CPython")
            item.add_marker(pytest.mark.skip(reason=f"not in Pyodide: {why}"))
            continue
        for mark in item.iter_markers("needs"):
            missing = [m for m in mark.args if _missing(m)]
            if missing:
                item.add_marker(pytest.mark.skip(
                    reason=f"needs {', '.join(missing)}, not installed here"
                           + (" (compiled: no Pyodide build)" if PYODIDE else "")))
                break


def _shared(path: Path, what: str) -> Path:
    if HIDE_SHARED:
        pytest.skip(f"{what} hidden (XLFIDX_HIDE_SHARED is set); the typed figures are tested")
    if not path.is_dir():
        pytest.skip(f"{what} not found at {path}; the typed figures are tested")
    return path


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """The published reference files (``../shared/reference``), or skip."""
    return _shared(REFERENCE, "reference figures folder")


@pytest.fixture(scope="session")
def bloomberg_dir() -> Path:
    """The real Bloomberg exports (``../shared/data/bloomberg``), or skip."""
    return _shared(BLOOMBERG, "real Bloomberg exports folder")


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """The source documents (``../shared/seeds``), or skip."""
    return _shared(SEEDS, "source documents folder")


@pytest.fixture(scope="session")
def tyz4_written(tmp_path_factory) -> Path:
    """The TYZ4 basket export in its real layout, written from the typed figures."""
    return write_basket_export(tmp_path_factory.mktemp("tyz4") / pub.TYZ4_FILENAME)


@pytest.fixture(scope="session")
def fedfutures_written(tmp_path_factory) -> Path:
    """The 2025-01-31 Fed funds futures export in its real layout, from the typed figures."""
    return write_fedfutures_export(tmp_path_factory.mktemp("fedfutures") / pub.FEDFUTURES_FILENAME)


@pytest.fixture(scope="session", params=["written", "bloomberg"])
def tyz4_xlsx(request) -> Path:
    """The TYZ4 export: the written copy always; the real file too where it is present."""
    if request.param == "written":
        return request.getfixturevalue("tyz4_written")
    return request.getfixturevalue("bloomberg_dir") / pub.TYZ4_FILENAME


@pytest.fixture(scope="session", params=["written", "bloomberg"])
def fedfutures_xlsx(request) -> Path:
    """The Fed funds futures export: the written copy always; the real file where present."""
    if request.param == "written":
        return request.getfixturevalue("fedfutures_written")
    return request.getfixturevalue("bloomberg_dir") / pub.FEDFUTURES_FILENAME
