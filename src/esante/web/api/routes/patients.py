"""``/api/patients``: create, search, read, update; identity evidence, INSi re-verification
and history.

Thin: parse, call :mod:`esante.practice`, commit, shape the answer. Errors go to the
handlers of :mod:`esante.web.api.errors`. Descriptions are French: they are what the
``/docs`` page shows.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from esante.config import Settings
from esante.practice import (
    PatientCriteria,
    add_identity_evidence,
    create_patient,
    downgrade_identity,
    identity_history,
    read_patient,
    search_patients,
    update_patient,
)
from esante.practice.identity import InsiVerifier
from esante.practice.reverification import Outcome, reverify_identity
from esante.services import InsiConnection, insi_configured
from esante.store.repositories import MAX_LIMIT, PatientRepository, PractitionerRepository
from esante.web.api.deps import SessionDep, SettingsDep
from esante.web.api.schemas.common import CONFLICT, INVALID, NOT_FOUND, PagePublic, RecordId
from esante.web.api.schemas.identity import ReverificationPublic
from esante.web.api.schemas.patients import (
    IdentityDowngradeIn,
    IdentityEvidenceIn,
    IdentityStatusChangePublic,
    PatientCreate,
    PatientPublic,
    PatientUpdate,
    Sex,
    Status,
)
from esante.web.auth.deps import ActorDep

router = APIRouter(prefix="/api/patients", tags=["patients"], responses=INVALID)


@router.post(
    "",
    response_model=PatientPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Créer un patient",
    description=(
        "Enregistre un patient avec ses traits d'identité. Le statut d'identité découle des "
        "éléments fournis : INS avec la référence de la réponse INSi, pièce d'identité "
        "contrôlée. 409 si l'INS ou l'IPP appartient déjà à un autre patient."
    ),
    response_description="Patient créé",
    responses=CONFLICT,
)
def create(
    body: PatientCreate, session: SessionDep, actor: ActorDep, response: Response
) -> PatientPublic:
    patient = create_patient(session, body.to_domain(), actor=actor)
    session.commit()
    response.headers["Location"] = f"/api/patients/{patient.id}"
    return PatientPublic.model_validate(patient)


@router.get(
    "",
    response_model=PagePublic[PatientPublic],
    summary="Rechercher des patients",
    description=(
        "Tous les critères fournis doivent correspondre. Les noms se comparent sans accents, "
        "sans majuscules ni tirets : « lefevre » trouve « Lefèvre », « jean pierre » trouve "
        "« Jean-Pierre »."
    ),
    response_description="Une page de résultats",
)
def search(
    session: SessionDep,
    actor: ActorDep,
    name: Annotated[
        str | None, Query(max_length=200, description="Mots du nom ou du prénom")
    ] = None,
    birth_date: Annotated[date | None, Query(description="Date de naissance")] = None,
    ins: Annotated[str | None, Query(max_length=20, description="Matricule INS")] = None,
    local_id: Annotated[str | None, Query(max_length=64, description="IPP")] = None,
    sex: Sex | None = None,
    identity_status: Status | None = None,
    medecin_traitant_id: RecordId | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Taille de la page")] = 50,
    offset: Annotated[int, Query(ge=0, description="Résultats à sauter")] = 0,
) -> PagePublic[PatientPublic]:
    page = search_patients(
        session,
        PatientCriteria(
            name=name,
            birth_date=birth_date,
            ins=ins,
            local_id=local_id,
            sex=sex,
            identity_status=identity_status,
            medecin_traitant_id=medecin_traitant_id,
            limit=limit,
            offset=offset,
        ),
        actor=actor,
    )
    session.commit()  # the trace of the page
    return PagePublic[PatientPublic](
        items=[PatientPublic.model_validate(p) for p in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get(
    "/{patient_id}",
    response_model=PatientPublic,
    summary="Lire un patient",
    description="Le patient, ses représentants légaux et son statut d'identité.",
    response_description="Le patient",
    responses=NOT_FOUND,
)
def read(patient_id: RecordId, session: SessionDep, actor: ActorDep) -> PatientPublic:
    patient = PatientPublic.model_validate(read_patient(session, patient_id, actor=actor))
    session.commit()  # the trace of the read
    return patient


@router.patch(
    "/{patient_id}",
    response_model=PatientPublic,
    summary="Modifier un patient",
    description=(
        "Seuls les champs fournis changent (null efface un champ facultatif). Modifier un "
        "trait strict d'une identité issue de l'INSi lui retire la preuve INSi : "
        "l'identité repasse en provisoire (ou validée) et l'INS est effacée."
    ),
    response_description="Le patient modifié",
    responses={**NOT_FOUND, **CONFLICT},
)
def update(
    patient_id: RecordId, body: PatientUpdate, session: SessionDep, actor: ActorDep
) -> PatientPublic:
    patient = update_patient(session, patient_id, body.to_domain(), actor=actor)
    session.commit()
    return PatientPublic.model_validate(patient)


@router.post(
    "/{patient_id}/identity/evidence",
    response_model=PatientPublic,
    summary="Enregistrer une réponse INSi ou une pièce d'identité",
    description=(
        "Ajoute une preuve d'identité ; le statut suit (provisoire, récupérée, validée, "
        "qualifiée). Une INS ne s'enregistre qu'après une interrogation du téléservice INSi "
        "faite par le service (vérification de l'INS saisie, ou récupération) ; la référence "
        "enregistrée est celle de cette réponse."
    ),
    response_description="Le patient avec son nouveau statut",
    responses={**NOT_FOUND, **CONFLICT},
)
def add_evidence(
    patient_id: RecordId,
    body: IdentityEvidenceIn,
    session: SessionDep,
    settings: SettingsDep,
    actor: ActorDep,
) -> PatientPublic:
    with insi_connection(settings, session, actor.practitioner_id) as insi:
        patient = add_identity_evidence(
            session,
            patient_id,
            **body.model_dump(exclude={"practitioner_id"}),
            actor=actor,
            insi=insi,
        )
    session.commit()
    return PatientPublic.model_validate(patient)


@contextmanager
def insi_connection(
    settings: Settings, session: SessionDep, practitioner_id: int | None
) -> Iterator[InsiVerifier | None]:
    """The INSi client of the configured services (``ESANTE_SERVICES``: the sandbox's INSi,
    or the CNAM's with the structure's certificate) on behalf of the signed-in
    practitioner — his RPPS from the session, never from the body — or None without an
    INSi configured or without a practitioner (an API key, a secretary: no professional
    to call INSi for); INSi evidence is then refused by the practice rules. The client is
    built at its first call (:class:`esante.services.InsiConnection`)."""
    if practitioner_id is None or not insi_configured(settings):
        yield None
        return
    id_nat = "8" + PractitionerRepository(session).get(practitioner_id).rpps
    with InsiConnection(settings, id_nat) as insi:
        yield insi


@router.post(
    "/{patient_id}/identity/reverify",
    response_model=ReverificationPublic,
    summary="Revérifier l'INS auprès du téléservice INSi",
    description=(
        "Interroge le téléservice INSi pour le compte du professionnel connecté avec les "
        "traits du patient. INS confirmée : le statut reste, l'historique garde la nouvelle "
        "référence INSi. INS remplacée ou non confirmée : la preuve INSi est retirée "
        "(qualifiée → validée, récupérée → provisoire), l'INS effacée, l'historique dit "
        "pourquoi. Téléservice indisponible (503) ou réponse inutilisable (502) : rien ne "
        "change, le corps le dit (« retry »)."
    ),
    response_description="Le résultat de la vérification et le patient",
    responses={
        **NOT_FOUND,
        502: {"model": ReverificationPublic, "description": "Réponse INSi inutilisable"},
        503: {"model": ReverificationPublic, "description": "Téléservice INSi indisponible"},
    },
)
def reverify(
    patient_id: RecordId,
    session: SessionDep,
    settings: SettingsDep,
    actor: ActorDep,
    response: Response,
) -> ReverificationPublic:
    with insi_connection(settings, session, actor.practitioner_id) as insi:
        done = reverify_identity(session, patient_id, insi, actor=actor)
    session.commit()
    if done.outcome is Outcome.UNAVAILABLE:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    elif done.outcome is Outcome.FAILED:
        response.status_code = status.HTTP_502_BAD_GATEWAY
    patient = PatientRepository(session).get(patient_id)
    return ReverificationPublic.model_validate(
        {
            "outcome": done.outcome.value,
            "label": done.outcome.label,
            "message": done.message,
            "retry": done.retry,
            "from_status": done.from_status,
            "to_status": done.to_status,
            "insi_reference": done.insi_reference,
            "new_ins": done.new_ins,
            "patient": PatientPublic.model_validate(patient),
        }
    )


@router.post(
    "/{patient_id}/identity/downgrade",
    response_model=PatientPublic,
    summary="Déclarer un événement qui invalide l'identité",
    description=(
        "Trait modifié, INS non confirmée par l'INSi, pièce non fiable, identité douteuse : "
        "le statut baisse selon le Référentiel national d'identitovigilance."
    ),
    response_description="Le patient avec son nouveau statut",
    responses=NOT_FOUND,
)
def downgrade(
    patient_id: RecordId, body: IdentityDowngradeIn, session: SessionDep, actor: ActorDep
) -> PatientPublic:
    patient = downgrade_identity(session, patient_id, body.event, actor=actor, note=body.note)
    session.commit()
    return PatientPublic.model_validate(patient)


@router.get(
    "/{patient_id}/identity/history",
    response_model=list[IdentityStatusChangePublic],
    summary="Historique des statuts d'identité",
    description="Chaque changement de statut, du plus ancien au plus récent, avec sa raison.",
    response_description="L'historique",
    responses=NOT_FOUND,
)
def history(
    patient_id: RecordId, session: SessionDep, actor: ActorDep
) -> list[IdentityStatusChangePublic]:
    rows = [
        IdentityStatusChangePublic.model_validate(row)
        for row in identity_history(session, patient_id, actor=actor)
    ]
    session.commit()  # the trace of the read
    return rows
