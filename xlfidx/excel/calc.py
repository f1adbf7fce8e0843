"""Headless recalculation: evaluate a workbook's formulas and store the results in the file.

Excel keeps, next to each formula (``<f>`` in the sheet XML), its last result (``<v>``); a
viewer, Excel on the web or a Mac without Python show that cached value. openpyxl writes
formulas without results, so a workbook built or refreshed on Linux would open with empty
cells. :func:`calc_workbook` fills them:

1. the formulas are found by scanning the sheets' XML for ``<f>`` elements (shared formulas
   translated to each cell), with the value each cell holds now;
2. the `formulas <https://formulas.readthedocs.io>`_ engine evaluates them, with xlfidx's
   worksheet functions registered under their Excel names (:data:`xlfidx.excel.udfs.UDFS`),
   each called the way xlwings calls it (nested lists, ``None`` for blanks, error cells as
   text). The engine reads a private copy of the book cut down to the rows the formulas refer
   to, so a 20-year history sheet costs nothing; its statistical functions (which need
   ``scipy.stats``) are loaded only when a formula calls a function outside its core set;
3. the results are written into the sheet XML as the cells' cached values; every other part of
   the file (``vbaProject.bin`` included) is copied byte for byte (:mod:`xlfidx.excel.package`).
   Array formulas calling our functions (FEDPATH, DLV, HEDGEWEIGHTS, a NETBASIS column...) are
   marked as dynamic arrays (Excel 365 spills and resizes them on its next recalculation) with
   the ``metadata.xml`` part Excel itself writes for spilled formulas.

A function the engine does not have (``OFFSET``, for one) gives ``#NAME?``: the cell, and the
cells computed from it, keep the value Excel computed last, and :attr:`CalcResult.kept` says so.
A spilled result larger than its formula's range does not fit: the engine cannot grow the
range, so it is reported (:attr:`CalcResult.overflow`) and the cells keep what fits.
"""

from __future__ import annotations

import collections
import contextlib
import errno
import html
import importlib
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xlfidx.errors import InputError

__all__ = ["CalcResult", "FormulaCell", "calc_package", "calc_workbook", "evaluate_formulas",
           "evaluate_package", "formula_cells", "mark_calculated", "quote_sheet", "register_udfs",
           "write_cached_values", "EXCEL_CALC_ID"]

Progress = Callable[[str], None]


@dataclass
class FormulaCell:
    sheet: str
    ref: str  # the anchor cell, "B2"
    formula: str  # with the leading "="
    array_ref: str | None = None  # "B2:D9" for an array formula
    cached: Any = None  # the value the file holds for the cell (Excel's last result), None if none


@dataclass
class CalcResult:
    """What :func:`calc_workbook` computed: ``values[(sheet, "B2")]`` and the formula cells.

    ``kept`` lists, one line per cell, the formulas the engine could not evaluate for a reason
    of its own (``#NAME?``: a function it does not have; ``#REF!``: a reference it could not
    load; or the engine failed on the whole book): those cells keep the value Excel computed
    last, never an error calc caused.
    """

    values: dict[tuple[str, str], Any]
    formulas: list[FormulaCell]
    overflow: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    def errors(self) -> dict[tuple[str, str], Any]:
        """Cells whose result is an Excel error value or one of our ``#...`` error texts."""
        return {k: v for k, v in self.values.items() if is_error_value(v)}


def is_error_value(value: Any) -> bool:
    """True for an Excel error (``#N/A``, ``#VALUE!``...) or an error text of our functions."""
    return isinstance(value, str) and value.startswith("#") or type(value).__name__ == "XlError"


# ---------------------------------------------------------------------------------------------
# finding the formulas in the sheet XML

_ROW = re.compile(r"<(?:\w+:)?row\b[^>]*?(?:/>|>.*?</(?:\w+:)?row>)", re.S)
_CELL = re.compile(r"<(?:\w+:)?c\b[^>]*?(?:/>|>.*?</(?:\w+:)?c>)", re.S)
_F = re.compile(r"<(?:\w+:)?f\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?f>)", re.S)
_V = re.compile(r"<(?:\w+:)?v>(.*?)</(?:\w+:)?v>", re.S)
_T = re.compile(r"<(?:\w+:)?t\b[^>]*>(.*?)</(?:\w+:)?t>", re.S)
_SI = re.compile(r"<(?:\w+:)?si>(.*?)</(?:\w+:)?si>", re.S)
_REF = re.compile(r"([A-Z]{1,3})(\d+)")


