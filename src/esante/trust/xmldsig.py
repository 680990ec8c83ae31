"""XML-DSig building blocks for signatures signxml does not shape: canonicalization, digests, RSA.

The XAdES submission signature references a ``ds:Manifest`` and the XAdES
``SignedProperties`` inside the signature itself, and the manifest references documents
that are not in the XML at all (``urn:oid:`` URIs). Those references are computed here,
following W3C XML-DSig 1.0 (§4.3.3 reference processing, §6.5 canonicalization).

Canonicalization of a sub-element goes through a serialization round trip: libxml2's
canonicalizer, given a node inside a larger tree, may emit spurious ``xmlns=""``
declarations; a fresh document carrying the in-scope namespaces gives the canonical form
the specification defines.
"""

from __future__ import annotations

import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes
from lxml import etree

from esante.trust.errors import SignatureError

C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
C14N_COMMENTS = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
EXC_C14N_COMMENTS = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"

SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
SHA512 = "http://www.w3.org/2001/04/xmlenc#sha512"

RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
RSA_SHA512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"

CANONICALIZATIONS: dict[str, tuple[bool, bool]] = {
    C14N: (False, False),
    C14N_COMMENTS: (False, True),
    EXC_C14N: (True, False),
    EXC_C14N_COMMENTS: (True, True),
}
"""Algorithm URI -> (exclusive, with_comments)."""

DIGESTS: dict[str, str] = {SHA1: "sha1", SHA256: "sha256", SHA512: "sha512"}
SIGNATURES: dict[str, hashes.HashAlgorithm] = {
    RSA_SHA1: hashes.SHA1(),  # noqa: S303 - verification of legacy signatures only
    RSA_SHA256: hashes.SHA256(),
    RSA_SHA512: hashes.SHA512(),
}
STRONG_DIGESTS = frozenset({SHA256, SHA512})
STRONG_SIGNATURES = frozenset({RSA_SHA256, RSA_SHA512})


def canonicalize(element: etree._Element, algorithm: str = C14N) -> bytes:
    """The canonical form of ``element`` (and its subtree) under ``algorithm``."""
    exclusive, with_comments = CANONICALIZATIONS[algorithm]
    standalone = etree.fromstring(etree.tostring(element))
    return etree.tostring(
        standalone, method="c14n", exclusive=exclusive, with_comments=with_comments
    )


def digest(data: bytes, algorithm: str) -> bytes:
    """The digest of ``data`` under an XML-DSig DigestMethod URI."""
    return hashlib.new(DIGESTS[algorithm], data).digest()


def rsa_sign(key: PrivateKeyTypes, data: bytes, algorithm: str = RSA_SHA256) -> bytes:
    """PKCS#1 v1.5 signature of ``data``. Raises SignatureError for a non-RSA key."""
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SignatureError(
            "Seules les clés RSA sont prises en charge pour la signature.",
            detail=f"key type {type(key).__name__}",
        )
    return key.sign(data, padding.PKCS1v15(), SIGNATURES[algorithm])


def rsa_verify(public_key: PublicKeyTypes, signature: bytes, data: bytes, algorithm: str) -> bool:
    """True when ``signature`` is a valid PKCS#1 v1.5 signature of ``data``."""
    if not isinstance(public_key, rsa.RSAPublicKey):
        return False
    try:
        public_key.verify(signature, data, padding.PKCS1v15(), SIGNATURES[algorithm])
    except InvalidSignature:
        return False
    return True
