"""The demo dataset: valid identifiers, coherent identities, the promised cast, stable seeds."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from stdnum import luhn
from stdnum.fr import siret

import esante.demo
from esante.demo import NIR_TEST_OID, DemoError, demo_dataset
from esante.demo.builder import age_label, mail_part, years_months_before
from esante.identity import IdentityTraits, InsKind, check_ins, ins_name, traits_discrepancies

TODAY = date(2026, 3, 15)


@pytest.fixture(scope="module")
def dataset() -> esante.demo.DemoDataset:
    return demo_dataset(today=TODAY, extra_patients=60)


def test_exports() -> None:
    assert esante.demo.__all__ == [
        "DEFAULT_SEED",
        "NIR_TEST_OID",
        "DemoDataset",
        "DemoError",
        "DemoPatient",
        "DemoPractitioner",
        "DemoRepresentative",
        "DemoStructure",
        "demo_dataset",
    ]


def test_every_nir_is_a_valid_test_ins_coherent_with_the_traits(
    dataset: esante.demo.DemoDataset,
) -> None:
    assert InsKind.NIR_TEST.oid == NIR_TEST_OID
    for patient in dataset.patients:
        ins = check_ins(patient.nir, patient.ins_oid)
        assert ins.kind is InsKind.NIR_TEST
        traits = IdentityTraits(
            birth_family_name=patient.birth_family_name,
            birth_given_names=patient.birth_given_names,
            first_given_name=patient.first_given_name,
            sex=patient.sex,
            birth_date=patient.birth_date,
            birthplace_cog=patient.birthplace_cog,
        )
        assert traits_discrepancies(ins, traits) == [], patient.key
        # positions 6-10 are exactly the birthplace COG (incl. 2A/2B and 99xxx)
        assert ins.birthplace_code == patient.birthplace_cog
        assert ins.sex_digit == {"M": "1", "F": "2"}[patient.sex]
        ins_name(patient.birth_family_name)  # writable in the INS alphabet
        ins_name(patient.birth_given_names)


def test_nirs_are_unique(dataset: esante.demo.DemoDataset) -> None:
    nirs = [p.nir for p in dataset.patients]
    assert len(set(nirs)) == len(nirs)
    assert len({p.local_id for p in dataset.patients}) == len(nirs)


def test_same_seed_same_people_other_seed_other_people() -> None:
    first = demo_dataset(today=TODAY)
    assert demo_dataset(today=TODAY) == first
    other = demo_dataset(seed=7, today=TODAY)
    assert {p.nir for p in other.patients}.isdisjoint({p.nir for p in first.patients})
    assert [p.key for p in other.patients] == [p.key for p in first.patients]


def test_names_and_identifiers_do_not_depend_on_the_date() -> None:
    now, later = demo_dataset(today=TODAY), demo_dataset(today=date(2027, 9, 2))
    for a, b in zip(now.patients, later.patients, strict=True):
        assert (a.birth_family_name, a.birth_given_names) == (
            b.birth_family_name,
            b.birth_given_names,
        )
    assert [p.rpps for p in now.practitioners] == [p.rpps for p in later.practitioners]
    assert now.patient("lola").age_label == later.patient("lola").age_label == "13 mois"


def test_extra_patients_leave_the_cast_unchanged() -> None:
    cast = demo_dataset(today=TODAY).patients
    assert demo_dataset(today=TODAY, extra_patients=5).patients[: len(cast)] == cast
    with pytest.raises(DemoError) as caught:
        demo_dataset(extra_patients=-1)
    assert caught.value.field == "extra_patients"


def test_child_health_cast(dataset: esante.demo.DemoDataset) -> None:
    ages = {p.key: p.age_label for p in dataset.children()}
    assert ages == {
        "noah": "7 jours",
        "jade": "9 mois",
        "lola": "13 mois",
        "gabriel": "2 ans",
        "louise": "6 ans",
        "hugo": "12 ans",
    }
    assert next(p.key for p in dataset.children()) == "noah"  # youngest first
    for child in dataset.children():
        codes = [r.relationship_code for r in child.legal_representatives]
        assert codes == ["MTH", "FTH"]
        assert child.email is None  # contact goes through the parents
    lola = dataset.patient("lola")
    assert lola.first_given_name == "Lola"
    mother = dataset.patient(lola.legal_representatives[0].patient_key or "")
    assert mother.key == "claire"
    assert mother.used_family_name == lola.birth_family_name != mother.birth_family_name


def test_identity_statuses_and_recorded_ins(dataset: esante.demo.DemoDataset) -> None:
    cast = demo_dataset(today=TODAY).patients
    statuses = Counter(p.identity_status for p in cast)
    assert set(statuses) == {"PROV", "RECUP", "VALI", "QUAL"}
    assert statuses["QUAL"] > len(cast) / 2
    for patient in dataset.patients:
        if patient.identity_status in ("RECUP", "QUAL"):
            assert patient.recorded_ins == patient.nir
            assert patient.insi_reference
        else:
            assert patient.recorded_ins is None
            assert patient.insi_reference is None
        has_document = patient.identity_status in ("VALI", "QUAL")
        assert (patient.identity_validation_mode is not None) is has_document
    hugo = dataset.patient("hugo")
    assert (hugo.identity_validation_mode, hugo.guardian_document) == ("LE", "CN")


def test_births_abroad_overseas_and_in_corsica(dataset: esante.demo.DemoDataset) -> None:
    places = {p.key: p.birthplace_cog for p in dataset.patients}
    assert places["maria"] == "99139"  # Portugal
    assert places["mathieu"] == "2A004"  # Ajaccio: the key counts 2A as 19
    assert places["anne-sophie"] == "97105"  # Basse-Terre, Guadeloupe
    assert sum(cog.startswith("99") for cog in places.values()) >= 2


def test_names_carry_accents_hyphens_and_used_names(dataset: esante.demo.DemoDataset) -> None:
    cast = demo_dataset(today=TODAY).patients
    given = " ".join(p.birth_given_names for p in cast)
    assert "Jean-Pierre" in given
    assert "Anne-Sophie" in given
    assert any(c in given for c in "éèëïô")
    married = [p for p in cast if p.used_family_name and p.sex == "F"]
    assert {p.key for p in married} >= {"claire", "paulette", "anne-sophie", "maria"}
    assert all(p.used_family_name != p.birth_family_name for p in married)


def test_practitioners(dataset: esante.demo.DemoDataset) -> None:
    by_key = {p.key: p for p in dataset.practitioners}
    assert {p.profession_code for p in dataset.practitioners} >= {"10", "21", "50", "60", "70"}
    assert by_key["generaliste"].specialty_code == "SM54"
    assert by_key["pediatre"].specialty_code == "SM40"
    for p in dataset.practitioners:
        assert len(p.rpps) == 11
        assert p.rpps.startswith("10")
        assert luhn.is_valid(p.rpps)
        assert p.id_nat_ps == "8" + p.rpps
        assert p.mssante_address.endswith(".mssante.fr")
        assert p.mssante_address.split("@")[0] == p.mssante_address.split("@")[0].lower()
        dataset.structure(p.structure_key)
    assert len({p.mssante_address for p in dataset.practitioners}) == len(dataset.practitioners)
    assert by_key["generaliste"].display_name.startswith("Dr ")
    for patient in dataset.patients:
        if patient.medecin_traitant_key:
            assert by_key[patient.medecin_traitant_key].profession_code == "10"


def test_structures(dataset: esante.demo.DemoDataset) -> None:
    kinds = {s.key: s.facility_type_code for s in dataset.structures}
    assert kinds == {"cabinet": "SA08", "msp": "SA52", "centre": "SA05", "pharmacie": "SA33"}
    for s in dataset.structures:
        if s.finess:
            assert len(s.finess) == 9
            assert luhn.is_valid(s.finess)
            assert s.id_nat_struct == "1" + s.finess
        else:
            assert s.siret
            assert siret.is_valid(s.siret)
            assert s.id_nat_struct == "3" + s.siret
        assert s.mssante_address.endswith(".mssante.fr")
    assert dataset.structure("cabinet").siret is not None


def test_lookups_by_key() -> None:
    dataset = demo_dataset(today=TODAY)
    assert dataset.patient(" LOLA ").key == "lola"
    assert dataset.practitioner("generaliste").key == "generaliste"
    with pytest.raises(DemoError) as caught:
        dataset.patient("inconnu")
    assert "inconnu" in caught.value.message
    assert "lola" in (caught.value.detail or "")


def test_age_labels_and_month_arithmetic() -> None:
    assert years_months_before(date(2024, 3, 31), months=1) == date(2024, 2, 29)
    assert years_months_before(date(2026, 1, 15), years=1, months=2) == date(2024, 11, 15)
    assert age_label(date(2026, 3, 14), TODAY) == "1 jour"
    assert age_label(date(2026, 2, 16), TODAY) == "27 jours"
    assert age_label(date(2025, 2, 16), TODAY) == "12 mois"
    assert age_label(date(2024, 3, 15), TODAY) == "2 ans"
    assert mail_part("D'Almeida") == "dalmeida"
    assert mail_part("Lefèvre") == "lefevre"
