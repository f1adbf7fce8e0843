"""xlfidx's worksheet functions: what Excel sees (``UDF Modules`` = ``xlfidx.excel.udfs``).

Each function converts its arguments, calls the core and shapes the result; no market logic
lives here. A range in gives a range out in the same orientation, a scalar gives a scalar;
a bad argument gives a one-line text starting with ``#VALUE!`` (``#N/A`` for missing market
data) that names the argument and the value, on the bad rows only. Dates are Excel serials or
datetimes; a number may arrive as a ``Decimal`` (a cell formatted as Currency). Coupons, repo
and rates are in percent, prices in points per 100 face.

The functions that read a basket or a chain take either the Bloomberg export's tables as they
sit on the sheet, header row included (``=DLV(bonds!A1:P40, future!A1:B12)``): fields found by
name, in any column order, blank rows ignored, through the same core reader as ``xlfidx dlv``;
or the older column-by-column form (``=DLV(prices, coupons, maturities, ...)``). Which form a
call uses is told by its first argument: a range whose top row names the fields is a table.

The parameters carry no type hints on purpose: xlwings reads a parameter's annotation as its
converter, and ``Any`` is not one. Heavy imports (numpy, pandas, the core) happen on the first
call, so that Excel loads this module in a fraction of a second.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
from collections.abc import Callable
from typing import Any

from xlfidx.errors import InputError, MissingDataError, XlfidxError
from xlfidx.excel._udf import (
    NOT_FINITE,
    RANGE,
    arg,
    as_column,
    as_vector,
    common_layout,
    error_text,
    evaluate,
    func,
    table_output,
    to_cell,
)

__all__ = [
    "CONVFACTOR", "ACCRUED", "FWDPRICE", "GROSSBASIS", "CARRY", "NETBASIS", "IMPLIEDREPO",
    "CTD", "DLV", "DLVINFO", "CTDSCENARIOS", "DELIVERYOPTION", "CALENDARROLL", "FUTDV01",
    "TBADV01", "ICSRATIO", "FEDPATH", "FEDPROBS", "HEDGEWEIGHTS", "UDFS", "COLUMN_FORMS",
    "SOFRPATH", "SOFRPROBS",
]

_CATEGORY = "xlfidx"

# argument descriptions shared by several functions (Excel's function wizard shows them)
_DOC = {
    "price": "Clean price of the bond, points per 100 face (103.296875); a value or a column",
    "prices": "Clean prices of the deliverable bonds, points per 100 face (a column)",
    "coupon": "Annual coupon in percent (4.25); a value or a column",
    "coupons": "Annual coupons of the deliverable bonds in percent (a column)",
    "maturity": "Maturity date (a date or an Excel serial); a value or a column",
    "maturities": "Maturity dates of the deliverable bonds (a column)",
    "contract": 'Futures ticker: "TYZ4", "TYZ24", "TYZ4 Comdty" or the CME code "ZNZ4"',
    "settle": "Settlement date of the bond (a date or an Excel serial)",
    "delivery": "Delivery date (a date); blank = the contract's last delivery day",
    "repo": "Term repo rate to delivery, percent Act/360 (5.375)",
    "futures_price": "Futures price, points per 100 face (114.234375)",
    "cf_or_contract": 'Conversion factor (0.9069) or the futures ticker ("TYZ4") to compute it',
    "units": '"points" (default) or "32nds"',
    "bonds": "The export's 'bonds' table with its header row (ticker, px_last, maturity, cpn, "
             "...; any order, blank rows ignored). Column form: the clean prices",
    "future": "The export's 'future' table (field, value; first row: field, the contract "
              "ticker) or a ticker. Column form: the coupons",
    "method": '"cme" (default, CME FedWatch), "next" (the next month\'s contract) or "backout" '
              "(backed out of the meeting month's own contract)",
}

# The column-by-column forms of the functions that also take the export's tables: their
# arguments by position. In a column-form call an error names the argument as it stands here.
COLUMN_FORMS: dict[str, tuple[str, ...]] = {
    "CTDSCENARIOS": ("prices", "coupons", "maturities", "futures_price", "contract", "settle",
                     "repo", "shifts_bp", "delivery", "tickers"),
    "DELIVERYOPTION": ("prices", "coupons", "maturities", "futures_price", "contract", "settle",
                       "repo", "vol_bp", "delivery", "tickers"),
    "CTD": ("prices", "coupons", "maturities", "futures_price", "contract", "settle", "delivery",
            "ids"),
    "DLV": ("prices", "coupons", "maturities", "futures_price", "contract", "settle", "repo",
            "delivery", "tickers"),
    "CALENDARROLL": ("prices", "coupons", "maturities", "front", "front_price", "back",
                     "back_price", "settle", "front_repo", "back_repo", "roll_repo", "vol_bp"),
    "FEDPATH": ("prices", "expiries", "meetings", "spot_rate", "method"),
    "FEDPROBS": ("prices", "expiries", "meetings", "spot_rate", "method"),
}

# the fields whose names in a range's top row make it a table rather than a column
_BOND_FIELDS = frozenset({"ticker", "px_last", "cpn", "maturity", "coupon", "price", "conversion",
                          "cf", "repo_reporate", "repo"})
_CHAIN_FIELDS = frozenset({"ticker", "px_last", "last_tradeable_dt", "open_int", "price",
                           "expiry", "last trade"})


def _np():
    import numpy as np  # deferred to the first call (cold import budget)

    return np


def _core():
    """The core's public API (``xlfidx``): each name loads its module on first use."""
    import xlfidx  # lazy (PEP 562): importing the package itself costs nothing

    return xlfidx


def _num(values: Any, name: str) -> Any:
    from xlfidx._inputs import as_float

    return as_float(values, name)


def _pos(values: Any, name: str) -> Any:
    from xlfidx._inputs import as_float

    return as_float(values, name, positive=True)


def _date(values: Any, name: str) -> Any:
    from xlfidx._inputs import as_date

    if isinstance(values, list) and values and all(type(v) is _dt.datetime for v in values):
        # a column of date cells (what pywin32 passes): one vectorised conversion
        np = _np()
        out = np.array(values, dtype="datetime64[D]")
        from xlfidx.dates import EXCEL_EPOCH, FIRST_EXCEL_SERIAL

        if (out < EXCEL_EPOCH + FIRST_EXCEL_SERIAL).any():  # not an Excel date: say which
            return as_date(values, name)
        return out
    return as_date(values, name)


def _blank(value: Any) -> bool:
    from xlfidx._inputs import is_missing

    return is_missing(value) and not (isinstance(value, str) and value.strip().upper().startswith("#N/A"))


def _scalar(value: Any, name: str) -> Any:
    """One value (a single cell); a range of several cells is an error naming the argument."""
    col = as_column(value, name)
    if col.layout.kind != "scalar":
        raise InputError(name, f"{len(col)} cells", "must be a single value, not a range")
    return col.values[0]


