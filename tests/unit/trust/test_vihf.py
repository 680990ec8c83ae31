"""VIHF: build, sign, verify; every refusal names its cause; the official tokens are read."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree
from signxml.verifier import SignatureConfiguration, XMLVerifier

from esante.transport import (
    SoapRequest,
    build_envelope,
    parse_envelope,
    security_tokens,
    with_security,
)
from esante.trust import (
    AccessMode,
    AuthenticationMode,
    CertificateError,
    Code,
    PatientId,
    Pki,
    SignatureError,
    Vihf,
    VihfError,
    build_vihf,
    issue_vihf,
    parse_vihf,
    sign_vihf,
    verify_vihf,
)
from tests.conftest import shared_path

SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
HL7 = "urn:hl7-org:v3"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
NOW = datetime.now(UTC)

MEDECIN = Vihf(
    subject_id="899700000001",
    structure_id="499900000000001",
    activity_sector="SA07",
    role=Code("10", "1.2.250.1.71.1.2.7", "Médecin", "professions"),
    specialty=Code("SM26", "1.2.250.1.71.4.2.5", "Qualifié en médecine générale (SM)"),
    subject_name="DUPONT Jeanne",
    patient=PatientId("279035121518989", "1.2.250.1.213.1.4.10"),
    access_mode=AccessMode.BRIS_DE_GLACE,
    authentication_mode=AuthenticationMode.INDIRECTE_RENFORCEE,
    confidentiality_code=Code("INVISIBLE_PATIENT", "1.2.250.1.213.1.1.4.13"),
    lps_id="1.2.250.1.999.42",
    lps_name="esante",
    lps_version="0.1.0",
    lps_homologation_id="HOMOLOGATION-TEST",
    authn_instant=NOW - timedelta(minutes=10),
)


def _issue(pki: Pki, vihf: Vihf = MEDECIN, **kwargs: object) -> etree._Element:
    return issue_vihf(
        vihf,
        key=pki.signature.load_key(),
        certificate=pki.signature.load_certificate(),
        now=kwargs.pop("now", NOW),  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )


def _verify(data: bytes | etree._Element, pki: Pki, **kwargs: object) -> object:
    return verify_vihf(data, trusted_cas=[pki.ca.load_certificate()], now=NOW, **kwargs)  # type: ignore[arg-type]


def test_issued_vihf_verifies_and_returns_every_attribute(pki: Pki) -> None:
    token = etree.tostring(_issue(pki, assertion_id="_test-1"))
    result = verify_vihf(token, trusted_cas=[pki.ca.load_certificate()], now=NOW)
    assert result.vihf == replace(MEDECIN, authn_instant=result.vihf.authn_instant)
    assert abs(result.vihf.authn_instant - MEDECIN.authn_instant) < timedelta(milliseconds=1)  # type: ignore[operator]
    assert result.assertion_id == "_test-1"
    assert result.issuer == pki.signature.load_certificate().subject.rfc4514_string()
    assert result.not_on_or_after is not None
    assert result.not_on_or_after - result.issue_instant == timedelta(hours=1)
    assert result.certificate == pki.signature.load_certificate()
    assert result.other_attributes == {}


def _saml_time(moment: datetime) -> str:
    """xs:dateTime in UTC with milliseconds, as the kit tokens write it."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _one(element: etree._Element, path: str) -> etree._Element:
    [found] = element.iterfind(path, {"saml2": SAML, "hl7": HL7})
    return found


def _attributes(assertion: etree._Element) -> dict[str, list[str | dict[str, str]]]:
    """Each attribute's values as written: the text of an xs:string, else the coded element."""
    values: dict[str, list[str | dict[str, str]]] = {}
    for attribute in assertion.iterfind(f"{{{SAML}}}AttributeStatement/{{{SAML}}}Attribute"):
        found: list[str | dict[str, str]] = []
        for value in attribute.iterfind(f"{{{SAML}}}AttributeValue"):
            if value.get(XSI_TYPE) == "xs:string":
                assert len(value) == 0
                found.append(value.text or "")
            else:
                [coded] = value
                found.append({"tag": etree.QName(coded).text, **dict(coded.attrib)})
        values[str(attribute.get("Name"))] = found
    return values


def _coded(tag: str, code: str, system: str, system_name: str | None, label: str) -> dict[str, str]:
    return {
        "tag": f"{{{HL7}}}{tag}",
        "code": code,
        "codeSystem": system,
        **({"codeSystemName": system_name} if system_name else {}),
        "displayName": label,
        XSI_TYPE: "CE",
    }


