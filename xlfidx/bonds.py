"""U.S. Treasury notes and bonds: coupon schedule, accrued interest, yield and risk.

Conventions: semiannual coupons on the maturity's day of month, counted back from
maturity, with the end-of-month rule (a bond maturing on the last day of a month pays on the
last day of each coupon month: 2031-06-30 pays Dec-31 and Jun-30); accrued interest
Actual/Actual (ICMA); T+1 settlement on SIFMA business days; street-convention yield
(semiannual compounding with a fractional first period, simple interest in the final coupon
period); DV01 in dollars per basis point per 100,000 face, accurate at any yield. Coupons and
yields are in percent at the boundary.

Every function takes scalars or arrays (broadcast together) and returns a float for scalar
input. Dates may be ``date``, ``datetime``, ``datetime64``, ISO text or Excel serials.

>>> round(accrued_interest(4.25, "2031-06-30", "2024-08-05"), 10)
0.4157608696
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import numpy as np

from ._inputs import as_date, as_float, broadcast, scalar_or_array
from .dates import add_business_days, date_at, month_length, split_date
from .errors import InputError

__all__ = [
    "as_coupon",
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
    "Treasury",
]

_D = "datetime64[D]"
_M = "datetime64[M]"


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


class _Maturity:
    """A bond's coupon calendar: coupon ``k`` falls ``6k`` months before maturity (``k = 0``
    is maturity), on the maturity's day of month, or on month end under the end-of-month rule."""

    __slots__ = ("months", "day0", "eom", "days")

    def __init__(self, maturity: np.ndarray):
        self.months, self.day0, self.days = split_date(maturity)
        self.eom = self.day0 == month_length(self.months) - 1

    def coupon_day(self, k: np.ndarray) -> np.ndarray:
        """Coupon date ``k`` periods back, as days since 1970-01-01."""
        return date_at(self.months - 6 * k, self.day0, self.eom)

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
    out = add_business_days(t, days, name="trade_date")
    return out[()] if out.ndim == 0 else out


# --- yield and risk: street-convention pricing --------------------------------------------

# Bonds are priced in blocks of rows of about this many cash flows in all, which bounds the
# memory a long column of bonds takes (each bond's remaining cash flows are one matrix row, of
# 256 KB in all, and so are their discount factors): large enough that the fixed cost of a
# block's few dozen array operations is small beside its exponentials.
_BLOCK = 1 << 15


@lru_cache(maxsize=16)
def _schedule_table(m: int):
    """For blocks whose longest bond has ``m`` coupons left: ``due[k, j]``, 1 if a bond with
    ``k`` coupons left pays coupon ``j`` (j < k) and 0 if not, the exponents ``−j`` and the
    weights ``[1, j]`` of the two sums."""
    j = np.arange(float(m))
    due = (np.arange(m) < np.arange(m + 1)[:, None]).astype(np.float64)
    weights = np.stack([np.ones(m), j], axis=1)
    for table in (due, weights):
        table.flags.writeable = False
    return due, -j, weights


class _CashFlows:
    """The remaining cash flows of a block of bonds, priced at any street-convention yield.

    Compounded: dirty = Σ_j CF_j · v^(j + w), v = 1/(1 + y/2), j = 0 … n−1, with
    CF_j = c/2 per 100 face and 100 more at maturity, n coupons left and w the fraction of the
    current period still to run; d dirty/dy = −Σ_j (j + w) · CF_j · v^(j + w) / (2 + y). Both
    are sums of positive terms, so they keep every digit at any yield, 0% and negative yields
    included, where the closed form (1 − v^n)/(1 − v) of the annuity, and above all its
    derivative, lose digits to cancellation as the yield nears 0.

    They are taken as dirty = v^w · S₀ and d dirty/dy = −v^w · (S₁ + w·S₀) / (2 + y), with
    S₀ = Σ_j CF_j·v^j and S₁ = Σ_j j·CF_j·v^j: every v^j an exponential, and the two sums of
    every bond in the block one matrix product.

    In the final coupon period (n = 1) the street convention is simple interest, as Bloomberg,
    QuantLib and SIFMA's standard formulas have it: dirty = (100 + c/2) / (1 + y·w/2).
    """

    __slots__ = ("w", "minus_w", "last", "any_last", "final_flow", "flows", "powers", "weights")

    def __init__(self, c_pct: np.ndarray, n: np.ndarray, w: np.ndarray):
        self.w, self.minus_w = w, -w
        m = int(n.max(initial=1))
        due, self.powers, self.weights = _schedule_table(m)
        # one row per bond, [CF_j]: c/2 for each coupon still to be paid, 100 more at maturity
        self.flows = flows = due.take(n, axis=0)
        flows *= (0.5 * c_pct)[:, None]
        maturity = np.arange(0, n.size * m, m) + (n - 1)
        flows.put(maturity, flows.take(maturity) + 100.0)
        self.last = n == 1
        self.any_last = bool(self.last.any())
        self.final_flow = 100.0 + 0.5 * c_pct

    def at(self, y: np.ndarray):
        """(dirty price per 100, d dirty / d y) at yields ``y`` (decimal)."""
        a = np.log1p(0.5 * y)  # v = e^(−a)
        v_j = np.multiply.outer(a, self.powers)
        np.exp(v_j, out=v_j)
        v_j *= self.flows
        s_0, s_1 = (v_j @ self.weights).T
        v_w = np.exp(self.minus_w * a)
        price = v_w * s_0
        slope = (s_1 + self.w * s_0) * (v_w / (-2.0 - y))
        if self.any_last:
            g = 1.0 + 0.5 * self.w * y
            simple = self.final_flow / g
            price = np.where(self.last, simple, price)
            slope = np.where(self.last, -0.5 * self.w * simple / g, slope)
        return price, slope


