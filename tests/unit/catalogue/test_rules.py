"""The Ségur catalogue rules the feeding engine relies on."""

from __future__ import annotations

from collections import Counter

import pytest

from esante.catalogue import (
    CatalogueError,
    entries,
    interpretations,
    pmi_address,
    profession,
    professions,
    profiles,
    rules_for,
)
from esante.errors import EsanteError

PMI = "certificatsdesante@plateformecse.mssante.fr"


def test_medecin_vsm_is_n3_fed_to_the_dmp_and_sent_to_the_treating_doctor() -> None:
    rule = rules_for("10", "SYNTH")
    assert rule.level == "N3"
    assert [m.id for m in rule.models] == ["VSM"]
    assert rule.feed_dmp
    assert rule.mss_to_treating_doctor_or_referrer
    assert rule.mss_fixed_recipients == ()
    assert rule.profile == "medecin_traitant"
    assert rule.document_type.class_code == "11"


@pytest.mark.parametrize("model", ["CSE-CS9", "CSE-CS24", "1.2.250.1.213.1.1.1.5.3"])
def test_child_health_certificates_go_to_the_pmi_platform(model: str) -> None:
    rule = rules_for("10", "CERT_DECL", model=model)
    assert rule.level == "N3"
    assert rule.feed_dmp
    assert rule.mss_fixed_recipients == (PMI,)
    assert rule.sends_mss
    assert pmi_address() == PMI


def test_generic_certificate_is_n1_and_not_fed_automatically() -> None:
    rule = rules_for("10", "CERT_DECL")
    assert rule.level == "N1"
    assert not rule.feed_dmp
    assert not rule.sends_mss


def test_cs8_feeds_the_dmp_and_is_not_sent_to_the_pmi() -> None:
    rule = rules_for("10", "CERT_DECL", model="CSE-CS8")
    assert rule.level == "N3"
    assert rule.feed_dmp
    assert not rule.sends_mss


def test_only_cs9_and_cs24_rows_send_to_the_pmi() -> None:
    with_pmi = [r for r in entries() if PMI in r.mss_fixed_recipients]
    assert len(with_pmi) == 1
    assert {m.id for m in with_pmi[0].models} == {"CSE-CS9", "CSE-CS24"}


@pytest.mark.parametrize("prof", ["50", "sage-femme", "Sage-Femme", "G15_50"])
def test_sage_femme_trod_is_n3(prof: str) -> None:
    rule = rules_for(prof, "96173-0")
    assert rule.level == "N3"
    assert [m.id for m in rule.models] == ["BIO-TROD"]
    assert rule.feed_dmp
    assert rule.mss_to_treating_doctor_or_referrer


def test_pharmacien_vaccination_note_is_n3_and_fed_to_the_dmp() -> None:
    rule = rules_for("pharmacien", "87273-9")
    assert rule.level == "N3"
    assert [m.id for m in rule.models] == ["VAC-NOTE"]
    assert rule.feed_dmp
    assert not rule.mss_to_treating_doctor_or_referrer


def test_structured_prescription_is_a_profile_of_its_own() -> None:
    assert rules_for("10", "57833-6").level == "N1"
    structured = rules_for("10", "57833-6", "prescription_structuree")
    assert structured.level == "N3"
    assert [m.id for m in structured.models] == ["EP-MED-DM"]
    assert rules_for("10", "57833-6", model="EP-MED-DM") == structured
    # a profile without its own row falls back on the "Général" row
    assert rules_for("10", "57833-6", "medecin_traitant").level == "N1"


def test_ipa_rows_for_nurses() -> None:
    rule = rules_for("infirmier", "PRESC-INF")
    assert rule.profile == "ipa"
    assert rules_for("IPA", "PRESC-BIO", "ipa").profile == "ipa"
    with pytest.raises(CatalogueError):
        rules_for("60", "PRESC-INF", "general")


def test_document_not_in_the_catalogue_for_the_profession() -> None:
    with pytest.raises(CatalogueError) as info:
        rules_for("70", "SYNTH")
    err = info.value
    assert isinstance(err, EsanteError)
    assert err.message == (
        "Le document « Synthèse » ne fait pas partie du catalogue Ségur pour la profession "
        "Masseur-Kinésithérapeute."
    )
    assert err.field == "document_type"
    assert "70" in (err.detail or "")


def test_unknown_type_code_is_a_catalogue_error() -> None:
    with pytest.raises(CatalogueError) as info:
        rules_for("10", "NOT-A-TYPE")
    assert "NOT-A-TYPE" in info.value.message


def test_profession_outside_the_catalogue() -> None:
    with pytest.raises(CatalogueError) as info:
        rules_for("40", "SYNTH")  # chirurgien-dentiste: no table in the seed
    assert info.value.message == "Profession « 40 » absente du catalogue Ségur."


def test_vsm_is_not_a_general_profile_document() -> None:
    with pytest.raises(CatalogueError) as info:
        rules_for("10", "SYNTH", "general")
    assert "Médecin traitant et suivi de l'enfant" in info.value.message


def test_unknown_profile_and_unknown_model() -> None:
    with pytest.raises(CatalogueError) as info:
        rules_for("10", "SYNTH", "chef")
    assert info.value.field == "profile"
    with pytest.raises(CatalogueError) as info:
        rules_for("10", "SYNTH", model="XYZ")
    assert info.value.field == "model"
    assert info.value.__cause__ is not None


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("médecin", "10"),
        ("MEDECIN", "10"),
        ("kinésithérapeute", "70"),
        ("Masseur-Kinésithérapeute", "70"),
        ("podologue", "80"),
        ("orthophoniste", "91"),
        ("orthoptiste", "92"),
        ("IDE", "60"),
        ("21", "21"),
    ],
)
def test_profession_names(name: str, code: str) -> None:
    assert profession(name).code == code


def test_catalogue_shape() -> None:
    counts = Counter(r.profession.code for r in entries())
    assert counts == {
        "10": 25,
        "50": 13,
        "60": 9,
        "91": 4,
        "92": 4,
        "80": 4,
        "70": 4,
        "21": 7,
    }
    assert [p.code for p in professions()] == ["10", "50", "60", "91", "92", "80", "70", "21"]
    assert len(entries("sage-femme")) == 13
    assert set(profiles()) == {
        "general",
        "medecin_traitant",
        "exercice_coordonne",
        "prescription_structuree",
        "ipa",
    }
    assert interpretations()


def test_every_row_is_consistent() -> None:
    for r in entries():
        assert r.models, r
        assert {m.level for m in r.models} == {r.level}, r
        assert all(r.document_type.model(m.id) is not None for m in r.models), r
        assert r.profile_label == profiles()[r.profile]
    # the only rows not fed automatically are the generic certificates
    assert {r.document for r in entries() if not r.feed_dmp} == {"Certificat, déclaration"}


def test_paramedical_tables_share_their_documents() -> None:
    docs = {
        code: {r.document_type.code for r in entries(code)} for code in ("70", "80", "91", "92")
    }
    assert all(d == {"57833-6", "47420-5", "83869-8", "34120-6"} for d in docs.values())
