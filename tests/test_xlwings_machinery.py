"""xlwings' own Windows UDF machinery, run on this machine: ``xlwings.udfs`` (``import_udfs``,
``call_udf``), ``xlwings._xlwindows`` (how COM values are cleaned) and ``xlwings.com_server``
(``XLPython.CallUDF``, the entry Excel calls), with small stand-ins for the pywin32 modules they
import (``pythoncom``, ``pywintypes``, ``win32com``, ...), as xlwings' ``__init__`` wires them on
Windows.

The arguments are shaped as COM delivers them: a range argument as a Range object whose
``Value`` is a tuple of row tuples, dates as ``pywintypes`` datetimes, error cells as COM's
HRESULT integers (``-2146826246`` is ``#N/A``), a cell formatted as Currency as a ``Decimal``,
an argument left out as ``-2147352572``.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import html
import importlib
import re
import sys
import types
from decimal import Decimal
from pathlib import Path

import numpy as np
import openpyxl
import published as pub
import pytest
from openpyxl.formula.tokenizer import Tokenizer
from openpyxl.utils.cell import range_boundaries

from xlfidx.excel.build import WORKBOOKS_DIR
from xlfidx.samples import sample_path

MODULE = "xlfidx.excel.udfs"
RANGE_IID = "{00020846-0000-0000-C000-000000000046}"  # Excel's Range interface
MISSING = -2147352572  # DISP_E_PARAMNOTFOUND: an optional argument left out
# Excel error cells through COM: 0x800A0000 + Microsoft's CVErr code (2042 is #N/A)
COM_ERRORS = {"#DIV/0!": -2146826281, "#N/A": -2146826246, "#NAME?": -2146826259,
              "#NULL!": -2146826288, "#NUM!": -2146826252, "#REF!": -2146826265,
              "#VALUE!": -2146826273}
BOOKS = ["basis", "fedpath", "mbs_trend"]


# ---------------------------------------------------------------------------------------------
# stand-ins for pywin32


class _Anything:
    """Any attribute, any call: ctypes' windll/oledll and the DLL handles _xlwindows loads."""

    restype = None

    def __getattr__(self, name):
        return _Anything()

    def __call__(self, *args, **kwargs):
        return _Anything()


class ComError(Exception):
    """pywintypes.com_error"""


class ComTime(dt.datetime):
    """pywintypes.TimeType: what COM gives for a date cell (a timezone-aware datetime)."""


def com_time(d: dt.date) -> ComTime:
    return ComTime(d.year, d.month, d.day, tzinfo=dt.UTC)


def _module(name: str, **attrs) -> types.ModuleType:
    m = types.ModuleType(name)
    m.__dict__.update(attrs)
    return m


def _stand_ins() -> dict[str, types.ModuleType]:
    dispatch_type = type("PyIDispatch", (), {})
    pythoncom = _module(
        "pythoncom", __file__="pythoncom311.dll", CoInitialize=lambda: None,
        IID_IDispatch="{00020400-0000-0000-C000-000000000046}", IID_IEnumVARIANT="{00020404}",
        TypeIIDs={"{00020400-0000-0000-C000-000000000046}": dispatch_type}, ole_error=ComError,
        DISPATCH_PROPERTYGET=2, DISPATCH_PROPERTYPUT=4)
    pywintypes = _module("pywintypes", TimeType=ComTime, com_error=ComError, error=ComError,
                         IID=lambda text: text)

    def unwrap(obj):
        raise ComError("not a wrapped Python object")

    client = _module("win32com.client", Dispatch=lambda obj, *a, **k: obj,
                     CDispatch=type("CDispatch", (), {}), DispatchEx=lambda *a, **k: None,
                     CoClassBaseClass=type("CoClassBaseClass", (), {}),
                     DispatchBaseClass=type("DispatchBaseClass", (), {}))
    server = _module("win32com.server")
    util = _module("win32com.server.util", wrap=lambda obj, *a, **k: obj, unwrap=unwrap)
    win32com = _module("win32com", client=client, server=server)
    server.util = util
    out = {"pythoncom": pythoncom, "pywintypes": pywintypes, "win32com": win32com,
           "win32com.client": client, "win32com.server": server, "win32com.server.util": util}
    for name in ("win32com.server.dispatcher", "win32com.server.policy", "win32api", "win32con",
                 "win32gui", "win32process", "win32timezone", "win32event"):
        out[name] = _module(name)
    server.dispatcher, server.policy = out["win32com.server.dispatcher"], out["win32com.server.policy"]
    out["win32process"].GetWindowThreadProcessId = lambda hwnd: (1, 4242)  # (thread, Excel's pid)
    return out


