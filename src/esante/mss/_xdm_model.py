"""The IHE XDM package model: documents, subsets, package; names of the archive's files.

Plain frozen values shared by the writer (:mod:`esante.mss._xdm_build`) and the reader
(:mod:`esante.mss._xdm_read`); :mod:`esante.mss.xdm` is their public face.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from esante import __version__
from esante.mss._cda import ACTION_SLOT
from esante.xds import Association, DocumentEntry, SubmissionSet

XDM_ATTACHMENT_NAME: Final = "IHE_XDM.ZIP"
"""File name of the package attached to an MSSanté message."""
XDM_CONTENT_TYPE: Final = "application/zip"
XDM_DIRECTORY: Final = "IHE_XDM"
SUBSET: Final = "SUBSET01"
METADATA: Final = "METADATA.XML"
INDEX: Final = "INDEX.HTM"
README: Final = "README.TXT"


@dataclass(frozen=True, slots=True)
class XdmCreator:
    """Who makes the package (``README.TXT``): the organisation, the software, a contact."""

    organization: str
    software: str = "esante"
    version: str = __version__
    contact: str | None = None


@dataclass(frozen=True, slots=True)
class DocumentToSend:
    """A CDA document to put in a package, with what its header cannot say.

    ``visibility``: DMP visibility codes (TRE_A07 ``MASQUE_PS``, ``INVISIBLE_PATIENT``,
    ``INVISIBLE_REPRESENTANTS_LEGAUX``) written as confidentialityCodes; ``action``: the
    CI-SIS extra metadata, ``"C"`` when the document replaces a version sent before (its
    ``relatedDocument`` names it), ``"D"`` when the receiver must delete it.
    """

    data: bytes
    visibility: tuple[str, ...] = ()
    action: str | None = None


@dataclass(frozen=True, slots=True)
class XdmDocument:
    """One document of a package: its metadata, its bytes and its path in the archive."""

    entry: DocumentEntry
    data: bytes
    path: str

    @property
    def action(self) -> str | None:
        """The CI-SIS extra metadata ``action`` (``C`` replace, ``D`` delete), if any."""
        slot = next((s for s in self.entry.extra_slots if s.name == ACTION_SLOT), None)
        return slot.values[0] if slot is not None and slot.values else None

    @property
    def is_cda(self) -> bool:
        """True for an XML document (a CDA R2 in the MSSanté packages)."""
        return (self.entry.mime_type or "").lower() in ("text/xml", "application/xml")


@dataclass(frozen=True, slots=True)
class XdmSubset:
    """One submission set directory (``IHE_XDM/SUBSET01``): metadata and documents."""

    name: str
    submission_set: SubmissionSet
    documents: tuple[XdmDocument, ...]
    associations: tuple[Association, ...] = ()


@dataclass(frozen=True, slots=True)
class XdmPackage:
    """A read package. MSSanté packages have one subset; IHE media may have several."""

    subsets: tuple[XdmSubset, ...]
    index: bytes | None = field(default=None, repr=False)
    readme: bytes | None = field(default=None, repr=False)

    @property
    def submission_set(self) -> SubmissionSet:
        """The submission set of the first subset."""
        return self.subsets[0].submission_set

    @property
    def documents(self) -> tuple[XdmDocument, ...]:
        """Every document, subset by subset."""
        return tuple(d for s in self.subsets for d in s.documents)
