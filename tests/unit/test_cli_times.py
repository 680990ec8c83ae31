"""Times a person reads are French civil time, Europe/Paris, and say so; JSON stays UTC.

The clock is pinned on both sides of the spring change of 2026 (29 March, 01:00 UTC:
02:00 CET becomes 03:00 CEST) and of the autumn one (25 October, 01:00 UTC).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from esante.cli._output import paris_time
from esante.cli.main import app
from esante.outbox import NewOrder, block, create_order
from esante.store import Patient, Structure, make_engine, session_factory

BEFORE_SPRING = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
AFTER_SPRING = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("instant", "shown"),
    [
        (BEFORE_SPRING, "29/03/2026 01:30 (heure de Paris)"),
        (AFTER_SPRING, "29/03/2026 03:30 (heure de Paris)"),
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "25/10/2026 02:30 (heure de Paris)"),
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "25/10/2026 02:30 (heure de Paris)"),
        (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "01/01/2027 00:30 (heure de Paris)"),
        (datetime(2026, 12, 6, 9, 42), "06/12/2026 10:42 (heure de Paris)"),  # naive = UTC
    ],
)
def test_paris_time_across_daylight_saving_changes(instant: datetime, shown: str) -> None:
    assert paris_time(instant) == shown


def test_paris_time_with_seconds_or_unstated() -> None:
    moment = datetime(2026, 7, 14, 8, 5, 9, tzinfo=UTC)
    assert paris_time(moment, seconds=True) == "14/07/2026 10:05:09 (heure de Paris)"
    assert paris_time(moment, stated=False) == "14/07/2026 10:05"


def _order_blocked_across_the_change(url: str) -> int:
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            patient = _patient(session)
            # the CLI's local operator acts for a structure (practice.orders)
            session.add(Structure(name="Cabinet", id_nat_struct="31750000001"))
            with time_machine.travel(BEFORE_SPRING, tick=False):
                order = create_order(
                    session,
                    NewOrder(
                        kind="dmp_submit",
                        idempotency_key="dmp:1.2.250.1.999.1",
                        patient_id=patient.id,
                        credential="structure:1750000001",
                        authentication_mode="indirecte",
                        deferral=timedelta(minutes=10),
                    ),
                    by="secretariat",
                )
                session.commit()
            with time_machine.travel(AFTER_SPRING, tick=False):
                block(session, order.id, by="secretariat", reason="à relire")
                session.commit()
            return order.id
    finally:
        engine.dispose()


def _patient(session: Session) -> Patient:
    patient = Patient(
        local_id="IPP-1",
        birth_family_name="MARTIN",
        birth_given_names="Jeanne",
        first_given_name="Jeanne",
        sex="F",
        birth_date=date(1982, 5, 14),
    )
    session.add(patient)
    session.flush()
    return patient


def test_outbox_show_prints_paris_time_and_json_keeps_utc(db_url: str, tmp_path: Path) -> None:
    order_id = _order_blocked_across_the_change(db_url)
    env = {"ESANTE_HOME": str(tmp_path), "ESANTE_DATABASE_URL": db_url}
    runner = CliRunner()

    shown = runner.invoke(app, ["outbox", "show", str(order_id)], env=env)
    assert shown.exit_code == 0, shown.output
    assert "29/03/2026 01:30:00 (heure de Paris) : programmé par secretariat" in shown.output
    assert "29/03/2026 03:30:00 (heure de Paris) : bloqué par secretariat" in shown.output
    assert "Fin du délai d'envoi : 29/03/2026 01:40:00 (heure de Paris)" in shown.output

    data = json.loads(
        runner.invoke(app, ["outbox", "show", str(order_id), "--json"], env=env).output
    )
    assert [e["le"] for e in data["evenements"]] == [
        "2026-03-29T00:30:00+00:00",
        "2026-03-29T01:30:00+00:00",
    ]
    assert data["fin_du_delai"] == "2026-03-29T00:40:00+00:00"
