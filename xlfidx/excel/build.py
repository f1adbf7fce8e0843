"""``xlfidx build-workbooks``: the three front-end workbooks, rebuilt from the shipped samples.

Each book starts from xlwings' quickstart template (``quickstart.xlsm``, read from the
installed xlwings package at build time, never copied into the repository), so it carries
xlwings' VBA module (byte for byte) and its config sheet, renamed ``xlwings.conf`` to make it
active, with ``UDF Modules`` = ``xlfidx.excel.udfs``. Beside each book a ``.py`` of the same
name exposes ``main()``, which the xlwings ribbon's "Run main" calls to refresh it.

* ``basis.xlsm``: the basket export (sheets ``future``, ``bonds``, ``notes``, in Bloomberg's
  TYZ4 layout, from ``data/fut_bond_data_USZ3_2023-11-21.xlsx``) and a ``DLV`` sheet of
  formulas: one array formula per analytic column, the CTD, the futures DV01 and the whole
  ``=DLV(...)`` table.
* ``fedpath.xlsm``: the Fed funds chains (``data/fedfutures_sample.xlsx``), a ``FEDPATH`` sheet
  with the path on the latest date and the previous one, the FedWatch probabilities and a chart.
* ``mbs_trend.xlsm``: the MBS and futures history sheets (``data/mbs_trend_sample.xlsx``), a
  ``Settings`` sheet, a ``Hedge`` sheet with ``=HEDGEWEIGHTS(...)`` on the latest day, and the
  ``Backtest`` sheet written by the refresh.

Every book is recalculated headless at the end (:mod:`xlfidx.excel.calc`) so that it opens
with numbers anywhere.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from xlfidx.errors import InputError
from xlfidx.excel.layout import (
    BASIS_32NDS,
    DOLLARS,
    FORMATS,
    PCT,
    PRICE,
    RATE,
    RATIO,
    YEARS,
    fit_sheet,
    set_widths,
    widths,
)
from xlfidx.samples import shipped_dir

__all__ = ["template_path", "build_basis", "build_fedpath", "build_mbs_trend", "build_all",
           "write_conf_rows", "WORKBOOKS_DIR", "CONF_SHEET", "CONF_ROWS", "UDF_MODULE"]

WORKBOOKS_DIR = shipped_dir("xlfidx.workbooks")
CONF_SHEET = "xlwings.conf"
UDF_MODULE = "xlfidx.excel.udfs"
# the settings a book's conf sheet holds, and nothing else (see write_conf_rows)
CONF_ROWS = {"UDF Modules": UDF_MODULE}
DATE_FORMAT = "yyyy-mm-dd"
# the ranges the worksheet functions read the data sheets through: wide and deep enough for
# any export (fields are found by header, blank rows and columns are ignored)
BONDS_RANGE = "bonds!$A$1:$AN$200"
FUTURE_RANGE = "future!$A$1:$B$60"
MEETINGS_ROWS = 60
CHAIN_COLS, CHAIN_ROWS = "H", 100

BASKET_SAMPLE = "fut_bond_data_USZ3_2023-11-21.xlsx"
FED_SAMPLE = "fedfutures_sample.xlsx"
HISTORY_SAMPLE = "mbs_trend_sample.xlsx"


def template_path() -> Path:
    """xlwings' ``quickstart.xlsm`` in the installed package (found without importing xlwings)."""
    spec = importlib.util.find_spec("xlwings")
    if spec is None or not spec.submodule_search_locations:
        raise InputError("xlwings", None, "is not installed; `pip install \"xlfidx[excel]\"` provides the template")
    path = Path(next(iter(spec.submodule_search_locations))) / "quickstart.xlsm"
    if not path.is_file():
        raise InputError("template", str(path), "does not exist in this xlwings installation")
    return path


