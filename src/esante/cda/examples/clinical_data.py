"""Clinical content of the example documents (fictitious, plausible, with real codes).

The codes are the official ones (CIM-10, CCAM, CIS/CIP/ATC, EDQM, SNOMED CT, LOINC) so
the examples pass the terminology checks of the CI-SIS schematrons; the patients'
stories are those of the demo cast (Robert, 78, heart failure; Lola, 13 months...):
Robert's documents tell his heart failure, the other patients' a person without notable
history (a child's with the median measurements of the age, ``data/growth.json``).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from itertools import pairwise
from typing import Any

from esante.cda import vocabulary as v
from esante.cda.build.ages import completed_months
from esante.cda.build.pdf import TextSection
from esante.cda.build.substances import NO_PRODUCT
from esante.cda.build.vsm import VsmContent
from esante.cda.clinical import (
    Allergy,
    FamilyHistory,
    Measurement,
    Medication,
    Observation,
    Problem,
    Procedure,
    Quantity,
    Relative,
)
from esante.cda.model import Code
from esante.demo import DemoPatient


def cim10(code: str, label: str) -> Code:
    return Code(code, v.CIM10, label, "CIM10")


def sct(code: str, label: str) -> Code:
    return Code(code, v.SNOMED_CT, label, "SNOMED CT")


def loinc(code: str, label: str) -> Code:
    return Code(code, v.LOINC, label, "LOINC")


ORAL = Code("20053000", v.EDQM, "Voie orale", "EDQM")
DRUG_ALLERGY = Code("416098002", v.SNOMED_CT, "allergie médicamenteuse", "SNOMED CT")

WEIGHT = loinc("29463-7", "Poids")
HEIGHT = loinc("8302-2", "Taille")
HEAD_CIRCUMFERENCE = loinc("8287-5", "Périmètre crânien")
BMI = loinc("39156-5", "Index de masse corporelle (IMC)")


NO_TREATMENT = dataclasses.replace(NO_PRODUCT, display="Aucun traitement au long cours")
HEART_FAILURE = "robert"
"""The demo patient whose story is a heart failure (:mod:`esante.demo.cast`)."""


def vsm_content(person: DemoPatient, today: date) -> VsmContent:
    """The medical summary of ``person``: Robert's heart failure, else no notable history."""
    if person.key == HEART_FAILURE:
        return heart_failure_vsm(today)
    return healthy_vsm(person, today)


def healthy_vsm(person: DemoPatient, today: date) -> VsmContent:
    """A person without notable history; an adult's tobacco and alcohol habits."""
    adult = completed_months(person.birth_date, today) >= 18 * 12
    lifestyle = (
        (
            Observation(loinc("74011-8", "Consommation tabagique"), 0, "Tabac (non-fumeur)"),
            Observation(
                loinc("74013-4", "Consommation d'alcool"), 0, "Alcool (verres par semaine)"
            ),
        )
        if adult
        else ()
    )
    none = date(person.birth_date.year, person.birth_date.month, person.birth_date.day)
    return VsmContent(
        problems=(Problem(sct("160245001", "absence de problème ou d'incapacité actuels"), none),),
        history=(
            Problem(
                sct("160245001", "absence de problème ou d'incapacité actuels"),
                none,
            ),
        ),
        procedures=(Procedure(sct("1287745000", "absence d'antécédent d'acte"), None),),
        treatments=(vitamin_d(person.birth_date + timedelta(days=7)),)
        if not adult
        else (Medication(NO_TREATMENT, start=none),),
        family_history=(
            FamilyHistory(
                Relative(Code("FAMMEMB", v.HL7_ROLE_CODE, "Membre de la famille")),
                Problem(sct("160245001", "absence de problème ou d'incapacité actuels")),
            ),
        ),
        allergies=(
            Allergy(
                agent=sct("716186003", "aucune allergie connue"),
                kind=sct("420134006", "propension à des réactions indésirables"),
                start=none,
            ),
        ),
        lifestyle=lifestyle,
        vigilance="Pas d'antécédent notable, pas d'allergie connue, pas de traitement au "
        "long cours. Vaccinations à jour selon le calendrier des vaccinations.",
    )


