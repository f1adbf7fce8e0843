"""Bloomberg templates: their formulas, filling them as the add-in would, and unfilled books.

A stand-in for the Bloomberg Excel add-in (:class:`Terminal`) fills each template the way the
add-in's documented functions do: ``BDP(security, field)`` writes one value in its cell,
``BDS(security, field)`` writes a list down (and across) from its cell, ``BDH(security, fields,
start, end)`` writes a date column and one column per field from its cell ("Dts=H" leaves the
dates out; "Days=A" with "Fill=P" gives the last value on or before a date). Its data are the
shipped samples' cells, so a filled template must read exactly as the sample does.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import openpyxl
import pandas as pd
import pytest
from openpyxl.formula import Tokenizer
from openpyxl.utils import range_boundaries

from xlfidx._files import atomic_write
from xlfidx.bloomberg.basket import read_basket_export
from xlfidx.bloomberg.fedfutures import read_fedfutures_export
from xlfidx.bloomberg.formulas import unfilled_cells
from xlfidx.bloomberg.history import CONTRACTS, FUT_FIELDS, read_history
from xlfidx.bloomberg.templates import (
    BASKET_BOND_FIELDS,
    BASKET_FUTURE_FIELDS,
    MAX_DELIVERABLES,
    ROLL_ANALYTICS,
    ROLL_PRICE,
    write_basket_template,
    write_fedfutures_template,
    write_history_template,
)
from xlfidx.cli import main
from xlfidx.errors import InputError
from xlfidx.samples import basket as basket_sample
from xlfidx.samples import fedfutures as fed_sample
from xlfidx.samples import mbs_history as history_sample
from xlfidx.samples import sample_path

pytestmark = pytest.mark.filterwarnings("ignore::xlfidx.bloomberg.history.HistoryWarning")

BLOOMBERG = {"BDP", "BDS", "BDH"}
# The FOMC statement of 2024-12-18 set the target range at 4-1/4 to 4-1/2 percent, unchanged
# until 2025-09-17 (Federal Reserve press releases): FDTR Index, the upper bound, on both of the
# sample's pricing dates. The sample has no FDTR column; the template asks for it.
FDTR_SPRING_2025 = 4.50
# Bloomberg's ECO calendar gives a release as text, date and New York time of the statement
ECO_TIME = "14:00:00"


# ---------------------------------------------------------------------------------------------
# reading a Bloomberg formula's arguments the way the add-in does
# ---------------------------------------------------------------------------------------------

def _call(formula: str) -> tuple[str, list[list]]:
    """(function, tokens of each argument) of a formula that is one Bloomberg call."""
    tokens = Tokenizer(formula).items
    head, *body, tail = tokens
    assert head.type == "FUNC" and head.subtype == "OPEN" and tail.subtype == "CLOSE", formula
    name = head.value[:-1].upper().removeprefix("_XLL.")
    args: list[list] = [[]]
    for t in body:
        assert t.type != "FUNC", f"{formula}: only one Bloomberg call per cell"
        if t.type == "SEP" and t.subtype == "ARG":
            args.append([])
        else:
            args[-1].append(t)
    return name, args


def _ref(wb, ws, ref: str, shown: dict | None = None):
    """A reference's value(s); ``shown`` holds what formula cells show once filled."""
    sheet, _, cells = ref.rpartition("!")
    target = wb[sheet.strip("'")] if sheet else ws
    c0, r0, c1, r1 = range_boundaries(cells.replace("$", ""))
    values = [(shown or {}).get((target.title, r, c), target.cell(row=r, column=c).value)
              for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]
    return values if ":" in cells else values[0]


def _value(wb, ws, tokens: list, shown: dict | None = None):
    parts = []
    for t in tokens:
        if t.type == "OPERAND" and t.subtype == "TEXT":
            parts.append(t.value[1:-1].replace('""', '"'))
        elif t.type == "OPERAND" and t.subtype == "RANGE":
            parts.append(_ref(wb, ws, t.value, shown))
        elif t.type == "OPERATOR-INFIX" and t.value == "&":
            continue
        else:
            raise AssertionError(f"unexpected {t.value!r} in a Bloomberg formula")
    if len(parts) == 1:
        return parts[0]
    return "".join("" if p is None else str(p) for p in parts)  # Excel's &: a blank is ""


