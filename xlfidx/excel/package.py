"""A workbook as an OOXML package (a zip of XML parts), changed part by part and written back.

openpyxl reads a workbook into its own object model and writes a new one, which drops what it
does not model: text boxes and shapes, sparklines and Excel 2010 conditional formats (``x14``
extensions), slicers, cached formula results, and more. xlfidx changes a book only in the parts
it owns -- the ``Backtest`` sheet and its charts, the cached values of formula cells -- so it
edits the package directly: :class:`Package` reads the parts it is asked for (each inflated on
first use, after the whole file was measured against xlfidx's limits, :mod:`xlfidx._limits`),
the caller replaces or adds a few,
and :meth:`Package.save` writes every other part back byte for byte, in its original order and
with its original compression: the compressed bytes of an unchanged part are copied as they
are, not decompressed and compressed again. The file is written through
:func:`xlfidx._files.atomic_write`.

The shared parts that index the package (``[Content_Types].xml``, ``xl/workbook.xml`` and its
relationships) are edited only when a part is added or removed, and then by inserting or
deleting the one element concerned; the rest of their text is kept as it was.
"""

from __future__ import annotations

import html
import io
import posixpath
import re
import struct
import warnings
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from xlfidx.errors import InputError

__all__ = ["ChartFrame", "Package", "Relationship", "UnaccountedPartWarning", "has_formulas"]

CONTENT_TYPES = "[Content_Types].xml"
WORKBOOK = "xl/workbook.xml"
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
CALC_CHAIN = "xl/calcChain.xml"

REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL_WORKSHEET = f"{REL_NS}/worksheet"
REL_DRAWING = f"{REL_NS}/drawing"
REL_CHART = f"{REL_NS}/chart"
REL_STYLES = f"{REL_NS}/styles"
# Excel's built-in number formats, by format code (they need no <numFmt> entry)
_BUILTIN_FORMATS = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9, "0.00%": 10}
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_DRAWING = "application/vnd.openxmlformats-officedocument.drawing+xml"
CT_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
EMU_PER_PIXEL = 9525  # 914400 EMU per inch at 96 pixels per inch

_ATTR = re.compile(r'([\w:]+)\s*=\s*"([^"]*)"')
_REL = re.compile(r"<(?:\w+:)?Relationship\b[^>]*?/?>")
_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def attrs(tag: str) -> dict[str, str]:
    """The attributes of the first start tag in ``tag`` (values unescaped)."""
    head = tag[: tag.index(">") + 1] if ">" in tag else tag
    return {k: html.unescape(v) for k, v in _ATTR.findall(head)}


