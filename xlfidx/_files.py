"""Writing a user's file without ever losing it: write beside it, then replace it in one step.

Every file xlfidx writes (workbooks, charts, samples) goes through :func:`atomic_write`. The
new content is written to a temporary file in the target's own folder (so that the final
rename stays on one filesystem and is atomic), flushed to disk, and only then moved over the
target. Whatever happens before that moment -- an exception, Ctrl+C, a full disk, a file-size
limit, the process being killed -- the target keeps its old bytes.

On Linux the temporary file is anonymous (``O_TMPFILE``): it has no name until it is
complete, so even a killed process leaves nothing behind. Elsewhere it is a hidden
``.~name.xxxx.tmp`` file that is removed on any error.

Excel keeps a lock file ``~$book.xlsx`` beside a book it has open; replacing such a book under
Excel's feet is either refused (Windows) or silently overwritten by Excel's next save, so
:func:`warn_if_open_in_excel` warns first.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

from xlfidx.errors import InputError

__all__ = ["OpenInExcelWarning", "atomic_write", "excel_lock_file", "warn_if_open_in_excel"]

# failures of the write itself, reported as one line naming the file (never a traceback)
_WRITE_ERRORS = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}
_PROC_FD = "/proc/self/fd"


class OpenInExcelWarning(UserWarning):
    """The workbook being written is open in Excel (its ``~$`` lock file is there)."""


def excel_lock_file(path: str | Path) -> Path | None:
    """The lock file Excel keeps beside ``path`` while the book is open, if there is one.

    Excel names it ``~$`` + the book's name; Office drops the first characters of long names.

    >>> excel_lock_file("no-such-folder/book.xlsx") is None
    True
    """
    path = Path(path)
    for name in (f"~${path.name}", f"~${path.name[1:]}", f"~${path.name[2:]}"):
        lock = path.with_name(name)
        if lock.is_file():
            return lock
    return None


def warn_if_open_in_excel(path: str | Path) -> bool:
    """Warn (:class:`OpenInExcelWarning`) when ``path`` looks open in Excel; True if it does.

    >>> warn_if_open_in_excel("no-such-folder/book.xlsx")
    False
    """
    lock = excel_lock_file(path)
    if lock is None:
        return False
    warnings.warn(f"{Path(path).name} looks open in Excel ({lock.name} is beside it): close it "
                  "there first, or Excel's next save will overwrite what xlfidx writes",
                  OpenInExcelWarning, stacklevel=3)
    return True


def _new_mode(path: Path) -> int:
    """The target's permissions, or the usual ones for a new file (0666 less the umask)."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not supported on every platform/filesystem
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _anonymous(folder: Path) -> int | None:
    """An unnamed file in ``folder`` (Linux ``O_TMPFILE``), or None where that is unavailable."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None or not os.path.isdir(_PROC_FD):
        return None
    try:
        return os.open(folder, flag | os.O_RDWR, 0o600)
    except OSError:  # the filesystem does not support it
        return None


def _failed(path: Path, exc: OSError) -> InputError:
    reason = exc.strerror or type(exc).__name__
    if exc.errno in (errno.EACCES, errno.EPERM) and excel_lock_file(path) is not None:
        reason += "; it is open in Excel"
    return InputError("file", str(path), f"could not be written ({reason}); it is unchanged")


@contextlib.contextmanager
def atomic_write(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; when the block ends normally, it replaces ``path``.

    Write the whole new content to the yielded path (any writer that takes a path: openpyxl,
    zipfile, matplotlib, pandas). The temporary path may have no file extension, so name the
    format explicitly (``savefig(tmp, format="png")``). On any exception, KeyboardInterrupt
    included, the temporary file is removed and ``path`` is left as it was; a full disk or a
    file-size limit raises :class:`~xlfidx.errors.InputError` naming the file.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> with atomic_write(folder / "note.txt") as tmp:
    ...     _ = Path(tmp).write_text("3.875% 2043")
    >>> (folder / "note.txt").read_text(), sorted(p.name for p in folder.iterdir())
    ('3.875% 2043', ['note.txt'])
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    warn_if_open_in_excel(path)
    mode = _new_mode(path)
    fd = _anonymous(folder)
    if fd is not None:
        try:
            yield Path(f"{_PROC_FD}/{fd}")
            os.fsync(fd)
            os.fchmod(fd, mode)
            # name it (a hidden name, for an instant) and move it over the target
            for _ in range(100):
                named = folder / f".~{path.name}.{os.urandom(4).hex()}.tmp"
                proc = os.open(_PROC_FD, os.O_RDONLY | os.O_DIRECTORY)
                try:
                    os.link(str(fd), named, src_dir_fd=proc, follow_symlinks=True)
                    break
                except FileExistsError:
                    continue
                finally:
                    os.close(proc)
            try:
                os.replace(named, path)
            except BaseException:
                named.unlink(missing_ok=True)
                raise
        except OSError as exc:
            if exc.errno in _WRITE_ERRORS:
                raise _failed(path, exc) from None
            raise
        finally:
            os.close(fd)
        _fsync_dir(folder)
        return

    handle, name = tempfile.mkstemp(prefix=f".~{path.name}.", suffix=".tmp", dir=folder)
    os.close(handle)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.errno in _WRITE_ERRORS:
            raise _failed(path, exc) from None
        raise
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(folder)
