"""Fed funds futures: the implied policy path after each FOMC meeting and FedWatch odds.

A 30-day Fed funds contract settles to 100 minus the average daily effective Fed funds rate
(EFFR) over its calendar month, every calendar day counted. If the Fed moves only at its
meetings and the rate is flat in between (CME FedWatch's assumption), a month without a meeting prices
the rate in force all month, and a month with a meeting on day ``d`` averages the rate
before and after it::

    avg = (N * start + M * end) / D        D = days in the month, M = D - N

so one of ``start`` / ``end`` follows from the other. Which contract anchors which rate is
the ``method``; how many days ``N`` count at the old rate is ``announcement_day``:

``announcement_day="new"`` (default)
    the announcement day itself counts at the new rate, ``N = d - 1``. This is how CME's
    worked examples count: the 17-Sep-2015 meeting is "16 days pre, 14 post" and the
    21-Sep-2022 meeting gives start 2.2987 only with ``N = 20``.
``announcement_day="old"``
    the announcement day counts at the old rate, ``N = d`` (the effective rate actually moves
    the day after the announcement). The reference table ``fedpath_2025-01-31.csv`` counts
    this way; the two conventions differ by less than 0.6 bp on that chain.

Methods (CME FedWatch, and the two textbook ways of stepping a meeting month):

``"cme"`` (default)
    CME FedWatch: a meeting month followed by a month without a meeting takes its end rate
    from that month's contract and backs its start rate out of its own contract; otherwise,
    when the month before has no meeting, that contract is the start rate and the end rate
    is backed out; between two meeting months it steps forward from the previous meeting's
    end rate. It reproduces both of CME's published worked examples, and it backs a rate out
    of a meeting month only when no clean month is next to it, which keeps a meeting late in
    the month (few post-meeting days, a large multiplier on a half-tick of price) from
    blowing up the path.
``"next"``
    "next": step forward from spot; a meeting month followed by a month without a
    meeting takes its end rate from that next contract, otherwise it is backed out of its own
    contract from the rate before the meeting. (The method of the reference table.)
``"backout"``
    "backout": step forward from spot, backing every end rate out of the meeting
    month's own contract (the next month's contract only when the own one is missing). The
    daily path it implies reprices every contract it used exactly, but it is unstable: an
    error in the start rate comes out multiplied by ``N / M`` of each meeting month (30 for a
    meeting on the 30th), so half a tick of price rounding can end hundreds of bp off after a
    dozen meetings. Use it to check a short path, not to read a long one.

Spec section 5 says CME applies the new rate "from the day after the announcement"; CME's own
numbers (16 days pre for a meeting on the 17th) count the announcement day at the new rate,
which is what ``announcement_day="new"`` does.

FedWatch probabilities: the change at a meeting in 25 bp steps, ``x = (end - start) / 0.25``,
splits into ``floor(x)`` steps with probability ``1 - frac(x)`` and ``ceil(x)`` steps with
``frac(x)``; the meetings chain as a probability tree of the cumulative change, i.e. of the
target range after each meeting.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._inputs import as_date, as_float, as_text, is_missing
from .errors import InputError
from .tickers import MONTH_CODES, month_ticker  # noqa: F401 - MONTH_CODES for the readers

__all__ = [
    "METHODS",
    "ANNOUNCEMENT_DAY",
    "PATH_COLUMNS",
    "MONTH_COLUMNS",
    "FOMC_ANNOUNCEMENTS",
    "FOMC_UNSCHEDULED_MOVES",
    "fed_funds_curve",
    "fed_path",
    "fed_path_by_month",
    "fed_probabilities",
    "fedwatch_tree",
    "compare_fed_paths",
    "fomc_meetings",
]

METHODS = ("cme", "next", "backout")
_METHOD_ALIASES = {
    "cme": "cme", "fedwatch": "cme",
    "next": "next", "next-month": "next", "next_month": "next", "1": "next",
    "backout": "backout", "back-out": "backout", "own": "backout", "2": "backout",
}
ANNOUNCEMENT_DAY = ("new", "old")

STEP = 0.25  # the Fed moves its target range in 25 bp steps
# the widest FedWatch tree laid on every step between its lowest and highest outcome (1,000
# percentage points); a wider one (a path no market prices, e.g. backed out of a 1 bp move over
# a meeting's last day) keeps only the outcomes it can reach
TREE_STEPS = 4000


# FOMC statement (announcement) dates, from the Federal Reserve's published meeting calendars
# (federalreserve.gov, "Meeting calendars and information"), every year from the first to the
# last listed: eight scheduled meetings a year, each dated by its last day (the statement day).
# Typed in as public facts; used to fill meetings a workbook does not list.
#
# 2020 is listed as the meetings were held: the scheduled March 17-18 meeting was cancelled and
# replaced by the unscheduled meeting of Sunday March 15 (a 100 bp cut, effective Monday 16, so
# ``announcement_day="old"`` counts that month right). The 50 bp cut of March 3, between
# meetings and announced by no calendar, is kept apart in ``FOMC_UNSCHEDULED_MOVES``: a futures
# chain can only price meetings that are on the calendar, so ``fomc_meetings`` adds it only on
# request (``unscheduled=True``, e.g. to replay 2020). Unscheduled meetings that left the
# target range unchanged (e.g. 2020-03-23) are in neither list.
FOMC_ANNOUNCEMENTS: tuple[str, ...] = (
    "2015-01-28", "2015-03-18", "2015-04-29", "2015-06-17", "2015-07-29", "2015-09-17",
    "2015-10-28", "2015-12-16",
    "2016-01-27", "2016-03-16", "2016-04-27", "2016-06-15", "2016-07-27", "2016-09-21",
    "2016-11-02", "2016-12-14",
    "2017-02-01", "2017-03-15", "2017-05-03", "2017-06-14", "2017-07-26", "2017-09-20",
    "2017-11-01", "2017-12-13",
    "2018-01-31", "2018-03-21", "2018-05-02", "2018-06-13", "2018-08-01", "2018-09-26",
    "2018-11-08", "2018-12-19",
    "2019-01-30", "2019-03-20", "2019-05-01", "2019-06-19", "2019-07-31", "2019-09-18",
    "2019-10-30", "2019-12-11",
    "2020-01-29", "2020-03-15", "2020-04-29", "2020-06-10", "2020-07-29", "2020-09-16",
    "2020-11-05", "2020-12-16",
    "2021-01-27", "2021-03-17", "2021-04-28", "2021-06-16", "2021-07-28", "2021-09-22",
    "2021-11-03", "2021-12-15",
    "2022-01-26", "2022-03-16", "2022-05-04", "2022-06-15", "2022-07-27", "2022-09-21",
    "2022-11-02", "2022-12-14",
    "2023-02-01", "2023-03-22", "2023-05-03", "2023-06-14", "2023-07-26", "2023-09-20",
    "2023-11-01", "2023-12-13",
    "2024-01-31", "2024-03-20", "2024-05-01", "2024-06-12", "2024-07-31", "2024-09-18",
    "2024-11-07", "2024-12-18",
    "2025-01-29", "2025-03-19", "2025-05-07", "2025-06-18", "2025-07-30", "2025-09-17",
    "2025-10-29", "2025-12-10",
    "2026-01-28", "2026-03-18", "2026-04-29", "2026-06-17", "2026-07-29", "2026-09-16",
    "2026-10-28", "2026-12-09",
)
# Target-range changes announced between meetings (Federal Reserve statement of March 3, 2020).
FOMC_UNSCHEDULED_MOVES: tuple[str, ...] = ("2020-03-03",)

# Column names of the tables, stable: the Excel layer spills them with this header row.
PATH_COLUMNS = (
    "meeting", "contract", "rate before %", "rate after %", "change (bp)",
    "change vs spot (bp)", "moves vs spot", "move low (bp)", "P(move low) %",
    "move high (bp)", "P(move high) %", "P(cut vs today) %", "P(hold vs today) %",
    "P(hike vs today) %", "most likely range %", "priced by",
)
MONTH_COLUMNS = (
    "month", "contract", "meeting", "futures rate %", "expected rate at month end %",
    "model average %", "model - futures (bp)",
)
CURVE_COLUMNS = ("month", "contract", "last trade", "price", "implied rate %")


# ---------------------------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------------------------

_MONTH_TEXT = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


def _as_months(expiries: Any) -> np.ndarray:
    """Contract months (``datetime64[M]``) from last trade dates, any date in the month,
    Excel serials or ``"YYYY-MM"`` text."""
    if isinstance(expiries, np.ndarray) and expiries.dtype.kind == "M":
        return as_date(expiries, "expiries").astype("datetime64[M]").reshape(-1)
    raw = expiries
    if isinstance(raw, str | _dt.date):
        raw = [raw]
    if isinstance(raw, list | tuple):
        flat = np.empty(np.shape(raw), dtype=object) if np.ndim(raw) else None
        if flat is not None and flat.ndim:
            # an Excel range arrives as a list of rows: flatten it, and read "YYYY-MM" as a month
            flat[...] = raw
            flat = flat.reshape(-1)
            for i, v in enumerate(flat):
                m = _MONTH_TEXT.match(v) if isinstance(v, str) else None
                if m:
                    flat[i] = f"{m.group(1)}-{int(m.group(2)):02d}-01"
            raw = flat
    return as_date(raw, "expiries").astype("datetime64[M]").reshape(-1)


def _method(method: Any) -> str:
    text = as_text(method, "method", what="one of " + ", ".join(METHODS)).lower()
    if text not in _METHOD_ALIASES:
        raise InputError("method", method, "is not a method; use one of " + ", ".join(METHODS))
    return _METHOD_ALIASES[text]


def _announcement_day(value: Any) -> str:
    text = as_text(value, "announcement_day", what="'new' or 'old'").lower()
    if text not in ANNOUNCEMENT_DAY:
        raise InputError("announcement_day", value,
                         "is not a convention; use 'new' (CME: the announcement day counts at "
                         "the new rate) or 'old'")
    return text


@dataclass(frozen=True)
class _Chain:
    months: np.ndarray  # datetime64[M], sorted, unique
    rates: np.ndarray   # 100 - price, percent
    prices: np.ndarray


def _chain(prices: Any, expiries: Any) -> _Chain:
    p = as_float(prices, "prices").reshape(-1)
    if p.size == 0:
        raise InputError("prices", [], "is empty; give the price of at least one contract")
    bad = (p <= 0) | (p >= 200)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError("prices", float(p[i]),
                         "is outside (0, 200); a Fed funds futures price is 100 minus a rate in "
                         "percent", i if p.size > 1 else None)
    months = _as_months(expiries)
    if months.size != p.size:
        raise InputError("expiries", f"{months.size} dates",
                         f"do not match prices ({p.size} prices); give one expiry per price")
    order = np.argsort(months, kind="stable")
    months = months[order]
    p = p[order]
    dup = np.flatnonzero(months[1:] == months[:-1])
    if dup.size:
        month = months[dup[0]]
        where = np.flatnonzero(_as_months(expiries) == month)
        raise InputError("expiries", str(month),
                         f"is duplicated (positions {', '.join(str(int(w)) for w in where)}); "
                         "give one contract per month", int(where[1]))
    # 100 - 99.8675 is 0.13249999999999318 in binary; prices have at most 6 decimals
    return _Chain(months, np.round(100.0 - p, 10), p)


def _meetings(meetings: Any) -> np.ndarray:
    """Meeting (announcement) dates, sorted; blanks (an Excel range's empty tail) dropped."""
    if isinstance(meetings, str | _dt.date) or np.ndim(meetings) == 0:
        meetings = [meetings]
    d = as_date(meetings, "meetings", allow_missing=True).reshape(-1)
    d = np.sort(d[~np.isnat(d)])
    m = d.astype("datetime64[M]")
    same = np.flatnonzero(m[1:] == m[:-1])
    if same.size:
        i = int(same[0])
        raise InputError("meetings", str(d[i + 1]),
                         f"is in the same month as {d[i]}; a monthly contract cannot separate "
                         "two meetings in one month")
    return d


def _spot(spot_rate: Any) -> float:
    if spot_rate is None or (np.ndim(spot_rate) == 0 and is_missing(spot_rate)):
        raise InputError("spot_rate", spot_rate,
                         "is missing; give the current effective Fed funds rate in percent")
    s = as_float(spot_rate, "spot_rate", what="the effective Fed funds rate in percent")
    if s.size != 1:
        raise InputError("spot_rate", f"{s.size} values", "must be one rate in percent")
    s = float(s.reshape(-1)[0])
    if not -5.0 < s < 100.0:
        raise InputError("spot_rate", s, "is not a rate in percent (e.g. 4.33)")
    return s


def _month_text(month: np.datetime64) -> str:
    return str(month)[:7]


# ---------------------------------------------------------------------------------------------
# the solve
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Solved:
    chain: _Chain
    meetings: np.ndarray   # datetime64[D], every meeting on or after the first contract month
    priced: np.ndarray     # bool per meeting
    start: np.ndarray      # rate before each meeting (NaN when not priced)
    end: np.ndarray        # rate after
    source: list[str]
    spot: float
    method: str
    announcement_day: str
    past: np.ndarray       # meetings before the first contract month (ignored)


def _solve(prices: Any, expiries: Any, meetings: Any, spot_rate: Any, method: Any,
           announcement_day: Any) -> _Solved:
    chain = _chain(prices, expiries)
    mtg = _meetings(meetings)
    spot = _spot(spot_rate)
    meth = _method(method)
    ann = _announcement_day(announcement_day)

    first = chain.months[0]
    past = mtg[mtg.astype("datetime64[M]") < first]
    mtg = mtg[mtg.astype("datetime64[M]") >= first]

    m_month = mtg.astype("datetime64[M]")
    month_start = m_month.astype("datetime64[D]")
    days_in = ((m_month + 1).astype("datetime64[D]") - month_start).astype(np.int64)
    day = (mtg - month_start).astype(np.int64) + 1
    n_pre = day - 1 if ann == "new" else day
    n_post = days_in - n_pre

    # plain-int lookups: the loop below runs once per meeting and must stay cheap
    month_int = chain.months.astype(np.int64).tolist()
    rate_of = dict(zip(month_int, chain.rates.tolist(), strict=True))
    meeting_months = set(m_month.astype(np.int64).tolist())

    def clean(mi: int) -> bool:
        return mi in rate_of and mi not in meeting_months

    k_n = mtg.size
    start = np.full(k_n, np.nan)
    end = np.full(k_n, np.nan)
    priced = np.zeros(k_n, dtype=bool)
    source: list[str] = []
    prev_end = spot
    stopped = ""
    for k, mi in enumerate(m_month.astype(np.int64).tolist()):
        if stopped:
            source.append(stopped)
            continue
        D, N, M = int(days_in[k]), int(n_pre[k]), int(n_post[k])
        own = rate_of.get(mi)
        own_label, next_label, prev_label = (month_ticker("FF", m) for m in (mi, mi + 1, mi - 1))
        s = e = None
        how = ""
        can_back_out_end = own is not None and M > 0
        if meth == "cme":
            if clean(mi + 1):
                e = rate_of[mi + 1]
                if own is not None and N > 0:
                    s = (D * own - M * e) / N
                    how = f"end {next_label}, start backed out of {own_label}"
                else:
                    s = rate_of[mi - 1] if clean(mi - 1) else prev_end
                    how = f"end {next_label}, start " + (prev_label if clean(mi - 1) else "previous meeting")
            elif clean(mi - 1) and can_back_out_end:
                s = rate_of[mi - 1]
                e = (D * own - N * s) / M
                how = f"start {prev_label}, end backed out of {own_label}"
            elif can_back_out_end:
                s = prev_end
                e = (D * own - N * s) / M
                how = f"end backed out of {own_label} from the previous meeting"
        elif meth == "next":
            if clean(mi + 1):
                s, e = prev_end, rate_of[mi + 1]
                how = f"end {next_label}"
            elif can_back_out_end:
                s = prev_end
                e = (D * own - N * s) / M
                how = f"end backed out of {own_label}"
        else:  # backout
            if can_back_out_end:
                s = prev_end
                e = (D * own - N * s) / M
                how = f"end backed out of {own_label}"
            elif clean(mi + 1):
                s, e = prev_end, rate_of[mi + 1]
                how = f"end {next_label} (" + (
                    "no day after the meeting in its month)" if own is not None
                    else f"no contract for {_month_text(np.datetime64(mi, 'M'))})")
        if e is None:
            last = _month_text(chain.months[-1])
            if mi > int(chain.months[-1].astype(np.int64)):
                why = f"not priced: beyond the last contract ({last})"
            elif own is None:
                why = f"not priced: no contract for {_month_text(np.datetime64(mi, 'M'))}"
            else:
                why = ("not priced: no day after the meeting in its month, and the next month "
                       "has a meeting or no contract")
            source.append(why)
            stopped = "not priced: after an unpriced meeting" if k + 1 < k_n else why
            continue
        start[k], end[k], priced[k] = s, e, True
        source.append(how)
        prev_end = e
    return _Solved(chain, mtg, priced, start, end, source, spot, meth, ann, past)


# ---------------------------------------------------------------------------------------------
# probabilities
# ---------------------------------------------------------------------------------------------

def fedwatch_tree(changes_pct: Any, step: float = STEP) -> tuple[np.ndarray, np.ndarray]:
    """The FedWatch probability tree of the cumulative change over successive meetings.

    ``changes_pct`` are the expected changes at each meeting (end rate - start rate, percent).
    Each meeting moves ``floor(x)`` or ``ceil(x)`` steps of ``step`` (x = change / step) with
    probabilities ``1 - frac(x)`` and ``frac(x)``; meetings are independent. Returns
    ``(steps, probs)``: the cumulative outcomes in steps (ascending integers: every step from
    the lowest outcome to the highest, or only the outcomes reachable when those span
    :data:`TREE_STEPS` steps or more) and a ``(meetings, outcomes)`` array whose row k is the
    distribution after meeting k. The work grows with the meetings squared, not with the size
    of the moves.

    CME Sep-2015 (end 0.26643, start 0.1325):

    >>> steps, probs = fedwatch_tree([0.26642857 - 0.1325])
    >>> steps.tolist(), [round(float(p), 4) for p in probs[0]]
    ([0, 1], [0.4643, 0.5357])
    """
    x = np.round(as_float(changes_pct, "changes_pct").reshape(-1) / step, 9)
    k_n = x.size
    lo = np.floor(x).astype(np.int64)
    frac = x - lo
    if k_n == 0:
        return np.zeros(1, dtype=np.int64), np.zeros((0, 1))
    # after meeting k the outcome is lo_0 + ... + lo_k plus the number j of meetings that moved
    # the extra step: the distribution of j (0 to k + 1) is built meeting by meeting, and only
    # then laid on the steps, so the work is meetings squared whatever the moves' size
    first = np.cumsum(lo)  # the outcome after each meeting when no meeting moved the extra step
    up = np.zeros((k_n, k_n + 1))
    dist = np.zeros(k_n + 1)
    dist[0] = 1.0
    for k in range(k_n):
        moved = (1.0 - frac[k]) * dist
        moved[1:] += frac[k] * dist[:-1]
        dist = moved
        up[k] = dist
    reach = [first[k] + np.arange(k + 2) for k in range(k_n)]  # the outcomes after meeting k
    low, high = int(first.min()), int(max(r[-1] for r in reach))
    if high - low < TREE_STEPS:  # every step between the lowest and highest outcome
        steps = np.arange(low, high + 1, dtype=np.int64)
    else:  # a path no market prices: only the outcomes it can reach
        steps = np.unique(np.concatenate(reach))
    probs = np.zeros((k_n, steps.size))
    for k, outcomes in enumerate(reach):
        probs[k, np.searchsorted(steps, outcomes)] = up[k, : k + 2]
    keep = np.flatnonzero(probs.max(axis=0) > 1e-12)
    return steps[keep[0]: keep[-1] + 1], probs[:, keep[0]: keep[-1] + 1]


def _target_low(spot: float, target_low: Any) -> float:
    if target_low is None or (np.ndim(target_low) == 0 and is_missing(target_low)):
        # EFFR trades inside the target range, a few bp above its floor
        return float(np.floor(round(spot / STEP, 9)) * STEP)
    return float(as_float(target_low, "target_low").reshape(-1)[0])


def _range_label(low: float) -> str:
    return f"{low:.2f}-{low + STEP:.2f}"


# ---------------------------------------------------------------------------------------------
# public functions
# ---------------------------------------------------------------------------------------------

def fed_funds_curve(prices: Any, expiries: Any) -> pd.DataFrame:
    """The Fed funds futures curve: implied rate (100 - price) per contract month, sorted.

    ``expiries`` are the last trade dates (or any date in the contract month, an Excel
    serial, or ``"YYYY-MM"``).

    >>> fed_funds_curve([95.69, 95.675], ["2025-03-31", "2025-02-28"])
         month contract  last trade   price  implied rate %
    0  2025-02     FFG5  2025-02-28  95.675           4.325
    1  2025-03     FFH5  2025-03-31  95.690           4.310
    """
    chain = _chain(prices, expiries)
    raw = expiries
    # keep the date the user gave when it was a date (the last trade date), else month end
    try:
        given = as_date(raw, "expiries").reshape(-1)
        given = np.sort(given)
    except InputError:
        given = (chain.months + 1).astype("datetime64[D]") - 1
    return pd.DataFrame({
        "month": [_month_text(m) for m in chain.months],
        "contract": [month_ticker("FF", m) for m in chain.months],
        "last trade": pd.to_datetime(given).date,
        "price": chain.prices,
        "implied rate %": np.round(chain.rates, 10),
    })


def odds_columns(start: np.ndarray, end: np.ndarray, priced: np.ndarray, spot: float,
                 target_low: Any):
    """The FedWatch columns of a path (rate before and after each meeting, percent; ``priced``
    the meetings with a rate): each meeting's two outcomes, and from the tree the odds of a
    cut, hold or hike vs today and the most likely range. Shared by the Fed funds and the
    SOFR paths, so both give odds by the same rule."""
    pr = np.asarray(priced, dtype=bool)
    k_n = pr.size
    change = end - start
    steps, tree = fedwatch_tree(change[pr])
    x = np.round(change / STEP, 9)
    lo = np.floor(x)
    frac = x - lo
    low = _target_low(spot, target_low)
    cut = np.full(k_n, np.nan)
    hold = np.full(k_n, np.nan)
    hike = np.full(k_n, np.nan)
    likely: list[str] = [""] * k_n
    idx = np.flatnonzero(pr)
    if idx.size:
        cut[idx] = tree[:, steps < 0].sum(axis=1) * 100
        hold[idx] = tree[:, steps == 0].sum(axis=1) * 100
        hike[idx] = tree[:, steps > 0].sum(axis=1) * 100
        best = steps[np.argmax(tree, axis=1)]
        for j, i in enumerate(idx):
            likely[i] = _range_label(low + STEP * float(best[j]))
    return lo * 25, (1 - frac) * 100, (lo + 1) * 25, frac * 100, cut, hold, hike, likely, steps, tree, low


def path_columns(start: np.ndarray, end: np.ndarray, priced: np.ndarray, spot: float,
                 target_low: Any) -> tuple[dict[str, Any], float]:
    """The columns a path table shares, Fed funds or SOFR, from ``rate before %`` to ``most
    likely range %`` (:func:`odds_columns`'), and the target range's low end."""
    (mv_lo, p_lo, mv_hi, p_hi, cut, hold, hike, likely, _, _, low) = odds_columns(
        start, end, priced, spot, target_low)
    vs_spot = (end - spot) * 100
    return {
        "rate before %": start,
        "rate after %": end,
        "change (bp)": (end - start) * 100,
        "change vs spot (bp)": vs_spot,
        "moves vs spot": vs_spot / 25,
        "move low (bp)": mv_lo,
        "P(move low) %": p_lo,
        "move high (bp)": mv_hi,
        "P(move high) %": p_hi,
        "P(cut vs today) %": cut,
        "P(hold vs today) %": hold,
        "P(hike vs today) %": hike,
        "most likely range %": likely,
    }, low


def _path_frame(solved: _Solved, target_low: Any) -> pd.DataFrame:
    columns, low = path_columns(solved.start, solved.end, solved.priced, solved.spot, target_low)
    own = set(solved.chain.months.astype(np.int64).tolist())
    m_month = solved.meetings.astype("datetime64[M]")
    df = pd.DataFrame({
        "meeting": solved.meetings.astype("datetime64[s]"),
        "contract": [month_ticker("FF", m) if int(m.astype(np.int64)) in own else "" for m in m_month],
        **columns,
        "priced by": solved.source,
    })
    priced = solved.meetings[solved.priced]
    df.attrs.update({
        "method": solved.method,
        "announcement_day": solved.announcement_day,
        "spot_rate": solved.spot,
        "target_range": _range_label(low),
        "last_priced_meeting": str(priced[-1]) if priced.size else None,
        "not_priced": [str(d) for d in solved.meetings[~solved.priced]],
        "ignored_past_meetings": [str(d) for d in solved.past],
    })
    return df


def fed_path(prices: Any, expiries: Any, meetings: Any, spot_rate: Any, method: str = "cme",
             announcement_day: str = "new", target_low: Any = None) -> pd.DataFrame:
    """The expected Fed funds rate before and after each FOMC meeting, with FedWatch odds.

    ``prices`` of 30-day Fed funds futures (100 - average EFFR of the month) with their
    ``expiries`` (last trade dates, or any date in the contract month, or ``"YYYY-MM"``; in
    any order), the ``meetings`` (announcement dates; blanks dropped; meetings before the
    first contract month are past and ignored), and ``spot_rate``, the effective rate now
    (percent). ``method`` is ``"cme"`` (default: CME FedWatch, reproduces CME's worked
    examples), ``"next"`` (end rate from the next month's contract) or ``"backout"`` (backed out of the meeting month's own contract); see the module
    docstring. ``announcement_day`` is ``"new"`` (default, CME's count: the announcement day
    at the new rate) or ``"old"``. ``target_low`` is the floor of today's target range
    (default: ``spot_rate`` rounded down to 25 bp).

    One row per meeting, columns ``PATH_COLUMNS``: rates in percent, changes in bp, moves in
    25 bp steps vs spot, the meeting's own two FedWatch outcomes (low and high move with
    their probabilities, percent), and from the probability tree the chance the rate after
    the meeting is below / at / above today's target range and the most likely range.
    Meetings that no contract prices (beyond the chain, or after one that is not priced)
    keep their row with blanks, and ``priced by`` says why: the path ends at the last
    solvable meeting (also in ``df.attrs["last_priced_meeting"]``).

    CME's Sep-2015 example: FFQ5 99.8675, FFU5 99.805, meeting 17 Sep:

    >>> row = fed_path([99.8675, 99.805], ["2015-08-31", "2015-09-30"], ["2015-09-17"], 0.14)
    >>> row[["rate before %", "rate after %", "P(move high) %"]].round(4).iloc[0].tolist()
    [0.1325, 0.2664, 53.5714]
    """
    solved = _solve(prices, expiries, meetings, spot_rate, method, announcement_day)
    return _path_frame(solved, target_low)


def _by_month(solved: _Solved) -> pd.DataFrame:
    chain = solved.chain
    months = chain.months
    n = months.size
    m_month = solved.meetings.astype("datetime64[M]")
    mi_of = {int(m): k for k, m in enumerate(m_month.astype(np.int64).tolist())}
    days_in = ((months + 1).astype("datetime64[D]") - months.astype("datetime64[D]")).astype(np.int64)
    ann_new = solved.announcement_day == "new"
    exp_end = np.full(n, np.nan)
    model = np.full(n, np.nan)
    meeting_col: list[Any] = [None] * n
    in_force = solved.spot
    # meetings in months between contracts (gaps) still move the rate in force
    k_next = 0
    k_n = solved.meetings.size
    broken = False
    for j, mi in enumerate(months.astype(np.int64).tolist()):
        while k_next < k_n and int(m_month[k_next].astype(np.int64)) < mi:
            if not solved.priced[k_next]:
                broken = True
            else:
                in_force = solved.end[k_next]
            k_next += 1
        k = mi_of.get(mi)
        if k is None:
            if not broken:
                exp_end[j] = in_force
                model[j] = in_force
            continue
        meeting_col[j] = solved.meetings[k]
        k_next = max(k_next, k + 1)
        if broken or not solved.priced[k]:
            broken = True
            continue
        day = int((solved.meetings[k] - months[j].astype("datetime64[D]")).astype(np.int64)) + 1
        n_pre = day - 1 if ann_new else day
        D = int(days_in[j])
        model[j] = (n_pre * solved.start[k] + (D - n_pre) * solved.end[k]) / D
        exp_end[j] = solved.end[k]
        in_force = solved.end[k]
    return pd.DataFrame({
        "month": [_month_text(m) for m in months],
        "contract": [month_ticker("FF", m) for m in months],
        "meeting": pd.to_datetime(pd.Series(meeting_col, dtype="datetime64[s]")),
        "futures rate %": np.round(chain.rates, 10),
        "expected rate at month end %": exp_end,
        "model average %": model,
        "model - futures (bp)": (model - chain.rates) * 100,
    })


def fed_path_by_month(prices: Any, expiries: Any, meetings: Any, spot_rate: Any,
                      method: str = "cme", announcement_day: str = "new") -> pd.DataFrame:
    """The expected effective rate at the end of each contract month, with the model's fit.

    Same arguments as :func:`fed_path`. One row per contract (sorted), columns
    ``MONTH_COLUMNS``: the month's meeting (if any), the futures rate, the rate in force at
    the month's end (a month without a meeting keeps the rate of the last meeting before it,
    or spot before the first), the average the path gives the month, and that average minus
    the futures rate in bp. A large misfit on a month without a meeting says the meeting list
    is incomplete. Months after a meeting that is not priced are blank.

    >>> t = fed_path_by_month([95.675, 95.69, 95.715], ["2025-02-28", "2025-03-31",
    ...                       "2025-04-30"], ["2025-03-19"], 4.33, method="next")
    >>> t["expected rate at month end %"].round(4).tolist()
    [4.33, 4.285, 4.285]
    """
    return _by_month(_solve(prices, expiries, meetings, spot_rate, method, announcement_day))


def fed_probabilities(prices: Any, expiries: Any, meetings: Any, spot_rate: Any,
                      method: str = "cme", announcement_day: str = "new", target_low: Any = None,
                      layout: str = "matrix") -> pd.DataFrame:
    """FedWatch target-range probabilities (percent) after each priced meeting.

    Same arguments as :func:`fed_path`. ``layout="matrix"`` (default, as CME shows it): one
    row per priced meeting, a ``meeting`` column, then one column per target range (label
    ``"4.00-4.25"``, ascending) holding the probability (percent) that the range after the
    meeting is that one. ``layout="long"``: one row per meeting and outcome with columns
    ``meeting``, ``change vs today (bp)``, ``target range %``, ``probability %`` and
    ``P(at or below) %`` (the cumulative distribution).

    CME's Sep-2022 example (ZQU2 97.4475, ZQV2 96.94, meeting 21 Sep, range 2.25-2.50):

    >>> fed_probabilities([97.4475, 96.94], ["2022-09-30", "2022-10-31"], ["2022-09-21"], 2.33)
         meeting  3.00-3.25  3.25-3.50
    0 2022-09-21       95.5        4.5
    """
    solved = _solve(prices, expiries, meetings, spot_rate, method, announcement_day)
    return probability_table(solved.meetings, solved.start, solved.end, solved.priced,
                             solved.spot, target_low, layout)


def probability_table(meetings: np.ndarray, start: np.ndarray, end: np.ndarray,
                      priced: np.ndarray, spot: float, target_low: Any = None,
                      layout: str = "matrix") -> pd.DataFrame:
    """The FedWatch target-range table of a path (see :func:`fed_probabilities`), from the
    rate before and after each meeting; the SOFR path uses it too."""
    *_, steps, tree, low = odds_columns(start, end, priced, spot, target_low)
    dates = np.asarray(meetings)[np.asarray(priced, dtype=bool)].astype("datetime64[s]")
    labels = [_range_label(low + STEP * float(s)) for s in steps]
    pct = np.round(tree * 100, 10)
    lay = as_text(layout, "layout", what="'matrix' or 'long'").lower()
    if lay == "matrix":
        df = pd.DataFrame(pct, columns=labels)
        df.insert(0, "meeting", dates)
        return df
    if lay != "long":
        raise InputError("layout", layout, "is not a layout; use 'matrix' or 'long'")
    k_n, w = pct.shape
    return pd.DataFrame({
        "meeting": np.repeat(dates, w),
        "change vs today (bp)": np.tile(steps * 25, k_n),
        "target range %": np.tile(labels, k_n),
        "probability %": pct.reshape(-1),
        "P(at or below) %": np.round(np.cumsum(tree, axis=1) * 100, 10).reshape(-1),
    })


def fomc_meetings(start: Any, end: Any, unscheduled: bool = False) -> np.ndarray:
    """Published FOMC announcement dates between ``start`` and ``end`` (inclusive).

    ``unscheduled=True`` adds the target-range changes made between meetings
    (``FOMC_UNSCHEDULED_MOVES``), for replaying a past year rather than pricing a chain.

    >>> fomc_meetings("2024-08-01", "2024-12-31").astype(str).tolist()
    ['2024-09-18', '2024-11-07', '2024-12-18']
    >>> fomc_meetings("2020-02-01", "2020-04-30", unscheduled=True).astype(str).tolist()
    ['2020-03-03', '2020-03-15', '2020-04-29']
    """
    s = as_date(start, "start").reshape(-1)[0]
    e = as_date(end, "end").reshape(-1)[0]
    known = FOMC_ANNOUNCEMENTS + (FOMC_UNSCHEDULED_MOVES if unscheduled else ())
    dates = np.sort(np.array(known, dtype="datetime64[D]"))
    return dates[(dates >= s) & (dates <= e)]


def compare_fed_paths(later: pd.DataFrame, earlier: pd.DataFrame,
                      later_label: str = "later", earlier_label: str = "earlier") -> pd.DataFrame:
    """Side by side, the expected rate after each meeting on two pricing dates.

    ``later`` and ``earlier`` are :func:`fed_path` tables. One row per meeting in either, with
    the rate after it on each date and the repricing ``later - earlier`` in bp.

    >>> a = fed_path([95.69, 95.715], ["2025-03", "2025-04"], ["2025-03-19"], 4.33)
    >>> b = fed_path([95.705, 95.755], ["2025-03", "2025-04"], ["2025-03-19"], 4.33)
    >>> compare_fed_paths(a, b, "2025-01-31", "2025-01-26").iloc[0, 1:].astype(float).round(3).tolist()
    [4.285, 4.245, 4.0]
    """
    a = later.set_index("meeting")["rate after %"]
    b = earlier.set_index("meeting")["rate after %"]
    idx = a.index.union(b.index)
    a = a.reindex(idx)
    b = b.reindex(idx)
    return pd.DataFrame({
        "meeting": idx,
        f"rate after % ({later_label})": a.to_numpy(),
        f"rate after % ({earlier_label})": b.to_numpy(),
        "repricing (bp)": (a - b).to_numpy() * 100,
    })


# --- the object a trader names ----------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class FedFundsChain:
    """A 30-day Fed funds futures chain on one pricing date: its contracts' prices and last
    trade dates, the FOMC meetings to price, and the spot rate the path starts from.

    ``path()`` and ``probabilities()`` are :func:`fed_path` and :func:`fed_probabilities` on
    the chain's own data; read from a Bloomberg export with
    ``read_fedfutures_export(path).fed_chain(date)``, the chain also says where its spot rate
    came from and which meetings were taken from the published FOMC calendar.

    >>> chain = FedFundsChain(prices=[99.8675, 99.805], expiries=["2015-08-31", "2015-09-30"],
    ...                       meetings=["2015-09-17"], spot_rate=0.1325)   # CME's Sep-2015 example
    >>> p = chain.path()
    >>> round(float(p["rate after %"].iloc[0]), 5), round(float(p["P(move high) %"].iloc[0]), 1)
    (0.26643, 53.6)
    """

    prices: Any
    expiries: Any
    meetings: Any
    spot_rate: float
    pricing_date: Any = None
    spot_source: str = ""
    target_low: float | None = None
    added_meetings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def path(self, method: str = "cme", announcement_day: str = "new") -> pd.DataFrame:
        """The expected rate before and after each meeting with FedWatch odds (:func:`fed_path`)."""
        return fed_path(self.prices, self.expiries, self.meetings, self.spot_rate, method=method,
                        announcement_day=announcement_day, target_low=self.target_low)

    def path_by_month(self, method: str = "cme", announcement_day: str = "new") -> pd.DataFrame:
        """The expected rate at each month end (:func:`fed_path_by_month`)."""
        return fed_path_by_month(self.prices, self.expiries, self.meetings, self.spot_rate,
                                 method=method, announcement_day=announcement_day)

    def probabilities(self, method: str = "cme", announcement_day: str = "new") -> pd.DataFrame:
        """FedWatch target-range probabilities after each meeting (:func:`fed_probabilities`)."""
        return fed_probabilities(self.prices, self.expiries, self.meetings, self.spot_rate,
                                 method=method, announcement_day=announcement_day,
                                 target_low=self.target_low)

    def curve(self) -> pd.DataFrame:
        """Implied rate of each contract (:func:`fed_funds_curve`)."""
        return fed_funds_curve(self.prices, self.expiries)
