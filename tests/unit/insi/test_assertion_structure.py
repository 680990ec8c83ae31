"""esante's signed INSi assertion has the structure of the official request's, field by field.

The assertion is taken from the bytes esante actually sends (the client's request,
captured on its way to the sandbox's INSi application, which verifies it strictly) and
compared with the one of ``WS_INS2_rechercherInsAvecTraitsIdentite_requete.xml``: element
and attribute names, their order, the signature's algorithms and placement, the content
of ``KeyInfo``. The comparison is printed (``pytest -s``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from lxml import etree

from esante.identity.insi import ResultCode, TraitsQuery
from esante.insi import InsiClient, LpsIdentity, Professional, signed_assertion
from esante.safexml import parse_xml
from esante.sandbox.insi import InsiHttpApp
from esante.transport import InProcessTransport, WireRequest, WireResponse
from esante.trust import Pki, generate_test_pki, load_certificate
from esante.trust.certificates import certificate_from_base64
from esante.trust.saml import verify_saml_assertion
from tests.conftest import shared_path

SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
DS = "http://www.w3.org/2000/09/xmldsig#"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
KIT_PS = "899900063480"  # the professional of the official request
KIT_BILLING = "991130972"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return generate_test_pki(tmp_path_factory.mktemp("pki"))


def _peer() -> x509.Certificate:
    """A TLS client certificate as the server would hand it over (content unused)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "client")])
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )


@pytest.fixture(scope="module")
def sent(pki: Pki) -> etree._Element:
    """The assertion of a request esante sent, as the (strict) INSi application got it."""
    app = InsiHttpApp(trusted_cas=[load_certificate(pki.ca.certificate)])
    handler = app.wire_handler(_peer())
    captured: list[bytes] = []

    def capture(wire: WireRequest) -> WireResponse:
        captured.append(wire.body)
        return handler(wire)

    source = signed_assertion(
        KIT_PS,
        key=pki.signature.load_key(),
        certificate=pki.signature.load_certificate(),
        billing_id=KIT_BILLING,
    )
    client = InsiClient(
        InProcessTransport(capture),
        "https://insi.test/insi/ICIR",
        lps=LpsIdentity("NumAutorisation", "1.00.00", "GIE", "tests"),
        professional=Professional(KIT_PS, source),
    )
    answer = client.search_traits(
        TraitsQuery("INCONNU", ("PERSONNE",), "F", datetime(1970, 1, 1, tzinfo=UTC).date())
    )
    assert answer.code is ResultCode.NOT_FOUND  # the strict application accepted it
    envelope = parse_xml(captured[0], what="requête")
    return _assertion_of(envelope)


def _assertion_of(envelope: etree._Element) -> etree._Element:
    found = envelope.findall(f".//{{{SAML}}}Assertion")
    assert len(found) == 1
    return found[0]


@pytest.fixture(scope="module")
def official() -> etree._Element:
    path = shared_path("dmp-kit", "messages", "WS_INS2_rechercherInsAvecTraitsIdentite_requete.xml")
    return _assertion_of(parse_xml(path.read_bytes(), what="requête officielle"))


def _name(element: etree._Element) -> str:
    qname = etree.QName(element)
    prefix = {SAML: "saml2", DS: "ds"}.get(qname.namespace or "", qname.namespace)
    return f"{prefix}:{qname.localname}"


def _shape(element: etree._Element, path: str = "") -> Iterator[tuple[str, str]]:
    """(path, sorted attribute names) for every element, values left out."""
    here = f"{path}/{_name(element)}"
    yield here, ",".join(sorted(etree.QName(a).localname for a in element.attrib))
    for child in element:
        if isinstance(child.tag, str):
            yield from _shape(child, here)