def test_issued_token_says_exactly_what_was_asked(pki: Pki) -> None:
    # Read with plain XPath and checked with signxml directly, not with esante's reader:
    # a builder and a reader that agree on a mistake would pass a round trip.
    certificate = pki.signature.load_certificate()
    assertion = _issue(pki, assertion_id="_asked-1", lifetime=timedelta(minutes=20))
    assert assertion.get("ID") == "_asked-1"
    assert assertion.get("Version") == "2.0"
    assert assertion.get("IssueInstant") == _saml_time(NOW)

    issuer = _one(assertion, "saml2:Issuer")
    assert issuer.text == certificate.subject.rfc4514_string()
    assert issuer.get("Format") == "urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName"
    assert _one(assertion, "saml2:Subject/saml2:NameID").text == "899700000001"
    conditions = _one(assertion, "saml2:Conditions")
    assert conditions.get("NotBefore") == _saml_time(NOW)
    assert conditions.get("NotOnOrAfter") == _saml_time(NOW + timedelta(minutes=20))
    authn = _one(assertion, "saml2:AuthnStatement")
    assert authn.get("AuthnInstant") == _saml_time(NOW - timedelta(minutes=10))
    assert (
        _one(authn, "saml2:AuthnContext/saml2:AuthnContextClassRef").text
        == "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI"
    )

    assert _attributes(assertion) == {
        "Identifiant_Structure": ["499900000000001"],
        "Secteur_Activite": ["SA07^1.2.250.1.71.4.2.4"],
        "urn:oasis:names:tc:xspa:1.0:subject:subject-id": ["DUPONT Jeanne"],
        "urn:oasis:names:tc:xacml:2.0:subject:role": [
            _coded("Role", "10", "1.2.250.1.71.1.2.7", "professions", "Médecin"),
            _coded(
                "Role", "SM26", "1.2.250.1.71.4.2.5", None, "Qualifié en médecine générale (SM)"
            ),
        ],
        "VIHF_Version": ["3.0"],
        "Authentification_mode": ["INDIRECTE_RENFORCEE"],
        "urn:oasis:names:tc:xacml:2.0:resource:resource-id": [
            "279035121518989^^^&1.2.250.1.213.1.4.10&ISO^NH"
        ],
        "Ressource_URN": ["urn:dmp"],
        "urn:oasis:names:tc:xspa:1.0:subject:purposeofuse": [
            _coded(
                "PurposeOfUse",
                "bris_de_glace",
                "1.2.250.1.213.1.1.4.248",
                "mode acces VIHF 2.0",
                "Accès en mode bris de glace",
            )
        ],
        "urn:oasis:names:tc:xspa:1.0:resource:patient:hl7:confidentiality-code": [
            {
                "tag": f"{{{HL7}}}ConfidentialityCode",
                "code": "INVISIBLE_PATIENT",
                "codeSystem": "1.2.250.1.213.1.1.4.13",
                XSI_TYPE: "CE",
            }
        ],
        "LPS_ID": ["1.2.250.1.999.42"],
        "LPS_Nom": ["esante"],
        "LPS_Version": ["0.1.0"],
        "LPS_ID_HOMOLOGATION_DMP": ["HOMOLOGATION-TEST"],
    }

    # The signature covers the whole assertion (reference #ID) and verifies with the
    # signing certificate, whatever verifies it.
    verified = XMLVerifier().verify(
        etree.tostring(assertion),
        x509_cert=certificate,
        id_attribute="ID",
        expect_config=SignatureConfiguration(location="./", expect_references=1),
    )
    [reference] = assertion.iterfind(".//{http://www.w3.org/2000/09/xmldsig#}Reference")
    assert reference.get("URI") == "#_asked-1"
    assert not isinstance(verified, list)
    signed = verified.signed_xml
    assert signed is not None
    assert _attributes(signed) == _attributes(assertion)
    assert _one(signed, "saml2:Subject/saml2:NameID").text == "899700000001"


