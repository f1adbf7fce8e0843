"""A user's files: checked before any work starts, and written safely.

Writing: :func:`replace_atomically` writes to a temporary file beside the target and moves it
over the target in one step, so a failure half-way (a full disk, an error while saving) leaves
the old file as it was and no temporary file behind; the new file appears only complete.

Checking, one clear line and never a traceback:

Every reader of a workbook (the Bloomberg exports, the history, the headless calculator) calls
:func:`check_workbook` first, and every writer :func:`check_output_file` or
:func:`check_output_dir`, so that a CSV, an old ``.xls``, a truncated or empty download, a
folder or a read-only file is reported as what it is, naming the argument and the path:

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

import os
import stat
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

from .errors import InputError

__all__ = ["WORKBOOK_SUFFIXES", "check_workbook", "check_output_file", "check_output_dir",
           "replace_atomically"]

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
_READS = "xlfidx reads .xlsx and .xlsm workbooks"
# an OLE2 compound file: Excel 97-2003 .xls, or any workbook saved with a password
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def check_workbook(path: str | os.PathLike, argument: str = "WORKBOOK") -> Path:
    """``path`` as a :class:`~pathlib.Path` if it is a readable .xlsx/.xlsm workbook, else an
    :class:`~xlfidx.errors.InputError` naming ``argument`` and saying what the file is.

    The check reads the file's first bytes and its zip directory, not its sheets: a workbook
    damaged inside still fails later, in the reader, with the reader's message.
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
