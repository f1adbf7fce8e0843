"""Fuzz every worksheet function with what Excel can pass: it never raises, it returns a cell value."""

from __future__ import annotations

import datetime as dt
import inspect

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlfidx.excel.udfs import UDFS

scalars = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e3, max_value=1e3),
    st.sampled_from([1e308, -1e308, 45506.0, 48029.0, 0.0, 4.25, 99.5, 115.96875]),
    st.integers(min_value=-10**12, max_value=10**12),
    st.text(max_size=12),
    st.sampled_from(["#N/A N/A", "#N/A", "TYZ4", "USZ3 Comdty", "32nds", "points", "cme", "4:5",
                     "2031-06-30", "", " ", "#VALUE!"]),
    st.none(),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 12, 31)),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)),
)

ranges = st.one_of(
    st.lists(st.lists(scalars, min_size=1, max_size=1), min_size=1, max_size=5),  # a column
    st.lists(scalars, min_size=1, max_size=5).map(lambda r: [r]),  # a row
    st.lists(st.lists(scalars, min_size=1, max_size=3), min_size=1, max_size=4),  # ragged 2-D
    st.lists(scalars, max_size=4),  # xlwings' 1-D default, or an empty list
)

values = st.one_of(scalars, ranges)


def _is_cell(v) -> bool:
    return v is None or isinstance(v, bool | int | float | str)


def _check(result) -> None:
    if isinstance(result, list):
        assert result and all(isinstance(row, list) and row for row in result)
        assert all(_is_cell(v) for row in result for v in row)
    else:
        assert _is_cell(result)
    if isinstance(result, str) and result.startswith("#"):
        assert "\n" not in result and "Traceback" not in result


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_no_function_ever_raises(data):
    for name, f in UDFS.items():
        n = len(inspect.signature(f).parameters)
        k = data.draw(st.integers(min_value=len([p for p in inspect.signature(f).parameters.values()
                                                 if p.default is inspect.Parameter.empty]), max_value=n),
                      label=f"{name} arity")
        args = [data.draw(values, label=f"{name} arg {i}") for i in range(k)]
        _check(f(*args))


@settings(max_examples=60, deadline=None)
@given(price=values, duration=values)
def test_tbadv01_bad_values_give_error_text_naming_the_argument(price, duration):
    out = UDFS["TBADV01"](price, duration)
    _check(out)
    cells = [v for row in out for v in row] if isinstance(out, list) else [out]
    for v in cells:
        if isinstance(v, str):
            assert v.startswith(("#VALUE! ", "#N/A ", "#NUM! ")), v
            assert "price" in v or "duration" in v or v.startswith("#NUM! ")
        else:
            assert isinstance(v, float) and v >= 0  # 0.0 when the product underflows