@pytest.fixture(scope="module")
def xl():
    """xlwings' Windows modules loaded over the stand-ins, the excel engine registered and
    ``xw.func``/``arg``/``ret`` set to xlwings' Windows decorators (as ``xlwings/__init__``
    does on Windows), and ``xlfidx.excel.udfs`` imported afresh under them."""
    import xlwings
    from xlwings.main import Engine

    new = ("xlwings._xlwindows", "xlwings.udfs", "xlwings.com_server")
    with pytest.MonkeyPatch.context() as mp:
        for name, module in _stand_ins().items():
            mp.setitem(sys.modules, name, module)
        for name in ("windll", "oledll"):
            mp.setattr(ctypes, name, _Anything(), raising=False)
        mp.setattr(ctypes, "PyDLL", lambda *a, **k: _Anything())
        xlwindows = importlib.import_module("xlwings._xlwindows")
        udfs = importlib.import_module("xlwings.udfs")
        com_server = importlib.import_module("xlwings.com_server")
        mp.setattr(xlwings.engines, "engines", list(xlwings.engines.engines))
        mp.setattr(xlwings.engines, "engines_by_name", dict(xlwings.engines.engines_by_name))
        xlwings.engines.add(Engine(impl=xlwindows.engine))
        mp.setattr(xlwings, "func", udfs.xlfunc)
        mp.setattr(xlwings, "arg", udfs.xlarg)
        mp.setattr(xlwings, "ret", udfs.xlret)
        import xlfidx.excel

        for name in (MODULE, "xlfidx.excel._udf"):
            mp.delitem(sys.modules, name, raising=False)
            # the package's attribute too: after the test, `from xlfidx.excel import udfs` is the
            # module the rest of the suite has
            attr = name.rsplit(".", 1)[1]
            mp.setattr(xlfidx.excel, attr, getattr(xlfidx.excel, attr, None), raising=False)
        module = importlib.import_module(MODULE)
        try:
            yield types.SimpleNamespace(udfs=udfs, xlwindows=xlwindows, com_server=com_server,
                                        module=module)
        finally:
            com_server.loop.close()
            for name in new:
                sys.modules.pop(name, None)
                if hasattr(xlwings, name.rsplit(".", 1)[1]):
                    delattr(xlwings, name.rsplit(".", 1)[1])
            sys.modules.pop(MODULE, None)
            sys.modules.pop("xlfidx.excel._udf", None)


# ---------------------------------------------------------------------------------------------
# what Excel hands over


class ComRange:
    """A Range argument as COM passes it: ``Value`` is a scalar for one cell, else a tuple of
    row tuples; xlwings recognises it by its type library id."""

    def __init__(self, rows: list[list]):
        cells = tuple(tuple(com_value(v) for v in row) for row in rows)
        self.Value = cells[0][0] if len(cells) == 1 and len(cells[0]) == 1 else cells
        # the sheet, its workbook and Excel: xlwings asks the range for its engine this way
        excel = types.SimpleNamespace(Name="Microsoft Excel", Hwnd=1)
        self.Worksheet = types.SimpleNamespace(Parent=types.SimpleNamespace(Application=excel))
        self.Row, self.Column = 1, 1
        self.Rows = types.SimpleNamespace(Count=len(cells))
        self.Columns = types.SimpleNamespace(Count=len(cells[0]))
        attr = types.SimpleNamespace(iid=RANGE_IID)
        info = types.SimpleNamespace(GetTypeAttr=lambda: attr)
        self._oleobj_ = types.SimpleNamespace(GetTypeInfo=lambda: info)


