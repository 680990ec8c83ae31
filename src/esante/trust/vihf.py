"""VIHF SAML 2.0 assertions: build, sign, parse and verify.

The DMP authorises each request from a VIHF assertion placed in ``wsse:Security``
(OASIS SAML 2.0 Core §2.3.3 ``Assertion``; ANS mapping VIHF pour le DMP; tokens of the
DMP kit ``messages/vihf``). esante writes the assertion the way the official tokens do —
``Issuer`` (DN of the signing certificate), ``Subject/NameID``, ``AuthnStatement``,
``AttributeStatement`` — and adds ``Conditions`` (NotBefore / NotOnOrAfter) so a token
cannot be replayed forever.

Signature: XML-DSig enveloped, RSA-SHA256, SHA-256 digest, exclusive c14n, reference to
``#<Assertion/@ID>``, ``KeyInfo/X509Data`` with the signer certificate (signxml). The
exclusive canonicalization keeps the signature valid once the assertion is copied into a
SOAP header.

Verification (:func:`verify_vihf`) checks, in order: a signature is present; the signer
certificate chains to a trusted CA and may sign (or, in *foreign* mode, only that the
signature verifies with the certificate it carries, see below); the signature and
digest (SHA-1 accepted in foreign mode only, as the kit's tokens use it); the signed
reference is the whole assertion; the validity period; the attributes
(:func:`~esante.trust.vihf_model.check_vihf`). Attribute values are read from the signed
bytes signxml returns, never from the unsigned input.

Foreign mode is for tokens signed by another PKI (e.g. the ANS test IGC, whose root
esante does not hold): it proves the token was not altered since it was signed, not who
signed it — never use it for production traffic. The DMP kit's own tokens do not pass
it: their content was edited after signing (the SignatureValue still verifies over
SignedInfo, the reference digest does not), and the DIRECTE one embeds a certificate that
is not valid DER. A sandbox mode that must accept them can only read them
(:func:`parse_vihf`), which proves nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from lxml import etree
from signxml.algorithms import DigestAlgorithm, SignatureMethod
from signxml.exceptions import InvalidCertificate, InvalidDigest, InvalidInput, InvalidSignature
from signxml.verifier import SignatureConfiguration, XMLVerifier

from esante.trust.certificates import certificate_from_base64, check_signing_usage, verify_chain
from esante.trust.errors import CertificateError, SignatureError, VihfError
from esante.trust.saml import sign_saml_assertion
from esante.trust.vihf_model import Code, Vihf, VihfAssertion, check_vihf
from esante.trust.vihf_reader import assertion_root, issue_instant, read_assertion
from esante.trust.vocabulary import (
    ACCESS_MODE_LABELS,
    ACCESS_MODE_SYSTEM,
    ACCESS_MODE_SYSTEM_NAME,
    ACTIVITY_SECTOR_SYSTEM,
    DS_NS,
    HL7_NS,
    ISSUER_FORMAT,
    SAML_NS,
    XS_NS,
    XSI_NS,
    Attr,
)

DEFAULT_LIFETIME = timedelta(hours=1)
DEFAULT_CLOCK_SKEW = timedelta(minutes=5)
DEFAULT_MAX_AGE = timedelta(hours=1)
"""Maximum age of an assertion without ``Conditions`` (the VIHF table makes them optional)."""

_S = f"{{{SAML_NS}}}"
_STRICT = SignatureConfiguration(
    location="./",
    expect_references=1,
    signature_methods=frozenset({SignatureMethod.RSA_SHA256, SignatureMethod.RSA_SHA512}),
    digest_algorithms=frozenset({DigestAlgorithm.SHA256, DigestAlgorithm.SHA512}),
)
_FOREIGN = SignatureConfiguration(
    location="./",
    expect_references=1,
    signature_methods=frozenset(
        {SignatureMethod.RSA_SHA1, SignatureMethod.RSA_SHA256, SignatureMethod.RSA_SHA512}
    ),
    digest_algorithms=frozenset({DigestAlgorithm.SHA1, DigestAlgorithm.SHA256}),
)


def build_vihf(
    vihf: Vihf,
    *,
    issuer: str,
    now: datetime | None = None,
    lifetime: timedelta | None = DEFAULT_LIFETIME,
    assertion_id: str | None = None,
) -> etree._Element:
    """The unsigned ``saml2:Assertion`` for ``vihf``.

    ``issuer`` is the DN of the certificate that will sign it; ``lifetime`` sets
    ``Conditions/@NotOnOrAfter`` (``None``: no Conditions, as in the kit tokens).
    Raises :class:`VihfError` if the attributes break a rule of the VIHF table.
    """
    check_vihf(vihf)
    instant = _utc(now or datetime.now(UTC))
    root = etree.Element(f"{_S}Assertion", nsmap={"saml2": SAML_NS, "xsi": XSI_NS, "xs": XS_NS})
    root.set("ID", assertion_id or f"_{uuid.uuid4()}")
    root.set("IssueInstant", _format_time(instant))
    root.set("Version", "2.0")
    issuer_el = etree.SubElement(root, f"{_S}Issuer", Format=ISSUER_FORMAT)
    issuer_el.text = issuer
    subject = etree.SubElement(root, f"{_S}Subject")
    etree.SubElement(subject, f"{_S}NameID").text = vihf.subject_id
    if lifetime is not None:
        etree.SubElement(
            root,
            f"{_S}Conditions",
            NotBefore=_format_time(instant),
            NotOnOrAfter=_format_time(instant + lifetime),
        )
    authn = etree.SubElement(
        root, f"{_S}AuthnStatement", AuthnInstant=_format_time(_utc(vihf.authn_instant or instant))
    )
    context = etree.SubElement(authn, f"{_S}AuthnContext")
    etree.SubElement(context, f"{_S}AuthnContextClassRef").text = vihf.authn_context
    if vihf.authn_context_decl:
        etree.SubElement(context, f"{_S}AuthnContextDecl").text = vihf.authn_context_decl
    statement = etree.SubElement(root, f"{_S}AttributeStatement")
    _text(statement, Attr.STRUCTURE_ID, vihf.structure_id)
    _text(statement, Attr.ACTIVITY_SECTOR, f"{vihf.activity_sector}^{ACTIVITY_SECTOR_SYSTEM}")
    if vihf.subject_name:
        _text(statement, Attr.SUBJECT_ID, vihf.subject_name)
    roles = [vihf.role] + ([vihf.specialty] if vihf.specialty else [])
    _coded(statement, Attr.ROLE, "Role", roles)
    _text(statement, Attr.VIHF_VERSION, vihf.vihf_version)
    _text(statement, Attr.AUTHENTICATION_MODE, vihf.authentication_mode.value)
    if vihf.patient is not None:
        _text(statement, Attr.RESOURCE_ID, vihf.patient.to_cx())
    _text(statement, Attr.RESOURCE_URN, vihf.resource_urn)
    purpose = Code(
        vihf.access_mode.value,
        ACCESS_MODE_SYSTEM,
        ACCESS_MODE_LABELS[vihf.access_mode],
        ACCESS_MODE_SYSTEM_NAME,
    )
    _coded(statement, Attr.PURPOSE_OF_USE, "PurposeOfUse", [purpose])
    if vihf.confidentiality_code is not None:
        _coded(
            statement, Attr.CONFIDENTIALITY_CODE, "ConfidentialityCode", [vihf.confidentiality_code]
        )
    if vihf.lps_id:
        _text(statement, Attr.LPS_ID, vihf.lps_id)
    _text(statement, Attr.LPS_NAME, vihf.lps_name)
    _text(statement, Attr.LPS_VERSION, vihf.lps_version)
    _text(statement, Attr.LPS_HOMOLOGATION_ID, vihf.lps_homologation_id)
    return root


def sign_vihf(
    assertion: etree._Element,
    *,
    key: PrivateKeyTypes,
    certificate: x509.Certificate,
    chain: Sequence[x509.Certificate] = (),
) -> etree._Element:
    """A signed copy of ``assertion`` (signature placed after ``Issuer``, as SAML requires;
    :func:`esante.trust.saml.sign_saml_assertion`, the signing shared with the INSi
    assertion).

    Raises :class:`SignatureError` if signxml refuses the key or the document.
    """
    return sign_saml_assertion(
        assertion, key=key, certificate=certificate, chain=chain, what="le jeton VIHF"
    )


def issue_vihf(
    vihf: Vihf,
    *,
    key: PrivateKeyTypes,
    certificate: x509.Certificate,
    now: datetime | None = None,
    lifetime: timedelta | None = DEFAULT_LIFETIME,
    assertion_id: str | None = None,
) -> etree._Element:
    """Build and sign a VIHF; its Issuer is the signing certificate's subject DN."""
    assertion = build_vihf(
        vihf,
        issuer=certificate.subject.rfc4514_string(),
        now=now,
        lifetime=lifetime,
        assertion_id=assertion_id,
    )
    return sign_vihf(assertion, key=key, certificate=certificate)