def _attrs(tag: str) -> dict[str, str]:
    from xlfidx.excel.package import attrs

    return attrs(tag)


def _split_ref(ref: str) -> tuple[int, int]:
    """``"B12"`` -> (12, 2)."""
    m = _REF.fullmatch(ref.replace("$", "").upper())
    if m is None:
        raise InputError("cell", ref, "is not a cell reference like B12")
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


def _column(c: int) -> str:
    name = ""
    while c:
        c, r = divmod(c - 1, 26)
        name = chr(65 + r) + name
    return name


def _cells_of(ref: str) -> list[list[str]]:
    a, _, b = ref.partition(":")
    (r1, c1), (r2, c2) = _split_ref(a), _split_ref(b or a)
    return [[f"{_column(c)}{r}" for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)]


def _shared_strings(package: Any) -> list[str]:
    name = "xl/sharedStrings.xml"
    if name not in package:
        return []
    return ["".join(html.unescape(t) for t in _T.findall(si)) for si in _SI.findall(package.text(name))]


def _cached_value(cell_xml: str, kind: str | None, strings: Callable[[], list[str]]) -> Any:
    m = _V.search(cell_xml)
    if m is None:
        return None
    text = html.unescape(m.group(1))
    if kind in (None, "n"):
        try:
            return float(text)
        except ValueError:
            return text
    if kind == "b":
        return text.strip() == "1"
    if kind == "s":
        table = strings()
        return table[int(text)] if text.strip().isdigit() and int(text) < len(table) else None
    return text  # "str", "e" (an error such as #N/A), "inlineStr"


def _sheet_formulas(sheet: str, xml: str, strings: Callable[[], list[str]]) -> list[FormulaCell]:
    """The formula cells of one sheet's XML (shared formulas translated to each cell)."""
    out: list[FormulaCell] = []
    masters: dict[str, tuple[str, str]] = {}  # si -> (anchor, formula)
    children: list[tuple[FormulaCell, str]] = []
    row_no = 0
    for row in _ROW.finditer(xml):
        text = row.group(0)
        head = text[: text.index(">") + 1]
        row_no = int(_attrs(head).get("r", row_no + 1))
        if "<f" not in text:
            continue
        col = 0
        for cell in _CELL.finditer(text):
            c_xml = cell.group(0)
            a = _attrs(c_xml)
            if "r" in a:
                _, col = _split_ref(a["r"])
            else:
                col += 1
            f = _F.search(c_xml)
            if f is None:
                continue
            ref = f"{_column(col)}{row_no}"
            fa = _attrs(f.group(0))
            body = html.unescape(f.group(1) or "").strip()
            kind = fa.get("t", "normal")
            cached = _cached_value(c_xml, a.get("t"), strings)
            if kind == "dataTable":
                continue  # a what-if table: Excel's own machinery, nothing to evaluate
            if kind == "shared" and not body:
                children.append((FormulaCell(sheet, ref, "", None, cached), fa.get("si", "")))
                continue
            if not body:
                continue
            if kind == "shared":
                masters[fa.get("si", "")] = (ref, "=" + body)
            array = fa.get("ref") if kind == "array" else None
            out.append(FormulaCell(sheet, ref, "=" + body, array, cached))
    if children:
        from openpyxl.formula.translate import Translator

        for cell, si in children:
            if si in masters:
                anchor, formula = masters[si]
                cell.formula = Translator(formula, origin=anchor).translate_formula(cell.ref)
                out.append(cell)
    return out


def formula_cells(source: str | Path | Any) -> list[FormulaCell]:
    """Every formula of a workbook (path or :class:`~xlfidx.excel.package.Package`), in sheet order.

    Only sheets whose XML holds an ``<f>`` element are parsed.
    """
    from xlfidx.excel.package import Package, has_formulas

    package = source if isinstance(source, Package) else Package.open(source)
    cache: list[list[str]] = []

    def strings() -> list[str]:
        if not cache:
            cache.append(_shared_strings(package))
        return cache[0]

    out = []
    for sheet, part in package.sheets().items():
        if part not in package:
            continue
        xml = package.text(part)
        if has_formulas(xml):
            out += _sheet_formulas(sheet, xml, strings)
    return out


# ---------------------------------------------------------------------------------------------
# the engine

