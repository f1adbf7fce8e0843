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
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from xlfidx._files import check_workbook
from xlfidx.errors import InputError, XlfidxError

__all__ = ["FileTarget", "ExcelTarget", "refresh", "refresh_file", "run_main", "read_settings"]

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
        from python_calamine import CalamineWorkbook

        rows = CalamineWorkbook.from_path(str(self.path)).get_sheet_by_name(name).to_python()
        return [[None if v == "" else v for v in row] for row in rows]

    def history_path(self) -> Path:
        return self.path

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

    def history_path(self) -> Path:
        # the history sheets are read from the saved file: save the book after pasting new data
        return Path(self.book.fullname)

    def write_backtest(self, result: Any, label: str) -> None:
        """Lay the sheet out exactly as headless, then copy the cells across and add the same
        native charts, series by series, through Excel's own chart objects."""
        from xlfidx.excel.backtest_sheet import CHART_SIZES, sheet_content

        rows, charts = sheet_content(result, label)
        rows = [[None if v is None else (str(v) if isinstance(v, str) else v) for v in row] for row in rows]
        names = self.sheetnames()
        if BACKTEST_SHEET in names:
            sheet = self.book.sheets[BACKTEST_SHEET]
            sheet.clear()
            for old in [*sheet.charts, *sheet.pictures]:
                old.delete()
        else:
            sheet = self.book.sheets.add(BACKTEST_SHEET, after=self.book.sheets[-1])
        width = max((len(r) for r in rows), default=0)
        sheet["A1"].value = [list(r) + [None] * (width - len(r)) for r in rows]
        left = sheet.range((1, width + 2)).left
        top = 0.0
        for key, spec in charts:
            w, h = (0.75 * v for v in CHART_SIZES[key])  # pixels -> points
            chart = sheet.charts.add(left, top, w, h)
            chart.chart_type = "line" if spec.kind == "line" else "xy_scatter_lines"
            add_series(chart.api[1], spec)
            chart.name = spec.name
            top += h + 15

    def recalculate(self) -> None:
        self.book.app.calculate()


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


def refresh(target: FileTarget | ExcelTarget, progress: Callable[[str], None] | None = None) -> str:
    """Refresh ``target``: rerun the backtest when it has a Backtest sheet, then recalculate.

    Returns a one-line summary of what was done.
    """
    say = progress or target.status
    names = target.sheetnames()
    done = "recalculated"
    if BACKTEST_SHEET in names:
        from xlfidx.backtest import run_backtest
        from xlfidx.bloomberg.history import read_history

        settings = read_settings(target.sheet_rows(SETTINGS_SHEET)) if SETTINGS_SHEET in names else {}
        config = backtest_config(settings)
        say("reading the history sheets")
        history = read_history(target.history_path())
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

    book = xw.Book.caller()
    target = ExcelTarget(book)
    try:
        target.status(refresh(target))
    except XlfidxError as exc:
        target.status(f"failed: {exc}")
        book.app.alert(str(exc), title="xlfidx refresh failed")
    except Exception as exc:
        target.status(f"failed: {type(exc).__name__}: {exc}")
        book.app.alert(f"{type(exc).__name__}: {exc}", title="xlfidx refresh failed")
