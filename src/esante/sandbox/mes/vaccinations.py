"""« Mes vaccinations »: the vaccination history compiled from the documents of the DMP.

Mon espace santé shows the patient the vaccinations the professionals recorded. The
sandbox compiles them from every document of the DMP that records vaccinations with
FR-Vaccination entries (``substanceAdministration``, templateId
``1.2.250.1.213.1.1.3.45``):

* the vaccination notes (CI-SIS « Note de vaccination » VAC-NOTE 2023.01, type LOINC
  87273-9): one entry per injection, the vaccine by product (CIS with its ATC and CIP
  translations);
* the Vaccinations section (``1.2.250.1.213.1.1.2.147``, LOINC 11369-6) of the health
  certificates CS8, CS9 and CS24 (CI-SIS CSE, type ``CERT_DECL``, templateIds
  ``1.2.250.1.213.1.1.1.5.1`` / ``.2`` / ``.3``): one entry per *antigen* (ATC classes of
  JDV_VaccinCSE9 / JDV_VaccinCSE24: a hexavalent injection is four entries);
* a structured « Historique des vaccinations » document (type LOINC 11369-6), if any.

Each entry gives the vaccine, the date (``effectiveTime``), the lot (``lotNumberText``),
the expiry (``pharm:expirationTime``), the route, the site, the dose rank (FR-Rang-
vaccination ``1.2.250.1.213.1.1.3.82``) and the performer. Entries recording a vaccine
*not* given (``negationInd="true"``) are left out of the history.

**Deduplicated**: the same vaccination (same vaccine, same date) told by several
documents is shown once, with its source document and the others that also record it. A
certificate's antigen entry is the same vaccination as a product entry of the same day
whose vaccine holds that antigen (the CS24's « Haemophilus influenzae B » of 1 February
is the Infanrix hexa of the note of 1 February): the antigens of a product's ATC class
are the antigen classes it falls under (``J07AL02`` → ``J07AL``) and, for combined
vaccines, those the vaccination schedule of :mod:`esante.cda.examples.vaccination` gives
them (``J07CA09`` → D-T-P, coqueluche, Hib, hépatite B).

:func:`read_vac_note` reads one note and :func:`read_vaccinations` any such document
into :class:`esante.cda.Immunization` values (parsed by :func:`esante.cda.read_document`,
the hardened reader). :func:`vaccination_history` groups the records by vaccine (ATC
class, else product), each group by date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from functools import cache

from esante.cda import vocabulary as v
from esante.cda.clinical import Immunization
from esante.cda.errors import CdaReadError
from esante.cda.examples.vaccination import schedule
from esante.cda.model import Code
from esante.cda.read import ReceivedDocument, read_document
from esante.sandbox.mes import _hl7

__all__ = [
    "CERTIFICATE_TEMPLATES",
    "CERTIFICATE_TYPE",
    "HISTORY_TYPE",
    "VACCINATION_TYPES",
    "VAC_NOTE_TEMPLATE",
    "VAC_NOTE_TYPE",
    "VaccinationRecord",
    "VaccineGroup",
    "antigens_of",
    "read_vac_note",
    "read_vaccinations",
    "vaccination_history",
]

VAC_NOTE_TYPE = "87273-9"
"""LOINC type code of the « Note de vaccination »."""
VAC_NOTE_TEMPLATE = "1.2.250.1.213.1.1.1.46"
CERTIFICATE_TYPE = "CERT_DECL"
"""Type code of the health certificates CS8, CS9, CS24 (« Certificat, déclaration »)."""
CERTIFICATE_TEMPLATES = frozenset(
    {"1.2.250.1.213.1.1.1.5.1", "1.2.250.1.213.1.1.1.5.2", "1.2.250.1.213.1.1.1.5.3"}
)
"""templateIds of the CSE-CS8, CSE-CS9 and CSE-CS24 (CI-SIS « Certificats de santé »)."""
HISTORY_TYPE = "11369-6"
"""LOINC « Historique des vaccinations » (JDV_J07), as a document type."""
VACCINATION_TYPES = frozenset({VAC_NOTE_TYPE, CERTIFICATE_TYPE, HISTORY_TYPE})
"""The document types the history is compiled from."""
IMMUNIZATION_ENTRY = "1.2.250.1.213.1.1.3.45"
DOSE_RANK_ENTRY = "1.2.250.1.213.1.1.3.82"


@dataclass(frozen=True)
class VaccinationRecord:
    """One vaccination given, the document it was read from, and the other documents
    that record it too (``also_in``: uniqueId and title of each)."""

    immunization: Immunization
    document_unique_id: str
    document_title: str
    also_in: tuple[tuple[str, str], ...] = ()

    @property
    def atc(self) -> Code | None:
        """The vaccine's ATC class (the vaccine code itself, or its ATC translation)."""
        vaccine = self.immunization.vaccine
        if vaccine.code_system == v.ATC:
            return vaccine
        return next((t for t in vaccine.translations if t.code_system == v.ATC), None)

    @property
    def cis(self) -> str | None:
        """The product's CIS code, when the vaccine is coded by product."""
        vaccine = self.immunization.vaccine
        return vaccine.code if vaccine.code_system == v.CIS else None