def consultation_sections(person: DemoPatient, today: date) -> tuple[TextSection, ...]:
    """The consultation report of ``person``: Robert's heart failure follow-up, a child's
    check-up with the median measurements of the age, or an adult's check-up.
    """
    if person.key == HEART_FAILURE:
        return heart_failure_consultation()
    months = completed_months(person.birth_date, today)
    if months < 18 * 12:
        rows = tuple(measure_row(m) for m in child_measurements(today, months))
        rows += (("Examen clinique", "normal"),)
        reason = "Consultation de suivi de l'enfant."
    else:
        rows = (
            ("Pression artérielle", "122/76 mmHg"),
            ("Fréquence cardiaque", "72 /min"),
            ("Auscultation cardio-pulmonaire", "normale"),
        )
        reason = "Consultation de suivi, sans plainte particulière."
    return (
        TextSection("Motif de consultation", (reason,)),
        TextSection("Examen clinique", rows=rows),
        TextSection("Conclusion", ("Examen normal. Pas de traitement prescrit.",)),
    )


def heart_failure_consultation() -> tuple[TextSection, ...]:
    """Robert's follow-up of heart failure after his hospital stay."""
    return (
        TextSection(
            "Motif de consultation",
            ("Suivi de l'insuffisance cardiaque après hospitalisation.",),
        ),
        TextSection(
            "Examen clinique",
            rows=(
                ("Poids", "78 kg (stable)"),
                ("Pression artérielle", "128/76 mmHg"),
                ("Fréquence cardiaque", "68 /min"),
                ("Œdèmes des membres inférieurs", "absents"),
            ),
        ),
        TextSection(
            "Conclusion",
            (
                "Insuffisance cardiaque stabilisée. Poursuite du traitement. "
                "Contrôle dans trois mois, plus tôt en cas de prise de poids rapide.",
            ),
        ),
    )


def heart_failure_vsm(today: date) -> VsmContent:
    """Robert's medical summary: heart failure after a myocardial infarction."""
    return VsmContent(
        problems=(
            Problem(
                cim10("I50.0", "Insuffisance cardiaque congestive"), today - timedelta(days=400)
            ),
            Problem(cim10("I10", "Hypertension essentielle (primitive)"), date(2009, 3, 1)),
            Problem(cim10("E11.9", "Diabète sucré de type 2, sans complication"), date(2012, 6, 1)),
        ),
        history=(
            Problem(
                cim10("I21.1", "Infarctus transmural aigu du myocarde, de la paroi inférieure"),
                date(2018, 1, 14),
                date(2018, 1, 25),
                active=False,
            ),
        ),
        procedures=(
            Procedure(
                Code(
                    "DDAF004",
                    v.CCAM,
                    "Dilatation intraluminale de 2 vaisseaux coronaires avec pose "
                    "d'endoprothèse, par voie artérielle transcutanée",
                    "CCAM",
                ),
                date(2018, 1, 15),
            ),
        ),
        allergies=(
            Allergy(
                agent=Code("J01CA04", v.ATC, "amoxicilline", "ATC"),
                kind=DRUG_ALLERGY,
                reaction=cim10("L50.0", "Urticaire allergique"),
                start=date(1995, 5, 1),
            ),
        ),
        treatments=(
            Medication(
                Code(
                    "63564053",
                    v.CIS,
                    "PLAVIX 75 mg, comprimé pelliculé",
                    "CIS",
                    translations=(
                        Code(
                            "3400938022209",
                            v.CIP,
                            "PLAVIX 75 mg, comprimé pelliculé, plaquette(s) thermoformée(s) "
                            "PVC PVDC aluminium de 30 comprimé(s)",
                            "CIP",
                        ),
                    ),
                ),
                start=date(2018, 1, 25),
                dose=Quantity(Decimal(1), "{tablet}"),
                period=Quantity(Decimal(1), "d"),
                route=ORAL,
                instructions="1 comprimé par jour",
                reason=cim10(
                    "I21.1", "Infarctus transmural aigu du myocarde, de la paroi inférieure"
                ),
            ),
        ),
        family_history=(
            FamilyHistory(
                Relative(Code("FTH", v.HL7_ROLE_CODE, "Père")),
                Problem(cim10("I25.9", "Cardiopathie ischémique chronique")),
            ),
        ),
        lifestyle=(
            Observation(
                loinc("74011-8", "Consommation tabagique"),
                Quantity(Decimal(30), "{pack}/a"),
                "Tabac (paquets-années, sevré depuis 2018)",
            ),
            Observation(
                loinc("74013-4", "Consommation d'alcool"), 0, "Alcool (verres par semaine)"
            ),
        ),
        vigilance="Insuffisance cardiaque : surveillance du poids deux fois par semaine. "
        "Allergie à l'amoxicilline.",
    )


