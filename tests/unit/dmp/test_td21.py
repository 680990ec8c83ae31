"""TD2.1: the submission has the layout of the official example, validates, is signed;
the DMP's answers (official success, refusals) become results or DmpErrors."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from esante.dmp import (
    DmpClient,
    DmpEndpoints,
    DmpRejectedError,
    DmpRequestError,
    DmpUnavailableError,
    Signer,
    SigningVihfIssuer,
    SubmitResult,
    Visibility,
)
from esante.transport import InProcessTransport, SoapRequest
from esante.trust import ManifestEntry, Pki, verify_submission_signature
from esante.xds import (
    AssociationType,
    DocumentEntry,
    ProvideAndRegisterDocumentSet,
    RegistryError,
    XdsMappingError,
    iti41,
    load_schema,
)
from tests.unit.dmp import kit, official
from tests.unit.dmp.conftest import BASE_URL, ScriptedDmp
from tests.unit.dmp.samples import ACTIVITY, DOCTOR, KIT_PATIENT, LPS, PATIENT, cda

OFFICIAL_REQUEST = "TD2.1_Alimentation_requete.xml"
XOP_INCLUDE = "{http://www.w3.org/2004/08/xop/include}Include"


def _sent(request: SoapRequest) -> ProvideAndRegisterDocumentSet:
    assert request.envelope.payload is not None
    parts = {a.content_id: a.data for a in request.attachments}
    return iti41.decode_request(request.envelope.payload, attachments=parts)


def _official() -> ProvideAndRegisterDocumentSet:
    parts = {}
    data = kit.raw(OFFICIAL_REQUEST)
    for cid in ("WS_DMP_TD2.1-DocumentME2.xml", "WS_DMP_TD2.1-SignatureXades.xml"):
        parts[cid] = data  # contents do not matter here, only the metadata
    return iti41.decode_request(kit.body(OFFICIAL_REQUEST), attachments=parts)


def _shape(request: ProvideAndRegisterDocumentSet) -> set[tuple[str, str, str]]:
    """Associations as (type, source kind, target kind): what the layout is made of."""

    def kind(obj_id: str) -> str:
        if obj_id == request.submission_set.entry_uuid:
            return "submission set"
        entry = next(e for e in request.document_entries if e.entry_uuid == obj_id)
        return "signature" if entry.is_signature else "document"

    return {(str(a.association_type), kind(a.source), kind(a.target)) for a in request.associations}


@pytest.fixture
def submitted(client: DmpClient, dmp: ScriptedDmp) -> tuple[SubmitResult, SoapRequest]:
    dmp.reply_official(official.TD21)
    result = client.submit(PATIENT, cda(), actor=DOCTOR)
    return result, dmp.last


def test_layout_is_the_official_one(submitted: tuple[SubmitResult, SoapRequest]) -> None:
    ours, theirs = _sent(submitted[1]), _official()
    assert (
        _shape(ours)
        == _shape(theirs)
        == {
            (AssociationType.HAS_MEMBER, "submission set", "document"),
            (AssociationType.HAS_MEMBER, "submission set", "signature"),
            (AssociationType.SIGNS, "signature", "submission set"),
        }
    )
    our_signature = next(e for e in ours.document_entries if e.is_signature)
    their_signature = next(e for e in theirs.document_entries if e.is_signature)
    for attribute in (
        "class_code",
        "type_code",
        "format_code",
        "confidentiality_codes",
        "event_codes",
        "language_code",
        "mime_type",
        "title",
    ):
        assert getattr(our_signature, attribute) == getattr(their_signature, attribute), attribute
    assert our_signature.authors == ours.submission_set.authors
    assert ours.submission_set.authors[0].person is not None
    assert ours.submission_set.authors[0].person.id == DOCTOR.id


def test_documents_travel_as_mtom_parts(
    client: DmpClient, dmp: ScriptedDmp, submitted: tuple[SubmitResult, SoapRequest]
) -> None:
    request = submitted[1]
    assert dmp.wires[-1].content_type.startswith("multipart/related;")
    assert 'type="application/xop+xml"' in dmp.wires[-1].content_type
    assert request.envelope.payload is not None
    includes = list(request.envelope.payload.iter(XOP_INCLUDE))
    assert len(includes) == 2
    assert cda() in [a.data for a in request.attachments]


def test_body_validates_against_the_kit_schemas(
    submitted: tuple[SubmitResult, SoapRequest],
) -> None:
    schema = load_schema(Path(kit.schema_dir()))
    payload = submitted[1].envelope.payload
    assert payload is not None
    assert schema.errors(payload) == []


def test_signature_covers_the_cda(pki: Pki, submitted: tuple[SubmitResult, SoapRequest]) -> None:
    result, request = submitted
    sent = _sent(request)
    signature_entry = next(e for e in sent.document_entries if e.is_signature)
    signature = sent.document(signature_entry.entry_uuid)
    assert signature is not None
    assert signature_entry.unique_id == result.signature_unique_id
    verify_submission_signature(
        signature.data,
        documents=[ManifestEntry(result.document_unique_id, cda())],
        trusted_cas=[pki.ca.load_certificate()],
    )


def test_official_answer_gives_the_identifiers(
    submitted: tuple[SubmitResult, SoapRequest],
) -> None:
    result, request = submitted
    sent = _sent(request)
    assert result.document_unique_id == "1.2.250.1.999.42.7.1"
    assert result.submission_set_unique_id == sent.submission_set.unique_id
    assert result.submission_set_unique_id.startswith("2.25.")
    assert result.replaced_entry_uuid is None
    assert result.warnings == ()


def test_visibility_codes_are_added(client: DmpClient, dmp: ScriptedDmp) -> None:
    dmp.reply_official(official.TD21)
    client.submit(
        PATIENT,
        cda(),
        actor=DOCTOR,
        visibility=[Visibility.INVISIBLE_TO_PATIENT, Visibility.MASKED_TO_PROFESSIONALS],
    )
    document = next(e for e in _sent(dmp.last).document_entries if not e.is_signature)
    assert document.invisible_to_patient
    assert document.masked_to_professionals
    assert not document.invisible_to_legal_representatives


def _registered(unique_id: str) -> DocumentEntry:
    entry = official.td31_entries()[9]
    return dataclasses.replace(entry, unique_id=unique_id, patient_id=entry.patient_id)


def test_replacement_looks_up_the_replaced_entry(client: DmpClient, dmp: ScriptedDmp) -> None:
    old = _registered("1.2.250.1.999.42.7.0")
    dmp.reply(official.query_answer((old,)))
    dmp.reply_official(official.TD21)
    result = client.submit(
        PATIENT, cda(document_id="1.2.250.1.999.42.7.2", replaces=old.unique_id), actor=DOCTOR
    )
    lookup, submission = dmp.requests
    assert lookup.envelope.addressing.action == "urn:ihe:iti:2007:RegistryStoredQuery"
    assert result.replaced_entry_uuid == old.entry_uuid
    replacements = [
        a for a in _sent(submission).associations if a.association_type == AssociationType.REPLACE
    ]
    assert [(a.source, a.target) for a in replacements] == [("Document01", old.entry_uuid)]


def test_replacement_with_a_known_entry_skips_the_lookup(
    client: DmpClient, dmp: ScriptedDmp
) -> None:
    old = _registered("1.2.250.1.999.42.7.0")
    dmp.reply_official(official.TD21)
    client.submit(
        PATIENT,
        cda(document_id="1.2.250.1.999.42.7.2", replaces=old.unique_id),
        actor=DOCTOR,
        replaces=old,
    )
    assert len(dmp.requests) == 1


def test_replaced_document_unknown_to_the_dmp(client: DmpClient, dmp: ScriptedDmp) -> None:
    dmp.reply(official.query_answer(()))
    with pytest.raises(DmpRequestError) as caught:
        client.submit(PATIENT, cda(replaces="1.2.250.1.999.42.7.0"), actor=DOCTOR)
    assert caught.value.field == "replaces"
    assert "introuvable" in caught.value.message
    assert len(dmp.requests) == 1  # the lookup only: nothing submitted


def test_document_of_another_patient_is_refused_before_sending(
    client: DmpClient, dmp: ScriptedDmp
) -> None:
    with pytest.raises(DmpRequestError) as caught:
        client.submit(KIT_PATIENT, cda(), actor=DOCTOR)
    assert "patient" in caught.value.message
    assert dmp.requests == []


def test_unmappable_cda_is_refused_before_sending(client: DmpClient, dmp: ScriptedDmp) -> None:
    # the patient's only identifier is a local one: no INS to map to patientId
    document = cda().replace(b'root="1.2.250.1.213.1.4.10"', b'root="1.2.250.1.999.42.2"')
    with pytest.raises(DmpRequestError) as caught:
        client.submit(PATIENT, document, actor=DOCTOR)
    assert caught.value.field == "recordTarget/patientRole/id"
    assert isinstance(caught.value.__cause__, XdsMappingError)
    assert "INS" in caught.value.message
    assert dmp.requests == []


def test_duplicate_document_is_a_permanent_refusal(client: DmpClient, dmp: ScriptedDmp) -> None:
    dmp.reply(
        official.registry_answer(
            RegistryError("XDSDuplicateUniqueIdInRegistry", "uniqueId 1.2.250.1.999.42.7.1 existe")
        )
    )
    with pytest.raises(DmpRejectedError) as caught:
        client.submit(PATIENT, cda(), actor=DOCTOR)
    error = caught.value
    assert error.code == "XDSDuplicateUniqueIdInRegistry"
    assert error.message.startswith("Un document portant le même identifiant existe déjà")
    assert "uniqueId 1.2.250.1.999.42.7.1 existe" in error.message
    assert not error.is_transient
    assert not error.outcome_uncertain
    assert error.errors[0].code_context == "uniqueId 1.2.250.1.999.42.7.1 existe"


def test_busy_repository_is_transient(client: DmpClient, dmp: ScriptedDmp) -> None:
    dmp.reply(official.registry_answer(RegistryError("XDSRepositoryBusy", "réessayez")))
    with pytest.raises(DmpUnavailableError) as caught:
        client.submit(PATIENT, cda(), actor=DOCTOR)
    assert caught.value.is_transient
    assert caught.value.code == "XDSRepositoryBusy"


def test_missing_configuration_is_a_request_error(dmp: ScriptedDmp, signer: Signer) -> None:
    bare = DmpClient(
        InProcessTransport(dmp),
        DmpEndpoints.from_base_url(BASE_URL),
        vihf_issuer=SigningVihfIssuer(signer),
        lps=LPS,
    )
    with pytest.raises(DmpRequestError, match="certificat de signature"):
        bare.submit(PATIENT, cda(), actor=DOCTOR)
    assert dmp.requests == []


@pytest.mark.parametrize(
    ("episode", "expected"),
    [
        (None, ("07", "Consultation Soins Externes")),
        ("consultation", ("07", "Consultation Soins Externes")),
        ("visite", ("07", "Consultation Soins Externes")),
        ("teleconsultation", ("07", "Consultation Soins Externes")),
        ("hospitalisation_jour", ("04", "Hospitalisation de Jour")),
        (
            "hospitalisation",
            ("03", "Hospitalisation complète (non compris hospitalisation de semaine)"),
        ),
        ("inconnu", ("97", "Type d'activité indifférencié")),
    ],
)
def test_clinical_activity_comes_from_the_care_episode(
    dmp: ScriptedDmp, signer: Signer, episode: str | None, expected: tuple[str, str]
) -> None:
    """contentTypeCode is derived from the episode (CI-SIS mapping: outpatient → 07), not 04."""
    bare = DmpClient(
        InProcessTransport(dmp),
        DmpEndpoints.from_base_url(BASE_URL),
        vihf_issuer=SigningVihfIssuer(signer),
        lps=LPS,
        document_signer=signer,
    )
    dmp.reply_official(official.TD21)
    bare.submit(PATIENT, cda(), actor=DOCTOR, care_episode=episode)
    code = _sent(dmp.last).submission_set.content_type_code
    assert code is not None
    assert (code.code, code.display) == expected
    assert code.coding_scheme == _official().submission_set.content_type_code.coding_scheme  # type: ignore[union-attr]


def test_explicit_clinical_activity_wins_over_the_episode(
    client: DmpClient, dmp: ScriptedDmp
) -> None:
    dmp.reply_official(official.TD21)
    client.submit(PATIENT, cda(), actor=DOCTOR, content_type_code=ACTIVITY, care_episode="visite")
    assert _sent(dmp.last).submission_set.content_type_code == ACTIVITY
