"""Workbooks of Bloomberg Excel formulas that fill into the layouts the readers accept.

Each book holds only the Bloomberg add-in's worksheet functions (``=BDP`` one field, ``=BDS`` a
list, ``=BDH`` a history) with Bloomberg's field mnemonics, laid out so that once a terminal has
filled them and the book is saved, it is exactly what the matching reader reads:

- :func:`write_basket_template`: a Treasury futures contract and its deliverable basket, for
  :func:`~xlfidx.bloomberg.basket.read_basket_export` (``xlfidx dlv``);
- :func:`write_fedfutures_template`: the next 18 Fed funds futures of each pricing date, the
  effective rate and the FOMC calendar, for
  :func:`~xlfidx.bloomberg.fedfutures.read_fedfutures_export` (``xlfidx fedpath``);
- :func:`write_history_template`: the MBS index and the six roll-adjusted generic Treasury
  futures, daily, for :func:`~xlfidx.bloomberg.history.read_history` (``xlfidx backtest``);
- :func:`write_sofr_template`: the SR1 and SR3 SOFR futures of each pricing date beside the Fed
  funds chain, daily SOFR, the effective rate, the target range and the FOMC calendar, for
  :func:`~xlfidx.bloomberg.sofr.read_sofr_export` (``xlfidx sofrpath``).

Each has a ``notes`` sheet first that says how to fill it and which tickers and conventions it
uses. A book is written to a temporary file beside the target and moved into place; an existing
file is never replaced unless asked (it may be a filled book).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._files import atomic_write
from .._inputs import as_date
from ..errors import InputError

__all__ = [
    "write_basket_template",
    "write_fedfutures_template",
    "write_history_template",
    "write_sofr_template",
    "fed_tickers",
    "sofr_tickers",
    "BASKET_FUTURE_FIELDS",
    "BASKET_BOND_FIELDS",
    "MAX_DELIVERABLES",
    "FED_CONTRACTS",
    "SR1_CONTRACTS",
    "SR3_CONTRACTS",
    "ROLL_PRICE",
    "ROLL_ANALYTICS",
]

# the futures contract's fields and each deliverable's, as a basket export heads them
BASKET_FUTURE_FIELDS: tuple[str, ...] = (
    "last_update_dt", "px_last", "last_tradeable_dt", "fut_dlv_dt_last", "fut_ctd", "fut_ctd_px",
    "fut_ctd_gross_basis",
)
BASKET_BOND_FIELDS: tuple[str, ...] = (
    "last_update_dt", "px_last", "maturity", "cpn", "nxt_cpn_dt", "int_acc", "repo_reporate",
)
# BDS FUT_DELIVERABLE_BONDS returns two columns: the bond (ticker, coupon, maturity) and its
# conversion factor; BDP rows are laid out for this many bonds (a TU basket runs to about 25)
MAX_DELIVERABLES = 40
FED_CONTRACTS = 18
# SOFR futures asked for per pricing date: a year and a month of SR1, three years of SR3
SR1_CONTRACTS = 13
SR3_CONTRACTS = 12
# Bloomberg's generic-futures ticker syntax "<root>1 <roll>:<days>_<months>_<adjustment>":
# roll N = relative to first notice, 00 days and 0 months before it; adjustment R = ratio
# (backward, so each day's percentage change is the held contract's), N = none. The price comes
# from the ratio-adjusted series; the CTD duration and convexity from the same contract
# unadjusted, since an adjustment is meant for prices, not for risk figures.
ROLL_PRICE = "N:00_0_R"
ROLL_ANALYTICS = "N:00_0_N"

_DATE_FORMAT = "yyyy-mm-dd"
_SUFFIXES = {".xlsx"}


def _yyyymmdd(day: np.datetime64) -> str:
    return str(day).replace("-", "")


def _formula(function: str, *args: str) -> str:
    return f"={function}({','.join(args)})"


def _q(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _target(out: str | Path | None, default_name: str, overwrite: bool) -> Path:
    """Where to write: ``out`` as a folder (default: the current one) or as an ``.xlsx`` path."""
    if out is None:
        path = Path.cwd() / default_name
    else:
        out = Path(out)
        if out.suffix.lower() in _SUFFIXES:
            path = out
        elif out.suffix and not out.is_dir():
            raise InputError("--out", str(out), "must be a folder or an .xlsx file name")
        else:
            path = out / default_name
    if path.exists() and not overwrite:
        raise InputError("--out" if out is not None else "output file", str(path), "already exists (it may hold data a terminal filled); "
                         "choose another --out, or pass --force to replace it")
    return path


def _book():
    from openpyxl import Workbook  # only when a template is written

    wb = Workbook()
    wb.remove(wb.active)
    return wb


def _notes_sheet(wb, lines: Iterable[Any]) -> Any:
    """The ``notes`` sheet, first in the book: one line of text per row (pairs go in A and B)."""
    from openpyxl.styles import Font

    ws = wb.create_sheet("notes", 0)
    for line in lines:
        ws.append(list(line) if isinstance(line, tuple) else [line])
    from xlfidx.excel.cells import keep_text

    keep_text(ws)  # notes are text, whatever they start with
    ws["A1"].font = Font(bold=True)
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 14
    return ws


def _header(ws, names: Sequence[str], row: int = 1, col: int = 1) -> None:
    from openpyxl.styles import Font

    for j, name in enumerate(names):
        cell = ws.cell(row=row, column=col + j, value=name)
        cell.font = Font(name="Calibri", bold=True)


def _fit(wb) -> None:
    """Every header and label shown in full, and room in each column the add-in fills for what
    arrives there (a date, a price to 1/256), so that nothing shows as ``###``."""
    from xlfidx.excel.layout import fit_sheet, set_widths

    for ws in wb.worksheets:
        fit_sheet(ws)
        filled = {c.column for row in ws.iter_rows() for c in row
                  if isinstance(c.value, str) and c.value.startswith("=")}
        set_widths(ws, dict.fromkeys(filled, 13.0))


