"""MSSanté messages: composition rules and headers, reading and its refusals."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest

from esante.cda import extract_pdf, read_document
from esante.mss import (
    DocumentToSend,
    MssAttachment,
    MssFormatError,
    MssSendError,
    XdmError,
    compose_message,
    ddm_subject,
    is_patient_mailbox,
    patient_mailbox,
    read_message,
)
from tests.unit.mss.samples import (
    ACTIVITY,
    CARDIOLOGIST,
    CREATOR,
    GP,
    NIL,
    NOW,
    SOURCE_ID,
    TINY_PDF,
    cda,
    ids,
    quick_n1,
)


def _patient_ins(kind: str) -> str:
    """The INS matricule of the patient of the example ``kind`` (it follows the date the
    demo dataset is built on: the NIR holds the birth year and month)."""
    matricule = read_document(cda(kind)).patient.ins_matricule
    assert matricule is not None
    return matricule


ROBERT_INS = _patient_ins("vsm")  # demo patient robert (n1, vsm examples)


def compose(*documents: bytes | DocumentToSend, **options: object) -> bytes:
    settings: dict[str, object] = {
        "sender": GP,
        "to": [CARDIOLOGIST],
        "product_reference": NIL,
        "source_id": SOURCE_ID,
        "content_type_code": ACTIVITY,
        "creator": CREATOR,
        "now": NOW,
        "new_id": ids(),
        "pdf_copy": False,
    }
    settings.update(options)
    return compose_message(documents, **settings).to_bytes()  # type: ignore[arg-type]


def parse(raw: bytes) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return message


def rewrite(raw: bytes, remove: str | None = None, **headers: str) -> bytes:
    message = parse(raw)
    if remove is not None:
        del message[remove]
    for name, value in headers.items():
        name = name.replace("_", "-")
        del message[name]
        message[name] = value
    return message.as_bytes(policy=policy.SMTP)


# --- composing ----------------------------------------------------------------------------


def test_round_trip_with_the_mss_headers() -> None:
    document = cda("vsm")
    raw = compose(document, sender_name="Dr François Perrin", request_mdn=True)
    assert b"\r\n" in raw
    received = read_message(raw)
    header = read_document(document)
    patient = header.patient
    assert received.subject == (
        f"XDM/1.0/DDM+{header.title} {patient.birth_family_name.upper()} "
        f"{patient.first_given_name} {patient.birth_date:%d/%m/%Y}"
    )
    assert received.sender == GP
    assert received.sender_name == "Dr François Perrin"
    assert received.to == (CARDIOLOGIST,)
    assert received.product_reference == NIL
    assert received.cda_codes == ("SYNTH",)
    assert received.ins_qualified is True
    assert received.patient_reply_blocked is False
    assert received.wants_mdn
    assert received.disposition_notification_to == GP
    assert received.date == NOW
    assert received.warnings == ()
    (only,) = received.documents
    assert only.data == document
    assert received.xdm is not None
    assert received.xdm.submission_set.intended_recipients == (f"||^^Internet^{CARDIOLOGIST}",)
    assert "Volet de synthèse médicale" in received.body
    assert received.body.startswith("Bonjour,\n")


def test_headers_of_a_message_without_document() -> None:
    message = compose_message(
        sender=GP, to=[CARDIOLOGIST], product_reference=NIL, subject="Question", body="Bonjour"
    )
    parsed = parse(message.to_bytes())
    assert parsed["X-MSS-NIL"] == NIL
    assert parsed["X-MSS-CODECDA"] is None
    assert parsed["X-MSS-INS"] is None
    assert parsed["Disposition-Notification-To"] is None
    received = read_message(message.to_bytes())
    assert received.xdm is None
    assert received.documents == ()
    assert received.body.strip() == "Bonjour"


def test_several_documents_list_their_codes_in_order() -> None:
    received = read_message(compose(cda("vsm"), quick_n1()))
    assert received.cda_codes == ("SYNTH", "11488-4")
    assert "Volet de synthèse médicale" in received.subject
    assert "Compte rendu de consultation" in received.subject


def test_x_mss_ins_is_n_without_a_qualified_ins() -> None:
    received = read_message(compose(cda("cs8")))
    assert received.ins_qualified is False
    assert parse(compose(cda("cs8")))["X-MSS-INS"] == "N"


def test_message_ids_and_threading() -> None:
    composed = compose_message(
        [cda("vsm")],
        sender=GP,
        to=[CARDIOLOGIST],
        product_reference=NIL,
        source_id=SOURCE_ID,
        content_type_code=ACTIVITY,
        message_id="abc.123@cabinet-du-parc.mssante.fr",
        in_reply_to="<q1@cds-jean-jaures.mssante.fr>",
        references=["<q0@cds-jean-jaures.mssante.fr>", "q1@cds-jean-jaures.mssante.fr"],
        pdf_copy=False,
    )
    assert composed.message_id == "<abc.123@cabinet-du-parc.mssante.fr>"
    received = read_message(composed.to_bytes())
    assert received.message_id == composed.message_id
    assert received.in_reply_to == "<q1@cds-jean-jaures.mssante.fr>"
    assert received.references == (
        "<q0@cds-jean-jaures.mssante.fr>",
        "<q1@cds-jean-jaures.mssante.fr>",
    )
    assert composed.document_ids == (str(read_document(cda("vsm")).document_id),)


def test_bcc_recipients_are_in_the_envelope_only() -> None:
    composed = compose_message(
        sender=GP, to=[CARDIOLOGIST], bcc=["archive@cabinet-du-parc.mssante.fr"],
        product_reference=NIL, subject="Copie", body="x",
    )  # fmt: skip
    assert composed.recipients == (CARDIOLOGIST, "archive@cabinet-du-parc.mssante.fr")
    assert b"archive@" not in composed.to_bytes()
    with_document = compose_message(
        [cda("vsm")], sender=GP, to=[CARDIOLOGIST], bcc=["archive@cabinet-du-parc.mssante.fr"],
        product_reference=NIL, source_id=SOURCE_ID, content_type_code=ACTIVITY, pdf_copy=False,
    )  # fmt: skip
    received = read_message(with_document.to_bytes())
    assert received.xdm is not None
    assert received.xdm.submission_set.intended_recipients == (f"||^^Internet^{CARDIOLOGIST}",)
    assert b"archive@" not in with_document.to_bytes()


def test_pdf_copy_of_an_n1_is_its_pdf() -> None:
    document = quick_n1()
    received = read_message(compose(document, pdf_copy=True))
    (pdf,) = received.attachments
    assert pdf.content_type == "application/pdf"
    assert pdf.data == extract_pdf(document) == TINY_PDF
    header = read_document(document)
    assert pdf.filename == (
        f"{header.effective_time:%Y%m%d}_Compte_rendu_de_consultation_LEFEBVRE_ROBERT.pdf"
    )


def test_pdf_copy_of_an_n3_is_the_rendered_document() -> None:
    document = cda("vac-note", patient="lola")
    received = read_message(compose(document, pdf_copy=True))
    (pdf,) = received.attachments
    assert pdf.data.startswith(b"%PDF-")
    header = read_document(document)
    assert pdf.filename == f"{header.effective_time:%Y%m%d}_Note_de_vaccination_N_DIAYE_LOLA.pdf"


def test_extra_attachments_are_kept() -> None:
    extra = MssAttachment("ordonnance.txt", "text/plain", "Paracétamol".encode())
    received = read_message(compose(cda("vsm"), attachments=[extra]))
    assert received.attachments == (extra,)


def test_patient_mailbox_and_mes_no_reply() -> None:
    mailbox = patient_mailbox(ROBERT_INS)
    assert mailbox == f"{ROBERT_INS}@patient.mssante.fr"
    assert is_patient_mailbox(mailbox.upper())
    assert not is_patient_mailbox(CARDIOLOGIST)
    received = read_message(compose(cda("vsm"), to=[mailbox], block_patient_reply=True))
    assert received.patient_reply_blocked
    assert parse(compose(cda("vsm"), to=[mailbox]))["X-MSS-MES"] is None
    # no X-MSS-MES towards professionals, even when asked
    assert parse(compose(cda("vsm"), block_patient_reply=True))["X-MSS-MES"] is None


def test_invalid_ins_for_a_patient_mailbox() -> None:
    with pytest.raises(MssSendError) as caught:
        patient_mailbox("148033306309707")
    assert caught.value.field == "ins"


def test_masked_document_never_goes_to_a_professional() -> None:
    masked = DocumentToSend(cda("vsm"), visibility=("MASQUE_PS",))
    with pytest.raises(MssSendError) as caught:
        compose(masked)
    assert caught.value.field == "to"
    with pytest.raises(MssSendError):
        compose(masked, to=[patient_mailbox(ROBERT_INS)], cc=[CARDIOLOGIST])
    received = read_message(compose(masked, to=[patient_mailbox(ROBERT_INS)]))
    assert received.documents[0].entry.masked_to_professionals


def test_document_invisible_to_the_patient_never_goes_to_the_patient() -> None:
    hidden = DocumentToSend(cda("vsm"), visibility=("INVISIBLE_PATIENT",))
    with pytest.raises(MssSendError, match="pas visible par le patient"):
        compose(hidden, to=[patient_mailbox(ROBERT_INS)])
    assert read_message(compose(hidden)).documents[0].entry.invisible_to_patient


def test_patient_mailbox_must_be_the_documents_patient() -> None:
    with pytest.raises(MssSendError, match="n'est pas celle du patient"):
        compose(cda("vac-note"), to=[patient_mailbox(ROBERT_INS)])
    with pytest.raises(MssSendError):  # no INS in the document: no patient mailbox
        compose(cda("cs8"), to=["148033306309706@patient.mssante.fr"])


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"sender": "not-an-address"}, "sender"),
        ({"to": ["ok@x.mssante.fr", "bad address@x.fr"]}, "to[1]"),
        ({"to": []}, "to"),
        ({"cc": ["a@b\r\nBcc: c@d.fr"]}, "cc[0]"),
        ({"product_reference": "ref\r\nX-Evil: 1"}, "X-MSS-NIL"),
        ({"product_reference": " "}, "X-MSS-NIL"),
        ({"message_id": "no-at-sign"}, "message_id"),
        ({"source_id": None}, "source_id"),
    ],
)
def test_invalid_composition_inputs(options: dict[str, object], field: str) -> None:
    with pytest.raises(MssSendError) as caught:
        compose(cda("vsm"), **options)
    assert caught.value.field == field


def test_subject_is_one_line() -> None:
    raw = compose_message(
        sender=GP, to=[CARDIOLOGIST], product_reference=NIL,
        subject="Objet\r\nBcc: someone@evil.fr", body="x",
    ).to_bytes()  # fmt: skip
    parsed = parse(raw)
    assert parsed["Bcc"] is None
    assert parsed["Subject"] == "Objet Bcc: someone@evil.fr"


def test_ddm_subject() -> None:
    from datetime import date

    assert (
        ddm_subject(["CR d'imagerie", " CR d'imagerie"], "Corse", "Figatellix", date(1988, 10, 12))
        == "XDM/1.0/DDM+CR d'imagerie CORSE Figatellix 12/10/1988"
    )


def test_replacement_and_deletion_are_said_in_the_body() -> None:
    received = read_message(
        compose(DocumentToSend(cda("vsm"), action="C"), DocumentToSend(quick_n1(), action="D"))
    )
    assert "remplace la version envoyée précédemment" in received.body
    assert "à supprimer" in received.body
    assert [d.action for d in received.documents] == ["C", "D"]


# --- reading ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def raw() -> bytes:
    return compose(cda("vac-note"), request_mdn=True)


@pytest.mark.parametrize(
    "name", ["From", "Date", "Message-ID", "X-MSS-NIL", "X-MSS-CODECDA", "X-MSS-INS"]
)
def test_missing_required_header(raw: bytes, name: str) -> None:
    with pytest.raises(MssFormatError) as caught:
        read_message(rewrite(raw, remove=name))
    assert caught.value.field == name
    assert name in caught.value.message


def test_lenient_reading_reports_the_mss_header_problems(raw: bytes) -> None:
    stripped = rewrite(rewrite(raw, remove="X-MSS-NIL"), remove="X-MSS-INS")
    received = read_message(stripped, strict=False)
    assert [w.split(":")[0] for w in received.warnings] == ["X-MSS-NIL", "X-MSS-INS"]
    assert received.product_reference is None
    assert received.ins_qualified is None
    with pytest.raises(MssFormatError):  # From, Date, Message-ID stay required
        read_message(rewrite(raw, remove="Date"), strict=False)


@pytest.mark.parametrize(
    ("headers", "field"),
    [
        ({"X_MSS_INS": "Oui"}, "X-MSS-INS"),
        ({"X_MSS_CODECDA": "SYNTH"}, "X-MSS-CODECDA"),
        ({"X_MSS_MES": "NON"}, "X-MSS-MES"),
        ({"Date": "hier"}, "Date"),
        ({"Message_ID": "<pas un identifiant>"}, "Message-ID"),
        ({"From": "a@b.fr, c@d.fr"}, "From"),
    ],
)
def test_invalid_header_values(raw: bytes, headers: dict[str, str], field: str) -> None:
    with pytest.raises(MssFormatError) as caught:
        read_message(rewrite(raw, **headers))
    assert caught.value.field == field


def test_repeated_header_is_refused(raw: bytes) -> None:
    message = parse(raw)
    message["X-MSS-INS"] = "N"
    with pytest.raises(MssFormatError) as caught:
        read_message(message.as_bytes(policy=policy.SMTP))
    assert caught.value.field == "X-MSS-INS"


def test_two_packages_are_refused(raw: bytes) -> None:
    message = parse(raw)
    zipped = next(p for p in message.iter_attachments() if p.get_filename() == "IHE_XDM.ZIP")
    message.add_attachment(
        zipped.get_content(), maintype="application", subtype="zip", filename="ihe_xdm.zip"
    )
    with pytest.raises(MssFormatError) as caught:
        read_message(message.as_bytes(policy=policy.SMTP))
    assert caught.value.field == "IHE_XDM.ZIP"


def test_a_bad_package_is_always_refused(raw: bytes) -> None:
    message = parse(raw)
    for part in message.iter_attachments():
        if part.get_filename() == "IHE_XDM.ZIP":
            part.set_content(b"not a zip", maintype="application", subtype="zip",
                             filename="IHE_XDM.ZIP")  # fmt: skip
    with pytest.raises(XdmError):
        read_message(message.as_bytes(policy=policy.SMTP), strict=False)


def test_message_size_is_bounded(raw: bytes) -> None:
    with pytest.raises(MssFormatError) as caught:
        read_message(raw, max_bytes=1000)
    assert caught.value.field == "message"
