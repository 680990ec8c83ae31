"""TD3.1: FindDocuments as the official query, every filter, submission windows, TD3.1b."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from lxml import etree

from esante.dmp import (
    DmpClient,
    DmpRejectedError,
    DmpRequestError,
    DocumentQuery,
    Visibility,
)
from esante.transport import SoapRequest
from esante.xds import (
    AvailabilityStatus,
    Code,
    GetDocuments,
    QueryRequest,
    RegistryError,
    ResponseStatus,
    StoredQueryId,
    SubmissionSet,
    has_member,
    iti18,
    load_schema,
)
from esante.xds.queries import AdhocQuery
from tests.unit.dmp import kit, official
from tests.unit.dmp.conftest import ScriptedDmp
from tests.unit.dmp.samples import DOCTOR, KIT_PATIENT

RIM = "{urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0}"
OFFICIAL_REQUEST = "TD3.1_Recherche_de_document_requete.xml"


def _adhoc(request: SoapRequest) -> AdhocQuery:
    assert request.envelope.payload is not None
    return iti18.decode_raw_request(request.envelope.payload)[0]


def _slots(request: SoapRequest) -> dict[str, tuple[str, ...]]:
    return {p.name: p.values for p in _adhoc(request).parameters}


def test_default_search_is_the_official_query(client: DmpClient, dmp: ScriptedDmp) -> None:
    dmp.reply_official(official.TD31)
    client.find_documents(KIT_PATIENT, actor=DOCTOR)
    ours = dmp.last.envelope.payload
    theirs = kit.body(OFFICIAL_REQUEST)
    assert ours is not None
    assert kit.paths(ours) == kit.paths(theirs)

    def slots(body: etree._Element) -> dict[str, list[str | None]]:
        adhoc = body.find(f"{RIM}AdhocQuery")
        assert adhoc is not None
        return {
            slot.get("name", ""): [v.text for v in slot.iter(f"{RIM}Value")]
            for slot in adhoc.iter(f"{RIM}Slot")
        }

    assert slots(ours) == slots(theirs)
    assert _adhoc(dmp.last).query_id == StoredQueryId.FIND_DOCUMENTS
    option = ours.find("{urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0}ResponseOption")
    assert option is not None
    assert option.get("returnType") == "LeafClass"
    assert load_schema(Path(kit.schema_dir())).errors(ours) == []


def test_official_answer_lists_the_documents(client: DmpClient, dmp: ScriptedDmp) -> None:
    dmp.reply_official(official.TD31)
    found = client.find_documents(KIT_PATIENT, actor=DOCTOR)
    assert len(found) == 21
    assert found.signatures == ()
    first = found.documents[0]
    assert first.unique_id == "1.2.250.1.999.1.1.7898.1.995657292"
    assert first.entry_uuid == "urn:uuid:7953af1a-ba1c-11eb-816f-0050569e422e"
    assert first.repository_unique_id == "1.2.250.1.213.4.1.1.1.2"
    assert first.invisible_to_patient
    assert found.by_unique_id("1.999888777.1.33") is not None
    assert {d.availability_status for d in found.documents} == {AvailabilityStatus.APPROVED}


def test_filters_become_stored_query_slots(client: DmpClient, dmp: ScriptedDmp) -> None:
    dmp.reply(official.query_answer(()))
    query = DocumentQuery(
        type_codes=(Code("11488-4", "2.16.840.1.113883.6.1"),),
        class_codes=(Code("10", "1.2.250.1.213.1.1.4.1"), Code("11", "1.2.250.1.213.1.1.4.1")),
        authors=("899700000001^%",),
        created_from=date(2025, 1, 1),
        created_to=date(2025, 1, 31),
        service_from=datetime(2025, 1, 10, 9, 30, tzinfo=UTC),
        visibility=(Visibility.MASKED_TO_PROFESSIONALS,),
        include_archived=True,
    )
    client.find_documents(KIT_PATIENT, query, actor=DOCTOR)
    slots = _slots(dmp.last)
    assert slots["$XDSDocumentEntryTypeCode"] == ("('11488-4^^2.16.840.1.113883.6.1')",)
    assert slots["$XDSDocumentEntryClassCode"] == (
        "('10^^1.2.250.1.213.1.1.4.1','11^^1.2.250.1.213.1.1.4.1')",
    )
    assert slots["$XDSDocumentEntryAuthorPerson"] == ("('899700000001^%')",)
    assert slots["$XDSDocumentEntryCreationTimeFrom"] == ("20250101",)
    assert slots["$XDSDocumentEntryCreationTimeTo"] == ("20250201",)  # the 31st included
    assert slots["$XDSDocumentEntryServiceStartTimeFrom"] == ("20250110093000",)
    assert slots["$XDSDocumentEntryConfidentialityCode"] == (
        "('MASQUE_PS^^1.2.250.1.213.1.1.4.13')",
    )
    assert slots["$XDSDocumentEntryStatus"] == (
        "('urn:oasis:names:tc:ebxml-regrep:StatusType:Approved',"
        "'urn:asip:ci-sis:2010:StatusType:Archived')",
    )
    payload = dmp.last.envelope.payload
    assert payload is not None
    assert load_schema(Path(kit.schema_dir())).errors(payload) == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        (DocumentQuery(created_from=datetime(2025, 1, 1)), "created_from"),
        (DocumentQuery(created_from=date(2025, 2, 1), created_to=date(2025, 1, 1)), "created"),
        (
            DocumentQuery(submitted_from=date(2025, 2, 1), submitted_to=date(2025, 1, 1)),
            "submitted",
        ),
    ],
)
def test_bad_dates_are_refused_before_sending(
    client: DmpClient, dmp: ScriptedDmp, query: DocumentQuery, field: str
) -> None:
    with pytest.raises(DmpRequestError) as caught:
        client.find_documents(KIT_PATIENT, query, actor=DOCTOR)
    assert caught.value.field == field
    assert dmp.requests == []


def test_submission_window_uses_submission_sets(client: DmpClient, dmp: ScriptedDmp) -> None:
    entries = official.td31_entries()
    chosen = entries[2]
    submission = SubmissionSet(entry_uuid="urn:uuid:0b3e9f7e-9d42-4c4e-9a57-3f1ac3bd0c11")
    dmp.reply(official.query_answer(submission_sets=(submission,)))
    dmp.reply(
        official.query_answer(
            associations=(
                has_member(
                    "urn:uuid:6c1f4e0a-2f9a-4d5e-8f53-2f0c6b9a1d22",
                    submission.entry_uuid,
                    chosen.entry_uuid,
                ),
            )
        )
    )
    dmp.reply_official(official.TD31)
    found = client.find_documents(
        KIT_PATIENT, DocumentQuery(submitted_from=date(2021, 5, 1)), actor=DOCTOR
    )
    assert [d.entry_uuid for d in found.documents] == [chosen.entry_uuid]
    queries = [_adhoc(r) for r in dmp.requests]
    assert [q.query_id for q in queries] == [
        StoredQueryId.FIND_SUBMISSION_SETS,
        StoredQueryId.GET_ASSOCIATIONS,
        StoredQueryId.FIND_DOCUMENTS,
    ]
    window = {p.name: p.values for p in queries[0].parameters}
    assert window["$XDSSubmissionSetSubmissionTimeFrom"] == ("20210501",)
    links = {p.name: p.values for p in queries[1].parameters}
    assert links["$uuid"] == (f"('{submission.entry_uuid}')",)


def test_empty_submission_window_asks_nothing_more(client: DmpClient, dmp: ScriptedDmp) -> None:
    dmp.reply(official.query_answer())
    found = client.find_documents(
        KIT_PATIENT, DocumentQuery(submitted_to=date(2020, 1, 1)), actor=DOCTOR
    )
    assert len(found) == 0
    assert len(dmp.requests) == 1


def test_registry_failure_is_a_refusal(client: DmpClient, dmp: ScriptedDmp) -> None:
    dmp.reply(
        official.query_answer(
            errors=(RegistryError("XDSTooManyResults", "plus de 500 documents"),),
            status=ResponseStatus.FAILURE,
        )
    )
    with pytest.raises(DmpRejectedError) as caught:
        client.find_documents(KIT_PATIENT, actor=DOCTOR)
    assert caught.value.code == "XDSTooManyResults"
    assert "précisez les critères" in caught.value.message


def test_get_by_unique_id(client: DmpClient, dmp: ScriptedDmp) -> None:
    current = official.td31_entries()[9]
    previous = dataclasses.replace(
        current,
        entry_uuid="urn:uuid:11111111-2222-4333-8444-555555555555",
        version="1",
        availability_status=AvailabilityStatus.DEPRECATED,
    )
    latest = dataclasses.replace(current, version="2")
    dmp.reply(official.query_answer((previous, latest)))
    found = client.get_by_unique_id(KIT_PATIENT, current.unique_id or "", actor=DOCTOR)
    assert found == latest
    payload = dmp.last.envelope.payload
    assert payload is not None
    assert iti18.decode_request(payload) == QueryRequest(
        GetDocuments(unique_ids=(current.unique_id or "",))
    )
    dmp.reply(official.query_answer(()))
    assert client.get_by_unique_id(KIT_PATIENT, "1.2.3.4", actor=DOCTOR) is None
