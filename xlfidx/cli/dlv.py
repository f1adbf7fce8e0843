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
    import numpy as np  # noqa: PLC0415 - deferred: `xlfidx --help` must start fast

    from xlfidx._files import check_workbook
    from xlfidx._inputs import as_date
    from xlfidx.basis import deliverable_basket
    from xlfidx.bloomberg.basket import read_basket_export
    from xlfidx.bonds import settlement_date
    from xlfidx.errors import InputError
    from xlfidx.samples import sample_path
    from xlfidx.samples.basket import FILENAME

    path = check_workbook(args.file, "FILE") if args.file else sample_path(FILENAME)
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
    return 0


def format_dlv(dlv) -> str:
    """The DLV table as text, the columns a basis trader reads."""
    import numpy as np  # noqa: PLC0415

    show = dlv.assign(
        maturity=dlv["maturity"].dt.strftime("%Y-%m-%d"),
        ctd=np.where(dlv["ctd"], "CTD", ""),
    )[["ticker", "coupon", "maturity", "price_32nds", "yield", "cf", "gross_basis_32nds",
       "carry_32nds", "net_basis_32nds", "implied_repo", "dv01", "ctd"]]
    show.columns = ["ticker", "cpn", "maturity", "price", "yield %", "CF", "gross 32nds",
                    "carry 32nds", "net 32nds", "impl repo %", "DV01 $", ""]
    return show.to_string(index=False, float_format=lambda x: f"{x:.4f}")
