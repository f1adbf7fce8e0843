"""Hedging: how much of which future (the MBS hedge study and CME's TBA/Treasury spread note).

Two desks ask the same question here.

* CME's TBA / Treasury-futures inter-commodity spreads (CME's TBA/Treasury spread note): the DV01 of a TBA futures
  contract, the DV01-weighted leg ratio picked from CME's listed menu, the spread's price and
  P&L, and the margin offset a spread earns.
* The MBS hedge study's MBS hedge: long the MBS index, short Treasury futures, with no leverage, fully
  invested and duration neutral, trading duration matching against the futures' trend
  (:func:`hedge_weights` and its history form :func:`hedge_weights_history`).

The futures DV01 itself (CTD DV01 / conversion factor) lives with the basis, in
``xlfidx.basis.futures_dv01``.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import gcd
from typing import Any

import numpy as np

from ._inputs import as_float, as_text, broadcast, is_missing, scalar_or_array
from .errors import InputError, MissingDataError

__all__ = [
    "CME_TBA_ICS_MENU",
    "tba_dv01",
    "ics_ratio",
    "hedge_contracts",
    "spread_price",
    "spread_pnl",
    "margin_with_offset",
    "hedge_weights",
    "hedge_weights_history",
]

# The leg ratios CME listed for the Jul-24 UMBS TBA / Sep-24 10-year note spreads (CME's TBA/Treasury spread note),
# as (TBA contracts, Treasury contracts). 1:1 spreads are listed separately, beside these.
CME_TBA_ICS_MENU: tuple[tuple[int, int], ...] = (
    (4, 5), (7, 8), (9, 10), (6, 5), (5, 4), (3, 2), (9, 5), (2, 1),
)
"""CME's listed TBA/Treasury inter-commodity spread ratios (TBA : Treasury futures contracts)."""

# A TBA futures contract is $100,000 face, so one point of price is $1,000.
_TBA_POINT_VALUE = 1000.0


# --------------------------------------------------------------------------------------------
# DV01s and contract counts
# --------------------------------------------------------------------------------------------

def tba_dv01(price: Any, duration: Any) -> Any:
    """Dollar DV01 of one $100,000 TBA futures contract: ``0.1 · price · duration``.

    CME's formula (CME's TBA/Treasury spread note): ``0.01 · (price · 1000) · (duration / 100)``, with the price in
    points per 100 face and the (MIAC AI-) duration in years.

    >>> round(tba_dv01(97.3242, 4.0347), 3)   # 5.5% UMBS, 15 Apr 2024
    39.267
    """
    p = as_float(price, "price", positive=True, what="a price")
    d = as_float(duration, "duration", positive=True, what="a duration in years")
    p, d = broadcast(p, d, names=["price", "duration"])
    with np.errstate(over="ignore"):  # absurd magnitudes give inf (Excel shows #NUM!)
        return scalar_or_array(0.1 * p * d, price, duration)


def hedge_contracts(position_dv01: Any, futures_dv01: Any) -> Any:
    """Futures contracts to sell to hedge a position: ``position DV01 / futures DV01``.

    A long position (positive DV01) is hedged by selling futures; a negative result means buy.
    The result is not rounded: round it as your desk does.

    Long $10mm face of the CTD (DV01 $67.64 per $100,000) against futures of DV01 $71.16
    (CME's example): 100 × 67.64 / 71.16 contracts, i.e. 100 × the conversion factor 0.9506.

    >>> round(hedge_contracts(100 * 67.64, 71.16), 2)
    95.05
    """
    pos = as_float(position_dv01, "position_dv01", what="a DV01 in dollars per basis point")
    fut = as_float(futures_dv01, "futures_dv01", positive=True,
                   what="a DV01 in dollars per basis point")
    pos, fut = broadcast(pos, fut, names=["position_dv01", "futures_dv01"])
    with np.errstate(over="ignore"):
        return scalar_or_array(pos / fut, position_dv01, futures_dv01)


