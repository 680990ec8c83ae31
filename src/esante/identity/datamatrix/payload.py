"""The text carried by the INS DataMatrix printed on health documents.

Format: ANS, "INS — Format DataMatrix" (v2.2, 26/09/2023), which follows the 2D-Doc
conventions. The ANS document itself could not be consulted while writing this module;
the layout below is the one of the project's design notes, cross-checked against two
independent public implementations that cite that specification (same header, block
identifiers, fixed lengths and GS rule; both use 20 as the maximum of S2 and 100 for
S3 and S4). Validate against the ANS online DataMatrix INS checker when it is at hand.

* a 26-character header: marker ``IS``, version ``01``, then 22 reserved ``0``;
* a message made of data blocks, each a 2-character identifier followed by its value:

  ====  ===========================================  ===============
  id    value                                        length
  ====  ===========================================  ===============
  S1    INS matricule                                15 (fixed)
  S2    OID of the INS authority                     up to 20
  S3    birth given names, space separated           up to 100
  S4    birth family name                            up to 100
  S5    sex, ``M`` or ``F``                          1 (fixed)
  S6    date of birth ``JJ-MM-AAAA``                 10 (fixed)
  S7    place of birth, COG code (optional)          5 (fixed)
  ====  ===========================================  ===============

* the separator GS (ASCII 29) closes a variable-length value that is shorter than its
  maximum and is not the last of the message; fixed-length values and full-length values
  take none.

Names are written as INSi returns them (upper case, no diacritics; see
:func:`esante.identity.ins_name`). Only the sexes the INS carries (M, F) can be encoded.
The encoder writes the blocks in identifier order; the decoder accepts any order (the
identifiers exist for that), refuses unknown or repeated identifiers and missing
mandatory blocks, and tolerates a superfluous GS after a full-length value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from esante.identity.errors import DataMatrixError, IdentityError
from esante.identity.ins import Ins, check_ins
from esante.identity.traits import IdentityTraits, ins_name

__all__ = ["GS", "HEADER", "InsDataMatrix", "decode_payload", "encode_payload"]

HEADER = "IS01" + "0" * 22
GS = "\x1d"
MAX_PAYLOAD = 1000


@dataclass(frozen=True, slots=True)
class _Block:
    ident: str
    label: str
    max_length: int
    fixed: bool
    required: bool = True


_BLOCKS = {
    b.ident: b
    for b in (
        _Block("S1", "matricule INS", 15, fixed=True),
        _Block("S2", "OID de l'INS", 20, fixed=False),
        _Block("S3", "prénoms de naissance", 100, fixed=False),
        _Block("S4", "nom de naissance", 100, fixed=False),
        _Block("S5", "sexe", 1, fixed=True),
        _Block("S6", "date de naissance", 10, fixed=True),
        _Block("S7", "lieu de naissance", 5, fixed=True, required=False),
    )
}
_DATE = re.compile(r"([0-9]{2})-([0-9]{2})-([0-9]{4})")
_COG = re.compile(r"(?:0[1-9]|[1-9][0-9]|2A|2B)[0-9]{3}")


def _error(message: str, *, detail: str, ident: str | None = None) -> DataMatrixError:
    return DataMatrixError(f"DataMatrix INS : {message}", detail=detail, field=ident)


@dataclass(frozen=True, slots=True)
class InsDataMatrix:
    """The fields of an INS DataMatrix, checked on construction.

    Names must already be in INS spelling: use :meth:`from_identity` to build one from
    an :class:`~esante.identity.Ins` and :class:`~esante.identity.IdentityTraits`.
    Raises :class:`DataMatrixError` naming the block at fault.
    """

    matricule: str
    oid: str
    birth_given_names: str
    birth_family_name: str
    sex: str
    birth_date: date
    birthplace_cog: str | None = None

    def __post_init__(self) -> None:
        try:
            ins = check_ins(self.matricule, self.oid)
        except IdentityError as exc:
            raise _error(exc.message, detail=exc.detail or "", ident="S1/S2") from exc
        if (ins.matricule, ins.oid) != (self.matricule, self.oid):
            raise _error(
                "matricule et OID à écrire sans espace, en majuscules.",
                detail=f"non-canonical S1/S2 {self.matricule!r} {self.oid!r}",
                ident="S1/S2",
            )
        for ident, value in (("S3", self.birth_given_names), ("S4", self.birth_family_name)):
            block = _BLOCKS[ident]
            try:
                spelled = ins_name(value)
            except IdentityError as exc:
                raise _error(
                    f"{block.label} : {exc.message}", detail=exc.detail or "", ident=ident
                ) from exc
            if spelled != value:
                raise _error(
                    f"{block.label} « {value} » à écrire selon l'INS : « {spelled} ».",
                    detail=f"{ident} not in INS spelling",
                    ident=ident,
                )
            if len(value) > block.max_length:
                raise _error(
                    f"{block.label} trop long ({len(value)} caractères, "
                    f"{block.max_length} au plus).",
                    detail=f"{ident} length {len(value)} > {block.max_length}",
                    ident=ident,
                )
        if self.sex not in ("M", "F"):
            raise _error(
                f"sexe « {self.sex} » : M ou F attendu (l'INS ne porte pas d'autre valeur).",
                detail=f"S5 {self.sex!r} not in M/F",
                ident="S5",
            )
        if not isinstance(self.birth_date, date) or not 1 <= self.birth_date.year <= 9999:
            raise _error("date de naissance manquante.", detail="S6 not a date", ident="S6")
        if self.birthplace_cog is not None and not _COG.fullmatch(self.birthplace_cog):
            raise _error(
                f"lieu de naissance « {self.birthplace_cog} » : code COG de 5 caractères attendu.",
                detail=f"S7 {self.birthplace_cog!r} is not a COG code",
                ident="S7",
            )

    @classmethod
    def from_identity(cls, ins: Ins, traits: IdentityTraits) -> InsDataMatrix:
        """Build from a checked INS (with its OID) and its traits, spelling names the INS way."""
        if ins.oid is None:
            raise _error("l'OID de l'INS est obligatoire.", detail="Ins without OID", ident="S2")
        try:
            given, family = ins_name(traits.birth_given_names), ins_name(traits.birth_family_name)
        except IdentityError as exc:
            raise _error(exc.message, detail=exc.detail or "", ident="S3/S4") from exc
        return cls(
            matricule=ins.matricule,
            oid=ins.oid,
            birth_given_names=given,
            birth_family_name=family,
            sex=traits.sex,
            birth_date=traits.birth_date,
            birthplace_cog=traits.birthplace_cog,
        )

    @property
    def ins(self) -> Ins:
        """The INS this DataMatrix carries."""
        return check_ins(self.matricule, self.oid)


def encode_payload(data: InsDataMatrix) -> str:
    """The DataMatrix text for ``data``: header, blocks S1-S7, GS after short variable ones."""
    values = {
        "S1": data.matricule,
        "S2": data.oid,
        "S3": data.birth_given_names,
        "S4": data.birth_family_name,
        "S5": data.sex,
        "S6": data.birth_date.strftime("%d-%m-") + f"{data.birth_date.year:04d}",
    }
    if data.birthplace_cog is not None:
        values["S7"] = data.birthplace_cog
    last = list(values)[-1]
    out = [HEADER]
    for ident, value in values.items():
        block = _BLOCKS[ident]
        out.append(ident + value)
        if not block.fixed and len(value) < block.max_length and ident != last:
            out.append(GS)
    return "".join(out)


def _check_header(text: str) -> None:
    if not text.startswith("IS"):
        raise _error(
            "ce code n'est pas un DataMatrix INS (il doit commencer par « IS01 »).",
            detail=f"header starts with {text[:4]!r}",
        )
    if text[2:4] != "01":
        raise _error(
            f"version « {text[2:4]} » non prise en charge (version 01 attendue).",
            detail=f"header version {text[2:4]!r}",
        )
    if len(text) < len(HEADER) or text[4 : len(HEADER)] != "0" * 22:
        raise _error(
            "en-tête mal formé (« IS01 » suivi de 22 zéros attendu).",
            detail=f"header {text[: len(HEADER)]!r}",
        )


def _split_blocks(text: str) -> dict[str, str]:
    blocks: dict[str, str] = {}
    pos = len(HEADER)
    unterminated: str | None = None  # variable block read to its maximum without a GS
    while pos < len(text):
        ident = text[pos : pos + 2]
        block = _BLOCKS.get(ident)
        if block is None:
            hint = f" ; séparateur GS manquant après {unterminated} ?" if unterminated else ""
            raise _error(
                f"identifiant de donnée « {ident!r} » inconnu en position {pos + 1} "
                f"(S1 à S7 attendus{hint}).",
                detail=f"unknown data identifier {ident!r} at offset {pos}",
                ident=unterminated,
            )
        unterminated = None
        if ident in blocks:
            raise _error(
                f"donnée {ident} ({block.label}) présente deux fois.",
                detail=f"duplicate {ident}",
                ident=ident,
            )
        start = pos + 2
        limit = min(len(text), start + block.max_length)
        if block.fixed:
            value, pos = text[start:limit], limit
            if len(value) != block.max_length:
                raise _error(
                    f"{block.label} ({ident}) tronqué : {block.max_length} caractères attendus.",
                    detail=f"{ident} has {len(value)} characters, {block.max_length} expected",
                    ident=ident,
                )
        else:
            sep = text.find(GS, start, limit)
            if sep != -1:
                value, pos = text[start:sep], sep + 1
            else:
                value, pos = text[start:limit], limit
                if pos < len(text) and text[pos] == GS:
                    pos += 1  # superfluous GS after a full-length value
                else:
                    unterminated = ident
        if not value:
            raise _error(f"{block.label} ({ident}) vide.", detail=f"empty {ident}", ident=ident)
        blocks[ident] = value
    missing = [i for i, b in _BLOCKS.items() if b.required and i not in blocks]
    if missing:
        names = ", ".join(f"{i} ({_BLOCKS[i].label})" for i in missing)
        raise _error(
            f"données obligatoires absentes : {names}.",
            detail=f"missing blocks {missing}",
            ident=missing[0],
        )
    return blocks


def _parse_date(value: str) -> date:
    match = _DATE.fullmatch(value)
    if match is None:
        raise _error(
            f"date de naissance « {value} » : format JJ-MM-AAAA attendu.",
            detail=f"S6 {value!r} is not DD-MM-YYYY",
            ident="S6",
        )
    day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise _error(
            f"date de naissance « {value} » impossible.", detail=str(exc), ident="S6"
        ) from exc


def decode_payload(text: str) -> InsDataMatrix:
    """Parse and check the text of an INS DataMatrix.

    A trailing CR/LF (added by some keyboard-wedge scanners) is ignored. Raises
    :class:`DataMatrixError` naming the block at fault for anything malformed: header,
    unknown, repeated, truncated, empty or missing blocks, wrong key, unknown OID,
    names not in INS spelling, sex other than M/F, impossible date, bad COG code.
    """
    text = text.rstrip("\r\n")
    if len(text) > MAX_PAYLOAD:
        raise _error(
            f"contenu trop long ({len(text)} caractères).",
            detail=f"payload length {len(text)} > {MAX_PAYLOAD}",
        )
    _check_header(text)
    blocks = _split_blocks(text)
    return InsDataMatrix(
        matricule=blocks["S1"],
        oid=blocks["S2"],
        birth_given_names=blocks["S3"],
        birth_family_name=blocks["S4"],
        sex=blocks["S5"],
        birth_date=_parse_date(blocks["S6"]),
        birthplace_cog=blocks.get("S7"),
    )
