"""PNG charts of a :class:`~xlfidx.backtest.BacktestResult` (matplotlib, lazy import, no pyplot).

- ``cumulative``: cumulative return after costs of the per-contract bases, adaptive, trend and
  the walk-forward tilt;
- ``frontier``: Sharpe (before and after costs) against average |residual duration| across the
  tilt grid, with the other strategies marked;
- ``convexity``: the MBS hedge study's scatter, average CTD convexity against the average |residual
  duration| of each contract's basis;
- ``residual``: the residual duration of each basis over time (20-day average).

``label`` (``History.label``: "SYNTHETIC sample data, not market data" for the shipped sample,
empty for a user's book) is added to every title. Titles state what is drawn and the fitted
figures, never a conclusion the figures may not support.
Each chart is drawn once, at the size the ``Backtest`` sheet shows it (at most
:data:`WIDTH_PIXELS` wide), straight from a :class:`matplotlib.figure.Figure` (no pyplot state,
no GUI backend), and written with :func:`xlfidx._files.atomic_write`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["CHARTS", "basis_names", "convexity_fit", "convexity_title", "cumulative_pct", "cumulative_title",
           "drawn_strategies", "frontier_title", "labelled", "plot_all", "plot_cumulative", "plot_frontier",
           "plot_convexity", "plot_residual"]

CHARTS = ("cumulative", "frontier", "convexity", "residual")
WIDTH_PIXELS = 900  # the Backtest sheet shows every chart at most this wide
DPI = 100


def _figure(**kwargs: Any) -> Any:
    from matplotlib.figure import Figure  # deferred: slow to import

    return Figure(**kwargs)


def labelled(text: str, label: str) -> str:
    """A chart title with the data's label (SYNTHETIC for the sample) on a line of its own.

    >>> print(labelled("Cumulative return", "SYNTHETIC sample data, not market data"))
    Cumulative return
    SYNTHETIC sample data, not market data
    """
    return f"{text}\n{label}" if label else text


def _margins(fig: Any, axes: Any, *, top: float, left: float = 0.8, bottom: float = 0.65,
             right: float = 0.2, wspace: float = 0.25, hspace: float = 0.45) -> None:
    """Place the axes with fixed margins in inches (what tight_layout finds for these charts,
    without the extra pass over every tick label it costs)."""
    import numpy as np

    nrows, ncols = np.atleast_2d(np.asarray(axes, dtype=object)).shape
    w, h = fig.get_size_inches()
    ax_w = (w - left - right - wspace * (ncols - 1)) / ncols
    ax_h = (h - top - bottom - hspace * (nrows - 1)) / nrows
    fig.subplots_adjust(left=left / w, right=1 - right / w, bottom=bottom / h, top=1 - top / h,
                        wspace=wspace / ax_w, hspace=hspace / ax_h)


def _title_inches(text: str, size: float = 12.0) -> float:
    """Room above the axes for a title of ``text``'s lines at ``size`` points, in inches."""
    return 0.2 + (text.count("\n") + 1) * size * 1.25 / 72


def _save(fig: Any, path: Path) -> Path:
    from xlfidx._files import atomic_write

    dpi = min(DPI, WIDTH_PIXELS / fig.get_figwidth())
    with atomic_write(path) as tmp:
        # zlib level 1: a few percent larger than the default 6, at a fraction of the time
        fig.savefig(tmp, dpi=dpi, format="png", pil_kwargs={"compress_level": 1})
    return path


def basis_names(result: Any) -> list[str]:
    """The strategy names of the duration-hedged basis against each contract."""
    return [f"basis {c}" for c in result.contracts]


def drawn_strategies(result: Any) -> list[str]:
    """The strategies the cumulative and frontier charts draw, in their order: each basis,
    adaptive, trend and the walk-forward (the tilt family is drawn as one line)."""
    return [*basis_names(result), "adaptive", "trend", "walk-forward"]


def cumulative_pct(returns: Any) -> Any:
    """Cumulative return in % of a daily return series, from its first day with a return."""
    return ((1 + returns.dropna()).cumprod() - 1) * 100


def cumulative_title(result: Any, label: str = "") -> str:
    return labelled("Long MBS / short Treasury futures, duration neutral "
                    f"(cost {result.config.cost_bp:g} bp per unit turnover)", label)


def frontier_title(result: Any, label: str = "") -> str:
    return labelled("Trade-off frontier: trend tilt against duration matching "
                    f"(cost {result.config.cost_bp:g} bp per unit turnover)", label)


