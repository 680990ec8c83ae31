"""Which kit schematrons check a given CDA document.

Following the ANS ``testContenuCDA`` tool, a document is checked by:

1. the "Structuration minimale des documents de santé" profile (``StrucMin``), always;
2. the body profiles — IHE sections/entries (``IHE.sch``), French sections/entries of the
   "Modèles de contenus CDA" volet (``CI-SIS_ModelesDeContenusCDA.sch``,
   ``CI-SIS_Modeles_ANS.sch``) — when the body is structured (``structuredBody``);
   their rules are keyed on section/entry templateIds, so they only fire on what the
   document contains;
3. the volet schematron of the document model, chosen from ``ClinicalDocument/templateId``
   (root + extension) with the facts in ``data/volets.json``; an N1 model without a
   templateId of its own (TLM-CR) is chosen from ``ClinicalDocument/code``.

An N1 document (``nonXMLBody``, templateId ``1.3.6.1.4.1.19376.1.2.20``) therefore gets the
minimal-structure profile only, plus its volet schematron when the kit has one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal

from lxml import etree

from esante.cda.validate._kit import BODY_PROFILES, STRUCMIN, VOLETS_DIR

HL7_NS = "urn:hl7-org:v3"
GENERIC_TEMPLATES = frozenset(
    {
        "2.16.840.1.113883.2.8.2.1",  # HL7 France realm
        "1.2.250.1.213.1.1.1.1",  # CI-SIS minimal structure
        "1.3.6.1.4.1.19376.1.2.20",  # IHE XDS-SD (N1)
    }
)

Body = Literal["structured", "nonXML", "none"]


@dataclass(frozen=True)
class VoletRule:
    """One fact of ``data/volets.json``: a document model and its volet schematron."""

    schematron: str
    template_id: str | None
    extensions: tuple[str | None, ...]
    code: str | None
    level: str | None


@dataclass(frozen=True)
class DocumentProfile:
    """What the engine learnt from the header and which schematrons it will run."""

    body: Body
    template_ids: tuple[tuple[str, str | None], ...]
    code: str | None
    volets: tuple[str, ...]
    schematrons: tuple[str, ...]
    notices: tuple[str, ...]


@lru_cache(maxsize=1)
def volet_rules() -> tuple[VoletRule, ...]:
    """The facts of ``data/volets.json``."""
    raw = resources.files("esante.cda.validate").joinpath("data/volets.json").read_text("utf-8")
    return tuple(
        VoletRule(
            schematron=item["schematron"],
            template_id=item.get("templateId"),
            extensions=tuple(item.get("extensions", ())),
            code=item.get("code"),
            level=item.get("level"),
        )
        for item in json.loads(raw)["volets"]
    )


def _body(root: etree._Element) -> Body:
    component = root.find(f"{{{HL7_NS}}}component")
    if component is None:
        return "none"
    if component.find(f"{{{HL7_NS}}}structuredBody") is not None:
        return "structured"
    if component.find(f"{{{HL7_NS}}}nonXMLBody") is not None:
        return "nonXML"
    return "none"


def profile_document(root: etree._Element) -> DocumentProfile:
    """Read the header of ``root`` (a ``ClinicalDocument``) and choose the schematrons."""
    template_ids = tuple(
        (el.get("root") or "", el.get("extension"))
        for el in root.iterchildren(f"{{{HL7_NS}}}templateId")
    )
    code_el = root.find(f"{{{HL7_NS}}}code")
    code = code_el.get("code") if code_el is not None else None
    body = _body(root)
    rules = volet_rules()

    volets: list[str] = []
    for tid_root, extension in template_ids:
        for rule in rules:
            if (
                rule.template_id == tid_root
                and extension in rule.extensions
                and rule.schematron not in volets
            ):
                volets.append(rule.schematron)
    if not volets and body == "nonXML":
        for rule in rules:
            if rule.code is not None and rule.code == code and rule.level == "N1":
                volets.append(rule.schematron)

    notices: list[str] = []
    if not volets:
        known = {r.template_id: r for r in rules if r.template_id}
        unknown_versions = [(t, e) for t, e in template_ids if t in known]
        others = [(t, e) for t, e in template_ids if t not in known and t not in GENERIC_TEMPLATES]
        if unknown_versions:
            tid, ext = unknown_versions[0]
            offered = sorted(
                {str(x) for r in rules if r.template_id == tid for x in r.extensions if x}
            )
            notices.append(
                f"Version du modèle {tid}@{ext or '(sans extension)'} sans schématron de volet "
                f"dans le kit (versions couvertes : {', '.join(offered)}) ; seuls les profils "
                "génériques ont été vérifiés."
            )
        elif body == "nonXML":
            notices.append(
                "Document non structuré (niveau 1) : seule la structuration minimale est vérifiée."
            )
        elif others:
            listed = ", ".join(f"{t}@{e}" if e else t for t, e in others)
            notices.append(
                f"Aucun schématron de volet du kit pour le modèle {listed} ; seuls les profils "
                "génériques ont été vérifiés."
            )
        else:
            notices.append(
                "Aucun modèle de document (templateId de volet) déclaré ; seuls les profils "
                "génériques ont été vérifiés."
            )

    schematrons = [STRUCMIN]
    if body == "structured":
        schematrons.extend(BODY_PROFILES)
    schematrons.extend(f"{VOLETS_DIR}/{name}" for name in volets)
    return DocumentProfile(
        body=body,
        template_ids=template_ids,
        code=code,
        volets=tuple(volets),
        schematrons=tuple(schematrons),
        notices=tuple(notices),
    )
