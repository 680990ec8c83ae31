"""Value objects of the terminology: concepts, code systems, value sets, CDA models, document types.

They are frozen dataclasses built once from esante's data files (see
:mod:`esante.terminology._data`) and shared by every caller. A *value set* here is what the
ANS calls a "jeu de valeurs" (JDV): a named, versioned list of concepts that may come from
several code systems (e.g. JDV_J07 mixes LOINC and TRE_A05 codes), which is why every
:class:`Concept` carries its code system OID.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Level = Literal["N1", "N3"]


@dataclass(frozen=True, slots=True)
class Concept:
    """One coded concept: ``code`` in the code system ``code_system_oid``, with its French label."""

    code: str
    display: str
    code_system_oid: str


@dataclass(frozen=True, slots=True)
class CodeSystem:
    """A code system (terminology) identified by its OID, e.g. LOINC or TRE_A05."""

    oid: str
    name: str
    title: str


@dataclass(frozen=True, slots=True)
class ValueSet:
    """A versioned list of concepts (an ANS "jeu de valeurs").

    ``name`` is esante's short name (``J07``, ``G15``...), ``title`` the official name,
    ``oid`` the value set OID, ``version`` the publication date the data reflects,
    ``complete`` whether every concept of the official value set is shipped (``False``
    for a deliberate subset), ``kit_file`` the CI-SIS kit file holding the official
    list when the kit has one.
    """

    name: str
    title: str
    description: str
    oid: str | None
    version: str
    source: str
    complete: bool
    concepts: tuple[Concept, ...]
    aliases: tuple[str, ...] = ()
    kit_file: str | None = None
    notes: str | None = None
    _index: dict[tuple[str, str], Concept] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _by_code: dict[str, list[Concept]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        for c in self.concepts:
            self._index[(c.code, c.code_system_oid)] = c
            self._by_code.setdefault(c.code, []).append(c)

    def __len__(self) -> int:
        return len(self.concepts)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code in self._by_code

    def get(self, code: str, code_system_oid: str | None = None) -> Concept | None:
        """The concept ``code`` (in ``code_system_oid`` when given), or ``None``.

        Without a code system, a code present in several code systems of the value set
        is ambiguous and gives ``None`` too; pass the code system to disambiguate.
        """
        if code_system_oid is not None:
            return self._index.get((code, code_system_oid))
        found = self._by_code.get(code, [])
        return found[0] if len(found) == 1 else None

    @property
    def code_system_oids(self) -> tuple[str, ...]:
        """The code systems the concepts come from, in order of first appearance."""
        return tuple(dict.fromkeys(c.code_system_oid for c in self.concepts))


@dataclass(frozen=True, slots=True)
class CdaModel:
    """A CDA document model esante produces: N1 (PDF body) or a structured CI-SIS volet (N3).

    ``template_id``/``template_extension`` identify the model in the CDA header;
    ``format_code`` (in ``format_code_system_oid``) is the XDS formatCode that goes with it.
    """

    id: str
    label: str
    level: Level
    template_id: str
    template_extension: str | None
    format_code: str
    format_code_system_oid: str


@dataclass(frozen=True, slots=True)
class DocumentType:
    """A document type of the Ségur catalogue, with what a CDA/XDS producer needs to know.

    ``code``/``code_system_oid``/``label``: the CDA ``code`` and XDS typeCode (JDV_J07);
    ``class_code``/``class_label``: the XDS classCode (JDV_J06); ``models``: the CDA models
    esante can produce for it, in order of preference — the first is the default (the N3
    volet when the catalogue requires one, else N1; every type can be produced as N1).
    ``class_basis`` says where the type -> class correspondence comes from (``dmp-kit``,
    ``design`` or ``inferred``).
    """

    code: str
    code_system_oid: str
    label: str
    class_code: str
    class_label: str
    class_basis: str
    models: tuple[CdaModel, ...]

    @property
    def concept(self) -> Concept:
        """The type as a plain :class:`Concept`."""
        return Concept(self.code, self.label, self.code_system_oid)

    @property
    def class_concept(self) -> Concept:
        """The class as a plain :class:`Concept` (TRE_A03)."""
        return Concept(self.class_code, self.class_label, "1.2.250.1.213.1.1.4.1")

    @property
    def default_model(self) -> CdaModel:
        """The model produced when nothing else is asked for (the first one)."""
        return self.models[0]

    @property
    def default_format_code(self) -> str:
        """The formatCode of :attr:`default_model`."""
        return self.default_model.format_code

    @property
    def format_codes(self) -> tuple[str, ...]:
        """Every formatCode the type may carry, one per model."""
        return tuple(m.format_code for m in self.models)

    @property
    def structured_models(self) -> tuple[CdaModel, ...]:
        """The N3 (structured) models of the type; empty when it only exists as N1."""
        return tuple(m for m in self.models if m.level == "N3")

    def model(self, model_id: str) -> CdaModel | None:
        """The model ``model_id`` (e.g. ``"VSM"``, ``"N1"``) if the type has it."""
        for m in self.models:
            if m.id == model_id.upper():
                return m
        return None
