"""Drawing primitives of the demo generator: names, places, identifiers, records.

A :class:`DemoBuilder` turns a seed and a reference date into records. Every random draw
comes from a stream named after the record it builds (``random.Random`` seeded with a
string is stable across runs and platforms), so adding a cast member or extra patients
never changes the others. Name and place pools live in ``data/*.json``.
"""

from __future__ import annotations

import calendar
import json
import random
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any

from esante.demo import identifiers
from esante.demo.dataset import (
    DemoPatient,
    DemoPractitioner,
    DemoRepresentative,
    DemoStructure,
)
from esante.demo.errors import DemoError

# Identity validation modes: the identity document checked (codes of
# esante.identity.documents, the French FHIR core "mode de validation de l'identité").
CARTE_IDENTITE = "CN"
PASSEPORT = "PA"
LIVRET_FAMILLE = "LE"  # for a minor, shown with a parent's identity card


@cache
def _data(name: str) -> dict[str, Any]:
    text = resources.files("esante.demo").joinpath("data", name).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def mail_part(text: str) -> str:
    """ASCII, lower-case form of a name for an e-mail local part (``Lefèvre`` -> ``lefevre``)."""
    folded = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("æ", "ae"))
    ascii_text = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    return "".join(c for c in ascii_text if c.isalnum() or c == "-")


def years_months_before(reference: date, *, years: int = 0, months: int = 0) -> date:
    """The date ``years`` and ``months`` before ``reference`` (day clamped to month end)."""
    total = reference.year * 12 + (reference.month - 1) - years * 12 - months
    year, month = divmod(total, 12)
    day = min(reference.day, calendar.monthrange(year, month + 1)[1])
    return date(year, month + 1, day)


def age_label(birth_date: date, reference: date) -> str:
    """French age as clinicians say it: days under a month, months under two years."""
    days = (reference - birth_date).days
    months = (reference.year - birth_date.year) * 12 + reference.month - birth_date.month
    if reference.day < birth_date.day:
        months -= 1
    if months < 1:
        return f"{days} jour" + ("s" if days > 1 else "")
    if months < 24:
        return f"{months} mois"
    return f"{months // 12} ans"


@dataclass(frozen=True)
class Household:
    """Shared traits of a household: family name, address, phone."""

    family_name: str
    address_line: str
    postal_code: str
    city: str
    phone: str