def _day(v) -> dt.date:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    return dt.datetime.strptime(str(v), "%Y%m%d").date()


def _options(values) -> dict[str, str]:
    return dict(str(v).split("=", 1) for v in values)


class Terminal:
    """The add-in's functions over a dict of data: what a terminal would answer."""

    def __init__(self, bdp=None, bds=None, bdh=None):
        self.bdp = bdp or {}    # (security, FIELD) -> value
        self.bds = bds or {}    # (security, FIELD) -> function(options) -> rows
        self.bdh = bdh or {}    # security -> (dates, {FIELD: values})

    def _known(self, security: str) -> bool:
        return any(k[0] == security for k in (*self.bdp, *self.bds)) or security in self.bdh

    def answer(self, name: str, args: list) -> list[list]:
        """The rows the add-in writes from the formula's cell."""
        security = args[0]
        if name == "BDP":
            if not self._known(security):
                return [["#N/A Invalid Security"]]
            assert (security, args[1]) in self.bdp, f"no {args[1]} for {security} in the sample"
            return [[self.bdp[(security, args[1])]]]
        if name == "BDS":
            return self.bds[(security, args[1])](_options(args[2:]))
        fields = args[1] if isinstance(args[1], list) else [args[1]]
        start, end, opts = _day(args[2]), _day(args[3]), _options(args[4:])
        dates, series = self.bdh[security]
        for f in fields:
            assert f in series, f"no {f} history for {security} in the sample"
        if opts.get("Days") == "A" and opts.get("Fill") == "P" and start == end:
            i = max(i for i, d in enumerate(dates) if d <= start)  # the last value on or before
            rows = [[dates[i], *(series[f][i] for f in fields)]]
        else:
            rows = [[d, *(series[f][i] for f in fields)] for i, d in enumerate(dates)
                    if start <= d <= end]
        if opts.get("Dts") == "H":
            rows = [r[1:] for r in rows]
        return [[dt.datetime.combine(v, dt.time()) if type(v) is dt.date else v for v in r]
                for r in rows]

    def fill(self, template: Path, out: Path, *, keep_formulas: bool = False,
             cached: dict | None = None) -> Path:
        """Fill ``template`` and save it as ``out``.

        With ``keep_formulas`` the formulas stay and their cells get cached values, as Excel
        saves a book the add-in has filled (``_xll.BDP``); ``cached`` overrides some of those
        values, e.g. with the add-in's "#N/A Requesting Data...".
        """
        wb = openpyxl.load_workbook(template)
        calls = []
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        name, args = _call(cell.value)
                        calls.append((ws, cell, name, args))
        anchors, shown = {}, {}
        # the lists first: BDP rows refer to the bonds BDS lays down column A
        for ws, cell, name, args in sorted(calls, key=lambda c: c[2] == "BDP"):
            rows = self.answer(name, [_value(wb, ws, a, shown) for a in args])
            for i, r in enumerate(rows):
                for j, v in enumerate(r):
                    target = ws.cell(row=cell.row + i, column=cell.column + j)
                    if i == 0 and j == 0 and keep_formulas:
                        anchors[(wb.index(ws), cell.coordinate)] = v
                        shown[(ws.title, cell.row, cell.column)] = v
                    else:
                        target.value = v
            if not rows and not keep_formulas:
                cell.value = None
        wb.save(out)
        if keep_formulas:
            for key, v in (cached or {}).items():
                anchors[(wb.sheetnames.index(key[0]), key[1])] = v
            _write_cached_values(out, anchors)
        return out


