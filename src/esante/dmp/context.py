"""Who calls the DMP, from which software, and in which access mode.

Every DMP request carries a VIHF describing the acting user (DMP kit ``messages/vihf``;
CI-SIS mapping VIHF) and, for the XDS transactions, an XDS author; both come from the
same three values:

* :class:`LpsInfo` — the practice software: name, version, DMP homologation number and
  the OID that identifies this installation (HL7 v3 sender device, XDS ``sourceId``);
* :class:`Actor` — the professional (or the structure's system) acting: national
  identifier, name, profession and specialty, structure and activity sector, and how
  they are authenticated (DIRECTE: own card; INDIRECTE: the structure's certificate);
* :class:`Access` — the access mode (TRE_R248): ``normal``, ``bris_de_glace`` (emergency
  access without the patient's authorisation, a justification is mandatory) or
  ``centre_15`` (emergency regulation centre).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from esante.dmp.errors import DmpRequestError
from esante.terminology import TerminologyError, author_specialty
from esante.trust import AccessMode, AuthenticationMode
from esante.trust import Code as RoleCode
from esante.xds import Author, Organization, Person
from esante.xds import Code as XdsCode
from esante.xds.vocabulary import (
    PS_IDENTIFIER_TYPE,
    PS_IDNAT_OID,
    STRUCTURE_IDENTIFIER_TYPE,
    STRUCTURE_IDNAT_OID,
)

PROFESSION_SYSTEM: Final = "1.2.250.1.71.1.2.7"
"""TRE_G15 ProfessionSante: the code system of a health professional's profession."""
AUTHOR_SPECIALTY_SYSTEM: Final = "1.2.250.1.213.1.1.4.5"
"""TRE_A02 (JDV_J01): the combined ``G15_<profession>[/<specialty>]`` authorSpecialty codes."""
_OID: Final = re.compile(r"^[0-2](\.(0|[1-9][0-9]*))+$")


@dataclass(frozen=True, slots=True)
class LpsInfo:
    """The practice software ("LPS") as the DMP knows it.

    ``oid`` identifies this installation: it is the HL7 v3 sender device id (TD0.2),
    the XDS ``sourceId`` of submissions and the root of HL7 v3 message ids.
    ``lps_id`` is the VIHF ``LPS_ID``: the mapping VIHF pour le DMP makes it optional but
    every token of the DMP kit carries it, so esante always writes it — this value when
    set, otherwise the installation's ``oid`` (what identifies this LPS instance).
    """

    name: str
    version: str
    homologation_id: str
    oid: str
    lps_id: str | None = None

    def __post_init__(self) -> None:
        for field_name in ("name", "version", "homologation_id"):
            if not getattr(self, field_name).strip():
                raise DmpRequestError(
                    "Configuration du logiciel incomplète pour le DMP.",
                    detail=f"LpsInfo.{field_name} is empty",
                    field=field_name,
                )
        if not _OID.match(self.oid):
            raise DmpRequestError(
                "L'OID du logiciel (identifiant d'installation) est invalide.",
                detail=f"LpsInfo.oid {self.oid!r} is not an OID",
                field="oid",
            )


@dataclass(frozen=True, slots=True)
class Actor:
    """The user on whose behalf a DMP call is made.

    ``id`` is the national identifier (idNat_PS, e.g. ``8`` + RPPS): the VIHF
    ``Subject/NameID`` and the XDS authorPerson id. ``role`` is the first VIHF
    ``subject:role`` (a TRE_G15 profession for a professional) and ``specialty`` the
    second (mandatory for médecins and pharmaciens). ``structure_id`` is the
    idNat_Struct of the structure (``Identifiant_Structure``), ``activity_sector`` its
    TRE_R02 code (``SA07`` cabinet individuel...). ``authentication_method`` is the
    user's primary authentication method, written as the VIHF ``AuthnContextDecl`` in
    indirect reinforced authentication (AIR, EX_AIR-050: ``CONF_EXI_PGSSIS`` for AIR
    simplifié); when unset, the DMP kit's AIR token repeats the class reference there.
    """

    id: str
    family_name: str
    given_name: str
    role: RoleCode
    structure_id: str
    structure_name: str
    activity_sector: str
    specialty: RoleCode | None = None
    authentication_mode: AuthenticationMode = AuthenticationMode.INDIRECTE
    authentication_method: str | None = None
    id_authority: str = PS_IDNAT_OID
    structure_authority: str = STRUCTURE_IDNAT_OID

    @property
    def display_name(self) -> str:
        """``Prénom NOM``: the VIHF ``subject-id`` (the user's name)."""
        return f"{self.given_name} {self.family_name}".strip()

    def author_specialty(self) -> XdsCode | None:
        """The XDS authorSpecialty (JDV_J01 ``G15_<profession>[/<specialty>]``), if a
        professional; its French label comes from :mod:`esante.terminology` when known."""
        if self.role.code_system != PROFESSION_SYSTEM:
            return None
        specialty = self.specialty.code if self.specialty is not None else None
        try:
            concept = author_specialty(self.role.code, specialty)
        except TerminologyError:
            code = f"G15_{self.role.code}" + (f"/{specialty}" if specialty else "")
            labels = [c.display_name for c in (self.role, self.specialty) if c and c.display_name]
            return XdsCode(code, AUTHOR_SPECIALTY_SYSTEM, " - ".join(labels))
        return XdsCode(concept.code, concept.code_system_oid, concept.display)

    def xds_author(self) -> Author:
        """The actor as the XDS author of a submission set (person, institution, specialty)."""
        person = Person(
            id=self.id,
            family_name=self.family_name,
            given_name=self.given_name,
            assigning_authority=self.id_authority,
            name_type_code="D",
            identifier_type_code=PS_IDENTIFIER_TYPE if self.id_authority == PS_IDNAT_OID else "",
        )
        institution = Organization(
            name=self.structure_name,
            identifier=self.structure_id,
            assigning_authority=self.structure_authority,
            identifier_type_code=(
                STRUCTURE_IDENTIFIER_TYPE if self.structure_authority == STRUCTURE_IDNAT_OID else ""
            ),
        )
        specialty = self.author_specialty()
        return Author(
            person=person,
            institutions=(institution,),
            specialties=() if specialty is None else (specialty,),
        )


@dataclass(frozen=True, slots=True)
class Access:
    """The access mode of a call (VIHF ``purposeofuse``) and, for ``bris_de_glace``, why.

    Raises :class:`DmpRequestError` when ``bris_de_glace`` has no justification.
    """

    mode: AccessMode = AccessMode.NORMAL
    reason: str | None = None

    def __post_init__(self) -> None:
        if self.mode is AccessMode.BRIS_DE_GLACE and not (self.reason and self.reason.strip()):
            raise DmpRequestError(
                "L'accès en mode bris de glace exige un motif.",
                detail="Access(mode=bris_de_glace) without reason",
                field="reason",
            )

    @classmethod
    def break_glass(cls, reason: str) -> Access:
        """Emergency access without the patient's authorisation (``bris_de_glace``)."""
        return cls(AccessMode.BRIS_DE_GLACE, reason)

    @classmethod
    def regulation_centre(cls) -> Access:
        """Access from an emergency regulation centre (``centre_15``)."""
        return cls(AccessMode.CENTRE_15)


NORMAL_ACCESS: Final = Access()
"""The usual access mode (``normal``)."""
