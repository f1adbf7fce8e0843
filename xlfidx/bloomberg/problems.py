"""What a reader could not read: one record type for every Bloomberg reader.

A reader never turns a bad cell into a number: it keeps the row (or leaves it out) and records
the cell here, so that a table, a note line or a cell can say which row, which field, what value
and what was done about it.

>>> str(ReadProblem("91282CFV Govt", "basis_mid", "", "is missing", False))
'91282CFV Govt: basis_mid = (blank) is missing (read as missing)'
>>> str(ReadProblem("FFK5 Comdty", "px_last", "#N/A N/A", "is missing", True, sheet="2025-01-31",
...                 left_out="contract left out of the chain"))
"sheet '2025-01-31', FFK5 Comdty: px_last = '#N/A N/A' is missing (contract left out of the chain)"
>>> p = ReadProblem("91282CFF Govt", "px_last", "#N/A N/A", "is missing", True, cell="bonds!C6")
>>> str(p), p.text
("bonds!C6 (91282CFF Govt): px_last = '#N/A N/A' is missing (row not computed)", "bonds!C6: px_last = '#N/A N/A' is missing")
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import describe_value

__all__ = ["ReadProblem", "column_letter"]


@dataclass(frozen=True)
class ReadProblem:
    """One bad cell: the row's name (a bond's or contract's ticker), the field, the value, why
    it is bad, and whether the row was left out (``excluded``) or the cell read otherwise
    (``kept``: read as missing, or what a text date was read as); ``cell`` names the sheet's
    cell (``bonds!C11``) where the reader knows it."""

    ticker: str
    field: str
    value: Any
    reason: str
    excluded: bool
    sheet: str = ""
    left_out: str = "row not computed"  # what ``excluded`` means for this reader
    cell: str = ""
    kept: str = "read as missing"  # what was done with a cell that did not exclude its row

    def __deepcopy__(self, memo: dict) -> ReadProblem:
        return self  # a record of what was read: never changed, so a copy of a table shares it

    @property
    def text(self) -> str:
        """The cell, the field, the value and why: a row's ``problem`` text."""
        where = f"{self.cell}: " if self.cell else ""
        return f"{where}{self.field} = {describe_value(self.value)} {self.reason}"

    def __str__(self) -> str:
        what = self.left_out if self.excluded else self.kept
        where = f"sheet '{self.sheet}', " if self.sheet else ""
        name = f"{self.cell} ({self.ticker})" if self.cell else self.ticker
        return f"{where}{name}: {self.field} = {describe_value(self.value)} {self.reason} ({what})"


def column_letter(i: int) -> str:
    """Excel's name of the column at 0-based position ``i``, to point at a cell.

    >>> column_letter(0), column_letter(25), column_letter(26), column_letter(16383)
    ('A', 'Z', 'AA', 'XFD')
    """
    name = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        name = chr(65 + r) + name
    return name
