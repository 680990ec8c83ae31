"""Element-building helpers for CDA R2 (lxml, HL7 v3 namespace) and HL7 timestamps.

Every element is created with lxml in the ``urn:hl7-org:v3`` namespace: never by string
concatenation, so text is always escaped. Timestamps are written in Europe/Paris time
with the offset (``20250312143000+0100``) as the CI-SIS requires; dates as ``YYYYMMDD``.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from lxml import etree

from esante.cda import vocabulary as v
from esante.cda.model import Address, Code, InstanceId, PersonName, Telecom

PARIS = v.PARIS
_XSI_TYPE = f"{{{v.XSI_NS}}}type"

Element = etree._Element


def q(tag: str) -> str:
    """Clark name of an HL7 v3 element."""
    return f"{{{v.HL7_NS}}}{tag}"


def sub(parent: Element, tag: str, text: str | None = None, **attrs: str | None) -> Element:
    """Append ``<tag attrs>text</tag>`` to ``parent``; attributes whose value is None are left out.

    A trailing underscore in an attribute name is dropped (``ID_``) for Python keywords.
    """
    el = etree.SubElement(parent, q(tag))
    for key, value in attrs.items():
        if value is not None:
            el.set(key.rstrip("_"), value)
    if text is not None:
        el.text = text
    return el


def set_xsi_type(el: Element, xsi_type: str) -> Element:
    """Set ``xsi:type`` on ``el`` (e.g. ``CD``, ``PQ``, ``IVL_TS``)."""
    el.set(_XSI_TYPE, xsi_type)
    return el


def new_uuid() -> str:
    """A random UUID in upper case, as CDA entry and section ids use them."""
    return str(uuid.uuid4()).upper()


def new_oid() -> str:
    """A fresh OID under the UUID arc ``2.25`` (ISO/IEC 9834-8): unique without a registry."""
    return f"{v.UUID_OID_ARC}.{uuid.uuid4().int}"


def ts(value: date | datetime) -> str:
    """HL7 TS: ``YYYYMMDD`` for a date, ``YYYYMMDDHHMMSS±ZZZZ`` (Europe/Paris) for a datetime.

    A naive datetime is taken as Paris local time.
    """
    if isinstance(value, datetime):
        local = value.replace(tzinfo=PARIS) if value.tzinfo is None else value.astimezone(PARIS)
        return local.strftime("%Y%m%d%H%M%S%z")
    return value.strftime("%Y%m%d")


def add_id(parent: Element, ident: InstanceId, tag: str = "id") -> Element:
    """Write an instance identifier."""
    return sub(parent, tag, root=ident.root, extension=ident.extension)


def add_code(
    parent: Element,
    code: Code,
    tag: str = "code",
    *,
    xsi_type: str | None = None,
    reference: str | None = None,
) -> Element:
    """Write a coded element with its translations; ``reference`` points to the narrative."""
    el = sub(
        parent,
        tag,
        code=code.code,
        displayName=code.display,
        codeSystem=code.code_system,
        codeSystemName=code.code_system_name or v.CODE_SYSTEM_NAMES.get(code.code_system),
    )
    if xsi_type:
        set_xsi_type(el, xsi_type)
    if reference:
        original = sub(el, "originalText")
        sub(original, "reference", value=f"#{reference}")
    for translation in code.translations:
        add_code(el, translation, "translation")
    return el


def add_text_reference(parent: Element, reference: str | None) -> None:
    """``<text><reference value="#ref"/></text>`` when a narrative anchor exists."""
    if reference:
        text = sub(parent, "text")
        sub(text, "reference", value=f"#{reference}")


def add_address(parent: Element, address: Address | None, *, required: bool = False) -> None:
    """Write an address in elementary parts, or ``nullFlavor="NASK"`` when required and absent."""
    if address is None:
        if required:
            sub(parent, "addr", nullFlavor="NASK")
        return
    el = sub(parent, "addr", use=address.use)
    for tag, value in (
        ("houseNumber", address.house_number),
        ("streetName", address.street_name),
        ("unitID", address.unit_id),
        ("postalCode", address.postal_code),
        ("city", address.city),
        ("country", address.country),
    ):
        if value:
            sub(el, tag, value)


def add_telecoms(parent: Element, telecoms: tuple[Telecom, ...], *, required: bool = False) -> None:
    """Write telecom URIs, or ``nullFlavor="NASK"`` when required and none is known."""
    if not telecoms and required:
        sub(parent, "telecom", nullFlavor="NASK")
    for telecom in telecoms:
        sub(parent, "telecom", value=telecom.value, use=telecom.use)


def add_person_name(parent: Element, name: PersonName) -> Element:
    """``<name><prefix/><given/><family/><suffix/></name>``."""
    el = sub(parent, "name")
    if name.prefix:
        sub(el, "prefix", name.prefix)
    if name.given:
        sub(el, "given", name.given)
    sub(el, "family", name.family)
    if name.suffix:
        sub(el, "suffix", name.suffix)
    return el