# the formulas engine's function modules that import scipy.stats (about 0.8 s): loaded only
# when a formula calls a function the others do not have
_STAT_MODULES = (".stat", ".comp")


class _Functions:
    """The engine's function table, built without its statistics modules until one is needed."""

    table: collections.defaultdict | None = None
    full = False

    @classmethod
    def get(cls, names: Iterable[str] = ()) -> collections.defaultdict:
        import formulas
        import formulas.excel
        import formulas.functions as ff

        if cls.table is None:
            cls.table = collections.defaultdict(lambda: ff.not_implemented)
            cls._fill(full=False)
            # the engine looks its functions up through get_functions() when it parses a formula
            ff.get_functions = formulas.get_functions = lambda: cls.table
            _quiet_engine(formulas.excel)
        if not cls.full and any(n not in cls.table for n in names):
            cls._fill(full=True)
        return cls.table

    @classmethod
    def _fill(cls, full: bool) -> None:
        import formulas.functions as ff

        from xlfidx.excel.udfs import UDFS

        assert cls.table is not None
        for name in ff.SUBMODULES:  # the order get_functions() uses
            if full or name not in _STAT_MODULES:
                cls.table.update(importlib.import_module(name, ff.__name__).FUNCTIONS)
        cls.table.update(ff.FUNCTIONS)
        for name, udf in UDFS.items():
            cls.table[name] = _adapter(name, udf)
        cls.full = full


def _quiet_engine(module: Any) -> None:
    """No progress bars from the engine on stderr: calc prints its own progress."""
    import functools
    import logging
    import types

    # the engine logs a reference it cannot load; calc reports such cells itself (CalcResult.kept)
    logging.getLogger("formulas").setLevel(logging.ERROR)
    bars = getattr(module, "tqdm", None)
    if isinstance(bars, types.ModuleType):
        module.tqdm = types.SimpleNamespace(tqdm=functools.partial(bars.tqdm, disable=True))


def _excel_value(x: Any) -> Any:
    """A value of the formulas engine as xlwings would pass it to a UDF."""
    import numpy as np
    import schedula as sh

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
    import numpy as np
    from formulas.functions import Array
    from formulas.tokens.operand import Error

    na = Error.errors["#N/A"]

    class Spill(Array):
        """Fit a result into its formula's range as Excel does: pad with #N/A, report overflow."""

        def reshape(self, shape, *shapes, order="C"):
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
    _Functions.get()


def _tokens(formula: str) -> list[Any]:
    from openpyxl.formula.tokenizer import Tokenizer

    try:
        return Tokenizer(formula).items
    except Exception:
        return []


def _function_names(formula: str) -> set[str]:
    """The functions a formula calls, upper case (``_xlfn.`` prefixes kept)."""
    return {t.value[:-1].upper() for t in _tokens(formula) if t.type == "FUNC" and t.subtype == "OPEN"}


# --- the cut-down copy the engine reads ------------------------------------------------------

_RANGE = re.compile(
    r"(?:(?:'(?P<quoted>(?:[^']|'')+)'|(?P<plain>[^'!:\[\]]+))!)?"
    r"(?:(?P<cells>\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?)|(?P<cols>\$?[A-Z]{1,3}:\$?[A-Z]{1,3})"
    r"|(?P<rows>\$?\d+:\$?\d+))", re.I)
_NAME = re.compile(r"(?:(?:'(?:[^']|'')+'|[^'!:\[\]]+)!)?(?P<name>[A-Za-z_\\][\w.]*)")
_DYNAMIC = {"INDIRECT", "OFFSET"}  # references computed at run time: no way to cut the book


def _defined_names(package: Any) -> dict[str, list[str]]:
    from xlfidx.excel.package import WORKBOOK

    out: dict[str, list[str]] = {}
    for m in re.finditer(r"<(?:\w+:)?definedName\b([^>]*)>(.*?)</(?:\w+:)?definedName>",
                         package.text(WORKBOOK), re.S):
        name = _attrs(f"<x{m.group(1)}>").get("name", "")
        out.setdefault(name.upper(), []).append(html.unescape(m.group(2)))
    return out


