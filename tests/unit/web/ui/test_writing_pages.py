"""The console's writing pages (issue 14): the editor, « Valider » / « Ne pas envoyer », the
record's documents, a document's page and its print — in process, on SQLite and
PostgreSQL, signed in as the demo GP with a real server-side session.

The orders a validation must create are derived from the Ségur catalogue and the demo
data (the patient's médecin traitant, the structure's mailbox), not written down here.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from esante.catalogue import rules_for
from esante.practice.authoring import KINDS
from esante.store import Document, Patient, Practitioner, SendOrder, make_engine, session_factory
from tests.unit.web.test_documents_api import Demo, open_demo


@pytest.fixture
def demo(db_url: str, tmp_path: Path) -> Iterator[Demo]:
    opened = open_demo(db_url, tmp_path)
    yield opened
    opened.client.close()


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the form carries the session's CSRF token"
    return found.group(1)


def _post(demo: Demo, url: str, data: dict[str, str] | list[tuple[str, str]]) -> object:
    # a form posted without script: the token in the body, not in a header
    return demo.client.post(
        url,
        content=urlencode(data),
        headers={"X-CSRF-Token": "", "content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )


def _expected_orders(demo: Demo, patient: str, type_code: str) -> list[tuple[str, str | None]]:
    """(kind, recipient) of the orders the catalogue implies for the demo GP's document."""
    engine = make_engine(demo.db_url)
    with session_factory(engine)() as session:
        author = session.get(Practitioner, demo.practitioners["generaliste"])
        row = session.get(Patient, demo.patients[patient])
        assert author is not None
        assert row is not None
        rule = rules_for(author.profession_code, type_code)
        expected: list[tuple[str, str | None]] = []
        if rule.feed_dmp:
            expected.append(("dmp_submit", None))
        mt = row.medecin_traitant
        structure = author.structure
        if (
            rule.mss_to_treating_doctor_or_referrer
            and mt is not None
            and mt.id != author.id
            and mt.mssante_address
            and structure is not None
            and structure.mssante_address
        ):
            expected.append(("mss_send", mt.mssante_address))
        expected.extend(("mss_send", fixed) for fixed in rule.mss_fixed_recipients)
    engine.dispose()
    return sorted(expected, key=lambda e: (e[0], e[1] or ""))


def _orders_of(demo: Demo, document_id: int) -> list[SendOrder]:
    engine = make_engine(demo.db_url)
    with session_factory(engine)() as session:
        found = list(session.scalars(select(SendOrder).where(SendOrder.document_id == document_id)))
        session.expunge_all()
    engine.dispose()
    return found


def _documents_of(demo: Demo, patient: str) -> int:
    engine = make_engine(demo.db_url)
    with session_factory(engine)() as session:
        n = len(
            session.scalars(
                select(Document.id).where(Document.patient_id == demo.patients[patient])
            ).all()
        )
    engine.dispose()
    return n


def _write(demo: Demo, patient: str, text: str, **extra: str) -> object:
    url = f"/patients/{demo.patients[patient]}/rediger"
    form = demo.client.get(url, params={"type": extra.pop("type", "compte-rendu")})
    assert form.status_code == 200, form.text
    data = {"csrf": _csrf(form.text), "type": "compte-rendu", "texte": text, **extra}
    return _post(demo, url, data)


REPORT = "Motif : toux depuis huit jours.\nExamen : auscultation normale.\nConclusion : virose."


def test_valider_stores_and_queues_the_catalogue_sends_in_one_click(demo: Demo) -> None:
    patient = "anne-sophie"  # her médecin traitant is another GP: an MSSanté copy is due
    editor = demo.client.get(f"/patients/{demo.patients[patient]}/rediger")
    text = html.unescape(editor.text)
    assert "Sera envoyé au DMP" in text
    assert "Valider" in text
    assert "Ne pas envoyer" in text
    assert KINDS["compte-rendu"].model.split("\n")[0] in text  # the editor's model

    answer = _write(demo, patient, REPORT, action="valider")
    assert answer.status_code == 303, answer.text  # type: ignore[attr-defined]
    location = answer.headers["location"]  # type: ignore[attr-defined]
    document_id = int(re.fullmatch(r"/documents/(\d+)\?valide=1", location).group(1))  # type: ignore[union-attr]

    made = sorted(
        ((o.kind, o.recipient) for o in _orders_of(demo, document_id)),
        key=lambda e: (e[0], e[1] or ""),
    )
    assert made == _expected_orders(demo, patient, KINDS["compte-rendu"].code.code)
    assert made  # the catalogue sends a consultation report somewhere

    page = demo.client.get(location)
    assert page.status_code == 200
    body = html.unescape(page.text)
    assert "Document enregistré" in body
    assert "Règles d'envoi appliquées" in body
    assert "Envoi dans" in body  # the deferral countdown
    assert "produit dans ce cabinet" in body
    assert f'href="/documents/{document_id}/imprimer"' in page.text
    printed = demo.client.get(f"/documents/{document_id}/imprimer")
    assert printed.status_code == 200
    assert printed.headers["content-type"] == "application/pdf"
    assert printed.content.startswith(b"%PDF")


