"""A bad row of a basket is flagged where it is, and every other row is computed.

The export is the TYZ4 basket in its real layout (``tests/bloomberg_files.py``, from the
figures typed in ``tests/published.py``), damaged cell by cell: a negative price, a bond that
matures before delivery, a ticker twice, a date written as text. The cells each message must
name are worked out here from the export's layout (its header, ``TYZ4_BOND_FIELDS``, and its
rows, ``TYZ4_BONDS``, from sheet row 2), with openpyxl's own column letters. The figures the
good rows must show are those of the undamaged export (a bond's DLV row does not depend on the
other bonds), whose CTD is the one published with it (``TYZ4_CTD``, gross basis -9.67291/32).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import subprocess
import sys

import numpy as np
import openpyxl
import published as pub
import pytest
import test_xlwings_machinery as com
from bloomberg_files import NA, write_basket_export
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils import get_column_letter

from xlfidx.basket import DeliverableBasket
from xlfidx.bloomberg.basket import basket_from_rows, read_basket
from xlfidx.cli import main
from xlfidx.errors import InputError

xl = com.xl  # the fixture of xlwings' COM machinery, for the worksheet functions
MISSING, ComRange, call, sheet_rows = com.MISSING, com.ComRange, com.call, com.sheet_rows

FIELDS = list(pub.TYZ4_BOND_FIELDS)
TICKERS = [b[0] for b in pub.TYZ4_BONDS]
DELIVERY = "2024-12-31"  # TYZ4's last delivery day (fut_dlv_dt_last of the export)


def cell(ticker: str, field: str) -> str:
    """The sheet cell of a bond's field in the export's layout (header in row 1)."""
    return f"bonds!{get_column_letter(FIELDS.index(field) + 1)}{TICKERS.index(ticker) + 2}"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


# the four damages of the acceptance: a negative price, a bond maturing before delivery, a
# parseable text date, and a ticker twice (91282CEP's row given 91282CKW's ticker; last, since
# the edits find a row by its ticker)
NEGATIVE, MATURED, TEXT_DATE, TWICE = "91282CFF Govt", "91282CDJ Govt", "91282CDY Govt", "91282CEP Govt"
DAMAGE = {
    (NEGATIVE, "px_last"): -93.0,
    (MATURED, "maturity"): dt.datetime(2024, 11, 15),
    (TEXT_DATE, "maturity"): "2032/02/15",   # text, not a date cell; reads as 2032-02-15
    (TWICE, "ticker"): "91282CKW Govt",
}
FLAGGED = {NEGATIVE, MATURED}
DUPLICATES = {TWICE: f"91282CKW Govt (row {TICKERS.index(TWICE) + 2})",
              "91282CKW Govt": f"91282CKW Govt (row {TICKERS.index('91282CKW Govt') + 2})"}


@pytest.fixture(scope="module")
def damaged(tmp_path_factory):
    return write_basket_export(tmp_path_factory.mktemp("bad") / "damaged.xlsx", DAMAGE)


@pytest.fixture(scope="module")
def clean(tyz4_written):
    """The undamaged export's DLV, by ticker: the figures every good row must show."""
    return read_basket(tyz4_written).dlv().table.set_index("ticker")


def test_the_cells_worked_out_from_the_layout():
    # a check of the helper against the export as Bloomberg lays it out: ticker in A, px_last
    # in C, maturity in D; 91282CFF is the fifth bond, in sheet row 6
    assert cell(NEGATIVE, "px_last") == "bonds!C6"
    assert cell(MATURED, "maturity") == "bonds!D3"
    assert cell(TEXT_DATE, "maturity") == "bonds!D4"
    assert (cell(TWICE, "ticker"), cell("91282CKW Govt", "ticker")) == ("bonds!A5", "bonds!A8")


