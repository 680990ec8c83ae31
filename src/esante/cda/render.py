"""Renders a CDA R2 document as a standalone French HTML page for on-screen reading.

The header (type, date, patient identity with INS, author, structure, version) comes
from :func:`esante.cda.read.read_document`. An N1 body is embedded as a ``data:`` URL
PDF (``<object>`` with a download link as fallback). An N3 body is shown section by
section: the CDA narrative block is *translated* element by element into HTML through a
whitelist (paragraph, content, list, table, br, sub, sup, caption...); attributes are
dropped except ``colspan``/``rowspan`` (digits only) and the bold/italic/underline
``styleCode`` values; every text goes through lxml, which escapes it. Nothing from the
document is ever injected as markup: no scripts, no event handlers, no links to follow.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from lxml import etree
from markupsafe import Markup

from esante.cda import vocabulary as v
from esante.cda.read import ReceivedDocument, extract_pdf, read_document
from esante.cda.read._values import Element, find, findall, text_of

__all__ = ["RenderedSection", "render_html", "sections_of"]

_H = f"{{{v.HL7_NS}}}"
_BLOCKS = {
    "paragraph": "p",
    "content": "span",
    "table": "table",
    "thead": "thead",
    "tbody": "tbody",
    "tfoot": "tfoot",
    "tr": "tr",
    "th": "th",
    "td": "td",
    "caption": "caption",
    "sub": "sub",
    "sup": "sup",
    "item": "li",
    "footnote": "small",
    "linkHtml": "span",
    "colgroup": None,
    "col": None,
    "renderMultiMedia": None,
}
_STYLES = {"bold": "b", "italics": "i", "underline": "u", "emphasis": "i"}
_DIGITS = re.compile(r"\d{1,3}")


@dataclass(frozen=True)
class RenderedSection:
    """A section ready for the template: title, safe HTML narrative, subsections."""

    title: str
    narrative: Markup
    sections: tuple[RenderedSection, ...]


def _convert(source: Element, target: etree._Element) -> None:
    """Append the HTML translation of ``source``'s children (and text) to ``target``."""
    if source.text:
        _append_text(target, source.text)
    for child in source:
        if not isinstance(child.tag, str):  # comments, processing instructions
            if child.tail:
                _append_text(target, child.tail)
            continue
        name = etree.QName(child).localname if child.tag.startswith(_H) else None
        if name == "br":
            etree.SubElement(target, "br")
        elif name == "list":
            tag = "ol" if child.get("listType") == "ordered" else "ul"
            _convert(child, etree.SubElement(target, tag))
        elif name in _BLOCKS and _BLOCKS[name] is not None:
            html = etree.SubElement(target, _BLOCKS[name])  # type: ignore[arg-type]
            for attr in ("colspan", "rowspan"):
                value = child.get(attr)
                if value and _DIGITS.fullmatch(value):
                    html.set(attr, value)
            styles = [
                _STYLES[s.lower()]
                for s in (child.get("styleCode") or "").split()
                if s.lower() in _STYLES
            ]
            inner = html
            for style in styles:
                inner = etree.SubElement(inner, style)
            _convert(child, inner)
        elif name in _BLOCKS:
            pass  # structural or multimedia reference: nothing to show
        else:
            span = etree.SubElement(target, "span")
            _convert(child, span)
        if child.tail:
            _append_text(target, child.tail)


def _append_text(target: etree._Element, text: str) -> None:
    if len(target):
        last = target[-1]
        last.tail = (last.tail or "") + text
    else:
        target.text = (target.text or "") + text


def narrative_html(text: Element | None) -> Markup:
    """The safe HTML of a CDA narrative block (``section/text``)."""
    if text is None:
        return Markup("")
    container = etree.Element("div", {"class": "narrative"})
    _convert(text, container)
    html = etree.tostring(container, method="html", encoding="unicode")
    return Markup(html)  # noqa: S704 - built by lxml from whitelisted elements, text escaped


def _section(section: Element) -> RenderedSection:
    return RenderedSection(
        title=text_of(find(section, "h:title")) or text_of(find(section, "h:code")) or "Section",
        narrative=narrative_html(find(section, "h:text")),
        sections=tuple(_section(s) for s in findall(section, "h:component/h:section")),
    )


def sections_of(document: ReceivedDocument) -> tuple[RenderedSection, ...]:
    """The top-level sections of a structured body, rendered."""
    body = find(document.root, "h:component/h:structuredBody")
    return tuple(_section(s) for s in findall(body, "h:component/h:section"))


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("esante.cda", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _when(value: datetime | None) -> str:
    if value is None:
        return "date inconnue"
    local = value.astimezone(v.PARIS)
    return f"{local:%d/%m/%Y à %H:%M}"


def render_html(source: ReceivedDocument | bytes | Path) -> str:
    """A standalone French HTML page showing the document (N1 PDF or N3 sections).

    Raises :class:`esante.cda.CdaReadError` when the input is not a readable CDA.
    """
    document = source if isinstance(source, ReceivedDocument) else read_document(source)
    pdf_uri = None
    if document.level == "N1":
        pdf_uri = "data:application/pdf;base64," + base64.b64encode(extract_pdf(document)).decode(
            "ascii"
        )
    patient = document.patient
    author = document.authors[0].professional if document.authors else None
    return (
        _environment()
        .get_template("render_document.html")
        .render(
            doc=document,
            patient=patient,
            sex_label=v.SEX_LABELS.get(patient.sex, patient.sex),
            birth_date=patient.birth_date.strftime("%d/%m/%Y"),
            when=_when(document.effective_time),
            author=author,
            pdf_uri=pdf_uri,
            sections=sections_of(document) if document.level == "N3" else (),
        )
    )
