"""Write a backtest's summary and charts into the ``Backtest`` sheet of a workbook.

The sheet holds the tables (summary, out-of-sample, walk-forward, convexity, data notes), then
a block of chart data (every point the charts draw), and five native Excel charts to the right
of the tables, drawn by Excel from that block: cumulative return after costs, the trade-off
frontier against residual duration and against the duration gap, convexity against residual
duration, and the residual duration of each basis through time.

Only what xlfidx owns is replaced: the ``Backtest`` sheet's XML, its drawing and its charts
(:mod:`xlfidx.excel.package`). Every other part of the file stays byte for byte --
other sheets with their text boxes, sparklines, charts, images and conditional formats, the
styles, defined names, cached formula values and the VBA project. The sheet keeps its place in
the tab order (a new one is added as the last tab), and the book is replaced in one step
(:func:`xlfidx._files.atomic_write`), so a failure half-way never leaves a broken or lost book.

Each column has one number format (a Sharpe ratio to 0.01, dates as ``yyyy-mm-dd`` dates) and
numbers are stored rounded to the precision shown; the headings of number columns are aligned
right over them, and every column is as wide as what it shows. The few cell styles this needs
are appended to the book's style table, whose existing styles keep their indices and bytes (a
second write finds them there and changes nothing). Headings are bold through rich text. In the
chart data the dates are ``yyyy-mm-dd`` text with the Excel serial beside them, which the
charts' date axes read.

Used by ``xlfidx backtest`` and by the Excel refresh (``xlfidx refresh`` / the ribbon).
"""

from __future__ import annotations

import datetime as _dt
import html
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from xlfidx._files import check_workbook
from xlfidx.bloomberg.problems import column_letter

__all__ = ["SHEET", "SUMMARY_HEADERS", "Bold", "Heading", "Shown", "chart_section", "column_widths",
           "layout", "put_backtest_sheet", "sheet_content", "sheet_xml", "styles_used",
           "write_backtest_sheet"]

SHEET = "Backtest"
ROW_PIXELS = 20  # Excel's default row height, 15 pt

# summary column -> (header as a trader reads it, number format shown)
SUMMARY_HEADERS: dict[str, tuple[str, str]] = {
    "start": ("From", "yyyy-mm-dd"),
    "years": ("Years", "0.0"),
    "ann_return_pct": ("Return %/yr", "0.00"),
    "ann_vol_pct": ("Vol %/yr", "0.00"),
    "sharpe": ("Sharpe", "0.00"),
    "max_dd_pct": ("Max DD %", "0.00"),
    "ann_return_bp": ("Return bp/yr", "0.0"),
    "ann_vol_bp": ("Vol bp/yr", "0.0"),
    "max_dd_bp": ("Max DD bp", "0.0"),
    "ann_return_pct_net": ("Return %/yr net", "0.00"),
    "ann_vol_pct_net": ("Vol %/yr net", "0.00"),
    "sharpe_net": ("Sharpe net", "0.00"),
    "max_dd_pct_net": ("Max DD % net", "0.00"),
    "ann_return_bp_net": ("Return bp/yr net", "0.0"),
    "max_dd_bp_net": ("Max DD bp net", "0.0"),
    "avg_abs_resid_dur": ("Avg |resid dur| y", "0.000"),
    "avg_duration_gap": ("Avg dur gap y", "0.00"),
    "turnover": ("Turnover /yr", "0.00"),
    "holding_days": ("Holding days", "0"),
    "corr_classic": ("Corr classic", "0.00"),
}

WALK_FORWARD_HEADERS = {"tilt": ("Tilt", "0.0"),
                        "in_sample_sharpe_net": ("In-sample Sharpe net", "0.00"),
                        "train_from": ("Train from", "yyyy-mm-dd"),
                        "train_to": ("Train to", "yyyy-mm-dd")}
