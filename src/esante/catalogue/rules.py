"""The Ségur catalogue as data: the documents of each profession and what their validation triggers.

Source: the "Liste des documents Ségur" tables of the Ségur vague 2 (ville) deck — médecins
(profiles "Général", "Médecin traitant et suivi de l'enfant", "Structures d'exercice
coordonné", "Prescription médicaments structurée"), sages-femmes, paramédicaux (IDE/IPA,
orthophonistes, orthoptistes, pédicures-podologues, masseurs-kinésithérapeutes) and
pharmaciens — reconstructed from OCR in ``data/segur.json``, which lists every place where
the OCR had to be interpreted.

:func:`rules_for` is what the feeding engine calls when a practitioner validates a document:
it answers the CDA level to produce (N1/N3 and the CDA model), whether the DMP / Mon espace
santé is fed automatically, whether a copy goes by MSSanté to the médecin traitant or the
adresseur, and the fixed MSSanté recipients (certificates CS9/CS24 go to the PMI platform).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from esante.catalogue.errors import CatalogueError
from esante.terminology import (
    CdaModel,
    Concept,
    DocumentType,
    TerminologyError,
    cda_model,
    concept,
    document_type,
    fold_accents,
)
from esante.terminology.concepts import Level

GENERAL = "general"


@dataclass(frozen=True, slots=True)
class SegurRule:
    """One row of the catalogue: a profession (and profile) producing a document type.

    ``feed_dmp``: validation sends the document to the DMP / Mon espace santé without any
    further click. ``mss_to_treating_doctor_or_referrer``: a copy goes by MSSanté to the
    patient's médecin traitant or to the practitioner who referred the patient (adresseur).
    ``mss_fixed_recipients``: MSSanté addresses the document always goes to (the PMI
    platform for the CS9/CS24 certificates). ``models``: the CDA models to produce.
    """

    profession: Concept
    profile: str
    profile_label: str
    document: str
    document_type: DocumentType
    level: Level
    models: tuple[CdaModel, ...]
    feed_dmp: bool
    mss_to_treating_doctor_or_referrer: bool
    mss_fixed_recipients: tuple[str, ...] = ()
    note: str | None = None

    @property
    def sends_mss(self) -> bool:
        """Whether validation sends at least one MSSanté message."""
        return self.mss_to_treating_doctor_or_referrer or bool(self.mss_fixed_recipients)


@dataclass(frozen=True, slots=True)
class _Catalogue:
    rules: tuple[SegurRule, ...]
    profiles: dict[str, str]
    names: dict[str, str]  # folded name -> G15 code
    pmi_address: str
    source: str
    interpretations: tuple[str, ...]


def _read() -> Any:
    item = files("esante.catalogue").joinpath("data").joinpath("segur.json")
    try:
        return json.loads(item.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CatalogueError(
            "Catalogue Ségur d'esante illisible.", detail=f"segur.json: {exc}"
        ) from exc


@cache
def _catalogue() -> _Catalogue:
    raw = _read()
    profiles = {p["id"]: p["label"] for p in raw["profiles"]}
    names: dict[str, str] = {}
    for p in raw["professions"]:
        names[fold_accents(concept("G15", p["code"]).display)] = p["code"]
        for n in p["names"]:
            names[fold_accents(n)] = p["code"]
    rules = []
    for e in raw["entries"]:
        rules.append(
            SegurRule(
                profession=concept("G15", e["profession"]),
                profile=e["profile"],
                profile_label=profiles[e["profile"]],
                document=e["document"],
                document_type=document_type(e["type_code"]),
                level=e["level"],
                models=tuple(cda_model(m) for m in e["models"]),
                feed_dmp=bool(e["dmp"]),
                mss_to_treating_doctor_or_referrer=bool(e["mss_mt_adresseur"]),
                mss_fixed_recipients=tuple(e.get("mss_fixed_recipients", ())),
                note=e.get("note"),
            )
        )
    return _Catalogue(
        rules=tuple(rules),
        profiles=profiles,
        names=names,
        pmi_address=raw["pmi_address"],
        source=raw["source"],
        interpretations=tuple(raw["interpretations"]),
    )


def pmi_address() -> str:
    """The MSSanté address of the PMI platform receiving the certificats de santé CS9/CS24."""
    return _catalogue().pmi_address


def interpretations() -> tuple[str, ...]:
    """Where the catalogue had to interpret the OCR of its source (for audits and docs)."""
    return _catalogue().interpretations


def profiles() -> dict[str, str]:
    """Profile ids and their French labels (``"general"`` → ``"Général"``...)."""
    return dict(_catalogue().profiles)


def professions() -> tuple[Concept, ...]:
    """The professions (TRE_G15) the catalogue covers, in catalogue order."""
    return tuple(dict.fromkeys(r.profession for r in _catalogue().rules))


def profession(code_or_name: str) -> Concept:
    """The catalogue profession for a G15 code (``"10"``, ``"G15_10"``) or a French name.

    Names are matched without accents or case: ``"sage-femme"``, ``"Médecin"``,
    ``"kinésithérapeute"``, ``"IPA"``... Raises :class:`CatalogueError` otherwise.
    """
    wanted = code_or_name.strip()
    code = wanted.removeprefix("G15_") if wanted.upper().startswith("G15_") else wanted
    cat = _catalogue()
    code = cat.names.get(fold_accents(code), code)
    for p in professions():
        if p.code == code:
            return p
    known = ", ".join(f"{p.code} {p.display}" for p in professions())
    raise CatalogueError(
        f"Profession « {code_or_name} » absente du catalogue Ségur.",
        detail=f"no catalogue profession for {code_or_name!r}; known: {known}",
        field="profession",
    )


def entries(profession_code: str | None = None) -> tuple[SegurRule, ...]:
    """Every catalogue row, or those of one profession (G15 code or French name)."""
    rules = _catalogue().rules
    if profession_code is None:
        return rules
    code = profession(profession_code).code
    return tuple(r for r in rules if r.profession.code == code)


def _type_label(code: str) -> str:
    try:
        return document_type(code).label
    except TerminologyError:
        return code


def rules_for(
    profession_code: str,
    document_type_code: str,
    profile: str | None = None,
    *,
    model: str | None = None,
) -> SegurRule:
    """What must happen when a practitioner of ``profession_code`` validates a document.

    ``document_type_code`` is the JDV_J07 code (``"SYNTH"``, ``"87273-9"``...). ``profile``
    is the practitioner's catalogue profile (see :func:`profiles`); without it, the
    "Général" row wins when there is one, else the profile-specific row. The "Général"
    rows apply to every profile. ``model`` (a CDA model id or templateId such as
    ``"CSE-CS24"``) picks the row of a type produced with several models — e.g.
    CERT_DECL is both the generic N1 certificate and the certificats de santé CS9/CS24.

    Raises :class:`CatalogueError` (French) when the document type, profile or model is
    not in the catalogue for that profession.
    """
    prof = profession(profession_code)
    code = document_type_code.strip()
    candidates = [r for r in entries(prof.code) if r.document_type.code == code]
    what = f"profession {prof.code}, type {code!r}, profile {profile!r}, model {model!r}"
    if not candidates:
        raise CatalogueError(
            f"Le document « {_type_label(code)} » ne fait pas partie du catalogue Ségur "
            f"pour la profession {prof.display}.",
            detail=f"no catalogue row for {what}",
            field="document_type",
        )
    if model is not None:
        try:
            wanted_model = cda_model(model)
        except TerminologyError as exc:
            raise CatalogueError(exc.message, detail=exc.detail, field="model") from exc
        candidates = [r for r in candidates if wanted_model in r.models]
        if not candidates:
            raise CatalogueError(
                f"Le modèle « {wanted_model.label} » n'est pas prévu par le catalogue Ségur "
                f"pour le document « {_type_label(code)} » ({prof.display}).",
                detail=f"no catalogue row for {what}",
                field="model",
            )
    if profile is not None:
        if profile not in _catalogue().profiles:
            raise CatalogueError(
                f"Profil « {profile} » inconnu du catalogue Ségur.",
                detail=f"known profiles: {', '.join(_catalogue().profiles)}",
                field="profile",
            )
        chosen = [r for r in candidates if r.profile == profile] or [
            r for r in candidates if r.profile == GENERAL
        ]
        if not chosen:
            expected = ", ".join(sorted({r.profile_label for r in candidates}))
            raise CatalogueError(
                f"Le document « {_type_label(code)} » est prévu par le catalogue Ségur pour "
                f"le profil « {expected} », pas pour « {_catalogue().profiles[profile]} ».",
                detail=f"no catalogue row for {what}",
                field="profile",
            )
        return chosen[0]
    general = [r for r in candidates if r.profile == GENERAL]
    return (general or candidates)[0]
