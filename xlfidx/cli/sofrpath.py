"""``xlfidx sofrpath``: the policy path fitted to SR1 and SR3 SOFR futures, beside the Fed funds one."""

from __future__ import annotations

import argparse
import sys

from xlfidx.cli.fedpath import PLOT_SUFFIXES


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "sofrpath",
        help="SOFR after each FOMC meeting fitted to SR1/SR3 futures, FedWatch odds, beside "
        "the Fed funds path",
        description="From a Bloomberg SOFR futures export (a chain sheet per pricing date with "
        "SER/SFR or SR1/SR3 contracts, daily SOFRRATE Index, FDTR Index for the target range, "
        "'fed meetings' or the published FOMC calendar; the book `xlfidx template sofr` "
        "writes): SOFR before and after each FOMC meeting, fitted to the contracts (each one's "
        "residual in bp), FedWatch odds with the SOFR - target spread held, and the Fed funds "
        "path of the same date beside it when the book (or --fed) has a Fed funds chain. With "
        "no FILE, the shipped sample (synthetic prices).",
    )
    p.add_argument("file", nargs="?", metavar="FILE", help="the export (default: the shipped sample)")
    p.add_argument("--date", metavar="DATE", help="pricing date (default: the latest)")
    p.add_argument("--fed", metavar="FILE", help="a Fed funds futures export for the path beside "
                   "(default: the Fed funds chain in FILE, if any)")
    p.add_argument("--probs", action="store_true", help="also print the FedWatch target-range table")
    p.add_argument("--plot", metavar="PNG", help="write a chart of the two paths and of the "
                   f"contracts' fit ({', '.join(PLOT_SUFFIXES)})")
    p.set_defaults(func=run)


def _num(fmt: str):
    import math

    return lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, fmt)


def _path_table(df) -> str:
    import pandas as pd

    r4, r1 = _num(".4f"), _num(".1f")
    out = pd.DataFrame({
        "meeting": df["meeting"].dt.strftime("%Y-%m-%d"),
        "moves SOFR": df["effective"].dt.strftime("%Y-%m-%d"),
        "before %": df["rate before %"].map(r4),
        "after %": df["rate after %"].map(r4),
        "chg bp": df["change (bp)"].map(r1),
        "vs spot bp": df["change vs spot (bp)"].map(r1),
        "cut/hold/hike vs today %": [
            "" if c != c else f"{c:.1f} / {h:.1f} / {k:.1f}"
            for c, h, k in zip(df["P(cut vs today) %"], df["P(hold vs today) %"],
                               df["P(hike vs today) %"], strict=True)],
        "likely range": df["most likely range %"],
        "priced by": df["priced by"],
    })
    return out.to_string(index=False)


def _contract_table(df) -> str:
    import pandas as pd

    r4 = _num(".4f")
    out = pd.DataFrame({
        "ticker": df["ticker"],
        "period": [f"{a:%Y-%m-%d} to {b:%Y-%m-%d}" for a, b in zip(df["start"], df["end"], strict=True)],
        "price": df["price"].map(_num(".4f")),
        "rate %": df["rate %"].map(r4),
        "model %": df["model rate %"].map(r4),
        "residual bp": df["residual (bp)"].map(_num("+.2f")),
        "fitted": df["fitted"].map({True: "yes", False: "no"}),
    })
    return out.to_string(index=False)


def run(args: argparse.Namespace) -> int:
    import numpy as np  # deferred: `xlfidx --help` must start fast

    from xlfidx._files import check_output_file, check_workbook
    from xlfidx.bloomberg.sofr import read_sofr_export
    from xlfidx.samples import sample_path
    from xlfidx.sofr import compare_sofr_fed

    path = check_workbook(args.file, "FILE") if args.file else sample_path("sofr_sample.xlsx")
    if args.plot:
        check_output_file(args.plot, "--plot", PLOT_SUFFIXES)
    export = read_sofr_export(path)
    for problem in export.problems:
        print(f"warning: {problem}", file=sys.stderr)
    for line in export.ignored:
        print(f"note: not read: {line}", file=sys.stderr)
    if export.notes:
        print(export.notes[0] if export.notes[0] != "notes" else export.notes[1])
    date = export.sheet_name(args.date)
    chain = export.sofr_chain(date)
    table = chain.path()
    a = table.attrs
    print(f"\n{export.path.name}, pricing date {date}: SOFR {chain.spot_rate:.2f}% "
          f"({chain.spot_source}), target range {a['target_range']}"
          + ("" if chain.target_low is not None else " (from SOFR: no FDTR Index in the file)")
          + f", SOFR - target mid {a['spread_bp']:+.1f} bp held")
    if a["added_meetings"]:
        print("meetings added from the published FOMC calendar (not in the file): "
              + ", ".join(a["added_meetings"]))
    print("\nSOFR path (step on the business day after each meeting, fitted to SR1 and SR3):")
    print(_path_table(table))
    for note in a["notes"]:
        print(f"note: {note}")
    if a["not_priced"]:
        print(f"the path ends at {a['last_priced_meeting']}; not priced: " + ", ".join(a["not_priced"]))
    contracts = chain.contracts()
    print(f"\ncontracts and the fit (largest residual {a['max_residual_bp']:.2f} bp):")
    print(_contract_table(contracts))
    if args.probs:
        probs = chain.probabilities()
        probs["meeting"] = probs["meeting"].dt.strftime("%Y-%m-%d")
        shown = [c for c in probs.columns[1:] if probs[c].max() >= 0.05]
        print("\nFedWatch target-range probabilities from SOFR, %:")
        print(probs[["meeting", *shown]].to_string(index=False, float_format=lambda v: f"{v:.1f}"))

    fed_table = None
    fed_label = ""
    if args.fed:
        from xlfidx.bloomberg.fedfutures import read_fedfutures_export

        fed = read_fedfutures_export(check_workbook(args.fed, "--fed"))
        if date not in fed.chains:
            print(f"note: {fed.path.name} has no Fed funds chain of {date}; no path beside",
                  file=sys.stderr)
        else:
            fed_table, fed_label = fed.fed_path(date), fed.path.name
    elif export.fed_chain(date) is not None:
        fed_table, fed_label = export.fed.fed_path(date), export.path.name
    if fed_table is not None:
        cmp = compare_sofr_fed(table, fed_table)
        cmp = cmp[cmp.iloc[:, 1:3].notna().any(axis=1)]
        cmp["meeting"] = cmp["meeting"].dt.strftime("%Y-%m-%d")
        fmt = {c: _num(".4f") for c in cmp.columns[1:3]}
        fmt.update({c: _num("+.1f") for c in cmp.columns[3:6]})
        print(f"\nFed funds ({fed_label}, spot {fed_table.attrs['spot_rate']:.2f}%, "
              f"{fed_table.attrs['spot_source']}) and SOFR, side by side:")
        print(cmp.to_string(index=False, formatters=fmt, na_rep=""))
    else:
        print("\nno Fed funds chain of this date in the file (give one with --fed)")
    if args.plot:
        from xlfidx.fedfunds_plot import plot_sofr_fed

        synthetic = any("SYNTHETIC" in n for n in export.notes)
        title = f"SOFR and Fed funds paths, {export.path.name}, {date}" + (
            " (SYNTHETIC sample prices)" if synthetic else "")
        out = plot_sofr_fed(table, contracts, fed_table, args.plot, title=title,
                            spot=float(np.float64(chain.spot_rate)))
        print(f"\nchart written to {out}")
    return 0
