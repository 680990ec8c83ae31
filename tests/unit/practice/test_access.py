"""The access policy's matrix (practice.access.allowed), role by role."""

from __future__ import annotations

from typing import get_args

import pytest

from esante.practice.access import AccessDeniedError, Action, allowed, require
from esante.practice.actors import (
    ROLE_APIKEY,
    ROLE_INFIRMIER,
    ROLE_MEDECIN,
    ROLE_PHARMACIEN,
    ROLE_SAGE_FEMME,
    ROLE_SECRETAIRE,
    Actor,
    ActorKind,
)

RECORD = {
    "patients:read",
    "patients:write",
    "documents:read",
    "documents:write",
    "orders:read",
    "orders:write",
    "consent:read",
    "consent:write",
}
DECIDE = {"orders:decide"}
"""Making an order leave or cancelling it: a health professional's decision."""
ALL = set(get_args(Action))


def _actor(role: str, kind: ActorKind = "psc", **extra: object) -> Actor:
    return Actor(kind=kind, actor_id="x", name="X", role=role, structure_id=1, **extra)  # type: ignore[arg-type]


def _granted(actor: Actor) -> set[str]:
    return {action for action in ALL if allowed(actor, action)}


@pytest.mark.parametrize(
    ("role", "kind", "expected"),
    [
        (ROLE_MEDECIN, "psc", ALL),
        (ROLE_MEDECIN, "local", ALL),
        (ROLE_SAGE_FEMME, "psc", ALL),
        (ROLE_PHARMACIEN, "psc", RECORD | DECIDE | {"dmp:consult", "dmp:feed", "dmp:delete"}),
        (ROLE_INFIRMIER, "local", RECORD | DECIDE | {"dmp:consult", "dmp:feed", "dmp:delete"}),
        # masseur-kinésithérapeute: feeds (and deletes what was fed) only
        ("70", "psc", RECORD | DECIDE | {"dmp:feed", "dmp:delete"}),
        ("40", "psc", RECORD | DECIDE),  # chirurgien-dentiste: no DMP right in this policy
        (ROLE_SECRETAIRE, "local", RECORD),
    ],
)
def test_each_role_gets_its_actions(role: str, kind: ActorKind, expected: set[str]) -> None:
    assert _granted(_actor(role, kind)) == expected


def test_an_api_key_gets_its_scopes_and_never_break_glass() -> None:
    reader = _actor(ROLE_APIKEY, "apikey", scopes=frozenset({"patients:read"}))
    assert _granted(reader) == {"patients:read", "consent:read"}
    writer = _actor(ROLE_APIKEY, "apikey", scopes=frozenset({"patients:write", "documents:write"}))
    assert _granted(writer) == {
        "patients:write",
        "consent:write",
        "documents:write",
        "orders:write",
        "orders:decide",
    }
    everything = _actor(
        ROLE_APIKEY,
        "apikey",
        scopes=frozenset(
            {"patients:read", "patients:write", "documents:read", "documents:write", "dmp"}
        ),
    )
    assert _granted(everything) == ALL - {"dmp:break_glass"}


def test_an_actor_without_structure_reaches_nothing() -> None:
    homeless = Actor(kind="psc", actor_id="x", name="X", role=ROLE_MEDECIN)
    assert _granted(homeless) == set()


def test_require_refuses_in_french_with_the_action_for_developers() -> None:
    with pytest.raises(AccessDeniedError) as refused:
        require(_actor(ROLE_SECRETAIRE, "local"), "dmp:break_glass")
    assert refused.value.message == "Votre rôle ne permet pas d'utiliser l'accès en urgence au DMP."
    assert "dmp:break_glass" in (refused.value.detail or "")
    require(_actor(ROLE_MEDECIN), "dmp:break_glass")  # allowed: no error