class DemoBuilder:
    """Draws the records; one instance per :func:`demo_dataset` call."""

    def __init__(self, seed: int, reference: date) -> None:
        self.seed = seed
        self.reference = reference
        self.names = _data("names.json")
        self.places = _data("places.json")
        self.issued: dict[str, set[str]] = {
            k: set() for k in ("rpps", "finess", "siret", "nir", "mss")
        }
        self.cast_family_names: list[str] = []
        self.ipp = 0

    def rng(self, stream: str) -> random.Random:
        return random.Random(f"esante-demo/{self.seed}/{stream}")

    # -- names, places, contacts ---------------------------------------------------------

    def family_name(self, rng: random.Random) -> str:
        """A family name not yet used by the cast (the cast is small, the pool is not)."""
        pool = [n for n in self.names["family_names"] if n not in self.cast_family_names]
        name: str = rng.choice(pool)
        self.cast_family_names.append(name)
        return name

    def given_names(self, rng: random.Random, sex: str, first: str | None = None) -> str:
        """Birth given names in civil-status order: ``first`` (or a draw) then one or two."""
        pool = [n for n in self.names["given_names"][sex] if n != first]
        first_name = first or rng.choice(pool)
        others = rng.sample([n for n in pool if n != first_name], rng.choice((1, 1, 2)))
        return " ".join([first_name, *others])

    def birthplace(self, rng: random.Random, where: str = "france") -> tuple[str, str]:
        """(COG, label) of a birth commune, ``abroad`` for a country, or a fixed COG."""
        if where == "abroad":
            entry = rng.choice(self.places["birth_countries"])
        elif where == "france":
            entry = rng.choice(self.places["birth_communes"])
        else:
            entries = self.places["birth_communes"] + self.places["birth_countries"]
            found = [e for e in entries if e["cog"] == where]
            if not found:
                raise DemoError(
                    "Lieu de naissance de démonstration inconnu.", detail=f"COG {where!r}"
                )
            entry = found[0]
        return entry["cog"], entry["name"]

    def household(self, rng: random.Random, family_name: str | None = None) -> Household:
        residence = rng.choice(self.places["residences"])
        return Household(
            family_name=family_name or self.family_name(rng),
            address_line=f"{rng.randrange(1, 120)} {rng.choice(self.places['streets'])}",
            postal_code=residence["postal_code"],
            city=residence["city"],
            phone=self.mobile(rng),
        )

    @staticmethod
    def mobile(rng: random.Random) -> str:
        # 06 39 98 xx xx is the range ARCEP reserves for fiction.
        return f"06 39 98 {rng.randrange(100):02d} {rng.randrange(100):02d}"

    @staticmethod
    def landline(rng: random.Random) -> str:
        # 04 65 71 xx xx is the range ARCEP reserves for fiction (south-east).
        return f"04 65 71 {rng.randrange(100):02d} {rng.randrange(100):02d}"

    def birth_date(
        self, rng: random.Random, *, years: int = 0, months: int = 0, spread: int
    ) -> date:
        """Birth date ``years``/``months`` before the reference, minus 0..spread days."""
        anchor = years_months_before(self.reference, years=years, months=months)
        return anchor - timedelta(days=rng.randrange(spread + 1))

    def next_ipp(self) -> str:
        self.ipp += 1
        return f"IPP{self.ipp:06d}"

    # -- records -------------------------------------------------------------------------

    def structure(
        self,
        key: str,
        name: str,
        facility_type_code: str,
        domain: str,
        *,
        identified_by: str,
        postal_code: str,
        city: str,
    ) -> DemoStructure:
        rng = self.rng(f"structure/{key}")
        finess = siret = None
        if identified_by == "finess":
            finess = identifiers.finess(rng, self.issued["finess"], postal_code[:2])
        else:
            siret = identifiers.siret(rng, self.issued["siret"])
        return DemoStructure(
            key=key,
            name=name,
            facility_type_code=facility_type_code,
            practice_setting_code="AMBULATOIRE",
            address_line=f"{rng.randrange(1, 60)} {rng.choice(self.places['streets'])}",
            postal_code=postal_code,
            city=city,
            phone=self.landline(rng),
            mssante_address=f"secretariat@{domain}",
            finess=finess,
            siret=siret,
        )

    def practitioner(
        self,
        key: str,
        profession: tuple[str, str | None],
        structure: DemoStructure,
        label: str,
    ) -> DemoPractitioner:
        rng = self.rng(f"practitioner/{key}")
        sex = rng.choice(("M", "F"))
        given = rng.choice(self.names["given_names"][sex])
        family = self.family_name(rng)
        profession_code, specialty_code = profession
        civility = "DR" if profession_code in ("10", "21") else ("M" if sex == "M" else "MME")
        domain = structure.mssante_address.split("@", 1)[1]
        address = f"{mail_part(given)}.{mail_part(family)}@{domain}"
        if address in self.issued["mss"]:
            address = f"{mail_part(given)}.{mail_part(family)}.{key}@{domain}"
        self.issued["mss"].add(address)
        return DemoPractitioner(
            key=key,
            rpps=identifiers.rpps(rng, self.issued["rpps"]),
            civility=civility,
            family_name=family,
            given_name=given,
            sex=sex,
            profession_code=profession_code,
            specialty_code=specialty_code,
            structure_key=structure.key,
            mssante_address=address,
            phone=structure.phone,
            label=label,
        )

    def patient(
        self,
        key: str,
        *,
        sex: str,
        birth_date: date,
        status: str,
        family: Household,
        rng: random.Random,
        first_given_name: str | None = None,
        birth_family_name: str | None = None,
        used_family_name: str | None = None,
        born: str = "france",
        medecin_traitant: str | None,
        validation_mode: str | None = None,
        representatives: tuple[DemoRepresentative, ...] = (),
        story: str = "",
    ) -> DemoPatient:
        given_names = self.given_names(rng, sex, first_given_name)
        cog, place = self.birthplace(rng, born)
        nir = identifiers.nir(
            rng, self.issued["nir"], sex=sex, birth_date=birth_date, birthplace_cog=cog
        )
        family_name = birth_family_name or family.family_name
        is_minor = bool(representatives)
        email = None
        if not is_minor:
            first = given_names.split(" ")[0]
            shown = used_family_name or family_name
            email = f"{mail_part(first)}.{mail_part(shown)}@example.org"
        if validation_mode is None and status in ("VALI", "QUAL"):
            validation_mode = LIVRET_FAMILLE if is_minor else CARTE_IDENTITE
        return DemoPatient(
            key=key,
            local_id=self.next_ipp(),
            sex=sex,
            birth_family_name=family_name,
            birth_given_names=given_names,
            birth_date=birth_date,
            birthplace_cog=cog,
            birthplace_label=place,
            nir=nir,
            identity_status=status,
            address_line=family.address_line,
            postal_code=family.postal_code,
            city=family.city,
            phone=family.phone if is_minor else self.mobile(rng),
            email=email,
            medecin_traitant_key=medecin_traitant,
            age_label=age_label(birth_date, self.reference),
            used_family_name=used_family_name,
            identity_validation_mode=validation_mode if status in ("VALI", "QUAL") else None,
            guardian_document=(
                CARTE_IDENTITE
                if is_minor and status in ("VALI", "QUAL") and validation_mode == LIVRET_FAMILLE
                else None
            ),
            legal_representatives=representatives,
            story=story,
        )

    def parents(
        self,
        rng: random.Random,
        family: Household,
        *,
        mother_keeps_birth_name: bool,
        mother: tuple[str, str] | None = None,
        father: tuple[str, str] | None = None,
    ) -> tuple[DemoRepresentative, ...]:
        """Mère then père. ``mother``/``father`` = (given name, demo patient key) if patients."""
        mother_given = mother[0] if mother else rng.choice(self.names["given_names"]["F"])
        father_given = father[0] if father else rng.choice(self.names["given_names"]["M"])
        mother_family = self.family_name(rng) if mother_keeps_birth_name else family.family_name
        return (
            DemoRepresentative(
                relationship_code="MTH",
                family_name=mother_family,
                given_name=mother_given,
                sex="F",
                phone=self.mobile(rng),
                email=f"{mail_part(mother_given)}.{mail_part(mother_family)}@example.org",
                patient_key=mother[1] if mother else None,
            ),
            DemoRepresentative(
                relationship_code="FTH",
                family_name=family.family_name,
                given_name=father_given,
                sex="M",
                phone=self.mobile(rng),
                email=f"{mail_part(father_given)}.{mail_part(family.family_name)}@example.org",
                patient_key=father[1] if father else None,
            ),
        )
