"""``GET /health``: is the service up, which version, is the database reachable and migrated."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError

from esante import __version__
from esante.store import current_revision, head_revision
from esante.web.api.deps import EngineDep

router = APIRouter(tags=["santé du service"])


class DatabaseHealth(BaseModel):
    backend: str = Field(description="sqlite ou postgresql")
    reachable: bool
    revision: str | None = Field(description="Révision du schéma de la base")
    expected_revision: str | None = Field(description="Dernière révision livrée")
    up_to_date: bool


class HealthPublic(BaseModel):
    status: Literal["ok", "degraded"]
    version: str
    database: DatabaseHealth


@router.get(
    "/health",
    response_model=HealthPublic,
    summary="État du service",
    description=(
        "200 si la base de données est joignable et son schéma à jour, 503 sinon ; "
        "donne la version d'esante et la révision du schéma."
    ),
    response_description="Service opérationnel",
    responses={503: {"model": HealthPublic, "description": "Service dégradé"}},
)
def health(engine: EngineDep, response: Response) -> HealthPublic:
    """200 when the database is reachable and its schema up to date, else 503."""
    expected = head_revision()
    try:
        revision = current_revision(engine)
        reachable = True
    except SQLAlchemyError:
        revision, reachable = None, False
    up_to_date = reachable and revision == expected
    if not up_to_date:
        response.status_code = 503
    return HealthPublic(
        status="ok" if up_to_date else "degraded",
        version=__version__,
        database=DatabaseHealth(
            backend=engine.dialect.name,
            reachable=reachable,
            revision=revision,
            expected_revision=expected,
            up_to_date=up_to_date,
        ),
    )
