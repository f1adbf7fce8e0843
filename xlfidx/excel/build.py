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

import datetime as _dt
import importlib.util
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from xlfidx.errors import InputError
from xlfidx.samples import shipped_dir

__all__ = ["template_path", "build_basis", "build_fedpath", "build_mbs_trend", "build_all",
           "WORKBOOKS_DIR", "CONF_SHEET", "UDF_MODULE"]

WORKBOOKS_DIR = shipped_dir("xlfidx.workbooks")
CONF_SHEET = "xlwings.conf"
UDF_MODULE = "xlfidx.excel.udfs"
DATE_FORMAT = "yyyy-mm-dd"

BASKET_SAMPLE = "fut_bond_data_USZ3_2023-11-21.xlsx"
FED_SAMPLE = "fedfutures_sample.xlsx"
HISTORY_SAMPLE = "mbs_trend_sample.xlsx"


def template_path() -> Path:
    """xlwings' ``quickstart.xlsm`` in the installed package (found without importing xlwings)."""
    spec = importlib.util.find_spec("xlwings")
    if spec is None or not spec.submodule_search_locations:
        raise InputError("xlwings", None, "is not installed; `pip install xlwings` provides the template")
    path = Path(next(iter(spec.submodule_search_locations))) / "quickstart.xlsm"
    if not path.is_file():
        raise InputError("template", str(path), "does not exist in this xlwings installation")
    return path


def _new_book(first_sheet: str) -> Any:
    """The quickstart template with an active conf sheet naming our UDF module."""
    import openpyxl  # noqa: PLC0415

    wb = openpyxl.load_workbook(template_path(), keep_vba=True)
    conf = wb["_xlwings.conf"]
    conf.title = CONF_SHEET  # without the underscore xlwings reads it
    for row in conf.iter_rows(min_col=1, max_col=2):
        if row[0].value == "UDF Modules":
            row[1].value = UDF_MODULE
    # keep the template's Sheet1 (its VBA document module stays matched) under our name
    wb["Sheet1"].title = first_sheet
    wb.move_sheet(CONF_SHEET, offset=len(wb.sheetnames))
    wb.active = 0
    return wb


def _copy_sheets(wb: Any, source: Path, names: Sequence[str] | None = None) -> dict[str, Any]:
    """Copy the cell values of ``source``'s sheets (all, or ``names``) into new sheets of ``wb``."""
    import openpyxl  # noqa: PLC0415

    src = openpyxl.load_workbook(source, read_only=True)
    out = {}
    try:
        for ws in src.worksheets:
            if names is not None and ws.title not in names:
                continue
            new = wb.create_sheet(ws.title, len(wb.sheetnames) - 1)  # before the conf sheet
            for row in ws.iter_rows(values_only=True):
                new.append(list(row))
            for row in new.iter_rows():
                for cell in row:
                    if isinstance(cell.value, _dt.datetime | _dt.date):
                        cell.number_format = DATE_FORMAT
            out[ws.title] = new
    finally:
        src.close()
    return out


def _sample(data_dir: Path, name: str) -> Path:
    path = Path(data_dir) / name
    if not path.is_file():
        raise InputError("sample", str(path), "does not exist; run `xlfidx make-sample-data` first")
    return path


def _array(ws: Any, anchor: str, formula: str, rows: int, cols: int) -> str:
    """Put an array formula of ``rows`` x ``cols`` cells at ``anchor``; returns its range."""
    from openpyxl.utils.cell import (  # noqa: PLC0415
        column_index_from_string,  # noqa: PLC0415
        coordinate_from_string,
        get_column_letter,
    )
    from openpyxl.worksheet.formula import ArrayFormula  # noqa: PLC0415

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
    from openpyxl.styles import Font  # noqa: PLC0415

    for c in cells:
        ws[c].font = Font(bold=True)


def _save(wb: Any, out: Path) -> None:
    from xlfidx._files import atomic_write  # noqa: PLC0415

    with atomic_write(out) as tmp:
        wb.save(tmp)


def _finish(wb: Any, out: Path) -> Path:
    from xlfidx.excel.calc import calc_workbook  # noqa: PLC0415

    _save(wb, out)
    result = calc_workbook(out)
    bad = result.errors()
    if bad or result.overflow:
        raise InputError("workbook", out.name, f"has formulas that fail: {dict(list(bad.items())[:3])} "
                         f"{result.overflow[:3]}")
    return out


