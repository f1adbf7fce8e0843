"""Worksheet functions called the way xlwings calls them (ndim=2 ranges, None, serials, datetimes)."""

from __future__ import annotations

import datetime as dt
import inspect
import re
import subprocess
import sys
from decimal import Decimal

import numpy as np
import pytest
from published import TBA_ICS_COLUMNS, TBA_ICS_JUL24, USZ3_DLV, USZ3_DLV_COLUMNS, as_records

import xlfidx
from xlfidx.errors import InputError, MissingDataError
from xlfidx.excel import udfs as u
from xlfidx.excel._udf import as_column, error_text, uses_xlwings

S = 45252.0  # 2023-11-22 as an Excel serial, the USZ3 DLV settlement
D = dt.datetime(2023, 12, 29)  # delivery, as a datetime (what pywin32 passes for a date cell)
USZ3 = [  # coupon, maturity, price of three USZ3 deliverables (Bloomberg DLV, reference usz3_dlv)
    (4.5, dt.datetime(2039, 8, 15), 98.6641),
    (4.625, dt.datetime(2040, 2, 15), 99.8203),
    (3.5, dt.datetime(2039, 2, 15), 88.1406),
]
F, REPO = 115.96875, 5.413


def col(values):
    return [[v] for v in values]


def row(values):
    return [list(values)]


def serial(d: dt.datetime) -> float:
    return float((d - dt.datetime(1899, 12, 30)).days)


# ---------------------------------------------------------------------------------------------
# machinery


def test_every_function_and_argument_is_documented_for_the_wizard():
    for name, f in u.UDFS.items():
        params = list(inspect.signature(f).parameters)
        docs = f.__xlfidx__["args"]
        assert set(params) == set(docs), name
        assert all(len(docs[p]) > 10 for p in params), name
        assert f.__doc__ and len(f.__doc__) <= 255, name  # Excel's description limit
        assert all(f.__xlfidx__["arg_options"][p]["ndim"] == 2 for p in params), name


