"""Sample SOFR futures export (the layout of ``xlfidx template sofr``), SYNTHETIC prices and SOFR.

One pricing date, 2025-04-30: 13 one-month (SR1, ``SER``) and 12 three-month (SR3, ``SFR``)
SOFR futures, beside the 18 Fed funds futures of the Fed funds sample, daily SOFR, the
effective rate and the target range, and the FOMC calendar.

What is real: the FOMC announcement dates (``xlfidx.fedfunds.FOMC_ANNOUNCEMENTS``), the target
range of spring 2025 (4.25-4.50, FDTR 4.50), the contract rules (CME's SR1 and SR3 definitions
as :mod:`xlfidx.sofr` computes them, SIFMA's business days, Bloomberg's tickers). What is
SYNTHETIC: every price, the open interest and the SOFR fixings. The stated step path is
``STEP_PATH``: SOFR at ``SPOT_SOFR`` on the pricing date moved at each meeting by the changes of
the Fed funds sample's hypothetical expected path (``xlfidx.samples.fedfutures.EXPECTED_CHANGES``
of 2025-04-30), held after its last meeting; the days already fixed are ``FIXINGS``. Prices are
100 minus each contract's rate on that path, rounded to CME's tick (0.0025 for the first
contract of each kind, 0.005 after), so they are consistent to within half a tick and the path
fitted back from them is the stated one to a fraction of a basis point. The ``notes`` sheet
says all this.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

FILENAME = "sofr_sample.xlsx"
DESCRIPTION = ("SYNTHETIC SOFR futures chain (13 SR1, 12 SR3, priced 2025-04-30) beside the Fed "
               "funds sample's chain, in the layout of `xlfidx template sofr`; prices from a "
               "stated step path, not market quotes")

PRICING_DATE = "2025-04-30"
SPOT_SOFR = 4.36      # synthetic, inside the 4.25-4.50 range of spring 2025
FDTR_UPPER = 4.50


def step_path() -> list[tuple[str, float]]:
    """(meeting, change in percent) of the stated path: the Fed funds sample's changes of
    2025-04-30, meeting by meeting, then no change at the published meetings after them."""
    from xlfidx.fedfunds import fomc_meetings
    from xlfidx.samples.fedfutures import EXPECTED_CHANGES

    first, changes = EXPECTED_CHANGES[PRICING_DATE]
    meetings = [str(d) for d in fomc_meetings(f"{first}-01", "2026-12-31")]
    return [(m, changes[i] if i < len(changes) else 0.0) for i, m in enumerate(meetings)]


STEP_PATH = step_path()


def _fixings() -> dict[str, float]:
    """SYNTHETIC SOFR of the business days from 2025-03-12 to the pricing date: 4.33 plus a few
    bp at the month's turn and mid-month Treasury settlements, as SOFR moves in a quiet month."""
    from xlfidx.dates import business_calendar

    days = np.arange(np.datetime64("2025-03-12"), np.datetime64(PRICING_DATE) + 1)
    days = days[np.is_busday(days, busdaycal=business_calendar())]
    out = {}
    for d in days:
        dom = int(str(d)[8:10])
        bump = 0.05 if dom >= 28 or dom == 1 else 0.02 if dom in (15, 16, 17) else 0.0
        out[str(d)] = round(4.31 + bump, 2)
    out[PRICING_DATE] = SPOT_SOFR
    return out


FIXINGS = _fixings()


def chain(rounded: bool = True) -> dict[str, list]:
    """The synthetic SOFR contracts of the pricing date: ticker, price, last trade date, open
    interest, in the order ``xlfidx template sofr`` lists them. ``rounded=False`` gives the
    prices before rounding to the tick (the step path's own)."""
    from xlfidx.bloomberg.templates import SR1_CONTRACTS, sofr_tickers
    from xlfidx.dates import business_calendar
    from xlfidx.sofr import sofr_contract, sofr_futures_rate

    tickers = sofr_tickers(PRICING_DATE, today=PRICING_DATE)
    days = np.arange(np.datetime64(min(FIXINGS)), np.datetime64("2029-01-01"))
    days = days[np.is_busday(days, busdaycal=business_calendar())]
    effective = np.busday_offset(np.array([m for m, _ in STEP_PATH], dtype="datetime64[D]"), 1,
                                 roll="forward", busdaycal=business_calendar())
    level = SPOT_SOFR + np.array([sum(c for e, (_, c) in zip(effective, STEP_PATH, strict=True) if e <= d)
                                  for d in days])
    import pandas as pd

    sofr = pd.Series(level, index=pd.DatetimeIndex(days))
    fixed = pd.Series(FIXINGS)
    fixed.index = pd.DatetimeIndex(fixed.index)
    sofr[sofr.index < pd.Timestamp(PRICING_DATE)] = fixed.reindex(
        sofr.index[sofr.index < pd.Timestamp(PRICING_DATE)]).to_numpy()
    prices, last, oi = [], [], []
    for i, t in enumerate(tickers):
        c = sofr_contract(t, PRICING_DATE)
        first = i in (0, SR1_CONTRACTS)
        tick = 0.0025 if first else 0.005
        rate = sofr_futures_rate(c, sofr)
        prices.append(round(round((100 - rate) / tick) * tick, 4) if rounded else 100 - rate)
        # CME: SR1 trades to the last business day of its month; SR3 to the business day before
        # the third Wednesday that ends its quarter
        end = c.end - 1 if c.kind == "SR1" else c.end
        last.append(np.busday_offset(end, -1 if c.kind == "SR3" else 0, roll="backward",
                                     busdaycal=business_calendar()))
        # synthetic open interest: SR3 deep in the first two years, SR1 thin after the front
        k = i - SR1_CONTRACTS if c.kind == "SR3" else i
        base = 1_200_000 if c.kind == "SR3" else 260_000
        oi.append(int(round(base * np.exp(-0.25 * k), -2)))
    return {"ticker": tickers, "px_last": prices, "last_tradeable_dt": last, "open_int": oi}