def _write_cached_values(path: Path, values: dict) -> None:
    """Give formula cells the cached values Excel would save with them (sheet index, cell)."""
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    for (index, coord), v in values.items():
        name = f"xl/worksheets/sheet{index + 1}.xml"
        if isinstance(v, str) and v in {"#NAME?", "#N/A"}:
            kind, text = ' t="e"', v
        elif isinstance(v, str):
            kind, text = ' t="str"', escape(v)
        elif isinstance(v, dt.datetime):
            kind, text = "", str((v - dt.datetime(1899, 12, 30)).days)
        else:
            kind, text = "", repr(float(v))
        pattern = re.compile(rf'<c r="{coord}"((?: [^>]*)?)><f>(.*?)</f><v\s*/></c>')
        xml, n = pattern.subn(lambda m, k=kind, t=text, c=coord:
                              f'<c r="{c}"{m.group(1)}{k}><f>_xll.{m.group(2)}</f><v>{t}</v></c>',
                              parts[name].decode())
        assert n == 1, (name, coord)
        parts[name] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def _formulas(path: Path) -> list[tuple[str, str, str, list]]:
    """(sheet, cell, function, argument values) of every formula of a template."""
    wb = openpyxl.load_workbook(path)
    out = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    name, args = _call(cell.value)
                    out.append((ws.title, cell.coordinate, name, [_value(wb, ws, a) for a in args]))
    return out


# ---------------------------------------------------------------------------------------------
# the samples, as the terminal's data
# ---------------------------------------------------------------------------------------------

def _basket_terminal() -> Terminal:
    wb = openpyxl.load_workbook(sample_path(basket_sample.FILENAME))
    future = list(wb["future"].iter_rows(values_only=True))
    contract = future[0][1]
    bdp = {(contract, f.upper()): v for f, v in future[1:]}
    header, *rows = wb["bonds"].iter_rows(values_only=True)
    bonds = [dict(zip(header, r, strict=True)) for r in rows]
    for b in bonds:
        for f, v in b.items():
            bdp[(b["ticker"], f.upper())] = v
    # the list names a bond by ticker, coupon and maturity, without the yellow key
    deliverables = [[b["ticker"].removesuffix(" Govt"), b["conversion"]] for b in bonds]
    return Terminal(bdp=bdp, bds={(contract, "FUT_DELIVERABLE_BONDS"): lambda opts: deliverables})


def _fed_terminal() -> Terminal:
    wb = openpyxl.load_workbook(sample_path(fed_sample.FILENAME))
    bdp, history = {}, {}
    for date in fed_sample.EXPECTED_CHANGES:
        day = dt.date.fromisoformat(date)
        header, *rows = wb[date].iter_rows(values_only=True)
        for r in rows:
            rec = dict(zip(header, r, strict=True))
            bdp[(rec["ticker"], "LAST_TRADEABLE_DT")] = rec["last_tradeable_dt"]
            dates, series = history.setdefault(rec["ticker"], ([], {"PX_LAST": [], "OPEN_INT": []}))
            dates.append(day)
            series["PX_LAST"].append(rec["px_last"])
            series["OPEN_INT"].append(rec["open_int"])
    spot = sorted((dt.date.fromisoformat(d), r) for d, r in
                  list(wb["fed funds"].iter_rows(values_only=True))[1:])
    history["FEDL01 Index"] = ([d for d, _ in spot], {"PX_LAST": [r for _, r in spot]})
    history["FDTR Index"] = ([d for d, _ in spot], {"PX_LAST": [FDTR_SPRING_2025] * len(spot)})
    for dates, series in history.values():  # BDH wants each series in date order
        order = np.argsort(dates)
        dates[:] = [dates[i] for i in order]
        for f in series:
            series[f] = [series[f][i] for i in order]
    meetings = [r[0].date() for r in list(wb["fed meetings"].iter_rows(values_only=True))[1:]]

    def calendar(opts):
        start, end = _day(opts["START_DT"]), _day(opts["END_DT"])
        return [[f"{d:%Y/%m/%d} {ECO_TIME}"] for d in meetings if start <= d <= end]

    return Terminal(bdp=bdp, bds={("FDTR Index", "ECO_FUTURE_RELEASE_DATE_LIST"): calendar},
                    bdh=history)


