"""The Pro Santé Connect sandbox's state: its files in ``DIR/psc`` and its memory.

:meth:`PscState.prepare` loads (or makes, at first start) what must survive a restart —
the signing key (``signing-key.pem``), the clients (``clients.json``, with one for
esante), the demo professionals' e-CPS seeds (``e-cps.json``), all mode 0600 — and
opens the in-memory :class:`~esante.sandbox.psc.store.PscStore`. The professionals who
can sign in are the demo dataset's (:func:`esante.demo.demo_dataset`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from esante.demo import DemoDataset, DemoPractitioner, demo_dataset
from esante.sandbox.psc.clients import ClientRegistry, PscClient
from esante.sandbox.psc.ecps import EcpsApp
from esante.sandbox.psc.keys import SigningKey
from esante.sandbox.psc.store import Clock, Lifetimes, PscStore

KEY_FILE = "signing-key.pem"
CLIENTS_FILE = "clients.json"
ECPS_FILE = "e-cps.json"
ESANTE_CLIENT_ID = "esante"
ESANTE_CLIENT_NAME = "esante — logiciel de gestion de cabinet"
ESANTE_REDIRECT_URIS = ("http://127.0.0.1:8000/auth/psc/callback",)
"""Where esante receives the code (any port of 127.0.0.1: see :mod:`.clients`)."""
ESANTE_POST_LOGOUT_REDIRECT_URIS = ("http://127.0.0.1:8000/",)


@dataclass
class PscState:
    """Everything the realm knows; shared by its app and its admin functions."""

    directory: Path
    key: SigningKey
    clients: ClientRegistry
    ecps: EcpsApp
    store: PscStore
    dataset: DemoDataset
    clock: Clock

    @classmethod
    def prepare(
        cls,
        directory: Path,
        *,
        dataset: DemoDataset | None = None,
        clock: Clock = time.time,
        lifetimes: Lifetimes | None = None,
        esante_redirect_uris: Sequence[str] = ESANTE_REDIRECT_URIS,
        esante_post_logout_redirect_uris: Sequence[str] = ESANTE_POST_LOGOUT_REDIRECT_URIS,
    ) -> PscState:
        """Load or make the realm kept in ``directory`` (see the module docstring).

        The esante client is registered with the given URIs the first time only.
        Raises :class:`~esante.sandbox.psc.errors.PscError` on unreadable files.
        """
        data = dataset or demo_dataset()
        directory.mkdir(parents=True, exist_ok=True)
        clients = ClientRegistry(directory / CLIENTS_FILE)
        if clients.get(ESANTE_CLIENT_ID) is None:
            clients.register(
                ESANTE_CLIENT_ID,
                esante_redirect_uris,
                post_logout_redirect_uris=esante_post_logout_redirect_uris,
                name=ESANTE_CLIENT_NAME,
            )
        return cls(
            directory=directory,
            key=SigningKey.load_or_create(directory / KEY_FILE),
            clients=clients,
            ecps=EcpsApp.load_or_create(
                directory / ECPS_FILE, [p.id_nat_ps for p in data.practitioners]
            ),
            store=PscStore(clock, lifetimes),
            dataset=data,
            clock=clock,
        )

    def professional(self, id_nat_ps: str) -> DemoPractitioner | None:
        """The demo professional of national identifier ``id_nat_ps``, or None."""
        return next((p for p in self.dataset.practitioners if p.id_nat_ps == id_nat_ps), None)

    def professionals(self) -> tuple[DemoPractitioner, ...]:
        """The professionals who can sign in, in dataset order."""
        return tuple(self.dataset.practitioners)

    def esante_client(self) -> PscClient | None:
        """The client made for esante at first start."""
        return self.clients.get(ESANTE_CLIENT_ID)
