"""Anchoring the access trace outside the database: keyed checkpoints in a journal file.

Why: the hash chain (:mod:`esante.audit.chain`) proves the records hang together, not
that they are the records written. Whoever can write to the database can rewrite the
tail and the head row, wipe both tables, or edit a record and rehash everything after
it: the chain still holds. The trace is evidence that must be kept and exported intact
(``dmp-exigences.md``, EX_AIR-070/090/100/120: every DMP request traced with user and
structure, kept, exportable), so it is anchored where the database cannot reach.

How: a **checkpoint** is the pair (sequence, hash) of the chain's last record after a
commit, written as one JSON line to an append-only journal
``$ESANTE_HOME/audit/<database>.anchor`` (mode 0600, directory 0700) and sealed with an
HMAC-SHA256 under a key kept next to it (``$ESANTE_HOME/audit/anchor.key``, 32 random
bytes generated at first use, 0600, never in the database). Each line's MAC also covers
the previous line's MAC, so lines cannot be forged, edited, reordered or removed from
the middle without the key. Since a record's hash covers every record before it, the
highest checkpoint (sequence ``M``, hash ``H``) vouches for records 1..M: ``verify``
fails when record ``M`` is missing or hashes otherwise (tail rewritten, table wiped,
edit followed by a full rehash), when the journal was tampered with, or when the key
or journal disappeared while the other remains.

When: after the commit that made the records durable (a ``Session`` ``after_commit``
hook, for engines registered with :func:`anchor_engine`), and after each successful
``esante audit verify`` (which anchors the head it verified). Writing after the commit
means a crash can only lose the last checkpoints (the table is then *ahead* of the
journal: normal, those records are protected by the chain alone until the next
checkpoint). A checkpoint *ahead* of the table can only mean committed records are
gone: deleted, or lost by the database (a restore from backup, a commit acknowledged but
not made durable). ``verify`` never accepts it silently: it fails naming the missing
sequence numbers and when they were attested; the operator explains it (restore report)
and, once explained, starts a new journal with ``esante audit ancrer --nouveau-journal``,
which keeps the old one aside (renamed, never deleted).

Concurrency: writers (console, workers, CLI) append lines under an exclusive
``fcntl.flock`` on the journal; their checkpoints may land out of order (the highest
counts). A write failure (disk full, permissions) is logged without patient data and
never fails the already-committed action: the records stay chained and are anchored by
the next checkpoint.

What this does not stop: someone who can read the key (the account running esante)
can forge checkpoints. Keep ``$ESANTE_HOME`` readable only by that account and copy the
journal elsewhere (backups, a WORM store) for a stronger anchor.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import logging
import os
import secrets
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from esante.audit.errors import AuditError

log = logging.getLogger(__name__)

KEY_NAME = "anchor.key"
KEY_BYTES = 32
MAX_LINE = 4096
"""Longest journal line read (a checkpoint line is about 250 bytes)."""
_PENDING = "esante.audit.pending_checkpoint"
_START = "0" * 64
"""The ``prev`` MAC of a journal's first line."""


def database_id(engine: Engine) -> str:
    """The journal's name for this database: a digest of its URL, password hidden."""
    url = engine.url.render_as_string(hide_password=True)
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """One journal line: the chain's last ``sequence`` and ``hash`` at ``at`` (UTC)."""

    sequence: int
    hash: str
    at: datetime
    line: int


@dataclass(frozen=True, slots=True)
class JournalState:
    """What the journal attests: its highest checkpoint, or why it cannot be trusted.

    ``present``: the key or the journal exists (anchoring was ever used). ``problem``:
    French, for people, with ``detail`` technical; ``None`` when the journal is sound.
    """

    present: bool
    highest: Checkpoint | None
    lines: int
    problem: str | None = None
    detail: str | None = None


