"""A tiny synthetic CI-SIS kit, laid out like the real one, for fast and controlled tests.

Only the ISO pipeline (``schematrons/moteur``) is copied from the real kit, into a
temporary directory; the schema, schematrons and value set are small ones written here.
They reproduce the kit's quirks: an include whose letter case differs from the file name
(in the top schematron and in a nested file) and a value-set path with a letter-case slip.
"""

from __future__ import annotations

import shutil
from pathlib import Path

XSD = """<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:hl7-org:v3"
    xmlns="urn:hl7-org:v3" elementFormDefault="qualified">
  <xs:element name="ClinicalDocument">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="title" type="xs:string"/>
        <xs:any namespace="##any" processContents="skip" minOccurs="0" maxOccurs="unbounded"/>
      </xs:sequence>
      <xs:anyAttribute processContents="skip"/>
    </xs:complexType>
  </xs:element>
</xs:schema>
"""

SCH_HEAD = (
    '<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2">'
    '<ns prefix="cda" uri="urn:hl7-org:v3"/><ns prefix="hl7" uri="urn:hl7-org:v3"/>'
    '<ns prefix="svs" uri="urn:ihe:iti:svs:2008"/>'
)

FILES = {
    "infrastructure/cda/CDA_extended.xsd": XSD,
    # minimal structure: the include names "Regles.sch", the file is "regles.sch"
    "schematrons/profils/structurationMinimale/ASIP-STRUCT-MIN-StrucMin.sch": (
        SCH_HEAD + '<include href="include/Regles.sch"/></schema>'
    ),
    "schematrons/profils/structurationMinimale/include/regles.sch": (
        '<pattern xmlns="http://purl.oclc.org/dsdl/schematron" id="min">'
        '<rule context="hl7:ClinicalDocument" id="min-1">'
        '<assert test="hl7:id" role="error">(min) Le document doit avoir un identifiant.</assert>'
        '<assert test="hl7:effectiveTime" role="warning">(min) La date est recommandée.</assert>'
        "</rule></pattern>"
    ),
    # IHE: a nested file includes "Sub/Deep.sch", the file is "sub/deep.sch"
    "schematrons/profils/IHE.sch": (
        SCH_HEAD + '<include href="../include/entrees/nested.sch"/></schema>'
    ),
    "schematrons/include/entrees/nested.sch": (
        '<pattern xmlns="http://purl.oclc.org/dsdl/schematron" id="ihe">'
        '<include href="Sub/Deep.sch"/></pattern>'
    ),
    "schematrons/include/entrees/sub/deep.sch": (
        '<rule xmlns="http://purl.oclc.org/dsdl/schematron" id="ihe-1"'
        " context=\"*[cda:templateId/@root='1.2.3.4.5']\">"
        '<assert test="cda:code">(ihe) La section 1.2.3.4.5 doit avoir un code.</assert>'
        "</rule>"
    ),
    # French body profile: a value set named with the wrong letter case
    "schematrons/profils/CI-SIS_ModelesDeContenusCDA.sch": (
        SCH_HEAD + '<pattern id="jdv"><rule context="cda:section/cda:code" id="jdv-1">'
        '<let name="jdv" value="\'../../jeuxDeValeurs/JDV_Sections_TEST.xml\'"/>'
        '<assert test="@code = document($jdv)//svs:Concept/@code">'
        "(jdv) Le code de section doit faire partie du jeu de valeurs.</assert>"
        "</rule></pattern></schema>"
    ),
    "schematrons/profils/CI-SIS_Modeles_ANS.sch": (
        SCH_HEAD + '<pattern id="ans"><rule context="cda:ClinicalDocument">'
        "<report test=\"cda:title = 'INTERDIT'\">(ans) Titre interdit.</report>"
        "</rule></pattern></schema>"
    ),
    "schematrons/CI-SIS_VSM_2023.01.sch": (
        SCH_HEAD + '<pattern id="vsm"><rule context="cda:ClinicalDocument">'
        "<assert test=\"cda:code/@code = 'SYNTH'\">"
        "[VSM] Le code du document doit être SYNTH.</assert>"
        "</rule></pattern></schema>"
    ),
    "jeuxDeValeurs/JDV_sections_test.xml": (
        '<ValueSet xmlns="urn:ihe:iti:svs:2008"><ConceptList>'
        '<Concept code="S1" codeSystem="1.2.3" displayName="Section 1"/>'
        "</ConceptList></ValueSet>"
    ),
}

DOCUMENT = """<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3">
  <title>{title}</title>
  <templateId root="1.2.250.1.213.1.1.1.1"/>
  <templateId root="1.2.250.1.213.1.1.1.13" extension="2023.01"/>
  {id}
  <code code="{code}"/>
  <effectiveTime value="20240101"/>
  <component><structuredBody><component><section>
    <templateId root="1.2.3.4.5"/>{section_code}
  </section></component></structuredBody></component>
</ClinicalDocument>
"""


def synthetic_document(
    *,
    title: str = "Synthèse",
    with_id: bool = True,
    code: str = "SYNTH",
    section_code: str | None = "S1",
) -> bytes:
    """A small CDA-like document the synthetic kit accepts (with the defaults)."""
    return DOCUMENT.format(
        title=title,
        id='<id root="1.2.3" extension="1"/>' if with_id else "",
        code=code,
        section_code=f'<code code="{section_code}"/>' if section_code else "",
    ).encode("utf-8")


def make_synthetic_kit(destination: Path, real_kit: Path) -> Path:
    """Write the synthetic kit in ``destination`` (the ISO pipeline copied from ``real_kit``)."""
    for rel, text in FILES.items():
        path = destination / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    moteur = destination / "schematrons" / "moteur"
    moteur.mkdir(parents=True, exist_ok=True)
    for source in (real_kit / "schematrons" / "moteur").glob("*.xsl"):
        shutil.copyfile(source, moteur / source.name)
    return destination


def snapshot(directory: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``directory`` with its size and modification time."""
    return {
        str(p.relative_to(directory)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }
