"""Validators report each broken rule with the XDS error code the registry would answer."""

from __future__ import annotations

import dataclasses

import pytest

from esante.xds import (
    AvailabilityStatus,
    Code,
    Document,
    DocumentRequest,
    ErrorCode,
    ErrorSeverity,
    Identifier,
    QueryResponse,
    RegistryResponse,
    ResponseStatus,
    RetrieveDocumentSetRequest,
    UpdateDocumentSet,
    ValidationContext,
    ValidationMessage,
    XdsValidationError,
    has_member,
    iti41,
    mask_to_professionals,
    raise_for_failures,
)
from esante.xds.queries import AdhocQuery, QueryParameter
from esante.xds.updates import change_status
from esante.xds.validate import (
    terminology_code_checker,
    validate_provide_and_register,
    validate_query_request,
    validate_query_response,
    validate_retrieve_request,
    validate_update_document_set,
)
from esante.xds.validate.context import IHE_SUBMITTED_ENTRY
from esante.xds.vocabulary import StoredQueryId
from tests.unit.xds import samples
from tests.unit.xds.dmp_messages import attachments, body

NO_CODES = ValidationContext(code_checker=None)


def codes(failures) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.error_code for f in failures]


def iti41_failures(context: ValidationContext = NO_CODES, **changes: object):  # type: ignore[no-untyped-def]
    return validate_provide_and_register(samples.provide_and_register(**changes), context)


def with_entry(**changes: object) -> dict[str, object]:
    return {"document_entries": (samples.entry(**changes),)}


def test_the_sample_submission_is_valid_even_with_code_checks() -> None:
    assert validate_provide_and_register(samples.provide_and_register()) == []


def test_missing_unique_id() -> None:
    (found,) = iti41_failures(**with_entry(unique_id=None))
    assert found.message is ValidationMessage.MISSING_ATTRIBUTE
    assert found.error_code == "XDSRegistryMetadataError"
    assert found.location == "DocumentEntry[Document01]"
    assert found.french == "Métadonnée obligatoire absente : uniqueId."
    assert "required attribute uniqueId" in found.technical


def test_wrong_hash_and_size() -> None:
    failures = iti41_failures(**with_entry(hash="0" * 40, size=1))
    assert codes(failures) == ["XDSNonIdenticalHash", "XDSNonIdenticalSize"]
    assert codes(iti41_failures(**with_entry(hash="not-a-sha1"))) == ["XDSRepositoryMetadataError"]


def test_hash_and_size_may_be_left_to_the_repository() -> None:
    assert iti41_failures(**with_entry(hash=None, size=None)) == []


def test_unknown_class_code_with_the_terminology_checker() -> None:
    bad = Code("77", "1.2.250.1.213.1.1.4.1", "Inventé")
    failures = iti41_failures(ValidationContext(), **with_entry(class_code=bad))
    (found,) = failures
    assert found.message is ValidationMessage.UNKNOWN_CODE
    assert found.error_code == "XDSRegistryMetadataError"
    assert "classCode" in found.french
    assert "J06" in found.french
    # the check is pluggable: no checker, no code check; a custom checker decides
    assert iti41_failures(**with_entry(class_code=bad)) == []
    strict = ValidationContext(code_checker=lambda attribute, code: code.code != "SA07")
    assert [f.args["attribute"] for f in iti41_failures(strict)] == ["healthcareFacilityTypeCode"]
    tolerant = ValidationContext(tolerate_unknown_codes=True)
    (warning,) = iti41_failures(tolerant, **with_entry(class_code=bad))
    assert warning.severity is ErrorSeverity.WARNING
    raise_for_failures([warning])  # warnings do not stop a submission


def test_terminology_checker_answers() -> None:
    assert terminology_code_checker("classCode", Code("11", "1.2.250.1.213.1.1.4.1")) is True
    assert terminology_code_checker("classCode", Code("11", "9.9.9")) is False
    assert terminology_code_checker("eventCodeList", Code("H33", "2.16.840.1.113883.6.3")) is None
    # J10 is shipped in part: an unknown formatCode cannot be judged
    assert terminology_code_checker("formatCode", Code("urn:x", "1.3.6.1.4.1.19376.1.2.3")) is None


def test_code_without_coding_scheme() -> None:
    (found,) = iti41_failures(**with_entry(type_code=Code("SYNTH", "")))
    assert found.message is ValidationMessage.MISSING_CODING_SCHEME