def _check_dlv(table, notes, clean):
    """The acceptance on a DLV table and its notes, whatever produced them."""
    by = {t: r for t, r in zip(table["ticker"], table.to_dict("records"), strict=True)}
    assert len(table) == 8  # every row stays in the table
    computed = {t for t, r in by.items() if r["problem"] == ""}
    want = {DUPLICATES.get(t, t) for t in TICKERS} - FLAGGED
    assert computed == want  # each bond but the two bad ones, the duplicates named apart
    # the bad ones, last, each with its cell, its value and why
    assert by[NEGATIVE]["problem"] == (f"{cell(NEGATIVE, 'px_last')}: px_last = -93.0 is "
                                       "negative; px_last must be positive")
    assert by[MATURED]["problem"] == (f"{cell(MATURED, 'maturity')}: maturity = 2024-11-15 is not "
                                      f"after delivery {DELIVERY}; the bond matures first")
    # the good rows show what the undamaged export shows for the same bonds
    for t in TICKERS:
        name = DUPLICATES.get(t, t)
        if t in FLAGGED:
            continue
        # the row of TWICE keeps its own price, coupon and maturity under another name
        for col in ("implied_repo", "net_basis_32nds", "gross_basis_32nds", "yield", "dv01"):
            assert by[name][col] == pytest.approx(clean.loc[t, col], rel=1e-12, abs=1e-12)
    # the CTD is the one published with the export, as before the damage
    ctd = table[table["ctd"]].iloc[0]
    assert ctd["ticker"] == DUPLICATES[pub.TYZ4_CTD[0]]
    assert ctd["gross_basis_32nds"] == pytest.approx(pub.TYZ4_CTD[1], abs=5e-5)
    if notes is None:  # a worksheet's table: the problems and the names say it all
        return
    # the notes name each bad one, the text date and the pair by their cells
    text = "\n".join(notes)
    assert f"{cell(NEGATIVE, 'px_last')} ({NEGATIVE}): px_last = -93.0 is negative" in text
    assert f"{cell(MATURED, 'maturity')} ({MATURED}): maturity = 2024-11-15 is not after" in text
    assert (f"{cell(TEXT_DATE, 'maturity')} ({TEXT_DATE}): maturity = '2032/02/15' is text "
            "(read as 2032-02-15)") in text
    pair = f"{cell(TWICE, 'ticker')}, {cell('91282CKW Govt', 'ticker')}: ticker '91282CKW Govt'"
    assert pair in text and DUPLICATES[TWICE] in text


def test_objects_compute_every_other_bond_and_name_each_bad_one(damaged, clean):
    dlv = read_basket(damaged).dlv()
    _check_dlv(dlv.table, dlv.notes, clean)
    assert np.isnan(dlv.table.set_index("ticker").loc[NEGATIVE, "implied_repo"])
    # the scenarios, the option and the market arguments see the same rows, named apart
    basket = read_basket(damaged)
    bonds = basket.market()[0]
    assert sorted(bonds["ticker"]) == sorted({DUPLICATES.get(t, t) for t in TICKERS} - FLAGGED)
    scen = basket.future.ctd_scenarios(basket, shifts_bp=[-50, 0, 50])
    assert set(scen["ticker"]) == set(bonds["ticker"])
    opt = basket.future.delivery_option(basket, vol_bp=80)
    assert opt.ctd == DUPLICATES[pub.TYZ4_CTD[0]] and len(opt.table) == 6


def test_cli_prints_every_other_bond_and_a_note_per_bad_cell(damaged, clean):
    code, out, err = run("dlv", str(damaged))
    assert (code, err) == (0, "")
    rows = [line for line in out.splitlines()[2:]  # the table: not its notes, nor the last
            if line.strip() and not line.startswith(("note:", "Bloomberg vs xlfidx:"))]  # line
    names = sorted({DUPLICATES.get(t, t) for t in TICKERS} - FLAGGED)
    assert sorted(next(n for n in names if line.lstrip().startswith(n)) for line in rows) == names
    for line in rows:  # each computed bond's implied repo, as the undamaged export gives it
        name = next(n for n in names if line.lstrip().startswith(n))
        original = TWICE if name == DUPLICATES[TWICE] else name.split(" (row")[0]
        assert f"{clean.loc[original, 'implied_repo']:.4f}" in line
    notes = [line[len("note: "):] for line in out.splitlines() if line.startswith("note:")]
    for c in (cell(NEGATIVE, "px_last"), cell(MATURED, "maturity"), cell(TEXT_DATE, "maturity"),
              cell(TWICE, "ticker")):
        assert any(n.startswith(c) for n in notes), c


