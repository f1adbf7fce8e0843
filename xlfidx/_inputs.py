"""Normalising arguments at the boundary: numbers, dates and text, scalars or arrays.

Every public function of the core accepts a scalar or an array-like for each market input and
passes it through one of these helpers, which return numpy arrays and raise
:class:`~xlfidx.errors.InputError` (or :class:`~xlfidx.errors.MissingDataError`) naming the
argument and the value. Dates may be ``date``, ``datetime``, ``numpy.datetime64``,
``pandas.Timestamp``, ISO text, or Excel serial numbers (1900 date system, 45506 = 2024-08-02).
Numbers may be ``Decimal``: Excel hands a cell formatted as Currency to Python as one.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import numpy as np

from .dates import (
    EXCEL_EPOCH,
    FIRST_EXCEL_SERIAL,
    LAST_EXCEL_SERIAL,
    excel_serial_to_date,
)
from .errors import InputError, MissingDataError

__all__ = [
    "PLAUSIBLE",
    "as_float",
    "as_date",
    "as_text",
    "is_missing",
    "scalar_or_array",
    "broadcast",
]

# a number as it may reach us: Excel passes a Currency-formatted cell as a Decimal
_NUMBER_TYPES = (int, float, np.integer, np.floating, Decimal)
_EXACT = 2**53  # integers a float holds exactly

# The plausible range of each market input, by what it is: a value outside is a typo or a unit
# mistake (a repo of 1,000,000% for 1%), refused with the range stated, never carried into a
# figure (a carry of -3,284,753/32) or a NaN. Generous: any market that has been, and more.
PLAUSIBLE: dict[str, tuple[float, float]] = {
    "a repo rate in percent": (-50.0, 100.0),  # specials trade negative; 1980's repo was ~20%
    "a volatility in bp a year": (0.0, 5000.0),  # Treasury normal vol is 50-200 bp a year
    "a price": (-1000.0, 1000.0),  # points per 100 face: bonds, futures, TBAs
}

_NA_TEXT = {"#N/A", "#N/A N/A", "#N/A REQUESTING DATA...", "#N/A FIELD NOT APPLICABLE", "N/A", "NA", "NAN"}


def is_missing(value: Any) -> bool:
    """True for a blank, None, NaN, NaT or Bloomberg/Excel ``#N/A ...`` text."""
    if value is None:
        return True
    if isinstance(value, str):
        text = value.strip()
        return not text or text.upper() in _NA_TEXT or text.upper().startswith("#N/A")
    if isinstance(value, float | np.floating):
        return bool(np.isnan(value))
    if isinstance(value, Decimal):
        return value.is_nan()
    if isinstance(value, np.datetime64):
        return bool(np.isnat(value))
    try:
        import pandas as pd  # pandas is already loaded whenever a NaT can arrive

        return value is pd.NaT
    except ImportError:  # pragma: no cover
        return False


def _missing(name: str, value: Any, index: int | None, what: str) -> MissingDataError:
    return MissingDataError(name, value, f"is missing; {what} is required", index)


def _element_index(shape: tuple[int, ...], flat: int) -> int | None:
    return None if shape == () else flat


def _as_array(value: Any, name: str) -> np.ndarray:
    """``value`` as an array; text and dates stay whole; a ragged nesting is an error."""
    if isinstance(value, str | bytes | _dt.date):
        out = np.empty((), dtype=object)
        out[()] = value
        return out
    try:
        return np.asarray(value)
    except ValueError:
        try:
            return np.asarray(value, dtype=object)
        except ValueError:
            raise InputError(name, value, "is a ragged range; give a column, a row or a scalar") from None


