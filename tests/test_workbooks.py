"""The shipped workbooks: template VBA kept, conf sheet active, Run-main modules, formulas = core."""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import published as pub
import pytest
from openpyxl.utils.cell import get_column_letter

import xlfidx
from xlfidx.bloomberg.history import read_history
from xlfidx.excel.build import CONF_ROWS, CONF_SHEET, UDF_MODULE, WORKBOOKS_DIR, template_path
from xlfidx.excel.calc import EXCEL_CALC_ID, evaluate_formulas
from xlfidx.excel.refresh import refresh_file
from xlfidx.fedfunds import fed_path
from xlfidx.samples import sample_path

BOOKS = ["basis", "fedpath", "mbs_trend"]


@pytest.fixture(scope="module")
def evaluated():
    """Every shipped book evaluated headless once (the machinery of ``xlfidx calc``)."""
    return {name: evaluate_formulas(WORKBOOKS_DIR / f"{name}.xlsm") for name in BOOKS}


@pytest.mark.parametrize("name", BOOKS)
def test_vba_project_is_the_templates_byte_for_byte(name):
    template = zipfile.ZipFile(template_path()).read("xl/vbaProject.bin")
    assert zipfile.ZipFile(WORKBOOKS_DIR / f"{name}.xlsm").read("xl/vbaProject.bin") == template


@pytest.mark.parametrize("name", BOOKS)
def test_conf_sheet_is_active_and_names_the_udf_module(name):
    wb = openpyxl.load_workbook(WORKBOOKS_DIR / f"{name}.xlsm", read_only=True)
    assert CONF_SHEET in wb.sheetnames and "_xlwings.conf" not in wb.sheetnames
    conf = {r[0]: r[1] for r in wb[CONF_SHEET].iter_rows(values_only=True) if r and r[0]}
    wb.close()
    assert conf["UDF Modules"] == UDF_MODULE == "xlfidx.excel.udfs"


@pytest.mark.cpython_only("starts a Python process")
@pytest.mark.parametrize("name", BOOKS)
def test_run_main_module_imports_and_exposes_main(name):
    path = WORKBOOKS_DIR / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"_wb_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert callable(module.main)
    # importing it does not need Excel: xlwings is only imported when main() runs in Excel
    code = f"import runpy, sys; runpy.run_path({str(path)!r}, run_name='x'); print('xlwings' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.needs("formulas")
@pytest.mark.parametrize("name", BOOKS)
def test_every_formula_evaluates_without_an_error_value(evaluated, name):
    result = evaluated[name]
    assert result.formulas, name
    assert result.errors() == {}
    assert result.overflow == []


@pytest.mark.needs("formulas")
@pytest.mark.parametrize("name", BOOKS)
def test_cached_values_are_stored(evaluated, name):
    wb = openpyxl.load_workbook(WORKBOOKS_DIR / f"{name}.xlsm", data_only=True, read_only=True)
    stored_values = {(c.sheet, c.ref): wb[c.sheet][c.ref].value for c in evaluated[name].formulas[:20]}
    wb.close()
    for cell in evaluated[name].formulas[:20]:
        stored = stored_values[(cell.sheet, cell.ref)]
        want = evaluated[name].values[(cell.sheet, cell.ref)]
        if isinstance(want, float):
            assert stored == pytest.approx(want, rel=1e-12, abs=1e-12), cell
        elif want not in (None, ""):
            assert stored is not None, cell


def _labelled(values, sheet, label, col="B"):
    """The value beside the label ``label`` in column A (labels are the book's own text)."""
    book = {"DLV": "basis", "FEDPATH": "fedpath"}[sheet]
    return values[(sheet, f"{col}{_label_cell(WORKBOOKS_DIR / f'{book}.xlsm', sheet, label)}")]


def _label_cell(book, sheet, label):
    wb = openpyxl.load_workbook(book, read_only=True, data_only=True)
    try:  # a read-only book holds its file open until closed
        for row in wb[sheet].iter_rows(max_col=1):
            if row[0].value == label:
                return row[0].row
    finally:
        wb.close()
    raise AssertionError(f"no {label!r} in {sheet}")