# ---------------------------------------------------------------------------------------------
# basis.xlsm


def _udfs() -> Any:
    from xlfidx.excel import udfs  # noqa: PLC0415

    return udfs


def _build_basis(out: Path, data_dir: Path) -> Path:
    from xlfidx.bloomberg.basket import read_basket  # noqa: PLC0415

    u = _udfs()
    source = _sample(data_dir, BASKET_SAMPLE)
    wb = _new_book("DLV")
    sheets = _copy_sheets(wb, source)
    fut, bonds = sheets["future"], sheets["bonds"]
    fields = {row[0].value: row[1] for row in fut.iter_rows(min_col=1, max_col=2) if row[0].value}
    head = {cell.value: cell.column_letter for cell in bonds[1] if cell.value}
    n = sum(1 for r in bonds.iter_rows(min_row=2, max_col=1, values_only=True) if r[0])
    last = n + 1

    basket = read_basket(source)  # the export's own defaults: settlement T+1, repo, delivery
    settle_dt = _dt.datetime.combine(basket.settle, _dt.time())

    ws = wb["DLV"]
    ws["A1"] = "Deliverable basket of the bond future, computed by xlfidx worksheet functions"
    ws["A2"] = (f"Data: sheets 'future' and 'bonds' (Bloomberg basket layout), from {BASKET_SAMPLE}: "
                "see the 'notes' sheet for the source. Paste a new export over them and press Run main.")
    _bold(ws, "A1")
    ws["A3"], ws["B3"] = "contract", "=future!B1"
    ws["A4"], ws["B4"] = "futures price", f"=future!{fields['px_last'].coordinate}"
    ws["A5"], ws["B5"] = "settle (T+1 after the export)", settle_dt
    ws["A6"], ws["B6"] = "delivery (last delivery day)", f"=future!{fields['fut_dlv_dt_last'].coordinate}"
    ws["A7"], ws["B7"] = "repo % (Act/360)", f"=bonds!{head['repo_reporate']}2"
    for c in ("B5", "B6"):
        ws[c].number_format = DATE_FORMAT
    r0, r1 = 11, 10 + n
    cols = {"ticker": "A", "coupon": "B", "maturity": "C", "price": "D"}
    headers = ["ticker", "coupon %", "maturity", "price", "CF", "accrued", "gross basis (32nds)",
               "carry", "net basis (32nds)", "implied repo %", "fwd price"]
    for j, h in enumerate(headers):
        ws.cell(10, j + 1, h)
    _bold(ws, *(f"{chr(65 + j)}10" for j in range(len(headers))))
    for i in range(n):
        r = r0 + i
        ws[f"A{r}"] = f"=bonds!{head['ticker']}{i + 2}"
        ws[f"B{r}"] = f"=bonds!{head['cpn']}{i + 2}"
        ws[f"C{r}"] = f"=bonds!{head['maturity']}{i + 2}"
        ws[f"C{r}"].number_format = DATE_FORMAT
        ws[f"D{r}"] = f"=bonds!{head['px_last']}{i + 2}"
    rng = {k: f"{v}{r0}:{v}{r1}" for k, v in cols.items()}
    P, C, M = rng["price"], rng["coupon"], rng["maturity"]
    column_formulas = {
        "E": f"=CONVFACTOR({C},{M},$B$3)",
        "F": f"=ACCRUED({C},{M},$B$5)",
        "G": f"=GROSSBASIS({P},$B$4,E{r0}:E{r1},\"32nds\")",
        "H": f"=CARRY({P},{C},{M},$B$5,$B$6,$B$7)",
        "I": f"=NETBASIS({P},{C},{M},$B$4,$B$3,$B$5,$B$6,$B$7,\"32nds\")",
        "J": f"=IMPLIEDREPO({P},{C},{M},$B$4,E{r0}:E{r1},$B$5,$B$6)",
        "K": f"=FWDPRICE({P},{C},{M},$B$5,$B$6,$B$7)",
    }
    for c, f in column_formulas.items():
        _array(ws, f"{c}{r0}", f, n, 1)
    del last

    # the CTD, its futures DV01, and the whole DLV table
    ws["A8"] = "CTD"
    ws["B8"] = f"=CTD({P},{C},{M},B4,B3,B5,B6,{rng['ticker']})"
    dlv_row = r1 + 3
    ws[f"A{dlv_row - 1}"] = "DLV table (=DLV), sorted by implied repo, CTD first"
    _bold(ws, f"A{dlv_row - 1}")
    prices = [r[0] for r in bonds.iter_rows(min_row=2, max_row=n + 1, min_col=_col(head["px_last"]),
                                            max_col=_col(head["px_last"]), values_only=True)]
    coupons = [r[0] for r in bonds.iter_rows(min_row=2, max_row=n + 1, min_col=_col(head["cpn"]),
                                             max_col=_col(head["cpn"]), values_only=True)]
    mats = [r[0] for r in bonds.iter_rows(min_row=2, max_row=n + 1, min_col=_col(head["maturity"]),
                                          max_col=_col(head["maturity"]), values_only=True)]
    tickers = [r[0] for r in bonds.iter_rows(min_row=2, max_row=n + 1, min_col=_col(head["ticker"]),
                                             max_col=_col(head["ticker"]), values_only=True)]
    repo = bonds[f"{head['repo_reporate']}2"].value
    table = u.DLV([[x] for x in prices], [[x] for x in coupons], [[x] for x in mats],
                  fields["px_last"].value, fields["field"].value,
                  settle_dt, repo, fields["fut_dlv_dt_last"].value, [[x] for x in tickers])
    rows, ncols = _shape(table)
    _array(ws, f"A{dlv_row}", f"=DLV({P},{C},{M},B4,B3,B5,B7,B6,{rng['ticker']})", rows, ncols)
    dlv_head = table[0]
    from openpyxl.utils.cell import get_column_letter  # noqa: PLC0415

    for j, name in enumerate(dlv_head):
        if name == "maturity":
            for i in range(1, rows):
                ws.cell(dlv_row + i, j + 1).number_format = DATE_FORMAT
    first = dlv_row + 1
    dv01 = f"{get_column_letter(dlv_head.index('dv01') + 1)}{first}"
    cf = f"{get_column_letter(dlv_head.index('cf') + 1)}{first}"
    ws["A9"], ws["B9"] = "futures DV01 ($/bp, CTD DV01 / CF)", f"=FUTDV01({dv01},{cf})"
    ws.column_dimensions["A"].width = 30
    return _finish(wb, out)


