"""Write a backtest's summary and charts into the ``Backtest`` sheet of a workbook (openpyxl).

Only the ``Backtest`` sheet is replaced (at the same position in the tab order); every other
sheet keeps its cells, values, formulas and styles. An ``.xlsm`` keeps its VBA project
(``keep_vba=True``). The book is written to a temporary file beside the target and moved over
it in one step, so a failure half-way never leaves the user with a broken or lost workbook.

Limits (openpyxl's, not ours): charts, images and shapes on *other* sheets are not read by
openpyxl and are lost on rewrite; keep those in a sheet of their own or another book. Cell
contents, formulas, styles, merged cells, column widths, defined names and VBA are kept.

Used by ``xlfidx backtest`` and by the Excel refresh (``xlfidx refresh`` / the ribbon).
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from xlfidx._files import check_workbook, replace_atomically
from xlfidx.errors import InputError

__all__ = ["SHEET", "SUMMARY_HEADERS", "write_backtest_sheet"]

SHEET = "Backtest"

# summary column -> (header as a trader reads it, number format)
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


def _cell_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, _dt.date):
        return value
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    return x if math.isfinite(x) else None  # Excel has no NaN/inf: leave the cell blank


def write_backtest_sheet(workbook_path: str | Path, result: Any, charts: Mapping[str, Path] | None = None,
                         out_path: str | Path | None = None, title: str = "") -> Path:
    """Replace the ``Backtest`` sheet of ``workbook_path`` with ``result``'s tables and charts.

    ``charts`` maps a chart name to a PNG file (as :func:`xlfidx.backtest_plot.plot_all`
    returns). The book is saved to ``out_path`` (default: in place). ``title`` heads the sheet
    (say SYNTHETIC there when the data are). Returns the path written.

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
    from openpyxl import load_workbook  # noqa: PLC0415 - deferred: only the writers need it
    from openpyxl.drawing.image import Image  # noqa: PLC0415
    from openpyxl.styles import Alignment, Font, PatternFill  # noqa: PLC0415
    from openpyxl.utils import get_column_letter  # noqa: PLC0415

    src = check_workbook(workbook_path, "WORKBOOK")
    dst = Path(out_path) if out_path is not None else src
    keep_vba = src.suffix.lower() == ".xlsm"
    try:
        wb = load_workbook(src, keep_vba=keep_vba)
    except Exception as exc:  # openpyxl raises several types for a non-workbook
        raise InputError("WORKBOOK", str(src), f"is not a readable .xlsx/.xlsm workbook ({exc})") from None

    position = len(wb.sheetnames)
    was_active = False
    if SHEET in wb.sheetnames:
        position = wb.sheetnames.index(SHEET)
        was_active = wb.active is not None and wb.active.title == SHEET
        del wb[SHEET]
    ws = wb.create_sheet(SHEET, position)
    if was_active:
        wb.active = position

    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    cfg = result.config
    ws["A1"] = title or "MBS trend-convexity backtest"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = (f"Long MBS, short Treasury futures; weights from day t-1 data earn day t; cost "
                f"{cfg.cost_bp:g} bp per unit turnover; EWMAC speeds {list(cfg.spans)}; tilts "
                f"{cfg.tilts[0]:g}..{cfg.tilts[-1]:g} ({len(cfg.tilts)}); walk-forward on an "
                f"expanding window of at least {cfg.min_train_years} years.")
    ws["A3"] = f"Written by xlfidx on {_dt.datetime.now():%Y-%m-%d %H:%M}."

    def table(top: int, frame: Any, index_header: str, headers: Mapping[str, tuple[str, str]]) -> int:
        cols = [c for c in frame.columns if c in headers] if headers else list(frame.columns)
        ws.cell(top, 1, index_header).font = bold
        ws.cell(top, 1).fill = head_fill
        for j, c in enumerate(cols, start=2):
            cell = ws.cell(top, j, headers[c][0] if c in headers else str(c))
            cell.font, cell.fill = bold, head_fill
            cell.alignment = Alignment(wrap_text=True, horizontal="center")
        for i, (name, row) in enumerate(frame.iterrows(), start=top + 1):
            ws.cell(i, 1, _cell_value(name))
            for j, c in enumerate(cols, start=2):
                cell = ws.cell(i, j, _cell_value(row[c]))
                if c in headers:
                    cell.number_format = headers[c][1]
        return top + len(frame) + 2

    row = 5
    ws.cell(row, 1, "Summary (whole sample, each strategy from its first trading day)").font = bold
    row = table(row + 1, result.summary, "Strategy", SUMMARY_HEADERS)
    if len(result.headline):
        ws.cell(row, 1, "Out of sample: every strategy on the walk-forward's window").font = bold
        row = table(row + 1, result.headline, "Strategy", SUMMARY_HEADERS)
    if len(result.walk_forward):
        ws.cell(row, 1, "Walk-forward: tilt chosen for each year").font = bold
        wf = result.walk_forward
        row = table(row + 1, wf, "Year", {"tilt": ("Tilt", "0.0"),
                                          "in_sample_sharpe_net": ("In-sample Sharpe net", "0.00"),
                                          "train_from": ("Train from", "yyyy-mm-dd"),
                                          "train_to": ("Train to", "yyyy-mm-dd")})
    ws.cell(row, 1, "Convexity vs residual duration per contract (seed 000)").font = bold
    row = table(row + 1, result.convexity, "Contract",
                {"avg_ctd_convexity": ("Avg CTD convexity", "0.000"),
                 "avg_ctd_duration": ("Avg CTD duration", "0.00"),
                 "avg_abs_resid_dur": ("Avg |resid dur| y", "0.000")})
    if getattr(result, "notes", None):
        ws.cell(row, 1, "Data notes").font = bold
        for i, note in enumerate(result.notes, start=row + 1):
            ws.cell(i, 1, note)
        row += len(result.notes) + 2

    ws.column_dimensions["A"].width = 16
    for j in range(2, len(SUMMARY_HEADERS) + 2):
        ws.column_dimensions[get_column_letter(j)].width = 11
    ws.freeze_panes = "B7"

    # charts to the right of the tables, stacked
    anchor_col = get_column_letter(len(SUMMARY_HEADERS) + 3)
    top = 1
    for name, png in (charts or {}).items():
        png = Path(png)
        if not png.is_file():
            raise InputError(f"charts[{name!r}]", str(png), "does not exist")
        img = Image(str(png))
        scale = min(1.0, 900 / img.width)
        img.width, img.height = int(img.width * scale), int(img.height * scale)
        ws.add_image(img, f"{anchor_col}{top}")
        top += int(img.height / 20) + 2  # default row height is 15 pt = 20 px

    replace_atomically(dst, wb.save)
    return dst
