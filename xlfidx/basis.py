"""Treasury futures basis: gross basis, carry, forward price, net basis, implied repo, CTD.

Conventions (Bloomberg's DLV screen): prices per 100 face, coupon and repo in
percent, repo Actual/360. Between settlement ``t`` and delivery ``T`` the bond is financed in
repo; a coupon paid in ``(t, T]`` (one paid on the delivery date included: the holder gets it
before delivering) pays down the repo balance, so it earns repo interest until ``T``::

    dirty forward = (P + AI_t)(1 + r·τ) − Σ C_k (1 + r·τ_k),   τ = (T − t)/360, τ_k = (T − t_k)/360
    clean forward = dirty forward − AI_T
    carry         = (AI_T − AI_t + Σ C_k (1 + r·τ_k)) − (P + AI_t)·r·τ   = P − clean forward
    net basis     = clean forward − CF·F = gross basis − carry
    implied repo  = the r at which clean forward = CF·F; the forward is linear in r, so this is
                    exact with any number of interim coupons (no linearisation)

A coupon due on a weekend or a SIFMA holiday is paid on the next good business day (31 CFR
356.30(a)), so ``t_k`` is that day: the coupon pays down the repo from then (a coupon due on
Saturday 2025-05-31 earns repo from Monday 2025-06-02). Which coupons fall in ``(t, T]`` and the
accrued interest go by the due dates.

(A textbook carry often leaves out the repo interest earned on an interim coupon, ``C_k·r·τ_k``; with
it, net basis from the forward equals gross basis minus carry exactly, as the desk expects.)

>>> round(gross_basis(103.296875, 114.234375, 0.9069) * 32, 3)   # TYZ4 CTD, in 32nds
-9.673
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from ._inputs import as_date, as_float, broadcast, scalar_or_array
from .bonds import _accrued, _accrued_at, _Maturity, _solve_yield, as_coupon
from .dates import FIRST_DAY, LAST_DAY, roll_forward
from .errors import InputError
from .futures import _check_deliverable, _cme_factor, last_delivery_day, resolve_contract
from .quotes import as_price

__all__ = [
    "gross_basis",
    "forward_price",
    "carry",
    "net_basis",
    "implied_repo",
    "invoice_price",
    "futures_dv01",
    "cheapest_to_deliver",
    "deliverable_basket",
    "dlv_table",
    "DLVTable",
    "DLV_COLUMNS",
]

_D = "datetime64[D]"


def _first_bad(mask: np.ndarray) -> tuple[int, int | None]:
    i = int(np.flatnonzero(mask.reshape(-1))[0])
    return i, (None if mask.ndim == 0 else i)


def _check_dates(maturity: np.ndarray, settle: np.ndarray, end: np.ndarray, end_name: str,
                 strict: bool) -> None:
    bad = (end <= settle) if strict else (end < settle)
    if bad.any():
        i, idx = _first_bad(bad)
        rel = "after" if strict else "on or after"
        raise InputError(end_name, str(end.reshape(-1)[i]),
                         f"must be {rel} settle {settle.reshape(-1)[i]}", idx)
    bad = end >= maturity
    if bad.any():
        i, idx = _first_bad(bad)
        raise InputError("maturity", str(maturity.reshape(-1)[i]),
                         f"is not after {end_name} {end.reshape(-1)[i]}; the bond matures first", idx)


def _payment_day(due: np.ndarray) -> np.ndarray:
    """The day a coupon due on ``due`` is paid: the next good business day (SIFMA's calendar;
    outside its table, 1990 to 2100, the next weekday)."""
    inside = (due >= FIRST_DAY) & (due <= LAST_DAY)
    if inside.all():
        return roll_forward(due)
    return np.where(inside, roll_forward(np.where(inside, due, FIRST_DAY)),
                    np.busday_offset(due, 0, roll="forward"))


class _Leg:
    """The cash flows of holding a bond from settle to an end date, financed in repo."""

    def __init__(self, price, coupon, maturity, settle, end, end_name="delivery", strict=False,
                 validated=False):
        if validated:  # arrays of one shape, already through the _inputs checks
            self.p, self.c, self.m, self.t, self.T = price, coupon, maturity, settle, end
        else:
            self.p, self.c, self.m, self.t, self.T = broadcast(
                as_price(price, "price"),
                as_coupon(coupon),
                as_date(maturity, "maturity"),
                as_date(settle, "settle"),
                as_date(end, end_name),
                names=["price", "coupon", "maturity", "settle", end_name],
            )
        _check_dates(self.m, self.t, self.T, end_name, strict)
        mat = _Maturity(self.m)
        self.ai_t, self.k_t, self.w_t = _accrued_at(self.c, mat, self.t)
        self.ai_T, k_T, _ = _accrued_at(self.c, mat, self.T)
        self.tau = (self.T - self.t).astype(np.int64) / 360.0
        # coupons k_T .. k_t-1 (counted back from maturity) fall in (t, T]
        count = self.k_t - k_T
        half = self.c / 2.0
        self.coupons = half * count
        width = int(count.max()) if count.size else 0
        if width:
            j = np.arange(width)
            ks = k_T[..., None] + j
            paid = j < count[..., None]
            sub = _Maturity(self.m[..., None])  # broadcasts against ks
            end = self.T.astype(np.int64)[..., None]
            # a coupon due on a weekend or SIFMA holiday is paid, and pays down the repo, on the
            # next good business day (31 CFR 356.30(a): "the next business day")
            due = np.where(paid, sub.coupon_day(ks), end).astype(_D)
            days = np.where(paid, end - _payment_day(due).astype(np.int64), 0)
            self.coupon_tau = half * days.sum(axis=-1) / 360.0  # Σ C_k τ_k
        else:
            self.coupon_tau = np.zeros_like(self.c)
        self.dirty = self.p + self.ai_t

    def clean_forward(self, r):
        return self.dirty * (1.0 + r * self.tau) - self.coupons - r * self.coupon_tau - self.ai_T

    def implied_repo(self, target_clean_fwd):
        # clean forward is linear in r: solve exactly
        return (target_clean_fwd + self.ai_T + self.coupons - self.dirty) / (
            self.dirty * self.tau - self.coupon_tau)


def _repo(repo: Any) -> np.ndarray:
    return as_float(repo, "repo", what="a repo rate in percent") / 100.0


def gross_basis(price: Any, futures_price: Any, cf: Any) -> Any:
    """Gross basis ``P − CF·F`` in points per 100 face (× 32 for 32nds).

    >>> round(gross_basis(98.6641, 115.9688, 0.85), 3)   # USZ3 CTD on 2023-11-22
    0.091
    """
    p, f, k = broadcast(as_price(price, "price"), as_price(futures_price, "futures_price"),
                        as_float(cf, "cf", positive=True, what="a conversion factor"),
                        names=["price", "futures_price", "cf"])
    return scalar_or_array(p - k * f, price, futures_price, cf)


def forward_price(price: Any, coupon: Any, maturity: Any, settle: Any, forward_date: Any,
                  repo: Any) -> Any:
    """Clean forward price per 100 face, financed at ``repo`` (percent, Act/360).

    >>> round(forward_price(103.296875, 4.25, "2031-06-30", "2024-08-05", "2024-12-31", 5.375), 6)
    103.879397
    """
    leg = _Leg(price, coupon, maturity, settle, forward_date, "forward_date")
    r = _repo(repo)
    return scalar_or_array(leg.clean_forward(r), price, coupon, maturity, settle, forward_date, repo)


def carry(price: Any, coupon: Any, maturity: Any, settle: Any, delivery: Any, repo: Any) -> Any:
    """Carry to delivery per 100 face: coupon income (with repo interest on interim coupons)
    less the repo cost of financing the dirty price. Equals price − clean forward; negative
    when repo costs more than the coupon earns (TYZ4 at 5.375% repo: −18.64/32).

    >>> round(carry(103.296875, 4.25, "2031-06-30", "2024-08-05", "2024-12-31", 5.375), 6)
    -0.582522
    """
    leg = _Leg(price, coupon, maturity, settle, delivery)
    r = _repo(repo)
    out = leg.ai_T - leg.ai_t + leg.coupons + r * leg.coupon_tau - leg.dirty * r * leg.tau
    return scalar_or_array(out, price, coupon, maturity, settle, delivery, repo)


def net_basis(price: Any, coupon: Any, maturity: Any, futures_price: Any, cf: Any, settle: Any,
              delivery: Any, repo: Any) -> Any:
    """Net basis ``clean forward − CF·F`` (= gross basis − carry), points per 100 face.

    >>> round(net_basis(98.6641, 4.5, "2039-08-15", 115.9688, 0.85, "2023-11-22",
    ...                 "2023-12-29", 5.413), 3)
    0.194
    """
    leg = _Leg(price, coupon, maturity, settle, delivery)
    f, k = _futures_and_cf(futures_price, cf)
    r = _repo(repo)
    out = leg.clean_forward(r) - k * f
    return scalar_or_array(out, price, coupon, maturity, futures_price, cf, settle, delivery, repo)


def _futures_and_cf(futures_price, cf):
    return (as_price(futures_price, "futures_price"),
            as_float(cf, "cf", positive=True, what="a conversion factor"))


def implied_repo(price: Any, coupon: Any, maturity: Any, futures_price: Any, cf: Any,
                 settle: Any, delivery: Any, net_basis: Any = 0.0) -> Any:
    """Implied repo rate in percent (Act/360): the repo at which the bond's clean forward
    equals the invoice ``CF·F``; buying the bond, repoing it and delivering it earns this.
    With ``net_basis`` (points per 100 face) it is the repo at which the bond's net basis is
    that figure: the term repo behind a published net basis (Bloomberg's ``fut_ctd_net_basis``,
    in 32nds, divided by 32).

    >>> round(implied_repo(98.6641, 4.5, "2039-08-15", 115.9688, 0.85, "2023-11-22",
    ...                    "2023-12-29"), 3)
    3.525
    >>> round(implied_repo(103.296875, 4.25, "2031-06-30", 114.234375, 0.9069, "2024-08-05",
    ...                    "2024-12-31", 2.684063259412928 / 32), 3)   # TYZ4's CTD, Bloomberg
    4.914
    """
    leg = _Leg(price, coupon, maturity, settle, delivery, strict=True)
    f, k = _futures_and_cf(futures_price, cf)
    nb = as_float(net_basis, "net_basis", what="a net basis in points")
    out = leg.implied_repo(k * f + nb) * 100.0
    return scalar_or_array(out, price, coupon, maturity, futures_price, cf, settle, delivery,
                           net_basis)


def invoice_price(futures_price: Any, cf: Any, coupon: Any, maturity: Any, delivery: Any) -> Any:
    """Invoice price per 100 face at delivery: ``F·CF + AI_T``.

    >>> round(invoice_price(114.234375, 0.9069, 4.25, "2031-06-30", "2024-12-31"), 6)
    103.599155
    """
    f, k = _futures_and_cf(futures_price, cf)
    c = as_coupon(coupon)
    m, T = as_date(maturity, "maturity"), as_date(delivery, "delivery")
    f, k, c, m, T = broadcast(f, k, c, m, T, names=["futures_price", "cf", "coupon", "maturity",
                                                    "delivery"])
    bad = T >= m
    if bad.any():
        i, idx = _first_bad(bad)
        raise InputError("maturity", str(m.reshape(-1)[i]), f"is not after delivery {T.reshape(-1)[i]}", idx)
    return scalar_or_array(f * k + _accrued(c, m, T), futures_price, cf, coupon, maturity, delivery)


def futures_dv01(ctd_dv01: Any, cf: Any) -> Any:
    """Futures DV01 (dollars per bp per contract) = DV01 of the CTD / its conversion factor.

    >>> round(futures_dv01(67.64, 0.9506), 2)   # CME's example
    71.16
    """
    d = as_float(ctd_dv01, "ctd_dv01", positive=True, what="a DV01 in dollars")
    k = as_float(cf, "cf", positive=True, what="a conversion factor")
    d, k = broadcast(d, k, names=["ctd_dv01", "cf"])
    return scalar_or_array(d / k, ctd_dv01, cf)


def cheapest_to_deliver(price: Any, coupon: Any, maturity: Any, futures_price: Any, cf: Any,
                        settle: Any, delivery: Any) -> int:
    """Position (0-based) of the cheapest to deliver: the bond with the highest implied repo.

    >>> cheapest_to_deliver([98.6641, 88.1406], [4.5, 3.5], ["2039-08-15", "2039-02-15"],
    ...                     115.9688, [0.85, 0.755], "2023-11-22", "2023-12-29")
    0
    """
    ir = np.atleast_1d(implied_repo(price, coupon, maturity, futures_price, cf, settle, delivery))
    return int(np.argmax(ir))


DLV_COLUMNS = [
    "ticker", "coupon", "maturity", "price", "price_32nds", "yield", "accrued", "cf",
    "gross_basis", "gross_basis_32nds", "carry", "carry_32nds", "fwd_price", "net_basis",
    "net_basis_32nds", "implied_repo", "dv01", "hedge_ratio", "duration", "ctd",
]


def _dlv_columns(leg: _Leg, cf: np.ndarray, f: Any, r: Any) -> dict[str, np.ndarray]:
    """The DLV's computed columns (all of ``DLV_COLUMNS`` but ticker, price_32nds and ctd),
    unsorted, for bonds held in arrays of any shape: the one home of the screen's formulas,
    for one pricing date or many (:func:`xlfidx.delivery.dlv_history`)."""
    invoice = cf * f
    fwd = leg.clean_forward(r)
    gross = leg.p - invoice
    net = fwd - invoice
    y, slope = _solve_yield(leg.c, leg.k_t.astype(np.float64), leg.w_t, leg.dirty)
    dv01 = -slope * 0.1
    return {
        "coupon": leg.c,
        "maturity": leg.m.astype("datetime64[s]"),  # pandas' own unit: no conversion
        "price": leg.p,
        "yield": y * 100.0,
        "accrued": leg.ai_t,
        "cf": cf,
        "gross_basis": gross,
        "gross_basis_32nds": gross * 32.0,
        "carry": leg.p - fwd,
        "carry_32nds": (leg.p - fwd) * 32.0,
        "fwd_price": fwd,
        "net_basis": net,
        "net_basis_32nds": net * 32.0,
        "implied_repo": leg.implied_repo(invoice) * 100.0,
        "dv01": dv01,
        "hedge_ratio": dv01 / cf,
        "duration": -slope / leg.dirty,
    }


def deliverable_basket(bonds, futures_price: Any, contract: Any, settle: Any, repo: Any,
                       delivery: Any = None):
    """The DLV table of a deliverable basket, like Bloomberg's DLV screen, as a DataFrame.

    ``bonds`` is a DataFrame (or mapping) with ``coupon`` (percent), ``maturity`` and ``price``
    (clean, decimals or 32nds text), and optionally ``ticker`` and ``cf`` (else CME's factor is
    computed from ``contract``). ``delivery`` defaults to the contract's last delivery day.
    Returns one row per bond, sorted by implied repo, highest (the CTD) first; basis columns in
    points, ``*_32nds`` in 32nds, ``implied_repo`` and ``yield`` in percent, ``dv01`` in dollars per
    100,000 face, ``hedge_ratio`` = DV01 / CF (the futures DV01 if that bond is the CTD),
    ``duration`` modified, in years. ``BondFuture(contract).dlv(...)`` gives the same table with
    its context (contract, dates, repo) as a :class:`DLVTable`.

    >>> import pandas as pd
    >>> b = pd.DataFrame({"coupon": [4.5, 3.5], "maturity": ["2039-08-15", "2039-02-15"],
    ...                   "price": [98.6641, 88.1406]})
    >>> dlv = deliverable_basket(b, 115.9688, "USZ3", "2023-11-22", 5.413, "2023-12-29")
    >>> dlv[["coupon", "cf", "implied_repo", "ctd"]].round(3).values.tolist()
    [[4.5, 0.85, 3.525, True], [3.5, 0.755, -2.537, False]]
    """
    return dlv_table(bonds, futures_price, contract, settle, repo, delivery).table


def dlv_table(bonds, futures_price: Any, contract: Any, settle: Any, repo: Any,
              delivery: Any = None, *, notes: tuple[str, ...] = (), source: str = "") -> DLVTable:
    """:func:`deliverable_basket` with its context, as a :class:`DLVTable`."""
    import pandas as pd  # the table is a DataFrame; the analytics are numpy

    from .quotes import format_32nds

    cols, order, market = _dlv_arrays(bonds, futures_price, contract, settle, repo, delivery)
    cols["price_32nds"] = np.asarray(format_32nds(cols["price"]), dtype=object)
    cols["ctd"] = np.arange(len(order)) == 0
    df = pd.DataFrame({name: cols[name] for name in DLV_COLUMNS})
    r = market["repo"]
    repo_pct = tuple((r * 100.0).tolist()) if np.ndim(r) else float(r * 100.0)
    return DLVTable(df, str(market["contract"]), float(market["futures_price"]),
                    market["settle"].astype(object), market["delivery"].astype(object), repo_pct,
                    tuple(notes), source)


def _basket_inputs(bonds, contract: Any, settle: Any, delivery: Any):
    """A basket's columns checked and completed: coupon, maturity, price, CF (the given
    factors, CME's for the blanks), tickers, the contract, settlement and delivery dates
    (the contract's last delivery day when ``delivery`` is None)."""
    names = list(bonds.keys()) if isinstance(bonds, dict) else list(bonds.columns)
    for need in ("coupon", "maturity", "price"):
        if need not in names:
            raise InputError("bonds", sorted(map(str, names)), f"has no '{need}' column; it needs "
                             "coupon, maturity and price")
    cols = {name: np.asarray(bonds[name]) for name in ("coupon", "maturity", "price", "cf", "ticker")
            if name in names}
    coupon = as_coupon(cols["coupon"]).reshape(-1)
    maturity = as_date(cols["maturity"], "maturity").reshape(-1)
    price = as_price(cols["price"], "price").reshape(-1)
    if coupon.size == 0:
        raise InputError("bonds", "(empty)", "has no rows; give at least one deliverable bond")
    s = as_date(settle, "settle").reshape(-1)[0]
    k = resolve_contract(contract, maturity, settle=s)
    T = as_date(delivery, "delivery").reshape(-1)[0] if delivery is not None else last_delivery_day(k)
    cf = np.full(coupon.shape, np.nan)
    if "cf" in cols:  # given factors win; blanks are computed with CME's formula
        cf = as_float(np.asarray(cols["cf"], dtype=object), "cf", positive=True,
                      allow_missing=True).reshape(-1)
    if np.isnan(cf).any():
        todo = np.isnan(cf)
        _check_deliverable(k, maturity[todo])
        cf[todo] = _cme_factor(k, coupon[todo] / 100.0, maturity[todo])
    ticker = cols["ticker"].astype(object) if "ticker" in cols else np.full(coupon.shape, "", dtype=object)
    return coupon, maturity, price, cf, ticker, k, s, T


def _dlv_arrays(bonds, futures_price: Any, contract: Any, settle: Any, repo: Any, delivery: Any):
    """The DLV as numpy columns sorted by implied repo (CTD first; no ``price_32nds``, ``ctd``),
    the caller's row of each (``order``), and the market: the resolved contract, settle,
    delivery, futures price and repo (decimal). :func:`deliverable_basket` and the delivery
    analytics share it."""
    coupon, maturity, price, cf, ticker, k, s, T = _basket_inputs(bonds, contract, settle, delivery)
    f = as_price(futures_price, "futures_price").reshape(-1)[0]
    r = np.broadcast_to(_repo(repo).reshape(-1), coupon.shape) if np.size(repo) > 1 else \
        _repo(repo).reshape(-1)[0]

    leg = _Leg(price, coupon, maturity, np.full(maturity.shape, s), np.full(maturity.shape, T),
               strict=True, validated=True)
    cols = _dlv_columns(leg, cf, f, r)
    order = np.argsort(-cols["implied_repo"], kind="stable")
    cols["ticker"] = ticker
    cols = {name: col[order] for name, col in cols.items()}
    return cols, order, {"contract": k, "settle": s, "delivery": T, "futures_price": f, "repo": r}


# the columns a basis trader reads, as the text and HTML views show them
_VIEW = {"ticker": "ticker", "coupon": "cpn", "maturity": "maturity", "price_32nds": "price",
         "yield": "yield %", "cf": "CF", "gross_basis_32nds": "gross 32nds",
         "carry_32nds": "carry 32nds", "net_basis_32nds": "net 32nds",
         "implied_repo": "impl repo %", "dv01": "DV01 $", "ctd": ""}


@dataclass(frozen=True, eq=False)
class DLVTable:
    """A DLV table and its context: the contract, futures price, dates, repo and notes.

    ``table`` is the DataFrame (one row per bond, CTD first); ``str()`` gives the screen a
    basis trader reads (what ``xlfidx dlv`` prints), and a notebook shows it as HTML.
    """

    table: Any                 # pandas.DataFrame
    contract: str
    futures_price: float
    settle: date
    delivery: date
    repo: float | tuple[float, ...]   # percent, Act/360; one per bond when they differ
    notes: tuple[str, ...] = ()
    source: str = ""
    repo_note: str = ""        # where the repo comes from, when it is a basket's default

    def __len__(self) -> int:
        return len(self.table)

    def __getitem__(self, key: Any) -> Any:
        return self.table[key]

    @property
    def ctd(self) -> Any:
        """The cheapest to deliver's row (highest implied repo)."""
        return self.table[self.table["ctd"]].iloc[0]

    def header(self) -> str:
        repo = self.repo if isinstance(self.repo, tuple) else (self.repo,)
        text = ", ".join(f"{r:.3f}%" for r in sorted(set(repo)))
        line = (f"{self.contract}  futures {self.futures_price:.6f}  settle {self.settle}  "
                f"delivery {self.delivery}  repo {text} ({self.repo_note or 'Act/360'})")
        return line + (f"  source {self.source}" if self.source else "")

    def _view(self) -> Any:
        show = self.table[self.table.get("problem", "").eq("")] if "problem" in self.table \
            else self.table
        show = show.assign(
            maturity=show["maturity"].dt.strftime("%Y-%m-%d"),
            ctd=np.where(show["ctd"], "CTD", ""),
        )[list(_VIEW)]
        show.columns = list(_VIEW.values())
        return show

    def __str__(self) -> str:
        body = self._view().to_string(index=False, float_format=lambda x: f"{x:.4f}")
        return "\n".join([self.header(), body, *(f"note: {n}" for n in self.notes)])

    def _repr_html_(self) -> str:
        import html

        notes = "".join(f"<br>note: {html.escape(n)}" for n in self.notes)
        return (f"<p><b>{html.escape(self.header())}</b>{notes}</p>"
                + self._view().to_html(index=False, float_format=lambda x: f"{x:.4f}"))
