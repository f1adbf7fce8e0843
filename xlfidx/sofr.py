"""SOFR futures: CME's one-month (SR1) and three-month (SR3) contracts, and the FOMC path they price.

The contracts (CME rulebook chapters 460 and 459; spec section 5b)::

    SR1   price = 100 - R,  R = (1/N) * sum of daily SOFR over every calendar day of the month
    SR3   price = 100 - R,  R = [prod (1 + r_i * d_i / 360) - 1] * 360 / N

SR1 averages over the N calendar days of its contract month; SR3 compounds over its reference
quarter, from the third Wednesday of the contract month (inclusive) to the third Wednesday three
months later (exclusive), N the quarter's days. SOFR is published for each U.S. government
securities business day (SIFMA's calendar, :mod:`xlfidx.dates`); a calendar day that is not one
(a weekend, a holiday, also a first day of the period that is a holiday) takes the rate of the
business day before it, so ``d_i`` counts the calendar days each business day's rate applies.

Tickers come in every form a user meets: Bloomberg's ``SERH5 Comdty`` (SR1) and ``SFRH5
Comdty`` (SR3), CME's ``SR1H5`` and ``SR3H5``, with one or two digits of year. A one-digit
year is the first such contract whose period has not ended on the pricing date (``SFRH5``
priced on 2025-04-15 is the quarter 2025-03-19 to 2025-06-18, already under way).

The path (CME's SOFR-based reading of the Fed; spec section 5b): overnight SOFR is a step
function that changes on the business day after each FOMC decision and is flat in between,
starting from the spot SOFR of the pricing date. The level after each meeting is fitted to the
SR1 and SR3 rates given: exactly when the prices are consistent, by least squares otherwise
(each contract's residual in bp is in :meth:`SofrChain.contracts`). Where the contracts price
only a combination of two meetings (two meetings inside one SR3 quarter, no SR1 to separate
them), the fit takes the smallest moves that price them and the row says so. The spread of SOFR
to the middle of the target range is held at its pricing-date value, so a SOFR move is a move of
the target range, and the odds come from the same FedWatch tree as the Fed funds path
(:func:`xlfidx.fedfunds.fedwatch_tree`).

A contract whose period has begun (an SR3 in its quarter, the SR1 of the current month) takes
the SOFR already fixed for the days before the pricing date, from ``fixings`` where given and
otherwise the spot rate; a note says which. A contract that ends more than seven weeks after
the last meeting listed is not fitted (a meeting not on the list would move it) and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
import pandas as pd

from ._inputs import as_date, as_float, is_missing
from .dates import FIRST_DAY, LAST_DAY, business_calendar
from .errors import InputError
from .fedfunds import STEP, _range_label, path_columns, probability_table
from .tickers import MONTH_CODES, split_ticker

__all__ = [
    "SOFR_ROOTS",
    "SofrContract",
    "SofrChain",
    "sofr_contract",
    "reference_period",
    "third_wednesday",
    "sofr_futures_rate",
    "sofr_path",
    "sofr_probabilities",
    "compare_sofr_fed",
    "SOFR_PATH_COLUMNS",
    "SOFR_CONTRACT_COLUMNS",
]

# ticker root (Bloomberg, CME) -> contract; one row per root, as the conventions are data
SOFR_ROOTS: dict[str, str] = {"SER": "SR1", "SR1": "SR1", "SFR": "SR3", "SR3": "SR3"}
BLOOMBERG_ROOT = {"SR1": "SER", "SR3": "SFR"}
# the months a contract's period lasts
_PERIOD_MONTHS = {"SR1": 1, "SR3": 3}
# a contract ending this long after the last meeting listed depends on a meeting not listed
# (the FOMC meets eight times a year; seven weeks is its usual longest gap)
HORIZON_DAYS = 49

SOFR_PATH_COLUMNS = (
    "meeting", "effective", "rate before %", "rate after %", "change (bp)",
    "change vs spot (bp)", "moves vs spot", "move low (bp)", "P(move low) %", "move high (bp)",
    "P(move high) %", "P(cut vs today) %", "P(hold vs today) %", "P(hike vs today) %",
    "most likely range %", "target mid after %", "priced by",
)
SOFR_CONTRACT_COLUMNS = (
    "ticker", "contract", "start", "end", "price", "rate %", "model rate %", "residual (bp)",
    "fixed days", "fitted", "note",
)


# ---------------------------------------------------------------------------------------------
# the contracts
# ---------------------------------------------------------------------------------------------

def third_wednesday(months: Any) -> np.ndarray:
    """The third Wednesday of each month (``datetime64[M]`` in, ``datetime64[D]`` out).

    >>> str(third_wednesday(np.datetime64("2025-03", "M")))
    '2025-03-19'
    """
    first = np.asarray(months, dtype="datetime64[M]").astype("datetime64[D]")
    # weekday of the 1st, Monday = 0 (1970-01-01 was a Thursday)
    wd = (first.astype(np.int64) + 3) % 7
    return first + ((2 - wd) % 7 + 14).astype("timedelta64[D]")


def reference_period(kind: str, month: Any) -> tuple[np.datetime64, np.datetime64]:
    """The accrual period ``[start, end)`` of an SR1 (the calendar month) or an SR3 (third
    Wednesday to third Wednesday three months on) named by its contract month.

    >>> [str(d) for d in reference_period("SR3", "2025-03")]
    ['2025-03-19', '2025-06-18']
    """
    m = np.datetime64(month, "M")
    if kind == "SR1":
        return m.astype("datetime64[D]"), (m + 1).astype("datetime64[D]")
    if kind == "SR3":
        return third_wednesday(m)[()], third_wednesday(m + 3)[()]
    raise InputError("contract", kind, "is not a SOFR contract; use SR1 or SR3")


@dataclass(frozen=True)
class SofrContract:
    """One SOFR futures contract: its ticker as given, ``kind`` (SR1 / SR3), contract month and
    accrual period ``[start, end)``."""

    ticker: str
    kind: str
    month: np.datetime64
    start: np.datetime64
    end: np.datetime64

    @property
    def name(self) -> str:
        """CME's name with a one-digit year (``SR3H5``)."""
        y, m = divmod(int(self.month.astype(np.int64)), 12)
        return f"{self.kind}{MONTH_CODES[m]}{(1970 + y) % 10}"