def parse_vihf(data: bytes | etree._Element, *, check: bool = True) -> VihfAssertion:
    """Read a VIHF assertion without verifying its signature.

    With ``check``, the VIHF table rules are applied (:class:`VihfError`). The signer
    certificate is returned when ``KeyInfo`` holds one that ``cryptography`` can read.
    """
    root = assertion_root(data)
    assertion = read_assertion(root)
    if check:
        check_vihf(assertion.vihf)
    return assertion


def verify_vihf(
    data: bytes | etree._Element,
    *,
    trusted_cas: Sequence[x509.Certificate] = (),
    foreign_signature: bool = False,
    now: datetime | None = None,
    check_times: bool = True,
    clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
    max_age: timedelta = DEFAULT_MAX_AGE,
) -> VihfAssertion:
    """Verify a signed VIHF and return its content (read from the signed bytes).

    Raises :class:`SignatureError` (unsigned, altered, forbidden algorithm),
    :class:`CertificateError` (signer not issued by ``trusted_cas``, expired, unreadable,
    not a signing certificate) or :class:`VihfError` (expired, not yet valid, attributes
    missing or incoherent). ``foreign_signature=True`` skips the trust chain (see the
    module docstring); ``check_times=False`` skips the validity period.
    """
    root = assertion_root(data)
    current = _utc(now or datetime.now(UTC))
    signature = root.find(f"{{{DS_NS}}}Signature")
    if signature is None:
        raise SignatureError(
            "Le jeton VIHF n'est pas signé.", detail="no ds:Signature child of saml2:Assertion"
        )
    certificate_text = signature.findtext(
        f"{{{DS_NS}}}KeyInfo/{{{DS_NS}}}X509Data/{{{DS_NS}}}X509Certificate"
    )
    if not certificate_text:
        raise CertificateError(
            "Le certificat du signataire est absent du jeton VIHF.",
            detail="ds:KeyInfo/ds:X509Data/ds:X509Certificate missing",
        )
    certificate = certificate_from_base64(certificate_text)
    if foreign_signature:
        config = _FOREIGN
        verification_time = issue_instant(root)
    else:
        verify_chain(certificate, trusted_cas, at=current)
        check_signing_usage(certificate)
        config = _STRICT
        verification_time = current
    signed = _verify_signature(root, certificate, config, verification_time)
    assertion = read_assertion(signed, certificate=certificate)
    if check_times:
        _check_times(assertion, current, clock_skew, max_age)
    check_vihf(assertion.vihf)
    return assertion


