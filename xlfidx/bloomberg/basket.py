"""Reader for a Bloomberg Treasury futures basket export (sheets ``future`` and ``bonds``).

Layout (as in a ``fut_bond_data_<CONTRACT>_<DATE>.xlsx`` export):

- ``future``: two columns, ``field`` and the contract's ticker (``TYZ4 Comdty``), one row per
  field: ``last_update_dt``, ``px_last``, ``fut_dlv_dt_last``, ...
- ``bonds``: one row per deliverable, a header of Bloomberg field names: ``ticker``,
  ``px_last``, ``maturity``, ``cpn``, ``int_acc``, ``repo_reporate``, ``conversion``, ...

Fields are found by name, never by position: the columns may come in any order, with any
others beside them, and blank rows (a pasted export shorter than the range it lands in) are
skipped. The bonds' fields may also carry the names the analytics use (``coupon`` for ``cpn``,
``price`` for ``px_last``, ``cf`` for ``conversion``, ``repo`` for ``repo_reporate``).

The same parsing serves the file (:func:`read_basket_export`) and a worksheet, which hands
over the two tables as rows of cells (:func:`basket_rows_to_export`): one code path.

A bond whose price, coupon or maturity is ``#N/A N/A``, blank or text is kept in the table with
its ``problem`` column saying which cell, field and value (``bonds!C11: px_last = '#N/A N/A' is
missing``), so that the other rows are still computed; a bad optional field (``conversion``,
``repo_reporate``, ...) is reported in ``problems`` and read as missing, and a date given as
text that reads is used and reported with what it was read as. Nothing is turned silently into
a number. The checks that need the contract and the dates (a price not above zero, a negative
coupon, a maturity not after delivery or outside the deliverable window, a ticker twice) are
the basket's (:meth:`xlfidx.basket.DeliverableBasket.rows`), which names the cells the same way
from ``bonds.attrs["cells"]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

import numpy as np

from .._inputs import as_date, as_float, is_missing
from ..basket_rows import SheetCells, cell_name
from ..errors import InputError, MissingDataError, describe_value
from .problems import ReadProblem, column_letter

__all__ = ["read_basket_export", "read_basket", "basket_from_export", "basket_from_rows",
           "basket_rows_to_export", "bond_rows_to_table", "BasketProblem", "BOND_FIELD_ALIASES"]

# Bloomberg field -> the name the analytics use; these are needed to compute a bond
_REQUIRED = {"px_last": "price", "cpn": "coupon", "maturity": "maturity"}
# the analytics' names a table may use instead of Bloomberg's
BOND_FIELD_ALIASES = {"coupon": "cpn", "price": "px_last", "cf": "conversion",
                      "repo": "repo_reporate"}
_FUTURE_ALIASES = {"futures_price": "px_last", "futures price": "px_last"}
_DATE_FIELDS = {"maturity", "last_update_dt", "nxt_cpn_dt", "last_tradeable_dt", "fut_dlv_dt_last"}
_TEXT_FIELDS = {"ticker", "fut_ctd", "name", "security_des"}


BasketProblem = ReadProblem  # the basket reader's name for it


@dataclass
class _Cells:
    problems: list[BasketProblem] = field(default_factory=list)


def _clean(value: Any) -> Any:
    return None if isinstance(value, float) and np.isnan(value) else value


def _read_cell(value: Any, name: str, shown: str, ticker: str, required: bool, sink: _Cells,
               cell: str = "") -> Any:
    """One cell of field ``name`` (``shown``: the header as the table wrote it; ``cell``: where
    it is, ``bonds!C11``)."""
    value = _clean(value)
    try:
        if name in _DATE_FIELDS:
            day = as_date(value, shown)[()]
            if isinstance(value, str):  # a text date that reads: used, and said so
                sink.problems.append(BasketProblem(ticker, shown, value, "is text", False,
                                                   cell=cell, kept=f"read as {day}"))
            return day
        if name in _TEXT_FIELDS:
            return value
        return float(as_float(value, shown)[()])
    except InputError as exc:
        reason = "is missing" if isinstance(exc, MissingDataError) else exc.reason.split(";")[0]
        sink.problems.append(BasketProblem(ticker, shown, value, reason, required, cell=cell))
        return np.datetime64("NaT") if name in _DATE_FIELDS else np.nan


def _norm(text: Any) -> str:
    return "" if is_missing(text) else str(text).strip().lower()


def _blank_row(row: Sequence[Any]) -> bool:
    return all(is_missing(_clean(v)) for v in row)


def _rows(rows: Any, name: str) -> list[list[Any]]:
    """A table as a list of rows (a 2-D list from Excel, tuples from a file, an array)."""
    if hasattr(rows, "tolist"):
        rows = rows.tolist()
    if not isinstance(rows, list | tuple) or not rows or not all(isinstance(r, list | tuple)
                                                                 for r in rows):
        raise InputError(name, describe_value(rows), "is not a table; give the export's range with "
                         "its header row")
    width = max(len(r) for r in rows)
    return [list(r) + [None] * (width - len(r)) for r in rows]


def _cell(sheet: str | None, j: int, row: int) -> str:
    """The cell at 0-based column ``j`` of 1-based ``row`` (``bonds!C11``; ``row 3`` of a table
    that is not a sheet's)."""
    return cell_name(sheet, column_letter(j), row)


def _future_fields(rows: list[list[Any]], sink: _Cells, sheet: str | None = "future") -> Any:
    """The ``future`` table, Bloomberg's way (rows of field, value under ``field | TICKER``)
    or as one header row of field names over one row of values."""
    import pandas as pd

    numbers = [i + 1 for i, r in enumerate(rows) if not _blank_row(r)]  # each row's number
    rows = [r for r in rows if not _blank_row(r)]
    if not rows or len(rows[0]) < 2:
        raise InputError("future", f"{len(rows)} rows", "needs a 'field' column and a column of "
                         "values (the export's 'future' sheet)")
    first_col = [_norm(r[0]) for r in rows]
    header = [_norm(h) for h in rows[0]]
    pairs: list[tuple[str, Any, str]]  # field, value, cell
    if "px_last" in first_col[1:] or first_col[0] == "field" or len(rows) > 2:
        contract = str(rows[0][1]).strip() if not is_missing(rows[0][1]) else ""
        pairs = [(first_col[i], rows[i][1], _cell(sheet, 1, numbers[i]))
                 for i in range(1, len(rows)) if first_col[i]]
    else:  # one header row of field names over one row of values
        values = rows[1] if len(rows) > 1 else [None] * len(header)
        row = numbers[1] if len(numbers) > 1 else numbers[0] + 1
        pairs = [(h, v, _cell(sheet, j, row))
                 for j, (h, v) in enumerate(zip(header, values, strict=False)) if h]
        contract = next((str(v).strip() for h, v, _ in pairs if h in ("ticker", "contract")
                         and not is_missing(v)), "")
    if not contract:
        raise InputError("future", "(no contract)", "names no contract; the export's 'future' "
                         "sheet has the ticker (TYZ4 Comdty) beside 'field' in its first row")
    fields = {}
    for key, value, cell in pairs:
        key = _FUTURE_ALIASES.get(key, key)
        if key in fields or key in ("ticker", "contract"):
            continue
        fields[key] = _read_cell(value, key, key, contract, False, sink, cell)
    future = pd.Series(fields, name=contract, dtype=object)
    return future


def _bond_header(rows: list[list[Any]]) -> tuple[int, dict[str, tuple[int, str]]]:
    """The header row (the first row that is not blank) and each field's column."""
    top = next((i for i, r in enumerate(rows) if not _blank_row(r)), None)
    if top is None:
        raise InputError("bonds", "(blank)", "is empty; give the export's 'bonds' table with its "
                         "header row")
    cols: dict[str, tuple[int, str]] = {}
    for j, cell in enumerate(rows[top]):
        shown = _norm(cell)
        if not shown:
            continue  # a range wider than the table
        name = BOND_FIELD_ALIASES.get(shown, shown)
        if name in cols:
            if BOND_FIELD_ALIASES.get(shown) and cols[name][1] == name:
                continue  # Bloomberg's field beside our name for it: Bloomberg's wins
            raise InputError("bonds", shown, f"appears twice in the header row (columns "
                             f"{cols[name][0] + 1} and {j + 1}); keep one")
        cols[name] = (j, shown)
    return top, cols


def _bond_table(bond_rows: Any, sink: _Cells, sheet: str | None = "bonds") -> Any:
    """The bonds table; ``sheet`` names the cells of the problems (``bonds!C11``: the rows are
    the sheet's from its first row), or None for a table that is not a sheet's (the rows of
    the column form: ``row 3``, the first under the header being ``row 1``)."""
    import pandas as pd

    rows = _rows(bond_rows, "bonds")
    top, cols = _bond_header(rows)
    missing = [f for f in ("ticker", *_REQUIRED) if f not in cols]
    if missing:
        alias = {v: k for k, v in BOND_FIELD_ALIASES.items()}
        names = ", ".join(f"{m} (or {alias[m]})" if m in alias else m for m in missing)
        raise InputError("bonds", ", ".join(c[1] for c in cols.values())[:80],
                         f"header has no column {names}")
    first = top + 2 if sheet is not None else 1  # the number of the first row under the header
    columns: dict[str, list[Any]] = {name: [] for name in cols}
    problem, where = [], []
    width = len(rows[top])
    for offset, row in enumerate(rows[top + 1:]):
        if _blank_row(row):
            continue
        row = list(row) + [None] * (width - len(row))
        ticker = row[cols["ticker"][0]]
        ticker = "(no ticker)" if is_missing(_clean(ticker)) else str(ticker).strip()
        before = len(sink.problems)
        for name, (j, shown) in cols.items():
            columns[name].append(_read_cell(row[j], name, shown, ticker, name in _REQUIRED, sink,
                                            _cell(sheet, j, first + offset)))
        problem.append("; ".join(p.text for p in sink.problems[before:] if p.excluded))
        where.append(offset)
    if not where:
        raise InputError("bonds", "(no rows)", "has no bond rows under its header")
    # one array per field with its type set here, not guessed: numbers as floats, dates in
    # seconds (pandas' own unit for dates: nanoseconds would end in 2262, Excel's in 9999),
    # text as it came
    data: dict[str, Any] = {}
    for name, values in columns.items():
        if name in _DATE_FIELDS:
            data[name] = np.array([np.datetime64("NaT") if is_missing(v) else v for v in values],
                                  dtype="datetime64[s]")
        elif name in _TEXT_FIELDS:
            data[name] = values
        else:
            data[name] = np.array(values, dtype=float)
    data["ticker"] = ["" if is_missing(_clean(t)) else str(t).strip() for t in data["ticker"]]
    data["problem"] = problem
    data["coupon"] = data["cpn"].copy()
    data["price"] = data["px_last"].copy()
    if "conversion" in data:
        data["cf"] = data["conversion"].copy()
    # the index is each bond's row under the header (0 = the first), blank rows counted, so a
    # result can point back at the row of the range it came from
    bonds = pd.DataFrame(data, index=pd.Index(where, name="row"))
    # where each analytics field is, for the checks that name a bad row's cell
    # (:func:`xlfidx.basket_rows.check_rows`)
    letters = {name: (column_letter(j), shown) for name, (j, shown) in cols.items()}
    for ours, theirs in (("coupon", "cpn"), ("price", "px_last"), ("cf", "conversion")):
        if theirs in letters:
            letters[ours] = letters[theirs]
    bonds.attrs["cells"] = SheetCells(sheet, first, tuple(letters.items()))
    return bonds


def bond_rows_to_table(bond_rows: Any, sheet: str | None = "bonds") -> Any:
    """The deliverable bonds given as rows of cells under a header row, read by field name
    (Bloomberg's ``ticker``, ``px_last``, ``cpn``, ``maturity``, ``conversion``, ... or ours:
    ``price``, ``coupon``, ``cf``, ``repo``): the ``bonds`` table of
    :func:`read_basket_export`, each bad row flagged in ``problem``; the index is the row
    under the header (blank rows are skipped but counted).

    >>> import datetime as dt
    >>> b = bond_rows_to_table([["ticker", "price", "coupon", "maturity"],
    ...                         [None, None, None, None],
    ...                         ["T 4.5 08/15/39 Govt", 98.6641, 4.5, dt.datetime(2039, 8, 15)]])
    >>> b.index.tolist(), b["coupon"].tolist(), b["problem"].tolist()
    ([1], [4.5], [''])
    """
    sink = _Cells()
    bonds = _bond_table(bond_rows, sink, sheet)
    bonds.attrs["problems"] = sink.problems
    return bonds


def basket_rows_to_export(future_rows: Any, bond_rows: Any, sheets: tuple[str, str] = (
        "future", "bonds")) -> tuple[Any, Any]:
    """The export's ``future`` and ``bonds`` tables, given as rows of cells with their header
    row (what a worksheet range holds), read by field name; returns ``(future, bonds)`` as
    :func:`read_basket_export` does.

    >>> import datetime as dt
    >>> future = [["field", "USZ3 Comdty"], ["last_update_dt", dt.datetime(2023, 11, 21)],
    ...           ["px_last", 115.96875]]
    >>> bonds = [["maturity", "ticker", "cpn", "px_last"],       # any column order
    ...          [dt.datetime(2039, 8, 15), "T 4.5 08/15/39 Govt", 4.5, 98.6641],
    ...          [dt.datetime(2039, 2, 15), "T 3.5 02/15/39 Govt", 3.5, "#N/A N/A"],
    ...          [None, None, None, None]]                       # a blank row: skipped
    >>> f, b = basket_rows_to_export(future, bonds)
    >>> f.name, b["problem"].tolist()
    ('USZ3 Comdty', ['', "bonds!D3: px_last = '#N/A N/A' is missing"])
    """
    sink = _Cells()
    future = _future_fields(_rows(future_rows, "future"), sink, sheets[0])
    bonds = _bond_table(bond_rows, sink, sheets[1])
    bonds.attrs["problems"] = sink.problems
    future.attrs["problems"] = [p for p in sink.problems if p.ticker == str(future.name)]
    return future, bonds


def _sheet_rows(path: Path) -> dict[str, list[list[Any]]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (ValueError, OSError, KeyError, BadZipFile, InvalidFileException) as exc:
        raise InputError("path", str(path), f"is not a readable Excel workbook ({exc})") from None
    try:
        return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    finally:
        wb.close()


def read_basket_export(path: str | Path):
    """Read a basket export; returns ``(future, bonds)``.

    ``future`` is a ``pandas.Series`` of the ``future`` sheet's fields (``name`` is the
    contract ticker). ``bonds`` is a DataFrame with the export's columns plus ``coupon``,
    ``maturity``, ``price``, ``cf`` (from ``conversion``) and ``problem`` (empty when the row
    is fine); ``bonds.attrs["problems"]`` lists every bad cell as a :class:`BasketProblem`.
    The sheets are read by :func:`basket_rows_to_export`, as a worksheet's ``=DLV`` reads them.

    >>> from xlfidx.samples import sample_path
    >>> future, bonds = read_basket_export(sample_path("fut_bond_data_USZ3_2023-11-21.xlsx"))
    >>> future.name, len(bonds), float(bonds["cf"].iloc[0])
    ('USZ3 Comdty', 16, 0.85)
    """
    from .._files import check_workbook  # the file checks load with the first file, not a cell
    from .formulas import require_filled

    path = check_workbook(path, "path")
    require_filled(path, "FILE", ("future", "bonds"))
    sheets = _sheet_rows(path)
    names = {str(n).strip().lower(): n for n in sheets}
    for need in ("future", "bonds"):
        if need not in names:
            raise InputError("path", path.name, f"has no '{need}' sheet; a basket export has sheets "
                             f"'future' and 'bonds' (found {', '.join(map(str, sheets))})")
    rows = {need: sheets[names[need]] for need in ("future", "bonds")}
    for need, table in rows.items():
        if not any(not _blank_row(r) for r in table):
            raise InputError(need, path.name, "sheet is empty")
    return basket_rows_to_export(rows["future"], rows["bonds"],
                                 (str(names["future"]), str(names["bonds"])))


def basket_from_export(future: Any, bonds: Any, source: str = "", *, settle: Any = None,
                       futures_price: Any = None) -> Any:
    """The :class:`~xlfidx.basket.DeliverableBasket` of an export's ``future`` fields and
    ``bonds`` table (as :func:`read_basket_export` returns them), with the export's defaults:
    settlement T+1 (SIFMA) after ``last_update_dt``, the futures price ``px_last``, the
    contract's last delivery day, and the repo: when the export carries Bloomberg's
    ``fut_ctd_net_basis``, the term repo that makes xlfidx's net basis of the CTD equal to it
    (Bloomberg prices the basis at a term rate to delivery; ``repo_reporate`` is an overnight
    rate), else ``repo_reporate`` (one rate, or one per bond when they differ). The basket's
    ``repo_note`` says which, and its ``notes`` name the bond fields the analytics do not use,
    and why. This is the one place those defaults are set. ``settle`` and ``futures_price``,
    when given, stand in for the export's (which may then be missing); the term repo is still
    the one of the export's own date and prices.

    >>> import datetime as dt
    >>> f, b = basket_rows_to_export(
    ...     [["field", "USZ3 Comdty"], ["last_update_dt", dt.datetime(2023, 11, 21)],
    ...      ["px_last", 115.96875]],
    ...     [["ticker", "cpn", "maturity", "px_last", "repo_reporate"],
    ...      ["T 4.5 08/15/39 Govt", 4.5, dt.datetime(2039, 8, 15), 98.6641, 5.413]])
    >>> basket = basket_from_export(f, b)
    >>> str(basket.settle), basket.repo, basket.futures_price, basket.repo_note
    ('2023-11-22', 5.413, 115.96875, 'repo_reporate; Act/360')
    """
    import dataclasses

    from ..basket import DeliverableBasket
    from ..bonds import settlement_date

    contract = str(future.name)
    update = future.get("last_update_dt")
    has_update = not (update is None or (isinstance(update, np.datetime64) and np.isnat(update)))
    if settle is None and not has_update:
        raise MissingDataError("last_update_dt", update, f"is missing in the {contract} export; "
                               "give the settlement date")
    price = future.get("px_last") if futures_price is None else futures_price
    if price is None or not np.isfinite(price):
        raise MissingDataError("px_last", price, f"of {contract} is missing in the export")
    repo: Any = None  # not in the export: the caller gives it
    if "repo_reporate" in bonds:
        rates = bonds["repo_reporate"].to_numpy(dtype=float)
        usable = rates[(bonds["problem"].to_numpy(dtype=object) == "") & ~np.isnan(rates)]
        if usable.size:  # one rate for all, or each bond's (a missing one: the first bond's)
            first = float(usable[0])
            repo = first if (usable == first).all() else \
                tuple(np.where(np.isnan(rates), first, rates).tolist())
    notes = [str(p) for p in bonds.attrs.get("problems", [])]
    own_price = future.get("px_last")
    own_settle = settlement_date(update) if has_update else None
    settle = own_settle if settle is None else settle
    bloomberg = {k: future.get(k) for k in ("fut_ctd", "fut_ctd_px", "fut_ctd_gross_basis",
                                            "fut_ctd_net_basis") if k in future.index}
    basket = DeliverableBasket(contract, bonds, float(price),
                               np.datetime64(settle, "D").astype(object), repo,
                               as_of=np.datetime64(update, "D").astype(object) if has_update
                               else None, source=source, notes=(),
                               repo_note="repo_reporate; Act/360" if repo is not None else "",
                               bloomberg=bloomberg)
    term = None
    if own_settle is not None and own_price is not None and np.isfinite(own_price):
        # the term repo is a market rate of the export's own date and prices: a futures price or
        # settlement given in their place keeps it
        own = dataclasses.replace(basket, futures_price=float(own_price),
                                  settle=np.datetime64(own_settle, "D").astype(object))
        term = _term_repo(own, bloomberg)
    if term is not None:
        overnight = ("" if repo is None else
                     f"; repo_reporate {repo:.3f}% overnight" if not isinstance(repo, tuple) else
                     f"; repo_reporate {min(repo):.3f}% to {max(repo):.3f}% overnight")
        basket = dataclasses.replace(
            basket, repo=term,
            repo_note=f"term, implied by Bloomberg's CTD net basis{overnight}")
    notes.extend(_unused_fields(basket))
    return dataclasses.replace(basket, notes=tuple(notes))


def _term_repo(basket: Any, bloomberg: dict[str, Any]) -> float | None:
    """The repo (percent) at which xlfidx's net basis of Bloomberg's CTD is Bloomberg's
    ``fut_ctd_net_basis``; None when the export does not carry it or its CTD is not found."""
    from ..basis import implied_repo

    nb = bloomberg.get("fut_ctd_net_basis")
    if nb is None or not isinstance(nb, float | int) or not np.isfinite(nb):
        return None
    try:
        row = _bloomberg_ctd_row(basket, bloomberg)
    except InputError:
        return None
    if row is None:
        return None
    good, f, s, _r = basket.market(repo=0.0)
    b = good.loc[row]
    cf = b["cf"] if "cf" in good and np.isfinite(b.get("cf", np.nan)) else \
        basket.future.conversion_factor(b["coupon"], b["maturity"])
    delivery = basket.delivery if basket.delivery is not None else basket.future.last_delivery_day
    return float(implied_repo(b["price"], b["coupon"], b["maturity"], f, cf, s, delivery,
                              float(nb) / 32.0))


def _bloomberg_ctd_row(basket: Any, bloomberg: dict[str, Any]) -> Any:
    """The index label of the bond Bloomberg names CTD (``fut_ctd``, e.g. ``T 4.25 06/30/31``,
    else the one priced ``fut_ctd_px``), else xlfidx's own CTD (highest implied repo)."""
    from ..basket import _same_bond

    checked = basket.rows()
    good = checked.table[checked.ok]
    name = bloomberg.get("fut_ctd")
    if isinstance(name, str):
        hit = [i for i, c, m in zip(good.index, good["coupon"], good["maturity"], strict=True)
               if _same_bond(name, float(c), m)]
        if len(hit) == 1:
            return hit[0]
    px = bloomberg.get("fut_ctd_px")
    if isinstance(px, float | int) and np.isfinite(px):
        hit = good.index[np.isclose(good["price"].to_numpy(float), float(px), rtol=0, atol=1e-9)]
        if len(hit) == 1:
            return hit[0]
    return basket.ctd()["row"]


# the bond fields a basket export may carry that the analytics do not use, and why
_SCHEDULE = "the coupon schedule, computed from maturity"
_UNUSED = {
    "last_update_dt": "each bond's pricing date; the future sheet's sets the settlement",
    "days_to_mty": _SCHEDULE,
    "nxt_cpn_dt": _SCHEDULE,
    "days_to_next_coupon": _SCHEDULE,
    "accrued_days_between_cpn_dates": _SCHEDULE,
    "days_acc": _SCHEDULE,
    "dur_adj_mid": "Bloomberg's duration at spot; the DLV computes its own",
}


def _unused_fields(basket: Any) -> list[str]:
    """A note naming the bond fields the analytics do not use, and why; ``basis_mid`` and
    ``repo_implied_reporate`` are set against xlfidx's own figures for this contract."""
    bonds = basket.bonds
    used = {"ticker", "px_last", "cpn", "maturity", "conversion", "int_acc", "repo_reporate",
            "coupon", "price", "cf", "problem"}
    by_reason: dict[str, list[str]] = {}
    for f in bonds.columns:
        if f in _UNUSED:
            by_reason.setdefault(_UNUSED[f], []).append(f)
    skip = [f"{', '.join(fields)} ({reason})" for reason, fields in by_reason.items()]
    other = [f for f in bonds.columns if f not in used and f not in _UNUSED
             and f not in ("basis_mid", "repo_implied_reporate")]
    if other:
        skip.append(", ".join(other) + " (not a field the DLV reads)")
    for name, col, unit in (("basis_mid", "gross_basis_32nds", "/32"),
                             ("repo_implied_reporate", "implied_repo", "%")):
        if name not in bonds:
            continue
        try:
            dlv = basket.dlv(repo=5.0 if basket.repo is None else None)
        except InputError:
            break
        ctd = dlv.ctd
        theirs = bonds.loc[bonds["ticker"] == ctd["ticker"], name] if ctd["ticker"] else []
        theirs = float(theirs.iloc[0]) if len(theirs) else np.nan
        if not np.isfinite(theirs):
            skip.append(f"{name} (not set against this contract's figures: the CTD has none)")
        elif abs(theirs - float(ctd[col])) > (0.5 if unit == "/32" else 0.05):
            skip.append(f"{name} (refers to another contract: the CTD's is {theirs:.3f}{unit} "
                        f"where {basket.contract}'s is {float(ctd[col]):.3f}{unit})")
        else:
            skip.append(f"{name} (Bloomberg's; agrees with xlfidx's to "
                        f"{abs(theirs - float(ctd[col])):.3f}{unit})")
    return [f"bond fields not used: {'; '.join(skip)}"] if skip else []


def basket_from_rows(bond_rows: Any, future: Any, *, futures_price: Any = None, settle: Any = None,
                     repo: Any = None, delivery: Any = None, source: str = "",
                     sheet: str | None = "bonds") -> Any:
    """Rows in, :class:`~xlfidx.basket.DeliverableBasket` out: what a worksheet holds, in one
    call. ``bond_rows`` is the bonds table as rows of cells under its header row (read by
    field name, as :func:`bond_rows_to_table` reads it); ``future`` is either the export's
    ``future`` table as rows of cells (then the basket carries the export's defaults, see
    :func:`basket_from_export`) or a contract ticker such as ``"TYZ4"`` (then it has no defaults
    but the arguments given). ``futures_price``, ``settle``, ``repo`` and ``delivery``, when
    given, stand in for the export's. A problem names its cell as on ``sheet`` when the rows
    start at its cell A1 (``bonds!C11``), or by its row when ``sheet`` is None (``row 3``).

    >>> import datetime as dt
    >>> bonds = [["ticker", "cpn", "maturity", "px_last"],
    ...          ["T 4.5 08/15/39 Govt", 4.5, dt.datetime(2039, 8, 15), 98.6641]]
    >>> b = basket_from_rows(bonds, "USZ3", futures_price=115.96875, settle="2023-11-22",
    ...                      repo=5.413)
    >>> b.contract, str(b.settle), b.repo, round(float(b.dlv().ctd["implied_repo"]), 3)
    ('USZ3', '2023-11-22', 5.413, 3.524)
    """
    import dataclasses

    from ..basket import DeliverableBasket

    if isinstance(future, str):
        s = None if settle is None else np.datetime64(as_date(settle, "settle")[()], "D").astype(object)
        f = None if futures_price is None else float(as_float(futures_price, "futures_price")[()])
        return DeliverableBasket(future.strip(), bond_rows_to_table(bond_rows, sheet), f, s,
                                 None if repo is None else float(as_float(repo, "repo")[()]),
                                 delivery=delivery, source=source)
    basket = basket_from_export(*basket_rows_to_export(future, bond_rows, ("future", sheet)),
                                source, settle=settle, futures_price=futures_price)
    changes = {k: v for k, v in (("repo", repo), ("delivery", delivery)) if v is not None}
    if "repo" in changes:
        changes["repo"] = float(as_float(repo, "repo")[()])
        changes["repo_note"] = "given; Act/360"
    return dataclasses.replace(basket, **changes) if changes else basket


def read_basket(path: str | Path, *, settle: Any = None, futures_price: Any = None) -> Any:
    """Read a basket export as a :class:`~xlfidx.basket.DeliverableBasket` that carries the
    export's own defaults (see :func:`basket_from_export`).

    >>> from xlfidx.samples import sample_path
    >>> b = read_basket(sample_path("fut_bond_data_USZ3_2023-11-21.xlsx"))
    >>> b.contract, str(b.settle), b.repo
    ('USZ3 Comdty', '2023-11-22', 5.413)
    """
    future, bonds = read_basket_export(path)
    return basket_from_export(future, bonds, str(path), settle=settle, futures_price=futures_price)
