"""The VIHF as typed values, and the coherence rules its attributes must follow.

:class:`Vihf` is what a caller fills in (who acts, for which patient, in which mode, from
which software); :class:`VihfAssertion` is what a reader gets back from an assertion
(the same values plus the SAML envelope data: ID, issuer, instants, signer).
:func:`check_vihf` applies the rules of the ANS VIHF table that do not depend on XML:

* required attributes present (structure, activity sector, subject, first role, LPS);
* a second role — the specialty — for médecins and pharmaciens;
* ``subject-id`` (user name) when the authentication is indirect;
* the patient identifier (``resource-id``) is an INS: NIR, NIA (or their test OIDs).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from cryptography import x509

from esante.trust.errors import VihfError
from esante.trust.vocabulary import (
    DEFAULT_RESOURCE_URN,
    DEFAULT_VIHF_VERSION,
    INS_SYSTEMS,
    PROFESSION_SYSTEM,
    PROFESSIONS_WITH_SPECIALTY,
    AccessMode,
    Attr,
    AuthenticationMode,
)


@dataclass(frozen=True)
class Code:
    """An HL7 v3 CE value (``Role``, ``PurposeOfUse``, confidentiality code)."""

    code: str
    code_system: str
    display_name: str | None = None
    code_system_name: str | None = None


@dataclass(frozen=True)
class PatientId:
    """The patient's INS as written in ``resource-id``: HL7 v2 CX ``id^^^&oid&ISO^NH``."""

    identifier: str
    oid: str

    def to_cx(self) -> str:
        return f"{self.identifier}^^^&{self.oid}&ISO^NH"

    @classmethod
    def from_cx(cls, value: str) -> PatientId:
        """Parse ``id^^^&oid&ISO^NH``; raise VihfError when the CX is malformed."""
        components = value.strip().split("^")
        authority = components[3].split("&") if len(components) > 3 else []
        if not components[0] or len(authority) < 2 or not authority[1]:
            raise VihfError(
                "Identifiant du patient (resource-id) mal formé dans le VIHF.",
                detail=f"expected 'id^^^&oid&ISO^NH', got {value!r}",
                field=Attr.RESOURCE_ID,
            )
        return cls(identifier=components[0], oid=authority[1])


@dataclass(frozen=True)
class Vihf:
    """The attributes of a VIHF (what the caller knows; SAML details are added when built).

    ``role`` is the first ``subject:role`` (profession TRE_G15, other actor type, or
    ``AUTOMATE``); ``specialty`` the second one (mandatory for médecins and pharmaciens).
    ``activity_sector`` is a TRE_R02 code such as ``SA07`` (cabinet libéral).
    """

    subject_id: str
    structure_id: str
    activity_sector: str
    role: Code
    lps_name: str
    lps_version: str
    lps_homologation_id: str
    specialty: Code | None = None
    subject_name: str | None = None
    patient: PatientId | None = None
    access_mode: AccessMode = AccessMode.NORMAL
    authentication_mode: AuthenticationMode = AuthenticationMode.INDIRECTE
    confidentiality_code: Code | None = None
    lps_id: str | None = None
    resource_urn: str = DEFAULT_RESOURCE_URN
    vihf_version: str = DEFAULT_VIHF_VERSION
    authn_context: str = "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI"
    authn_context_decl: str | None = None
    authn_instant: datetime | None = None


@dataclass(frozen=True)
class VihfAssertion:
    """A VIHF read from XML: its attributes and the SAML envelope around them.

    ``certificate`` is the signer's certificate from ``ds:KeyInfo`` (``None`` when the
    assertion is unsigned). ``other_attributes`` keeps attributes esante does not model.
    """

    vihf: Vihf
    assertion_id: str
    issuer: str
    issue_instant: datetime
    not_before: datetime | None = None
    not_on_or_after: datetime | None = None
    certificate: x509.Certificate | None = None
    other_attributes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def check_vihf(vihf: Vihf) -> None:
    """Raise :class:`VihfError` (naming the attribute) if a rule of the VIHF table is broken."""
    required = {
        "Subject/NameID": vihf.subject_id,
        Attr.STRUCTURE_ID: vihf.structure_id,
        Attr.ACTIVITY_SECTOR: vihf.activity_sector,
        Attr.LPS_NAME: vihf.lps_name,
        Attr.LPS_VERSION: vihf.lps_version,
        Attr.LPS_HOMOLOGATION_ID: vihf.lps_homologation_id,
        Attr.VIHF_VERSION: vihf.vihf_version,
        Attr.RESOURCE_URN: vihf.resource_urn,
    }
    for name, value in required.items():
        if not value or not value.strip():
            raise VihfError(
                f"Attribut obligatoire absent du VIHF : {name}.",
                detail=f"{name} is empty",
                field=str(name),
            )
    if not vihf.role.code or not vihf.role.code_system:
        raise VihfError(
            "Le rôle de l'utilisateur (1er subject:role) est obligatoire dans le VIHF.",
            detail=f"role {vihf.role!r} lacks code or codeSystem",
            field=Attr.ROLE,
        )
    profession = (
        PROFESSIONS_WITH_SPECIALTY.get(vihf.role.code)
        if vihf.role.code_system == PROFESSION_SYSTEM
        else None
    )
    if profession and (vihf.specialty is None or not vihf.specialty.code):
        raise VihfError(
            f"La spécialité (2e rôle) est obligatoire dans le VIHF d'un {profession}.",
            detail=f"profession {vihf.role.code} ({PROFESSION_SYSTEM}) requires a second "
            "subject:role value",
            field=Attr.ROLE,
        )
    if vihf.authentication_mode is not AuthenticationMode.DIRECTE and not (
        vihf.subject_name and vihf.subject_name.strip()
    ):
        raise VihfError(
            "Le nom de l'utilisateur (subject-id) est obligatoire en authentification indirecte.",
            detail=f"{Attr.SUBJECT_ID} missing with Authentification_mode "
            f"{vihf.authentication_mode}",
            field=Attr.SUBJECT_ID,
        )
    if vihf.patient is not None:
        if not vihf.patient.identifier.strip():
            raise VihfError(
                "Identifiant du patient (INS) vide dans le VIHF.",
                detail="resource-id identifier is empty",
                field=Attr.RESOURCE_ID,
            )
        if vihf.patient.oid not in INS_SYSTEMS:
            raise VihfError(
                "L'identifiant du patient dans le VIHF doit être son INS.",
                detail=f"resource-id authority {vihf.patient.oid} is not an INS OID "
                f"({', '.join(INS_SYSTEMS)})",
                field=Attr.RESOURCE_ID,
            )
