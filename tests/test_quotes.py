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
