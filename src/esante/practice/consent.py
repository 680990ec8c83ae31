"""The patient's say on the DMP / Mon espace santé, and the access rules that follow from it.

What the patient can say, per care episode (SC.DMP/CONF.06, CONF.06.BIS, CONF.09.BIS):

* nothing — feeding is allowed (non-opposition is the default: feeding is "opt out"),
  consultation is not;
* yes to consultation — an explicit tick, never pre-ticked, given after the professional
  informed the patient; feeding and consultation are allowed, and the consent is
  remembered for later episodes until withdrawn;
* no (opposition) — feeding *and* consultation are forbidden.

Decisions are append-only rows (:class:`~esante.store.ConsentDecision`): the latest one
rules, the older ones are the history. Every decision is traced in the access trace
(:mod:`esante.audit`, channel ``consent``), so the trace answers "who recorded what the
patient said, when".

Before any DMP call the caller asks this module: :func:`check_feeding` before a
submission (at validation time and again in the outbox, since the patient may object in
between), :func:`authorize_consultation` before a search or a retrieval. The access
modes are TRE_R248's:

* ``normal`` — needs the patient's consent to consultation;
* ``bris_de_glace`` — emergency access without the patient's authorisation, with a
  mandatory justification (10 characters at least). It is granted even when the patient
  opposed the DMP here: the law (CSP art. L1111-17) lets a professional open the DMP of a
  patient unable to express their will when their health is at immediate risk, unless
  the patient expressly opposed access *in that situation* — a setting the patient makes
  in Mon espace santé and the DMP itself enforces (it refuses the break-glass call). The
  local opposition answers the routine question of the care episode; the ANS screens
  (webinar Ségur vague 2, "Gestion de la non-opposition") keep the break-glass access
  offered next to the two "s'oppose" boxes. The access is traced with its reason and
  whether it overrode an opposition or the absence of consent, and the patient is
  notified by Mon espace santé;
* ``centre_15`` — the emergency regulation centre, for the same legal reason (the DMP
  enforces the patient's opposition); an optional reason is traced.

Whatever the mode, the professional must first have acknowledged the 180-day notice
(:mod:`esante.practice.notice`). Every decision on an access (granted or refused) is
traced with its mode and reason. A refusal is traced *before* the error is raised:
in the caller's session (which the caller commits after catching the
:class:`~esante.practice.errors.ConsentError`), or, given a session factory, in a
transaction of its own that survives the caller's rollback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from esante import audit
from esante.dmp import Access
from esante.practice import trace
from esante.practice import validation as check
from esante.practice.access import AccessDeniedError
from esante.practice.actors import Actor
from esante.practice.errors import (
    AccessNoticeRequiredError,
    ConsentError,
    ConsentRefusedError,
    PracticeValidationError,
)
from esante.practice.notice import actor_name, notice_due, structure_id
from esante.store.base import utcnow
from esante.store.models import (
    FEEDING_CHOICES,
    CareEpisode,
    ConsentDecision,
    Patient,
    Practitioner,
)
from esante.store.repositories import PatientRepository, PractitionerRepository
from esante.trust import AccessMode

__all__ = [
    "AUDIT_ACTION_LABELS",
    "AUDIT_CONSENT_DECISION",
    "AUDIT_CONSULTATION_ACCESS",
    "BREAK_GLASS_MIN_REASON",
    "AccessNoticeRequiredError",
    "ConsentError",
    "ConsentRefusedError",
    "ConsentState",
    "ConsultationAccess",
    "Feeding",
    "authorize_consultation",
    "check_feeding",
    "consent_history",
    "consent_state",
    "consultation_refusal",
    "episode_consent",
    "record_consent",
]

Feeding = Literal["non_opposition", "opposition"]

BREAK_GLASS_MIN_REASON: Final = 10
"""Shortest break-glass justification accepted (characters, spaces trimmed)."""
MAX_REASON: Final = 500
"""Longest access justification kept (the DMP access log keeps 500 characters)."""
MAX_NOTE: Final = 2000

AUDIT_CONSENT_DECISION: Final = "consent_decision"
"""Trace action of a recorded decision (channel ``consent``)."""
AUDIT_CONSULTATION_ACCESS: Final = "consultation_access"
"""Trace action of an access-mode decision before a DMP consultation (channel ``consent``)."""

AUDIT_ACTION_LABELS: Final = {
    AUDIT_CONSENT_DECISION: "Recueil de l'information et du consentement du patient",
    AUDIT_CONSULTATION_ACCESS: "Décision d'accès au DMP / Mon espace santé",
    "access_notice_acknowledged": "Prise de connaissance de l'avertissement d'accès au DMP",
}
"""French labels of the trace actions written here, for the console and exports."""

FEEDING_OPPOSED: Final = "Le patient s'oppose à l'alimentation de son DMP / Mon espace santé."
CONSULTATION_OPPOSED: Final = "Le patient s'oppose à la consultation de son DMP / Mon espace santé."
NO_CONSULTATION_CONSENT: Final = (
    "Le patient n'a pas consenti à la consultation de son DMP / Mon espace santé."
)
NOTICE_REQUIRED: Final = (
    "Avant toute consultation du DMP / Mon espace santé, vous devez prendre connaissance "
    "de l'avertissement d'accès et cliquer sur « J'ai compris » (à renouveler tous les "
    "180 jours)."
)
BREAK_GLASS_REASON_REQUIRED: Final = (
    "L'accès en mode bris de glace exige un motif justificatif "
    f"({BREAK_GLASS_MIN_REASON} caractères au moins)."
)


@dataclass(frozen=True, slots=True)
class ConsentState:
    """Where a patient stands, from the latest decision (or the default when none).

    ``informed``: the professional informed the patient (in the latest decision).
    ``consultation_allowed`` implies ``informed`` and not ``opposition``.
    ``decision_id``, ``episode_id``, ``decided_at``, ``decided_by_id`` say which decision
    rules (all ``None`` for the default); ``episode_id`` lets the console see whether the
    patient was asked during the current episode.
    """

    patient_id: int
    informed: bool = False
    feeding_allowed: bool = True
    consultation_allowed: bool = False
    opposition: bool = False
    by_legal_representative: bool = False
    decision_id: int | None = None
    episode_id: int | None = None
    decided_at: datetime | None = None
    decided_by_id: int | None = None
    note: str | None = None

    @property
    def feeding(self) -> Feeding:
        """The stored feeding choice: ``non_opposition`` or ``opposition``."""
        return "opposition" if self.opposition else "non_opposition"

    @property
    def recorded(self) -> bool:
        """False for the default state (the patient was never asked)."""
        return self.decision_id is not None

    def labels(self) -> list[str]:
        """The state in the console's French words (one line per right)."""
        lines = [
            "Le patient est informé."
            if self.informed
            else "L'information du patient n'est pas enregistrée."
        ]
        if self.opposition:
            lines.append(FEEDING_OPPOSED)
            lines.append(CONSULTATION_OPPOSED)
            return lines
        lines.append("Le patient ne s'oppose pas à l'alimentation de Mon espace santé / DMP.")
        lines.append(
            "Le patient consent à la consultation de Mon espace santé / DMP."
            if self.consultation_allowed
            else NO_CONSULTATION_CONSENT
        )
        return lines

    @classmethod
    def of(cls, decision: ConsentDecision) -> ConsentState:
        """The state a stored decision gives."""
        opposition = decision.feeding == "opposition"
        return cls(
            patient_id=decision.patient_id,
            informed=decision.informed,
            feeding_allowed=not opposition,
            consultation_allowed=decision.consultation_consent and not opposition,
            opposition=opposition,
            by_legal_representative=decision.by_legal_representative,
            decision_id=decision.id,
            episode_id=decision.episode_id,
            decided_at=decision.recorded_at,
            decided_by_id=decision.recorded_by_id,
            note=decision.note,
        )


