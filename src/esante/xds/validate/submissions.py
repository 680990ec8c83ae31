"""Validators of the submitting transactions: ITI-41 (TD2.1) and ITI-57 (TD3.3a-d).

Each returns every :class:`~esante.xds.validate.messages.ValidationFailure` found (empty
when valid) and never raises for bad content. The DMP client calls them before sending,
the sandbox on receipt (turning failures into RegistryErrors):

* ITI-41: submission set + entries (CI-SIS required attributes by default), patient
  consistency, membership, documents present, hash/size against the bytes, unique ids
  not reused, associations well formed (RPLC targets are entryUUIDs).
* ITI-57: entry versions (``lid`` + HasMember ``PreviousVersion``) and
  UpdateAvailabilityStatus changes allowed by the DMP (archive, unarchive, delete).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import Final

from esante.xds.metadata import Association, DocumentEntry, SubmissionSet
from esante.xds.requests import ProvideAndRegisterDocumentSet, UpdateDocumentSet
from esante.xds.validate.checks import (
    check_content,
    check_entry_values,
    check_required_entry,
    check_required_submission_set,
    check_submission_set_values,
    is_uuid_urn,
)
from esante.xds.validate.context import DEFAULT_CONTEXT, ValidationContext
from esante.xds.validate.messages import ValidationFailure, ValidationMessage, failure
from esante.xds.vocabulary import DOCUMENT_RELATIONSHIPS, AssociationType, AvailabilityStatus

M = ValidationMessage


# --- shared pieces ------------------------------------------------------------------------


def _submission_set(
    submission_set: SubmissionSet, context: ValidationContext
) -> Iterator[ValidationFailure]:
    where = f"SubmissionSet[{submission_set.entry_uuid}]"
    yield from check_required_submission_set(submission_set, context.submission_set_required, where)
    yield from check_submission_set_values(submission_set, where, context.code_checker)
    if (
        submission_set.patient_id is not None
        and context.patient_known is not None
        and not context.patient_known(submission_set.patient_id)
    ):
        yield failure(M.UNKNOWN_PATIENT, where, value=submission_set.patient_id.to_hl7())


def _entry(
    entry: DocumentEntry, submission_set: SubmissionSet, context: ValidationContext
) -> Iterator[ValidationFailure]:
    where = f"DocumentEntry[{entry.entry_uuid}]"
    yield from check_required_entry(entry, context.entry_required, where)
    yield from check_entry_values(entry, where, context.code_checker)
    expected = submission_set.patient_id
    if (
        entry.patient_id is not None
        and expected is not None
        and not entry.patient_id.same_as(expected)
    ):
        yield failure(
            M.PATIENT_ID_MISMATCH,
            where,
            value=entry.patient_id.to_hl7(),
            expected=expected.to_hl7(),
        )


def _ids(
    submission_set: SubmissionSet,
    entries: Sequence[DocumentEntry],
    associations: Sequence[Association],
) -> Iterator[ValidationFailure]:
    counts = Counter(
        [submission_set.entry_uuid, *(e.entry_uuid for e in entries)]
        + [a.entry_uuid for a in associations]
    )
    for object_id, count in counts.items():
        if count > 1:
            yield failure(M.DUPLICATE_ENTRY_ID, f"[{object_id}]", value=object_id)


def _unique_ids(
    submission_set: SubmissionSet, entries: Sequence[DocumentEntry], context: ValidationContext
) -> Iterator[ValidationFailure]:
    seen: set[str] = set()
    for entry in entries:
        if not entry.unique_id:
            continue
        where = f"DocumentEntry[{entry.entry_uuid}]"
        if entry.unique_id in seen or (
            context.unique_id_used is not None and context.unique_id_used(entry.unique_id)
        ):
            yield failure(M.DUPLICATE_UNIQUE_ID, where, value=entry.unique_id)
        seen.add(entry.unique_id)
    if (
        submission_set.unique_id
        and context.unique_id_used is not None
        and context.unique_id_used(submission_set.unique_id)
    ):
        where = f"SubmissionSet[{submission_set.entry_uuid}]"
        yield failure(M.DUPLICATE_UNIQUE_ID, where, value=submission_set.unique_id)


def _members(
    submission_set: SubmissionSet,
    entries: Sequence[DocumentEntry],
    associations: Sequence[Association],
    *,
    update: bool,
) -> Iterator[ValidationFailure]:
    members = {
        a.target: a
        for a in associations
        if a.association_type == AssociationType.HAS_MEMBER
        and a.source == submission_set.entry_uuid
    }
    for entry in entries:
        where = f"DocumentEntry[{entry.entry_uuid}]"
        membership = members.get(entry.entry_uuid)
        if membership is None:
            yield failure(M.NOT_A_MEMBER, where)
            continue
        association_where = f"Association[{membership.entry_uuid}]"
        if membership.submission_set_status is None:
            yield failure(M.MISSING_SUBMISSION_SET_STATUS, association_where)
        if update and not membership.previous_version:
            yield failure(M.UPDATE_MISSING_PREVIOUS_VERSION, association_where)


def _references(
    associations: Iterable[Association], known: set[str], allowed: frozenset[str]
) -> Iterator[ValidationFailure]:
    for association in associations:
        where = f"Association[{association.entry_uuid}]"
        if str(association.association_type) not in allowed:
            yield failure(M.INVALID_ASSOCIATION, where, value=str(association.association_type))
            continue
        dangling = False
        for attribute, ref in (
            ("sourceObject", association.source),
            ("targetObject", association.target),
        ):
            if ref not in known and not is_uuid_urn(ref):
                dangling = True
                yield failure(M.DANGLING_ASSOCIATION, where, attribute=attribute, value=ref)
        replaces = association.association_type in (
            AssociationType.REPLACE,
            AssociationType.TRANSFORM_REPLACE,
        )
        if replaces and not dangling and not is_uuid_urn(association.target):
            yield failure(
                M.INVALID_ENTRY_UUID, where, attribute="targetObject", value=association.target
            )


# --- ITI-41 -------------------------------------------------------------------------------

_ITI41_ASSOCIATIONS: Final = frozenset(
    {str(AssociationType.HAS_MEMBER), *(str(t) for t in DOCUMENT_RELATIONSHIPS)}
)


def validate_provide_and_register(
    request: ProvideAndRegisterDocumentSet, context: ValidationContext = DEFAULT_CONTEXT
) -> list[ValidationFailure]:
    """Every failure of an ITI-41 Provide and Register Document Set-b request."""
    ss, entries, associations = (
        request.submission_set,
        request.document_entries,
        request.associations,
    )
    found = list(_submission_set(ss, context))
    for entry in entries:
        found += _entry(entry, ss, context)
    found += _ids(ss, entries, associations)
    found += _unique_ids(ss, entries, context)
    found += _members(ss, entries, associations, update=False)
    known = {ss.entry_uuid, *(e.entry_uuid for e in entries)}
    found += _references(associations, known, _ITI41_ASSOCIATIONS)
    matched: set[str] = set()
    for entry in entries:
        where = f"DocumentEntry[{entry.entry_uuid}]"
        document = request.document(entry.entry_uuid)
        if document is None:
            found.append(failure(M.MISSING_DOCUMENT, where))
            continue
        matched.add(document.id)
        if document.id != entry.entry_uuid:
            found.append(failure(M.DOCUMENT_ID_CASE, where, value=document.id))
        found += check_content(entry, document.data, where)
    for document in request.documents:
        if document.id not in matched:
            found.append(
                failure(M.MISSING_DOCUMENT_METADATA, f"Document[{document.id}]", value=document.id)
            )
    return context.adjust(found)


# --- ITI-57 -------------------------------------------------------------------------------

_ITI57_ASSOCIATIONS: Final = frozenset(
    {str(AssociationType.HAS_MEMBER), str(AssociationType.UPDATE_AVAILABILITY_STATUS)}
)


def _status_value(value: object) -> AvailabilityStatus | None:
    try:
        return AvailabilityStatus(str(value))
    except ValueError:
        return None


def validate_update_document_set(
    request: UpdateDocumentSet, context: ValidationContext = DEFAULT_CONTEXT
) -> list[ValidationFailure]:
    """Every failure of an ITI-57 Update Document Set request (DMP TD3.3a-d)."""
    ss, entries, associations = (
        request.submission_set,
        request.document_entries,
        request.associations,
    )
    found = list(_submission_set(ss, context))
    changes = [
        a for a in associations if a.association_type == AssociationType.UPDATE_AVAILABILITY_STATUS
    ]
    if not entries and not changes:
        found.append(failure(M.UPDATE_EMPTY, f"SubmissionSet[{ss.entry_uuid}]"))
    for entry in entries:
        found += _entry(entry, ss, context)
        if not (entry.logical_id and is_uuid_urn(entry.logical_id)):
            found.append(failure(M.UPDATE_MISSING_LOGICAL_ID, f"DocumentEntry[{entry.entry_uuid}]"))
    found += _ids(ss, entries, associations)
    found += _members(ss, entries, associations, update=True)
    known = {ss.entry_uuid, *(e.entry_uuid for e in entries)}
    found += _references(associations, known, _ITI57_ASSOCIATIONS)
    for change in changes:
        where = f"Association[{change.entry_uuid}]"
        if change.target in known and not is_uuid_urn(change.target):
            found.append(
                failure(M.INVALID_ENTRY_UUID, where, attribute="targetObject", value=change.target)
            )
        original, new = _status_value(change.original_status), _status_value(change.new_status)
        for attribute, raw, parsed in (
            ("OriginalStatus", change.original_status, original),
            ("NewStatus", change.new_status, new),
        ):
            if parsed is None:
                found.append(
                    failure(M.UPDATE_INVALID_STATUS, where, attribute=attribute, value=str(raw))
                )
        if original and new and (original, new) not in context.status_transitions:
            found.append(
                failure(
                    M.UPDATE_FORBIDDEN_TRANSITION, where, value=str(original), expected=str(new)
                )
            )
    return context.adjust(found)
