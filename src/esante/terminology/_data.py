"""Loading of esante's terminology data files (``esante/terminology/data``).

The data are facts written in esante's own JSON format: one file per value set under
``data/valuesets/``, ``data/code_systems.json`` and ``data/document_types.json``. Each
value set file records the official name, OID and version it reflects and where the list
was read (CI-SIS kit file or ANS NOS publication).

Files are read with :mod:`importlib.resources` (so they work from a wheel or a zip) and
parsed once per process (:func:`functools.cache`): the objects built are immutable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

from esante.terminology.concepts import (
    CdaModel,
    CodeSystem,
    Concept,
    DocumentType,
    ValueSet,
)
from esante.terminology.errors import TerminologyError

CLASS_VALUE_SET = "J06"
TYPE_VALUE_SET = "J07"


@dataclass(frozen=True, slots=True)
class Registry:
    """Everything loaded from the data files, indexed for lookups."""

    value_sets: tuple[ValueSet, ...]
    keys: dict[str, ValueSet]
    code_systems: dict[str, CodeSystem]
    models: dict[str, CdaModel]
    document_types: tuple[DocumentType, ...]


def _data_dir() -> Traversable:
    return files("esante.terminology").joinpath("data")


def _read_json(item: Traversable) -> Any:
    try:
        return json.loads(item.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TerminologyError(
            "Fichier de terminologie d'esante illisible.",
            detail=f"{item.name}: {exc}",
        ) from exc


def _key(text: str) -> str:
    return text.strip().casefold()


def _value_set(raw: dict[str, Any]) -> ValueSet:
    concepts = tuple(Concept(c["code"], c["display"], c["system"]) for c in raw["concepts"])
    return ValueSet(
        name=raw["name"],
        title=raw["title"],
        description=raw["description"],
        oid=raw.get("oid"),
        version=raw["version"],
        source=raw["source"],
        complete=bool(raw["complete"]),
        concepts=concepts,
        aliases=tuple(raw.get("aliases", ())),
        kit_file=raw.get("kit_file"),
        notes=raw.get("notes"),
    )


def _document_types(
    raw: dict[str, Any], keys: dict[str, ValueSet]
) -> tuple[dict[str, CdaModel], tuple[DocumentType, ...]]:
    models = {
        m["id"]: CdaModel(
            id=m["id"],
            label=m["label"],
            level=m["level"],
            template_id=m["template_id"],
            template_extension=m["template_extension"],
            format_code=m["format_code"],
            format_code_system_oid=m["format_system"],
        )
        for m in raw["models"]
    }
    types_vs = keys[_key(TYPE_VALUE_SET)]
    class_vs = keys[_key(CLASS_VALUE_SET)]
    types = []
    for t in raw["types"]:
        type_concept = types_vs.get(t["code"], t["system"])
        class_concept = class_vs.get(t["class_code"])
        if type_concept is None or class_concept is None:  # a broken data file, caught by tests
            raise TerminologyError(
                "Données de terminologie d'esante incohérentes.",
                detail=f"document_types.json: {t['code']} / class {t['class_code']} "
                "not found in J07 / J06",
            )
        types.append(
            DocumentType(
                code=t["code"],
                code_system_oid=t["system"],
                label=type_concept.display,
                class_code=class_concept.code,
                class_label=class_concept.display,
                class_basis=t["class_basis"],
                models=tuple(models[m] for m in t["models"]),
            )
        )
    return models, tuple(types)


@cache
def registry() -> Registry:
    """Load and index every data file (once per process)."""
    root = _data_dir()
    value_sets = sorted(
        (
            _value_set(_read_json(item))
            for item in root.joinpath("valuesets").iterdir()
            if item.name.endswith(".json")
        ),
        key=lambda vs: vs.name,
    )
    keys: dict[str, ValueSet] = {}
    for vs in value_sets:
        for k in (vs.name, vs.title, vs.oid, *vs.aliases):
            if k:
                keys.setdefault(_key(k), vs)
    code_systems = {
        cs["oid"]: CodeSystem(cs["oid"], cs["name"], cs["title"])
        for cs in _read_json(root.joinpath("code_systems.json"))["code_systems"]
    }
    models, types = _document_types(_read_json(root.joinpath("document_types.json")), keys)
    return Registry(tuple(value_sets), keys, code_systems, models, types)
