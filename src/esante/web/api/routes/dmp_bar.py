"""``GET /api/patients/{id}/dmp``: the Mon espace santé bar of a patient (issue 13).

The DICA status (D, I, C, A, each with its French reason and action code) and the
counters, for the signed-in actor (:func:`esante.practice.dica.dica_status`): the route
only builds the DMP client of the configured services and shapes the answer. A DMP that
does not answer is a KO "D" in a 200 answer, never an error page. Dates are ISO 8601 UTC.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from esante.config import Settings
from esante.errors import EsanteError
from esante.practice.dica import Condition, DicaStatus, dica_status
from esante.practice.dmp_sender import DmpCredential
from esante.web.api.deps import SessionDep, SettingsDep
from esante.web.api.schemas.common import NOT_FOUND, RecordId
from esante.web.auth.deps import ActorDep

router = APIRouter(prefix="/api", tags=["DMP / Mon espace santé"])


class ConditionPublic(BaseModel):
    """One DICA condition."""

    lettre: str = Field(description="D, I, C ou A")
    libelle: str = Field(description="DMP, Identité, Consentement, Authentification")
    ok: bool | None = Field(description="Condition remplie (null : non vérifiée)")
    motif: str | None = Field(description="Pourquoi la condition n'est pas remplie")
    action: str | None = Field(description="Code de l'action qui la remplit")


class CountersPublic(BaseModel):
    """The bar's counters (dates ISO 8601 UTC)."""

    documents: int = Field(description="Documents disponibles dans le DMP")
    documents_libelle: str
    nouveaux: int = Field(description="Documents déposés depuis votre dernière visite")
    nouveaux_libelle: str = Field(description="« 0 nouveau document » le cas échéant")
    dernier_document: datetime | None = None
    derniere_maj_vsm: datetime | None = Field(
        default=None, description="Dernière mise à jour du volet de synthèse médicale"
    )
    mon_espace_sante: bool | None = Field(description="Le patient a ouvert Mon espace santé")
    derniere_visite: datetime | None = None


class DmpBarPublic(BaseModel):
    """The bar of a patient for the signed-in professional."""

    patient_id: int
    acces_possible: bool = Field(description="Les quatre conditions sont remplies")
    conditions: list[ConditionPublic]
    compteurs: CountersPublic | None = Field(
        description="Absent quand le DMP n'a pas pu être consulté"
    )
    calcule_le: datetime
    mode_acces: str = Field(description="normal, bris_de_glace ou centre_15")
    acces_urgence_jusqu_au: datetime | None = Field(
        description="Fin de l'accès en urgence en cours (affiché pendant toute sa durée)"
    )


def _condition(condition: Condition) -> ConditionPublic:
    return ConditionPublic(
        lettre=condition.letter,
        libelle=condition.name,
        ok=condition.ok,
        motif=condition.reason,
        action=condition.action,
    )


def bar_public(status: DicaStatus) -> DmpBarPublic:
    """The JSON shape of a bar (shared by the CLI's ``--json``)."""
    counters = status.counters
    return DmpBarPublic(
        patient_id=status.patient_id,
        acces_possible=status.ok,
        conditions=[_condition(c) for c in status.conditions],
        compteurs=None
        if counters is None
        else CountersPublic(
            documents=counters.total,
            documents_libelle=counters.total_label,
            nouveaux=counters.new,
            nouveaux_libelle=counters.new_label,
            dernier_document=counters.latest_document_at,
            derniere_maj_vsm=counters.vsm_updated_at,
            mon_espace_sante=counters.has_mes,
            derniere_visite=counters.last_visit_at,
        ),
        calcule_le=status.computed_at,
        mode_acces=status.access_mode,
        acces_urgence_jusqu_au=status.emergency_until,
    )


_credentials: dict[int, tuple[Settings, DmpCredential, Callable[[], None]]] = {}
_credentials_lock = threading.Lock()


@contextmanager
def dmp_credential(settings: Settings) -> Iterator[DmpCredential | None]:
    """The DMP client of the configured services, or None when none resolves (then D
    is KO: the bar never fails for the DMP's sake).

    Built once per service (per ``settings``) and kept: reading the certificates' keys
    costs ~0.2 s, which a cached bar must not pay at every opening. A failure is not
    kept (the sandbox or the certificates may come later);
    :func:`release_dmp_credential` closes the client when the service stops."""
    yield _credential(settings)


def _credential(settings: Settings) -> DmpCredential | None:
    from esante.services import build_dmp_client
    from esante.services.profile import resolve

    with _credentials_lock:
        held = _credentials.get(id(settings))
        if held is not None and held[0] is settings:
            return held[1]
        try:
            profile = resolve(settings)
        except EsanteError:
            return None
        try:
            client, transport = build_dmp_client(profile)
        except EsanteError:
            profile.close()
            return None
        credential = DmpCredential(client, profile.structure_id, profile.structure_name)

        def close() -> None:
            transport.close()
            profile.close()

        _credentials[id(settings)] = (settings, credential, close)
        return credential


def release_dmp_credential(settings: Settings) -> None:
    """Close the DMP client kept for ``settings`` (the service stops)."""
    with _credentials_lock:
        held = _credentials.pop(id(settings), None)
    if held is not None:
        held[2]()


BAR_RESPONSES: dict[int | str, dict[str, Any]] = {**NOT_FOUND}


@router.get(
    "/patients/{patient_id}/dmp",
    summary="Bandeau Mon espace santé du patient (DICA et compteurs)",
    description=(
        "Les quatre conditions d'accès au DMP (D : DMP existant, ouvert et rattaché à Mon "
        "espace santé ; I : identité qualifiée ; C : consentement et autorisation ; A : "
        "authentification par carte CPS ou e-CPS et profession habilitée), chacune avec son "
        "motif et l'action qui la remplit, et les compteurs : documents disponibles, "
        "nouveaux documents depuis votre dernière visite, dates du dernier document et de "
        "la dernière mise à jour du VSM. Un DMP indisponible donne « D » non rempli."
    ),
    response_description="Le bandeau",
    responses=BAR_RESPONSES,
)
def get_dmp_bar(
    patient_id: RecordId, session: SessionDep, settings: SettingsDep, actor: ActorDep
) -> DmpBarPublic:
    with dmp_credential(settings) as dmp:
        status = dica_status(session, actor, patient_id, dmp=dmp)
    session.commit()
    return bar_public(status)
