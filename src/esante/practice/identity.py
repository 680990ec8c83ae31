"""A patient's INS identity in the practice: INS checks, evidence, status history.

The rules are :mod:`esante.identity`'s (RNIV): the status follows from the evidence —
an INSi answer (the INS retrieved and its traits checked), a high-trust identity
document — through the status machine :func:`esante.identity.transition`; events that
invalidate evidence go through :func:`esante.identity.downgrade`. This module applies
them to the stored patient and writes one ``identity_status_change`` row per change.

Decisions:

* an INS is stored only with INSi evidence (RECUP, QUAL): the INS is only ever obtained
  from the INSi teleservice, so an INS typed without an INSi reference is refused;
* the INS must agree with the traits (sex, year and month of birth, place of birth:
  :func:`esante.identity.traits_discrepancies`), else it is refused — for an identity
  that comes from INSi a discrepancy is an input error, not a fact to record;
* when the INSi evidence is lost (strict trait modified, INS no longer confirmed,
  doubtful identity) the stored INS is cleared: it must not be used any more and the
  way back is a new INSi call; the history row says why.

INSi evidence added to an existing identity (:func:`add_insi_evidence`, the "identity
evidence" action of REST and CLI) comes only from a call to the INSi teleservice made
here, never from a typed reference: with an INS given, the INS is *verified* (a search by
the patient's traits whose ``00`` answer must carry that INS and the same traits: ANS,
INS implementation guide, "vérification"); without one, it is *retrieved* (the INS is
the answer's). The history row keeps the reference of that answer. Without an INSi
client configured, INSi evidence is refused (a typed ``insi_reference`` proves nothing).
:func:`add_evidence` with a reference is kept for identities imported as already
qualified (the demo dataset, a migration).

Identity errors are re-raised as :class:`PracticeValidationError` with the service's
field names (``ins_matricule``, ``identity_document``...), the original chained.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Protocol

from sqlalchemy.orm import Session

from esante.identity import (
    Downgrade,
    IdentityDocument,
    IdentityStatus,
    IdentityTraits,
    Ins,
    StatusChange,
    check_ins,
    traits_discrepancies,
    transition,
)
from esante.identity import downgrade as downgrade_status
from esante.identity.errors import IdentityError
from esante.identity.insi import ResultCode, Verification
from esante.identity.insi import verify as verify_answer
from esante.insi import InsiAnswer, InsiError
from esante.practice.errors import PracticeValidationError
from esante.store.errors import ConflictError
from esante.store.models import IdentityStatusChange, Patient
from esante.store.repositories import PatientRepository

ADULT_AGE = 18

_FIELDS = {
    "matricule": "ins_matricule",
    "oid": "ins_oid",
    "document": "identity_document",
    "status": "identity_status",
}


@contextmanager
def identity_rules() -> Iterator[None]:
    """Turn :class:`IdentityError` into PracticeValidationError with the service's fields."""
    try:
        yield
    except IdentityError as exc:
        field = _FIELDS.get(exc.field or "", exc.field)
        raise PracticeValidationError(exc.message, detail=exc.detail, field=field) from exc


def is_minor(birth_date: date, today: date | None = None) -> bool:
    """True when a person born on ``birth_date`` is under 18 on ``today``."""
    today = today or date.today()
    years = (
        today.year
        - birth_date.year
        - ((today.month, today.day) < (birth_date.month, birth_date.day))
    )
    return years < ADULT_AGE


def traits_of(patient: Patient) -> IdentityTraits:
    """The INS reference traits of a stored patient."""
    with identity_rules():
        return IdentityTraits(
            birth_family_name=patient.birth_family_name,
            birth_given_names=patient.birth_given_names,
            first_given_name=patient.first_given_name,
            sex=patient.sex,
            birth_date=patient.birth_date,
            birthplace_cog=patient.birthplace_cog,
        )


def checked_ins(matricule: str, oid: str | None, traits: IdentityTraits) -> Ins:
    """The INS, checked (key, OID) and coherent with ``traits``; else PracticeValidationError."""
    if oid is None or not oid.strip():
        raise PracticeValidationError(
            "L'OID de l'autorité d'affectation de l'INS est obligatoire avec le matricule.",
            field="ins_oid",
        )
    with identity_rules():
        ins = check_ins(matricule, oid)
    problems = traits_discrepancies(ins, traits)
    if problems:
        raise PracticeValidationError(
            "INS incohérente avec les traits d'identité : " + " ".join(problems),
            detail=f"{len(problems)} discrepancies between the matricule and the traits",
            field="ins_matricule",
        )
    return ins


