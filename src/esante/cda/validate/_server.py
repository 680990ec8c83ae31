"""A local validation server: keep the compiled kit alive between commands.

A fresh process spends most of its first validation compiling the kit's stylesheets
(SaxonC-HE cannot export a compiled stylesheet: SEF export is a Saxon-EE feature, checked
with saxonche 13.1). ``esante cda validate`` therefore asks a long-running process, the
way ``dmypy`` does: the first command starts it, later commands reuse its compiled
stylesheets and only pay their own start-up.

* **Where**: a Unix socket ``$ESANTE_HOME/run/vs-<key>.sock`` in a directory only
  the user can enter (0700); ``key`` hashes the kit root, the disk-cache directory and
  the source of this package, so a server never answers for another kit, cache or
  version of esante. The server also refuses any peer whose user id is not its own
  (``SO_PEERCRED``).
* **Protocol** (version 1): frames of a 4-byte big-endian length then UTF-8 JSON. The
  client sends ``{"v": 1, "path": "/abs/doc.xml", "dmp": false}`` (or, for a document
  held in memory, ``"document"``: its bytes in base64 and ``"source"``: its name, instead
  of ``"path"``) and receives
  ``{"report": {…}}`` (:meth:`ValidationReport.to_dict`) or ``{"error": {"type",
  "message", "detail", "field"}}``; several requests may share one connection. The
  server reads the document itself (same user), so the verdict is the one
  :meth:`Validator.validate` gives on that path. Frames are bounded (:data:`MAX_FRAME`).
* **Kit changes**: before each request the server compares a fingerprint of the kit
  (:func:`kit_fingerprint`) with the one of its validator; when it differs it builds a
  new :class:`Validator` (the disk cache is keyed by content hashes). Nothing is ever
  written into the kit directory.
* **One request at a time**: one thread and one validator answer the open connections'
  requests in turn (a request is answered before the next is read), so two commands
  interleave their documents and there is one compiled copy of the kit, whatever the
  number of clients; a client silent for :data:`CLIENT_SILENCE` is dropped.
* **Who**: the socket is created 0600 in a 0700 directory; the server answers only
  peers of its own user id and the client talks only to a server of its own user id
  (``SO_PEERCRED`` both ways). A socket left by a server that died is replaced by the
  next server (nothing listens on it: the client starts one).
* **Idle shutdown** after :data:`IDLE_SECONDS` without a connection; a lock file makes
  sure one server runs per key.

Commands must work without it: :func:`connect` returns None when no server can be
reached or started, and the caller validates in its own process.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import fcntl
import hashlib
import json
import os
import selectors
import signal
import socket
import struct
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from esante.cda.validate._kit import Kit, default_cache_dir
from esante.cda.validate._report import ValidationReport
from esante.cda.validate.errors import (
    CdaValidationError,
    InvalidDocumentError,
    KitError,
    ServerUnavailableError,
)
from esante.config import load_settings
from esante.errors import EsanteError

if TYPE_CHECKING:  # a client does not load the engine (saxonche, the compiler)
    from esante.cda.validate._validator import Validator

PROTOCOL = 1
NO_SERVER_ENV = "ESANTE_NO_VALIDATION_SERVER"
"""``1``: commands never use the server (constrained hosts, tests of the in-process path)."""
MAX_FRAME = 80 * 1024 * 1024  # a 50 MB document in base64 (safexml's bound), or its report
IDLE_SECONDS = 900.0
START_TIMEOUT = 30.0  # for the socket to appear; the first answer may take longer
ANSWER_TIMEOUT = 600.0  # an empty disk cache: the kit's pipeline on every profile
CLIENT_SILENCE = 60.0  # a connection silent this long is dropped (others are waiting)
_MAX_SOCKET_PATH = 107  # sun_path is 108 bytes on Linux, with the final NUL
_GONE = "Le serveur de vérification local ne répond plus."
_ERRORS: dict[str, type[CdaValidationError]] = {
    "InvalidDocumentError": InvalidDocumentError,
    "KitError": KitError,
}


def server_disabled() -> bool:
    """Whether ``ESANTE_NO_VALIDATION_SERVER=1`` forbids the server to commands."""
    return os.environ.get(NO_SERVER_ENV) == "1"


def _code_digest() -> str:
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted(here.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def server_key(kit: Kit, cache_dir: Path) -> str:
    """What a server is for: kit root, cache directory, esante's validation code."""
    material = f"{kit.root}\0{cache_dir.resolve()}\0{_code_digest()}"
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def run_dir() -> Path:
    return load_settings().home / "run"


