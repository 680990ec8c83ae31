"""Who and what the end-to-end tests use: software, professionals, patients, clients.

Professionals are demo practitioners speaking through the sandbox's client PKI (the
structure of its certificates), authenticated ``DIRECTE`` (card) unless a test says
otherwise. Each test opens the DMPs it needs for fresh INS (:func:`new_patient`), so
tests sharing one running sandbox never see each other's documents.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from lxml import etree

from esante.demo import demo_dataset
from esante.dmp import Actor, DmpClient, DmpEndpoints, LpsInfo, Signer
from esante.identity import Ins, check_ins, nir_key
from esante.sandbox.dmp import DmpAdmin, PatientIns, session_factory
from esante.sandbox.runtime import RunningSandbox, SandboxManifest
from esante.transport import HttpsTransport, TlsConfig
from esante.trust import AuthenticationMode, Vihf, build_vihf, sign_vihf
from esante.trust import Code as RoleCode
from esante.xds import Code

NIR_TEST_OID = "1.2.250.1.213.1.4.10"
LPS = LpsInfo(
    name="esante-tests", version="1.0", homologation_id="HOMOLOGATION-TEST", oid="1.2.250.1.999.42"
)
ACTIVITY = Code("04", "1.2.250.1.213.2.2", "Hospitalisation de jour")
PROFESSION = "1.2.250.1.71.1.2.7"
SPECIALTY = "1.2.250.1.71.4.2.5"
_counter = itertools.count(random.randrange(1, 900))


def professional(
    manifest: SandboxManifest,
    key: str = "generaliste",
    *,
    mode: AuthenticationMode = AuthenticationMode.DIRECTE,
) -> Actor:
    """A demo practitioner acting through the sandbox's client PKI."""
    practitioner = demo_dataset().practitioner(key)
    return Actor(
        id=practitioner.id_nat_ps,
        family_name=practitioner.family_name.upper(),
        given_name=practitioner.given_name,
        role=RoleCode(practitioner.profession_code, PROFESSION, practitioner.label),
        specialty=RoleCode(practitioner.specialty_code, SPECIALTY)
        if practitioner.specialty_code
        else None,
        structure_id=manifest.pki.structure_id,
        structure_name=manifest.pki.structure_name,
        activity_sector="SA07",
        authentication_mode=mode,
    )


def tls_config(manifest: SandboxManifest) -> TlsConfig:
    return TlsConfig(
        ca_bundle=manifest.pki.ca,
        certificate=manifest.pki.authentication_certificate,
        key=manifest.pki.authentication_key,
    )


def signer(manifest: SandboxManifest) -> Signer:
    return Signer.from_files(manifest.pki.signature_certificate, manifest.pki.signature_key)


def dmp_client(
    manifest: SandboxManifest,
    transport: HttpsTransport,
    *,
    clock: Callable[[], datetime] | None = None,
) -> DmpClient:
    """The real DMP client over ``transport`` (mutual TLS) to the sandbox."""
    extra = {"clock": clock} if clock is not None else {}
    return DmpClient.with_signer(
        transport,
        DmpEndpoints.from_base_url(manifest.dmp.base_url),
        signer=signer(manifest),
        lps=LPS,
        content_type_code=ACTIVITY,
        **extra,  # type: ignore[arg-type]
    )


def fresh_ins() -> Ins:
    """A valid test INS no other test uses."""
    number = next(_counter)
    body = f"2{number % 90 + 10:02d}{number % 12 + 1:02d}75{number % 1000:03d}{number // 1000:03d}"
    return check_ins(f"{body}{nir_key(body):02d}", NIR_TEST_OID)


def new_patient(sandbox: RunningSandbox, *authorized: Actor, treating: Actor | None = None) -> Ins:
    """Open the DMP of a fresh INS and authorize ``authorized`` (as the patient would)."""
    ins = fresh_ins()
    patient = PatientIns(ins.matricule, NIR_TEST_OID)
    with session_factory(sandbox.engine)() as session:
        admin = DmpAdmin(session)
        admin.create_dmp(patient, family_name="TEST", given_name="Patient")
        for actor in authorized:
            admin.set_authorization(patient, actor.id)
        if treating is not None:
            admin.declare_treating_physician(patient, treating.id)
    return ins


def admin(sandbox: RunningSandbox) -> DmpAdmin:
    """A patient/operator handle on the running sandbox's database (caller closes nothing:
    the session lives as long as the test)."""
    return DmpAdmin(session_factory(sandbox.engine)())


def patient_ins(ins: Ins) -> PatientIns:
    return PatientIns(ins.matricule, ins.oid or NIR_TEST_OID)


class EditingIssuer:
    """A VIHF issuer that lets a test edit the assertion before (or after) signing."""

    def __init__(
        self,
        signer: Signer,
        *,
        before: Callable[[etree._Element], None] | None = None,
        after: Callable[[etree._Element], None] | None = None,
        sign: bool = True,
        now: datetime | None = None,
    ):
        self.signer = signer
        self.before = before
        self.after = after
        self.sign = sign
        self.now = now

    def issue(self, vihf: Vihf, *, access_reason: str | None = None) -> etree._Element:
        assertion = build_vihf(
            vihf,
            issuer=self.signer.certificate.subject.rfc4514_string(),
            now=self.now or datetime.now(UTC),
        )
        if self.before is not None:
            self.before(assertion)
        if not self.sign:
            return assertion
        signed = sign_vihf(assertion, key=self.signer.key, certificate=self.signer.certificate)
        if self.after is not None:
            self.after(signed)
        return signed


def client_with_issuer(
    manifest: SandboxManifest, transport: HttpsTransport, issuer: EditingIssuer
) -> DmpClient:
    return DmpClient(
        transport,
        DmpEndpoints.from_base_url(manifest.dmp.base_url),
        vihf_issuer=issuer,
        lps=LPS,
        document_signer=signer(manifest),
        content_type_code=ACTIVITY,
    )


def kit_messages() -> Path:
    from tests.conftest import shared_path

    return shared_path("dmp-kit", "messages")
