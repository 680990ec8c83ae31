"""MTOM/XOP: the kit TD2.1 MIME request decodes; round trips; bad MIME fails clearly."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from esante.transport import (
    Attachment,
    MessageError,
    MessageLimits,
    SoapRequest,
    WireRequest,
    build_envelope,
    decode_multipart,
    decode_request,
    encode_mtom,
    encode_request,
    with_addressing,
    xop_include,
)
from esante.transport.mtom import content_id_from_href, parse_content_type
from tests.conftest import shared_path

XDS = "urn:ihe:iti:xds-b:2007"
KIT_BOUNDARY = "----=_Part_9_20030738.1554380517598"
KIT_CONTENT_TYPE = (
    f'multipart/related; type="application/xop+xml"; boundary="{KIT_BOUNDARY}"; '
    'start="<rootpart@soapui.org>"; start-info="application/soap+xml"'
)


def _kit_request() -> bytes:
    return shared_path("dmp-kit", "messages", "TD2.1_Alimentation_requete.xml").read_bytes()


def _kit_part(name: str) -> bytes:
    """The bytes of one attachment as they stand between the kit message's delimiters."""
    data = _kit_request()
    header_end = data.index(b"\n\n", data.index(f"Content-ID: <{name}>".encode())) + 2
    next_delimiter = data.index(f"\n--{KIT_BOUNDARY}".encode(), header_end)
    return data[header_end:next_delimiter]


@pytest.mark.parametrize("content_type", [KIT_CONTENT_TYPE, None], ids=["header", "sniffed"])
def test_official_td21_request_decodes(content_type: str | None) -> None:
    # The kit file is a bare MIME body (no HTTP headers) with LF line ends.
    multipart = decode_multipart(_kit_request(), content_type)
    assert multipart.root.content_id == "rootpart@soapui.org"
    ctype, params = parse_content_type(multipart.root.content_type)
    assert ctype == "application/xop+xml"
    assert params["type"] == "application/soap+xml"
    assert set(multipart.attachments) == {
        "WS_DMP_TD2.1-DocumentME2.xml",
        "WS_DMP_TD2.1-SignatureXades.xml",
    }
    document = multipart.attachments["WS_DMP_TD2.1-DocumentME2.xml"]
    assert document.content_type == "text/xml"
    assert document.data == _kit_part("WS_DMP_TD2.1-DocumentME2.xml")
    assert document.data.startswith(b"<ClinicalDocument")
    signature = multipart.attachments["WS_DMP_TD2.1-SignatureXades.xml"]
    assert signature.data.startswith(b'<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"')
    assert signature.data.rstrip().endswith(b"</Signature>")


def test_official_td21_request_resolves_its_xop_references() -> None:
    request = decode_request(
        WireRequest(
            url="https://sandbox/repository", content_type=KIT_CONTENT_TYPE, body=_kit_request()
        )
    )
    assert request.mtom
    assert request.action == "urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b"
    payload = request.envelope.payload
    assert payload is not None
    documents = payload.findall(f"{{{XDS}}}Document")
    assert [d.get("id") for d in documents] == ["documentME2", "Signature01"]
    contents = [request.binary_content(d) for d in documents]
    assert contents[0] == _kit_part("WS_DMP_TD2.1-DocumentME2.xml")
    assert contents[1] == _kit_part("WS_DMP_TD2.1-SignatureXades.xml")


def _mtom_request(attachments: list[Attachment]) -> SoapRequest:
    body = etree.Element(f"{{{XDS}}}ProvideAndRegisterDocumentSetRequest", nsmap={"xds": XDS})
    for index, attachment in enumerate(attachments):
        document = etree.SubElement(body, f"{{{XDS}}}Document", id=f"doc{index}")
        document.append(xop_include(attachment))
    request = SoapRequest(
        url="https://dmp.example/repository",
        envelope=build_envelope(body),
        attachments=tuple(attachments),
        mtom=True,
    )
    return with_addressing(request, action="urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b")


