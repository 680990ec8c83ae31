"""The DMP transactions the client speaks: its rows of the one table of DMP wire facts.

Each record says what the wire needs: the WS-Addressing action of the request and of
the response, the DMP web service that serves it, whether request and response travel
as MTOM, the body root elements, and whether the call changes the DMP (a *write*, for
which a lost answer leaves the outcome uncertain). The facts live in
:mod:`esante.xds.dmp_wire`, shared with the sandbox's routing so the side that sends and
the side that answers cannot disagree (checked against the DMP kit's WSDLs and example
messages by ``tests/unit/xds/test_dmp_wire.py``; where the kit contradicts itself, see
docs/wire-deviations.md).

Adding a TD means adding its row to :mod:`esante.xds.dmp_wire`, listing it here and a
thin module (``td02``, ``td03``, ``td21``, ``td31``, ``td32``, ``td33``) that builds its
body and reads its answer.
"""

from __future__ import annotations

from typing import Final

from esante.xds.dmp_wire import (
    HABILITATIONS_NS,
    HL7_NS,
    TD02,
    TD03,
    TD21,
    TD31,
    TD31B,
    TD32,
    TD33A,
    TD33B,
    TD33C,
    TD33D,
    DmpTransaction,
)
from esante.xds.dmp_wire import DmpService as Service

TRANSACTIONS: Final[dict[str, DmpTransaction]] = {
    t.td: t for t in (TD02, TD03, TD21, TD31, TD31B, TD32, TD33A, TD33B, TD33C, TD33D)
}
"""Every DMP transaction of the client, by TD number."""

__all__ = [
    "HABILITATIONS_NS",
    "HL7_NS",
    "TD02",
    "TD03",
    "TD21",
    "TD31",
    "TD31B",
    "TD32",
    "TD33A",
    "TD33B",
    "TD33C",
    "TD33D",
    "TRANSACTIONS",
    "DmpTransaction",
    "Service",
]