def test_cli_scenarios_option_and_roll_with_a_ticker_twice(damaged):
    # before: "Index contains duplicate entries, cannot reshape" (exit 3)
    code, out, err = run("dlv", str(damaged), "--scenarios", "-50:50:25", "--vol", "80")
    assert (code, err) == (0, "")
    block = out.split("CTD scenarios:")[1].split("Delivery option")[0]
    assert all(name in block for name in DUPLICATES.values())
    assert f"CTD {DUPLICATES['91282CKW Govt']}:" in out
    # the roll: the matured bond was dropped with exit 0 and no word; now a note names it
    code, out, err = run("roll", str(damaged), "--back", "TYH5", "--back-price", "113-28")
    assert (code, err) == (0, "")
    assert f"note: {cell(MATURED, 'maturity')} ({MATURED}): maturity = 2024-11-15" in out
    assert f"note: {cell(NEGATIVE, 'px_last')} ({NEGATIVE}): px_last = -93.0" in out


@pytest.mark.cpython_only("starts the installed command")
def test_the_installed_command_exits_0_and_says_nothing_on_stderr(damaged):
    proc = subprocess.run([sys.executable, "-m", "xlfidx", "dlv", str(damaged)],
                          capture_output=True, text=True, timeout=120)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert "Traceback" not in proc.stdout


@pytest.mark.parametrize(("field", "value", "why"), [
    ("px_last", 0, "px_last = 0.0 is zero; px_last must be positive"),
    ("px_last", -93, "px_last = -93.0 is negative; px_last must be positive"),
    ("cpn", -2.75, "cpn = -2.75 is negative; cpn must not be negative"),
    ("maturity", dt.datetime(2024, 11, 15),
     f"maturity = 2024-11-15 is not after delivery {DELIVERY}; the bond matures first"),
    # a serial number as text reads as a date (45506 = 2024-08-02), one before delivery
    ("maturity", "45506", f"maturity = 2024-08-02 is not after delivery {DELIVERY}"),
    # outside TY's window: 6y6m to 8y remaining from the first day of the delivery month
    ("maturity", dt.datetime(2040, 8, 15), "maturity = 2040-08-15 is not deliverable into TYZ24 "
     "(15y8m remaining from 2024-12-01; TY takes 6y6m to 8y remaining)"),
    ("conversion", -0.806, "conversion = -0.806 is negative; conversion must be positive"),
])
def test_each_kind_of_bad_row(tmp_path, clean, field, value, why):
    """Each of these stopped the whole DLV with exit 2 and a row number that counted only the
    readable bonds (price[4] for sheet row 6); now the row is flagged by its cell."""
    path = write_basket_export(tmp_path / "one.xlsx", {(NEGATIVE, field): value})
    dlv = read_basket(path).dlv()
    by = dlv.table.set_index("ticker")
    assert by.loc[NEGATIVE, "problem"].startswith(f"{cell(NEGATIVE, field)}: {why}")
    good = by[by["problem"] == ""]
    assert len(good) == 7
    np.testing.assert_allclose(good["implied_repo"], clean.loc[good.index, "implied_repo"],
                               rtol=1e-12, atol=1e-12)
    code, out, err = run("dlv", str(path))
    assert (code, err) == (0, "") and f"note: {cell(NEGATIVE, field)} ({NEGATIVE})" in out


def test_every_row_bad_is_one_line_naming_the_cells(tmp_path):
    edits = {(t, "px_last"): -1.0 for t in TICKERS}
    path = write_basket_export(tmp_path / "all.xlsx", edits)
    code, out, err = run("dlv", str(path))
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert f"{cell(TICKERS[0], 'px_last')} ({TICKERS[0]}): px_last = -1.0 is negative" in err
    assert "and 7 more" in err


