"""The machinery every worksheet function uses: decorators, argument shapes, error texts.

A worksheet function (see :mod:`xlfidx.excel.udfs`) is a few lines: it names its arguments and
how to convert each, calls a core function, and returns the result shaped like its input. This
module does the rest, the same way in Excel (classic xlwings on Windows, xlwings Lite, xlwings
Server) and in the tests:

* **Decorators** ``func``, ``arg``, ``ret`` with the signatures of xlwings' own. When xlwings is
  already imported (it always is when Excel or xlwings Lite loads the UDF module) or the code runs
  under Pyodide or xlwings Server, they delegate to ``xlwings.func/arg/ret``, so Excel registers
  the functions with their argument descriptions. Otherwise (Linux, the tests, the CLI) they are
  stand-ins that only record the same metadata: importing xlwings costs about a second (it loads
  pandas and matplotlib), which would break the cold-import budget of the UDF module. On Linux
  xlwings' own decorators do nothing either, so both paths run the identical function body.
* ``func`` also wraps the body in a guard: a cell never shows a traceback. An
  :class:`~xlfidx.errors.XlfidxError` becomes a one-line text starting with its Excel error
  (``#VALUE!``, or ``#N/A`` for missing market data) that names the argument and the value; any
  other exception becomes ``#VALUE!`` with its message.
* :func:`evaluate` computes a column in one vectorised call of the core and, when one row is
  bad, falls back to row by row so that only the bad rows carry an error text.

Ranges arrive as nested lists (``ndim=2``: a column is ``[[a], [b]]``, a row ``[[a, b]]``),
blanks as ``None``, dates as ``datetime`` or serial numbers, Bloomberg's missing data as
``"#N/A N/A"``. Results go back as a scalar for scalar inputs, else as nested lists in the
orientation of the input.
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from xlfidx.errors import InputError, XlfidxError

__all__ = [
    "func",
    "arg",
    "ret",
    "RANGE",
    "Layout",
    "Column",
    "as_column",
    "evaluate",
    "error_text",
    "shape_output",
    "to_cell",
    "uses_xlwings",
]

# Options xlwings applies to every range argument: always 2-D (keeps a row a row and a column
# a column), error cells as text ("#N/A") rather than COM error codes.
RANGE: dict[str, Any] = {"ndim": 2, "err_to_str": True}

NOT_FINITE = "#NUM! the result is not a finite number (check the inputs' magnitudes)"
_MAX_TEXT = 250  # Excel's limit for a formula's text result is 32,767; keep cells readable


def uses_xlwings() -> bool:
    """True when the decorators delegate to xlwings (Excel, xlwings Lite or Server loaded us)."""
    return (
        "xlwings" in sys.modules
        or sys.platform == "emscripten"
        or os.environ.get("XLWINGS_ON_SERVER") == "true"
    )


def _xlwings():
    if not uses_xlwings():
        return None
    try:
        import xlwings  # already imported by Excel/Lite; free there
    except ImportError:  # pragma: no cover - Pyodide without xlwings
        return None
    return xlwings


def _meta(f: Callable) -> dict[str, Any]:
    meta = f.__dict__.get("__xlfidx__")
    if meta is None:
        meta = f.__xlfidx__ = {"args": {}, "arg_options": {}, "ret": {}, "func": {}}
    return meta


def error_text(exc: BaseException) -> str:
    """The one-line cell text for an exception: ``#VALUE! coupon = 'abc' is text; ...``."""
    if isinstance(exc, XlfidxError):
        code = getattr(exc, "excel_error", "#VALUE!")
        body = str(exc)
    else:
        code = "#VALUE!"
        body = f"{type(exc).__name__}: {exc}"
    text = " ".join(f"{code} {body}".split())
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 3] + "..."


