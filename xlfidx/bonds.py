"""U.S. Treasury notes and bonds: coupon schedule, accrued interest, yield and risk.

Conventions (spec §2): semiannual coupons on the maturity's day of month, counted back from
maturity, with the end-of-month rule (a bond maturing on the last day of a month pays on the
last day of each coupon month: 2031-06-30 pays Dec-31 and Jun-30); accrued interest
Actual/Actual (ICMA); T+1 settlement on SIFMA business days; street-convention yield
(semiannual compounding, fractional first period); DV01 in dollars per basis point per
100,000 face. Coupons and yields are in percent at the boundary.

Every function takes scalars or arrays (broadcast together) and returns a float for scalar
input. Dates may be ``date``, ``datetime``, ``datetime64``, ISO text or Excel serials.

>>> round(accrued_interest(4.25, "2031-06-30", "2024-08-05"), 10)
0.4157608696
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._inputs import as_date, as_float, broadcast, scalar_or_array
from .calendar import add_business_days
from .errors import InputError

__all__ = [
    "as_coupon",
    "add_months",
    "previous_coupon_date",
    "next_coupon_date",
    "coupon_count_after",
    "accrued_interest",
    "settlement_date",
    "dirty_price",
    "bond_price",
    "bond_yield",
    "bond_dv01",
    "modified_duration",
]

_D = "datetime64[D]"
_M = "datetime64[M]"


# Month arithmetic on integers: months since 1970-01 index two tables (first day of the month
# as days since 1970-01-01, and the month's length), so a coupon date costs a few array ops.
# The tables span every date Excel can hold (1900-01-01 to 9999-12-31) with room on both sides
# for the coupon and delivery-window arithmetic (a contract resolved from a 9999 settlement
# lies in 10000s, its window another 30 years on), so that no date a cell accepts falls off.
_TABLE_START = -12 * 170  # 1800-01
_TABLE_MONTHS = 12 * (10100 - 1800)  # to 10099-12
_MONTHS = np.arange(_TABLE_START, _TABLE_START + _TABLE_MONTHS + 1).astype(_M)
_MONTH_START = _MONTHS.astype(_D).astype(np.int64)
_MONTH_DAYS = np.diff(_MONTH_START)
_MONTH_START = _MONTH_START[:-1]


# A coupon rate in percent a year. Treasuries have paid 0.125% to 15.75%; anything above 100%
# is a typo (or a price in the coupon column), and the schedule arithmetic would overflow.
_COUPON_RANGE = (0.0, 100.0)


def as_coupon(value: Any, name: str = "coupon") -> np.ndarray:
    """Annual coupon rates in percent, 0 to 100, as a float array; else an error naming them.

    >>> as_coupon([4.25, 0.0]).tolist()
    [4.25, 0.0]
    >>> as_coupon(425.0)
    Traceback (most recent call last):
    ...
    xlfidx.errors.InputError: coupon = 425.0 is out of range; coupon must be an annual coupon in percent from 0 to 100
    """
    return as_float(value, name, nonnegative=True, what="an annual coupon in percent",
                    bounds=_COUPON_RANGE)


def _split(dates: np.ndarray):
    """(months since 1970-01, day of month − 1, days since 1970-01-01) of datetime64[D] dates."""
    days = dates.astype(np.int64)
    months = dates.astype(_M).astype(np.int64)
    return months, days - _MONTH_START[months - _TABLE_START], days


def _date_at(months: np.ndarray, day0: np.ndarray, eom) -> np.ndarray:
    """Day number of (month, day) with the day clipped to the month (or its last day if eom)."""
    i = months - _TABLE_START
    last = _MONTH_DAYS[i] - 1
    return _MONTH_START[i] + np.where(eom, last, np.minimum(day0, last))


def add_months(dates: Any, months: Any, eom: Any = False) -> np.ndarray:
    """Shift dates by whole months, clipping to month end; with ``eom`` land on month end.

    >>> str(add_months(np.datetime64("2031-06-30"), -6, eom=True))
    '2030-12-31'
    """
    d = np.asarray(dates, dtype=_D)
    m, day0, _ = _split(d)
    out = _date_at(m + np.asarray(months, dtype=np.int64), day0, eom)
    return out.astype(_D)


class _Maturity:
    """A bond's coupon calendar: coupon ``k`` falls ``6k`` months before maturity (``k = 0``
    is maturity), on the maturity's day of month, or on month end under the end-of-month rule."""

    __slots__ = ("months", "day0", "eom", "days")

    def __init__(self, maturity: np.ndarray):
        self.months, self.day0, self.days = _split(maturity)
        self.eom = self.day0 == _MONTH_DAYS[self.months - _TABLE_START] - 1

    def coupon_day(self, k: np.ndarray) -> np.ndarray:
        """Coupon date ``k`` periods back, as days since 1970-01-01."""
        return _date_at(self.months - 6 * k, self.day0, self.eom)

    def periods_back(self, date_days: np.ndarray, date_months: np.ndarray) -> np.ndarray:
        """``k`` of the last coupon date on or before the date."""
        k = (self.months - date_months) // 6
        return np.where(self.coupon_day(k) > date_days, k + 1, k)

    def around(self, date: np.ndarray):
        """(k of the previous coupon, previous coupon day, next coupon day, the date's day)."""
        days = date.astype(np.int64)
        k = self.periods_back(days, date.astype(_M).astype(np.int64))
        return k, self.coupon_day(k), self.coupon_day(k - 1), days


