"""CME Treasury futures: contracts as data, tickers, delivery dates, eligibility, conversion factor.

The contract rules are one table (``CONTRACTS``), one row per contract: a new contract is one
row, and no code branches on a root's name. Terms are counted from the first day of the
delivery month (for TU and 3Y, the upper bound from the last day of the delivery month, as
CME's rules say). A contract with an original-term limit (TU, 3Y, FV: 5y3m) also caps the
remaining term by it, so a one-digit year resolves from the maturity alone.

>>> conversion_factor(4.25, "2031-06-30", "TYZ4")
0.9069
>>> conversion_factor(3.625, "2028-03-31", "FVU3")
0.9075
>>> str(last_delivery_day("TYZ24 Comdty"))
'2024-12-31'
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Any

import numpy as np

from ._inputs import as_date, as_text, broadcast, scalar_or_array
from .bonds import as_coupon
from .dates import (
    FIRST_DAY,
    LAST_DAY,
    add_months,
    business_calendar,
    first_business_day,
    last_business_day,
    nth_business_day,
)
from .errors import InputError
from .tickers import MONTH_CODES, split_ticker, year_on_or_after

__all__ = [
    "ContractSpec",
    "Contract",
    "CONTRACTS",
    "contract_spec",
    "parse_contract",
    "resolve_contract",
    "delivery_month",
    "first_delivery_day",
    "last_delivery_day",
    "last_trading_day",
    "is_deliverable",
    "conversion_factor",
]

_D = "datetime64[D]"
_M = "datetime64[M]"


class CFRounding(Enum):
    """How CME rounds the remaining term down before pricing the bond at 6%."""

    WHOLE_MONTHS = 1    # TU, 3Y, FV
    WHOLE_QUARTERS = 3  # TY, UXY, US, WN


class LastTrade(Enum):
    """CME's last trading day rule, relative to the last business day of the delivery month."""

    LAST_BUSINESS_DAY = 0             # TU, 3Y, FV
    SEVEN_BUSINESS_DAYS_BEFORE = -7   # TY, UXY, US, WN: the 7th business day before the last


class LastDelivery(Enum):
    """CME's last delivery day rule."""

    LAST_BUSINESS_DAY = 0                   # of the delivery month (TY, UXY, US, WN)
    THIRD_BUSINESS_DAY_NEXT_MONTH = 3       # of the following month (TU, 3Y, FV)


@dataclass(frozen=True, kw_only=True)
class ContractSpec:
    """The delivery rules of one Treasury futures contract (CME Rulebook, chapters 18-21)."""

    root: str                                # Bloomberg root
    cme_root: str                            # CME Globex root
    name: str
    min_remaining_months: int                # from the first day of the delivery month
    max_remaining_months: int | None = None  # None: no upper bound on the remaining term
    max_from_last_day: bool = False          # upper bound counted from the delivery month's last day
    max_exclusive: bool = False              # "less than" rather than "not more than" the bound
    max_original_months: int | None = None   # original term limit
    cf_rounding: CFRounding = CFRounding.WHOLE_QUARTERS
    face: int = 100_000
    last_delivery: LastDelivery = LastDelivery.LAST_BUSINESS_DAY
    last_trade: LastTrade = LastTrade.SEVEN_BUSINESS_DAYS_BEFORE
    max_applies_from: str | None = None      # first delivery month under the upper bound, if later
    earlier_max_remaining_months: int | None = None  # the upper bound before that month


# each rule's day from the delivery month (datetime64[M])
_LAST_DELIVERY = {
    LastDelivery.LAST_BUSINESS_DAY: lambda month: last_business_day(month.astype(_D)),
    LastDelivery.THIRD_BUSINESS_DAY_NEXT_MONTH:
        lambda month: nth_business_day((month + 1).astype(_D), 3),
}

_NOTE_2_TO_5Y = dict(max_from_last_day=True, max_original_months=63,
                     cf_rounding=CFRounding.WHOLE_MONTHS,
                     last_delivery=LastDelivery.THIRD_BUSINESS_DAY_NEXT_MONTH,
                     last_trade=LastTrade.LAST_BUSINESS_DAY)

