"""The DMP document list, preview and import for the signed-in professional (issue 13
items 3-5), against the sandbox DMP over mutual TLS on loopback, SQLite and PostgreSQL.

Expectations are derived from what was fed: counts of documents per class, the
structured entries an official VSM holds (read with :func:`esante.cda.read.read_vsm`).
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from esante.audit import AuditFilter, iter_entries
from esante.cda.examples import example_document
from esante.cda.read import extract_pdf, read_document, read_vsm
from esante.dmp import Actor as DmpActor
from esante.practice import record_consent
from esante.practice.access import AccessDeniedError
from esante.practice.actors import ROLE_SECRETAIRE, Actor
from esante.practice.dica import dica_status
from esante.practice.dmp_access import (
    declare_authorization,
    declare_emergency,
    dmp_actor_of,
    end_emergency,
)
from esante.practice.dmp_counters import new_since_bound
from esante.practice.dmp_import import ALREADY, FAILED, IMPORTED, ImportReport, import_documents
from esante.practice.dmp_reading import (
    DocumentFilters,
    DocumentListing,
    list_documents,
    preview_document,
)
from esante.practice.errors import (
    ConsentRefusedError,
    ConsultationRefusedError,
    PracticeValidationError,
)
from esante.practice.received import provenance_of
from esante.practice.record_lists import record_items
from esante.sandbox.runtime import RunningSandbox
from esante.store.base import utcnow
from esante.store.models import Document, Patient, RecordItem
from esante.terminology import label
from esante.xds import DocumentEntry
from tests.unit.practice.acting import acting
from tests.waiting import wait_until

from .test_dica import World, _world, running  # noqa: F401 - the module's sandbox

KIT_EXAMPLES = Path(__file__).resolve().parents[4] / "shared" / "cisis-kit" / "ExemplesCDA"
_oids = itertools.count(1)


@pytest.fixture
def world(db_url: str, running: RunningSandbox) -> Iterator[World]:  # noqa: F811
    yield from _world(db_url, running)


def _dmp_actor(world: World, key: str | None = None) -> DmpActor:
    """The DMP actor of the demo professional ``key`` (authorised by the patient), or of
    the test's GP."""
    practitioner = world.practitioner(key) if key else None
    actor = acting(practitioner) if practitioner else world.doctor
    if practitioner is not None:
        world.admin.set_authorization(world.ins, practitioner.id_nat_ps)
    with world.sessions() as session:
        return dmp_actor_of(session, actor, world.dmp)


def _feed(world: World, kind: str, *, by: str | None = "pediatre", count: int = 1) -> list[str]:
    """Submit ``count`` example documents of ``kind``; their uniqueIds."""
    actor = _dmp_actor(world, by)
    ids = []
    for _ in range(count):
        built = example_document(kind, ins=world.patient.matricule)
        world.dmp.client.submit(world.patient, built.xml, actor=actor)
        ids.append(str(read_document(built.xml).document_id))
    return ids


def _official_vsm(world: World, name: str = "VSM_2023.01.xml") -> bytes:
    """The official VSM example of the ANS kit, made this test patient's: its INS and a
    fresh document id (read at test time, never stored in the repository)."""
    path = KIT_EXAMPLES / name
    if not path.is_file():
        pytest.skip(f"ANS CDA kit absent ({path})")
    text = path.read_text(encoding="utf-8")
    text = re.sub(
        r'<id extension="277076322082910" root="1\.2\.250\.1\.213\.1\.4\.8"/>',
        f'<id extension="{world.patient.matricule}" root="{world.patient.oid}"/>',
        text,
    )
    cda = read_document(path)
    fresh = f"1.2.250.1.999.{next(_oids)}.{uuid.uuid4().int % 10**12}"
    text = text.replace(f'root="{cda.document_id.root}"', f'root="{fresh}"', 1)
    return text.encode("utf-8")


def _list(world: World, filters: DocumentFilters | None = None, **kw: object) -> DocumentListing:
    with world.sessions() as session:
        return list_documents(
            session,
            world.doctor,
            world.patient_id,
            dmp=world.dmp,
            filters=filters,
            sessions=world.sessions,
            **kw,  # type: ignore[arg-type]
        )


def _entry(world: World, unique_id: str) -> DocumentEntry:
    with world.sessions() as session:
        actor = dmp_actor_of(session, world.doctor, world.dmp)
    found = world.dmp.client.get_by_unique_id(world.patient, unique_id, actor=actor)
    assert found is not None
    return found


# --------------------------------------------------------------------------- the list