@pytest.mark.cpython_only("starts a Python process")
def test_udf_module_imports_nothing_heavy_cold():
    code = ("import sys, xlfidx.excel.udfs; "
            "print(sorted(m for m in ('numpy', 'pandas', 'scipy', 'xlwings', 'openpyxl') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.cpython_only("starts a Python process")
def test_decorators_delegate_to_xlwings_only_when_it_is_loaded():
    code = "import xlfidx.excel._udf as m; print(m.uses_xlwings())"
    cold = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert cold.stdout.strip() == "False"
    warm = subprocess.run([sys.executable, "-c", "import xlwings; " + code], capture_output=True,
                          text=True, check=True)
    assert warm.stdout.strip() == "True"
    # with xlwings loaded (as in Excel) the module still imports and computes the same numbers
    calc = ("import xlwings, xlfidx.excel.udfs as u; "
            "print(hasattr(u.TBADV01, '__xlfidx__'), round(u.TBADV01(97.3242, 4.0347), 3))")
    out = subprocess.run([sys.executable, "-c", calc], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "39.267"]
    assert isinstance(uses_xlwings(), bool)


def test_as_column_shapes():
    assert as_column(3.0, "x").layout.kind == "scalar"
    assert as_column([[3.0]], "x").layout.kind == "scalar"
    assert as_column([[1.0], [2.0]], "x").layout.kind == "column"
    assert as_column([[1.0, 2.0]], "x").layout.kind == "row"
    assert as_column([1.0, 2.0], "x").layout.kind == "column"  # xlwings' default 1-D list
    assert as_column(np.array([[1.0, 2.0], [3.0, 4.0]]), "x").layout.kind == "table"
    with pytest.raises(InputError, match="x = .* ragged"):
        as_column([[1.0], [2.0, 3.0]], "x")


def test_error_text_is_one_line_with_the_excel_code():
    assert error_text(InputError("price", -1.0, "is negative")) == "#VALUE! price = -1.0 is negative"
    assert error_text(MissingDataError("price", "#N/A N/A", "is missing")).startswith("#N/A price")
    assert error_text(ZeroDivisionError("x\ny")) == "#VALUE! ZeroDivisionError: x y"


# ---------------------------------------------------------------------------------------------
# Treasury basis


def test_convfactor_scalar_datetime_serial_and_ticker_forms():
    assert u.CONVFACTOR(4.25, dt.datetime(2031, 6, 30), "TYZ4") == 0.9069
    assert u.CONVFACTOR(4.25, serial(dt.datetime(2031, 6, 30)), "TYZ4 Comdty") == 0.9069
    assert u.CONVFACTOR([[4.25]], [[dt.datetime(2031, 6, 30)]], [["ZNZ4"]]) == 0.9069


def test_convfactor_column_row_and_bad_rows():
    ref = as_records(USZ3_DLV_COLUMNS, USZ3_DLV)  # Bloomberg's USZ3 DLV screen
    coupons = [float(r["coupon_pct"]) for r in ref]
    mats = [dt.datetime.fromisoformat(r["maturity"]) for r in ref]
    out = u.CONVFACTOR(col(coupons), col(mats), "USZ3")
    assert [r[0] for r in out] == [float(r["cf"]) for r in ref]
    out_row = u.CONVFACTOR(row(coupons), row(mats), "USZ3")
    assert out_row == [[float(r["cf"]) for r in ref]]
    bad = u.CONVFACTOR(col([4.5, "#N/A N/A", None, "abc", 4.5]),
                       col([mats[0], mats[0], mats[0], mats[0], dt.datetime(2030, 1, 1)]), "USZ3")
    assert bad[0] == [0.85]
    assert bad[1][0].startswith("#N/A coupon[1] = '#N/A N/A'")
    assert bad[2][0].startswith("#N/A coupon[2] = (blank)")
    assert bad[3][0].startswith("#VALUE! coupon[3] = 'abc'")
    assert bad[4][0].startswith("#VALUE! contract = 'USZ3'")  # 2030 is not deliverable


def test_convfactor_bad_scalar_is_one_error_text():
    assert u.CONVFACTOR(4.25, dt.datetime(2031, 6, 30), "XXZ4").startswith("#VALUE! contract")
    assert u.CONVFACTOR(4.25, dt.datetime(2031, 6, 30), None).startswith("#N/A contract")
    assert u.CONVFACTOR(4.25, "soon", "TYZ4") == "#VALUE! maturity = 'soon' is text; maturity must be a date"


def test_accrued_matches_the_tyz4_export():
    # TYZ4 export: int_acc at T+1 (2024-08-05) of T 4.25 06/30/31 is 0.4157608695652174
    assert u.ACCRUED(4.25, dt.datetime(2031, 6, 30), 45509.0) == pytest.approx(0.4157608695652174, abs=1e-12)


def test_netbasis_matches_bloomberg_dlv_in_points_and_32nds():
    ref = as_records(USZ3_DLV_COLUMNS, USZ3_DLV)  # Bloomberg's USZ3 DLV screen
    p = col([float(r["price"]) for r in ref])
    c = col([float(r["coupon_pct"]) for r in ref])
    m = col([dt.datetime.fromisoformat(r["maturity"]) for r in ref])
    cf = col([float(r["cf"]) for r in ref])
    pts = u.NETBASIS(p, c, m, 115.9688, cf, S, D, REPO)
    for got, r in zip(pts, ref, strict=True):
        assert got[0] == pytest.approx(float(r["net_basis"]), abs=1e-3)
    by_ticker = u.NETBASIS(p, c, m, 115.9688, "USZ3", S, D, REPO, "32nds")
    for got, want in zip(by_ticker, pts, strict=True):
        assert got[0] == pytest.approx(32 * want[0], abs=1e-9)
    repo = u.IMPLIEDREPO(p, c, m, 115.9688, "USZ3", S, D)
    for got, r in zip(repo, ref, strict=True):
        assert got[0] == pytest.approx(float(r["implied_repo_pct"]), abs=1e-3)
    gross = u.GROSSBASIS(p, 115.9688, cf)
    for got, r in zip(gross, ref, strict=True):
        assert got[0] == pytest.approx(float(r["gross_basis"]), abs=1e-3)


def test_netbasis_equals_the_core_and_keeps_orientation():
    c, m, p = zip(*USZ3, strict=True)
    want = xlfidx.net_basis(np.array(p), np.array(c), np.array(m, dtype="datetime64[D]"), F,
                            xlfidx.conversion_factor(np.array(c), np.array(m, dtype="datetime64[D]"), "USZ3"),
                            "2023-11-22", "2023-12-29", REPO)
    got_row = u.NETBASIS(row(p), row(c), row(m), F, "USZ3", S, D, REPO)
    assert len(got_row) == 1 and np.allclose(got_row[0], want, atol=1e-12)
    got_col = u.NETBASIS(col(p), col(c), col(m), F, "USZ3", S, D, REPO)
    assert np.allclose([r[0] for r in got_col], want, atol=1e-12)


def test_netbasis_bad_rows_only_and_bad_units():
    c, m, p = zip(*USZ3, strict=True)
    prices = [p[0], "#N/A N/A", -3.0]
    out = u.NETBASIS(col(prices), col(c), col(m), F, "USZ3", S, D, REPO)
    assert isinstance(out[0][0], float)
    assert out[1][0].startswith("#N/A price[1] = '#N/A N/A'")
    assert out[2][0].startswith("#VALUE! price[2] = -3.0")
    assert u.NETBASIS(p[0], c[0], m[0], F, 0.85, S, D, REPO, "ticks?").startswith("#VALUE! units = 'ticks?'")
    assert u.NETBASIS(p[0], c[0], m[0], F, 0.85, S, D, REPO, None) == pytest.approx(
        u.NETBASIS(p[0], c[0], m[0], F, 0.85, S, D, REPO))
    mismatch = u.NETBASIS(col(p), col(c[:2]), col(m), F, "USZ3", S, D, REPO)
    assert mismatch.startswith("#VALUE! coupon = '2 values' does not match price")


def test_fwdprice_carry_and_gross_minus_carry():
    args = (103.296875, 4.25, dt.datetime(2031, 6, 30), 45509.0, dt.datetime(2024, 12, 31), 5.375)
    core = ("2024-08-05", "2024-12-31", 5.375)
    fwd = xlfidx.forward_price(103.296875, 4.25, "2031-06-30", *core)
    carry = xlfidx.carry(103.296875, 4.25, "2031-06-30", *core)
    assert u.FWDPRICE(*args) == fwd
    assert u.CARRY(*args) == carry
    assert fwd == pytest.approx(103.296875 - carry, abs=1e-12)
    # negative carry: 4.25% coupon against 5.375% repo over 148 days
    assert carry == pytest.approx(4.25 / 2 * 148 / 184 - (103.296875 + 0.4157608695652174) * 0.05375 * 148 / 360, abs=1e-9)
    gross = u.GROSSBASIS(103.296875, 114.234375, 0.9069, "32nds")
    assert gross == pytest.approx(-9.6729, abs=1e-3)  # the TYZ4 CTD's basis on Bloomberg


def test_ctd_and_dlv_on_usz3():
    c, m, p = zip(*USZ3, strict=True)
    assert u.CTD(col(p), col(c), col(m), F, "USZ3", S) == 1.0
    assert u.CTD(col(p), col(c), col(m), F, "USZ3", S, D, col(["A", "B", "C"])) == "A"
    # a bad row is skipped, not fatal
    assert u.CTD(col(["#N/A N/A", p[1], p[2]]), col(c), col(m), F, "USZ3", S) == 2.0
    table = u.DLV(col(p), col(c), col(m), F, "USZ3 Comdty", S, REPO, None, col(["A", "B", "C"]))
    head = table[0]
    assert head[:4] == ["ticker", "coupon", "maturity", "price"] and "ctd" in head
    assert [r[0] for r in table[1:]] == ["A", "B", "C"]  # sorted by implied repo, CTD first
    core = xlfidx.deliverable_basket(
        {"coupon": list(c), "maturity": list(m), "price": list(p)}, F, "USZ3", "2023-11-22", REPO)
    i = head.index("net_basis")
    assert [r[i] for r in table[1:]] == pytest.approx(core["net_basis"].tolist(), abs=1e-12)
    assert table[1][head.index("maturity")] == serial(m[0])
    assert u.DLV(col(p), col(c), col(m[:2]), F, "USZ3", S, REPO).startswith("#VALUE! prices")


def test_futdv01():
    assert u.FUTDV01(67.64, 0.9506) == pytest.approx(71.16, abs=5e-3)
    assert u.FUTDV01(row([67.64, "x"]), 0.9506)[0][1].startswith("#VALUE! ctd_dv01[1] = 'x'")


# ---------------------------------------------------------------------------------------------
# hedging


def test_tbadv01_and_icsratio_reference():
    assert u.TBADV01(97.3242, 4.0347) == pytest.approx(39.267, abs=5e-4)
    ref = as_records(TBA_ICS_COLUMNS, TBA_ICS_JUL24)  # CME's Jul-24 ICS table
    menu = col(["4:5", "7:8", "9:10", "6:5", "5:4", "3:2", "9:5", "2:1"])
    out = u.ICSRATIO(col([float(r["tba_dv01"]) for r in ref]), 60.89, menu)
    assert out == [[float(r["tba_contracts"]), float(r["treasury_contracts"])] for r in ref]
    assert u.ICSRATIO(72.70, 60.89, menu) == [[4.0, 5.0]]
    bad = u.ICSRATIO(col([72.70, None]), 60.89, menu)
    assert bad[0] == [4.0, 5.0] and bad[1][0].startswith("#N/A tba_dv01")


def test_hedgeweights_orientation_missing_and_core_equality():
    durs = [1.9, 4.2, None, 6.4]
    want = xlfidx.hedge_weights(5.0, [1.9, 4.2, np.nan, 6.4], [0.5, -1.0, np.nan, 0.2], 1.0)
    out_row = u.HEDGEWEIGHTS(5.0, row(durs), row([0.5, -1.0, "#N/A N/A", 0.2]), 1.0)
    assert len(out_row) == 1 and out_row[0] == pytest.approx(list(want), abs=1e-15)
    out_col = u.HEDGEWEIGHTS([[5.0]], col(durs), col([0.5, -1.0, None, 0.2]), [[1.0]])
    assert [r[0] for r in out_col] == pytest.approx(list(want), abs=1e-15)
    assert out_col[3][0] == 0.0  # the unlisted contract
    assert u.HEDGEWEIGHTS(5.0, row([1.9, -4.2])).startswith("#VALUE! futures_durations")
    assert u.HEDGEWEIGHTS("x", row([1.9])).startswith("#VALUE! mbs_duration = 'x'")


# ---------------------------------------------------------------------------------------------
# Fed funds


CME_2022 = ([97.4475, 96.94], [dt.datetime(2022, 9, 30), dt.datetime(2022, 10, 31)], [dt.datetime(2022, 9, 21)])


def test_fedpath_spills_a_header_and_cme_example():
    p, e, m = CME_2022
    table = u.FEDPATH(col(p), col(e), col(m), 2.33)
    head = table[0]
    assert head[0] == "meeting" and len(table) == 2
    body = dict(zip(head, table[1], strict=True))
    assert body["meeting"] == serial(m[0])
    assert body["rate before %"] == pytest.approx(2.2987, abs=1e-4)
    assert body["rate after %"] == pytest.approx(3.06, abs=1e-4)
    same = u.FEDPATH(row(p), row([serial(x) for x in e]), m[0], [[2.33]], "cme")
    assert same == table
    assert u.FEDPATH(col(p), col(e), col(m), 2.33, "magic").startswith("#VALUE! method")
    assert u.FEDPATH(col(p), col(e[:1]), col(m), 2.33).startswith("#VALUE! expiries")


def test_fedprobs_cme_example():
    p, e, m = CME_2022
    table = u.FEDPROBS(col(p), col(e), col(m), 2.33)
    assert table[0] == ["meeting", "3.00-3.25", "3.25-3.50"]
    assert table[1][1:] == pytest.approx([95.5, 4.5], abs=0.01)


# ---------------------------------------------------------------------------------------------
# delivery: CTD scenarios, the delivery option, the calendar roll


def test_ctdscenarios_spills_the_core_table():
    c, m, p = zip(*USZ3, strict=True)
    table = u.CTDSCENARIOS(col(p), col(c), col(m), F, "USZ3", S, REPO, "-50:50:50", None,
                           col(["A", "B", "C"]))
    core = xlfidx.ctd_scenarios("USZ3", {"coupon": list(c), "maturity": list(m), "price": list(p),
                                         "ticker": ["A", "B", "C"]}, F, "2023-11-22", REPO,
                                [-50, 0, 50])
    head = table[0]
    assert head[:2] == ["shift_bp", "ticker"] and head[-1] == "ctd"
    assert len(table) == 1 + 9
    i = head.index("basis_at_delivery_32nds")
    assert [r[i] for r in table[1:]] == pytest.approx(core["basis_at_delivery_32nds"].tolist(), abs=1e-12)
    # a column of shifts gives the same rows as the text range
    again = u.CTDSCENARIOS(col(p), col(c), col(m), F, "USZ3", S, REPO, col([-50, 0, 50]))
    assert [r[i - 1] for r in again[1:]] == [r[i] for r in table[1:]]
    assert u.CTDSCENARIOS(col(p), col(c), col(m), F, "USZ3", S, REPO, col([0, "x"])).startswith(
        "#VALUE! shifts_bp[1] = 'x'")
    assert u.CTDSCENARIOS(col(p), col(c), col(m), F, "USZ3", S, REPO, "1:0:5").startswith(
        "#VALUE! shifts_bp = '1:0:5'")


def test_deliveryoption_summary_then_table():
    c, m, p = zip(*USZ3, strict=True)
    out = u.DELIVERYOPTION(col(p), col(c), col(m), F, "USZ3", S, REPO, 100)
    core = xlfidx.delivery_option("USZ3", {"coupon": list(c), "maturity": list(m), "price": list(p)},
                                  F, "2023-11-22", REPO, 100)
    block = {r[0]: r[1] for r in out if r[0] and isinstance(r[0], str) and r[0] != "coupon"
             and not isinstance(r[1], bool)}
    assert block["option_value_32nds"] == pytest.approx(core.value_32nds, abs=1e-12)
    assert block["theoretical_price"] == pytest.approx(core.theoretical_price, abs=1e-12)
    assert len({len(r) for r in out}) == 1  # a square spill
    head = next(r for r in out if r[0] == "coupon")
    body = out[out.index(head) + 1:]
    j = head.index("ctd_probability")
    assert [r[j] for r in body] == pytest.approx(core.table["ctd_probability"].tolist(), abs=1e-14)
    assert u.DELIVERYOPTION(col(p), col(c), col(m), F, "USZ3", S, REPO, "high").startswith("#VALUE! vol_bp")


def test_calendarroll_two_columns():
    c, m, p = zip(*USZ3, strict=True)
    out = u.CALENDARROLL(col(p), col(c), col(m), "USZ3", F, "USH4", 116.03125, S, REPO, REPO)
    got = dict(out)
    core = xlfidx.calendar_roll("USZ3", "USH4", {"coupon": list(c), "maturity": list(m),
                                                 "price": list(p)}, F, 116.03125, "2023-11-22",
                                REPO, REPO)
    assert got["implied_roll_repo"] == pytest.approx(core.implied_roll_repo, abs=1e-12)
    assert got["market_spread_32nds"] == pytest.approx(-2.0, abs=1e-12)
    fixed = dict(u.CALENDARROLL(col(p), col(c), col(m), "USZ3", F, "USH4", 116.03125, S, REPO,
                                REPO, core.breakeven_roll_repo))
    assert fixed["theoretical_spread_32nds"] == pytest.approx(-2.0, abs=1e-9)
    assert u.CALENDARROLL(col(p), col(c), col(m), "USH4", F, "USZ3", 116.0, S, REPO, REPO).startswith(
        "#VALUE! back")


# what the function wizard shows, and Currency cells


def _wizard_args(text: str) -> list:
    """The arguments of a ``=FN(...)`` example as Excel passes them: numbers, texts, DATE(),
    array constants {a,b;c,d} (rows split by ';')."""
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch in "({" :
            depth += 1
        elif ch in ")}":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    out.append(cur.strip())

    def value(tok: str):
        if tok.startswith('"'):
            return tok[1:-1]
        if tok.upper().startswith("DATE("):
            y, m, d = (int(x) for x in tok[5:-1].split(","))
            return dt.datetime(y, m, d)
        if tok.startswith("{"):
            return [[value(v.strip()) for v in row.split(",")] for row in tok[1:-1].split(";")]
        return float(tok)

    return [value(t) for t in out]


def test_every_wizard_example_gives_what_it_says():
    """Each function's description (what Excel's function wizard shows) carries an example
    ``=FN(args) gives X`` computed on figures from the sources: they are run, and must match."""
    checked = 0
    for name, f in u.UDFS.items():
        for args, said in re.findall(rf"={name}\((.*?)\) gives (.+?)(?: \(|\.\s|\.$)", f.__doc__):
            if "!" in args:
                continue  # a sheet range: the book tests check those
            got = f(*_wizard_args(args))
            cells = [v for row in got for v in row] if isinstance(got, list) else [got]
            want = [w.strip() for w in said.split(",")]
            for g, w in zip(cells, want, strict=True):
                decimals = len(w.split(".")[1]) if "." in w else 0
                assert round(g, decimals) == pytest.approx(float(w), abs=10 ** -decimals / 2), (name, g, w)
            checked += 1
    # every function whose example has no sheet range: the basis functions, FUTDV01, TBADV01,
    # ICSRATIO, HEDGEWEIGHTS
    assert checked == 11


def test_icsratio_wizard_example_is_cmes_20u_row():
    """CME's Jul-24 table: the 20U leg's DV01 72.70 against ZNU4's 60.89 trades 4:5."""
    docs = u.ICSRATIO.__xlfidx__["args"]
    assert "72.70" in docs["tba_dv01"] and "60.89" in docs["treasury_dv01"]
    assert u.ICSRATIO(72.70, 60.89, col(["4:5", "7:8", "9:10"])) == [[4.0, 5.0]]


def _decimals(value):
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, list):
        return [_decimals(v) for v in value]
    return value