def _optional(value: Any, name: str, convert: Callable[[Any, str], Any]) -> Any:
    """An optional single value: None when blank or left out, else converted."""
    if value is None:
        return None
    v = _scalar(value, name)
    return None if _blank(v) else convert(v, name)


def _text(value: Any, name: str, what: str) -> str:
    from xlfidx._inputs import as_text

    return as_text(_scalar(value, name), name, what=what)


def _units(units: Any) -> float:
    """The multiplier from points: 1 for "points", 32 for "32nds"."""
    u = _scalar(units, "units")
    if _blank(u):
        return 1.0
    text = str(u).strip().lower().replace(" ", "")
    if text in ("points", "point", "pts", "pt", "decimal"):
        return 1.0
    if text in ("32nds", "32nd", "32", "32s", "ticks"):
        return 32.0
    raise InputError("units", u, 'is not a unit; give "points" or "32nds"')


def _cf_converter(values: Any, name: str) -> Any:
    """A conversion factor column, or a ticker (text) from which the core computes it."""
    np = _np()
    items = values if isinstance(values, list) else [values]
    texts = [v for v in items if isinstance(v, str) and not _blank(v) and not v.strip().upper().startswith("#N/A")]
    if texts:
        try:
            float(texts[0].replace(",", ""))
        except ValueError:
            if not isinstance(values, list):
                return values.strip()
            if len(texts) == len(items) and len({t.strip().upper() for t in texts}) == 1:
                return texts[0].strip()
            raise InputError(name, texts[0], "mixes tickers and numbers; give one ticker or a "
                             "column of conversion factors") from None
    out = _pos(values, name)
    return out if isinstance(values, list) else np.asarray(out)


def _resolve_cf(coupon: Any, maturity: Any, cf_or_contract: Any, settle: Any) -> Any:
    # a one-digit contract year means the first such delivery month on or after settlement
    if isinstance(cf_or_contract, str):
        return _core().conversion_factor(coupon, maturity, cf_or_contract, settle=settle)
    return cf_or_contract


def _rows(value: Any) -> list[list[Any]] | None:
    """A range of several rows and columns as rows of cells, else None."""
    if hasattr(value, "tolist") and getattr(value, "ndim", 0) == 2:
        value = value.tolist()
    if isinstance(value, list | tuple) and value and all(isinstance(r, list | tuple) for r in value):
        rows = [list(r) for r in value]
        if len(rows) > 1 and max(len(r) for r in rows) > 1:
            return rows
    return None


def _table(value: Any, fields: frozenset[str]) -> list[list[Any]] | None:
    """The rows of ``value`` when it is a table whose top row (the first that is not blank)
    names at least two of ``fields``; None when it is a column, a row or a value."""
    rows = _rows(value)
    if rows is None:
        return None
    for row in rows:
        names = {c.strip().lower() for c in row if isinstance(c, str) and c.strip()}
        if names or any(not _blank(c) for c in row):
            return rows if len(names & fields) >= 2 else None
    return None


def _pandas():
    import pandas as pd  # deferred to the first call

    return pd


def _frame_output(table: Any, notes: list[str] | tuple[str, ...] = ()) -> list[list[Any]]:
    """A DataFrame as a spilled table: the header row, the rows (dates as serials), then one
    row per note (``note: ...`` in the first column)."""
    pd = _pandas()
    if "ticker" in table.columns and not any(str(t).strip() for t in table["ticker"].tolist()):
        table = table.drop(columns="ticker")  # no tickers given: the column would be empty
    rows = [[str(col) for col in table.columns]]
    # column by column as Python values (a date as a Timestamp, a missing one as NaT)
    for record in zip(*(table.iloc[:, k].tolist() for k in range(table.shape[1])), strict=True):
        rows.append([None if (v is pd.NaT or (isinstance(v, float) and v != v)) else
                     (v.to_pydatetime() if isinstance(v, pd.Timestamp) else v) for v in record])
    width = len(rows[0])
    rows.extend([f"note: {n}"] + [None] * (width - 1) for n in notes)
    out = table_output(rows)
    return [["" if v == NOT_FINITE else v for v in row] for row in out]


# ---------------------------------------------------------------------------------------------
# Treasury basis


@func(category=_CATEGORY)
@arg("coupon", doc=_DOC["coupon"], **RANGE)
@arg("maturity", doc=_DOC["maturity"], **RANGE)
@arg("contract", doc=_DOC["contract"], **RANGE)
def CONVFACTOR(coupon, maturity, contract):
    """CME conversion factor of a Treasury into a futures contract, 4 dp. =CONVFACTOR(4.25, DATE(2031,6,30), "TYZ4") gives 0.9069."""
    ticker = _text(contract, "contract", "a futures ticker such as TYZ4")
    return evaluate(lambda c, m: _core().conversion_factor(c, m, ticker),
                    [("coupon", coupon, _num), ("maturity", maturity, _date)])


@func(category=_CATEGORY)
@arg("coupon", doc=_DOC["coupon"], **RANGE)
@arg("maturity", doc=_DOC["maturity"], **RANGE)
@arg("settle", doc=_DOC["settle"], **RANGE)
def ACCRUED(coupon, maturity, settle):
    """Accrued interest per 100 face, Act/Act ICMA. =ACCRUED(4.25, DATE(2031,6,30), DATE(2024,8,5)) gives 0.41576."""
    return evaluate(_core().accrued_interest,
                    [("coupon", coupon, _num), ("maturity", maturity, _date),
                     ("settle", settle, _date)])


@func(category=_CATEGORY)
@arg("price", doc=_DOC["price"], **RANGE)
@arg("coupon", doc=_DOC["coupon"], **RANGE)
@arg("maturity", doc=_DOC["maturity"], **RANGE)
@arg("settle", doc=_DOC["settle"], **RANGE)
@arg("forward_date", doc="Forward (delivery) date", **RANGE)
@arg("repo", doc=_DOC["repo"], **RANGE)
def FWDPRICE(price, coupon, maturity, settle, forward_date, repo):
    """Clean forward price of a bond financed at repo to the forward date, interim coupons included. =FWDPRICE(98.6641, 4.5, DATE(2039,8,15), DATE(2023,11,22), DATE(2023,12,29), 5.413) gives 98.7673."""
    return evaluate(_core().forward_price,
                    [("price", price, _pos), ("coupon", coupon, _num), ("maturity", maturity, _date),
                     ("settle", settle, _date), ("forward_date", forward_date, _date),
                     ("repo", repo, _num)])


@func(category=_CATEGORY)
@arg("price", doc=_DOC["price"], **RANGE)
@arg("futures_price", doc=_DOC["futures_price"], **RANGE)
@arg("cf", doc="Conversion factor of the bond (0.9069); a value or a column", **RANGE)
@arg("units", doc=_DOC["units"], **RANGE)
def GROSSBASIS(price, futures_price, cf, units="points"):
    """Gross basis: price - CF x futures price, in points or 32nds. =GROSSBASIS(98.6641, 115.96875, 0.85, "32nds") gives 2.9012."""
    k = _units(units)
    return evaluate(lambda p, f, c: _core().gross_basis(p, f, c) * k,
                    [("price", price, _pos), ("futures_price", futures_price, _pos),
                     ("cf", cf, _pos)])