_SPECS = (
    ContractSpec(root="TU", cme_root="ZT", name="2-Year T-Note", min_remaining_months=21,
                 max_remaining_months=24, face=200_000, **_NOTE_2_TO_5Y),
    ContractSpec(root="3Y", cme_root="Z3N", name="3-Year T-Note", min_remaining_months=33,
                 max_remaining_months=36, face=200_000, **_NOTE_2_TO_5Y),
    ContractSpec(root="FV", cme_root="ZF", name="5-Year T-Note", min_remaining_months=50,
                 **{**_NOTE_2_TO_5Y, "max_from_last_day": False}),
    # 6y6m to 8y since the September 2023 contract; 6y6m to 10y before it
    ContractSpec(root="TY", cme_root="ZN", name="10-Year T-Note", min_remaining_months=78,
                 max_remaining_months=96, max_applies_from="2023-09",
                 earlier_max_remaining_months=120),
    ContractSpec(root="UXY", cme_root="TN", name="Ultra 10-Year T-Note", min_remaining_months=113,
                 max_remaining_months=120, max_original_months=120),
    # the 25-year cap came with the Ultra Bond: US contracts from March 2011 on
    ContractSpec(root="US", cme_root="ZB", name="T-Bond", min_remaining_months=180,
                 max_remaining_months=300, max_exclusive=True, max_applies_from="2011-03"),
    ContractSpec(root="WN", cme_root="UB", name="Ultra T-Bond", min_remaining_months=300),
)

CONTRACTS: dict[str, ContractSpec] = {s.root: s for s in _SPECS}
"""The contract table: each Treasury future's delivery rules by its Bloomberg root (TU ... WN)."""
_BY_ANY_ROOT: dict[str, ContractSpec] = {**CONTRACTS, **{s.cme_root: s for s in _SPECS}}

# No Treasury is issued for more than 30 years: a longer remaining term cannot be a real bond
# (this also stops a one-digit year from matching the decade before a 30-year bond was issued).
_MAX_TREASURY_MONTHS = 361


@dataclass(frozen=True)
class Contract:
    """A parsed futures ticker. ``year`` is None when the ticker gave a single digit."""

    spec: ContractSpec
    month: int
    year: int | None
    year_digit: int
    ticker: str

    @property
    def delivery_month(self) -> np.datetime64:
        if self.year is None:
            raise InputError("contract", self.ticker,
                             "has a one-digit year; give the decade (e.g. TYZ24) or a bond to resolve it")
        return np.datetime64(f"{self.year:04d}-{self.month:02d}", "M")

    def with_year(self, year: int) -> Contract:
        return Contract(self.spec, self.month, year, self.year_digit, self.ticker)

    def __str__(self) -> str:
        yy = f"{self.year % 100:02d}" if self.year is not None else str(self.year_digit)
        return f"{self.spec.root}{MONTH_CODES[self.month - 1]}{yy}"


def contract_spec(root: str) -> ContractSpec:
    """The rules of a contract by Bloomberg or CME root (``TY`` or ``ZN``)."""
    spec = _BY_ANY_ROOT.get(str(root).strip().upper())
    if spec is None:
        raise InputError("contract", root, f"is not a known root; use one of {', '.join(CONTRACTS)}")
    return spec


@lru_cache(maxsize=512)
def _parse(text: str) -> Contract:
    t = split_ticker(text, tuple(_BY_ANY_ROOT))
    if t is None:
        raise InputError(
            "contract", text,
            "is not a Treasury futures ticker; write it like TYZ4, TYZ24, 'TYZ4 Comdty' or ZNZ4 "
            f"(roots {', '.join(CONTRACTS)} or {', '.join(s.cme_root for s in _SPECS)})",
        )
    return Contract(_BY_ANY_ROOT[t.root], t.month, t.year, t.year_digit, text)


def parse_contract(ticker: Any) -> Contract:
    """Parse a ticker such as ``TYZ4``, ``TYZ24``, ``TYZ4 Comdty`` or ``ZNZ4``.

    >>> c = parse_contract("ZNZ24"); (c.spec.root, c.month, c.year)
    ('TY', 12, 2024)
    """
    if isinstance(ticker, Contract):
        return ticker
    return _parse(as_text(ticker, "contract", what="a futures ticker"))


def _months_from(start_month: np.ndarray, maturity: np.ndarray) -> np.ndarray:
    """Whole months from the 1st of ``start_month`` to ``maturity`` (days beyond are dropped)."""
    return (maturity.astype(_M) - start_month).astype(np.int64)


