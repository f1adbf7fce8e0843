"""``xlfidx.xlam``: the xlfidx Excel add-in, its ribbon tab and its "Refresh backtest" button.

The add-in is xlwings' custom ribbon add-in (``quickstart_addin_ribbon.xlam`` in the installed
xlwings package, what ``xlwings quickstart NAME --addin --ribbon`` copies), changed in three
parts only, every other part byte for byte (its VBA project included):

* ``customUI/customUI.xml``: the ribbon tab ``xlfidx`` with the button **Refresh backtest**,
  whose ``onAction`` is the template's own macro ``RibbonMyAddin.RunMain``;
* the config sheet, activated (``_myaddin.conf`` renamed ``myaddin.conf``: the template's VBA
  reads the sheet named after its ``PROJECT_NAME``, ``myaddin``) and holding one setting,
  ``UDF Modules`` = ``xlfidx.excel.udfs``, so that the worksheet functions, once imported into
  the add-in, work in every workbook, a plain ``.xlsx`` export included. No other row: a blank
  ``Interpreter_Win`` or ``PYTHONPATH`` there would override what the user set elsewhere;
* ``xl/workbook.xml``: the sheet's new name; no ``fullCalcOnLoad``.

The template's ``RunMain`` runs ``import <name>; <name>.main()`` where ``<name>`` is the
add-in's file name without extension: for ``xlfidx.xlam`` that is :func:`xlfidx.main`, this
module's :func:`main`, which refreshes the active workbook (:func:`xlfidx.excel.refresh.run_main`).

``xlfidx addin install`` copies the add-in into Excel's startup folder and, where Excel is
(Windows, pywin32), imports the worksheet functions into it itself (:func:`import_functions`):
it opens the add-in in a hidden Excel of its own over COM and runs xlwings' own import routine
(``xlwings.udfs.import_udfs``, what the add-in's ``ImportPythonUDFsToAddin`` macro runs), then
saves it. Excel lets a program write into a VBA project only once the user has ticked *Trust
access to the VBA project object model*; the command asks before it ticks it.
"""

from __future__ import annotations

import html
import importlib.util
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from xlfidx.errors import InputError

__all__ = ["ADDIN_NAME", "CUSTOM_UI", "ADDIN_CONF_SHEET", "ADDIN_CONF_ROWS", "RUN_MAIN",
           "UDF_INTERPRETER", "BUTTON_INTERPRETER", "TRUST_CENTER", "template_path", "build_addin",
           "startup_folder", "install", "import_functions", "allow_vba_access", "main"]

ADDIN_NAME = "xlfidx.xlam"
TEMPLATE = "quickstart_addin_ribbon.xlam"
RUN_MAIN = "RibbonMyAddin.RunMain"  # the template's ribbon callback (module RibbonMyAddin)
ADDIN_CONF_SHEET = "myaddin.conf"  # the template's PROJECT_NAME & ".conf"
ADDIN_CONF_ROWS = {"UDF Modules": "xlfidx.excel.udfs"}
# The Python the template's VBA starts when no Interpreter_Win is set: the worksheet functions'
# server (XLPyCommand, GetConfig("INTERPRETER", "pythonw")) and the ribbon button's RunPython
# (GetConfig("INTERPRETER", "python")); tests/test_addin.py reads them out of the add-in's VBA.
UDF_INTERPRETER = "pythonw"
BUTTON_INTERPRETER = "python"
TRUST_CENTER = ("File > Options > Trust Center > Trust Center Settings > Macro Settings > "
                "Trust access to the VBA project object model")

# The ribbon, as Office reads it: UTF-8 with its declaration, the 2006 customUI namespace the
# template's part uses, ids unique NCNames, a callback named Module.Macro that takes the control.
CUSTOM_UI = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<customUI xmlns="http://schemas.microsoft.com/office/2006/01/customui">
  <ribbon>
    <tabs>
      <tab id="xlfidxTab" label="xlfidx">
        <group id="xlfidxBacktestGroup" label="MBS hedge">
          <button id="xlfidxRefreshBacktest" label="Refresh backtest" size="large" imageMso="RefreshAll"
                  onAction="{RUN_MAIN}"
                  screentip="Refresh backtest"
                  supertip="Rerun the MBS trend backtest of the active workbook on its history and Settings sheets and rewrite its Backtest sheet; a workbook without one is recalculated."/>
        </group>
      </tab>
    </tabs>
  </ribbon>
</customUI>
"""


def template_path() -> Path:
    """xlwings' ribbon add-in template in the installed package (found without importing it)."""
    spec = importlib.util.find_spec("xlwings")
    if spec is None or not spec.submodule_search_locations:
        raise InputError("xlwings", None, "is not installed; `pip install \"xlfidx[excel]\"` provides the template")
    path = Path(next(iter(spec.submodule_search_locations))) / TEMPLATE
    if not path.is_file():
        raise InputError("template", str(path), "does not exist in this xlwings installation")
    return path


