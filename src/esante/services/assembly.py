"""Building the clients and the outbox worker from a :class:`ServiceProfile`.

The one place where the DMP, INSi and MSSanté clients and the send-order worker are
assembled: the CLI (``esante worker``, ``esante dmp``), the REST service and embedders
call these, whatever the preset (sandbox, test platforms, production).

The worker's credential keys say which orders a certificate may carry: ``structure:*``
(the structure's certificate: indirect authentication, the default) or
``cps:<idNat_PS>`` (a professional's card, when the worker runs on the desk where that
card is inserted).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from esante.audit.anchor import anchor_engine
from esante.outbox import (
    DEFAULT_CREDENTIALS,
    ClaimedOrder,
    OutboxError,
    Outcome,
    RetryPolicy,
    Worker,
)
from esante.services.profile import ServiceProfile
from esante.store import make_engine, session_factory
from esante.xds import Code
from esante.xds.activity import content_type_for_episode

if TYPE_CHECKING:
    from esante.dmp import DmpClient
    from esante.insi import InsiClient, Professional
    from esante.mss import MssClient
    from esante.transport import HttpsTransport


class WorkerSetupError(OutboxError):
    """The worker cannot be configured (bad credential key, no DMP connection)."""


@dataclass
class WorkerSetup:
    """A ready worker and what must be closed with it."""

    worker: Worker
    engine: Engine
    closers: list[object] = field(default_factory=list)

    def close(self) -> None:
        for item in self.closers:
            close = getattr(item, "close", None)
            if close is not None:
                close()
        self.engine.dispose()


def check_credential(key: str) -> str:
    """A credential key as the worker claims with it (``structure:…``, ``cps:…``, ``*``)."""
    key = key.strip()
    kind, _, value = key.partition(":")
    if kind not in ("structure", "cps") or not value:
        raise WorkerSetupError(
            f"Identifiant de carte ou de certificat invalide : « {key} ».",
            detail="expected structure:<idNat_Struct>, structure:*, cps:<idNat_PS> or cps:*",
            field="--credential",
        )
    return key


def transport_for(profile: ServiceProfile) -> HttpsTransport:
    """Mutual TLS with the structure's authentication certificate."""
    from esante.transport import HttpsTransport, TlsConfig

    credential = profile.authentication
    return HttpsTransport(
        TlsConfig(
            ca_bundle=profile.ca_bundle,
            certificate=credential.certificate_file,
            key=credential.key_file,
            key_password=credential.key_password,
        )
    )


def default_content_type() -> Code:
    """The submission set's default contentTypeCode (an ambulatory consultation)."""
    return content_type_for_episode(None)


def dmp_client_on(profile: ServiceProfile, transport: object) -> DmpClient:
    """The DMP client over ``transport`` (signatures with the structure's certificate)."""
    from esante.dmp import DmpClient, DmpEndpoints, LpsInfo, ProcessingCode, Signer
    from esante.transport import SoapTransport

    assert isinstance(transport, SoapTransport)
    lps = profile.lps
    return DmpClient.with_signer(
        transport,
        DmpEndpoints.from_base_url(
            profile.url("dmp"), processing_code=ProcessingCode(profile.processing_code)
        ),
        signer=Signer(profile.signature.key, profile.signature.certificate),
        lps=LpsInfo(
            name=lps.name,
            version=lps.version,
            homologation_id=lps.homologation,
            oid=lps.oid,
            lps_id=lps.lps_id,
        ),
        content_type_code=default_content_type(),
    )


def build_dmp_client(profile: ServiceProfile) -> tuple[DmpClient, HttpsTransport]:
    """The DMP client of ``profile`` and its transport, which the caller closes."""
    transport = transport_for(profile)
    return dmp_client_on(profile, transport), transport


