"""The information and consent dialog of a care episode, as the console shows it (issue 14,
mission page "Information et consentement"; SC.DMP/CONF.06, CONF.06.BIS, CONF.09.BIS).

The consent rules are :mod:`esante.practice.consent`'s; this module adds what the dialog
needs around them:

* **the care episode** — the patient is asked per care episode. The episode of a
  dialog is the professional's open episode with the patient started today (Europe/Paris);
  recording a decision opens one (kind ``consultation``) when there is none, so that
  :func:`~esante.practice.consent.episode_consent` answers "was the patient asked during
  this consultation?". An actor without a practitioner row (the secretariat recording
  what the patient said at the desk) records without an episode;
* **the history with who decided** — each decision with its date and the name of the
  professional who recorded it, read through
  :func:`esante.practice.consent_reading.read_consent` (checked and traced).

Nothing here commits: the caller owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from esante.practice.access import allowed
from esante.practice.actors import Actor
from esante.practice.consent import ConsentState, Feeding, episode_consent, record_consent
from esante.practice.consent_reading import read_consent
from esante.store.base import utcnow
from esante.store.models import CareEpisode, Practitioner
from esante.store.repositories import PatientRepository

__all__ = [
    "EPISODE_KIND",
    "ConsentDialog",
    "Decision",
    "current_episode",
    "read_dialog",
    "record_dialog",
]

PARIS: Final = ZoneInfo("Europe/Paris")
EPISODE_KIND: Final = "consultation"
"""Kind of the episode a dialog opens (``CareEpisode.kind``)."""


@dataclass(frozen=True, slots=True)
class Decision:
    """One recorded decision and the name of whoever recorded it (None: not a
    professional of the practice)."""

    state: ConsentState
    recorded_by: str | None


@dataclass(frozen=True, slots=True)
class ConsentDialog:
    """What the dialog shows: the patient's current state, the decisions newest first,
    today's episode of the professional (None if not opened yet) and the decision taken
    during it (None: the patient was not asked during this episode)."""

    state: ConsentState
    decisions: tuple[Decision, ...]
    episode_id: int | None
    episode_started_at: datetime | None
    asked_this_episode: ConsentState | None


def current_episode(
    session: Session, actor: Actor, patient_id: int, *, now: datetime | None = None
) -> CareEpisode | None:
    """The professional's open episode with the patient started today (Europe/Paris),
    the latest one; None for an actor without a practitioner row or without one."""
    if actor.practitioner_id is None:
        return None
    at = (now or utcnow()).astimezone(PARIS)
    start = datetime.combine(at.date(), time(0), tzinfo=PARIS)
    day_start = start.astimezone(UTC)
    day_end = (start + timedelta(days=1)).astimezone(UTC)
    return session.scalar(
        select(CareEpisode)
        .where(
            CareEpisode.patient_id == patient_id,
            CareEpisode.practitioner_id == actor.practitioner_id,
            CareEpisode.ended_at.is_(None),
            CareEpisode.started_at >= day_start,
            CareEpisode.started_at < day_end,
        )
        .order_by(CareEpisode.started_at.desc(), CareEpisode.id.desc())
        .limit(1)
    )


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.scalars(select(Practitioner).where(Practitioner.id.in_(ids)))
    return {p.id: f"{p.given_name} {p.family_name}".strip() for p in rows}


def read_dialog(
    session: Session, actor: Actor, patient_id: int, *, now: datetime | None = None
) -> ConsentDialog:
    """The dialog of the patient for ``actor`` (``consent:read`` checked and the read
    traced by :func:`~esante.practice.consent_reading.read_consent`). Raises
    NotFoundError or AccessDeniedError."""
    record = read_consent(session, patient_id, actor=actor)
    names = _names(session, {s.decided_by_id for s in record.history if s.decided_by_id})
    decisions = tuple(
        Decision(s, names.get(s.decided_by_id) if s.decided_by_id else None)
        for s in reversed(record.history)
    )
    episode = current_episode(session, actor, patient_id, now=now)
    return ConsentDialog(
        state=record.state,
        decisions=decisions,
        episode_id=None if episode is None else episode.id,
        episode_started_at=None if episode is None else episode.started_at,
        asked_this_episode=None if episode is None else episode_consent(session, episode.id),
    )


def record_dialog(
    session: Session,
    actor: Actor,
    patient_id: int,
    *,
    informed: bool,
    feeding: Feeding,
    consultation_consent: bool | None,
    by_legal_representative: bool = False,
    note: str | None = None,
    now: datetime | None = None,
) -> ConsentState:
    """Record the patient's decision in today's episode of ``actor`` (opened when none),
    through :func:`~esante.practice.consent.record_consent` (its rules, its trace, its
    errors). The episode is opened only for an actor allowed to record consent, so that a
    refusal (traced and committed at once) commits nothing else."""
    at = now or utcnow()
    PatientRepository(session).get(patient_id)
    episode_id = None
    if actor.practitioner_id is not None and allowed(actor, "consent:write"):
        episode = current_episode(session, actor, patient_id, now=at)
        if episode is None:
            episode = CareEpisode(
                patient_id=patient_id,
                practitioner_id=actor.practitioner_id,
                structure_id=actor.structure_id,
                kind=EPISODE_KIND,
                started_at=at,
            )
            session.add(episode)
            session.flush()
        episode_id = episode.id
    return record_consent(
        session,
        patient_id,
        informed=informed,
        feeding=feeding,
        consultation_consent=consultation_consent,
        actor=actor,
        episode_id=episode_id,
        by_legal_representative=by_legal_representative,
        note=note,
        now=at,
    )