def rels_name(part: str) -> str:
    """``xl/worksheets/sheet1.xml`` -> ``xl/worksheets/_rels/sheet1.xml.rels``."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def _resolve(source: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def _relative(source: str, part: str) -> str:
    return posixpath.relpath(part, posixpath.dirname(source))


@dataclass(frozen=True)
class Relationship:
    id: str
    type: str
    target: str  # the part's name in the package (resolved), or the URL when external
    external: bool = False


@dataclass(frozen=True)
class ChartFrame:
    """A native chart (its ``xl/charts`` part's XML, :func:`xlfidx.excel.charts.chart_xml`)
    placed on a sheet with its top-left corner at a cell (0-based column and row)."""

    xml: str
    col: int
    row: int
    width: int  # pixels
    height: int
    name: str = "Chart"


class UnaccountedPartWarning(UserWarning):
    """A part of a book that nothing in it accounts for was copied as it is, unread."""


class Package:
    """Every part of a workbook file, in memory; see the module docstring.

    >>> pkg = Package.open("workbooks/basis.xlsm")  # doctest: +SKIP
    >>> list(pkg.sheets())[:2]  # doctest: +SKIP
    ['future', 'bonds']
    """

    def __init__(self, infos: list[zipfile.ZipInfo], parts: dict[str, bytes | None], path: Path | None = None,
                 raw: dict[str, bytes] | None = None, data: bytes | None = None):
        self._infos = infos
        self._parts = parts  # None: in the file, not inflated yet (see read())
        self._raw = raw or {}  # each unchanged part's bytes as compressed in the file
        self._data = data  # the file's bytes, from which a part is inflated when first read
        self._zip: zipfile.ZipFile | None = None
        self.path = path
        self.changed: set[str] = set()

    @classmethod
    def open(cls, path: str | Path) -> Package:
        """Read the workbook at ``path`` (``InputError`` naming it when it is not one).

        The file is measured against xlfidx's limits first (:func:`xlfidx._limits.check_book`);
        a part is inflated only when it is read, so a part no job reads (a picture, the VBA
        project, anything unknown) is copied by :meth:`save` without ever being inflated.
        """
        from xlfidx._limits import check_book

        path = Path(path)
        if not path.is_file():
            raise InputError("WORKBOOK", str(path), "does not exist")
        check_book(path, "WORKBOOK")
        try:
            data = path.read_bytes()
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                infos = zf.infolist()
            raw = {i.filename: r for i in infos if (r := _raw_member(data, i)) is not None}
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            raise InputError("WORKBOOK", str(path), f"is not a readable .xlsx/.xlsm workbook ({exc})") from None
        names = {i.filename for i in infos}
        if WORKBOOK not in names:
            raise InputError("WORKBOOK", str(path), "is not a readable .xlsx/.xlsm workbook (no xl/workbook.xml)")
        return cls(infos, dict.fromkeys(i.filename for i in infos), path, raw, data)

    # --- parts ---------------------------------------------------------------------------

    @property
    def names(self) -> list[str]:
        return list(self._parts)

    def __contains__(self, name: str) -> bool:
        return name in self._parts

    def read(self, name: str) -> bytes:
        data = self._parts[name]
        if data is None:
            from xlfidx._limits import read_part

            if self._zip is None:  # the file's directory, parsed once
                self._zip = zipfile.ZipFile(io.BytesIO(self._data or b""))
            info = self._zip.getinfo(name)
            data = self._parts[name] = read_part(self._zip, info, "WORKBOOK", self.path or Path(name))
        return data

    def unaccounted(self) -> list[str]:
        """The parts nothing in the package accounts for: no relationship points at them (the
        content-types index and relationships parts account for themselves)."""
        targets: set[str] = set()
        for name in self._parts:
            if name.endswith(".rels"):
                targets.update(r.target for r in self.rels(_source_of(name)) if not r.external)
        return [n for n in self._parts
                if n != CONTENT_TYPES and not n.endswith(".rels") and n not in targets]

    def size(self, name: str) -> int:
        """The part's size inflated (as its zip entry declares it, for a part not read)."""
        data = self._parts.get(name)
        if data is not None:
            return len(data)
        return next((i.file_size for i in self._infos if i.filename == name), 0)

    def text(self, name: str) -> str:
        return self.read(name).decode("utf-8")

    def write(self, name: str, data: bytes | str) -> None:
        """Replace part ``name`` (or add it at the end of the package)."""
        self._parts[name] = data.encode("utf-8") if isinstance(data, str) else data
        self.changed.add(name)

    def remove(self, name: str) -> None:
        """Remove a part, its relationships part and its content-type entry."""
        self._drop(name)
        self._drop(rels_name(name))
        ct = self.text(CONTENT_TYPES)
        new = re.sub(rf'<(?:\w+:)?Override\b[^>]*PartName="/{re.escape(name)}"[^>]*/>', "", ct)
        if new != ct:
            self.write(CONTENT_TYPES, new)

    def save(self, path: str | Path) -> Path:
        """Write the package to ``path`` atomically: unchanged parts byte for byte, in order."""
        from xlfidx._files import atomic_write

        path = Path(path)
        strays = self.unaccounted()
        if strays:
            shown = ", ".join(f"{n} ({self.size(n):,} bytes)" for n in strays[:5])
            more = f" and {len(strays) - 5} more" if len(strays) > 5 else ""
            warnings.warn(f"{path.name}: {len(strays)} part{'s' if len(strays) > 1 else ''} of the book "
                          f"no relationship points at, copied as {'they are' if len(strays) > 1 else 'it is'}"
                          f", unread: {shown}{more}", UnaccountedPartWarning, stacklevel=2)
        known = set()
        with atomic_write(path) as tmp, zipfile.ZipFile(tmp, "w") as out:
            for info in self._infos:
                name = info.filename
                if name not in self._parts:
                    continue
                known.add(name)
                if name not in self.changed and name in self._raw and _write_raw(out, info, self._raw[name]):
                    continue
                out.writestr(_copy_info(info), self.read(name), compresslevel=_LEVEL)
            for name, data in self._parts.items():
                if name not in known:
                    out.writestr(_new_info(name), data, compresslevel=_LEVEL)
        return path

    # --- relationships and content types ---------------------------------------------------

    def rels(self, part: str) -> list[Relationship]:
        """The relationships of ``part`` (targets resolved to part names)."""
        name = rels_name(part) if part else "_rels/.rels"
        if name not in self._parts:
            return []
        return self.rels_of(part, self.text(name))

    @staticmethod
    def rels_of(part: str, xml: str) -> list[Relationship]:
        """The relationships in ``xml``, the relationships part of ``part``."""
        out = []
        for tag in _REL.findall(xml):
            a = attrs(tag)
            external = a.get("TargetMode") == "External"
            target = a["Target"] if external else _resolve(part, a["Target"])
            out.append(Relationship(a["Id"], a["Type"], target, external))
        return out

    def add_rel(self, part: str, type_: str, target: str) -> str:
        """Add a relationship from ``part`` to the part ``target``; returns its new Id."""
        name = rels_name(part)
        taken = {r.id for r in self.rels(part)}
        rid = next(f"rId{i}" for i in range(1, len(taken) + 2) if f"rId{i}" not in taken)
        tag = f'<Relationship Id="{rid}" Type="{type_}" Target="{html.escape(_relative(part, target))}"/>'
        if name in self._parts:
            text = self.text(name)
            end = text.rindex("</")
            self.write(name, text[:end] + tag + text[end:])
        else:
            self.write(name, f'{_XML_DECL}<Relationships xmlns="http://schemas.openxmlformats.org/package/'
                             f'2006/relationships">{tag}</Relationships>')
        return rid

    def remove_rel(self, part: str, rid: str) -> None:
        name = rels_name(part)
        text = self.text(name)
        self.write(name, re.sub(rf'<(?:\w+:)?Relationship\b[^>]*\bId="{re.escape(rid)}"[^>]*/>', "", text))

    def add_override(self, part: str, content_type: str) -> None:
        ct = self.text(CONTENT_TYPES)
        if f'PartName="/{part}"' not in ct:
            end = ct.rindex("</")
            self.write(CONTENT_TYPES, ct[:end] + f'<Override PartName="/{part}" ContentType="{content_type}"/>' + ct[end:])

    def ensure_default(self, extension: str, content_type: str) -> None:
        ct = self.text(CONTENT_TYPES)
        if not re.search(rf'<(?:\w+:)?Default\b[^>]*Extension="{re.escape(extension)}"', ct, re.I):
            end = ct.rindex("</")
            self.write(CONTENT_TYPES, ct[:end] + f'<Default Extension="{extension}" ContentType="{content_type}"/>' + ct[end:])

    def free_name(self, pattern: str) -> str:
        """The first ``pattern.format(i)`` (i = 1, 2, ...) that is not a part of the package."""
        return next(pattern.format(i) for i in range(1, len(self._parts) + 2) if pattern.format(i) not in self._parts)

    def referenced(self, part: str) -> bool:
        """Whether any relationships part points at ``part``."""
        for name in self._parts:
            if name.endswith(".rels"):
                source = _source_of(name)
                if any(r.target == part for r in self.rels(source) if not r.external):
                    return True
        return False

    # --- sheets ----------------------------------------------------------------------------

    def sheets(self) -> dict[str, str]:
        """Sheet name -> part name, in tab order (worksheets; chart sheets are left out)."""
        targets = {r.id: r for r in self.rels(WORKBOOK)}
        out = {}
        for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", self.text(WORKBOOK)):
            a = attrs(tag)
            rel = targets.get(a.get("r:id", ""))
            if rel is not None and rel.type == REL_WORKSHEET:
                out[a["name"]] = rel.target
        return out

    def add_sheet(self, name: str) -> str:
        """Add an (empty) worksheet named ``name`` as the last tab; returns its part name."""
        part = self.free_name("xl/worksheets/sheet{}.xml")
        self.write(part, f'{_XML_DECL}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                         f'2006/main"><sheetData/></worksheet>')
        self.add_override(part, CT_WORKSHEET)
        rid = self.add_rel(WORKBOOK, REL_WORKSHEET, part)
        wb = self.text(WORKBOOK)
        ids = [int(v) for v in re.findall(r'<(?:\w+:)?sheet\b[^>]*\bsheetId="(\d+)"', wb)]
        m = re.search(r"</((?:\w+:)?)sheets>", wb)
        if m is None:
            raise InputError("WORKBOOK", str(self.path), "has no <sheets> list in xl/workbook.xml")
        prefix = m.group(1)
        r_prefix = _prefix_of(wb, REL_NS) or "r"
        tag = f'<{prefix}sheet name="{html.escape(name)}" sheetId="{max(ids, default=0) + 1}" {r_prefix}:id="{rid}"/>'
        self.write(WORKBOOK, wb[: m.start()] + tag + wb[m.start():])
        return part

    def set_sheet(self, name: str, sheet_xml: str, charts: Sequence[ChartFrame] = ()) -> str:
        """Make ``sheet_xml`` the content of sheet ``name`` (added as the last tab if absent).

        ``sheet_xml`` is a whole ``<worksheet>`` without a ``<drawing>`` element: the charts are
        put in a drawing part of this sheet. The old content of the sheet, its drawing, and the
        pictures and charts only it used are removed. The names of the old
        drawing and charts are reused, so that a second write leaves the package's content
        types as they were. Returns the sheet's part name.
        """
        sheets = self.sheets()
        part = sheets[name] if name in sheets else self.add_sheet(name)
        if CALC_CHAIN in self._parts and has_formulas(self.text(part)):
            self.drop_calc_chain()  # it would list formula cells that are gone; Excel rebuilds it
        old_drawing = None
        old_charts: list[str] = []
        old = [r for r in self.rels(part) if not r.external and r.target in self._parts]
        self._drop(rels_name(part))
        for rel in old:
            if rel.type == REL_DRAWING and old_drawing is None:
                old_drawing = rel.target  # its name is reused for the new drawing
                targets = [r for r in self.rels(old_drawing) if not r.external and r.target in self._parts]
                self._drop(rels_name(old_drawing))
                for r in targets:
                    if self.referenced(r.target):
                        continue
                    if r.type == REL_CHART:  # its name is reused; what Excel hung on it goes
                        old_charts.append(r.target)
                        hung = [sub.target for sub in self.rels(r.target) if not sub.external]
                        self._drop(rels_name(r.target))
                        for target in hung:
                            if not self.referenced(target):
                                self.remove(target)
                        self._drop(r.target)
                    else:
                        self._drop(r.target)
            elif not self.referenced(rel.target):
                self.remove(rel.target)
        if charts:
            drawing = old_drawing or self.free_name("xl/drawings/drawing{}.xml")
            if old_drawing is None:
                self.add_override(drawing, CT_DRAWING)
            rid = self.add_rel(part, REL_DRAWING, drawing)
            self._put_drawing(drawing, charts, old_charts)
            end = sheet_xml.rindex("</")
            r_prefix = _prefix_of(sheet_xml, REL_NS)
            if r_prefix is None:
                sheet_xml = sheet_xml.replace("<worksheet ", f'<worksheet xmlns:r="{REL_NS}" ', 1)
                r_prefix = "r"
            sheet_xml = sheet_xml[:end] + f'<drawing {r_prefix}:id="{rid}"/>' + sheet_xml[end:]
        elif old_drawing is not None:
            self.remove(old_drawing)
        for chart in old_charts:
            if chart not in self._parts:
                self.remove(chart)  # not reused: its content-type entry goes too
        self.write(part, sheet_xml)
        return part

    def cell_styles(self, styles: Sequence[tuple[str, bool]]) -> list[int | None]:
        """The cell-style indices (``s="..."``) of ``styles``, each a number format and whether
        the cell is aligned right, added to the end of the book's style table when missing.

        Every existing style keeps its index and its bytes: a style is only appended, and one
        already there (from an earlier write) is reused, so a second write changes nothing.
        A book without a plain style table (none, or one with a namespace prefix) gets ``None``
        for each: its cells keep the default style.
        """
        target = next((r.target for r in self.rels(WORKBOOK) if r.type == REL_STYLES), None)
        if target is None or target not in self._parts:
            return [None] * len(styles)
        xml = self.text(target)
        if "<cellXfs" not in xml or "</cellXfs>" not in xml:
            return [None] * len(styles)
        original = xml
        out: list[int | None] = []
        for code, right in styles:
            fmt_id = _BUILTIN_FORMATS.get(code)
            if fmt_id is None:
                found = re.search(rf'<numFmt numFmtId="(\d+)" formatCode="{re.escape(html.escape(code))}"/>', xml)
                if found:
                    fmt_id = int(found.group(1))
                else:
                    ids = [int(v) for v in re.findall(r'<numFmt numFmtId="(\d+)"', xml)]
                    fmt_id = max([163, *ids]) + 1
                    tag = f'<numFmt numFmtId="{fmt_id}" formatCode="{html.escape(code)}"/>'
                    if "</numFmts>" in xml:
                        xml = xml.replace("</numFmts>", tag + "</numFmts>", 1)
                        xml = re.sub(r'<numFmts count="\d+"', f'<numFmts count="{len(ids) + 1}"', xml, count=1)
                    else:  # numFmts comes first in the style sheet
                        start = re.search(r"<styleSheet\b[^>]*>", xml)
                        if start is None:
                            return [None] * len(styles)
                        xml = xml[:start.end()] + f'<numFmts count="1">{tag}</numFmts>' + xml[start.end():]
            align = ' applyAlignment="1"><alignment horizontal="right"/></xf>' if right else "/>"
            xf = (f'<xf numFmtId="{fmt_id}" fontId="0" fillId="0" borderId="0" xfId="0" '
                  f'applyNumberFormat="1"{align}')
            block = xml[xml.index("<cellXfs"):xml.index("</cellXfs>")]
            xfs = re.findall(r"<xf\b[^>]*?(?:/>|>.*?</xf>)", block, flags=re.DOTALL)
            if xf in xfs:
                out.append(xfs.index(xf))
                continue
            xml = xml.replace("</cellXfs>", xf + "</cellXfs>", 1)
            xml = re.sub(r'<cellXfs count="\d+"', f'<cellXfs count="{len(xfs) + 1}"', xml, count=1)
            out.append(len(xfs))
        if xml != original:
            self.write(target, xml)
        return out

    def drop_calc_chain(self) -> None:
        """Remove ``xl/calcChain.xml`` (Excel's optional cache of the calculation order)."""
        for rel in self.rels(WORKBOOK):
            if rel.target == CALC_CHAIN:
                self.remove_rel(WORKBOOK, rel.id)
        self.remove(CALC_CHAIN)

    def _drop(self, name: str) -> None:
        if name in self._parts:
            del self._parts[name]
            self.changed.add(name)

    def _put_drawing(self, drawing: str, charts: Sequence[ChartFrame], chart_names: Sequence[str] = ()) -> None:
        """Write ``drawing`` with a frame per chart, each chart in a part of its own (the names
        in ``chart_names`` first)."""
        anchors = []
        reuse = list(chart_names)
        for i, chart in enumerate(charts, start=1):
            part = reuse.pop(0) if reuse else self.free_name("xl/charts/chart{}.xml")
            self.write(part, chart.xml)
            self.add_override(part, CT_CHART)
            rid = self.add_rel(drawing, REL_CHART, part)
            cx, cy = chart.width * EMU_PER_PIXEL, chart.height * EMU_PER_PIXEL
            anchors.append(
                f'<xdr:oneCellAnchor>{_from(chart.col, chart.row)}<xdr:ext cx="{cx}" cy="{cy}"/>'
                f'<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr>'
                f'<xdr:cNvPr id="{i + 1}" name="{html.escape(chart.name)}"/><xdr:cNvGraphicFramePr/>'
                f'</xdr:nvGraphicFramePr><xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm>'
                f'<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/chart">'
                f'<c:chart xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" r:id="{rid}"/>'
                f'</a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/></xdr:oneCellAnchor>')
        self.write(drawing, f'{_XML_DECL}<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/'
                            f'2006/spreadsheetDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/'
                            f'2006/main" xmlns:r="{REL_NS}">{"".join(anchors)}</xdr:wsDr>')


def _from(col: int, row: int) -> str:
    return (f"<xdr:from><xdr:col>{col}</xdr:col><xdr:colOff>0</xdr:colOff>"
            f"<xdr:row>{row}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>")


_FORMULA = re.compile(r"<(?:\w+:)?f[\s>/]")


def has_formulas(sheet_xml: str) -> bool:
    """Whether a sheet's XML holds a formula (an ``<f>`` element in a cell; a sparkline's
    ``<xm:f>`` after the cells does not count).

    >>> has_formulas('<worksheet><sheetData><row r="1"><c r="A1"><f>B1*2</f></c></row></sheetData></worksheet>')
    True
    """
    m = re.search(r"<(?:\w+:)?sheetData\b", sheet_xml)
    if m is None:
        return False
    stop = sheet_xml.rfind("sheetData>")  # the closing tag; none for an empty <sheetData/>
    return stop > m.end() and _FORMULA.search(sheet_xml, m.end(), stop) is not None


def _source_of(rels: str) -> str:
    """``xl/worksheets/_rels/sheet1.xml.rels`` -> ``xl/worksheets/sheet1.xml`` (``""`` for the package)."""
    folder, name = posixpath.split(rels)
    return posixpath.join(posixpath.dirname(folder), name[: -len(".rels")]) if name != ".rels" else ""


def _prefix_of(xml: str, namespace: str) -> str | None:
    """The prefix the root element of ``xml`` declares for ``namespace``, if any."""
    root = re.search(r"<(?![?!])[^>]*>", xml)
    m = re.search(rf'xmlns:(\w+)="{re.escape(namespace)}"', root.group(0)) if root else None
    return m.group(1) if m else None


# zlib level of the parts written anew: level 1 takes a third of the default's time for a few
# percent more bytes (the Backtest sheet's chart data is most of what is written)
_LEVEL = 1


def _raw_member(data: bytes, info: zipfile.ZipInfo) -> bytes | None:
    """The compressed bytes of ``info``'s member in the zip file ``data`` (None where they
    cannot be copied as they are: another compression than stored/deflated, encryption)."""
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 0x1:
        return None
    at = info.header_offset
    if data[at:at + 4] != b"PK\x03\x04":
        return None
    name_len, extra_len = struct.unpack("<HH", data[at + 26:at + 30])
    start = at + 30 + name_len + extra_len
    raw = data[start:start + info.compress_size]
    return raw if len(raw) == info.compress_size else None


def _write_raw(out: zipfile.ZipFile, info: zipfile.ZipInfo, raw: bytes) -> bool:
    """Append a member to ``out`` from its compressed bytes, with its CRC and sizes; False
    (nothing written) where this Python's zipfile does not keep the state this needs."""
    if not all(hasattr(out, a) for a in ("fp", "start_dir", "filelist", "NameToInfo")):
        return False
    new = _copy_info(info)
    new.CRC, new.compress_size, new.file_size = info.CRC, info.compress_size, info.file_size
    new.flag_bits = 0  # sizes go in the local header (no data descriptor)
    zip64 = max(info.file_size, info.compress_size) > zipfile.ZIP64_LIMIT
    out.fp.seek(out.start_dir)
    new.header_offset = out.fp.tell()
    out.fp.write(new.FileHeader(zip64))
    out.fp.write(raw)
    out.start_dir = out.fp.tell()
    out.filelist.append(new)
    out.NameToInfo[new.filename] = new
    out._didModify = True
    return True


def _copy_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    new = zipfile.ZipInfo(info.filename, info.date_time)
    new.compress_type = info.compress_type
    new.external_attr = info.external_attr
    new.create_system = info.create_system
    new.comment = info.comment
    return new


def _new_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info
