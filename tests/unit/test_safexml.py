"""Hostile and bad XML input is refused with a clear error and nothing is fetched."""

from __future__ import annotations

from pathlib import Path

import pytest

from esante.safexml import XmlError, parse_xml, parse_xml_file


def test_well_formed_document_parses() -> None:
    root = parse_xml(b"<a xmlns='urn:x'><b>1</b></a>", expected_root="{urn:x}a")
    assert root[0].text == "1"


def test_external_entity_is_refused_and_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET")
    xml = f'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file://{secret}">]><a>&x;</a>'
    with pytest.raises(XmlError) as err:
        parse_xml(xml.encode())
    assert "DOCTYPE" in err.value.message
    assert "SECRET" not in str(err.value)


def test_entity_expansion_bomb_is_refused() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;</l>'
    )
    with pytest.raises(XmlError):
        parse_xml(bomb)


def test_size_limit_is_checked_before_parsing(tmp_path: Path) -> None:
    big = tmp_path / "big.xml"
    with big.open("wb") as f:
        f.truncate(3 * 1024 * 1024)
    with pytest.raises(XmlError) as err:
        parse_xml_file(big, max_bytes=1024 * 1024)
    assert "trop volumineux" in err.value.message
    assert err.value.field == str(big)


@pytest.mark.parametrize(
    "data",
    [b"not xml at all", b"<a><b></a>", b"", b'<?xml version="1.0" encoding="klingon"?><a/>'],
)
def test_malformed_input_gives_a_clear_error(data: bytes) -> None:
    with pytest.raises(XmlError) as err:
        parse_xml(data, what="CDA reçu")
    assert err.value.message.startswith("CDA reçu")


def test_wrong_root_is_refused() -> None:
    with pytest.raises(XmlError) as err:
        parse_xml(b"<html/>", expected_root="{urn:hl7-org:v3}ClinicalDocument")
    assert "racine" in err.value.message
