"""Every book xlfidx ships or writes looks like a desk's at 100% zoom: no ``###``, no header cut
by its neighbour, one number format per column of a table, results never under General.

The rule (``tests/book_layout.py``): a cell's column is at least ``len(text) + 1`` characters
wide, ``1.1 · len(text) + 1`` for bold text, where ``text`` is the value as Excel shows it under
the cell's number format; a text may run on into empty cells to its right.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from bloomberg_files import history_workbook
from book_layout import decimals_per_column, general_numbers, problems, shown
from openpyxl import Workbook
from openpyxl.styles import Font

import xlfidx

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted([*(ROOT / "data").glob("*.xlsx"), *(ROOT / "workbooks").glob("*.xlsm")])
# the sheets of results xlfidx lays out (the others hold the exports as Bloomberg writes them)
RESULT_SHEETS = {"basis.xlsm": ["DLV"], "fedpath.xlsm": ["FEDPATH"],
                 "mbs_trend.xlsm": ["Hedge", "Settings", "Backtest"]}


# --- the rule catches what it should (so that the checks below can fail) ------------------------

def test_the_rule_finds_hashes_cut_headers_and_general_digits(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws["A1"] = dt.datetime(2023, 11, 22)  # default width 8.43: Excel shows ###
    ws["A1"].number_format = "yyyy-mm-dd"
    ws["B1"], ws["C1"] = "conversion", "last_update_dt"  # B is cut at C
    ws["B1"].font = Font(bold=True)
    ws["D1"] = 129.4310192426
    ws["E1"] = "a long note that runs on into the empty cells to its right"
    wb.save(tmp_path / "b.xlsx")
    found = problems(tmp_path / "b.xlsx")
    assert [p.split(":")[0] for p in found] == ["Sheet!A1", "Sheet!B1", "Sheet!C1", "Sheet!D1"]
    assert general_numbers(tmp_path / "b.xlsx", ["Sheet"]) == ["Sheet!D1: 129.4310192426"]


def test_shown_follows_excels_formats():
    assert shown(-0.004, "0.00") == "-0.00"
    assert shown(0.5, "0.0%") == "50.0%"
    assert shown(dt.datetime(2025, 4, 30), "mmm-yy") == "Apr-25"
    assert shown(1101.9524, "General") == "1101.9524"
    assert shown(1 / 3, "General") == "0.333333333"


# --- the shipped books -------------------------------------------------------------------------

@pytest.mark.parametrize("book", SHIPPED, ids=lambda p: p.name)
def test_shipped_book_shows_every_cell_in_full(book):
    assert problems(book) == []


@pytest.mark.parametrize("name", sorted(RESULT_SHEETS))
def test_shipped_results_have_a_format_each_and_one_per_column(name):
    book = ROOT / "workbooks" / name
    assert general_numbers(book, RESULT_SHEETS[name]) == []
    for sheet in RESULT_SHEETS[name]:
        assert decimals_per_column(book, sheet) == []


# --- the books xlfidx writes ---------------------------------------------------------------------

@pytest.mark.cpython_only("starts the installed command")
def test_backtest_output_book_shows_every_cell_in_full(tmp_path):
    """``xlfidx backtest`` on the shipped sample: the copied history sheets and the Backtest
    sheet (its tables and chart data)."""
    run = subprocess.run([sys.executable, "-m", "xlfidx", "backtest", "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-1000:]
    book = tmp_path / "mbs_trend_sample.xlsx"
    assert problems(book) == []
    assert general_numbers(book, ["Backtest"]) == []
    assert decimals_per_column(book, "Backtest") == []


@pytest.mark.filterwarnings("ignore::xlfidx.bloomberg.history.HistoryWarning")
def test_backtest_sheet_styles_are_appended_once(tmp_path):
    """The formats the Backtest sheet needs join the book's style table at its end; a second
    write finds them there and leaves the table byte for byte."""
    from xlfidx.cli import main

    book = tmp_path / "hist.xlsx"
    history_workbook(700).save(book)
    before = zipfile.ZipFile(book).read("xl/styles.xml").decode()
    assert main(["backtest", str(book), "--out", str(tmp_path / "a"), "--tilts", "0:1:1"]) == 0
    once = zipfile.ZipFile(tmp_path / "a" / "hist.xlsx").read("xl/styles.xml").decode()
    old_xfs = before[before.index("<cellXfs"):before.index("</cellXfs>")].split(">", 1)[1]
    new_xfs = once[once.index("<cellXfs"):once.index("</cellXfs>")].split(">", 1)[1]
    assert new_xfs.startswith(old_xfs) and len(new_xfs) > len(old_xfs)  # appended, none moved
    assert once.replace(new_xfs, old_xfs).split("<cellXfs")[1].split(">", 1)[1] == \
        before.split("<cellXfs")[1].split(">", 1)[1]  # the rest of the table as it was
    assert main(["backtest", str(tmp_path / "a" / "hist.xlsx"), "--out", str(tmp_path / "b"),
                 "--tilts", "0:1:1"]) == 0
    twice = zipfile.ZipFile(tmp_path / "b" / "hist.xlsx").read("xl/styles.xml").decode()
    assert twice == once
    # the user's own sheets are theirs, kept byte for byte; the Backtest sheet is ours
    assert problems(tmp_path / "b" / "hist.xlsx", ["Backtest"]) == []


@pytest.mark.parametrize("kind", ["basket", "fedfutures", "sofr", "history"])
def test_templates_show_every_header_in_full(tmp_path, kind):
    if kind == "basket":
        book = xlfidx.write_basket_template("TYZ4", tmp_path)
    elif kind == "fedfutures":
        book = xlfidx.write_fedfutures_template(["2025-04-30", "2025-03-31"], tmp_path)
    elif kind == "sofr":
        book = xlfidx.write_sofr_template(["2025-04-30", "2025-03-31"], tmp_path)
    else:
        book = xlfidx.write_history_template("2004-01-02", "2024-12-31", tmp_path)
    assert problems(book) == []