@dataclass(frozen=True, slots=True)
class ConsultationAccess:
    """A granted DMP consultation: the access mode and reason to put in the VIHF.

    ``without_consent`` is True for a break-glass or centre 15 access of a patient who had
    not consented, ``against_opposition`` when the patient had opposed the DMP here.
    ``trace_sequence`` is the access trace record of the grant.
    """

    patient_id: int
    practitioner_id: int
    mode: AccessMode
    reason: str | None
    granted_at: datetime
    without_consent: bool
    against_opposition: bool
    trace_sequence: int

    def access(self) -> Access:
        """The :class:`esante.dmp.Access` of the DMP calls made under this grant."""
        return Access(self.mode, self.reason)


def _latest(session: Session, patient_id: int) -> ConsentDecision | None:
    return session.scalar(
        select(ConsentDecision)
        .where(ConsentDecision.patient_id == patient_id)
        .order_by(ConsentDecision.id.desc())
        .limit(1)
    )


def consent_state(session: Session, patient_id: int) -> ConsentState:
    """The patient's current state; the default (feeding allowed, no consultation) when the
    patient was never asked. Raises :class:`~esante.store.NotFoundError`."""
    PatientRepository(session).get(patient_id)
    latest = _latest(session, patient_id)
    return ConsentState(patient_id=patient_id) if latest is None else ConsentState.of(latest)