def test_other_modes_and_roles_write_what_they_are_asked(pki: Pki) -> None:
    nurse = replace(
        MEDECIN,
        role=Code("60", "1.2.250.1.71.1.2.7", "Infirmier", "professions"),
        specialty=None,
        access_mode=AccessMode.CENTRE_15,
        confidentiality_code=None,
        authentication_mode=AuthenticationMode.DIRECTE,
        subject_name=None,
        authn_instant=None,
    )
    assertion = build_vihf(nurse, issuer="CN=x", now=NOW, lifetime=None)
    attributes = _attributes(assertion)
    assert attributes["urn:oasis:names:tc:xacml:2.0:subject:role"] == [
        _coded("Role", "60", "1.2.250.1.71.1.2.7", "professions", "Infirmier")
    ]
    assert attributes["Authentification_mode"] == ["DIRECTE"]
    [purpose] = attributes["urn:oasis:names:tc:xspa:1.0:subject:purposeofuse"]
    assert isinstance(purpose, dict)
    assert (purpose["code"], purpose["codeSystem"]) == ("centre_15", "1.2.250.1.213.1.1.4.248")
    # direct authentication: the card holder is the NameID, no user name attribute
    assert "urn:oasis:names:tc:xspa:1.0:subject:subject-id" not in attributes
    assert "urn:oasis:names:tc:xspa:1.0:resource:patient:hl7:confidentiality-code" not in attributes
    # no lifetime asked: no Conditions, as in the kit tokens; authenticated when issued
    assert assertion.find(f"{{{SAML}}}Conditions") is None
    assert _one(assertion, "saml2:AuthnStatement").get("AuthnInstant") == _saml_time(NOW)


def test_attribute_values_are_shaped_like_the_official_token(pki: Pki) -> None:
    official = etree.fromstring(_kit_token("VIHF_INDIRECTE_RENFORCEE_signe.xml"))
    ours = _issue(pki)

    def shape(assertion: etree._Element) -> dict[str, list[tuple[str | None, str | None]]]:
        return {
            str(a.get("Name")): [
                (v.get(XSI_TYPE), etree.QName(v[0]).text if len(v) else None)
                for v in a.iterfind(f"{{{SAML}}}AttributeValue")
            ]
            for a in assertion.iterfind(f"{{{SAML}}}AttributeStatement/{{{SAML}}}Attribute")
        }

    expected, written = shape(official), shape(ours)
    assert [n for n in written if n in expected] == list(expected)  # same names, same order
    for name, values in expected.items():
        assert written[name] == values, name


def test_xml_follows_the_official_token_layout(pki: Pki) -> None:
    assertion = _issue(pki)
    children = [etree.QName(c).localname for c in assertion]
    assert children == [
        "Issuer",
        "Signature",
        "Subject",
        "Conditions",
        "AuthnStatement",
        "AttributeStatement",
    ]
    names = [
        a.get("Name")
        for a in assertion.iterfind(f"{{{SAML}}}AttributeStatement/{{{SAML}}}Attribute")
    ]
    assert names == [
        "Identifiant_Structure",
        "Secteur_Activite",
        "urn:oasis:names:tc:xspa:1.0:subject:subject-id",
        "urn:oasis:names:tc:xacml:2.0:subject:role",
        "VIHF_Version",
        "Authentification_mode",
        "urn:oasis:names:tc:xacml:2.0:resource:resource-id",
        "Ressource_URN",
        "urn:oasis:names:tc:xspa:1.0:subject:purposeofuse",
        "urn:oasis:names:tc:xspa:1.0:resource:patient:hl7:confidentiality-code",
        "LPS_ID",
        "LPS_Nom",
        "LPS_Version",
        "LPS_ID_HOMOLOGATION_DMP",
    ]
    text = etree.tostring(assertion).decode()
    assert "279035121518989^^^&amp;1.2.250.1.213.1.4.10&amp;ISO^NH" in text
    assert "SA07^1.2.250.1.71.4.2.4" in text
    assert 'code="bris_de_glace" codeSystem="1.2.250.1.213.1.1.4.248"' in text
    signature = assertion.find("{http://www.w3.org/2000/09/xmldsig#}Signature")
    assert signature is not None
    algorithms = [e.get("Algorithm") for e in signature.iter() if e.get("Algorithm")]
    assert algorithms == [
        "http://www.w3.org/2001/10/xml-exc-c14n#",
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
        "http://www.w3.org/2001/10/xml-exc-c14n#",
        "http://www.w3.org/2001/04/xmlenc#sha256",
    ]


def test_signature_survives_the_trip_in_a_soap_header(pki: Pki) -> None:
    request = with_security(
        SoapRequest(url="https://dmp/x", envelope=build_envelope()), _issue(pki)
    )
    received = parse_envelope(request.envelope.to_bytes(), max_bytes=1 << 20)
    [token] = security_tokens(received)
    assert _verify(token, pki)


def test_tampered_attribute_breaks_the_signature(pki: Pki) -> None:
    token = etree.tostring(_issue(pki)).replace(b"279035121518989", b"279035121518990")
    with pytest.raises(SignatureError) as err:
        _verify(token, pki)
    assert "modifié" in err.value.message


