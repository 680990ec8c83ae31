"""The two human-readable files at the root of an IHE XDM package: INDEX.HTM and README.TXT.

IHE ITI TF-2b §3.32.4.1.3 (Distribute Document Set on Media, ZIP over e-mail): the
root of the media holds ``README.TXT`` (who made the package, with what software, how to
reach them) and ``INDEX.HTM`` (an XHTML page listing the content, readable in any
browser). Both are written in French for the recipient; ``INDEX.HTM`` is built with lxml
(every text escaped) and carries no script, style sheet or external reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

XHTML_NS = "http://www.w3.org/1999/xhtml"
_DOCTYPE = (
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
    '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">'
)


@dataclass(frozen=True, slots=True)
class PageDocument:
    """One document as the pages list it."""

    path: str
    title: str
    type_label: str
    date: str
    level: str


@dataclass(frozen=True, slots=True)
class PageContext:
    """What both pages say about the package."""

    created: datetime
    organization: str
    software: str
    version: str
    contact: str | None
    patient: str
    metadata_paths: tuple[str, ...]
    documents: tuple[PageDocument, ...]


def _when(moment: datetime) -> str:
    return moment.strftime("%d/%m/%Y à %H:%M")


def _x(tag: str) -> str:
    return f"{{{XHTML_NS}}}{tag}"


def _add(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, _x(tag), attrs)
    if text is not None:
        element.text = text
    return element


def _rows(table: etree._Element, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    head = _add(table, "tr")
    for cell in header:
        _add(head, "th", cell)
    for row in rows:
        line = _add(table, "tr")
        for cell in row[:-1]:
            _add(line, "td", cell)
        link = _add(line, "td")
        _add(link, "a", row[-1], href=row[-1])


def index_htm(context: PageContext) -> bytes:
    """The XHTML ``INDEX.HTM`` listing the package content (UTF-8)."""
    html = etree.Element(_x("html"), nsmap={None: XHTML_NS}, lang="fr")
    html.set("{http://www.w3.org/XML/1998/namespace}lang", "fr")
    head = _add(html, "head")
    _add(head, "meta", **{"http-equiv": "Content-Type", "content": "text/html; charset=UTF-8"})
    _add(head, "title", "Documents de santé — archive IHE XDM")
    body = _add(html, "body")
    _add(body, "h1", "Documents de santé")
    _add(
        body,
        "p",
        f"Archive d'échange de documents de santé (IHE XDM) créée le {_when(context.created)} "
        f"par {context.organization} avec le logiciel {context.software} {context.version}.",
    )
    _add(body, "p", f"Patient : {context.patient}")
    _add(body, "h2", "Documents")
    table = _add(body, "table", border="1")
    _rows(
        table,
        ("Document", "Type", "Date", "Niveau", "Fichier"),
        [(d.title, d.type_label, d.date, d.level, d.path) for d in context.documents],
    )
    _add(body, "h2", "Métadonnées")
    listing = _add(body, "ul")
    for path in context.metadata_paths:
        item = _add(listing, "li")
        _add(item, "a", path, href=path)
    about = _add(body, "p", "Informations sur l'émetteur de l'archive : ")
    _add(about, "a", "README.TXT", href="README.TXT")
    body_bytes = etree.tostring(html, encoding="UTF-8", pretty_print=True)
    declaration = b'<?xml version="1.0" encoding="UTF-8"?>\n'
    return declaration + _DOCTYPE.encode("ascii") + b"\n" + body_bytes


def readme_txt(context: PageContext) -> bytes:
    """The ``README.TXT`` naming the creator and describing the content (UTF-8, CRLF)."""
    lines = [
        "Archive IHE XDM - échange de documents de santé",
        "",
        f"Créée le      : {_when(context.created)}",
        f"Émetteur      : {context.organization}",
        f"Logiciel      : {context.software} {context.version}",
    ]
    if context.contact:
        lines.append(f"Contact       : {context.contact}")
    lines += [
        "",
        "Contenu :",
        "  INDEX.HTM  : sommaire de l'archive, lisible dans un navigateur",
        "  README.TXT : ce fichier",
    ]
    lines += [
        f"  {path} : métadonnées XDS (ebRIM) du lot de soumission"
        for path in context.metadata_paths
    ]
    lines += [f"  {d.path} : {d.title} (CDA R2, {d.level})" for d in context.documents]
    lines += [
        "",
        "Les documents sont au format HL7 CDA R2 (volets du CI-SIS) et leurs métadonnées",
        "suivent le profil IHE XDM (ITI-32) et le volet « Échange de documents de santé »",
        "du cadre d'interopérabilité des systèmes d'information de santé (CI-SIS).",
        "",
    ]
    return "\r\n".join(lines).encode("utf-8")