def _history_terminal() -> Terminal:
    wb = openpyxl.load_workbook(sample_path(history_sample.FILENAME), read_only=True)
    bdh = {}
    for sheet in ("MBS", "Futures"):
        tickers, fields, *rows = wb[sheet].iter_rows(values_only=True)
        starts = [c for c, v in enumerate(fields) if v == "Dates"]
        for c in starts:
            names = []
            for f in fields[c + 1:]:
                if f is None:
                    break
                names.append(f)
            block = [r[c:c + 1 + len(names)] for r in rows if c < len(r) and r[c] is not None]
            dates = [r[0].date() if isinstance(r[0], dt.datetime) else r[0] for r in block]
            series = {f: [r[1 + j] for r in block] for j, f in enumerate(names)}
            ticker = tickers[c]
            if sheet == "MBS":
                bdh[ticker] = (dates, series)
            else:
                # the sample's generic series stand for the first generic rolled at first notice:
                # ratio-adjusted for the price, unadjusted for the CTD duration and convexity
                root = ticker.split("1 ")[0]
                bdh[f"{root}1 {ROLL_PRICE} Comdty"] = (dates, {"PX_LAST": series["PX_LAST"]})
                bdh[f"{root}1 {ROLL_ANALYTICS} Comdty"] = (dates, {f: series[f] for f in names[1:]})
    wb.close()
    return Terminal(bdh=bdh)


# ---------------------------------------------------------------------------------------------
# templates
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def books(tmp_path_factory):
    folder = tmp_path_factory.mktemp("templates")
    return {
        "basket": write_basket_template("USZ3", folder, today="2023-11-21"),
        "fed": write_fedfutures_template(list(fed_sample.EXPECTED_CHANGES), folder,
                                         today="2025-04-30"),
        "history": write_history_template(history_sample.START, history_sample.END, folder,
                                          today="2025-01-02"),
    }


@pytest.mark.parametrize("kind", ["basket", "fed", "history"])
def test_templates_hold_only_bloomberg_formulas(books, kind):
    wb = openpyxl.load_workbook(books[kind])
    assert wb.sheetnames[0] == "notes"
    formulas = _formulas(books[kind])
    assert formulas
    for sheet, cell, name, _ in formulas:
        assert name in BLOOMBERG, f"{sheet}!{cell} calls {name}"
    # nothing in the notes sheet looks like data: no SYNTHETIC label, no formula
    notes = [v for r in wb["notes"].iter_rows(values_only=True) for v in r if v is not None]
    assert not any("SYNTHETIC" in str(v).upper() for v in notes)


def test_basket_template_asks_for_the_readers_fields(books):
    wb = openpyxl.load_workbook(books["basket"])
    calls = {(s, c): (n, a) for s, c, n, a in _formulas(books["basket"])}
    future = wb["future"]
    assert future["A1"].value == "field" and future["B1"].value == "USZ3 Comdty"
    for r, field in enumerate(BASKET_FUTURE_FIELDS, start=2):
        assert future.cell(row=r, column=1).value == field
        assert calls[("future", f"B{r}")] == ("BDP", ["USZ3 Comdty", field.upper()])
    bonds = wb["bonds"]
    header = [c.value for c in bonds[1]]
    assert header == ["ticker", "conversion", *BASKET_BOND_FIELDS]
    assert {"ticker", "px_last", "cpn", "maturity"} <= set(header)  # what the reader requires
    assert calls[("bonds", "A2")] == ("BDS", ["USZ3 Comdty", "FUT_DELIVERABLE_BONDS", "Headers=N"])
    for j, field in enumerate(BASKET_BOND_FIELDS, start=3):
        letter = openpyxl.utils.get_column_letter(j)
        for r in range(2, MAX_DELIVERABLES + 2):
            # the bond BDS lays down column A, with the Govt yellow key
            assert bonds[f"{letter}{r}"].value == f'=BDP($A{r}&" Govt","{field.upper()}")'
    assert ("bonds", f"C{MAX_DELIVERABLES + 2}") not in calls


