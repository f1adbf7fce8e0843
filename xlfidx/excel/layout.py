"""How the books xlfidx writes look at 100% zoom: number formats by what a cell holds, and
column widths that show every header and value in full (never ``###``, never a cut header).

Widths are in Excel's character units (the width of a digit of the default font, Calibri 11).
A cell needs the length of its text as shown, plus two for the cell's padding and a margin;
bold text is a tenth wider. A note longer than ``most`` characters does not widen its column:
it runs on into the empty cells to its right, as Excel shows it.

>>> shown_length(129.4310192426, "0.00"), shown_length(-0.004, "0.00"), shown_length(0.0345, "0.00%")
(6, 5, 5)
>>> widths([["contract", "futures price"], ["USZ3 Comdty", 115.96875]], {2: PRICE})
{1: 13.0, 2: 17.0}
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["DATE", "PRICE", "BASIS_32NDS", "PCT", "RATE", "BP", "YEARS", "DOLLARS", "INT", "TEXT",
           "FORMATS", "shown_length", "widths", "set_widths", "fit_sheet"]

# number formats by what a cell holds
DATE = "yyyy-mm-dd"
PRICE = "0.000000"        # points per 100: 1/256 = 0.00390625 shows as 0.003906
BASIS_32NDS = "0.0000"    # basis, carry in 32nds
PCT = "0.000"             # percentages and rates in percent (repo, probabilities)
RATE = "0.0000"           # yields and policy rates in percent
BP = "0.0"                # changes in basis points
YEARS = "0.00"            # durations, gaps in years
DOLLARS = "#,##0.00"      # DV01 in $ per bp
INT = "0"
TEXT = "@"
RATIO = "0.0000"          # conversion factors, hedge ratios, weights

# the columns of the tables the worksheet functions spill, by header, and of the exports
FORMATS: dict[str, str] = {
    # DLV (and the export's bonds sheet)
    "coupon": "0.000", "cpn": "0.000", "maturity": DATE, "price": PRICE, "px_last": PRICE,
    "yield": RATE, "accrued": PRICE, "int_acc": PRICE, "cf": RATIO, "conversion": RATIO,
    "gross_basis": PRICE, "gross_basis_32nds": BASIS_32NDS, "carry": PRICE,
    "carry_32nds": BASIS_32NDS, "fwd_price": PRICE, "net_basis": PRICE,
    "net_basis_32nds": BASIS_32NDS, "implied_repo": RATE, "dv01": DOLLARS,
    "hedge_ratio": RATIO, "duration": YEARS, "ctd": INT, "repo_reporate": PCT, "last_update_dt": DATE,
    "nxt_cpn_dt": DATE, "last_tradeable_dt": DATE, "fut_dlv_dt_last": DATE,
    "px_settle_last_dt": DATE, "open_int": "#,##0",
    # FEDPATH
    "meeting": DATE, "rate before %": RATE, "rate after %": RATE, "change (bp)": BP,
    "change vs spot (bp)": BP, "moves vs spot": "0.00", "move low (bp)": BP,
    "P(move low) %": PCT, "move high (bp)": BP, "P(move high) %": PCT,
    "P(cut vs today) %": PCT, "P(hold vs today) %": PCT, "P(hike vs today) %": PCT,
}


def shown_length(value: Any, number_format: str | None = None) -> int:
    """The number of characters Excel shows for ``value`` under ``number_format``."""
    fmt = number_format or "General"
    if value is None:
        return 0
    if isinstance(value, bool):
        return 5
    if isinstance(value, _dt.datetime | _dt.date):
        return 19 if "h" in fmt else 10
    if isinstance(value, str):
        return max((len(line) for line in value.split("\n")), default=0)
    try:
        x = float(value)
    except (TypeError, ValueError):
        return len(str(value))
    if not math.isfinite(x):
        return 6
    if fmt in ("General", TEXT):  # Excel's General shows at most 11 characters of a number
        return len(str(int(x))) if x.is_integer() and abs(x) < 1e11 else min(len(repr(x)), 11)
    core = fmt.split(";")[0]
    places = len(core.split(".")[1].rstrip("%")) if "." in core else 0
    if "%" in core:
        x *= 100
    text = f"{abs(x):,.{places}f}" if "," in core else f"{abs(x):.{places}f}"
    return len(text) + (x < 0) + ("%" in core)


def widths(rows: Iterable[Sequence[Any]], formats: Mapping[int, str] | None = None,
           bold_rows: Iterable[int] = (0,), most: int = 60, least: float = 8.43,
           first_col: int = 1) -> dict[int, float]:
    """The width each column needs to show ``rows`` (a table of values, header first) in full.

    ``formats`` maps a column (1-based, counted from ``first_col``) to its number format; rows in
    ``bold_rows`` (0-based) are bold. A text longer than ``most`` runs on to its right instead.
    """
    formats = formats or {}
    bold = set(bold_rows)
    out: dict[int, float] = {}
    for i, row in enumerate(rows):
        for j, value in enumerate(row, start=first_col):
            n = shown_length(value, formats.get(j))
            if not n or (isinstance(value, str) and n > most):
                continue
            need = math.ceil((1.1 if i in bold else 1.0) * n) + 2.0
            out[j] = max(out.get(j, least), need)
    return out


def set_widths(ws: Any, column_widths: Mapping[int, float], grow_only: bool = True) -> None:
    """Give the columns of an openpyxl sheet their widths (never narrower than now)."""
    from openpyxl.utils.cell import get_column_letter

    for col, w in column_widths.items():
        dim = ws.column_dimensions[get_column_letter(col)]
        current = dim.width if (dim.customWidth or dim.width) and grow_only else 0
        dim.width = max(w, current or 0)


def fit_sheet(ws: Any, most: int = 60, least: float = 8.43) -> None:
    """Columns of a written openpyxl sheet wide enough for every value it holds (formulas
    excepted: they have no value yet); bold cells count a tenth wider. A date at midnight is
    shown as a date (``yyyy-mm-dd``), not with a time of 00:00:00."""
    need: dict[int, float] = {}
    for row in ws.iter_rows():
        for cell in row:
            v = cell.value
            if v is None or (isinstance(v, str) and v.startswith("=")):
                continue
            if isinstance(v, _dt.datetime | _dt.date) and (
                    not isinstance(v, _dt.datetime) or v.time() == _dt.time()):
                cell.number_format = DATE
            n = shown_length(v, cell.number_format)
            if isinstance(v, str) and n > most:
                continue
            b = bool(cell.font and cell.font.b)
            need[cell.column] = max(need.get(cell.column, least), math.ceil((1.1 if b else 1.0) * n) + 2.0)
    set_widths(ws, need)
