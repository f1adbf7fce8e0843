"""Reader for a Bloomberg Fed funds futures export: chains per pricing date, spot, meetings.

Layout (as in ``fedfutures_2025-01-31.xlsx``):

- one sheet per pricing date, named by the date (``2025-01-31``), header ``ticker``,
  ``px_last``, ``last_tradeable_dt`` and optionally ``open_int``, one row per contract
  (``FFG5 Comdty``);
- ``fed funds``: ``date`` and ``fed funds rate`` (the effective rate in percent on each
  pricing date);
- ``fed meetings``: one column of FOMC meeting (announcement) dates.

Other sheets (a ``notes`` sheet, say) are kept as text in ``notes``. A contract whose price or
contract month is ``#N/A N/A``, blank or text stays in the chain table with its ``problem``
column saying which field and value, and is left out of the chain the analytics see; a bad
``open_int`` is read as missing. Every bad cell is listed in ``problems`` by ticker and field.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

import numpy as np
import pandas as pd

from .._files import check_workbook
from .._inputs import as_date, as_float, is_missing
from ..errors import InputError, MissingDataError, describe_value
from ..fedfunds import (
    MONTH_CODES,
    compare_fed_paths,
    fed_path,
    fed_path_by_month,
    fed_probabilities,
    fomc_meetings,
)
from .formulas import require_filled

__all__ = ["read_fedfutures_export", "FedFuturesExport", "FedFuturesProblem", "read_chain_rows",
           "fed_path_from_chain", "CHAIN_FIELD_ALIASES"]

_TICKER = re.compile(r"^\s*(?:FF|ZQ)([FGHJKMNQUVXZ])(\d{1,2})\b", re.IGNORECASE)
_CHAIN_FIELDS = ("ticker", "px_last", "last_tradeable_dt")


@dataclass(frozen=True)
class FedFuturesProblem:
    """One bad cell: the sheet, the contract, the field, the value, and what was done."""

    sheet: str
    ticker: str
    field: str
    value: Any
    reason: str
    excluded: bool

    def __str__(self) -> str:
        what = "contract left out of the chain" if self.excluded else "read as missing"
        where = f"sheet '{self.sheet}', " if self.sheet else ""
        return f"{where}{self.ticker}: {self.field} = {describe_value(self.value)} {self.reason} ({what})"


@dataclass(frozen=True)
class FedFuturesExport:
    """What a Fed funds futures export holds.

    ``chains`` maps each pricing-date sheet name to its table (columns ``ticker``,
    ``month``, ``price``, ``last trade``, ``implied rate %``, ``open interest``,
    ``problem``); ``spot`` is the effective rate (percent) by date; ``meetings`` the meeting
    dates (``datetime64[D]``, sorted); ``problems`` every bad cell.
    """

    path: Path
    chains: dict[str, pd.DataFrame]
    spot: pd.Series
    meetings: np.ndarray
    problems: list[FedFuturesProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def dates(self) -> list[str]:
        """The pricing-date sheets, latest first."""
        return sorted(self.chains, reverse=True)

    def sheet_name(self, date: Any) -> str:
        if date is None:
            return self.dates[0]
        key = str(date.date() if isinstance(date, _dt.datetime) else date).strip()
        if key not in self.chains:
            raise InputError("date", key, "is not a pricing-date sheet of "
                             f"{self.path.name}; it has {', '.join(self.dates)}")
        return key

    def chain(self, date: Any = None) -> pd.DataFrame:
        """The usable contracts (no problem) of one pricing date (default: the latest)."""
        table = self.chains[self.sheet_name(date)]
        return table[table["problem"] == ""].reset_index(drop=True)

    def spot_rate(self, date: Any = None) -> float:
        """The ``fed funds`` sheet's rate on a pricing date."""
        sheet = self.sheet_name(date)
        day = as_date(sheet, "date")[()]
        hit = self.spot[self.spot.index == day]
        if hit.empty:
            raise MissingDataError("spot_rate", sheet, f"has no row in the 'fed funds' sheet of "
                                   f"{self.path.name}; the spot rate is required")
        return float(hit.iloc[0])

    def meetings_for(self, date: Any = None, fill_fomc: bool = True) -> tuple[np.ndarray, list[str]]:
        """Meetings to price a date's chain with, and the dates added to the file's list.

        The file lists upcoming meetings only (from its own pricing date). When a chain spans
        months outside the file's first..last meeting, ``fill_fomc`` adds the published FOMC
        dates of those months (``xlfidx.fedfunds.FOMC_ANNOUNCEMENTS``) and returns them, so a
        caller can say so; months the file covers are never changed.
        """
        chain = self.chain(date)
        mtg = self.meetings
        if not fill_fomc or chain.empty:
            return mtg, []
        first = np.datetime64(chain["month"].iloc[0], "M").astype("datetime64[D]")
        last = (np.datetime64(chain["month"].iloc[-1], "M") + 1).astype("datetime64[D]") - 1
        known = fomc_meetings(first, last)
        if mtg.size:
            have = set(mtg.astype("datetime64[M]").tolist())
            outside = (known < mtg[0]) | (known > mtg[-1])
            known = known[outside & ~np.isin(known.astype("datetime64[M]"), list(have))]
        return np.sort(np.concatenate([mtg, known])), [str(d) for d in known]

    def fed_path(self, date: Any = None, method: str = "cme", announcement_day: str = "new",
             fill_fomc: bool = True, by_month: bool = False) -> pd.DataFrame:
        """:func:`xlfidx.fed_path` (or ``fed_path_by_month``) for one pricing date.

        ``attrs["added_meetings"]`` lists the meetings taken from the published calendar.
        """
        sheet = self.sheet_name(date)
        chain = self.chain(sheet)
        if chain.empty:
            raise InputError("date", sheet, "has no usable contract (see the problems)")
        mtg, added = self.meetings_for(sheet, fill_fomc)
        fn = fed_path_by_month if by_month else fed_path
        out = fn(chain["price"].to_numpy(), chain["last trade"].to_numpy(dtype="datetime64[D]"),
                 mtg, self.spot_rate(sheet), method=method, announcement_day=announcement_day)
        out.attrs["pricing_date"] = sheet
        out.attrs["added_meetings"] = added
        return out

    def compare(self, date: Any, earlier: Any, method: str = "cme",
                announcement_day: str = "new", fill_fomc: bool = True) -> pd.DataFrame:
        """How the market moved: the expected rate after each meeting on ``date`` vs ``earlier``."""
        a = self.fed_path(date, method, announcement_day, fill_fomc)
        b = self.fed_path(earlier, method, announcement_day, fill_fomc)
        out = compare_fed_paths(a, b, a.attrs["pricing_date"], b.attrs["pricing_date"])
        out.attrs["added_meetings"] = sorted(set(a.attrs["added_meetings"]) | set(b.attrs["added_meetings"]))
        return out


