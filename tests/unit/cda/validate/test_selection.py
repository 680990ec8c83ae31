"""Which schematrons run on which document (facts of data/volets.json)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from esante.cda.validate._kit import BODY_PROFILES, STRUCMIN
from esante.cda.validate._selection import profile_document, volet_rules

HEADER = """<ClinicalDocument xmlns="urn:hl7-org:v3">
  <templateId root="2.16.840.1.113883.2.8.2.1"/>
  <templateId root="1.2.250.1.213.1.1.1.1"/>
  {templates}
  <code code="{code}"/>
  <component>{body}</component>
</ClinicalDocument>"""


def header(templates: str, *, code: str = "X", body: str = "<structuredBody/>") -> etree._Element:
    return etree.fromstring(HEADER.format(templates=templates, code=code, body=body).encode())


def test_every_volet_schematron_of_the_facts_is_in_the_kit(cisis_kit: Path) -> None:
    rules = volet_rules()
    assert len(rules) >= 50
    missing = [
        r.schematron for r in rules if not (cisis_kit / "schematrons" / r.schematron).is_file()
    ]
    assert missing == []


@pytest.mark.parametrize(
    ("template", "volet"),
    [
        ('root="1.2.250.1.213.1.1.1.13" extension="2023.01"', "CI-SIS_VSM_2023.01.sch"),
        ('root="1.2.250.1.213.1.1.1.46" extension="2023.01"', "CI-SIS_VAC-NOTE_2023.01.sch"),
        ('root="1.2.250.1.213.1.1.1.5.1" extension="2025.01"', "CI-SIS_CSE-CS8_2025.01.sch"),
        ('root="1.2.250.1.213.1.1.1.5.2" extension="2025.01"', "CI-SIS_CSE-CS9_2025.01.sch"),
        ('root="1.2.250.1.213.1.1.1.5.3" extension="2025.01"', "CI-SIS_CSE-CS24_2025.01.sch"),
        ('root="1.2.250.1.213.1.1.1.5.3" extension="2024.01"', "CI-SIS_CSE-CS24_2024.01.sch"),
        ('root="1.2.250.1.213.1.1.1.5.4" extension="2023.01"', "CI-SIS_CSE-MDE_2023.01.sch"),
    ],
)
def test_structured_document_gets_profiles_and_its_volet(template: str, volet: str) -> None:
    profile = profile_document(header(f"<templateId {template}/>"))
    assert profile.body == "structured"
    assert profile.volets == (volet,)
    assert profile.schematrons == (STRUCMIN, *BODY_PROFILES, f"schematrons/{volet}")
    assert profile.notices == ()


def test_n1_document_gets_minimal_structure_only() -> None:
    profile = profile_document(
        header('<templateId root="1.3.6.1.4.1.19376.1.2.20"/>', body="<nonXMLBody/>")
    )
    assert profile.body == "nonXML"
    assert profile.schematrons == (STRUCMIN,)
    assert profile.notices == (
        "Document non structuré (niveau 1) : seule la structuration minimale est vérifiée.",
    )


def test_n1_model_known_by_its_code() -> None:
    profile = profile_document(
        header(
            '<templateId root="1.3.6.1.4.1.19376.1.2.20"/>', code="85208-7", body="<nonXMLBody/>"
        )
    )
    assert profile.schematrons == (STRUCMIN, "schematrons/CI-SIS_TLM-CR_2022.01.sch")


def test_unknown_version_is_said_not_guessed() -> None:
    profile = profile_document(
        header('<templateId root="1.2.250.1.213.1.1.1.13" extension="2099.01"/>')
    )
    assert profile.volets == ()
    assert profile.schematrons == (STRUCMIN, *BODY_PROFILES)
    assert len(profile.notices) == 1
    assert "1.2.250.1.213.1.1.1.13@2099.01" in profile.notices[0]
    assert "2023.01" in profile.notices[0]
