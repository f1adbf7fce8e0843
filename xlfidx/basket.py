"""The objects a basis trader names: a Treasury future (:class:`BondFuture`) and its
deliverable basket with the market data of a pricing date (:class:`DeliverableBasket`).

They sit above the kernels they call and import them; nothing below imports them::

    dates -> bonds -> futures (contract rules) -> basis (DLV kernels) -> delivery (scenarios,
    delivery option, roll, history) -> basket (these objects) -> bloomberg readers -> Excel, CLI

The two live in one module because each hands out the other (``basket.future`` is the
contract; ``BondFuture.dlv`` takes a basket in place of its market arguments).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from .basis import (
    DLVTable,
    _basket_inputs,
    cheapest_to_deliver,
    dlv_table,
    implied_repo,
    invoice_price,
)
from .basket_rows import check_rows
from .errors import InputError, MissingDataError
from .futures import (
    Contract,
    ContractSpec,
    conversion_factor,
    first_delivery_day,
    is_deliverable,
    last_delivery_day,
    last_trading_day,
    parse_contract,
    resolve_contract,
)

__all__ = ["BondFuture", "DeliverableBasket"]


def _same_bond(name: str, coupon: float, maturity: Any) -> bool:
    """Whether a Bloomberg security name such as ``T 4.25 06/30/31`` is this bond."""
    parts = name.replace(" Govt", "").split()
    try:
        c = float(parts[1])
        mm, dd, yy = (int(x) for x in parts[2].split("/"))
    except (IndexError, ValueError):
        return False
    d = np.datetime64(maturity, "D").astype(object)
    return abs(c - coupon) < 1e-9 and (d.month, d.day, d.year % 100) == (mm, dd, yy)


@dataclass(frozen=True, init=False)
class BondFuture:
    """A Treasury bond or note future, named by its ticker (``TYZ4``, ``TYZ24``, ``ZNZ4``,
    ``TYZ4 Comdty``).

    A one-digit year is resolved by ``settle=`` (the first such delivery month on or after the
    settlement month) or by the bonds a method is given. The methods are the functions of
    :mod:`xlfidx.futures`, :mod:`xlfidx.basis` and :mod:`xlfidx.delivery` with this contract
    filled in.

    >>> from datetime import date
    >>> ty = BondFuture("TYZ4", settle=date(2024, 8, 5))
    >>> ty.ticker, str(ty.last_delivery_day), str(ty.last_trading_day)
    ('TYZ24', '2024-12-31', '2024-12-19')
    >>> ty.conversion_factor(4.25, date(2031, 6, 30))        # the TYZ4 export's `conversion`
    0.9069
    >>> import pandas as pd
    >>> bonds = pd.DataFrame({"coupon": [4.5, 3.5], "maturity": ["2039-08-15", "2039-02-15"],
    ...                       "price": [98.6641, 88.1406]})
    >>> dlv = BondFuture("USZ3").dlv(bonds, 115.9688, settle=date(2023, 11, 22), repo=5.413)
    >>> float(dlv.ctd["coupon"]), round(float(dlv.ctd["implied_repo"]), 3)
    (4.5, 3.525)
    """

    contract: Contract

    def __init__(self, ticker: Any, *, settle: Any = None, maturity: Any = None):
        c = parse_contract(ticker)
        if c.year is None and (settle is not None or maturity is not None):
            c = resolve_contract(c, maturity, settle=settle)
        object.__setattr__(self, "contract", c)

    def __str__(self) -> str:
        return self.ticker

    @property
    def ticker(self) -> str:
        return str(self.contract)

    @property
    def spec(self) -> ContractSpec:
        return self.contract.spec

    def _for(self, settle: Any = None, maturity: Any = None) -> Contract:
        """The contract with its year, resolved by ``settle`` or the bonds when it had one digit."""
        if self.contract.year is not None:
            return self.contract
        return resolve_contract(self.contract, maturity, settle=settle)

    @property
    def delivery_month(self) -> np.datetime64:
        return self.contract.delivery_month

    @property
    def first_delivery_day(self) -> np.datetime64:
        return first_delivery_day(self.contract)

    @property
    def last_delivery_day(self) -> np.datetime64:
        return last_delivery_day(self.contract)

    @property
    def last_trading_day(self) -> np.datetime64:
        return last_trading_day(self.contract)

    def conversion_factor(self, coupon: Any, maturity: Any) -> Any:
        """CME conversion factor of each bond (coupon in percent), 4 decimals."""
        return conversion_factor(coupon, maturity, self.contract)

    def is_deliverable(self, maturity: Any, issue_date: Any = None) -> Any:
        """True where a bond maturing on ``maturity`` may be delivered."""
        return is_deliverable(maturity, self.contract, issue_date)

    def dlv(self, bonds: Any, futures_price: Any = None, settle: Any = None, repo: Any = None,
            delivery: Any = None) -> Any:
        """The DLV table (:class:`~xlfidx.basis.DLVTable`), CTD first.

        ``bonds`` is a DataFrame or mapping with ``coupon``, ``maturity`` and ``price`` (and
        optionally ``ticker``, ``cf``), or a :class:`DeliverableBasket`, whose own
        futures price, settlement, repo and delivery are used where an argument is not given.
        """
        if isinstance(bonds, DeliverableBasket):
            return bonds.dlv(futures_price=futures_price, settle=settle, repo=repo,
                             delivery=delivery)
        for name, value in (("futures_price", futures_price), ("settle", settle), ("repo", repo)):
            if value is None:
                raise InputError(name, None, "is needed for a DLV of a table of bonds")
        return dlv_table(bonds, futures_price, self._for(settle), settle, repo, delivery)

    def _market(self, bonds: Any, futures_price: Any, settle: Any, repo: Any,
                delivery: Any) -> tuple:
        """The four market arguments (and delivery), from a basket object where one is given."""
        if isinstance(bonds, DeliverableBasket):
            market = bonds.market(futures_price=futures_price, settle=settle, repo=repo)
            return (*market, bonds.delivery if delivery is None else delivery)
        for name, value in (("futures_price", futures_price), ("settle", settle), ("repo", repo)):
            if value is None:
                raise InputError(name, None, "is needed with a table of bonds")
        return bonds, futures_price, settle, repo, delivery

    def ctd_scenarios(self, bonds: Any, futures_price: Any = None, settle: Any = None,
                      repo: Any = None, shifts_bp: Any = None, delivery: Any = None,
                      **options: Any) -> Any:
        """CTD switch scenarios (:func:`xlfidx.delivery.ctd_scenarios`): one row per shift and
        bond; ``bonds`` may be a :class:`DeliverableBasket` in place of the
        market arguments."""
        if shifts_bp is None:
            raise InputError("shifts_bp", None, "is needed: the yield shifts in bp")
        from .delivery import ctd_scenarios  # the scenario kernels load when first asked for

        b, f, s, r, d = self._market(bonds, futures_price, settle, repo, delivery)
        return ctd_scenarios(self._for(s), b, f, s, r, shifts_bp, d, **options)

    def delivery_option(self, bonds: Any, futures_price: Any = None, settle: Any = None,
                        repo: Any = None, vol_bp: Any = None, delivery: Any = None,
                        **options: Any) -> Any:
        """The delivery (quality) option (:func:`xlfidx.delivery.delivery_option`); ``bonds``
        may be a :class:`DeliverableBasket` in place of the market arguments."""
        if vol_bp is None:
            raise InputError("vol_bp", None, "is needed: the normal yield vol in bp a year")
        from .delivery import delivery_option

        b, f, s, r, d = self._market(bonds, futures_price, settle, repo, delivery)
        return delivery_option(self._for(s), b, f, s, r, vol_bp, d, **options)

    def ctd(self, bonds: Any, futures_price: Any = None, settle: Any = None, repo: Any = None,
            delivery: Any = None) -> Any:
        """The cheapest to deliver's DLV row (highest implied repo)."""
        return self.dlv(bonds, futures_price, settle, repo, delivery).ctd

    def invoice_price(self, futures_price: Any, coupon: Any, maturity: Any,
                      delivery: Any = None) -> Any:
        """Invoice price per 100 face, ``F·CF + AI`` at delivery (the last delivery day unless
        given)."""
        k = self._for(maturity=maturity)
        day = last_delivery_day(k) if delivery is None else delivery
        return invoice_price(futures_price, conversion_factor(coupon, maturity, k), coupon,
                             maturity, day)

    def futures_dv01(self, bonds: Any, futures_price: Any = None, settle: Any = None,
                     repo: Any = None, delivery: Any = None) -> float:
        """Futures DV01, $ per bp per contract: the CTD's DV01 per 100,000 face over its CF."""
        return float(self.ctd(bonds, futures_price, settle, repo, delivery)["hedge_ratio"])


