"""The certificate of the 8 days (CS8): its answers, prefilled from the exam, and its content.

The CS8 (Code de la santé publique, art. R.2132-3; CI-SIS CSE-CS8 2025.01) holds what the
maternity knows — the mother's pregnancy, the antenatal tests, labour and delivery — and
the newborn's first days: measurements at birth, hearing screening, feeding. The
practice's record holds the child's identity, parents, measurements and the 8-day exam:
those prefill the form (birth measurements, feeding and hearing screening when the exam's
answer says so plainly); the maternity's facts are the clinician's to enter, from the
carnet de santé. The answers map to the codes of the CSE value sets (JDV_DateCons,
JDV_RechAgHbS, JDV_ModeDebutTravail, JDV_TypeAnalgesie, JDV_MethodeAccouchement,
JDV_TypeAllaitementNouveauNe, JDV_ResultatDepistageSurdite — TA_ASIP, SNOMED CT), as the
volet's example does (:func:`esante.cda.examples.certificates.cs8_content`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from esante.cda import vocabulary as v
from esante.cda.build.cse import Cs8Content
from esante.cda.clinical import Immunization, Observation, Procedure, Relative
from esante.cda.examples.certificates import OTHER_SOCIAL, sct, ta
from esante.cda.examples.clinical_data import loinc
from esante.cda.examples.vaccination import newborn_not_given
from esante.cda.model import Code
from esante.practice.child.measurements import Measures
from esante.practice.errors import PracticeValidationError

FIRST_CONSULTATION = {
    "GEN-109": ta("GEN-109", "Non suivie"),
    "57630001": sct("57630001", "premier trimestre de la grossesse"),
    "59466002": sct("59466002", "deuxième trimestre de la grossesse"),
    "41587001": sct("41587001", "troisième trimestre de la grossesse"),
}
HBS = {
    "406117000": sct(
        "406117000", "dosage immuno-enzymatique de l'antigène de surface de l'hépatite B positif"
    ),
    "406118005": sct(
        "406118005", "dosage immuno-enzymatique de l'antigène de surface de l'hépatite B négatif"
    ),
    "261665006": sct("261665006", "inconnu"),
}
LABOUR_START = {
    "84457005": sct("84457005", "déclenchement spontané du travail"),
    "112070001": sct("112070001", "déclenchement provoqué du travail"),
    "11466000": sct("11466000", "césarienne"),
}
ANALGESIA = {
    "50697003": sct("50697003", "anesthésie générale"),
    "231249005": sct("231249005", "anesthésie rachidienne"),
    "18946005": sct("18946005", "anesthésie épidurale"),
    "MED-222": ta("MED-222", "Pas d'anesthésie"),
    "GEN-092.03.04": ta("GEN-092.03.04", "Autre anesthésie"),
}
DELIVERY = {
    "700000006": sct("700000006", "voie basse spontanée"),
    "236974004": sct("236974004", "voie basse instrumentale"),
    "MED-1273": ta("MED-1273", "Césarienne programmée"),
    "MED-1253": ta("MED-1253", "Césarienne pendant travail"),
}
FEEDING = {
    "MED-1256": ta("MED-1256", "Alimentation lait maternel exclusif"),
    "MED-1257": ta("MED-1257", "Alimentation mixte"),
    "MED-1258": ta("MED-1258", "Alimentation lait artificiel exclusif"),
}
HEARING = {
    "MED-178": ta("MED-178", "Test auditif normal"),
    "MED-179": ta("MED-179", "Audition à recontrôler"),
}


@dataclass(frozen=True)
class Cs8Answers:
    """The CS8's questions (None: not answered yet)."""

    mother_birth_date: date | None = None
    mother_activity: str | None = None
    alcohol_glasses_per_week: int | None = None
    tobacco_cigarettes_per_day: int | None = None
    other_addiction: bool | None = None
    children_at_home_before: int | None = None
    feeding: str | None = None
    tuberculosis_risk: bool | None = None
    gravidity: int | None = None
    parity: int | None = None
    first_consultation: str | None = None
    preeclampsia: bool | None = None
    gestational_diabetes: bool | None = None
    trisomy_screening: bool | None = None
    ultrasound_count: int | None = None
    morphology_ultrasound: bool | None = None
    early_prenatal_interview: bool | None = None
    hbs: str | None = None
    fetuses: int | None = None
    gestational_age_weeks: int | None = None
    labour_start: str | None = None
    analgesia: str | None = None
    delivery: str | None = None
    hearing_screening_done: bool | None = None
    hearing_result: str | None = None
    specialised_acts: bool = False


