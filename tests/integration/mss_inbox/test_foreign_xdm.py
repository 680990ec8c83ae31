"""An IHE_XDM.ZIP built by another software, received and imported.

Nothing of esante's composer is used to write the archive: the METADATA.XML is written
here with lxml following IHE ITI TF-3 §4.2 (ebRIM 3.0: a SubmitObjectsRequest with the
DocumentEntry, the SubmissionSet and their HasMember association; SHA-1 hash, size and
URI of the document, as XDM requires — ITI TF-1 §16, TF-3 §4.2.4), the archive with
``zipfile`` in the layout of the XDM profile (``INDEX.HTM``, ``README.TXT``,
``IHE_XDM/SUBSET01/``), with the names another software might choose (``DOC0001.XML``)
and the upper-case codes of the CI-SIS volet. The message is written with ``email`` and
submitted over the sandbox's SMTP; esante's fetch reads it over IMAP.
"""

from __future__ import annotations

import hashlib
import io
import uuid
import zipfile
from datetime import UTC, datetime

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from esante.practice.inbox import fetch_mailbox
from esante.sandbox.runtime import RunningSandbox
from esante.store import Document
from tests.integration.mss_inbox import world

LCM = "urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0"
RIM = "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"
HL7 = "urn:hl7-org:v3"

# IHE ITI TF-3 Table 4.2.5-1 / 4.2.5-2 (classification schemes and identification schemes)
STABLE_ENTRY = "urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1"
SUBMISSION_SET = "urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd"
HAS_MEMBER = "urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember"
DE_CLASS = "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a"
DE_TYPE = "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983"
DE_FORMAT = "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d"
DE_CONFIDENTIALITY = "urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f"
DE_FACILITY = "urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1"
DE_PRACTICE = "urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead"
DE_PATIENT = "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427"
DE_UNIQUE = "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab"
SS_CONTENT_TYPE = "urn:uuid:aa543740-bdda-424e-8c96-df4873be8500"
SS_SOURCE = "urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832"
SS_UNIQUE = "urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8"
SS_PATIENT = "urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446"


def _rim(parent: etree._Element, tag: str, **attributes: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{RIM}}}{tag}", attributes)


def _slot(parent: etree._Element, name: str, *values: str) -> None:
    listed = _rim(_rim(parent, "Slot", name=name), "ValueList")
    for value in values:
        _rim(listed, "Value").text = value


def _named(parent: etree._Element, tag: str, text: str) -> None:
    _rim(_rim(parent, tag), "LocalizedString", value=text)


def _code(parent: etree._Element, scheme: str, code: str, system: str, label: str) -> None:
    node = _rim(
        parent,
        "Classification",
        id=f"urn:uuid:{uuid.uuid4()}",
        classificationScheme=scheme,
        classifiedObject=parent.get("id", ""),
        nodeRepresentation=code,
    )
    _slot(node, "codingScheme", system)
    _named(node, "Name", label)


def _identifier(parent: etree._Element, scheme: str, value: str, label: str) -> None:
    node = _rim(
        parent,
        "ExternalIdentifier",
        id=f"urn:uuid:{uuid.uuid4()}",
        identificationScheme=scheme,
        registryObject=parent.get("id", ""),
        value=value,
    )
    _named(node, "Name", label)


