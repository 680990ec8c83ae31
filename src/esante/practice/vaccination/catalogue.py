"""The vaccine catalogue: GTIN → CIP13 → the vaccine (CIS, name, ATC, valences).

Two sources, one answer:

* esante's own file ``data/vaccines.json`` — the vaccines of the French schedule with
  their ATC class and valences (the antigens the schedule counts); its header cites the
  BDPM (ANSM) and says which codes are unverified;
* the presentations imported from the public BDPM files the user downloads
  (:mod:`.bdpm`, stored in ``vaccine_presentation``), which take precedence.

A GTIN the catalogue does not know is *unknown*: the caller offers a manual choice among
:meth:`VaccineCatalogue.vaccines`; nothing is ever guessed from a partial match.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Final

from esante.cda import vocabulary as v
from esante.cda.model import Code

ANTIGEN_OF: Final = {"d": "D", "ca": "Ca"}
"""Reduced-dose valences count as the antigen for the schedule (dTcaP boosters)."""


@dataclass(frozen=True)
class Vaccine:
    """A vaccine speciality: CIS (None until known), name, ATC class, valences."""

    key: str
    name: str
    cis: str | None
    atc: str | None
    atc_label: str | None
    valences: tuple[str, ...]
    bdpm_name: str = ""
    verified: bool = False
    """True when the CIS comes from an imported BDPM file."""

    @property
    def antigens(self) -> frozenset[str]:
        """The antigens the schedule counts (``d`` → ``D``, ``ca`` → ``Ca``)."""
        return frozenset(ANTIGEN_OF.get(x, x) for x in self.valences)

    @property
    def code(self) -> Code | None:
        """The CIS code with its ATC translation, as FR-Vaccination wants it (None without)."""
        if self.cis is None or self.atc is None:
            return None
        atc = Code(self.atc, v.ATC, self.atc_label or self.atc, "ATC")
        return Code(self.cis, v.CIS, self.name, "CIS", translations=(atc,))


@dataclass(frozen=True)
class Presentation:
    """One box of a vaccine: CIP13 (the GTIN is ``0`` + CIP13) and its label."""

    cip13: str
    label: str
    vaccine: Vaccine
    verified: bool = False
    source: str = "esante"
    """``esante`` (packaged file) or ``bdpm`` (imported)."""

    @property
    def gtin(self) -> str:
        return "0" + self.cip13

    def cip_code(self) -> Code:
        return Code(self.cip13, v.CIP, f"{self.vaccine.name}, {self.label}", "CIP")


@dataclass(frozen=True)
class CatalogueData:
    """The packaged file, read once."""

    vaccines: tuple[Vaccine, ...]
    presentations: tuple[Presentation, ...]
    valence_labels: dict[str, str]
    atc_valences: dict[str, tuple[str, ...]]
    source: str


@lru_cache(maxsize=1)
def packaged() -> CatalogueData:
    """``data/vaccines.json``."""
    raw: dict[str, Any] = json.loads(
        resources.files("esante.practice.vaccination")
        .joinpath("data/vaccines.json")
        .read_text("utf-8")
    )
    vaccines: list[Vaccine] = []
    presentations: list[Presentation] = []
    for item in raw["vaccines"]:
        vaccine = Vaccine(
            key=item["key"],
            name=item["name"],
            cis=item["cis"],
            atc=item["atc"],
            atc_label=item["atc_label"],
            valences=tuple(item["valences"]),
            bdpm_name=item["bdpm_name"],
        )
        vaccines.append(vaccine)
        presentations += [
            Presentation(p["cip13"], p["label"], vaccine, verified=p["verified"])
            for p in item["presentations"]
        ]
    return CatalogueData(
        vaccines=tuple(vaccines),
        presentations=tuple(presentations),
        valence_labels=dict(raw["valences"]),
        atc_valences={k: tuple(x) for k, x in raw["atc_valences"].items()},
        source=raw["source"],
    )


class VaccineCatalogue:
    """The packaged vaccines, overlaid with imported BDPM presentations."""

    def __init__(self, imported: Iterable[Presentation] = ()) -> None:
        data = packaged()
        self._by_key = {x.key: x for x in data.vaccines}
        self._by_cip: dict[str, Presentation] = {p.cip13: p for p in data.presentations}
        for presentation in imported:
            known = self._by_key.get(presentation.vaccine.key)
            if known is not None and (known.cis is None or presentation.vaccine.verified):
                self._by_key[known.key] = presentation.vaccine
            self._by_cip[presentation.cip13] = presentation
        self._by_cis = {x.cis: x for x in self._by_key.values() if x.cis}
        for presentation in self._by_cip.values():
            vaccine = presentation.vaccine
            if vaccine.cis and vaccine.cis not in self._by_cis:
                self._by_cis[vaccine.cis] = vaccine

    def by_gtin(self, gtin: str) -> Presentation | None:
        """The presentation of a GTIN-14 (``0`` + CIP13) or a CIP13, or None."""
        cip13 = gtin[1:] if len(gtin) == 14 and gtin.startswith("0") else gtin
        return self._by_cip.get(cip13)

    def by_cis(self, cis: str) -> Vaccine | None:
        return self._by_cis.get(cis)

    def by_key(self, key: str) -> Vaccine | None:
        return self._by_key.get(key)

    def vaccines(self) -> tuple[Vaccine, ...]:
        """Every vaccine, for a manual choice: schedule vaccines first, by name."""
        unique = {id(x): x for x in (*self._by_key.values(), *self._by_cis.values())}
        return tuple(sorted(unique.values(), key=_order))

    def covering(self, antigens: Iterable[str]) -> tuple[Vaccine, ...]:
        """The vaccines whose antigens are exactly ``antigens`` (a prescription's choice)."""
        wanted = frozenset(antigens)
        return tuple(x for x in self.vaccines() if x.antigens == wanted)


def _order(vaccine: Vaccine) -> tuple[bool, str]:
    return (vaccine.cis is None, vaccine.name)


def valences_of_atc(atc: str | None) -> tuple[str, ...]:
    """The valences of an ATC class (a DMP entry coded by ATC only); () when unknown."""
    if atc is None:
        return ()
    return packaged().atc_valences.get(atc, ())


def valence_label(code: str) -> str:
    return packaged().valence_labels.get(code, code)


def match_packaged(denomination: str) -> Vaccine | None:
    """The packaged vaccine a BDPM denomination names (upper-case start of the name)."""
    upper = denomination.upper()
    best: Vaccine | None = None
    for vaccine in packaged().vaccines:
        if upper.startswith(vaccine.bdpm_name) and (
            best is None or len(vaccine.bdpm_name) > len(best.bdpm_name)
        ):
            best = vaccine
    return best


def antigens_text(antigens: Sequence[str]) -> str:
    return ", ".join(valence_label(a) for a in antigens)


__all__ = [
    "CatalogueData",
    "Presentation",
    "Vaccine",
    "VaccineCatalogue",
    "antigens_text",
    "match_packaged",
    "packaged",
    "valence_label",
    "valences_of_atc",
]
