"""The package's modules read bottom-up: no import circle, the trader's objects above the kernels.

Every import in every module of ``xlfidx`` is read from its source (module level and inside
functions alike: an import deferred into a function is still a dependency), resolved to the
module it loads, and the graph is searched for a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import xlfidx

PACKAGE = Path(xlfidx.__file__).parent


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _is_package(name: str) -> bool:
    return MODULES.get(name, Path()).name == "__init__.py"


def _resolve(base: str, names: list[str]) -> list[str]:
    """The xlfidx modules ``from base import names`` loads (a submodule, else ``base``)."""
    out = []
    for n in names:
        if f"{base}.{n}" in MODULES:
            out.append(f"{base}.{n}")
        elif base == "xlfidx" and n in xlfidx._EXPORTS:  # the lazy top-level names
            out.append(f"xlfidx.{xlfidx._EXPORTS[n]}")
        elif base in MODULES:
            out.append(base)
    return out


def imports_of(name: str) -> set[str]:
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    package = name if _is_package(name) else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "xlfidx":
                    target = alias.name
                    while target not in MODULES and "." in target:
                        target = target.rpartition(".")[0]
                    found.add(target)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                base = f"{base}.{node.module}" if node.module else base
            elif node.module and node.module.split(".")[0] == "xlfidx":
                base = node.module
            else:
                continue
            found.update(_resolve(base, [a.name for a in node.names]))
    found.discard(name)
    return found


def import_graph() -> dict[str, set[str]]:
    return {name: imports_of(name) for name in MODULES}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle as a path ``[a, b, ..., a]``, or None."""
    state: dict[str, int] = {}  # 1: on the path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_walker_sees_a_circle_when_there_is_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_walker_sees_imports_inside_functions():
    # futures' contract rules use the bonds' coupon arithmetic; basis builds on futures
    assert "xlfidx.bonds" in imports_of("xlfidx.futures")
    assert "xlfidx.futures" in imports_of("xlfidx.basis")
    assert "xlfidx.basket" in imports_of("xlfidx.bloomberg.basket")  # a deferred import


def test_no_import_circle_in_the_package():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import circle: " + " -> ".join(cycle)


# bottom-up: each layer imports only the ones before it
LAYERS = ["xlfidx.dates", "xlfidx.bonds", "xlfidx.futures", "xlfidx.basis", "xlfidx.delivery",
          "xlfidx.basket", "xlfidx.bloomberg.basket", "xlfidx.excel.udfs"]


@pytest.mark.parametrize("i", range(len(LAYERS)))
def test_modules_read_bottom_up(i):
    later = set(LAYERS[i + 1:])
    assert not imports_of(LAYERS[i]) & later, f"{LAYERS[i]} imports a module above it"


def test_the_objects_live_above_the_kernels_and_stay_importable():
    from xlfidx.basket import BondFuture, DeliverableBasket

    assert xlfidx.BondFuture is BondFuture and xlfidx.DeliverableBasket is DeliverableBasket
    assert {"xlfidx.basis", "xlfidx.delivery", "xlfidx.futures"} <= imports_of("xlfidx.basket")
