"""Identity traits: INS spelling of names, validation, coherence with the matricule."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from esante.identity import IdentityTraits, TraitsError, check_ins, ins_name, nir_key
from esante.identity import traits_discrepancies as discrepancies


def _ins(body: str) -> str:
    return f"{body}{nir_key(body):02d}"


def _traits(**changes: object) -> IdentityTraits:
    fields: dict[str, object] = {
        "birth_family_name": "MARTIN",
        "birth_given_names": "CLAIRE ANNE",
        "first_given_name": "CLAIRE",
        "sex": "F",
        "birth_date": date(1955, 8, 3),
        "birthplace_cog": "14168",
    }
    fields.update(changes)
    return IdentityTraits(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "spelled"),
    [
        ("Hélène", "HELENE"),
        ("  jean   pierre ", "JEAN PIERRE"),
        ("d’Artagnan", "D'ARTAGNAN"),
        ("Lætitia Œdipe", "LAETITIA OEDIPE"),
        ("Dupont -- Durand", "DUPONT--DURAND"),
        ("Marie–Ève", "MARIE-EVE"),
        ("N' Diaye", "N'DIAYE"),
        ("Müller-Lüdenscheidt", "MULLER-LUDENSCHEIDT"),
    ],
)
def test_ins_name(raw: str, spelled: str) -> None:
    assert ins_name(raw) == spelled


@pytest.mark.parametrize("raw", ["Louis 14", "Jean.Pierre", "-Jean", "Jean---Pierre", "", "Иван"])
def test_ins_name_refuses(raw: str) -> None:
    with pytest.raises(TraitsError, match="règles de l'INS"):
        ins_name(raw)


def test_traits_validation() -> None:
    assert _traits().born_abroad is False
    assert _traits(birthplace_cog="99352").born_abroad is True
    assert _traits(birthplace_cog=None).born_abroad is None
    # a compound first given name written with a space is still the start of the list
    _traits(birth_given_names="MARIE CLAIRE ANNE", first_given_name="MARIE CLAIRE")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"birth_family_name": " "}, "birth_family_name"),
        ({"first_given_name": "ANNE"}, "first_given_name"),
        ({"first_given_name": "CLAI"}, "first_given_name"),
        ({"sex": "X"}, "sex"),
        ({"birthplace_cog": "1416"}, "birthplace_cog"),
        ({"birthplace_cog": "00168"}, "birthplace_cog"),
        ({"birth_family_name": "A" * 101}, "birth_family_name"),
        ({"birth_family_name": "MAR\tTIN"}, "birth_family_name"),
    ],
)
def test_bad_traits_are_refused(changes: dict[str, object], field: str) -> None:
    with pytest.raises(TraitsError) as info:
        _traits(**changes)
    assert info.value.field == field


def test_names_are_stored_in_nfc_as_typed() -> None:
    typed = unicodedata.normalize("NFD", "Hélène Françoise")
    assert typed != "Hélène Françoise"  # e + combining acute, c + combining cedilla
    traits = _traits(
        birth_family_name=unicodedata.normalize("NFD", "Lefèvre d’Ornano"),
        birth_given_names=typed,
        first_given_name=unicodedata.normalize("NFD", "Hélène"),
    )
    assert traits.birth_given_names == "Hélène Françoise"
    assert traits.first_given_name == "Hélène"
    assert traits.birth_family_name == "Lefèvre d'Ornano"  # case and accents kept


@pytest.mark.parametrize(
    ("field", "typed", "shown"),
    [
        ("birth_family_name", "ＤＵＰＯＮＴ", "U+FF24"),  # full-width
        ("birth_family_name", "Durаnd", "U+0430"),  # Cyrillic а among Latin letters
        ("birth_given_names", "CLAIRE Αnne", "U+0391"),  # Greek capital alpha
        ("birth_family_name", "Martin2", "U+0032"),
        ("birth_family_name", "Martin.", "U+002E"),
    ],
)
def test_look_alike_and_foreign_characters_are_refused_naming_the_field(
    field: str, typed: str, shown: str
) -> None:
    changes: dict[str, object] = {field: typed}
    if field == "birth_given_names":
        changes["first_given_name"] = typed.split()[0]
    with pytest.raises(TraitsError) as info:
        _traits(**changes)
    assert info.value.field == field
    assert shown in info.value.message
    assert "non autorisé" in info.value.message
    assert "lettres latines" in info.value.message


def test_ins_spelling_does_not_fold_full_width_letters() -> None:
    with pytest.raises(TraitsError):
        ins_name("ＤＵＰＯＮＴ")


def test_coherent_traits_have_no_discrepancy() -> None:
    assert discrepancies(check_ins("255081416802538"), _traits()) == []


def test_each_discrepancy_is_reported_in_french() -> None:
    ins = check_ins("255081416802538")
    found = discrepancies(
        ins, _traits(sex="M", birth_date=date(1956, 9, 3), birthplace_cog="75056")
    )
    assert len(found) == 4
    assert found[0].startswith("Sexe : l'INS indique le sexe féminin")
    assert "1956" in found[1]
    assert "Mois de naissance" in found[2]
    assert "département 75" in found[3]


def test_sex_i_and_unknown_month_are_not_compared() -> None:
    ins = check_ins(_ins("1553314168025"))  # month code 33: month unknown
    assert discrepancies(ins, _traits(sex="I", birth_date=date(1955, 1, 1))) == []


def test_abroad_country_and_france_abroad_mismatches() -> None:
    abroad = check_ins(_ins("2550899352025"))
    assert discrepancies(abroad, _traits(birthplace_cog="99352")) == []
    assert "Pays de naissance" in discrepancies(abroad, _traits(birthplace_cog="99109"))[0]
    assert "à l'étranger (99352)" in discrepancies(abroad, _traits())[0]
    born_in_france = check_ins("255081416802538")
    assert (
        "en France (département 14)"
        in discrepancies(born_in_france, _traits(birthplace_cog="99352"))[0]
    )


def test_historical_geography_is_allowed_for() -> None:
    algeria_before_1962 = check_ins(_ins("2550892123025"))
    assert discrepancies(algeria_before_1962, _traits(birthplace_cog="99352")) == []
    corsica_before_1976 = check_ins(_ins("2550820004025"))
    assert discrepancies(corsica_before_1976, _traits(birthplace_cog="2A004")) == []
    seine_before_1968 = check_ins(_ins("2550875112025"))
    assert discrepancies(seine_before_1968, _traits(birthplace_cog="92012")) == []
    # after 1968 Hauts-de-Seine has its own code: a 75 there is a real discrepancy
    seine_after_1968 = check_ins(_ins("2750875112025"))
    assert discrepancies(
        seine_after_1968, _traits(birth_date=date(1975, 8, 3), birthplace_cog="92012")
    )


def test_overseas_departments_compare_three_digits() -> None:
    guadeloupe = check_ins(_ins("2550897101025"))
    assert discrepancies(guadeloupe, _traits(birthplace_cog="97101")) == []
    assert discrepancies(guadeloupe, _traits(birthplace_cog="97209"))