def com_value(v):
    """A cell's value as COM gives it: numbers as doubles, dates as pywintypes datetimes,
    errors as HRESULT integers, blanks as None (a Decimal, COM's Currency, stays one)."""
    if isinstance(v, bool) or v is None or isinstance(v, Decimal):
        return v
    if isinstance(v, dt.datetime | dt.date):
        return com_time(v)
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, str) and v in COM_ERRORS:
        return COM_ERRORS[v]
    return v


def sheet_rows(path: Path, sheet: str, extra_blank_rows: int = 0) -> list[list]:
    """A sheet's used range as Excel passes it to a function (cached values)."""
    wb = openpyxl.load_workbook(path, data_only=True)
    try:
        rows = [list(r) for r in wb[sheet].iter_rows(values_only=True)]
    finally:
        wb.close()
    width = max(len(r) for r in rows)
    return rows + [[None] * width for _ in range(extra_blank_rows)]


def call(xl, name: str, *args):
    """``call_udf`` as ``XLPy.CallUDF`` calls it from a worksheet cell (no workbook, no caller)."""
    return xl.udfs.call_udf(MODULE, name, tuple(args), None, None)


def serial(d) -> float:
    return float((np.datetime64(d, "D") - np.datetime64("1899-12-30", "D")).astype(int))


# ---------------------------------------------------------------------------------------------
# import_udfs: the VBA and the function wizard


class FakeWorkbook:
    """What ``import_udfs`` uses of the add-in workbook: its name, its sheets, its VBA project
    (the module it imports is captured) and ``Application.MacroOptions`` (captured)."""

    def __init__(self, name: str, trusted: bool = True):
        self.Name = name
        self.Worksheets = [types.SimpleNamespace(Name="myaddin.conf")]
        self.imported: list[str] = []
        self.macro_options: list[dict] = []
        self.saved = 0
        self.closed = 0
        book = self

        class Components:
            @property
            def Count(self):
                if not trusted:  # what Excel raises without the Trust Center's tick
                    raise ComError("Programmatic access to Visual Basic Project is not trusted")
                return 3

            def __call__(self, name):
                raise ComError(f"no component {name}")

            def Remove(self, component):
                raise AssertionError("nothing to remove")

            def Import(self, path):
                book.imported.append(Path(path).read_text())

        self.VBProject = types.SimpleNamespace(VBComponents=Components())

        def macro_options(macro, **kwargs):
            book.macro_options.append({"Macro": macro, **kwargs})

        self.Application = types.SimpleNamespace(Version="16.0", MacroOptions=macro_options)

    def Save(self):
        self.saved += 1

    def Close(self, save_changes=None):
        self.closed += 1


@pytest.fixture(scope="module")
def imported(xl):
    book = FakeWorkbook("xlfidx.xlam")
    xl.udfs.import_udfs(MODULE, book)
    [vba] = book.imported
    return book, vba


def test_import_udfs_writes_a_vba_function_for_every_worksheet_function(xl, imported):
    import inspect

    book, vba = imported
    assert vba.startswith('Attribute VB_Name = "xlwings_udfs"')
    names = re.findall(r"^Function (\w+)\(", vba, re.M)
    assert sorted(names) == sorted(xl.module.UDFS)
    for name, f in xl.module.UDFS.items():
        params = inspect.signature(f).parameters.values()
        want = ", ".join(("Optional " if p.default is not inspect.Parameter.empty else "") + p.name
                         for p in params)
        assert f"Function {name}({want})" in vba, name
        # an add-in calls with ActiveWorkbook: the functions work in any workbook
        call_line = (f'{name} = XLPy.CallUDF("{MODULE}", "{name}", '
                     f'Array({", ".join(p.name for p in params)}), ActiveWorkbook, Application.Caller)')
        assert call_line in vba, name


def test_import_udfs_registers_descriptions_arguments_and_category(xl, imported):
    import inspect

    book, _ = imported
    options = {o["Macro"]: o for o in book.macro_options}
    assert set(options) == {f"'xlfidx.xlam'!{n}" for n in xl.module.UDFS}
    for name, f in xl.module.UDFS.items():
        o = options[f"'xlfidx.xlam'!{name}"]
        assert o["Category"] == "xlfidx"
        assert o["Description"] == f.__doc__ and len(f.__doc__) <= 255  # nothing cut off
        docs = f.__xlfidx__["args"]
        assert o["ArgumentDescriptions"] == [docs[p] for p in inspect.signature(f).parameters]
        assert all(10 < len(d) <= 255 for d in o["ArgumentDescriptions"]), name


