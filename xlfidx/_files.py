"""Writing a user's file safely: to a temporary file beside it, then moved over it in one step.

A failure half-way (a full disk, an error while saving) leaves the old file as it was and no
temporary file behind; the new file appears only complete.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["replace_atomically"]


def replace_atomically(dst: str | Path, write: Callable[[str], object]) -> Path:
    """Call ``write(tmp)`` on a temporary path in ``dst``'s folder, then move it onto ``dst``.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> replace_atomically(folder / "a.txt", lambda p: pathlib.Path(p).write_text("4.33")).read_text()
    '4.33'
    """
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dst.stem}-", suffix=dst.suffix, dir=dst.parent)
    os.close(fd)
    try:
        write(tmp)
        # mkstemp makes the file private (0600): give it the old file's permissions, or the usual
        os.chmod(tmp, stat.S_IMODE(dst.stat().st_mode) if dst.exists() else 0o644)
        os.replace(tmp, dst)  # atomic on one filesystem: the old file stays until this succeeds
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return dst