CONVEXITY_HEADERS = {"avg_ctd_convexity": ("Avg CTD convexity", "0.000"),
                     "avg_ctd_duration": ("Avg CTD duration", "0.00"),
                     "avg_abs_resid_dur": ("Avg |resid dur| y", "0.000")}


class Bold(str):
    """Text shown in bold (a heading); ``size`` in points, None for the book's default."""

    size: float | None = None


class Title(Bold):
    size = 14.0


class Heading(Bold):
    """A bold column heading aligned right, over a column of numbers."""


class Shown(float):
    """A number and the format it is shown with (one per column)."""

    fmt: str = "General"

    def __new__(cls, value: float, fmt: str) -> Shown:
        out = super().__new__(cls, value)
        out.fmt = fmt
        return out


DATE_FORMAT = "yyyy-mm-dd"


def _value(value: Any, fmt: str | None = None) -> Any:
    """A cell value as the sheet stores it: rounded to its format, dates as text, blanks None.

    >>> _value(0.856789, "0.00"), _value(float("nan")), _value(_dt.date(2004, 3, 1))
    (0.86, None, '2004-03-01')
    >>> v = _value(_dt.date(2004, 3, 1), "yyyy-mm-dd"); (v, v.fmt)
    (38047.0, 'yyyy-mm-dd')
    """
    if value is None:
        return None
    if isinstance(value, _dt.datetime | _dt.date) or type(value).__name__ == "Timestamp":
        day = value.date() if isinstance(value, _dt.datetime) else value
        if fmt == DATE_FORMAT:
            return Shown(float((day - _EXCEL_EPOCH).days), DATE_FORMAT)
        return day.isoformat()
    if isinstance(value, str):
        return value
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(x):
        return None  # Excel has no NaN/inf: leave the cell blank
    if fmt and fmt[0] == "0":
        places = len(fmt) - 2 if "." in fmt else 0
        x = round(x, places) + 0.0  # -0.0 is 0: a Sharpe of -0.004 is stored as shown, 0.00
        return Shown(x, fmt)
    return x


def _table(frame: Any, index_header: str, headers: Mapping[str, tuple[str, str]]) -> list[list[Any]]:
    cols = [c for c in frame.columns if c in headers]
    numbered = all(isinstance(name, int) for name in frame.index)  # years
    rows = [[(Heading if numbered else Bold)(index_header), *(Heading(headers[c][0]) for c in cols)]]
    for name, row in frame.iterrows():
        rows.append([_value(name, "0") if numbered else _value(name),
                     *(_value(row[c], headers[c][1]) for c in cols)])
    return rows


def layout(result: Any, title: str = "") -> list[list[Any]]:
    """The sheet's cells, row by row from A1: headings as :class:`Bold`, numbers rounded.

    The summary's header row is row 6 (the sheet freezes rows 1-6 and column A).
    """
    cfg = result.config
    rows: list[list[Any]] = [
        [Title(title or "MBS trend-convexity backtest")],
        [f"Long MBS, short Treasury futures; weights from day t-1 data earn day t; cost "
         f"{cfg.cost_bp:g} bp per unit turnover; EWMAC speeds {list(cfg.spans)}; tilts "
         f"{cfg.tilts[0]:g}..{cfg.tilts[-1]:g} ({len(cfg.tilts)}); walk-forward on an "
         f"expanding window of at least {cfg.min_train_years} years."],
        [f"Written by xlfidx on {_dt.datetime.now():%Y-%m-%d %H:%M}."],
        [],
        [Bold("Summary (whole sample, each strategy from its first trading day)")],
        *_table(result.summary, "Strategy", SUMMARY_HEADERS),
        [],
    ]
    if len(result.headline):
        rows += [[Bold("Out of sample: every strategy on the walk-forward's window")],
                 *_table(result.headline, "Strategy", SUMMARY_HEADERS), []]
    if len(result.walk_forward):
        rows += [[Bold("Walk-forward: tilt chosen for each year")],
                 *_table(result.walk_forward, "Year", WALK_FORWARD_HEADERS), []]
    rows += [[Bold("Convexity vs residual duration per contract (as in the MBS hedge study)")],
             *_table(result.convexity, "Contract", CONVEXITY_HEADERS), []]
    if getattr(result, "notes", None):
        rows += [[Bold("Data notes")], *([note] for note in result.notes)]
    return rows


