"""The MSSanté operator of the sandbox: mailboxes, credentials, delivery, acknowledgements.

:class:`MssOperator` is what the SMTP and IMAP servers ask: who a password, a Pro Santé
Connect token or a client certificate opens (:meth:`~MssOperator.authenticate_password`,
:meth:`~MssOperator.authenticate_token`, :meth:`~MssOperator.authenticate_certificate`),
whether an address is a mailbox of the trust space (:meth:`~MssOperator.recipient`),
and delivering a message (:meth:`~MssOperator.deliver`): a ``Return-Path`` and a
``Received`` trace field are prepended, the message is stored in each recipient's
INBOX, and, when the sender asked for it and the recipient's mailbox acknowledges
automatically (:meth:`~MssOperator.set_auto_mdn`), the MDN goes into the sender's INBOX.

One receipt per message, from the party that processed it: the operator's automatic
"processed" MDN stands in for a mailbox with no software behind it (a person reading
webmail). A mailbox whose software acknowledges by itself (esante's fetch sends its own
``processed`` or ``processed/Error``) gets none from the operator. The operator knows
it in two ways, both kept in ``DIR/mss/own-acknowledgements.json`` (one address a
line of a JSON list, read at each delivery so that a running sandbox sees a change):
declared (:meth:`~MssOperator.declare_own_acknowledgements`, ``esante mss
accuses-logiciel``), or learnt — the first MDN a mailbox submits itself declares it.

Everything lives under one directory (``DIR/mss``): ``accounts.json`` (passwords),
``certs/`` (mailbox certificates), ``psc-signing.key`` (token key), ``mail/`` (the
store). Nothing here logs addresses, subjects or credentials.
"""

from __future__ import annotations

import email.policy
import json
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import Message
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid
from pathlib import Path

from esante.sandbox.mss.certificates import certificate_addresses
from esante.sandbox.mss.errors import AccessTokenError
from esante.sandbox.mss.mailboxes import Mailbox, MailboxDirectory, MailboxKind, demo_mailboxes
from esante.sandbox.mss.mdn import build_mdn, is_mdn, notification_address
from esante.sandbox.mss.store import INBOX, MailStore
from esante.sandbox.mss.tokens import DEFAULT_LIFETIME, AccessTokens
from esante.trust import KeyPairFiles

logger = logging.getLogger("esante.sandbox.mss")

DEFAULT_MAX_MESSAGE_BYTES = 20 * 1024 * 1024
DEFAULT_HOSTNAME = "mss.esante-sandbox.localhost"
SIGNING_KEY_FILE = "psc-signing.key"
OWN_ACKNOWLEDGEMENTS_FILE = "own-acknowledgements.json"
"""Mailboxes whose software sends its own MDNs (the operator then sends none for them)."""
PUBLIC_KEY_FILE = "psc-signing.pub.pem"


@dataclass(frozen=True)
class OperatorOptions:
    """Limits and behaviour of the sandbox operator."""

    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    max_recipients: int = 100
    auto_mdn: bool = True
    hostname: str = DEFAULT_HOSTNAME
    token_lifetime: timedelta = DEFAULT_LIFETIME


@dataclass(frozen=True)
class Delivery:
    """What :meth:`MssOperator.deliver` did: the recipients' UIDs and the MDNs sent."""

    queue_id: str
    uids: dict[str, int]
    acknowledgements: tuple[str, ...]
    undelivered: tuple[str, ...] = ()
    """Recipients accepted at ``RCPT`` whose mailbox could not take the message (full)."""


def parse_header(data: bytes) -> Message:
    """The header fields of a message, decoded (RFC 2047 and raw UTF-8)."""
    return BytesParser(policy=email.policy.default).parsebytes(data, headersonly=True)


