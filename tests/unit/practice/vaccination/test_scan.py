"""The vaccine box's GS1 DataMatrix as scanners type it (issue 15): real-shaped strings
with and without the ``]d2`` prefix, GS separators present, written as a token, or lost,
AI orders seen on boxes, and damaged codes refused with the field at fault.

Expectations are derived from the element strings each test assembles."""

from __future__ import annotations

from datetime import date

import pytest

from esante.practice.errors import PracticeValidationError
from esante.practice.vaccination.catalogue import VaccineCatalogue, packaged
from esante.practice.vaccination.resolve import resolve_box, scan_text
from esante.practice.vaccination.scan import GS, parse_datamatrix

TODAY = date(2026, 12, 6)
BOX = next(p for p in packaged().presentations if p.vaccine.key == "bexsero")
GTIN = BOX.gtin
LOT, SERIAL, EXPIRY = "AC38B447AB", "7QX2HD9KF3", date(2027, 11, 30)
# a lot and a serial holding no AI a medicine box uses ("01", "10", "17", "21"): a
# string whose separators were lost reads one way only
AI01, AI17 = f"01{GTIN}", f"17{EXPIRY:%y%m%d}"
AI10, AI21 = f"10{LOT}", f"21{SERIAL}"


def _check_digit(first13: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(first13))
    return str((10 - total % 10) % 10)


# (string as typed, lot, serial): every one of these is a complete, unambiguous reading.
READABLE = {
    "prefix, GS, order 01-17-10-21": (f"]d2{AI01}{AI17}{AI10}{GS}{AI21}", LOT, SERIAL),
    "no prefix, GS, order 01-17-10-21": (f"{AI01}{AI17}{AI10}{GS}{AI21}", LOT, SERIAL),
    "prefix, order 01-21-17-10 (serial first)": (f"]d2{AI01}{AI21}{GS}{AI17}{AI10}", LOT, SERIAL),
    "order 01-10-17-21, GS after the lot": (f"{AI01}{AI10}{GS}{AI17}{AI21}", LOT, SERIAL),
    "order 17-01-21-10": (f"{AI17}{AI01}{AI21}{GS}{AI10}", LOT, SERIAL),
    "leading FNC1 sent as GS": (f"{GS}{AI01}{AI17}{AI10}{GS}{AI21}", LOT, SERIAL),
    "GS written <GS> by the scanner": (f"]d2{AI01}{AI17}{AI10}<GS>{AI21}", LOT, SERIAL),
    "GS written {GS}": (f"{AI01}{AI17}{AI10}{{GS}}{AI21}", LOT, SERIAL),
    "GS lost, lot last": (f"{AI01}{AI17}{AI10}", LOT, None),
    "GS lost, lot then expiry": (f"]d2{AI01}{AI10}{AI17}", LOT, None),
    "GS lost, serial then GTIN, lot last": (f"{AI21}{AI01}{AI17}{AI10}", LOT, SERIAL),
    "trailing newline of the scanner": (f"]d2{AI01}{AI17}{AI10}{GS}{AI21}\r\n", LOT, SERIAL),
}


@pytest.mark.parametrize("name", READABLE)
def test_readable_strings_give_gtin_lot_expiry_serial(name: str) -> None:
    raw, lot, serial = READABLE[name]
    box = parse_datamatrix(raw)
    assert box.gtin == GTIN
    assert box.cip13 == BOX.cip13
    assert box.expiry == EXPIRY
    assert box.lot == lot
    assert box.serial == serial


def test_a_reading_deduced_without_separator_says_so() -> None:
    box = parse_datamatrix(f"{AI01}{AI10}{AI17}")
    assert any("Séparateur GS absent" in n and LOT in n for n in box.notes)
    assert any("]d2" in n for n in box.notes)
    assert not parse_datamatrix(f"]d2{AI01}{AI17}{AI10}{GS}{AI21}").notes


def test_normalized_form_has_gs_between_variable_fields() -> None:
    box = parse_datamatrix(f"]d2{AI01}{AI21}{GS}{AI17}{AI10}")
    assert parse_datamatrix(box.normalized) == parse_datamatrix(box.normalized)
    assert box.normalized == f"{AI01}{AI17}{AI10}{GS}{AI21}"


def test_a_lot_holding_21_with_gs_lost_is_ambiguous() -> None:
    """Lot ``A21CE371A`` as the last field without separator also reads lot ``A`` +
    serial ``CE371A``: refused, both readings shown."""
    with pytest.raises(PracticeValidationError) as caught:
        parse_datamatrix(f"{AI01}{AI17}10A21CE371A")
    assert caught.value.field == "lot"
    assert "lot A21CE371A" in caught.value.message
    assert "numéro de série CE371A" in caught.value.message


