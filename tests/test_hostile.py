"""Nothing a damaged or hostile file can do: every case ends in exit 0/1/2 with one line, never
3, a signal or a traceback; a refused book is left unchanged; no input text becomes a formula.

The hostile books are written by ``hostile_files.py`` (the standard library's zipfile over the
project's own samples and workbooks), in a temporary folder. The cases that once aborted the
process (a shared-strings count of 4,294,967,295; a cell at XFD1048576) run in a child process
under a memory limit, so that a regression fails the test instead of taking the machine down.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import hostile_files as H
import openpyxl
import pytest

from xlfidx import _limits
from xlfidx._files import atomic_write
from xlfidx.cli import BAD_INPUT, main
from xlfidx.errors import InputError
from xlfidx.samples import sample_path

ROOT = Path(__file__).resolve().parents[1]
BASKET = sample_path("fut_bond_data_USZ3_2023-11-21.xlsx")
SOURCES = {  # command -> the book it is given (damaged), as shipped
    "dlv": BASKET,
    "roll": BASKET,
    "fedpath": sample_path("fedfutures_sample.xlsx"),
    "backtest": sample_path("mbs_trend_sample.xlsx"),
    "calc": ROOT / "workbooks" / "basis.xlsm",
    "refresh": ROOT / "workbooks" / "mbs_trend.xlsm",
}
# what the one line says of each case
SAYS = {
    "sst_count": "declares 4,294,967,295 shared strings",
    "entity": "'&bogus;', an XML entity that is not defined",
    "no_content_types": "has no [Content_Types].xml",
    "string_index": "points at shared string 4000000000",
    "far_cell": "limit of 10,000,000 cells a sheet",
}
CHILD = {"sst_count", "far_cell"}  # once aborted or exhausted memory: run in a child process


def _argv(command: str, book: Path, tmp_path: Path) -> list[str]:
    if command == "roll":
        return [command, str(book), "--back", "USH4", "--back-price", "116-01"]
    if command == "backtest":
        return [command, str(book), "--out", str(tmp_path / "out"), "--tilts", "0:1:1"]
    return [command, str(book)]


def _env() -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("XLFIDX_DEBUG", None)
    return env


def _memory_limit() -> None:
    import resource  # POSIX CPython: the child's own limit

    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def _run(argv: list[str], capsys, child: bool) -> tuple[int, str]:
    if child and sys.platform != "emscripten":  # Pyodide starts no process: run it in this one
        done = subprocess.run([sys.executable, "-m", "xlfidx", *argv], env=_env(), capture_output=True,
                              text=True, timeout=120, preexec_fn=_memory_limit)
        return done.returncode, done.stderr
    code = main(argv)
    return code, capsys.readouterr().err


@pytest.mark.parametrize("case", H.CASES)
@pytest.mark.parametrize("command", list(SOURCES))
def test_a_damaged_book_is_one_line_exit_2_and_unchanged(command, case, tmp_path, capsys):
    src = SOURCES[command]
    book = H.damaged(src, tmp_path / f"damaged{src.suffix}", case)
    before = book.read_bytes()
    code, err = _run(_argv(command, book, tmp_path), capsys, case in CHILD)
    lines = [x for x in err.splitlines() if not x.startswith("  ")]  # progress lines are indented
    assert code == BAD_INPUT, err
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith(f"xlfidx {command}: error: ") and str(book) in lines[0], lines[0]
    assert SAYS[case] in lines[0], lines[0]
    assert book.read_bytes() == before
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_the_damage_is_what_it_says():
    """The fixtures themselves: each damaged book differs from its source in the one way named."""
    src = SOURCES["calc"]
    with zipfile.ZipFile(src) as z:
        assert "[Content_Types].xml" in z.namelist() and H.SST not in z.namelist()


def test_shared_strings_of_a_damaged_copy_read_as_the_original(tmp_path):
    """hostile_files.shared_strings keeps every value: only the storage of text changes."""
    book = H.shared_strings(BASKET, tmp_path / "sst.xlsx")
    a = openpyxl.load_workbook(BASKET, read_only=True)
    b = openpyxl.load_workbook(book, read_only=True)
    for name in a.sheetnames:
        assert list(a[name].values) == list(b[name].values)
    a.close()
    b.close()
    with zipfile.ZipFile(book) as z:
        assert b'<c r="A1" t="s">' in z.read("xl/worksheets/sheet1.xml")


# --------------------------------------------------------------------------- the size limits


@pytest.fixture()
def small_limit(monkeypatch):
    """A limit of 4 MB (the real one is 200 MB), so that a bomb of 8 MB shows the behaviour of
    one of a gigabyte; every part the check inflates is recorded."""
    monkeypatch.setattr(_limits, "MAX_INFLATED", 4 << 20)
    monkeypatch.setattr(_limits, "_checked", {})
    inflated: list[str] = []
    real = _limits._inflate

    def spy(zf, info):
        inflated.append(info.filename)
        return real(zf, info)

    monkeypatch.setattr(_limits, "_inflate", spy)
    return inflated


@pytest.mark.parametrize("command", ["dlv", "fedpath", "backtest", "calc", "refresh"])
def test_a_bomb_is_refused_from_the_zip_directory_without_inflating_it(command, tmp_path, capsys,
                                                                      small_limit):
    src = SOURCES[command]
    book = H.with_bomb(src, tmp_path / f"bomb{src.suffix}", 8 << 20)
    before = book.read_bytes()
    assert main(_argv(command, book, tmp_path)) == BAD_INPUT
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert f"{book}' is over xlfidx's limit of 4 MB inflated" in err, err
    assert "xl/media/bomb.bin: 8,388,608" in err
    assert small_limit == [], "nothing is inflated to refuse a file over the limit"
    assert book.read_bytes() == before


def test_the_real_limit_refuses_a_gigabyte_declared(tmp_path):
    """A zip entry declaring 1 GB (its data need not be there: the directory is enough)."""
    book = H.rewrite(BASKET, tmp_path / "big.xlsx", lambda n, d: d)
    with zipfile.ZipFile(book, "a") as z:
        info = zipfile.ZipInfo("xl/media/big.bin")
        z.writestr(info, b"")
    data = bytearray(book.read_bytes())
    # the central directory's uncompressed size of the last entry: 1 GB
    at = data.rindex(b"PK\x01\x02")
    data[at + 24:at + 28] = (1 << 30).to_bytes(4, "little")
    book.write_bytes(bytes(data))
    with pytest.raises(InputError, match=r"over xlfidx's limit of 200 MB inflated: its parts inflate to "
                                         r"1,07\d,\d{3},\d{3} bytes \(xl/media/big.bin: 1,073,741,824\)"):
        _limits.check_book(book, "FILE")


@pytest.mark.parametrize("command", ["dlv", "calc"])
def test_a_part_inflating_beyond_its_declared_size_is_stopped_one_byte_past_it(command, tmp_path,
                                                                              capsys):
    src = SOURCES[command]
    book = H.with_lying_size(src, tmp_path / f"lying{src.suffix}", 3 << 20)
    with zipfile.ZipFile(book) as z:
        declared = z.getinfo("xl/worksheets/sheet1.xml").file_size
    with zipfile.ZipFile(book) as z:
        out = _limits._inflate(z, z.getinfo("xl/worksheets/sheet1.xml"))
    assert len(out) == declared + 1  # never more than one byte past the declared size
    assert main([command, str(book)]) == BAD_INPUT
    err = capsys.readouterr().err
    assert f"inflates to more than the {declared:,} bytes its zip entry declares" in err
    assert err.count("\n") == 1


def test_the_limits_are_in_the_readme():
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert f"{_limits.MAX_INFLATED // 2**20} MB inflated" in readme
    assert f"{_limits.MAX_CELLS:,} cells a sheet" in readme
    assert "1,500,000 tilt-days" in readme


@pytest.mark.needs("formulas")
def test_a_part_nothing_points_at_is_copied_and_named(tmp_path, capsys):
    book = H.with_bomb(SOURCES["calc"], tmp_path / "extra.xlsm", 1 << 16, name="xl/stray.bin")
    with zipfile.ZipFile(book) as z:
        stray = z.read("xl/stray.bin")
    assert main(["calc", str(book)]) == 0
    err = capsys.readouterr().err
    assert "xl/stray.bin (65,536 bytes)" in err and "copied as it is, unread" in err
    with zipfile.ZipFile(book) as z:
        assert z.read("xl/stray.bin") == stray


# --------------------------------------------------------------------------- calc's own errors


@pytest.mark.needs("formulas")
@pytest.mark.parametrize("name", ["Bob's & Co", "50% hedge", "a<b", 'say "hi"', "R&D 1", "x'y<z\"%&"])
def test_calc_quotes_every_sheet_name_as_excel_does(name, tmp_path, capsys):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = name
    ws["A1"], ws["A2"] = 2, "=A1*3"
    other = wb.create_sheet("Other")
    quoted = "'" + name.replace("'", "''") + "'"
    other["A1"] = f"={quoted}!A1+1"
    other["A2"] = f"=SUM({quoted}!A1:A2)"
    book = tmp_path / "names.xlsx"
    wb.save(book)
    assert main(["calc", str(book)]) == 0
    assert "3 formulas, 3 cells stored, 0 error values" in capsys.readouterr().out
    values = openpyxl.load_workbook(book, data_only=True)
    assert values[name]["A2"].value == 6
    assert values["Other"]["A1"].value == 3
    assert values["Other"]["A2"].value == 8  # 2 + 6
    assert openpyxl.load_workbook(book)["Other"]["A1"].value == f"={quoted}!A1+1"


def _cached_book(path: Path, formula: str, cached: str) -> Path:
    """A book with A2 = A1*3 (cached 6) and B1 = ``formula`` with the cached value ``cached``,
    as Excel would have saved them."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["A1"], ws["A2"], ws["B1"] = 2, "=A1*3", formula
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    f = formula[1:].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for empty in ("<v></v>", "<v/>", "<v />"):
        sheet = sheet.replace(f"<f>A1*3</f>{empty}", "<f>A1*3</f><v>6</v>")
        sheet = sheet.replace(f"<f>{f}</f>{empty}", f"<f>{f}</f><v>{cached}</v>")
    assert f"<v>{cached}</v>" in sheet and "<v>6</v>" in sheet, sheet
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


