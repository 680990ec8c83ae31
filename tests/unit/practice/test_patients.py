"""Patient services on SQLite and PostgreSQL: create, read, search, update, conflicts."""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from esante.identity import InsKind, nir_key
from esante.practice import (
    LegalRepresentativeData,
    NewPatient,
    NewPractitioner,
    PatientCriteria,
    PracticeValidationError,
    create_patient,
    create_practitioner,
    get_patient,
    search_patients,
    update_patient,
)
from esante.store import ConflictError, NotFoundError, Patient
from esante.store.repositories import PatientRepository
from tests.unit.practice.acting import ACTOR

OID = InsKind.NIR_TEST.oid


def nir(sex: str, birth: date, cog: str, order: int = 123) -> str:
    first13 = ("1" if sex == "M" else "2") + f"{birth:%y%m}" + cog + f"{order:03d}"
    return first13 + f"{nir_key(first13):02d}"


HELENE_BIRTH = date(1981, 4, 12)
HELENE_NIR = nir("F", HELENE_BIRTH, "69383")


def helene(**changes: object) -> NewPatient:
    """A qualified identity: INS from INSi + identity card checked."""
    values: dict[str, object] = {
        "birth_family_name": "Lefèvre",
        "birth_given_names": "Hélène Marie",
        "sex": "F",
        "birth_date": HELENE_BIRTH,
        "birthplace_cog": "69383",
        "used_family_name": "Dupré",
        "local_id": "IPP-H1",
        "ins_matricule": HELENE_NIR,
        "ins_oid": OID,
        "insi_reference": "INSI-0001",
        "identity_document": "CN",
        "identity_status": "QUAL",
    }
    values.update(changes)
    return NewPatient(**values)  # type: ignore[arg-type]


def test_create_and_read_a_qualified_patient(session: Session) -> None:
    created = create_patient(session, helene(), actor=ACTOR)
    session.commit()
    patient = get_patient(session, created.id)
    assert patient.identity_status == "QUAL"
    assert patient.ins_matricule == HELENE_NIR
    assert patient.ins_oid == OID
    assert patient.first_given_name == "Hélène"
    assert patient.identity_validation_mode == "CN"
    [row] = patient.status_history
    assert (row.from_status, row.to_status, row.insi_reference) == (None, "QUAL", "INSI-0001")


def test_a_provisional_patient_gets_a_generated_local_id(session: Session) -> None:
    patient = create_patient(
        session,
        NewPatient(
            birth_family_name="Martin",
            birth_given_names="Léo",
            sex="m",
            birth_date=date(2020, 1, 2),
        ),
        actor=ACTOR,
    )
    assert patient.identity_status == "PROV"
    assert patient.local_id.startswith("IPP")
    assert patient.sex == "M"
    assert patient.ins_matricule is None


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"ins_matricule": HELENE_NIR[:-2] + "00"}, "ins_matricule", "ne correspond pas"),
        ({"ins_oid": None}, "ins_oid", "OID"),
        ({"insi_reference": None, "identity_status": None}, "insi_reference", "INSi"),
        ({"sex": "M"}, "ins_matricule", "Sexe"),
        ({"birthplace_cog": "33063"}, "ins_matricule", "Département"),
        ({"sex": "X"}, "sex", "Sexe"),
        ({"birth_date": date.today() + timedelta(days=1)}, "birth_date", "futur"),
        ({"first_given_name": "Marie"}, "first_given_name", "premier"),
        ({"birth_family_name": "Lef3vre"}, "birth_family_name", "non autorisé"),
        ({"birth_family_name": "  "}, "birth_family_name", "obligatoire"),
        ({"birthplace_cog": "6938"}, "birthplace_cog", "COG"),
        ({"identity_document": "PC"}, "identity_document", "haut niveau"),
        ({"identity_document": None}, "identity_status", "pièce d'identité"),
        ({"identity_status": "SUPER"}, "identity_status", "inconnu"),
        ({"medecin_traitant_id": 999}, "medecin_traitant_id", "introuvable"),
        ({"email": "pas-une-adresse"}, "email", "invalide"),
    ],
)
def test_invalid_patients_are_refused_with_the_field_at_fault(
    session: Session, changes: dict[str, object], field: str, words: str
) -> None:
    with pytest.raises(PracticeValidationError) as caught:
        create_patient(session, helene(**changes), actor=ACTOR)
    assert caught.value.field == field
    assert words in caught.value.message
    assert session.query(Patient).count() == 0


