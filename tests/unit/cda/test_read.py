"""Reading CDA documents: official kit examples, round trips of our own, hostile input."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from esante.cda import (
    CdaReadError,
    ServiceEvent,
    build_n1,
    build_vsm,
    extract_pdf,
    read_document,
    read_vsm,
)
from esante.cda.build.vsm import SERVICE_EVENT
from esante.cda.build.vsm import TYPE_CODE as VSM_TYPE
from esante.cda.examples.clinical_data import heart_failure_vsm
from tests.conftest import shared_path
from tests.unit.cda.samples import DOCTOR, WINTER, header

PDF = b"%PDF-1.7\n% tiny test body\n%%EOF\n"


def _example(name: str) -> Path:
    return shared_path("cisis-kit", "ExemplesCDA", name)


def _vsm_header():  # type: ignore[no-untyped-def]
    return header(
        type_code=VSM_TYPE,
        title="Synthèse médicale",
        service_event=ServiceEvent(SERVICE_EVENT, WINTER, DOCTOR),
    )


@pytest.mark.kit
def test_official_vsm_2023_content() -> None:
    document = read_document(_example("VSM_2023.01.xml"))
    assert (document.level, document.model, document.model_version) == ("N3", "VSM", "2023.01")
    assert document.format_code == "urn:asip:ci-sis:vsm:2012"
    assert document.type_code.code == "SYNTH"
    assert document.patient.ins_matricule == "277076322082910"
    assert document.patient.birth_family_name == "NESSI"
    assert document.patient.used_family_name == "DECOURCY"
    data = read_vsm(document)
    assert [p.code.code for p in data.problems] == ["G45.9", "I20.0"]
    assert all(p.active for p in data.problems)
    assert [p.code.code for p in data.history] == ["N10", "I21.1"]
    assert [p.code.code for p in data.procedures] == ["DDAF004"]
    assert len(data.allergies) == 1
    allergy = data.allergies[0]
    assert (allergy.agent.code, allergy.kind.code) == ("XM5DJ7", "DALG")
    assert allergy.reaction is not None
    assert allergy.reaction.code == "4A84.1"
    assert allergy.active is False  # status observation 33999-4 says inactive
    assert [m.product.code for m in data.treatments] == ["63564053", "63245753"]
    plavix = data.treatments[0]
    assert [t.code for t in plavix.product.translations] == ["3400938022209"]
    assert plavix.reason is not None
    assert plavix.reason.code == "I20.0"
    assert plavix.route is not None
    assert plavix.route.code == "20053000"
    assert plavix.period is not None
    assert (str(plavix.period.value), plavix.period.unit) == ("1", "d")
    assert data.provenance.document_id == document.document_id
    assert data.provenance.author is not None
    assert data.provenance.author.id.extension == "801234567897"


@pytest.mark.kit
def test_official_vsm_1_4_content() -> None:
    document = read_document(_example("VSM_1.4_2022.01.xml"))
    assert (document.model, document.model_version) == ("VSM", "201310")
    data = read_vsm(document)
    assert [p.code.code for p in data.problems] == ["G45.9", "I20.0"]
    assert [p.code.code for p in data.history] == ["N10", "I21.1"]
    assert [(a.agent.code, a.kind.code) for a in data.allergies] == [("60234100", "416098002")]
    assert [m.product.code for m in data.treatments] == ["63564053", "63245753"]
    assert data.provenance.model_version == "201310"


@pytest.mark.kit
def test_official_n1_example_gives_its_pdf() -> None:
    document = read_document(_example("DOC_NON_STRUCTURE_CDA-R2-N1.xml"))
    assert (document.level, document.model, document.media_type) == ("N1", "N1", "application/pdf")
    assert document.format_code == "urn:ihe:iti:xds-sd:pdf:2008"
    assert document.extract_pdf().startswith(b"%PDF-")
    with pytest.raises(CdaReadError):
        read_vsm(document)


@pytest.mark.kit
def test_every_official_example_is_readable() -> None:
    folder = shared_path("cisis-kit", "ExemplesCDA")
    names = sorted(p.name for p in folder.glob("*.xml"))
    assert len(names) > 90
    for name in names:
        document = read_document(folder / name)
        assert document.document_id.root, name
        assert document.level in ("N1", "N3"), name


@pytest.mark.kit
def test_structured_document_has_no_pdf() -> None:
    with pytest.raises(CdaReadError, match="structuré"):
        extract_pdf(_example("VSM_2023.01.xml"))


def test_header_round_trip() -> None:
    first = build_n1(header(), PDF)
    original = header(set_id=first.set_id, version=2, replaces=first.document_id)
    built = build_n1(original, PDF)
    document = read_document(built.xml)
    assert document.document_id == built.document_id
    assert document.replaces == first.document_id
    assert document.version == 2
    assert document.header() == original
    assert extract_pdf(built.xml) == PDF


def test_vsm_round_trip() -> None:
    content = heart_failure_vsm(date(2025, 1, 15))
    built = build_vsm(_vsm_header(), content)
    document = read_document(built.xml)
    assert (document.model, document.model_version) == ("VSM", "2023.01")
    data = read_vsm(document)
    assert data.problems == tuple(content.problems)
    assert data.history == tuple(content.history)
    assert data.procedures == tuple(content.procedures)
    assert data.allergies == tuple(content.allergies)
    expected = [dataclasses.replace(m, instructions=None) for m in content.treatments]
    assert list(data.treatments) == expected
    assert data.provenance.document_id == built.document_id


def test_header_of_an_incomplete_document_names_what_is_missing() -> None:
    built = build_n1(header(), PDF)
    document = read_document(built.xml)
    partial = dataclasses.replace(document, encounter=None)
    with pytest.raises(CdaReadError) as raised:
        partial.header()
    assert raised.value.field == "componentOf/encompassingEncounter"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"not xml at all", "mal formé"),
        (b"<root xmlns='urn:other'/>", "ClinicalDocument"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>',
            "DOCTYPE",
        ),
        (
            b"<ClinicalDocument xmlns='urn:hl7-org:v3'><title>sans id</title></ClinicalDocument>",
            "identifiant",
        ),
    ],
)
def test_bad_input_is_refused_with_a_french_message(data: bytes, words: str) -> None:
    with pytest.raises(CdaReadError) as raised:
        read_document(data)
    assert words in raised.value.message


def test_n1_with_broken_base64_is_refused() -> None:
    xml = build_n1(header(), PDF).xml
    start = xml.index(b'representation="B64">') + len(b'representation="B64">')
    broken = xml[:start] + b"@@@" + xml[start:]
    with pytest.raises(CdaReadError, match="base64"):
        extract_pdf(broken)