@dataclass(frozen=True, eq=False)
class DeliverableBasket:
    """A futures contract's deliverable bonds with the market data a DLV needs.

    Read from a Bloomberg basket export (:func:`xlfidx.bloomberg.basket.read_basket`), it
    carries the export's own defaults: settlement T+1 after its ``last_update_dt``, its repo,
    the contract's last delivery day. ``bonds`` has ``coupon``, ``maturity``, ``price`` (and
    ``ticker``, ``cf``); a row whose ``problem`` is not empty could not be read and is shown,
    not computed. Every default can be overridden per call of :meth:`dlv`.

    >>> import pandas as pd
    >>> b = DeliverableBasket("USZ3", pd.DataFrame({
    ...     "coupon": [4.5, 3.5], "maturity": ["2039-08-15", "2039-02-15"],
    ...     "price": [98.6641, 88.1406], "problem": ["", ""]}),
    ...     futures_price=115.9688, settle=date(2023, 11, 22), repo=5.413)
    >>> [round(float(b.dlv(repo=r).ctd["net_basis_32nds"]), 2) for r in (None, 5.0)]
    [6.2, 4.85]
    """

    contract: str
    bonds: Any                  # pandas.DataFrame
    futures_price: float
    settle: date
    repo: float | tuple[float, ...] | None   # percent; a tuple: one rate per row of ``bonds``;
    #                                          None: not known, every dlv() call gives it
    delivery: date | None = None      # None: the contract's last delivery day
    as_of: date | None = None         # the pricing date of the data
    source: str = ""
    notes: tuple[str, ...] = ()
    repo_note: str = ""               # where the default repo comes from (the DLV's header)
    bloomberg: Any = None             # Bloomberg's own figures of the export, a mapping:
    #                                   fut_ctd, fut_ctd_px, fut_ctd_gross_basis, fut_ctd_net_basis
    #                                   (32nds); the bonds' conversion and int_acc stay in ``bonds``

    @property
    def future(self) -> Any:
        """The contract as a :class:`~xlfidx.futures.BondFuture`."""
        return BondFuture(self.contract, settle=self.settle)

    def rows(self, *, settle: Any = None, delivery: Any = None) -> Any:
        """Every bond checked for this settlement and delivery (the basket's own where not
        given), a :class:`~xlfidx.basket_rows.CheckedRows`: the ``bonds`` table with each bad
        row's ``problem`` (a price not above zero, a negative coupon, a maturity not after
        delivery or outside the contract's window, a cell the reader could not read) and
        duplicated tickers named apart; ``ok`` marks the rows computed, ``notes`` says what
        was done with the others, naming each one's cell."""
        return check_rows(self.bonds, self.contract, self.settle if settle is None else settle,
                          self.delivery if delivery is None else delivery)

    def _usable(self, settle: Any = None, delivery: Any = None) -> Any:
        rows = self.rows(settle=settle, delivery=delivery)
        if not rows.ok.any():
            bad = [n for n in rows.notes if n.endswith("(row not computed)")] or \
                [str(p) for p in rows.table["problem"] if p]
            first = f": {bad[0]}" + (f" and {len(bad) - 1} more" if len(bad) > 1 else "") \
                if bad else ""
            raise InputError("bonds", self.source or self.contract,
                             f"has no bond that can be computed{first}")
        return rows

    def ctd(self, *, futures_price: Any = None, settle: Any = None, delivery: Any = None) -> Any:
        """The cheapest to deliver among the bonds that could be read: the highest implied
        repo (no repo rate needed). A ``pandas.Series`` with ``position`` (0-based row of
        ``bonds``), ``row`` (its index label), ``ticker``, ``coupon``, ``maturity``, ``price``,
        ``cf`` and ``implied_repo``.

        >>> import pandas as pd
        >>> b = DeliverableBasket("USZ3", pd.DataFrame({
        ...     "coupon": [3.5, 4.5], "maturity": ["2039-02-15", "2039-08-15"],
        ...     "price": [88.1406, 98.6641], "problem": ["", ""]}),
        ...     futures_price=115.9688, settle=date(2023, 11, 22), repo=None)
        >>> c = b.ctd()
        >>> int(c["position"]), float(c["coupon"]), round(float(c["implied_repo"]), 3)
        (1, 4.5, 3.525)
        """
        import pandas as pd

        rows = self._usable(settle, delivery)
        ok = rows.ok
        good = rows.table[ok]
        coupon, maturity, price, cf, ticker, _k, s, T = _basket_inputs(
            good, self.contract, self.settle if settle is None else settle,
            self.delivery if delivery is None else delivery)
        f = self.futures_price if futures_price is None else futures_price
        irr = np.atleast_1d(implied_repo(price, coupon, maturity, f, cf, s, T))
        i = cheapest_to_deliver(price, coupon, maturity, f, cf, s, T)
        position = int(np.flatnonzero(ok)[i])
        return pd.Series({"position": position, "row": self.bonds.index[position], "ticker": ticker[i],
                          "coupon": float(coupon[i]), "maturity": maturity[i],
                          "price": float(price[i]), "cf": float(cf[i]),
                          "implied_repo": float(irr[i])}, name="ctd")

    def dlv(self, *, futures_price: Any = None, settle: Any = None, repo: Any = None,
            delivery: Any = None) -> DLVTable:
        """The DLV table: every bond that can be computed, CTD first, then the others with
        their ``problem`` (see :meth:`rows`); the notes name each row left out, and each pair
        of rows with one ticker, by its cell."""
        import pandas as pd

        d = self.delivery if delivery is None else delivery
        rows = self._usable(settle, d)
        good, f, s, r = self.market(futures_price=futures_price, settle=settle, repo=repo,
                                    delivery=d, rows=rows)
        if r is None:
            raise MissingDataError("repo", None, f"is missing: the {self.contract} basket has no "
                                   "repo rate (repo_reporate); give the repo rate in percent")
        out = dlv_table(good, f, self.contract, s, r, d, notes=self.notes + rows.notes,
                        source=self.source)
        note = self.repo_note if repo is None else "given; Act/360"
        ok = rows.ok
        table = out.table.assign(problem="")
        if not ok.all():
            bad = rows.table[~ok]
            cols = pd.DataFrame({name: bad[name].to_numpy() if name in bad else None
                                 for name in ("ticker", "coupon", "maturity", "price", "problem")})
            cols["maturity"] = pd.to_datetime(cols["maturity"], errors="coerce")
            for name in ("coupon", "price"):  # a cell that is not a number is shown blank
                cols[name] = pd.to_numeric(cols[name], errors="coerce")
            cols["ctd"] = False
            table = pd.concat([table, cols], ignore_index=True)
        return DLVTable(table, out.contract, out.futures_price, out.settle, out.delivery,
                        out.repo, out.notes, out.source, note)

    def bloomberg_check(self, dlv: DLVTable | None = None) -> str:
        """One line setting every Bloomberg figure the export carries beside xlfidx's, from
        ``dlv`` (default: the DLV at the basket's own defaults): the CTD (``fut_ctd``), its
        gross and net basis in 32nds (``fut_ctd_gross_basis``, ``fut_ctd_net_basis``), the
        conversion factors (``conversion``) and the accrued interest (``int_acc``). Empty when
        the basket carries none of them.
        """
        dlv = self.dlv() if dlv is None else dlv
        t = dlv.table
        t = t[t["problem"].eq("")] if "problem" in t else t
        ctd = dlv.ctd
        bb = dict(self.bloomberg or {})
        parts = []

        def fig(x: Any) -> float | None:
            try:
                x = float(x)
            except (TypeError, ValueError):
                return None
            return x if np.isfinite(x) else None

        name = bb.get("fut_ctd")
        if isinstance(name, str) and name.strip():
            same = _same_bond(name, float(ctd["coupon"]), ctd["maturity"])
            parts.append(f"CTD {name.strip()} = {ctd['ticker'] or 'row 1'}" if same else
                         f"CTD {name.strip()} but xlfidx's is {ctd['ticker']} "
                         f"({ctd['coupon']:g}% {np.datetime64(ctd['maturity'], 'D')})")
        for field, col, what in (("fut_ctd_gross_basis", "gross_basis_32nds", "gross basis"),
                                 ("fut_ctd_net_basis", "net_basis_32nds", "net basis")):
            theirs = fig(bb.get(field))
            if theirs is not None:
                ours = float(ctd[col])
                parts.append(f"{what} {theirs:.3f}/32 vs {ours:.3f}/32 "
                             f"(diff {ours - theirs:+.4f}/32)")
        checked = self.rows()
        rows = checked.table[checked.ok]
        for field, col, what, tol in (("conversion", "cf", "CF", 5e-5),
                                      ("int_acc", "accrued", "accrued", 5e-7)):
            if field not in rows or rows[field].isna().all():
                continue
            theirs = rows[field].astype(float).to_numpy()
            # the DLV's rows are sorted by implied repo: match them back by coupon and maturity
            key = lambda c, m: (round(float(c), 6), np.datetime64(m, "D"))  # noqa: E731
            ours_by = {key(c, m): v for c, m, v in zip(t["coupon"], t["maturity"], t[col],
                                                       strict=True)}
            ours = np.array([ours_by.get(key(c, m), np.nan) for c, m in
                             zip(rows["coupon"], rows["maturity"], strict=True)])
            have = np.isfinite(theirs) & np.isfinite(ours)
            if not have.any():
                continue
            worst = float(np.max(np.abs(ours[have] - theirs[have])))
            agree = int(np.sum(np.abs(ours[have] - theirs[have]) <= tol))
            parts.append(f"{what} ({field}) {agree} of {int(have.sum())} equal "
                         f"(largest diff {worst:.1e})")
        if not parts:
            return ""
        return "Bloomberg vs xlfidx: " + "; ".join(parts)

    def market(self, *, futures_price: Any = None, settle: Any = None, repo: Any = None,
               delivery: Any = None, rows: Any = None) -> tuple:
        """``(bonds, futures_price, settle, repo)`` of the bonds that can be computed (see
        :meth:`rows`; tickers named apart), the basket's defaults where not given: the four
        market arguments of the functions in :mod:`xlfidx.delivery`."""
        rows = self._usable(settle, delivery) if rows is None else rows
        ok = rows.ok
        if repo is None:
            repo = np.asarray(self.repo)[ok] if isinstance(self.repo, tuple) else self.repo
        return (rows.table[ok], self.futures_price if futures_price is None else futures_price,
                self.settle if settle is None else settle, repo)
