"""A user's files: checked before any work starts, and never lost when written.

Writing. Every file xlfidx writes (workbooks, charts, samples, templates) goes through
:func:`atomic_write`. The new content is written to a temporary file in the target's own folder
(so that the final rename stays on one filesystem and is atomic), flushed to disk, and only then
moved over the target. Whatever happens before that moment -- an exception, Ctrl+C, a full disk,
a file-size limit, the process being killed -- the target keeps its old bytes. On Linux the
temporary file is anonymous (``O_TMPFILE``): it has no name until it is complete, so even a
killed process leaves nothing behind. Elsewhere it is a hidden ``.~name.xxxx.tmp`` file that is
removed on any error. Excel keeps a lock file ``~$book.xlsx`` beside a book it has open;
replacing such a book under Excel's feet is either refused (Windows) or silently overwritten by
Excel's next save, so :func:`warn_if_open_in_excel` warns first.

Checking. Every reader of a workbook calls :func:`check_workbook` first, and every writer
:func:`check_output_file` or :func:`check_output_dir`, so that a CSV, an old ``.xls``, a
truncated or empty download, a folder or a read-only file is reported as what it is, naming the
argument and the path, in one line:

>>> check_workbook("no/such/folder/prices.xlsx", "FILE")
Traceback (most recent call last):
...
xlfidx.errors.InputError: FILE = 'no/such/folder/prices.xlsx' does not exist
>>> check_output_file("chart.txt", "--plot", [".png", ".pdf"])
Traceback (most recent call last):
...
xlfidx.errors.InputError: --plot = 'chart.txt' has an extension xlfidx cannot write here; use .png, .pdf

Only the standard library is used here: the command line checks its files before it imports
numpy or pandas.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from ._limits import check_book
from .errors import InputError

__all__ = [
    "WORKBOOK_SUFFIXES",
    "check_workbook",
    "check_output_file",
    "check_output_dir",
    "OpenInExcelWarning",
    "atomic_write",
    "excel_lock_file",
    "warn_if_open_in_excel",
]

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
_READS = "xlfidx reads .xlsx and .xlsm workbooks"
# an OLE2 compound file: Excel 97-2003 .xls, or any workbook saved with a password
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def check_workbook(path: str | os.PathLike, argument: str = "WORKBOOK") -> Path:
    """``path`` as a :class:`~pathlib.Path` if it is a readable .xlsx/.xlsm workbook, else an
    :class:`~xlfidx.errors.InputError` naming ``argument`` and saying what the file is.

    The check reads the file's first bytes and its zip directory, then measures it against
    xlfidx's limits (:func:`xlfidx._limits.check_book`: declared and inflated sizes, the shared
    strings, the sheets' extent); a workbook damaged in another way still fails later, in the
    reader, with the reader's message.
    """
    p = Path(path)
    shown = str(path)
    if p.is_dir():
        raise InputError(argument, shown, f"is a folder, not a workbook; {_READS}")
    if not p.exists():
        raise InputError(argument, shown, "does not exist")
    if not p.is_file():
        raise InputError(argument, shown, f"is not a regular file; {_READS}")
    if not os.access(p, os.R_OK):
        raise InputError(argument, shown, "cannot be read (permission denied)")
    size = p.stat().st_size
    suffix = p.suffix.lower()
    if size == 0:
        raise InputError(argument, shown, "is empty (0 bytes); save the workbook again from "
                         "Excel or download it again")
    with open(p, "rb") as fh:
        head = fh.read(8)
    if head == _OLE_MAGIC:
        what = "an Excel 97-2003 .xls workbook" if suffix == ".xls" else \
            "an Excel 97-2003 .xls workbook or a password-protected one"
        raise InputError(argument, shown, f"is {what}; {_READS}: save it from Excel as .xlsx "
                         "(without a password)")
    if suffix in (".csv", ".txt", ".tsv"):
        raise InputError(argument, shown, f"is a {suffix[1:].upper()} file; {_READS} (open it "
                         "in Excel and save it as .xlsx)")
    if not head.startswith(b"PK"):
        text = all(32 <= b < 127 or b in b"\t\r\n" for b in head)
        what = "a text file (CSV or similar)" if text else "not an Excel workbook"
        raise InputError(argument, shown, f"is {what}; {_READS}")
    if not zipfile.is_zipfile(p):
        raise InputError(argument, shown, f"is incomplete or damaged ({size:,} bytes, its end "
                         "is missing); download or save it again")
    try:
        with zipfile.ZipFile(p) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(argument, shown, f"is damaged ({exc}); download or save it again") from None
    if "xl/workbook.bin" in names:
        raise InputError(argument, shown, f"is a binary .xlsb workbook; {_READS} (save it from "
                         "Excel as .xlsx)")
    if "xl/workbook.xml" not in names:
        what = "an OpenDocument spreadsheet" if "content.xml" in names else "a zip archive"
        raise InputError(argument, shown, f"is {what}, not an Excel workbook; {_READS}")
    check_book(p, argument)  # the limits, before any reader allocates for the file
    return p


def check_output_file(path: str | os.PathLike, argument: str,
                      suffixes: Iterable[str] | None = None, why: str = "") -> Path:
    """``path`` if a file can be written there (its folder exists or can be made, the file
    is not read-only, not a folder) with one of ``suffixes``; else an error naming ``argument``.
    ``why`` explains the suffixes allowed.
    """
    p = Path(path)
    shown = str(path)
    if p.is_dir():
        raise InputError(argument, shown, "is a folder; give a file name")
    if suffixes is not None:
        allowed = tuple(s.lower() for s in suffixes)
        if p.suffix.lower() not in allowed:
            raise InputError(argument, shown, "has an extension xlfidx cannot write here; use "
                             + ", ".join(allowed) + (f" ({why})" if why else ""))
    if p.exists() and not os.access(p, os.W_OK):
        raise InputError(argument, shown, "is read-only; make it writable or write elsewhere")
    _check_folder(p.parent, argument, shown)
    return p


def check_output_dir(path: str | os.PathLike, argument: str) -> Path:
    """``path`` if it is a folder that can be written to, or can be created; else an error."""
    p = Path(path)
    shown = str(path)
    if p.exists() and not p.is_dir():
        raise InputError(argument, shown, "is a file; it must name a folder (it is created if "
                         "missing)")
    if p.is_dir():
        if not os.access(p, os.W_OK | os.X_OK):
            raise InputError(argument, shown, "is a read-only folder; give a folder you can write to")
        return p
    _check_folder(p.parent, argument, shown)
    return p


def _check_folder(folder: Path, argument: str, shown: str) -> None:
    """The nearest existing ancestor of ``folder`` must be a writable folder."""
    probe = folder if str(folder) else Path(".")
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise InputError(argument, shown, f"cannot be written: {str(probe)!r} is a file, not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise InputError(argument, shown, f"cannot be written: the folder {str(probe)!r} is read-only")

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
    """The target's permissions, or the usual ones for a new file (0666 less the umask; the owner
    always keeps read and write: WebAssembly's Python reports a umask of 0777 it never applies)."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask | 0o600


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

    try:
        handle, name = tempfile.mkstemp(prefix=f".~{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:  # a read-only folder: said of the target, not of a temporary name
        if exc.errno in _WRITE_ERRORS:
            raise _failed(path, exc) from None
        raise
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
