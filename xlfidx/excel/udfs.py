"""xlfidx's worksheet functions: what Excel sees (``UDF Modules`` = ``xlfidx.excel.udfs``).

Each function converts its arguments, calls the core and shapes the result; no business logic
lives here. A range in gives a range out in the same orientation, a scalar gives a scalar;
a bad argument gives a one-line text starting with ``#VALUE!`` (``#N/A`` for missing market
data) that names the argument and the value, on the bad rows only. Dates are Excel serials or
datetimes. Coupons, repo and rates are in percent, prices in points per 100 face.

The parameters carry no type hints on purpose: xlwings reads a parameter's annotation as its
converter, and ``Any`` is not one. Heavy imports (numpy, pandas, the core) happen on the first
call, so that Excel loads this module in a fraction of a second.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from typing import Any

from xlfidx.errors import InputError, XlfidxError
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
)

__all__ = [
    "CONVFACTOR", "ACCRUED", "FWDPRICE", "GROSSBASIS", "CARRY", "NETBASIS", "IMPLIEDREPO",
    "CTD", "DLV", "CTDSCENARIOS", "DELIVERYOPTION", "CALENDARROLL", "FUTDV01", "TBADV01",
    "ICSRATIO", "FEDPATH", "FEDPROBS", "HEDGEWEIGHTS",
    "UDFS",
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
}


def _np():
    import numpy as np  # noqa: PLC0415 - deferred to the first call (cold import budget)

    return np


_CORE_MODULES = ("bonds", "futures", "basis", "hedging", "fedfunds")


class _Core:
    """The core's public functions, looked up on first use (the public API, else its module)."""

    def __getattr__(self, name: str) -> Any:
        import importlib  # noqa: PLC0415

        import xlfidx  # noqa: PLC0415 - the lazy public API; each name loads its module on use

        try:
            value = getattr(xlfidx, name)
        except AttributeError:
            for module in _CORE_MODULES:
                try:
                    mod = importlib.import_module(f"xlfidx.{module}")
                except ImportError:
                    continue
                if hasattr(mod, name):
                    value = getattr(mod, name)
                    break
            else:
                raise AttributeError(f"the xlfidx core has no function {name!r} yet") from None
        setattr(self, name, value)
        return value


_CORE = _Core()


def _core() -> _Core:
    return _CORE


def _num(values: Any, name: str) -> Any:
    from xlfidx._inputs import as_float  # noqa: PLC0415

    return as_float(values, name)


def _pos(values: Any, name: str) -> Any:
    from xlfidx._inputs import as_float  # noqa: PLC0415

    return as_float(values, name, positive=True)


def _date(values: Any, name: str) -> Any:
    from xlfidx._inputs import as_date  # noqa: PLC0415

    if isinstance(values, list) and values and all(type(v) is _dt.datetime for v in values):
        # a column of date cells (what pywin32 passes): one vectorised conversion
        np = _np()
        out = np.array(values, dtype="datetime64[D]")
        from xlfidx.dates import EXCEL_EPOCH, FIRST_EXCEL_SERIAL  # noqa: PLC0415

        if (out < EXCEL_EPOCH + FIRST_EXCEL_SERIAL).any():  # not an Excel date: say which
            return as_date(values, name)
        return out
    return as_date(values, name)


def _blank(value: Any) -> bool:
    from xlfidx._inputs import is_missing  # noqa: PLC0415

    return is_missing(value) and not (isinstance(value, str) and value.strip().upper().startswith("#N/A"))


def _scalar(value: Any, name: str) -> Any:
    """One value (a single cell); a range of several cells is an error naming the argument."""
    col = as_column(value, name)
    if col.layout.kind != "scalar":
        raise InputError(name, f"{len(col)} cells", "must be a single value, not a range")
    return col.values[0]


def _text(value: Any, name: str, what: str) -> str:
    from xlfidx._inputs import as_text  # noqa: PLC0415

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