# ---------------------------------------------------------------------------------------------
# `xlfidx addin install`: the import done through Excel, with xlwings' own import_udfs


class FakeExcel:
    """Excel over COM as ``xlfidx addin install`` uses it: ``Workbooks.Open`` (a
    :class:`FakeWorkbook`, its VBA project trusted or not), ``Version``, ``Quit``."""

    def __init__(self, trusted: bool):
        self.trusted = trusted
        self.Version = "16.0"
        self.books: list[FakeWorkbook] = []
        self.opened: list[str] = []
        self.quit = 0
        self.Workbooks = types.SimpleNamespace(Open=self._open)

    def _open(self, path):
        self.opened.append(path)
        self.books.append(FakeWorkbook(Path(path).name, self.trusted))
        return self.books[-1]

    def Quit(self):
        self.quit += 1


def _install(monkeypatch, tmp_path, trusted, argv=(), allow=True, answer=None):
    from xlfidx.cli import main
    from xlfidx.excel import addin

    apps: list[FakeExcel] = []
    ticked: list[str] = []

    def excel():
        apps.append(FakeExcel(trusted or bool(ticked)))  # a new Excel sees the new setting
        return apps[-1]

    def allow_access(version):
        if allow:
            ticked.append(version)
        return allow

    monkeypatch.setattr(addin, "excel_over_com", excel)
    monkeypatch.setattr(addin, "allow_vba_access", allow_access)
    monkeypatch.setattr("xlfidx.cli.excel._ask", lambda q: answer if answer is not None else False)
    code = main(["addin", "install", "--dir", str(tmp_path), *argv])
    return code, apps, ticked


def test_addin_install_imports_the_functions_through_excel(xl, tmp_path, monkeypatch, capsys):
    """Where Excel is: the installed copy is opened in an Excel of our own, xlwings' import_udfs
    writes the VBA of every worksheet function into it and registers its wizard texts, the
    add-in is saved, closed, Excel quit; the output says what is left, with no Alt+F11."""
    code, apps, ticked = _install(monkeypatch, tmp_path, trusted=True)
    assert code == 0 and not ticked
    [app] = apps
    assert app.opened == [str(tmp_path / "xlfidx.xlam")]
    [book] = app.books
    [vba] = book.imported
    assert sorted(re.findall(r"^Function (\w+)\(", vba, re.M)) == sorted(xl.module.UDFS)
    assert {o["Macro"] for o in book.macro_options} == {f"'xlfidx.xlam'!{n}" for n in xl.module.UDFS}
    assert (book.saved, book.closed, app.quit) == (1, 1, 1)
    out = capsys.readouterr().out
    assert "imported into the add-in and it is saved" in out and "Left to do: start Excel" in out
    assert "Alt+F11" not in out and "VBA editor" not in out


def test_addin_install_asks_before_it_ticks_the_trust_setting(xl, tmp_path, monkeypatch, capsys):
    """Excel refuses programs in VBA projects: declined, nothing is imported or saved and the
    output names the Trust Center's setting; accepted (or --yes), the setting is ticked for
    Excel's version, a new Excel opens the add-in and the import is done."""
    code, apps, ticked = _install(monkeypatch, tmp_path, trusted=False, answer=False)
    assert code == 0 and not ticked
    [app] = apps
    assert not app.books[0].imported and app.books[0].saved == 0 and app.quit == 1
    out = capsys.readouterr().out
    assert "Trust access to the VBA project object model" in out and "--yes" in out

    for argv, answer in (((), True), (("--yes",), None)):
        code, apps, ticked = _install(monkeypatch, tmp_path, trusted=False, argv=argv, answer=answer)
        assert code == 0 and ticked == ["16.0"] and len(apps) == 2
        assert apps[0].quit == 1 and not apps[0].books[0].imported  # closed before the setting
        assert apps[1].books[0].imported and apps[1].books[0].saved == 1
        assert "imported into the add-in" in capsys.readouterr().out