def sofr_contract(ticker: Any, pricing_date: Any = None) -> SofrContract:
    """The contract a SOFR futures ticker names: ``SERH5 Comdty`` / ``SR1H5`` (SR1),
    ``SFRH5 Comdty`` / ``SR3H5`` (SR3), one or two digits of year. A one-digit year needs the
    ``pricing_date``: it is the first such contract whose period has not ended by then.

    >>> c = sofr_contract("SFRH5 Comdty", "2025-04-15")
    >>> c.kind, str(c.start), str(c.end)
    ('SR3', '2025-03-19', '2025-06-18')
    >>> str(sofr_contract("SR1H5", "2025-04-15").start)     # March 2025 is over: 2035
    '2035-03-01'
    """
    if not isinstance(ticker, str) or is_missing(ticker):
        raise InputError("ticker", ticker, "is not a SOFR futures ticker (e.g. SFRH5 Comdty, "
                         "SERH5 Comdty, SR3H5, SR1H5)")
    if isinstance(pricing_date, np.datetime64) and pricing_date.dtype == np.dtype("datetime64[D]"):
        day = pricing_date  # already checked (a chain's tickers share one pricing date)
    elif pricing_date is None or (np.ndim(pricing_date) == 0 and is_missing(pricing_date)):
        day = None
    else:
        day = _pricing_day(pricing_date)
    return _resolve(ticker, None if day is None else int(day.astype(np.int64)))


@lru_cache(maxsize=4096)
def _resolve(ticker: str, day_number: int | None) -> SofrContract:
    """:func:`sofr_contract` of a ticker on a pricing date (days since 1970), cached: a
    recalculated sheet asks for the same contracts again."""
    t = split_ticker(ticker, tuple(SOFR_ROOTS))
    if t is None:
        raise InputError("ticker", ticker, "is not a SOFR futures ticker (e.g. SFRH5 Comdty, "
                         "SERH5 Comdty, SR3H5, SR1H5)")
    kind = SOFR_ROOTS[t.root]
    if t.year is not None:
        year = t.year
    else:
        if day_number is None:
            raise InputError("pricing_date", None, f"is missing; {ticker.strip()} has a "
                             "one-digit year, which the pricing date resolves")
        day = np.datetime64(day_number, "D")
        now = int(str(day)[:4])
        year = now - now % 10 + t.year_digit - 10

        def ended(y: int) -> bool:
            return reference_period(kind, f"{y:04d}-{t.month:02d}")[1] <= day

        while ended(year):
            year += 10
    if not FIRST_DAY.astype(object).year <= year < LAST_DAY.astype(object).year:
        raise InputError("ticker", ticker, f"names a contract of {year}, outside the SIFMA "
                         f"holiday table ({FIRST_DAY} to {LAST_DAY}) that SOFR's days come from")
    month = np.datetime64(f"{year:04d}-{t.month:02d}", "M")
    start, end = reference_period(kind, month)
    return SofrContract(ticker.strip(), kind, month, start, end)


