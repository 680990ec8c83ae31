"""Value-set look-ups: names, codes, French labels, errors, accent-insensitive search."""

from __future__ import annotations

import re

import pytest

from esante.errors import EsanteError
from esante.terminology import (
    Concept,
    TerminologyError,
    author_specialty,
    code_system,
    code_systems,
    concept,
    fold_accents,
    get_value_set,
    is_valid,
    label,
    search,
    value_sets,
)

OID = re.compile(r"^[0-2](\.(0|[1-9][0-9]*))+$")
LOINC = "2.16.840.1.113883.6.1"
TRE_A05 = "1.2.250.1.213.1.1.4.12"


@pytest.mark.parametrize(
    "name",
    ["J07", "j07", "JDV_J07_XdsTypeCode_CISIS", "1.2.250.1.213.1.1.5.471", "typeCode"],
)
def test_value_set_found_by_name_title_oid_or_alias(name: str) -> None:
    assert get_value_set(name).name == "J07"


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("TRE_R248", "J38"),
        ("1.2.250.1.213.1.1.4.248", "J38"),
        ("TRE_A03", "J06"),
        ("classCode", "J06"),
        ("formatCode", "J10"),
        ("healthcareFacilityTypeCode", "J02"),
        ("practiceSettingCode", "J04"),
        ("TRE_G15", "G15"),
        ("TRE_A07", "VISIBILITE"),
        ("authorSpecialty", "J01"),
        ("sexe", "J143"),
    ],
)
def test_code_system_aliases(alias: str, name: str) -> None:
    assert get_value_set(alias).name == name


def test_unknown_value_set_is_a_french_terminology_error() -> None:
    with pytest.raises(TerminologyError) as info:
        get_value_set("J999")
    assert isinstance(info.value, EsanteError)
    assert info.value.message == "Jeu de valeurs inconnu : « J999 »."
    assert "J07" in (info.value.detail or "")


def test_document_type_codes_and_official_labels() -> None:
    assert concept("J07", "SYNTH") == Concept("SYNTH", "Synthèse", TRE_A05)
    assert label("J07", "87273-9") == "Note de vaccination"
    assert label("J07", "59283-2") == "CR d'examen de l'enfant"
    assert concept("J07", "29274-8").code_system_oid == LOINC
    assert label("J07", "CERT_DECL", TRE_A05) == "Certificat, déclaration"


def test_other_value_sets_carry_the_dmp_codes() -> None:
    assert label("J06", "11") == "Synthèse"
    assert label("J06", "52") == "Certificat, déclaration"
    assert label("J08", "N") == "Normal"
    assert label("VISIBILITE", "MASQUE_PS") == "Masqué aux professionnels de santé"
    assert {c.code for c in get_value_set("VISIBILITE").concepts} == {
        "MASQUE_PS",
        "INVISIBLE_PATIENT",
        "INVISIBLE_REPRESENTANTS_LEGAUX",
    }
    assert [c.code for c in get_value_set("J38").concepts] == [
        "normal",
        "bris_de_glace",
        "centre_15",
    ]
    assert label("J10", "urn:ihe:iti:xds-sd:pdf:2008").startswith("Document à corps non structuré")
    assert label("J02", "SA07") == "Cabinet individuel"
    assert label("J04", "AMBULATOIRE") == "Ambulatoire"
    assert label("J143", "F") == "Féminin"
    assert label("J11", "TUTEUR") == "Tuteur"
    assert concept("J11", "MTH").code_system_oid == "2.16.840.1.113883.5.111"


@pytest.mark.parametrize(
    ("code", "display"),
    [
        ("10", "Médecin"),
        ("21", "Pharmacien"),
        ("50", "Sage-Femme"),
        ("60", "Infirmier"),
        ("70", "Masseur-Kinésithérapeute"),
        ("80", "Pédicure-Podologue"),
        ("91", "Orthophoniste"),
        ("92", "Orthoptiste"),
    ],
)
def test_catalogue_professions_in_g15(code: str, display: str) -> None:
    assert concept("G15", code) == Concept(code, display, "1.2.250.1.71.1.2.7")


