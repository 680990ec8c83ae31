"""Signing and verifying a SAML 2.0 assertion with XML-DSig, whatever its content.

Two national services authenticate a caller from a signed ``saml2:Assertion`` placed in
``wsse:Security``: the DMP (the VIHF, :mod:`esante.trust.vihf`) and the téléservice
INSi (the "assertion PS", :mod:`esante.insi.assertion`). Both signatures have the
same shape, the one of the official messages of the DMP kit (``messages/vihf`` and
``WS_INS2_rechercherInsAvecTraitsIdentite_requete.xml``) and of OASIS SAML 2.0 Core
§5.4 (signing assertions):

* an enveloped ``ds:Signature`` child of the assertion, right after ``Issuer`` (the
  position the SAML schema gives it);
* one ``Reference`` to ``#<Assertion/@ID>`` with the transforms enveloped-signature and
  exclusive c14n (SAML Core §5.4.3-4: exclusive canonicalization keeps the signature
  valid once the assertion is copied into a SOAP header with other namespaces);
* ``SignatureMethod`` RSA-SHA256, ``DigestMethod`` SHA-256 (PDT-INF-579, cryptographic
  suites of the DMP system), ``CanonicalizationMethod`` exclusive c14n;
* ``KeyInfo/X509Data/X509Certificate``: the signer's certificate (then its chain, if
  given).

Signing and verification go through signxml. Verification reads the assertion back
from the bytes signxml says were signed, never from the input, so that an element
added next to the signed one cannot be mistaken for signed content.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from lxml import etree
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
from signxml.exceptions import InvalidCertificate, InvalidDigest, InvalidInput, InvalidSignature
from signxml.signer import XMLSigner
from signxml.verifier import SignatureConfiguration, XMLVerifier

from esante.trust.certificates import (
    certificate_from_base64,
    check_signing_usage,
    check_validity,
    verify_chain,
)
from esante.trust.errors import CertificateError, SignatureError
from esante.trust.vocabulary import DS_NS, SAML_NS

__all__ = ["SignedAssertion", "sign_saml_assertion", "verify_saml_assertion"]

_S = f"{{{SAML_NS}}}"
STRICT_SIGNATURE = SignatureConfiguration(
    location="./",
    expect_references=1,
    signature_methods=frozenset({SignatureMethod.RSA_SHA256, SignatureMethod.RSA_SHA512}),
    digest_algorithms=frozenset({DigestAlgorithm.SHA256, DigestAlgorithm.SHA512}),
)
"""What a strict verifier accepts: one reference, RSA-SHA256/512, SHA-256/512 digests."""


@dataclass(frozen=True)
class SignedAssertion:
    """A verified assertion: the element as signed, and who signed it."""

    element: etree._Element
    certificate: x509.Certificate


def sign_saml_assertion(
    assertion: etree._Element,
    *,
    key: PrivateKeyTypes,
    certificate: x509.Certificate,
    chain: Sequence[x509.Certificate] = (),
    prefixed: bool = True,
    what: str = "l'assertion SAML",
) -> etree._Element:
    """A signed copy of ``assertion`` (see the module's docstring for the shape).

    ``prefixed=False`` writes the signature in the XML-DSig default namespace
    (``<Signature xmlns="…xmldsig#">``) as the INSi sample does; the signed content is
    the same either way. Any previous ``ds:Signature`` child is replaced. ``what`` names
    the assertion in the error message. Raises :class:`SignatureError` if signxml
    refuses the key or the document (e.g. a non-RSA key, no ``ID``).
    """
    document = etree.fromstring(etree.tostring(assertion))
    if not document.get("ID"):
        raise SignatureError(
            f"Impossible de signer {what} : identifiant (ID) absent.",
            detail="saml2:Assertion/@ID missing",
            field="ID",
        )
    for old in document.findall(f"{{{DS_NS}}}Signature"):
        document.remove(old)
    namespaces: dict[str | None, str] = {"ds": DS_NS} if prefixed else {None: DS_NS}
    placeholder = etree.Element(f"{{{DS_NS}}}Signature", Id="placeholder", nsmap=namespaces)
    issuer = document.find(f"{_S}Issuer")
    document.insert(1 if issuer is not None else 0, placeholder)
    signer = XMLSigner(
        signature_algorithm=SignatureMethod.RSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    signer.namespaces = namespaces  # type: ignore[assignment]
    try:
        signed: etree._Element = signer.sign(
            document,
            key=key,  # type: ignore[arg-type]
            cert=[certificate, *chain],
            reference_uri=f"#{document.get('ID')}",
            id_attribute="ID",
        )
    except (InvalidInput, ValueError, TypeError) as exc:
        raise SignatureError(
            f"Impossible de signer {what} avec cette clé.", detail=str(exc)
        ) from exc
    # signxml builds the children of a default-namespace Signature as unqualified
    # elements that only serialize right: reparse, so that the tree in memory is the
    # one the wire carries.
    reparsed: etree._Element = etree.fromstring(etree.tostring(signed))
    return reparsed


def verify_saml_assertion(
    assertion: etree._Element,
    *,
    trusted_cas: Sequence[x509.Certificate] | None,
    now: datetime,
    what: str = "l'assertion SAML",
) -> SignedAssertion:
    """Verify the enveloped signature of ``assertion`` and return the signed content.

    Checks, in order: a ``ds:Signature`` child is there; it carries a readable signer
    certificate; that certificate chains to ``trusted_cas`` and every link is valid at
    ``now`` (``trusted_cas=None``: only the signer's own validity period, for a verifier
    that holds no CA — it then proves integrity, not identity); the certificate may
    sign; the signature and digest verify with a strong algorithm; the one reference is
    the whole assertion. Raises :class:`SignatureError` (unsigned, altered, weak or
    partial) or :class:`CertificateError` (absent, unreadable, expired, untrusted, not
    a signing certificate); messages name ``what``.
    """
    current = now.astimezone(UTC)
    signature = assertion.find(f"{{{DS_NS}}}Signature")
    if signature is None:
        raise SignatureError(
            f"Signature de {what} absente.",
            detail="no ds:Signature child of saml2:Assertion",
            field="Signature",
        )
    certificate_text = signature.findtext(
        f"{{{DS_NS}}}KeyInfo/{{{DS_NS}}}X509Data/{{{DS_NS}}}X509Certificate"
    )
    if not certificate_text:
        raise CertificateError(
            f"Le certificat du signataire est absent de {what}.",
            detail="ds:KeyInfo/ds:X509Data/ds:X509Certificate missing",
            field="X509Certificate",
        )
    certificate = certificate_from_base64(certificate_text)
    if trusted_cas is None:
        check_validity(certificate, current, role="du signataire")
    else:
        verify_chain(certificate, trusted_cas, at=current)
    check_signing_usage(certificate)
    config = SignatureConfiguration(
        location=STRICT_SIGNATURE.location,
        expect_references=STRICT_SIGNATURE.expect_references,
        signature_methods=STRICT_SIGNATURE.signature_methods,
        digest_algorithms=STRICT_SIGNATURE.digest_algorithms,
        verification_time=current,
    )
    try:
        result: Any = XMLVerifier().verify(
            etree.fromstring(etree.tostring(assertion)),
            x509_cert=certificate,
            id_attribute="ID",
            expect_config=config,
        )
    except InvalidCertificate as exc:
        raise CertificateError(
            f"Le certificat du signataire de {what} n'est pas valide.", detail=str(exc)
        ) from exc
    except (InvalidDigest, InvalidSignature) as exc:
        raise SignatureError(
            f"La signature de {what} est invalide : contenu modifié après signature ou mal signé.",
            detail=str(exc),
            field="Signature",
        ) from exc
    except (InvalidInput, etree.DocumentInvalid, ValueError) as exc:
        raise SignatureError(
            f"Signature de {what} inacceptable (structure ou algorithme refusé).",
            detail=str(exc),
            field="Signature",
        ) from exc
    signed = result.signed_xml
    if signed is None or signed.tag != f"{_S}Assertion" or signed.get("ID") != assertion.get("ID"):
        raise SignatureError(
            f"La signature ne couvre pas {what} entière.",
            detail="the signed reference is not the Assertion carrying the signature",
            field="Reference",
        )
    element: etree._Element = signed
    return SignedAssertion(element, certificate)