def _ticker_month(ticker: str, pricing: np.datetime64 | None) -> np.datetime64 | None:
    """The contract month a ticker names (``FFH5`` in 2025 -> 2025-03); decade from the date."""
    m = _TICKER.match(ticker)
    if not m or pricing is None or np.isnat(pricing):
        return None
    month = MONTH_CODES.index(m.group(1).upper())
    digits = m.group(2)
    year_now = int(str(pricing)[:4])
    if len(digits) == 2:
        year = 2000 + int(digits)
    else:
        year = year_now - year_now % 10 + int(digits)
        if year < year_now - 1:
            year += 10
    return np.datetime64(f"{year:04d}-{month + 1:02d}", "M")


def _norm(text: Any) -> str:
    return str(text).strip().lower()


# the analytics' names a chain table may use instead of Bloomberg's
CHAIN_FIELD_ALIASES = {"price": "px_last", "prices": "px_last", "expiry": "last_tradeable_dt",
                       "expiries": "last_tradeable_dt", "last trade": "last_tradeable_dt",
                       "open interest": "open_int"}


def _blank_row(row: Any) -> bool:
    return all(is_missing(v) for v in row)


def _chain_header(rows: list[list[Any]], sheet: str) -> tuple[int, dict[str, tuple[int, str]]]:
    """The header row (the first row that is not blank) and each field's column and name."""
    top = next((i for i, r in enumerate(rows) if not _blank_row(r)), None)
    if top is None:
        raise InputError(sheet or "chain", "(blank)", "is empty; give the chain with its header "
                         "row (ticker, px_last, last_tradeable_dt)")
    cols: dict[str, tuple[int, str]] = {}
    for j, cell in enumerate(rows[top]):
        if is_missing(cell):
            continue
        shown = _norm(cell)
        cols.setdefault(CHAIN_FIELD_ALIASES.get(shown, shown), (j, shown))
    return top, cols


