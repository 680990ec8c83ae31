"""Identity documents and their trust level, for validating an identity.

An identity reaches "Identité validée" (and, with an INSi answer, "Identité qualifiée")
only when the person showed a *high-trust* identification device (Référentiel national
d'identitovigilance, volet 1). The list and its trust levels are data
(``data/identity_documents.json``), coded with the "mode de validation de l'identité"
codes of the French FHIR core guide so that they can be stored and exchanged as such:

* high trust, on its own: passport (PA), national identity card (CN), residence permit
  (CS, "titre de séjour");
* for a minor only: the travel document for foreign minors (DC, it bears a photograph);
* for a minor only, and only together with a high-trust device of a parent or legal
  guardian: birth certificate extract (AN), birth certificate (AC), family record
  book (LE);
* low trust, never enough: driving licence, military card, trusted third party...

The RNIV also accepts a family record book or birth certificate extract with a
photographed Vitale card for a direct admission to a nursing home (EHPAD); that case
does not arise in a practice and is not modelled. Note that the FR core value set of
validation modes "allowed for the INS" lists PA, CN, AN and LE only; the residence
permit is kept here as high trust because the RNIV lists it among the high-trust
devices.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum
from functools import cache
from importlib import resources

from esante.identity.errors import IdentityStatusError

__all__ = ["DocumentTrust", "DocumentType", "IdentityDocument", "document_type", "document_types"]


class DocumentTrust(Enum):
    """How far a document can be trusted to validate an identity."""

    HIGH = "haut"
    MINOR = "mineur"
    MINOR_WITH_GUARDIAN = "mineur_accompagne"
    LOW = "faible"


@dataclass(frozen=True, slots=True)
class DocumentType:
    """A kind of identity document: code, French label, trust level."""

    code: str
    label: str
    trust: DocumentTrust


@cache
def _registry() -> dict[str, DocumentType]:
    raw = resources.files("esante.identity").joinpath("data/identity_documents.json")
    data = json.loads(raw.read_text(encoding="utf-8"))
    return {
        d["code"]: DocumentType(d["code"], d["label"], DocumentTrust(d["trust"]))
        for d in data["documents"]
    }


def document_types() -> tuple[DocumentType, ...]:
    """Every known identity document type, high-trust ones first."""
    return tuple(_registry().values())


def document_type(code: str) -> DocumentType:
    """The document type for ``code`` (``PA``, ``CN``...); raises :class:`IdentityStatusError`."""
    found = _registry().get(code.strip().upper())
    if found is None:
        known = ", ".join(f"{d.code} ({d.label})" for d in document_types())
        raise IdentityStatusError(
            f"Type de pièce d'identité inconnu : « {code} ». Types connus : {known}.",
            detail=f"unknown identity document code {code!r}",
            field="document",
        )
    return found


@dataclass(frozen=True, slots=True)
class IdentityDocument:
    """An identity document the user has checked, with the context that decides its trust.

    ``holder_is_minor`` says the patient is under 18; ``guardian_document`` is the
    high-trust device of a parent or legal guardian shown together with a birth
    certificate or family record book.
    """

    type: DocumentType
    holder_is_minor: bool = False
    guardian_document: DocumentType | None = None

    @classmethod
    def of(
        cls, code: str, *, holder_is_minor: bool = False, guardian_code: str | None = None
    ) -> IdentityDocument:
        """Build from document codes (see :func:`document_type`)."""
        guardian = document_type(guardian_code) if guardian_code is not None else None
        return cls(document_type(code), holder_is_minor, guardian)

    @property
    def validation_mode(self) -> str:
        """The code recorded as the identity's validation mode."""
        return self.type.code

    def refusal(self) -> str | None:
        """Why this document cannot validate the identity (French), or None if it can."""
        label = self.type.label
        trust = self.type.trust
        if trust is DocumentTrust.HIGH:
            return None
        if trust is DocumentTrust.LOW:
            return (
                f"« {label} » n'est pas un dispositif d'identification à haut niveau de "
                "confiance (passeport, carte nationale d'identité ou titre de séjour attendu)"
            )
        if not self.holder_is_minor:
            return f"« {label} » ne permet de valider que l'identité d'un mineur"
        if trust is DocumentTrust.MINOR_WITH_GUARDIAN and (
            self.guardian_document is None or self.guardian_document.trust is not DocumentTrust.HIGH
        ):
            return (
                f"« {label} » doit être accompagné d'une pièce à haut niveau de confiance "
                "d'un parent ou du représentant légal"
            )
        return None

    @property
    def is_high_trust(self) -> bool:
        """True when the document may validate the identity."""
        return self.refusal() is None