def test_ne_pas_envoyer_stores_without_any_order_and_is_not_remembered(demo: Demo) -> None:
    answer = _write(demo, "robert", REPORT, action="sans-envoi")
    assert answer.status_code == 303, answer.text  # type: ignore[attr-defined]
    location = answer.headers["location"]  # type: ignore[attr-defined]
    document_id = int(location.split("/")[2].split("?")[0])
    assert _orders_of(demo, document_id) == []
    assert location.endswith("?valide=2")
    assert "sans aucun envoi" in html.unescape(demo.client.get(location).text)
    # the next validation sends again: the choice was for that document only
    again = _write(demo, "robert", REPORT + " Contrôle.", action="valider")
    next_id = int(again.headers["location"].split("/")[2].split("?")[0])  # type: ignore[attr-defined]
    assert [o.kind for o in _orders_of(demo, next_id) if o.kind == "dmp_submit"] == ["dmp_submit"]


@pytest.mark.parametrize("text", ["", "   \n ", KINDS["compte-rendu"].model])
def test_an_empty_or_unchanged_document_is_never_stored_nor_sent(demo: Demo, text: str) -> None:
    before = _documents_of(demo, "robert")
    answer = _write(demo, "robert", text, action="valider", titre="Mon titre gardé")
    assert answer.status_code == 422  # type: ignore[attr-defined]
    page = html.unescape(answer.text)  # type: ignore[attr-defined]
    assert "rien n'est enregistré ni envoyé" in page
    assert 'aria-invalid="true"' in page
    assert 'value="Mon titre gardé"' in page  # nothing typed is lost
    assert _documents_of(demo, "robert") == before


def test_the_visibility_is_chosen_at_send_time(demo: Demo) -> None:
    url = f"/patients/{demo.patients['robert']}/rediger"
    form = demo.client.get(url)
    answer = _post(
        demo,
        url,
        [
            ("csrf", _csrf(form.text)),
            ("type", "compte-rendu"),
            ("texte", REPORT),
            ("visibilite", "INVISIBLE_PATIENT"),
            ("action", "valider"),
        ],
    )
    assert answer.status_code == 303, answer.text  # type: ignore[attr-defined]
    document_id = int(answer.headers["location"].split("/")[2].split("?")[0])  # type: ignore[attr-defined]
    [dmp] = [o for o in _orders_of(demo, document_id) if o.kind == "dmp_submit"]
    assert json.loads(dmp.parameters or "{}")["visibility"] == ["INVISIBLE_PATIENT"]


def test_a_prescription_note_is_written_as_n1(demo: Demo) -> None:
    url = f"/patients/{demo.patients['robert']}/rediger"
    form = demo.client.get(url, params={"type": "ordonnance"})
    assert 'name="type" value="ordonnance"' in form.text
    answer = _post(
        demo,
        url,
        {
            "csrf": _csrf(form.text),
            "type": "ordonnance",
            "texte": "Paracétamol 1 g, 3 fois par jour, 5 jours.",
            "action": "valider",
        },
    )
    assert answer.status_code == 303, answer.text  # type: ignore[attr-defined]
    document_id = int(answer.headers["location"].split("/")[2].split("?")[0])  # type: ignore[attr-defined]
    engine = make_engine(demo.db_url)
    with session_factory(engine)() as session:
        document = session.get(Document, document_id)
        assert document is not None
        assert (document.type_code, document.level) == (KINDS["ordonnance"].code.code, "N1")
    engine.dispose()


def test_the_record_lists_its_documents_by_type_with_origin_and_dmp_state(demo: Demo) -> None:
    _write(demo, "robert", REPORT, action="valider")
    url = f"/patients/{demo.patients['robert']}/documents"
    fragment = demo.client.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text  # a fragment for the record page
    text = html.unescape(fragment.text)
    assert "produit dans ce cabinet" in text
    assert "programmé" in text  # the DMP state of the document just validated
    types = re.findall(r"<tr>\s*<td>([^<]+)</td>", fragment.text)
    assert types == sorted(types)  # sorted by type
    page = demo.client.get(url)
    assert "<html" in page.text
    assert "Documents du dossier" in html.unescape(page.text)


def test_a_first_dmp_send_lists_the_documents_that_may_be_sent(demo: Demo) -> None:
    editor = html.unescape(demo.client.get(f"/patients/{demo.patients['robert']}/rediger").text)
    assert "Premier envoi au DMP de ce patient" in editor
    engine = make_engine(demo.db_url)
    with session_factory(engine)() as session:
        author = session.get(Practitioner, demo.practitioners["generaliste"])
        assert author is not None
        from esante.catalogue import entries

        feeding = [r.document for r in entries(author.profession_code) if r.feed_dmp]
    engine.dispose()
    assert all(html.unescape(name) in editor for name in feeding)


