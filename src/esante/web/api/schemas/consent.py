"""Request and response bodies of the consent routes: the patient's say on the DMP, access
decisions and the 180-day access notice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from esante.practice import ConsentState, ConsultationAccess
from esante.trust.vocabulary import ACCESS_MODE_LABELS
from esante.web.api.schemas.common import ErrorPublic, InputModel, RecordId

Feeding = Literal["non_opposition", "opposition"]
AccessModeName = Literal["normal", "bris_de_glace", "centre_15"]
"""Values of :class:`esante.trust.AccessMode` (TRE_R248; a unit test keeps them in step)."""


class ConsentIn(InputModel):
    """What the patient (or their legal representative) said about the DMP."""

    informed: bool = Field(description="Le professionnel a informé le patient")
    feeding: Feeding = Field(
        default="non_opposition",
        description="non_opposition (par défaut) ou opposition (interdit alimentation et "
        "consultation)",
    )
    consultation_consent: bool | None = Field(
        default=None,
        description="true : consent à la consultation ; false : retire son consentement ; "
        "null : inchangé",
    )
    by_practitioner_id: RecordId | None = Field(
        default=None,
        json_schema_extra={"deprecated": True},
        description="Ignoré : le professionnel est celui de l'identifiant présenté",
    )
    episode_id: RecordId | None = Field(default=None, description="Épisode de soins")
    by_legal_representative: bool = Field(
        default=False, description="Décision exprimée par le représentant légal"
    )
    note: str | None = Field(default=None, max_length=2000)


class ConsentStatePublic(BaseModel):
    """Where the patient stands (from one decision, or the default when never asked)."""

    patient_id: int
    recorded: bool = Field(description="false : le patient n'a jamais été interrogé")
    informed: bool
    feeding: Feeding
    feeding_allowed: bool
    consultation_allowed: bool
    opposition: bool
    by_legal_representative: bool
    decision_id: int | None
    episode_id: int | None
    decided_at: datetime | None
    decided_by_id: int | None
    note: str | None
    labels: list[str] = Field(description="L'état en phrases, comme la console l'affiche")

    @classmethod
    def of(cls, state: ConsentState) -> ConsentStatePublic:
        return cls(
            patient_id=state.patient_id,
            recorded=state.recorded,
            informed=state.informed,
            feeding=state.feeding,
            feeding_allowed=state.feeding_allowed,
            consultation_allowed=state.consultation_allowed,
            opposition=state.opposition,
            by_legal_representative=state.by_legal_representative,
            decision_id=state.decision_id,
            episode_id=state.episode_id,
            decided_at=state.decided_at,
            decided_by_id=state.decided_by_id,
            note=state.note,
            labels=state.labels(),
        )


class ConsentPublic(BaseModel):
    """The current state and every recorded decision, oldest first."""

    state: ConsentStatePublic
    history: list[ConsentStatePublic]


class AccessIn(InputModel):
    """A request to consult the patient's DMP / Mon espace santé."""

    practitioner_id: RecordId | None = Field(
        default=None,
        json_schema_extra={"deprecated": True},
        description="Ignoré : le professionnel est celui de l'identifiant présenté",
    )
    mode: AccessModeName = Field(
        default="normal",
        description="normal (consentement requis), bris_de_glace (motif de 10 caractères au "
        "moins), centre_15",
    )
    reason: str | None = Field(default=None, max_length=500, description="Motif de l'accès")


class AccessPublic(BaseModel):
    """A granted access: the mode and reason to use in the DMP calls."""

    patient_id: int
    practitioner_id: int
    mode: AccessModeName
    mode_label: str
    reason: str | None
    granted_at: datetime
    without_consent: bool = Field(description="Accès d'urgence sans consentement du patient")
    against_opposition: bool = Field(description="Accès d'urgence malgré l'opposition du patient")
    trace_sequence: int = Field(description="Numéro de la trace de l'accès")

    @classmethod
    def of(cls, access: ConsultationAccess) -> AccessPublic:
        return cls(
            patient_id=access.patient_id,
            practitioner_id=access.practitioner_id,
            mode=access.mode.value,
            mode_label=ACCESS_MODE_LABELS.get(access.mode, access.mode.value),
            reason=access.reason,
            granted_at=access.granted_at,
            without_consent=access.without_consent,
            against_opposition=access.against_opposition,
            trace_sequence=access.trace_sequence,
        )


class NoticePublic(BaseModel):
    """The DMP access notice of a professional: is it due, its texts."""

    practitioner_id: int
    due: bool = Field(description="L'avertissement doit être affiché et validé")
    due_at: datetime | None = Field(
        description="Date du prochain affichage (null : jamais validé, à afficher maintenant)"
    )
    version: str
    text: str = Field(description="Texte de l'avertissement")
    button: str = Field(description="Texte du bouton « J'ai compris »")


class ConsentErrorPublic(ErrorPublic):
    """A DMP action refused by the consent rules, with a code a client can act on."""

    code: str | None = Field(
        default=None,
        description="access_notice_required (afficher l'avertissement puis réessayer) ou "
        "consent_refused",
    )
