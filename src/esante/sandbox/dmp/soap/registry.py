"""The ``registry`` service: TD3.1 (ITI-18 Registry Stored Query) and TD3.3a-d (ITI-57).

TD3.1. The raw ``AdhocQuery`` is checked by the ITI-18 validator (unknown query,
missing or repeated parameter, bad syntax → ``RegistryError``) before being typed.
The patient of the query must be the patient of the VIHF.

* ``FindDocuments`` → :meth:`DmpService.find_documents` with every filter the DMP offers
  (status, class, type, format, practice setting, facility type, event codes,
  confidentiality/visibility codes, author, creation and service dates). What the core
  query takes as one OR-list is passed to it; further AND-groups of event or
  confidentiality codes, and author patterns with wildcards in the identifier, are
  applied here to the rows it returned (same patient, already narrowed). The rows come
  without the entries as received (``wire_metadata``, most of their bytes): the answer is
  spliced from cached encodings, and only the entries not cached yet are read back, in
  one query.
* ``GetDocuments`` (TD3.1b) → :meth:`DmpService.get_documents`: ``LeafClass`` is the
  metadata search, ``ObjectRef`` the reference lookup every profile may make.
* ``FindSubmissionSets`` and ``GetAssociations`` (the DMP's way of searching by
  submission time, dmp-kit ``notes-recherche-documents.md`` §8) are answered from the
  documents the caller may see: the sets they belong to, and the ``HasMember``
  associations from those sets to their current versions.

TD3.3a-d. The ITI-57 ``SubmitObjectsRequest`` is validated (versions, transitions),
then each change applied through the service: an ``UpdateAvailabilityStatus``
association → :meth:`DmpService.change_status` (delete, archive, unarchive); a new entry
version → :meth:`DmpService.update_visibility` with its visibility codes (mask / unmask,
visibility to the patient or the legal representatives), after checking that its
``PreviousVersion`` is the registry's current one (``XDSMetadataVersionError``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from lxml import etree
from sqlalchemy import select

from esante.sandbox.dmp.codes import DmpErrorCode
from esante.sandbox.dmp.errors import DmpRefusal
from esante.sandbox.dmp.models import DmpDocument, DmpSubmissionSet
from esante.sandbox.dmp.records import DocumentQuery, DocumentRecord, PatientIns
from esante.sandbox.dmp.soap.exchange import Answer, Exchange
from esante.sandbox.dmp.soap.metadata import (
    document_entry,
    encoded_records,
    patient_identifier,
    patient_of,
    received_submission_set,
    time_of,
)
from esante.sandbox.dmp.soap.repository import format_error, registry_answer, registry_error
from esante.xds import (
    Association,
    AssociationType,
    AvailabilityStatus,
    Code,
    DocumentEntry,
    ErrorCode,
    FindDocuments,
    FindSubmissionSets,
    GetAssociations,
    GetDocuments,
    QueryResponse,
    RegistryError,
    ResponseStatus,
    ReturnType,
    SubmissionSet,
    SubmissionSetStatus,
    XdsError,
    format_dtm,
    iti18,
    iti57,
)
from esante.xds.queries import from_adhoc
from esante.xds.vocabulary import (
    INVISIBLE_TO_LEGAL_REPRESENTATIVES,
    INVISIBLE_TO_PATIENT,
    MASKED_TO_PROFESSIONALS,
    NS_QUERY,
    NS_RIM,
    NSMAP,
    ErrorSeverity,
)

_ENTRIES_MARK = "esante-entries"
_ALL_STATUSES = frozenset(AvailabilityStatus) - {AvailabilityStatus.SUBMITTED}
_ASSOCIATION_NAMESPACE = uuid.UUID("5f0c3a8e-2f55-4a52-9b1c-6e0d1a7d3c21")


def _query_answer(
    errors: Sequence[RegistryError],
    *,
    entries: Sequence[DocumentEntry] = (),
    submission_sets: Sequence[SubmissionSet] = (),
    associations: Sequence[Association] = (),
    references: Sequence[str] = (),
) -> Answer:
    failed = any(e.severity == ErrorSeverity.ERROR for e in errors)
    found = len(entries) + len(submission_sets) + len(associations) + len(references)
    response = QueryResponse(
        status=ResponseStatus.FAILURE if failed else ResponseStatus.SUCCESS,
        errors=tuple(errors),
        document_entries=tuple(entries),
        submission_sets=tuple(submission_sets),
        associations=tuple(associations),
        references=tuple(references),
        # as the DMP's TD3.1 answer: the whole result from index 0 (no paging)
        start_index=None if failed else 0,
        total_result_count=None if failed else found,
    )
    return Answer(iti18.encode_response(response))


# --- TD3.1 --------------------------------------------------------------------------------


def stored_query(exchange: Exchange) -> Answer:
    """TD3.1 / ITI-18 (see the module docstring)."""
    try:
        adhoc, return_type = iti18.decode_raw_request(exchange.payload)
    except XdsError as exc:
        return _query_answer([format_error(exc, DmpErrorCode.INVALID_REQUEST)])
    failures = iti18.validate_request(adhoc, exchange.options.validation)
    errors = [f.to_registry_error() for f in failures]
    if any(e.severity == ErrorSeverity.ERROR for e in errors):
        return _query_answer(errors)
    try:
        query = from_adhoc(adhoc)
        if isinstance(query, FindDocuments):
            records = _find_documents(exchange, query)
            return _documents(exchange, errors, records, return_type)
        if isinstance(query, GetDocuments):
            found = exchange.service.get_documents(
                exchange.caller.actor,
                exchange.patient(),
                unique_ids=tuple(query.unique_ids),
                entry_uuids=tuple(query.entry_uuids),
                metadata=return_type == ReturnType.LEAF_CLASS,
                access_mode=exchange.caller.access_mode,
            )
            return _documents(exchange, errors, found, return_type)
        if isinstance(query, FindSubmissionSets):
            return _submission_sets(exchange, query, errors, return_type)
        return _associations(exchange, query, errors)
    except DmpRefusal as refusal:
        return _query_answer([*errors, registry_error(refusal)])
    except XdsError as exc:
        return _query_answer([*errors, format_error(exc, DmpErrorCode.INVALID_REQUEST)])


def _documents(
    exchange: Exchange,
    errors: Sequence[RegistryError],
    records: Sequence[DocumentRecord],
    return_type: ReturnType,
) -> Answer:
    if return_type == ReturnType.OBJECT_REF:
        return _query_answer(errors, references=[r.entry_uuid for r in records])
    if errors:
        complete = _with_wire_metadata(exchange, records)
        return _query_answer(errors, entries=[document_entry(r) for r in complete])
    # The common answer, spliced from the cached encoding of each entry.
    response = etree.Element(f"{{{NS_QUERY}}}AdhocQueryResponse", nsmap=NSMAP)
    response.set("status", ResponseStatus.SUCCESS)
    # as the DMP's TD3.1 answer: the whole result from index 0 (no paging)
    response.set("startIndex", "0")
    response.set("totalResultCount", str(len(records)))
    object_list = etree.SubElement(response, f"{{{NS_RIM}}}RegistryObjectList")
    object_list.append(etree.Comment(_ENTRIES_MARK))
    head = etree.tostring(response, encoding="UTF-8")
    marker = f"<!--{_ENTRIES_MARK}-->".encode()
    before, after = head.split(marker, 1)
    entries = encoded_records(records, lambda uuids: _received_entries(exchange, uuids))
    return Answer(b"".join([before, *entries, after]))  # one copy of the ~1 MiB answer


def _received_entries(exchange: Exchange, entry_uuids: Sequence[str]) -> dict[str, str | None]:
    """entryUUID → the entry as received, for documents searched without it."""
    rows = exchange.session.execute(
        select(DmpDocument.entry_uuid, DmpDocument.wire_metadata).where(
            DmpDocument.entry_uuid.in_(entry_uuids)
        )
    )
    return {entry_uuid: wire for entry_uuid, wire in rows}


def _with_wire_metadata(
    exchange: Exchange, records: Sequence[DocumentRecord]
) -> list[DocumentRecord]:
    """``records`` with their entries as received (read back for those searched without)."""
    unread = [r.entry_uuid for r in records if r.wire_metadata is None]
    if not unread:
        return list(records)
    wire = _received_entries(exchange, unread)
    return [
        r if r.wire_metadata is not None else replace(r, wire_metadata=wire.get(r.entry_uuid))
        for r in records
    ]


def _statuses(values: Iterable[AvailabilityStatus | str]) -> frozenset[AvailabilityStatus]:
    found: set[AvailabilityStatus] = set()
    for value in values:
        try:
            found.add(AvailabilityStatus(str(value)))
        except ValueError:
            continue  # an unknown status matches nothing
    return frozenset(found)


def _codes(values: Sequence[Code]) -> tuple[str, ...]:
    return tuple(c.code for c in values)


@dataclass(frozen=True)
class _AuthorPattern:
    """An ``$XDSDocumentEntryAuthorPerson`` value: an XCN with SQL LIKE wildcards."""

    pattern: str

    @property
    def exact_id(self) -> str | None:
        head = self.pattern.split("^", 1)[0]
        if head and "%" not in head and "_" not in head:
            return head
        return None

    def regex(self) -> re.Pattern[str]:
        parts = [".*" if c == "%" else "." if c == "_" else re.escape(c) for c in self.pattern]
        return re.compile("^" + "".join(parts) + "$", re.S)


def _find_documents(exchange: Exchange, query: FindDocuments) -> list[DocumentRecord]:
    patient = exchange.same_patient(patient_of(query.patient_id), "$XDSDocumentEntryPatientId")
    patterns = [_AuthorPattern(p) for p in query.author_persons]
    exact = [p.exact_id for p in patterns]
    event_groups = [_codes(g) for g in query.event_codes]
    confidentiality_groups = [_codes(g) for g in query.confidentiality_codes]
    core_query = DocumentQuery(
        statuses=_statuses(query.statuses),
        class_codes=_codes(query.class_codes),
        type_codes=_codes(query.type_codes),
        format_codes=_codes(query.format_codes),
        practice_setting_codes=_codes(query.practice_setting_codes),
        healthcare_facility_type_codes=_codes(query.healthcare_facility_type_codes),
        event_codes=event_groups[0] if event_groups else (),
        confidentiality=confidentiality_groups[0] if confidentiality_groups else (),
        author_ids=tuple(i for i in exact if i) if all(exact) else (),
        creation_from=time_of(query.creation_time_from),
        creation_to=time_of(query.creation_time_to),
        service_start_from=time_of(query.service_start_time_from),
        service_start_to=time_of(query.service_start_time_to),
        service_stop_from=time_of(query.service_stop_time_from),
        service_stop_to=time_of(query.service_stop_time_to),
    )
    caller = exchange.caller
    records = list(
        exchange.service.find_documents(
            caller.actor,
            patient,
            core_query,
            access_mode=caller.access_mode,
            wire_metadata=False,
        )
    )
    for group in event_groups[1:]:
        records = [r for r in records if set(group) & {e.code for e in r.event_codes}]
    for group in confidentiality_groups[1:]:
        records = [r for r in records if set(group) & _confidentiality_codes(r)]
    if patterns and not all(exact):
        regexes = [p.regex() for p in patterns]
        records = _with_wire_metadata(exchange, records)
        records = [r for r in records if _authored_by(r, regexes)]
    return records


def _confidentiality_codes(record: DocumentRecord) -> set[str]:
    codes = {record.confidentiality_code.code} if record.confidentiality_code else set()
    for on, code in (
        (record.masked, MASKED_TO_PROFESSIONALS),
        (record.invisible_to_patient, INVISIBLE_TO_PATIENT),
        (record.invisible_to_legal_representatives, INVISIBLE_TO_LEGAL_REPRESENTATIVES),
    ):
        if on:
            codes.add(code)
    return codes


def _authored_by(record: DocumentRecord, regexes: Sequence[re.Pattern[str]]) -> bool:
    entry = document_entry(record)
    people = [a.person.to_hl7() for a in entry.authors if a.person is not None]
    return any(r.match(p) for r in regexes for p in people)


def _visible_records(exchange: Exchange, patient: PatientIns) -> list[DocumentRecord]:
    caller = exchange.caller
    return list(
        exchange.service.find_documents(
            caller.actor,
            patient,
            DocumentQuery(statuses=_ALL_STATUSES),
            access_mode=caller.access_mode,
            wire_metadata=False,
        )
    )


def _submission_sets(
    exchange: Exchange,
    query: FindSubmissionSets,
    errors: Sequence[RegistryError],
    return_type: ReturnType,
) -> Answer:
    patient = exchange.same_patient(patient_of(query.patient_id), "$XDSSubmissionSetPatientId")
    caller = exchange.caller
    records = exchange.service.find_documents(
        caller.actor,
        patient,
        DocumentQuery(
            statuses=_ALL_STATUSES,
            submission_from=time_of(query.submission_time_from),
            submission_to=time_of(query.submission_time_to),
        ),
        access_mode=caller.access_mode,
        wire_metadata=False,
    )
    sets: dict[str, SubmissionSet] = {}
    for record in records:
        uuid_ = record.submission_set_entry_uuid
        if uuid_ in sets:
            continue
        sets[uuid_] = _submission_set(exchange, record, patient)
    wanted = _statuses(query.statuses)
    chosen = [s for s in sets.values() if not wanted or AvailabilityStatus.APPROVED in wanted]
    if return_type == ReturnType.OBJECT_REF:
        return _query_answer(errors, references=[s.entry_uuid for s in chosen])
    return _query_answer(errors, submission_sets=chosen)


def _submission_set(
    exchange: Exchange, record: DocumentRecord, patient: PatientIns
) -> SubmissionSet:
    row = exchange.session.scalars(
        select(DmpSubmissionSet).where(
            DmpSubmissionSet.entry_uuid == record.submission_set_entry_uuid
        )
    ).one_or_none()
    received = None
    if row is not None and row.wire_metadata:
        received = received_submission_set(row.wire_metadata)
    base = received or SubmissionSet(entry_uuid=record.submission_set_entry_uuid)
    return replace(
        base,
        entry_uuid=record.submission_set_entry_uuid,
        unique_id=base.unique_id or (row.unique_id if row is not None else None),
        source_id=base.source_id or (row.source_id if row is not None else None),
        submission_time=format_dtm(
            row.submission_time if row is not None else record.submission_time
        ),
        patient_id=patient_identifier(patient),
        availability_status=AvailabilityStatus.APPROVED,
    )


def _associations(
    exchange: Exchange, query: GetAssociations, errors: Sequence[RegistryError]
) -> Answer:
    wanted = set(query.uuids)
    links: list[Association] = []
    for record in _visible_records(exchange, exchange.patient()):
        source = record.submission_set_entry_uuid
        if source in wanted or record.entry_uuid in wanted:
            links.append(
                Association(
                    entry_uuid=_association_id(source, record.entry_uuid),
                    association_type=AssociationType.HAS_MEMBER,
                    source=source,
                    target=record.entry_uuid,
                    submission_set_status=SubmissionSetStatus.ORIGINAL,
                    availability_status=AvailabilityStatus.APPROVED,
                )
            )
    return _query_answer(errors, associations=links)


def _association_id(source: str, target: str) -> str:
    """A stable id for the derived HasMember association ``source → target``."""
    return f"urn:uuid:{uuid.uuid5(_ASSOCIATION_NAMESPACE, source + target)}"


# --- TD3.3a-d -----------------------------------------------------------------------------


def update_document_set(exchange: Exchange) -> Answer:
    """TD3.3a-d / ITI-57 (see the module docstring)."""
    try:
        request = iti57.decode_request(exchange.payload)
    except XdsError as exc:
        return registry_answer([format_error(exc, DmpErrorCode.METADATA_UPDATE_ERROR)])
    failures = iti57.validate_request(request, exchange.options.validation)
    errors = [f.to_registry_error() for f in failures]
    if any(e.severity == ErrorSeverity.ERROR for e in errors):
        return registry_answer(errors)
    caller = exchange.caller
    service = exchange.service
    try:
        submission_set = request.submission_set
        patient = (
            exchange.same_patient(patient_of(submission_set.patient_id), "SubmissionSet.patientId")
            if submission_set.patient_id is not None
            else exchange.patient()
        )
        previous = {
            a.target: a.previous_version
            for a in request.associations
            if a.association_type == AssociationType.HAS_MEMBER
        }
        for association in request.associations:
            if association.association_type != AssociationType.UPDATE_AVAILABILITY_STATUS:
                continue
            service.change_status(
                caller.actor,
                patient,
                association.target,
                AvailabilityStatus(str(association.new_status)),
                original_status=AvailabilityStatus(str(association.original_status)),
                access_mode=caller.access_mode,
            )
        for entry in request.document_entries:
            version_error = _version_error(exchange, patient, entry, previous.get(entry.entry_uuid))
            if version_error is not None:
                return registry_answer([*errors, version_error])
            service.update_visibility(
                caller.actor,
                patient,
                entry.logical_id or entry.entry_uuid,
                masked=entry.masked_to_professionals,
                invisible_to_patient=entry.invisible_to_patient,
                invisible_to_legal_representatives=entry.invisible_to_legal_representatives,
                new_entry_uuid=entry.entry_uuid
                if entry.entry_uuid.startswith("urn:uuid:")
                else None,
                access_mode=caller.access_mode,
            )
    except DmpRefusal as refusal:
        return registry_answer([*errors, registry_error(refusal)])
    except ValueError as exc:
        return registry_answer(
            [
                *errors,
                RegistryError(
                    DmpErrorCode.METADATA_UPDATE_ERROR.value,
                    "Statut de disponibilité inconnu.",
                    location=str(exc)[:200],
                ),
            ]
        )
    return registry_answer(errors)


def _version_error(
    exchange: Exchange, patient: PatientIns, entry: DocumentEntry, previous: str | None
) -> RegistryError | None:
    """``XDSMetadataVersionError`` when ``previous`` is not the current version."""
    if not entry.unique_id or previous is None:
        return None
    current = exchange.admin.document(patient, entry.unique_id.strip())
    if current is None or str(current.version) == previous.strip():
        return None  # an unknown document is refused by the service, with its own code
    return RegistryError(
        ErrorCode.METADATA_VERSION_ERROR.value,
        "Le document a été modifié entre-temps : relancez la recherche avant de le modifier.",
        location=f"DocumentEntry[{entry.entry_uuid}]",
    )
