"""The HL7 v2.5 data types XDS metadata are written in: CX, XCN, XON, XPN, PID fields, DTM.

XDS carries people, organisations and patient identifiers as HL7 v2 strings inside ebRIM
slots and external identifiers (ITI TF-3 §4.2.3.1.7 "Metadata attribute data types"):

* CX (patientId, sourcePatientId, referenceIdList) ``id^^^&OID&ISO^NH``
* XCN (authorPerson, legalAuthenticator)
  ``899900063480^MAX^LIBRE^^^^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS``
* XON (authorInstitution)
  ``CABINET DR LIBRE^^^^^&1.2.250.1.71.4.2.2&ISO^IDNST^^^499900063480001``
* XPN and PID fields (sourcePatientInfo) ``PID-5|DUPONT^JEANNE^^^^^L``
* DTM (creationTime, serviceStart/StopTime, submissionTime), always UTC,
  ``YYYY[MM[DD[hh[mm[ss]]]]]``

The CI-SIS gives the French content of the components (PDSm4DMP StructureDefinition
pages: ActorXDS, AuthorInstitution, PatientId). Each class parses and formats its
string losslessly for the components XDS uses; unknown components are dropped.
Components are separated by ``^``, sub-components by ``&``; the escape sequences
``\\S\\ \\T\\ \\R\\ \\F\\ \\E\\`` protect separators inside values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from esante.xds.errors import XdsFormatError

_ESCAPES = (("\\", "\\E\\"), ("|", "\\F\\"), ("^", "\\S\\"), ("&", "\\T\\"), ("~", "\\R\\"))
_DTM = re.compile(r"^\d{4}(?:\d{2}(?:\d{2}(?:\d{2}(?:\d{2}(?:\d{2})?)?)?)?)?$")
_TS = re.compile(r"^(\d{4,14})(?:\.\d+)?(?:([+-])(\d{2})(\d{2}))?$")


def escape(text: str) -> str:
    """``text`` with the HL7 v2 separators replaced by their escape sequences."""
    for raw, escaped in _ESCAPES:
        text = text.replace(raw, escaped)
    return text


def unescape(text: str) -> str:
    """The inverse of :func:`escape`."""
    for raw, escaped in reversed(_ESCAPES):
        text = text.replace(escaped, raw)
    return text


def _components(value: str, size: int) -> list[str]:
    parts = value.split("^")
    return parts + [""] * (size - len(parts))


def _join(components: Sequence[str]) -> str:
    return "^".join(components).rstrip("^")


def _hd(component: str) -> tuple[str, str, str]:
    """Split an HD (namespace&universalId&type) into its three sub-components, unescaped."""
    subs = [*component.split("&"), "", "", ""]
    return unescape(subs[0]), unescape(subs[1]), unescape(subs[2])


def _format_hd(namespace: str, universal_id: str, universal_type: str) -> str:
    if not (namespace or universal_id):
        return ""
    return "&".join((escape(namespace), escape(universal_id), escape(universal_type))).rstrip("&")


@dataclass(frozen=True, slots=True)
class Identifier:
    """An HL7 v2 CX: an identifier issued by an assigning authority (patientId...).

    ``assigning_authority`` is the OID of CX.4 (universal id), ``type_code`` CX.5
    (``NH`` for the INS, ``PI`` for a local patient number).
    """

    id: str
    assigning_authority: str = ""
    type_code: str = ""
    assigning_authority_name: str = ""
    assigning_authority_type: str = "ISO"
    assigning_facility: str = ""
    effective_date: str = ""
    expiration_date: str = ""

    @classmethod
    def parse(cls, value: str) -> Identifier:
        """Read a CX string (surrounding blanks ignored); raises :class:`XdsFormatError`
        when it has no CX.1."""
        c = _components(value.strip(), 8)
        if not c[0]:
            raise XdsFormatError(
                "Identifiant (CX) sans valeur.", detail=f"CX value {value!r} has no CX.1"
            )
        namespace, universal_id, universal_type = _hd(c[3])
        return cls(
            id=unescape(c[0]),
            assigning_authority=universal_id,
            type_code=unescape(c[4]),
            assigning_authority_name=namespace,
            assigning_authority_type=universal_type or "ISO",
            assigning_facility=c[5],
            effective_date=unescape(c[6]),
            expiration_date=unescape(c[7]),
        )

    def to_hl7(self) -> str:
        """The CX string, trailing empty components trimmed."""
        authority = _format_hd(
            self.assigning_authority_name, self.assigning_authority, self.assigning_authority_type
        )
        return _join(
            (
                escape(self.id),
                "",
                "",
                authority,
                escape(self.type_code),
                self.assigning_facility,
                escape(self.effective_date),
                escape(self.expiration_date),
            )
        )

    def same_as(self, other: Identifier) -> bool:
        """Same id in the same assigning authority (what XDS compares for patient ids)."""
        return self.id == other.id and self.assigning_authority == other.assigning_authority

    def __str__(self) -> str:
        return self.to_hl7()


@dataclass(frozen=True, slots=True)
class Person:
    """An HL7 v2 XCN: a person (or a system, name type ``U``) with its identifier.

    In the CI-SIS: XCN.1 the idNat_PS, XCN.2 the family (exercise) name, XCN.3 the
    given name, XCN.9 the assigning authority OID, XCN.10 ``D`` (person) or ``U``
    (system), XCN.13 the identifier type (``IDNPS``, ``RPPS``...).
    """

    id: str = ""
    family_name: str = ""
    given_name: str = ""
    other_given_names: str = ""
    suffix: str = ""
    prefix: str = ""
    assigning_authority: str = ""
    assigning_authority_type: str = "ISO"
    name_type_code: str = ""
    identifier_type_code: str = ""

    @classmethod
    def parse(cls, value: str) -> Person:
        """Read an XCN string; raises :class:`XdsFormatError` when it is empty."""
        if not value.strip():
            raise XdsFormatError("Personne (XCN) vide.", detail="empty XCN value")
        c = _components(value.strip(), 13)
        _, universal_id, universal_type = _hd(c[8])
        return cls(
            id=unescape(c[0]),
            family_name=unescape(c[1].split("&")[0]),
            given_name=unescape(c[2]),
            other_given_names=unescape(c[3]),
            suffix=unescape(c[4]),
            prefix=unescape(c[5]),
            assigning_authority=universal_id,
            assigning_authority_type=universal_type or "ISO",
            name_type_code=unescape(c[9]),
            identifier_type_code=unescape(c[12]),
        )

    def to_hl7(self) -> str:
        """The XCN string, trailing empty components trimmed."""
        return _join(
            (
                escape(self.id),
                escape(self.family_name),
                escape(self.given_name),
                escape(self.other_given_names),
                escape(self.suffix),
                escape(self.prefix),
                "",
                "",
                _format_hd("", self.assigning_authority, self.assigning_authority_type),
                escape(self.name_type_code),
                "",
                "",
                escape(self.identifier_type_code),
            )
        )

    def __str__(self) -> str:
        return self.to_hl7()


@dataclass(frozen=True, slots=True)
class Organization:
    """An HL7 v2 XON: an organisation (authorInstitution).

    CI-SIS: XON.1 the name, XON.6 the assigning authority (``1.2.250.1.71.4.2.2`` for
    idNat_Struct), XON.7 the identifier type (``IDNST``), XON.10 the identifier.
    """

    name: str
    identifier: str = ""
    assigning_authority: str = ""
    assigning_authority_type: str = "ISO"
    identifier_type_code: str = ""

    @classmethod
    def parse(cls, value: str) -> Organization:
        """Read an XON string; raises :class:`XdsFormatError` when it has no name."""
        c = _components(value.strip(), 10)
        if not c[0]:
            raise XdsFormatError(
                "Structure (XON) sans nom.", detail=f"XON value {value!r} has no XON.1"
            )
        _, universal_id, universal_type = _hd(c[5])
        return cls(
            name=unescape(c[0]),
            identifier=unescape(c[9]) or unescape(c[2]),
            assigning_authority=universal_id,
            assigning_authority_type=universal_type or "ISO",
            identifier_type_code=unescape(c[6]),
        )

    def to_hl7(self) -> str:
        """The XON string, trailing empty components trimmed."""
        return _join(
            (
                escape(self.name),
                "",
                "",
                "",
                "",
                _format_hd("", self.assigning_authority, self.assigning_authority_type),
                escape(self.identifier_type_code),
                "",
                "",
                escape(self.identifier),
            )
        )

    def __str__(self) -> str:
        return self.to_hl7()


@dataclass(frozen=True, slots=True)
class PersonName:
    """An HL7 v2 XPN (PID-5). ``name_type_code``: ``L`` birth name, ``D`` used name."""

    family_name: str
    given_name: str = ""
    other_given_names: str = ""
    suffix: str = ""
    prefix: str = ""
    name_type_code: str = ""

    @classmethod
    def parse(cls, value: str) -> PersonName:
        """Read an XPN string."""
        c = _components(value.strip(), 7)
        return cls(
            family_name=unescape(c[0].split("&")[0]),
            given_name=unescape(c[1]),
            other_given_names=unescape(c[2]),
            suffix=unescape(c[3]),
            prefix=unescape(c[4]),
            name_type_code=unescape(c[6]),
        )

    def to_hl7(self) -> str:
        """The XPN string, trailing empty components trimmed."""
        return _join(
            (
                escape(self.family_name),
                escape(self.given_name),
                escape(self.other_given_names),
                escape(self.suffix),
                escape(self.prefix),
                "",
                escape(self.name_type_code),
            )
        )


@dataclass(frozen=True, slots=True)
class PatientInfo:
    """sourcePatientInfo: the patient's traits as the producer knew them (PID fields).

    PID-3 identifiers, PID-5 names, PID-7 birth date, PID-8 administrative sex, PID-11
    addresses (kept as XAD strings); any other ``PID-n|...`` line is kept verbatim in
    ``other_fields`` so that nothing received is lost.
    """

    identifiers: tuple[Identifier, ...] = ()
    names: tuple[PersonName, ...] = ()
    birth_time: str = ""
    gender: str = ""
    addresses: tuple[str, ...] = ()
    other_fields: tuple[str, ...] = ()

    @classmethod
    def from_values(cls, values: Iterable[str]) -> PatientInfo:
        """Read the ``PID-n|value`` lines of a sourcePatientInfo slot.

        Raises :class:`XdsFormatError` for a line that is not ``PID-n|value``.
        """
        ids: list[Identifier] = []
        names: list[PersonName] = []
        addresses: list[str] = []
        other: list[str] = []
        birth_time = gender = ""
        for line in values:
            field, sep, content = line.partition("|")
            if not sep or not re.fullmatch(r"PID-\d+", field.strip()):
                raise XdsFormatError(
                    "Traits du patient (sourcePatientInfo) mal formés.",
                    detail=f"sourcePatientInfo value {line!r} is not 'PID-n|value'",
                )
            number = int(field.strip()[4:])
            repetitions = [r for r in content.split("~") if r]
            if number == 3:
                ids += [Identifier.parse(r) for r in repetitions]
            elif number == 5:
                names += [PersonName.parse(r) for r in repetitions]
            elif number == 7:
                birth_time = unescape(content)
            elif number == 8:
                gender = unescape(content)
            elif number == 11:
                addresses += repetitions
            else:
                other.append(line)
        return cls(tuple(ids), tuple(names), birth_time, gender, tuple(addresses), tuple(other))

    def to_values(self) -> tuple[str, ...]:
        """The ``PID-n|value`` lines, one repetition per line."""
        lines = [f"PID-3|{i.to_hl7()}" for i in self.identifiers]
        lines += [f"PID-5|{n.to_hl7()}" for n in self.names]
        if self.birth_time:
            lines.append(f"PID-7|{escape(self.birth_time)}")
        if self.gender:
            lines.append(f"PID-8|{escape(self.gender)}")
        lines += [f"PID-11|{a}" for a in self.addresses]
        lines += list(self.other_fields)
        return tuple(lines)


# --- DTM (UTC timestamps of XDS) ----------------------------------------------------------


def is_dtm(value: str) -> bool:
    """Whether ``value`` is an XDS DTM: ``YYYY[MM[DD[hh[mm[ss]]]]]`` digits only."""
    return bool(_DTM.match(value))


def format_dtm(moment: datetime) -> str:
    """``moment`` as an XDS DTM to the second, in UTC (naive datetimes are taken as UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y%m%d%H%M%S")


def parse_dtm(value: str) -> datetime:
    """An XDS DTM as an aware UTC datetime (missing month/day default to 1, time to 0).

    Raises :class:`XdsFormatError` when ``value`` is not a DTM.
    """
    if not is_dtm(value):
        raise XdsFormatError(
            "Date/heure XDS invalide.", detail=f"{value!r} is not an HL7 DTM (YYYY[MM[DD[hhmmss]]])"
        )
    padded = value + "0101000000"[len(value) - 4 :] if len(value) < 14 else value
    try:
        return datetime.strptime(padded[:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError as exc:
        raise XdsFormatError("Date/heure XDS invalide.", detail=f"{value!r}: {exc}") from exc


def ts_to_dtm(value: str) -> str:
    """An HL7 v3 TS (CDA ``effectiveTime/@value``) as an XDS DTM in UTC, same precision.

    ``20200312111700+0100`` → ``20200312101700``; ``20190221`` → ``20190221``. A value
    with an offset but no time of day keeps its date (XDS dates are not shifted).
    Raises :class:`XdsFormatError` when ``value`` is not a TS.
    """
    match = _TS.match(value.strip())
    if not match or len(match.group(1)) not in (4, 6, 8, 10, 12, 14):
        raise XdsFormatError(
            "Date/heure CDA invalide.",
            detail=f"{value!r} is not an HL7 v3 TS (YYYYMMDDhhmmss±zzzz)",
        )
    digits, sign, hours, minutes = match.groups()
    if sign is None or len(digits) <= 8:
        return digits
    local = datetime.strptime(digits + "0" * (14 - len(digits)), "%Y%m%d%H%M%S")
    offset = timedelta(hours=int(hours), minutes=int(minutes)) * (1 if sign == "+" else -1)
    utc = local.replace(tzinfo=timezone(offset)).astimezone(UTC)
    return utc.strftime("%Y%m%d%H%M%S")[: len(digits)]
