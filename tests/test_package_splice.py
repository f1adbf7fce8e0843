"""Only what xlfidx owns is replaced: a workbook made by another writer (XlsxWriter) with a text
box, sparklines, an Excel 2010 data bar, a chart, an image, a defined name and a VBA project
goes through ``refresh`` and ``backtest``; every part but the Backtest sheet, its drawing and
its pictures comes back byte for byte. Then ``calc``'s own behaviour: formulas found in the
sheet XML (shared formulas included), a cut-down copy for the engine, statistics functions
loaded only when used, and Excel's value kept where the engine lacks a function.
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import numpy as np
import openpyxl
import pytest
import xlsxwriter

from xlfidx.cli import main as cli_main
from xlfidx.excel.build import template_path
from xlfidx.excel.calc import calc_workbook, evaluate_formulas, formula_cells
from xlfidx.excel.package import Package, rels_name
from xlfidx.excel.refresh import refresh_file
from xlfidx.samples import mbs_history

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = ("TU", "FV", "TY")
FIELDS = ("PX_LAST", "CONVENTIONAL_CTD_FORWARD_FRSK", "FUT_EQV_CNVX_NOTL")


def png(width: int, height: int, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A plain-colour PNG, written by hand (the format's IHDR/IDAT/IEND chunks)."""
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def xlsxwriter_book(path: Path, backtest: str | None = "with picture", formulas: bool = False,
                    n: int = 700) -> Path:
    """A user's book written by XlsxWriter: SYNTHETIC histories (the sample generator's), a
    Settings sheet, a Report sheet with a text box, sparklines, a 2010 data bar, a chart, an
    image and a defined name, the xlwings VBA project, and (``backtest``) an old Backtest
    sheet, with a picture on it (as an earlier refresh leaves it) or bare."""
    h = mbs_history.simulate()
    wb = xlsxwriter.Workbook(str(path))
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    days = h["dates"][:n].astype("datetime64[D]").astype(object)
    mbs = wb.add_worksheet("MBS")
    mbs.write_row(0, 0, ["Date", "LUMSTRUU", "LUMSMD", "LUMSOAS"])
    fut = wb.add_worksheet("Futures")
    fut.write_row(0, 0, ["Date", *(f"{c}1 Comdty {f}" for c in CONTRACTS for f in FIELDS)])
    for i in range(n):
        mbs.write_datetime(i + 1, 0, days[i], date)
        mbs.write_row(i + 1, 1, [float(h["mbs"][k][i]) for k in mbs_history.MBS_TICKERS])
        fut.write_datetime(i + 1, 0, days[i], date)
        fut.write_row(i + 1, 1, [float(h["futures"][c][f][i]) for c in CONTRACTS for f in FIELDS])
    settings = wb.add_worksheet("Settings")
    settings.write_row(0, 0, ["cost_bp", 1.5])
    settings.write_row(1, 0, ["tilts", "0,2,4"])
    report = wb.add_worksheet("Report")
    for i in range(5):
        report.write_row(i, 0, [i + 1, (i + 1) * 2.5, 3, 4, 5])
    report.insert_textbox("H2", "Desk note: hedge ratios reviewed weekly", {"width": 300, "height": 80})
    report.add_sparkline("F1", {"range": "Report!A1:E1"})
    report.conditional_format("A1:A5", {"type": "data_bar", "data_bar_2010": True})
    chart = wb.add_chart({"type": "line"})
    chart.add_series({"values": "=Report!$B$1:$B$5"})
    report.insert_chart("H8", chart)
    report.insert_image("M2", "logo.png", {"image_data": io.BytesIO(png(40, 20))})
    wb.define_name("Rates", "=Report!$A$1:$A$5")
    if formulas:
        report.write_formula("A7", "=SUM(Rates)", None, 15)  # with Excel's cached result
    if backtest is not None:
        bt = wb.add_worksheet("Backtest")
        bt.write("A1", "old backtest")
        if backtest == "with picture":
            bt.insert_image("B2", "old.png", {"image_data": io.BytesIO(png(30, 30, (0, 0, 200)))})
    with zipfile.ZipFile(template_path()) as z:
        wb.add_vba_project(io.BytesIO(z.read("xl/vbaProject.bin")), is_stream=True)
    wb.close()
    return path


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def backtest_parts(path: Path) -> set[str]:
    """The Backtest sheet's part, its relationships, its drawing(s) and their pictures."""
    pkg = Package.open(path)
    sheets = pkg.sheets()
    if "Backtest" not in sheets:
        return set()
    sheet = sheets["Backtest"]
    owned = {sheet, rels_name(sheet)}
    for rel in pkg.rels(sheet):
        owned |= {rel.target, rels_name(rel.target)} | {r.target for r in pkg.rels(rel.target)}
    return owned


