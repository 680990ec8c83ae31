"""Request and response bodies of ``/api/patients``: Create, Update, Public, evidence."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from esante.practice import LegalRepresentativeData, NewPatient, PatientChanges
from esante.web.api.schemas.common import InputModel, PublicModel, RecordId

Sex = Literal["M", "F", "I"]
Status = Literal["PROV", "RECUP", "VALI", "QUAL"]
DowngradeEvent = Literal[
    "TRAITS_MODIFIED", "INSI_NOT_CONFIRMED", "DOCUMENT_UNRELIABLE", "DOUBTFUL_IDENTITY"
]
"""Names of :class:`esante.identity.Downgrade` (a unit test keeps them in step)."""


class LegalRepresentativeIn(InputModel):
    """A legal representative of a minor."""

    relationship_code: str = Field(max_length=20, description="MTH mère, FTH père, TUTEUR...")
    family_name: str = Field(max_length=100)
    given_name: str = Field(max_length=100)
    phone: str | None = Field(default=None, max_length=30)
    email: str | None = Field(default=None, max_length=200)
    address_line: str | None = Field(default=None, max_length=200)
    postal_code: str | None = Field(default=None, max_length=10)
    city: str | None = Field(default=None, max_length=100)

    def to_domain(self) -> LegalRepresentativeData:
        return LegalRepresentativeData(**self.model_dump())


class LegalRepresentativePublic(PublicModel):
    id: int
    relationship_code: str
    family_name: str
    given_name: str
    phone: str | None
    email: str | None
    address_line: str | None
    postal_code: str | None
    city: str | None


class PatientCreate(InputModel):
    """A new patient: INS traits, contact, identity evidence (optional)."""

    birth_family_name: str = Field(max_length=100, description="Nom de naissance")
    birth_given_names: str = Field(
        max_length=200, description="Prénoms de naissance, séparés par des espaces"
    )
    first_given_name: str | None = Field(
        default=None, max_length=100, description="Premier prénom (par défaut le premier)"
    )
    sex: Sex
    birth_date: date
    birthplace_cog: str | None = Field(
        default=None, max_length=5, description="Code COG du lieu de naissance (99xxx à l'étranger)"
    )
    used_family_name: str | None = Field(default=None, max_length=100)
    used_given_name: str | None = Field(default=None, max_length=100)
    local_id: str | None = Field(default=None, max_length=64, description="IPP (généré si absent)")
    ins_matricule: str | None = Field(default=None, max_length=20)
    ins_oid: str | None = Field(default=None, max_length=64)
    insi_reference: str | None = Field(default=None, max_length=100)
    identity_document: str | None = Field(
        default=None, max_length=10, description="Pièce contrôlée : PA, CN, CS, LE..."
    )
    guardian_document: str | None = Field(default=None, max_length=10)
    identity_status: Status | None = Field(
        default=None, description="Statut attendu (doit découler des éléments fournis)"
    )
    medecin_traitant_id: RecordId | None = None
    address_line: str | None = Field(default=None, max_length=200)
    postal_code: str | None = Field(default=None, max_length=10)
    city: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=30)
    email: str | None = Field(default=None, max_length=200)
    legal_representatives: list[LegalRepresentativeIn] = Field(default_factory=list)
    recorded_by_id: RecordId | None = Field(
        default=None,
        json_schema_extra={"deprecated": True},
        description="Ignoré : le professionnel enregistré est celui de l'identifiant présenté",
    )

    def to_domain(self) -> NewPatient:
        values = self.model_dump(exclude={"legal_representatives", "recorded_by_id"})
        return NewPatient(
            **values,
            legal_representatives=[r.to_domain() for r in self.legal_representatives],
        )


class PatientUpdate(InputModel):
    """Fields to change (absent = unchanged, null = cleared)."""

    birth_family_name: str | None = Field(default=None, max_length=100)
    birth_given_names: str | None = Field(default=None, max_length=200)
    first_given_name: str | None = Field(default=None, max_length=100)
    sex: Sex | None = None
    birth_date: date | None = None
    birthplace_cog: str | None = Field(default=None, max_length=5)
    used_family_name: str | None = Field(default=None, max_length=100)
    used_given_name: str | None = Field(default=None, max_length=100)
    local_id: str | None = Field(default=None, max_length=64)
    medecin_traitant_id: RecordId | None = None
    address_line: str | None = Field(default=None, max_length=200)
    postal_code: str | None = Field(default=None, max_length=10)
    city: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=30)
    email: str | None = Field(default=None, max_length=200)
    legal_representatives: list[LegalRepresentativeIn] | None = None
    practitioner_id: RecordId | None = Field(
        default=None,
        json_schema_extra={"deprecated": True},
        description="Ignoré : le professionnel enregistré est celui de l'identifiant présenté",
    )

    def to_domain(self) -> PatientChanges:
        given = self.model_dump(
            exclude_unset=True, exclude={"legal_representatives", "practitioner_id"}
        )
        changes: PatientChanges = given  # type: ignore[assignment]
        if "legal_representatives" in self.model_fields_set:
            changes["legal_representatives"] = [
                r.to_domain() for r in self.legal_representatives or []
            ]
        return changes


class PatientPublic(PublicModel):
    """A patient as the API returns it."""

    id: int
    local_id: str
    ins_matricule: str | None
    ins_oid: str | None
    identity_status: Status
    identity_validation_mode: str | None
    birth_family_name: str
    birth_given_names: str
    first_given_name: str
    used_family_name: str | None
    used_given_name: str | None
    sex: Sex
    birth_date: date
    birthplace_cog: str | None
    medecin_traitant_id: int | None
    address_line: str | None
    postal_code: str | None
    city: str | None
    phone: str | None
    email: str | None
    legal_representatives: list[LegalRepresentativePublic]
    created_at: datetime
    updated_at: datetime


class IdentityEvidenceIn(InputModel):
    """New identity evidence: an INSi answer (INS + reference) and/or a checked document."""

    ins_matricule: str | None = Field(default=None, max_length=20)
    ins_oid: str | None = Field(default=None, max_length=64)
    insi_reference: str | None = Field(default=None, max_length=100)
    identity_document: str | None = Field(default=None, max_length=10)
    guardian_document: str | None = Field(default=None, max_length=10)
    identity_status: Status | None = None
    practitioner_id: RecordId | None = Field(
        default=None,
        json_schema_extra={"deprecated": True},
        description="Ignoré : le professionnel enregistré est celui de l'identifiant présenté",
    )


class IdentityDowngradeIn(InputModel):
    """An event that invalidates identity evidence."""

    event: DowngradeEvent
    note: str | None = Field(default=None, max_length=500)
    practitioner_id: RecordId | None = Field(
        default=None,
        json_schema_extra={"deprecated": True},
        description="Ignoré : le professionnel enregistré est celui de l'identifiant présenté",
    )


class IdentityStatusChangePublic(PublicModel):
    """One row of the identity history."""

    id: int
    from_status: Status | None
    to_status: Status
    at: datetime
    validation_mode: str | None
    insi_reference: str | None
    practitioner_id: int | None
    reason: str | None
