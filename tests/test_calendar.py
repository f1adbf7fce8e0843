"""SIFMA settlement days: T+1 settlement around each special date, with the source of each.

Treasury trades settle T+1 in SIFMA business days; a trade on a day that is not a good
settlement day counts from the next one (SIFMA's T+2 recommendation for Good Friday trades).
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import xlfidx
from xlfidx import calendar_rules
from xlfidx import dates as calendar
from xlfidx.errors import InputError


def t1(trade: str) -> str:
    return str(xlfidx.settlement_date(trade))


# --- Good Friday: never a good settlement day, even with only an early trading close ------------

@pytest.mark.parametrize("thursday, good_friday, monday, source", [
    # SIFMA release of March 21, 2012: early close 12:00 p.m. April 6 (March employment report),
    # "not be treated as a good settlement day"
    ("2012-04-05", "2012-04-06", "2012-04-09", "SIFMA 2012-03-21"),
    # SIFMA release of March 9, 2015: same recommendation for Friday, April 3, 2015
    ("2015-04-02", "2015-04-03", "2015-04-06", "SIFMA 2015-03-09"),
    # SIFMA's 2021 schedule (release of December 15, 2020): 12:00 p.m. close on April 2, 2021
    ("2021-04-01", "2021-04-02", "2021-04-05", "SIFMA 2020-12-15"),
    # SIFMA release of March 20, 2026: early close April 3, 2026, not a good settlement day
    ("2026-04-02", "2026-04-03", "2026-04-06", "SIFMA 2026-03-20"),
])
def test_good_friday_is_not_a_settlement_day(thursday, good_friday, monday, source):
    assert t1(thursday) == monday, source
    assert not calendar.is_business_day(good_friday), source
    # the same releases: trades done on Good Friday settle T+2, i.e. on the Tuesday after
    tuesday = str(np.datetime64(monday) + 1)
    assert t1(good_friday) == tuesday, source


def _easter(year: int) -> dt.date:
    """Gregorian Easter Sunday by the anonymous (Meeus/Jones/Butcher) algorithm."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def test_every_good_friday_from_1990_to_2100_is_closed():
    fridays = np.array([_easter(y) - dt.timedelta(days=2) for y in range(1990, 2101)],
                       dtype="datetime64[D]")
    assert not calendar.is_business_day(fridays).any()


# --- unscheduled full closes ------------------------------------------------------------------

@pytest.mark.parametrize("trade, settle, closed, source", [
    # Bond trading halted on September 11, 2001 and resumed on Thursday September 13 (AP report
    # of September 13, 2001; the Bond Market Association's recommendation)
    ("2001-09-10", "2001-09-13", ["2001-09-11", "2001-09-12"], "BMA, September 2001"),
    # Bond Market Association: full close for President Reagan's national day of mourning
    ("2004-06-10", "2004-06-14", ["2004-06-11"], "BMA, June 2004"),
    # SIFMA release of October 29, 2012: full close Tuesday October 30 (Hurricane Sandy)
    ("2012-10-29", "2012-10-31", ["2012-10-30"], "SIFMA 2012-10-29"),
    # SIFMA release of December 1, 2018: full close December 5; "executed on Tuesday December 4
    # ... and normally settling on Wednesday December 5 ... should instead settle on Thursday
    # December 6"
    ("2018-12-04", "2018-12-06", ["2018-12-05"], "SIFMA 2018-12-01"),
])
def test_unscheduled_full_closes(trade, settle, closed, source):
    assert t1(trade) == settle, source
    assert not calendar.is_business_day(closed).any(), source


@pytest.mark.parametrize("trade, settle, source", [
    # SIFMA release of October 28, 2012: only an early close (12:00 p.m.) on Monday October 29,
    # and "the early close will not affect the closing time for settlements"
    ("2012-10-26", "2012-10-29", "SIFMA 2012-10-28"),
    # President Ford's national day of mourning, Tuesday January 2, 2007: SIFMA recommended a
    # 2:00 p.m. early close, not a full close (Bloomberg, CNN and AP reports of December 29,
    # 2006); the Reserve Banks stayed open. January 1 was New Year's Day.
    ("2006-12-29", "2007-01-02", "SIFMA, December 2006"),
    # SIFMA release of December 30, 2024: early close 2:00 p.m. on January 9, 2025 for
    # President Carter's national day of mourning
    ("2025-01-08", "2025-01-09", "SIFMA 2024-12-30"),
])
def test_unscheduled_early_closes_are_settlement_days(trade, settle, source):
    assert t1(trade) == settle, source


# --- the ordinary rules and SIFMA's weekend observance -----------------------------------------