@dataclass(frozen=True)
class VaccineGroup:
    """The injections of one vaccine (ATC class, else product), by date."""

    code: str
    label: str
    records: tuple[VaccinationRecord, ...]


def _is_vac_note(document: ReceivedDocument) -> bool:
    return document.type_code.code == VAC_NOTE_TYPE or any(
        t.root == VAC_NOTE_TEMPLATE for t in document.template_ids
    )


def _immunization(sbadm: _hl7.Element) -> Immunization | None:
    material = _hl7.find(sbadm, "h:consumable/h:manufacturedProduct/h:manufacturedMaterial")
    vaccine = _hl7.code(_hl7.find(material, "h:code"))
    when = _hl7.day(_hl7.find(sbadm, "h:effectiveTime"))
    if vaccine is None or when is None:
        return None
    name = _hl7.text(_hl7.find(material, "h:name"))
    if vaccine.display is None and name:
        vaccine = Code(
            vaccine.code, vaccine.code_system, name, vaccine.code_system_name, vaccine.translations
        )
    rank = None
    for observation in _hl7.findall(sbadm, "h:entryRelationship/h:observation"):
        if _hl7.has_template(observation, DOSE_RANK_ENTRY):
            rank = _hl7.integer(_hl7.find(observation, "h:value"))
    performer = _hl7.professional(_hl7.find(sbadm, "h:performer/h:assignedEntity"))
    return Immunization(
        vaccine=vaccine,
        date=when,
        lot=_hl7.text(_hl7.find(material, "h:lotNumberText")),
        expiry=_hl7.day(_hl7.find(material, "pharm:expirationTime")),
        route=_hl7.code(_hl7.find(sbadm, "h:routeCode")),
        site=_hl7.code(_hl7.find(sbadm, "h:approachSiteCode")),
        dose_rank=rank,
        performer=performer or _hl7.professional(_hl7.find(sbadm, "h:author/h:assignedAuthor")),
        given=sbadm.get("negationInd") != "true",
    )


def read_vac_note(source: bytes | ReceivedDocument) -> tuple[Immunization, ...]:
    """The vaccinations recorded in a VAC-NOTE, in document order (refusals included,
    ``given=False``).

    Raises :class:`esante.cda.CdaReadError` (French message) when ``source`` is not a
    readable CDA or not a vaccination note.
    """
    document = source if isinstance(source, ReceivedDocument) else read_document(source)
    if not _is_vac_note(document):
        raise CdaReadError(
            "Ce document n'est pas une note de vaccination.",
            detail=f"type {document.type_code.code}, model {document.model}",
            field="code",
        )
    return _entries(document)


def _is_certificate(document: ReceivedDocument) -> bool:
    return any(t.root in CERTIFICATE_TEMPLATES for t in document.template_ids)


def _entries(document: ReceivedDocument) -> tuple[Immunization, ...]:
    found = []
    for sbadm in document.root.iterfind(".//h:entry/h:substanceAdministration", v.NS):
        if _hl7.has_template(sbadm, IMMUNIZATION_ENTRY):
            immunization = _immunization(sbadm)
            if immunization is not None:
                found.append(immunization)
    return tuple(found)