def test_encoded_request_has_the_dmp_content_types() -> None:
    attachment = Attachment.create(b"<ClinicalDocument/>", "text/xml")
    wire = encode_request(_mtom_request([attachment]))
    ctype, params = parse_content_type(wire.content_type)
    assert ctype == "multipart/related"
    assert params["type"] == "application/xop+xml"
    assert params["start-info"] == "application/soap+xml"
    assert params["action"] == "urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b"
    assert params["start"].startswith("<")
    assert params["start"].endswith(">")
    head = wire.body.split(b"\r\n\r\n", 1)[0].decode()
    assert head.startswith(f"--{params['boundary']}\r\n")
    assert (
        'Content-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"; '
        'action="urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b"'
    ) in head
    assert "Content-Transfer-Encoding: binary" in head
    assert f"Content-ID: {params['start']}" in head
    assert f"Content-ID: <{attachment.content_id}>".encode() in wire.body
    assert wire.body.endswith(f"--{params['boundary']}--\r\n".encode())


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.binary(max_size=2000),
            st.sampled_from(["text/xml", "application/pdf", "application/octet-stream"]),
        ),
        max_size=4,
    )
)
def test_mtom_round_trip(parts: list[tuple[bytes, str]]) -> None:
    attachments = [Attachment.create(data, ctype) for data, ctype in parts]
    request = _mtom_request(attachments)
    decoded = decode_request(encode_request(request))
    assert decoded.mtom
    payload = decoded.envelope.payload
    assert payload is not None
    documents = payload.findall(f"{{{XDS}}}Document")
    assert [decoded.binary_content(d) for d in documents] == [data for data, _ in parts]
    assert [a.content_type for a in decoded.attachments] == [ctype for _, ctype in parts]


def test_round_trip_survives_content_that_looks_like_a_boundary() -> None:
    tricky = b"\r\n--MIMEBoundary_fake\r\nContent-Type: text/plain\r\n\r\n--\r\n"
    attachment = Attachment(content_id="a b:c/d@x", content_type="text/plain", data=tricky)
    decoded = decode_request(encode_request(_mtom_request([attachment])))
    assert decoded.attachment("a b:c/d@x").data == tricky


def test_cid_urls_are_percent_encoded_and_decoded() -> None:
    attachment = Attachment("b857-2@urn:ihe:iti:xds-b:2007", "text/xml", b"x")
    assert attachment.href == "cid:b857-2@urn%3Aihe%3Aiti%3Axds-b%3A2007"
    assert content_id_from_href(attachment.href) == attachment.content_id


def _multipart(*parts: bytes, close: bool = True, boundary: str = "B") -> bytes:
    body = b"".join(f"--{boundary}\r\n".encode() + part + b"\r\n" for part in parts)
    return body + (f"--{boundary}--\r\n".encode() if close else b"")


ROOT = (
    b'Content-Type: application/xop+xml; type="application/soap+xml"\r\n'
    b"Content-ID: <root>\r\n\r\n"
    b'<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body/></e:Envelope>'
)
CTYPE = 'multipart/related; type="application/xop+xml"; boundary="B"; start="<root>"'


def test_a_minimal_message_decodes() -> None:
    multipart = decode_multipart(_multipart(ROOT, b"Content-ID: <a>\r\n\r\nxyz"), CTYPE)
    assert multipart.attachments["a"].data == b"xyz"


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (_multipart(ROOT, close=False), CTYPE, "tronqué"),
        (_multipart(ROOT), 'multipart/related; type="application/xop+xml"', "boundary"),
        (_multipart(ROOT), "text/html", "inattendu"),
        (b"no delimiter here", CTYPE, "délimiteur"),
        (_multipart(ROOT.replace(b"<root>", b"<other>")), CTYPE, "principale introuvable"),
        (
            _multipart(ROOT, b"Content-ID: <a>\r\n\r\n1", b"Content-ID: <a>\r\n\r\n2"),
            CTYPE,
            "double",
        ),
        (
            _multipart(ROOT, b"Content-ID: <a>\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!"),
            CTYPE,
            "base64",
        ),
        (
            _multipart(ROOT, b"Content-ID: <a>\r\nContent-Transfer-Encoding: x-gzip\r\n\r\n1"),
            CTYPE,
            "encodage de transfert",
        ),
        (_multipart(ROOT, b"Content-ID <a>\r\nbroken header\r\n\r\n1"), CTYPE, "en-tête"),
        (_multipart(ROOT, b"Content-ID: <a>"), CTYPE, "non terminés"),
        (
            _multipart(ROOT.replace(b"application/xop+xml", b"text/html")),
            CTYPE,
            "pas un message SOAP",
        ),
    ],
    ids=[
        "truncated",
        "no-boundary",
        "not-multipart",
        "no-delimiter",
        "root-missing",
        "duplicate-id",
        "bad-base64",
        "unknown-encoding",
        "bad-header",
        "unterminated-headers",
        "root-not-soap",
    ],
)
def test_malformed_mime_is_refused_clearly(body: bytes, content_type: str, expected: str) -> None:
    with pytest.raises(MessageError) as err:
        decode_multipart(body, content_type)
    assert expected in err.value.message