def _rows_needed(cells: list[FormulaCell], names: dict[str, list[str]],
                 sheets: Iterable[str]) -> dict[str, list[tuple[int, int]] | None] | None:
    """Per sheet, the row spans the formulas read (None: the whole sheet); None: cannot tell."""
    known = {s.upper(): s for s in sheets}
    need: dict[str, list[tuple[int, int]] | None] = {}
    seen: set[str] = set()
    todo = [c.formula for c in cells]
    while todo:
        formula = todo.pop()
        for t in _tokens(formula if formula.startswith("=") else "=" + formula):
            if t.type == "FUNC" and t.value[:-1].upper().removeprefix("_XLFN.") in _DYNAMIC:
                return None
            if t.type != "OPERAND" or t.subtype != "RANGE":
                continue
            m = _RANGE.fullmatch(t.value)
            if m is None:
                n = _NAME.fullmatch(t.value)
                if n is None:
                    return None  # an external, 3-D or table reference
                key = n.group("name").upper()
                if key in names and key not in seen:
                    seen.add(key)
                    todo += names[key]
                continue
            sheet = m.group("quoted").replace("''", "'") if m.group("quoted") else m.group("plain")
            if sheet is None:
                continue  # the formula's own sheet, which is kept whole
            if sheet.upper() not in known:
                return None
            sheet = known[sheet.upper()]
            if m.group("cols"):
                need[sheet] = None
            elif need.get(sheet, []) is not None:
                if m.group("rows"):
                    a, b = (int(x.replace("$", "")) for x in m.group("rows").split(":"))
                else:
                    a_ref, _, b_ref = m.group("cells").partition(":")
                    a, b = _split_ref(a_ref)[0], _split_ref(b_ref or a_ref)[0]
                need.setdefault(sheet, []).append((min(a, b), max(a, b)))  # type: ignore[union-attr]
    return need


def _cut_sheet(xml: str, spans: list[tuple[int, int]]) -> str:
    """A sheet's XML with only the rows in ``spans`` (and no drawings, merges, views...)."""
    root = re.search(r"<((?:\w+:)?)worksheet\b[^>]*>", xml)
    if root is None:
        return xml
    prefix = root.group(1)
    rows = sorted({r for a, b in spans for r in range(a, b + 1)})
    kept = []
    end_tag = f"</{prefix}row>"
    if len(rows) <= 1000 and f'<{prefix}row r="' in xml:
        pos = 0
        for r in rows:  # writers put r first and rows in order: find each row directly
            start = xml.find(f'<{prefix}row r="{r}"', pos)
            if start < 0:
                continue
            close = xml.index(">", start)
            pos = close + 1 if xml[close - 1] == "/" else xml.index(end_tag, close) + len(end_tag)
            kept.append(xml[start:pos])
    else:
        wanted = set(rows)
        for m in _ROW.finditer(xml):
            r = _attrs(m.group(0)).get("r")
            if r is None:
                return xml
            if int(r) in wanted:
                kept.append(m.group(0))
    return f"{root.group(0)}<{prefix}sheetData>{''.join(kept)}</{prefix}sheetData></{prefix}worksheet>"


# The formulas engine reads neither an apostrophe nor a percent sign in a sheet name ('Bob''s
# basis'!A1, '50% hedge'!A1), nor brackets in a file name (book[1].xlsx looks like an
# external-book reference): its copy of the book has a plain file name, and every sheet whose name
# holds anything beyond letters, digits, spaces, '_', '.' and '-' gets a plain alias there, in
# the workbook's sheet list and in every formula and defined name (Excel quotes such a name:
# 'Bob''s & Co'!A1, apostrophes doubled).
_PLAIN_SHEET = re.compile(r"[\w .-]+")


def _sheet_aliases(sheets: Iterable[str]) -> dict[str, str]:
    taken = {s.upper() for s in sheets}
    aliases: dict[str, str] = {}
    for sheet in sheets:
        if not _PLAIN_SHEET.fullmatch(sheet):
            i = len(aliases) + 1
            while f"XLFIDX_SHEET_{i}" in taken:
                i += 1
            aliases[sheet] = f"XLFIDX_SHEET_{i}"
            taken.add(aliases[sheet])
    return aliases


def quote_sheet(name: str) -> str:
    """A sheet name as Excel writes it in a reference: quoted, apostrophes doubled, unless it is
    a plain name.

    >>> quote_sheet("Bob's & Co"), quote_sheet("DLV")
    ("'Bob''s & Co'", 'DLV')
    """
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", name) and not re.fullmatch(r"[A-Za-z]{1,3}\d+", name):
        return name
    return "'" + name.replace("'", "''") + "'"