def _col(letter: str) -> int:
    from openpyxl.utils.cell import column_index_from_string  # noqa: PLC0415

    return column_index_from_string(letter)


# ---------------------------------------------------------------------------------------------
# fedpath.xlsm


def _build_fedpath(out: Path, data_dir: Path) -> Path:
    import openpyxl  # noqa: PLC0415
    from openpyxl.chart import Reference, ScatterChart, Series  # noqa: PLC0415

    u = _udfs()
    source = _sample(data_dir, FED_SAMPLE)
    wb = _new_book("FEDPATH")
    sheets = _copy_sheets(wb, source)
    chains = [name for name in sheets if name[:4].isdigit()]
    chains.sort(reverse=True)  # latest pricing date first
    src = openpyxl.load_workbook(source, read_only=True, data_only=True)
    try:
        data = {name: [list(r) for r in src[name].iter_rows(values_only=True)] for name in src.sheetnames}
    finally:
        src.close()
    spot_rows = {str(r[0])[:10]: i + 1 for i, r in enumerate(data["fed funds"]) if r and r[0]}
    meetings = [r[0] for r in data["fed meetings"][1:] if r and r[0]]
    n_meet = len(meetings)

    ws = wb["FEDPATH"]
    ws["A1"] = "Implied Fed policy path from Fed funds futures (=FEDPATH), with FedWatch odds (=FEDPROBS)"
    ws["A2"] = (f"Data: {FED_SAMPLE}, SYNTHETIC prices (see its 'notes' sheet). Paste new chains "
                "over the dated sheets, keep the layout, press Run main.")
    _bold(ws, "A1")
    ws["A3"], ws["B3"] = "method", "cme"
    row = 5
    paths = {}
    for k, date in enumerate(chains[:2]):
        chain = data[date]
        n = sum(1 for r in chain[1:] if r and r[0])
        spot_row = spot_rows[date]
        ws[f"A{row}"] = f"pricing date {date}: spot"
        ws[f"B{row}"] = f"='fed funds'!B{spot_row}"
        _bold(ws, f"A{row}")
        args = (f"'{date}'!B2:B{n + 1}", f"'{date}'!C2:C{n + 1}", f"'fed meetings'!A2:A{n_meet + 1}")
        result = u.FEDPATH([[r[1]] for r in chain[1:n + 1]], [[r[2]] for r in chain[1:n + 1]],
                           [[m] for m in meetings], data["fed funds"][spot_row - 1][1], "cme")
        rows, cols = _shape(result)
        _array(ws, f"A{row + 1}", f"=FEDPATH({args[0]},{args[1]},{args[2]},B{row},$B$3)", rows, cols)
        for i in range(1, rows):
            ws.cell(row + 1 + i, 1).number_format = DATE_FORMAT
        paths[date] = (row + 1, rows, result[0])
        row += rows + 2
        if k == 0:
            probs = u.FEDPROBS([[r[1]] for r in chain[1:n + 1]], [[r[2]] for r in chain[1:n + 1]],
                               [[m] for m in meetings], data["fed funds"][spot_row - 1][1], "cme")
            prow, pcols = _shape(probs)
            ws[f"A{row}"] = f"FedWatch target-range probabilities % after each meeting, {date}"
            _bold(ws, f"A{row}")
            _array(ws, f"A{row + 1}", f"=FEDPROBS({args[0]},{args[1]},{args[2]},B{paths[date][0] - 1},$B$3)",
                   prow, pcols)
            for i in range(1, prow):
                ws.cell(row + 1 + i, 1).number_format = DATE_FORMAT
            row += prow + 2

    chart = ScatterChart()
    chart.title = "Expected Fed funds rate after each FOMC meeting"
    chart.style = 13
    chart.x_axis.title = "meeting"
    chart.y_axis.title = "rate after, %"
    chart.x_axis.number_format = "mmm-yy"
    for date, (top, rows, head) in paths.items():
        c = head.index("rate after %") + 1
        xs = Reference(ws, min_col=1, min_row=top + 1, max_row=top + rows - 1)
        ys = Reference(ws, min_col=c, min_row=top + 1, max_row=top + rows - 1)
        s = Series(ys, xs, title=f"path on {date}")
        s.marker.symbol = "circle"
        chart.series.append(s)
    chart.width, chart.height = 20, 10
    ws.add_chart(chart, f"A{row + 1}")
    ws.column_dimensions["A"].width = 14
    return _finish(wb, out)