def _delivery(delivery: Any, contract: Any, settle: Any) -> Any:
    """The delivery date, or the contract's last delivery day when it is blank."""
    d = _scalar(delivery, "delivery")
    if not _blank(d):
        return _date(d, "delivery")
    if not isinstance(contract, str):
        raise InputError("delivery", d, "is blank; give a delivery date (or a ticker to take "
                         "the contract's last delivery day)")
    from xlfidx.futures import last_delivery_day, resolve_contract  # noqa: PLC0415

    return last_delivery_day(resolve_contract(contract, settle=settle))


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
    """Clean forward price of a bond financed at repo to the forward date, interim coupons included."""
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
    """Gross basis: price - CF x futures price, in points or 32nds."""
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
    """Carry to delivery per 100 face: coupon income minus repo cost (points)."""
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
    """Net basis: clean forward price - CF x futures price (gross basis - carry), points or 32nds."""
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
    """Implied repo rate (percent, Act/360) of buying the bond and delivering it into the future."""

    def core(p, c, m, f, cf, s, d):
        return _core().implied_repo(p, c, m, f, _resolve_cf(c, m, cf, s), s, d)

    return evaluate(core, [
        ("price", price, _pos), ("coupon", coupon, _num), ("maturity", maturity, _date),
        ("futures_price", futures_price, _pos), ("cf_or_contract", cf_or_contract, _cf_converter),
        ("settle", settle, _date), ("delivery", delivery, _date)])


def _basket(prices: Any, coupons: Any, maturities: Any) -> tuple[list, list, list]:
    cols = [as_column(v, n).values for v, n in
            ((prices, "prices"), (coupons, "coupons"), (maturities, "maturities"))]
    lengths = {len(c) for c in cols}
    if len(lengths) != 1:
        raise InputError("prices", f"{len(cols[0])} values",
                         f"do not match coupons ({len(cols[1])}) and maturities ({len(cols[2])})")
    return cols[0], cols[1], cols[2]


@func(category=_CATEGORY)
@arg("prices", doc=_DOC["prices"], **RANGE)
@arg("coupons", doc=_DOC["coupons"], **RANGE)
@arg("maturities", doc=_DOC["maturities"], **RANGE)
@arg("futures_price", doc=_DOC["futures_price"], **RANGE)
@arg("contract", doc=_DOC["contract"], **RANGE)
@arg("settle", doc=_DOC["settle"], **RANGE)
@arg("delivery", doc=_DOC["delivery"], **RANGE)
@arg("ids", doc="Optional: the bonds' identifiers (a column); the CTD's is returned", **RANGE)
def CTD(prices, coupons, maturities, futures_price, contract, settle, delivery=None, ids=None):
    """Cheapest to deliver (highest implied repo): its row in the basket (1 = first), or its id."""
    np = _np()
    ticker = _text(contract, "contract", "a futures ticker such as TYZ4")
    p, c, m = _basket(prices, coupons, maturities)
    f = _pos(_scalar(futures_price, "futures_price"), "futures_price")
    s = _date(_scalar(settle, "settle"), "settle")
    d = _delivery(delivery, ticker, s)
    repos = evaluate(lambda p_, c_, m_: _core().implied_repo(
        p_, c_, m_, f, _core().conversion_factor(c_, m_, ticker, settle=s), s, d),
        [("prices", [[x] for x in p], _pos), ("coupons", [[x] for x in c], _num),
         ("maturities", [[x] for x in m], _date)])
    flat = [r[0] for r in repos] if isinstance(repos, list) else [repos]
    numeric = [(v, i) for i, v in enumerate(flat) if isinstance(v, float) and np.isfinite(v)]
    if not numeric:
        raise InputError("prices", "the basket", f"has no bond with an implied repo ({flat[0]})")
    best = max(numeric)[1]
    if ids is None or _blank(ids) and not isinstance(ids, list):
        return float(best + 1)
    labels = as_column(ids, "ids").values
    if len(labels) != len(flat):
        raise InputError("ids", f"{len(labels)} values", f"do not match the basket ({len(flat)} bonds)")
    return labels[best]


@func(category=_CATEGORY)
@arg("prices", doc=_DOC["prices"], **RANGE)
@arg("coupons", doc=_DOC["coupons"], **RANGE)
@arg("maturities", doc=_DOC["maturities"], **RANGE)
@arg("futures_price", doc=_DOC["futures_price"], **RANGE)
@arg("contract", doc=_DOC["contract"], **RANGE)
@arg("settle", doc=_DOC["settle"], **RANGE)
@arg("repo", doc=_DOC["repo"], **RANGE)
@arg("delivery", doc=_DOC["delivery"], **RANGE)
@arg("tickers", doc="Optional: the bonds' tickers (a column), shown in the table", **RANGE)
def DLV(prices, coupons, maturities, futures_price, contract, settle, repo, delivery=None,
        tickers=None):
    """The deliverable basket like Bloomberg's DLV: one row per bond, sorted by implied repo; spills with a header row."""
    ticker, bonds, market = _dlv_inputs(prices, coupons, maturities, futures_price, contract,
                                        settle, repo, delivery, tickers)
    return _frame_output(_core().deliverable_basket(bonds, market[0], ticker, *market[1:]))


