"""Damaged and hostile workbooks, written from good ones by the project's own sample writers
and the standard library's zipfile: each case is one edit of one part, as a breaker would make.

* ``sst_count``: the shared-strings part declares ``uniqueCount="4294967295"`` (a reader that
  reserves room for that many strings asks for about 100 GB);
* ``entity``: a sheet holds an undefined XML entity (``&bogus;``);
* ``no_content_types``: the package has no ``[Content_Types].xml``;
* ``string_index``: a cell points at shared string 4,000,000,000;
* ``far_cell``: a cell at XFD1048576 beside A1 (a reader that sizes its grid by the cells'
  extent reserves 17 billion cells);
* ``bomb``: a part the job does not need inflates to ``bomb_bytes`` (zeros);
* ``lying_size``: the first sheet declares a fraction of its real inflated size.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

SST = "xl/sharedStrings.xml"
CASES = ["sst_count", "entity", "no_content_types", "string_index", "far_cell"]


def first_sheet(names: list[str]) -> str:
    return _sheets(names)[0]


def rewrite(src: Path, dst: Path, edit: Callable[[str, bytes], bytes | None],
            extra: dict[str, bytes] | None = None) -> Path:
    """Copy the zip ``src`` to ``dst`` part by part through ``edit`` (None drops the part)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = edit(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    return dst


def _sheets(names: list[str]) -> list[str]:
    return sorted(n for n in names if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n))


def shared_strings(src: Path, dst: Path) -> Path:
    """A copy of ``src`` with its inline strings moved into a shared-strings part, as Excel
    saves a book (the samples are written with inline strings)."""
    with zipfile.ZipFile(src) as z:
        names = z.namelist()
    if SST in names:
        return rewrite(src, dst, lambda n, data: data)
    table: dict[bytes, int] = {}
    inline = re.compile(rb't="inlineStr"\s*>\s*<is>\s*<t(?:\s[^>]*)?>(.*?)</t>\s*</is>', re.S)

    def index(m: re.Match) -> bytes:
        i = table.setdefault(m.group(1), len(table))
        return b't="s"><v>' + str(i).encode() + b"</v>"

    def edit(name: str, data: bytes) -> bytes:
        if name in _sheets(names):
            return inline.sub(index, data)
        return data

    rewrite(src, dst, edit)
    sst = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.'
           b'openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">' % (len(table), len(table))
           + b"".join(b'<si><t xml:space="preserve">' + t + b"</t></si>" for t in table) + b"</sst>")

    def register(name: str, data: bytes) -> bytes:
        if name == "[Content_Types].xml":
            return data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="'
                                b'application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings'
                                b'+xml"/></Types>')
        if name == "xl/_rels/workbook.xml.rels":
            return data.replace(b"</Relationships>", b'<Relationship Id="rIdSST" Type="http://schemas.'
                                b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
                                b'Target="sharedStrings.xml"/></Relationships>')
        return data

    tmp = Path(dst).with_suffix(".sst.tmp")
    Path(dst).replace(tmp)
    rewrite(tmp, dst, register, {SST: sst})
    tmp.unlink()
    return Path(dst)


def damaged(src: Path, dst: Path, case: str) -> Path:
    """A copy of the workbook ``src`` at ``dst`` with the damage ``case`` (see the docstring);
    every sheet is damaged, so that whichever sheet a job reads meets it."""
    if case in ("sst_count", "string_index"):
        tmp = Path(dst).with_suffix(".src.tmp")
        shared_strings(src, tmp)
        try:
            return damaged(tmp, dst, "_" + case)
        finally:
            tmp.unlink()
    with zipfile.ZipFile(src) as z:
        sheets = _sheets(z.namelist())
    if case == "_sst_count":
        def edit(name, data):
            if name != SST:
                return data
            data = re.sub(rb'\s(?:uniqueCount|count)="\d+"', b"", data, count=2)
            return data.replace(b"<sst ", b'<sst count="4294967295" uniqueCount="4294967295" ', 1)
        return rewrite(src, dst, edit)
    if case == "entity":
        def edit(name, data):
            if name not in sheets:
                return data
            return re.sub(rb"(<t(?:\s[^>]*)?>|<v>)", rb"\1&bogus;", data, count=1)
        return rewrite(src, dst, edit)
    if case == "no_content_types":
        return rewrite(src, dst, lambda name, data: None if name == "[Content_Types].xml" else data)
    if case == "_string_index":
        def edit(name, data):
            if name not in sheets:
                return data
            return re.sub(rb'(<c [^>]*t="s"[^>]*>\s*<v>)\d+(</v>)', rb"\g<1>4000000000\2", data, count=1)
        return rewrite(src, dst, edit)
    if case == "far_cell":
        def edit(name, data):
            if name not in sheets:
                return data
            cell = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
            data = re.sub(rb"<dimension ref=\"[^\"]*\"\s*/>", b'<dimension ref="A1:XFD1048576"/>', data)
            return re.sub(rb"</sheetData>", cell + b"</sheetData>", data, count=1)
        return rewrite(src, dst, edit)
    raise ValueError(case)


def with_bomb(src: Path, dst: Path, bomb_bytes: int, name: str = "xl/media/bomb.bin") -> Path:
    """A copy of ``src`` with an extra part of ``bomb_bytes`` zeros, deflated (about 1/1000 of
    its size), that no relationship points at: a job that needs it not must not inflate it."""
    rewrite(src, dst, lambda n, data: data)
    with zipfile.ZipFile(dst, "a", zipfile.ZIP_DEFLATED) as z, z.open(name, "w", force_zip64=True) as f:
        chunk = bytes(1 << 20)
        left = bomb_bytes
        while left > 0:
            f.write(chunk[: min(left, len(chunk))])
            left -= len(chunk)
    return dst


def with_lying_size(src: Path, dst: Path, real_bytes: int) -> Path:
    """A copy of ``src`` whose first sheet is padded (an XML comment) to ``real_bytes`` inflated
    while its zip entry declares the original, small size: only inflating it tells."""
    with zipfile.ZipFile(src) as z:
        sheet = first_sheet(z.namelist())
        original = z.read(sheet)
    pad = b"<!--" + b" " * max(real_bytes - len(original), 0) + b"-->"
    at = original.index(b"?>") + 2 if original.startswith(b"<?xml") else 0
    big = original[:at] + pad + original[at:]
    rewrite(src, dst, lambda n, data: data)
    # rewrite the entry: the big content deflated, the small content's size and CRC declared
    comp = zlib.compressobj(6, zlib.DEFLATED, -15)
    deflated = comp.compress(big) + comp.flush()
    raw = Path(dst).read_bytes()
    with zipfile.ZipFile(dst) as z:
        info = z.getinfo(sheet)
    with zipfile.ZipFile(dst) as z:
        infos = z.infolist()
    out = Path(dst)
    tmp = out.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w") as zout:
        for i in infos:
            if i.filename != sheet:
                zout.writestr(i, zipfile.ZipFile(dst).read(i))
        fake = zipfile.ZipInfo(sheet, info.date_time)
        fake.compress_type = zipfile.ZIP_DEFLATED
        fake.CRC, fake.file_size, fake.compress_size = zlib.crc32(original), len(original), len(deflated)
        zout.fp.seek(zout.start_dir)
        fake.header_offset = zout.fp.tell()
        zout.fp.write(fake.FileHeader(False))
        zout.fp.write(deflated)
        zout.start_dir = zout.fp.tell()
        zout.filelist.append(fake)
        zout.NameToInfo[fake.filename] = fake
        zout._didModify = True
    del raw
    tmp.replace(out)
    return out
