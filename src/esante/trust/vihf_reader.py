"""Reading a VIHF assertion into typed values (:class:`~esante.trust.vihf_model.VihfAssertion`).

Reading is tolerant where the official tokens differ from each other: attribute names
are matched without regard to case (``Authentification_mode`` / ``Authentification_Mode``),
``AttributeValue`` may be prefixed or not, ``Secteur_Activite`` may carry its code system
(``SA07^1.2.250.1.71.4.2.4``), and the VIHF 1.0 ``Mode_Acces`` attribute is read when
``purposeofuse`` is absent. Unknown attributes are kept in ``other_attributes``. Values
that cannot be read (dates, CX identifiers, unknown modes) raise :class:`VihfError`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from lxml import etree

from esante.safexml import XmlError, parse_xml
from esante.trust.certificates import certificate_from_base64
from esante.trust.errors import TrustError, VihfError
from esante.trust.vihf_model import Code, PatientId, Vihf, VihfAssertion
from esante.trust.vocabulary import (
    DS_NS,
    LEGACY_ACCESS_MODE,
    SAML_NS,
    AccessMode,
    Attr,
    AuthenticationMode,
)

MAX_VIHF_BYTES = 256 * 1024
_S = f"{{{SAML_NS}}}"


def assertion_root(data: bytes | etree._Element) -> etree._Element:
    """Parse (with safexml) and check that ``data`` is a ``saml2:Assertion``."""
    if isinstance(data, bytes | bytearray):
        try:
            root = parse_xml(bytes(data), what="jeton VIHF", max_bytes=MAX_VIHF_BYTES)
        except XmlError as exc:
            raise VihfError(exc.message, detail=exc.detail) from exc
    else:
        root = data
    if root.tag != f"{_S}Assertion":
        raise VihfError(
            "Ce n'est pas un jeton VIHF (assertion SAML 2.0 attendue).",
            detail=f"root element is {root.tag!r}",
        )
    return root


def read_assertion(
    root: etree._Element, *, certificate: x509.Certificate | None = None
) -> VihfAssertion:
    values: dict[str, list[str]] = {}
    coded: dict[str, list[Code]] = {}
    names: dict[str, str] = {}
    for attribute in root.iterfind(f"{_S}AttributeStatement/{_S}Attribute"):
        name = attribute.get("Name", "")
        key = name.lower()
        names[key] = name
        for value in attribute.iterfind(f"{_S}AttributeValue"):
            child = next((c for c in value if isinstance(c.tag, str)), None)
            if child is not None and child.get("code") is not None:
                code = Code(
                    child.get("code", ""),
                    child.get("codeSystem", ""),
                    child.get("displayName"),
                    child.get("codeSystemName"),
                )
                coded.setdefault(key, []).append(code)
                values.setdefault(key, []).append(f"{code.code}^{code.code_system}")
            else:
                values.setdefault(key, []).append((value.text or "").strip())

    def first(attr: str) -> str | None:
        found = values.get(attr.lower())
        return found[0] if found else None

    roles = coded.get(Attr.ROLE.lower(), [])
    purpose = coded.get(Attr.PURPOSE_OF_USE.lower(), [])
    access_text = purpose[0].code if purpose else first(LEGACY_ACCESS_MODE) or AccessMode.NORMAL
    sector = (first(Attr.ACTIVITY_SECTOR) or "").split("^", 1)[0]
    resource = first(Attr.RESOURCE_ID)
    confidentiality = coded.get(Attr.CONFIDENTIALITY_CODE.lower(), [])
    authn = root.find(f"{_S}AuthnStatement")
    conditions = root.find(f"{_S}Conditions")
    vihf = Vihf(
        subject_id=(root.findtext(f"{_S}Subject/{_S}NameID") or "").strip(),
        structure_id=first(Attr.STRUCTURE_ID) or "",
        activity_sector=sector,
        role=roles[0] if roles else Code("", ""),
        specialty=roles[1] if len(roles) > 1 else None,
        subject_name=first(Attr.SUBJECT_ID),
        patient=PatientId.from_cx(resource) if resource else None,
        access_mode=_enum(AccessMode, access_text, Attr.PURPOSE_OF_USE),
        authentication_mode=_enum(
            AuthenticationMode,
            first(Attr.AUTHENTICATION_MODE) or AuthenticationMode.INDIRECTE,
            Attr.AUTHENTICATION_MODE,
        ),
        confidentiality_code=confidentiality[0] if confidentiality else None,
        lps_id=first(Attr.LPS_ID),
        lps_name=first(Attr.LPS_NAME) or "",
        lps_version=first(Attr.LPS_VERSION) or "",
        lps_homologation_id=first(Attr.LPS_HOMOLOGATION_ID) or "",
        resource_urn=first(Attr.RESOURCE_URN) or "",
        vihf_version=first(Attr.VIHF_VERSION) or "",
        authn_context=(
            authn.findtext(f"{_S}AuthnContext/{_S}AuthnContextClassRef") or ""
            if authn is not None
            else ""
        ).strip(),
        authn_context_decl=authn.findtext(f"{_S}AuthnContext/{_S}AuthnContextDecl")
        if authn is not None
        else None,
        authn_instant=parse_time(authn.get("AuthnInstant"), "AuthnInstant")
        if authn is not None
        else None,
    )
    modelled = {a.lower() for a in Attr} | {LEGACY_ACCESS_MODE.lower()}
    other = {names[k]: tuple(v) for k, v in values.items() if k not in modelled}
    if certificate is None:
        certificate = _embedded_certificate(root)
    instant = issue_instant(root)
    return VihfAssertion(
        vihf=vihf,
        assertion_id=root.get("ID", ""),
        issuer=(root.findtext(f"{_S}Issuer") or "").strip(),
        issue_instant=instant,
        not_before=parse_time(conditions.get("NotBefore"), "NotBefore")
        if conditions is not None
        else None,
        not_on_or_after=parse_time(conditions.get("NotOnOrAfter"), "NotOnOrAfter")
        if conditions is not None
        else None,
        certificate=certificate,
        other_attributes=other,
    )


def _embedded_certificate(root: etree._Element) -> x509.Certificate | None:
    text = root.findtext(
        f"{{{DS_NS}}}Signature/{{{DS_NS}}}KeyInfo/{{{DS_NS}}}X509Data/{{{DS_NS}}}X509Certificate"
    )
    if not text:
        return None
    try:
        return certificate_from_base64(text)
    except TrustError:
        return None


def issue_instant(root: etree._Element) -> datetime:
    parsed = parse_time(root.get("IssueInstant"), "IssueInstant")
    if parsed is None:
        raise VihfError(
            "Date d'émission (IssueInstant) absente du jeton VIHF.",
            detail="saml2:Assertion/@IssueInstant missing",
            field="IssueInstant",
        )
    return parsed


def _enum(kind: Any, value: str, attribute: str) -> Any:
    try:
        return kind(value.strip())
    except ValueError as exc:
        raise VihfError(
            f"Valeur inconnue pour l'attribut VIHF {attribute} : {value!r}.",
            detail=f"allowed: {[m.value for m in kind]}",
            field=attribute,
        ) from exc


def parse_time(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise VihfError(
            f"Date invalide dans le jeton VIHF ({name}).", detail=repr(value), field=name
        ) from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
