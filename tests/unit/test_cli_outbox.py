"""`esante outbox` acts through ``practice.orders``, on SQLite and PostgreSQL: who acts
(``--ps``, or the local operator of ``--structure``), what each may do, the history and the
trace naming them with origin ``cli`` (issue 12 items 4 and 6).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from esante.cli.main import app
from esante.demo import demo_dataset
from esante.outbox import NewOrder, create_order
from esante.practice import load_demo
from esante.store import (
    AuditRecord,
    Patient,
    SendOrder,
    Structure,
    make_engine,
    session_factory,
)

GP = demo_dataset().practitioner("generaliste").id_nat_ps


class Cli:
    def __init__(self, db_url: str, home: Path) -> None:
        self.db_url = db_url
        self.env = {"ESANTE_HOME": str(home), "ESANTE_DATABASE_URL": db_url}
        self.start = self.head()

    def head(self) -> int:
        engine = make_engine(self.db_url)
        with session_factory(engine)() as session:
            head = session.scalar(select(func.max(AuditRecord.sequence))) or 0
        engine.dispose()
        return int(head)

    def run(self, *args: str) -> tuple[int, str]:
        result = CliRunner().invoke(app, ["outbox", *args], env=self.env)
        return result.exit_code, result.output

    def trace(self, after: int | None = None) -> list[AuditRecord]:
        """The trace written since the fixture (the demo's loading is traced too)."""
        after = self.start if after is None else after
        engine = make_engine(self.db_url)
        with session_factory(engine)() as session:
            rows = list(
                session.scalars(
                    select(AuditRecord)
                    .where(AuditRecord.sequence > after, AuditRecord.channel == "dossier")
                    .order_by(AuditRecord.sequence)
                )
            )
            session.expunge_all()
        engine.dispose()
        return rows

    def history(self, order_id: int) -> list[tuple[str, str | None]]:
        engine = make_engine(self.db_url)
        with session_factory(engine)() as session:
            order = session.get_one(SendOrder, order_id)
            events = [(e.to_state, e.by) for e in order.events]
        engine.dispose()
        return events


@pytest.fixture
def cli(db_url: str, tmp_path: Path) -> tuple[Cli, list[int]]:
    """The demo people, and two orders of the demo GP's structure (the cabinet)."""
    data = demo_dataset()
    engine = make_engine(db_url)
    made = []
    with session_factory(engine)() as session:
        load_demo(session, data)
        cabinet = session.scalars(
            select(Structure.id).where(
                Structure.id_nat_struct == data.structure("cabinet").id_nat_struct
            )
        ).one()
        lola = session.scalars(
            select(Patient.id).where(Patient.local_id == data.patient("lola").local_id)
        ).one()
        for n in range(2):
            order = create_order(
                session,
                NewOrder(
                    kind="dmp_submit",
                    idempotency_key=f"dmp:1.2.250.1.999.{n}",
                    patient_id=lola,
                    structure_id=cabinet,
                    credential="structure:" + data.structure("cabinet").id_nat_struct,
                    authentication_mode="indirecte",
                ),
                by=GP,
            )
            made.append(order.id)
        session.commit()
    engine.dispose()
    return Cli(db_url, tmp_path), made


def test_the_ps_professional_acts_and_is_named_with_origin_cli(cli: tuple[Cli, list[int]]) -> None:
    runner, (first, second) = cli
    code, out = runner.run("block", str(first), "--par", GP, "--motif", "À relire")
    assert code == 0, out
    code, out = runner.run("now", str(second), "--ps", "generaliste")
    assert code == 0, out
    assert runner.history(first)[-1] == ("blocked", GP)
    assert runner.history(second)[-1] == ("due", GP)
    traced = runner.trace()
    assert [(r.action, r.actor_id, r.origin, r.outcome) for r in traced] == [
        ("orders:block", GP, "cli", "success"),
        ("orders:send_now", GP, "cli", "success"),
    ]
    code, out = runner.run("show", str(first), "--ps", GP[1:])  # an RPPS works too
    assert code == 0, out
    assert f"bloqué par {GP} — À relire" in out
    assert runner.trace()[-1].action == "orders:read"


def test_the_local_operator_reads_and_holds_but_never_releases(
    cli: tuple[Cli, list[int]],
) -> None:
    runner, (first, second) = cli
    code, out = runner.run("list", "--json")
    assert code == 0, out
    assert sorted(o["id"] for o in json.loads(out)["ordres"]) == [first, second]
    [page_first, page_second] = runner.trace()
    assert (page_first.action, page_first.actor_id, page_first.actor_role) == (
        "orders:list",
        "operateur-local",
        "secretaire",
    )
    assert page_second.origin == "cli"
    assert runner.run("block", str(first))[0] == 0
    assert runner.history(first)[-1] == ("blocked", "operateur-local")
    for action in ("unblock", "cancel"):
        code, out = runner.run(action, str(first))
        assert code == 1
        assert "Votre rôle ne permet pas de débloquer, envoyer, relancer ou annuler" in out
    code, out = runner.run("now", str(second))
    assert code == 1
    assert runner.history(second)[-1][0] == "scheduled"
    assert [r.outcome for r in runner.trace()[-3:]] == ["refused"] * 3


def test_another_structure_and_unknown_people_are_refused(cli: tuple[Cli, list[int]]) -> None:
    runner, (first, _) = cli
    msp = demo_dataset().structure("msp").id_nat_struct
    code, out = runner.run("list", "--structure", msp, "--json")
    assert code == 0, out
    assert json.loads(out)["ordres"] == []
    code, out = runner.run("show", str(first), "--ps", "generaliste-2")  # the MSP's GP
    assert code == 1
    assert "Cet envoi relève d'une autre structure que la vôtre." in out
    code, out = runner.run("block", str(first), "--par", "secretariat")  # a free-text name
    assert code == 1
    assert "Professionnel inconnu : « secretariat »" in out
    code, out = runner.run("list", "--structure", "999")
    assert code == 1
    assert "Aucune structure « 999 »" in out
    code, out = runner.run("list", "--ps", "generaliste", "--structure", msp)
    assert code == 1
    assert "--structure ne s'emploie pas avec --ps" in out
    assert runner.history(first) == [("scheduled", GP)]
