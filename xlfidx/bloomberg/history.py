"""Daily MBS-index and Treasury-futures histories exported from Bloomberg (the MBS hedge study).

Two layouts are read, on sheet ``MBS`` and sheet ``Futures`` by default (they may be one sheet):

- Bloomberg BDH side-by-side blocks: a ticker row (``TU1 Comdty``), a field row (``Dates``,
  ``PX_LAST``, ``CONVENTIONAL_CTD_FORWARD_FRSK``, ``FUT_EQV_CNVX_NOTL``) and a date column per
  block; blocks may have different lengths (a contract that starts later has a shorter block).
- A tidy table: one ``Date`` column and one column per ticker and field, headed e.g.
  ``TU1 Comdty PX_LAST`` or ``TU PX_LAST``; the MBS columns may be headed just ``LUMSTRUU``,
  ``LUMSMD``, ``LUMSOAS``.

The MBS series are recognised by the names ``LUMSTRUU`` (total-return level), ``LUMSMD``
(modified duration, years) and ``LUMSOAS`` (OAS, bp), as a ticker (``LUMSMD Index`` with field
``PX_LAST``) or as a field. Futures tickers are recognised by their root (``TU``, ``FV``,
``TY``, ``UXY``, ``US``, ``WN``, with a generic suffix such as ``1`` or ``A``).

``#N/A N/A`` and blank cells inside a series are gaps. A gap of at most ``MAX_FILL_DAYS`` (5)
rows is filled with the previous value (a held position is marked at its last price over a
missed print or a run of holidays) and counted in ``History.notes``. A longer gap is never
filled: it stays NaN, so no strategy that needs the series earns returns over it, and the notes
name it with its first and last dates and its number of days, as they do a series that starts
later or ends earlier than the history (``History.gaps`` holds them as :class:`Gap` records). A contract with
no block, no data, or without price or duration is skipped with a :class:`HistoryWarning` and a
note; the rest of the run goes on. A missing sheet, a missing MBS series, a cell in a date column
that is not a date, or text where a number belongs raise :class:`~xlfidx.errors.InputError`
naming the sheet, cell and value.

Synthetic data: a book is SYNTHETIC when its ``README`` (or ``notes``) sheet says so in its
first rows *and* its numbers are the ones that sheet describes. The sample writer
(:mod:`xlfidx.samples.mbs_history`) lists a short digest of each year of each series on that
sheet (``check digest LUMSTRUU PX_LAST 2004:1a2b3c4d ...``, see :func:`year_digests`); a book
whose histories no longer hold any of those years (a user's export pasted over the sample) is
read as the user's data, never labelled SYNTHETIC, and a note says why.

The workbook is read with ``python-calamine`` (a Rust xlsx reader, in ``xlfidx[excel]``) when it
is installed: a 20-year history of nine blocks reads in about 0.25 s, where openpyxl, used
otherwise, takes over 2 s. An open book in xlwings Lite hands over its sheets' values
(:func:`history_from_sheets`): the same reader, no file.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
import warnings
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from xlfidx._files import check_workbook
from xlfidx._inputs import is_missing
from xlfidx.bloomberg.formulas import require_filled
from xlfidx.bloomberg.problems import column_letter
from xlfidx.errors import InputError

__all__ = [
    "CONTRACTS",
    "FUT_FIELDS",
    "MAX_FILL_DAYS",
    "MBS_SERIES",
    "Gap",
    "History",
    "HistoryWarning",
    "Sheets",
    "history_from_sheets",
    "read_history",
    "parse_rows",
    "year_digests",
]

CONTRACTS: tuple[str, ...] = ("TU", "FV", "TY", "UXY", "US", "WN")
PRICE, DURATION, CONVEXITY = "PX_LAST", "CONVENTIONAL_CTD_FORWARD_FRSK", "FUT_EQV_CNVX_NOTL"
FUT_FIELDS: tuple[str, ...] = (PRICE, DURATION, CONVEXITY)
MBS_SERIES: tuple[str, ...] = ("LUMSTRUU", "LUMSMD", "LUMSOAS")
# Longest run of missing rows (the export's business days) filled with the previous value: a
# missed print or a run of holidays. Anything longer is missing data, not a quiet market.
MAX_FILL_DAYS = 5
SYNTHETIC_LABEL = "SYNTHETIC sample data, not market data"
DIGEST_PREFIX = "check digest "
# what a long run of missing data in each series means for the backtest
_CONSEQUENCE = {"LUMSTRUU": "no strategy earns returns", "LUMSMD": "no strategy earns returns",
                "LUMSOAS": "not used by the strategies", PRICE: "no strategy holds {c}",
                DURATION: "no strategy holds {c}", CONVEXITY: "left out of the convexity averages"}

# UXY before US: "US" is a prefix of neither, but the alternation must not stop at "U..."
_FUT_RE = re.compile(r"^(UXY|TU|FV|TY|US|WN)(?:[0-9]{1,2}|A)?(?:\s|$|_|:|\||\.)", re.IGNORECASE)
_MBS_RE = re.compile(r"^(LUMSTRUU|LUMSMD|LUMSOAS)\b", re.IGNORECASE)
_DATE_HEADERS = {"DATE", "DATES"}
_EPOCH = np.datetime64("1899-12-30", "D")
_ORDINAL_1970 = _dt.date(1970, 1, 1).toordinal()


class HistoryWarning(UserWarning):
    """A contract of a history export was skipped (no block, no data, or a required field missing)."""


class Gap(NamedTuple):
    """A run of missing rows in one series of a history export.

    ``series`` is ``"LUMSTRUU"`` or ``"TY PX_LAST"``; ``first`` and ``last`` the first and last
    missing dates and ``days`` the number of missing rows; ``where`` is ``"start"`` (the series
    starts later than the history), ``"inside"`` or ``"end"`` (it ends earlier); ``filled``:
    filled with the previous value (a gap inside of at most the fill limit).
    """

    series: str
    first: _dt.date
    last: _dt.date
    days: int
    where: str
    filled: bool


class History(tuple):
    """``(mbs, futures)`` as read from an export, with what the reader had to report.

    - ``mbs``: DataFrame indexed by date (``DatetimeIndex`` named ``date``), columns
      ``LUMSTRUU``, ``LUMSMD``, ``LUMSOAS`` (the last NaN when the export lacks it).
    - ``futures``: DataFrame on the same index, columns a MultiIndex (field, contract), so
      ``futures["PX_LAST"]`` is a date x contract table; NaN before a contract starts.
    - ``notes``: human-readable lines (gaps filled or left empty, contracts skipped, later
      starts).
    - ``skipped``: contracts left out, with the reason.
    - ``gaps``: the :class:`Gap` records behind the notes.
    - ``synthetic``: True when the workbook's ``README`` sheet says the data are SYNTHETIC and
      they are the data it describes (see the module docstring); ``label`` is then
      ``SYNTHETIC_LABEL`` for titles, else ``""``.

    It unpacks as a pair: ``mbs, futures = read_history(path)``.
    """

    def __new__(cls, mbs: pd.DataFrame, futures: pd.DataFrame, notes=(), skipped=None,
                synthetic: bool = False, source: str = "", gaps=()):
        self = super().__new__(cls, (mbs, futures))
        self.notes = list(notes)
        self.gaps = list(gaps)
        self.skipped = dict(skipped or {})
        self.synthetic = bool(synthetic)
        self.source = source
        return self

    @property
    def label(self) -> str:
        return SYNTHETIC_LABEL if self.synthetic else ""

    @property
    def mbs(self) -> pd.DataFrame:
        return self[0]

    @property
    def futures(self) -> pd.DataFrame:
        return self[1]

    @property
    def contracts(self) -> list[str]:
        return list(dict.fromkeys(self[1].columns.get_level_values(1)))


def _cell(sheet: str, r: int, c: int) -> str:
    return f"{sheet}!{column_letter(c)}{r + 1}"


def _text(v: Any) -> str:
    return v.strip() if isinstance(v, str) else ""


def _to_day(v: Any, sheet: str, r: int, c: int) -> np.datetime64:
    if isinstance(v, _dt.datetime | _dt.date):
        return np.datetime64(v.date() if isinstance(v, _dt.datetime) else v, "D")
    if isinstance(v, int | float) and not isinstance(v, bool) and float(v).is_integer() and 61 <= v <= 2958465:
        return _EPOCH + np.timedelta64(int(v), "D")  # an Excel serial left unformatted
    if isinstance(v, str):
        try:
            return np.datetime64(_dt.date.fromisoformat(v.strip()[:10]), "D")
        except ValueError:
            pass
    raise InputError(_cell(sheet, r, c), v, "is not a date; the date column of a history must hold dates")


def _to_days(values: np.ndarray, sheet: str, rows: np.ndarray, c: int) -> np.ndarray:
    """A date column as ``datetime64[D]``; numpy converts date cells in one go, else cell by cell."""
    try:  # date and datetime cells (what calamine returns for date-formatted cells)
        ordinals = np.fromiter((v.toordinal() for v in values), dtype=np.int64, count=len(values))
        return (ordinals - _ORDINAL_1970).astype("datetime64[D]")
    except AttributeError:
        pass
    return np.array([_to_day(v, sheet, int(r), c) for v, r in zip(values, rows, strict=True)],
                    dtype="datetime64[D]")


def _identify(ticker: str, field: str) -> tuple[str, str, str] | None:
    """(kind, name, field) for a recognised column: ('mbs', 'LUMSMD', ...) or ('fut', 'TU', 'PX_LAST')."""
    fu = field.upper().strip()
    m = _MBS_RE.match(fu)
    if m:
        return ("mbs", m.group(1).upper(), fu)
    m = _MBS_RE.match(ticker.upper().strip())
    if m:
        return ("mbs", m.group(1).upper(), fu)
    m = _FUT_RE.match(ticker.strip() + " ")
    if m and fu in FUT_FIELDS:
        return ("fut", m.group(1).upper(), fu)
    return None


def _split_tidy(header: str) -> tuple[str, str]:
    """'TU1 Comdty PX_LAST' -> ('TU1 Comdty', 'PX_LAST'); 'LUMSMD' -> ('LUMSMD', 'PX_LAST')."""
    up = header.upper()
    for field in sorted(FUT_FIELDS, key=len, reverse=True):
        if up.endswith(field):
            return header[: len(header) - len(field)].strip(" _:|.-"), field
    return header, PRICE


def parse_rows(rows: list[list[Any]], sheet: str) -> dict[tuple[str, str], pd.Series]:
    """Every recognised series of one sheet's cell values, keyed ``(name, field)``.

    ``name`` is a contract root (``"TY"``) or an MBS series (``"LUMSMD"``). Works for BDH
    blocks and tidy tables alike; unrecognised columns are ignored.

    >>> rows = [["TY1 Comdty", None, None], ["Dates", "PX_LAST", "CONVENTIONAL_CTD_FORWARD_FRSK"],
    ...         [_dt.date(2024, 8, 1), 112.5, 6.41], [_dt.date(2024, 8, 2), "#N/A N/A", 6.40]]
    >>> s = parse_rows(rows, "Futures")
    >>> s[("TY", "PX_LAST")].tolist()
    [112.5, nan]
    """
    head = None
    for r, row in enumerate(rows[:20]):
        if any(_text(v).upper() in _DATE_HEADERS for v in row):
            head = r
            break
    if head is None:
        raise InputError(
            "sheet", sheet,
            "has no 'Dates' header cell in its first 20 rows; expected Bloomberg BDH blocks "
            "(ticker row, field row starting 'Dates') or a tidy table (a 'Date' column and one "
            "column per ticker and field)",
        )
    header = rows[head]
    width = max(len(row) for row in rows)
    body = np.empty((len(rows) - head - 1, width), dtype=object)
    for i, row in enumerate(rows[head + 1:]):
        body[i, :len(row)] = row
    date_cols = [c for c, v in enumerate(header) if _text(v).upper() in _DATE_HEADERS]
    above = rows[head - 1] if head > 0 else []
    out: dict[tuple[str, str], pd.Series] = {}
    for b, c0 in enumerate(date_cols):
        c1 = date_cols[b + 1] if b + 1 < len(date_cols) else width
        ticker = next((_text(above[c]) for c in range(c0, min(c1, len(above))) if _text(above[c])), "")
        cols = []
        for c in range(c0 + 1, c1):
            name = _text(header[c]) if c < len(header) else ""
            if not name:
                if cols:
                    break  # the empty column that ends a BDH block
                continue
            ticker_c, field = (ticker, name) if ticker else _split_tidy(name)
            key = _identify(ticker_c, field)
            if key is not None:
                cols.append((c, key, ticker_c, field))
        if not cols:
            continue
        date_col = body[:, c0]
        present = np.array([v is not None and v != "" and not (isinstance(v, str) and is_missing(v))
                            for v in date_col], dtype=bool)
        n = len(present) - int(np.argmax(present[::-1])) if present.any() else 0
        keep = present[:n]
        if not keep.all():
            # a blank date inside a block is fine only when the row's values are blank too
            for i in np.flatnonzero(~keep):
                if any(not is_missing(body[i, c]) for c, *_ in cols):
                    raise InputError(_cell(sheet, head + 1 + int(i), c0), date_col[i],
                                     f"is not a date next to values of {ticker or 'the table'}")
        rows_idx = np.flatnonzero(keep)
        days = _to_days(date_col[rows_idx], sheet, head + 1 + rows_idx, c0)
        if days.size > 1 and np.any(np.diff(days) <= np.timedelta64(0, "D")):
            i = int(np.argmax(np.diff(days) <= np.timedelta64(0, "D"))) + 1
            raise InputError(f"{sheet} dates of {ticker or 'the table'}", str(days[i]),
                             "repeats or goes back in time; dates must increase down the column")
        index = pd.DatetimeIndex(days.astype("datetime64[ns]"), name="date")
        for c, (kind, name, field), ticker_c, field_raw in cols:
            raw = body[rows_idx, c]
            vals = pd.to_numeric(pd.Series(raw, dtype=object), errors="coerce").to_numpy(dtype=float)
            for j in np.flatnonzero(np.isnan(vals)):
                v = raw[j]
                if isinstance(v, bool) or not (is_missing(v) or isinstance(v, float)):
                    raise InputError(
                        f"{ticker_c} {field_raw} at {_cell(sheet, head + 1 + int(rows_idx[j]), c)}", v,
                        "is not a number; a history cell must hold a number, a blank or #N/A N/A",
                    )
            key = (name, PRICE if kind == "mbs" else field)
            if key in out:
                raise InputError(f"{sheet} column {column_letter(c)}", f"{ticker_c} {field_raw}",
                                 "appears twice; keep one series per ticker and field")
            out[key] = pd.Series(vals, index=index, name=f"{name} {field}")
    return out


def year_digests(dates: Any, values: Any) -> str:
    """A short digest of each calendar year's numbers of one series (missing values skipped).

    The sample writer lists them on its README sheet; the reader compares them with what it
    reads to tell the sample's numbers from a user's.

    >>> year_digests(["2004-12-31", "2005-01-03"], [101.5, 101.75])
    '2004:5c9cd066 2005:b4957060'
    """
    days = np.asarray(dates, dtype="datetime64[D]")
    vals = np.asarray(values, dtype=float)
    ok = np.isfinite(vals)
    years = days.astype("datetime64[Y]").astype(np.int64) + 1970
    parts = []
    for y in np.unique(years[ok]).tolist():
        raw = vals[ok & (years == y)].astype("<f8").tobytes()
        parts.append(f"{y}:{hashlib.blake2b(raw, digest_size=4).hexdigest()}")
    return " ".join(parts)


class Sheets:
    """The sheets of a workbook by name, each read (as rows of cell values from A1) on first use.

    ``names`` lists the sheets in tab order; ``rows(name)`` reads one. A file is read with
    ``python-calamine`` when it is installed (``xlfidx[excel]``), else with openpyxl; an open
    book in xlwings Lite hands its sheets' values over directly (:meth:`from_rows`).
    """

    def __init__(self, names: list[str], read: Any, source: str = ""):
        self.names = list(names)
        self._read = read
        self.source = source

    @classmethod
    def from_rows(cls, sheets: dict[str, list[list[Any]]], source: str = "") -> Sheets:
        """Sheets already in memory: ``{name: rows}`` (xlwings Lite, the tests)."""
        return cls(list(sheets), lambda name: sheets[name], source)

    @classmethod
    def from_file(cls, path: Path) -> Sheets:
        try:
            from python_calamine import CalamineWorkbook  # fast (Rust); in xlfidx[excel]
        except ImportError:
            return cls._from_openpyxl(path)
        try:
            book = CalamineWorkbook.from_path(str(path))
        except Exception as exc:  # calamine raises its own error types for non-workbooks
            raise InputError("WORKBOOK", str(path), f"is not a readable Excel workbook ({exc})") from None
        return cls(list(book.sheet_names),
                   lambda name: book.get_sheet_by_name(name).to_python(skip_empty_area=False),
                   path.name)

    @classmethod
    def _from_openpyxl(cls, path: Path) -> Sheets:
        from openpyxl import load_workbook

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:
            raise InputError("WORKBOOK", str(path), f"is not a readable Excel workbook ({exc})") from None

        def read(name: str) -> list[list[Any]]:
            ws = book[name]
            ws.reset_dimensions()  # read every row from A1, whatever the file's stored extent
            return [list(r) for r in ws.iter_rows(min_row=1, min_col=1, values_only=True)]

        return cls(list(book.sheetnames), read, path.name)

    def rows(self, name: str) -> list[list[Any]]:
        return self._read(name)

    def find(self, sheet: str) -> list[list[Any]]:
        """The rows of ``sheet`` (its name matched exactly, else ignoring case)."""
        match = next((n for n in self.names if n == sheet), None) or next(
            (n for n in self.names if n.lower() == sheet.lower()), None)
        if match is None:
            where = f"in {self.source}" if self.source else "in the workbook"
            raise InputError("sheet", sheet, f"is not {where}; its sheets are {self.names}")
        return self.rows(match)


def _synthetic(book: Sheets, series: dict[tuple[str, str], pd.Series], notes: list[str]) -> bool:
    """Whether the README sheet says SYNTHETIC and the histories hold the numbers it describes."""
    readme = next((n for n in book.names if n.lower() in {"readme", "notes"}), None)
    if readme is None:
        return False
    rows = book.rows(readme)
    if not any("SYNTHETIC" in str(v).upper() for row in rows[:3] for v in row):
        return False
    listed: set[str] = set()
    for row in rows:
        for v in row:
            words = v[len(DIGEST_PREFIX):].split() if isinstance(v, str) and v.startswith(DIGEST_PREFIX) else []
            listed.update(f"{words[0]} {words[1]} {t}" for t in words[2:])
    if not listed:
        return True  # nothing to check against: take the sheet at its word
    for (name, field), s in series.items():
        found = year_digests(s.index.to_numpy(), s.to_numpy()).split()
        if any(f"{name} {field} {t}" in listed for t in found):
            return True
    notes.append(f"the {readme} sheet describes SYNTHETIC sample data, but none of the sample's "
                 "numbers are in the histories: read as your data, not labelled SYNTHETIC")
    return False


def _fill(series: pd.Series, index: pd.DatetimeIndex, name: str, max_fill: int) -> tuple[pd.Series, list[Gap]]:
    """Align to ``index`` and fill the gaps of at most ``max_fill`` rows inside the series' life.

    Returns the series and every run of missing rows as a :class:`Gap` named ``name``: the
    leading run (a later start), the runs inside (filled or not) and the trailing run.
    """
    s = series.reindex(index)
    valid = s.notna().to_numpy()
    if not valid.any():
        return s, []
    step = np.diff(np.r_[0, (~valid).astype(np.int8), 0])
    gaps, fill = [], np.zeros(len(valid), dtype=bool)
    for a, b in zip(np.flatnonzero(step == 1).tolist(), np.flatnonzero(step == -1).tolist(), strict=True):
        where = "start" if a == 0 else "end" if b == len(valid) else "inside"
        filled = where == "inside" and b - a <= max_fill
        fill[a:b] = filled
        gaps.append(Gap(name, index[a].date(), index[b - 1].date(), b - a, where, filled))
    if fill.any():
        s = s.where(~fill, s.ffill())
    return s, gaps


def _gap_notes(label: str, gaps: list[Gap], index: pd.DatetimeIndex, max_fill: int,
               notes: list[str]) -> None:
    """The notes of one MBS block or one contract: filled gaps on one line, then each long run.

    A later start or an earlier end shared by every field of a contract is named once, by the
    contract.
    """
    filled: dict[str, int] = {}
    for g in gaps:
        if g.filled:
            fld = g.series.split(" ", 1)[-1]
            filled[fld] = filled.get(fld, 0) + g.days
    if filled:
        notes.append(f"{label}: gaps (#N/A N/A or blank) of at most {max_fill} day(s) filled with "
                     "the previous value: " + ", ".join(f"{f} {n} day(s)" for f, n in filled.items()))
    seen: set[tuple] = set()
    for g in gaps:
        if g.filled:
            continue
        key = (g.where, g.first, g.last)
        if key in seen:
            continue
        seen.add(key)
        same = [h for h in gaps if (h.where, h.first, h.last) == key]
        name = label if len(same) > 1 and g.where != "inside" else g.series
        field = g.series.split(" ", 1)[-1]
        why = _CONSEQUENCE.get(field, "not used by the strategies").format(c=label)
        span = f"{g.days} day(s) without data, {g.first} to {g.last}"
        if g.where == "start":
            start = index[index.searchsorted(pd.Timestamp(g.last)) + 1].date()
            notes.append(f"{name}: starts on {start}, later than the history ({span}); {why} before it")
        elif g.where == "end":
            end = index[index.searchsorted(pd.Timestamp(g.first)) - 1].date()
            notes.append(f"{name}: ends on {end}, earlier than the history ({span}); {why} after it")
        else:
            notes.append(f"{name}: gap of {span}, longer than {max_fill} day(s) so not filled; "
                         f"{why} over it")


def read_history(path: str | Path, mbs_sheet: str = "MBS", futures_sheet: str = "Futures",
                 contracts: tuple[str, ...] = CONTRACTS, max_fill_days: int = MAX_FILL_DAYS) -> History:
    """Read an MBS index history and the futures histories of ``contracts`` from a workbook.

    Returns a :class:`History`, which unpacks as ``(mbs, futures)``. The date index is the
    dates of the MBS total-return and duration blocks together (a block that starts later
    shows as a later start of that series); futures dates outside it are dropped (and counted). Gaps
    of at most ``max_fill_days`` rows are filled with the previous value; longer ones stay NaN
    and are named in the notes (see the module docstring).

    >>> from xlfidx.samples import sample_path
    >>> mbs, futures = read_history(sample_path("mbs_trend_sample.xlsx"))  # synthetic data
    >>> round(float(futures["CONVENTIONAL_CTD_FORWARD_FRSK"]["TY"].mean()), 1)
    6.4
    """
    if isinstance(max_fill_days, bool) or not isinstance(max_fill_days, int | np.integer) or max_fill_days < 0:
        raise InputError("max_fill_days", max_fill_days, "must be a whole number of days >= 0")
    path = check_workbook(path, "WORKBOOK")
    require_filled(path, "WORKBOOK", (mbs_sheet, futures_sheet))
    return history_from_sheets(Sheets.from_file(path), mbs_sheet, futures_sheet, contracts,
                               max_fill_days, str(path))


def history_from_sheets(book: Sheets, mbs_sheet: str = "MBS", futures_sheet: str = "Futures",
                        contracts: tuple[str, ...] = CONTRACTS, max_fill_days: int = MAX_FILL_DAYS,
                        source: str = "") -> History:
    """:func:`read_history` of sheets already read (an open book in xlwings Lite, which has no
    files): ``book`` is a :class:`Sheets`, e.g. ``Sheets.from_rows({"MBS": rows, ...})``."""
    if isinstance(max_fill_days, bool) or not isinstance(max_fill_days, int | np.integer) or max_fill_days < 0:
        raise InputError("max_fill_days", max_fill_days, "must be a whole number of days >= 0")
    where = book.source or "the workbook"
    notes: list[str] = []
    series = parse_rows(book.find(mbs_sheet), mbs_sheet)
    if futures_sheet != mbs_sheet:
        more = parse_rows(book.find(futures_sheet), futures_sheet)
        series.update({k: v for k, v in more.items() if k not in series})
    synthetic = _synthetic(book, series, notes)

    for name in ("LUMSTRUU", "LUMSMD"):
        if (name, PRICE) not in series:
            raise InputError("ticker", name, f"is not in sheet {mbs_sheet!r} of {where}; the MBS "
                             "history needs LUMSTRUU (total return level) and LUMSMD (modified duration)")
        if series[(name, PRICE)].notna().sum() < 2:
            raise InputError("ticker", name, f"has no data in sheet {mbs_sheet!r} of {where}")
    index = series[("LUMSTRUU", PRICE)].index.union(series[("LUMSMD", PRICE)].index)
    mbs = pd.DataFrame(index=index)
    all_gaps: list[Gap] = []
    gaps: list[Gap] = []
    for name in MBS_SERIES:
        if (name, PRICE) in series:
            mbs[name], found = _fill(series[(name, PRICE)], index, name, max_fill_days)
            gaps += found
        else:
            mbs[name] = np.nan
            notes.append(f"{name}: not in the export (not needed by the strategies)")
    _gap_notes("MBS", gaps, index, max_fill_days, notes)
    all_gaps += gaps

    skipped: dict[str, str] = {}
    frames: dict[tuple[str, str], pd.Series] = {}
    for c in contracts:
        have = {f for (n, f) in series if n == c}
        if not have:
            skipped[c] = f"no {c} ticker (e.g. '{c}1 Comdty') in sheet {futures_sheet!r}"
        elif PRICE not in have or DURATION not in have:
            lack = [f for f in (PRICE, DURATION) if f not in have]
            skipped[c] = f"no {' or '.join(lack)} field for {c} in sheet {futures_sheet!r}"
        elif series[(c, PRICE)].notna().sum() < 2 or series[(c, DURATION)].notna().sum() < 1:
            skipped[c] = f"{c} has no data (every {PRICE} or {DURATION} cell is blank or #N/A)"
        if c in skipped:
            continue
        outside = int((~series[(c, PRICE)].index.isin(index)).sum())
        if outside:
            notes.append(f"{c}: {outside} date(s) not in the MBS history dropped")
        gaps = []
        for f in FUT_FIELDS:
            if (c, f) in series:
                frames[(f, c)], found = _fill(series[(c, f)], index, f"{c} {f}", max_fill_days)
                gaps += found
            else:
                frames[(f, c)] = pd.Series(np.nan, index=index)
                notes.append(f"{c}: no {f} field (the convexity chart leaves it out)")
        _gap_notes(c, gaps, index, max_fill_days, notes)
        all_gaps += gaps
    for c, why in skipped.items():
        msg = f"contract {c} skipped: {why}"
        notes.append(msg)
        warnings.warn(msg, HistoryWarning, stacklevel=2)
    if not frames:
        raise InputError("futures", futures_sheet, f"has no usable contract of {list(contracts)} "
                         f"in {where}: " + "; ".join(skipped.values()))
    futures = pd.DataFrame(frames)
    futures.columns = pd.MultiIndex.from_tuples(futures.columns, names=["field", "contract"])
    futures.index.name = mbs.index.name = "date"
    return History(mbs, futures, notes, skipped, synthetic, source, all_gaps)
