"""Sample values for the DMP client tests: a patient, a doctor, the software, a CDA document."""

from __future__ import annotations

import base64

from esante.dmp import Actor, LpsInfo
from esante.identity import Ins, check_ins
from esante.trust import Code as RoleCode
from esante.xds import Code

PATIENT: Ins = check_ins("279035121518989", "1.2.250.1.213.1.4.10")
KIT_PATIENT: Ins = check_ins("207058575627097", "1.2.250.1.213.1.4.10")
"""The patient of the official DMP messages."""

LPS = LpsInfo(
    name="esante",
    version="0.1.0",
    homologation_id="HOMOLOGATION-TEST",
    oid="1.2.250.1.999.42",
)

DOCTOR = Actor(
    id="899700000001",
    family_name="DUPONT",
    given_name="Jeanne",
    role=RoleCode("10", "1.2.250.1.71.1.2.7", "Médecin"),
    specialty=RoleCode("SM54", "1.2.250.1.71.4.2.5", "Médecine générale (SM)"),
    structure_id="499900000000001",
    structure_name="CABINET DUPONT",
    activity_sector="SA07",
)

ACTIVITY = Code("04", "1.2.250.1.213.2.2", "Hospitalisation de jour")
"""The submission-set content type of the official TD2.1 and TD3.3 examples."""

_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def cda(
    *,
    document_id: str = "1.2.250.1.999.42.7.1",
    ins: Ins = PATIENT,
    replaces: str | None = None,
) -> bytes:
    """A small N1 CDA (PDF body) of type 11488-4 for ``ins``; ``replaces`` adds an RPLC."""
    related = (
        f'<relatedDocument typeCode="RPLC"><parentDocument><id root="{replaces}"/>'
        "</parentDocument></relatedDocument>"
        if replaces
        else ""
    )
    body = base64.b64encode(_PDF).decode()
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3">
  <realmCode code="FR"/>
  <typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>
  <templateId root="2.16.840.1.113883.2.8.2.1"/>
  <templateId root="1.2.250.1.213.1.1.1.1"/>
  <templateId root="1.3.6.1.4.1.19376.1.2.20"/>
  <id root="{document_id}"/>
  <code code="11488-4" codeSystem="2.16.840.1.113883.6.1"
        displayName="CR ou fiche de consultation ou de visite"/>
  <title>Compte rendu de consultation</title>
  <effectiveTime value="20250115103000+0100"/>
  <confidentialityCode code="N" codeSystem="2.16.840.1.113883.5.25" displayName="Normal"/>
  <languageCode code="fr-FR"/>
  <recordTarget><patientRole>
    <id root="{ins.oid}" extension="{ins.matricule}"/>
    <patient>
      <name><given>MARIE</given><family qualifier="BR">MARTIN</family></name>
      <administrativeGenderCode code="F" codeSystem="2.16.840.1.113883.5.1"/>
      <birthTime value="19790315"/>
    </patient>
  </patientRole></recordTarget>
  <author>
    <time value="20250115103000+0100"/>
    <assignedAuthor>
      <id root="1.2.250.1.71.4.2.1" extension="899700000001"/>
      <code code="G15_10/SM54" codeSystem="1.2.250.1.213.1.1.4.5"
            displayName="Médecin - Médecine générale (SM)"/>
      <assignedPerson><name><given>Jeanne</given><family>DUPONT</family></name></assignedPerson>
      <representedOrganization>
        <id root="1.2.250.1.71.4.2.2" extension="499900000000001"/>
        <name>CABINET DUPONT</name>
        <standardIndustryClassCode code="AMBULATOIRE" codeSystem="1.2.250.1.213.1.1.4.9"
            displayName="Ambulatoire"/>
      </representedOrganization>
    </assignedAuthor>
  </author>
  <custodian><assignedCustodian><representedCustodianOrganization>
    <id root="1.2.250.1.71.4.2.2" extension="499900000000001"/>
    <name>CABINET DUPONT</name>
  </representedCustodianOrganization></assignedCustodian></custodian>
  <legalAuthenticator>
    <time value="20250115103000+0100"/>
    <signatureCode code="S"/>
    <assignedEntity>
      <id root="1.2.250.1.71.4.2.1" extension="899700000001"/>
      <assignedPerson><name><given>Jeanne</given><family>DUPONT</family></name></assignedPerson>
    </assignedEntity>
  </legalAuthenticator>
  <documentationOf><serviceEvent>
    <effectiveTime><low value="20250115100000+0100"/></effectiveTime>
  </serviceEvent></documentationOf>
  {related}
  <componentOf><encompassingEncounter>
    <effectiveTime><low value="20250115100000+0100"/></effectiveTime>
    <location><healthCareFacility>
      <code code="SA07" codeSystem="1.2.250.1.71.4.2.4" displayName="Cabinet individuel"/>
    </healthCareFacility></location>
  </encompassingEncounter></componentOf>
  <component><nonXMLBody>
    <text mediaType="application/pdf" representation="B64">{body}</text>
  </nonXMLBody></component>
</ClinicalDocument>
""".encode()
