"""Futures tickers, in one place: month codes and the year of a one-digit ticker.

The exchange month codes (F Jan, G Feb, H Mar, J Apr, K May, M Jun, N Jul, Q Aug, U Sep,
V Oct, X Nov, Z Dec) are shared by Treasury futures (``TYZ4``, ``TYZ24``, ``TYZ2024``,
``TYZ4 Comdty``, ``ZNZ4``) and 30-day Fed funds futures (``FFH5``, ``ZQH5``). Bloomberg writes
the year with one digit, so a ticker names a decade only together with a date: the first
such contract month on or after a reference month.

>>> t = split_ticker("TYZ4 Comdty", ("TY", "ZN")); (t.root, t.month, t.year, t.year_digit)
('TY', 12, None, 4)
>>> year_on_or_after(4, 12, np.datetime64("2024-08", "M"))
2024
>>> month_ticker("FF", np.datetime64("2025-03", "M"))
'FFH5'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

__all__ = ["MONTH_CODES", "Ticker", "split_ticker", "year_on_or_after", "month_ticker"]

MONTH_CODES = "FGHJKMNQUVXZ"


@dataclass(frozen=True)
class Ticker:
    """The parts of a futures ticker. ``year`` is None when the ticker gave a single digit."""

    root: str
    month: int          # 1..12
    year: int | None
    year_digit: int
    text: str           # as the user wrote it


@lru_cache(maxsize=64)
def _pattern(roots: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(sorted(map(re.escape, roots), key=len, reverse=True))
    return re.compile(rf"^({alternatives})([{MONTH_CODES}])(\d{{1,4}})(?:\s+COMDTY)?$")


def split_ticker(text: str, roots: Iterable[str]) -> Ticker | None:
    """Root, month and year of ``text`` (case and spacing free), or None if it is not one.

    Two-digit years are 20xx; a three-digit year is not a ticker.

    >>> split_ticker("zqh25", ("FF", "ZQ")).year
    2025
    """
    m = _pattern(tuple(roots)).match(" ".join(str(text).upper().split()))
    if not m or len(m.group(3)) == 3:
        return None
    root, code, digits = m.groups()
    year = None if len(digits) == 1 else (2000 + int(digits) if len(digits) == 2 else int(digits))
    return Ticker(root, MONTH_CODES.index(code) + 1, year, int(digits[-1]), text)


def year_on_or_after(digit: int, month: int, not_before: np.datetime64) -> int:
    """The first year ending in ``digit`` whose ``month`` is on or after ``not_before``.

    >>> year_on_or_after(3, 3, np.datetime64("2024-08", "M"))   # H3 seen in Aug-2024: Mar-2033
    2033
    """
    start = int(str(np.datetime64(not_before, "M"))[:4])
    year = start - start % 10 + digit
    while np.datetime64(f"{year:04d}-{month:02d}", "M") < np.datetime64(not_before, "M"):
        year += 10
    while year - 10 >= 1 and np.datetime64(f"{year - 10:04d}-{month:02d}", "M") >= \
            np.datetime64(not_before, "M"):
        year -= 10
    return year


def month_ticker(root: str, month: np.datetime64 | int) -> str:
    """Bloomberg-style one-digit ticker of a contract month; ``month`` may be months since 1970."""
    y, m = divmod(month if isinstance(month, int) else int(np.datetime64(month, "M").astype(np.int64)), 12)
    return f"{root}{MONTH_CODES[m]}{(1970 + y) % 10}"