def test_renamed_assertion_no_longer_matches_its_signature(pki: Pki) -> None:
    assertion = _issue(pki)
    assertion.set("ID", "_another")
    with pytest.raises(SignatureError):
        _verify(assertion, pki)


def test_unsigned_vihf_is_refused(pki: Pki) -> None:
    unsigned = build_vihf(MEDECIN, issuer="CN=x", now=NOW)
    with pytest.raises(SignatureError) as err:
        _verify(unsigned, pki)
    assert "pas signé" in err.value.message


def test_expired_vihf_is_refused(pki: Pki) -> None:
    token = _issue(pki, lifetime=timedelta(minutes=30))
    with pytest.raises(VihfError) as err:
        verify_vihf(token, trusted_cas=[pki.ca.load_certificate()], now=NOW + timedelta(hours=1))
    assert "expiré" in err.value.message
    # Within the validity period (and the clock skew) it is accepted.
    assert verify_vihf(
        token, trusted_cas=[pki.ca.load_certificate()], now=NOW + timedelta(minutes=33)
    )


def test_vihf_from_the_future_is_refused(pki: Pki) -> None:
    token = _issue(pki, now=NOW + timedelta(hours=2))
    with pytest.raises(VihfError) as err:
        _verify(token, pki)
    assert "futur" in err.value.message


def test_vihf_without_conditions_is_bounded_by_max_age(pki: Pki) -> None:
    token = _issue(pki, lifetime=None, now=NOW - timedelta(hours=3))
    with pytest.raises(VihfError):
        _verify(token, pki)
    assert _verify(token, pki, max_age=timedelta(hours=4))


def test_signer_from_another_ca_is_refused(pki: Pki, other_pki: Pki) -> None:
    token = _issue(other_pki)
    with pytest.raises(CertificateError) as err:
        _verify(token, pki)
    assert "autorité de confiance" in err.value.message


def test_foreign_mode_checks_the_signature_with_the_embedded_certificate(
    pki: Pki, other_pki: Pki
) -> None:
    token = etree.tostring(_issue(other_pki))
    result = verify_vihf(token, foreign_signature=True, now=NOW)
    assert result.certificate == other_pki.signature.load_certificate()
    with pytest.raises(SignatureError):
        verify_vihf(token.replace(b"DUPONT", b"DURAND"), foreign_signature=True, now=NOW)


def test_expired_signing_certificate_is_refused(expired_pki: Pki) -> None:
    token = _issue(expired_pki)
    with pytest.raises(CertificateError) as err:
        _verify(token, expired_pki)
    assert "expiré" in err.value.message


def test_medecin_and_pharmacien_need_a_specialty() -> None:
    for code, label in (("10", "médecin"), ("21", "pharmacien")):
        vihf = replace(MEDECIN, role=Code(code, "1.2.250.1.71.1.2.7"), specialty=None)
        with pytest.raises(VihfError) as err:
            build_vihf(vihf, issuer="CN=x")
        assert (
            f"spécialité (2e rôle) est obligatoire dans le VIHF d'un {label}" in err.value.message
        )
    nurse = replace(MEDECIN, role=Code("60", "1.2.250.1.71.1.2.7", "Infirmier"), specialty=None)
    roles = _attributes(build_vihf(nurse, issuer="CN=x"))[
        "urn:oasis:names:tc:xacml:2.0:subject:role"
    ]
    assert [r["code"] for r in roles if isinstance(r, dict)] == ["60"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"subject_name": None}, "urn:oasis:names:tc:xspa:1.0:subject:subject-id"),
        ({"structure_id": " "}, "Identifiant_Structure"),
        ({"lps_homologation_id": ""}, "LPS_ID_HOMOLOGATION_DMP"),
        (
            {"patient": PatientId("123", "1.2.250.1.71.4.2.1")},
            "urn:oasis:names:tc:xacml:2.0:resource:resource-id",
        ),
        ({"role": Code("", "")}, "urn:oasis:names:tc:xacml:2.0:subject:role"),
    ],
)
def test_incoherent_attributes_are_named(change: dict[str, object], field: str) -> None:
    with pytest.raises(VihfError) as err:
        build_vihf(replace(MEDECIN, **change), issuer="CN=x")  # type: ignore[arg-type]
    assert err.value.field == field


def test_direct_authentication_does_not_need_a_user_name() -> None:
    direct = replace(MEDECIN, authentication_mode=AuthenticationMode.DIRECTE, subject_name=None)
    attributes = _attributes(build_vihf(direct, issuer="CN=x"))
    assert attributes["Authentification_mode"] == ["DIRECTE"]
    assert "urn:oasis:names:tc:xspa:1.0:subject:subject-id" not in attributes


