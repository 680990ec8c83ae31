"""Periodic re-verification of the INS held by the practice's identities, through INSi.

Why: an INS can change after it was retrieved. A NIA (the waiting number of a person
born abroad) is replaced by a NIR once the identity is certified; a NIR changes after
some changes of civil status. INSi then answers with the new INS in force (``INSACTIF``)
and the old one in its history (``INSHISTO``), and documents referenced with the old
INS no longer meet the patient's record in the DMP. The ANS INS implementation guide
therefore asks software to *verify* a held INS — a search by the held traits whose
``00`` answer must carry that INS and those traits
(:func:`esante.identity.insi.verify`) — and the RNIV to re-check it over time.

The period: no public RNIV or INSi document consulted (RNIV volets 1 and 2, the ANS
INS implementation guide's pages, CNAM and regional INS pages) gives one, so it is a
parameter, :data:`DEFAULT_PERIOD` one year. A year bounds how long a replaced INS goes
on referencing shared documents, and keeps the calls few: INSi is queried one person per
call on behalf of a professional, and a practice of a few thousand patients then makes
a few calls a day. An identity never verified since it was imported (no INSi reference
in its history) is due at once.

Rules for one identity holding an INS from INSi (RECUP or QUAL),
:func:`reverify_identity`:

* INSi confirms the INS in force and the traits → the status stays; a history row
  records the new INSi reference (:func:`esante.identity.reconfirmation`): that row's
  time is the "last verified" the period is counted from;
* the held INS is only in the answer's history (replaced) → the INSi evidence is lost
  (:attr:`~esante.identity.Downgrade.INSI_NOT_CONFIRMED`: QUAL → VALI, RECUP → PROV),
  the INS is cleared, and the history row names the new INS to retrieve with a new
  INSi call (never recorded without that call);
* any other answer (``01``, ``02`` after narrowing, another INS, different traits) →
  the same downgrade, the reasons in the history row;
* INSi unavailable → nothing changes, the result says to retry; a refused request or an
  unreadable (forged) answer → nothing changes either: it proves nothing about the INS.

Each attempt is traced (``patients:identity-reverify``, with its outcome); each status
change is a row of the identity history with the answer's reference. Batches
(:func:`reverify_patients`) commit one patient at a time and stop calling INSi after an
outage (the rest is reported as not attempted, to retry).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from esante.identity import Downgrade, IdentityStatus, reconfirmation
from esante.identity import downgrade as downgrade_status
from esante.insi import InsiError, InsiUnavailableError
from esante.practice import trace
from esante.practice.actors import Actor
from esante.practice.errors import PracticeValidationError
from esante.practice.identity import InsiVerifier, identity_rules, record_change, traits_of
from esante.store.models import IdentityStatusChange, Patient
from esante.store.repositories import PatientRepository

__all__ = [
    "ACTION",
    "DEFAULT_PERIOD",
    "Outcome",
    "Reverification",
    "due_for_reverification",
    "last_verified",
    "reverify_identity",
    "reverify_patients",
]

DEFAULT_PERIOD: Final = timedelta(days=365)
"""How old the last INSi verification of an INS may be (see the module: no official
period was found; a parameter everywhere)."""
ACTION: Final = "patients:identity-reverify"
"""The trace's action of one re-verification."""
_WITH_INS = tuple(s.value for s in IdentityStatus if s.has_insi)


class Outcome(Enum):
    """What one re-verification came to, with its French label."""

    CONFIRMED = "confirmed"
    REPLACED = "replaced"
    NOT_CONFIRMED = "not_confirmed"
    UNAVAILABLE = "unavailable"
    FAILED = "failed"
    NOT_ATTEMPTED = "not_attempted"

    @property
    def label(self) -> str:
        """French label, for the clinician."""
        return _LABELS[self]

    @property
    def retry(self) -> bool:
        """True when the INS is still to verify: trying later may succeed."""
        return self in (Outcome.UNAVAILABLE, Outcome.NOT_ATTEMPTED)


_LABELS = {
    Outcome.CONFIRMED: "INS confirmée",
    Outcome.REPLACED: "INS remplacée : statut abaissé",
    Outcome.NOT_CONFIRMED: "INS non confirmée : statut abaissé",
    Outcome.UNAVAILABLE: "téléservice INSi indisponible : à réessayer",
    Outcome.FAILED: "échec de l'interrogation INSi",
    Outcome.NOT_ATTEMPTED: "non vérifiée (téléservice indisponible) : à réessayer",
}