def _alias_xml(text: str, aliases: dict[str, str]) -> str:
    """Sheet names and references to them, as they stand in workbook or sheet XML (formulas
    and names unescaped, the references replaced, escaped again)."""
    if not aliases:
        return text
    refs = [(re.compile(re.escape(quote_sheet(n)) + "!", re.IGNORECASE), a + "!") for n, a in aliases.items()]
    refs += [(re.compile(r"(?<![\w'.])" + re.escape(n) + "!", re.IGNORECASE), a + "!")
             for n, a in aliases.items() if quote_sheet(n) == n]

    def formula(m: re.Match) -> str:
        body = html.unescape(m.group(2))
        for pattern, alias in refs:
            body = pattern.sub(lambda _m, alias=alias: alias, body)
        return m.group(1) + html.escape(body, quote=False) + m.group(3)

    def sheet_tag(m: re.Match) -> str:
        tag = m.group(0)
        name = re.search(r'\sname="([^"]*)"', tag)
        if name is None or html.unescape(name.group(1)) not in aliases:
            return tag
        return tag[: name.start(1)] + aliases[html.unescape(name.group(1))] + tag[name.end(1):]

    text = re.sub(r"(<(?:\w+:)?(?:f|definedName)\b[^>]*>)(.*?)(</(?:\w+:)?(?:f|definedName)>)",
                  formula, text, flags=re.S)
    return re.sub(r"<(?:\w+:)?sheet\b[^>]*>", sheet_tag, text)


# what the engine reads of a book: its index, workbook, sheets, strings, styles and the parts
# formulas can refer to; never pictures, charts, the VBA project or a part nothing accounts for
_ENGINE_PARTS = re.compile(r"\[Content_Types\]\.xml|_rels/\.rels|xl/(?:workbook\.xml|_rels/workbook\.xml\.rels|"
                           r"sharedStrings\.xml|styles\.xml|theme/[^/]+\.xml|tables/[^/]+\.xml|"
                           r"externalLinks/(?:_rels/)?[^/]+\.xml(?:\.rels)?)")


def _engine_parts(package: Any, sheets: set[str]) -> set[str]:
    from xlfidx.excel.package import rels_name

    kept = {n for n in package.names if _ENGINE_PARTS.fullmatch(n)}
    return kept | sheets | {rels_name(s) for s in sheets if rels_name(s) in package}


def _only_rels_to(xml: str, rels_part: str, kept: set[str]) -> str:
    """A relationships part without the relationships to parts the engine's copy leaves out."""
    from xlfidx.excel.package import Package, _source_of

    source = _source_of(rels_part)
    keep_ids = {r.id for r in Package.rels_of(source, xml) if not r.external and r.target in kept}

    def one(m: re.Match) -> str:
        rid = _attrs(m.group(0)).get("Id")
        return m.group(0) if rid in keep_ids else ""

    return re.sub(r"<(?:\w+:)?Relationship\b[^>]*?/?>(?:</(?:\w+:)?Relationship>)?", one, xml)


def _engine_copy(package: Any, cells: list[FormulaCell], folder: Path, name: str,
                 aliases: dict[str, str] | None = None) -> Path:
    """Write the copy of the book the engine reads: formula sheets whole, other sheets cut down
    to the rows the formulas refer to (the whole book when that cannot be told)."""
    from xlfidx.excel.package import rels_name

    sheets = package.sheets()
    formula_sheets = {c.sheet for c in cells}
    external = any(n.startswith("xl/externalLinks/") for n in package.names)
    need = None if external else _rows_needed(cells, _defined_names(package), sheets)
    cut: dict[str, str] = {}
    if need is not None:
        for sheet, part in sheets.items():
            if sheet in formula_sheets or part not in package:
                continue
            spans = need.get(sheet, [])
            if spans is not None:
                cut[part] = _cut_sheet(package.text(part), spans)
    dropped = {rels_name(p) for p in cut}
    kept = _engine_parts(package, set(sheets.values()))
    path = folder / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for part in package.names:
            if part in dropped or part not in kept:
                continue
            data = cut[part] if part in cut else package.read(part)
            if part.endswith(".rels"):
                data = _only_rels_to(data if isinstance(data, str) else data.decode("utf-8"), part, kept)
            if aliases and part.endswith(".xml") and (part == "xl/workbook.xml"
                                                     or part.startswith("xl/worksheets/")):
                data = _alias_xml(data if isinstance(data, str) else data.decode("utf-8"), aliases)
            z.writestr(part, data)
    return path


