"""One process per directory: the lock is exclusive, names its holder, and dies with it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from esante.sandbox.runtime.lock import ProcessLock

HOLDER = """
import sys, time
from pathlib import Path
from esante.sandbox.runtime.lock import ProcessLock
lock = ProcessLock(Path(sys.argv[1]))
print("tenu" if lock.acquire() else "refusé", flush=True)
sys.stdin.read()  # until the test closes stdin or kills this process
"""


def test_a_second_lock_is_refused_and_names_the_holder(tmp_path: Path) -> None:
    first, second = ProcessLock(tmp_path / "x.lock"), ProcessLock(tmp_path / "x.lock")
    assert first.acquire()
    assert not second.acquire()
    assert second.holder() == os.getpid()
    first.release()
    assert second.acquire()
    second.release()


def test_a_stale_lock_file_with_a_dead_pid_is_no_obstacle(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    path.write_text("999999999\n", "ascii")  # left by a crash: no process holds the flock
    lock = ProcessLock(path)
    assert lock.acquire()
    assert lock.holder() == os.getpid()
    lock.release()


def test_a_killed_holder_frees_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "tenu"
        mine = ProcessLock(path)
        assert not mine.acquire()
        assert mine.holder() == child.pid
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
        assert mine.acquire()
        mine.release()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=60)
        for stream in (child.stdin, child.stdout):
            if stream is not None:
                stream.close()
