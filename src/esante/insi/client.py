"""The INSi teleservice client: search by traits, search with the Carte Vitale, verify.

One SOAP 1.2 exchange per call, laid out as the official request of the DMP kit
(``WS_INS2_rechercherInsAvecTraitsIdentite_requete.xml``), header blocks in its order:
the ``ContexteBAM`` (message id, time, emitter = the professional's national identifier),
WS-Addressing ``MessageID`` and ``Action`` (no ``To`` / ``ReplyTo``, as there), the
``ContexteLPS`` (the software's CNDA
authorisation number, version, instance, name) and ``wsse:Security`` holding the
professional's SAML assertion; in ``soap:Body``, ``RECSANSVITALE`` or ``RECVITALE``.
The transport is injected (:class:`esante.transport.HttpsTransport` with mutual TLS for
the service, the sandbox's certificate authority for the sandbox).

Every call returns an :class:`InsiAnswer` (the result code ``00`` / ``01`` / ``02``, the
person for ``00``, and the reference of the exchange: the ``ContexteBAM`` id, kept as the
``insi_reference`` of an identity's status history) or raises an
:class:`~esante.insi.errors.InsiError` saying whether a retry may help.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree

from esante.identity import IdentityTraits
from esante.identity.errors import IdentityError, InsiMessageError
from esante.identity.insi import (
    ContexteBam,
    ContexteLps,
    Operation,
    Resultat,
    ResultCode,
    TraitsQuery,
    Verification,
    VitaleQuery,
    build_contexte_bam,
    build_contexte_lps,
    build_request_body,
    parse_resultat,
    verify,
)
from esante.identity.insi.vocabulary import RESULTAT, SIRAM_NS
from esante.insi.errors import (
    InsiAnswerError,
    InsiError,
    InsiRejectedError,
    InsiRequestError,
    InsiUnavailableError,
)
from esante.transport import (
    SOAP12_NS,
    WSA_NS,
    ReceiverFaultError,
    SenderFaultError,
    ServerError,
    SoapRequest,
    SoapTransport,
    TransientError,
    TransportError,
    build_envelope,
    send,
    with_security,
)

__all__ = ["InsiAnswer", "InsiClient", "LpsIdentity", "Professional"]


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class LpsIdentity:
    """The software calling INSi (``ContexteLPS/LPS``)."""

    authorisation: str
    """CNDA authorisation number (``IDAM``)."""
    version: str
    name: str
    instance: str


@dataclass(frozen=True, slots=True)
class Professional:
    """On whose behalf the call is made: national identifier and the assertion to send."""

    id_nat_ps: str
    assertion: Callable[[], etree._Element]


@dataclass(frozen=True, slots=True)
class InsiAnswer:
    """What the service answered, and the reference of the exchange."""

    resultat: Resultat
    reference: str
    operation: Operation
    at: datetime

    @property
    def code(self) -> ResultCode:
        return self.resultat.code

    @property
    def found(self) -> bool:
        return self.resultat.code is ResultCode.FOUND


class InsiClient:
    """Calls of the INSi teleservice (see the module's docstring)."""

    def __init__(
        self,
        transport: SoapTransport,
        url: str,
        *,
        lps: LpsIdentity,
        professional: Professional,
        clock: Callable[[], datetime] = _utcnow,
        id_source: Callable[[], uuid.UUID] = uuid.uuid4,
    ):
        self._transport = transport
        self._url = url
        self._lps = lps
        self._professional = professional
        self._clock = clock
        self._id_source = id_source

    def search_traits(self, query: TraitsQuery) -> InsiAnswer:
        """``rechercherInsAvecTraitsIdentite``."""
        return self._call(Operation.TRAITS, query)

    def search_vitale(self, query: VitaleQuery) -> InsiAnswer:
        """``rechercherInsAvecCarteVitale``."""
        return self._call(Operation.VITALE, query)

    def search(self, traits: IdentityTraits) -> InsiAnswer:
        """Search by ``traits`` in the RNIV's order: the first given name, then on ``02``
        all the given names, then the place of birth."""
        try:
            query: TraitsQuery | None = TraitsQuery.from_traits(traits)
        except IdentityError as exc:
            raise InsiRequestError(exc.message, detail=exc.detail, field=exc.field) from exc
        answer = self.search_traits(query)  # type: ignore[arg-type]
        while answer.code is ResultCode.SEVERAL and query is not None:
            query = query.narrower(traits)
            if query is not None:
                answer = self.search_traits(query)
        return answer

    def verify(self, matricule: str, traits: IdentityTraits) -> tuple[InsiAnswer, Verification]:
        """The verification of a held INS: a search by its traits, compared."""
        answer = self.search(traits)
        return answer, verify(answer.resultat, matricule, traits)

    def _call(self, operation: Operation, query: TraitsQuery | VitaleQuery) -> InsiAnswer:
        now = self._clock()
        bam_id = str(self._id_source())
        emitter = self._professional.id_nat_ps
        try:
            body = build_request_body(query)
            headers = [
                build_contexte_bam(ContexteBam(bam_id, now, emitter)),
                build_contexte_lps(
                    ContexteLps(
                        str(self._id_source()),
                        now,
                        emitter,
                        self._lps.authorisation,
                        self._lps.version,
                        self._lps.instance,
                        self._lps.name,
                    )
                ),
            ]
            assertion = self._professional.assertion()
        except IdentityError as exc:
            raise InsiRequestError(exc.message, detail=exc.detail, field=exc.field) from exc
        request = SoapRequest(
            url=self._url,
            envelope=build_envelope(
                body,
                [
                    headers[0],
                    _wsa("MessageID", f"urn:uuid:{self._id_source()}"),
                    _wsa("Action", operation.action),
                    headers[1],
                ],
            ),
        )
        request = with_security(request, assertion)
        try:
            response = send(self._transport, request)
        except TransportError as exc:
            raise _from_transport(exc) from exc
        body_element = response.envelope.root.find(f"{{{SOAP12_NS}}}Body")
        payload = (
            [c for c in body_element if isinstance(c.tag, str)] if body_element is not None else []
        )
        if len(payload) != 1 or payload[0].tag != RESULTAT:
            raise InsiAnswerError(
                "Réponse du téléservice INSi illisible : RESULTAT attendu.",
                detail=f"{len(payload)} body elements",
            )
        try:
            resultat = parse_resultat(payload[0])
        except InsiMessageError as exc:
            raise InsiAnswerError(
                f"Réponse du téléservice INSi refusée : {exc.message}",
                detail=exc.detail,
                field=exc.field,
            ) from exc
        return InsiAnswer(resultat, f"INSi:{bam_id}", operation, now)


def _wsa(local: str, text: str) -> etree._Element:
    element = etree.Element(f"{{{WSA_NS}}}{local}", nsmap={"wsa": WSA_NS})
    element.text = text
    return element


def _siram_code(exc: SenderFaultError | ReceiverFaultError) -> str | None:
    detail = exc.fault.detail
    if detail is None:
        return None
    erreur = detail.find(f".//{{{SIRAM_NS}}}Erreur")
    if erreur is None and detail.tag == f"{{{SIRAM_NS}}}Erreur":
        erreur = detail
    return erreur.get("code") if erreur is not None else None


def _from_transport(exc: TransportError) -> InsiError:
    detail = f"{type(exc).__name__}: {exc.detail or exc.message}"
    if isinstance(exc, SenderFaultError):
        return InsiRejectedError(
            f"Le téléservice INSi a refusé la demande : {exc.fault.reason}",
            code=_siram_code(exc),
            detail=detail,
        )
    if isinstance(exc, ReceiverFaultError | ServerError | TransientError):
        code = _siram_code(exc) if isinstance(exc, ReceiverFaultError) else None
        return InsiUnavailableError(
            "Le téléservice INSi est indisponible pour le moment : réessayez plus tard.",
            code=code,
            detail=detail,
        )
    return InsiAnswerError(
        "Échange avec le téléservice INSi impossible : " + exc.message, detail=detail
    )
