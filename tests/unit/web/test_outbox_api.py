"""``/api/outbox`` over HTTP on SQLite and PostgreSQL: list, read with history, block,
unblock, cancel, send now, retry; 409 for an action the order's state does not allow.

The client is signed in as the demo GP (:func:`open_demo`): the history names them for
every action, whatever ``by`` an older client still sends (ignored). Who may do what and
the trace: ``test_outbox_authorisation.py``.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from esante.outbox import KIND_LABELS, STATE_LABELS, Failed, RetryPolicy, claim, record
from esante.store import make_engine, session_factory
from esante.store.models import ORDER_KINDS, ORDER_STATES
from esante.web.api.schemas.outbox import OrderKind, OrderState
from tests.unit.web.test_documents_api import Demo, open_demo


@pytest.fixture
def demo(db_url: str, tmp_path: Path) -> Iterator[Demo]:
    opened = open_demo(db_url, tmp_path)
    yield opened
    opened.client.close()


def _order(demo: Demo, patient: str = "lola", **params: Any) -> int:
    answer = demo.validate(patient, **params)
    assert answer.status_code == 201, answer.text
    order_id: int = answer.json()["orders"][0]["id"]
    return order_id


def test_api_literals_follow_the_store() -> None:
    assert typing.get_args(OrderState) == ORDER_STATES
    assert typing.get_args(OrderKind) == ORDER_KINDS
    assert set(STATE_LABELS) == set(ORDER_STATES)
    assert set(KIND_LABELS) == set(ORDER_KINDS)


def test_block_then_cancel_and_wrong_transitions(demo: Demo) -> None:
    order_id = _order(demo)
    listed = demo.client.get("/api/outbox", params={"state": "scheduled"}).json()
    assert [o["id"] for o in listed["items"]] == [order_id]
    assert listed["counts"]["scheduled"] == 1
    assert listed["counts"]["sent"] == 0
    assert listed["state_labels"]["blocked"] == "bloqué"

    blocked = demo.client.post(
        f"/api/outbox/{order_id}/block", json={"by": "810003986931", "reason": "À relire"}
    )
    assert blocked.status_code == 200, blocked.text
    assert (blocked.json()["state"], blocked.json()["reason"]) == ("blocked", "À relire")
    cancelled = demo.client.post(f"/api/outbox/{order_id}/cancel", json={"reason": "Doublon"})
    assert cancelled.json()["state_label"] == "annulé"

    read = demo.client.get(f"/api/outbox/{order_id}").json()
    assert read["state"] == "cancelled"
    assert [(e["from_state"], e["to_state"], e["by"], e["reason"]) for e in read["events"]] == [
        (None, "scheduled", "810003986931", None),
        ("scheduled", "blocked", "810003986931", "À relire"),
        ("blocked", "cancelled", "810003986931", "Doublon"),
    ]
    assert read["events"][-1]["to_label"] == "annulé"

    refused = demo.client.post(f"/api/outbox/{order_id}/unblock")
    assert refused.status_code == 409
    assert refused.json()["message"] == "Impossible de débloquer cet envoi : il est annulé."
    assert refused.json()["field"] == "state"
    late = demo.client.post(f"/api/outbox/{order_id}/send-now")
    assert late.json()["message"] == "Impossible d'envoyer maintenant cet envoi : il est annulé."
    for action in ("retry", "block"):
        late = demo.client.post(f"/api/outbox/{order_id}/{action}")
        assert late.status_code == 409
        assert late.json()["message"].endswith("cet envoi : il est annulé.")
    assert demo.client.get(f"/api/outbox/{order_id}").json()["events"] == read["events"]

    missing = demo.client.post("/api/outbox/9999/block")
    assert missing.status_code == 404
    assert missing.json()["message"] == "Ordre d'envoi introuvable : 9999."
    typo = demo.client.post(f"/api/outbox/{order_id}/unblock", json={"reason": "x"})
    assert typo.status_code == 422
    assert typo.json()["message"] == "Champ inconnu : reason"
    assert demo.client.get("/api/outbox", params={"state": "perdu"}).status_code == 422


def test_unblock_send_now_retry_and_filters(demo: Demo) -> None:
    order_id = _order(demo)
    demo.client.post(f"/api/outbox/{order_id}/block")
    released = demo.client.post(f"/api/outbox/{order_id}/unblock", json={"by": "secrétariat"})
    assert released.json()["state"] == "scheduled"
    assert released.json()["events"][-1]["by"] == "810003986931"  # the GP, not the body's
    now = demo.client.post(f"/api/outbox/{order_id}/send-now").json()
    assert now["state"] == "due"
    assert datetime.fromisoformat(now["available_at"]) <= datetime.now(UTC)

    # a worker fails on it for good; the user retries once the cause is fixed
    engine = make_engine(demo.db_url)
    with session_factory(engine)() as session:
        [claimed] = claim(session, "test-worker", credentials=["structure:*"])
        assert claimed.id == order_id
        record(
            session,
            claimed,
            "test-worker",
            Failed("Document refusé par le DMP.", code="X"),
            policy=RetryPolicy(),
        )
        session.commit()
    engine.dispose()
    failed = demo.client.get(f"/api/outbox/{order_id}").json()
    assert (failed["state"], failed["last_error"]) == ("failed", "Document refusé par le DMP.")
    retried = demo.client.post(f"/api/outbox/{order_id}/retry", json={"by": "810003986931"})
    assert retried.status_code == 200, retried.text
    assert retried.json()["state"] == "due"
    assert retried.json()["events"][-1]["reason"] == "Nouvelle tentative demandée."

    other = _order(demo, "robert")
    by_patient = demo.client.get("/api/outbox", params={"patient_id": demo.patients["robert"]})
    assert [o["id"] for o in by_patient.json()["items"]] == [other]
    both = demo.client.get("/api/outbox", params=[("state", "due"), ("state", "scheduled")])
    assert [o["id"] for o in both.json()["items"]] == [other, order_id]
    assert both.json()["counts"]["due"] == 1
    assert demo.client.get("/api/outbox", params={"kind": "dmp_delete"}).json()["items"] == []
    assert len(demo.client.get("/api/outbox", params={"limit": 1}).json()["items"]) == 1
