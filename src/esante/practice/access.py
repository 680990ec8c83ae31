"""The authorisation policy: may this actor do this to this patient's data? (issue 12)

One place answers for every interface (REST, console, CLI acting on a database); the
practice functions call :func:`require` before acting, route handlers do not decide.

* **Structure membership** — an actor acts for one structure; the structure's patients
  are the practice's (one database per practice), so an actor without a structure reaches
  no patient data.
* **Role** — a médecin does everything; other professions have the DMP rights of their
  profession (consultation and feeding for the professions the DMP access matrix lets
  read: médecin, sage-femme, pharmacien, infirmier; masseur-kinésithérapeute feeds
  only); the secretariat manages identities, documents and orders but never consults the
  DMP (a secretary is not a health professional: EX_GEN-1320 asks a nominative
  professional identity for DMP access); an API key gets what its scopes say, never
  break-glass.
* **Consent** for DMP actions stays in :mod:`esante.practice.consent` (checked after
  this, with the patient at hand).
* **Break-glass** (accès en urgence) only for a médecin or a sage-femme signed in
  nominatively.
* **Send orders** (:mod:`esante.practice.orders`): everyone of the structure reads them
  (``orders:read``) and may *hold one back* (``orders:write``: block — reversible, it
  sends nothing; a secretary taking a patient's objection on the phone holds the send
  until the professional decides). Making an order leave or dropping it for good
  (``orders:decide``: unblock, send now, retry, cancel) is a health professional's
  decision: the document leaves in the name of its professional, and feeding the DMP
  is a professional's duty (a cancelled feeding never reaches the patient's record).
  A deletion from the DMP (``dmp:delete``, TD3.3c) — requesting it, and any action on
  its order — is for the professions that feed the DMP (``dmp:feed``'s): it removes a
  document from the patient's national record.
* **Consent reads** (``consent:read``): everyone of the structure (the secretariat must
  know whether a patient opposed the DMP).
"""

from __future__ import annotations

from typing import Final, Literal

from esante.practice.actors import (
    ROLE_APIKEY,
    ROLE_INFIRMIER,
    ROLE_MEDECIN,
    ROLE_PHARMACIEN,
    ROLE_SAGE_FEMME,
    ROLE_SECRETAIRE,
    Actor,
)
from esante.practice.errors import PracticeError

Action = Literal[
    "patients:read",
    "patients:write",
    "documents:read",
    "documents:write",
    "orders:read",
    "orders:write",
    "orders:decide",
    "consent:read",
    "consent:write",
    "dmp:consult",
    "dmp:feed",
    "dmp:delete",
    "dmp:break_glass",
]

DMP_CONSULTING_PROFESSIONS: Final = frozenset(
    {ROLE_MEDECIN, ROLE_SAGE_FEMME, ROLE_PHARMACIEN, ROLE_INFIRMIER}
)
DMP_FEEDING_PROFESSIONS: Final = DMP_CONSULTING_PROFESSIONS | {"70"}
BREAK_GLASS_PROFESSIONS: Final = frozenset({ROLE_MEDECIN, ROLE_SAGE_FEMME})
_RECORD_ACTIONS: Final = frozenset(
    {
        "patients:read",
        "patients:write",
        "documents:read",
        "documents:write",
        "orders:read",
        "orders:write",
        "consent:read",
        "consent:write",
    }
)
_SCOPE_OF: Final[dict[str, str]] = {
    "patients:read": "patients:read",
    "patients:write": "patients:write",
    "consent:read": "patients:read",
    "consent:write": "patients:write",
    "documents:read": "documents:read",
    "documents:write": "documents:write",
    "orders:read": "documents:read",
    "orders:write": "documents:write",
    "orders:decide": "documents:write",
    "dmp:consult": "dmp",
    "dmp:feed": "dmp",
    "dmp:delete": "dmp",
}
_LABELS: Final[dict[str, str]] = {
    "patients:read": "consulter les patients",
    "patients:write": "modifier les patients",
    "documents:read": "consulter les documents",
    "documents:write": "produire ou envoyer des documents",
    "orders:read": "consulter les envois",
    "orders:write": "bloquer un envoi",
    "orders:decide": "débloquer, envoyer, relancer ou annuler un envoi",
    "consent:read": "consulter le consentement",
    "consent:write": "enregistrer le consentement",
    "dmp:consult": "consulter le DMP",
    "dmp:feed": "alimenter le DMP",
    "dmp:delete": "décider d'une suppression dans le DMP",
    "dmp:break_glass": "utiliser l'accès en urgence au DMP",
}


class AccessDeniedError(PracticeError):
    """The actor's role or credential does not allow the action (HTTP 403)."""


def allowed(actor: Actor, action: Action) -> bool:
    """Whether ``actor`` may do ``action`` (consent aside)."""
    if actor.structure_id is None:
        return False
    if actor.role == ROLE_APIKEY:
        scope = _SCOPE_OF.get(action)
        return scope is not None and scope in actor.scopes
    if action in _RECORD_ACTIONS:
        return True
    if actor.role == ROLE_SECRETAIRE:
        return False
    if action == "dmp:consult":
        return actor.role in DMP_CONSULTING_PROFESSIONS
    if action == "orders:decide":
        return actor.is_professional
    if action in ("dmp:feed", "dmp:delete"):
        return actor.role in DMP_FEEDING_PROFESSIONS
    if action == "dmp:break_glass":
        return actor.role in BREAK_GLASS_PROFESSIONS and actor.kind in ("psc", "local")
    return False


def require(actor: Actor, action: Action) -> None:
    """Raise :class:`AccessDeniedError` (in French) unless ``actor`` may do ``action``."""
    if not allowed(actor, action):
        label = _LABELS[action]
        de = "d'" if label[0] in "aeiouyéèêh" else "de "  # élision : « d'utiliser »
        raise AccessDeniedError(
            f"Votre rôle ne permet pas {de}{label}.",
            detail=f"{actor.kind} actor with role {actor.role!r} may not {action}",
        )
