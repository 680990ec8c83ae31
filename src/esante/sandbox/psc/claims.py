"""What PSC says of a professional: the userinfo claims, built from the demo dataset.

PSC's userinfo answer (``scope=openid scope_all``) carries, besides ``sub`` and the
names: ``SubjectNameID`` and ``preferred_username`` (the national identifier idNat_PS,
``8`` + RPPS), ``otherIds`` (the identifiers known for the person, with their origin),
``SubjectRole`` (the profession, ``code^OID``), ``SubjectOrganization`` /
``SubjectOrganizationID`` / ``Secteur_Activite`` (the structure of the first activity),
and ``SubjectRefPro``: the civility (``codeCivilite``) and one entry per exercise
(``exercices``: profession TRE_G15 ``codeProfession``, category TRE_R09
``codeCategorieProfessionnelle``, ordinal specialty TRE_R38 in ``codeSavoirFaire`` with
``codeTypeSavoirFaire`` ``S``, exercise name and civility) with its ``activities`` (the
structures: mode of exercise TRE_R23, sector TRE_R02, SIRET / FINESS, technical and
national structure identifiers, name, address). Field names and shapes follow the
userinfo examples of ANS's own PSC tooling (``prosanteconnect/generate-VIHF``,
``prosanteconnect/psc-context-sharing-api`` model classes); empty strings stand where
the directory has nothing, as PSC answers.

``sub`` is a stable pseudonymous UUID derived from idNat_PS (PSC's ``sub`` is Keycloak's
user id, not the RPPS). Without ``scope_all`` only the identity claims are given.
"""

from __future__ import annotations

import re
import uuid
from functools import cache
from typing import Any, Final

from esante.demo import DemoDataset, DemoPractitioner, DemoStructure
from esante.sandbox.psc.realm import SCOPE_ALL
from esante.terminology import code_systems

SUBJECT_NAMESPACE: Final = uuid.UUID("5b0f6e1c-2a4d-4c1e-9f43-7f1d2e6a9c01")
"""Namespace of the sandbox's ``sub`` values (UUID v5 of idNat_PS): stable, never reused."""
SUBJECT_ROLE_OID: Final = "1.2.250.1.213.1.1.5.5"
"""OID PSC appends to the profession code in ``SubjectRole`` (``10^1.2.250.1.213.1.1.5.5``)."""
PSI_LOCALE: Final = "1.2.250.1.213.1.3.1.1"
PALIER_ECPS: Final = "APPPRIP3^1.2.250.1.213.1.5.1.1.1"
"""``Palier_Authentification`` of a sign-in with the e-CPS app."""
CATEGORY_CIVIL: Final = "C"
"""TRE_R09 catégorie professionnelle « civil »."""
ACTIVITY_KIND_CARE: Final = "GENR01"
COUNTRY_FRANCE: Final = "99000"
SALARIED_SECTORS: Final = frozenset({"SA05"})
"""Sectors (TRE_R02) where the demo professionals are salaried (centre de santé)."""
_REGISTRATION_AUTHORITY: Final = {
    "10": "CNOM",
    "21": "CNOP",
    "50": "CNOSF",
    "60": "ONI",
    "70": "CNOMK",
}
_WAY_TYPES: Final = {
    "rue": "R",
    "avenue": "AV",
    "boulevard": "BD",
    "place": "PL",
    "chemin": "CHE",
    "impasse": "IMP",
    "allee": "ALL",
    "allée": "ALL",
    "montee": "MTE",
    "montée": "MTE",
    "quai": "QUAI",
    "route": "RTE",
}
_ADDRESS = re.compile(r"(\d+)\s*(bis|ter)?\s+(\S+)\s+(.+)", re.IGNORECASE)


@cache
def _sector_oid() -> str:
    return next(cs.oid for cs in code_systems() if cs.name == "TRE_R02-SecteurActivite")


def subject(practitioner: DemoPractitioner) -> str:
    """The ``sub`` of a demo professional."""
    return str(uuid.uuid5(SUBJECT_NAMESPACE, practitioner.id_nat_ps))


def structure_technical_id(structure: DemoStructure) -> str:
    """``identifiantTechniqueDeLaStructure``: ``F`` + FINESS, else ``S`` + SIRET."""
    return f"F{structure.finess}" if structure.finess else f"S{structure.siret or ''}"


