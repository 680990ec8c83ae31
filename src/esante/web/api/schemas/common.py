"""Shapes shared by the API's resources: record ids, the error body, pages, config bases."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")

MAX_RECORD_ID = 2**31 - 1
"""Largest id of a stored record: ids are ``Integer`` columns (:mod:`esante.store.models`),
32-bit on PostgreSQL (SQLite stores 64 bits; the API promises the same on both)."""

RecordId = Annotated[int, Field(ge=1, le=MAX_RECORD_ID)]
"""The id of a stored record (patient, practitioner, structure, document, order...) in a
path, a query or a body: a number no record can have is refused (422) before it reaches
the database, where it failed (500: out of the column's range)."""


class InputModel(BaseModel):
    """Base of request bodies: unknown fields are refused (a typo must not pass silently)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PublicModel(BaseModel):
    """Base of response bodies, read from ORM objects."""

    model_config = ConfigDict(from_attributes=True)


class ErrorPublic(BaseModel):
    """Every error answer: French message, field at fault, technical detail."""

    message: str = Field(description="Message en français, destiné à l'utilisateur.")
    field: str | None = Field(default=None, description="Champ en cause.")
    detail: str | None = Field(default=None, description="Détail technique.")
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="Toutes les erreurs de validation de la requête."
    )


class PagePublic(BaseModel, Generic[T]):
    """A page of search results."""

    items: list[T]
    total: int = Field(description="Nombre total de résultats.")
    limit: int
    offset: int


INVALID: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorPublic, "description": "Donnée invalide (champ en cause nommé)"},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorPublic, "description": "Introuvable"},
}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorPublic, "description": "Conflit avec un enregistrement existant"},
}