def _cell(ref: str, value: Any, styles: Mapping[tuple[str, bool], int | None]) -> str:
    if type(value) is Shown:  # most cells: the chart data
        s = styles.get((value.fmt, True))
        style = f' s="{s}"' if s is not None else ""
        return f'<c r="{ref}"{style}><v>{float(value)!r}</v></c>'
    if type(value) is float:
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    text = html.escape(str(value), quote=False)
    space = ' xml:space="preserve"' if text != text.strip() else ""
    if isinstance(value, Bold):
        size = f'<sz val="{value.size:g}"/>' if value.size else ""
        s = styles.get(("General", True)) if isinstance(value, Heading) else None
        style = f' s="{s}"' if s is not None else ""
        return (f'<c r="{ref}"{style} t="inlineStr"><is><r><rPr><b/>{size}</rPr><t{space}>{text}</t>'
                '</r></is></c>')
    return f'<c r="{ref}" t="inlineStr"><is><t{space}>{text}</t></is></c>'


def styles_used(rows: list[list[Any]]) -> list[tuple[str, bool]]:
    """The (number format, aligned right) pairs the cells of ``rows`` are shown with."""
    used = {(v.fmt, True) for row in rows for v in row if type(v) is Shown}
    if any(isinstance(v, Heading) for row in rows for v in row):
        used.add(("General", True))
    return sorted(used)


def column_widths(rows: list[list[Any]], longest_note: int = 30) -> list[float]:
    """Each column as wide as the widest text or number it shows (a bold one a tenth wider);
    a note or title longer than ``longest_note`` runs on into the empty cells to its right."""
    from xlfidx.excel.layout import shown_length

    width = max((len(r) for r in rows), default=1)
    widths = [8.43] * width
    for row in rows:
        for j, v in enumerate(row):
            if v is None:
                continue
            n = shown_length(v, v.fmt if type(v) is Shown else None)
            if isinstance(v, str) and n > longest_note:
                continue
            widths[j] = max(widths[j], math.ceil((1.1 if isinstance(v, Bold) else 1.0) * n) + 2.0)
    return widths


def sheet_xml(rows: list[list[Any]], tab_selected: bool = False,
              styles: Mapping[tuple[str, bool], int | None] | None = None) -> str:
    """The ``<worksheet>`` XML of ``rows``; ``styles`` gives the cell-style index of each
    (number format, aligned right) pair of :func:`styles_used` (none: the default style)."""
    styles = styles or {}
    width = max((len(r) for r in rows), default=1)
    widths = column_widths(rows)
    cols = "".join(f'<col min="{j + 1}" max="{j + 1}" width="{w:g}" customWidth="1"/>'
                   for j, w in enumerate(widths))
    data = []
    letters = [column_letter(j) for j in range(width)]
    for i, row in enumerate(rows, start=1):
        cells = "".join([_cell(f"{letters[j]}{i}", v, styles) for j, v in enumerate(row) if v is not None])
        if cells:
            data.append(f'<row r="{i}">{cells}</row>')
    selected = ' tabSelected="1"' if tab_selected else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<dimension ref="A1:{column_letter(width - 1)}{max(len(rows), 1)}"/>'
        f'<sheetViews><sheetView{selected} workbookViewId="0">'
        '<pane xSplit="1" ySplit="6" topLeftCell="B7" activePane="bottomRight" state="frozen"/>'
        '<selection pane="topRight"/><selection pane="bottomLeft"/>'
        '<selection pane="bottomRight" activeCell="B7" sqref="B7"/></sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>'
        f'<cols>{cols}</cols><sheetData>{"".join(data)}</sheetData>'
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        '</worksheet>'
    )


