"""The basis desk's picture: each bond's basis at delivery against the yield shift, with the
CTD switch points marked (matplotlib, Agg backend, imported on first use).

The PNG is written to a temporary file in the target folder and then moved over the target, so
an existing chart is never left half written.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["plot_ctd_scenarios"]


def _plt():
    import matplotlib  # deferred: plotting is optional and slow to import

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _name(ticker: Any, coupon: float, maturity: Any) -> str:
    text = str(ticker).strip()
    if text:
        return text.removesuffix(" Govt")
    return f"{coupon:g}% {np.datetime64(maturity, 'D')}"


def save_atomically(fig: Any, path: Path | str, dpi: int = 110) -> Path:
    """Save a figure as PNG through a temporary file in the same folder, then replace."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fig.savefig(fh, format="png", dpi=dpi)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        _plt().close(fig)
    return path


def plot_ctd_scenarios(table: Any, path: Path | str, title: str | None = None,
                       label: str = "") -> Path:
    """Write a PNG of a :func:`xlfidx.delivery.ctd_scenarios` table: the basis at delivery in
    32nds of each bond against the shift (bonds that are CTD somewhere drawn bold), the CTD
    switch points from ``table.attrs["switches"]`` as dashed lines with the bonds they join. The
    scale stops a little above the fourth-cheapest bond, where the contest for delivery is.

    Give the table a fine grid of shifts (e.g. every bp) for smooth lines; ``label`` (e.g.
    ``"SYNTHETIC"``) is added to the title.
    """
    plt = _plt()
    fig, ax = plt.subplots(figsize=(11, 6))
    groups = list(table.groupby(["coupon", "maturity"], sort=False))
    ever_ctd = {key for key, rows in groups if rows["ctd"].any()}
    # zoom on the contest: up to the fourth-cheapest bond's basis at any shift
    bases = np.sort(np.array([rows["basis_at_delivery_32nds"].to_numpy() for _, rows in groups]),
                    axis=0)
    top = max(1.25 * float(bases[min(3, len(groups) - 1)].max()), 4.0)
    cmap = plt.get_cmap("tab20")
    for i, (key, rows) in enumerate(groups):
        bold = key in ever_ctd
        ax.plot(rows["shift_bp"], rows["basis_at_delivery_32nds"],
                lw=2.2 if bold else 0.9, alpha=1.0 if bold else 0.55, color=cmap(i % 20),
                label=_name(rows["ticker"].iloc[0], key[0], key[1]) + (" (CTD)" if bold else ""))
    for sw in table.attrs.get("switches", []):
        x = sw["shift_bp"]
        ax.axvline(x, color="black", lw=0.8, ls="--")
        text = (f"{x:+.2f} bp\n{_name(sw['from_ticker'], sw['from_coupon'], sw['from_maturity'])}"
                f"\n→ {_name(sw['to_ticker'], sw['to_coupon'], sw['to_maturity'])}")
        ax.annotate(text, (x, top * 0.97), fontsize=7, ha="left", va="top",
                    xytext=(3, 0), textcoords="offset points",
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.8})
    ax.axhline(0, color="grey", lw=0.6)
    ax.set_ylim(-0.05 * top, top)
    ax.set_xlabel("shift of the forward yields to delivery, bp"
                  + (" (twist: longest minus shortest)" if table.attrs.get("shift") == "twist" else ""))
    ax.set_ylabel("basis at delivery, 32nds (0 = cheapest to deliver)")
    a = table.attrs
    head = title or (f"{a.get('contract', '')} basis at delivery ({a.get('delivery', '')}) under "
                     f"forward-yield shifts, settle {a.get('settle', '')}")
    ax.set_title(f"{head}\n{label}" if label else head)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    return save_atomically(fig, path)