def _conf_sheet_xml(xml: str, rows: dict[str, str]) -> str:
    """The template's conf sheet with ``rows`` (shared strings 0, 1, ...) as its only cells;
    its ``sheetPr`` (the VBA document module's code name), columns and styles kept."""
    cells = "".join(
        f'<row r="{i}" spans="1:2"><c r="A{i}" s="1" t="s"><v>{2 * (i - 1)}</v></c>'
        f'<c r="B{i}" s="1" t="s"><v>{2 * (i - 1) + 1}</v></c></row>'
        for i in range(1, len(rows) + 1))
    xml = re.sub(r"<sheetData>.*?</sheetData>|<sheetData\s*/>", f"<sheetData>{cells}</sheetData>",
                 xml, count=1, flags=re.S)
    return re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="A1:B{len(rows)}" />', xml, count=1)


def _shared_strings(values: list[str]) -> str:
    items = "".join(f"<si><t>{html.escape(v, quote=False)}</t></si>" for v in values)
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.'
            f'openxmlformats.org/spreadsheetml/2006/main" count="{len(values)}" '
            f'uniqueCount="{len(values)}">{items}</sst>')


def build_addin(out: Path) -> Path:
    """Write ``xlfidx.xlam`` to ``out`` from xlwings' ribbon add-in template (see the module
    docstring for the three parts it changes).

    >>> import tempfile, zipfile
    >>> book = zipfile.ZipFile(build_addin(Path(tempfile.mkdtemp()) / ADDIN_NAME))
    >>> b'label="xlfidx"' in book.read("customUI/customUI.xml")
    True
    """
    from xlfidx.excel.package import WORKBOOK, Package

    pkg = Package.open(template_path())
    custom = next((r.target for r in pkg.rels("") if r.type.endswith("/ui/extensibility")), None)
    if custom is None:
        raise InputError("template", str(template_path()), "has no customUI part (the ribbon)")
    pkg.write(custom, CUSTOM_UI)

    sheets = pkg.sheets()
    old = next((name for name in sheets if name.lstrip("_") == ADDIN_CONF_SHEET), None)
    if old is None:
        raise InputError("template", str(template_path()), f"has no '_{ADDIN_CONF_SHEET}' sheet")
    part = sheets[old]
    pkg.write(part, _conf_sheet_xml(pkg.text(part), ADDIN_CONF_ROWS))
    pkg.write("xl/sharedStrings.xml",
              _shared_strings([s for kv in ADDIN_CONF_ROWS.items() for s in kv]))
    wb = pkg.text(WORKBOOK)
    wb = wb.replace(f'name="{html.escape(old)}"', f'name="{ADDIN_CONF_SHEET}"', 1)
    wb = re.sub(r'\s+fullCalcOnLoad="[^"]*"', "", wb)
    pkg.write(WORKBOOK, wb)
    return pkg.save(out)


def startup_folder() -> Path | None:
    """Excel's per-user startup folder (XLSTART), which opens every file in it when Excel
    starts: ``%APPDATA%\\Microsoft\\Excel\\XLSTART`` on Windows, the Office group container's
    ``Startup/Excel`` on macOS; None where there is no Excel."""
    if sys.platform.startswith("win"):
        appdata = os.environ.get("APPDATA")
        return Path(appdata) / "Microsoft" / "Excel" / "XLSTART" if appdata else None
    if sys.platform == "darwin":
        return (Path.home() / "Library" / "Group Containers" / "UBF8T346G9.Office" / "User Content"
                / "Startup" / "Excel")
    return None


def install(folder: str | Path | None = None, source: str | Path | None = None) -> Path:
    """Copy ``xlfidx.xlam`` into ``folder`` (default: :func:`startup_folder`) in one atomic
    step; returns the path written.

    >>> import tempfile
    >>> install(Path(tempfile.mkdtemp()) / "XLSTART").name
    'xlfidx.xlam'
    """
    import shutil

    from xlfidx._files import atomic_write, check_output_dir
    from xlfidx.samples import shipped_dir  # where build_workbooks writes it (build imports us)

    src = Path(source) if source is not None else shipped_dir("xlfidx.workbooks") / ADDIN_NAME
    if not src.is_file():
        raise InputError("add-in", str(src), "does not exist; build it with `xlfidx build-workbooks addin`")
    if folder is None:
        folder = startup_folder()
        if folder is None:
            raise InputError("--dir", None, f"is needed: there is no Excel startup folder on "
                             f"{sys.platform}. The add-in is {src}: copy it into Excel's XLSTART "
                             f"folder, or run `xlwings addin install --file \"{src}\"` where Excel is")
        folder.mkdir(parents=True, exist_ok=True)
    folder = check_output_dir(folder, "--dir")
    dst = folder / ADDIN_NAME
    try:
        with atomic_write(dst) as tmp:
            shutil.copyfile(src, tmp)
    except PermissionError:
        raise InputError("--dir", str(folder), f"refused the write of {ADDIN_NAME}: quit Excel "
                         "(it keeps the add-in open) and run again") from None
    return dst