# results the engine gives for reasons of its own (a function it lacks, a reference it could not
# load) rather than the book's
_ENGINE_ERRORS = {"#NAME?", "#REF!"}
_NO_ROOM = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}
_TEMP_PREFIX = "xlfidx-calc-"


@contextlib.contextmanager
def _engine_folder():
    """A private folder for the engine's copy of the book, removed afterwards. The folder holds
    a lock for as long as its process lives: the folders of processes that were killed (their
    lock free) are removed first, so a killed calc leaves no copy of a book behind for long."""
    _remove_stale()
    with tempfile.TemporaryDirectory(prefix=_TEMP_PREFIX) as tmp:
        lock = open(Path(tmp) / ".lock", "wb")  # noqa: SIM115 - held for the folder's life
        try:
            with contextlib.suppress(ImportError, OSError):
                import fcntl

                fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            yield Path(tmp)
        finally:
            lock.close()


def _remove_stale() -> None:
    import shutil
    import time

    try:
        olds = list(Path(tempfile.gettempdir()).glob(f"{_TEMP_PREFIX}*"))
    except OSError:
        return
    for old in olds:
        with contextlib.suppress(OSError):
            if not old.is_dir():
                continue
            try:
                import fcntl
            except ImportError:  # no locks here: an hour-old folder is a dead process's
                if time.time() - old.stat().st_mtime > 3600:
                    shutil.rmtree(old, ignore_errors=True)
                continue
            if time.time() - old.stat().st_mtime < 60:
                continue  # just made: its process may not hold its lock yet
            with open(old / ".lock", "rb") as lock:
                try:
                    fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    continue  # a live calc holds it
                shutil.rmtree(old, ignore_errors=True)


def evaluate_package(package: Any, name: str, cells: list[FormulaCell] | None = None,
                     progress: Progress | None = None) -> CalcResult:
    """Evaluate every formula of ``package`` (a book called ``name``); nothing is written."""
    say = progress or (lambda message: None)
    cells = formula_cells(package) if cells is None else cells
    if not cells:
        return CalcResult({}, [])
    say(f"calc: {len(cells)} formulas on {len({c.sheet for c in cells})} sheet(s); loading the engine")
    used = set().union(*(_function_names(c.formula) for c in cells))
    functions = _Functions.get(used)
    missing = sorted(n for n in used if n not in functions)
    import formulas
    import numpy as np

    aliases = _sheet_aliases(package.sheets())
    engine_name = "book" + Path(name).suffix.lower()  # a name the engine's references can hold
    targets = [f"'[{engine_name}]{aliases.get(c.sheet, c.sheet)}'!{c.array_ref or c.ref}"
               for c in cells]
    _overflow.clear()
    try:
        with _engine_folder() as tmp:
            _engine_copy(package, cells, tmp, engine_name, aliases)
            say("calc: evaluating")
            # formulas finds the book of a reference relative to the working directory
            with contextlib.chdir(tmp):
                model = formulas.ExcelModel().from_ranges(*targets).finish()
                solution = model.calculate()
    except (KeyboardInterrupt, MemoryError, InputError):
        raise
    except OSError as exc:
        if exc.errno in _NO_ROOM:  # the engine's copy did not fit: a full disk, a size limit
            raise InputError("WORKBOOK", str(package.path or name), "could not be calculated: its "
                             f"working copy could not be written ({exc.strerror}); it is unchanged") from None
        raise
    except Exception as exc:  # the engine's own failure: no cell gets an error it caused
        why = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
        return CalcResult({}, cells, [], [f"the headless engine could not evaluate this book ({why}); "
                                          f"every formula cell ({len(cells)}) keeps the value Excel "
                                          "computed last"])
    by_key = {k.upper(): v for k, v in solution.items()}
    values: dict[tuple[str, str], Any] = {}
    kept: list[str] = []
    for c, target in zip(cells, targets, strict=True):
        ranges = by_key.get(target.upper())
        grid = np.atleast_2d(np.asarray(getattr(ranges, "value", ranges), dtype=object))
        first = _cached(grid[0, 0]) if grid.size else None
        if ranges is None or (str(first) in _ENGINE_ERRORS and not is_error_value(c.cached)):
            # an error of the engine's making (a function it lacks, a reference it could not
            # load), not of the book's: the cell keeps what Excel computed last
            lacking = sorted(n.removeprefix("_XLFN.") for n in _function_names(c.formula) if n in missing)
            why = (f"{', '.join(lacking)} {'is' if len(lacking) == 1 else 'are'} not available headless"
                   if lacking else "the headless engine cannot compute it" if ranges is None or
                   str(first) == "#REF!" else "it is computed from a cell the headless engine cannot compute")
            what = f"kept the value Excel computed last ({c.cached!r})" if c.cached is not None else \
                "left it without a value"
            kept.append(f"{quote_sheet(c.sheet)}!{c.ref}: {why}; {what}")
            continue
        refs = _cells_of(c.array_ref or c.ref)
        for i, row in enumerate(refs):
            for j, ref in enumerate(row):
                v = grid[i, j] if i < grid.shape[0] and j < grid.shape[1] else grid[0, 0]
                values[(c.sheet, ref)] = _cached(v)
    return CalcResult(values, cells, list(_overflow), kept)


