"""The worked examples in the package's docstrings are tests too (some are CME's figures).

Every module of ``xlfidx`` is searched, so a new example runs without being listed here.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import xlfidx

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
# running the package as a program (python -m xlfidx) is not an import; the xlwings Lite module
# imports Lite's glue (xlwings.server), which needs Lite's settings: tests/test_lite.py runs it
NOT_IMPORTED = {"xlfidx.__main__", "xlfidx.excel.lite"}
# the core's modules each carry a worked example of their public functions
MUST_HAVE_EXAMPLES = {f"xlfidx.{name}" for name in
                      ("errors", "_inputs", "dates", "tickers", "quotes", "bonds", "futures", "basis",
                       "fedfunds", "sofr", "hedging", "trend", "backtest", "delivery")}


def _import(name: str):
    """The module, or None when it needs xlwings and xlwings is not installed."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:  # only the optional Excel bridge may be missing
        if exc.name != "xlwings":
            raise
        return None


def _examples(module) -> list[doctest.DocTest]:
    finder = doctest.DocTestFinder(exclude_empty=True)
    return [t for t in finder.find(module, module.__name__) if t.examples]


def _modules_with_examples() -> list[str]:
    names = ["xlfidx", *sorted(m.name for m in pkgutil.walk_packages(xlfidx.__path__, "xlfidx."))]
    out = []
    for name in names:
        if name in NOT_IMPORTED:
            continue
        module = _import(name)
        if module is None or _examples(module):
            out.append(name)
    return out


MODULES = _modules_with_examples()


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = _import(name)
    if module is None:
        pytest.skip(f"{name} needs xlwings, which is not installed")
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in _examples(module):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed"


def test_every_core_module_has_worked_examples():
    assert sorted(MUST_HAVE_EXAMPLES - set(MODULES)) == []