# ---------------------------------------------------------------------------------------------
# mbs_trend.xlsm


def _build_mbs_trend(out: Path, data_dir: Path, progress: Callable[[str], None]) -> Path:
    import numpy as np  # noqa: PLC0415

    from xlfidx.bloomberg.history import read_history  # noqa: PLC0415
    from xlfidx.excel.refresh import refresh_file  # noqa: PLC0415
    from xlfidx.trend import ewmac  # noqa: PLC0415

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
    settings.column_dimensions["A"].width = 14
    settings.column_dimensions["C"].width = 80

    # the latest day of the history: cell references into the history sheets
    mbs_ws, fut_ws = sheets["MBS"], sheets["Futures"]
    mbs, futures = read_history(source)
    contracts = ["TU", "FV", "TY", "UXY", "US", "WN"]
    latest = mbs.index[-1]

    def last_cell(ws: Any, ticker_prefix: str, field: str) -> str:
        from openpyxl.utils.cell import get_column_letter  # noqa: PLC0415

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
    ws.column_dimensions["A"].width = 32
    backtest = wb.create_sheet("Backtest", len(wb.sheetnames) - 1)
    backtest["A1"] = "Written by the refresh (Run main / xlfidx refresh)"
    progress("writing the workbook")
    _save(wb, out)
    progress("running the backtest (refresh)")
    refresh_file(out, progress)
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
    from xlfidx.samples import DATA_DIR  # noqa: PLC0415

    out_dir = Path(out_dir) if out_dir is not None else WORKBOOKS_DIR
    data_dir = Path(data_dir) if data_dir is not None else DATA_DIR
    say = progress or (lambda message: None)
    builders = {
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
        say(f"building {name}.xlsm")
        built.append(builders[name]())
    return built
