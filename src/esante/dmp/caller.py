"""The plumbing every DMP call shares: VIHF, one exchange, stored queries, local checks.

:class:`DmpCaller` holds the client's configuration and the steps common to every TD —
sign the VIHF of the call, send one exchange, run an ITI-18 stored query, turn local
failures (before sending) and unreadable answers (after) into DmpErrors — so that
:class:`~esante.dmp.client.DmpClient` holds only the TD calls themselves.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from lxml import etree

from esante.dmp.context import Access, Actor, LpsInfo
from esante.dmp.endpoints import DmpEndpoints
from esante.dmp.exchange import DmpRequest, exchange
from esante.dmp.failures import request_error, unexpected_response
from esante.dmp.transactions import DmpTransaction
from esante.dmp.vihf import Signer, VihfIssuer, vihf_for
from esante.identity import IdentityError, Ins
from esante.safexml import XmlError
from esante.transport import Attachment, SoapResponse, SoapTransport
from esante.trust import TrustError
from esante.xds import (
    Code,
    QueryRequest,
    QueryResponse,
    ReturnType,
    StoredQuery,
    ValidationContext,
    XdsError,
    iti18,
    raise_for_failures,
)
from esante.xds.activity import content_type_for_episode
from esante.xds.queries import to_adhoc

T = TypeVar("T")
LOCAL_ERRORS = (XdsError, TrustError, IdentityError, XmlError)
"""Errors raised while building a request: they become DmpRequestError (nothing sent)."""


def utcnow() -> datetime:
    """The current time, aware, in UTC (the default clock)."""
    return datetime.now(UTC)


class DmpCaller:
    """Configuration and shared steps of the DMP calls (see :class:`DmpClient`)."""

    def __init__(
        self,
        transport: SoapTransport,
        endpoints: DmpEndpoints,
        *,
        vihf_issuer: VihfIssuer,
        lps: LpsInfo,
        document_signer: Signer | None = None,
        content_type_code: Code | None = None,
        validation: ValidationContext | None = None,
        clock: Callable[[], datetime] = utcnow,
        id_source: Callable[[], uuid.UUID] = uuid.uuid4,
    ):
        self._transport = transport
        self._endpoints = endpoints
        self._vihf_issuer = vihf_issuer
        self._lps = lps
        self._document_signer = document_signer
        self._content_type_code = content_type_code
        self._validation = validation or ValidationContext()
        self._clock = clock
        self._id_source = id_source

    def _new_oid(self) -> str:
        """A fresh OID derived from a UUID (ISO/IEC 9834-8: ``2.25.<integer>``)."""
        return f"2.25.{self._id_source().int}"

    def _vihf(
        self, transaction: DmpTransaction, actor: Actor, access: Access, ins: Ins
    ) -> etree._Element:
        try:
            return self._vihf_issuer.issue(
                vihf_for(actor, access, self._lps, ins), access_reason=access.reason
            )
        except (TrustError, IdentityError) as exc:
            raise request_error(exc, transaction) from exc

    def _exchange(
        self,
        transaction: DmpTransaction,
        body: etree._Element,
        ins: Ins,
        actor: Actor,
        access: Access,
        *,
        attachments: tuple[Attachment, ...] = (),
    ) -> tuple[etree._Element, SoapResponse]:
        request = DmpRequest(
            transaction=transaction,
            url=self._endpoints.url(transaction.service),
            body=body,
            vihf=self._vihf(transaction, actor, access, ins),
            attachments=attachments,
        )
        return exchange(self._transport, request, message_id=f"urn:uuid:{self._id_source()}")

    def _query(
        self,
        transaction: DmpTransaction,
        query: StoredQuery,
        ins: Ins,
        actor: Actor,
        access: Access,
        return_type: ReturnType = ReturnType.LEAF_CLASS,
    ) -> QueryResponse:
        self._local(
            transaction,
            lambda: raise_for_failures(iti18.validate_request(to_adhoc(query), self._validation)),
        )
        body = iti18.encode_request(QueryRequest(query, return_type))
        payload, _ = self._exchange(transaction, body, ins, actor, access)
        return self._decode(transaction, lambda: iti18.decode_response(payload))

    def _require_content_type(
        self, given: Code | None, transaction: DmpTransaction, care_episode: str | None = None
    ) -> Code:
        """The submission set's contentTypeCode: the call's, else its care episode's, else
        the client's default, else an ambulatory consultation's (:mod:`esante.xds.activity`)."""
        if given is not None:
            return given
        if care_episode is not None:
            return content_type_for_episode(care_episode)
        return self._content_type_code or content_type_for_episode(None)

    @staticmethod
    def _local(transaction: DmpTransaction, step: Callable[[], T]) -> T:
        """Run a step done before sending; local failures become DmpRequestError."""
        try:
            return step()
        except LOCAL_ERRORS as exc:
            raise request_error(exc, transaction) from exc

    @staticmethod
    def _decode(transaction: DmpTransaction, step: Callable[[], T]) -> T:
        """Read a response body; a body that cannot be read is an unexpected response."""
        try:
            return step()
        except (XdsError, XmlError) as exc:
            raise unexpected_response(
                transaction, "response body cannot be read", cause=exc
            ) from exc
