"""A worker process for the crash test (``python -m tests.integration.feeding.crash_worker``).

It runs the real worker (:func:`esante.cli._worker_setup.build_worker`) on a practice
database against the sandbox DMP of a directory, one order at a time. With
``--die-in-window`` it SIGKILLs its own process in the worst place: after the DMP
answered the first order it handled and before the outcome is recorded, using the
worker's own ``after_handle`` hook (no fault point in esante itself). It writes the
order's id to ``--kill-log`` first, so that the test knows which order was caught in
the window. It touches ``--ready`` once the worker is built, and stops on SIGTERM.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
from pathlib import Path

from esante.cli._worker_setup import build_worker
from esante.outbox import ClaimedOrder, Outcome, RetryPolicy


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--sandbox", required=True)
    parser.add_argument("--worker-id", required=True)
    parser.add_argument("--ready", required=True)
    parser.add_argument("--lease", type=float, required=True)
    parser.add_argument("--die-in-window", action="store_true")
    parser.add_argument("--kill-log")
    args = parser.parse_args()

    def die_in_window(order: ClaimedOrder, outcome: Outcome) -> None:
        """The DMP has answered ``outcome``; the order is not recorded yet: die here."""
        Path(args.kill_log).write_text(f"{order.id} {type(outcome).__name__}\n")
        os.kill(os.getpid(), signal.SIGKILL)

    setup = build_worker(
        args.database_url,
        Path(args.sandbox),
        credentials=("structure:*",),
        policy=RetryPolicy(base_s=0.05, cap_s=0.5, lease_s=args.lease),
        worker_id=args.worker_id,
        idle_sleep_s=0.05,
        after_handle=die_in_window if args.die_in_window else None,
        batch=1,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    Path(args.ready).touch()
    try:
        setup.worker.run(stop)
    finally:
        setup.close()


if __name__ == "__main__":
    main()
