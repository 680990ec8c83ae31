"""Who acts in the practice unit tests: a médecin of a structure (practice.access)."""

from __future__ import annotations

from esante.practice.actors import ROLE_MEDECIN, Actor
from esante.store import Practitioner

ACTOR = Actor(
    kind="psc",
    actor_id="810000000042",
    name="Paul TESTEUR",
    role=ROLE_MEDECIN,
    structure_id=1,
    origin="test",
)


def acting(practitioner: Practitioner, *, origin: str = "test") -> Actor:
    """A practitioner of the test database as the signed-in actor (PSC)."""
    return Actor(
        kind="psc",
        actor_id=practitioner.id_nat_ps,
        name=f"{practitioner.given_name} {practitioner.family_name}",
        role=practitioner.profession_code,
        structure_id=practitioner.structure_id or 1,
        practitioner_id=practitioner.id,
        origin=origin,
    )