def consent_history(session: Session, patient_id: int) -> list[ConsentState]:
    """Every decision recorded for the patient, oldest first."""
    PatientRepository(session).get(patient_id)
    rows = session.scalars(
        select(ConsentDecision)
        .where(ConsentDecision.patient_id == patient_id)
        .order_by(ConsentDecision.id)
    )
    return [ConsentState.of(row) for row in rows]


def episode_consent(session: Session, episode_id: int) -> ConsentState | None:
    """The latest decision recorded during this care episode, or ``None`` if the patient
    was not asked during it (the console then asks; the earlier decision still rules)."""
    row = session.scalar(
        select(ConsentDecision)
        .where(ConsentDecision.episode_id == episode_id)
        .order_by(ConsentDecision.id.desc())
        .limit(1)
    )
    return None if row is None else ConsentState.of(row)


def _episode(session: Session, patient_id: int, episode_id: int | None) -> int | None:
    if episode_id is None:
        return None
    episode = session.get(CareEpisode, episode_id)
    if episode is None or episode.patient_id != patient_id:
        raise PracticeValidationError(
            f"Épisode de soins introuvable pour ce patient (identifiant {episode_id}).",
            detail=f"care_episode {episode_id} absent or not of patient {patient_id}",
            field="episode_id",
        )
    return episode.id


def _patient_ins(patient: Patient) -> str | None:
    """The INS as the trace keeps it, only once qualified (an unqualified INS is not used)."""
    if patient.identity_status != "QUAL" or not patient.ins_matricule or not patient.ins_oid:
        return None
    return f"{patient.ins_matricule}^^^&{patient.ins_oid}&ISO"


def _flag(value: bool) -> str:
    return "1" if value else "0"


