"""xlfidx in xlwings Lite (Excel on Windows, Mac and the web, Python in the add-in): the module
to import in Lite's ``main.py``::

    from xlfidx.excel.lite import *

It exposes every worksheet function of :mod:`xlfidx.excel.udfs` (``=DLV(...)``,
``=FEDPATH(...)``, ...) and the script :func:`refresh_backtest` (Lite's **Run** button, or a
sheet button) that reruns the MBS hedge backtest of the book.

One definition per function: the functions *are* those of :mod:`xlfidx.excel.udfs`, the same
objects classic xlwings imports into the add-in. Their decorators (:mod:`xlfidx.excel._udf`)
record each argument's description and options; here those records are handed to Lite's own
``func``/``arg``/``ret`` (``xlwings.server``), unless xlwings' decorators already ran when the
functions were defined. The functions are found by their records, so a worksheet function
added to :mod:`xlfidx.excel.udfs` appears in Lite without an edit here.

In Lite a range arrives as a 2-D list (``ndim=2``), a date as its Excel serial number, an error
cell as its text (``"#N/A"``); a bad argument gives the same one-line text as in classic Excel.
"""

from __future__ import annotations

import xlwings as xw  # Lite's own; its name resolves the script's ``xw.Book`` annotation
from xlwings.server import arg as _lite_arg
from xlwings.server import func as _lite_func
from xlwings.server import ret as _lite_ret
from xlwings.server import script as _lite_script

from xlfidx.excel import udfs as _udfs

__all__: list[str] = []


def _register(f):
    """Register one worksheet function with Lite from what its decorators recorded."""
    if "__xlfunc__" in f.__dict__:
        return f  # defined while xlwings' decorators were live (Lite imported udfs first)
    meta = f.__xlfidx__
    _lite_func(**meta["func"])(f)
    for name, doc in meta["args"].items():
        _lite_arg(name, doc=doc, **meta["arg_options"][name])(f)
    if meta["ret"]:
        _lite_ret(**meta["ret"])(f)
    return f


def worksheet_functions() -> dict[str, object]:
    """Every worksheet function of :mod:`xlfidx.excel.udfs`, by its Excel name."""
    return {name: obj for name, obj in vars(_udfs).items()
            if callable(obj) and "__xlfidx__" in getattr(obj, "__dict__", {})
            and hasattr(obj, "__wrapped__") and getattr(obj, "__name__", "") == name}


for _name, _f in worksheet_functions().items():
    globals()[_name] = _register(_f)
    __all__.append(_name)


@_lite_script
def refresh_backtest(book: xw.Book):
    """Refresh backtest: rerun the MBS trend backtest on this book's MBS, Futures and Settings
    sheets and rewrite its Backtest sheet (tables, chart data, charts); progress and the final
    line in Backtest!A4, a failure in an alert."""
    from xlfidx.excel.refresh import LiteTarget, run_in

    run_in(LiteTarget(book))


__all__.append("refresh_backtest")
del _name, _f