def _new_book(first_sheet: str) -> Any:
    """The quickstart template with an active conf sheet that sets only what the book needs."""
    import openpyxl

    wb = openpyxl.load_workbook(template_path(), keep_vba=True)
    conf = wb["_xlwings.conf"]
    conf.title = CONF_SHEET  # without the underscore xlwings reads it
    write_conf_rows(conf, CONF_ROWS)
    # keep the template's Sheet1 (its VBA document module stays matched) under our name
    wb["Sheet1"].title = first_sheet
    wb.move_sheet(CONF_SHEET, offset=len(wb.sheetnames))
    wb.active = 0
    return wb


def write_conf_rows(ws: Any, rows: dict[str, Any]) -> None:
    """Make a conf sheet hold exactly ``rows`` from A1 down. xlwings reads every row of the
    block as a setting, a blank value included, and a book's setting overrides the add-in's:
    the template's blank ``Interpreter_Mac``, ``PYTHONPATH``, ... rows would override what the
    user set in the add-in, and its ``Interpreter_Win`` = ``python`` the interpreter."""
    ws.delete_rows(1, ws.max_row)
    for i, (key, value) in enumerate(rows.items(), start=1):
        ws.cell(i, 1, key)
        ws.cell(i, 2, value)
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 24


def _copy_sheets(wb: Any, source: Path, names: Sequence[str] | None = None) -> dict[str, Any]:
    """Copy the cell values of ``source``'s sheets (all, or ``names``) into new sheets of ``wb``."""
    import openpyxl

    from xlfidx._files import check_workbook
    from xlfidx.excel.cells import keep_text

    # the values (a filled template's Bloomberg formulas give their results), each text as text
    src = openpyxl.load_workbook(check_workbook(source, "--data"), read_only=True, data_only=True)
    out = {}
    try:
        for ws in src.worksheets:
            if names is not None and ws.title not in names:
                continue
            new = wb.create_sheet(ws.title, len(wb.sheetnames) - 1)  # before the conf sheet
            for row in ws.iter_rows(values_only=True):
                new.append(list(row))
            keep_text(new)
            fit_sheet(new)  # dates as dates, every header and value shown in full
            out[ws.title] = new
    finally:
        src.close()
    return out


def _table_layout(ws: Any, top: int, table: list[list[Any]], left: int = 1,
                  extra_rows: int = 60) -> dict[int, float]:
    """Number formats for a spilled ``table`` whose header row is ``top`` (by header name, see
    :data:`xlfidx.excel.layout.FORMATS`; ``pct_columns`` for FedWatch's ranges), numeric headers
    aligned right over their numbers, and the widths its columns need. Rows below the table get
    the same formats, for a longer table after a new export is pasted."""
    from openpyxl.styles import Alignment, Font

    formats: dict[int, str] = {}
    for j, name in enumerate(table[0], start=left):
        fmt = FORMATS.get(str(name))
        if fmt is None and _is_range(name):
            fmt = PCT  # a FedWatch target range: the probability of it, %
        ws.cell(top, j).font = Font(name="Calibri", bold=True)
        if fmt is None:
            continue
        formats[j] = fmt
        ws.cell(top, j).alignment = Alignment(horizontal="right")  # over numbers and dates
        for r in range(top + 1, top + max(len(table), extra_rows)):
            ws.cell(r, j).number_format = fmt
    return widths(table, formats, first_col=left)


def _is_range(name: Any) -> bool:
    low, _, high = str(name).partition("-")
    try:
        return bool(high) and float(low) < float(high)
    except ValueError:
        return False


def _widen(ws: Any, *needs: dict[int, float]) -> None:
    """Columns as wide as the widest need of the tables and cells they hold."""
    merged: dict[int, float] = {}
    for need in needs:
        for col, w in need.items():
            merged[col] = max(merged.get(col, 0.0), w)
    set_widths(ws, merged)


def _sample(data_dir: Path, name: str) -> Path:
    path = Path(data_dir) / name
    if not path.is_file():
        raise InputError("sample", str(path), "does not exist; run `xlfidx make-sample-data` first")
    return path


