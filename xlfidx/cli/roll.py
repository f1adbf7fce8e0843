"""``xlfidx roll``: the calendar spread of two Treasury futures and the implied repo of the roll."""

from __future__ import annotations

import argparse


def register(sub) -> None:
    p = sub.add_parser(
        "roll",
        help="price the calendar roll: fair spread (carry only and option-adjusted) and the "
        "implied repo of the roll",
        description="Fair calendar spread (front minus back): carry only, each contract's CTD "
        "forward / CF, and option-adjusted, each contract's delivery option at one vol taken off; "
        "against the market spread. The implied repo of the roll as Burghardt writes it (take "
        "delivery at the front's market invoice F1*CF1 + AI, redeliver into the back at F2*CF2 + "
        "AI) beside the forward repo from front to back delivery implied by the term repos.",
    )
    p.add_argument("file", nargs="?", metavar="FILE", help="the front contract's basket export "
                   "(.xlsx, sheets 'future' and 'bonds'); default: the shipped USZ3 sample")
    p.add_argument("--back-export", "--back-file", dest="back_file", metavar="BACK_EXPORT",
                   help="the back contract's own basket export: its contract, price, bonds (with "
                   "the notes issued since the front's) and term repo are the defaults")
    p.add_argument("--front", help="front contract (default: the export's contract)")
    p.add_argument("--back", help="back contract, e.g. USH4 (default: the back export's)")
    p.add_argument("--front-price", help="front futures price, decimal or 32nds (default: the "
                   "export's px_last)")
    p.add_argument("--back-price", help="back futures price, decimal or 32nds (116-01 or "
                   "116.03125; default: the back export's px_last)")
    p.add_argument("--settle", help="settlement date (default: T+1 after the export's last_update_dt)")
    p.add_argument("--front-repo", type=float,
                   help="term repo to the front's delivery, percent (default: the export's repo, "
                   "as xlfidx dlv takes it)")
    p.add_argument("--back-repo", type=float,
                   help="term repo to the back's delivery, percent (default: the back export's; "
                   "without one, the front's: a flat repo curve, said so in the output)")
    p.add_argument("--roll-repo", type=float,
                   help="repo from front to back delivery for the carry-only spread (default: the "
                   "forward rate implied by the two term repos)")
    p.add_argument("--vol", type=float, default=100.0, metavar="BP",
                   help="normal yield vol in bp a year of both contracts' delivery options, for "
                   "the option-adjusted fair spread (default 100; 0 for carry only)")
    p.set_defaults(func=run)


def _bonds(basket):
    """The rows of a basket checked against its contract (tickers named apart), and the notes
    on the rows left out."""
    rows = basket.rows()
    if not rows.ok.any():
        basket.market()  # the one-line error naming the rows
    return rows, tuple(basket.notes) + rows.notes


def _left_out(rows, dlv, contract) -> list[str]:
    """A note for each computed row of ``rows`` that the roll left out of ``contract``'s basket
    (not deliverable into it)."""
    kept = set(dlv["ticker"].astype(str))
    out = []
    for i in rows.ok.nonzero()[0]:
        r = rows.table.iloc[i]
        name = str(r.get("ticker", "")).strip()
        if name and name not in kept:
            out.append(f"{rows.cells[i]} ({name}): maturity {str(r['maturity'])[:10]} is not "
                       f"deliverable into {contract}; left out of its basket")
    return out


