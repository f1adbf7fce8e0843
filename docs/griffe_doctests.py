"""A griffe extension for the API reference: the docstrings' worked examples (``>>>`` lines and
the output under them, as doctest reads them) are shown as Python console code blocks, and a
reST literal block (a paragraph ending in ``::``) as a code block, instead of as Markdown text."""

from __future__ import annotations

from typing import Any

import griffe


def _fence(text: str) -> str:
    out: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.lstrip()
        if stripped.startswith(">>>"):
            indent = line[: len(line) - len(stripped)]
            block = []
            # a doctest example runs until a blank line
            while i < len(lines) and lines[i].strip():
                block.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i])
                i += 1
            out += [f"{indent}```pycon", *(f"{indent}{b}" for b in block), f"{indent}```"]
            continue
        # reST's "paragraph::" introduces a literal block; Markdown shows the indented block as code
        out.append(line[:-1] if line.endswith("::") and not line.lstrip().startswith("::") else line)
        i += 1
    return "\n".join(out)


class DoctestBlocks(griffe.Extension):
    def on_instance(self, *, obj: Any, **kwargs: Any) -> None:
        if obj.docstring is not None and (">>>" in obj.docstring.value or "::" in obj.docstring.value):
            obj.docstring.value = _fence(obj.docstring.value)