def excel_over_com() -> Any:
    """A new, hidden Excel of our own over COM (the user's open Excel is left alone); None
    where there is no Excel (not Windows, or no pywin32)."""
    if not sys.platform.startswith("win"):
        return None
    try:
        import win32com.client
    except ImportError:
        return None
    try:
        app = win32com.client.DispatchEx("Excel.Application")
    except Exception:  # COM cannot start Excel: not installed
        return None
    app.Visible = False
    app.DisplayAlerts = False
    return app


def _vba_access(book: Any) -> bool:
    """Whether Excel lets a program read the book's VBA project (the Trust Center's tick)."""
    try:
        book.VBProject.VBComponents.Count  # noqa: B018 - raises when access is not trusted
    except Exception:
        return False
    return True


def allow_vba_access(version: str) -> bool:
    r"""Tick *Trust access to the VBA project object model* for this Windows user: the value the
    Trust Center writes, ``AccessVBOM = 1`` under
    ``HKEY_CURRENT_USER\Software\Microsoft\Office\<version>\Excel\Security``. False (nothing
    written) when the organisation's policy (the same key under ``Software\Policies``) sets it."""
    import winreg

    office = rf"Microsoft\Office\{version}\Excel\Security"
    security = "Software\\" + office
    try:
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, "Software\\Policies\\" + office) as key:
            winreg.QueryValueEx(key, "AccessVBOM")
            return False  # set by a policy: the user's own setting is ignored
    except OSError:
        pass
    with winreg.CreateKey(winreg.HKEY_CURRENT_USER, security) as key:
        winreg.SetValueEx(key, "AccessVBOM", 0, winreg.REG_DWORD, 1)
    return True


def import_functions(path: str | Path, ask: Callable[[str], bool] | None = None,
                     excel: Callable[[], Any] | None = None,
                     allow: Callable[[str], bool] | None = None,
                     say: Callable[[str], None] = lambda line: None) -> str:
    """Import the worksheet functions into the add-in at ``path`` through Excel: xlwings' own
    ``import_udfs`` (what ``ImportPythonUDFsToAddin`` runs) writes the VBA module
    ``xlwings_udfs`` and registers each function's description and arguments; the add-in is saved.

    When Excel does not let a program into VBA projects, ``ask`` (a yes/no question; None: do
    not ask) decides whether to tick the Trust Center's setting (:func:`allow_vba_access`).
    Returns ``"imported"``, ``"declined"`` (not allowed: nothing changed) or ``"no excel"``.
    A setting locked by the organisation's policy is an :class:`InputError` saying so.
    ``excel`` starts Excel (default :func:`excel_over_com`), ``allow`` ticks the setting
    (default :func:`allow_vba_access`).
    """
    excel = excel or excel_over_com
    allow = allow or allow_vba_access
    app = excel()
    if app is None:
        return "no excel"
    book = None
    try:
        say("opening the add-in in Excel")
        book = app.Workbooks.Open(str(path))
        if not _vba_access(book):
            question = (f"Excel does not let programs into VBA projects, so the functions cannot "
                        f"be imported into the add-in. Tick '{TRUST_CENTER}' for you now "
                        "(you can untick it afterwards)?")
            if ask is None or not ask(question):
                return "declined"
            version = str(app.Version)
            book.Close(False)
            book = None
            app.Quit()
            app = None
            if not allow(version):
                raise InputError("Trust access to the VBA project object model", "locked",
                                 "by your organisation's policy: ask IT to allow it, or use the "
                                 "functions in xlwings Lite, which needs no VBA (README, In Excel; "
                                 "docs/excel.md)")
            say("the Trust Center's setting is ticked; opening the add-in again")
            app = excel()
            book = app.Workbooks.Open(str(path))
            if not _vba_access(book):
                raise InputError("Trust access to the VBA project object model", "not in effect",
                                 f"tick it by hand ({TRUST_CENTER}), quit Excel, and run again")
        from xlwings.udfs import import_udfs  # xlwings' Windows machinery (pywin32)

        say("importing the worksheet functions (xlwings' import_udfs)")
        import_udfs(ADDIN_CONF_ROWS["UDF Modules"], book)
        book.Save()
        return "imported"
    finally:
        if book is not None:
            book.Close(False)
        if app is not None:
            app.Quit()


def main() -> None:
    """The ribbon's **Refresh backtest**: refresh the active workbook in Excel (rerun its
    backtest when it has a Backtest sheet, then recalculate), progress and the final line in
    the status bar, a failure in a message box."""
    from xlfidx.excel.refresh import run_main

    run_main()