CT_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"


def chart_overrides(owned: set[str]) -> list[str]:
    return [f'<Override PartName="/{n}" ContentType="{CT_CHART}"/>' for n in sorted(owned)
            if n.startswith("xl/charts/") and n.endswith(".xml")]


@pytest.mark.needs("python_calamine")
@pytest.mark.filterwarnings("ignore::xlfidx.bloomberg.history.HistoryWarning")
def test_refresh_keeps_every_part_it_does_not_own_byte_for_byte(tmp_path):
    book = xlsxwriter_book(tmp_path / "desk.xlsm")
    before = parts(book)
    with zipfile.ZipFile(book) as z:
        sizes_before = {i.filename: (i.compress_size, i.CRC) for i in z.infolist()}
    owned_before = backtest_parts(book)
    assert refresh_file(book) == "Backtest sheet rewritten and recalculated"
    after = parts(book)
    owned = owned_before | backtest_parts(book)
    assert "xl/vbaProject.bin" not in owned and "xl/media/image1.png" not in owned  # the Report's logo
    assert "xl/charts/chart1.xml" not in owned  # the Report's chart
    assert set(before) - owned == set(after) - owned
    # the package's index lists the new chart parts (one element inserted for each); the old
    # Backtest sheet had a picture, and .png already had its entry
    index = "[Content_Types].xml"
    new_charts = chart_overrides(backtest_parts(book))
    assert len(new_charts) == 5
    assert _without(after[index].decode(), new_charts) == before[index].decode()
    for name in sorted(set(before) - owned - {index, STYLES}):
        assert after[name] == before[name], name
    assert_styles_appended(before[STYLES], after[STYLES])
    # the features openpyxl drops are all still there
    report = after["xl/worksheets/sheet4.xml"].decode()
    assert "x14:sparklineGroups" in report and "x14:dataBar" in report
    assert "Desk note" in b"".join(v for k, v in after.items() if k.startswith("xl/drawings/")).decode()
    assert b'name="Rates"' in after["xl/workbook.xml"]
    # and the new Backtest sheet reads back with its tables and 5 native charts
    wb = openpyxl.load_workbook(book)
    bt = wb["Backtest"]
    assert wb.sheetnames == ["MBS", "Futures", "Settings", "Report", "Backtest"]
    assert len(bt._charts) == 5 and not bt._images
    assert len(wb["Report"]._charts) == 1 and len(wb["Report"]._images) == 1
    column_a = [c.value for c in bt["A"]]
    assert "basis TY" in column_a and "tilt 4" in column_a and "old backtest" not in column_a
    assert "cost 1.5 bp" in bt["A2"].value  # the book's own Settings

    # and not only their content: the bytes compressed in the file are copied, not recompressed
    with zipfile.ZipFile(tmp_path / "desk.xlsm") as z:
        sizes_after = {i.filename: (i.compress_size, i.CRC) for i in z.infolist()}
    for name, size in sizes_before.items():
        if name not in owned and name not in {index, STYLES, "xl/workbook.xml", "xl/calcChain.xml"}:
            assert sizes_after[name] == size, name

    # a second refresh reuses the names of its drawing and charts: now every part that is not
    # the Backtest sheet's, the package's index included, stays byte for byte
    owned = backtest_parts(book)
    assert refresh_file(book) == "Backtest sheet rewritten and recalculated"
    again = parts(book)
    assert backtest_parts(book) == owned and set(again) == set(after)
    for name in sorted(set(after) - owned):
        assert again[name] == after[name], name


STYLES = "xl/styles.xml"


def assert_styles_appended(before: bytes, after: bytes) -> None:
    """The style table gained the Backtest sheet's number formats and cell styles at the end of
    their lists; every existing style kept its index and bytes, nothing else changed."""
    b, a = before.decode(), after.decode()

    def inside(text: str, tag: str) -> str:
        m = re.search(rf"<{tag}\b[^>]*>(.*?)</{tag}>", text, flags=re.DOTALL)
        return m.group(1) if m else ""

    for tag in ("numFmts", "cellXfs"):
        assert inside(a, tag).startswith(inside(b, tag)), tag
    assert len(inside(a, "cellXfs")) > len(inside(b, "cellXfs"))

    def rest(text: str) -> str:
        return re.sub(r"<(numFmts|cellXfs)\b[^>]*>.*?</\1>", "", text, flags=re.DOTALL)

    assert rest(a) == rest(b)