def _address(structure: DemoStructure) -> dict[str, str]:
    found = _ADDRESS.fullmatch(structure.address_line.strip())
    number, repeat, way, label = ("", "", "", structure.address_line)
    if found:
        kind = _WAY_TYPES.get(found.group(3).lower(), "")
        number, repeat = found.group(1), (found.group(2) or "").upper()[:1]
        way = kind
        label = found.group(4) if kind else f"{found.group(3)} {found.group(4)}"
    return {
        "numeroVoie": number,
        "indiceRepetitionVoie": repeat,
        "codeTypeDeVoie": way,
        "libelleVoie": label.upper(),
        "mentionDistribution": "",
        "bureauCedex": f"{structure.postal_code} {structure.city.upper()}",
        "codePostal": structure.postal_code,
        "codeCommune": "",
        "codePays": COUNTRY_FRANCE,
    }


def activity(practitioner: DemoPractitioner, structure: DemoStructure) -> dict[str, str]:
    """One entry of ``activities``: the professional's practice in ``structure``."""
    authority = _REGISTRATION_AUTHORITY.get(practitioner.profession_code, "")
    sector = structure.facility_type_code
    return {
        "codeModeExercice": "S" if sector in SALARIED_SECTORS else "L",
        "codeSecteurDactivite": sector,
        "codeSectionPharmacien": "",
        "codeRole": "",
        "codeGenreActivite": ACTIVITY_KIND_CARE,
        "numeroSiretSite": structure.siret or "",
        "numeroSirenSite": (structure.siret or "")[:9],
        "numeroFinessSite": structure.finess or "",
        "numeroFinessetablissementJuridique": "",
        "identifiantTechniqueDeLaStructure": structure_technical_id(structure),
        "raisonSocialeSite": structure.name,
        "enseigneCommercialeSite": "",
        "complementDestinataire": "",
        "complementPointGeographique": "",
        **_address(structure),
        "telephone": structure.phone.replace(" ", ""),
        "telephone2": "",
        "telecopie": "",
        "adresseEMail": "",
        "codeDepartement": "",
        "ancienIdentifiantDeLaStructure": structure.id_nat_struct,
        "autoriteDenregistrement": f"{authority}/{authority}/{authority}" if authority else "",
    }


def exercise(practitioner: DemoPractitioner, structure: DemoStructure) -> dict[str, Any]:
    """One entry of ``SubjectRefPro.exercices``."""
    return {
        "codeProfession": practitioner.profession_code,
        "codeCategorieProfessionnelle": CATEGORY_CIVIL,
        "codeCiviliteDexercice": "DR" if practitioner.civility == "DR" else "",
        "nomDexercice": practitioner.family_name.upper(),
        "prenomDexercice": practitioner.given_name,
        "codeTypeSavoirFaire": "S" if practitioner.specialty_code else "",
        "codeSavoirFaire": practitioner.specialty_code or "",
        "activities": [activity(practitioner, structure)],
    }


def identity_claims(practitioner: DemoPractitioner) -> dict[str, Any]:
    """The claims given without ``scope_all`` (and carried by the ID token)."""
    return {
        "sub": subject(practitioner),
        "SubjectNameID": practitioner.id_nat_ps,
        "preferred_username": practitioner.id_nat_ps,
        "given_name": practitioner.given_name,
        "family_name": practitioner.family_name.upper(),
    }


def userinfo_claims(
    practitioner: DemoPractitioner, data: DemoDataset, scope: str
) -> dict[str, Any]:
    """PSC's userinfo answer for ``practitioner`` under ``scope``."""
    claims = identity_claims(practitioner)
    if SCOPE_ALL not in scope.split():
        return claims
    structure = data.structure(practitioner.structure_key)
    claims.update(
        {
            "email_verified": False,
            "otherIds": [{"identifiant": practitioner.id_nat_ps, "origine": "RPPS", "qualite": 1}],
            "SubjectRole": [f"{practitioner.profession_code}^{SUBJECT_ROLE_OID}"],
            "SubjectOrganization": structure.name,
            "SubjectOrganizationID": structure_technical_id(structure),
            "Secteur_Activite": f"{structure.facility_type_code}^{_sector_oid()}",
            "PSI_Locale": PSI_LOCALE,
            "Palier_Authentification": PALIER_ECPS,
            "UITVersion": "1.0",
            "Acces_Regulation_Medicale": "FAUX",
            "Mode_Acces_Raison": "",
            "SubjectRefPro": {
                "codeCivilite": "MME" if practitioner.sex == "F" else "M",
                "exercices": [exercise(practitioner, structure)],
            },
        }
    )
    return claims