def _read_chain(sheet: str, rows: list[list[Any]], problems: list[FedFuturesProblem]) -> pd.DataFrame:
    top, cols = _chain_header(rows, sheet)
    missing = [f for f in _CHAIN_FIELDS[1:] if f not in cols]
    if missing:
        raise InputError(sheet or "chain", ", ".join(c[1] for c in cols.values())[:80],
                         f"header has no column {', '.join(missing)}")
    body = [list(r) + [None] * (len(rows[top]) - len(r)) for r in rows[top + 1:] if not _blank_row(r)]
    col = {name: j for name, (j, _) in cols.items()}
    shown = {name: label for name, (_, label) in cols.items()}
    try:
        pricing = as_date(sheet, "date")[()] if sheet else None
    except InputError:
        pricing = None
    out = []
    for rec in body:
        ticker = rec[col["ticker"]] if "ticker" in col else None
        ticker = "(no ticker)" if is_missing(ticker) else str(ticker).strip()
        bad: list[str] = []

        def problem(fld: str, value: Any, reason: str, excluded: bool,
                    _ticker: str = ticker, _bad: list[str] = bad) -> None:
            problems.append(FedFuturesProblem(sheet, _ticker, fld, value, reason, excluded))
            if excluded:
                _bad.append(f"{fld} = {describe_value(value)} {reason}")

        px, lt = shown["px_last"], shown["last_tradeable_dt"]
        value = rec[col["px_last"]]
        price = np.nan
        try:
            price = float(as_float(value, px)[()])
            if not 0 < price < 200:
                problem(px, value, "is outside (0, 200)", True)
                price = np.nan
        except InputError as exc:
            problem(px, value, "is missing" if isinstance(exc, MissingDataError)
                    else exc.reason.split(";")[0], True)
        value = rec[col["last_tradeable_dt"]]
        last = np.datetime64("NaT", "D")
        named = _ticker_month(ticker, pricing)
        try:
            last = as_date(value, lt)[()]
            if named is not None and last.astype("datetime64[M]") != named:
                problem(lt, value, f"is not in {named}, the month the ticker names", True)
        except InputError as exc:
            if named is not None:
                last = (named + 1).astype("datetime64[D]") - 1
                problem(lt, value, "is missing; contract month taken from the ticker", False)
            else:
                problem(lt, value, "is missing" if isinstance(exc, MissingDataError)
                        else exc.reason.split(";")[0], True)
        oi = np.nan
        if "open_int" in col:
            value = rec[col["open_int"]]
            try:
                oi = float(as_float(value, shown["open_int"], nonnegative=True)[()])
            except InputError as exc:
                problem(shown["open_int"], value, "is missing" if isinstance(exc, MissingDataError)
                        else exc.reason.split(";")[0], False)
        out.append((ticker, last, price, oi, "; ".join(bad)))
    if not out:
        raise InputError(sheet or "chain", "(no rows)", "has no contract rows under its header")
    table = pd.DataFrame(out, columns=["ticker", "last trade", "price", "open interest", "problem"])
    last = table["last trade"].to_numpy(dtype="datetime64[D]")
    table.insert(1, "month", [str(d)[:7] if not np.isnat(d) else "" for d in last])
    table["last trade"] = pd.to_datetime(last)
    table.insert(4, "implied rate %", np.round(100.0 - table["price"].to_numpy(), 10))
    # duplicated contract months among the usable rows are an error of the export
    ok = table[table["problem"] == ""]
    dup = ok["month"].duplicated(keep="first")
    for i in ok.index[dup]:
        lt = shown["last_tradeable_dt"]
        problems.append(FedFuturesProblem(sheet, table.at[i, "ticker"], lt, table.at[i, "month"],
                                          "duplicates another contract's month", True))
        table.at[i, "problem"] = f"{lt} = {table.at[i, 'month']!r} duplicates another contract's month"
    return table.sort_values("month", kind="stable").reset_index(drop=True)


