"""The patient's say on the DMP / Mon espace santé, DMP access decisions, the access notice.

A refused access is an answer the law wants kept: :func:`authorize_consultation` traces
the refusal in the request's session before raising, and this route commits that session
before letting the error become a 403. The session holds nothing else at that point (the
route only read before), so the commit keeps exactly the trace of the refusal.

Every refusal body carries a ``code``: ``access_notice_required`` (show the notice of
``/api/me/dmp-notice``, have it acknowledged, retry) or ``consent_refused``.

Who acts is the authenticated actor (issue 12): a consent read is checked and traced
(:mod:`esante.practice.consent_reading`); the access notice is the signed-in
professional's own (``/api/me/dmp-notice``; the older
``/api/practitioners/{id}/dmp-notice`` answers only for the actor's own id, 403 for any
other, :mod:`esante.practice.actor_notice`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status
from sqlalchemy.orm import Session

from esante.practice import (
    NOTICE_BUTTON_TEXT,
    NOTICE_TEXT,
    NOTICE_VERSION,
    ConsentError,
    authorize_consultation,
    notice_due,
    notice_due_at,
    record_consent,
)
from esante.practice.actor_notice import acknowledge_own_notice, own_practitioner
from esante.practice.consent_reading import read_consent as read_patient_consent
from esante.web.api.deps import SessionDep
from esante.web.api.schemas.common import INVALID, NOT_FOUND, ErrorPublic, RecordId
from esante.web.api.schemas.consent import (
    AccessIn,
    AccessPublic,
    ConsentErrorPublic,
    ConsentIn,
    ConsentPublic,
    ConsentStatePublic,
    NoticePublic,
)
from esante.web.auth.deps import ActorDep

router = APIRouter(prefix="/api", tags=["consentement et accès au DMP"], responses=INVALID)

REFUSED: dict[int | str, dict[str, Any]] = {
    403: {
        "model": ConsentErrorPublic,
        "description": "Accès refusé par les règles de consentement (refus tracé)",
    },
}
NOT_YOURS: dict[int | str, dict[str, Any]] = {
    403: {
        "model": ErrorPublic,
        "description": "Pas un professionnel du cabinet connecté en son nom, ou "
        "l'avertissement d'un autre professionnel",
    },
}
ROLE_REFUSED: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorPublic, "description": "Action que votre rôle ne permet pas (refus tracé)"},
}


@router.get(
    "/patients/{patient_id}/consent",
    response_model=ConsentPublic,
    summary="Consentement du patient au DMP",
    description=(
        "Où en est le patient : informé, opposition ou non à l'alimentation, consentement "
        "à la consultation ; et toutes ses décisions, de la plus ancienne à la plus récente. "
        "Sans décision enregistrée : alimentation permise, consultation non. La "
        "consultation est tracée."
    ),
    response_description="L'état et l'historique",
    responses={**NOT_FOUND, **ROLE_REFUSED},
)
def read_consent(patient_id: RecordId, session: SessionDep, actor: ActorDep) -> ConsentPublic:
    consent = read_patient_consent(session, patient_id, actor=actor)
    session.commit()  # the trace of the read
    return ConsentPublic(
        state=ConsentStatePublic.of(consent.state),
        history=[ConsentStatePublic.of(s) for s in consent.history],
    )


@router.post(
    "/patients/{patient_id}/consent",
    response_model=ConsentStatePublic,
    status_code=status.HTTP_201_CREATED,
    summary="Enregistrer la décision du patient",
    description=(
        "Ce que le patient (ou son représentant légal) a dit, après information : "
        "opposition ou non à l'alimentation, consentement à la consultation (case jamais "
        "pré-cochée ; gardé d'un épisode à l'autre jusqu'au retrait). Une opposition retire "
        "le consentement. La décision est tracée. 422 si le patient consent sans avoir été "
        "informé, ou consent en s'opposant."
    ),
    response_description="Le nouvel état",
    responses=NOT_FOUND,
)
def record(
    patient_id: RecordId, body: ConsentIn, session: SessionDep, actor: ActorDep
) -> ConsentStatePublic:
    state = record_consent(
        session,
        patient_id,
        informed=body.informed,
        feeding=body.feeding,
        consultation_consent=body.consultation_consent,
        actor=actor,
        episode_id=body.episode_id,
        by_legal_representative=body.by_legal_representative,
        note=body.note,
    )
    session.commit()
    return ConsentStatePublic.of(state)


@router.post(
    "/patients/{patient_id}/dmp-access",
    response_model=AccessPublic,
    summary="Demander l'accès au DMP du patient",
    description=(
        "À demander avant toute consultation du DMP / Mon espace santé. Mode normal : "
        "consentement du patient requis. Bris de glace : urgence, motif de 10 caractères au "
        "moins. Centre 15 : régulation. L'avertissement d'accès doit avoir été validé dans "
        "les 180 derniers jours. Accord ou refus, la décision est tracée. Refus : 403 avec "
        "code « access_notice_required » (afficher l'avertissement) ou « consent_refused »."
    ),
    response_description="L'accès accordé, avec le mode et le motif à utiliser",
    responses={**NOT_FOUND, **REFUSED},
)
def dmp_access(
    patient_id: RecordId, body: AccessIn, session: SessionDep, actor: ActorDep
) -> AccessPublic:
    try:
        access = authorize_consultation(
            session, patient_id, actor=actor, mode=body.mode, reason=body.reason
        )
    except ConsentError:
        session.commit()  # keep the trace of the refusal, then answer 403
        raise
    session.commit()
    return AccessPublic.of(access)


def _notice(session: Session, practitioner_id: int) -> NoticePublic:
    due = notice_due(session, practitioner_id)
    return NoticePublic(
        practitioner_id=practitioner_id,
        due=due,
        due_at=notice_due_at(session, practitioner_id),
        version=NOTICE_VERSION,
        text=NOTICE_TEXT,
        button=NOTICE_BUTTON_TEXT,
    )


NOTICE_DESCRIPTION = (
    "Faut-il vous afficher l'avertissement d'accès au DMP / Mon espace santé (jamais "
    "validé, ou validé il y a plus de 180 jours) ; son texte et celui du bouton « J'ai "
    "compris ». L'avertissement est celui du professionnel connecté."
)
ACKNOWLEDGE_DESCRIPTION = (
    "Enregistre que vous, professionnel connecté, avez lu l'avertissement et cliqué sur "
    "« J'ai compris » ; valable 180 jours. L'acceptation est tracée."
)


@router.get(
    "/me/dmp-notice",
    response_model=NoticePublic,
    summary="Mon avertissement d'accès au DMP",
    description=NOTICE_DESCRIPTION,
    response_description="L'avertissement et son échéance",
    responses=NOT_YOURS,
)
def read_my_notice(session: SessionDep, actor: ActorDep) -> NoticePublic:
    return _notice(session, own_practitioner(actor))


@router.post(
    "/me/dmp-notice",
    response_model=NoticePublic,
    summary="Valider mon avertissement d'accès au DMP (« J'ai compris »)",
    description=ACKNOWLEDGE_DESCRIPTION,
    response_description="L'avertissement, validé",
    responses=NOT_YOURS,
)
def acknowledge_my_notice(session: SessionDep, actor: ActorDep) -> NoticePublic:
    acknowledgement = acknowledge_own_notice(session, actor)
    session.commit()
    return _notice(session, acknowledgement.practitioner_id)


@router.get(
    "/practitioners/{practitioner_id}/dmp-notice",
    response_model=NoticePublic,
    summary="Avertissement d'accès au DMP (ancien chemin)",
    description=NOTICE_DESCRIPTION + " Préférer /api/me/dmp-notice : ce chemin ne répond "
    "que pour votre propre identifiant (403 pour tout autre).",
    response_description="L'avertissement et son échéance",
    responses=NOT_YOURS,
    deprecated=True,
)
def read_notice(practitioner_id: RecordId, session: SessionDep, actor: ActorDep) -> NoticePublic:
    return _notice(session, own_practitioner(actor, practitioner_id))


@router.post(
    "/practitioners/{practitioner_id}/dmp-notice",
    response_model=NoticePublic,
    summary="Valider l'avertissement d'accès au DMP (ancien chemin)",
    description=ACKNOWLEDGE_DESCRIPTION + " Préférer /api/me/dmp-notice : ce chemin ne "
    "répond que pour votre propre identifiant (403 pour tout autre).",
    response_description="L'avertissement, validé",
    responses=NOT_YOURS,
    deprecated=True,
)
def acknowledge(practitioner_id: RecordId, session: SessionDep, actor: ActorDep) -> NoticePublic:
    acknowledge_own_notice(session, actor, practitioner_id)
    session.commit()
    return _notice(session, practitioner_id)
