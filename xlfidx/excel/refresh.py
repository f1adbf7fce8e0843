"""Refreshing a workbook: one code path for Excel (the ribbon's "Run main") and headless.

What a refresh does depends on the workbook, named by its ``Settings``/sheets:

* a book with a ``Backtest`` sheet (``mbs_trend.xlsm``): rerun the MBS trend backtest on the
  book's own history sheets with the book's ``Settings`` and rewrite the ``Backtest`` sheet
  (summary and charts, laid out by :func:`xlfidx.excel.backtest_sheet.put_backtest_sheet`),
  then recalculate;
* any other book (``basis.xlsm``, ``fedpath.xlsm``): recalculate its formulas.

Where the work lands is a *target*:

* :class:`FileTarget` (``xlfidx refresh WORKBOOK``): the Backtest sheet and its charts are
  generated into the book's package (:mod:`xlfidx.excel.package`), every formula's result is
  stored as its cached value (:mod:`xlfidx.excel.calc`), and the file is replaced once, at the
  end; every part the refresh does not own (other sheets, their drawings, text boxes,
  sparklines, styles, defined names, the VBA project) is kept byte for byte;
* :class:`ExcelTarget` (``main()`` in the ``.py`` beside a workbook): the same computation,
  then the Backtest sheet's cells and charts are copied into the open book through xlwings, and
  Excel recalculates. Progress goes to Excel's status bar; a failure is shown in a message box
  as one line, never as a traceback.
* :class:`LiteTarget` (the ``refresh_backtest`` script of :mod:`xlfidx.excel.lite`, xlwings Lite
  in Excel on Windows, Mac and the web): the history is read from the book's own sheets (Lite
  has no files), the same cells are written, the charts are drawn with Lite's chart API, and
  progress and the final line go to the cell ``Backtest!A4`` (Lite has no status bar).

Every target lays the sheet out with :func:`xlfidx.excel.backtest_sheet.sheet_content`: one
layout, several targets.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from xlfidx._files import check_workbook
from xlfidx.errors import InputError, XlfidxError

__all__ = ["FileTarget", "ExcelTarget", "LiteTarget", "refresh", "refresh_file", "run_main", "read_settings"]

BACKTEST_SHEET = "Backtest"
SETTINGS_SHEET = "Settings"


def read_settings(rows: list[list[Any]]) -> dict[str, Any]:
    """``Settings`` sheet rows (name in column A, value in B) as a dict; blanks skipped."""
    out = {}
    for row in rows:
        if len(row) >= 2 and isinstance(row[0], str) and row[0].strip() and row[1] is not None:
            out[row[0].strip().lower()] = row[1]
    return out


def backtest_config(settings: dict[str, Any]) -> Any:
    """A :class:`~xlfidx.backtest.BacktestConfig` from the ``Settings`` sheet (blank = default)."""
    from xlfidx.backtest import BacktestConfig

    kwargs: dict[str, Any] = {}
    if "cost_bp" in settings:
        kwargs["cost_bp"] = float(settings["cost_bp"])
    if "tilts" in settings:
        text = str(settings["tilts"]).replace(";", ",")
        try:
            kwargs["tilts"] = tuple(float(t) for t in text.split(",") if t.strip())
        except ValueError:
            raise InputError("tilts", settings["tilts"], "must be numbers separated by commas") from None
    return BacktestConfig(**kwargs)


class FileTarget:
    """A workbook file: the Backtest sheet and the cached values are put into the book's
    package in memory, and the file is replaced once, at the end (:meth:`recalculate`)."""

    def __init__(self, path: str | Path, status: Callable[[str], None] | None = None):
        from xlfidx.excel.package import Package

        self.path = check_workbook(path, "WORKBOOK")
        self.package = Package.open(self.path)
        self._status = status or (lambda message: None)

    def status(self, message: str) -> None:
        self._status(message)

    def sheetnames(self) -> list[str]:
        return list(self.package.sheets())

    def sheet_rows(self, name: str) -> list[list[Any]]:
        from xlfidx.bloomberg.history import Sheets

        rows = Sheets.from_file(self.path).find(name)
        return [[None if v == "" else v for v in row] for row in rows]

    def history(self) -> Any:
        from xlfidx.bloomberg.history import read_history

        return read_history(self.path)

    def write_backtest(self, result: Any, label: str) -> None:
        from xlfidx.excel.backtest_sheet import put_backtest_sheet

        put_backtest_sheet(self.package, result, label)

    def recalculate(self) -> None:
        """Store every formula's result, then write the book (in one atomic step)."""
        from xlfidx.excel.calc import calc_package

        result = calc_package(self.package, self.path.name, self.status)
        for line in result.overflow:
            self.status(f"warning: {line}")
        for line in result.kept:
            self.status(f"note: {line}")
        if self.package.changed:
            self.status(f"writing {self.path.name}")
            self.package.save(self.path)


