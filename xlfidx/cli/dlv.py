"""``xlfidx dlv``: the DLV table of a Bloomberg basket export."""

from __future__ import annotations

import argparse


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
    p.add_argument("--repo", type=float, help="repo rate in percent (default: the export's repo_reporate)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from xlfidx._files import check_workbook
    from xlfidx._inputs import as_date
    from xlfidx.bloomberg.basket import read_basket
    from xlfidx.samples import sample_path
    from xlfidx.samples.basket import FILENAME

    path = check_workbook(args.file, "FILE") if args.file else sample_path(FILENAME)
    settle = None if args.settle is None else as_date(args.settle, "--settle")[()]
    delivery = None if args.delivery is None else as_date(args.delivery, "--delivery")[()]
    print(read_basket(path).dlv(settle=settle, repo=args.repo, delivery=delivery))
    return 0