def _array(ws: Any, anchor: str, formula: str, rows: int, cols: int) -> str:
    """Put an array formula of ``rows`` x ``cols`` cells at ``anchor``; returns its range."""
    from openpyxl.utils.cell import (
        column_index_from_string,
        coordinate_from_string,
        get_column_letter,
    )
    from openpyxl.worksheet.formula import ArrayFormula

    col, row = coordinate_from_string(anchor)
    c = column_index_from_string(col)
    ref = f"{anchor}:{get_column_letter(c + cols - 1)}{row + rows - 1}"
    ws[anchor] = ArrayFormula(ref, formula)
    return ref


def _shape(result: Any) -> tuple[int, int]:
    if isinstance(result, str) and result.startswith("#"):
        raise InputError("workbook formula", result, "fails on the sample")
    if isinstance(result, list):
        return len(result), len(result[0])
    return 1, 1


def _bold(ws: Any, *cells: str) -> None:
    from openpyxl.styles import Font

    for c in cells:
        ws[c].font = Font(name="Calibri", bold=True)


def _save(wb: Any, out: Path) -> None:
    from xlfidx._files import atomic_write

    with atomic_write(out) as tmp:
        wb.save(tmp)


@contextlib.contextmanager
def _staged(out: Path) -> Iterator[Path]:
    """A hidden file beside ``out`` where the book is built and calculated; it moves over
    ``out`` only when complete. On any failure it is removed: a failed build leaves no book
    behind (and an older ``out`` as it was)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".~{out.stem}.{os.urandom(4).hex()}.building{out.suffix}")
    try:
        yield tmp
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


def _finish(wb: Any, out: Path) -> Path:
    from xlfidx.excel.calc import calc_workbook

    with _staged(out) as tmp:
        _save(wb, tmp)
        result = calc_workbook(tmp)
        bad = result.errors()
        if bad or result.overflow:
            raise InputError("workbook", out.name, f"has formulas that fail: {dict(list(bad.items())[:3])} "
                             f"{result.overflow[:3]}")
    return out


# ---------------------------------------------------------------------------------------------
# basis.xlsm


def _udfs() -> Any:
    from xlfidx.excel import udfs

    return udfs


def _range_rows(wb: Any, ref: str) -> list[list[Any]]:
    """The cells of ``'sheet'!$A$1:$B$9`` in the book being built, as Excel passes a range to a
    worksheet function (rows of values, ``None`` for an empty cell)."""
    from openpyxl.utils.cell import range_boundaries

    sheet, _, cells = ref.rpartition("!")
    c1, r1, c2, r2 = range_boundaries(cells.replace("$", ""))
    ws = wb[sheet.strip("'").replace("''", "'")]
    return [list(r) for r in ws.iter_rows(min_row=r1, max_row=r2, min_col=c1, max_col=c2,
                                           values_only=True)]


def _build_basis(out: Path, data_dir: Path) -> Path:
    from openpyxl.styles import Alignment
    from openpyxl.utils.cell import get_column_letter

    u = _udfs()
    source = _sample(data_dir, BASKET_SAMPLE)
    wb = _new_book("DLV")
    _copy_sheets(wb, source)
    bonds, future = _range_rows(wb, BONDS_RANGE), _range_rows(wb, FUTURE_RANGE)
    tables = f"{BONDS_RANGE},{FUTURE_RANGE}"

    ws = wb["DLV"]
    ws["A1"] = "Deliverable basket of the bond future, computed by xlfidx worksheet functions"
    ws["A2"] = (f"Data: the sheets 'future' and 'bonds' of a Bloomberg basket export, here "
                f"{BASKET_SAMPLE} (see its 'notes' sheet). Paste a new export over them (fields are "
                "read by name, any column order, up to 199 bonds) and press Run main.")
    _bold(ws, "A1")

    # what the DLV prices with: the export's defaults (settle T+1, repo, last delivery day)
    ws["A4"] = "Basket (=DLVINFO): what the DLV prices with"
    info = u.DLVINFO(bonds, future)
    _array(ws, "A5", f"=DLVINFO({tables})", *_shape(info))
    for r in (7, 8, 10):  # settle, delivery, pricing date
        ws[f"B{r}"].number_format = DATE_FORMAT
    labels = {row[0]: f"$B${5 + i}" for i, row in enumerate(info)}
    contract, fut, settle = labels["contract"], labels["futures price"], labels["settle"]
    delivery, repo = labels["delivery"], labels["repo %"]

    # the whole DLV table at the bottom of the sheet, where it can spill to any size
    table = u.DLV(bonds, future)
    rows, ncols = _shape(table)
    head = table[0]
    top = 28
    first = top + 1  # the CTD's row
    col = {name: get_column_letter(j + 1) for j, name in enumerate(head)}
    ctd = {name: f"${col[name]}${first}" for name in ("ticker", "coupon", "maturity", "price",
                                                         "cf", "dv01")}

    ws["A12"], ws["B12"] = "CTD (=CTD)", f"=CTD({tables})"
    ws["A13"] = "futures DV01 $/bp (=FUTDV01: the CTD's DV01 / CF)"
    ws["B13"] = f"=FUTDV01({ctd['dv01']},{ctd['cf']})"

    ws["A15"], ws["B15"] = "The CTD, function by function", "value"
    price, cpn, mat = ctd["price"], ctd["coupon"], ctd["maturity"]
    checks = [
        ("conversion factor (=CONVFACTOR)", f"=CONVFACTOR({cpn},{mat},{contract})"),
        ("accrued at settle (=ACCRUED)", f"=ACCRUED({cpn},{mat},{settle})"),
        ("gross basis, 32nds (=GROSSBASIS)", f'=GROSSBASIS({price},{fut},{ctd["cf"]},"32nds")'),
        ("carry to delivery (=CARRY)", f"=CARRY({price},{cpn},{mat},{settle},{delivery},{repo})"),
        ("net basis, 32nds (=NETBASIS)",
         f'=NETBASIS({price},{cpn},{mat},{fut},{contract},{settle},{delivery},{repo},"32nds")'),
        ("implied repo % (=IMPLIEDREPO)",
         f"=IMPLIEDREPO({price},{cpn},{mat},{fut},{ctd['cf']},{settle},{delivery})"),
        ("forward price at delivery (=FWDPRICE)",
         f"=FWDPRICE({price},{cpn},{mat},{settle},{delivery},{repo})"),
    ]
    for i, (label, formula) in enumerate(checks, start=16):
        ws[f"A{i}"], ws[f"B{i}"] = label, formula
    _bold(ws, "A4", "A15", "B15")

    ws[f"A{top - 1}"] = ("DLV table (=DLV), sorted by implied repo, CTD first; bonds that could "
                         "not be read come last, with their problem")
    _bold(ws, f"A{top - 1}")
    _array(ws, f"A{top}", f"=DLV({tables})", rows, ncols)
    need = _table_layout(ws, top, table)
    # one format per value: the basket's prices and repo, the CTD function by function
    formats = {labels["futures price"]: PRICE, labels["repo %"]: PCT, "$B$13": DOLLARS}
    for i, fmt in enumerate((RATIO, PRICE, BASIS_32NDS, PRICE, BASIS_32NDS, RATE, PRICE), start=16):
        formats[f"$B${i}"] = fmt
    for ref, fmt in formats.items():
        ws[ref.replace("$", "")].number_format = fmt
    ws["B15"].alignment = Alignment(horizontal="right")
    labels_a = [[ws[f"A{r}"].value] for r in range(5, 23) if ws[f"B{r}"].value is not None]
    values_b = [[v] for v in (*(row[1] for row in info), 129.431, "value")]
    _widen(ws, need, widths(labels_a, bold_rows=()),
           widths(values_b, {1: PRICE}, bold_rows=(), first_col=2))
    return _finish(wb, out)


# ---------------------------------------------------------------------------------------------
# fedpath.xlsm


def _build_fedpath(out: Path, data_dir: Path) -> Path:
    from openpyxl.chart import Reference, ScatterChart, Series

    u = _udfs()
    source = _sample(data_dir, FED_SAMPLE)
    wb = _new_book("FEDPATH")
    sheets = _copy_sheets(wb, source)
    chains = sorted((name for name in sheets if name[:4].isdigit()), reverse=True)  # latest first
    meetings_ref = f"'fed meetings'!$A$2:$A${MEETINGS_ROWS + 1}"
    spot_table = "'fed funds'!$A$1:$B$400"

    ws = wb["FEDPATH"]
    ws["A1"] = "Implied Fed policy path from Fed funds futures (=FEDPATH), with FedWatch odds (=FEDPROBS)"
    ws["A2"] = (f"Data: {FED_SAMPLE}, SYNTHETIC prices (see its 'notes' sheet). Paste a new chain "
                "over a dated sheet (columns by name: ticker, px_last, last_tradeable_dt; any number "
                "of rows), type its pricing date below, press Run main.")
    _bold(ws, "A1")
    ws["A3"], ws["B3"] = "method", "cme"
    row = 5
    paths = {}
    needs = []
    for k, date in enumerate(chains[:2]):
        chain_ref = f"'{date}'!$A$1:${CHAIN_COLS}${CHAIN_ROWS}"
        ws[f"A{row}"], ws[f"B{row}"] = f"chain sheet '{date}': pricing date", date
        ws[f"A{row + 1}"] = "spot (effective rate) %"
        ws[f"B{row + 1}"] = f"=VLOOKUP(B{row},{spot_table},2,FALSE)"
        ws[f"B{row + 1}"].number_format = RATE
        _bold(ws, f"A{row}")
        needs.append(widths([[ws[f"A{row}"].value, date], [ws[f"A{row + 1}"].value, 4.33]],
                            {2: RATE}))
        spot = next(r[1] for r in _range_rows(wb, spot_table) if str(r[0])[:10] == date)
        args = (_range_rows(wb, chain_ref), _range_rows(wb, meetings_ref), spot, "cme")
        result = u.FEDPATH(*args)
        rows, cols = _shape(result)
        anchor = row + 2
        _array(ws, f"A{anchor}", f"=FEDPATH({chain_ref},{meetings_ref},B{row + 1},$B$3)", rows, cols)
        needs.append(_table_layout(ws, anchor, result, extra_rows=len(result)))
        meetings = sum(1 for r in result[1:] if not str(r[0]).startswith("note:"))
        paths[date] = (anchor, meetings, result[0])
        row = anchor + rows + 1
        if k == 0:
            probs = u.FEDPROBS(*args)
            prow, pcols = _shape(probs)
            ws[f"A{row}"] = f"FedWatch target-range probabilities % after each meeting, {date}"
            _bold(ws, f"A{row}")
            _array(ws, f"A{row + 1}", f"=FEDPROBS({chain_ref},{meetings_ref},B{anchor - 1},$B$3)",
                   prow, pcols)
            needs.append(_table_layout(ws, row + 1, probs, extra_rows=len(probs)))
            row += prow + 2

    chart = ScatterChart()
    chart.title = "Expected Fed funds rate after each FOMC meeting"
    chart.style = 13
    chart.x_axis.title = "meeting"
    chart.y_axis.title = "rate after, %"
    chart.x_axis.number_format = "mmm-yy"
    for date, (top, meetings, head) in paths.items():
        c = head.index("rate after %") + 1
        xs = Reference(ws, min_col=1, min_row=top + 1, max_row=top + meetings)
        ys = Reference(ws, min_col=c, min_row=top + 1, max_row=top + meetings)
        s = Series(ys, xs, title=f"path on {date}")
        s.marker.symbol = "circle"
        chart.series.append(s)
    chart.width, chart.height = 20, 10
    ws.add_chart(chart, f"A{row + 1}")
    _widen(ws, *needs)
    return _finish(wb, out)


# ---------------------------------------------------------------------------------------------
# mbs_trend.xlsm


def _build_mbs_trend(out: Path, data_dir: Path, progress: Callable[[str], None]) -> Path:
    import numpy as np
    from openpyxl.styles import Alignment

    from xlfidx.bloomberg.history import read_history
    from xlfidx.excel.refresh import refresh_file
    from xlfidx.trend import ewmac

    u = _udfs()
    source = _sample(data_dir, HISTORY_SAMPLE)
    wb = _new_book("Hedge")
    progress("copying the history sheets")
    sheets = _copy_sheets(wb, source)
    wb.move_sheet("Hedge", offset=len(wb.sheetnames) - 2)
    settings = wb.create_sheet("Settings", len(wb.sheetnames) - 1)
    settings.append(["setting", "value", "what"])
    settings.append(["trend_tilt", 1.0, "Hedge sheet: years of duration mismatch accepted per unit of trend (0 = duration match)"])
    settings.append(["cost_bp", 1.0, "Backtest: trading cost in bp per unit of turnover"])
    settings.append(["tilts", "0,0.5,1,1.5,2,2.5,3,3.5,4,4.5,5,5.5,6,6.5,7,7.5,8,8.5,9,9.5,10",
                     "Backtest: the trend_tilt grid of the trade-off frontier"])
    _bold(settings, "A1", "B1", "C1")
    settings["B2"].number_format = settings["B3"].number_format = "0.0"
    fit_sheet(settings, most=100)  # the tilt grid is shown in full beside its description

    # the latest day of the history: cell references into the history sheets
    mbs_ws, fut_ws = sheets["MBS"], sheets["Futures"]
    mbs, futures = read_history(source)
    contracts = ["TU", "FV", "TY", "UXY", "US", "WN"]
    latest = mbs.index[-1]

    def last_cell(ws: Any, ticker_prefix: str, field: str) -> str:
        from openpyxl.utils.cell import get_column_letter

        ticker_row = [c.value for c in ws[1]]
        field_row = [c.value for c in ws[2]]
        start = next(i for i, v in enumerate(ticker_row) if isinstance(v, str) and v.startswith(ticker_prefix))
        j = next(i for i in range(start, len(field_row)) if field_row[i] == field)
        col = get_column_letter(j + 1)
        date_col = get_column_letter(start + 1)
        r = max(i for i, cell in enumerate(ws[date_col], start=1) if cell.value is not None)
        return f"{ws.title}!{col}{r}"

    ws = wb["Hedge"]
    ws["A1"] = "Hedge of long MBS with Treasury futures on the latest day (=HEDGEWEIGHTS)"
    ws["A2"] = "SYNTHETIC sample data (see the README sheet). Weights: MBS long, futures short; unlevered, duration neutral."
    _bold(ws, "A1")
    ws["A4"], ws["B4"] = "date", latest.to_pydatetime()
    ws["B4"].number_format = DATE_FORMAT
    ws["A5"], ws["B5"] = "MBS duration (LUMSMD)", "=" + last_cell(mbs_ws, "LUMSMD", "PX_LAST")
    ws["A6"] = "contract"
    ws["A7"] = "CTD duration"
    ws["A8"] = "trend (EWMAC, from the refresh)"
    prices = futures["PX_LAST"][contracts]
    trend_today = ewmac(prices).iloc[-1]
    durations = []
    for j, c in enumerate(contracts):
        col = chr(ord("B") + j)
        ws[f"{col}6"] = c
        ws[f"{col}7"] = "=" + last_cell(fut_ws, f"{c}1", "CONVENTIONAL_CTD_FORWARD_FRSK")
        t = float(trend_today[c])
        ws[f"{col}8"] = round(t, 6) if np.isfinite(t) else None
        durations.append(float(futures["CONVENTIONAL_CTD_FORWARD_FRSK"][c].iloc[-1]))
    ws["A9"], ws["B9"] = "trend_tilt", "=Settings!B2"
    ws["A11"] = "weights"
    ws["B11"] = "MBS"
    for j, c in enumerate(contracts):
        ws.cell(11, 3 + j, c)
    _bold(ws, "A6", "A11", "B11")
    last_col = chr(ord("B") + len(contracts) - 1)
    result = u.HEDGEWEIGHTS(float(mbs["LUMSMD"].iloc[-1]), [durations],
                            [[ws[f"{chr(ord('B') + j)}8"].value for j in range(len(contracts))]], 1.0)
    rows, cols = _shape(result)
    _array(ws, "B12", f"=HEDGEWEIGHTS(B5,B7:{last_col}7,B8:{last_col}8,B9)", rows, cols)
    ws["A12"] = "weight"
    # one format per row: durations in years, the trend forecast, the weights
    for ref, fmt in (("B5", YEARS), ("B9", "0.00")):
        ws[ref].number_format = fmt
    for j in range(len(contracts) + 1):
        col = chr(ord("B") + j)
        ws[f"{col}7"].number_format = YEARS
        ws[f"{col}8"].number_format = "0.00"
        ws[f"{col}12"].number_format = RATIO
        for r in (6, 11):
            ws[f"{col}{r}"].alignment = Alignment(horizontal="right")
    labels = [[ws[f"A{r}"].value] for r in range(4, 13) if ws[f"A{r}"].value]
    _widen(ws, widths(labels, bold_rows=()), widths([[latest.to_pydatetime()]], first_col=2),
           {2 + j: 10.0 for j in range(len(contracts))})
    backtest = wb.create_sheet("Backtest", len(wb.sheetnames) - 1)
    backtest["A1"] = "Written by the refresh (Run main / xlfidx refresh)"
    progress("writing the workbook")
    with _staged(out) as tmp:
        _save(wb, tmp)
        progress("running the backtest (refresh)")
        refresh_file(tmp, progress)
    return out


def build_basis(out: Path, data_dir: Path) -> Path:
    """``basis.xlsm``: the basket export and a DLV sheet of worksheet functions."""
    return _build_basis(Path(out), Path(data_dir))


def build_fedpath(out: Path, data_dir: Path) -> Path:
    """``fedpath.xlsm``: the Fed funds chains, FEDPATH/FEDPROBS tables and a chart."""
    return _build_fedpath(Path(out), Path(data_dir))


def build_mbs_trend(out: Path, data_dir: Path, progress: Callable[[str], None] | None = None) -> Path:
    """``mbs_trend.xlsm``: histories, Settings, Hedge (HEDGEWEIGHTS) and the Backtest sheet."""
    return _build_mbs_trend(Path(out), Path(data_dir), progress or (lambda message: None))


def build_all(out_dir: Path | None = None, data_dir: Path | None = None,
              only: Sequence[str] | None = None,
              progress: Callable[[str], None] | None = None) -> list[Path]:
    """Build the workbooks (all, or those named in ``only``) into ``out_dir``."""
    from xlfidx.samples import DATA_DIR

    out_dir = Path(out_dir) if out_dir is not None else WORKBOOKS_DIR
    data_dir = Path(data_dir) if data_dir is not None else DATA_DIR
    say = progress or (lambda message: None)
    from xlfidx.excel.addin import ADDIN_NAME, build_addin

    builders = {
        "addin": lambda: build_addin(out_dir / ADDIN_NAME),
        "basis": lambda: _build_basis(out_dir / "basis.xlsm", data_dir),
        "fedpath": lambda: _build_fedpath(out_dir / "fedpath.xlsm", data_dir),
        "mbs_trend": lambda: _build_mbs_trend(out_dir / "mbs_trend.xlsm", data_dir, say),
    }
    names = list(only) if only else list(builders)
    for name in names:
        if name not in builders:
            raise InputError("workbook", name, f"is not one of {', '.join(builders)}")
    built = []
    for name in names:
        say(f"building {'the add-in' if name == 'addin' else name + '.xlsm'}")
        built.append(builders[name]())
    return built
