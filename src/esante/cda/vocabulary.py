"""Constants of CDA R2 as the CI-SIS uses it: namespaces, OIDs, templateIds, fixed codes.

Sources: HL7 CDA R2 (POCD_HD000040), the CI-SIS "Structuration minimale des documents de
santé" (header rules, templateId ``1.2.250.1.213.1.1.1.1``), IHE XDS-SD (N1 body), the
CI-SIS volets (VSM, VAC-NOTE, CSE) and IHE PCC content modules. One place for every
spec constant the builders, the reader and the renderer share.
"""

from __future__ import annotations

from typing import Final
from zoneinfo import ZoneInfo

HL7_NS: Final = "urn:hl7-org:v3"
XSI_NS: Final = "http://www.w3.org/2001/XMLSchema-instance"
SDTC_NS: Final = "urn:hl7-org:sdtc"
PHARM_NS: Final = "urn:ihe:pharm:medication"
NSMAP: Final = {None: HL7_NS, "xsi": XSI_NS}
NS: Final = {"h": HL7_NS, "xsi": XSI_NS, "sdtc": SDTC_NS, "pharm": PHARM_NS}

# Header
TYPE_ID_ROOT: Final = "2.16.840.1.113883.1.3"
TYPE_ID_EXTENSION: Final = "POCD_HD000040"
TEMPLATE_HL7_FRANCE: Final = "2.16.840.1.113883.2.8.2.1"
TEMPLATE_CI_SIS: Final = "1.2.250.1.213.1.1.1.1"
TEMPLATE_XDS_SD: Final = "1.3.6.1.4.1.19376.1.2.20"
TEMPLATE_IHE_MEDICAL_DOCUMENT: Final = "1.3.6.1.4.1.19376.1.5.3.1.1.1"
LANGUAGE: Final = "fr-FR"
REALM: Final = "FR"

# Identifier roots (ANS)
OID_ID_NAT_PS: Final = "1.2.250.1.71.4.2.1"
OID_ID_NAT_STRUCT: Final = "1.2.250.1.71.4.2.2"
OID_INS_NIR: Final = "1.2.250.1.213.1.4.8"
OID_INS_NIA: Final = "1.2.250.1.213.1.4.9"
OID_INS_NIR_TEST: Final = "1.2.250.1.213.1.4.10"
OID_INS_NIR_DEMO: Final = "1.2.250.1.213.1.4.11"
INS_OIDS: Final = frozenset({OID_INS_NIR, OID_INS_NIA, OID_INS_NIR_TEST, OID_INS_NIR_DEMO})
OID_NIR_OUVRANT_DROIT: Final = "1.2.250.1.213.1.4.13"
UUID_OID_ARC: Final = "2.25"

# Code systems
LOINC: Final = "2.16.840.1.113883.6.1"
SNOMED_CT: Final = "2.16.840.1.113883.6.96"
CIM10: Final = "2.16.840.1.113883.6.3"
CIM11: Final = "2.16.840.1.113883.6.347"
CCAM: Final = "1.2.250.1.213.2.5"
CIS: Final = "1.2.250.1.213.2.3.1"
CIP: Final = "1.2.250.1.213.2.3.2"
ATC: Final = "2.16.840.1.113883.6.73"
EDQM: Final = "0.4.0.127.0.16.1.1.2.1"
UCUM: Final = "2.16.840.1.113883.6.8"
HL7_ACT_CODE: Final = "2.16.840.1.113883.5.4"
HL7_ROLE_CODE: Final = "2.16.840.1.113883.5.111"
HL7_PARTICIPATION_FUNCTION: Final = "2.16.840.1.113883.5.88"
HL7_ADMINISTRATIVE_GENDER: Final = "2.16.840.1.113883.5.1"
HL7_CONFIDENTIALITY: Final = "2.16.840.1.113883.5.25"
TA_ASIP: Final = "1.2.250.1.213.1.1.4.322"
PCS_INSEE: Final = "1.2.250.1.213.2.13"
CODE_SYSTEM_DOCUMENT_TYPES: Final = "1.2.250.1.213.1.1.4.12"
CODE_SYSTEM_PROFESSIONS: Final = "1.2.250.1.213.1.1.4.5"
CODE_SYSTEM_PRACTICE_SETTING: Final = "1.2.250.1.213.1.1.4.9"
CODE_SYSTEM_FACILITY_TYPE: Final = "1.2.250.1.71.4.2.4"
CODE_SYSTEM_FUNCTION_ROLES: Final = "1.2.250.1.213.1.1.4.2.280"
CODE_SYSTEM_ENCOUNTER: Final = HL7_ACT_CODE

CODE_SYSTEM_NAMES: Final = {
    LOINC: "LOINC",
    SNOMED_CT: "SNOMED CT",
    CIM10: "CIM10",
    CIM11: "CIM-11",
    CCAM: "CCAM",
    CIS: "CIS",
    CIP: "CIP",
    ATC: "ATC",
    EDQM: "EDQM",
    TA_ASIP: "TA_ASIP",
    PCS_INSEE: "PCS-INSEE",
}

# N1 body (IHE XDS-SD)
N1_FORMAT_CODE: Final = "urn:ihe:iti:xds-sd:pdf:2008"
N1_MEDIA_TYPE: Final = "application/pdf"

PARIS: Final = ZoneInfo("Europe/Paris")
"""Time zone of CI-SIS timestamps (offset +0100 in winter, +0200 in summer)."""

SEX_LABELS: Final = {"M": "Masculin", "F": "Féminin", "U": "Inconnu"}
