"""Charts of the Fed funds futures curve and the implied policy path (matplotlib, no pyplot)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["plot_fed_path", "plot_sofr_fed"]


def plot_fed_path(dates: list[tuple[str, pd.DataFrame, pd.DataFrame, float]], path: str | Path,
                  title: str = "Fed funds futures") -> Path:
    """Write a PNG: left, the futures curve (implied rate per contract month); right, the
    expected rate after each meeting as a step path from spot. One line per pricing date.

    ``dates`` holds ``(label, curve, fed_path_table, spot_rate)`` per pricing date, where
    ``curve`` has ``month`` and ``implied rate %`` (:func:`xlfidx.fed_funds_curve`) and
    optionally ``open interest`` (drawn as bars for the first date).
    """
    from matplotlib.figure import Figure  # deferred: slow to import

    from xlfidx._files import atomic_write

    fig = Figure(figsize=(12, 4.6), layout="constrained")
    ax_c, ax_p = fig.subplots(1, 2)
    for i, (label, curve, table, spot) in enumerate(dates):
        x = pd.to_datetime(curve["month"]) + pd.offsets.MonthEnd(0)
        ax_c.plot(x, curve["implied rate %"], marker="o", ms=3.5, label=label)
        if i == 0 and "open interest" in curve and curve["open interest"].notna().any():
            ax_oi = ax_c.twinx()
            ax_oi.bar(x, curve["open interest"] / 1000, width=18, alpha=0.18, color="grey")
            ax_oi.set_ylabel(f"open interest, {label} (thousands)", color="grey")
            # the curve in front of the bars
            ax_c.set_zorder(ax_oi.get_zorder() + 1)
            ax_c.patch.set_visible(False)
        priced = table[table["rate after %"].notna()]
        steps_x: list[Any] = [pd.Timestamp(label) if _is_date(label) else
                              pd.to_datetime(priced["meeting"]).min() - pd.Timedelta(days=30)]
        steps_x += list(pd.to_datetime(priced["meeting"]))
        steps_y = [spot, *priced["rate after %"].tolist()]
        ax_p.step(steps_x, steps_y, where="post", marker="o", ms=3.5, label=label)
    ax_c.set_title("implied rate by contract month (100 - price)")
    ax_c.set_ylabel("percent")
    ax_p.set_title("expected rate after each FOMC meeting")
    ax_p.set_ylabel("percent")
    for ax in (ax_c, ax_p):
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize=8)
        for lab in ax.get_xticklabels():
            lab.set_rotation(30)
    fig.suptitle(title)
    out = Path(path)
    with atomic_write(out) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    return out


def plot_sofr_fed(sofr: pd.DataFrame, contracts: pd.DataFrame, fed: pd.DataFrame | None,
                  path: str | Path, title: str = "SOFR and Fed funds paths",
                  spot: float | None = None) -> Path:
    """Write a PNG: left, the SOFR step path (and the Fed funds one beside it, when given) from
    each one's spot, with the target-range middle the SOFR path implies; right, each SOFR
    contract's market rate and the fitted path's rate over its period (SR1 and SR3).

    ``sofr`` is a :func:`xlfidx.sofr_path` table, ``contracts`` :meth:`xlfidx.SofrChain.contracts`,
    ``fed`` a :func:`xlfidx.fed_path` table or None.
    """
    from matplotlib.figure import Figure  # deferred: slow to import

    from xlfidx._files import atomic_write

    fig = Figure(figsize=(12, 4.6), layout="constrained")
    ax_p, ax_c = fig.subplots(1, 2)
    start = pd.Timestamp(sofr.attrs.get("pricing_date")) if sofr.attrs.get("pricing_date") else None
    lines = [("SOFR", sofr, "effective", spot if spot is not None else sofr.attrs.get("spot_rate"))]
    if fed is not None:
        lines.append(("Fed funds", fed, "meeting", fed.attrs.get("spot_rate")))
    for label, table, when, s0 in lines:
        priced = table[table["rate after %"].notna()]
        if priced.empty:
            continue
        x0 = start if start is not None else pd.to_datetime(priced[when]).min() - pd.Timedelta(days=30)
        xs = [x0, *pd.to_datetime(priced[when])]
        ys = [s0, *priced["rate after %"].tolist()]
        ax_p.step(xs, ys, where="post", marker="o", ms=3.5, label=label)
    priced = sofr[sofr["rate after %"].notna()]
    if not priced.empty:
        spread = sofr.attrs.get("spread_bp", 0.0) / 100
        ax_p.step([start or pd.to_datetime(priced["effective"]).min(), *pd.to_datetime(priced["effective"])],
                  [(spot or 0.0) - spread, *priced["target mid after %"].tolist()], where="post",
                  ls="--", lw=1, color="grey", label="target mid (from SOFR)")
    ax_p.set_title("expected rate after each FOMC meeting")
    ax_p.set_ylabel("percent")
    for kind, marker in (("SR1", "o"), ("SR3", "s")):
        rows = contracts[contracts["contract"].str.startswith(kind)]
        if rows.empty:
            continue
        mid = rows["start"] + (rows["end"] - rows["start"]) / 2
        ax_c.plot(mid, rows["rate %"], marker=marker, ls="", ms=4, label=f"{kind} market")
        ax_c.plot(mid, rows["model rate %"], marker=marker, ls="-", ms=2, lw=1, mfc="none",
                  label=f"{kind} fitted path")
    ax_c.set_title("SOFR futures: market rate (100 - price) and the fitted path")
    ax_c.set_ylabel("percent")
    for ax in (ax_p, ax_c):
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize=8)
        for lab in ax.get_xticklabels():
            lab.set_rotation(30)
    fig.suptitle(title)
    out = Path(path)
    with atomic_write(out) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    return out


def _is_date(text: str) -> bool:
    try:
        np.datetime64(text, "D")
    except ValueError:
        return False
    return True