def _formats_by_field(ws, names: Sequence[str], col: int, rows: range) -> None:
    """Number formats for the fields the add-in fills, by field name (a price to 1/256, a coupon
    to 3 decimals, a factor to 4, a rate to 3), as the DLV shows them."""
    from xlfidx.excel.layout import DATE, FORMATS

    for j, name in enumerate(names, start=col):
        fmt = FORMATS.get(name.lower())
        if fmt is None or fmt == DATE:
            continue
        for r in rows:
            ws.cell(row=r, column=j).number_format = fmt


def _date_column(ws, col: int, first_row: int) -> None:
    """Show a column's cells as dates, the ones the add-in writes later included."""
    from openpyxl.utils import get_column_letter

    letter = get_column_letter(col)
    ws.column_dimensions[letter].number_format = _DATE_FORMAT
    ws.column_dimensions[letter].width = 12
    ws.cell(row=first_row, column=col).number_format = _DATE_FORMAT


def _howto(command: str, waiting: str) -> list[str]:
    return [
        "How to fill it:",
        "1. Open this book in Excel on a Bloomberg terminal, with the Bloomberg Excel add-in "
        "loaded (the Bloomberg tab shows in the ribbon).",
        f"2. Wait until every cell has data: {waiting} If cells stay empty or show '#N/A "
        "Requesting Data...', use Bloomberg > Refresh > Refresh Workbook.",
        "3. Save the book as .xlsx (File > Save). The formulas stay; the values they show are "
        "what xlfidx reads.",
        f"4. Run: {command}",
        "A book saved before the data arrived is refused with one line naming the sheet; "
        "nothing is computed from it.",
        "Every field is a Bloomberg mnemonic (FLDS <GO> on the terminal describes it). Tickers "
        "and dates sit in cells the formulas refer to: edit them and refresh to change them.",
    ]


def _made(what: str, today: _dt.date) -> str:
    return f"Made by `xlfidx template {what}` on {today.isoformat()}."


# ---------------------------------------------------------------------------------------------
# the deliverable basket of a Treasury futures contract
# ---------------------------------------------------------------------------------------------

