"""MSSanté messages: compose (IHE_XDM.ZIP, PDF copy, X-MSS-* headers) and read them.

:func:`compose_message` builds the :class:`~email.message.EmailMessage` of one patient's
documents (see :mod:`esante.mss._compose` for the rules enforced: masked documents only
to the patient, invisible documents never to the patient); :func:`read_message` checks a
received one and reads its package (:mod:`esante.mss._receive`). Header names, the
subject line and the patient mailbox address come from the Référentiel socle MSSanté #2
and the CI-SIS (:mod:`esante.mss._headers`).
"""

from esante.mss._compose import ComposedMessage, MssAttachment, compose_message
from esante.mss._headers import (
    DISPOSITION_NOTIFICATION_TO,
    MES_NO_REPLY,
    MSS_CODECDA,
    MSS_INS,
    MSS_MES,
    MSS_NIL,
    PATIENT_DOMAIN,
    SUBJECT_PREFIX,
    ddm_subject,
    is_patient_mailbox,
    patient_mailbox,
)
from esante.mss._receive import DEFAULT_MAX_MESSAGE_BYTES, ReceivedMessage, read_message

__all__ = [
    "ComposedMessage",
    "DEFAULT_MAX_MESSAGE_BYTES",
    "DISPOSITION_NOTIFICATION_TO",
    "MES_NO_REPLY",
    "MSS_CODECDA",
    "MSS_INS",
    "MSS_MES",
    "MSS_NIL",
    "MssAttachment",
    "PATIENT_DOMAIN",
    "ReceivedMessage",
    "SUBJECT_PREFIX",
    "compose_message",
    "ddm_subject",
    "is_patient_mailbox",
    "patient_mailbox",
    "read_message",
]