def _facts(assertion: etree._Element) -> dict[str, str]:
    """The values the structure fixes (algorithms, formats, qualifiers, placement)."""
    s, d = f"{{{SAML}}}", f"{{{DS}}}"
    signature = assertion.find(f"{d}Signature")
    assert signature is not None
    info = signature.find(f"{d}SignedInfo")
    assert info is not None
    reference = info.find(f"{d}Reference")
    assert reference is not None
    certificates = signature.findall(f"{d}KeyInfo/{d}X509Data/{d}X509Certificate")
    signer = certificate_from_base64(certificates[0].text or "")
    issuer = assertion.findtext(f"{s}Issuer") or ""
    signer_cn = signer.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    children = [_name(c) for c in assertion if isinstance(c.tag, str)]
    value = assertion.find(f"{s}AttributeStatement/{s}Attribute/{s}AttributeValue")
    assert value is not None
    return {
        "Assertion/@Version": assertion.get("Version", ""),
        "Assertion/@ID starts with _": str((assertion.get("ID") or "").startswith("_")),
        "IssueInstant ends with Z": str((assertion.get("IssueInstant") or "").endswith("Z")),
        "children in order": " ".join(children),
        "Issuer/@Format": assertion.find(f"{s}Issuer").get("Format", ""),  # type: ignore[union-attr]
        "Issuer names the signer (its CN)": str(str(signer_cn) in issuer),
        "NameID/@NameQualifier": assertion.find(f"{s}Subject/{s}NameID").get(  # type: ignore[union-attr]
            "NameQualifier", ""
        ),
        "Signature namespace prefix": str(signature.prefix),
        "CanonicalizationMethod": info.find(f"{d}CanonicalizationMethod").get("Algorithm", ""),  # type: ignore[union-attr]
        "SignatureMethod": info.find(f"{d}SignatureMethod").get("Algorithm", ""),  # type: ignore[union-attr]
        "Reference/@URI = #ID": str(reference.get("URI") == f"#{assertion.get('ID')}"),
        "Transforms": " ".join(
            t.get("Algorithm", "") for t in reference.findall(f"{d}Transforms/{d}Transform")
        ),
        "DigestMethod": reference.find(f"{d}DigestMethod").get("Algorithm", ""),  # type: ignore[union-attr]
        "X509Certificate count": str(len(certificates)),
        "Attribute/@Name": " ".join(a.get("Name", "") for a in assertion.iter(f"{s}Attribute")),
        "AttributeValue/@xsi:type": value.get(XSI_TYPE, ""),
    }


def test_the_signed_assertion_matches_the_official_structure(
    sent: etree._Element, official: etree._Element
) -> None:
    ours, theirs = _facts(sent), _facts(official)
    width = max(len(k) for k in ours)
    print(f"\n{'field':<{width}}  {'same':<4}  kit | esante")
    for key in theirs:
        same = "yes" if ours[key] == theirs[key] else "NO"
        print(f"{key:<{width}}  {same:<4}  {theirs[key]} | {ours[key]}")
    # Even the Signature's namespace prefix: the kit writes it in the default namespace.
    assert ours == theirs

    our_shape, their_shape = list(_shape(sent)), list(_shape(official))
    print("\nelement paths and attribute names:")
    for (path, attributes), (other_path, other_attributes) in zip(
        their_shape, our_shape, strict=False
    ):
        mark = "" if (path, attributes) == (other_path, other_attributes) else "  <-- differs"
        print(f"  {path} [{attributes}]{mark}")
    assert our_shape == their_shape


def test_the_sent_assertion_verifies_once_copied_into_the_soap_header(
    sent: etree._Element, pki: Pki
) -> None:
    """Exclusive c14n: the envelope's namespaces do not break the signature."""
    verified = verify_saml_assertion(
        sent, trusted_cas=[load_certificate(pki.ca.certificate)], now=datetime.now(UTC)
    )
    assert verified.certificate == pki.signature.load_certificate()
    assert sent.findtext(f"{{{SAML}}}Issuer") == verified.certificate.subject.rfc4514_string()
    assert verified.element.findtext(f"{{{SAML}}}Subject/{{{SAML}}}NameID") == KIT_PS


def test_each_call_signs_a_new_assertion_issued_by_the_signer(pki: Pki) -> None:
    certificate = pki.signature.load_certificate()
    source = signed_assertion(KIT_PS, key=pki.signature.load_key(), certificate=certificate)
    first, second = source(), source()
    assert first.get("ID") != second.get("ID")
    for assertion in (first, second):
        assert assertion.findtext(f"{{{SAML}}}Issuer") == certificate.subject.rfc4514_string()
        assert assertion.find(f"{{{SAML}}}AttributeStatement") is None  # no billing id given
