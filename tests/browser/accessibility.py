"""Accessibility checks in the test browser: axe-core from the npm registry
(``node_modules/axe-core``, installed by ``make install``), run inside the page.

The console never serves axe: it is evaluated through the browser's devtools protocol
(``page.evaluate``), which the page's Content-Security-Policy does not govern. A check
fails on any *serious* or *critical* violation (WCAG 2.x A and AA rules), naming the rule
and the elements at fault.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
RULE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@lru_cache(maxsize=1)
def _axe_source() -> str:
    if not AXE.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{AXE} missing: make install (npm ci) installs it", pytrace=False)
        pytest.skip(f"{AXE} missing (make install)")
    return AXE.read_text(encoding="utf-8")


def serious_violations(page: Page) -> list[dict[str, Any]]:
    """The serious and critical axe violations of the page as it is now."""
    page.evaluate(_axe_source())
    result: dict[str, Any] = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        RULE_TAGS,
    )
    return [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]


def assert_accessible(page: Page, what: str) -> None:
    """Fail with the rules and elements at fault when ``page`` has serious violations."""
    found = serious_violations(page)
    if found:
        lines = [
            f"{v['id']} ({v['impact']}): {v['help']} — "
            + ", ".join(str(n["target"]) for n in v["nodes"][:5])
            for v in found
        ]
        raise AssertionError(f"{what}: accessibility violations\n" + "\n".join(lines))