def test_fed_template_asks_for_the_chain_rates_and_meetings(books):
    calls = {(s, c): (n, a) for s, c, n, a in _formulas(books["fed"])}
    wb = openpyxl.load_workbook(books["fed"])
    for date in ("2025-04-30", "2025-03-31"):
        ws = wb[date]
        assert [c.value for c in ws[1]] == ["ticker", "px_last", "last_tradeable_dt", "open_int"]
        tickers = [ws.cell(row=r, column=1).value for r in range(2, 20)]
        sample = openpyxl.load_workbook(sample_path(fed_sample.FILENAME))[date]
        assert tickers == [sample.cell(row=r, column=1).value for r in range(2, 20)]
        when = date.replace("-", "")
        assert calls[(date, "B2")] == ("BDH", [tickers[0], "PX_LAST", when, when, "Days=A",
                                               "Fill=P", "Dts=H"])
        assert calls[(date, "C19")] == ("BDP", [tickers[-1], "LAST_TRADEABLE_DT"])
        assert calls[(date, "D19")][1][1] == "OPEN_INT"
    assert wb.sheetnames[1:3] == ["2025-04-30", "2025-03-31"]  # latest first
    assert calls[("fed funds", "B2")][1][:2] == ["FEDL01 Index", "PX_LAST"]
    assert calls[("fed funds", "C3")][1][:2] == ["FDTR Index", "PX_LAST"]
    assert calls[("fed meetings", "A2")] == ("BDS", [
        "FDTR Index", "ECO_FUTURE_RELEASE_DATE_LIST", "START_DT=20250331", "END_DT=20261231",
        "Headers=N"])


def test_history_template_asks_for_the_studys_series(books):
    calls = [c for c in _formulas(books["history"])]
    by_ticker = {a[0]: (s, n, a[1], a[2], a[3]) for s, _, n, a in calls}
    start, end = dt.datetime(2004, 1, 2), dt.datetime(2024, 12, 31)
    for name in ("LUMSTRUU", "LUMSMD", "LUMSOAS"):
        assert by_ticker[f"{name} Index"] == ("MBS", "BDH", "PX_LAST", start, end)
    for c in CONTRACTS:
        assert by_ticker[f"{c}1 {ROLL_PRICE} Comdty"] == ("Futures", "BDH", "PX_LAST", start, end)
        sheet, _, fields, *_ = by_ticker[f"{c}1 {ROLL_ANALYTICS} Comdty"]
        assert list(fields) == list(FUT_FIELDS[1:])
    assert len(calls) == 3 + 2 * len(CONTRACTS)


# ---------------------------------------------------------------------------------------------
# a filled template reads as the sample does
# ---------------------------------------------------------------------------------------------

def _same_basket(got, expected):
    (g_future, g_bonds), (e_future, e_bonds) = got, expected
    pd.testing.assert_series_equal(g_future, e_future)
    # Bloomberg's list names the bonds without the yellow key the sample writes
    assert (g_bonds["ticker"] + " Govt").tolist() == e_bonds["ticker"].tolist()
    pd.testing.assert_frame_equal(g_bonds.drop(columns="ticker"), e_bonds.drop(columns="ticker"),
                                  check_like=True)
    assert g_bonds.attrs["problems"] == e_bonds.attrs["problems"] == []


@pytest.mark.parametrize("keep_formulas", [False, True], ids=["values", "saved-by-excel"])
def test_filled_basket_reads_as_the_sample(books, tmp_path, keep_formulas):
    filled = _basket_terminal().fill(books["basket"], tmp_path / "filled.xlsx",
                                     keep_formulas=keep_formulas)
    if keep_formulas:
        assert "_xll.BDS(" in zipfile.ZipFile(filled).read("xl/worksheets/sheet3.xml").decode()
    _same_basket(read_basket_export(filled), read_basket_export(sample_path(basket_sample.FILENAME)))
    assert main(["dlv", str(filled)]) == 0


@pytest.mark.parametrize("keep_formulas", [False, True], ids=["values", "saved-by-excel"])
def test_filled_fed_book_reads_as_the_sample(books, tmp_path, keep_formulas, capsys):
    filled = _fed_terminal().fill(books["fed"], tmp_path / "filled.xlsx",
                                  keep_formulas=keep_formulas)
    got = read_fedfutures_export(filled)
    expected = read_fedfutures_export(sample_path(fed_sample.FILENAME))
    assert list(got.chains) == list(expected.chains)
    for date in expected.chains:
        pd.testing.assert_frame_equal(got.chains[date], expected.chains[date])
    pd.testing.assert_series_equal(got.spot, expected.spot)
    np.testing.assert_array_equal(got.meetings, expected.meetings)
    assert got.problems == expected.problems == []
    # the book holds real data once filled: nothing in it says otherwise
    assert not any("SYNTHETIC" in n.upper() for n in got.notes)
    assert main(["fedpath", str(filled), "--compare", "2025-03-31"]) == 0
    assert "pricing date 2025-04-30" in capsys.readouterr().out


