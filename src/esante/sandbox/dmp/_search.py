"""TD3.1 FindDocuments as one SQL query on a patient's documents.

The patient and status conditions come first so that the composite index
``(patient_id, status, creation_time)`` narrows the scan to one patient's documents; the
other filters then apply to those rows. Authors are matched through an ``EXISTS`` on the
author table (indexed on idNat_PS). Rows come back as Core rows (cheaper than ORM
objects). The rights matrix is applied afterwards, document by document, by the service.
The JSON columns (authors, event codes) are read as their text, which
:func:`~esante.sandbox.dmp._rows.document_record` decodes once per distinct value (a
patient's documents share a handful of author lists) instead of once per row.
``wire_metadata`` (the entry as received, about 6 KiB a document) can be left out: the SOAP
answer only needs it for the entries it has not encoded yet, and fetches those apart.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, Text, and_, cast, exists, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from esante.sandbox.dmp._rows import STATUS_TO_ROW
from esante.sandbox.dmp.models import DmpDocument, DmpDocumentAuthor
from esante.sandbox.dmp.records import DocumentQuery
from esante.xds.vocabulary import (
    INVISIBLE_TO_LEGAL_REPRESENTATIVES,
    INVISIBLE_TO_PATIENT,
    MASKED_TO_PROFESSIONALS,
)

_JSON_COLUMNS = frozenset({"author_list", "event_codes"})


def find_documents_query(
    patient_id: int, query: DocumentQuery, *, wire_metadata: bool = True
) -> Select[Any]:
    """The SELECT (Core rows of ``dmp_document``) of a patient's documents matching
    ``query``, newest creation first; without the ``wire_metadata`` column when
    ``wire_metadata`` is false."""
    d = DmpDocument
    conditions: list[ColumnElement[bool]] = [
        d.patient_id == patient_id,
        d.status.in_(sorted(STATUS_TO_ROW[s] for s in query.statuses)),
    ]
    code_filters: list[
        tuple[InstrumentedAttribute[str] | InstrumentedAttribute[str | None], tuple[str, ...]]
    ] = [
        (d.class_code, query.class_codes),
        (d.type_code, query.type_codes),
        (d.format_code, query.format_codes),
        (d.practice_setting_code, query.practice_setting_codes),
        (d.facility_type_code, query.healthcare_facility_type_codes),
    ]
    for code_column, codes in code_filters:
        if codes:
            conditions.append(code_column.in_(codes))
    time_filters: list[
        tuple[
            InstrumentedAttribute[datetime] | InstrumentedAttribute[datetime | None],
            datetime | None,
            datetime | None,
        ]
    ] = [
        (d.creation_time, query.creation_from, query.creation_to),
        (d.service_start_time, query.service_start_from, query.service_start_to),
        (d.service_stop_time, query.service_stop_from, query.service_stop_to),
        (d.submission_time, query.submission_from, query.submission_to),
    ]
    for time_column, low, high in time_filters:
        if low is not None:
            conditions.append(time_column >= low)
        if high is not None:
            conditions.append(time_column < high)
    if query.confidentiality:
        conditions.append(_confidentiality(query.confidentiality))
    if query.author_ids:
        conditions.append(
            exists().where(
                DmpDocumentAuthor.document_id == d.id,
                DmpDocumentAuthor.id_nat_ps.in_(query.author_ids),
            )
        )
    table = DmpDocument.__table__
    columns: list[ColumnElement[Any]] = [
        cast(c, Text).label(c.key) if c.key in _JSON_COLUMNS else c
        for c in table.columns
        if wire_metadata or c.key != "wire_metadata"
    ]
    return select(*columns).where(and_(*conditions)).order_by(d.creation_time.desc(), d.id.desc())


def _confidentiality(codes: tuple[str, ...]) -> ColumnElement[bool]:
    flags = {
        MASKED_TO_PROFESSIONALS: DmpDocument.masked,
        INVISIBLE_TO_PATIENT: DmpDocument.invisible_to_patient,
        INVISIBLE_TO_LEGAL_REPRESENTATIVES: DmpDocument.invisible_to_legal_representatives,
    }
    alternatives: list[ColumnElement[bool]] = [flags[c].is_(True) for c in codes if c in flags]
    others = [c for c in codes if c not in flags]
    if others:
        alternatives.append(DmpDocument.confidentiality_code.in_(others))
    return or_(*alternatives)
