"""IHE XDM packages: build → read round trips, schema validity, and every refusal on receipt."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from esante.cda import read_document
from esante.mss import (
    DocumentToSend,
    MssSendError,
    XdmError,
    XdmLimits,
    build_xdm,
    read_xdm,
)
from esante.xds import load_schema
from tests.conftest import shared_path
from tests.unit.mss.samples import ACTIVITY, CREATOR, KINDS, NOW, SOURCE_ID, cda, ids

LCM = "{urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0}SubmitObjectsRequest"
META = "IHE_XDM/SUBSET01/METADATA.XML"
DOC = "IHE_XDM/SUBSET01/DOC0001.XML"


def package(*documents: bytes | DocumentToSend, **options: object) -> bytes:
    return build_xdm(
        documents,
        source_id=SOURCE_ID,
        content_type_code=ACTIVITY,
        creator=CREATOR,
        submission_time=NOW,
        new_id=ids(),
        **options,  # type: ignore[arg-type]
    )


def entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {i.filename: archive.read(i) for i in archive.infolist() if not i.is_dir()}


def rezip(files: dict[str, bytes] | list[tuple[str | zipfile.ZipInfo, bytes]]) -> bytes:
    items = list(files.items()) if isinstance(files, dict) else files
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in items:
            archive.writestr(name, content)
    return buffer.getvalue()


def schema_dir() -> Path:
    return shared_path("dmp-kit", "annexe-wsdl-schema", "schema")


# --- round trips --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_round_trip_for_each_document_kind(kind: str) -> None:
    document = cda(kind)
    data = package(document, intended_recipients=["jeremie.mercier@cds-jean-jaures.mssante.fr"])
    read = read_xdm(data)
    assert len(read.subsets) == 1
    (only,) = read.documents
    assert only.data == document
    assert only.path == DOC
    assert only.is_cda
    entry = only.entry
    header = read_document(document)
    assert entry.unique_id == str(header.document_id)
    assert entry.type_code is not None
    assert entry.type_code.code == header.type_code.code
    assert entry.hash == hashlib.sha1(document).hexdigest()  # noqa: S324 - XDS hash
    assert entry.size == len(document)
    assert entry.uri == "DOC0001.XML"
    submission = read.submission_set
    assert submission.source_id == SOURCE_ID
    assert submission.content_type_code == ACTIVITY
    assert submission.submission_time == "20250314093000"
    assert submission.patient_id == entry.patient_id
    assert submission.intended_recipients == (
        "||^^Internet^jeremie.mercier@cds-jean-jaures.mssante.fr",
    )
    assert [a.target for a in read.subsets[0].associations] == [entry.entry_uuid]
    assert read.readme is not None
    assert "Cabinet médical du Parc" in read.readme.decode("utf-8")
    assert read.index is not None
    assert b"IHE_XDM/SUBSET01/DOC0001.XML" in read.index


def test_archive_layout_is_the_ihe_one_and_stable() -> None:
    data = package(cda("vsm"))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == [
            "README.TXT",
            "INDEX.HTM",
            "IHE_XDM/",
            "IHE_XDM/SUBSET01/",
            META,
            DOC,
        ]
    same = {"submission_unique_id": "1.2.3.4"}
    assert package(cda("vsm"), **same) == package(cda("vsm"), **same)  # stable bytes


def test_index_is_well_formed_xhtml_without_active_content() -> None:
    index = entries(package(cda("vsm")))["INDEX.HTM"]
    root = etree.fromstring(index, etree.XMLParser(resolve_entities=False, no_network=True))
    assert root.tag == "{http://www.w3.org/1999/xhtml}html"
    assert not root.findall(".//{http://www.w3.org/1999/xhtml}script")
    links = [a.get("href") for a in root.iter("{http://www.w3.org/1999/xhtml}a")]
    assert links == [DOC, META, "README.TXT"]


def test_metadata_validates_against_the_ebrim_schemas() -> None:
    schema = load_schema(schema_dir())
    data = package(
        cda("vsm"),
        DocumentToSend(cda("n1"), visibility=("MASQUE_PS",), action="C"),
    )
    metadata = etree.fromstring(entries(data)[META])
    assert metadata.tag == LCM
    schema.validate(metadata)
    read = read_xdm(data, schema=schema)
    assert len(read.documents) == 2


def test_several_documents_of_one_patient() -> None:
    data = package(cda("vsm"), cda("n1"))
    read = read_xdm(data)
    assert [d.path for d in read.documents] == [DOC, "IHE_XDM/SUBSET01/DOC0002.XML"]
    assert [d.data for d in read.documents] == [cda("vsm"), cda("n1")]
    members = {a.target for a in read.subsets[0].associations}
    assert members == {d.entry.entry_uuid for d in read.documents}


def test_visibility_and_action_travel_in_the_metadata() -> None:
    data = package(
        DocumentToSend(cda("vsm"), visibility=("MASQUE_PS", "INVISIBLE_REPRESENTANTS_LEGAUX")),
        DocumentToSend(cda("n1"), action="D"),
    )
    first, second = read_xdm(data).documents
    assert first.entry.masked_to_professionals
    assert first.entry.invisible_to_legal_representatives
    assert not first.entry.invisible_to_patient
    assert first.action is None
    assert second.action == "D"
    assert not second.entry.masked_to_professionals


def test_a_patient_without_ins_is_identified_by_the_local_identifier() -> None:
    document = cda("cs8")  # the demo newborn's identity is not qualified: no INS in the CDA
    assert read_document(document).patient.ins_matricule is None
    entry = read_xdm(package(document)).documents[0].entry
    assert entry.patient_id is not None
    assert entry.patient_id.type_code == "PI"
    assert entry.patient_id.assigning_authority not in {"1.2.250.1.213.1.4.10"}
    assert entry.source_patient_id == entry.patient_id


# --- build refusals -----------------------------------------------------------------------


def test_documents_of_two_patients_are_refused() -> None:
    with pytest.raises(MssSendError) as caught:
        package(cda("vsm"), cda("vac-note"))
    assert caught.value.field == "documents[1]"


@pytest.mark.parametrize(
    ("document", "field"),
    [
        (DocumentToSend(b"<ClinicalDocument xmlns='urn:hl7-org:v3'/>"), "documents[0]"),
        (DocumentToSend(b"not xml"), "documents[0]"),
        (DocumentToSend(b"", action="X"), "documents[0].action"),
        (DocumentToSend(b"", visibility=("SECRET",)), "documents[0].visibility"),
    ],
)
def test_bad_inputs_name_the_document(document: DocumentToSend, field: str) -> None:
    with pytest.raises(MssSendError) as caught:
        package(document)
    assert caught.value.field is not None
    assert caught.value.field.startswith(field)


def test_invalid_intended_recipient_is_refused() -> None:
    with pytest.raises(MssSendError) as caught:
        package(cda("vsm"), intended_recipients=["ok@x.mssante.fr", "pas une adresse"])
    assert caught.value.field == "intended_recipients[1]"
    odd = read_xdm(package(cda("vsm"), intended_recipients=["a|b^c@x.mssante.fr"]))
    assert odd.submission_set.intended_recipients == ("||^^Internet^a\\F\\b\\S\\c@x.mssante.fr",)


def test_the_same_document_twice_is_refused() -> None:
    with pytest.raises(MssSendError, match="deux fois"):
        package(cda("vsm"), cda("vsm"))


def test_no_document_is_refused() -> None:
    with pytest.raises(MssSendError):
        build_xdm([], source_id=SOURCE_ID, content_type_code=ACTIVITY, creator=CREATOR)


# --- receipt refusals ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def good() -> dict[str, bytes]:
    return entries(package(cda("vac-note")))


def refused(data: bytes, field: str | None = None, **limits: int) -> XdmError:
    with pytest.raises(XdmError) as caught:
        read_xdm(data, limits=XdmLimits(**limits) if limits else None)
    if field is not None:
        assert caught.value.field == field, caught.value
    return caught.value


def test_not_a_zip() -> None:
    refused(b"%PDF-1.7 not a zip", "IHE_XDM.ZIP")
    refused(b"PK\x03\x04 truncated", "IHE_XDM.ZIP")


def test_archive_too_large() -> None:
    refused(package(cda("vac-note")), "IHE_XDM.ZIP", max_archive_bytes=1000)


def test_too_many_entries(good: dict[str, bytes]) -> None:
    many = dict(good) | {f"EXTRA{i:03d}.TXT": b"x" for i in range(20)}
    refused(rezip(many), "IHE_XDM.ZIP", max_entries=10)


def test_compression_bomb_by_ratio(good: dict[str, bytes]) -> None:
    bomb = dict(good) | {"IHE_XDM/SUBSET01/DOC0002.XML": b"\0" * (8 * 1024 * 1024)}
    refused(rezip(bomb), "IHE_XDM/SUBSET01/DOC0002.XML")


def test_total_uncompressed_size_is_bounded(good: dict[str, bytes]) -> None:
    refused(rezip(good), "IHE_XDM.ZIP", max_total_bytes=1000)


def test_entry_size_is_bounded(good: dict[str, bytes]) -> None:
    limit = len(good[META]) + 10
    assert len(good[DOC]) > limit
    refused(rezip(good), DOC, max_entry_bytes=limit, max_total_bytes=10**7)


def _with_declared_size(data: bytes, name: str, size: int) -> bytes:
    """``data`` with the central-directory uncompressed size of ``name`` replaced."""
    out = bytearray(data)
    record = out.find(b"PK\x01\x02")
    while record >= 0:
        length = int.from_bytes(out[record + 28 : record + 30], "little")
        if out[record + 46 : record + 46 + length] == name.encode():
            out[record + 24 : record + 28] = size.to_bytes(4, "little")
            return bytes(out)
        record = out.find(b"PK\x01\x02", record + 4)
    raise AssertionError(f"{name} not in the archive")


@pytest.mark.parametrize("declared", [100, 10**6])
def test_declared_sizes_are_not_trusted(good: dict[str, bytes], declared: int) -> None:
    assert declared != len(good[DOC])
    refused(_with_declared_size(rezip(good), DOC, declared), DOC)


@pytest.mark.parametrize(
    "name",
    [
        "../EVIL.TXT",
        "IHE_XDM/../../EVIL.TXT",
        "/etc/EVIL.TXT",
        "IHE_XDM\\SUBSET01\\EVIL.TXT",
        "C:/EVIL.TXT",
        "IHE_XDM//EVIL.TXT",
        "IHE_XDM/./EVIL.TXT",
    ],
)
def test_unsafe_names_are_refused(good: dict[str, bytes], name: str) -> None:
    items: list[tuple[str | zipfile.ZipInfo, bytes]] = [
        *good.items(),
        (zipfile.ZipInfo(name), b"x"),
    ]
    data = rezip(items)
    error = refused(data)
    assert error.field is not None
    assert "EVIL" in error.field


def test_symbolic_links_are_refused(good: dict[str, bytes]) -> None:
    link = zipfile.ZipInfo("IHE_XDM/SUBSET01/LINK.XML")
    link.external_attr = 0o120777 << 16
    refused(rezip([*good.items(), (link, b"/etc/passwd")]), "IHE_XDM/SUBSET01/LINK.XML")


def test_encrypted_entries_are_refused(good: dict[str, bytes]) -> None:
    data = bytearray(rezip(good))
    record = data.find(b"PK\x01\x02")
    while record >= 0:
        data[record + 8] |= 0x01  # general purpose flag: encrypted
        record = data.find(b"PK\x01\x02", record + 4)
    refused(bytes(data), "README.TXT")


def test_duplicate_names_are_refused(good: dict[str, bytes]) -> None:
    items: list[tuple[str | zipfile.ZipInfo, bytes]] = [*good.items(), (DOC, good[DOC])]
    with pytest.warns(UserWarning, match="Duplicate name"):
        data = rezip(items)
    refused(data, DOC)


def test_names_differing_only_by_case_are_refused(good: dict[str, bytes]) -> None:
    refused(rezip(dict(good) | {DOC.lower(): b"x"}), DOC.lower())


def test_missing_metadata(good: dict[str, bytes]) -> None:
    files = {k: v for k, v in good.items() if k != META}
    refused(rezip(files), META)


def test_metadata_that_is_not_xml(good: dict[str, bytes]) -> None:
    refused(rezip(dict(good) | {META: b"<not xml"}), META)


def test_metadata_that_is_not_ebrim(good: dict[str, bytes]) -> None:
    other = b"<ProvideAndRegisterDocumentSetRequest xmlns='urn:ihe:iti:xds-b:2007'/>"
    error = refused(rezip(dict(good) | {META: other}), META)
    assert "ebRIM" in error.message


def test_metadata_with_an_entity_declaration_is_refused(good: dict[str, bytes]) -> None:
    hostile = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'
    refused(rezip(dict(good) | {META: hostile}), META)


def test_metadata_failing_the_schema(good: dict[str, bytes]) -> None:
    schema = load_schema(schema_dir())
    broken = good[META].replace(b"<rim:RegistryObjectList>", b"<rim:RegistryObjectList><rim:Oops/>")
    with pytest.raises(XdmError) as caught:
        read_xdm(rezip(dict(good) | {META: broken}), schema=schema)
    assert caught.value.field is not None
    assert caught.value.field.startswith(META)


def test_referenced_document_missing(good: dict[str, bytes]) -> None:
    files = {k: v for k, v in good.items() if k != DOC}
    refused(rezip(files), DOC)


def test_document_uri_missing(good: dict[str, bytes]) -> None:
    broken = good[META].replace(b'<rim:Slot name="URI">', b'<rim:Slot name="notURI">')
    error = refused(rezip(dict(good) | {META: broken}))
    assert error.field is not None
    assert error.field.endswith(".URI")


def test_document_uri_escaping_the_package(good: dict[str, bytes]) -> None:
    broken = good[META].replace(b"<rim:Value>DOC0001.XML<", b"<rim:Value>../../README.TXT<")
    error = refused(rezip(dict(good) | {META: broken}))
    assert error.field is not None
    assert error.field.endswith(".URI")


def test_hash_mismatch(good: dict[str, bytes]) -> None:
    tampered = good[DOC].replace(b"<title>", b"<title>X")[: len(good[DOC])]
    error = refused(rezip(dict(good) | {DOC: tampered}), DOC)
    assert "empreinte" in error.message


def test_size_mismatch(good: dict[str, bytes]) -> None:
    size = str(len(good[DOC])).encode()
    broken = good[META].replace(
        f"<rim:Value>{size.decode()}</rim:Value>".encode(), b"<rim:Value>1</rim:Value>"
    )
    assert broken != good[META]
    error = refused(rezip(dict(good) | {META: broken}), DOC)
    assert "taille" in error.message


def test_missing_hash(good: dict[str, bytes]) -> None:
    broken = good[META].replace(b'<rim:Slot name="hash">', b'<rim:Slot name="nohash">')
    refused(rezip(dict(good) | {META: broken}), DOC)


def test_document_outside_the_submission_set(good: dict[str, bytes]) -> None:
    broken = good[META].replace(
        b"urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember",
        b"urn:ihe:iti:2007:AssociationType:XFRM",
    )
    error = refused(rezip(dict(good) | {META: broken}))
    assert "HasMember" in (error.detail or "")


def test_unreferenced_files_are_refused(good: dict[str, bytes]) -> None:
    refused(
        rezip(dict(good) | {"IHE_XDM/SUBSET01/DOC0009.XML": b"<x/>"}),
        "IHE_XDM/SUBSET01/DOC0009.XML",
    )
    refused(rezip(dict(good) | {"VIEWER.EXE": b"MZ"}), "VIEWER.EXE")


def test_index_and_readme_are_optional_and_tolerated(good: dict[str, bytes]) -> None:
    bare = {k: v for k, v in good.items() if k not in ("INDEX.HTM", "README.TXT")}
    read = read_xdm(rezip(bare))
    assert read.index is None
    assert read.readme is None
    lower = bare | {"index.htm": b"<html/>", "readme.txt": b"hello"}
    assert read_xdm(rezip(lower)).readme == b"hello"


def test_uri_relative_to_the_media_root_and_lower_case_names(good: dict[str, bytes]) -> None:
    metadata = good[META].replace(b"<rim:Value>DOC0001.XML<", f"<rim:Value>{DOC}<".encode())
    files = {k: v for k, v in good.items() if k != DOC} | {META: metadata, DOC.lower(): good[DOC]}
    (document,) = read_xdm(rezip(files)).documents
    assert document.path == DOC.lower()
