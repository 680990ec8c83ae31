"""``/api/practitioners``: create, search, read, update health professionals."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from esante.practice import (
    PractitionerCriteria,
    create_practitioner,
    get_practitioner,
    search_practitioners,
    update_practitioner,
)
from esante.store.repositories import MAX_LIMIT
from esante.web.api.deps import SessionDep
from esante.web.api.schemas.common import CONFLICT, INVALID, NOT_FOUND, PagePublic, RecordId
from esante.web.api.schemas.practitioners import (
    PractitionerCreate,
    PractitionerPublic,
    PractitionerUpdate,
)

router = APIRouter(prefix="/api/practitioners", tags=["professionnels de santé"], responses=INVALID)


@router.post(
    "",
    response_model=PractitionerPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Créer un professionnel de santé",
    description=(
        "Le numéro RPPS (11 chiffres, clé de contrôle vérifiée) identifie le professionnel ; "
        "409 s'il est déjà enregistré."
    ),
    response_description="Professionnel créé",
    responses=CONFLICT,
)
def create(body: PractitionerCreate, session: SessionDep, response: Response) -> PractitionerPublic:
    practitioner = create_practitioner(session, body.to_domain())
    session.commit()
    response.headers["Location"] = f"/api/practitioners/{practitioner.id}"
    return PractitionerPublic.model_validate(practitioner)


@router.get(
    "",
    response_model=PagePublic[PractitionerPublic],
    summary="Rechercher des professionnels de santé",
    description="Par nom (sans accents ni majuscules), RPPS, profession, spécialité, structure.",
    response_description="Une page de résultats",
)
def search(
    session: SessionDep,
    name: Annotated[str | None, Query(max_length=200, description="Mots du nom")] = None,
    rpps: Annotated[str | None, Query(max_length=20, description="Numéro RPPS")] = None,
    profession_code: Annotated[
        str | None, Query(max_length=20, description="Profession (G15)")
    ] = None,
    specialty_code: Annotated[
        str | None, Query(max_length=30, description="Spécialité (R38)")
    ] = None,
    structure_id: RecordId | None = None,
    active: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Taille de la page")] = 50,
    offset: Annotated[int, Query(ge=0, description="Résultats à sauter")] = 0,
) -> PagePublic[PractitionerPublic]:
    page = search_practitioners(
        session,
        PractitionerCriteria(
            name=name,
            rpps=rpps,
            profession_code=profession_code,
            specialty_code=specialty_code,
            structure_id=structure_id,
            active=active,
            limit=limit,
            offset=offset,
        ),
    )
    return PagePublic[PractitionerPublic](
        items=[PractitionerPublic.model_validate(p) for p in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get(
    "/{practitioner_id}",
    response_model=PractitionerPublic,
    summary="Lire un professionnel de santé",
    description="Le professionnel, avec son identifiant national (8 + RPPS).",
    response_description="Le professionnel",
    responses=NOT_FOUND,
)
def read(practitioner_id: RecordId, session: SessionDep) -> PractitionerPublic:
    return PractitionerPublic.model_validate(get_practitioner(session, practitioner_id))


@router.patch(
    "/{practitioner_id}",
    response_model=PractitionerPublic,
    summary="Modifier un professionnel de santé",
    description="Seuls les champs fournis changent ; le numéro RPPS ne change pas.",
    response_description="Le professionnel modifié",
    responses=NOT_FOUND,
)
def update(
    practitioner_id: RecordId, body: PractitionerUpdate, session: SessionDep
) -> PractitionerPublic:
    practitioner = update_practitioner(session, practitioner_id, body.to_domain())
    session.commit()
    return PractitionerPublic.model_validate(practitioner)
