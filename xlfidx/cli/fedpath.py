"""``xlfidx fedpath``: the policy path implied by a Fed funds futures export, with FedWatch odds."""

from __future__ import annotations

import argparse
import sys

PLOT_SUFFIXES = (".png", ".pdf", ".svg", ".jpg", ".jpeg")  # what matplotlib writes without extras
MISFIT_BP = 5.0  # a month without a meeting further than this from the path: meetings missing?


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "fedpath",
        help="expected Fed funds rate after each FOMC meeting, FedWatch odds, curve chart",
        description="From a Bloomberg Fed funds futures export (a sheet of the chain per pricing "
        "date, or a chain snapshot and a history with tickers down and dates across; the spot from "
        "'fed funds', FEDL01 Index (effective) or FDTR Index (target upper bound); 'fed meetings' "
        "or the published FOMC calendar): the expected rate before and after each FOMC meeting, "
        "the change vs spot, and CME FedWatch probabilities. With no FILE, the shipped sample "
        "(synthetic prices).",
    )
    p.add_argument("file", nargs="?", metavar="FILE", help="the export (default: the shipped sample)")
    p.add_argument("--date", metavar="SHEET", help="pricing-date sheet (default: the latest)")
    p.add_argument("--compare", metavar="SHEET", help="an earlier pricing-date sheet to compare with")
    p.add_argument("--method", default="cme", choices=["cme", "next", "backout"],
                   help="cme (FedWatch, default), next (end rate from the next month's contract), backout (from the meeting month's own contract)")
    p.add_argument("--announcement-day", default="new", choices=["new", "old"],
                   help="the announcement day counts at the new rate (CME, default) or the old one")
    p.add_argument("--probs", action="store_true", help="also print the FedWatch target-range table")
    p.add_argument("--plot", metavar="PNG", help="write a chart of the curve and the step path "
                   f"({', '.join(PLOT_SUFFIXES)})")
    p.set_defaults(func=run)


def _path_table(df: pd.DataFrame) -> str:  # noqa: F821 - pandas is imported on use
    import numpy as np  # deferred: `xlfidx --help` must start fast
    import pandas as pd

    def pct(v: float) -> str:
        return "" if np.isnan(v) else f"{v:.1f}"

    out = pd.DataFrame({
        "meeting": df["meeting"].dt.strftime("%Y-%m-%d"),
        "contract": df["contract"],
        "before %": df["rate before %"].map(lambda v: "" if np.isnan(v) else f"{v:.4f}"),
        "after %": df["rate after %"].map(lambda v: "" if np.isnan(v) else f"{v:.4f}"),
        "chg bp": df["change (bp)"].map(pct),
        "vs spot bp": df["change vs spot (bp)"].map(pct),
        "moves": df["moves vs spot"].map(lambda v: "" if np.isnan(v) else f"{v:+.2f}"),
        "meeting odds": [
            "" if np.isnan(a) else f"{a:+.0f}bp {pa:.1f}% / {b:+.0f}bp {pb:.1f}%"
            for a, pa, b, pb in zip(df["move low (bp)"], df["P(move low) %"],
                                    df["move high (bp)"], df["P(move high) %"], strict=True)],
        "cut/hold/hike vs today %": [
            "" if np.isnan(c) else f"{c:.1f} / {h:.1f} / {k:.1f}"
            for c, h, k in zip(df["P(cut vs today) %"], df["P(hold vs today) %"],
                               df["P(hike vs today) %"], strict=True)],
        "likely range": df["most likely range %"],
        "priced by": df["priced by"],
    })
    return out.to_string(index=False)


