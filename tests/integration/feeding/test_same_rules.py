"""One "Valider" path: `esante feed` and ``POST /api/patients/{id}/documents`` enforce the
same rules, with the same outcome (issue 11, item 3).

Before, the command line checked the document with the ANS kit itself and the REST API
did not: a CS9 the kit rejects was refused by one and sent to the DMP and the PMI
platform by the other; for a patient with an unqualified INS the command line stored
nothing while REST stored the document. Both now call
:func:`esante.practice.documents.validate_document`, which holds the checks. Each case
goes through both interfaces on the same database (SQLite and PostgreSQL), and the
outcome is compared: the same French refusal and nothing stored, or the same document
with the same held send.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from esante.cda.examples import example_document
from esante.cli.main import app
from esante.demo import demo_dataset
from esante.store import Document, SendOrder, make_engine, session_factory
from tests.conftest import shared_path
from tests.unit.web.test_documents_api import XML, Demo, open_demo


@pytest.fixture(scope="module")
def kit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data directory for the module: the kit's compiled schematrons are cached there
    once, for both interfaces and both backends."""
    return tmp_path_factory.mktemp("same-rules-home")


@pytest.fixture
def kit() -> Path:
    return shared_path("cisis-kit")


@pytest.fixture
def demo(db_url: str, kit_home: Path, kit: Path) -> Iterator[Demo]:
    opened = open_demo(db_url, kit_home, cisis_kit=kit)
    yield opened
    opened.client.close()


def _stored(db_url: str) -> tuple[int, int]:
    engine = make_engine(db_url)
    try:
        with session_factory(engine)() as session:
            return (
                session.scalar(select(func.count(Document.id))) or 0,
                session.scalar(select(func.count(SendOrder.id))) or 0,
            )
    finally:
        engine.dispose()


def _feed(demo: Demo, home: Path, kit: Path, path: Path, patient: str, *options: str) -> Any:
    """`esante feed --json` of ``path`` for ``patient``: (exit code, its one result)."""
    env = {
        "ESANTE_HOME": str(home),
        "ESANTE_DATABASE_URL": demo.db_url,
        "ESANTE_CISIS_KIT": str(kit),
    }
    nir = demo_dataset().patient(patient).nir
    result = CliRunner().invoke(app, ["feed", str(path), "--ins", nir, "--json", *options], env=env)
    (item,) = json.loads(result.stdout)
    return result.exit_code, item


def _post(demo: Demo, patient: str, cda: bytes, **params: Any) -> Any:
    return demo.client.post(
        f"/api/patients/{demo.patients[patient]}/documents",
        content=cda,
        headers=XML,
        params=params,
    )


def test_a_cs9_the_kit_rejects_is_refused_by_both_and_stored_by_neither(
    demo: Demo, db_url: str, kit_home: Path, kit: Path, tmp_path: Path
) -> None:
    good = example_document("cs9", patient="jade").xml
    rejected, removed = re.subn(rb"<languageCode[^>]*/>", b"", good, count=1)
    assert removed == 1
    path = tmp_path / "cs9.xml"
    path.write_bytes(rejected)

    answer = _post(demo, "jade", rejected)
    assert answer.status_code == 422, answer.text
    message = answer.json()["message"]
    assert message.startswith("Document non conforme au kit CI-SIS")
    assert "languageCode" in message
    assert _stored(db_url) == (0, 0)

    code, item = _feed(demo, kit_home, kit, path, "jade")
    assert code == 1
    assert item["erreur"] == message
    assert _stored(db_url) == (0, 0)

    # the kit accepts the certificate as written: both interfaces queue it
    accepted = _post(demo, "jade", good)
    assert accepted.status_code == 201, accepted.text
    assert {o["kind"] for o in accepted.json()["orders"]} >= {"dmp_submit", "mss_send"}


def test_an_unqualified_ins_has_the_same_outcome_through_both(
    demo: Demo, db_url: str, kit_home: Path, kit: Path, tmp_path: Path
) -> None:
    patient = "jean-pierre"  # INS retrieved (RECUP), identity not verified: not qualified
    assert demo_dataset().patient(patient).identity_status == "RECUP"
    cdas = [example_document("vsm", patient=patient, author="generaliste-2").xml for _ in "ab"]
    paths = []
    for n, cda in enumerate(cdas):
        paths.append(tmp_path / f"vsm{n}.xml")
        paths[-1].write_bytes(cda)

    # historical feeding: refused by both, nothing stored
    answer = _post(demo, patient, cdas[0], historical=True)
    assert answer.status_code == 422, answer.text
    message = answer.json()["message"]
    assert "INS du patient n'est pas qualifiée" in message
    code, item = _feed(demo, kit_home, kit, paths[0], patient, "--historical")
    assert code == 1
    assert item["erreur"] == message
    assert _stored(db_url) == (0, 0)

    # the "Valider" click: the document kept in the record, its DMP send held, by both
    answer = _post(demo, patient, cdas[0])
    assert answer.status_code == 201, answer.text
    rest = [(o["state"], o["reason"]) for o in answer.json()["orders"] if o["kind"] == "dmp_submit"]
    code, item = _feed(demo, kit_home, kit, paths[1], patient)
    assert code == 0, item
    cli = [(o["etat"], o["motif"]) for o in item["ordres"] if o["type"] == "dmp_submit"]
    assert rest == cli
    assert [state for state, _ in rest] == ["blocked"]
    assert "INS" in rest[0][1]
    assert _stored(db_url)[0] == 2