def kit_fingerprint(kit: Kit) -> str:
    """Inode, size, modification and change time of every kit file (~2,300 ``stat`` calls).

    The change time (``st_ctime``) moves on every write and cannot be set back by the
    writer (``touch -d`` / ``cp -p`` restore only the modification time), so an edit
    that keeps a file's size and modification time is still noticed; the new
    :class:`Validator` then finds its stylesheets in the disk cache by content hash.
    """
    digest = hashlib.sha256()
    for folder, dirs, files in os.walk(kit.root):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(folder, name)
            try:
                st = os.stat(path)
            except OSError:
                continue
            stamp = f"{st.st_ino}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}"
            digest.update(f"{path}\0{stamp}\n".encode())
    return digest.hexdigest()


# ------------------------------------------------------------------ framing


def _recv_exact(conn: socket.socket, size: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = conn.recv(min(size - len(chunks), 1 << 20))
        if not chunk:
            raise ConnectionError("connection closed")
        chunks.extend(chunk)
    return bytes(chunks)


def read_frame(conn: socket.socket) -> dict[str, Any] | None:
    """The next JSON object, or None at a clean end of the connection."""
    head = conn.recv(4, socket.MSG_WAITALL)
    if not head:
        return None
    if len(head) != 4:
        raise ConnectionError("truncated frame header")
    (size,) = struct.unpack(">I", head)
    if size > MAX_FRAME:
        raise ValueError(f"frame of {size} bytes exceeds {MAX_FRAME}")
    value = json.loads(_recv_exact(conn, size).decode("utf-8"))
    if not isinstance(value, dict):
        raise ValueError("frame is not a JSON object")
    return value


def write_frame(conn: socket.socket, value: dict[str, Any]) -> None:
    blob = json.dumps(value, ensure_ascii=False).encode("utf-8")
    if len(blob) > MAX_FRAME:
        raise ValueError(f"frame of {len(blob)} bytes exceeds {MAX_FRAME}")
    conn.sendall(struct.pack(">I", len(blob)) + blob)


# ------------------------------------------------------------------ server


def _answer(validator: Validator, request: dict[str, Any]) -> dict[str, Any]:
    path, dmp = request.get("path"), request.get("dmp", False)
    document, source = request.get("document"), request.get("source")
    bad = {"error": {"type": "protocol", "message": "bad request", "detail": None}}
    if request.get("v") != PROTOCOL or not isinstance(dmp, bool):
        return bad
    try:
        if isinstance(path, str) and document is None:
            report = validator.validate(Path(path), dmp=dmp)
        elif isinstance(document, str) and path is None and isinstance(source, str | None):
            data = base64.b64decode(document, validate=True)
            report = validator.validate(data, source=source, dmp=dmp)
        else:
            return bad
    except binascii.Error:
        return bad
    except EsanteError as exc:
        kind = type(exc).__name__ if type(exc).__name__ in _ERRORS else "InvalidDocumentError"
        return {
            "error": {
                "type": kind,
                "message": exc.message,
                "detail": exc.detail,
                "field": path if isinstance(path, str) else source,
            }
        }
    return {"report": report.to_dict()}


def _new_validator(kit: Kit, cache_dir: Path) -> Validator:
    from esante.cda.validate._validator import Validator  # the server side only

    return Validator(kit, cache_dir=cache_dir)


def _peer_is_me(conn: socket.socket) -> bool:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return bool(uid == os.getuid())


def serve(kit_root: Path, cache_dir: Path, *, idle_seconds: float = IDLE_SECONDS) -> int:
    """Run the server until idle; 0 also when another server already holds the key."""
    kit = Kit.locate(kit_root)
    key = server_key(kit, cache_dir)
    folder = run_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    lock = os.open(folder / f"vs-{key}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return 0  # another server for this key is running
    sock_path = folder / f"vs-{key}.sock"
    sock_path.unlink(missing_ok=True)
    validator = _new_validator(kit, cache_dir)
    fingerprint = kit_fingerprint(kit)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_umask = os.umask(0o177)
    try:
        listener.bind(str(sock_path))
    finally:
        os.umask(old_umask)
    listener.listen(16)
    listener.setblocking(False)
    try:
        _serve_loop(listener, kit, cache_dir, validator, fingerprint, idle_seconds)
    finally:
        listener.close()
        sock_path.unlink(missing_ok=True)
        os.close(lock)
    return 0


def _serve_loop(
    listener: socket.socket,
    kit: Kit,
    cache_dir: Path,
    validator: Validator,
    fingerprint: str,
    idle_seconds: float,
) -> None:
    """Answer requests, one at a time, from every open connection in turn.

    One thread and one validator: a request is answered before the next is read, so two
    commands interleave their documents (neither waits for the other to finish its batch)
    and there is never a second compiled copy of the kit.
    """
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    last_seen: dict[socket.socket, float] = {}  # open connections: last request
    idle_since = [time.monotonic()]  # when the last connection closed

    def drop(conn: socket.socket) -> None:
        selector.unregister(conn)
        last_seen.pop(conn, None)
        conn.close()
        if not last_seen:
            idle_since[0] = time.monotonic()

    while True:
        now = time.monotonic()
        if not last_seen and now - idle_since[0] >= idle_seconds:
            return
        wait = CLIENT_SILENCE if last_seen else idle_seconds - (now - idle_since[0])
        for key, _ in selector.select(timeout=max(wait, 0.0)):
            if key.fileobj is listener:
                with contextlib.suppress(BlockingIOError, InterruptedError):
                    accepted, _ = listener.accept()
                    if not _peer_is_me(accepted):
                        accepted.close()
                        continue
                    accepted.settimeout(CLIENT_SILENCE)  # blocking, bounded
                    selector.register(accepted, selectors.EVENT_READ)
                    last_seen[accepted] = time.monotonic()
                continue
            conn = key.fileobj
            if not isinstance(conn, socket.socket):  # only sockets are registered
                continue
            try:
                request = read_frame(conn)
                if request is None:
                    drop(conn)
                    continue
                current = kit_fingerprint(kit)
                if current != fingerprint:
                    validator, fingerprint = _new_validator(kit, cache_dir), current
                write_frame(conn, _answer(validator, request))
                last_seen[conn] = time.monotonic()
            except (OSError, ValueError, UnicodeDecodeError):
                drop(conn)
        now = time.monotonic()
        for conn, seen in list(last_seen.items()):
            if now - seen > CLIENT_SILENCE:
                drop(conn)


# ------------------------------------------------------------------ client


class ValidationClient:
    """A connection to the validation server (use as a context manager)."""

    def __init__(self, conn: socket.socket) -> None:
        self._conn = conn

    def validate(
        self, data: Path | bytes, *, source: str | None = None, dmp: bool = False
    ) -> ValidationReport:
        """The server's report on ``data``, as :meth:`Validator.validate` gives it.

        A path is read by the server (same user); bytes travel in the request (base64),
        for a process that holds the document in memory (``esante feed``).

        Raises :class:`InvalidDocumentError` / :class:`KitError` as the validator does,
        and :class:`ServerUnavailableError` when the server cannot answer.
        """
        request: dict[str, Any] = {"v": PROTOCOL, "dmp": dmp}
        if isinstance(data, Path):
            request["path"] = str(data.resolve())
        else:
            request["document"] = base64.b64encode(data).decode("ascii")
            request["source"] = source
        try:
            write_frame(self._conn, request)
            answer = read_frame(self._conn)
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            raise ServerUnavailableError(_GONE, detail=str(exc)) from exc
        if answer is None:
            raise ServerUnavailableError(_GONE, detail="the server closed the connection")
        report = answer.get("report")
        if isinstance(report, dict):
            try:
                return ValidationReport.from_dict(report)
            except (KeyError, TypeError, ValueError) as exc:
                raise ServerUnavailableError(_GONE, detail=f"unreadable report: {exc}") from exc
        error = answer.get("error")
        if isinstance(error, dict) and error.get("type") in _ERRORS:
            raise _ERRORS[error["type"]](
                str(error.get("message")), detail=error.get("detail"), field=error.get("field")
            )
        raise ServerUnavailableError(_GONE, detail=f"unexpected answer: {str(answer)[:200]}")

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> ValidationClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _try_connect(sock_path: Path) -> socket.socket | None:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(str(sock_path))
        if not _peer_is_me(conn):  # never send paths to another user's process
            raise ConnectionRefusedError("server of another user")
    except OSError:
        conn.close()
        return None
    conn.settimeout(ANSWER_TIMEOUT)
    return conn


def connect(
    kit: Path | str | None = None,
    *,
    cache_dir: Path | None = None,
    start: bool = True,
    idle_seconds: float = IDLE_SECONDS,
) -> ValidationClient | None:
    """A client of the server for ``kit`` and ``cache_dir``; starts one when ``start``.

    Returns None when no server runs and none can be started (the caller then
    validates in its own process). Raises :class:`KitError` when the kit is unusable.
    """
    located = Kit.locate(kit)
    cache = cache_dir if cache_dir is not None else default_cache_dir()
    try:
        folder = run_dir()
        sock_path = folder / f"vs-{server_key(located, cache)}.sock"
    except OSError:
        return None
    if len(str(sock_path)) > _MAX_SOCKET_PATH:
        return None
    conn = _try_connect(sock_path)
    if conn is None and start:
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(
                folder / "validate-server.log", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600
            )
        except OSError:
            return None
        argv = [
            sys.executable,
            "-c",
            "import sys; from esante.cda.validate._server import main; sys.exit(main())",
            *("--kit", str(located.root), "--cache", str(cache), "--idle", str(idle_seconds)),
        ]
        try:  # a detached process (own session): it outlives this command
            pid = os.posix_spawn(
                sys.executable,
                argv,
                dict(os.environ),
                file_actions=[
                    (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                    (os.POSIX_SPAWN_DUP2, fd, 1),
                    (os.POSIX_SPAWN_DUP2, fd, 2),
                ],
                setsid=True,
            )
        except OSError:
            return None
        finally:
            os.close(fd)
        deadline = time.monotonic() + START_TIMEOUT
        delay = 0.02
        while conn is None and time.monotonic() < deadline:
            conn = _try_connect(sock_path)
            if conn is None:
                done, status = os.waitpid(pid, os.WNOHANG) if pid else (0, 0)
                if done and os.waitstatus_to_exitcode(status) != 0:
                    break  # it could not start (0: another server holds the key)
                pid = 0 if done else pid
                time.sleep(delay)
                delay = min(delay * 1.5, 0.2)
    return None if conn is None else ValidationClient(conn)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="esante validation server (internal)")
    parser.add_argument("--kit", required=True)
    parser.add_argument("--cache", required=True)
    parser.add_argument("--idle", type=float, default=IDLE_SECONDS)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # remove the socket on the way out
    return serve(Path(args.kit), Path(args.cache), idle_seconds=args.idle)


if __name__ == "__main__":
    sys.exit(main())
