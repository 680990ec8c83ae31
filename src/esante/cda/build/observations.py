"""Simple observations, vital signs and comments (IHE PCC), as the CSE and MDE use them.

- FR-Simple-Observation (``1.2.250.1.213.1.1.3.48``) and its variants: FR-Habitus-Mode-de-vie
  (social history, ``1.2.250.1.213.1.1.3.52``), FR-Historique-de-grossesses
  (``1.2.250.1.213.1.1.3.53``); the value is BL, INT, PQ, CD or ST; a relative the
  observation is about goes in ``subject/relatedSubject`` (FR-Sujet, ``.3.60``);
- FR-Signes-vitaux (organizer ``1.2.250.1.213.1.1.3.49``) of FR-Signe-vital-observe
  (``.3.50``) with LOINC codes and UCUM units;
- FR-Commentaire-ER (``1.2.250.1.213.1.1.3.32``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from esante.cda import vocabulary as v
from esante.cda.build._xml import (
    Element,
    add_address,
    add_code,
    add_person_name,
    add_telecoms,
    add_text_reference,
    new_uuid,
    set_xsi_type,
    sub,
    ts,
)
from esante.cda.clinical import Measurement, Observation, ObservationValue, Quantity, Relative
from esante.cda.model import Code

SIMPLE_OBSERVATION = ("1.3.6.1.4.1.19376.1.5.3.1.4.13", "1.2.250.1.213.1.1.3.48")
SOCIAL_HISTORY_OBSERVATION = (
    "2.16.840.1.113883.10.20.1.33",
    "1.3.6.1.4.1.19376.1.5.3.1.4.13",
    "1.3.6.1.4.1.19376.1.5.3.1.4.13.4",
    "1.2.250.1.213.1.1.3.52",
)
PREGNANCY_OBSERVATION = (
    "1.3.6.1.4.1.19376.1.5.3.1.4.13",
    "1.3.6.1.4.1.19376.1.5.3.1.4.13.5",
    "1.2.250.1.213.1.1.3.53",
)
VITAL_SIGNS_ORGANIZER = (
    "2.16.840.1.113883.10.20.1.32",
    "2.16.840.1.113883.10.20.1.35",
    "1.3.6.1.4.1.19376.1.5.3.1.4.13.1",
    "1.2.250.1.213.1.1.3.49",
)
VITAL_SIGN_OBSERVATION = (
    "2.16.840.1.113883.10.20.1.31",
    "1.3.6.1.4.1.19376.1.5.3.1.4.13",
    "1.3.6.1.4.1.19376.1.5.3.1.4.13.2",
    "1.2.250.1.213.1.1.3.50",
)
SUBJECT_TEMPLATES = ("1.3.6.1.4.1.19376.1.5.3.1.4.15.2", "1.2.250.1.213.1.1.3.60")
COMMENT_TEMPLATES = (
    "2.16.840.1.113883.10.20.1.40",
    "1.3.6.1.4.1.19376.1.5.3.1.4.2",
    "1.2.250.1.213.1.1.3.32",
)
VITAL_SIGNS = Code("85353-1", v.LOINC, "Signes vitaux", "LOINC")
COMMENT = Code("48767-8", v.LOINC, "Commentaire", "LOINC")


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def add_value(parent: Element, value: ObservationValue) -> Element:
    """``<value xsi:type=...>`` for a BL, INT, PQ, CD or ST value."""
    if isinstance(value, bool):
        return set_xsi_type(sub(parent, "value", value="true" if value else "false"), "BL")
    if isinstance(value, int):
        return set_xsi_type(sub(parent, "value", value=str(value)), "INT")
    if isinstance(value, Quantity):
        el = sub(parent, "value", value=_number(value.value), unit=value.unit)
        return set_xsi_type(el, "PQ")
    if isinstance(value, Code):
        return add_code(parent, value, "value", xsi_type="CD")
    return set_xsi_type(sub(parent, "value", value), "ST")


def add_subject(parent: Element, relative: Relative) -> Element:
    """FR-Sujet: ``subject/relatedSubject`` with the relative's code, address, identity."""
    subject = sub(parent, "subject", typeCode="SBJ")
    for root in SUBJECT_TEMPLATES:
        sub(subject, "templateId", root=root)
    related = sub(subject, "relatedSubject", classCode="PRS")
    add_code(related, relative.relationship)
    add_address(related, relative.address)
    add_telecoms(related, relative.telecoms)
    if relative.name is not None or relative.birth_date is not None or relative.nir:
        person = sub(related, "subject")
        if relative.nir:
            ident = person.makeelement(f"{{{v.SDTC_NS}}}id", nsmap={"sdtc": v.SDTC_NS})
            ident.set("root", v.OID_NIR_OUVRANT_DROIT)
            ident.set("extension", relative.nir)
            person.append(ident)
        if relative.name is not None:
            add_person_name(person, relative.name)
        if relative.birth_date is not None:
            sub(person, "birthTime", value=ts(relative.birth_date))
    return subject


