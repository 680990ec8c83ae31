"""The sandbox operator's mail store: folders of messages with stable IMAP UIDs, on disk.

Layout under ``DIR/mss/mail``::

    <mailbox address>/<folder name, hex>/index.json   UIDVALIDITY, UIDNEXT, and per message
                                                      its UID, flags, INTERNALDATE, size
    <mailbox address>/<folder name, hex>/<uid>.eml    the message as delivered (bytes)

A message file is written before the index names it and the index is replaced
atomically, so a crash loses at most a message that was never acknowledged. UIDs only
grow (``uid_next``) and ``uid_validity`` is fixed when a folder is created: an IMAP
client that stored a UID finds the same message again in a later session, even after
a restart. Folder names are kept hex-encoded on disk so that any IMAP name maps to a
safe file name. One lock serialises every operation (the SMTP and IMAP servers run in
one thread; tests and admin tools may call from others).
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from esante.sandbox.mss.errors import MailboxError

INBOX = "INBOX"
INDEX_FILE = "index.json"
MAX_FOLDERS = 100
MAX_FOLDER_NAME = 200
SYSTEM_FLAGS = ("\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft")
_FOLDER_NAME = re.compile(r"^[A-Za-z0-9 &+,._'()-]+(?:/[A-Za-z0-9 &+,._'()-]+)*$")
_KEYWORD = re.compile(r"^\$?[A-Za-z0-9_.-]{1,64}$")

FlagMode = Literal["set", "add", "remove"]


@dataclass(frozen=True)
class StoredMessage:
    """What the index knows of one message."""

    uid: int
    flags: frozenset[str]
    internal_date: datetime
    size: int


@dataclass(frozen=True)
class FolderState:
    """A snapshot of one folder (messages in ascending UID order)."""

    name: str
    uid_validity: int
    uid_next: int
    messages: tuple[StoredMessage, ...]

    @property
    def uids(self) -> tuple[int, ...]:
        return tuple(m.uid for m in self.messages)

    def unseen(self) -> int:
        return sum(1 for m in self.messages if "\\Seen" not in m.flags)


@dataclass
class _Folder:
    path: Path
    name: str
    uid_validity: int
    uid_next: int
    messages: dict[int, StoredMessage] = field(default_factory=dict)

    def snapshot(self) -> FolderState:
        return FolderState(
            self.name,
            self.uid_validity,
            self.uid_next,
            tuple(self.messages[uid] for uid in sorted(self.messages)),
        )


def check_flag(flag: str) -> str:
    """A system flag (canonical case) or a keyword; raises MailboxError otherwise."""
    for system in SYSTEM_FLAGS:
        if flag.lower() == system.lower():
            return system
    if flag.startswith("\\") or not _KEYWORD.match(flag):
        raise MailboxError("Drapeau IMAP invalide.", detail=f"flag {flag[:70]!r}", field="flag")
    return flag


def canonical_folder(name: str) -> str:
    """``INBOX`` in any case is ``INBOX``; other names are checked and kept as given."""
    if name.upper() == INBOX:
        return INBOX
    if (
        len(name) > MAX_FOLDER_NAME
        or not _FOLDER_NAME.match(name)
        or any(part.strip(" .") == "" for part in name.split("/"))
    ):
        raise MailboxError("Nom de dossier invalide.", detail=f"{len(name)} chars", field="folder")
    return name


class MailStore:
    """Folders and messages of every mailbox under ``root`` (see the module docstring)."""

    def __init__(self, root: Path):
        self.root = root
        self._lock = threading.RLock()
        self._folders: dict[tuple[str, str], _Folder] = {}
        self._changes = threading.Condition(self._lock)
        self._version = 0

    # --- folders --------------------------------------------------------------------

    def _mailbox_path(self, address: str) -> Path:
        if "/" in address or address.startswith("."):
            raise MailboxError("Adresse MSSanté mal formée.", detail="unsafe address")
        return self.root / address

    def _folder(self, address: str, name: str, *, create: bool = False) -> _Folder:
        name = canonical_folder(name)
        key = (address, name)
        cached = self._folders.get(key)
        if cached is not None:
            return cached
        path = self._mailbox_path(address) / name.encode("utf-8").hex()
        index = path / INDEX_FILE
        if index.exists():
            folder = _read_index(path, name)
        elif create or name == INBOX:
            if name != INBOX and len(self.folders(address)) >= MAX_FOLDERS:
                raise MailboxError("Trop de dossiers dans cette boîte.", detail=f"{MAX_FOLDERS}")
            folder = _Folder(path, name, uid_validity=_new_uid_validity(), uid_next=1)
            _write_index(folder)
        else:
            raise MailboxError("Dossier inexistant.", detail="no such folder", field="folder")
        self._folders[key] = folder
        return folder

    def folders(self, address: str) -> list[str]:
        """The folder names of ``address`` (``INBOX`` first, always present)."""
        with self._lock:
            self._folder(address, INBOX)
            names = []
            for child in sorted(self._mailbox_path(address).iterdir()):
                if (child / INDEX_FILE).exists():
                    try:
                        names.append(bytes.fromhex(child.name).decode("utf-8"))
                    except ValueError:
                        continue
            others = sorted(n for n in names if n != INBOX)
            return [INBOX, *others]

    def create_folder(self, address: str, name: str) -> None:
        """Create folder ``name``; raises :class:`MailboxError` if it exists or is invalid."""
        with self._lock:
            name = canonical_folder(name)
            if name in self.folders(address):
                raise MailboxError("Ce dossier existe déjà.", detail="exists", field="folder")
            self._folder(address, name, create=True)

    def delete_folder(self, address: str, name: str) -> None:
        """Delete folder ``name`` and its messages (never ``INBOX``)."""
        with self._lock:
            folder = self._folder(address, name)
            if folder.name == INBOX:
                raise MailboxError("Le dossier INBOX ne peut pas être supprimé.", detail="INBOX")
            for child in folder.path.iterdir():
                child.unlink()
            folder.path.rmdir()
            del self._folders[(address, folder.name)]
            self._touch()

    def state(self, address: str, name: str = INBOX) -> FolderState:
        """A snapshot of folder ``name``; raises :class:`MailboxError` if it does not exist."""
        with self._lock:
            return self._folder(address, name).snapshot()

    # --- messages -------------------------------------------------------------------

    def append(
        self,
        address: str,
        name: str,
        data: bytes,
        *,
        flags: Iterable[str] = (),
        internal_date: datetime | None = None,
    ) -> tuple[int, int]:
        """Store ``data`` in folder ``name``; returns (UIDVALIDITY, UID)."""
        checked = frozenset(check_flag(f) for f in flags)
        with self._lock:
            folder = self._folder(address, name)
            uid = folder.uid_next
            target = folder.path / f"{uid}.eml"
            try:
                descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(descriptor, "wb") as stream:
                    stream.write(data)
            except OSError as exc:
                raise MailboxError("Écriture du message impossible.", detail=str(exc)) from exc
            when = (internal_date or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
            folder.messages[uid] = StoredMessage(uid, checked, when, len(data))
            folder.uid_next = uid + 1
            _write_index(folder)
            self._touch()
            return folder.uid_validity, uid

    def read(self, address: str, name: str, uid: int) -> bytes:
        """The bytes of message ``uid``; raises :class:`MailboxError` if it is gone."""
        with self._lock:
            folder = self._folder(address, name)
            if uid not in folder.messages:
                raise MailboxError("Message inexistant.", detail=f"uid {uid}")
            path = folder.path / f"{uid}.eml"
        try:
            return path.read_bytes()
        except OSError as exc:
            raise MailboxError("Message illisible.", detail=f"uid {uid}: {exc}") from exc

    def set_flags(
        self, address: str, name: str, uids: Iterable[int], flags: Iterable[str], mode: FlagMode
    ) -> dict[int, frozenset[str]]:
        """Change the flags of ``uids`` (those still there); returns their new flags."""
        checked = frozenset(check_flag(f) for f in flags)
        with self._lock:
            folder = self._folder(address, name)
            changed: dict[int, frozenset[str]] = {}
            for uid in uids:
                message = folder.messages.get(uid)
                if message is None:
                    continue
                if mode == "set":
                    new = checked
                elif mode == "add":
                    new = message.flags | checked
                else:
                    new = message.flags - checked
                folder.messages[uid] = StoredMessage(uid, new, message.internal_date, message.size)
                changed[uid] = new
            if changed:
                _write_index(folder)
                self._touch()
            return changed

    def expunge(self, address: str, name: str, uids: Iterable[int] | None = None) -> list[int]:
        """Remove the messages flagged ``\\Deleted`` (among ``uids`` if given)."""
        with self._lock:
            folder = self._folder(address, name)
            allowed = None if uids is None else set(uids)
            gone = [
                uid
                for uid, message in sorted(folder.messages.items())
                if "\\Deleted" in message.flags and (allowed is None or uid in allowed)
            ]
            self._remove(folder, gone)
            return gone

    def copy(
        self, address: str, name: str, uids: Iterable[int], target: str, *, move: bool = False
    ) -> tuple[int, list[tuple[int, int]]]:
        """Copy (or move) ``uids`` to folder ``target``; returns its UIDVALIDITY and the
        (source UID, new UID) pairs."""
        with self._lock:
            source = self._folder(address, name)
            destination = self._folder(address, target)
            pairs: list[tuple[int, int]] = []
            for uid in sorted(set(uids)):
                message = source.messages.get(uid)
                if message is None:
                    continue
                data = self.read(address, source.name, uid)
                flags = message.flags - {"\\Deleted"} if move else message.flags
                _, new_uid = self.append(
                    address,
                    destination.name,
                    data,
                    flags=flags,
                    internal_date=message.internal_date,
                )
                pairs.append((uid, new_uid))
            if move:
                self._remove(source, [uid for uid, _ in pairs])
            return destination.uid_validity, pairs

    def version(self) -> int:
        """A counter that grows at each change (IMAP sessions poll it to announce news)."""
        with self._lock:
            return self._version

    def _remove(self, folder: _Folder, uids: list[int]) -> None:
        if not uids:
            return
        for uid in uids:
            folder.messages.pop(uid, None)
        _write_index(folder)
        for uid in uids:
            (folder.path / f"{uid}.eml").unlink(missing_ok=True)
        self._touch()

    def _touch(self) -> None:
        self._version += 1
        self._changes.notify_all()


_last_validity = 0


def _new_uid_validity() -> int:
    # seconds since the epoch, strictly growing within the process: a folder deleted and
    # created again never gets its former value (callers hold the store lock)
    global _last_validity
    _last_validity = max(_last_validity + 1, int(time.time()) & 0x7FFFFFFF)
    return _last_validity


def _read_index(path: Path, name: str) -> _Folder:
    try:
        document: Any = json.loads((path / INDEX_FILE).read_text("utf-8"))
        folder = _Folder(
            path,
            name,
            uid_validity=int(document["uid_validity"]),
            uid_next=int(document["uid_next"]),
        )
        for uid, flags, internal, size in document["messages"]:
            folder.messages[int(uid)] = StoredMessage(
                int(uid),
                frozenset(str(f) for f in flags),
                datetime.fromisoformat(internal),
                int(size),
            )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise MailboxError(
            "Index d'un dossier de messagerie illisible.", detail=f"{path}: {type(exc).__name__}"
        ) from exc
    return folder


def _write_index(folder: _Folder) -> None:
    document = {
        "uid_validity": folder.uid_validity,
        "uid_next": folder.uid_next,
        "messages": [
            [m.uid, sorted(m.flags), m.internal_date.isoformat(), m.size]
            for m in (folder.messages[uid] for uid in sorted(folder.messages))
        ],
    }
    try:
        folder.path.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = folder.path / (INDEX_FILE + ".tmp")
        temporary.write_text(json.dumps(document), "utf-8")
        os.replace(temporary, folder.path / INDEX_FILE)
    except OSError as exc:
        raise MailboxError("Index de dossier impossible à écrire.", detail=str(exc)) from exc
