"""Limits before work: a workbook is measured from its zip directory and its small index parts
before any reader (openpyxl, python-calamine, :mod:`xlfidx.excel.package`, the formulas engine)
allocates anything for it.

A real export is a few megabytes; a hostile one can declare four billion shared strings in
7 KB, put one cell at XFD1048576 so that a reader sizes a grid of 17 billion cells, or inflate
1 MB into a gigabyte. :func:`check_book` refuses such a file in one line naming it and the limit:

* every part's declared (inflated) size, and their total, at most :data:`MAX_INFLATED` bytes --
  read from the zip directory, nothing inflated;
* each part a job reads (the workbook and its relationships, the shared strings, the sheets)
  inflated in a stream that stops one byte after its declared size: a part whose entry lies
  about its size is found without inflating the rest;
* the shared strings' declared count against the room the part has (a ``<si/>`` takes 5 bytes);
  every shared-string cell's index against the strings the part holds;
* each sheet's extent (its ``<dimension>`` and its cells' references) inside Excel's grid and at
  most :data:`MAX_CELLS` cells; no XML entity other than XML's own five, no ``DOCTYPE``;
* a ``[Content_Types].xml`` (Excel opens no package without it).

Parts the job does not read (pictures, the VBA project, anything unknown) are measured from the
directory only; they are never inflated here. Only the standard library is used, so that the
command line checks its files before it imports numpy or pandas.

>>> f"{MAX_INFLATED:,} bytes, {MAX_CELLS:,} cells"
'209,715,200 bytes, 10,000,000 cells'
"""

from __future__ import annotations

import os
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path

from .errors import InputError

__all__ = ["MAX_INFLATED", "MAX_CELLS", "MAX_PARTS", "check_book", "read_part"]

MAX_INFLATED = 200 * 2**20  # bytes: the parts of a book, inflated, together
MAX_CELLS = 10_000_000  # the extent of one sheet (rows x columns)
MAX_PARTS = 10_000  # zip entries
EXCEL_ROWS, EXCEL_COLS = 1_048_576, 16_384  # XFD1048576
_SI_MIN = 5  # bytes of the smallest shared string, <si/>

_CHUNK = 1 << 20
_SHEET_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
_SST = "xl/sharedStrings.xml"
_ENTITY = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)([^;&<\s]{0,30};?)")
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.I)
_ROW_R = re.compile(rb' r="(\d+)"')  # a row's number (a cell's r starts with letters)
_FAR_ROW = re.compile(rb' r="[A-Za-z]{1,4}(\d{6,})"')
_CELL_LETTERS = re.compile(rb' r="([A-Za-z]{1,4})\d')
_CELL = re.compile(rb"<(?:\w+:)?c[\s>/]")
_S_INDEX = re.compile(rb't="s"[^>]*>\s*<(?:\w+:)?v>\s*(\d+)\s*<')
_S_ODD = re.compile(rb't="s"[^>]*>\s*<(?:\w+:)?v>\s*([^<\d\s][^<]*|\d+[^<\d\s][^<]*)<')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*\sref="([^"]*)"')
_SI = re.compile(rb"<(?:\w+:)?si[\s>/]")
_SST_HEAD = re.compile(rb"<(?:\w+:)?sst\b[^>]*>")
_COUNT = re.compile(rb'\s(uniqueCount|count)="\s*(\d+)\s*"')
_REF = re.compile(r"\$?([A-Za-z]{1,4})\$?(\d{1,9})")

# (path, size, mtime) -> None: a file found within the limits is not measured again
_checked: dict[tuple[str, int, int, frozenset[str] | None], None] = {}


def _mb(n: int) -> str:
    return f"{n / 2**20:,.0f} MB"


def _col(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _refuse(argument: str, path: Path, reason: str) -> InputError:
    return InputError(argument, str(path), reason)


def read_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo, argument: str, path: Path) -> bytes:
    """Inflate one part, never more than one byte beyond the size its entry declares (an
    entry that understates its size is refused, not inflated to the end)."""
    if info.file_size > MAX_INFLATED:
        raise _refuse(argument, path, f"is over xlfidx's limit of {_mb(MAX_INFLATED)} inflated: its "
                      f"part {info.filename} inflates to {info.file_size:,} bytes")
    try:
        out = _inflate(zf, info)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        raise _refuse(argument, path, f"is damaged: its part {info.filename} cannot be read ({exc}); "
                      "save it again from Excel") from None
    if len(out) > info.file_size:
        raise _refuse(argument, path, f"is damaged: its part {info.filename} inflates to more than the "
                      f"{info.file_size:,} bytes its zip entry declares")
    if zlib.crc32(out) != info.CRC:
        raise _refuse(argument, path, f"is damaged: its part {info.filename} fails its checksum; "
                      "save it again from Excel")
    return bytes(out)


