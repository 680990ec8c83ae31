"""The public faces of esante.mss and its modules are a tested contract."""

from __future__ import annotations

import esante.mss
from esante.errors import EsanteError
from esante.mss import directory, mdn, message, xdm

# The SMTP/IMAP client (esante.mss.client) adds its own names to the package's face.
FORMATS = {
    "ANS_FHIR_BASE_URL",
    "ComposedMessage",
    "DirectoryClient",
    "DirectoryOrganization",
    "DirectoryPractitioner",
    "DirectoryRole",
    "Disposition",
    "DispositionType",
    "DocumentToSend",
    "Mailbox",
    "MdnError",
    "MssAttachment",
    "MssDirectoryError",
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
    "is_mdn",
    "is_patient_mailbox",
    "patient_mailbox",
    "read_mdn",
    "read_message",
    "read_xdm",
}


def test_package_exports() -> None:
    exported = esante.mss.__all__
    assert exported == sorted(exported)
    assert set(exported) >= FORMATS
    assert all(hasattr(esante.mss, name) for name in exported)


def test_module_exports() -> None:
    for module in (xdm, message, mdn, directory):
        assert module.__all__ == sorted(module.__all__), module.__name__
        assert all(hasattr(module, name) for name in module.__all__), module.__name__
    assert set(xdm.__all__) == {
        "XDM_ATTACHMENT_NAME",
        "XDM_CONTENT_TYPE",
        "DocumentToSend",
        "XdmCreator",
        "XdmDocument",
        "XdmLimits",
        "XdmPackage",
        "XdmSubset",
        "build_xdm",
        "read_xdm",
    }


def test_error_tree() -> None:
    assert issubclass(esante.mss.XdmError, esante.mss.MssFormatError)
    assert issubclass(esante.mss.MssError, EsanteError)
