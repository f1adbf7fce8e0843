"""The Bloomberg basket-export reader and the `xlfidx dlv` command."""

from __future__ import annotations

import openpyxl
import pytest
from bloomberg_files import NA, write_basket_export

import xlfidx
from xlfidx.cli import main
from xlfidx.errors import InputError
from xlfidx.samples import sample_path
from xlfidx.samples.basket import FILENAME


def test_reads_the_tyz4_export(tyz4_xlsx):
    future, bonds = xlfidx.read_basket_export(tyz4_xlsx)
    assert future.name == "TYZ4 Comdty"
    assert future["px_last"] == 114.234375
    assert len(bonds) == 8 and (bonds["problem"] == "").all()
    # the blank basis_mid of 91282CFV is reported by ticker and field, and the row still counts
    [problem] = bonds.attrs["problems"]
    assert (problem.ticker, problem.field, problem.excluded) == ("91282CFV Govt", "basis_mid", False)
    # ... by its cell: basis_mid is column M of the export, 91282CFV the 6th bond (sheet row 7)
    assert str(problem) == "bonds!M7 (91282CFV Govt): basis_mid = (blank) is missing (read as missing)"


@pytest.fixture
def damaged(tmp_path):
    """The shipped sample with a #N/A price, a text coupon and a blank maturity."""
    wb = openpyxl.load_workbook(sample_path(FILENAME))
    ws = wb["bonds"]
    header = [c.value for c in ws[1]]
    col = {name: header.index(name) + 1 for name in header}
    ws.cell(row=3, column=col["px_last"]).value = "#N/A N/A"
    ws.cell(row=4, column=col["cpn"]).value = "four"
    ws.cell(row=5, column=col["maturity"]).value = None
    path = tmp_path / "damaged.xlsx"
    wb.save(path)
    letters = {name: openpyxl.utils.get_column_letter(j) for name, j in col.items()}
    return path, [ws.cell(row=r, column=col["ticker"]).value for r in (3, 4, 5)], letters