def build_insi_client(
    profile: ServiceProfile, professional: Professional
) -> tuple[InsiClient, HttpsTransport]:
    """The INSi client of ``profile`` acting for ``professional``, and its transport.

    ``professional`` carries the source of its SAML assertion:
    :func:`esante.services.insi_professional` signs it with ``profile.signature``, as the
    teleservice (and the strict sandbox) requires; any other callable is sent as is.
    """
    from esante.insi import InsiClient, LpsIdentity

    lps = profile.lps
    transport = transport_for(profile)
    client = InsiClient(
        transport,
        profile.url("insi"),
        lps=LpsIdentity(lps.homologation, lps.version, lps.name, profile.structure_id),
        professional=professional,
    )
    return client, transport


def sandbox_mailboxes(directory: Path) -> Callable[[str], MssClient | None]:
    """Sender mailboxes of the sandbox: each one's client, authenticated by its client
    certificate (organisational mailboxes) or its access token (personal ones)."""
    from esante.mss import MssClient, MssError, from_sandbox_manifest

    clients: dict[str, MssClient | None] = {}

    def client_for(address: str) -> MssClient | None:
        key = address.strip().lower()
        if key not in clients:
            try:
                endpoints, credentials = from_sandbox_manifest(directory, key)
            except MssError:
                clients[key] = None
            else:
                clients[key] = MssClient(endpoints, credentials)
        return clients[key]

    return client_for


def build_worker(
    profile: ServiceProfile,
    database_url: str,
    *,
    credentials: Sequence[str] = DEFAULT_CREDENTIALS,
    policy: RetryPolicy | None = None,
    worker_id: str | None = None,
    idle_sleep_s: float = 0.5,
    after_handle: Callable[[ClaimedOrder, Outcome], None] | None = None,
    product_reference: str = "ESANTE-BAC-A-SABLE",
    mailboxes: Callable[[str], MssClient | None] | None = None,
    batch: int = 8,
    block_patient_reply: bool = False,
    home: Path | None = None,
) -> WorkerSetup:
    """A worker on ``database_url`` carrying DMP orders with the profile's structure
    certificate and MSSanté orders through ``mailboxes`` (the sandbox's by default when
    the profile is the sandbox's; none otherwise: the operator's mailboxes are the
    embedder's to give). The practice's handlers are registered
    (:func:`esante.practice.send_handlers.send_handlers`). ``block_patient_reply``: the
    practice's default for messages to a patient's mailbox (``X-MSS-MES: FIN``,
    ``ESANTE_MSS_NO_PATIENT_REPLY``); an order's own parameter wins. ``home``: the data
    directory whose checkpoint journal seals the trace the worker appends (its DMP and
    MSSanté calls; :func:`esante.audit.anchor.anchor_engine`), as the service's does."""
    from esante.practice.dmp_sender import CredentialRing, DmpCredential
    from esante.practice.mss_sender import MssSettings
    from esante.practice.send_handlers import send_handlers

    keys = [check_credential(c) for c in credentials]
    client, transport = build_dmp_client(profile)
    credential = DmpCredential(client, profile.structure_id, profile.structure_name)
    ring = CredentialRing(dict.fromkeys(keys, credential))
    if mailboxes is None and profile.sandbox_directory is not None:
        from esante.sandbox.runtime import read_manifest

        if read_manifest(profile.sandbox_directory).mss is not None:
            mailboxes = sandbox_mailboxes(profile.sandbox_directory)
    handlers = send_handlers(
        ring,
        mailboxes=mailboxes,
        mss_settings=MssSettings(
            product_reference,
            profile.lps.oid,
            default_content_type(),
            block_patient_reply=block_patient_reply,
        ),
    )
    engine = make_engine(database_url)
    if home is not None:
        anchor_engine(engine, home)
    worker = Worker(
        session_factory(engine),
        handlers,
        credentials=ring.keys,
        policy=policy,
        worker_id=worker_id,
        idle_sleep_s=idle_sleep_s,
        after_handle=after_handle,
        batch=batch,
    )
    return WorkerSetup(worker, engine, [transport, profile])
