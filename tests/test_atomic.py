"""Nothing a user owns is lost: files are written beside the target and replaced in one step.

Unit tests of :func:`xlfidx._files.atomic_write`, then the commands that rewrite a workbook
(``calc``, ``refresh``, ``backtest --out``) run for real in a subprocess and killed (SIGKILL)
while they write -- the moment is found by watching the process's open files grow -- or run
under a file-size limit (RLIMIT_FSIZE, as a full disk would stop them). Every time the book
must still open and be byte for byte what it was, with no temporary file left beside it.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
import warnings
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from openpyxl import Workbook

from xlfidx._files import OpenInExcelWarning, atomic_write, warn_if_open_in_excel
from xlfidx.errors import InputError
from xlfidx.samples import mbs_history

ROOT = Path(__file__).resolve().parents[1]
LINUX_PROC = os.path.isdir("/proc/self/fd")  # os.path: no error where /proc is refused (Pyodide)


# ---------------------------------------------------------------------------------------------
# atomic_write


@pytest.fixture(params=["anonymous", "named"])
def mode(request, monkeypatch):
    """Both ways of holding the new content: Linux's unnamed file, and a hidden named file."""
    if request.param == "named":
        monkeypatch.setattr("xlfidx._files._anonymous", lambda folder: None)
    elif not LINUX_PROC:
        pytest.skip("no /proc: unnamed temporary files are a Linux feature")
    return request.param


def test_replaces_the_file_and_leaves_nothing_else(tmp_path, mode):
    target = tmp_path / "book.xlsx"
    target.write_bytes(b"old")
    with atomic_write(target) as tmp:
        assert Path(tmp) != target
        Path(tmp).write_bytes(b"new content")
        assert target.read_bytes() == b"old"  # untouched until the block ends
    assert target.read_bytes() == b"new content"
    assert [p.name for p in tmp_path.iterdir()] == ["book.xlsx"]


@pytest.mark.parametrize("error", [ValueError("bad row"), KeyboardInterrupt()])
def test_an_error_leaves_the_file_and_no_temporary(tmp_path, mode, error):
    target = tmp_path / "book.xlsx"
    target.write_bytes(b"old")
    with pytest.raises(type(error)), atomic_write(target) as tmp:
        Path(tmp).write_bytes(b"half a book")
        raise error
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["book.xlsx"]


def test_keeps_the_permissions_of_the_file_it_replaces(tmp_path, mode):
    target = tmp_path / "shared.xlsx"
    target.write_bytes(b"old")
    target.chmod(0o640)
    with atomic_write(target) as tmp:
        Path(tmp).write_bytes(b"new")
    assert target.stat().st_mode & 0o777 == 0o640


def test_a_new_file_gets_the_usual_permissions_and_its_folder(tmp_path, mode):
    target = tmp_path / "out" / "deep" / "chart.png"
    umask = os.umask(0o022)
    try:
        with atomic_write(target) as tmp:
            Path(tmp).write_bytes(b"\x89PNG")
    finally:
        os.umask(umask)
    assert target.read_bytes() == b"\x89PNG"
    assert target.stat().st_mode & 0o777 == 0o644


def test_writers_that_take_a_path_work_with_the_temporary_path(tmp_path, mode):
    target = tmp_path / "book.xlsx"
    with atomic_write(target) as tmp:
        wb = Workbook()
        wb.active["A1"] = 103.296875
        wb.save(tmp)
    assert openpyxl.load_workbook(target).active["A1"].value == 103.296875


def test_a_full_disk_is_one_clear_error_and_the_file_is_kept(tmp_path, mode):
    target = tmp_path / "book.xlsx"
    target.write_bytes(b"old")
    with pytest.raises(InputError, match=r"file = '.*book\.xlsx' could not be written \(No space left"), \
            atomic_write(target):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["book.xlsx"]


def test_warns_when_the_book_is_open_in_excel(tmp_path):
    book = tmp_path / "mbs_trend.xlsm"
    book.write_bytes(b"book")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert warn_if_open_in_excel(book) is False
    (tmp_path / "~$mbs_trend.xlsm").write_bytes(b"lock")  # what Excel leaves while it has it open
    with pytest.warns(OpenInExcelWarning, match=r"mbs_trend\.xlsm looks open in Excel \(~\$mbs_trend\.xlsm"):
        with atomic_write(book) as tmp:
            Path(tmp).write_bytes(b"new")


# ---------------------------------------------------------------------------------------------
# the commands, killed while they write

CONTRACTS = ("TU", "FV", "TY")
FIELDS = ("PX_LAST", "CONVENTIONAL_CTD_FORWARD_FRSK", "FUT_EQV_CNVX_NOTL")


