"""The ``Backtest`` sheet writer: every other sheet kept cell for cell, VBA kept, atomic replace;
and the ``xlfidx backtest`` command end to end on a small book."""

from __future__ import annotations

import errno
import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from bloomberg_files import history_workbook
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill

from xlfidx.backtest import BacktestConfig, run_backtest
from xlfidx.cli import main
from xlfidx.errors import InputError
from xlfidx.excel.backtest_sheet import SHEET, write_backtest_sheet
from xlfidx.samples import mbs_history

FIELDS = ("PX_LAST", "CONVENTIONAL_CTD_FORWARD_FRSK", "FUT_EQV_CNVX_NOTL")


@lru_cache(maxsize=1)
def small_result():
    h = mbs_history.simulate()
    n = 900
    index = pd.DatetimeIndex(h["dates"][:n].astype("datetime64[ns]"), name="date")
    mbs = pd.DataFrame({k.split()[0]: v[:n] for k, v in h["mbs"].items()}, index=index)
    fut = pd.DataFrame({(f, c): h["futures"][c][f][:n] for f in FIELDS for c in ("TU", "FV", "TY", "US")},
                       index=index)
    return run_backtest(mbs, fut, BacktestConfig(tilts=(0.0, 2.0, 4.0), min_train_years=1))