def test_addin_install_says_so_when_a_policy_locks_the_setting(xl, tmp_path, monkeypatch, capsys):
    code, apps, ticked = _install(monkeypatch, tmp_path, trusted=False, argv=("--yes",), allow=False)
    assert code == 2 and len(apps) == 1
    [err] = [line for line in capsys.readouterr().err.splitlines() if "error" in line]
    assert err.startswith("xlfidx addin: error: Trust access to the VBA project object model")
    assert "'locked' by your organisation's policy" in err and "xlwings Lite" in err


# ---------------------------------------------------------------------------------------------
# call_udf with COM values


def test_scalars_dates_decimals_and_a_missing_argument(xl):
    # CME conversion factor of the 4.25% of 2031-06-30 into TYZ4 is 0.9069
    assert call(xl, "CONVFACTOR", 4.25, com_time(dt.date(2031, 6, 30)), "TYZ4") == [[0.9069]]
    assert call(xl, "CONVFACTOR", Decimal("4.2500"), 48029.0, "TYZ4") == [[0.9069]]
    # GROSSBASIS without units (left out in the cell): points; a Currency-formatted price
    got = call(xl, "GROSSBASIS", Decimal("103.2969"), 114.234375, 0.9069, MISSING)[0][0]
    assert got == pytest.approx(103.2969 - 0.9069 * 114.234375, abs=1e-12)
    # COM's #N/A in a cell: the error is named, one line
    [[text]] = call(xl, "TBADV01", COM_ERRORS["#N/A"], 4.0347)
    assert text == "#N/A price = '#N/A' is missing; a number is required"


def test_a_column_with_an_error_cell_flags_that_row_only(xl):
    prices = ComRange([[98.6641], ["#N/A"], [Decimal("88.1406")]])
    coupons = ComRange([[4.5], [4.625], [3.5]])
    mats = ComRange([[dt.date(2039, 8, 15)], [dt.date(2040, 2, 15)], [dt.date(2039, 2, 15)]])
    out = call(xl, "NETBASIS", prices, coupons, mats, 115.96875, "USZ3", com_time(dt.date(2023, 11, 22)),
               com_time(dt.date(2023, 12, 29)), 5.413, "32nds")
    assert out[0][0] == pytest.approx(6.2034, abs=5e-5)  # Bloomberg's USZ3 DLV: the CTD's net basis
    assert out[1][0].startswith("#N/A price[1] = '#N/A' is missing")
    assert isinstance(out[2][0], float)


def _table(cells):
    head, *rows = cells
    return [dict(zip(head, r, strict=True)) for r in rows]


def _same_table(got, want_frame):
    """A spilled DLV equals the core's table: numbers to 1e-12, dates as serials, texts."""
    assert got[0] == list(want_frame.columns)
    for row, (_, want) in zip(got[1:], want_frame.iterrows(), strict=True):
        for value, (name, w) in zip(row, want.items(), strict=True):
            if name == "maturity":
                assert value == ("" if w is None or w != w else serial(w)), name
            elif isinstance(w, bool | np.bool_):
                assert value is bool(w), name
            elif isinstance(w, float | np.floating):
                assert (value == "" if np.isnan(w) else value == pytest.approx(float(w), abs=1e-12)), name
            else:
                assert value == ("" if w is None else w), name


@pytest.fixture(params=["USZ3 sample", "TYZ4 written", "TYZ4 real"])
def basket_export(request):
    """Every basket export we hold: the shipped USZ3 sample, the TYZ4 export written in its real
    layout from the typed figures, and the real TYZ4 export where ../shared is present."""
    if request.param == "USZ3 sample":
        return sample_path("fut_bond_data_USZ3_2023-11-21.xlsx")
    if request.param == "TYZ4 written":
        return request.getfixturevalue("tyz4_written")
    return request.getfixturevalue("bloomberg_dir") / pub.TYZ4_FILENAME


