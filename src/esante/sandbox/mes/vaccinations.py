"""« Mes vaccinations »: the vaccination history compiled from the received vaccination notes.

Mon espace santé shows the patient the vaccinations the professionals recorded. The
sandbox compiles them from the VAC-NOTE documents (CI-SIS « Note de vaccination »
2023.01, type LOINC 87273-9) of the DMP: each FR-Vaccination entry
(``substanceAdministration``, templateId ``1.2.250.1.213.1.1.3.45``) gives the vaccine
(CIS code with its ATC and CIP translations, or an ATC class alone), the date
(``effectiveTime``), the lot (``lotNumberText``), the expiry (``pharm:expirationTime``),
the route (``routeCode``), the site (``approachSiteCode``), the dose rank (FR-Rang-
vaccination ``1.2.250.1.213.1.1.3.82``, an INT) and the performer. Entries recording a
vaccine *not* given (``negationInd="true"``) are left out of the history.

:func:`read_vac_note` reads one note into :class:`esante.cda.Immunization` values — the
reading counterpart of :func:`esante.cda.build_vac_note`, so it belongs in
:mod:`esante.cda.read` eventually; it lives here, self-contained, meanwhile.
:func:`vaccination_history` groups the records by vaccine (ATC class, else product),
each group by date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from esante.cda import vocabulary as v
from esante.cda.clinical import Immunization
from esante.cda.errors import CdaReadError
from esante.cda.model import Code
from esante.cda.read import ReceivedDocument, read_document
from esante.sandbox.mes import _hl7

__all__ = [
    "VAC_NOTE_TEMPLATE",
    "VAC_NOTE_TYPE",
    "VaccinationRecord",
    "VaccineGroup",
    "read_vac_note",
    "vaccination_history",
]

VAC_NOTE_TYPE = "87273-9"
"""LOINC type code of the « Note de vaccination »."""
VAC_NOTE_TEMPLATE = "1.2.250.1.213.1.1.1.46"
IMMUNIZATION_ENTRY = "1.2.250.1.213.1.1.3.45"
DOSE_RANK_ENTRY = "1.2.250.1.213.1.1.3.82"


@dataclass(frozen=True)
class VaccinationRecord:
    """One vaccination given, and the document it was read from."""

    immunization: Immunization
    document_unique_id: str
    document_title: str

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
    found = []
    for sbadm in document.root.iterfind(".//h:entry/h:substanceAdministration", v.NS):
        if _hl7.has_template(sbadm, IMMUNIZATION_ENTRY):
            immunization = _immunization(sbadm)
            if immunization is not None:
                found.append(immunization)
    return tuple(found)


def _group_key(record: VaccinationRecord) -> tuple[str, str]:
    atc = record.atc
    if atc is not None:
        return atc.code, atc.display or record.immunization.label
    return record.immunization.vaccine.code, record.immunization.label


def vaccination_history(records: Iterable[VaccinationRecord]) -> tuple[VaccineGroup, ...]:
    """The vaccinations given, grouped by vaccine (label order), each group by date.

    Vaccines recorded as not given are left out; the same injection (vaccine, date, lot,
    rank) recorded in two notes is shown once.
    """
    groups: dict[str, tuple[str, list[VaccinationRecord]]] = {}
    seen: set[tuple[object, ...]] = set()
    for record in records:
        item = record.immunization
        if not item.given:
            continue
        identity = (item.vaccine.code, item.date, item.lot, item.dose_rank)
        if identity in seen:
            continue
        seen.add(identity)
        key, label = _group_key(record)
        groups.setdefault(key, (label, []))[1].append(record)
    return tuple(
        VaccineGroup(key, label, tuple(sorted(found, key=lambda r: r.immunization.date)))
        for key, (label, found) in sorted(groups.items(), key=lambda kv: kv[1][0].casefold())
    )
