"""Shared test fixtures: the Bloomberg exports written from typed figures, and (where present)
the folder of published reference files and real exports beside the repository.

Every figure a test asserts is typed into ``tests/published.py`` with its source, so the suite
runs on a bare checkout. The folder ``../shared`` (``reference/``, ``data/bloomberg/``,
``seeds/``) is used only to check the typed figures and the written files against their
sources; those tests are skipped, with the reason, when it is absent.

Environment:
  XLFIDX_SHARED=DIR       where that folder is (default: ``shared`` beside the repository)
  XLFIDX_HIDE_SHARED=1    run as if it were absent (what a fresh clone sees)
"""

from __future__ import annotations

import os
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
