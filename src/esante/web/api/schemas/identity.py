"""Response body of ``POST /api/patients/{id}/identity/reverify``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from esante.web.api.schemas.common import PublicModel
from esante.web.api.schemas.patients import PatientPublic, Status

ReverificationOutcome = Literal[
    "confirmed", "replaced", "not_confirmed", "unavailable", "failed", "not_attempted"
]
"""Values of :class:`esante.practice.reverification.Outcome` (a unit test keeps them in step)."""


class ReverificationPublic(PublicModel):
    """What the re-verification of a patient's INS through INSi came to."""

    outcome: ReverificationOutcome = Field(
        description="confirmed : INS confirmée ; replaced : INS remplacée (statut abaissé, "
        "nouvelle INS à récupérer) ; not_confirmed : INS non confirmée (statut abaissé) ; "
        "unavailable : téléservice indisponible, rien n'a changé ; failed : demande refusée "
        "ou réponse inutilisable, rien n'a changé"
    )
    label: str = Field(description="Le résultat en français")
    message: str = Field(description="Le détail en français, pour le professionnel")
    retry: bool = Field(description="Vrai quand réessayer plus tard peut aboutir")
    from_status: Status
    to_status: Status
    insi_reference: str | None = Field(description="Référence de la réponse INSi")
    new_ins: str | None = Field(
        description="INS en vigueur renvoyée quand elle remplace la détenue"
    )
    patient: PatientPublic
