"""Write Bloomberg exports in their real layouts from the figures typed in ``published.py``.

The layouts are those of the real files: a header in row 1 (bold, with the first column's
labels bold too, as Bloomberg's export writes them), dates stored as datetimes, whole numbers
as integers, blank cells left empty (an empty text cell where the export has one), every column of the export kept (also the ones xlfidx
does not read). ``edits`` puts any other value in a cell, e.g. Bloomberg's ``#N/A N/A`` or a
blank, so a test can damage a copy of the real layout.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import published as pub
from openpyxl import Workbook
from openpyxl.styles import Font

NA = "#N/A N/A"  # what Bloomberg writes in a cell it has no value for
BOLD = Font(bold=True)


def _date(value: Any) -> Any:
    if isinstance(value, str) and len(value) == 10 and value[4] == value[7] == "-":
        return dt.datetime.fromisoformat(value)
    return value


def _sheet(wb: Workbook, title: str, header: Iterable[str], rows: Iterable[Iterable[Any]],
           date_columns: Iterable[str] = (), label_column: bool = True,
           date_format: str = "YYYY-MM-DD") -> None:
    ws = wb.create_sheet(title)
    header = list(header)
    dates = {header.index(c) for c in date_columns if c in header}
    for j, name in enumerate(header, start=1):
        ws.cell(1, j, name).font = BOLD
    for i, row in enumerate(rows, start=2):
        for j, value in enumerate(row, start=1):
            if j - 1 in dates:
                value = _date(value)
            if value is None:  # a blank cell stays empty, as in the export
                continue
            cell = ws.cell(i, j, value)
            if isinstance(value, dt.datetime):
                cell.number_format = date_format
            if j == 1 and label_column:
                cell.font = BOLD


def _edited(header: tuple[str, ...], rows: list[tuple], edits: Mapping[tuple[str, str], Any] | None
            ) -> list[list[Any]]:
    out = [list(r) for r in rows]
    for (label, field), value in (edits or {}).items():
        [row] = [r for r in out if r[0] == label]
        row[header.index(field)] = value
    return out


def write_basket_export(path: Path, edits: Mapping[tuple[str, str], Any] | None = None,
                        future_edits: Mapping[str, Any] | None = None) -> Path:
    """The TYZ4 basket export (sheets ``future``, ``bonds``). ``edits`` maps (ticker, field)
    of the ``bonds`` sheet to a new cell value; ``future_edits`` maps a ``future`` field."""
    wb = Workbook()
    wb.remove(wb.active)
    future = [(f, (future_edits or {}).get(f, v)) for f, v in pub.TYZ4_FUTURE]
    future = [(f, _date(v) if f in pub.TYZ4_DATE_FIELDS else v) for f, v in future]
    _sheet(wb, "future", ("field", pub.TYZ4_CONTRACT), future)
    _sheet(wb, "bonds", pub.TYZ4_BOND_FIELDS,
           _edited(pub.TYZ4_BOND_FIELDS, pub.TYZ4_BONDS, edits), pub.TYZ4_DATE_FIELDS)
    wb.save(path)
    return path


def write_fedfutures_export(path: Path, edits: Mapping[tuple[str, str, str], Any] | None = None
                            ) -> Path:
    """The Fed funds futures export priced 2025-01-31: a chain sheet per pricing date
    (``open_int`` only on the latest), ``fed funds`` (dates as text, as in the export) and
    ``fed meetings``. ``edits`` maps (sheet, ticker, field) of a chain to a new cell value."""
    wb = Workbook()
    wb.remove(wb.active)
    fields = ("ticker", "px_last", "last_tradeable_dt", "open_int")
    for date, rows in pub.FEDFUTURES_CHAINS.items():
        header = fields[: len(rows[0])]
        sheet_edits = {(t, f): v for (s, t, f), v in (edits or {}).items() if s == date}
        _sheet(wb, date, header, _edited(header, rows, sheet_edits), ["last_tradeable_dt"],
               date_format="yyyy\\-mm\\-dd")
    _sheet(wb, "fed funds", ("date", "fed funds rate"), pub.FEDFUTURES_SPOT)
    _sheet(wb, "fed meetings", ("meeting dates",), [(m,) for m in pub.FEDFUTURES_MEETINGS],
           ["meeting dates"], label_column=False, date_format="yyyy\\-mm\\-dd")
    wb.save(path)
    return path


HISTORY_FIELDS = ("PX_LAST", "CONVENTIONAL_CTD_FORWARD_FRSK", "FUT_EQV_CNVX_NOTL")


def history_workbook(n: int = 700, mbs_sheet: str = "MBS", contracts=("TU", "FV", "TY")) -> Workbook:
    """A tidy-layout history book (a date column, one column per ticker and field) of the first
    ``n`` days of the project's synthetic history, not yet saved: a test adds its own sheets."""
    from xlfidx.samples import mbs_history

    h = mbs_history.simulate()
    wb = Workbook()
    ws = wb.active
    ws.title = mbs_sheet
    ws.append(["Date", "LUMSTRUU", "LUMSMD", "LUMSOAS"])
    days = h["dates"][:n].astype(object)
    for i in range(n):
        ws.append([days[i], *(float(h["mbs"][k][i]) for k in mbs_history.MBS_TICKERS)])
    fs = wb.create_sheet("Futures")
    fs.append(["Date", *(f"{c}1 Comdty {f}" for c in contracts for f in HISTORY_FIELDS)])
    for i in range(n):
        fs.append([days[i], *(float(h["futures"][c][f][i]) for c in contracts
                              for f in HISTORY_FIELDS)])
    return wb
