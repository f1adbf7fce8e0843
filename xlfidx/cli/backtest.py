"""``xlfidx backtest``: the MBS hedge study's MBS trend-convexity backtest on a Bloomberg history export."""

from __future__ import annotations

import argparse
import sys
import time

SHOWN = {  # summary column -> (printed header, format)
    "start": ("from", "{}"),
    "ann_return_pct": ("ret%", "{:.2f}"),
    "ann_vol_pct": ("vol%", "{:.2f}"),
    "sharpe": ("Sharpe", "{:.2f}"),
    "max_dd_pct": ("maxDD%", "{:.2f}"),
    "ann_return_bp": ("ret_bp", "{:.1f}"),
    "ann_return_pct_net": ("ret%net", "{:.2f}"),
    "sharpe_net": ("Shp_net", "{:.2f}"),
    "avg_abs_resid_dur": ("|resid|y", "{:.3f}"),
    "avg_duration_gap": ("gap_y", "{:.2f}"),
    "turnover": ("turn/y", "{:.1f}"),
    "holding_days": ("hold_d", "{:.0f}"),
    "corr_classic": ("corr", "{:.2f}"),
}


def _tilts(tokens: list[str]) -> list[float]:
    """Numbers, or ``start:stop:step`` ranges (stop included): ``0:10:0.5`` is the default grid.

    The count is checked before a range is built, so ``0:1e9:1`` is refused at once.
    """
    import math

    from xlfidx.backtest import MAX_TILTS
    from xlfidx.errors import InputError

    out: list[float] = []
    for tok in tokens:
        for part in tok.split(","):
            part = part.strip()
            if not part:
                continue
            try:
                numbers = [float(x) for x in part.split(":")]
            except ValueError:
                numbers = []
            if len(numbers) == 1:
                out.append(numbers[0])
                continue
            if len(numbers) != 3 or not all(map(math.isfinite, numbers)) \
                    or numbers[2] <= 0 or numbers[1] < numbers[0]:
                raise InputError("--tilts", part, "must be a number or start:stop:step with "
                                 "step > 0 and stop >= start")
            a, b, step = numbers
            steps = (b - a) / step  # inf for 0:1e300:1e-300
            if not steps + 1 <= MAX_TILTS - len(out) + 1e-9:
                count = f"{steps + 1:,.0f}" if math.isfinite(steps) else "too many"
                raise InputError("--tilts", part, f"gives {count} tilts; a run takes at most "
                                 f"{MAX_TILTS} (e.g. 0:10:0.05)")
            n = math.floor(steps + 0.5) + 1  # stop included, to rounding
            out += [round(a + i * step, 10) for i in range(n)]
    if len(out) > MAX_TILTS:
        raise InputError("--tilts", f"{len(out)} values", f"are too many; a run takes at most "
                         f"{MAX_TILTS} tilts")
    return out


def register(sub) -> None:
    p = sub.add_parser(
        "backtest",
        help="MBS vs Treasury futures: duration-hedged bases, trend, the tilt frontier, walk-forward",
        description="Long the MBS index, short Treasury futures, duration neutral and unlevered, "
        "weights from day t-1 earning day t. Prints the summary and writes the workbook into --out "
        "with its Backtest sheet rewritten: the tables, the chart data and five native Excel "
        "charts. --png also writes the charts as pictures.",
    )
    p.add_argument("workbook", nargs="?", help="history export (.xlsx/.xlsm, sheets 'MBS' and "
                   "'Futures', Bloomberg BDH blocks or a tidy table); default: the shipped "
                   "SYNTHETIC sample data/mbs_trend_sample.xlsx")
    p.add_argument("--out", default="backtest-output", help="directory for the updated workbook "
                   "and the PNGs (default: ./backtest-output)")
    p.add_argument("--tilts", nargs="+", metavar="TILT", help="trend_tilt grid: numbers or "
                   "start:stop:step (default 0:10:0.5, 21 tilts)")
    p.add_argument("--cost", type=float, metavar="BP", help="trading cost in bp per unit of "
                   "turnover (default 1)")
    p.add_argument("--mbs-sheet", default="MBS", help="sheet of the MBS history (default MBS)")
    p.add_argument("--futures-sheet", default="Futures", help="sheet of the futures (default Futures)")
    p.add_argument("--no-workbook", action="store_true", help="write no workbook: the summary "
                   "goes into --out as <book>_summary.csv (with --png, the pictures too)")
    p.add_argument("--png", action="store_true", help="also draw the charts as PNG pictures in "
                   "--out, for a report (slower: matplotlib draws four charts)")
    p.set_defaults(func=run)