@pytest.mark.needs("python_calamine")
@pytest.mark.parametrize("keep_formulas", [False, True], ids=["values", "saved-by-excel"])
def test_filled_history_reads_as_the_sample(books, tmp_path, keep_formulas):
    filled = _history_terminal().fill(books["history"], tmp_path / "filled.xlsx",
                                      keep_formulas=keep_formulas)
    got = read_history(filled)
    expected = read_history(sample_path(history_sample.FILENAME))
    pd.testing.assert_frame_equal(got.mbs, expected.mbs)
    pd.testing.assert_frame_equal(got.futures, expected.futures)
    assert got.notes == expected.notes and got.skipped == expected.skipped
    assert expected.synthetic and not got.synthetic


# ---------------------------------------------------------------------------------------------
# a book the terminal has not filled yet
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("command, kind, sheet", [
    ("dlv", "basket", "future"), ("fedpath", "fed", "2025-04-30"),
    pytest.param("backtest", "history", "MBS", marks=pytest.mark.needs("python_calamine"))])
def test_unfilled_template_is_one_clear_line(books, command, kind, sheet, capsys, tmp_path):
    assert main([command, str(books[kind]), *(["--out", str(tmp_path)] if kind == "history" else [])]) == 2
    captured = capsys.readouterr()
    errors = [line for line in captured.err.splitlines() if "error" in line]
    assert len(errors) == 1 and "Traceback" not in captured.err
    assert errors[0].startswith(f"xlfidx {command}: error: ")
    assert f"{books[kind].name!r} sheet {sheet!r} still holds unfilled Bloomberg formulas" in errors[0]
    assert "Bloomberg add-in" in errors[0]
    assert captured.out == ""  # nothing computed
    assert not list(tmp_path.iterdir())


def test_requesting_data_saved_by_excel_is_refused(books, tmp_path):
    # Excel saved the book while the add-in was still waiting for one bond's price
    filled = _basket_terminal().fill(books["basket"], tmp_path / "waiting.xlsx", keep_formulas=True,
                                     cached={("bonds", "D5"): "#N/A Requesting Data..."})
    with pytest.raises(InputError, match=r"sheet 'bonds' still holds unfilled Bloomberg formulas "
                       r"\(1 cell, first D5 =_xll\.BDP\(\$A5&\" Govt\",\"PX_LAST\"\) shows "
                       r"'#N/A Requesting Data\.\.\.'\); open it in Excel"):
        read_basket_export(filled)


def test_book_calculated_without_the_addin_is_refused(books, tmp_path):
    filled = _fed_terminal().fill(books["fed"], tmp_path / "noaddin.xlsx", keep_formulas=True,
                                  cached={("fed meetings", "A2"): "#NAME?"})
    with pytest.raises(InputError, match=r"sheet 'fed meetings' still holds unfilled"):
        read_fedfutures_export(filled)


def _small_history(path: Path, extra: dict | None = None) -> Path:
    """Ten days of LUMSTRUU, LUMSMD and TY in BDH blocks; ``extra`` = {sheet: {cell: value}}."""
    days = [dt.datetime(2024, 8, 1) + dt.timedelta(days=i) for i in range(10)]
    wb = openpyxl.Workbook()
    mbs = wb.active
    mbs.title = "MBS"
    mbs.append(["LUMSTRUU Index", None, None, "LUMSMD Index"])
    mbs.append(["Dates", "PX_LAST", None, "Dates", "PX_LAST"])
    futures = wb.create_sheet("Futures")
    futures.append(["TY1 Comdty"])
    futures.append(["Dates", *FUT_FIELDS])
    for i, d in enumerate(days):
        mbs.append([d, 2200.0 + i, None, d, 5.9])
        futures.append([d, 112.0 - i / 8, 6.4, 0.5])
    for sheet, cells in (extra or {}).items():
        ws = wb[sheet] if sheet in wb.sheetnames else wb.create_sheet(sheet)
        for cell, value in cells.items():
            ws[cell] = value
    wb.save(path)
    return path


