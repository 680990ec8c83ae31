"""Care structures of the practice: create, read, search.

A structure is identified nationally by ``id_nat_struct``: ``1`` + FINESS when it has one
(centres de santé, maisons de santé, officines), else ``3`` + SIRET (cabinets). The
identifier is derived, never typed, so it cannot disagree with the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from esante.practice import validation as check
from esante.practice.errors import PracticeValidationError
from esante.store.errors import ConflictError
from esante.store.models import Structure
from esante.store.repositories import Page, StructureRepository


@dataclass(frozen=True)
class NewStructure:
    """A structure to record. ``finess`` or ``siret`` is required (FINESS wins)."""

    name: str
    finess: str | None = None
    siret: str | None = None
    facility_type_code: str | None = None
    """TRE_R02 sector of activity (JDV_J02), e.g. ``SA05`` centre de santé."""
    practice_setting_code: str | None = None
    """JDV_J04 practice setting, e.g. ``AMBULATOIRE``."""
    address_line: str | None = None
    postal_code: str | None = None
    city: str | None = None
    phone: str | None = None
    mssante_address: str | None = None


def create_structure(session: Session, data: NewStructure) -> Structure:
    """Record a structure; raises PracticeValidationError or ConflictError (same number)."""
    finess = check.finess(data.finess) if data.finess and data.finess.strip() else None
    siret = check.siret(data.siret) if data.siret and data.siret.strip() else None
    if finess is None and siret is None:
        raise PracticeValidationError(
            "Structure : numéro FINESS ou SIRET obligatoire.", field="finess"
        )
    id_nat_struct = "1" + finess if finess else "3" + str(siret)
    repo = StructureRepository(session)
    if finess and repo.by_finess(finess):
        raise ConflictError(f"Une structure de FINESS {finess} existe déjà.", field="finess")
    if siret and repo.by_siret(siret):
        raise ConflictError(f"Une structure de SIRET {siret} existe déjà.", field="siret")
    if repo.by_id_nat_struct(id_nat_struct):
        raise ConflictError(
            f"Une structure d'identifiant national {id_nat_struct} existe déjà.",
            field="finess" if finess else "siret",
        )
    structure = Structure(
        name=check.text(data.name, "name", "Nom de la structure", 200),
        finess=finess,
        siret=siret,
        id_nat_struct=id_nat_struct,
        facility_type_code=check.code(
            data.facility_type_code, "facility_type_code", "Secteur d'activité", 20
        ),
        practice_setting_code=check.code(
            data.practice_setting_code, "practice_setting_code", "Cadre d'exercice", 20
        ),
        address_line=check.optional_text(data.address_line, "address_line", "Adresse", 200),
        postal_code=check.optional_text(data.postal_code, "postal_code", "Code postal", 10),
        city=check.optional_text(data.city, "city", "Ville", 100),
        phone=check.phone(data.phone),
        mssante_address=check.mssante_address(data.mssante_address),
    )
    return repo.add(structure)


def get_structure(session: Session, structure_id: int) -> Structure:
    """The structure; raises :class:`~esante.store.NotFoundError`."""
    return StructureRepository(session).get(structure_id)


def search_structures(
    session: Session, name: str | None = None, *, limit: int = 50, offset: int = 0
) -> Page[Structure]:
    """Structures whose name contains every word of ``name`` (accent-insensitive)."""
    return StructureRepository(session).search(name, limit=limit, offset=offset)