def test_a_correctly_signed_but_incoherent_vihf_is_refused(pki: Pki) -> None:
    # Remove the specialty after the checks of build_vihf, then sign: the verifier still refuses.
    assertion = build_vihf(MEDECIN, issuer="CN=x", now=NOW)
    role = assertion.find(
        f"{{{SAML}}}AttributeStatement/{{{SAML}}}Attribute[@Name='urn:oasis:names:tc:xacml:2.0:subject:role']"
    )
    assert role is not None
    role.remove(role[1])
    signed = sign_vihf(
        assertion, key=pki.signature.load_key(), certificate=pki.signature.load_certificate()
    )
    with pytest.raises(VihfError) as err:
        _verify(signed, pki)
    assert "spécialité" in err.value.message


def test_not_an_assertion_is_refused(pki: Pki) -> None:
    with pytest.raises(VihfError):
        _verify(b"<root/>", pki)
    with pytest.raises(VihfError):
        _verify(b"<unclosed", pki)


def _kit_token(name: str) -> bytes:
    data = shared_path("dmp-kit", "messages", "vihf", name).read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        # The DIRECTE tokens of the kit are Latin-1 without an XML declaration.
        data = b'<?xml version="1.0" encoding="ISO-8859-1"?>' + data
    return data


@pytest.mark.parametrize(
    ("name", "mode", "subject_name"),
    [
        ("VIHF_DIRECTE_non_signe.xml", AuthenticationMode.DIRECTE, None),
        ("VIHF_DIRECTE_signe.xml", AuthenticationMode.DIRECTE, None),
        ("VIHF_INDIRECTE_signe.xml", AuthenticationMode.INDIRECTE, "MAX LIBRE"),
        ("VIHF_INDIRECTE_RENFORCEE_signe.xml", AuthenticationMode.INDIRECTE_RENFORCEE, "MAX LIBRE"),
    ],
)
def test_official_tokens_are_read(
    name: str, mode: AuthenticationMode, subject_name: str | None
) -> None:
    token = parse_vihf(_kit_token(name))
    vihf = token.vihf
    assert vihf.authentication_mode is mode
    assert vihf.subject_id == "899900063480"
    assert vihf.subject_name == subject_name
    assert vihf.activity_sector == "SA07"
    assert (vihf.role.code, vihf.role.code_system) == ("10", "1.2.250.1.71.1.2.7")
    assert vihf.specialty is not None
    assert vihf.specialty.code == "SM26"
    assert vihf.patient == PatientId("207058575627097", "1.2.250.1.213.1.4.10")
    assert vihf.access_mode is AccessMode.NORMAL
    assert vihf.resource_urn == "urn:dmp"
    assert vihf.vihf_version == "3.0"
    assert (vihf.lps_name, vihf.lps_version, vihf.lps_id) == ("LPS GIE-SV", "1", "01.01.01.01")
    assert vihf.lps_homologation_id == "NumAutorisation"
    assert token.issue_instant.year in (2019, 2020)


def test_official_tokens_in_foreign_mode() -> None:
    # The kit tokens were edited after signing (their SignatureValue is valid over SignedInfo
    # but the digest of the content no longer matches): foreign mode reports it precisely.
    for name in ("VIHF_INDIRECTE_signe.xml", "VIHF_INDIRECTE_RENFORCEE_signe.xml"):
        with pytest.raises(SignatureError) as err:
            verify_vihf(_kit_token(name), foreign_signature=True, check_times=False)
        assert "Digest mismatch" in (err.value.detail or "")
    # The DIRECTE token's CPS certificate is not valid DER (unordered SET in its subject).
    with pytest.raises(CertificateError) as cert_err:
        verify_vihf(_kit_token("VIHF_DIRECTE_signe.xml"), foreign_signature=True, check_times=False)
    assert "illisible" in cert_err.value.message
    with pytest.raises(SignatureError):
        verify_vihf(
            _kit_token("VIHF_DIRECTE_non_signe.xml"), foreign_signature=True, check_times=False
        )


def test_sha1_is_refused_outside_foreign_mode(pki: Pki) -> None:
    token = etree.tostring(_issue(pki)).replace(
        b"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        b"http://www.w3.org/2000/09/xmldsig#rsa-sha1",
    )
    with pytest.raises(SignatureError) as err:
        _verify(token, pki)
    assert "algorithme refusé" in err.value.message
