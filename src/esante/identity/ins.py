"""The INS matricule (NIR or NIA), its key and its assigning-authority OID.

The Identifiant National de Santé is a matricule plus the OID of the authority that
assigned it. The matricule is a NIR (numéro d'inscription au répertoire, INSEE) or a
NIA (numéro identifiant d'attente, CNAV/SANDIA, built like a NIR): 13 characters and a
2-digit key::

    2 55 08 14 168 025 38
    | |  |  |     |   +-- key = 97 - (first 13 digits mod 97), Corsica 2A -> 19, 2B -> 18
    | |  |  |     +------ order number
    | |  |  +------------ place of birth: department + commune, or 99 + country code
    | |  +--------------- month of birth (01-12, or 20-42 / 50-99 when it is unknown)
    | +------------------ year of birth (2 digits)
    +-------------------- sex

The key is computed by python-stdnum (``stdnum.fr.nir``); this module adds the INS rules
on top: OIDs of the four INS kinds (ANS, CI-SIS "annexe INS": NIR ``1.2.250.1.213.1.4.8``,
NIA ``.9``, test NIR ``.10``, demonstration NIR ``.11``), the sex digit, the month and the
department, and the HL7v2 CX rendering ``<matricule>^^^&<OID>&ISO^NH``.

Sex digit — decisions, with reasons:

* ``1`` (male) / ``2`` (female) are the only values of a NIR certified by the RNIPP, so a
  matricule given with a NIR OID (real, test or demo) must start with 1 or 2;
* ``7`` / ``8`` are the male / female values of temporary numbers (NIA): accepted with the
  NIA OID, and when no OID is given (the matricule alone cannot say which it is);
* a NIA is built like a NIR and becomes one once the person is certified, so ``1`` / ``2``
  are accepted with the NIA OID as well;
* ``3`` / ``4`` marked provisional registrations of foreign-born persons made by an
  insurance body before the NIA existed: they are not INS matricules and are refused.

Month: 01-12, or the fictitious values the NIR uses when the month of birth is unknown
(20-42 and 50-99); 00, 13-19 and 43-49 are refused. Department: two digits other than
``00``, or ``2A`` / ``2B`` (``20`` stays valid: Corsicans born before 1976 kept it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

from stdnum.fr import nir as stdnum_nir

from esante.identity.errors import InsError

__all__ = ["Ins", "InsKind", "check_ins", "nir_key"]

_LABELS = {
    "NIR": "NIR (numéro d'inscription au répertoire)",
    "NIA": "NIA (numéro identifiant d'attente)",
    "NIR_TEST": "NIR de test",
    "NIR_DEMO": "NIR de démonstration",
}


class InsKind(Enum):
    """The four INS assigning authorities, valued by their OID."""

    NIR = "1.2.250.1.213.1.4.8"
    NIA = "1.2.250.1.213.1.4.9"
    NIR_TEST = "1.2.250.1.213.1.4.10"
    NIR_DEMO = "1.2.250.1.213.1.4.11"

    @property
    def oid(self) -> str:
        """The assigning-authority OID."""
        return self.value

    @property
    def label(self) -> str:
        """French label, for the clinician."""
        return _LABELS[self.name]

    @property
    def is_production(self) -> bool:
        """True for the real NIR and NIA, False for the test and demonstration OIDs."""
        return self in (InsKind.NIR, InsKind.NIA)

    @classmethod
    def from_oid(cls, oid: str) -> InsKind:
        """The kind for ``oid``; raises :class:`InsError` for an OID that is not an INS one."""
        text = oid.strip()
        for kind in cls:
            if kind.value == text:
                return kind
        known = ", ".join(f"{k.value} ({k.name})" for k in cls)
        raise InsError(
            f"OID d'INS inconnu : « {text} ». OID attendus : {known}.",
            detail=f"unknown INS assigning authority OID {text!r}",
            field="oid",
        )


_NIR_SEX_DIGITS = frozenset("12")
_ANY_SEX_DIGITS = frozenset("1278")
_SEX_DIGITS_BY_KIND: dict[InsKind | None, frozenset[str]] = {
    InsKind.NIR: _NIR_SEX_DIGITS,
    InsKind.NIR_TEST: _NIR_SEX_DIGITS,
    InsKind.NIR_DEMO: _NIR_SEX_DIGITS,
    InsKind.NIA: _ANY_SEX_DIGITS,
    None: _ANY_SEX_DIGITS,
}
_BODY_SHAPE = re.compile(r"[0-9]{5}(?:[0-9]{2}|2A|2B)[0-9]{6}")


def _check_body_shape(body: str, what: str) -> None:
    """Raise :class:`InsError` naming the first character out of place in a 13-char body."""
    for pos, char in enumerate(body, start=1):
        allowed = char.isascii() and char.isdigit()
        if pos == 7 and body[5:7] in ("2A", "2B"):
            allowed = True
        if not allowed:
            hint = " (seule la Corse s'écrit 2A ou 2B)" if pos in (6, 7) else ""
            raise InsError(
                f"{what} : caractère « {char} » non autorisé en position {pos}{hint}.",
                detail=f"unexpected {char!r} at position {pos} of {body!r}",
                field="matricule",
            )
    if not _BODY_SHAPE.fullmatch(body):  # e.g. "2A" is fine but "A2" reaches here
        raise InsError(
            f"{what} : département de naissance « {body[5:7]} » mal formé.",
            detail=f"bad department {body[5:7]!r} in {body!r}",
            field="matricule",
        )


def nir_key(first13: str) -> int:
    """The INS / NIR key of a 13-character body: ``97 - (n mod 97)``.

    Corsica is handled as the NIR rules say: ``2A`` counts as ``19`` and ``2B`` as ``18``.
    Raises :class:`InsError` when ``first13`` is not 13 digits (``2A``/``2B`` allowed at
    positions 6-7).
    """
    body = first13.strip().upper()
    if len(body) != 13:
        raise InsError(
            f"Le corps du matricule doit comporter 13 caractères ({len(body)} reçus).",
            detail=f"nir_key expects 13 characters, got {len(body)}: {body!r}",
            field="matricule",
        )
    _check_body_shape(body, "Matricule INS")
    return int(stdnum_nir.calc_check_digits(body))


def _normalize(matricule: str) -> str:
    return "".join(matricule.split()).upper()


def _check_matricule(matricule: str, kind: InsKind | None) -> None:
    what = "Matricule INS"
    if len(matricule) != 15:
        raise InsError(
            f"{what} : 15 caractères attendus (13 + clé de 2 chiffres), {len(matricule)} reçus.",
            detail=f"length {len(matricule)} != 15: {matricule!r}",
            field="matricule",
        )
    body, key = matricule[:13], matricule[13:]
    _check_body_shape(body, what)
    if not key.isascii() or not key.isdigit():
        raise InsError(
            f"{what} : la clé « {key} » doit être composée de 2 chiffres.",
            detail=f"non-numeric key {key!r}",
            field="matricule",
        )
    sex = body[0]
    if sex in "34":
        raise InsError(
            f"{what} : le premier chiffre {sex} désigne une immatriculation provisoire, "
            "qui n'est pas un matricule INS.",
            detail=f"sex digit {sex} (provisional registration) is not an INS",
            field="matricule",
        )
    allowed = _SEX_DIGITS_BY_KIND[kind]
    if sex not in allowed:
        expected = " ou ".join(sorted(allowed))
        scope = f"pour un {kind.label}" if kind is not None else "pour un NIR ou un NIA"
        raise InsError(
            f"{what} : le premier chiffre (sexe) vaut {sex} ; {expected} attendu {scope}.",
            detail=f"sex digit {sex!r} not in {sorted(allowed)} for kind {kind}",
            field="matricule",
        )
    month = int(body[3:5])
    if not (1 <= month <= 12 or 20 <= month <= 42 or month >= 50):
        raise InsError(
            f"{what} : mois de naissance « {body[3:5]} » impossible "
            "(01 à 12, ou 20 à 42 et 50 à 99 quand le mois est inconnu).",
            detail=f"month {body[3:5]!r} out of the NIR ranges",
            field="matricule",
        )
    if body[5:7] == "00":
        raise InsError(
            f"{what} : département de naissance « 00 » impossible.",
            detail="department 00",
            field="matricule",
        )
    if int(key) != int(stdnum_nir.calc_check_digits(body)):
        # Never name the right key: a mistyped digit in the body would then be "fixed"
        # by changing the key, and the record would carry someone else's INS.
        raise InsError(
            f"{what} : la clé {key} ne correspond pas aux 13 premiers caractères. "
            "Le numéro a pu être mal saisi : relisez le matricule entier sur son document "
            "source (carte Vitale, attestation de droits, retour INSi) ; ne corrigez pas "
            "la clé seule.",
            detail="key does not match the body (mod 97)",
            field="matricule",
        )


@dataclass(frozen=True, slots=True)
class Ins:
    """A checked INS: matricule, assigning-authority OID and the kind that OID names.

    Building an ``Ins`` validates it (see :func:`check_ins`), so every instance is a
    well-formed INS. ``oid`` and ``kind`` are ``None`` when only the matricule is known;
    such an INS can be checked but not shared (``cx()`` refuses it).
    """

    matricule: str
    oid: str | None = None
    kind: InsKind | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        kind = InsKind.from_oid(self.oid) if self.oid is not None else None
        if kind is not None:
            object.__setattr__(self, "oid", kind.oid)
        object.__setattr__(self, "kind", kind)
        _check_matricule(self.matricule, kind)

    @property
    def sex_digit(self) -> str:
        """First character: 1/7 male, 2/8 female."""
        return self.matricule[0]

    @property
    def birth_year_digits(self) -> str:
        """Two last digits of the year of birth."""
        return self.matricule[1:3]

    @property
    def birth_month_code(self) -> int:
        """Month of birth (1-12), or the fictitious code used when it is unknown."""
        return int(self.matricule[3:5])

    @property
    def birthplace_code(self) -> str:
        """The 5-character place of birth: department + commune, or 99 + country."""
        return self.matricule[5:10]

    @property
    def key(self) -> str:
        """The 2-digit key."""
        return self.matricule[13:]

    def formatted(self) -> str:
        """The matricule grouped for reading aloud: ``2 55 08 14 168 025 38``."""
        return str(stdnum_nir.format(self.matricule))

    def cx(self) -> str:
        """HL7v2 CX rendering: ``<matricule>^^^&<OID>&ISO^NH``.

        Raises :class:`InsError` when the OID is unknown (an INS is never sent without it).
        """
        if self.oid is None:
            raise InsError(
                "L'INS ne peut pas être transmis sans l'OID de son autorité d'affectation.",
                detail="Ins.cx() needs an OID",
                field="oid",
            )
        return f"{self.matricule}^^^&{self.oid}&ISO^NH"

    @classmethod
    def from_cx(cls, text: str) -> Ins:
        """Parse an HL7v2 CX value (``ID^^^namespace&OID&ISO^NH[^...]``) into a checked INS.

        The assigning authority's namespace id may be empty or set; its universal id must
        be an INS OID with type ``ISO`` and the identifier type must be ``NH``.
        """
        parts = text.strip().split("^")
        if len(parts) < 5:
            raise InsError(
                "Identifiant HL7v2 (CX) incomplet : matricule, autorité d'affectation et "
                "type d'identifiant attendus.",
                detail=f"CX with {len(parts)} components, at least 5 expected: {text!r}",
                field="CX",
            )
        authority = parts[3].split("&")
        if len(authority) != 3 or authority[2] != "ISO" or not authority[1]:
            raise InsError(
                "Identifiant HL7v2 (CX) : autorité d'affectation attendue sous la forme "
                "« &OID&ISO ».",
                detail=f"CX.4 {parts[3]!r} is not namespace&OID&ISO",
                field="CX.4",
            )
        if parts[4] != "NH":
            raise InsError(
                f"Identifiant HL7v2 (CX) : type d'identifiant « {parts[4]} » au lieu de NH.",
                detail=f"CX.5 {parts[4]!r} != 'NH'",
                field="CX.5",
            )
        return check_ins(parts[0], authority[1])


def check_ins(matricule: str, oid: str | None = None) -> Ins:
    """Check an INS matricule (and its OID when given); return the checked :class:`Ins`.

    Spaces are ignored and letters upper-cased (``2a`` → ``2A``). Raises
    :class:`InsError` with a French message naming the problem: length, character,
    sex digit, month, department, unknown OID, or wrong key (the message never names the
    right key: identity-vigilance asks the matricule to be re-read from its source).
    """
    return Ins(_normalize(matricule), oid)
