"""Fictitious national identifiers with valid check keys.

- RPPS: 11 digits, the last a Luhn key over the first ten (new numbers begin with ``10``).
- FINESS: 9 digits, department first, the last a Luhn key over the first eight.
- SIRET: SIREN (8 digits + Luhn key) then a 5-digit NIC chosen so that the 14 digits pass
  Luhn (python-stdnum's ``fr.siret`` rules).
- NIR: sex, year, month, birthplace COG (department + commune, or ``99`` + country), a
  3-digit order number, then the 2-digit key of :func:`esante.identity.nir_key`.

Each generator takes a :class:`random.Random` and a set of values already issued, so that
a seeded run is reproducible and never hands the same number out twice.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date

from stdnum import luhn

from esante.identity import nir_key


def _digits(rng: random.Random, count: int) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(count))


def _unique(issued: set[str], make: Callable[[], str]) -> str:
    for _ in range(1000):
        value = make()
        if value not in issued:
            issued.add(value)
            return value
    raise RuntimeError("identifier space exhausted")  # pragma: no cover - 10^8 values


def rpps(rng: random.Random, issued: set[str]) -> str:
    """An 11-digit RPPS number ``10`` + 8 digits + Luhn key."""

    def make() -> str:
        body = "10" + _digits(rng, 8)
        return body + luhn.calc_check_digit(body)

    return _unique(issued, make)


def finess(rng: random.Random, issued: set[str], department: str) -> str:
    """A 9-digit FINESS number in ``department`` (2 digits) with its Luhn key."""

    def make() -> str:
        body = department + _digits(rng, 6)
        return body + luhn.calc_check_digit(body)

    return _unique(issued, make)


def siret(rng: random.Random, issued: set[str]) -> str:
    """A 14-digit SIRET (head office ``0001`` + key) whose SIREN and SIRET pass Luhn."""

    def make() -> str:
        siren_body = str(rng.randrange(1, 10)) + _digits(rng, 7)
        siren = siren_body + luhn.calc_check_digit(siren_body)
        body = siren + "0001"
        return body + luhn.calc_check_digit(body)

    return _unique(issued, make)


def nir(
    rng: random.Random, issued: set[str], *, sex: str, birth_date: date, birthplace_cog: str
) -> str:
    """A 15-character NIR (13 + key) coherent with the traits.

    ``sex`` is ``M`` or ``F``; ``birthplace_cog`` is a 5-character INSEE code (commune, or
    ``99`` + country for a person born abroad; Corsica keeps ``2A``/``2B``).
    """
    head = ("1" if sex == "M" else "2") + f"{birth_date.year % 100:02d}{birth_date.month:02d}"

    def make() -> str:
        first13 = head + birthplace_cog + f"{rng.randrange(1, 1000):03d}"
        return first13 + f"{nir_key(first13):02d}"

    return _unique(issued, make)
