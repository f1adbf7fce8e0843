"""The rules behind the shipped SIFMA holiday table, and the script that writes it.

``xlfidx/sifma_us_holidays.csv`` lists every full-day close of the U.S. bond market that
SIFMA (before 2006, its predecessor the Bond Market Association) recommends, 1990 to 2100.
It is data: :mod:`xlfidx.dates` reads it at first use and never rebuilds a calendar at run
time. This module is how the file is made; run it again after changing a rule or adding an
unscheduled close::

    python -m xlfidx.calendar_rules          # rewrites xlfidx/sifma_us_holidays.csv

The scheduled holidays are the Federal Reserve holidays on which SIFMA recommends a full
close, plus Good Friday; weekend observance is SIFMA's, which is not the Fed's:

* Sunday holidays close the market on the Monday after.
* Saturday holidays close it on the Friday before for Independence Day, Juneteenth and
  Christmas (SIFMA's 2020 recommendation: full close Friday, July 3, 2020; Christmas 2021 was
  observed on Friday, December 24, 2021).
* A Saturday New Year's Day closes nothing: SIFMA recommended full trading on Friday,
  December 31, 2010 (its 2010-2011 schedule) and an early close, not a full close, on
  Friday, December 31, 2021.
* A Saturday Veterans Day closes nothing: the bond market traded normally on Friday,
  November 10, 2023 (SIFMA's 2023 schedule).
* Good Friday is never a good settlement day. In the years the March employment report falls
  on it, SIFMA recommends a 12:00 p.m. early close instead of a full close but still that the
  day "not be treated as a good settlement day" and that trades done on it settle T+2
  (SIFMA's releases of March 21, 2012; March 9, 2015; March 20, 2026; the 2021 schedule).

>>> [str(d) for d, name in scheduled_holidays(2021) if d.month == 12]
['2021-12-24']
>>> [(str(d), n) for d, n in scheduled_holidays(2026)[3:5]]
[('2026-04-03', 'Good Friday'), ('2026-05-25', 'Memorial Day')]
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

__all__ = ["FIRST_YEAR", "LAST_YEAR", "UNSCHEDULED_CLOSES", "scheduled_holidays",
           "holiday_table", "write_table", "TABLE_FILE"]

FIRST_YEAR, LAST_YEAR = 1990, 2100
TABLE_FILE = "sifma_us_holidays.csv"

# Unscheduled full closes, each with the recommendation it rests on. Unscheduled EARLY closes
# are business days and are deliberately absent: 2007-01-02 (President Ford's national day of
# mourning: SIFMA recommended a 2:00 p.m. close, the Reserve Banks stayed open),
# 2012-10-29 (Hurricane Sandy: SIFMA's release of October 28, 2012, 12:00 p.m. close),
# 2025-01-09 (President Carter's national day of mourning: SIFMA's release of
# December 30, 2024, 2:00 p.m. close).
UNSCHEDULED_CLOSES: tuple[tuple[str, str, str], ...] = (
    ("2001-09-11", "September 11 attacks",
     "Bond Market Association: trading halted after the attacks, resumed 2001-09-13"),
    ("2001-09-12", "September 11 attacks",
     "Bond Market Association: market closed; trading resumed 2001-09-13"),
    ("2004-06-11", "National day of mourning (President Reagan)",
     "Bond Market Association recommended a full close"),
    ("2012-10-30", "Hurricane Sandy",
     "SIFMA release of October 29, 2012: full close Tuesday October 30"),
    ("2018-12-05", "National day of mourning (President George H. W. Bush)",
     "SIFMA release of December 1, 2018: full close; trades of Dec 4 settle Dec 6"),
)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The n-th ``weekday`` (Monday = 0) of a month; ``n = -1`` for the last one."""
    if n > 0:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    last = nxt - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: dt.date, saturday_to_friday: bool) -> dt.date | None:
    """SIFMA's weekend observance: Sunday -> Monday; Saturday -> Friday or no close."""
    if day.weekday() == 6:
        return day + dt.timedelta(days=1)
    if day.weekday() == 5:
        return day - dt.timedelta(days=1) if saturday_to_friday else None
    return day


def scheduled_holidays(year: int) -> list[tuple[dt.date, str]]:
    """SIFMA's scheduled full closes of one year, in date order, with their names."""
    from dateutil.easter import easter  # only the table's writer needs it

    mon, thu = 0, 3
    days: list[tuple[dt.date | None, str]] = [
        (_observed(dt.date(year, 1, 1), False), "New Year's Day"),
        (_nth_weekday(year, 1, mon, 3), "Martin Luther King Jr. Day"),
        (_nth_weekday(year, 2, mon, 3), "Presidents Day"),
        (easter(year) - dt.timedelta(days=2), "Good Friday"),
        (_nth_weekday(year, 5, mon, -1), "Memorial Day"),
        (_observed(dt.date(year, 6, 19), True) if year >= 2022 else None, "Juneteenth"),
        (_observed(dt.date(year, 7, 4), True), "Independence Day"),
        (_nth_weekday(year, 9, mon, 1), "Labor Day"),
        (_nth_weekday(year, 10, mon, 2), "Columbus Day"),
        (_observed(dt.date(year, 11, 11), False), "Veterans Day"),
        (_nth_weekday(year, 11, thu, 4), "Thanksgiving Day"),
        (_observed(dt.date(year, 12, 25), True), "Christmas Day"),
    ]
    return sorted((d, name) for d, name in days if d is not None)


def holiday_table(first: int = FIRST_YEAR, last: int = LAST_YEAR) -> list[tuple[str, str]]:
    """Every full close from ``first`` to ``last`` as ``(ISO date, name)``, in date order."""
    rows = {d.isoformat(): name for y in range(first, last + 1) for d, name in scheduled_holidays(y)}
    for day, name, _source in UNSCHEDULED_CLOSES:
        if first <= int(day[:4]) <= last:
            rows[day] = name
    return sorted(rows.items())


_HEADER = """\
# U.S. bond market full-day closes (not good settlement days), {first}-{last}.
# Source: SIFMA's recommended holiday schedules for U.S. dollar fixed income in the U.S.
# (sifma.org, "Holiday Schedule"; before 2006 the Bond Market Association's), and its
# unscheduled-close releases. Weekend observance and Good Friday as in xlfidx/calendar_rules.py.
# Unscheduled full closes:
{unscheduled}
# Written by `python -m xlfidx.calendar_rules`; edit the rules there, not this file.
date,holiday
"""


def write_table(path: Path | None = None) -> Path:
    """Write the table (atomically: a temporary file in the same folder, then replaced)."""
    path = Path(path) if path is not None else Path(__file__).with_name(TABLE_FILE)
    unscheduled = "\n".join(f"#   {d} {name}: {src}" for d, name, src in UNSCHEDULED_CLOSES)
    text = _HEADER.format(first=FIRST_YEAR, last=LAST_YEAR, unscheduled=unscheduled)
    text += "".join(f"{d},{name}\n" for d, name in holiday_table())
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8", newline="\n")
    tmp.replace(path)
    return path


if __name__ == "__main__":
    print(f"wrote {write_table()}")