def _metadata(cda: bytes, uri: str) -> bytes:
    """The METADATA.XML another software writes for one CDA document."""
    document = etree.fromstring(cda)
    ns = {"hl7": HL7}
    root = document.xpath("string(hl7:id/@root)", namespaces=ns)
    extension = document.xpath("string(hl7:id/@extension)", namespaces=ns)
    unique_id = f"{root}^{extension}" if extension else root
    ins = document.xpath(
        "hl7:recordTarget/hl7:patientRole/hl7:id[starts-with(@root, '1.2.250.1.213.1.4.')]",
        namespaces=ns,
    )[0]
    patient = f"{ins.get('extension')}^^^&{ins.get('root')}&ISO"
    title = document.xpath("string(hl7:title)", namespaces=ns)
    now = datetime.now(UTC).strftime("%Y%m%d%H%M%S")

    request = etree.Element(f"{{{LCM}}}SubmitObjectsRequest", nsmap={"lcm": LCM, "rim": RIM})
    objects = _rim(request, "RegistryObjectList")
    entry_id = "urn:uuid:" + str(uuid.uuid4())
    entry = _rim(
        objects, "ExtrinsicObject", id=entry_id, mimeType="text/xml", objectType=STABLE_ENTRY
    )
    _slot(entry, "creationTime", now)
    _slot(entry, "languageCode", "fr-FR")
    _slot(entry, "sourcePatientId", patient)
    _slot(entry, "hash", hashlib.sha1(cda).hexdigest())  # noqa: S324 - XDS hashes are SHA-1
    _slot(entry, "size", str(len(cda)))
    _slot(entry, "URI", uri)
    _named(entry, "Name", title)
    _code(entry, DE_CLASS, "11", "1.2.250.1.213.1.1.4.1", "Synthèse")
    _code(entry, DE_TYPE, "SYNTH", "1.2.250.1.213.1.1.4.12", "Synthèse")
    _code(entry, DE_FORMAT, "urn:asip:ci-sis:vsm:2012", "1.2.250.1.213.1.1.4.2.282", "VSM")
    _code(entry, DE_CONFIDENTIALITY, "N", "2.16.840.1.113883.5.25", "Normal")
    _code(entry, DE_FACILITY, "SA07", "1.2.250.1.71.4.2.4", "Cabinet individuel")
    _code(entry, DE_PRACTICE, "ORG-09", "1.2.250.1.213.1.1.4.9", "Médecine générale")
    _identifier(entry, DE_PATIENT, patient, "XDSDocumentEntry.patientId")
    _identifier(entry, DE_UNIQUE, unique_id, "XDSDocumentEntry.uniqueId")

    set_id = "urn:uuid:" + str(uuid.uuid4())
    package = _rim(objects, "RegistryPackage", id=set_id)
    _slot(package, "submissionTime", now)
    _named(package, "Name", "Envoi d'un autre logiciel")
    _code(package, SS_CONTENT_TYPE, "07", "1.2.250.1.213.2.2", "Consultation Soins Externes")
    _rim(
        objects,
        "Classification",
        id=f"urn:uuid:{uuid.uuid4()}",
        classifiedObject=set_id,
        classificationNode=SUBMISSION_SET,
    )
    _identifier(package, SS_SOURCE, "1.2.250.1.999.77.1", "XDSSubmissionSet.sourceId")
    _identifier(package, SS_UNIQUE, f"1.2.250.1.999.77.2.{uuid.uuid4().int}", "uniqueId")
    _identifier(package, SS_PATIENT, patient, "XDSSubmissionSet.patientId")
    association = _rim(
        objects,
        "Association",
        id=f"urn:uuid:{uuid.uuid4()}",
        associationType=HAS_MEMBER,
        sourceObject=set_id,
        targetObject=entry_id,
    )
    _slot(association, "SubmissionSetStatus", "Original")
    return etree.tostring(request, xml_declaration=True, encoding="UTF-8")


def _archive(cda: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("INDEX.HTM", "<html><body><p>Envoi MSSanté</p></body></html>")
        archive.writestr("README.TXT", "Autre logiciel, version 1.0, support@autre.example\r\n")
        archive.writestr("IHE_XDM/SUBSET01/DOC0001.XML", cda)
        archive.writestr("IHE_XDM/SUBSET01/METADATA.XML", _metadata(cda, "DOC0001.XML"))
    return out.getvalue()


def test_an_archive_built_by_another_software_is_imported(
    inbox_sandbox: RunningSandbox, sessions: sessionmaker[Session]
) -> None:
    cda = world.example("vsm", "lola")
    message = world.raw_message(world.NURSE, _archive(cda))
    world.client(inbox_sandbox, world.SENDER).send(message)
    message_id = str(message["Message-ID"])

    reader = world.client(inbox_sandbox, world.NURSE)
    report = fetch_mailbox(sessions, reader, address=world.NURSE, product_reference=world.NIL)

    mine = [d for d in report.imported if d.message_id == message_id]
    assert len(mine) == 1
    assert all(r.message_id != message_id for r in report.refused + report.unknown_patients)
    assert not [n for n in report.notes if message_id in n]  # a conformant message: no remark
    with sessions() as session:
        stored = session.get(Document, mine[0].document_id)
        assert stored is not None
        assert stored.content == cda
        assert stored.provenance == "mssante"
        assert stored.provenance_detail == f"{message_id} de {world.SENDER}"
        assert stored.patient.ins_matricule == world.ins("lola")
        assert (
            session.scalar(select(Document.id).where(Document.unique_id == mine[0].unique_id))
            == stored.id
        )
    (flags,) = world.flags(reader, message_id)
    assert "$Processed" in flags