def test_a_table_lower_on_its_sheet_and_a_sheet_named_otherwise(tmp_path):
    """The cell is the sheet's own: a table whose header is in row 3 from column B, on a sheet
    named 'Bonds', puts 91282CFF's price (5th bond, px_last the 3rd field) in Bonds!D8."""
    src = write_basket_export(tmp_path / "src.xlsx", {(NEGATIVE, "px_last"): -93.0})
    wb = openpyxl.load_workbook(src)
    rows = [list(r) for r in wb["bonds"].iter_rows(values_only=True)]
    del wb["bonds"]
    ws = wb.create_sheet("Bonds")
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            ws.cell(3 + i, 2 + j, v)
    wb.save(tmp_path / "moved.xlsx")
    dlv = read_basket(tmp_path / "moved.xlsx").dlv()
    by = dlv.table.set_index("ticker")
    assert by.loc[NEGATIVE, "problem"].startswith("Bonds!D8: px_last = -93.0 is negative")
    assert any(n.startswith("Bonds!N9 (91282CFV Govt): basis_mid") for n in dlv.notes)


def test_a_table_of_bonds_names_the_row():
    """A DataFrame has no sheet: its rows are named by number, the first under the header 1."""
    import pandas as pd

    bonds = pd.DataFrame({"ticker": ["A", "B", "C"], "coupon": [4.5, 3.5, 4.625],
                          "maturity": ["2039-08-15", "2039-02-15", "2040-02-15"],
                          "price": [98.6641, -88.1406, 99.8203]})
    dlv = DeliverableBasket("USZ3", bonds, 115.96875, dt.date(2023, 11, 22), 5.413).dlv()
    assert dlv.table.set_index("ticker").loc["B", "problem"] == \
        "row 2: price = -88.1406 is negative; price must be positive"
    assert list(dlv.table["ticker"][:2]) == ["A", "C"]


# ---------------------------------------------------------------------------------------------
# the property: the good rows' figures are those of the DLV of the good rows alone

_HEADER = FIELDS
_BAD = {  # field, value: each makes a row bad on its own
    "negative price": ("px_last", -50.0),
    "zero price": ("px_last", 0.0),
    "missing price": ("px_last", NA),
    "negative coupon": ("cpn", -1.0),
    "text coupon": ("cpn", "four"),
    "matured": ("maturity", dt.datetime(2024, 10, 31)),
    "outside the window": ("maturity", dt.datetime(2041, 5, 15)),
    "text date before delivery": ("maturity", "2024-09-30"),
    "blank maturity": ("maturity", None),
}
_FUTURE = [["field", pub.TYZ4_CONTRACT]] + [
    [f, dt.datetime.fromisoformat(v) if f in pub.TYZ4_DATE_FIELDS else v] for f, v in pub.TYZ4_FUTURE]


def _row(bond) -> list:
    return [dt.datetime.fromisoformat(v) if f in pub.TYZ4_DATE_FIELDS and v else v
            for f, v in zip(_HEADER, bond, strict=True)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.integers(0, len(TICKERS) - 1), st.sampled_from(sorted(_BAD)),
                       max_size=len(TICKERS)))
