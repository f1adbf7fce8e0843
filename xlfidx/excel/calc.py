"""Headless recalculation: evaluate a workbook's formulas and store the results in the file.

Excel keeps, next to each formula (``<f>`` in the sheet XML), its last result (``<v>``); a
viewer, Excel on the web or a Mac without Python show that cached value. openpyxl writes
formulas without results, so a workbook built or refreshed on Linux would open with empty
cells. :func:`calc_workbook` fills them:

1. every formula cell is found with openpyxl;
2. the `formulas <https://formulas.readthedocs.io>`_ engine evaluates them, loading only the
   cells they depend on (``ExcelModel.from_ranges``), with xlfidx's worksheet functions
   registered under their Excel names (:data:`xlfidx.excel.udfs.UDFS`), each called the way
   xlwings calls it (nested lists, ``None`` for blanks, error cells as text);
3. the results are written into the sheet XML as the cells' cached values, every other part
   of the file (``vbaProject.bin`` included) copied byte for byte. Array formulas calling our
   functions (FEDPATH, DLV, HEDGEWEIGHTS, a NETBASIS column...) are marked as dynamic arrays
   (Excel 365 spills and resizes them on its next recalculation) with the ``metadata.xml``
   part Excel itself writes for spilled formulas.

A spilled result larger than its formula's range does not fit: the engine cannot grow the
range, so it is reported (``CalcResult.overflow``) and the cells keep what fits.
"""

from __future__ import annotations

import contextlib
import html
import io
import os
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlfidx._files import check_workbook
from xlfidx.errors import InputError

__all__ = ["CalcResult", "calc_workbook", "evaluate_formulas", "formula_cells", "register_udfs",
           "write_cached_values"]

@dataclass
class FormulaCell:
    sheet: str
    ref: str  # the anchor cell, "B2"
    formula: str  # with the leading "="
    array_ref: str | None = None  # "B2:D9" for an array formula


@dataclass
class CalcResult:
    """What :func:`calc_workbook` computed: ``values[(sheet, "B2")]`` and the formula cells."""

    values: dict[tuple[str, str], Any]
    formulas: list[FormulaCell]
    overflow: list[str] = field(default_factory=list)

    def errors(self) -> dict[tuple[str, str], Any]:
        """Cells whose result is an Excel error value or one of our ``#...`` error texts."""
        return {k: v for k, v in self.values.items() if is_error_value(v)}


def is_error_value(value: Any) -> bool:
    """True for an Excel error (``#N/A``, ``#VALUE!``...) or an error text of our functions."""
    return isinstance(value, str) and value.startswith("#") or type(value).__name__ == "XlError"


# ---------------------------------------------------------------------------------------------
# the engine


def _excel_value(x: Any) -> Any:
    """A value of the formulas engine as xlwings would pass it to a UDF."""
    import numpy as np  # noqa: PLC0415
    import schedula as sh  # noqa: PLC0415

    arr = getattr(x, "value", x)
    if isinstance(arr, np.ndarray):
        if arr.ndim == 0:
            return _excel_value(arr[()])
        grid = np.atleast_2d(arr)
        rows = [[_excel_value(v) for v in row] for row in grid.tolist()]
        return rows[0][0] if grid.shape == (1, 1) else rows
    if x is sh.EMPTY:
        return None
    if type(x).__name__ == "XlError":
        return str(x)
    if isinstance(x, np.generic):
        return x.item()
    return x


_overflow: list[str] = []


