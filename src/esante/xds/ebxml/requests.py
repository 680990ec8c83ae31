"""ebRS/XDS.b request bodies: encode the request models to XML and decode them back.

* ITI-41 ``xdsb:ProvideAndRegisterDocumentSetRequest`` (``lcm:SubmitObjectsRequest`` +
  one ``xdsb:Document`` per document)
* ITI-57 ``lcm:SubmitObjectsRequest`` (UpdateDocumentSet)
* ITI-18 ``query:AdhocQueryRequest``
* ITI-43 ``xdsb:RetrieveDocumentSetRequest``

Documents are written inline (base64, the XML infoset the XSD describes) unless an
``attach`` callback is given: it receives each :class:`~esante.xds.requests.Document`
and returns the element to put inside ``xdsb:Document`` (the transport's
``xop:Include``), so that MTOM stays the transport's business. Decoding accepts both
forms; ``xop:Include`` references are resolved in ``attachments`` (bytes by Content-ID).

Every external XML given as bytes goes through :func:`esante.safexml.parse_xml`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from urllib.parse import unquote

from lxml import etree

from esante.safexml import parse_xml
from esante.xds.ebxml.object_list import object_list_to_ebrim, read_object_list
from esante.xds.ebxml.rim import (
    IdSource,
    add_slot,
    lcm,
    new_uuid,
    query,
    read_slots,
    rim,
    root,
    xdsb,
)
from esante.xds.errors import XdsFormatError
from esante.xds.queries import AdhocQuery, QueryParameter, from_adhoc, to_adhoc
from esante.xds.requests import (
    Document,
    DocumentRequest,
    ProvideAndRegisterDocumentSet,
    QueryRequest,
    RetrieveDocumentSetRequest,
    UpdateDocumentSet,
)
from esante.xds.vocabulary import NS_XOP, ReturnType

#: Turns a document into the child of ``xdsb:Document`` (e.g. an ``xop:Include``).
Attach = Callable[[Document], etree._Element]
XOP_INCLUDE = f"{{{NS_XOP}}}Include"


def as_element(source: etree._Element | bytes, expected_root: str, what: str) -> etree._Element:
    """``source`` as an element with root ``expected_root`` (bytes parsed by safexml).

    Raises :class:`XdsFormatError` for another root element (and safexml's
    ``XmlError`` for XML that cannot be parsed).
    """
    element = parse_xml(source, what=what) if isinstance(source, bytes) else source
    if element.tag != expected_root:
        raise XdsFormatError(
            f"{what} : élément racine inattendu.",
            detail=f"root is {element.tag!r}, expected {expected_root!r}",
        )
    return element


# --- SubmitObjectsRequest (ITI-41 metadata, ITI-57) ---------------------------------------


def _submit_objects(
    parent: etree._Element | None,
    request: ProvideAndRegisterDocumentSet | UpdateDocumentSet,
    new_id: IdSource,
) -> etree._Element:
    tag = lcm("SubmitObjectsRequest")
    element = root(tag) if parent is None else etree.SubElement(parent, tag)
    object_list_to_ebrim(
        element,
        submission_sets=[request.submission_set],
        document_entries=request.document_entries,
        associations=request.associations,
        new_id=new_id,
    )
    return element


def _read_submit_objects(element: etree._Element, what: str) -> UpdateDocumentSet:
    objects = read_object_list(element.find(rim("RegistryObjectList")))
    if len(objects.submission_sets) != 1:
        raise XdsFormatError(
            f"{what} : un lot de soumission unique est attendu.",
            detail=f"{len(objects.submission_sets)} SubmissionSet RegistryPackage found",
            field="SubmitObjectsRequest/RegistryObjectList",
        )
    return UpdateDocumentSet(
        objects.submission_sets[0], objects.document_entries, objects.associations
    )


def update_document_set_to_xml(
    request: UpdateDocumentSet, *, new_id: IdSource = new_uuid
) -> etree._Element:
    """ITI-57: the ``lcm:SubmitObjectsRequest`` of ``request``."""
    element = _submit_objects(None, request, new_id)
    etree.cleanup_namespaces(element)
    return element


def update_document_set_from_xml(source: etree._Element | bytes) -> UpdateDocumentSet:
    """ITI-57: read an ``lcm:SubmitObjectsRequest``."""
    what = "Requête de mise à jour de métadonnées (ITI-57)"
    return _read_submit_objects(as_element(source, lcm("SubmitObjectsRequest"), what), what)


# --- ProvideAndRegisterDocumentSetRequest (ITI-41) ----------------------------------------


def provide_and_register_to_xml(
    request: ProvideAndRegisterDocumentSet,
    *,
    new_id: IdSource = new_uuid,
    attach: Attach | None = None,
) -> etree._Element:
    """ITI-41: the ``xdsb:ProvideAndRegisterDocumentSetRequest`` of ``request``."""
    element = root(xdsb("ProvideAndRegisterDocumentSetRequest"))
    _submit_objects(element, request, new_id)
    for document in request.documents:
        child = etree.SubElement(element, xdsb("Document"), id=document.id)
        if attach is None:
            child.text = base64.b64encode(document.data).decode("ascii")
        else:
            child.append(attach(document))
    etree.cleanup_namespaces(element)
    return element


def read_document_bytes(
    element: etree._Element, attachments: Mapping[str, bytes] | None, where: str
) -> bytes:
    include = element.find(XOP_INCLUDE)
    if include is not None:
        href = include.get("href", "")
        content_id = unquote(href[4:]) if href.lower().startswith("cid:") else href
        if attachments is None or content_id not in attachments:
            raise XdsFormatError(
                "Pièce jointe du document introuvable.",
                detail=f"{where}: xop:Include {href!r} has no matching MIME part",
                field=where,
            )
        return attachments[content_id]
    try:
        return base64.b64decode("".join((element.text or "").split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise XdsFormatError(
            "Contenu du document illisible (base64 invalide).",
            detail=f"{where}: {exc}",
            field=where,
        ) from exc


def provide_and_register_from_xml(
    source: etree._Element | bytes, *, attachments: Mapping[str, bytes] | None = None
) -> ProvideAndRegisterDocumentSet:
    """ITI-41: read an ``xdsb:ProvideAndRegisterDocumentSetRequest``.

    ``attachments`` maps MIME Content-IDs (without ``<>``) to bytes for documents sent
    as ``xop:Include``. Raises :class:`XdsFormatError` for a missing attachment or
    undecodable content.
    """
    what = "Requête d'alimentation (ITI-41)"
    element = as_element(source, xdsb("ProvideAndRegisterDocumentSetRequest"), what)
    submit = element.find(lcm("SubmitObjectsRequest"))
    if submit is None:
        raise XdsFormatError(
            f"{what} : SubmitObjectsRequest absent.", detail="no lcm:SubmitObjectsRequest child"
        )
    metadata = _read_submit_objects(submit, what)
    documents = tuple(
        Document(
            d.get("id", ""),
            read_document_bytes(d, attachments, f"Document[{d.get('id', '')}]"),
        )
        for d in element.iterchildren(xdsb("Document"))
    )
    return ProvideAndRegisterDocumentSet(
        metadata.submission_set, metadata.document_entries, metadata.associations, documents
    )


# --- AdhocQueryRequest (ITI-18) -----------------------------------------------------------


def adhoc_query_to_xml(adhoc: AdhocQuery, return_type: ReturnType) -> etree._Element:
    """ITI-18: a ``query:AdhocQueryRequest`` for a raw stored query."""
    element = root(query("AdhocQueryRequest"))
    etree.SubElement(
        element, query("ResponseOption"), returnComposedObjects="true", returnType=return_type
    )
    adhoc_element = etree.SubElement(element, rim("AdhocQuery"), id=adhoc.query_id)
    if adhoc.home:
        adhoc_element.set("home", adhoc.home)
    for parameter in adhoc.parameters:
        add_slot(adhoc_element, parameter.name, parameter.values)
    etree.cleanup_namespaces(element)
    return element


def query_request_to_xml(request: QueryRequest) -> etree._Element:
    """ITI-18: the ``query:AdhocQueryRequest`` of a typed stored query."""
    return adhoc_query_to_xml(to_adhoc(request.query), request.return_type)


def adhoc_query_from_xml(source: etree._Element | bytes) -> tuple[AdhocQuery, ReturnType]:
    """ITI-18: the raw stored query and return type of a ``query:AdhocQueryRequest``.

    Use this (with :func:`esante.xds.validate.validate_query_request`) on the registry
    side, where an invalid query must become RegistryErrors rather than an exception.
    """
    what = "Requête de recherche (ITI-18)"
    element = as_element(source, query("AdhocQueryRequest"), what)
    option = element.find(query("ResponseOption"))
    raw_type = "LeafClass" if option is None else option.get("returnType", "LeafClass")
    try:
        return_type = ReturnType(raw_type)
    except ValueError as exc:
        raise XdsFormatError(
            f"{what} : type de retour non pris en charge.",
            detail=f"ResponseOption/@returnType {raw_type!r} is not LeafClass or ObjectRef",
        ) from exc
    adhoc_element = element.find(rim("AdhocQuery"))
    if adhoc_element is None:
        raise XdsFormatError(f"{what} : AdhocQuery absent.", detail="no rim:AdhocQuery child")
    parameters = tuple(QueryParameter(s.name, s.values) for s in read_slots(adhoc_element))
    home = adhoc_element.get("home")
    return AdhocQuery(adhoc_element.get("id", ""), parameters, home), return_type


def query_request_from_xml(source: etree._Element | bytes) -> QueryRequest:
    """ITI-18: the typed :class:`QueryRequest` of a ``query:AdhocQueryRequest``.

    Raises :class:`XdsFormatError` for an unsupported stored query or a malformed value.
    """
    adhoc, return_type = adhoc_query_from_xml(source)
    return QueryRequest(from_adhoc(adhoc), return_type)


# --- RetrieveDocumentSetRequest (ITI-43) --------------------------------------------------


def retrieve_request_to_xml(request: RetrieveDocumentSetRequest) -> etree._Element:
    """ITI-43: the ``xdsb:RetrieveDocumentSetRequest`` of ``request``."""
    element = root(xdsb("RetrieveDocumentSetRequest"))
    for document in request.documents:
        child = etree.SubElement(element, xdsb("DocumentRequest"))
        if document.home_community_id:
            etree.SubElement(child, xdsb("HomeCommunityId")).text = document.home_community_id
        etree.SubElement(child, xdsb("RepositoryUniqueId")).text = document.repository_unique_id
        etree.SubElement(child, xdsb("DocumentUniqueId")).text = document.document_unique_id
    etree.cleanup_namespaces(element)
    return element


def child_text(element: etree._Element, tag: str) -> str:
    child = element.find(tag)
    return "" if child is None or child.text is None else child.text.strip()


def retrieve_request_from_xml(source: etree._Element | bytes) -> RetrieveDocumentSetRequest:
    """ITI-43: read an ``xdsb:RetrieveDocumentSetRequest``."""
    what = "Requête de consultation de document (ITI-43)"
    element = as_element(source, xdsb("RetrieveDocumentSetRequest"), what)
    return RetrieveDocumentSetRequest(
        tuple(
            DocumentRequest(
                child_text(d, xdsb("RepositoryUniqueId")),
                child_text(d, xdsb("DocumentUniqueId")),
                child_text(d, xdsb("HomeCommunityId")) or None,
            )
            for d in element.iterchildren(xdsb("DocumentRequest"))
        )
    )
