"""Read the SVRL a compiled kit schematron produces into :class:`Finding` values.

SVRL (ISO/IEC 19757-3 Annex D) is a flat sequence: ``active-pattern``, then for each rule
that fired a ``fired-rule`` (``id``, ``context``, ``role``) followed by the
``failed-assert`` / ``successful-report`` elements of that rule (``location``, ``role``,
``flag``, ``id``, and the message in ``svrl:text``). The kit's SVRL stylesheet writes
human-readable locations (``/ClinicalDocument/component/structuredBody/...``).
"""

from __future__ import annotations

from esante.cda.validate._report import Finding, Severity
from esante.safexml import parse_xml

SVRL_NS = "http://purl.oclc.org/dsdl/svrl"
_PATTERN = f"{{{SVRL_NS}}}active-pattern"
_RULE = f"{{{SVRL_NS}}}fired-rule"
_ASSERT = f"{{{SVRL_NS}}}failed-assert"
_REPORT = f"{{{SVRL_NS}}}successful-report"
_TEXT = f"{{{SVRL_NS}}}text"
_MAX_SVRL = 512 * 1024 * 1024


def _text(element: object) -> str:
    node = element.find(_TEXT)  # type: ignore[attr-defined]
    raw = "".join(node.itertext()) if node is not None else ""
    return " ".join(raw.split())


def findings_from_svrl(svrl: str, schematron: str) -> list[Finding]:
    """The failed assertions and fired reports of one SVRL output, in document order.

    An output naming neither element (a conforming document) is not parsed at all.
    """
    if svrl and "failed-assert" not in svrl and "successful-report" not in svrl:
        return []
    root = parse_xml(
        svrl.encode("utf-8"), what=f"rapport SVRL de {schematron}", max_bytes=_MAX_SVRL
    )
    findings: list[Finding] = []
    pattern: str | None = None
    rule_id: str | None = None
    rule_context: str | None = None
    rule_role: str | None = None
    for element in root.iterchildren():
        tag = element.tag
        if tag == _PATTERN:
            pattern = element.get("id") or element.get("name")
            rule_id = rule_context = rule_role = None
        elif tag == _RULE:
            rule_id = element.get("id")
            rule_context = element.get("context")
            rule_role = element.get("role")
        elif tag in (_ASSERT, _REPORT):
            role = element.get("role") or element.get("flag") or rule_role
            findings.append(
                Finding(
                    severity=Severity.from_role(role),
                    message=_text(element),
                    location=element.get("location") or "",
                    schematron=schematron,
                    rule_id=rule_id,
                    rule_context=rule_context,
                    pattern=pattern,
                    assert_id=element.get("id"),
                    kind="assert" if tag == _ASSERT else "report",
                )
            )
    return findings