def write_basket_template(contract: str, out: str | Path | None = None, *,
                          overwrite: bool = False, today: Any = None) -> Path:
    """Write a basket book for ``contract`` (``TYZ4``, ``TYZ24``, ``ZNZ4``): sheets ``notes``,
    ``future`` and ``bonds``; returns its path (default ``./fut_bond_data_TYZ4.xlsx``).

    ``future``: the contract's fields, one ``=BDP`` each, in the column headed by the
    contract's ticker. ``bonds``: ``=BDS(contract, "FUT_DELIVERABLE_BONDS")`` lists the
    deliverables and their conversion factors down columns A:B; each row's other fields are
    ``=BDP`` on that bond (its "ticker coupon maturity" plus `` Govt``). Rows past the end of
    the list show ``#N/A`` and are skipped by the reader.

    >>> import tempfile
    >>> p = write_basket_template("TYZ4", tempfile.mkdtemp())
    >>> import openpyxl; openpyxl.load_workbook(p)["bonds"]["A2"].value
    '=BDS(future!$B$1,"FUT_DELIVERABLE_BONDS","Headers=N")'
    """
    from ..futures import parse_contract
    from .basket import _DATE_FIELDS  # the fields the reader reads as dates

    parsed = parse_contract(contract)
    ticker = f"{parsed} Comdty"
    today = _today(today)
    path = _target(out, f"fut_bond_data_{parsed}.xlsx", overwrite)

    wb = _book()
    _notes_sheet(wb, [
        f"Bloomberg basket export of {ticker} for `xlfidx dlv` (sheets future and bonds).",
        _made(f"basket {parsed}", today),
        "",
        *_howto(f"xlfidx dlv {path.name}", "the bonds sheet lists the deliverable bonds with "
                "their prices, and the future sheet the contract's price."),
        "",
        "What the formulas ask for:",
        f"future!B1 holds the contract ({ticker}); column B asks BDP for each field in column A "
        "(Bloomberg mnemonics, e.g. PX_LAST is the futures price).",
        "bonds!A2 asks BDS for FUT_DELIVERABLE_BONDS: the deliverable bonds (ticker, coupon, "
        "maturity) and their conversion factors, down columns A and B.",
        f"Columns C on ask BDP for each bond's fields (security = the bond in column A & ' Govt'). "
        f"Rows are laid out for {MAX_DELIVERABLES} bonds; rows below the list show #N/A and are "
        "skipped.",
        "px_last is the bond's clean price, int_acc its accrued interest, repo_reporate the term "
        "repo rate (%) of the DLV screen, conversion the CME conversion factor.",
        "To price another contract, change future!B1 and refresh.",
    ])

    ws = wb.create_sheet("future")
    _header(ws, ["field", ticker])
    for i, name in enumerate(BASKET_FUTURE_FIELDS, start=2):
        ws.cell(row=i, column=1, value=name)
        cell = ws.cell(row=i, column=2, value=_formula("BDP", "$B$1", _q(name.upper())))
        if name in _DATE_FIELDS:
            cell.number_format = _DATE_FORMAT
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 18

    ws = wb.create_sheet("bonds")
    _header(ws, ["ticker", "conversion", *BASKET_BOND_FIELDS])
    ws["A2"] = _formula("BDS", "future!$B$1", _q("FUT_DELIVERABLE_BONDS"), _q("Headers=N"))
    for j, name in enumerate(BASKET_BOND_FIELDS, start=3):
        if name in _DATE_FIELDS:
            _date_column(ws, j, 2)
        for r in range(2, MAX_DELIVERABLES + 2):
            ws.cell(row=r, column=j, value=_formula("BDP", f'$A{r}&" Govt"', _q(name.upper())))
    ws.column_dimensions["A"].width = 22
    _formats_by_field(ws, ["conversion", *BASKET_BOND_FIELDS], 2, range(2, MAX_DELIVERABLES + 2))
    ws.freeze_panes = "B2"
    _fit(wb)
    with atomic_write(path) as tmp:
        wb.save(tmp)
    return path


# ---------------------------------------------------------------------------------------------
# Fed funds futures chains, the effective rate and the FOMC calendar
# ---------------------------------------------------------------------------------------------

def fed_tickers(pricing: Any, n: int = FED_CONTRACTS, today: Any = None) -> list[str]:
    """The ``n`` Fed funds futures after a pricing date's month, as Bloomberg names them.

    A contract still trading (its month not yet over on ``today``) has a one-digit year
    (``FFK5``); an expired one two digits (``FFK25``), as Bloomberg keeps expired contracts.

    >>> fed_tickers("2025-04-30", 3, today="2025-04-30")
    ['FFK5 Comdty', 'FFM5 Comdty', 'FFN5 Comdty']
    >>> fed_tickers("2024-07-29", 2, today="2025-01-31")
    ['FFQ24 Comdty', 'FFU24 Comdty']
    """
    from ..fedfunds import MONTH_CODES

    first = as_date(pricing, "date")[()].astype("datetime64[M]") + 1
    now = as_date(today if today is not None else _dt.date.today(), "today")[()].astype("datetime64[M]")
    out = []
    for month in first + np.arange(n):
        year = int(month.astype("datetime64[Y]").astype(int)) + 1970
        code = MONTH_CODES[int(month.astype(int)) % 12]
        digits = str(year % 10) if month >= now else f"{year % 100:02d}"
        out.append(f"FF{code}{digits} Comdty")
    return out


