"""Queries on care structures: by id, national identifier, FINESS, SIRET; search by name."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from esante.store.models import Structure
from esante.store.repositories.base import flush_or_conflict, get_or_raise, name_filter, paginate
from esante.store.repositories.page import Page


class StructureRepository:
    """Structures of one session (the caller commits)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, structure_id: int) -> Structure:
        """The structure; raises :class:`~esante.store.NotFoundError`."""
        return get_or_raise(self.session, Structure, structure_id, "Structure")

    def by_id_nat_struct(self, id_nat_struct: str) -> Structure | None:
        """The structure with this national identifier (``1``+FINESS, ``3``+SIRET), if any."""
        query = select(Structure).where(Structure.id_nat_struct == id_nat_struct)
        return self.session.scalars(query).first()

    def by_finess(self, finess: str) -> Structure | None:
        """The structure with this FINESS number, if any."""
        return self.session.scalars(select(Structure).where(Structure.finess == finess)).first()

    def by_siret(self, siret: str) -> Structure | None:
        """The structure with this SIRET number, if any."""
        return self.session.scalars(select(Structure).where(Structure.siret == siret)).first()

    def add(self, structure: Structure) -> Structure:
        """Insert ``structure`` (flushes, so its id is set); raises ConflictError."""
        self.session.add(structure)
        flush_or_conflict(self.session, "la structure")
        return structure

    def search(
        self, name: str | None = None, *, limit: int = 50, offset: int = 0
    ) -> Page[Structure]:
        """Structures whose name contains every word of ``name`` (all when None)."""
        query = select(Structure)
        if name:
            condition = name_filter(self.session, name, [Structure.name])
            if condition is not None:
                query = query.where(condition)
        query = query.order_by(Structure.name, Structure.id)
        return paginate(self.session, query, limit, offset)
