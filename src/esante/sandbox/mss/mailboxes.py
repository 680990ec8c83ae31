"""The sandbox operator's mailboxes: who they belong to, how one logs in, the demo set.

Four kinds of MSSanté mailbox (BAL) exist, each reached its own way:

=================  =======================================  ===============================
kind               whose                                    SMTP / IMAP authentication
=================  =======================================  ===============================
``personal``       a health professional (BAL personnelle)  PSC access token (XOAUTH2);
                                                            IMAP password too
``organisational`` a structure's service (secrétariat)      structure certificate (TLS or
                                                            EXTERNAL); IMAP password too
``application``    a platform or software (BAL applicative) certificate; IMAP password too
``patient``        a patient (Mon espace santé)             IMAP password
=================  =======================================  ===============================

:func:`demo_mailboxes` derives the demo set from :func:`esante.demo.demo_dataset`: each
practitioner's personal address, each structure's ``secretariat@`` address, the child
health certificates platform of the PMI (``certificatsdesante@plateformecse.mssante.fr``)
and ``<INS>@patient.mssante.fr`` for each demo patient. Any other well-formed patient
address (a valid NIR as local part) is accepted on delivery and gets its mailbox then.

:class:`MailboxDirectory` adds the credentials: passwords generated at first start and
kept in ``DIR/mss/accounts.json`` (0600), certificates in ``DIR/mss/certs``.
"""

from __future__ import annotations

import hmac
import json
import os
import re
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from esante.demo import DemoDataset, demo_dataset
from esante.identity import InsError, check_ins
from esante.sandbox.mss.certificates import (
    CertificateRequest,
    MailboxCertificate,
    ensure_mailbox_certificates,
)
from esante.sandbox.mss.errors import MailboxError
from esante.trust import KeyPairFiles

PATIENT_DOMAIN = "patient.mssante.fr"
PMI_PLATFORM_ADDRESS = "certificatsdesante@plateformecse.mssante.fr"
PMI_PLATFORM_NAME = "Plateforme des certificats de santé de l'enfant (PMI)"
PMI_PLATFORM_ID = "PMI-CSE-BAC-A-SABLE"
ACCOUNTS_FILE = "accounts.json"
ACCOUNTS_FORMAT = "esante-sandbox-mss-accounts/1"
MAX_ADDRESS_CHARS = 254
_LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_ADDRESS = re.compile(rf"^[a-z0-9][a-z0-9._+-]{{0,63}}@{_LABEL}(?:\.{_LABEL})+$")


class MailboxKind(StrEnum):
    """The kind of an MSSanté mailbox (see the module docstring)."""

    PERSONAL = "personal"
    ORGANISATIONAL = "organisational"
    APPLICATION = "application"
    PATIENT = "patient"

    @property
    def uses_certificate(self) -> bool:
        return self in (MailboxKind.ORGANISATIONAL, MailboxKind.APPLICATION)


@dataclass(frozen=True)
class Mailbox:
    """One mailbox of the sandbox operator. ``imap_user`` is its address."""

    address: str
    kind: MailboxKind
    display_name: str
    id_nat_ps: str | None = None
    id_nat_struct: str | None = None
    patient_ins: str | None = None
    password: str | None = None
    certificate: MailboxCertificate | None = None

    @property
    def imap_user(self) -> str:
        return self.address

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[1]


def normalize_address(address: str) -> str:
    """``address`` lower-cased and checked; raises :class:`MailboxError` if malformed."""
    candidate = address.strip().lower()
    if len(candidate) > MAX_ADDRESS_CHARS or not _ADDRESS.match(candidate):
        raise MailboxError(
            "Adresse MSSanté mal formée.", detail=f"{len(candidate)} characters", field="address"
        )
    return candidate


def patient_address(ins: str) -> str:
    """The MSSanté address of the patient whose INS matricule is ``ins``."""
    return f"{ins.lower()}@{PATIENT_DOMAIN}"


def demo_mailboxes(dataset: DemoDataset | None = None) -> tuple[Mailbox, ...]:
    """The demo mailboxes, without credentials (see the module docstring)."""
    data = dataset or demo_dataset()
    found: list[Mailbox] = []
    for practitioner in data.practitioners:
        found.append(
            Mailbox(
                address=normalize_address(practitioner.mssante_address),
                kind=MailboxKind.PERSONAL,
                display_name=practitioner.display_name,
                id_nat_ps=practitioner.id_nat_ps,
                id_nat_struct=data.structure(practitioner.structure_key).id_nat_struct,
            )
        )
    for structure in data.structures:
        found.append(
            Mailbox(
                address=normalize_address(structure.mssante_address),
                kind=MailboxKind.ORGANISATIONAL,
                display_name=structure.name,
                id_nat_struct=structure.id_nat_struct,
            )
        )
    found.append(
        Mailbox(
            address=PMI_PLATFORM_ADDRESS,
            kind=MailboxKind.APPLICATION,
            display_name=PMI_PLATFORM_NAME,
            id_nat_struct=PMI_PLATFORM_ID,
        )
    )
    for patient in data.patients:
        found.append(
            Mailbox(
                address=patient_address(patient.nir),
                kind=MailboxKind.PATIENT,
                display_name=patient.display_name,
                patient_ins=patient.nir,
            )
        )
    addresses = [m.address for m in found]
    if len(set(addresses)) != len(addresses):
        raise MailboxError(
            "Jeu de boîtes aux lettres de démonstration incohérent.", detail="duplicate address"
        )
    return tuple(found)


