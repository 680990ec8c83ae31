"""What every benchmark script needs: percentiles, peak memory, temporary PostgreSQL
databases, stopping a server process. Imported by the scripts of ``bench/`` (run as
``python bench/<name>.py``, so this directory is on ``sys.path``)."""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def peak_rss_mb() -> float:
    """This process's maximum resident memory so far (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def process_peak_mb(pid: int) -> float | None:
    """Another process's maximum resident memory (VmHWM, MB); ``None`` once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def children_of(pid: int) -> list[int]:
    """Direct child processes of ``pid`` (a sandbox's extra server processes)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError):
            for line in status.read_text().splitlines():
                if line.startswith("PPid:"):
                    if int(line.split()[1]) == pid:
                        found.append(int(status.parent.name))
                    break
    return found


@contextmanager
def pg_database(label: str, prefix: str = "esante_bench") -> Iterator[str | None]:
    """A temporary PostgreSQL database URL, dropped afterwards (``None`` when the server —
    ``ESANTE_TEST_PG_URL``, default :data:`PG_DEFAULT` — is unreachable)."""
    import psycopg
    from sqlalchemy.engine import make_url

    server = make_url(
        os.environ.get("ESANTE_TEST_PG_URL", PG_DEFAULT).replace("postgresql+psycopg", "postgresql")
    )
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"{prefix}_{label}_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        print(f"  PostgreSQL unreachable ({exc}); skipped")
        yield None
        return
    try:
        yield server.set(drivername="postgresql+psycopg", database=name).render_as_string(
            hide_password=False
        )
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def stop_process(process: subprocess.Popen[str], name: str) -> None:
    """SIGTERM, then SIGKILL if it has not stopped within 60 s; a slow stop is said."""
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        print(f"  note: the {name} did not stop within 60 s of SIGTERM; killed")
        process.kill()
        process.wait()
        return
    if time.monotonic() - started > 10:
        print(f"  note: the {name} took {time.monotonic() - started:.0f} s to stop")
