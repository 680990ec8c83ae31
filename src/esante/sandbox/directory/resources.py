"""The demo professionals and structures as Annuaire Santé FHIR resources (R4 JSON).

Shaped like the ANS "Annuaire Santé" IG (as-dp-practitioner, as-dp-practitionerrole,
as-dp-organization): identifiers idNat_PS (``urn:oid:1.2.250.1.71.4.2.1``, ``8`` +
RPPS) and RPPS (``https://rpps.esante.gouv.fr``) for practitioners; idNat_Struct
(``urn:oid:1.2.250.1.71.4.2.2``), FINESS and SIRET for structures. MSSanté mailboxes are
``telecom`` entries of system ``email`` with the FR Core email-type extension
(``MSSANTE``, TRE_R256) and the ``as-ext-mailbox-mss-metadata`` extension (type ``PER``
for a professional, ``ORG`` for a structure's secretariat, TRE_R257). These constants
repeat the client's (:mod:`esante.mss.directory`): the sandbox may not import it, and both
copy the same published facts.

A demo professional without a mailbox gets ``prenom.nom@<structure domain>``
(or ``@<structure key>.mssante.fr``), derived deterministically.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Final

from esante.demo import DemoDataset, DemoPractitioner, DemoStructure

RPPS_SYSTEM: Final = "https://rpps.esante.gouv.fr"
IDNAT_PS_SYSTEM: Final = "urn:oid:1.2.250.1.71.4.2.1"
IDNAT_STRUCT_SYSTEM: Final = "urn:oid:1.2.250.1.71.4.2.2"
FINESS_SYSTEM: Final = "https://finess.esante.gouv.fr"
SIRET_SYSTEM: Final = "https://sirene.fr"
IDENTIFIER_TYPE_SYSTEM: Final = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203"
EMAIL_TYPE_URL: Final = (
    "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-contact-point-email-type"
)
MESSAGING_TYPE_SYSTEM: Final = (
    "https://mos.esante.gouv.fr/NOS/TRE_R256-TypeMessagerie/FHIR/TRE-R256-TypeMessagerie"
)
MAILBOX_METADATA_URL: Final = "https://interop.esante.gouv.fr/ig/fhir/annuaire/StructureDefinition/as-ext-mailbox-mss-metadata"
MAILBOX_TYPE_SYSTEM: Final = "https://mos.esante.gouv.fr/NOS/TRE_R257-TypeBAL/FHIR/TRE-R257-TypeBAL"
PROFESSION_SYSTEM: Final = (
    "https://mos.esante.gouv.fr/NOS/TRE_G15-ProfessionSante/FHIR/TRE-G15-ProfessionSante"
)
SPECIALTY_SYSTEM: Final = (
    "https://mos.esante.gouv.fr/NOS/TRE_R38-SpecialiteOrdinale/FHIR/TRE-R38-SpecialiteOrdinale"
)
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def practitioner_id(practitioner: DemoPractitioner) -> str:
    """The resource id of a demo professional."""
    return f"ps-{practitioner.rpps}"


def role_id(practitioner: DemoPractitioner) -> str:
    """The resource id of a demo professional's practice situation."""
    return f"sit-{practitioner.rpps}"


def organization_id(structure: DemoStructure) -> str:
    """The resource id of a demo structure."""
    return f"st-{structure.id_nat_struct}"


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NOT_WORD.sub("", plain.lower().replace(" ", "")) or "x"


def mailbox_address(practitioner: DemoPractitioner, structure: DemoStructure) -> str:
    """The professional's mailbox: the dataset's, else ``prenom.nom@<structure domain>``."""
    if practitioner.mssante_address:
        return practitioner.mssante_address
    domain = structure.mssante_address.rpartition("@")[2] or f"{structure.key}.mssante.fr"
    return f"{_slug(practitioner.given_name)}.{_slug(practitioner.family_name)}@{domain}"


def _identifier(system: str, value: str, type_code: str) -> dict[str, Any]:
    return {
        "use": "official",
        "type": {"coding": [{"system": IDENTIFIER_TYPE_SYSTEM, "code": type_code}]},
        "system": system,
        "value": value,
    }