# One contract's DV01: about $20 (2-year note) to $300 (ultra bond); outside this range the
# ratio of two of them is no spread CME lists, and their quotient could overflow.
_CONTRACT_DV01_RANGE = (1e-3, 1e6)


def _parse_menu(menu: Any) -> np.ndarray:
    """A menu of leg ratios as an (n, 2) int array: ``"4:5"`` / ``"4/5"`` texts or pairs."""
    if isinstance(menu, str):
        items: list[Any] = [s for s in menu.replace(";", ",").split(",")]
    else:
        arr = np.asarray(menu, dtype=object)
        if arr.ndim == 2 and arr.shape[1] == 2 and not any(isinstance(v, str) for v in arr.ravel()):
            items = [tuple(row) for row in arr]
        else:
            items = [v for v in arr.ravel() if not is_missing(v)]
    pairs = []
    for i, item in enumerate(items):
        if isinstance(item, str):
            text = as_text(item, "menu").replace("/", ":")
            parts = text.split(":")
            if len(parts) != 2:
                raise InputError("menu", item, "is not a leg ratio; write it as '4:5'", i)
            pair = parts
        else:
            pair = list(item) if isinstance(item, Sequence | np.ndarray) else [item]
            if len(pair) != 2:
                raise InputError("menu", item, "is not a leg ratio; give (TBA, Treasury) pairs", i)
        try:
            a, b = (float(str(x).strip()) for x in pair)
        except ValueError:
            raise InputError("menu", item, "is not a leg ratio; write it as '4:5'", i) from None
        if not (a > 0 and b > 0 and a == int(a) and b == int(b)):
            raise InputError("menu", item, "must be a ratio of positive whole numbers", i)
        pairs.append((int(a), int(b)))
    if not pairs:
        raise InputError("menu", menu, "is empty; give at least one leg ratio such as '4:5'")
    return np.array(pairs, dtype=np.int64)