def record_consent(
    session: Session,
    patient_id: int,
    *,
    informed: bool,
    feeding: Feeding = "non_opposition",
    consultation_consent: bool | None = None,
    actor: Actor,
    episode_id: int | None = None,
    by_legal_representative: bool = False,
    note: str | None = None,
    now: datetime | None = None,
) -> ConsentState:
    """Record what the patient (or their legal representative) said, and trace it.

    ``consultation_consent``: ``True`` gives the consent, ``False`` withdraws it, ``None``
    keeps the previous answer (the consent is remembered from one episode to the next).
    An opposition withdraws the consent for good: lifting the opposition later does not
    bring it back, the patient must consent again.

    The professional must inform the patient before any access: a decision that gives or
    keeps a consent to consultation must say ``informed=True``.

    Raises PracticeValidationError when the patient consents without being informed, or
    consents to consultation while opposing the DMP; NotFoundError for an unknown
    patient; AccessDeniedError unless ``actor`` may record consent (the refusal traced
    and committed). The decision is recorded in the name of ``actor`` (its practitioner
    row when it has one). Nothing else is committed.
    """
    patient = PatientRepository(session).get(patient_id)
    trace.check(session, actor, "consent:write", patient, traced_as=AUDIT_CONSENT_DECISION)
    episode = _episode(session, patient.id, episode_id)
    if feeding not in FEEDING_CHOICES:
        raise PracticeValidationError(
            f"Choix d'alimentation « {feeding} » inconnu : non_opposition ou opposition.",
            field="feeding",
        )
    cleaned_note = check.optional_text(note, "note", "Note", MAX_NOTE)
    previous = _latest(session, patient.id)
    previous_state = (
        ConsentState(patient_id=patient.id) if previous is None else ConsentState.of(previous)
    )
    opposition = feeding == "opposition"
    if consultation_consent and opposition:
        raise PracticeValidationError(
            "Un patient qui s'oppose à son DMP / Mon espace santé ne peut pas en même temps "
            "consentir à sa consultation.",
            field="consultation_consent",
        )
    if opposition:
        consent = False
    elif consultation_consent is None:
        consent = previous_state.consultation_allowed
    else:
        consent = consultation_consent
    if consent and not informed:
        raise PracticeValidationError(
            "Le patient doit être informé avant de consentir à la consultation de son "
            "DMP / Mon espace santé : cochez « Le patient est informé », ou retirez son "
            "consentement.",
            field="informed",
        )
    at = now or utcnow()
    decision = ConsentDecision(
        patient_id=patient.id,
        episode_id=episode,
        informed=informed,
        feeding=feeding,
        consultation_consent=consent,
        by_legal_representative=by_legal_representative,
        recorded_by_id=actor.practitioner_id,
        recorded_at=at,
        note=cleaned_note,
    )
    session.add(decision)
    session.flush()
    state = ConsentState.of(decision)
    audit.append(
        session,
        audit.AuditEvent(
            channel="consent",
            action=AUDIT_CONSENT_DECISION,
            outcome="success",
            **trace.who(session, actor),
            patient_ins=_patient_ins(patient),
            reason=cleaned_note,
            detail=_decision_detail(patient, state, previous_state),
            at=at,
        ),
    )
    return state


def _decision_detail(patient: Patient, state: ConsentState, before: ConsentState) -> str:
    """``ipp=...; episode=...; informed=1; feeding=...; consultation=1; changes=...``."""
    changes = []
    if state.informed != before.informed:
        changes.append(f"informed:{_flag(before.informed)}->{_flag(state.informed)}")
    if state.feeding != before.feeding:
        changes.append(f"feeding:{before.feeding}->{state.feeding}")
    if state.consultation_allowed != before.consultation_allowed:
        changes.append(
            f"consultation:{_flag(before.consultation_allowed)}"
            f"->{_flag(state.consultation_allowed)}"
        )
    return "; ".join(
        [
            f"ipp={patient.local_id}",
            f"decision={state.decision_id}",
            f"episode={state.episode_id if state.episode_id is not None else '-'}",
            f"informed={_flag(state.informed)}",
            f"feeding={state.feeding}",
            f"consultation={_flag(state.consultation_allowed)}",
            f"legal_representative={_flag(state.by_legal_representative)}",
            f"changes={','.join(changes) or 'none'}",
        ]
    )


def check_feeding(session: Session, patient_id: int) -> None:
    """Refuse feeding the DMP of a patient who opposed it.

    Raises :class:`ConsentRefusedError` (``field="feeding"``). Called when a document is
    validated and again by the outbox right before the submission. Not traced: it reads
    only; the outbox traces what it sends or blocks.
    """
    state = consent_state(session, patient_id)
    if state.opposition:
        raise ConsentRefusedError(
            FEEDING_OPPOSED,
            detail=f"patient {patient_id}: feeding=opposition (decision {state.decision_id})",
            field="feeding",
        )


