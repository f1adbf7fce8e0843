"""``xlfidx template``: Bloomberg formula books that fill into the layouts the readers accept."""

from __future__ import annotations

import argparse


def register(sub) -> None:
    p = sub.add_parser(
        "template",
        help="write a book of Bloomberg formulas (basket, Fed funds chain, SOFR chain or MBS "
        "history) to fill on a terminal",
        description="Write an .xlsx of Bloomberg Excel formulas (BDP, BDS, BDH). Open it in "
        "Excel with the Bloomberg add-in, wait for the data, save, then run `xlfidx dlv`, "
        "`xlfidx fedpath`, `xlfidx sofrpath` or `xlfidx backtest` on it. Its notes sheet says which tickers and "
        "fields it asks for.",
    )
    kinds = p.add_subparsers(dest="kind", metavar="KIND", required=True)

    def common(q: argparse.ArgumentParser) -> None:
        q.add_argument("--out", metavar="PATH", help="folder to write into (default: the current "
                       "one), or an .xlsx file name")
        q.add_argument("--force", action="store_true", help="replace the file if it exists")

    q = kinds.add_parser("basket", help="a Treasury futures contract and its deliverable basket "
                         "(for xlfidx dlv)",
                         description="Sheets future (the contract's fields by BDP) and bonds "
                         "(the deliverables by BDS FUT_DELIVERABLE_BONDS, each bond's fields by "
                         "BDP). Default file: fut_bond_data_<CONTRACT>.xlsx.")
    q.add_argument("contract", help="the contract, e.g. TYZ4, TYZ24 or USH5")
    common(q)
    q.set_defaults(func=run)

    q = kinds.add_parser("fedfutures", help="Fed funds futures chains, effective rate and FOMC "
                         "dates (for xlfidx fedpath)",
                         description="A sheet per pricing date with the next 18 contracts (BDH "
                         "close on that date), 'fed funds' (FEDL01 Index) and 'fed meetings' "
                         "(BDS of the FOMC calendar). Default file: fedfutures_<DATE>.xlsx.")
    q.add_argument("--date", action="append", metavar="DATE", help="pricing date (YYYY-MM-DD), "
                   "repeat for several (default: today)")
    common(q)
    q.set_defaults(func=run)

    q = kinds.add_parser("sofr", help="SR1 and SR3 SOFR futures beside the Fed funds chain, "
                         "daily SOFR, the target range and FOMC dates (for xlfidx sofrpath)",
                         description="A sheet per pricing date with 13 SR1 (SER) and 12 SR3 (SFR) "
                         "contracts and 18 Fed funds contracts (BDH close on that date), 'sofr' "
                         "(SOFRRATE Index daily), 'fed funds' (FEDL01 Index, FDTR Index) and 'fed "
                         "meetings'. Default file: sofr_<DATE>.xlsx.")
    q.add_argument("--date", action="append", metavar="DATE", help="pricing date (YYYY-MM-DD), "
                   "repeat for several (default: today)")
    common(q)
    q.set_defaults(func=run)

    q = kinds.add_parser("history", help="daily MBS index and six roll-adjusted Treasury futures "
                         "(for xlfidx backtest)",
                         description="BDH blocks of LUMSTRUU, LUMSMD, LUMSOAS (sheet MBS) and "
                         "TU, FV, TY, UXY, US, WN generics (sheet Futures) with PX_LAST, "
                         "CONVENTIONAL_CTD_FORWARD_FRSK and FUT_EQV_CNVX_NOTL. Default file: "
                         "mbs_history_<START>_<END>.xlsx.")
    q.add_argument("--start", default="2004-01-02", help="first date (default 2004-01-02)")
    q.add_argument("--end", help="last date (default: today)")
    common(q)
    q.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from xlfidx.bloomberg import templates

    if args.kind == "basket":
        path = templates.write_basket_template(args.contract, args.out, overwrite=args.force)
        then = "xlfidx dlv"
    elif args.kind == "fedfutures":
        path = templates.write_fedfutures_template(args.date, args.out, overwrite=args.force)
        then = "xlfidx fedpath"
    elif args.kind == "sofr":
        path = templates.write_sofr_template(args.date, args.out, overwrite=args.force)
        then = "xlfidx sofrpath"
    else:
        path = templates.write_history_template(args.start, args.end, args.out,
                                                overwrite=args.force)
        then = "xlfidx backtest"
    print(f"wrote {path}")
    print(f"open it in Excel with the Bloomberg add-in, wait for the data, save, then run: "
          f"{then} {path}")
    return 0
