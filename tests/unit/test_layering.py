"""Imports point down only (docs/architecture.md).

Each top-level package of esante sits on a layer; a module may import esante packages of
its own layer or below, never above. The sandbox is the other side of the wire: it may use
the formats, transport and trust, never the practice side, the clients or the web layer.
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
    "demo": 2,
    "cda": 2,
    "xds": 3,
    "transport": 3,
    "trust": 3,
    "dmp": 4,
    "mss": 4,
    "store": 5,
    "audit": 6,
    "practice": 6,
    "outbox": 6,
    "web": 7,
    "cli": 8,
    "sandbox": 7,
}
SANDBOX_FORBIDDEN = {"practice", "outbox", "audit", "web", "cli", "dmp", "mss", "store"}


def _esante_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "esante" and len(parts) > 1:
                found.add(parts[1])
    return found


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
