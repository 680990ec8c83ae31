"""INS matricule: key, structure rules, OIDs, HL7v2 CX."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from esante.identity import Ins, InsError, InsKind, check_ins, nir_key
from tests.unit.identity.strategies import ins_bodies, matricules

NIR_OID = "1.2.250.1.213.1.4.8"


def test_kinds_and_oids() -> None:
    assert [k.oid for k in InsKind] == [
        "1.2.250.1.213.1.4.8",
        "1.2.250.1.213.1.4.9",
        "1.2.250.1.213.1.4.10",
        "1.2.250.1.213.1.4.11",
    ]
    assert InsKind.from_oid("1.2.250.1.213.1.4.9") is InsKind.NIA
    assert InsKind.NIR_DEMO.label == "NIR de démonstration"
    assert InsKind.NIR.is_production
    assert not InsKind.NIR_TEST.is_production


def test_unknown_oid_is_refused() -> None:
    with pytest.raises(InsError, match="OID d'INS inconnu") as info:
        InsKind.from_oid("1.2.250.1.213.1.4.2")
    assert info.value.field == "oid"


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ("2550814168025", 38),
        ("2951099126111", 93),
        ("253072B073004", 70),  # Corsica: 2B counts as 18
        ("253072A073004", 43),  # Corsica: 2A counts as 19
    ],
)
def test_nir_key(body: str, key: int) -> None:
    assert nir_key(body) == key


def test_corsica_key_differs_from_the_plain_digits() -> None:
    assert nir_key("253072A073004") == 97 - int("2530719073004") % 97
    assert nir_key("253072B073004") == 97 - int("2530718073004") % 97


def test_nir_key_refuses_bad_bodies() -> None:
    with pytest.raises(InsError, match="13 caractères"):
        nir_key("255081416802")
    with pytest.raises(InsError, match="position 6"):
        nir_key("25508X4168025")


def test_acceptance_key_38() -> None:
    assert check_ins("255081416802538").matricule == "255081416802538"
    with pytest.raises(InsError) as info:
        check_ins("255081416802539")
    assert "ne correspond pas" in info.value.message
    assert "document source" in info.value.message
    assert info.value.field == "matricule"


@pytest.mark.parametrize("typed", ["255081416802539", "255081416812538", "155081416802538"])
def test_a_wrong_key_never_names_the_right_one(typed: str) -> None:
    """Identity-vigilance: naming the expected key invites "fixing" a mistyped body by
    changing the key, which records another person's INS."""
    with pytest.raises(InsError) as info:
        check_ins(typed)
    right = f"{nir_key(typed[:13]):02d}"
    said = f"{info.value.message} {info.value.detail or ''}"
    assert right not in said.replace(typed, "")
    assert "clé" in info.value.message
    assert "relisez le matricule" in info.value.message


def test_spaces_and_case_are_normalised() -> None:
    ins = check_ins(" 2 53 07 2a 073 004 43 ", NIR_OID)
    assert ins.matricule == "253072A07300443"
    assert ins.formatted() == "2 53 07 2A 073 004 43"
    assert ins.kind is InsKind.NIR


@pytest.mark.parametrize(
    ("matricule", "oid", "fragment"),
    [
        ("25508141680253", None, "15 caractères"),
        ("2550814168025380", None, "15 caractères"),
        ("25508141680X538", None, "position 12"),
        ("2550814168025AB", None, "2 chiffres"),
        ("355081416802538", None, "immatriculation provisoire"),
        ("555081416802538", None, "premier chiffre (sexe)"),
        ("755081416802538", NIR_OID, "1 ou 2 attendu pour un NIR"),
        ("255131416802538", None, "mois de naissance « 13 »"),
        ("255001416802538", None, "mois de naissance « 00 »"),
        ("255431416802538", None, "mois de naissance « 43 »"),
        ("255080016802538", None, "département de naissance « 00 »"),
        ("2550814168025", "1.2.3", "OID d'INS inconnu"),
    ],
)
def test_each_rule_names_its_problem(matricule: str, oid: str | None, fragment: str) -> None:
    with pytest.raises(InsError) as info:
        check_ins(matricule, oid)
    assert fragment in info.value.message


def test_special_months_and_nia_digits_are_accepted() -> None:
    for month in ("20", "42", "50", "99"):
        body = f"2{55}{month}14168025"
        check_ins(f"{body}{nir_key(body):02d}")
    nia = "7550899352001"
    ins = check_ins(f"{nia}{nir_key(nia):02d}", InsKind.NIA.oid)
    assert ins.kind is InsKind.NIA
    assert ins.birthplace_code == "99352"


def test_cx_round_trip() -> None:
    ins = check_ins("255081416802538", NIR_OID)
    assert ins.cx() == "255081416802538^^^&1.2.250.1.213.1.4.8&ISO^NH"
    assert Ins.from_cx(ins.cx()) == ins
    named = "255081416802538^^^ASIP-SANTE-INS-NIR&1.2.250.1.213.1.4.8&ISO^NH^^"
    assert Ins.from_cx(named) == ins


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("255081416802538^^^&1.2.250.1.213.1.4.8&ISO", "CX"),
        ("255081416802538^^^1.2.250.1.213.1.4.8^NH", "CX.4"),
        ("255081416802538^^^&1.2.250.1.213.1.4.8&DNS^NH", "CX.4"),
        ("255081416802538^^^&1.2.250.1.213.1.4.8&ISO^PI", "CX.5"),
        ("255081416802539^^^&1.2.250.1.213.1.4.8&ISO^NH", "matricule"),
    ],
)
def test_bad_cx_is_refused(text: str, field: str) -> None:
    with pytest.raises(InsError) as info:
        Ins.from_cx(text)
    assert info.value.field == field


def test_cx_needs_an_oid() -> None:
    with pytest.raises(InsError, match="OID"):
        check_ins("255081416802538").cx()


@given(ins_bodies())
def test_any_valid_body_with_its_key_is_accepted(body: str) -> None:
    matricule = f"{body}{nir_key(body):02d}"
    assert check_ins(matricule).matricule == matricule


@given(matricules(), st.data())
def test_changing_any_digit_is_detected(matricule: str, data: st.DataObject) -> None:
    positions = [i for i, c in enumerate(matricule) if c.isdigit()]
    pos = data.draw(st.sampled_from(positions))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != matricule[pos]]))
    changed = matricule[:pos] + digit + matricule[pos + 1 :]
    with pytest.raises(InsError):
        check_ins(changed)