def _pricing_day(pricing_date: Any) -> np.datetime64:
    day = as_date(pricing_date, "pricing_date").reshape(-1)[0]
    last = LAST_DAY - np.timedelta64(3660, "D")  # room for a ten-year chain
    if not FIRST_DAY <= day <= last:
        raise InputError("pricing_date", str(day), f"is outside {FIRST_DAY} to {last}, the dates "
                         "the SIFMA holiday table covers with a chain's ten years after them")
    return day


def _day_groups(start: np.datetime64, end: np.datetime64) -> tuple[np.ndarray, np.ndarray]:
    """The business days whose rate applies in ``[start, end)`` and how many calendar days each
    covers: a weekend or holiday takes the business day before it (also the period's first day)."""
    days = np.arange(start, end, dtype="datetime64[D]")
    source = np.busday_offset(days, 0, roll="backward", busdaycal=business_calendar())
    new = np.ones(days.size, dtype=bool)
    new[1:] = source[1:] != source[:-1]
    first = np.flatnonzero(new)
    counts = np.diff(np.append(first, days.size))
    return source[first], counts


def _chain_groups(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_day_groups` of many periods at once: (period index, business day, calendar days)
    of each group, in order, from one pass over every calendar day."""
    lengths = (ends - starts).astype(np.intp)  # repeat counts: np.intp (int32 on wasm32, Pyodide)
    total = int(lengths.sum())
    idx = np.repeat(np.arange(starts.size, dtype=np.intp), lengths)
    offsets = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
    days = starts[idx] + (np.arange(total, dtype=np.int64) - offsets[idx]).astype("timedelta64[D]")
    source = np.busday_offset(days, 0, roll="backward", busdaycal=business_calendar())
    new = np.ones(total, dtype=bool)
    new[1:] = (source[1:] != source[:-1]) | (idx[1:] != idx[:-1])
    first = np.flatnonzero(new)
    counts = np.diff(np.append(first, total))
    return idx[first], source[first], counts


def _rate_from_groups(kind: str, rates: np.ndarray, counts: np.ndarray) -> float:
    n = float(counts.sum())
    if kind == "SR1":
        return float((rates * counts).sum() / n)
    return float((np.prod(1.0 + rates / 100.0 * counts / 360.0) - 1.0) * 360.0 / n * 100.0)


def sofr_futures_rate(contract: Any, sofr: Any, pricing_date: Any = None) -> float:
    """The rate (percent; price = 100 - rate) of an SR1 or SR3 from a daily SOFR path.

    ``contract`` is a ticker (``SR3H5``, ``SFRH5 Comdty``, ...) or a :class:`SofrContract`;
    ``sofr`` the SOFR (percent) of each business day, a ``pandas.Series`` indexed by date (or a
    mapping date -> rate), covering every business day whose rate applies in the period.

    >>> days = pd.bdate_range("2025-02-20", "2025-06-30")
    >>> round(sofr_futures_rate("SR3H5", pd.Series(4.3, index=days), "2025-03-01"), 6)
    4.322938
    """
    c = contract if isinstance(contract, SofrContract) else sofr_contract(contract, pricing_date)
    s = sofr if isinstance(sofr, pd.Series) else pd.Series(sofr)
    s = pd.Series(as_float(s.to_numpy(), "sofr").reshape(-1),
                  index=pd.DatetimeIndex(as_date(list(s.index), "sofr dates").reshape(-1)))
    source, counts = _day_groups(c.start, c.end)
    rates = s.reindex(pd.DatetimeIndex(source)).to_numpy(dtype=float)
    if np.isnan(rates).any():
        missing = source[np.isnan(rates)][0]
        raise InputError("sofr", str(missing), f"has no rate; {c.name} needs the SOFR of every "
                         f"business day from {source[0]} to {source[-1]}")
    return _rate_from_groups(c.kind, rates, counts)


# ---------------------------------------------------------------------------------------------
# the fit
# ---------------------------------------------------------------------------------------------

@dataclass
class _Fit:
    contracts: list[SofrContract]
    prices: np.ndarray
    rates: np.ndarray
    fitted: np.ndarray           # bool per contract: used in the fit
    model: np.ndarray            # model rate per contract (NaN when nothing to compute)
    fixed_days: np.ndarray
    notes_by_contract: list[str]
    meetings: np.ndarray         # upcoming meetings (on or after the pricing date)
    effective: np.ndarray        # business day after each
    priced: np.ndarray           # bool per meeting
    separated: np.ndarray        # bool per meeting: the contracts pin this level alone
    levels: np.ndarray           # rate after each meeting (NaN when not priced)
    priced_by: list[str]
    spot: float
    pricing_date: np.datetime64
    past: np.ndarray
    notes: list[str] = field(default_factory=list)
    iterations: int = 0


def _fixings(fixings: Any) -> dict[np.datetime64, float]:
    """SOFR fixings as {business day: percent}: a Series, a mapping, or rows (date, rate) with
    an optional header row."""
    if fixings is None:
        return {}
    if isinstance(fixings, pd.Series):
        dates, rates = list(fixings.index), fixings.to_list()
    elif isinstance(fixings, dict):
        dates, rates = list(fixings), list(fixings.values())
    elif isinstance(fixings, pd.DataFrame):
        dates, rates = fixings.iloc[:, 0].to_list(), fixings.iloc[:, 1].to_list()
    else:
        rows = [list(r) for r in fixings]
        if rows and any(len(r) < 2 for r in rows):
            raise InputError("fixings", f"{len(rows)} rows", "must be two columns: date, SOFR %")
        rows = [r for r in rows if not (is_missing(r[0]) and is_missing(r[1]))]
        if rows and isinstance(rows[0][0], str) and not rows[0][0][:1].isdigit():
            rows = rows[1:]  # a header row
        dates, rates = [r[0] for r in rows], [r[1] for r in rows]
    if not dates:
        return {}
    d = as_date(dates, "fixings").reshape(-1)
    r = as_float(rates, "fixings").reshape(-1)
    return dict(zip(d.tolist(), r.tolist(), strict=True))


def _contracts(tickers: Any, prices: Any, pricing: np.datetime64) -> tuple[list[SofrContract], np.ndarray]:
    names = [tickers] if isinstance(tickers, str) else list(np.asarray(tickers, dtype=object).reshape(-1))
    p = as_float(prices, "prices").reshape(-1)
    if p.size == 0:
        raise InputError("prices", [], "is empty; give the price of at least one SOFR contract")
    if len(names) != p.size:
        raise InputError("tickers", f"{len(names)} tickers",
                         f"do not match prices ({p.size} prices); give one ticker per price")
    bad = (p <= 0) | (p >= 200)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError("prices", float(p[i]), "is outside (0, 200); a SOFR futures price is "
                         "100 minus a rate in percent", i if p.size > 1 else None)
    out = []
    for i, t in enumerate(names):
        try:
            out.append(sofr_contract(t, pricing))
        except InputError as exc:
            raise InputError("tickers", t, exc.reason, i if len(names) > 1 else None) from None
    seen: dict[tuple[str, Any], int] = {}
    for i, c in enumerate(out):
        key = (c.kind, c.month)
        if key in seen:
            raise InputError("tickers", c.ticker, f"names the same contract as {out[seen[key]].ticker} "
                             f"(position {seen[key]}); give each contract once", i)
        seen[key] = i
    order = sorted(range(len(out)), key=lambda i: (out[i].kind, int(out[i].start.astype(np.int64))))
    return [out[i] for i in order], p[order]


def _spot(spot_rate: Any) -> float:
    if spot_rate is None or (np.ndim(spot_rate) == 0 and is_missing(spot_rate)):
        raise InputError("spot_rate", spot_rate, "is missing; give SOFR on the pricing date in percent")
    s = as_float(spot_rate, "spot_rate", what="SOFR in percent").reshape(-1)
    if s.size != 1:
        raise InputError("spot_rate", f"{s.size} values", "must be one rate in percent")
    if not -5.0 < float(s[0]) < 100.0:
        raise InputError("spot_rate", float(s[0]), "is not a rate in percent (e.g. 4.33)")
    return float(s[0])


def _solve(prices: Any, tickers: Any, meetings: Any, spot_rate: Any, pricing_date: Any,
           fixings: Any) -> _Fit:
    if pricing_date is None or (np.ndim(pricing_date) == 0 and is_missing(pricing_date)):
        raise InputError("pricing_date", pricing_date, "is missing; give the chain's pricing date")
    pricing = _pricing_day(pricing_date)
    spot = _spot(spot_rate)
    contracts, prices_ = _contracts(tickers, prices, pricing)
    known = _fixings(fixings)
    mtg = np.sort(as_date(meetings, "meetings", allow_missing=True).reshape(-1))
    mtg = mtg[~np.isnat(mtg)]
    if mtg.size and (np.diff(mtg) == np.timedelta64(0, "D")).any():
        dup = mtg[1:][np.diff(mtg) == np.timedelta64(0, "D")][0]
        raise InputError("meetings", str(dup), "is listed twice")
    outside = (mtg < FIRST_DAY) | (mtg >= LAST_DAY)
    if outside.any():
        raise InputError("meetings", str(mtg[outside][0]), f"is outside the SIFMA holiday table "
                         f"({FIRST_DAY} to {LAST_DAY}) that SOFR's days come from")
    past = mtg[mtg < pricing]
    mtg = mtg[mtg >= pricing]
    k_n = mtg.size
    effective = np.busday_offset(mtg, 1, roll="forward", busdaycal=business_calendar()) \
        if k_n else mtg.copy()
    horizon = mtg[-1] + np.timedelta64(HORIZON_DAYS, "D") if k_n else None

    n = len(contracts)
    rates = np.round(100.0 - prices_, 10)
    notes_by: list[str] = [""] * n
    notes: list[str] = []
    is_sr3 = np.array([c.kind == "SR3" for c in contracts])
    starts = np.array([c.start for c in contracts], dtype="datetime64[D]")
    ends = np.array([c.end for c in contracts], dtype="datetime64[D]")
    # every contract's business-day groups at once: (contract, business day, calendar days)
    g_all, src_all, cnt_all = _chain_groups(starts, ends)
    n_days = (ends - starts).astype(np.int64).astype(float)
    past_g = src_all < pricing
    fixed_days = np.bincount(g_all[past_g], weights=cnt_all[past_g], minlength=n).astype(np.int64)
    # the days already fixed: the fixings where given, else the spot rate
    got = np.full(int(past_g.sum()), spot)
    miss = np.ones(got.size, dtype=bool)
    if known and got.size:
        kd = np.array(list(known), dtype="datetime64[D]")
        kr = np.array(list(known.values()), dtype=float)
        order = np.argsort(kd)
        kd, kr = kd[order], kr[order]
        srcp = src_all[past_g]
        at = np.minimum(np.searchsorted(kd, srcp), kd.size - 1)
        hit = kd[at] == srcp
        got[hit] = kr[at[hit]]
        miss = ~hit
    gp, cp = g_all[past_g], cnt_all[past_g]
    sr1_known = np.bincount(gp, weights=got * cp, minlength=n)
    sr3_known = np.exp(np.bincount(gp, weights=np.log1p(got / 100.0 * cp / 360.0), minlength=n))
    known_part = np.where(is_sr3, sr3_known, sr1_known)
    missing_by = np.bincount(gp[miss], minlength=n)
    first_missing = {}
    for g, d in zip(gp[miss][::-1].tolist(), src_all[past_g][miss][::-1].tolist(), strict=True):
        first_missing[g] = d
    live = np.zeros(n, dtype=bool)
    live[np.bincount(g_all[~past_g], minlength=n) > 0] = True
    fitted = live & ((ends - 1 <= horizon) if horizon is not None else True)
    for j, c in enumerate(contracts):
        if not live[j]:
            notes_by[j] = f"expired: its period ended {c.end - 1} (before the pricing date)"
            continue
        if fixed_days[j]:
            if not known:
                how = f"at the spot rate {spot:g}% (no fixings given)"
            elif missing_by[j]:
                how = (f"from the fixings, and at the spot rate {spot:g}% for {int(missing_by[j])} "
                       f"business day(s) without one (first {first_missing[j]})")
            else:
                how = "from the fixings"
            notes_by[j] = (f"in its period since {c.start}: {fixed_days[j]} of {int(n_days[j])} "
                           f"days fixed, {how}")
        if not fitted[j]:
            notes_by[j] = (notes_by[j] + "; " if notes_by[j] else "") + (
                f"not fitted: it ends {c.end - 1}, more than {HORIZON_DAYS // 7} weeks after the "
                f"last meeting listed ({mtg[-1]}); list later meetings to use it")
    fut_g = ~past_g
    gc = g_all[fut_g]
    gr = np.searchsorted(mtg, src_all[fut_g], side="left")  # meetings strictly before the day
    gd = cnt_all[fut_g].astype(float)
    sr3_g = is_sr3[gc]

    sr1_g = ~sr3_g
    gc1, gc3, gd1, gd3 = gc[sr1_g], gc[sr3_g], gd[sr1_g], gd[sr3_g]
    gr1, gr3 = gr[sr1_g], gr[sr3_g]

    def rates_at(levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Model rate of every contract (percent), and the SR3 growth factors."""
        # SR1: (known sum + sum of rate * days) / N
        s1 = np.bincount(gc1, weights=levels[gr1] * gd1, minlength=n)
        # SR3: (known product * prod(1 + r d / 360) - 1) * 360 / N
        growth = known_part * np.exp(np.bincount(gc3, weights=np.log1p(levels[gr3] * gd3 / 36000.0),
                                                 minlength=n))
        return np.where(is_sr3, (growth - 1.0) * 36000.0 / n_days, (known_part + s1) / n_days), growth

    def jacobian(levels: np.ndarray, growth: np.ndarray) -> np.ndarray:
        """d rate / d level (contract x regime)."""
        w3 = 1.0 + levels[gr3] * gd3 / 36000.0
        weights = np.empty(gc.size)
        weights[sr1_g] = gd1 / n_days[gc1]
        weights[sr3_g] = growth[gc3] * gd3 / w3 / n_days[gc3]
        return np.bincount(gc * (k_n + 1) + gr, weights=weights,
                           minlength=n * (k_n + 1)).reshape(n, k_n + 1)

    levels = np.full(k_n + 1, spot)
    use = fitted & live
    mtg_used = np.zeros(k_n + 1, dtype=bool)
    if gc.size:
        mtg_used |= np.bincount(gr[use[gc]], minlength=k_n + 1) > 0
    # a meeting is priced when some fitted contract has days at its level; the path ends at
    # the last such meeting (a gap in the chain leaves the meetings in it unseparated)
    last = int(np.flatnonzero(mtg_used)[-1]) if mtg_used[1:].any() else 0
    cols = np.arange(1, last + 1)
    iterations = 0
    model_rate, growth = rates_at(levels)
    jac = jacobian(levels, growth)
    if cols.size and use.any():
        y = rates[use]
        tri = np.tril(np.ones((cols.size, cols.size)))  # level = spot + cumulative moves
        # one SVD of the Jacobian in the moves: the least-squares step with the smallest moves
        # (the pseudo-inverse), and the moves the contracts cannot tell apart (its null space).
        # The Jacobian hardly changes with the levels (SR1 is linear, SR3 nearly so), so the
        # same pseudo-inverse takes each step (a chord iteration: a hundredfold gain a step)
        u_, sv, vt = np.linalg.svd(jac[use][:, cols] @ tri, full_matrices=True)
        fit_rank = int((sv > sv.max() * 1e-12).sum()) if sv.size else 0
        pinv = vt[:fit_rank].T @ (u_[:, :fit_rank].T / sv[:fit_rank, None])
        while iterations < 50:
            iterations += 1
            du = pinv @ (y - model_rate[use])
            levels[cols] += tri @ du
            model_rate, growth = rates_at(levels)
            if np.abs(du).max() < 1e-10:  # 1e-8 bp: prices carry at most 6 decimals
                break
        rank = int((sv > sv.max() * 1e-9).sum()) if sv.size else 0
        if rank < cols.size:
            # the null space in the levels, orthonormal: a level it touches is not separated
            q = np.linalg.qr(tri @ vt[rank:].T)[0]
            separated_cols = np.linalg.norm(q, axis=1) < 1e-6
        else:
            separated_cols = np.ones(cols.size, dtype=bool)
    else:
        separated_cols = np.zeros(0, dtype=bool)
    model_rate[~live] = np.nan
    priced = np.zeros(k_n, dtype=bool)
    priced[: last] = True
    separated = np.zeros(k_n, dtype=bool)
    separated[: last] = separated_cols
    out_levels = np.where(priced, levels[1:], np.nan)
    priced_by: list[str] = []
    names = [c.name for c in contracts]
    pricing_k = (jac[:, 1:] != 0) & use[:, None]
    for k in range(k_n):
        users = [names[j] for j in np.flatnonzero(pricing_k[:, k])]
        if not priced[k]:
            priced_by.append(f"not priced: no fitted contract has days after it (chain ends "
                             f"{max((c.end for c, u in zip(contracts, use, strict=True) if u), default=pricing) - 1})"
                             if k >= last else "not priced")
        elif not separated[k]:
            n_peers = int((~separated[:last]).sum())
            priced_by.append(", ".join(users) + f" (one of {n_peers} meetings the contracts do "
                             "not separate: the smallest moves that price them)")
        else:
            priced_by.append(", ".join(users))
    for j, c in enumerate(contracts):
        if notes_by[j]:
            notes.append(f"{c.ticker}: {notes_by[j]}")
    return _Fit(contracts, prices_, rates, use, model_rate, fixed_days, notes_by, mtg, effective,
                priced, separated, out_levels, priced_by, spot, pricing, past, notes, iterations)


def _path_frame(fit: _Fit, target_low: Any) -> pd.DataFrame:
    k_n = fit.meetings.size
    end = fit.levels
    start = np.concatenate(([fit.spot], end[:-1])) if k_n else np.zeros(0)
    start = np.where(fit.priced, start, np.nan)
    columns, low = path_columns(start, end, fit.priced, fit.spot, target_low)
    spread = fit.spot - (low + STEP / 2)
    df = pd.DataFrame({
        "meeting": fit.meetings.astype("datetime64[s]"),
        "effective": fit.effective.astype("datetime64[s]"),
        **columns,
        "target mid after %": end - spread,
        "priced by": fit.priced_by,
    })
    resid = (fit.model - fit.rates)[fit.fitted] * 100
    priced = fit.meetings[fit.priced]
    df.attrs.update({
        "spot_rate": fit.spot,
        "pricing_date": str(fit.pricing_date),
        "target_range": _range_label(low),
        "spread_bp": round(spread * 100, 10),
        "last_priced_meeting": str(priced[-1]) if priced.size else None,
        "not_priced": [str(d) for d in fit.meetings[~fit.priced]],
        "not_separated": [str(d) for d in fit.meetings[fit.priced & ~fit.separated]],
        "ignored_past_meetings": [str(d) for d in fit.past],
        "max_residual_bp": float(np.abs(resid).max()) if resid.size else 0.0,
        "notes": list(fit.notes),
    })
    return df


def _contract_frame(fit: _Fit) -> pd.DataFrame:
    c = fit.contracts
    return pd.DataFrame({
        "ticker": [x.ticker for x in c],
        "contract": [x.name for x in c],
        "start": pd.to_datetime(np.array([x.start for x in c], dtype="datetime64[D]")),
        "end": pd.to_datetime(np.array([x.end for x in c], dtype="datetime64[D]")),
        "price": fit.prices,
        "rate %": fit.rates,
        "model rate %": fit.model,
        "residual (bp)": (fit.model - fit.rates) * 100,
        "fixed days": fit.fixed_days,
        "fitted": fit.fitted,
        "note": fit.notes_by_contract,
    }, columns=list(SOFR_CONTRACT_COLUMNS))


def sofr_path(prices: Any, tickers: Any, meetings: Any, spot_rate: Any, pricing_date: Any,
              fixings: Any = None, target_low: Any = None) -> pd.DataFrame:
    """The SOFR path before and after each FOMC meeting fitted to SR1 and SR3 prices, with
    FedWatch odds.

    ``prices`` and ``tickers`` of the contracts (any order, SR1 and SR3 mixed), the
    ``meetings`` (announcement dates; those before ``pricing_date`` are past and ignored), the
    ``spot_rate`` (SOFR on the pricing date, percent) and ``pricing_date``; ``fixings`` (date
    -> SOFR %) for contracts already in their period; ``target_low`` the floor of today's target
    range (default: spot rounded down to 25 bp). One row per meeting, columns
    ``SOFR_PATH_COLUMNS``; ``attrs`` holds the SOFR - target-mid spread held (bp), the largest
    residual of the fit (bp) and the notes.

    A cut of 25 bp on 2025-06-18 priced by SR1 July (Juneteenth puts the new rate on the 20th):

    >>> p = sofr_path([95.92], ["SR1N5"], ["2025-06-18"], 4.33, "2025-06-02")
    >>> str(p["effective"].iloc[0].date()), round(float(p["rate after %"].iloc[0]), 6)
    ('2025-06-20', 4.08)
    """
    return _path_frame(_solve(prices, tickers, meetings, spot_rate, pricing_date, fixings), target_low)


def sofr_probabilities(prices: Any, tickers: Any, meetings: Any, spot_rate: Any,
                       pricing_date: Any, fixings: Any = None, target_low: Any = None,
                       layout: str = "matrix") -> pd.DataFrame:
    """FedWatch target-range probabilities (percent) after each meeting of the SOFR path (same
    arguments as :func:`sofr_path`; the table of :func:`xlfidx.fed_probabilities`)."""
    fit = _solve(prices, tickers, meetings, spot_rate, pricing_date, fixings)
    start = np.concatenate(([fit.spot], fit.levels[:-1])) if fit.meetings.size else np.zeros(0)
    return probability_table(fit.meetings, start, fit.levels, fit.priced, fit.spot, target_low,
                             layout)


def compare_sofr_fed(sofr: pd.DataFrame, fed: pd.DataFrame) -> pd.DataFrame:
    """The Fed funds and SOFR paths side by side: after each meeting, each one's rate, its
    change vs its own spot (bp), the most likely range, and SOFR's change less Fed funds' (bp),
    what SOFR prices beyond Fed funds. ``sofr`` is a :func:`sofr_path` table, ``fed`` a
    :func:`xlfidx.fed_path` table."""
    a = sofr.set_index("meeting")
    b = fed.set_index("meeting")
    idx = a.index.union(b.index)
    a, b = a.reindex(idx), b.reindex(idx)
    return pd.DataFrame({
        "meeting": idx,
        "Fed funds after %": b["rate after %"].to_numpy(),
        "SOFR after %": a["rate after %"].to_numpy(),
        "Fed funds vs spot (bp)": b["change vs spot (bp)"].to_numpy(),
        "SOFR vs spot (bp)": a["change vs spot (bp)"].to_numpy(),
        "SOFR - Fed funds (bp)": (a["change vs spot (bp)"] - b["change vs spot (bp)"]).to_numpy(),
        "likely range, Fed funds": b["most likely range %"].fillna("").to_numpy(),
        "likely range, SOFR": a["most likely range %"].fillna("").to_numpy(),
    })


# --- the object a trader names ----------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class SofrChain:
    """SR1 and SR3 SOFR futures on one pricing date: prices and tickers, the FOMC meetings to
    price, the spot SOFR the path starts from, and SOFR already fixed for contracts in their
    period (``fixings``, date -> percent; the spot rate where not given).

    ``meetings=None`` takes the published FOMC calendar (``added_meetings`` says which).
    ``path()`` and ``probabilities()`` are :func:`sofr_path` and :func:`sofr_probabilities`;
    ``contracts()`` is the fit, contract by contract, with residuals in bp.

    >>> chain = SofrChain(prices=[95.7617, 95.92], tickers=["SERM5 Comdty", "SERN5 Comdty"],
    ...                   meetings=["2025-06-18"], spot_rate=4.33, pricing_date="2025-06-02")
    >>> round(float(chain.path()["change (bp)"].iloc[0]), 2)
    -25.0
    >>> [abs(round(r, 2)) for r in chain.contracts()["residual (bp)"]]   # least squares, in bp
    [0.0, 0.0]
    """

    prices: Any
    tickers: Any
    meetings: Any = None
    spot_rate: float = float("nan")
    pricing_date: Any = None
    fixings: Any = None
    target_low: float | None = None
    spot_source: str = ""
    added_meetings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.meetings is None and self.pricing_date is not None:
            from .fedfunds import fomc_meetings

            day = as_date(self.pricing_date, "pricing_date").reshape(-1)[0]
            last = max(c.end for c in _contracts(self.tickers, self.prices, day)[0])
            found = fomc_meetings(day, last)
            object.__setattr__(self, "meetings", found)
            object.__setattr__(self, "added_meetings", tuple(str(d) for d in found))

    @cached_property
    def _fit(self) -> _Fit:
        return _solve(self.prices, self.tickers, [] if self.meetings is None else self.meetings,
                      self.spot_rate, self.pricing_date, self.fixings)

    def path(self) -> pd.DataFrame:
        """SOFR before and after each meeting, with FedWatch odds (:func:`sofr_path`)."""
        out = _path_frame(self._fit, self.target_low)
        out.attrs["notes"] = list(self.notes) + out.attrs["notes"]
        out.attrs["added_meetings"] = list(self.added_meetings)
        out.attrs["spot_source"] = self.spot_source
        return out

    def probabilities(self, layout: str = "matrix") -> pd.DataFrame:
        """FedWatch target-range probabilities after each meeting (:func:`sofr_probabilities`)."""
        fit = self._fit
        start = np.concatenate(([fit.spot], fit.levels[:-1])) if fit.meetings.size else np.zeros(0)
        return probability_table(fit.meetings, start, fit.levels, fit.priced, fit.spot,
                                 self.target_low, layout)

    def contracts(self) -> pd.DataFrame:
        """Each contract's period, market and model rate, residual (bp), days already fixed,
        whether the fit used it, and its note (columns ``SOFR_CONTRACT_COLUMNS``)."""
        return _contract_frame(self._fit)