@pytest.mark.needs("formulas")
@pytest.mark.parametrize("formula", [
    "=cmd|' /C calc'!A0",  # DDE: the engine cannot even parse it
    "=NoSuchSheet!A1*2",  # a reference the engine cannot load
])
def test_calc_never_stores_an_error_it_caused(formula, tmp_path, capsys):
    book = _cached_book(tmp_path / "cached.xlsx", formula, "12")
    code = main(["calc", str(book)])
    out = capsys.readouterr().out
    assert code in (0, 1) and "note:" in out, out
    assert "Sheet1!B1" in out or "every formula cell" in out, out
    values = openpyxl.load_workbook(book, data_only=True)["Sheet1"]
    assert values["B1"].value == 12  # Excel's value, kept
    assert values["A2"].value == 6


# --------------------------------------------------------------------------- market inputs


@pytest.mark.parametrize("argv, says", [
    (["dlv", "--repo", "1000000"], "--repo = 1000000.0 is out of range; --repo must be a repo rate "
                                   "in percent from -50 to 100"),
    (["dlv", "--vol", "100000"], "--vol = 100000.0 is out of range; --vol must be a volatility in bp "
                                 "a year from 0 to 2000"),
    (["dlv", "--repo", "1000000", "--vol", "100"], "--repo = 1000000.0 is out of range"),
    (["roll", "--back", "USH4", "--back-price", "116-01", "--roll-repo", "5000"],
     "--roll-repo = 5000.0 is out of range"),
    (["roll", "--back", "USH4", "--back-price", "116000"], "--back-price = 116000.0 is out of range"),
])
def test_implausible_market_inputs_are_refused_with_the_range(argv, says, capsys):
    assert main(argv) == BAD_INPUT
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1, err


