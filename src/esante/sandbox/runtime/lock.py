"""One running process per directory: an exclusive ``flock`` on a lock file holding its pid.

A second ``esante sandbox start`` (or ``esante demo``) on the same directory used to start
anyway: it took other ports, overwrote ``sandbox.json`` and removed it when it stopped,
while the first still ran. :class:`ProcessLock` lets the second one see the first and
refuse. The lock is the kernel's (``fcntl.flock``): it belongs to the open file and goes
with the process, so a process killed with ``kill -9`` or a crash frees it at once, and
a lock file left behind with a dead pid in it is no obstacle. The pid is written in the
file only to tell the user which process holds it. The file is never removed (removing it
while another process has it open would let two processes lock two different files).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

__all__ = ["ProcessLock"]


class ProcessLock:
    """An exclusive, non-blocking lock on ``path`` for the life of this process.

    Not reentrant: a second :class:`ProcessLock` on the same file in the same process is
    refused too (flock locks belong to open files, not to processes).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> bool:
        """Take the lock and write our pid in the file; False when another holds it."""
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        self._fd = fd
        return True

    def holder(self) -> int | None:
        """The pid written by the process that holds (or last held) the lock, if any."""
        try:
            text = self.path.read_text("ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None
        return int(text) if text.isdigit() else None

    def release(self) -> None:
        """Let go of the lock (the file stays, emptied); nothing when not held."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
