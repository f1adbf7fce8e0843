"""xlfidx in xlwings Lite, run through xlwings' own Lite machinery in this interpreter:
``xlwings.server.custom_functions_meta`` (what Lite registers with Excel),
``custom_functions_call`` (a cell's call, arguments as Office.js hands them over) and
``custom_scripts_call`` on ``xlwings.Book(json=...)`` (the **Refresh backtest** script), with the
actions it returns applied to a model of the sheet. Nothing here is specific to CPython: the
same tests run where Lite runs (Pyodide).

The expected values are independent of the Lite path: the same worksheet function called the
way Excel's COM layer calls it (dates as datetimes, tuples), the figures of each function
wizard example (their sources in ``tests/test_udfs.py``), and the backtest run by
``xlfidx.backtest`` on the workbook file.
"""

from __future__ import annotations

import datetime as dt
import inspect
import math
import re

import pytest
from officejs import book_json, call_payload, complete, lite_runtime, workbook_rows

from xlfidx.excel.build import WORKBOOKS_DIR

pytest.importorskip("xlwings")


@pytest.fixture(scope="module", params=["defined under Lite", "registered by the Lite module"])
def lite(request):
    with lite_runtime(decorated_under_lite=request.param == "defined under Lite") as (module, server):
        yield module, server


def call(lite, name: str, args: list):
    module, server = lite
    return complete(server.custom_functions_call(call_payload(name, args), module))


def as_matrix(value):
    """A result as Lite writes it to the grid: always 2-D, blanks as ""."""
    rows = value if isinstance(value, list) else [[value]]
    return [["" if v is None else v for v in r] for r in rows]


def same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float | int):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def test_every_worksheet_function_is_registered_with_its_wizard_texts(lite):
    """Each function of udfs is in the Lite module under its Excel name, with the description
    and argument descriptions Excel's function wizard shows in classic Excel (its docstring and
    its ``@arg(doc=...)``), every parameter a matrix of any type."""
    from xlfidx.excel import udfs

    module, server = lite
    meta = {f["name"]: f for f in server.custom_functions_meta(module)["functions"]}
    assert set(meta) == set(udfs.UDFS)
    for name, f in udfs.UDFS.items():
        m = meta[name]
        assert m["description"] == f.__doc__
        docs = f.__xlfidx__["args"]
        assert [p["name"] for p in m["parameters"]] == list(inspect.signature(f).parameters)
        assert {p["name"]: p["description"] for p in m["parameters"]} == docs
        assert all(p["dimensionality"] == "matrix" and p["type"] == "any" for p in m["parameters"])
        assert m["result"] == {"dimensionality": "matrix", "type": "any"}


def test_a_new_worksheet_function_of_udfs_appears_without_an_edit():
    """The Lite module finds the worksheet functions by what their decorators recorded: one
    added to udfs (as another change will) is registered too; helpers are not."""
    with lite_runtime() as (module, server):
        from xlfidx.excel import udfs
        from xlfidx.excel._udf import RANGE, arg, func

        assert "_scalar" not in module.worksheet_functions()

        @func(category="xlfidx")
        @arg("x", doc="a number", **RANGE)
        def NEWFN(x):
            """Twice x."""
            return 2 * float(udfs._scalar(x, "x"))

        udfs.NEWFN = NEWFN
        assert "NEWFN" in module.worksheet_functions()
        assert "NEWFN" not in module.__all__  # registered when the module is imported


def test_every_function_on_office_js_arguments_equals_the_com_call(lite):
    """Every worksheet function, on the plausible arguments of the fuzz suite (the sample
    basket, the Fed chain, hedge inputs) shaped as Office.js hands them over (dates as serial
    numbers, blanks as "", ranges 2-D), gives what the same function gives on the arguments as
    Excel's COM layer hands them over (datetimes, nested tuples)."""
    from test_udf_fuzz import CALLS

    from xlfidx.excel import udfs

    seen = set()
    for name, args in CALLS:
        want = as_matrix(udfs.UDFS[name](*args))
        got = call(lite, name, list(args))
        assert len(got) == len(want) and all(len(g) == len(w) for g, w in zip(got, want, strict=True)), name
        for g_row, w_row in zip(got, want, strict=True):
            for g, w in zip(g_row, w_row, strict=True):
                assert same(g, w), (name, g, w)
        seen.add(name)
    assert seen == set(udfs.UDFS)