def _verify_signature(
    root: etree._Element,
    certificate: x509.Certificate,
    config: SignatureConfiguration,
    verification_time: datetime,
) -> etree._Element:
    config = SignatureConfiguration(
        location=config.location,
        expect_references=config.expect_references,
        signature_methods=config.signature_methods,
        digest_algorithms=config.digest_algorithms,
        verification_time=verification_time,
    )
    try:
        result: Any = XMLVerifier().verify(
            root, x509_cert=certificate, id_attribute="ID", expect_config=config
        )
    except InvalidCertificate as exc:
        raise CertificateError(
            "Le certificat du signataire du VIHF n'était pas valide à la date de signature.",
            detail=str(exc),
        ) from exc
    except (InvalidDigest, InvalidSignature) as exc:
        raise SignatureError(
            "La signature du jeton VIHF est invalide : le jeton a été modifié ou mal signé.",
            detail=str(exc),
        ) from exc
    except (InvalidInput, etree.DocumentInvalid, ValueError) as exc:
        raise SignatureError(
            "Signature du jeton VIHF inacceptable (structure ou algorithme refusé).",
            detail=str(exc),
        ) from exc
    signed = result.signed_xml
    if signed is None or signed.tag != f"{_S}Assertion" or signed.get("ID") != root.get("ID"):
        raise SignatureError(
            "La signature du jeton VIHF ne couvre pas l'assertion entière.",
            detail="the signed reference is not the Assertion carrying the signature",
        )
    signed_root: etree._Element = signed
    return signed_root


def _check_times(
    assertion: VihfAssertion, now: datetime, skew: timedelta, max_age: timedelta
) -> None:
    if assertion.issue_instant > now + skew:
        raise VihfError(
            "Le jeton VIHF est daté dans le futur.",
            detail=f"IssueInstant {assertion.issue_instant.isoformat()} > now {now.isoformat()}",
        )
    if assertion.not_before is not None and assertion.not_before > now + skew:
        raise VihfError(
            "Le jeton VIHF n'est pas encore valide.",
            detail=f"NotBefore {assertion.not_before.isoformat()}",
        )
    end = assertion.not_on_or_after or assertion.issue_instant + max_age
    if now - skew >= end:
        raise VihfError(
            "Le jeton VIHF a expiré : un nouveau jeton doit être émis.",
            detail=f"valid until {end.isoformat()}, now {now.isoformat()}",
        )


def _text(statement: etree._Element, name: str, value: str) -> None:
    attribute = etree.SubElement(statement, f"{_S}Attribute", Name=name)
    element = etree.SubElement(attribute, f"{_S}AttributeValue")
    element.set(f"{{{XSI_NS}}}type", "xs:string")
    element.text = value


def _coded(statement: etree._Element, name: str, tag: str, codes: Sequence[Code]) -> None:
    attribute = etree.SubElement(statement, f"{_S}Attribute", Name=name)
    for code in codes:
        value = etree.SubElement(attribute, f"{_S}AttributeValue")
        element = etree.SubElement(value, f"{{{HL7_NS}}}{tag}", nsmap={None: HL7_NS})
        element.set("code", code.code)
        element.set("codeSystem", code.code_system)
        if code.code_system_name:
            element.set("codeSystemName", code.code_system_name)
        if code.display_name:
            element.set("displayName", code.display_name)
        element.set(f"{{{XSI_NS}}}type", "CE")


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("datetimes given to esante.trust must be timezone-aware")
    return moment.astimezone(UTC)


def _format_time(moment: datetime) -> str:
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )
