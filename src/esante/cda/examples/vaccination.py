"""The example vaccinations, from the French schedule (``data/vaccination_schedule.json``).

The schedule (calendrier des vaccinations 2025, cited in the data file) says which dose is
due at which age, its rank and whether it is a booster; the product table gives the CIS,
ATC and CIP codes a VAC-NOTE needs. From it:

- :func:`due_doses` — the doses on schedule for a person on a day (a VAC-NOTE example
  gives those that have a product; none: :func:`vac_note_immunizations` refuses);
- :func:`infant_history` — the doses given before an exam, antigen by antigen as the CSE
  value sets code them (JDV_VaccinCSE9 / CSE24), for the certificates CS9 and CS24;
- :func:`injection_site` — the site by age (thigh under 2 years, deltoid after),
  alternating sides when several injections are given the same day.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any

from esante.cda import vocabulary as v
from esante.cda.build.ages import AgeWindow, add_period, age_text
from esante.cda.clinical import Immunization
from esante.cda.errors import CdaBuildError
from esante.cda.model import Code, HealthProfessional

INTRAMUSCULAR = Code("20035000", v.EDQM, "Voie intramusculaire", "EDQM")


@dataclass(frozen=True)
class Product:
    """A vaccine product: CIS code and label, ATC class, CIP of its box, a (fictitious) lot."""

    key: str
    cis: str
    label: str
    atc: Code
    cip: Code | None
    lot: str

    @property
    def code(self) -> Code:
        """The CIS code with its ATC (and CIP) translations, as FR-Vaccination wants it."""
        translations = (self.atc,) + ((self.cip,) if self.cip else ())
        return Code(self.cis, v.CIS, self.label, "CIS", translations=translations)


@dataclass(frozen=True)
class Dose:
    """One dose of the schedule: recommended age, window in which it is on schedule."""

    vaccine: str
    antigens: tuple[Code, ...]
    age: str
    window: AgeWindow
    rank: int | None
    booster: bool
    product: Product | None


@dataclass(frozen=True)
class Schedule:
    doses: tuple[Dose, ...]
    products: dict[str, Product]
    antigens: dict[str, Code]
    sites: tuple[tuple[AgeWindow, tuple[Code, ...]], ...]


def _atc(code: str, label: str) -> Code:
    return Code(code, v.ATC, label, "ATC")


@lru_cache(maxsize=1)
def schedule() -> Schedule:
    """The schedule of ``data/vaccination_schedule.json``."""
    raw: dict[str, Any] = json.loads(
        resources.files("esante.cda.examples")
        .joinpath("data/vaccination_schedule.json")
        .read_text("utf-8")
    )
    antigens = {code: _atc(code, label) for code, label in raw["antigens"].items()}
    products = {
        key: Product(
            key=key,
            cis=p["cis"],
            label=p["label"],
            atc=_atc(*p["atc"]),
            cip=Code(p["cip"][0], v.CIP, p["cip"][1], "CIP") if p["cip"] else None,
            lot=p["lot"],
        )
        for key, p in raw["products"].items()
    }
    doses = tuple(
        Dose(
            vaccine=d["vaccine"],
            antigens=tuple(antigens[a] for a in d["antigens"]),
            age=d["age"],
            window=AgeWindow(*d["window"]),
            rank=d["rank"],
            booster=d["booster"],
            product=products[d["product"]] if d["product"] else None,
        )
        for d in raw["doses"]
    )
    sites = tuple(
        (
            AgeWindow(*s["window"]),
            tuple(Code(code, v.SNOMED_CT, label, "SNOMED CT") for code, label in s["sites"]),
        )
        for s in raw["injection_sites"]
    )
    return Schedule(doses, products, antigens, sites)


def antigen(code: str) -> Code:
    """The ATC code of an antigen as the CSE value sets name it (``J07AN`` BCG...)."""
    return schedule().antigens[code]


def injection_site(birth: date, on: date, index: int = 0) -> Code:
    """The intramuscular injection site at the age on ``on``; ``index``-th injection of the day."""
    for window, sites in schedule().sites:
        if window.contains(birth, on):
            return sites[index % len(sites)]
    raise ValueError(f"no injection site for birth {birth} on {on}")


def due_doses(birth: date, on: date) -> tuple[Dose, ...]:
    """The doses of the schedule on schedule for a person born ``birth`` on ``on``."""
    return tuple(d for d in schedule().doses if d.window.contains(birth, on))


def vac_note_immunizations(
    birth: date, on: date, performer: HealthProfessional, *, first_name: str = "ce patient"
) -> tuple[Immunization, ...]:
    """The vaccination a VAC-NOTE of a visit on ``on`` documents: the first due dose that
    has a product (a VAC-NOTE holds one FR-Vaccination entry; the others are named).

    Raises :class:`CdaBuildError` (French) when no dose with a product is due at that age.
    """
    doses = [d for d in due_doses(birth, on) if d.product is not None]
    if not doses:
        raise CdaBuildError(
            f"Aucune vaccination du calendrier des vaccinations 2025 n'est prévue pour "
            f"{first_name} à son âge ({age_text(birth, on)}) parmi celles des exemples "
            "d'esante : pas de note de vaccination d'exemple pour ce patient.",
            detail=f"no scheduled dose with a product for birth {birth} on {on}",
            field="patient",
        )
    # A VAC-NOTE documents one vaccination act (one FR-Vaccination entry): the first due
    # dose; the others given at the same visit are named in its comment.
    dose, others = doses[0], doses[1:]
    assert dose.product is not None
    comment = dose.vaccine + "."
    if others:
        comment += (
            " Coadministrés le même jour (notes séparées) : "
            + ", ".join(d.vaccine for d in others)
            + "."
        )
    return (
        Immunization(
            vaccine=dose.product.code,
            date=on,
            lot=dose.product.lot,
            expiry=add_period(on, "P14M"),
            route=INTRAMUSCULAR,
            site=injection_site(birth, on),
            dose_rank=dose.rank,
            booster=dose.booster,
            performer=performer,
            comment=comment + " Pas de réaction immédiate.",
        ),
    )


def infant_history(birth: date, on: date) -> tuple[Immunization, ...]:
    """The doses given at their recommended age up to ``on``, one entry per antigen."""
    history: list[Immunization] = []
    per_day: dict[date, int] = {}
    for dose in schedule().doses:
        day = add_period(birth, dose.age)
        if day > on:
            continue
        index = per_day.get(day, 0)
        per_day[day] = index + 1
        site = injection_site(birth, day, index)
        history += [
            Immunization(
                vaccine=code,
                date=day,
                route=INTRAMUSCULAR,
                site=site,
                dose_rank=dose.rank,
                booster=dose.booster,
            )
            for code in dose.antigens
        ]
    return tuple(history)


def newborn_not_given(birth: date) -> tuple[Immunization, ...]:
    """BCG and hepatitis B not given at birth (no tuberculosis risk, mother HBs negative)."""
    return tuple(
        Immunization(vaccine=antigen(code), date=birth, dose_rank=1, given=False)
        for code in ("J07AN", "J07BC01")
    )


__all__ = [
    "Dose",
    "Product",
    "antigen",
    "due_doses",
    "infant_history",
    "injection_site",
    "newborn_not_given",
    "schedule",
    "vac_note_immunizations",
]
