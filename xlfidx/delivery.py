"""What gets delivered into a Treasury future: CTD switch scenarios, the delivery (quality)
option, the calendar roll, and the DLV through time.

Conventions (beyond :mod:`xlfidx.basis`, whose forwards, CFs and DLV these build on):

**At delivery.** Each deliverable's price at delivery ``T`` starts from its clean forward ``f_i``
(spot financed at the term repo to ``T``, as in the DLV). Its *forward yield* ``y_i`` is the
street yield of that forward price at ``T``. A scenario moves the forward yields and reprices
each bond at ``T`` with the same street-yield formula::

    P_i(s) = f_i + PV_i(y_i + Δy_i(s)) − PV_i(y_i)        (= f_i exactly at s = 0)
    F_T(s) = min_i P_i(s) / CF_i                          (no one delivers at a loss)
    basis at delivery_i(s) = P_i(s) − CF_i · F_T(s)       (0 for the CTD, ≥ 0 for the others)

``Δy_i(s)`` is ``beta_i · s`` for a parallel shift of ``s`` bp (``beta`` a yield beta per bond,
1 by default), or, for a twist, ``beta_i · s · (t_i − t_pivot) / (t_max − t_min)`` with ``t`` the
years from delivery to maturity: the forward yield of the longest deliverable rises ``s`` bp
more than that of the shortest, pivoting on the CTD's maturity unless ``pivot`` says otherwise.
At zero shift the basis at delivery is the DLV's net basis rebased so that the futures price is
the CTD's forward over its CF: ``net_basis_i − CF_i · min_j(net_basis_j / CF_j)``; the CTD is the
bond with the lowest forward / CF, the DLV's CTD whenever one repo finances the basket (the DLV
ranks by implied repo, which picks the same bond unless two are within a hair of each other).

**The delivery option.** The forward yields move by ``X`` bp at delivery (times each bond's beta),
``X`` normal with mean 0 and standard deviation ``vol_bp · √τ``, ``τ`` the years from settlement
to delivery (Act/365). Under the delivery-date forward measure (no discounting: a futures price
is already a price at delivery) the theoretical futures price is ``E[min_i P_i(X) / CF_i]`` and
the option is worth, in futures points::

    value = E[P_c(X) / CF_c] − E[min_i P_i(X) / CF_i]  ≥ 0,   c = today's CTD (lowest forward/CF)

also given in 32nds and in points of the CTD (``CF_c · value``). The expectation is integrated
exactly between the switch points (Gauss–Legendre on panels no wider than one standard
deviation, out to ten), so the figures are accurate to about 1e-12 points, not Monte Carlo noise.
Each bond's probability of being the CTD at delivery is the normal mass of its pieces. The
option-adjusted net basis is ``net basis_i − CF_i · value``: what is left of the market's net
basis once the model's option is paid for (positive: the basis is rich to the model).

**The calendar roll.** See :func:`calendar_roll`.

>>> import pandas as pd
>>> usz3 = pd.DataFrame({"coupon": [4.5, 4.625, 3.5],
...                      "maturity": ["2039-08-15", "2040-02-15", "2039-02-15"],
...                      "price": [98.6641, 99.8203, 88.1406]})
>>> opt = delivery_option("USZ3", usz3, 115.96875, "2023-11-22", 5.413, 100.0)
>>> round(opt.value_32nds, 3), round(opt.theoretical_price, 4)
(0.582, 116.2702)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from ._inputs import as_date, as_float
from .basis import DLV_COLUMNS, _dlv_arrays, _dlv_columns, _Leg, _repo, dlv_table
from .bonds import _accrued_at, _Maturity, _pv_and_slope, _solve_yield
from .errors import InputError
from .quotes import as_price

__all__ = [
    "shift_grid",
    "ctd_scenarios",
    "ctd_switches",
    "SCENARIO_COLUMNS",
    "delivery_option",
    "DeliveryOption",
    "calendar_roll",
    "CalendarRoll",
    "dlv_history",
]

_D = "datetime64[D]"
_BP = 1e-4
_TAIL_SD = 10.0     # integrate to ±10 standard deviations: the mass beyond is 1.5e-23
_NODES = 24         # Gauss–Legendre nodes per panel of at most one standard deviation
_GRID_BP = 0.5      # search step for switch points (each then solved to 1e-10 bp)
_REPRICING = ("full", "duration")

SCENARIO_COLUMNS = [
    "shift_bp", "ticker", "coupon", "maturity", "cf", "yield_shift_bp", "forward_yield",
    "price_at_delivery", "duration", "futures_price_at_delivery", "futures_duration",
    "basis_at_delivery", "basis_at_delivery_32nds", "ctd",
]


def shift_grid(shifts_bp: Any) -> np.ndarray:
    """Yield shifts in bp: numbers, or text ``"lo:hi:step"`` (both ends included).

    >>> shift_grid("-100:100:25").tolist()
    [-100.0, -75.0, -50.0, -25.0, 0.0, 25.0, 50.0, 75.0, 100.0]
    >>> shift_grid([10, -5]).tolist()
    [10.0, -5.0]
    """
    if isinstance(shifts_bp, str) and ":" in shifts_bp:
        parts = shifts_bp.replace(" ", "").split(":")
        try:
            lo, hi, step = (float(p) for p in parts) if len(parts) == 3 else (None, None, None)
        except ValueError:
            lo = None
        if lo is None or not all(map(math.isfinite, (lo, hi, step))):
            raise InputError("shifts_bp", shifts_bp, "is not a range; write it as lo:hi:step, "
                             "e.g. -100:100:25")
        if step <= 0 or hi < lo:
            raise InputError("shifts_bp", shifts_bp, "needs lo <= hi and a positive step")
        count = math.floor((hi - lo) / step + 1e-9) + 1
        if count > 100_001:
            raise InputError("shifts_bp", shifts_bp, f"has {count} shifts; at most 100,001")
        return lo + step * np.arange(count)
    out = as_float(shifts_bp, "shifts_bp", what="a yield shift in bp").reshape(-1)
    if out.size == 0:
        raise InputError("shifts_bp", "(empty)", "has no shift; give at least one")
    return out


def _phi(z):
    return np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def _norm_cdf(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


@lru_cache(maxsize=4)
def _legendre(n: int):
    return np.polynomial.legendre.leggauss(n)


class _AtDelivery:
    """A basket at delivery: each bond's forward, forward yield and repricing at a shifted yield.

    Rows are in the DLV's order (implied repo, highest first); ``order[i]`` is the caller's row
    of row ``i``.
    """

    def __init__(self, contract, bonds, futures_price, settle, repo, delivery, repricing="full"):
        if repricing not in _REPRICING:
            raise InputError("repricing", repricing, 'must be "full" (street-yield formula) or '
                             '"duration" (first order in the yield)')
        self.repricing = repricing
        if not hasattr(bonds, "keys"):
            raise InputError("bonds", type(bonds).__name__, "is not a table; give a DataFrame or "
                             "a mapping with coupon, maturity and price columns")
        cols, self.order, market = _dlv_arrays(bonds, futures_price, contract, settle, repo,
                                               delivery)
        self.n_bonds = self.order.size
        self.ticker = cols["ticker"]
        self.c = cols["coupon"]
        self.m = cols["maturity"].astype(_D)
        self.cf = cols["cf"]
        self.fwd = cols["fwd_price"]
        self.net_basis = cols["net_basis"]
        self.contract = str(market["contract"])
        self.t = market["settle"]
        self.T = market["delivery"]
        self.futures_price = float(market["futures_price"])
        ai_T, k, self.w = _accrued_at(self.c, _Maturity(self.m), np.full(self.m.shape, self.T))
        self.ai_T = ai_T
        self.n = k.astype(np.float64)
        self.y0, _ = _solve_yield(self.c, self.n, self.w, self.fwd + ai_T)
        self.pv0, self.slope0 = _pv_and_slope(self.c, self.n, self.w, self.y0)
        self.years = (self.m - self.T).astype(np.int64) / 365.25
        self.ctd0 = int(np.argmin(self.fwd / self.cf))

    # -- yield moves ------------------------------------------------------------------------
    def weights(self, beta, twist: bool, pivot) -> np.ndarray:
        """bp of forward-yield move of each bond per bp of scenario shift."""
        if beta is None:
            b = np.ones(self.n_bonds)
        else:
            b = as_float(beta, "beta", what="a yield beta").reshape(-1)
            if b.size == 1:
                b = np.full(self.n_bonds, b[0])
            elif b.size != self.n_bonds:
                raise InputError("beta", f"{b.size} values",
                                 f"do not match the basket ({self.n_bonds} bonds)")
            else:
                b = b[self.order]
        if not twist:
            if pivot is not None:
                raise InputError("pivot", pivot, "applies to a twist only; add twist=True")
            return b
        if pivot is None:
            p_years = self.years[self.ctd0]
        else:
            p = as_date(pivot, "pivot").reshape(-1)
            if p.size != 1:
                raise InputError("pivot", f"{p.size} values", "must be one date (a maturity)")
            p_years = (p[0] - self.T).astype(np.int64) / 365.25
        span = self.years.max() - self.years.min()
        if span <= 0:
            return np.zeros(self.n_bonds)
        return b * (self.years - p_years) / span

    def check_yields(self, w: np.ndarray, lo: float, hi: float, name: str, value: Any) -> None:
        """A shifted forward yield at or below −100% has no price: say so before computing."""
        low = np.minimum(self.y0 + w * lo * _BP, self.y0 + w * hi * _BP)
        if (low <= -1.0).any():
            i = int(np.argmin(low))
            raise InputError(name, value, f"moves the forward yield of the {self.label(i)} from "
                             f"{self.y0[i] * 100:.3f}% to {low[i] * 100:.4g}%, below -100%; "
                             "use smaller shifts")

    def label(self, i: int) -> str:
        t = str(self.ticker[i]).strip()
        return t or f"{self.c[i]:g}% {self.m[i]}"

    # -- prices at delivery -----------------------------------------------------------------
    def prices(self, dy: np.ndarray, idx: Any = slice(None)):
        """(clean price at delivery, d price / d yield) at forward-yield moves ``dy``
        (decimal); ``idx`` picks the bonds, broadcast against ``dy``."""
        if self.repricing == "duration":
            slope = np.broadcast_to(self.slope0[idx], np.shape(dy))
            return self.fwd[idx] + self.slope0[idx] * dy, slope
        pv, slope = _pv_and_slope(self.c[idx], self.n[idx], self.w[idx], self.y0[idx] + dy)
        return self.fwd[idx] + (pv - self.pv0[idx]), slope

    def per_cf(self, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        """``P_i / CF_i`` at scenario shifts ``x`` (bp): one row per shift."""
        p, _ = self.prices(np.asarray(x, dtype=np.float64)[:, None] * (w * _BP))
        return p / self.cf

    # -- switch points ----------------------------------------------------------------------
    def switches(self, w: np.ndarray, lo: float, hi: float, step: float = _GRID_BP):
        """Shifts in ``[lo, hi]`` where the CTD changes, sorted: (shift, from, to) arrays.

        A grid finds where the cheapest bond changes; each change is solved for the shift at
        which the two bonds' price/CF are equal (safeguarded Newton, to 1e-10 bp). If a third
        bond is cheaper at that shift, the bracket is split there and solved again, so a bond
        that is CTD for a stretch shorter than the grid step is found as long as it is cheapest
        at the crossing of its neighbours.
        """
        empty = (np.empty(0), np.empty(0, np.intp), np.empty(0, np.intp))
        if not hi > lo or self.n_bonds < 2:
            return empty
        count = int(min(max(math.ceil((hi - lo) / step), 16), 20_000))
        x = np.linspace(lo, hi, count + 1)
        best = np.argmin(self.per_cf(x, w), axis=1)
        at = np.flatnonzero(best[1:] != best[:-1])
        xa, xb, ia, ib = x[at], x[at + 1], best[at], best[at + 1]
        found = []
        for _ in range(64):
            if xa.size == 0:
                break
            root = self._cross(w, xa, xb, ia, ib)
            vals = self.per_cf(root, w)
            cheapest = np.argmin(vals, axis=1)
            rows = np.arange(root.size)
            at_root = vals[rows, ia]
            ok = (cheapest == ia) | (cheapest == ib) | (
                vals[rows, cheapest] >= at_root - 1e-13 * np.abs(at_root))
            found.append((root[ok], ia[ok], ib[ok]))
            bad = ~ok
            xa, xb, ia, ib = (np.concatenate([xa[bad], root[bad]]),
                              np.concatenate([root[bad], xb[bad]]),
                              np.concatenate([ia[bad], cheapest[bad]]),
                              np.concatenate([cheapest[bad], ib[bad]]))
        if not found:
            return empty
        root, ia, ib = (np.concatenate(parts) for parts in zip(*found, strict=True))
        order = np.argsort(root, kind="stable")
        return root[order], ia[order], ib[order]

    def _cross(self, w, lo, hi, ia, ib):
        """The shift in each bracket where bonds ``ia`` and ``ib`` have equal price/CF;
        ``ia`` is the cheaper at ``lo``, ``ib`` at ``hi``."""
        lo, hi = lo.copy(), hi.copy()

        def diff(x):
            pa, sa = self.prices(x * w[ia] * _BP, ia)
            pb, sb = self.prices(x * w[ib] * _BP, ib)
            h = pa / self.cf[ia] - pb / self.cf[ib]
            dh = (sa * w[ia] / self.cf[ia] - sb * w[ib] / self.cf[ib]) * _BP
            return h, dh

        h_lo, _ = diff(lo)
        h_hi, _ = diff(hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.where(h_hi != h_lo, lo - h_lo * (hi - lo) / (h_hi - h_lo), 0.5 * (lo + hi))
        x = np.clip(x, lo, hi)
        for _ in range(100):
            h, dh = diff(x)
            below = h <= 0  # ia still the cheaper: the crossing is above x
            lo = np.where(below, x, lo)
            hi = np.where(below, hi, x)
            with np.errstate(divide="ignore", invalid="ignore"):
                nxt = x - h / dh
            done = (h == 0) | (np.abs(nxt - x) < 1e-10) | (hi - lo < 1e-10)
            outside = ~np.isfinite(nxt) | (nxt < lo) | (nxt > hi)
            x = np.where(h == 0, x, np.where(outside, 0.5 * (lo + hi), nxt))
            if done.all():
                break
        return x


_SWITCH_COLUMNS = ["shift_bp", "from_ticker", "from_coupon", "from_maturity", "to_ticker",
                   "to_coupon", "to_maturity", "futures_price_at_delivery"]


def _switch_records(b: _AtDelivery, roots, ia, ib, w) -> list[dict[str, Any]]:
    f_t = b.per_cf(roots, w)[np.arange(roots.size), ia] if roots.size else np.empty(0)
    return [{"shift_bp": float(x), "from_ticker": b.ticker[i], "from_coupon": float(b.c[i]),
             "from_maturity": b.m[i], "to_ticker": b.ticker[j], "to_coupon": float(b.c[j]),
             "to_maturity": b.m[j], "futures_price_at_delivery": float(f)}
            for x, i, j, f in zip(roots.tolist(), ia.tolist(), ib.tolist(), f_t.tolist(), strict=True)]


def _switch_frame(records: list[dict[str, Any]]):
    import pandas as pd

    table = pd.DataFrame.from_records(records, columns=_SWITCH_COLUMNS)
    for col in ("from_maturity", "to_maturity"):
        table[col] = table[col].astype("datetime64[s]")
    return table


def ctd_scenarios(contract: Any, bonds: Any, futures_price: Any, settle: Any, repo: Any,
                  shifts_bp: Any, delivery: Any = None, *, beta: Any = None, twist: bool = False,
                  pivot: Any = None, repricing: str = "full"):
    """The basket at delivery under forward-yield shifts: who is CTD and every bond's basis.

    ``bonds`` is a DLV basket (``coupon``, ``maturity``, ``price``, optional ``ticker`` and
    ``cf``) as for :func:`xlfidx.deliverable_basket`, with the same ``futures_price``,
    ``contract``, ``settle``, ``repo`` and ``delivery``. ``shifts_bp`` are the scenario shifts
    (numbers or ``"lo:hi:step"``); ``beta`` a yield beta per bond (in the caller's row order);
    ``twist=True`` makes each shift a steepening of the basket around ``pivot`` (a maturity date;
    default the CTD's); ``repricing="duration"`` reprices to first order in the yield. The
    conventions are in the module's docstring.

    Returns a long table, one row per shift and bond (bonds in the DLV's order): the columns of
    ``SCENARIO_COLUMNS``. ``forward_yield`` is the shifted forward yield in percent,
    ``duration`` the bond's modified duration at delivery, ``futures_duration`` the futures' own
    (``−dF_T/F_T`` per unit of shift, years), ``basis_at_delivery`` in points (``_32nds``).
    ``attrs["switches"]`` lists the switch points in the range of the shifts (as
    :func:`ctd_switches` returns them, as records).

    >>> import pandas as pd
    >>> b = pd.DataFrame({"coupon": [4.5, 4.375], "maturity": ["2039-08-15", "2043-08-15"],
    ...                   "price": [98.6641, 95.0703]})
    >>> t = ctd_scenarios("USZ3", b, 115.96875, "2023-11-22", 5.413, "-60:60:60")
    >>> t.loc[t["ctd"], ["shift_bp", "coupon"]].values.tolist()
    [[-60.0, 4.5], [0.0, 4.5], [60.0, 4.375]]
    >>> round(t.attrs["switches"][0]["shift_bp"], 2)
    30.03
    """
    import pandas as pd

    b = _AtDelivery(contract, bonds, futures_price, settle, repo, delivery, repricing)
    s = shift_grid(shifts_bp)
    w = b.weights(beta, twist, pivot)
    b.check_yields(w, float(s.min()), float(s.max()), "shifts_bp", shifts_bp)
    dy = s[:, None] * (w * _BP)
    p, slope = b.prices(dy)
    ratio = p / b.cf
    ctd = np.argmin(ratio, axis=1)
    rows = np.arange(s.size)
    f_t = ratio[rows, ctd]
    basis = p - b.cf * f_t[:, None]
    basis[rows, ctd] = 0.0  # the CTD's basis is nil by definition, not by rounding
    fut_dur = -slope[rows, ctd] * w[ctd] / p[rows, ctd]
    n, k = b.n_bonds, s.size
    table = pd.DataFrame({
        "shift_bp": np.repeat(s, n),
        "ticker": np.tile(b.ticker, k),
        "coupon": np.tile(b.c, k),
        "maturity": np.tile(b.m.astype("datetime64[s]"), k),
        "cf": np.tile(b.cf, k),
        "yield_shift_bp": (dy / _BP).reshape(-1),
        "forward_yield": ((b.y0 + dy) * 100.0).reshape(-1),
        "price_at_delivery": p.reshape(-1),
        "duration": (-slope / (p + b.ai_T)).reshape(-1),
        "futures_price_at_delivery": np.repeat(f_t, n),
        "futures_duration": np.repeat(fut_dur, n),
        "basis_at_delivery": basis.reshape(-1),
        "basis_at_delivery_32nds": basis.reshape(-1) * 32.0,
        "ctd": (np.arange(n)[None, :] == ctd[:, None]).reshape(-1),
    })
    roots, ia, ib = b.switches(w, float(s.min()), float(s.max()))
    table.attrs.update(contract=b.contract, settle=str(b.t), delivery=str(b.T),
                       shift="twist" if twist else "parallel", repricing=repricing,
                       switches=_switch_records(b, roots, ia, ib, w))
    return table


def ctd_switches(contract: Any, bonds: Any, futures_price: Any, settle: Any, repo: Any,
                 lo_bp: float, hi_bp: float, delivery: Any = None, *, beta: Any = None,
                 twist: bool = False, pivot: Any = None, repricing: str = "full"):
    """The shifts between ``lo_bp`` and ``hi_bp`` at which the CTD changes, found to 1e-10 bp:
    one row per switch with the bond before (``from_*``) and after (``to_*``), as yields rise,
    and the futures price at delivery there. Same arguments as :func:`ctd_scenarios`.

    >>> import pandas as pd
    >>> b = pd.DataFrame({"coupon": [4.5, 4.375], "maturity": ["2039-08-15", "2043-08-15"],
    ...                   "price": [98.6641, 95.0703]})
    >>> sw = ctd_switches("USZ3", b, 115.96875, "2023-11-22", 5.413, -100, 100)
    >>> sw[["shift_bp", "from_coupon", "to_coupon"]].round(4).values.tolist()
    [[30.0322, 4.5, 4.375]]
    """
    b = _AtDelivery(contract, bonds, futures_price, settle, repo, delivery, repricing)
    lo = float(as_float(lo_bp, "lo_bp"))
    hi = float(as_float(hi_bp, "hi_bp"))
    if hi < lo:
        raise InputError("hi_bp", hi, f"is below lo_bp {lo}")
    w = b.weights(beta, twist, pivot)
    b.check_yields(w, lo, hi, "hi_bp" if hi > -lo else "lo_bp", hi if hi > -lo else lo)
    return _switch_frame(_switch_records(b, *b.switches(w, lo, hi), w))


@dataclass(frozen=True, eq=False)
class DeliveryOption:
    """The delivery (quality) option of a basket; see :func:`delivery_option`."""

    contract: str
    settle: str
    delivery: str
    vol_bp: float
    horizon_years: float
    shift_sd_bp: float
    futures_price: float
    theoretical_price: float
    value: float
    value_32nds: float
    value_ctd_points: float
    ctd: str
    ctd_net_basis: float
    ctd_net_basis_32nds: float
    table: Any
    switch_records: list

    @property
    def switches(self):
        """The switch points within ±10 standard deviations (as :func:`ctd_switches`)."""
        return _switch_frame(self.switch_records)

    def summary(self) -> dict[str, Any]:
        """The headline figures as a mapping (what a report or a cell block shows)."""
        return {
            "contract": self.contract, "settle": self.settle, "delivery": self.delivery,
            "vol_bp": self.vol_bp, "shift_sd_bp": self.shift_sd_bp,
            "futures_price": self.futures_price, "theoretical_price": self.theoretical_price,
            "option_value": self.value, "option_value_32nds": self.value_32nds,
            "option_value_ctd_points": self.value_ctd_points, "ctd": self.ctd,
            "ctd_net_basis_32nds": self.ctd_net_basis_32nds,
            "ctd_option_adjusted_net_basis_32nds": self.ctd_net_basis_32nds
            - self.value_ctd_points * 32.0,
        }


def delivery_option(contract: Any, bonds: Any, futures_price: Any, settle: Any, repo: Any,
                    vol_bp: Any, delivery: Any = None, *, beta: Any = None,
                    repricing: str = "full") -> DeliveryOption:
    """Value the short's delivery (quality) option with normal yield moves to delivery.

    Arguments as for :func:`ctd_scenarios`; ``vol_bp`` is the normal volatility of the forward
    yields in bp per year (0 allowed). See the module docstring for the model. The result has
    ``value`` (futures points), ``value_32nds``, ``value_ctd_points`` (CF of today's CTD ×
    value), ``theoretical_price`` (E[min P/CF] at delivery, undiscounted), today's CTD and its
    market net basis, the switch points in ±10 standard deviations (``switches``), and a
    per-bond ``table`` in the DLV's order: ``ticker``, ``coupon``, ``maturity``, ``cf``,
    ``fwd_price``, ``net_basis`` (market, points), ``net_basis_32nds``, ``ctd_probability``,
    ``option_adjusted_net_basis`` (``net_basis − CF · value``, points), its ``_32nds``, and
    ``ctd`` (today's).

    >>> import pandas as pd
    >>> b = pd.DataFrame({"coupon": [4.5, 4.375], "maturity": ["2039-08-15", "2043-08-15"],
    ...                   "price": [98.6641, 95.0703]})
    >>> opt = delivery_option("USZ3", b, 115.96875, "2023-11-22", 5.413, 100.0)
    >>> round(opt.value_32nds, 4), opt.table["ctd_probability"].round(4).tolist()
    (1.7414, [0.8272, 0.1728])
    """
    import pandas as pd

    b = _AtDelivery(contract, bonds, futures_price, settle, repo, delivery, repricing)
    # 2,000 bp a year is beyond any Treasury yield vol on record (1980-81 ran near 400)
    vol = float(as_float(vol_bp, "vol_bp", nonnegative=True, what="a volatility in bp a year",
                         bounds=(0.0, 2000.0))
                .reshape(-1)[0]) if np.size(vol_bp) == 1 else None
    if vol is None:
        raise InputError("vol_bp", vol_bp, "must be one number (bp a year)")
    w = b.weights(beta, False, None)
    tau = (b.T - b.t).astype(np.int64) / 365.0
    sd = vol * math.sqrt(tau)
    c0 = b.ctd0
    n = b.n_bonds
    prob = np.zeros(n)
    if sd == 0.0:
        theo = float(b.fwd[c0] / b.cf[c0])
        value = 0.0
        prob[c0] = 1.0
        roots, ia, ib = np.empty(0), np.empty(0, np.intp), np.empty(0, np.intp)
    else:
        lo, hi = -_TAIL_SD * sd, _TAIL_SD * sd
        b.check_yields(w, lo, hi, "vol_bp", vol)
        # a CTD for less than the search step moves the value by a sliver of its panel's mass
        roots, ia, ib = b.switches(w, lo, hi, step=min(max(sd / 16.0, _GRID_BP), 4 * _GRID_BP))
        edges = np.union1d(np.linspace(lo, hi, int(2 * _TAIL_SD) + 1), roots)
        a, z = edges[:-1], edges[1:]
        gx, gw = _legendre(_NODES)
        half = 0.5 * (z - a)
        x = (0.5 * (z + a))[:, None] + half[:, None] * gx
        wt = (half[:, None] * gw * _phi(x / sd) / sd).reshape(-1)
        ratio = b.per_cf(x.reshape(-1), w)
        low = ratio.min(axis=1)
        mass = wt.sum()
        theo = float(wt @ low / mass)
        value = float(wt @ (ratio[:, c0] - low) / mass)  # a non-negative integrand
        # each piece between switch points has one CTD; its probability is the normal mass
        bounds = [-math.inf, *roots.tolist(), math.inf]
        owners = [int(ia[0]), *ib.tolist()] if roots.size else [c0]
        for j, owner in enumerate(owners):
            prob[owner] += _norm_cdf(bounds[j + 1] / sd) - _norm_cdf(bounds[j] / sd)
    table = pd.DataFrame({
        "ticker": b.ticker, "coupon": b.c, "maturity": b.m.astype("datetime64[s]"), "cf": b.cf,
        "fwd_price": b.fwd, "net_basis": b.net_basis, "net_basis_32nds": b.net_basis * 32.0,
        "ctd_probability": prob,
        "option_adjusted_net_basis": b.net_basis - b.cf * value,
        "option_adjusted_net_basis_32nds": (b.net_basis - b.cf * value) * 32.0,
        "ctd": np.arange(n) == c0,
    })
    return DeliveryOption(
        contract=b.contract, settle=str(b.t), delivery=str(b.T), vol_bp=vol,
        horizon_years=float(tau), shift_sd_bp=float(sd),
        futures_price=b.futures_price, theoretical_price=theo, value=value,
        value_32nds=value * 32.0, value_ctd_points=float(b.cf[c0] * value), ctd=b.label(c0),
        ctd_net_basis=float(b.net_basis[c0]), ctd_net_basis_32nds=float(b.net_basis[c0] * 32.0),
        table=table, switch_records=_switch_records(b, roots, ia, ib, w))


# --- the calendar roll -------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class CalendarRoll:
    """The calendar spread of two contracts; see :func:`calendar_roll`. Repo rates in percent
    (Act/360), prices and spreads in points (``_32nds`` in 32nds), spread = front − back."""

    front: str
    back: str
    settle: str
    front_delivery: str
    back_delivery: str
    front_price: float
    back_price: float
    front_repo: float
    back_repo: float
    forward_repo: float
    roll_repo: float
    front_ctd: str
    back_ctd: str
    front_theoretical: float
    back_theoretical: float
    theoretical_spread: float
    theoretical_spread_32nds: float
    market_spread: float
    market_spread_32nds: float
    implied_roll_repo: float
    front_dlv: Any
    back_dlv: Any

    @property
    def rich_32nds(self) -> float:
        """Market minus theoretical spread in 32nds: positive when the front is rich to the back."""
        return self.market_spread_32nds - self.theoretical_spread_32nds

    def summary(self) -> dict[str, Any]:
        """The headline figures as a mapping (what a report or a cell block shows)."""
        return {
            "front": self.front, "back": self.back, "settle": self.settle,
            "front_delivery": self.front_delivery, "back_delivery": self.back_delivery,
            "front_price": self.front_price, "back_price": self.back_price,
            "market_spread_32nds": self.market_spread_32nds,
            "front_ctd": self.front_ctd, "back_ctd": self.back_ctd,
            "front_theoretical": self.front_theoretical, "back_theoretical": self.back_theoretical,
            "theoretical_spread_32nds": self.theoretical_spread_32nds,
            "rich_32nds": self.rich_32nds,
            "front_repo": self.front_repo, "back_repo": self.back_repo,
            "forward_repo": self.forward_repo, "roll_repo": self.roll_repo,
            "implied_roll_repo": self.implied_roll_repo,
        }


def _one_rate(value: Any, name: str) -> float:
    r = as_float(value, name, what="a repo rate in percent").reshape(-1)
    if r.size != 1:
        raise InputError(name, f"{r.size} values", "must be one term repo rate (percent)")
    return float(r[0])


def calendar_roll(front: Any, back: Any, bonds: Any, front_price: Any, back_price: Any,
                  settle: Any, front_repo: Any, back_repo: Any, *, back_bonds: Any = None,
                  front_delivery: Any = None, back_delivery: Any = None,
                  roll_repo: Any = None) -> CalendarRoll:
    """The theoretical calendar spread (front − back) and the implied repo of the roll.

    ``bonds`` is one basket table (``coupon``, ``maturity``, ``price``, optional ``ticker``) for
    both contracts (each takes the bonds deliverable into it, with CME's factor for that
    contract), or the front's basket with ``back_bonds`` the back's (then a ``cf`` column is
    used as given). ``front_repo`` and ``back_repo`` are the term repo rates from ``settle`` to
    each contract's delivery (percent, Act/360); deliveries default to each last delivery day.

    Conventions (option-free, cash and carry):

    - front theoretical price ``F1* = min_i fwd_i(t→T1, r1) / CF1_i``, over the front basket;
    - the forward repo from ``T1`` to ``T2`` implied by the term repos,
      ``(1 + r2·τ2) = (1 + r1·τ1)(1 + r_f·τ12)``, each ``τ`` in days/360;
    - the back is priced on its CTD ``b``, bought forward for ``T1`` (financed at ``r1``) and
      carried from ``T1`` to ``T2`` at a roll repo (``roll_repo``, default ``r_f``), interim
      coupons paying down the repo: ``F2* = fwd_b(t→T1→T2) / CF2_b``; ``b`` is the bond with the
      lowest such forward / CF at ``r_f``, kept fixed for every roll repo;
    - ``theoretical_spread = F1* − F2*``; ``market_spread = front_price − back_price``;
    - ``implied_roll_repo``: the roll repo at which the theoretical spread equals the market
      spread (the forward is linear in the rate, so this is exact). Above ``forward_repo``, the
      market spread is below the theoretical one: the back is rich to the front (``rich_32nds``,
      market minus theoretical spread, is negative).

    >>> import pandas as pd
    >>> b = pd.DataFrame({"coupon": [4.5, 4.625], "maturity": ["2039-08-15", "2040-02-15"],
    ...                   "price": [98.6641, 99.8203]})
    >>> roll = calendar_roll("USZ3", "USH4", b, 115.96875, 116.03125, "2023-11-22", 5.413, 5.413)
    >>> round(roll.theoretical_spread_32nds, 3), round(roll.forward_repo, 3), round(roll.implied_roll_repo, 3)
    (-2.577, 5.383, 5.321)
    """
    import pandas as pd

    from .futures import resolve_contract

    s = as_date(settle, "settle").reshape(-1)
    if s.size != 1:
        raise InputError("settle", f"{s.size} values", "must be one date")
    s = s[0]
    def contract(value: Any, name: str) -> Any:
        try:
            return resolve_contract(value, settle=s)
        except InputError as exc:  # name the argument the user typed it in
            raise InputError(name, exc.value, exc.reason) from None

    k1, k2 = contract(front, "front"), contract(back, "back")
    front_price = as_price(front_price, "front_price")
    back_price = as_price(back_price, "back_price")
    if k2.delivery_month <= k1.delivery_month:
        raise InputError("back", str(back), f"delivers in {k2.delivery_month}, not after the front "
                         f"{k1} ({k1.delivery_month}); give the later contract as back")
    r1, r2 = _one_rate(front_repo, "front_repo"), _one_rate(back_repo, "back_repo")
    if not hasattr(bonds, "keys"):
        raise InputError("bonds", type(bonds).__name__, "is not a table; give a DataFrame")
    table = pd.DataFrame(bonds) if not isinstance(bonds, pd.DataFrame) else bonds
    if back_bonds is None:
        shared = table.drop(columns=[c for c in ("cf",) if c in table.columns])
        front_rows, back_rows = _deliverable_rows(shared, k1), _deliverable_rows(shared, k2)
    else:
        front_rows = table
        back_rows = pd.DataFrame(back_bonds) if not isinstance(back_bonds, pd.DataFrame) \
            else back_bonds
    if front_rows.empty or back_rows.empty:
        which = "front" if front_rows.empty else "back"
        raise InputError("bonds", f"{len(table)} bonds", f"has none deliverable into the {which} "
                         f"contract {k1 if which == 'front' else k2}")
    held1 = dlv_table(front_rows, front_price, k1, s, r1, front_delivery)
    held2 = dlv_table(back_rows, back_price, k2, s, r2, back_delivery)
    dlv1, dlv2 = held1.table, held2.table
    T1 = np.datetime64(held1.delivery, "D")
    T2 = np.datetime64(held2.delivery, "D")
    if T2 <= T1:
        raise InputError("back_delivery", str(T2), f"is not after the front delivery {T1}")
    f1, f2 = held1.futures_price, held2.futures_price

    ratio1 = dlv1["fwd_price"].to_numpy() / dlv1["cf"].to_numpy()
    a = int(np.argmin(ratio1))
    front_theo = float(ratio1[a])

    days = lambda d0, d1: float((d1 - d0).astype(np.int64)) / 360.0  # noqa: E731
    tau1, tau2, tau12 = days(s, T1), days(s, T2), days(T1, T2)
    rf = ((1.0 + r2 / 100.0 * tau2) / (1.0 + r1 / 100.0 * tau1) - 1.0) / tau12
    rr = rf if roll_repo is None else _one_rate(roll_repo, "roll_repo") / 100.0

    c = dlv2["coupon"].to_numpy(np.float64)
    m = dlv2["maturity"].to_numpy().astype(_D)
    p = dlv2["price"].to_numpy(np.float64)
    cf2 = dlv2["cf"].to_numpy(np.float64)
    at = lambda d: np.full(m.shape, d)  # noqa: E731
    p1 = _Leg(p, c, m, at(s), at(T1), "front_delivery", strict=True, validated=True) \
        .clean_forward(r1 / 100.0)
    leg = _Leg(p1, c, m, at(T1), at(T2), "back_delivery", strict=True, validated=True)
    b = int(np.argmin(leg.clean_forward(rf) / cf2))
    back_theo = float(leg.clean_forward(rr)[b] / cf2[b])
    market = f1 - f2
    target = cf2[b] * (front_theo - market)  # the back CTD's forward at which spreads agree
    implied = float(leg.implied_repo(np.full(m.shape, target))[b] * 100.0)

    def label(dlv, i):
        t = str(dlv["ticker"].iloc[i]).strip()
        return t or f"{dlv['coupon'].iloc[i]:g}% {dlv['maturity'].iloc[i].date()}"

    theo = front_theo - back_theo
    return CalendarRoll(
        front=str(k1), back=str(k2), settle=str(s), front_delivery=str(T1),
        back_delivery=str(T2), front_price=float(f1), back_price=float(f2), front_repo=r1,
        back_repo=r2, forward_repo=rf * 100.0, roll_repo=rr * 100.0, front_ctd=label(dlv1, a),
        back_ctd=label(dlv2, b), front_theoretical=front_theo, back_theoretical=back_theo,
        theoretical_spread=theo, theoretical_spread_32nds=theo * 32.0, market_spread=market,
        market_spread_32nds=market * 32.0, implied_roll_repo=implied, front_dlv=dlv1,
        back_dlv=dlv2)


def _deliverable_rows(table, k):
    from .futures import is_deliverable

    if "maturity" not in table.columns:
        raise InputError("bonds", sorted(map(str, table.columns)), "has no 'maturity' column")
    ok = np.asarray(is_deliverable(as_date(table["maturity"].to_numpy(), "maturity"), k))
    return table[ok.reshape(-1)]


# --- DLV history ---------------------------------------------------------------------------------

def dlv_history(contract: Any, prices: Any, coupons: Any, maturities: Any, futures_prices: Any,
                settles: Any, repo: Any, delivery: Any = None, *, tickers: Any = None,
                cf: Any = None):
    """The DLV of one contract on many pricing dates, in one vectorised pass.

    ``prices`` is a dates × bonds table of clean prices (a DataFrame indexed by pricing date,
    one column per bond, or a 2-D array); a blank (NaN) price means the bond was not quoted
    that day, and its row is left out. ``coupons`` and ``maturities`` give the bonds (one per
    column), ``futures_prices`` one price per date, ``settles`` one settlement date per date
    (``None``: T+1 after each date of the DataFrame's index), ``repo`` one rate, one per date,
    or a dates × bonds table. ``delivery`` defaults to the contract's last delivery day; ``cf``
    to CME's factors; ``tickers`` to the DataFrame's column names.

    Returns a long table, one row per date and quoted bond: ``date``, ``settle``, then the
    columns of :data:`xlfidx.basis.DLV_COLUMNS`, each date's rows sorted by implied repo with
    its CTD first: on every date, exactly the table :func:`xlfidx.deliverable_basket` gives.

    >>> import pandas as pd
    >>> # 2023-11-21: USZ3's CTD and its dearest deliverable from Bloomberg's DLV screen;
    >>> # the 2023-11-22 row is an illustrative move of a few 32nds
    >>> px = pd.DataFrame({"T 4.5 08/15/39": [98.6641, 98.5], "T 3.5 02/15/39": [88.1406, 88.0]},
    ...                   index=pd.to_datetime(["2023-11-21", "2023-11-22"]))
    >>> h = dlv_history("USZ3", px, [4.5, 3.5], ["2039-08-15", "2039-02-15"],
    ...                 [115.96875, 115.8], None, 5.413)
    >>> h[["ticker", "implied_repo", "ctd"]].round(3).values.tolist()
    [['T 4.5 08/15/39', 3.524, True], ['T 3.5 02/15/39', -2.537, False], ['T 4.5 08/15/39', 3.692, True], ['T 3.5 02/15/39', -2.753, False]]
    """
    import pandas as pd

    from .bonds import settlement_date
    from .futures import _check_deliverable, _cme_factor, last_delivery_day, resolve_contract
    from .quotes import _format_32nds

    index = None
    if isinstance(prices, pd.DataFrame):
        index = prices.index
        if tickers is None:
            tickers = [str(col) for col in prices.columns]
        prices = prices.to_numpy()
    raw = np.asarray(prices)
    if raw.dtype.kind in "fiu":
        p = as_float(raw, "prices", positive=True, allow_missing=True, what="a price")
    else:
        p = as_price(raw, "prices")
    c = as_float(coupons, "coupons", nonnegative=True).reshape(-1)
    m = as_date(maturities, "maturities").reshape(-1)
    n = c.size
    if p.ndim == 1 and p.size == n:
        p = p[None, :]
    if p.ndim != 2 or p.shape[1] != n or m.size != n:
        raise InputError("prices", f"shape {p.shape}", f"must be dates × bonds with one column per "
                         f"bond ({n} coupons, {m.size} maturities)")
    n_dates = p.shape[0]
    if n_dates == 0 or n == 0:
        raise InputError("prices", f"shape {p.shape}", "is empty; give at least one date and bond")

    def per_date(values, name, convert):
        out = convert(values, name).reshape(-1)
        if out.size == 1:
            out = np.repeat(out, n_dates)
        if out.size != n_dates:
            raise InputError(name, f"{out.size} values", f"do not match the {n_dates} dates")
        return out

    f = per_date(futures_prices, "futures_prices", as_price)
    if settles is None:
        if index is None or not hasattr(index, "dtype") or index.dtype.kind != "M":
            raise InputError("settles", None, "is needed: prices has no index of pricing dates")
        s = np.asarray(settlement_date(np.asarray(index, dtype=_D)), dtype=_D).reshape(-1)
    else:
        s = per_date(settles, "settles", as_date)
    dates = (np.asarray(index, dtype=_D) if index is not None and getattr(index, "dtype", None)
             is not None and index.dtype.kind == "M" else s)

    k = resolve_contract(contract, m, settle=s.min())
    T = (as_date(delivery, "delivery").reshape(-1)[0] if delivery is not None
         else last_delivery_day(k))
    if cf is None:
        _check_deliverable(k, m)
        factors = _cme_factor(k, c / 100.0, m)
    else:
        factors = as_float(cf, "cf", positive=True, what="a conversion factor").reshape(-1)
        if factors.size != n:
            raise InputError("cf", f"{factors.size} values", f"do not match the {n} bonds")
    r = _repo(repo)
    if r.ndim == 1 and r.size == n_dates and r.size > 1:
        r = r[:, None]  # one rate per date
    elif r.size > 1 and r.shape != (n_dates, n):
        raise InputError("repo", f"shape {r.shape}", f"must be one rate, one per date ({n_dates}) "
                         f"or dates × bonds ({n_dates} × {n})")

    late = s >= T
    if late.any():
        i = int(np.flatnonzero(late)[0])
        raise InputError("settles", str(s[i]), f"is not before delivery {T}", i)
    matured = m <= T
    if matured.any():
        i = int(np.flatnonzero(matured)[0])
        raise InputError("maturities", str(m[i]), f"is not after delivery {T}", i)
    shape = (n_dates, n)
    quoted = ~np.isnan(p)
    # bonds along the last axis, dates along the first: the kernels broadcast, so each bond's
    # schedule is worked out once, not once per date
    leg = _Leg(np.where(quoted, p, 100.0), c, m, s[:, None], np.asarray(T, dtype=_D),
               strict=True, validated=True)
    cols = _dlv_columns(leg, factors, f[:, None], r)
    del leg  # what the table needs of it is in cols: the next arrays reuse its memory

    # each date's bonds by implied repo, highest first (stable: the DLV's order on ties), then
    # the unquoted ones, left out
    key = np.where(quoted, -cols["implied_repo"], np.inf)
    rows = (np.argsort(key, axis=1, kind="stable") + np.arange(0, n_dates * n, n)[:, None]).reshape(-1)
    rows = rows[quoted.reshape(-1)[rows]]
    day, bond = np.divmod(rows, n)
    flat = {}
    while cols:  # each column in the table's order, the unsorted one let go once copied
        name, col = cols.popitem()
        flat[name] = (col.reshape(-1) if col.shape == shape
                      else np.broadcast_to(col, shape).reshape(-1))[rows]
    names = (np.asarray(tickers, dtype=object).reshape(-1) if tickers is not None
             else np.full(n, "", dtype=object))
    if names.size != n:
        raise InputError("tickers", f"{names.size} values", f"do not match the {n} bonds")
    flat["ticker"] = names[bond]
    flat["price_32nds"] = _format_32nds(flat["price"])
    flat["ctd"] = np.r_[True, day[1:] != day[:-1]] if day.size else np.zeros(0, bool)
    out = {"date": dates[day].astype("datetime64[s]"), "settle": s[day].astype("datetime64[s]")}
    out.update((name, flat[name]) for name in DLV_COLUMNS)
    table = pd.DataFrame(out)
    table.attrs.update(contract=str(k), delivery=str(T))
    return table