def write_fedfutures_template(dates: Sequence[Any] | None = None, out: str | Path | None = None, *,
                              overwrite: bool = False, today: Any = None,
                              contracts: int = FED_CONTRACTS) -> Path:
    """Write a Fed funds futures book: a chain sheet per pricing date (default: today), ``fed
    funds``, ``fed meetings`` and ``notes``; returns its path (default
    ``./fedfutures_<latest date>.xlsx``).

    Chain sheets (named by the date) list the next ``contracts`` contracts after the date's
    month; ``px_last`` and ``open_int`` are ``=BDH`` on that date (the close; on today, the
    latest), ``last_tradeable_dt`` is ``=BDP``. ``fed funds``: the effective rate
    (``FEDL01 Index``) and the target's upper bound (``FDTR Index``) on each date. ``fed
    meetings``: ``=BDS("FDTR Index", "ECO_FUTURE_RELEASE_DATE_LIST")``, the FOMC decision dates
    from the first pricing date to the end of the last contract's year.

    >>> import tempfile
    >>> p = write_fedfutures_template(["2025-01-31"], tempfile.mkdtemp(), today="2025-01-31")
    >>> import openpyxl; ws = openpyxl.load_workbook(p)["2025-01-31"]
    >>> ws["A2"].value, ws["B2"].value
    ('FFG5 Comdty', '=BDH($A2,"PX_LAST","20250131","20250131","Days=A","Fill=P","Dts=H")')
    """
    today = _today(today)
    now = np.datetime64(today, "D")
    days = sorted({as_date(d, "--date")[()] for d in (dates or [now])}, reverse=True)
    for d in days:
        if d > now:
            raise InputError("--date", str(d), f"is after today ({today}); Bloomberg has no "
                             "prices for it yet")
    if not 1 <= int(contracts) <= 60:
        raise InputError("contracts", contracts, "must be between 1 and 60")
    latest, earliest = days[0], days[-1]
    last_month = latest.astype("datetime64[M]") + int(contracts)
    end = np.datetime64(f"{int(last_month.astype('datetime64[Y]').astype(int)) + 1970}-12-31")
    path = _target(out, f"fedfutures_{latest}.xlsx", overwrite)
    date_list = ", ".join(str(d) for d in days)

    wb = _book()
    _notes_sheet(wb, [
        f"Bloomberg Fed funds futures export for `xlfidx fedpath`: pricing dates {date_list}.",
        _made("fedfutures " + " ".join(f"--date {d}" for d in days), today),
        "",
        *_howto(f"xlfidx fedpath {path.name}", "each date's sheet shows prices, the fed funds "
                "sheet the rates and the fed meetings sheet the FOMC dates."),
        "",
        "What the formulas ask for:",
        f"Each pricing-date sheet lists the {contracts} 30-day Fed funds futures after that "
        "date's month (CME, Bloomberg tickers FF<month><year> Comdty).",
        "px_last and open_int are BDH on the sheet's date with Days=A and Fill=P: that day's "
        "close, or the last one before it on a holiday. last_tradeable_dt is BDP.",
        "fed funds: FEDL01 Index is the effective fed funds rate (%), published the next "
        "morning, so a book filled on the pricing date shows the previous day's rate; FDTR "
        "Index is the upper bound of the target range (for reference, not read).",
        f"fed meetings: BDS of ECO_FUTURE_RELEASE_DATE_LIST on FDTR Index (the FOMC rate "
        f"decisions of Bloomberg's economic calendar) from {earliest} to {end}.",
        "If the calendar has no past meetings for an old pricing date, xlfidx adds the Federal "
        "Reserve's published dates for the months it lacks and says so.",
        "For another day, make a new book with --date (a sheet's name is its pricing date).",
    ])

    for d in days:
        ws = wb.create_sheet(str(d))
        _header(ws, ["ticker", "px_last", "last_tradeable_dt", "open_int"])
        when = _q(_yyyymmdd(d))
        hist = (_q("Days=A"), _q("Fill=P"), _q("Dts=H"))
        _date_column(ws, 3, 2)
        for r, ticker in enumerate(fed_tickers(d, contracts, today), start=2):
            ws.cell(row=r, column=1, value=ticker)
            ws.cell(row=r, column=2, value=_formula("BDH", f"$A{r}", _q("PX_LAST"), when, when, *hist))
            ws.cell(row=r, column=3, value=_formula("BDP", f"$A{r}", _q("LAST_TRADEABLE_DT")))
            ws.cell(row=r, column=4, value=_formula("BDH", f"$A{r}", _q("OPEN_INT"), when, when, *hist))
        ws.column_dimensions["A"].width = 14
        ws.column_dimensions["C"].width = 16

    ws = wb.create_sheet("fed funds")
    _header(ws, ["date", "fed funds rate", "target upper %"])
    _date_column(ws, 1, 2)
    for r, d in enumerate(days, start=2):
        when = _q(_yyyymmdd(d))
        ws.cell(row=r, column=1, value=d.astype(object)).number_format = _DATE_FORMAT
        for col, index in ((2, "FEDL01 Index"), (3, "FDTR Index")):
            ws.cell(row=r, column=col, value=_formula(
                "BDH", _q(index), _q("PX_LAST"), when, when, _q("Days=A"), _q("Fill=P"), _q("Dts=H")))
    ws.column_dimensions["B"].width = 14

    ws = wb.create_sheet("fed meetings")
    _header(ws, ["meeting dates"])
    _date_column(ws, 1, 2)
    ws.column_dimensions["A"].width = 20
    ws["A2"] = _formula("BDS", _q("FDTR Index"), _q("ECO_FUTURE_RELEASE_DATE_LIST"),
                        _q(f"START_DT={_yyyymmdd(earliest)}"), _q(f"END_DT={_yyyymmdd(end)}"),
                        _q("Headers=N"))
    _fit(wb)
    with atomic_write(path) as tmp:
        wb.save(tmp)
    return path


