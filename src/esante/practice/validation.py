"""Field checks shared by the practice services, each raising PracticeValidationError.

Every check names the field at fault and says in French what is expected. Identifiers
carry check keys: RPPS (11 digits, Luhn key), FINESS (9 digits, Luhn key), SIRET
(python-stdnum ``fr.siret``: Luhn over SIREN and over the 14 digits). MSSanté addresses
belong to the health messaging trust space, whose domains all end in ``mssante.fr``.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from stdnum import luhn
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.fr import siret as stdnum_siret

from esante.practice.errors import PracticeValidationError

_EMAIL = re.compile(r"[^@\s]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+")
_PHONE = re.compile(r"\+?[0-9 .()\-]{4,30}")
_CODE = re.compile(r"[A-Za-z0-9_./\-]+")
OLDEST_BIRTH_YEAR = 1880


def text(value: str | None, field: str, label: str, max_length: int) -> str:
    """A required text: stripped, not empty, at most ``max_length``, no control character."""
    cleaned = optional_text(value, field, label, max_length)
    if cleaned is None:
        raise PracticeValidationError(f"{label} : information obligatoire.", field=field)
    return cleaned


def optional_text(value: str | None, field: str, label: str, max_length: int) -> str | None:
    """An optional text: stripped; empty becomes None; length and characters checked."""
    if value is None:
        return None
    cleaned = value.strip()
    if not cleaned:
        return None
    if len(cleaned) > max_length:
        raise PracticeValidationError(
            f"{label} : {len(cleaned)} caractères, {max_length} au plus.",
            detail=f"{field} longer than {max_length}",
            field=field,
        )
    if any(unicodedata.category(c).startswith("C") for c in cleaned):
        raise PracticeValidationError(
            f"{label} : caractère de contrôle non autorisé.",
            detail=f"control character in {field}",
            field=field,
        )
    return cleaned


def code(value: str | None, field: str, label: str, max_length: int = 30) -> str | None:
    """An optional code (letters, digits, ``_ . / -``)."""
    cleaned = optional_text(value, field, label, max_length)
    if cleaned is not None and not _CODE.fullmatch(cleaned):
        raise PracticeValidationError(
            f"{label} : code « {cleaned} » mal formé (lettres, chiffres, _ . / - attendus).",
            field=field,
        )
    return cleaned


def email(value: str | None, field: str = "email", label: str = "Adresse e-mail") -> str | None:
    """An optional e-mail address (``local@domain.tld``)."""
    cleaned = optional_text(value, field, label, 200)
    if cleaned is not None and not _EMAIL.fullmatch(cleaned):
        raise PracticeValidationError(
            f"{label} « {cleaned} » invalide (forme attendue : nom@domaine.fr).",
            field=field,
        )
    return cleaned


def mssante_address(value: str | None, field: str = "mssante_address") -> str | None:
    """An optional MSSanté address: an e-mail address in a ``mssante.fr`` domain."""
    cleaned = email(value, field, "Adresse MSSanté")
    if cleaned is None:
        return None
    domain = cleaned.rsplit("@", 1)[1].lower()
    if domain != "mssante.fr" and not domain.endswith(".mssante.fr"):
        raise PracticeValidationError(
            f"Adresse MSSanté « {cleaned} » hors de l'espace de confiance MSSanté "
            "(domaine en mssante.fr attendu).",
            detail=f"domain {domain!r} is not under mssante.fr",
            field=field,
        )
    return cleaned


def phone(value: str | None, field: str = "phone") -> str | None:
    """An optional phone number (digits, spaces, dots, dashes, parentheses, leading +)."""
    cleaned = optional_text(value, field, "Téléphone", 30)
    if cleaned is not None and not _PHONE.fullmatch(cleaned):
        raise PracticeValidationError(f"Numéro de téléphone « {cleaned} » invalide.", field=field)
    return cleaned


def birth_date(value: date, field: str = "birth_date", *, today: date | None = None) -> date:
    """A plausible date of birth: not in the future, not before 1880."""
    today = today or date.today()
    if value > today:
        raise PracticeValidationError(
            f"Date de naissance {value:%d/%m/%Y} dans le futur.",
            detail=f"{field} {value.isoformat()} > {today.isoformat()}",
            field=field,
        )
    if value.year < OLDEST_BIRTH_YEAR:
        raise PracticeValidationError(
            f"Date de naissance {value:%d/%m/%Y} invraisemblable.",
            detail=f"{field} year < {OLDEST_BIRTH_YEAR}",
            field=field,
        )
    return value


def _digits(value: str | None, field: str, label: str, length: int) -> str:
    cleaned = "".join((value or "").split())
    if not cleaned:
        raise PracticeValidationError(f"{label} : information obligatoire.", field=field)
    if len(cleaned) != length or not cleaned.isascii() or not cleaned.isdigit():
        raise PracticeValidationError(
            f"{label} « {cleaned} » invalide : {length} chiffres attendus.",
            detail=f"{field} must be {length} digits, got {cleaned!r}",
            field=field,
        )
    return cleaned


def rpps(value: str | None, field: str = "rpps") -> str:
    """An RPPS number: 11 digits whose last is the Luhn key of the first ten."""
    cleaned = _digits(value, field, "Numéro RPPS", 11)
    if not luhn.is_valid(cleaned):
        raise PracticeValidationError(
            f"Numéro RPPS « {cleaned} » invalide : clé de contrôle incorrecte. Vérifiez la saisie.",
            detail=f"Luhn check failed for RPPS {cleaned}",
            field=field,
        )
    return cleaned


def finess(value: str | None, field: str = "finess") -> str:
    """A FINESS number: 9 digits whose last is the Luhn key of the first eight."""
    cleaned = "".join((value or "").split()).upper()
    if len(cleaned) == 9 and cleaned[:2] in ("2A", "2B") and cleaned[2:].isdigit():
        return cleaned  # Corsica: the department letters are kept, no numeric key to check
    cleaned = _digits(cleaned, field, "Numéro FINESS", 9)
    if not luhn.is_valid(cleaned):
        raise PracticeValidationError(
            f"Numéro FINESS « {cleaned} » invalide : clé de contrôle incorrecte.",
            detail=f"Luhn check failed for FINESS {cleaned}",
            field=field,
        )
    return cleaned


def siret(value: str | None, field: str = "siret") -> str:
    """A SIRET number: 14 digits, SIREN and SIRET keys valid."""
    cleaned = _digits(value, field, "Numéro SIRET", 14)
    try:
        return str(stdnum_siret.validate(cleaned))
    except StdnumValidationError as exc:
        raise PracticeValidationError(
            f"Numéro SIRET « {cleaned} » invalide : clé de contrôle incorrecte.",
            detail=f"stdnum.fr.siret: {exc}",
            field=field,
        ) from exc
