"""``xlfidx dlv``: the DLV table of a Bloomberg basket export."""

from __future__ import annotations

import argparse
import re

import numpy as np


def register(sub) -> None:
    p = sub.add_parser(
        "dlv",
        help="print the deliverable basket (DLV) table of a Bloomberg basket export",
        description="Conversion factors, gross basis, carry, net basis, implied repo and the "
        "CTD of each deliverable bond, sorted by implied repo (CTD first).",
    )
    p.add_argument("file", nargs="?", help="basket export (.xlsx, sheets 'future' and 'bonds'); "
                   "default: the shipped USZ3 sample")
    p.add_argument("--settle", help="settlement date (default: T+1 after the export's last_update_dt)")
    p.add_argument("--delivery", help="delivery date (default: the contract's last delivery day)")
    p.add_argument("--repo", type=float, help="repo rate in percent (default: the export's repo_reporate)")
    p.add_argument("--scenarios", metavar="LO:HI:STEP",
                   help="CTD switch scenarios: shift the forward yields from LO to HI bp in STEP bp "
                   "(e.g. -100:100:25); prints each bond's basis at delivery and the switch points")
    p.add_argument("--twist", action="store_true",
                   help="with --scenarios: each shift steepens the basket (the longest bond's "
                   "forward yield moves that many bp more than the shortest's), around the CTD")
    p.add_argument("--plot", metavar="PNG",
                   help="with --scenarios: write the chart of each bond's basis against the shift")
    p.add_argument("--vol", type=float, metavar="BP",
                   help="value the delivery option at this normal yield vol (bp a year): option "
                   "value, theoretical futures price, CTD probabilities, option-adjusted net basis")
    # "-100:100:25" is a value, not an option: let argparse read a leading minus on a range
    # the way it reads one on a number
    p._negative_number_matcher = re.compile(r"^-\d+$|^-\d*\.\d+$|^-[\d.]+(:-?[\d.]+){1,2}$")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from xlfidx._inputs import as_date
    from xlfidx.basis import deliverable_basket
    from xlfidx.bloomberg.basket import read_basket_export
    from xlfidx.bonds import settlement_date
    from xlfidx.errors import InputError
    from xlfidx.samples import sample_path
    from xlfidx.samples.basket import FILENAME

    path = args.file or sample_path(FILENAME)
    future, bonds = read_basket_export(path)
    good = bonds[bonds["problem"] == ""]
    if good.empty:
        raise InputError("FILE", str(path), "has no bond with a usable price, coupon and maturity")
    if args.settle:
        settle = as_date(args.settle, "--settle")[()]
    else:
        update = future.get("last_update_dt")
        if update is None or (isinstance(update, np.datetime64) and np.isnat(update)):
            raise InputError("--settle", None, "is needed: the export has no last_update_dt")
        settle = settlement_date(update)
    if args.repo is not None:
        repo, rates = args.repo, [args.repo]
    else:
        rates = np.unique(good["repo_reporate"].dropna().astype(float)) \
            if "repo_reporate" in good else []
        if len(rates) == 0:
            raise InputError("--repo", None, "is needed: the export has no repo_reporate")
        repo = float(rates[0]) if len(rates) == 1 else good["repo_reporate"].astype(float).to_numpy()
    futures_price = future.get("px_last")
    if futures_price is None or not np.isfinite(futures_price):
        raise InputError("future px_last", futures_price, "is missing in the export")
    dlv = deliverable_basket(good, futures_price, future.name, settle, repo,
                             delivery=args.delivery)
    a = dlv.attrs
    repo_text = ", ".join(f"{r:.3f}%" for r in rates)
    print(f"{future.name}  futures {futures_price:.6f}  settle {a['settle']}  delivery "
          f"{a['delivery']}  repo {repo_text} (Act/360)  source {path}")
    print(format_dlv(dlv))
    for problem in bonds.attrs.get("problems", []):
        print(f"note: {problem}")
    market = (good, futures_price, settle, repo)
    if args.scenarios:
        _scenarios(args, future.name, market)
    elif args.plot or args.twist:
        raise InputError("--plot" if args.plot else "--twist", args.plot or True,
                         "needs --scenarios LO:HI:STEP")
    if args.vol is not None:
        _option(args, future.name, market)
    return 0