def test_traits_typed_decomposed_are_stored_composed(session: Session) -> None:
    decomposed = {
        "birth_family_name": unicodedata.normalize("NFD", "Lefèvre"),
        "birth_given_names": unicodedata.normalize("NFD", "Hélène Marie"),
    }
    created = create_patient(session, helene(**decomposed), actor=ACTOR)
    session.commit()
    session.expire_all()
    stored = session.get(Patient, created.id)
    assert stored is not None
    assert stored.birth_family_name == "Lefèvre"
    assert stored.birth_given_names == "Hélène Marie"
    assert stored.first_given_name == "Hélène"
    assert unicodedata.is_normalized("NFC", stored.birth_given_names)


@pytest.mark.parametrize("typed", ["ＬＥＦＥＶＲＥ", "Lefеvre"])  # full-width; Cyrillic е
def test_look_alike_traits_are_refused(session: Session, typed: str) -> None:
    with pytest.raises(PracticeValidationError) as caught:
        create_patient(session, helene(birth_family_name=typed), actor=ACTOR)
    assert caught.value.field == "birth_family_name"
    assert "non autorisé" in caught.value.message
    assert session.query(Patient).count() == 0


def test_same_ins_or_same_local_id_is_a_conflict(session: Session) -> None:
    create_patient(session, helene(), actor=ACTOR)
    session.commit()
    with pytest.raises(ConflictError) as caught:
        create_patient(session, helene(local_id="IPP-H2"), actor=ACTOR)
    assert caught.value.field == "ins_matricule"
    assert "IPP-H1" in caught.value.message  # names the likely duplicate
    with pytest.raises(ConflictError) as caught:
        create_patient(
            session,
            helene(ins_matricule=None, insi_reference=None, identity_status="VALI"),
            actor=ACTOR,
        )
    assert caught.value.field == "local_id"


def test_a_raw_duplicate_insert_is_a_conflict_not_an_integrity_error(session: Session) -> None:
    repo = PatientRepository(session)
    base = {
        "birth_family_name": "A",
        "birth_given_names": "B",
        "first_given_name": "B",
        "sex": "F",
        "birth_date": date(2000, 1, 1),
        "identity_status": "PROV",
    }
    repo.add(Patient(local_id="X1", **base))
    with pytest.raises(ConflictError) as caught:
        repo.add(Patient(local_id="X1", **base))
    assert "conflit" in caught.value.message


def test_minor_with_family_record_book_needs_a_parent_document(session: Session) -> None:
    child = {
        "birth_family_name": "Martin",
        "birth_given_names": "Lola",
        "sex": "F",
        "birth_date": date.today() - timedelta(days=400),
        "identity_document": "LE",
        "legal_representatives": [LegalRepresentativeData("MTH", "Martin", "Claire")],
    }
    with pytest.raises(PracticeValidationError) as caught:
        create_patient(session, NewPatient(**child), actor=ACTOR)  # type: ignore[arg-type]
    assert caught.value.field == "identity_document"
    patient = create_patient(session, NewPatient(**child, guardian_document="CN"), actor=ACTOR)  # type: ignore[arg-type]
    assert patient.identity_status == "VALI"
    assert [r.relationship_code for r in patient.legal_representatives] == ["MTH"]


def test_bad_legal_representative_names_its_index(session: Session) -> None:
    reps = [
        LegalRepresentativeData("MTH", "Martin", "Claire"),
        LegalRepresentativeData("FTH", "Martin", " "),
    ]
    with pytest.raises(PracticeValidationError) as caught:
        create_patient(session, helene(legal_representatives=reps), actor=ACTOR)
    assert caught.value.field == "legal_representatives.1.given_name"


