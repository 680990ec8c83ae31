"""Low-level ebRIM 3.0: build and read Slots, Names, Classifications, ExternalIdentifiers.

OASIS ebRIM 3.0 (regrep-rim-3.0-os) as profiled by IHE ITI TF-3 §4.2.3: every
registry object is ``Slot* Name? Description? VersionInfo? Classification*
ExternalIdentifier*`` (the order rim.xsd imposes), ``Value`` is at most 256 characters,
a coded value is a ``Classification`` whose ``nodeRepresentation`` is the code, whose
``codingScheme`` slot is the scheme and whose ``Name`` is the label.

:func:`read_object` turns any registry object element into a :class:`RimObject` view
that the transforms of :mod:`esante.xds.ebxml.metadata` read; it is lenient on what the
official DMP messages omit (``classifiedObject``/``registryObject`` default to the
parent's id, missing ``codingScheme`` reads as empty) because the sandbox must accept
every official request; the validators judge the content afterwards.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from lxml import etree

from esante.xds.errors import XdsFormatError
from esante.xds.metadata import Code, Slot
from esante.xds.vocabulary import NS_LCM, NS_QUERY, NS_RIM, NS_RS, NS_XDSB, NS_XML, NSMAP

#: A source of fresh ebRIM ids (injected so that tests and the sandbox get stable ids).
IdSource = Callable[[], str]

XML_LANG = f"{{{NS_XML}}}lang"
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
LANGUAGE = "fr-FR"
CHARSET = "UTF-8"


def new_uuid() -> str:
    """A fresh ``urn:uuid:`` id (the default :data:`IdSource`)."""
    return f"urn:uuid:{uuid.uuid4()}"


def rim(local: str) -> str:
    """Clark name of an ebRIM element."""
    return f"{{{NS_RIM}}}{local}"


def rs(local: str) -> str:
    """Clark name of an ebRS element."""
    return f"{{{NS_RS}}}{local}"


def lcm(local: str) -> str:
    """Clark name of an ebRS life-cycle element."""
    return f"{{{NS_LCM}}}{local}"


def query(local: str) -> str:
    """Clark name of an ebRS query element."""
    return f"{{{NS_QUERY}}}{local}"


def xdsb(local: str) -> str:
    """Clark name of an IHE XDS.b element."""
    return f"{{{NS_XDSB}}}{local}"


def root(tag: str) -> etree._Element:
    """A root element declaring the usual prefixes (rim, rs, lcm, query, xdsb)."""
    return etree.Element(tag, nsmap=NSMAP)


# --- writing ------------------------------------------------------------------------------


def xml_text(value: str, what: str) -> str:
    """``value`` if XML can carry it; :class:`XdsFormatError` for control characters."""
    if _FORBIDDEN.search(value):
        raise XdsFormatError(
            f"Caractère non autorisé dans la métadonnée {what}.",
            detail=f"{what}: {value!r} contains a character XML 1.0 cannot carry",
            field=what,
        )
    return value


def add_slot(parent: etree._Element, name: str, values: Iterable[str]) -> etree._Element:
    """Append ``<rim:Slot name><rim:ValueList><rim:Value>...`` to ``parent``.

    Raises :class:`XdsFormatError` for a value XML cannot carry (control characters).
    """
    slot = etree.SubElement(parent, rim("Slot"), name=name)
    value_list = etree.SubElement(slot, rim("ValueList"))
    for value in values:
        etree.SubElement(value_list, rim("Value")).text = xml_text(value, name)
    return slot


def add_slots(parent: etree._Element, slots: Iterable[Slot]) -> None:
    """Append each :class:`Slot`."""
    for slot in slots:
        add_slot(parent, slot.name, slot.values)


def add_string(parent: etree._Element, tag: str, text: str | None) -> None:
    """Append ``<rim:Name>`` or ``<rim:Description>`` holding one LocalizedString."""
    if text is None:
        return
    container = etree.SubElement(parent, rim(tag))
    localized = etree.SubElement(container, rim("LocalizedString"))
    localized.set(XML_LANG, LANGUAGE)
    localized.set("charset", CHARSET)
    localized.set("value", xml_text(text, tag))


def add_version(parent: etree._Element, version: str | None) -> None:
    """Append ``<rim:VersionInfo versionName>`` when a version is known."""
    if version:
        etree.SubElement(parent, rim("VersionInfo"), versionName=version)


def add_code(
    parent: etree._Element,
    scheme: str,
    code: Code,
    *,
    classified: str,
    new_id: IdSource,
) -> etree._Element:
    """Append a coded-value Classification (nodeRepresentation, codingScheme, Name)."""
    element = etree.SubElement(
        parent,
        rim("Classification"),
        classificationScheme=scheme,
        classifiedObject=classified,
        id=new_id(),
        nodeRepresentation=xml_text(code.code, "nodeRepresentation"),
    )
    add_slot(element, "codingScheme", [code.coding_scheme])
    add_string(element, "Name", code.display)
    return element


def add_classification(
    parent: etree._Element,
    *,
    classified: str,
    new_id: IdSource,
    scheme: str | None = None,
    node: str | None = None,
    node_representation: str | None = None,
) -> etree._Element:
    """Append a bare Classification (a node classification or an author container)."""
    element = etree.SubElement(parent, rim("Classification"))
    if scheme:
        element.set("classificationScheme", scheme)
    element.set("classifiedObject", classified)
    if node:
        element.set("classificationNode", node)
    element.set("id", new_id())
    if node_representation is not None:
        element.set("nodeRepresentation", node_representation)
    return element


def add_external_identifier(
    parent: etree._Element,
    scheme: str,
    value: str,
    *,
    registry_object: str,
    name: str,
    new_id: IdSource,
) -> etree._Element:
    """Append an ExternalIdentifier (patientId, uniqueId, sourceId)."""
    element = etree.SubElement(
        parent,
        rim("ExternalIdentifier"),
        id=new_id(),
        identificationScheme=scheme,
        registryObject=registry_object,
        value=xml_text(value, name),
    )
    add_string(element, "Name", name)
    return element


# --- reading ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClassificationView:
    """A Classification as read: scheme, node, code and slots."""

    scheme: str
    node: str
    node_representation: str
    classified_object: str
    slots: tuple[Slot, ...]
    name: str | None

    def values(self, name: str) -> tuple[str, ...]:
        """Values of the slot ``name`` (empty when absent)."""
        return next((s.values for s in self.slots if s.name == name), ())

    def code(self) -> Code:
        """The coded value this Classification carries."""
        scheme = self.values("codingScheme")
        return Code(self.node_representation, scheme[0] if scheme else "", self.name or "")


@dataclass(frozen=True, slots=True)
class ExternalIdentifierView:
    """An ExternalIdentifier as read."""

    scheme: str
    value: str
    registry_object: str


@dataclass(frozen=True, slots=True)
class RimObject:
    """Any ebRIM registry object as read (ExtrinsicObject, RegistryPackage, Association)."""

    tag: str
    id: str
    attributes: dict[str, str]
    slots: tuple[Slot, ...]
    name: str | None
    description: str | None
    version_name: str | None
    classifications: tuple[ClassificationView, ...]
    external_identifiers: tuple[ExternalIdentifierView, ...] = field(default=())

    def values(self, name: str) -> tuple[str, ...] | None:
        """Values of the slot ``name``, or ``None`` when the slot is absent."""
        return next((s.values for s in self.slots if s.name == name), None)

    def first(self, name: str) -> str | None:
        """The first value of the slot ``name``, or ``None``."""
        values = self.values(name)
        return values[0] if values else None

    def classified(self, scheme: str) -> tuple[ClassificationView, ...]:
        """The classifications in ``scheme``."""
        return tuple(c for c in self.classifications if c.scheme == scheme)

    def external(self, scheme: str) -> str | None:
        """The value of the external identifier in ``scheme``, or ``None``."""
        return next((e.value for e in self.external_identifiers if e.scheme == scheme), None)

    def other_slots(self, known: Iterable[str]) -> tuple[Slot, ...]:
        """Slots not named in ``known``."""
        names = set(known)
        return tuple(s for s in self.slots if s.name not in names)


def read_slots(element: etree._Element) -> tuple[Slot, ...]:
    """The direct ``rim:Slot`` children of ``element``."""
    slots: list[Slot] = []
    for slot in element.iterchildren(rim("Slot")):
        values = tuple(
            (v.text or "").strip()
            for value_list in slot.iterchildren(rim("ValueList"))
            for v in value_list.iterchildren(rim("Value"))
        )
        slots.append(Slot(slot.get("name", ""), values))
    return tuple(slots)


def read_string(element: etree._Element, tag: str) -> str | None:
    """The first LocalizedString value of the ``Name``/``Description`` child, or ``None``."""
    container = element.find(rim(tag))
    if container is None:
        return None
    localized = container.find(rim("LocalizedString"))
    return None if localized is None else localized.get("value", "")


def read_classification(element: etree._Element, parent_id: str) -> ClassificationView:
    """One Classification element; ``classifiedObject`` defaults to ``parent_id``."""
    return ClassificationView(
        scheme=element.get("classificationScheme", ""),
        node=element.get("classificationNode", ""),
        node_representation=element.get("nodeRepresentation", ""),
        classified_object=element.get("classifiedObject", parent_id),
        slots=read_slots(element),
        name=read_string(element, "Name"),
    )


def read_object(element: etree._Element) -> RimObject:
    """Read a registry object element into a :class:`RimObject`."""
    object_id = element.get("id", "")
    version = element.find(rim("VersionInfo"))
    return RimObject(
        tag=etree.QName(element).localname,
        id=object_id,
        attributes={str(k): str(v) for k, v in element.attrib.items()},
        slots=read_slots(element),
        name=read_string(element, "Name"),
        description=read_string(element, "Description"),
        version_name=None if version is None else version.get("versionName"),
        classifications=tuple(
            read_classification(c, object_id) for c in element.iterchildren(rim("Classification"))
        ),
        external_identifiers=tuple(
            ExternalIdentifierView(
                e.get("identificationScheme", ""),
                e.get("value", ""),
                e.get("registryObject", object_id),
            )
            for e in element.iterchildren(rim("ExternalIdentifier"))
        ),
    )


def children(element: etree._Element, names: Sequence[str]) -> list[etree._Element]:
    """Direct children of ``element`` with one of the Clark ``names``, in document order."""
    wanted = set(names)
    return [c for c in element if isinstance(c.tag, str) and c.tag in wanted]