@func(category=_CATEGORY)
@arg("price", doc=_DOC["price"], **RANGE)
@arg("coupon", doc=_DOC["coupon"], **RANGE)
@arg("maturity", doc=_DOC["maturity"], **RANGE)
@arg("settle", doc=_DOC["settle"], **RANGE)
@arg("delivery", doc="Delivery date (a date or an Excel serial)", **RANGE)
@arg("repo", doc=_DOC["repo"], **RANGE)
def CARRY(price, coupon, maturity, settle, delivery, repo):
    """Carry to delivery per 100 face: coupon income minus repo cost (points). =CARRY(98.6641, 4.5, DATE(2039,8,15), DATE(2023,11,22), DATE(2023,12,29), 5.413) gives -0.10319."""
    return evaluate(_core().carry,
                    [("price", price, _pos), ("coupon", coupon, _num), ("maturity", maturity, _date),
                     ("settle", settle, _date), ("delivery", delivery, _date), ("repo", repo, _num)])


@func(category=_CATEGORY)
@arg("price", doc=_DOC["price"], **RANGE)
@arg("coupon", doc=_DOC["coupon"], **RANGE)
@arg("maturity", doc=_DOC["maturity"], **RANGE)
@arg("futures_price", doc=_DOC["futures_price"], **RANGE)
@arg("cf_or_contract", doc=_DOC["cf_or_contract"], **RANGE)
@arg("settle", doc=_DOC["settle"], **RANGE)
@arg("delivery", doc="Delivery date (a date or an Excel serial)", **RANGE)
@arg("repo", doc=_DOC["repo"], **RANGE)
@arg("units", doc=_DOC["units"], **RANGE)
def NETBASIS(price, coupon, maturity, futures_price, cf_or_contract, settle, delivery, repo,
             units="points"):
    """Net basis: clean forward - CF x futures price (gross basis - carry). =NETBASIS(98.6641, 4.5, DATE(2039,8,15), 115.96875, "USZ3", DATE(2023,11,22), DATE(2023,12,29), 5.413, "32nds") gives 6.2034."""
    k = _units(units)

    def core(p, c, m, f, cf, s, d, r):
        return _core().net_basis(p, c, m, f, _resolve_cf(c, m, cf, s), s, d, r) * k

    return evaluate(core, [
        ("price", price, _pos), ("coupon", coupon, _num), ("maturity", maturity, _date),
        ("futures_price", futures_price, _pos), ("cf_or_contract", cf_or_contract, _cf_converter),
        ("settle", settle, _date), ("delivery", delivery, _date), ("repo", repo, _num)])


@func(category=_CATEGORY)
@arg("price", doc=_DOC["price"], **RANGE)
@arg("coupon", doc=_DOC["coupon"], **RANGE)
@arg("maturity", doc=_DOC["maturity"], **RANGE)
@arg("futures_price", doc=_DOC["futures_price"], **RANGE)
@arg("cf_or_contract", doc=_DOC["cf_or_contract"], **RANGE)
@arg("settle", doc=_DOC["settle"], **RANGE)
@arg("delivery", doc="Delivery date (a date or an Excel serial)", **RANGE)
def IMPLIEDREPO(price, coupon, maturity, futures_price, cf_or_contract, settle, delivery):
    """Implied repo (percent, Act/360) of buying the bond and delivering it into the future. =IMPLIEDREPO(98.6641, 4.5, DATE(2039,8,15), 115.96875, 0.85, DATE(2023,11,22), DATE(2023,12,29)) gives 3.5245."""

    def core(p, c, m, f, cf, s, d):
        return _core().implied_repo(p, c, m, f, _resolve_cf(c, m, cf, s), s, d)

    return evaluate(core, [
        ("price", price, _pos), ("coupon", coupon, _num), ("maturity", maturity, _date),
        ("futures_price", futures_price, _pos), ("cf_or_contract", cf_or_contract, _cf_converter),
        ("settle", settle, _date), ("delivery", delivery, _date)])


def _basket(prices: Any, coupons: Any, maturities: Any, ids: Any = None, ids_name: str = "ids"
            ) -> list[list[Any]]:
    """The column form's ranges as the rows of a bonds table (header ticker, price, coupon,
    maturity), for the core's table reader."""
    cols = [as_column(v, n).values for v, n in
            ((prices, "prices"), (coupons, "coupons"), (maturities, "maturities"))]
    lengths = {len(c) for c in cols}
    if len(lengths) != 1:
        raise InputError("prices", f"{len(cols[0])} values",
                         f"do not match coupons ({len(cols[1])}) and maturities ({len(cols[2])})")
    labels = [None] * len(cols[0])
    if ids is not None and not (not isinstance(ids, list) and _blank(ids)):
        labels = as_column(ids, ids_name).values
        if len(labels) != len(cols[0]):
            raise InputError(ids_name, f"{len(labels)} values",
                             f"do not match the basket ({len(cols[0])} bonds)")
    header = ["ticker", "price", "coupon", "maturity"]
    return [header, *([t, p, c, m] for t, p, c, m in zip(labels, *cols, strict=True))]


def _table_basket(bonds_rows: list[list[Any]], future: Any, sheet: str | None = "bonds",
                  **market: Any) -> Any:
    """The :class:`~xlfidx.basket.DeliverableBasket` of the export's two tables (with the
    export's defaults), or of the bonds table and a contract ticker (no defaults): one call of
    the reader, rows in, basket out; ``market`` (futures_price, settle, repo, delivery) stands
    in for the export's. A bad row's problem names its cell counted from the range's top-left
    cell as ``bonds!C11`` (the sheet's own cell when the range starts at A1, as the export's
    table does), or its row (``row 3``) when ``sheet`` is None: the column form."""
    from xlfidx.bloomberg.basket import basket_from_rows

    future_rows = _rows(future)
    if future_rows is None:
        future_rows = _text(future, "future", "the export's 'future' table or a futures ticker "
                            "such as TYZ4")
    return basket_from_rows(bonds_rows, future_rows, sheet=sheet, **market)


def _require(value: Any, default: Any, name: str, what: str) -> Any:
    if value is None and default is None:
        raise MissingDataError(name, None, f"is missing; give {what} (the 'future' argument is a "
                               "ticker, not the export's table with its defaults)")
    return value


def _table_market(rows: list[list[Any]], future: Any, futures_price: Any, settle: Any,
                  repo: Any = None, delivery: Any = None):
    """The basket of the export's tables, and the futures price and settlement it prices with
    (the arguments where given, else the export's own)."""
    basket = _table_basket(rows, future,
                           futures_price=_optional(futures_price, "futures_price", _pos),
                           settle=_optional(settle, "settle", _date),
                           repo=_optional(repo, "repo", _num),
                           delivery=_optional(delivery, "delivery", _date))
    _require(None, basket.futures_price, "futures_price", "the futures price")
    _require(None, basket.settle, "settle", "the settlement date")
    return basket, basket.futures_price, basket.settle


