"""What a search asks the INSi teleservice: identity traits, or the Carte Vitale's data.

The service refuses any alphabetic input in lower case, with diacritics or ligatures
(the INSi guide's limitations; public CNDA-tested clients check names against
``[A-Z]+((-{1,2}|['  ])[A-Z]+)*``): a query spells every name the INS way
(:func:`esante.identity.ins_name`) when it is built, so that what a user typed as
"Lefèvre" goes out as ``LEFEVRE``. Sex is ``M`` or ``F`` (INSi knows no other value).

* :class:`TraitsQuery` — ``rechercherInsAvecTraitsIdentite``: birth name, given name(s),
  sex, birth date, and optionally the place of birth (INSEE COG). The RNIV's search
  starts with the first given name; when several identities match (code ``02``) the
  other given names are added, then the place of birth
  (:meth:`TraitsQuery.narrower`).
* :class:`VitaleQuery` — ``rechercherInsAvecCarteVitale``, from what the practice
  software read on the card: the insured person's number (``MatriculeOD``, the person
  whose rights the card carries: a parent for a child), the beneficiary's own certified
  NIR when the card holds it (``MatriculeIndividu``), the beneficiary's birth date and
  birth rank (``RangNaissance``: twins born the same day under the same insured share the
  date), and his birth name when the card holds it. The card only opens the search: the
  answer is the beneficiary's INS, not the card's number.

Dates on the card and in the answers are "lunar" dates (``YYYY-MM-DD`` where ``00``
stands for an unknown day or month): they travel as text (:class:`LunarDate`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from esante.identity.errors import InsError, TraitsError
from esante.identity.ins import nir_key
from esante.identity.traits import MAX_GIVEN_NAMES_LENGTH, MAX_NAME_LENGTH, IdentityTraits, ins_name

__all__ = ["INSI_SEXES", "LunarDate", "TraitsQuery", "VitaleQuery", "insi_date"]

INSI_SEXES = ("M", "F")
_COG = re.compile(r"(?:0[1-9]|[1-9][0-9]|2A|2B)[0-9]{3}")
_LUNAR = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_NIR_BODY = re.compile(r"[0-9]{5}(?:[0-9]{2}|2A|2B)[0-9]{6}")
MAX_BIRTH_RANK = 9


def insi_date(value: date) -> str:
    """A date as INSi writes it (``YYYY-MM-DD``)."""
    return value.isoformat()


@dataclass(frozen=True, slots=True)
class LunarDate:
    """A birth date as INSi and the Carte Vitale carry it: ``YYYY-MM-DD``, ``00`` unknown."""

    text: str

    def __post_init__(self) -> None:
        match = _LUNAR.fullmatch(self.text.strip())
        if match is None:
            raise TraitsError(
                f"Date de naissance « {self.text} » : format AAAA-MM-JJ attendu.",
                detail=f"{self.text!r} is not a lunar date",
                field="birth_date",
            )
        object.__setattr__(self, "text", self.text.strip())
        _, month, day = (int(g) for g in match.groups())
        if month > 12 or day > 31 or (month == 0 and day != 0):
            raise TraitsError(
                f"Date de naissance « {self.text} » impossible.",
                detail=f"month {month:02d} day {day:02d}",
                field="birth_date",
            )
        if month and day and self.date is None:
            raise TraitsError(
                f"Date de naissance « {self.text} » impossible.",
                detail="day out of the month",
                field="birth_date",
            )

    @classmethod
    def of(cls, value: date | str | LunarDate) -> LunarDate:
        """From a date, a ``YYYY-MM-DD`` text or a LunarDate."""
        if isinstance(value, LunarDate):
            return value
        if isinstance(value, date):
            return cls(insi_date(value))
        return cls(value)

    @property
    def date(self) -> date | None:
        """The calendar date, None when the day or month is unknown (``00``)."""
        year, month, day = (int(part) for part in self.text.split("-"))
        if not (month and day):
            return None
        try:
            return date(year, month, day)
        except ValueError:
            return None

    @property
    def complete(self) -> bool:
        """True when day and month are known."""
        return self.date is not None

    def __str__(self) -> str:
        return self.text


def _name(value: str, field: str, label: str, max_length: int) -> str:
    if not value or not value.strip():
        raise TraitsError(f"{label} : information obligatoire.", field=field)
    if len(value) > max_length:
        raise TraitsError(
            f"{label} : {len(value)} caractères, {max_length} au plus.",
            detail=f"{field} longer than {max_length}",
            field=field,
        )
    try:
        return ins_name(value)
    except TraitsError as exc:
        raise TraitsError(exc.message, detail=exc.detail, field=field) from exc


def _sex(value: str) -> str:
    sex = value.strip().upper()
    if sex not in INSI_SEXES:
        raise TraitsError(
            f"Sexe « {value} » : le téléservice INSi n'accepte que M ou F.",
            detail=f"sex {value!r} not in {INSI_SEXES}",
            field="sex",
        )
    return sex


def _cog(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    cog = value.strip().upper()
    if not _COG.fullmatch(cog):
        raise TraitsError(
            f"Lieu de naissance « {value} » : code officiel géographique (COG) de 5 "
            "caractères attendu, 99xxx pour une naissance à l'étranger.",
            detail=f"{value!r} is not a COG code",
            field="birthplace_cog",
        )
    return cog


@dataclass(frozen=True, slots=True)
class TraitsQuery:
    """A search by identity traits (``RECSANSVITALE``), names spelled the INS way.

    ``given_names`` are the birth given names sent, first one first (a compound name
    such as ``JEAN-PIERRE`` is one given name). Raises :class:`TraitsError` naming the
    field at fault.
    """

    birth_name: str
    given_names: tuple[str, ...]
    sex: str
    birth_date: date
    birthplace_cog: str | None = None

    def __post_init__(self) -> None:
        names = self.given_names
        if isinstance(names, str):
            names = tuple(names.split())
        if not names:
            raise TraitsError("Prénom de naissance : information obligatoire.", field="given_names")
        spelled = tuple(
            _name(n, "given_names", "Prénom de naissance", MAX_NAME_LENGTH) for n in names
        )
        if len(" ".join(spelled)) > MAX_GIVEN_NAMES_LENGTH:
            raise TraitsError(
                f"Prénoms de naissance : {MAX_GIVEN_NAMES_LENGTH} caractères au plus.",
                field="given_names",
            )
        if not isinstance(self.birth_date, date):
            raise TraitsError(
                "Date de naissance obligatoire.",
                detail=f"birth_date is {type(self.birth_date).__name__}",
                field="birth_date",
            )
        set_ = object.__setattr__
        set_(self, "birth_name", _name(self.birth_name, "birth_name", "Nom de naissance", 100))
        set_(self, "given_names", spelled)
        set_(self, "sex", _sex(self.sex))
        set_(self, "birthplace_cog", _cog(self.birthplace_cog))

    @classmethod
    def from_traits(
        cls,
        traits: IdentityTraits,
        *,
        all_given_names: bool = False,
        with_birthplace: bool = False,
    ) -> TraitsQuery:
        """The query for ``traits``: first given name only unless ``all_given_names``,
        place of birth only when ``with_birthplace`` (the RNIV's order of search)."""
        given = tuple(traits.birth_given_names.split()) if all_given_names else ()
        if not given:
            given = (traits.first_given_name,)
        return cls(
            birth_name=traits.birth_family_name,
            given_names=given,
            sex=traits.sex,
            birth_date=traits.birth_date,
            birthplace_cog=traits.birthplace_cog if with_birthplace else None,
        )

    @property
    def first_given_name(self) -> str:
        return self.given_names[0]

    @property
    def given_names_text(self) -> str:
        """The given names as sent in ``Prenom`` (space separated)."""
        return " ".join(self.given_names)

    def narrower(self, traits: IdentityTraits) -> TraitsQuery | None:
        """The next, narrower query after a ``02`` answer (RNIV order): add the other
        given names of ``traits``, then its place of birth; None when nothing is left."""
        all_given = tuple(ins_name(n) for n in traits.birth_given_names.split())
        if len(all_given) > len(self.given_names):
            return TraitsQuery(
                self.birth_name, all_given, self.sex, self.birth_date, self.birthplace_cog
            )
        if self.birthplace_cog is None and traits.birthplace_cog is not None:
            return TraitsQuery(
                self.birth_name, self.given_names, self.sex, self.birth_date, traits.birthplace_cog
            )
        return None


def _nir_body(value: str, field: str, label: str) -> str:
    text = "".join(value.split()).upper()
    if len(text) == 15:
        body, key = text[:13], text[13:]
        try:
            expected = nir_key(body)
        except InsError as exc:
            raise TraitsError(f"{label} : {exc.message}", detail=exc.detail, field=field) from exc
        if not key.isdigit() or int(key) != expected:
            raise TraitsError(
                f"{label} : clé incorrecte, la clé attendue est {expected:02d}.",
                detail=f"key {key!r} != {expected:02d}",
                field=field,
            )
        return body
    if not _NIR_BODY.fullmatch(text):
        raise TraitsError(
            f"{label} : 13 caractères attendus (numéro sans la clé), ou 15 avec la clé.",
            detail=f"{field} {len(text)} characters, not a NIR body",
            field=field,
        )
    return text


@dataclass(frozen=True, slots=True)
class VitaleQuery:
    """A search with the Carte Vitale's data (``RECVITALE``).

    ``insured_nir`` (``MatriculeOD``) and ``beneficiary_nir`` (``MatriculeIndividu``) are
    kept as their 13 characters (a 15-character number is checked against its key first);
    ``birth_date`` is the beneficiary's, as on the card; ``birth_rank`` his rank of birth
    (1 unless twins). Raises :class:`TraitsError`.
    """

    insured_nir: str
    birth_date: LunarDate
    birth_rank: int = 1
    beneficiary_nir: str | None = None
    birth_name: str | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "insured_nir", _nir_body(self.insured_nir, "insured_nir", "Numéro de l'assuré"))
        if self.beneficiary_nir is not None and self.beneficiary_nir.strip():
            set_(
                self,
                "beneficiary_nir",
                _nir_body(self.beneficiary_nir, "beneficiary_nir", "NIR du bénéficiaire"),
            )
        else:
            set_(self, "beneficiary_nir", None)
        set_(self, "birth_date", LunarDate.of(self.birth_date))
        if not isinstance(self.birth_rank, int) or not 1 <= self.birth_rank <= MAX_BIRTH_RANK:
            raise TraitsError(
                f"Rang de naissance « {self.birth_rank} » : entier de 1 à {MAX_BIRTH_RANK} "
                "attendu (1 sauf naissances multiples).",
                detail=f"birth_rank={self.birth_rank!r}",
                field="birth_rank",
            )
        if self.birth_name is not None and self.birth_name.strip():
            set_(self, "birth_name", _name(self.birth_name, "birth_name", "Nom de naissance", 100))
        else:
            set_(self, "birth_name", None)

    @classmethod
    def from_card(
        cls,
        *,
        insured_nir: str,
        birth_date: date | str,
        birth_rank: int = 1,
        beneficiary_nir: str | None = None,
        birth_name: str | None = None,
    ) -> VitaleQuery:
        """The query from the card's data as the practice software reads them."""
        return cls(insured_nir, LunarDate.of(birth_date), birth_rank, beneficiary_nir, birth_name)
