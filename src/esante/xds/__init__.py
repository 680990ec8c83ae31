"""IHE XDS.b metadata for the DMP: model, ebRIM codec, validation, CDA mapping, transactions.

Organised like IPF's XDS commons (see docs STYLE §2), domain model apart from the wire:

* :mod:`~esante.xds.metadata`, :mod:`~esante.xds.requests`, :mod:`~esante.xds.responses`,
  :mod:`~esante.xds.queries` — plain frozen values (DocumentEntry, SubmissionSet,
  Association; ITI-41/18/43/57 requests and responses; stored queries);
* :mod:`~esante.xds.hl7v2` — the HL7 v2 strings inside the metadata (CX, XCN, XON, DTM);
* :mod:`~esante.xds.vocabulary` — every UUID, URN, slot name and stored query id;
* :mod:`~esante.xds.ebxml` — two-way ebRIM transforms, request/response codec, XSD check;
* :mod:`~esante.xds.validate` — single checks combined per transaction, with a catalogue
  of failures tied to XDS error codes (shared by the DMP client and the sandbox);
* :mod:`~esante.xds.cda_header` and :mod:`~esante.xds.cda_submission` — CDA header →
  DocumentEntry, SubmissionSet and the ITI-41 request (CI-SIS mapping, RPLC);
* :mod:`~esante.xds.updates` — the DMP TD3.3a-d operations as ITI-57 requests;
* :mod:`~esante.xds.transactions` and ``iti41``/``iti18``/``iti43``/``iti57`` — one
  declarative record per transaction and thin modules binding codec and validators.

Specs: IHE ITI TF-2a/2b/3 (XDS.b), OASIS ebRIM/ebRS 3.0, CI-SIS "Transmission de
documents CDA" (mapping), PDSm4DMP (TD2.1, TD3.1-3.3), the official DMP messages.
"""

from esante.xds import ebxml, iti18, iti41, iti43, iti57, validate, vocabulary
from esante.xds.cda_header import document_entry_from_cda, replaced_document_id
from esante.xds.cda_submission import provide_and_register_from_cda, submission_set_for
from esante.xds.ebxml import EbxmlSchema, load_schema
from esante.xds.errors import (
    XdsError,
    XdsFormatError,
    XdsMappingError,
    XdsSchemaError,
    XdsValidationError,
)
from esante.xds.hl7v2 import (
    Identifier,
    Organization,
    PatientInfo,
    Person,
    PersonName,
    format_dtm,
    parse_dtm,
    ts_to_dtm,
)
from esante.xds.metadata import (
    Association,
    Author,
    Code,
    DocumentEntry,
    Slot,
    SubmissionSet,
    has_member,
    visibility_code,
)
from esante.xds.queries import (
    AdhocQuery,
    FindDocuments,
    FindSubmissionSets,
    GetAssociations,
    GetDocuments,
    QueryParameter,
    StoredQuery,
)
from esante.xds.requests import (
    Document,
    DocumentRequest,
    ProvideAndRegisterDocumentSet,
    QueryRequest,
    RetrieveDocumentSetRequest,
    UpdateDocumentSet,
)
from esante.xds.responses import (
    QueryResponse,
    RegistryError,
    RegistryResponse,
    RetrievedDocument,
    RetrieveDocumentSetResponse,
)
from esante.xds.transactions import Endpoint, Transaction, transaction_for_action
from esante.xds.updates import (
    archive_document,
    delete_document,
    mask_to_professionals,
    set_legal_representatives_visibility,
    set_patient_visibility,
    update_entry,
)
from esante.xds.validate import (
    ErrorCode,
    ValidationContext,
    ValidationFailure,
    ValidationMessage,
    raise_for_failures,
)
from esante.xds.vocabulary import (
    AssociationType,
    AvailabilityStatus,
    DocumentAvailability,
    ErrorSeverity,
    ResponseStatus,
    ReturnType,
    StoredQueryId,
    SubmissionSetStatus,
)

__all__ = [
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