def _inflate(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytearray:
    """The part's bytes, at most its declared size + 1 (deflated parts are inflated here, from
    the compressed bytes, so that the output is bounded whatever the entry says)."""
    if info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & 0x1:
        with zf.open(info) as f:  # stored (zipfile reads what the entry says), or not Excel's
            return bytearray(f.read(info.file_size + 1))
    fp = zf.fp
    assert fp is not None
    fp.seek(info.header_offset)
    head = fp.read(30)
    if head[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    name_len, extra_len = int.from_bytes(head[26:28], "little"), int.from_bytes(head[28:30], "little")
    fp.seek(info.header_offset + 30 + name_len + extra_len)
    inflater = zlib.decompressobj(-15)
    out = bytearray()
    left = info.compress_size
    cap = info.file_size + 1
    while left > 0 and len(out) < cap:
        chunk = fp.read(min(_CHUNK, left))
        if not chunk:
            raise EOFError(f"{info.filename} is cut short")
        left -= len(chunk)
        out += inflater.decompress(chunk, cap - len(out))
        while inflater.unconsumed_tail and len(out) < cap:
            out += inflater.decompress(inflater.unconsumed_tail, cap - len(out))
    return out


def check_book(path: str | os.PathLike, argument: str = "WORKBOOK",
               sheets: Iterable[str] | None = None) -> None:
    """Refuse (:class:`~xlfidx.errors.InputError`, one line naming ``argument``, the file and the
    limit) a workbook over the limits or damaged in a way that would make a reader allocate
    without bound; return quietly otherwise. ``sheets`` names the sheets the job reads (any
    case; default: every sheet). The file must be a zip (see :func:`xlfidx._files.check_workbook`).
    """
    path = Path(path)
    wanted = None if sheets is None else frozenset(s.lower() for s in sheets)
    try:
        st = path.stat()
        key = (str(path.resolve()), st.st_size, st.st_mtime_ns, wanted)
    except OSError:
        key = None
    if key is not None and key in _checked:
        return
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _refuse(argument, path, f"is damaged ({exc}); download or save it again") from None
    with zf:
        _check(zf, path, argument, wanted)
    if key is not None:
        if len(_checked) > 256:  # a long-lived process: keep the memo small
            _checked.clear()
        _checked[key] = None


def _check(zf: zipfile.ZipFile, path: Path, argument: str, wanted: frozenset[str] | None) -> None:
    infos = zf.infolist()
    if len(infos) > MAX_PARTS:
        raise _refuse(argument, path, f"is over xlfidx's limit of {MAX_PARTS:,} parts: it has {len(infos):,}")
    total = sum(i.file_size for i in infos)
    if total > MAX_INFLATED:
        big = max(infos, key=lambda i: i.file_size)
        raise _refuse(argument, path, f"is over xlfidx's limit of {_mb(MAX_INFLATED)} inflated: its "
                      f"parts inflate to {total:,} bytes ({big.filename}: {big.file_size:,})")
    by_name = {i.filename: i for i in infos}
    if "[Content_Types].xml" not in by_name:
        raise _refuse(argument, path, "is damaged: it has no [Content_Types].xml (the index Excel "
                      "needs to open a workbook); save it again from Excel")

    def part(name: str) -> bytes | None:
        info = by_name.get(name)
        if info is None:
            return None
        data = read_part(zf, info, argument, path)
        if b"<!" in data and _DOCTYPE.search(data):
            raise _refuse(argument, path, f"is damaged: its part {name} holds a DOCTYPE declaration, "
                          "which Excel never writes")
        bad = _ENTITY.search(data) if b"&" in data else None
        if bad is not None:
            shown = "&" + bad.group(1).decode("utf-8", "replace")
            raise _refuse(argument, path, f"is damaged: its part {name} holds {shown!r}, an XML "
                          "entity that is not defined")
        return data

    workbook = part("xl/workbook.xml")
    if workbook is None:
        return  # not a workbook: check_workbook says what it is
    rels = part("xl/_rels/workbook.xml.rels") or b""
    targets = {}
    for tag in re.findall(rb"<(?:\w+:)?Relationship\b[^>]*>", rels):
        rid = re.search(rb'\sId="([^"]*)"', tag)
        target = re.search(rb'\sTarget="([^"]*)"', tag)
        if rid and target and _SHEET_REL.encode() in tag:
            t = target.group(1).decode("utf-8", "replace")
            targets[rid.group(1)] = t.lstrip("/") if t.startswith("/") else posixpath.normpath(
                posixpath.join("xl", t))
    sheets: list[tuple[str, str]] = []
    for tag in re.findall(rb"<(?:\w+:)?sheet\b[^>]*>", workbook):
        name = re.search(rb'\sname="([^"]*)"', tag)
        rid = re.search(rb'\s\w+:id="([^"]*)"', tag)
        if name and rid and rid.group(1) in targets:
            import html

            sheets.append((html.unescape(name.group(1).decode("utf-8", "replace")), targets[rid.group(1)]))

    strings = -1  # shared strings held; -1: no shared-strings part
    sst = part(_SST)
    if sst is not None:
        head = _SST_HEAD.search(sst[:4096])
        room = len(sst) // _SI_MIN
        for attr, value in _COUNT.findall(head.group(0) if head else b""):
            if int(value) > room:
                raise _refuse(argument, path, f"is damaged: {_SST} declares {int(value):,} shared strings "
                              f"({attr.decode()}) in {len(sst):,} bytes, room for at most {room:,}")
        strings = len(_SI.findall(sst))
    del sst

    for sheet, name in sheets:
        if wanted is not None and sheet.lower() not in wanted:
            continue
        data = part(name)
        if data is not None:
            _check_sheet(data, sheet, strings, argument, path)


def _check_sheet(data: bytes, sheet: str, strings: int, argument: str, path: Path) -> None:
    # literal-led patterns only: a history sheet of 100,000 cells is measured in milliseconds
    rows = cols = 0
    head = data.find(b"sheetData")  # the dimension comes before the cells
    dim = _DIMENSION.search(data, 0, head if head >= 0 else len(data))
    refs = dim.group(1).decode("ascii", "replace").split(":") if dim else []
    for ref in refs:
        m = _REF.fullmatch(ref.strip())
        if m is None:
            continue
        r, c = int(m.group(2)), _col(m.group(1))
        if r > EXCEL_ROWS or c > EXCEL_COLS:
            raise _refuse(argument, path, f"is damaged: sheet {sheet!r} says it reaches {ref}, outside "
                          "Excel's grid (XFD1048576)")
        rows, cols = max(rows, r), max(cols, c)
    row_numbers = _ROW_R.findall(data)  # row tags: r="12"
    if row_numbers:
        rows = max(rows, max(map(int, row_numbers)))
    far = _FAR_ROW.findall(data)  # a cell of a row number of six digits or more
    if far:
        rows = max(rows, max(map(int, far)))
    letters = set(_CELL_LETTERS.findall(data))
    if letters:
        cols = max(cols, max(_col(x.decode()) for x in letters))
    if rows > EXCEL_ROWS or cols > EXCEL_COLS:
        raise _refuse(argument, path, f"is damaged: sheet {sheet!r} has a cell outside Excel's grid "
                      "(XFD1048576)")
    cells = data.count(b"</c>") + data.count(b"/>")  # at least the cells (each ends one way)
    extent = rows * cols
    if extent > MAX_CELLS or (cells > MAX_CELLS and len(_CELL.findall(data)) > MAX_CELLS):
        raise _refuse(argument, path, f"is over xlfidx's limit of {MAX_CELLS:,} cells a sheet: sheet "
                      f"{sheet!r} reaches row {rows:,} and column {cols:,} ({max(extent, cells):,} cells)")
    if b't="s"' not in data:
        return
    indexes = _S_INDEX.findall(data)
    held = max(strings, 0)
    worst = max(map(int, indexes)) if indexes else -1
    odd = _S_ODD.search(data)  # a shared-string cell whose value is not an index
    if worst >= held or odd is not None:
        value = odd.group(1) if odd is not None else str(worst).encode()
        at = re.search(rb'<(?:\w+:)?c\b[^>]*\sr="([^"]*)"[^>]*\st="s"[^>]*>\s*<(?:\w+:)?v>\s*'
                       + re.escape(value), data) or re.search(
            rb'<(?:\w+:)?c\b[^>]*\st="s"[^>]*\sr="([^"]*)"[^>]*>\s*<(?:\w+:)?v>\s*' + re.escape(value), data)
        where = f"{sheet}!{at.group(1).decode()}" if at else f"a cell of sheet {sheet!r}"
        raise _refuse(argument, path, f"is damaged: cell {where} points at shared string "
                      f"{value.decode('utf-8', 'replace').strip()}, and the book has {held:,}")
