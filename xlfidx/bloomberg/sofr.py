"""Reader for a Bloomberg SOFR futures export: the SR1 and SR3 chain, SOFR, the target range.

Sheets are recognised by what they hold, whatever they are called (the book ``xlfidx template
sofr`` writes, and the shipped sample, are laid out so):

- a chain sheet per pricing date, named by the date (``2025-04-30``, or ``sofr 2025-04-30``),
  or with ``px_settle_last_dt`` (the day of the latest settlement): ``ticker``, ``px_last`` (or
  ``px_settle``) and optionally ``open_int``, one row per contract, SOFR futures in any ticker
  form (``SERM5 Comdty``, ``SFRM5 Comdty``, ``SR1M5``, ``SR3M5``). Fed funds futures may sit
  on the same sheet: they are the Fed funds chain that ``xlfidx fedpath`` reads, priced beside;
- SOFR by date, ``SOFRRATE Index``, in any of the add-in's layouts (a BDH down a ``date``
  column is what the template asks for): the spot of each pricing date is its SOFR (else the
  latest before it, said so) and the days before it are the fixings of the contracts already
  in their period;
- the target range from ``FDTR Index`` (its upper bound), with ``FEDL01 Index`` for the Fed
  funds path, in the ``fed funds`` sheet or any sheet that names them;
- ``fed meetings``: one column of FOMC meeting dates (without it, the published calendar).

A contract row that cannot be read (``#N/A N/A``, a ticker that names no SOFR contract, a second
row for one contract) stays in the chain table with its ``problem`` and is left out of the path;
every bad cell is in ``problems``.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._inputs import as_date, as_float, is_missing
from ..errors import InputError, MissingDataError, XlfidxError, describe_value
from ..fedfunds import STEP, FedFundsChain, fomc_meetings
from ..sofr import SofrChain, sofr_contract
from .fedfutures import (
    _PRICE_FIELDS,
    _SETTLED,
    CHAIN_FIELD_ALIASES,
    FedFuturesExport,
    _is_ticker,
    _meetings_sheet,
    _norm,
    _reason,
    export_from_sheets,
    read_sheets,
    spot_sheet_rows,
)
from .problems import ReadProblem

__all__ = ["read_sofr_export", "SofrExport", "read_sofr_chain_rows", "sofr_path_from_chain",
           "SOFR_CHAIN_COLUMNS"]

_SOFR_TICKER = re.compile(r"^\s*(?:SER|SFR|SR1|SR3)[FGHJKMNQUVXZ]\d{1,4}\b", re.IGNORECASE)
_FED_TICKER = re.compile(r"^\s*(?:FF|ZQ)[FGHJKMNQUVXZ]\d{1,2}\b", re.IGNORECASE)
_RATES = re.compile(r"^\s*(SOFRRATE|FEDL01|FDTR)\b", re.IGNORECASE)
_DATE_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})")
SOFR_CHAIN_COLUMNS = ("ticker", "contract", "start", "end", "price", "rate %", "open interest",
                      "problem")
# the latest SOFR before a pricing date that may stand for its spot (a long weekend)
_SPOT_LOOKBACK_DAYS = 5


def _problem(sheet: str, ticker: str, fld: str, value: Any, reason: str, excluded: bool = True) -> ReadProblem:
    return ReadProblem(ticker, fld, value, reason, excluded, sheet, "contract left out of the chain")


def _day(value: Any, name: str) -> np.datetime64:
    return as_date(value, name).reshape(-1)[0]


def read_sofr_chain_rows(rows: Any, pricing_date: Any, sheet: str = "", *,
                         other_tickers: str = "flag") -> tuple[pd.DataFrame, list[ReadProblem]]:
    """A SOFR futures chain given as rows of cells under a header row (a chain sheet, or a
    worksheet range), read by field name: ``ticker`` and ``px_last`` (or ``px_settle``,
    ``price``), optionally ``open_int``, in any column order; blank rows skipped. One-digit
    ticker years resolve from ``pricing_date``. Fed funds contracts (``FF``, ``ZQ``: the chain
    ``xlfidx fedpath`` reads, often on the same sheet) are passed over; rows with other tickers
    are flagged (``other_tickers="flag"``) or passed over too (``"skip"``). Returns the table (columns ``SOFR_CHAIN_COLUMNS``, sorted SR1 then SR3 by
    start) and the bad cells.

    >>> t, _ = read_sofr_chain_rows([["ticker", "px_last"], ["SFRM5 Comdty", 95.93],
    ...                              ["SR1H5", "#N/A N/A"]], "2025-04-30")
    >>> t[["contract", "start", "problem"]].astype(str).values.tolist()
    [['SR1H5', '2035-03-01', "px_last = '#N/A N/A' is missing"], ['SR3M5', '2025-06-18', '']]
    """
    pricing = _day(pricing_date, "pricing_date")
    if hasattr(rows, "tolist"):
        rows = rows.tolist()
    if not isinstance(rows, list | tuple) or not rows or not all(isinstance(r, list | tuple) for r in rows):
        raise InputError("chain", describe_value(rows), "is not a table; give the chain's range "
                         "with its header row (ticker, px_last)")
    width = max(len(r) for r in rows)
    rows = [list(r) + [None] * (width - len(r)) for r in rows]
    blank = [all(is_missing(v) for v in r) for r in rows]
    top = next((i for i, b in enumerate(blank) if not b), None)
    if top is None:
        raise InputError("chain", "(blank)", "is empty; give the chain with its header row (ticker, px_last)")
    col: dict[str, tuple[int, str]] = {}
    for j, cell in enumerate(rows[top]):
        shown = _norm(cell) if not is_missing(cell) else ""
        if shown:
            col.setdefault(CHAIN_FIELD_ALIASES.get(shown, shown), (j, shown))
    price = next((f for f in _PRICE_FIELDS if f in col), None)
    missing = [f for f, ok in (("ticker", "ticker" in col), ("px_last", price)) if not ok]
    if missing:
        raise InputError("chain", ", ".join(c[1] for c in col.values())[:80],
                         f"header has no column {', '.join(missing)}")
    out = []
    problems: list[ReadProblem] = []
    seen: dict[tuple[str, Any], str] = {}
    for r, b in zip(rows[top + 1:], blank[top + 1:], strict=True):
        if b:
            continue
        raw_ticker = r[col["ticker"][0]]
        ticker = "(no ticker)" if is_missing(raw_ticker) else str(raw_ticker).strip()
        if not _is_ticker(ticker, _SOFR_TICKER) and (
                other_tickers == "skip" or _is_ticker(ticker, _FED_TICKER)):
            continue  # the Fed funds chain listed beside: xlfidx fedpath's
        bad: list[str] = []

        def flag(fld: str, value: Any, reason: str, excluded: bool = True,
                 _t: str = ticker, _bad: list[str] = bad) -> None:
            problems.append(_problem(sheet, _t, fld, value, reason, excluded))
            if excluded:
                _bad.append(f"{fld} = {describe_value(value)} {reason}")

        contract = None
        try:
            contract = sofr_contract(raw_ticker, pricing)
        except InputError as exc:
            flag("ticker", raw_ticker, exc.reason.split(";")[0])
        p_name, p_col = col[price][1], col[price][0]
        value = r[p_col]
        p = np.nan
        try:
            p = float(as_float(value, p_name)[()])
            if not 0 < p < 200:
                flag(p_name, value, "is outside (0, 200)")
                p = np.nan
        except InputError as exc:
            flag(p_name, value, _reason(exc))
        oi = np.nan
        if "open_int" in col and not is_missing(r[col["open_int"][0]]):
            try:
                oi = float(as_float(r[col["open_int"][0]], "open_int", nonnegative=True)[()])
            except InputError as exc:
                flag("open_int", r[col["open_int"][0]], _reason(exc), False)
        if contract is not None and not bad:
            key = (contract.kind, contract.month)
            if key in seen:
                flag("ticker", raw_ticker, f"names the same contract as {seen[key]}")
            else:
                seen[key] = ticker
        out.append((ticker, contract.name if contract else "", contract.start if contract else None,
                    contract.end if contract else None, p, oi, "; ".join(bad)))
    if not out:
        raise InputError("chain", "(no rows)", "has no SOFR contract rows under its header")
    table = pd.DataFrame(out, columns=["ticker", "contract", "start", "end", "price",
                                       "open interest", "problem"])
    table["start"] = pd.to_datetime(table["start"])
    table["end"] = pd.to_datetime(table["end"])
    table.insert(5, "rate %", np.round(100.0 - table["price"].to_numpy(), 10))
    order = np.lexsort((table["start"].to_numpy(), table["contract"].str[:3].to_numpy()))
    return table.iloc[order].reset_index(drop=True), problems


def _usable(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["problem"] == ""]


def sofr_path_from_chain(rows: Any, meetings: Any, spot_rate: Any, pricing_date: Any,
                         fixings: Any = None, *, probabilities: bool = False,
                         target_low: Any = None) -> pd.DataFrame:
    """:meth:`xlfidx.SofrChain.path` (or ``.probabilities()``) of a chain given as rows of
    cells with a header (see :func:`read_sofr_chain_rows`). A contract that cannot be read is
    left out and the path computed from the others; ``attrs["notes"]`` says which, one line
    each, with the chain's own notes (contracts in their period, contracts not fitted)."""
    table, problems = read_sofr_chain_rows(rows, pricing_date)
    usable = _usable(table)
    if usable.empty:
        first = next((p for p in problems if p.excluded), None)
        raise InputError("chain", f"{len(table)} contracts", "has no usable contract" +
                         (f" ({first})" if first else ""))
    chain = SofrChain(prices=usable["price"].to_numpy(), tickers=usable["ticker"].tolist(),
                      meetings=meetings, spot_rate=spot_rate, pricing_date=pricing_date,
                      fixings=fixings, target_low=target_low)
    out = chain.probabilities() if probabilities else chain.path()
    notes = [str(p) for p in problems if p.excluded]
    if not probabilities:
        notes += out.attrs.get("notes", [])
    else:
        notes += chain.path().attrs.get("notes", [])
    out.attrs["notes"] = notes
    return out


