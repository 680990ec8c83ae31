"""TD3.1: FindDocuments filters, default statuses, visibility rules; GetDocuments."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from esante.sandbox.dmp import (
    CodedValue,
    DmpAdmin,
    DmpErrorCode,
    DmpRefusal,
    DmpService,
    DocumentQuery,
    DocumentRecord,
    PatientIns,
)
from esante.trust.vocabulary import AccessMode
from esante.xds.vocabulary import AvailabilityStatus
from tests.unit.sandbox.dmp.factories import (
    DR_A,
    DR_B,
    ESTABLISHMENT,
    NURSE,
    OCCUPATIONAL,
    SECRETARY,
    Clock,
    new_document,
    submission,
)


def at(day: int, month: int = 1) -> datetime:
    return datetime(2025, month, day, 12, 0, tzinfo=UTC)


def ids(records: tuple[DocumentRecord, ...]) -> list[str]:
    return [r.unique_id for r in records]


@pytest.fixture
def library(service: DmpService, dmp: PatientIns, clock: Clock) -> dict[str, DocumentRecord]:
    """Five documents of PATIENT, varied in class, type, dates, authors and visibility."""
    specs = {
        "cr": dict(class_code="10", type_code="11488-4", created=at(5)),
        "vsm": dict(class_code="11", type_code="SYNTH", created=at(10)),
        "bio": dict(
            class_code="10",
            type_code="11502-2",
            created=at(20),
            service_start_time=at(18),
            service_stop_time=at(19),
            event_codes=(CodedValue("H33", "2.16.840.1.113883.6.3"),),
        ),
        "masked": dict(class_code="10", type_code="11488-4", created=at(25), masked=True),
        "hidden": dict(
            class_code="52", type_code="CERT_DECL", created=at(28), invisible_to_patient=True
        ),
    }
    found = {}
    for name, spec in specs.items():
        author = DR_B if name in ("vsm", "masked") else DR_A
        clock.advance(days=1)
        document = new_document(f"1.2.9.{name}", author=author, **spec)  # type: ignore[arg-type]
        [found[name]] = service.submit(author, submission(document)).documents
    return found


def test_default_search_gives_approved_documents_newest_first(
    service: DmpService, dmp: PatientIns, library: dict[str, DocumentRecord]
) -> None:
    # DR_A does not see the document DR_B masked; everything else, newest creation first
    assert ids(service.find_documents(DR_A, dmp)) == [
        "1.2.9.hidden",
        "1.2.9.bio",
        "1.2.9.vsm",
        "1.2.9.cr",
    ]
    # its author does
    assert "1.2.9.masked" in ids(service.find_documents(DR_B, dmp))


def test_documents_hidden_from_the_patient_are_flagged(
    service: DmpService, dmp: PatientIns, library: dict[str, DocumentRecord]
) -> None:
    [hidden] = service.find_documents(DR_A, dmp, DocumentQuery(class_codes=("52",)))
    assert hidden.invisible_to_patient
    assert not hidden.masked


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (DocumentQuery(class_codes=("10",)), ["1.2.9.bio", "1.2.9.cr"]),
        (DocumentQuery(type_codes=("SYNTH", "CERT_DECL")), ["1.2.9.hidden", "1.2.9.vsm"]),
        (DocumentQuery(creation_from=at(10), creation_to=at(20)), ["1.2.9.vsm"]),
        (DocumentQuery(creation_from=at(10), creation_to=at(21)), ["1.2.9.bio", "1.2.9.vsm"]),
        (DocumentQuery(service_start_from=at(18), service_start_to=at(19)), ["1.2.9.bio"]),
        (DocumentQuery(service_stop_from=at(19)), ["1.2.9.bio"]),
        (DocumentQuery(author_ids=("810000000022",)), ["1.2.9.vsm"]),
        (DocumentQuery(event_codes=("H33",)), ["1.2.9.bio"]),
        (DocumentQuery(confidentiality=("INVISIBLE_PATIENT",)), ["1.2.9.hidden"]),
        (DocumentQuery(format_codes=("urn:ihe:iti:xds-sd:text:2008",)), []),
    ],
)
def test_filters(
    service: DmpService,
    dmp: PatientIns,
    library: dict[str, DocumentRecord],
    query: DocumentQuery,
    expected: list[str],
) -> None:
    assert ids(service.find_documents(DR_A, dmp, query)) == expected


def test_submission_time_filter(
    service: DmpService, dmp: PatientIns, library: dict[str, DocumentRecord]
) -> None:
    vsm = library["vsm"]
    query = DocumentQuery(
        submission_from=vsm.submission_time, submission_to=library["bio"].submission_time
    )
    assert ids(service.find_documents(DR_A, dmp, query)) == ["1.2.9.vsm"]


def test_archived_deprecated_and_deleted_only_when_asked(
    service: DmpService, dmp: PatientIns, library: dict[str, DocumentRecord]
) -> None:
    service.archive(DR_A, dmp, library["cr"].entry_uuid)
    service.delete(DR_A, dmp, library["bio"].entry_uuid)
    assert ids(service.find_documents(DR_A, dmp)) == ["1.2.9.hidden", "1.2.9.vsm"]
    archived = DocumentQuery(statuses=frozenset({AvailabilityStatus.ARCHIVED}))
    assert ids(service.find_documents(DR_A, dmp, archived)) == ["1.2.9.cr"]
    everything = DocumentQuery(
        statuses=frozenset(AvailabilityStatus) - {AvailabilityStatus.SUBMITTED}
    )
    assert len(service.find_documents(DR_A, dmp, everything)) == 4
    assert len(service.find_documents(DR_B, dmp, everything)) == 5


def test_masked_documents_in_emergency_with_the_patients_consent(
    service: DmpService, admin: DmpAdmin, dmp: PatientIns, library: dict[str, DocumentRecord]
) -> None:
    masked = DocumentQuery(confidentiality=("MASQUE_PS",))
    bdg = AccessMode.BRIS_DE_GLACE
    assert ids(service.find_documents(NURSE, dmp, masked, access_mode=bdg)) == []
    admin.set_oppositions(dmp, masked_access_in_emergency=True)
    assert ids(service.find_documents(NURSE, dmp, masked, access_mode=bdg)) == ["1.2.9.masked"]
    assert ids(service.find_documents(NURSE, dmp, masked)) == []  # normal mode: author only
    admin.declare_treating_physician(dmp, DR_A.id_nat_ps)
    assert ids(service.find_documents(DR_A, dmp, masked)) == ["1.2.9.masked"]


def test_search_refusals(
    service: DmpService, admin: DmpAdmin, dmp: PatientIns, library: dict[str, DocumentRecord]
) -> None:
    stranger = DR_A.__class__(
        id_nat_ps="810000000099",
        authentication_mode=DR_A.authentication_mode,
        profession="10",
        specialty="SM26",
    )
    for actor, mode, code in (
        (stranger, AccessMode.NORMAL, DmpErrorCode.AUTHORIZATION_MISSING),
        (SECRETARY, AccessMode.NORMAL, DmpErrorCode.ACCESS_NOT_ALLOWED),
        (ESTABLISHMENT, AccessMode.NORMAL, DmpErrorCode.ACCESS_NOT_ALLOWED),
    ):
        with pytest.raises(DmpRefusal) as caught:
            service.find_documents(actor, dmp, access_mode=mode)
        assert caught.value.code is code
    # in bris de glace, no authorization is needed...
    assert service.find_documents(stranger, dmp, access_mode=AccessMode.BRIS_DE_GLACE)
    # ...unless the patient opposed it
    admin.set_oppositions(dmp, bris_de_glace=True)
    with pytest.raises(DmpRefusal) as opposed:
        service.find_documents(stranger, dmp, access_mode=AccessMode.BRIS_DE_GLACE)
    assert opposed.value.code is DmpErrorCode.OPPOSITION_BRIS_DE_GLACE


def test_occupational_physician_sees_only_their_own_documents(
    service: DmpService, admin: DmpAdmin, dmp: PatientIns, library: dict[str, DocumentRecord]
) -> None:
    admin.set_authorization(dmp, OCCUPATIONAL.id_nat_ps)
    assert service.find_documents(OCCUPATIONAL, dmp) == ()
    service.submit(OCCUPATIONAL, submission(new_document("1.2.9.work", author=OCCUPATIONAL)))
    assert ids(service.find_documents(OCCUPATIONAL, dmp)) == ["1.2.9.work"]


def test_get_documents_by_unique_id_or_entry_uuid(
    service: DmpService, dmp: PatientIns, library: dict[str, DocumentRecord]
) -> None:
    cr = library["cr"]
    found = service.get_by_unique_id(DR_A, dmp, cr.unique_id, metadata=True)
    assert found is not None
    assert found.entry_uuid == cr.entry_uuid
    assert service.get_by_unique_id(DR_A, dmp, "1.2.9.nothing") is None
    by_uuid = service.get_documents(DR_A, dmp, entry_uuids=(library["vsm"].entry_uuid,))
    assert ids(by_uuid) == ["1.2.9.vsm"]
    # metadata of a masked document: not for others; its reference: yes (TD3.1b)
    masked = library["masked"].unique_id
    assert service.get_by_unique_id(DR_A, dmp, masked, metadata=True) is None
    assert service.get_by_unique_id(DR_A, dmp, masked) is not None


def test_reference_lookup_for_cpe_and_indirect_without_authorization(
    service: DmpService, dmp: PatientIns, library: dict[str, DocumentRecord]
) -> None:
    cr = library["cr"].unique_id
    for actor in (SECRETARY, ESTABLISHMENT):
        reference = service.get_by_unique_id(actor, dmp, cr)
        assert reference is not None
        assert reference.unique_id == cr
        with pytest.raises(DmpRefusal):
            service.get_by_unique_id(actor, dmp, cr, metadata=True)