def ics_ratio(
    tba_dv01: Any,
    treasury_dv01: Any,
    menu: Any = None,
    max_leg: int = 10,
    *,
    dv01_step: float = 0.01,
) -> tuple[Any, Any]:
    """CME's DV01-weighted leg ratio for a TBA / Treasury futures spread.

    Returns ``(TBA contracts, Treasury contracts)``: the ratio whose *price ratio*
    ``TBA contracts / Treasury contracts`` is nearest to the DV01 ratio
    ``treasury_dv01 / tba_dv01``, chosen from ``menu`` (texts ``"4:5"`` or pairs ``(4, 5)``;
    :data:`CME_TBA_ICS_MENU` is CME's Jul-24 menu) or, without a menu, from every ratio of
    whole numbers with both legs at most ``max_leg``.

    How "nearest" is decided (reproduces every row of CME's Jul-24 table):

    * distance is measured on the price ratio CME lists, ``|n_TBA/n_T - DV01_T/DV01_TBA|``;
    * the DV01s are published rounded to ``dv01_step`` (cents), so the DV01 ratio is only
      known to ``±δ = ratio · (step/2/DV01_T + step/2/DV01_TBA)``. Candidates whose distance is
      within ``2δ`` of the best could be the nearest for the unrounded DV01s; among them the
      simpler spread (fewest contracts per spread) is chosen, then the nearer one.

    CME's 20U row (DV01 72.70 vs 60.89, ratio 0.83755) is the one case: it sits 0.00005 above the
    4:5/7:8 midpoint 0.8375, well inside the rounding band ±0.00013, and CME lists 4:5. Distance
    in log-ratio space would not do: there the 20U row is clearly nearer 7:8 (the geometric
    midpoint is 0.8367), which CME did not list. Pass ``dv01_step=0`` for the plain nearest.

    >>> ics_ratio(39.27, 60.89, CME_TBA_ICS_MENU)   # 5.5% UMBS vs ZNU4
    (3, 2)
    >>> ics_ratio(72.70, 60.89, ["4:5", "7:8", "9:10"])
    (4, 5)
    """
    b = as_float(tba_dv01, "tba_dv01", positive=True, bounds=_CONTRACT_DV01_RANGE,
                 what="a DV01 in dollars per basis point per contract")
    t = as_float(treasury_dv01, "treasury_dv01", positive=True, bounds=_CONTRACT_DV01_RANGE,
                 what="a DV01 in dollars per basis point per contract")
    b, t = broadcast(b, t, names=["tba_dv01", "treasury_dv01"])
    step = float(as_float(dv01_step, "dv01_step", nonnegative=True))
    if menu is None:
        n = as_float(max_leg, "max_leg", positive=True, what="a whole number of contracts")
        if float(n) != int(n):
            raise InputError("max_leg", max_leg, "is not a whole number of contracts")
        n = int(n)
        if n > 1000:
            raise InputError("max_leg", max_leg, "is too large; give at most 1000 contracts a leg")
        pairs = np.array([(i, j) for i in range(1, n + 1) for j in range(1, n + 1) if gcd(i, j) == 1],
                         dtype=np.int64)
    else:
        pairs = _parse_menu(menu)
    price_ratio = pairs[:, 0] / pairs[:, 1]
    target = t / b
    dist = np.abs(price_ratio - target[..., None])
    best = dist.min(axis=-1, keepdims=True)
    half = step / 2.0
    band = (2.0 * target * (half / t + half / b))[..., None]
    # within the rounding of the inputs (and a hair of floating point) counts as a tie
    tied = dist <= best + band + 1e-12 * np.maximum(1.0, target[..., None])
    size = pairs.sum(axis=1).astype(np.float64)
    # among the tied, fewest contracts first, then the nearer: one lexicographic key
    key = np.where(tied, size * 1e6 + dist / np.maximum(best + band, 1e-300), np.inf)
    pick = np.argmin(key, axis=-1)
    n_tba = pairs[pick, 0]
    n_tsy = pairs[pick, 1]
    if np.ndim(n_tba) == 0 and np.ndim(tba_dv01) == 0 and np.ndim(treasury_dv01) == 0:
        return int(n_tba), int(n_tsy)
    return n_tba, n_tsy


# --------------------------------------------------------------------------------------------
# Two-leg spreads and margins
# --------------------------------------------------------------------------------------------

def spread_price(leg1_price: Any, leg2_price: Any, leg1_contracts: Any, leg2_contracts: Any) -> Any:
    """Price of a two-leg spread: ``n1 · P1 - n2 · P2`` (points).

    CME's 55U/ZN spread UVN 03-02 on 22 Mar 2023 (CME's TBA/Treasury spread note): 3 × 101.016 − 2 × 113.719:

    >>> round(spread_price(101.016, 113.719, 3, 2), 3)
    75.61
    """
    p1 = as_float(leg1_price, "leg1_price", positive=True, what="a price")
    p2 = as_float(leg2_price, "leg2_price", positive=True, what="a price")
    n1 = as_float(leg1_contracts, "leg1_contracts", positive=True, what="a number of contracts")
    n2 = as_float(leg2_contracts, "leg2_contracts", positive=True, what="a number of contracts")
    p1, p2, n1, n2 = broadcast(p1, p2, n1, n2,
                               names=["leg1_price", "leg2_price", "leg1_contracts", "leg2_contracts"])
    with np.errstate(over="ignore", invalid="ignore"):
        out = n1 * p1 - n2 * p2
    return scalar_or_array(out, leg1_price, leg2_price, leg1_contracts, leg2_contracts)


_SIDES = {"LONG": 1.0, "BUY": 1.0, "BOUGHT": 1.0, "SHORT": -1.0, "SELL": -1.0, "SOLD": -1.0}