def _access_mode(mode: str | AccessMode) -> AccessMode:
    try:
        return AccessMode(mode)
    except ValueError as exc:
        raise PracticeValidationError(
            f"Mode d'accès « {mode} » inconnu : normal, bris_de_glace ou centre_15.",
            detail=f"access mode {mode!r} not in TRE_R248",
            field="mode",
        ) from exc


def authorize_consultation(
    session: Session,
    patient_id: int,
    *,
    actor: Actor,
    mode: str | AccessMode = AccessMode.NORMAL,
    reason: str | None = None,
    now: datetime | None = None,
    refusal_sessions: Callable[[], Session] | None = None,
) -> ConsultationAccess:
    """Decide whether ``actor`` may consult the patient's DMP in ``mode``; trace it.

    First the access policy (:mod:`esante.practice.access`): the actor's role must allow
    DMP consultation (never a secretary), break-glass needs a professional allowed to use
    it, and the actor must be a professional of the practice (a practitioner row: the
    VIHF names them). Such a refusal (:class:`AccessDeniedError`) is traced and
    committed in ``session`` at once (nothing else is pending then). Then consent:

    Granted: returns the access (mode and reason for the VIHF). Refused: traces the
    refusal in the session, then raises :class:`AccessNoticeRequiredError` (the 180-day
    notice is due), or :class:`ConsentRefusedError` (normal access without consent, or
    against an opposition; break-glass without a justification). Raises
    PracticeValidationError for an unknown mode, NotFoundError for an unknown patient or
    professional. Nothing is committed in ``session``.

    Where a refusal is traced: in ``session`` by default (commit it after catching the
    error, or the trace of the refusal is rolled back with it); with ``refusal_sessions``
    (a session factory), in a transaction of its own that commits at once
    (:func:`esante.audit.append_committed`), so the refusal stays traced whatever the
    caller does. Use ``refusal_sessions`` only when ``session`` holds no pending write to
    the trace (its chain head lock would make the separate transaction wait).
    """
    access_mode = _access_mode(mode)
    patient = PatientRepository(session).get(patient_id)
    trace.check(session, actor, "dmp:consult", patient, traced_as=AUDIT_CONSULTATION_ACCESS)
    if access_mode is AccessMode.BRIS_DE_GLACE:
        trace.check(session, actor, "dmp:break_glass", patient, traced_as=AUDIT_CONSULTATION_ACCESS)
    if actor.practitioner_id is None:
        trace.record(
            session,
            actor,
            AUDIT_CONSULTATION_ACCESS,
            [patient],
            outcome="refused",
            detail="no_practitioner",
        )
        session.commit()
        raise AccessDeniedError(
            "La consultation du DMP est réservée aux professionnels enregistrés dans ce cabinet.",
            detail=f"{actor.kind} actor {actor.actor_id!r} has no practitioner row",
        )
    practitioner = PractitionerRepository(session).get(actor.practitioner_id)
    cleaned = check.optional_text(reason, "reason", "Motif d'accès", MAX_REASON)
    at = now or utcnow()
    state = consent_state(session, patient.id)
    refusal = _refusal(session, practitioner, state, access_mode, cleaned, at)
    if refusal is not None:
        event = _access_event(actor, patient, practitioner, access_mode, cleaned, at, refusal)
        if refusal_sessions is None:
            audit.append(session, event)
        else:
            audit.append_committed(refusal_sessions, event)
        raise refusal
    without_consent = not state.consultation_allowed
    notes = [f"ipp={patient.local_id}"]
    if state.opposition:
        notes.append("against_opposition")
    elif without_consent:
        notes.append("without_consent")
    record = audit.append(
        session,
        _access_event(
            actor, patient, practitioner, access_mode, cleaned, at, None, "; ".join(notes)
        ),
    )
    return ConsultationAccess(
        patient_id=patient.id,
        practitioner_id=practitioner.id,
        mode=access_mode,
        reason=cleaned,
        granted_at=at,
        without_consent=without_consent,
        against_opposition=state.opposition,
        trace_sequence=record.sequence,
    )