class MailboxDirectory:
    """The operator's mailboxes with their credentials; thread-safe."""

    def __init__(self, mailboxes: Iterable[Mailbox]):
        self._lock = threading.Lock()
        self._by_address = {m.address: m for m in mailboxes}

    @classmethod
    def prepare(
        cls,
        directory: Path,
        mailboxes: Iterable[Mailbox],
        *,
        ca: KeyPairFiles | None,
    ) -> MailboxDirectory:
        """Give ``mailboxes`` their passwords (``directory/accounts.json``, created or
        completed) and, when ``ca`` is given, their certificates (``directory/certs``)."""
        wanted = list(mailboxes)
        passwords = _load_passwords(directory / ACCOUNTS_FILE)
        changed = False
        certificates: dict[str, MailboxCertificate] = {}
        if ca is not None:
            requests = [
                CertificateRequest(m.address, m.display_name, m.id_nat_struct or m.address)
                for m in wanted
                if m.kind.uses_certificate
            ]
            certificates = ensure_mailbox_certificates(directory / "certs", ca, requests)
        ready: list[Mailbox] = []
        for mailbox in wanted:
            password = passwords.get(mailbox.address)
            if password is None:
                password = secrets.token_urlsafe(18)
                passwords[mailbox.address] = password
                changed = True
            certificate = certificates.get(mailbox.address)
            ready.append(replace(mailbox, password=password, certificate=certificate))
        if changed:
            _save_passwords(directory / ACCOUNTS_FILE, passwords)
        return cls(ready)

    def mailboxes(self) -> tuple[Mailbox, ...]:
        with self._lock:
            return tuple(self._by_address.values())

    def get(self, address: str) -> Mailbox | None:
        """The mailbox at ``address`` (any case), or None."""
        try:
            key = normalize_address(address)
        except MailboxError:
            return None
        with self._lock:
            return self._by_address.get(key)

    def resolve_recipient(self, address: str) -> Mailbox | None:
        """The mailbox a message to ``address`` is delivered to, or None (unknown).

        A patient address whose local part is a valid NIR gets its mailbox on first use:
        every person with an INS has one in Mon espace santé.
        """
        found = self.get(address)
        if found is not None:
            return found
        try:
            key = normalize_address(address)
        except MailboxError:
            return None
        local, domain = key.rsplit("@", 1)
        if domain != PATIENT_DOMAIN:
            return None
        try:
            check_ins(local.upper())
        except InsError:
            return None
        mailbox = Mailbox(
            address=key,
            kind=MailboxKind.PATIENT,
            display_name=f"Patient {local.upper()}",
            patient_ins=local.upper(),
        )
        with self._lock:
            return self._by_address.setdefault(key, mailbox)

    def check_password(self, user: str, password: str) -> Mailbox | None:
        """The mailbox whose IMAP user is ``user`` if ``password`` is its password."""
        mailbox = self.get(user)
        if mailbox is None or mailbox.password is None:
            # compare anyway: the answer takes the same time for unknown users
            hmac.compare_digest(password.encode(), b"-" * 24)
            return None
        if hmac.compare_digest(password.encode("utf-8"), mailbox.password.encode("utf-8")):
            return mailbox
        return None

    def by_certificate(self, addresses: Iterable[str]) -> Mailbox | None:
        """The certificate-authenticated mailbox a client certificate names, if any."""
        for address in addresses:
            mailbox = self.get(address)
            if mailbox is not None and mailbox.kind.uses_certificate:
                return mailbox
        return None


def _load_passwords(path: Path) -> dict[str, str]:
    try:
        document: Any = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise MailboxError(
            "Comptes MSSanté du bac à sable illisibles.", detail=f"{path}: {type(exc).__name__}"
        ) from exc
    if not isinstance(document, dict) or document.get("format") != ACCOUNTS_FORMAT:
        raise MailboxError("Comptes MSSanté du bac à sable illisibles.", detail=f"{path}: format")
    passwords = document.get("passwords", {})
    return {str(k): str(v) for k, v in passwords.items()} if isinstance(passwords, dict) else {}


def _save_passwords(path: Path, passwords: dict[str, str]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = path.with_suffix(".json.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            json.dump({"format": ACCOUNTS_FORMAT, "passwords": passwords}, stream, indent=2)
        os.replace(temporary, path)
    except OSError as exc:
        raise MailboxError(
            "Impossible d'enregistrer les comptes MSSanté du bac à sable.", detail=str(exc)
        ) from exc