def _adapter(name: str, udf: Callable) -> Callable:
    import numpy as np  # noqa: PLC0415
    from formulas.functions import Array  # noqa: PLC0415
    from formulas.tokens.operand import Error  # noqa: PLC0415

    na = Error.errors["#N/A"]

    class Spill(Array):
        """Fit a result into its formula's range as Excel does: pad with #N/A, report overflow."""

        def reshape(self, shape, *shapes, order="C"):  # noqa: ANN001 - numpy's signature
            if shapes:
                shape = (shape, *shapes)
            shape = tuple(shape)
            if len(shape) != 2 or shape == self.shape:
                return super().reshape(shape, order=order)
            out = np.full(shape, na, dtype=object)
            r, c = min(shape[0], self.shape[0]), min(shape[1], self.shape[1])
            out[:r, :c] = np.asarray(self)[:r, :c]
            if self.shape[0] > shape[0] or self.shape[1] > shape[1]:
                _overflow.append(f"{name}: result {self.shape[0]}x{self.shape[1]} does not fit "
                                 f"its range {shape[0]}x{shape[1]}")
            return out.view(Array)

    def call(*args: Any) -> Any:
        result = udf(*[_excel_value(a) for a in args])
        if isinstance(result, list):
            grid = np.empty((len(result), len(result[0]) if result else 0), dtype=object)
            for i, row in enumerate(result):
                grid[i, :] = row
            return grid.view(Spill)
        return np.asarray([[result]], dtype=object).view(Spill)

    call.__name__ = name
    return call


def register_udfs() -> None:
    """Register every worksheet function of :mod:`xlfidx.excel.udfs` with the formulas engine."""
    import formulas  # noqa: PLC0415

    from xlfidx.excel.udfs import UDFS  # noqa: PLC0415

    functions = formulas.get_functions()
    for name, udf in UDFS.items():
        functions[name] = _adapter(name, udf)


def formula_cells(path: str | Path) -> list[FormulaCell]:
    """Every formula of a workbook (array formulas with their range), in sheet order."""
    import openpyxl  # noqa: PLC0415
    from openpyxl.worksheet.formula import ArrayFormula  # noqa: PLC0415

    wb = openpyxl.load_workbook(path, read_only=True, keep_links=False)
    out = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if v is None or isinstance(v, int | float):
                    continue
                if isinstance(v, ArrayFormula):
                    out.append(FormulaCell(ws.title, cell.coordinate, v.text, v.ref))
                elif isinstance(v, str) and v.startswith("=") and len(v) > 1:
                    out.append(FormulaCell(ws.title, cell.coordinate, v))
    wb.close()
    return out


def _split_ref(ref: str) -> tuple[int, int]:
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string  # noqa: PLC0415

    col, row = coordinate_from_string(ref)
    return row, column_index_from_string(col)


def _cells_of(ref: str) -> list[list[str]]:
    from openpyxl.utils.cell import get_column_letter, range_boundaries  # noqa: PLC0415

    c1, r1, c2, r2 = range_boundaries(ref)
    return [[f"{get_column_letter(c)}{r}" for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)]


def evaluate_formulas(path: str | Path, cells: list[FormulaCell] | None = None) -> CalcResult:
    """Evaluate every formula of the workbook at ``path``; nothing is written."""
    path = check_workbook(path, "WORKBOOK")
    cells = formula_cells(path) if cells is None else cells
    if not cells:
        return CalcResult({}, [])
    with zipfile.ZipFile(path) as zf:
        sheets = list(_sheet_paths(zf))
    quoted = [name for name in sheets if "'" in name]
    if not quoted and not _UNSAFE_BOOK.search(path.name):
        return _evaluate(path, cells)
    # The formulas engine reads neither an apostrophe in a sheet name ('Bob''s basis'!A1) nor
    # brackets in a file name (book[1].xlsx looks like an external-book reference): evaluate
    # a scratch copy whose names it can read, and give the results their real names back.
    import shutil  # noqa: PLC0415
    import tempfile  # noqa: PLC0415

    taken = {name.upper() for name in sheets}
    aliases: dict[str, str] = {}
    for name in quoted:
        i = len(aliases) + 1
        while f"XLFIDX_SHEET_{i}" in taken:
            i += 1
        aliases[name] = f"XLFIDX_SHEET_{i}"
        taken.add(aliases[name])
    with tempfile.TemporaryDirectory(prefix="xlfidx-calc-") as tmp:
        scratch = Path(tmp) / f"book{path.suffix.lower()}"
        if aliases:
            scratch = scratch.with_suffix(".xlsx")
            _copy_with_sheet_aliases(path, scratch, aliases)
        else:
            shutil.copyfile(path, scratch)
        renamed = [FormulaCell(aliases.get(c.sheet, c.sheet), c.ref, _alias_refs(c.formula, aliases),
                               c.array_ref) for c in cells]
        result = _evaluate(scratch, renamed)
    back = {alias: name for name, alias in aliases.items()}
    values = {(back.get(sheet, sheet), ref): v for (sheet, ref), v in result.values.items()}
    return CalcResult(values, cells, list(result.overflow))