def test_property_good_rows_equal_the_dlv_of_the_good_rows_alone(bad):
    rows = [_row(b) for b in pub.TYZ4_BONDS]
    for i, kind in bad.items():
        field, value = _BAD[kind]
        rows[i][_HEADER.index(field)] = value
    if len(bad) == len(TICKERS):
        with pytest.raises(InputError, match="has no bond that can be computed: bonds!"):
            basket_from_rows([_HEADER, *rows], _FUTURE).dlv()
        return
    dlv = basket_from_rows([_HEADER, *rows], _FUTURE).dlv().table
    alone = basket_from_rows([_HEADER, *(r for i, r in enumerate(rows) if i not in bad)],
                             _FUTURE).dlv().table
    # every row stays; the bad ones last, each naming the sheet cell of what is wrong
    assert len(dlv) == len(TICKERS)
    flagged = dlv[dlv["problem"] != ""]
    assert sorted(flagged["ticker"]) == sorted(TICKERS[i] for i in bad)
    for i, kind in bad.items():
        field = _BAD[kind][0]
        problem = flagged.set_index("ticker").loc[TICKERS[i], "problem"]
        assert problem.startswith(f"bonds!{get_column_letter(FIELDS.index(field) + 1)}{i + 2}: "
                                  f"{field} = ")
    good = dlv[dlv["problem"] == ""].drop(columns="problem").reset_index(drop=True)
    alone = alone.drop(columns="problem")
    assert list(good["ticker"]) == list(alone["ticker"])  # the same order, the same CTD
    for col in alone.columns:
        if alone[col].dtype.kind == "f":
            np.testing.assert_allclose(good[col], alone[col], rtol=1e-12, atol=1e-12, err_msg=col)
        else:
            assert list(good[col]) == list(alone[col]), col


# ---------------------------------------------------------------------------------------------
# the worksheet functions, called as Excel's COM layer calls them (test_xlwings_machinery)


def test_worksheet_dlv_as_excel_delivers_the_sheets(xl, damaged, clean):
    """=DLV(bonds!A1:P9, future!A1:B10) on the damaged export: the sheets as COM hands them over
    (tuples of row tuples, dates as pywintypes datetimes, the text date as text)."""
    import pandas as pd

    bonds, future = sheet_rows(damaged, "bonds"), sheet_rows(damaged, "future")
    got = call(xl, "DLV", ComRange(bonds), ComRange(future), *[MISSING] * 7)
    table = pd.DataFrame(got[1:], columns=got[0])
    _check_dlv(table, None, clean)
    assert (table.loc[table["problem"] != "", "implied_repo"] == "").all()  # no number, no nan
    # the same table as the objects give (dates as serials)
    com._same_table(got, read_basket(damaged).dlv().table)
    # the scenarios and the option of the same sheets: both rows of the ticker, named apart
    scen = call(xl, "CTDSCENARIOS", ComRange(bonds), ComRange(future), "-50:50:50", *[MISSING] * 7)
    names = {r[scen[0].index("ticker")] for r in scen[1:] if not str(r[0]).startswith("note:")}
    assert names == {DUPLICATES.get(t, t) for t in TICKERS} - FLAGGED
    # under the table, a note per row left out and one for the pair, each naming its cells
    notes = [r[0] for r in scen if str(r[0]).startswith("note:")]
    assert [n.split(" ")[1] for n in notes] == [cell(MATURED, "maturity"), cell(NEGATIVE, "px_last"),
                                               cell(TWICE, "ticker") + ","]
    opt = call(xl, "DELIVERYOPTION", ComRange(bonds), ComRange(future), 80.0, *[MISSING] * 7)
    assert [DUPLICATES["91282CKW Govt"]] == [r[1] for r in opt if r[0] == "ctd"]
    assert sum(str(r[0]).startswith("note: bonds!") for r in opt) == 3
    # a bond the CTD function skips: the CTD is the published one, named apart
    [[ctd]] = call(xl, "CTD", ComRange(bonds), ComRange(future), *[MISSING] * 6)
    assert ctd == DUPLICATES[pub.TYZ4_CTD[0]]


def test_worksheet_dlv_column_form_names_the_row_of_the_ranges(xl):
    """The column form has no header row: a bad row is named by its row in the ranges."""
    prices = ComRange([[98.6641], [-88.1406], [99.8203]])
    coupons = ComRange([[4.5], [3.5], [4.625]])
    mats = ComRange([[dt.date(2039, 8, 15)], [dt.date(2039, 2, 15)], [dt.date(2040, 2, 15)]])
    got = call(xl, "DLV", prices, coupons, mats, 115.96875, "USZ3", com.com_time(dt.date(2023, 11, 22)),
               5.413, MISSING, MISSING)
    problems = [r[got[0].index("problem")] for r in got[1:]]
    assert problems == ["", "", "row 2: price = -88.1406 is negative; price must be positive"]
