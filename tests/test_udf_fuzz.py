"""Fuzz every worksheet function with what Excel can pass: no internal error ever reaches a cell.

Every cell a function returns must be a finite number, a boolean, a blank, or (for a spilled
table) a header or label; any text starting with ``#`` must be one line of the form
``#VALUE! <argument> = <value> <reason>`` (``#N/A`` for missing market data, ``#NUM!`` for an
overflow) naming one of the function's arguments, and no text may name a Python exception or
numpy. The adversarial values are the edges of Excel's own types: serials 0, 1, 60 (Excel's
fictitious 1900-02-29), 61, 2958465 (9999-12-31, the last date Excel holds) and 2958466, the
extreme doubles, blanks, booleans, Bloomberg's ``#N/A N/A``, and error cells as xlwings passes
them from COM (the HRESULT integers, e.g. -2146826246 for ``#N/A``).
"""

from __future__ import annotations

import datetime as dt
import inspect
import math
import re
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlfidx.excel.udfs import COLUMN_FORMS, UDFS

# Excel error cells as COM passes them when a UDF does not ask for err_to_str (Microsoft's
# CVErr codes: 2042 #N/A, 2007 #DIV/0!, 2029 #NAME?, 2000 #NULL!, 2036 #NUM!, 2023 #REF!,
# 2015 #VALUE!, each as the HRESULT 0x800A0000 + code, a negative 32-bit integer).
COM_ERRORS = [-2146826246, -2146826281, -2146826259, -2146826288, -2146826252, -2146826265,
              -2146826273]

EDGES = [0, 1, 60, 61, 2958465, 2958466, -1, 1e-308, -1e-308, 5e-324, 1e308, -1e308,
         float("nan"), float("inf"), float("-inf"), 1e6, 1e-9, 100.0, 4.25, 45506.0,
         # a cell formatted as Currency reaches Python as a Decimal (4 decimals, as COM's CY)
         Decimal("4.25"), Decimal("45506"), Decimal("-1.0000"), Decimal("NaN"), Decimal("Infinity"),
         Decimal("922337203685477.5807")]
TEXTS = ["", " ", "abc", "#N/A N/A", "#N/A", "#VALUE!", "TYZ4", "TYZ04", "USZ3 Comdty", "4:5",
         "32nds", "points", "cme", "2031-06-30", "9999-12-31", "10000-01-01", "1e308"]

edge_scalars = st.one_of(
    st.sampled_from(EDGES),
    st.sampled_from(TEXTS),
    st.sampled_from(COM_ERRORS),
    st.none(),
    st.booleans(),
    st.sampled_from([dt.datetime(9999, 12, 31), dt.date(1900, 1, 1), dt.date(1900, 2, 28),
                     dt.datetime(1899, 12, 31), dt.date(2024, 8, 2)]),
)
scalars = st.one_of(
    edge_scalars,
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e3, max_value=1e3),
    st.integers(min_value=-10**12, max_value=10**12),
    st.text(max_size=12),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 12, 31)),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(9999, 12, 31)),
)

ranges = st.one_of(
    st.lists(st.lists(scalars, min_size=1, max_size=1), min_size=1, max_size=5),  # a column
    st.lists(scalars, min_size=1, max_size=5).map(lambda r: [r]),  # a row
    st.lists(st.lists(scalars, min_size=1, max_size=3), min_size=1, max_size=4),  # ragged 2-D
    st.lists(scalars, max_size=4),  # xlwings' 1-D default, or an empty list
    st.sampled_from([[], [[]], [[], []], [[1.0], [2.0, 3.0]], ((1.0,),), ((4.25,), (5.0,)),
                     [((1.0,),)], [[[1.0]]], [[None]], [[None], [None]]]),  # empty, nested, tuples
)

values = st.one_of(scalars, ranges)

