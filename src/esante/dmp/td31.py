"""TD3.1 — search the documents of a patient's DMP (ITI-18 Registry Stored Query).

* TD3.1a, :class:`DocumentQuery` → ``FindDocuments`` with the filters the DMP offers
  (PDSm4DMP TD3.1a; DMPi EX_3.1-1030): type, class, format, practice setting, facility
  type, author, creation dates, act (service) dates, visibility codes and statuses. By
  default only active documents (``Approved``); ``include_archived`` adds the archived
  ones (``urn:asip:ci-sis:2010:StatusType:Archived``), ``include_deprecated`` the
  replaced ones.
* Submission dates: no XDS query filters entries on their submission time. As the DMP
  integration guide describes (dmp-kit ``notes-recherche-documents.md`` §2.1, §8), a
  submission window takes two more queries — ``FindSubmissionSets`` on the window, then
  ``GetAssociations`` of those sets — and keeps the entries the sets ``HasMember``.
* TD3.1b, :func:`by_unique_id` → ``GetDocuments`` on a uniqueId: the entryUUID (and
  current metadata) of a known document, needed for TD3.3 and RPLC, and the check that
  makes a submission retry idempotent.

Dates: a :class:`~datetime.date` bound covers the whole day (``*_to`` is inclusive of
that day); a :class:`~datetime.datetime` must be timezone-aware and is sent in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

from esante.dmp.errors import DmpRequestError
from esante.dmp.failures import check_registry_status
from esante.dmp.results import DocumentList, Visibility
from esante.dmp.transactions import TD31, TD31B, DmpTransaction
from esante.identity import Ins
from esante.xds import (
    AssociationType,
    AvailabilityStatus,
    Code,
    FindDocuments,
    FindSubmissionSets,
    GetAssociations,
    GetDocuments,
    Identifier,
    QueryResponse,
    RegistryError,
    format_dtm,
    visibility_code,
)

TRANSACTION: Final = TD31
TRANSACTION_B: Final = TD31B

Bound = date | datetime


@dataclass(frozen=True)
class DocumentQuery:
    """The filters of a TD3.1 search; every filter left empty is not sent.

    Code filters are OR-ed lists. ``authors`` are XCN patterns (``%`` and ``_``
    wildcards), e.g. ``"899900063480^%"`` for a professional's national id.
    ``service_from``/``service_to`` bound the start of the act (serviceStartTime).
    ``visibility`` keeps the documents carrying any of the given codes.
    """

    type_codes: tuple[Code, ...] = ()
    class_codes: tuple[Code, ...] = ()
    format_codes: tuple[Code, ...] = ()
    practice_setting_codes: tuple[Code, ...] = ()
    healthcare_facility_type_codes: tuple[Code, ...] = ()
    authors: tuple[str, ...] = ()
    created_from: Bound | None = None
    created_to: Bound | None = None
    service_from: Bound | None = None
    service_to: Bound | None = None
    submitted_from: Bound | None = None
    submitted_to: Bound | None = None
    visibility: tuple[Visibility, ...] = ()
    statuses: tuple[AvailabilityStatus, ...] = (AvailabilityStatus.APPROVED,)
    include_archived: bool = False
    include_deprecated: bool = False

    @property
    def by_submission_time(self) -> bool:
        """Whether the search needs the submission-set queries."""
        return self.submitted_from is not None or self.submitted_to is not None

    def effective_statuses(self) -> tuple[AvailabilityStatus, ...]:
        """The statuses sent: ``statuses`` plus Archived / Deprecated when asked."""
        statuses = list(self.statuses)
        if self.include_archived:
            statuses.append(AvailabilityStatus.ARCHIVED)
        if self.include_deprecated:
            statuses.append(AvailabilityStatus.DEPRECATED)
        return tuple(dict.fromkeys(statuses))


def patient_identifier(ins: Ins) -> Identifier:
    """The XDS patientId of ``ins`` (CX ``matricule^^^&oid&ISO^NH``)."""
    ins.cx()  # refuses an INS without OID
    return Identifier(ins.matricule, ins.oid or "", "NH")


def dtm_bound(value: Bound | None, *, upper: bool, field: str) -> str | None:
    """An XDS DTM bound; a date ``upper`` bound becomes the next day (bounds are exclusive).

    Raises :class:`DmpRequestError` for a naive datetime (its time zone is unknown).
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise DmpRequestError(
                "Date de recherche ambiguë : précisez le fuseau horaire.",
                detail=f"{field}: naive datetime {value.isoformat()}",
                field=field,
            )
        return format_dtm(value)
    day = value + timedelta(days=1) if upper else value
    return day.strftime("%Y%m%d")


