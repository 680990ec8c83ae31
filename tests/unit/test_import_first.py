"""Every package of esante imports on its own, first, in a fresh interpreter.

An embedder imports what it needs (``esante.sandbox.directory``, ``esante.services``...)
without the rest having been imported before. A circular import between two packages
only shows when one particular side is imported first: ``import esante.sandbox.directory``
failed that way while the whole suite passed, because some other module had always
imported the cycle's other side beforehand.
"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import esante

ROOT = Path(esante.__file__).parent


def _packages() -> list[str]:
    found = []
    for init in sorted(ROOT.rglob("__init__.py")):
        relative = init.parent.relative_to(ROOT.parent)
        found.append(".".join(relative.parts))
    return found


def _import_alone(name: str) -> tuple[str, str | None]:
    done = subprocess.run(
        [sys.executable, "-c", f"import {name}"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode == 0:
        return name, None
    return name, done.stderr.strip().splitlines()[-1]


def test_every_package_imports_first() -> None:
    packages = _packages()
    assert "esante.sandbox.directory" in packages
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(_import_alone, packages))
    failures = {name: error for name, error in results if error is not None}
    assert failures == {}