class ExcelTarget:
    """The workbook open in Excel (xlwings ``Book``)."""

    def __init__(self, book: Any):
        self.book = book

    def status(self, message: str) -> None:
        self.book.app.status_bar = f"xlfidx: {message}"

    def sheetnames(self) -> list[str]:
        return [s.name for s in self.book.sheets]

    def sheet_rows(self, name: str) -> list[list[Any]]:
        value = self.book.sheets[name].used_range.options(ndim=2).value
        return [list(r) for r in value]

    def history(self) -> Any:
        from xlfidx.bloomberg.history import read_history

        # the history sheets are read from the saved file: save the book after pasting new data
        return read_history(Path(self.book.fullname))

    def _backtest_sheet(self) -> Any:
        """The Backtest sheet emptied of its cells and charts (added as the last tab if none)."""
        name = _backtest_sheet(self.sheetnames())
        if name is not None:
            sheet = self.book.sheets[name]
            sheet.clear()
            for old in [*reversed(list(sheet.charts)), *reversed(list(sheet.pictures))]:
                old.delete()  # last first: Lite's charts are known by their position
            return sheet
        return self.book.sheets.add(BACKTEST_SHEET, after=self.book.sheets[-1])

    def write_backtest(self, result: Any, label: str) -> None:
        """Lay the sheet out exactly as headless, then copy the cells across and add the same
        native charts (:meth:`draw_chart`)."""
        from xlfidx.excel.backtest_sheet import CHART_SIZES, ROW_PIXELS, sheet_content

        rows, charts = sheet_content(result, label)
        from xlfidx.excel.cells import excel_text

        # text typed into Excel stays text (a note or label starting with "=" is not a formula)
        rows = [[None if v is None else (excel_text(str(v)) if isinstance(v, str) else v) for v in row]
                for row in rows]
        sheet = self._backtest_sheet()
        width = max((len(r) for r in rows), default=0)
        self.write_cells(sheet, rows, width)
        top_row = 1
        for key, spec in charts:
            w, h = CHART_SIZES[key]
            self.draw_chart(sheet, spec, top_row, width + 2, 0.75 * w, 0.75 * h)  # pixels -> points
            top_row += -(-h // ROW_PIXELS) + 1

    def write_cells(self, sheet: Any, rows: list[list[Any]], width: int) -> None:
        sheet["A1"].value = [list(r) + [None] * (width - len(r)) for r in rows]

    def draw_chart(self, sheet: Any, spec: Any, row: int, col: int, width: float, height: float) -> None:
        """One chart at the cell (``row``, ``col``), series by series through Excel's own
        chart objects (COM)."""
        cell = sheet.range((row, col))
        chart = sheet.charts.add(cell.left, cell.top, width, height)
        chart.chart_type = "line" if spec.kind == "line" else "xy_scatter_lines"
        add_series(chart.api[1], spec)
        chart.name = spec.name

    def recalculate(self) -> None:
        self.book.app.calculate()


STATUS_CELL = "A4"  # of the Backtest sheet: a blank row of its layout


class LiteTarget(ExcelTarget):
    """The book open in xlwings Lite (an ``xlwings.Book`` of Lite's own engine).

    Lite hands a script every sheet's values, so the history is read from the book itself;
    what the script writes is sent back to Excel as one batch when it returns. Progress and
    the final line go to ``Backtest!A4`` (every step of the backtest to Lite's output pane).
    """

    def status(self, message: str) -> None:
        print(f"xlfidx: {message}")
        if message.startswith("backtest ") and "100%" not in message:
            return  # the backtest's own steps: the output pane only (each cell write costs)
        if BACKTEST_SHEET in self.sheetnames():
            self.book.sheets[BACKTEST_SHEET][STATUS_CELL].value = f"xlfidx: {message}"

    def sheet_rows(self, name: str) -> list[list[Any]]:
        """The sheet's values from A1 to the end of its used range, as Office.js sent them
        (``raw_value``: a date cell is its ISO text, which the readers take; a blank None)."""
        sheet = self.book.sheets[name]
        used = sheet.used_range
        last_row, last_col = used.row + used.shape[0] - 1, used.column + used.shape[1] - 1
        value = sheet.range((1, 1), (last_row, last_col)).raw_value
        return [[None if v == "" else v for v in r] for r in value]

    def write_cells(self, sheet: Any, rows: list[list[Any]], width: int) -> None:
        """The cells as Office.js takes them (``raw_value``: no per-cell conversion, which would
        cost more than the backtest), in blocks of rows."""
        block = 2000
        for first in range(0, len(rows), block):
            part = [[("" if v is None else v) for v in r] + [""] * (width - len(r))
                    for r in rows[first:first + block]]
            sheet.range((first + 1, 1), (first + len(part), width)).raw_value = part

    def history(self) -> Any:
        from xlfidx.bloomberg.history import Sheets, history_from_sheets

        return history_from_sheets(Sheets(self.sheetnames(), self.sheet_rows, self.book.name))

    def draw_chart(self, sheet: Any, spec: Any, row: int, col: int, width: float, height: float) -> None:
        """One chart anchored at the cell (``row``, ``col``) through Lite's chart API: its
        source is the block of cells of its main series with their header row (which names
        them), its x values the series' own x cells (:func:`lite_chart_block`)."""
        block = lite_chart_block(spec)
        if block is None:
            return
        first, last, y0, y1, x = block
        chart = sheet.charts.add(0, 0, width, height, name=spec.name, anchor=sheet.range((row, col)),
                                 chart_type="line" if spec.kind == "line" else "xy_scatter_lines")
        chart.set_source_data(sheet.range((first - 1, y0), (last, y1)), plot_by="columns")
        if x is not None:
            chart.set_x_axis_values(sheet.range((first, x), (last, x)))
        chart.title = spec.title

    def recalculate(self) -> None:
        self.book.app.calculate()


_REF = re.compile(r"!\$([A-Z]+)\$(\d+):\$([A-Z]+)\$(\d+)$")


def _parse_ref(ref: str) -> tuple[int, int, int]:
    """``'Backtest'!$C$10:$C$20`` -> (column 1-based, first row, last row)."""
    m = _REF.search(ref)
    if m is None:
        raise ValueError(f"not a one-column range reference: {ref!r}")
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return col, int(m.group(2)), int(m.group(4))


def lite_chart_block(spec: Any) -> tuple[int, int, int, int, int | None] | None:
    """The cells Lite's chart API draws ``spec`` from (it takes one block of cells per chart):
    ``(first_row, last_row, first_y_col, last_y_col, x_col)``, 1-based.

    Series on the same rows with the same x cells and side-by-side y columns form a block;
    single-row series in one column on consecutive rows (one point per contract) merge into
    one. The block with the most cells is drawn: the cumulative returns, the residual
    durations, the frontier's tilt family, the convexity points. The frontier's marks of the
    other strategies are one row each, elsewhere, and are left out.
    """
    parsed = []
    for s in spec.series:
        yc, a, b = _parse_ref(s.y)
        xc = _parse_ref(s.x)[0] if s.x else None
        parsed.append((xc, a, b, yc))
    groups: dict[tuple, list[int]] = {}
    for xc, a, b, yc in parsed:
        groups.setdefault((xc, a, b), []).append(yc)
    blocks = []
    for (xc, a, b), cols in groups.items():
        cols = sorted(set(cols))
        start = cols[0]
        for i, c in enumerate(cols):
            if i + 1 == len(cols) or cols[i + 1] != c + 1:
                blocks.append((a, b, start, c, xc))
                if i + 1 < len(cols):
                    start = cols[i + 1]
    # single-column blocks on consecutive rows with the same columns: one series of points
    blocks.sort(key=lambda k: (k[2], k[3], k[4] or 0, k[0]))
    merged: list[tuple[int, int, int, int, int | None]] = []
    for blk in blocks:
        if merged:
            a, b, y0, y1, xc = merged[-1]
            if (blk[2], blk[3], blk[4]) == (y0, y1, xc) and y0 == y1 and blk[0] == b + 1:
                merged[-1] = (a, blk[1], y0, y1, xc)
                continue
        merged.append(blk)
    if not merged:
        return None
    return max(merged, key=lambda k: ((k[1] - k[0] + 1) * (k[3] - k[2] + 1), -k[0]))


def add_series(xl_chart: Any, spec: Any) -> None:
    """Give an Excel chart (its COM object) the title and series of ``spec``
    (:class:`xlfidx.excel.charts.Chart`): each series by its name and cell ranges, as Excel's own
    ``=SERIES(...)`` formula holds them."""
    collection = xl_chart.SeriesCollection()
    while collection.Count:
        collection(1).Delete()  # what Excel guessed from the selection
    for s in spec.series:
        series = collection.NewSeries()
        series.Name = s.name
        series.Values = f"={s.y}"
        if s.x:
            series.XValues = f"={s.x}"
    xl_chart.HasTitle = True
    xl_chart.ChartTitle.Text = spec.title


def _backtest_sheet(names: list[str]) -> str | None:
    """The book's Backtest sheet, named in any case (Excel's sheet names ignore case)."""
    return next((n for n in names if n.lower() == BACKTEST_SHEET.lower()), None)


def _has_history(names: list[str]) -> bool:
    """Whether the book holds what a backtest reads (its Settings sheet, or MBS and Futures)."""
    lower = {n.lower() for n in names}
    return SETTINGS_SHEET.lower() in lower or {"mbs", "futures"} <= lower


def refresh(target: FileTarget | ExcelTarget, progress: Callable[[str], None] | None = None) -> str:
    """Refresh ``target``: rerun the backtest when it has a Backtest sheet, then recalculate.

    Returns a one-line summary of what was done.
    """
    say = progress or target.status
    names = target.sheetnames()
    done = "recalculated"
    if _backtest_sheet(names) is None and _has_history(names):
        done = (f"recalculated; the book has no {BACKTEST_SHEET} sheet, so the backtest was not run "
                f"(add an empty sheet named {BACKTEST_SHEET} to have it written)")
    if _backtest_sheet(names) is not None:
        from xlfidx.backtest import run_backtest

        settings = read_settings(target.sheet_rows(SETTINGS_SHEET)) if SETTINGS_SHEET in names else {}
        config = backtest_config(settings)
        say("reading the history sheets")
        history = target.history()
        say("running the backtest")
        result = run_backtest(history.mbs, history.futures, config,
                              progress=lambda f, m: say(f"backtest {100 * f:.0f}%: {m}"),
                              notes=history.notes)
        # the label comes from the data: the sample says SYNTHETIC, a user's book never does
        say("writing the Backtest sheet")
        target.write_backtest(result, history.label)
        done = "Backtest sheet rewritten and recalculated"
    say("recalculating")
    target.recalculate()
    return done  # the caller shows it: the command line once on stdout, Excel in the status bar


def refresh_file(path: str | Path, progress: Callable[[str], None] | None = None) -> str:
    """``xlfidx refresh WORKBOOK``: refresh a workbook file in place (VBA and user sheets kept).

    The file is written once, atomically: stopped at any point, the book is either the old one
    or the refreshed one.
    """
    return refresh(FileTarget(path, progress), progress)


def run_main() -> None:
    """Entry point of the ``main()`` beside each workbook: refresh the calling book in Excel.

    Errors are shown in a message box as one line (the status bar says it failed too).
    """
    import xlwings as xw  # only ever called from Excel

    run_in(ExcelTarget(xw.Book.caller()))


def run_in(target: ExcelTarget) -> None:
    """Refresh the book of ``target`` in Excel (classic or Lite): a failure is an alert of one
    line, never a traceback; the status (bar or cell) says it failed too."""
    book = target.book
    try:
        target.status(refresh(target))
    except XlfidxError as exc:
        target.status(f"failed: {exc}")
        book.app.alert(str(exc), title="xlfidx refresh failed")
    except Exception as exc:
        target.status(f"failed: {type(exc).__name__}: {exc}")
        book.app.alert(f"{type(exc).__name__}: {exc}", title="xlfidx refresh failed")