def _check_order(low: str | None, high: str | None, field: str) -> None:
    if low is not None and high is not None and high.ljust(14, "0") <= low.ljust(14, "0"):
        raise DmpRequestError(
            "Période de recherche invalide : la date de fin précède la date de début.",
            detail=f"{field}: upper bound {high} not after lower bound {low}",
            field=field,
        )


def find_documents(ins: Ins, query: DocumentQuery) -> FindDocuments:
    """The ``FindDocuments`` stored query of ``query`` for the patient ``ins``."""
    created = (
        dtm_bound(query.created_from, upper=False, field="created_from"),
        dtm_bound(query.created_to, upper=True, field="created_to"),
    )
    service = (
        dtm_bound(query.service_from, upper=False, field="service_from"),
        dtm_bound(query.service_to, upper=True, field="service_to"),
    )
    _check_order(*created, field="created")
    _check_order(*service, field="service")
    visibility = tuple(visibility_code(v.value) for v in query.visibility)
    return FindDocuments(
        patient_id=patient_identifier(ins),
        statuses=query.effective_statuses(),
        class_codes=query.class_codes,
        type_codes=query.type_codes,
        practice_setting_codes=query.practice_setting_codes,
        healthcare_facility_type_codes=query.healthcare_facility_type_codes,
        format_codes=query.format_codes,
        confidentiality_codes=(visibility,) if visibility else (),
        author_persons=query.authors,
        creation_time_from=created[0],
        creation_time_to=created[1],
        service_start_time_from=service[0],
        service_start_time_to=service[1],
    )


def find_submission_sets(ins: Ins, query: DocumentQuery) -> FindSubmissionSets:
    """The ``FindSubmissionSets`` query of the submission window of ``query``."""
    window = (
        dtm_bound(query.submitted_from, upper=False, field="submitted_from"),
        dtm_bound(query.submitted_to, upper=True, field="submitted_to"),
    )
    _check_order(*window, field="submitted")
    return FindSubmissionSets(
        patient_id=patient_identifier(ins),
        submission_time_from=window[0],
        submission_time_to=window[1],
    )


def get_associations(submission_set_uuids: tuple[str, ...]) -> GetAssociations:
    """The ``GetAssociations`` query of the submission sets found."""
    return GetAssociations(uuids=submission_set_uuids)


def by_unique_id(unique_id: str) -> GetDocuments:
    """TD3.1b: the ``GetDocuments`` query of one document uniqueId."""
    if not unique_id.strip():
        raise DmpRequestError(
            "Identifiant du document absent.", detail="empty uniqueId", field="unique_id"
        )
    return GetDocuments(unique_ids=(unique_id.strip(),))


def by_unique_ids(unique_ids: tuple[str, ...]) -> GetDocuments:
    """TD3.1b for several documents at once: one ``GetDocuments`` query (ITI-18 takes a
    list of uniqueIds), so that importing a selection costs one search, not one each."""
    cleaned = tuple(dict.fromkeys(u.strip() for u in unique_ids if u.strip()))
    if not cleaned:
        raise DmpRequestError(
            "Identifiant du document absent.", detail="no uniqueId", field="unique_id"
        )
    return GetDocuments(unique_ids=cleaned)


def checked(response: QueryResponse, transaction: DmpTransaction) -> tuple[RegistryError, ...]:
    """Raise for a failed query; return its warnings."""
    return check_registry_status(response.status, response.errors, transaction)


def members(response: QueryResponse) -> frozenset[str]:
    """The entryUUIDs the submission sets of a GetAssociations answer ``HasMember``."""
    return frozenset(
        a.target for a in response.associations if a.association_type == AssociationType.HAS_MEMBER
    )


def document_list(
    response: QueryResponse,
    warnings: tuple[RegistryError, ...],
    *,
    only: frozenset[str] | None = None,
) -> DocumentList:
    """The entries of a FindDocuments answer (restricted to ``only`` entryUUIDs if given)."""
    entries = [e for e in response.document_entries if only is None or e.entry_uuid in only]
    return DocumentList(
        documents=tuple(e for e in entries if not e.is_signature),
        signatures=tuple(e for e in entries if e.is_signature),
        warnings=warnings,
    )
