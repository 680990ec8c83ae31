"""ITI-18 stored queries: typed queries, their parameter table, and the slot syntax.

The DMP search (TD3.1) is a Registry Stored Query (ITI TF-2a §3.18.4.1.2.3.7):
``FindDocuments`` lists a patient's documents with filters (status, class, type,
practice setting, facility type, event codes, confidentiality, format, author, creation
and service dates), ``GetDocuments`` fetches entries by entryUUID or uniqueId (TD3.1b),
``GetAssociations`` lists the associations of objects, ``FindSubmissionSets`` finds
submissions by date (the only way to filter on submission time, see
dmp-kit/notes-recherche-documents.md §8).

On the wire each parameter is a ``Slot`` whose values use the stored-query syntax of
:mod:`esante.xds.query_syntax` (quoted strings, parenthesised lists, ``code^^scheme``
codes, bare DTM times). For the event and
confidentiality codes, several slots of the same name are AND-ed while the values of
one slot are OR-ed: those two filters are tuples of OR-groups.

:data:`QUERY_PARAMETERS` declares, per query, each parameter's kind and cardinality; the
codec and the validator both read it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Final

from esante.xds.errors import XdsFormatError
from esante.xds.hl7v2 import Identifier
from esante.xds.metadata import Code
from esante.xds.query_syntax import format_code, format_list, parse_code, parse_values, quote
from esante.xds.vocabulary import (
    Q_DE_AUTHOR_PERSON,
    Q_DE_CLASS_CODE,
    Q_DE_CONFIDENTIALITY_CODE,
    Q_DE_CREATION_TIME_FROM,
    Q_DE_CREATION_TIME_TO,
    Q_DE_ENTRY_UUID,
    Q_DE_EVENT_CODE_LIST,
    Q_DE_FORMAT_CODE,
    Q_DE_HEALTHCARE_FACILITY_TYPE_CODE,
    Q_DE_PATIENT_ID,
    Q_DE_PRACTICE_SETTING_CODE,
    Q_DE_SERVICE_START_TIME_FROM,
    Q_DE_SERVICE_START_TIME_TO,
    Q_DE_SERVICE_STOP_TIME_FROM,
    Q_DE_SERVICE_STOP_TIME_TO,
    Q_DE_STATUS,
    Q_DE_TYPE,
    Q_DE_TYPE_CODE,
    Q_DE_UNIQUE_ID,
    Q_HOME_COMMUNITY_ID,
    Q_SS_AUTHOR_PERSON,
    Q_SS_CONTENT_TYPE,
    Q_SS_PATIENT_ID,
    Q_SS_SOURCE_ID,
    Q_SS_STATUS,
    Q_SS_SUBMISSION_TIME_FROM,
    Q_SS_SUBMISSION_TIME_TO,
    Q_UUID,
    AvailabilityStatus,
    StoredQueryId,
)


class ParameterKind(Enum):
    """How a stored-query parameter value is written."""

    STRING = "string"  #: one quoted string ('value')
    STRINGS = "strings"  #: a list of quoted strings (('a','b'))
    CODES = "codes"  #: a list of 'code^^scheme'
    TIME = "time"  #: one DTM, unquoted


@dataclass(frozen=True, slots=True)
class ParameterSpec:
    """One stored-query parameter: its kind, whether required, whether repeatable (AND)."""

    kind: ParameterKind
    required: bool = False
    and_groups: bool = False


_S, _L, _C, _T = (
    ParameterKind.STRING,
    ParameterKind.STRINGS,
    ParameterKind.CODES,
    ParameterKind.TIME,
)

#: Parameters of the stored queries esante speaks, per query id (ITI TF-2a §3.18.4.1.2.3.7).
QUERY_PARAMETERS: Final[dict[str, dict[str, ParameterSpec]]] = {
    StoredQueryId.FIND_DOCUMENTS: {
        Q_DE_PATIENT_ID: ParameterSpec(_S, required=True),
        Q_DE_STATUS: ParameterSpec(_L, required=True),
        Q_DE_CLASS_CODE: ParameterSpec(_C),
        Q_DE_TYPE_CODE: ParameterSpec(_C),
        Q_DE_PRACTICE_SETTING_CODE: ParameterSpec(_C),
        Q_DE_HEALTHCARE_FACILITY_TYPE_CODE: ParameterSpec(_C),
        Q_DE_FORMAT_CODE: ParameterSpec(_C),
        Q_DE_EVENT_CODE_LIST: ParameterSpec(_C, and_groups=True),
        Q_DE_CONFIDENTIALITY_CODE: ParameterSpec(_C, and_groups=True),
        Q_DE_AUTHOR_PERSON: ParameterSpec(_L),
        Q_DE_CREATION_TIME_FROM: ParameterSpec(_T),
        Q_DE_CREATION_TIME_TO: ParameterSpec(_T),
        Q_DE_SERVICE_START_TIME_FROM: ParameterSpec(_T),
        Q_DE_SERVICE_START_TIME_TO: ParameterSpec(_T),
        Q_DE_SERVICE_STOP_TIME_FROM: ParameterSpec(_T),
        Q_DE_SERVICE_STOP_TIME_TO: ParameterSpec(_T),
        Q_DE_TYPE: ParameterSpec(_L),
    },
    StoredQueryId.FIND_SUBMISSION_SETS: {
        Q_SS_PATIENT_ID: ParameterSpec(_S, required=True),
        Q_SS_STATUS: ParameterSpec(_L, required=True),
        Q_SS_SOURCE_ID: ParameterSpec(_L),
        Q_SS_SUBMISSION_TIME_FROM: ParameterSpec(_T),
        Q_SS_SUBMISSION_TIME_TO: ParameterSpec(_T),
        Q_SS_AUTHOR_PERSON: ParameterSpec(_S),
        Q_SS_CONTENT_TYPE: ParameterSpec(_C),
    },
    StoredQueryId.GET_DOCUMENTS: {
        Q_DE_ENTRY_UUID: ParameterSpec(_L),
        Q_DE_UNIQUE_ID: ParameterSpec(_L),
        Q_HOME_COMMUNITY_ID: ParameterSpec(_S),
    },
    StoredQueryId.GET_ASSOCIATIONS: {
        Q_UUID: ParameterSpec(_L, required=True),
        Q_HOME_COMMUNITY_ID: ParameterSpec(_S),
    },
}

#: Parameters of which exactly one must be given (GetDocuments: by entryUUID or uniqueId).
ONE_OF_PARAMETERS: Final[dict[str, tuple[str, ...]]] = {
    StoredQueryId.GET_DOCUMENTS: (Q_DE_ENTRY_UUID, Q_DE_UNIQUE_ID),
}


@dataclass(frozen=True, slots=True)
class QueryParameter:
    """One stored-query parameter as on the wire: slot name and raw ``Value`` texts."""

    name: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AdhocQuery:
    """A stored query as on the wire (``rim:AdhocQuery``): id and raw parameters."""

    query_id: str
    parameters: tuple[QueryParameter, ...] = ()
    home: str | None = None

    def slots(self, name: str) -> tuple[QueryParameter, ...]:
        """Every parameter slot named ``name`` (several only for AND-ed code lists)."""
        return tuple(p for p in self.parameters if p.name == name)


# --- typed queries ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FindDocuments:
    """FindDocuments: the documents of a patient, filtered (TD3.1a).

    ``event_codes`` and ``confidentiality_codes`` are AND-ed groups of OR-ed codes;
    every other filter is one OR-ed list. Times are DTM bounds (``from`` inclusive,
    ``to`` exclusive, as ITI-18 defines them).
    """

    patient_id: Identifier
    statuses: tuple[AvailabilityStatus | str, ...] = (AvailabilityStatus.APPROVED,)
    class_codes: tuple[Code, ...] = ()
    type_codes: tuple[Code, ...] = ()
    practice_setting_codes: tuple[Code, ...] = ()
    healthcare_facility_type_codes: tuple[Code, ...] = ()
    format_codes: tuple[Code, ...] = ()
    event_codes: tuple[tuple[Code, ...], ...] = ()
    confidentiality_codes: tuple[tuple[Code, ...], ...] = ()
    author_persons: tuple[str, ...] = ()
    creation_time_from: str | None = None
    creation_time_to: str | None = None
    service_start_time_from: str | None = None
    service_start_time_to: str | None = None
    service_stop_time_from: str | None = None
    service_stop_time_to: str | None = None
    document_entry_types: tuple[str, ...] = ()

    query_id = StoredQueryId.FIND_DOCUMENTS


@dataclass(frozen=True, slots=True)
class FindSubmissionSets:
    """FindSubmissionSets: a patient's submissions, e.g. by submission time."""

    patient_id: Identifier
    statuses: tuple[AvailabilityStatus | str, ...] = (AvailabilityStatus.APPROVED,)
    source_ids: tuple[str, ...] = ()
    submission_time_from: str | None = None
    submission_time_to: str | None = None
    author_person: str | None = None
    content_type_codes: tuple[Code, ...] = ()

    query_id = StoredQueryId.FIND_SUBMISSION_SETS


