"""Verification of an INS: a search by traits whose answer is compared with what is held.

The CNAM WSDL has no operation of its own for the "vérification" the ANS guide asks for
(INS implementation guide, "vérification de l'INS": before use of an INS not retrieved
by the software itself, and periodically): it is a search by the held traits whose
``00`` answer must carry the held INS (in force, or in its history when it was
replaced) and the same traits. Names are compared in INSi spelling
(:func:`esante.identity.ins_name`: upper case, no diacritics, RNIV separators), which
is the RNIV's comparison rule for accents, hyphens and apostrophes; a composed given
name (``JEAN-PIERRE``) stays one name.
"""

from __future__ import annotations

from dataclasses import dataclass

from esante.identity.insi.results import InsiIndividual, Resultat
from esante.identity.insi.vocabulary import ResultCode
from esante.identity.traits import IdentityTraits, ins_name

__all__ = ["Verification", "compare_traits", "verify"]


def _names(text: str) -> str:
    return " ".join(ins_name(word) for word in text.split())


def compare_traits(individual: InsiIndividual, traits: IdentityTraits) -> list[str]:
    """French descriptions of each held trait that differs from the INSi traits."""
    insi = individual.traits
    problems: list[str] = []
    if _names(traits.birth_family_name) != insi.birth_name:
        problems.append(f"nom de naissance (INSi : {insi.birth_name})")
    if _names(traits.birth_given_names) != insi.given_names:
        problems.append(f"prénoms de naissance (INSi : {insi.given_names})")
    if traits.sex != insi.sex:
        problems.append(f"sexe (INSi : {insi.sex})")
    if insi.birth_date.date != traits.birth_date:
        problems.append(f"date de naissance (INSi : {insi.birth_date})")
    if (
        insi.birthplace_cog is not None
        and traits.birthplace_cog is not None
        and insi.birthplace_cog != traits.birthplace_cog
    ):
        problems.append(f"lieu de naissance (INSi : {insi.birthplace_cog})")
    return problems


@dataclass(frozen=True, slots=True)
class Verification:
    """Outcome of the verification of a held INS: ``confirmed`` or the reasons why not."""

    resultat: Resultat
    problems: tuple[str, ...]
    replaced: bool = False
    """True when the held INS is only in the history: the INS in force replaced it."""

    @property
    def confirmed(self) -> bool:
        return not self.problems

    @property
    def message(self) -> str:
        """French summary for the clinician."""
        if self.confirmed and self.replaced:
            return (
                "INS vérifiée, mais remplacée : le téléservice INSi renvoie une nouvelle INS "
                "à enregistrer à la place de l'ancienne."
            )
        if self.confirmed:
            return "INS vérifiée : le téléservice INSi confirme l'INS et les traits d'identité."
        return "INS non confirmée par le téléservice INSi : " + " ; ".join(self.problems) + "."


def verify(resultat: Resultat, matricule: str, traits: IdentityTraits) -> Verification:
    """Compare the answer to a search by ``traits`` with the held ``matricule``."""
    individual = resultat.individual
    if resultat.code is not ResultCode.FOUND or individual is None:
        return Verification(resultat, (resultat.code.label,))
    problems: list[str] = []
    wanted = "".join(matricule.split()).upper()
    replaced = False
    if individual.active.matricule != wanted:
        if individual.knows(wanted):
            replaced = True
        else:
            problems.append("l'INS renvoyée n'est pas celle enregistrée")
    problems.extend(compare_traits(individual, traits))
    return Verification(resultat, tuple(problems), replaced)