def evaluate_formulas(path: str | Path, cells: list[FormulaCell] | None = None,
                      progress: Progress | None = None) -> CalcResult:
    """Evaluate every formula of the workbook at ``path``; nothing is written."""
    from xlfidx.excel.package import Package

    return evaluate_package(Package.open(path), Path(path).name, cells, progress)


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
    import numpy as np
    import schedula as sh

    if v is sh.EMPTY or v is None:
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and v != v:
        return "#NUM!"
    return v


# ---------------------------------------------------------------------------------------------
# writing cached values into the file

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
_METADATA_PART = "xl/metadata.xml"
_METADATA_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml"
_METADATA_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sheetMetadata"


def _cell_xml(ref: str, old: str | None, value: Any, dynamic: bool) -> str:
    attrs = _attrs(old) if old else {}
    f = _F.search(old) if old else None
    keep = {k: html.escape(v) for k, v in attrs.items() if k in ("s", "cm", "vm", "ph")}
    out = {"r": ref, **keep}
    body = ""
    if isinstance(value, bool):
        out["t"], body = "b", f"<v>{int(value)}</v>"
    elif isinstance(value, int | float):
        body = f"<v>{repr(float(value)) if isinstance(value, float) else value}</v>"
    elif type(value).__name__ == "XlError" or (isinstance(value, str) and value in _ERROR_CODES):
        out["t"], body = "e", f"<v>{html.escape(str(value), quote=False)}</v>"
    elif isinstance(value, str):
        # a formula's text result, in its own cell or spilled into the cells of its array:
        # Excel writes both as t="str" with the text in <v> (an inline string would be a typed
        # constant, and a viewer would not show it as part of the array)
        out["t"], body = "str", f"<v>{html.escape(value, quote=False)}</v>"
    elif value is not None:
        out["t"], body = "str", f"<v>{html.escape(str(value), quote=False)}</v>"
    if dynamic:
        out.setdefault("cm", "1")
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
    xml = xml[: m.start()] + f"<sheetData>{body}</sheetData>" + xml[m.end():]
    used = [(r, c) for r, (_, cells) in rows.items() for c in cells]
    return _dimension(xml, used) if used else xml


def _dimension(xml: str, used: list[tuple[int, int]]) -> str:
    """The sheet's ``<dimension ref>`` made to cover every cell (a viewer reads no cell outside
    it: the spilled cells of an array would not show)."""
    rows = [r for r, _ in used]
    cols = [c for _, c in used]
    m = re.search(r'<((?:\w+:)?)dimension\b[^>]*\bref="([^"]*)"[^>]*/>', xml)
    if m is not None:
        for ref in m.group(2).split(":"):
            try:
                r, c = _split_ref(ref)
            except InputError:
                continue
            rows.append(r)
            cols.append(c)
    ref = f"{_column(min(cols))}{min(rows)}:{_column(max(cols))}{max(rows)}"
    if m is not None:
        return xml[: m.start()] + f'<{m.group(1)}dimension ref="{ref}"/>' + xml[m.end():]
    # none yet: its place is after sheetPr, before everything else
    at = re.search(r"<(?:\w+:)?sheetPr\b[^>]*?(?:/>|>.*?</(?:\w+:)?sheetPr>)", xml, re.S) or \
        re.search(r"<(?:\w+:)?worksheet\b[^>]*>", xml)
    if at is None:
        return xml
    return xml[: at.end()] + f'<dimension ref="{ref}"/>' + xml[at.end():]


