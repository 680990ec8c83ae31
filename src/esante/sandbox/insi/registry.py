"""The people the sandbox INSi knows: the demo dataset's, and the cases it must show.

Every demo patient is found with his NIR (the test NIR OID) and traits in INSi spelling.
Four more identities exist only here, for the answers a practice must handle (INS
implementation guide, "cas particuliers"):

* two homonyms — same birth name, first given name, sex and birth date, different other
  given names and place of birth: a search with the first given name answers ``02``;
  adding the other given names (or the place of birth) answers ``00``;
* a person born abroad whose INS is a NIA (``1.2.250.1.213.1.4.9``), provisional;
* a person whose NIA was replaced by a NIR: the answer carries the NIR in ``INSACTIF``
  and the NIA in ``INSHISTO`` (a held NIA is then "replaced", not unknown).

The extra NIR / NIA are made here with valid keys (:func:`esante.identity.nir_key`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from esante.demo import DemoDataset, demo_dataset
from esante.identity import InsKind, check_ins, ins_name, nir_key
from esante.identity.insi import InsiIndividual, InsiTraits, InsRecord, LunarDate

__all__ = ["InsiPerson", "InsiRegistry", "sandbox_registry"]


def _with_key(body: str) -> str:
    return f"{body}{nir_key(body):02d}"


def _names(text: str) -> str:
    return " ".join(ins_name(word) for word in text.split())


@dataclass(frozen=True)
class InsiPerson:
    """One identity of the RNIPP as the sandbox holds it."""

    individual: InsiIndividual
    insured_nirs: tuple[str, ...] = ()
    """13-character numbers of the insured persons whose card carries this beneficiary."""
    birth_rank: int = 1
    key: str = ""

    @property
    def traits(self) -> InsiTraits:
        return self.individual.traits

    def matricules(self) -> tuple[str, ...]:
        records = (self.individual.active, *self.individual.history)
        return tuple(r.matricule[:13] for r in records)


def _person(
    key: str,
    matricule: str,
    oid: str,
    *,
    name: str,
    given: str,
    sex: str,
    born: date,
    place: str | None,
    history: tuple[InsRecord, ...] = (),
    insured: tuple[str, ...] = (),
) -> InsiPerson:
    given_names = _names(given)
    traits = InsiTraits(
        _names(name), given_names.split()[0], given_names, sex, LunarDate.of(born), place
    )
    active = InsRecord(check_ins(matricule, oid))
    return InsiPerson(InsiIndividual(active, traits, history), insured, key=key)


def _extra_people() -> list[InsiPerson]:
    test_oid = InsKind.NIR_TEST.oid
    born = date(1985, 4, 12)
    nia_replaced = _with_key("7010999134077")  # 7: a man's NIA, as the NIR that replaced it
    return [
        _person(
            "homonyme-1",
            _with_key("2850469123145"),
            test_oid,
            name="Martin",
            given="Camille Élise",
            sex="F",
            born=born,
            place="69123",
        ),
        _person(
            "homonyme-2",
            _with_key("2850413055231"),
            test_oid,
            name="Martin",
            given="Camille Rose",
            sex="F",
            born=born,
            place="13055",
        ),
        _person(
            "nia",
            _with_key("7920399350012"),
            InsKind.NIA.oid,
            name="Benali",
            given="Karim",
            sex="M",
            born=date(1992, 3, 8),
            place="99350",
        ),
        _person(
            "ins-change",
            _with_key("1010999134062"),
            test_oid,
            name="Petit",
            given="Théo Marc",
            sex="M",
            born=date(2001, 9, 30),
            place="99134",
            history=(InsRecord(check_ins(nia_replaced, InsKind.NIA.oid), None, date(2024, 1, 15)),),
        ),
    ]


class InsiRegistry:
    """The identities and the two searches of the service."""

    def __init__(self, people: list[InsiPerson]) -> None:
        self.people = tuple(people)

    def by_key(self, key: str) -> InsiPerson:
        return next(p for p in self.people if p.key == key)

    def search_traits(
        self,
        birth_name: str,
        given_names: tuple[str, ...],
        sex: str,
        birth_date: date,
        birthplace_cog: str | None,
    ) -> list[InsiPerson]:
        """People whose traits match: names in INSi spelling, the given names sent a
        leading part of the person's list, the place of birth when sent."""
        found = []
        for person in self.people:
            traits = person.traits
            listed = tuple(traits.given_names.split())
            if (
                traits.birth_name == birth_name
                and traits.sex == sex
                and traits.birth_date.date == birth_date
                and listed[: len(given_names)] == given_names
                and (birthplace_cog is None or traits.birthplace_cog == birthplace_cog)
            ):
                found.append(person)
        return found

    def search_vitale(
        self,
        insured_nir: str,
        birth_date: LunarDate,
        birth_rank: int,
        beneficiary_nir: str | None,
        birth_name: str | None,
    ) -> list[InsiPerson]:
        """People the card designates: the beneficiary's own number when the card holds
        it, else the insured's number; then birth date, rank and birth name."""
        found = []
        for person in self.people:
            numbers = person.matricules()
            if beneficiary_nir is not None:
                if beneficiary_nir not in numbers:
                    continue
            elif insured_nir not in numbers and insured_nir not in person.insured_nirs:
                continue
            if person.traits.birth_date != birth_date or person.birth_rank != birth_rank:
                continue
            if birth_name is not None and person.traits.birth_name != birth_name:
                continue
            found.append(person)
        return found


def _demo_people(dataset: DemoDataset) -> list[InsiPerson]:
    nirs = {p.key: p.nir[:13] for p in dataset.patients}
    people = []
    for patient in dataset.patients:
        person = _person(
            patient.key,
            patient.nir,
            patient.ins_oid,
            name=patient.birth_family_name,
            given=patient.birth_given_names,
            sex=patient.sex,
            born=patient.birth_date,
            place=patient.birthplace_cog,
            insured=tuple(
                nirs[r.patient_key] for r in patient.legal_representatives if r.patient_key
            ),
        )
        people.append(person)
    return people


def sandbox_registry(dataset: DemoDataset | None = None) -> InsiRegistry:
    """The registry of the demo dataset (default seed) and the special cases."""
    return InsiRegistry(_demo_people(dataset or demo_dataset()) + _extra_people())
