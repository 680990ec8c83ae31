"""Queries on practitioners: by id, RPPS; search by name, profession, specialty, structure."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from esante.store.models import Practitioner
from esante.store.repositories.base import flush_or_conflict, get_or_raise, name_filter, paginate
from esante.store.repositories.page import Page


@dataclass(frozen=True)
class PractitionerCriteria:
    """What to search practitioners by; every given criterion must match (AND)."""

    name: str | None = None
    """Words matched in the family or given name (accent- and case-insensitive)."""
    rpps: str | None = None
    profession_code: str | None = None
    specialty_code: str | None = None
    structure_id: int | None = None
    active: bool | None = None
    limit: int = 50
    offset: int = 0


class PractitionerRepository:
    """Practitioners of one session (the caller commits)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, practitioner_id: int) -> Practitioner:
        """The practitioner; raises :class:`~esante.store.NotFoundError`."""
        return get_or_raise(self.session, Practitioner, practitioner_id, "Professionnel de santé")

    def by_rpps(self, rpps: str) -> Practitioner | None:
        """The practitioner with this RPPS number, if any."""
        return self.session.scalars(select(Practitioner).where(Practitioner.rpps == rpps)).first()

    def add(self, practitioner: Practitioner) -> Practitioner:
        """Insert ``practitioner`` (flushes, so its id is set); raises ConflictError."""
        self.session.add(practitioner)
        flush_or_conflict(self.session, "le professionnel de santé")
        return practitioner

    def save(self, practitioner: Practitioner) -> Practitioner:
        """Flush the changes made to ``practitioner``; raises ConflictError."""
        flush_or_conflict(self.session, "le professionnel de santé")
        return practitioner

    def search(self, criteria: PractitionerCriteria) -> Page[Practitioner]:
        """Practitioners matching ``criteria``, ordered by name."""
        query = select(Practitioner)
        if criteria.name:
            condition = name_filter(
                self.session, criteria.name, [Practitioner.family_name, Practitioner.given_name]
            )
            if condition is not None:
                query = query.where(condition)
        if criteria.rpps:
            query = query.where(Practitioner.rpps == criteria.rpps.strip())
        if criteria.profession_code:
            query = query.where(Practitioner.profession_code == criteria.profession_code)
        if criteria.specialty_code:
            query = query.where(Practitioner.specialty_code == criteria.specialty_code)
        if criteria.structure_id is not None:
            query = query.where(Practitioner.structure_id == criteria.structure_id)
        if criteria.active is not None:
            query = query.where(Practitioner.active.is_(criteria.active))
        query = query.order_by(Practitioner.family_name, Practitioner.given_name, Practitioner.id)
        return paginate(self.session, query, criteria.limit, criteria.offset)
