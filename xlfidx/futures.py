"""CME Treasury futures: contracts as data, tickers, delivery dates, eligibility, conversion factor.

The contract rules are one table (``CONTRACTS``), one row per contract: a new contract is one
row, and no code branches on a root's name. Terms are counted from the first day of the
delivery month (for TU and 3Y, the upper bound from the last day of the delivery month, as
CME's rules say).

>>> conversion_factor(4.25, "2031-06-30", "TYZ4")
0.9069
>>> str(last_delivery_day("TYZ24 Comdty"))
'2024-12-31'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from ._inputs import as_date, as_text, broadcast, scalar_or_array
from .calendar import add_business_days, first_business_day, last_business_day, nth_business_day
from .errors import InputError

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


@dataclass(frozen=True)
class ContractSpec:
    """The delivery rules of one Treasury futures contract (CME Rulebook, chapters 18-21)."""

    root: str                    # Bloomberg root
    cme_root: str                # CME Globex root
    name: str
    min_remaining_months: int    # from the first day of the delivery month
    max_remaining_months: int | None
    max_from_last_day: bool      # upper bound counted from the last day of the delivery month
    max_exclusive: bool          # "less than" rather than "not more than" the upper bound
    max_original_months: int | None  # original term limit (checked when the issue date is known)
    cf_round_months: int         # remaining term rounded down to 1 (months) or 3 (quarters)
    face: int
    last_delivery_next_month_bday: int | None  # None: last business day of the month;
                                               # n: n-th business day of the following month
    last_trade_rule: str         # "7bd_before_last" or "last_bday"
    max_applies_from: str | None = None  # first delivery month under the upper bound, if later


_SPECS = (
    ContractSpec("TU", "ZT", "2-Year T-Note", 21, 24, True, False, 63, 1, 200_000, 3, "last_bday"),
    ContractSpec("3Y", "Z3N", "3-Year T-Note", 33, 36, True, False, 63, 1, 200_000, 3, "last_bday"),
    ContractSpec("FV", "ZF", "5-Year T-Note", 50, None, False, False, 63, 1, 100_000, 3, "last_bday"),
    ContractSpec("TY", "ZN", "10-Year T-Note", 78, 120, False, False, None, 3, 100_000, None,
                 "7bd_before_last"),
    ContractSpec("UXY", "TN", "Ultra 10-Year T-Note", 113, 120, False, False, 120, 3, 100_000, None,
                 "7bd_before_last"),
    # the 25-year cap came with the Ultra Bond: US contracts from March 2011 on
    ContractSpec("US", "ZB", "T-Bond", 180, 300, False, True, None, 3, 100_000, None,
                 "7bd_before_last", "2011-03"),
    ContractSpec("WN", "UB", "Ultra T-Bond", 300, None, False, False, None, 3, 100_000, None,
                 "7bd_before_last"),
)

CONTRACTS: dict[str, ContractSpec] = {s.root: s for s in _SPECS}
_BY_ANY_ROOT: dict[str, ContractSpec] = {**CONTRACTS, **{s.cme_root: s for s in _SPECS}}

_MONTH_CODES = "FGHJKMNQUVXZ"
# No Treasury is issued for more than 30 years: a longer remaining term cannot be a real bond
# (this also stops a one-digit year from matching the decade before a 30-year bond was issued).
_MAX_TREASURY_MONTHS = 361
_ROOTS_RE = "|".join(sorted(_BY_ANY_ROOT, key=len, reverse=True))
_TICKER = re.compile(rf"^({_ROOTS_RE})([{_MONTH_CODES}])(\d{{1,4}})(?:\s+COMDTY)?$")


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
        return f"{self.spec.root}{_MONTH_CODES[self.month - 1]}{yy}"


def contract_spec(root: str) -> ContractSpec:
    """The rules of a contract by Bloomberg or CME root (``TY`` or ``ZN``)."""
    spec = _BY_ANY_ROOT.get(str(root).strip().upper())
    if spec is None:
        raise InputError("contract", root, f"is not a known root; use one of {', '.join(CONTRACTS)}")
    return spec


@lru_cache(maxsize=512)
def _parse(text: str) -> Contract:
    m = _TICKER.match(" ".join(text.upper().split()))
    if not m:
        raise InputError(
            "contract", text,
            "is not a Treasury futures ticker; write it like TYZ4, TYZ24, 'TYZ4 Comdty' or ZNZ4 "
            f"(roots {', '.join(CONTRACTS)} or {', '.join(s.cme_root for s in _SPECS)})",
        )
    root, code, digits = m.groups()
    spec = _BY_ANY_ROOT[root]
    month = _MONTH_CODES.index(code) + 1
    if len(digits) == 1:
        year = None
    elif len(digits) == 2:
        year = 2000 + int(digits)
    elif len(digits) == 4:
        year = int(digits)
    else:
        raise InputError("contract", text, "has a 3-digit year; write the year as 4, 24 or 2024")
    return Contract(spec, month, year, int(digits[-1]), text)


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
        orig_ok = maturity <= _add_months_d(np.where(has, issue, maturity), spec.max_original_months)
        ok &= np.where(has, orig_ok, True)
    return ok


@lru_cache(maxsize=1024)
def _maturity_window(spec: ContractSpec, dmonth: str) -> tuple[np.datetime64, np.datetime64, bool]:
    """(earliest maturity, latest maturity, latest excluded) deliverable in a delivery month."""
    month = np.datetime64(dmonth, "M")
    first = month.astype(_D)
    earliest = _add_months_d(first, spec.min_remaining_months)
    latest = _add_months_d(first, _MAX_TREASURY_MONTHS)
    exclusive = False
    if spec.max_remaining_months is not None and (
            spec.max_applies_from is None or month >= np.datetime64(spec.max_applies_from, "M")):
        anchor = ((month + 1).astype(_D) - 1) if spec.max_from_last_day else first
        latest = _add_months_d(anchor, spec.max_remaining_months)
        exclusive = spec.max_exclusive
    return earliest, latest, exclusive


def _add_months_d(dates: np.ndarray, months: int) -> np.ndarray:
    from .bonds import add_months  # noqa: PLC0415 - bonds is the home of month arithmetic

    return add_months(dates, months)


def _window_text(spec: ContractSpec) -> str:
    def ym(m: int) -> str:
        y, mm = divmod(m, 12)
        return f"{y}y" + (f"{mm}m" if mm else "")

    if spec.max_remaining_months is None:
        return f"at least {ym(spec.min_remaining_months)}"
    return f"{ym(spec.min_remaining_months)} to {ym(spec.max_remaining_months)}"


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
        year = int(str(s)[:4])
        for y in range(year - year % 10 + c.year_digit - 10, year + 20, 10):
            if np.datetime64(f"{y:04d}-{c.month:02d}", "M") >= s:
                return c.with_year(y)
    if maturity is None:
        raise InputError("contract", c.ticker,
                         "has a one-digit year; give the decade (e.g. TYZ24) or a bond to resolve it")
    return c.with_year(_year_from_bonds(c, as_date(maturity, "maturity")))


def _year_from_bonds(c: Contract, m: np.ndarray) -> int:
    """The one decade in which every bond is deliverable, or an error naming the first bond
    that fits none, fits several, or disagrees with the others."""
    flat = m.reshape(-1)
    earliest = int(str(flat.min())[:4]) - 31
    latest = int(str(flat.max())[:4])
    years = list(range(earliest - earliest % 10 + c.year_digit, latest + 1, 10))
    dmonths = [np.datetime64(f"{y:04d}-{c.month:02d}", "M") for y in years]
    fits = np.array([_eligible(c.spec, dm, flat) for dm in dmonths]).reshape(len(years), -1)
    count = fits.sum(axis=0)

    def index(i: int) -> int | None:
        return None if m.ndim == 0 else i

    if (count == 0).any():
        i = int(np.flatnonzero(count == 0)[0])
        raise InputError("maturity", str(flat[i]),
                         f"is not deliverable into {c.ticker}: {c.spec.root} takes "
                         f"{_window_text(c.spec)} remaining, in no year ending in {c.year_digit}",
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


def first_delivery_day(contract: Any, maturity: Any = None) -> np.datetime64:
    """First business day of the delivery month."""
    return first_business_day(delivery_month(contract, maturity).astype(_D))[()]


def last_delivery_day(contract: Any, maturity: Any = None) -> np.datetime64:
    """Last business day of the delivery month (TY, UXY, US, WN); the third business day of
    the following month for TU, 3Y, FV.

    >>> str(last_delivery_day("FVZ24"))
    '2025-01-06'
    """
    c = resolve_contract(contract, maturity)
    first = c.delivery_month.astype(_D)
    n = c.spec.last_delivery_next_month_bday
    if n is None:
        return last_business_day(first)[()]
    return nth_business_day((c.delivery_month + 1).astype(_D), n)[()]


def last_trading_day(contract: Any, maturity: Any = None) -> np.datetime64:
    """Last trading day: the 7th business day before the last business day of the delivery
    month (TY, UXY, US, WN), or the last business day of the month (TU, 3Y, FV).

    >>> str(last_trading_day("TYZ24"))
    '2024-12-19'
    """
    c = resolve_contract(contract, maturity)
    last = last_business_day(c.delivery_month.astype(_D))
    if c.spec.last_trade_rule == "last_bday":
        return last[()]
    return add_business_days(last, -7)[()]


def is_deliverable(maturity: Any, contract: Any, issue_date: Any = None) -> Any:
    """True where a bond maturing on ``maturity`` may be delivered into ``contract``.

    >>> is_deliverable(["2031-06-30", "2029-06-30"], "TYZ24").tolist()
    [True, False]
    """
    m = as_date(maturity, "maturity")
    c = parse_contract(contract)
    if c.year is None:
        try:
            c = resolve_contract(c, m)
        except InputError:
            return scalar_or_array(np.zeros(m.shape, dtype=bool), maturity)
    issue = None if issue_date is None else as_date(issue_date, "issue_date", allow_missing=True)
    if issue is not None:
        m, issue = broadcast(m, issue, names=["maturity", "issue_date"])
    return scalar_or_array(_eligible(c.spec, c.delivery_month, m, issue), maturity)


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
                      f"{c.delivery_month}-01; {c.spec.root} takes {_window_text(c.spec)})")
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
    return _cf_formula(coupon_decimal, months, k.spec.cf_round_months, k.spec.cf_round_months == 3)


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
    from .bonds import as_coupon  # noqa: PLC0415 - bonds is the home of coupon arithmetic

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