def test_dlv_of_the_two_export_sheets_equals_xlfidx_dlv(xl, basket_export):
    """=DLV(bonds, future) with the two sheets as Excel passes them (header row included, dates
    as pywintypes datetimes) is the table `xlfidx dlv FILE` prints, and names the export's CTD:
    the bond whose price is the export's fut_ctd_px."""
    from xlfidx.bloomberg.basket import read_basket

    path = basket_export
    bonds, future = sheet_rows(path, "bonds"), sheet_rows(path, "future")
    got = call(xl, "DLV", ComRange(bonds), ComRange(future), MISSING, MISSING, MISSING, MISSING,
               MISSING, MISSING, MISSING)
    dlv = read_basket(path).dlv()
    _same_table(got, dlv.table)
    fields = {r[0]: r[1] for r in future}
    ctd = _table(got)[0]
    assert ctd["ctd"] is True and ctd["price"] == fields["fut_ctd_px"]
    # the CTD function and the ticker of the export's CTD agree
    [[name]] = call(xl, "CTD", ComRange(bonds), ComRange(future), MISSING, MISSING, MISSING,
                    MISSING, MISSING, MISSING)
    assert name == ctd["ticker"]
    # what `xlfidx dlv FILE` prints: the same bonds in the same order, the CTD marked first
    import contextlib
    import io

    from xlfidx.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["dlv", str(path)]) == 0
    printed = [line for line in out.getvalue().splitlines()[2:]
               if line and not line.startswith(("note:", "Bloomberg vs xlfidx:"))]
    computed = [r for r in _table(got) if r["problem"] == ""]
    assert len(printed) == len(computed)
    for line, r in zip(printed, computed, strict=True):
        assert line.lstrip().startswith(r["ticker"]), (line, r["ticker"])
        assert f"{r['implied_repo']:.4f}" in line
    assert printed[0].rstrip().endswith("CTD")
    # a Currency-formatted override is a number like any other
    again = call(xl, "DLV", ComRange(bonds), ComRange(future), Decimal(str(fields["px_last"])),
                 MISSING, MISSING, MISSING, MISSING, MISSING, MISSING)
    assert again == got


def test_one_na_price_and_six_trailing_blank_rows(xl, tyz4_written):
    """Every good row computed, the bad row last with its problem, the blank rows ignored."""
    from xlfidx.bloomberg.basket import read_basket

    bonds = sheet_rows(tyz4_written, "bonds", extra_blank_rows=6)
    price = bonds[0].index("px_last")
    bad = next(i for i, r in enumerate(bonds) if r[0] == "91282CDY Govt")
    bonds[bad][price] = "#N/A N/A"
    got = _table(call(xl, "DLV", ComRange(bonds), ComRange(sheet_rows(tyz4_written, "future")),
                      MISSING, MISSING, MISSING, MISSING, MISSING, MISSING, MISSING))
    assert len(got) == 8
    good, last = got[:7], got[7]
    assert all(isinstance(r["implied_repo"], float) and r["problem"] == "" for r in good)
    assert last["ticker"] == "91282CDY Govt" and last["implied_repo"] == ""
    # named by its cell: px_last is column C, 91282CDY the export's third bond (sheet row 4)
    assert last["problem"] == "bonds!C4: px_last = '#N/A N/A' is missing"
    # the good rows are the same as without the bad bond
    whole = read_basket(tyz4_written).dlv().table.set_index("ticker")
    for r in good:
        assert r["net_basis_32nds"] == pytest.approx(whole.loc[r["ticker"], "net_basis_32nds"], abs=1e-12)


def test_fedpath_of_a_chain_table_leaves_a_bad_contract_out_with_a_note(xl):
    # CME's Sep-2022 FedWatch example (ZQU2 97.4475, ZQV2 96.94, meeting 21 Sep, spot 2.33)
    chain = [["ticker", "px_last", "last_tradeable_dt"],
             ["ZQU2 Comdty", 97.4475, dt.date(2022, 9, 30)],
             ["ZQV2 Comdty", Decimal("96.9400"), dt.date(2022, 10, 31)],
             ["ZQX2 Comdty", "#N/A", dt.date(2022, 11, 30)],
             [None, None, None]]
    out = call(xl, "FEDPATH", ComRange(chain), ComRange([[dt.date(2022, 9, 21)]]), 2.33, MISSING,
               MISSING)
    head = out[0]
    row = dict(zip(head, out[1], strict=True))
    assert row["rate before %"] == pytest.approx(2.2987, abs=1e-4)
    assert row["rate after %"] == pytest.approx(3.06, abs=1e-4)
    assert out[-1][0] == "note: ZQX2 Comdty: px_last = '#N/A' is missing (contract left out of the chain)"


