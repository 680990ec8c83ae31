"""``/api/patients``: create, search, read, update; identity evidence and history.

Thin: parse, call :mod:`esante.practice`, commit, shape the answer. Errors go to the
handlers of :mod:`esante.web.api.errors`. Descriptions are French: they are what the
``/docs`` page shows.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from esante.practice import (
    PatientCriteria,
    add_identity_evidence,
    create_patient,
    downgrade_identity,
    get_patient,
    identity_history,
    search_patients,
    update_patient,
)
from esante.store.repositories import MAX_LIMIT
from esante.web.api.deps import SessionDep
from esante.web.api.schemas.common import CONFLICT, INVALID, NOT_FOUND, PagePublic
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
def create(body: PatientCreate, session: SessionDep, response: Response) -> PatientPublic:
    patient = create_patient(session, body.to_domain())
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
    name: Annotated[
        str | None, Query(max_length=200, description="Mots du nom ou du prénom")
    ] = None,
    birth_date: Annotated[date | None, Query(description="Date de naissance")] = None,
    ins: Annotated[str | None, Query(max_length=20, description="Matricule INS")] = None,
    local_id: Annotated[str | None, Query(max_length=64, description="IPP")] = None,
    sex: Sex | None = None,
    identity_status: Status | None = None,
    medecin_traitant_id: int | None = None,
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
    )
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
def read(patient_id: int, session: SessionDep) -> PatientPublic:
    return PatientPublic.model_validate(get_patient(session, patient_id))


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
def update(patient_id: int, body: PatientUpdate, session: SessionDep) -> PatientPublic:
    patient = update_patient(
        session, patient_id, body.to_domain(), practitioner_id=body.practitioner_id
    )
    session.commit()
    return PatientPublic.model_validate(patient)


@router.post(
    "/{patient_id}/identity/evidence",
    response_model=PatientPublic,
    summary="Enregistrer une réponse INSi ou une pièce d'identité",
    description=(
        "Ajoute une preuve d'identité ; le statut suit (provisoire, récupérée, validée, "
        "qualifiée). Une INS s'enregistre avec la référence de la réponse INSi et doit être "
        "cohérente avec les traits."
    ),
    response_description="Le patient avec son nouveau statut",
    responses={**NOT_FOUND, **CONFLICT},
)
def add_evidence(patient_id: int, body: IdentityEvidenceIn, session: SessionDep) -> PatientPublic:
    patient = add_identity_evidence(session, patient_id, **body.model_dump())
    session.commit()
    return PatientPublic.model_validate(patient)


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
def downgrade(patient_id: int, body: IdentityDowngradeIn, session: SessionDep) -> PatientPublic:
    patient = downgrade_identity(
        session,
        patient_id,
        body.event,
        practitioner_id=body.practitioner_id,
        note=body.note,
    )
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
def history(patient_id: int, session: SessionDep) -> list[IdentityStatusChangePublic]:
    return [
        IdentityStatusChangePublic.model_validate(row)
        for row in identity_history(session, patient_id)
    ]