def test_currency_cells_as_decimals_give_the_same_results():
    """A cell formatted as Currency reaches Python as a Decimal; every function takes it."""
    from test_udf_fuzz import CALLS

    for name, args in CALLS:
        f = u.UDFS[name]
        assert f(*[_decimals(a) for a in args]) == f(*args), name


def test_scenarios_and_option_take_the_export_tables():
    """=CTDSCENARIOS(bonds, future, shifts) and =DELIVERYOPTION(bonds, future, vol) on the
    export's two tables equal the core on the basket the export reads as (its defaults)."""
    import openpyxl

    from xlfidx.bloomberg.basket import read_basket
    from xlfidx.samples import sample_path

    path = sample_path("fut_bond_data_USZ3_2023-11-21.xlsx")
    wb = openpyxl.load_workbook(path)
    rows = {name: [list(r) for r in wb[name].iter_rows(values_only=True)] for name in ("bonds", "future")}
    basket = read_basket(path)
    b, f, s, r = basket.market()
    table = u.CTDSCENARIOS(rows["bonds"], rows["future"], "-50:50:50")
    core = xlfidx.ctd_scenarios("USZ3", b, f, s, r, [-50, 0, 50])
    i = table[0].index("basis_at_delivery_32nds")
    assert [row[i] for row in table[1:]] == pytest.approx(core["basis_at_delivery_32nds"].tolist(),
                                                          abs=1e-12)
    out = u.DELIVERYOPTION(rows["bonds"], rows["future"], 100)
    block = {row[0]: row[1] for row in out if isinstance(row[0], str) and row[0]}
    assert block["option_value_32nds"] == pytest.approx(
        xlfidx.delivery_option("USZ3", b, f, s, r, 100).value_32nds, abs=1e-12)
    # an override of the export's repo is an argument like DLV's
    lower = u.DELIVERYOPTION(rows["bonds"], rows["future"], 100, None, None, 5.0)
    low = {row[0]: row[1] for row in lower if isinstance(row[0], str) and row[0]}
    assert low["option_value_32nds"] == pytest.approx(
        xlfidx.delivery_option("USZ3", b, f, s, 5.0, 100).value_32nds, abs=1e-12)
