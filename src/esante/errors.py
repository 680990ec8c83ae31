"""The root of esante's exception tree.

Every error esante raises on purpose derives from :class:`EsanteError`. Each package
adds one branch of its own, defined next to the code that raises it::

    EsanteError
     ├── ConfigError             (esante.errors)       bad ESANTE_* setting (raised by
     │                                                 esante.config, esante.services)
     ├── XmlError                (esante.safexml)      hostile, malformed or oversized XML
     ├── IdentityError           (esante.identity)     InsError, TraitsError,
     │                                                 IdentityStatusError, DataMatrixError,
     │                                                 InsiMessageError
     ├── TerminologyError        (esante.terminology)  unknown value set or code
     ├── CatalogueError          (esante.catalogue)    not in the Ségur catalogue
     ├── DemoError               (esante.demo)         unknown demo person
     ├── CdaError                (esante.cda)          CdaBuildError, CdaReadError,
     │                                                 CdaValidationError (KitError,
     │                                                 InvalidDocumentError,
     │                                                 ServerUnavailableError)
     ├── XdsError                (esante.xds)          XdsFormatError, XdsSchemaError,
     │                                                 XdsMappingError, XdsValidationError
     ├── TransportError          (esante.transport)    TransientError (NetworkError,
     │                                                 TransportTimeoutError, ServerError,
     │                                                 ReceiverFaultError), PermanentError
     │                                                 (TlsError, HttpError, MessageError,
     │                                                 SenderFaultError, RemoteRejectionError)
     ├── TrustError              (esante.trust)        PkiError, CertificateError,
     │                                                 SignatureError, VihfError, XadesError
     ├── DmpError                (esante.dmp)          DmpRequestError, DmpRejectedError,
     │                                                 DmpCommunicationError,
     │                                                 DmpUnavailableError
     │                                                 (DmpUncertainOutcomeError)
     ├── InsiError               (esante.insi)         InsiRequestError, InsiRejectedError,
     │                                                 InsiAnswerError, InsiUnavailableError
     ├── MssError                (esante.mss)          MssFormatError (XdmError),
     │                                                 MssSendError, MssUnavailableError
     │                                                 (MssUncertainOutcomeError),
     │                                                 MssDirectoryError
     ├── StoreError              (esante.store)        NotFoundError, ConflictError
     ├── PracticeError           (esante.practice)     PracticeValidationError,
     │                                                 ConsentError (ConsentRefusedError,
     │                                                 AccessNoticeRequiredError),
     │                                                 AccessDeniedError, AuthenticationError
     ├── OutboxError             (esante.outbox)       OrderStateError,
     │                                                 WorkerSetupError (esante.services:
     │                                                 bad credential key, no DMP client)
     ├── AuditError              (esante.audit)        AuditChainError
     ├── WebError                (esante.web)          PortInUseError, RequestBodyError
     │                                                 (BodyTooLargeError,
     │                                                 UnsupportedMediaTypeError)
     └── SandboxError            (esante.sandbox)      SandboxDatabaseError, DmpRefusal,
                                                       DmpFault, SandboxRuntimeError,
                                                       MssSandboxError, PscError, MesError,
                                                       InsiFault

An error carries two texts because it has two readers: ``message`` is French and is
meant for the clinician (it may be shown as is in the console or the CLI), while
``detail`` is precise and technical for the developer (field, value, cause). The
original exception, when there is one, is chained with ``raise ... from``.
"""

from __future__ import annotations


class EsanteError(Exception):
    """Base class of every error esante raises deliberately.

    ``message``: French, for the clinician. ``detail``: technical, for the developer.
    ``field``: the input field at fault, when there is one (a JSON path, a CLI option,
    an XML XPath...).
    """

    def __init__(self, message: str, *, detail: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.field = field

    def __str__(self) -> str:
        parts = [self.message]
        if self.field:
            parts.append(f"[{self.field}]")
        if self.detail:
            parts.append(f"({self.detail})")
        return " ".join(parts)


class ConfigError(EsanteError):
    """A configuration value (``ESANTE_*``) is missing or invalid."""
