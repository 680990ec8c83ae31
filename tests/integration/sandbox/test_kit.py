"""Kit mode: the sandbox accepts every official DMP request of the DMP kit and answers it.

The official messages (``dmp-kit/messages``) are posted as they are, over mutual TLS,
to a sandbox started with ``kit_mode`` (``--accept-foreign-signatures``): their VIHF
tokens come from the ANS test PKI and were edited after signing, so kit mode reads them
without a signature check. The sandbox first gets what the messages presuppose, as the
real test platform has it: the kit patient's DMP, its professional authorized, and the
documents TD3.2 and TD3.3c/d name. Each answer must be a success of its transaction.

``WS_INS2_rechercherInsAvecTraitsIdentite`` is an INSi request, not a DMP one: it is
for the INSi sandbox, not this one.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from lxml import etree

from esante.sandbox.dmp import (
    Actor,
    AuthorInfo,
    CodedValue,
    DmpAdmin,
    DmpService,
    NewDocument,
    NewSubmission,
    PatientIns,
    session_factory,
)
from esante.sandbox.runtime import RunningSandbox
from esante.transport import client_ssl_context
from esante.trust.vocabulary import AuthenticationMode
from tests.integration.sandbox import world

KIT_PATIENT = PatientIns("207058575627097", "1.2.250.1.213.1.4.10")
KIT_PROFESSIONAL = Actor(
    id_nat_ps="899900063480",
    authentication_mode=AuthenticationMode.DIRECTE,
    structure_id="499900063480001",
    profession="10",
    specialty="SM26",
    family_name="LIBRE",
    given_name="MAX",
)
TD32_DOCUMENT = "1.2.250.1.999.1.1.7898.1.995657292"
TD33_ENTRY = "urn:uuid:fe5287a2-ae6a-11eb-8f5d-0050569e422e"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
HL7 = "urn:hl7-org:v3"
SUCCESS = "urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"

# (official request, service, what a success looks like), in an order where each
# request finds what it needs (TD3.3d archives what TD3.3c deletes, TD1.4 closes).
REQUESTS = [
    ("TD0.2_Test_dexistence_requete.xml", "patients", "hl7"),
    ("TD0.3_Mise_a_jour_de_lautorisation_requete.xml", "habilitations", "status"),
    ("TD1.6_Liste_des_PS_autorises_ou_bloques_requete.xml", "habilitations", "status"),
    ("TD0.4_Liste_des_DMP_autorises_requete.xml", "patients", "status"),
    # The rights matrix opens TD0.5 to the centre 15 mode only; the kit's token is in
    # normal mode: the answer is the matrix's refusal, in HL7 v3 form.
    ("TD0.5_Recherche_dun_patient_sans_INS_requete.xml", "patients", "hl7:DMPAccessNotAllowed"),
    ("TD1.3a_Consultation_requete.xml", "patients", "hl7"),
    ("TD1.3b_Modification_requete.xml", "patients", "hl7"),
    ("TD1.5a_Creation_du_compte_internet_patient_requete.xml", "patients", "status"),
    ("TD1.5b_Ajout_dun_canal_OTP_requete.xml", "patients", "status"),
    ("TD1.5d_Maj_des_information_du_compte_internet_requete.xml", "patients", "status"),
    ("TD2.1_Alimentation_requete.xml", "repository", "xds"),
    ("TD3.1_Recherche_de_document_requete.xml", "registry", "xds"),
    ("TD3.2_Consultation_dun_document_requete.xml", "repository", "xds"),
    ("TD3.3d_Archiver_un_document_requete.xml", "registry", "xds"),
    ("TD3.3c_Supprimer_un_document_requete.xml", "registry", "xds"),
    ("TD1.4_Fermer_requete.xml", "patients", "hl7"),
]
NOT_DMP = {"WS_INS2_rechercherInsAvecTraitsIdentite_requete.xml"}


def _prepare(sandbox: RunningSandbox) -> None:
    with session_factory(sandbox.engine)() as session:
        admin = DmpAdmin(session)
        admin.create_dmp(KIT_PATIENT, family_name="PATB-QUATRE", given_name="LAURENCE")
        admin.set_authorization(KIT_PATIENT, KIT_PROFESSIONAL.id_nat_ps)
        documents = []
        for entry_uuid, unique_id in ((None, TD32_DOCUMENT), (TD33_ENTRY, "1.2.250.1.999.9.2")):
            content = f"<ClinicalDocument xmlns='urn:hl7-org:v3'><id root='{unique_id}'/>"
            content += "</ClinicalDocument>"
            data = content.encode()
            documents.append(
                NewDocument(
                    entry_uuid=entry_uuid or f"Document{len(documents)}",
                    unique_id=unique_id,
                    content=data,
                    mime_type="text/xml",
                    class_code=CodedValue("10", "1.2.250.1.213.1.1.4.1", "Compte rendu"),
                    type_code=CodedValue("11488-4", "2.16.840.1.113883.6.1", "CR"),
                    format_code=CodedValue(
                        "urn:ihe:iti:xds-sd:text:2008", "1.3.6.1.4.1.19376.1.2.3"
                    ),
                    creation_time=datetime(2021, 6, 1, tzinfo=UTC),
                    title="Document du kit",
                    authors=(
                        AuthorInfo(
                            id_nat_ps=KIT_PROFESSIONAL.id_nat_ps,
                            structure_id=KIT_PROFESSIONAL.structure_id,
                        ),
                    ),
                    hash=hashlib.sha1(data, usedforsecurity=False).hexdigest(),
                    size=len(data),
                )
            )
        DmpService(session).submit(
            KIT_PROFESSIONAL,
            NewSubmission(
                patient=KIT_PATIENT,
                entry_uuid="SubmissionSet01",
                unique_id="1.2.250.1.999.9.1",
                source_id="1.2.250.1.999.1.1.7898",
                documents=tuple(documents),
            ),
        )


@pytest.fixture(scope="module")
def kit_http(kit_sandbox: RunningSandbox) -> Iterator[httpx.Client]:
    _prepare(kit_sandbox)
    context = client_ssl_context(world.tls_config(kit_sandbox.manifest))
    with httpx.Client(verify=context, timeout=30) as http:
        yield http


def _content_type(name: str, body: bytes) -> str:
    if not body.lstrip().startswith(b"--"):
        return "application/soap+xml; charset=UTF-8"
    boundary = body.lstrip().split(b"\n", 1)[0].strip()[2:].decode()
    start = re.search(rb"Content-ID:\s*(<[^>]+>)", body)
    assert start is not None, name
    return (
        f'multipart/related; type="application/xop+xml"; start="{start.group(1).decode()}"; '
        f'start-info="application/soap+xml"; boundary="{boundary}"'
    )


def _succeeded(kind: str, payload: etree._Element) -> bool:
    if kind == "xds":
        status = payload.get("status") or payload.findtext(".//{*}RegistryResponse") or ""
        inner = payload.find("{*}RegistryResponse")
        if inner is not None:
            status = inner.get("status", "")
        return status == SUCCESS
    if kind == "status":
        return (payload.findtext("{*}output/{*}status") or "").strip() == "DMPOk"
    ack = payload.find(f".//{{{HL7}}}acknowledgement")
    assert ack is not None
    code = ack.get("typeCode") or ack.find(f"{{{HL7}}}typeCode").get("code")  # type: ignore[union-attr]
    if ":" in kind:  # an expected refusal: AE with this DMP code
        detail = ack.find(f"{{{HL7}}}acknowledgementDetail/{{{HL7}}}code")
        return code == "AE" and detail is not None and detail.get("code") == kind.split(":")[1]
    return code == "AA"


def test_every_official_request_is_listed() -> None:
    kit = {p.name for p in world.kit_messages().glob("*_requete.xml")}
    assert kit == {name for name, _, _ in REQUESTS} | NOT_DMP


def test_every_official_request_is_accepted_and_answered(
    kit_sandbox: RunningSandbox, kit_http: httpx.Client
) -> None:
    base = kit_sandbox.manifest.dmp.base_url
    for name, service, kind in REQUESTS:
        body = (world.kit_messages() / name).read_bytes()
        response = kit_http.post(
            f"{base}/{service}", content=body, headers={"Content-Type": _content_type(name, body)}
        )
        assert response.status_code == 200, (name, response.text[:500])
        envelope = etree.fromstring(_soap_part(response))
        payload = next(iter(envelope.find(f"{{{SOAP12}}}Body")))  # type: ignore[arg-type]
        detail = payload.findtext(".//{*}acknowledgementDetail/{*}text")
        assert _succeeded(kind, payload), (name, detail)
    closed = DmpAdmin(session_factory(kit_sandbox.engine)()).get_patient(KIT_PATIENT)
    assert not closed.open  # TD1.4 closed it
    assert not closed.opposed_to_bris_de_glace  # TD1.3b recorded the oppositions


def _soap_part(response: httpx.Response) -> bytes:
    content_type = response.headers["content-type"]
    if not content_type.startswith("multipart/related"):
        return response.content
    start = response.content.index(b"<soap:Envelope")
    end = response.content.index(b"</soap:Envelope>") + len(b"</soap:Envelope>")
    return response.content[start:end]