def _history_book(path: Path, n: int = 700, filler_sheets: int = 8) -> Path:
    """A book a user might refresh: tidy MBS and futures histories (SYNTHETIC, from the sample
    generator), a Settings sheet, a formula sheet, an old Backtest sheet, and sheets of numbers
    that make the file big enough (about 1.5 MB) for its write to take a while."""
    h = mbs_history.simulate()
    rng = np.random.default_rng(7)
    wb = Workbook(write_only=True)
    mbs = wb.create_sheet("MBS")
    mbs.append(["Date", "LUMSTRUU", "LUMSMD", "LUMSOAS"])
    days = h["dates"][:n].astype("datetime64[D]").astype(object)
    for i in range(n):
        mbs.append([days[i], *(float(h["mbs"][k][i]) for k in mbs_history.MBS_TICKERS)])
    fut = wb.create_sheet("Futures")
    fut.append(["Date", *(f"{c}1 Comdty {f}" for c in CONTRACTS for f in FIELDS)])
    for i in range(n):
        fut.append([days[i], *(float(h["futures"][c][f][i]) for c in CONTRACTS for f in FIELDS)])
    settings = wb.create_sheet("Settings")
    settings.append(["cost_bp", 1.0])
    settings.append(["tilts", "0,2,4"])
    calc = wb.create_sheet("Hedge")
    calc.append(["MBS duration", f"=MBS!C{n + 1}"])
    calc.append(["twice", "=B1*2"])
    calc.append(["TBA DV01", "=TBADV01(97.3242,4.0347)"])
    wb.create_sheet("Backtest").append(["written by the last refresh"])
    for k in range(filler_sheets):
        ws = wb.create_sheet(f"Data{k + 1}")
        for row in rng.normal(size=(1500, 8)):
            ws.append([float(x) for x in row])
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def history_book(tmp_path_factory):
    return _history_book(tmp_path_factory.mktemp("books") / "hedge.xlsx")


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")


def _temporaries(pid: int, folder: Path) -> list[str]:
    """The files ``pid`` has open in ``folder`` that are not (yet) in it: its temporaries."""
    out = []
    fd_dir = f"/proc/{pid}/fd"
    try:
        fds = os.listdir(fd_dir)
    except OSError:
        return out
    for fd in fds:
        try:
            link = os.readlink(f"{fd_dir}/{fd}")
        except OSError:
            continue
        if link.startswith(f"{folder}/") and (link.endswith(" (deleted)") or "/.~" in link):
            out.append(f"{fd_dir}/{fd}")
    return out


def _run_and_kill(args: list[str], folder: Path, at_bytes: int, timeout: float = 120) -> bool:
    """Run ``xlfidx args``; SIGKILL it once a workbook it is writing in ``folder`` holds
    ``at_bytes`` bytes. Returns whether it was caught writing (False: it finished first)."""
    proc = subprocess.Popen([sys.executable, "-m", "xlfidx", *args], env=_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            for fd in _temporaries(proc.pid, folder):
                try:
                    size = os.stat(fd).st_size
                    if size < max(at_bytes, 4):
                        continue
                    with open(fd, "rb") as f:
                        if f.read(2) != b"PK":  # a chart being written, not the book
                            continue
                except OSError:
                    continue
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                return True
        return False
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def _assert_intact(book: Path, original: bytes, folder_names: set[str]) -> None:
    assert book.read_bytes() == original
    with zipfile.ZipFile(book) as z:
        assert z.testzip() is None
    wb = openpyxl.load_workbook(book, read_only=True)
    assert "MBS" in wb.sheetnames
    wb.close()
    assert {p.name for p in book.parent.iterdir()} == folder_names  # no temporary left


def _kill_cases(tmp_path: Path, history_book: Path, command: str) -> tuple[list[str], Path]:
    if command == "backtest":
        out = tmp_path / "out"
        out.mkdir()
        book = out / history_book.name
        book.write_bytes(history_book.read_bytes())  # the results of an earlier run
        for name in ("cumulative", "frontier", "convexity", "residual"):
            (out / f"backtest_{name}.png").write_bytes(b"\x89PNG\r\n\x1a\n")
        return ["backtest", str(history_book), "--out", str(out), "--tilts", "0,2"], book
    book = tmp_path / history_book.name
    book.write_bytes(history_book.read_bytes())
    return [command, str(book)], book


@pytest.mark.cpython_only("kills a Python process while it writes")
@pytest.mark.skipif(not LINUX_PROC, reason="watches the process's open files in /proc")
@pytest.mark.parametrize("command", ["calc", "refresh", "backtest"])
def test_killed_while_writing_the_book_is_unchanged(tmp_path, history_book, command):
    args, book = _kill_cases(tmp_path, history_book, command)
    original = book.read_bytes()
    names = {p.name for p in book.parent.iterdir()}
    caught = 0
    for fraction in (0.0, 0.35, 0.7):
        inode = book.stat().st_ino
        killed = _run_and_kill(args, book.parent, int(fraction * len(original)))
        if killed and book.stat().st_ino == inode:
            caught += 1
            _assert_intact(book, original, names)
        else:  # it finished first (or the kill landed just after the book was replaced): then
            # the book is the whole new one, and the next run starts from it
            with zipfile.ZipFile(book) as z:
                assert z.testzip() is None
            original, names = book.read_bytes(), {p.name for p in book.parent.iterdir()}
    assert caught >= 2, "the write was too quick to be caught; the test proves nothing"


@pytest.mark.cpython_only("runs a Python process under a file-size limit")
@pytest.mark.parametrize("command", ["calc", "refresh", "backtest"])
def test_a_file_size_limit_stops_the_write_and_the_book_is_unchanged(tmp_path, history_book, command):
    args, book = _kill_cases(tmp_path, history_book, command)
    original = book.read_bytes()
    names = {p.name for p in book.parent.iterdir()}
    limit = len(original) // 2  # room for the charts and scratch copies, not for the book

    def limit_file_size() -> None:
        import resource  # POSIX only (not in Pyodide, where this test is skipped)

        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = subprocess.run([sys.executable, "-m", "xlfidx", *args], env=_env(), capture_output=True,
                          text=True, preexec_fn=limit_file_size, timeout=300)
    assert done.returncode == 2, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert f"{command}: error: file = '{book}' could not be written (File too large); it is unchanged" in last
    assert "Traceback" not in done.stderr
    _assert_intact(book, original, names)
