"""Shared test fixtures: where the published reference figures and real exports live."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REFERENCE = SHARED / "reference"
BLOOMBERG = SHARED / "data" / "bloomberg"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    if not REFERENCE.is_dir():
        pytest.fail(f"shared reference figures not found at {REFERENCE}")
    return REFERENCE


@pytest.fixture(scope="session")
def bloomberg_dir() -> Path:
    if not BLOOMBERG.is_dir():
        pytest.fail(f"shared Bloomberg exports not found at {BLOOMBERG}")
    return BLOOMBERG


@pytest.fixture(scope="session")
def bloomberg_dir_or_skip() -> Path:
    """The real Bloomberg exports, or a skip on a machine that does not have them."""
    if not BLOOMBERG.is_dir():
        pytest.skip(f"the shared Bloomberg exports are not on this machine ({BLOOMBERG})")
    return BLOOMBERG
