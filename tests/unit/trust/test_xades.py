"""XAdES submission signature: sign, verify against documents, refuse alterations; kit sample."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml import etree

from esante.trust import (
    CertificateError,
    ManifestEntry,
    Pki,
    SignatureError,
    XadesError,
    parse_submission_signature,
    sign_submission,
    verify_submission_signature,
)
from tests.conftest import shared_path

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.1.1#"
NOW = datetime(2026, 1, 15, 10, 30, tzinfo=UTC)
CDA = ManifestEntry(
    "1.2.250.1.213.1.1.9.42",
    b'<?xml version="1.0" encoding="UTF-8"?>\n<ClinicalDocument xmlns="urn:hl7-org:v3"/>\n',
)
PDF = ManifestEntry("1.2.250.1.213.1.1.9.43", b"%PDF-1.4 binary \x00\xff")


def _sign(pki: Pki, entries: list[ManifestEntry] | None = None) -> bytes:
    return sign_submission(
        entries or [CDA, PDF],
        key=pki.signature.load_key(),
        certificate=pki.signature.load_certificate(),
        now=NOW,
        signature_id="sig-test",
    )


def _trusted(pki: Pki) -> dict[str, object]:
    return {"trusted_cas": [pki.ca.load_certificate()], "now": datetime.now(UTC)}


def test_signature_verifies_and_covers_the_documents(pki: Pki) -> None:
    signature = verify_submission_signature(_sign(pki), documents=[CDA, PDF], **_trusted(pki))  # type: ignore[arg-type]
    assert signature.signature_id == "sig-test"
    assert signature.signing_time == NOW
    assert signature.purpose == "1.2.840.10065.1.12.1.14"
    assert [r.uri for r in signature.references] == [
        "urn:oid:1.2.250.1.213.1.1.9.42",
        "urn:oid:1.2.250.1.213.1.1.9.43",
    ]
    assert signature.certificate == pki.signature.load_certificate()


def test_layout_follows_the_dmp_sample(pki: Pki) -> None:
    root = etree.fromstring(_sign(pki))
    assert root.tag == f"{{{DS}}}Signature"
    types = [r.get("Type") for r in root.iterfind(f"{{{DS}}}SignedInfo/{{{DS}}}Reference")]
    assert types == [f"{DS}Manifest", f"{XADES}SignedProperties"]
    props = root.find(f".//{{{XADES}}}SignedProperties/{{{XADES}}}SignedSignatureProperties")
    assert props is not None
    assert [etree.QName(c).localname for c in props] == [
        "SigningTime",
        "SigningCertificate",
        "SignaturePolicyIdentifier",
    ]
    assert root.find(f".//{{{XADES}}}SignaturePolicyImplied") is not None


def test_modified_document_is_detected(pki: Pki) -> None:
    altered = ManifestEntry(CDA.unique_id, CDA.content.replace(b"/>", b"><x/></ClinicalDocument>"))
    with pytest.raises(XadesError) as err:
        verify_submission_signature(_sign(pki), documents=[altered, PDF], **_trusted(pki))  # type: ignore[arg-type]
    assert CDA.unique_id in err.value.message
    assert err.value.field == CDA.unique_id


def test_documents_must_match_the_manifest_exactly(pki: Pki) -> None:
    with pytest.raises(XadesError):
        verify_submission_signature(_sign(pki), documents=[CDA], **_trusted(pki))  # type: ignore[arg-type]
    extra = ManifestEntry("1.2.3.4", b"x")
    with pytest.raises(XadesError):
        verify_submission_signature(_sign(pki), documents=[CDA, PDF, extra], **_trusted(pki))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"2026-01-15T10:30:00Z", b"2026-01-16T10:30:00Z"),  # SignedProperties
        (
            b'URI="urn:oid:1.2.250.1.213.1.1.9.43"',
            b'URI="urn:oid:1.2.250.1.213.1.1.9.44"',
        ),  # manifest
        (b"<SignatureValue>", b"<SignatureValue>AAAA"),
    ],
    ids=["signing-time", "manifest", "signature-value"],
)
def test_altered_signature_document_is_refused(pki: Pki, old: bytes, new: bytes) -> None:
    data = _sign(pki)
    assert old in data
    with pytest.raises(SignatureError):
        verify_submission_signature(data.replace(old, new), **_trusted(pki))  # type: ignore[arg-type]


def test_signer_from_another_ca_is_refused_unless_foreign(pki: Pki, other_pki: Pki) -> None:
    data = _sign(other_pki)
    with pytest.raises(CertificateError):
        verify_submission_signature(data, **_trusted(pki))  # type: ignore[arg-type]
    assert verify_submission_signature(data, documents=[CDA, PDF], foreign_signature=True)


def test_expired_signer_is_refused(expired_pki: Pki) -> None:
    with pytest.raises(CertificateError) as err:
        verify_submission_signature(_sign(expired_pki), **_trusted(expired_pki))  # type: ignore[arg-type]
    assert "expiré" in err.value.message


def test_bad_inputs_are_refused_clearly(pki: Pki) -> None:
    with pytest.raises(XadesError):
        sign_submission(
            [], key=pki.signature.load_key(), certificate=pki.signature.load_certificate()
        )
    with pytest.raises(XadesError):
        _sign(pki, [CDA, CDA])
    with pytest.raises(XadesError):
        parse_submission_signature(b"<notASignature/>")
    with pytest.raises(XadesError):
        parse_submission_signature(b"<broken")


def _kit_signature() -> bytes:
    return shared_path("dmp-kit", "messages", "TD2.1-SignatureXades.xml").read_bytes()


def test_official_sample_is_read() -> None:
    signature = parse_submission_signature(_kit_signature())
    assert signature.signature_id == "0421d1cc-b27b-4b0d-bab2-7ebcd54d47f6"
    assert signature.signing_time == datetime(2019, 4, 4, 12, 20, 12, 282000, tzinfo=UTC)
    assert signature.purpose == "1.2.840.10065.1.12.1.14"
    assert [r.uri for r in signature.references] == [
        "urn:oid:1.2.250.1.999.1.1.7898.3.9956570900",
        "urn:oid:1.2.250.1.999.1.1.7898.4.9956570902",
    ]
    assert signature.references[1].transforms == (
        "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments",
    )
    assert signature.certificate is not None
    assert "CN=899900063480" in signature.certificate.subject.rfc4514_string()


def test_official_sample_signature_holds_in_foreign_mode(pki: Pki) -> None:
    # RSA-SHA1 over inclusive c14n by a certificate of the ANS test IGC: the signature math
    # holds (foreign mode); chained to our CA it is refused.
    assert verify_submission_signature(_kit_signature(), foreign_signature=True)
    with pytest.raises(CertificateError):
        verify_submission_signature(_kit_signature(), **_trusted(pki))  # type: ignore[arg-type]


def test_official_sample_manifest_does_not_match_the_sample_document() -> None:
    # The kit's manifest digests are placeholders ("AA==") or of another version of the CDA.
    document = shared_path("dmp-kit", "messages", "TD2.1-DocumentME2.xml").read_bytes()
    references = parse_submission_signature(_kit_signature()).references
    entries = [ManifestEntry(r.uri.removeprefix("urn:oid:"), document) for r in references]
    with pytest.raises(XadesError):
        verify_submission_signature(_kit_signature(), documents=entries, foreign_signature=True)


def test_sha1_is_refused_outside_foreign_mode(pki: Pki) -> None:
    data = _sign(pki).replace(
        b"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        b"http://www.w3.org/2000/09/xmldsig#rsa-sha1",
    )
    with pytest.raises(SignatureError) as err:
        verify_submission_signature(data, **_trusted(pki))  # type: ignore[arg-type]
    assert "Algorithme" in err.value.message
