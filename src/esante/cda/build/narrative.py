"""Sections and their narrative block (CDA R2 ``section/text``): tables, paragraphs, anchors.

A structured (N3) section carries the human-readable text *and* the coded entries; an
entry points into the text with ``<reference value="#id"/>`` to the ``<content ID="id">``
holding its words. :class:`Anchors` hands out unique IDs in a document; the functions
here write the narrative with lxml (text is escaped, never parsed as markup).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from esante.cda.build._xml import Element, add_code, new_uuid, sub
from esante.cda.model import Code


class Anchors:
    """Unique narrative IDs in one document: ``prob-1``, ``prob-2``, ``med-1``..."""

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}

    def new(self, prefix: str) -> str:
        count = self._counts.get(prefix, 0) + 1
        self._counts[prefix] = count
        return f"{prefix}-{count}"


@dataclass(frozen=True)
class Cell:
    """A table cell; ``anchor`` wraps the text in ``<content ID=anchor>``."""

    text: str
    anchor: str | None = None


CellLike = Cell | str


def add_section(
    container: Element,
    template_ids: Sequence[str],
    code: Code,
    title: str,
    *,
    with_text: bool = True,
    with_id: bool = True,
) -> tuple[Element, Element | None]:
    """Append ``component/section`` (templateIds, id, code, title, text); return (section, text)."""
    section = sub(sub(container, "component"), "section")
    for template_root in template_ids:
        sub(section, "templateId", root=template_root)
    if with_id:
        sub(section, "id", root=new_uuid())
    add_code(section, code)
    sub(section, "title", title)
    text = sub(section, "text") if with_text else None
    return section, text


def add_table(text: Element, headers: Sequence[str], rows: Sequence[Sequence[CellLike]]) -> None:
    """A narrative table with a header row."""
    table = sub(text, "table", border="1")
    head_row = sub(sub(table, "thead"), "tr")
    for header in headers:
        sub(head_row, "th", header)
    body = sub(table, "tbody")
    for row in rows:
        tr = sub(body, "tr")
        for cell in row:
            item = Cell(cell) if isinstance(cell, str) else cell
            td = sub(tr, "td")
            if item.anchor:
                sub(td, "content", item.text, ID_=item.anchor)
            else:
                td.text = item.text
    if not rows:
        tr = sub(body, "tr")
        sub(tr, "td", "Aucun élément renseigné.", colspan=str(max(len(headers), 1)))


def add_paragraph(text: Element, words: str, anchor: str | None = None) -> None:
    """A narrative paragraph (``<paragraph>``), anchored when ``anchor`` is given."""
    paragraph = sub(text, "paragraph")
    if anchor:
        sub(paragraph, "content", words, ID_=anchor)
    else:
        paragraph.text = words