# --- the charts: native Excel charts over a block of chart data below the tables ------------

CHART_SIZES = {"cumulative": (900, 480), "frontier": (640, 420), "frontier_gap": (640, 420),
               "convexity": (640, 420), "residual": (900, 420)}
RESIDUAL_WINDOW = 60  # days in the average of |residual duration| drawn
RESIDUAL_MIN_DAYS = 20  # an average starts once it has this many days
_EXCEL_EPOCH = _dt.date(1899, 12, 30)


def _num(x: Any, places: int = 6) -> float | None:
    return _value(x, "0." + "0" * places)


def _header(*names: str) -> list[Bold]:
    """Chart-data headings: over text (a strategy, a contract, a date as text) on the left,
    over numbers on the right."""
    return [Bold(n) if n in ("Strategy", "Contract", "Date") else Heading(n) for n in names]


def chart_section(result: Any, first_row: int, label: str = "") -> tuple[list[list[Any]], list[Any]]:
    """The chart data block (rows to put from row ``first_row``, 1-based) and the charts drawn
    from it: cumulative return, the frontier (two views), convexity, residual duration.

    The block is the charts' source: every point a chart draws is a cell of it, so a user can
    read the numbers, copy them, or point the charts at their own cells.
    """
    import numpy as np
    import pandas as pd

    from xlfidx.backtest_plot import (
        basis_names,
        convexity_fit,
        convexity_title,
        cumulative_pct,
        cumulative_title,
        drawn_strategies,
        frontier_title,
        labelled,
    )
    from xlfidx.excel.charts import Chart, Series, range_ref

    rows: list[list[Any]] = []

    def add(row: list[Any]) -> int:
        rows.append(row)
        return first_row + len(rows) - 1  # the row's number in the sheet

    def ref(col: int, a: int, b: int | None = None) -> str:
        return range_ref(SHEET, col, a, b)

    add([])
    add([Bold("Chart data: every point the charts draw (Excel draws the charts from these cells)")])

    # trade-off frontier: the tilt family, and the other strategies as marks
    add([Bold("Trade-off frontier")])
    add(_header("Tilt", "Avg |resid dur| y", "Avg dur gap y", "Sharpe", "Sharpe net"))
    fr = result.frontier
    cols = ("avg_abs_resid_dur", "avg_duration_gap", "sharpe", "sharpe_net")
    tilt_rows = [add([_num(t, 4), *(_num(row[c]) for c in cols)]) for t, row in fr.iterrows()]
    add(_header("Strategy", "Avg |resid dur| y", "Avg dur gap y", "Sharpe", "Sharpe net"))
    s = result.summary
    marks = []
    markers = {"adaptive": "diamond", "trend": "triangle", "walk-forward": "star"}
    for name in drawn_strategies(result):
        marker = markers.get(name, "square")
        if name in s.index and np.isfinite(s.loc[name, "sharpe_net"]):
            marks.append((name, marker, add([name, *(_num(s.loc[name, c]) for c in cols)])))
    frontier = []
    for key, xcol, xtitle in (("frontier", 1, "average |residual duration|, years"),
                              ("frontier_gap", 2, "average |D_future - D_mbs| of the futures shorted, years")):
        series = []
        if tilt_rows:
            a, b = tilt_rows[0], tilt_rows[-1]
            series += [Series("tilt family, before costs", ref(3, a, b), ref(xcol, a, b), 1.5, marker="circle",
                              marker_size=5),
                       Series("tilt family, after costs", ref(4, a, b), ref(xcol, a, b), 1.5, marker="circle",
                              marker_size=5)]
        series += [Series(f"{name}, after costs", ref(4, r), ref(xcol, r), line=False, marker=marker,
                          marker_size=9 if marker == "star" else 7) for name, marker, r in marks]
        frontier.append((key, Chart("scatter", frontier_title(result, label), series, x_title=xtitle,
                                    y_title="Sharpe ratio (252 days)", legend="r", name=f"xlfidx {key}")))

    # convexity against residual duration, one point per contract, and the least-squares line
    add([])
    add([Bold("Convexity vs residual duration")])
    add(_header("Contract", "Avg CTD convexity", "Avg |resid dur| y"))
    cv = result.convexity.dropna(subset=["avg_ctd_convexity", "avg_abs_resid_dur"])
    points = [(str(c), add([str(c), _num(row["avg_ctd_convexity"]), _num(row["avg_abs_resid_dur"])]))
              for c, row in cv.iterrows()]
    series = [Series(c, ref(2, r), ref(1, r), line=False, marker="circle", marker_size=8) for c, r in points]
    fit = convexity_fit(result.convexity)
    if np.isfinite(fit["slope"]):
        x = np.array([0.0, float(cv["avg_ctd_convexity"].max()) * 1.05])
        a = add(["least squares", _num(x[0]), _num(fit["intercept"] + fit["slope"] * x[0])])
        b = add(["least squares", _num(x[1]), _num(fit["intercept"] + fit["slope"] * x[1])])
        corr = f", corr {fit['corr']:.2f}" if np.isfinite(fit["corr"]) else ""
        series.append(Series(f"least squares{corr}", ref(2, a, b), ref(1, a, b), 1.0, dash=True,
                             color="808080"))
    convexity = Chart("scatter", convexity_title(result.convexity, label), series,
                      x_title="average CTD convexity (FUT_EQV_CNVX_NOTL)",
                      y_title="average |residual duration| of the basis, years", legend="r",
                      title_size=10.0, name="xlfidx convexity")

    # the daily series: cumulative return after costs, |residual duration| (60-day average)
    net = result.returns_net
    index = pd.DatetimeIndex(net.index)
    cum_names = [n for n in drawn_strategies(result) if n in net.columns and net[n].notna().any()]
    rd = result.residual_duration
    rd_names = [n for n in basis_names(result) if n in rd.columns]
    add([])
    add([Bold(f"Daily: cumulative return after costs (%), each strategy from its first trading day; "
              f"|residual duration| ({RESIDUAL_WINDOW}-day average, years)")])
    add(_header("Date", "Excel date", *(f"{n} cum %" for n in cum_names),
                *(f"{n} |resid dur|" for n in rd_names)))
    cum = [cumulative_pct(net[n]).reindex(index).to_numpy() for n in cum_names]
    res = [rd[n].reindex(index).abs().rolling(RESIDUAL_WINDOW, min_periods=RESIDUAL_MIN_DAYS).mean().to_numpy()
           for n in rd_names]
    values = np.round(np.column_stack([*cum, *res]) if cum or res else np.empty((len(index), 0)), 6)
    days = (index.normalize() - pd.Timestamp(_EXCEL_EPOCH)).days.to_numpy()
    iso = index.strftime("%Y-%m-%d")
    first_day = first_row + len(rows)
    fmt = "0.000000"
    for d, serial, vals in zip(iso, days.tolist(), values.tolist(), strict=True):
        rows.append([d, serial, *(Shown(v, fmt) if v == v else None for v in vals)])  # NaN: blank
    last_day = first_row + len(rows) - 1
    span = (index[-1] - index[0]).days / 365.25 if len(index) else 0.0
    unit = (max(1, round(span / 10)), "years") if span > 3 else (3, "months")
    date_format = "yyyy" if span > 3 else "mmm yy"
    dates = ref(1, first_day, last_day)
    cum_series = [Series(n, ref(2 + j, first_day, last_day), dates,
                         2.25 if n in ("adaptive", "walk-forward") else 1.0, dash=n == "trend")
                  for j, n in enumerate(cum_names)]
    cumulative = Chart("line", cumulative_title(result, label), cum_series, y_title="cumulative return after costs, %", date_format=date_format,
                       date_unit=unit, name="xlfidx cumulative")
    res_series = [Series(n, ref(2 + len(cum_names) + j, first_day, last_day), dates, 1.0)
                  for j, n in enumerate(rd_names)]
    means = ", ".join(f"{n.split()[-1]} {np.nanmean(np.abs(rd[n])):.3f}" for n in rd_names)
    residual = Chart("line", labelled(f"|Residual duration| |w_mbs*D_mbs - w_fut*D_fut| of each basis, "
                                    f"{RESIDUAL_WINDOW}-day average\nmean over all days, years: {means}",
                                    label),
                     res_series, y_title="years", date_format=date_format, date_unit=unit,
                     title_size=10.0, name="xlfidx residual")
    charts = [("cumulative", cumulative), *frontier, ("convexity", convexity), ("residual", residual)]
    return rows, charts


