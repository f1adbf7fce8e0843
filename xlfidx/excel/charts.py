"""Native Excel charts (DrawingML ``chartSpace`` parts) drawn by Excel from cells of the book.

A chart here is a description -- its kind (a line chart over dates or an x-y scatter), its
title, axis titles and series, each series a range of cells -- and :func:`chart_xml` writes
it as the part Excel stores under ``xl/charts/``. Excel (and LibreOffice) draw the chart from
the cells when the book is opened, so the chart is live: it zooms, shows each point's value
on hover, and can be restyled, copied into a deck or pointed at other cells by the user.

The XML follows the element order of the ECMA-376 chart schema (Excel refuses a chart whose
elements are out of order); ``tests/test_excel_charts.py`` checks it against the charts
XlsxWriter writes. No cached values are stored: Excel and LibreOffice read the cells.

>>> s = Series("basis TY", "'Backtest'!$C$10:$C$20", x="'Backtest'!$A$10:$A$20")
>>> xml = chart_xml(Chart("line", "Cumulative return", [s], y_title="%", date_format="yyyy"))
>>> "<c:dateAx>" in xml and "<c:f>'Backtest'!$C$10:$C$20</c:f>" in xml
True
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Chart", "Series", "chart_xml", "range_ref"]

EMU_PER_POINT = 12700
# Excel's default (Office) series colours, given explicitly so that Excel and LibreOffice
# colour each series alike
PALETTE = ("4472C4", "ED7D31", "A5A5A5", "FFC000", "5B9BD5", "70AD47", "264478", "9E480E",
           "636363", "997300", "255E91", "43682B")
MARKERS = ("none", "circle", "square", "diamond", "triangle", "star", "x", "plus", "dash", "dot")


def range_ref(sheet: str, col: int, first_row: int, last_row: int | None = None) -> str:
    """An absolute reference to rows ``first_row``..``last_row`` (1-based) of column ``col``
    (0-based) of ``sheet``, quoted as Excel quotes sheet names.

    >>> range_ref("Backtest", 2, 10, 20), range_ref("Bob's basis", 0, 3)
    ("'Backtest'!$C$10:$C$20", "'Bob''s basis'!$A$3:$A$3")
    """
    from xlfidx.bloomberg.problems import column_letter

    letter = column_letter(col)
    last = first_row if last_row is None else last_row
    return f"'{sheet.replace(chr(39), chr(39) * 2)}'!${letter}${first_row}:${letter}${last}"


@dataclass(frozen=True)
class Series:
    """One series: its legend ``name``, its values ``y`` and (``x``) its dates or x values,
    each an absolute range reference (:func:`range_ref`)."""

    name: str
    y: str
    x: str | None = None
    width_pt: float = 1.0  # line width in points
    dash: bool = False
    line: bool = True  # False: markers only
    marker: str = "none"  # one of MARKERS
    marker_size: int = 6
    color: str | None = None  # "RRGGBB"; None: the next colour of Excel's palette (PALETTE)

    def __post_init__(self) -> None:
        if self.marker not in MARKERS:
            raise ValueError(f"marker {self.marker!r} is not one of {MARKERS}")


@dataclass(frozen=True)
class Chart:
    """A line chart over dates (``kind="line"``, ``x`` of each series the dates as Excel serial
    numbers, shown with ``date_format``) or an x-y scatter (``kind="scatter"``)."""

    kind: str
    title: str
    series: Sequence[Series]
    x_title: str = ""
    y_title: str = ""
    date_format: str = "yyyy"
    date_unit: tuple[int, str] | None = None  # (n, "days"/"months"/"years") between date labels
    legend: str = "b"  # t, b, l, r
    title_size: float = 11.0  # points
    name: str = "Chart"

    def __post_init__(self) -> None:
        if self.kind not in ("line", "scatter"):
            raise ValueError(f"kind {self.kind!r} is not 'line' or 'scatter'")


def _text(text: str, size: float | None = None, bold: bool = False, rotate: bool = False) -> str:
    """A ``<c:tx><c:rich>`` block, one paragraph per line of ``text``."""
    attrs = (f' sz="{round(size * 100)}"' if size else "") + (' b="1"' if bold else ' b="0"')
    body = '<a:bodyPr rot="-5400000" vert="horz"/>' if rotate else "<a:bodyPr/>"
    paragraphs = "".join(
        f'<a:p><a:pPr><a:defRPr{attrs}/></a:pPr><a:r><a:rPr lang="en-US"{attrs}/>'
        f"<a:t>{html.escape(line, quote=False)}</a:t></a:r></a:p>" for line in text.split("\n"))
    return f"<c:tx><c:rich>{body}<a:lstStyle/>{paragraphs}</c:rich></c:tx>"


def _title(text: str, size: float, bold: bool = True, rotate: bool = False) -> str:
    if not text:
        return ""
    return f'<c:title>{_text(text, size, bold, rotate)}<c:overlay val="0"/></c:title>'


def _series(i: int, s: Series, kind: str) -> str:
    color = s.color or PALETTE[i % len(PALETTE)]
    fill = f'<a:solidFill><a:srgbClr val="{color}"/></a:solidFill>'
    if s.line:
        dash = '<a:prstDash val="dash"/>' if s.dash else ""
        ln = f'<a:ln w="{round(s.width_pt * EMU_PER_POINT)}" cap="rnd">{fill}{dash}<a:round/></a:ln>'
    else:
        ln = '<a:ln w="28575"><a:noFill/></a:ln>'
    marker = f'<c:symbol val="{s.marker}"/>'
    if s.marker != "none":
        marker += f'<c:size val="{s.marker_size}"/>'
        marker += f"<c:spPr>{fill}<a:ln>{fill}</a:ln></c:spPr>"
    x_tag, y_tag = ("c:cat", "c:val") if kind == "line" else ("c:xVal", "c:yVal")
    x = f"<{x_tag}><c:numRef><c:f>{html.escape(s.x, quote=False)}</c:f></c:numRef></{x_tag}>" if s.x else ""
    y = f"<{y_tag}><c:numRef><c:f>{html.escape(s.y, quote=False)}</c:f></c:numRef></{y_tag}>"
    return (f'<c:ser><c:idx val="{i}"/><c:order val="{i}"/>'
            f"<c:tx><c:v>{html.escape(s.name, quote=False)}</c:v></c:tx>"
            f"<c:spPr>{ln}</c:spPr><c:marker>{marker}</c:marker>{x}{y}"
            '<c:smooth val="0"/></c:ser>')


_GRID = ('<c:majorGridlines><c:spPr><a:ln w="6350"><a:solidFill><a:srgbClr val="D9D9D9"/>'
         "</a:solidFill></a:ln></c:spPr></c:majorGridlines>")


def _value_axis(ax_id: int, cross: int, pos: str, title: str, *, grid: bool, cross_between: str,
                low_labels: bool = False) -> str:
    return (f'<c:valAx><c:axId val="{ax_id}"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
            f'<c:delete val="0"/><c:axPos val="{pos}"/>{_GRID if grid else ""}'
            f"{_title(title, 9.0, bold=False, rotate=pos == 'l')}"
            '<c:numFmt formatCode="General" sourceLinked="1"/><c:majorTickMark val="out"/>'
            f'<c:minorTickMark val="none"/><c:tickLblPos val="{"low" if low_labels else "nextTo"}"/>'
            f'<c:crossAx val="{cross}"/><c:crosses val="autoZero"/>'
            f'<c:crossBetween val="{cross_between}"/></c:valAx>')


def _date_axis(ax_id: int, cross: int, chart: Chart) -> str:
    unit = ""
    if chart.date_unit is not None:
        n, what = chart.date_unit
        unit = f'<c:majorUnit val="{n}"/><c:majorTimeUnit val="{what}"/>'
    return (f'<c:dateAx><c:axId val="{ax_id}"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
            f'<c:delete val="0"/><c:axPos val="b"/>{_title(chart.x_title, 9.0, bold=False)}'
            f'<c:numFmt formatCode="{html.escape(chart.date_format)}" sourceLinked="0"/>'
            '<c:majorTickMark val="out"/><c:minorTickMark val="none"/><c:tickLblPos val="low"/>'
            f'<c:crossAx val="{cross}"/><c:crosses val="autoZero"/><c:auto val="0"/>'
            f'<c:lblOffset val="100"/><c:baseTimeUnit val="days"/>{unit}</c:dateAx>')


def chart_xml(chart: Chart) -> str:
    """The ``xl/charts/chartN.xml`` part of ``chart``."""
    ax_x, ax_y = 50010001, 50010002
    series = "".join(_series(i, s, chart.kind) for i, s in enumerate(chart.series))
    if chart.kind == "line":
        plot = (f'<c:lineChart><c:grouping val="standard"/><c:varyColors val="0"/>{series}'
                f'<c:marker val="1"/><c:axId val="{ax_x}"/><c:axId val="{ax_y}"/></c:lineChart>'
                + _date_axis(ax_x, ax_y, chart)
                + _value_axis(ax_y, ax_x, "l", chart.y_title, grid=True, cross_between="between"))
    else:
        plot = (f'<c:scatterChart><c:scatterStyle val="lineMarker"/><c:varyColors val="0"/>{series}'
                f'<c:axId val="{ax_x}"/><c:axId val="{ax_y}"/></c:scatterChart>'
                + _value_axis(ax_x, ax_y, "b", chart.x_title, grid=False, cross_between="midCat",
                              low_labels=True)
                + _value_axis(ax_y, ax_x, "l", chart.y_title, grid=True, cross_between="midCat",
                              low_labels=True))
    legend = f'<c:legend><c:legendPos val="{chart.legend}"/><c:overlay val="0"/></c:legend>'
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
            'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<c:lang val="en-US"/><c:roundedCorners val="0"/><c:chart>'
            f'{_title(chart.title, chart.title_size)}<c:autoTitleDeleted val="0"/>'
            f'<c:plotArea><c:layout/>{plot}</c:plotArea>{legend}<c:plotVisOnly val="1"/>'
            '<c:dispBlanksAs val="gap"/></c:chart>'
            '<c:printSettings><c:headerFooter/><c:pageMargins b="0.75" l="0.7" r="0.7" t="0.75" '
            'header="0.3" footer="0.3"/><c:pageSetup/></c:printSettings></c:chartSpace>')