def _eligible(spec: ContractSpec, dmonth: np.datetime64, maturity: np.ndarray,
              issue: np.ndarray | None = None) -> np.ndarray:
    """Where bonds maturing on ``maturity`` are deliverable for delivery month ``dmonth``."""
    earliest, latest, exclusive = _maturity_window(spec, str(np.datetime64(dmonth, "M")))
    ok = (maturity >= earliest) & ((maturity < latest) if exclusive else (maturity <= latest))
    if issue is not None and spec.max_original_months is not None:
        has = ~np.isnat(issue)
        orig_ok = maturity <= add_months(np.where(has, issue, maturity), spec.max_original_months)
        ok &= np.where(has, orig_ok, True)
    return ok


@lru_cache(maxsize=1024)
def _maturity_window(spec: ContractSpec, dmonth: str) -> tuple[np.datetime64, np.datetime64, bool]:
    """(earliest maturity, latest maturity, latest excluded) deliverable in a delivery month."""
    month = np.datetime64(dmonth, "M")
    first = month.astype(_D)
    earliest = add_months(first, spec.min_remaining_months)
    latest = add_months(first, _MAX_TREASURY_MONTHS)
    exclusive = False
    current = spec.max_applies_from is None or month >= np.datetime64(spec.max_applies_from, "M")
    cap = spec.max_remaining_months if current else spec.earlier_max_remaining_months
    if cap is not None:
        anchor = ((month + 1).astype(_D) - 1) if spec.max_from_last_day else first
        latest = add_months(anchor, cap)
        exclusive = spec.max_exclusive and current
    if spec.max_original_months is not None:
        # A note issued after the last trading day (in the delivery month) is not deliverable,
        # so at the end of the delivery month a deliverable note has at most its original term
        # left: it matures by the end of the month that many months on. This bounds the
        # window when only the maturity is known (it is what places FVU3 in 2023).
        by_original = (month + 1 + spec.max_original_months).astype(_D) - 1
        if by_original < latest:
            latest, exclusive = by_original, False
    return earliest, latest, exclusive


def _window_text(spec: ContractSpec, dmonth: Any = None) -> str:
    """The contract's rule in words, e.g. ``at least 4y2m remaining, original term at most 5y3m``."""
    def ym(m: int) -> str:
        y, mm = divmod(m, 12)
        return f"{y}y" + (f"{mm}m" if mm else "")

    cap = spec.max_remaining_months
    if dmonth is not None and spec.max_applies_from is not None and \
            np.datetime64(dmonth, "M") < np.datetime64(spec.max_applies_from, "M"):
        cap = spec.earlier_max_remaining_months
    text = (f"at least {ym(spec.min_remaining_months)}" if cap is None
            else f"{ym(spec.min_remaining_months)} to {ym(cap)}") + " remaining"
    if spec.max_original_months is not None:
        text += f", original term at most {ym(spec.max_original_months)}"
    return text


def resolve_contract(contract: Any, maturity: Any = None, *, settle: Any = None) -> Contract:
    """Give a one-digit-year contract its decade.

    With ``settle``: the first delivery month on or after the settlement month. Otherwise
    with ``maturity`` (one bond or several): the decade in which the bond(s) are deliverable;
    an error when no decade or more than one fits.

    >>> resolve_contract("TYZ4", "2031-06-30").year
    2024
    """
    c = parse_contract(contract)
    if c.year is not None:
        return c
    if settle is not None:
        s = as_date(settle, "settle").reshape(-1).min().astype(_M)
        return c.with_year(year_on_or_after(c.year_digit, c.month, s))
    if maturity is None:
        raise InputError("contract", c.ticker,
                         "has a one-digit year; give the decade (e.g. TYZ24) or a bond to resolve it")
    return c.with_year(_year_from_bonds(c, as_date(maturity, "maturity")))


def _decade_fits(c: Contract, flat: np.ndarray) -> tuple[list[int], np.ndarray]:
    """The candidate years ending in the ticker's digit, and where each bond fits each one."""
    earliest = int(str(flat.min())[:4]) - 31
    latest = int(str(flat.max())[:4])
    years = list(range(earliest - earliest % 10 + c.year_digit, latest + 1, 10))
    dmonths = [np.datetime64(f"{y:04d}-{c.month:02d}", "M") for y in years]
    fits = np.array([_eligible(c.spec, dm, flat) for dm in dmonths]).reshape(len(years), -1)
    return years, fits