@func(category=_CATEGORY)
@arg("bonds", doc=_DOC["bonds"], **RANGE)
@arg("future", doc=_DOC["future"], **RANGE)
@arg("futures_price", doc="Optional: overrides the export's px_last. Column form: the maturities", **RANGE)
@arg("settle", doc="Optional: overrides the settlement (T+1 after the export's last_update_dt). "
     "Column form: the futures price", **RANGE)
@arg("delivery", doc="Optional: the delivery date; blank = the contract's last delivery day. "
     "Column form: the futures ticker", **RANGE)
@arg("column_settle", doc="Column form only: the settlement date", **RANGE)
@arg("column_delivery", doc="Column form only: the delivery date (blank = the contract's last "
     "delivery day)", **RANGE)
@arg("ids", doc="Column form only, optional: the bonds' identifiers (a column); the CTD's is returned", **RANGE)
def CTD(bonds, future, futures_price=None, settle=None, delivery=None, column_settle=None,
        column_delivery=None, ids=None):
    """Cheapest to deliver (highest implied repo), unreadable bonds skipped. =CTD(bonds!A1:I17, future!A1:B9) gives T 4.5 08/15/39 Govt. Column form CTD(prices, coupons, maturities, futures_price, contract, settle, [delivery], [ids]): its row (1 = first) or id."""
    rows = _table(bonds, _BOND_FIELDS)
    if rows is not None:
        basket, _f, _s = _table_market(rows, future, futures_price, settle, delivery=delivery)
        c = basket.ctd()
        return c["ticker"] or float(c["position"] + 1)
    # column form: CTD(prices, coupons, maturities, futures_price, contract, settle, [delivery], [ids])
    no_ids = ids is None or _blank(ids) and not isinstance(ids, list)
    basket = _table_basket(
        _basket(bonds, future, futures_price, None if no_ids else ids),
        _text(delivery, "contract", "a futures ticker such as TYZ4"), None,
        futures_price=_pos(_scalar(settle, "futures_price"), "futures_price"),
        settle=_date(_scalar(column_settle, "settle"), "settle"),
        delivery=_optional(column_delivery, "delivery", _date))
    row = int(basket.ctd()["row"])
    if no_ids:
        return float(row + 1)
    label = as_column(ids, "ids").values[row]
    if _blank(label) or isinstance(label, str) and label.strip().upper().startswith("#N/A"):
        raise MissingDataError("ids", label, "is missing for the cheapest to deliver", row)
    return to_cell(label)


@func(category=_CATEGORY)
@arg("bonds", doc=_DOC["bonds"], **RANGE)
@arg("future", doc=_DOC["future"], **RANGE)
@arg("futures_price", doc="Optional: overrides the export's px_last. Column form: the maturities", **RANGE)
@arg("settle", doc="Optional: overrides the settlement (T+1 after the export's last_update_dt). "
     "Column form: the futures price", **RANGE)
@arg("repo", doc="Optional: overrides the export's repo_reporate, percent Act/360. Column form: "
     "the futures ticker", **RANGE)
@arg("delivery", doc="Optional: the delivery date; blank = the contract's last delivery day. "
     "Column form: the settlement date", **RANGE)
@arg("column_repo", doc="Column form only: the repo rate, percent Act/360", **RANGE)
@arg("column_delivery", doc="Column form only: the delivery date (blank = the contract's last "
     "delivery day)", **RANGE)
@arg("tickers", doc="Column form only, optional: the bonds' tickers (a column), shown in the table", **RANGE)
def DLV(bonds, future, futures_price=None, settle=None, repo=None, delivery=None,
        column_repo=None, column_delivery=None, tickers=None):
    """Deliverable basket as on Bloomberg's DLV, CTD first, unreadable bonds last with their problem. =DLV(bonds!A1:I17, future!A1:B9) spills it with a header row. Column form: DLV(prices, coupons, maturities, futures_price, contract, settle, repo, ...)."""
    rows = _table(bonds, _BOND_FIELDS)
    if rows is not None:
        basket, _f, _s = _table_market(rows, future, futures_price, settle, repo, delivery)
        return _frame_output(basket.dlv().table)
    # column form: DLV(prices, coupons, maturities, futures_price, contract, settle, repo,
    # [delivery], [tickers])
    basket = _table_basket(
        _basket(bonds, future, futures_price, tickers, "tickers"),
        _text(repo, "contract", "a futures ticker such as TYZ4"), None,
        futures_price=_pos(_scalar(settle, "futures_price"), "futures_price"),
        settle=_date(_scalar(delivery, "settle"), "settle"),
        repo=_num(_scalar(column_repo, "repo"), "repo"),
        delivery=_optional(column_delivery, "delivery", _date))
    return _frame_output(basket.dlv().table)


def _basket_columns(prices: Any, coupons: Any, maturities: Any, tickers: Any = None) -> Any:
    """The column form's ranges as a strict basket table: a bad cell is an error naming it
    (the scenario, option and roll analytics need every bond)."""
    pd = _pandas()
    rows = _basket(prices, coupons, maturities, tickers, "tickers")[1:]
    t, p, c, m = (list(x) for x in zip(*rows, strict=True)) if rows else ([], [], [], [])
    bonds = pd.DataFrame({"coupon": _num(c, "coupons"), "maturity": _date(m, "maturities"),
                          "price": _pos(p, "prices")})
    if any(not _blank(x) for x in t):
        bonds.insert(0, "ticker", ["" if _blank(x) else str(x) for x in t])
    return bonds


def _dlv_inputs(prices, coupons, maturities, futures_price, contract, settle, repo, delivery,
                tickers):
    """(contract, basket table, (futures price, settle, repo, delivery)) of a DLV's arguments."""
    ticker = _text(contract, "contract", "a futures ticker such as TYZ4")
    bonds = _basket_columns(prices, coupons, maturities, tickers)
    d = _scalar(delivery, "delivery")
    market = (_pos(_scalar(futures_price, "futures_price"), "futures_price"),
              _date(_scalar(settle, "settle"), "settle"), _num(_scalar(repo, "repo"), "repo"),
              None if _blank(d) else _date(d, "delivery"))
    return ticker, bonds, market


def _shifts(shifts: Any) -> Any:
    """Yield shifts in bp: a range of numbers, or one text "lo:hi:step"."""
    if not isinstance(shifts, list):
        if isinstance(shifts, str) and ":" in shifts:
            return shifts.strip()
        return [_scalar(shifts, "shifts_bp")]
    values = [v for v in as_vector(shifts, "shifts_bp") if not _blank(v)]
    if len(values) == 1 and isinstance(values[0], str) and ":" in values[0]:
        return values[0].strip()
    if not values:
        raise InputError("shifts_bp", "(blank)", "has no shift; give bp shifts or text like -100:100:25")
    return _num(values, "shifts_bp").tolist()