def _progress(stage: str):
    start = time.perf_counter()
    last = [-1.0]

    def say(fraction: float, message: str) -> None:
        now = time.perf_counter() - start
        if now - last[0] >= 0.5 or fraction >= 1.0:  # a line every half second at most
            last[0] = now
            print(f"  [{stage} {fraction:4.0%}] {message} ({now:.1f} s)", file=sys.stderr, flush=True)

    return say


def format_summary(summary, columns=SHOWN) -> str:
    """The summary table as fixed-width text (one line per strategy)."""
    import math

    cols = [c for c in columns if c in summary.columns]
    head = ["strategy", *[columns[c][0] for c in cols]]
    rows = [head]
    for name, row in summary.iterrows():
        cells = [str(name)]
        for c in cols:
            v = row[c]
            if v is None or (isinstance(v, float) and not math.isfinite(v)):
                cells.append("-")
            else:
                cells.append(columns[c][1].format(v))
        rows.append(cells)
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(r, widths, strict=True)))
             for r in rows]
    return "\n".join(lines)


def _write_summary_csv(result, target):
    """The summary table, one row per strategy, as CSV (the walk-forward window's rows after it,
    their strategy named ``... (out of sample)``)."""
    import pandas as pd

    from xlfidx._files import atomic_write

    tables = [result.summary]
    if len(result.headline):
        tables.append(result.headline.rename(index=lambda name: f"{name} (out of sample)"))
    table = pd.concat(tables)
    table.index.name = "strategy"
    with atomic_write(target) as tmp:
        table.to_csv(tmp, float_format="%.6g")
    return target


def run(args: argparse.Namespace) -> int:
    import warnings

    from xlfidx._files import check_output_dir, check_output_file, check_workbook

    # the book first, before numpy and pandas load: a refused file is refused at once
    given = check_workbook(args.workbook, "WORKBOOK") if args.workbook else None

    from xlfidx.backtest import BacktestConfig, backtest_title, run_backtest
    from xlfidx.bloomberg.history import read_history
    from xlfidx.samples import sample_path
    from xlfidx.samples.mbs_history import FILENAME

    path = given or sample_path(FILENAME)
    out = check_output_dir(args.out, "--out")
    if not args.no_workbook:
        check_output_file(out / path.name, "--out")
    tilts = tuple(_tilts(args.tilts)) if args.tilts else None
    t0 = time.perf_counter()
    print(f"  reading {path} ...", file=sys.stderr, flush=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the skipped contracts are printed from history.notes
        history = read_history(path, args.mbs_sheet, args.futures_sheet)
    kwargs = {}
    if tilts:
        kwargs["tilts"] = tilts
    if args.cost is not None:
        kwargs["cost_bp"] = args.cost
    config = BacktestConfig(**kwargs)
    result = run_backtest(history.mbs, history.futures, config, progress=_progress("backtest"),
                          notes=history.notes)
    label = history.label  # from the data: the sample says SYNTHETIC, a user's book never does

    mbs = history.mbs
    print(backtest_title(label))
    print(f"{path.name}: {mbs.index[0].date()} to {mbs.index[-1].date()}, {len(mbs)} days; "
          f"contracts {', '.join(result.contracts)}; cost {config.cost_bp:g} bp per unit turnover; "
          f"{len(config.tilts)} tilts {config.tilts[0]:g}..{config.tilts[-1]:g}")
    print()
    print(format_summary(result.summary))
    if len(result.headline):
        h = result.headline
        print()
        print(f"Out of sample ({h['start'].iloc[0]} on, walk-forward window):")
        print(format_summary(h))
        wf = result.walk_forward
        print("tilt chosen per year: " + ", ".join(f"{y} {t:g}" for y, t in wf["tilt"].items()))
    if result.notes:
        print()
        print("Data notes:")
        for note in result.notes:
            print(f"  {note}")

    written = []
    if args.no_workbook:
        written.append(_write_summary_csv(result, out / f"{path.stem}_summary.csv"))
    else:
        print(f"  writing the workbook ... ({time.perf_counter() - t0:.1f} s)", file=sys.stderr, flush=True)
        from xlfidx.excel.backtest_sheet import write_backtest_sheet

        written.append(write_backtest_sheet(path, result, out / path.name, label))
    if args.png:
        print(f"  drawing the PNG charts ... ({time.perf_counter() - t0:.1f} s)", file=sys.stderr, flush=True)
        from xlfidx.backtest_plot import plot_all

        written += plot_all(result, out, label).values()
    print()
    for p in written:
        print(f"wrote {p}")
    print(f"  done ({time.perf_counter() - t0:.1f} s)", file=sys.stderr, flush=True)
    return 0
