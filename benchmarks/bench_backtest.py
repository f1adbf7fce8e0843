"""Benchmark: the MBS hedge study's whole backtest on the 20-year sample, and the hedge solved the MBS hedge study's way.

    python benchmarks/bench_backtest.py [--repeats 5] [--lp-days 250] [--full-lp]

1. The whole run as `xlfidx backtest` does it before charts: read the workbook
   (data/mbs_trend_sample.xlsx: 2004-2024, 6 contracts) and run every strategy (6 bases,
   adaptive, trend with 4 EWMAC speeds, 21 tilts, walk-forward, all metrics). Target: < 3 s.
2. The per-contract duration-hedged basis computed the way the MBS hedge study does: one scipy linear
   programme per day and contract (min |w_mbs*D_mbs - w_fut*D_fut| with w >= 0, sum 1), timed
   on --lp-days days x 6 contracts and extrapolated to the whole history (or all of it with
   --full-lp), against the closed form w_mbs = D_fut/(D_mbs + D_fut) for the same days. The
   weights are checked to agree.
Prints medians.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np


def median_time(fn, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def lp_basis(d_mbs: float, d_fut: float) -> tuple[float, float]:
    from scipy.optimize import linprog

    res = linprog([0, 0, 1], A_ub=[[d_mbs, -d_fut, -1], [-d_mbs, d_fut, -1]], b_ub=[0, 0],
                  A_eq=[[1, 1, 0]], b_eq=[1], bounds=[(0, 1), (0, 1), (0, None)], method="highs")
    return float(res.x[0]), float(res.x[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--lp-days", type=int, default=250)
    parser.add_argument("--full-lp", action="store_true", help="solve every day's LP (about a minute)")
    args = parser.parse_args()

    from xlfidx.backtest import run_backtest
    from xlfidx.bloomberg.history import read_history
    from xlfidx.samples import sample_path
    from xlfidx.samples.mbs_history import FILENAME

    path = sample_path(FILENAME)
    warnings.simplefilter("ignore")
    read_history(path)  # warm imports (pandas, calamine, scipy) once, outside the timings

    t_read, (mbs, fut) = median_time(lambda: read_history(path), args.repeats)
    t_run, res = median_time(lambda: run_backtest(mbs, fut), args.repeats)
    t_all, _ = median_time(lambda: run_backtest(*read_history(path)), args.repeats)
    n_days, contracts = len(mbs), res.contracts
    print(f"sample: {n_days} days, {len(contracts)} contracts, {len(res.config.spans)} EWMAC speeds, "
          f"{len(res.config.tilts)} tilts, walk-forward {len(res.walk_forward)} years, "
          f"{len(res.summary)} strategies")
    print(f"read_history (calamine)          median {t_read * 1e3:8.1f} ms")
    print(f"run_backtest                     median {t_run * 1e3:8.1f} ms")
    print(f"whole run (read + backtest)      median {t_all * 1e3:8.1f} ms   (target < 3000 ms)")

    # the MBS hedge study's way: an LP per day and contract
    d_mbs = mbs["LUMSMD"].to_numpy()
    d_fut = fut["CONVENTIONAL_CTD_FORWARD_FRSK"][contracts].to_numpy()
    days = np.arange(1, n_days) if args.full_lp else np.linspace(300, n_days - 1, args.lp_days).astype(int)
    pairs = [(t, j) for t in days for j in range(len(contracts)) if np.isfinite(d_fut[t - 1, j])]
    t0 = time.perf_counter()
    lp = np.array([lp_basis(d_mbs[t - 1], d_fut[t - 1, j]) for t, j in pairs])
    t_lp = time.perf_counter() - t0
    all_pairs = int(np.isfinite(d_fut[:-1]).sum())
    per = t_lp / len(pairs)
    t_cf, cf = median_time(lambda: (d_fut / (d_mbs[:, None] + d_fut), d_mbs[:, None] / (d_mbs[:, None] + d_fut)),
                           args.repeats)
    cf_w = np.array([(cf[0][t - 1, j], cf[1][t - 1, j]) for t, j in pairs])
    diff = float(np.abs(lp - cf_w).max())
    print(f"the MBS hedge study LP per day x contract   {len(pairs)} LPs in {t_lp:.2f} s = {per * 1e3:.2f} ms each; "
          f"whole history ({all_pairs} LPs) {'measured' if args.full_lp else 'extrapolated'} "
          f"{per * all_pairs:.1f} s")
    print(f"closed form, all days x contracts median {t_cf * 1e3:8.3f} ms  (max |LP - closed form| {diff:.1e})")


if __name__ == "__main__":
    main()