def as_float(
    value: Any,
    name: str,
    *,
    positive: bool = False,
    nonnegative: bool = False,
    allow_missing: bool = False,
    what: str = "a number",
    bounds: tuple[float, float] | None = None,
) -> np.ndarray:
    """Return ``value`` as a float64 array (0-d for a scalar), or raise naming ``name``.

    Text is an error unless it reads as a number (``"4.25"``); a blank, ``#N/A N/A`` or NaN
    raises :class:`MissingDataError` unless ``allow_missing`` (then it becomes NaN).
    Booleans are not numbers here: Excel's TRUE is never a price. ``bounds=(low, high)``
    rejects magnitudes outside the range (inclusive) where the arithmetic downstream would
    overflow or lose all precision; a market input named by ``what`` in :data:`PLAUSIBLE`
    (a repo rate, a volatility, a price) is held to its plausible range as well.

    >>> as_float([1, 2.5], "coupon")
    array([1. , 2.5])
    >>> as_float(Decimal("114.234375"), "futures_price")   # a Currency-formatted cell
    array(114.234375)
    >>> as_float("abc", "coupon")
    Traceback (most recent call last):
    ...
    xlfidx.errors.InputError: coupon = 'abc' is text; coupon must be a number
    >>> as_float(1_000_000, "repo", what="a repo rate in percent")
    Traceback (most recent call last):
    ...
    xlfidx.errors.InputError: repo = 1000000.0 is out of range; repo must be a repo rate in percent from -50 to 100
    """
    if what in PLAUSIBLE:
        low, high = PLAUSIBLE[what]
        bounds = (max(low, bounds[0]), min(high, bounds[1])) if bounds is not None else (low, high)
    if (type(value) is float or type(value) is int and -_EXACT < value < _EXACT) \
            and math.isfinite(value) and not (positive and value <= 0) \
            and not (nonnegative and value < 0) \
            and (bounds is None or bounds[0] <= value <= bounds[1]):
        return np.array(float(value))  # one plain number that passes: no array machinery
    arr = _as_array(value, name)
    if arr.dtype.kind in "fiu":
        out = arr.astype(np.float64, copy=False)
    else:
        obj = arr.astype(object)
        out = np.empty(obj.shape, dtype=np.float64)
        flat = obj.reshape(-1)
        res = out.reshape(-1)
        for i, v in enumerate(flat):
            idx = _element_index(obj.shape, i)
            if isinstance(v, bool | np.bool_):
                raise InputError(name, v, f"is a boolean; {name} must be {what}", idx)
            if is_missing(v):
                if allow_missing:
                    res[i] = np.nan
                    continue
                raise _missing(name, v, idx, what)
            if isinstance(v, _NUMBER_TYPES):
                res[i] = float(v)
            elif isinstance(v, str):
                try:
                    res[i] = float(v.strip().replace(",", ""))
                except ValueError:
                    raise InputError(name, v, f"is text; {name} must be {what}", idx) from None
            else:
                raise InputError(name, v, f"is not a number; {name} must be {what}", idx)
    if not allow_missing:
        bad_nan = np.isnan(out)
        if bad_nan.any():
            i = int(np.flatnonzero(bad_nan.reshape(-1))[0])
            raise _missing(name, float("nan"), _element_index(out.shape, i), what)
    if np.isinf(out).any():
        i = int(np.flatnonzero(np.isinf(out).reshape(-1))[0])
        raise InputError(name, float(out.reshape(-1)[i]), f"is not finite; {name} must be {what}",
                         _element_index(out.shape, i))
    if positive:
        bad = out <= 0
        if bad.any():
            i = int(np.flatnonzero(bad.reshape(-1))[0])
            v = float(out.reshape(-1)[i])
            word = "negative" if v < 0 else "zero"
            raise InputError(name, v, f"is {word}; {name} must be positive",
                             _element_index(out.shape, i))
    if nonnegative:
        bad = out < 0
        if bad.any():
            i = int(np.flatnonzero(bad.reshape(-1))[0])
            raise InputError(name, float(out.reshape(-1)[i]), f"is negative; {name} must not be negative",
                             _element_index(out.shape, i))
    if bounds is not None:
        low, high = bounds
        with np.errstate(invalid="ignore"):
            bad = (out < low) | (out > high)
        if bad.any():
            i = int(np.flatnonzero(bad.reshape(-1))[0])
            raise InputError(name, float(out.reshape(-1)[i]),
                             f"is out of range; {name} must be {what} from {low:g} to {high:g}",
                             _element_index(out.shape, i))
    return out


def _one_date(v: Any, name: str, idx: int | None) -> np.datetime64:
    if isinstance(v, bool | np.bool_):
        raise InputError(name, v, f"is a boolean; {name} must be a date", idx)
    if isinstance(v, _dt.datetime | _dt.date):
        return np.datetime64(v.date() if isinstance(v, _dt.datetime) else v, "D")
    if isinstance(v, np.datetime64):
        return v.astype("datetime64[D]")
    if hasattr(v, "to_datetime64"):  # pandas Timestamp
        return v.to_datetime64().astype("datetime64[D]")
    if isinstance(v, _NUMBER_TYPES):
        f = float(v)
        if not math.isfinite(f) or not (FIRST_EXCEL_SERIAL <= f <= LAST_EXCEL_SERIAL):
            raise InputError(name, v, f"is not a date; {name} must be a date or an Excel date serial", idx)
        return excel_serial_to_date(f)
    if isinstance(v, str):
        text = v.strip()
        try:
            # ISO dates, and Bloomberg's "2025/05/07 14:00:00" (the ECO release calendar's text)
            return np.datetime64(_dt.date.fromisoformat(text[:10].replace("/", "-")), "D")
        except ValueError:
            pass
        try:
            f = float(text)
        except ValueError:
            raise InputError(name, v, f"is text; {name} must be a date", idx) from None
        return _one_date(f, name, idx)
    raise InputError(name, v, f"is not a date; {name} must be a date", idx)


