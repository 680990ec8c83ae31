"""Each N3 builder writes the templateIds, sections, entries and codes of its volet."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from esante.cda import (
    CdaBuildError,
    Code,
    Immunization,
    MdeContent,
    Measurement,
    Quantity,
    ServiceEvent,
    VacNoteContent,
    build_cs8,
    build_cs9,
    build_cs24,
    build_mde,
    build_vac_note,
    build_vsm,
)
from esante.cda import vocabulary as v
from esante.cda.build.cse import TYPE_CODE as CERT_DECL
from esante.cda.build.mde import CONSULTATION
from esante.cda.build.mde import TYPE_CODE as MDE_TYPE
from esante.cda.build.vac_note import TYPE_CODE as VAC_TYPE
from esante.cda.build.vsm import SERVICE_EVENT
from esante.cda.build.vsm import TYPE_CODE as VSM_TYPE
from esante.cda.examples import certificates
from esante.cda.examples.clinical_data import child_measurements, heart_failure_vsm
from esante.cda.examples.vaccination import injection_site, vac_note_immunizations
from esante.demo import demo_dataset
from tests.unit.cda.samples import DOCTOR, WINTER, header

NS = {"h": v.HL7_NS, "pharm": v.PHARM_NS, "xsi": v.XSI_NS}


def _templates(el: etree._Element) -> list[tuple[str, str | None]]:
    return [(t.get("root", ""), t.get("extension")) for t in el.findall("h:templateId", NS)]


def _section(root: etree._Element, template: str) -> etree._Element:
    found = root.xpath(f"//h:section[h:templateId/@root='{template}']", namespaces=NS)
    assert found, f"no section {template}"
    return found[0]  # type: ignore[no-any-return]


def test_vsm_structure_and_entries() -> None:
    content = heart_failure_vsm(date(2025, 1, 15))
    built = build_vsm(
        header(type_code=VSM_TYPE, service_event=ServiceEvent(SERVICE_EVENT, WINTER, DOCTOR)),
        content,
    )
    assert (built.model, built.format_code) == ("VSM", "urn:asip:ci-sis:vsm:2012")
    root = etree.fromstring(built.xml)
    assert ("1.2.250.1.213.1.1.1.13", "2023.01") in _templates(root)
    assert root.find("h:code", NS).get("code") == "SYNTH"
    for required in (
        "1.2.250.1.213.1.1.2.29",
        "1.3.6.1.4.1.19376.1.5.3.1.3.27",
        "1.2.250.1.213.1.1.2.32",
    ):
        _section(root, required)
    problems = _section(root, "1.2.250.1.213.1.1.2.132")
    values = problems.xpath(".//h:observation/h:value/@code", namespaces=NS)
    assert values == ["I50.0", "I10", "E11.9"]
    assert problems.xpath("h:entry/h:act/h:statusCode/@code", namespaces=NS) == ["active"] * 3
    history = _section(root, "1.2.250.1.213.1.1.2.134")
    assert history.xpath("h:entry/h:act/h:statusCode/@code", namespaces=NS) == ["completed"]
    allergies = _section(root, "1.2.250.1.213.1.1.2.137")
    agent = allergies.find(".//h:playingEntity/h:code", NS)
    assert (agent.get("code"), agent.get("codeSystem")) == ("J01CA04", v.ATC)
    assert allergies.xpath(
        ".//h:entryRelationship[@typeCode='MFST']//h:value/@code", namespaces=NS
    ) == ["L50.0"]
    medications = _section(root, "1.2.250.1.213.1.1.2.143")
    material = medications.find(".//h:manufacturedMaterial/h:code", NS)
    assert (material.get("code"), material.get("codeSystem")) == ("63564053", v.CIS)
    assert material.find("h:translation", NS).get("codeSystem") == v.CIP
    assert medications.find("h:entry", NS).get("typeCode") == "DRIV"
    # every entry reference resolves to a narrative anchor
    anchors = set(root.xpath("//h:text//@ID", namespaces=NS))
    references = {r.lstrip("#") for r in root.xpath("//h:reference/@value", namespaces=NS)}
    assert references
    assert references <= anchors


def test_vac_note_vaccine_codes_lot_expiry_route_site_rank() -> None:
    birth, day = date(2023, 12, 20), date(2025, 1, 15)  # 12 months: MMR, first dose
    (given,) = vac_note_immunizations(birth, day, DOCTOR)
    built = build_vac_note(header(type_code=VAC_TYPE), VacNoteContent((given,)))
    root = etree.fromstring(built.xml)
    assert ("1.2.250.1.213.1.1.1.46", "2023.01") in _templates(root)
    assert ("1.3.6.1.4.1.19376.1.5.3.1.1.18.1.2", None) in _templates(root)
    sbadm = root.find(".//h:substanceAdministration", NS)
    assert sbadm.find("h:effectiveTime", NS).get("value") == "20250115"
    code = sbadm.find(".//h:manufacturedMaterial/h:code", NS)
    assert (code.get("code"), code.get("codeSystem")) == (given.vaccine.code, v.CIS)
    translations = {(t.get("code"), t.get("codeSystem")) for t in code.findall("h:translation", NS)}
    assert ("J07BD52", v.ATC) in translations
    material = sbadm.find(".//h:manufacturedMaterial", NS)
    assert material.find("h:lotNumberText", NS).text == given.lot
    assert material.find("pharm:expirationTime", NS).get("value") == "20260315"
    assert sbadm.find("h:routeCode", NS).get("code") == "20035000"
    # under 2 years: the anterolateral thigh
    assert sbadm.find("h:approachSiteCode", NS).get("code") == injection_site(birth, day).code
    assert injection_site(birth, day).display in ("cuisse droite", "cuisse gauche")
    rank = sbadm.xpath(".//h:observation[h:code/@code='30973-2']/h:value/@value", namespaces=NS)
    assert rank == ["1"]
    assert sbadm.find("h:code", NS).get("code") == "INITIMMUNIZ"
    assert sbadm.find("h:author", NS).get("contextControlCode") == "OP"


def test_vac_note_marks_a_booster_whatever_its_rank() -> None:
    # meningococci ACWY at 12 months is the second dose, and a booster (rappel)
    booster = Immunization(
        vaccine=Code("69241562", v.CIS, "NIMENRIX", "CIS", (Code("J07AH08", v.ATC),)),
        date=date(2025, 1, 15),
        lot="L1",
        dose_rank=2,
        booster=True,
        performer=DOCTOR,
    )
    built = build_vac_note(header(type_code=VAC_TYPE), VacNoteContent((booster,)))
    sbadm = etree.fromstring(built.xml).find(".//h:substanceAdministration", NS)
    assert sbadm.find("h:code", NS).get("code") == "BOOSTER"


def test_vac_note_requires_cis_with_atc() -> None:
    (given,) = vac_note_immunizations(date(2023, 12, 20), date(2025, 1, 15), DOCTOR)
    bare = dataclasses.replace(given, vaccine=Code(given.vaccine.code, v.CIS, "PRIORIX"))
    with pytest.raises(CdaBuildError) as raised:
        build_vac_note(header(type_code=VAC_TYPE), VacNoteContent((bare,)))
    assert raised.value.field == "immunizations[0].vaccine"
    with pytest.raises(CdaBuildError):
        build_vac_note(header(type_code=VAC_TYPE), VacNoteContent(()))


def test_mde_vital_signs_with_units() -> None:
    measurements = child_measurements(date(2025, 1, 15), 9)
    built = build_mde(header(type_code=MDE_TYPE), MdeContent(measurements, date(2025, 1, 15)))
    root = etree.fromstring(built.xml)
    assert built.format_code == "urn:ans:ci-sis:cse-mde:2023"
    assert ("1.2.250.1.213.1.1.1.5.4", "2023.01") in _templates(root)
    observations = root.findall(".//h:organizer/h:component/h:observation", NS)
    found = {
        o.find("h:code", NS).get("code"): o.find("h:value", NS).get("unit") for o in observations
    }
    assert found == {"29463-7": "g", "8302-2": "cm", "8287-5": "cm", "39156-5": "kg/m2"}


def test_mde_refuses_a_weight_in_kilograms() -> None:
    weight = Measurement(
        Code("29463-7", v.LOINC, "Poids"), Quantity(Decimal("8.2"), "kg"), date(2025, 1, 15)
    )
    with pytest.raises(CdaBuildError) as raised:
        build_mde(header(type_code=MDE_TYPE), MdeContent((weight,), date(2025, 1, 15)))
    assert raised.value.field == "measurements[0].value.unit"


def _certificate_header(which: str, patient: str):  # type: ignore[no-untyped-def]
    return certificates.certificate_header(demo_dataset(), which, patient, "pediatre", None)


def test_cs8_required_items() -> None:
    data = demo_dataset()
    head = _certificate_header("CS8", "noah")
    built = build_cs8(head, certificates.cs8_content(data, "noah", head))
    root = etree.fromstring(built.xml)
    assert ("1.2.250.1.213.1.1.1.5.1", "2025.01") in _templates(root)
    assert root.find("h:code", NS).get("code") == "CERT_DECL"
    assert root.find("h:documentationOf/h:serviceEvent/h:code", NS).get("code") == "11429006"
    qualifiers = set(
        root.xpath("//h:code[@code='11345-6']/h:qualifier/h:value/@code", namespaces=NS)
    )
    assert {"GEN-092.01.04", "85722-7", "67704-7", "MED-183"} <= qualifiers
    codes = set(root.xpath("//h:observation/h:code/@code", namespaces=NS))
    assert {"74013-4", "74011-8", "GEN-078", "ORG-079", "ORG-080", "51659-1", "GEN-079",
            "73813-8", "MED-168", "57071-3"} <= codes  # fmt: skip
    labor = _section(root, "1.3.6.1.4.1.19376.1.5.3.1.1.21.2.3")
    assert labor.find("h:subject/h:relatedSubject/h:code", NS).get("code") == "MTH"
    acts = root.xpath("//h:procedure/h:code/@code", namespaces=NS)
    assert acts == ["MED-174", "MED-1304"]
    assert root.xpath(
        "//h:procedure[h:code/@code='MED-1304']//h:observation/h:code/@code", namespaces=NS
    ) == ["MED-1305"]


def test_cs9_and_cs24_required_items() -> None:
    data = demo_dataset()
    for which, patient, build, content in (
        ("CS9", "jade", build_cs9, certificates.cs9_content),
        ("CS24", "gabriel", build_cs24, certificates.cs24_content),
    ):
        head = _certificate_header(which, patient)
        built = build(head, content(data, patient, head))
        root = etree.fromstring(built.xml)
        assert built.model == f"CSE-{which}"
        qualifiers = set(
            root.xpath("//h:code[@code='11345-6']/h:qualifier/h:value/@code", namespaces=NS)
        )
        assert "PAT-058" in qualifiers
        assert root.xpath("//h:relatedSubject/h:subject/h:birthTime/@value", namespaces=NS)
        codes = set(root.xpath("//h:observation/h:code/@code", namespaces=NS))
        assert "MED-1274" in codes
        accident = "MED-186" if which == "CS9" else "MED-185"
        assert accident in root.xpath("//h:observation/h:value/@code", namespaces=NS)
        vaccines = root.xpath("//h:manufacturedMaterial/h:code/h:translation/@code", namespaces=NS)
        assert "J07AL" in vaccines
        if which == "CS24":
            assert "MED-1275" in qualifiers
            assert {"MED-200", "MED-201"} <= codes


def test_certificates_refuse_missing_vaccination_section_and_mother() -> None:
    data = demo_dataset()
    head = _certificate_header("CS8", "noah")
    content = certificates.cs8_content(data, "noah", head)
    with pytest.raises(CdaBuildError) as raised:
        build_cs8(head, dataclasses.replace(content, immunizations=()))
    assert raised.value.field == "immunizations"
    with pytest.raises(CdaBuildError) as raised:
        build_cs8(dataclasses.replace(head, informants=()), content)
    assert raised.value.field == "informants"
    wrong_type = dataclasses.replace(head, type_code=MDE_TYPE)
    with pytest.raises(CdaBuildError) as raised:
        build_cs8(wrong_type, content)
    assert raised.value.field == "type_code"
    wrong_event = dataclasses.replace(
        head, service_event=dataclasses.replace(head.service_event, code=VSM_TYPE)
    )
    with pytest.raises(CdaBuildError) as raised:
        build_cs8(wrong_event, content)
    assert raised.value.field == "service_event.code"


def test_cs9_requires_an_administered_medication() -> None:
    data = demo_dataset()
    head = _certificate_header("CS9", "jade")
    content = certificates.cs9_content(data, "jade", head)
    assert head.type_code == CERT_DECL
    assert head.service_event.code == CONSULTATION
    with pytest.raises(CdaBuildError) as raised:
        build_cs9(head, dataclasses.replace(content, administered=()))
    assert raised.value.field == "administered"


def test_a_vaccine_not_given_is_negated() -> None:
    data = demo_dataset()
    head = _certificate_header("CS8", "noah")
    content = certificates.cs8_content(data, "noah", head)
    assert all(isinstance(i, Immunization) and not i.given for i in content.immunizations)
    root = etree.fromstring(build_cs8(head, content).xml)
    negations = root.xpath(
        "//h:substanceAdministration[h:templateId/@root='1.2.250.1.213.1.1.3.45']/@negationInd",
        namespaces=NS,
    )
    assert negations == ["true", "true"]