def _year_from_bonds(c: Contract, m: np.ndarray) -> int:
    """The one decade in which every bond is deliverable, or an error naming the first bond
    that fits none, fits several, or disagrees with the others."""
    flat = m.reshape(-1)
    years, fits = _decade_fits(c, flat)
    count = fits.sum(axis=0)

    def index(i: int) -> int | None:
        return None if m.ndim == 0 else i

    if (count == 0).any():
        i = int(np.flatnonzero(count == 0)[0])
        raise InputError("maturity", str(flat[i]),
                         f"is not deliverable into {c.ticker}: {c.spec.root} takes "
                         f"{_window_text(c.spec)}, in no year ending in {c.year_digit}",
                         index(i))
    if (count > 1).any():
        i = int(np.flatnonzero(count > 1)[0])
        both = ", ".join(str(y) for y, ok in zip(years, fits[:, i], strict=True) if ok)
        raise InputError("contract", c.ticker,
                         f"is ambiguous for maturity {flat[i]}: deliverable in {both}; "
                         "write the year with two digits or give the settlement date")
    chosen = fits.argmax(axis=0)
    if (chosen != chosen[0]).any():
        i = int(np.flatnonzero(chosen != chosen[0])[0])
        raise InputError("contract", c.ticker,
                         f"means {years[chosen[0]]} for maturity {flat[0]} but {years[chosen[i]]} "
                         f"for maturity {flat[i]}; write the year with two digits")
    return years[int(chosen[0])]


def delivery_month(contract: Any, maturity: Any = None) -> np.datetime64:
    """The delivery month of a contract as ``datetime64[M]``."""
    return resolve_contract(contract, maturity).delivery_month


def _business_month(c: Contract) -> np.datetime64:
    """The delivery month, where the business-day calendar covers it (else an error naming
    the contract, not a date the user never typed)."""
    month = c.delivery_month
    if not FIRST_DAY.astype(_M) <= month < LAST_DAY.astype(_M):
        raise InputError("contract", str(c), f"delivers in {month}, outside the SIFMA holiday "
                         f"table ({FIRST_DAY.astype(_M)} to {LAST_DAY.astype(_M)})")
    return month


def first_delivery_day(contract: Any, maturity: Any = None) -> np.datetime64:
    """First business day of the delivery month."""
    c = resolve_contract(contract, maturity)
    return first_business_day(_business_month(c).astype(_D))[()]


def last_delivery_day(contract: Any, maturity: Any = None) -> np.datetime64:
    """Last business day of the delivery month (TY, UXY, US, WN); the third business day of
    the following month for TU, 3Y, FV.

    >>> str(last_delivery_day("FVZ24"))
    '2025-01-06'
    """
    c = resolve_contract(contract, maturity)
    return _LAST_DELIVERY[c.spec.last_delivery](_business_month(c))[()]


def last_trading_day(contract: Any, maturity: Any = None) -> np.datetime64:
    """Last trading day: the 7th business day before the last business day of the delivery
    month (TY, UXY, US, WN), or the last business day of the month (TU, 3Y, FV).

    >>> str(last_trading_day("TYZ24"))
    '2024-12-19'
    """
    c = resolve_contract(contract, maturity)
    last = last_business_day(_business_month(c).astype(_D))
    return np.busday_offset(last, c.spec.last_trade.value, busdaycal=business_calendar())[()]


def is_deliverable(maturity: Any, contract: Any, issue_date: Any = None) -> Any:
    """True where a bond maturing on ``maturity`` may be delivered into ``contract``.

    With a one-digit year, each bond is judged on its own: True where it is deliverable in
    some delivery month of that code in a year ending in the digit.

    >>> is_deliverable(["2031-06-30", "2029-06-30"], "TYZ24").tolist()
    [True, False]
    >>> is_deliverable(["2028-03-31", "2034-08-15"], "FVU3").tolist()
    [True, False]
    """
    m = as_date(maturity, "maturity")
    c = parse_contract(contract)
    issue = None if issue_date is None else as_date(issue_date, "issue_date", allow_missing=True)
    if issue is not None:
        m, issue = broadcast(m, issue, names=["maturity", "issue_date"])
    if c.year is not None:
        return scalar_or_array(_eligible(c.spec, c.delivery_month, m, issue), maturity)
    flat = m.reshape(-1)
    if flat.size == 0:
        return scalar_or_array(np.zeros(m.shape, dtype=bool), maturity)
    years, _ = _decade_fits(c, flat)
    flat_issue = None if issue is None else issue.reshape(-1)
    ok = np.zeros(flat.shape, dtype=bool)
    for y in years:
        ok |= _eligible(c.spec, np.datetime64(f"{y:04d}-{c.month:02d}", "M"), flat, flat_issue)
    return scalar_or_array(ok.reshape(m.shape), maturity)


