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


# optional packages with compiled parts (no Pyodide build): an example that needs one is skipped
# where it is not installed, and every other example of the module still runs
OPTIONAL = frozenset({"python_calamine", "formulas"})


class _Runner(doctest.DocTestRunner):
    """Notes the optional packages an example failed to import."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.missing: set[str] = set()

    def report_unexpected_exception(self, out, test, example, exc_info):
        exc = exc_info[1]
        if isinstance(exc, ModuleNotFoundError) and exc.name in OPTIONAL:
            self.missing.add(exc.name)
        super().report_unexpected_exception(out, test, example, exc_info)


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
    attempted, failed, skipped = 0, 0, []
    for test in _examples(module):
        runner = _Runner(optionflags=FLAGS)
        result = runner.run(test)
        if result.failed and runner.missing:  # needs an optional package not installed here
            skipped.append(f"{test.name} needs {', '.join(sorted(runner.missing))}")
            continue
        attempted, failed = attempted + result.attempted, failed + result.failed
    if skipped and not attempted:
        pytest.skip("; ".join(skipped) + ", not installed here")
    assert attempted > 0
    assert failed == 0, f"{failed} of {attempted} examples in {name} failed"


def test_every_core_module_has_worked_examples():
    assert sorted(MUST_HAVE_EXAMPLES - set(MODULES)) == []
