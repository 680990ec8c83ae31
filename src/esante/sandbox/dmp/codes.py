"""The DMP's answer codes: error codes with their French texts, authorization statuses.

The error codes live in the table shared with the DMP client,
:mod:`esante.xds.dmp_errors` (kind, provenance — the official kit, IHE XDS, or esante
where the kit documents a refusal without its code —, the DMP's French text, the retry
class); the authorization statuses and contexts in ``data/error_codes.json``. This module
gives them names; a test checks that the enum lists only codes of the table.
"""

from __future__ import annotations

import json
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from esante.xds.dmp_errors import ERRORS as DMP_ERRORS
from esante.xds.dmp_errors import ErrorKind


class DmpErrorCode(StrEnum):
    """Every error code the DMP sandbox answers with."""

    UNKNOWN_PATIENT = "XDSUnknownPatientId"
    PATIENT_ID_DOES_NOT_MATCH = "XDSPatientIdDoesNotMatch"
    UNKNOWN_DOCUMENT = "XDSDocumentUniqueIdError"
    DUPLICATE_UNIQUE_ID = "XDSDuplicateUniqueIdInRegistry"
    NON_IDENTICAL_HASH = "XDSNonIdenticalHash"
    NON_IDENTICAL_SIZE = "XDSNonIdenticalSize"
    MISSING_DOCUMENT = "XDSMissingDocument"
    REGISTRY_METADATA_ERROR = "XDSRegistryMetadataError"
    METADATA_UPDATE_ERROR = "XDSMetadataUpdateError"
    UNKNOWN_REPOSITORY = "XDSUnknownRepositoryId"
    REGISTRY_ERROR = "XDSRegistryError"
    REGISTRY_BUSY = "XDSRegistryBusy"
    ACCESS_NOT_ALLOWED = "DMPAccessNotAllowed"
    AUTHORIZATION_MISSING = "DMPAuthorizationMissing"
    AUTHORIZATION_EXPIRED = "DMPAuthorizationExpired"
    PROFESSIONAL_BLOCKED = "DMPProfessionalBlocked"
    OPPOSITION_BRIS_DE_GLACE = "DMPOppositionBrisDeGlace"
    OPPOSITION_CENTRE_15 = "DMPOppositionCentre15"
    OPPOSITION_FEEDING = "DMPOppositionFeeding"
    DMP_CLOSED = "DMPClosed"
    DMP_ALREADY_EXISTS = "DMPAlreadyExists"
    NOT_DOCUMENT_AUTHOR = "DMPNotDocumentAuthor"
    NOT_STRUCTURE_DOCUMENT = "DMPNotStructureDocument"
    PATIENT_DOCUMENT_RESERVED = "DMPPatientDocumentReserved"
    DOCUMENT_MASKED = "DMPDocumentMasked"
    NOT_TREATING_PHYSICIAN = "DMPNotTreatingPhysician"
    INVALID_REQUEST = "DMPInvalidRequest"
    SERVICE_UNAVAILABLE = "DMPServiceUnavailable"

    @property
    def is_xds(self) -> bool:
        """Whether this is an IHE XDS error code (``XDS...``), not a DMP business one."""
        return DMP_ERRORS[self.value].kind is ErrorKind.XDS


class AuthorizationStatus(StrEnum):
    """The asking professional's access authorization, as TD0.2 reports it (``AUTORISATION``)."""

    VALID = "VALIDE"
    EXPIRED = "EXPIREE"
    FORBIDDEN = "INTERDITE"
    NONE = "NON_EXISTANTE"

    @property
    def label(self) -> str:
        """French label."""
        return str(_catalogue()["authorization_statuses"][self.value])


class AuthorizationContext(StrEnum):
    """What a setAuthorization (TD0.3) did, reported in the ``context`` of its answer."""

    ALREADY_PRESENT = "already_present"
    ADDED = "added"
    REMOVED = "removed"
    ABSENT = "absent"
    TREATING_PHYSICIAN_REMOVED = "treating_physician_removed"

    @property
    def text(self) -> str:
        """The French text the DMP writes in ``context``."""
        return str(_catalogue()["authorization_contexts"][self.value])


#: Status of a DMP web service answer that succeeded (Habilitations, patients...).
DMP_OK = "DMPOk"
#: Reason of a closure asked by the patient (TD1.4 ``detectedIssueEvent`` code).
CLOSURE_ASKED_BY_PATIENT = "FERMETURE_DEMANDE_PATIENT"


def error_message(code: DmpErrorCode) -> str:
    """The French text of ``code``."""
    return DMP_ERRORS[code.value].dmp_text


def error_provenance(code: DmpErrorCode) -> str:
    """Where the code comes from: ``kit``, ``ihe`` or ``esante``."""
    return DMP_ERRORS[code.value].provenance


def catalogue_data() -> dict[str, Any]:
    """The data file with the sandbox's error codes from the shared table (for tests and
    documentation tools)."""
    errors = [
        {
            "code": code.value,
            "kind": DMP_ERRORS[code.value].kind.value,
            "provenance": DMP_ERRORS[code.value].provenance,
            "message": DMP_ERRORS[code.value].dmp_text,
        }
        for code in DmpErrorCode
    ]
    return {**_raw(), "errors": errors}


@cache
def _raw() -> dict[str, Any]:
    text = resources.files("esante.sandbox.dmp").joinpath("data/error_codes.json")
    data: dict[str, Any] = json.loads(text.read_text(encoding="utf-8"))
    return data


@cache
def _catalogue() -> dict[str, dict[str, Any]]:
    raw = _raw()
    return {
        "authorization_statuses": {e["code"]: e["label"] for e in raw["authorization_statuses"]},
        "authorization_contexts": {e["code"]: e["text"] for e in raw["authorization_contexts"]},
    }