def test_the_wizard_examples_give_their_published_figures_in_lite(lite):
    """The ``=FN(...) gives X`` example of each description, run through Lite: the figures of
    the sources typed into the descriptions (CME's conversion factor 0.9069 of the 4.25% Jun-31
    into TYZ4, the Bloomberg DLV of USZ3, CME's 20U/ZN ratio, ...)."""
    from test_udfs import _wizard_args

    from xlfidx.excel import udfs

    checked = 0
    for name, f in udfs.UDFS.items():
        for text, said in re.findall(rf"={name}\((.*?)\) gives (.+?)(?: \(|\.\s|\.$)", f.__doc__):
            if "!" in text:
                continue
            cells = [v for row in call(lite, name, _wizard_args(text)) for v in row]
            want = [w.strip() for w in said.split(",")]
            for g, w in zip(cells, want, strict=True):
                places = len(w.split(".")[1]) if "." in w else 0
                assert round(g, places) == pytest.approx(float(w), abs=10 ** -places / 2), (name, g, w)
            checked += 1
    assert checked == 11


def test_the_export_tables_as_office_js_sends_them(lite):
    """=DLV(bonds!A1:P40, future!A1:B12) on the USZ3 sample export's two tables, dates as
    serial numbers: the table equals the COM call's (dates as datetimes), and DLVINFO says
    settle 2023-11-22 and repo 5.413 (the export's own fields)."""
    from xlfidx.excel import udfs
    from xlfidx.samples import sample_path

    rows = workbook_rows(sample_path("fut_bond_data_USZ3_2023-11-21.xlsx"))
    bonds, future = rows["bonds"], rows["future"]
    for name in ("DLV", "CTDSCENARIOS", "DELIVERYOPTION", "DLVINFO"):
        extra = {"CTDSCENARIOS": ["-50:50:50"], "DELIVERYOPTION": [100.0]}.get(name, [])
        got = call(lite, name, [bonds, future, *extra])
        want = as_matrix(udfs.UDFS[name](bonds, future, *extra))
        assert all(same(g, w) for gr, wr in zip(got, want, strict=True)
                   for g, w in zip(gr, wr, strict=True)), name
    info = dict((r[0], r[1]) for r in call(lite, "DLVINFO", [bonds, future]))
    assert info["settle"] == (dt.datetime(2023, 11, 22) - dt.datetime(1899, 12, 30)).days
    assert info["repo %"] == pytest.approx(5.413)


def test_bad_input_is_the_same_one_line_text(lite):
    """A bad argument gives the classic cell's text, one line naming the argument and value;
    an error cell in a range (Office.js sends {type: Error}) is read as its text."""
    from xlfidx.excel import udfs

    got = call(lite, "CONVFACTOR", ["abc", dt.datetime(2031, 6, 30), "TYZ4"])
    assert got == [[udfs.CONVFACTOR("abc", dt.datetime(2031, 6, 30), "TYZ4")]]
    assert got[0][0].startswith("#VALUE! coupon = 'abc'") and "\n" not in got[0][0]
    col = call(lite, "CONVFACTOR", [[[4.25], ["#N/A"]], dt.datetime(2031, 6, 30), "TYZ4"])
    assert col[0][0] == pytest.approx(0.9069, abs=5e-5)
    assert col[1][0].startswith("#N/A")


# ---------------------------------------------------------------------------------------------
# the Refresh backtest script


def apply(actions: list[dict], grid: dict[int, dict[tuple[int, int], object]], charts: dict[int, list]):
    """Apply Lite's actions to a model of the sheets: cell values by (row, col), 0-based, and
    the charts of each sheet."""
    for a in actions:
        pos = a.get("sheet_position")
        if a["func"] == "setValues":
            cells = grid.setdefault(pos, {})
            for i, row in enumerate(a["values"]):
                for j, v in enumerate(row):
                    cells[(a["start_row"] + i, a["start_column"] + j)] = v
        elif a["func"] == "sheetClear":
            grid[pos] = {}
        elif a["func"] == "deleteChart":
            charts.setdefault(pos, []).pop(a["args"][0])
        elif a["func"] == "addChart":
            charts.setdefault(pos, []).append({"name": a["args"][0], "type": a["args"][1],
                                               "source": a["args"][3], "anchor": a["args"][9]})
        elif a["func"] in ("setChartXAxisValues", "setChartTitle"):
            key = "x" if a["func"] == "setChartXAxisValues" else "title"
            charts[pos][a["args"][0]][key] = a["args"][-1]


