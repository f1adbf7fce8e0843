"""Calls of every worksheet function on the shipped samples, shaped as Office.js hands them over.

xlwings Lite (Pyodide in Excel on Windows, Mac and the web) receives cell values from Office.js:
dates as serial numbers, a range as a 2-D list (a column ``[[a], [b]]``), a blank cell as ``None``
or ``""``, text as ``str``. :func:`cases` builds, from the project's own samples (the USZ3 basket
export, the Fed funds chain, the MBS hedge history; see ``xlfidx.samples``), a list of calls
``(function name, arguments)`` in that shape, good calls and calls with a bad row or argument.

Run as a script (``udf_cases.py CASES.json RESULTS.json``) it evaluates the calls of CASES.json
and writes their results, normalised by :func:`normalise`, to RESULTS.json; the acceptance test
(``test_pyodide_udfs.py``) does that inside Pyodide and compares with CPython.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
from typing import Any

EXCEL_EPOCH = dt.datetime(1899, 12, 30)


def serial(value: Any) -> Any:
    """An Office.js cell value: a date as its Excel serial number; other values unchanged."""
    if isinstance(value, dt.datetime):
        return (value - EXCEL_EPOCH).total_seconds() / 86400.0
    if isinstance(value, dt.date):
        return float((value - EXCEL_EPOCH.date()).days)
    return value


def sheet(rows: list[tuple]) -> list[list[Any]]:
    """A sheet's used range as Office.js gives it: a 2-D list of serials, numbers, text, None."""
    width = max(len(r) for r in rows)
    return [[serial(v) for v in (*r, *(None,) * (width - len(r)))] for r in rows]


def column(table: list[list[Any]], name: str) -> list[list[Any]]:
    """The column headed ``name`` (without its header) as a 2-D column range."""
    i = table[0].index(name)
    return [[r[i]] for r in table[1:]]


def _read(path) -> dict[str, list[list[Any]]]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return {ws.title: sheet(list(ws.iter_rows(values_only=True))) for ws in wb.worksheets}
    finally:
        wb.close()


def _hedge_inputs() -> dict[str, Any]:
    """The MBS hedge's inputs on the last date of the shipped history (synthetic data): the MBS
    index duration, each future's CTD duration and price, a trend per future (its price change
    over the last 64 days, in points)."""
    from xlfidx.samples import mbs_history, sample_path

    book = _read(sample_path(mbs_history.FILENAME))
    mbs, fut = book["MBS"], book["Futures"]
    duration_col = mbs[0].index("LUMSMD Index") + 1
    mbs_rows = [r for r in mbs[2:] if r[duration_col] is not None]
    contracts, durations, prices, trends = [], [], [], []
    for i, name in enumerate(fut[0]):
        if not isinstance(name, str) or not name.strip():
            continue
        px = [r[i + 1] for r in fut[2:] if r[i + 1] is not None]
        dur = [r[i + 2] for r in fut[2:] if r[i + 2] is not None]
        contracts.append(name)
        prices.append(px[-1])
        durations.append(dur[-1])
        trends.append(round(px[-1] - px[-65], 6))
    return {"mbs_duration": mbs_rows[-1][duration_col], "contracts": contracts,
            "durations": durations, "prices": prices, "trends": trends}


