"""Shared inputs of the MSSanté tests: example CDA documents (built once), ids, codes."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from functools import cache

from esante.cda import Code as CdaCode
from esante.cda import build_n1, read_document
from esante.cda.examples import EXAMPLE_TYPES, example_document
from esante.mss import XdmCreator
from esante.xds import Code

KINDS = tuple(t.name for t in EXAMPLE_TYPES)
SOURCE_ID = "1.2.250.1.999.1.1.7898"
ACTIVITY = Code("04", "1.2.250.1.213.2.2", "Hospitalisation de jour")
CREATOR = XdmCreator("Cabinet médical du Parc", contact="secretariat@cabinet-du-parc.mssante.fr")
NIL = "ESANTE-TEST-0001"
GP = "francois.perrin@cabinet-du-parc.mssante.fr"
CARDIOLOGIST = "jeremie.mercier@cds-jean-jaures.mssante.fr"
NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


@cache
def cda(kind: str, patient: str | None = None) -> bytes:
    """An example document of ``kind`` (built once per test process)."""
    return example_document(kind, patient=patient).xml


def ids(prefix: str = "urn:uuid:00000000-0000-4000-8000-") -> Callable[[], str]:
    """A stable ebRIM id source."""
    counter = itertools.count(1)
    return lambda: f"{prefix}{next(counter):012d}"


TINY_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@cache
def quick_n1() -> bytes:
    """An N1 consultation report of the VSM's patient with a tiny PDF body (no rendering:
    keeps the message tests fast; the real N1 example is covered by the XDM tests)."""
    header = read_document(cda("vsm")).header()
    n1_type = CdaCode("11488-4", "2.16.840.1.113883.6.1", "Compte rendu de consultation", "LOINC")
    header = replace(
        header,
        type_code=n1_type,
        title="Compte rendu de consultation",
        service_event=replace(header.service_event, code=n1_type),
    )
    return build_n1(header, TINY_PDF).xml