@dataclass(frozen=True, slots=True)
class GetDocuments:
    """GetDocuments: entries by entryUUID or by uniqueId (TD3.1b: uniqueId → entryUUID)."""

    entry_uuids: tuple[str, ...] = ()
    unique_ids: tuple[str, ...] = ()
    home_community_id: str | None = None

    query_id = StoredQueryId.GET_DOCUMENTS


@dataclass(frozen=True, slots=True)
class GetAssociations:
    """GetAssociations: the associations whose source or target is one of ``uuids``."""

    uuids: tuple[str, ...]
    home_community_id: str | None = None

    query_id = StoredQueryId.GET_ASSOCIATIONS


StoredQuery = FindDocuments | FindSubmissionSets | GetDocuments | GetAssociations


# --- typed query <-> AdhocQuery -----------------------------------------------------------


def _param(name: str, *values: str) -> QueryParameter:
    return QueryParameter(name, tuple(values))


def to_adhoc(query: StoredQuery) -> AdhocQuery:
    """The wire form of ``query`` (slots in the order ITI-18 lists them)."""
    params: list[QueryParameter] = []

    def string(name: str, value: str | None) -> None:
        if value:
            params.append(_param(name, quote(value)))

    def strings(name: str, values: Sequence[str]) -> None:
        if values:
            params.append(_param(name, format_list(values)))

    def code_list(name: str, values: Sequence[Code]) -> None:
        strings(name, [format_code(c) for c in values])

    def time(name: str, value: str | None) -> None:
        if value:
            params.append(_param(name, value))

    home: str | None = None
    if isinstance(query, FindDocuments):
        string(Q_DE_PATIENT_ID, query.patient_id.to_hl7())
        strings(Q_DE_STATUS, [str(s) for s in query.statuses])
        code_list(Q_DE_CLASS_CODE, query.class_codes)
        code_list(Q_DE_TYPE_CODE, query.type_codes)
        code_list(Q_DE_PRACTICE_SETTING_CODE, query.practice_setting_codes)
        time(Q_DE_CREATION_TIME_FROM, query.creation_time_from)
        time(Q_DE_CREATION_TIME_TO, query.creation_time_to)
        time(Q_DE_SERVICE_START_TIME_FROM, query.service_start_time_from)
        time(Q_DE_SERVICE_START_TIME_TO, query.service_start_time_to)
        time(Q_DE_SERVICE_STOP_TIME_FROM, query.service_stop_time_from)
        time(Q_DE_SERVICE_STOP_TIME_TO, query.service_stop_time_to)
        code_list(Q_DE_HEALTHCARE_FACILITY_TYPE_CODE, query.healthcare_facility_type_codes)
        for group in query.event_codes:
            code_list(Q_DE_EVENT_CODE_LIST, group)
        for group in query.confidentiality_codes:
            code_list(Q_DE_CONFIDENTIALITY_CODE, group)
        strings(Q_DE_AUTHOR_PERSON, query.author_persons)
        code_list(Q_DE_FORMAT_CODE, query.format_codes)
        strings(Q_DE_TYPE, query.document_entry_types)
    elif isinstance(query, FindSubmissionSets):
        string(Q_SS_PATIENT_ID, query.patient_id.to_hl7())
        strings(Q_SS_SOURCE_ID, query.source_ids)
        time(Q_SS_SUBMISSION_TIME_FROM, query.submission_time_from)
        time(Q_SS_SUBMISSION_TIME_TO, query.submission_time_to)
        string(Q_SS_AUTHOR_PERSON, query.author_person)
        code_list(Q_SS_CONTENT_TYPE, query.content_type_codes)
        strings(Q_SS_STATUS, [str(s) for s in query.statuses])
    elif isinstance(query, GetDocuments):
        strings(Q_DE_ENTRY_UUID, query.entry_uuids)
        strings(Q_DE_UNIQUE_ID, query.unique_ids)
        string(Q_HOME_COMMUNITY_ID, query.home_community_id)
        home = query.home_community_id
    else:
        strings(Q_UUID, query.uuids)
        string(Q_HOME_COMMUNITY_ID, query.home_community_id)
        home = query.home_community_id
    return AdhocQuery(str(query.query_id), tuple(params), home)