def test_unknown_code_is_a_french_error_naming_the_value_set() -> None:
    with pytest.raises(TerminologyError) as info:
        concept("J07", "NOPE", field="document.code")
    err = info.value
    assert err.message.startswith("Code « NOPE » inconnu dans le jeu de valeurs")
    assert "JDV_J07_XdsTypeCode_CISIS" in err.message
    assert err.field == "document.code"
    assert "1.2.250.1.213.1.1.5.471" in (err.detail or "")


def test_code_in_the_wrong_code_system_is_unknown() -> None:
    assert is_valid("J07", "SYNTH", TRE_A05)
    assert not is_valid("J07", "SYNTH", LOINC)
    with pytest.raises(TerminologyError):
        concept("J07", "SYNTH", LOINC)


def test_is_valid() -> None:
    assert is_valid("J07", "87273-9")
    assert is_valid("J07", " 87273-9 ")
    assert not is_valid("J07", "87273-0")
    with pytest.raises(TerminologyError):
        is_valid("nope", "87273-9")


def test_search_ignores_accents_case_and_word_order() -> None:
    found = [c.code for c in search("J07", "synthese medicale")]
    assert found == ["60591-5"]
    assert "87273-9" in [c.code for c in search("typeCode", "VACCINATION note")]
    assert [c.code for c in search("J07", "enfant examen")] == ["59283-2"]
    assert search("J07", "pas un libellé du tout") == ()


def test_search_by_exact_code_comes_first() -> None:
    assert search("J06", "10")[0].code == "10"


def test_search_with_empty_text_returns_everything() -> None:
    assert len(search("J38", "")) == 3


def test_fold_accents() -> None:
    assert fold_accents("  Synthèse   Médicale ") == "synthese medicale"
    assert fold_accents("Lettre d’adressage") == "lettre d'adressage"


def test_author_specialty_builds_the_tre_a02_code() -> None:
    gp = author_specialty("10", "SM54")
    assert gp == Concept("G15_10/SM54", "Médecin - Médecine Générale (SM)", "1.2.250.1.213.1.1.4.5")
    assert author_specialty("50").display == "Sage-Femme"
    assert author_specialty("60", "SI01").code == "G15_60/SI01"
    with pytest.raises(TerminologyError):
        author_specialty("10", "XX99")


def test_code_systems_are_known_by_oid() -> None:
    assert code_system(LOINC).name == "LOINC"
    assert code_system(TRE_A05).name == "TRE_A05-TypeDocComplementaire"
    with pytest.raises(TerminologyError):
        code_system("1.2.3.4")
    assert len({cs.oid for cs in code_systems()}) == len(code_systems())


@pytest.mark.parametrize("vs", value_sets(), ids=lambda vs: vs.name)
def test_every_value_set_is_well_formed(vs: object) -> None:
    vs = get_value_set(vs)  # type: ignore[arg-type]
    assert vs.concepts, vs.name
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", vs.version), vs.version
    assert vs.oid is None or OID.match(vs.oid)
    keys = [(c.code, c.code_system_oid) for c in vs.concepts]
    assert len(keys) == len(set(keys)), f"duplicate codes in {vs.name}"
    known_systems = {cs.oid for cs in code_systems()}
    for c in vs.concepts:
        assert c.code
        assert c.code == c.code.strip()
        assert c.display
        assert c.display == c.display.strip()
        assert c.code_system_oid in known_systems, (vs.name, c)


def test_value_set_names_and_oids_are_unique() -> None:
    names = [vs.name for vs in value_sets()]
    oids = [vs.oid for vs in value_sets() if vs.oid]
    assert len(names) == len(set(names))
    assert len(oids) == len(set(oids))


def test_g15_labels_agree_with_the_j01_profession_codes() -> None:
    """TRE_G15 (typed from the NOS) and the G15_xx codes of JDV_J01 (from the kit) agree."""
    # TRE_G15 carries the short label of code 86, JDV_J01 the long one.
    short_in_g15 = {"86": ("Technicien de labo médical", "Technicien de laboratoire médical")}
    j01 = get_value_set("J01")
    for c in get_value_set("G15").concepts:
        in_j01 = j01.get(f"G15_{c.code}")
        assert in_j01 is not None, c.code
        if c.code in short_in_g15:
            assert (c.display, in_j01.display) == short_in_g15[c.code]
        else:
            assert c.display == in_j01.display, c.code
