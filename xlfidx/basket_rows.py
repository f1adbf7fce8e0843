"""Which rows of a deliverable basket can be computed, and what is wrong with the others.

A basket is a table of bonds (``coupon``, ``maturity``, ``price``, optionally ``ticker``,
``cf`` and ``problem``). A row is computed when its cells read as a price above zero, a coupon
of 0 to 100% and a maturity after delivery within the contract's deliverable window (and a
conversion factor above zero where one is given); any other row stays in the table with its
``problem`` and the other rows are computed without it. Two rows with one ticker are both
computed, named apart by their rows (``91282CKW Govt (row 12)``).

Each message names the cell: ``bonds!C11`` where the table was read from a sheet (the reader
puts the sheet, its first row and each field's column in ``bonds.attrs["cells"]``), else the
row of the table (``row 3``, the first row under the header being ``row 1``).

>>> import pandas as pd
>>> b = pd.DataFrame({"ticker": ["A", "B", "A"], "coupon": [4.5, -3.5, 4.625],
...                   "maturity": ["2039-08-15", "2039-02-15", "2023-12-15"],
...                   "price": [98.6641, 88.1406, 99.8]})
>>> rows = check_rows(b, "USZ23", "2023-11-22")
>>> rows.table["ticker"].tolist()
['A (row 1)', 'B', 'A (row 3)']
>>> rows.table["problem"].tolist()[1:]
['row 2: coupon = -3.5 is negative; coupon must not be negative', 'row 3: maturity = 2023-12-15 is not after delivery 2023-12-29; the bond matures first']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from ._inputs import as_date, as_float, is_missing
from .bonds import as_coupon
from .errors import InputError, describe_value
from .futures import _check_deliverable, is_deliverable, last_delivery_day, resolve_contract
from .quotes import as_price

__all__ = ["check_rows", "CheckedRows", "SheetCells", "cell_name"]

# the analytics' fields a row needs, each with the check of one cell (name: the header shown)
_CHECKS = {
    "price": lambda v, name: as_price(v, name),
    "coupon": lambda v, name: as_coupon(v, name),
    "maturity": lambda v, name: as_date(v, name),
    "cf": lambda v, name: as_float(v, name, positive=True, allow_missing=True,
                                   what="a conversion factor"),
}
_PLAIN_SHEET = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_CELL_LIKE = re.compile(r"[A-Za-z]{1,3}\d+")


def cell_name(sheet: str | None, column: str, row: int) -> str:
    """A cell as Excel names it (``bonds!C11``, ``'my bonds'!C11``); without a sheet, the row
    of the table (``row 11``).

    >>> cell_name("bonds", "C", 11), cell_name("Bob's bonds", "C", 11), cell_name(None, "C", 3)
    ('bonds!C11', "'Bob''s bonds'!C11", 'row 3')
    """
    if sheet is None:
        return f"row {row}"
    return f"{_quoted(sheet)}!{column}{row}"


@lru_cache(maxsize=64)
def _quoted(sheet: str) -> str:
    """The sheet's name as a reference writes it: quoted where it is not a plain name (spaces,
    quotes, or a name that reads as a cell such as ``AB12``)."""
    plain = _PLAIN_SHEET.fullmatch(sheet) and not _CELL_LIKE.fullmatch(sheet)
    return sheet if plain else "'" + sheet.replace("'", "''") + "'"


@dataclass(frozen=True)
class CheckedRows:
    """A basket's rows checked: ``table`` is the bonds with ``ticker`` named apart where two
    rows share one and ``problem`` filled for every row that cannot be computed; ``ok`` marks
    the rows to compute; ``notes`` says what was done, one line per row or pair of rows."""

    table: Any              # pandas.DataFrame, the rows in the basket's order
    ok: np.ndarray
    notes: tuple[str, ...]
    cells: tuple[str, ...] = ()  # each row's ticker cell (``bonds!A5``), or its row (``row 5``)


@dataclass(frozen=True)
class SheetCells:
    """Where a table read from a sheet sits (``bonds.attrs["cells"]``): the sheet (None for a
    table that is not a sheet's), the row number of its first row under the header, and each
    field's column letter and header as shown (``("coupon", ("C", "cpn"))``). Immutable, so a
    copy of the table shares it (pandas copies ``attrs`` with every operation)."""

    sheet: str | None
    first_row: int
    columns: tuple[tuple[str, tuple[str, str]], ...]

    def __deepcopy__(self, memo: dict) -> SheetCells:
        return self


class _Where:
    """Each row's number and each field's cell, from the reader's ``attrs["cells"]``."""

    def __init__(self, bonds: Any):
        cells = bonds.attrs.get("cells") if hasattr(bonds, "attrs") else None
        self.sheet: str | None = None
        self.columns: dict[str, tuple[str, str]] = {}
        if isinstance(cells, SheetCells):
            self.sheet = cells.sheet
            self.columns = dict(cells.columns)
            self.rows = [int(label) + cells.first_row for label in bonds.index]
        else:
            self.rows = list(range(1, len(bonds) + 1))

    def shown(self, field: str) -> str:
        return self.columns.get(field, ("", field))[1]

    def cell(self, field: str, i: int) -> str:
        return cell_name(self.sheet, self.columns.get(field, ("", ""))[0], self.rows[i])


def _column(bonds: Any, name: str, n: int) -> np.ndarray:
    if name in bonds:
        return np.asarray(bonds[name], dtype=object).reshape(-1)
    return np.full(n, None, dtype=object)


def check_rows(bonds: Any, contract: Any, settle: Any, delivery: Any = None) -> CheckedRows:
    """Check every row of ``bonds`` for a DLV of ``contract`` settling on ``settle`` and
    delivered on ``delivery`` (the contract's last delivery day when None). A row whose
    ``problem`` is already set (a reader could not read it) stays as it is; each other row
    gets the problem of each bad cell. Market arguments that are bad for every row (a contract
    that is not one, a delivery not after settlement) are an :class:`InputError`, as in the
    DLV itself.
    """
    import pandas as pd

    table = pd.DataFrame(bonds).copy() if not isinstance(bonds, pd.DataFrame) else bonds.copy()
    for need in ("coupon", "maturity", "price"):
        if need not in table.columns:
            raise InputError("bonds", sorted(map(str, table.columns)), f"has no '{need}' column; "
                             "it needs coupon, maturity and price")
    n = len(table)
    where = _Where(table)
    given = table["problem"].fillna("").astype(str).to_numpy() if "problem" in table \
        else np.full(n, "", dtype=object)
    ticker = np.array(["" if is_missing(v) else str(v).strip()
                       for v in _column(table, "ticker", n)], dtype=object)
    problems: list[list[str]] = [[] for _ in range(n)]
    first_bad: list[tuple[str, str, Any, str] | None] = [None] * n  # cell, field, value, reason
    fresh = given == ""

    def flag(i: int, field: str, value: Any, reason: str) -> None:
        cell = where.cell(field, i)
        problems[i].append(f"{cell}: {where.shown(field)} = {describe_value(value)} {reason}")
        if first_bad[i] is None:
            first_bad[i] = (cell, where.shown(field), value, reason)

    # one cell at a time only where a whole column does not read: a basket is tens of rows
    values = {}
    for field, check in _CHECKS.items():
        if field == "cf" and field not in table:
            continue
        col = _column(table, field, n)
        good = col[fresh]
        try:
            check(good, where.shown(field))
            values[field] = col
            continue
        except InputError:
            pass
        for i in np.flatnonzero(fresh):
            try:
                check(col[i], where.shown(field))
            except InputError as exc:
                flag(i, field, col[i], exc.reason)
        values[field] = col
    ok = fresh & np.array([not p for p in problems], dtype=bool)

    s = as_date(settle, "settle").reshape(-1)[0]
    maturity = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    if ok.any():
        maturity[ok] = as_date(values["maturity"][ok], "maturity").reshape(-1)
    k = resolve_contract(contract, maturity[ok] if ok.any() else None, settle=s)
    T = as_date(delivery, "delivery").reshape(-1)[0] if delivery is not None else last_delivery_day(k)
    if T <= s:
        raise InputError("delivery", str(T), f"must be after settle {s}")
    rows_ok = np.flatnonzero(ok)
    window = np.asarray(is_deliverable(maturity[rows_ok], k), dtype=bool).reshape(-1)
    for i, in_window in zip(rows_ok, window, strict=True):
        m = maturity[i]
        if m <= T:
            flag(i, "maturity", m, f"is not after delivery {T}; the bond matures first")
        elif not in_window:
            try:
                _check_deliverable(k, np.asarray(m))
            except InputError as exc:
                flag(i, "maturity", m, exc.reason)
    ok = fresh & np.array([not p for p in problems], dtype=bool)

    notes: list[str] = []
    problem = given.copy()
    for i in np.flatnonzero(fresh & ~ok):
        problem[i] = "; ".join(problems[i])
        cell, field, value, reason = first_bad[i]  # type: ignore[misc]
        more = f" and {len(problems[i]) - 1} more" if len(problems[i]) > 1 else ""
        notes.append(f"{cell} ({ticker[i] or 'no ticker'}): {field} = {describe_value(value)} "
                     f"{reason}{more} (row not computed)")

    named = ticker.copy()
    seen: dict[str, list[int]] = {}
    for i, t in enumerate(ticker):
        if t:
            seen.setdefault(t, []).append(i)
    for t, rows in seen.items():
        if len(rows) < 2:
            continue
        for i in rows:
            named[i] = f"{t} (row {where.rows[i]})"
        cells = ", ".join(where.cell("ticker", i) for i in rows)
        notes.append(f"{cells}: ticker {t!r} appears {len(rows)} times; each row is kept, named "
                     f"apart by its row ({', '.join(repr(named[i]) for i in rows)})")

    table["problem"] = problem
    if "ticker" in table:
        table["ticker"] = named
    return CheckedRows(table, ok, tuple(notes), tuple(where.cell("ticker", i) for i in range(n)))
