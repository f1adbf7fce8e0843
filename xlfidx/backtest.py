"""The MBS hedge study's MBS trend-convexity backtest: long the MBS index, short Treasury futures.

Every strategy holds long MBS and short futures, unlevered and fully invested
(``w_mbs + Σ w_j = 1``, all ≥ 0) and duration neutral at the previous close
(``w_mbs·D_mbs,t−1 = Σ w_j·D_j,t−1``). **Weights are set from data up to day t−1 and earn day
t's returns**; nothing at or after day t enters them. The strategies:

- ``basis TU`` ... ``basis WN``: the classic duration-hedged basis against one contract,
  ``w_mbs = D_fut/(D_mbs + D_fut)``, ``w_fut = D_mbs/(D_mbs + D_fut)`` (closed form).
- ``adaptive``: each day the basis against the contract closest in duration to the MBS. This is
  the *classic* duration-matched spread the other rows are compared with (``corr_classic``).
- ``trend``: each day the basis against the contract with the most negative EWMAC trend
  (:mod:`xlfidx.trend`).
- ``tilt x``: the trade-off family, :func:`xlfidx.hedging.hedge_weights_history` with
  ``trend_tilt = x`` (years of duration mismatch accepted per unit of trend). Tilt 0 is the
  adaptive basis with near ties shared; a large tilt hedges with the falling futures.
- ``walk-forward``: at each year start, the tilt with the best Sharpe after costs on all data
  so far (an expanding window, at least ``min_train_years``), applied for that calendar year;
  it is the out-of-sample headline.

Daily return (decimal): ``w_mbs·r_mbs − Σ w_j·r_j`` with ``r`` the day's change of LUMSTRUU
and of each roll-adjusted futures price. In bp of yield: that return divided by the hedged
duration ``w_mbs·D_mbs,t−1`` (the study's Δprice/duration; for a one-contract basis it is the
MBS-minus-future yield change, in bp). Residual duration: ``w_mbs·D_mbs,t − Σ w_j·D_j,t`` with
day-t weights at day-t (realised) durations: zero ex ante, what convexity leaves ex post.

Trading cost: ``cost_bp`` per unit of turnover ``Σ|w_t − w_t−1|`` (the one-way notional traded,
both legs). The default 1 bp: the Treasury futures bid/ask is one tick (TU 1/256, TY 1/64,
US 1/32 of a point), so crossing half of it costs about 0.2-1.5 bp of notional, and the TBA
side's half-spread of 1/128-1/64 point is 0.4-0.8 bp; 1 bp covers both with fees on a blended
book. Rolling the generic futures is not charged (the roll-adjusted series assume it is free).
Entering the first position is not counted: the run starts already invested.

Warm-up: no strategy trades before ``warmup_days`` (default 256, the slowest EWMAC span) of MBS
history, so every row starts on the same day apart from contracts listed later.

Missing data: a strategy earns day t's return only when every input it uses exists. It holds a
leg on day t only if that leg's level (LUMSTRUU or the futures price) and duration exist on day
t-1, and a day whose return a held leg cannot give (its level missing on day t) is not earned:
the day's return, turnover and residual duration are NaN, and the metrics leave it out. So over
a gap the reader leaves empty (see :mod:`xlfidx.bloomberg.history`, longer than a few days) a
strategy is flat, and it starts again the day after the data resume. Re-entering after such a
gap is not charged, like the first day (the book is taken as held through the missing data).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from xlfidx.errors import InputError
from xlfidx.trend import DEFAULT_SPANS, VOL_SPAN, _check_spans, ewmac

__all__ = [
    "BacktestConfig",
    "BacktestResult",
    "DEFAULT_TILTS",
    "MAX_TILTS",
    "MAX_HISTORY_DAYS",
    "backtest_title",
    "run_backtest",
    "performance",
    "prepare_inputs",
]

PRICE, DURATION, CONVEXITY = "PX_LAST", "CONVENTIONAL_CTD_FORWARD_FRSK", "FUT_EQV_CNVX_NOTL"
TITLE = "MBS trend-convexity backtest"
DEFAULT_TILTS: tuple[float, ...] = tuple(float(x) for x in np.round(np.linspace(0.0, 10.0, 21), 6))
# Limits of one run. The strategies' weights are held as (strategies x days x contracts)
# arrays: 201 tilts on 21 years of days take about 2 s and 250 MB. A grid finer than 0.05
# over 0..10 or a history longer than a century is a typo, not a study.
MAX_TILTS = 201
MAX_HISTORY_DAYS = 30_000  # about 119 years of business days
MAX_TILT_DAYS = 1_500_000  # tilts x days: 201 tilts on ~29 years, 21 tilts on the longest history
CLASSIC = "adaptive"
WALK_FORWARD = "walk-forward"

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class BacktestConfig:
    """Settings of :func:`run_backtest`.

    - ``tilts``: the ``trend_tilt`` grid of the trade-off family (default 0, 0.5, ..., 10
      years per unit of trend; 21 values). Trend is about ±1 typically and capped at ±2, and
      neighbouring contracts are 2-5 years of duration apart, so 10 is close to pure trend.
    - ``cost_bp``: cost per unit of turnover in bp of notional (default 1; see module doc).
    - ``spans``: EWMAC (fast, slow) speeds; ``vol_span`` the price-volatility span.
    - ``smoothing``: ``hedge_weights``' concentration penalty λ in years (None = its default).
    - ``min_train_years``: the walk-forward's shortest in-sample window.
    - ``warmup_days``: days of history before any strategy trades.
    """

    tilts: tuple[float, ...] = DEFAULT_TILTS
    cost_bp: float = 1.0
    spans: tuple[tuple[int, int], ...] = DEFAULT_SPANS
    vol_span: int = VOL_SPAN
    smoothing: float | None = None
    min_train_years: int = 3
    warmup_days: int = 256
    periods_per_year: int = 252

    def __post_init__(self) -> None:
        try:
            tilts = tuple(float(t) for t in np.atleast_1d(np.asarray(self.tilts, dtype=float)))
        except (TypeError, ValueError):
            raise InputError("tilts", self.tilts, "must be numbers") from None
        if not tilts or any(not np.isfinite(t) or t < 0 for t in tilts):
            raise InputError("tilts", self.tilts, "must be one or more finite numbers >= 0")
        tilts = tuple(sorted(set(tilts)))
        if len(tilts) > MAX_TILTS:
            raise InputError("tilts", f"{len(tilts):,} values", f"are too many; a run takes at "
                             f"most {MAX_TILTS} tilts (e.g. 0 to 10 in steps of 0.05)")
        object.__setattr__(self, "tilts", tilts)
        if not np.isfinite(self.cost_bp) or self.cost_bp < 0:
            raise InputError("cost_bp", self.cost_bp, "must be a number of bp >= 0")
        object.__setattr__(self, "spans", _check_spans(self.spans))
        for name in ("vol_span", "min_train_years", "periods_per_year"):
            if int(getattr(self, name)) < 1:
                raise InputError(name, getattr(self, name), "must be a positive whole number")
        if int(self.warmup_days) < 0:
            raise InputError("warmup_days", self.warmup_days, "must be >= 0")


@dataclass
class BacktestResult:
    """What :func:`run_backtest` returns; every table is indexed by date or by strategy.

    - ``summary``: one row per strategy (metrics, see :func:`performance`).
    - ``returns`` / ``returns_net``: daily returns (decimal, 0.001 = 0.1 %) before / after
      costs, one column per strategy, NaN before it trades and on days its data are missing.
      ``returns_bp``: before costs, in bp of yield.
    - ``weights``: date x (strategy, leg) with legs ``MBS`` then the contracts; the futures
      weights are short positions.
    - ``residual_duration``, ``turnover``: date x strategy.
    - ``frontier``: one row per tilt: Sharpe before/after costs against average |residual
      duration| and the other metrics.
    - ``summary["avg_duration_gap"]``: the futures-weighted ``|D_j − D_mbs|`` at t−1 (years),
      the mismatch between the MBS and the contracts shorted, which the tilt trades for trend.
    - ``walk_forward``: per out-of-sample year, the tilt chosen and its in-sample Sharpe.
    - ``headline``: the walk-forward against the classic basis (adaptive), the trend and the
      per-contract bases on the walk-forward's own out-of-sample window.
    - ``convexity``: per contract, its average CTD convexity and the average |residual
      duration| of its basis (the MBS hedge study's scatter).
    - ``notes``: lines about the data: the ``notes`` passed to :func:`run_backtest` (e.g.
      ``History.notes``), then the backtest's own (contracts skipped).
    """

    summary: pd.DataFrame
    returns: pd.DataFrame
    returns_net: pd.DataFrame
    returns_bp: pd.DataFrame
    weights: pd.DataFrame
    residual_duration: pd.DataFrame
    turnover: pd.DataFrame
    frontier: pd.DataFrame
    walk_forward: pd.DataFrame
    headline: pd.DataFrame
    convexity: pd.DataFrame
    config: BacktestConfig
    contracts: list[str]
    notes: list[str] = field(default_factory=list)


def backtest_title(label: str = "") -> str:
    """The heading of a backtest's printout and Backtest sheet; ``label`` comes from the data.

    ``label`` is ``History.label``: "SYNTHETIC sample data, not market data" for the shipped
    sample, empty for a user's book.

    >>> backtest_title("SYNTHETIC sample data, not market data")
    'MBS trend-convexity backtest -- SYNTHETIC sample data, not market data'
    >>> backtest_title()
    'MBS trend-convexity backtest'
    """
    return f"{TITLE} -- {label}" if label else TITLE


# ---------------------------------------------------------------------------------------------
# inputs


def _futures_table(futures: Any) -> pd.DataFrame:
    """Accept the (field, contract) MultiIndex frame of read_history, or {contract: frame}."""
    if isinstance(futures, dict):
        parts = {}
        for c, frame in futures.items():
            if not isinstance(frame, pd.DataFrame):
                raise InputError(f"futures[{c!r}]", type(frame).__name__, "must be a DataFrame of fields")
            for f in frame.columns:
                parts[(str(f), str(c))] = frame[f]
        futures = pd.DataFrame(parts)
    if not isinstance(futures, pd.DataFrame) or futures.columns.nlevels != 2:
        raise InputError("futures", type(futures).__name__, "must be a DataFrame with (field, contract) "
                         "columns as read_history returns, or a dict {contract: DataFrame of fields}")
    return futures


def _date_index(frame: pd.DataFrame, name: str) -> pd.DatetimeIndex:
    idx = frame.index
    if not isinstance(idx, pd.DatetimeIndex):
        first = idx[0] if len(idx) else None
        raise InputError(f"{name}.index", first, "is not a date index; index the history by date "
                         "(read_history does)")
    if idx.hasnans or not idx.is_monotonic_increasing or idx.has_duplicates:
        raise InputError(f"{name}.index", f"{idx[0]} .. {idx[-1]}",
                         "must be increasing dates without blanks or repeats")
    return idx


def prepare_inputs(mbs: pd.DataFrame, futures: Any) -> dict[str, Any]:
    """Validate and align the histories; arrays for the backtest (see :func:`run_backtest`).

    A contract without data (no price, or no positive duration) is skipped with a warning and
    left out of the arrays.
    """
    if not isinstance(mbs, pd.DataFrame):
        raise InputError("mbs", type(mbs).__name__, "must be a DataFrame with LUMSTRUU and LUMSMD columns")
    dates = _date_index(mbs, "mbs")
    for col in ("LUMSTRUU", "LUMSMD"):
        if col not in mbs.columns:
            raise InputError("mbs", col, f"column is missing; the MBS history has {list(mbs.columns)}")
    level = mbs["LUMSTRUU"].to_numpy(dtype=float)
    d_mbs = mbs["LUMSMD"].to_numpy(dtype=float)
    for name, values in (("LUMSTRUU", level), ("LUMSMD", d_mbs)):
        bad = np.isfinite(values) & (values <= 0)
        if bad.any():
            i = int(np.argmax(bad))
            raise InputError(f"mbs {name} on {dates[i].date()}", float(values[i]), "must be positive")
    fut = _futures_table(futures)
    _date_index(fut, "futures")
    fut = fut.reindex(dates)
    contracts = list(dict.fromkeys(fut.columns.get_level_values(1)))
    notes: list[str] = []
    keep = []
    for c in contracts:
        have = {f for f, cc in fut.columns if cc == c}
        why = None
        if PRICE not in have or DURATION not in have:
            why = f"no {PRICE} or {DURATION} column"
        else:
            px = fut[(PRICE, c)].to_numpy(dtype=float)
            dur = fut[(DURATION, c)].to_numpy(dtype=float)
            if np.isfinite(px).sum() < 2 or not np.isfinite(dur).any():
                why = "no data"
            bad = np.isfinite(dur) & (dur <= 0)
            if bad.any():
                i = int(np.argmax(bad))
                raise InputError(f"{c} {DURATION} on {dates[i].date()}", float(dur[i]),
                                 "is not positive; a CTD duration is in years and > 0")
            bad = np.isfinite(px) & (px <= 0)
            if bad.any():
                i = int(np.argmax(bad))
                raise InputError(f"{c} {PRICE} on {dates[i].date()}", float(px[i]), "is not positive")
        if why:
            msg = f"contract {c} skipped: {why}"
            notes.append(msg)
            warnings.warn(msg, UserWarning, stacklevel=3)
        else:
            keep.append(c)
    if not keep:
        raise InputError("futures", contracts, "has no contract with data; nothing to hedge with")

    def field_table(f: str) -> np.ndarray:
        return np.column_stack([
            fut[(f, c)].to_numpy(dtype=float) if (f, c) in fut.columns else np.full(len(dates), np.nan)
            for c in keep])

    return {"dates": dates, "level": level, "d_mbs": d_mbs, "contracts": keep,
            "prices": field_table(PRICE), "d_fut": field_table(DURATION),
            "convexity": field_table(CONVEXITY), "notes": notes}


# ---------------------------------------------------------------------------------------------
# strategies: (T, 1+k) weights from lagged data


def _lag(x: np.ndarray) -> np.ndarray:
    out = np.empty_like(x)
    out[0] = np.nan
    out[1:] = x[:-1]
    return out


def _single_contract(choice: np.ndarray, dm: np.ndarray, df: np.ndarray) -> np.ndarray:
    """Basis weights when shorting contract ``choice[t]`` (−1 = no position) each day."""
    t_n, k = df.shape
    w = np.zeros((t_n, 1 + k))
    rows = np.flatnonzero(choice >= 0)
    d_f = df[rows, choice[rows]]
    w[rows, 0] = d_f / (dm[rows] + d_f)
    w[rows, 1 + choice[rows]] = dm[rows] / (dm[rows] + d_f)
    return w


def _argmin_valid(score: np.ndarray) -> np.ndarray:
    ok = np.isfinite(score)
    choice = np.argmin(np.where(ok, score, np.inf), axis=1)
    return np.where(ok.any(axis=1), choice, -1)


def _strategy_weights(inp: dict[str, Any], trend: np.ndarray, cfg: BacktestConfig,
                      progress: Progress) -> tuple[list[str], np.ndarray]:
    from xlfidx.hedging import hedge_weights_history

    dm, df, tr = _lag(inp["d_mbs"]), _lag(inp["d_fut"]), _lag(trend)
    t_n, k = df.shape
    # a leg is held on day t only if its level and its duration exist on day t-1
    ok_m = np.isfinite(dm) & np.isfinite(_lag(inp["level"]))
    ok_m[: min(cfg.warmup_days + 1, t_n)] = False  # first trade earns day warmup_days + 1
    df = np.where(ok_m[:, None] & np.isfinite(_lag(inp["prices"])), df, np.nan)
    dm_safe = np.where(ok_m, dm, np.nan)
    names, blocks = [], []
    for j, c in enumerate(inp["contracts"]):
        names.append(f"basis {c}")
        blocks.append(_single_contract(np.where(np.isfinite(df[:, j]), j, -1), dm_safe, df))
    names.append(CLASSIC)
    blocks.append(_single_contract(_argmin_valid(np.abs(df - dm_safe[:, None])), dm_safe, df))
    names.append("trend")
    blocks.append(_single_contract(_argmin_valid(np.where(np.isfinite(df), tr, np.nan)), dm_safe, df))
    kwargs = {} if cfg.smoothing is None else {"smoothing": cfg.smoothing}
    for i, tilt in enumerate(cfg.tilts):
        w = hedge_weights_history(dm_safe, df, tr, tilt, **kwargs)
        blocks.append(np.nan_to_num(w, nan=0.0))
        names.append(_tilt_name(tilt))
        progress(0.2 + 0.5 * (i + 1) / len(cfg.tilts), f"trade-off family: tilt {tilt:g}")
    return names, np.stack(blocks)


def _tilt_name(tilt: float) -> str:
    return f"tilt {tilt:g}"


# ---------------------------------------------------------------------------------------------
# evaluation


def _evaluate(weights: np.ndarray, inp: dict[str, Any], cost_bp: float) -> dict[str, np.ndarray]:
    """Returns, turnover and residual duration of stacked weights (S, T, 1+k)."""
    level, prices = inp["level"], inp["prices"]
    with np.errstate(invalid="ignore", divide="ignore"):
        r_legs = np.column_stack([level / _lag(level), prices / _lag(prices)]) - 1.0  # (T, 1+k)
    held = weights > 0
    # a day is earned only when every leg held has its return that day
    live = held.any(axis=2) & ~(held & ~np.isfinite(r_legs)[None]).any(axis=2)
    r_legs = np.nan_to_num(r_legs)  # legs not held: their weight is 0
    gross = weights[:, :, 0] * r_legs[:, 0] - np.einsum("stk,tk->st", weights[:, :, 1:], r_legs[:, 1:])
    prev = np.concatenate([weights[:, :1], weights[:, :-1]], axis=1)
    turnover = np.abs(weights - prev).sum(axis=2)
    # entering from flat is not charged: the run starts invested, and a book is taken as held
    # through a stretch of missing data
    was_flat = np.concatenate([np.ones((len(weights), 1), dtype=bool), ~held.any(axis=2)[:, :-1]], axis=1)
    turnover[was_flat] = 0.0
    net = gross - cost_bp / 1e4 * turnover
    d_legs = np.column_stack([inp["d_mbs"], inp["d_fut"]])
    with np.errstate(invalid="ignore"):
        # a held leg without its duration that day leaves the residual unknown (NaN)
        exposure = np.where(held, weights * d_legs[None], 0.0)
    resid = exposure[:, :, 0] - exposure[:, :, 1:].sum(axis=2)
    dm_lag, df_lag = np.nan_to_num(_lag(inp["d_mbs"])), _lag(inp["d_fut"])
    hedged = weights[:, :, 0] * dm_lag
    # the duration mismatch the tilt accepts: futures-weighted |D_j - D_mbs| at t-1 (years)
    gap_j = np.nan_to_num(np.abs(df_lag - dm_lag[:, None]))
    fut_w = weights[:, :, 1:].sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        bp = np.where(live, gross / hedged * 1e4, np.nan)
        bp_net = np.where(live, net / hedged * 1e4, np.nan)
        gap = np.einsum("stk,tk->st", weights[:, :, 1:], gap_j) / fut_w
    mask = np.where(live, 1.0, np.nan)
    return {"gross": gross * mask, "net": net * mask, "bp": bp, "bp_net": bp_net,
            "turnover": turnover * mask, "gap": gap * mask,
            "resid": resid * mask, "live": live}


def _max_drawdown_pct(r: np.ndarray) -> float:
    wealth = np.cumprod(1.0 + r)
    peak = np.maximum.accumulate(np.r_[1.0, wealth])[1:]
    return float((wealth / peak - 1.0).min() * 100.0)


def _max_drawdown_bp(bp: np.ndarray) -> float:
    cum = np.cumsum(bp)
    peak = np.maximum.accumulate(np.r_[0.0, cum])[1:]
    return float((cum - peak).min())


def performance(returns: Any, returns_bp: Any = None, *, residual_duration: Any = None,
                turnover: Any = None, classic: Any = None, periods_per_year: int = 252) -> dict[str, float]:
    """Metrics of one daily return series (decimal); NaN days (not trading) are left out.

    Returns ``ann_return_pct`` (mean x 252, %), ``ann_vol_pct``, ``sharpe`` (mean/std x √252,
    no risk-free rate: the long MBS leg is funded), ``max_dd_pct`` (compounded), the same in bp
    of yield when ``returns_bp`` is given (``ann_return_bp``, ``ann_vol_bp``, ``max_dd_bp`` on
    the summed bp), ``avg_abs_resid_dur`` (years), ``turnover`` (Σ|Δw| per year),
    ``holding_days`` (2 / daily turnover: days to trade the whole book once, both legs) and
    ``corr_classic`` (daily correlation with ``classic`` on the common days).

    >>> m = performance(np.array([0.001, -0.0005, 0.0007, 0.0002]))
    >>> round(float(m["ann_return_pct"]), 2), round(float(m["sharpe"]), 2), round(m["max_dd_pct"], 3)
    (8.82, 8.47, -0.05)
    """
    r = np.asarray(returns, dtype=float)
    ok = np.isfinite(r)
    rr = r[ok]
    ppy = periods_per_year
    out: dict[str, float] = {"days": float(rr.size)}
    if rr.size < 2:
        return out | {"ann_return_pct": np.nan, "ann_vol_pct": np.nan, "sharpe": np.nan, "max_dd_pct": np.nan}
    mean, sd = rr.mean(), rr.std(ddof=1)
    out["ann_return_pct"] = mean * ppy * 100.0
    out["ann_vol_pct"] = sd * np.sqrt(ppy) * 100.0
    out["sharpe"] = mean / sd * np.sqrt(ppy) if sd > 0 else np.nan
    out["max_dd_pct"] = _max_drawdown_pct(rr)
    if returns_bp is not None:
        b = np.asarray(returns_bp, dtype=float)[ok]
        b = np.nan_to_num(b)
        out["ann_return_bp"] = b.mean() * ppy
        out["ann_vol_bp"] = b.std(ddof=1) * np.sqrt(ppy)
        out["max_dd_bp"] = _max_drawdown_bp(b)
    if residual_duration is not None:
        out["avg_abs_resid_dur"] = float(np.nanmean(np.abs(np.asarray(residual_duration, float)[ok])))
    if turnover is not None:
        daily = float(np.nanmean(np.asarray(turnover, float)[ok]))
        out["turnover"] = daily * ppy
        out["holding_days"] = 2.0 / daily if daily > 0 else np.inf
    if classic is not None:
        c = np.asarray(classic, dtype=float)
        both = ok & np.isfinite(c)
        out["corr_classic"] = float(np.corrcoef(r[both], c[both])[0, 1]) if both.sum() > 2 else np.nan
    return {key: float(val) for key, val in out.items()}


SUMMARY_COLUMNS = [
    "start", "years",
    "ann_return_pct", "ann_vol_pct", "sharpe", "max_dd_pct",
    "ann_return_bp", "ann_vol_bp", "max_dd_bp",
    "ann_return_pct_net", "ann_vol_pct_net", "sharpe_net", "max_dd_pct_net",
    "ann_return_bp_net", "max_dd_bp_net",
    "avg_abs_resid_dur", "avg_duration_gap", "turnover", "holding_days", "corr_classic",
]


def _row(ev: dict[str, np.ndarray], s: int, dates: pd.DatetimeIndex, classic: np.ndarray,
         ppy: int, sl: slice = slice(None)) -> dict[str, Any]:
    gross, net, bp = ev["gross"][s, sl], ev["net"][s, sl], ev["bp"][s, sl]
    turnover = ev["turnover"][s, sl]
    before = performance(gross, bp, residual_duration=ev["resid"][s, sl], turnover=turnover,
                         classic=classic[sl], periods_per_year=ppy)
    after = performance(net, ev["bp_net"][s, sl], periods_per_year=ppy)
    live = np.isfinite(gross)
    row: dict[str, Any] = {
        "start": dates[sl][int(np.argmax(live))].date() if live.any() else None,
        "years": live.sum() / ppy,
    }
    row.update(before)
    row.update({f"{key}_net": val for key, val in after.items() if key != "days"})
    row["avg_duration_gap"] = float(np.nanmean(ev["gap"][s, sl])) if live.any() else np.nan
    return {key: row.get(key, np.nan) for key in SUMMARY_COLUMNS}


def _walk_forward(ev: dict[str, np.ndarray], fam: np.ndarray, tilts: Sequence[float],
                  dates: pd.DatetimeIndex, cfg: BacktestConfig) -> tuple[np.ndarray, pd.DataFrame]:
    """Per calendar year, the tilt index with the best in-sample Sharpe after costs."""
    net = ev["net"][fam]  # (n_tilts, T)
    ok = np.isfinite(net)
    x = np.where(ok, net, 0.0)
    n = np.cumsum(ok, axis=1)
    s1 = np.cumsum(x, axis=1)
    s2 = np.cumsum(x * x, axis=1)
    live_any = ok.any(axis=0)
    if not live_any.any():
        return np.full(len(dates), -1), pd.DataFrame(columns=["tilt", "in_sample_sharpe_net"])
    years = dates.year.to_numpy()
    first_year = int(years[int(np.argmax(live_any))])
    need = cfg.min_train_years * cfg.periods_per_year * 0.95  # a few holidays short is fine
    choice = np.full(len(dates), -1)
    rows = []
    for year in range(first_year + 1, int(years[-1]) + 1):
        end = int(np.searchsorted(years, year)) - 1  # last day before the year
        if end < 1 or live_any[: end + 1].sum() < need:
            continue
        cnt = n[:, end].astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = s1[:, end] / cnt
            var = (s2[:, end] - cnt * mean**2) / (cnt - 1)
            sharpe = mean / np.sqrt(var) * np.sqrt(cfg.periods_per_year)
        if not np.isfinite(sharpe).any():
            continue
        best = int(np.nanargmax(sharpe))  # ties: the smallest tilt (the grid is sorted)
        choice[years == year] = best
        rows.append({"year": year, "tilt": tilts[best], "in_sample_sharpe_net": float(sharpe[best]),
                     "train_from": dates[int(np.argmax(live_any))].date(),
                     "train_to": dates[end].date()})
    return choice, pd.DataFrame(rows).set_index("year") if rows else pd.DataFrame(
        columns=["tilt", "in_sample_sharpe_net", "train_from", "train_to"])


def _check_size(days: int, tilts: int) -> None:
    """A clear limit instead of minutes of work and gigabytes of memory."""
    if days > MAX_HISTORY_DAYS:
        raise InputError("mbs", f"{days:,} days", f"is too long a history; a run takes at most "
                         f"{MAX_HISTORY_DAYS:,} days (about 119 years)")
    if days * tilts > MAX_TILT_DAYS:
        raise InputError("tilts", f"{tilts} tilts on {days:,} days",
                         f"is too large a run (at most {MAX_TILT_DAYS:,} tilt-days); use fewer "
                         "tilts or a shorter history")


def run_backtest(mbs: pd.DataFrame, futures: Any, config: BacktestConfig | None = None,
                 progress: Progress | None = None, notes: Sequence[str] = ()) -> BacktestResult:
    """Run every strategy of the MBS hedge study on an MBS history and futures histories.

    ``mbs``: DataFrame indexed by date with ``LUMSTRUU`` (total return level) and ``LUMSMD``
    (modified duration, years). ``futures``: the (field, contract) table of
    :func:`xlfidx.read_history` (or a dict contract -> DataFrame of ``PX_LAST``,
    ``CONVENTIONAL_CTD_FORWARD_FRSK`` and optionally ``FUT_EQV_CNVX_NOTL``), NaN before a
    contract is listed. ``progress(fraction, message)`` is called as the run goes. ``notes``
    (e.g. ``History.notes``: the gaps the reader filled or left) lead ``result.notes``.

    >>> from xlfidx import read_history
    >>> from xlfidx.samples import sample_path
    >>> res = run_backtest(*read_history(sample_path("mbs_trend_sample.xlsx")))  # synthetic data
    >>> "walk-forward" in res.summary.index
    True
    """
    cfg = config or BacktestConfig()
    if not isinstance(cfg, BacktestConfig):
        raise InputError("config", type(cfg).__name__, "must be a BacktestConfig")
    say: Progress = progress or (lambda fraction, message: None)
    say(0.0, "checking the histories")
    inp = prepare_inputs(mbs, futures)
    dates, contracts = inp["dates"], inp["contracts"]
    _check_size(len(dates), len(cfg.tilts))
    say(0.1, "EWMAC trend")
    trend = ewmac(pd.DataFrame(inp["prices"], index=dates, columns=contracts), cfg.spans,
                  cfg.vol_span).to_numpy()
    say(0.2, "strategy weights")
    names, weights = _strategy_weights(inp, trend, cfg, say)
    say(0.75, "returns, costs, residual durations")
    ev = _evaluate(weights, inp, cfg.cost_bp)
    fam = np.arange(names.index(_tilt_name(cfg.tilts[0])), len(names))
    choice, wf_table = _walk_forward(ev, fam, cfg.tilts, dates, cfg)
    say(0.85, "walk-forward")
    wf = np.zeros_like(weights[0])
    rows = np.flatnonzero(choice >= 0)
    wf[rows] = weights[fam[choice[rows]], rows]
    names.append(WALK_FORWARD)
    weights = np.concatenate([weights, wf[None]], axis=0)
    ev = {key: np.concatenate([val, _evaluate(wf[None], inp, cfg.cost_bp)[key]], axis=0)
          for key, val in ev.items()}

    ppy = cfg.periods_per_year
    classic = ev["gross"][names.index(CLASSIC)]
    summary = pd.DataFrame([_row(ev, s, dates, classic, ppy) for s in range(len(names))],
                           index=pd.Index(names, name="strategy"))
    frontier = summary.loc[[_tilt_name(t) for t in cfg.tilts],
                           ["sharpe", "sharpe_net", "avg_abs_resid_dur", "avg_duration_gap", "ann_return_pct",
                            "ann_return_pct_net", "ann_vol_pct", "max_dd_pct", "turnover"]].copy()
    frontier.index = pd.Index(list(cfg.tilts), name="trend_tilt")

    # the out-of-sample comparison: every row on the walk-forward's window
    oos = np.isfinite(ev["gross"][-1])
    head_names = [WALK_FORWARD, CLASSIC, "trend", _tilt_name(cfg.tilts[0])] + [f"basis {c}" for c in contracts]
    if oos.any():
        a, b = int(np.argmax(oos)), len(oos) - int(np.argmax(oos[::-1]))
        sl = slice(a, b)
        headline = pd.DataFrame([_row(ev, names.index(n), dates, classic, ppy, sl)
                                 for n in head_names], index=pd.Index(head_names, name="strategy"))
    else:
        headline = pd.DataFrame(columns=SUMMARY_COLUMNS)

    conv = []
    for j, c in enumerate(contracts):
        s = names.index(f"basis {c}")
        live = np.isfinite(ev["gross"][s])
        conv.append({"contract": c, "avg_ctd_convexity": float(np.nanmean(inp["convexity"][live, j]))
                     if live.any() else np.nan,
                     "avg_ctd_duration": float(np.nanmean(inp["d_fut"][live, j])) if live.any() else np.nan,
                     "avg_abs_resid_dur": summary.loc[f"basis {c}", "avg_abs_resid_dur"]})
    convexity = pd.DataFrame(conv).set_index("contract")

    legs = ["MBS", *contracts]
    s_n, t_n, l_n = weights.shape
    wide = pd.DataFrame(weights.transpose(1, 0, 2).reshape(t_n, s_n * l_n), index=dates,
                        columns=pd.MultiIndex.from_product([names, legs], names=["strategy", "leg"]))

    def table(key: str) -> pd.DataFrame:
        return pd.DataFrame(ev[key].T, index=dates, columns=pd.Index(names, name="strategy"))

    say(1.0, "done")
    return BacktestResult(
        summary=summary, returns=table("gross"), returns_net=table("net"), returns_bp=table("bp"),
        weights=wide, residual_duration=table("resid"), turnover=table("turnover"),
        frontier=frontier, walk_forward=wf_table, headline=headline, convexity=convexity,
        config=cfg, contracts=contracts,
        notes=list(notes) + [n for n in inp["notes"] if n not in notes],
    )