def _spill(values, sheet, top):
    """The table spilled with its header in row ``top`` from column A: header, rows."""
    head = []
    while (sheet, f"{get_column_letter(len(head) + 1)}{top}") in values:
        head.append(values[(sheet, f"{get_column_letter(len(head) + 1)}{top}")])
    rows = []
    r = top + 1
    while (sheet, f"A{r}") in values:
        rows.append([values.get((sheet, f"{get_column_letter(j + 1)}{r}")) for j in range(len(head))])
        r += 1
    return head, rows


def _dlv_top(values, sheet="DLV"):
    [top] = [int(ref[1:]) for (sh, ref), v in values.items() if sh == sheet and v == "price_32nds"]
    return top


@pytest.mark.needs("formulas")
def test_basis_reads_the_export_and_equals_the_core(evaluated):
    """The DLV sheet's functions read the export by header; every figure equals the core's DLV
    of the same export with its defaults (what `xlfidx dlv` prints)."""
    from xlfidx.bloomberg.basket import read_basket

    v = evaluated["basis"].values
    basket = read_basket(sample_path("fut_bond_data_USZ3_2023-11-21.xlsx"))
    dlv = basket.dlv()
    assert _labelled(v, "DLV", "contract") == "USZ3 Comdty"
    assert _labelled(v, "DLV", "futures price") == 115.96875
    # settlement T+1 after the export's 2023-11-21; delivery the last delivery day; the repo
    serial = {name: (np.datetime64(d, "D") - np.datetime64("1899-12-30")).astype(int)
              for name, d in (("settle", "2023-11-22"), ("delivery", "2023-12-29"))}
    assert _labelled(v, "DLV", "settle") == serial["settle"]
    assert _labelled(v, "DLV", "delivery") == serial["delivery"]
    assert _labelled(v, "DLV", "repo %") == 5.413
    # reference usz3_dlv (Bloomberg's DLV screen): the 4.5% of 2039 is the CTD
    assert _labelled(v, "DLV", "CTD (=CTD)") == "T 4.5 08/15/39 Govt" == dlv.ctd["ticker"]
    head, rows = _spill(v, "DLV", _dlv_top(v))
    assert head == list(dlv.table.columns)
    for name in ("cf", "gross_basis_32nds", "net_basis_32nds", "implied_repo", "fwd_price", "dv01"):
        j = head.index(name)
        assert [r[j] for r in rows] == pytest.approx(dlv.table[name].tolist(), abs=1e-12), name
    # the column functions on the CTD give the DLV table's figures for it
    ctd = dlv.ctd
    checks = {"conversion factor (=CONVFACTOR)": ctd["cf"],
              "gross basis, 32nds (=GROSSBASIS)": ctd["gross_basis_32nds"],
              "carry to delivery (=CARRY)": ctd["carry"],
              "net basis, 32nds (=NETBASIS)": ctd["net_basis_32nds"],
              "implied repo % (=IMPLIEDREPO)": ctd["implied_repo"],
              "forward price at delivery (=FWDPRICE)": ctd["fwd_price"],
              "futures DV01 $/bp (=FUTDV01: the CTD's DV01 / CF)": ctd["hedge_ratio"]}
    for label, want in checks.items():
        assert _labelled(v, "DLV", label) == pytest.approx(float(want), abs=1e-9), label


@pytest.mark.needs("formulas")
def test_fedpath_reads_the_chain_and_equals_the_core(evaluated):
    v = evaluated["fedpath"].values
    export = openpyxl.load_workbook(sample_path("fedfutures_sample.xlsx"), read_only=True)
    date = max(n for n in export.sheetnames if n[:4].isdigit())
    chain = [r for r in export[date].iter_rows(min_row=2, values_only=True) if r[0]]
    meetings = [r[0] for r in export["fed meetings"].iter_rows(min_row=2, values_only=True) if r[0]]
    spot = {str(r[0])[:10]: r[1] for r in export["fed funds"].iter_rows(min_row=2, values_only=True)}[date]
    core = fed_path([r[1] for r in chain], [r[2] for r in chain], meetings, spot)
    top = _label_cell(WORKBOOKS_DIR / "fedpath.xlsm", "FEDPATH", f"chain sheet '{date}': pricing date") + 2
    head, rows = _spill(v, "FEDPATH", top)
    assert head == list(core.columns) and len(rows) == len(core)
    j = head.index("rate after %")
    want = core["rate after %"].tolist()
    got = [r[j] for r in rows]
    assert [g for g, w in zip(got, want, strict=True) if np.isfinite(w)] == pytest.approx(
        [w for w in want if np.isfinite(w)], abs=1e-12)