@pytest.mark.parametrize("trade, settle, source", [
    # Juneteenth from 2022 (SIFMA release of July 14, 2021): Sunday 2022-06-19 -> Monday June 20
    ("2022-06-17", "2022-06-21", "SIFMA 2021-07-14"),
    # ... but not in 2021: Fedwire stayed open on Friday June 18, 2021 and SIFMA did not
    # recommend a close (SIFMA statement reported June 17, 2021)
    ("2021-06-17", "2021-06-18", "SIFMA, June 2021"),
    # Independence Day on a Saturday: full close Friday July 3, 2020 (SIFMA release of
    # June 23, 2020), early close Thursday July 2
    ("2020-07-02", "2020-07-06", "SIFMA 2020-06-23"),
    # Christmas on a Saturday: full close Friday December 24, 2021 (SIFMA 2021 schedule)
    ("2021-12-23", "2021-12-27", "SIFMA 2021 schedule"),
    # New Year's Day on a Saturday: Friday December 31, 2021 had only an early close
    ("2021-12-30", "2021-12-31", "SIFMA 2022 schedule"),
    ("2021-12-31", "2022-01-03", "SIFMA 2022 schedule"),
    # ... and full trading on Friday December 31, 2010 (SIFMA's 2010-2011 recommendations)
    ("2010-12-30", "2010-12-31", "SIFMA 2010-2011 schedule"),
    # Veterans Day on a Saturday: the bond market traded normally on Friday November 10, 2023
    ("2023-11-09", "2023-11-10", "SIFMA 2023 schedule"),
    # Columbus Day: full close Monday October 9, 2023 (SIFMA release of September 25, 2023)
    ("2023-10-06", "2023-10-10", "SIFMA 2023-09-25"),
    # New Year's Day 2026 on a Thursday (SIFMA release of December 12, 2025)
    ("2025-12-31", "2026-01-02", "SIFMA 2025-12-12"),
    # Friday before a weekend: the TYZ4 basket export of 2024-08-02 accrues to Monday 08-05
    ("2024-08-02", "2024-08-05", "Bloomberg int_acc of the TYZ4 export"),
])
def test_weekend_observance_and_ordinary_holidays(trade, settle, source):
    assert t1(trade) == settle, source


# --- invariants ---------------------------------------------------------------------------------

@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 20)))
def test_t_plus_1_is_the_next_business_day(day):
    d = np.datetime64(day, "D")
    s = xlfidx.settlement_date(d)
    assert s > d and calendar.is_business_day(s)
    start = calendar.roll_forward(d)
    between = np.arange(start + 1, s, dtype="datetime64[D]")
    assert not calendar.is_business_day(between).any()  # nothing skipped


UNSCHEDULED = ["2001-09-11", "2001-09-12", "2004-06-11", "2012-10-30", "2018-12-05"]


def test_holidays_fall_on_weekdays_and_count_eleven_rules_then_twelve():
    h = calendar.sifma_holidays()
    assert (np.diff(h) > np.timedelta64(0, "D")).all()  # sorted, no duplicates
    assert np.is_busday(h, weekmask="1111100").all()    # an observed close is never a weekend
    scheduled = np.setdiff1d(h, np.array(UNSCHEDULED, dtype="datetime64[D]"))
    assert len(h) - len(scheduled) == len(UNSCHEDULED)
    counts = np.bincount(scheduled.astype("datetime64[Y]").astype(int) - 20)  # years from 1990
    assert len(counts) == 111
    # eleven holidays a year, twelve with Juneteenth from 2022; a Saturday New Year's Day or
    # Veterans Day closes nothing, so a year may have one or two fewer
    assert counts[:32].min() == 9 and counts[:32].max() == 11   # 2000: both on a Saturday
    assert counts[32:].min() == 10 and counts[32:].max() == 12


def test_dates_outside_the_table_are_refused():
    with pytest.raises(InputError, match=r"^trade_date = 1989-12-29 is outside the SIFMA holiday "
                                         r"table \(1990-01-01 to 2100-12-31\)$"):
        xlfidx.settlement_date("1989-12-29")
    with pytest.raises(InputError, match=r"^date = 2101-01-03 is outside"):
        calendar.is_business_day(["2024-01-02", "2101-01-03"])
    assert np.isnat(calendar.add_business_days(np.datetime64("NaT", "D"), 1))


# --- the data file ------------------------------------------------------------------------------

def test_shipped_table_is_what_the_rules_write(tmp_path):
    # a guard that the committed data was regenerated after a rule changed, not a correctness test
    shipped = Path(calendar_rules.__file__).with_name(calendar_rules.TABLE_FILE).read_text("utf-8")
    written = calendar_rules.write_table(tmp_path / "table.csv").read_text("utf-8")
    assert shipped == written
    assert "SIFMA" in shipped.splitlines()[1]


@pytest.mark.cpython_only("starts a Python process")
def test_loading_the_calendar_needs_neither_pandas_nor_a_calendar_library():
    code = ("import sys, xlfidx.dates as c; c.business_calendar(); "
            "print(sorted(m for m in ('pandas', 'pandas_market_calendars', 'dateutil') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "[]"
