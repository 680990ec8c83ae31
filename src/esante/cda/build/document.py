"""A built CDA document, and the two body kinds: structured (N3) and PDF (N1).

Every build gets a fresh uniqueId (an OID under ``2.25`` made from a random UUID, unless
the caller passes one): the document uniqueId is the DMP's idempotency key, so two
builds are two documents. N1 wraps a PDF as ``nonXMLBody/text`` in base64 with media
type ``application/pdf`` (IHE XDS-SD, templateId ``1.3.6.1.4.1.19376.1.2.20``, formatCode
``urn:ihe:iti:xds-sd:pdf:2008``).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from esante.cda import vocabulary as v
from esante.cda.build._xml import Element, new_oid, sub
from esante.cda.build.header import new_document_root
from esante.cda.errors import CdaBuildError
from esante.cda.model import Code, DocumentHeader, InstanceId


@dataclass(frozen=True)
class BuiltDocument:
    """A CDA R2 document as bytes, with what XDS metadata and the practice need to know."""

    xml: bytes
    document_id: InstanceId
    set_id: InstanceId
    version: int
    model: str
    """CDA model: ``N1``, ``VSM``, ``VAC-NOTE``, ``CSE-CS8``/``CS9``/``CS24``, ``CSE-MDE``."""
    format_code: str
    type_code: Code
    title: str

    def write(self, path: Path) -> None:
        """Write the XML to ``path``; raises :class:`CdaBuildError` when it cannot."""
        try:
            path.write_bytes(self.xml)
        except OSError as exc:
            raise CdaBuildError(
                f"Impossible d'écrire le document dans « {path} ».",
                detail=str(exc),
                field=str(path),
            ) from exc


def new_document_id() -> InstanceId:
    """A fresh document uniqueId: ``2.25.<128-bit UUID as an integer>``."""
    return InstanceId(new_oid())


def serialize(root: Element) -> bytes:
    """UTF-8 XML with declaration, indented."""
    etree.indent(root, space="  ")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def start_document(
    header: DocumentHeader,
    template_ids: Sequence[tuple[str, str | None]],
    document_id: InstanceId | None,
) -> tuple[Element, InstanceId]:
    """The header written, the uniqueId chosen (fresh unless given)."""
    ident = document_id or new_document_id()
    return new_document_root(header, ident, template_ids), ident


def structured_body(root: Element) -> Element:
    """Append and return ``component/structuredBody``."""
    return sub(sub(root, "component"), "structuredBody")


def finish(
    root: Element,
    header: DocumentHeader,
    ident: InstanceId,
    *,
    model: str,
    format_code: str,
) -> BuiltDocument:
    """Serialize and describe a document whose body is complete."""
    return BuiltDocument(
        xml=serialize(root),
        document_id=ident,
        set_id=header.set_id or ident,
        version=header.version,
        model=model,
        format_code=format_code,
        type_code=header.type_code,
        title=header.title,
    )


def build_n1(
    header: DocumentHeader,
    pdf: bytes,
    *,
    document_id: InstanceId | None = None,
    extra_template_ids: Sequence[tuple[str, str | None]] = (),
) -> BuiltDocument:
    """A CDA R2 level 1 document whose body is ``pdf`` (any document type).

    Raises :class:`CdaBuildError` when ``pdf`` is not a PDF.
    """
    if not pdf.startswith(b"%PDF-"):
        raise CdaBuildError(
            "Le corps d'un document non structuré doit être un PDF.",
            detail="body does not start with %PDF-",
            field="pdf",
        )
    templates = [(v.TEMPLATE_XDS_SD, None), *extra_template_ids]
    root, ident = start_document(header, templates, document_id)
    body = sub(sub(root, "component"), "nonXMLBody")
    text = sub(body, "text", mediaType=v.N1_MEDIA_TYPE, representation="B64")
    text.text = base64.b64encode(pdf).decode("ascii")
    return finish(root, header, ident, model="N1", format_code=v.N1_FORMAT_CODE)
