"""What Office.js hands xlwings Lite, built here from values: a custom function call's payload
and a script's book.

The shapes follow xlwings' Office.js client (``xlwings.pro.udfs_officejs``, ``_xlofficejs``,
``_xlremote`` and xlwings' own tests): every argument of a custom function is a 2-D list
(``dimensionality: matrix``), a date cell arrives as its Excel serial number, an empty cell of a
range as ``""``, an argument left out as ``null`` (None), an error cell as
``{"type": "Error", "basicValue": "#N/A", ...}``. A script's book carries each sheet's values
from A1 to the end of its used range, a date-formatted cell as an ISO text ending in ``Z``.
Used by ``tests/test_lite.py`` and ``benchmarks/bench_lite.py``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

EPOCH = dt.datetime(1899, 12, 30)
ERROR_TYPES = {"#DIV/0!": "Div0", "#N/A": "NotAvailable", "#NAME?": "Name", "#NULL!": "Null",
               "#NUM!": "Num", "#REF!": "Ref", "#VALUE!": "Value"}


def serial(value: dt.date | dt.datetime) -> float:
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    return (value - EPOCH).total_seconds() / 86400.0


def cell(value: Any, in_range: bool) -> Any:
    """One cell's value as Office.js sends it to a custom function."""
    if value is None:
        return "" if in_range else None
    if isinstance(value, dt.date | dt.datetime):
        return serial(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str) and value in ERROR_TYPES:
        return {"type": "Error", "basicValue": value, "errorType": ERROR_TYPES[value]}
    return value


def argument(value: Any) -> Any:
    """A custom function's argument as Office.js sends it: a 2-D list, or null when left out."""
    if value is None:
        return None
    if hasattr(value, "tolist") and getattr(value, "ndim", 0) > 0:
        value = value.tolist()
    if isinstance(value, list | tuple):
        if value and all(isinstance(r, list | tuple) for r in value):
            return [[cell(v, True) for v in r] for r in value]
        return [[cell(v, True)] for v in value]  # a 1-D list is a column
    return [[cell(value, False)]]


def call_payload(func_name: str, args: list[Any]) -> dict[str, Any]:
    """The body of Lite's custom-function call (``custom_functions_call``'s ``data``)."""
    import xlwings

    return {"func_name": func_name, "args": [argument(a) for a in args],
            "caller_address": "Sheet1!B2", "formula_name": func_name, "version": xlwings.__version__,
            "client": "Office.js", "runtime": "1.4", "culture_info_name": "en-US",
            "date_format": "M/d/yyyy"}


def book_cell(value: Any) -> Any:
    """One cell of a script's book as Office.js sends it."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="milliseconds") + "Z"
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day).isoformat(timespec="milliseconds") + "Z"
    return value


def book_json(sheets: dict[str, list[list[Any]]], name: str = "book.xlsx",
              charts: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """A script's book: ``sheets`` maps a sheet's name to its rows from A1; ``charts`` the
    names of the charts already on a sheet."""
    import xlwings

    out = []
    for sheet, rows in sheets.items():
        width = max((len(r) for r in rows), default=0)
        values = [[book_cell(v) for v in r] + [""] * (width - len(r)) for r in rows] or [[]]
        out.append({"name": sheet, "values": values, "visibility": "Visible", "pictures": [],
                    "shapes": [], "tables": [], "notes": [], "pivot_tables": [],
                    "show_gridlines": True, "print_area": None,
                    "charts": [{"name": c, "chart_type": "Line", "left": 0.0, "top": 0.0,
                                "width": 480.0, "height": 300.0}
                               for c in (charts or {}).get(sheet, [])]})
    return {"client": "Office.js", "version": xlwings.__version__,
            "book": {"name": name, "active_sheet_index": 0, "selection": "A1"},
            "names": [], "sheets": out}


def workbook_rows(path: Path) -> dict[str, list[list[Any]]]:
    """Every sheet's values of a workbook file, from A1 (what Office.js would send of it)."""
    import openpyxl

    wb = openpyxl.load_workbook(path, data_only=True, read_only=True)
    out = {}
    try:  # a read-only book holds its file open until closed
        for ws in wb.worksheets:
            ws.reset_dimensions()
            rows = [list(r) for r in ws.iter_rows(min_row=1, min_col=1, values_only=True)]
            while rows and all(v is None for v in rows[-1]):
                rows.pop()
            out[ws.title] = rows
    finally:
        wb.close()
    return out


def complete(coroutine: Any) -> Any:
    """The result of one of Lite's ``async`` entry points (``custom_functions_call``,
    ``custom_scripts_call``) for a synchronous function, which never waits on anything: run to
    its end without an event loop, so the same code runs in CPython and in Pyodide (whose
    loop cannot be driven from inside a test)."""
    try:
        coroutine.send(None)
    except StopIteration as stop:
        return stop.value
    coroutine.close()
    raise RuntimeError("the call waited on something: it needs an event loop")


LITE_MODULES = ("xlfidx.excel.lite", "xlfidx.excel.udfs", "xlfidx.excel._udf")


@contextlib.contextmanager
def lite_runtime(decorated_under_lite: bool = True):
    """xlwings as Lite runs it (``XLWINGS_ON_SERVER``, the licence key Lite's glue needs, the
    Office.js engine) and ``xlfidx.excel.lite`` imported afresh under it.

    ``decorated_under_lite``: xlwings' ``func``/``arg``/``ret`` are Lite's while the worksheet
    functions are defined (as when Lite imports them); else they are defined first and the
    Lite module registers them from their records. Everything is put back afterwards.
    """
    import pytest  # the MonkeyPatch context; the benchmark has pytest too (the test extra)

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XLWINGS_LICENSE_KEY", "noncommercial")
        mp.setenv("XLWINGS_ON_SERVER", "true")
        import xlwings
        from xlwings.main import Engine

        server = importlib.import_module("xlwings.server")
        mp.setattr(xlwings.engines, "engines", list(xlwings.engines.engines))
        mp.setattr(xlwings.engines, "engines_by_name", dict(xlwings.engines.engines_by_name))
        for name in ("remote", "officejs"):  # what xlwings registers when the key is there
            if name not in xlwings.engines.engines_by_name:
                module = importlib.import_module(f"xlwings.pro._xl{name}")
                xlwings.engines.add(Engine(impl=module.engine))
        if decorated_under_lite:
            for name in ("func", "arg", "ret", "script"):
                mp.setattr(xlwings, name, getattr(server, name))
        import xlfidx.excel

        added = []
        for name in LITE_MODULES:
            mp.delitem(sys.modules, name, raising=False)
            attr = name.rsplit(".", 1)[1]
            if hasattr(xlfidx.excel, attr):
                mp.delattr(xlfidx.excel, attr)  # the package's attribute comes back afterwards
            else:
                added.append(attr)
        if not decorated_under_lite:  # xlwings' own stand-ins off Windows: they record nothing
            mp.setattr(xlwings, "func", lambda f=None, **k: f if f is not None else (lambda g: g))
            mp.setattr(xlwings, "arg", lambda *a, **k: (lambda g: g))
            mp.setattr(xlwings, "ret", lambda *a, **k: (lambda g: g))
            importlib.import_module("xlfidx.excel.udfs")
        try:
            yield importlib.import_module("xlfidx.excel.lite"), server
        finally:
            for name in LITE_MODULES:
                sys.modules.pop(name, None)
            for attr in added:
                if hasattr(xlfidx.excel, attr):
                    delattr(xlfidx.excel, attr)