def test_the_list_groups_by_class_flags_new_documents_and_counts_as_the_visit(
    world: World,
) -> None:
    fed = _feed(world, "vsm", count=2) + _feed(world, "n1")
    listing = _list(world)
    assert {d.unique_id for d in listing.documents} == set(fed)
    assert listing.total == 3
    assert listing.new == 3  # never visited: everything is new
    classes = Counter(d.class_code for d in listing.documents)
    assert {g.class_code: len(g.documents) for g in listing.groups} == dict(classes)
    for group in listing.groups:
        assert group.label == label("classCode", group.class_code or "")
        dates = [d.created_at for d in group.documents]
        assert dates == sorted(dates, reverse=True)  # type: ignore[type-var]
    for document in listing.documents:
        assert document.status == "actif"
        assert not document.imported
        assert document.author is not None
    assert {d.level for d in listing.documents} == {"N1", "N3"}

    # opening the list was the visit: the bar says "0 nouveau document"
    world.cache.clear()
    with world.sessions() as session:
        status = dica_status(session, world.doctor, world.patient_id, dmp=world.dmp)
        session.commit()
    assert status.counters is not None
    assert status.counters.new_label == "0 nouveau document"
    visit = utcnow()
    again = _list(world, now=visit)
    assert again.new == 0
    assert not any(d.new for d in again.documents)

    # one more document: new for this professional only (XDS times have a one-second
    # resolution: the document is submitted once the second of the visit is over)
    wait_until(lambda: utcnow() >= new_since_bound(visit), what="the next second")
    (newer,) = _feed(world, "vsm")
    third = _list(world)
    assert [d.unique_id for d in third.documents if d.new] == [newer]
    with world.sessions() as session:
        traced = list(iter_entries(session, AuditFilter(action="TD3.1")))
    assert len(traced) == 3
    assert {(e.outcome, e.actor_id, e.access_mode) for e in traced} == {
        ("success", world.doctor.actor_id, "normal")
    }


def test_archived_and_masked_documents_are_filters_with_their_state(world: World) -> None:
    own = _feed(world, "vsm", by=None, count=3)
    with world.sessions() as session:
        actor = dmp_actor_of(session, world.doctor, world.dmp)
    world.dmp.client.archive(world.patient, _entry(world, own[0]), actor=actor)
    world.dmp.client.mask(world.patient, _entry(world, own[1]), actor=actor)

    default = _list(world)
    assert own[0] not in {d.unique_id for d in default.documents}  # active only
    with_archived = _list(world, DocumentFilters(include_archived=True))
    archived = {d.unique_id: d for d in with_archived.documents}[own[0]]
    assert archived.archived
    assert archived.status == "archivé"
    masked = _list(world, DocumentFilters(masked=True))
    assert [d.unique_id for d in masked.documents] == [own[1]]
    assert masked.documents[0].masked


def test_preset_filters_and_multi_criteria_search(world: World) -> None:
    vsm = _feed(world, "vsm", count=2)
    n1 = _feed(world, "n1")
    by_type = _list(world, DocumentFilters(type_codes=("SYNTH",)))
    assert {d.unique_id for d in by_type.documents} == set(vsm)
    by_format = _list(world, DocumentFilters(format_codes=("urn:ihe:iti:xds-sd:pdf:2008",)))
    assert {d.unique_id for d in by_format.documents} == set(n1)
    this_year = _list(world, DocumentFilters(preset="douze_mois"))
    assert this_year.total == 3
    visit = utcnow()
    new_only = _list(world, DocumentFilters(preset="nouveaux"), now=visit)
    assert new_only.total == 0  # the previous lists were visits
    wait_until(lambda: utcnow() >= new_since_bound(visit), what="the next second")
    (fresh,) = _feed(world, "vsm")
    assert [d.unique_id for d in _list(world, DocumentFilters(preset="nouveaux")).documents] == [
        fresh
    ]
    with pytest.raises(PracticeValidationError) as bad:
        _list(world, DocumentFilters(preset="tout_et_rien"))
    assert bad.value.field == "preset"


# --------------------------------------------------------------------------- preview


def test_preview_renders_without_importing_and_is_traced(world: World) -> None:
    (vsm,) = _feed(world, "vsm")
    (n1,) = _feed(world, "n1")
    with world.sessions() as session:
        shown = preview_document(
            session, world.doctor, world.patient_id, vsm, dmp=world.dmp, sessions=world.sessions
        )
        pdf = preview_document(
            session, world.doctor, world.patient_id, n1, dmp=world.dmp, sessions=world.sessions
        )
    assert shown.pdf is None
    assert shown.document.title in shown.html
    assert "<script" not in shown.html.lower()
    assert pdf.pdf is not None
    assert pdf.pdf.startswith(b"%PDF")
    with world.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Document)) == 0
        traced = list(iter_entries(session, AuditFilter(action="TD3.2")))
    assert sorted(e.document_unique_id or "" for e in traced) == sorted([vsm, n1])


