"""What went wrong in a DMP call, as a :class:`~esante.dmp.errors.DmpError`.

Three sources of failure, one classification (see :mod:`esante.dmp.errors`):

* the DMP's own answer — an ebRS ``RegistryErrorList`` (IHE ITI TF-3 §4.2.4: ``errorCode``,
  ``codeContext``, ``severity``), an HL7 v3 acknowledgement ``AE``/``AR`` with its
  ``acknowledgementDetail``, or a SOAP fault whose subcode carries the DMP code;
* the transport (:mod:`esante.transport.errors`), whose transient / permanent split is
  kept, with one more question answered: had the request left when the failure
  happened? A timeout or a broken connection after sending leaves a write's outcome
  uncertain; a refused connection does not;
* the request itself (CDA mapping, XDS rules, VIHF or signature), before anything is sent.

The French message says what happened in the clinician's words: a label per known XDS
error code, followed by the DMP's own ``codeContext`` (French on the real DMP) when it
adds something.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from lxml import etree

from esante.dmp.errors import (
    DmpCommunicationError,
    DmpError,
    DmpRejectedError,
    DmpRequestError,
    DmpUnavailableError,
    DmpUncertainOutcomeError,
)
from esante.dmp.transactions import DmpTransaction
from esante.errors import EsanteError
from esante.transport import (
    HttpError,
    MessageError,
    NetworkError,
    ReceiverFaultError,
    RemoteRejectionError,
    SenderFaultError,
    ServerError,
    SoapFaultError,
    TransientError,
    TransportError,
    TransportTimeoutError,
)
from esante.xds import ErrorSeverity, RegistryError, ResponseStatus
from esante.xds.dmp_errors import ERRORS as DMP_ERRORS
from esante.xds.dmp_errors import TRANSIENT_CODES as DMP_TRANSIENT_CODES

FRENCH_LABELS: Final[dict[str, str]] = {code: e.label for code, e in DMP_ERRORS.items()}
"""French label of each DMP / XDS error code, from the table shared with the sandbox
(:mod:`esante.xds.dmp_errors`)."""

TRANSIENT_CODES: Final = DMP_TRANSIENT_CODES
"""Error codes meaning "not now": the request was not processed and may be sent again."""

_BEFORE_SENDING: Final = frozenset({"ConnectTimeout", "PoolTimeout", "ConnectError"})
"""Transport causes raised before a byte of the request left (httpx's connect phase)."""
_NOT_PROCESSED_STATUS: Final = frozenset({408, 429, 502, 503})


def french_message(code: str | None, context: str | None = None) -> str:
    """The clinician's message for a DMP/XDS ``code`` and the DMP's own ``context`` text."""
    context = " ".join((context or "").split())
    label = FRENCH_LABELS.get(code or "")
    if label is None:
        label = (
            f"Le DMP a refusé la demande (code {code})." if code else "Le DMP a refusé la demande."
        )
    if context and context not in label:
        return f"{label} Détail du DMP : {context}"
    return label


def registry_failure(
    errors: Sequence[RegistryError], transaction: DmpTransaction
) -> DmpRejectedError | DmpUnavailableError:
    """The error for a RegistryErrorList whose entries of severity Error are ``errors``."""
    first = errors[0]
    codes = tuple(e.error_code for e in errors)
    message = french_message(first.error_code, first.code_context)
    if len(errors) > 1:
        message += f" (et {len(errors) - 1} autre(s) erreur(s))"
    detail = "; ".join(
        f"{e.error_code}: {e.code_context}" + (f" [{e.location}]" if e.location else "")
        for e in errors
    )
    if all(code in TRANSIENT_CODES for code in codes):
        return DmpUnavailableError(
            message, code=first.error_code, codes=codes, detail=detail, transaction=transaction.td
        )
    return DmpRejectedError(
        message,
        code=first.error_code,
        codes=codes,
        errors=tuple(errors),
        detail=detail,
        transaction=transaction.td,
    )


def check_registry_status(
    status: ResponseStatus, errors: Sequence[RegistryError], transaction: DmpTransaction
) -> tuple[RegistryError, ...]:
    """Raise for a failed ebRS response; return the warnings of an accepted one.

    Entries of severity Error make the call fail, whatever the status says (a
    PartialSuccess with errors is a failure for the DMP client: it sends one document
    at a time). A Failure without any entry still fails, with a generic message.
    """
    failed = [e for e in errors if e.severity == ErrorSeverity.ERROR]
    if failed:
        raise registry_failure(failed, transaction)
    if status == ResponseStatus.FAILURE:
        raise DmpRejectedError(
            french_message(None),
            detail=f"{transaction.td}: status Failure without RegistryError",
            transaction=transaction.td,
        )
    return tuple(e for e in errors if e.severity != ErrorSeverity.ERROR)


def fault_code(exc: SoapFaultError) -> str | None:
    """The DMP code of a SOAP fault: its innermost subcode, else the first text of Detail."""
    if exc.fault.subcodes:
        return etree.QName(exc.fault.subcodes[-1]).localname
    detail = exc.fault.detail
    if detail is not None:
        for element in detail.iter():
            text = (element.text or "").strip()
            if text and isinstance(element.tag, str) and element is not detail:
                return text.split()[0][:64]
    return None


def _sent(exc: BaseException) -> bool:
    """Whether the failure may have happened after the request was (partly) sent."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if type(current).__name__ in _BEFORE_SENDING:
            return False
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return True


def from_transport_error(exc: TransportError, transaction: DmpTransaction) -> DmpError:
    """The DmpError for a failed exchange (chain the original with ``raise ... from``)."""
    td = transaction.td
    detail = f"{td}: {type(exc).__name__}: {exc.detail or exc.message}"
    if isinstance(exc, SoapFaultError):
        code = fault_code(exc)
        reason = exc.fault.reason
        if isinstance(exc, ReceiverFaultError):
            message = "Le DMP n'a pas pu traiter la demande."
            if code in FRENCH_LABELS:
                message = french_message(code, reason)
            elif reason:
                message += f" Détail du DMP : {reason}"
            return DmpUnavailableError(message, code=code, detail=detail, transaction=td)
        assert isinstance(exc, SenderFaultError)
        return DmpRejectedError(
            french_message(code, reason), code=code, detail=detail, transaction=td
        )
    if isinstance(exc, TransportTimeoutError | NetworkError):
        if transaction.writes and _sent(exc):
            return DmpUncertainOutcomeError(
                "Le DMP n'a pas répondu : on ne sait pas si la demande a été prise en compte.",
                detail=detail,
                transaction=td,
            )
        return DmpUnavailableError(
            "Le DMP est injoignable pour le moment.", detail=detail, transaction=td
        )
    if isinstance(exc, ServerError):
        if transaction.writes and exc.status_code not in _NOT_PROCESSED_STATUS:
            return DmpUncertainOutcomeError(
                f"Le DMP a répondu par une erreur HTTP {exc.status_code} : on ne sait pas si la "
                "demande a été prise en compte.",
                detail=detail,
                transaction=td,
            )
        return DmpUnavailableError(
            f"Le DMP est indisponible pour le moment (erreur HTTP {exc.status_code}).",
            detail=detail,
            transaction=td,
        )
    if isinstance(exc, RemoteRejectionError):
        code = exc.codes[0] if exc.codes else None
        return DmpRejectedError(
            french_message(code, exc.message),
            code=code,
            codes=exc.codes,
            detail=detail,
            transaction=td,
        )
    if isinstance(exc, MessageError):
        return DmpCommunicationError(
            "Réponse du DMP illisible." + _uncertain_suffix(transaction),
            detail=detail,
            outcome_uncertain=transaction.writes,
            transaction=td,
        )
    if isinstance(exc, HttpError):
        message = f"Le DMP a refusé la connexion (erreur HTTP {exc.status_code})."
    else:
        message = exc.message  # TlsError and others: the transport's French text
    if isinstance(exc, TransientError):
        return DmpUnavailableError(message, detail=detail, transaction=td)
    return DmpCommunicationError(message, detail=detail, transaction=td)


def unexpected_response(
    transaction: DmpTransaction, what: str, *, cause: EsanteError | None = None
) -> DmpCommunicationError:
    """The error for a response that is well-formed SOAP but not what the TD answers."""
    detail = f"{transaction.td}: {what}"
    if cause is not None:
        detail += f" ({type(cause).__name__}: {cause.detail or cause.message})"
    return DmpCommunicationError(
        "Réponse du DMP inattendue ou incomplète." + _uncertain_suffix(transaction),
        detail=detail,
        outcome_uncertain=transaction.writes,
        transaction=transaction.td,
    )


def request_error(exc: EsanteError, transaction: DmpTransaction) -> DmpRequestError:
    """Wrap a local failure (mapping, XDS rules, INS, VIHF, signature) raised before sending."""
    return DmpRequestError(
        exc.message,
        detail=f"{transaction.td}: {type(exc).__name__}: {exc.detail or exc.message}",
        field=exc.field,
        transaction=transaction.td,
    )


def _uncertain_suffix(transaction: DmpTransaction) -> str:
    if transaction.writes:
        return " On ne sait pas si la demande a été prise en compte."
    return ""