def run(args: argparse.Namespace) -> int:
    import dataclasses

    from xlfidx._files import check_workbook

    # the files first, named as the command line names them, before numpy and pandas load
    given = check_workbook(args.file, "FILE") if args.file else None
    back_given = check_workbook(args.back_file, "--back-export") if args.back_file else None

    from xlfidx._inputs import as_date, as_float
    from xlfidx.bloomberg.basket import read_basket
    from xlfidx.delivery import calendar_roll
    from xlfidx.errors import InputError
    from xlfidx.quotes import as_price
    from xlfidx.samples import sample_path
    from xlfidx.samples.basket import FILENAME

    path = given or sample_path(FILENAME)
    for option in ("front_repo", "back_repo", "roll_repo"):
        if getattr(args, option) is not None:  # within the plausible range, named as given
            as_float(getattr(args, option), "--" + option.replace("_", "-"), what="a repo rate in percent")
    settle = as_date(args.settle, "--settle")[()] if args.settle else None
    front_price = float(as_price(args.front_price, "--front-price")) if args.front_price else None
    basket = read_basket(path, settle=settle, futures_price=front_price)
    if args.front:  # the rows are checked against the contract the roll prices
        basket = dataclasses.replace(basket, contract=args.front)
    front_rows, notes = _bonds(basket)
    back_basket = back_rows = None
    if back_given:
        back_price = float(as_price(args.back_price, "--back-price")) if args.back_price else None
        back_basket = read_basket(back_given, settle=basket.settle, futures_price=back_price)
        if args.back:
            back_basket = dataclasses.replace(back_basket, contract=args.back)
        back_rows, back_notes = _bonds(back_basket)
        notes += tuple(f"{args.back_file}: {n}" for n in back_notes)
    elif args.back is None or args.back_price is None:
        raise InputError("--back" if args.back is None else "--back-price", None,
                         "is needed without --back-export (the back contract's export)")
    front_repo = args.front_repo if args.front_repo is not None else basket.repo
    if front_repo is None or isinstance(front_repo, tuple):
        raise InputError("--front-repo", None, "is needed: the export has no single repo rate")
    back_repo = args.back_repo
    if back_repo is None and back_basket is not None and not isinstance(back_basket.repo, tuple):
        back_repo = back_basket.repo
    flat = back_repo is None
    back_repo = front_repo if flat else back_repo
    back = args.back or back_basket.contract
    back_price = (float(as_price(args.back_price, "--back-price")) if back_basket is None
                  else back_basket.futures_price)

    def usable(rows):  # each contract of the roll takes CME's factor for itself
        return rows.table[rows.ok].drop(columns=["cf"], errors="ignore")

    roll = calendar_roll(basket.contract, back, usable(front_rows), basket.futures_price,
                         back_price, basket.settle, front_repo, back_repo,
                         back_bonds=usable(back_rows) if back_rows is not None else None,
                         roll_repo=args.roll_repo, vol_bp=args.vol or None)
    if back_rows is None:  # one basket for both: the bonds the back contract does not take
        notes += tuple(_left_out(front_rows, roll.back_dlv, roll.back))
    print(format_roll(roll, flat, path))
    for note in notes:
        print(f"note: {note}")
    return 0


def format_roll(roll, flat_repo: bool = False, source=None) -> str:
    """The roll as the lines a trader reads."""
    import math

    from xlfidx.quotes import format_32nds

    def side(x):
        return "the front rich to the back" if x > 0 else "the front cheap to the back"

    lines = [
        f"{roll.front} / {roll.back} calendar roll  settle {roll.settle}  deliveries "
        f"{roll.front_delivery} and {roll.back_delivery}" + (f"  source {source}" if source else ""),
        f"  market spread       {roll.market_spread_32nds:+.3f}/32  ({roll.front} "
        f"{format_32nds(roll.front_price)} - {roll.back} {format_32nds(roll.back_price)})",
        f"  fair, carry only    {roll.theoretical_spread_32nds:+.3f}/32  ({roll.front} "
        f"{roll.front_theoretical:.5f} on {roll.front_ctd}; {roll.back} "
        f"{roll.back_theoretical:.5f} on {roll.back_ctd}: CTD forward / CF)",
    ]
    if abs(roll.roll_repo - roll.forward_repo) > 1e-12:
        lines.append(f"  (carry only at the roll repo {roll.roll_repo:.3f}%)")
    has_opt = not math.isnan(roll.front_option_32nds)
    if has_opt:
        lines.append(
            f"  fair, option-adj.   {roll.option_adjusted_spread_32nds:+.3f}/32  (less each "
            f"delivery option at {roll.vol_bp:g} bp a year: {roll.front} "
            f"{roll.front_option_32nds:.3f}/32, {roll.back} {roll.back_option_32nds:.3f}/32)")
    lines.append(f"  market - fair       {roll.rich_32nds:+.3f}/32 carry only ({side(roll.rich_32nds)})"
                 + (f"; {roll.option_adjusted_rich_32nds:+.3f}/32 option-adjusted "
                    f"({side(roll.option_adjusted_rich_32nds)})" if has_opt else ""))
    lines += [
        f"  term repo           {roll.front_repo:.3f}% to {roll.front_delivery}, "
        f"{roll.back_repo:.3f}% to {roll.back_delivery}"
        + ("  (assumed equal to the front's: give --back-repo)" if flat_repo else ""),
        f"  forward repo        {roll.forward_repo:.3f}% from {roll.front_delivery} to "
        f"{roll.back_delivery} (implied by the term repos; Act/360)",
        f"  implied roll repo   {roll.implied_roll_repo:.3f}% (delivery of {roll.roll_bond} taken "
        f"at the front's invoice F*CF + AI, redelivered into the back at its invoice; "
        f"{'above' if roll.implied_roll_repo > roll.forward_repo else 'below'} the forward repo)",
        f"  breakeven roll repo {roll.breakeven_roll_repo:.3f}% (the roll repo at which the "
        f"carry-only fair spread is the market's)",
    ]
    lines += [f"warning: {w}" for w in roll.warnings]
    return "\n".join(lines)