def ensure_ins_free(session: Session, ins: Ins, patient_id: int | None = None) -> None:
    """ConflictError when another patient already holds this INS (a likely duplicate)."""
    holder = PatientRepository(session).by_ins(ins.matricule, ins.oid)
    if holder is not None and holder.id != patient_id:
        raise ConflictError(
            f"Cette INS est déjà celle d'un autre patient (IPP {holder.local_id}) : "
            "doublon probable, vérifiez l'identité.",
            detail=f"INS held by patient id={holder.id}",
            field="ins_matricule",
        )


def document_of(
    code: str | None, guardian_code: str | None, birth_date: date
) -> IdentityDocument | None:
    """The checked identity document (None when no document was shown)."""
    if code is None or not code.strip():
        if guardian_code:
            raise PracticeValidationError(
                "Pièce du représentant légal indiquée sans pièce d'identité du patient.",
                field="identity_document",
            )
        return None
    with identity_rules():
        return IdentityDocument.of(
            code, holder_is_minor=is_minor(birth_date), guardian_code=guardian_code or None
        )


def record_change(
    patient: Patient, change: StatusChange, practitioner_id: int | None, note: str | None = None
) -> None:
    """Apply ``change`` to ``patient`` and append its history row."""
    patient.identity_status = change.to_status.value
    if change.validation_mode is not None:
        patient.identity_validation_mode = change.validation_mode
    if not change.to_status.has_document:
        patient.identity_validation_mode = None
    if not change.to_status.has_insi:
        patient.ins_matricule = None
        patient.ins_oid = None
    reason = change.reason if not note else f"{change.reason} — {note}"
    patient.status_history.append(
        IdentityStatusChange(
            from_status=change.from_status.value if change.from_status else None,
            to_status=change.to_status.value,
            validation_mode=change.validation_mode,
            insi_reference=change.insi_reference,
            practitioner_id=practitioner_id,
            reason=reason,
        )
    )


def status_target(value: str | None) -> IdentityStatus | None:
    """The status asked for, parsed; PracticeValidationError for an unknown one."""
    if value is None or not value.strip():
        return None
    try:
        return IdentityStatus(value.strip().upper())
    except ValueError as exc:
        raise PracticeValidationError(
            f"Statut d'identité « {value} » inconnu : PROV, RECUP, VALI ou QUAL attendu.",
            field="identity_status",
        ) from exc


def add_evidence(
    session: Session,
    patient: Patient,
    *,
    ins_matricule: str | None = None,
    ins_oid: str | None = None,
    insi_reference: str | None = None,
    document: IdentityDocument | None = None,
    target: IdentityStatus | None = None,
    practitioner_id: int | None = None,
) -> StatusChange:
    """Record new identity evidence on ``patient`` (new or stored) and its status change.

    An INS comes with its INSi reference (and the reverse when the patient holds none
    yet); it is checked against the traits and must not be another patient's.
    """
    current = IdentityStatus(patient.identity_status) if patient.id is not None else None
    ins: Ins | None = None
    if ins_matricule is not None and ins_matricule.strip():
        if not insi_reference:
            raise PracticeValidationError(
                "Une INS ne s'enregistre qu'avec la référence de la réponse du téléservice "
                "INSi dont elle provient.",
                field="insi_reference",
            )
        ins = checked_ins(ins_matricule, ins_oid, traits_of(patient))
        ensure_ins_free(session, ins, patient.id)
    elif insi_reference and patient.ins_matricule is None:
        raise PracticeValidationError(
            "Réponse INSi indiquée sans l'INS qu'elle a renvoyée.", field="ins_matricule"
        )
    with identity_rules():
        change = transition(
            current, insi_reference=insi_reference, document=document, target=target
        )
    if ins is not None:
        patient.ins_matricule = ins.matricule
        patient.ins_oid = ins.oid
    record_change(patient, change, practitioner_id)
    return change