def _scenarios(args: argparse.Namespace, contract: str, market: tuple) -> None:
    from xlfidx.delivery import ctd_scenarios, shift_grid

    good, futures_price, settle, repo = market
    grid = shift_grid(args.scenarios)
    table = ctd_scenarios(contract, good, futures_price, settle, repo, grid,
                          delivery=args.delivery, twist=args.twist)
    kind = "twist (longest minus shortest deliverable)" if args.twist else "parallel"
    print()
    print(f"CTD scenarios: {kind} shifts of the forward yields to delivery {table.attrs['delivery']}; "
          "basis at delivery in 32nds (CTD = cheapest to deliver)")
    print(format_scenarios(table))
    switches = table.attrs["switches"]
    if not switches:
        print("no CTD switch between the first and the last shift")
    for sw in switches:
        print(f"switch at {sw['shift_bp']:+.2f} bp: {_bond(sw['from_ticker'], sw['from_coupon'], sw['from_maturity'])}"
              f" -> {_bond(sw['to_ticker'], sw['to_coupon'], sw['to_maturity'])} "
              f"(futures at delivery {sw['futures_price_at_delivery']:.4f})")
    if args.plot:
        from xlfidx.delivery_plot import plot_ctd_scenarios

        lo, hi = float(grid.min()), float(grid.max())
        fine = np.union1d(np.union1d(grid, np.linspace(lo, hi, 401)),
                          [sw["shift_bp"] for sw in switches])
        chart = ctd_scenarios(contract, good, futures_price, settle, repo, fine,
                              delivery=args.delivery, twist=args.twist)
        print(f"chart: {plot_ctd_scenarios(chart, args.plot)}")


def _bond(ticker, coupon, maturity) -> str:
    text = str(ticker).strip()
    return text or f"{coupon:g}% {np.datetime64(maturity, 'D')}"


def format_scenarios(table) -> str:
    """Basis at delivery in 32nds, one row per bond, one column per shift; CTD marked."""
    show = table.assign(cell=np.where(table["ctd"], "CTD",
                                      table["basis_at_delivery_32nds"].map(lambda x: f"{x:.2f}")))
    show["bond"] = [_bond(t, c, m) for t, c, m in zip(show["ticker"], show["coupon"],
                                                        show["maturity"], strict=True)]
    wide = show.pivot(index="bond", columns="shift_bp", values="cell")
    wide = wide.loc[list(dict.fromkeys(show["bond"]))]
    futures = table.groupby("shift_bp")["futures_price_at_delivery"].first()
    wide.loc["futures at delivery"] = [f"{v:.3f}" for v in futures[wide.columns]]
    wide.columns = [f"{s:+g}bp" for s in wide.columns]
    wide.index.name = None
    return wide.to_string()


def _option(args: argparse.Namespace, contract: str, market: tuple) -> None:
    from xlfidx.delivery import delivery_option
    from xlfidx.quotes import format_32nds

    good, futures_price, settle, repo = market
    opt = delivery_option(contract, good, futures_price, settle, repo, args.vol,
                          delivery=args.delivery)
    adj = opt.ctd_net_basis_32nds - opt.value_ctd_points * 32.0
    print()
    print(f"Delivery option at {opt.vol_bp:g} bp a year (normal; {opt.shift_sd_bp:.1f} bp to "
          f"delivery {opt.delivery})")
    print(f"  option value      {opt.value_32nds:.3f}/32 of futures price ({opt.value:.5f} points; "
          f"{opt.value_ctd_points * 32:.3f}/32 of the CTD)")
    print(f"  theoretical price {opt.theoretical_price:.5f} ({format_32nds(opt.theoretical_price)}) "
          f"against the market's {opt.futures_price:.5f}")
    print(f"  CTD {opt.ctd}: net basis {opt.ctd_net_basis_32nds:.3f}/32, option-adjusted "
          f"{adj:.3f}/32 ({'rich' if adj > 0 else 'cheap'} to the model)")
    t = opt.table
    show = t.assign(maturity=t["maturity"].dt.strftime("%Y-%m-%d"),
                    ctd_probability=t["ctd_probability"] * 100.0,
                    ctd=np.where(t["ctd"], "CTD", ""))[
        ["ticker", "coupon", "maturity", "net_basis_32nds", "option_adjusted_net_basis_32nds",
         "ctd_probability", "ctd"]]
    show.columns = ["ticker", "cpn", "maturity", "net 32nds", "opt-adj net 32nds", "P(CTD) %", ""]
    if not show["ticker"].astype(str).str.strip().any():
        show = show.drop(columns="ticker")
    print(show.to_string(index=False, float_format=lambda x: f"{x:.3f}"))


def format_dlv(dlv) -> str:
    """The DLV table as text, the columns a basis trader reads."""
    show = dlv.assign(
        maturity=dlv["maturity"].dt.strftime("%Y-%m-%d"),
        ctd=np.where(dlv["ctd"], "CTD", ""),
    )[["ticker", "coupon", "maturity", "price_32nds", "yield", "cf", "gross_basis_32nds",
       "carry_32nds", "net_basis_32nds", "implied_repo", "dv01", "ctd"]]
    show.columns = ["ticker", "cpn", "maturity", "price", "yield %", "CF", "gross 32nds",
                    "carry 32nds", "net 32nds", "impl repo %", "DV01 $", ""]
    return show.to_string(index=False, float_format=lambda x: f"{x:.4f}")
