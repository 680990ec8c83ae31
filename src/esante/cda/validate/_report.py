"""The typed result of a validation: XSD issues and schematron findings.

A :class:`Finding` is one failed ``<sch:assert>`` or fired ``<sch:report>`` of a kit
schematron, as the SVRL states it (ISO/IEC 19757-3 Annex D): the kit's French message,
the XPath location of the node at fault, the rule (``fired-rule`` id or context) and the
schematron file. Its severity comes from the assertion's ``role`` (or ``flag``): the ANS
schematrons use ``error``, ``warning`` and ``info``; an assertion without a role is an
error, as in the ANS tool. ``esante`` findings come from esante's own DMP-feeding checks
(``dmp=True``; never part of the kit's verdict); ``engine`` findings say that a schematron
could not be compiled or run (broken kit, or a document that makes a rule fail at run
time).

``ValidationReport.ok`` is true when there is no XSD error and no error-level finding.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from esante.errors import EsanteError

FindingKind = Literal["assert", "report", "engine", "esante"]


class Severity(StrEnum):
    """Severity of a finding, from the assertion's ``role``."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def label(self) -> str:
        """French label shown to clinicians."""
        return {"error": "Erreur", "warning": "Avertissement", "info": "Information"}[self.value]

    @classmethod
    def from_role(cls, role: str | None) -> Severity:
        """Map an SVRL ``role``/``flag`` to a severity (no role: error)."""
        value = (role or "").strip().lower()
        if value in ("warning", "warn", "avertissement"):
            return cls.WARNING
        if value in ("info", "information", "note", "hint"):
            return cls.INFO
        return cls.ERROR


@dataclass(frozen=True)
class XsdIssue:
    """An error of the CDA XSD (``CDA_extended.xsd``) validation."""

    line: int
    column: int
    message: str


@dataclass(frozen=True)
class Finding:
    """One failed assertion (or fired report) of a kit schematron."""

    severity: Severity
    message: str
    location: str
    schematron: str
    rule_id: str | None = None
    rule_context: str | None = None
    pattern: str | None = None
    assert_id: str | None = None
    kind: FindingKind = "assert"

    @property
    def rule(self) -> str:
        """The rule's identity: its id when the schematron names it, else its context."""
        return self.rule_id or self.rule_context or self.pattern or ""


@dataclass(frozen=True)
class ValidationReport:
    """The verdict on one document."""

    source: str
    schematrons: tuple[str, ...]
    volets: tuple[str, ...]
    body: str
    xsd_errors: tuple[XsdIssue, ...] = ()
    findings: tuple[Finding, ...] = ()
    notices: tuple[str, ...] = ()
    duration_ms: float = 0.0
    timings_ms: dict[str, float] = field(default_factory=dict, compare=False)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.WARNING)

    @property
    def infos(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.INFO)

    @property
    def ok(self) -> bool:
        """No XSD error and no error-level finding."""
        return not self.xsd_errors and not self.errors

    def findings_of(self, schematron: str) -> tuple[Finding, ...]:
        """The findings of one schematron (its kit path, or just its file name)."""
        return tuple(
            f
            for f in self.findings
            if f.schematron == schematron or f.schematron.rsplit("/", 1)[-1] == schematron
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ValidationReport:
        """The report :meth:`to_dict` described (derived keys are recomputed)."""
        return cls(
            source=data["source"],
            schematrons=tuple(data["schematrons"]),
            volets=tuple(data["volets"]),
            body=data["body"],
            xsd_errors=tuple(XsdIssue(**item) for item in data["xsd_errors"]),
            findings=tuple(
                Finding(**{**item, "severity": Severity(item["severity"])})
                for item in data["findings"]
            ),
            notices=tuple(data["notices"]),
            duration_ms=float(data["duration_ms"]),
            timings_ms={str(k): float(v) for k, v in data["timings_ms"].items()},
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (severities as strings, counts and verdict included)."""
        data = asdict(self)
        data["ok"] = self.ok
        data["counts"] = {
            "xsd_errors": len(self.xsd_errors),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "infos": len(self.infos),
        }
        for item in data["findings"]:
            item["severity"] = str(item["severity"])
        return data


@dataclass(frozen=True)
class BatchItem:
    """The outcome for one path: a report, or the error that prevented it."""

    path: Path
    report: ValidationReport | None = None
    error: EsanteError | None = None

    @property
    def ok(self) -> bool:
        return self.report is not None and self.report.ok
