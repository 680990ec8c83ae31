"""Reading an MSSanté mailbox over IMAP (implicit TLS): new messages, flags, moves.

:class:`ImapMailbox` opens one folder of one mailbox (``imaplib.IMAP4_SSL`` with the
esante TLS context), authenticates (XOAUTH2 with the access token, ``LOGIN`` with the
password, or ``AUTHENTICATE EXTERNAL`` with the client certificate) and then:

* :meth:`~ImapMailbox.unprocessed`, :meth:`~ImapMailbox.unseen`,
  :meth:`~ImapMailbox.search` — UIDs; what a program has dealt with is its own mark
  (``$Processed``, :meth:`~ImapMailbox.mark_processed`), never ``\\Seen``, which belongs to
  the person reading the same mailbox in a mail client;
* :meth:`~ImapMailbox.fetch` — one message as raw bytes with its UID, flags, size and
  internal date, without marking it seen (``BODY.PEEK[]``); a message larger than
  ``max_message_bytes`` is not downloaded (``data`` is ``None``);
* :meth:`~ImapMailbox.add_flags`, :meth:`~ImapMailbox.remove_flags`,
  :meth:`~ImapMailbox.mark_seen`, :meth:`~ImapMailbox.move` (``UID MOVE`` when offered,
  else COPY + ``\\Deleted`` + ``UID EXPUNGE``).

A UID is only meaningful with the folder's :attr:`~ImapMailbox.uid_validity`: store both.
Failures: unreachable server, timeouts, a dropped connection → :class:`MssUnavailableError`;
authentication refused, a command answered NO/BAD → :class:`MssSendError`.
"""

from __future__ import annotations

import imaplib
import re
import ssl
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from types import TracebackType
from typing import Any

from esante.mss.auth import MssCredentials, xoauth2_response
from esante.mss.errors import MssSendError, MssUnavailableError

SEEN = "\\Seen"
DELETED = "\\Deleted"
PROCESSED = "$Processed"
"""Keyword esante sets on a message it has integrated (the operator keeps it)."""

_META = re.compile(
    rb"UID (?P<uid>\d+)|FLAGS \((?P<flags>[^)]*)\)|RFC822\.SIZE (?P<size>\d+)"
    rb'|INTERNALDATE "(?P<date>[^"]+)"'
)
_UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)")


@dataclass(frozen=True)
class ImapEndpoint:
    """Where the IMAP server listens (implicit TLS) and how much one may download."""

    host: str
    port: int
    context: ssl.SSLContext
    timeout: float = 30.0
    max_message_bytes: int = 50 * 1024 * 1024


@dataclass(frozen=True)
class FetchedMessage:
    """One message of a folder: its raw bytes (None when over the size limit)."""

    folder: str
    uid_validity: int
    uid: int
    size: int
    flags: frozenset[str]
    internal_date: datetime | None
    data: bytes | None

    def message(self) -> EmailMessage:
        """The parsed message (``email`` default policy); raises MssError if not fetched."""
        if self.data is None:
            raise MssSendError(
                "Message trop volumineux : il n'a pas été téléchargé.",
                detail=f"uid {self.uid}: {self.size} bytes",
            )
        parsed = BytesParser(policy=default_policy).parsebytes(self.data)
        assert isinstance(parsed, EmailMessage)
        return parsed


def _uid_set(uids: Iterable[int]) -> str:
    values = sorted({int(u) for u in uids})
    if not values or values[0] < 1:
        raise MssSendError("Aucun message désigné.", detail="empty or invalid UID set")
    return ",".join(str(v) for v in values)


@contextmanager
def _errors(what: str) -> Iterator[None]:
    try:
        yield
    except imaplib.IMAP4.abort as exc:
        raise MssUnavailableError(
            "Connexion au serveur MSSanté (IMAP) interrompue.", detail=f"{what}: {exc}"
        ) from exc
    except imaplib.IMAP4.error as exc:
        raise MssSendError(
            "Le serveur MSSanté (IMAP) refuse la commande.", detail=f"{what}: {exc}"
        ) from exc
    except (OSError, EOFError) as exc:
        raise MssUnavailableError(
            "Connexion au serveur MSSanté (IMAP) interrompue.",
            detail=f"{what}: {type(exc).__name__}: {exc}",
        ) from exc