def _basket_market(bonds, future, futures_price, settle, repo, delivery, column_args):
    """(contract, bonds table, (futures price, settle, repo, delivery), notes) of a basket
    analytic: from the export's two tables with their defaults (any argument given overrides;
    ``notes`` name each row left out and each ticker named apart, by its cell), or, in the
    column form, from ``column_args`` = (prices, coupons, maturities, futures_price, contract,
    settle, repo, delivery, tickers)."""
    rows = _table(bonds, _BOND_FIELDS)
    if rows is None:
        return (*_dlv_inputs(*column_args), ())
    basket, _f, _s = _table_market(rows, future, futures_price, settle, repo, delivery)
    checked = basket.rows()
    b, f, s, r = basket.market(rows=checked)
    if r is None:
        raise MissingDataError("repo", None, "is missing in the export; give the repo rate")
    return basket.contract, b, (f, s, r, basket.delivery), checked.notes


@func(category=_CATEGORY)
@arg("bonds", doc=_DOC["bonds"], **RANGE)
@arg("future", doc=_DOC["future"], **RANGE)
@arg("shifts_bp", doc='Parallel shifts of the forward yields in bp (a range), or text "-100:100:25". '
     "Column form: the maturities", **RANGE)
@arg("futures_price", doc="Optional: overrides the export's px_last. Column form: the futures price", **RANGE)
@arg("settle", doc="Optional: overrides the settlement (T+1 after last_update_dt). Column form: "
     "the futures ticker", **RANGE)
@arg("repo", doc="Optional: overrides the export's repo_reporate. Column form: the settlement", **RANGE)
@arg("delivery", doc="Optional: the delivery date. Column form: the repo rate", **RANGE)
@arg("column_shifts", doc="Column form only: the shifts in bp", **RANGE)
@arg("column_delivery", doc="Column form only: the delivery date (blank = the last delivery day)", **RANGE)
@arg("tickers", doc="Column form only, optional: the bonds' tickers (a column)", **RANGE)
def CTDSCENARIOS(bonds, future, shifts_bp, futures_price=None, settle=None, repo=None,
                 delivery=None, column_shifts=None, column_delivery=None, tickers=None):
    """CTD switch scenarios: each bond's basis at delivery as yields shift, CTD marked. =CTDSCENARIOS(bonds!A1:I17, future!A1:B9, "-100:100:25"). Column form: prices, coupons, maturities, futures_price, contract, settle, repo, shifts_bp."""
    table_form = _table(bonds, _BOND_FIELDS) is not None
    ticker, b, market, notes = _basket_market(
        bonds, future, futures_price, settle, repo, delivery,
        (bonds, future, shifts_bp, futures_price, settle, repo, delivery, column_delivery, tickers))
    f, s, r, d = market
    shifts = _shifts(shifts_bp if table_form else column_shifts)
    return _frame_output(_core().ctd_scenarios(ticker, b, f, s, r, shifts, d), notes)


@func(category=_CATEGORY)
@arg("bonds", doc=_DOC["bonds"], **RANGE)
@arg("future", doc=_DOC["future"], **RANGE)
@arg("vol_bp", doc="Normal volatility of the forward yields, bp a year (100). Column form: the "
     "maturities", **RANGE)
@arg("futures_price", doc="Optional: overrides the export's px_last. Column form: the futures price", **RANGE)
@arg("settle", doc="Optional: overrides the settlement (T+1 after last_update_dt). Column form: "
     "the futures ticker", **RANGE)
@arg("repo", doc="Optional: overrides the export's repo_reporate. Column form: the settlement", **RANGE)
@arg("delivery", doc="Optional: the delivery date. Column form: the repo rate", **RANGE)
@arg("column_vol", doc="Column form only: the vol in bp a year", **RANGE)
@arg("column_delivery", doc="Column form only: the delivery date (blank = the last delivery day)", **RANGE)
@arg("tickers", doc="Column form only, optional: the bonds' tickers (a column)", **RANGE)
def DELIVERYOPTION(bonds, future, vol_bp, futures_price=None, settle=None, repo=None,
                   delivery=None, column_vol=None, column_delivery=None, tickers=None):
    """Delivery option: quality and end-of-month options (32nds), theoretical price = CTD fwd/CF less them, CTD odds. =DELIVERYOPTION(bonds!A1:I17, future!A1:B9, 100). Column form: prices, coupons, maturities, futures_price, contract, settle, repo, vol_bp."""
    table_form = _table(bonds, _BOND_FIELDS) is not None
    ticker, b, market, notes = _basket_market(
        bonds, future, futures_price, settle, repo, delivery,
        (bonds, future, vol_bp, futures_price, settle, repo, delivery, column_delivery, tickers))
    f, s, r, d = market
    vol = _num(_scalar(vol_bp if table_form else column_vol, "vol_bp"), "vol_bp")
    opt = _core().delivery_option(ticker, b, f, s, r, vol, d)
    return _summary_and_table(opt.summary(), opt.table, notes)


def _summary_and_table(summary: dict[str, Any], table: Any, notes: Any = ()) -> list[list[Any]]:
    """A block of (label, value) rows, a blank row, then a table with its header, padded
    square, then a ``note:`` row per note."""
    rows = _frame_output(table, notes)
    width = max(2, len(rows[0]))
    block = [[name, value] + [""] * (width - 2) for name, value in summary.items()]
    head = [["" if v == NOT_FINITE else v for v in row] for row in table_output(block)]
    return head + [[""] * width] + [row + [""] * (width - len(row)) for row in rows]


@func(category=_CATEGORY)
@arg("bonds", doc="The front export's 'bonds' table with its header row. Column form: the clean "
     "prices, one basket for both contracts", **RANGE)
@arg("future", doc="The front export's 'future' table. Column form: the coupons", **RANGE)
@arg("back", doc="The back export's 'bonds' table, or the back ticker (USH4: the front's basket "
     "then serves both, with a warning). Column form: the maturities", **RANGE)
@arg("back_price", doc="The back export's 'future' table, or the back futures price. Column form: "
     "the front ticker", **RANGE)
@arg("vol_bp", doc="Optional: yield vol in bp a year of both delivery options (default 100; 0: "
     "carry only). Column form: the front futures price", **RANGE)
@arg("front_repo", doc="Optional: term repo to the front's delivery (default: the export's). "
     "Column form: the back ticker", **RANGE)
@arg("back_repo", doc="Optional: term repo to the back's delivery (default: the back export's, "
     "else the front's). Column form: the back futures price", **RANGE)
@arg("roll_repo", doc="Optional: repo from front to back delivery for the carry-only spread "
     "(blank: implied by the term repos). Column form: the settlement date", **RANGE)
