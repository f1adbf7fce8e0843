"""Every Python example in the documentation (``docs/*.md``) and the README runs as written.

Each page is a session: its code blocks run in order in one namespace, from the repository's
root (the pages read the shipped samples by their paths, ``data/...``; what they write goes
into a temporary folder they make). A ``pycon`` block (``>>>`` lines and the output under them) is
checked as doctest checks it; a ``python`` block must run without an error. Blocks of other
languages (``bash``, ``text``: commands and what they print) are not run here.
"""

from __future__ import annotations

import doctest
import functools
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^(?P<indent>[ ]*)```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^(?P=indent)```[ ]*$",
                   re.MULTILINE | re.DOTALL)
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def code_blocks(text: str) -> list[tuple[str, str, int]]:
    """(language, code, line number) of each fenced block of ``text``.

    >>> code_blocks("a\\n```python\\nx = 1\\n```\\n")
    [('python', 'x = 1\\n', 2)]
    """
    out = []
    for m in FENCE.finditer(text):
        indent = len(m["indent"])
        body = "".join(line[indent:] for line in m["body"].splitlines(keepends=True))
        out.append((m["lang"].lower(), body, text.count("\n", 0, m.start()) + 1))
    return out


def _runnable(path: Path) -> list[tuple[str, str, int]]:
    return [b for b in code_blocks(path.read_text(encoding="utf-8")) if b[0] in ("python", "pycon")]


def test_the_block_reader_finds_every_block():
    text = "x\n```pycon\n>>> 1 + 1\n2\n```\n\n    ```python\n    y = 2\n    ```\n```text\nz\n```\n"
    assert [b[:2] for b in code_blocks(text)] == [("pycon", ">>> 1 + 1\n2\n"), ("python", "y = 2\n"),
                                                   ("text", "z\n")]


def test_the_pages_have_examples():
    """The API-heavy pages carry runnable examples (a page that lost its blocks fails here)."""
    for name in ("getting-started", "dlv", "delivery", "roll", "fedpath", "backtest", "bloomberg"):
        assert _runnable(ROOT / "docs" / f"{name}.md"), name
    assert _runnable(ROOT / "README.md")


@pytest.mark.parametrize("page", [p for p in PAGES if _runnable(p)],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_page_examples_run(page, monkeypatch):
    monkeypatch.chdir(ROOT)
    namespace: dict = {"__name__": "__docs__"}
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(optionflags=FLAGS)
    where = page.relative_to(ROOT)
    for lang, code, line in _runnable(page):
        if lang == "python":
            try:
                exec(compile(code, f"{where}:{line}", "exec"), namespace)
            except Exception as exc:  # the block and its line, not a traceback into exec
                pytest.fail(f"{where} line {line}: the python block raised "
                            f"{type(exc).__name__}: {exc}")
        else:
            test = parser.get_doctest(code, namespace, f"{where}:{line}", str(page), line)
            runner.run(test, clear_globs=False)
            namespace.update(test.globs)  # a DocTest runs on a copy of the names it is given
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {where} failed"
    assert os.getcwd() == str(ROOT)


# --- what the commands print ------------------------------------------------------------------
# A ``text`` block that starts with ``$ xlfidx ...`` shows a command and what it prints. The
# command runs on the shipped samples in a fresh folder; every line shown must be printed, in
# that order (``...`` stands for lines left out, and a line with ``…`` for an elided path).

def _command_blocks() -> list[tuple[Path, int, str, list[str]]]:
    out = []
    for page in PAGES:
        for lang, code, line in code_blocks(page.read_text(encoding="utf-8")):
            first, *shown = code.splitlines()
            if lang == "text" and first.startswith("$ xlfidx "):
                out.append((page, line, first[2:], shown))
    return out


@functools.cache
def _run_command(command: str, folder: str) -> str:
    argv = [sys.executable, "-m", "xlfidx", *shlex.split(command)[1:]]
    env = {**os.environ, "COLUMNS": "200"}
    run = subprocess.run(argv, cwd=folder, capture_output=True, text=True, timeout=600, env=env)
    assert run.returncode == 0, f"{command} exited {run.returncode}: {run.stderr[-500:]}"
    return run.stdout


@pytest.fixture(scope="module")
def command_folder(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("commands"))


@pytest.mark.cpython_only("runs each command as a user types it, in a process of its own")
@pytest.mark.parametrize(("page", "line", "command", "shown"), _command_blocks(),
                         ids=lambda v: str(v.relative_to(ROOT)) if isinstance(v, Path) else
                         (v if isinstance(v, str) else None))
def test_commands_print_what_the_pages_show(page, line, command, shown, command_folder):
    printed = [p.rstrip() for p in _run_command(command, command_folder).splitlines()]
    at = 0
    for want in (s.rstrip() for s in shown):
        if want in ("...", "") or "…" in want:
            continue
        try:
            at = printed.index(want, at) + 1
        except ValueError:
            pytest.fail(f"{page.relative_to(ROOT)} line {line}: `{command}` does not print, "
                        f"in this order:\n{want}")


def test_the_pages_show_each_job_printing():
    commands = {c.split()[1] for _, _, c, _ in _command_blocks()}
    assert {"dlv", "roll", "fedpath", "backtest"} <= commands