@pytest.mark.needs("formulas")
def test_mbs_trend_hedge_equals_the_core(evaluated):
    v = evaluated["mbs_trend"].values
    wb = openpyxl.load_workbook(WORKBOOKS_DIR / "mbs_trend.xlsm", read_only=True, data_only=True)
    hedge = wb["Hedge"]
    durations = [v[("Hedge", f"{c}7")] for c in "BCDEFG"]
    trend = [hedge[f"{c}8"].value for c in "BCDEFG"]
    tilt = v[("Hedge", "B9")]
    mbs, _futures = read_history(WORKBOOKS_DIR / "mbs_trend.xlsm")
    assert v[("Hedge", "B5")] == pytest.approx(float(mbs["LUMSMD"].iloc[-1]))
    want = xlfidx.hedge_weights(v[("Hedge", "B5")], durations, trend, tilt)
    got = [v[("Hedge", f"{c}12")] for c in "BCDEFGH"]
    assert got == pytest.approx(list(want), abs=1e-14)
    assert sum(got) == pytest.approx(1.0, abs=1e-12)
    assert "Backtest" in wb.sheetnames


@pytest.mark.needs("formulas")
def test_refresh_keeps_vba_and_user_sheets(tmp_path):
    book = tmp_path / "basis.xlsm"
    shutil.copy(WORKBOOKS_DIR / "basis.xlsm", book)
    wb = openpyxl.load_workbook(book, keep_vba=True)
    mine = wb.create_sheet("My notes")
    mine["A1"], mine["C3"] = "my note", 3.5
    head = [c.value for c in wb["bonds"][1]]
    wb["bonds"].cell(2, head.index("px_last") + 1).value = 99.0  # a new price for the CTD
    wb.save(book)
    assert "recalculated" in refresh_file(book)
    assert zipfile.ZipFile(book).read("xl/vbaProject.bin") == zipfile.ZipFile(template_path()).read("xl/vbaProject.bin")
    after = openpyxl.load_workbook(book, data_only=True)
    assert after["My notes"]["A1"].value == "my note" and after["My notes"]["C3"].value == 3.5
    assert after.sheetnames[:4] == ["DLV", "future", "bonds", "notes"]
    values = {("DLV", c.coordinate): c.value for row in after["DLV"].iter_rows() for c in row
              if c.value is not None}
    _, rows = _spill(values, "DLV", _dlv_top(values))
    priced = {r[0]: r[3] for r in rows}
    assert priced["T 4.5 08/15/39 Govt"] == 99.0  # the new price flows through


def test_refresh_rejects_a_missing_workbook(tmp_path):
    from xlfidx.errors import InputError

    with pytest.raises(InputError, match="WORKBOOK"):
        refresh_file(Path(tmp_path) / "nope.xlsm")


class _FakeApp:
    def __init__(self):
        self.status_bar = None
        self.statuses: list[str] = []
        self.alerts: list[tuple[str, str]] = []
        self.calculated = 0

    def __setattr__(self, name, value):
        if name == "status_bar" and value is not None:
            self.statuses.append(value)
        object.__setattr__(self, name, value)

    def alert(self, prompt, title=None):
        self.alerts.append((prompt, title))

    def calculate(self):
        self.calculated += 1


class _FakeSheet:
    def __init__(self, name):
        self.name = name


class _FakeBook:
    """What run_main uses of an xlwings Book, without Excel."""

    def __init__(self, names, fullname):
        self.app = _FakeApp()
        self.sheets = [_FakeSheet(n) for n in names]
        self.fullname = str(fullname)


def test_run_main_in_excel_recalculates_with_status(monkeypatch):
    import xlwings as xw

    from xlfidx.excel.refresh import run_main

    book = _FakeBook(["DLV", "future", "bonds"], WORKBOOKS_DIR / "basis.xlsm")
    monkeypatch.setattr(xw.Book, "caller", staticmethod(lambda: book))
    run_main()
    assert book.app.calculated == 1 and not book.app.alerts
    assert book.app.statuses[-1] == "xlfidx: recalculated"


