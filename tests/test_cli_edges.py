"""The command line says what it does: help texts name what the user sees, every run that is
told where to write writes something there or says why not, and each result is printed once."""

from __future__ import annotations

import csv

import pytest
from bloomberg_files import history_workbook
from openpyxl import Workbook

from xlfidx.cli import main


def _help(capsys, *argv: str) -> str:
    assert main([*argv, "--help"]) == 0
    return " ".join(capsys.readouterr().out.split())  # argparse wraps at the terminal width


def test_top_help_does_not_promise_functions_from_the_install_alone(capsys):
    text = _help(capsys)
    line = text[text.index("addin "):][:200]
    assert "worksheet functions need a one-time import" in line


def test_refresh_help_speaks_of_the_ribbon_button_and_describes_workbook(capsys):
    text = _help(capsys, "refresh")
    assert "Refresh backtest" in text
    assert "WORKBOOK the .xlsm or .xlsx book to refresh, in place" in text


def test_calc_help_describes_workbook(capsys):
    text = _help(capsys, "calc")
    assert "WORKBOOK the .xlsm or .xlsx book whose formulas to evaluate" in text


@pytest.mark.needs("formulas")
def test_refresh_prints_its_final_line_once(tmp_path, capsys):
    book = tmp_path / "book.xlsx"
    wb = Workbook()
    wb.active["A1"] = 2
    wb.active["A2"] = "=A1*3"
    wb.save(book)
    assert main(["refresh", str(book)]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == f"{book}: recalculated"
    assert "recalculated" not in err


@pytest.mark.filterwarnings("ignore::xlfidx.bloomberg.history.HistoryWarning")
def test_backtest_no_workbook_writes_the_summary_and_says_so(tmp_path, capsys):
    book = tmp_path / "hist.xlsx"
    history_workbook(700).save(book)
    out = tmp_path / "out"
    assert main(["backtest", str(book), "--out", str(out), "--tilts", "0:1:1", "--no-workbook"]) == 0
    text = capsys.readouterr().out
    target = out / "hist_summary.csv"
    assert f"wrote {target}" in text
    assert sorted(p.name for p in out.iterdir()) == ["hist_summary.csv"]  # no book, no pictures
    with target.open(newline="") as f:
        rows = list(csv.DictReader(f))
    names = [r["strategy"] for r in rows]
    for name in ("basis TY", "adaptive", "trend", "tilt 0", "tilt 1"):
        assert name in names
    # the CSV holds the printed figures: the Sharpe of tilt 0 as printed to 2 decimals
    sharpe = float(next(r for r in rows if r["strategy"] == "tilt 0")["sharpe"])
    printed = next(line for line in text.splitlines() if line.startswith("tilt 0 "))
    assert f"{sharpe:.2f}" in printed.split()