def _as_position(value: Any) -> np.ndarray:
    """Spreads held: a signed number, or the text long/buy (+1) or short/sell (−1)."""
    arr = np.asarray(value, dtype=object) if not isinstance(value, str) else np.array(value, dtype=object)
    if arr.dtype == object and any(isinstance(v, str) for v in arr.ravel()):
        out = np.empty(arr.shape, dtype=object)
        for i, v in enumerate(arr.ravel()):
            if isinstance(v, str) and v.strip().upper() in _SIDES:
                out.reshape(-1)[i] = _SIDES[v.strip().upper()]
            else:
                out.reshape(-1)[i] = v
        value = out
    return as_float(value, "position", what="a number of spreads (negative = short) or long/short")


def spread_pnl(start_price: Any, end_price: Any, position: Any = 1.0,
               point_value: Any = _TBA_POINT_VALUE) -> Any:
    """P&L in dollars of a spread position: ``position · (end − start) · point_value``.

    ``position`` is the number of spreads held, negative (or ``"short"``) when sold;
    ``point_value`` is $1,000 per point for $100,000-face TBA and 10-year note futures.
    Short the 55U/ZN spread from 75.61 to 71.689 during the March-2023 banking crisis
    (CME's TBA/Treasury spread note):

    >>> round(spread_pnl(75.61, 71.689, "short"), 2)
    3921.0
    """
    s0 = as_float(start_price, "start_price", what="a spread price")
    s1 = as_float(end_price, "end_price", what="a spread price")
    q = _as_position(position)
    pv = as_float(point_value, "point_value", positive=True, what="dollars per point")
    s0, s1, q, pv = broadcast(s0, s1, q, pv, names=["start_price", "end_price", "position", "point_value"])
    with np.errstate(over="ignore", invalid="ignore"):
        out = q * (s1 - s0) * pv
    return scalar_or_array(out, start_price, end_price, position, point_value)


def margin_with_offset(im_leg1: Any, im_leg2: Any, offset: Any) -> Any:
    """Initial margin of a spread with CME's inter-commodity offset: ``(IM1 + IM2)(1 − offset)``.

    ``offset`` is a fraction (0.70 for 70%, as Excel stores a percentage). Long TY against short
    60U on 18 Apr 2024 (CME's TBA/Treasury spread note, which prints it rounded to the dollar as $1,472):

    >>> round(margin_with_offset(2656, 2250, 0.70), 2)
    1471.8
    """
    m1 = as_float(im_leg1, "im_leg1", nonnegative=True, what="a margin in dollars")
    m2 = as_float(im_leg2, "im_leg2", nonnegative=True, what="a margin in dollars")
    off = as_float(offset, "offset", nonnegative=True, what="a fraction such as 0.70")
    if (off > 1).any():
        i = int(np.flatnonzero((off > 1).ravel())[0])
        raise InputError("offset", float(off.ravel()[i]),
                         "is above 1; give the offset as a fraction (0.70 for 70%)",
                         None if off.ndim == 0 else i)
    m1, m2, off = broadcast(m1, m2, off, names=["im_leg1", "im_leg2", "offset"])
    with np.errstate(over="ignore"):
        return scalar_or_array((m1 + m2) * (1.0 - off), im_leg1, im_leg2, offset)


# --------------------------------------------------------------------------------------------
# The MBS hedge study: the unlevered, duration-neutral hedge, duration matching against trend
# --------------------------------------------------------------------------------------------

_DEFAULT_SMOOTHING = 0.25  # years of duration mismatch; see hedge_weights


