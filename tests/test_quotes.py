"""Prices in 32nds."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xlfidx.errors import InputError
from xlfidx.quotes import format_32nds, parse_32nds


@pytest.mark.parametrize("text, value", [
    ("103-09+", 103 + 9.5 / 32), ("103-092", 103 + 9.25 / 32), ("103-096", 103 + 9.75 / 32),
    ("103-09¼", 103 + 9.25 / 32), ("103-09½", 103 + 9.5 / 32), ("103-09¾", 103 + 9.75 / 32),
    ("103-09", 103 + 9 / 32), ("103'09+", 103 + 9.5 / 32), ("115-31", 115.96875),
    ("-0-09+", -9.5 / 32), ("99.5", 99.5),
])
def test_parse(text, value):
    assert parse_32nds(text) == value


@pytest.mark.parametrize("text, match", [
    ("103-32", r"price = '103-32' has 32 32nds"), ("103-0x", r"price = '103-0x' is not a price"),
    ("abc", r"price = 'abc' is not a price"),
])
def test_parse_errors(text, match):
    with pytest.raises(InputError, match=match):
        parse_32nds(text)


@given(st.integers(min_value=0, max_value=200 * 256))
def test_format_round_trip_on_eighths(units):
    price = units / 256
    assert parse_32nds(format_32nds(price)) == price


def test_format_examples():
    assert format_32nds(103.296875) == "103-09+"
    # -9.6729/32 is nearest -9 5/8 32nds
    assert format_32nds([103.2890625, -0.30228, -0.296875]) == ["103-092", "-0-095", "-0-09+"]
    assert format_32nds(103.296875, eighths=False) == "103-10"


def _one_in_32nds(price: float, eighths: bool) -> str:
    steps = 256 if eighths else 32
    units = round(abs(price) * steps)
    handle, rest = divmod(units, steps)
    if eighths:
        fraction = f"-{rest // 8:02d}{['', '1', '2', '3', '+', '5', '6', '7'][rest % 8]}"
    else:
        fraction = f"-{rest:02d}"
    return ("-" if price < 0 and units else "") + f"{handle}{fraction}"


@pytest.mark.parametrize("eighths", [True, False])
def test_format_a_column_as_each_price(eighths):
    # small, large (past the table of handles) and negative prices, twice: the second time
    # from the text already written
    prices = [-1500.5, -0.30228, -1e-9, 0.0, 99.99999, 103.296875, 255.99, 256.0, 1023.999,
              1024.0, 123456.125, 87.1234]
    for _ in range(2):
        assert format_32nds(prices, eighths) == [_one_in_32nds(p, eighths) for p in prices]
        assert [format_32nds(p, eighths) for p in prices] == format_32nds(prices, eighths)