def read_vaccinations(source: bytes | ReceivedDocument) -> tuple[Immunization, ...]:
    """The vaccinations a document records: a VAC-NOTE's, a CS8/CS9/CS24's Vaccinations
    section, a structured vaccination history's; ``()`` for any other document (an N1
    certificate, a certificate that is not a health certificate). Refusals included
    (``given=False``), in document order.

    Raises :class:`esante.cda.CdaReadError` (French message) when ``source`` is not a
    readable CDA.
    """
    document = source if isinstance(source, ReceivedDocument) else read_document(source)
    if _is_vac_note(document):
        return _entries(document)
    if document.level != "N3":
        return ()
    if _is_certificate(document) or document.type_code.code == HISTORY_TYPE:
        return _entries(document)
    return ()


@cache
def _combined_antigens() -> dict[str, frozenset[str]]:
    """Product ATC class → the antigen classes its doses cover, from the schedule."""
    found: dict[str, set[str]] = {}
    for dose in schedule().doses:
        if dose.product is not None:
            found.setdefault(dose.product.atc.code, set()).update(a.code for a in dose.antigens)
    return {atc: frozenset(codes) for atc, codes in found.items()}


def antigens_of(atc: str) -> frozenset[str]:
    """The antigen classes (as the certificates code them) of a vaccine's ATC class:
    the classes it falls under, and a combined vaccine's antigens (see the module
    docstring); ``{atc}`` itself for an antigen class."""
    antigens = set(_combined_antigens().get(atc, ()))
    antigens.update(a for a in schedule().antigens if atc.startswith(a))
    return frozenset(antigens) or frozenset({atc})


def _vaccine_key(record: VaccinationRecord) -> str:
    atc = record.atc
    return record.cis or (atc.code if atc else record.immunization.vaccine.code)


def _covers(kept: VaccinationRecord, other: VaccinationRecord) -> bool:
    """Whether ``kept`` (a product) is the injection ``other`` (an antigen entry of the
    same day) tells of."""
    if kept.cis is None or other.cis is not None:
        return False
    kept_atc, other_atc = kept.atc, other.atc
    if kept_atc is None or other_atc is None:
        return False
    return antigens_of(other_atc.code) <= antigens_of(kept_atc.code)


def _deduplicated(records: Iterable[VaccinationRecord]) -> list[VaccinationRecord]:
    given = [r for r in records if r.immunization.given]
    # products first (the notes' entries, richer: lot, expiry, site) then antigens
    given.sort(key=lambda r: r.cis is None)
    kept: list[VaccinationRecord] = []
    by_key: dict[tuple[str, date], int] = {}
    for record in given:
        key = (_vaccine_key(record), record.immunization.date)
        index = by_key.get(key)
        if index is None:
            index = next(
                (
                    i
                    for i, k in enumerate(kept)
                    if k.immunization.date == record.immunization.date and _covers(k, record)
                ),
                None,
            )
        if index is None:
            by_key[key] = len(kept)
            kept.append(record)
            continue
        first = kept[index]
        source = (record.document_unique_id, record.document_title)
        if source[0] != first.document_unique_id and source not in first.also_in:
            kept[index] = replace(first, also_in=(*first.also_in, source))
    return kept


def _group_key(record: VaccinationRecord) -> tuple[str, str]:
    atc = record.atc
    if atc is not None:
        return atc.code, atc.display or record.immunization.label
    return record.immunization.vaccine.code, record.immunization.label


def vaccination_history(records: Iterable[VaccinationRecord]) -> tuple[VaccineGroup, ...]:
    """The vaccinations given, grouped by vaccine (label order), each group by date.

    Vaccines recorded as not given are left out; the same vaccination (same vaccine, same
    date) recorded in several documents is shown once, with the other documents in
    ``also_in`` (see the module docstring for a certificate's antigen entries).
    """
    groups: dict[str, tuple[str, list[VaccinationRecord]]] = {}
    for record in _deduplicated(records):
        key, label = _group_key(record)
        groups.setdefault(key, (label, []))[1].append(record)
    return tuple(
        VaccineGroup(key, label, tuple(sorted(found, key=lambda r: r.immunization.date)))
        for key, (label, found) in sorted(groups.items(), key=lambda kv: kv[1][0].casefold())
    )
