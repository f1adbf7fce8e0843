"""The Bloomberg basket-export reader and the `xlfidx dlv` command."""

from __future__ import annotations

import openpyxl
import pytest

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
    assert "91282CFV Govt: basis_mid" in str(problem)


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
    return path, [ws.cell(row=r, column=col["ticker"]).value for r in (3, 4, 5)]


def test_bad_rows_reported_and_others_computed(damaged, capsys):
    path, tickers = damaged
    _, bonds = xlfidx.read_basket_export(path)
    bad = bonds[bonds["problem"] != ""]
    assert bad["ticker"].tolist() == tickers
    assert "px_last = '#N/A N/A' is missing" in bad["problem"].iloc[0]
    assert "cpn = 'four' is text" in bad["problem"].iloc[1]
    assert "maturity = (blank) is missing" in bad["problem"].iloc[2]
    assert main(["dlv", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.count(" Govt ") == 13  # 16 bonds less the 3 bad ones
    for t in tickers:
        assert f"note: {t}:" in out


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
    assert "USZ3 Comdty" in out and "settle 2023-11-22" in out and "delivery 2023-12-29" in out
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
