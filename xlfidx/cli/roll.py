"""``xlfidx roll``: the calendar spread of two Treasury futures and the implied repo of the roll."""

from __future__ import annotations

import argparse


def register(sub) -> None:
    p = sub.add_parser(
        "roll",
        help="price the calendar roll: theoretical spread and the implied repo of the roll",
        description="Theoretical calendar spread (front minus back, cash and carry on each "
        "contract's cheapest to deliver) against the market spread, the forward repo from front "
        "to back delivery implied by the term repos, and the one the market spread implies on "
        "the back contract's CTD.",
    )
    p.add_argument("file", nargs="?", help="basket export (.xlsx, sheets 'future' and 'bonds'), "
                   "one basket for both contracts; default: the shipped USZ3 sample")
    p.add_argument("--front", help="front contract (default: the export's contract)")
    p.add_argument("--back", required=True, help="back contract, e.g. USH4")
    p.add_argument("--front-price", help="front futures price, decimal or 32nds (default: the "
                   "export's px_last)")
    p.add_argument("--back-price", required=True, help="back futures price, decimal or 32nds "
                   "(116-01 or 116.03125)")
    p.add_argument("--back-file", help="a separate basket export for the back contract")
    p.add_argument("--settle", help="settlement date (default: T+1 after the export's last_update_dt)")
    p.add_argument("--front-repo", type=float,
                   help="term repo to the front's delivery, percent (default: the export's repo_reporate)")
    p.add_argument("--back-repo", type=float,
                   help="term repo to the back's delivery, percent (default: the front's, a flat "
                   "repo curve, said so in the output)")
    p.add_argument("--roll-repo", type=float,
                   help="repo from front to back delivery for the theoretical spread (default: "
                   "the forward rate implied by the two term repos)")
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

    from xlfidx._inputs import as_date
    from xlfidx.bloomberg.basket import read_basket
    from xlfidx.delivery import calendar_roll
    from xlfidx.errors import InputError
    from xlfidx.quotes import as_price
    from xlfidx.samples import sample_path
    from xlfidx.samples.basket import FILENAME

    path = args.file or sample_path(FILENAME)
    settle = as_date(args.settle, "--settle")[()] if args.settle else None
    front_price = float(as_price(args.front_price, "--front-price")) if args.front_price else None
    basket = read_basket(path, settle=settle, futures_price=front_price)
    if args.front:  # the rows are checked against the contract the roll prices
        basket = dataclasses.replace(basket, contract=args.front)
    front_rows, notes = _bonds(basket)
    back_rows = None
    if args.back_file:
        back = read_basket(args.back_file, settle=basket.settle, futures_price=basket.futures_price)
        back_rows, back_notes = _bonds(back)
        notes += tuple(f"{args.back_file}: {n}" for n in back_notes)
    front_repo = args.front_repo if args.front_repo is not None else basket.repo
    if front_repo is None or isinstance(front_repo, tuple):
        raise InputError("--front-repo", None, "is needed: the export has no single repo_reporate")
    flat = args.back_repo is None
    back_repo = front_repo if flat else args.back_repo
    def usable(rows):  # each contract of the roll takes CME's factor for itself
        return rows.table[rows.ok].drop(columns=["cf"], errors="ignore")

    roll = calendar_roll(basket.contract, args.back, usable(front_rows), basket.futures_price,
                         float(as_price(args.back_price, "--back-price")), basket.settle,
                         front_repo, back_repo,
                         back_bonds=usable(back_rows) if back_rows is not None else None,
                         roll_repo=args.roll_repo)
    if back_rows is None:  # one basket for both: the bonds the back contract does not take
        notes += tuple(_left_out(front_rows, roll.back_dlv, roll.back))
    print(format_roll(roll, flat, path))
    for note in notes:
        print(f"note: {note}")
    return 0


def format_roll(roll, flat_repo: bool = False, source=None) -> str:
    """The roll as the lines a trader reads."""
    from xlfidx.quotes import format_32nds

    lines = [
        f"{roll.front} / {roll.back} calendar roll  settle {roll.settle}  deliveries "
        f"{roll.front_delivery} and {roll.back_delivery}" + (f"  source {source}" if source else ""),
        f"  market spread       {roll.market_spread_32nds:+.3f}/32  ({roll.front} "
        f"{format_32nds(roll.front_price)} - {roll.back} {format_32nds(roll.back_price)})",
        f"  theoretical spread  {roll.theoretical_spread_32nds:+.3f}/32  ({roll.front} "
        f"{roll.front_theoretical:.5f} on {roll.front_ctd}; {roll.back} "
        f"{roll.back_theoretical:.5f} on {roll.back_ctd})",
        f"  market - theory     {roll.rich_32nds:+.3f}/32  (the front "
        f"{'rich' if roll.rich_32nds > 0 else 'cheap'} to the back)",
        f"  term repo           {roll.front_repo:.3f}% to {roll.front_delivery}, "
        f"{roll.back_repo:.3f}% to {roll.back_delivery}"
        + ("  (assumed equal to the front's: give --back-repo)" if flat_repo else ""),
        f"  forward repo        {roll.forward_repo:.3f}% from {roll.front_delivery} to "
        f"{roll.back_delivery} (implied by the term repos; Act/360)",
        f"  implied roll repo   {roll.implied_roll_repo:.3f}% (the forward repo at which the "
        f"theoretical spread is the market's, on {roll.back_ctd})",
    ]
    if abs(roll.roll_repo - roll.forward_repo) > 1e-12:
        lines.insert(3, f"  (theoretical spread at the roll repo {roll.roll_repo:.3f}%)")
    return "\n".join(lines)
