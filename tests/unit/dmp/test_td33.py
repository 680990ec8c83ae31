"""TD3.3a-d: updates laid out like the official TD3.3c/d requests; answers read."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from esante.dmp import DmpClient, DmpRequestError, UpdateResult
from esante.transport import SoapRequest
from esante.xds import (
    AssociationType,
    AvailabilityStatus,
    DocumentEntry,
    UpdateDocumentSet,
    iti57,
    load_schema,
)
from tests.unit.dmp import kit, official
from tests.unit.dmp.conftest import ScriptedDmp
from tests.unit.dmp.samples import DOCTOR, KIT_PATIENT

DELETE_REQUEST = "TD3.3c_Supprimer_un_document_requete.xml"
ARCHIVE_REQUEST = "TD3.3d_Archiver_un_document_requete.xml"


def _entry(status: AvailabilityStatus = AvailabilityStatus.APPROVED) -> DocumentEntry:
    return dataclasses.replace(official.td31_entries()[9], availability_status=status)


def _sent(request: SoapRequest) -> UpdateDocumentSet:
    assert request.envelope.payload is not None
    return iti57.decode_request(request.envelope.payload)


def _status_change(update: UpdateDocumentSet) -> tuple[str, str, str]:
    (association,) = update.associations
    assert association.association_type == AssociationType.UPDATE_AVAILABILITY_STATUS
    assert association.source == update.submission_set.entry_uuid
    return association.target, str(association.original_status), str(association.new_status)


def _check_schema(request: SoapRequest) -> None:
    payload = request.envelope.payload
    assert payload is not None
    assert load_schema(Path(kit.schema_dir())).errors(payload) == []


def test_delete_is_laid_out_like_the_official_request(client: DmpClient, dmp: ScriptedDmp) -> None:
    entry = _entry(AvailabilityStatus.ARCHIVED)
    dmp.reply_official(official.TD33C)
    result = client.delete(KIT_PATIENT, entry, actor=DOCTOR)
    assert result == UpdateResult("TD3.3c", entry.entry_uuid, entry.unique_id)
    ours, theirs = _sent(dmp.last), iti57.decode_request(kit.body(DELETE_REQUEST))
    assert _status_change(ours) == (entry.entry_uuid, *_status_change(theirs)[1:])
    assert ours.document_entries == theirs.document_entries == ()
    author = ours.submission_set.authors[0]
    assert author.person is not None
    assert author.person.id == DOCTOR.id
    assert ours.submission_set.content_type_code == theirs.submission_set.content_type_code
    _check_schema(dmp.last)


def test_archive_and_unarchive(client: DmpClient, dmp: ScriptedDmp) -> None:
    theirs = iti57.decode_request(kit.body(ARCHIVE_REQUEST))
    dmp.reply_official(official.TD33D)
    client.archive(KIT_PATIENT, _entry(), actor=DOCTOR)
    assert _status_change(_sent(dmp.last))[1:] == _status_change(theirs)[1:]
    _check_schema(dmp.last)
    dmp.reply_official(official.TD33D)
    client.unarchive(KIT_PATIENT, _entry(AvailabilityStatus.ARCHIVED), actor=DOCTOR)
    assert _status_change(_sent(dmp.last))[1:] == (
        AvailabilityStatus.ARCHIVED,
        AvailabilityStatus.APPROVED,
    )


def test_archive_refuses_a_document_in_the_wrong_state(client: DmpClient, dmp: ScriptedDmp) -> None:
    with pytest.raises(DmpRequestError, match="il est archivé"):
        client.archive(KIT_PATIENT, _entry(AvailabilityStatus.ARCHIVED), actor=DOCTOR)
    with pytest.raises(DmpRequestError, match="il est actif"):
        client.unarchive(KIT_PATIENT, _entry(), actor=DOCTOR)
    with pytest.raises(DmpRequestError, match="déjà supprimé"):
        client.delete(KIT_PATIENT, _entry(AvailabilityStatus.DELETED), actor=DOCTOR)
    assert dmp.requests == []


def test_mask_publishes_a_new_version(client: DmpClient, dmp: ScriptedDmp) -> None:
    entry = _entry()
    dmp.reply_official(official.TD33C)  # same RegistryResponse as every ITI-57 answer
    result = client.mask(KIT_PATIENT, entry, actor=DOCTOR)
    assert result.transaction == "TD3.3a"
    update = _sent(dmp.last)
    (version,) = update.document_entries
    assert version.masked_to_professionals
    assert version.logical_id == entry.entry_uuid
    (membership,) = update.associations
    assert membership.association_type == AssociationType.HAS_MEMBER
    assert membership.previous_version == entry.version
    _check_schema(dmp.last)


@pytest.mark.parametrize(
    ("method", "attribute", "expected"),
    [
        ("unmask", "masked_to_professionals", False),
        ("hide_from_patient", "invisible_to_patient", True),
        ("hide_from_representatives", "invisible_to_legal_representatives", True),
    ],
)
def test_visibility_changes(
    client: DmpClient, dmp: ScriptedDmp, method: str, attribute: str, expected: bool
) -> None:
    entry = _entry().with_visibility(masked_to_professionals=True)
    dmp.reply_official(official.TD33C)
    if method == "unmask":
        result = client.unmask(KIT_PATIENT, entry, actor=DOCTOR)
    elif method == "hide_from_patient":
        result = client.set_patient_visibility(KIT_PATIENT, entry, False, actor=DOCTOR)
    else:
        result = client.set_legal_representatives_visibility(
            KIT_PATIENT, entry, False, actor=DOCTOR
        )
    assert result.transaction == ("TD3.3a" if method == "unmask" else "TD3.3b")
    (version,) = _sent(dmp.last).document_entries
    assert getattr(version, attribute) is expected


def test_entry_given_by_unique_id_is_looked_up_first(client: DmpClient, dmp: ScriptedDmp) -> None:
    entry = _entry()
    dmp.reply(official.query_answer((entry,)))
    dmp.reply_official(official.TD33D)
    client.archive(KIT_PATIENT, entry.unique_id or "", actor=DOCTOR)
    assert [r.envelope.addressing.action for r in dmp.requests] == [
        "urn:ihe:iti:2007:RegistryStoredQuery",
        "urn:ihe:iti:2010:UpdateDocumentSet",
    ]
    assert _status_change(_sent(dmp.last))[0] == entry.entry_uuid


def test_unknown_unique_id(client: DmpClient, dmp: ScriptedDmp) -> None:
    dmp.reply(official.query_answer(()))
    with pytest.raises(DmpRequestError, match="introuvable"):
        client.delete(KIT_PATIENT, "1.2.3.4", actor=DOCTOR)
    assert len(dmp.requests) == 1


def test_entry_not_registered(client: DmpClient, dmp: ScriptedDmp) -> None:
    local = dataclasses.replace(_entry(), entry_uuid="Document01")
    with pytest.raises(DmpRequestError, match="recherchez-le"):
        client.delete(KIT_PATIENT, local, actor=DOCTOR)
    assert dmp.requests == []
