"""The sandbox INSi as an HTTP application: SOAP 1.2 in, ``RESULTAT`` or a fault out.

:class:`InsiHttpApp` answers one request the way the teleservice does, in this order
(the refusals are SOAP 1.2 faults whose detail is a ``siram:Erreur`` with the service's
error code, ``schema_faultSOAP_V01_01.xsd``):

1. route: ``POST <path>`` only (``GET /health`` answers ``ok``); a client certificate is
   required (mutual TLS: the server's TLS context asks for one, this checks it came);
2. decode the SOAP 1.2 message (size-limited, hardened XML parser);
3. WS-Addressing ``Action``: one of the two operations of the WSDL;
4. header blocks: ``ContexteBAM`` (``01_02``) and ``ContexteLPS`` (``01_00``) complete,
   ``wsse:Security`` with a SAML 2.0 assertion whose ``Subject/NameID`` is the
   ``ContexteBAM/Emetteur`` (the professional on whose behalf the call is made);
5. the body must be the operation's (``RECSANSVITALE`` or ``RECVITALE``), valid and
   spelled the INSi way (upper case, no diacritics);
6. the answer (:func:`~esante.sandbox.insi.service.answer`) in a SOAP 1.2 envelope,
   without header, as the official response of the DMP kit.

Not checked yet: the signature of the SAML assertion (the CNAM's "assertion PS"), which
needs its verifier in :mod:`esante.trust`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from cryptography import x509
from lxml import etree

from esante.errors import EsanteError
from esante.identity.insi import (
    Operation,
    build_resultat,
    parse_contexte_bam,
    parse_contexte_lps,
    parse_request_body,
)
from esante.identity.insi.vocabulary import CTXBAM_NS, CTXLPS_NS, SIRAM_NS
from esante.sandbox.insi.errors import InsiFault
from esante.sandbox.insi.registry import InsiRegistry, sandbox_registry
from esante.sandbox.insi.service import answer
from esante.transport import (
    SOAP12_NS,
    WSSE_NS,
    MessageError,
    MessageLimits,
    SoapResponse,
    WireHandler,
    WireRequest,
    WireResponse,
    build_envelope,
    build_fault,
    decode_request,
    encode_response,
)

logger = logging.getLogger("esante.sandbox.insi")

DEFAULT_PATH = "/insi/ICIR"
SAML_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
LIMITS = MessageLimits(max_message_bytes=256 * 1024)
TEXT = "text/plain; charset=utf-8"


def _fault(fault: InsiFault) -> WireResponse:
    erreur = etree.Element(f"{{{SIRAM_NS}}}Erreur", nsmap={"siram": SIRAM_NS})
    erreur.set("severite", "erreur")
    erreur.set("code", fault.error_code)
    erreur.text = fault.message
    envelope = build_fault(fault.code, fault.message, detail=[erreur])  # type: ignore[arg-type]
    return encode_response(SoapResponse(envelope=envelope, status_code=fault.status))


def _refuse(message: str, error_code: str, detail: str, field: str | None = None) -> InsiFault:
    return InsiFault(message, error_code=error_code, detail=detail, field=field)


@dataclass(frozen=True)
class _Headers:
    emitter: str


def _header_block(header: etree._Element | None, tag: str) -> etree._Element:
    found = [] if header is None else header.findall(tag)
    if len(found) != 1:
        local = etree.QName(tag).localname
        raise _refuse(
            f"En-tête {local} absent ou répété.",
            "insi_01_002",
            f"{len(found)} {local} blocks",
            local,
        )
    return found[0]


def _check_headers(header: etree._Element | None) -> _Headers:
    bam = parse_contexte_bam(_header_block(header, f"{{{CTXBAM_NS}}}ContexteBAM"))
    lps = parse_contexte_lps(_header_block(header, f"{{{CTXLPS_NS}}}ContexteLPS"))
    security = _header_block(header, f"{{{WSSE_NS}}}Security")
    assertions = security.findall(f"{{{SAML_NS}}}Assertion")
    if len(assertions) != 1:
        raise _refuse(
            "Assertion d'identification du professionnel absente.",
            "insi_01_003",
            f"{len(assertions)} SAML assertions in wsse:Security",
            "Security",
        )
    name_id = assertions[0].findtext(f"{{{SAML_NS}}}Subject/{{{SAML_NS}}}NameID")
    if not name_id or name_id.strip() != bam.emitter:
        raise _refuse(
            "L'assertion ne désigne pas l'émetteur du contexte BAM.",
            "insi_01_003",
            "Assertion Subject/NameID != ContexteBAM/Emetteur",
            "NameID",
        )
    if lps.emitter != bam.emitter:
        raise _refuse(
            "Émetteurs des contextes BAM et LPS différents.",
            "insi_01_002",
            "ContexteLPS/Emetteur != ContexteBAM/Emetteur",
            "Emetteur",
        )
    return _Headers(bam.emitter)


class InsiHttpApp:
    """The INSi teleservice of the sandbox (see the module's docstring)."""

    def __init__(self, registry: InsiRegistry | None = None, *, path: str = DEFAULT_PATH):
        self.registry = registry or sandbox_registry()
        self.path = path

    def handle(
        self, method: str, path: str, wire: WireRequest, peer: x509.Certificate | None
    ) -> WireResponse:
        """Answer one HTTP request (``path`` without query string)."""
        if method == "GET" and path in ("/health", self.path):
            return WireResponse(status_code=200, content_type=TEXT, body=b"ok")
        if path != self.path:
            return WireResponse(status_code=404, content_type=TEXT, body=b"not found")
        if method != "POST":
            return WireResponse(status_code=405, content_type=TEXT, body=b"POST only")
        try:
            if peer is None:
                raise _refuse(
                    "Certificat client obligatoire (TLS mutuel).", "insi_01_001", "no peer cert"
                )
            return self._exchange(wire)
        except InsiFault as fault:
            return _fault(fault)
        except MessageError as exc:
            return _fault(_refuse(exc.message, "insi_01_000", exc.detail or "", exc.field))
        except EsanteError as exc:
            return _fault(
                _refuse(exc.message, "insi_01_004", exc.detail or type(exc).__name__, exc.field)
            )
        except Exception as exc:
            logger.error("INSi sandbox failure: %s", type(exc).__name__)
            return _fault(
                InsiFault(
                    "Erreur interne du service.",
                    error_code="insi_99_999",
                    code="Receiver",
                    status=500,
                )
            )

    def _exchange(self, wire: WireRequest) -> WireResponse:
        request = decode_request(wire, limits=LIMITS)
        if request.envelope.version != "1.2":
            raise _refuse("SOAP 1.2 attendu.", "insi_01_000", "SOAP 1.1 envelope")
        operation = Operation.from_action(request.action or "")
        if operation is None:
            raise _refuse(
                "Action WS-Addressing inconnue du service INSi.",
                "insi_01_002",
                f"action {request.action!r}",
                "Action",
            )
        _check_headers(request.envelope.header)
        body = request.envelope.root.find(f"{{{SOAP12_NS}}}Body")
        payload = [c for c in body if isinstance(c.tag, str)] if body is not None else []
        if len(payload) != 1 or payload[0].tag != operation.request_root:
            raise _refuse(
                f"Corps de message attendu pour l'opération {operation.value}.",
                "insi_01_004",
                f"body is not {operation.request_root}",
                "Body",
            )
        query = parse_request_body(payload[0])
        resultat = answer(self.registry, query)
        envelope = build_envelope(build_resultat(resultat))
        header = envelope.root.find(f"{{{SOAP12_NS}}}Header")
        if header is not None:
            envelope.root.remove(header)
        return encode_response(SoapResponse(envelope=envelope, status_code=200))

    def wire_handler(self, peer: x509.Certificate | None) -> WireHandler:
        """This application as a transport WireHandler bound to ``peer`` (unit tests)."""

        def handle(wire: WireRequest) -> WireResponse:
            return self.handle("POST", self.path, wire, peer)

        return handle
