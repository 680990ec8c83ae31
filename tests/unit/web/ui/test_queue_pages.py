"""The console's send queue (issue 14): countdown of the deferral window, states in plain
French, block / unblock / send now / cancel through the forms, what a secretary may do —
in process, on SQLite and PostgreSQL, signed in with real server-side sessions."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
import time_machine
from sqlalchemy import select

from esante.practice.actors import Actor, professional_actor
from esante.practice.order_steps import LastStep
from esante.practice.staff import actor_of, create_staff_account
from esante.store import SendOrder, make_engine, session_factory
from esante.web.ui.pages.queue import countdown, state_sentence
from tests.unit.web.test_documents_api import Demo, open_demo

CLOCK = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)
"""10:30 in Paris: the pinned "now" of the countdown tests."""


@pytest.fixture
def demo(db_url: str, tmp_path: Path) -> Iterator[Demo]:
    opened = open_demo(db_url, tmp_path)
    yield opened
    opened.client.close()


def _post(demo: Demo, url: str, data: dict[str, str]) -> object:
    return demo.client.post(
        url,
        content=urlencode(data),
        headers={"X-CSRF-Token": "", "content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )


def _text(page: str) -> str:
    """What a person reads: the page without its tags."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found
    return found.group(1)


def _dmp_order(demo: Demo, patient: str = "robert") -> int:
    answer = demo.validate(patient)
    assert answer.status_code == 201, answer.text
    [order] = [o for o in answer.json()["orders"] if o["kind"] == "dmp_submit"]
    return int(order["id"])


def _state(demo: Demo, order_id: int) -> str:
    engine = make_engine(demo.db_url)
    with session_factory(engine)() as session:
        state = session.scalars(select(SendOrder.state).where(SendOrder.id == order_id)).one()
    engine.dispose()
    return state


def _act(demo: Demo, order_id: int, action: str) -> object:
    page = demo.client.get("/envois")
    return _post(
        demo,
        f"/envois/{order_id}/{action}",
        {"csrf": _csrf(page.text), "retour": "/envois?etat="},
    )


def _secretary(demo: Demo) -> Actor:
    app = demo.client.app
    with app.state.session_factory() as session:
        gp = professional_actor(session, "8" + _gp_rpps(demo), None)
        made = create_staff_account(
            session,
            login="accueil",
            password="un mot de passe assez long",
            display_name="Accueil du cabinet",
            role="secretaire",
            structure_id=gp.structure_id,
        )
        session.commit()
        return actor_of(made.account)


def _gp_rpps(demo: Demo) -> str:
    from esante.demo import demo_dataset

    return demo_dataset().practitioner("generaliste").rpps


def test_the_queue_shows_the_countdown_and_refreshes_itself(demo: Demo) -> None:
    with time_machine.travel(CLOCK, tick=False) as clock:
        order_id = _dmp_order(demo)
        clock.shift(timedelta(minutes=5, seconds=30))
        page = demo.client.get("/envois")
        assert page.status_code == 200
        text = html.unescape(page.text)
        # the default window is the service's 600 s: 4 min 30 s left, due at 10:40 Paris
        assert "Envoi dans 4 min 30 s (à 6 déc. à 10:40)" in text
        assert f'id="envoi-{order_id}"' in page.text
        assert 'hx-get="/envois/liste"' in page.text
        assert 'hx-trigger="every 5s"' in page.text
        clock.shift(timedelta(minutes=2))
        fragment = demo.client.get("/envois/liste", headers={"HX-Request": "true"})
        assert "<html" not in fragment.text
        assert "Envoi dans 2 min 30 s" in html.unescape(fragment.text)


def test_block_unblock_send_now_and_cancel_through_the_forms(demo: Demo) -> None:
    order_id = _dmp_order(demo)
    page = _text(demo.client.get("/envois").text)
    for label in ("Bloquer", "Envoyer maintenant", "Annuler l'envoi"):
        assert f"{label} (envoi n° {order_id})" in page

    answer = _act(demo, order_id, "bloquer")
    assert answer.status_code == 303  # type: ignore[attr-defined]
    assert answer.headers["location"] == "/envois?etat="  # type: ignore[attr-defined]
    assert _state(demo, order_id) == "blocked"
    blocked = _text(demo.client.get("/envois", params={"etat": "blocked"}).text)
    assert "Bloqué par" in blocked
    assert f"Débloquer (envoi n° {order_id})" in blocked

    _act(demo, order_id, "debloquer")
    assert _state(demo, order_id) == "scheduled"
    _act(demo, order_id, "envoyer")
    assert _state(demo, order_id) == "due"
    assert "Envoi imminent" in _text(demo.client.get("/envois").text)
    _act(demo, order_id, "annuler")
    assert _state(demo, order_id) == "cancelled"
    cancelled = _text(demo.client.get("/envois", params={"etat": "cancelled"}).text)
    assert "Annulé par" in cancelled

    refused = _act(demo, order_id, "bloquer")  # a cancelled order cannot be blocked
    assert refused.status_code == 409  # type: ignore[attr-defined]
    assert "Impossible de bloquer cet envoi" in html.unescape(refused.text)  # type: ignore[attr-defined]