def test_lot_and_serial_with_gs_lost_read_one_way_when_lengths_allow_only_one() -> None:
    """Lot (10) and serial (11) characters: as one lot they would exceed GS1's 20."""
    box = parse_datamatrix(f"{AI01}{AI17}{AI10}{AI21}")
    assert (box.lot, box.serial) == (LOT, SERIAL)
    assert any("une seule lecture possible" in n for n in box.notes)


def test_lot_and_serial_with_gs_lost_are_ambiguous_never_guessed() -> None:
    raw = f"{AI01}{AI17}{AI10}2112345"
    with pytest.raises(PracticeValidationError) as caught:
        parse_datamatrix(raw)
    assert caught.value.field == "lot"
    assert "plusieurs lectures" in caught.value.message
    assert f"lot {LOT}" in caught.value.message


def test_day_00_expiry_is_the_last_day_of_the_month() -> None:
    box = parse_datamatrix(f"{AI01}172802{'00'}{AI10}")
    assert box.expiry == date(2028, 2, 29)


DAMAGED = {
    "GTIN check digit wrong": (
        f"]d201{GTIN[:13]}{(int(GTIN[13]) + 1) % 10}{AI17}{AI10}",
        "gtin",
    ),
    "month 13 in the expiry": (f"]d2{AI01}172713 01{AI10}".replace(" ", ""), "expiry"),
    "truncated in the GTIN": (f"]d2{AI01[:10]}", "gtin"),
    "not a GS1 string": ("https://example.org/vaccin", "datamatrix"),
    "no GTIN": (f"]d2{AI17}{AI10}", "gtin"),
    "keyboard layout (AZERTY digits)": ("à&à(àà&)", "datamatrix"),
    "control characters": (f"]d2{AI01}\x07{AI17}", "datamatrix"),
    "empty": ("   ", "datamatrix"),
    "lot longer than 20 characters": (f"]d2{AI01}{AI17}10{'L' * 21}", "lot"),
}


@pytest.mark.parametrize("name", DAMAGED)
def test_damaged_strings_are_refused_naming_the_field(name: str) -> None:
    raw, field = DAMAGED[name]
    with pytest.raises(PracticeValidationError) as caught:
        parse_datamatrix(raw)
    assert caught.value.field == field, caught.value
    assert caught.value.message


def test_expired_lot_is_refused_in_french() -> None:
    expired = date(2026, 11, 30)
    raw = f"]d2{AI01}17{expired:%y%m%d}{AI10}{GS}{AI21}"
    with pytest.raises(PracticeValidationError) as caught:
        scan_text(raw, today=TODAY)
    assert caught.value.field == "expiry"
    assert "périmé depuis le 30/11/2026" in caught.value.message
    assert LOT in caught.value.message
    # the day of expiry itself is still usable
    assert scan_text(raw, today=expired).status == "reconnu"


def test_known_box_resolves_to_its_vaccine() -> None:
    result = scan_text(f"]d2{AI01}{AI17}{AI10}{GS}{AI21}", today=TODAY)
    assert result.status == "reconnu"
    assert result.vaccine == BOX.vaccine
    assert result.vaccine is not None
    assert result.vaccine.code is not None
    assert result.vaccine.code.code == BOX.vaccine.cis
    assert LOT in result.message
    # esante's file is not the BDPM: the user is told to check the name on the box
    assert any("non vérifié" in w for w in result.warnings)


def test_unknown_gtin_offers_a_manual_choice() -> None:
    first13 = "0340093000001"
    unknown = first13 + _check_digit(first13)
    result = scan_text(f"]d201{unknown}{AI17}{AI10}", today=TODAY)
    assert result.status == "inconnu"
    assert result.presentation is None
    assert result.box.lot == LOT  # what was read is kept
    assert {x.key for x in result.choices} >= {x.key for x in packaged().vaccines}
    assert unknown[1:] in result.message


def test_foreign_gtin_is_unknown_not_guessed() -> None:
    first13 = "0400638133393"  # a German GTIN-13 (prefix 400): no CIP13
    gtin = first13 + _check_digit(first13)
    box = parse_datamatrix(f"01{gtin}{AI17}{AI10}")
    assert box.cip13 is None
    result = resolve_box(box, VaccineCatalogue(), TODAY)
    assert result.status == "inconnu"
    assert "n'est pas un code de présentation française" in result.message
