"""A running sandbox operator and a practice database with the demo data, for the inbox tests.

The sandbox is started once per test process (no demo DMPs, no patient page). The
operator's automatic acknowledgements are switched off for the mailboxes the tests
deliver to, so that every MDN the senders receive is the one esante wrote. Each test uses
its own receiving mailbox, so that messages a test leaves in an INBOX (refused, unknown
patient) do not show up in another test's fetch.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from esante.practice import load_demo
from esante.sandbox.runtime import RunningSandbox, SandboxOptions, start_sandbox
from esante.store import make_engine, session_factory
from tests.integration.mss_inbox import world


@pytest.fixture(scope="session")
def inbox_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    directory = tmp_path_factory.mktemp("mss-inbox-sandbox")
    options = SandboxOptions(directory=directory, seed_demo=False, mes=False)
    with start_sandbox(options) as running:
        assert running.mss is not None
        for address in world.RECEIVERS:
            running.mss.operator.set_auto_mdn(False, address)
        yield running


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on a migrated database holding the demo structures, practitioners, patients."""
    engine = make_engine(db_url)
    factory = session_factory(engine)
    with factory() as session:
        load_demo(session, world.PEOPLE)
        session.commit()
    yield factory
    engine.dispose()