def user_book(path: Path) -> Path:
    """A workbook a user might own: values, formulas, styles, merges, an old Backtest sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Settings"
    ws["A1"], ws["B1"] = "cost_bp", 1.5
    ws["A2"], ws["B2"] = "tilts", "0:10:0.5"
    ws["A3"], ws["B3"] = "double", "=B1*2"
    ws["A1"].font = Font(bold=True, color="FF0000")
    ws["B1"].fill = PatternFill("solid", fgColor="FFFF00")
    ws["B1"].number_format = "0.000"
    ws.merge_cells("D1:E2")
    ws["D1"] = "merged note"
    ws.column_dimensions["A"].width = 25
    old = wb.create_sheet(SHEET)
    old["A1"], old["Z99"] = "stale result", 42
    notes = wb.create_sheet("Notes")
    for i in range(1, 40):
        notes.cell(i, 1, f"line {i}")
        notes.cell(i, 2, i * 1.25)
        notes.cell(i, 3, pd.Timestamp("2024-01-01").date())
    wb.save(path)
    return path


def snapshot(ws) -> dict:
    return {(c.row, c.column): (c.value, c.number_format, c.font.b, c.font.color.rgb if c.font.color else None,
                                c.fill.fgColor.rgb)
            for row in ws.iter_rows() for c in row}


def test_other_sheets_are_kept_cell_for_cell(tmp_path):
    path = user_book(tmp_path / "book.xlsx")
    before = load_workbook(path)
    expected = {name: snapshot(before[name]) for name in ("Settings", "Notes")}
    write_backtest_sheet(path, small_result(), label="SYNTHETIC test")
    after = load_workbook(path)
    assert after.sheetnames == ["Settings", SHEET, "Notes"]  # the Backtest tab keeps its place
    for name, cells in expected.items():
        assert snapshot(after[name]) == cells, name
    settings = after["Settings"]
    assert settings["B3"].value == "=B1*2"
    assert [str(r) for r in settings.merged_cells.ranges] == ["D1:E2"]
    assert settings.column_dimensions["A"].width == 25
    bt = after[SHEET]
    assert bt["A1"].value == "MBS trend-convexity backtest -- SYNTHETIC test"
    assert bt["Z99"].value is None  # the stale sheet is gone
    values = [c.value for c in bt["A"]]
    assert "Strategy" in values and "basis TY" in values and "walk-forward" in values
    header_row = values.index("Strategy") + 1
    headers = [c.value for c in bt[header_row]]
    assert "Sharpe" in headers and "Sharpe net" in headers and "Avg |resid dur| y" in headers
    ty_row = values.index("basis TY") + 1
    sharpe = bt.cell(ty_row, headers.index("Sharpe") + 1).value
    # stored rounded to the 0.01 the sheet shows (no cell styles: the book's style table is kept)
    assert sharpe == pytest.approx(small_result().summary.loc["basis TY", "sharpe"], abs=0.005)
    assert len(bt._charts) == 5 and not bt._images


def test_out_path_leaves_the_source_untouched(tmp_path):
    path = user_book(tmp_path / "book.xlsx")
    original = path.read_bytes()
    out = write_backtest_sheet(path, small_result(), tmp_path / "out" / "copy.xlsx")
    assert path.read_bytes() == original
    assert SHEET in load_workbook(out).sheetnames


def test_a_failure_never_loses_the_book(tmp_path, monkeypatch):
    import zipfile as zf

    path = user_book(tmp_path / "book.xlsx")
    original = path.read_bytes()

    def disk_full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    # the failure strikes half-way through writing the new package
    monkeypatch.setattr(zf.ZipFile, "writestr", disk_full)
    with pytest.raises(InputError, match=r"book\.xlsx' could not be written \(No space left on device\); "
                                         "it is unchanged"):
        write_backtest_sheet(path, small_result())
    assert path.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["book.xlsx"]  # no temp left


def test_xlsm_keeps_its_vba_project(tmp_path):
    import xlwings

    template = Path(xlwings.__file__).parent / "quickstart.xlsm"
    path = tmp_path / "macro.xlsm"
    path.write_bytes(template.read_bytes())
    with zipfile.ZipFile(path) as z:
        vba = z.read("xl/vbaProject.bin")
    write_backtest_sheet(path, small_result())
    with zipfile.ZipFile(path) as z:
        assert z.read("xl/vbaProject.bin") == vba
    assert SHEET in load_workbook(path, keep_vba=True).sheetnames


def test_not_a_workbook_is_named(tmp_path):
    path = tmp_path / "text.xlsx"
    path.write_text("hello")
    with pytest.raises(InputError, match="text.xlsx' is a text file"):
        write_backtest_sheet(path, small_result())


def _write_history_book(path: Path, n: int = 700) -> Path:
    wb = history_workbook(n)
    user = wb.create_sheet("My notes")
    user["A1"] = "keep me"
    wb.save(path)
    return path


@pytest.mark.needs("python_calamine")
@pytest.mark.filterwarnings("ignore::xlfidx.bloomberg.history.HistoryWarning")
def test_cli_backtest(tmp_path, capsys):
    book = _write_history_book(tmp_path / "hist.xlsx")
    out = tmp_path / "out"
    assert main(["backtest", str(book), "--out", str(out), "--tilts", "0:2:1", "--cost", "2"]) == 0
    text = capsys.readouterr().out
    assert "MBS trend-convexity backtest" in text and "SYNTHETIC" not in text
    for row in ("basis TU", "basis TY", "adaptive", "trend", "tilt 0", "tilt 1", "tilt 2"):
        assert row in text
    assert "cost 2 bp" in text and "contract UXY skipped" in text
    assert not list(out.glob("*.png"))  # pictures only on request (--png)
    wb = load_workbook(out / "hist.xlsx")
    assert wb.sheetnames == ["MBS", "Futures", "My notes", SHEET]
    assert len(wb[SHEET]._charts) == 5
    assert wb["My notes"]["A1"].value == "keep me"
    assert np.isclose(wb["MBS"]["C2"].value, mbs_history.simulate()["mbs"]["LUMSMD Index"][0])


@pytest.mark.needs("python_calamine")
@pytest.mark.filterwarnings("ignore::xlfidx.bloomberg.history.HistoryWarning")
def test_cli_backtest_png_draws_the_charts_as_pictures_too(tmp_path, capsys):
    book = _write_history_book(tmp_path / "hist.xlsx")
    out = tmp_path / "out"
    assert main(["backtest", str(book), "--out", str(out), "--tilts", "0", "--png", "--no-workbook"]) == 0
    text = capsys.readouterr().out
    for name in ("cumulative", "frontier", "convexity", "residual"):
        png = out / f"backtest_{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and f"wrote {png}" in text
    assert not (out / "hist.xlsx").exists()


def test_cli_bad_tilts_and_missing_book_are_one_line_errors(tmp_path, capsys):
    assert main(["backtest", str(tmp_path / "none.xlsx"), "--out", str(tmp_path)]) == 2
    assert "none.xlsx" in capsys.readouterr().err
    assert main(["backtest", "--tilts", "0:x:1", "--out", str(tmp_path)]) == 2
    assert "--tilts = '0:x:1'" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------
# labels come from the data: the sample says SYNTHETIC, a user's book never does

SMALL_N = 700


@pytest.fixture(scope="module")
def small_sample(tmp_path_factory):
    """The sample writer's own book (README, digests) on its first 700 days."""
    def simulate(seed=mbs_history.SEED, _real=mbs_history.simulate):
        h = _real(seed)
        return {"dates": h["dates"][:SMALL_N],
                "mbs": {k: v[:SMALL_N] for k, v in h["mbs"].items()},
                "futures": {c: {f: v[:SMALL_N] for f, v in fields.items()} for c, fields in h["futures"].items()}}

    path = tmp_path_factory.mktemp("sample") / "small_sample.xlsx"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(mbs_history, "simulate", simulate)
        mbs_history.write(path)
    return path


