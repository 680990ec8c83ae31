"""The validation engine: XSD + the ANS kit's schematrons on one CDA document.

A :class:`Validator` holds what is costly to build — the located kit, the loaded XSD, the
compiled schematrons (memory cache, backed by the disk cache under
``$ESANTE_HOME/cache/schematron``) — and validates any number of documents, from any
number of threads (see :mod:`._saxon` for the threading model). :func:`validate_document`
uses one shared validator per kit.

Every input goes through :mod:`esante.safexml` first: no DTD, no entity, bounded size;
what Saxon then reads is lxml's re-serialisation of the accepted tree, parsed once for all
the schematrons. The XSD validation (lxml) runs in a helper thread meanwhile: libxml2
releases the GIL, Saxon keeps it, so the two overlap. A document wrapped
in another element (the kit's "auto-présentable" documents, whose root is an XSLT
stylesheet embedding the ``ClinicalDocument``) is validated on its ``ClinicalDocument``,
as the kit's ``selectCDA.xsl`` does.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from lxml import etree
from saxonche import PySaxonApiError

from esante.cda.validate._compiler import SchematronCompileError, SchematronCompiler
from esante.cda.validate._dmp_rules import SOURCE as DMP_SOURCE
from esante.cda.validate._dmp_rules import dmp_findings
from esante.cda.validate._kit import BODY_PROFILES, STRUCMIN, Kit, default_cache_dir
from esante.cda.validate._report import Finding, Severity, ValidationReport, XsdIssue
from esante.cda.validate._saxon import parse
from esante.cda.validate._selection import HL7_NS, profile_document
from esante.cda.validate._svrl import findings_from_svrl
from esante.cda.validate._xsd import CdaSchema
from esante.cda.validate.errors import InvalidDocumentError
from esante.safexml import DEFAULT_MAX_BYTES, XmlError, parse_xml, parse_xml_file

_CLINICAL_DOCUMENT = f"{{{HL7_NS}}}ClinicalDocument"

# XSD validation runs here while the calling thread runs the schematrons: lxml releases
# the GIL while libxml2 validates, saxonche keeps it while Saxon transforms, so the two
# overlap. Validations of one schema are serialised by CdaSchema's lock anyway.
_XSD_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="esante-xsd")


class _Default:
    """Sentinel: "use the default cache directory"."""


_DEFAULT = _Default()


def _first_line(text: str, limit: int = 300) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


class Validator:
    """Validates CDA R2 documents against the ANS CI-SIS kit (XSD + schematrons).

    ``kit``: the kit directory (default: ``ESANTE_CISIS_KIT`` / ``../shared/cisis-kit``).
    ``cache_dir``: where compiled schematrons are kept on disk (default
    ``$ESANTE_HOME/cache/schematron``; ``None`` disables the disk cache).
    ``guards``: apply the optimisations of :mod:`._guards` to the compiled stylesheets
    (skip the walks that cannot produce a finding: same findings, several times faster);
    False runs the stylesheets exactly as the kit's pipeline writes them.

    Raises :class:`KitError` when the kit is missing or incomplete.
    """

    def __init__(
        self,
        kit: Path | str | Kit | None = None,
        *,
        cache_dir: Path | _Default | None = _DEFAULT,
        guards: bool = True,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.kit = kit if isinstance(kit, Kit) else Kit.locate(kit)
        self.cache_dir = default_cache_dir() if isinstance(cache_dir, _Default) else cache_dir
        self.max_bytes = max_bytes
        self._schema = CdaSchema(self.kit)
        self._compiler = SchematronCompiler(self.kit, self.cache_dir, guards=guards)

    @property
    def stats(self) -> dict[str, int]:
        """Counters: stylesheets built by the pipeline, loaded from disk, compiled."""
        return dict(self._compiler.stats)

    def preload(self, schematrons: Iterable[str] | None = None) -> None:
        """Compile ahead of time (default: the profiles every structured document needs)."""
        for name in schematrons if schematrons is not None else (STRUCMIN, *BODY_PROFILES):
            try:
                self._compiler.get(name)
            except SchematronCompileError:
                continue  # reported as a finding when a document needs it

    def validate(
        self, data: bytes | Path, *, source: str | None = None, dmp: bool = False
    ) -> ValidationReport:
        """Validate one document (bytes, or a path read with a size check first).

        ``dmp=True`` adds esante's checks for a document about to feed the DMP (INS key,
        author specialty: :mod:`._dmp_rules`), reported as ``esante:DMP`` findings.

        Raises :class:`InvalidDocumentError` when the input is not readable XML, is hostile
        (DTD, entities), too large, or holds no ``ClinicalDocument``.
        """
        started = time.perf_counter()
        label = source or (data.name if isinstance(data, Path) else None)
        what = f"document {label}" if label else "document CDA"
        try:
            if isinstance(data, Path):
                root = parse_xml_file(data, what=what, max_bytes=self.max_bytes)
            else:
                root = parse_xml(data, what=what, max_bytes=self.max_bytes)
        except XmlError as exc:
            raise InvalidDocumentError(exc.message, detail=exc.detail, field=label) from exc
        notices: list[str] = []
        if root.tag != _CLINICAL_DOCUMENT:
            inner = next(root.iter(_CLINICAL_DOCUMENT), None)
            if inner is None:
                raise InvalidDocumentError(
                    f"{what} : ce n'est pas un document CDA R2 "
                    "(élément racine ClinicalDocument attendu).",
                    detail=f"root element is {root.tag!r}, expected {_CLINICAL_DOCUMENT!r}",
                    field=label,
                )
            root = copy.deepcopy(inner)
            notices.append(
                "Document auto-présentable : seul l'élément ClinicalDocument qu'il contient "
                "est vérifié."
            )
        profile = profile_document(root)
        timings: dict[str, float] = {}

        mark = time.perf_counter()
        text = etree.tostring(root, encoding="unicode")
        xsd = _XSD_POOL.submit(self._timed_xsd, root)
        base_uri = data.resolve().as_uri() if isinstance(data, Path) else None
        node = parse(text, base_uri)
        timings["saxon-parse"] = (time.perf_counter() - mark) * 1000

        findings: list[Finding] = []
        for name in profile.schematrons:
            mark = time.perf_counter()
            findings.extend(self._run(name, node))
            timings[name] = (time.perf_counter() - mark) * 1000
        xsd_errors, xsd_ms = xsd.result()
        timings = {"xsd": xsd_ms, **timings}  # ran alongside the schematrons
        schematrons = profile.schematrons
        if dmp:
            findings.extend(dmp_findings(root))
            schematrons = (*schematrons, DMP_SOURCE)
        return ValidationReport(
            source=label or "document CDA",
            schematrons=schematrons,
            volets=profile.volets,
            body=profile.body,
            xsd_errors=tuple(xsd_errors),
            findings=tuple(findings),
            notices=tuple(notices + list(profile.notices)),
            duration_ms=(time.perf_counter() - started) * 1000,
            timings_ms=timings,
        )

    def _timed_xsd(self, root: etree._Element) -> tuple[list[XsdIssue], float]:
        """The XSD errors of ``root`` and the CPU time the validation took (ms).

        CPU time of this thread, not wall-clock time: alongside the schematrons the thread
        mostly waits for the GIL, which says nothing of the cost of the validation.
        """
        mark = time.thread_time()
        errors = self._schema.validate(root)
        return errors, (time.thread_time() - mark) * 1000

    def _run(self, name: str, node: Any) -> list[Finding]:
        try:
            compiled = self._compiler.get(name)
        except SchematronCompileError as exc:
            return [
                Finding(
                    severity=Severity.ERROR,
                    message=(
                        f"Le schématron {name} du kit CI-SIS ne peut pas être compilé : ce "
                        f"contrôle n'a pas été effectué ({_first_line(exc.detail)})."
                    ),
                    location="",
                    schematron=name,
                    rule_id="esante:compile",
                    kind="engine",
                )
            ]
        try:
            svrl = compiled.executable.transform_to_string(node)
        except PySaxonApiError as exc:
            return [
                Finding(
                    severity=Severity.ERROR,
                    message=(
                        f"Le schématron {name} du kit CI-SIS a échoué sur ce document : ce "
                        f"contrôle n'a pas été effectué ({_first_line(str(exc))})."
                    ),
                    location="",
                    schematron=name,
                    rule_id="esante:run",
                    kind="engine",
                )
            ]
        return findings_from_svrl(svrl, name)


_SHARED: dict[tuple[str, str | None], Validator] = {}
_SHARED_LOCK = threading.Lock()


def shared_validator(kit: Path | str | None = None, *, cache_dir: Path | None = None) -> Validator:
    """One validator per (kit, cache directory), kept for the life of the process.

    ``cache_dir`` defaults to ``$ESANTE_HOME/cache/schematron``.
    """
    located = Kit.locate(kit)
    cache = cache_dir if cache_dir is not None else default_cache_dir()
    key = (str(located.root), str(cache.resolve()))
    with _SHARED_LOCK:
        validator = _SHARED.get(key)
        if validator is None:
            validator = Validator(located, cache_dir=cache)
            _SHARED[key] = validator
        return validator


def validate_document(
    data: bytes | Path, *, kit: Path | str | None = None, dmp: bool = False
) -> ValidationReport:
    """Validate one CDA document against the ANS kit (XSD + schematrons).

    ``data`` is the document (bytes) or its path; ``kit`` overrides ``ESANTE_CISIS_KIT``;
    ``dmp=True`` adds esante's DMP-feeding checks (see :meth:`Validator.validate`).
    The compiled schematrons are cached (memory and ``$ESANTE_HOME/cache/schematron``).

    Raises :class:`KitError` (no usable kit) or :class:`InvalidDocumentError`.
    """
    return shared_validator(kit).validate(data, dmp=dmp)
