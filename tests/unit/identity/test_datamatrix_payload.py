"""INS DataMatrix text: exact layout (header, blocks, GS rule), strict decoding, round trip."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given

from esante.identity import (
    DataMatrixError,
    IdentityTraits,
    InsDataMatrix,
    check_ins,
    decode_payload,
    encode_payload,
    ins_name,
)
from esante.identity.datamatrix import GS, HEADER
from tests.unit.identity.strategies import datamatrix_fields

NIR = "1.2.250.1.213.1.4.8"
TEST_NIR = "1.2.250.1.213.1.4.10"  # 20 characters: the maximum length of S2


def _data(**changes: object) -> InsDataMatrix:
    fields: dict[str, object] = {
        "matricule": "255081416802538",
        "oid": NIR,
        "birth_given_names": "CLAIRE ANNE",
        "birth_family_name": "D'ARTAGNAN",
        "sex": "F",
        "birth_date": date(1955, 8, 3),
        "birthplace_cog": "14168",
    }
    fields.update(changes)
    return InsDataMatrix(**fields)  # type: ignore[arg-type]


EXPECTED = (
    "IS01"
    + "0" * 22
    + "S1255081416802538"
    + "S21.2.250.1.213.1.4.8"
    + GS
    + "S3CLAIRE ANNE"
    + GS
    + "S4D'ARTAGNAN"
    + GS
    + "S5F"
    + "S603-08-1955"
    + "S714168"
)


def test_exact_layout() -> None:
    assert HEADER == "IS010000000000000000000000"
    assert encode_payload(_data()) == EXPECTED


def test_gs_only_after_short_variable_values() -> None:
    payload = encode_payload(_data(oid=TEST_NIR, birthplace_cog=None))
    assert "S21.2.250.1.213.1.4.10S3" in payload  # S2 at its maximum: no GS
    assert payload.endswith("S5FS603-08-1955")  # fixed-length values: no GS, none at the end
    long_name = "A" * 100
    payload = encode_payload(_data(birth_family_name=long_name))
    assert f"S4{long_name}S5F" in payload


def test_from_identity_spells_names_the_ins_way() -> None:
    ins = check_ins("255081416802538", NIR)
    traits = IdentityTraits("d’Artagnan", "Claire Anne", "Claire", "F", date(1955, 8, 3), "14168")
    assert InsDataMatrix.from_identity(ins, traits) == _data()
    assert InsDataMatrix.from_identity(ins, traits).ins == ins


def test_decode_accepts_any_order_and_a_trailing_newline() -> None:
    shuffled = HEADER + "S5FS603-08-1955S3CLAIRE ANNE" + GS + "S4D'ARTAGNAN" + GS
    shuffled += "S1255081416802538S21.2.250.1.213.1.4.8" + GS + "S714168\r\n"
    assert decode_payload(shuffled) == _data()


def test_decode_tolerates_a_gs_after_a_full_length_value() -> None:
    payload = encode_payload(_data(oid=TEST_NIR)).replace("4.10S3", "4.10" + GS + "S3")
    assert decode_payload(payload).oid == TEST_NIR


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ("HELLO", "n'est pas un DataMatrix INS"),
        ("IS02" + EXPECTED[4:], "version « 02 »"),
        ("IS01" + "0" * 21 + "1" + EXPECTED[26:], "en-tête mal formé"),
        (EXPECTED.replace("S714168", "S814168"), "« 'S8' » inconnu"),
        (EXPECTED + "S714168", "présente deux fois"),
        (EXPECTED.replace("S5F", ""), "S5 (sexe)"),
        (EXPECTED.replace("S714168", "S7141"), "tronqué"),
        (EXPECTED.replace("S3CLAIRE ANNE", "S3"), "vide"),
        (EXPECTED.replace("538S2", "539S2"), "la clé 39 ne correspond pas"),
        (EXPECTED.replace("1.4.8", "1.4.7"), "OID d'INS inconnu"),
        (EXPECTED.replace("CLAIRE ANNE", "Claire Anne"), "à écrire selon l'INS"),
        (EXPECTED.replace("CLAIRE ANNE", "CLAIRE_ANNE"), "non autorisé"),
        (EXPECTED.replace("S5F", "S5I"), "M ou F attendu"),
        (EXPECTED.replace("03-08-1955", "1955-08-03"), "JJ-MM-AAAA"),
        (EXPECTED.replace("03-08-1955", "31-02-1955"), "impossible"),
        (EXPECTED.replace("S714168", "S700168"), "code COG"),
        (EXPECTED.replace(GS, "", 1), "séparateur GS manquant après S2"),
        (EXPECTED + "X" * 1000, "trop long"),
    ],
)
def test_decode_is_strict(payload: str, fragment: str) -> None:
    with pytest.raises(DataMatrixError) as info:
        decode_payload(payload)
    assert info.value.message.startswith("DataMatrix INS : ")
    assert fragment in info.value.message


def test_construction_is_checked() -> None:
    with pytest.raises(DataMatrixError, match="100 au plus"):
        _data(birth_given_names="A" * 101)
    with pytest.raises(DataMatrixError, match="sans espace"):
        _data(matricule="2 55 08 14 168 025 38")
    with pytest.raises(DataMatrixError) as info:
        _data(sex="I")
    assert info.value.field == "S5"


@given(datamatrix_fields())
def test_round_trip_over_french_names(case: tuple[InsDataMatrix, str, str]) -> None:
    data, raw_given, raw_family = case
    assert data.birth_given_names == ins_name(raw_given)
    assert data.birth_family_name == ins_name(raw_family)
    payload = encode_payload(data)
    assert decode_payload(payload) == data
    assert encode_payload(decode_payload(payload)) == payload