@arg("column_front_repo", doc="Column form only: term repo to the front's delivery, percent", **RANGE)
@arg("column_back_repo", doc="Column form only: term repo to the back's delivery, percent", **RANGE)
@arg("column_roll_repo", doc="Column form only, optional: the roll repo (blank: implied)", **RANGE)
@arg("column_vol", doc="Column form only, optional: the vol of both delivery options, bp a year "
     "(blank: carry only)", **RANGE)
def CALENDARROLL(bonds, future, back, back_price, vol_bp=None, front_repo=None, back_repo=None,
                 roll_repo=None, column_front_repo=None, column_back_repo=None,
                 column_roll_repo=None, column_vol=None):
    """Calendar roll: fair spread carry-only and option-adjusted vs the market (front - back, 32nds), Burghardt's implied roll repo; spills two columns. =CALENDARROLL(bonds!A1:I17, future!A1:B9, "USH4", 116.03125)."""
    rows = _table(bonds, _BOND_FIELDS)
    if rows is None:
        # column form: CALENDARROLL(prices, coupons, maturities, front, front_price, back,
        # back_price, settle, front_repo, back_repo, [roll_repo], [vol_bp])
        table = _basket_columns(bonds, future, back)
        rr, vol = _scalar(column_roll_repo, "roll_repo"), _scalar(column_vol, "vol_bp")
        roll = _core().calendar_roll(
            _text(back_price, "front", "a futures ticker such as USZ3"),
            _text(front_repo, "back", "a futures ticker such as USH4"), table,
            _pos(_scalar(vol_bp, "front_price"), "front_price"),
            _pos(_scalar(back_repo, "back_price"), "back_price"),
            _date(_scalar(roll_repo, "settle"), "settle"),
            _num(_scalar(column_front_repo, "front_repo"), "front_repo"),
            _num(_scalar(column_back_repo, "back_repo"), "back_repo"),
            roll_repo=None if _blank(rr) else _num(rr, "roll_repo"),
            vol_bp=None if _blank(vol) else _num(vol, "vol_bp"))
    else:
        front_basket = _table_basket(rows, future)
        _require(None, front_basket.settle, "settle", "the export's 'future' table")
        back_rows = _table(back, _BOND_FIELDS)
        back_basket = None
        if back_rows is not None:
            back_basket = _table_basket(back_rows, back_price, settle=front_basket.settle)
            back_ticker, back_f = back_basket.contract, back_basket.futures_price
        else:
            back_ticker = _text(back, "back", "the back export's 'bonds' table or a ticker such as USH4")
            back_f = _pos(_scalar(back_price, "back_price"), "back_price")
        vol = _scalar(vol_bp, "vol_bp")
        vol = 100.0 if _blank(vol) else _num(vol, "vol_bp")
        r1 = _optional(front_repo, "front_repo", _num)
        r1 = front_basket.repo if r1 is None else r1
        r2 = _optional(back_repo, "back_repo", _num)
        if r2 is None and back_basket is not None:
            r2 = back_basket.repo
        for name, r in (("front_repo", r1), ("back_repo", r2)):
            if isinstance(r, tuple):
                raise InputError(name, "one rate per bond", "must be one term repo rate; give it")
        rr = _optional(roll_repo, "roll_repo", _num)
        good = front_basket.market()[0]
        roll = _core().calendar_roll(
            front_basket.contract, back_ticker,
            good.drop(columns=[c for c in ("cf",) if c in good.columns]),
            front_basket.futures_price, back_f, front_basket.settle,
            _require(r1, None, "front_repo", "the term repo to the front's delivery"),
            r1 if r2 is None else r2,
            back_bonds=None if back_basket is None else back_basket.market()[0],
            roll_repo=rr, vol_bp=vol or None)
        if r2 is None:
            import dataclasses

            roll = dataclasses.replace(roll, warnings=(
                *roll.warnings, "the back's term repo is taken equal to the front's: give back_repo"))
    out = table_output([[name, value] for name, value in roll.summary().items()])
    return [["" if v == NOT_FINITE else v for v in row] for row in out]


@func(category=_CATEGORY)
@arg("bonds", doc="The export's 'bonds' table with its header row (ticker, px_last, maturity, "
     "cpn, ...)", **RANGE)
@arg("future", doc="The export's 'future' table (field, value; first row: field, the contract "
     "ticker)", **RANGE)
@arg("futures_price", doc="Optional: overrides the export's px_last", **RANGE)
@arg("settle", doc="Optional: overrides the settlement (T+1 after the export's last_update_dt)", **RANGE)
@arg("repo", doc="Optional: overrides the export's repo_reporate, percent Act/360", **RANGE)
@arg("delivery", doc="Optional: the delivery date; blank = the contract's last delivery day", **RANGE)
def DLVINFO(bonds, future, futures_price=None, settle=None, repo=None, delivery=None):
    """What DLV prices with: contract, futures price, settle, delivery, repo % and the export's pricing date; spills two columns. =DLVINFO(bonds!A1:I17, future!A1:B9) on the USZ3 sample: settle 2023-11-22, repo 5.413."""
    rows = _table(bonds, _BOND_FIELDS)
    if rows is None or _rows(future) is None:
        raise InputError("bonds", "a column" if rows is None else "a ticker",
                         "is not the export's table; give the 'bonds' and 'future' tables with "
                         "their header rows")
    basket = _table_basket(rows, future)
    dlv = basket.dlv(futures_price=_optional(futures_price, "futures_price", _pos),
                     settle=_optional(settle, "settle", _date), repo=_optional(repo, "repo", _num),
                     delivery=_optional(delivery, "delivery", _date))
    r = dlv.repo
    if isinstance(r, tuple):
        r = r[0] if len(set(r)) == 1 else f"{min(r):.3f} to {max(r):.3f} (one per bond)"
    return table_output([
        ["contract", basket.contract],
        ["futures price", dlv.futures_price],
        ["settle", dlv.settle],
        ["delivery", dlv.delivery],
        ["repo %", r],
        ["pricing date", basket.as_of],
    ])


@func(category=_CATEGORY)
@arg("ctd_dv01", doc="DV01 of the cheapest to deliver, $ per bp per contract face (67.64)", **RANGE)
@arg("cf", doc="Conversion factor of the CTD (0.9506)", **RANGE)
def FUTDV01(ctd_dv01, cf):
    """Futures DV01 = CTD DV01 / CF ($ per bp per contract). =FUTDV01(67.64, 0.9506) gives 71.16."""
    return evaluate(_core().futures_dv01, [("ctd_dv01", ctd_dv01, _pos), ("cf", cf, _pos)])



# ---------------------------------------------------------------------------------------------
# hedging


@func(category=_CATEGORY)
@arg("price", doc="TBA price, points per 100 face (97.3242)", **RANGE)
@arg("duration", doc="Duration in years (4.0347)", **RANGE)
def TBADV01(price, duration):
    """DV01 of one $100,000 TBA futures contract: 0.1 x price x duration. =TBADV01(97.3242, 4.0347) gives 39.267."""
    return evaluate(_core().tba_dv01, [("price", price, _pos), ("duration", duration, _pos)])


