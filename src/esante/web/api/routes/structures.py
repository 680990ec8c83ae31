"""``/api/structures``: create, search and read care structures."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from esante.practice import create_structure, get_structure, search_structures
from esante.store.repositories import MAX_LIMIT
from esante.web.api.deps import SessionDep
from esante.web.api.schemas.common import CONFLICT, INVALID, NOT_FOUND, PagePublic, RecordId
from esante.web.api.schemas.practitioners import StructureCreate, StructurePublic

router = APIRouter(prefix="/api/structures", tags=["structures"], responses=INVALID)


@router.post(
    "",
    response_model=StructurePublic,
    status_code=status.HTTP_201_CREATED,
    summary="Créer une structure",
    description=(
        "FINESS ou SIRET obligatoire (clés de contrôle vérifiées) ; l'identifiant national "
        "en découle (1 + FINESS, sinon 3 + SIRET). 409 si le numéro est déjà enregistré."
    ),
    response_description="Structure créée",
    responses=CONFLICT,
)
def create(body: StructureCreate, session: SessionDep, response: Response) -> StructurePublic:
    structure = create_structure(session, body.to_domain())
    session.commit()
    response.headers["Location"] = f"/api/structures/{structure.id}"
    return StructurePublic.model_validate(structure)


@router.get(
    "",
    response_model=PagePublic[StructurePublic],
    summary="Rechercher des structures",
    description="Par mots du nom, sans accents ni majuscules.",
    response_description="Une page de résultats",
)
def search(
    session: SessionDep,
    name: Annotated[str | None, Query(max_length=200, description="Mots du nom")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Taille de la page")] = 50,
    offset: Annotated[int, Query(ge=0, description="Résultats à sauter")] = 0,
) -> PagePublic[StructurePublic]:
    page = search_structures(session, name, limit=limit, offset=offset)
    return PagePublic[StructurePublic](
        items=[StructurePublic.model_validate(s) for s in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get(
    "/{structure_id}",
    response_model=StructurePublic,
    summary="Lire une structure",
    description="La structure et ses identifiants.",
    response_description="La structure",
    responses=NOT_FOUND,
)
def read(structure_id: RecordId, session: SessionDep) -> StructurePublic:
    return StructurePublic.model_validate(get_structure(session, structure_id))
