"""Demo data: fictitious French structures, practitioners and patients, seeded.

``demo_dataset()`` gives the same people for the same seed (and reference date): tests,
examples and ``esante demo`` can name them by their short key (``lola``, ``robert``,
``generaliste``, ``msp``...). Every INS uses the test NIR OID; every identifier carries a
valid check key. This package is a format-level module: it imports only ``esante.identity``.
"""

from esante.demo.cast import DEFAULT_SEED, demo_dataset
from esante.demo.dataset import (
    NIR_TEST_OID,
    DemoDataset,
    DemoPatient,
    DemoPractitioner,
    DemoRepresentative,
    DemoStructure,
)
from esante.demo.errors import DemoError

__all__ = [
    "DEFAULT_SEED",
    "NIR_TEST_OID",
    "DemoDataset",
    "DemoError",
    "DemoPatient",
    "DemoPractitioner",
    "DemoRepresentative",
    "DemoStructure",
    "demo_dataset",
]
