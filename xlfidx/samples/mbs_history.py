"""SYNTHETIC daily MBS index and Treasury futures history, 2004-2024, in Bloomberg BDH layout.

The MBS hedge study needs Bloomberg data we may not ship, so this module writes a seeded synthetic
stand-in with the same fields and layout (``data/mbs_trend_sample.xlsx``). Every figure in it is
made up by the model below; the workbook says so on its ``README`` sheet, and every chart and
printed summary made from it is titled SYNTHETIC.

The model (all yields in percent, one step per SIFMA business day from 2004-01-02 to 2024-12-31):

1. Yield curve with trending regimes. A 2-year and a 10-year anchor yield are interpolated
   linearly between ~35 hand-set turning points shaped loosely on the path of U.S. yields (the
   2004-06 hikes, the 2008 collapse, the 2013 taper, 2020's lows, the 2022 sell-off), so the
   curve trends for months at a time and then turns. On top sit mean-reverting (Ornstein-
   Uhlenbeck) level and slope shocks (5 and 3 bp a day, half-lives 120 and 60 days). The curve
   between the two anchors is Nelson-Siegel, ``y(tau) = a + b * (1 - exp(-tau/3)) / (tau/3)``.
2. Each futures contract's CTD sits at a tenor (TU 2y, FV 5y, TY 7y, UXY 10y, US 18y, WN 27y)
   with its own small OU yield noise (1.5 bp a day), so their trends differ. CTD duration
   (``CONVENTIONAL_CTD_FORWARD_FRSK``, years) is ``D0 * (1 - 0.004 * D0 * (y - 3))`` with
   ``D0`` = 1.9, 4.2, 6.4, 8.5, 13, 18, plus a quarterly roll sawtooth; CTD convexity
   (``FUT_EQV_CNVX_NOTL``, Bloomberg's quote, i.e. years squared / 100) is ``(D^2 + D)/100``
   with 2 % noise, so it rises with duration (TU ~0.06, WN ~3.4).
3. Generic roll-adjusted futures prices (``PX_LAST``) compound the daily return
   ``-D * dy + 0.5 * 100 * C * dy^2 + (y - y_3m) / 252`` (price, convexity, roll-down carry).
   UXY starts on 2016-01-11 and WN on 2010-01-11, as the real contracts did.
4. The MBS index. Its OAS (``LUMSOAS``, bp) mean-reverts to 40 bp with 1.5 bp daily shocks and
   widens in 2008, 2020-03 and 2022. Its yield is the 7-year yield plus the OAS. The outstanding
   coupon follows past mortgage yields slowly (exponential average, 3-year span), and the
   modified duration (``LUMSMD``) is ``3 + 4 * logistic((y_mbs - coupon + 0.25) / 0.5)``: when
   rates fall below the coupon, borrowers refinance and duration shortens toward 3 years; when
   they rise above it, duration extends toward 7 (negative convexity). The total-return level
   (``LUMSTRUU``) compounds ``y_mbs / 252 - D * dy_mbs`` (carry, then price at the previous
   day's duration, which is where the negative convexity shows in the path).
5. A few ``#N/A N/A`` cells are sprinkled in (as Bloomberg leaves them) so that the reader's
   gap handling is exercised and visible.

Layout: sheet ``MBS`` holds three BDH blocks (``LUMSTRUU Index``, ``LUMSMD Index``,
``LUMSOAS Index``, field ``PX_LAST``); sheet ``Futures`` holds six blocks (``TU1 Comdty`` ...
``WN1 Comdty``) with fields ``PX_LAST``, ``CONVENTIONAL_CTD_FORWARD_FRSK``,
``FUT_EQV_CNVX_NOTL``. Each block is a ticker row, a field row (``Dates`` then the fields) and
a date column, blocks separated by an empty column, as Bloomberg's BDH writes them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

FILENAME = "mbs_trend_sample.xlsx"
DESCRIPTION = (
    "SYNTHETIC daily 2004-2024 MBS index (LUMSTRUU, LUMSMD, LUMSOAS) and TU/FV/TY/UXY/US/WN "
    "roll-adjusted futures (PX_LAST, CTD duration and convexity) in Bloomberg BDH layout, "
    "from a seeded model (xlfidx/samples/mbs_history.py); not market data"
)

SEED = 20040102
START, END = "2004-01-02", "2024-12-31"

# contract -> (CTD tenor in years, base CTD duration, first trading day, starting price)
CONTRACTS: dict[str, tuple[float, float, str, float]] = {
    "TU": (2.0, 1.9, START, 106.0),
    "FV": (5.0, 4.2, START, 110.0),
    "TY": (7.0, 6.4, START, 114.0),
    "UXY": (10.0, 8.5, "2016-01-11", 128.0),
    "US": (18.0, 13.0, START, 112.0),
    "WN": (27.0, 18.0, "2010-01-11", 125.0),
}
FUT_FIELDS = ("PX_LAST", "CONVENTIONAL_CTD_FORWARD_FRSK", "FUT_EQV_CNVX_NOTL")
MBS_TICKERS = ("LUMSTRUU Index", "LUMSMD Index", "LUMSOAS Index")

# (date, 2y, 10y) turning points: a stylised path, not history
_ANCHORS = [
    ("2004-01-02", 1.8, 4.2), ("2004-06-15", 2.7, 4.7), ("2005-06-30", 3.6, 4.0),
    ("2006-06-30", 5.1, 5.1), ("2007-06-15", 4.9, 5.2), ("2008-01-31", 2.3, 3.7),
    ("2008-06-15", 2.9, 4.1), ("2008-12-31", 0.8, 2.2), ("2009-06-10", 1.3, 3.9),
    ("2010-04-05", 1.1, 3.9), ("2010-10-08", 0.4, 2.4), ("2011-02-08", 0.8, 3.7),
    ("2011-09-22", 0.2, 1.8), ("2012-07-24", 0.2, 1.4), ("2013-01-31", 0.25, 2.0),
    ("2013-09-05", 0.45, 3.0), ("2014-12-31", 0.65, 2.2), ("2015-06-10", 0.7, 2.5),
    ("2016-07-08", 0.6, 1.35), ("2016-12-15", 1.25, 2.6), ("2018-10-31", 2.9, 3.2),
    ("2019-08-30", 1.5, 1.5), ("2020-02-14", 1.4, 1.6), ("2020-03-09", 0.4, 0.6),
    ("2020-08-04", 0.12, 0.52), ("2021-03-31", 0.16, 1.75), ("2021-12-31", 0.73, 1.52),
    ("2022-06-14", 3.4, 3.45), ("2022-10-21", 4.5, 4.2), ("2023-04-06", 3.8, 3.3),
    ("2023-10-19", 5.2, 4.95), ("2023-12-27", 4.2, 3.8), ("2024-04-25", 5.0, 4.7),
    ("2024-09-16", 3.55, 3.62), ("2024-12-31", 4.25, 4.55),
]
# OAS stress episodes: (peak date, extra bp at the peak, decay half-life in days)
_OAS_EPISODES = [("2008-11-20", 110.0, 90.0), ("2020-03-19", 60.0, 25.0), ("2022-10-20", 35.0, 120.0)]

_NS_LAMBDA = 3.0


def _ns_loading(tau: np.ndarray | float) -> np.ndarray:
    x = np.asarray(tau, dtype=float) / _NS_LAMBDA
    return (1.0 - np.exp(-x)) / x


def _ou(rng: np.random.Generator, n: int, sigma: float, half_life: float) -> np.ndarray:
    """Ornstein-Uhlenbeck path with daily shock ``sigma`` and mean reversion half-life (days)."""
    phi = 0.5 ** (1.0 / half_life)
    shocks = rng.normal(0.0, sigma, n)
    out = np.empty(n)
    level = 0.0
    for i in range(n):  # a 5,000-step loop: fast enough, and clearer than an IIR filter call
        level = phi * level + shocks[i]
        out[i] = level
    return out


def business_days() -> np.ndarray:
    """SIFMA business days of the sample period as ``datetime64[D]``."""
    from xlfidx.dates import is_business_day

    days = np.arange(np.datetime64(START), np.datetime64(END) + 1, dtype="datetime64[D]")
    return days[is_business_day(days)]


def simulate(seed: int = SEED) -> dict[str, object]:
    """The synthetic history as arrays: ``dates``, ``mbs`` (3 series) and ``futures``.

    ``futures[c]`` is a dict of the three fields, NaN before the contract's first day.

    >>> h = simulate()
    >>> round(float(np.nanmean(h["futures"]["TY"]["CONVENTIONAL_CTD_FORWARD_FRSK"])), 1)
    6.4
    """
    rng = np.random.default_rng(seed)
    dates = business_days()
    n = dates.size
    t = dates.astype("int64").astype(float)
    a_t = np.array([np.datetime64(d).astype("int64") for d, _, _ in _ANCHORS], dtype=float)
    y2 = np.interp(t, a_t, [a[1] for a in _ANCHORS]) + _ou(rng, n, 0.05, 120) - _ou(rng, n, 0.03, 60)
    y10 = np.interp(t, a_t, [a[2] for a in _ANCHORS]) + _ou(rng, n, 0.05, 120)
    y2 = np.maximum(y2, 0.05)
    y10 = np.maximum(y10, 0.3)
    # Nelson-Siegel level/slope through the two anchors
    l2, l10 = float(_ns_loading(2.0)), float(_ns_loading(10.0))
    b = (y2 - y10) / (l2 - l10)
    a = y10 - b * l10

    def curve(tau: float) -> np.ndarray:
        return np.maximum(a + b * float(_ns_loading(tau)), 0.02)

    y3m = curve(0.25)
    quarter_phase = ((dates.astype("datetime64[M]").astype(int) % 3) * 21 + (
        dates - dates.astype("datetime64[M]").astype("datetime64[D]")).astype(int)) / 91.0

    futures: dict[str, dict[str, np.ndarray]] = {}
    for name, (tau, d0, first, p0) in CONTRACTS.items():
        y = curve(tau) + _ou(rng, n, 0.015, 40)
        dur = d0 * (1.0 - 0.004 * d0 * (y - 3.0)) + 0.2 * min(1.0, d0 / 5.0) * (0.5 - quarter_phase)
        cnvx = (dur**2 + dur) / 100.0 * (1.0 + rng.normal(0.0, 0.02, n))
        dy = np.diff(y, prepend=y[0]) / 100.0
        ret = -np.roll(dur, 1) * dy + 0.5 * 100.0 * np.roll(cnvx, 1) * dy**2 + (y - y3m) / 100.0 / 252.0
        ret[0] = 0.0
        live = dates >= np.datetime64(first)
        ret[~live] = 0.0
        px = p0 * np.cumprod(1.0 + ret)
        fields = {"PX_LAST": px, "CONVENTIONAL_CTD_FORWARD_FRSK": dur, "FUT_EQV_CNVX_NOTL": cnvx}
        for key in fields:
            fields[key] = np.where(live, fields[key], np.nan)
        futures[name] = fields

    oas = 40.0 + _ou(rng, n, 1.5, 60)
    for peak, size, half_life in _OAS_EPISODES:
        lag = (t - float(np.datetime64(peak).astype("int64")))
        rise = np.exp(-np.maximum(-lag, 0.0) / 15.0)  # ~3 weeks of widening into the peak
        decay = 0.5 ** (np.maximum(lag, 0.0) / (half_life * 7.0 / 5.0))
        oas = oas + size * np.where(lag < 0, rise, decay)
    oas = np.maximum(oas, 5.0)
    y_mbs = curve(7.0) + oas / 100.0
    alpha = 2.0 / (3 * 252 + 1)
    coupon = np.empty(n)
    coupon[0] = y_mbs[0] + 0.3
    for i in range(1, n):
        coupon[i] = (1 - alpha) * coupon[i - 1] + alpha * y_mbs[i]
    dur_mbs = 3.0 + 4.0 / (1.0 + np.exp(-(y_mbs - coupon + 0.25) / 0.5))
    dy_mbs = np.diff(y_mbs, prepend=y_mbs[0]) / 100.0
    ret_mbs = y_mbs / 100.0 / 252.0 - np.roll(dur_mbs, 1) * dy_mbs
    ret_mbs[0] = 0.0
    level = 1100.0 * np.cumprod(1.0 + ret_mbs)
    mbs = {"LUMSTRUU Index": level, "LUMSMD Index": dur_mbs, "LUMSOAS Index": oas}
    return {"dates": dates, "mbs": mbs, "futures": futures}


def _na_days(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    return rng.choice(np.arange(300, n - 1), size=k, replace=False)


def write(path: Path | str, seed: int = SEED) -> Path:
    """Write the SYNTHETIC sample workbook to ``path`` (about 2 MB)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    path = Path(path)
    h = simulate(seed)
    dates = h["dates"].astype("datetime64[D]").astype(object)  # datetime.date
    rng = np.random.default_rng(seed + 1)
    wb = Workbook(write_only=True)

    notes = wb.create_sheet("README")
    bold = Font(bold=True)
    from openpyxl.cell import WriteOnlyCell

    title = WriteOnlyCell(notes, "SYNTHETIC DATA - NOT MARKET DATA")
    title.font = bold
    notes.append([title])
    for line in [
        "Every number in this workbook was generated by xlfidx/samples/mbs_history.py (seed "
        f"{seed}) to stand in for a Bloomberg export; regenerate it with `xlfidx make-sample-data`.",
        "Sheet MBS: BDH blocks LUMSTRUU Index (total return level), LUMSMD Index (modified "
        "duration, years), LUMSOAS Index (OAS, bp).",
        "Sheet Futures: BDH blocks TU1, FV1, TY1, UXY1 (from 2016-01), US1, WN1 (from 2010-01) "
        "Comdty: PX_LAST (roll-adjusted), CONVENTIONAL_CTD_FORWARD_FRSK (CTD duration, years), "
        "FUT_EQV_CNVX_NOTL (CTD convexity).",
        "Model: trending yield curve (hand-set turning points + OU noise), CTD duration/convexity "
        "by tenor, MBS with negative convexity (duration 3 to 7 years) and OAS carry; see the "
        "module docstring or README.md.",
        "A few cells hold #N/A N/A on purpose, as Bloomberg leaves them.",
    ]:
        notes.append([line])

    def prepare(series: list[tuple[str, dict[str, np.ndarray]]], decimals: dict[str, int]):
        """Per block: ticker, field names, first row, the values as written (#N/A N/A sprinkled)."""
        out = []
        for ticker, fields in series:
            first = int(np.argmax(~np.isnan(next(iter(fields.values())))))
            arrays = []
            for name in fields:
                values = np.round(fields[name], decimals[name]).astype(object)
                for i in _na_days(rng, len(values), 3):
                    values[i] = "#N/A N/A"
                arrays.append(values)
            out.append((ticker, list(fields), first, arrays))
        return out

    def digest_lines(blocks: list) -> list[str]:
        """The README's digests of what the blocks hold, so a reader can tell them from a user's."""
        from xlfidx.bloomberg.history import DIGEST_PREFIX, year_digests

        lines = []
        for ticker, names, first, arrays in blocks:
            root = ticker.split()[0].rstrip("1")
            for name, values in zip(names, arrays, strict=True):
                numbers = np.array([np.nan if isinstance(v, str) else v for v in values[first:]], dtype=float)
                lines.append(f"{DIGEST_PREFIX}{root} {name} {year_digests(h['dates'][first:], numbers)}")
        return lines

    def blocks(sheet_name: str, prepared: list) -> None:
        from openpyxl.utils.cell import get_column_letter

        from xlfidx.excel.layout import shown_length

        ws = wb.create_sheet(sheet_name)
        ticker_row, field_row = [], []
        for ticker, names, _, _ in prepared:
            ticker_row += [ticker] + [None] * len(names) + [None]
            field_row += ["Dates", *names, None]
        # every date and field name shown in full (set before the rows: a write-only sheet)
        col = 1
        for _, names, _, arrays in prepared:
            ws.column_dimensions[get_column_letter(col)].width = 12  # yyyy-mm-dd
            for name, values in zip(names, arrays, strict=True):
                longest = max(len(name), *(shown_length(v) for v in values))
                ws.column_dimensions[get_column_letter(col + 1)].width = longest + 2
                col += 1
            col += 2
        ws.append(ticker_row)
        ws.append(field_row)
        n = len(dates)
        for r in range(n):
            row = []
            for _, _, first, arrays in prepared:
                i = r + first
                if i < n:
                    row += [dates[i], *(arr[i] for arr in arrays), None]
                else:
                    row += [None] * (len(arrays) + 2)
            while row and row[-1] is None:
                row.pop()
            ws.append(row)

    mbs_blocks = prepare([(tk, {"PX_LAST": h["mbs"][tk]}) for tk in MBS_TICKERS], {"PX_LAST": 4})
    fut_blocks = prepare([(f"{name}1 Comdty", h["futures"][name]) for name in CONTRACTS],
                         {"PX_LAST": 5, "CONVENTIONAL_CTD_FORWARD_FRSK": 4, "FUT_EQV_CNVX_NOTL": 4})
    notes.append(["Check digests of each year of each series (how xlfidx tells this sample's "
                  "numbers from data pasted over them):"])
    for line in digest_lines(mbs_blocks + fut_blocks):
        notes.append([line])
    blocks("MBS", mbs_blocks)
    blocks("Futures", fut_blocks)
    from xlfidx._files import atomic_write

    with atomic_write(path) as tmp:
        wb.save(tmp)
    return path


if __name__ == "__main__":  # pragma: no cover
    import sys

    print(write(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("data") / FILENAME))