def cases() -> list[tuple[str, tuple]]:
    """Every worksheet function called on the samples: ``[(name, args), ...]``."""
    from xlfidx.samples import basket as basket_sample
    from xlfidx.samples import fedfutures, sample_path
    from xlfidx.samples import sofr as sofr_sample

    basket = _read(sample_path(basket_sample.FILENAME))
    bonds, future = basket["bonds"], basket["future"]
    prices, coupons = column(bonds, "px_last"), column(bonds, "cpn")
    maturities, cfs = column(bonds, "maturity"), column(bonds, "conversion")
    tickers = column(bonds, "ticker")
    fut_price = basket_sample.FUTURES_PRICE
    repo = basket_sample.REPO_PCT
    settle = serial(dt.datetime(2023, 11, 22))
    delivery = serial(dt.datetime(2023, 12, 29))
    # a column with a blank cell (None), an empty text (""), and a word where a number belongs
    bad_coupons = [list(r) for r in coupons]
    bad_coupons[2], bad_coupons[5], bad_coupons[7] = [None], [""], ["four"]
    fed = _read(sample_path(fedfutures.FILENAME))
    chain = fed["2025-04-30"]
    meetings = [r[:1] for r in fed["fed meetings"][1:]]
    spot = fedfutures.SPOT_PCT
    sofr = _read(sample_path(sofr_sample.FILENAME))  # synthetic SR1/SR3 chain and fixings
    s_chain, s_fixings = sofr[sofr_sample.PRICING_DATE], sofr["sofr"]
    s_meetings = [r[:1] for r in sofr["fed meetings"][1:]]
    s_date, s_spot = serial(dt.datetime(2025, 4, 30)), sofr_sample.SPOT_SOFR
    hedge = _hedge_inputs()
    h_durations = [list(hedge["durations"])]
    h_durations[0][1] = None  # a future not listed: blank
    h_trends = [list(hedge["trends"])]
    h_trends[0][1] = None
    dv01s = [[round(0.1 * p * d, 6)] for p, d in zip(hedge["prices"], hedge["durations"], strict=True)]
    return [
        # Treasury basis, value by value and column by column (2-D ranges)
        ("CONVFACTOR", (coupons, maturities, "USZ3")),
        ("CONVFACTOR", (4.25, serial(dt.datetime(2031, 6, 30)), "TYZ4")),
        ("CONVFACTOR", (bad_coupons, maturities, "USZ3")),
        ("ACCRUED", (coupons, maturities, settle)),
        ("FWDPRICE", (prices, coupons, maturities, settle, delivery, repo)),
        ("GROSSBASIS", (prices, fut_price, cfs, "32nds")),
        ("GROSSBASIS", (prices, fut_price, cfs, None)),
        ("CARRY", (prices, coupons, maturities, settle, delivery, repo)),
        ("NETBASIS", (prices, coupons, maturities, fut_price, "USZ3", settle, delivery, repo, "32nds")),
        ("NETBASIS", (prices, bad_coupons, maturities, fut_price, cfs, settle, delivery, repo)),
        ("IMPLIEDREPO", (prices, coupons, maturities, fut_price, cfs, settle, delivery)),
        ("IMPLIEDREPO", (prices, coupons, maturities, fut_price, "USZ3", settle, delivery)),
        # the basket functions on the export's two tables, and in their column forms
        ("CTD", (bonds, future)),
        ("CTD", (prices, coupons, maturities, fut_price, "USZ3", settle, None, tickers)),
        ("DLV", (bonds, future)),
        ("DLV", (bonds, future, None, None, 5.0)),
        ("DLV", (prices, coupons, maturities, fut_price, "USZ3", settle, repo, None, tickers)),
        ("DLV", (bonds, "USZ3")),  # a ticker without the export's defaults: a clear error
        ("DLVINFO", (bonds, future)),
        ("DLVINFO", (bonds, future, 116.0, settle, 5.2, delivery)),
        ("CTDSCENARIOS", (bonds, future, "-100:100:25")),
        ("CTDSCENARIOS", (prices, coupons, maturities, fut_price, "USZ3", settle, repo,
                          [[-50], [0], [50]], None, tickers)),
        ("DELIVERYOPTION", (bonds, future, 100)),
        ("DELIVERYOPTION", (prices, coupons, maturities, fut_price, "USZ3", settle, repo, 80)),
        # USH4's price and the repos are illustrative inputs, not quotes
        ("CALENDARROLL", (prices, coupons, maturities, "USZ3", fut_price, "USH4", 115.6875,
                          settle, repo, 5.35, None)),
        ("FUTDV01", (67.64, 0.9506)),
        ("FUTDV01", ([[67.64], [81.2], [-1.0]], 0.9506)),
        # the MBS hedge's inputs (synthetic history)
        ("TBADV01", (97.3242, 4.0347)),
        ("TBADV01", ([[p] for p in hedge["prices"]], [[d] for d in hedge["durations"]])),
        ("ICSRATIO", (72.70, 60.89, [["4:5"], ["7:8"], ["9:10"]])),
        ("ICSRATIO", (dv01s, 60.89, None, 12)),
        ("HEDGEWEIGHTS", (hedge["mbs_duration"], h_durations)),
        ("HEDGEWEIGHTS", (hedge["mbs_duration"], h_durations, h_trends, 0.5)),
        ("HEDGEWEIGHTS", (hedge["mbs_duration"], [[d] for d in h_durations[0]])),
        # the Fed funds chain
        ("FEDPATH", (chain, meetings, spot)),
        ("FEDPATH", (chain, meetings, spot, "next")),
        ("FEDPATH", (chain, meetings, spot, "backout")),
        ("FEDPATH", (column(chain, "px_last"), column(chain, "last_tradeable_dt"), meetings, spot)),
        ("FEDPROBS", (chain, meetings, spot)),
        ("FEDPROBS", (chain, meetings, "4.33%")),
        # the SOFR chain (synthetic), by header, with and without the fixings and target range
        ("SOFRPATH", (s_chain, s_meetings, s_spot, s_date)),
        ("SOFRPATH", (s_chain, s_meetings, s_spot, s_date, s_fixings, sofr_sample.FDTR_UPPER - 0.25)),
        ("SOFRPATH", (s_chain, s_meetings, "four", s_date)),  # a word for the spot: a clear error
        ("SOFRPROBS", (s_chain, s_meetings, s_spot, s_date, s_fixings, sofr_sample.FDTR_UPPER - 0.25)),
    ]