# characters of a file name that the engine's reference syntax cannot hold ('[book]Sheet'!A1)
_UNSAFE_BOOK = re.compile(r"[\[\]']")


def _alias_refs(formula: str, aliases: dict[str, str]) -> str:
    """``'Bob''s basis'!A1`` -> ``XLFIDX_SHEET_1!A1`` for every aliased sheet (any case)."""
    for name, alias in aliases.items():
        quoted = "'" + name.replace("'", "''") + "'!"
        formula = re.sub(re.escape(quoted), alias + "!", formula, flags=re.IGNORECASE)
    return formula


def _copy_with_sheet_aliases(path: Path, scratch: Path, aliases: dict[str, str]) -> None:
    """A copy of the book for the engine only: sheets renamed, references rewritten."""
    import openpyxl  # noqa: PLC0415
    from openpyxl.worksheet.formula import ArrayFormula  # noqa: PLC0415

    wb = openpyxl.load_workbook(path, keep_links=False)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if isinstance(v, ArrayFormula):
                    v.text = _alias_refs(v.text, aliases)
                elif isinstance(v, str) and v.startswith("="):
                    cell.value = _alias_refs(v, aliases)
        for dn in ws.defined_names.values():
            dn.attr_text = _alias_refs(dn.attr_text or "", aliases)
    for dn in wb.defined_names.values():
        dn.attr_text = _alias_refs(dn.attr_text or "", aliases)
    for ws in wb.worksheets:
        if ws.title in aliases:
            ws.title = aliases[ws.title]
    wb.save(scratch)


def _evaluate(path: Path, cells: list[FormulaCell]) -> CalcResult:
    import formulas  # noqa: PLC0415
    import numpy as np  # noqa: PLC0415

    register_udfs()
    book = path.name
    targets = [f"'[{book}]{c.sheet}'!{c.array_ref or c.ref}" for c in cells]
    _overflow.clear()
    # formulas finds the book of a reference relative to the working directory; its progress
    # bars (tqdm, which reads TQDM_DISABLE) would fill the terminal of `xlfidx calc`
    with contextlib.chdir(path.resolve().parent), _env("TQDM_DISABLE", "1"):
        model = formulas.ExcelModel().from_ranges(*targets).finish()
        solution = model.calculate()
    by_key = {k.upper(): v for k, v in solution.items()}
    values: dict[tuple[str, str], Any] = {}
    for c, target in zip(cells, targets, strict=True):
        ranges = by_key.get(target.upper())
        grid = np.atleast_2d(np.asarray(getattr(ranges, "value", ranges), dtype=object))
        refs = _cells_of(c.array_ref or c.ref)
        for i, row in enumerate(refs):
            for j, ref in enumerate(row):
                v = grid[i, j] if i < grid.shape[0] and j < grid.shape[1] else grid[0, 0]
                values[(c.sheet, ref)] = _cached(v)
    return CalcResult(values, cells, list(_overflow))


@contextlib.contextmanager
def _env(name: str, value: str):
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


