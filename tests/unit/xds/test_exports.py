"""The public faces of esante.xds and its subpackages are a tested contract."""

from __future__ import annotations

import esante.xds
import esante.xds.ebxml
import esante.xds.validate
from esante.xds import iti18, iti41, iti43, iti57


def test_xds_exports() -> None:
    assert esante.xds.__all__ == sorted(esante.xds.__all__)
    assert esante.xds.__all__ == [
        "AdhocQuery",
        "Association",
        "AssociationType",
        "Author",
        "AvailabilityStatus",
        "Code",
        "Document",
        "DocumentAvailability",
        "DocumentEntry",
        "DocumentRequest",
        "EbxmlSchema",
        "Endpoint",
        "ErrorCode",
        "ErrorSeverity",
        "FindDocuments",
        "FindSubmissionSets",
        "GetAssociations",
        "GetDocuments",
        "Identifier",
        "Organization",
        "PatientInfo",
        "Person",
        "PersonName",
        "ProvideAndRegisterDocumentSet",
        "QueryParameter",
        "QueryRequest",
        "QueryResponse",
        "RegistryError",
        "RegistryResponse",
        "ResponseStatus",
        "RetrieveDocumentSetRequest",
        "RetrieveDocumentSetResponse",
        "RetrievedDocument",
        "ReturnType",
        "Slot",
        "StoredQuery",
        "StoredQueryId",
        "SubmissionSet",
        "SubmissionSetStatus",
        "Transaction",
        "UpdateDocumentSet",
        "ValidationContext",
        "ValidationFailure",
        "ValidationMessage",
        "XdsError",
        "XdsFormatError",
        "XdsMappingError",
        "XdsSchemaError",
        "XdsValidationError",
        "archive_document",
        "delete_document",
        "document_entry_from_cda",
        "ebxml",
        "format_dtm",
        "has_member",
        "iti18",
        "iti41",
        "iti43",
        "iti57",
        "load_schema",
        "mask_to_professionals",
        "parse_dtm",
        "provide_and_register_from_cda",
        "raise_for_failures",
        "replaced_document_id",
        "set_legal_representatives_visibility",
        "set_patient_visibility",
        "submission_set_for",
        "transaction_for_action",
        "ts_to_dtm",
        "update_entry",
        "validate",
        "visibility_code",
        "vocabulary",
    ]
    for name in esante.xds.__all__:
        assert hasattr(esante.xds, name), name


def test_ebxml_exports() -> None:
    assert esante.xds.ebxml.__all__ == sorted(esante.xds.ebxml.__all__)
    assert esante.xds.ebxml.__all__ == [
        "Attach",
        "EbxmlSchema",
        "IdSource",
        "ObjectList",
        "adhoc_query_from_xml",
        "adhoc_query_to_xml",
        "association_from_ebrim",
        "association_to_ebrim",
        "document_entry_from_ebrim",
        "document_entry_to_ebrim",
        "load_schema",
        "new_uuid",
        "object_list_to_ebrim",
        "provide_and_register_from_xml",
        "provide_and_register_to_xml",
        "query_request_from_xml",
        "query_request_to_xml",
        "query_response_from_xml",
        "query_response_to_xml",
        "read_object_list",
        "registry_response_from_xml",
        "registry_response_to_xml",
        "retrieve_request_from_xml",
        "retrieve_request_to_xml",
        "retrieve_response_from_xml",
        "retrieve_response_to_xml",
        "submission_set_from_ebrim",
        "submission_set_to_ebrim",
        "update_document_set_from_xml",
        "update_document_set_to_xml",
    ]
    for name in esante.xds.ebxml.__all__:
        assert hasattr(esante.xds.ebxml, name), name


def test_validate_exports() -> None:
    assert esante.xds.validate.__all__ == sorted(esante.xds.validate.__all__)
    assert esante.xds.validate.__all__ == [
        "CodeChecker",
        "ErrorCode",
        "MessageSpec",
        "ValidationContext",
        "ValidationFailure",
        "ValidationMessage",
        "raise_for_failures",
        "terminology_code_checker",
        "validate_provide_and_register",
        "validate_query_request",
        "validate_query_response",
        "validate_retrieve_request",
        "validate_update_document_set",
    ]
    for name in esante.xds.validate.__all__:
        assert hasattr(esante.xds.validate, name), name


def test_transaction_modules_export_the_same_shape() -> None:
    common = ["TRANSACTION", "decode_request", "decode_response", "encode_request",
              "encode_response", "validate_request"]  # fmt: skip
    assert iti41.__all__ == common
    assert iti43.__all__ == common
    assert iti57.__all__ == common
    assert iti18.__all__ == sorted([*common, "decode_raw_request", "validate_response"])
    for module in (iti18, iti41, iti43, iti57):
        for name in module.__all__:
            assert hasattr(module, name), (module.__name__, name)