@func(category=_CATEGORY)
@arg("tba_dv01", doc="DV01 of the TBA futures leg, $ per contract (72.70, the 2% UMBS of CME's Jul-24 table); a value or a column", **RANGE)
@arg("treasury_dv01", doc="DV01 of the Treasury futures leg, $ per contract (60.89, ZNU4)", **RANGE)
@arg("menu", doc='Optional listed ratios, texts like "4:5" (a range); blank = any up to max_leg', **RANGE)
@arg("max_leg", doc="Largest leg without a menu (default 10)", **RANGE)
def ICSRATIO(tba_dv01, treasury_dv01, menu=None, max_leg=10):
    """CME spread ratio (TBA contracts, Treasury contracts) nearest the DV01 ratio; spills two cells per row. =ICSRATIO(72.70, 60.89, {"4:5";"7:8";"9:10"}) gives 4, 5 (CME's 20U/ZN spread)."""
    menu_list = None if menu is None or (not isinstance(menu, list) and _blank(menu)) else \
        as_vector(menu, "menu")
    leg = _scalar(max_leg, "max_leg")
    leg = 10 if _blank(leg) else int(_pos(leg, "max_leg"))
    with _no_collection():  # a long column's many small lists would set off full collections
        return _ics_rows(tba_dv01, treasury_dv01, menu_list, leg)


@contextlib.contextmanager
def _no_collection():
    """The garbage collector paused: building 100,000 rows of small lists would otherwise run
    full collections over every list made so far, and the time would grow with the square."""
    import gc

    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _ics_rows(tba_dv01: Any, treasury_dv01: Any, menu_list: Any, leg: int) -> list[list[Any]]:
    tba = as_column(tba_dv01, "tba_dv01")
    tsy = as_column(treasury_dv01, "treasury_dv01")
    n = common_layout([tba, tsy], ["tba_dv01", "treasury_dv01"]).n

    def one(i: int) -> list[Any]:
        try:
            t = float(_pos(tba.values[i if len(tba) > 1 else 0], "tba_dv01"))
            u = float(_pos(tsy.values[i if len(tsy) > 1 else 0], "treasury_dv01"))
            n_tba, n_tsy = _core().ics_ratio(t, u, menu_list, leg)
            return [float(n_tba), float(n_tsy)]
        except XlfidxError as exc:
            if n == 1:
                raise
            return [error_text(exc), ""]

    if n < _ICS_CHUNK // 100:
        return [one(i) for i in range(n)]
    # a long column: the numbers in one vectorised call per chunk (time linear in the rows);
    # a chunk holding a bad cell is done row by row, so that each bad row says what is wrong
    np = _np()
    numbers = (float, int)

    def column(c: Any) -> Any:
        vals = c.values if len(c) > 1 else c.values * n
        if all(type(v) in numbers for v in vals):
            return np.asarray(vals, dtype=np.float64)
        return None

    t_all, u_all = column(tba), column(tsy)
    out: list[list[Any]] = []
    for lo in range(0, n, _ICS_CHUNK):
        hi = min(lo + _ICS_CHUNK, n)
        try:
            if t_all is None or u_all is None:
                raise XlfidxError("a cell that is not a number")
            n_tba, n_tsy = _core().ics_ratio(t_all[lo:hi], u_all[lo:hi], menu_list, leg)
            out += np.column_stack([n_tba, n_tsy]).astype(np.float64).tolist()
        except XlfidxError:
            out += [one(i) for i in range(lo, hi)]
    return out


_ICS_CHUNK = 2000  # rows of ICSRATIO computed together (a row x pair distance matrix each)


@func(category=_CATEGORY)
@arg("mbs_duration", doc="Duration of the MBS index in years (5.0)", **RANGE)
@arg("futures_durations", doc="CTD durations of the futures (a row or a column; blank = not listed)", **RANGE)
@arg("trend", doc="Optional trend per future (EWMAC units), same shape; blank = no view", **RANGE)
@arg("trend_tilt", doc="Optional tilt toward shorting falling futures (0 = duration match)", **RANGE)
def HEDGEWEIGHTS(mbs_duration, futures_durations, trend=None, trend_tilt=0.0):
    """Unlevered duration-neutral hedge of long MBS: weights [MBS, future 1..k], spilled like futures_durations. =HEDGEWEIGHTS(6.8108, {1.855,4.0205,5.9914,7.7463,11.1925,14.4585}) gives 0.4723, 0, 0, 0.496, 0.0316, 0, 0."""
    from xlfidx._inputs import as_float

    d_mbs = _pos(_scalar(mbs_duration, "mbs_duration"), "mbs_duration")
    durs = as_column(futures_durations, "futures_durations")
    d_fut = as_float(durs.values, "futures_durations", allow_missing=True)
    tr = None
    if trend is not None and not (not isinstance(trend, list) and _blank(trend)):
        t = as_column(trend, "trend")
        if len(t) != len(durs):
            raise InputError("trend", f"{len(t)} values",
                             f"does not match futures_durations ({len(durs)} values)")
        tr = as_float(t.values, "trend", allow_missing=True)
    tilt = _scalar(trend_tilt, "trend_tilt")
    tilt = 0.0 if _blank(tilt) else float(_num(tilt, "trend_tilt"))
    w = [float(x) for x in _core().hedge_weights(float(d_mbs), d_fut, tr, tilt)]
    if durs.layout.kind == "row":
        return [w]
    return [[x] for x in w]


# ---------------------------------------------------------------------------------------------
# Fed funds


def _fed(chain: Any, meetings: Any, spot_rate: Any, method: Any, column_method: Any,
         probabilities: bool) -> list[list[Any]]:
    """FEDPATH / FEDPROBS: the chain table (or the prices and expiries columns) through the
    core's chain reader; contracts that cannot be read are left out, a note row each."""
    from xlfidx.bloomberg.fedfutures import fed_path_from_chain

    rows = _table(chain, _CHAIN_FIELDS)
    if rows is None:  # column form: (prices, expiries, meetings, spot_rate, [method])
        p = as_column(chain, "prices").values
        e = as_column(meetings, "expiries").values
        if len(p) != len(e):
            raise InputError("expiries", f"{len(e)} values", f"do not match prices ({len(p)} values)")
        rows = [["price", "expiry"], *([a, b] for a, b in zip(p, e, strict=True))]
        meetings, spot_rate, method = spot_rate, method, column_method
    meet = [v for v in as_column(meetings, "meetings").values if not _blank(v)]
    if not meet:
        raise InputError("meetings", meetings, "is empty; give the FOMC meeting dates")
    spot = _num(_scalar(spot_rate, "spot_rate"), "spot_rate")
    m = _scalar(method, "method") if method is not None else None
    m = "cme" if m is None or _blank(m) else _text(m, "method", '"cme", "next" or "backout"').lower()
    out = fed_path_from_chain(rows, _date(meet, "meetings"), float(spot), m,
                              probabilities=probabilities)
    return _frame_output(out, out.attrs.get("notes", ()))


