"""ebRS/XDS.b response bodies: RegistryResponse, AdhocQueryResponse, RetrieveDocumentSetResponse.

ITI TF-3 §4.2.4 (RegistryResponse status and RegistryErrorList), ITI TF-2a §3.18.4.1.3
(AdhocQueryResponse with LeafClass objects or ObjectRefs), ITI TF-2b §3.43.4.2
(RetrieveDocumentSetResponse). The DMP answers ITI-41/57 with a bare
``rs:RegistryResponse``, ITI-18 with ``query:AdhocQueryResponse`` and ITI-43 with
``xdsb:RetrieveDocumentSetResponse`` whose documents travel as MTOM attachments
(``xop:Include``, resolved through ``attachments``).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping

from lxml import etree

from esante.xds.ebxml.object_list import object_list_to_ebrim, read_object_list
from esante.xds.ebxml.requests import Attach, as_element, child_text, read_document_bytes
from esante.xds.ebxml.rim import IdSource, new_uuid, query, rim, root, rs, xdsb
from esante.xds.errors import XdsFormatError
from esante.xds.requests import Document
from esante.xds.responses import (
    QueryResponse,
    RegistryError,
    RegistryResponse,
    RetrievedDocument,
    RetrieveDocumentSetResponse,
)
from esante.xds.vocabulary import ErrorSeverity, ResponseStatus


def _fill_response(
    element: etree._Element, status: ResponseStatus, errors: tuple[RegistryError, ...]
) -> None:
    element.set("status", status)
    if not errors:
        return
    error_list = etree.SubElement(element, rs("RegistryErrorList"))
    highest = (
        ErrorSeverity.ERROR
        if any(e.severity == ErrorSeverity.ERROR for e in errors)
        else ErrorSeverity.WARNING
    )
    error_list.set("highestSeverity", highest)
    for error in errors:
        child = etree.SubElement(
            error_list,
            rs("RegistryError"),
            codeContext=error.code_context,
            errorCode=error.error_code,
            severity=error.severity,
        )
        if error.location:
            child.set("location", error.location)
        if error.value:
            child.text = error.value


def _status(element: etree._Element, what: str) -> ResponseStatus:
    raw = element.get("status", "")
    try:
        return ResponseStatus(raw)
    except ValueError as exc:
        raise XdsFormatError(
            f"{what} : statut de réponse inconnu.",
            detail=f"status {raw!r} is not an ebRS ResponseStatusType",
        ) from exc


def _errors(element: etree._Element) -> tuple[RegistryError, ...]:
    errors: list[RegistryError] = []
    for error_list in element.iterchildren(rs("RegistryErrorList")):
        for e in error_list.iterchildren(rs("RegistryError")):
            raw = e.get("severity", ErrorSeverity.ERROR)
            severity = ErrorSeverity.WARNING if raw.endswith(":Warning") else ErrorSeverity.ERROR
            errors.append(
                RegistryError(
                    error_code=e.get("errorCode", ""),
                    code_context=e.get("codeContext", ""),
                    severity=severity,
                    location=e.get("location"),
                    value=(e.text or "").strip() or None,
                )
            )
    return tuple(errors)


# --- RegistryResponse (ITI-41, ITI-57) ----------------------------------------------------


def registry_response_to_xml(response: RegistryResponse) -> etree._Element:
    """The ``rs:RegistryResponse`` of ``response``."""
    element = root(rs("RegistryResponse"))
    if response.request_id:
        element.set("requestId", response.request_id)
    _fill_response(element, response.status, response.errors)
    etree.cleanup_namespaces(element)
    return element


def _read_registry_response(element: etree._Element, what: str) -> RegistryResponse:
    return RegistryResponse(_status(element, what), _errors(element), element.get("requestId"))


def registry_response_from_xml(source: etree._Element | bytes) -> RegistryResponse:
    """Read an ``rs:RegistryResponse`` (success, partial success or failure with errors)."""
    what = "Réponse du registre"
    return _read_registry_response(as_element(source, rs("RegistryResponse"), what), what)


# --- AdhocQueryResponse (ITI-18) ----------------------------------------------------------


def query_response_to_xml(
    response: QueryResponse, *, new_id: IdSource = new_uuid
) -> etree._Element:
    """The ``query:AdhocQueryResponse`` of ``response`` (objects, or ObjectRefs)."""
    element = root(query("AdhocQueryResponse"))
    _fill_response(element, response.status, response.errors)
    if response.start_index is not None:
        element.set("startIndex", str(response.start_index))
    if response.total_result_count is not None:
        element.set("totalResultCount", str(response.total_result_count))
    object_list = object_list_to_ebrim(
        element,
        submission_sets=response.submission_sets,
        document_entries=response.document_entries,
        associations=response.associations,
        new_id=new_id,
    )
    for extrinsic in object_list.iterfind(rim("ExtrinsicObject")):
        # a registry's stored entries are not opaque (ebRIM 3.0 §4.3; the DMP's TD3.1 answer)
        extrinsic.set("isOpaque", "false")
    for reference in response.references:
        etree.SubElement(object_list, rim("ObjectRef"), id=reference)
    etree.cleanup_namespaces(element)
    return element


def query_response_from_xml(source: etree._Element | bytes) -> QueryResponse:
    """Read a ``query:AdhocQueryResponse`` (LeafClass objects and/or ObjectRefs)."""
    what = "Réponse de recherche (ITI-18)"
    element = as_element(source, query("AdhocQueryResponse"), what)
    objects = read_object_list(element.find(rim("RegistryObjectList")))

    def integer(name: str) -> int | None:
        raw = element.get(name)
        if raw is None:
            return None
        try:
            return int(raw)
        except ValueError as exc:
            raise XdsFormatError(
                f"{what} : attribut {name} invalide.", detail=f"{name}={raw!r}"
            ) from exc

    return QueryResponse(
        status=_status(element, what),
        errors=_errors(element),
        document_entries=objects.document_entries,
        submission_sets=objects.submission_sets,
        associations=objects.associations,
        references=objects.references,
        total_result_count=integer("totalResultCount"),
        start_index=integer("startIndex"),
    )


# --- RetrieveDocumentSetResponse (ITI-43) -------------------------------------------------


def retrieve_response_to_xml(
    response: RetrieveDocumentSetResponse, *, attach: Attach | None = None
) -> etree._Element:
    """The ``xdsb:RetrieveDocumentSetResponse``; ``attach`` as for ITI-41 documents."""
    element = root(xdsb("RetrieveDocumentSetResponse"))
    status = etree.SubElement(element, rs("RegistryResponse"))
    if response.response.request_id:
        status.set("requestId", response.response.request_id)
    _fill_response(status, response.response.status, response.response.errors)
    for document in response.documents:
        child = etree.SubElement(element, xdsb("DocumentResponse"))
        if document.home_community_id:
            etree.SubElement(child, xdsb("HomeCommunityId")).text = document.home_community_id
        etree.SubElement(child, xdsb("RepositoryUniqueId")).text = document.repository_unique_id
        etree.SubElement(child, xdsb("DocumentUniqueId")).text = document.document_unique_id
        etree.SubElement(child, xdsb("mimeType")).text = document.mime_type
        content = etree.SubElement(child, xdsb("Document"))
        if attach is None:
            content.text = base64.b64encode(document.data).decode("ascii")
        else:
            content.append(attach(Document(document.document_unique_id, document.data)))
    etree.cleanup_namespaces(element)
    return element


def retrieve_response_from_xml(
    source: etree._Element | bytes, *, attachments: Mapping[str, bytes] | None = None
) -> RetrieveDocumentSetResponse:
    """Read an ``xdsb:RetrieveDocumentSetResponse``.

    ``attachments`` maps Content-IDs to bytes for documents sent as ``xop:Include``;
    raises :class:`XdsFormatError` when one is missing.
    """
    what = "Réponse de consultation de document (ITI-43)"
    element = as_element(source, xdsb("RetrieveDocumentSetResponse"), what)
    status = element.find(rs("RegistryResponse"))
    if status is None:
        raise XdsFormatError(f"{what} : statut absent.", detail="no rs:RegistryResponse child")
    documents: list[RetrievedDocument] = []
    for child in element.iterchildren(xdsb("DocumentResponse")):
        unique_id = child_text(child, xdsb("DocumentUniqueId"))
        content = child.find(xdsb("Document"))
        where = f"DocumentResponse[{unique_id}]"
        data = b"" if content is None else read_document_bytes(content, attachments, where)
        documents.append(
            RetrievedDocument(
                repository_unique_id=child_text(child, xdsb("RepositoryUniqueId")),
                document_unique_id=unique_id,
                mime_type=child_text(child, xdsb("mimeType")),
                data=data,
                home_community_id=child_text(child, xdsb("HomeCommunityId")) or None,
            )
        )
    return RetrieveDocumentSetResponse(_read_registry_response(status, what), tuple(documents))
