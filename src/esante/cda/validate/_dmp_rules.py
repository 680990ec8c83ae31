"""esante's own checks for a CDA that is about to feed the DMP (``dmp=True``).

The kit checks CDA conformance; a few facts the DMP needs to accept a document are not
among its assertions, and are checked here, before the document leaves the practice:

* ``ESANTE-DMP-INS``: the patient carries an INS (``patientRole/id`` whose root is one of
  the four INS OIDs) and its matricule is valid — right length, key, sex digit (the kit
  checks the OID, not the key: several official examples carry an INS with a wrong key);
* ``ESANTE-DMP-SPECIALITE``: each author (``author/assignedAuthor``) carries its
  profession/specialty code, which becomes the XDS ``authorSpecialty`` the DMP requires
  (the structuration-minimale schematron limits it to one occurrence, it does not require it).

The findings have ``kind="esante"`` and schematron ``esante:DMP``, so they are never
mistaken for the kit's own verdict.
"""

from __future__ import annotations

from typing import Any

from esante.cda.validate._report import Finding, Severity
from esante.identity import InsKind, check_ins
from esante.identity.errors import InsError

SOURCE = "esante:DMP"
_NS = {"hl7": "urn:hl7-org:v3"}
_INS_OIDS = {kind.oid for kind in InsKind}


def _finding(rule: str, message: str, location: str) -> Finding:
    return Finding(
        severity=Severity.ERROR,
        message=message,
        location=location,
        schematron=SOURCE,
        rule_id=rule,
        kind="esante",
    )


def dmp_findings(root: Any) -> list[Finding]:
    """The DMP-feeding findings for the ``ClinicalDocument`` element ``root`` (lxml)."""
    findings: list[Finding] = []
    ids = root.xpath("hl7:recordTarget/hl7:patientRole/hl7:id[@root]", namespaces=_NS)
    ins_ids = [i for i in ids if i.get("root") in _INS_OIDS]
    location = "/ClinicalDocument/recordTarget/patientRole/id"
    if not ins_ids:
        findings.append(
            _finding(
                "ESANTE-DMP-INS",
                "L'INS du patient est absent : un document ne peut alimenter le DMP qu'avec "
                "l'INS qualifiée du patient (patientRole/id avec l'OID d'un INS).",
                location,
            )
        )
    for element in ins_ids:
        try:
            check_ins(element.get("extension") or "", element.get("root"))
        except InsError as exc:
            findings.append(_finding("ESANTE-DMP-INS", f"INS du patient : {exc.message}", location))
    for index, assigned in enumerate(
        root.xpath("hl7:author/hl7:assignedAuthor", namespaces=_NS), start=1
    ):
        if not assigned.xpath("hl7:code[@code]", namespaces=_NS):
            findings.append(
                _finding(
                    "ESANTE-DMP-SPECIALITE",
                    "La profession / spécialité de l'auteur est absente "
                    "(assignedAuthor/code) : elle est obligatoire pour alimenter le DMP "
                    "(métadonnée authorSpecialty).",
                    f"/ClinicalDocument/author[{index}]/assignedAuthor",
                )
            )
    return findings
