"""A release: one version number, a changelog, and a pure-Python wheel carrying exactly the package.

The wheel is built here from the working tree with ``pip wheel --no-deps`` (the project's own
build backend, setuptools), and its file list is compared with what the repository says the
package is: every module under ``xlfidx/``, the samples in ``data/`` and the books in
``workbooks/`` mapped into the package, the typed marker and the holiday table, the licence.
"""

from __future__ import annotations

import email
import re
import subprocess
import sys
import tomllib
import zipfile
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as installed_version
from pathlib import Path

import pytest

import xlfidx

ROOT = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_one_version_number():
    """pyproject reads the version from xlfidx.__version__ and states none of its own."""
    project = _pyproject()["project"]
    assert "version" not in project and "version" in project["dynamic"]
    dynamic = _pyproject()["tool"]["setuptools"]["dynamic"]["version"]
    assert dynamic == {"attr": "xlfidx.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", xlfidx.__version__)
    try:
        assert installed_version("xlfidx") == xlfidx.__version__
    except PackageNotFoundError:  # run from a checkout without an install
        pass


def test_changelog_has_unreleased_and_the_current_version():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## \[([^\]]+)\]", text, flags=re.MULTILINE)
    assert headings[0] == "Unreleased"
    assert xlfidx.__version__ in headings


def test_metadata_is_complete():
    project = _pyproject()["project"]
    assert project["license"] == "MIT" and (ROOT / "LICENSE").is_file()
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    for key in ("description", "readme", "requires-python", "authors", "keywords", "classifiers"):
        assert project.get(key), key
    # PEP 639: the licence is an expression, so no licence classifier may contradict it
    assert not [c for c in project["classifiers"] if c.startswith("License ::")]


def _expected_files() -> set[str]:
    listed = subprocess.run(["git", "ls-files", "xlfidx", "data", "workbooks"], cwd=ROOT,
                            capture_output=True, text=True)
    if listed.returncode != 0:
        pytest.skip("not a git checkout: the repository's file list is unknown")
    out = set()
    for name in listed.stdout.split():
        path = Path(name)
        top = {"data": "xlfidx/sample_data", "workbooks": "xlfidx/workbooks"}.get(path.parts[0])
        out.add(str(Path(top, *path.parts[1:])) if top else name)
    return out


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if run.returncode != 0:
        reason = (run.stderr.strip().splitlines() or ["no message"])[-1]
        if re.search(r"[Cc]ould not find a version|connection|[Nn]etwork|resolve", run.stderr):
            pytest.skip(f"the build backend (setuptools) could not be installed: {reason}")
        pytest.fail(f"pip wheel failed: {reason}")
    (path,) = out.glob("xlfidx-*.whl")
    return path


@pytest.mark.cpython_only("builds the wheel with pip, in a process of its own")
def test_wheel_is_pure_python_and_carries_exactly_the_package(wheel):
    assert wheel.name == f"xlfidx-{xlfidx.__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        dist = f"xlfidx-{xlfidx.__version__}.dist-info"
        wheel_meta = email.message_from_bytes(zf.read(f"{dist}/WHEEL"))
        meta = email.message_from_bytes(zf.read(f"{dist}/METADATA"))
    assert wheel_meta["Root-Is-Purelib"] == "true"
    assert wheel_meta.get_all("Tag") == ["py3-none-any"]
    package = {n for n in names if not n.startswith(dist)}
    assert package == _expected_files()
    assert not [n for n in names if n.endswith((".so", ".pyd", ".dll", ".pyc"))]
    assert {f"{dist}/{n}" for n in ("METADATA", "WHEEL", "RECORD", "entry_points.txt",
                                    "licenses/LICENSE")} <= names
    assert meta["Version"] == xlfidx.__version__
    assert meta["License-Expression"] == "MIT"
    assert meta["Requires-Python"] == ">=3.11"
    assert "Typing :: Typed" in meta.get_all("Classifier")