QUESTIONS: Mapping[str, str] = {
    "mother_birth_date": "Date de naissance de la mère",
    "mother_activity": "Activité professionnelle de la mère",
    "alcohol_glasses_per_week": "Consommation d'alcool (verres par semaine)",
    "tobacco_cigarettes_per_day": "Consommation de tabac (cigarettes par jour)",
    "other_addiction": "Autre addiction",
    "children_at_home_before": "Enfants vivant au foyer avant la naissance",
    "feeding": "Type d'alimentation de l'enfant",
    "tuberculosis_risk": "Risque de tuberculose",
    "gravidity": "Gestité",
    "parity": "Parité",
    "first_consultation": "Première consultation prénatale",
    "preeclampsia": "Prééclampsie",
    "gestational_diabetes": "Diabète gestationnel",
    "trisomy_screening": "Dépistage de la trisomie 21",
    "ultrasound_count": "Nombre d'échographies",
    "morphology_ultrasound": "Échographie morphologique",
    "early_prenatal_interview": "Entretien prénatal précoce",
    "hbs": "Recherche de l'antigène HBs",
    "fetuses": "Nombre de fœtus",
    "gestational_age_weeks": "Âge gestationnel (SA)",
    "labour_start": "Début du travail",
    "analgesia": "Analgésie",
    "delivery": "Mode d'accouchement",
    "hearing_screening_done": "Dépistage de la surdité réalisé",
}
"""The questions that must be answered, in the order of the certificate."""


def prefill(answers: Mapping[str, str]) -> Cs8Answers:
    """What the 8-day exam's answers say plainly (feeding, hearing screening)."""
    feeding_text = answers.get("Alimentation (allaitement maternel, préparation)", "").lower()
    feeding = None
    if "mixte" in feeding_text:
        feeding = "MED-1257"
    elif "exclusif" in feeding_text and ("maternel" in feeding_text or "sein" in feeding_text):
        feeding = "MED-1256"
    elif "artificiel" in feeding_text:
        feeding = "MED-1258"
    hearing_text = answers.get("Dépistage de la surdité permanente néonatale", "").lower()
    done, result = None, None
    if hearing_text.startswith(("oui", "fait", "réalisé")):
        done = True
        result = "MED-179" if "recontr" in hearing_text else "MED-178"
    elif hearing_text.startswith(("non", "pas")):
        done = False
    return Cs8Answers(feeding=feeding, hearing_screening_done=done, hearing_result=result)


def _code(table: Mapping[str, Code], value: str | None, field: str) -> Code:
    code = table.get(value or "")
    if code is None:
        raise PracticeValidationError(
            f"{QUESTIONS.get(field, field)} : valeur inconnue « {value} » "
            f"({', '.join(f'{k} {c.display}' for k, c in table.items())}).",
            detail=f"{field} {value!r}",
            field=f"answers.{field}",
        )
    return code


def check(answers: Cs8Answers) -> None:
    for field, question in QUESTIONS.items():
        if getattr(answers, field) is None:
            raise PracticeValidationError(
                f"Répondez à la question « {question} » avant de valider le certificat.",
                detail=f"{field} not answered",
                field=f"answers.{field}",
            )