@pytest.mark.parametrize("argv", [
    ["dlv", "--repo", "100", "--vol", "2000"],
    ["dlv", "--repo", "-50", "--vol", "0"],
    ["dlv", "--repo", "-50", "--scenarios", "-500:500:250", "--vol", "2000"],
    ["dlv", "--vol", "1e-9"],
])
def test_no_nan_reaches_the_output_at_the_ends_of_the_ranges(argv, capsys):
    assert main(argv) == 0
    out = capsys.readouterr().out.lower()
    assert "nan" not in out and "inf" not in out.replace("info", "")


def test_a_worksheet_function_refuses_an_implausible_repo_in_its_cell():
    from xlfidx.excel.udfs import CARRY

    out = CARRY(103.296875, 4.25, "2031-06-30", "2024-08-05", "2024-12-31", 1_000_000)
    assert out.startswith("#VALUE! repo = 1000000.0 is out of range") and "from -50 to 100" in out


def test_dlv_scenarios_with_two_bonds_of_one_ticker_computes_both(tmp_path, capsys):
    wb = openpyxl.load_workbook(BASKET)
    ws = wb["bonds"]
    ws["A3"] = ws["A2"].value  # the 4.625% of 2040 now carries the 4.5% of 2039's ticker
    book = tmp_path / "dup.xlsx"
    wb.save(book)
    assert main(["dlv", str(book), "--scenarios", "-50:50:50"]) == 0
    out = capsys.readouterr().out
    # both rows computed, named apart by their sheet rows (the 2039 in row 2, the 2040 in row 3)
    assert "T 4.5 08/15/39 Govt (row 2)" in out
    assert "T 4.5 08/15/39 Govt (row 3)" in out