@pytest.mark.needs("python_calamine")
def test_run_main_in_excel_shows_a_failure_as_a_message(monkeypatch, tmp_path):
    import xlwings as xw

    from xlfidx.excel.refresh import run_main

    # a Backtest book whose history file is not there: the user sees one line, not a traceback
    book = _FakeBook(["Hedge", "Backtest"], tmp_path / "gone.xlsm")
    monkeypatch.setattr(xw.Book, "caller", staticmethod(lambda: book))
    run_main()
    assert len(book.app.alerts) == 1
    message, title = book.app.alerts[0]
    assert title == "xlfidx refresh failed" and "\n" not in message and "Traceback" not in message
    assert "gone.xlsm" in message
    assert book.app.statuses[-1].startswith("xlfidx: failed: ")


# ---------------------------------------------------------------------------------------------
# the books open showing their numbers


SHIPPED = [*BOOKS, "xlfidx.xlam"]


def _path(name):
    return WORKBOOKS_DIR / (name if name.endswith(".xlam") else f"{name}.xlsm")


@pytest.mark.parametrize("name", SHIPPED)
def test_no_book_asks_for_a_full_recalculation_on_open(name):
    """fullCalcOnLoad (or an old engine id) makes Excel recalculate everything when the book
    opens: the cached numbers are never seen, every function cell shows #NAME? until the
    functions are loaded."""
    xml = zipfile.ZipFile(_path(name)).read("xl/workbook.xml").decode()
    assert "fullCalcOnLoad" not in xml
    if name != "xlfidx.xlam":  # the add-in has no formulas
        [calc_pr] = re.findall(r"<calcPr\b[^>]*>", xml)
        assert int(re.search(r'calcId="(\d+)"', calc_pr).group(1)) >= EXCEL_CALC_ID


@pytest.mark.needs("formulas")
@pytest.mark.parametrize("name", BOOKS)
def test_headless_calc_then_reading_back_gives_numbers_in_every_function_cell(name, tmp_path):
    from xlfidx.excel.calc import calc_workbook
    from xlfidx.excel.udfs import UDFS

    book = tmp_path / f"{name}.xlsm"
    shutil.copy(_path(name), book)
    result = calc_workbook(book)
    assert not result.errors() and not result.overflow
    wb = openpyxl.load_workbook(book, data_only=True)
    ours = [c for c in result.formulas if re.match(r"=\s*([A-Z0-9]+)\(", c.formula)
            and re.match(r"=\s*([A-Z0-9]+)\(", c.formula).group(1) in UDFS]
    assert ours
    for c in ours:
        ref = c.array_ref or c.ref
        cells = [cell.value for row in wb[c.sheet][ref] for cell in row] if ":" in ref \
            else [wb[c.sheet][ref].value]
        assert all(not (isinstance(v, str) and v.startswith("#")) for v in cells), (c.ref, cells)
        numbers = [v for v in cells if isinstance(v, float | int | dt.datetime)]
        assert numbers or c.formula.startswith("=CTD("), (c.sheet, c.ref, cells)
        if c.formula.startswith("=CTD("):
            assert cells == ["T 4.5 08/15/39 Govt"]


@pytest.mark.parametrize("name", BOOKS)
def test_conf_sheet_holds_only_the_documented_settings(name):
    """A book's conf sheet overrides the add-in's settings row by row, a blank row included:
    it holds UDF Modules and nothing else (README, Installing into Excel)."""
    wb = openpyxl.load_workbook(_path(name), read_only=True)
    rows = [r for r in wb[CONF_SHEET].iter_rows(values_only=True) if any(v is not None for v in r)]
    assert {r[0]: r[1] for r in rows} == CONF_ROWS == {"UDF Modules": UDF_MODULE}
    assert len(rows) == len(CONF_ROWS)


def _sheet_parts(path):
    from xlfidx.excel.package import Package

    pkg = Package.open(path)
    return {sheet: pkg.text(part) for sheet, part in pkg.sheets().items()}


def _bounds(ref):
    from openpyxl.utils.cell import range_boundaries

    return range_boundaries(ref if ":" in ref else f"{ref}:{ref}")


@pytest.mark.parametrize("name", BOOKS)
def test_sheet_dimensions_cover_every_cell(name):
    for sheet, xml in _sheet_parts(_path(name)).items():
        [dim] = re.findall(r'<dimension ref="([^"]+)"', xml)
        c1, r1, c2, r2 = _bounds(dim)
        for ref in re.findall(r'<c r="([A-Z]+\d+)"', xml):
            c, r, _, _ = _bounds(ref)
            assert c1 <= c <= c2 and r1 <= r <= r2, (name, sheet, ref, dim)


