"""How a book looks at 100% zoom: each cell's text as Excel shows it, and whether it fits.

``shown(value, number_format)`` writes a value as Excel displays it under the number formats
xlfidx's books use (General, ``0.00``, ``#,##0``, ``0.0%``, ``yyyy-mm-dd``, ``@``, ...).

The width rule, in Excel's character units (the width of a digit of the default font): a cell
needs ``len(text) + 1`` (bold text ``1.1 · len(text) + 1``), the one for the cell's padding.
A number that does not fit shows ``###``; a text that does not fit is cut at the next cell
unless the cells to its right are empty (then Excel lets it run on), so a text with room to
its right passes. General shows at most 11 characters of a number (Excel's rule), so a
General number passes with any width of 12 or more, but a book's results carry a format of
their own (see ``general_numbers``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

DEFAULT_WIDTH = 8.43  # Excel's default column width (Calibri 11)
_DATE_TOKENS = re.compile(r"yyyy|yy|mmmm|mmm|mm|m|dd|d|hh|h|ss|s", re.IGNORECASE)


def _strip_literals(fmt: str) -> tuple[str, str, str]:
    """(prefix text, number part, suffix text) of one section of a number format."""
    prefix, suffix, core = "", "", ""
    i = 0
    seen_digit = False
    while i < len(fmt):
        ch = fmt[i]
        if ch == '"':
            j = fmt.index('"', i + 1)
            text = fmt[i + 1:j]
            if seen_digit:
                suffix += text
            else:
                prefix += text
            i = j + 1
            continue
        if ch == "\\" and i + 1 < len(fmt):
            if seen_digit:
                suffix += fmt[i + 1]
            else:
                prefix += fmt[i + 1]
            i += 2
            continue
        if ch in "_*":  # padding to a character's width: one space
            if seen_digit:
                suffix += " "
            else:
                prefix += " "
            i += 2
            continue
        if ch in "[":
            i = fmt.index("]", i) + 1
            continue
        if ch in "0#?.,%":
            seen_digit = True
            core += ch
        elif ch in " -+()$":
            if seen_digit:
                suffix += ch
            else:
                prefix += ch
        i += 1
    return prefix, core, suffix


def _general(x: float) -> str:
    """A number as Excel's General shows it: at most 11 characters."""
    if x == int(x) and abs(x) < 1e11:
        return str(int(x))
    for digits in range(10, 0, -1):
        text = f"{x:.{digits}g}"
        if "e" in text:
            mantissa, exp = text.split("e")
            text = f"{mantissa}E{int(exp):+03d}"
        if len(text) <= 11:
            return text
    return f"{x:.1E}"


def is_date_format(fmt: str) -> bool:
    plain = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", fmt or "")
    return bool(re.search(r"[yd]", plain, re.IGNORECASE)) or plain.lower() in ("mmm yy", "mmm-yy")


def _date(value: dt.date | dt.datetime, fmt: str) -> str:
    month_names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    out = []
    tokens = _DATE_TOKENS.split(fmt)
    found = _DATE_TOKENS.findall(fmt)
    after_hour = False
    for lit, tok in zip(tokens, [*found, ""], strict=True):
        out.append(lit.replace('"', "").replace("\\", ""))
        t = tok.lower()
        if not t:
            continue
        if t == "yyyy":
            out.append(f"{value.year:04d}")
        elif t == "yy":
            out.append(f"{value.year % 100:02d}")
        elif t == "mmmm":
            out.append(value.strftime("%B"))
        elif t == "mmm":
            out.append(month_names[value.month - 1])
        elif t in ("mm", "m"):
            if after_hour:
                out.append(f"{value.minute:02d}" if t == "mm" else str(value.minute))
            else:
                out.append(f"{value.month:02d}" if t == "mm" else str(value.month))
        elif t in ("dd", "d"):
            out.append(f"{value.day:02d}" if t == "dd" else str(value.day))
        elif t in ("hh", "h"):
            out.append(f"{value.hour:02d}" if t == "hh" else str(value.hour))
            after_hour = True
            continue
        elif t in ("ss", "s"):
            out.append(f"{value.second:02d}")
        after_hour = False
    return "".join(out)


