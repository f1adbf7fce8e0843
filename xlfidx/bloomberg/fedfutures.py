"""Reader for a Bloomberg Fed funds futures export: chains per pricing date, spot, meetings.

Sheets are recognised by what they hold, whatever they are called; two layouts are common.

Chains per sheet (as in ``fedfutures_2025-01-31.xlsx``):

- one sheet per pricing date, named by the date (``2025-01-31``), header ``ticker``,
  ``px_last``, ``last_tradeable_dt`` and optionally ``open_int``, one row per contract
  (``FFG5 Comdty``);
- ``fed funds``: ``date`` and ``fed funds rate`` (the effective rate in percent on each
  pricing date);
- ``fed meetings``: one column of FOMC meeting (announcement) dates.

A chain snapshot and a wide history:

- a chain sheet (any name) with ``ticker``, ``px_last`` (or ``px_settle``),
  ``last_tradeable_dt`` and ``px_settle_last_dt``: the chain of the day of the latest
  settlement (a contract settled on an earlier day is flagged as stale and left out). Without a
  price column it only lists the contracts' last trade dates;
- a wide history sheet: tickers down the first column, pricing dates across the first row, a
  price in each cell: one chain per date (blank cells are contracts not quoted that day);
- a spot sheet (any name, ``fed funds`` included) naming ``FEDL01 Index`` (the effective
  rate) and/or ``FDTR Index`` (the target rate, which since 2008 is the upper bound of the
  target range) in any of the add-in's layouts (:func:`spot_sheet_rows`): the tickers down the
  first column with the rates under pricing dates across the first row, or in a ``px_last``
  column (with a ``date`` column, or else taken as of the latest pricing date); dates down with
  the tickers across the header row; or BDH blocks headed by their ticker.

The spot rate that starts the path is the effective rate (the ``fed funds`` sheet or
``FEDL01``); where a date has only ``FDTR``, that upper bound is used and the result says so.
``FDTR`` also fixes the target range (its upper bound less 25 bp is the floor) the FedWatch
odds are measured from. Without a meetings sheet the published FOMC calendar is used.

Sheets the reader does not need (a user's own table with a ``ticker`` column, say) are listed
in ``ignored`` and otherwise left alone; a ``notes``/``README`` sheet is kept as text in
``notes``. A contract whose price or contract month is ``#N/A N/A``, blank or text stays in the
chain table with its ``problem`` column saying which field and value, and is left out of the
chain the analytics see; a bad ``open_int`` is read as missing. Every bad cell is listed in
``problems`` by ticker and field.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple
from zipfile import BadZipFile

import numpy as np
import pandas as pd

from .._files import check_workbook
from .._inputs import as_date, as_float, is_missing
from ..errors import InputError, MissingDataError, describe_value
from ..fedfunds import (
    MONTH_CODES,
    STEP,
    FedFundsChain,
    compare_fed_paths,
    fomc_meetings,
)
from .formulas import require_filled
from .problems import ReadProblem, column_letter

__all__ = ["read_fedfutures_export", "FedFuturesExport", "FedFuturesProblem", "Spot",
           "read_chain_rows", "fed_path_from_chain", "CHAIN_FIELD_ALIASES", "spot_sheet_rows",
           "read_sheets", "export_from_sheets"]

_TICKER = re.compile(r"^\s*(?:FF|ZQ)([FGHJKMNQUVXZ])(\d{1,2})\b", re.IGNORECASE)
_SPOT_TICKER = re.compile(r"^\s*(FEDL01|FDTR)\b", re.IGNORECASE)
# SOFR futures and SOFR itself, which a book may hold beside the Fed funds chain (xlfidx sofrpath)
_SOFR_TICKER = re.compile(r"^\s*(?:SER|SFR|SR1|SR3)[FGHJKMNQUVXZ]\d{1,2}\b", re.IGNORECASE)
_SOFR_RATE = re.compile(r"^\s*SOFRRATE\b", re.IGNORECASE)
_PRICE_FIELDS = ("px_last", "px_settle")
_SETTLED = "px_settle_last_dt"
_ABSENT = object()  # a field the layout does not have (not a bad cell)
EFFECTIVE_SHEET = "'fed funds' sheet"


class Spot(NamedTuple):
    """The rate a pricing date's path starts from, what it is, and the target range it implies.

    ``rate`` in percent; ``source`` names it (``"effective rate, FEDL01 Index"`` or
    ``"FDTR Index, the upper bound of the target range (no effective rate in the file)"``);
    ``target_low`` is the floor of the target range from ``FDTR`` (None without it).
    """

    rate: float
    source: str
    target_low: float | None


def FedFuturesProblem(sheet: str, ticker: str, field: str, value: Any, reason: str,
                      excluded: bool) -> ReadProblem:
    """A bad cell of a Fed funds export: a :class:`~xlfidx.bloomberg.problems.ReadProblem`
    whose row, when excluded, is a contract left out of the chain."""
    return ReadProblem(ticker, field, value, reason, excluded, sheet, "contract left out of the chain")


def _spot_problem(sheet: str, ticker: str, field: str, value: Any, reason: str) -> ReadProblem:
    """A bad cell of a spot sheet: that rate is not used."""
    return ReadProblem(ticker, field, value, reason, True, sheet, "rate not used")


@dataclass(frozen=True)
class FedFuturesExport:
    """What a Fed funds futures export holds.

    ``chains`` maps each pricing date (``"2025-01-31"``; a chain sheet named otherwise keeps
    its name) to its table (columns ``ticker``, ``month``, ``price``, ``last trade``,
    ``implied rate %``, ``open interest``, ``problem``); ``spot`` is the effective rate
    (percent) by date and ``target`` the ``FDTR`` upper bound by date; ``meetings`` the meeting
    dates (``datetime64[D]``, sorted); ``problems`` every bad cell; ``sources`` where each
    chain was read (a chain sheet before a history column of the same date); ``ignored`` the
    sheets not read, with why.
    """

    path: Path
    chains: dict[str, pd.DataFrame]
    spot: pd.Series
    meetings: np.ndarray
    problems: list[ReadProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    target: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    spot_origin: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    @property
    def dates(self) -> list[str]:
        """The pricing dates, latest first."""
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

    def spot_for(self, date: Any = None) -> Spot:
        """The spot of a pricing date: the effective rate, else the ``FDTR`` upper bound."""
        sheet = self.sheet_name(date)
        day = as_date(sheet, "date")[()]
        key = pd.Timestamp(day)
        upper = self.target.get(key) if len(self.target) else None
        low = None if upper is None else round(float(upper) - STEP, 10)
        if key in self.spot.index:
            return Spot(float(self.spot[key]), f"effective rate, {self.spot_origin.get(sheet, EFFECTIVE_SHEET)}", low)
        if upper is not None:
            return Spot(float(upper), "FDTR Index, the upper bound of the target range (no effective "
                        "rate for this date in the file)", low)
        raise MissingDataError("spot_rate", sheet, f"has no row in the 'fed funds' sheet and no FEDL01 "
                               f"Index or FDTR Index value for that date in {self.path.name}; the spot "
                               "rate is required")

    def spot_rate(self, date: Any = None) -> float:
        """The spot rate (percent) of a pricing date; see :meth:`spot_for`."""
        return self.spot_for(date).rate

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

    def fed_chain(self, date: Any = None, fill_fomc: bool = True) -> FedFundsChain:
        """One pricing date's chain as a :class:`~xlfidx.fedfunds.FedFundsChain`: its usable
        contracts, meetings (with the published FOMC dates the file lacks when ``fill_fomc``),
        and spot rate with its source."""
        sheet = self.sheet_name(date)
        chain = self.chain(sheet)
        if chain.empty:
            raise InputError("date", sheet, "has no usable contract (see the problems)")
        mtg, added = self.meetings_for(sheet, fill_fomc)
        spot = self.spot_for(sheet)
        return FedFundsChain(chain["price"].to_numpy(),
                             chain["last trade"].to_numpy(dtype="datetime64[D]"), mtg, spot.rate,
                             pricing_date=sheet, spot_source=spot.source,
                             target_low=spot.target_low, added_meetings=tuple(added))

    def fed_path(self, date: Any = None, method: str = "cme", announcement_day: str = "new",
             fill_fomc: bool = True, by_month: bool = False) -> pd.DataFrame:
        """:func:`xlfidx.fed_path` (or ``fed_path_by_month``) for one pricing date.

        ``attrs["added_meetings"]`` lists the meetings taken from the published calendar and
        ``attrs["spot_source"]`` says what the spot rate is (see :meth:`spot_for`).
        """
        chain = self.fed_chain(date, fill_fomc)
        out = (chain.path_by_month if by_month else chain.path)(method, announcement_day)
        out.attrs["pricing_date"] = chain.pricing_date
        out.attrs["added_meetings"] = list(chain.added_meetings)
        out.attrs["spot_source"] = chain.spot_source
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


def _header_date(value: Any) -> np.datetime64 | None:
    """A date heading a column (a date cell or ISO text); None for anything else."""
    if isinstance(value, _dt.datetime):
        return np.datetime64(value.date(), "D")
    if isinstance(value, _dt.date):
        return np.datetime64(value, "D")
    if isinstance(value, str):
        try:
            return np.datetime64(_dt.date.fromisoformat(value.strip()[:10]), "D")
        except ValueError:
            return None
    return None


def _sheet_date(name: str) -> np.datetime64 | None:
    try:
        return as_date(name, "date")[()]
    except InputError:
        return None


def _reason(exc: InputError) -> str:
    return "is missing" if isinstance(exc, MissingDataError) else exc.reason.split(";")[0]


def _chain_table(sheet: str, pricing: np.datetime64 | None, records: list[dict[str, Any]],
                 problems: list[ReadProblem]) -> pd.DataFrame:
    """A chain table from one record per contract.

    A record has ``ticker`` and ``price`` (``(field, value)``), and may have ``last``,
    ``open_int`` and ``settled`` (the value, or ``_ABSENT`` when the layout has no such field).
    """
    from ..dates import last_business_day

    rows = []
    for rec in records:
        ticker = rec["ticker"]
        ticker = "(no ticker)" if is_missing(ticker) else str(ticker).strip()
        bad: list[str] = []

        def problem(fld: str, value: Any, reason: str, excluded: bool,
                    _ticker: str = ticker, _bad: list[str] = bad) -> None:
            problems.append(FedFuturesProblem(sheet, _ticker, fld, value, reason, excluded))
            if excluded:
                _bad.append(f"{fld} = {describe_value(value)} {reason}")

        price_field, value = rec["price"]
        price = np.nan
        try:
            price = float(as_float(value, price_field)[()])
            if not 0 < price < 200:
                problem(price_field, value, "is outside (0, 200)", True)
                price = np.nan
        except InputError as exc:
            problem(price_field, value, _reason(exc), True)
        settled = rec.get("settled", _ABSENT)
        if settled is not _ABSENT and pricing is not None and np.isfinite(price):
            try:
                day = as_date(settled, _SETTLED)[()]
                if day != pricing:
                    problem(_SETTLED, settled, f"is not the chain's pricing date {pricing} (a stale "
                            "price)", True)
            except InputError as exc:
                problem(_SETTLED, settled, _reason(exc), True)
        value = rec.get("last", _ABSENT)
        last = np.datetime64("NaT", "D")
        named = _ticker_month(ticker, pricing)
        if value is _ABSENT:
            if named is not None:  # the layout has no last trade dates: the ticker names the month
                last = last_business_day(named.astype("datetime64[D]"))[()]
            else:
                problem("ticker", ticker, "does not name a Fed funds contract month (e.g. FFH5 Comdty)", True)
        else:
            try:
                last = as_date(value, "last_tradeable_dt")[()]
                if named is not None and last.astype("datetime64[M]") != named:
                    problem("last_tradeable_dt", value, f"is not in {named}, the month the ticker names", True)
            except InputError as exc:
                if named is not None:
                    last = (named + 1).astype("datetime64[D]") - 1
                    problem("last_tradeable_dt", value, "is missing; contract month taken from the "
                            "ticker", False)
                else:
                    problem("last_tradeable_dt", value, _reason(exc), True)
        oi = np.nan
        value = rec.get("open_int", _ABSENT)
        if value is not _ABSENT:
            try:
                oi = float(as_float(value, "open_int", nonnegative=True)[()])
            except InputError as exc:
                problem("open_int", value, _reason(exc), False)
        rows.append((ticker, last, price, oi, "; ".join(bad)))
    table = pd.DataFrame(rows, columns=["ticker", "last trade", "price", "open interest", "problem"])
    last = table["last trade"].to_numpy(dtype="datetime64[D]")
    table.insert(1, "month", [str(d)[:7] if not np.isnat(d) else "" for d in last])
    table["last trade"] = pd.to_datetime(last)
    table.insert(4, "implied rate %", np.round(100.0 - table["price"].to_numpy(), 10))
    # duplicated contract months among the usable rows are an error of the export
    ok = table[table["problem"] == ""]
    dup = ok["month"].duplicated(keep="first")
    for i in ok.index[dup]:
        problems.append(FedFuturesProblem(sheet, table.at[i, "ticker"], "last_tradeable_dt",
                                          table.at[i, "month"], "duplicates another contract's month",
                                          True))
        table.at[i, "problem"] = f"last_tradeable_dt = {table.at[i, 'month']!r} duplicates another contract's month"
    return table.sort_values("month", kind="stable").reset_index(drop=True)


def _body(raw: pd.DataFrame) -> pd.DataFrame:
    body = raw.iloc[1:]
    return body[~body.map(is_missing).all(axis=1)]


def _chain_sheet(name: str, raw: pd.DataFrame, header: list[str], problems: list[ReadProblem]
                 ) -> tuple[str, np.datetime64, list[dict[str, Any]]]:
    """(key, pricing date, records) of a chain sheet."""
    col = {h: i for i, h in enumerate(header)}
    price_field = "px_settle" if _SETTLED in col and "px_settle" in col else next(
        f for f in _PRICE_FIELDS if f in col)
    body = _body(raw)
    pricing = _sheet_date(name)
    if pricing is None:  # the day of the latest settlement
        settled = []
        for v in body.iloc[:, col[_SETTLED]]:
            try:
                settled.append(as_date(v, _SETTLED)[()])
            except InputError:
                pass  # flagged on its row
        if not settled:
            raise InputError(f"sheet '{name}' column {_SETTLED}", "(no date)",
                             "has no date; the chain's pricing date is the day of its latest settlement")
        pricing = max(settled)
    records = []
    for rec in body.itertuples(index=False):
        if _is_ticker(rec[col["ticker"]], _SOFR_TICKER):
            continue  # a SOFR contract listed beside the Fed funds chain: xlfidx sofrpath's
        records.append({
            "ticker": rec[col["ticker"]],
            "price": (price_field, rec[col[price_field]]),
            "last": rec[col["last_tradeable_dt"]] if "last_tradeable_dt" in col else _ABSENT,
            "open_int": rec[col["open_int"]] if "open_int" in col else _ABSENT,
            "settled": rec[col[_SETTLED]] if _SETTLED in col else _ABSENT,
        })
    return str(pricing), pricing, records


def _is_ticker(value: Any, pattern: re.Pattern) -> bool:
    return isinstance(value, str) and bool(pattern.match(value))


def spot_sheet_rows(name: str, raw: pd.DataFrame, problems: list[ReadProblem],
                    pattern: re.Pattern = _SPOT_TICKER) -> list[tuple[str, np.datetime64 | None, float]] | None:
    """(ticker root, date or None, rate) of a sheet of spot rates named by their tickers
    (``pattern``: ``FEDL01 Index`` and ``FDTR Index`` by default), in every layout Bloomberg's
    add-in gives; None when the sheet names no such ticker. The layouts:

    - tickers down the first column, pricing dates across the first row (a BDH transposed);
    - tickers down, under a header row with ``px_last`` (or ``value``, ``rate``) and optionally
      ``date`` (or ``last_update_dt``): one rate per row, undated without a date column (BDP);
    - dates down a ``date`` column (else the first), tickers across the header row (a BDH);
    - BDH blocks side by side: a ticker in the first row, ``Dates`` and the field under it,
      dates down.
    """
    if raw.empty:
        return None
    top = raw.iloc[0].tolist()
    second = raw.iloc[1].tolist() if len(raw) > 1 else []
    blocks = [c for c, v in enumerate(top) if _is_ticker(v, pattern) and c + 1 < len(top)
              and c < len(second) and _norm(second[c]) in ("date", "dates")]
    if blocks:
        out = []
        for c in blocks:
            root = pattern.match(top[c]).group(1).upper()
            out += [(root, d, r) for d, r in _dated_values(name, raw.iloc[2:, [c, c + 1]], top[c].strip(),
                                                           problems)]
        return out
    if any(_is_ticker(v, pattern) for v in raw.iloc[:, 0].tolist()):
        return _spot_rows(name, raw, problems, pattern)
    across = {c: pattern.match(v).group(1).upper() for c, v in enumerate(top) if _is_ticker(v, pattern)}
    if across:
        date_col = next((c for c, v in enumerate(top) if _norm(v) in ("date", "dates")), 0)
        out = []
        for c, root in across.items():
            out += [(root, d, r) for d, r in _dated_values(name, raw.iloc[1:, [date_col, c]],
                                                           str(top[c]).strip(), problems)]
        return out
    return None


def _dated_values(name: str, pairs: pd.DataFrame, label: str, problems: list[ReadProblem]
                  ) -> list[tuple[np.datetime64, float]]:
    """(date, rate) of two columns, dates then rates; rows without a rate are skipped (a date
    the rate was not pulled for), a bad date or rate is a problem."""
    out = []
    for day, value in pairs.itertuples(index=False):
        if is_missing(value) or (isinstance(value, str) and _norm(value) == "px_last"):
            continue
        try:
            d = as_date(day, "date")[()]
        except InputError as exc:
            problems.append(_spot_problem(name, label, "date", day, _reason(exc)))
            continue
        try:
            out.append((d, float(as_float(value, str(d))[()])))
        except InputError as exc:
            problems.append(_spot_problem(name, label, str(d), value, _reason(exc)))
    return out


def _spot_rows(name: str, raw: pd.DataFrame, problems: list[ReadProblem],
               pattern: re.Pattern = _SPOT_TICKER) -> list[tuple[str, np.datetime64 | None, float]]:
    """(ticker root, date or None, rate) from a sheet listing its tickers down the first column."""
    first = raw.iloc[0].tolist()
    has_header = not _is_ticker(first[0], pattern)
    rows = raw.iloc[1:] if has_header else raw
    header = [_norm(h) for h in first] if has_header else []
    dates = {c: _header_date(v) for c, v in enumerate(first) if c > 0} if has_header else {}
    dated = {c: d for c, d in dates.items() if d is not None}
    if not dated:
        value_col = next((header.index(f) for f in (*_PRICE_FIELDS, "value", "rate") if f in header), 1)
        date_col = next((header.index(f) for f in ("date", _SETTLED, "last_update_dt") if f in header), None)
    out = []
    for rec in rows.itertuples(index=False):
        if not _is_ticker(rec[0], pattern):
            continue
        root = pattern.match(rec[0]).group(1).upper()
        cells = [(d, rec[c], str(d)) for c, d in dated.items()] if dated else [
            (None if date_col is None else rec[date_col], rec[value_col],
             header[value_col] if header else "value")]
        for day, value, fld in cells:
            if is_missing(value) and dated:
                continue  # a date the rate was not pulled for
            try:
                rate = float(as_float(value, fld)[()])
                if day is not None and not isinstance(day, np.datetime64):
                    day = as_date(day, "date")[()]
            except InputError as exc:
                problems.append(_spot_problem(name, rec[0].strip(), fld, value, _reason(exc)))
                continue
            out.append((root, day, rate))
    return out


def _wide_history(name: str, raw: pd.DataFrame) -> dict[np.datetime64, tuple[int, list[tuple[str, Any]]]]:
    """Pricing date -> (column, [(ticker, price cell)]) of a sheet with tickers down, dates across."""
    first = raw.iloc[0].tolist()
    out = {}
    for c, v in enumerate(first):
        day = _header_date(v) if c > 0 else None
        if day is None:
            continue
        cells = [(t, p) for t, p in zip(raw.iloc[1:, 0], raw.iloc[1:, c], strict=True)
                 if _is_ticker(t, _TICKER) and not (p is None or (isinstance(p, str) and not p.strip()))]
        if cells:
            out[day] = (c, cells)
    return out


# the analytics' names a chain table may use instead of Bloomberg's
CHAIN_FIELD_ALIASES = {"price": "px_last", "prices": "px_last", "expiry": "last_tradeable_dt",
                       "expiries": "last_tradeable_dt", "last trade": "last_tradeable_dt",
                       "open interest": "open_int"}


def read_chain_rows(rows: Any, sheet: str = "") -> tuple[pd.DataFrame, list[ReadProblem]]:
    """A chain of Fed funds futures given as rows of cells under a header row (a pricing-date
    sheet of the export, or a worksheet range), read by field name: Bloomberg's ``ticker``,
    ``px_last`` (or ``px_settle``), ``last_tradeable_dt``, ``open_int``, or ours (``price``,
    ``expiry``), in any column order; blank rows are skipped. Returns the chain table (as
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
    width = max(len(r) for r in rows)
    rows = [list(r) + [None] * (width - len(r)) for r in rows]
    blank = [all(is_missing(v) for v in r) for r in rows]
    top = next((i for i, b in enumerate(blank) if not b), None)
    if top is None:
        raise InputError("chain", "(blank)", "is empty; give the chain with its header row "
                         "(ticker, px_last, last_tradeable_dt)")
    col: dict[str, tuple[int, str]] = {}
    for j, cell in enumerate(rows[top]):
        shown = _norm(cell) if not is_missing(cell) else ""
        if shown:
            col.setdefault(CHAIN_FIELD_ALIASES.get(shown, shown), (j, shown))
    price = next((f for f in _PRICE_FIELDS if f in col), None)
    missing = ([] if price else ["px_last"]) + [f for f in ("last_tradeable_dt",) if f not in col]
    if missing:
        raise InputError("chain", ", ".join(c[1] for c in col.values())[:80],
                         f"header has no column {', '.join(missing)}")
    records = [{"ticker": r[col["ticker"][0]] if "ticker" in col else None,
                "price": (col[price][1], r[col[price][0]]),
                "last": r[col["last_tradeable_dt"][0]],
                "open_int": r[col["open_int"][0]] if "open_int" in col else _ABSENT}
               for r, b in zip(rows[top + 1:], blank[top + 1:], strict=True) if not b]
    if not records:
        raise InputError("chain", "(no rows)", "has no contract rows under its header")
    problems: list[ReadProblem] = []
    table = _chain_table(sheet, _sheet_date(sheet) if sheet else None, records, problems)
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
    chain = FedFundsChain(usable["price"].to_numpy(),
                          usable["last trade"].to_numpy(dtype="datetime64[D]"), meetings, spot_rate)
    out = (chain.probabilities if probabilities else chain.path)(method, announcement_day)
    out.attrs["notes"] = [str(p) for p in problems if p.excluded]
    return out


def read_fedfutures_export(path: str | Path) -> FedFuturesExport:
    """Read a Bloomberg Fed funds futures export (see the module docstring for its layouts).

    >>> from xlfidx.samples import sample_path
    >>> x = read_fedfutures_export(sample_path("fedfutures_sample.xlsx"))  # synthetic prices
    >>> x.dates, x.spot_rate("2025-04-30"), x.chain("2025-04-30")["ticker"].iloc[0]
    (['2025-04-30', '2025-03-31'], 4.33, 'FFK5 Comdty')
    """
    path, sheets = read_sheets(path)
    return export_from_sheets(path, sheets)


def read_sheets(path: str | Path) -> tuple[Path, dict[str, pd.DataFrame]]:
    """Every sheet of a filled export as cells (no header, Bloomberg's ``#N/A N/A`` kept as text)."""
    path = check_workbook(path, "path")
    require_filled(path, "FILE")
    try:
        # keep Bloomberg's "#N/A N/A" as text so a bad cell is reported with what it held
        sheets = pd.read_excel(path, sheet_name=None, header=None, engine="openpyxl", dtype=object,
                               keep_default_na=False, na_values=[])
    except (ValueError, OSError, KeyError, BadZipFile) as exc:
        raise InputError("path", str(path), f"is not a readable Excel workbook ({exc})") from None
    return path, sheets


def export_from_sheets(path: Path, sheets: dict[str, pd.DataFrame]) -> FedFuturesExport:
    """The Fed funds export a workbook's sheets hold (:func:`read_fedfutures_export`)."""
    problems: list[ReadProblem] = []
    chain_recs: dict[str, tuple[str, np.datetime64 | None, list[dict[str, Any]]]] = {}
    sources: dict[str, str] = {}
    last_trade: dict[str, Any] = {}  # ticker -> last_tradeable_dt, from any chain or contract list
    histories: list[tuple[str, dict]] = []
    spot_rows: list[tuple[str, str, np.datetime64 | None, float]] = []  # (origin, root, date, rate)
    spot_raw = meetings_raw = None
    notes: list[str] = []
    ignored: list[str] = []
    for name, raw in sheets.items():
        name = str(name).strip()
        key = _norm(name)
        found = spot_sheet_rows(name, raw, problems)
        if found is not None:  # FEDL01 / FDTR by ticker, in any layout (the 'fed funds' sheet too)
            spot_rows += [(f"{t} Index", t, d, r) for t, d, r in found]
            continue
        if key == "fed funds":  # date, fed funds rate
            spot_raw = raw
            continue
        if key == "fed meetings":
            meetings_raw = raw
            continue
        if raw.empty:
            ignored.append(f"sheet '{name}': empty")
            continue
        header = [_norm(h) for h in raw.iloc[0]]
        first_col = raw.iloc[:, 0].tolist()
        wide = _wide_history(name, raw) if any(_is_ticker(v, _TICKER) for v in first_col[1:]) else {}
        if wide:
            histories.append((name, wide))
            continue
        if "ticker" in header:
            col = {h: i for i, h in enumerate(header)}
            listed = [v for v in raw.iloc[1:, col["ticker"]].tolist() if isinstance(v, str) and v.strip()]
            if listed and all(_is_ticker(v, _SOFR_TICKER) for v in listed):
                ignored.append(f"sheet '{name}': SOFR futures (xlfidx sofrpath reads them)")
                continue
            if "last_tradeable_dt" in col:
                for rec in _body(raw).itertuples(index=False):
                    if isinstance(rec[col["ticker"]], str):
                        last_trade.setdefault(rec[col["ticker"]].strip(), rec[col["last_tradeable_dt"]])
            has_price = any(f in col for f in _PRICE_FIELDS)
            if has_price and (_sheet_date(name) is not None or _SETTLED in col):
                k, pricing, records = _chain_sheet(name, raw, header, problems)
                if k in chain_recs:
                    raise InputError(name, path.name, f"sheet holds the chain of {k}, as sheet "
                                     f"'{chain_recs[k][0]}' does; keep one")
                chain_recs[k] = (name, pricing, records)
                sources[k] = f"sheet '{name}'"
            elif "last_tradeable_dt" not in col or has_price:
                ignored.append(f"sheet '{name}': a ticker table that is not a chain (a chain has "
                               f"ticker, px_last and last_tradeable_dt, and is named by its pricing "
                               f"date or has {_SETTLED})")
            continue
        if key in {"notes", "readme"}:
            notes.extend(str(v) for v in raw.to_numpy().reshape(-1) if not is_missing(v))
        elif any(_is_ticker(v, _SOFR_RATE) for v in [*raw.iloc[0].tolist(), *first_col]):
            ignored.append(f"sheet '{name}': SOFR rates (xlfidx sofrpath reads them)")
        else:
            ignored.append(f"sheet '{name}': not a chain, history, spot or meetings sheet")
    for name, wide in histories:
        for day, (c, cells) in wide.items():
            k = str(day)
            if k in chain_recs:
                continue  # the chain sheet of that date is read (``sources`` says so)
            records = [{"ticker": t, "price": (f"price on {k}", p),
                        "last": last_trade.get(t.strip(), _ABSENT)} for t, p in cells]
            chain_recs[k] = (name, day, records)
            sources[k] = f"sheet '{name}' column {column_letter(c)}"
    chains = {k: _chain_table(sheet, pricing, records, problems)
              for k, (sheet, pricing, records) in chain_recs.items()}
    if not chains:
        raise InputError("path", path.name, "has no chain sheet (a sheet with columns ticker, "
                         "px_last, last_tradeable_dt, or tickers down and pricing dates across; "
                         f"found {', '.join(map(str, sheets))})")
    if spot_raw is None and not spot_rows:
        raise InputError("path", path.name, "has no spot rate: no 'fed funds' sheet (date, fed funds "
                         "rate) and no sheet listing FEDL01 Index or FDTR Index")
    if meetings_raw is None:
        meetings = np.array([], dtype="datetime64[D]")  # meetings_for adds the published calendar
    else:
        meetings = _meetings_sheet(meetings_raw, problems)

    latest = max((p for _, p, _ in chain_recs.values() if p is not None), default=None)
    effective: dict[np.datetime64, tuple[float, str]] = {}
    upper: dict[np.datetime64, float] = {}
    if spot_raw is not None:
        for d, r in _fed_funds_sheet(spot_raw, problems):
            effective.setdefault(d, (r, EFFECTIVE_SHEET))
    for origin, root, d, r in spot_rows:
        if d is None:  # a snapshot without a date: as of the latest pricing date
            if latest is None:
                continue
            d, origin = latest, f"{origin} (undated, taken as of {latest})"
        if root == "FEDL01":
            effective.setdefault(d, (r, origin))
        else:
            upper.setdefault(d, r)
    days = sorted(effective)
    spot = pd.Series([effective[d][0] for d in days], name="fed funds rate", dtype=float,
                     index=pd.DatetimeIndex(np.array(days, dtype="datetime64[D]")))
    origin_by_key = {str(d): effective[d][1] for d in days}
    target = pd.Series(list(upper.values()), name="FDTR upper bound", dtype=float,
                       index=pd.DatetimeIndex(np.array(list(upper), dtype="datetime64[D]"))).sort_index()
    return FedFuturesExport(path, chains, spot, meetings, problems, notes, target, origin_by_key,
                            sources, ignored)


def _fed_funds_sheet(raw: pd.DataFrame, problems: list[ReadProblem]) -> list[tuple[np.datetime64, float]]:
    out = []
    for date, rate in raw.iloc[1:, :2].itertuples(index=False):
        if is_missing(date) and is_missing(rate):
            continue
        try:
            d = as_date(date, "date")[()]
        except InputError as exc:
            problems.append(FedFuturesProblem("fed funds", str(date), "date", date, _reason(exc), True))
            continue
        try:
            r = float(as_float(rate, "fed funds rate")[()])
        except InputError as exc:
            problems.append(FedFuturesProblem("fed funds", str(d), "fed funds rate", rate, _reason(exc), True))
            continue
        out.append((d, r))
    return out


def _meetings_sheet(raw: pd.DataFrame, problems: list[ReadProblem]) -> np.ndarray:
    values = [v for v in raw.iloc[1:, 0].tolist() if not is_missing(v)]
    good = []
    for i, v in enumerate(values):
        try:
            good.append(as_date(v, "meetings")[()])
        except InputError as exc:
            problems.append(FedFuturesProblem("fed meetings", f"row {i + 2}", "meeting date", v,
                                              exc.reason.split(";")[0], True))
    return np.sort(np.array(good, dtype="datetime64[D]"))
