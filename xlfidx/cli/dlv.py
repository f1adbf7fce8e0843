"""``xlfidx dlv``: the DLV table of a Bloomberg basket export."""

from __future__ import annotations

import argparse
import re


def register(sub) -> None:
    p = sub.add_parser(
        "dlv",
        help="print the deliverable basket (DLV) table of a Bloomberg basket export",
        description="Conversion factors, gross basis, carry, net basis, implied repo and the "
        "CTD of each deliverable bond, sorted by implied repo (CTD first).",
    )
    p.add_argument("file", nargs="?", metavar="FILE", help="basket export (.xlsx, sheets 'future' and 'bonds'); "
                   "default: the shipped USZ3 sample")
    p.add_argument("--settle", help="settlement date (default: T+1 after the export's last_update_dt)")
    p.add_argument("--delivery", help="delivery date (default: the contract's last delivery day)")
    p.add_argument("--repo", type=float, help="term repo rate to delivery in percent (default: the "
                   "repo at which xlfidx's CTD net basis is Bloomberg's fut_ctd_net_basis when "
                   "the export carries it, else the export's repo_reporate)")
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
    from xlfidx._files import check_workbook

    # the file first, before numpy and pandas load: a refused file is refused at once
    given = check_workbook(args.file, "FILE") if args.file else None

    from xlfidx._inputs import as_date
    from xlfidx.bloomberg.basket import read_basket
    from xlfidx.errors import InputError
    from xlfidx.samples import sample_path
    from xlfidx.samples.basket import FILENAME

    path = given or sample_path(FILENAME)
    _check_market(args)
    settle = None if args.settle is None else as_date(args.settle, "--settle")[()]
    delivery = None if args.delivery is None else as_date(args.delivery, "--delivery")[()]
    basket = read_basket(path, settle=settle)
    dlv = basket.dlv(repo=args.repo, delivery=delivery)
    print(dlv)
    market = basket.market(repo=args.repo, delivery=delivery)
    if args.scenarios:
        _scenarios(args, basket.contract, market, delivery)
    elif args.plot or args.twist:
        raise InputError("--plot" if args.plot else "--twist", args.plot or True,
                         "needs --scenarios LO:HI:STEP")
    if args.vol is not None:
        _option(args, basket.contract, market, delivery)
    check = basket.bloomberg_check(dlv)
    if check:
        print()
        print(check)
    return 0


def _check_market(args: argparse.Namespace) -> None:
    """--repo and --vol within their plausible ranges (xlfidx._inputs.PLAUSIBLE), named as
    the command line names them."""
    from xlfidx._inputs import as_float

    if args.repo is not None:
        as_float(args.repo, "--repo", what="a repo rate in percent")
    if args.vol is not None:
        as_float(args.vol, "--vol", nonnegative=True, what="a volatility in bp a year", bounds=(0.0, 2000.0))


def _scenarios(args: argparse.Namespace, contract: str, market: tuple, delivery) -> None:
    import numpy as np

    from xlfidx.delivery import ctd_scenarios, shift_grid

    good, futures_price, settle, repo = market
    grid = shift_grid(args.scenarios)
    table = ctd_scenarios(contract, good, futures_price, settle, repo, grid,
                          delivery=delivery, twist=args.twist)
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
                              delivery=delivery, twist=args.twist)
        print(f"chart: {plot_ctd_scenarios(chart, args.plot)}")


def _bond(ticker, coupon, maturity) -> str:
    import numpy as np

    text = str(ticker).strip()
    return text or f"{coupon:g}% {np.datetime64(maturity, 'D')}"


def format_scenarios(table) -> str:
    """Basis at delivery in 32nds, one row per bond, one column per shift; CTD marked."""
    import numpy as np

    show = table.assign(cell=np.where(table["ctd"], "CTD",
                                      table["basis_at_delivery_32nds"].map(lambda x: f"{x:.2f}")))
    # tickers are unique: the basket names two rows of one ticker apart by their sheet rows
    show["bond"] = [_bond(t, c, m) for t, c, m in zip(show["ticker"], show["coupon"],
                                                       show["maturity"], strict=True)]
    wide = show.pivot(index="bond", columns="shift_bp", values="cell")
    wide = wide.loc[list(dict.fromkeys(show["bond"]))]
    futures = table.groupby("shift_bp")["futures_price_at_delivery"].first()
    wide.loc["futures at delivery"] = [f"{v:.3f}" for v in futures[wide.columns]]
    wide.columns = [f"{s:+g}bp" for s in wide.columns]
    wide.index.name = None
    return wide.to_string()


def _option(args: argparse.Namespace, contract: str, market: tuple, delivery) -> None:
    import numpy as np

    from xlfidx.delivery import delivery_option
    from xlfidx.quotes import format_32nds

    good, futures_price, settle, repo = market
    opt = delivery_option(contract, good, futures_price, settle, repo, args.vol,
                          delivery=delivery)
    adj = opt.ctd_net_basis_32nds - opt.value_ctd_points * 32.0
    print()
    print(f"Delivery option at {opt.vol_bp:g} bp a year (normal; {opt.shift_sd_bp:.1f} bp to the "
          f"last trading day {opt.last_trading_day}, {opt.eom_shift_sd_bp:.1f} bp more to "
          f"delivery {opt.delivery})")
    print(f"  quality option    {opt.quality_32nds:.3f}/32 (the switch, to the last trading day)")
    print(f"  end-of-month      {opt.end_of_month_32nds:.3f}/32 (futures price fixed, to delivery)")
    print(f"  option value      {opt.value_32nds:.3f}/32 of futures price ({opt.value:.5f} points; "
          f"{opt.value_ctd_points * 32:.3f}/32 of the CTD)")
    print(f"  theoretical price {opt.theoretical_price:.5f} ({format_32nds(opt.theoretical_price)}) "
          f"= CTD forward/CF {opt.ctd_forward_over_cf:.5f} - option value; the market's "
          f"{opt.futures_price:.5f}")
    print(f"  (with drifted shifts, each forward its mean: {opt.theoretical_price_drifted:.5f})")
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
