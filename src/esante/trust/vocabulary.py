"""Names, namespaces and code systems of the VIHF assertion and the XAdES submission signature.

The VIHF ("vecteur d'identification et d'habilitation formelles") is the SAML 2.0
assertion the DMP requires in every request (ANS CI-SIS, "Volet transmission de documents
CDA R2", mapping VIHF pour le DMP; DMP kit ``messages/vihf``). The attribute names below
are the ones the official tokens use, spelling included (``Authentification_mode``).
"""

from __future__ import annotations

from enum import StrEnum

SAML_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
HL7_NS = "urn:hl7-org:v3"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XS_NS = "http://www.w3.org/2001/XMLSchema"
XADES_NS = "http://uri.etsi.org/01903/v1.1.1#"
"""XAdES namespace of the DMP kit's TD2.1 signature (v1.1.1)."""

ISSUER_FORMAT = "urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName"
AUTHN_SMARTCARD = "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI"
AUTHN_PASSWORD = "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"  # noqa: S105 - a URN
AUTHN_UNSPECIFIED = "urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified"


class Attr(StrEnum):
    """VIHF attribute names (``saml2:Attribute/@Name``)."""

    STRUCTURE_ID = "Identifiant_Structure"
    ACTIVITY_SECTOR = "Secteur_Activite"
    SUBJECT_ID = "urn:oasis:names:tc:xspa:1.0:subject:subject-id"
    ROLE = "urn:oasis:names:tc:xacml:2.0:subject:role"
    VIHF_VERSION = "VIHF_Version"
    AUTHENTICATION_MODE = "Authentification_mode"
    RESOURCE_ID = "urn:oasis:names:tc:xacml:2.0:resource:resource-id"
    RESOURCE_URN = "Ressource_URN"
    PURPOSE_OF_USE = "urn:oasis:names:tc:xspa:1.0:subject:purposeofuse"
    CONFIDENTIALITY_CODE = "urn:oasis:names:tc:xspa:1.0:resource:patient:hl7:confidentiality-code"
    LPS_ID = "LPS_ID"
    LPS_NAME = "LPS_Nom"
    LPS_VERSION = "LPS_Version"
    LPS_HOMOLOGATION_ID = "LPS_ID_HOMOLOGATION_DMP"


LEGACY_ACCESS_MODE = "Mode_Acces"
"""VIHF 1.0 spelling of the access mode, read (never written) when purposeofuse is absent."""


class AuthenticationMode(StrEnum):
    """``Authentification_mode``: how the user is authenticated towards the DMP."""

    DIRECTE = "DIRECTE"
    """The professional's own card (CPS/e-CPS) authenticates each call."""
    INDIRECTE = "INDIRECTE"
    """The structure's certificate authenticates; the software vouches for the user."""
    INDIRECTE_RENFORCEE = "INDIRECTE_RENFORCEE"
    """Indirect, with a strong local authentication of the user (AIR)."""


class AccessMode(StrEnum):
    """purposeofuse code (TRE_R248, code system 1.2.250.1.213.1.1.4.248)."""

    NORMAL = "normal"
    BRIS_DE_GLACE = "bris_de_glace"
    CENTRE_15 = "centre_15"


ACCESS_MODE_SYSTEM = "1.2.250.1.213.1.1.4.248"
ACCESS_MODE_SYSTEM_NAME = "mode acces VIHF 2.0"
ACCESS_MODE_LABELS: dict[AccessMode, str] = {
    AccessMode.NORMAL: "Accès normal",
    AccessMode.BRIS_DE_GLACE: "Accès en mode bris de glace",
    AccessMode.CENTRE_15: "Accès en mode centre de régulation (centre 15)",
}

PROFESSION_SYSTEM = "1.2.250.1.71.1.2.7"
"""TRE_G15 ProfessionSante: code system of the first role of a health professional."""
PROFESSIONS_WITH_SPECIALTY: dict[str, str] = {"10": "médecin", "21": "pharmacien"}
"""Professions whose VIHF must carry a second role, the specialty (TRE_G15 codes)."""

ACTIVITY_SECTOR_SYSTEM = "1.2.250.1.71.4.2.4"
"""TRE_R02 SecteurActivite: written as ``code^system`` in ``Secteur_Activite``."""

INS_SYSTEMS: dict[str, str] = {
    "1.2.250.1.213.1.4.8": "INS-NIR",
    "1.2.250.1.213.1.4.9": "INS-NIA",
    "1.2.250.1.213.1.4.10": "INS-NIR de test",
    "1.2.250.1.213.1.4.11": "INS-NIR de démonstration",
}
"""Assigning authorities accepted for the patient (``resource-id``)."""

DEFAULT_VIHF_VERSION = "3.0"
DEFAULT_RESOURCE_URN = "urn:dmp"

PURPOSE_SOURCE_SIGNATURE = "1.2.840.10065.1.12.1.14"
"""ASTM E1762 purpose of signature "Source": the XAdES signature of a TD2.1 submission."""
