"""Consent, DMP access and the access notice over HTTP, on SQLite and PostgreSQL.

A refused access must stay traced although the request fails: the tests read the trace
table (:class:`esante.store.AuditRecord`) through a connection of their own.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from esante.practice import NOTICE_BUTTON_TEXT, NOTICE_TEXT
from esante.store import AuditRecord, ConsentDecision, Practitioner, make_engine, session_factory
from esante.trust import AccessMode
from esante.web.api.schemas.consent import AccessModeName
from tests.unit.web.test_documents_api import Demo, open_demo


@pytest.fixture
def demo(db_url: str, tmp_path: Path) -> Iterator[Demo]:
    opened = open_demo(db_url, tmp_path)
    yield opened
    opened.client.close()


def _access_trace(demo: Demo) -> list[tuple[str, str | None, str | None]]:
    """(outcome, access mode, detail) of every DMP access decision traced so far."""
    engine = make_engine(demo.db_url)
    with session_factory(engine)() as session:
        rows = session.execute(
            select(AuditRecord.outcome, AuditRecord.access_mode, AuditRecord.detail)
            .where(AuditRecord.action == "consultation_access")
            .order_by(AuditRecord.sequence)
        ).all()
    engine.dispose()
    return [(r.outcome, r.access_mode, r.detail) for r in rows]


def test_access_modes_follow_the_trust_vocabulary() -> None:
    assert set(typing.get_args(AccessModeName)) == {m.value for m in AccessMode}


def test_consent_is_recorded_read_and_checked(demo: Demo) -> None:
    lola = demo.patients["lola"]
    default = demo.client.get(f"/api/patients/{lola}/consent").json()
    assert default["history"] == []
    assert default["state"]["recorded"] is False
    assert default["state"]["feeding_allowed"] is True
    assert default["state"]["consultation_allowed"] is False

    given = demo.client.post(
        f"/api/patients/{lola}/consent",
        json={
            "informed": True,
            "consultation_consent": True,
            "by_legal_representative": True,
            "note": "Consentement de la mère",
        },
    )
    assert given.status_code == 201, given.text
    assert given.json()["consultation_allowed"] is True
    assert (
        "Le patient consent à la consultation de Mon espace santé / DMP."
        in (given.json()["labels"])
    )
    read = demo.client.get(f"/api/patients/{lola}/consent").json()
    assert read["state"] == given.json()
    assert [h["decision_id"] for h in read["history"]] == [given.json()["decision_id"]]

    uninformed = demo.client.post(
        f"/api/patients/{lola}/consent",
        json={"informed": False, "consultation_consent": True},
    )
    assert uninformed.status_code == 422
    assert uninformed.json()["field"] == "informed"
    assert uninformed.json()["message"].startswith("Le patient doit être informé")
    missing = demo.client.post("/api/patients/9999/consent", json={"informed": True})
    assert missing.status_code == 404
    assert demo.client.get("/api/patients/9999/consent").status_code == 404
    assert len(demo.client.get(f"/api/patients/{lola}/consent").json()["history"]) == 1


def test_a_body_naming_another_professional_is_ignored(demo: Demo) -> None:
    """The decision and its trace name the signed-in professional (the demo GP), not the
    one the body names (issue 12: never the acting professional from a request body)."""
    lola = demo.patients["lola"]
    other = demo.practitioners["sage-femme"]
    given = demo.client.post(
        f"/api/patients/{lola}/consent",
        json={"informed": True, "consultation_consent": True, "by_practitioner_id": other},
    )
    assert given.status_code == 201, given.text
    engine = make_engine(demo.db_url)
    with session_factory(engine)() as session:
        decision = session.scalars(select(ConsentDecision)).one()
        traced = session.scalars(
            select(AuditRecord).where(AuditRecord.action == "consent_decision")
        ).one()
        gp = session.get(Practitioner, demo.practitioners["generaliste"])
        assert gp is not None
        gp_id_nat = gp.id_nat_ps
    engine.dispose()
    assert decision.recorded_by_id == demo.practitioners["generaliste"] != other
    assert (traced.actor_id, traced.actor_role, traced.origin) == (gp_id_nat, "10", "127.0.0.1")


def test_notice_then_consent_gate_the_access_and_refusals_stay_traced(demo: Demo) -> None:
    lola = demo.patients["lola"]
    doctor = demo.practitioners["generaliste"]
    ask: dict[str, str] = {}

    no_notice = demo.client.post(f"/api/patients/{lola}/dmp-access", json=ask)
    assert no_notice.status_code == 403
    assert no_notice.json()["code"] == "access_notice_required"
    assert "J'ai compris" in no_notice.json()["message"]
    assert _access_trace(demo) == [
        ("refused", "normal", f"ipp={_ipp(demo)}; notice_not_acknowledged")
    ]

    notice = demo.client.get("/api/me/dmp-notice").json()
    assert notice["practitioner_id"] == doctor  # the signed-in GP's own notice
    assert notice["due"] is True
    assert notice["due_at"] is None
    assert (notice["text"], notice["button"]) == (NOTICE_TEXT, NOTICE_BUTTON_TEXT)
    acknowledged = demo.client.post("/api/me/dmp-notice")
    assert acknowledged.status_code == 200
    assert acknowledged.json()["due"] is False
    due_at = datetime.fromisoformat(acknowledged.json()["due_at"])
    assert abs(due_at - (datetime.now(UTC) + timedelta(days=180))) < timedelta(minutes=1)
    assert demo.client.get("/api/me/dmp-notice").json()["due"] is False
    # the older path answers for the actor's own id only: 403 for any other, known or not
    assert demo.client.get(f"/api/practitioners/{doctor}/dmp-notice").json()["due"] is False
    assert demo.client.get("/api/practitioners/9999/dmp-notice").status_code == 403

    no_consent = demo.client.post(f"/api/patients/{lola}/dmp-access", json=ask)
    assert no_consent.status_code == 403
    assert no_consent.json()["code"] == "consent_refused"
    assert no_consent.json()["message"] == (
        "Le patient n'a pas consenti à la consultation de son DMP / Mon espace santé."
    )
    assert [t[0] for t in _access_trace(demo)] == ["refused", "refused"]

    demo.client.post(
        f"/api/patients/{lola}/consent",
        json={"informed": True, "consultation_consent": True},
    )
    granted = demo.client.post(f"/api/patients/{lola}/dmp-access", json=ask)
    assert granted.status_code == 200, granted.text
    body = granted.json()
    assert (body["mode"], body["mode_label"]) == ("normal", "Accès normal")
    assert (body["without_consent"], body["against_opposition"]) == (False, False)
    assert [t[0] for t in _access_trace(demo)] == ["refused", "refused", "success"]


def test_break_glass_needs_a_reason(demo: Demo) -> None:
    robert = demo.patients["robert"]
    doctor = demo.practitioners["generaliste"]
    assert demo.client.post(f"/api/practitioners/{doctor}/dmp-notice").status_code == 200
    url = f"/api/patients/{robert}/dmp-access"

    bare = demo.client.post(url, json={"mode": "bris_de_glace"})
    assert bare.status_code == 403
    assert bare.json()["code"] == "consent_refused"
    assert bare.json()["field"] == "reason"
    short = demo.client.post(url, json={"mode": "bris_de_glace", "reason": "urgence"})
    assert short.status_code == 403
    reason = "Malaise au cabinet, patient inconscient"
    granted = demo.client.post(url, json={"mode": "bris_de_glace", "reason": reason})
    assert granted.status_code == 200, granted.text
    assert granted.json()["reason"] == reason
    assert granted.json()["without_consent"] is True
    assert [(t[0], t[1]) for t in _access_trace(demo)] == [
        ("refused", "bris_de_glace"),
        ("refused", "bris_de_glace"),
        ("success", "bris_de_glace"),
    ]
    regulation = demo.client.post(url, json={"mode": "centre_15"})
    assert regulation.json()["mode"] == "centre_15"
    wrong = demo.client.post(url, json={"mode": "urgence"})
    assert wrong.status_code == 422
    assert wrong.json()["field"] == "mode"
    unknown = demo.client.post("/api/patients/9999/dmp-access", json={})
    assert unknown.status_code == 404


def _ipp(demo: Demo) -> str:
    response = demo.client.get(f"/api/patients/{demo.patients['lola']}").json()
    ipp: str = response["local_id"]
    return ipp
