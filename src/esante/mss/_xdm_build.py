"""Writing an IHE XDM package from CDA documents (see :mod:`esante.mss.xdm`).

Each CDA is mapped like for the DMP (:func:`esante.mss._cda.document_entry`), the
submission set is :func:`esante.xds.submission_set_for`'s, the metadata is written as an
ITI-41 ``lcm:SubmitObjectsRequest`` without documents (:func:`esante.xds.ebxml.
update_document_set_to_xml` writes exactly that element), then the archive is assembled
with fixed timestamps (the submission time) so that equal inputs give equal bytes.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from lxml import etree

from esante.mss import _cda
from esante.mss._headers import check_address
from esante.mss._xdm_model import (
    INDEX,
    METADATA,
    README,
    SUBSET,
    XDM_DIRECTORY,
    DocumentToSend,
    XdmCreator,
    XdmDocument,
    XdmPackage,
    XdmSubset,
)
from esante.mss._xdm_pages import PageContext, PageDocument, index_htm, readme_txt
from esante.mss.errors import MssError, MssSendError
from esante.xds import (
    Author,
    Code,
    UpdateDocumentSet,
    XdsError,
    format_dtm,
    has_member,
    submission_set_for,
)
from esante.xds.ebxml import IdSource, new_uuid, update_document_set_to_xml
from esante.xds.hl7v2 import escape

PARIS = ZoneInfo("Europe/Paris")


def _new_oid() -> str:
    return f"2.25.{uuid.uuid4().int}"


def _as_input(document: bytes | DocumentToSend) -> DocumentToSend:
    return document if isinstance(document, DocumentToSend) else DocumentToSend(document)


def _intended_recipient(address: str) -> str:
    """An intendedRecipient with only the mailbox (XON|XCN|XTN, XTN ``^^Internet^addr``)."""
    return f"||^^Internet^{escape(address)}"


@dataclass(frozen=True, slots=True)
class BuiltXdm:
    """A package as bytes, with its model and the facts read from each CDA."""

    data: bytes
    package: XdmPackage
    facts: tuple[_cda.CdaFacts, ...]


def build_package(
    documents: Sequence[bytes | DocumentToSend],
    *,
    source_id: str,
    content_type_code: Code,
    creator: XdmCreator,
    author: Author | None = None,
    submission_unique_id: str | None = None,
    submission_time: datetime | None = None,
    intended_recipients: Sequence[str] = (),
    title: str | None = None,
    comments: str | None = None,
    new_id: IdSource = new_uuid,
    error: type[MssError] = MssSendError,
) -> BuiltXdm:
    """:func:`build_xdm`, also returning the model and the CDA facts (for the message)."""
    if not documents:
        raise error("Aucun document à mettre dans l'archive IHE_XDM.", field="documents")
    inputs = [_as_input(d) for d in documents]
    moment = submission_time or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    built: list[XdmDocument] = []
    facts: list[_cda.CdaFacts] = []
    for number, item in enumerate(inputs, start=1):
        where = f"documents[{number - 1}]"
        if item.action is not None and item.action not in _cda.ACTIONS:
            raise error(
                f"Action inconnue pour le document n°{number} : « {item.action} ».",
                detail="action must be 'C' (replacement) or 'D' (deletion)",
                field=f"{where}.action",
            )
        _cda.check_visibility(item.visibility, where=where, error=error)
        fact = _cda.read_facts(item.data, where=where, error=error)
        name = f"DOC{number:04d}.XML"
        entry = _cda.document_entry(
            item.data,
            entry_id=new_id(),
            visibility=item.visibility,
            action=item.action,
            uri=name,
            where=where,
            error=error,
        )
        built.append(XdmDocument(entry, item.data, f"{XDM_DIRECTORY}/{SUBSET}/{name}"))
        facts.append(fact)
    _check_one_patient(built, error)
    _check_unique_ids(built, error)
    submission_set = submission_set_for(
        built[0].entry,
        unique_id=submission_unique_id or _new_oid(),
        source_id=source_id,
        submission_time=format_dtm(moment),
        content_type_code=content_type_code,
        author=author,
        title=title,
        entry_id=new_id(),
    )
    submission_set = replace(
        submission_set,
        comments=comments,
        intended_recipients=tuple(
            _intended_recipient(check_address(a, field=f"intended_recipients[{i}]", error=error))
            for i, a in enumerate(intended_recipients)
        ),
    )
    associations = tuple(
        has_member(new_id(), submission_set.entry_uuid, d.entry.entry_uuid) for d in built
    )
    subset = XdmSubset(SUBSET, submission_set, tuple(built), associations)
    try:
        metadata = update_document_set_to_xml(
            UpdateDocumentSet(submission_set, tuple(d.entry for d in built), associations),
            new_id=new_id,
        )
    except XdsError as exc:
        raise error(
            f"Métadonnées XDS impossibles à écrire : {exc.message}",
            detail=exc.detail,
            field=exc.field,
        ) from exc
    metadata_bytes = etree.tostring(
        metadata, xml_declaration=True, encoding="UTF-8", pretty_print=True
    )
    context = _page_context(moment, creator, subset, facts)
    index, readme = index_htm(context), readme_txt(context)
    data = _write_zip(moment, metadata_bytes, subset, index, readme)
    return BuiltXdm(data, XdmPackage((subset,), index, readme), tuple(facts))


def _check_one_patient(documents: Sequence[XdmDocument], error: type[MssError]) -> None:
    first = documents[0].entry.patient_id
    for number, document in enumerate(documents[1:], start=2):
        patient = document.entry.patient_id
        if first is None or patient is None or not patient.same_as(first):
            raise error(
                "Une archive IHE_XDM (et un message MSSanté) ne concerne qu'un seul patient : "
                f"le document n°{number} concerne un autre patient que le premier.",
                detail=f"patientId {patient} != {first}",
                field=f"documents[{number - 1}]",
            )


def _check_unique_ids(documents: Sequence[XdmDocument], error: type[MssError]) -> None:
    seen: set[str | None] = set()
    for number, document in enumerate(documents, start=1):
        if document.entry.unique_id in seen:
            raise error(
                f"Le document n°{number} figure deux fois dans l'archive.",
                detail=f"uniqueId {document.entry.unique_id} repeated",
                field=f"documents[{number - 1}]",
            )
        seen.add(document.entry.unique_id)


def _page_context(
    moment: datetime, creator: XdmCreator, subset: XdmSubset, facts: Sequence[_cda.CdaFacts]
) -> PageContext:
    patient = facts[0].patient
    name = f"{patient.birth_family_name.upper()} {patient.first_given_name}"
    return PageContext(
        created=moment.astimezone(PARIS),
        organization=creator.organization,
        software=creator.software,
        version=creator.version,
        contact=creator.contact,
        patient=f"{name}, né(e) le {patient.birth_date:%d/%m/%Y}",
        metadata_paths=(f"{XDM_DIRECTORY}/{subset.name}/{METADATA}",),
        documents=tuple(
            PageDocument(
                path=d.path,
                title=f.label,
                type_label=f.document.type_label,
                date=""
                if f.document.effective_time is None
                else f"{f.document.effective_time:%d/%m/%Y}",
                level=f.document.level,
            )
            for d, f in zip(subset.documents, facts, strict=True)
        ),
    )


def _write_zip(
    moment: datetime, metadata: bytes, subset: XdmSubset, index: bytes, readme: bytes
) -> bytes:
    stamp = moment.astimezone(PARIS).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:

        def directory(name: str) -> None:
            info = zipfile.ZipInfo(f"{name}/", date_time=stamp)
            info.external_attr = (0o40755 << 16) | 0x10
            archive.writestr(info, b"")

        def file(name: str, content: bytes) -> None:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o100644 << 16
            archive.writestr(info, content)

        file(README, readme)
        file(INDEX, index)
        directory(XDM_DIRECTORY)
        directory(f"{XDM_DIRECTORY}/{subset.name}")
        file(f"{XDM_DIRECTORY}/{subset.name}/{METADATA}", metadata)
        for document in subset.documents:
            file(document.path, document.data)
    return buffer.getvalue()


def build_xdm(
    documents: Sequence[bytes | DocumentToSend],
    *,
    source_id: str,
    content_type_code: Code,
    creator: XdmCreator,
    author: Author | None = None,
    submission_unique_id: str | None = None,
    submission_time: datetime | None = None,
    intended_recipients: Sequence[str] = (),
    title: str | None = None,
    comments: str | None = None,
    new_id: IdSource = new_uuid,
) -> bytes:
    """The IHE XDM zip carrying ``documents`` (CDA R2 of one patient).

    ``source_id`` (OID of the sending system), ``content_type_code`` (JDV_J59) and
    ``author`` (default: the first document's first author) make the submission set as
    for the DMP; ``intended_recipients`` are the recipients' mailboxes;
    ``submission_unique_id`` defaults to a fresh ``2.25`` OID and ``submission_time`` to
    now. ``new_id`` gives the ebRIM ids (``urn:uuid:``; inject it for stable output).

    Raises :class:`~esante.mss.errors.MssSendError` (``field`` = ``documents[i]...``)
    when a document is not a CDA, its header cannot be mapped, the documents concern
    several patients, or an action/visibility code is unknown.
    """
    return build_package(
        documents,
        source_id=source_id,
        content_type_code=content_type_code,
        creator=creator,
        author=author,
        submission_unique_id=submission_unique_id,
        submission_time=submission_time,
        intended_recipients=intended_recipients,
        title=title,
        comments=comments,
        new_id=new_id,
    ).data