def func(f: Callable | None = None, **kwargs: Any) -> Any:
    """Mark a worksheet function (as ``xlwings.func``) and guard it: errors become cell text."""

    def inner(f: Callable) -> Callable:
        @functools.wraps(f)
        def guarded(*args: Any) -> Any:
            import numpy as np  # loaded by the core on the first call anyway

            try:
                # an absurd magnitude (1e308) overflows on purpose: the cell shows #NUM! naming
                # the input (to_cell), so numpy's own warning would only repeat it, unseen
                with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                    return f(*args)
            except Exception as exc:
                return error_text(exc)

        _meta(guarded)["func"].update(kwargs)
        xw = _xlwings()
        return xw.func(**kwargs)(guarded) if xw is not None else guarded

    return inner if f is None else inner(f)


def arg(name: str, convert: Any = None, **kwargs: Any) -> Callable[[Callable], Callable]:
    """Describe an argument (as ``xlwings.arg``); ``doc`` is shown in Excel's function wizard."""
    if convert is not None:
        kwargs["convert"] = convert

    def inner(f: Callable) -> Callable:
        meta = _meta(f)
        meta["args"][name] = kwargs.get("doc", "")
        meta["arg_options"][name] = {k: v for k, v in kwargs.items() if k != "doc"}
        xw = _xlwings()
        return xw.arg(name, **kwargs)(f) if xw is not None else f

    return inner


def ret(convert: Any = None, **kwargs: Any) -> Callable[[Callable], Callable]:
    """Configure the result conversion (as ``xlwings.ret``)."""
    if convert is not None:
        kwargs["convert"] = convert

    def inner(f: Callable) -> Callable:
        _meta(f)["ret"].update(kwargs)
        xw = _xlwings()
        return xw.ret(**kwargs)(f) if xw is not None else f

    return inner


# ---------------------------------------------------------------------------------------------
# shapes


@dataclass(frozen=True)
class Layout:
    """How an argument arrived: ``kind`` is "scalar", "column", "row" or "table"."""

    kind: str
    rows: int = 1
    cols: int = 1

    @property
    def n(self) -> int:
        return self.rows * self.cols


SCALAR = Layout("scalar")


@dataclass
class Column:
    """A flattened argument: ``values`` (a list) and the ``layout`` it came in."""

    values: list[Any]
    layout: Layout

    def __len__(self) -> int:
        return len(self.values)


_CELL_TYPES = (float, int, str, bool, type(None), _dt.datetime, _dt.date)
_CELL_TYPE_SET = frozenset(_CELL_TYPES)


def _is_sequence(value: Any) -> bool:
    if type(value) in _CELL_TYPES:  # the common case, decided without attribute lookups
        return False
    return isinstance(value, list | tuple) or (
        hasattr(value, "ndim") and hasattr(value, "tolist") and getattr(value, "ndim", 0) > 0
    )


def as_column(value: Any, name: str) -> Column:
    """Flatten a scalar, a 1-D list or a 2-D nested list into a :class:`Column`.

    A 1-D list (xlwings' default for a one-column range) counts as a column. A ragged 2-D list
    is an error naming the argument. A single cell ``[[x]]`` is a scalar.

    >>> as_column([[1.0], [2.0]], "price").layout
    Layout(kind='column', rows=2, cols=1)
    """
    if hasattr(value, "tolist") and getattr(value, "ndim", 0) > 0:
        value = value.tolist()
    if not _is_sequence(value):
        return Column([value], SCALAR)
    items = list(value)
    if not items:
        raise InputError(name, value, "is an empty range; give a value or a range of values")
    if all(type(x) is list for x in items):  # xlwings' ndim=2 range: decided in one pass
        return _from_rows(items, name, value)
    nested = [_is_sequence(x) for x in items]
    if not any(nested):
        return Column(items, SCALAR if len(items) == 1 else Layout("column", len(items), 1))
    if not all(nested):
        raise InputError(name, _short(value), "is a ragged range; give a column, a row or a scalar")
    rows = [r if type(r) is list else list(r.tolist() if hasattr(r, "tolist") else r) for r in items]
    return _from_rows(rows, name, value)