def _dlv_inputs(prices, coupons, maturities, futures_price, contract, settle, repo, delivery,
                tickers):
    """(contract, basket table, (futures price, settle, repo, delivery)) of a DLV's arguments."""
    pd = _pandas()
    ticker = _text(contract, "contract", "a futures ticker such as TYZ4")
    p, c, m = _basket(prices, coupons, maturities)
    bonds = pd.DataFrame({"coupon": _num(c, "coupons"), "maturity": _date(m, "maturities"),
                          "price": _pos(p, "prices")})
    if tickers is not None and not (not isinstance(tickers, list) and _blank(tickers)):
        names = as_column(tickers, "tickers").values
        if len(names) != len(bonds):
            raise InputError("tickers", f"{len(names)} values", f"do not match the basket ({len(bonds)} bonds)")
        bonds.insert(0, "ticker", ["" if _blank(t) else str(t) for t in names])
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


@func(category=_CATEGORY)
@arg("prices", doc=_DOC["prices"], **RANGE)
@arg("coupons", doc=_DOC["coupons"], **RANGE)
@arg("maturities", doc=_DOC["maturities"], **RANGE)
@arg("futures_price", doc=_DOC["futures_price"], **RANGE)
@arg("contract", doc=_DOC["contract"], **RANGE)
@arg("settle", doc=_DOC["settle"], **RANGE)
@arg("repo", doc=_DOC["repo"], **RANGE)
@arg("shifts_bp", doc='Parallel shifts of the forward yields in bp (a range), or text "-100:100:25"', **RANGE)
@arg("delivery", doc=_DOC["delivery"], **RANGE)
@arg("tickers", doc="Optional: the bonds' tickers (a column), shown in the table", **RANGE)
def CTDSCENARIOS(prices, coupons, maturities, futures_price, contract, settle, repo, shifts_bp,
                 delivery=None, tickers=None):
    """CTD switch scenarios: each bond's basis at delivery as forward yields shift, the CTD marked; one row per shift and bond, spills with a header row."""
    ticker, bonds, market = _dlv_inputs(prices, coupons, maturities, futures_price, contract,
                                        settle, repo, delivery, tickers)
    f, s, r, d = market
    return _frame_output(_core().ctd_scenarios(ticker, bonds, f, s, r, _shifts(shifts_bp), d))


@func(category=_CATEGORY)
@arg("prices", doc=_DOC["prices"], **RANGE)
@arg("coupons", doc=_DOC["coupons"], **RANGE)
@arg("maturities", doc=_DOC["maturities"], **RANGE)
@arg("futures_price", doc=_DOC["futures_price"], **RANGE)
@arg("contract", doc=_DOC["contract"], **RANGE)
@arg("settle", doc=_DOC["settle"], **RANGE)
@arg("repo", doc=_DOC["repo"], **RANGE)
@arg("vol_bp", doc="Normal volatility of the forward yields, bp a year (100)", **RANGE)
@arg("delivery", doc=_DOC["delivery"], **RANGE)
@arg("tickers", doc="Optional: the bonds' tickers (a column), shown in the table", **RANGE)
def DELIVERYOPTION(prices, coupons, maturities, futures_price, contract, settle, repo, vol_bp,
                   delivery=None, tickers=None):
    """Delivery option: its value in 32nds, the theoretical futures price, each bond's CTD probability and option-adjusted net basis; spills a summary, then a table."""
    ticker, bonds, market = _dlv_inputs(prices, coupons, maturities, futures_price, contract,
                                        settle, repo, delivery, tickers)
    f, s, r, d = market
    vol = _num(_scalar(vol_bp, "vol_bp"), "vol_bp")
    opt = _core().delivery_option(ticker, bonds, f, s, r, vol, d)
    return _summary_and_table(opt.summary(), opt.table)