# --------------------------------------------------------------------------- text stays text

PAYLOADS = ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", '=WEBSERVICE("http://x")',
            "+1+2", "-3+4", "@SUM(1)", "=1+1"]


def _formulas_holding(book: Path, texts: list[str]) -> list[str]:
    """The formulas (``<f>``) of any sheet of ``book`` that hold one of ``texts``' payloads."""
    found = []
    with zipfile.ZipFile(book) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = z.read(name).decode("utf-8", "replace")
                for f in __import__("re").findall(r"<f[^>]*>([^<]*)</f>", xml):
                    if any(key in f for key in ("HYPERLINK", "cmd|", "WEBSERVICE", "SUM(1)", "1+2", "3+4", "1+1")):
                        found.append(f)
    return found


@pytest.mark.needs("formulas")
def test_build_workbooks_keeps_an_exports_text_as_text(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    wb = openpyxl.load_workbook(BASKET)
    ws = wb["bonds"]
    for r, text in enumerate(PAYLOADS, start=3):
        ws.cell(r, 1).value = text
        ws.cell(r, 1).data_type = "s"  # text in the export, as Bloomberg writes a ticker
    wb.save(data / BASKET.name)
    out = tmp_path / "out"
    assert main(["build-workbooks", "basis", "--data", str(data), "--out", str(out)]) == 0
    book = out / "basis.xlsm"
    assert _formulas_holding(book, PAYLOADS) == []
    bonds = openpyxl.load_workbook(book)["bonds"]
    assert [bonds.cell(r, 1).value for r in range(3, 3 + len(PAYLOADS))] == PAYLOADS
    assert all(bonds.cell(r, 1).data_type == "s" for r in range(3, 3 + len(PAYLOADS)))


def test_a_failed_build_leaves_no_book_behind(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"

    def fails(path, *args, **kwargs):
        raise InputError("workbook", Path(path).name, "has formulas that fail")

    monkeypatch.setattr("xlfidx.excel.calc.calc_workbook", fails)
    assert main(["build-workbooks", "basis", "--out", str(out)]) == BAD_INPUT
    assert list(out.iterdir()) == []  # neither the book nor a temporary of it


def test_the_backtest_sheet_and_calc_write_text_as_text():
    from xlfidx.excel.backtest_sheet import sheet_xml
    from xlfidx.excel.calc import _cell_xml

    xml = sheet_xml([PAYLOADS])
    assert "<f>" not in xml and xml.count('t="inlineStr"') == len(PAYLOADS)
    for text in PAYLOADS:
        assert "<f>" not in _cell_xml("A1", None, text, False)


def test_text_typed_into_excel_gets_its_text_prefix():
    from xlfidx.excel.cells import excel_text

    assert [excel_text(t) for t in PAYLOADS] == ["'" + t for t in PAYLOADS]
    assert excel_text("T 4.5 08/15/39 Govt") == "T 4.5 08/15/39 Govt"
    assert excel_text(-3.0) == -3.0 and excel_text("-") == "-"


def test_the_notes_of_a_template_stay_text(tmp_path):
    from xlfidx.bloomberg.templates import _book, _notes_sheet

    wb = _book()
    ws = _notes_sheet(wb, PAYLOADS)
    assert all(ws.cell(r, 1).data_type == "s" for r in range(1, len(PAYLOADS) + 1))
    wb.save(tmp_path / "t.xlsx")
    assert _formulas_holding(tmp_path / "t.xlsx", PAYLOADS) == []


# --------------------------------------------------------------------------- the smaller points


def _mbs_book(tmp_path: Path, rename: str | None) -> Path:
    """workbooks/mbs_trend.xlsm with its Backtest sheet renamed (or deleted: ``None``)."""
    book = tmp_path / "mbs.xlsm"
    if rename is None:  # a book of the backtest's sheets, its Backtest sheet deleted
        wb = openpyxl.Workbook()
        wb.active.title = "MBS"
        for name in ("Futures", "Settings"):
            wb.create_sheet(name)
        wb["Settings"]["A1"], wb["Settings"]["B1"] = "cost_bp", 1.0
        book = book.with_suffix(".xlsx")
        wb.save(book)
        return book
    # as Excel renames a sheet: its name in xl/workbook.xml, nothing else
    return H.rewrite(SOURCES["refresh"], book, lambda name, data: data.replace(
        b'name="Backtest"', f'name="{rename}"'.encode()) if name == "xl/workbook.xml" else data)


@pytest.mark.needs("formulas")
@pytest.mark.filterwarnings("ignore")
def test_refresh_finds_the_backtest_sheet_in_any_case(tmp_path, capsys):
    book = _mbs_book(tmp_path, "backtest")
    assert main(["refresh", str(book)]) == 0
    assert "Backtest sheet rewritten" in capsys.readouterr().out
    wb = openpyxl.load_workbook(book, read_only=True)
    names = wb.sheetnames
    wb.close()
    assert [n for n in names if n.lower() == "backtest"] == ["backtest"]


@pytest.mark.filterwarnings("ignore")
def test_refresh_without_a_backtest_sheet_says_so(tmp_path, capsys):
    book = _mbs_book(tmp_path, None)
    assert main(["refresh", str(book)]) == 0
    assert "no Backtest sheet, so the backtest was not run" in capsys.readouterr().out


def test_a_read_only_folder_is_reported_by_the_target(tmp_path, monkeypatch):
    import errno
    import tempfile

    from xlfidx import _files

    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path / ".~book.xlsx.x.tmp"))

    monkeypatch.setattr(_files, "_anonymous", lambda folder: None)
    monkeypatch.setattr(tempfile, "mkstemp", denied)
    target = tmp_path / "book.xlsx"
    with pytest.raises(InputError) as caught, atomic_write(target):
        pass
    assert str(caught.value) == (f"file = '{target}' could not be written (Permission denied); "
                                 "it is unchanged")


