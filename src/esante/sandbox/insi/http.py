"""The sandbox INSi as an HTTP application: SOAP 1.2 in, ``RESULTAT`` or a fault out.

:class:`InsiHttpApp` answers one request the way the teleservice does, in this order
(the refusals are SOAP 1.2 faults whose detail is a ``siram:Erreur`` with the service's
error code, ``schema_faultSOAP_V01_01.xsd``):

1. route: ``POST <path>`` only (``GET /health`` answers ``ok``); a client certificate is
   required (mutual TLS: the server's TLS context asks for one, this checks it came);
2. decode the SOAP 1.2 message (size-limited, hardened XML parser);
3. WS-Addressing ``Action``: one of the two operations of the WSDL;
4. header blocks: ``ContexteBAM`` (``01_02``) and ``ContexteLPS`` (``01_00``) complete,
   ``wsse:Security`` with one SAML 2.0 assertion (the CNAM's "assertion PS");
5. the assertion's signature (:func:`esante.trust.saml.verify_saml_assertion`), when the
   application is given ``trusted_cas``: an unsigned assertion, a signature that does
   not verify (content changed after signing, e.g. another ``NameID``), a weak
   algorithm, a signer certificate not issued by one of ``trusted_cas``, expired or not
   a signing certificate is refused with the fault ``insi_01_003``, like any other
   assertion the service does not accept. ``Subject/NameID`` is then read from the
   signed bytes and must be the ``ContexteBAM/Emetteur`` (the professional on whose
   behalf the call is made);
6. the body must be the operation's (``RECSANSVITALE`` or ``RECVITALE``), valid and
   spelled the INSi way (upper case, no diacritics);
7. the answer (:func:`~esante.sandbox.insi.service.answer`) in a SOAP 1.2 envelope,
   without header, as the official response of the DMP kit.

Signature policies (constructor arguments):

* ``trusted_cas`` given: strict, as the teleservice. The sandbox's CA is the one to
  pass: the sandbox preset's clients sign with the signing certificate it issued
  (``esante.sandbox.runtime`` must hand it over; until it does, the running sandbox's
  INSi builds the application without it — see ``docs/insi.md``).
* ``trusted_cas`` given and ``kit_mode``: a *signed* assertion whose signature cannot be
  verified (foreign CA, expired signer, altered content) is read anyway, with a warning
  in the log — for replaying the official messages of the DMP kit only. Their
  assertion is signed by a CPS of the ANS test IGC (a CA the sandbox does not hold),
  whose certificate had expired (2021-05-15) before the sample's ``IssueInstant``
  (2021-06-16), and its content was edited after signing (the reference digest does not
  match): no CA the sandbox could trust would make it verify. An unsigned assertion is
  still refused.
* no ``trusted_cas``: the signature is not checked at all (an application built in
  process by tests that carry no PKI). Only the ``NameID`` binding is checked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

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
from esante.trust.errors import TrustError
from esante.trust.saml import verify_saml_assertion

logger = logging.getLogger("esante.sandbox.insi")

DEFAULT_PATH = "/insi/ICIR"
SAML_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
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


@dataclass(frozen=True)
class SignaturePolicy:
    """How the assertion's signature is checked (see the module's docstring)."""

    trusted_cas: tuple[x509.Certificate, ...] | None
    kit_mode: bool
    clock: Callable[[], datetime]

    def signed_content(self, assertion: etree._Element) -> etree._Element:
        """The assertion to read the professional from: the signed bytes when verified.

        Raises :class:`InsiFault` (``insi_01_003``) when the policy refuses it.
        """
        if self.trusted_cas is None:
            return assertion
        try:
            return verify_saml_assertion(
                assertion,
                trusted_cas=self.trusted_cas,
                now=self.clock(),
                what="l'assertion",
            ).element
        except TrustError as exc:
            signed = assertion.find(f"{{{DS_NS}}}Signature") is not None
            if self.kit_mode and signed:
                logger.warning(
                    "KIT MODE: INSi assertion read without a valid signature (%s)",
                    type(exc).__name__,
                )
                return assertion
            raise _refuse(
                f"Assertion d'identification du professionnel refusée : {exc.message}",
                "insi_01_003",
                exc.detail or type(exc).__name__,
                exc.field or "Assertion",
            ) from exc


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


def _check_headers(header: etree._Element | None, policy: SignaturePolicy) -> _Headers:
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
    signed = policy.signed_content(assertions[0])
    name_id = signed.findtext(f"{{{SAML_NS}}}Subject/{{{SAML_NS}}}NameID")
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

    def __init__(
        self,
        registry: InsiRegistry | None = None,
        *,
        path: str = DEFAULT_PATH,
        trusted_cas: Sequence[x509.Certificate] | None = None,
        kit_mode: bool = False,
        clock: Callable[[], datetime] | None = None,
    ):
        self.registry = registry or sandbox_registry()
        self.path = path
        self.policy = SignaturePolicy(
            None if trusted_cas is None else tuple(trusted_cas),
            kit_mode,
            clock or (lambda: datetime.now(UTC)),
        )

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
        _check_headers(request.envelope.header, self.policy)
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