def _without(text: str, inserted: list[str]) -> str:
    for piece in inserted:
        assert text.count(piece) == 1, piece
        text = text.replace(piece, "")
    return text


@pytest.mark.needs("python_calamine")
@pytest.mark.filterwarnings("ignore::xlfidx.bloomberg.history.HistoryWarning")
def test_backtest_adds_its_sheet_with_minimal_edits_and_keeps_cached_values(tmp_path, capsys):
    book = xlsxwriter_book(tmp_path / "desk.xlsm", backtest=None, formulas=True)
    out = tmp_path / "out"
    assert cli_main(["backtest", str(book), "--out", str(out), "--tilts", "0,2"]) == 0
    capsys.readouterr()
    before, after = parts(book), parts(out / book.name)
    owned = backtest_parts(out / book.name)
    indexes = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"}
    assert set(after) - owned == set(before)
    for name in sorted(set(before) - indexes - {STYLES}):
        assert after[name] == before[name], name
    assert_styles_appended(before[STYLES], after[STYLES])
    # the package's indexes: the original text with one element inserted per new part
    sheet = next(n for n in owned if n.startswith("xl/worksheets/") and n.endswith(".xml"))
    drawing = next(n for n in owned if n.startswith("xl/drawings/") and n.endswith(".xml"))
    ct = after["[Content_Types].xml"].decode()
    assert _without(ct, [f'<Override PartName="/{sheet}" ContentType="application/vnd.openxmlformats-'
                         f'officedocument.spreadsheetml.worksheet+xml"/>',
                         f'<Override PartName="/{drawing}" ContentType="application/vnd.openxmlformats-'
                         f'officedocument.drawing+xml"/>', *chart_overrides(owned)]) \
        == before["[Content_Types].xml"].decode()
    rels = after["xl/_rels/workbook.xml.rels"].decode()
    target = posixpath.relpath(sheet, "xl")
    new_rel = re.search(rf'<Relationship Id="rId\d+" Type="[^"]+/worksheet" Target="{target}"/>', rels).group(0)
    assert _without(rels, [new_rel]) == before["xl/_rels/workbook.xml.rels"].decode()
    wb_xml = after["xl/workbook.xml"].decode()
    new_sheet = re.search(r'<sheet name="Backtest" sheetId="\d+" r:id="rId\d+"/>', wb_xml).group(0)
    assert _without(wb_xml, [new_sheet]) == before["xl/workbook.xml"].decode()
    # the copy keeps Excel's cached formula result (openpyxl would have dropped it)
    assert openpyxl.load_workbook(out / book.name, data_only=True)["Report"]["A7"].value == 15
    assert load_ok(out / book.name)


def load_ok(path: Path) -> bool:
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
    return "Backtest" in openpyxl.load_workbook(path, keep_vba=True).sheetnames


# ---------------------------------------------------------------------------------------------
# calc


