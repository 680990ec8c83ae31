"""The SAML 2.0 assertion identifying the professional in ``wsse:Security``.

Shaped like the official request of the DMP kit (``messages/WS_INS2_rechercher
InsAvecTraitsIdentite_requete.xml``): ``Issuer`` (X509SubjectName format), ``Subject/
NameID`` with ``NameQualifier`` (``CPS`` for a card), and the ``identifiantFacturation``
attribute. This builder does not sign: the client takes any callable returning the
assertion to send, so that the signed "assertion PS" (a signing step of
:mod:`esante.trust`) plugs in without changing the client.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from lxml import etree

__all__ = ["SAML_NS", "professional_assertion"]

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