@func(category=_CATEGORY)
@arg("chain", doc="The chain table with its header row (ticker, px_last, last_tradeable_dt; a "
     "pricing-date sheet of the export). Column form: the futures prices", **RANGE)
@arg("meetings", doc="FOMC announcement dates (a column; blanks ignored). Column form: the "
     "expiries (last trade dates)", **RANGE)
@arg("spot_rate", doc="Effective Fed funds rate today, percent (4.33). Column form: the meetings", **RANGE)
@arg("method", doc=_DOC["method"] + ". Column form: the spot rate", **RANGE)
@arg("column_method", doc="Column form only: the method", **RANGE)
def FEDPATH(chain, meetings, spot_rate, method="cme", column_method=None):
    """Implied policy path: rate before and after each FOMC meeting, moves and FedWatch odds; spills a header row, one row per meeting, a note per contract left out. =FEDPATH('2025-04-30'!A1:D19, 'fed meetings'!A2:A15, 4.33)."""
    return _fed(chain, meetings, spot_rate, method, column_method, probabilities=False)


@func(category=_CATEGORY)
@arg("chain", doc="The chain table with its header row (ticker, px_last, last_tradeable_dt; a "
     "pricing-date sheet of the export). Column form: the futures prices", **RANGE)
@arg("meetings", doc="FOMC announcement dates (a column; blanks ignored). Column form: the "
     "expiries (last trade dates)", **RANGE)
@arg("spot_rate", doc="Effective Fed funds rate today, percent (4.33). Column form: the meetings", **RANGE)
@arg("method", doc=_DOC["method"] + ". Column form: the spot rate", **RANGE)
@arg("column_method", doc="Column form only: the method", **RANGE)
def FEDPROBS(chain, meetings, spot_rate, method="cme", column_method=None):
    """FedWatch target-range probabilities (percent) after each meeting; spills a header row (meeting, then one column per range), a note per contract left out. =FEDPROBS('2025-04-30'!A1:D19, 'fed meetings'!A2:A15, 4.33)."""
    return _fed(chain, meetings, spot_rate, method, column_method, probabilities=True)


# ---------------------------------------------------------------------------------------------
# SOFR futures

_SOFR_CHAIN_FIELDS = frozenset({"ticker", "px_last", "px_settle", "price", "open_int",
                                "last_tradeable_dt"})


def _sofr(chain: Any, meetings: Any, spot_rate: Any, pricing_date: Any, fixings: Any,
          target_low: Any, probabilities: bool) -> list[list[Any]]:
    """SOFRPATH / SOFRPROBS: the chain table through the core's SOFR chain reader; contracts
    that cannot be read are left out, a note row each, with the chain's own notes."""
    from xlfidx.bloomberg.sofr import sofr_path_from_chain

    rows = _table(chain, _SOFR_CHAIN_FIELDS)
    if rows is None:
        raise InputError("chain", "a column" if _rows(chain) is None else "a range",
                         "is not the chain's table; give the SR1/SR3 chain with its header row "
                         "(ticker, px_last)")
    meet = [] if meetings is None else [v for v in as_column(meetings, "meetings").values
                                        if not _blank(v)]
    spot = _num(_scalar(spot_rate, "spot_rate"), "spot_rate")
    day = _date(_scalar(pricing_date, "pricing_date"), "pricing_date")
    fix = None
    fix_rows = _rows(fixings) if fixings is not None else None
    if fix_rows is not None:
        fix = [r[:2] for r in fix_rows if not all(_blank(v) for v in r[:2])]
    elif fixings is not None and not (not isinstance(fixings, list) and _blank(fixings)):
        raise InputError("fixings", "a column", "must be two columns: the dates and SOFR %")
    low = _optional(target_low, "target_low", _num)
    out = sofr_path_from_chain(rows, _date(meet, "meetings") if meet else None, float(spot),
                               day[()] if hasattr(day, "shape") else day, fix or None,
                               probabilities=probabilities,
                               target_low=None if low is None else float(low))
    return _frame_output(out, out.attrs.get("notes", ()))


@func(category=_CATEGORY)
@arg("chain", doc="The SR1/SR3 chain with its header row (ticker, px_last; tickers SERM5 Comdty, "
     "SFRM5 Comdty, SR1M5 or SR3M5; other columns ignored)", **RANGE)
@arg("meetings", doc="FOMC announcement dates (a column; blanks ignored; all blank = the "
     "published calendar)", **RANGE)
@arg("spot_rate", doc="SOFR on the pricing date, percent (4.36)", **RANGE)
@arg("pricing_date", doc="The chain's pricing date: resolves one-digit ticker years; the path "
     "starts on it", **RANGE)
@arg("fixings", doc="Optional: SOFR already fixed, two columns (date, SOFR %), for contracts in "
     "their period; blank = the spot rate", **RANGE)
@arg("target_low", doc="Optional: floor of today's target range (4.25); blank = SOFR rounded "
     "down to 25 bp", **RANGE)
def SOFRPATH(chain, meetings, spot_rate, pricing_date, fixings=None, target_low=None):
    """SOFR path fitted to SR1/SR3 futures: rate before and after each FOMC meeting, moves, FedWatch odds; spills a header, a row per meeting, then notes. =SOFRPATH('2025-04-30'!A1:D26, 'fed meetings'!A2:A16, 4.36, DATE(2025,4,30))."""
    return _sofr(chain, meetings, spot_rate, pricing_date, fixings, target_low, False)


@func(category=_CATEGORY)
@arg("chain", doc="The SR1/SR3 chain with its header row (ticker, px_last; tickers SERM5 Comdty, "
     "SFRM5 Comdty, SR1M5 or SR3M5; other columns ignored)", **RANGE)
@arg("meetings", doc="FOMC announcement dates (a column; blanks ignored; all blank = the "
     "published calendar)", **RANGE)
@arg("spot_rate", doc="SOFR on the pricing date, percent (4.36)", **RANGE)
@arg("pricing_date", doc="The chain's pricing date", **RANGE)
@arg("fixings", doc="Optional: SOFR already fixed, two columns (date, SOFR %)", **RANGE)
@arg("target_low", doc="Optional: floor of today's target range (4.25)", **RANGE)
def SOFRPROBS(chain, meetings, spot_rate, pricing_date, fixings=None, target_low=None):
    """FedWatch target-range probabilities (%) after each meeting from the SOFR path; spills a header (meeting, a column per range), then notes. =SOFRPROBS('2025-04-30'!A1:D26, 'fed meetings'!A2:A16, 4.36, DATE(2025,4,30))."""
    return _sofr(chain, meetings, spot_rate, pricing_date, fixings, target_low, True)


# name in Excel -> function (the headless engine registers these)
UDFS: dict[str, Callable[..., Any]] = {name: globals()[name] for name in __all__
                                       if name not in ("UDFS", "COLUMN_FORMS")}
