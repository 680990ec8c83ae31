"""Example content of the child health documents: CS8, CS9, CS24 and the exam reports.

Answers are plausible for the demo child (age from the demo reference date); the codes
come from the CSE value sets (TA_ASIP ``1.2.250.1.213.1.1.4.322``, SNOMED CT, LOINC,
PCS-INSEE) so the certificates pass the volet schematrons.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from esante.cda import vocabulary as v
from esante.cda.build.ages import completed_months
from esante.cda.build.child_exam import ChildExam
from esante.cda.build.cse import Cs8Content, FollowUpCertificateContent
from esante.cda.build.mde import CONSULTATION
from esante.cda.build.pdf import TextSection
from esante.cda.clinical import (
    Allergy,
    Observation,
    ObservationValue,
    Problem,
    Procedure,
    Quantity,
    Relative,
)
from esante.cda.examples.clinical_data import (
    child_measurements,
    loinc,
    measure_row,
    vitamin_d,
)
from esante.cda.examples.people import (
    RELATIONSHIPS,
    example_header,
    phone_uri,
    split_address,
)
from esante.cda.examples.vaccination import infant_history, newborn_not_given
from esante.cda.model import Code, DocumentHeader, PersonName, Telecom
from esante.demo import DemoDataset, DemoPatient

TITLES = {
    "CS8": "Premier certificat de santé (dans les 8 jours suivant la naissance)",
    "CS9": "Deuxième certificat de santé (au cours du 9e mois)",
    "CS24": "Troisième certificat de santé (au cours du 24e mois)",
}
CORRESPONDENT = Code("CORRE", v.CODE_SYSTEM_FUNCTION_ROLES, "Correspondant")
OTHER_SOCIAL = loinc("11345-6", "Autre élément social")


def ta(code: str, label: str) -> Code:
    return Code(code, v.TA_ASIP, label, "TA_ASIP")


def sct(code: str, label: str) -> Code:
    return Code(code, v.SNOMED_CT, label, "SNOMED CT")


def certificate_header(
    data: DemoDataset, which: str, patient: str, author: str, ins: str | None
) -> DocumentHeader:
    """Header of a CS8/CS9/CS24 example: CERT_DECL, consultation, parents as informants."""
    from esante.cda.build.cse import TYPE_CODE

    return example_header(
        data,
        type_code=TYPE_CODE,
        title=TITLES[which],
        patient_key=patient,
        author_key=author,
        service_event=CONSULTATION,
        ins=ins,
        with_informants=True,
        participant_function=CORRESPONDENT,
    )


def _parent(data: DemoDataset, person: DemoPatient, relationship: str) -> Relative | None:
    for r in person.legal_representatives:
        if r.relationship_code == relationship:
            born = (
                data.patient(r.patient_key).birth_date
                if r.patient_key
                else person.birth_date - timedelta(days=365 * 31 + 40)
            )
            return Relative(
                relationship=Code(relationship, v.HL7_ROLE_CODE, RELATIONSHIPS[relationship]),
                name=PersonName(r.family_name, r.given_name, "MME" if r.sex == "F" else "M"),
                birth_date=born,
                address=split_address(person.address_line, person.postal_code, person.city, "H"),
                telecoms=(Telecom(phone_uri(r.phone), "MC"),),
            )
    return None


def _social(
    qualifier: Code, value: ObservationValue, label: str, subject: Relative | None = None
) -> Observation:
    return Observation(OTHER_SOCIAL, value, label, qualifier=qualifier, subject=subject)


def _parents_social(mother: Relative, father: Relative | None) -> list[Observation]:
    items = [
        _social(
            loinc("82589-3", "Niveau d'études"),
            ta("PAT-039", "Bac +3 et +"),
            "Niveau d'études",
            mother,
        ),
        _social(
            ta("ORG-099", "Profession"),
            Code("3", v.PCS_INSEE, "Cadre ou profession intellectuelle supérieure", "PCS-INSEE"),
            "Profession",
            mother,
        ),
        _social(
            ta("ORG-075", "Activité professionnelle"),
            ta("PAT-044", "Congé parental"),
            "Activité professionnelle",
            mother,
        ),
    ]
    if father is not None:
        items += [
            _social(
                loinc("82589-3", "Niveau d'études"),
                ta("PAT-038", "Bac +1 ou +2"),
                "Niveau d'études",
                father,
            ),
            _social(
                ta("ORG-075", "Activité professionnelle"),
                ta("PAT-040", "Activité salariée"),
                "Activité professionnelle",
                father,
            ),
        ]
    return items


def _mother(data: DemoDataset, patient: str) -> tuple[DemoPatient, Relative, Relative | None]:
    person = data.patient(patient)
    mother = _parent(data, person, "MTH")
    if mother is None:
        mother = Relative(Code("MTH", v.HL7_ROLE_CODE, "Mère"), birth_date=date(1992, 1, 1))
    return person, mother, _parent(data, person, "FTH")


def cs8_content(data: DemoDataset, patient: str, header: DocumentHeader) -> Cs8Content:
    """A normal birth at term; hearing screening to be repeated."""
    person, mother, father = _mother(data, patient)
    birth = person.birth_date
    social = [
        *_parents_social(mother, father),
        Observation(
            loinc("74013-4", "Consommation d'alcool"),
            0,
            "Consommation d'alcool (verres par semaine)",
            subject=mother,
        ),
        Observation(
            loinc("74011-8", "Consommation tabagique"),
            0,
            "Consommation de tabac (cigarettes par jour)",
            subject=mother,
        ),
        _social(ta("GEN-092.01.04", "Autre addiction"), False, "Autre addiction", mother),
        _social(
            loinc("85722-7", "Nombre d'enfants vivant au foyer"),
            0,
            "Enfants vivant au foyer avant la naissance",
        ),
        _social(
            loinc("67704-7", "Type d'alimentation"),
            ta("MED-1256", "Alimentation lait maternel exclusif"),
            "Type d'alimentation de l'enfant",
        ),
        _social(
            ta("MED-183", "Facteurs de risque familiaux de tuberculose"),
            False,
            "Risque de tuberculose",
        ),
    ]
    pregnancy = [
        Observation(
            loinc("11996-6", "Gestité (nombre total de grossesses y compris actuelle)"),
            1,
            "Gestité",
        ),
        Observation(
            loinc("11977-6", "Parité (nombre total d'accouchements y compris actuel)"), 1, "Parité"
        ),
        Observation(
            loinc("75200-6", "Date de la première consultation (déclaration de grossesse)"),
            sct("57630001", "premier trimestre de la grossesse"),
            "Première consultation prénatale",
        ),
        Observation(
            Code("O14.9", v.CIM10, "Prééclampsie, sans précision", "CIM10"), False, "Prééclampsie"
        ),
        Observation(
            Code("O24.4", v.CIM10, "Diabète sucré survenant au cours de la grossesse", "CIM10"),
            False,
            "Diabète gestationnel",
        ),
    ]
    antenatal = [
        Observation(
            ta("GEN-078", "Dépistage biologique de la trisomie 21"),
            True,
            "Dépistage de la trisomie 21",
        ),
        Observation(ta("ORG-079", "Nombre total d'échographies"), 3, "Nombre d'échographies"),
        Observation(ta("ORG-080", "Echographie morphologique"), True, "Échographie morphologique"),
        Observation(
            ta("GEN-079", "Entretien prénatal précoce"), True, "Entretien prénatal précoce"
        ),
        Observation(
            loinc("51659-1", "Recherche Ag Hbs"),
            sct(
                "406118005",
                "dosage immuno-enzymatique de l'antigène de surface de l'hépatite B négatif",
            ),
            "Recherche de l'antigène HBs",
        ),
    ]
    labor = [
        Observation(loinc("55281-0", "Nombre de fœtus"), 1, "Nombre de fœtus"),
        Observation(
            loinc("11885-1", "Age gestationnel (semaines d'amenorrhées révolues)"),
            39,
            "Âge gestationnel (SA)",
        ),
        Observation(
            loinc("73813-8", "Caractéristiques du travail"),
            sct("84457005", "déclenchement spontané du travail"),
            "Début du travail",
        ),
        Observation(
            ta("MED-168", "Analgésie au cours du travail"),
            sct("18946005", "anesthésie épidurale"),
            "Analgésie",
        ),
        Observation(
            loinc("57071-3", "Méthode d'accouchement"),
            sct("700000006", "voie basse spontanée"),
            "Mode d'accouchement",
        ),
    ]
    measurements = list(child_measurements(birth, 0))[:3]
    acts = [
        Procedure(ta("MED-174", "Gestes techniques spécialisés"), birth, done=False),
        Procedure(
            ta("MED-1304", "Dépistage de la surdité"),
            birth + timedelta(days=2),
            results=(
                Observation(
                    ta("MED-1305", "Résultat du dépistage de la surdité"),
                    ta("MED-178", "Test auditif normal"),
                    "Résultat du dépistage de la surdité",
                ),
            ),
        ),
    ]
    return Cs8Content(
        mother=mother,
        immunizations=newborn_not_given(birth),
        social_history=social,
        pregnancy_history=pregnancy,
        antenatal_tests=antenatal,
        labor_and_delivery=labor,
        birth_measurements=measurements,
        birth_time=birth,
        newborn_acts=acts,
    )


def _accidents(code: str, label: str) -> Problem:
    return Problem(ta(code, label), absent=True)


def _follow_up(
    data: DemoDataset, patient: str, header: DocumentHeader, which: str
) -> FollowUpCertificateContent:
    person, mother, father = _mother(data, patient)
    today = header.effective_time.date()
    months = completed_months(person.birth_date, today)
    social = [
        *_parents_social(mother, father),
        _social(
            ta("PAT-058", "Faites-vous actuellement garder votre enfant ?"), True, "Enfant gardé"
        ),
        _social(
            ta("PAT-048", "Type de garde de l'enfant"),
            ta("PAT-051", "Assistance maternelle"),
            "Mode de garde",
        ),
        _social(loinc("85722-7", "Nombre d'enfants vivant au foyer"), 1, "Enfants vivant au foyer"),
        _social(
            ta(
                "PAT-059",
                "Durée de l'alimentation au lait maternel exclusif (à partir de la naissance)",
            ),
            Quantity(Decimal(16), "wk"),
            "Allaitement maternel exclusif (semaines)",
        ),
    ]
    if which == "CS24":
        social.append(
            _social(
                ta("MED-1275", "Exposition aux écrans"),
                ta("GEN-312", "< 1 fois/semaine"),
                "Exposition aux écrans sans interaction",
            )
        )
    if which == "CS9":
        illnesses = [_accidents("MED-186", "Accident domestique avant le 9ème mois")]
    else:
        illnesses = [
            Problem(ta("MED-183", "Prématurité inf. à 33 semaines"), absent=True),
            _accidents("MED-185", "Accident domestique depuis le 9ème mois"),
        ]
    development = [
        Observation(
            ta("MED-1274", "Repérage troubles du neurodéveloppement"),
            sct("860642002", "absence de trouble neurodéveloppemental"),
            "Repérage des troubles du neurodéveloppement",
        ),
    ]
    if which == "CS24":
        development += [
            Observation(ta("MED-200", "Marche acquise"), True, "Marche acquise"),
            Observation(
                ta("MED-201", "Âge de la marche acquise"),
                Quantity(Decimal(13), "mo"),
                "Âge de la marche (mois)",
            ),
        ]
    measurements = child_measurements(today, months)
    if which == "CS9":
        measurements = measurements[:3]
    allergies: tuple[Allergy, ...] = ()
    return FollowUpCertificateContent(
        immunizations=infant_history(person.birth_date, today),
        administered=(vitamin_d(person.birth_date + timedelta(days=7)),),
        social_history=social,
        past_illnesses=illnesses,
        measurements=measurements,
        examination_time=today,
        development=development,
        allergies=allergies,
    )


def cs9_content(
    data: DemoDataset, patient: str, header: DocumentHeader
) -> FollowUpCertificateContent:
    """Jade at 9 months: cared for by a childminder, normal development."""
    return _follow_up(data, patient, header, "CS9")


def cs24_content(
    data: DemoDataset, patient: str, header: DocumentHeader
) -> FollowUpCertificateContent:
    """Gabriel at 2 years: walking since 13 months, no accident."""
    return _follow_up(data, patient, header, "CS24")


def child_exam_answers(exam: ChildExam, person: DemoPatient, on: date) -> tuple[TextSection, ...]:
    """The questionnaire of ``exam`` answered for a child developing normally."""
    months = completed_months(person.birth_date, on)
    measures = TextSection(
        "Mesures", rows=tuple(measure_row(m) for m in child_measurements(on, months))
    )
    themes = TextSection(
        "Points examinés",
        rows=tuple((theme, "Normal, sans particularité") for theme in exam.themes),
    )
    conclusion = TextSection(
        "Conclusion",
        (
            "Examen normal. Croissance harmonieuse, développement adapté à l'âge.",
            "Carnet de santé mis à jour. Prochain examen selon le calendrier.",
        ),
    )
    return (measures, themes, conclusion)
