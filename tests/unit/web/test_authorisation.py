"""Authorisation applied through ``practice`` and the trace of every access, over HTTP,
on SQLite and PostgreSQL (issue 12 items 4 and 6).

The client is signed in as the demo GP (:func:`open_demo`); other actors are signed in
with the credentials the service really issues (a local staff account's session, an API
key); the trace is read from the database through a connection of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from esante import audit
from esante.cda.examples import example_document
from esante.practice.apikeys import create_api_key
from esante.practice.staff import actor_of, create_staff_account
from esante.store import (
    AuditRecord,
    Document,
    Practitioner,
    SendOrder,
    make_engine,
    session_factory,
)
from tests.unit.web.test_documents_api import XML, Demo, open_demo


@pytest.fixture
def demo(db_url: str, tmp_path: Path) -> Iterator[Demo]:
    opened = open_demo(db_url, tmp_path)
    yield opened
    opened.client.close()


def _trace(demo: Demo, after: int = 0) -> list[AuditRecord]:
    engine = make_engine(demo.db_url)
    with session_factory(engine)() as session:
        rows = list(
            session.scalars(
                select(AuditRecord)
                .where(AuditRecord.sequence > after)
                .order_by(AuditRecord.sequence)
            )
        )
        session.expunge_all()
    engine.dispose()
    return rows


def _head(demo: Demo) -> int:
    engine = make_engine(demo.db_url)
    with session_factory(engine)() as session:
        head = session.scalar(select(func.max(AuditRecord.sequence))) or 0
    engine.dispose()
    return int(head)


def _structure_of_gp(demo: Demo) -> int:
    engine = make_engine(demo.db_url)
    with session_factory(engine)() as session:
        gp = session.get_one(Practitioner, demo.practitioners["generaliste"])
        structure = gp.structure_id
    engine.dispose()
    assert structure is not None
    return structure


def _sign_in_secretary(demo: Demo) -> None:
    app = demo.client.app
    with app.state.session_factory() as session:
        made = create_staff_account(
            session,
            login="accueil",
            password="un mot de passe assez long",
            display_name="Accueil MSP",
            role="secretaire",
            structure_id=_structure_of_gp(demo),
        )
        session.commit()
        actor = actor_of(made.account)
    demo.client.sign_in(app, actor)


def test_a_secretary_manages_patients_but_never_reaches_the_dmp(demo: Demo) -> None:
    _sign_in_secretary(demo)
    created = demo.client.post(
        "/api/patients",
        json={
            "birth_family_name": "Martin",
            "birth_given_names": "Léa",
            "sex": "F",
            "birth_date": "1990-05-04",
        },
    )
    assert created.status_code == 201, created.text
    lola = demo.patients["lola"]
    before = _head(demo)
    normal = demo.client.post(f"/api/patients/{lola}/dmp-access", json={})
    assert normal.status_code == 403
    assert normal.json()["message"] == "Votre rôle ne permet pas de consulter le DMP."
    glass = demo.client.post(
        f"/api/patients/{lola}/dmp-access",
        json={"mode": "bris_de_glace", "reason": "Malaise au cabinet, patient inconscient"},
    )
    assert glass.status_code == 403
    assert "DMP" in glass.json()["message"]
    refusals = _trace(demo, before)
    assert [(r.action, r.outcome, r.actor_role) for r in refusals] == [
        ("consultation_access", "refused", "secretaire"),
        ("consultation_access", "refused", "secretaire"),
    ]
    assert all(r.actor_name == "Accueil MSP" for r in refusals)
    assert all(r.origin == "127.0.0.1" for r in refusals)
    assert all("ipp=" in (r.detail or "") for r in refusals)


def test_a_secretary_can_neither_delete_from_nor_feed_the_dmp(demo: Demo) -> None:
    """The DMP deletion and the historical feeding are DMP actions (``dmp:delete``,
    ``dmp:feed``): a secretary, who may block a send, may not decide either."""
    sent = demo.validate().json()["document"]["id"]
    kept = demo.validate(feed_dmp="false").json()["document"]["id"]
    _sign_in_secretary(demo)
    before = _head(demo)
    deletion = demo.client.post(
        f"/api/documents/{sent}/dmp-deletion", json={"reason": "Erreur de patient"}
    )
    assert deletion.status_code == 403, deletion.text
    assert "DMP" in deletion.json()["message"]
    feeding = demo.client.post(f"/api/documents/{kept}/historical-feeding")
    assert feeding.status_code == 403, feeding.text
    refusals = _trace(demo, before)
    assert [(r.action, r.outcome, r.actor_role) for r in refusals] == [
        ("documents:dmp-delete", "refused", "secretaire"),
        ("documents:historical-feeding", "refused", "secretaire"),
    ]
    # nothing was queued for the document kept out of the DMP
    engine = make_engine(demo.db_url)
    with session_factory(engine)() as session:
        queued = session.scalar(
            select(func.count()).select_from(SendOrder).where(SendOrder.document_id == kept)
        )
    engine.dispose()
    assert queued == 0


def test_an_api_key_without_documents_write_cannot_post_a_document(demo: Demo) -> None:
    app = demo.client.app
    with app.state.session_factory() as session:
        key = create_api_key(
            session,
            structure_id=_structure_of_gp(demo),
            scopes=["patients:read"],
            label="lecture seule",
        ).key
        session.commit()
    cda = example_document("vsm", patient="lola", author="generaliste").xml
    before = _head(demo)
    refused = demo.client.post(
        f"/api/patients/{demo.patients['lola']}/documents",
        content=cda,
        headers={**XML, "Authorization": f"Bearer {key}"},
    )
    assert refused.status_code == 403, refused.text
    assert refused.json()["message"].startswith("Votre rôle ne permet pas")
    [traced] = _trace(demo, before)
    assert (traced.action, traced.outcome, traced.actor_role) == (
        "documents:create",
        "refused",
        "apikey",
    )
    assert (traced.actor_id or "").startswith("apikey:")
    engine = make_engine(demo.db_url)
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(Document)) == 0
    engine.dispose()
    # the same key reads what its scope allows
    read = demo.client.get(
        f"/api/patients/{demo.patients['lola']}", headers={"Authorization": f"Bearer {key}"}
    )
    assert read.status_code == 200


def test_a_page_of_patients_is_one_trace_append_holding_them(
    demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One call of the chain's batch append (one lock of the chain head) for the page."""
    appends: list[int] = []
    real = audit.append_many

    def counted(session: Any, events: Any) -> Any:
        appends.append(len(events))
        return real(session, events)

    monkeypatch.setattr(audit, "append_many", counted)
    before = _head(demo)
    page = demo.client.get("/api/patients", params={"limit": 50})
    assert page.status_code == 200
    items = page.json()["items"]
    assert len(items) == len(demo.patients) > 1
    assert appends == [len(items)]  # one append holding the whole page
    traced = _trace(demo, before)
    assert len(traced) == len(items)
    assert {r.action for r in traced} == {"patients:search"}
    assert {r.outcome for r in traced} == {"success"}
    assert sorted((r.detail or "") for r in traced) == sorted(
        f"ipp={item['local_id']}" for item in items
    )
    assert {r.actor_role for r in traced} == {"10"}


def test_a_patient_read_is_traced_with_who_and_from_where(demo: Demo) -> None:
    before = _head(demo)
    lola = demo.patients["lola"]
    assert demo.client.get(f"/api/patients/{lola}").status_code == 200
    [traced] = _trace(demo, before)
    assert (traced.channel, traced.action, traced.outcome) == (
        "dossier",
        "patients:read",
        "success",
    )
    assert (traced.actor_id or "").startswith("8")
    assert traced.structure_id is not None
    assert traced.origin == "127.0.0.1"