def read_chain_rows(rows: Any, sheet: str = "") -> tuple[pd.DataFrame, list[FedFuturesProblem]]:
    """A chain of Fed funds futures given as rows of cells under a header row (a pricing-date
    sheet of the export, or a worksheet range), read by field name: Bloomberg's ``ticker``,
    ``px_last``, ``last_tradeable_dt``, ``open_int`` or ours (``price``, ``expiry``), in any
    column order; blank rows are skipped. Returns the chain table (as
    :attr:`FedFuturesExport.chains` holds it, bad contracts flagged in ``problem``) and the
    bad cells. ``sheet``, a pricing date, lets a ticker's one-digit year name its decade.

    >>> import datetime as dt
    >>> table, problems = read_chain_rows([
    ...     ["px_last", "ticker", "last_tradeable_dt"],
    ...     [95.675, "FFG5 Comdty", dt.datetime(2025, 2, 28)],
    ...     ["#N/A N/A", "FFH5 Comdty", dt.datetime(2025, 3, 31)],
    ...     [None, None, None]])
    >>> table[["ticker", "price", "problem"]].values.tolist()
    [['FFG5 Comdty', 95.675, ''], ['FFH5 Comdty', nan, "px_last = '#N/A N/A' is missing"]]
    """
    if hasattr(rows, "tolist"):
        rows = rows.tolist()
    if not isinstance(rows, list | tuple) or not rows or not all(isinstance(r, list | tuple)
                                                                 for r in rows):
        raise InputError("chain", describe_value(rows), "is not a table; give the chain's range "
                         "with its header row (ticker, px_last, last_tradeable_dt)")
    problems: list[FedFuturesProblem] = []
    width = max(len(r) for r in rows)
    table = _read_chain(sheet, [list(r) + [None] * (width - len(r)) for r in rows], problems)
    return table, problems


def fed_path_from_chain(rows: Any, meetings: Any, spot_rate: Any, method: str = "cme",
                        announcement_day: str = "new", *, probabilities: bool = False,
                        sheet: str = "") -> pd.DataFrame:
    """:func:`xlfidx.fed_path` (or :func:`xlfidx.fed_probabilities`) of a chain given as rows
    of cells with a header (see :func:`read_chain_rows`). A contract that cannot be read (a
    ``#N/A N/A`` price, a missing month) is left out and the path is computed from the others;
    ``attrs["notes"]`` says which, one line each.

    >>> import datetime as dt
    >>> path = fed_path_from_chain([["ticker", "px_last", "last_tradeable_dt"],
    ...     ["ZQU2 Comdty", 97.4475, dt.datetime(2022, 9, 30)],
    ...     ["ZQV2 Comdty", 96.94, dt.datetime(2022, 10, 31)],
    ...     ["ZQX2 Comdty", "#N/A N/A", dt.datetime(2022, 11, 30)]],
    ...     [dt.datetime(2022, 9, 21)], 2.33)               # CME's Sep-2022 example
    >>> round(float(path["rate after %"].iloc[0]), 4), path.attrs["notes"]
    (3.06, ["ZQX2 Comdty: px_last = '#N/A N/A' is missing (contract left out of the chain)"])
    """
    table, problems = read_chain_rows(rows, sheet)
    usable = table[table["problem"] == ""]
    if usable.empty:
        first = next((p for p in problems if p.excluded), None)
        raise InputError("chain", f"{len(table)} contracts", "has no usable contract" +
                         (f" ({first})" if first else ""))
    fn = fed_probabilities if probabilities else fed_path
    out = fn(usable["price"].to_numpy(), usable["last trade"].to_numpy(dtype="datetime64[D]"),
             meetings, spot_rate, method=method, announcement_day=announcement_day)
    out.attrs["notes"] = [str(p) for p in problems if p.excluded]
    return out


