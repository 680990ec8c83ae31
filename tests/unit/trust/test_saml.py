"""Signing and verifying any SAML 2.0 assertion (esante.trust.saml); refusals name their cause."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography import x509
from lxml import etree

from esante.insi import professional_assertion
from esante.trust import CertificateError, Pki, SignatureError
from esante.trust.saml import sign_saml_assertion, verify_saml_assertion

SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
DS = "http://www.w3.org/2000/09/xmldsig#"
PS = "899700000001"


def _signed(pki: Pki, *, prefixed: bool = True) -> etree._Element:
    certificate = pki.signature.load_certificate()
    assertion = professional_assertion(PS, issuer=certificate.subject.rfc4514_string())
    return sign_saml_assertion(
        assertion, key=pki.signature.load_key(), certificate=certificate, prefixed=prefixed
    )


def _trusted(pki: Pki) -> list[x509.Certificate]:
    return [pki.ca.load_certificate()]


@pytest.mark.parametrize(("prefixed", "prefix"), [(True, "ds"), (False, None)])
def test_the_signature_follows_the_issuer_and_verifies(
    pki: Pki, prefixed: bool, prefix: str | None
) -> None:
    signed = _signed(pki, prefixed=prefixed)
    children = [etree.QName(c).localname for c in signed]
    assert children[:3] == ["Issuer", "Signature", "Subject"]
    assert signed[1].prefix == prefix
    verified = verify_saml_assertion(signed, trusted_cas=_trusted(pki), now=datetime.now(UTC))
    assert verified.certificate == pki.signature.load_certificate()
    assert verified.element.findtext(f"{{{SAML}}}Subject/{{{SAML}}}NameID") == PS


def test_an_unsigned_assertion_is_refused(pki: Pki) -> None:
    with pytest.raises(SignatureError) as refused:
        verify_saml_assertion(
            professional_assertion(PS, issuer="CN=x"),
            trusted_cas=_trusted(pki),
            now=datetime.now(UTC),
        )
    assert "absente" in refused.value.message


def test_a_changed_nameid_breaks_the_signature(pki: Pki) -> None:
    signed = _signed(pki)
    name_id = signed.find(f"{{{SAML}}}Subject/{{{SAML}}}NameID")
    assert name_id is not None
    name_id.text = "899700000002"
    with pytest.raises(SignatureError) as refused:
        verify_saml_assertion(signed, trusted_cas=_trusted(pki), now=datetime.now(UTC))
    assert "modifié" in refused.value.message


def test_a_signer_of_another_ca_is_refused_unless_only_integrity_is_asked(
    pki: Pki, other_pki: Pki
) -> None:
    signed = _signed(other_pki)
    with pytest.raises(CertificateError) as refused:
        verify_saml_assertion(signed, trusted_cas=_trusted(pki), now=datetime.now(UTC))
    assert "autorité de confiance" in refused.value.message
    verified = verify_saml_assertion(signed, trusted_cas=None, now=datetime.now(UTC))
    assert verified.certificate == other_pki.signature.load_certificate()


def test_an_expired_signer_is_refused_even_for_integrity_only(expired_pki: Pki) -> None:
    signed = _signed(expired_pki)
    for trusted in (_trusted(expired_pki), None):
        with pytest.raises(CertificateError) as refused:
            verify_saml_assertion(signed, trusted_cas=trusted, now=datetime.now(UTC))
        assert "expiré" in refused.value.message


def test_a_signature_that_does_not_cover_the_assertion_is_refused(pki: Pki) -> None:
    """The reference must be the assertion carrying the signature, not another element."""
    signed = _signed(pki)
    signed.set("ID", "_another")
    with pytest.raises(SignatureError):
        verify_saml_assertion(signed, trusted_cas=_trusted(pki), now=datetime.now(UTC))


def test_an_assertion_without_id_cannot_be_signed(pki: Pki) -> None:
    assertion = professional_assertion(PS, issuer="CN=x")
    del assertion.attrib["ID"]
    with pytest.raises(SignatureError) as refused:
        sign_saml_assertion(
            assertion,
            key=pki.signature.load_key(),
            certificate=pki.signature.load_certificate(),
        )
    assert refused.value.field == "ID"
