"""TD3.2: the retrieve request is the official one; the MTOM answer gives the document."""

from __future__ import annotations

from pathlib import Path

import pytest

from esante.dmp import DmpClient, DmpRejectedError, DmpRequestError, td32
from esante.xds import RegistryError, ResponseStatus, iti43, load_schema
from esante.xds import RetrieveDocumentSetResponse as XdsRetrieveResponse
from esante.xds.responses import RegistryResponse
from tests.unit.dmp import kit, official
from tests.unit.dmp.conftest import ScriptedDmp
from tests.unit.dmp.samples import DOCTOR, KIT_PATIENT

OFFICIAL_REQUEST = "TD3.2_Consultation_dun_document_requete.xml"
UNIQUE_ID = "1.2.250.1.999.1.1.7898.1.995657292"
REPOSITORY = "1.2.250.1.213.4.1.1.1.2"


def test_request_is_the_official_one(client: DmpClient, dmp: ScriptedDmp) -> None:
    official.reply_retrieve(dmp)
    client.retrieve(KIT_PATIENT, UNIQUE_ID, REPOSITORY, actor=DOCTOR)
    ours = dmp.last.envelope.payload
    theirs = kit.body(OFFICIAL_REQUEST)
    assert ours is not None
    assert kit.paths(ours) == kit.paths(theirs)
    assert iti43.decode_request(ours) == iti43.decode_request(theirs)
    assert load_schema(Path(kit.schema_dir())).errors(ours) == []
    assert not dmp.last.mtom  # the request is plain SOAP, like the official one


def test_official_answer_gives_the_document(client: DmpClient, dmp: ScriptedDmp) -> None:
    official.reply_retrieve(dmp, b"<ClinicalDocument/>")
    document = client.retrieve(KIT_PATIENT, UNIQUE_ID, REPOSITORY, actor=DOCTOR)
    assert document.data == b"<ClinicalDocument/>"
    assert document.mime_type == "text/xml"
    assert (document.document_unique_id, document.repository_unique_id) == (UNIQUE_ID, REPOSITORY)


def test_unknown_document(client: DmpClient, dmp: ScriptedDmp) -> None:
    answer = XdsRetrieveResponse(
        RegistryResponse(
            ResponseStatus.FAILURE,
            (RegistryError("XDSDocumentUniqueIdError", f"uniqueId={UNIQUE_ID}"),),
        )
    )
    dmp.reply(official.envelope(iti43.encode_response(answer)))
    with pytest.raises(DmpRejectedError) as caught:
        client.retrieve(KIT_PATIENT, UNIQUE_ID, REPOSITORY, actor=DOCTOR)
    assert caught.value.code == "XDSDocumentUniqueIdError"
    assert caught.value.message.startswith("Document introuvable dans le DMP.")


def test_answer_without_the_document(client: DmpClient, dmp: ScriptedDmp) -> None:
    answer = XdsRetrieveResponse(RegistryResponse(ResponseStatus.SUCCESS))
    dmp.reply(official.envelope(iti43.encode_response(answer)))
    with pytest.raises(DmpRejectedError) as caught:
        client.retrieve(KIT_PATIENT, UNIQUE_ID, REPOSITORY, actor=DOCTOR)
    assert caught.value.code == td32.NOT_FOUND


def test_empty_identifiers_are_refused(client: DmpClient, dmp: ScriptedDmp) -> None:
    with pytest.raises(DmpRequestError) as caught:
        client.retrieve(KIT_PATIENT, UNIQUE_ID, " ", actor=DOCTOR)
    assert caught.value.field == "repository_id"
    assert dmp.requests == []