@pytest.mark.needs("python_calamine")
def test_requesting_data_text_pasted_as_values_is_refused(tmp_path):
    path = _small_history(tmp_path / "pasted.xlsx", {"Futures": {"B5": "#N/A Requesting Data..."}})
    with pytest.raises(InputError, match=r"WORKBOOK = 'pasted.xlsx' sheet 'Futures' still holds"):
        read_history(path)
    assert [(c.sheet, c.cell, c.formula) for c in unfilled_cells(path)] == [("Futures", "B5", None)]
    assert read_history(_small_history(tmp_path / "ok.xlsx")).futures.shape == (10, 3)


@pytest.mark.needs("python_calamine")
def test_other_sheets_of_a_history_book_are_not_checked(tmp_path):
    # a live sheet of the user's beside the history does not stop the backtest
    path = _small_history(tmp_path / "with_live.xlsx", {"live": {"A1": '=BDP("TYH5 Comdty","PX_LAST")'}})
    assert read_history(path).mbs.shape == (10, 3)
    assert [c.sheet for c in unfilled_cells(path)] == ["live"]


def test_books_without_bloomberg_formulas_pass(tmp_path):
    for name in (basket_sample.FILENAME, fed_sample.FILENAME, history_sample.FILENAME):
        assert unfilled_cells(sample_path(name)) == []
    (tmp_path / "not.xlsx").write_text("not a workbook")
    assert unfilled_cells(tmp_path / "not.xlsx") == []
    with pytest.raises(InputError, match=r"is a text file \(CSV or similar\)"):
        read_basket_export(tmp_path / "not.xlsx")


# ---------------------------------------------------------------------------------------------
# writing the books
# ---------------------------------------------------------------------------------------------

def test_cli_writes_into_the_current_folder_and_keeps_existing_files(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["template", "basket", "ZNZ4"]) == 0  # the CME root gives Bloomberg's TY
    path = tmp_path / "fut_bond_data_TYZ4.xlsx"
    assert openpyxl.load_workbook(path)["future"]["B1"].value == "TYZ4 Comdty"
    assert f"wrote {path}" in capsys.readouterr().out
    before = path.read_bytes()
    assert main(["template", "basket", "TYZ4"]) == 2
    err = capsys.readouterr().err
    assert "already exists" in err and "--force" in err and len(err.splitlines()) == 1
    assert path.read_bytes() == before
    assert main(["template", "basket", "TYZ4", "--force"]) == 0
    assert main(["template", "history", "--start", "2020-01-02", "--end", "2020-12-31",
                 "--out", str(tmp_path / "books")]) == 0
    assert (tmp_path / "books" / "mbs_history_2020-01-02_2020-12-31.xlsx").is_file()
    assert main(["template", "fedfutures", "--date", "2025-01-31", "--out",
                 str(tmp_path / "chain.xlsx")]) == 0
    assert "2025-01-31" in openpyxl.load_workbook(tmp_path / "chain.xlsx").sheetnames
    assert sorted(p.name for p in tmp_path.iterdir()) == ["books", "chain.xlsx",
                                                           "fut_bond_data_TYZ4.xlsx"]


@pytest.mark.parametrize("argv, message", [
    (["template", "basket", "XYZ4"], "contract = 'XYZ4' is not a Treasury futures ticker"),
    (["template", "fedfutures", "--date", "2999-01-01"], "--date = '2999-01-01' is after today"),
    (["template", "fedfutures", "--date", "soon"], "--date = 'soon' is text"),
    (["template", "history", "--start", "2024-01-02", "--end", "2023-01-02"],
     "--end = '2023-01-02' is not after --start 2024-01-02"),
    (["template", "history", "--out", "x.csv"], "--out = 'x.csv' must be a folder or an .xlsx"),
])
def test_cli_bad_arguments(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.splitlines()) == 1
    assert not list(tmp_path.iterdir())


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path):
    path = tmp_path / "book.xlsx"
    path.write_bytes(b"the user's filled book")

    def broken(tmp: str) -> None:
        Path(tmp).write_bytes(b"half a book")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        with atomic_write(path) as tmp:
            broken(tmp)
    assert path.read_bytes() == b"the user's filled book"
    assert [p.name for p in tmp_path.iterdir()] == ["book.xlsx"]
