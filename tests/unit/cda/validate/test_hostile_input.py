"""Hostile or unreadable input: a clear error, nothing expanded, memory bounded."""

from __future__ import annotations

import resource
from pathlib import Path

import pytest

from esante.cda.validate import InvalidDocumentError, Validator
from esante.errors import EsanteError
from tests.unit.cda.validate.kitfiles import synthetic_document


@pytest.fixture
def validator(synthetic_kit: Path, tmp_path: Path) -> Validator:
    return Validator(synthetic_kit, cache_dir=tmp_path / "cache")


EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE ClinicalDocument [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<ClinicalDocument xmlns="urn:hl7-org:v3"><title>&secret;</title></ClinicalDocument>"""

ENTITY_BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<ClinicalDocument xmlns="urn:hl7-org:v3"><title>&lol9;</title></ClinicalDocument>"""


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (EXTERNAL_ENTITY, "DOCTYPE/ENTITY sont refusées"),
        (ENTITY_BOMB, "DOCTYPE/ENTITY sont refusées"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3 not xml at all", "XML mal formé"),
        (b"", "XML mal formé"),
        (b"<foo xmlns='urn:example'><bar/></foo>", "ce n'est pas un document CDA R2"),
        (b"<ClinicalDocument>sans espace de noms</ClinicalDocument>", "ClinicalDocument attendu"),
    ],
)
def test_refused_with_a_french_message(validator: Validator, data: bytes, words: str) -> None:
    with pytest.raises(InvalidDocumentError) as caught:
        validator.validate(data, source="envoi.xml")
    assert words in caught.value.message
    assert caught.value.field == "envoi.xml"


def test_wrong_encoding_is_refused(validator: Validator) -> None:
    latin1 = synthetic_document().decode("utf-8").encode("latin-1")  # declares UTF-8
    with pytest.raises(InvalidDocumentError) as caught:
        validator.validate(latin1)
    assert "XML mal formé" in caught.value.message
    assert "encoding" in (caught.value.detail or "")


def test_unknown_declared_encoding_is_refused(validator: Validator) -> None:
    data = synthetic_document().replace(b'encoding="UTF-8"', b'encoding="X-PAS-DE-TEL"')
    with pytest.raises(InvalidDocumentError):
        validator.validate(data)


def test_huge_file_is_refused_before_reading(validator: Validator, tmp_path: Path) -> None:
    huge = tmp_path / "huge.xml"
    with huge.open("wb") as handle:  # sparse: 200 MB announced, nothing written in memory
        handle.write(b"<ClinicalDocument xmlns='urn:hl7-org:v3'>")
        handle.truncate(200 * 1024 * 1024)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(InvalidDocumentError) as caught:
        validator.validate(huge)
    peak_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert "trop volumineux" in caught.value.message
    assert (peak_after - peak_before) * 1024 < 50 * 1024 * 1024  # ru_maxrss is in KiB


def test_missing_file(validator: Validator, tmp_path: Path) -> None:
    with pytest.raises(InvalidDocumentError) as caught:
        validator.validate(tmp_path / "absent.xml")
    assert "introuvable" in caught.value.message


def test_errors_are_esante_errors(validator: Validator) -> None:
    with pytest.raises(EsanteError):
        validator.validate(b"<<<")


def test_auto_presentable_document_is_checked_on_its_clinical_document(
    validator: Validator,
) -> None:
    wrapped = (
        b'<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="1.0">'
        + synthetic_document().split(b"?>", 1)[1]
        + b"</xsl:stylesheet>"
    )
    report = validator.validate(wrapped)
    assert report.ok
    assert report.notices[0].startswith("Document auto-présentable")