def shown(value, fmt: str | None) -> str:
    """``value`` as Excel displays it under number format ``fmt``.

    >>> shown(129.4310192426, "General"), shown(129.4310192426, "0.00"), shown(0.0345, "0.00%")
    ('129.4310192', '129.43', '3.45%')
    >>> shown(dt.datetime(2023, 11, 22), "yyyy-mm-dd"), shown(-0.004, "0.00"), shown(1234567, "#,##0")
    ('2023-11-22', '-0.00', '1,234,567')
    """
    fmt = fmt or "General"
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime | dt.date):
        if is_date_format(fmt):
            return _date(value, fmt)
        return _date(value, "yyyy-mm-dd")  # a date without a date format: shown as a serial
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, str):
        return value
    x = float(value)
    if not math.isfinite(x):
        return "#NUM!"
    if fmt == "General" or fmt == "@":
        return _general(x)
    sections = fmt.split(";")
    if x < 0 and len(sections) > 1:
        section, sign = sections[1], ""
        x = -x
    elif x == 0 and len(sections) > 2:
        section, sign = sections[2], ""
    else:
        section, sign = sections[0], "-" if x < 0 else ""
        x = abs(x)
    prefix, core, suffix = _strip_literals(section)
    if not core:
        return prefix + suffix
    if "%" in core:
        x *= 100
        suffix = "%" + suffix
    places = len(core.split(".")[1].replace("%", "").replace(",", "")) if "." in core else 0
    body = f"{x:,.{places}f}" if "," in core.split(".")[0] else f"{x:.{places}f}"
    if core.split(".")[0].replace(",", "").startswith("#") and body.startswith("0") and x < 1 and places:
        body = body[1:]  # "#.00" shows .50
    return f"{sign}{prefix}{body}{suffix}"


def column_widths(ws) -> dict[int, float]:
    """Each column's width (1-based index), from the sheet's <col> ranges; default elsewhere."""
    default = ws.sheet_format.defaultColWidth or DEFAULT_WIDTH
    widths: dict[int, float] = {}
    for dim in ws.column_dimensions.values():
        if dim.width and dim.min and dim.max and (dim.customWidth or dim.width):
            for c in range(dim.min, dim.max + 1):
                widths[c] = float(dim.width)
    return {"default": default, **widths}  # type: ignore[dict-item]


def _needed(text: str, bold: bool) -> float:
    longest = max((len(line) for line in text.split("\n")), default=0)
    return (1.1 if bold else 1.0) * longest + 1.0


def problems(path: str | Path, sheets: list[str] | None = None) -> list[str]:
    """Every cell of the book (cached values) whose text does not fit its column at 100%."""
    wb = load_workbook(path, data_only=True)
    out = []
    for ws in wb.worksheets:
        if sheets is not None and ws.title not in sheets:
            continue
        if ws.sheet_state != "visible":
            continue
        widths = column_widths(ws)
        merged = {c for r in ws.merged_cells.ranges for row in r.cells for c in [row]}
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None or (cell.row, cell.column) in merged:
                    continue
                if cell.alignment is not None and (cell.alignment.wrap_text or cell.alignment.shrink_to_fit):
                    continue
                text = shown(cell.value, cell.number_format)
                width = widths.get(cell.column, widths["default"])
                bold = bool(cell.font and cell.font.b)
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    continue  # a formula without a stored result: nothing to show yet
                need = _needed(text, bold)
                if need <= width:
                    continue
                if isinstance(cell.value, str) and _room_to_the_right(ws, cell, widths, need - width):
                    continue
                out.append(f"{ws.title}!{cell.coordinate}: {text!r} needs {need:.1f}, "
                           f"column {get_column_letter(cell.column)} is {width:g}")
    return out


def _room_to_the_right(ws, cell, widths, extra: float) -> bool:
    """A text may run on into empty cells to its right (not into a filled one)."""
    col = cell.column + 1
    while extra > 0:
        if col > 16384:
            return True
        if ws.cell(cell.row, col).value is not None:
            return False
        extra -= widths.get(col, widths["default"])
        col += 1
    return True


def general_numbers(path: str | Path, sheets: list[str]) -> list[str]:
    """Cells of ``sheets`` holding a fractional number under General: digits Excel shows as
    they fall (``129.4310192``), where a result needs a format of its own."""
    wb = load_workbook(path, data_only=True)
    out = []
    for name in sheets:
        ws = wb[name]
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if isinstance(v, float) and not v.is_integer() and cell.number_format == "General":
                    out.append(f"{name}!{cell.coordinate}: {v!r}")
    return out


def decimals_per_column(path: str | Path, sheet: str, first_row: int = 1) -> list[str]:
    """Columns of each table of ``sheet`` whose numbers are shown with more than one number of
    decimals. A table is a block of rows, separated by an empty row, with a row of three cells or
    more (its header); a list of labels and values is not a table."""
    wb = load_workbook(path, data_only=True)
    ws = wb[sheet]
    out: list[str] = []
    places: dict[int, set[int]] = {}
    start = first_row
    table = [False]

    def close(end: int) -> None:
        if table[0]:
            out.extend(f"{sheet}!{get_column_letter(c)}{start}:{get_column_letter(c)}{end}: "
                       f"{sorted(p)} decimals" for c, p in places.items() if len(p) > 1)
        places.clear()

    for row in ws.iter_rows(min_row=first_row):
        filled = sum(cell.value is not None for cell in row)
        if not filled:
            close(row[0].row - 1)
            start = row[0].row + 1
            continue
        if row[0].row == start:
            table[0] = False
        table[0] = table[0] or filled >= 3
        for cell in row:
            if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                text = shown(cell.value, cell.number_format)
                places.setdefault(cell.column, set()).add(len(text.split(".")[1]) if "." in text else 0)
    close(ws.max_row)
    return out
