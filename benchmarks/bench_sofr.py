"""Benchmark: the SOFR path of a full chain as a ratio to the Fed funds path, in one process.

``SofrChain(...).path()`` on the shipped sample's chain (13 SR1 and 12 SR3 contracts, 14
meetings, two contracts in their period with their fixings: day-by-day accrual of every
contract, a Gauss-Newton least-squares fit, the identifiability check and the FedWatch tree),
against ``FedFundsChain(...).path()`` on the Fed funds sample's chain of the same date (18
contracts, 13 meetings). Each call builds its chain afresh, as a recalculated cell does.
Target: the SOFR path within 10x the Fed funds path. Run: ``python benchmarks/bench_sofr.py``.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import round_medians  # noqa: E402

from xlfidx.bloomberg.fedfutures import read_fedfutures_export  # noqa: E402
from xlfidx.bloomberg.sofr import read_sofr_export  # noqa: E402
from xlfidx.fedfunds import FedFundsChain  # noqa: E402
from xlfidx.samples import DATA_DIR  # noqa: E402
from xlfidx.sofr import SofrChain  # noqa: E402

TARGET_RATIO = 10.0


def main() -> None:
    sofr = read_sofr_export(DATA_DIR / "sofr_sample.xlsx").sofr_chain("2025-04-30")
    fed = read_fedfutures_export(DATA_DIR / "fedfutures_sample.xlsx").fed_chain("2025-04-30")
    sofr_args = dict(prices=sofr.prices, tickers=sofr.tickers, meetings=sofr.meetings,
                     spot_rate=sofr.spot_rate, pricing_date=sofr.pricing_date,
                     fixings=sofr.fixings, target_low=sofr.target_low)
    fed_args = dict(prices=fed.prices, expiries=fed.expiries, meetings=fed.meetings,
                    spot_rate=fed.spot_rate, target_low=fed.target_low)

    def sofr_path():
        return SofrChain(**sofr_args).path()

    def fed_path():
        return FedFundsChain(**fed_args).path()

    # interleave the rounds so that a slow second on this shared machine hits both
    ratios, s_times, f_times = [], [], []
    for _ in range(5):
        f = min(round_medians(fed_path, repeat=60, rounds=1, warmup=5))
        s = min(round_medians(sofr_path, repeat=60, rounds=1, warmup=5))
        f_times.append(f)
        s_times.append(s)
        ratios.append(s / f)
    ratio = statistics.median(ratios)
    print(f"FedFundsChain.path, 18 contracts, 13 meetings   median {min(f_times) * 1e3:7.3f} ms")
    print(f"SofrChain.path, 13 SR1 + 12 SR3, 14 meetings    median {min(s_times) * 1e3:7.3f} ms")
    print(f"ratio SOFR / Fed funds {ratio:.2f} (rounds {min(ratios):.2f} to {max(ratios):.2f}), "
          f"target < {TARGET_RATIO:g}: {'OK' if ratio < TARGET_RATIO else 'MISSED'}")


if __name__ == "__main__":
    main()
