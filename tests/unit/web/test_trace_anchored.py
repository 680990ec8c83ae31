"""The service's trace is anchored outside its database (issue 12 item 6).

The REST service traces every access to patient data; those records must be sealed in
the checkpoint journal of ``$ESANTE_HOME/audit`` like the CLI's, or wiping the trace
table of the service's database would pass ``esante audit verify``. SQLite and
PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from esante.audit import Anchor, BreakKind, verify_chain
from esante.config import Settings
from tests.unit.web.conftest import open_client


def test_reads_through_the_service_are_sealed_and_a_wipe_is_found(
    db_url: str, tmp_path: Path
) -> None:
    client = open_client(Settings(home=tmp_path, database_url=db_url))
    try:
        for _ in range(3):
            assert client.get("/api/patients").status_code == 200
        engine = client.app.state.engine
        anchor = Anchor.for_engine(engine, tmp_path)
        state = anchor.read()
        assert state.problem is None
        assert state.highest is not None
        assert state.highest.sequence >= 3
        with client.app.state.session_factory() as session:
            assert verify_chain(session, anchor=anchor).ok
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM audit_record"))
            connection.execute(text("DELETE FROM audit_chain_head"))
        with client.app.state.session_factory() as session:
            assert verify_chain(session).ok  # the chain alone is fooled
            report = verify_chain(session, anchor=anchor)
        assert report.problem is not None, "a wiped trace passed"
        assert (report.problem.kind, report.problem.sequence) == (BreakKind.TRUNCATED, 1)
    finally:
        client.close()
