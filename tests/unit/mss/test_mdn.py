"""RFC 8098 acknowledgements as the CI-SIS profiles them: build, read, round trip, refusals."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest

from esante.mss import (
    DispositionType,
    MdnError,
    MssFormatError,
    MssSendError,
    ReceivedMessage,
    build_mdn,
    compose_message,
    is_mdn,
    read_mdn,
    read_message,
)
from esante.mss.mdn import ERROR_LABELS, Disposition, parse_disposition
from tests.unit.mss.samples import (
    ACTIVITY,
    CARDIOLOGIST,
    CREATOR,
    GP,
    NIL,
    NOW,
    SOURCE_ID,
    cda,
    ids,
)


@pytest.fixture(scope="module")
def original() -> ReceivedMessage:
    composed = compose_message(
        [cda("vac-note")],
        sender=GP,
        to=[CARDIOLOGIST],
        product_reference=NIL,
        source_id=SOURCE_ID,
        content_type_code=ACTIVITY,
        creator=CREATOR,
        request_mdn=True,
        pdf_copy=False,
        now=NOW,
        new_id=ids(),
    )
    return read_message(composed.to_bytes())


def parse(raw: bytes) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return message


def test_processed_round_trip(original: ReceivedMessage) -> None:
    mdn = build_mdn(original, sender=CARDIOLOGIST, product_reference="OTHER-LPS-42", now=NOW)
    assert mdn.recipients == (GP,)
    raw = mdn.to_bytes()
    assert is_mdn(raw)
    assert not is_mdn(parse(raw).get_payload()[0])  # type: ignore[index]
    read = read_mdn(raw)
    assert read.original_message_id == original.message_id
    assert read.final_recipient == CARDIOLOGIST
    assert read.disposition == Disposition(DispositionType.PROCESSED)
    assert not read.is_error
    assert read.error is None
    assert read.subject == original.subject
    assert read.sender == CARDIOLOGIST
    assert read.message_id == mdn.message_id
    assert read.date == NOW
    assert "traité automatiquement" in read.text
    headers = parse(raw)
    assert headers["X-MSS-NIL"] == "OTHER-LPS-42"
    assert headers["In-Reply-To"].strip() == original.message_id
    assert headers["Auto-Submitted"] == "auto-replied"


def test_error_round_trip(original: ReceivedMessage) -> None:
    error = MdnError.of("902")
    assert error.label == "Identifiant patient inconnu"
    raw = build_mdn(original, sender=CARDIOLOGIST, product_reference=NIL, error=error).to_bytes()
    read = read_mdn(raw)
    assert read.is_error
    assert read.error == error
    assert read.disposition.type == "processed"
    assert read.disposition.automatic
    assert read.subject == f"[KO Intégration système !][902] {original.subject}"
    assert "Identifiant patient inconnu" in read.text
    assert "902" in read.text
    fields = next(p for p in parse(raw).iter_parts() if "disposition" in p.get_content_type())
    block = fields.get_payload()[0]  # type: ignore[index]
    assert " ".join(str(block["Disposition"]).split()) == (
        "automatic-action/MDN-sent-automatically; processed/Error: 902^Identifiant patient inconnu"
    )
    assert str(block["Error"]) == "902^Identifiant patient inconnu"
    assert str(block["Original-Message-ID"]).strip() == original.message_id


def test_the_original_and_its_attachments_come_back(original: ReceivedMessage) -> None:
    raw = build_mdn(original, sender=CARDIOLOGIST, product_reference=NIL).to_bytes()
    parts = list(parse(raw).iter_parts())
    assert [p.get_content_type() for p in parts] == [
        "text/plain",
        "message/disposition-notification",
        "message/rfc822",
        "application/zip",
    ]
    returned = parts[2].get_payload()[0]  # type: ignore[index]
    assert returned["Message-ID"].strip() == original.message_id
    assert parts[3].get_filename() == "IHE_XDM.ZIP"
    assert read_message(original.message.as_bytes(policy=policy.SMTP)).documents[0].data == (
        original.documents[0].data
    )
    headers_only = build_mdn(
        original, sender=CARDIOLOGIST, product_reference=NIL, return_content=False
    ).to_bytes()
    kinds = [p.get_content_type() for p in parse(headers_only).iter_parts()]
    assert kinds == ["text/plain", "message/disposition-notification", "text/rfc822-headers"]


def test_manual_disposition(original: ReceivedMessage) -> None:
    raw = build_mdn(
        original,
        sender=CARDIOLOGIST,
        product_reference=NIL,
        automatic=False,
        disposition_type=DispositionType.DISPLAYED,
    ).to_bytes()
    read = read_mdn(raw)
    assert read.disposition.type == "displayed"
    assert not read.disposition.automatic
    assert read.disposition.sending_mode == "MDN-sent-manually"
    assert parse(raw)["Auto-Submitted"] is None


def test_no_mdn_without_a_request() -> None:
    composed = compose_message(
        sender=GP, to=[CARDIOLOGIST], product_reference=NIL, subject="x", body="x"
    )
    plain = read_message(composed.to_bytes())
    with pytest.raises(MssSendError) as caught:
        build_mdn(plain, sender=CARDIOLOGIST, product_reference=NIL)
    assert caught.value.field == "Disposition-Notification-To"


def test_automatic_mdn_refused_when_return_path_differs(original: ReceivedMessage) -> None:
    message = parse(original.message.as_bytes(policy=policy.SMTP))
    message["Return-Path"] = "<bounces@cabinet-du-parc.mssante.fr>"
    rerouted = read_message(message.as_bytes(policy=policy.SMTP))
    with pytest.raises(MssSendError) as caught:
        build_mdn(rerouted, sender=CARDIOLOGIST, product_reference=NIL)
    assert caught.value.field == "Disposition-Notification-To"
    confirmed = build_mdn(rerouted, sender=CARDIOLOGIST, product_reference=NIL, automatic=False)
    assert confirmed.recipients == (GP,)


# A report written the way the volet's example is: error inline in Disposition, HL7 ERR
# components after the label, an Original-Message-ID without "@".
HAND_WRITTEN = (
    b"Date: Mon, 03 Mar 2025 10:00:00 +0100\r\n"
    b"From: integration@ch-exemple.mssante.fr\r\n"
    b"To: secretariat@cabinet-du-parc.mssante.fr\r\n"
    b"Message-Id: <20250303100000.777@ch-exemple.mssante.fr>\r\n"
    b"Subject: =?utf-8?q?=5BKO_Int=C3=A9gration_syst=C3=A8me_!=5D=5B903=5D?= XDM/1.0/DDM+CR X\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/report; report-type=disposition-notification; boundary="b1"\r\n'
    b"\r\n"
    b"--b1\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"\r\n"
    b"Le document n'a pas pu etre integre.\r\n"
    b"--b1\r\n"
    b"Content-Type: message/disposition-notification\r\n"
    b"\r\n"
    b"Original-Recipient: rfc822;integration@ch-exemple.mssante.fr\r\n"
    b"Final-Recipient: rfc822; integration@ch-exemple.mssante.fr\r\n"
    b"Original-Message-ID: <20250303.0900 >\r\n"
    b"Disposition:automatic-action/MDN-sent-automatically; processed/Error: 903^INS non "
    b"present dans le document^applicationErrorCondition| E^Error^errorSeverity\r\n"
    b"\r\n"
    b"--b1--\r\n"
)


def test_reading_a_report_written_like_the_volet_example() -> None:
    read = read_mdn(HAND_WRITTEN)
    assert read.original_message_id == "<20250303.0900>"
    assert read.final_recipient == "integration@ch-exemple.mssante.fr"
    assert read.original_recipient == "integration@ch-exemple.mssante.fr"
    assert read.error == MdnError("903", "INS non present dans le document")
    assert read.subject.startswith("[KO Intégration système !][903]")


def test_disposition_parsing_variants() -> None:
    assert parse_disposition("automatic-action/MDN-sent-automatically; processed") == Disposition()
    rfc = parse_disposition("manual-action/MDN-sent-manually; processed/error", "905^INS incomplet")
    assert rfc.error == MdnError("905", "INS incomplet")
    assert rfc.modifiers == ("error",)
    bare = parse_disposition("automatic-action/MDN-sent-automatically;processed/error")
    assert bare.is_error
    assert bare.error == MdnError("", "")
    with pytest.raises(MssFormatError) as caught:
        parse_disposition("processed")
    assert caught.value.field == "Disposition"


def test_error_code_from_the_subject_when_the_field_has_none() -> None:
    raw = HAND_WRITTEN.replace(
        b"processed/Error: 903^INS non present dans le document^applicationErrorCondition| "
        b"E^Error^errorSeverity",
        b"processed/error",
    )
    read = read_mdn(raw)
    assert read.error == MdnError.of("903")
    assert ERROR_LABELS["903"] == "INS non présent dans le document"


@pytest.mark.parametrize("name", ["Final-Recipient", "Disposition", "Original-Message-ID"])
def test_missing_required_fields(name: str) -> None:
    lines = [
        line
        for line in HAND_WRITTEN.split(b"\r\n")
        if not line.lower().startswith(name.lower().encode() + b":")
    ]
    with pytest.raises(MssFormatError) as caught:
        read_mdn(b"\r\n".join(lines))
    assert caught.value.field == name


def test_not_a_report(original: ReceivedMessage) -> None:
    with pytest.raises(MssFormatError) as caught:
        read_mdn(original.message.as_bytes(policy=policy.SMTP))
    assert caught.value.field == "Content-Type"
    without_part = HAND_WRITTEN.replace(b"message/disposition-notification", b"text/plain")
    with pytest.raises(MssFormatError) as missing:
        read_mdn(without_part)
    assert missing.value.field == "message/disposition-notification"
