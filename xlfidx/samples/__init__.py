"""Sample data shipped in ``data/``, each file written by one module of this package.

Every module listed in ``SAMPLE_MODULES`` exposes ``FILENAME`` (the file it writes under
``data/``), ``DESCRIPTION`` (one line: what it is and where its figures come from, saying so
when they are synthetic) and ``write(path)``. ``xlfidx make-sample-data`` calls them all.

``data/`` (and ``workbooks/``) sit at the top of the repository and travel in the wheel as the
packages ``xlfidx.sample_data`` and ``xlfidx.workbooks`` (see ``pyproject.toml``), so the same
code finds them in a checkout, an editable install and an installed wheel.
"""

from __future__ import annotations

import importlib
import importlib.resources
from pathlib import Path

from xlfidx.errors import InputError


def shipped_dir(package: str) -> Path:
    """The folder of a package-data package (``xlfidx.sample_data``, ``xlfidx.workbooks``)."""
    return Path(str(importlib.resources.files(package)))


DATA_DIR = shipped_dir("xlfidx.sample_data")

# module names under xlfidx.samples
SAMPLE_MODULES: list[str] = ["basket", "mbs_history", "fedfutures", "sofr"]


def sample_path(filename: str) -> Path:
    """The shipped sample ``data/<filename>``, or a clear error when it is not there."""
    path = DATA_DIR / filename
    if not path.is_file():
        raise InputError(
            "FILE", str(path),
            "does not exist; give a file, or regenerate the samples with `xlfidx make-sample-data`",
        )
    return path


def write_all(data_dir: Path | None = None) -> list[Path]:
    """Regenerate every sample file; returns the paths written."""
    out_dir = Path(data_dir) if data_dir is not None else DATA_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in SAMPLE_MODULES:
        module = importlib.import_module(f"xlfidx.samples.{name}")
        path = out_dir / module.FILENAME
        module.write(path)
        written.append(path)
    return written
