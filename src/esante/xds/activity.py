"""The submission set's clinical activity (``contentTypeCode``) from the care episode.

XDS ``SubmissionSet.contentTypeCode`` is "the type of activity of the clinical event
that produced the submission set", a value of JDV_J59-ContentTypeCode-DMP (ANS CI-SIS,
volet transmission de documents CDA, mapping XDS, lot de soumission), whose codes come
from TRE_R209-TypeActivite (OID ``1.2.250.1.213.2.2``). The same metadata goes to the
DMP (TD2.1) and into the IHE_XDM archive of an MSSanté message.

The CI-SIS mapping proposes it from the HL7 v2 patient class (PV1-2): ``I`` → 03,
``O`` → 07, ``R`` → 19, ``N`` → 97, ``E`` → 07. esante's care episodes are kinds of
that: a consultation, a home visit or a teleconsultation is outpatient care (``O``,
07 "Consultation Soins Externes") — never 04 "Hospitalisation de Jour", which the
official examples happen to carry. A kind esante does not know is 97 (type d'activité
indifférencié, the mapping's ``N``) rather than a guess.
"""

from __future__ import annotations

from typing import Final

from esante.xds.metadata import Code

ACTIVITY_SYSTEM: Final = "1.2.250.1.213.2.2"
"""TRE_R209-TypeActivite: the code system of JDV_J59-ContentTypeCode-DMP."""

HOSPITALISATION_COMPLETE: Final = Code(
    "03", ACTIVITY_SYSTEM, "Hospitalisation complète (non compris hospitalisation de semaine)"
)
HOSPITALISATION_DE_JOUR: Final = Code("04", ACTIVITY_SYSTEM, "Hospitalisation de Jour")
CONSULTATION_SOINS_EXTERNES: Final = Code("07", ACTIVITY_SYSTEM, "Consultation Soins Externes")
TRAITEMENT_AMBULATOIRE: Final = Code("19", ACTIVITY_SYSTEM, "Traitement et Cure Ambulatoire")
INDIFFERENCIE: Final = Code("97", ACTIVITY_SYSTEM, "Type d'activité indifférencié")

PATIENT_CLASS_ACTIVITY: Final[dict[str, Code]] = {
    "I": HOSPITALISATION_COMPLETE,
    "O": CONSULTATION_SOINS_EXTERNES,
    "R": TRAITEMENT_AMBULATOIRE,
    "N": INDIFFERENCIE,
    "E": CONSULTATION_SOINS_EXTERNES,
}
"""The CI-SIS mapping of the HL7 v2 patient class (PV1-2) to contentTypeCode."""

EPISODE_PATIENT_CLASS: Final[dict[str, str]] = {
    "consultation": "O",
    "visite": "O",
    "teleconsultation": "O",
    "teleexpertise": "O",
    "urgence": "E",
    "hospitalisation": "I",
    "traitement_ambulatoire": "R",
}
"""esante's care episode kinds (``CareEpisode.kind``) as HL7 v2 patient classes."""

DEFAULT_EPISODE_KIND: Final = "consultation"
"""The episode assumed when a send has none: esante is software for ambulatory practice."""


def content_type_for_episode(kind: str | None = None) -> Code:
    """The submission set's ``contentTypeCode`` for a care episode of kind ``kind``.

    ``None`` (no episode recorded) is an ambulatory consultation; ``hospitalisation_jour``
    is 04; any other kind maps through its HL7 v2 patient class, an unknown one to 97.
    """
    normalized = (kind or DEFAULT_EPISODE_KIND).strip().lower().replace("é", "e").replace("-", "_")
    if normalized in ("hospitalisation_jour", "hospitalisation_de_jour"):
        return HOSPITALISATION_DE_JOUR
    patient_class = EPISODE_PATIENT_CLASS.get(normalized, "N")
    return PATIENT_CLASS_ACTIVITY[patient_class]
