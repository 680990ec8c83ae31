"""A plain run of the ANS kit's own pipeline, written independently of esante.

This is the "kit's verdict" esante is compared with: saxonche runs the three ISO steps of
``schematrons/moteur`` on the schematron, then the resulting XSLT on the document — no
esante code, no cache, no pattern guards. The only liberties are the ones any Linux user
of the kit needs: the include hrefs whose letter case differs from the file names are
rewritten in the in-memory copy of the top-level schematron (the kit has no such href in
nested files, which :meth:`KitReference.compile` checks), and the stylesheets get the
schematron's location as base URI so that the relative value-set paths resolve in the kit.
Auto-presentable documents go through the kit's ``selectCDA.xsl`` first.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree
from saxonche import PySaxonApiError, PySaxonProcessor

SVRL = "{http://purl.oclc.org/dsdl/svrl}"
HL7 = "{urn:hl7-org:v3}"
STEPS = ("iso_dsdl_include.xsl", "iso_abstract_expand.xsl", "iso_svrl_for_xslt2.xsl")
STRUCMIN = "profils/structurationMinimale/ASIP-STRUCT-MIN-StrucMin.sch"
BODY = (
    "profils/IHE.sch",
    "profils/CI-SIS_ModelesDeContenusCDA.sch",
    "profils/CI-SIS_Modeles_ANS.sch",
)
INCLUDE_HREF = re.compile(r'(<include\s+href=")([^"]+)(")')


@dataclass(frozen=True)
class KitFailure:
    """One failed assert / fired report as the kit's SVRL states it."""

    rule: str
    role: str
    text: str


class KitCompileError(Exception):
    pass


def _case_insensitive(base: Path, href: str) -> Path | None:
    current = base
    for part in href.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            current = current.parent
            continue
        names = (
            [n for n in os.listdir(current) if n.lower() == part.lower()]
            if current.is_dir()
            else []
        )
        if len(names) != 1:
            return None
        current = current / names[0]
    return current


class KitReference:
    def __init__(self, kit: Path) -> None:
        self.kit = kit
        self.schematrons = kit / "schematrons"
        self.proc = PySaxonProcessor(license=False)
        self.xslt = self.proc.new_xslt30_processor()
        moteur = self.schematrons / "moteur"
        self.steps = [self.xslt.compile_stylesheet(stylesheet_file=str(moteur / s)) for s in STEPS]
        self.select_cda = self.xslt.compile_stylesheet(
            stylesheet_file=str(moteur / "selectCDA.xsl")
        )
        self._compiled: dict[str, Any] = {}

    def _parse(self, text: str, base: Path) -> Any:
        builder = self.proc.new_document_builder()
        builder.set_base_uri(base.as_uri())
        return builder.parse_xml(xml_text=text)

    def compile(self, rel: str) -> Any:
        """The kit's pipeline on ``schematrons/<rel>``; raises KitCompileError."""
        if rel in self._compiled:
            if isinstance(self._compiled[rel], KitCompileError):
                raise self._compiled[rel]
            return self._compiled[rel]
        sch = self.schematrons / rel

        def fix(match: re.Match[str]) -> str:
            href = match.group(2)
            if (sch.parent / href).exists():
                return match.group(0)
            found = _case_insensitive(sch.parent, href)
            if found is None:
                return match.group(0)
            return match.group(1) + os.path.relpath(found, sch.parent) + match.group(3)

        text = INCLUDE_HREF.sub(fix, sch.read_text(encoding="utf-8"))
        try:
            node = self._parse(text, sch)
            step1 = self.steps[0].transform_to_value(xdm_node=node).head
            step2 = self.steps[1].transform_to_value(xdm_node=step1).head
            xsl = self.steps[2].transform_to_string(xdm_node=step2)
            executable = self.xslt.compile_stylesheet(stylesheet_node=self._parse(xsl, sch))
        except PySaxonApiError as exc:
            failure = KitCompileError(str(exc))
            self._compiled[rel] = failure
            raise failure from exc
        self._compiled[rel] = executable
        return executable

    def schematrons_for(self, document: Path, volet: str | None) -> list[str]:
        """StrucMin, the body profiles when the body is structured, the volet."""
        root = etree.parse(str(document)).getroot()
        structured = root.find(f".//{HL7}structuredBody") is not None
        chosen = [STRUCMIN, *(BODY if structured else ())]
        if volet:
            chosen.append(volet)
        return chosen

    def document_node(self, document: Path) -> Any:
        node = self.proc.parse_xml(xml_file_name=str(document))
        root = etree.parse(str(document)).getroot()
        if root.tag != f"{HL7}ClinicalDocument":
            text = self.select_cda.transform_to_string(xdm_node=node)
            node = self.proc.parse_xml(xml_text=text)
        return node

    def run(self, rel: str, node: Any) -> list[KitFailure]:
        """Failed asserts and fired reports of ``schematrons/<rel>`` on ``node``."""
        svrl = self.compile(rel).transform_to_string(xdm_node=node)
        root = etree.fromstring(svrl.encode("utf-8"))
        failures: list[KitFailure] = []
        rule = ""
        for el in root:
            if el.tag == f"{SVRL}fired-rule":
                rule = el.get("id") or el.get("context") or ""
            elif el.tag in (f"{SVRL}failed-assert", f"{SVRL}successful-report"):
                text = " ".join("".join(el.itertext()).split())
                failures.append(KitFailure(rule=rule, role=el.get("role") or "", text=text))
        return failures