# Excel's calculation-engine id of Excel 2019 and Microsoft 365: a book saved with an older id
# (or with fullCalcOnLoad) is recalculated in full when it opens, so every function cell shows
# #NAME? until the functions are loaded, and the cached results are never seen.
EXCEL_CALC_ID = 191029


def mark_calculated(package: Any) -> None:
    """Say in ``xl/workbook.xml`` that the cached values are current: no ``fullCalcOnLoad``,
    the calculation-engine id of current Excel. Only the ``<calcPr>`` element is touched."""
    from xlfidx.excel.package import WORKBOOK

    wb = package.text(WORKBOOK)
    m = re.search(r"<((?:\w+:)?)calcPr\b([^>]*?)(/?)>", wb)
    if m is None:
        return
    a = re.sub(r'\s+fullCalcOnLoad="[^"]*"', "", m.group(2))
    ids = re.search(r'\bcalcId="(\d+)"', a)
    if ids is None:
        a = f' calcId="{EXCEL_CALC_ID}"' + a
    elif int(ids.group(1)) < EXCEL_CALC_ID:
        a = a.replace(ids.group(0), f'calcId="{EXCEL_CALC_ID}"')
    tag = f"<{m.group(1)}calcPr{a}{m.group(3)}>"
    if tag != m.group(0):
        package.write(WORKBOOK, wb[: m.start()] + tag + wb[m.end():])


def put_cached_values(package: Any, values: dict[tuple[str, str], Any],
                      dynamic: Iterable[tuple[str, str]] = ()) -> None:
    """Store ``values[(sheet, "B2")]`` as cached results in ``package``'s sheet XML.

    ``dynamic`` names the anchor cells of array formulas to mark as dynamic (spilling) arrays.
    """
    from xlfidx.excel.package import WORKBOOK

    paths = package.sheets()
    by_part: dict[str, dict[str, Any]] = {}
    dyn_part: dict[str, set[str]] = {}
    for (sheet, ref), v in values.items():
        by_part.setdefault(paths[sheet], {})[ref] = v
    dynamic = list(dynamic)
    for sheet, ref in dynamic:
        dyn_part.setdefault(paths[sheet], set()).add(ref)
    for part, cells in by_part.items():
        package.write(part, _patch_sheet(package.text(part), cells, dyn_part.get(part, set())))
    if dynamic and _METADATA_PART not in package:
        package.write(_METADATA_PART, _METADATA)
        package.add_override(_METADATA_PART, _METADATA_CT)
        package.add_rel(WORKBOOK, _METADATA_REL, _METADATA_PART)


def write_cached_values(
    path: str | Path,
    values: dict[tuple[str, str], Any],
    dynamic: Iterable[tuple[str, str]] = (),
    out: str | Path | None = None,
) -> Path:
    """Store ``values[(sheet, "B2")]`` as cached results in the file; other parts are untouched."""
    from xlfidx.excel.package import Package

    package = Package.open(path)
    put_cached_values(package, values, dynamic)
    return package.save(Path(out) if out is not None else Path(path))


def calc_package(package: Any, name: str, progress: Progress | None = None) -> CalcResult:
    """Evaluate every formula of ``package`` (a book called ``name``) and store the results in it."""
    say = progress or (lambda message: None)
    result = evaluate_package(package, name, progress=say)
    if result.values:
        from xlfidx.excel.udfs import UDFS

        dynamic = [(c.sheet, c.ref) for c in result.formulas
                   if c.array_ref and (c.sheet, c.ref) in result.values
                   and any(f"{n}(" in c.formula.upper() for n in UDFS)]
        say(f"calc: storing {len(result.values)} values")
        put_cached_values(package, result.values, dynamic)
        mark_calculated(package)  # the book opens showing these values
    return result


def calc_workbook(path: str | Path, out: str | Path | None = None,
                  progress: Progress | None = None) -> CalcResult:
    """Evaluate every formula of a workbook and store the results as cached values.

    ``out`` defaults to writing the workbook in place (in one atomic step). Returns the computed
    values, so that a caller (or a test) can compare them with the core.
    """
    from xlfidx.excel.package import Package

    path = Path(path)
    package = Package.open(path)
    result = calc_package(package, path.name, progress)
    dst = Path(out) if out is not None else path
    if package.changed or dst.resolve() != path.resolve():
        package.save(dst)
    return result