def notes() -> list[str]:
    changes = ", ".join(f"{m} {c * 100:+.0f} bp" for m, c in STEP_PATH if c)
    return [
        "xlfidx sample SOFR futures export: SYNTHETIC PRICES, SOFR FIXINGS AND OPEN INTEREST, not market quotes.",
        f"Stated step path: SOFR {SPOT_SOFR}% on {PRICING_DATE}, changed from the business day after "
        f"each FOMC meeting by: {changes}; no change at the other meetings.",
        "Prices are 100 minus each contract's rate on that path (SR1: average of the month, SR3: "
        "compounded over its quarter), rounded to the CME tick.",
        "The Fed funds chain beside it is the Fed funds sample's (xlfidx.samples.fedfutures), "
        "from the same hypothetical changes.",
        "Real: the FOMC announcement dates, the 4.25-4.50 target range, the contract rules, "
        "tickers and SIFMA business days.",
        "Written by xlfidx.samples.sofr (xlfidx make-sample-data).",
    ]


def write(path: Path) -> None:
    """Write the sample workbook: notes, the chain sheet, sofr, fed funds, fed meetings."""
    import datetime as dt

    from openpyxl import Workbook
    from openpyxl.styles import Font

    from xlfidx._files import atomic_write
    from xlfidx.fedfunds import fomc_meetings
    from xlfidx.samples.fedfutures import SPOT_PCT
    from xlfidx.samples.fedfutures import chains as fed_chains

    bold = Font(bold=True)
    day = dt.datetime.fromisoformat(PRICING_DATE)

    def header(ws, names):
        ws.append(names)
        for cell in ws[1]:
            cell.font = bold

    wb = Workbook()
    wb.remove(wb.active)
    ws = wb.create_sheet("notes")
    for line in notes():
        ws.append([line])
    ws["A1"].font = bold

    ws = wb.create_sheet(PRICING_DATE)
    header(ws, ["ticker", "px_last", "last_tradeable_dt", "open_int"])
    sofr_rows = chain()
    fed = fed_chains()[PRICING_DATE]
    for cols in (sofr_rows, fed):
        for t, p, last, oi in zip(cols["ticker"], cols["px_last"], cols["last_tradeable_dt"],
                                  cols["open_int"], strict=True):
            last = dt.datetime.fromisoformat(str(last)[:10])
            ws.append([t, p, last, oi])
            ws.cell(ws.max_row, 3).number_format = "yyyy-mm-dd"

    ws = wb.create_sheet("sofr")
    header(ws, ["date", "SOFRRATE Index"])
    for d, r in FIXINGS.items():
        ws.append([dt.datetime.fromisoformat(d), r])
        ws.cell(ws.max_row, 1).number_format = "yyyy-mm-dd"

    ws = wb.create_sheet("fed funds")
    header(ws, ["date", "FEDL01 Index", "FDTR Index"])
    ws.append([day, SPOT_PCT, FDTR_UPPER])
    ws.cell(2, 1).number_format = "yyyy-mm-dd"

    ws = wb.create_sheet("fed meetings")
    header(ws, ["meeting dates"])
    for m in fomc_meetings("2025-04-01", "2027-12-31"):
        ws.append([dt.datetime.fromisoformat(str(m))])
        ws.cell(ws.max_row, 1).number_format = "yyyy-mm-dd"
    from xlfidx.excel.layout import fit_sheet

    for ws in wb.worksheets:  # dates as dates, every header and value shown in full
        fit_sheet(ws)
    with atomic_write(path) as tmp:
        wb.save(tmp)