def _cached(v: Any) -> Any:
    import numpy as np  # noqa: PLC0415
    import schedula as sh  # noqa: PLC0415

    if v is sh.EMPTY or v is None:
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and v != v:
        return "#NUM!"
    return v


# ---------------------------------------------------------------------------------------------
# writing cached values into the file

_ROW = re.compile(r"<row\b[^>]*?(?:/>|>.*?</row>)", re.S)
_CELL = re.compile(r"<c\b[^>]*?(?:/>|>.*?</c>)", re.S)
_ATTR = re.compile(r'([\w:]+)="([^"]*)"')
_F = re.compile(r"<f\b[^>]*?(?:/>|>.*?</f>)", re.S)

_ERROR_CODES = {"#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!", "#SPILL!", "#CALC!"}

_METADATA = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<metadata xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:xda="http://schemas.microsoft.com/office/spreadsheetml/2017/dynamicarray">'
    '<metadataTypes count="1"><metadataType name="XLDAPR" minSupportedVersion="120000" copy="1" '
    'pasteAll="1" pasteValues="1" merge="1" splitFirst="1" rowColShift="1" clearFormats="1" '
    'clearComments="1" assign="1" coerce="1" cellMeta="1"/></metadataTypes>'
    '<futureMetadata name="XLDAPR" count="1"><bk><extLst>'
    '<ext uri="{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}">'
    '<xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/></ext></extLst></bk></futureMetadata>'
    '<cellMetadata count="1"><bk><rc t="1" v="0"/></bk></cellMetadata></metadata>'
)
_METADATA_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml"
_METADATA_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sheetMetadata"


def _attrs(tag: str) -> dict[str, str]:
    head = tag[: tag.index(">") + 1]
    return dict(_ATTR.findall(head))


def _cell_xml(ref: str, old: str | None, value: Any, dynamic: bool) -> str:
    attrs = _attrs(old) if old else {}
    f = _F.search(old) if old else None
    keep = {k: v for k, v in attrs.items() if k in ("s",)}
    out = {"r": ref, **keep}
    body = ""
    if isinstance(value, bool):
        out["t"], body = "b", f"<v>{int(value)}</v>"
    elif isinstance(value, int | float):
        body = f"<v>{repr(float(value)) if isinstance(value, float) else value}</v>"
    elif type(value).__name__ == "XlError" or (isinstance(value, str) and value in _ERROR_CODES):
        out["t"], body = "e", f"<v>{html.escape(str(value), quote=False)}</v>"
    elif isinstance(value, str):
        out["t"] = "str" if f else "inlineStr"
        esc = html.escape(value, quote=False)
        body = f"<v>{esc}</v>" if f else f"<is><t>{esc}</t></is>"
    elif value is not None:
        out["t"], body = "str", f"<v>{html.escape(str(value), quote=False)}</v>"
    if dynamic:
        out["cm"] = "1"
    head = "".join(f' {k}="{v}"' for k, v in out.items())
    return f"<c{head}>{f.group(0) if f else ''}{body}</c>"


def _patch_sheet(xml: str, values: dict[str, Any], dynamic: set[str]) -> str:
    m = re.search(r"<sheetData\s*/>|<sheetData>(.*?)</sheetData>", xml, re.S)
    if m is None:
        raise InputError("WORKBOOK", "sheet XML", "has no sheetData")
    rows: dict[int, tuple[str, dict[int, str]]] = {}
    for row_xml in _ROW.findall(m.group(1) or ""):
        head = row_xml[: row_xml.index(">") + 1]
        r = int(_attrs(head)["r"])
        cells = {}
        for c in _CELL.findall(row_xml):
            cells[_split_ref(_attrs(c)["r"])[1]] = c
        head = re.sub(r'\s+spans="[^"]*"', "", head)
        if head.endswith("/>"):
            head = head[:-2] + ">"
        rows[r] = (head, cells)
    for ref, value in values.items():
        r, c = _split_ref(ref)
        head, cells = rows.setdefault(r, (f'<row r="{r}">', {}))
        cells[c] = _cell_xml(ref, cells.get(c), value, ref in dynamic)
    body = "".join(
        head + "".join(cells[c] for c in sorted(cells)) + "</row>"
        for r, (head, cells) in sorted(rows.items())
    )
    return xml[: m.start()] + f"<sheetData>{body}</sheetData>" + xml[m.end():]


