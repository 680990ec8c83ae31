"""Clinical content of structured (N3) documents as values, shared by builders and reader.

The same frozen dataclasses describe what a builder writes (a VSM's problems, a
vaccination, a child's measurements) and what :mod:`esante.cda.read` extracts from a
received document, so that a VSM read from the DMP can be imported into the local record
as it is. They follow the CI-SIS entries (IHE PCC): problem and allergy concerns,
medications (``substanceAdministration``), immunizations, simple observations and vital
signs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from esante.cda.model import Address, Code, HealthProfessional, PersonName, Telecom


@dataclass(frozen=True)
class Quantity:
    """A physical quantity (HL7 PQ) with its UCUM unit: ``Quantity(Decimal("3.9"), "kg")``."""

    value: Decimal
    unit: str

    def __str__(self) -> str:
        return f"{format(self.value.normalize(), 'f')} {self.unit}"


ObservationValue = bool | int | Quantity | Code | str
"""What a simple observation holds: BL, INT, PQ, CD or ST."""


@dataclass(frozen=True)
class Problem:
    """A pathology, a past illness or a family history item.

    ``code`` is the diagnosis (CIM-10 usually); ``active`` says whether the concern is
    still ongoing (concern ``statusCode`` active / completed).
    """

    code: Code
    start: dt.date | None = None
    end: dt.date | None = None
    active: bool = True
    comment: str | None = None
    absent: bool = False
    """True to state that the problem did *not* occur (``negationInd="true"``)."""
    causes: tuple[Observation, ...] = ()
    """Details of the cause (CSE domestic accidents), ``entryRelationship`` CAUS."""

    @property
    def label(self) -> str:
        return self.code.display or self.code.code


@dataclass(frozen=True)
class Procedure:
    """A past or performed act (CCAM, TA_ASIP...); ``done=False`` says it was not done."""

    code: Code
    date: dt.date | None = None
    comment: str | None = None
    done: bool = True
    results: tuple[Observation, ...] = ()


@dataclass(frozen=True)
class Allergy:
    """An allergy or intolerance: the agent, the kind of reaction type and the reaction.

    ``kind`` comes from JDV_TypeEvenementIndesirablePrevisible (SNOMED CT, e.g.
    416098002 allergie médicamenteuse); ``agent`` is the substance (CIM-11, ATC, SNOMED);
    ``reaction`` the manifestation.
    """

    agent: Code
    kind: Code
    reaction: Code | None = None
    start: dt.date | None = None
    active: bool = True

    @property
    def label(self) -> str:
        return self.agent.display or self.agent.code


@dataclass(frozen=True)
class Medication:
    """A (long-term) treatment: the product (CIS, CIP as translation), dose, rhythm, route.

    ``dose`` is per intake (e.g. ``Quantity(1, "{tablet}")``), ``period`` the interval
    between intakes (``Quantity(1, "d")`` once a day); ``instructions`` the posology as
    the prescriber wrote it.
    """

    product: Code
    start: dt.date | None = None
    end: dt.date | None = None
    dose: Quantity | None = None
    period: Quantity | None = None
    route: Code | None = None
    instructions: str | None = None
    reason: Code | None = None

    @property
    def label(self) -> str:
        return self.product.display or self.product.code


@dataclass(frozen=True)
class Immunization:
    """A vaccine administration: product coded by CIS (ATC and CIP as translations).

    ``dose_rank`` is the rank of the injection in the vaccination scheme (1, 2, booster...);
    ``booster`` whether it is a booster (rappel) rather than a dose of the primary series
    (None: a rank above 3 is taken for a booster).
    """

    vaccine: Code
    date: dt.date
    lot: str | None = None
    expiry: dt.date | None = None
    route: Code | None = None
    site: Code | None = None
    dose_rank: int | None = None
    performer: HealthProfessional | None = None
    comment: str | None = None
    given: bool = True
    """False to record that the vaccine was *not* given (``negationInd="true"``)."""
    booster: bool | None = None

    @property
    def label(self) -> str:
        return self.vaccine.display or self.vaccine.code


@dataclass(frozen=True)
class Measurement:
    """A vital sign or body measurement (LOINC code, value, UCUM unit) at a time."""

    code: Code
    value: Quantity
    time: dt.date | dt.datetime

    @property
    def label(self) -> str:
        return self.code.display or self.code.code


@dataclass(frozen=True)
class Relative:
    """A relative an observation or section is about (FR-Sujet), e.g. the child's mother.

    ``nir`` is the relative's own social security number (NIR of the "ouvrant droit",
    written as ``sdtc:id`` under 1.2.250.1.213.1.4.13).
    """

    relationship: Code
    name: PersonName | None = None
    birth_date: dt.date | None = None
    nir: str | None = None
    address: Address | None = None
    telecoms: tuple[Telecom, ...] = ()


@dataclass(frozen=True)
class FamilyHistory:
    """A condition of a relative (antécédent familial): who, and which problem."""

    relative: Relative
    problem: Problem


@dataclass(frozen=True)
class Observation:
    """A simple coded observation (IHE PCC simple observation) as the CSE use them.

    ``code`` says what is observed (LOINC, TA_ASIP...), ``qualifier`` refines a generic
    code (``11345-6`` autre élément social + ``82589-3`` niveau d'études), ``value`` is the
    answer; ``subject`` the relative it is about (``MTH`` mère...) when not the patient.
    ``label`` is the French question as shown in the narrative.
    """

    code: Code
    value: ObservationValue
    label: str
    qualifier: Code | None = None
    subject: Relative | None = None
    comment: str | None = None
    negated: bool = False
    """True when the observation states an absence (``negationInd="true"``)."""


def value_text(value: ObservationValue) -> str:
    """French reading of an observation value (``oui``/``non``, ``3 cm``, a label)."""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, Code):
        return value.display or value.code
    return str(value)
