"""The ANS kit's verdict on a document at "Valider", when the kit is installed.

A document that the CI-SIS conformance kit rejects must not be stored as validated nor
leave the practice (the DMP and the PMI platform would receive what the kit refuses), and
that holds for every interface: the REST API, ``esante feed``, the console. So the check
is a step of :func:`esante.practice.documents.validate_document`, run before anything is
written, with the shared validator of :mod:`esante.cda.validate` (the kit's XSD and
schematrons, compiled once per process; thread-safe). The interfaces only say which kit:
:func:`kit_validator` gives the validator of the configured kit (``ESANTE_CISIS_KIT``, or
``../shared/cisis-kit`` when present: :attr:`esante.config.Settings.effective_cisis_kit`),
or None when no kit is installed — then no interface checks it.

``dmp=True`` adds esante's DMP-feeding checks (patient INS present with a valid key, author
specialty: :mod:`esante.cda.validate._dmp_rules`), asked only of a document that is to
feed the DMP as it is.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from esante.config import Settings
from esante.errors import ConfigError
from esante.practice.errors import PracticeValidationError

if TYPE_CHECKING:  # the engine (saxonche) is loaded only where a kit is used
    from esante.cda.validate import Validator

SHOWN_ERRORS = 5
"""How many of the kit's errors the technical detail lists."""

_BY_KIT: dict[str, Validator] = {}
"""One validator per kit for the life of the process, whatever the data directory: the
compiled schematrons depend on the kit only, and compiling them takes seconds. The first
settings' cache directory (``$ESANTE_HOME/cache/schematron``) keeps them on disk."""
_LOCK = threading.Lock()


def kit_validator(settings: Settings) -> Validator | None:
    """The validator of the kit ``settings`` names, or None when no kit is installed.

    Raises :class:`~esante.errors.ConfigError` when the configured kit is unusable (a
    missing file): the service must not validate documents unchecked by mistake.
    """
    kit = settings.effective_cisis_kit
    if kit is None:
        return None
    from esante.cda.validate import KitError, shared_validator

    key = str(Path(kit).resolve())
    with _LOCK:
        validator = _BY_KIT.get(key)
        if validator is None:
            try:
                validator = shared_validator(kit, cache_dir=settings.home / "cache" / "schematron")
            except KitError as exc:
                raise ConfigError(exc.message, detail=exc.detail, field=exc.field) from exc
            _BY_KIT[key] = validator
    return validator


def check_conformance(validator: Validator, cda: bytes, *, dmp: bool) -> None:
    """Refuse ``cda`` when the kit finds errors (warnings pass).

    Raises :class:`PracticeValidationError`: the kit's first error in French, how many
    there are, where the first one is (``field``: its location in the document); the
    detail lists the first :data:`SHOWN_ERRORS`. Raises
    :class:`~esante.cda.validate.InvalidDocumentError` for an input that is not a
    readable CDA (hostile, too large).
    """
    report = validator.validate(cda, dmp=dmp)
    if report.ok:
        return
    problems = [(issue.message, f"line {issue.line}") for issue in report.xsd_errors]
    problems += [(finding.message, finding.location) for finding in report.errors]
    first, where = problems[0]
    raise PracticeValidationError(
        f"Document non conforme au kit CI-SIS ({len(problems)} erreur(s)) : {first}",
        detail="; ".join(f"{message} [{at}]" for message, at in problems[:SHOWN_ERRORS])
        + ("; …" if len(problems) > SHOWN_ERRORS else ""),
        field=where or "document",
    )