def _summary_and_table(summary: dict[str, Any], table: Any) -> list[list[Any]]:
    """A block of (label, value) rows, a blank row, then a table with its header, padded square."""
    rows = _frame_output(table)
    width = max(2, len(rows[0]))
    block = [[name, value] + [""] * (width - 2) for name, value in summary.items()]
    head = [["" if v == NOT_FINITE else v for v in row] for row in table_output(block)]
    return head + [[""] * width] + [row + [""] * (width - len(row)) for row in rows]


@func(category=_CATEGORY)
@arg("prices", doc=_DOC["prices"] + "; one basket for both contracts", **RANGE)
@arg("coupons", doc=_DOC["coupons"], **RANGE)
@arg("maturities", doc=_DOC["maturities"], **RANGE)
@arg("front", doc='Front contract ticker ("USZ3")', **RANGE)
@arg("front_price", doc="Front futures price, points per 100 face", **RANGE)
@arg("back", doc='Back (deferred) contract ticker ("USH4")', **RANGE)
@arg("back_price", doc="Back futures price, points per 100 face", **RANGE)
@arg("settle", doc=_DOC["settle"], **RANGE)
@arg("front_repo", doc="Term repo to the front's delivery, percent Act/360", **RANGE)
@arg("back_repo", doc="Term repo to the back's delivery, percent Act/360", **RANGE)
@arg("roll_repo", doc="Optional: repo from front to back delivery; blank = implied by the term repos", **RANGE)
def CALENDARROLL(prices, coupons, maturities, front, front_price, back, back_price, settle,
                 front_repo, back_repo, roll_repo=None):
    """Calendar roll: theoretical and market spread (front - back, 32nds), each CTD, the forward repo and the implied repo of the roll; spills two columns."""
    pd = _pandas()
    p, c, m = _basket(prices, coupons, maturities)
    bonds = pd.DataFrame({"coupon": _num(c, "coupons"), "maturity": _date(m, "maturities"),
                          "price": _pos(p, "prices")})
    rr = _scalar(roll_repo, "roll_repo")
    roll = _core().calendar_roll(
        _text(front, "front", "a futures ticker such as USZ3"),
        _text(back, "back", "a futures ticker such as USH4"), bonds,
        _pos(_scalar(front_price, "front_price"), "front_price"),
        _pos(_scalar(back_price, "back_price"), "back_price"),
        _date(_scalar(settle, "settle"), "settle"),
        _num(_scalar(front_repo, "front_repo"), "front_repo"),
        _num(_scalar(back_repo, "back_repo"), "back_repo"),
        roll_repo=None if _blank(rr) else _num(rr, "roll_repo"))
    out = table_output([[name, value] for name, value in roll.summary().items()])
    return [["" if v == NOT_FINITE else v for v in row] for row in out]


def _pandas():
    import pandas as pd  # noqa: PLC0415 - deferred to the first call

    return pd


def _frame_output(table: Any) -> list[list[Any]]:
    """A DataFrame as a spilled table: the header row, then the rows (dates as serials)."""
    pd = _pandas()
    if "ticker" in table.columns and not table["ticker"].astype(str).str.strip().any():
        table = table.drop(columns="ticker")  # no tickers given: the column would be empty
    rows = [[str(col) for col in table.columns]]
    for record in table.itertuples(index=False):
        rows.append([None if (v is pd.NaT or (isinstance(v, float) and v != v)) else
                     (v.to_pydatetime() if isinstance(v, pd.Timestamp) else v) for v in record])
    out = table_output(rows)
    return [["" if v == NOT_FINITE else v for v in row] for row in out]


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
@arg("tba_dv01", doc="DV01 of the TBA futures leg, $ per contract (60.89)", **RANGE)
@arg("treasury_dv01", doc="DV01 of the Treasury futures leg, $ per contract (72.70)", **RANGE)
@arg("menu", doc='Optional listed ratios, texts like "4:5" (a range); blank = any up to max_leg', **RANGE)
@arg("max_leg", doc="Largest leg without a menu (default 10)", **RANGE)
def ICSRATIO(tba_dv01, treasury_dv01, menu=None, max_leg=10):
    """CME spread ratio (TBA contracts, Treasury contracts) nearest the DV01 ratio; spills two cells per row."""
    menu_list = None if menu is None or (not isinstance(menu, list) and _blank(menu)) else \
        as_vector(menu, "menu")
    leg = _scalar(max_leg, "max_leg")
    leg = 10 if _blank(leg) else int(_pos(leg, "max_leg"))
    tba = as_column(tba_dv01, "tba_dv01")
    tsy = as_column(treasury_dv01, "treasury_dv01")
    n = common_layout([tba, tsy], ["tba_dv01", "treasury_dv01"]).n
    out = []
    for i in range(n):  # a handful of rows at most: one pair per spread
        try:
            t = float(_pos(tba.values[i if len(tba) > 1 else 0], "tba_dv01"))
            u = float(_pos(tsy.values[i if len(tsy) > 1 else 0], "treasury_dv01"))
            n_tba, n_tsy = _core().ics_ratio(t, u, menu_list, leg)
            out.append([float(n_tba), float(n_tsy)])
        except XlfidxError as exc:
            if n == 1:
                raise
            out.append([error_text(exc), ""])
    return out


