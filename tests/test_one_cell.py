"""One cell read on its own gives what the same cell gives inside a range.

``as_float``, ``as_date`` and ``date_to_excel_serial`` take a plain number or date by a short
path (no arrays: a basket's cells are read one at a time, and in WebAssembly each array call
costs tens of microseconds). The definition is the range path: the value, or the error and its
message, must be the same for every cell, the checks of each kind included.
"""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from xlfidx._inputs import PLAUSIBLE, as_date, as_float
from xlfidx.dates import date_to_excel_serial
from xlfidx.errors import InputError

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**60), max_value=2**60),
    st.sampled_from([0.0, -0.0, 1e-300, 2.0**53, 2**53, -(2**53), 1000.0, -1000.0, 100.0, 50.0]),
)
checks = st.fixed_dictionaries({}, optional={
    "positive": st.booleans(),
    "nonnegative": st.booleans(),
    "allow_missing": st.booleans(),
    "what": st.sampled_from(sorted(PLAUSIBLE) + ["a number"]),
    "bounds": st.tuples(st.floats(-1e6, 0), st.floats(0, 1e6)),
})


def _outcome(call):
    try:
        return ("value", call())
    except InputError as exc:
        return ("error", type(exc).__name__, exc.reason)


EDGES = [0.0, -0.0, 5e-324, -5e-324, 1.0, -1.0, 2**53 - 1, 2**53, -(2**53), 2.0**53, 1e308,
         float("inf"), float("-inf"), float("nan"), 100.0, 100.0000001, -50.0, -50.0000001, 5000.0,
         1000.0, -1000.0, 1000.5, 7, -7, 0, True]
OPTIONS = [dict(zip(("positive", "nonnegative", "allow_missing", "what", "bounds"), combo,
                    strict=True))
           for combo in itertools.product((False, True), (False, True), (False, True),
                                          sorted(PLAUSIBLE) + ["a number"],
                                          (None, (-1.0, 1.0), (0.0, 1e9)))]


@pytest.mark.parametrize("value", EDGES, ids=repr)
def test_each_edge_alone_reads_as_in_a_range(value):
    for options in OPTIONS:
        _same(value, options)


@given(numbers, checks)
def test_a_number_alone_reads_as_in_a_range(value, options):
    _same(value, options)


def _same(value, options):
    alone = _outcome(lambda: float(as_float(value, "x", **options)))
    in_range = _outcome(lambda: float(as_float([value], "x", **options)[0]))
    if alone[0] == "value" and np.isnan(alone[1]):
        assert in_range[0] == "value" and np.isnan(in_range[1])
    else:
        assert alone == in_range
    if alone[0] == "value":
        assert as_float(value, "x", **options).shape == ()  # a scalar stays 0-d


@given(st.one_of(st.dates(dt.date(1900, 3, 1), dt.date(9999, 12, 31)),
                 st.datetimes(dt.datetime(1900, 3, 1), dt.datetime(9999, 12, 31, 23, 59))))
def test_a_date_alone_reads_as_in_a_range(value):
    alone = as_date(value, "maturity")
    assert alone.shape == () and alone.dtype == np.dtype("datetime64[D]")
    assert alone == as_date([value, value], "maturity")[0]
    day = value.date() if isinstance(value, dt.datetime) else value
    # Excel's 1900 system from 1900-03-01 on: the serial is the days since 1899-12-30
    assert date_to_excel_serial(day) == float((day - dt.date(1899, 12, 30)).days)
    assert date_to_excel_serial(day) == float(date_to_excel_serial(np.array([day], "datetime64[D]"))[0])


def test_known_serials():
    # Microsoft's DATE function: DATE(2024,8,2) is 45506, DATE(9999,12,31) is 2958465
    assert date_to_excel_serial(dt.date(2024, 8, 2)) == 45506.0
    assert date_to_excel_serial(dt.date(9999, 12, 31)) == 2958465.0
