"""Every TD sends a SOAP 1.2 message laid out like the official DMP requests.

Header: wsa:MessageID, wsa:To, wsa:ReplyTo (anonymous), wsa:Action (mustUnderstand),
wsse:Security holding a signed VIHF for the patient; Body: the TD's body, in the
namespace of the official example; sent to the service URL of the TD.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from lxml import etree

from esante.dmp import DmpClient
from esante.transport import SOAP12_NS, WSA_NS, WSSE_NS, security_tokens
from esante.trust import Pki, verify_vihf
from esante.xds import DocumentEntry
from tests.unit.dmp import kit, official
from tests.unit.dmp.conftest import BASE_URL, ScriptedDmp
from tests.unit.dmp.samples import DOCTOR, KIT_PATIENT, PATIENT, cda

Call = Callable[[DmpClient, ScriptedDmp], object]


def _entry() -> DocumentEntry:
    return official.td31_entries()[9]  # 11488-4, Approved, version 1


def _td32(client: DmpClient, dmp: ScriptedDmp) -> object:
    official.reply_retrieve(dmp)
    return client.retrieve(
        KIT_PATIENT, "1.2.250.1.999.1.1.7898.1.995657292", "1.2.250.1.213.4.1.1.1.2", actor=DOCTOR
    )


CALLS: list[tuple[str, str, str, str | None, Call]] = [
    (
        "TD0.2",
        "TD0.2_Test_dexistence_requete.xml",
        "patients",
        official.TD02,
        lambda c, d: c.test_existence(KIT_PATIENT, actor=DOCTOR),
    ),
    (
        "TD0.3",
        "TD0.3_Mise_a_jour_de_lautorisation_requete.xml",
        "habilitations",
        official.TD03,
        lambda c, d: c.set_authorization(KIT_PATIENT, actor=DOCTOR),
    ),
    (
        "TD2.1",
        "TD2.1_Alimentation_requete.xml",
        "repository",
        official.TD21,
        lambda c, d: c.submit(PATIENT, cda(), actor=DOCTOR),
    ),
    (
        "TD3.1",
        "TD3.1_Recherche_de_document_requete.xml",
        "registry",
        official.TD31,
        lambda c, d: c.find_documents(KIT_PATIENT, actor=DOCTOR),
    ),
    ("TD3.2", "TD3.2_Consultation_dun_document_requete.xml", "repository", None, _td32),
    (
        "TD3.3c",
        "TD3.3c_Supprimer_un_document_requete.xml",
        "registry",
        official.TD33C,
        lambda c, d: c.delete(KIT_PATIENT, _entry(), actor=DOCTOR),
    ),
    (
        "TD3.3d",
        "TD3.3d_Archiver_un_document_requete.xml",
        "registry",
        official.TD33D,
        lambda c, d: c.archive(KIT_PATIENT, _entry(), actor=DOCTOR),
    ),
]


def _header_tags(header: etree._Element) -> set[str]:
    return {str(child.tag) for child in header if isinstance(child.tag, str)}


@pytest.mark.parametrize(
    ("td", "official_request", "service", "answer", "call"), CALLS, ids=[c[0] for c in CALLS]
)
def test_request_layout_matches_the_official_request(
    client: DmpClient,
    dmp: ScriptedDmp,
    pki: Pki,
    td: str,
    official_request: str,
    service: str,
    answer: str | None,
    call: Call,
) -> None:
    if answer is not None:
        dmp.reply_official(answer)
    call(client, dmp)
    request = dmp.last
    wire = dmp.wires[-1]
    ours = request.envelope
    theirs = kit.envelope(official_request)
    soap = f"{{{SOAP12_NS}}}"

    # Envelope and header blocks: SOAP 1.2, the same WS-Addressing and WS-Security blocks.
    assert ours.version == "1.2"
    assert ours.header is not None
    their_header = theirs.find(f"{{{etree.QName(theirs).namespace}}}Header")
    assert their_header is not None
    assert _header_tags(ours.header) == _header_tags(their_header)
    action = ours.header.find(f"{{{WSA_NS}}}Action")
    assert action is not None
    assert action.text == kit.action(official_request)
    assert action.get(f"{soap}mustUnderstand") == "true"
    assert ours.header.findtext(f"{{{WSA_NS}}}ReplyTo/{{{WSA_NS}}}Address") == (
        "http://www.w3.org/2005/08/addressing/anonymous"
    )
    message_id = ours.header.findtext(f"{{{WSA_NS}}}MessageID") or ""
    assert message_id.startswith("urn:uuid:")
    assert ours.header.find(f"{{{WSSE_NS}}}Security") is not None

    # Body: the official body element, in its namespace, at the TD's service URL.
    assert ours.payload is not None
    assert ours.payload.tag == kit.body(official_request).tag
    assert wire.url == f"{BASE_URL}/{service}"
    assert f'action="{action.text}"' in wire.content_type

    # The VIHF is signed by the structure and names the patient.
    (token,) = security_tokens(ours)
    assertion = verify_vihf(token, trusted_cas=[pki.ca.load_certificate()])
    assert assertion.vihf.subject_id == DOCTOR.id
    assert assertion.vihf.patient is not None
    expected = PATIENT if td == "TD2.1" else KIT_PATIENT
    assert assertion.vihf.patient.identifier == expected.matricule


def test_every_request_has_a_fresh_message_id(client: DmpClient, dmp: ScriptedDmp) -> None:
    dmp.reply_official(official.TD02)
    dmp.reply_official(official.TD02)
    client.test_existence(KIT_PATIENT, actor=DOCTOR)
    client.test_existence(KIT_PATIENT, actor=DOCTOR)
    ids = {r.envelope.addressing.message_id for r in dmp.requests}
    assert len(ids) == 2