def test_a_vsm_update_is_built_from_the_record_lists_and_never_sent_unchanged(
    demo: Demo,
) -> None:
    url = f"/patients/{demo.patients['robert']}/rediger"
    form = demo.client.get(url, params={"type": "synthese"})
    assert form.status_code == 200, form.text
    assert "Contenu structuré repris du dossier" in html.unescape(form.text)
    data = {
        "csrf": _csrf(form.text),
        "type": "synthese",
        "texte": "Insuffisance cardiaque : surveiller le poids.",
        "action": "valider",
    }
    answer = _post(demo, url, data)
    assert answer.status_code == 303, answer.text  # type: ignore[attr-defined]
    document_id = int(answer.headers["location"].split("/")[2].split("?")[0])  # type: ignore[attr-defined]
    engine = make_engine(demo.db_url)
    with session_factory(engine)() as session:
        document = session.get(Document, document_id)
        assert document is not None
        assert (document.type_code, document.level) == ("SYNTH", "N3")
    engine.dispose()
    made = sorted(
        ((o.kind, o.recipient) for o in _orders_of(demo, document_id)),
        key=lambda e: (e[0], e[1] or ""),
    )
    assert made == _expected_orders(demo, "robert", "SYNTH")
    printed = demo.client.get(f"/documents/{document_id}/imprimer")
    assert printed.content.startswith(b"%PDF")  # the N3 rendered, then printed

    again = _post(demo, url, data)  # same lists, same points de vigilance
    assert again.status_code == 422  # type: ignore[attr-defined]
    assert "n'a pas changé" in html.unescape(again.text)  # type: ignore[attr-defined]


def test_a_vsm_carries_the_coded_entries_and_names_the_uncoded_ones(demo: Demo) -> None:
    from esante.cda.read import read_document
    from esante.demo import demo_dataset
    from esante.practice.actors import professional_actor
    from esante.practice.record_lists import add_item

    patient_id = demo.patients["paulette"]
    engine = make_engine(demo.db_url)
    with session_factory(engine)() as session:
        gp = professional_actor(session, demo_dataset().practitioner("generaliste").id_nat_ps, None)
        add_item(
            session, gp, patient_id, "problem", "Hypertension artérielle", "I10",
            "2.16.840.1.113883.6.3",
        )  # fmt: skip
        add_item(session, gp, patient_id, "allergy", "Allergie aux pollens de graminées")
        session.commit()
    engine.dispose()
    url = f"/patients/{patient_id}/rediger"
    form = demo.client.get(url, params={"type": "synthese"})
    listed = html.unescape(form.text)
    assert "Hypertension artérielle" in listed
    assert "Allergie aux pollens de graminées (non codé)" in listed
    answer = _post(
        demo,
        url,
        {"csrf": _csrf(form.text), "type": "synthese", "texte": "", "action": "sans-envoi"},
    )
    assert answer.status_code == 303, answer.text  # type: ignore[attr-defined]
    document_id = int(answer.headers["location"].split("/")[2].split("?")[0])  # type: ignore[attr-defined]
    assert _orders_of(demo, document_id) == []
    engine = make_engine(demo.db_url)
    with session_factory(engine)() as session:
        document = session.get(Document, document_id)
        assert document is not None
        content = document.content
    engine.dispose()
    cda = read_document(content)
    assert cda.level == "N3"
    xml = content.decode("utf-8")
    assert 'code="I10"' in xml
    assert "Allergie aux pollens de graminées" in xml  # in the points de vigilance


def test_a_secretary_cannot_sign_a_document(demo: Demo) -> None:
    from esante.demo import demo_dataset
    from esante.practice.actors import professional_actor
    from esante.practice.staff import actor_of, create_staff_account

    app = demo.client.app
    with app.state.session_factory() as session:
        gp = professional_actor(session, demo_dataset().practitioner("generaliste").id_nat_ps, None)
        made = create_staff_account(
            session,
            login="accueil",
            password="un mot de passe assez long",
            display_name="Accueil du cabinet",
            role="secretaire",
            structure_id=gp.structure_id,
        )
        session.commit()
        secretary = actor_of(made.account)
    demo.client.sign_in(app, secretary)
    before = _documents_of(demo, "robert")
    editor = html.unescape(demo.client.get(f"/patients/{demo.patients['robert']}/rediger").text)
    assert "connectez-vous avec votre compte professionnel" in editor
    answer = _write(demo, "robert", REPORT, action="valider")
    assert answer.status_code == 422  # type: ignore[attr-defined]
    assert "signé par un professionnel de santé" in html.unescape(answer.text)  # type: ignore[attr-defined]
    assert _documents_of(demo, "robert") == before
