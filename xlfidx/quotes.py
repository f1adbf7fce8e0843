"""Prices in 32nds, as a trader types them, and back.

``103-09`` is 103 + 9/32. A third character splits the 32nd in eighths, Bloomberg's way:
``103-092`` = 103 + 9.25/32, ``103-09+`` (or ``103-094``) = 103 + 9.5/32, ``103-096`` =
103 + 9.75/32. Unicode fractions ``103-09¼``, ``103-09½``, ``103-09¾`` are accepted too, and
``'`` or ``:`` in place of ``-``. (CME's own screens write quarter-32nds with a truncated digit,
``5`` for a half and ``7`` for three quarters; that notation clashes with eighths and is not
read here.)

>>> parse_32nds("103-09+")
103.296875
>>> format_32nds(103.296875)
'103-09+'
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import numpy as np

from ._inputs import as_float, is_missing, scalar_or_array
from .errors import InputError, MissingDataError

__all__ = ["parse_32nds", "format_32nds", "as_price"]

_FRACTIONS = {"": 0.0, "+": 0.5, "¼": 0.25, "½": 0.5, "¾": 0.75}
_QUOTE = re.compile(r"^\s*(-)?\s*(\d+)\s*[-':]\s*(\d{2})\s*([0-7+¼½¾]?)\s*$")


def _parse_one(text: str, name: str, index: int | None) -> float:
    m = _QUOTE.match(text)
    if not m:
        try:
            return float(text.replace(",", ""))
        except ValueError:
            raise InputError(name, text, f"is not a price; write {name} as 103.296875 or 103-09+",
                             index) from None
    sign, handle, ticks, frac = m.groups()
    ticks_i = int(ticks)
    if ticks_i > 31:
        raise InputError(name, text, f"has {ticks_i} 32nds; {name} needs 00 to 31 after the dash", index)
    eighth = _FRACTIONS[frac] if frac in _FRACTIONS else int(frac) / 8.0
    value = int(handle) + (ticks_i + eighth) / 32.0
    return -value if sign else value


def parse_32nds(value: Any, name: str = "price") -> Any:
    """Read prices quoted in 32nds (or plain decimals); scalars or arrays.

    >>> parse_32nds(["103-092", "103-09¾", "99.5"]).tolist()
    [103.2890625, 103.3046875, 99.5]
    """
    arr = np.asarray(value, dtype=object)
    out = np.empty(arr.shape, dtype=np.float64)
    flat, res = arr.reshape(-1), out.reshape(-1)
    for i, v in enumerate(flat):
        idx = None if arr.ndim == 0 else i
        if is_missing(v):
            raise MissingDataError(name, v, "is missing; a price is required", idx)
        if isinstance(v, str):
            res[i] = _parse_one(v, name, idx)
        else:
            res[i] = as_float(v, name)[()]
    return scalar_or_array(out, value)


# Points per 100 face: bonds and futures trade near 100; a million points is a typo (or a
# notional in the price column), and 32nds of larger numbers overflow a 64-bit count.
_MAX_PRICE = 1e6


def as_price(value: Any, name: str = "price", *, positive: bool = True) -> np.ndarray:
    """A price argument as a float array: decimals, or text in 32nds; positive by default."""
    bounds = (0.0 if positive else -_MAX_PRICE, _MAX_PRICE)
    arr = np.asarray(value) if not isinstance(value, str) else None
    if arr is not None and arr.dtype.kind in "fiu":
        return as_float(arr, name, positive=positive, what="a price", bounds=bounds)
    parsed = np.asarray(parse_32nds(value, name), dtype=np.float64)
    return as_float(parsed, name, positive=positive, what="a price", bounds=bounds)


def _fraction_text(eighths: bool) -> np.ndarray:
    """``-TT`` or ``-TTe`` for every fraction of a point in 32nds (or eighths of a 32nd)."""
    if not eighths:
        return np.array([f"-{t:02d}" for t in range(32)], dtype=object)
    suffix = ["", "1", "2", "3", "+", "5", "6", "7"]
    return np.array([f"-{t:02d}{suffix[e]}" for t in range(32) for e in range(8)], dtype=object)


_FRACTION_TEXT = {True: _fraction_text(True), False: _fraction_text(False)}


@lru_cache(maxsize=8)
def _integers_below(n: int) -> np.ndarray:
    return np.array([str(i) for i in range(n)], dtype=object)


def _integer_text(values: np.ndarray) -> np.ndarray:
    """Decimal text of non-negative integers (a table look-up for the handles prices have)."""
    top = int(values.max()) if values.size else 0
    if top < 1 << 14:
        return _integers_below(max(256, 1 << top.bit_length()))[values]
    return np.array([str(v) for v in values.tolist()], dtype=object)


# The text of every price a table of prices has, by handle (whole points, below this) and
# fraction: a row of text per handle, written the first time a price needs it, so that
# formatting a long column is one look-up per price.
_QUOTE_HANDLES = 1024
_QUOTES: dict[bool, tuple[np.ndarray, np.ndarray]] = {}  # eighths: (text, row written)


def _quote_text(handle: np.ndarray, rest: np.ndarray, eighths: bool) -> np.ndarray:
    """Text of non-negative prices in 32nds from their handles and fractions."""
    fractions = _FRACTION_TEXT[eighths]
    top = int(handle.max()) if handle.size else 0
    if top >= _QUOTE_HANDLES:
        return _integer_text(handle) + fractions[rest]
    text, written = _QUOTES.get(eighths, (None, None))
    if text is None or text.shape[0] <= top:
        size = min(max(256, 1 << top.bit_length()), _QUOTE_HANDLES)
        grown, grown_written = np.empty((size, fractions.size), dtype=object), np.zeros(size, bool)
        if text is not None:
            grown[:text.shape[0]], grown_written[:text.shape[0]] = text, written
        text, written = _QUOTES[eighths] = grown, grown_written
    if not written[handle].all():
        needed = np.zeros(text.shape[0], bool)
        needed[handle] = True
        for h in np.flatnonzero(needed & ~written).tolist():
            text[h] = str(h) + fractions
            written[h] = True
    return text[handle, rest]


def _format_32nds(p: np.ndarray, eighths: bool = True) -> np.ndarray:
    """:func:`format_32nds` of a float array: an object array of text of the same shape."""
    steps = 256 if eighths else 32
    units = np.rint(np.abs(p) * steps).astype(np.int64)
    handle, rest = np.divmod(units, steps)
    out = _quote_text(handle, rest, eighths)
    if (p < 0).any():
        neg = (p < 0) & (units > 0)
        out[neg] = "-" + out[neg]
    return out


def format_32nds(price: Any, eighths: bool = True) -> Any:
    """Format decimal prices in 32nds, rounded to the nearest eighth of a 32nd (or whole 32nd).

    >>> format_32nds([103.2890625, -0.296875])
    ['103-092', '-0-09+']
    """
    p = as_float(price, "price").reshape(-1)
    out = _format_32nds(p, eighths).tolist()
    return out[0] if np.ndim(price) == 0 else out
