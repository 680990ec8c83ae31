"""Imports point down only (docs/architecture.md).

Each top-level package of esante sits on a layer; a module may import esante packages of
its own layer or below, never above. The sandbox is the other side of the wire: it may use
the formats, transport and trust, never the practice side, the clients or the web layer.

Every import counts, wherever it is written: at module level, inside a function (a "late"
import hides an arrow, not removes it), under ``TYPE_CHECKING``, relative or absolute.
Packages of one layer may import each other one way only: a cycle between them (the
outbox importing the practice, which imports the outbox) is refused too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import esante

PACKAGE_ROOT = Path(esante.__file__).parent

# layer number: lower = more fundamental
LAYERS: dict[str, int] = {
    "errors": 0,
    "database": 0,
    "config": 0,
    "safexml": 0,
    "identity": 1,
    "terminology": 1,
    "catalogue": 1,
    "growth": 1,
    "demo": 2,
    "cda": 2,
    "xds": 3,
    "transport": 3,
    "trust": 3,
    "dmp": 4,
    "mss": 4,
    "insi": 4,
    "store": 5,
    "audit": 6,
    "practice": 6,
    "outbox": 6,
    "services": 7,
    "web": 8,
    "cli": 9,
    "sandbox": 7,
}
SANDBOX_FORBIDDEN = {
    "practice",
    "outbox",
    "audit",
    "web",
    "cli",
    "dmp",
    "mss",
    "insi",
    "store",
    "services",
}


def _esante_imports(path: Path) -> set[str]:
    """The esante top-level packages ``path`` imports anywhere in its body."""
    module = ["esante", *path.relative_to(PACKAGE_ROOT).with_suffix("").parts]
    return _imports_in(path.read_text(encoding="utf-8"), module[:-1])


def _imports_in(source: str, package: list[str]) -> set[str]:
    """The esante top-level packages ``source`` (a module of ``package``) imports."""
    tree = ast.parse(source)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                names = [node.module or ""]
            else:
                base = package[: len(package) - (node.level - 1)]
                names = [".".join([*base, node.module] if node.module else base)]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "esante" and len(parts) > 1:
                found.add(parts[1])
    return found


def _graph() -> dict[str, set[str]]:
    """Top-level package -> the top-level packages it imports (itself excluded)."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE_ROOT.rglob("*.py"):
        top = _top(path)
        if top == "__init__":
            continue
        graph.setdefault(top, set()).update(_esante_imports(path) - {top})
    return graph


def _top(path: Path) -> str:
    rel = path.relative_to(PACKAGE_ROOT)
    return rel.parts[0].removesuffix(".py")


def test_every_top_level_package_has_a_layer() -> None:
    tops = {_top(p) for p in PACKAGE_ROOT.rglob("*.py")} - {"__init__"}
    assert tops <= set(LAYERS), (
        f"add these to LAYERS and docs/architecture.md: {tops - set(LAYERS)}"
    )


def test_imports_point_down_only() -> None:
    violations = []
    for path in PACKAGE_ROOT.rglob("*.py"):
        top = _top(path)
        if top == "__init__":
            continue
        for imported in _esante_imports(path):
            if imported not in LAYERS:
                continue
            if top == "sandbox" and imported in SANDBOX_FORBIDDEN:
                violations.append(f"{path.relative_to(PACKAGE_ROOT)} imports esante.{imported}")
            elif LAYERS[imported] > LAYERS[top]:
                violations.append(
                    f"{path.relative_to(PACKAGE_ROOT)} (layer {LAYERS[top]}) imports "
                    f"esante.{imported} (layer {LAYERS[imported]})"
                )
    assert violations == []


def test_late_and_relative_imports_are_arrows() -> None:
    """The scan reads imports inside functions, under TYPE_CHECKING and relative ones
    (a late import is what hid the outbox's arrow to the practice)."""
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from esante.web import app\n"
        "def f():\n"
        "    from esante.practice.consent import check_feeding\n"
        "    from ..store import Patient\n"
        "    from . import claim\n"
    )
    assert _imports_in(source, ["esante", "outbox"]) == {"web", "practice", "store", "outbox"}


def test_no_cycle_between_packages() -> None:
    """Packages of one layer import each other one way only (no strongly connected
    component of more than one package in the import graph)."""
    graph = _graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, set()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    details = [
        f"{a} -> {b}" for cycle in cycles for a in cycle for b in sorted(graph[a]) if b in cycle
    ]
    assert cycles == [], "import cycles between packages: " + "; ".join(details)


def test_the_outbox_does_not_know_the_practice() -> None:
    """The outbox is a generic queue: the practice registers its handlers into it. It
    knows neither the practice nor the clients the handlers call (issue 16 part 2)."""
    assert _graph()["outbox"] & {"practice", "dmp", "mss", "cda", "xds", "identity"} == set()
