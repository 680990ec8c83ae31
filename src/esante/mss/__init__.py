"""MSSanté: IHE XDM packages, messages with the X-MSS-* headers, acknowledgements, directory.

Built on the formats (:mod:`esante.cda`, :mod:`esante.xds`); the practice side
(:mod:`esante.outbox`) drives it:

* :mod:`~esante.mss.xdm` — IHE XDM zip packages (ITI-32): :func:`build_xdm`,
  :func:`read_xdm` with hard limits on what is received;
* :mod:`~esante.mss.message` — MSSanté messages: :func:`compose_message` (one patient,
  IHE_XDM.ZIP + PDF copy, ``X-MSS-NIL``/``CODECDA``/``INS``/``MES``, visibility rules),
  :func:`read_message`;
* :mod:`~esante.mss.mdn` — RFC 8098 acknowledgements as the CI-SIS profiles them:
  :func:`build_mdn`, :func:`read_mdn`;
* :mod:`~esante.mss.directory` — the Annuaire Santé FHIR API: professionals, structures
  and their MSSanté mailboxes (:class:`DirectoryClient`);
* :mod:`~esante.mss.client` — SMTP submission (STARTTLS, client certificate or XOAUTH2
  with a Pro Santé Connect token) and IMAP over TLS (:class:`MssClient`).
"""

from esante.mss.auth import MssCredentials, xoauth2_response
from esante.mss.client import MssClient, MssEndpoints, from_sandbox_manifest
from esante.mss.directory import (
    ANS_FHIR_BASE_URL,
    DirectoryClient,
    DirectoryOrganization,
    DirectoryPractitioner,
    DirectoryRole,
    Mailbox,
)
from esante.mss.errors import (
    MssDirectoryError,
    MssError,
    MssFormatError,
    MssSendError,
    MssUnavailableError,
    MssUncertainOutcomeError,
    XdmError,
)
from esante.mss.imap import FetchedMessage, ImapMailbox
from esante.mss.mdn import (
    Disposition,
    DispositionType,
    MdnError,
    ReceivedMdn,
    build_mdn,
    is_mdn,
    read_mdn,
)
from esante.mss.message import (
    PATIENT_DOMAIN,
    ComposedMessage,
    MssAttachment,
    ReceivedMessage,
    compose_message,
    ddm_subject,
    is_patient_mailbox,
    patient_mailbox,
    read_message,
)
from esante.mss.xdm import (
    XDM_ATTACHMENT_NAME,
    DocumentToSend,
    XdmCreator,
    XdmDocument,
    XdmLimits,
    XdmPackage,
    XdmSubset,
    build_xdm,
    read_xdm,
)

__all__ = [
    "ANS_FHIR_BASE_URL",
    "ComposedMessage",
    "DirectoryClient",
    "DirectoryOrganization",
    "DirectoryPractitioner",
    "DirectoryRole",
    "Disposition",
    "DispositionType",
    "DocumentToSend",
    "FetchedMessage",
    "ImapMailbox",
    "Mailbox",
    "MdnError",
    "MssAttachment",
    "MssClient",
    "MssCredentials",
    "MssDirectoryError",
    "MssEndpoints",
    "MssError",
    "MssFormatError",
    "MssSendError",
    "MssUnavailableError",
    "MssUncertainOutcomeError",
    "PATIENT_DOMAIN",
    "ReceivedMdn",
    "ReceivedMessage",
    "XDM_ATTACHMENT_NAME",
    "XdmCreator",
    "XdmDocument",
    "XdmError",
    "XdmLimits",
    "XdmPackage",
    "XdmSubset",
    "build_mdn",
    "build_xdm",
    "compose_message",
    "ddm_subject",
    "from_sandbox_manifest",
    "is_mdn",
    "is_patient_mailbox",
    "patient_mailbox",
    "read_mdn",
    "read_message",
    "read_xdm",
    "xoauth2_response",
]