# ---------------------------------------------------------------------------------------------
# SOFR futures beside the Fed funds chain, daily SOFR and the target range
# ---------------------------------------------------------------------------------------------

def sofr_tickers(pricing: Any, sr1: int = SR1_CONTRACTS, sr3: int = SR3_CONTRACTS,
                 today: Any = None) -> list[str]:
    """The SOFR futures of a pricing date, as Bloomberg names them: ``sr1`` one-month contracts
    (``SER``) from the date's own month, then ``sr3`` three-month contracts (``SFR``, March,
    June, September, December) from the one whose quarter holds the date. Contracts in their
    period are listed: their fixings are part of the price.

    A contract still trading on ``today`` has a one-digit year, an expired one two digits.

    >>> sofr_tickers("2025-04-30", 2, 2, today="2025-04-30")
    ['SERJ5 Comdty', 'SERK5 Comdty', 'SFRH5 Comdty', 'SFRM5 Comdty']
    """
    from ..fedfunds import MONTH_CODES
    from ..sofr import reference_period

    day = as_date(pricing, "date")[()]
    now = as_date(today if today is not None else _dt.date.today(), "today")[()]

    def name(root: str, kind: str, month: np.datetime64) -> str:
        year = int(month.astype("datetime64[Y]").astype(int)) + 1970
        code = MONTH_CODES[int(month.astype(int)) % 12]
        live = reference_period(kind, month)[1] > now
        return f"{root}{code}{year % 10 if live else f'{year % 100:02d}'} Comdty"

    first = day.astype("datetime64[M]")
    out = [name("SER", "SR1", first + i) for i in range(int(sr1))]
    q = first - int(first.astype(int)) % 3 + 2  # the quarter month (Mar/Jun/Sep/Dec) ending it
    while reference_period("SR3", q)[0] > day:
        q -= 3
    while reference_period("SR3", q)[1] <= day:
        q += 3
    out += [name("SFR", "SR3", q + 3 * i) for i in range(int(sr3))]
    return out


