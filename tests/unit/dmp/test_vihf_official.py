"""The VIHF esante writes has the attributes of the DMP kit's token for each mode.

For each official token (``dmp-kit/messages/vihf``) the acting user, structure and
patient are read from the token, the DMP client builds its own VIHF for them in the same
authentication mode, and the two are compared attribute by attribute: names in order,
and for each value its shape (``xs:string`` text, or the HL7 element and its attributes).
"""

from __future__ import annotations

import pytest
from lxml import etree

from esante.dmp import Actor, vihf_for
from esante.dmp.context import NORMAL_ACCESS
from esante.identity import check_ins
from esante.trust import AuthenticationMode, build_vihf, parse_vihf
from esante.trust.vocabulary import SAML_NS, XSI_NS, Attr
from tests.conftest import shared_path
from tests.unit.dmp.samples import LPS

_S = f"{{{SAML_NS}}}"
Shape = tuple[str, tuple[tuple[str, ...], ...]]

TOKENS = {
    "VIHF_DIRECTE_signe.xml": AuthenticationMode.DIRECTE,
    "VIHF_DIRECTE_non_signe.xml": AuthenticationMode.DIRECTE,
    "VIHF_INDIRECTE_signe.xml": AuthenticationMode.INDIRECTE,
    "VIHF_INDIRECTE_RENFORCEE_signe.xml": AuthenticationMode.INDIRECTE_RENFORCEE,
}


def _token(name: str) -> etree._Element:
    data = shared_path("dmp-kit", "messages", "vihf", name).read_bytes()
    # the kit saved some tokens in a legacy encoding without declaring it
    text = data.decode("utf-8", errors="replace").encode("utf-8")
    return etree.fromstring(text, etree.XMLParser(resolve_entities=False, no_network=True))


def _shape(assertion: etree._Element) -> list[Shape]:
    shapes: list[Shape] = []
    for attribute in assertion.iter(f"{_S}Attribute"):
        values: list[tuple[str, ...]] = []
        for value in attribute.iter(f"{_S}AttributeValue"):
            children = [c for c in value if isinstance(c.tag, str)]
            if children:
                child = children[0]
                attrs = sorted(etree.QName(a).localname for a in child.attrib)
                values.append((etree.QName(child).localname, *attrs))
            else:
                values.append((value.get(f"{{{XSI_NS}}}type") or "", "text"))
        shapes.append((attribute.get("Name") or "", tuple(values)))
    return shapes


def _authn(assertion: etree._Element) -> list[str]:
    context = assertion.find(f"{_S}AuthnStatement/{_S}AuthnContext")
    assert context is not None
    return [etree.QName(c).localname for c in context]


@pytest.mark.parametrize(("name", "mode"), sorted(TOKENS.items()))
def test_esante_vihf_has_the_official_attributes(name: str, mode: AuthenticationMode) -> None:
    official = _token(name)
    read = parse_vihf(official, check=False).vihf
    assert read.authentication_mode is mode
    assert read.patient is not None
    actor = Actor(
        id=read.subject_id,
        family_name="LIBRE",
        given_name="MAX",
        role=read.role,
        specialty=read.specialty,
        structure_id=read.structure_id,
        structure_name="STRUCTURE",
        activity_sector=read.activity_sector.split("^")[0],
        authentication_mode=mode,
    )
    ins = check_ins(read.patient.identifier, read.patient.oid)
    ours = build_vihf(vihf_for(actor, NORMAL_ACCESS, LPS, ins), issuer="CN=test", lifetime=None)

    expected, got = _shape(official), _shape(ours)
    report = "\n".join(f"{e!s:90} | {g!s}" for e, g in zip(expected, got, strict=False))
    assert [n for n, _ in got] == [n for n, _ in expected], report
    assert got == expected, report
    assert _authn(ours) == _authn(official)


def test_lps_id_is_always_written() -> None:
    """Every official token carries LPS_ID; without a configured one, the installation OID."""
    official = parse_vihf(_token("VIHF_INDIRECTE_signe.xml"), check=False)
    assert official.vihf.lps_id
    actor = Actor(
        id="899700000001",
        family_name="DUPONT",
        given_name="Jeanne",
        role=official.vihf.role,
        specialty=official.vihf.specialty,
        structure_id="499900000000001",
        structure_name="CABINET",
        activity_sector="SA07",
    )
    vihf = vihf_for(actor, NORMAL_ACCESS, LPS, None)
    assert vihf.lps_id == LPS.oid
    written = build_vihf(vihf, issuer="CN=test", lifetime=None)
    assert [a.get("Name") for a in written.iter(f"{_S}Attribute")].count(Attr.LPS_ID) == 1