@dataclass(frozen=True)
class Reverification:
    """The result for one patient: outcome, French message, statuses before and after."""

    patient_id: int
    local_id: str
    outcome: Outcome
    message: str
    from_status: str
    to_status: str
    insi_reference: str | None = None
    """The reference of the INSi answer (None when INSi did not answer)."""
    new_ins: str | None = None
    """The INS in force INSi answered, when it replaced the held one."""

    @property
    def retry(self) -> bool:
        return self.outcome.retry

    @property
    def downgraded(self) -> bool:
        return self.from_status != self.to_status


def last_verified(session: Session, patient_id: int) -> datetime | None:
    """When INSi last confirmed (or gave) the patient's INS: the latest history row
    carrying an INSi reference; None when there is none."""
    return session.scalar(
        select(func.max(IdentityStatusChange.at)).where(
            IdentityStatusChange.patient_id == patient_id,
            IdentityStatusChange.insi_reference.is_not(None),
        )
    )


def due_for_reverification(
    session: Session,
    *,
    period: timedelta = DEFAULT_PERIOD,
    now: datetime | None = None,
    limit: int | None = None,
) -> list[int]:
    """Ids of the patients holding an INS (RECUP, QUAL) not verified by INSi within
    ``period`` before ``now``, the longest unverified first (never verified first)."""
    if period <= timedelta(0):
        raise PracticeValidationError(
            "La période de revérification doit être positive.",
            detail=f"period={period}",
            field="period",
        )
    cutoff = (now or datetime.now(UTC)) - period
    last = (
        select(
            IdentityStatusChange.patient_id.label("patient_id"),
            func.max(IdentityStatusChange.at).label("at"),
        )
        .where(IdentityStatusChange.insi_reference.is_not(None))
        .group_by(IdentityStatusChange.patient_id)
        .subquery()
    )
    query = (
        select(Patient.id)
        .outerjoin(last, last.c.patient_id == Patient.id)
        .where(
            Patient.identity_status.in_(_WITH_INS),
            Patient.ins_matricule.is_not(None),
            (last.c.at.is_(None)) | (last.c.at < cutoff),
        )
        .order_by(last.c.at.is_not(None), last.c.at, Patient.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def _no_insi() -> PracticeValidationError:
    return PracticeValidationError(
        "Téléservice INSi non configuré (ou aucun professionnel pour qui l'interroger) : "
        "la vérification de l'INS est impossible.",
        detail="no INSi client",
        field="insi_reference",
    )


def reverify_identity(
    session: Session, patient_id: int, insi: InsiVerifier | None, *, actor: Actor
) -> Reverification:
    """Verify again, through ``insi``, the INS held by the patient; apply the rules of the
    module (confirmation recorded, downgrade, or nothing on failure); the caller commits.

    Raises NotFoundError, AccessDeniedError, or PracticeValidationError when the identity
    holds no INS from INSi or when no INSi client is given. INSi failures are results
    (:attr:`Outcome.UNAVAILABLE`, :attr:`Outcome.FAILED`), traced, not errors.
    """
    repo = PatientRepository(session)
    patient = repo.get(patient_id)
    trace.check(session, actor, "patients:write", patient, traced_as=ACTION)
    status = IdentityStatus(patient.identity_status)
    held = patient.ins_matricule
    if not status.has_insi or not held:
        raise PracticeValidationError(
            f"Aucune INS à vérifier : l'identité est au statut « {status.label} » ; "
            "l'INS s'obtient par une interrogation du téléservice INSi (preuve d'identité).",
            detail=f"{status.value} identity, ins={'set' if held else 'none'}",
            field="identity_status",
        )
    if insi is None:
        raise _no_insi()
    traits = traits_of(patient)
    before = status.value

    def result(outcome: Outcome, message: str, **extra: str | None) -> Reverification:
        reference = extra.get("insi_reference")
        trace.record(
            session,
            actor,
            ACTION,
            [patient],
            outcome="success" if outcome is Outcome.CONFIRMED else "failure",
            detail=f"{outcome.value}" + (f" {reference}" if reference else ""),
        )
        return Reverification(
            patient.id,
            patient.local_id,
            outcome,
            message,
            before,
            patient.identity_status,
            reference,
            extra.get("new_ins"),
        )

    try:
        answer, verification = insi.verify(held, traits)
    except InsiUnavailableError as exc:
        return result(
            Outcome.UNAVAILABLE,
            f"{exc.message} L'identité reste au statut « {status.label} ».",
        )
    except InsiError as exc:
        return result(
            Outcome.FAILED,
            f"Vérification impossible : {exc.message} L'identité reste au statut "
            f"« {status.label} ».",
        )
    individual = answer.resultat.individual
    problems = list(verification.problems)
    if (
        verification.confirmed
        and not verification.replaced
        and individual is not None
        and patient.ins_oid
        and individual.ins.oid != patient.ins_oid
    ):
        problems.append(f"OID de l'INS différent ({individual.ins.oid})")
    if not problems and not verification.replaced:
        with identity_rules():
            change = reconfirmation(status, answer.reference)
        record_change(patient, change, actor.practitioner_id)
        repo.save(patient)
        return result(
            Outcome.CONFIRMED,
            f"INS vérifiée : le téléservice INSi confirme l'INS et les traits ; l'identité "
            f"reste au statut « {status.label} ».",
            insi_reference=answer.reference,
        )
    change = replace(
        downgrade_status(status, Downgrade.INSI_NOT_CONFIRMED), insi_reference=answer.reference
    )
    if not problems and individual is not None:  # replaced: the held INS is in INSHISTO
        new = individual.ins
        kind = f" ({new.kind.label})" if new.kind is not None else ""
        note = (
            f"INS remplacée : le téléservice INSi renvoie la nouvelle INS {new.matricule}{kind}"
            " ; interrogez l'INSi pour l'enregistrer (preuve d'identité)"
        )
        record_change(patient, change, actor.practitioner_id, note)
        repo.save(patient)
        return result(
            Outcome.REPLACED,
            f"{change.reason}. {note}.",
            insi_reference=answer.reference,
            new_ins=new.matricule,
        )
    note = "vérification périodique : " + " ; ".join(problems)
    record_change(patient, change, actor.practitioner_id, note)
    repo.save(patient)
    return result(
        Outcome.NOT_CONFIRMED,
        f"{change.reason} ({'; '.join(problems)}).",
        insi_reference=answer.reference,
    )


def reverify_patients(
    session: Session,
    patient_ids: Sequence[int],
    insi: InsiVerifier | None,
    *,
    actor: Actor,
    stop_on_outage: bool = True,
    on_result: Callable[[Reverification], None] | None = None,
) -> list[Reverification]:
    """:func:`reverify_identity` for each patient, committing after each one (an
    interruption keeps what was done). After an outage, with ``stop_on_outage``, INSi
    is not called again: the remaining patients are :attr:`Outcome.NOT_ATTEMPTED`.
    An identity that cannot be verified (no INS any more, unusable traits) is a
    :attr:`Outcome.FAILED` result; access refusals and database errors are raised.
    """
    if insi is None:
        raise _no_insi()
    results: list[Reverification] = []
    outage = False
    for patient_id in patient_ids:
        if outage:
            patient = PatientRepository(session).get(patient_id)
            status = IdentityStatus(patient.identity_status)
            done = Reverification(
                patient_id,
                patient.local_id,
                Outcome.NOT_ATTEMPTED,
                Outcome.NOT_ATTEMPTED.label[0].upper() + Outcome.NOT_ATTEMPTED.label[1:] + ".",
                status.value,
                status.value,
            )
        else:
            try:
                done = reverify_identity(session, patient_id, insi, actor=actor)
            except PracticeValidationError as exc:
                session.rollback()
                patient = PatientRepository(session).get(patient_id)
                done = Reverification(
                    patient_id,
                    patient.local_id,
                    Outcome.FAILED,
                    exc.message,
                    patient.identity_status,
                    patient.identity_status,
                )
            except BaseException:
                session.rollback()
                raise
            else:
                session.commit()
            outage = stop_on_outage and done.outcome is Outcome.UNAVAILABLE
        results.append(done)
        if on_result is not None:
            on_result(done)
    return results
