"""Reading the GS1 DataMatrix of a vaccine box, as a barcode scanner types it.

French medicine boxes carry a GS1 DataMatrix (ECC 200, symbology identifier ``]d2``)
holding, as GS1 element strings: AI ``01`` the GTIN-14 (``0`` + the CIP13 for a French
presentation), AI ``17`` the expiry date (YYMMDD), AI ``10`` the lot and AI ``21`` the
serial number (EU Falsified Medicines Directive 2011/62/EU, delegated regulation
2016/161; GS1 General Specifications §3.2 and §7.8). The variable-length AIs (``10``,
``21``) end with the FNC1 separator, transmitted as ASCII GS (0x1D), unless they are last.

A keyboard-wedge scanner types the symbol as keystrokes: the ``]d2`` prefix may be there
or not, GS may come through, or be written by the scanner's configuration as a visible
token, or be lost altogether. :func:`parse_datamatrix` accepts all of these:

* GS present (or a known token for it): the string is parsed by ``biip`` as is;
* GS lost: every split of the string into the AIs a medicine box uses (``01``, ``17``,
  ``10``, ``21``, each at most once, fixed-length fields checked — GTIN check digit, valid
  date) is tried; exactly one consistent split is accepted *and says so* in
  :attr:`ScannedBox.notes`; several are refused (:class:`PracticeValidationError` naming
  the ambiguous fields) — the lot is never guessed.

Errors are French and name what is wrong (``field``: ``gtin``, ``expiry``, ``lot``,
``datamatrix``...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from biip import ParseConfig, parse

from esante.practice.errors import PracticeValidationError

GS: Final = "\x1d"
SYMBOLOGY_PREFIXES: Final = ("]d2", "]C1", "]Q3")
"""GS1 DataMatrix, GS1-128, GS1 QR Code (ISO/IEC 15424 symbology identifiers)."""
GS_TOKENS: Final = ("<GS>", "{GS}", "[GS]", "^]", "\\x1d", "\\u001d")
"""How scanner configurations commonly render the FNC1 separator as printable text."""
_FIXED: Final = {"01": 14, "17": 6}
_VARIABLE: Final = {"10": 20, "21": 20}
_MEDICINE_AIS: Final = frozenset(_FIXED) | frozenset(_VARIABLE)
_AZERTY_DIGITS: Final = "&é\"'(-è_çà"
_FIELD_NAMES: Final = {
    "01": "GTIN",
    "17": "date de péremption",
    "10": "lot",
    "21": "numéro de série",
}
_FIELDS: Final = {"01": "gtin", "17": "expiry", "10": "lot", "21": "serial"}


@dataclass(frozen=True)
class ScannedBox:
    """What a vaccine box's DataMatrix says.

    ``cip13`` is the GTIN without its leading ``0`` when the GTIN is a French
    presentation code (prefix ``3400``); ``notes`` tell the user how the string was read
    when it was not plain (separator lost, prefix absent).
    """

    raw: str
    gtin: str
    cip13: str | None
    expiry: date | None
    lot: str | None
    serial: str | None
    notes: tuple[str, ...] = field(default=())

    @property
    def normalized(self) -> str:
        """The element strings with GS separators, as a well-configured scanner sends them."""
        parts = [f"01{self.gtin}"]
        if self.expiry is not None:
            parts.append(f"17{self.expiry:%y%m%d}")
        variable = [(ai, v) for ai, v in (("10", self.lot), ("21", self.serial)) if v]
        text = "".join(parts)
        for index, (ai, value) in enumerate(variable):
            text += ai + value + (GS if index < len(variable) - 1 else "")
        return text


def _refuse(message: str, field_name: str, raw: str) -> PracticeValidationError:
    return PracticeValidationError(message, detail=f"datamatrix {raw!r}", field=field_name)


def _clean(raw: str) -> str:
    """Strip whitespace, the symbology identifier and separator tokens; GS kept as GS."""
    text = raw.strip().replace("\r", "").replace("\n", "")
    for prefix in SYMBOLOGY_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    for token in GS_TOKENS:
        text = text.replace(token, GS)
    text = text.strip(GS)  # a leading FNC1 typed as GS, or a trailing one
    if not text:
        raise _refuse("Le code DataMatrix lu est vide.", "datamatrix", raw)
    if any(c in text for c in _AZERTY_DIGITS) and not re.search(r"\d", text[:3]):
        raise _refuse(
            "Le code lu contient « &é\"'(… » au lieu de chiffres : la douchette est configurée "
            "pour un clavier QWERTY alors que le poste est en AZERTY (ou l'inverse). "
            "Réglez la douchette ou saisissez le code à la main.",
            "datamatrix",
            raw,
        )
    bad = sorted({c for c in text if c != GS and not (32 < ord(c) < 127)})
    if bad:
        raise _refuse(
            "Le code lu contient des caractères qu'un DataMatrix de médicament ne porte "
            f"pas ({', '.join(repr(c) for c in bad)}) : code abîmé ou mal transmis par la "
            "douchette.",
            "datamatrix",
            raw,
        )
    return text


def _gtin_ok(value: str) -> bool:
    if len(value) != 14 or not value.isdigit():
        return False
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(value[:13]))
    return (10 - total % 10) % 10 == int(value[13])


def _date_ok(value: str) -> bool:
    if len(value) != 6 or not value.isdigit():
        return False
    month, day = int(value[2:4]), int(value[4:6])
    return 1 <= month <= 12 and 0 <= day <= 31


def _splits(text: str, seen: frozenset[str] = frozenset()) -> list[list[tuple[str, str]]]:
    """Every reading of ``text`` (no separator) as medicine-box element strings."""
    if not text:
        return [[]]
    ai = text[:2]
    if ai not in _MEDICINE_AIS or ai in seen:
        return []
    rest = text[2:]
    results: list[list[tuple[str, str]]] = []
    if ai in _FIXED:
        size = _FIXED[ai]
        value = rest[:size]
        if len(value) == size and (_gtin_ok(value) if ai == "01" else _date_ok(value)):
            results += [[(ai, value), *tail] for tail in _splits(rest[size:], seen | {ai})]
        return results
    for size in range(1, min(_VARIABLE[ai], len(rest)) + 1):
        tail_text = rest[size:]
        results += [[(ai, rest[:size]), *tail] for tail in _splits(tail_text, seen | {ai})]
    return results


def _describe(split: list[tuple[str, str]]) -> str:
    return ", ".join(f"{_FIELD_NAMES[ai]} {value}" for ai, value in split)


def _diagnose_overlong(text: str, raw: str) -> None:
    """Refuse, naming it, a lot or serial longer than GS1 allows (20) with no reading."""
    pos = 0
    while text[pos : pos + 2] in _FIXED:
        pos += 2 + _FIXED[text[pos : pos + 2]]
    ai = text[pos : pos + 2]
    if ai in _VARIABLE and len(text) - pos - 2 > _VARIABLE[ai]:
        raise _refuse(
            f"Le champ {_FIELD_NAMES[ai]} (AI {ai}) dépasse {_VARIABLE[ai]} caractères : code "
            "abîmé, ou séparateur GS perdu avant un champ inconnu. Rescannez la boîte ou "
            f"saisissez le {_FIELD_NAMES[ai]} à la main.",
            _FIELDS[ai],
            raw,
        )


def _resolve_lost_separators(text: str, raw: str) -> tuple[str, list[str]]:
    """The GS-separated form of a string whose separators were lost, or a precise refusal."""
    if text[:2] not in _MEDICINE_AIS:
        raise _refuse(
            f"Le code lu ne commence pas par un identifiant d'application GS1 (AI) connu "
            f"d'une boîte de médicament (01, 17, 10, 21) : « {text[:2]} ». Code abîmé ou "
            "incomplet : rescannez la boîte.",
            "datamatrix",
            raw,
        )
    candidates = _splits(text)
    if not candidates:
        _diagnose_overlong(text, raw)
        return text, []  # biip names what it cannot read
    # A medicine box always carries its GTIN and expiry (fixed length, checked): a
    # reading that swallowed them into a lot or serial is not a reading of a box.
    complete = [c for c in candidates if {"01", "17"} <= {ai for ai, _ in c}]
    candidates = complete or candidates
    if len(candidates) > 1:
        shown = " ; ou ".join(_describe(c) for c in candidates[:3])
        more = f" (et {len(candidates) - 3} autres lectures)" if len(candidates) > 3 else ""
        raise _refuse(
            "Le séparateur GS (FNC1) a été perdu par la douchette et plusieurs lectures du "
            f"lot et du numéro de série sont possibles : {shown}{more}. Réglez la douchette "
            "pour transmettre le séparateur (GS, code ASCII 29) ou saisissez le lot à la main.",
            "lot",
            raw,
        )
    split = candidates[0]
    variable = [i for i, (ai, _) in enumerate(split) if ai in _VARIABLE]
    rebuilt = "".join(
        ai + value + (GS if i in variable and i < len(split) - 1 else "")
        for i, (ai, value) in enumerate(split)
    )
    notes = []
    if any(i < len(split) - 1 for i in variable):
        notes.append(
            "Séparateur GS absent : découpage déduit des champs de longueur fixe (GTIN, "
            f"date de péremption) — une seule lecture possible ; vérifiez : {_describe(split)}."
        )
    return rebuilt, notes


def parse_datamatrix(raw: str) -> ScannedBox:
    """Read the DataMatrix string ``raw`` of a medicine box.

    Raises :class:`PracticeValidationError` (French, ``field`` naming the element at fault)
    when the string is empty, damaged, ambiguous, has no GTIN, or a field fails its
    GS1 check (GTIN check digit, date).
    """
    text = _clean(raw)
    notes: list[str] = []
    if not raw.strip().startswith(SYMBOLOGY_PREFIXES):
        notes.append("Préfixe ]d2 absent (douchette non configurée pour le transmettre).")
    if GS not in text:
        text, more = _resolve_lost_separators(text, raw)
        notes += more
    result = parse(text, config=ParseConfig(separator_chars=(GS,)))
    message = result.gs1_message
    if message is None:
        error = result.gs1_message_error or "illisible"
        raise _refuse(
            f"Code DataMatrix illisible ({_explain(error)}). Rescannez la boîte ou saisissez "
            "le vaccin à la main.",
            _field_of(error),
            raw,
        )
    values: dict[str, str] = {}
    for element in message.element_strings:
        ai = element.ai.ai
        if ai in values:
            raise _refuse(
                f"Le code contient deux fois le champ {_FIELD_NAMES.get(ai, ai)} (AI {ai}).",
                _FIELDS.get(ai, "datamatrix"),
                raw,
            )
        values[ai] = element.value
        if ai == "01" and element.gtin_error:
            raise _refuse(
                f"GTIN invalide ({element.value}) : chiffre de contrôle faux, code abîmé.",
                "gtin",
                raw,
            )
    gtin = values.get("01")
    if gtin is None:
        raise _refuse(
            "Le code ne contient pas de GTIN (AI 01) : ce n'est pas le DataMatrix d'une "
            "boîte de médicament.",
            "gtin",
            raw,
        )
    expiry = _expiry(values.get("17"), raw)
    return ScannedBox(
        raw=raw,
        gtin=gtin,
        cip13=gtin[1:] if gtin.startswith("03400") else None,
        expiry=expiry,
        lot=values.get("10"),
        serial=values.get("21"),
        notes=tuple(notes),
    )


def _expiry(value: str | None, raw: str) -> date | None:
    """AI 17 (YYMMDD, GS1 General Specifications §3.4.4): day ``00`` is the month's last."""
    if value is None:
        return None
    year, month, day = 2000 + int(value[:2]), int(value[2:4]), int(value[4:6])
    if day == 0:
        following = date(year + (month == 12), month % 12 + 1, 1)
        return date.fromordinal(following.toordinal() - 1)
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise _refuse(
            f"Date de péremption invalide : « {value} » (AAMMJJ).", "expiry", raw
        ) from exc


def _field_of(error: str) -> str:
    match = re.search(r"GS1 AI \((\d+)\)", error)
    if match and match.group(1) in _FIELDS:
        return _FIELDS[match.group(1)]
    return "datamatrix"


def _explain(error: str) -> str:
    """biip's first complaint, in French where it is one we know."""
    first = error.split(". ")[0]
    match = re.search(r"Failed to match '([^']*)' with GS1 AI \((\d+)\)", first)
    if match:
        ai = match.group(2)
        return (
            f"champ {_FIELD_NAMES.get(ai, 'AI ' + ai)} (AI {ai}) mal formé : « {match.group(1)} »"
        )
    match = re.search(r"Failed to get GS1 Application Identifier from '([^']*)'", first)
    if match:
        return f"identifiant d'application inconnu au début de « {match.group(1)[:20]} »"
    return first


__all__ = ["GS", "ScannedBox", "parse_datamatrix"]
