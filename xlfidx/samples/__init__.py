"""Sample data shipped in ``data/``, each file written by one module of this package.

Every module listed in ``SAMPLE_MODULES`` exposes ``FILENAME`` (the file it writes under
``data/``), ``DESCRIPTION`` (one line: what it is and where its figures come from, saying so
when they are synthetic) and ``write(path)``. ``xlfidx make-sample-data`` calls them all.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from xlfidx.errors import InputError

DATA_DIR = Path(__file__).resolve().parents[2] / "data"

# module names under xlfidx.samples
SAMPLE_MODULES: list[str] = ["basket", "mbs_history", "fedfutures"]


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