@lru_cache(maxsize=1)
def _growth() -> tuple[int, tuple[tuple[Decimal, ...], ...]]:
    raw: dict[str, Any] = json.loads(
        resources.files("esante.cda.examples").joinpath("data/growth.json").read_text("utf-8")
    )
    medians = tuple(tuple(Decimal(str(x)) for x in row) for row in raw["medians"])
    return int(raw["head_circumference_until_months"]), medians


def _median(months: int) -> tuple[Decimal, Decimal, Decimal]:
    """Weight (kg), height (cm), head circumference (cm) at ``months``, interpolated."""
    _, rows = _growth()
    age = Decimal(max(months, 0))
    for low, high in pairwise(rows):
        if low[0] <= age <= high[0]:
            share = (age - low[0]) / (high[0] - low[0])
            weight, height, head = (low[i] + (high[i] - low[i]) * share for i in (1, 2, 3))
            return weight, height, head
    return rows[-1][1], rows[-1][2], rows[-1][3]


def child_measurements(day: date, months: int) -> tuple[Measurement, ...]:
    """The median weight (g), height (cm), head circumference (cm, under 6 years) and BMI
    of a child of ``months`` completed months (``data/growth.json``).
    """
    weight, height, head = _median(months)
    weight_g = (weight * 100).quantize(Decimal(1)) * 10  # to 10 g
    bmi = weight / (height / 100) ** 2
    measurements = [
        Measurement(WEIGHT, Quantity(weight_g, "g"), day),
        Measurement(HEIGHT, Quantity(height.quantize(Decimal("0.1")), "cm"), day),
    ]
    if months < _growth()[0]:
        measurements.append(
            Measurement(HEAD_CIRCUMFERENCE, Quantity(head.quantize(Decimal("0.1")), "cm"), day)
        )
    measurements.append(Measurement(BMI, Quantity(bmi.quantize(Decimal("0.1")), "kg/m2"), day))
    return tuple(measurements)


_MEASURE_LABELS = {
    "29463-7": "Poids",
    "8302-2": "Taille",
    "8287-5": "Périmètre crânien",
    "39156-5": "Indice de masse corporelle",
}


def measure_row(measurement: Measurement) -> tuple[str, str]:
    """``("Poids", "9,50 kg")``: a measurement as the report's questionnaire shows it."""
    value, unit = measurement.value.value, measurement.value.unit
    if unit == "g":
        value, unit = value / 1000, "kg"
    text = f"{value:.2f}" if unit == "kg" else str(value)
    return _MEASURE_LABELS[
        measurement.code.code
    ], f"{text.replace('.', ',')} {unit.replace('kg/m2', 'kg/m²')}"


def atc(code: str, label: str) -> Code:
    return Code(code, v.ATC, label, "ATC")


VITAMIN_D = atc("A11CC05", "colécalciférol")


def vitamin_d(start: date) -> Medication:
    """Daily vitamin D supplementation of infants."""
    return Medication(
        VITAMIN_D,
        start=start,
        dose=Quantity(Decimal(400), "[iU]"),
        period=Quantity(Decimal(1), "d"),
        route=ORAL,
        instructions="400 UI par jour",
    )
