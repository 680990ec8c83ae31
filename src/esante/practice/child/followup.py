"""The CS9 and CS24 answers and their CDA content (CI-SIS CSE-CS9 / CSE-CS24 2025.01).

The clinician's answers map to the codes of the CSE value sets (TA_ASIP
``1.2.250.1.213.1.1.4.322``: JDV_TypeGarde_CISIS, JDV_EnfantExposeAuxEcrans_CS24_CISIS,
JDV_ReperageTroubleNeurodeveloppement_CISIS, JDV_Activite_CISIS), as the volet's examples
do (:mod:`esante.cda.examples.certificates`); the schematrons' requirements (the childcare
question PAT-058, the mother's birth date, domestic accidents, prematurity for the CS24,
the neurodevelopment screening MED-1274) are checked here with French errors naming the
answer. The orchestration (prefill, build, validate) is :mod:`.certificates`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from esante.cda import vocabulary as v
from esante.cda.build.cse import FollowUpCertificateContent
from esante.cda.clinical import (
    Immunization,
    Observation,
    ObservationValue,
    Problem,
    Quantity,
    Relative,
)
from esante.cda.examples.certificates import OTHER_SOCIAL, sct, ta
from esante.cda.examples.clinical_data import loinc, vitamin_d
from esante.cda.examples.people import RELATIONSHIPS, phone_uri
from esante.cda.model import Code, PersonName, Telecom
from esante.practice.child.measurements import Measures
from esante.practice.errors import PracticeValidationError
from esante.store import Patient

CHILDCARE_MODES = {
    "PAT-050": ta("PAT-050", "Accueil collectif"),
    "PAT-051": ta("PAT-051", "Assistance maternelle"),
    "312385000": sct("312385000", "service de garde d'enfants à domicile"),
}
"""JDV_TypeGarde_CISIS."""
SCREEN_EXPOSURE = {
    "GEN-311": ta("GEN-311", "Jamais"),
    "GEN-312": ta("GEN-312", "< 1 fois/semaine"),
    "GEN-313": ta("GEN-313", ">= 1 fois/semaine"),
}
"""JDV_EnfantExposeAuxEcrans_CS24_CISIS."""
NO_DISORDER = sct("860642002", "absence de trouble neurodéveloppemental")
ORIENTED = ta("ORG-197", "Orientation vers une plateforme de coordination et d'orientation")
"""JDV_ReperageTroubleNeurodeveloppement_CISIS."""
ACTIVITIES = {
    code: ta(code, label)
    for code, label in (
        ("PAT-040", "Activité salariée"),
        ("PAT-042", "Retraité"),
        ("PAT-043", "Au foyer"),
        ("PAT-044", "Congé parental"),
        ("PAT-045", "Chômeur"),
        ("PAT-046", "Elève, étudiant ou en formation"),
        ("GEN-092.05.06", "Autre inactif"),
        ("GEN-092.05.05", "Autre activité"),
    )
}
"""JDV_Activite_CISIS (the parents' professional activity)."""


@dataclass(frozen=True)
class CertificateAnswers:
    """The clinician's answers (None: not answered yet); prefilled where the exam says."""

    mother_birth_date: date | None = None
    mother_activity: str | None = None
    father_activity: str | None = None
    childcare: bool | None = None
    childcare_mode: str | None = None
    children_at_home: int | None = None
    exclusive_breastfeeding_weeks: int | None = None
    domestic_accident: bool | None = None
    neurodevelopment_orientation: bool | None = None
    vitamin_d: bool = True
    screen_exposure: str | None = None
    prematurity_under_33_weeks: bool | None = None
    walking_acquired: bool | None = None
    walking_age_months: int | None = None


def _required(value: object, field: str, question: str) -> None:
    if value is None:
        raise PracticeValidationError(
            f"Répondez à la question « {question} » avant de valider le certificat.",
            detail=f"{field} not answered",
            field=f"answers.{field}",
        )


def _social(qualifier: Code, value: ObservationValue, label: str) -> Observation:
    return Observation(OTHER_SOCIAL, value, label, qualifier=qualifier)


def coded(table: dict[str, Code], value: str, field: str, what: str) -> Code:
    """The code of ``value`` in a value set ``table``; a French error naming the answer."""
    code = table.get(value)
    if code is None:
        raise PracticeValidationError(
            f"{what} inconnu(e) : « {value} » "
            f"({', '.join(f'{k} {c.display}' for k, c in table.items())}).",
            detail=f"{field} {value!r}",
            field=f"answers.{field}",
        )
    return code


def relative(patient: Patient, relationship: str, birth_date: date | None) -> Relative:
    """The parent ``MTH``/``FTH`` as the subject of a certificate's observations."""
    for r in patient.legal_representatives:
        if r.relationship_code == relationship:
            return Relative(
                relationship=Code(relationship, v.HL7_ROLE_CODE, RELATIONSHIPS[relationship]),
                name=PersonName(
                    r.family_name, r.given_name, "MME" if relationship == "MTH" else "M"
                ),
                birth_date=birth_date,
                telecoms=(Telecom(phone_uri(r.phone), "MC"),) if r.phone else (),
            )
    return Relative(
        Code(relationship, v.HL7_ROLE_CODE, RELATIONSHIPS[relationship]), birth_date=birth_date
    )


def certificate_content(
    which: str,
    answers: CertificateAnswers,
    mother: Relative,
    father: Relative | None,
    measures: Measures | None,
    immunizations: tuple[Immunization, ...],
    birth_date: date,
    examined_on: date,
) -> FollowUpCertificateContent:
    """The CS9 / CS24 content from the answers; raises a French error naming the field."""
    _required(answers.mother_birth_date, "mother_birth_date", "Date de naissance de la mère")
    _required(answers.mother_activity, "mother_activity", "Activité professionnelle de la mère")
    _required(answers.childcare, "childcare", "Faites-vous actuellement garder votre enfant ?")
    _required(answers.domestic_accident, "domestic_accident", "Accident domestique")
    _required(
        answers.neurodevelopment_orientation,
        "neurodevelopment_orientation",
        "Repérage des troubles du neurodéveloppement (orientation)",
    )
    if which == "CS24":
        _required(
            answers.prematurity_under_33_weeks,
            "prematurity_under_33_weeks",
            "Prématurité inférieure à 33 semaines",
        )
    if measures is None or not measures.cda():
        raise PracticeValidationError(
            f"Le certificat {which} reprend les mesures de l'examen : saisissez-les d'abord.",
            detail="no measurements for the exam",
            field="measurements",
        )
    activity = ta("ORG-075", "Activité professionnelle")
    social = [
        Observation(
            OTHER_SOCIAL,
            coded(ACTIVITIES, answers.mother_activity or "", "mother_activity", "Activité"),
            "Activité professionnelle",
            qualifier=activity,
            subject=mother,
        )
    ]
    if father is not None and answers.father_activity:
        social.append(
            Observation(
                OTHER_SOCIAL,
                coded(ACTIVITIES, answers.father_activity, "father_activity", "Activité"),
                "Activité professionnelle",
                qualifier=activity,
                subject=father,
            )
        )
    social += [
        _social(
            ta("PAT-058", "Faites-vous actuellement garder votre enfant ?"),
            bool(answers.childcare),
            "Enfant gardé",
        )
    ]
    if answers.childcare and answers.childcare_mode:
        mode = CHILDCARE_MODES.get(answers.childcare_mode)
        if mode is None:
            raise PracticeValidationError(
                f"Mode de garde inconnu : « {answers.childcare_mode} » "
                f"({', '.join(f'{k} {c.display}' for k, c in CHILDCARE_MODES.items())}).",
                detail=f"childcare_mode {answers.childcare_mode!r}",
                field="answers.childcare_mode",
            )
        social.append(_social(ta("PAT-048", "Type de garde de l'enfant"), mode, "Mode de garde"))
    if answers.children_at_home is not None:
        social.append(
            _social(
                loinc("85722-7", "Nombre d'enfants vivant au foyer"),
                answers.children_at_home,
                "Enfants vivant au foyer",
            )
        )
    if answers.exclusive_breastfeeding_weeks is not None:
        social.append(
            _social(
                ta(
                    "PAT-059",
                    "Durée de l'alimentation au lait maternel exclusif (à partir de la naissance)",
                ),
                Quantity(Decimal(answers.exclusive_breastfeeding_weeks), "wk"),
                "Allaitement maternel exclusif (semaines)",
            )
        )
    if which == "CS24" and answers.screen_exposure is not None:
        screens = SCREEN_EXPOSURE.get(answers.screen_exposure)
        if screens is None:
            raise PracticeValidationError(
                f"Exposition aux écrans inconnue : « {answers.screen_exposure} » "
                f"({', '.join(f'{k} {c.display}' for k, c in SCREEN_EXPOSURE.items())}).",
                detail=f"screen_exposure {answers.screen_exposure!r}",
                field="answers.screen_exposure",
            )
        social.append(
            _social(
                ta("MED-1275", "Exposition aux écrans"),
                screens,
                "Exposition aux écrans sans interaction",
            )
        )
    accident = (
        ta("MED-186", "Accident domestique avant le 9ème mois")
        if which == "CS9"
        else ta("MED-185", "Accident domestique depuis le 9ème mois")
    )
    illnesses = [Problem(accident, absent=not answers.domestic_accident)]
    if which == "CS24":
        illnesses.insert(
            0,
            Problem(
                ta("MED-183", "Prématurité inf. à 33 semaines"),
                absent=not answers.prematurity_under_33_weeks,
            ),
        )
    development = [
        Observation(
            ta("MED-1274", "Repérage troubles du neurodéveloppement"),
            ORIENTED if answers.neurodevelopment_orientation else NO_DISORDER,
            "Repérage des troubles du neurodéveloppement",
        )
    ]
    if which == "CS24" and answers.walking_acquired is not None:
        development.append(
            Observation(ta("MED-200", "Marche acquise"), answers.walking_acquired, "Marche acquise")
        )
        if answers.walking_acquired and answers.walking_age_months is not None:
            development.append(
                Observation(
                    ta("MED-201", "Âge de la marche acquise"),
                    Quantity(Decimal(answers.walking_age_months), "mo"),
                    "Âge de la marche (mois)",
                )
            )
    cda_measures = measures.cda()
    if which == "CS9":
        cda_measures = tuple(m for m in cda_measures if m.code.code != "39156-5")
    return FollowUpCertificateContent(
        social_history=social,
        past_illnesses=illnesses,
        measurements=cda_measures,
        examination_time=examined_on,
        development=development,
        immunizations=immunizations,
        administered=(vitamin_d(birth_date + timedelta(days=7)),) if answers.vitamin_d else (),
    )
