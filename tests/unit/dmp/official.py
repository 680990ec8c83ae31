"""Official DMP answers made ready for the scripted DMP, and entries from the TD3.1 answer."""

from __future__ import annotations

from lxml import etree

from esante.transport import Attachment, build_envelope, encode_mtom
from esante.xds import (
    Association,
    DocumentEntry,
    QueryResponse,
    RegistryError,
    RegistryResponse,
    ResponseStatus,
    SubmissionSet,
    iti18,
    iti41,
)
from tests.unit.dmp import kit
from tests.unit.dmp.conftest import ScriptedDmp

TD02 = "TD0.2_Test_dexistence_reponse.xml"
TD03 = "TD0.3_Mise_a_jour_de_lautorisation_reponse.xml"
TD21 = "TD2.1_Alimentation_reponse.xml"
TD31 = "TD3.1_Recherche_de_document_reponse.xml"
TD32 = "TD3.2_Consultation_dun_document_reponse.xml"
TD33C = "TD3.3c_Supprimer_un_document_reponse.xml"
TD33D = "TD3.3d_Archiver_un_document_reponse.xml"

TD32_CONTENT_ID = "b857abb7-a2c3-4db8-bd69-d5ff76826e72-2@urn:ihe:iti:xds-b:2007"
"""The Content-ID the official TD3.2 answer references (``cid:`` URL percent-decoded)."""
TD32_DOCUMENT = b"<ClinicalDocument xmlns='urn:hl7-org:v3'/>"


def td31_entries() -> tuple[DocumentEntry, ...]:
    """The 21 entries of the official TD3.1 answer."""
    return iti18.decode_response(kit.body(TD31)).document_entries


def reply_retrieve(dmp: ScriptedDmp, content: bytes = TD32_DOCUMENT) -> None:
    """Answer with the official TD3.2 envelope and the MIME part it references.

    The kit saved only the envelope; as on the wire, the document travels as an MTOM
    part whose Content-ID is the one of its ``xop:Include``.
    """
    content_type, body = encode_mtom(
        kit.envelope_bytes(TD32),
        [Attachment(TD32_CONTENT_ID, "text/xml", content)],
        action="urn:ihe:iti:2007:RetrieveDocumentSetResponse",
    )
    dmp.reply(body, content_type=content_type)


def envelope(payload: etree._Element) -> bytes:
    """A SOAP 1.2 response envelope around ``payload`` (for answers the kit has no example of)."""
    return build_envelope(payload).to_bytes()


def query_answer(
    entries: tuple[DocumentEntry, ...] = (),
    *,
    submission_sets: tuple[SubmissionSet, ...] = (),
    associations: tuple[Association, ...] = (),
    errors: tuple[RegistryError, ...] = (),
    status: ResponseStatus = ResponseStatus.SUCCESS,
) -> bytes:
    """An ITI-18 answer listing the given objects."""
    response = QueryResponse(
        status,
        errors,
        document_entries=entries,
        submission_sets=submission_sets,
        associations=associations,
    )
    return envelope(iti18.encode_response(response))


def registry_answer(*errors: RegistryError, status: ResponseStatus | None = None) -> bytes:
    """An ITI-41/57 ``RegistryResponse`` (Failure when an error has severity Error)."""
    response = RegistryResponse.from_errors(errors)
    if status is not None:
        response = RegistryResponse(status, errors)
    return envelope(iti41.encode_response(response))
