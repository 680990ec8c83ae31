"""The few HL7 v3 data types the patient page reads from CDA entries: CD, TS, PQ, INT, names.

Lenient like any reader of received documents: a missing or malformed optional value
gives ``None``. Kept here, small and private, until :mod:`esante.cda.read` offers the
entry readers the patient page needs (see :mod:`esante.sandbox.mes.vaccinations`).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from esante.cda import vocabulary as v
from esante.cda.clinical import Quantity
from esante.cda.model import Code, HealthProfessional, InstanceId, Organization, PersonName

Element = etree._Element
_DAY = re.compile(r"\s*(\d{4})(\d{2})(\d{2})")


def find(el: Element | None, path: str) -> Element | None:
    """The first element at ``path`` (prefixes ``h:`` HL7, ``pharm:`` IHE Pharmacy)."""
    return None if el is None else el.find(path, v.NS)


def findall(el: Element | None, path: str) -> list[Element]:
    """Every element at ``path``."""
    return [] if el is None else list(el.findall(path, v.NS))


def text(el: Element | None) -> str | None:
    """The whitespace-normalized text of ``el`` and its descendants, or ``None``."""
    if el is None:
        return None
    words = " ".join("".join(el.itertext()).split())
    return words or None


def has_template(el: Element, root: str) -> bool:
    """Whether ``el`` declares the templateId ``root``."""
    return any(t.get("root") == root for t in findall(el, "h:templateId"))


def day(el: Element | None) -> date | None:
    """The day of a TS ``value`` (``YYYYMMDD[hhmm...]``): the date as written, no zone shift."""
    value = None if el is None else el.get("value")
    match = _DAY.match(value or "")
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def code(el: Element | None) -> Code | None:
    """A CD/CE element with its translations; a code given only by translations takes
    the first one (a vaccine identified by its ATC class alone)."""
    if el is None:
        return None
    translations = tuple(c for c in (code(t) for t in findall(el, "h:translation")) if c)
    value = el.get("code")
    if value is None:
        if not translations:
            return None
        first = translations[0]
        return Code(
            first.code, first.code_system, first.display, first.code_system_name, translations[1:]
        )
    return Code(
        value,
        el.get("codeSystem", ""),
        el.get("displayName"),
        el.get("codeSystemName"),
        translations,
    )


def quantity(el: Element | None) -> Quantity | None:
    """A PQ element (value and UCUM unit)."""
    if el is None or not el.get("value"):
        return None
    try:
        return Quantity(Decimal(el.get("value", "")), el.get("unit") or "1")
    except InvalidOperation:
        return None


def integer(el: Element | None) -> int | None:
    """An INT element's value."""
    value = None if el is None else el.get("value")
    return int(value) if value is not None and value.strip().isdigit() else None


def _instance_id(el: Element | None) -> InstanceId | None:
    if el is None or not el.get("root"):
        return None
    return InstanceId(el.get("root", ""), el.get("extension"))


def professional(entity: Element | None) -> HealthProfessional | None:
    """An ``assignedEntity``/``assignedAuthor``: id, name, specialty, organization."""
    ident = _instance_id(find(entity, "h:id"))
    name_el = find(entity, "h:assignedPerson/h:name")
    if ident is None or name_el is None:
        return None
    given = " ".join(g for g in (text(x) for x in findall(name_el, "h:given")) if g)
    name = PersonName(
        family=text(find(name_el, "h:family")) or "",
        given=given or None,
        prefix=text(find(name_el, "h:prefix")),
        suffix=text(find(name_el, "h:suffix")),
    )
    organization = None
    org_el = find(entity, "h:representedOrganization")
    org_id = _instance_id(find(org_el, "h:id"))
    if org_id is not None:
        organization = Organization(org_id, text(find(org_el, "h:name")) or "")
    return HealthProfessional(
        id=ident, name=name, specialty=code(find(entity, "h:code")), organization=organization
    )