def test_patient_consistency_and_knowledge() -> None:
    other = Identifier("123456789012345", "1.2.250.1.213.1.4.8", "NH")
    assert codes(iti41_failures(**with_entry(patient_id=other))) == ["XDSPatientIdDoesNotMatch"]
    unknown = ValidationContext(code_checker=None, patient_known=lambda patient: False)
    assert codes(iti41_failures(unknown)) == ["XDSUnknownPatientId"]
    malformed = Identifier("277076322082910", "not-an-oid", "NH")
    found = iti41_failures(**with_entry(source_patient_id=malformed))
    assert [f.message for f in found] == [ValidationMessage.INVALID_PATIENT_ID]


def test_formats_of_ids_and_times() -> None:
    found = iti41_failures(
        submission_set=samples.submission_set(source_id="1.2.abc"),
        **with_entry(unique_id="1.2.3^" + "x" * 17, creation_time="2024-01-05"),
    )
    assert [f.message for f in found] == [
        ValidationMessage.INVALID_OID,
        ValidationMessage.INVALID_UNIQUE_ID,
        ValidationMessage.INVALID_TIME,
    ]
    found = iti41_failures(
        **with_entry(service_start_time="20240107", service_stop_time="20240106")
    )
    assert [f.message for f in found] == [ValidationMessage.TIME_ORDER]


def test_duplicate_unique_ids() -> None:
    twin = samples.entry(entry_uuid="Document02")
    request = samples.provide_and_register(
        document_entries=(samples.entry(), twin),
        associations=(
            has_member("Association01", "SubmissionSet01", "Document01"),
            has_member("Association02", "SubmissionSet01", "Document02"),
        ),
        documents=(
            Document("Document01", samples.CONTENT),
            Document("Document02", samples.CONTENT),
        ),
    )
    assert codes(validate_provide_and_register(request, NO_CODES)) == [
        "XDSDuplicateUniqueIdInRegistry"
    ]
    known = ValidationContext(
        code_checker=None, unique_id_used={"1.2.250.1.999.1.1.7898.3.42"}.__contains__
    )
    assert codes(iti41_failures(known)) == ["XDSDuplicateUniqueIdInRegistry"]


def test_documents_and_metadata_must_pair() -> None:
    found = iti41_failures(documents=(Document("Document99", b"x"),))
    assert codes(found) == ["XDSMissingDocument", "XDSMissingDocumentMetadata"]
    assert found[1].location == "Document[Document99]"


def test_associations() -> None:
    found = iti41_failures(associations=())
    assert [f.message for f in found] == [ValidationMessage.NOT_A_MEMBER]
    dangling = has_member("Association01", "SubmissionSet01", "Nowhere")
    found = iti41_failures(
        associations=(has_member("A1", "SubmissionSet01", "Document01"), dangling)
    )
    assert [f.message for f in found] == [ValidationMessage.DANGLING_ASSOCIATION]
    rplc_symbolic = samples.replacement(target="SubmissionSet01")
    found = iti41_failures(
        associations=(*samples.provide_and_register().associations, rplc_symbolic)
    )
    assert [f.message for f in found] == [ValidationMessage.INVALID_ENTRY_UUID]
    assert (
        iti41_failures(
            associations=(*samples.provide_and_register().associations, samples.replacement())
        )
        == []
    )
    no_status = dataclasses.replace(
        samples.provide_and_register().associations[0], submission_set_status=None
    )
    found = iti41_failures(associations=(no_status,))
    assert [f.message for f in found] == [ValidationMessage.MISSING_SUBMISSION_SET_STATUS]
    status_change = change_status(
        "urn:uuid:fe5287a2-ae6a-11eb-8f5d-0050569e422e",
        original=AvailabilityStatus.APPROVED,
        new=AvailabilityStatus.DELETED,
        submission_set=samples.submission_set(),
        association_id="A9",
    ).associations[0]
    found = iti41_failures(
        associations=(*samples.provide_and_register().associations, status_change)
    )
    assert [f.message for f in found] == [ValidationMessage.INVALID_ASSOCIATION]


def test_cisis_required_attributes_beyond_ihe() -> None:
    found = iti41_failures(**with_entry(legal_authenticator=None, title=None, authors=()))
    assert [f.args["attribute"] for f in found] == ["author", "legalAuthenticator", "title"]
    ihe = ValidationContext(code_checker=None, entry_required=IHE_SUBMITTED_ENTRY)
    assert iti41_failures(ihe, **with_entry(legal_authenticator=None, title=None, authors=())) == []


