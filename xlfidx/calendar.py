"""U.S. government-securities business days (SIFMA recommended holidays).

The holiday list comes from ``pandas_market_calendars``' ``SIFMAUS`` calendar, loaded once on
first use (its import costs about half a second, which the Excel layer must not pay at import
time). All functions are vectorised over ``datetime64[D]`` arrays and use numpy's business-day
routines with that holiday list.

>>> str(add_business_days(np.datetime64("2024-08-02"), 1))   # Friday -> Monday
'2024-08-05'
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

__all__ = [
    "sifma_holidays",
    "business_calendar",
    "is_business_day",
    "add_business_days",
    "roll_forward",
    "first_business_day",
    "last_business_day",
    "nth_business_day",
]


@lru_cache(maxsize=1)
def sifma_holidays() -> np.ndarray:
    """SIFMA U.S. bond-market full-day holidays as ``datetime64[D]`` (through 2200)."""
    import pandas_market_calendars as pmc  # noqa: PLC0415 - deferred: heavy import

    days = pmc.get_calendar("SIFMAUS").holidays().holidays
    return np.unique(np.asarray(days, dtype="datetime64[D]"))


@lru_cache(maxsize=1)
def business_calendar() -> np.busdaycalendar:
    """A numpy business-day calendar: Monday to Friday less SIFMA holidays."""
    return np.busdaycalendar(weekmask="1111100", holidays=sifma_holidays())


def _d(x) -> np.ndarray:
    return np.asarray(x, dtype="datetime64[D]")


def is_business_day(dates) -> np.ndarray:
    """True where a date is a SIFMA business day."""
    return np.is_busday(_d(dates), busdaycal=business_calendar())


def add_business_days(dates, n) -> np.ndarray:
    """The date ``n`` business days after ``dates`` (a non-business start rolls forward first).

    T+1 settlement of a trade on ``d`` is ``add_business_days(d, 1)``.
    """
    return np.busday_offset(_d(dates), n, roll="forward", busdaycal=business_calendar())


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
