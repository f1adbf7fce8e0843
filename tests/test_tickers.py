"""Futures tickers: the exchange month codes and the year of a one-digit ticker.

Source of the month codes: CME Group's "Contract Month Codes" (F Jan, G Feb, H Mar, J Apr,
K May, M Jun, N Jul, Q Aug, U Sep, V Oct, X Nov, Z Dec), used by Treasury and Fed funds futures
alike.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from xlfidx.tickers import MONTH_CODES, month_ticker, split_ticker, year_on_or_after

CME_CODES = {1: "F", 2: "G", 3: "H", 4: "J", 5: "K", 6: "M", 7: "N", 8: "Q", 9: "U", 10: "V",
             11: "X", 12: "Z"}


def test_month_codes_are_cmes():
    assert {i + 1: c for i, c in enumerate(MONTH_CODES)} == CME_CODES


@pytest.mark.parametrize("text, parts", [
    ("TYZ4", ("TY", 12, None, 4)), ("TYZ24", ("TY", 12, 2024, 4)),
    ("TYZ2024", ("TY", 12, 2024, 4)), ("tyz4  comdty", ("TY", 12, None, 4)),
    ("ZQH25", ("ZQ", 3, 2025, 5)),
])
def test_split_ticker(text, parts):
    t = split_ticker(text, ("TY", "ZQ"))
    assert (t.root, t.month, t.year, t.year_digit) == parts


@pytest.mark.parametrize("text", ["TYZ", "TYZ245", "TYA4", "XXZ4", ""])
def test_not_a_ticker(text):
    assert split_ticker(text, ("TY",)) is None


@given(st.integers(1990, 2090), st.integers(1, 12), st.integers(0, 9), st.integers(1, 12))
def test_year_on_or_after_is_the_first_such_month(ref_year, ref_month, digit, month):
    ref = np.datetime64(f"{ref_year:04d}-{ref_month:02d}", "M")
    year = year_on_or_after(digit, month, ref)
    assert year % 10 == digit
    assert np.datetime64(f"{year:04d}-{month:02d}", "M") >= ref
    assert np.datetime64(f"{year - 10:04d}-{month:02d}", "M") < ref  # and no earlier one


@given(st.integers(1990, 2090), st.integers(1, 12))
def test_month_ticker_round_trips(year, month):
    m = np.datetime64(f"{year:04d}-{month:02d}", "M")
    t = split_ticker(month_ticker("FF", m), ("FF",))
    assert (t.month, year_on_or_after(t.year_digit, t.month, m)) == (month, year)
