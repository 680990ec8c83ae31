"""The practice package's branch of the exception tree.

::

    EsanteError
     ├── PracticeError                 a clinician's action refused by a practice rule
     │    ├── PracticeValidationError  a record's field is missing, malformed or incoherent
     │    └── ConsentError             a DMP action refused by the consent rules
     │         ├── ConsentRefusedError       the patient's choices forbid this DMP action
     │         └── AccessNoticeRequiredError the 180-day DMP notice is not acknowledged
     ├── IdentityError (esante.identity)   bad INS, bad traits, forbidden status change
     └── StoreError (esante.store)
          ├── NotFoundError            no such patient / practitioner / structure
          └── ConflictError            same INS, same RPPS, same local id...

The services raise the store's NotFoundError and ConflictError for missing rows and
uniqueness conflicts (so the web layer maps them to 404 and 409 in one place), the
identity errors unchanged, and PracticeValidationError for everything else a record can
get wrong. ``field`` always names the input at fault.

The consent rules (:mod:`esante.practice.consent`) raise :class:`ConsentError` and its
subclasses when they forbid a DMP action: a web route maps them to 403 (the request was
understood, the rules forbid it), not to 422; an incoherent consent decision (consent
to consultation of a patient who was not informed) is a PracticeValidationError.
"""

from __future__ import annotations

from esante.errors import EsanteError


class PracticeError(EsanteError):
    """An action on the practice's records was refused by a rule."""


class PracticeValidationError(PracticeError):
    """A field of a patient, practitioner or structure is missing, malformed or incoherent."""


class ConsentError(PracticeError):
    """A DMP / Mon espace santé action is refused by the consent and access rules.

    Refusals of a DMP access are traced before being raised, in the caller's session
    (commit it to keep the trace of the refusal) unless
    :func:`~esante.practice.consent.authorize_consultation` was given its own sessions.
    """


class ConsentRefusedError(ConsentError):
    """The patient's choices (opposition, no consent to consultation) forbid the action."""


class AccessNoticeRequiredError(ConsentError):
    """The professional has not acknowledged the DMP access notice of the last 180 days.

    The console answers by showing the notice (``NOTICE_TEXT`` and its "J'ai compris"
    button) and retries once it is acknowledged.
    """


class ConsultationRefusedError(PracticeError):
    """A DMP read was refused before anything was sent: a DICA condition is not met.

    ``condition`` is the DICA letter at fault (``D``, ``I``, ``C`` or ``A``) and
    ``action`` the stable code of what fixes it (``qualifier_ins``, ``reconnecter_cps``…),
    the same as the bar shows (:mod:`esante.practice.dica`).
    """

    def __init__(
        self,
        message: str,
        *,
        condition: str,
        action: str | None = None,
        detail: str | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message, detail=detail, field=field)
        self.condition = condition
        self.action = action