def read_fedfutures_export(path: str | Path) -> FedFuturesExport:
    """Read a Bloomberg Fed funds futures export (see the module docstring for its layout).

    >>> from xlfidx.samples import sample_path
    >>> x = read_fedfutures_export(sample_path("fedfutures_sample.xlsx"))  # synthetic prices
    >>> x.dates, x.spot_rate("2025-04-30"), x.chain("2025-04-30")["ticker"].iloc[0]
    (['2025-04-30', '2025-03-31'], 4.33, 'FFK5 Comdty')
    """
    path = check_workbook(path, "path")
    require_filled(path, "FILE")
    try:
        # keep Bloomberg's "#N/A N/A" as text so a bad cell is reported with what it held
        sheets = pd.read_excel(path, sheet_name=None, header=None, engine="openpyxl", dtype=object,
                               keep_default_na=False, na_values=[])
    except (ValueError, OSError, KeyError, BadZipFile) as exc:
        raise InputError("path", str(path), f"is not a readable Excel workbook ({exc})") from None
    problems: list[FedFuturesProblem] = []
    chains: dict[str, pd.DataFrame] = {}
    spot_raw = meetings_raw = None
    notes: list[str] = []
    for name, raw in sheets.items():
        key = _norm(name)
        if key == "fed funds":
            spot_raw = raw
            continue
        if key == "fed meetings":
            meetings_raw = raw
            continue
        header = [_norm(h) for h in raw.iloc[0]] if len(raw) else []
        if all(f in header for f in _CHAIN_FIELDS):
            chains[str(name).strip()] = _read_chain(str(name).strip(), raw.to_numpy().tolist(),
                                                    problems)
        elif "ticker" in header:
            missing = [f for f in _CHAIN_FIELDS if f not in header]
            raise InputError(str(name), path.name, f"sheet has no column {', '.join(missing)}")
        else:
            notes.extend(str(v) for v in raw.to_numpy().reshape(-1) if not is_missing(v))
    if not chains:
        raise InputError("path", path.name, "has no chain sheet (a sheet with columns ticker, "
                         f"px_last, last_tradeable_dt; found {', '.join(map(str, sheets))})")
    if spot_raw is None:
        raise InputError("path", path.name, "has no 'fed funds' sheet (date, fed funds rate)")
    if meetings_raw is None:
        raise InputError("path", path.name, "has no 'fed meetings' sheet (meeting dates)")

    spot_dates, spot_rates = [], []
    for date, rate in spot_raw.iloc[1:, :2].itertuples(index=False):
        if is_missing(date) and is_missing(rate):
            continue
        try:
            d = as_date(date, "date")[()]
        except InputError as exc:
            problems.append(FedFuturesProblem("fed funds", str(date), "date", date,
                                              exc.reason.split(";")[0], True))
            continue
        try:
            r = float(as_float(rate, "fed funds rate")[()])
        except InputError as exc:
            problems.append(FedFuturesProblem("fed funds", str(d), "fed funds rate", rate,
                                              "is missing" if isinstance(exc, MissingDataError)
                                              else exc.reason.split(";")[0], True))
            continue
        spot_dates.append(d)
        spot_rates.append(r)
    spot = pd.Series(spot_rates, index=pd.DatetimeIndex(np.array(spot_dates, dtype="datetime64[D]")),
                     name="fed funds rate", dtype=float)

    values = [v for v in meetings_raw.iloc[1:, 0].tolist() if not is_missing(v)]
    good = []
    for i, v in enumerate(values):
        try:
            good.append(as_date(v, "meetings")[()])
        except InputError as exc:
            problems.append(FedFuturesProblem("fed meetings", f"row {i + 2}", "meeting date", v,
                                              exc.reason.split(";")[0], True))
    meetings = np.sort(np.array(good, dtype="datetime64[D]"))
    return FedFuturesExport(path, chains, spot, meetings, problems, notes)