def _check_before_maturity(maturity: np.ndarray, date: np.ndarray, date_name: str) -> None:
    bad = date >= maturity
    if bad.any():
        i = int(np.flatnonzero(bad.reshape(-1))[0])
        idx = None if bad.ndim == 0 else i
        raise InputError("maturity", str(maturity.reshape(-1)[i]),
                         f"is not after {date_name} {date.reshape(-1)[i]}; the bond has matured", idx)


def _schedule(maturity: np.ndarray, date: np.ndarray):
    """(k of previous coupon, previous coupon date, next coupon date) around ``date``."""
    k, prev, nxt, _ = _Maturity(maturity).around(date)
    return k, prev.astype(_D), nxt.astype(_D)


def previous_coupon_date(maturity: Any, date: Any) -> Any:
    """The last coupon date on or before ``date`` (a coupon date is its own previous one)."""
    m, d = broadcast(as_date(maturity, "maturity"), as_date(date, "date"), names=["maturity", "date"])
    _check_before_maturity(m, d, "date")
    out = _schedule(m, d)[1]
    return out[()] if out.ndim == 0 else out


def next_coupon_date(maturity: Any, date: Any) -> Any:
    """The first coupon date strictly after ``date``."""
    m, d = broadcast(as_date(maturity, "maturity"), as_date(date, "date"), names=["maturity", "date"])
    _check_before_maturity(m, d, "date")
    out = _schedule(m, d)[2]
    return out[()] if out.ndim == 0 else out


def coupon_count_after(maturity: Any, date: Any) -> Any:
    """Number of coupons (the last one included) still to be paid strictly after ``date``."""
    m, d = broadcast(as_date(maturity, "maturity"), as_date(date, "date"), names=["maturity", "date"])
    _check_before_maturity(m, d, "date")
    return scalar_or_array(_Maturity(m).around(d)[0], maturity, date)


def _accrued_at(coupon_pct: np.ndarray, mat: _Maturity, date: np.ndarray):
    """(accrued per 100, k of previous coupon, fraction of the period still to run)."""
    k, prev, nxt, days = mat.around(date)
    period = nxt - prev
    return coupon_pct / 2.0 * (days - prev) / period, k, (nxt - days) / period


def _accrued(coupon_pct: np.ndarray, maturity: np.ndarray, settle: np.ndarray) -> np.ndarray:
    return _accrued_at(coupon_pct, _Maturity(maturity), settle)[0]


def accrued_interest(coupon: Any, maturity: Any, settle: Any) -> Any:
    """Accrued interest per 100 face, Actual/Actual (ICMA).

    ``AI = 100 · c/2 · (days since last coupon) / (days in the coupon period)``.

    >>> round(accrued_interest(1.25, "2031-08-15", "2024-08-05"), 10)   # 172 of 182 days
    0.5906593407
    """
    c = as_coupon(coupon)
    m = as_date(maturity, "maturity")
    s = as_date(settle, "settle")
    c, m, s = broadcast(c, m, s, names=["coupon", "maturity", "settle"])
    _check_before_maturity(m, s, "settle")
    return scalar_or_array(_accrued(c, m, s), coupon, maturity, settle)


def settlement_date(trade_date: Any, days: int = 1) -> Any:
    """Settlement ``days`` SIFMA business days after ``trade_date`` (T+1 by default).

    >>> str(settlement_date("2024-08-02"))
    '2024-08-05'
    """
    t = as_date(trade_date, "trade_date")
    out = add_business_days(t, days)
    return out[()] if out.ndim == 0 else out


# --- yield and risk: closed-form street-convention pricing --------------------------------

def _pv_and_slope(c_pct, n, w, y):
    """Dirty price per 100 and its derivative in y (decimal) at yield ``y``.

    Price = v^w · [C·(1 − v^n)/(1 − v) + 100·v^(n−1)], v = 1/(1 + y/2) = e^(−a), C = c/2 per
    100, n coupons left, w = fraction of the current period still to run.
    """
    cpn = c_pct / 2.0
    a = np.log1p(y / 2.0)
    v = np.exp(-a)
    vn = np.exp(-n * a)
    one_minus_v = -np.expm1(-a)
    with np.errstate(divide="ignore", invalid="ignore"):
        annuity = (1.0 - vn) / one_minus_v
        d_annuity = (n * vn * one_minus_v - (1.0 - vn) * v) / (one_minus_v * one_minus_v)  # d/da
    flat = np.abs(one_minus_v) < 1e-9
    if flat.any():  # zero yield: the annuity is just n, its slope −n(n−1)/2
        annuity = np.where(flat, n, annuity)
        d_annuity = np.where(flat, -n * (n - 1) / 2.0, d_annuity)
    redemption = 100.0 * vn / v
    body = cpn * annuity + redemption
    vw = np.exp(-w * a)
    dprice_da = vw * (cpn * d_annuity - (n - 1) * redemption - w * body)
    return vw * body, dprice_da * (0.5 * v)  # da/dy = v/2