def parameter_values(adhoc: AdhocQuery, name: str) -> list[list[str]]:
    """The parsed items of each slot ``name`` (one list per slot, values of a slot merged)."""
    return [[v for raw in p.values for v in parse_values(raw)] for p in adhoc.slots(name)]


def from_adhoc(adhoc: AdhocQuery) -> StoredQuery:
    """The typed query of a wire ``AdhocQuery``.

    Raises :class:`XdsFormatError` for an unknown query id, a malformed value or a
    missing patient id; :func:`esante.xds.validate.validate_query_request` reports the
    same problems as a list with their XDS error codes.
    """
    specs = QUERY_PARAMETERS.get(adhoc.query_id)
    if specs is None:
        raise XdsFormatError(
            "Requête stockée inconnue.", detail=f"unsupported stored query {adhoc.query_id!r}"
        )

    def flat(name: str) -> list[str]:
        return [v for group in parameter_values(adhoc, name) for v in group]

    def one(name: str) -> str | None:
        values = flat(name)
        return values[0] if values else None

    def code_list(name: str) -> tuple[Code, ...]:
        return tuple(parse_code(v) for v in flat(name))

    def groups(name: str) -> tuple[tuple[Code, ...], ...]:
        return tuple(
            tuple(parse_code(v) for v in group) for group in parameter_values(adhoc, name) if group
        )

    def patient(name: str) -> Identifier:
        value = one(name)
        if not value:
            raise XdsFormatError(
                "Identifiant du patient absent de la recherche.", detail=f"{name} is missing"
            )
        return Identifier.parse(value)

    if adhoc.query_id == StoredQueryId.FIND_DOCUMENTS:
        return FindDocuments(
            patient_id=patient(Q_DE_PATIENT_ID),
            statuses=tuple(_status(s) for s in flat(Q_DE_STATUS)),
            class_codes=code_list(Q_DE_CLASS_CODE),
            type_codes=code_list(Q_DE_TYPE_CODE),
            practice_setting_codes=code_list(Q_DE_PRACTICE_SETTING_CODE),
            healthcare_facility_type_codes=code_list(Q_DE_HEALTHCARE_FACILITY_TYPE_CODE),
            format_codes=code_list(Q_DE_FORMAT_CODE),
            event_codes=groups(Q_DE_EVENT_CODE_LIST),
            confidentiality_codes=groups(Q_DE_CONFIDENTIALITY_CODE),
            author_persons=tuple(flat(Q_DE_AUTHOR_PERSON)),
            creation_time_from=one(Q_DE_CREATION_TIME_FROM),
            creation_time_to=one(Q_DE_CREATION_TIME_TO),
            service_start_time_from=one(Q_DE_SERVICE_START_TIME_FROM),
            service_start_time_to=one(Q_DE_SERVICE_START_TIME_TO),
            service_stop_time_from=one(Q_DE_SERVICE_STOP_TIME_FROM),
            service_stop_time_to=one(Q_DE_SERVICE_STOP_TIME_TO),
            document_entry_types=tuple(flat(Q_DE_TYPE)),
        )
    if adhoc.query_id == StoredQueryId.FIND_SUBMISSION_SETS:
        return FindSubmissionSets(
            patient_id=patient(Q_SS_PATIENT_ID),
            statuses=tuple(_status(s) for s in flat(Q_SS_STATUS)),
            source_ids=tuple(flat(Q_SS_SOURCE_ID)),
            submission_time_from=one(Q_SS_SUBMISSION_TIME_FROM),
            submission_time_to=one(Q_SS_SUBMISSION_TIME_TO),
            author_person=one(Q_SS_AUTHOR_PERSON),
            content_type_codes=code_list(Q_SS_CONTENT_TYPE),
        )
    if adhoc.query_id == StoredQueryId.GET_DOCUMENTS:
        return GetDocuments(
            entry_uuids=tuple(flat(Q_DE_ENTRY_UUID)),
            unique_ids=tuple(flat(Q_DE_UNIQUE_ID)),
            home_community_id=one(Q_HOME_COMMUNITY_ID) or adhoc.home,
        )
    return GetAssociations(
        uuids=tuple(flat(Q_UUID)), home_community_id=one(Q_HOME_COMMUNITY_ID) or adhoc.home
    )


def _status(value: str) -> AvailabilityStatus | str:
    try:
        return AvailabilityStatus(value)
    except ValueError:
        return value
