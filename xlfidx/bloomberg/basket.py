"""Reader for a Bloomberg Treasury futures basket export (sheets ``future`` and ``bonds``).

Layout (as in a ``fut_bond_data_<CONTRACT>_<DATE>.xlsx`` export):

- ``future``: two columns, ``field`` and the contract's ticker (``TYZ4 Comdty``), one row per
  field: ``last_update_dt``, ``px_last``, ``fut_dlv_dt_last``, ...
- ``bonds``: one row per deliverable, a header of Bloomberg field names: ``ticker``,
  ``px_last``, ``maturity``, ``cpn``, ``int_acc``, ``repo_reporate``, ``conversion``, ...

A bond whose price, coupon or maturity is ``#N/A N/A``, blank or text is kept in the table with
its ``problem`` column saying which field and value, so that the other rows are still computed;
a bad optional field (``conversion``, ``repo_reporate``, ...) is reported in ``problems`` and read
as missing. Nothing is turned silently into a number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

import numpy as np

from .._files import check_workbook
from .._inputs import as_date, as_float, is_missing
from ..errors import InputError, MissingDataError, describe_value
from .formulas import require_filled

__all__ = ["read_basket_export", "read_basket", "basket_from_export", "BasketProblem"]

# Bloomberg field -> the name the analytics use; these are needed to compute a bond
_REQUIRED = {"px_last": "price", "cpn": "coupon", "maturity": "maturity"}
_DATE_FIELDS = {"maturity", "last_update_dt", "nxt_cpn_dt", "last_tradeable_dt", "fut_dlv_dt_last"}
_TEXT_FIELDS = {"ticker", "fut_ctd", "name", "security_des"}


@dataclass(frozen=True)
class BasketProblem:
    """One bad cell: which bond, which field, what value, and what the reader did about it."""

    ticker: str
    field: str
    value: Any
    reason: str
    excluded: bool

    def __str__(self) -> str:
        what = "row not computed" if self.excluded else "read as missing"
        return f"{self.ticker}: {self.field} = {describe_value(self.value)} {self.reason} ({what})"


@dataclass
class _Cells:
    problems: list[BasketProblem] = field(default_factory=list)


def _clean(value: Any) -> Any:
    return None if isinstance(value, float) and np.isnan(value) else value


def _read_cell(value: Any, name: str, ticker: str, required: bool, sink: _Cells) -> Any:
    value = _clean(value)
    try:
        if name in _DATE_FIELDS:
            return as_date(value, name)[()]
        if name in _TEXT_FIELDS:
            return value
        return float(as_float(value, name)[()])
    except InputError as exc:
        reason = "is missing" if isinstance(exc, MissingDataError) else exc.reason.split(";")[0]
        sink.problems.append(BasketProblem(ticker, name, value, reason, required))
        return np.datetime64("NaT") if name in _DATE_FIELDS else np.nan


def read_basket_export(path: str | Path):
    """Read a basket export; returns ``(future, bonds)``.

    ``future`` is a ``pandas.Series`` of the ``future`` sheet's fields (``name`` is the
    contract ticker). ``bonds`` is a DataFrame with the export's columns plus ``coupon``,
    ``maturity``, ``price``, ``cf`` (from ``conversion``) and ``problem`` (empty when the row
    is fine); ``bonds.attrs["problems"]`` lists every bad cell as a :class:`BasketProblem`.

    >>> from xlfidx.samples import sample_path
    >>> future, bonds = read_basket_export(sample_path("fut_bond_data_USZ3_2023-11-21.xlsx"))
    >>> future.name, len(bonds), float(bonds["cf"].iloc[0])
    ('USZ3 Comdty', 16, 0.85)
    """
    import pandas as pd  # noqa: PLC0415

    path = check_workbook(path, "path")
    require_filled(path, "FILE", ("future", "bonds"))
    try:
        sheets = pd.read_excel(path, sheet_name=None, header=None, engine="openpyxl", dtype=object,
                               keep_default_na=False, na_filter=False)
    except (ValueError, OSError, KeyError, BadZipFile) as exc:
        raise InputError("path", str(path), f"is not a readable Excel workbook ({exc})") from None
    names = {str(n).strip().lower(): n for n in sheets}
    for need in ("future", "bonds"):
        if need not in names:
            raise InputError("path", path.name, f"has no '{need}' sheet; a basket export has sheets "
                             f"'future' and 'bonds' (found {', '.join(map(str, sheets))})")
    sink = _Cells()

    fut_raw = sheets[names["future"]]
    if fut_raw.shape[1] < 2 or fut_raw.shape[0] < 2:
        raise InputError("future", path.name, "sheet needs a 'field' column and a column of values")
    contract = str(fut_raw.iat[0, 1]).strip()
    fields = {}
    for key, value in zip(fut_raw.iloc[1:, 0], fut_raw.iloc[1:, 1], strict=True):
        if is_missing(key):
            continue
        key = str(key).strip().lower()
        fields[key] = _read_cell(value, key, contract, False, sink)
    future = pd.Series(fields, name=contract, dtype=object)

    raw = sheets[names["bonds"]]
    header = [str(h).strip().lower() for h in raw.iloc[0]]
    body = raw.iloc[1:].reset_index(drop=True)
    body.columns = header
    body = body[~body.map(is_missing).all(axis=1)]
    missing = [f for f in ("ticker", *_REQUIRED) if f not in header]
    if missing:
        raise InputError("bonds", path.name, f"sheet has no column {', '.join(missing)}")
    rows = []
    for rec in body.to_dict("records"):
        ticker = str(_clean(rec.get("ticker")) or "(no ticker)").strip()
        row = {}
        before = len(sink.problems)
        for name, value in rec.items():
            row[name] = _read_cell(value, name, ticker, name in _REQUIRED, sink)
        bad = [p for p in sink.problems[before:] if p.excluded]
        row["problem"] = "; ".join(f"{p.field} = {describe_value(p.value)} {p.reason}" for p in bad)
        rows.append(row)
    if not rows:
        raise InputError("bonds", path.name, "sheet has no bond rows under its header")
    bonds = pd.DataFrame(rows)
    for name in _DATE_FIELDS & set(bonds.columns):
        bonds[name] = pd.to_datetime(bonds[name])
    bonds["coupon"] = bonds["cpn"].astype(float)
    bonds["price"] = bonds["px_last"].astype(float)
    if "conversion" in bonds.columns:
        bonds["cf"] = bonds["conversion"].astype(float)
    bonds.attrs["problems"] = sink.problems
    future.attrs["problems"] = [p for p in sink.problems if p.ticker == contract]
    return future, bonds


def basket_from_export(future: Any, bonds: Any, source: str = "") -> Any:
    """The :class:`~xlfidx.basis.DeliverableBasket` of an export's ``future`` fields and
    ``bonds`` table (as :func:`read_basket_export` returns them), with the export's defaults:
    settlement T+1 (SIFMA) after ``last_update_dt``, the futures price ``px_last``, the repo
    ``repo_reporate`` (one rate, or one per bond when they differ), and the contract's last
    delivery day. This is the one place those defaults are set.
    """
    from ..basis import DeliverableBasket  # noqa: PLC0415
    from ..bonds import settlement_date  # noqa: PLC0415

    contract = str(future.name)
    update = future.get("last_update_dt")
    if update is None or (isinstance(update, np.datetime64) and np.isnat(update)):
        raise MissingDataError("last_update_dt", update, f"is missing in the {contract} export; "
                               "give the settlement date")
    price = future.get("px_last")
    if price is None or not np.isfinite(price):
        raise MissingDataError("px_last", price, f"of {contract} is missing in the export")
    rates = bonds["repo_reporate"].astype(float) if "repo_reporate" in bonds else None
    usable = rates[bonds["problem"] == ""].dropna() if rates is not None else []
    if len(usable) == 0:
        raise MissingDataError("repo_reporate", None, "is missing in the export; give the repo rate")
    repo = float(usable.iloc[0]) if usable.nunique() == 1 else \
        tuple(rates.fillna(float(usable.iloc[0])).tolist())
    notes = tuple(str(p) for p in bonds.attrs.get("problems", []))
    return DeliverableBasket(contract, bonds, float(price), settlement_date(update).astype(object),
                             repo, as_of=np.datetime64(update, "D").astype(object),
                             source=source, notes=notes)


def read_basket(path: str | Path) -> Any:
    """Read a basket export as a :class:`~xlfidx.basis.DeliverableBasket` that carries the
    export's own defaults (see :func:`basket_from_export`).

    >>> b = read_basket(sample_path("fut_bond_data_USZ3_2023-11-21.xlsx"))  # doctest: +SKIP
    >>> b.contract, str(b.settle), b.repo                                      # doctest: +SKIP
    ('USZ3 Comdty', '2023-11-22', 5.413)
    """
    future, bonds = read_basket_export(path)
    return basket_from_export(future, bonds, str(path))
