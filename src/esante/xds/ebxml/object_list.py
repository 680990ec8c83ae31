"""ebRIM Associations and whole ``rim:RegistryObjectList`` contents, both ways.

IHE ITI TF-3 §4.2.2 (associations: HasMember with SubmissionSetStatus/PreviousVersion,
document relationships, UpdateAvailabilityStatus with OriginalStatus/NewStatus) and
§4.2.3 (how a RegistryObjectList carries submission sets, entries and associations;
ObjectRefs in ObjectRef query responses). Entries and submission sets are delegated
to :mod:`esante.xds.ebxml.metadata`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from lxml import etree

from esante.xds.ebxml.metadata import (
    document_entry_from_ebrim,
    document_entry_to_ebrim,
    read_optional,
    read_status,
    submission_set_from_ebrim,
    submission_set_to_ebrim,
)
from esante.xds.ebxml.rim import (
    IdSource,
    add_slot,
    add_slots,
    new_uuid,
    read_classification,
    read_object,
    rim,
)
from esante.xds.metadata import Association, DocumentEntry, SubmissionSet
from esante.xds.vocabulary import (
    ASSOCIATION_OBJECT_TYPE,
    FOLDER_NODE,
    NS_RIM,
    SLOT_NEW_STATUS,
    SLOT_ORIGINAL_STATUS,
    SLOT_PREVIOUS_VERSION,
    SLOT_SUBMISSION_SET_STATUS,
    SS_UNIQUE_ID,
    SUBMISSION_SET_NODE,
    AssociationType,
    AvailabilityStatus,
    SubmissionSetStatus,
)

T = TypeVar("T")


# --- Association --------------------------------------------------------------------------

_ASSOCIATION_SLOTS = frozenset(
    {SLOT_SUBMISSION_SET_STATUS, SLOT_PREVIOUS_VERSION, SLOT_ORIGINAL_STATUS, SLOT_NEW_STATUS}
)


def association_to_ebrim(association: Association) -> etree._Element:
    """The ``rim:Association`` of ``association``."""
    element = etree.Element(rim("Association"), nsmap={"rim": NS_RIM})
    element.set("associationType", str(association.association_type))
    element.set("id", association.entry_uuid)
    element.set("objectType", ASSOCIATION_OBJECT_TYPE)
    element.set("sourceObject", association.source)
    element.set("targetObject", association.target)
    if association.availability_status:
        element.set("status", association.availability_status)
    for name, value in (
        (SLOT_SUBMISSION_SET_STATUS, association.submission_set_status),
        (SLOT_PREVIOUS_VERSION, association.previous_version),
        (SLOT_ORIGINAL_STATUS, association.original_status),
        (SLOT_NEW_STATUS, association.new_status),
    ):
        if value:
            add_slot(element, name, [str(value)])
    add_slots(element, association.extra_slots)
    return element


def _enum_or_raw(kind: Callable[[str], T], value: str | None) -> T | str | None:
    if value is None:
        return None
    try:
        return kind(value)
    except ValueError:
        return value


def association_from_ebrim(element: etree._Element) -> Association:
    """The :class:`Association` of a ``rim:Association``."""
    obj = read_object(element)
    where = f"Association[{obj.id}]"
    status = obj.first(SLOT_SUBMISSION_SET_STATUS)
    return Association(
        entry_uuid=obj.id,
        association_type=_enum_or_raw(AssociationType, obj.attributes.get("associationType")) or "",
        source=obj.attributes.get("sourceObject", ""),
        target=obj.attributes.get("targetObject", ""),
        submission_set_status=read_optional(
            where, SLOT_SUBMISSION_SET_STATUS, SubmissionSetStatus, status
        ),
        previous_version=obj.first(SLOT_PREVIOUS_VERSION),
        original_status=_enum_or_raw(AvailabilityStatus, obj.first(SLOT_ORIGINAL_STATUS)),
        new_status=_enum_or_raw(AvailabilityStatus, obj.first(SLOT_NEW_STATUS)),
        availability_status=read_optional(
            where, "status", read_status, obj.attributes.get("status")
        ),
        extra_slots=obj.other_slots(_ASSOCIATION_SLOTS),
    )


# --- RegistryObjectList -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ObjectList:
    """The content of a ``rim:RegistryObjectList`` (folders are not modelled: skipped)."""

    submission_sets: tuple[SubmissionSet, ...] = ()
    document_entries: tuple[DocumentEntry, ...] = ()
    associations: tuple[Association, ...] = ()
    references: tuple[str, ...] = ()


def object_list_to_ebrim(
    parent: etree._Element,
    *,
    submission_sets: Sequence[SubmissionSet] = (),
    document_entries: Iterable[DocumentEntry] = (),
    associations: Iterable[Association] = (),
    new_id: IdSource = new_uuid,
) -> etree._Element:
    """Append a ``rim:RegistryObjectList`` with the given objects to ``parent``."""
    object_list = etree.SubElement(parent, rim("RegistryObjectList"))
    for submission_set in submission_sets:
        object_list.append(submission_set_to_ebrim(submission_set, new_id=new_id))
    for entry in document_entries:
        object_list.append(document_entry_to_ebrim(entry, new_id=new_id))
    for association in associations:
        object_list.append(association_to_ebrim(association))
    return object_list


def read_object_list(object_list: etree._Element | None) -> ObjectList:
    """Read a ``rim:RegistryObjectList``: entries, submission sets, associations, refs.

    A RegistryPackage is a submission set when it, or a top-level Classification of the
    list, classifies it with the SubmissionSet node — or, failing any node (as in some
    hand-written messages), when it carries a SubmissionSet uniqueId.
    """
    if object_list is None:
        return ObjectList()
    nodes: dict[str, set[str]] = {}
    for c in object_list.iterchildren(rim("Classification")):
        view = read_classification(c, "")
        nodes.setdefault(view.classified_object, set()).add(view.node)
    packages: list[SubmissionSet] = []
    entries: list[DocumentEntry] = []
    associations: list[Association] = []
    references: list[str] = []
    for child in object_list:
        if child.tag == rim("ExtrinsicObject"):
            entries.append(document_entry_from_ebrim(child))
        elif child.tag == rim("RegistryPackage"):
            obj = read_object(child)
            own = {c.node for c in obj.classifications} | nodes.get(obj.id, set())
            if SUBMISSION_SET_NODE in own or (
                FOLDER_NODE not in own and obj.external(SS_UNIQUE_ID) is not None
            ):
                packages.append(submission_set_from_ebrim(child))
        elif child.tag == rim("Association"):
            associations.append(association_from_ebrim(child))
        elif child.tag == rim("ObjectRef"):
            references.append(child.get("id", ""))
    return ObjectList(tuple(packages), tuple(entries), tuple(associations), tuple(references))