def write_sofr_template(dates: Sequence[Any] | None = None, out: str | Path | None = None, *,
                        overwrite: bool = False, today: Any = None, sr1: int = SR1_CONTRACTS,
                        sr3: int = SR3_CONTRACTS, fed: int = FED_CONTRACTS) -> Path:
    """Write a SOFR futures book: a chain sheet per pricing date (default: today) with the SR1
    and SR3 contracts and the Fed funds contracts beside them, ``sofr`` (daily SOFR), ``fed
    funds`` (effective rate and target range), ``fed meetings`` and ``notes``; returns its path
    (default ``./sofr_<latest date>.xlsx``).

    Chain sheets (named by the date) list :func:`sofr_tickers` then :func:`fed_tickers`;
    ``px_last`` and ``open_int`` are ``=BDH`` on that date, ``last_tradeable_dt`` is ``=BDP``.
    ``sofr``: ``=BDH("SOFRRATE Index")`` daily, from a week before the first SR3 quarter under
    way to the latest date (the fixings of the contracts in their period, and the spot).
    ``fed funds``: ``FEDL01 Index`` and ``FDTR Index`` (the upper bound of the target range) on
    each date. ``fed meetings``: as in :func:`write_fedfutures_template`.

    >>> import tempfile
    >>> p = write_sofr_template(["2025-04-30"], tempfile.mkdtemp(), today="2025-04-30")
    >>> import openpyxl; wb = openpyxl.load_workbook(p)
    >>> wb["2025-04-30"]["A2"].value, wb["sofr"]["A2"].value
    ('SERJ5 Comdty', '=BDH("SOFRRATE Index","PX_LAST","20250312","20250430","Dir=V","Dts=S","Sort=A")')
    """
    from ..sofr import sofr_contract

    today = _today(today)
    now = np.datetime64(today, "D")
    days = sorted({as_date(d, "--date")[()] for d in (dates or [now])}, reverse=True)
    for d in days:
        if d > now:
            raise InputError("--date", str(d), f"is after today ({today}); Bloomberg has no "
                             "prices for it yet")
    for label, n, top in (("sr1", sr1, 60), ("sr3", sr3, 40), ("fed", fed, 60)):
        if not 0 <= int(n) <= top:
            raise InputError(label, n, f"must be between 0 and {top}")
    if int(sr1) + int(sr3) == 0:
        raise InputError("sr1", sr1, "and sr3 are both 0; ask for at least one SOFR contract")
    latest, earliest = days[0], days[-1]
    tickers = {d: sofr_tickers(d, sr1, sr3, today) for d in days}
    starts = [sofr_contract(t, d).start for d in days
              for t in tickers[d][:1] + tickers[d][int(sr1):int(sr1) + 1]]
    history_from = min(starts) - np.timedelta64(7, "D")
    last_month = latest.astype("datetime64[M]") + max(int(fed), 3 * int(sr3))
    end = np.datetime64(f"{int(last_month.astype('datetime64[Y]').astype(int)) + 1970}-12-31")
    path = _target(out, f"sofr_{latest}.xlsx", overwrite)
    date_list = ", ".join(str(d) for d in days)

    wb = _book()
    _notes_sheet(wb, [
        f"Bloomberg SOFR futures export for `xlfidx sofrpath`: pricing dates {date_list}.",
        _made("sofr " + " ".join(f"--date {d}" for d in days), today),
        "",
        *_howto(f"xlfidx sofrpath {path.name}", "each date's sheet shows prices, the sofr sheet "
                "daily rates, the fed funds sheet the rates and the fed meetings sheet the FOMC "
                "dates."),
        "",
        "What the formulas ask for:",
        f"Each pricing-date sheet lists {sr1} one-month SOFR futures (CME SR1, Bloomberg "
        f"SER<month><year> Comdty) from that date's month, {sr3} three-month SOFR futures (CME "
        "SR3, Bloomberg SFR<month><year> Comdty) from the one whose quarter holds the date, "
        f"then {fed} 30-day Fed funds futures for the Fed funds path beside the SOFR one.",
        "px_last and open_int are BDH on the sheet's date with Days=A and Fill=P: that day's "
        "close, or the last one before it on a holiday. last_tradeable_dt is BDP.",
        f"sofr: SOFRRATE Index (SOFR, %) daily from {history_from} to {latest}: the rates "
        "already fixed in the contracts under way, and SOFR on each pricing date (published the "
        "next morning: a book filled on the day shows the day before, which is then used).",
        "fed funds: FEDL01 Index is the effective fed funds rate (%), FDTR Index the upper "
        "bound of the target range, which the SOFR path's odds are measured from.",
        f"fed meetings: BDS of ECO_FUTURE_RELEASE_DATE_LIST on FDTR Index from {earliest} to {end}.",
        "For another day, make a new book with --date (a sheet's name is its pricing date).",
    ])

    hist = (_q("Days=A"), _q("Fill=P"), _q("Dts=H"))
    for d in days:
        ws = wb.create_sheet(str(d))
        _header(ws, ["ticker", "px_last", "last_tradeable_dt", "open_int"])
        when = _q(_yyyymmdd(d))
        _date_column(ws, 3, 2)
        rows = tickers[d] + (fed_tickers(d, fed, today) if int(fed) else [])
        for r, ticker in enumerate(rows, start=2):
            ws.cell(row=r, column=1, value=ticker)
            ws.cell(row=r, column=2, value=_formula("BDH", f"$A{r}", _q("PX_LAST"), when, when, *hist))
            ws.cell(row=r, column=3, value=_formula("BDP", f"$A{r}", _q("LAST_TRADEABLE_DT")))
            ws.cell(row=r, column=4, value=_formula("BDH", f"$A{r}", _q("OPEN_INT"), when, when, *hist))
        ws.column_dimensions["A"].width = 14
        ws.column_dimensions["C"].width = 16

    ws = wb.create_sheet("sofr")
    _header(ws, ["date", "SOFRRATE Index"])
    _date_column(ws, 1, 2)
    ws["A2"] = _formula("BDH", _q("SOFRRATE Index"), _q("PX_LAST"), _q(_yyyymmdd(history_from)),
                        _q(_yyyymmdd(latest)), _q("Dir=V"), _q("Dts=S"), _q("Sort=A"))
    ws.column_dimensions["B"].width = 16

    ws = wb.create_sheet("fed funds")
    _header(ws, ["date", "FEDL01 Index", "FDTR Index"])
    _date_column(ws, 1, 2)
    for r, d in enumerate(days, start=2):
        when = _q(_yyyymmdd(d))
        ws.cell(row=r, column=1, value=d.astype(object)).number_format = _DATE_FORMAT
        for col, index in ((2, "FEDL01 Index"), (3, "FDTR Index")):
            ws.cell(row=r, column=col, value=_formula(
                "BDH", _q(index), _q("PX_LAST"), when, when, *hist))
    ws.column_dimensions["B"].width = 14
    ws.column_dimensions["C"].width = 14

    ws = wb.create_sheet("fed meetings")
    _header(ws, ["meeting dates"])
    _date_column(ws, 1, 2)
    ws.column_dimensions["A"].width = 20
    ws["A2"] = _formula("BDS", _q("FDTR Index"), _q("ECO_FUTURE_RELEASE_DATE_LIST"),
                        _q(f"START_DT={_yyyymmdd(earliest)}"), _q(f"END_DT={_yyyymmdd(end)}"),
                        _q("Headers=N"))
    _fit(wb)
    with atomic_write(path) as tmp:
        wb.save(tmp)
    return path