def test_excel_entry_point_calludf_gives_what_the_cell_shows(xl):
    """``XLPython.CallUDF``, what the VBA wrapper calls: a 1x1 result comes back as the value."""
    server = xl.com_server.XLPython()
    assert server.CallUDF(MODULE, "FUTDV01", (67.64, 0.9506)) == pytest.approx(71.16, abs=5e-3)


# ---------------------------------------------------------------------------------------------
# every function formula of every shipped book, replayed through call_udf


def _formula_args(formula: str) -> tuple[str, list[str]]:
    tokens = [t for t in Tokenizer(formula).items if t.type != "WHITE-SPACE"]
    assert tokens[0].type == "FUNC" and tokens[-1].type == "FUNC", formula
    name = tokens[0].value[:-1].upper()
    args = []
    for t in tokens[1:-1]:
        if t.type == "FUNC":
            raise AssertionError(f"nested function in {formula}")
        if t.type == "SEP" and t.subtype == "ARG":
            continue
        args.append(t)
    return name, args


def _resolve(book, sheet: str, token):
    if token.subtype == "NUMBER":
        return float(token.value)
    if token.subtype == "TEXT":
        return token.value[1:-1].replace('""', '"')
    ref = token.value
    where, _, cells = ref.rpartition("!")
    ws = book[where.strip("'").replace("''", "'")] if where else book[sheet]
    c1, r1, c2, r2 = range_boundaries(cells.replace("$", ""))
    rows = [list(r) for r in ws.iter_rows(min_row=r1, max_row=r2, min_col=c1, max_col=c2,
                                           values_only=True)]
    return ComRange(rows)


def _cached(book, sheet, ref):
    c1, r1, c2, r2 = range_boundaries(ref)
    return [list(r) for r in book[sheet].iter_rows(min_row=r1, max_row=r2, min_col=c1, max_col=c2,
                                                    values_only=True)]


def _same_cell(got, cached) -> bool:
    if isinstance(cached, dt.datetime):
        cached = serial(cached.date())
    if cached in (None, ""):
        return got in (None, "")
    if isinstance(cached, bool) or isinstance(got, bool):
        return got == cached
    if isinstance(cached, int | float):
        return isinstance(got, float) and got == pytest.approx(cached, rel=1e-12, abs=1e-12)
    return got == cached


@pytest.mark.parametrize("name", BOOKS)
def test_every_function_formula_of_the_shipped_books_replays_to_its_cached_value(xl, name):
    from xlfidx.excel.calc import formula_cells

    path = WORKBOOKS_DIR / f"{name}.xlsm"
    book = openpyxl.load_workbook(path, data_only=True)
    replayed = 0
    for cell in formula_cells(path):
        fname, tokens = _formula_args(html.unescape(cell.formula)) if "(" in cell.formula \
            else (None, [])
        if fname not in xl.module.UDFS:
            continue  # a plain reference (=Settings!B2) or an Excel function
        f = xl.module.UDFS[fname]
        n_params = len(f.__xlfidx__["args"])
        args = [_resolve(book, cell.sheet, t) for t in tokens] + [MISSING] * (n_params - len(tokens))
        got = call(xl, fname, *args)
        want = _cached(book, cell.sheet, cell.array_ref or cell.ref)
        for i, row in enumerate(want):
            for j, cached in enumerate(row):
                value = got[i][j] if i < len(got) and j < len(got[i]) else None
                assert _same_cell(value, cached), (name, cell.sheet, cell.ref, i, j, value, cached)
        replayed += 1
    assert replayed == {"basis": 11, "fedpath": 3, "mbs_trend": 1}[name]
