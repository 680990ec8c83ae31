"""Conversions between the sandbox tables and the record values (no business rule here)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from sqlalchemy import Row, inspect

from esante.sandbox.dmp.models import (
    STATUS_APPROVED,
    STATUS_ARCHIVED,
    STATUS_DELETED,
    STATUS_DEPRECATED,
    DmpDocument,
    DmpDocumentAuthor,
    DmpPatient,
)
from esante.sandbox.dmp.records import (
    AuthorInfo,
    CodedValue,
    DocumentRecord,
    PatientIns,
    PatientRecord,
)
from esante.xds.vocabulary import AvailabilityStatus

STATUS_TO_ROW: dict[AvailabilityStatus, str] = {
    AvailabilityStatus.APPROVED: STATUS_APPROVED,
    AvailabilityStatus.DEPRECATED: STATUS_DEPRECATED,
    AvailabilityStatus.ARCHIVED: STATUS_ARCHIVED,
    AvailabilityStatus.DELETED: STATUS_DELETED,
}
ROW_TO_STATUS: dict[str, AvailabilityStatus] = {v: k for k, v in STATUS_TO_ROW.items()}
_DOCUMENT_COLUMNS = tuple(inspect(DmpDocument).column_attrs)


def patient_ins(row: DmpPatient) -> PatientIns:
    """The INS a patient row was created with."""
    return PatientIns(row.ins, row.ins_oid)


def patient_record(row: DmpPatient) -> PatientRecord:
    """The admin view of a patient row."""
    return PatientRecord(
        patient=patient_ins(row),
        created_at=row.created_at,
        open=row.closed_at is None,
        attached_to_mes=row.attached_to_mes,
        opposed_to_feeding=row.opposed_to_feeding,
        opposed_to_bris_de_glace=row.opposed_to_bris_de_glace,
        opposed_to_centre_15=row.opposed_to_centre_15,
        masked_access_in_emergency=row.masked_access_in_emergency,
        treating_physician=row.treating_physician_id,
        closed_at=row.closed_at,
        closure_reason=row.closure_reason,
        closure_text=row.closure_text,
        family_name=row.family_name,
        given_name=row.given_name,
        birth_date=row.birth_date,
        sex=row.sex,
        name_prefix=row.name_prefix,
        email=row.email,
        mobile_phone=row.mobile_phone,
        internet_account_open=bool(row.internet_account_open),
    )


def author_row(position: int, author: AuthorInfo) -> DmpDocumentAuthor:
    """A table row for one author."""
    return DmpDocumentAuthor(
        position=position,
        id_nat_ps=author.id_nat_ps,
        family_name=author.family_name,
        given_name=author.given_name,
        specialty=author.specialty,
        role=author.role,
        structure_id=author.structure_id,
        structure_name=author.structure_name,
    )


def author_json(author: AuthorInfo) -> dict[str, str | None]:
    """The JSON form of an author (``author_list`` of a document row)."""
    return {
        "id_nat_ps": author.id_nat_ps,
        "family_name": author.family_name,
        "given_name": author.given_name,
        "specialty": author.specialty,
        "role": author.role,
        "structure_id": author.structure_id,
        "structure_name": author.structure_name,
    }


def _optional_code(code: str | None, scheme: str | None, display: str | None) -> CodedValue | None:
    if code is None:
        return None
    return CodedValue(code, scheme or "", display or "")


def _authors(value: list[dict[str, str | None]]) -> tuple[AuthorInfo, ...]:
    return tuple(AuthorInfo(**a) for a in value)


def _event_codes(value: list[dict[str, str]]) -> tuple[CodedValue, ...]:
    return tuple(CodedValue(e["code"], e.get("scheme", ""), e.get("display", "")) for e in value)


@lru_cache(maxsize=4096)
def _authors_of_text(text: str) -> tuple[AuthorInfo, ...]:
    return _authors(json.loads(text))


@lru_cache(maxsize=4096)
def _event_codes_of_text(text: str) -> tuple[CodedValue, ...]:
    return _event_codes(json.loads(text))


def document_record(row: DmpDocument | Row[Any], patient: DmpPatient) -> DocumentRecord:
    """The record of a ``dmp_document`` row: an ORM object, or a Core row (what searches
    read: much cheaper to fetch, and read here through its mapping, not its attributes).
    A Core row selected without ``wire_metadata`` gives a record without it; its JSON
    columns may come as text (decoded here, cached by text: values repeat across rows)."""
    v: Mapping[Any, Any]
    if isinstance(row, DmpDocument):
        v = {column.key: getattr(row, column.key) for column in _DOCUMENT_COLUMNS}
    else:
        v = row._mapping
    author_list = v["author_list"]
    event_codes = v["event_codes"]
    return DocumentRecord(
        entry_uuid=v["entry_uuid"],
        logical_id=v["logical_id"],
        version=v["version"],
        unique_id=v["unique_id"],
        patient=patient_ins(patient),
        status=ROW_TO_STATUS[v["status"]],
        class_code=CodedValue(v["class_code"], v["class_scheme"], v["class_display"]),
        type_code=CodedValue(v["type_code"], v["type_scheme"], v["type_display"]),
        format_code=CodedValue(v["format_code"], v["format_scheme"], v["format_display"]),
        mime_type=v["mime_type"],
        title=v["title"],
        creation_time=v["creation_time"],
        submission_time=v["submission_time"],
        hash=v["hash"],
        size=v["size"],
        repository_unique_id=v["repository_unique_id"],
        submission_set_entry_uuid=v["submission_set_uuid"],
        submitter_id=v["submitter_id"],
        submitter_structure_id=v["submitter_structure_id"],
        authors=_authors_of_text(author_list)
        if isinstance(author_list, str)
        else _authors(author_list or []),
        service_start_time=v["service_start_time"],
        service_stop_time=v["service_stop_time"],
        confidentiality_code=_optional_code(
            v["confidentiality_code"], v["confidentiality_scheme"], v["confidentiality_display"]
        ),
        masked=v["masked"],
        invisible_to_patient=v["invisible_to_patient"],
        invisible_to_legal_representatives=v["invisible_to_legal_representatives"],
        healthcare_facility_type=_optional_code(
            v["facility_type_code"], v["facility_type_scheme"], v["facility_type_display"]
        ),
        practice_setting=_optional_code(
            v["practice_setting_code"], v["practice_setting_scheme"], v["practice_setting_display"]
        ),
        event_codes=_event_codes_of_text(event_codes)
        if isinstance(event_codes, str)
        else _event_codes(event_codes or []),
        language_code=v["language_code"],
        comments=v["comments"],
        patient_document=v["patient_document"],
        wire_metadata=v.get("wire_metadata"),
    )