def _shared_formula_book(path: Path) -> Path:
    """Column B = 2 x column A, stored as Excel stores a filled-down formula: one shared formula
    (master B1, range B1:B4) and three cells pointing at it."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for r, x in enumerate([1.5, 2.25, 4.0, 8.125], start=1):
        ws.cell(r, 1, x)
        ws.cell(r, 2, f"=A{r}*2")
    wb.save(path)
    pkg = Package.open(path)
    part = pkg.sheets()["S"]
    xml = pkg.text(part).replace("<f>A1*2</f>", '<f t="shared" ref="B1:B4" si="0">A1*2</f>')
    for r in (2, 3, 4):
        xml = xml.replace(f"<f>A{r}*2</f>", '<f t="shared" si="0"/>')
    pkg.write(part, xml)
    pkg.save(path)
    return path


@pytest.mark.needs("formulas")
def test_shared_formulas_are_found_and_computed(tmp_path):
    book = _shared_formula_book(tmp_path / "shared.xlsx")
    cells = formula_cells(book)
    assert [(c.ref, c.formula) for c in cells] == [("B1", "=A1*2"), ("B2", "=A2*2"), ("B3", "=A3*2"),
                                                   ("B4", "=A4*2")]
    calc_workbook(book)
    values = openpyxl.load_workbook(book, data_only=True)["S"]
    assert [values[f"B{r}"].value for r in range(1, 5)] == [3.0, 4.5, 8.0, 16.25]


@pytest.mark.needs("formulas")
def test_engine_reads_only_the_rows_formulas_use_and_gets_the_same_values(tmp_path):
    """Formulas into a big sheet: single rows, a block, a whole column and a defined name."""
    rng = np.random.default_rng(11)
    data = rng.normal(size=(3000, 3)).round(6)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    for row in data:
        ws.append([float(x) for x in row])
    f = wb.create_sheet("F")
    f["A1"] = "=Data!B2500"
    f["A2"] = "=SUM(Data!A10:C12)"
    f["A3"] = "=SUM(Data!C:C)"
    f["A4"] = "=SUM(Block)"
    from openpyxl.workbook.defined_name import DefinedName

    wb.defined_names["Block"] = DefinedName("Block", attr_text="Data!$A$2990:$B$3000")
    path = tmp_path / "big.xlsx"
    wb.save(path)
    v = evaluate_formulas(path).values
    assert v[("F", "A1")] == data[2499, 1]
    assert v[("F", "A2")] == pytest.approx(data[9:12].sum(), abs=1e-12)
    assert v[("F", "A3")] == pytest.approx(data[:, 2].sum(), abs=1e-9)
    assert v[("F", "A4")] == pytest.approx(data[2989:3000, :2].sum(), abs=1e-12)


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=ROOT).stdout.strip()


@pytest.mark.cpython_only("starts a Python process")
@pytest.mark.needs("formulas")
def test_statistics_functions_are_loaded_only_when_a_formula_calls_one(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws.append([1.0, 2.0, 3.0, 4.0])
    ws["A2"] = "=TBADV01(97.3242,4.0347)*A1+SUM(A1:D1)"
    plain = tmp_path / "plain.xlsx"
    wb.save(plain)
    ws["A3"] = "=STDEV(A1:D1)"
    stats = tmp_path / "stats.xlsx"
    wb.save(stats)
    code = ("import sys; from xlfidx.excel.calc import calc_workbook; r = calc_workbook({!r}); "
            "print('formulas.functions.stat' in sys.modules, 'scipy.stats' in sys.modules, "
            "r.values.get(('S', 'A3')))")
    assert _run(code.format(str(plain))) == "False False None"
    loaded, scipy_stats, stdev = _run(code.format(str(stats))).split()
    assert (loaded, scipy_stats) == ("True", "True")
    # sample standard deviation of 1, 2, 3, 4: sqrt(5/3)
    assert float(stdev) == pytest.approx((5 / 3) ** 0.5, abs=1e-12)


@pytest.mark.cpython_only("starts a Python process")
@pytest.mark.needs("formulas")
def test_the_lazy_function_table_is_the_engines_own():
    """Loading the statistics modules later gives the same table as formulas.get_functions()."""
    code = """
import formulas.functions as ff
original = ff.get_functions
from xlfidx.excel.calc import _Functions
from xlfidx.excel.udfs import UDFS
ours = _Functions.get(["STDEV"])
theirs = original()
assert _Functions.full
names = set(theirs) - set(UDFS)
assert names == set(ours) - set(UDFS), sorted(names ^ (set(ours) - set(UDFS)))[:10]
assert all(ours[n] is theirs[n] for n in names)
print(len(names))
"""
    assert int(_run(code)) > 500


def _offset_book(path: Path) -> Path:
    """OFFSET (which the engine lacks) with the value Excel computed, and a cell depending on it."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    ws.write("A1", 5)
    ws.write_formula("A2", "=OFFSET(A1,0,0)", None, 5)
    ws.write_formula("A3", "=A2*2", None, 10)
    ws.write_formula("A4", "=A1+1", None, 0)  # a stale cached value: recomputed
    wb.close()
    return path


@pytest.mark.needs("formulas")
def test_a_function_the_engine_lacks_keeps_excels_value_and_says_so(tmp_path, capsys):
    book = _offset_book(tmp_path / "offset.xlsx")
    assert cli_main(["calc", str(book)]) == 0
    out = capsys.readouterr()
    assert "S!A2: OFFSET is not available headless; kept the value Excel computed last (5.0)" in out.out
    assert "S!A3: it is computed from a cell the headless engine cannot compute; kept" in out.out
    values = openpyxl.load_workbook(book, data_only=True)["S"]
    assert (values["A2"].value, values["A3"].value, values["A4"].value) == (5, 10, 6)


@pytest.mark.cpython_only("starts a Python process")
@pytest.mark.needs("formulas")
def test_calc_prints_its_own_progress_and_no_progress_bars(tmp_path):
    book = _offset_book(tmp_path / "offset.xlsx")
    done = subprocess.run([sys.executable, "-m", "xlfidx", "calc", str(book)], capture_output=True,
                          text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert lines and all(line.startswith("  calc: ") for line in lines), lines
    assert "it/s" not in done.stderr and "|" not in done.stderr
