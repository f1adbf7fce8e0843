"""Sample Fed funds futures export (Bloomberg layout), SYNTHETIC prices on the real FOMC calendar.

Two pricing dates, 2025-04-30 and 2025-03-31, each an 18-contract chain of 30-day Fed funds
futures in the layout of a Bloomberg export (a sheet per date with ``ticker``, ``px_last``,
``last_tradeable_dt``, ``open_int``; a ``fed funds`` spot sheet; a ``fed meetings`` sheet).

What is real: the FOMC announcement dates (the Federal Reserve's published 2025 and 2026
calendars, typed in as ``xlfidx.fedfunds.FOMC_ANNOUNCEMENTS``), the effective Fed funds rate of
4.33% (its level through spring 2025), and the contract rules (month codes, last trading day =
last business day of the month, price = 100 - average daily rate, ticks of 0.0025 in the front
month and 0.005 beyond). What is SYNTHETIC: the prices and open interest. Prices are the monthly
averages of a hypothetical expected path (the change at each meeting in ``EXPECTED_CHANGES``),
rounded to the tick, so they are not market quotes. The workbook's ``notes`` sheet says so.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

FILENAME = "fedfutures_sample.xlsx"
DESCRIPTION = ("SYNTHETIC Fed funds futures chains (18 contracts, pricing dates 2025-04-30 and "
               "2025-03-31) in Bloomberg's export layout, on the real published FOMC calendar; "
               "prices from a hypothetical path, not market quotes")

SPOT_PCT = 4.33
# pricing date -> (first contract month, expected change in percent at each meeting from then on)
EXPECTED_CHANGES = {
    "2025-04-30": ("2025-05", [-0.04, -0.14, -0.12, -0.10, -0.08, -0.07, -0.05, -0.04, -0.03,
                               -0.02, -0.01, 0.0, 0.0]),
    "2025-03-31": ("2025-04", [-0.08, -0.12, -0.08, -0.08, -0.06, -0.05, -0.04, -0.03, -0.02,
                               -0.01, 0.0, 0.0, 0.0]),
}
N_CONTRACTS = 18


def _month_averages(months: np.ndarray, meetings: np.ndarray, changes: list[float],
                    spot: float) -> np.ndarray:
    """Average daily rate per month of a step path that moves the day after each meeting."""
    first = months[0].astype("datetime64[D]")
    last = (months[-1] + 1).astype("datetime64[D]")
    days = np.arange(first, last)
    rate = np.full(days.size, spot)
    for d, c in zip(meetings, changes, strict=False):
        rate[days > d] += c
    month_of = days.astype("datetime64[M]")
    return np.array([rate[month_of == m].mean() for m in months])


def chains() -> dict[str, dict[str, list]]:
    """The synthetic chains, by pricing date: ticker, price, last trade date, open interest."""
    from xlfidx.dates import last_business_day
    from xlfidx.fedfunds import MONTH_CODES, fomc_meetings

    out = {}
    for date, (first, changes) in EXPECTED_CHANGES.items():
        months = np.datetime64(first, "M") + np.arange(N_CONTRACTS)
        end = (months[-1] + 1).astype("datetime64[D]") - 1
        meetings = fomc_meetings(months[0].astype("datetime64[D]"), end)
        avg = _month_averages(months, meetings, changes, SPOT_PCT)
        tick = np.where(np.arange(N_CONTRACTS) == 0, 0.0025, 0.005)
        price = np.round(np.round((100 - avg) / tick) * tick, 4)
        years = months.astype("datetime64[Y]").astype(int) + 1970
        codes = [MONTH_CODES[int(m.astype(int)) % 12] for m in months]
        tickers = [f"FF{c}{y % 10} Comdty" for c, y in zip(codes, years, strict=True)]
        last = last_business_day(months)
        # synthetic open interest: heavy in the front months, thinning out along the chain
        oi = np.round(480_000 * np.exp(-0.22 * np.arange(N_CONTRACTS)), -2)
        out[date] = {"ticker": tickers, "px_last": price.tolist(),
                     "last_tradeable_dt": np.asarray(last, dtype="datetime64[D]").tolist(),
                     "open_int": oi.astype(int).tolist()}
    return out


def write(path: Path) -> None:
    """Write the sample workbook (a sheet per pricing date, ``fed funds``, ``fed meetings``,
    ``notes``)."""
    import pandas as pd

    from xlfidx.fedfunds import fomc_meetings

    data = chains()
    meetings = fomc_meetings("2025-04-01", "2026-12-31")
    notes = pd.DataFrame({"notes": [
        "xlfidx sample Fed funds futures export: SYNTHETIC PRICES AND OPEN INTEREST, not market quotes.",
        "Prices are the monthly averages of a hypothetical expected path (changes at each meeting",
        "in xlfidx.samples.fedfutures.EXPECTED_CHANGES) rounded to the CME tick.",
        "Real: the FOMC announcement dates (Federal Reserve published calendars 2025-2026),",
        "the 4.33% effective Fed funds rate, the contract months, tickers and last trading days.",
        "Written by xlfidx.samples.fedfutures (xlfidx make-sample-data).",
    ]})
    from xlfidx._files import atomic_write

    with atomic_write(path) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as xw:
        for date, cols in data.items():
            frame = pd.DataFrame(cols)
            frame["last_tradeable_dt"] = pd.to_datetime(frame["last_tradeable_dt"])
            frame.to_excel(xw, sheet_name=date, index=False)
        pd.DataFrame({"date": list(data), "fed funds rate": SPOT_PCT}).to_excel(
            xw, sheet_name="fed funds", index=False)
        pd.DataFrame({"meeting dates": pd.to_datetime(meetings)}).to_excel(
            xw, sheet_name="fed meetings", index=False)
        notes.to_excel(xw, sheet_name="notes", index=False)
        from xlfidx.excel.layout import fit_sheet

        for ws in xw.book.worksheets:  # dates as dates, every header and value shown in full
            fit_sheet(ws)