def plot_cumulative(result: Any, path: Path | str, label: str = "") -> Path:
    """Cumulative return (%) after costs, each strategy from its own first trading day."""
    fig = _figure(figsize=(10, 5.5))
    ax = fig.subplots()
    net = result.returns_net
    for name in drawn_strategies(result):
        cum = cumulative_pct(net[name])
        if cum.empty:
            continue
        bold = name in ("adaptive", "walk-forward")
        ax.plot(cum.index, cum, label=name,
                lw=2.2 if bold else 1.0, ls="--" if name == "trend" else "-")
    ax.axhline(0, color="grey", lw=0.6)
    ax.set_ylabel("cumulative return after costs, %")
    title = cumulative_title(result, label)
    ax.set_title(title)
    ax.legend(ncol=3, fontsize=8, loc="upper left")
    ax.grid(alpha=0.3)
    _margins(fig, ax, top=_title_inches(title), bottom=0.45)
    return _save(fig, Path(path))


def plot_frontier(result: Any, path: Path | str, label: str = "") -> Path:
    """Sharpe against average |residual duration| over the tilt grid (the trade-off frontier).

    A second panel puts the same Sharpe against the average duration gap between the MBS and
    the futures shorted (what the tilt gives up for trend), where the tilts spread out more.
    """
    fig = _figure(figsize=(13, 5.5))
    axes = fig.subplots(1, 2, sharey=True)
    fr, s = result.frontier, result.summary
    wf_start = s.loc["walk-forward", "start"] if "walk-forward" in s.index else None
    markers = {"adaptive": "D", "trend": "v", "walk-forward": "*"}
    marks = [(n, markers.get(n, "s")) for n in drawn_strategies(result)]
    for ax, xcol, xlabel in (
        (axes[0], "avg_abs_resid_dur", "average |residual duration|, years (t-1 weights at day-t durations)"),
        (axes[1], "avg_duration_gap", "average |D_future - D_mbs| of the futures shorted, years"),
    ):
        ax.plot(fr[xcol], fr["sharpe"], "o-", color="tab:blue", ms=4, label="tilt family, before costs")
        ax.plot(fr[xcol], fr["sharpe_net"], "o-", color="tab:orange", ms=4, label="tilt family, after costs")
        for tilt in fr.index[:: max(1, len(fr) // 5)]:
            ax.annotate(f"tilt {tilt:g}", (fr.loc[tilt, xcol], fr.loc[tilt, "sharpe_net"]),
                        textcoords="offset points", xytext=(5, -10), fontsize=7, color="tab:orange")
        for name, marker in marks:
            if name in s.index and np.isfinite(s.loc[name, "sharpe_net"]):
                text = name if name != "walk-forward" else f"walk-forward (out of sample, from {wf_start})"
                ax.scatter(s.loc[name, xcol], s.loc[name, "sharpe_net"], marker=marker,
                           s=110 if marker == "*" else 40, zorder=3, label=f"{text}, after costs")
        ax.set_xlabel(xlabel)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("Sharpe ratio (252 days)")
    axes[1].legend(fontsize=7, loc="upper right")
    title = frontier_title(result, label)
    fig.suptitle(title)
    _margins(fig, [axes], top=_title_inches(title), wspace=0.2)
    return _save(fig, Path(path))


def convexity_fit(convexity: Any) -> dict[str, float]:
    """Least-squares line and correlation of average |residual duration| on average CTD convexity.

    ``convexity`` is ``BacktestResult.convexity`` (one row per contract); contracts without
    both figures are left out. Returns ``n``, ``slope`` (years per unit of convexity),
    ``intercept`` (years) and ``corr``; NaN where fewer than 2 (3 for ``corr``) contracts.

    >>> import pandas as pd
    >>> cv = pd.DataFrame({"avg_ctd_convexity": [0.1, 0.5, 1.0], "avg_abs_resid_dur": [0.02, 0.03, 0.05]})
    >>> {k: round(v, 4) for k, v in convexity_fit(cv).items()}
    {'n': 3, 'slope': 0.0336, 'intercept': 0.0154, 'corr': 0.9921}
    """
    cv = convexity.dropna(subset=["avg_ctd_convexity", "avg_abs_resid_dur"])
    x, y = cv["avg_ctd_convexity"].to_numpy(float), cv["avg_abs_resid_dur"].to_numpy(float)
    out = {"n": len(cv), "slope": np.nan, "intercept": np.nan, "corr": np.nan}
    if len(cv) >= 2 and np.ptp(x) > 0:
        out["slope"], out["intercept"] = (float(v) for v in np.polyfit(x, y, 1))
    if len(cv) >= 3 and np.ptp(x) > 0 and np.ptp(y) > 0:
        out["corr"] = float(np.corrcoef(x, y)[0, 1])
    return out


def convexity_title(convexity: Any, label: str = "") -> str:
    """The convexity chart's title: what is drawn and the fitted figures, no verdict.

    >>> import pandas as pd
    >>> cv = pd.DataFrame({"avg_ctd_convexity": [0.1, 0.5, 1.0], "avg_abs_resid_dur": [0.05, 0.03, 0.02]})
    >>> print(convexity_title(cv))
    Average |residual duration| of each duration-hedged basis vs average CTD convexity
    least squares over 3 contracts: slope -0.0328 years per unit of convexity, correlation -0.97
    """
    fit = convexity_fit(convexity)
    text = "Average |residual duration| of each duration-hedged basis vs average CTD convexity"
    if np.isfinite(fit["slope"]):
        text += (f"\nleast squares over {fit['n']} contracts: slope {fit['slope']:.4f} years per "
                 "unit of convexity, correlation " + (f"{fit['corr']:.2f}" if np.isfinite(fit["corr"]) else "n/a"))
    return labelled(text, label)


def plot_convexity(result: Any, path: Path | str, label: str = "") -> Path:
    """The MBS hedge study's scatter: average CTD convexity vs average |residual duration| of each basis."""
    fig = _figure(figsize=(8, 5.5))
    ax = fig.subplots()
    cv = result.convexity.dropna(subset=["avg_ctd_convexity", "avg_abs_resid_dur"])
    ax.scatter(cv["avg_ctd_convexity"], cv["avg_abs_resid_dur"], s=60, color="tab:red", zorder=3)
    for c, row in cv.iterrows():
        ax.annotate(c, (row["avg_ctd_convexity"], row["avg_abs_resid_dur"]),
                    textcoords="offset points", xytext=(6, 4))
    fit = convexity_fit(result.convexity)
    if np.isfinite(fit["slope"]):
        x = np.linspace(0, cv["avg_ctd_convexity"].max() * 1.05, 50)
        ax.plot(x, fit["intercept"] + fit["slope"] * x, color="grey", lw=0.8, ls="--",
                label="least squares" + (f", corr {fit['corr']:.2f}" if np.isfinite(fit["corr"]) else ""))
        ax.legend(fontsize=8)
    ax.set_xlabel("average CTD convexity (FUT_EQV_CNVX_NOTL)")
    ax.set_ylabel("average |residual duration| of the basis, years")
    title = convexity_title(result.convexity, label)
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    _margins(fig, ax, top=_title_inches(title, 10.0))
    return _save(fig, Path(path))


def plot_residual(result: Any, path: Path | str, label: str = "", window: int = 20) -> Path:
    """Residual duration of each basis over time: daily (faint) and a ``window``-day average."""
    names = basis_names(result)
    ncols = 3
    nrows = max(1, -(-len(names) // ncols))
    fig = _figure(figsize=(13, 3.0 * nrows + 1))
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False)
    rd = result.residual_duration
    for ax, name in zip(axes.flat, names, strict=False):
        ax.plot(rd.index, rd[name], lw=0.4, color="tab:blue", alpha=0.35)
        ax.plot(rd.index, rd[name].rolling(window, min_periods=1).mean(), lw=1.0, color="tab:red")
        ax.axhline(0, color="grey", lw=0.6)
        ax.set_title(f"{name}: mean |residual| {np.nanmean(np.abs(rd[name])):.3f} y", fontsize=9)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(names):]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel("years")
    title = labelled("Residual duration w_mbs*D_mbs - w_fut*D_fut of each duration-hedged basis "
                   f"(t-1 weights at day-t durations; daily, red {window}-day average)", label)
    fig.suptitle(title)
    _margins(fig, axes, top=_title_inches(title) + 0.25, bottom=0.45, wspace=0.15, hspace=0.4)
    return _save(fig, Path(path))


def plot_all(result: Any, out_dir: Path | str, label: str = "", prefix: str = "backtest_") -> dict[str, Path]:
    """Write the four charts as ``<prefix><name>.png`` in ``out_dir``; returns name -> path."""
    out = Path(out_dir)
    makers = {"cumulative": plot_cumulative, "frontier": plot_frontier,
              "convexity": plot_convexity, "residual": plot_residual}
    return {name: makers[name](result, out / f"{prefix}{name}.png", label) for name in CHARTS}
