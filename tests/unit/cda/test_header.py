"""The CI-SIS header written from the model: identity, INS, times, versions, errors."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from lxml import etree

from esante.cda import (
    CdaBuildError,
    InstanceId,
    build_n1,
    new_document_id,
)
from esante.cda import vocabulary as v
from tests.unit.cda.samples import PATIENT, SUMMER, WINTER, header

NS = {"h": v.HL7_NS}
PDF = b"%PDF-1.7\n% tiny test body\n%%EOF\n"


def _root(**changes: object) -> etree._Element:
    return etree.fromstring(build_n1(header(**changes), PDF).xml)


def _values(root: etree._Element, path: str, attribute: str) -> list[str]:
    return [e.get(attribute, "") for e in root.findall(path, NS)]


def test_fixed_header_elements_and_template_ids() -> None:
    root = _root()
    assert root.find("h:realmCode", NS).get("code") == "FR"
    assert root.find("h:typeId", NS).get("extension") == "POCD_HD000040"
    assert _values(root, "h:templateId", "root")[:3] == [
        "2.16.840.1.113883.2.8.2.1",
        "1.2.250.1.213.1.1.1.1",
        "1.3.6.1.4.1.19376.1.2.20",
    ]
    assert root.find("h:languageCode", NS).get("code") == "fr-FR"
    assert root.find("h:confidentialityCode", NS).get("code") == "N"


def test_ins_first_then_local_ids_and_traits_with_qualifiers() -> None:
    root = _root()
    ids = root.findall("h:recordTarget/h:patientRole/h:id", NS)
    assert (ids[0].get("root"), ids[0].get("extension")) == (
        v.OID_INS_NIR_TEST,
        "225106938314977",
    )
    assert (ids[1].get("root"), ids[1].get("extension")) == ("1.2.250.1.999.1.1", "IPP-42")
    name = root.find("h:recordTarget/h:patientRole/h:patient/h:name", NS)
    parts = [(etree.QName(e).localname, e.get("qualifier"), e.text) for e in name]
    assert ("family", "BR", "N'DIAYE") in parts
    assert ("given", None, "LOLA CECILE") in parts
    assert ("given", "BR", "LOLA") in parts
    assert ("given", "CL", "Lolita") in parts
    assert {q for _, q, _ in parts} <= {None, "BR", "CL"}
    person = root.find("h:recordTarget/h:patientRole/h:patient", NS)
    assert person.find("h:administrativeGenderCode", NS).get("code") == "F"
    assert person.find("h:birthTime", NS).get("value") == "20240415"
    assert person.find("h:birthplace/h:place/h:addr/h:county", NS).text == "69383"
    assert person.find("h:guardian/h:guardianPerson/h:name/h:family", NS).text == "N'Diaye"


def test_unqualified_identity_does_not_carry_the_ins() -> None:
    patient = dataclasses.replace(PATIENT, ins_qualified=False)
    root = _root(patient=patient)
    roots = _values(root, "h:recordTarget/h:patientRole/h:id", "root")
    assert roots == ["1.2.250.1.999.1.1"]


def test_times_are_written_in_paris_time_with_the_offset() -> None:
    assert _root().find("h:effectiveTime", NS).get("value") == "20250115093000+0100"
    summer = _root(effective_time=SUMMER).find("h:effectiveTime", NS).get("value")
    assert summer == "20250715093000+0200"
    utc = datetime(2025, 7, 15, 5, 30, tzinfo=UTC)
    written = _root(effective_time=utc).find("h:effectiveTime", NS).get("value")
    assert written == "20250715073000+0200"


def test_author_legal_authenticator_service_event_and_encounter() -> None:
    root = _root()
    author = root.find("h:author/h:assignedAuthor", NS)
    assert author.find("h:id", NS).get("root") == v.OID_ID_NAT_PS
    assert author.find("h:code", NS).get("code") == "G15_10/SM54"
    assert root.find("h:legalAuthenticator/h:signatureCode", NS).get("code") == "S"
    performer = root.find("h:documentationOf/h:serviceEvent/h:performer/h:assignedEntity", NS)
    setting = performer.find("h:representedOrganization/h:standardIndustryClassCode", NS)
    assert setting.get("code") == "AMBULATOIRE"
    facility = root.find(
        "h:componentOf/h:encompassingEncounter/h:location/h:healthCareFacility/h:code", NS
    )
    assert facility.get("code") == "SA08"
    participant = root.find("h:participant", NS)
    assert participant.get("typeCode") == "INF"
    assert participant.find("h:functionCode", NS).get("code") == "PCP"
    assert root.find("h:informant/h:relatedEntity/h:code", NS).get("code") == "MTH"


def test_every_build_gets_a_fresh_unique_id_under_the_uuid_arc() -> None:
    first, second = build_n1(header(), PDF), build_n1(header(), PDF)
    assert first.document_id != second.document_id
    assert first.document_id.root.startswith("2.25.")
    assert int(first.document_id.root.removeprefix("2.25.")) < 2**128
    root = etree.fromstring(first.xml)
    assert root.find("h:id", NS).get("root") == first.document_id.root
    assert root.find("h:setId", NS).get("root") == first.document_id.root
    assert root.find("h:versionNumber", NS).get("value") == "1"
    assert new_document_id() != new_document_id()


def test_new_version_keeps_the_set_id_and_replaces_its_parent() -> None:
    first = build_n1(header(), PDF)
    second = build_n1(header(set_id=first.set_id, version=2, replaces=first.document_id), PDF)
    root = etree.fromstring(second.xml)
    assert root.find("h:setId", NS).get("root") == first.document_id.root
    assert root.find("h:versionNumber", NS).get("value") == "2"
    related = root.find("h:relatedDocument", NS)
    assert related.get("typeCode") == "RPLC"
    assert related.find("h:parentDocument/h:id", NS).get("root") == first.document_id.root
    assert second.set_id == first.set_id


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"effective_time": datetime(2025, 1, 15, 9, 30)}, "effective_time"),
        ({"authors": ()}, "authors"),
        ({"version": 2}, "replaces"),
        ({"version": 0}, "version"),
        (
            {"patient": dataclasses.replace(PATIENT, ins_qualified=False, local_ids=())},
            "patient.local_ids",
        ),
        (
            {"patient": dataclasses.replace(PATIENT, first_given_name="CECILE")},
            "patient.first_given_name",
        ),
        ({"patient": dataclasses.replace(PATIENT, sex="X")}, "patient.sex"),
        (
            {"patient": dataclasses.replace(PATIENT, ins_matricule="225106938314978")},
            "patient.ins_matricule",
        ),
        ({"patient": dataclasses.replace(PATIENT, ins_oid="1.2.3")}, "patient.ins_matricule"),
    ],
)
def test_inconsistent_headers_are_refused_naming_the_field(
    changes: dict[str, object], field: str
) -> None:
    with pytest.raises(CdaBuildError) as raised:
        build_n1(header(**changes), PDF)
    assert raised.value.field == field
    assert raised.value.message


def test_n1_body_must_be_a_pdf() -> None:
    with pytest.raises(CdaBuildError, match="PDF"):
        build_n1(header(), b"<html>not a pdf</html>")


def test_explicit_document_id_is_used() -> None:
    ident = InstanceId("1.2.250.1.999.2", "DOC-1")
    root = etree.fromstring(build_n1(header(), PDF, document_id=ident).xml)
    assert (root.find("h:id", NS).get("root"), root.find("h:id", NS).get("extension")) == (
        "1.2.250.1.999.2",
        "DOC-1",
    )


def test_text_is_escaped_never_parsed_as_markup() -> None:
    title = 'Compte rendu <script>alert("x")</script> & co'
    built = build_n1(header(title=title), PDF)
    assert b"<script>" not in built.xml
    assert etree.fromstring(built.xml).find("h:title", NS).text == title
    assert WINTER.tzinfo is not None
