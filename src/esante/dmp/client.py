"""The DMP client: one typed call per DMP transaction (TD).

Each call builds the TD's body (``td02`` … ``td33``), checks it with the XDS validators
when it is an XDS request, builds and signs the VIHF of the acting professional for the
patient, sends it through the injected :class:`~esante.transport.SoapTransport`
(mutual-TLS HTTPS in production, in-process in unit tests), and reads the answer into a
typed result (:mod:`esante.dmp.results`). Every failure is a
:class:`~esante.dmp.errors.DmpError` telling whether to retry and whether the DMP may
have done it anyway.

The client keeps no state between calls: it can be shared by threads. Ids and time come
from injectable sources (``id_source``, ``clock``) so that tests are deterministic.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime

from lxml import etree

from esante.dmp import td02, td03, td21, td31, td32, td33
from esante.dmp.caller import LOCAL_ERRORS, DmpCaller, utcnow
from esante.dmp.context import NORMAL_ACCESS, Access, Actor, LpsInfo
from esante.dmp.endpoints import DmpEndpoints
from esante.dmp.errors import DmpRequestError
from esante.dmp.exchange import attachment_bytes
from esante.dmp.failures import check_registry_status, request_error
from esante.dmp.results import (
    AuthorizationUpdate,
    DmpStatus,
    DocumentList,
    SubmitResult,
    UpdateResult,
    Visibility,
)
from esante.dmp.transactions import DmpTransaction
from esante.dmp.vihf import Signer, SigningVihfIssuer
from esante.identity import Ins
from esante.transport import Attachment, SoapTransport, xop_include
from esante.xds import (
    AvailabilityStatus,
    Code,
    DocumentEntry,
    RegistryError,
    RetrievedDocument,
    ReturnType,
    SubmissionSet,
    UpdateDocumentSet,
    ValidationContext,
    iti41,
    iti43,
    iti57,
    raise_for_failures,
    replaced_document_id,
)
from esante.xds import Document as XdsDocument

UpdateBuilder = Callable[[DocumentEntry, SubmissionSet], UpdateDocumentSet]


class DmpClient(DmpCaller):
    """Typed calls to the DMP for one practice software installation.

    ``DmpClient(transport, endpoints, *, vihf_issuer, lps, document_signer=None,
    content_type_code=None, validation=None, clock=utcnow, id_source=uuid4)``:
    ``vihf_issuer`` signs the VIHF of every call; ``document_signer`` signs TD2.1
    submissions (XAdES); ``content_type_code`` is the default clinical activity of
    submission sets (JDV_J59, required by TD2.1 and TD3.3; without it, an ambulatory
    consultation's, 07); ``validation`` is the XDS
    validation profile requests are checked with before sending.
    """

    @classmethod
    def with_signer(
        cls,
        transport: SoapTransport,
        endpoints: DmpEndpoints,
        *,
        signer: Signer,
        lps: LpsInfo,
        content_type_code: Code | None = None,
        validation: ValidationContext | None = None,
        clock: Callable[[], datetime] = utcnow,
        id_source: Callable[[], uuid.UUID] = uuid.uuid4,
    ) -> DmpClient:
        """A client whose VIHFs and submissions are signed with the structure's ``signer``."""
        return cls(
            transport,
            endpoints,
            vihf_issuer=SigningVihfIssuer(signer, clock=clock),
            lps=lps,
            document_signer=signer,
            content_type_code=content_type_code,
            validation=validation,
            clock=clock,
            id_source=id_source,
        )

    # --- TD0.2, TD0.3 -----------------------------------------------------------------

    def test_existence(
        self, ins: Ins, *, actor: Actor, access: Access = NORMAL_ACCESS
    ) -> DmpStatus:
        """TD0.2: whether ``ins`` has a DMP, its state, and ``actor``'s rights on it."""
        body = td02.build_request(
            ins,
            self._lps,
            message_id=str(self._id_source()),
            query_id=str(self._id_source()),
            now=self._clock(),
            processing_code=self._endpoints.processing_code,
        )
        payload, _ = self._exchange(td02.TRANSACTION, body, ins, actor, access)
        return td02.parse_response(payload)

    def set_authorization(
        self,
        ins: Ins,
        *,
        actor: Actor,
        grant: bool = True,
        treating_physician: bool = False,
        access: Access = NORMAL_ACCESS,
    ) -> AuthorizationUpdate:
        """TD0.3: add (``grant``) or remove ``actor``'s authorisation on the DMP of ``ins``;
        ``treating_physician`` also declares him the patient's médecin traitant DMP."""
        body = td03.build_request(grant=grant, treating_physician=treating_physician)
        payload, _ = self._exchange(td03.TRANSACTION, body, ins, actor, access)
        return td03.parse_response(payload)

    # --- TD2.1 ----------------------------------------------------------------------------

    def submit(
        self,
        ins: Ins,
        cda: bytes,
        *,
        actor: Actor,
        replaces: DocumentEntry | str | None = None,
        content_type_code: Code | None = None,
        care_episode: str | None = None,
        visibility: Sequence[Visibility] = (),
        access: Access = NORMAL_ACCESS,
    ) -> SubmitResult:
        """TD2.1: submit the CDA document ``cda`` of patient ``ins`` (with its XAdES signature).

        ``replaces`` is the document this one replaces: its entry (from TD3.1), its
        entryUUID (``urn:uuid:``) or its uniqueId (looked up with TD3.1b). When omitted
        and the CDA declares a replaced document (``relatedDocument`` RPLC), that one is
        looked up. ``visibility`` adds DMP visibility codes (masked to professionals,
        hidden from the patient or the legal representatives). The submission set's
        clinical activity is ``content_type_code`` when given, else derived from the kind
        of ``care_episode`` (``consultation`` → 07 "Consultation Soins Externes", see
        :func:`esante.xds.activity.content_type_for_episode`), else the client's default.
        """
        transaction = td21.TRANSACTION
        signer = self._document_signer
        if signer is None:
            raise DmpRequestError(
                "Aucun certificat de signature configuré pour alimenter le DMP.",
                detail="DmpClient.document_signer is required for TD2.1",
                transaction=transaction.td,
            )
        content_type = self._require_content_type(content_type_code, transaction, care_episode)
        replaced = self._replaced_entry_uuid(ins, cda, replaces, actor, access)
        try:
            submission = td21.build_submission(
                cda,
                author=actor.xds_author(),
                source_id=self._lps.oid,
                content_type_code=content_type,
                signer=signer,
                now=self._clock(),
                new_oid=self._new_oid,
                replaced_entry_uuid=replaced,
                visibility=visibility,
            )
            self._check_patient(ins, submission.request.submission_set, transaction)
            raise_for_failures(iti41.validate_request(submission.request, self._validation))
        except LOCAL_ERRORS as exc:
            raise request_error(exc, transaction) from exc
        types = td21.content_types(submission.request)
        attachments: list[Attachment] = []

        def attach(document: XdsDocument) -> etree._Element:
            attachment = Attachment.create(document.data, types[document.id])
            attachments.append(attachment)
            return xop_include(attachment)

        body = iti41.encode_request(submission.request, attach=attach)
        payload, _ = self._exchange(
            transaction, body, ins, actor, access, attachments=tuple(attachments)
        )
        response = self._decode(transaction, lambda: iti41.decode_response(payload))
        warnings = check_registry_status(response.status, response.errors, transaction)
        return submission.result(warnings)

    # --- TD3.1, TD3.1b --------------------------------------------------------------------

    def find_documents(
        self,
        ins: Ins,
        query: td31.DocumentQuery | None = None,
        *,
        actor: Actor,
        access: Access = NORMAL_ACCESS,
    ) -> DocumentList:
        """TD3.1: the documents of the DMP of ``ins`` matching ``query`` (default: active)."""
        query = query or td31.DocumentQuery()
        transaction = td31.TRANSACTION
        find = self._local(transaction, lambda: td31.find_documents(ins, query))
        only: frozenset[str] | None = None
        warnings: tuple[RegistryError, ...] = ()
        if query.by_submission_time:
            sets_query = self._local(transaction, lambda: td31.find_submission_sets(ins, query))
            sets = self._query(transaction, sets_query, ins, actor, access)
            warnings += td31.checked(sets, transaction)
            uuids = tuple(s.entry_uuid for s in sets.submission_sets)
            only = frozenset()
            if uuids:
                links = self._query(transaction, td31.get_associations(uuids), ins, actor, access)
                warnings += td31.checked(links, transaction)
                only = td31.members(links)
            if not only:
                return DocumentList(warnings=warnings)
        response = self._query(transaction, find, ins, actor, access)
        found = td31.checked(response, transaction)
        return td31.document_list(response, (*warnings, *found), only=only)

    def get_by_unique_id(
        self, ins: Ins, unique_id: str, *, actor: Actor, access: Access = NORMAL_ACCESS
    ) -> DocumentEntry | None:
        """TD3.1b: the current entry of the document ``unique_id`` (None when unknown)."""
        transaction = td31.TRANSACTION_B
        query = self._local(transaction, lambda: td31.by_unique_id(unique_id))
        response = self._query(transaction, query, ins, actor, access)
        td31.checked(response, transaction)
        matches = [e for e in response.document_entries if e.unique_id == unique_id.strip()]
        if not matches:
            return None
        return max(matches, key=_currency)

    def get_by_unique_ids(
        self,
        ins: Ins,
        unique_ids: Sequence[str],
        *,
        actor: Actor,
        access: Access = NORMAL_ACCESS,
    ) -> dict[str, DocumentEntry]:
        """TD3.1b for a selection: the current entry of each document the DMP holds, by
        uniqueId (one query; the unknown ones are absent from the answer)."""
        transaction = td31.TRANSACTION_B
        query = self._local(transaction, lambda: td31.by_unique_ids(tuple(unique_ids)))
        response = self._query(transaction, query, ins, actor, access)
        td31.checked(response, transaction)
        found: dict[str, DocumentEntry] = {}
        for entry in response.document_entries:
            if entry.unique_id is None or entry.is_signature:
                continue
            held = found.get(entry.unique_id)
            if held is None or _currency(entry) > _currency(held):
                found[entry.unique_id] = entry
        return found

    def submitted_since(
        self,
        ins: Ins,
        since: td31.Bound,
        *,
        actor: Actor,
        access: Access = NORMAL_ACCESS,
    ) -> frozenset[str]:
        """The entryUUIDs of the documents submitted from ``since`` on (TD3.1 submission
        window: ``FindSubmissionSets`` then ``GetAssociations``), without fetching their
        metadata again — for "new since my last visit" next to a list already fetched."""
        transaction = td31.TRANSACTION
        query = td31.DocumentQuery(submitted_from=since)
        sets_query = self._local(transaction, lambda: td31.find_submission_sets(ins, query))
        sets = self._query(transaction, sets_query, ins, actor, access)
        td31.checked(sets, transaction)
        uuids = tuple(s.entry_uuid for s in sets.submission_sets)
        if not uuids:
            return frozenset()
        links = self._query(transaction, td31.get_associations(uuids), ins, actor, access)
        td31.checked(links, transaction)
        return td31.members(links)

    def find_reference(
        self, ins: Ins, unique_id: str, *, actor: Actor, access: Access = NORMAL_ACCESS
    ) -> str | None:
        """TD3.1b by reference: the entryUUID of the document ``unique_id`` (None when the
        DMP does not hold it).

        An ``ObjectRef`` query, which the rights matrix grants every profile — the
        structure's certificate too (indirect authentication), for which a metadata
        search is refused. It answers "does the DMP already hold this document?" before
        a resend, and gives the entryUUID a replacement (RPLC) names.
        """
        transaction = td31.TRANSACTION_B
        query = self._local(transaction, lambda: td31.by_unique_id(unique_id))
        response = self._query(
            transaction, query, ins, actor, access, return_type=ReturnType.OBJECT_REF
        )
        td31.checked(response, transaction)
        return response.references[0] if response.references else None

    # --- TD3.2 ----------------------------------------------------------------------------

    def retrieve(
        self,
        ins: Ins,
        unique_id: str,
        repository_id: str,
        *,
        actor: Actor,
        access: Access = NORMAL_ACCESS,
    ) -> RetrievedDocument:
        """TD3.2: the content of the document ``unique_id`` held in ``repository_id``."""
        transaction = td32.TRANSACTION
        request = td32.build_request(unique_id, repository_id)
        self._local(
            transaction,
            lambda: raise_for_failures(iti43.validate_request(request, self._validation)),
        )
        payload, soap = self._exchange(
            transaction, iti43.encode_request(request), ins, actor, access
        )
        response = self._decode(
            transaction,
            lambda: iti43.decode_response(payload, attachments=attachment_bytes(soap)),
        )
        return td32.retrieved(response, unique_id)

    # --- TD3.3a-d -------------------------------------------------------------------------

    def mask(
        self, ins: Ins, entry: DocumentEntry | str, *, actor: Actor, access: Access = NORMAL_ACCESS
    ) -> UpdateResult:
        """TD3.3a: mask the document to professionals."""
        return self._update(
            td33.MASK,
            ins,
            entry,
            actor,
            access,
            lambda e, s: td33.mask(e, masked=True, submission=s),
        )

    def unmask(
        self, ins: Ins, entry: DocumentEntry | str, *, actor: Actor, access: Access = NORMAL_ACCESS
    ) -> UpdateResult:
        """TD3.3a: unmask the document to professionals."""
        return self._update(
            td33.MASK,
            ins,
            entry,
            actor,
            access,
            lambda e, s: td33.mask(e, masked=False, submission=s),
        )

    def set_patient_visibility(
        self,
        ins: Ins,
        entry: DocumentEntry | str,
        visible: bool,
        *,
        actor: Actor,
        access: Access = NORMAL_ACCESS,
    ) -> UpdateResult:
        """TD3.3b: make the document visible (or not) to the patient."""
        return self._update(
            td33.VISIBILITY,
            ins,
            entry,
            actor,
            access,
            lambda e, s: td33.patient_visibility(e, visible=visible, submission=s),
        )

    def set_legal_representatives_visibility(
        self,
        ins: Ins,
        entry: DocumentEntry | str,
        visible: bool,
        *,
        actor: Actor,
        access: Access = NORMAL_ACCESS,
    ) -> UpdateResult:
        """TD3.3b: make the document visible (or not) to the patient's legal representatives."""
        return self._update(
            td33.VISIBILITY,
            ins,
            entry,
            actor,
            access,
            lambda e, s: td33.legal_representatives_visibility(e, visible=visible, submission=s),
        )

    def delete(
        self, ins: Ins, entry: DocumentEntry | str, *, actor: Actor, access: Access = NORMAL_ACCESS
    ) -> UpdateResult:
        """TD3.3c: delete the document from the DMP."""
        return self._update(
            td33.DELETE, ins, entry, actor, access, lambda e, s: td33.delete(e, submission=s)
        )

    def archive(
        self, ins: Ins, entry: DocumentEntry | str, *, actor: Actor, access: Access = NORMAL_ACCESS
    ) -> UpdateResult:
        """TD3.3d: archive the document (hidden from default searches)."""
        return self._update(
            td33.ARCHIVE,
            ins,
            entry,
            actor,
            access,
            lambda e, s: td33.archive(e, archived=True, submission=s),
        )

    def unarchive(
        self, ins: Ins, entry: DocumentEntry | str, *, actor: Actor, access: Access = NORMAL_ACCESS
    ) -> UpdateResult:
        """TD3.3d: bring an archived document back to the active documents."""
        return self._update(
            td33.ARCHIVE,
            ins,
            entry,
            actor,
            access,
            lambda e, s: td33.archive(e, archived=False, submission=s),
        )

    def _update(
        self,
        transaction: DmpTransaction,
        ins: Ins,
        entry: DocumentEntry | str,
        actor: Actor,
        access: Access,
        build: UpdateBuilder,
    ) -> UpdateResult:
        content_type = self._require_content_type(None, transaction)
        current = self._resolve(transaction, ins, entry, actor, access)

        def request() -> UpdateDocumentSet:
            patient = current.patient_id or td31.patient_identifier(ins)
            submission = td33.submission_set(
                author=actor.xds_author(),
                source_id=self._lps.oid,
                patient_id=patient,
                content_type_code=content_type,
                now=self._clock(),
                unique_id=self._new_oid(),
            )
            update = build(current, submission)
            raise_for_failures(iti57.validate_request(update, self._validation))
            return update

        update = self._local(transaction, request)
        payload, _ = self._exchange(transaction, iti57.encode_request(update), ins, actor, access)
        response = self._decode(transaction, lambda: iti57.decode_response(payload))
        warnings = check_registry_status(response.status, response.errors, transaction)
        return UpdateResult(transaction.td, current.entry_uuid, current.unique_id, warnings)

    def _resolve(
        self,
        transaction: DmpTransaction,
        ins: Ins,
        entry: DocumentEntry | str,
        actor: Actor,
        access: Access,
    ) -> DocumentEntry:
        if isinstance(entry, DocumentEntry):
            return entry
        found = self.get_by_unique_id(ins, entry, actor=actor, access=access)
        if found is None:
            raise DmpRequestError(
                "Document introuvable dans le DMP.",
                detail=f"{transaction.td}: no entry with uniqueId {entry!r}",
                field="entry",
                transaction=transaction.td,
            )
        return found

    def _replaced_entry_uuid(
        self,
        ins: Ins,
        cda: bytes,
        replaces: DocumentEntry | str | None,
        actor: Actor,
        access: Access,
    ) -> str | None:
        transaction = td21.TRANSACTION
        if replaces is None:
            replaces = self._local(transaction, lambda: replaced_document_id(cda))
            if replaces is None:
                return None
        if isinstance(replaces, DocumentEntry):
            return replaces.entry_uuid
        if replaces.startswith("urn:uuid:"):
            return replaces
        found = self.get_by_unique_id(ins, replaces, actor=actor, access=access)
        if found is None:
            raise DmpRequestError(
                "Le document à remplacer est introuvable dans le DMP.",
                detail=f"TD2.1: no entry with uniqueId {replaces!r} (RPLC target)",
                field="replaces",
                transaction=transaction.td,
            )
        return found.entry_uuid

    @staticmethod
    def _check_patient(
        ins: Ins, submission_set: SubmissionSet, transaction: DmpTransaction
    ) -> None:
        expected = td31.patient_identifier(ins)
        actual = submission_set.patient_id
        if actual is None or not actual.same_as(expected):
            raise DmpRequestError(
                "Le document ne concerne pas ce patient : l'INS du document diffère.",
                detail=f"{transaction.td}: CDA patient {actual} but call for {expected}",
                field="recordTarget/patientRole/id",
                transaction=transaction.td,
            )


def _currency(entry: DocumentEntry) -> tuple[bool, int]:
    """Sort key: the approved entry first, then the highest version."""
    version = entry.version or "0"
    return (
        entry.availability_status == AvailabilityStatus.APPROVED,
        int(version) if version.isdigit() else 0,
    )
