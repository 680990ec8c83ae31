"""SOAP faults of the DMP sandbox, and the answers every endpoint shares.

When a request cannot reach the DMP's business rules — malformed message, unknown or
missing WS-Addressing action, missing or untrustworthy VIHF, VIHF naming another
structure than the TLS certificate — the sandbox answers a SOAP 1.2 fault (W3C SOAP 1.2
Part 1 §5.4) on the HTTP status of the SOAP HTTP binding (Part 2 §7.5.1: ``Sender`` →
400, ``Receiver`` → 500), with the subcodes of the standard that applies:

==========================================  ==============================================
situation                                   code / subcodes
==========================================  ==============================================
no wsa:Action                               Sender / wsa:MessageAddressingHeaderRequired
action not served on this endpoint          Sender / wsa:ActionNotSupported
no VIHF in wsse:Security                    Sender / wsse:InvalidSecurity
VIHF unsigned, altered, expired, foreign    Sender / wsse:FailedAuthentication
VIHF of another structure than TLS          Sender / wsse:FailedAuthentication
malformed MIME, XML, SOAP                   Sender / esante:MessageMalformed
simulated failure (fail_rate)               Receiver / esante:XDSRegistryBusy
database or internal failure                Receiver / esante:XDSRegistryError
==========================================  ==============================================

(``wsa:`` WS-Addressing 1.0 SOAP Binding §6.4, ``wsse:`` WSS 1.0 SOAP Message Security
§12.) The last subcode names the DMP / esante code (the client reads it as the error
code), the reason is the French text for the clinician. Business refusals are not
faults: each transaction answers them its own way (RegistryErrorList, HL7 v3
acknowledgement, ``status``). Technical details go to ``soap:Detail`` only for Sender
faults, which describe the caller's own message; a Receiver fault says nothing of the
sandbox's internals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Final, Literal

from lxml import etree

from esante.sandbox.dmp.errors import SandboxError
from esante.transport import (
    ANONYMOUS,
    Attachment,
    Envelope,
    SoapResponse,
    WireResponse,
    build_fault,
    encode_response,
    new_message_id,
    with_reply_addressing,
)
from esante.transport.soap import SOAP12_NS, WSA_NS, WSSE_NS

SANDBOX_NS: Final = "urn:esante:sandbox:dmp"
"""Namespace of the sandbox's own fault subcodes and detail elements."""
_PAYLOAD_MARK: Final = "esante-payload"
FAULT_ACTION: Final = "http://www.w3.org/2005/08/addressing/soap/fault"
"""The WS-Addressing action of a fault message (WS-Addressing 1.0 SOAP Binding §6)."""

ACTION_NOT_SUPPORTED: Final = f"{{{WSA_NS}}}ActionNotSupported"
ADDRESSING_HEADER_REQUIRED: Final = f"{{{WSA_NS}}}MessageAddressingHeaderRequired"
INVALID_SECURITY: Final = f"{{{WSSE_NS}}}InvalidSecurity"
FAILED_AUTHENTICATION: Final = f"{{{WSSE_NS}}}FailedAuthentication"
MESSAGE_MALFORMED: Final = f"{{{SANDBOX_NS}}}MessageMalformed"


def sandbox_code(code: str) -> str:
    """The Clark name of a sandbox fault subcode (a DMP / XDS error code)."""
    return f"{{{SANDBOX_NS}}}{code}"


class DmpFault(SandboxError):  # noqa: N818 - a SOAP fault, named as the standard does
    """A request the sandbox answers with a SOAP fault instead of a business answer.

    ``code`` is ``Sender`` or ``Receiver``; ``subcodes`` Clark names, outermost first;
    ``message`` (French) becomes the fault reason, ``detail`` (technical) the
    ``soap:Detail`` of a Sender fault.
    """

    def __init__(
        self,
        message: str,
        *,
        code: Literal["Sender", "Receiver"] = "Sender",
        subcodes: Sequence[str] = (),
        detail: str | None = None,
        status: int | None = None,
    ):
        super().__init__(message, detail=detail)
        self.code = code
        self.subcodes = tuple(subcodes)
        self.status = status or (400 if code == "Sender" else 500)


def fault_response(fault: DmpFault, *, relates_to: str | None = None) -> WireResponse:
    """The HTTP answer carrying ``fault`` (with WS-Addressing reply headers)."""
    detail: list[etree._Element] = []
    if fault.code == "Sender" and fault.detail:
        element = etree.Element(f"{{{SANDBOX_NS}}}detail", nsmap={"esante": SANDBOX_NS})
        element.text = fault.detail[:2000]
        detail.append(element)
    envelope = build_fault(fault.code, fault.message, subcodes=fault.subcodes, detail=detail)
    response = with_reply_addressing(
        SoapResponse(envelope=envelope, status_code=fault.status),
        action=FAULT_ACTION,
        relates_to=relates_to,
    )
    return encode_response(response)


def soap_response(
    payload: etree._Element | bytes,
    *,
    action: str,
    relates_to: str | None,
    attachments: Sequence[Attachment] = (),
    mtom: bool = False,
) -> WireResponse:
    """The HTTP answer of a successful exchange: ``payload`` in a SOAP 1.2 envelope.

    ``payload`` is moved into the envelope (not copied: answers of 200 entries are large,
    and the element is built for this answer only), with the WS-Addressing reply headers.
    It may also be given already serialized (UTF-8, no XML declaration, namespaces
    declared): it is then spliced into the serialized envelope (not for MTOM answers).
    """
    root = etree.Element(f"{{{SOAP12_NS}}}Envelope", nsmap={"soap": SOAP12_NS, "wsa": WSA_NS})
    header = etree.SubElement(root, f"{{{SOAP12_NS}}}Header")
    etree.SubElement(header, f"{{{WSA_NS}}}Action").text = action
    etree.SubElement(header, f"{{{WSA_NS}}}MessageID").text = new_message_id()
    etree.SubElement(header, f"{{{WSA_NS}}}To").text = ANONYMOUS
    if relates_to:
        etree.SubElement(header, f"{{{WSA_NS}}}RelatesTo").text = relates_to
    body = etree.SubElement(root, f"{{{SOAP12_NS}}}Body")
    if isinstance(payload, bytes):
        if mtom or attachments:
            raise ValueError("a serialized payload cannot travel as MTOM")
        body.append(etree.Comment(_PAYLOAD_MARK))
    else:
        body.append(payload)
    response = SoapResponse(
        envelope=Envelope(root=root, version="1.2"),
        attachments=tuple(attachments),
        mtom=mtom or bool(attachments),
    )
    wire = encode_response(response)
    if isinstance(payload, bytes):
        marker = f"<!--{_PAYLOAD_MARK}-->".encode()
        wire = replace(wire, body=wire.body.replace(marker, payload, 1))
    return wire
