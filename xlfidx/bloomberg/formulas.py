"""Bloomberg Excel formulas in a workbook: is the book filled with data yet?

A book made by ``xlfidx template`` holds the Bloomberg add-in's worksheet functions (``=BDP``
for one field, ``=BDS`` for a list, ``=BDH`` for a history). Until the add-in has filled them,
the book has no data: a formula written by xlfidx (or saved by Excel without the add-in) has no
value or ``#NAME?``, and one the add-in is still working on shows ``#N/A Requesting Data...``.
The readers call :func:`require_filled` as they open a workbook, so such a book gets one line
naming the sheet instead of a table of missing cells.

Excel saves an add-in function as ``_xll.BDP(...)``; both spellings are recognised.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError

__all__ = ["UnfilledCell", "bloomberg_function", "unfilled_cells", "require_filled"]

# The readers' layouts put every Bloomberg formula near the top of its sheet (BDP tables, the
# anchor cell of each BDS list and BDH block), so the check reads only this many rows: a filled
# 20-year history costs a few hundredths of a second instead of half a second.
MAX_ROWS = 100

_CALL = re.compile(r"(?:\b_xll\.)?\b(BD[PSH])\s*\(", re.IGNORECASE)
_PENDING_TEXT = "#N/A REQUESTING DATA"
# Excel's value for a function no add-in provides: the book was calculated without Bloomberg
_NO_ADDIN = {"#NAME?"}
# bytes that can only be in a book holding a Bloomberg formula or the add-in's waiting text
# (Excel writes function names in capitals; plain finds are ten times faster than a regex)
_RAW = (b"BDP(", b"BDS(", b"BDH(", b"bdp(", b"bds(", b"bdh(", b"Requesting Data")
# how much of each sheet's XML the quick look reads: the first rows' worth (see MAX_ROWS)
_RAW_BYTES = 1 << 19


@dataclass(frozen=True)
class UnfilledCell:
    """A cell without Bloomberg's data yet: its sheet, address, formula (if any) and value."""

    sheet: str
    cell: str
    formula: str | None
    value: Any

    def __str__(self) -> str:
        what = self.formula or ""
        if len(what) > 60:
            what = what[:57] + "..."
        shown = f" shows {self.value!r}" if isinstance(self.value, str) and self.value else ""
        return f"{self.cell} {what}{shown}".replace("  ", " ").strip()


def bloomberg_function(formula: Any) -> str | None:
    """The first Bloomberg function a formula calls (``BDP``, ``BDS``, ``BDH``), else None.

    >>> bloomberg_function('=_xll.BDP($A2&" Govt","PX_LAST")'), bloomberg_function("=A1+1")
    ('BDP', None)
    """
    if not isinstance(formula, str) or not formula.startswith("="):
        return None
    m = _CALL.search(formula)
    return m.group(1).upper() if m else None


def _might_hold_bloomberg(path: Path) -> bool:
    """A quick look at the raw sheets: most books (exports saved as values) stop here."""
    try:
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                if (name.startswith("xl/worksheets/") or name == "xl/sharedStrings.xml") \
                        and name.endswith(".xml"):
                    with z.open(name) as part:
                        head = part.read(_RAW_BYTES)
                    if any(head.find(raw) >= 0 for raw in _RAW):
                        return True
    except (zipfile.BadZipFile, OSError, KeyError):
        return False  # not an xlsx: the reader says what is wrong with it
    return False


def _pending(formula: str | None, value: Any) -> bool:
    if isinstance(value, str) and value.strip().upper().startswith(_PENDING_TEXT):
        return True
    if formula is None:
        return False
    return value is None or value == "" or (isinstance(value, str) and value.strip() in _NO_ADDIN)


def _bloomberg_formulas(path: Path, sheets: tuple[str, ...] | None,
                        max_rows: int) -> dict[str, dict[tuple[int, int], str]]:
    """The Bloomberg formulas of each wanted sheet, by (row, column), 1-based."""
    from openpyxl import load_workbook  # only books with Bloomberg formulas

    wanted = None if sheets is None else {s.strip().lower() for s in sheets}
    book = load_workbook(path, read_only=True)
    try:
        out: dict[str, dict[tuple[int, int], str]] = {}
        for ws in book.worksheets:
            if wanted is not None and ws.title.strip().lower() not in wanted:
                continue
            found = out.setdefault(ws.title, {})
            for row in ws.iter_rows(max_row=max_rows):
                for cell in row:
                    if getattr(cell, "data_type", None) == "f" and bloomberg_function(cell.value):
                        found[(cell.row, cell.column)] = cell.value
        return out
    finally:
        book.close()


def unfilled_cells(path: str | Path, sheets: tuple[str, ...] | None = None,
                   max_rows: int = MAX_ROWS) -> list[UnfilledCell]:
    """Cells of ``sheets`` (default: all) still waiting for Bloomberg, in sheet and row order.

    A cell counts when it calls BDP/BDS/BDH and has no value (or Excel's ``#NAME?``), or when
    it shows Bloomberg's ``#N/A Requesting Data...``. A workbook that cannot be opened gives an
    empty list: reading it is the reader's job.
    """
    path = Path(path)
    if not _might_hold_bloomberg(path):
        return []
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    try:
        formulas = _bloomberg_formulas(path, sheets, max_rows)
        # the values the formulas showed when the book was saved: openpyxl reads a book's
        # formulas or its values, so a second, read-only pass over the same rows
        book = load_workbook(path, read_only=True, data_only=True)
        try:
            values = {title: list(book[title].iter_rows(max_row=max_rows, values_only=True))
                      for title in formulas}
        finally:
            book.close()
    except Exception:  # openpyxl raises many types for a damaged book
        return []
    out: list[UnfilledCell] = []
    for title, cells in formulas.items():
        rows = values[title]

        def shown(r: int, c: int, _rows: list = rows) -> Any:
            return _rows[r - 1][c - 1] if r <= len(_rows) and c <= len(_rows[r - 1]) else None

        found = {}
        for (r, c), formula in cells.items():
            if _pending(formula, shown(r, c)):
                found[(r, c)] = formula
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if isinstance(value, str) and _pending(None, value):
                    found.setdefault((r, c), cells.get((r, c)))
        out.extend(UnfilledCell(title, f"{get_column_letter(c)}{r}", found[(r, c)], shown(r, c))
                   for r, c in sorted(found))
    return out


def require_filled(path: str | Path, argument: str = "FILE",
                   sheets: tuple[str, ...] | None = None) -> None:
    """Raise :class:`~xlfidx.errors.InputError` (one line, naming the sheet) for a book whose
    Bloomberg formulas have no data yet; return quietly otherwise.

    >>> from xlfidx.samples import sample_path
    >>> require_filled(sample_path("fut_bond_data_USZ3_2023-11-21.xlsx"))  # values: nothing to say
    """
    path = Path(path)
    cells = unfilled_cells(path, sheets)
    if not cells:
        return
    first = cells[0]
    n = sum(c.sheet == first.sheet for c in cells)
    others = list(dict.fromkeys(c.sheet for c in cells if c.sheet != first.sheet))
    also = f"; sheet{'s' if len(others) > 1 else ''} {', '.join(repr(s) for s in others)} too" \
        if others else ""
    raise InputError(
        argument, path.name,
        f"sheet {first.sheet!r} still holds unfilled Bloomberg formulas ({n} cell{'s' if n > 1 else ''}, "
        f"first {first}){also}; open it in Excel with the Bloomberg add-in, wait for the data to "
        "arrive, save it, then run again",
    )