def test_a_secretary_holds_a_send_but_cannot_release_it(demo: Demo) -> None:
    order_id = _dmp_order(demo)
    demo.client.sign_in(demo.client.app, _secretary(demo))
    page = _text(demo.client.get("/envois").text)
    assert f"Bloquer (envoi n° {order_id})" in page
    assert "Envoyer maintenant" not in page
    assert "Annuler l'envoi" not in page

    assert _act(demo, order_id, "bloquer").status_code == 303  # type: ignore[attr-defined]
    assert _state(demo, order_id) == "blocked"
    held = _text(demo.client.get("/envois").text)
    assert "Bloqué par Accueil du cabinet le" in held  # who held it, by name
    assert "Débloquer" not in held

    refused = _act(demo, order_id, "debloquer")
    assert refused.status_code == 403  # type: ignore[attr-defined]
    text = html.unescape(refused.text)  # type: ignore[attr-defined]
    assert "Votre rôle ne permet pas de débloquer" in text
    assert 'lang="fr"' in text
    assert _state(demo, order_id) == "blocked"


def test_filters_by_state_and_patient_and_a_limit(demo: Demo) -> None:
    robert = _dmp_order(demo, "robert")
    paulette = _dmp_order(demo, "paulette")
    _act(demo, robert, "bloquer")
    only_blocked = demo.client.get("/envois", params={"etat": "blocked"}).text
    assert f'id="envoi-{robert}"' in only_blocked
    assert f'id="envoi-{paulette}"' not in only_blocked
    hers = demo.client.get("/envois", params={"patient": demo.patients["paulette"]}).text
    assert f'id="envoi-{paulette}"' in hers
    assert f'id="envoi-{robert}"' not in hers
    one = demo.client.get("/envois", params={"limite": 1}).text
    assert len(re.findall(r'id="envoi-\d+"', one)) == 1
    assert "Afficher plus d'envois" in html.unescape(one)


def test_a_document_page_lists_its_orders_with_their_history(demo: Demo) -> None:
    answer = demo.validate("robert")
    document_id = answer.json()["document"]["id"]
    order_id = answer.json()["orders"][0]["id"]
    _act(demo, order_id, "bloquer")
    page = _text(demo.client.get(f"/documents/{document_id}").text)
    assert f"Historique de l'envoi n° {order_id}" in page
    assert "programmé" in page and "bloqué" in page  # noqa: PT018 - the two steps
    from esante.demo import demo_dataset

    gp = demo_dataset().practitioner("generaliste")
    named = f"{gp.given_name} {gp.family_name} — bloqué par l'utilisateur".lower()
    assert named in page.lower()  # the history names who blocked
    assert f"Débloquer (envoi n° {order_id})" in page
    raw = demo.client.get(f"/documents/{document_id}").text
    assert f'hx-get="/envois/document/{document_id}"' in raw  # the document's live list
    fragment = demo.client.get(f"/envois/document/{document_id}", headers={"HX-Request": "1"})
    assert "<html" not in fragment.text
    assert f"Débloquer (envoi n° {order_id})" in _text(fragment.text)


def _order(**values: object) -> SendOrder:
    base: dict[str, object] = {
        "kind": "dmp_submit",
        "state": "scheduled",
        "attempts": 0,
        "created_at": CLOCK,
        "updated_at": CLOCK,
        "deferral_until": CLOCK,
        "available_at": CLOCK,
    }
    base.update(values)
    return SendOrder(**base)


def test_the_states_in_plain_french() -> None:
    sent = _order(state="sent", sent_at=CLOCK + timedelta(minutes=12))
    assert state_sentence(sent, CLOCK)[0] == "Envoyé au DMP le 6 déc. à 10:42"
    waiting = _order(
        state="due",
        attempts=1,
        last_error="DMP indisponible.",
        available_at=CLOCK + timedelta(minutes=17),
    )
    assert state_sentence(waiting, CLOCK)[0] == (
        "En attente : DMP indisponible, nouvel essai le 6 déc. à 10:47"
    )
    scheduled = _order(available_at=CLOCK + timedelta(minutes=4, seconds=30))
    assert state_sentence(scheduled, CLOCK)[0].startswith("Envoi dans 4 min 30 s")
    blocked = _order(state="blocked", state_reason="Bloqué par l'utilisateur.")
    step = LastStep("810000000042", "Dr Paul TESTEUR", "Bloqué par l'utilisateur.")
    assert state_sentence(blocked, CLOCK, step)[0] == "Bloqué par Dr Paul TESTEUR le 6 déc. à 10:30"
    unnamed = LastStep("810000000042", None, None)
    assert state_sentence(blocked, CLOCK, unnamed)[0].startswith("Bloqué par 810000000042")
    mail = _order(
        kind="mss_send",
        state="sent",
        recipient="dr.martin@exemple.mssante.fr",
        sent_at=CLOCK,
        acknowledgement="processed",
        acknowledged_at=CLOCK,
    )
    assert state_sentence(mail, CLOCK)[0] == (
        "Envoyé par MSSanté à dr.martin@exemple.mssante.fr le 6 déc. à 10:30"
    )
    assert countdown(timedelta(hours=1, minutes=5)) == "1 h 05 min"
    assert countdown(timedelta(seconds=-3)) == "0 s"