def _run_script(lite, sheets: dict, charts: dict | None = None):
    import xlwings as xw

    module, server = lite
    book = xw.Book(json=book_json(sheets, "mbs_trend.xlsm", charts))
    out = complete(server.custom_scripts_call(module, "refresh_backtest",
                                              typehint_to_value={xw.Book: book}))
    return list(book.sheets).index(book.sheets["Backtest"]) if "Backtest" in sheets else None, \
        out.json()["actions"]


@pytest.fixture(scope="module")
def sample_book():
    """mbs_trend.xlsm, the shipped front-end book (its history is the SYNTHETIC sample)."""
    return workbook_rows(WORKBOOKS_DIR / "mbs_trend.xlsm")


@pytest.fixture(scope="module")
def cpython_backtest(sample_book):
    """The backtest xlfidx.backtest runs on the book's file, with the book's Settings."""
    import warnings

    from xlfidx.backtest import run_backtest
    from xlfidx.bloomberg.history import read_history
    from xlfidx.excel.refresh import backtest_config, read_settings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        history = read_history(WORKBOOKS_DIR / "mbs_trend.xlsm")
        config = backtest_config(read_settings(sample_book["Settings"]))
        return run_backtest(history.mbs, history.futures, config, notes=history.notes), history


def test_refresh_backtest_writes_what_the_cpython_backtest_computes(lite, sample_book, cpython_backtest):
    """The script reads MBS/Futures/Settings from the book (no file), and the Backtest sheet it
    writes holds the CPython backtest's summary (each figure rounded as shown), its walk-forward
    and every day's cumulative return; the old charts go, five new ones are drawn from the
    chart data; progress and the final line are in Backtest!A4; no alert."""
    from xlfidx.backtest_plot import cumulative_pct, drawn_strategies
    from xlfidx.excel.backtest_sheet import SUMMARY_HEADERS

    result, history = cpython_backtest
    old = ["xlfidx cumulative", "xlfidx frontier"]
    pos, actions = _run_script(lite, sample_book, {"Backtest": old})
    grid, charts = {}, {pos: [{"name": n} for n in old]}
    apply(actions, grid, charts)
    assert not [a for a in actions if a["func"] == "alert"]
    cells = grid[pos]
    assert cells[(0, 0)] == "MBS trend-convexity backtest -- " + history.label  # SYNTHETIC sample
    assert cells[(3, 0)] == "xlfidx: Backtest sheet rewritten and recalculated"
    statuses = [a["values"][0][0] for a in actions if a["func"] == "setValues"
                and (a["start_row"], a["start_column"], a["row_count"]) == (3, 0, 1)]
    assert "xlfidx: running the backtest" in statuses and "xlfidx: backtest 100%: done" in statuses

    # the summary table: header row 6 (index 5), one row per strategy
    head = [cells.get((5, j)) for j in range(21)]
    assert head[0] == "Strategy"
    cols = {SUMMARY_HEADERS[c][0]: (c, SUMMARY_HEADERS[c][1]) for c in SUMMARY_HEADERS}
    summary = result.summary
    for i, strategy in enumerate(summary.index):
        assert cells[(6 + i, 0)] == strategy
        for j, title in enumerate(head[1:], start=1):
            if title not in cols:
                continue
            c, fmt = cols[title]
            want = summary.loc[strategy, c]
            got = cells.get((6 + i, j))
            if isinstance(want, dt.date | dt.datetime) or hasattr(want, "isoformat"):
                assert got == want.date().isoformat() if hasattr(want, "date") else want.isoformat()
            elif want != want:  # NaN: a blank cell
                assert got in ("", None)
            else:
                places = len(fmt) - 2 if "." in fmt else 0
                assert got == pytest.approx(round(float(want), places), abs=1e-12), (strategy, title)

    # every day's cumulative return after costs of each strategy drawn
    rows = {cells.get((r, 0)): r for r in range(max(r for r, _ in cells) + 1)}
    header_row = next(r for (r, c), v in cells.items() if c == 0 and v == "Date")
    names = [cells[(header_row, j)] for j in range(2, 40) if str(cells.get((header_row, j), "")).endswith(" cum %")]
    assert [n[: -len(" cum %")] for n in names] == [n for n in drawn_strategies(result)
                                                   if result.returns_net[n].notna().any()]
    net = result.returns_net
    for j, n in enumerate(names, start=2):
        want = cumulative_pct(net[n[: -len(" cum %")]]).reindex(net.index).round(6)
        for day in (net.index[300], net.index[len(net) // 2], net.index[-1]):
            got = cells[(rows[day.strftime("%Y-%m-%d")], j)]
            if want[day] != want[day]:  # before the strategy's first trading day: blank
                assert got == "", (n, day)
            else:
                assert got == pytest.approx(float(want[day]), abs=1e-12), (n, day)

    # charts: the two old ones deleted, five drawn, the cumulative one over the daily block
    drawn = charts[pos]
    assert [c["name"] for c in drawn] == ["xlfidx cumulative", "xlfidx frontier", "xlfidx frontier_gap",
                                          "xlfidx convexity", "xlfidx residual"]
    cum = drawn[0]
    first = header_row + 1  # 1-based row of the block's header
    assert cum["type"] == "Line" and cum["source"].startswith(f"$C${first}:")
    assert cum["x"] == f"$B${first + 1}:$B${first + len(net)}"
    assert "SYNTHETIC" in cum["title"]


def test_refresh_backtest_failure_is_an_alert_not_a_traceback(lite, sample_book):
    """A book whose MBS sheet lacks the duration series: the script returns normally, one
    alert of one line naming what is missing, and the status cell says it failed."""
    sheets = dict(sample_book)
    mbs = [list(r) for r in sheets["MBS"]]
    for r in mbs[:3]:
        for j, v in enumerate(r):
            if isinstance(v, str) and "LUMSMD" in v:
                r[j] = "OTHER Index"
    sheets["MBS"] = mbs
    pos, actions = _run_script(lite, sheets)
    alerts = [a for a in actions if a["func"] == "alert"]
    assert len(alerts) == 1
    prompt = alerts[0]["args"][0]
    assert "LUMSMD" in prompt and "\n" not in prompt and "Traceback" not in prompt
    grid = {}
    apply(actions, grid, {})
    assert grid[pos][(3, 0)].startswith("xlfidx: failed: ") and "LUMSMD" in grid[pos][(3, 0)]


def test_lite_chart_blocks_are_the_main_series_of_each_chart(cpython_backtest):
    """Lite's chart API draws one block of cells per chart: the cumulative and residual
    charts their whole daily columns, the frontiers the tilt family (Sharpe before and after
    costs), the convexity chart its points."""
    from xlfidx.excel.backtest_sheet import sheet_content
    from xlfidx.excel.refresh import lite_chart_block

    result, history = cpython_backtest
    rows, charts = sheet_content(result, history.label)
    spec = dict(charts)
    first, last, y0, y1, x = lite_chart_block(spec["cumulative"])
    assert rows[first - 2][0] == "Date" and last == len(rows) and x == 2 and y0 == 3
    assert [str(rows[first - 2][j - 1]) for j in range(y0, y1 + 1)] == [
        s.name + " cum %" for s in spec["cumulative"].series]
    first, last, y0, y1, x = lite_chart_block(spec["frontier"])
    assert [str(v) for v in rows[first - 2][y0 - 1:y1]] == ["Sharpe", "Sharpe net"]
    assert last - first + 1 == len(result.frontier) and str(rows[first - 2][x - 1]) == "Avg |resid dur| y"
    first, last, y0, y1, x = lite_chart_block(spec["convexity"])
    assert rows[first - 1][0] == str(result.convexity.dropna(subset=["avg_ctd_convexity"]).index[0])
