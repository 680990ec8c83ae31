"""Reading received CDA R2 documents: header summary, N1 PDF, VSM structured content.

:func:`read_document` parses any CDA through :mod:`esante.safexml` and returns a
:class:`ReceivedDocument` (type, patient INS and traits, authors, dates, level N1/N3,
CI-SIS model and formatCode, setId/version/RPLC parent); :func:`extract_pdf` returns an
N1 document's PDF; :func:`read_vsm` the problems, history, allergies, treatments and acts
of a VSM (2023.01 or 1.4) with their provenance, ready for import into the local record.
"""

from esante.cda.read._document import ReceivedDocument, extract_pdf, read_document
from esante.cda.read._vsm import Provenance, VsmData, read_vsm

__all__ = [
    "Provenance",
    "ReceivedDocument",
    "VsmData",
    "extract_pdf",
    "read_document",
    "read_vsm",
]
