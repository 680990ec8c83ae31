"""Practitioner and structure services on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from esante.practice import (
    NewPractitioner,
    NewStructure,
    PracticeValidationError,
    PractitionerCriteria,
    create_practitioner,
    create_structure,
    get_practitioner,
    search_practitioners,
    search_structures,
    update_practitioner,
)
from esante.store import ConflictError, NotFoundError

RPPS = "10000000009"  # Luhn key 9
FINESS = "690781810"  # Hospices civils de Lyon: a real FINESS, valid key
SIRET = "73282932000074"  # valid SIREN and SIRET keys


def doctor(**changes: object) -> NewPractitioner:
    values: dict[str, object] = {
        "rpps": RPPS,
        "family_name": "Carré",
        "given_name": "Hervé",
        "profession_code": "10",
        "specialty_code": "SM54",
        "civility": "dr",
        "mssante_address": "herve.carre@msp-tilleuls.mssante.fr",
    }
    values.update(changes)
    return NewPractitioner(**values)  # type: ignore[arg-type]


def test_create_read_update_practitioner(session: Session) -> None:
    structure = create_structure(session, NewStructure(name="MSP des Tilleuls", finess=FINESS))
    created = create_practitioner(session, doctor(structure_id=structure.id))
    session.commit()
    practitioner = get_practitioner(session, created.id)
    assert practitioner.id_nat_ps == "8" + RPPS
    assert practitioner.civility == "DR"
    updated = update_practitioner(
        session, created.id, {"phone": "04 65 71 00 00", "active": False, "specialty_code": None}
    )
    session.commit()
    assert (updated.phone, updated.active, updated.specialty_code) == (
        "04 65 71 00 00",
        False,
        None,
    )
    assert updated.rpps == RPPS


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"rpps": "10000000008"}, "rpps", "clé de contrôle"),
        ({"rpps": "1000000000"}, "rpps", "11 chiffres"),
        ({"profession_code": "médecin"}, "profession_code", "G15"),
        ({"civility": "Sir"}, "civility", "Civilité"),
        ({"mssante_address": "herve@gmail.com"}, "mssante_address", "mssante.fr"),
        ({"structure_id": 77}, "structure_id", "introuvable"),
        ({"family_name": ""}, "family_name", "obligatoire"),
    ],
)
def test_invalid_practitioners_are_refused(
    session: Session, changes: dict[str, object], field: str, words: str
) -> None:
    with pytest.raises(PracticeValidationError) as caught:
        create_practitioner(session, doctor(**changes))
    assert caught.value.field == field
    assert words in caught.value.message


def test_same_rpps_is_a_conflict(session: Session) -> None:
    create_practitioner(session, doctor())
    session.commit()
    with pytest.raises(ConflictError) as caught:
        create_practitioner(session, doctor(family_name="Autre"))
    assert caught.value.field == "rpps"


def test_search_practitioners(session: Session) -> None:
    create_practitioner(session, doctor())
    create_practitioner(
        session,
        doctor(
            rpps="10000000017",
            family_name="Girard",
            given_name="Chloé",
            profession_code="60",
            specialty_code=None,
            civility="MME",
            mssante_address=None,
        ),
    )
    session.commit()

    def names(**criteria: object) -> list[str]:
        page = search_practitioners(session, PractitionerCriteria(**criteria))  # type: ignore[arg-type]
        return [p.family_name for p in page.items]

    assert names() == ["Carré", "Girard"]
    assert names(name="herve carre") == ["Carré"]
    assert names(name="CHLOE") == ["Girard"]
    assert names(profession_code="60") == ["Girard"]
    assert names(specialty_code="SM54") == ["Carré"]
    assert names(rpps="10000000017") == ["Girard"]
    assert names(active=False) == []


def test_update_unknown_practitioner(session: Session) -> None:
    with pytest.raises(NotFoundError):
        update_practitioner(session, 31, {"phone": None})


def test_structures_by_finess_or_siret(session: Session) -> None:
    msp = create_structure(session, NewStructure(name="Maison de santé Étoile", finess=FINESS))
    cabinet = create_structure(session, NewStructure(name="Cabinet du Parc", siret=SIRET))
    session.commit()
    assert msp.id_nat_struct == "1" + FINESS
    assert cabinet.id_nat_struct == "3" + SIRET
    assert [s.name for s in search_structures(session, "etoile").items] == [
        "Maison de santé Étoile"
    ]
    assert search_structures(session).total == 2


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (NewStructure(name="X"), "finess"),
        (NewStructure(name="X", finess="690781811"), "finess"),
        (NewStructure(name="X", siret="73282932000075"), "siret"),
        (NewStructure(name="", finess=FINESS), "name"),
        (NewStructure(name="X", finess=FINESS, mssante_address="a@b.fr"), "mssante_address"),
    ],
)
def test_invalid_structures(session: Session, data: NewStructure, field: str) -> None:
    with pytest.raises(PracticeValidationError) as caught:
        create_structure(session, data)
    assert caught.value.field == field


def test_same_finess_is_a_conflict(session: Session) -> None:
    create_structure(session, NewStructure(name="A", finess=FINESS))
    with pytest.raises(ConflictError) as caught:
        create_structure(session, NewStructure(name="B", finess=FINESS))
    assert caught.value.field == "finess"