def consultation_refusal(
    session: Session,
    patient_id: int,
    *,
    actor: Actor,
    mode: str | AccessMode = AccessMode.NORMAL,
    reason: str | None = None,
    now: datetime | None = None,
) -> ConsentError | None:
    """Why :func:`authorize_consultation` would refuse ``actor`` on consent grounds (the
    notice, the patient's consent or opposition, the break-glass reason), or ``None``.

    Read only: nothing traced, nothing raised for a refusal — for the DICA status (issue
    13, :mod:`esante.practice.dica`), which shows the reason next to the record before
    any DMP call; the rules are :func:`authorize_consultation`'s own (``_refusal``). The
    access policy (role) stays the caller's to check
    (:func:`esante.practice.access.allowed`). An actor without a practitioner row gets a
    :class:`ConsentRefusedError` with detail ``no_practitioner``. Raises NotFoundError
    for an unknown patient, PracticeValidationError for an unknown mode.
    """
    access_mode = _access_mode(mode)
    patient = PatientRepository(session).get(patient_id)
    if actor.practitioner_id is None:
        return ConsentRefusedError(
            "La consultation du DMP est réservée aux professionnels enregistrés dans ce cabinet.",
            detail="no_practitioner",
        )
    practitioner = PractitionerRepository(session).get(actor.practitioner_id)
    cleaned = check.optional_text(reason, "reason", "Motif d'accès", MAX_REASON)
    state = consent_state(session, patient.id)
    return _refusal(session, practitioner, state, access_mode, cleaned, now or utcnow())


def _refusal(
    session: Session,
    practitioner: Practitioner,
    state: ConsentState,
    mode: AccessMode,
    reason: str | None,
    now: datetime,
) -> ConsentError | None:
    """Why the access is refused, or ``None`` when it is granted."""
    if notice_due(session, practitioner.id, now):
        return AccessNoticeRequiredError(
            NOTICE_REQUIRED, detail="notice_not_acknowledged", field="notice"
        )
    if mode is AccessMode.NORMAL:
        if state.opposition:
            return ConsentRefusedError(
                CONSULTATION_OPPOSED, detail="opposition", field="consultation_consent"
            )
        if not state.consultation_allowed:
            return ConsentRefusedError(
                NO_CONSULTATION_CONSENT, detail="no_consent", field="consultation_consent"
            )
    if mode is AccessMode.BRIS_DE_GLACE and (
        reason is None or len(reason) < BREAK_GLASS_MIN_REASON
    ):
        return ConsentRefusedError(
            BREAK_GLASS_REASON_REQUIRED, detail="break_glass_without_reason", field="reason"
        )
    return None


def _access_event(
    actor: Actor,
    patient: Patient,
    practitioner: Practitioner,
    mode: AccessMode,
    reason: str | None,
    at: datetime,
    refusal: ConsentError | None,
    detail: str | None = None,
) -> audit.AuditEvent:
    return audit.AuditEvent(
        channel="consent",
        action=AUDIT_CONSULTATION_ACCESS,
        outcome="success" if refusal is None else "refused",
        actor_id=practitioner.id_nat_ps,
        actor_name=actor_name(practitioner),
        structure_id=structure_id(practitioner),
        actor_role=actor.role,
        origin=actor.origin or "inconnue",
        patient_ins=_patient_ins(patient),
        access_mode=mode.value,
        reason=reason,
        detail=(f"ipp={patient.local_id}; {refusal.detail}" if refusal else detail),
        at=at,
    )
