"""The ``xlfidx`` command line: one subcommand per job, each defined in its own module.

Each module in ``_COMMANDS`` exposes ``register(subparsers)``, which adds its subparser and
sets ``func`` to a callable taking the parsed arguments and returning an exit code. The CLI
only parses arguments, calls the core and prints or writes files.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from xlfidx.errors import XlfidxError

# subcommand modules, in the order ``xlfidx --help`` lists them
_COMMANDS: list[str] = ["dlv", "roll", "fedpath", "backtest", "samples", "excel"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xlfidx",
        description="Fixed-income derivatives analytics: Treasury futures basis, Fed funds path, "
        "MBS hedging.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMANDS:
        importlib.import_module(f"xlfidx.cli.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except XlfidxError as exc:
        print(f"xlfidx {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"xlfidx {args.command}: error: file not found: {exc.filename}", file=sys.stderr)
        return 2
