"""``xlfidx calc``: headless evaluation with our functions, cached values written into the file."""

from __future__ import annotations

import datetime as dt
import re
import zipfile

import openpyxl
import pytest
from openpyxl.worksheet.formula import ArrayFormula

import xlfidx
from xlfidx.cli import main as cli_main
from xlfidx.excel.build import template_path
from xlfidx.excel.calc import calc_workbook, evaluate_formulas


@pytest.fixture()
def book(tmp_path):
    """The xlwings template with a sheet of our formulas, plus a user sheet."""
    wb = openpyxl.load_workbook(template_path(), keep_vba=True)
    ws = wb.create_sheet("Calc")
    ws["A1"], ws["B1"], ws["C1"], ws["D1"], ws["E1"] = 5.0, 1.9, 4.2, None, 6.4
    ws["A3"] = ArrayFormula("A3:E3", "=HEDGEWEIGHTS(A1,B1:E1)")
    ws["A5"] = "=TBADV01(97.3242,4.0347)"
    ws["A6"] = '=TBADV01("x",4.0347)'
    ws["A7"] = "=A5*2"
    ws["A9"] = ArrayFormula("A9:A11", "=CONVFACTOR(B9:B11,C9:C11,\"USZ3\")")
    for r, (c, m) in enumerate([(4.5, dt.datetime(2039, 8, 15)), (3.5, dt.datetime(2039, 2, 15)),
                                ("#N/A N/A", dt.datetime(2039, 2, 15))], start=9):
        ws[f"B{r}"], ws[f"C{r}"] = c, m
    ws["A13"] = ArrayFormula("A13:B14", "=ICSRATIO(72.7,60.89)")  # one row of result: padded
    user = wb.create_sheet("Mine")
    user["A1"], user["B2"] = "keep me", 42
    path = tmp_path / "book.xlsm"
    wb.save(path)
    return path


@pytest.mark.needs("formulas")
def test_values_equal_the_core_and_errors_stay_in_their_rows(book):
    result = evaluate_formulas(book)
    v = result.values
    want = xlfidx.hedge_weights(5.0, [1.9, 4.2, float("nan"), 6.4])
    assert [v[("Calc", f"{c}3")] for c in "ABCDE"] == pytest.approx(list(want), abs=1e-15)
    assert v[("Calc", "A5")] == pytest.approx(xlfidx.tba_dv01(97.3242, 4.0347), abs=1e-12)
    assert v[("Calc", "A6")] == "#VALUE! price = 'x' is text; price must be a number"
    assert v[("Calc", "A7")] == pytest.approx(2 * v[("Calc", "A5")])
    assert v[("Calc", "A9")] == 0.85 and v[("Calc", "A10")] == 0.755
    assert v[("Calc", "A11")].startswith("#N/A coupon[2]")
    assert (v[("Calc", "A13")], v[("Calc", "B13")]) == tuple(map(float, xlfidx.ics_ratio(72.7, 60.89)))
    assert str(v[("Calc", "A14")]) == "#N/A"  # Excel pads a too-large array range with #N/A
    assert not result.overflow


@pytest.mark.needs("formulas")
def test_cached_values_written_vba_and_other_parts_kept(book, tmp_path):
    out = tmp_path / "out.xlsm"
    calc_workbook(book, out)
    before, after = zipfile.ZipFile(book), zipfile.ZipFile(out)
    assert after.read("xl/vbaProject.bin") == before.read("xl/vbaProject.bin")
    assert after.read("xl/vbaProject.bin") == zipfile.ZipFile(template_path()).read("xl/vbaProject.bin")
    for name in before.namelist():
        if not name.startswith("xl/worksheets/") and name not in ("[Content_Types].xml",
                                                                   "xl/_rels/workbook.xml.rels",
                                                                   "xl/workbook.xml"):
            assert after.read(name) == before.read(name), name
    # the workbook part changes in its <calcPr> only: the values are current, no recalculation
    # on open (Excel's engine id of Excel 2019/365, no fullCalcOnLoad)
    calc_pr = re.compile(rb"<calcPr[^>]*>")
    assert calc_pr.sub(b"", after.read("xl/workbook.xml")) == calc_pr.sub(b"", before.read("xl/workbook.xml"))
    assert b"fullCalcOnLoad" in before.read("xl/workbook.xml")
    [new_calc] = calc_pr.findall(after.read("xl/workbook.xml"))
    assert b"fullCalcOnLoad" not in new_calc and b'calcId="191029"' in new_calc
    # dynamic-array metadata, as Excel writes it for spilled formulas
    assert "xl/metadata.xml" in after.namelist()
    assert "sheetMetadata" in after.read("xl/_rels/workbook.xml.rels").decode()
    values = openpyxl.load_workbook(out, data_only=True)
    assert values["Calc"]["A5"].value == pytest.approx(39.267394974)
    assert values["Calc"]["B3"].value == 0.0 and values["Calc"]["C3"].value > 0.5
    assert values["Mine"]["A1"].value == "keep me" and values["Mine"]["B2"].value == 42
    formulas = openpyxl.load_workbook(out)
    assert formulas["Calc"]["A5"].value == "=TBADV01(97.3242,4.0347)"
    assert isinstance(formulas["Calc"]["A3"].value, ArrayFormula)
    assert formulas["Calc"]["A3"].value.ref == "A3:E3"
    # the result opens with openpyxl and recalculates to the same numbers
    again = evaluate_formulas(out)
    assert again.values[("Calc", "A5")] == values["Calc"]["A5"].value


@pytest.mark.needs("formulas")
def test_overflow_is_reported(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"] = ArrayFormula("A1:B1", "=HEDGEWEIGHTS(5,C1:E1)")  # 4 weights into 2 cells
    ws["C1"], ws["D1"], ws["E1"] = 1.9, 4.2, 6.4
    path = tmp_path / "small.xlsx"
    wb.save(path)
    result = calc_workbook(path)
    assert result.overflow and "HEDGEWEIGHTS" in result.overflow[0]


@pytest.mark.needs("formulas")
def test_cli_calc(book, tmp_path, capsys):
    out = tmp_path / "cli.xlsm"
    code = cli_main(["calc", str(book), "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 1  # the book holds deliberate error cells, and says so
    assert "Calc!A6: #VALUE! price = 'x'" in text
    assert openpyxl.load_workbook(out, data_only=True)["Calc"]["A5"].value == pytest.approx(39.267394974)
    assert cli_main(["calc", str(tmp_path / "missing.xlsx")]) == 2
