"""The SAML 2.0 assertion identifying the professional in ``wsse:Security`` (the CNAM's
"assertion PS").

Shaped like the official request of the DMP kit (``messages/WS_INS2_rechercher
InsAvecTraitsIdentite_requete.xml``), element by element:

* ``saml2:Assertion`` with ``ID`` (``_`` + UUID), ``IssueInstant`` (UTC, milliseconds,
  ``Z``) and ``Version="2.0"``; no ``Conditions`` nor ``AuthnStatement`` (the sample has
  none);
* ``Issuer`` in the ``X509SubjectName`` format whose value is the subject DN of the
  certificate that signs the assertion (the sample's is its CPS's DN; esante writes the
  DN in RFC 4514 order, the sample in the .NET rendering of the same attributes);
* the enveloped XML-DSig ``Signature`` right after ``Issuer``, in the XML-DSig default
  namespace as in the sample: exclusive c14n, RSA-SHA256, one ``Reference`` to
  ``#<ID>`` with the enveloped-signature and exclusive c14n transforms, SHA-256 digest,
  ``KeyInfo/X509Data/X509Certificate`` holding the signer's certificate only
  (:func:`esante.trust.saml.sign_saml_assertion`, the signing the DMP's VIHF uses too);
* ``Subject/NameID`` with ``NameQualifier`` (``CPS`` for a card) naming the professional
  (``8`` + RPPS), who is also the ``ContexteBAM`` emitter;
* ``AttributeStatement`` with the ``identifiantFacturation`` attribute (``xs:string``)
  when a billing identifier is known.

:func:`professional_assertion` builds the unsigned assertion; :func:`signed_assertion`
returns a callable that builds and signs a fresh one at each call. The client takes any
callable returning the assertion to send (:class:`esante.insi.Professional`), so a
signature made elsewhere (a CPS card's middleware) plugs in without changing it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from lxml import etree

from esante.trust.saml import sign_saml_assertion

__all__ = ["SAML_NS", "professional_assertion", "signed_assertion"]

SAML_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
_ISSUER_FORMAT = "urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName"
_XS = "http://www.w3.org/2001/XMLSchema"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"


def professional_assertion(
    id_nat_ps: str,
    *,
    issuer: str,
    billing_id: str | None = None,
    qualifier: str = "CPS",
    now: datetime | None = None,
) -> etree._Element:
    """An (unsigned) assertion naming the professional ``id_nat_ps``."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    root = etree.Element(f"{{{SAML_NS}}}Assertion", nsmap={"saml2": SAML_NS})
    root.set("ID", f"_{uuid.uuid4()}")
    root.set("IssueInstant", moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z")
    root.set("Version", "2.0")
    issuer_element = etree.SubElement(root, f"{{{SAML_NS}}}Issuer", Format=_ISSUER_FORMAT)
    issuer_element.text = issuer
    subject = etree.SubElement(root, f"{{{SAML_NS}}}Subject")
    name_id = etree.SubElement(subject, f"{{{SAML_NS}}}NameID", NameQualifier=qualifier)
    name_id.text = id_nat_ps
    if billing_id:
        statement = etree.SubElement(root, f"{{{SAML_NS}}}AttributeStatement")
        attribute = etree.SubElement(
            statement, f"{{{SAML_NS}}}Attribute", Name="identifiantFacturation"
        )
        value = etree.SubElement(
            attribute, f"{{{SAML_NS}}}AttributeValue", nsmap={"xs": _XS, "xsi": _XSI}
        )
        value.set(f"{{{_XSI}}}type", "xs:string")
        value.text = billing_id
    return root


def signed_assertion(
    id_nat_ps: str,
    *,
    key: PrivateKeyTypes,
    certificate: x509.Certificate,
    billing_id: str | None = None,
    qualifier: str = "CPS",
    clock: Callable[[], datetime] | None = None,
    chain: Sequence[x509.Certificate] = (),
) -> Callable[[], etree._Element]:
    """A source of signed assertions naming ``id_nat_ps``, signed with ``key``.

    Each call builds a new assertion (new ``ID``, ``IssueInstant`` from ``clock``) whose
    ``Issuer`` is ``certificate``'s subject DN, and signs it. Raises
    :class:`esante.trust.SignatureError` at the call if the key cannot sign.
    """

    def build() -> etree._Element:
        assertion = professional_assertion(
            id_nat_ps,
            issuer=certificate.subject.rfc4514_string(),
            billing_id=billing_id,
            qualifier=qualifier,
            now=clock() if clock is not None else None,
        )
        return sign_saml_assertion(
            assertion,
            key=key,
            certificate=certificate,
            chain=chain,
            prefixed=False,
            what="l'assertion d'identification du professionnel",
        )

    return build
