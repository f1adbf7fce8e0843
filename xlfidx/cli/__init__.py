"""The ``xlfidx`` command line: one subcommand per job, each defined in its own module.

Each module in ``_COMMANDS`` exposes ``register(subparsers)``, which adds its subparser and
sets ``func`` to a callable taking the parsed arguments and returning an exit code. The CLI
only parses arguments, calls the core and prints or writes files. The command modules import
numpy, pandas and the core inside their ``run`` functions, so that ``xlfidx --help`` and
``xlfidx COMMAND --help`` start in a few tens of milliseconds.

Every failure ends here, in :func:`main`, as one line on stderr and an exit code (see
``EXIT_CODES``); a traceback is shown only with ``XLFIDX_DEBUG=1``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings  # loaded by the interpreter itself: free

from xlfidx.errors import XlfidxError

# subcommand modules, in the order ``xlfidx --help`` lists them
_COMMANDS: list[str] = ["dlv", "roll", "fedpath", "sofrpath", "backtest", "template", "samples", "excel"]

OK, RESULT_ERRORS, BAD_INPUT, INTERNAL_ERROR, INTERRUPTED, BROKEN_PIPE = 0, 1, 2, 3, 130, 141
EXIT_CODES = {
    OK: "success",
    RESULT_ERRORS: "the job ran, but some results are error values (calc, refresh)",
    BAD_INPUT: "bad input: a file, an option or a value (the message names it), or an optional "
               "part not installed (the message names the extra)",
    INTERNAL_ERROR: "internal error in xlfidx (XLFIDX_DEBUG=1 shows the traceback)",
    INTERRUPTED: "interrupted (Ctrl-C)",
    BROKEN_PIPE: "the output was closed early (e.g. piped to head); nothing is printed",
}
DEBUG_ENV = "XLFIDX_DEBUG"

# exceptions of the file libraries that mean "this file is damaged", named so that they need
# not be imported here: zipfile, openpyxl, python-calamine, lxml/expat
_FILE_ERRORS = {"BadZipFile", "InvalidFileException", "CalamineError", "XMLSyntaxError",
                "ExpatError", "ParseError", "XmlError", "ZipError", "PasswordError"}


# the arguments that name a workbook a command reads, as the command line names them
_FILE_ARGUMENTS = [("workbook", "WORKBOOK"), ("file", "FILE"), ("back_file", "--back-file"),
                   ("data", "--data")]


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line usage error that names the command and points to --help."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(BAD_INPUT, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _epilog() -> str:
    codes = "\n".join(f"  {code:<4} {text}" for code, text in EXIT_CODES.items())
    return f"exit codes:\n{codes}\n\nSet {DEBUG_ENV}=1 to see the traceback of an internal error."


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="xlfidx",
        description="Fixed-income derivatives analytics: Treasury futures basis, Fed funds path, "
        "MBS hedging.",
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMANDS:
        importlib.import_module(f"xlfidx.cli.{name}").register(sub)
    return parser


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _say(prefix: str, text: str) -> None:
    """One line on stderr; a closed stderr (``2>&1 | head``) is not an error of its own."""
    try:
        print(f"{prefix}: {_one_line(text)}", file=sys.stderr, flush=True)
    except (BrokenPipeError, OSError, ValueError):
        pass


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings of the libraries as one line each, without the source line."""
    _say("xlfidx: warning", f"{message}")


def _quiet_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null so the exit flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def main(argv: list[str] | None = None) -> int:
    debug = bool(os.environ.get(DEBUG_ENV))
    shown = warnings.showwarning
    if not debug:
        warnings.showwarning = _show_warning
    try:
        with warnings.catch_warnings():
            # what xlfidx warns a user of (a part of a book it copies unread, say) is a line of
            # the command's output, whatever filters the caller has set
            warnings.filterwarnings("always", category=UserWarning, module="xlfidx")
            return _main(argv, debug)
    finally:
        warnings.showwarning = shown


def _main(argv: list[str] | None, debug: bool) -> int:
    prog = "xlfidx"
    args = None
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return BAD_INPUT
        prog = f"xlfidx {args.command}"
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here rather than at exit
        return code
    except SystemExit as exc:  # argparse's --help and usage errors
        if isinstance(exc.code, int):
            return exc.code
        return OK if exc.code is None else BAD_INPUT
    except KeyboardInterrupt:
        if debug:
            raise
        _say(prog, "interrupted")
        return INTERRUPTED
    except BrokenPipeError:
        _quiet_stdout()
        return BROKEN_PIPE
    except XlfidxError as exc:
        if debug:
            raise
        _say(f"{prog}: error", str(exc))
        return BAD_INPUT
    except ImportError as exc:  # an optional part: name the extra that installs it
        from xlfidx._extras import missing_extra

        if debug:
            raise
        line = missing_extra(exc)
        if line is None:
            _say(f"{prog}: internal error", f"{type(exc).__name__}: {exc} (set {DEBUG_ENV}=1 "
                 "to see the traceback, and please report it)")
            return INTERNAL_ERROR
        _say(f"{prog}: error", line)
        return BAD_INPUT
    except OSError as exc:  # a file the job reads or writes: missing, read-only, disk full...
        if debug:
            raise
        where = f" {exc.filename!r}" if exc.filename else ""
        reason = exc.strerror or type(exc).__name__
        _say(f"{prog}: error", f"cannot use{where}: {reason}")
        return BAD_INPUT
    except Exception as exc:
        if debug:
            raise
        if type(exc).__name__ in _FILE_ERRORS:
            given = [(name, getattr(args, attr)) for attr, name in _FILE_ARGUMENTS
                     if getattr(args, attr, None)]
            which = " or ".join(f"{name} = {value!r}" for name, value in given) or "a workbook"
            _say(f"{prog}: error", f"{which} could not be read, it is damaged: {exc}")
            return BAD_INPUT
        _say(f"{prog}: internal error", f"{type(exc).__name__}: {exc} (set {DEBUG_ENV}=1 "
             "to see the traceback, and please report it)")
        return INTERNAL_ERROR
