"""IHE XDM packages (ITI-32, "ZIP over e-mail"): the IHE_XDM.ZIP of an MSSanté message.

Layout (IHE ITI TF-2b §3.32.4.1.3, CI-SIS "Échange de documents de santé")::

    README.TXT                      who made the package, with what, how to reach them
    INDEX.HTM                       XHTML table of contents (French)
    IHE_XDM/SUBSET01/METADATA.XML   lcm:SubmitObjectsRequest: submission set, entries,
                                    HasMember associations
    IHE_XDM/SUBSET01/DOC0001.XML    the documents (CDA R2), 8.3 upper-case names

``METADATA.XML`` is the ITI-41 metadata of the DMP feeding, without the documents: the
same CI-SIS CDA→XDS mapping (:func:`esante.xds.document_entry_from_cda`, the submission
set of :func:`esante.xds.submission_set_for`), each DocumentEntry with its ``hash``
(SHA-1), ``size`` and ``URI`` (the file name, relative to the subset directory). The DMP
visibility codes (``MASQUE_PS``...) travel as confidentialityCodes, and the CI-SIS
extra metadata ``action`` (``C`` replacement, ``D`` deletion) when asked.

:func:`build_xdm` writes a package; :func:`read_xdm` reads a received one with hard
limits (:class:`XdmLimits`) and refuses, with an :class:`~esante.mss.errors.XdmError`
naming the entry at fault: anything that is not a zip, compression bombs, unsafe names,
a missing or non-ebRIM ``METADATA.XML``, a referenced document that is missing, a hash
or size mismatch, files nothing references (``INDEX.HTM``/``README.TXT`` excepted) and
duplicate names.
"""

from esante.mss._xdm_build import build_xdm
from esante.mss._xdm_model import (
    XDM_ATTACHMENT_NAME,
    XDM_CONTENT_TYPE,
    DocumentToSend,
    XdmCreator,
    XdmDocument,
    XdmPackage,
    XdmSubset,
)
from esante.mss._xdm_read import read_xdm
from esante.mss._zip import XdmLimits

__all__ = [
    "DocumentToSend",
    "XDM_ATTACHMENT_NAME",
    "XDM_CONTENT_TYPE",
    "XdmCreator",
    "XdmDocument",
    "XdmLimits",
    "XdmPackage",
    "XdmSubset",
    "build_xdm",
    "read_xdm",
]
