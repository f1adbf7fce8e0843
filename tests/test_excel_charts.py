"""The Backtest sheet's native charts: their XML in the order the chart schema prescribes, and
every point they draw equal to the backtest's own figures, computed here independently."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook
from test_backtest_sheet import small_result

from xlfidx.excel.backtest_sheet import SHEET, write_backtest_sheet
from xlfidx.excel.charts import Chart, Series, chart_xml, range_ref
from xlfidx.excel.package import Package

C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"

# ECMA-376 (5th ed.) Part 1, Annex A.5.1, the DrawingML chart schema (dml-chart.xsd): the
# <xsd:sequence> of each complex type the charts use, typed in. Excel refuses a chart part whose
# elements are out of this order.
SCHEMA = {
    "chartSpace": ["date1904", "lang", "roundedCorners", "AlternateContent", "clrMapOvr", "pivotSource",
                   "protection", "chart", "spPr", "txPr", "externalData", "printSettings", "userShapes",
                   "extLst"],
    "chart": ["title", "autoTitleDeleted", "pivotFmts", "view3D", "floor", "sideWall", "backWall",
              "plotArea", "legend", "plotVisOnly", "dispBlanksAs", "showDLblsOverMax", "extLst"],
    "plotArea": ["layout", "lineChart", "scatterChart", "valAx", "catAx", "dateAx", "serAx", "dTable",
                 "spPr", "extLst"],
    "lineChart": ["grouping", "varyColors", "ser", "dLbls", "dropLines", "hiLowLines", "upDownBars",
                  "marker", "smooth", "axId", "extLst"],
    "scatterChart": ["scatterStyle", "varyColors", "ser", "dLbls", "axId", "extLst"],
    "ser": ["idx", "order", "tx", "spPr", "marker", "dPt", "dLbls", "trendline", "errBars", "cat", "val",
            "xVal", "yVal", "smooth", "extLst"],
    "valAx": ["axId", "scaling", "delete", "axPos", "majorGridlines", "minorGridlines", "title", "numFmt",
              "majorTickMark", "minorTickMark", "tickLblPos", "spPr", "txPr", "crossAx", "crosses",
              "crossesAt", "crossBetween", "majorUnit", "minorUnit", "dispUnits", "extLst"],
    "dateAx": ["axId", "scaling", "delete", "axPos", "majorGridlines", "minorGridlines", "title", "numFmt",
               "majorTickMark", "minorTickMark", "tickLblPos", "spPr", "txPr", "crossAx", "crosses",
               "crossesAt", "auto", "lblOffset", "baseTimeUnit", "majorUnit", "majorTimeUnit", "minorUnit",
               "minorTimeUnit", "extLst"],
    "title": ["tx", "layout", "overlay", "spPr", "txPr", "extLst"],
    "legend": ["legendPos", "legendEntry", "layout", "overlay", "spPr", "txPr", "extLst"],
    "marker": ["symbol", "size", "spPr", "extLst"],
}
# plotArea: its layout, then the chart groups, then the axes (a choice group of each), then the rest
PLOT_AREA = {"layout": 0, "lineChart": 1, "scatterChart": 1, "valAx": 2, "catAx": 2, "dateAx": 2,
             "serAx": 2, "dTable": 3, "spPr": 4, "extLst": 5}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def schema_problems(xml: str) -> list[str]:
    """Elements out of their schema order, or unknown to it, under the types of SCHEMA."""
    problems = []
    for parent in ET.fromstring(xml.encode()).iter():
        name = _local(parent.tag)
        if not parent.tag.startswith(C) or name not in SCHEMA or (name == "marker" and len(parent) == 0):
            continue  # (a childless <c:marker val="1"/> is the line chart's flag, not a marker)
        order = PLOT_AREA if name == "plotArea" else {tag: i for i, tag in enumerate(SCHEMA[name])}
        tags = [_local(child.tag) for child in parent]
        unknown = [t for t in tags if t not in order]
        problems += [f"{name}: <{t}> is not in its sequence" for t in unknown]
        ranks = [order[t] for t in tags if t in order]
        if ranks != sorted(ranks):
            problems.append(f"{name}: children {tags} out of order")
    return problems


def test_schema_check_catches_a_swapped_element():
    good = chart_xml(Chart("line", "t", [Series("s", "'S'!$B$1:$B$3", "'S'!$A$1:$A$3")]))
    assert schema_problems(good) == []
    swapped = good.replace('<c:idx val="0"/><c:order val="0"/>', '<c:order val="0"/><c:idx val="0"/>')
    assert schema_problems(swapped) == ["ser: children ['order', 'idx', 'tx', 'spPr', 'marker', 'cat', 'val', "
                                        "'smooth'] out of order"]


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    path = tmp_path_factory.mktemp("charts") / "book.xlsx"
    Workbook().save(path)
    return write_backtest_sheet(path, small_result(), label="SYNTHETIC sample data, not market data")


def chart_parts(path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n).decode() for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)}


def test_every_chart_part_follows_the_schema_order(book):
    parts = chart_parts(book)
    assert len(parts) == 5
    for name, xml in parts.items():
        assert schema_problems(xml) == [], name
    with zipfile.ZipFile(book) as z:
        ct = z.read("[Content_Types].xml").decode()
    for name in parts:
        assert f'<Override PartName="/{name}" ContentType="application/vnd.openxmlformats-officedocument.' \
               'drawingml.chart+xml"/>' in ct


def _cells(ws, ref: str) -> list:
    m = re.fullmatch(r"'((?:[^']|'')+)'!\$([A-Z]+)\$(\d+):\$([A-Z]+)\$(\d+)", ref)
    assert m and m.group(1).replace("''", "'") == SHEET, ref
    col, a, b = m.group(2), int(m.group(3)), int(m.group(5))
    return [ws[f"{col}{r}"].value for r in range(a, b + 1)]


def _title(chart) -> str:
    return "\n".join("".join(r.t for r in p.r) for p in chart.title.tx.rich.p)


def _series(chart) -> dict[str, object]:
    return {s.tx.v: s for s in chart.series}


def test_the_cumulative_chart_draws_each_strategys_compounded_return(book):
    res = small_result()
    ws = load_workbook(book)[SHEET]
    cumulative = ws._charts[0]
    assert _title(cumulative).startswith("Long MBS / short Treasury futures, duration neutral (cost 1 bp")
    assert _title(cumulative).endswith("\nSYNTHETIC sample data, not market data")
    series = _series(cumulative)
    assert list(series) == [f"basis {c}" for c in res.contracts] + ["adaptive", "trend", "walk-forward"]
    dates = _cells(ws, series["adaptive"].cat.numRef.f)
    # the dates axis reads Excel serials: day 0 is 1899-12-30 (Excel's 1900 date system)
    assert [pd.Timestamp("1899-12-30") + pd.Timedelta(days=d) for d in dates] == list(res.returns_net.index)
    for name in ("adaptive", "walk-forward", "basis TY"):
        r = res.returns_net[name]
        start = r.first_valid_index()
        # compounding written out: product of (1 + r) from the first day, less 1, in percent
        growth = np.cumprod(1.0 + r.loc[start:].to_numpy())
        expected = [None] * int((r.index < start).sum()) + list((growth - 1.0) * 100.0)
        got = _cells(ws, series[name].val.numRef.f)
        assert len(got) == len(expected)
        assert got[: expected.count(None)] == [None] * expected.count(None)  # blank before the start
        np.testing.assert_allclose(np.array(got[expected.count(None):], dtype=float),
                                   np.array(expected[expected.count(None):], dtype=float), rtol=0, atol=1e-6)


def test_frontier_convexity_and_residual_charts_draw_the_results_figures(book):
    res = small_result()
    ws = load_workbook(book)[SHEET]
    _, frontier, gap, convexity, residual = ws._charts
    fr = res.frontier
    for chart, xcol in ((frontier, "avg_abs_resid_dur"), (gap, "avg_duration_gap")):
        s = _series(chart)
        for name, col in (("tilt family, before costs", "sharpe"), ("tilt family, after costs", "sharpe_net")):
            np.testing.assert_allclose(_cells(ws, s[name].xVal.numRef.f), fr[xcol], atol=5e-7)
            np.testing.assert_allclose(_cells(ws, s[name].yVal.numRef.f), fr[col], atol=5e-7)
        adaptive = s["adaptive, after costs"]
        assert _cells(ws, adaptive.yVal.numRef.f) == [pytest.approx(res.summary.loc["adaptive", "sharpe_net"], abs=5e-7)]
    cv = res.convexity.dropna()
    s = _series(convexity)
    for contract, row in cv.iterrows():
        assert _cells(ws, s[contract].xVal.numRef.f) == [pytest.approx(row["avg_ctd_convexity"], abs=5e-7)]
        assert _cells(ws, s[contract].yVal.numRef.f) == [pytest.approx(row["avg_abs_resid_dur"], abs=5e-7)]
    # the fitted line: ordinary least squares written out (cov / var), at its two ends
    x, y = cv["avg_ctd_convexity"].to_numpy(), cv["avg_abs_resid_dur"].to_numpy()
    slope = ((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum()
    line = next(v for k, v in s.items() if k.startswith("least squares"))
    xs, ys = _cells(ws, line.xVal.numRef.f), _cells(ws, line.yVal.numRef.f)
    np.testing.assert_allclose(ys, y.mean() + slope * (np.array(xs) - x.mean()), atol=2e-6)
    assert f"slope {slope:.4f} years per unit of convexity" in _title(convexity)
    # residual: the 60-day average of |residual duration| (a plain loop over the window)
    s = _series(residual)
    rd = res.residual_duration["basis FV"].abs().to_numpy()
    got = _cells(ws, s["basis FV"].val.numRef.f)
    first = int(np.flatnonzero(~np.isnan(rd))[0]) + 19  # the 20th day with a residual
    # too few days yet: a blank, which the chart leaves as a gap
    assert got[:first] == [None] * first
    for i in (first, first + 1, first + 59, first + 60, len(rd) - 1):
        window = rd[max(0, i - 59): i + 1]
        window = window[~np.isnan(window)]
        assert got[i] == pytest.approx(window.mean(), abs=5e-7)


def test_a_second_write_reuses_the_chart_parts_and_drops_what_excel_hung_on_them(tmp_path, book):
    path = tmp_path / "again.xlsx"
    path.write_bytes(book.read_bytes())
    # as Excel leaves a chart it has saved: a style part related from the chart
    pkg = Package.open(path)
    chart = sorted(chart_parts(path))[0]
    pkg.write("xl/charts/style1.xml", "<cs:chartStyle xmlns:cs='http://schemas.microsoft.com/office/drawing/2012/chartStyle'/>")
    pkg.add_override("xl/charts/style1.xml", "application/vnd.ms-office.chartstyle+xml")
    pkg.add_rel(chart, "http://schemas.microsoft.com/office/2011/relationships/chartStyle", "xl/charts/style1.xml")
    pkg.save(path)
    names_before = set(chart_parts(path))
    write_backtest_sheet(path, small_result())
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        ct = z.read("[Content_Types].xml").decode()
    assert set(chart_parts(path)) == names_before
    assert "xl/charts/style1.xml" not in names and "style1.xml" not in ct
    assert not any(n.startswith("xl/charts/_rels/") for n in names)


def test_range_ref_quotes_sheet_names_as_excel_does():
    assert range_ref("Backtest", 0, 1, 5) == "'Backtest'!$A$1:$A$5"
    assert range_ref("Bob's basis", 27, 7) == "'Bob''s basis'!$AB$7:$AB$7"
    with pytest.raises(ValueError, match="marker 'hexagon'"):
        Series("s", "'S'!$A$1:$A$2", marker="hexagon")


# ---------------------------------------------------------------------------------------------
# in Excel (the ribbon's refresh): the same cells and charts through xlwings and Excel's COM
# chart objects, here stand-ins that record what they are given


class _Series:
    def Delete(self):  # noqa: N802 (Excel's COM names)
        self.deleted = True


class _SeriesCollection:
    def __init__(self, guessed: int):
        self.items = [_Series() for _ in range(guessed)]

    @property
    def Count(self):  # noqa: N802
        return len([s for s in self.items if not getattr(s, "deleted", False)])

    def __call__(self, i):
        return [s for s in self.items if not getattr(s, "deleted", False)][i - 1]

    def NewSeries(self):  # noqa: N802
        self.items.append(_Series())
        return self.items[-1]


class _XlChart:
    def __init__(self):
        self.collection = _SeriesCollection(guessed=2)  # Excel guesses series from the selection
        self.ChartTitle = type("Title", (), {"Text": ""})()
        self.HasTitle = False

    def SeriesCollection(self):  # noqa: N802
        return self.collection


class _Chart:
    def __init__(self, left, top, width, height):
        self.box = (left, top, width, height)
        self.xl = _XlChart()
        self.chart_type, self.name = None, None

    @property
    def api(self):
        return None, self.xl  # (ChartObject, Chart), as xlwings gives them on Windows

    def delete(self):
        self.deleted = True


class _Charts(list):
    def add(self, left, top, width, height):
        self.append(_Chart(left, top, width, height))
        return self[-1]


class _Range:
    def __init__(self, sheet, address):
        self.sheet, self.address = sheet, address
        self.left = 48.0 * (address[1] - 1) if isinstance(address, tuple) else 0.0
        self.top = 15.0 * (address[0] - 1) if isinstance(address, tuple) else 0.0  # 15 pt rows

    @property
    def value(self):
        return self.sheet.cells.get(self.address)

    @value.setter
    def value(self, v):
        self.sheet.cells[self.address] = v


class _Sheet:
    def __init__(self, name):
        self.name, self.cells, self.charts, self.pictures = name, {}, _Charts(), []

    def __getitem__(self, address):
        return _Range(self, address)

    def range(self, address):
        return _Range(self, address)

    def clear(self):
        self.cells.clear()


class _Sheets(list):
    def __getitem__(self, key):
        return next(s for s in self if s.name == key) if isinstance(key, str) else list.__getitem__(self, key)

    def add(self, name, after=None):
        self.append(_Sheet(name))
        return self[-1]


def test_in_excel_the_refresh_adds_the_same_cells_and_charts_through_excels_chart_objects():
    from xlfidx.excel.backtest_sheet import sheet_content
    from xlfidx.excel.refresh import ExcelTarget

    book = type("Book", (), {})()
    book.sheets = _Sheets([_Sheet("MBS"), _Sheet(SHEET)])
    old = book.sheets[SHEET].charts.add(0, 0, 10, 10)  # last refresh's chart
    ExcelTarget(book).write_backtest(small_result(), "SYNTHETIC sample data, not market data")
    sheet = book.sheets[SHEET]
    rows, specs = sheet_content(small_result(), "SYNTHETIC sample data, not market data")
    written = sheet.cells["A1"]
    assert len(written) == len(rows) and written[0][0] == rows[0][0]
    assert written[-1][:2] == rows[-1][:2]  # the last day of the chart data
    assert getattr(old, "deleted", False) and sheet.charts[0] is old  # removed from Excel
    charts = sheet.charts[1:]
    assert [c.chart_type for c in charts] == ["line", "xy_scatter_lines", "xy_scatter_lines",
                                              "xy_scatter_lines", "line"]
    # stacked right of the widest table, each chart's height (pixels as points) and 15 pt apart
    from xlfidx.excel.backtest_sheet import CHART_SIZES

    width = max(len(r) for r in rows)
    tops = [0.0]
    for key, _ in specs[:-1]:
        tops.append(tops[-1] + 0.75 * CHART_SIZES[key][1] + 15.0)
    assert [c.box[:2] for c in charts] == [(48.0 * (width + 1), t) for t in tops]
    for chart, (_, spec) in zip(charts, specs, strict=True):
        live = [s for s in chart.xl.collection.items if not getattr(s, "deleted", False)]
        assert [(s.Name, s.Values, getattr(s, "XValues", None)) for s in live] == \
            [(s.name, f"={s.y}", f"={s.x}" if s.x else None) for s in spec.series]
        assert chart.xl.HasTitle and chart.xl.ChartTitle.Text == spec.title and chart.name == spec.name
