"""Reading the pages the way a patient does: visible text of the whole page or one section."""

from __future__ import annotations

import html
import re

_TAG = re.compile(r"<[^>]+>")
_STYLE = re.compile(r"<style>.*?</style>", re.S)


def text(markup: str) -> str:
    """The visible text, unescaped, whitespace collapsed."""
    return " ".join(html.unescape(_TAG.sub(" ", _STYLE.sub("", markup))).split())


def section(markup: str, section_id: str) -> str:
    """The markup of ``<section ... id="section_id">`` (empty when absent)."""
    match = re.search(rf'<section[^>]*id="{section_id}".*?</section>', markup, re.S)
    return match.group(0) if match else ""


def rows(markup: str) -> list[str]:
    """The visible text of each table row of ``markup``."""
    return [text(r) for r in re.findall(r"<tr[^>]*>.*?</tr>", markup, re.S)]