def test_submission_set_requirements() -> None:
    found = iti41_failures(
        submission_set=samples.submission_set(content_type_code=None, authors=())
    )
    assert [f.args["attribute"] for f in found] == ["author", "contentTypeCode"]


def test_failures_become_an_exception_and_registry_errors() -> None:
    failures = iti41_failures(**with_entry(unique_id=None, hash="0" * 40))
    with pytest.raises(XdsValidationError) as caught:
        raise_for_failures(failures)
    error = caught.value
    assert error.failures == tuple(failures)
    assert error.message == "Métadonnée obligatoire absente : uniqueId. (et 1 autre(s) anomalie(s))"
    assert "XDSNonIdenticalHash" in (error.detail or "")
    registry_errors = tuple(f.to_registry_error() for f in failures)
    assert registry_errors[1].error_code == "XDSNonIdenticalHash"
    assert registry_errors[1].location == "DocumentEntry[Document01]"
    assert RegistryResponse.from_errors(registry_errors).status is ResponseStatus.FAILURE


def test_official_td21_request() -> None:
    name = "TD2.1_Alimentation_requete.xml"
    request = iti41.decode_request(body(name), attachments=attachments(name))
    found = iti41.validate_request(request)
    # 27899-4 left JDV_J07 since the example was written; the kit attaches "documentME2"
    # to the entry "DocumentME2" (accepted, with a warning)
    assert [(f.message, f.severity) for f in found] == [
        (ValidationMessage.UNKNOWN_CODE, ErrorSeverity.ERROR),
        (ValidationMessage.DOCUMENT_ID_CASE, ErrorSeverity.WARNING),
    ]
    assert found[0].args["value"] == "27899-4"
    tolerant = iti41.validate_request(request, ValidationContext(tolerate_unknown_codes=True))
    raise_for_failures(tolerant)


# --- ITI-57 -------------------------------------------------------------------------------


def test_entry_update_needs_lid_and_previous_version() -> None:
    request = mask_to_professionals(
        samples.registered_entry(), masked=True, submission_set=samples.submission_set()
    )
    assert validate_update_document_set(request, NO_CODES) == []
    (new,) = request.document_entries
    assert new.masked_to_professionals
    assert new.logical_id == samples.registered_entry().entry_uuid
    without_lid = UpdateDocumentSet(
        request.submission_set,
        (dataclasses.replace(new, logical_id=None),),
        request.associations,
    )
    assert codes(validate_update_document_set(without_lid, NO_CODES)) == ["XDSMetadataUpdateError"]
    without_version = UpdateDocumentSet(
        request.submission_set,
        request.document_entries,
        (dataclasses.replace(request.associations[0], previous_version=None),),
    )
    assert codes(validate_update_document_set(without_version, NO_CODES)) == [
        "XDSMetadataVersionError"
    ]
    with pytest.raises(XdsValidationError) as caught:
        mask_to_professionals(samples.entry(), masked=True, submission_set=samples.submission_set())
    assert caught.value.failures[0].error_code == ErrorCode.METADATA_VERSION_ERROR


def test_status_changes() -> None:
    def change(
        original: object, new: object, target: str = "urn:uuid:fe5287a2-ae6a-11eb-8f5d-0050569e422e"
    ):  # type: ignore[no-untyped-def]
        request = change_status(
            target,
            original=AvailabilityStatus.APPROVED,
            new=AvailabilityStatus.ARCHIVED,
            submission_set=samples.submission_set(),
        )
        association = dataclasses.replace(
            request.associations[0], original_status=original, new_status=new
        )
        return validate_update_document_set(
            dataclasses.replace(request, associations=(association,)), NO_CODES
        )

    assert change(AvailabilityStatus.APPROVED, AvailabilityStatus.ARCHIVED) == []
    assert change(AvailabilityStatus.ARCHIVED, AvailabilityStatus.DELETED) == []
    (forbidden,) = change(AvailabilityStatus.DELETED, AvailabilityStatus.APPROVED)
    assert forbidden.message is ValidationMessage.UPDATE_FORBIDDEN_TRANSITION
    assert forbidden.error_code == "XDSMetadataUpdateError"
    (unknown,) = change("urn:example:Lost", AvailabilityStatus.APPROVED)
    assert unknown.message is ValidationMessage.UPDATE_INVALID_STATUS
    symbolic = change(AvailabilityStatus.APPROVED, AvailabilityStatus.ARCHIVED, target="X1")
    assert [f.message for f in symbolic] == [ValidationMessage.DANGLING_ASSOCIATION]