def _sheet_paths(zf: zipfile.ZipFile) -> dict[str, str]:
    wb = zf.read("xl/workbook.xml").decode("utf-8")
    rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    targets = {}
    for rel in re.findall(r"<Relationship\b[^>]*>", rels):
        a = dict(_ATTR.findall(rel))
        t = a["Target"]
        targets[a["Id"]] = t.lstrip("/") if t.startswith("/") else "xl/" + t
    out = {}
    for sheet in re.findall(r"<sheet\b[^>]*>", wb):
        a = dict(_ATTR.findall(sheet))
        out[html.unescape(a["name"])] = targets[a["r:id"]]
    return out


def write_cached_values(
    path: str | Path,
    values: dict[tuple[str, str], Any],
    dynamic: Iterable[tuple[str, str]] = (),
    out: str | Path | None = None,
) -> Path:
    """Store ``values[(sheet, "B2")]`` as cached results in the file; other parts are untouched.

    ``dynamic`` names the anchor cells of array formulas to mark as dynamic (spilling) arrays.
    """
    path = Path(path)
    out = Path(out) if out is not None else path
    dynamic = set(dynamic)
    with zipfile.ZipFile(path) as zf:
        paths = _sheet_paths(zf)
        by_part: dict[str, dict[str, Any]] = {}
        dyn_part: dict[str, set[str]] = {}
        for (sheet, ref), v in values.items():
            by_part.setdefault(paths[sheet], {})[ref] = v
        for sheet, ref in dynamic:
            dyn_part.setdefault(paths[sheet], set()).add(ref)
        names = zf.namelist()
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as new:
            for info in zf.infolist():
                data = zf.read(info.filename)
                name = info.filename
                if name in by_part:
                    data = _patch_sheet(data.decode("utf-8"), by_part[name],
                                        dyn_part.get(name, set())).encode("utf-8")
                elif dynamic and name == "[Content_Types].xml" and "xl/metadata.xml" not in names:
                    data = data.decode("utf-8").replace(
                        "</Types>",
                        f'<Override PartName="/xl/metadata.xml" ContentType="{_METADATA_CT}"/></Types>',
                    ).encode("utf-8")
                elif dynamic and name == "xl/_rels/workbook.xml.rels" and "xl/metadata.xml" not in names:
                    data = data.decode("utf-8").replace(
                        "</Relationships>",
                        f'<Relationship Id="rIdXlfidxMeta" Type="{_METADATA_REL}" '
                        f'Target="metadata.xml"/></Relationships>',
                    ).encode("utf-8")
                new.writestr(info, data)
            if dynamic and "xl/metadata.xml" not in names:
                new.writestr("xl/metadata.xml", _METADATA)
    out.write_bytes(buf.getvalue())
    return out


def calc_workbook(path: str | Path, out: str | Path | None = None) -> CalcResult:
    """Evaluate every formula of a workbook and store the results as cached values.

    ``out`` defaults to writing the workbook in place. Returns the computed values, so that a
    caller (or a test) can compare them with the core.
    """
    result = evaluate_formulas(path)
    if result.formulas:
        from xlfidx.excel.udfs import UDFS  # noqa: PLC0415

        dynamic = [(c.sheet, c.ref) for c in result.formulas
                   if c.array_ref and any(f"{n}(" in c.formula.upper() for n in UDFS)]
        write_cached_values(path, result.values, dynamic, out)
    elif out is not None and Path(out) != Path(path):
        Path(out).write_bytes(Path(path).read_bytes())
    return result
