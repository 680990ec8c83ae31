"""Userinfo claims of the demo professionals, in PSC's shape."""

from __future__ import annotations

import pytest

from esante.demo import DemoPractitioner, demo_dataset
from esante.sandbox.psc.claims import subject, userinfo_claims

DATA = demo_dataset()
SCOPE = "openid scope_all"


@pytest.mark.parametrize("practitioner", DATA.practitioners, ids=lambda p: p.key)
def test_every_professional_is_described_like_psc_does(practitioner: DemoPractitioner) -> None:
    claims = userinfo_claims(practitioner, DATA, SCOPE)
    structure = DATA.structure(practitioner.structure_key)
    assert claims["SubjectNameID"] == "8" + practitioner.rpps
    assert claims["preferred_username"] == claims["SubjectNameID"]
    assert claims["otherIds"] == [
        {"identifiant": "8" + practitioner.rpps, "origine": "RPPS", "qualite": 1}
    ]
    assert claims["SubjectRole"] == [f"{practitioner.profession_code}^1.2.250.1.213.1.1.5.5"]
    assert claims["SubjectOrganization"] == structure.name
    assert claims["Secteur_Activite"] == f"{structure.facility_type_code}^1.2.250.1.71.4.2.4"
    (exercise,) = claims["SubjectRefPro"]["exercices"]
    assert exercise["codeProfession"] == practitioner.profession_code
    assert exercise["codeCategorieProfessionnelle"] == "C"
    assert exercise["codeSavoirFaire"] == (practitioner.specialty_code or "")
    assert exercise["codeTypeSavoirFaire"] == ("S" if practitioner.specialty_code else "")
    (activity,) = exercise["activities"]
    assert activity["ancienIdentifiantDeLaStructure"] == structure.id_nat_struct
    assert activity["numeroFinessSite"] == (structure.finess or "")
    assert activity["numeroSiretSite"] == (structure.siret or "")
    assert activity["identifiantTechniqueDeLaStructure"] == claims["SubjectOrganizationID"]
    assert activity["codeSecteurDactivite"] == structure.facility_type_code
    assert activity["codePostal"] == structure.postal_code


def test_doctors_carry_their_ordinal_specialty() -> None:
    cardiologist = DATA.practitioner("cardiologue")
    (exercise,) = userinfo_claims(cardiologist, DATA, SCOPE)["SubjectRefPro"]["exercices"]
    assert (exercise["codeTypeSavoirFaire"], exercise["codeSavoirFaire"]) == ("S", "SM04")
    assert exercise["codeCiviliteDexercice"] == "DR"


def test_salaried_in_a_health_centre_liberal_elsewhere() -> None:
    modes = {
        p.key: userinfo_claims(p, DATA, SCOPE)["SubjectRefPro"]["exercices"][0]["activities"][0][
            "codeModeExercice"
        ]
        for p in DATA.practitioners
    }
    assert modes["pediatre"] == "S"  # centre de santé
    assert modes["generaliste"] == "L"


def test_without_scope_all_only_the_identity_is_given() -> None:
    claims = userinfo_claims(DATA.practitioner("infirmier"), DATA, "openid")
    identity = {"sub", "SubjectNameID", "preferred_username", "given_name", "family_name"}
    assert set(claims) == identity


def test_subjects_are_stable_and_distinct() -> None:
    subjects = [subject(p) for p in DATA.practitioners]
    assert len(set(subjects)) == len(subjects)
    assert subjects == [subject(p) for p in demo_dataset().practitioners]
    assert all(p.rpps not in s for p, s in zip(DATA.practitioners, subjects, strict=True))
