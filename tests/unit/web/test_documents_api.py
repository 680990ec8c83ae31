"""Document routes over HTTP on SQLite and PostgreSQL: the "Valider" click (CDA body, send
order in the same transaction), the list, the CDA back, DMP deletion, historical feeding.

The helpers at the top (:class:`Demo`, :func:`open_demo`) are shared with the outbox and
consent API tests: a database with the demo people and a client on an app over it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from esante.cda.errors import CdaReadError
from esante.cda.examples import example_document
from esante.config import Settings
from esante.demo import demo_dataset
from esante.errors import EsanteError
from esante.outbox import OrderStateError, OutboxError
from esante.practice import AccessNoticeRequiredError, ConsentRefusedError, load_demo
from esante.practice.actors import professional_actor
from esante.safexml import XmlError
from esante.store import Patient, Practitioner, make_engine, session_factory
from esante.web.api.errors import (
    BodyTooLargeError,
    RequestBodyError,
    UnsupportedMediaTypeError,
    code_for,
    status_for,
)
from esante.web.api.routes.documents import MAX_CDA_BYTES
from tests.unit.web.conftest import AppClient, open_client

XML = {"content-type": "application/xml"}


@dataclass
class Demo:
    """A client on an app whose database holds the demo people, and their ids."""

    client: AppClient
    db_url: str
    patients: dict[str, int]
    practitioners: dict[str, int]

    def validate(self, patient: str = "lola", *, cda: bytes | None = None, **params: Any) -> Any:
        """POST a fresh example VSM of ``patient`` (by the demo GP); the response."""
        if cda is None:
            cda = example_document("vsm", patient=patient, author="generaliste").xml
        return self.client.post(
            f"/api/patients/{self.patients[patient]}/documents",
            content=cda,
            headers=XML,
            params=params,
        )


def open_demo(db_url: str, home: Path, **settings: Any) -> Demo:
    engine = make_engine(db_url)
    data = demo_dataset()
    with session_factory(engine)() as session:
        load_demo(session, data)
        session.commit()
        patients = {
            p.key: session.scalars(select(Patient.id).where(Patient.local_id == p.local_id)).one()
            for p in data.patients
        }
        practitioners = {
            p.key: session.scalars(select(Practitioner.id).where(Practitioner.rpps == p.rpps)).one()
            for p in data.practitioners
        }
        # signed in as the demo GP (the professional every request acts as)
        gp = professional_actor(session, "8" + data.practitioner("generaliste").rpps, None)
    engine.dispose()
    client = open_client(Settings(home=home, database_url=db_url, **settings), actor=gp)
    return Demo(client, db_url, patients, practitioners)


@pytest.fixture
def demo(db_url: str, tmp_path: Path) -> Iterator[Demo]:
    opened = open_demo(db_url, tmp_path)
    yield opened
    opened.client.close()


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (CdaReadError("x"), 422, None),
        (XmlError("x"), 422, None),
        (OutboxError("x"), 409, None),
        (OrderStateError("x"), 409, None),
        (ConsentRefusedError("x"), 403, "consent_refused"),
        (AccessNoticeRequiredError("x"), 403, "access_notice_required"),
        (RequestBodyError("x"), 422, None),
        (BodyTooLargeError("x"), 413, None),
        (UnsupportedMediaTypeError("x"), 415, None),
    ],
)
def test_status_and_code_of_the_feeding_errors(
    error: EsanteError, status: int, code: str | None
) -> None:
    assert status_for(error) == status
    assert code_for(error) == code


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_validation_schedules_the_dmp_send_in_the_same_click(demo: Demo) -> None:
    built = example_document("vsm", patient="lola", author="generaliste")
    before = datetime.now(UTC)
    answer = demo.validate(cda=built.xml)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    document = body["document"]
    assert answer.headers["location"] == f"/api/documents/{document['id']}"
    assert document["unique_id"] == str(built.document_id)
    assert document["patient_id"] == demo.patients["lola"]
    assert document["author_id"] == demo.practitioners["generaliste"]
    assert document["level"] == "N3"
    assert document["title"]
    assert document["size"] == len(built.xml)
    [order] = body["orders"]
    assert order["kind"] == "dmp_submit"
    assert order["kind_label"] == "Alimentation du DMP"
    assert (order["state"], order["state_label"]) == ("scheduled", "programmé")
    assert order["reason"] is None
    # the service's default window (600 s) applies
    assert _at(order["available_at"]) - before >= timedelta(seconds=590)
    assert body["not_sent"] == []
    assert document["dmp"]["state"] == "scheduled"
    assert document["dmp"]["order_id"] == order["id"]

    read = demo.client.get(f"/api/documents/{document['id']}").json()
    assert read["unique_id"] == document["unique_id"]
    assert [o["id"] for o in read["orders"]] == [order["id"]]
    assert read["dmp"]["label"] == "programmé"

    cda = demo.client.get(f"/api/documents/{document['id']}/content")
    assert cda.status_code == 200
    assert cda.headers["content-type"] == "application/xml"
    assert cda.content == built.xml

    # options: no deferral, no feeding; the list is newest first
    now = demo.validate(deferral_seconds=0).json()
    assert now["orders"][0]["state"] == "due"
    assert _at(now["orders"][0]["available_at"]) <= datetime.now(UTC)
    kept = demo.validate(feed_dmp="false").json()
    assert kept["orders"] == []
    assert kept["not_sent"] == ["Envoi au DMP non demandé."]
    assert kept["document"]["dmp"] == {
        "state": None,
        "label": "non envoyé au DMP",
        "sent_at": None,
        "reason": None,
        "order_id": None,
    }
    listed = demo.client.get(f"/api/patients/{demo.patients['lola']}/documents").json()
    assert listed["total"] == 3
    assert [d["id"] for d in listed["items"]] == [
        kept["document"]["id"],
        now["document"]["id"],
        document["id"],
    ]
    assert [d["dmp"]["state"] for d in listed["items"]] == [None, "due", "scheduled"]
    assert demo.client.get(f"/api/patients/{demo.patients['robert']}/documents").json() == {
        "items": [],
        "total": 0,
        "limit": 50,
        "offset": 0,
    }
    assert demo.client.get("/api/patients/9999/documents").status_code == 404


def test_refusals_are_french_with_the_right_status(demo: Demo) -> None:
    not_cda = demo.validate(cda=b"<html><body>bonjour</body></html>")
    assert not_cda.status_code == 422
    assert "n'est pas un document CDA" in not_cda.json()["message"]
    not_xml = demo.validate(cda=b"%PDF-1.7 pas du XML")
    assert not_xml.status_code == 422
    assert not_xml.json()["message"]

    robert = example_document("vsm", patient="robert", author="generaliste").xml
    other = demo.validate("lola", cda=robert)
    assert other.status_code == 422
    assert other.json()["message"] == "Le document concerne un autre patient (INS différente)."

    cda = example_document("vsm", patient="lola", author="generaliste").xml
    assert demo.validate(cda=cda).status_code == 201
    again = demo.validate(cda=cda)
    assert again.status_code == 409
    assert "déjà été validé" in again.json()["message"]

    url = f"/api/patients/{demo.patients['lola']}/documents"
    as_json = demo.client.post(url, json={"cda": "PD94"})
    assert as_json.status_code == 415
    assert "application/xml" in as_json.json()["message"]
    empty = demo.client.post(url, content=b"", headers=XML)
    assert empty.status_code == 422
    assert empty.json()["message"] == "Corps de requête vide : le document CDA est attendu."
    assert demo.validate(episode_id=4242).json()["field"] == "episode_id"
    assert demo.validate(deferral_seconds=-1).status_code == 422
    unknown = demo.client.post("/api/patients/9999/documents", content=cda, headers=XML)
    assert unknown.status_code == 404

    big = b"<a>" + b" " * MAX_CDA_BYTES + b"</a>"
    declared = demo.client.post(url, content=big, headers=XML)
    assert declared.status_code == 413
    # the service's request limit (ESANTE_MAX_REQUEST_BYTES, 20 Mio) answers first; the
    # document's own cap is tested with a larger request limit in test_robustness.py
    assert declared.json()["message"] == "Requête trop volumineuse : 20 Mio au plus."

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted while read
        for _ in range(21):
            yield b" " * (1024 * 1024)

    streamed = demo.client.post(url, content=chunks(), headers=XML)
    assert streamed.status_code == 413
    assert "content-length" not in httpx.Headers(streamed.request.headers)


def test_dmp_deletion_historical_feeding_and_opposition(demo: Demo) -> None:
    sent = demo.validate().json()["document"]["id"]
    deletion = demo.client.post(
        f"/api/documents/{sent}/dmp-deletion",
        json={
            "reason": "Erreur de patient",
            "by_practitioner_id": demo.practitioners["generaliste"],
        },
    )
    assert deletion.status_code == 201, deletion.text
    assert deletion.json()["kind"] == "dmp_delete"
    assert deletion.json()["state"] == "due"
    twice = demo.client.post(f"/api/documents/{sent}/dmp-deletion", json={"reason": "Erreur"})
    assert twice.status_code == 409
    assert twice.json()["message"] == "Cet envoi est déjà programmé."
    blank = demo.client.post(f"/api/documents/{sent}/dmp-deletion", json={"reason": "   "})
    assert blank.status_code == 422
    assert blank.json()["field"] == "reason"

    kept = demo.validate(feed_dmp="false").json()["document"]["id"]
    history = demo.client.post(f"/api/documents/{kept}/historical-feeding")
    assert history.status_code == 201, history.text
    assert history.json()["historical"] is True
    assert history.json()["state"] == "due"
    assert demo.client.get(f"/api/documents/{kept}").json()["dmp"]["state"] == "due"
    again = demo.client.post(f"/api/documents/{kept}/historical-feeding", json={})
    assert again.status_code == 409
    assert demo.client.post("/api/documents/9999/historical-feeding").status_code == 404
    assert demo.client.get("/api/documents/9999/content").status_code == 404

    # the patient opposes: the next document's order is created blocked, with the reason
    lola = demo.patients["lola"]
    recorded = demo.client.post(
        f"/api/patients/{lola}/consent",
        json={
            "informed": True,
            "feeding": "opposition",
            "by_practitioner_id": demo.practitioners["generaliste"],
        },
    )
    assert recorded.status_code == 201, recorded.text
    body = demo.validate(deferral_seconds=0).json()
    [order] = body["orders"]
    assert (order["state"], order["state_label"]) == ("blocked", "bloqué")
    assert order["reason"] == (
        "Le patient s'oppose à l'alimentation de son DMP / Mon espace santé."
    )
    assert body["document"]["dmp"]["label"] == "bloqué"
    assert body["document"]["dmp"]["reason"] == order["reason"]
