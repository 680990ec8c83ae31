"""The HTTP codec and the in-process transport: statuses, faults and contents are classified."""

from __future__ import annotations

import base64

import pytest
from lxml import etree

from esante.transport import (
    Attachment,
    HttpError,
    InProcessTransport,
    MessageError,
    NetworkError,
    PermanentError,
    ReceiverFaultError,
    RemoteRejectionError,
    SenderFaultError,
    ServerError,
    SoapRequest,
    SoapResponse,
    SoapTransport,
    TlsError,
    TransientError,
    TransportError,
    TransportTimeoutError,
    WireRequest,
    WireResponse,
    build_envelope,
    build_fault,
    decode_request,
    decode_response,
    encode_request,
    encode_response,
    send,
    with_addressing,
    with_reply_addressing,
    xop_include,
)
from esante.transport.mtom import parse_content_type
from tests.conftest import shared_path

XDS = "urn:ihe:iti:xds-b:2007"
ACTION = "urn:ihe:iti:2007:RetrieveDocumentSet"


def _request() -> SoapRequest:
    payload = etree.Element(f"{{{XDS}}}RetrieveDocumentSetRequest")
    request = SoapRequest(url="https://dmp.example/repository", envelope=build_envelope(payload))
    return with_addressing(request, action=ACTION)


def test_plain_soap12_request_carries_the_action_in_its_content_type() -> None:
    wire = encode_request(_request())
    mime, params = parse_content_type(wire.content_type)
    assert mime == "application/soap+xml"
    assert params["action"] == ACTION
    assert params["charset"] == "UTF-8"
    assert decode_request(wire).action == ACTION


def _retrieve_handler(wire: WireRequest) -> WireResponse:
    """A tiny server written with the server-side codec: answers ITI-43 with an MTOM document."""
    request = decode_request(wire)
    if request.action != ACTION:
        fault = build_fault("Sender", f"action inconnue {request.action}")
        return encode_response(SoapResponse(envelope=fault, status_code=400))
    document = Attachment.create(b"%PDF-1.4 fake", "application/pdf")
    body = etree.Element(f"{{{XDS}}}RetrieveDocumentSetResponse")
    etree.SubElement(
        etree.SubElement(body, f"{{{XDS}}}DocumentResponse"), f"{{{XDS}}}Document"
    ).append(xop_include(document))
    response = SoapResponse(
        envelope=build_envelope(body), attachments=(document,), mtom=True, status_code=200
    )
    response = with_reply_addressing(
        response,
        action="urn:ihe:iti:2007:RetrieveDocumentSetResponse",
        relates_to=request.envelope.addressing.message_id,
    )
    return encode_response(response)


def test_in_process_transport_exchanges_real_bytes() -> None:
    transport = InProcessTransport(_retrieve_handler)
    assert isinstance(transport, SoapTransport)
    request = _request()
    response = send(transport, request)
    assert response.mtom
    assert response.envelope.addressing.relates_to == request.envelope.addressing.message_id
    payload = response.envelope.payload
    assert payload is not None
    document = payload.find(f"{{{XDS}}}DocumentResponse/{{{XDS}}}Document")
    assert document is not None
    assert response.binary_content(document) == b"%PDF-1.4 fake"


def test_send_raises_the_fault_and_handle_returns_it() -> None:
    transport = InProcessTransport(_retrieve_handler)
    wrong = with_addressing(_request(), action="urn:unknown")
    response = transport.handle(wrong)
    assert response.status_code == 400
    assert response.fault is not None
    with pytest.raises(SenderFaultError) as err:
        send(transport, wrong)
    assert "urn:unknown" in err.value.message
    assert err.value.fault.code == "Sender"


def _wire(status: int, content_type: str, body: bytes) -> WireResponse:
    return WireResponse(status_code=status, content_type=content_type, body=body)


@pytest.mark.parametrize(
    ("status", "content_type", "body", "error"),
    [
        (503, "text/html", b"<html>maintenance</html>", ServerError),
        (502, "", b"", ServerError),
        (429, "text/plain", b"slow down", ServerError),
        (404, "text/html", b"<html>not found</html>", HttpError),
        (401, "application/soap+xml", b"", HttpError),
        (200, "text/html", b"<html>portail captif</html>", MessageError),
        (500, "application/soap+xml", b"<broken", ServerError),
        (200, "application/soap+xml", b"<broken", MessageError),
    ],
)
def test_non_soap_answers_are_classified(
    status: int, content_type: str, body: bytes, error: type[TransportError]
) -> None:
    with pytest.raises(error):
        decode_response(_wire(status, content_type, body))


def test_receiver_fault_is_transient_and_sender_fault_permanent() -> None:
    receiver = encode_response(
        SoapResponse(envelope=build_fault("Receiver", "base indisponible"), status_code=500)
    )
    sender = encode_response(
        SoapResponse(envelope=build_fault("Sender", "VIHF invalide"), status_code=400)
    )
    with pytest.raises(TransientError) as transient:
        decode_response(receiver).raise_for_fault()
    assert isinstance(transient.value, ReceiverFaultError)
    with pytest.raises(PermanentError) as permanent:
        decode_response(sender).raise_for_fault()
    assert isinstance(permanent.value, SenderFaultError)


def test_inline_base64_content_is_read_like_an_attachment() -> None:
    element = etree.Element("{urn:x}Document")
    element.text = base64.b64encode(b"hello world").decode()
    response = SoapResponse(envelope=build_envelope())
    assert response.binary_content(element) == b"hello world"
    element.text = "@@not base64@@"
    with pytest.raises(MessageError):
        response.binary_content(element)


def test_official_td32_response_without_its_attachment_is_reported() -> None:
    # The kit's ITI-43 response is the root part alone: its xop:Include points nowhere.
    body = shared_path("dmp-kit", "messages", "TD3.2_Consultation_dun_document_reponse.xml")
    response = decode_response(_wire(200, "application/soap+xml", body.read_bytes()))
    payload = response.envelope.payload
    assert payload is not None
    document = payload.find(f"{{{XDS}}}DocumentResponse/{{{XDS}}}Document")
    assert document is not None
    with pytest.raises(MessageError) as err:
        response.binary_content(document)
    assert "b857abb7-a2c3-4db8-bd69-d5ff76826e72-2@urn:ihe:iti:xds-b:2007" in (
        err.value.detail or ""
    )


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (NetworkError, True),
        (TransportTimeoutError, True),
        (ServerError, True),
        (ReceiverFaultError, True),
        (TlsError, False),
        (HttpError, False),
        (MessageError, False),
        (SenderFaultError, False),
        (RemoteRejectionError, False),
    ],
)
def test_every_error_is_either_transient_or_permanent(
    error: type[TransportError], transient: bool
) -> None:
    assert issubclass(error, TransportError)
    assert issubclass(error, TransientError) is transient
    assert issubclass(error, PermanentError) is not transient
