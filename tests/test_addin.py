"""xlfidx.xlam, the Excel add-in: built from xlwings' ribbon add-in template, its ribbon tab and
button, its conf sheet, the Python its button runs, and `xlfidx addin install`."""

from __future__ import annotations

import importlib
import re
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest

import xlfidx
from xlfidx.cli import main as cli_main
from xlfidx.errors import InputError
from xlfidx.excel import addin
from xlfidx.excel.addin import ADDIN_CONF_ROWS, ADDIN_NAME, RUN_MAIN, build_addin, install
from xlfidx.excel.build import WORKBOOKS_DIR

CUSTOM_UI_NS = "{http://schemas.microsoft.com/office/2006/01/customui}"
SHIPPED = WORKBOOKS_DIR / ADDIN_NAME


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The add-in built afresh from the installed template (and the shipped one must equal it)."""
    return build_addin(tmp_path_factory.mktemp("addin") / ADDIN_NAME)


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def test_the_shipped_add_in_is_the_one_the_build_makes(built):
    assert _parts(SHIPPED) == _parts(built)


def test_vba_and_every_part_not_ours_are_the_templates_byte_for_byte(built):
    template, ours = _parts(addin.template_path()), _parts(built)
    assert set(ours) == set(template)
    assert ours["xl/vbaProject.bin"] == template["xl/vbaProject.bin"]
    changed = {name for name in template if ours[name] != template[name]}
    assert changed == {"customUI/customUI.xml", "xl/workbook.xml", "xl/sharedStrings.xml",
                       "xl/worksheets/sheet1.xml"}


def test_ribbon_tab_and_button_as_office_reads_them(built):
    parts = _parts(built)
    raw = parts["customUI/customUI.xml"]
    assert raw.startswith(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>')
    root = ElementTree.fromstring(raw)
    assert root.tag == f"{CUSTOM_UI_NS}customUI"
    [tab] = root.iter(f"{CUSTOM_UI_NS}tab")
    assert tab.get("label") == "xlfidx"
    [button] = tab.iter(f"{CUSTOM_UI_NS}button")
    assert button.get("label") == "Refresh backtest"
    assert button.get("onAction") == RUN_MAIN == "RibbonMyAddin.RunMain"
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids)) and all(re.fullmatch(r"[A-Za-z_][\w.-]*", i) for i in ids)
    # the package points at the part with the ribbon relationship Office looks for
    rels = parts["_rels/.rels"].decode()
    assert re.search(r'Type="http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"'
                     r'\s+Target="customUI/customUI.xml"', rels)


def test_conf_sheet_is_active_and_holds_only_the_udf_module(built):
    # (openpyxl does not open an add-in: the parts are read as they are)
    from xlfidx.excel.package import Package

    pkg = Package.open(built)
    # the template's VBA reads the sheet named after its PROJECT_NAME ("myaddin") + ".conf"
    assert list(pkg.sheets()) == ["myaddin.conf"]
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    strings = [si.findtext(f"{ns}t") for si in ElementTree.fromstring(pkg.read("xl/sharedStrings.xml"))]
    sheet = ElementTree.fromstring(pkg.read(pkg.sheets()["myaddin.conf"]))
    cells = {c.get("r"): strings[int(c.findtext(f"{ns}v"))] for c in sheet.iter(f"{ns}c")}
    assert cells == {"A1": "UDF Modules", "B1": "xlfidx.excel.udfs"}
    assert {cells["A1"]: cells["B1"]} == ADDIN_CONF_ROWS
    # the sheet keeps its code name, which binds it to its VBA document module
    assert sheet.find(f"{ns}sheetPr").get("codeName") == "Sheet2"
    assert b"fullCalcOnLoad" not in pkg.read("xl/workbook.xml")


def _vba_modules(path: Path) -> dict[str, str]:
    olevba = pytest.importorskip("oletools.olevba", reason="oletools reads the VBA source")
    parser = olevba.VBA_Parser(str(path))
    try:
        return {name: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


def test_run_main_runs_the_module_named_after_the_add_in(built):
    """The template's RunMain imports the module named as the add-in's file and calls main():
    for xlfidx.xlam that is xlfidx.main, which refreshes the active workbook."""
    code = _vba_modules(built)["RibbonMyAddin.bas"]
    run_main = code[code.index("Sub RunMain("):code.index("End Sub")]
    assert 'ThisWorkbook.Name, ".", -1' in run_main
    assert 'RunPython "import " & mymodule & ";" & mymodule & ".main()"' in run_main
    # it leaves the status bar alone: the final line Python writes there stays (on Windows)
    assert "StatusBar" not in run_main
    module = Path(ADDIN_NAME).stem
    assert module == "xlfidx"
    assert importlib.import_module(module).main is addin.main
    # importing the package for it does not load xlwings (only the button's call does)
    import subprocess

    out = subprocess.run([sys.executable, "-c", "import sys, xlfidx; xlfidx.main; "
                          "print('xlwings' in sys.modules)"], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


class _App:
    def __init__(self):
        self.statuses: list = []
        self.alerts: list = []
        self.calculated = 0

    @property
    def status_bar(self):
        return self.statuses[-1] if self.statuses else False

    @status_bar.setter
    def status_bar(self, value):
        self.statuses.append(value)

    def alert(self, prompt, title=None):
        self.alerts.append((prompt, title))

    def calculate(self):
        self.calculated += 1


class _Book:
    def __init__(self, names, fullname):
        self.app = _App()
        self.sheets = [type("Sheet", (), {"name": n})() for n in names]
        self.fullname = str(fullname)


def test_the_button_refreshes_the_active_workbook_and_its_last_status_stays(monkeypatch):
    import xlwings as xw

    book = _Book(["DLV", "future", "bonds"], WORKBOOKS_DIR / "basis.xlsm")
    monkeypatch.setattr(xw.Book, "caller", staticmethod(lambda: book))
    xlfidx.main()
    assert book.app.calculated == 1 and not book.app.alerts
    # progress, then the result as the last thing written: nothing resets the bar afterwards
    assert book.app.statuses == ["xlfidx: recalculating", "xlfidx: recalculated"]
    assert book.app.status_bar == "xlfidx: recalculated"


# ---------------------------------------------------------------------------------------------
# xlfidx addin install


def test_install_copies_the_add_in_into_the_folder(tmp_path, capsys):
    folder = tmp_path / "XLSTART"
    assert cli_main(["addin", "install", "--dir", str(folder)]) == 0
    assert (folder / ADDIN_NAME).read_bytes() == SHIPPED.read_bytes()
    assert capsys.readouterr().out.splitlines()[0] == str(folder / ADDIN_NAME)
    # again, over an older copy: replaced in one step, nothing else left in the folder
    (folder / ADDIN_NAME).write_bytes(b"old")
    assert install(folder) == folder / ADDIN_NAME
    assert (folder / ADDIN_NAME).read_bytes() == SHIPPED.read_bytes()
    assert [p.name for p in folder.iterdir()] == [ADDIN_NAME]


def test_install_without_excel_names_the_add_in_and_xlwings_own_installer(monkeypatch, capsys):
    monkeypatch.setattr(addin, "startup_folder", lambda: None)
    assert cli_main(["addin", "install"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith("xlfidx addin: error: --dir = (blank) is needed")
    assert str(SHIPPED) in err and f'xlwings addin install --file "{SHIPPED}"' in err


def test_install_refuses_a_file_as_folder(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(InputError, match="--dir = .* is a file"):
        install(tmp_path / "f")


def test_startup_folder_is_excels(monkeypatch):
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("APPDATA", r"C:\Users\trader\AppData\Roaming")
    assert addin.startup_folder() == Path(r"C:\Users\trader\AppData\Roaming") / "Microsoft" / "Excel" / "XLSTART"
    monkeypatch.setattr(sys, "platform", "darwin")
    assert addin.startup_folder().parts[-5:] == ("Group Containers", "UBF8T346G9.Office",
                                                 "User Content", "Startup", "Excel")
    monkeypatch.setattr(sys, "platform", "linux")
    assert addin.startup_folder() is None


def test_the_printed_python_is_the_one_the_add_ins_vba_starts(built, tmp_path, capsys):
    """The template's VBA starts ``GetConfig("INTERPRETER", <default>)`` when no Interpreter_Win
    is set: pythonw for the worksheet functions' server (XLPyCommand, XLPyLoadDLL), python for
    the button's RunPython. `xlfidx addin install` prints those names."""
    code = "\n".join(_vba_modules(built).values())
    defaults = {}
    for m in re.finditer(r'GetConfig\("INTERPRETER", "(\w+)"\)', code):
        function = re.findall(r"^(?:Public |Private )?(?:Function|Sub) (\w+)", code[:m.start()], re.M)[-1]
        defaults[function] = m.group(1)
    assert defaults["XLPyCommand"] == defaults["XLPyLoadDLL"] == addin.UDF_INTERPRETER == "pythonw"
    assert defaults["RunPython"] == addin.BUTTON_INTERPRETER == "python"
    assert cli_main(["addin", "install", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "`pythonw` (the worksheet functions) and `python` (the ribbon button)" in out
    assert '"Interpreter_Win","C:\\path\\to\\pythonw.exe"' in out
