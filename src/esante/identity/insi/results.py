"""What the INSi teleservice answers, as values: ``RESULTAT`` of ``INSi_RESULTAT_INS.xsd``.

::

    RESULTAT
      CR            CodeCR (00 / 01 / 02), LibelleCR
      INDIVIDU      only with 00
        INSACTIF    the INS in force: IdIndividu (NumIdentifiant 13 chars, Cle), OID,
                    DateDeb?, DateFin?
        INSHISTO*   the person's previous INS (a NIA replaced by the NIR, a NIR changed
                    after a change of civil status...), same shape, oldest last
        TIQ         the INS traits: NomNaissance, Prenom (first given name), ListePrenom
                    (every birth given name, space separated), Sexe, DateNaissance
                    (lunar date), LieuNaissance (INSEE COG)

The official sample of the DMP kit carries ``Prenom`` without ``ListePrenom``; answers
recorded from the CNAM test platform carry both, or ``ListePrenom`` alone. Either way
:class:`InsiTraits` has both: the missing one is derived (first word of the list, or the
first given name as the list). The INS in force and every historical INS are checked
INS (:class:`esante.identity.Ins`: key, OID among the four INS OIDs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from esante.identity.errors import TraitsError
from esante.identity.ins import Ins
from esante.identity.insi.queries import LunarDate
from esante.identity.insi.vocabulary import ResultCode
from esante.identity.traits import IdentityTraits

__all__ = ["InsRecord", "InsiIndividual", "InsiTraits", "Resultat"]


@dataclass(frozen=True, slots=True)
class InsiTraits:
    """The INS traits (``TIQ``) as INSi spells them (upper case, no diacritics)."""

    birth_name: str
    first_given_name: str
    given_names: str
    sex: str
    birth_date: LunarDate
    birthplace_cog: str | None = None

    def identity_traits(self) -> IdentityTraits:
        """These traits as :class:`~esante.identity.IdentityTraits` (the local identity's).

        Raises :class:`TraitsError` when the birth date has an unknown day or month (the
        RNIPP has such dates; the local identity then needs the completion rules of the
        INS implementation guide, which the caller applies).
        """
        birth = self.birth_date.date
        if birth is None:
            raise TraitsError(
                f"Date de naissance INSi « {self.birth_date} » incomplète (jour ou mois "
                "inconnu) : à compléter selon les règles du référentiel INS.",
                detail=f"lunar date {self.birth_date}",
                field="birth_date",
            )
        return IdentityTraits(
            birth_family_name=self.birth_name,
            birth_given_names=self.given_names,
            first_given_name=self.first_given_name,
            sex=self.sex,
            birth_date=birth,
            birthplace_cog=self.birthplace_cog,
        )


@dataclass(frozen=True, slots=True)
class InsRecord:
    """One INS of a person (``INSACTIF`` or ``INSHISTO``) and its period when given."""

    ins: Ins
    start: date | None = None
    end: date | None = None

    @property
    def matricule(self) -> str:
        return self.ins.matricule


@dataclass(frozen=True, slots=True)
class InsiIndividual:
    """The person found (``INDIVIDU``): the INS in force, the previous ones, the traits."""

    active: InsRecord
    traits: InsiTraits
    history: tuple[InsRecord, ...] = ()

    @property
    def ins(self) -> Ins:
        """The INS in force (what the practice records)."""
        return self.active.ins

    def knows(self, matricule: str) -> bool:
        """True when ``matricule`` is this person's INS, in force or historical."""
        wanted = "".join(matricule.split()).upper()
        return any(r.matricule == wanted for r in (self.active, *self.history))


@dataclass(frozen=True, slots=True)
class Resultat:
    """The whole answer: result code, the service's label, and the person for ``00``."""

    code: ResultCode
    label: str
    individual: InsiIndividual | None = None