def run(args: argparse.Namespace) -> int:
    from xlfidx._files import check_output_file, check_workbook

    # the files first, before numpy and pandas load: a refused file is refused at once
    path = check_workbook(args.file, "FILE") if args.file else None
    if args.plot:
        check_output_file(args.plot, "--plot", PLOT_SUFFIXES)

    import numpy as np  # deferred: `xlfidx --help` must start fast

    from xlfidx.bloomberg.fedfutures import read_fedfutures_export
    from xlfidx.fedfunds import compare_fed_paths, fed_funds_curve, fed_probabilities
    from xlfidx.samples import sample_path

    path = path or sample_path("fedfutures_sample.xlsx")
    export = read_fedfutures_export(path)
    for problem in export.problems:
        print(f"warning: {problem}", file=sys.stderr)
    for line in export.ignored:
        print(f"note: not read: {line}", file=sys.stderr)
    if export.notes:
        print(export.notes[0] if export.notes[0] != "notes" else export.notes[1])

    dates = [export.sheet_name(args.date)]
    if args.compare:
        dates.append(export.sheet_name(args.compare))
    plots = []
    tables = []
    for date in dates:
        table = export.fed_path(date, args.method, args.announcement_day)
        by_month = export.fed_path(date, args.method, args.announcement_day, by_month=True)
        spot = export.spot_for(date)
        a = table.attrs
        print(f"\n{export.path.name}, pricing date {date}: spot {spot.rate:.2f}% ({spot.source}), "
              f"target range {a['target_range']}, method {a['method']}, announcement day at the "
              f"{a['announcement_day']} rate")
        if a["added_meetings"]:
            print("meetings added from the published FOMC calendar (not in the file): "
                  + ", ".join(a["added_meetings"]))
        print(_path_table(table))
        if a["not_priced"]:
            print(f"the path ends at {a['last_priced_meeting']}; not priced: "
                  + ", ".join(a["not_priced"]))
        clean = by_month[by_month["meeting"].isna()]
        worst = clean["model - futures (bp)"].abs()
        if worst.notna().any() and worst.max() > MISFIT_BP:
            row = clean.loc[worst.idxmax()]
            print(f"warning: {row['contract']} (no meeting) is {row['model - futures (bp)']:+.1f} bp "
                  "off the path: is the meeting list complete?", file=sys.stderr)
        if args.probs:
            probs = fed_probabilities(
                export.chain(date)["price"].to_numpy(),
                export.chain(date)["last trade"].to_numpy(dtype="datetime64[D]"),
                export.meetings_for(date)[0], spot.rate, args.method, args.announcement_day,
                target_low=spot.target_low)
            probs["meeting"] = probs["meeting"].dt.strftime("%Y-%m-%d")
            # ranges no meeting gives 0.05% or more would print as 0.0 everywhere
            shown = [c for c in probs.columns[1:] if probs[c].max() >= 0.05]
            probs = probs[["meeting", *shown]]
            print("\nFedWatch target-range probabilities, %:")
            print(probs.to_string(index=False, float_format=lambda v: f"{v:.1f}"))
        chain = export.chain(date)
        curve = fed_funds_curve(chain["price"].to_numpy(),
                                chain["last trade"].to_numpy(dtype="datetime64[D]"))
        curve["open interest"] = chain["open interest"].to_numpy()
        plots.append((date, curve, table, spot.rate))
        tables.append(table)
    if args.compare:
        cmp = compare_fed_paths(tables[0], tables[1], dates[0], dates[1])
        cmp = cmp[cmp.iloc[:, 1:3].notna().any(axis=1)]
        cmp["meeting"] = cmp["meeting"].dt.strftime("%Y-%m-%d")
        print(f"\nrepricing of the path, {dates[0]} vs {dates[1]}:")
        fmt = {c: (lambda v: "" if np.isnan(v) else f"{v:.4f}") for c in cmp.columns[1:3]}
        fmt["repricing (bp)"] = lambda v: "" if np.isnan(v) else f"{v:+.1f}"
        print(cmp.to_string(index=False, formatters=fmt, na_rep=""))
    if args.plot:
        from xlfidx.fedfunds_plot import plot_fed_path

        synthetic = any("SYNTHETIC" in n for n in export.notes)
        title = f"Fed funds futures, {export.path.name}" + (" (SYNTHETIC sample prices)" if synthetic else "")
        out = plot_fed_path(plots, args.plot, title=title)
        print(f"\nchart written to {out}")
    return 0