def sheet_content(result: Any, label: str = "") -> tuple[list[list[Any]], list[Any]]:
    """Every row of the sheet from A1 (the tables, then the chart data) and the charts.

    ``label`` is ``History.label`` (SYNTHETIC for the shipped sample, empty for a user's book):
    it is in the sheet's title and in every chart's title.
    """
    from xlfidx.backtest import backtest_title

    rows = layout(result, backtest_title(label))
    data, charts = chart_section(result, len(rows) + 1, label)
    return rows + data, charts


def put_backtest_sheet(package: Any, result: Any, label: str = "") -> None:
    """Put the ``Backtest`` sheet into ``package`` (an :class:`~xlfidx.excel.package.Package`):
    the tables, the chart data below them and five native charts to their right."""
    from xlfidx.excel.charts import chart_xml
    from xlfidx.excel.package import ChartFrame

    rows, charts = sheet_content(result, label)
    col = max(len(r) for r in rows) + 1  # one empty column right of the widest table
    frames, top = [], 0
    for key, chart in charts:
        w, h = CHART_SIZES[key]
        frames.append(ChartFrame(chart_xml(chart), col, top, w, h, chart.name))
        top += -(-h // ROW_PIXELS) + 1
    sheets = package.sheets()
    # Excel's sheet names ignore case: a sheet renamed "backtest" is the Backtest sheet
    name = next((s for s in sheets if s.lower() == SHEET.lower()), SHEET)
    selected = name in sheets and 'tabSelected="1"' in package.text(sheets[name])[:4000]
    used = styles_used(rows)
    styles = dict(zip(used, package.cell_styles(used), strict=True))
    package.set_sheet(name, sheet_xml(rows, selected, styles), charts=frames)


def write_backtest_sheet(workbook_path: str | Path, result: Any, out_path: str | Path | None = None,
                         label: str = "") -> Path:
    """Replace the ``Backtest`` sheet of ``workbook_path`` with ``result``'s tables and charts.

    The book is saved to ``out_path`` (default: in place); every part other than the sheet, its
    drawing and its charts is copied byte for byte. ``label`` is ``History.label`` (say
    SYNTHETIC there when the data are). Returns the path written.

    >>> import tempfile
    >>> from pathlib import Path
    >>> from openpyxl import Workbook, load_workbook
    >>> from xlfidx import read_history, run_backtest
    >>> from xlfidx.samples import sample_path
    >>> res = run_backtest(*read_history(sample_path("mbs_trend_sample.xlsx")))  # synthetic data
    >>> book = Path(tempfile.mkdtemp()) / "book.xlsx"
    >>> Workbook().save(book)
    >>> ws = load_workbook(write_backtest_sheet(book, res, label="SYNTHETIC sample"))["Backtest"]
    >>> ws["A1"].value, len(ws._charts)
    ('MBS trend-convexity backtest -- SYNTHETIC sample', 5)
    >>> import shutil; shutil.rmtree(book.parent)
    """
    from xlfidx.excel.package import Package

    package = Package.open(check_workbook(workbook_path, "WORKBOOK"))
    put_backtest_sheet(package, result, label)
    return package.save(Path(out_path) if out_path is not None else Path(workbook_path))
