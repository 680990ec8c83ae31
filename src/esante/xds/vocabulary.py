"""Every constant of XDS.b metadata on the wire: UUIDs, URNs, slot names, stored queries.

Sources: IHE ITI TF-3 §4.2 (metadata attributes, classification schemes, external
identifiers, object types, association types, status values), ITI TF-2a §3.18 (stored
query ids and parameters), ITI TF-2b §3.43, ITI TF-3 §4.2.4 (error codes and status), the
CI-SIS/DMP extensions (DMP availability statuses ``urn:asip:ci-sis:2010:StatusType:*``,
visibility codes TRE_A07 ``1.2.250.1.213.1.1.4.13``) as they appear in the official DMP
example messages (dmp-kit, TD2.1/TD3.1/TD3.3c/TD3.3d).

Why one module: a UUID typed twice is a bug waiting to happen; every other module of
:mod:`esante.xds` names these constants, never the literal values.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

# --- XML namespaces (ebRIM 3.0 / ebRS 3.0 / IHE XDS.b) ---------------------------------

NS_RIM: Final = "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"
NS_RS: Final = "urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0"
NS_LCM: Final = "urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0"
NS_QUERY: Final = "urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0"
NS_XDSB: Final = "urn:ihe:iti:xds-b:2007"
NS_XOP: Final = "http://www.w3.org/2004/08/xop/include"
NS_XML: Final = "http://www.w3.org/XML/1998/namespace"
NSMAP: Final = {"rim": NS_RIM, "rs": NS_RS, "lcm": NS_LCM, "query": NS_QUERY, "xdsb": NS_XDSB}

# --- Object types and classification nodes (ITI TF-3 §4.2.5) ---------------------------

STABLE_DOCUMENT_ENTRY: Final = "urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1"
ON_DEMAND_DOCUMENT_ENTRY: Final = "urn:uuid:34268e47-fdf5-41a6-ba33-82133c465248"
SUBMISSION_SET_NODE: Final = "urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd"
FOLDER_NODE: Final = "urn:uuid:d9d542f3-6cc4-48b6-8870-ea235fbc94c2"
ASSOCIATION_OBJECT_TYPE: Final = (
    "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Association"
)
CLASSIFICATION_OBJECT_TYPE: Final = (
    "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Classification"
)
EXTERNAL_IDENTIFIER_OBJECT_TYPE: Final = (
    "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:ExternalIdentifier"
)
DOCUMENT_ENTRY_TYPES: Final = frozenset({STABLE_DOCUMENT_ENTRY, ON_DEMAND_DOCUMENT_ENTRY})

# --- DocumentEntry classification schemes and external identifiers ---------------------

DE_AUTHOR: Final = "urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d"
DE_CLASS_CODE: Final = "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a"
DE_CONFIDENTIALITY_CODE: Final = "urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f"
DE_EVENT_CODE: Final = "urn:uuid:2c6b8cb7-8b2a-4051-b291-b1ae6a575ef4"
DE_FORMAT_CODE: Final = "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d"
DE_HEALTHCARE_FACILITY_TYPE_CODE: Final = "urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1"
DE_PRACTICE_SETTING_CODE: Final = "urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead"
DE_TYPE_CODE: Final = "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983"
DE_LIMITED_METADATA: Final = "urn:uuid:ab9b591b-83ab-4d03-8f5d-f93b1fb92e85"
DE_PATIENT_ID: Final = "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427"
DE_UNIQUE_ID: Final = "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab"

# --- SubmissionSet ----------------------------------------------------------------------

SS_AUTHOR: Final = "urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d"
SS_CONTENT_TYPE_CODE: Final = "urn:uuid:aa543740-bdda-424e-8c96-df4873be8500"
SS_LIMITED_METADATA: Final = "urn:uuid:5003a9db-8d8d-49e6-bf0c-990e34ac7707"
SS_PATIENT_ID: Final = "urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446"
SS_SOURCE_ID: Final = "urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832"
SS_UNIQUE_ID: Final = "urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8"

# --- Folder (read only: esante does not submit folders) ---------------------------------

FOLDER_CODE_LIST: Final = "urn:uuid:1ba97051-7806-41a8-a48b-8fce7af683c5"
FOLDER_PATIENT_ID: Final = "urn:uuid:f64ffdf0-4b97-4e06-b79f-a52b38ec2f8a"
FOLDER_UNIQUE_ID: Final = "urn:uuid:75df8f67-9973-4fbe-a900-df66cefecc5a"

#: The ``Name`` IHE gives each external identifier (written on the wire, informative only).
EXTERNAL_IDENTIFIER_NAMES: Final = {
    DE_PATIENT_ID: "XDSDocumentEntry.patientId",
    DE_UNIQUE_ID: "XDSDocumentEntry.uniqueId",
    SS_PATIENT_ID: "XDSSubmissionSet.patientId",
    SS_SOURCE_ID: "XDSSubmissionSet.sourceId",
    SS_UNIQUE_ID: "XDSSubmissionSet.uniqueId",
}

# --- Slot names -------------------------------------------------------------------------

SLOT_CODING_SCHEME: Final = "codingScheme"
SLOT_CREATION_TIME: Final = "creationTime"
SLOT_HASH: Final = "hash"
SLOT_LANGUAGE_CODE: Final = "languageCode"
SLOT_LEGAL_AUTHENTICATOR: Final = "legalAuthenticator"
SLOT_REPOSITORY_UNIQUE_ID: Final = "repositoryUniqueId"
SLOT_SERVICE_START_TIME: Final = "serviceStartTime"
SLOT_SERVICE_STOP_TIME: Final = "serviceStopTime"
SLOT_SIZE: Final = "size"
SLOT_SOURCE_PATIENT_ID: Final = "sourcePatientId"
SLOT_SOURCE_PATIENT_INFO: Final = "sourcePatientInfo"
SLOT_URI: Final = "URI"
SLOT_DOCUMENT_AVAILABILITY: Final = "urn:ihe:iti:2010:DocumentAvailability"
SLOT_REFERENCE_ID_LIST: Final = "urn:ihe:iti:xds:2013:referenceIdList"
SLOT_SUBMISSION_TIME: Final = "submissionTime"
SLOT_INTENDED_RECIPIENT: Final = "intendedRecipient"
SLOT_AUTHOR_PERSON: Final = "authorPerson"
SLOT_AUTHOR_INSTITUTION: Final = "authorInstitution"
SLOT_AUTHOR_ROLE: Final = "authorRole"
SLOT_AUTHOR_SPECIALTY: Final = "authorSpecialty"
SLOT_AUTHOR_TELECOMMUNICATION: Final = "authorTelecommunication"
SLOT_SUBMISSION_SET_STATUS: Final = "SubmissionSetStatus"
SLOT_PREVIOUS_VERSION: Final = "PreviousVersion"
SLOT_ORIGINAL_STATUS: Final = "OriginalStatus"
SLOT_NEW_STATUS: Final = "NewStatus"
SLOT_ASSOCIATION_PROPAGATION: Final = "AssociationPropagation"

DOCUMENT_ENTRY_SLOTS: Final = frozenset(
    {
        SLOT_CREATION_TIME,
        SLOT_HASH,
        SLOT_LANGUAGE_CODE,
        SLOT_LEGAL_AUTHENTICATOR,
        SLOT_REPOSITORY_UNIQUE_ID,
        SLOT_SERVICE_START_TIME,
        SLOT_SERVICE_STOP_TIME,
        SLOT_SIZE,
        SLOT_SOURCE_PATIENT_ID,
        SLOT_SOURCE_PATIENT_INFO,
        SLOT_DOCUMENT_AVAILABILITY,
        SLOT_REFERENCE_ID_LIST,
    }
)

# --- Enumerations -----------------------------------------------------------------------


class AvailabilityStatus(StrEnum):
    """availabilityStatus of a DocumentEntry or SubmissionSet (JDV_J52 + DMP extensions)."""

    SUBMITTED = "urn:oasis:names:tc:ebxml-regrep:StatusType:Submitted"
    APPROVED = "urn:oasis:names:tc:ebxml-regrep:StatusType:Approved"
    DEPRECATED = "urn:oasis:names:tc:ebxml-regrep:StatusType:Deprecated"
    #: DMP: document archived by a professional (TD3.3d), hidden from default searches.
    ARCHIVED = "urn:asip:ci-sis:2010:StatusType:Archived"
    #: DMP: document deleted (TD3.3c); the DMP never deletes physically.
    DELETED = "urn:asip:ci-sis:2010:StatusType:Deleted"


class AssociationType(StrEnum):
    """associationType URNs (ITI TF-3 §4.2.2)."""

    HAS_MEMBER = "urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember"
    REPLACE = "urn:ihe:iti:2007:AssociationType:RPLC"
    TRANSFORM = "urn:ihe:iti:2007:AssociationType:XFRM"
    APPEND = "urn:ihe:iti:2007:AssociationType:APND"
    TRANSFORM_REPLACE = "urn:ihe:iti:2007:AssociationType:XFRM_RPLC"
    SIGNS = "urn:ihe:iti:2007:AssociationType:signs"
    IS_SNAPSHOT_OF = "urn:ihe:iti:2010:AssociationType:IsSnapshotOf"
    UPDATE_AVAILABILITY_STATUS = "urn:ihe:iti:2010:AssociationType:UpdateAvailabilityStatus"
    SUBMIT_ASSOCIATION = "urn:ihe:iti:2010:AssociationType:SubmitAssociation"


#: Document relationships (ITI TF-3 §4.2.2.2): the source entry relates to the target entry.
DOCUMENT_RELATIONSHIPS: Final = frozenset(
    {
        AssociationType.REPLACE,
        AssociationType.TRANSFORM,
        AssociationType.APPEND,
        AssociationType.TRANSFORM_REPLACE,
        AssociationType.SIGNS,
        AssociationType.IS_SNAPSHOT_OF,
    }
)


class SubmissionSetStatus(StrEnum):
    """Value of the ``SubmissionSetStatus`` slot of a HasMember association."""

    ORIGINAL = "Original"
    REFERENCE = "Reference"


class ResponseStatus(StrEnum):
    """Status of an ebRS RegistryResponse / AdhocQueryResponse (ITI TF-3 §4.2.4.2)."""

    SUCCESS = "urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"
    PARTIAL_SUCCESS = "urn:ihe:iti:2007:ResponseStatusType:PartialSuccess"
    FAILURE = "urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure"


class ErrorSeverity(StrEnum):
    """Severity of a RegistryError."""

    ERROR = "urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error"
    WARNING = "urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Warning"


class ReturnType(StrEnum):
    """ResponseOption/@returnType of a stored query: full objects or references only."""

    LEAF_CLASS = "LeafClass"
    OBJECT_REF = "ObjectRef"


class DocumentAvailability(StrEnum):
    """``urn:ihe:iti:2010:DocumentAvailability`` slot values."""

    ONLINE = "urn:ihe:iti:2010:DocumentAvailability:Online"
    OFFLINE = "urn:ihe:iti:2010:DocumentAvailability:Offline"


class StoredQueryId(StrEnum):
    """Registry stored query ids (ITI TF-2a §3.18.4.1.2.3.7)."""

    FIND_DOCUMENTS = "urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d"
    FIND_SUBMISSION_SETS = "urn:uuid:f26abbcb-ac74-4422-8a30-edb644bbc1a9"
    FIND_FOLDERS = "urn:uuid:958f3006-baad-4929-a4de-ff1114824431"
    GET_ALL = "urn:uuid:10b545ea-725c-446d-9b95-8aeb444eddf3"
    GET_DOCUMENTS = "urn:uuid:5c4f972b-d56b-40ac-a5fc-c8ca9b40b9d4"
    GET_FOLDERS = "urn:uuid:5737b14c-8a1a-4539-b659-e03a34a5e1e4"
    GET_ASSOCIATIONS = "urn:uuid:a7ae438b-4bc2-4642-93e9-be891f7bb155"
    GET_DOCUMENTS_AND_ASSOCIATIONS = "urn:uuid:bab9529a-4a10-40b3-a01f-f68a615d247a"
    GET_SUBMISSION_SETS = "urn:uuid:51224314-5390-4169-9b91-b1980040715a"
    GET_SUBMISSION_SET_AND_CONTENTS = "urn:uuid:e8e3cb2c-e39c-46b9-99e4-c12f57260b83"
    GET_FOLDER_AND_CONTENTS = "urn:uuid:b909a503-523d-4517-8acf-8e5834dfc4c7"
    GET_FOLDERS_FOR_DOCUMENT = "urn:uuid:10cae35a-c7f9-4cf5-b61e-fc3278ffb578"
    GET_RELATED_DOCUMENTS = "urn:uuid:d90e5407-b356-4d91-a89f-873917b4b0e6"
    FIND_DOCUMENTS_BY_REFERENCE_ID = "urn:uuid:12941a89-e02e-4be5-967c-ce4bfc8fe492"


# --- Stored query parameters (ITI TF-2a §3.18.4.1.2.3.7) --------------------------------

Q_DE_PATIENT_ID: Final = "$XDSDocumentEntryPatientId"
Q_DE_CLASS_CODE: Final = "$XDSDocumentEntryClassCode"
Q_DE_TYPE_CODE: Final = "$XDSDocumentEntryTypeCode"
Q_DE_PRACTICE_SETTING_CODE: Final = "$XDSDocumentEntryPracticeSettingCode"
Q_DE_CREATION_TIME_FROM: Final = "$XDSDocumentEntryCreationTimeFrom"
Q_DE_CREATION_TIME_TO: Final = "$XDSDocumentEntryCreationTimeTo"
Q_DE_SERVICE_START_TIME_FROM: Final = "$XDSDocumentEntryServiceStartTimeFrom"
Q_DE_SERVICE_START_TIME_TO: Final = "$XDSDocumentEntryServiceStartTimeTo"
Q_DE_SERVICE_STOP_TIME_FROM: Final = "$XDSDocumentEntryServiceStopTimeFrom"
Q_DE_SERVICE_STOP_TIME_TO: Final = "$XDSDocumentEntryServiceStopTimeTo"
Q_DE_HEALTHCARE_FACILITY_TYPE_CODE: Final = "$XDSDocumentEntryHealthcareFacilityTypeCode"
Q_DE_EVENT_CODE_LIST: Final = "$XDSDocumentEntryEventCodeList"
Q_DE_CONFIDENTIALITY_CODE: Final = "$XDSDocumentEntryConfidentialityCode"
Q_DE_AUTHOR_PERSON: Final = "$XDSDocumentEntryAuthorPerson"
Q_DE_FORMAT_CODE: Final = "$XDSDocumentEntryFormatCode"
Q_DE_STATUS: Final = "$XDSDocumentEntryStatus"
Q_DE_TYPE: Final = "$XDSDocumentEntryType"
Q_DE_ENTRY_UUID: Final = "$XDSDocumentEntryEntryUUID"
Q_DE_UNIQUE_ID: Final = "$XDSDocumentEntryUniqueId"
Q_HOME_COMMUNITY_ID: Final = "$homeCommunityId"
Q_UUID: Final = "$uuid"
Q_SS_PATIENT_ID: Final = "$XDSSubmissionSetPatientId"
Q_SS_SOURCE_ID: Final = "$XDSSubmissionSetSourceId"
Q_SS_SUBMISSION_TIME_FROM: Final = "$XDSSubmissionSetSubmissionTimeFrom"
Q_SS_SUBMISSION_TIME_TO: Final = "$XDSSubmissionSetSubmissionTimeTo"
Q_SS_AUTHOR_PERSON: Final = "$XDSSubmissionSetAuthorPerson"
Q_SS_CONTENT_TYPE: Final = "$XDSSubmissionSetContentType"
Q_SS_STATUS: Final = "$XDSSubmissionSetStatus"

# --- Code systems the French mapping writes (CI-SIS) ------------------------------------

#: Confidentiality (HL7 v3 Confidentiality: N, R, V).
CONFIDENTIALITY_OID: Final = "2.16.840.1.113883.5.25"
#: DMP visibility statuses TRE_A07 (MASQUE_PS, INVISIBLE_PATIENT, ...) in confidentialityCode.
VISIBILITY_OID: Final = "1.2.250.1.213.1.1.4.13"
MASKED_TO_PROFESSIONALS: Final = "MASQUE_PS"
INVISIBLE_TO_PATIENT: Final = "INVISIBLE_PATIENT"
INVISIBLE_TO_LEGAL_REPRESENTATIVES: Final = "INVISIBLE_REPRESENTANTS_LEGAUX"
VISIBILITY_LABELS: Final = {
    MASKED_TO_PROFESSIONALS: "Masqué aux professionnels de santé",
    INVISIBLE_TO_PATIENT: "Non visible par le patient",
    INVISIBLE_TO_LEGAL_REPRESENTATIVES: "Non visible par les représentants légaux du patient",
}
#: XDS-SD formatCode coding scheme and the formats of unstructured (N1) bodies.
IHE_FORMAT_OID: Final = "1.3.6.1.4.1.19376.1.2.3"
N1_FORMAT_BY_MEDIA_TYPE: Final = {
    "application/pdf": "urn:ihe:iti:xds-sd:pdf:2008",
    "text/plain": "urn:ihe:iti:xds-sd:text:2008",
    "image/jpeg": "urn:ihe:iti-fr:xds-sd:jpeg:2010",
    "text/rtf": "urn:ihe:iti-fr:xds-sd:rtf:2010",
    "image/tiff": "urn:ihe:iti-fr:xds-sd:tiff:2010",
}
#: National identifiers of professionals (idNat_PS) and structures (idNat_Struct).
PS_IDNAT_OID: Final = "1.2.250.1.71.4.2.1"
STRUCTURE_IDNAT_OID: Final = "1.2.250.1.71.4.2.2"
PS_IDENTIFIER_TYPE: Final = "IDNPS"
STRUCTURE_IDENTIFIER_TYPE: Final = "IDNST"
#: INS assigning authorities: NIR, NIA, NIR test, NIR demo (CX.5 type ``NH``).
INS_OIDS: Final = frozenset(
    {"1.2.250.1.213.1.4.8", "1.2.250.1.213.1.4.9", "1.2.250.1.213.1.4.10", "1.2.250.1.213.1.4.11"}
)
INS_IDENTIFIER_TYPE: Final = "NH"
LOCAL_PATIENT_IDENTIFIER_TYPE: Final = "PI"
#: Class of the XAdES submission-set signature document (IHE DSG) and its fixed codes.
SIGNATURE_CLASS_CODE: Final = "urn:oid:1.3.6.1.4.1.19376.1.2.1.1.1"
SIGNATURE_TYPE_CODE: Final = "E1762"
SIGNATURE_FORMAT_CODE: Final = "http://www.w3.org/2000/09/xmldsig#"

#: DMP availability-status transitions an ITI-57 UpdateAvailabilityStatus may ask for
#: (TD3.3c delete, TD3.3d archive / unarchive).
DMP_STATUS_TRANSITIONS: Final = frozenset(
    {
        (AvailabilityStatus.APPROVED, AvailabilityStatus.ARCHIVED),
        (AvailabilityStatus.ARCHIVED, AvailabilityStatus.APPROVED),
        (AvailabilityStatus.APPROVED, AvailabilityStatus.DELETED),
        (AvailabilityStatus.ARCHIVED, AvailabilityStatus.DELETED),
        (AvailabilityStatus.APPROVED, AvailabilityStatus.DEPRECATED),
    }
)