def _solve_yield(c_pct, n, w, dirty):
    """Street yield (decimal) from a dirty price by Newton's method; also d price / d yield.

    Starts from the textbook yield-to-maturity approximation; Newton converges quadratically,
    so once a step is below 1e-9 the yield is exact to machine precision, and the slope of the
    last iterate differs from the final one by less than 1e-9 relative.
    """
    years = np.maximum((n - 1.0 + w) / 2.0, 1e-6)
    y = (c_pct + (100.0 - dirty) / years) / ((100.0 + dirty) / 2.0)
    y = np.where(np.isfinite(y) & (y > -1.0), y, 0.05)
    for _ in range(50):
        price, slope = _pv_and_slope(c_pct, n, w, y)
        step = (price - dirty) / slope
        y = y - step
        if np.all(np.abs(step) < 1e-9):
            break
    return y, slope


def _bond_inputs(coupon, maturity, settle):
    c = as_coupon(coupon)
    m = as_date(maturity, "maturity")
    s = as_date(settle, "settle")
    c, m, s = broadcast(c, m, s, names=["coupon", "maturity", "settle"])
    _check_before_maturity(m, s, "settle")
    return c, m, s


def dirty_price(price: Any, coupon: Any, maturity: Any, settle: Any) -> Any:
    """Clean price plus accrued interest, per 100 face."""
    from .quotes import as_price  # noqa: PLC0415

    p = as_price(price, "price")
    c, m, s = _bond_inputs(coupon, maturity, settle)
    p, c = broadcast(p, c, names=["price", "coupon"])
    return scalar_or_array(p + _accrued(c, m, s), price, coupon, maturity, settle)


def bond_price(coupon: Any, maturity: Any, settle: Any, yield_pct: Any) -> Any:
    """Clean price per 100 face at a street-convention yield (percent).

    >>> round(bond_price(6.0, "2034-06-30", "2024-06-30", 6.0), 10)
    100.0
    """
    c, m, s = _bond_inputs(coupon, maturity, settle)
    y = as_float(yield_pct, "yield_pct") / 100.0
    c, m, s, y = broadcast(c, m, s, y, names=["coupon", "maturity", "settle", "yield_pct"])
    ai, k, w = _accrued_at(c, _Maturity(m), s)
    dirty, _ = _pv_and_slope(c, k.astype(np.float64), w, y)
    return scalar_or_array(dirty - ai, coupon, maturity, settle, yield_pct)


def _risk(price, coupon, maturity, settle):
    from .quotes import as_price  # noqa: PLC0415

    p = as_price(price, "price")
    c, m, s = _bond_inputs(coupon, maturity, settle)
    p, c, m, s = broadcast(p, c, m, s, names=["price", "coupon", "maturity", "settle"])
    return _risk_at(p, c, _Maturity(m), s)


def _risk_at(p, c, mat: _Maturity, s):
    """(yield decimal, d dirty / d yield, dirty price) for validated arrays."""
    ai, k, w = _accrued_at(c, mat, s)
    dirty = p + ai
    y, slope = _solve_yield(c, k.astype(np.float64), w, dirty)
    return y, slope, dirty


def bond_yield(price: Any, coupon: Any, maturity: Any, settle: Any) -> Any:
    """Street-convention yield in percent from a clean price.

    >>> round(bond_yield(100.0, 6.0, "2034-06-30", "2024-06-30"), 10)
    6.0
    """
    y, _, _ = _risk(price, coupon, maturity, settle)
    return scalar_or_array(y * 100.0, price, coupon, maturity, settle)


def bond_dv01(price: Any, coupon: Any, maturity: Any, settle: Any) -> Any:
    """DV01: dollar change in value of 100,000 face for a 1 bp fall in yield."""
    _, slope, _ = _risk(price, coupon, maturity, settle)
    return scalar_or_array(-slope * 1e-4 * 1000.0, price, coupon, maturity, settle)


def modified_duration(price: Any, coupon: Any, maturity: Any, settle: Any) -> Any:
    """Modified duration in years: −(1/dirty price)·d(dirty price)/d(yield)."""
    _, slope, dirty = _risk(price, coupon, maturity, settle)
    return scalar_or_array(-slope / dirty, price, coupon, maturity, settle)