# ---------------------------------------------------------------------------------------------
# the export


@dataclass(frozen=True)
class SofrExport:
    """What a SOFR futures export holds.

    ``chains`` maps each pricing date (``"2025-04-30"``) to its SOFR chain table (columns
    ``SOFR_CHAIN_COLUMNS``); ``sofr`` is SOFR (percent) by date; ``target`` the ``FDTR`` upper
    bound by date; ``meetings`` the meeting dates of the file (``datetime64[D]``); ``fed`` the
    Fed funds export the same book holds (None without a Fed funds chain); ``problems`` every bad
    cell, ``sources`` where each chain was read, ``ignored`` the sheets not read.
    """

    path: Path
    chains: dict[str, pd.DataFrame]
    sofr: pd.Series
    target: pd.Series
    meetings: np.ndarray
    fed: FedFuturesExport | None = None
    problems: list[ReadProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    undated_sofr: float | None = None

    @property
    def dates(self) -> list[str]:
        """The pricing dates, latest first."""
        return sorted(self.chains, reverse=True)

    def sheet_name(self, date: Any = None) -> str:
        if date is None:
            return self.dates[0]
        key = str(date.date() if isinstance(date, _dt.datetime) else date).strip()
        if key not in self.chains:
            raise InputError("date", key, f"is not a pricing date of the SOFR chains in "
                             f"{self.path.name}; it has {', '.join(self.dates)}")
        return key

    def chain(self, date: Any = None) -> pd.DataFrame:
        """The usable SOFR contracts (no problem) of one pricing date (default: the latest)."""
        return _usable(self.chains[self.sheet_name(date)]).reset_index(drop=True)

    def spot_for(self, date: Any = None) -> tuple[float, str]:
        """SOFR on a pricing date (percent) and where it came from: its ``SOFRRATE Index`` value,
        else the latest before it (a book filled on the day shows the day before: SOFR is
        published the next morning)."""
        key = self.sheet_name(date)
        day = pd.Timestamp(key)
        s = self.sofr
        if day in s.index:
            return float(s[day]), "SOFRRATE Index"
        before = s[(s.index < day) & (s.index >= day - pd.Timedelta(days=_SPOT_LOOKBACK_DAYS))]
        if len(before):
            when = before.index[-1].date()
            return float(before.iloc[-1]), f"SOFRRATE Index of {when}, the latest before the pricing date"
        if self.undated_sofr is not None and key == self.dates[0]:
            return self.undated_sofr, f"SOFRRATE Index (undated, taken as of {key})"
        raise MissingDataError("spot_rate", key, f"has no SOFRRATE Index value on or up to "
                               f"{_SPOT_LOOKBACK_DAYS} days before it in {self.path.name}; SOFR "
                               "on the pricing date is required")

    def target_low(self, date: Any = None) -> float | None:
        """The floor of the target range on a pricing date, from ``FDTR`` (None without it)."""
        day = pd.Timestamp(self.sheet_name(date))
        t = self.target
        if day in t.index:
            return round(float(t[day]) - STEP, 10)
        before = t[t.index <= day]
        return round(float(before.iloc[-1]) - STEP, 10) if len(before) else None

    def fixings(self, date: Any = None) -> pd.Series:
        """SOFR of the days before a pricing date, for the contracts already in their period."""
        day = pd.Timestamp(self.sheet_name(date))
        return self.sofr[self.sofr.index < day]

    def sofr_chain(self, date: Any = None, fill_fomc: bool = True) -> SofrChain:
        """One pricing date's chain as a :class:`~xlfidx.SofrChain`: its usable contracts, the
        file's meetings (with the published FOMC dates after the file's last one when
        ``fill_fomc``), SOFR and its fixings, and the target range from ``FDTR``."""
        key = self.sheet_name(date)
        chain = self.chain(key)
        if chain.empty:
            raise InputError("date", key, "has no usable SOFR contract (see the problems)")
        rate, source = self.spot_for(key)
        day = np.datetime64(key, "D")
        last = chain["end"].max().to_datetime64().astype("datetime64[D]")
        mtg = self.meetings[self.meetings >= day]
        added: list[str] = []
        if fill_fomc:
            after = mtg[-1] if mtg.size else day - 1
            extra = fomc_meetings(after + 1, last)
            if not mtg.size:
                extra = fomc_meetings(day, last)
            added = [str(d) for d in extra]
            mtg = np.sort(np.concatenate([mtg, extra]))
        fix = self.fixings(key)
        return SofrChain(prices=chain["price"].to_numpy(), tickers=chain["ticker"].tolist(),
                         meetings=mtg, spot_rate=rate, pricing_date=key,
                         fixings=fix if len(fix) else None, target_low=self.target_low(key),
                         spot_source=source, added_meetings=tuple(added))

    def fed_chain(self, date: Any = None) -> FedFundsChain | None:
        """The Fed funds chain of the same pricing date, when the book holds one."""
        key = self.sheet_name(date)
        if self.fed is None or key not in self.fed.chains:
            return None
        return self.fed.fed_chain(key)


def _pricing_of_sheet(name: str, header: list[str], body: pd.DataFrame) -> np.datetime64 | None:
    m = _DATE_IN_NAME.search(name)
    if m:
        try:
            return _day(m.group(1), "date")
        except InputError:
            return None
    if _SETTLED in header:
        days = []
        for v in body.iloc[:, header.index(_SETTLED)]:
            try:
                days.append(_day(v, _SETTLED))
            except InputError:
                pass
        return max(days) if days else None
    return None


def read_sofr_export(path: str | Path) -> SofrExport:
    """Read a Bloomberg SOFR futures export (see the module docstring for its layouts).

    >>> from xlfidx.samples import sample_path
    >>> x = read_sofr_export(sample_path("sofr_sample.xlsx"))  # synthetic prices
    >>> x.dates, x.spot_for("2025-04-30"), x.chain()["ticker"].iloc[0]
    (['2025-04-30'], (4.36, 'SOFRRATE Index'), 'SERJ5 Comdty')
    """
    path, sheets = read_sheets(path)
    problems: list[ReadProblem] = []
    chains: dict[str, pd.DataFrame] = {}
    sources: dict[str, str] = {}
    ignored: list[str] = []
    notes: list[str] = []
    rates: list[tuple[str, np.datetime64 | None, float]] = []
    meetings = np.array([], dtype="datetime64[D]")
    has_fed = False
    for name, raw in sheets.items():
        name = str(name).strip()
        key = _norm(name)
        if raw.empty:
            continue
        found = spot_sheet_rows(name, raw, problems, _RATES)
        if found is not None:
            rates += found
            continue
        if key == "fed meetings":
            meetings = _meetings_sheet(raw, problems)
            continue
        header = [_norm(h) for h in raw.iloc[0]]
        if "ticker" in header and any(f in header for f in (*_PRICE_FIELDS, "price")):
            body = raw.iloc[1:]
            tickers = body.iloc[:, header.index("ticker")].tolist()
            if any(_is_ticker(t, _FED_TICKER) for t in tickers):
                has_fed = True
            if not any(_is_ticker(t, _SOFR_TICKER) for t in tickers):
                continue
            pricing = _pricing_of_sheet(name, header, body)
            if pricing is None:
                ignored.append(f"sheet '{name}': SOFR futures without a pricing date (name the "
                               f"sheet by its date, e.g. 2025-04-30, or add {_SETTLED})")
                continue
            k = str(pricing)
            if k in chains:
                raise InputError(name, path.name, f"sheet holds the SOFR chain of {k}, as "
                                 f"{sources[k]} does; keep one")
            table, probs = read_sofr_chain_rows(raw.values.tolist(), pricing, name, other_tickers="skip")
            chains[k] = table
            problems += probs
            sources[k] = f"sheet '{name}'"
            continue
        if key in {"notes", "readme"}:
            notes.extend(str(v) for v in raw.to_numpy().reshape(-1) if not is_missing(v))
        elif key != "fed funds":
            ignored.append(f"sheet '{name}': not a chain, rates or meetings sheet")
    if not chains:
        raise InputError("path", path.name, "has no SOFR futures chain (a sheet with ticker and "
                         "px_last listing SER/SFR or SR1/SR3 contracts, named by its pricing date; "
                         f"found {', '.join(map(str, sheets))})")
    latest = max(chains)
    sofr: dict[np.datetime64, float] = {}
    target: dict[np.datetime64, float] = {}
    undated = None
    for root, d, r in rates:
        if root == "SOFRRATE":
            if d is None:
                undated = r
            else:
                sofr.setdefault(d, r)
        elif root == "FDTR":
            target.setdefault(np.datetime64(latest, "D") if d is None else d, r)

    def series(values: dict, label: str) -> pd.Series:
        days = sorted(values)
        return pd.Series([values[d] for d in days], name=label, dtype=float,
                         index=pd.DatetimeIndex(np.array(days, dtype="datetime64[D]")))

    fed = None
    if has_fed:
        try:
            fed = export_from_sheets(path, sheets)
        except XlfidxError as exc:
            notes_line = f"the Fed funds chain beside the SOFR chain is not read: {exc}"
            ignored.append(notes_line)
    return SofrExport(path, chains, series(sofr, "SOFR"), series(target, "FDTR upper bound"),
                      meetings, fed, problems, notes, sources, ignored, undated)
