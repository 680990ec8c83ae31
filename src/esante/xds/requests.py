"""XDS.b requests as plain values: ITI-41, ITI-57, ITI-18 and ITI-43.

* :class:`ProvideAndRegisterDocumentSet` — ITI-41 (DMP TD2.1): a submission set, its
  document entries, the associations (HasMember, RPLC, signs...) and the bytes of each
  document, keyed by the entry's id.
* :class:`UpdateDocumentSet` — ITI-57 (DMP TD3.3a-d): a submission set with new
  versions of entries and/or UpdateAvailabilityStatus associations (see
  :mod:`esante.xds.updates` for the four DMP operations).
* :class:`QueryRequest` — ITI-18 (DMP TD3.1) wraps a stored query of
  :mod:`esante.xds.queries`.
* :class:`RetrieveDocumentSetRequest` — ITI-43 (DMP TD3.2).

The ebRIM/ebRS form of each lives in :mod:`esante.xds.ebxml`.
"""

from __future__ import annotations

from dataclasses import dataclass

from esante.xds.metadata import Association, DocumentEntry, SubmissionSet
from esante.xds.queries import StoredQuery
from esante.xds.vocabulary import ReturnType


@dataclass(frozen=True, slots=True)
class Document:
    """The content of one submitted document; ``id`` is its DocumentEntry's ``entry_uuid``."""

    id: str
    data: bytes


@dataclass(frozen=True, slots=True)
class ProvideAndRegisterDocumentSet:
    """ITI-41 Provide and Register Document Set-b (DMP TD2.1 alimentation)."""

    submission_set: SubmissionSet
    document_entries: tuple[DocumentEntry, ...] = ()
    associations: tuple[Association, ...] = ()
    documents: tuple[Document, ...] = ()

    def document(self, entry_uuid: str) -> Document | None:
        """The document attached for ``entry_uuid``.

        An exact id match wins; failing that, a match ignoring case (the official DMP
        TD2.1 example attaches ``documentME2`` for the entry ``DocumentME2``).
        """
        exact = next((d for d in self.documents if d.id == entry_uuid), None)
        if exact is not None:
            return exact
        folded = entry_uuid.casefold()
        return next((d for d in self.documents if d.id.casefold() == folded), None)


@dataclass(frozen=True, slots=True)
class UpdateDocumentSet:
    """ITI-57 Update Document Set (DMP TD3.3a mask, TD3.3b visibility, TD3.3c delete,
    TD3.3d archive): new entry versions and/or status-change associations."""

    submission_set: SubmissionSet
    document_entries: tuple[DocumentEntry, ...] = ()
    associations: tuple[Association, ...] = ()


@dataclass(frozen=True, slots=True)
class QueryRequest:
    """ITI-18 Registry Stored Query: a stored query and what to return for it."""

    query: StoredQuery
    return_type: ReturnType = ReturnType.LEAF_CLASS


@dataclass(frozen=True, slots=True)
class DocumentRequest:
    """One document to retrieve: its repository and uniqueId (ITI-43)."""

    repository_unique_id: str
    document_unique_id: str
    home_community_id: str | None = None


@dataclass(frozen=True, slots=True)
class RetrieveDocumentSetRequest:
    """ITI-43 Retrieve Document Set (DMP TD3.2)."""

    documents: tuple[DocumentRequest, ...]
