"""U.S. government-securities business days (SIFMA recommended holidays).

The holidays are data shipped with the package, ``xlfidx/sifma_us_holidays.csv`` (1990 to
2100, with its sources in its header), written by :mod:`xlfidx.calendar_rules` from SIFMA's
rules and its unscheduled closes. The file is read once, on first use, in a few milliseconds:
no calendar is rebuilt at run time. All functions are vectorised over ``datetime64[D]`` arrays
and use numpy's business-day routines with that holiday list.

>>> str(add_business_days(np.datetime64("2024-08-02"), 1))   # Friday -> Monday
'2024-08-05'
>>> str(add_business_days(np.datetime64("2026-04-02"), 1))   # Good Friday is no settlement day
'2026-04-06'
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np

from .errors import InputError

__all__ = [
    "FIRST_DAY",
    "LAST_DAY",
    "sifma_holidays",
    "business_calendar",
    "is_business_day",
    "add_business_days",
    "roll_forward",
    "first_business_day",
    "last_business_day",
    "nth_business_day",
]


FIRST_DAY, LAST_DAY = np.datetime64("1990-01-01"), np.datetime64("2100-12-31")


@lru_cache(maxsize=1)
def sifma_holidays() -> np.ndarray:
    """SIFMA U.S. bond-market full-day closes as ``datetime64[D]``, 1990 to 2100.

    >>> [str(d) for d in sifma_holidays() if "2018-12" <= str(d) < "2019-01"]
    ['2018-12-05', '2018-12-25']
    """
    text = resources.files("xlfidx").joinpath("sifma_us_holidays.csv").read_text("utf-8")
    rows = [line[:10] for line in text.splitlines() if line[:1].isdigit()]
    return np.array(rows, dtype="datetime64[D]")


@lru_cache(maxsize=1)
def business_calendar() -> np.busdaycalendar:
    """A numpy business-day calendar: Monday to Friday less SIFMA holidays."""
    return np.busdaycalendar(weekmask="1111100", holidays=sifma_holidays())


def _d(x, name: str = "date") -> np.ndarray:
    d = np.asarray(x, dtype="datetime64[D]")
    outside = (d < FIRST_DAY) | (d > LAST_DAY)  # NaT compares False: passes through as NaT
    if outside.any():
        raise InputError(name, d[outside].flat[0],
                         f"is outside the SIFMA holiday table ({FIRST_DAY} to {LAST_DAY})")
    return d


def is_business_day(dates) -> np.ndarray:
    """True where a date is a SIFMA business day."""
    return np.is_busday(_d(dates), busdaycal=business_calendar())


def add_business_days(dates, n, *, name: str = "date") -> np.ndarray:
    """The date ``n`` business days after ``dates`` (a non-business start rolls forward first).

    T+1 settlement of a trade on ``d`` is ``add_business_days(d, 1)``.
    """
    return np.busday_offset(_d(dates, name), n, roll="forward", busdaycal=business_calendar())


def roll_forward(dates) -> np.ndarray:
    """The date itself if a business day, else the next business day."""
    return np.busday_offset(_d(dates), 0, roll="forward", busdaycal=business_calendar())


def _month_start(dates) -> np.ndarray:
    return _d(dates).astype("datetime64[M]").astype("datetime64[D]")


def first_business_day(dates) -> np.ndarray:
    """First business day of each date's month."""
    return roll_forward(_month_start(dates))


def last_business_day(dates) -> np.ndarray:
    """Last business day of each date's month."""
    next_month = (_d(dates).astype("datetime64[M]") + 1).astype("datetime64[D]")
    return np.busday_offset(next_month, -1, roll="forward", busdaycal=business_calendar())


def nth_business_day(dates, n: int) -> np.ndarray:
    """The ``n``-th (1-based) business day of each date's month."""
    return np.busday_offset(_month_start(dates), n - 1, roll="forward", busdaycal=business_calendar())