# Arguments a trader would type, so that a single bad argument reaches the deepest checks.
PLAUSIBLE = {
    "CONVFACTOR": [4.25, 48029.0, "TYZ4"],
    "ACCRUED": [4.25, 48029.0, 45509.0],
    "FWDPRICE": [99.5, 4.25, 48029.0, 45509.0, 45600.0, 5.3],
    "GROSSBASIS": [99.5, 110.0, 0.9],
    "CARRY": [99.5, 4.25, 48029.0, 45509.0, 45600.0, 5.3],
    "NETBASIS": [99.5, 4.25, 48029.0, 110.0, "TYZ4", 45509.0, 45657.0, 5.3, "points"],
    "IMPLIEDREPO": [99.5, 4.25, 48029.0, 110.0, "TYZ4", 45509.0, 45657.0],
    "CTD": [[[99.5], [98.0]], [[4.25], [4.0]], [[48029.0], [48200.0]], 110.0, "TYZ4", 45509.0,
            None, [["A"], ["B"]]],
    "DLV": [[[99.5], [98.0]], [[4.25], [4.0]], [[48029.0], [48200.0]], 110.0, "TYZ4", 45509.0,
            5.3, None],
    "CTDSCENARIOS": [[[99.5], [98.0]], [[4.25], [4.0]], [[48029.0], [48200.0]], 110.0, "TYZ4",
                     45509.0, 5.3, [[-25.0], [0.0], [25.0]], None, None],
    "DELIVERYOPTION": [[[99.5], [98.0]], [[4.25], [4.0]], [[48029.0], [48200.0]], 110.0, "TYZ4",
                       45509.0, 5.3, 100.0, None, None],
    "CALENDARROLL": [[[99.5], [98.0]], [[4.25], [4.0]], [[48200.0], [48300.0]], "TYZ4", 110.0,
                     "TYH5", 109.5, 45509.0, 5.3, 5.3, None],
    "FUTDV01": [67.64, 0.9506],
    "TBADV01": [97.3242, 4.0347],
    "ICSRATIO": [60.89, 72.70, None, 10],
    "HEDGEWEIGHTS": [5.0, [[1.9, 4.2, 6.4]], [[0.1, -0.5, 0.3]], 1.0],
    "FEDPATH": [[[95.67], [95.7], [95.8]], [[45688.0], [45716.0], [45747.0]], [[45702.0]], 4.33,
                "cme"],
    "FEDPROBS": [[[95.67], [95.7], [95.8]], [[45688.0], [45716.0], [45747.0]], [[45702.0]], 4.33,
                 "cme"],
}
# the export's tables as a worksheet passes them (header row, dates as datetimes, a blank tail)
BONDS_TABLE = [["ticker", "px_last", "maturity", "cpn", "repo_reporate"],
               ["T 4.25 06/30/31 Govt", 103.296875, dt.datetime(2031, 6, 30), 4.25, 5.375],
               ["T 4.125 07/31/31 Govt", 102.546875, dt.datetime(2031, 7, 31), 4.125, 5.375],
               [None, None, None, None, None]]
FUTURE_TABLE = [["field", "TYZ4 Comdty"], ["last_update_dt", dt.datetime(2024, 8, 2)],
                ["px_last", 114.234375], [None, None]]
CHAIN_TABLE = [["ticker", "px_last", "last_tradeable_dt"],
               ["FFG5 Comdty", 95.675, dt.datetime(2025, 2, 28)],
               ["FFH5 Comdty", 95.69, dt.datetime(2025, 3, 31)],
               ["FFJ5 Comdty", 95.715, dt.datetime(2025, 4, 30)]]
SOFR_TABLE = [["ticker", "px_last", "open_int"],
              ["SERM5 Comdty", 95.73, 157700],
              ["SERN5 Comdty", 95.825, 122800],
              ["SFRM5 Comdty", 95.86, 934600]]
PLAUSIBLE["DLVINFO"] = [BONDS_TABLE, FUTURE_TABLE]
# the SOFR functions take the chain's table only
PLAUSIBLE["SOFRPATH"] = [SOFR_TABLE, [[dt.datetime(2025, 6, 18)], [dt.datetime(2025, 7, 30)]], 4.36,
                         dt.datetime(2025, 4, 30)]
PLAUSIBLE["SOFRPROBS"] = PLAUSIBLE["SOFRPATH"]
# the same functions called with the export's tables
PLAUSIBLE_TABLES = {
    "CTD": [BONDS_TABLE, FUTURE_TABLE],
    "DLV": [BONDS_TABLE, FUTURE_TABLE],
    "FEDPATH": [CHAIN_TABLE, [[dt.datetime(2025, 3, 19)]], 4.33],
    "FEDPROBS": [CHAIN_TABLE, [[dt.datetime(2025, 3, 19)]], 4.33],
}
CALLS = [(name, args) for name, args in PLAUSIBLE.items()] + list(PLAUSIBLE_TABLES.items())

# functions whose result is a table with headers and labels (text that is not an error)
TABLES = {"CTD", "DLV", "DLVINFO", "FEDPATH", "FEDPROBS", "CTDSCENARIOS", "DELIVERYOPTION",
          "CALENDARROLL", "SOFRPATH", "SOFRPROBS"}

INTERNAL = re.compile(r"IndexError|ZeroDivisionError|KeyError|TypeError|AttributeError|"
                      r"OverflowError|ValueError:|RuntimeError|Exception|Traceback|numpy|\bnp\.")
ERROR_TEXT = re.compile(r"^#(?:VALUE!|N/A|NUM!) ([A-Za-z_]\w*)(?:\[\d+\])? = ")


def _params(f) -> list[str]:
    """The function's arguments, and those of its column-by-column form (a call in that form
    names them as the trader wrote them)."""
    return list(inspect.signature(f).parameters) + list(COLUMN_FORMS.get(f.__name__, ()))


# fields of the export's 'future' table that a basket cannot do without: an error about one
# names the field (the table argument holds it)
FUTURE_FIELDS = {"last_update_dt", "px_last"}


