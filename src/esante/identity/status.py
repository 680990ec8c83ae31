"""The identity status machine of the INS (PROV, RECUP, VALI, QUAL), as pure functions.

Référentiel national d'identitovigilance (RNIV) and ANS INS implementation guide: an
identity's status records two independent pieces of evidence,

* the INS was retrieved from the INSi teleservice (and its traits checked against the
  answer) → "Identité récupérée" (RECUP);
* the identity was checked against a high-trust identity document → "Identité validée"
  (VALI);
* both → "Identité qualifiée" (QUAL), the only status in which the INS may be used,
  referenced in documents and shared, always together with its traits;
* neither → "Identité provisoire" (PROV).

:func:`transition` adds evidence and computes the new status; it refuses a requested
target the evidence does not justify (QUAL without an INSi answer, VALI with a driving
licence...). :func:`downgrade` removes evidence when something invalidates it:

* a strict trait is modified: the traits are no longer those of the INSi answer, so the
  INS evidence is lost (RECUP → PROV, QUAL → VALI; the document check stands);
* INSi no longer confirms the INS (verification failed, INS replaced): RECUP → PROV,
  QUAL → VALI;
* the identity document proves unreliable: VALI → PROV, QUAL → RECUP;
* the identity is doubtful or fictitious: back to PROV whatever the status.

:func:`reconfirmation` records a periodic re-verification that INSi confirmed: the status
stays, the history gets the new INSi reference.

Every change returns a :class:`StatusChange` record (from, to, French reason, validation
mode, INSi reference) matching the ``identity_status_change`` table. No I/O, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from esante.identity.documents import IdentityDocument
from esante.identity.errors import IdentityStatusError, InsError
from esante.identity.ins import Ins
from esante.identity.traits import IdentityTraits

__all__ = [
    "Downgrade",
    "IdentityStatus",
    "SharedIdentity",
    "StatusChange",
    "downgrade",
    "next_status",
    "reconfirmation",
    "shareable_ins",
    "transition",
]


class IdentityStatus(Enum):
    """The four identity statuses, with their official French labels."""

    PROV = "PROV"
    RECUP = "RECUP"
    VALI = "VALI"
    QUAL = "QUAL"

    @property
    def label(self) -> str:
        """Official French label."""
        return _STATUS_LABELS[self]

    @property
    def has_insi(self) -> bool:
        """True when the status carries an INSi answer (RECUP, QUAL)."""
        return self in (IdentityStatus.RECUP, IdentityStatus.QUAL)

    @property
    def has_document(self) -> bool:
        """True when the status carries a high-trust document check (VALI, QUAL)."""
        return self in (IdentityStatus.VALI, IdentityStatus.QUAL)


_STATUS_LABELS = {
    IdentityStatus.PROV: "Identité provisoire",
    IdentityStatus.RECUP: "Identité récupérée",
    IdentityStatus.VALI: "Identité validée",
    IdentityStatus.QUAL: "Identité qualifiée",
}


def _status_of(has_insi: bool, has_document: bool) -> IdentityStatus:
    if has_insi and has_document:
        return IdentityStatus.QUAL
    if has_insi:
        return IdentityStatus.RECUP
    if has_document:
        return IdentityStatus.VALI
    return IdentityStatus.PROV


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One status change: what it was, what it becomes, and why (French)."""

    from_status: IdentityStatus | None
    to_status: IdentityStatus
    reason: str
    validation_mode: str | None = None
    insi_reference: str | None = None

    @property
    def changed(self) -> bool:
        """False when the evidence confirmed the current status without changing it."""
        return self.from_status is not self.to_status


class Downgrade(Enum):
    """Events that remove evidence from an identity, with their French label."""

    TRAITS_MODIFIED = "modification d'un trait strict de l'identité"
    INSI_NOT_CONFIRMED = "INS non confirmée par le téléservice INSi"
    DOCUMENT_UNRELIABLE = "pièce d'identité non fiable"
    DOUBTFUL_IDENTITY = "identité douteuse ou fictive"

    @property
    def label(self) -> str:
        """French label."""
        return self.value


def _requirements(target: IdentityStatus, has_insi: bool, has_document: bool) -> list[str]:
    missing = []
    if target.has_insi and not has_insi:
        missing.append("la réponse du téléservice INSi (INS récupérée et vérifiée) est requise")
    if target.has_document and not has_document:
        missing.append("le contrôle d'une pièce d'identité à haut niveau de confiance est requis")
    return missing