def normalise(value: Any) -> Any:
    """A result as JSON: lists for ranges, floats, text, None; a date as ``{"date": iso}``,
    a float that is not finite as ``{"float": repr}``."""
    if isinstance(value, list | tuple):
        return [normalise(v) for v in value]
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, dt.datetime | dt.date):
        return {"date": value.isoformat()}
    if hasattr(value, "item") and not hasattr(value, "__len__"):  # numpy scalar
        return normalise(value.item())
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"float": repr(value)}
    if hasattr(value, "tolist"):
        return normalise(value.tolist())
    return {"other": repr(value)}


def evaluate(calls: list[tuple[str, tuple]]) -> list[Any]:
    """Each call's normalised result (the worksheet functions' own guard turns errors into text)."""
    from xlfidx.excel.udfs import UDFS

    return [normalise(UDFS[name](*args)) for name, args in calls]


def differences(a: Any, b: Any, rel: float = 1e-9, where: str = "") -> list[str]:
    """Where two normalised results differ (numbers to ``rel`` relative; the rest exactly)."""
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: {len(a)} vs {len(b)} items"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True))
                for d in differences(x, y, rel, f"{where}[{i}]")]
    num = (int, float)
    if isinstance(a, num) and isinstance(b, num) and not isinstance(a, bool) and not isinstance(b, bool):
        if math.isclose(a, b, rel_tol=rel, abs_tol=0.0) or a == b:
            return []
        return [f"{where}: {a!r} vs {b!r}"]
    return [] if a == b else [f"{where}: {_short(a)} vs {_short(b)}"]


def _short(value: Any, width: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


if __name__ == "__main__":  # udf_cases.py CASES.json RESULTS.json
    with open(sys.argv[1]) as f:
        todo = [(name, tuple(args)) for name, args in json.load(f)]
    with open(sys.argv[2], "w") as f:
        json.dump({"platform": sys.platform, "results": evaluate(todo)}, f)