def _pasted_over(sample: Path, path: Path) -> Path:
    """The sample's book with a user's numbers pasted over its MBS level and futures prices."""
    wb = load_workbook(sample)
    for sheet in ("MBS", "Futures"):
        ws = wb[sheet]
        for row in ws.iter_rows(min_row=3):
            for cell in row:
                if isinstance(cell.value, float):
                    cell.value = round(cell.value * 1.001, 6)
    wb.save(path)
    return path


@pytest.mark.needs("python_calamine")
@pytest.mark.filterwarnings("ignore::xlfidx.bloomberg.history.HistoryWarning")
@pytest.mark.parametrize("book, synthetic", [("sample", True), ("pasted", False), ("user", False)])
def test_synthetic_label_in_the_printout_and_the_sheet_follows_the_data(tmp_path, capsys, small_sample,
                                                                        book, synthetic):
    path = {"sample": lambda: small_sample,
            "pasted": lambda: _pasted_over(small_sample, tmp_path / "pasted.xlsx"),
            "user": lambda: _write_history_book(tmp_path / "user.xlsx")}[book]()
    out = tmp_path / "out"
    assert main(["backtest", str(path), "--out", str(out), "--tilts", "0", "1"]) == 0
    text = capsys.readouterr().out
    first = text.splitlines()[0]
    assert first.startswith("MBS trend-convexity backtest")
    assert ("SYNTHETIC" in first) is synthetic
    assert ("SYNTHETIC sample data, not market data" in text) is synthetic
    wb = load_workbook(out / path.name, read_only=True)
    cells = " ".join(str(v) for row in wb[SHEET].iter_rows(values_only=True) for v in row
                     if v is not None)
    wb.close()
    assert cells.startswith(first)
    assert ("SYNTHETIC sample data, not market data" in cells) is synthetic
    if book == "pasted":  # the README still says SYNTHETIC: the note says why it is not believed
        assert "read as your data, not labelled SYNTHETIC" in text


@pytest.mark.needs("python_calamine")
@pytest.mark.filterwarnings("ignore::xlfidx.bloomberg.history.HistoryWarning")
@pytest.mark.parametrize("book, synthetic", [("sample", True), ("user", False)])
def test_refresh_labels_the_backtest_sheet_from_the_data(tmp_path, small_sample, book, synthetic):
    import shutil

    from xlfidx.excel.refresh import refresh_file

    path = tmp_path / "book.xlsx"
    if book == "sample":
        shutil.copy(small_sample, path)
    else:
        _write_history_book(path)
    wb = load_workbook(path)
    wb.create_sheet("Settings").append(["tilts", "0,1"])
    wb.create_sheet(SHEET)
    wb.save(path)
    refresh_file(path)
    wb = load_workbook(path, read_only=True)
    title = wb[SHEET]["A1"].value
    wb.close()
    assert title.startswith("MBS trend-convexity backtest")
    assert ("SYNTHETIC" in title) is synthetic


def test_convexity_title_states_the_fit_not_a_conclusion():
    from xlfidx.backtest_plot import convexity_title

    # points on a line: the least-squares slope is the line's, the correlation exactly 1
    line = pd.DataFrame({"avg_ctd_convexity": [0.1, 0.5, 1.5, 3.0],
                         "avg_abs_resid_dur": [0.023, 0.035, 0.065, 0.110]}, index=["TU", "FV", "US", "WN"])
    title = convexity_title(line, "SYNTHETIC sample data, not market data")
    assert "over 4 contracts: slope 0.0300 years per unit of convexity, correlation 1.00" in title
    assert title.endswith("\nSYNTHETIC sample data, not market data")
    # a negative fit is stated as it is; the title draws no conclusion either way
    x = np.array([0.06, 0.25, 0.47, 0.84, 1.9, 3.4])
    y = np.array([0.030, 0.012, 0.041, 0.020, 0.015, 0.010])
    cv = pd.DataFrame({"avg_ctd_convexity": x, "avg_abs_resid_dur": y, "avg_ctd_duration": np.nan})
    # independent figures: the slope is cov/var, the correlation Pearson's (pandas)
    slope = ((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum()
    corr = pd.Series(x).corr(pd.Series(y))
    title = convexity_title(cv)
    assert f"slope {slope:.4f} years per unit of convexity, correlation {corr:.2f}" in title
    assert corr < -0.5 and "driven" not in title and "convexity-driven" not in title
    # one contract: nothing to fit, nothing claimed
    assert "\n" not in convexity_title(cv.iloc[:1])
