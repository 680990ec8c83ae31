"""Health professionals of the practice: create, read, update, search.

The RPPS number is the professional's national identifier (``id_nat_ps`` = ``8`` + RPPS
on the wire); it is checked (Luhn key) and unique, and cannot be changed afterwards.
``profession_code`` is a TRE_G15 code (``10`` médecin, ``21`` pharmacien, ``50``
sage-femme, ``60`` infirmier, ``70`` masseur-kinésithérapeute...), ``specialty_code`` a
TRE_R38 code (``SM54`` médecine générale, ``SM40`` pédiatrie...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypedDict

from sqlalchemy.orm import Session

from esante.practice import validation as check
from esante.practice.errors import PracticeValidationError
from esante.store.errors import ConflictError, NotFoundError
from esante.store.models import Practitioner
from esante.store.repositories import (
    Page,
    PractitionerCriteria,
    PractitionerRepository,
    StructureRepository,
)

CIVILITIES = ("DR", "PR", "M", "MME")
_G15 = re.compile(r"[0-9]{2}")


@dataclass(frozen=True)
class NewPractitioner:
    """A professional to record."""

    rpps: str
    family_name: str
    given_name: str
    profession_code: str
    specialty_code: str | None = None
    civility: str | None = None
    role_code: str | None = None
    mssante_address: str | None = None
    email: str | None = None
    phone: str | None = None
    structure_id: int | None = None
    active: bool = True


class PractitionerChanges(TypedDict, total=False):
    """Fields to change; a key left out stays as it is, ``None`` clears an optional one."""

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


def _civility(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    cleaned = value.strip().upper()
    if cleaned not in CIVILITIES:
        raise PracticeValidationError(
            f"Civilité « {value} » inconnue : {', '.join(CIVILITIES)} attendu.",
            field="civility",
        )
    return cleaned


def _profession(value: str | None) -> str:
    cleaned = check.text(value, "profession_code", "Profession (G15)", 20)
    if not _G15.fullmatch(cleaned):
        raise PracticeValidationError(
            f"Profession « {cleaned} » : code G15 à 2 chiffres attendu "
            "(10 médecin, 21 pharmacien, 50 sage-femme, 60 infirmier...).",
            field="profession_code",
        )
    return cleaned


def _structure_id(session: Session, structure_id: int | None) -> int | None:
    if structure_id is None:
        return None
    try:
        StructureRepository(session).get(structure_id)
    except NotFoundError as exc:
        raise PracticeValidationError(
            f"Structure d'exercice introuvable (identifiant {structure_id}).",
            field="structure_id",
        ) from exc
    return structure_id


def create_practitioner(session: Session, data: NewPractitioner) -> Practitioner:
    """Record a professional; raises PracticeValidationError, or ConflictError (same RPPS)."""
    rpps = check.rpps(data.rpps)
    repo = PractitionerRepository(session)
    if repo.by_rpps(rpps) is not None:
        raise ConflictError(
            f"Un professionnel de numéro RPPS {rpps} est déjà enregistré.", field="rpps"
        )
    practitioner = Practitioner(
        rpps=rpps,
        civility=_civility(data.civility),
        family_name=check.text(data.family_name, "family_name", "Nom", 100),
        given_name=check.text(data.given_name, "given_name", "Prénom", 100),
        profession_code=_profession(data.profession_code),
        specialty_code=check.code(data.specialty_code, "specialty_code", "Spécialité (R38)"),
        role_code=check.code(data.role_code, "role_code", "Rôle", 20),
        mssante_address=check.mssante_address(data.mssante_address),
        email=check.email(data.email),
        phone=check.phone(data.phone),
        structure_id=_structure_id(session, data.structure_id),
        active=data.active,
    )
    return repo.add(practitioner)


def get_practitioner(session: Session, practitioner_id: int) -> Practitioner:
    """The professional; raises :class:`~esante.store.NotFoundError`."""
    return PractitionerRepository(session).get(practitioner_id)


def update_practitioner(
    session: Session, practitioner_id: int, changes: PractitionerChanges
) -> Practitioner:
    """Apply ``changes``; raises NotFoundError or PracticeValidationError."""
    repo = PractitionerRepository(session)
    practitioner = repo.get(practitioner_id)
    if "civility" in changes:
        practitioner.civility = _civility(changes["civility"])
    if "family_name" in changes:
        practitioner.family_name = check.text(changes["family_name"], "family_name", "Nom", 100)
    if "given_name" in changes:
        practitioner.given_name = check.text(changes["given_name"], "given_name", "Prénom", 100)
    if "profession_code" in changes:
        practitioner.profession_code = _profession(changes["profession_code"])
    if "specialty_code" in changes:
        practitioner.specialty_code = check.code(
            changes["specialty_code"], "specialty_code", "Spécialité (R38)"
        )
    if "role_code" in changes:
        practitioner.role_code = check.code(changes["role_code"], "role_code", "Rôle", 20)
    if "mssante_address" in changes:
        practitioner.mssante_address = check.mssante_address(changes["mssante_address"])
    if "email" in changes:
        practitioner.email = check.email(changes["email"])
    if "phone" in changes:
        practitioner.phone = check.phone(changes["phone"])
    if "structure_id" in changes:
        practitioner.structure_id = _structure_id(session, changes["structure_id"])
    if "active" in changes:
        practitioner.active = bool(changes["active"])
    return repo.save(practitioner)


def search_practitioners(session: Session, criteria: PractitionerCriteria) -> Page[Practitioner]:
    """Professionals matching ``criteria`` (name words, RPPS, profession, specialty...)."""
    return PractitionerRepository(session).search(criteria)