def test_base64_parts_are_decoded() -> None:
    part = b"Content-ID: <a>\r\nContent-Transfer-Encoding: base64\r\n\r\naGVs\r\nbG8="
    assert decode_multipart(_multipart(ROOT, part), CTYPE).attachments["a"].data == b"hello"


def test_message_over_the_size_limit_is_refused_before_parsing() -> None:
    huge = _multipart(ROOT, b"Content-ID: <a>\r\n\r\n" + b"x" * 5000)
    with pytest.raises(MessageError) as err:
        decode_multipart(huge, CTYPE, limits=MessageLimits(max_message_bytes=4096))
    assert "trop volumineux" in err.value.message


def test_too_many_parts_are_refused() -> None:
    parts = [f"Content-ID: <p{i}>\r\n\r\n.".encode() for i in range(20)]
    with pytest.raises(MessageError) as err:
        decode_multipart(_multipart(ROOT, *parts), CTYPE, limits=MessageLimits(max_parts=10))
    assert "trop de parties" in err.value.message


def test_oversized_part_headers_are_refused() -> None:
    part = b"Content-ID: <a>\r\nX-Padding: " + b"y" * 5000 + b"\r\n\r\n1"
    with pytest.raises(MessageError) as err:
        decode_multipart(
            _multipart(ROOT, part), CTYPE, limits=MessageLimits(max_part_header_bytes=1024)
        )
    assert "trop longs" in err.value.message


def test_xop_reference_to_a_missing_part_is_refused() -> None:
    attachment = Attachment.create(b"data", "text/xml")
    wire = encode_request(_mtom_request([attachment]))
    # Drop the attachment part but keep its reference in the envelope.
    _, params = parse_content_type(wire.content_type)
    boundary = params["boundary"].encode()
    root_part_end = wire.body.index(b"\r\n--" + boundary, 10)
    truncated = wire.body[:root_part_end] + b"\r\n--" + boundary + b"--\r\n"
    with pytest.raises(MessageError) as err:
        decode_request(WireRequest(url=wire.url, content_type=wire.content_type, body=truncated))
    assert "absente" in err.value.message


def test_encode_refuses_duplicate_content_ids() -> None:
    twice = [Attachment("same", "text/xml", b"1"), Attachment("same", "text/xml", b"2")]
    with pytest.raises(ValueError, match="duplicate"):
        encode_mtom(b"<x/>", twice)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                b"--B",
                b"--B--",
                b"\r\n",
                b"\n",
                b"Content-ID: <root>",
                b"Content-ID: <a>",
                b":",
                b"x",
                ROOT,
                b"Content-Transfer-Encoding: base64",
                b"\r\n\r\n",
                b"\xff\x00",
            ]
        ),
        max_size=30,
    ).map(b"".join)
)
def test_arbitrary_bytes_only_ever_raise_message_error(body: bytes) -> None:
    for content_type in (CTYPE, None):
        try:
            decode_request(WireRequest(url="/", content_type=content_type or CTYPE, body=body))
            decode_multipart(body, content_type)
        except MessageError:
            pass
