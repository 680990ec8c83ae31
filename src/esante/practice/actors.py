"""Who is acting: the authenticated actor every practice function is given.

The actor comes from the credential of the request — a signed-in web session (Pro Santé
Connect or a local staff account), a PSC access token, or a structure's API key — never
from a request body (issue 12). It carries what the authorisation policy
(:mod:`esante.practice.access`) and the trace need: who (``actor_id`` — the idNat_PS for
a professional, the permanent internal user id of a local account per EX_0.1-1025, or
``apikey:<prefix>``), the name shown and traced, the role, the structure and, for a
professional of the practice, the local practitioner row.

Roles (``role``): the profession code TRE_G15 of a professional (``10`` médecin, ``21``
pharmacien, ``50`` sage-femme, ``60`` infirmier…), ``secretaire`` for the secretariat,
``apikey`` for an integrator's key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from esante.practice.errors import PracticeError
from esante.store import Practitioner

ActorKind = Literal["psc", "local", "apikey"]

ROLE_MEDECIN: Final = "10"
ROLE_PHARMACIEN: Final = "21"
ROLE_SAGE_FEMME: Final = "50"
ROLE_INFIRMIER: Final = "60"
ROLE_SECRETAIRE: Final = "secretaire"
ROLE_APIKEY: Final = "apikey"
STAFF_ROLES: Final = (ROLE_SECRETAIRE, ROLE_MEDECIN, ROLE_INFIRMIER, ROLE_SAGE_FEMME)
"""Roles a local account may have (a professional without PSC access signs in locally)."""


class AuthenticationError(PracticeError):
    """No valid credential: unknown, expired, forged or revoked (HTTP 401)."""


@dataclass(frozen=True)
class Actor:
    """The authenticated person or integrator behind a request."""

    kind: ActorKind
    actor_id: str
    name: str
    role: str
    structure_id: int | None = None
    practitioner_id: int | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    origin: str | None = None
    """Where the request came from, as traced: the client address, or ``cli``."""

    @property
    def is_professional(self) -> bool:
        """A health professional (a profession code as role), signed in nominatively."""
        return self.role not in (ROLE_SECRETAIRE, ROLE_APIKEY)


def professional_actor(session: Session, id_nat_ps: str, profession_code: str | None) -> Actor:
    """The actor of a professional authenticated by Pro Santé Connect (``SubjectNameID``).

    Only a professional of the practice (an active practitioner whose ``8`` + RPPS is
    ``id_nat_ps``) may act: a valid PSC identity of someone else opens nothing. The role
    is the profession PSC gives (``SubjectRefPro``), else the directory's.
    """
    refused = AuthenticationError(
        "Ce professionnel n'est pas enregistré dans ce cabinet.",
        detail="PSC identity without an active local practitioner",
        field="SubjectNameID",
    )
    if not id_nat_ps.startswith("8") or len(id_nat_ps) != 12:
        raise refused
    practitioner = session.scalar(select(Practitioner).where(Practitioner.rpps == id_nat_ps[1:]))
    if practitioner is None or not practitioner.active:
        raise refused
    return Actor(
        kind="psc",
        actor_id=id_nat_ps,
        name=f"{practitioner.given_name} {practitioner.family_name}",
        role=profession_code or practitioner.profession_code,
        structure_id=practitioner.structure_id,
        practitioner_id=practitioner.id,
    )


def local_operator(structure_id: int, *, origin: str = "cli") -> Actor:
    """The operator of the machine running esante, acting on its database from the CLI.

    Whoever can run ``esante`` on the database's host already holds the database file;
    the CLI still goes through the same rules and trace as the API. Where a command
    names a professional (``--ps``), that professional is the actor
    (:func:`professional_actor`); otherwise the operator acts as the secretariat of the
    structure — managing identities, documents and orders, never consulting the DMP nor
    breaking the glass — and is traced as ``operateur-local`` from ``cli``.
    """
    return Actor(
        kind="local",
        actor_id="operateur-local",
        name="Opérateur local (CLI)",
        role=ROLE_SECRETAIRE,
        structure_id=structure_id,
        origin=origin,
    )
