"""What the patient reads: French labels and formats of the Mon espace santé page.

One place for the words, so that the pages and their tests agree: the DMP transactions
told the way a patient understands them (« Consultation d'un document », « Ajout d'un
document »...), the document statuses, the access modes (official labels of JDV_J38 /
TRE_R248), professions (TRE_G15) and specialties (JDV_J01), dates in Europe/Paris local
time in the French format, the INS partly masked, quantities with a decimal comma.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from esante.cda import vocabulary as v
from esante.cda.clinical import Quantity
from esante.sandbox.dmp import Action, DmpErrorCode, error_message
from esante.terminology import TerminologyError, label
from esante.trust.vocabulary import AccessMode
from esante.xds.vocabulary import AvailabilityStatus

__all__ = [
    "ACTION_LABELS",
    "STATUS_LABELS",
    "access_mode_label",
    "action_label",
    "actor_identifier",
    "document_type_label",
    "dose_label",
    "french_date",
    "french_datetime",
    "full_name",
    "mask_ins",
    "number",
    "profession_label",
    "professional_label",
    "quantity",
    "refusal_label",
    "specialty_label",
]

ACTION_LABELS: dict[Action, str] = {
    Action.AUTHENTICATE: "Authentification auprès du DMP",
    Action.TEST_EXISTENCE: "Vérification de l'existence de votre dossier",
    Action.AUTHORIZE_SELF: "Déclaration d'un accès autorisé à votre dossier",
    Action.REVOKE_OWN_AUTHORIZATION: "Retrait de sa propre autorisation d'accès",
    Action.REMOVE_SELF_AS_TREATING_PHYSICIAN: "Fin du rôle de médecin traitant DMP",
    Action.LIST_AUTHORIZED_PATIENTS: "Consultation de la liste de ses patients",
    Action.SEARCH_PATIENT_WITHOUT_INS: "Recherche de votre dossier sans INS",
    Action.CONTEXTUAL_WEB_ACCESS: "Accès web à votre dossier",
    Action.READ_ADMINISTRATIVE_DATA: "Consultation de vos données administratives",
    Action.LIST_AUTHORIZATIONS: "Consultation de la liste des professionnels autorisés",
    Action.SUBMIT: "Alimentation : ajout d'un document",
    Action.SUBMIT_BY_MEDICAL_SECRETARY: "Alimentation par un secrétariat médical",
    Action.SEARCH_METADATA: "Recherche dans vos documents",
    Action.SEARCH_REFERENCE: "Vérification de la présence d'un document",
    Action.RETRIEVE: "Consultation d'un document",
    Action.MASK: "Masquage d'un document aux professionnels",
    Action.UNMASK: "Fin du masquage d'un document aux professionnels",
    Action.MAKE_VISIBLE_TO_PATIENT: "Modification de la visibilité d'un document pour vous",
    Action.ARCHIVE: "Archivage d'un document",
    Action.UNARCHIVE: "Désarchivage d'un document",
    Action.DELETE: "Suppression d'un document",
}
"""Each DMP action, told to the patient (the access log's ``action`` column)."""

STATUS_LABELS: dict[AvailabilityStatus, str] = {
    AvailabilityStatus.SUBMITTED: "En cours d'enregistrement",
    AvailabilityStatus.APPROVED: "Disponible",
    AvailabilityStatus.DEPRECATED: "Remplacé (obsolète)",
    AvailabilityStatus.ARCHIVED: "Archivé",
    AvailabilityStatus.DELETED: "Supprimé",
}


def action_label(action: str, transaction: str) -> str:
    """The French label of a logged action (``TD3.2``, ``TD3.3a:masquer``...)."""
    try:
        return ACTION_LABELS[Action(action)]
    except ValueError:
        return f"Opération {transaction}"


def access_mode_label(mode: AccessMode) -> str:
    """The official label of an access mode (JDV_J38): « Accès en bris de glace »..."""
    try:
        return label("J38", mode.value)
    except TerminologyError:
        return mode.value


def refusal_label(error_code: str | None) -> str:
    """« Refusé » with the DMP's French reason when the code is known."""
    if not error_code:
        return "Refusé"
    try:
        return f"Refusé : {error_message(DmpErrorCode(error_code))}"
    except ValueError:
        return f"Refusé ({error_code})"


def document_type_label(code: str, scheme: str | None, display: str | None) -> str:
    """The official JDV_J07 label of a document type, else the label sent, else the code."""
    try:
        return label("J07", code, scheme or None)
    except TerminologyError:
        return display or code


def profession_label(code: str | None) -> str | None:
    """The TRE_G15 label of a profession code (``10`` → « Médecin »)."""
    if not code:
        return None
    try:
        return label("G15", code)
    except TerminologyError:
        return None


def specialty_label(code: str | None) -> str | None:
    """The JDV_J01 label of an author specialty (``G15_10/SM54`` → « Médecin - Médecine
    Générale (SM) »); ``None`` when unknown."""
    if not code:
        return None
    try:
        return label("J01", code)
    except TerminologyError:
        return None


def professional_label(profession: str | None, specialty: str | None) -> str | None:
    """What a professional is: the JDV_J01 profession and specialty (``10`` + ``SM54`` →
    « Médecin - Médecine Générale (SM) »), else the TRE_G15 profession alone."""
    if specialty and profession and not specialty.startswith("G15_"):
        found = specialty_label(f"G15_{profession}/{specialty}")
    else:
        found = specialty_label(specialty)
    return found or profession_label(profession)


def actor_identifier(id_nat_ps: str) -> str:
    """How the page names a professional's identifier: ``RPPS 10003986931`` for an
    idNat_PS made of ``8`` + RPPS, else ``idNat_PS …``."""
    if len(id_nat_ps) == 12 and id_nat_ps.startswith("8") and id_nat_ps.isdigit():
        return f"RPPS {id_nat_ps[1:]}"
    return f"idNat_PS {id_nat_ps}"


def full_name(given: str | None, family: str | None) -> str | None:
    """``Prénom NOM`` (either part may be missing); ``None`` when both are."""
    parts = [p for p in (given, family.upper() if family else None) if p]
    return " ".join(parts) or None


def mask_ins(ins: str) -> str:
    """The INS with its middle hidden: ``2 92 06 •• ••• ••• 87`` (sex, birth year and
    month, then the key), the way a screen shared with others should show it."""
    if len(ins) == 15:
        return f"{ins[0]} {ins[1:3]} {ins[3:5]} •• ••• ••• {ins[13:]}"
    if len(ins) <= 4:
        return "•" * len(ins)
    return ins[:2] + "•" * (len(ins) - 4) + ins[-2:]


def dose_label(rank: int) -> str:
    """The rank of an injection: ``1`` → « 1re dose », ``3`` → « 3e dose »."""
    return "1re dose" if rank == 1 else f"{rank}e dose"


def french_date(value: date | datetime | None) -> str:
    """``dd/mm/yyyy`` (a datetime is first put in Europe/Paris time); « — » for none."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.astimezone(v.PARIS)
    return f"{value:%d/%m/%Y}"


def french_datetime(value: datetime) -> str:
    """``dd/mm/yyyy à HH:MM``, Europe/Paris local time."""
    local = value.astimezone(v.PARIS)
    return f"{local:%d/%m/%Y à %H:%M}"


def number(value: Decimal) -> str:
    """A decimal the French way: ``75.5`` → ``75,5``; ``9180`` stays ``9180``."""
    text = format(value.normalize(), "f")
    return text.replace(".", ",")


def quantity(value: Quantity | None, *, grams_as_kg: bool = False) -> str:
    """``75,5 cm``; a weight in g shown in kg when ``grams_as_kg`` (``9,18 kg``)."""
    if value is None:
        return "—"
    if grams_as_kg and value.unit == "g":
        return f"{number(value.value / 1000)} kg"
    unit = {"kg/m2": "kg/m²", "1": ""}.get(value.unit, value.unit)
    return f"{number(value.value)} {unit}".strip()