def transition(
    current: IdentityStatus | None,
    *,
    insi_reference: str | None = None,
    document: IdentityDocument | None = None,
    target: IdentityStatus | None = None,
) -> StatusChange:
    """Add evidence to an identity and compute its new status.

    ``current`` is ``None`` for a new identity. ``insi_reference`` identifies the INSi
    answer whose INS and traits were checked; ``document`` is the identity document the
    user checked. ``target``, when given, is the status the user asked for: it must be
    exactly what the evidence justifies.

    Raises :class:`IdentityStatusError` (French) when the document is not a high-trust
    one, when ``target`` is not justified (e.g. QUAL without an INSi answer, or a lower
    status: use :func:`downgrade`), or when an existing identity gets no evidence.
    """
    reference = insi_reference.strip() if insi_reference is not None else None
    if reference == "":
        raise IdentityStatusError(
            "La référence de la réponse INSi est vide.",
            detail="insi_reference is blank",
            field="insi_reference",
        )
    if document is not None and (refusal := document.refusal()) is not None:
        raise IdentityStatusError(
            f"Identité non validée : {refusal}.",
            detail=f"document {document.type.code} ({document.type.trust.value}) refused",
            field="document",
        )
    if current is not None and reference is None and document is None:
        raise IdentityStatusError(
            f"Aucun élément nouveau (réponse INSi ou pièce d'identité) : l'identité reste "
            f"au statut « {current.label} ».",
            detail="transition() on an existing identity without insi_reference or document",
        )
    has_insi = reference is not None or (current is not None and current.has_insi)
    has_document = document is not None or (current is not None and current.has_document)
    new = _status_of(has_insi, has_document)
    if target is not None and target is not new:
        missing = _requirements(target, has_insi, has_document)
        if not missing:
            missing = [
                f"les éléments disponibles conduisent au statut « {new.label} »"
                + (" ; pour revenir en arrière, déclarez l'événement en cause" if current else "")
            ]
        raise IdentityStatusError(
            f"Passage au statut « {target.label} » impossible : {' ; '.join(missing)}.",
            detail=f"target {target.value} but evidence gives {new.value} "
            f"(from {current.value if current else None}, insi={has_insi}, doc={has_document})",
            field="status",
        )
    parts = []
    if reference is not None:
        parts.append("INS récupérée et vérifiée par le téléservice INSi")
    if document is not None:
        parts.append(f"pièce d'identité contrôlée : {document.type.label}")
    reason = " ; ".join(parts) if parts else "création de l'identité"
    return StatusChange(
        from_status=current,
        to_status=new,
        reason=reason[0].upper() + reason[1:],
        validation_mode=document.validation_mode if document is not None else None,
        insi_reference=reference,
    )


def next_status(
    current: IdentityStatus | None,
    *,
    insi_reference: str | None = None,
    document: IdentityDocument | None = None,
) -> IdentityStatus:
    """The status :func:`transition` leads to (same rules, same errors)."""
    return transition(current, insi_reference=insi_reference, document=document).to_status


def downgrade(current: IdentityStatus, event: Downgrade) -> StatusChange:
    """Remove the evidence ``event`` invalidates and return the resulting change.

    The change may leave the status as it was (e.g. traits modified on a provisional
    identity); see :attr:`StatusChange.changed`.
    """
    has_insi, has_document = current.has_insi, current.has_document
    if event in (Downgrade.TRAITS_MODIFIED, Downgrade.INSI_NOT_CONFIRMED):
        has_insi = False
    elif event is Downgrade.DOCUMENT_UNRELIABLE:
        has_document = False
    else:
        has_insi = has_document = False
    new = _status_of(has_insi, has_document)
    reason = event.label[0].upper() + event.label[1:]
    if new is not current:
        reason += f" : l'identité passe du statut « {current.label} » à « {new.label} »"
    return StatusChange(from_status=current, to_status=new, reason=reason)


def reconfirmation(current: IdentityStatus, insi_reference: str) -> StatusChange:
    """INSi confirmed again the INS held by an identity (periodic re-verification).

    The status does not change (``from_status`` is ``to_status``); the record carries the
    reference of the confirming answer, so the history tells when the INS was last
    verified. Raises :class:`IdentityStatusError` for an identity without INSi evidence
    (PROV, VALI: there is no INS to re-verify) or a blank reference.
    """
    reference = insi_reference.strip()
    if not reference:
        raise IdentityStatusError(
            "La référence de la réponse INSi est vide.",
            detail="insi_reference is blank",
            field="insi_reference",
        )
    if not current.has_insi:
        raise IdentityStatusError(
            f"Aucune INS à vérifier : l'identité est au statut « {current.label} ».",
            detail=f"reconfirmation of a {current.value} identity",
            field="status",
        )
    return StatusChange(
        from_status=current,
        to_status=current,
        reason="Vérification périodique : INS et traits confirmés par le téléservice INSi",
        insi_reference=reference,
    )


@dataclass(frozen=True, slots=True)
class SharedIdentity:
    """An INS cleared for use outside the practice: always the INS *and* its traits."""

    ins: Ins
    traits: IdentityTraits

    def cx(self) -> str:
        """HL7v2 CX rendering of the INS."""
        return self.ins.cx()


def shareable_ins(ins: Ins, status: IdentityStatus, traits: IdentityTraits) -> SharedIdentity:
    """Clear an INS for export or sharing; the result carries the traits with it.

    Raises :class:`IdentityStatusError` unless the identity is qualified (QUAL), and
    :class:`InsError` when the INS has no OID.
    """
    if status is not IdentityStatus.QUAL:
        raise IdentityStatusError(
            f"L'INS ne peut être utilisée ni partagée : l'identité est au statut "
            f"« {status.label} », le statut « Identité qualifiée » est requis.",
            detail=f"shareable_ins requires QUAL, got {status.value}",
            field="identity_status",
        )
    if ins.oid is None:
        raise InsError(
            "L'INS ne peut pas être partagée sans l'OID de son autorité d'affectation.",
            detail="shareable_ins needs an Ins with an OID",
            field="oid",
        )
    return SharedIdentity(ins=ins, traits=traits)