def remove_evidence(
    patient: Patient,
    event: Downgrade,
    *,
    practitioner_id: int | None = None,
    note: str | None = None,
) -> StatusChange:
    """Apply the downgrade ``event`` to ``patient``; a no-op change writes no row."""
    change = downgrade_status(IdentityStatus(patient.identity_status), event)
    if change.changed:
        record_change(patient, change, practitioner_id, note)
    return change


class InsiVerifier(Protocol):
    """What the practice needs of the INSi client (:class:`esante.insi.InsiClient`)."""

    def search(self, traits: IdentityTraits) -> InsiAnswer: ...

    def verify(self, matricule: str, traits: IdentityTraits) -> tuple[InsiAnswer, Verification]: ...


def _insi_failure(exc: InsiError) -> PracticeValidationError:
    retry = " Réessayez plus tard." if exc.retryable else ""
    return PracticeValidationError(
        f"Interrogation du téléservice INSi impossible : {exc.message}{retry}",
        detail=exc.detail,
        field="insi_reference",
    )


def insi_ins(
    insi: InsiVerifier | None,
    traits: IdentityTraits,
    ins_matricule: str | None,
    ins_oid: str | None,
) -> tuple[Ins, str]:
    """The INS confirmed by INSi for ``traits`` and the reference of the answer.

    With ``ins_matricule``: verification (the answer must carry it, in force, and the same
    traits); without: retrieval (one identity, ``00``, whose traits are the held ones).
    Raises PracticeValidationError naming the field, with the service's reason in French.
    """
    if insi is None:
        raise PracticeValidationError(
            "Téléservice INSi non configuré : une INS ne s'enregistre qu'après une "
            "interrogation réussie du téléservice INSi, une référence saisie ne suffit pas.",
            detail="no INSi client",
            field="insi_reference",
        )
    try:
        if ins_matricule is not None and ins_matricule.strip():
            answer, verification = insi.verify(ins_matricule, traits)
        else:
            answer = insi.search(traits)
            individual = answer.resultat.individual
            matricule = individual.ins.matricule if individual is not None else ""
            verification = verify_answer(answer.resultat, matricule, traits)
    except InsiError as exc:
        raise _insi_failure(exc) from exc
    individual = answer.resultat.individual
    if answer.code is not ResultCode.FOUND or individual is None:
        raise PracticeValidationError(
            f"{answer.code.label} {answer.code.advice}",
            detail=f"INSi CodeCR {answer.code.value}",
            field="ins_matricule" if ins_matricule else "insi_reference",
        )
    if verification.replaced:
        raise PracticeValidationError(
            f"{verification.message} Nouvelle INS : {individual.ins.matricule}.",
            detail="held INS is in INSHISTO",
            field="ins_matricule",
        )
    if not verification.confirmed:
        raise PracticeValidationError(
            verification.message, detail="INSi verification failed", field="ins_matricule"
        )
    ins = individual.ins
    if ins_oid is not None and ins_oid.strip() and ins_oid.strip() != ins.oid:
        raise PracticeValidationError(
            f"OID de l'INS différent de celui renvoyé par le téléservice INSi ({ins.oid}).",
            detail=f"{ins_oid!r} != {ins.oid}",
            field="ins_oid",
        )
    return ins, answer.reference


def add_insi_evidence(
    session: Session,
    patient: Patient,
    insi: InsiVerifier | None,
    *,
    ins_matricule: str | None = None,
    ins_oid: str | None = None,
    insi_reference: str | None = None,
    document: IdentityDocument | None = None,
    target: IdentityStatus | None = None,
    practitioner_id: int | None = None,
) -> StatusChange:
    """New identity evidence on a stored ``patient``, INSi evidence from INSi only.

    A typed ``insi_reference`` is not evidence: when given (or with an INS), the INSi
    teleservice is called through
    ``insi`` (see :func:`insi_ins`) and the answer's reference is what is recorded. A
    document alone goes through the status machine as before.
    """
    wants_insi = bool(
        (ins_matricule and ins_matricule.strip()) or (insi_reference and insi_reference.strip())
    )
    if not wants_insi:
        return add_evidence(
            session, patient, document=document, target=target, practitioner_id=practitioner_id
        )
    ins, reference = insi_ins(insi, traits_of(patient), ins_matricule, ins_oid)
    return add_evidence(
        session,
        patient,
        ins_matricule=ins.matricule,
        ins_oid=ins.oid,
        insi_reference=reference,
        document=document,
        target=target,
        practitioner_id=practitioner_id,
    )
