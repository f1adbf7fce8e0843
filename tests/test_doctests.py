"""The worked examples in the core's docstrings are tests too."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["errors", "_inputs", "calendar", "calendar_rules", "quotes", "bonds", "futures", "basis",
           "fedfunds", "delivery"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"xlfidx.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"xlfidx.{name} has no worked example"
    assert result.failed == 0