def _names_an_argument(name: str, params: list[str]) -> bool:
    """The error's argument is one of the function's, or a part of one: ``contract`` of
    ``cf_or_contract``, ``coupon`` (one bond's) of ``coupons``, ``maturity`` of ``maturities``,
    a field of the ``future`` table."""
    if "future" in params and name in FUTURE_FIELDS:
        return True
    if name == "bonds" and {"prices", "coupons", "maturities"} <= set(params):
        return True  # the basket as a whole: the three columns together
    for p in params:
        singular = p[:-3] + "y" if p.endswith("ies") else p.rstrip("s")
        if name in (p, singular) or name in p.split("_or_"):
            return True
    return False


def _check(fname: str, result) -> None:
    params = _params(UDFS[fname])
    if isinstance(result, list):
        assert result and all(isinstance(row, list) and row for row in result)
        cells = [v for row in result for v in row]
    else:
        cells = [result]
    for v in cells:
        assert v is None or isinstance(v, bool | int | float | str), (fname, v)
        if isinstance(v, float):
            assert math.isfinite(v), (fname, v)
        if not isinstance(v, str):
            continue
        if v.startswith("#") or fname not in TABLES:
            assert v == "" or not v.strip() or v.startswith("#"), (fname, v)
        if v.startswith("#"):
            assert "\n" not in v and len(v) <= 250, (fname, v)
            assert not INTERNAL.search(v), (fname, v)
            m = ERROR_TEXT.match(v)
            assert m, (fname, v)
            assert _names_an_argument(m.group(1), params), (fname, v)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_arguments_give_cells_never_an_internal_error(data):
    for name, f in UDFS.items():
        sig = inspect.signature(f).parameters
        required = len([p for p in sig.values() if p.default is inspect.Parameter.empty])
        k = data.draw(st.integers(min_value=required, max_value=len(sig)), label=f"{name} arity")
        args = [data.draw(values, label=f"{name} arg {i}") for i in range(k)]
        _check(name, f(*args))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_one_adversarial_argument_among_plausible_ones(data):
    """Plausible arguments with one or two replaced by an edge value or an odd shape."""
    for name, plausible in CALLS:
        f = UDFS[name]
        args = list(plausible)
        for _ in range(data.draw(st.integers(1, 2), label=f"{name} how many")):
            i = data.draw(st.integers(0, len(args) - 1), label=f"{name} which")
            args[i] = data.draw(st.one_of(edge_scalars, ranges), label=f"{name} arg {i}")
        _check(name, f(*args))


def test_every_edge_value_in_every_argument_position():
    """Exhaustive over the fixed edges (deterministic, so a regression names its case)."""
    edge = EDGES + TEXTS + COM_ERRORS + [None, True, False, [], [[1.0], [2.0, 3.0]], ((1.0,),),
                                         dt.datetime(9999, 12, 31), dt.date(1900, 1, 1)]
    for name, plausible in CALLS:
        f = UDFS[name]
        for i in range(len(plausible)):
            for v in edge:
                args = list(plausible)
                args[i] = v
                _check(name, f(*args))


def test_plausible_arguments_give_numbers():
    """The base cases themselves compute (so the adversarial cases start from a working call)."""
    assert set(PLAUSIBLE) == set(UDFS)
    for name, plausible in CALLS:
        out = UDFS[name](*plausible)
        cells = [v for row in out for v in row] if isinstance(out, list) else [out]
        assert not any(isinstance(v, str) and v.startswith("#") for v in cells), (name, out)


def test_the_last_excel_date_is_a_date_everywhere():
    """Serial 2958465 (9999-12-31) is a valid maturity: Act/Act accrued from a coupon date is
    the analytic c/2 x (days since the coupon)/(days in the period)."""
    f = UDFS["ACCRUED"]
    # 9999-12-31 pays on month ends: 9999-06-30 and 9999-12-31; 10 days into a 184-day period
    got = f(4.0, 2958465, 2958465 - 184 + 10)
    assert math.isclose(got, 2.0 * 10 / 184, rel_tol=1e-12)
    assert f(4.0, 2958466, 45509).startswith("#VALUE! maturity = 2958466")


def test_tiny_and_huge_durations_name_the_argument():
    hw = UDFS["HEDGEWEIGHTS"]
    for v in (1e-308, 1e308, 5e-324):
        out = hw(v, [[1.9, 4.2, 6.4]])
        assert out.startswith(f"#VALUE! mbs_duration = {v!r} is out of range"), out
    out = UDFS["FUTDV01"](67.64, [[0.9506], [1e-308]])
    assert isinstance(out[0][0], float) and out[1][0].startswith("#NUM! cf = 1e-308 is too small")


@settings(max_examples=60, deadline=None)
@given(price=values, duration=values)
def test_tbadv01_bad_values_give_error_text_naming_the_argument(price, duration):
    out = UDFS["TBADV01"](price, duration)
    _check("TBADV01", out)
    cells = [v for row in out for v in row] if isinstance(out, list) else [out]
    for v in cells:
        if isinstance(v, str):
            assert v.startswith(("#VALUE! ", "#N/A ", "#NUM! ")), v
            assert "price" in v or "duration" in v
        else:
            assert isinstance(v, float) and v >= 0  # 0.0 when the product underflows