def _from_rows(rows: list[list[Any]], name: str, value: Any) -> Column:
    width = len(rows[0])
    flat = [x for r in rows for x in r]
    if (width == 0 or len(flat) != width * len(rows) or any(len(r) != width for r in rows)
            or not set(map(type, flat)) <= _CELL_TYPE_SET and any(_is_sequence(x) for x in flat)):
        raise InputError(name, _short(value), "is a ragged range; give a column, a row or a scalar")
    if len(flat) == 1:
        return Column(flat, SCALAR)
    if width == 1:
        return Column(flat, Layout("column", len(rows), 1))
    if len(rows) == 1:
        return Column(flat, Layout("row", 1, width))
    return Column(flat, Layout("table", len(rows), width))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def as_vector(value: Any, name: str) -> list[Any]:
    """A range of any orientation as a flat list, blanks at the end of the range dropped."""
    values = as_column(value, name).values
    while values and (values[-1] is None or (isinstance(values[-1], str) and not values[-1].strip())):
        values.pop()
    if not values:
        raise InputError(name, value, "is empty; give a range of values")
    return values


def common_layout(columns: Sequence[Column], names: Sequence[str]) -> Layout:
    """The layout of the result: that of the first non-scalar argument; lengths must agree."""
    layout = SCALAR
    first = None
    for col, name in zip(columns, names, strict=True):
        if col.layout.kind == "scalar":
            continue
        if layout.kind == "scalar":
            layout, first = col.layout, name
        elif len(col) != layout.n:
            raise InputError(
                name, f"{len(col)} values",
                f"does not match {first} ({layout.n} values); give ranges of one length or a scalar",
            )
    return layout


def to_cell(value: Any) -> Any:
    """One result value as Excel takes it: a float, a bool, a text.

    A NaN or infinite number (an overflow of absurd inputs) becomes ``#NUM!`` text, a NaT ``#N/A``.
    """
    if type(value) is float:  # the common case, first
        return value if math.isfinite(value) else NOT_FINITE
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        try:
            value = value.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        f = float(value)
        return f if math.isfinite(f) else NOT_FINITE
    if isinstance(value, _dt.datetime | _dt.date):
        from xlfidx.dates import date_to_excel_serial

        return float(date_to_excel_serial(value.date() if isinstance(value, _dt.datetime) else value))
    if type(value).__name__ in ("NaTType",):
        return "#N/A"
    return str(value)


def shape_output(values: Sequence[Any], layout: Layout) -> Any:
    """Values of a row-by-row result, put back into the input's layout."""
    cells = [to_cell(v) for v in values]
    if layout.kind == "scalar":
        return cells[0]
    return [cells[r * layout.cols:(r + 1) * layout.cols] for r in range(layout.rows)]


