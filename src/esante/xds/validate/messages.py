"""The catalogue of XDS validation failures, each tied to its IHE error code.

Like IPF's ``ValidationMessage``/``ErrorCode`` pair: one enum member per kind of failure,
carrying the XDS error code the registry or repository answers with (IHE ITI TF-3
Table 4.2.4.1-2 "Error Codes"), a French text for the clinician and a technical text
for the developer. The DMP client (before sending) and the sandbox (on receipt) raise
the same members, so both sides speak the same codes; the sandbox turns each
:class:`ValidationFailure` into a ``RegistryError`` with
:meth:`ValidationFailure.to_registry_error`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Any

from esante.xds.responses import RegistryError
from esante.xds.vocabulary import ErrorSeverity


class ErrorCode(StrEnum):
    """The XDS error codes (``RegistryError/@errorCode``) esante produces or understands."""

    REGISTRY_ERROR = "XDSRegistryError"
    REGISTRY_METADATA_ERROR = "XDSRegistryMetadataError"
    REGISTRY_BUSY = "XDSRegistryBusy"
    REGISTRY_OUT_OF_RESOURCES = "XDSRegistryOutOfResources"
    REPOSITORY_ERROR = "XDSRepositoryError"
    REPOSITORY_METADATA_ERROR = "XDSRepositoryMetadataError"
    REPOSITORY_BUSY = "XDSRepositoryBusy"
    REPOSITORY_OUT_OF_RESOURCES = "XDSRepositoryOutOfResources"
    MISSING_DOCUMENT = "XDSMissingDocument"
    MISSING_DOCUMENT_METADATA = "XDSMissingDocumentMetadata"
    DUPLICATE_UNIQUE_ID = "XDSDuplicateUniqueIdInRegistry"
    NON_IDENTICAL_HASH = "XDSNonIdenticalHash"
    NON_IDENTICAL_SIZE = "XDSNonIdenticalSize"
    PATIENT_ID_DOES_NOT_MATCH = "XDSPatientIdDoesNotMatch"
    UNKNOWN_PATIENT_ID = "XDSUnknownPatientId"
    RESULT_NOT_SINGLE_PATIENT = "XDSResultNotSinglePatient"
    UNKNOWN_STORED_QUERY = "XDSUnknownStoredQuery"
    STORED_QUERY_MISSING_PARAM = "XDSStoredQueryMissingParam"
    STORED_QUERY_PARAM_NUMBER = "XDSStoredQueryParamNumber"
    TOO_MANY_RESULTS = "XDSTooManyResults"
    DOCUMENT_UNIQUE_ID_ERROR = "XDSDocumentUniqueIdError"
    UNKNOWN_REPOSITORY_ID = "XDSUnknownRepositoryId"
    METADATA_UPDATE_ERROR = "XDSMetadataUpdateError"
    METADATA_VERSION_ERROR = "XDSMetadataVersionError"


@dataclass(frozen=True, slots=True)
class MessageSpec:
    """What one catalogue entry says: error code, French and technical templates."""

    error_code: ErrorCode
    french: str
    technical: str
    severity: ErrorSeverity = ErrorSeverity.ERROR


_M = MessageSpec
_E = ErrorCode


class ValidationMessage(Enum):
    """Every failure an XDS validator reports; the templates use ``{placeholders}``."""

    MISSING_ATTRIBUTE = _M(
        _E.REGISTRY_METADATA_ERROR,
        "Métadonnée obligatoire absente : {attribute}.",
        "{object}: required attribute {attribute} is missing",
    )
    MISSING_REPOSITORY_ATTRIBUTE = _M(
        _E.REPOSITORY_METADATA_ERROR,
        "Métadonnée obligatoire pour l'entrepôt absente : {attribute}.",
        "{object}: attribute {attribute} required by the repository is missing",
    )
    INVALID_OID = _M(
        _E.REGISTRY_METADATA_ERROR,
        "Identifiant invalide pour {attribute} : « {value} » n'est pas un OID.",
        "{object}: {attribute} {value!r} is not an OID (max 64 characters)",
    )
    INVALID_UNIQUE_ID = _M(
        _E.REGISTRY_METADATA_ERROR,
        "Identifiant unique invalide : « {value} ».",
        "{object}: uniqueId {value!r} is neither an OID, OID^extension nor a UUID",
    )
    INVALID_PATIENT_ID = _M(
        _E.REGISTRY_METADATA_ERROR,
        "Identifiant du patient mal formé ({attribute}).",
        "{object}: {attribute} {value!r} must be id^^^&OID&ISO (CX.1 and CX.4 required)",
    )
    PATIENT_ID_MISMATCH = _M(
        _E.PATIENT_ID_DOES_NOT_MATCH,
        "Le document ne concerne pas le même patient que le lot de soumission.",
        "{object}: patientId {value!r} differs from the submission set's {expected!r}",
    )
    UNKNOWN_PATIENT = _M(
        _E.UNKNOWN_PATIENT_ID,
        "Patient inconnu du registre.",
        "{object}: patientId {value!r} is not known by the registry",
    )
    INVALID_TIME = _M(
        _E.REGISTRY_METADATA_ERROR,
        "Date invalide pour {attribute} : « {value} ».",
        "{object}: {attribute} {value!r} is not a UTC DTM YYYY[MM[DD[hh[mm[ss]]]]]",
    )
    TIME_ORDER = _M(
        _E.REGISTRY_METADATA_ERROR,
        "La date de fin de l'acte précède sa date de début.",
        "{object}: serviceStopTime {value!r} is before serviceStartTime {expected!r}",
    )
    INVALID_PERSON = _M(
        _E.REGISTRY_METADATA_ERROR,
        "Personne mal identifiée ({attribute}).",
        "{object}: {attribute} {value!r} has neither an identifier nor a family name",
    )
    MISSING_AUTHOR_PERSON = _M(
        _E.REGISTRY_METADATA_ERROR,
        "Auteur sans identité (authorPerson absent).",
        "{object}: an author has no authorPerson",
    )
    MISSING_CODING_SCHEME = _M(
        _E.REGISTRY_METADATA_ERROR,
        "Code sans système de codage pour {attribute} : « {value} ».",
        "{object}: {attribute} code {value!r} has no codingScheme",
    )
    UNKNOWN_CODE = _M(
        _E.REGISTRY_METADATA_ERROR,
        "Code « {value} » inconnu pour {attribute} (jeu de valeurs {value_set}).",
        "{object}: {attribute} {value!r} in {scheme!r} is not in value set {value_set}",
    )
    UNKNOWN_CODE_TOLERATED = _M(
        _E.REGISTRY_METADATA_ERROR,
        "Code « {value} » inconnu pour {attribute} (jeu de valeurs {value_set}), accepté.",
        "{object}: {attribute} {value!r} in {scheme!r} is not in value set {value_set} (tolerated)",
        ErrorSeverity.WARNING,
    )
    VALUE_TOO_LONG = _M(
        _E.REGISTRY_METADATA_ERROR,
        "Valeur trop longue pour {attribute}.",
        "{object}: {attribute} is {length} characters long (ebRIM limit {limit})",
    )
    INVALID_HASH = _M(
        _E.REPOSITORY_METADATA_ERROR,
        "Empreinte du document invalide.",
        "{object}: hash {value!r} is not a SHA-1 in 40 hexadecimal digits",
    )
    HASH_MISMATCH = _M(
        _E.NON_IDENTICAL_HASH,
        "L'empreinte déclarée ne correspond pas au contenu du document.",
        "{object}: hash {value!r} differs from the SHA-1 of the document {expected!r}",
    )
    SIZE_MISMATCH = _M(
        _E.NON_IDENTICAL_SIZE,
        "La taille déclarée ne correspond pas au contenu du document.",
        "{object}: size {value} differs from the document's {expected} bytes",
    )
    MISSING_DOCUMENT = _M(
        _E.MISSING_DOCUMENT,
        "Contenu du document absent de l'envoi.",
        "{object}: no xdsb:Document carries the content of this entry",
    )
    MISSING_DOCUMENT_METADATA = _M(
        _E.MISSING_DOCUMENT_METADATA,
        "Document envoyé sans métadonnées.",
        "Document[{value}]: no DocumentEntry has this id",
    )
    DOCUMENT_ID_CASE = _M(
        _E.REPOSITORY_METADATA_ERROR,
        "Le contenu du document est rattaché à sa fiche malgré une casse différente.",
        "{object}: document id {value!r} matches the entry id only when ignoring case",
        ErrorSeverity.WARNING,
    )
    DUPLICATE_UNIQUE_ID = _M(
        _E.DUPLICATE_UNIQUE_ID,
        "Un document portant le même identifiant unique existe déjà.",
        "{object}: uniqueId {value!r} is already used",
    )
    DUPLICATE_ENTRY_ID = _M(
        _E.REGISTRY_METADATA_ERROR,
        "Deux objets de l'envoi portent le même identifiant.",
        "{object}: id {value!r} is used by more than one object of the submission",
    )
    INVALID_ENTRY_UUID = _M(
        _E.REGISTRY_METADATA_ERROR,
        "Identifiant technique (entryUUID) invalide : « {value} ».",
        "{object}: {attribute} {value!r} must be a urn:uuid:",
    )
    NOT_A_MEMBER = _M(
        _E.REGISTRY_METADATA_ERROR,
        "Document non rattaché au lot de soumission.",
        "{object}: no HasMember association links the submission set to this entry",
    )
    MISSING_SUBMISSION_SET_STATUS = _M(
        _E.REGISTRY_METADATA_ERROR,
        "Statut de rattachement au lot absent.",
        "{object}: HasMember association without SubmissionSetStatus",
    )
    DANGLING_ASSOCIATION = _M(
        _E.REGISTRY_METADATA_ERROR,
        "Association vers un objet inconnu.",
        "{object}: {attribute} {value!r} is neither in the submission nor a urn:uuid",
    )
    INVALID_ASSOCIATION = _M(
        _E.REGISTRY_METADATA_ERROR,
        "Association non prise en charge dans cette transaction.",
        "{object}: association type {value!r} is not allowed here",
    )
    UNKNOWN_STORED_QUERY = _M(
        _E.UNKNOWN_STORED_QUERY,
        "Type de recherche inconnu.",
        "stored query id {value!r} is not supported",
    )
    MISSING_QUERY_PARAMETER = _M(
        _E.STORED_QUERY_MISSING_PARAM,
        "Critère de recherche obligatoire absent : {attribute}.",
        "stored query {object}: required parameter {attribute} is missing",
    )
    QUERY_PARAMETER_NUMBER = _M(
        _E.STORED_QUERY_PARAM_NUMBER,
        "Critère de recherche {attribute} donné plusieurs fois.",
        "stored query {object}: parameter {attribute} accepts one value, got {value}",
    )
    INVALID_QUERY_PARAMETER = _M(
        _E.REGISTRY_ERROR,
        "Critère de recherche mal formé : {attribute}.",
        "stored query {object}: parameter {attribute} value {value!r} is malformed",
    )
    MISSING_DOCUMENT_REQUEST = _M(
        _E.DOCUMENT_UNIQUE_ID_ERROR,
        "Identifiant du document à consulter absent.",
        "{object}: DocumentUniqueId missing or invalid ({value!r})",
    )
    UNKNOWN_REPOSITORY = _M(
        _E.UNKNOWN_REPOSITORY_ID,
        "Entrepôt de documents inconnu.",
        "{object}: RepositoryUniqueId {value!r} is missing, invalid or unknown",
    )
    UPDATE_MISSING_LOGICAL_ID = _M(
        _E.METADATA_UPDATE_ERROR,
        "La nouvelle version de la fiche ne désigne pas la fiche à modifier.",
        "{object}: an ITI-57 entry update needs lid = the logicalId (urn:uuid) of the entry",
    )
    UPDATE_MISSING_PREVIOUS_VERSION = _M(
        _E.METADATA_VERSION_ERROR,
        "Version précédente de la fiche non indiquée.",
        "{object}: HasMember for an entry update needs the PreviousVersion slot",
    )
    UPDATE_INVALID_STATUS = _M(
        _E.METADATA_UPDATE_ERROR,
        "Statut de document inconnu : « {value} ».",
        "{object}: {attribute} {value!r} is not an availability status",
    )
    UPDATE_FORBIDDEN_TRANSITION = _M(
        _E.METADATA_UPDATE_ERROR,
        "Changement de statut du document non autorisé.",
        "{object}: status change {value!r} -> {expected!r} is not allowed",
    )
    UPDATE_EMPTY = _M(
        _E.METADATA_UPDATE_ERROR,
        "La mise à jour ne contient aucune modification.",
        "UpdateDocumentSet carries neither entry versions nor status changes",
    )


@dataclass(frozen=True, slots=True)
class ValidationFailure:
    """One finding: a catalogue :class:`ValidationMessage`, where, and the values."""

    message: ValidationMessage
    location: str = ""
    args: dict[str, Any] = field(default_factory=dict)

    @property
    def error_code(self) -> ErrorCode:
        """The XDS error code of the finding."""
        return self.message.value.error_code

    @property
    def severity(self) -> ErrorSeverity:
        """Error or Warning."""
        return self.message.value.severity

    @property
    def french(self) -> str:
        """The French text for the clinician."""
        return self._render(self.message.value.french)

    @property
    def technical(self) -> str:
        """The technical text for the developer."""
        return self._render(self.message.value.technical)

    def _render(self, template: str) -> str:
        values = {"object": self.location, **self.args}
        try:
            return template.format(**values)
        except (KeyError, IndexError):
            return f"{template} {values}"

    def to_registry_error(self) -> RegistryError:
        """The RegistryError a registry/repository answers for this finding."""
        return RegistryError(
            error_code=self.error_code,
            code_context=self.technical,
            severity=self.severity,
            location=self.location or None,
        )


def failure(message: ValidationMessage, location: str = "", **args: Any) -> ValidationFailure:
    """Shorthand to build a :class:`ValidationFailure`."""
    return ValidationFailure(message, location, args)