def mailbox(address: str, kind: str, description: str) -> dict[str, Any]:
    """An MSSanté ``ContactPoint`` (email-type MSSANTE + mailbox metadata)."""
    return {
        "extension": [
            {
                "url": EMAIL_TYPE_URL,
                "valueCoding": {"system": MESSAGING_TYPE_SYSTEM, "code": "MSSANTE"},
            },
            {
                "url": MAILBOX_METADATA_URL,
                "extension": [
                    {
                        "url": "type",
                        "valueCodeableConcept": {
                            "coding": [{"system": MAILBOX_TYPE_SYSTEM, "code": kind}]
                        },
                    },
                    {"url": "description", "valueString": description},
                    {"url": "listeRouge", "valueBoolean": False},
                ],
            },
        ],
        "system": "email",
        "value": address,
    }


def practitioner_resource(practitioner: DemoPractitioner, data: DemoDataset) -> dict[str, Any]:
    """The ``Practitioner`` of a demo professional, with their personal mailbox."""
    structure = data.structure(practitioner.structure_key)
    return {
        "resourceType": "Practitioner",
        "id": practitioner_id(practitioner),
        "active": True,
        "identifier": [
            _identifier(IDNAT_PS_SYSTEM, practitioner.id_nat_ps, "IDNPS"),
            _identifier(RPPS_SYSTEM, practitioner.rpps, "RPPS"),
        ],
        "name": [
            {
                "use": "usual",
                "family": practitioner.family_name.upper(),
                "given": [practitioner.given_name],
                "prefix": [practitioner.civility],
            }
        ],
        "telecom": [
            mailbox(
                mailbox_address(practitioner, structure),
                "PER",
                f"Messagerie de {practitioner.display_name}",
            )
        ],
        "qualification": [
            {
                "code": {
                    "coding": [{"system": PROFESSION_SYSTEM, "code": practitioner.profession_code}]
                }
            }
        ],
    }


def role_resource(practitioner: DemoPractitioner, data: DemoDataset) -> dict[str, Any]:
    """The ``PractitionerRole`` linking a demo professional to their structure."""
    structure = data.structure(practitioner.structure_key)
    codes = [{"system": PROFESSION_SYSTEM, "code": practitioner.profession_code}]
    if practitioner.specialty_code:
        codes.append({"system": SPECIALTY_SYSTEM, "code": practitioner.specialty_code})
    return {
        "resourceType": "PractitionerRole",
        "id": role_id(practitioner),
        "active": True,
        "practitioner": {"reference": f"Practitioner/{practitioner_id(practitioner)}"},
        "organization": {"reference": f"Organization/{organization_id(structure)}"},
        "code": [{"coding": codes}],
    }


def organization_resource(structure: DemoStructure) -> dict[str, Any]:
    """The ``Organization`` of a demo structure, with its secretariat mailbox."""
    identifiers = [_identifier(IDNAT_STRUCT_SYSTEM, structure.id_nat_struct, "IDNST")]
    if structure.finess:
        identifiers.append(_identifier(FINESS_SYSTEM, structure.finess, "FINEG"))
    if structure.siret:
        identifiers.append(_identifier(SIRET_SYSTEM, structure.siret, "SIRET"))
    return {
        "resourceType": "Organization",
        "id": organization_id(structure),
        "active": True,
        "identifier": identifiers,
        "name": structure.name,
        "telecom": [
            {"system": "phone", "value": structure.phone.replace(" ", "")},
            mailbox(structure.mssante_address, "ORG", f"Secrétariat — {structure.name}"),
        ],
        "address": [
            {
                "line": [structure.address_line],
                "postalCode": structure.postal_code,
                "city": structure.city,
                "country": "FRA",
            }
        ],
    }


def directory_resources(data: DemoDataset) -> dict[str, list[dict[str, Any]]]:
    """Every resource of the sandbox directory, by type, in dataset order."""
    return {
        "Practitioner": [practitioner_resource(p, data) for p in data.practitioners],
        "PractitionerRole": [role_resource(p, data) for p in data.practitioners],
        "Organization": [organization_resource(s) for s in data.structures],
    }