class ImapMailbox:
    """One folder of one mailbox, open over IMAP (use as a context manager)."""

    def __init__(
        self,
        endpoint: ImapEndpoint,
        credentials: MssCredentials,
        folder: str = "INBOX",
        *,
        read_only: bool = False,
    ):
        self.endpoint = endpoint
        self.credentials = credentials
        self.folder = folder
        self.read_only = read_only
        self.uid_validity = 0
        self._imap: imaplib.IMAP4_SSL | None = None

    # --- session --------------------------------------------------------------------

    def open(self) -> ImapMailbox:
        """Connect, authenticate, select the folder."""
        where = f"{self.endpoint.host}:{self.endpoint.port}"
        try:
            imap = imaplib.IMAP4_SSL(
                self.endpoint.host,
                self.endpoint.port,
                ssl_context=self.endpoint.context,
                timeout=self.endpoint.timeout,
            )
        except ssl.SSLCertVerificationError as exc:
            raise MssSendError(
                "Certificat du serveur MSSanté non reconnu.", detail=f"{where}: {exc}"
            ) from exc
        except (OSError, imaplib.IMAP4.error) as exc:
            raise MssUnavailableError(
                "Serveur de messagerie MSSanté (IMAP) injoignable.",
                detail=f"{where}: {type(exc).__name__}: {exc}",
            ) from exc
        self._imap = imap
        try:
            self._authenticate(imap)
            with _errors("SELECT"):
                typ, _ = imap.select(_quote(self.folder), readonly=self.read_only)
            if typ != "OK":
                raise MssSendError("Dossier de messagerie introuvable.", detail=self.folder)
            self.uid_validity = self._read_uid_validity(imap)
        except BaseException:
            self.close()
            raise
        return self

    def _authenticate(self, imap: imaplib.IMAP4_SSL) -> None:
        credentials = self.credentials
        try:
            if credentials.access_token:
                response = xoauth2_response(credentials.address, credentials.access_token)
                imap.authenticate("XOAUTH2", lambda _: response)
            elif credentials.imap_password:
                imap.login(credentials.login, credentials.imap_password)
            else:
                imap.authenticate("EXTERNAL", lambda _: b"")
        except imaplib.IMAP4.abort as exc:
            raise MssUnavailableError(
                "Connexion au serveur MSSanté (IMAP) interrompue.", detail=str(exc)
            ) from exc
        except imaplib.IMAP4.error as exc:
            raise MssSendError(
                "Authentification refusée par le serveur MSSanté (IMAP).",
                detail=str(exc),
                field="credentials",
            ) from exc
        except OSError as exc:
            raise MssUnavailableError(
                "Connexion au serveur MSSanté (IMAP) interrompue.",
                detail=f"{type(exc).__name__}: {exc}",
            ) from exc

    @staticmethod
    def _read_uid_validity(imap: imaplib.IMAP4_SSL) -> int:
        _, data = imap.response("UIDVALIDITY")
        for item in data or []:
            if isinstance(item, bytes) and item.isdigit():
                return int(item)
        with _errors("STATUS"):
            _, status = imap.status("INBOX", "(UIDVALIDITY)")
        found = _UIDVALIDITY.search(status[0] if status and isinstance(status[0], bytes) else b"")
        return int(found.group(1)) if found else 0

    def close(self) -> None:
        """Log out (quietly if the connection is already gone)."""
        imap, self._imap = self._imap, None
        if imap is None:
            return
        try:
            imap.logout()
        except (imaplib.IMAP4.error, OSError):
            with suppress(OSError):
                imap.shutdown()

    def __enter__(self) -> ImapMailbox:
        if self._imap is None:
            self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def imap(self) -> imaplib.IMAP4_SSL:
        if self._imap is None:
            raise MssUnavailableError("Boîte aux lettres non ouverte.", detail="call open()")
        return self._imap

    def _uid(self, command: str, *args: str) -> list[Any]:
        with _errors(f"UID {command}"):
            typ, data = self.imap.uid(command, *args)
        if typ != "OK":
            raise MssSendError(
                "Le serveur MSSanté (IMAP) refuse la commande.",
                detail=f"UID {command}: {typ} {data!r}"[:300],
            )
        return list(data or [])

    # --- reading --------------------------------------------------------------------

    def search(self, *criteria: str) -> list[int]:
        """UIDs of the messages matching IMAP search ``criteria`` (e.g. ``"UNSEEN"``)."""
        data = self._uid("SEARCH", *(criteria or ("ALL",)))
        found: list[int] = []
        for item in data:
            if isinstance(item, bytes):
                found.extend(int(x) for x in item.split() if x.isdigit())
        return sorted(found)

    def unseen(self) -> list[int]:
        """UIDs of the messages not yet seen (by anyone: a mail client sets ``\\Seen``)."""
        return self.search("UNSEEN")

    def unprocessed(self, *skip: str) -> list[int]:
        """UIDs of the messages not marked ``$Processed`` nor with a keyword in ``skip``,
        read or not."""
        criteria = ["UNKEYWORD", PROCESSED]
        for keyword in skip:
            criteria += ["UNKEYWORD", keyword]
        return self.search(*criteria)

    def fetch(self, uid: int) -> FetchedMessage | None:
        """Message ``uid`` (None if it is gone); the body only within the size limit."""
        meta = self._uid("FETCH", str(int(uid)), "(UID FLAGS RFC822.SIZE INTERNALDATE)")
        info = _parse_meta(meta, uid)
        if info is None:
            return None
        size, flags, internal = info
        data: bytes | None = None
        if size <= self.endpoint.max_message_bytes:
            body = self._uid("FETCH", str(int(uid)), "(BODY.PEEK[])")
            data = next(
                (bytes(item[1]) for item in body if isinstance(item, tuple) and len(item) == 2),
                None,
            )
            if data is None:
                return None
        return FetchedMessage(self.folder, self.uid_validity, uid, size, flags, internal, data)

    def fetch_unprocessed(self, *, limit: int = 100) -> list[FetchedMessage]:
        """The messages not marked ``$Processed`` (oldest first, at most ``limit``), read
        in a mail client or not; no flag changed."""
        return self._fetch_all(self.unprocessed()[:limit])

    def _fetch_all(self, uids: Sequence[int]) -> list[FetchedMessage]:
        found = []
        for uid in uids:
            message = self.fetch(uid)
            if message is not None:
                found.append(message)
        return found

    def fetch_unseen(self, *, limit: int = 100) -> list[FetchedMessage]:
        """The unseen messages (oldest first, at most ``limit``), not marked seen."""
        return self._fetch_all(self.unseen()[:limit])

    # --- changing -------------------------------------------------------------------

    def add_flags(self, uids: Iterable[int], *flags: str) -> None:
        """Add ``flags`` (``\\Seen``, ``$Processed``…) to ``uids``."""
        self._uid("STORE", _uid_set(uids), "+FLAGS.SILENT", "(" + " ".join(flags) + ")")

    def remove_flags(self, uids: Iterable[int], *flags: str) -> None:
        self._uid("STORE", _uid_set(uids), "-FLAGS.SILENT", "(" + " ".join(flags) + ")")

    def mark_seen(self, uids: Iterable[int]) -> None:
        self.add_flags(uids, SEEN)

    def mark_processed(self, uids: Iterable[int]) -> None:
        """Seen, and the ``$Processed`` keyword: esante has integrated them."""
        self.add_flags(uids, SEEN, PROCESSED)

    def move(self, uids: Sequence[int], target: str, *, create: bool = True) -> None:
        """Move ``uids`` to folder ``target`` (created first when missing and ``create``)."""
        if create:
            with _errors("LIST"):
                typ, listed = self.imap.list('""', _quote(target))
            if typ == "OK" and not any(listed):
                with _errors("CREATE"):
                    self.imap.create(_quote(target))
        uid_set = _uid_set(uids)
        capabilities = getattr(self.imap, "capabilities", ())
        if "MOVE" in capabilities:
            self._uid("MOVE", uid_set, _quote(target))
            return
        self._uid("COPY", uid_set, _quote(target))
        self.add_flags(uids, DELETED)
        if "UIDPLUS" in capabilities:
            self._uid("EXPUNGE", uid_set)
        else:
            with _errors("EXPUNGE"):
                self.imap.expunge()


def _quote(name: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _parse_meta(data: list[Any], uid: int) -> tuple[int, frozenset[str], datetime | None] | None:
    for item in data:
        line = item[0] if isinstance(item, tuple) else item
        if not isinstance(line, bytes):
            continue
        values: dict[str, bytes] = {}
        for found in _META.finditer(line):
            for key, value in found.groupdict().items():
                if value is not None:
                    values[key] = value
        if "uid" not in values or int(values["uid"]) != uid:
            continue
        flags = frozenset(values.get("flags", b"").decode("ascii", "replace").split())
        internal = None
        if "date" in values:
            try:
                internal = datetime.strptime(values["date"].decode("ascii"), "%d-%b-%Y %H:%M:%S %z")
            except ValueError:
                internal = None
        return int(values.get("size", b"0")), flags, internal
    return None
