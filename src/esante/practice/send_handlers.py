"""The send handlers of the practice, registered into the outbox's worker.

The outbox is a generic durable queue (store, claims, leases, retries, the worker loop);
what a send means for the practice lives here: the DMP handler re-checks the patient's
consent at send time (:func:`esante.practice.consent.check_feeding`: the patient may
have opposed during the deferral), and the MSSanté handler composes the message. A
worker gets them from :func:`send_handlers` (``esante.services.build_worker`` does).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from esante.mss import MssClient
from esante.outbox import Handler
from esante.practice.consent import ConsentRefusedError, check_feeding
from esante.practice.dmp_sender import CredentialRing, DmpSender
from esante.practice.mss_sender import MssSender, MssSettings


def consent_feeding_check(session: Session, patient_id: int) -> str | None:
    """The French reason the patient's consent refuses DMP feeding now, or None."""
    try:
        check_feeding(session, patient_id)
    except ConsentRefusedError as exc:
        return exc.message
    return None


def send_handlers(
    credentials: CredentialRing,
    *,
    mailboxes: Callable[[str], MssClient | None] | None = None,
    mss_settings: MssSettings | None = None,
) -> dict[str, Handler]:
    """The handlers by order kind: ``dmp_submit`` / ``dmp_delete`` (with the consent
    re-check) and, when sender mailboxes are given, ``mss_send``."""
    sender = DmpSender(credentials, feeding_check=consent_feeding_check)
    handlers: dict[str, Handler] = {"dmp_submit": sender, "dmp_delete": sender}
    if mailboxes is not None and mss_settings is not None:
        handlers["mss_send"] = MssSender(mailboxes, mss_settings)
    return handlers