def _solve_blend(cost: np.ndarray, m: np.ndarray, smoothing: np.ndarray) -> np.ndarray:
    """Row-wise minimiser of ``Σ π_j c_j + (λ/2) Σ m_j π_j²`` over the simplex (closed form).

    ``cost`` (T, k) is +inf where a contract is not available; ``m`` (T, k) > 0 there.
    KKT: ``π_j = max(0, (μ − c_j)/(λ m_j))`` with ``Σ π_j = 1``; sorting by cost, the support is
    the ``s`` cheapest contracts, ``s`` the largest count with ``c_(s) < μ_s`` where
    ``μ_s = (λ + Σ_{i≤s} c_i/m_i) / Σ_{i≤s} 1/m_i``. Rows with nothing available give NaN.
    """
    lam = smoothing[:, None]
    order = np.argsort(cost, axis=1, kind="stable")
    c = np.take_along_axis(cost, order, axis=1)
    mm = np.take_along_axis(m, order, axis=1)
    ok = np.isfinite(c)
    inv_m = np.where(ok, 1.0 / np.where(ok, mm, 1.0), 0.0)
    c0 = np.where(ok, c, 0.0)
    s1 = np.cumsum(inv_m, axis=1)
    s2 = np.cumsum(c0 * inv_m, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mu_s = (lam + s2) / s1
    support = ok & (c < mu_s)
    n_support = support.sum(axis=1)
    any_ok = n_support > 0
    idx = np.maximum(n_support - 1, 0)[:, None]
    mu = np.take_along_axis(mu_s, idx, axis=1)
    with np.errstate(invalid="ignore"):
        pi_sorted = np.where(ok, np.maximum(0.0, (mu - c0) * inv_m / lam), 0.0)
    pi = np.empty_like(pi_sorted)
    np.put_along_axis(pi, order, pi_sorted, axis=1)
    total = pi.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        pi = pi / total
    pi[~any_ok] = np.nan
    return pi


def _weights_core(d_mbs: np.ndarray, d_fut: np.ndarray, trend: np.ndarray | None,
                  tilt: np.ndarray, smoothing: np.ndarray) -> np.ndarray:
    """(T,) MBS durations, (T, k) futures durations (NaN = not listed) → (T, 1+k) weights."""
    listed = np.isfinite(d_fut) & np.isfinite(d_mbs)[:, None]
    dm = d_mbs[:, None]
    cost = np.abs(d_fut - dm)
    if trend is not None:
        # a missing trend (a contract still in its EWMAC warm-up) is no view: 0
        cost = cost + tilt[:, None] * np.where(np.isfinite(trend), trend, 0.0)
    cost = np.where(listed, cost, np.inf)
    with np.errstate(invalid="ignore"):
        m = np.where(listed, dm / (dm + d_fut), 1.0)  # weight of future j in its own basis
    pi = _solve_blend(cost, m, smoothing)
    w_fut = pi * m
    # duration neutral by construction: w_mbs·D_mbs = Σ w_j·D_j exactly as computed
    with np.errstate(invalid="ignore"):
        w_mbs = np.sum(np.where(listed, w_fut * d_fut, 0.0), axis=1) / d_mbs
    w_fut = np.where(listed, w_fut, 0.0)
    dead = ~np.isfinite(w_mbs) | ~listed.any(axis=1)
    w_fut[dead] = np.nan
    w_mbs[dead] = np.nan
    return np.column_stack([w_mbs, w_fut])


# Magnitudes the closed form handles without overflow: the basis weight D_mbs/(D_mbs + D_j)
# and its inverse stay normal floats, and (μ − c_j)/λ stays finite. Real durations are a few
# days to 30 years, trends about ±2 EWMAC units, the backtest's tilts 0 to 10 and λ 0.25.
_DURATION_RANGE = (1e-6, 1e3)  # years
_TREND_RANGE = (-1e6, 1e6)  # EWMAC units
_TILT_RANGE = (0.0, 1e6)  # years per unit of trend
_SMOOTHING_RANGE = (1e-6, 1e6)  # years


def _durations(value: Any, name: str, allow_missing: bool) -> np.ndarray:
    return as_float(value, name, positive=True, allow_missing=allow_missing,
                    what="a duration in years", bounds=_DURATION_RANGE)


def _trend(value: Any) -> np.ndarray:
    return as_float(value, "trend", allow_missing=True, what="a trend (EWMAC) value",
                    bounds=_TREND_RANGE)


def _check_tilt_smoothing(trend_tilt: Any, smoothing: Any) -> tuple[np.ndarray, float]:
    tilt = as_float(trend_tilt, "trend_tilt", nonnegative=True, bounds=_TILT_RANGE,
                    what="a non-negative number (years of duration mismatch per unit of trend)")
    lam = as_float(smoothing, "smoothing", positive=True, bounds=_SMOOTHING_RANGE,
                   what="a positive number of years")
    if lam.ndim != 0:
        raise InputError("smoothing", smoothing, "must be a single number")
    return tilt, float(lam)


def hedge_weights(
    mbs_duration: Any,
    futures_durations: Any,
    trend: Any = None,
    trend_tilt: Any = 0.0,
    *,
    smoothing: float = _DEFAULT_SMOOTHING,
) -> np.ndarray:
    """The MBS hedge study's hedge: long MBS, short futures, unlevered, fully invested, duration neutral.

    Returns ``[w_mbs, w_1, ..., w_k]`` (the ``w_j`` are short positions): every weight ≥ 0,
    ``Σ = 1`` and ``w_mbs·D_mbs = Σ_j w_j·D_j``. A missing duration (blank, ``#N/A``, NaN: the
    contract is not listed yet) gets weight 0; at least one contract must be listed.

    **Feasible set.** The portfolios that satisfy the three constraints are exactly the blends
    ``Σ_j π_j · B_j`` (π ≥ 0, Σπ = 1) of the k classic one-contract bases ``B_j``, in which
    ``w_mbs = D_j/(D_mbs + D_j)`` and the future carries ``m_j = D_mbs/(D_mbs + D_j)``
    (the MBS hedge study). So the futures' weights are ``w_j = π_j · m_j``.

    **Objective.** With ``c_j = |D_j − D_mbs| + trend_tilt · trend_j`` (years; trend in EWMAC
    units, a missing trend counts as 0 = no view), the blend minimises

        Σ_j π_j c_j  +  (λ/2) Σ_j π_j w_j          (λ = ``smoothing``, years)

    the first term is duration mismatch plus the tilt toward shorting falling futures; the
    second is a strictly convex concentration penalty, so the optimum is unique and moves
    continuously with its inputs (no vertex-jumping as in a plain LP, hence less turnover).
    Closed form (KKT): ``w_j = max(0, μ − c_j)/λ`` with μ set by ``Σ π_j = 1``. Hence:

    * at ``trend_tilt = 0`` the futures' weights are ordered by closeness in duration, the
      largest on the closest contract; with ``λ`` small next to the duration gaps all of it is
      on the closest contract (the MBS hedge study's adaptive basis), near ties are shared;
    * as ``trend_tilt`` grows, ``dw_j/dtilt = (t̄ − trend_j)/λ`` on the support, where t̄ is a
      positive-weighted mean of the trends held; for the most negative trend this is ≥ 0, so its
      weight never falls (and it enters as soon as its cost reaches μ).

    >>> w = hedge_weights(4.5, [1.9, 4.2, 6.4, 8.5, 13.0, 18.0])   # FV closest
    >>> w.round(4).tolist()
    [0.4828, 0.0, 0.5172, 0.0, 0.0, 0.0, 0.0]
    >>> w = hedge_weights(4.5, [1.9, 4.2, 6.4, 8.5, 13.0, 18.0],
    ...                   trend=[0.1, 0.5, -0.2, -1.5, 0.3, 0.0], trend_tilt=2.0)
    >>> w.round(4).tolist()   # the falling UXY takes the hedge
    [0.6538, 0.0, 0.0, 0.0, 0.3462, 0.0, 0.0]
    """
    dm = _durations(mbs_duration, "mbs_duration", allow_missing=False)
    if dm.size != 1:
        raise InputError("mbs_duration", mbs_duration,
                         "must be a single duration; use hedge_weights_history for a history")
    df = _durations(futures_durations, "futures_durations", allow_missing=True).reshape(1, -1)
    if df.size == 0:
        raise InputError("futures_durations", futures_durations, "is empty; give one duration per contract")
    if np.isnan(df).all():
        raise MissingDataError("futures_durations", futures_durations,
                               "has no duration; at least one contract must be listed")
    tilt, lam = _check_tilt_smoothing(trend_tilt, smoothing)
    if tilt.size != 1:
        raise InputError("trend_tilt", trend_tilt, "must be a single number")
    tr = None
    if trend is not None:
        tr = _trend(trend).reshape(1, -1)
        if tr.shape != df.shape:
            raise InputError("trend", trend, f"has {tr.size} values for {df.shape[1]} futures durations")
    # one day of the history: the same code computes both
    return _weights_core(dm.reshape(1), df, tr, tilt.reshape(1), np.full(1, lam))[0]


def hedge_weights_history(
    mbs_duration: Any,
    futures_durations: Any,
    trend: Any = None,
    trend_tilt: Any = 0.0,
    *,
    smoothing: float = _DEFAULT_SMOOTHING,
) -> np.ndarray:
    """:func:`hedge_weights` for every day of a history at once (closed form, vectorised).

    ``mbs_duration`` is (T,), ``futures_durations`` (T, k) (a 1-D array is one contract),
    ``trend`` None or (T, k), ``trend_tilt`` a number or one per day (T,). Returns a (T, 1+k)
    float array ``[w_mbs, w_1..w_k]`` per row. NaN durations mean "not listed that day" and get
    weight 0; a day with no MBS duration or no listed contract is a row of NaN (no hedge can
    be set), never an error. Non-positive or non-numeric durations are errors naming the
    argument and the element.

    The caller lags: weights set from day t−1 data earn day t returns.

    >>> d = [[1.9, 4.2, float("nan")], [1.9, 4.3, 6.4]]
    >>> hedge_weights_history([5.0, 5.4], d).round(4)
    array([[0.4565, 0.    , 0.5435, 0.    ],
           [0.5367, 0.    , 0.0316, 0.4316]])
    """
    dm = _durations(mbs_duration, "mbs_duration", allow_missing=True)
    if dm.ndim == 0 or (dm.ndim == 2 and 1 in dm.shape):
        dm = dm.reshape(-1)  # one day, or a column/row range from a sheet
    if dm.ndim != 1:
        raise InputError("mbs_duration", f"shape {dm.shape}", "must be one duration per day")
    df = _durations(futures_durations, "futures_durations", allow_missing=True)
    if df.ndim == 1:
        df = df.reshape(-1, 1)
    if df.ndim != 2:
        raise InputError("futures_durations", f"shape {df.shape}", "must be a days × contracts table")
    if df.shape[0] != dm.shape[0]:
        raise InputError("futures_durations", f"{df.shape[0]} rows",
                         f"do not match the {dm.shape[0]} days of mbs_duration")
    if df.shape[1] == 0:
        raise InputError("futures_durations", futures_durations, "is empty; give one column per contract")
    tilt, lam = _check_tilt_smoothing(trend_tilt, smoothing)
    tilt = tilt.reshape(-1)
    if tilt.size == 1:
        tilt = np.full(dm.shape[0], tilt[0])
    elif tilt.size != dm.shape[0]:
        raise InputError("trend_tilt", f"{tilt.size} values", f"do not match the {dm.shape[0]} days")
    tr = None
    if trend is not None:
        tr = _trend(trend)
        if tr.ndim == 1:
            tr = tr.reshape(-1, 1)
        if tr.shape != df.shape:
            raise InputError("trend", f"shape {tr.shape}",
                             f"does not match futures_durations shape {df.shape}")
    return _weights_core(dm, df, tr, tilt, np.full(dm.shape[0], lam))