@func(category=_CATEGORY)
@arg("mbs_duration", doc="Duration of the MBS index in years (5.0)", **RANGE)
@arg("futures_durations", doc="CTD durations of the futures (a row or a column; blank = not listed)", **RANGE)
@arg("trend", doc="Optional trend per future (EWMAC units), same shape; blank = no view", **RANGE)
@arg("trend_tilt", doc="Optional tilt toward shorting falling futures (0 = duration match)", **RANGE)
def HEDGEWEIGHTS(mbs_duration, futures_durations, trend=None, trend_tilt=0.0):
    """Unlevered duration-neutral hedge of long MBS: weights [MBS, future 1..k], spilled like futures_durations."""
    from xlfidx._inputs import as_float  # noqa: PLC0415

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


def _fed_args(prices: Any, expiries: Any, meetings: Any, spot_rate: Any, method: Any):
    p = as_vector(prices, "prices")
    e = as_vector(expiries, "expiries")
    if len(p) != len(e):
        raise InputError("expiries", f"{len(e)} values", f"do not match prices ({len(p)} values)")
    meet = [v for v in as_column(meetings, "meetings").values if not _blank(v)]
    if not meet:
        raise InputError("meetings", meetings, "is empty; give the FOMC meeting dates")
    spot = _num(_scalar(spot_rate, "spot_rate"), "spot_rate")
    m = _scalar(method, "method")
    m = "cme" if _blank(m) else _text(m, "method", '"cme", "next" or "backout"').lower()
    return p, e, _date(meet, "meetings"), float(spot), m


@func(category=_CATEGORY)
@arg("prices", doc="Fed funds futures prices (a column)", **RANGE)
@arg("expiries", doc="Their last trade dates (or any date in the contract month)", **RANGE)
@arg("meetings", doc="FOMC announcement dates (a column; blanks ignored)", **RANGE)
@arg("spot_rate", doc="Effective Fed funds rate today, percent (4.33)", **RANGE)
@arg("method", doc='"cme" (default, CME FedWatch), "next" (end from the next month) or "backout" (from the month itself)', **RANGE)
def FEDPATH(prices, expiries, meetings, spot_rate, method="cme"):
    """Implied policy path: rate before and after each FOMC meeting, moves and FedWatch odds; spills a table with a header row."""
    p, e, meet, spot, m = _fed_args(prices, expiries, meetings, spot_rate, method)
    return _frame_output(_core().fed_path(p, e, meet, spot, method=m))


@func(category=_CATEGORY)
@arg("prices", doc="Fed funds futures prices (a column)", **RANGE)
@arg("expiries", doc="Their last trade dates (or any date in the contract month)", **RANGE)
@arg("meetings", doc="FOMC announcement dates (a column; blanks ignored)", **RANGE)
@arg("spot_rate", doc="Effective Fed funds rate today, percent (4.33)", **RANGE)
@arg("method", doc='"cme" (default, CME FedWatch), "next" (end from the next month) or "backout" (from the month itself)', **RANGE)
def FEDPROBS(prices, expiries, meetings, spot_rate, method="cme"):
    """FedWatch target-range probabilities (percent) after each meeting; spills a table with a header row."""
    p, e, meet, spot, m = _fed_args(prices, expiries, meetings, spot_rate, method)
    return _frame_output(_core().fed_probabilities(p, e, meet, spot, method=m))


# name in Excel -> function (the headless engine registers these)
UDFS: dict[str, Callable[..., Any]] = {name: globals()[name] for name in __all__ if name != "UDFS"}