# ---------------------------------------------------------------------------------------------
# the MBS hedge study's daily history
# ---------------------------------------------------------------------------------------------

def _bdh_blocks(ws, blocks: Sequence[tuple[str, Sequence[str]]], start_ref: str, end_ref: str) -> None:
    """Side-by-side BDH blocks: ticker row, field row (``Dates`` then the fields), and the
    formula in the first date cell; an empty column after each block."""
    from openpyxl.utils import get_column_letter

    col = 1
    for ticker, fields in blocks:
        ws.cell(row=1, column=col, value=ticker)
        _header(ws, ["Dates", *fields], row=2, col=col)
        first = get_column_letter(col + 1)
        last = get_column_letter(col + len(fields))
        field_ref = f"{first}$2" if first == last else f"{first}$2:{last}$2"
        ws.cell(row=3, column=col, value=_formula(
            "BDH", f"{get_column_letter(col)}$1", field_ref, start_ref, end_ref,
            _q("Dir=V"), _q("Dts=S"), _q("Sort=A")))
        _date_column(ws, col, 3)
        col += len(fields) + 2
    ws.freeze_panes = "A3"


def write_history_template(start: Any = "2004-01-02", end: Any = None,
                           out: str | Path | None = None, *, overwrite: bool = False,
                           today: Any = None) -> Path:
    """Write the MBS hedge study's history book: sheets ``notes``, ``MBS`` and ``Futures`` of
    ``=BDH`` blocks from ``start`` to ``end`` (default: today); returns its path (default
    ``./mbs_history_<start>_<end>.xlsx``).

    ``MBS``: ``LUMSTRUU Index`` (total-return level), ``LUMSMD Index`` (modified duration) and
    ``LUMSOAS Index`` (OAS), field ``PX_LAST``. ``Futures``: for each of TU, FV, TY, UXY, US and
    WN, the first generic rolled at first notice, ratio-adjusted for ``PX_LAST``
    (``TY1 N:00_0_R Comdty``) and unadjusted for ``CONVENTIONAL_CTD_FORWARD_FRSK`` and
    ``FUT_EQV_CNVX_NOTL`` (``TY1 N:00_0_N Comdty``). The dates sit in ``notes!B13:B14``.

    >>> import tempfile
    >>> p = write_history_template("2020-01-02", "2024-12-31", tempfile.mkdtemp())
    >>> import openpyxl; ws = openpyxl.load_workbook(p)["Futures"]
    >>> ws["A1"].value, ws["A3"].value
    ('TU1 N:00_0_R Comdty', '=BDH(A$1,B$2,notes!$B$13,notes!$B$14,"Dir=V","Dts=S","Sort=A")')
    """
    from .history import CONTRACTS, CONVEXITY, DURATION, MBS_SERIES, PRICE

    today = _today(today)
    first = as_date(start, "--start")[()]
    last = as_date(end if end is not None else today, "--end")[()]
    if last <= first:
        raise InputError("--end", str(last), f"is not after --start {first}")
    if last > np.datetime64(today, "D"):
        raise InputError("--end", str(last), f"is after today ({today})")
    path = _target(out, f"mbs_history_{first}_{last}.xlsx", overwrite)

    lines = [
        "Bloomberg daily history of the MBS index and Treasury futures for `xlfidx backtest`.",
        _made(f"history --start {first} --end {last}", today),
        "",
        *_howto(f"xlfidx backtest {path.name}", "every block of the MBS and Futures sheets "
                "shows dates and numbers down to the end date (a 20-year history takes a minute "
                "or two)."),
        "",
        "Date range (edit, then refresh):",
        ("start date", first.astype(object)),
        ("end date", last.astype(object)),
        "",
        "What the formulas ask for (BDH, daily, oldest first):",
        "MBS: LUMSTRUU Index (total-return level), LUMSMD Index (modified duration, years), "
        "LUMSOAS Index (OAS, bp), field PX_LAST.",
        "Futures: TU, FV, TY, UXY, US and WN, each as Bloomberg's first generic contract rolled "
        f"on first notice day ('{ROLL_PRICE[0]}:00_0' in the ticker).",
        f"PX_LAST comes from the ratio-adjusted series ('_R', e.g. TY1 {ROLL_PRICE} Comdty): past "
        "prices are scaled at each roll, so a day's percentage change is the held contract's, "
        "which is what the backtest earns. Rolls are not charged.",
        "CONVENTIONAL_CTD_FORWARD_FRSK (CTD duration, years) and FUT_EQV_CNVX_NOTL (CTD "
        f"convexity) come from the same contract unadjusted ('_N', e.g. TY1 {ROLL_ANALYTICS} "
        "Comdty): an adjustment is meant for prices, not risk figures.",
        "To roll differently (GFUT <GO> on the terminal lists the choices), edit the ticker cells "
        "in row 1 of the Futures sheet and refresh.",
        "UXY starts in 2016 and WN in 2010: their blocks are shorter, which the backtest allows.",
    ]
    wb = _book()
    notes = _notes_sheet(wb, lines)
    refs = []
    for label in ("start date", "end date"):
        row = next(i for i, line in enumerate(lines, start=1) if isinstance(line, tuple) and line[0] == label)
        notes.cell(row=row, column=2).number_format = _DATE_FORMAT
        refs.append(f"notes!$B${row}")
    start_ref, end_ref = refs

    _bdh_blocks(wb.create_sheet("MBS"), [(f"{name} Index", [PRICE]) for name in MBS_SERIES],
                start_ref, end_ref)
    blocks = []
    for c in CONTRACTS:
        blocks.append((f"{c}1 {ROLL_PRICE} Comdty", [PRICE]))
        blocks.append((f"{c}1 {ROLL_ANALYTICS} Comdty", [DURATION, CONVEXITY]))
    _bdh_blocks(wb.create_sheet("Futures"), blocks, start_ref, end_ref)
    _fit(wb)
    with atomic_write(path) as tmp:
        wb.save(tmp)
    return path


def _today(today: Any) -> _dt.date:
    if today is None:
        return _dt.date.today()
    return as_date(today, "today")[()].astype(object)
