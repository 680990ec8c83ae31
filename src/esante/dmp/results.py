"""What the DMP calls return, as typed values.

* :class:`DmpStatus` — TD0.2: does the patient have a DMP, is it closed, is the acting
  professional authorised, is he the patient's "médecin traitant DMP", is the DMP
  attached to Mon espace santé. Identity traits returned by the DMP are deliberately not
  kept: the LPS must not display them (PDSm4DMP TD0.2, RG_0320) and uses its own.
* :class:`AuthorizationUpdate` — TD0.3.
* :class:`SubmitResult` — TD2.1: the identifiers that let the caller find its document
  again (the document uniqueId is the idempotency key of a submission).
* :class:`DocumentList` — TD3.1: the entries found (XDS DocumentEntry values).
* :class:`UpdateResult` — TD3.3a-d.

Retrieved documents (TD3.2) are :class:`esante.xds.RetrievedDocument` values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from esante.xds import DocumentEntry, RegistryError


class AuthorizationStatus(StrEnum):
    """Status of the acting professional's access authorisation (TD0.2 ``AUTORISATION``)."""

    VALIDE = "VALIDE"
    """Authorised by the patient."""
    EXPIREE = "EXPIREE"
    """The authorisation has expired."""
    INTERDITE = "INTERDITE"
    """The patient has blocked this professional."""
    NON_EXISTANTE = "NON_EXISTANTE"
    """No authorisation yet (TD0.3 can add one with the patient's consent)."""


class Visibility(StrEnum):
    """The DMP visibility codes of a document (confidentialityCode, TRE_A07)."""

    MASKED_TO_PROFESSIONALS = "MASQUE_PS"
    INVISIBLE_TO_PATIENT = "INVISIBLE_PATIENT"
    INVISIBLE_TO_LEGAL_REPRESENTATIVES = "INVISIBLE_REPRESENTANTS_LEGAUX"


@dataclass(frozen=True)
class DmpStatus:
    """The answer to TD0.2 for one patient and one professional.

    ``exists``: the DMP answered with the patient (``queryResponseCode`` OK).
    ``closed``: the patient's record is no longer active (``statusCode`` other than
    ``active``). ``authorization``: the acting professional's authorisation status (an
    :class:`AuthorizationStatus`, or the raw code if the DMP sends another).
    ``treating_physician``: the professional is the patient's "médecin traitant DMP"
    (``STATUT_MT``). ``attached_to_mes``: the DMP is attached to Mon espace santé
    (``RATTACHEMENT_ENS``). ``observations``: every administrative observation of the
    answer by code (raw values), so that nothing the DMP says is lost.
    """

    exists: bool
    closed: bool = False
    patient_status: str | None = None
    authorization: AuthorizationStatus | str | None = None
    treating_physician: bool | None = None
    attached_to_mes: bool | None = None
    internet_account_open: bool | None = None
    dmp_id: str | None = None
    observations: Mapping[str, str] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        """The DMP exists and is open."""
        return self.exists and not self.closed

    @property
    def authorized(self) -> bool:
        """The acting professional holds a valid authorisation."""
        return self.authorization == AuthorizationStatus.VALIDE


@dataclass(frozen=True, slots=True)
class AuthorizationUpdate:
    """The answer to TD0.3: the DMP status (``DMPOk``) and its comment."""

    status: str
    context: str | None = None


@dataclass(frozen=True, slots=True)
class SubmitResult:
    """The answer to TD2.1 (a submission accepted by the DMP)."""

    document_unique_id: str
    submission_set_unique_id: str
    signature_unique_id: str
    replaced_entry_uuid: str | None = None
    warnings: tuple[RegistryError, ...] = ()


@dataclass(frozen=True, slots=True)
class DocumentList:
    """The answer to TD3.1: the documents found, and the signature entries apart."""

    documents: tuple[DocumentEntry, ...] = ()
    signatures: tuple[DocumentEntry, ...] = ()
    warnings: tuple[RegistryError, ...] = ()

    def __len__(self) -> int:
        return len(self.documents)

    def by_unique_id(self, unique_id: str) -> DocumentEntry | None:
        """The document whose uniqueId is ``unique_id``, if listed."""
        return next((d for d in self.documents if d.unique_id == unique_id), None)


@dataclass(frozen=True, slots=True)
class UpdateResult:
    """The answer to TD3.3a-d: which TD changed which entry."""

    transaction: str
    entry_uuid: str
    unique_id: str | None = None
    warnings: tuple[RegistryError, ...] = ()
