"""Reading HL7 v3 data types from a CDA tree: II, CD, TS, PQ, names, addresses, narrative.

Lenient by design: a received document may come from any producer, so a missing
optional element gives ``None`` rather than an error; the callers decide what is
mandatory.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

from lxml import etree

from esante.cda import vocabulary as v
from esante.cda.clinical import Quantity
from esante.cda.model import Address, Code, InstanceId, PersonName, Telecom

Element = etree._Element
NS = v.NS
_TS = re.compile(
    r"(?P<y>\d{4})(?P<m>\d{2})?(?P<d>\d{2})?(?P<H>\d{2})?(?P<M>\d{2})?(?P<S>\d{2})?"
    r"(?:\.\d+)?(?P<tz>[+-]\d{4})?$"
)


def find(el: Element | None, path: str) -> Element | None:
    """First element at ``path`` (prefix ``h:`` for HL7), or None."""
    if el is None:
        return None
    found = el.find(path, NS)
    return found


def findall(el: Element | None, path: str) -> list[Element]:
    """All elements at ``path``."""
    return [] if el is None else list(el.findall(path, NS))


def text_of(el: Element | None) -> str | None:
    """Whitespace-normalized text content of ``el`` (descendants included), or None."""
    if el is None:
        return None
    words = " ".join("".join(el.itertext()).split())
    return words or None


def template_ids(el: Element) -> list[str]:
    return [t.get("root", "") for t in findall(el, "h:templateId")]


def has_template(el: Element, *roots: str) -> bool:
    found = set(template_ids(el))
    return any(root in found for root in roots)


def instance_id(el: Element | None) -> InstanceId | None:
    if el is None or el.get("root") is None:
        return None
    return InstanceId(el.get("root", ""), el.get("extension"))


def code_of(el: Element | None, narrative: dict[str, str] | None = None) -> Code | None:
    """A CD/CE element as :class:`Code`; a code given only as narrative reference gets
    that text as display, with an empty code."""
    if el is None:
        return None
    translations = tuple(
        c for c in (code_of(t) for t in findall(el, "h:translation")) if c is not None
    )
    code = el.get("code")
    display = el.get("displayName")
    if display is None and narrative is not None:
        reference = find(el, "h:originalText/h:reference")
        if reference is not None:
            display = narrative.get(reference.get("value", "").lstrip("#"))
    if code is None:
        if translations:
            first = translations[0]
            return Code(
                first.code,
                first.code_system,
                display or first.display,
                first.code_system_name,
                translations[1:],
            )
        if display:
            return Code("", "", display)
        return None
    return Code(code, el.get("codeSystem", ""), display, el.get("codeSystemName"), translations)


def parse_ts(value: str | None) -> date | datetime | None:
    """HL7 TS → date (day precision) or aware datetime (offset kept; none → UTC)."""
    if not value:
        return None
    match = _TS.match(value.strip())
    if match is None:
        return None
    parts = match.groupdict()
    try:
        if parts["H"] is None:
            return date(int(parts["y"]), int(parts["m"] or 1), int(parts["d"] or 1))
        tz = UTC
        if parts["tz"]:
            sign = 1 if parts["tz"][0] == "+" else -1
            hours, minutes = int(parts["tz"][1:3]), int(parts["tz"][3:5])
            tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
        return datetime(
            int(parts["y"]),
            int(parts["m"]),
            int(parts["d"]),
            int(parts["H"]),
            int(parts["M"] or 0),
            int(parts["S"] or 0),
            tzinfo=tz,
        )
    except ValueError:
        return None


def ts_of(el: Element | None) -> date | datetime | None:
    return None if el is None else parse_ts(el.get("value"))


def as_date(value: date | datetime | None) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value


def as_datetime(value: date | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def interval(el: Element | None) -> tuple[date | datetime | None, date | datetime | None]:
    """(low, high) of an IVL_TS, or (value, None) for a point in time."""
    if el is None:
        return None, None
    if el.get("value"):
        return parse_ts(el.get("value")), None
    return ts_of(find(el, "h:low")), ts_of(find(el, "h:high"))


def quantity(el: Element | None) -> Quantity | None:
    if el is None or el.get("value") is None:
        return None
    try:
        return Quantity(Decimal(el.get("value", "")), el.get("unit") or "1")
    except InvalidOperation:
        return None


def address(el: Element | None) -> Address | None:
    if el is None or el.get("nullFlavor"):
        return None

    def part(tag: str) -> str | None:
        return text_of(find(el, f"h:{tag}"))

    street = part("streetName") or part("streetAddressLine")
    return Address(
        street_name=street,
        house_number=part("houseNumber"),
        unit_id=part("unitID"),
        postal_code=part("postalCode"),
        city=part("city"),
        country=part("country"),
        use=el.get("use"),
    )


def telecoms(el: Element | None) -> tuple[Telecom, ...]:
    return tuple(
        Telecom(t.get("value", ""), t.get("use"))
        for t in findall(el, "h:telecom")
        if t.get("value")
    )


def person_name(el: Element | None) -> PersonName | None:
    if el is None:
        return None
    return PersonName(
        family=text_of(find(el, "h:family")) or "",
        given=" ".join(g for g in (text_of(x) for x in findall(el, "h:given")) if g) or None,
        prefix=text_of(find(el, "h:prefix")),
        suffix=text_of(find(el, "h:suffix")),
    )


def narrative_index(root: Element) -> dict[str, str]:
    """Text of every narrative element carrying an ``ID`` (``<content ID="x">``...)."""
    index: dict[str, str] = {}
    for el in root.iterfind(".//h:section/h:text//*[@ID]", NS):
        words = text_of(el)
        if words:
            index[el.get("ID", "")] = words
    return index
