"""Clinical content of the example documents (fictitious, plausible, with real codes).

The codes are the official ones (CIM-10, CCAM, CIS/CIP/ATC, EDQM, SNOMED CT, LOINC) so
the examples pass the terminology checks of the CI-SIS schematrons; the patients'
stories are those of the demo cast (Robert, 78, heart failure; Lola, 13 months...).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from esante.cda import vocabulary as v
from esante.cda.build.vsm import VsmContent
from esante.cda.clinical import (
    Allergy,
    FamilyHistory,
    Immunization,
    Measurement,
    Medication,
    Observation,
    Problem,
    Procedure,
    Quantity,
    Relative,
)
from esante.cda.model import Code, HealthProfessional


def cim10(code: str, label: str) -> Code:
    return Code(code, v.CIM10, label, "CIM10")


def loinc(code: str, label: str) -> Code:
    return Code(code, v.LOINC, label, "LOINC")


ORAL = Code("20053000", v.EDQM, "Voie orale", "EDQM")
INTRAMUSCULAR = Code("20035000", v.EDQM, "Voie intramusculaire", "EDQM")
LEFT_DELTOID = Code("16217701000119102", v.SNOMED_CT, "deltoïde gauche", "SNOMED CT")
DRUG_ALLERGY = Code("416098002", v.SNOMED_CT, "allergie médicamenteuse", "SNOMED CT")

WEIGHT = loinc("29463-7", "Poids")
HEIGHT = loinc("8302-2", "Taille")
HEAD_CIRCUMFERENCE = loinc("8287-5", "Périmètre crânien")
BMI = loinc("39156-5", "Index de masse corporelle (IMC)")


def vsm_content(today: date) -> VsmContent:
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


def tetanus_booster(day: date, performer: HealthProfessional) -> Immunization:
    """A tetanus booster with the product's CIS, ATC and CIP codes."""
    return Immunization(
        vaccine=Code(
            "68747507",
            v.CIS,
            "VACCIN TETANIQUE PASTEUR, suspension injectable en seringue préremplie. "
            "Vaccin tétanique adsorbé",
            "CIS",
            translations=(
                Code("J07AM", v.ATC, "vaccins tétaniques", "ATC"),
                Code(
                    "3400932857241",
                    v.CIP,
                    "VACCIN TETANIQUE PASTEUR, suspension injectable en seringue préremplie. "
                    "Vaccin tétanique adsorbé 1 seringue(s) préremplie(s) en verre de 0,5 ml",
                    "CIP",
                ),
            ),
        ),
        date=day,
        lot="T4456672",
        expiry=day.replace(year=day.year + 2),
        route=INTRAMUSCULAR,
        site=LEFT_DELTOID,
        dose_rank=4,
        performer=performer,
        comment="Pas de réaction immédiate.",
    )


def child_measurements(day: date, months: int) -> tuple[Measurement, ...]:
    """Plausible weight (g), height (cm), head circumference (cm) and BMI at ``months``."""
    weight_g = 3400 + 700 * min(months, 4) + 350 * max(min(months, 12) - 4, 0)
    weight_g += 180 * max(months - 12, 0)
    height_cm = Decimal(50) + Decimal(3) * min(months, 4) + Decimal("1.5") * max(months - 4, 0)
    height_cm = min(height_cm, Decimal(50) + Decimal("0.6") * months + 25)
    head_cm = Decimal(35) + Decimal("1.8") * min(months, 4) + Decimal("0.45") * max(months - 4, 0)
    bmi = Decimal(weight_g) / Decimal(1000) / (height_cm / 100) ** 2
    return (
        Measurement(WEIGHT, Quantity(Decimal(weight_g), "g"), day),
        Measurement(HEIGHT, Quantity(height_cm.quantize(Decimal("0.1")), "cm"), day),
        Measurement(HEAD_CIRCUMFERENCE, Quantity(head_cm.quantize(Decimal("0.1")), "cm"), day),
        Measurement(BMI, Quantity(bmi.quantize(Decimal("0.1")), "kg/m2"), day),
    )


def atc(code: str, label: str) -> Code:
    return Code(code, v.ATC, label, "ATC")


# Vaccines by antigen as the CSE value sets (JDV_VaccinCSE8/9/24) name them
DTP = atc("J07CA01", "diphtérie-poliomyélite-tétanos")
PERTUSSIS = atc("J07AJ", "vaccins coquelucheux")
HIB = atc("J07AG", "vaccins de l'Haemophilus influenzae B")
HEPATITIS_B = atc("J07BC01", "hépatite B, antigène purifié")
PNEUMOCOCCAL = atc("J07AL", "vaccins pneumococciques")
MENINGOCOCCAL_B = atc("J07AH09", "méningocoque B, vaccin multicomposant")
MENINGOCOCCAL_C = atc("J07AH07", "méningocoque C, antigène polysaccharidique purifié conjugué")
MMR = atc(
    "J07BD52", "rougeole en association aux oreillons et à la rubéole, virus vivants atténués"
)
BCG = atc("J07AN", "vaccins de la tuberculose")
VITAMIN_D = atc("A11CC05", "colécalciférol")
HEXAVALENT = (DTP, PERTUSSIS, HIB, HEPATITIS_B)

# (vaccines, age in days, rank) of the infant schedule (calendrier vaccinal 2025)
INFANT_SCHEDULE = (
    ((*HEXAVALENT, PNEUMOCOCCAL), 61, 1),
    ((MENINGOCOCCAL_B,), 91, 1),
    ((*HEXAVALENT, PNEUMOCOCCAL), 122, 2),
    ((MENINGOCOCCAL_B,), 152, 2),
    ((MENINGOCOCCAL_C,), 183, 1),
    ((*HEXAVALENT, PNEUMOCOCCAL), 335, 3),
    ((MMR, MENINGOCOCCAL_B, MENINGOCOCCAL_C), 365, 0),
    ((MMR,), 518, 2),
)


def infant_immunizations(birth: date, on: date) -> tuple[Immunization, ...]:
    """The vaccines of the infant schedule due before ``on`` (intramuscular, thigh)."""
    ranks = {MMR: 1, MENINGOCOCCAL_B: 3, MENINGOCOCCAL_C: 2}
    return tuple(
        Immunization(
            vaccine=vaccine,
            date=birth + timedelta(days=days),
            route=INTRAMUSCULAR,
            dose_rank=rank or ranks[vaccine],
        )
        for vaccines, days, rank in INFANT_SCHEDULE
        for vaccine in vaccines
        if birth + timedelta(days=days) <= on
    )


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
