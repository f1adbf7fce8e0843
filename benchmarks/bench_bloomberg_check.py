"""Benchmark: what the readers' check for unfilled Bloomberg formulas adds to reading a book.

    python benchmarks/bench_bloomberg_check.py [--rounds 5]

Each figure is the check's time as a fraction of the reader's own time on the same book, in
the same process:

1. books saved as values (the shipped samples: the 20-year history, the basket, the Fed
   chains): the check only looks at the first half megabyte of each sheet's XML for a Bloomberg
   call or the add-in's "Requesting Data" text;
2. a book holding Bloomberg formulas (the 20-year history with a sheet of BDP formulas beside
   it): the check reads the first 100 rows of the history's two sheets twice with openpyxl
   (formulas, then the values Excel saved with them).

Target: under 25 % of the read for the history either way, under 10 % for the small books.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import warnings
from pathlib import Path

from _timing import round_medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    import openpyxl

    from xlfidx.bloomberg.basket import read_basket_export
    from xlfidx.bloomberg.fedfutures import read_fedfutures_export
    from xlfidx.bloomberg.formulas import unfilled_cells
    from xlfidx.bloomberg.history import read_history
    from xlfidx.samples import sample_path

    warnings.simplefilter("ignore")
    history = sample_path("mbs_trend_sample.xlsx")
    folder = Path(tempfile.mkdtemp())
    with_formulas = folder / "history_with_live_sheet.xlsx"
    shutil.copy(history, with_formulas)
    wb = openpyxl.load_workbook(with_formulas)
    wb.create_sheet("live")["A1"] = '=BDP("TYH5 Comdty","PX_LAST")'
    wb.save(with_formulas)

    cases = [
        ("history, values (5253 days)", history, read_history, ("MBS", "Futures"), 5, 0.25),
        ("basket, values", sample_path("fut_bond_data_USZ3_2023-11-21.xlsx"), read_basket_export,
         ("future", "bonds"), 50, 0.10),
        ("Fed chains, values", sample_path("fedfutures_sample.xlsx"), read_fedfutures_export,
         None, 50, 0.10),
        ("history + Bloomberg formulas", with_formulas, read_history, ("MBS", "Futures"), 5, 0.25),
    ]
    for name, path, reader, sheets, repeat, target in cases:
        read = min(round_medians(lambda p=path, r=reader: r(p), repeat, args.rounds, 1))
        check = min(round_medians(lambda p=path, s=sheets: unfilled_cells(p, s), repeat,
                                  args.rounds, 1))
        ratio = check / read
        print(f"{name:<30} read {read * 1e3:8.1f} ms   check {check * 1e3:7.2f} ms   "
              f"ratio {ratio:6.1%}   target < {target:.0%}   {'OK' if ratio < target else 'MISSED'}")
    shutil.rmtree(folder)


if __name__ == "__main__":
    main()
