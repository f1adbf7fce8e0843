"""Charts of the Fed funds futures curve and the implied policy path (matplotlib, no pyplot)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["plot_fed_path"]


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


def _is_date(text: str) -> bool:
    try:
        np.datetime64(text, "D")
    except ValueError:
        return False
    return True