def test_empty_update() -> None:
    empty = UpdateDocumentSet(samples.submission_set())
    assert codes(validate_update_document_set(empty, NO_CODES)) == ["XDSMetadataUpdateError"]


# --- ITI-18 -------------------------------------------------------------------------------

FIND = StoredQueryId.FIND_DOCUMENTS
PATIENT = "'277076322082910^^^&1.2.250.1.213.1.4.8&ISO^NH'"
APPROVED = "('urn:oasis:names:tc:ebxml-regrep:StatusType:Approved')"


def query(query_id: str, *parameters: tuple[str, str]) -> AdhocQuery:
    return AdhocQuery(query_id, tuple(QueryParameter(name, (value,)) for name, value in parameters))


def test_query_requests() -> None:
    patient, status = ("$XDSDocumentEntryPatientId", PATIENT), ("$XDSDocumentEntryStatus", APPROVED)
    assert validate_query_request(query(FIND, patient, status)) == []
    assert codes(validate_query_request(query("urn:uuid:0000", patient))) == [
        "XDSUnknownStoredQuery"
    ]
    assert codes(validate_query_request(query(FIND, status))) == ["XDSStoredQueryMissingParam"]
    assert codes(validate_query_request(query(FIND, patient, patient, status))) == [
        "XDSStoredQueryParamNumber"
    ]
    found = validate_query_request(
        query(FIND, patient, status, ("$XDSDocumentEntryCreationTimeFrom", "2024-01"))
    )
    assert [f.message for f in found] == [ValidationMessage.INVALID_QUERY_PARAMETER]
    found = validate_query_request(
        query(FIND, patient, status, ("$XDSDocumentEntryClassCode", "('11^^1.2"))
    )
    assert [f.message for f in found] == [ValidationMessage.INVALID_QUERY_PARAMETER]
    found = validate_query_request(query(FIND, ("$XDSDocumentEntryPatientId", "'nobody'"), status))
    assert [f.message for f in found] == [ValidationMessage.INVALID_PATIENT_ID]
    unknown = ValidationContext(patient_known=lambda patient: False)
    assert codes(validate_query_request(query(FIND, patient, status), unknown)) == [
        "XDSUnknownPatientId"
    ]
    # event codes may be repeated (AND of OR-groups)
    event = ("$XDSDocumentEntryEventCodeList", "('H33^^2.16.840.1.113883.6.3')")
    assert validate_query_request(query(FIND, patient, status, event, event)) == []


def test_get_documents_needs_exactly_one_key() -> None:
    get = StoredQueryId.GET_DOCUMENTS
    by_uuid = ("$XDSDocumentEntryEntryUUID", "('urn:uuid:7953af1a-ba1c-11eb-816f-0050569e422e')")
    by_unique = ("$XDSDocumentEntryUniqueId", "('1.2.3')")
    assert validate_query_request(query(get, by_uuid)) == []
    assert codes(validate_query_request(query(get))) == ["XDSStoredQueryMissingParam"]
    assert codes(validate_query_request(query(get, by_uuid, by_unique))) == [
        "XDSStoredQueryMissingParam"
    ]


def test_query_response_checks() -> None:
    entry = samples.registered_entry(repository_unique_id=None, entry_uuid="Document01")
    found = validate_query_response(
        QueryResponse(ResponseStatus.SUCCESS, document_entries=(entry,))
    )
    assert [f.message for f in found] == [
        ValidationMessage.INVALID_ENTRY_UUID,
        ValidationMessage.MISSING_REPOSITORY_ATTRIBUTE,
    ]
    assert found[1].error_code == "XDSRepositoryMetadataError"


# --- ITI-43 -------------------------------------------------------------------------------


def test_retrieve_requests() -> None:
    good = DocumentRequest("1.2.250.1.213.4.1.1.1.2", "1.2.250.1.999.1.1.7898.1.995657292")
    assert validate_retrieve_request(RetrieveDocumentSetRequest((good,))) == []
    bad = DocumentRequest("", "urn:uuid:not-a-unique-id")
    assert codes(validate_retrieve_request(RetrieveDocumentSetRequest((bad,)))) == [
        "XDSUnknownRepositoryId",
        "XDSDocumentUniqueIdError",
    ]
    closed = ValidationContext(repository_known=lambda repository: False)
    assert codes(validate_retrieve_request(RetrieveDocumentSetRequest((good,)), closed)) == [
        "XDSUnknownRepositoryId"
    ]
    assert codes(validate_retrieve_request(RetrieveDocumentSetRequest(()))) == [
        "XDSDocumentUniqueIdError"
    ]
