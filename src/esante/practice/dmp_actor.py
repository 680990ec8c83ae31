"""The acting professional of a DMP call, from the local record.

The VIHF names the professional on whose behalf the software acts (the author of the
document) and the structure; in indirect authentication the structure is the one the
certificate identifies (the DMP checks the VIHF structure against the TLS certificate),
so it comes from the credential, not from the local record.
"""

from __future__ import annotations

from esante.dmp import Actor
from esante.dmp.context import PROFESSION_SYSTEM
from esante.store import Practitioner, Structure
from esante.terminology import TerminologyError, label
from esante.trust import AuthenticationMode
from esante.trust import Code as RoleCode

SPECIALTY_SYSTEM = "1.2.250.1.71.4.2.5"
"""TRE_R38 SpecialiteOrdinale: the code system of a médecin's specialty."""
DEFAULT_ACTIVITY_SECTOR = "SA07"
"""TRE_R02 "Cabinet individuel", when the structure has no facility type."""


def _profession_label(code: str) -> str | None:
    try:
        return label("G15", code)
    except TerminologyError:
        return None


def actor_for(
    practitioner: Practitioner,
    structure: Structure | None,
    *,
    structure_id: str,
    structure_name: str,
    authentication_mode: str,
) -> Actor:
    """The :class:`~esante.dmp.Actor` for ``practitioner`` acting under the credential of
    the structure ``structure_id`` (``authentication_mode``: ``directe`` / ``indirecte``)."""
    mode = {
        "directe": AuthenticationMode.DIRECTE,
        "indirecte": AuthenticationMode.INDIRECTE,
        "renforcee": AuthenticationMode.INDIRECTE_RENFORCEE,
    }.get(authentication_mode.lower(), AuthenticationMode.INDIRECTE)
    specialty = practitioner.specialty_code
    return Actor(
        id=practitioner.id_nat_ps,
        family_name=practitioner.family_name.upper(),
        given_name=practitioner.given_name,
        role=RoleCode(
            practitioner.profession_code,
            PROFESSION_SYSTEM,
            _profession_label(practitioner.profession_code),
        ),
        specialty=RoleCode(specialty, SPECIALTY_SYSTEM) if specialty else None,
        structure_id=structure_id,
        structure_name=structure_name,
        activity_sector=(structure.facility_type_code if structure else None)
        or DEFAULT_ACTIVITY_SECTOR,
        authentication_mode=mode,
    )