@pytest.mark.parametrize("name", BOOKS)
def test_text_in_array_results_is_written_as_excel_writes_it(name):
    """Every cell of an array formula's result that holds text is t="str" with its <v>, as
    Excel writes a formula's text result; an inline string there would be a constant."""
    for sheet, xml in _sheet_parts(_path(name)).items():
        arrays = [_bounds(ref) for ref in re.findall(r'<f t="array" ref="([^"]+)"', xml)]
        for ref, kind in re.findall(r'<c r="([A-Z]+\d+)"[^>]*?(?: t="(\w+)")?[^>]*>', xml):
            c, r, _, _ = _bounds(ref)
            if any(a <= c <= b and p <= r <= q for a, p, b, q in arrays):
                assert kind != "inlineStr", (name, sheet, ref)


@pytest.mark.parametrize("name", BOOKS)
def test_date_columns_are_wide_enough(name):
    """A yyyy-mm-dd date needs about ten characters; narrower, Excel shows ###."""
    wb = openpyxl.load_workbook(_path(name))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None and cell.number_format == "yyyy-mm-dd":
                    width = ws.column_dimensions[get_column_letter(cell.column)].width
                    assert width and width >= 10.5, (name, ws.title, cell.coordinate, width)


def _paste_export(book, export):
    """Paste a basket export's sheets over the book's, as a user does: the old cells cleared,
    the new ones written from A1, whatever their layout."""
    src = openpyxl.load_workbook(export)
    wb = openpyxl.load_workbook(book, keep_vba=True)
    for name in ("future", "bonds"):
        ws = wb[name]
        for row in ws.iter_rows():
            for cell in row:
                cell.value = None
        for i, row in enumerate(src[name].iter_rows(values_only=True), start=1):
            for j, v in enumerate(row, start=1):
                ws.cell(i, j, v)
    wb.save(book)


@pytest.mark.needs("formulas")
def test_a_real_export_pasted_into_basis_just_works(tmp_path, tyz4_written):
    """The TYZ4 export (other columns, in another order: days_to_mty sits where the sample has
    cpn; 8 bonds instead of 16) pasted over the sample: every function reads it by header."""
    from xlfidx.bloomberg.basket import read_basket

    book = tmp_path / "basis.xlsm"
    shutil.copy(WORKBOOKS_DIR / "basis.xlsm", book)
    _paste_export(book, tyz4_written)
    refresh_file(book)
    wb = openpyxl.load_workbook(book, data_only=True)
    values = {("DLV", c.coordinate): c.value for row in wb["DLV"].iter_rows() for c in row
              if c.value is not None}
    label = {wb["DLV"][f"A{r}"].value: wb["DLV"][f"B{r}"].value for r in range(1, 30)}
    dlv = read_basket(tyz4_written).dlv()
    # the export's default repo: the term repo that reproduces Bloomberg's fut_ctd_net_basis
    assert label["contract"] == "TYZ4 Comdty" and label["repo %"] == pytest.approx(dlv.repo, abs=1e-12)
    assert round(label["repo %"], 3) == 4.914
    assert label["settle"] == dt.datetime(2024, 8, 5) and label["delivery"] == dt.datetime(2024, 12, 31)
    # the TYZ4 export's own CTD (fut_ctd_px 103.296875: the 4.25% of 2031-06-30)
    assert label["CTD (=CTD)"] == "91282CKW Govt" == dlv.ctd["ticker"]
    assert label["conversion factor (=CONVFACTOR)"] == 0.9069
    head, rows = _spill(values, "DLV", _dlv_top(values))
    j = head.index("net_basis_32nds")
    # the table's range was sized for the sample's 16 bonds: Excel 365 re-spills it to 8 rows,
    # a headless refresh keeps the range and pads it with #N/A, as Excel 2016 does
    assert [r[j] for r in rows[:8]] == pytest.approx(dlv.table["net_basis_32nds"].tolist(), abs=1e-12)
    assert rows[0][j] == pytest.approx(dict(pub.TYZ4_FUTURE)["fut_ctd_net_basis"], abs=1e-3)
    assert all(str(r[0]) == "#N/A" for r in rows[8:])
