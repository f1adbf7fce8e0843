"""Text stays text: a value read from an input is written as a string cell, never as a formula.

openpyxl stores any string that starts with ``=`` as a formula, and Excel (through xlwings)
evaluates any text that starts with ``=``, ``+``, ``-`` or ``@`` typed into a cell: a ticker cell
holding ``=HYPERLINK("http://x","y")`` or the DDE payload ``=cmd|' /C calc'!A0`` would become a
live formula in a book xlfidx writes. Every writer that copies text from an input passes it here.

>>> excel_text("=cmd|' /C calc'!A0")
"'=cmd|' /C calc'!A0"
>>> excel_text("T 4.5 08/15/39 Govt")
'T 4.5 08/15/39 Govt'
"""

from __future__ import annotations

from typing import Any

__all__ = ["FORMULA_STARTS", "excel_text", "keep_text"]

# what Excel reads as the start of a formula when the text is typed into a cell
FORMULA_STARTS = ("=", "+", "-", "@")


def keep_text(ws: Any) -> None:
    """Make every cell of the openpyxl worksheet ``ws`` that openpyxl took for a formula (a
    string starting with ``=``) a string cell again: for a sheet that holds only copied values."""
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "f" and isinstance(cell.value, str):
                cell.data_type = "s"


def excel_text(value: Any) -> Any:
    """``value`` as it must be typed into Excel (xlwings' ``range.value``) to stay text: a
    string Excel would evaluate gets Excel's own text prefix, an apostrophe, which the cell
    does not show."""
    if isinstance(value, str) and value.lstrip().startswith(FORMULA_STARTS) and value.strip() not in ("-", "+"):
        return "'" + value
    return value
