"""``/api/outbox`` acts for the signed-in actor only, on SQLite and PostgreSQL (issue 12
items 4 and 6): a secretary versus a médecin, a body naming another person, an order of
another structure, one trace append per list page.

The client is signed in as the demo GP (:func:`open_demo`); the secretary signs in with
a real local staff account's session, the other structure's GP through
:func:`~esante.practice.actors.professional_actor`; the trace and the orders' history are
read through a connection of the test's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from esante import audit
from esante.demo import demo_dataset
from esante.practice.actors import Actor, professional_actor
from esante.practice.staff import actor_of, create_staff_account
from esante.store import AuditRecord, Practitioner, SendOrderEvent, make_engine, session_factory
from tests.unit.web.test_authorisation import _head, _structure_of_gp, _trace
from tests.unit.web.test_documents_api import Demo, open_demo


@pytest.fixture
def demo(db_url: str, tmp_path: Path) -> Iterator[Demo]:
    opened = open_demo(db_url, tmp_path)
    yield opened
    opened.client.close()


def _order(demo: Demo, patient: str = "lola") -> int:
    answer = demo.validate(patient)
    assert answer.status_code == 201, answer.text
    order_id: int = answer.json()["orders"][0]["id"]
    return order_id


def _secretary(demo: Demo) -> Actor:
    app = demo.client.app
    with app.state.session_factory() as session:
        made = create_staff_account(
            session,
            login="accueil",
            password="un mot de passe assez long",
            display_name="Accueil du cabinet",
            role="secretaire",
            structure_id=_structure_of_gp(demo),
        )
        session.commit()
        return actor_of(made.account)


def _gp(demo: Demo, key: str = "generaliste") -> Actor:
    with demo.client.app.state.session_factory() as session:
        return professional_actor(session, demo_dataset().practitioner(key).id_nat_ps, None)


def _history(demo: Demo, order_id: int) -> list[tuple[str, str | None]]:
    engine = make_engine(demo.db_url)
    with session_factory(engine)() as session:
        rows = session.execute(
            select(SendOrderEvent.to_state, SendOrderEvent.by)
            .where(SendOrderEvent.order_id == order_id)
            .order_by(SendOrderEvent.id)
        ).all()
    engine.dispose()
    return [(r.to_state, r.by) for r in rows]


def test_a_secretary_reads_and_holds_orders_a_medecin_also_releases_them(demo: Demo) -> None:
    held, other = _order(demo, "lola"), _order(demo, "robert")
    secretary = _secretary(demo)
    demo.client.sign_in(demo.client.app, secretary)
    assert demo.client.get("/api/outbox").status_code == 200
    assert demo.client.get(f"/api/outbox/{held}").status_code == 200
    blocked = demo.client.post(f"/api/outbox/{held}/block", json={"reason": "Patient à joindre"})
    assert blocked.status_code == 200, blocked.text
    before = _head(demo)
    # releasing, sending, retrying, cancelling: 403 before any state check (retry on a
    # scheduled order would otherwise be a 409)
    refusals = [
        ("unblock", held),
        ("send-now", other),
        ("retry", other),
        ("cancel", other),
        ("cancel", held),
    ]
    for action, order_id in refusals:
        refused = demo.client.post(f"/api/outbox/{order_id}/{action}")
        assert refused.status_code == 403, (action, refused.text)
        assert refused.json()["message"] == (
            "Votre rôle ne permet pas de débloquer, envoyer, relancer ou annuler un envoi."
        )
    traced = _trace(demo, before)
    assert [(r.action, r.outcome, r.actor_role) for r in traced] == [
        (f"orders:{action.replace('-', '_')}", "refused", "secretaire") for action, _ in refusals
    ]
    assert _history(demo, held)[-1][0] == "blocked"
    assert _history(demo, other)[-1][0] == "scheduled"

    demo.client.sign_in(demo.client.app, _gp(demo))
    assert demo.client.post(f"/api/outbox/{held}/unblock").status_code == 200
    assert demo.client.post(f"/api/outbox/{other}/send-now").json()["state"] == "due"
    assert demo.client.post(f"/api/outbox/{held}/cancel").json()["state"] == "cancelled"
    wrong_state = demo.client.post(f"/api/outbox/{held}/retry")
    assert wrong_state.status_code == 409  # allowed to the médecin, not in this state
    gp = demo_dataset().practitioner("generaliste").id_nat_ps
    assert _history(demo, held) == [
        ("scheduled", gp),
        ("blocked", secretary.actor_id),
        ("scheduled", gp),
        ("cancelled", gp),
    ]


def test_a_body_naming_another_person_is_ignored(demo: Demo) -> None:
    """The history and the trace name the signed-in secretary, whatever ``by`` says."""
    order_id = _order(demo)
    secretary = _secretary(demo)
    demo.client.sign_in(demo.client.app, secretary)
    before = _head(demo)
    gp = demo_dataset().practitioner("generaliste").id_nat_ps
    blocked = demo.client.post(
        f"/api/outbox/{order_id}/block", json={"by": gp, "reason": "À relire"}
    )
    assert blocked.status_code == 200, blocked.text
    assert blocked.json()["events"][-1]["by"] == secretary.actor_id != gp
    assert _history(demo, order_id)[-1] == ("blocked", secretary.actor_id)
    [traced] = _trace(demo, before)
    assert (traced.action, traced.outcome) == ("orders:block", "success")
    assert (traced.actor_id, traced.actor_name, traced.actor_role, traced.origin) == (
        secretary.actor_id,
        "Accueil du cabinet",
        "secretaire",
        "127.0.0.1",
    )
    assert traced.reason == "À relire"
    # a ``by`` longer than the old limit is still a 422, a typo too (the body's shape
    # is kept for older clients)
    too_long = demo.client.post(f"/api/outbox/{order_id}/unblock", json={"by": "x" * 121})
    assert too_long.status_code == 422
    assert demo.client.post(f"/api/outbox/{order_id}/block", json={"par": gp}).status_code == 422


def test_an_order_of_another_structure_is_refused(demo: Demo) -> None:
    order_id = _order(demo)  # the GP's structure (the cabinet)
    demo.client.sign_in(demo.client.app, _gp(demo, "generaliste-2"))  # the MSP's GP
    before = _head(demo)
    assert demo.client.get(f"/api/outbox/{order_id}").status_code == 403
    for action in ("block", "cancel", "send-now"):
        refused = demo.client.post(f"/api/outbox/{order_id}/{action}")
        assert refused.status_code == 403, refused.text
        assert refused.json()["message"] == "Cet envoi relève d'une autre structure que la vôtre."
    traced = _trace(demo, before)
    assert [(r.action, r.outcome) for r in traced] == [
        ("orders:read", "refused"),
        ("orders:block", "refused"),
        ("orders:cancel", "refused"),
        ("orders:send_now", "refused"),
    ]
    msp_gp = demo_dataset().practitioner("generaliste-2").id_nat_ps
    assert {r.actor_id for r in traced} == {msp_gp}
    listed = demo.client.get("/api/outbox").json()
    assert listed["items"] == []
    assert set(listed["counts"].values()) == {0}
    assert [s for s, _ in _history(demo, order_id)] == ["scheduled"]


def test_a_list_page_is_one_trace_append(demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    made = [_order(demo, p) for p in ("lola", "robert", "claire")]
    appends: list[int] = []
    real = audit.append_many

    def counted(session: Any, events: Any) -> Any:
        appends.append(len(events))
        return real(session, events)

    monkeypatch.setattr(audit, "append_many", counted)
    before = _head(demo)
    page = demo.client.get("/api/outbox")
    assert page.status_code == 200
    assert [o["id"] for o in page.json()["items"]] == made[::-1]
    assert appends == [len(made)]
    traced = _trace(demo, before)
    assert [r.action for r in traced] == ["orders:list"] * len(made)
    assert [(r.detail or "").split("; ")[1] for r in traced] == [f"order={o}" for o in made[::-1]]
    assert {r.structure_id for r in traced} == {demo_dataset().structure("cabinet").id_nat_struct}


def test_consent_reads_are_traced(demo: Demo) -> None:
    lola = demo.patients["lola"]
    before = _head(demo)
    assert demo.client.get(f"/api/patients/{lola}/consent").status_code == 200
    [traced] = _trace(demo, before)
    assert (traced.channel, traced.action, traced.outcome) == ("dossier", "consent:read", "success")
    assert traced.actor_id == demo_dataset().practitioner("generaliste").id_nat_ps
    assert (traced.detail or "").startswith("ipp=")
    # a secretary reads it too, traced under their own name
    demo.client.sign_in(demo.client.app, _secretary(demo))
    before = _head(demo)
    assert demo.client.get(f"/api/patients/{lola}/consent").status_code == 200
    [traced] = _trace(demo, before)
    assert (traced.action, traced.actor_role) == ("consent:read", "secretaire")


def _notice_traces(demo: Demo) -> list[str | None]:
    return [actor_id for actor_id, _, _ in _notice_records(demo)]


def _notice_records(demo: Demo) -> list[tuple[str | None, str | None, str | None]]:
    """(actor id, role, origin) of each notice acknowledgement in the trace."""
    engine = make_engine(demo.db_url)
    with session_factory(engine)() as session:
        rows = [
            (r.actor_id, r.actor_role, r.origin)
            for r in session.scalars(
                select(AuditRecord).where(AuditRecord.action == "access_notice_acknowledged")
            )
        ]
    engine.dispose()
    return rows


def test_the_notice_is_acknowledged_for_the_signed_in_professional_only(demo: Demo) -> None:
    midwife = demo.practitioners["sage-femme"]
    gp = demo.practitioners["generaliste"]
    assert demo.client.get(f"/api/practitioners/{midwife}/dmp-notice").status_code == 403
    refused = demo.client.post(f"/api/practitioners/{midwife}/dmp-notice")
    assert refused.status_code == 403
    assert refused.json()["message"] == (
        "Vous ne pouvez consulter ou valider que votre propre avertissement d'accès au DMP."
    )
    assert _notice_traces(demo) == []
    mine = demo.client.post("/api/me/dmp-notice")
    assert mine.status_code == 200
    assert (mine.json()["practitioner_id"], mine.json()["due"]) == (gp, False)
    engine = make_engine(demo.db_url)
    with session_factory(engine)() as session:
        gp_id_nat = session.get_one(Practitioner, gp).id_nat_ps
    engine.dispose()
    assert _notice_traces(demo) == [gp_id_nat]
    # traced like every access: the signed-in professional's role and where from
    [(_, role, origin)] = _notice_records(demo)
    assert role is not None
    assert origin == "127.0.0.1"
    # the midwife's notice is still due: signed in, she sees it so
    demo.client.sign_in(demo.client.app, _gp(demo, "sage-femme"))
    assert demo.client.get("/api/me/dmp-notice").json()["due"] is True
    assert demo.client.get(f"/api/practitioners/{midwife}/dmp-notice").json()["due"] is True
    # a secretary has no notice (no DMP access)
    demo.client.sign_in(demo.client.app, _secretary(demo))
    assert demo.client.get("/api/me/dmp-notice").status_code == 403
    assert demo.client.post("/api/me/dmp-notice").status_code == 403
