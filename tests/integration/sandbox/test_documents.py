"""Every example document type through the whole DMP life, over real sockets.

For each type of ``esante.cda.examples`` the real client (mutual TLS, signed VIHF, XAdES
submission signature, MTOM) sends the document to the running sandbox, finds it by each
search filter, retrieves it byte for byte, replaces it (the old version becomes
Deprecated), masks and unmasks it, hides it from the patient and shows it again,
archives and unarchives it, and finally deletes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from esante.cda.examples import EXAMPLE_TYPES, example_document
from esante.dmp import Actor, DmpClient, DocumentQuery, Visibility
from esante.identity import Ins
from esante.sandbox.runtime import RunningSandbox
from esante.xds import AvailabilityStatus, Code, DocumentEntry, parse_dtm
from tests.integration.sandbox import world

KINDS = [t.name for t in EXAMPLE_TYPES]
AUTHORS = {t.name: t.author for t in EXAMPLE_TYPES}
HL7 = "{urn:hl7-org:v3}"


@dataclass
class Case:
    client: DmpClient
    actor: Actor
    ins: Ins

    def find(self, query: DocumentQuery | None = None) -> list[DocumentEntry]:
        return list(self.client.find_documents(self.ins, query, actor=self.actor).documents)

    def unique_ids(self, query: DocumentQuery | None = None) -> set[str | None]:
        return {e.unique_id for e in self.find(query)}

    def current(self, unique_id: str) -> DocumentEntry:
        entry = self.client.get_by_unique_id(self.ins, unique_id, actor=self.actor)
        assert entry is not None
        return entry


def replacement(kind: str, ins: Ins, replaced: str) -> bytes:
    """A new document of ``kind`` declaring (``relatedDocument`` RPLC) that it replaces
    ``replaced`` — as a practice software writes the next version of a document."""
    root = etree.fromstring(example_document(kind, ins=ins.matricule).xml)
    related = etree.Element(f"{HL7}relatedDocument", typeCode="RPLC")
    etree.SubElement(etree.SubElement(related, f"{HL7}parentDocument"), f"{HL7}id", root=replaced)
    anchor = next(
        child
        for child in root
        if child.tag in (f"{HL7}authorization", f"{HL7}componentOf", f"{HL7}component")
    )
    anchor.addprevious(related)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _day(dtm: str | None) -> datetime:
    assert dtm is not None
    return parse_dtm(dtm)


def _filters(
    entry: DocumentEntry, actor: Actor, submitted: tuple[datetime, datetime]
) -> dict[str, DocumentQuery]:
    """One query per DMP search filter, each built from the entry's own metadata, and the
    submission from the moments around it (a UTC day would miss it across midnight)."""
    created = _day(entry.creation_time).date()
    queries = {
        "type": DocumentQuery(type_codes=(entry.type_code,)),  # type: ignore[arg-type]
        "classe": DocumentQuery(class_codes=(entry.class_code,)),  # type: ignore[arg-type]
        "format": DocumentQuery(format_codes=(entry.format_code,)),  # type: ignore[arg-type]
        "cadre": DocumentQuery(
            practice_setting_codes=(entry.practice_setting_code,)  # type: ignore[arg-type]
        ),
        "établissement": DocumentQuery(
            healthcare_facility_type_codes=(entry.healthcare_facility_type_code,)  # type: ignore[arg-type]
        ),
        "auteur": DocumentQuery(authors=(f"{actor.id}^%",)),
        "création": DocumentQuery(created_from=created, created_to=created),
        "dépôt": DocumentQuery(submitted_from=submitted[0], submitted_to=submitted[1]),
    }
    if entry.service_start_time:
        start = _day(entry.service_start_time).date()
        queries["acte"] = DocumentQuery(service_from=start, service_to=start)
    return queries


@pytest.mark.parametrize("kind", KINDS)
def test_document_life(kind: str, sandbox: RunningSandbox, client: DmpClient) -> None:
    actor = world.professional(sandbox.manifest, AUTHORS[kind])
    ins = world.new_patient(sandbox, actor)
    case = Case(client, actor, ins)

    # TD2.1: send
    built = example_document(kind, ins=ins.matricule)
    before = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    sent = client.submit(ins, built.xml, actor=actor)
    after = datetime.now(UTC) + timedelta(seconds=1)
    assert sent.document_unique_id == str(built.document_id)
    uid = sent.document_unique_id
    listing = client.find_documents(ins, actor=actor)
    assert [e.unique_id for e in listing.documents] == [uid]
    assert listing.signatures == ()  # kept with its submission set, as the official answer
    (entry,) = listing.documents
    assert entry.availability_status == AvailabilityStatus.APPROVED
    assert entry.type_code is not None
    assert entry.type_code.code == built.type_code.code

    # TD3.1: every filter finds it; a filter that does not match does not
    for name, query in _filters(entry, actor, (before, after)).items():
        assert uid in case.unique_ids(query), f"not found by the {name} filter"
    assert case.unique_ids(DocumentQuery(submitted_to=before)) == set()
    other_type = DocumentQuery(type_codes=(Code("00000-0", "2.16.840.1.113883.6.1"),))
    assert case.unique_ids(other_type) == set()
    yesterday = datetime(2001, 1, 1, tzinfo=UTC).date()
    assert case.unique_ids(DocumentQuery(created_to=yesterday)) == set()
    assert case.unique_ids(DocumentQuery(visibility=(Visibility.MASKED_TO_PROFESSIONALS,))) == set()

    # TD3.2: byte-identical
    retrieved = client.retrieve(ins, uid, entry.repository_unique_id or "", actor=actor)
    assert retrieved.data == built.xml
    assert retrieved.document_unique_id == uid

    # TD2.1 with RPLC: the new version replaces the old one
    second = client.submit(ins, replacement(kind, ins, uid), actor=actor, replaces=uid)
    assert second.replaced_entry_uuid == entry.entry_uuid
    new_uid = second.document_unique_id
    assert case.unique_ids() == {new_uid}
    old = {e.unique_id: e for e in case.find(DocumentQuery(include_deprecated=True))}
    assert old[uid].availability_status == AvailabilityStatus.DEPRECATED
    assert old[new_uid].availability_status == AvailabilityStatus.APPROVED

    # TD3.3a: mask / unmask
    client.mask(ins, new_uid, actor=actor)
    assert case.current(new_uid).masked_to_professionals
    masked = DocumentQuery(visibility=(Visibility.MASKED_TO_PROFESSIONALS,))
    assert case.unique_ids(masked) == {new_uid}
    client.unmask(ins, new_uid, actor=actor)
    assert not case.current(new_uid).masked_to_professionals
    assert case.unique_ids(masked) == set()

    # TD3.3b: hide from the patient / show again
    client.set_patient_visibility(ins, new_uid, False, actor=actor)
    assert case.current(new_uid).invisible_to_patient
    client.set_patient_visibility(ins, new_uid, True, actor=actor)
    assert not case.current(new_uid).invisible_to_patient

    # TD3.3d: archive / unarchive
    client.archive(ins, new_uid, actor=actor)
    assert case.unique_ids() == set()
    archived = {e.unique_id: e for e in case.find(DocumentQuery(include_archived=True))}
    assert archived[new_uid].availability_status == AvailabilityStatus.ARCHIVED
    client.unarchive(ins, new_uid, actor=actor)
    assert case.unique_ids() == {new_uid}

    # TD3.3c: delete
    client.delete(ins, new_uid, actor=actor)
    assert case.unique_ids() == set()
    deleted = case.find(DocumentQuery(statuses=(AvailabilityStatus.DELETED,)))
    assert [e.unique_id for e in deleted] == [new_uid]
    # the content of a new version is still the replacement, byte for byte
    assert case.current(new_uid).hash is not None
