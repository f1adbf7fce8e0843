"""Write a backtest's summary and charts into the ``Backtest`` sheet of a workbook.

Only what xlfidx owns is replaced: the ``Backtest`` sheet's XML, its drawing and the chart
pictures (:mod:`xlfidx.excel.package`). Every other part of the file stays byte for byte --
other sheets with their text boxes, sparklines, charts, images and conditional formats, the
styles, defined names, cached formula values and the VBA project. The sheet keeps its place in
the tab order (a new one is added as the last tab), and the book is replaced in one step
(:func:`xlfidx._files.atomic_write`), so a failure half-way never leaves a broken or lost book.

The sheet uses no cell styles, so that the book's shared style table is left untouched:
headings are bold through rich text, numbers are stored rounded to the precision shown (a
Sharpe ratio to 0.01) and dates as ``yyyy-mm-dd`` text.

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
from xlfidx.errors import InputError

__all__ = ["SHEET", "SUMMARY_HEADERS", "Bold", "layout", "put_backtest_sheet", "write_backtest_sheet"]

SHEET = "Backtest"
CHART_WIDTH = 900  # pixels: wider charts are scaled down to this
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


def _value(value: Any, fmt: str | None = None) -> Any:
    """A cell value as the sheet stores it: rounded to its format, dates as text, blanks None.

    >>> _value(0.856789, "0.00"), _value(float("nan")), _value(_dt.date(2004, 3, 1), "yyyy-mm-dd")
    (0.86, None, '2004-03-01')
    """
    if value is None:
        return None
    if isinstance(value, _dt.datetime | _dt.date) or type(value).__name__ == "Timestamp":
        return (value.date() if isinstance(value, _dt.datetime) else value).isoformat()
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
        x = round(x, places)
        return int(x) if places == 0 else x
    return x


def _table(frame: Any, index_header: str, headers: Mapping[str, tuple[str, str]]) -> list[list[Any]]:
    cols = [c for c in frame.columns if c in headers]
    rows = [[Bold(index_header), *(Bold(headers[c][0]) for c in cols)]]
    for name, row in frame.iterrows():
        rows.append([_value(name), *(_value(row[c], headers[c][1]) for c in cols)])
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


def _cell(ref: str, value: Any) -> str:
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    text = html.escape(str(value), quote=False)
    space = ' xml:space="preserve"' if text != text.strip() else ""
    if isinstance(value, Bold):
        size = f'<sz val="{value.size:g}"/>' if value.size else ""
        return f'<c r="{ref}" t="inlineStr"><is><r><rPr><b/>{size}</rPr><t{space}>{text}</t></r></is></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t{space}>{text}</t></is></c>'


def sheet_xml(rows: list[list[Any]], tab_selected: bool = False) -> str:
    """The ``<worksheet>`` XML of ``rows`` (no styles: see the module docstring)."""
    width = max((len(r) for r in rows), default=1)
    # header rows (bold, more than one cell) set the widths; long notes in column A overflow
    widths = [16.0] + [11.0] * (width - 1)
    for row in rows:
        if len(row) > 1:
            for j, v in enumerate(row[1:], start=1):
                if isinstance(v, str):
                    widths[j] = max(widths[j], len(v) + 2.0)
    cols = "".join(f'<col min="{j + 1}" max="{j + 1}" width="{w:g}" customWidth="1"/>'
                   for j, w in enumerate(widths))
    data = []
    for i, row in enumerate(rows, start=1):
        cells = "".join(_cell(f"{column_letter(j)}{i}", v) for j, v in enumerate(row) if v is not None)
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


def put_backtest_sheet(package: Any, result: Any, charts: Mapping[str, Path] | None = None,
                       title: str = "") -> None:
    """Put the ``Backtest`` sheet into ``package`` (an :class:`~xlfidx.excel.package.Package`)."""
    from xlfidx.excel.package import Picture, png_size

    rows = layout(result, title)
    pictures = []
    col = max(len(r) for r in rows) + 1  # one empty column right of the widest table
    top = 0
    for name, png in (charts or {}).items():
        png = Path(png)
        if not png.is_file():
            raise InputError(f"charts[{name!r}]", str(png), "does not exist")
        data = png.read_bytes()
        w, h = png_size(data)
        scale = min(1.0, CHART_WIDTH / w)
        w, h = int(w * scale), int(h * scale)
        pictures.append(Picture(data, col, top, w, h, name=f"xlfidx {name}", descr=f"backtest chart: {name}"))
        top += -(-h // ROW_PIXELS) + 2
    sheets = package.sheets()
    selected = SHEET in sheets and 'tabSelected="1"' in package.text(sheets[SHEET])[:4000]
    package.set_sheet(SHEET, sheet_xml(rows, selected), pictures)


def write_backtest_sheet(workbook_path: str | Path, result: Any, charts: Mapping[str, Path] | None = None,
                         out_path: str | Path | None = None, title: str = "") -> Path:
    """Replace the ``Backtest`` sheet of ``workbook_path`` with ``result``'s tables and charts.

    ``charts`` maps a chart name to a PNG file (as :func:`xlfidx.backtest_plot.plot_all`
    returns). The book is saved to ``out_path`` (default: in place); every part other than the
    sheet and its pictures is copied byte for byte. ``title`` heads the sheet (say SYNTHETIC
    there when the data are). Returns the path written.

    >>> import tempfile
    >>> from pathlib import Path
    >>> from openpyxl import Workbook, load_workbook
    >>> from xlfidx import read_history, run_backtest
    >>> from xlfidx.samples import sample_path
    >>> res = run_backtest(*read_history(sample_path("mbs_trend_sample.xlsx")))  # synthetic data
    >>> book = Path(tempfile.mkdtemp()) / "book.xlsx"
    >>> Workbook().save(book)
    >>> load_workbook(write_backtest_sheet(book, res, {}, title="SYNTHETIC sample")).sheetnames
    ['Sheet', 'Backtest']
    >>> import shutil; shutil.rmtree(book.parent)
    """
    from xlfidx.excel.package import Package

    package = Package.open(check_workbook(workbook_path, "WORKBOOK"))
    put_backtest_sheet(package, result, charts, title)
    return package.save(Path(out_path) if out_path is not None else Path(workbook_path))
