"""Plain mistakes on the command line end in one clear line and an exit code, never a traceback.

Every command that reads a workbook (dlv, fedpath, backtest, calc, refresh) is given a CSV, an
old .xls, a truncated and an empty .xlsx, a folder; the writers a read-only target, an output
that is a file where a folder belongs (and the reverse), an extension they cannot write. Names
that trip spreadsheet syntax (a sheet ``Bob's basis``, a file ``book[1].xlsx``) must work. A
closed pipe and Ctrl-C exit quietly with their documented codes. Fixtures are written by the
project's own sample writers and openpyxl, in a temporary folder.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from bloomberg_files import history_workbook
from openpyxl import Workbook, load_workbook

from xlfidx._files import check_output_dir, check_output_file, check_workbook
from xlfidx.backtest import MAX_HISTORY_DAYS, MAX_TILTS, BacktestConfig, run_backtest
from xlfidx.cli import BAD_INPUT, BROKEN_PIPE, EXIT_CODES, INTERNAL_ERROR, INTERRUPTED, main
from xlfidx.errors import InputError
from xlfidx.samples import basket, fedfutures

ROOT = Path(__file__).resolve().parents[1]
READERS = ["dlv", "fedpath", "backtest", "calc", "refresh"]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("files")
    good = d / "basket.xlsx"
    basket.write(good)
    out = {"good": good}
    out["csv"] = d / "prices.csv"
    out["csv"].write_text("ticker,px_last\nTYZ4 Comdty,110.5\n")
    out["xls"] = d / "old.xls"  # the OLE2 compound-file signature Excel 97-2003 writes
    out["xls"].write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    out["truncated"] = d / "cut.xlsx"
    out["truncated"].write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    out["empty"] = d / "empty.xlsx"
    out["empty"].write_bytes(b"")
    out["folder"] = d / "a folder.xlsx"
    out["folder"].mkdir()
    return out


EXPECT = {  # case -> what the one line says
    "csv": "is a CSV file; xlfidx reads .xlsx and .xlsm workbooks",
    "xls": "is an Excel 97-2003 .xls workbook",
    "truncated": "is incomplete or damaged",
    "empty": "is empty (0 bytes)",
    "folder": "is a folder, not a workbook",
}


def _argv(command: str, path: Path, tmp_path: Path) -> list[str]:
    if command == "backtest":
        return [command, str(path), "--out", str(tmp_path / "out")]
    return [command, str(path)]


def _one_error_line(err: str, command: str, progress: bool = False) -> str:
    """The error line; with ``progress``, the indented progress lines of a job that had
    started (the backtest's "  reading ...") may come before it."""
    lines = [x for x in err.splitlines() if not (progress and x.startswith("  "))]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith(f"xlfidx {command}: error: "), err
    return lines[0]


@pytest.mark.parametrize("case", sorted(EXPECT))
@pytest.mark.parametrize("command", READERS)
def test_a_file_that_is_not_a_workbook_is_one_line(command, case, files, tmp_path, capsys):
    path = files[case]
    assert main(_argv(command, path, tmp_path)) == BAD_INPUT
    line = _one_error_line(capsys.readouterr().err, command)
    assert repr(str(path)) in line and EXPECT[case] in line, line


@pytest.mark.parametrize("command", READERS)
def test_a_missing_file_is_one_line(command, tmp_path, capsys):
    assert main(_argv(command, tmp_path / "nowhere.xlsx", tmp_path)) == BAD_INPUT
    assert "nowhere.xlsx' does not exist" in _one_error_line(capsys.readouterr().err, command)


@pytest.mark.cpython_only("starts a Python process")
@pytest.mark.parametrize("command", READERS)
def test_real_process_gives_exit_2_and_one_stderr_line(command, files, tmp_path):
    """The console entry point itself, not only main(): exit status and stderr as a user sees."""
    run = subprocess.run([sys.executable, "-m", "xlfidx", *_argv(command, files["csv"], tmp_path)],
                         capture_output=True, text=True, cwd=tmp_path, env=_env(), timeout=120)
    assert run.returncode == BAD_INPUT
    assert "is a CSV file" in _one_error_line(run.stderr, command)


def _env() -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("XLFIDX_DEBUG", None)
    return env


# --------------------------------------------------------------------------- what a file is


def test_check_workbook_names_other_formats(tmp_path):
    xlsb = tmp_path / "book.xlsb"
    with zipfile.ZipFile(xlsb, "w") as z:
        z.writestr("xl/workbook.bin", b"\x00")
    ods = tmp_path / "book.ods"
    with zipfile.ZipFile(ods, "w") as z:
        z.writestr("content.xml", "<office:document-content/>")
    other = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("readme.txt", "hello")
    text = tmp_path / "text.xlsx"
    text.write_text("date,price\n2024-08-01,110\n")
    for path, words in [(xlsb, "binary .xlsb"), (ods, "OpenDocument"), (other, "a zip archive"),
                        (text, "text file (CSV or similar)")]:
        with pytest.raises(InputError, match=r"FILE = .* " + words.replace(".", r"\.")
                           .replace("(", r"\(").replace(")", r"\)")):
            check_workbook(path, "FILE")


def test_output_checks(tmp_path):
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    with pytest.raises(InputError, match="--out = .* is a file; it must name a folder"):
        check_output_dir(a_file, "--out")
    with pytest.raises(InputError, match="cannot be written: .*file.txt' is a file"):
        check_output_dir(a_file / "sub", "--out")
    with pytest.raises(InputError, match="--plot = .*chart.txt' has an extension .* use .png"):
        check_output_file(tmp_path / "chart.txt", "--plot", [".png", ".pdf"])
    with pytest.raises(InputError, match="is a folder; give a file name"):
        check_output_file(tmp_path, "--plot", [".png"])
    assert check_output_dir(tmp_path / "new" / "deeper", "--out") == tmp_path / "new" / "deeper"


# --------------------------------------------------------------------------- writers


def test_plot_with_an_extension_matplotlib_does_not_write(tmp_path, capsys):
    assert main(["fedpath", "--plot", str(tmp_path / "out.txt")]) == BAD_INPUT
    line = _one_error_line(capsys.readouterr().err, "fedpath")
    assert "--plot = " in line and "out.txt" in line and ".png, .pdf, .svg" in line
    assert main(["fedpath", "--plot", str(tmp_path)]) == BAD_INPUT
    assert "is a folder" in _one_error_line(capsys.readouterr().err, "fedpath")


def test_out_where_a_folder_belongs_is_a_file(tmp_path, capsys):
    a_file = tmp_path / "results"
    a_file.write_text("not a folder")
    for argv, command in [(["backtest", "--out", str(a_file)], "backtest"),
                          (["build-workbooks", "--out", str(a_file)], "build-workbooks"),
                          (["make-sample-data", "--dir", str(a_file)], "make-sample-data")]:
        assert main(argv) == BAD_INPUT
        assert "is a file; it must name a folder" in _one_error_line(capsys.readouterr().err, command)


def test_calc_out_keeps_the_books_extension_and_is_a_file(files, tmp_path, capsys):
    assert main(["calc", str(files["good"]), "--out", str(tmp_path / "copy.xlsm")]) == BAD_INPUT
    line = _one_error_line(capsys.readouterr().err, "calc")
    assert "copy.xlsm' has an extension" in line and "use .xlsx (the extension of WORKBOOK)" in line
    assert main(["calc", str(files["good"]), "--out", str(files["folder"])]) == BAD_INPUT
    assert "is a folder; give a file name" in _one_error_line(capsys.readouterr().err, "calc")


def _read_only(monkeypatch, target: Path) -> None:
    """What os.access reports for a read-only file or folder (tests may run as root, for
    whom chmod does not stop a write, so the refusal is simulated where it is looked up)."""
    real = os.access

    def access(path, mode, *args, **kwargs):
        if Path(path).resolve() == target.resolve() and mode & os.W_OK:
            return False
        return real(path, mode, *args, **kwargs)

    monkeypatch.setattr("xlfidx._files.os.access", access)


@pytest.mark.parametrize("command", ["calc", "refresh"])
def test_read_only_book_is_refused_before_any_work(command, files, tmp_path, monkeypatch, capsys):
    book = tmp_path / "book.xlsx"
    book.write_bytes(files["good"].read_bytes())
    _read_only(monkeypatch, book)
    assert main([command, str(book)]) == BAD_INPUT
    assert "is read-only" in _one_error_line(capsys.readouterr().err, command)
    assert book.read_bytes() == files["good"].read_bytes()


def test_read_only_output_folder_of_the_backtest(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    out.mkdir()
    _read_only(monkeypatch, out)
    assert main(["backtest", "--out", str(out)]) == BAD_INPUT
    assert "is a read-only folder" in _one_error_line(capsys.readouterr().err, "backtest")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root writes through chmod 0444; the simulated case above covers it")
def test_read_only_book_for_real(files, tmp_path, capsys):
    book = tmp_path / "book.xlsx"
    book.write_bytes(files["good"].read_bytes())
    book.chmod(0o444)
    assert main(["calc", str(book)]) == BAD_INPUT
    assert "is read-only" in _one_error_line(capsys.readouterr().err, "calc")


def test_a_permission_error_while_writing_is_one_line(files, tmp_path, monkeypatch, capsys):
    """A write refused after the checks (a file locked by Excel, a share gone read-only)."""
    book = tmp_path / "book.xlsx"
    book.write_bytes(files["good"].read_bytes())

    def refuse(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("xlfidx.excel.calc.calc_workbook", refuse)
    assert main(["calc", str(book)]) == BAD_INPUT
    line = _one_error_line(capsys.readouterr().err, "calc")
    assert line == f"xlfidx calc: error: cannot use {str(book)!r}: Permission denied"


def test_a_damaged_workbook_inside_is_one_line(files, monkeypatch, capsys):
    def damaged(path):
        raise zipfile.BadZipFile("Bad CRC-32 for file 'xl/worksheets/sheet1.xml'")

    monkeypatch.setattr("xlfidx.bloomberg.basket.read_basket_export", damaged)
    assert main(["dlv", str(files["good"])]) == BAD_INPUT
    line = _one_error_line(capsys.readouterr().err, "dlv")
    assert "damaged" in line and "Bad CRC-32" in line


# --------------------------------------------------------------------------- awkward names


def _apostrophe_book(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Bob's basis"
    ws["A1"] = 2
    ws["A2"] = "=A1*3"
    # CME's conversion factor of the 4.25% of 2031-06-30 into TYZ4 is 0.9069
    ws["B1"] = '=CONVFACTOR(4.25, DATE(2031,6,30), "TYZ4")'
    other = wb.create_sheet("Other")
    other["A1"] = "='Bob''s basis'!A1+1"
    other["A2"] = "=SUM('BOB''S BASIS'!A1:A2)"
    wb.save(path)
    return path


@pytest.mark.needs("formulas")
@pytest.mark.parametrize("name", ["bob.xlsx", "book[1].xlsx", "Bob's book.xlsx"])
def test_calc_with_an_apostrophe_sheet_and_a_bracket_file_name(name, tmp_path, capsys):
    book = _apostrophe_book(tmp_path / name)
    assert main(["calc", str(book)]) == 0
    assert "4 formulas, 4 cells stored, 0 error values" in capsys.readouterr().out
    values = load_workbook(book, data_only=True)
    assert values["Bob's basis"]["A2"].value == 6
    assert values["Bob's basis"]["B1"].value == 0.9069
    assert values["Other"]["A1"].value == 3
    assert values["Other"]["A2"].value == 8
    formulas = load_workbook(book)
    assert formulas.sheetnames == ["Bob's basis", "Other"]
    assert formulas["Other"]["A1"].value == "='Bob''s basis'!A1+1"


def test_dlv_and_refresh_on_a_file_named_with_brackets(files, tmp_path, capsys):
    book = tmp_path / "book[1].xlsx"
    book.write_bytes(files["good"].read_bytes())
    assert main(["dlv", str(book)]) == 0
    assert "CTD" in capsys.readouterr().out
    assert main(["refresh", str(book)]) == 0


def _history_book(path: Path, mbs_sheet: str, n: int = 700) -> Path:
    history_workbook(n, mbs_sheet).save(path)
    return path


@pytest.mark.needs("python_calamine")
@pytest.mark.filterwarnings("ignore::xlfidx.bloomberg.history.HistoryWarning")
def test_backtest_on_a_sheet_named_with_an_apostrophe(tmp_path, capsys):
    book = _history_book(tmp_path / "hist.xlsx", "Bob's basis")
    out = tmp_path / "out"
    assert main(["backtest", str(book), "--mbs-sheet", "Bob's basis", "--out", str(out),
                 "--tilts", "0:2:1"]) == 0
    assert "tilt 2" in capsys.readouterr().out
    assert load_workbook(out / "hist.xlsx").sheetnames[:2] == ["Bob's basis", "Futures"]
    assert main(["backtest", str(book), "--mbs-sheet", "Bob", "--out", str(out)]) == BAD_INPUT
    line = _one_error_line(capsys.readouterr().err, "backtest", progress=True)
    assert "sheet = 'Bob' is not in hist.xlsx" in line and "Bob's basis" in line


def test_fedpath_date_that_is_not_a_sheet(tmp_path, capsys):
    export = tmp_path / "fed.xlsx"
    fedfutures.write(export)
    assert main(["fedpath", str(export), "--date", "Bob's basis"]) == BAD_INPUT
    line = _one_error_line(capsys.readouterr().err, "fedpath")
    assert "date = \"Bob's basis\" is not a pricing-date sheet of fed.xlsx" in line


# --------------------------------------------------------------------------- sizes


def test_tilt_grid_of_absurd_size_is_refused_at_once(tmp_path, capsys):
    for grid, says in [("0:1e9:1", "gives 1,000,000,001 tilts; a run takes at most 201"),
                       ("0:10:0.01", "gives 1,001 tilts"),
                       ("0:1e300:1e-300", "gives too many tilts"),
                       ("0:inf:1", "must be a number or start:stop:step")]:
        assert main(["backtest", "--tilts", grid, "--out", str(tmp_path)]) == BAD_INPUT
        line = _one_error_line(capsys.readouterr().err, "backtest")
        assert f"--tilts = '{grid}' {says}" in line, line


def test_the_largest_grid_is_accepted_and_the_next_refused():
    assert len(BacktestConfig(tilts=np.linspace(0, 10, MAX_TILTS)).tilts) == MAX_TILTS
    with pytest.raises(InputError, match="tilts = '202 values' are too many; .* at most 201"):
        BacktestConfig(tilts=np.linspace(0, 10, MAX_TILTS + 1))


def _flat_history(days: int):
    index = pd.bdate_range("1900-01-01", periods=days, name="date")
    mbs = pd.DataFrame({"LUMSTRUU": np.linspace(100, 200, days), "LUMSMD": 5.0}, index=index)
    fut = {"TY": pd.DataFrame({"PX_LAST": np.linspace(110, 120, days),
                               "CONVENTIONAL_CTD_FORWARD_FRSK": 6.5}, index=index)}
    return mbs, fut


def test_history_of_absurd_size_is_refused_before_the_work():
    mbs, fut = _flat_history(MAX_HISTORY_DAYS + 1)
    with pytest.raises(InputError, match="30,001 days' is too long a history; .* at most 30,000"):
        run_backtest(mbs, fut)
    mbs, fut = _flat_history(8000)
    with pytest.raises(InputError, match="'201 tilts on 8,000 days' is too large a run"):
        run_backtest(mbs, fut, BacktestConfig(tilts=np.linspace(0, 10, MAX_TILTS)))


# --------------------------------------------------------------------------- pipes, Ctrl-C, bugs


@pytest.mark.cpython_only("starts a Python process")
def test_output_piped_to_a_closed_reader_exits_quietly(tmp_path):
    """``xlfidx fedpath | head -0``: the reader is gone before the first line is written."""
    proc = subprocess.Popen([sys.executable, "-m", "xlfidx", "fedpath", "--probs"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path, env=_env())
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=120) == BROKEN_PIPE
    assert "Traceback" not in err and "Error" not in err, err


@pytest.mark.cpython_only("interrupts a Python process with a signal")
def test_ctrl_c_exits_130_with_one_line(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "xlfidx", "backtest", "--no-workbook",
                             "--out", str(tmp_path), "--tilts", "0:10:0.05"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            cwd=tmp_path, env=_env())
    assert "reading" in proc.stderr.readline()  # the work has started (about 3 s to go)
    proc.send_signal(signal.SIGINT)
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=120) == INTERRUPTED
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == "xlfidx backtest: interrupted"


def test_an_internal_error_is_one_line_and_debug_shows_it(monkeypatch, capsys):
    def bug(args):
        return 1 / 0

    monkeypatch.setattr("xlfidx.cli.dlv.run", bug)
    monkeypatch.delenv("XLFIDX_DEBUG", raising=False)
    assert main(["dlv"]) == INTERNAL_ERROR
    err = capsys.readouterr().err
    assert err == ("xlfidx dlv: internal error: ZeroDivisionError: division by zero (set "
                   "XLFIDX_DEBUG=1 to see the traceback, and please report it)\n")
    monkeypatch.setenv("XLFIDX_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        main(["dlv"])


def test_usage_errors_are_one_line(capsys):
    assert main(["dlv", "--repo", "abc"]) == BAD_INPUT
    line = _one_error_line(capsys.readouterr().err, "dlv")
    assert line == "xlfidx dlv: error: argument --repo: invalid float value: 'abc' (see 'xlfidx dlv --help')"


def test_help_documents_the_exit_codes(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for code, meaning in EXIT_CODES.items():
        assert f"  {code:<4} {meaning}" in out
    assert "XLFIDX_DEBUG=1" in out


@pytest.mark.cpython_only("starts a Python process")
def test_help_imports_neither_numpy_nor_pandas():
    """Start-up: `xlfidx --help` and every `COMMAND --help` import only what they print."""
    code = ("import sys, contextlib, io\n"
            "from xlfidx.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    codes = [main(a) for a in (['--help'], *[[c, '--help'] for c in sys.argv[1:]])]\n"
            "print(codes, sorted(m for m in ('numpy', 'pandas', 'openpyxl', 'matplotlib') "
            "if m in sys.modules))")
    commands = ["dlv", "fedpath", "backtest", "make-sample-data", "calc", "refresh", "build-workbooks"]
    run = subprocess.run([sys.executable, "-c", code, *commands], capture_output=True, text=True,
                         env=_env(), check=True)
    assert run.stdout.strip() == f"{[0] * (len(commands) + 1)} []"



def test_a_library_warning_is_one_line(monkeypatch, capsys):
    import warnings

    def warns(args):
        warnings.warn("Data Validation extension is not supported and will be removed",
                      UserWarning, stacklevel=1)
        return 0

    monkeypatch.setattr("xlfidx.cli.dlv.run", warns)
    monkeypatch.delenv("XLFIDX_DEBUG", raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        assert main(["dlv"]) == 0
    assert capsys.readouterr().err == ("xlfidx: warning: Data Validation extension is not "
                                       "supported and will be removed\n")