class Anchor:
    """The key and journal of one database under one data directory."""

    def __init__(self, directory: Path, database: str) -> None:
        self.directory = directory
        self.key_path = directory / KEY_NAME
        self.journal = directory / f"{database}.anchor"
        self._write_key: bytes | None = None
        self._tail: tuple[int, int, int, str] | None = None
        """(device, inode, size, MAC) of the journal as this writer left it."""

    @classmethod
    def for_engine(cls, engine: Engine, home: Path) -> Anchor:
        return cls(home / "audit", database_id(engine))

    # ---------------------------------------------------------------- key
    def _key(self, *, create: bool) -> bytes | None:
        """The key; with ``create``, made at first use.

        Made whole before it appears: written to a private temporary file, then linked
        under its name (``link`` fails if a concurrent writer's key got there first, and
        that one is used). A writer never reads a key file another is still writing, so
        never seals a line with a truncated key.
        """
        try:
            text = self.key_path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            if not create:
                return None
        else:
            try:
                key = bytes.fromhex(text)
            except ValueError as exc:
                raise _unreadable(self.key_path, str(exc)) from exc
            if len(key) != KEY_BYTES:
                raise _unreadable(self.key_path, f"{len(key)} bytes, not {KEY_BYTES}")
            return key
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = secrets.token_bytes(KEY_BYTES)
        partial = self.directory / f".{KEY_NAME}.{secrets.token_hex(8)}"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as stream:
                stream.write(key.hex() + "\n")
                stream.flush()
                os.fsync(stream.fileno())
            try:
                os.link(partial, self.key_path)
            except FileExistsError:  # another writer's key is in place: use it
                return self._key(create=False)
        finally:
            partial.unlink(missing_ok=True)
        return key

    @staticmethod
    def _mac(key: bytes, sequence: int, digest: str, at: str, prev: str) -> str:
        message = f"{sequence}|{digest}|{at}|{prev}".encode("ascii")
        return hmac.new(key, message, hashlib.sha256).hexdigest()

    # ---------------------------------------------------------------- write
    def write(self, sequence: int, digest: str, at: datetime | None = None) -> None:
        """Append a checkpoint (sequence, hash) sealed with the key (created if absent).

        Called after every commit that appended to the trace, so it is kept cheap: the
        key is read once per :class:`Anchor` (the writer's; :meth:`read` always reads
        the file), and the previous line's MAC is taken from memory when the journal is
        exactly as this writer left it (same file, same size, under the lock) instead
        of re-reading its tail.
        """
        key = self._write_key
        if key is None:
            key = self._key(create=True)
            assert key is not None
            self._write_key = key
        stamp = (at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="microseconds")
        fd = os.open(self.journal, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            info = os.fstat(fd)
            tail = self._tail
            if tail is not None and tail[:3] == (info.st_dev, info.st_ino, info.st_size):
                prev = tail[3]
            else:
                prev = _last_mac(fd, info.st_size)
            mac = self._mac(key, sequence, digest, stamp, prev)
            line = json.dumps(
                {"sequence": sequence, "hash": digest, "at": stamp, "prev": prev, "mac": mac},
                separators=(",", ":"),
            )
            data = (line + "\n").encode("ascii")
            written = os.write(fd, data)
            self._tail = (
                (info.st_dev, info.st_ino, info.st_size + written, mac)
                if written == len(data)
                else None
            )
        finally:
            os.close(fd)

    # ---------------------------------------------------------------- read
    def read(self) -> JournalState:
        """Check every line of the journal; return its highest checkpoint.

        A last line without its newline is a write torn by a crash and is ignored.
        """
        key = self._key(create=False)
        exists = self.journal.exists()
        if key is None and not exists:
            return JournalState(False, None, 0)
        if key is None:
            return JournalState(
                True,
                None,
                0,
                "la clé d'ancrage a disparu alors que le journal d'ancrage existe.",
                f"{self.key_path} missing",
            )
        if not exists:
            return JournalState(
                True,
                None,
                0,
                "le journal d'ancrage a disparu alors que sa clé existe.",
                f"{self.journal} missing",
            )
        highest: Checkpoint | None = None
        prev = _START
        count = 0
        for number, raw, complete in _journal_lines(self.journal):
            if not complete:
                break
            try:
                item = json.loads(raw)
                sequence = int(item["sequence"])
                digest = str(item["hash"])
                stamp = str(item["at"])
                at = datetime.fromisoformat(stamp)
                ok = item["prev"] == prev and hmac.compare_digest(
                    str(item["mac"]), self._mac(key, sequence, digest, stamp, prev)
                )
            except (ValueError, KeyError, TypeError):
                ok = False
            if not ok:
                return JournalState(
                    True,
                    highest,
                    count,
                    f"le journal d'ancrage a été modifié (ligne {number}).",
                    f"{self.journal}: line {number} fails its MAC or its link",
                )
            prev = str(item["mac"])
            count += 1
            if highest is None or sequence > highest.sequence:
                highest = Checkpoint(sequence, digest, at, number)
        return JournalState(True, highest, count)

    def start_new_journal(self) -> Path | None:
        """Set the current journal aside (renamed with the time, kept); return its new name."""
        if not self.journal.exists():
            return None
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        kept = self.journal.with_name(f"{self.journal.name}.{stamp}")
        os.replace(self.journal, kept)
        return kept


def _unreadable(path: Path, why: str) -> AuditError:
    return AuditError(
        "Clé d'ancrage de la trace illisible.", detail=f"{path}: {why}", field="ESANTE_HOME"
    )


def _last_mac(fd: int, size: int) -> str:
    """The MAC of the journal's last complete line (``fd`` locked, ``size`` bytes long),
    or the start value."""
    if size == 0:
        return _START
    start = max(0, size - MAX_LINE)
    tail = os.pread(fd, size - start, start)
    lines = tail.split(b"\n")
    # lines[-1] is b"" after a complete line, or a torn write: skip it either way
    for raw in reversed(lines[:-1]):
        if raw:
            with contextlib.suppress(ValueError, KeyError, TypeError):
                return str(json.loads(raw)["mac"])
            break
    return _START


def _journal_lines(path: Path) -> Iterator[tuple[int, str, bool]]:
    """(line number, text, ends with a newline), bounded by :data:`MAX_LINE`."""
    with path.open("rb") as stream:
        number = 0
        while True:
            raw = stream.readline(MAX_LINE + 1)
            if not raw:
                return
            number += 1
            complete = raw.endswith(b"\n")
            if len(raw) > MAX_LINE:
                yield number, "", True  # fails the check: far too long to be ours
                return
            yield number, raw.decode("ascii", errors="replace").rstrip("\n"), complete


# ------------------------------------------------------------------ the commit hook

_ANCHORS: weakref.WeakKeyDictionary[Engine, Anchor] = weakref.WeakKeyDictionary()


def anchor_engine(engine: Engine, home: Path) -> Anchor:
    """Write a checkpoint after every commit that appended to the trace through ``engine``.

    Call it where the engine is made (CLI, service, worker), with the data directory.
    Returns the :class:`Anchor` (``verify`` reads it).
    """
    anchor = Anchor.for_engine(engine, home)
    _ANCHORS[engine] = anchor
    return anchor


def note_append(session: Session, sequence: int, digest: str) -> None:
    """Remember the chain's new last record until the session commits (see the hook)."""
    pending = session.info.get(_PENDING)
    if pending is None or sequence > pending[0]:
        session.info[_PENDING] = (sequence, digest)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending is None:
        return
    try:
        bind = session.get_bind()
    except Exception:  # pragma: no cover - a session that committed has a bind
        return
    engine = bind if isinstance(bind, Engine) else bind.engine
    anchor = _ANCHORS.get(engine)
    if anchor is None:
        return
    try:
        anchor.write(*pending)
    except (OSError, AuditError) as exc:
        # the action is committed: never fail it; the next checkpoint anchors these records
        log.warning("audit checkpoint not written: %s", type(exc).__name__)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
