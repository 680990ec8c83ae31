"""The ``repository`` service: TD2.1 (ITI-41 Provide and Register) and TD3.2 (ITI-43 Retrieve).

TD2.1, as IHE ITI-41 and the DMP expect on receipt:

1. decode the ``ProvideAndRegisterDocumentSetRequest`` (documents from the MTOM parts or
   inline base64); a body that cannot be read is an ``XDSRegistryMetadataError``;
2. run the ITI-41 validators of :mod:`esante.xds` (CI-SIS required attributes, codes of
   the value sets, patient consistency, hash and size, associations) — every failure
   becomes a ``RegistryError`` with its XDS code; a success is a bare Success, as the DMP's
   (tolerated findings are logged, not answered);
3. check the submission's XAdES signature document (IHE DSG): signed by a certificate of
   the sandbox CA, and its manifest covers exactly the submitted documents, byte for
   byte (a missing or invalid signature is refused);
4. register through :meth:`DmpService.submit` (rights, oppositions, uniqueness,
   replacement — RPLC — of a previous version); a refusal becomes a ``RegistryError``.

The signature document is kept with its submission set (``NewSubmission.signature``),
not listed among the patient's documents: the official TD3.1 answer of the DMP kit lists
none.
Kit mode checks the official signature in foreign mode (the ANS test PKI) without the
manifest digests, which the kit left as placeholders, and only logs a failure.

TD3.2 answers each requested document from :meth:`DmpService.retrieve`, as an MTOM
attachment; a refused document is a ``RegistryError`` (``PartialSuccess`` when others
came back).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from lxml import etree

from esante.sandbox.dmp.codes import DmpErrorCode
from esante.sandbox.dmp.errors import DmpRefusal
from esante.sandbox.dmp.records import NewDocument, NewSubmission
from esante.sandbox.dmp.soap.exchange import Answer, Exchange
from esante.sandbox.dmp.soap.metadata import (
    author_info,
    coded,
    new_document,
    patient_of,
    received_objects,
    submission_set_wire_metadata,
    time_of,
)
from esante.transport import Attachment, xop_include
from esante.trust import ManifestEntry, TrustError, verify_submission_signature
from esante.xds import (
    AssociationType,
    ProvideAndRegisterDocumentSet,
    RegistryError,
    RegistryResponse,
    ResponseStatus,
    RetrievedDocument,
    RetrieveDocumentSetResponse,
    XdsError,
    iti41,
    iti43,
)
from esante.xds import Document as XdsDocument
from esante.xds.vocabulary import ErrorSeverity

logger = logging.getLogger("esante.sandbox.dmp")


def registry_error(refusal: DmpRefusal) -> RegistryError:
    """The RegistryError answering a business refusal."""
    return RegistryError(
        error_code=refusal.code.value,
        code_context=refusal.message,
        severity=ErrorSeverity.ERROR,
        location=refusal.field,
    )


def format_error(exc: XdsError, code: DmpErrorCode) -> RegistryError:
    """The RegistryError answering a body that cannot be read."""
    return RegistryError(
        error_code=code.value,
        code_context=exc.message,
        severity=ErrorSeverity.ERROR,
        location=exc.field,
    )


def registry_answer(errors: Sequence[RegistryError]) -> Answer:
    """An ``rs:RegistryResponse``: Failure when an error has severity Error."""
    return Answer(iti41.encode_response(RegistryResponse.from_errors(tuple(errors))))


# --- TD2.1 ------------------------------------------------------------------------------


def provide_and_register(exchange: Exchange) -> Answer:
    """TD2.1 / ITI-41 (see the module docstring)."""
    attachments = {a.content_id: a.data for a in exchange.request.attachments}
    try:
        request = iti41.decode_request(exchange.payload, attachments=attachments)
    except XdsError as exc:
        return registry_answer([format_error(exc, DmpErrorCode.REGISTRY_METADATA_ERROR)])
    failures = iti41.validate_request(request, exchange.options.validation)
    errors = [f.to_registry_error() for f in failures]
    if any(e.severity == ErrorSeverity.ERROR for e in errors):
        return registry_answer(errors)
    caller = exchange.caller
    try:
        submission = _submission(exchange, request)
        exchange.service.submit(caller.actor, submission, access_mode=caller.access_mode)
    except DmpRefusal as refusal:
        return registry_answer([*errors, registry_error(refusal)])
    except XdsError as exc:
        return registry_answer([*errors, format_error(exc, DmpErrorCode.REGISTRY_METADATA_ERROR)])
    if errors:
        # what the sandbox tolerated (kit mode) is logged; the DMP answers a bare Success
        logger.info("TD2.1 accepted with %d tolerated finding(s)", len(errors))
    return registry_answer([])


def _content(request: ProvideAndRegisterDocumentSet, entry_uuid: str) -> bytes:
    document = request.document(entry_uuid)
    if document is None:
        raise DmpRefusal(DmpErrorCode.MISSING_DOCUMENT, detail=entry_uuid, field=entry_uuid)
    return document.data


def _submission(exchange: Exchange, request: ProvideAndRegisterDocumentSet) -> NewSubmission:
    submission_set = request.submission_set
    if submission_set.patient_id is None:  # the validator requires it; keep mypy informed
        raise DmpRefusal(DmpErrorCode.UNKNOWN_PATIENT, field="SubmissionSet.patientId")
    patient = exchange.same_patient(
        patient_of(submission_set.patient_id), "SubmissionSet.patientId"
    )
    replaced = {
        a.source: a.target
        for a in request.associations
        if a.association_type == AssociationType.REPLACE
    }
    received = received_objects(exchange.payload)
    documents: list[NewDocument] = []
    signature: bytes | None = None
    signed: list[ManifestEntry] = []
    for entry in request.document_entries:
        content = _content(request, entry.entry_uuid)
        if entry.is_signature:
            signature = content  # kept with the submission set, not listed as a document
            continue
        signed.append(ManifestEntry((entry.unique_id or "").strip(), content))
        documents.append(
            new_document(
                entry,
                content,
                replaces=replaced.get(entry.entry_uuid),
                received=received.get(entry.entry_uuid),
            )
        )
    _check_signature(exchange, signature, signed)
    return NewSubmission(
        patient=patient,
        entry_uuid=submission_set.entry_uuid,
        unique_id=(submission_set.unique_id or "").strip(),
        source_id=(submission_set.source_id or "").strip(),
        documents=tuple(documents),
        authors=tuple(author_info(a) for a in submission_set.authors),
        content_type_code=coded(submission_set.content_type_code),
        title=submission_set.title,
        submission_time=time_of(submission_set.submission_time),
        signature=signature,
        wire_metadata=received.get(submission_set.entry_uuid)
        or submission_set_wire_metadata(submission_set),
    )


def _check_signature(
    exchange: Exchange, signature: bytes | None, documents: Sequence[ManifestEntry]
) -> None:
    options = exchange.options
    if signature is None:
        if options.kit_mode:
            logger.warning("kit mode: submission without XAdES signature document accepted")
            return
        raise DmpRefusal(
            DmpErrorCode.REGISTRY_METADATA_ERROR,
            message="La signature XAdES du lot de soumission est absente.",
            detail="no DocumentEntry of class urn:oid:1.3.6.1.4.1.19376.1.2.1.1.1",
            field="Signature",
        )
    try:
        if options.kit_mode:
            verify_submission_signature(signature, foreign_signature=True)
        else:
            verify_submission_signature(
                signature,
                documents=documents,
                trusted_cas=options.trusted_cas,
                now=options.clock(),
            )
    except TrustError as exc:
        if options.kit_mode:
            logger.warning("kit mode: XAdES signature not verified (%s)", type(exc).__name__)
            return
        raise DmpRefusal(
            DmpErrorCode.REGISTRY_METADATA_ERROR,
            message=f"Signature XAdES du lot de soumission refusée : {exc.message}",
            detail=exc.detail,
            field="Signature",
        ) from exc


# --- TD3.2 ------------------------------------------------------------------------------


def retrieve(exchange: Exchange) -> Answer:
    """TD3.2 / ITI-43: the requested documents as MTOM attachments."""
    try:
        request = iti43.decode_request(exchange.payload)
    except XdsError as exc:
        return _retrieve_answer([format_error(exc, DmpErrorCode.INVALID_REQUEST)], [])
    failures = iti43.validate_request(request, exchange.options.validation)
    errors = [f.to_registry_error() for f in failures]
    if any(e.severity == ErrorSeverity.ERROR for e in errors):
        return _retrieve_answer(errors, [])
    caller = exchange.caller
    found: list[RetrievedDocument] = []
    try:
        patient = exchange.patient()
    except DmpRefusal as refusal:
        return _retrieve_answer([registry_error(refusal)], [])
    for wanted in request.documents:
        try:
            result = exchange.service.retrieve(
                caller.actor,
                patient,
                wanted.document_unique_id,
                repository_unique_id=wanted.repository_unique_id,
                access_mode=caller.access_mode,
            )
        except DmpRefusal as refusal:
            errors.append(registry_error(refusal))
            continue
        found.append(
            RetrievedDocument(
                repository_unique_id=result.record.repository_unique_id,
                document_unique_id=result.record.unique_id,
                mime_type=result.record.mime_type,
                data=result.content,
                home_community_id=wanted.home_community_id,
            )
        )
    return _retrieve_answer(errors, found)


def _retrieve_answer(
    errors: Sequence[RegistryError], documents: Sequence[RetrievedDocument]
) -> Answer:
    failed = any(e.severity == ErrorSeverity.ERROR for e in errors)
    if not failed:
        status = ResponseStatus.SUCCESS
    elif documents:
        status = ResponseStatus.PARTIAL_SUCCESS
    else:
        status = ResponseStatus.FAILURE
    response = RetrieveDocumentSetResponse(
        RegistryResponse(status, tuple(errors)), tuple(documents)
    )
    attachments: list[Attachment] = []
    mime_types = {d.document_unique_id: d.mime_type for d in documents}

    def attach(document: XdsDocument) -> etree._Element:
        attachment = Attachment.create(document.data, mime_types.get(document.id, "text/xml"))
        attachments.append(attachment)
        return xop_include(attachment)

    payload = iti43.encode_response(response, attach=attach)
    return Answer(payload, tuple(attachments), mtom=True)