def comment_relationship(parent: Element, anchor: str) -> Element:
    """An ``entryRelationship`` SUBJ holding a FR-Commentaire-ER pointing at ``anchor``."""
    relationship = sub(parent, "entryRelationship", typeCode="SUBJ", inversionInd="true")
    act = sub(relationship, "act", classCode="ACT", moodCode="EVN")
    for root in COMMENT_TEMPLATES:
        sub(act, "templateId", root=root)
    add_code(act, COMMENT)
    add_text_reference(act, anchor)
    sub(act, "statusCode", code="completed")
    return act


def observation(
    parent: Element,
    item: Observation,
    anchor: str | None,
    *,
    templates: Sequence[str] = SIMPLE_OBSERVATION,
    time: date | datetime | None = None,
    comment_anchor: str | None = None,
) -> Element:
    """A simple observation element (not wrapped): templates, id, code[+qualifier], value."""
    obs = sub(parent, "observation", classCode="OBS", moodCode="EVN")
    if item.negated:
        obs.set("negationInd", "true")
    for root in templates:
        sub(obs, "templateId", root=root)
    sub(obs, "id", root=new_uuid())
    code = add_code(obs, item.code)
    if item.qualifier is not None:
        add_code(sub(code, "qualifier"), item.qualifier, "value")
    add_text_reference(obs, anchor)
    sub(obs, "statusCode", code="completed")
    if time is not None:
        sub(obs, "effectiveTime", value=ts(time))
    else:
        sub(obs, "effectiveTime", nullFlavor="NA")
    add_value(obs, item.value)
    if item.subject is not None:
        add_subject(obs, item.subject)
    if comment_anchor is not None:
        comment_relationship(obs, comment_anchor)
    return obs


def observation_entry(
    section: Element,
    item: Observation,
    anchor: str | None,
    *,
    templates: Sequence[str] = SIMPLE_OBSERVATION,
    time: date | datetime | None = None,
    comment_anchor: str | None = None,
) -> Element:
    """``<entry>`` with one simple observation."""
    return observation(
        sub(section, "entry"),
        item,
        anchor,
        templates=templates,
        time=time,
        comment_anchor=comment_anchor,
    )


def vital_signs_entry(
    section: Element,
    measurements: Sequence[Measurement],
    anchors: Sequence[str | None],
    time: date | datetime,
) -> Element:
    """A FR-Signes-vitaux organizer of FR-Signe-vital-observe observations."""
    organizer = sub(sub(section, "entry"), "organizer", classCode="CLUSTER", moodCode="EVN")
    for root in VITAL_SIGNS_ORGANIZER:
        sub(organizer, "templateId", root=root)
    sub(organizer, "id", root=new_uuid())
    add_code(organizer, VITAL_SIGNS)
    sub(organizer, "statusCode", code="completed")
    sub(organizer, "effectiveTime", value=ts(time))
    for measurement, anchor in zip(measurements, anchors, strict=True):
        obs = sub(sub(organizer, "component", typeCode="COMP"), "observation")
        obs.set("classCode", "OBS")
        obs.set("moodCode", "EVN")
        for root in VITAL_SIGN_OBSERVATION:
            sub(obs, "templateId", root=root)
        sub(obs, "id", root=new_uuid())
        add_code(obs, measurement.code)
        add_text_reference(obs, anchor)
        sub(obs, "statusCode", code="completed")
        sub(obs, "effectiveTime", value=ts(measurement.time))
        add_value(obs, measurement.value)
    return organizer