@pytest.mark.cpython_only("starts a process under a file-size limit")
def test_calc_under_a_file_size_limit_names_the_book(tmp_path):
    book = tmp_path / "basis.xlsm"
    book.write_bytes(SOURCES["calc"].read_bytes())
    limit = 8_000  # less than any copy of the book

    def limit_file_size() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = subprocess.run([sys.executable, "-m", "xlfidx", "calc", str(book)], env=_env(),
                          capture_output=True, text=True, preexec_fn=limit_file_size, timeout=300)
    assert done.returncode == BAD_INPUT, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert str(book) in last and "File too large" in last and "Traceback" not in done.stderr
    assert book.read_bytes() == SOURCES["calc"].read_bytes()


@pytest.mark.cpython_only("POSIX file locks (fcntl)")
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file locks")
def test_a_killed_calcs_temporary_folder_is_removed_by_the_next(tmp_path, monkeypatch):
    import fcntl
    import tempfile

    from xlfidx.excel import calc

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = tmp_path / "xlfidx-calc-dead"
    live = tmp_path / "xlfidx-calc-live"
    for folder in (dead, live):
        folder.mkdir()
        (folder / "book.xlsm").write_bytes(b"a copy of a user's book")
        (folder / ".lock").write_bytes(b"")
        os.utime(folder, (0, 0))  # long ago
    with open(live / ".lock", "rb") as held:  # a calc still running holds its lock
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        with calc._engine_folder() as mine:
            assert mine.parent == tmp_path and mine.is_dir()
        assert not dead.exists() and live.exists() and not mine.exists()


def test_roll_names_its_file_argument_file(tmp_path, capsys):
    missing = tmp_path / "no.xlsx"
    assert main(["roll", str(missing), "--back", "USH4", "--back-price", "116-01"]) == BAD_INPUT
    assert capsys.readouterr().err.startswith(f"xlfidx roll: error: FILE = '{missing}' does not exist")