def _check_deliverable(c: Contract, m: np.ndarray) -> None:
    ok = _eligible(c.spec, c.delivery_month, m)
    if not ok.all():
        i = int(np.flatnonzero(~ok.reshape(-1))[0])
        months = int(_months_from(np.asarray(c.delivery_month), m.reshape(-1)[i:i + 1])[0])
        if months < 0 or m.reshape(-1)[i] < c.delivery_month.astype(_D):
            reason = f"is before the delivery month {c.delivery_month} of {c}"
        else:
            y, mm = divmod(months, 12)
            reason = (f"is not deliverable into {c} ({y}y{mm}m remaining from "
                      f"{c.delivery_month}-01; {c.spec.root} takes "
                      f"{_window_text(c.spec, c.delivery_month)})")
        raise InputError("maturity", str(m.reshape(-1)[i]), reason, None if m.ndim == 0 else i)


def _cf_formula(c: np.ndarray, months: np.ndarray, round_to: int, quarterly: bool) -> np.ndarray:
    """CME's conversion factor: the price at 6% of the bond with the rounded remaining term."""
    months = months - months % round_to
    n, z = np.divmod(months, 12)
    v = np.where(z < 7, z, 3 if quarterly else z - 6).astype(np.float64)
    ln103 = np.log(1.03)
    a = np.exp(-ln103 * v / 6.0)
    b = (c / 2.0) * (6.0 - v) / 6.0
    big_c = np.exp(-ln103 * (2 * n + (z >= 7)))
    d = (c / 0.06) * (1.0 - big_c)
    raw = a * (c / 2.0 + big_c + d) - b
    # CME publishes 4 decimals; round half up on a value nudged off binary noise
    return np.floor(raw * 1e4 + 0.5 + 1e-9) / 1e4


def _cme_factor(k: Contract, coupon_decimal: np.ndarray, maturity: np.ndarray) -> np.ndarray:
    """CME factors of validated bonds deliverable into a resolved contract."""
    months = _months_from(np.asarray(k.delivery_month), maturity)
    rounding = k.spec.cf_rounding
    return _cf_formula(coupon_decimal, months, rounding.value, rounding is CFRounding.WHOLE_QUARTERS)


def conversion_factor(coupon: Any, maturity: Any, contract: Any, settle: Any = None) -> Any:
    """CME conversion factor, rounded to 4 decimals (coupon in percent).

    ``contract`` is a ticker (``TYZ4``, ``USZ23``, ``ZNZ4``, ``TYZ4 Comdty``), one for all bonds
    or one per bond. A one-digit year is resolved by ``settle`` when given (the first such
    delivery month on or after it), else by the bonds' eligibility windows.

    >>> conversion_factor(4.5, "2039-08-15", "USZ23")
    0.85
    >>> conversion_factor([1.5, 3.75], ["2010-10-31", "2018-11-15"], ["TUZ8", "TYZ8"]).tolist()
    [0.9229, 0.8357]
    """

    c = as_coupon(coupon) / 100.0
    m = as_date(maturity, "maturity")
    if isinstance(contract, str | Contract) or np.ndim(contract) == 0:
        c, m = broadcast(c, m, names=["coupon", "maturity"])
        k = parse_contract(np.asarray(contract, dtype=object)[()])
        if k.year is None and m.size:
            k = (resolve_contract(k, settle=settle) if settle is not None
                 else k.with_year(_year_from_bonds(k, m)))
        _check_deliverable(k, m)
        return scalar_or_array(_cme_factor(k, c, m), coupon, maturity)
    tickers = np.asarray(contract, dtype=object)
    c, m, tickers = broadcast(c, m, tickers, names=["coupon", "maturity", "contract"])
    flat_t = tickers.reshape(-1)
    for i, t in enumerate(flat_t):  # validate every ticker first, so the error names its row
        try:
            parse_contract(t)
        except InputError as exc:
            raise InputError("contract", t, exc.reason, i) from None
    keys = np.array([str(t).strip().upper() for t in flat_t])
    out = np.empty(c.shape)
    flat_c, flat_m, res = c.reshape(-1), m.reshape(-1), out.reshape(-1)
    for key in np.unique(keys):
        sel = keys == key
        res[sel] = conversion_factor(flat_c[sel] * 100.0, flat_m[sel], str(flat_t[sel][0]), settle)
    return scalar_or_array(out, coupon, maturity, contract)
