"""Trend: the EWMAC (exponentially weighted moving-average crossover) forecast of the MBS hedge study.

For one speed (fast, slow), at each day's close and using prices up to that close only::

    raw = (EMA_fast(price) - EMA_slow(price)) / sigma

with ``sigma`` the exponentially weighted standard deviation of daily price changes (span 36
days, about a 25-day look-back). Raw crossovers of different speeds live on different scales,
so each is multiplied by Carver's forecast scalar (R. Carver, *Systematic Trading*, 2015,
appendix B: 5.3, 3.75, 2.65, 1.87 for (8,32), (16,64), (32,128), (64,256), which is
``5.3 * sqrt(8 / fast)`` for ``slow = 4 * fast``), divided by 10 so that the average absolute
forecast is about 1, and capped at +/-2. The trend is the mean over the speeds available that
day (a speed becomes available once its slow span of prices has been seen), so a contract
listed recently first trends on its fast speeds only. Negative = the price is falling, which is
the future a hedger wants to be short.

Every value at day t uses prices up to day t only (pandas' recursive EWM), so lagging the
result by one day gives a signal free of look-ahead.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from xlfidx.errors import InputError

__all__ = ["DEFAULT_SPANS", "forecast_scalar", "ewmac"]

DEFAULT_SPANS: tuple[tuple[int, int], ...] = ((8, 32), (16, 64), (32, 128), (64, 256))
VOL_SPAN = 36
CAP = 2.0


def forecast_scalar(fast: int, slow: int) -> float:
    """Carver's forecast scalar for EWMAC(fast, slow), scaled to average |forecast| 10.

    >>> forecast_scalar(8, 32), forecast_scalar(64, 256)
    (5.3, 1.87)
    """
    table = {(8, 32): 5.3, (16, 64): 3.75, (32, 128): 2.65, (64, 256): 1.87}
    if (fast, slow) in table:
        return table[(fast, slow)]
    # Carver's table follows 5.3*sqrt(8/fast) for slow = 4*fast; other ratios are rarely used
    # and get the same rule (approximate: their raw spread differs by a few tens of percent)
    return float(5.3 * np.sqrt(8.0 / fast))


def _check_spans(spans: Any) -> tuple[tuple[int, int], ...]:
    try:
        pairs = tuple((int(f), int(s)) for f, s in spans)
    except (TypeError, ValueError):
        raise InputError("spans", spans, "must be pairs (fast, slow) of day counts") from None
    if not pairs:
        raise InputError("spans", spans, "is empty; give at least one (fast, slow) pair")
    for f, s in pairs:
        if not 1 <= f < s:
            raise InputError("spans", (f, s), "must have 1 <= fast < slow")
    return pairs


def ewmac(prices: pd.DataFrame | pd.Series | np.ndarray, spans: Any = DEFAULT_SPANS,
          vol_span: int = VOL_SPAN, cap: float = CAP) -> pd.DataFrame:
    """The averaged, scaled and capped EWMAC trend of each price column (NaN in warm-up).

    ``prices`` is a date x contract table (NaN before a contract is listed). Returns a table of
    the same shape; values near +/-1 are a typical trend, +/-2 the cap.

    >>> day = np.arange(300)
    >>> px = pd.DataFrame({"falling": 120 - 0.05 * day + 0.3 * np.sin(day),
    ...                    "rising": 100 + 0.05 * day + 0.3 * np.sin(day)})
    >>> ewmac(px).iloc[-1].round(2).tolist()    # steady moves: strong trends, near the cap
    [-1.87, 1.89]
    """
    pairs = _check_spans(spans)
    frame = pd.DataFrame(prices).astype(float)
    sigma = frame.diff().ewm(span=vol_span, min_periods=min(vol_span, 10)).std()
    sigma = sigma.where(sigma > 0)
    total = np.zeros(frame.shape)
    count = np.zeros(frame.shape)
    for fast, slow in pairs:
        raw = (frame.ewm(span=fast).mean() - frame.ewm(span=slow, min_periods=slow).mean()) / sigma
        scaled = np.clip(raw.to_numpy() * forecast_scalar(fast, slow) / 10.0, -cap, cap)
        ok = np.isfinite(scaled)
        total += np.where(ok, scaled, 0.0)
        count += ok
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return pd.DataFrame(out, index=frame.index, columns=frame.columns)