def table_output(rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """A spilled table (header row first) with every cell converted for Excel."""
    return [[to_cell(v) for v in row] for row in rows]


# ---------------------------------------------------------------------------------------------
# evaluation: vectorised first, row by row when a row is bad


Converter = Callable[[Any, str], Any]


def evaluate(
    core: Callable[..., Any],
    args: Sequence[tuple[str, Any, Converter | None]],
) -> Any:
    """Call ``core`` on whole columns, return the result in the input's layout.

    ``args`` is a sequence of ``(name, excel_value, converter)``; ``converter(values, name)``
    turns a list (or a single value) into what ``core`` takes, raising
    :class:`~xlfidx.errors.InputError` naming ``name``; ``None`` passes the value through as
    a scalar (for a text option such as a contract ticker). ``core`` receives numpy arrays of
    the good rows (or scalars) and returns an array (or a scalar) of one value per row.

    A conversion error marks only its row; an error of the core with an element index makes
    the rows run one by one, so only bad rows show an error text. An error about a scalar
    argument (no index) is the whole result.
    """
    import numpy as np  # deferred: the UDF module must import cold and fast

    names = [a[0] for a in args]
    columns = [as_column(v, n) if conv is not None else Column([v], SCALAR) for n, v, conv in args]
    layout = common_layout(columns, names)
    n = layout.n
    errors: list[str | None] = [None] * n
    converted: list[Any] = []
    for (name, _value, conv), col in zip(args, columns, strict=True):
        if conv is None:
            converted.append(col.values[0])
            continue
        if col.layout.kind == "scalar":
            converted.append(conv(col.values[0], name))  # a bad scalar is the whole result
            continue
        try:
            converted.append(np.asarray(conv(col.values, name)))
        except XlfidxError:
            good_values = []
            fill = None
            for i, v in enumerate(col.values):
                try:
                    c = conv(v, name)
                    fill = c if fill is None else fill
                    good_values.append(c)
                except XlfidxError as exc:
                    _relabel(exc, name, i)
                    errors[i] = errors[i] or error_text(exc)
                    good_values.append(None)
            if fill is None:  # every row bad
                return shape_output(errors, layout)
            converted.append(np.asarray([fill if g is None else g for g in good_values]))
    good = [i for i in range(n) if errors[i] is None]
    results: list[Any] = list(errors)
    if not good:
        return shape_output(results, layout)
    idx = np.asarray(good)

    def pick(c: Any, rows: Any) -> Any:
        if isinstance(c, np.ndarray) and c.ndim == 1 and c.shape[0] == n and n > 1:
            return c[rows]
        return c

    try:
        out = core(*[pick(c, idx) for c in converted])
        try:  # numbers as Python floats (fast to shape); text results stay objects
            out_arr = np.asarray(out, dtype=np.float64).reshape(-1).tolist()
        except (TypeError, ValueError):
            out_arr = np.asarray(out, dtype=object).reshape(-1).tolist()
        if len(out_arr) == 1 and len(good) > 1:
            out_arr = out_arr * len(good)
        for j, i in enumerate(good):
            v = out_arr[j]
            results[i] = v if type(v) is not float or math.isfinite(v) else \
                _not_finite_text(names, converted, i, n)
    except XlfidxError as exc:
        if len(good) == 1 or getattr(exc, "index", None) is None and not _any_array(converted, n):
            if layout.kind == "scalar":
                raise
            for i in good:
                results[i] = error_text(exc)
        else:
            for i in good:
                try:
                    r = core(*[_item(c, i, n) for c in converted])
                    results[i] = np.asarray(r, dtype=object).reshape(-1)[0]
                except Exception as row_exc:
                    results[i] = error_text(row_exc)
    return shape_output(results, layout)


def _not_finite_text(names: Sequence[str], converted: Sequence[Any], i: int, n: int) -> str:
    """``#NUM!`` for a row whose result overflowed (as Excel's own arithmetic shows it), naming
    the input of the most extreme magnitude: 1e308 or 1e-308 is almost always a typo."""
    best: tuple[float, str, float] | None = None
    for name, c in zip(names, converted, strict=True):
        v = _item(c, i, n)
        if getattr(v, "ndim", 0) != 0 or getattr(getattr(v, "dtype", None), "kind", "f") not in "fiu":
            continue
        try:
            x = float(v)
        except (TypeError, ValueError):
            continue
        if x != 0.0 and math.isfinite(x):
            score = abs(math.log10(abs(x)))
            if best is None or score > best[0]:
                best = (score, name, x)
    if best is None:
        return NOT_FINITE
    _, name, x = best
    size = "large" if abs(x) >= 1.0 else "small"
    return f"#NUM! {name} = {x!r} is too {size} in magnitude; the result is not a finite number"


def _any_array(converted: Sequence[Any], n: int) -> bool:
    return n > 1 and any(getattr(c, "ndim", 0) == 1 for c in converted)


def _item(c: Any, i: int, n: int) -> Any:
    if getattr(c, "ndim", 0) == 1 and c.shape[0] == n:
        return c[i]
    return c


def _relabel(exc: XlfidxError, name: str, index: int) -> None:
    """Name the row of a range in a per-element error (``price[3]`` is the 4th cell)."""
    if isinstance(exc, InputError) and exc.index is None:
        exc.index = index
        exc.args = (f"{name}[{index}] = {str(exc).split(' = ', 1)[-1]}",)