class MssOperator:
    """The sandbox operator (see the module docstring)."""

    def __init__(
        self,
        directory: MailboxDirectory,
        store: MailStore,
        tokens: AccessTokens,
        options: OperatorOptions | None = None,
        *,
        public_key: Path | None = None,
        own_acknowledgements: Path | None = None,
    ):
        self.directory = directory
        self.store = store
        self.tokens = tokens
        self.options = options or OperatorOptions()
        self.public_key = public_key
        self._lock = threading.Lock()
        self._auto_mdn_off: set[str] = set()
        self._full: set[str] = set()
        self._auto_mdn = self.options.auto_mdn
        self._issued: dict[str, tuple[str, datetime]] = {}
        self.own_acknowledgements_file = own_acknowledgements

    @classmethod
    def prepare(
        cls,
        root: Path,
        *,
        ca: KeyPairFiles | None,
        options: OperatorOptions | None = None,
        mailboxes: Sequence[Mailbox] | None = None,
    ) -> MssOperator:
        """The operator kept in ``root`` (created on first use): demo mailboxes by default,
        their passwords, certificates (issued by ``ca``) and fresh access tokens."""
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        directory = MailboxDirectory.prepare(
            root, demo_mailboxes() if mailboxes is None else mailboxes, ca=ca
        )
        tokens = AccessTokens.load_or_create(root / SIGNING_KEY_FILE)
        public_key = root / PUBLIC_KEY_FILE
        public_key.write_bytes(tokens.public_key_pem())
        operator = cls(
            directory,
            MailStore(root / "mail"),
            tokens,
            options,
            public_key=public_key,
            own_acknowledgements=root / OWN_ACKNOWLEDGEMENTS_FILE,
        )
        for mailbox in directory.mailboxes():
            if mailbox.kind is MailboxKind.PERSONAL:
                operator.access_token(mailbox.address)
        return operator

    # --- credentials ------------------------------------------------------------------

    def access_token(self, address: str) -> str | None:
        """The access token issued at start for a personal mailbox (None for others)."""
        mailbox = self.directory.get(address)
        if mailbox is None or mailbox.kind is not MailboxKind.PERSONAL or not mailbox.id_nat_ps:
            return None
        with self._lock:
            cached = self._issued.get(mailbox.address)
            if cached is None:
                now = datetime.now(UTC)
                token = self.tokens.issue(
                    subject=mailbox.id_nat_ps,
                    email=mailbox.address,
                    now=now,
                    lifetime=self.options.token_lifetime,
                )
                cached = (token, now + self.options.token_lifetime)
                self._issued[mailbox.address] = cached
            return cached[0]

    def access_token_expiry(self, address: str) -> datetime | None:
        with self._lock:
            cached = self._issued.get(address.lower())
        return cached[1] if cached else None

    def authenticate_password(self, user: str, password: str) -> Mailbox | None:
        """The mailbox ``user``/``password`` opens (IMAP LOGIN, PLAIN), or None."""
        return self.directory.check_password(user, password)

    def authenticate_token(self, user: str, token: str) -> Mailbox:
        """The personal mailbox ``user`` if ``token`` is a valid PSC token for it.

        Raises :class:`AccessTokenError` (French message) otherwise.
        """
        claims = self.tokens.verify(token)
        mailbox = self.directory.get(user)
        if mailbox is None or mailbox.kind is not MailboxKind.PERSONAL:
            raise AccessTokenError(
                "Cette boîte aux lettres n'accepte pas l'authentification Pro Santé Connect.",
                detail="not a personal mailbox",
            )
        if claims.email.lower() != mailbox.address or claims.subject != mailbox.id_nat_ps:
            raise AccessTokenError(
                "Le jeton d'accès ne correspond pas à cette boîte aux lettres.",
                detail="email or sub mismatch",
            )
        return mailbox

    def authenticate_certificate(self, der: bytes | None) -> Mailbox | None:
        """The application or organisational mailbox a (TLS-verified) certificate opens."""
        if not der:
            return None
        return self.directory.by_certificate(certificate_addresses(der))

    def recipient(self, address: str) -> Mailbox | None:
        """The mailbox a message to ``address`` goes to, or None when it is unknown."""
        return self.directory.resolve_recipient(address)

    # --- acknowledgements -------------------------------------------------------------

    def set_auto_mdn(self, enabled: bool, address: str | None = None) -> None:
        """Switch automatic MDNs on or off, for every mailbox or for ``address``."""
        with self._lock:
            if address is None:
                self._auto_mdn = enabled
                self._auto_mdn_off.clear()
            elif enabled:
                self._auto_mdn_off.discard(address.lower())
            else:
                self._auto_mdn_off.add(address.lower())

    def auto_mdn(self, address: str) -> bool:
        """Whether the operator acknowledges for ``address`` (see the module docstring)."""
        with self._lock:
            if not self._auto_mdn or address.lower() in self._auto_mdn_off:
                return False
        return address.lower() not in self.own_acknowledgements()

    def own_acknowledgements(self) -> frozenset[str]:
        """The mailboxes whose software sends its own MDNs (declared or learnt)."""
        return read_own_acknowledgements(self.own_acknowledgements_file)

    def declare_own_acknowledgements(self, address: str, enabled: bool = True) -> None:
        """Record that ``address``'s software acknowledges by itself (or no longer)."""
        if self.own_acknowledgements_file is None:
            return
        with self._lock:
            write_own_acknowledgements(self.own_acknowledgements_file, address, enabled)

    # --- delivery ---------------------------------------------------------------------

    def set_mailbox_full(self, address: str, full: bool = True) -> None:
        """Make ``address``'s mailbox full (or no longer): a message to it is still accepted
        at ``RCPT`` (the check comes at delivery, as with an operator whose delivery agent
        enforces quotas) but not stored, and the sender gets a *failed* delivery status
        notification (RFC 3464, ``5.2.2``) — the sandbox's way to produce one."""
        with self._lock:
            (self._full.add if full else self._full.discard)(address.lower())

    def mailbox_full(self, address: str) -> bool:
        with self._lock:
            return address.lower() in self._full

    def deliver(
        self,
        sender: Mailbox,
        recipients: Sequence[Mailbox],
        data: bytes,
        *,
        client_name: str = "localhost",
        client_address: str = "127.0.0.1",
        authenticated: bool = True,
        null_sender: bool = False,
    ) -> Delivery:
        """Store ``data`` in each recipient's INBOX, then send the MDNs asked for.

        ``null_sender``: submitted with ``MAIL FROM:<>`` (a notification): the copies say
        ``Return-Path: <>`` and nothing is sent back for it.
        """
        now = datetime.now(UTC)
        queue_id = make_msgid(domain=self.options.hostname)[1:-1].split("@")[0]
        trace = (
            f"Return-Path: <{'' if null_sender else sender.address}>\r\n"
            f"Received: from {_ascii(client_name)} ([{_ascii(client_address)}])\r\n"
            f"\tby {self.options.hostname} (esante MSSante sandbox) with "
            f"{'ESMTPSA' if authenticated else 'ESMTPS'} id {queue_id};\r\n"
            f"\t{format_datetime(now)}\r\n"
        ).encode("ascii")
        stored = trace + data
        headers = parse_header(data)
        if is_mdn(headers) and sender.address not in self.own_acknowledgements():
            self.declare_own_acknowledgements(sender.address)  # its software answers
        uids: dict[str, int] = {}
        undelivered: list[str] = []
        for recipient in recipients:
            if self.mailbox_full(recipient.address):
                undelivered.append(recipient.address)
                continue
            _, uid = self.store.append(recipient.address, INBOX, stored, internal_date=now)
            uids[recipient.address] = uid
        acknowledged: list[str] = []
        notify = None if null_sender else notification_address(headers, sender.address)
        if notify is not None:
            for recipient in recipients:
                if recipient.address not in uids or not self.auto_mdn(recipient.address):
                    continue
                report = build_mdn(
                    data,
                    headers,
                    recipient=recipient.address,
                    recipient_name=recipient.display_name,
                    notify=notify,
                    reporting_host=self.options.hostname,
                )
                self.deliver_internal(recipient, sender, report)
                acknowledged.append(recipient.address)
        return Delivery(queue_id, uids, tuple(acknowledged), tuple(undelivered))

    def deliver_internal(self, sender: Mailbox, recipient: Mailbox, data: bytes) -> int:
        """Store a message the operator writes itself (an MDN) in ``recipient``'s INBOX."""
        now = datetime.now(UTC)
        trace = (
            f"Return-Path: <{sender.address}>\r\n"
            f"Received: by {self.options.hostname} (esante MSSante sandbox);\r\n"
            f"\t{format_datetime(now)}\r\n"
        ).encode("ascii")
        _, uid = self.store.append(recipient.address, INBOX, trace + data, internal_date=now)
        return uid

    def deliver_report(self, recipient: Mailbox, data: bytes) -> int:
        """Store a delivery status notification (null reverse-path) in ``recipient``'s
        INBOX."""
        now = datetime.now(UTC)
        trace = (
            "Return-Path: <>\r\n"
            f"Received: by {self.options.hostname} (esante MSSante sandbox);\r\n"
            f"\t{format_datetime(now)}\r\n"
        ).encode("ascii")
        _, uid = self.store.append(recipient.address, INBOX, trace + data, internal_date=now)
        return uid

    def inbox(self, address: str) -> list[tuple[int, bytes]]:
        """(UID, bytes) of every message in the INBOX of ``address`` (for tests, admin)."""
        state = self.store.state(address.lower())
        return [(uid, self.store.read(address.lower(), INBOX, uid)) for uid in state.uids]


def _ascii(text: str) -> str:
    cleaned = "".join(c for c in text if 32 < ord(c) < 127 and c not in "()[];\\")
    return cleaned[:100] or "unknown"


def read_own_acknowledgements(path: Path | None) -> frozenset[str]:
    """The addresses listed in an ``own-acknowledgements.json`` (empty when absent/bad)."""
    if path is None:
        return frozenset()
    try:
        listed = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return frozenset()
    if not isinstance(listed, list):
        return frozenset()
    return frozenset(str(a).strip().lower() for a in listed if isinstance(a, str))


def write_own_acknowledgements(path: Path, address: str, enabled: bool) -> None:
    """Add (``enabled``) or remove ``address`` in ``path``, atomically."""
    current = set(read_own_acknowledgements(path))
    wanted = address.strip().lower()
    if enabled:
        current.add(wanted)
    else:
        current.discard(wanted)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(sorted(current), indent=1) + "\n", encoding="utf-8")
    temporary.replace(path)
