"""Dates, in one place: Excel serial numbers, month arithmetic and business days.

- Excel's 1900 date system (serial 45506 = 2024-08-02), both ways.
- Month arithmetic on integer tables (coupon dates cost a few array operations).
- U.S. government-securities business days, as SIFMA recommends them.

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

import datetime as _dt
import pkgutil
from functools import lru_cache

import numpy as np

from .errors import InputError

__all__ = [
    "EXCEL_EPOCH",
    "FIRST_EXCEL_SERIAL",
    "LAST_EXCEL_SERIAL",
    "excel_serial_to_date",
    "date_to_excel_serial",
    "add_months",
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

_D = "datetime64[D]"
_M = "datetime64[M]"

# --- Excel serial numbers -------------------------------------------------------------------

# Excel's 1900 date system: serial 1 is 1900-01-01, but Excel keeps the fictitious 1900-02-29
# (serial 60), so from serial 61 (1900-03-01) on, date = 1899-12-30 + serial days.
EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
_EPOCH_DAY = _dt.date(1899, 12, 30)
FIRST_EXCEL_SERIAL = 61  # 1900-03-01; earlier serials are not market dates
LAST_EXCEL_SERIAL = 2958465  # 9999-12-31


def excel_serial_to_date(serial) -> np.ndarray:
    """Excel 1900-system serial numbers to ``datetime64[D]`` (the time of day is dropped).

    >>> str(excel_serial_to_date(45506))
    '2024-08-02'
    """
    s = np.floor(np.asarray(serial, dtype=np.float64)).astype(np.int64)
    out = EXCEL_EPOCH + s.astype("timedelta64[D]")
    return out[()] if out.ndim == 0 else out


def date_to_excel_serial(value) -> np.ndarray | float:
    """``datetime64``/``date`` values to Excel 1900-system serial numbers (floats).

    >>> date_to_excel_serial(np.datetime64("2024-08-02"))
    45506.0
    """
    if type(value) is _dt.date:  # one date: plain arithmetic, the same days
        return float((value - _EPOCH_DAY).days)
    d = np.asarray(value, dtype=_D)
    out = (d - EXCEL_EPOCH).astype(np.int64).astype(np.float64)
    return float(out) if out.ndim == 0 else out


# --- month arithmetic -----------------------------------------------------------------------

# Months since 1970-01 index two tables (first day of the month as days since 1970-01-01, and
# the month's length), so a coupon date costs a few array ops. The tables span every date Excel
# can hold (1900-01-01 to 9999-12-31) with room on both sides for the coupon and delivery-window
# arithmetic (a contract resolved from a 9999 settlement lies in 10000s, its window another 30
# years on), so that no date a cell accepts falls off.
_TABLE_START = -12 * 170  # 1800-01
_TABLE_MONTHS = 12 * (10100 - 1800)  # to 10099-12
_MONTH_START = np.arange(_TABLE_START, _TABLE_START + _TABLE_MONTHS + 1).astype(_M).astype(
    _D).astype(np.int64)
_MONTH_DAYS = np.diff(_MONTH_START)
_MONTH_START = _MONTH_START[:-1]


def split_date(dates: np.ndarray):
    """(months since 1970-01, day of month − 1, days since 1970-01-01) of datetime64[D] dates."""
    days = dates.astype(np.int64)
    months = dates.astype(_M).astype(np.int64)
    return months, days - _MONTH_START[months - _TABLE_START], days


def month_length(months: np.ndarray) -> np.ndarray:
    """Days in each month (months counted from 1970-01)."""
    return _MONTH_DAYS[months - _TABLE_START]


def date_at(months: np.ndarray, day0: np.ndarray, eom) -> np.ndarray:
    """Day number of (month, day) with the day clipped to the month (or its last day if eom)."""
    i = months - _TABLE_START
    last = _MONTH_DAYS[i] - 1
    return _MONTH_START[i] + np.where(eom, last, np.minimum(day0, last))


def add_months(dates, months, eom=False) -> np.ndarray:
    """Shift dates by whole months, clipping to month end; with ``eom`` land on month end.

    >>> str(add_months(np.datetime64("2031-06-30"), -6, eom=True))
    '2030-12-31'
    """
    d = np.asarray(dates, dtype=_D)
    m, day0, _ = split_date(d)
    out = date_at(m + np.asarray(months, dtype=np.int64), day0, eom)
    return out.astype(_D)


# --- business days --------------------------------------------------------------------------

FIRST_DAY, LAST_DAY = np.datetime64("1990-01-01"), np.datetime64("2100-12-31")


@lru_cache(maxsize=1)
def sifma_holidays() -> np.ndarray:
    """SIFMA U.S. bond-market full-day closes as ``datetime64[D]``, 1990 to 2100.

    >>> [str(d) for d in sifma_holidays() if "2018-12" <= str(d) < "2019-01"]
    ['2018-12-05', '2018-12-25']
    """
    # the package's own data file, through its loader (a file or a zip alike)
    text = pkgutil.get_data("xlfidx", "sifma_us_holidays.csv").decode("utf-8")
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
