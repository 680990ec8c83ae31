"""The XAdES signature document of a TD2.1 submission (IHE DSG detached manifest signature).

A DMP submission (TD2.1, ITI-41) carries, next to each CDA, a signature *document*: an
XML-DSig ``ds:Signature`` (W3C XML-DSig 1.0) with XAdES qualifying properties (ETSI TS
101 903, namespace v1.1.1 as in the DMP kit's ``TD2.1-SignatureXades.xml``), following
the IHE Document Digital Signature profile. What is signed is indirect::

    ds:Signature Id=sig-…
      ds:SignedInfo                        <- signed (SignatureValue)
        ds:Reference Type=…#Manifest         URI=#IHEManifest        (digest of the manifest)
        ds:Reference Type=…#SignedProperties URI=#sig-…-SignedProperties
      ds:SignatureValue, ds:KeyInfo/X509Data (signer certificate)
      ds:Object/ds:Manifest Id=IHEManifest
        ds:Reference URI=urn:oid:<document uniqueId>  (digest of the document bytes) ...
      ds:Object/ds:SignatureProperties     purpose of signature 1.2.840.10065.1.12.1.14 (source)
      ds:Object/QualifyingProperties/SignedProperties
        SigningTime, SigningCertificate (digest + issuer/serial), SignaturePolicyImplied

esante signs with RSA-SHA256, SHA-256 digests and exclusive c14n declared on every
reference; it verifies that layout in full: signature value, both references, the signing
certificate property against ``KeyInfo``, trust in the signer (CA chain, or *foreign*
mode as for the VIHF), and — when the documents are given — each manifest digest against
the document bytes (applying a declared c14n transform, as the kit's sample does).
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from esante.safexml import XmlError, parse_xml
from esante.trust.certificates import check_signing_usage, verify_chain
from esante.trust.errors import CertificateError, SignatureError, XadesError
from esante.trust.vocabulary import DS_NS, PURPOSE_SOURCE_SIGNATURE, XADES_NS
from esante.trust.xades_reader import (
    MANIFEST_ID,
    XadesSignature,
    b64decode,
    find_by_id,
    read_signature,
    signature_root,
)
from esante.trust.xmldsig import (
    C14N,
    CANONICALIZATIONS,
    DIGESTS,
    EXC_C14N,
    RSA_SHA256,
    SHA256,
    SIGNATURES,
    STRONG_DIGESTS,
    STRONG_SIGNATURES,
    canonicalize,
    digest,
    rsa_sign,
    rsa_verify,
)

MANIFEST_TYPE = f"{DS_NS}Manifest"
_D = f"{{{DS_NS}}}"
_X = f"{{{XADES_NS}}}"
_OID = re.compile(r"^[0-2](\.(0|[1-9][0-9]*))+$")


@dataclass(frozen=True)
class ManifestEntry:
    """A document covered by the signature: its XDS ``uniqueId`` and its exact bytes."""

    unique_id: str
    content: bytes

    @property
    def uri(self) -> str:
        """``urn:oid:<uniqueId>`` for an OID, else the uniqueId itself."""
        return f"urn:oid:{self.unique_id}" if _OID.match(self.unique_id) else self.unique_id


def sign_submission(
    entries: Sequence[ManifestEntry],
    *,
    key: PrivateKeyTypes,
    certificate: x509.Certificate,
    now: datetime | None = None,
    signature_id: str | None = None,
) -> bytes:
    """The XAdES signature document covering ``entries`` (UTF-8 bytes, ready to attach).

    Raises :class:`XadesError` when ``entries`` is empty or has duplicate uniqueIds, and
    :class:`SignatureError` for a key that cannot sign.
    """
    if not entries:
        raise XadesError(
            "Aucun document à signer.", detail="sign_submission needs at least one entry"
        )
    uris = [entry.uri for entry in entries]
    if len(set(uris)) != len(uris):
        raise XadesError("Documents en double dans la signature.", detail=f"uris {uris}")
    sig_id = signature_id or f"sig-{uuid.uuid4()}"
    props_id = f"{sig_id}-SignedProperties"
    signing_time = (now or datetime.now(UTC)).astimezone(UTC)

    root = etree.Element(f"{_D}Signature", nsmap={None: DS_NS}, Id=sig_id)
    signed_info = etree.SubElement(root, f"{_D}SignedInfo")
    etree.SubElement(signed_info, f"{_D}CanonicalizationMethod", Algorithm=EXC_C14N)
    etree.SubElement(signed_info, f"{_D}SignatureMethod", Algorithm=RSA_SHA256)
    manifest_ref = _reference(signed_info, f"#{MANIFEST_ID}", [EXC_C14N], MANIFEST_TYPE)
    props_ref = _reference(signed_info, f"#{props_id}", [EXC_C14N], f"{XADES_NS}SignedProperties")
    signature_value = etree.SubElement(root, f"{_D}SignatureValue")
    key_info = etree.SubElement(root, f"{_D}KeyInfo")
    der = certificate.public_bytes(Encoding.DER)
    etree.SubElement(
        etree.SubElement(key_info, f"{_D}X509Data"), f"{_D}X509Certificate"
    ).text = base64.b64encode(der).decode()

    manifest = etree.SubElement(etree.SubElement(root, f"{_D}Object"), f"{_D}Manifest")
    manifest.set("Id", MANIFEST_ID)
    for entry in entries:
        ref = _reference(manifest, entry.uri, [], None)
        _digest_value(ref).text = _b64(digest(entry.content, SHA256))

    properties = etree.SubElement(etree.SubElement(root, f"{_D}Object"), f"{_D}SignatureProperties")
    purpose = etree.SubElement(
        properties, f"{_D}SignatureProperty", Id="purposeOfSignature", Target=f"#{sig_id}"
    )
    purpose.text = PURPOSE_SOURCE_SIGNATURE

    qualifying = etree.SubElement(
        etree.SubElement(root, f"{_D}Object"),
        f"{_X}QualifyingProperties",
        nsmap={None: XADES_NS},
        Target=f"#{sig_id}",
    )
    signed_props = etree.SubElement(qualifying, f"{_X}SignedProperties", Id=props_id)
    signature_props = etree.SubElement(signed_props, f"{_X}SignedSignatureProperties")
    etree.SubElement(signature_props, f"{_X}SigningTime").text = signing_time.isoformat(
        timespec="seconds"
    ).replace("+00:00", "Z")
    cert = etree.SubElement(
        etree.SubElement(signature_props, f"{_X}SigningCertificate"), f"{_X}Cert"
    )
    cert_digest = etree.SubElement(cert, f"{_X}CertDigest")
    etree.SubElement(cert_digest, f"{_X}DigestMethod", Algorithm=SHA256)
    etree.SubElement(cert_digest, f"{_X}DigestValue").text = _b64(digest(der, SHA256))
    issuer_serial = etree.SubElement(cert, f"{_X}IssuerSerial")
    etree.SubElement(
        issuer_serial, f"{_D}X509IssuerName", nsmap={None: DS_NS}
    ).text = certificate.issuer.rfc4514_string()
    etree.SubElement(issuer_serial, f"{_D}X509SerialNumber", nsmap={None: DS_NS}).text = str(
        certificate.serial_number
    )
    etree.SubElement(
        etree.SubElement(signature_props, f"{_X}SignaturePolicyIdentifier"),
        f"{_X}SignaturePolicyImplied",
    )
    etree.SubElement(signed_props, f"{_X}SignedDataObjectProperties")

    _digest_value(manifest_ref).text = _b64(digest(canonicalize(manifest, EXC_C14N), SHA256))
    _digest_value(props_ref).text = _b64(digest(canonicalize(signed_props, EXC_C14N), SHA256))
    signature_value.text = _b64(rsa_sign(key, canonicalize(signed_info, EXC_C14N), RSA_SHA256))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def parse_submission_signature(data: bytes) -> XadesSignature:
    """Read a submission signature without verifying it. Raises XadesError if malformed."""
    return read_signature(signature_root(data))


def verify_submission_signature(
    data: bytes,
    *,
    documents: Sequence[ManifestEntry] | None = None,
    trusted_cas: Sequence[x509.Certificate] = (),
    foreign_signature: bool = False,
    now: datetime | None = None,
) -> XadesSignature:
    """Verify a submission signature; with ``documents``, check it covers exactly them.

    Raises :class:`SignatureError` (signature value or reference digest wrong, forbidden
    algorithm), :class:`CertificateError` (signer not trusted, expired, not for signing,
    SigningCertificate not matching KeyInfo) and :class:`XadesError` (layout, or a
    document missing from / not matching the manifest).
    """
    root = signature_root(data)
    signature = read_signature(root)
    certificate = signature.certificate
    if certificate is None:
        raise CertificateError(
            "Le certificat du signataire est absent de la signature XAdES.",
            detail="ds:KeyInfo/ds:X509Data/ds:X509Certificate missing",
        )
    if not foreign_signature:
        verify_chain(certificate, trusted_cas, at=(now or datetime.now(UTC)).astimezone(UTC))
        check_signing_usage(certificate)
    allowed_signatures = set(SIGNATURES) if foreign_signature else STRONG_SIGNATURES
    allowed_digests = set(DIGESTS) if foreign_signature else STRONG_DIGESTS
    signed_info = _child(root, "SignedInfo")
    c14n_method = _algorithm(signed_info, "CanonicalizationMethod", set(CANONICALIZATIONS))
    signature_method = _algorithm(signed_info, "SignatureMethod", allowed_signatures)
    value = b64decode(root.findtext(f"{_D}SignatureValue") or "", "SignatureValue")
    if not rsa_verify(
        certificate.public_key(), value, canonicalize(signed_info, c14n_method), signature_method
    ):
        raise SignatureError(
            "La signature XAdES est invalide : le document de signature a été modifié "
            "ou n'a pas été signé par ce certificat.",
            detail="SignatureValue does not verify over SignedInfo",
        )
    types: set[str] = set()
    for reference in signed_info.iterfind(f"{_D}Reference"):
        types.add(reference.get("Type", ""))
        target = _same_document_target(root, reference.get("URI", ""))
        payload = _apply_transforms(target, reference)
        _check_digest(reference, payload, allowed_digests)
    if MANIFEST_TYPE not in types or not any(t.endswith("#SignedProperties") for t in types):
        raise XadesError(
            "Signature XAdES incomplète : le manifeste et les propriétés signées doivent "
            "être signés.",
            detail=f"SignedInfo reference types {sorted(types)}",
        )
    _check_signing_certificate(root, certificate)
    if documents is not None:
        _check_documents(root, documents, allowed_digests)
    return signature


def _reference(
    parent: etree._Element, uri: str, transforms: list[str], kind: str | None
) -> etree._Element:
    reference = etree.SubElement(parent, f"{_D}Reference", URI=uri)
    if kind:
        reference.set("Type", kind)
    if transforms:
        holder = etree.SubElement(reference, f"{_D}Transforms")
        for algorithm in transforms:
            etree.SubElement(holder, f"{_D}Transform", Algorithm=algorithm)
    etree.SubElement(reference, f"{_D}DigestMethod", Algorithm=SHA256)
    etree.SubElement(reference, f"{_D}DigestValue")
    return reference


def _digest_value(reference: etree._Element) -> etree._Element:
    element = reference.find(f"{_D}DigestValue")
    assert element is not None  # created by _reference
    return element


def _child(root: etree._Element, local: str) -> etree._Element:
    element = root.find(f"{_D}{local}")
    if element is None:
        raise XadesError(
            f"Signature XAdES mal formée : élément {local} absent.", detail=f"ds:{local} missing"
        )
    return element


def _algorithm(parent: etree._Element, local: str, allowed: set[str] | frozenset[str]) -> str:
    algorithm = _child(parent, local).get("Algorithm", "")
    if algorithm not in allowed:
        raise SignatureError(
            "Algorithme de signature refusé dans la signature XAdES.",
            detail=f"{local} {algorithm!r} not in {sorted(allowed)}",
        )
    return algorithm


def _same_document_target(root: etree._Element, uri: str) -> etree._Element:
    if not uri.startswith("#"):
        raise XadesError(
            "Signature XAdES mal formée : référence externe dans SignedInfo.",
            detail=f"SignedInfo reference URI {uri!r} is not a same-document reference",
        )
    target = find_by_id(root, uri[1:])
    if target is None:
        raise XadesError(
            "Signature XAdES mal formée : élément référencé introuvable.",
            detail=f"no element with Id={uri[1:]!r}",
        )
    return target


def _apply_transforms(target: etree._Element, reference: etree._Element) -> bytes:
    transforms = [
        t.get("Algorithm", "") for t in reference.iterfind(f"{_D}Transforms/{_D}Transform")
    ]
    for algorithm in transforms:
        if algorithm not in CANONICALIZATIONS:
            raise SignatureError(
                "Transformation non prise en charge dans la signature XAdES.",
                detail=f"Transform {algorithm!r}",
            )
    # Default for a same-document reference: inclusive c14n without comments (§4.3.3.3).
    algorithm = transforms[-1] if transforms else C14N
    return canonicalize(target, algorithm)


def _check_digest(
    reference: etree._Element, payload: bytes, allowed: set[str] | frozenset[str]
) -> None:
    algorithm = _algorithm(reference, "DigestMethod", allowed)
    expected = b64decode(reference.findtext(f"{_D}DigestValue") or "", "DigestValue")
    if digest(payload, algorithm) != expected:
        raise SignatureError(
            "La signature XAdES est invalide : une partie signée a été modifiée.",
            detail=f"digest mismatch for reference {reference.get('URI')!r}",
        )


def _check_signing_certificate(root: etree._Element, certificate: x509.Certificate) -> None:
    cert = root.find(f".//{_X}SigningCertificate/{_X}Cert")
    method = root.find(f".//{_X}SigningCertificate/{_X}Cert/{_X}CertDigest/{_X}DigestMethod")
    if cert is None or method is None:
        raise XadesError(
            "Signature XAdES incomplète : propriété SigningCertificate absente.",
            detail="xades:SigningCertificate/Cert/CertDigest missing",
        )
    algorithm = method.get("Algorithm", "")
    if algorithm not in DIGESTS:
        raise SignatureError(
            "Algorithme d'empreinte inconnu (SigningCertificate).", detail=repr(algorithm)
        )
    expected = b64decode(cert.findtext(f"{_X}CertDigest/{_X}DigestValue") or "", "CertDigest")
    if digest(certificate.public_bytes(Encoding.DER), algorithm) != expected:
        raise CertificateError(
            "Le certificat de la signature XAdES ne correspond pas à celui annoncé "
            "(SigningCertificate).",
            detail="CertDigest of the first xades:Cert differs from the KeyInfo certificate",
        )


def _check_documents(
    root: etree._Element, documents: Sequence[ManifestEntry], allowed: set[str] | frozenset[str]
) -> None:
    manifest = find_by_id(root, MANIFEST_ID)
    if manifest is None:
        raise XadesError("Signature XAdES sans manifeste.", detail="no ds:Manifest Id=IHEManifest")
    by_uri = {ref.get("URI", ""): ref for ref in manifest.iterfind(f"{_D}Reference")}
    wanted = {entry.uri: entry for entry in documents}
    missing = sorted(set(wanted) - set(by_uri))
    extra = sorted(set(by_uri) - set(wanted))
    if missing or extra:
        raise XadesError(
            "La signature XAdES ne couvre pas exactement les documents du lot.",
            detail=f"not in manifest: {missing}; in manifest without document: {extra}",
        )
    for uri, entry in wanted.items():
        reference = by_uri[uri]
        transforms = [
            t.get("Algorithm", "") for t in reference.iterfind(f"{_D}Transforms/{_D}Transform")
        ]
        content = entry.content
        if transforms:
            try:
                content = canonicalize(parse_xml(content, what=f"document {uri}"), transforms[-1])
            except (XmlError, KeyError) as exc:
                raise XadesError(
                    f"Document {entry.unique_id} : transformation de la signature impossible.",
                    detail=f"{transforms}: {exc}",
                ) from exc
        algorithm = _algorithm(reference, "DigestMethod", allowed)
        expected = b64decode(reference.findtext(f"{_D}DigestValue") or "", "DigestValue")
        if digest(content, algorithm) != expected:
            raise XadesError(
                f"Le document {entry.unique_id} ne correspond pas à sa signature "
                "(contenu modifié après signature).",
                detail=f"manifest digest mismatch for {uri}",
                field=entry.unique_id,
            )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
