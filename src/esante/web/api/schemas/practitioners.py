"""Request and response bodies of ``/api/practitioners`` and ``/api/structures``."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from esante.practice import NewPractitioner, NewStructure, PractitionerChanges
from esante.web.api.schemas.common import InputModel, PublicModel, RecordId


class PractitionerCreate(InputModel):
    """A new health professional."""

    rpps: str = Field(max_length=20, description="Numéro RPPS (11 chiffres)")
    family_name: str = Field(max_length=100)
    given_name: str = Field(max_length=100)
    profession_code: str = Field(max_length=20, description="Profession G15 : 10, 21, 50, 60...")
    specialty_code: str | None = Field(default=None, max_length=30, description="R38 : SM54...")
    civility: str | None = Field(default=None, max_length=10, description="DR, PR, M, MME")
    role_code: str | None = Field(default=None, max_length=20)
    mssante_address: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=30)
    structure_id: RecordId | None = None
    active: bool = True

    def to_domain(self) -> NewPractitioner:
        return NewPractitioner(**self.model_dump())


class PractitionerUpdate(InputModel):
    """Fields to change (absent = unchanged, null = cleared); the RPPS cannot change."""

    family_name: str | None = Field(default=None, max_length=100)
    given_name: str | None = Field(default=None, max_length=100)
    profession_code: str | None = Field(default=None, max_length=20)
    specialty_code: str | None = Field(default=None, max_length=30)
    civility: str | None = Field(default=None, max_length=10)
    role_code: str | None = Field(default=None, max_length=20)
    mssante_address: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=30)
    structure_id: RecordId | None = None
    active: bool | None = None

    def to_domain(self) -> PractitionerChanges:
        changes: PractitionerChanges = self.model_dump(exclude_unset=True)  # type: ignore[assignment]
        return changes


class PractitionerPublic(PublicModel):
    """A health professional as the API returns it."""

    id: int
    rpps: str
    id_nat_ps: str
    civility: str | None
    family_name: str
    given_name: str
    profession_code: str
    specialty_code: str | None
    role_code: str | None
    mssante_address: str | None
    email: str | None
    phone: str | None
    structure_id: int | None
    active: bool
    created_at: datetime


class StructureCreate(InputModel):
    """A new care structure (FINESS or SIRET required)."""

    name: str = Field(max_length=200)
    finess: str | None = Field(default=None, max_length=12)
    siret: str | None = Field(default=None, max_length=20)
    facility_type_code: str | None = Field(default=None, max_length=20, description="R02 : SA05...")
    practice_setting_code: str | None = Field(default=None, max_length=20)
    address_line: str | None = Field(default=None, max_length=200)
    postal_code: str | None = Field(default=None, max_length=10)
    city: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=30)
    mssante_address: str | None = Field(default=None, max_length=200)

    def to_domain(self) -> NewStructure:
        return NewStructure(**self.model_dump())


class StructurePublic(PublicModel):
    """A care structure as the API returns it."""

    id: int
    name: str
    finess: str | None
    siret: str | None
    id_nat_struct: str
    facility_type_code: str | None
    practice_setting_code: str | None
    address_line: str | None
    postal_code: str | None
    city: str | None
    phone: str | None
    mssante_address: str | None
    created_at: datetime
