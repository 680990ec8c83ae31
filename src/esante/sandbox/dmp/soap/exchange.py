"""One request being answered, and the table row of the transaction it belongs to.

The HTTP layer (:mod:`esante.sandbox.dmp.http`) decodes the SOAP message, finds its
:class:`Endpoint` by WS-Addressing action, authenticates the caller and hands an
:class:`Exchange` to the endpoint's handler, which returns an :class:`Answer` (the
response body, and MTOM attachments for TD3.2). Handlers turn business refusals into
their transaction's own answer; anything else they raise becomes a SOAP fault.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cryptography import x509
from lxml import etree
from sqlalchemy.orm import Session

from esante.sandbox.dmp.admin import DmpAdmin
from esante.sandbox.dmp.codes import DmpErrorCode
from esante.sandbox.dmp.errors import DmpRefusal
from esante.sandbox.dmp.records import PatientIns
from esante.sandbox.dmp.service import REPOSITORY_UNIQUE_ID, DmpService
from esante.sandbox.dmp.soap.faults import MESSAGE_MALFORMED, DmpFault
from esante.sandbox.dmp.soap.security import Caller
from esante.transport import Attachment, SoapRequest
from esante.xds import ValidationContext


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class EndpointOptions:
    """How the endpoints behave: trusted CAs, kit mode, repository id, validation, clock.

    ``trusted_cas`` are the CAs VIHF and XAdES signers must chain to (the sandbox CA).
    ``kit_mode`` also makes the XDS validators tolerate unknown (historical) codes.
    """

    trusted_cas: tuple[x509.Certificate, ...] = ()
    kit_mode: bool = False
    repository_unique_id: str = REPOSITORY_UNIQUE_ID
    clock: Callable[[], datetime] = utcnow
    rng: random.Random = field(default_factory=random.Random)

    @property
    def validation(self) -> ValidationContext:
        return ValidationContext(tolerate_unknown_codes=self.kit_mode)


@dataclass
class Exchange:
    """One request being answered: the SOAP message, its caller, a database session."""

    request: SoapRequest
    caller: Caller
    session: Session
    options: EndpointOptions

    @property
    def payload(self) -> etree._Element:
        payload = self.request.envelope.payload
        if payload is None:
            raise DmpFault(
                "Message SOAP sans contenu (soap:Body vide).",
                subcodes=(MESSAGE_MALFORMED,),
                detail="empty soap:Body",
            )
        return payload

    @property
    def service(self) -> DmpService:
        return DmpService(
            self.session,
            clock=self.options.clock,
            repository_unique_id=self.options.repository_unique_id,
        )

    @property
    def admin(self) -> DmpAdmin:
        return DmpAdmin(self.session, clock=self.options.clock)

    def patient(self) -> PatientIns:
        """The patient of the VIHF (``resource-id``); a refusal when there is none."""
        if self.caller.patient is None:
            raise DmpRefusal(
                DmpErrorCode.INVALID_REQUEST,
                message="Le VIHF ne désigne aucun patient (resource-id absent).",
                detail="VIHF without urn:oasis:names:tc:xacml:2.0:resource:resource-id",
                field="resource-id",
            )
        return self.caller.patient

    def same_patient(self, patient: PatientIns, where: str) -> PatientIns:
        """``patient`` (named in the body) after checking it is the VIHF's patient."""
        vihf = self.caller.patient
        if vihf is not None and vihf.value != patient.value:
            raise DmpRefusal(
                DmpErrorCode.PATIENT_ID_DOES_NOT_MATCH,
                message="Le patient de la requête n'est pas celui du VIHF.",
                detail=f"{where}: {patient.cx()} but VIHF resource-id {vihf.cx()}",
                field=where,
            )
        return patient


@dataclass(frozen=True)
class Answer:
    """A handler's answer: the response body (an element, or already serialized UTF-8
    without XML declaration), and its MTOM attachments."""

    payload: etree._Element | bytes
    attachments: tuple[Attachment, ...] = ()
    mtom: bool = False


Handler = Callable[[Exchange], Answer]


@dataclass(frozen=True)
class Endpoint:
    """One DMP transaction the sandbox serves: where, which actions, who answers."""

    td: str
    label: str
    action: str
    response_action: str
    service: str
    handler: Handler
    mtom_response: bool = False
