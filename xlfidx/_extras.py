"""The optional parts of xlfidx and the extra that installs each (``pip install "xlfidx[excel]"``).

``pip install xlfidx`` brings what the worksheet functions, the backtest and the computing
commands need: numpy, pandas, openpyxl, python-dateutil (pure Python but for numpy and pandas,
so that xlwings Lite installs it in Excel on Windows, Mac and the web). A command that needs
more says in one line which extra to install (:func:`missing_extra`); the CLI exits with 2.

>>> missing_extra(ModuleNotFoundError("No module named 'formulas'", name="formulas"))
'needs the package formulas (headless recalculation of workbooks), which is not installed: pip install "xlfidx[excel]"'
>>> missing_extra(ModuleNotFoundError("No module named 'numpy'", name="numpy")) is None
True
"""

from __future__ import annotations

__all__ = ["EXTRAS", "missing_extra", "install_line"]

# importable name -> (distribution, extra, what it is for)
EXTRAS: dict[str, tuple[str, str, str]] = {
    "formulas": ("formulas", "excel", "headless recalculation of workbooks"),
    "xlwings": ("xlwings", "excel", "classic Excel: the add-in, the workbooks' template, Run main"),
    "python_calamine": ("python-calamine", "excel", "the fast workbook reader"),
    "matplotlib": ("matplotlib", "plots", "PNG charts"),
}


def install_line(extra: str) -> str:
    return f'pip install "xlfidx[{extra}]"'


def missing_extra(exc: BaseException) -> str | None:
    """The one line for an import of an optional package that failed, or None when the missing
    module is not one of the extras' (then it is a broken installation, not a choice)."""
    if not isinstance(exc, ImportError):
        return None
    name = (getattr(exc, "name", None) or "").split(".")[0]
    if name not in EXTRAS:
        return None
    dist, extra, what = EXTRAS[name]
    return f"needs the package {dist} ({what}), which is not installed: {install_line(extra)}"
