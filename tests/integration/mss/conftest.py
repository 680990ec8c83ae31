"""A running sandbox for the MSSanté end-to-end tests: SMTP and IMAP on loopback, real TLS.

Started once per test session (no demo DMPs, no patient page: the MSSanté operator is
what these tests need), with a small message size limit so that the limit can be tested
without megabytes. Tests share its mailboxes and tell their messages apart by a unique
subject (:func:`tests.integration.mss.world.subject`).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from esante.sandbox.runtime import RunningSandbox, SandboxOptions, start_sandbox
from esante.sandbox.runtime.manifest import MssService

MAX_MESSAGE_BYTES = 64 * 1024


@pytest.fixture(scope="session")
def mss_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    directory = tmp_path_factory.mktemp("mss-sandbox")
    options = SandboxOptions(
        directory=directory, seed_demo=False, mes=False, mss_max_message_bytes=MAX_MESSAGE_BYTES
    )
    with start_sandbox(options) as running:
        yield running


@pytest.fixture(scope="session")
def mss(mss_sandbox: RunningSandbox) -> MssService:
    assert mss_sandbox.manifest.mss is not None
    return mss_sandbox.manifest.mss
