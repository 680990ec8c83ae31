"""Reading a XAdES submission signature document (no verification): :class:`XadesSignature`.

Parsing goes through safexml. The reader takes the DMP kit's sample as it is: its
``SignatureProperties`` carry no namespace (XML-DSig puts them in ``ds``), so both are read.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509
from lxml import etree

from esante.safexml import XmlError, parse_xml
from esante.trust.certificates import certificate_from_base64
from esante.trust.errors import XadesError
from esante.trust.vocabulary import DS_NS, XADES_NS

MANIFEST_ID = "IHEManifest"
MAX_SIGNATURE_BYTES = 1024 * 1024
_D = f"{{{DS_NS}}}"
_X = f"{{{XADES_NS}}}"


@dataclass(frozen=True)
class ManifestReference:
    """One ``ds:Manifest/ds:Reference`` as read from a signature."""

    uri: str
    digest_algorithm: str
    digest: bytes
    transforms: tuple[str, ...] = ()


@dataclass(frozen=True)
class XadesSignature:
    """What a submission signature says (returned by parse and verify)."""

    signature_id: str
    signing_time: datetime | None
    purpose: str | None
    references: tuple[ManifestReference, ...]
    certificate: x509.Certificate | None


def signature_root(data: bytes) -> etree._Element:
    """Parse ``data`` with safexml; XadesError unless its root is ``ds:Signature``."""
    try:
        root = parse_xml(data, what="signature XAdES", max_bytes=MAX_SIGNATURE_BYTES)
    except XmlError as exc:
        raise XadesError(exc.message, detail=exc.detail) from exc
    if root.tag != f"{_D}Signature":
        raise XadesError(
            "Ce n'est pas un document de signature XML (ds:Signature attendu).",
            detail=f"root element is {root.tag!r}",
        )
    return root


def read_signature(root: etree._Element) -> XadesSignature:
    """The manifest references, signing time, purpose and signer of a ``ds:Signature``."""
    manifest = find_by_id(root, MANIFEST_ID)
    references: list[ManifestReference] = []
    if manifest is not None:
        for ref in manifest.iterfind(f"{_D}Reference"):
            method = ref.find(f"{_D}DigestMethod")
            references.append(
                ManifestReference(
                    uri=ref.get("URI", ""),
                    digest_algorithm=method.get("Algorithm", "") if method is not None else "",
                    digest=b64decode(ref.findtext(f"{_D}DigestValue") or "", "DigestValue"),
                    transforms=tuple(
                        t.get("Algorithm", "")
                        for t in ref.iterfind(f"{_D}Transforms/{_D}Transform")
                    ),
                )
            )
    time_text = root.findtext(f".//{_X}SigningTime")
    signing_time = None
    if time_text:
        try:
            signing_time = datetime.fromisoformat(time_text.strip()).astimezone(UTC)
        except ValueError as exc:
            raise XadesError(
                "Date de signature (SigningTime) invalide.", detail=repr(time_text)
            ) from exc
    # SignatureProperties: in the ds namespace per XML-DSig; the DMP kit's sample has it
    # in no namespace, so both are read.
    purpose = next(
        (
            (p.text or "").strip()
            for p in root.iter(f"{_D}SignatureProperty", "SignatureProperty")
            if p.get("Id") == "purposeOfSignature"
        ),
        None,
    )
    cert_text = root.findtext(f"{_D}KeyInfo/{_D}X509Data/{_D}X509Certificate")
    return XadesSignature(
        signature_id=root.get("Id", ""),
        signing_time=signing_time,
        purpose=purpose,
        references=tuple(references),
        certificate=certificate_from_base64(cert_text) if cert_text else None,
    )


def find_by_id(root: etree._Element, identifier: str) -> etree._Element | None:
    """The element with ``Id=identifier``; XadesError if several claim it (wrapping)."""
    found = root.xpath(".//*[@Id=$id]", id=identifier)
    if not isinstance(found, list) or not found:
        return None
    if len(found) > 1:
        raise XadesError(
            "Signature XAdES ambiguë : identifiant en double.",
            detail=f"{len(found)} elements with Id={identifier!r}",
        )
    element = found[0]
    return element if isinstance(element, etree._Element) else None


def b64decode(text: str, what: str) -> bytes:
    """Strict base64 (whitespace allowed); XadesError naming ``what`` otherwise."""
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except binascii.Error as exc:
        raise XadesError(
            f"Signature XAdES mal formée : {what} n'est pas du base64.", detail=str(exc)
        ) from exc