def _rows(c_pct, n, w, *xs):
    """The inputs broadcast together and flattened: (their shape, c_pct, n, w, *xs), with ``n``
    as index integers (``np.intp``: 32-bit on WebAssembly, where ``take`` refuses int64) and the
    rest as floats."""
    c_pct, n, w, *xs = np.broadcast_arrays(c_pct, n, w, *xs)
    flat = [np.asarray(v, dtype=np.float64).ravel() for v in (c_pct, w, *xs)]
    return (n.shape, flat[0], np.asarray(n, dtype=np.intp).ravel(), flat[1], *flat[2:])


def _blockwise(solve, shape, c_pct, n, w, *xs):
    """``solve(cash_flows, *xs)`` over blocks of the flat rows of :func:`_rows`; its two
    outputs in ``shape``."""
    rows = max(1, _BLOCK // int(n.max(initial=1)))
    if n.size <= rows:
        first, second = solve(_CashFlows(c_pct, n, w), *xs)
    else:
        first, second = np.empty(n.size), np.empty(n.size)
        for i in range(0, n.size, rows):
            b = slice(i, i + rows)
            first[b], second[b] = solve(_CashFlows(c_pct[b], n[b], w[b]), *(x[b] for x in xs))
    return first.reshape(shape), second.reshape(shape)


def _pv_and_slope(c_pct, n, w, y):
    """Dirty price per 100 and its derivative in y (decimal) at street yield ``y``."""
    return _blockwise(_CashFlows.at, *_rows(c_pct, n, w, y))


# From this many cash flows on (bonds × the most coupons left), the closed-form pre-solve of
# _start_yield pays for itself: its few dozen operations on one value per bond per iteration
# cost less than the exact Newton steps they save, each an exponential per cash flow. Below,
# as for one basket, the exact Newton starts from the textbook approximation.
_PRESOLVE_FLOWS = 1 << 12


def _start_yield(c_pct, n, w, dirty):
    """A starting yield (decimal) for the exact Newton of :func:`_newton`, flat rows.

    The final period's simple-interest yield has a closed form (exact from the start).
    Elsewhere: the textbook yield-to-maturity approximation, refined for many bonds at once
    by :func:`_annuity_yield` where that converges.
    """
    years = (n - 1.0 + w) / 2.0
    approx = (c_pct + (100.0 - dirty) / years) / ((100.0 + dirty) / 2.0)
    y = np.where(np.isfinite(approx) & (approx > -1.0), approx, 0.05)
    if n.size * int(n.max(initial=1)) >= _PRESOLVE_FLOWS:
        y = _annuity_yield(c_pct, n, w, dirty, y)
    last = n == 1
    if last.any():
        y = np.where(last, 2.0 / w * ((100.0 + 0.5 * c_pct) / dirty - 1.0), y)
    return y


def _annuity_yield(c_pct, n, w, dirty, y):
    """The street yield solved on the closed form of the annuity, from the yields ``y``: only a
    starting point for the exact Newton, which takes the yield and the slope from the cash-flow
    kernel (the closed form's derivative loses digits near 0%). Rows where it does not
    converge (NaN, or far from a root) keep ``y``.

    With ``a = log(1 + y/2)``, ``v = e^(−a)``, ``m = n − 1``, the annuity
    ``A = Σ_{j<n} v^j = (v^n − 1)/(v − 1)`` (both as ``expm1``) and
    ``S = Σ_{j<n} j·v^j = (n·v^n·(v − 1) − (v^n − 1)·v)/(v − 1)²``: dirty = e^(−w·a)·(c/2·A +
    100·v^m), and Newton's method runs on its logarithm, nearly linear in ``a`` (exactly, for a
    zero-coupon bond), whose slope is −(c/2·(S + w·A) + 100·(m + w)·v^m)/(c/2·A + 100·v^m).
    """
    cpn = 0.5 * c_pct
    nf = n.astype(np.float64)
    m = nf - 1.0
    face_weight = 100.0 * (m + w)
    target = np.log(dirty)
    with np.errstate(all="ignore"):
        a = np.log1p(0.5 * y)
        for _ in range(8):
            d = np.expm1(-a)             # v − 1
            g = np.expm1(-nf * a)        # v^n − 1
            v = d + 1.0
            v_m = (g + 1.0) / v          # v^(n−1)
            annuity = g / d
            s = (nf * (g + 1.0) * d - g * v) / (d * d)
            price = cpn * annuity + 100.0 * v_m
            weighted = cpn * (s + w * annuity) + face_weight * v_m
            step = (np.log(price) - w * a - target) * price / weighted
            a = a + step
            # quadratic convergence: after steps below 1e-8 the error is some 1e-15, and the
            # exact Newton's first step confirms the yield (a NaN row holds no one up)
            if not (np.abs(step) >= 1e-8).any():
                break
        out = 2.0 * np.expm1(a)
        good = (np.abs(step) < 1e-8) & (out > -1.0)  # False for NaN
    return np.where(good, out, y)


def _newton(flows: _CashFlows, dirty: np.ndarray, y: np.ndarray):
    """Newton's method on the exact kernel, from the starting yields ``y``.

    A row that cannot converge (a price no yield reaches) goes NaN and is left so: the quiet
    errstate is the solver's intended path, not an accident hidden.
    """
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        for _ in range(50):
            price, slope = flows.at(y)
            step = (price - dirty) / slope
            y = y - step
            # Newton converges quadratically: once every step is below 1e-12 (far above the
            # rounding floor of a real bond's yield) y is exact to machine precision and the
            # slope, taken one step back, within 1e-10 relative of its value at y. A row that
            # cannot converge (NaN) does not hold the others up.
            if not (np.abs(step) > 1e-12).any():
                break
    return y, slope


def _solve_yield(c_pct, n, w, dirty):
    """Street yield (decimal) from a dirty price per 100, and d dirty / d yield there.

    ``n`` coupons left (an integer array), ``w`` the fraction of the current period to run.
    """
    shape, c_pct, n, w, dirty = _rows(c_pct, n, w, dirty)
    return _blockwise(_newton, shape, c_pct, n, w, dirty, _start_yield(c_pct, n, w, dirty))


def _bond_inputs(coupon, maturity, settle):
    c = as_coupon(coupon)
    m = as_date(maturity, "maturity")
    s = as_date(settle, "settle")
    c, m, s = broadcast(c, m, s, names=["coupon", "maturity", "settle"])
    _check_before_maturity(m, s, "settle")
    return c, m, s


def dirty_price(price: Any, coupon: Any, maturity: Any, settle: Any) -> Any:
    """Clean price plus accrued interest, per 100 face."""
    from .quotes import as_price

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
    dirty, _ = _pv_and_slope(c, k, w, y)
    return scalar_or_array(dirty - ai, coupon, maturity, settle, yield_pct)


def _risk(price, coupon, maturity, settle):
    from .quotes import as_price

    p = as_price(price, "price")
    c, m, s = _bond_inputs(coupon, maturity, settle)
    p, c, m, s = broadcast(p, c, m, s, names=["price", "coupon", "maturity", "settle"])
    return _risk_at(p, c, _Maturity(m), s)


def _risk_at(p, c, mat: _Maturity, s):
    """(yield decimal, d dirty / d yield, dirty price) for validated arrays."""
    ai, k, w = _accrued_at(c, mat, s)
    dirty = p + ai
    y, slope = _solve_yield(c, k, w, dirty)
    return y, slope, dirty


def bond_yield(price: Any, coupon: Any, maturity: Any, settle: Any) -> Any:
    """Street-convention yield in percent from a clean price.

    Compounded semiannually; in the final coupon period, simple interest: a 2.5% note three
    months from maturity at 99.9 yields 4·((100 + 1.25)/(99.9 + 0.625) − 1) = 2.88%.

    >>> round(bond_yield(100.0, 6.0, "2034-06-30", "2024-06-30"), 10)
    6.0
    >>> round(bond_yield(99.9, 2.5, "2024-11-15", "2024-08-15"), 10)
    2.8848545138
    """
    y, _, _ = _risk(price, coupon, maturity, settle)
    return scalar_or_array(y * 100.0, price, coupon, maturity, settle)


def bond_dv01(price: Any, coupon: Any, maturity: Any, settle: Any) -> Any:
    """DV01: dollar change in value of 100,000 face for a 1 bp fall in yield.

    The exact derivative of the street price, at any yield: a 10-year zero-coupon bond at 0%
    gains 10 years × $100,000 × 1 bp = $100.

    >>> round(bond_dv01(100.0, 0.0, "2034-06-30", "2024-06-30"), 10)
    100.0
    """
    _, slope, _ = _risk(price, coupon, maturity, settle)
    return scalar_or_array(-slope * 1e-4 * 1000.0, price, coupon, maturity, settle)


def modified_duration(price: Any, coupon: Any, maturity: Any, settle: Any) -> Any:
    """Modified duration in years: −(1/dirty price)·d(dirty price)/d(yield).

    A par bond's is (1 − (1 + y/2)^−2T)/y: 7.4387 years for a 6% 10-year.

    >>> round(modified_duration(100.0, 6.0, "2034-06-30", "2024-06-30"), 10)
    7.4387374302
    """
    _, slope, dirty = _risk(price, coupon, maturity, settle)
    return scalar_or_array(-slope / dirty, price, coupon, maturity, settle)


# --- the object a trader names ----------------------------------------------------------------

@dataclass(frozen=True)
class Treasury:
    """A U.S. Treasury note or bond: its coupon (percent) and maturity.

    A thin, immutable face over the vectorised functions of this module: each method is the
    function of the same concept with this bond's coupon and maturity filled in, so a column
    of settlement dates or prices gives a column back.

    >>> t = Treasury(coupon=4.25, maturity=date(2031, 6, 30))   # T 4.25 06/30/31, TYZ4's CTD
    >>> round(t.accrued_interest(date(2024, 8, 5)), 10)          # the export's int_acc
    0.4157608696
    >>> round(t.clean_price(t.yield_pct(103.296875, date(2024, 8, 5)), date(2024, 8, 5)), 9)
    103.296875
    >>> [str(d) for d in t.coupon_dates(date(2024, 8, 5))[:2]]
    ['2024-12-31', '2025-06-30']
    """

    coupon: float
    maturity: date
    name: str = ""

    def __post_init__(self) -> None:
        c = as_float(self.coupon, "coupon", nonnegative=True)
        m = as_date(self.maturity, "maturity")
        if c.ndim or m.ndim:
            raise InputError("coupon", self.coupon, "must be one value; a Treasury is one bond "
                             "(use the functions of xlfidx.bonds for columns)")
        object.__setattr__(self, "coupon", float(c))
        object.__setattr__(self, "maturity", m[()].astype(object))

    def __str__(self) -> str:
        return self.name or f"T {self.coupon:g} {self.maturity:%m/%d/%y}"

    def accrued_interest(self, settle: Any) -> Any:
        """Accrued interest per 100 face at ``settle`` (Act/Act ICMA)."""
        return accrued_interest(self.coupon, self.maturity, settle)

    def clean_price(self, yield_pct: Any, settle: Any) -> Any:
        """Clean price per 100 face at a street-convention yield (percent)."""
        return bond_price(self.coupon, self.maturity, settle, yield_pct)

    def dirty_price(self, price: Any, settle: Any) -> Any:
        """Clean price plus accrued interest."""
        return dirty_price(price, self.coupon, self.maturity, settle)

    def yield_pct(self, price: Any, settle: Any) -> Any:
        """Street-convention yield in percent from a clean price."""
        return bond_yield(price, self.coupon, self.maturity, settle)

    def dv01(self, price: Any, settle: Any) -> Any:
        """Dollar value of a basis point per 100,000 face."""
        return bond_dv01(price, self.coupon, self.maturity, settle)

    def modified_duration(self, price: Any, settle: Any) -> Any:
        """Modified duration in years."""
        return modified_duration(price, self.coupon, self.maturity, settle)

    def coupon_dates(self, after: Any) -> np.ndarray:
        """The coupon dates still to be paid strictly after ``after``, maturity last."""
        m = as_date(self.maturity, "maturity")
        n = int(coupon_count_after(self.maturity, as_date(after, "after")))
        return _Maturity(m).coupon_day(np.arange(n - 1, -1, -1)).astype(_D)