def _load_search_fixture(session: Session) -> None:
    doctor = create_practitioner(
        session,
        NewPractitioner(
            rpps="10000000009", family_name="Carré", given_name="Hervé", profession_code="10"
        ),
    )
    create_patient(session, helene(medecin_traitant_id=doctor.id), actor=ACTOR)
    create_patient(
        session,
        NewPatient(
            birth_family_name="N'Diaye",
            birth_given_names="Jean-Pierre Louis",
            sex="M",
            birth_date=date(1964, 12, 23),
            local_id="IPP-JP",
        ),
        actor=ACTOR,
    )
    create_patient(
        session,
        NewPatient(
            birth_family_name="Œuvrard",
            birth_given_names="Zoé",
            sex="F",
            birth_date=date(2019, 5, 6),
            local_id="IPP-Z",
        ),
        actor=ACTOR,
    )
    session.commit()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("lefevre", ["IPP-H1"]),
        ("LEFÈVRE hélène", ["IPP-H1"]),
        ("dupre", ["IPP-H1"]),  # used name
        ("marie", ["IPP-H1"]),  # second given name
        ("ndiaye", ["IPP-JP"]),
        ("n'diaye", ["IPP-JP"]),
        ("jean pierre", ["IPP-JP"]),
        ("jean-pierre", ["IPP-JP"]),
        ("oeuvrard", ["IPP-Z"]),
        ("zoe", ["IPP-Z"]),
        ("e", ["IPP-H1", "IPP-JP", "IPP-Z"]),
        ("lefevre zoe", []),
        ("100%", []),  # LIKE wildcards are escaped
    ],
)
def test_name_search_ignores_accents_case_and_punctuation(
    session: Session, query: str, expected: list[str]
) -> None:
    _load_search_fixture(session)
    page = search_patients(session, PatientCriteria(name=query), actor=ACTOR)
    assert sorted(p.local_id for p in page.items) == expected
    assert page.total == len(expected)


def test_search_by_ins_birth_date_local_id_status_and_doctor(session: Session) -> None:
    _load_search_fixture(session)
    spaced = " ".join([HELENE_NIR[:1], HELENE_NIR[1:7], HELENE_NIR[7:]])

    def ids(**criteria: object) -> list[str]:
        page = search_patients(session, PatientCriteria(**criteria), actor=ACTOR)  # type: ignore[arg-type]
        return sorted(p.local_id for p in page.items)

    assert ids(ins=spaced) == ["IPP-H1"]
    assert ids(birth_date=date(1964, 12, 23)) == ["IPP-JP"]
    assert ids(local_id="IPP-Z") == ["IPP-Z"]
    assert ids(identity_status="PROV") == ["IPP-JP", "IPP-Z"]
    assert ids(sex="F", name="zoe") == ["IPP-Z"]
    doctor_id = get_patient(
        session,
        search_patients(session, PatientCriteria(local_id="IPP-H1"), actor=ACTOR).items[0].id,
    ).medecin_traitant_id
    assert ids(medecin_traitant_id=doctor_id) == ["IPP-H1"]
    page = search_patients(session, PatientCriteria(limit=2, offset=1), actor=ACTOR)
    assert (page.total, len(page.items), page.offset) == (3, 2, 1)


def test_update_contact_and_used_names_keeps_the_status(session: Session) -> None:
    patient = create_patient(session, helene(), actor=ACTOR)
    updated = update_patient(
        session,
        patient.id,
        {"used_family_name": None, "city": "Lyon", "phone": "06 39 98 00 01"},
        actor=ACTOR,
    )
    assert updated.used_family_name is None
    assert updated.city == "Lyon"
    assert updated.identity_status == "QUAL"
    assert len(updated.status_history) == 1


def test_update_unknown_patient_is_not_found(session: Session) -> None:
    with pytest.raises(NotFoundError) as caught:
        update_patient(session, 4242, {"city": "Lyon"}, actor=ACTOR)
    assert "4242" in caught.value.message


def test_update_local_id_to_one_already_taken_is_a_conflict(session: Session) -> None:
    create_patient(session, helene(), actor=ACTOR)
    other = create_patient(
        session,
        NewPatient(birth_family_name="B", birth_given_names="C", sex="F", birth_date=HELENE_BIRTH),
        actor=ACTOR,
    )
    with pytest.raises(ConflictError) as caught:
        update_patient(session, other.id, {"local_id": "IPP-H1"}, actor=ACTOR)
    assert caught.value.field == "local_id"
    with pytest.raises(PracticeValidationError) as refused:
        update_patient(session, other.id, {"local_id": None}, actor=ACTOR)  # type: ignore[typeddict-item]
    assert refused.value.field == "local_id"


def test_legal_representatives_are_replaced_by_an_update(session: Session) -> None:
    patient = create_patient(
        session,
        helene(legal_representatives=[LegalRepresentativeData("MTH", "A", "B")]),
        actor=ACTOR,
    )
    updated = update_patient(
        session,
        patient.id,
        {"legal_representatives": [LegalRepresentativeData("tuteur", "Durand", "Paul")]},
        actor=ACTOR,
    )
    session.commit()
    assert [(r.relationship_code, r.family_name) for r in updated.legal_representatives] == [
        ("TUTEUR", "Durand")
    ]
