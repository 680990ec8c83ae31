"""Look-ups in the value sets esante ships: codes, French labels, validation, search.

A value set is named by its short name (``"J07"``), its official title
(``"JDV_J07_XdsTypeCode_CISIS"``), its OID (``"1.2.250.1.213.1.1.5.471"``) or an alias
(``"typeCode"``, the code system it stands for such as ``"TRE_R248"``) — case does not
matter. Every function that takes a value set accepts either such a name or a
:class:`~esante.terminology.concepts.ValueSet`.

Search is accent- and case-insensitive because clinicians type "vaccination" for
"Note de vaccination" and "synthese" for "Synthèse".
"""

from __future__ import annotations

import unicodedata

from esante.terminology._data import registry
from esante.terminology.concepts import CodeSystem, Concept, ValueSet
from esante.terminology.errors import TerminologyError

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})


def fold_accents(text: str) -> str:
    """``text`` without accents, in lower case, with typographic apostrophes made plain.

    ``fold_accents("Synthèse Médicale")`` → ``"synthese medicale"``.
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def value_sets() -> tuple[ValueSet, ...]:
    """Every value set esante ships, sorted by short name."""
    return registry().value_sets


def get_value_set(name_or_oid: str | ValueSet) -> ValueSet:
    """The value set named ``name_or_oid`` (short name, title, OID or alias).

    Raises :class:`TerminologyError` (French message) when esante does not ship it.
    """
    if isinstance(name_or_oid, ValueSet):
        return name_or_oid
    found = registry().keys.get(name_or_oid.strip().casefold())
    if found is None:
        known = ", ".join(vs.name for vs in value_sets())
        raise TerminologyError(
            f"Jeu de valeurs inconnu : « {name_or_oid} ».",
            detail=f"no value set named {name_or_oid!r}; known: {known}",
        )
    return found


def code_systems() -> tuple[CodeSystem, ...]:
    """The code systems esante knows by OID, sorted by name."""
    return tuple(sorted(registry().code_systems.values(), key=lambda cs: cs.name))


def code_system(oid: str) -> CodeSystem:
    """The code system with OID ``oid``; :class:`TerminologyError` when unknown."""
    found = registry().code_systems.get(oid.strip())
    if found is None:
        raise TerminologyError(
            f"Système de codes inconnu : « {oid} ».", detail=f"no code system with OID {oid!r}"
        )
    return found


def concept(
    value_set: str | ValueSet,
    code: str,
    code_system_oid: str | None = None,
    *,
    field: str | None = None,
) -> Concept:
    """The concept ``code`` of ``value_set`` (in ``code_system_oid`` when given).

    Raises :class:`TerminologyError` with a French message naming the value set when the
    code is not in it (``field`` is passed on to the error, e.g. ``"document.type"``).
    """
    vs = get_value_set(value_set)
    found = vs.get(code.strip(), code_system_oid)
    if found is None:
        where = f" (système {code_system_oid})" if code_system_oid else ""
        raise TerminologyError(
            f"Code « {code} »{where} inconnu dans le jeu de valeurs {vs.title} ({vs.description}).",
            detail=f"{code!r} not in {vs.name} ({vs.oid}, version {vs.version})"
            + (f" for code system {code_system_oid}" if code_system_oid else ""),
            field=field,
        )
    return found


def label(value_set: str | ValueSet, code: str, code_system_oid: str | None = None) -> str:
    """The official French label of ``code`` in ``value_set`` (see :func:`concept`)."""
    return concept(value_set, code, code_system_oid).display


def is_valid(value_set: str | ValueSet, code: str, code_system_oid: str | None = None) -> bool:
    """Whether ``code`` (in ``code_system_oid`` when given) belongs to ``value_set``.

    An unknown value set still raises :class:`TerminologyError`: that is a programming
    error, not an invalid code.
    """
    return get_value_set(value_set).get(code.strip(), code_system_oid) is not None


def search(value_set: str | ValueSet, text: str) -> tuple[Concept, ...]:
    """Concepts of ``value_set`` whose label contains ``text``, ignoring accents and case.

    Every word of ``text`` must appear in the label (in any order); a code equal to
    ``text`` also matches and comes first. An empty ``text`` matches everything.
    """
    vs = get_value_set(value_set)
    words = fold_accents(text).split()
    exact = [c for c in vs.concepts if c.code.casefold() == text.strip().casefold()]
    matches = [
        c
        for c in vs.concepts
        if c not in exact and all(w in fold_accents(c.display) for w in words)
    ]
    return tuple(exact + matches)


def author_specialty(profession_code: str, specialty_code: str | None = None) -> Concept:
    """The JDV_J01 authorSpecialty concept for a profession (G15) and its specialty (R38...).

    The CDA author ``code`` and the XDS authorSpecialty use the TRE_A02 combined codes
    ``G15_<profession>`` or ``G15_<profession>/<specialty>``, e.g.
    ``author_specialty("10", "SM54")`` → ``G15_10/SM54`` « Médecin - Médecine Générale (SM) ».
    Raises :class:`TerminologyError` when the combination is not in JDV_J01.
    """
    code = f"G15_{profession_code.strip()}"
    if specialty_code:
        code = f"{code}/{specialty_code.strip()}"
    return concept("J01", code, "1.2.250.1.213.1.1.4.5")
