"""``xlfidx make-sample-data``: regenerate every shipped sample file in ``data/``."""

from __future__ import annotations

import argparse


def register(sub) -> None:
    p = sub.add_parser(
        "make-sample-data",
        help="regenerate every sample file shipped in data/ (synthetic ones say so inside)",
        description="Rewrite each registered sample (xlfidx.samples.SAMPLE_MODULES) from the "
        "project's own generator scripts.",
    )
    p.add_argument("--dir", help="write into this directory instead of the repository's data/")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:

    from xlfidx._files import check_output_dir
    from xlfidx.samples import write_all

    for path in write_all(check_output_dir(args.dir, "--dir") if args.dir else None):
        print(f"wrote {path}")
    return 0
