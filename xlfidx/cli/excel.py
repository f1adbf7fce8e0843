"""``xlfidx build-workbooks``, ``xlfidx refresh WORKBOOK``, ``xlfidx calc WORKBOOK``,
``xlfidx addin install``: the Excel side."""

from __future__ import annotations

import argparse
import os
import sys

from xlfidx.errors import InputError


def register(subparsers: argparse._SubParsersAction) -> None:
    b = subparsers.add_parser(
        "build-workbooks",
        help="rebuild the add-in workbooks/xlfidx.xlam and the books basis.xlsm, fedpath.xlsm, "
        "mbs_trend.xlsm from the shipped samples",
        description="Build the xlfidx add-in from xlwings' ribbon add-in template and the front-end "
        "workbooks from xlwings' quickstart template and the samples in data/, then recalculate "
        "the books headless so that they open with numbers.",
    )
    b.add_argument("names", nargs="*", metavar="NAME",
                   help="addin, basis, fedpath, mbs_trend (default: all)")
    b.add_argument("--out", metavar="DIR", help="output folder (default: workbooks/)")
    b.add_argument("--data", metavar="DIR", help="sample folder (default: data/)")
    b.set_defaults(func=run_build)

    a = subparsers.add_parser(
        "addin",
        help="install the xlfidx Excel add-in (its ribbon tab; the worksheet functions need a "
        "one-time import into it, see the documentation)",
        description="install: copy workbooks/xlfidx.xlam into Excel's startup folder (XLSTART), "
        "which Excel opens every time it starts, then (Windows, with Excel) import the worksheet "
        "functions into it through Excel itself -- xlwings' own import routine, what the "
        "add-in's ImportPythonUDFsToAddin macro does -- and save it. Excel lets a program into "
        "the add-in's VBA project only with File > Options > Trust Center > Trust Center Settings "
        "> Macro Settings > 'Trust access to the VBA project object model' ticked: the command "
        "asks before it ticks it. Quit Excel first. Where there is no Excel, name the folder with "
        "--dir, or use xlwings' own `xlwings addin install --file PATH`.",
    )
    a.add_argument("action", choices=["install"], help="install the add-in")
    a.add_argument("--dir", metavar="DIR", help="the folder to copy it into (default: Excel's "
                   "XLSTART folder: %%APPDATA%%\\Microsoft\\Excel\\XLSTART on Windows)")
    a.add_argument("--yes", action="store_true", help="tick 'Trust access to the VBA project "
                   "object model' without asking, if Excel needs it for the import")
    a.add_argument("--no-import", action="store_true", help="only copy the add-in; do not "
                   "import the functions through Excel")
    a.set_defaults(func=run_addin)

    r = subparsers.add_parser(
        "refresh",
        help="refresh a workbook headless: rerun its backtest (if any) and recalculate",
        description="What the ribbon's Refresh backtest button (and xlwings' Run main) does, "
        "without Excel: a book with a Backtest sheet gets it rewritten from its own history and "
        "Settings sheets; then every formula is recalculated and stored. The VBA project and "
        "every other sheet are kept.",
    )
    r.add_argument("workbook", metavar="WORKBOOK", help="the .xlsm or .xlsx book to refresh, in "
                   "place (e.g. workbooks/mbs_trend.xlsm)")
    r.set_defaults(func=run_refresh)

    c = subparsers.add_parser(
        "calc",
        help="evaluate every formula of a workbook headless and store the results in the file",
        description="Evaluate every formula with the formulas engine (xlfidx's worksheet functions "
        "registered under their Excel names) and store the results as the cells' cached values, "
        "so that the book shows numbers in any viewer.",
    )
    c.add_argument("workbook", metavar="WORKBOOK", help="the .xlsm or .xlsx book whose formulas "
                   "to evaluate; its results are stored in it (or in --out)")
    c.add_argument("--out", metavar="FILE", help="write to FILE instead of in place")
    c.set_defaults(func=run_calc)


def _say(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


def run_build(args: argparse.Namespace) -> int:
    from xlfidx._files import check_output_dir
    from xlfidx.excel.build import build_all

    if args.out:
        check_output_dir(args.out, "--out")
    if args.data and not os.path.isdir(args.data):
        raise InputError("--data", args.data, "is not a folder; give the folder of the samples")
    for path in build_all(args.out, args.data, args.names or None, progress=_say):
        print(path)
    return 0


def run_refresh(args: argparse.Namespace) -> int:
    from xlfidx._files import check_output_file, check_workbook
    from xlfidx.excel.refresh import refresh_file

    check_output_file(check_workbook(args.workbook, "WORKBOOK"), "WORKBOOK")  # refreshed in place
    print(f"{args.workbook}: {refresh_file(args.workbook, _say)}")
    return 0


def run_calc(args: argparse.Namespace) -> int:
    from xlfidx._files import check_output_file, check_workbook
    from xlfidx.excel.calc import calc_workbook

    book = check_workbook(args.workbook, "WORKBOOK")
    # the copy keeps the book's format, so it keeps its extension (Excel refuses a .xlsm as .xlsx)
    check_output_file(args.out or book, "--out" if args.out else "WORKBOOK", [book.suffix],
                      "the extension of WORKBOOK")
    result = calc_workbook(args.workbook, args.out, progress=_say)
    errors = result.errors()
    print(f"{args.out or args.workbook}: {len(result.formulas)} formulas, {len(result.values)} cells "
          f"stored, {len(errors)} error values")
    for (sheet, ref), value in list(errors.items())[:20]:
        print(f"  {sheet}!{ref}: {value}")
    for line in result.overflow:
        print(f"  warning: {line}")
    for line in result.kept:
        print(f"  note: {line}")
    return 1 if errors or result.overflow else 0


def _ask(question: str) -> bool:
    """A yes/no question on the terminal; no answer (not a terminal, end of input) is no."""
    if not sys.stdin or not sys.stdin.isatty():
        return False
    try:
        return input(f"  {question} [y/N] ").strip().lower() in ("y", "yes")
    except EOFError:
        return False


def run_addin(args: argparse.Namespace) -> int:
    from xlfidx.excel.addin import BUTTON_INTERPRETER, TRUST_CENTER, UDF_INTERPRETER, install

    path = install(args.dir)
    print(path)
    done = "no excel"
    if not args.no_import:
        from xlfidx.excel.addin import import_functions

        done = import_functions(path, (lambda q: True) if args.yes else _ask, say=_say)
    python = (f"The add-in starts `{UDF_INTERPRETER}` (the worksheet functions) and "
              f"`{BUTTON_INTERPRETER}` (the ribbon button) from PATH; for another Python, put the "
              f"line \"Interpreter_Win\",\"C:\\path\\to\\{UDF_INTERPRETER}.exe\" in "
              "%USERPROFILE%\\.myaddin\\myaddin.conf.")
    if done == "imported":
        print("  The worksheet functions are imported into the add-in and it is saved.")
        print(f"  Left to do: start Excel; the ribbon has an xlfidx tab and =DLV(...) works in "
              f"every workbook. {python}")
    elif done == "declined":
        print(f"  The functions are not imported: Excel needs '{TRUST_CENTER}' ticked.")
        print(f"  Left to do: tick it (or run again with --yes), quit Excel, run `xlfidx addin "
              f"install` again. {python}")
    else:
        print(f"  Left to do: on Windows with Excel, run `xlfidx addin install` there (it imports "
              f"the functions through Excel). {python}")
    return 0