# --------------------------------------------------------------------------- import


def _import(world: World, unique_ids: list[str], actor: Actor | None = None) -> ImportReport:
    with world.sessions() as session:
        return import_documents(
            session, actor or world.doctor, world.patient_id, unique_ids, dmp=world.dmp
        )


def test_an_official_vsm_imports_its_lists_with_provenance_once(world: World) -> None:
    xml = _official_vsm(world)
    expected = read_vsm(read_document(xml))
    world.dmp.client.submit(world.patient, xml, actor=_dmp_actor(world, "pediatre"))
    unique_id = str(read_document(xml).document_id)

    report = _import(world, [unique_id])
    (outcome,) = report.outcomes
    assert outcome.status == IMPORTED, outcome.message
    assert outcome.items is not None
    with world.sessions() as session:
        items = record_items(session, world.doctor, world.patient_id)
        document = session.get_one(Document, outcome.document_id)
        kinds = Counter(i.kind for i in items)
        assert kinds["allergy"] == len(
            {(a.agent.code_system, a.agent.code) for a in expected.allergies}
        )
        assert kinds["treatment"] == len(
            {(t.product.code_system, t.product.code) for t in expected.treatments}
        )
        assert kinds["problem"] == len(
            {(p.code.code_system, p.code.code) for p in expected.problems if not p.absent}
        )
        assert all(i.source == "dmp" and i.source_document_unique_id == unique_id for i in items)
        assert document.provenance == "dmp"
        assert document.imported_by == world.doctor.actor_id
        assert provenance_of(document).startswith("importé du DMP le ")
        assert document.content == xml
        session.commit()

    again = _import(world, [unique_id])
    assert [o.status for o in again.outcomes] == [ALREADY]
    assert "importé du DMP" in again.outcomes[0].message
    with world.sessions() as session:
        assert session.scalar(select(func.count()).select_from(RecordItem)) == len(items)
        assert session.scalar(select(func.count()).select_from(Document)) == 1
        traced = list(iter_entries(session, AuditFilter(action="import")))
    assert [(e.outcome, e.document_unique_id) for e in traced] == [("success", unique_id)]

    listing = _list(world)
    assert {d.unique_id: d.imported for d in listing.documents} == {unique_id: True}


def test_an_n1_imports_with_its_pdf_and_a_local_document_is_not_imported(world: World) -> None:
    (n1,) = _feed(world, "n1")
    (vsm,) = _feed(world, "vsm")
    # the VSM was produced here and sent (same uniqueId in the record)
    with world.sessions() as session:
        retrieved = world.dmp.client.retrieve(
            world.patient,
            vsm,
            _entry(world, vsm).repository_unique_id or "",
            actor=dmp_actor_of(session, world.doctor, world.dmp),
        )
        cda = read_document(retrieved.data)
        from esante.practice.received import received_row

        local = received_row(
            session,
            cda,
            retrieved.data,
            session.get_one(Patient, world.patient_id),
            provenance="dmp",
            detail="test",
            at=utcnow(),
            class_code="11",
        )
        local.provenance = "produced"
        session.add(local)
        session.commit()
    report = _import(world, [n1, vsm, "1.2.250.1.999.404"])
    by_id = {o.unique_id: o for o in report.outcomes}
    assert by_id[n1].status == IMPORTED
    assert by_id[vsm].status == ALREADY
    assert "produit dans ce cabinet" in by_id[vsm].message
    assert by_id["1.2.250.1.999.404"].status == FAILED
    with world.sessions() as session:
        document = session.get_one(Document, by_id[n1].document_id)
        assert document.level == "N1"
        assert extract_pdf(document.content).startswith(b"%PDF")


# --------------------------------------------------------------------------- refusals