def test_bad_rows_reported_and_others_computed(damaged, capsys):
    path, tickers, col = damaged
    _, bonds = xlfidx.read_basket_export(path)
    bad = bonds[bonds["problem"] != ""]
    assert bad["ticker"].tolist() == tickers
    # each problem names the sheet's cell the fixture damaged (rows 3, 4, 5)
    cells = [f"bonds!{col[f]}{r}" for f, r in (("px_last", 3), ("cpn", 4), ("maturity", 5))]
    assert bad["problem"].tolist() == [f"{cells[0]}: px_last = '#N/A N/A' is missing",
                                       f"{cells[1]}: cpn = 'four' is text",
                                       f"{cells[2]}: maturity = (blank) is missing"]
    assert main(["dlv", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.count(" Govt ") == 13  # 16 bonds less the 3 bad ones
    for cell, t in zip(cells, tickers, strict=True):
        assert f"note: {cell} ({t}):" in out


def test_missing_sheet_is_a_clear_error(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "bonds"
    path = tmp_path / "nofuture.xlsx"
    wb.save(path)
    with pytest.raises(InputError, match=r"has no 'future' sheet"):
        xlfidx.read_basket_export(path)


def test_cli_dlv_on_the_sample(capsys):
    assert main(["dlv"]) == 0
    out = capsys.readouterr().out
    assert "USZ23" in out and "settle 2023-11-22" in out and "delivery 2023-12-29" in out
    first_row = out.splitlines()[2]
    assert "T 4.5 08/15/39 Govt" in first_row and first_row.rstrip().endswith("CTD")


def test_cli_dlv_options_and_errors(tyz4_xlsx, capsys):
    path = str(tyz4_xlsx)
    assert main(["dlv", path, "--repo", "5.0", "--settle", "2024-08-06",
                 "--delivery", "2024-12-02"]) == 0
    out = capsys.readouterr().out
    assert "settle 2024-08-06  delivery 2024-12-02  repo 5.000%" in out
    assert main(["dlv", path, "--settle", "soon"]) == 2
    assert "--settle = 'soon' is text" in capsys.readouterr().err
    assert main(["dlv", "no/such/file.xlsx"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_tyz4_layout_with_bloomberg_gaps(tmp_path, capsys):
    # the real TYZ4 layout (header in row 1, dates as datetimes, extra columns, the blank
    # basis_mid) with the gaps Bloomberg writes: #N/A N/A and empty cells, in fields xlfidx
    # needs (the row is left out) and in fields it can do without (read as missing)
    path = write_basket_export(tmp_path / "gaps.xlsx", {
        ("91282CKW Govt", "px_last"): NA,
        ("91282CCS Govt", "cpn"): None,
        ("91282CDJ Govt", "maturity"): NA,
        ("91282CEP Govt", "conversion"): NA,
        ("91282CLD Govt", "int_acc"): NA,
    }, future_edits={"fut_ctd_net_basis": NA})
    future, bonds = xlfidx.read_basket_export(path)
    assert future["px_last"] == 114.234375
    notes = [str(p) for p in bonds.attrs["problems"]]
    # the cells of the export's layout (tests/published.py: TYZ4_FUTURE, TYZ4_BOND_FIELDS, in
    # that order from row 2): fut_ctd_net_basis is the future sheet's 9th field (row 10); on
    # the bonds sheet cpn is G, maturity D, conversion P, basis_mid M, px_last C, int_acc J
    assert notes == [
        "future!B10 (TYZ4 Comdty): fut_ctd_net_basis = '#N/A N/A' is missing (read as missing)",
        "bonds!G2 (91282CCS Govt): cpn = (blank) is missing (row not computed)",
        "bonds!D3 (91282CDJ Govt): maturity = '#N/A N/A' is missing (row not computed)",
        "bonds!P5 (91282CEP Govt): conversion = '#N/A N/A' is missing (read as missing)",
        "bonds!M7 (91282CFV Govt): basis_mid = (blank) is missing (read as missing)",
        "bonds!C8 (91282CKW Govt): px_last = '#N/A N/A' is missing (row not computed)",
        "bonds!J9 (91282CLD Govt): int_acc = '#N/A N/A' is missing (read as missing)",
    ]
    assert main(["dlv", str(path)]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line.split() for line in out.splitlines() if " Govt " in line
            and not line.startswith(("note:", "Bloomberg vs xlfidx:"))}
    assert sorted(rows) == ["91282CDY", "91282CEP", "91282CFF", "91282CFV", "91282CLD"]
    # a missing conversion is CME's factor all the same (the export's 0.8184)
    assert rows["91282CEP"][6] == "0.8184"
    # gross basis in 32nds = 32 (P - CF F), from the export's price, CF and futures price
    assert float(rows["91282CLD"][7]) == pytest.approx(32 * (102.546875 - 0.9003 * 114.234375), abs=5e-5)
    for note in notes:
        assert f"note: {note}" in out


# ---------------------------------------------------------------------------------------------
# the tables by header, as a worksheet range holds them (one reader for the file and the cell)


def _rows(path, sheet):
    wb = openpyxl.load_workbook(path, data_only=True)
    return [list(r) for r in wb[sheet].iter_rows(values_only=True)]


def test_rows_by_header_equal_the_file_reader(tyz4_xlsx):
    from xlfidx.bloomberg.basket import basket_rows_to_export

    future, bonds = basket_rows_to_export(_rows(tyz4_xlsx, "future"), _rows(tyz4_xlsx, "bonds"))
    f2, b2 = xlfidx.read_basket_export(tyz4_xlsx)
    assert future.equals(f2) and bonds.equals(b2)
    assert [str(p) for p in bonds.attrs["problems"]] == [str(p) for p in b2.attrs["problems"]]


def test_any_column_order_our_names_and_trailing_blank_rows(tyz4_written):
    """Columns shuffled, Bloomberg's names swapped for ours (cpn -> coupon, px_last -> price,
    conversion -> cf), six blank rows under the table, blank columns beside it: the same basket."""
    from xlfidx.bloomberg.basket import basket_from_export, basket_rows_to_export

    rows = _rows(tyz4_written, "bonds")
    ours = {"cpn": "coupon", "px_last": "price", "conversion": "cf"}
    head = [ours.get(h, h) for h in rows[0]]
    order = list(reversed(range(len(head))))
    shuffled = [[None] + [r[j] for j in order] for r in [head, *rows[1:]]]
    shuffled += [[None] * len(shuffled[0]) for _ in range(6)]
    future = _rows(tyz4_written, "future")
    a = basket_from_export(*basket_rows_to_export(future, rows)).dlv().table
    b = basket_from_export(*basket_rows_to_export(future, shuffled)).dlv().table
    assert a.equals(b) and len(b) == 8


def test_header_errors_name_the_table(tyz4_written):
    from xlfidx.bloomberg.basket import basket_rows_to_export

    future, rows = _rows(tyz4_written, "future"), _rows(tyz4_written, "bonds")
    no_coupon = [[h if h != "cpn" else "days" for h in rows[0]], *rows[1:]]
    with pytest.raises(InputError, match=r"^bonds = .* header has no column cpn \(or coupon\)$"):
        basket_rows_to_export(future, no_coupon)
    twice = [[*rows[0], "px_last"], *[[*r, 1.0] for r in rows[1:]]]
    with pytest.raises(InputError, match=r"^bonds = 'px_last' appears twice in the header row"):
        basket_rows_to_export(future, twice)
    with pytest.raises(InputError, match=r"^bonds = '\(no rows\)' has no bond rows under its header"):
        basket_rows_to_export(future, [rows[0], [None] * len(rows[0])])
    with pytest.raises(InputError, match=r"^future = .* names no contract"):
        basket_rows_to_export([["field", None], ["px_last", 114.234375]], rows)


def test_ctd_of_a_basket_skips_the_rows_that_cannot_be_read(tyz4_written):
    """The core picks the CTD (highest implied repo) among the readable bonds: with the TYZ4
    CTD's price gone, the next one (91282CLD, 4.125% 2031-07-31) is the CTD, its row kept."""
    path = write_basket_export(tyz4_written.parent / "no_ctd_price.xlsx",
                               {("91282CKW Govt", "px_last"): NA})
    from xlfidx.bloomberg.basket import read_basket

    basket = read_basket(path)
    whole = read_basket(tyz4_written)
    assert whole.ctd()["ticker"] == "91282CKW Govt"
    ctd = basket.ctd()
    assert ctd["ticker"] == "91282CLD Govt"
    assert basket.bonds.iloc[int(ctd["position"])]["ticker"] == "91282CLD Govt"
    # its implied repo is the one of the full DLV table, which has the bad row last
    table = basket.dlv().table
    assert ctd["implied_repo"] == pytest.approx(float(table["implied_repo"].iloc[0]), abs=1e-12)
    assert table["ticker"].iloc[-1] == "91282CKW Govt" and "px_last" in table["problem"].iloc[-1]