def cs8_content(
    answers: Cs8Answers,
    mother: Relative,
    activity: Code,
    birth_date: date,
    birth_measures: Measures | None,
    immunizations: tuple[Immunization, ...],
) -> Cs8Content:
    """The CS8 content from the answers; a French error naming the field."""
    check(answers)
    if birth_measures is None or not birth_measures.cda():
        raise PracticeValidationError(
            "Le certificat CS8 reprend les mesures à la naissance : saisissez-les d'abord.",
            detail="no birth measurements",
            field="measurements",
        )

    def social(qualifier: Code, value: bool | int | Code, label: str) -> Observation:
        return Observation(OTHER_SOCIAL, value, label, qualifier=qualifier)

    social_history = [
        Observation(
            OTHER_SOCIAL,
            activity,
            "Activité professionnelle",
            qualifier=ta("ORG-075", "Activité professionnelle"),
            subject=mother,
        ),
        Observation(
            loinc("74013-4", "Consommation d'alcool"),
            answers.alcohol_glasses_per_week or 0,
            QUESTIONS["alcohol_glasses_per_week"],
            subject=mother,
        ),
        Observation(
            loinc("74011-8", "Consommation tabagique"),
            answers.tobacco_cigarettes_per_day or 0,
            QUESTIONS["tobacco_cigarettes_per_day"],
            subject=mother,
        ),
        Observation(
            OTHER_SOCIAL,
            bool(answers.other_addiction),
            "Autre addiction",
            qualifier=ta("GEN-092.01.04", "Autre addiction"),
            subject=mother,
        ),
        social(
            loinc("85722-7", "Nombre d'enfants vivant au foyer"),
            answers.children_at_home_before or 0,
            QUESTIONS["children_at_home_before"],
        ),
        social(
            loinc("67704-7", "Type d'alimentation"),
            _code(FEEDING, answers.feeding, "feeding"),
            QUESTIONS["feeding"],
        ),
        social(
            ta("MED-183", "Facteurs de risque familiaux de tuberculose"),
            bool(answers.tuberculosis_risk),
            QUESTIONS["tuberculosis_risk"],
        ),
    ]
    pregnancy = [
        Observation(
            loinc("11996-6", "Gestité (nombre total de grossesses y compris actuelle)"),
            answers.gravidity or 0,
            QUESTIONS["gravidity"],
        ),
        Observation(
            loinc("11977-6", "Parité (nombre total d'accouchements y compris actuel)"),
            answers.parity or 0,
            QUESTIONS["parity"],
        ),
        Observation(
            loinc("75200-6", "Date de la première consultation (déclaration de grossesse)"),
            _code(FIRST_CONSULTATION, answers.first_consultation, "first_consultation"),
            QUESTIONS["first_consultation"],
        ),
        Observation(
            Code("O14.9", v.CIM10, "Prééclampsie, sans précision", "CIM10"),
            bool(answers.preeclampsia),
            QUESTIONS["preeclampsia"],
        ),
        Observation(
            Code("O24.4", v.CIM10, "Diabète sucré survenant au cours de la grossesse", "CIM10"),
            bool(answers.gestational_diabetes),
            QUESTIONS["gestational_diabetes"],
        ),
    ]
    antenatal = [
        Observation(
            ta("GEN-078", "Dépistage biologique de la trisomie 21"),
            bool(answers.trisomy_screening),
            QUESTIONS["trisomy_screening"],
        ),
        Observation(
            ta("ORG-079", "Nombre total d'échographies"),
            answers.ultrasound_count or 0,
            QUESTIONS["ultrasound_count"],
        ),
        Observation(
            ta("ORG-080", "Echographie morphologique"),
            bool(answers.morphology_ultrasound),
            QUESTIONS["morphology_ultrasound"],
        ),
        Observation(
            ta("GEN-079", "Entretien prénatal précoce"),
            bool(answers.early_prenatal_interview),
            QUESTIONS["early_prenatal_interview"],
        ),
        Observation(
            loinc("51659-1", "Recherche Ag Hbs"), _code(HBS, answers.hbs, "hbs"), QUESTIONS["hbs"]
        ),
    ]
    labour = [
        Observation(loinc("55281-0", "Nombre de fœtus"), answers.fetuses or 1, "Nombre de fœtus"),
        Observation(
            loinc("11885-1", "Age gestationnel (semaines d'amenorrhées révolues)"),
            answers.gestational_age_weeks or 0,
            QUESTIONS["gestational_age_weeks"],
        ),
        Observation(
            loinc("73813-8", "Caractéristiques du travail"),
            _code(LABOUR_START, answers.labour_start, "labour_start"),
            QUESTIONS["labour_start"],
        ),
        Observation(
            ta("MED-168", "Analgésie au cours du travail"),
            _code(ANALGESIA, answers.analgesia, "analgesia"),
            QUESTIONS["analgesia"],
        ),
        Observation(
            loinc("57071-3", "Méthode d'accouchement"),
            _code(DELIVERY, answers.delivery, "delivery"),
            QUESTIONS["delivery"],
        ),
    ]
    hearing = Procedure(
        ta("MED-1304", "Dépistage de la surdité"),
        birth_date + timedelta(days=2),
        done=bool(answers.hearing_screening_done),
        results=(
            Observation(
                ta("MED-1305", "Résultat du dépistage de la surdité"),
                _code(HEARING, answers.hearing_result, "hearing_result"),
                "Résultat du dépistage de la surdité",
            ),
        )
        if answers.hearing_screening_done
        else (),
    )
    acts = [
        Procedure(
            ta("MED-174", "Gestes techniques spécialisés"),
            birth_date,
            done=answers.specialised_acts,
        ),
        hearing,
    ]
    measures = tuple(m for m in birth_measures.cda() if m.code.code != "39156-5")
    return Cs8Content(
        mother=mother,
        immunizations=immunizations or newborn_not_given(birth_date),
        social_history=social_history,
        pregnancy_history=pregnancy,
        antenatal_tests=antenatal,
        labor_and_delivery=labour,
        birth_measurements=measures,
        birth_time=birth_date,
        newborn_acts=acts,
    )
