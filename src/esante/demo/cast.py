"""The demo cast and :func:`demo_dataset`, the seeded generator of the demo dataset.

The *cast* is fixed here (who is who: Lola, 13 months, seen for her 12-month exam with her
parents; Robert, heart failure, back home after a hospital stay; a newborn and children at
the ages of the compulsory exams and certificates CS8/CS9/CS24; one adult per identity
status besides QUAL...). The seed draws the details (family names, birthplaces, NIR order
numbers, RPPS/FINESS/SIRET, addresses): same ``seed`` and reference date, same dataset.
Ages are relative to the reference date (default: today) so that the child-health story
stays true whenever the demo runs: Lola is always 13 months old.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

from esante.demo.builder import PASSEPORT, DemoBuilder, Household, mail_part
from esante.demo.dataset import (
    DemoDataset,
    DemoPatient,
    DemoPractitioner,
    DemoRepresentative,
    DemoStructure,
)
from esante.demo.errors import DemoError

DEFAULT_SEED = 2025
"""Seed of the dataset ``esante demo`` loads and the documentation refers to."""

# (G15 profession, R38 specialty)
GP = ("10", "SM54")
PAEDIATRICIAN = ("10", "SM40")
CARDIOLOGIST = ("10", "SM04")
PHARMACIST = ("21", None)
MIDWIFE = ("50", None)
NURSE = ("60", None)
PHYSIOTHERAPIST = ("70", None)


class _Child(NamedTuple):
    key: str
    sex: str
    months: int
    spread_days: int
    status: str
    medecin_traitant: str | None
    story: str


class _Adult(NamedTuple):
    key: str
    sex: str
    years: int
    status: str
    first_given_name: str
    born: str
    uses_spouse_name: bool
    medecin_traitant: str
    story: str


def _structures(b: DemoBuilder) -> tuple[DemoStructure, ...]:
    return (
        b.structure(
            "cabinet",
            "Cabinet médical du Parc",
            "SA08",
            "cabinet-du-parc.mssante.fr",
            identified_by="siret",
            postal_code="69003",
            city="Lyon",
        ),
        b.structure(
            "msp",
            "Maison de santé pluriprofessionnelle des Tilleuls",
            "SA52",
            "msp-tilleuls.mssante.fr",
            identified_by="finess",
            postal_code="69100",
            city="Villeurbanne",
        ),
        b.structure(
            "centre",
            "Centre de santé Jean-Jaurès",
            "SA05",
            "cds-jean-jaures.mssante.fr",
            identified_by="finess",
            postal_code="69200",
            city="Vénissieux",
        ),
        b.structure(
            "pharmacie",
            "Pharmacie des Tilleuls",
            "SA33",
            "pharmacie-tilleuls.mssante.fr",
            identified_by="finess",
            postal_code="69100",
            city="Villeurbanne",
        ),
    )


def _practitioners(
    b: DemoBuilder, structures: dict[str, DemoStructure]
) -> tuple[DemoPractitioner, ...]:
    cabinet, msp, centre, pharmacie = (
        structures[k] for k in ("cabinet", "msp", "centre", "pharmacie")
    )
    return (
        b.practitioner("generaliste", GP, cabinet, "médecin généraliste, médecin traitant"),
        b.practitioner("generaliste-2", GP, msp, "médecin généraliste"),
        b.practitioner("pediatre", PAEDIATRICIAN, centre, "pédiatre"),
        b.practitioner("cardiologue", CARDIOLOGIST, centre, "cardiologue"),
        b.practitioner("sage-femme", MIDWIFE, msp, "sage-femme"),
        b.practitioner("infirmier", NURSE, msp, "infirmier"),
        b.practitioner("kine", PHYSIOTHERAPIST, msp, "masseur-kinésithérapeute"),
        b.practitioner("pharmacien", PHARMACIST, pharmacie, "pharmacien d'officine"),
    )


def _cast(b: DemoBuilder) -> list[DemoPatient]:
    people: list[DemoPatient] = []

    # Lola (13 months) and her parents, both patients of the practice.
    rng = b.rng("family/lola")
    home = b.household(rng)
    claire_birth_name = b.family_name(rng)
    lola_parents = (
        DemoRepresentative(
            relationship_code="MTH",
            family_name=home.family_name,
            given_name="Claire",
            sex="F",
            phone=b.mobile(rng),
            email=f"claire.{mail_part(home.family_name)}@example.org",
            patient_key="claire",
        ),
        DemoRepresentative(
            relationship_code="FTH",
            family_name=home.family_name,
            given_name="Mathieu",
            sex="M",
            phone=b.mobile(rng),
            email=f"mathieu.{mail_part(home.family_name)}@example.org",
            patient_key="mathieu",
        ),
    )
    people.append(
        b.patient(
            "lola",
            sex="F",
            birth_date=b.birth_date(rng, months=13, spread=20),
            status="QUAL",
            family=home,
            rng=b.rng("patient/lola"),
            first_given_name="Lola",
            born="69383",
            medecin_traitant="generaliste",
            representatives=lola_parents,
            story="Vue avec ses parents pour l'examen du 12e mois et ses vaccins.",
        )
    )
    people.append(
        b.patient(
            "claire",
            sex="F",
            birth_date=b.birth_date(rng, years=34, spread=364),
            status="QUAL",
            family=home,
            rng=b.rng("patient/claire"),
            first_given_name="Claire",
            birth_family_name=claire_birth_name,
            used_family_name=home.family_name,
            medecin_traitant="generaliste",
            story="Mère de Lola ; porte le nom d'usage de son époux.",
        )
    )
    people.append(
        b.patient(
            "mathieu",
            sex="M",
            birth_date=b.birth_date(rng, years=36, spread=364),
            status="QUAL",
            family=home,
            rng=b.rng("patient/mathieu"),
            first_given_name="Mathieu",
            born="2A004",
            medecin_traitant="generaliste",
            validation_mode=PASSEPORT,
            # Born in Corse-du-Sud: the NIR holds "2A", the key counts it as 19.
            story="Père de Lola, né à Ajaccio.",
        )
    )

    # The other children at the ages of the compulsory exams and certificates.
    children = (
        _Child("noah", "M", 0, 0, "PROV", None,
               "Nouveau-né de 7 jours : certificat du 8e jour (CS8) ; "
               "INS pas encore disponible."),
        _Child("jade", "F", 9, 20, "QUAL", "pediatre", "Examen du 9e mois (certificat CS9)."),
        _Child("gabriel", "M", 24, 20, "QUAL", "pediatre",
               "Examen des 24 mois (certificat CS24)."),
        _Child("louise", "F", 72, 200, "QUAL", "generaliste",
               "Examen de la 6e année ; sœur de Hugo."),
        _Child("hugo", "M", 144, 200, "QUAL", "generaliste",
               "Examen de la 11e-13e année ; frère de Louise."),
    )  # fmt: skip
    siblings: dict[str, tuple[Household, tuple[DemoRepresentative, ...]]] = {}
    for key, sex, months, spread, status, doctor, story in children:
        rng = b.rng(f"family/{key}")
        if key == "hugo":
            home, representatives = siblings["louise"]
        elif key == "louise":
            # Double family name (father's then mother's), as French law allows since 2005.
            father_name, mother_name = b.family_name(rng), b.family_name(rng)
            home = b.household(rng, family_name=f"{father_name} {mother_name}")
            representatives = tuple(
                DemoRepresentative(
                    relationship_code=code,
                    family_name=name,
                    given_name=rng.choice(b.names["given_names"][sex_]),
                    sex=sex_,
                    phone=b.mobile(rng),
                    email=f"parent.{mail_part(name)}@example.org",
                )
                for code, name, sex_ in (("MTH", mother_name, "F"), ("FTH", father_name, "M"))
            )
            siblings["louise"] = (home, representatives)
        else:
            home = b.household(rng)
            representatives = b.parents(rng, home, mother_keeps_birth_name=key != "jade")
        birth = (
            b.reference - timedelta(days=7)
            if key == "noah"
            else b.birth_date(rng, months=months, spread=spread)
        )
        people.append(
            b.patient(
                key,
                sex=sex,
                birth_date=birth,
                status=status,
                family=home,
                rng=b.rng(f"patient/{key}"),
                first_given_name=key.capitalize(),
                medecin_traitant=doctor,
                representatives=representatives,
                story=story,
            )
        )

    # Adults: one of each identity status besides QUAL, births abroad and overseas.
    adults = (
        _Adult("robert", "M", 78, "QUAL", "Robert", "33063", False, "generaliste",
               "Insuffisance cardiaque : retour à domicile après une décompensation, "
               "suivi par le cardiologue de ville."),
        _Adult("paulette", "F", 88, "QUAL", "Paulette", "21231", True, "generaliste",
               "Veuve, porte le nom d'usage de son époux ; soins infirmiers à domicile."),
        _Adult("anne-sophie", "F", 45, "QUAL", "Anne-Sophie", "97105", True, "generaliste-2",
               "Prénom composé, née en Guadeloupe, nom d'usage d'épouse."),
        _Adult("jean-pierre", "M", 61, "RECUP", "Jean-Pierre", "france", False, "generaliste-2",
               "INS récupérée par le téléservice INSi, pièce d'identité pas encore vérifiée."),
        _Adult("maria", "F", 52, "VALI", "Maria", "99139", True, "generaliste-2",
               "Née au Portugal ; identité vérifiée sur passeport, INS pas encore récupérée."),
        _Adult("yasmine", "F", 28, "PROV", "Yasmine", "abroad", False, "generaliste-2",
               "Première venue, sans pièce d'identité : identité provisoire."),
    )  # fmt: skip
    for key, sex, years, status, first, born, used, doctor, story in adults:
        rng = b.rng(f"family/{key}")
        home = b.household(rng)
        birth_name = b.family_name(rng) if used else None
        people.append(
            b.patient(
                key,
                sex=sex,
                birth_date=b.birth_date(rng, years=years, spread=364),
                status=status,
                family=home,
                rng=b.rng(f"patient/{key}"),
                first_given_name=first,
                birth_family_name=birth_name,
                used_family_name=home.family_name if used else None,
                born=born,
                medecin_traitant=doctor,
                validation_mode=PASSEPORT if key == "maria" else None,
                story=story,
            )
        )
    return people


def _extra_patient(b: DemoBuilder, index: int) -> DemoPatient:
    key = f"patient-{index:04d}"
    rng = b.rng(f"patient/{key}")
    sex = rng.choice(("M", "F"))
    family_name = rng.choice(b.names["family_names"])
    home = b.household(rng, family_name=family_name)
    status = rng.choices(("QUAL", "RECUP", "VALI", "PROV"), weights=(70, 10, 10, 10))[0]
    first = None
    if rng.random() < 0.1:
        first = rng.choice(b.names["compound_given_names"][sex])
    return b.patient(
        key,
        sex=sex,
        birth_date=b.birth_date(rng, years=rng.randrange(18, 96), spread=364),
        status=status,
        family=home,
        rng=rng,
        first_given_name=first,
        born="abroad" if rng.random() < 0.1 else "france",
        medecin_traitant=rng.choice(("generaliste", "generaliste-2")),
    )


def demo_dataset(
    seed: int = DEFAULT_SEED, *, today: date | None = None, extra_patients: int = 0
) -> DemoDataset:
    """The demo structures, practitioners and patients.

    Same ``seed`` and ``today`` give the same dataset. ``today`` (default: the current
    date) anchors the ages, so the children are always at their exam age. ``extra_patients``
    adds that many generated adults (keys ``patient-0001``...) for volume tests.
    """
    if extra_patients < 0:
        raise DemoError(
            "Nombre de patients supplémentaires invalide.",
            detail=f"extra_patients={extra_patients}",
            field="extra_patients",
        )
    b = DemoBuilder(seed, today or date.today())
    structures = _structures(b)
    practitioners = _practitioners(b, {s.key: s for s in structures})
    patients = _cast(b)
    patients.extend(_extra_patient(b, i) for i in range(1, extra_patients + 1))
    return DemoDataset(
        seed=seed,
        reference_date=b.reference,
        structures=structures,
        practitioners=practitioners,
        patients=tuple(patients),
    )
