"""The one family of exceptions xlfidx raises for bad input.

Every message names the argument and the offending value, so that the Excel layer can put
it in a cell as it is and a trader can see what to fix:

>>> raise InputError("price", -1.0, "is negative; a price must be positive")
Traceback (most recent call last):
...
xlfidx.errors.InputError: price = -1.0 is negative; a price must be positive

``MissingDataError`` is the case of market data that is not there (a blank cell, Bloomberg's
``#N/A N/A``); Excel shows it as ``#N/A`` rather than ``#VALUE!``.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

__all__ = ["XlfidxError", "InputError", "MissingDataError", "describe_value"]


class XlfidxError(ValueError):
    """Base of every error xlfidx raises on purpose."""


def describe_value(value: Any) -> str:
    """A short, readable rendering of a user's value for an error message."""
    if value is None:
        return "(blank)"
    if isinstance(value, str):
        return repr(value) if value.strip() else "(blank)"
    if isinstance(value, float):
        return repr(value) if value == value else "NaN"
    if isinstance(value, _dt.datetime) and value.time() == _dt.time(0):
        return value.date().isoformat()
    if isinstance(value, _dt.date) or type(value).__name__ == "datetime64":
        return str(value)
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class InputError(XlfidxError):
    """A bad argument: the message names it and its value.

    ``argument`` is the argument's name (with ``[i]`` for the i-th element of an array),
    ``value`` the value received, ``index`` the element's position in an array argument
    (``None`` for a scalar), and ``reason`` what is wrong with it.
    """

    excel_error = "#VALUE!"

    def __init__(self, argument: str, value: Any, reason: str, index: int | None = None):
        self.argument = argument
        self.value = value
        self.reason = reason
        self.index = index
        name = argument if index is None else f"{argument}[{index}]"
        super().__init__(f"{name} = {describe_value(value)} {reason}")


class MissingDataError(InputError):
    """Market data that is missing: a blank, ``#N/A N/A`` or NaN where a number belongs."""

    excel_error = "#N/A"