def test_reads_are_refused_before_the_dmp_for_identity_and_authentication(world: World) -> None:
    (vsm,) = _feed(world, "vsm")
    before = world.dmp_calls()
    api_key = Actor(
        kind="apikey",
        actor_id="key-1",
        name="Logiciel",
        role="apikey",
        structure_id=world.doctor.structure_id,
        scopes=frozenset({"dmp:consult"}),
    )
    with world.sessions() as session:
        with pytest.raises((ConsultationRefusedError, AccessDeniedError)):
            import_documents(session, api_key, world.patient_id, [vsm], dmp=world.dmp)
        session.get_one(Patient, world.patient_id).identity_status = "PROV"
        session.commit()
        with pytest.raises(ConsultationRefusedError) as refused:
            list_documents(
                session, world.doctor, world.patient_id, dmp=world.dmp, sessions=world.sessions
            )
    assert refused.value.condition == "I"
    assert refused.value.action == "qualifier_ins"
    assert world.dmp_calls() == before  # nothing was asked of the DMP
    with world.sessions() as session:
        refusals = [
            e
            for e in iter_entries(session, AuditFilter(action="dmp:consult"))
            if e.outcome == "refused"
        ]
    assert any("I: identity status PROV" in (e.detail or "") for e in refusals)


def test_without_consent_the_library_refuses(db_url: str, running: RunningSandbox) -> None:  # noqa: F811
    for w in _world(db_url, running, consent=False):
        with w.sessions() as session, pytest.raises(ConsentRefusedError):
            list_documents(session, w.doctor, w.patient_id, dmp=w.dmp, sessions=w.sessions)


def test_break_glass_opens_the_dmp_for_its_duration_and_is_traced(
    db_url: str,
    running: RunningSandbox,  # noqa: F811
) -> None:
    for w in _world(db_url, running, authorised=False):
        _feed(w, "vsm")
        with w.sessions() as session:
            record_consent(
                session, w.patient_id, informed=True, feeding="opposition", actor=w.doctor
            )
            session.commit()
        status = w.bar()
        assert status.c.ok is False
        assert status.c.action == "bris_de_glace"
        with w.sessions() as session:
            with pytest.raises(PracticeValidationError) as no_reason:
                declare_emergency(session, w.doctor, w.patient_id, reason=" ")
            assert no_reason.value.field == "reason"
            secretary = Actor(
                kind="local",
                actor_id="sec-1",
                name="Secrétaire",
                role=ROLE_SECRETAIRE,
                structure_id=w.doctor.structure_id,
            )
            with pytest.raises(AccessDeniedError):
                declare_emergency(session, secretary, w.patient_id, reason="urgence")
            access = declare_emergency(
                session, w.doctor, w.patient_id, reason="Patient inconscient aux urgences"
            )
            session.commit()
        status = w.bar()
        assert status.c.ok is True
        assert status.emergency
        assert status.access_mode == "bris_de_glace"
        assert status.emergency_until == access.expires_at
        assert status.counters is not None
        assert status.counters.total == 1
        listing = _list(w)
        assert listing.access_mode == "bris_de_glace"
        assert listing.access_reason == "Patient inconscient aux urgences"
        with w.sessions() as session:
            traced = list(iter_entries(session, AuditFilter(action="TD3.1")))
        assert [(e.access_mode, e.reason) for e in traced] == [
            ("bris_de_glace", "Patient inconscient aux urgences")
        ]
        # after its duration the access is over
        w.cache.clear()
        with w.sessions() as session:
            expired = dica_status(
                session,
                w.doctor,
                w.patient_id,
                dmp=w.dmp,
                cache=w.cache,
                now=access.expires_at + timedelta(seconds=1),
            )
            session.commit()
        assert expired.c.ok is False
        assert not expired.emergency
        # or when the professional ends it
        w.cache.clear()
        assert w.bar().emergency
        with w.sessions() as session:
            assert end_emergency(session, w.doctor, w.patient_id)
            session.commit()
        w.cache.clear()
        assert w.bar().c.ok is False


def test_authorisation_is_declared_only_on_an_explicit_action(
    db_url: str,
    running: RunningSandbox,  # noqa: F811
) -> None:
    for w in _world(db_url, running, authorised=False):
        status = w.bar()
        assert status.c.action == "declarer_autorisation"
        with w.sessions() as session:
            with pytest.raises(PracticeValidationError) as unconfirmed:
                declare_authorization(
                    session, w.doctor, w.patient_id, dmp=w.dmp, confirmed=False, ins=w.patient
                )
            assert unconfirmed.value.field == "confirmed"
            declare_authorization(
                session, w.doctor, w.patient_id, dmp=w.dmp, confirmed=True, ins=w.patient
            )
            session.commit()
        assert w.bar().c.ok is True
        with w.sessions() as session:
            traced = list(iter_entries(session, AuditFilter(action="TD0.3")))
        assert [(e.outcome, e.actor_id) for e in traced] == [("success", w.doctor.actor_id)]