def _iso_like(v: Any) -> bool:
    if isinstance(v, str):
        return len(v) >= 10 and v[4] == "-" and v[:4].isdigit()
    return isinstance(v, _dt.date | np.datetime64)


def as_date(value: Any, name: str, *, allow_missing: bool = False) -> np.ndarray:
    """Return ``value`` as a ``datetime64[D]`` array (0-d for a scalar), or raise naming ``name``.

    >>> as_date(45506, "settle")
    array('2024-08-02', dtype='datetime64[D]')
    >>> as_date(["2025-05-07", "2025/06/18 14:00:00"], "meetings")
    array(['2025-05-07', '2025-06-18'], dtype='datetime64[D]')
    """
    if isinstance(value, np.ndarray) and value.dtype.kind == "M":
        out = value.astype("datetime64[D]")
        if not allow_missing and np.isnat(out).any():
            i = int(np.flatnonzero(np.isnat(out).reshape(-1))[0])
            raise _missing(name, None, _element_index(out.shape, i), "a date")
        return out
    if hasattr(value, "dtype") and getattr(value.dtype, "kind", "") == "M":  # pandas Series/Index
        return as_date(np.asarray(value, dtype="datetime64[D]"), name, allow_missing=allow_missing)
    if type(value) is _dt.datetime or type(value) is _dt.date:  # one cell's date: no arrays
        return np.asarray(_one_date(value, name, None), dtype="datetime64[D]")
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        return np.asarray(_one_date(value, name, None) if not is_missing(value) else
                          _none_date(name, value, None, allow_missing), dtype="datetime64[D]")
    arr = _as_array(value, name)
    if arr.dtype.kind in "fiu":
        f = arr.astype(np.float64)
        nan = np.isnan(f)
        if nan.any() and not allow_missing:
            i = int(np.flatnonzero(nan.reshape(-1))[0])
            raise _missing(name, float("nan"), _element_index(f.shape, i), "a date")
        bad = ~nan & ((f < FIRST_EXCEL_SERIAL) | (f > LAST_EXCEL_SERIAL))
        if bad.any():
            i = int(np.flatnonzero(bad.reshape(-1))[0])
            raise InputError(name, float(f.reshape(-1)[i]),
                             f"is not a date; {name} must be a date or an Excel date serial",
                             _element_index(f.shape, i))
        out = EXCEL_EPOCH + np.where(nan, 0, np.floor(f)).astype(np.int64).astype("timedelta64[D]")
        out[nan] = np.datetime64("NaT")
        return out
    if arr.dtype.kind in "OUS":
        # fast path: ISO text, dates and datetimes at midnight convert in one call
        try:
            fast = arr.astype("datetime64[D]")
        except (ValueError, TypeError, OverflowError):
            fast = None
        if fast is not None and not np.isnat(fast).any() and (
                all(_iso_like(v) for v in arr.reshape(-1))):
            return fast
    obj = arr.astype(object)
    out = np.empty(obj.shape, dtype="datetime64[D]")
    flat = obj.reshape(-1)
    res = out.reshape(-1)
    for i, v in enumerate(flat):
        idx = _element_index(obj.shape, i)
        if is_missing(v):
            res[i] = _none_date(name, v, idx, allow_missing)
        else:
            res[i] = _one_date(v, name, idx)
    return out


def _none_date(name: str, value: Any, idx: int | None, allow_missing: bool) -> np.datetime64:
    if allow_missing:
        return np.datetime64("NaT", "D")
    raise _missing(name, value, idx, "a date")


def as_text(value: Any, name: str, *, what: str = "text") -> str:
    """A non-blank string argument (stripped), or raise naming ``name``."""
    if is_missing(value) and not (isinstance(value, str) and value.strip()):
        raise _missing(name, value, None, what)
    if not isinstance(value, str):
        raise InputError(name, value, f"is not text; {name} must be {what}")
    return value.strip()


def broadcast(*arrays: np.ndarray, names: Iterable[str] | None = None) -> list[np.ndarray]:
    """``numpy.broadcast_arrays`` with an error that names the arguments whose shapes clash."""
    try:
        return list(np.broadcast_arrays(*arrays))
    except ValueError:
        names = list(names) if names is not None else [f"argument {i + 1}" for i in range(len(arrays))]
        shapes = ", ".join(f"{n} {a.shape}" for n, a in zip(names, arrays, strict=False))
        raise InputError(names[0], shapes, "shapes do not match; give scalars or arrays of one length") from None


def scalar_or_array(result: np.ndarray, *inputs: Any) -> Any:
    """Return a Python float when every input was a scalar, else the array itself."""
    if np.ndim(result) == 0 and all(np.ndim(x) == 0 for x in inputs):
        r = np.asarray(result)[()]
        if isinstance(r, np.floating):
            return float(r)
        if isinstance(r, np.bool_):
            return bool(r)
        return r
    return result
