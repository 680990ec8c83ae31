"""XDS.b responses as plain values: RegistryResponse, query results, retrieved documents.

ITI TF-3 §4.2.4: every response has a status (Success, PartialSuccess, Failure) and an
optional RegistryErrorList whose entries carry an IHE error code (``errorCode``), a
human text (``codeContext``), a severity and a ``location``. Query responses (ITI-18)
add the objects found — full objects (LeafClass) or references (ObjectRef) — and
retrieve responses (ITI-43) the documents.
"""

from __future__ import annotations

from dataclasses import dataclass

from esante.xds.metadata import Association, DocumentEntry, SubmissionSet
from esante.xds.vocabulary import ErrorSeverity, ResponseStatus


@dataclass(frozen=True, slots=True)
class RegistryError:
    """One entry of a RegistryErrorList."""

    error_code: str
    code_context: str
    severity: ErrorSeverity = ErrorSeverity.ERROR
    location: str | None = None
    value: str | None = None


@dataclass(frozen=True, slots=True)
class RegistryResponse:
    """The answer to ITI-41 and ITI-57 (and the status part of the others)."""

    status: ResponseStatus
    errors: tuple[RegistryError, ...] = ()
    request_id: str | None = None

    @property
    def success(self) -> bool:
        """True when the request was fully accepted."""
        return self.status == ResponseStatus.SUCCESS

    @property
    def error_codes(self) -> tuple[str, ...]:
        """The error codes reported, in order."""
        return tuple(e.error_code for e in self.errors)

    @classmethod
    def from_errors(cls, errors: tuple[RegistryError, ...]) -> RegistryResponse:
        """Failure when any error has severity Error, otherwise Success (with warnings)."""
        failed = any(e.severity == ErrorSeverity.ERROR for e in errors)
        return cls(ResponseStatus.FAILURE if failed else ResponseStatus.SUCCESS, errors)


@dataclass(frozen=True, slots=True)
class QueryResponse:
    """ITI-18 AdhocQueryResponse: status, errors and the objects found."""

    status: ResponseStatus
    errors: tuple[RegistryError, ...] = ()
    document_entries: tuple[DocumentEntry, ...] = ()
    submission_sets: tuple[SubmissionSet, ...] = ()
    associations: tuple[Association, ...] = ()
    references: tuple[str, ...] = ()
    total_result_count: int | None = None
    start_index: int | None = None

    @property
    def success(self) -> bool:
        """True when the query ran without error."""
        return self.status == ResponseStatus.SUCCESS


@dataclass(frozen=True, slots=True)
class RetrievedDocument:
    """One document returned by ITI-43."""

    repository_unique_id: str
    document_unique_id: str
    mime_type: str
    data: bytes
    home_community_id: str | None = None


@dataclass(frozen=True, slots=True)
class RetrieveDocumentSetResponse:
    """ITI-43 RetrieveDocumentSetResponse: status, errors and documents."""

    response: RegistryResponse
    documents: tuple[RetrievedDocument, ...] = ()

    @property
    def success(self) -> bool:
        """True when every requested document came back."""
        return self.response.success
