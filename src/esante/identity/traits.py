"""INS identity traits, their INS spelling, and their coherence with the matricule.

The INS reference traits (Référentiel national d'identitovigilance, "traits stricts") are
the birth family name, the birth given names (space separated, in civil-status order),
the first birth given name, the sex, the date of birth and the place of birth (INSEE COG
code: 5 characters, ``99xxx`` for a birth abroad). Used names are kept elsewhere: they are
not INS traits.

Names are kept as typed, in Unicode NFC (an ``é`` typed as ``e`` + combining accent is
stored as the single ``é``), and only in the alphabet the RNIV allows for strict traits:
Latin letters, upper or lower case, with their diacritics (French accents, cedilla,
diaeresis; the INS spelling drops them), the ``Æ`` / ``Œ`` ligatures, space, hyphen and
apostrophe (typographic apostrophes and dashes are stored as ``'`` and ``-``).
:func:`normalize_trait` refuses anything else, naming the character: full-width forms
(``Ｄ``), Cyrillic or Greek look-alikes (``а`` for ``a``), digits, punctuation. Those would
compare unequal to the INSi answer or, worse, equal after a compatibility folding that
hides them, and the identity would no longer be the one the INS was issued for.

The INSi teleservice returns names in upper case without diacritics, with only space,
hyphen (a double hyphen separates the two parts of a double family name) and apostrophe
as separators. :func:`ins_name` spells any input that way; it is what the INS DataMatrix
carries and what comparisons with an INSi answer use.

:func:`traits_discrepancies` compares the traits with what the matricule encodes (sex,
year and month of birth, department or country of birth). A discrepancy is a message to
review, not a proof of error: the matricule records the geography at the time of birth
(Seine and Seine-et-Oise before 1968, Algeria, Morocco and Tunisia before independence,
Corsica as ``20`` before 1976), which the comparison allows for.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from esante.identity.errors import TraitsError
from esante.identity.ins import Ins

__all__ = [
    "SEX_LABELS",
    "IdentityTraits",
    "ins_name",
    "normalize_trait",
    "traits_discrepancies",
]

SEX_LABELS = {"M": "masculin", "F": "féminin", "I": "indéterminé"}
MAX_NAME_LENGTH = 100
MAX_GIVEN_NAMES_LENGTH = 200
_COG = re.compile(r"(?:0[1-9]|[1-9][0-9]|2A|2B)[0-9]{3}")
_INS_NAME = re.compile(r"[A-Z]+(?:(?: |-|--|')[A-Z]+)*")
_LIGATURES = str.maketrans({"Œ": "OE", "œ": "OE", "Æ": "AE", "æ": "AE", "ß": "SS"})
_APOSTROPHES = str.maketrans({c: "'" for c in "’‘ʼ`´′"})
_HYPHENS = str.maketrans({c: "-" for c in "‐‑‒–—−"})


_COMBINING_DIACRITICS = range(0x0300, 0x0370)
_SEPARATORS = frozenset(" -'")
_LATIN_LIGATURES = frozenset("ÆæŒœß")
ALLOWED_CHARACTERS = (
    "lettres latines (majuscules ou minuscules, accentuées ou non), espace, trait "
    "d'union et apostrophe"
)
"""The RNIV alphabet of strict traits, as told to the person typing."""


def _allowed_letter(char: str) -> bool:
    """A Latin letter, with diacritics or not (``é``, ``Ç``, ``ÿ``), or a Latin ligature."""
    if char in _LATIN_LIGATURES:
        return True
    decomposed = unicodedata.normalize("NFD", char)
    base, marks = decomposed[0], decomposed[1:]
    return (
        base.isascii()
        and base.isalpha()
        and all(ord(mark) in _COMBINING_DIACRITICS for mark in marks)
    )


def _describe(char: str) -> str:
    name = unicodedata.name(char, "caractère sans nom")
    return f"« {char} » (U+{ord(char):04X} {name})"


def normalize_trait(value: str, field: str, label: str) -> str:
    """A name trait as it is stored: NFC, typographic apostrophes and dashes made plain,
    spaces squashed; letters kept as typed (case, accents).

    Raises :class:`TraitsError` naming ``field`` when a character is outside the RNIV
    alphabet: :data:`ALLOWED_CHARACTERS`.
    """
    text = unicodedata.normalize("NFC", value).translate(_APOSTROPHES).translate(_HYPHENS)
    text = " ".join(text.split())
    for char in text:
        if char not in _SEPARATORS and not _allowed_letter(char):
            raise TraitsError(
                f"{label} : caractère {_describe(char)} non autorisé dans un trait "
                f"d'identité ; seuls sont admis : {ALLOWED_CHARACTERS}. Saisissez le nom "
                "au clavier tel qu'il figure sur la pièce d'identité.",
                detail=f"U+{ord(char):04X} outside the RNIV alphabet in {field}",
                field=field,
            )
    return text


def ins_name(text: str) -> str:
    """Spell a name the INS way: upper case, no diacritics, single spaces.

    Ligatures are expanded (``Œ`` → ``OE``), typographic apostrophes and dashes become
    ``'`` and ``-``. Raises :class:`TraitsError` when a character remains that the INS
    alphabet does not have (digits, punctuation, full-width or non-Latin letters...) or
    when separators are misplaced. Canonical decomposition only: a compatibility folding
    (NFKD) would turn a full-width ``Ｄ`` into ``D`` and hide it.
    """
    flat = text.translate(_LIGATURES).translate(_APOSTROPHES).translate(_HYPHENS)
    decomposed = unicodedata.normalize("NFD", flat)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    result = " ".join(stripped.upper().split())
    result = re.sub(r" ?(--?|') ?", r"\1", result)
    if not _INS_NAME.fullmatch(result):
        bad = sorted({c for c in result if not ("A" <= c <= "Z" or c in " -'")})
        what = f"caractère(s) non autorisé(s) : {' '.join(bad)}" if bad else "séparateur mal placé"
        raise TraitsError(
            f"Nom ou prénom « {text} » impossible à écrire selon les règles de l'INS ({what}).",
            detail=f"{result!r} is not [A-Z] words joined by ' ', '-', '--' or an apostrophe",
        )
    return result


def _check_name(value: str, field: str, label: str, max_length: int) -> str:
    """The name as stored (see :func:`normalize_trait`); raises TraitsError naming ``field``."""
    if not value.strip():
        raise TraitsError(f"{label} : information obligatoire.", field=field)
    if len(value) > max_length:
        raise TraitsError(
            f"{label} : {len(value)} caractères, {max_length} au plus.",
            detail=f"{field} longer than {max_length}",
            field=field,
        )
    if any(unicodedata.category(c).startswith("C") for c in value):
        raise TraitsError(
            f"{label} : caractère de contrôle non autorisé.",
            detail=f"control character in {field}",
            field=field,
        )
    return normalize_trait(value, field, label)


@dataclass(frozen=True, slots=True)
class IdentityTraits:
    """The INS reference traits of a person.

    Names are normalised as they are stored (:func:`normalize_trait`: NFC, RNIV alphabet).
    ``first_given_name`` must be the first of ``birth_given_names`` (the list starts with
    it); ``sex`` is ``M``, ``F`` or ``I``; ``birthplace_cog`` is the INSEE COG code of the
    place of birth, ``99xxx`` abroad, or ``None`` when unknown. Raises
    :class:`TraitsError` when a trait is missing or malformed.
    """

    birth_family_name: str
    birth_given_names: str
    first_given_name: str
    sex: str
    birth_date: date
    birthplace_cog: str | None = None

    def __post_init__(self) -> None:
        for name, label, max_length in (
            ("birth_family_name", "Nom de naissance", MAX_NAME_LENGTH),
            ("birth_given_names", "Prénoms de naissance", MAX_GIVEN_NAMES_LENGTH),
            ("first_given_name", "Premier prénom de naissance", MAX_NAME_LENGTH),
        ):
            stored = _check_name(getattr(self, name), name, label, max_length)
            object.__setattr__(self, name, stored)  # frozen: set once, here
        given = " ".join(self.birth_given_names.split()).casefold()
        first = " ".join(self.first_given_name.split()).casefold()
        if not (given == first or given.startswith(first + " ")):
            raise TraitsError(
                f"Le premier prénom « {self.first_given_name} » doit être le premier de la "
                f"liste des prénoms de naissance « {self.birth_given_names} ».",
                detail="birth_given_names does not start with first_given_name",
                field="first_given_name",
            )
        if self.sex not in SEX_LABELS:
            raise TraitsError(
                f"Sexe « {self.sex} » inconnu : M, F ou I attendu.",
                detail=f"sex {self.sex!r} not in M/F/I",
                field="sex",
            )
        if not isinstance(self.birth_date, date):
            raise TraitsError(
                "Date de naissance obligatoire.",
                detail=f"birth_date is {type(self.birth_date).__name__}",
                field="birth_date",
            )
        if self.birthplace_cog is not None and not _COG.fullmatch(self.birthplace_cog):
            raise TraitsError(
                f"Lieu de naissance « {self.birthplace_cog} » : code officiel géographique "
                "(COG) de 5 caractères attendu, 99xxx pour une naissance à l'étranger.",
                detail=f"birthplace_cog {self.birthplace_cog!r} is not a COG code",
                field="birthplace_cog",
            )

    @property
    def born_abroad(self) -> bool | None:
        """True when born abroad (COG 99xxx), None when the place of birth is unknown."""
        if self.birthplace_cog is None:
            return None
        return self.birthplace_cog.startswith("99")


_SEX_OF_DIGIT = {"1": "M", "7": "M", "2": "F", "8": "F"}
_PARIS_BEFORE_1968 = {"75", "78"}
_PARIS_AFTER_1968 = {"75", "78", "91", "92", "93", "94", "95"}
_NORTH_AFRICA = {"99350": {"95"}, "99351": {"96"}, "99352": {"91", "92", "93", "94"}}


def _department(place: str) -> str:
    return place[:3] if place[:2] in ("97", "98") else place[:2]


def _place_discrepancy(ins: Ins, traits: IdentityTraits, cog: str) -> str | None:
    place = ins.birthplace_code
    if cog.startswith("99"):
        if place.startswith("99"):
            if place != cog:
                return (
                    f"Pays de naissance : l'INS indique le code {place} alors que le lieu "
                    f"de naissance est {cog}."
                )
            return None
        if place[:2] in _NORTH_AFRICA.get(cog, set()):
            return None  # born in Algeria, Morocco or Tunisia before independence
        return (
            f"Lieu de naissance : l'INS indique une naissance en France (département "
            f"{_department(place)}) alors que le lieu de naissance est à l'étranger ({cog})."
        )
    if place.startswith("99"):
        return (
            f"Lieu de naissance : l'INS indique une naissance à l'étranger ({place}) alors "
            f"que le lieu de naissance est en France ({cog})."
        )
    ins_dept, cog_dept = _department(place), _department(cog)
    if ins_dept == cog_dept:
        return None
    if {ins_dept, cog_dept} <= {"20", "2A", "2B"}:
        return None  # Corsica: one department (20) until 1976
    if (
        traits.birth_date.year < 1968
        and ins_dept in _PARIS_BEFORE_1968
        and cog_dept in _PARIS_AFTER_1968
    ):
        return None  # Seine / Seine-et-Oise before the 1968 reorganisation
    return (
        f"Département de naissance : l'INS indique {ins_dept} alors que le lieu de "
        f"naissance ({cog}) est dans le département {cog_dept}."
    )


def traits_discrepancies(ins: Ins, traits: IdentityTraits) -> list[str]:
    """French messages for each way the matricule contradicts the traits (empty if none).

    Checks the sex digit (not for sex ``I``), the year and month of birth (the month
    only when the matricule carries a real month, 01-12) and, when the COG is known, the
    department of birth (or the country, for a birth abroad).
    """
    found: list[str] = []
    ins_sex = _SEX_OF_DIGIT.get(ins.sex_digit)
    if traits.sex != "I" and ins_sex is not None and ins_sex != traits.sex:
        found.append(
            f"Sexe : l'INS indique le sexe {SEX_LABELS[ins_sex]} (premier chiffre "
            f"{ins.sex_digit}) alors que les traits indiquent le sexe {SEX_LABELS[traits.sex]}."
        )
    year = f"{traits.birth_date.year % 100:02d}"
    if ins.birth_year_digits != year:
        found.append(
            f"Année de naissance : l'INS indique {ins.birth_year_digits} alors que la date "
            f"de naissance est en {traits.birth_date.year}."
        )
    month = ins.birth_month_code
    if 1 <= month <= 12 and month != traits.birth_date.month:
        found.append(
            f"Mois de naissance : l'INS indique {month:02d} alors que la date de naissance "
            f"est au mois {traits.birth_date.month:02d}."
        )
    if traits.birthplace_cog is not None:
        place = _place_discrepancy(ins, traits, traits.birthplace_cog)
        if place is not None:
            found.append(place)
    return found
