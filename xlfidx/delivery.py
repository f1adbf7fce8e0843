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

**The delivery option** (the street's way, Burghardt's *The Treasury Bond Basis*). The forward
yields move by ``X`` bp (times each bond's beta), ``X`` normal with mean 0 and standard deviation
``vol_bp · √τ``, ``τ`` the years from settlement to the contract's **last trading day**
(Act/365); under the delivery-date forward measure (no discounting: a futures price is already a
price at delivery) the **quality (switch) option** is worth, in futures points::

    quality = E[P_c(X) / CF_c] − E[min_i P_i(X) / CF_i]  ≥ 0,   c = today's CTD (lowest forward/CF)

The **end-of-month option** runs from the last trading day (the futures price fixed at
``min_i P_i(X)/CF_i``) to the last delivery day, the yields moving on; it is valued apart and
added (see :func:`_end_of_month`). The theoretical futures price is today's CTD forward / CF less
the two; each is also given in 32nds and in points of the CTD (``CF_c · value``). The quality
option is integrated exactly between the switch points (Gauss–Legendre on panels no wider than
one standard deviation, out to ten), accurate to about 1e-12 points, not Monte Carlo noise; the
end-of-month option to about 0.001/32. Each bond's probability of being the CTD at the last
trading day is the normal mass of its pieces. The option-adjusted net basis is ``net basis_i −
CF_i · value``: what is left of the market's net basis once the model's options are paid for
(positive: the basis is rich to the model).

**The calendar roll.** See :func:`calendar_roll`.

>>> import pandas as pd
>>> usz3 = pd.DataFrame({"coupon": [4.5, 4.625, 3.5],
...                      "maturity": ["2039-08-15", "2040-02-15", "2039-02-15"],
...                      "price": [98.6641, 99.8203, 88.1406]})
>>> opt = delivery_option("USZ3", usz3, 115.96875, "2023-11-22", 5.413, 100.0)
>>> round(opt.value_32nds, 3), round(opt.theoretical_price, 4)
(0.79, 116.1721)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

import numpy as np

from ._inputs import as_date, as_float
from .basis import DLV_COLUMNS, _dlv_arrays, _dlv_columns, _Leg, _repo, dlv_table
from .bonds import (
    _accrued_at,
    _CashFlows,
    _Maturity,
    _pv_and_slope,
    _solve_yield,
    settlement_date,
)
from .errors import InputError
from .futures import (
    _check_deliverable,
    _cme_factor,
    is_deliverable,
    last_delivery_day,
    last_trading_day,
    resolve_contract,
)
from .quotes import _format_32nds, as_price

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
_SERIES_TERMS = 48  # at most this many terms of a bond's price as a power series in the shift
_SERIES_BLOCK = 512  # shifts priced from the series at a time (small products, one thread)

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


@lru_cache(maxsize=2)
def _hermite(n: int):
    """Nodes and weights of E[g(Z)], Z standard normal (probabilists' Gauss–Hermite)."""
    z, w = np.polynomial.hermite_e.hermegauss(n)
    return z, w / math.sqrt(2.0 * math.pi)


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
        self.last_trading = last_trading_day(market["contract"])
        self.mu = np.zeros(self.n_bonds)  # a drift of each forward yield (decimal), 0 unless set
        self._series = None  # (w, reach in bp, coefficients): see expand_in_shift

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
        pv, slope = _pv_and_slope(self.c[idx], self.n[idx], self.w[idx],
                                  self.y0[idx] + self.mu[idx] + dy)
        return self.fwd[idx] + (pv - self.pv0[idx]), slope

    def drift_to_the_forward(self, w: np.ndarray, sd: float) -> np.ndarray:
        """The drift of each forward yield (decimal) that makes the bond's expected price under
        the normal shift (``sd`` bp, ``w`` bp per bp) its forward: ``E[P_i] = f_i``. Solved by
        Newton on a 64-node Gauss–Hermite expectation (the price is smooth in the yield)."""
        if self.repricing == "duration" or sd == 0.0:
            return np.zeros(self.n_bonds)  # a linear price already has its forward as its mean
        z, gw = _hermite(64)
        dy = (z * sd)[:, None] * (w * _BP)
        mu = np.zeros(self.n_bonds)
        for _ in range(50):
            pv, slope = _pv_and_slope(self.c, self.n, self.w, self.y0 + mu + dy)
            step = (gw @ pv - self.pv0) / (gw @ slope)
            mu = mu - step
            if np.abs(step).max() < 1e-15:
                break
        return mu

    def at_shifts(self, x: np.ndarray, w: np.ndarray, by_bond: bool = False) -> np.ndarray:
        """Clean prices at delivery at scenario shifts ``x`` (bp): one row per shift, or with
        ``by_bond`` one row per bond (a minimum over the bonds is then one pass down columns)."""
        x = np.asarray(x, dtype=np.float64)
        if self._in_series(x, w):
            return self._series_prices(x, by_bond=by_bond)
        p, _ = self.prices(x[:, None] * (w * _BP))
        return p.T if by_bond else p

    def per_cf(self, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        """``P_i / CF_i`` at scenario shifts ``x`` (bp): one row per shift."""
        return self.at_shifts(x, w) / self.cf

    # -- the prices as power series in the shift ---------------------------------------------
    def expand_in_shift(self, w: np.ndarray, reach_bp: float) -> None:
        """Each bond's price as a power series in the scenario shift ``x`` (bp, ``|x| <=
        reach_bp``), for the many shifts an option takes (a series, not a fit). With ``e = j +
        w`` the exponent of cash flow ``j`` and ``s = x·w_i·1e-4 / (2 + y_i)`` the relative move
        of ``1 + y/2``, each discount factor is ``v^e·(1 + s)^(−e) = v^e·Σ_k C(−e, k)·s^k``, so::

            P_i(x) = f_i + Σ_{k≥1} a_ik·(x / reach)^k,   a_ik = Σ_j CF_ij·v_i^e·C(−e, k)·σ_i^k

        (``σ_i`` the ``s`` of ``x = reach``). The terms after ``k`` are bounded by the ``k``-th
        times ``r/(1 − r)``, ``r = |σ_i|·(e_max + k)/(k + 1)``; the series stops when that bound
        is below 1e-15 points. The price is a sum of terms of both signs: where their absolute
        sum would be more than 8 times the price (rounding beyond about 1e-13), where more
        than 48 terms are needed, where a bond is in its final coupon period (simple interest) or
        repricing is to first order, the street-yield kernel prices every shift as before.
        """
        self._series = None
        if self.repricing != "full" or not reach_bp > 0.0:
            return
        cash = _CashFlows(self.c, self.n.astype(np.intp), self.w)
        if cash.any_last:
            return
        flows = cash.flows                                         # (bond, flow): CF_j
        e = self.w[:, None] - cash.powers                          # j + w
        v = 1.0 / (1.0 + 0.5 * self.y0)
        sigma = reach_bp * w * _BP / (2.0 + self.y0)
        if (np.abs(sigma) >= 0.5).any():
            return
        k = np.arange(1.0, _SERIES_TERMS + 1.0)[:, None, None]
        steps = -sigma[:, None] * (e + (k - 1.0)) / k              # (term, bond, flow)
        terms = np.empty(steps.shape)
        np.multiply(flows * v[:, None] ** e, steps[0], out=terms[0])
        for i in range(1, _SERIES_TERMS):  # a running product, a row at a time (fast)
            np.multiply(terms[i - 1], steps[i], out=terms[i])
        size = np.abs(terms).sum(axis=2)                           # (term, bond)
        e_max = e.max(axis=1, where=flows > 0.0, initial=0.0)
        r = np.abs(sigma) * (e_max + k[:, :, 0]) / (k[:, :, 0] + 1.0)
        with np.errstate(divide="ignore"):
            tail = np.where(r < 1.0, size * r / (1.0 - r), np.inf)
        done = np.flatnonzero((tail < 1e-15).all(axis=1))
        if done.size == 0:
            return
        count = int(done[0]) + 1
        if (size[:count].sum(axis=0) > 8.0 * self.fwd).any():
            return
        self._series = (w, float(reach_bp), terms[:count].sum(axis=2))

    def _in_series(self, x: np.ndarray, w: np.ndarray) -> bool:
        return (self._series is not None and w is self._series[0] and not self.mu.any()
                and x.size > 0 and float(np.abs(x).max()) <= self._series[1])

    def _series_prices(self, x: np.ndarray, idx: Any = None, slopes: bool = False,
                       by_bond: bool = False):
        """Prices (and ``d price / d x`` per bp with ``slopes``) from the series of
        :meth:`expand_in_shift`: every bond at every shift (``idx`` None, one row per shift or
        with ``by_bond`` per bond), or bond ``idx[i]`` at shift ``x[i]``. In blocks of 512
        shifts: small products, one thread."""
        _, reach, a = self._series
        x = x.reshape(-1)
        terms = a.shape[0]
        if by_bond:
            out = np.empty((self.n_bonds, x.size))
            for i in range(0, x.size, _SERIES_BLOCK):
                t = x[i:i + _SERIES_BLOCK] / reach
                powers = np.empty((terms, t.size))                # t^1 … t^terms
                powers[0] = t
                for k in range(1, terms):
                    np.multiply(powers[k - 1], t, out=powers[k])
                out[:, i:i + _SERIES_BLOCK] = self.fwd[:, None] + a.T @ powers
            return out
        out = np.empty(x.shape if idx is not None else (x.size, self.n_bonds))
        dout = np.empty_like(out) if slopes else None
        da = np.arange(1.0, terms + 1.0)[:, None] * a / reach    # the derivative's coefficients
        for i in range(0, x.size, _SERIES_BLOCK):
            t = x[i:i + _SERIES_BLOCK] / reach
            powers = np.empty((terms + 1, t.size))                # t^0 … t^terms, one per row
            powers[0] = 1.0
            for k in range(terms):
                np.multiply(powers[k], t, out=powers[k + 1])
            if idx is None:
                out[i:i + _SERIES_BLOCK] = self.fwd + powers[1:].T @ a
                if slopes:
                    dout[i:i + _SERIES_BLOCK] = powers[:-1].T @ da
            else:
                j = idx[i:i + _SERIES_BLOCK]
                out[i:i + _SERIES_BLOCK] = self.fwd[j] + np.einsum("ks,ks->s", powers[1:], a[:, j])
                if slopes:
                    dout[i:i + _SERIES_BLOCK] = np.einsum("ks,ks->s", powers[:-1], da[:, j])
        return (out, dout) if slopes else out

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
        both = np.concatenate([ia, ib])

        def diff(x):
            if self._in_series(x, w):
                p, s = self._series_prices(np.concatenate([x, x]), both, slopes=True)
                p, s = p / self.cf[both], s / self.cf[both]
                return p[:x.size] - p[x.size:], s[:x.size] - s[x.size:]
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
    """The short's delivery options of a basket; see :func:`delivery_option`. Values in futures
    points (``_32nds`` in 32nds); ``value`` is the quality option plus the end-of-month option."""

    contract: str
    settle: str
    delivery: str
    last_trading_day: str
    vol_bp: float
    horizon_years: float          # settlement to the last trading day (the quality option)
    shift_sd_bp: float
    eom_horizon_years: float      # the last trading day to delivery (the end-of-month option)
    eom_shift_sd_bp: float
    futures_price: float
    ctd_forward_over_cf: float    # today's CTD: clean forward to delivery / CF
    theoretical_price: float      # ctd_forward_over_cf − value (street convention)
    quality: float
    quality_32nds: float
    end_of_month: float
    end_of_month_32nds: float
    value: float
    value_32nds: float
    value_ctd_points: float
    ctd: str
    ctd_net_basis: float
    ctd_net_basis_32nds: float
    table: Any
    switch_records: list
    _drift: Any = field(default=None, repr=False)  # what the drifted-shift check needs

    @cached_property
    def theoretical_price_drifted(self) -> float:
        """The check on :attr:`theoretical_price`: ``E[min P/CF]`` with each forward yield
        drifted so that its bond's mean price at the last trading day is its forward, less the
        end-of-month option. Worked out when first asked for (:meth:`summary` asks)."""
        drifted = _drifted_min(*self._drift) - self.end_of_month
        object.__setattr__(self, "_drift", None)  # the basket at delivery is no longer needed
        return drifted

    @property
    def switches(self):
        """The switch points within ±10 standard deviations (as :func:`ctd_switches`)."""
        return _switch_frame(self.switch_records)

    def summary(self) -> dict[str, Any]:
        """The headline figures as a mapping (what a report or a cell block shows)."""
        return {
            "contract": self.contract, "settle": self.settle,
            "last_trading_day": self.last_trading_day, "delivery": self.delivery,
            "vol_bp": self.vol_bp, "shift_sd_bp": self.shift_sd_bp,
            "eom_shift_sd_bp": self.eom_shift_sd_bp, "futures_price": self.futures_price,
            "ctd_forward_over_cf": self.ctd_forward_over_cf,
            "theoretical_price": self.theoretical_price,
            "theoretical_price_drifted": self.theoretical_price_drifted,
            "quality_option_32nds": self.quality_32nds,
            "end_of_month_option_32nds": self.end_of_month_32nds,
            "option_value": self.value, "option_value_32nds": self.value_32nds,
            "option_value_ctd_points": self.value_ctd_points, "ctd": self.ctd,
            "ctd_net_basis_32nds": self.ctd_net_basis_32nds,
            "ctd_option_adjusted_net_basis_32nds": self.ctd_net_basis_32nds
            - self.value_ctd_points * 32.0,
        }


def _panels(lo: float, hi: float, roots: np.ndarray, nodes: int, sd: float):
    """Gauss–Legendre nodes and normal weights (sd in bp) on panels one sd wide, split at
    ``roots``: ``(x, weight)``, the weights summing to the normal mass of [lo, hi]."""
    edges = np.union1d(np.linspace(lo, hi, int(round((hi - lo) / sd)) + 1), roots)
    a, z = edges[:-1], edges[1:]
    gx, gw = _legendre(nodes)
    half = 0.5 * (z - a)
    x = (0.5 * (z + a))[:, None] + half[:, None] * gx
    return x.reshape(-1), (half[:, None] * gw * _phi(x / sd) / sd).reshape(-1)


def _quality(b: _AtDelivery, w: np.ndarray, sd: float):
    """The switch option to the last trading day: (E[min P/CF], E[P_c/CF_c − min P/CF], each
    bond's probability of being CTD, the switch points (shift, from, to))."""
    c0, n = b.ctd0, b.n_bonds
    prob = np.zeros(n)
    if sd == 0.0:
        prob[c0] = 1.0
        empty = (np.empty(0), np.empty(0, np.intp), np.empty(0, np.intp))
        return float(b.fwd[c0] / b.cf[c0]), 0.0, prob, empty
    lo, hi = -_TAIL_SD * sd, _TAIL_SD * sd
    # a CTD for less than the search step moves the value by a sliver of its panel's mass
    roots, ia, ib = b.switches(w, lo, hi, step=min(max(sd / 16.0, _GRID_BP), 4 * _GRID_BP))
    x, wt = _panels(lo, hi, roots, _NODES, sd)
    ratio = b.per_cf(x, w)
    low = ratio.min(axis=1)
    mass = wt.sum()
    theo = float(wt @ low / mass)
    value = float(wt @ (ratio[:, c0] - low) / mass)  # a non-negative integrand
    # each piece between switch points has one CTD; its probability is the normal mass
    bounds = [-math.inf, *roots.tolist(), math.inf]
    owners = [int(ia[0]), *ib.tolist()] if roots.size else [c0]
    for j, owner in enumerate(owners):
        prob[owner] += _norm_cdf(bounds[j + 1] / sd) - _norm_cdf(bounds[j] / sd)
    return theo, value, prob, (roots, ia, ib)


_EOM_SD = 6.0       # the end-of-month shift integrated to ±6 sd (mass beyond: 2e-9)
_EOM_NODES = 6      # Gauss–Legendre nodes per panel of one sd, for each of the two shifts: the
#                     switches after the last trading day are kinks inside panels, so the value
#                     is good to about 0.001/32 (USZ3 at 100 bp: 1.0567 against 1.0569 with 24)
_EOM_BLOCK = 512    # pairs of shifts priced at a time (the arrays stay small and in cache)


def _end_of_month(b: _AtDelivery, w: np.ndarray, sd_q: float, sd_e: float, roots) -> float:
    """The end-of-month option in futures points. At the last trading day (shift ``X``, sd
    ``sd_q``) the futures price is fixed, ``F_L = min_i P_i(X)/CF_i``, on the bond ``c*`` that
    is then cheapest; the yields move on by ``Z`` (sd ``sd_e``) to the last delivery day, and the
    short delivers the bond of lowest cost ``P_i(X+Z) − CF_i·F_L``. The option is what that
    choice saves over delivering ``c*``, per unit of futures price (÷ CF of ``c*``)::

        EOM = E[ (P_c*(X+Z) − CF_c*·F_L − min_i (P_i(X+Z) − CF_i·F_L)) / CF_c* ]  ≥ 0

    Every bond is priced at every pair ``X + Z`` (the power series of
    :meth:`_AtDelivery.expand_in_shift` where it holds, else the street-yield kernel).
    """
    if sd_e == 0.0 or b.n_bonds < 2:
        return 0.0
    if sd_q == 0.0:
        x, wx = np.zeros(1), np.ones(1)
    else:
        inner = roots[np.abs(roots) < _EOM_SD * sd_q]
        x, wx = _panels(-_EOM_SD * sd_q, _EOM_SD * sd_q, inner, _EOM_NODES, sd_q)
    z, wz = _panels(-_EOM_SD * sd_e, _EOM_SD * sd_e, np.empty(0), _EOM_NODES, sd_e)
    ratio = b.per_cf(x, w)
    star = np.argmin(ratio, axis=1)
    f_l = ratio[np.arange(x.size), star]
    step = max(1, _EOM_BLOCK // z.size)  # X nodes at a time
    total = 0.0
    for i in range(0, x.size, step):
        xs = x[i:i + step]
        u = (xs[:, None] + z).reshape(-1)                              # X + Z, X by X
        cs = np.repeat(star[i:i + step], z.size)
        # (bond, pair): each bond's cost of delivery at the futures price fixed at X
        cost = b.at_shifts(u, w, by_bond=True) - b.cf[:, None] * np.repeat(f_l[i:i + step], z.size)
        gain = (cost[cs, np.arange(u.size)] - cost.min(axis=0)) / b.cf[cs]
        total += float(wx[i:i + step] @ (gain.reshape(xs.size, z.size) @ wz))
    return total / float(wx.sum() * wz.sum())


def delivery_option(contract: Any, bonds: Any, futures_price: Any, settle: Any, repo: Any,
                    vol_bp: Any, delivery: Any = None, *, beta: Any = None,
                    repricing: str = "full") -> DeliveryOption:
    """Value the short's delivery options with normal yield moves, as the street prices them.

    Arguments as for :func:`ctd_scenarios`; ``vol_bp`` is the normal volatility of the forward
    yields in bp per year (0 allowed). Two options, valued apart and summed (Burghardt, *The
    Treasury Bond Basis*):

    - the **quality (switch) option**, to the contract's last trading day: the forward yields
      move by ``X`` (sd ``vol_bp·√τ``, ``τ`` the years from settlement to the last trading day,
      Act/365) and the option is ``E[P_c(X)/CF_c] − E[min_i P_i(X)/CF_i]``, ``c`` today's CTD;
    - the **end-of-month option**, from the last trading day (the futures price fixed) to the
      delivery day: see :func:`_end_of_month`.

    The theoretical futures price is the street's: **today's CTD forward / CF − (quality +
    end-of-month)**. The zero-mean shifts put each bond's expected price above its forward
    (convexity); the option, a difference of two expectations under the same shifts, carries
    almost none of it, so subtracting it from the forward keeps the convexity out of the price.
    ``theoretical_price_drifted`` is the other way to the same end: each forward yield drifts so
    that the bond's expected price at the last trading day is its forward, and the price is
    ``E[min P/CF]`` under those shifts less the end-of-month option; the two agree to first
    order (on USZ3 at 100 bp: 116.0851 and 116.0794, 0.006 points apart; at 0 bp they are equal).
    It is a check, worked out when first read (:meth:`DeliveryOption.summary` reads it).

    Every bond is priced at each shift from its price as a power series in the shift (exact to
    about 1e-13 points, :meth:`_AtDelivery.expand_in_shift`); where the series would lose digits
    (shifts beyond about ±1,400 bp on the USZ3 basket: 500 bp a year there) the street-yield
    kernel prices every shift.

    The result has ``quality``, ``end_of_month`` and ``value`` (their sum) in futures points and
    32nds, ``value_ctd_points`` (CF of today's CTD × value), the theoretical prices, today's CTD
    and its market net basis, the switch points to the last trading day within ±10 standard
    deviations (``switches``), and a per-bond ``table`` in the DLV's order: ``ticker``,
    ``coupon``, ``maturity``, ``cf``, ``fwd_price``, ``net_basis`` (market, points),
    ``net_basis_32nds``, ``ctd_probability`` (at the last trading day),
    ``option_adjusted_net_basis`` (``net_basis − CF · value``, points), its ``_32nds``, ``ctd``.

    >>> import pandas as pd
    >>> b = pd.DataFrame({"coupon": [4.5, 4.375], "maturity": ["2039-08-15", "2043-08-15"],
    ...                   "price": [98.6641, 95.0703]})
    >>> opt = delivery_option("USZ3", b, 115.96875, "2023-11-22", 5.413, 100.0)
    >>> round(opt.quality_32nds, 3), round(opt.end_of_month_32nds, 3)
    (1.102, 0.339)
    >>> opt.table["ctd_probability"].round(4).tolist()
    [0.8652, 0.1348]
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
    ltd = min(b.last_trading, b.T)
    tau_q = max(int((ltd - b.t).astype(np.int64)), 0) / 365.0
    tau_e = max(int((b.T - max(ltd, b.t)).astype(np.int64)), 0) / 365.0
    sd_q, sd_e = vol * math.sqrt(tau_q), vol * math.sqrt(tau_e)
    if sd_q or sd_e:
        reach = _TAIL_SD * sd_q + _EOM_SD * sd_e
        b.check_yields(w, -reach, reach, "vol_bp", vol)
        # every shift below is within ±10 sd of X or ±6 sd of X + Z
        b.expand_in_shift(w, max(_TAIL_SD * sd_q, _EOM_SD * (sd_q + sd_e)))
    c0, n = b.ctd0, b.n_bonds
    fwd_cf = float(b.fwd[c0] / b.cf[c0])
    _theo, quality, prob, (roots, ia, ib) = _quality(b, w, sd_q)
    eom = _end_of_month(b, w, sd_q, sd_e, roots)
    value = quality + eom
    table = pd.DataFrame({
        "ticker": b.ticker, "coupon": b.c, "maturity": b.m.astype("datetime64[s]"), "cf": b.cf,
        "fwd_price": b.fwd, "net_basis": b.net_basis, "net_basis_32nds": b.net_basis * 32.0,
        "ctd_probability": prob,
        "option_adjusted_net_basis": b.net_basis - b.cf * value,
        "option_adjusted_net_basis_32nds": (b.net_basis - b.cf * value) * 32.0,
        "ctd": np.arange(n) == c0,
    })
    return DeliveryOption(
        contract=b.contract, settle=str(b.t), delivery=str(b.T), last_trading_day=str(ltd),
        vol_bp=vol, horizon_years=float(tau_q), shift_sd_bp=float(sd_q),
        eom_horizon_years=float(tau_e), eom_shift_sd_bp=float(sd_e),
        futures_price=b.futures_price, ctd_forward_over_cf=fwd_cf,
        theoretical_price=fwd_cf - value,
        quality=quality, quality_32nds=quality * 32.0, end_of_month=eom,
        end_of_month_32nds=eom * 32.0, value=value, value_32nds=value * 32.0,
        value_ctd_points=float(b.cf[c0] * value), ctd=b.label(c0),
        ctd_net_basis=float(b.net_basis[c0]), ctd_net_basis_32nds=float(b.net_basis[c0] * 32.0),
        table=table, switch_records=_switch_records(b, roots, ia, ib, w),
        _drift=(b, w, sd_q, roots))


def _drifted_min(b: _AtDelivery, w: np.ndarray, sd_q: float, roots: np.ndarray) -> float:
    """E[min P/CF] at the last trading day with each forward yield drifted to make its bond's
    mean price its forward, on the quality option's panels with the end-of-month option's nodes
    (the drift moves the switch points by a fraction of a bp: a check, not a second model)."""
    c0 = b.ctd0
    if not sd_q:
        return float(b.fwd[c0] / b.cf[c0])
    b.mu = b.drift_to_the_forward(w, sd_q)
    try:
        x, wt = _panels(-_TAIL_SD * sd_q, _TAIL_SD * sd_q, roots, _EOM_NODES, sd_q)
        return float(wt @ b.per_cf(x, w).min(axis=1) / wt.sum())
    finally:
        b.mu = np.zeros(b.n_bonds)


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
    theoretical_spread: float        # carry only: each contract's CTD forward / CF
    theoretical_spread_32nds: float
    market_spread: float
    market_spread_32nds: float
    implied_roll_repo: float         # Burghardt's: from the front's market invoice
    breakeven_roll_repo: float       # the roll repo at which the carry-only spread is the market's
    roll_bond: str                   # the bond taken on the front and redelivered into the back
    front_dlv: Any
    back_dlv: Any
    vol_bp: float | None = None      # the vol of both contracts' delivery options (None: none)
    front_option_32nds: float = math.nan
    back_option_32nds: float = math.nan
    warnings: tuple[str, ...] = ()

    @property
    def rich_32nds(self) -> float:
        """Market minus the carry-only spread in 32nds: positive when the front is rich."""
        return self.market_spread_32nds - self.theoretical_spread_32nds

    @property
    def option_adjusted_spread_32nds(self) -> float:
        """The fair spread with each contract's delivery option at one vol: (CTD forward / CF −
        option) of the front less the same of the back, in 32nds (NaN without a vol)."""
        return self.theoretical_spread_32nds - self.front_option_32nds + self.back_option_32nds

    @property
    def option_adjusted_rich_32nds(self) -> float:
        """Market minus the option-adjusted fair spread in 32nds: positive, the front is rich."""
        return self.market_spread_32nds - self.option_adjusted_spread_32nds

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
            "vol_bp": self.vol_bp if self.vol_bp is not None else "",
            "front_option_32nds": self.front_option_32nds,
            "back_option_32nds": self.back_option_32nds,
            "option_adjusted_spread_32nds": self.option_adjusted_spread_32nds,
            "option_adjusted_rich_32nds": self.option_adjusted_rich_32nds,
            "front_repo": self.front_repo, "back_repo": self.back_repo,
            "forward_repo": self.forward_repo, "roll_repo": self.roll_repo,
            "roll_bond": self.roll_bond,
            "implied_roll_repo": self.implied_roll_repo,
            "breakeven_roll_repo": self.breakeven_roll_repo,
            "warnings": "; ".join(self.warnings),
        }


def _one_rate(value: Any, name: str) -> float:
    r = as_float(value, name, what="a repo rate in percent").reshape(-1)
    if r.size != 1:
        raise InputError(name, f"{r.size} values", "must be one term repo rate (percent)")
    return float(r[0])


def calendar_roll(front: Any, back: Any, bonds: Any, front_price: Any, back_price: Any,
                  settle: Any, front_repo: Any, back_repo: Any, *, back_bonds: Any = None,
                  front_delivery: Any = None, back_delivery: Any = None,
                  roll_repo: Any = None, vol_bp: Any = None) -> CalendarRoll:
    """The fair calendar spread (front − back), carry only and option-adjusted, and the
    implied repo of the roll, as Burghardt writes them (*The Treasury Bond Basis*).

    ``bonds`` is one basket table (``coupon``, ``maturity``, ``price``, optional ``ticker``) for
    both contracts (each takes the bonds deliverable into it, with CME's factor for that
    contract; a warning says that notes issued after that basket's date are missing from the
    back's), or the front's basket with ``back_bonds`` the back's own (then a ``cf`` column is
    used as given). ``front_repo`` and ``back_repo`` are the term repo rates from ``settle`` to
    each contract's delivery (percent, Act/360); deliveries default to each last delivery day.

    - carry only: front ``F1* = min_i fwd_i(t→T1, r1) / CF1_i``; the forward repo from ``T1``
      to ``T2`` implied by the term repos, ``(1 + r2·τ2) = (1 + r1·τ1)(1 + r_f·τ12)``, each
      ``τ`` in days/360; the back priced on its CTD ``b``, bought forward for ``T1`` (at ``r1``)
      and carried to ``T2`` at a roll repo (``roll_repo``, default ``r_f``), interim coupons
      paying down the repo: ``F2* = fwd_b(t→T1→T2) / CF2_b``; ``theoretical_spread = F1* − F2*``;
    - option-adjusted (with ``vol_bp``): each contract's theoretical price less its delivery
      option (quality + end-of-month, :func:`delivery_option`, the same vol, each at its own
      term repo): ``theoretical_spread − option_front + option_back``;
    - the implied repo of the roll (Burghardt): take delivery on the front at its market
      invoice ``F1·CF1 + AI(T1)`` of the bond delivered into it (the front's CTD, if it can be
      redelivered into the back; else the back's CTD), carry it to ``T2`` and deliver it into
      the back at ``F2·CF2 + AI(T2)``; the repo that makes the two equal (interim coupons paying
      down the repo: exact, the forward is linear in the rate). Above ``forward_repo`` the
      roll is cheap to the term repos;
    - ``breakeven_roll_repo``: the roll repo at which the carry-only theoretical spread equals
      the market spread (starting from the front's theoretical, not its market, price).

    >>> import pandas as pd
    >>> b = pd.DataFrame({"coupon": [4.5, 4.625], "maturity": ["2039-08-15", "2040-02-15"],
    ...                   "price": [98.6641, 99.8203]})
    >>> roll = calendar_roll("USZ3", "USH4", b, 115.96875, 116.03125, "2023-11-22", 5.413, 5.413)
    >>> round(roll.theoretical_spread_32nds, 3), round(roll.forward_repo, 3), round(roll.implied_roll_repo, 3)
    (-2.577, 5.383, 5.33)
    """
    import pandas as pd

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
    vol = None if vol_bp is None else float(as_float(vol_bp, "vol_bp", nonnegative=True,
                                                     what="a volatility in bp a year").reshape(-1)[0])
    if not hasattr(bonds, "keys"):
        raise InputError("bonds", type(bonds).__name__, "is not a table; give a DataFrame")
    table = pd.DataFrame(bonds) if not isinstance(bonds, pd.DataFrame) else bonds
    warnings: list[str] = []
    if back_bonds is None:
        shared = table.drop(columns=[c for c in ("cf",) if c in table.columns])
        front_rows, back_rows = _deliverable_rows(shared, k1), _deliverable_rows(shared, k2)
        warnings.append(f"the {k2} basket is taken from the {k1} basket: notes issued after its "
                        f"pricing date are missing from it; give the {k2} contract's own export")
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
    breakeven = float(leg.implied_repo(np.full(m.shape, target))[b] * 100.0)

    def label(dlv, i):
        t = str(dlv["ticker"].iloc[i]).strip()
        return t or f"{dlv['coupon'].iloc[i]:g}% {dlv['maturity'].iloc[i].date()}"

    # Burghardt's implied repo of the roll: the bond delivered into the front, at the front's
    # market invoice, carried to the back's delivery and delivered there at its market invoice
    m1 = dlv1["maturity"].to_numpy().astype(_D)
    c1 = dlv1["coupon"].to_numpy(np.float64)
    same = np.flatnonzero((m == m1[a]) & (np.abs(c - c1[a]) < 1e-9))
    if same.size:
        j, cf_front, bond = int(same[0]), float(dlv1["cf"].iloc[a]), label(dlv1, a)
    else:
        j, bond = b, label(dlv2, b)
        warnings.append(f"the {k1} CTD {label(dlv1, a)} cannot be delivered into {k2}: the "
                        f"implied roll repo is on the {k2} CTD {bond}")
        cf_front = (float(_cme_factor(k1, np.array([c[b] / 100.0]), m[b:b + 1])[0])
                    if bool(is_deliverable(m[b], k1)) else math.nan)
    carry_leg = _Leg(np.array([f1 * cf_front]), c[j:j + 1], m[j:j + 1], np.array([T1]),
                     np.array([T2]), "back_delivery", strict=True, validated=True)
    implied = float(carry_leg.implied_repo(np.array([f2 * cf2[j]]))[0] * 100.0)

    opt1 = opt2 = math.nan
    if vol is not None:
        opt1 = delivery_option(k1, front_rows, f1, s, r1, vol, front_delivery).value_32nds
        opt2 = delivery_option(k2, back_rows, f2, s, r2, vol, back_delivery).value_32nds

    theo = front_theo - back_theo
    return CalendarRoll(
        front=str(k1), back=str(k2), settle=str(s), front_delivery=str(T1),
        back_delivery=str(T2), front_price=float(f1), back_price=float(f2), front_repo=r1,
        back_repo=r2, forward_repo=rf * 100.0, roll_repo=rr * 100.0, front_ctd=label(dlv1, a),
        back_ctd=label(dlv2, b), front_theoretical=front_theo, back_theoretical=back_theo,
        theoretical_spread=theo, theoretical_spread_32nds=theo * 32.0, market_spread=market,
        market_spread_32nds=market * 32.0, implied_roll_repo=implied,
        breakeven_roll_repo=breakeven, roll_bond=bond, front_dlv=dlv1, back_dlv=dlv2,
        vol_bp=vol, front_option_32nds=opt1, back_option_32nds=opt2, warnings=tuple(warnings))


def _deliverable_rows(table, k):
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
