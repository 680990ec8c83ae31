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

A command (``esante feed``) uses :func:`kit_check` instead: it asks the local validation
server (:mod:`esante.cda.validate._server`, the one ``esante cda validate`` uses, started
on demand), which keeps the compiled kit between commands, so a command does not spend
seconds compiling it again; when no server runs nor can start, or it stops answering,
the command validates in its own process with :func:`kit_validator`. The verdict is the
same either way (the server runs the same :class:`~esante.cda.validate.Validator` on the
same bytes). The service validates in its own process: one validator per kit, whose
compiled stylesheets every request thread shares (a thread gets its own light clone of
each executable, not a second compiled kit).

``dmp=True`` adds esante's DMP-feeding checks (patient INS present with a valid key, author
specialty: :mod:`esante.cda.validate._dmp_rules`), asked only of a document that is to
feed the DMP as it is.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from esante.config import Settings
from esante.errors import ConfigError
from esante.practice.errors import PracticeValidationError

if TYPE_CHECKING:  # the engine (saxonche) is loaded only where a kit is used
    from esante.cda.validate import ValidationClient, ValidationReport, Validator

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
                validator = shared_validator(kit, cache_dir=_schematron_cache(settings))
            except KitError as exc:
                raise ConfigError(exc.message, detail=exc.detail, field=exc.field) from exc
            _BY_KIT[key] = validator
    return validator


class KitCheck(Protocol):
    """What :func:`check_conformance` needs: the kit's report on a document's bytes
    (a :class:`~esante.cda.validate.Validator`, or :class:`ServerFirstCheck`)."""

    def validate(self, data: bytes, *, dmp: bool = False) -> ValidationReport: ...


def _schematron_cache(settings: Settings) -> Path:
    return settings.home / "cache" / "schematron"


class ServerFirstCheck:
    """The kit's check through the local validation server, in this process when it fails.

    A server that stops answering (killed, idle shutdown between two documents) is
    dropped and the rest of the documents are validated here, with the process's
    :func:`kit_validator` (compiled on first need only).
    """

    def __init__(self, settings: Settings, client: ValidationClient) -> None:
        self._settings = settings
        self._client: ValidationClient | None = client

    @property
    def through_server(self) -> bool:
        """Whether the next document goes to the server."""
        return self._client is not None

    def validate(self, data: bytes, *, dmp: bool = False) -> ValidationReport:
        from esante.cda.validate import ServerUnavailableError

        if self._client is not None:
            try:
                return self._client.validate(data, dmp=dmp)
            except ServerUnavailableError:
                self.close()
        local = kit_validator(self._settings)
        assert local is not None  # the kit was there when the server was reached
        return local.validate(data, dmp=dmp)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


@contextmanager
def kit_check(settings: Settings, *, server: bool = True) -> Iterator[KitCheck | None]:
    """The kit's check for a command: through the local validation server when one runs
    or can start (``server``, and ``ESANTE_NO_VALIDATION_SERVER`` is not ``1``), else this
    process's :func:`kit_validator`; None when no kit is installed. A process that holds
    the compiled kit already (it validated before: a test process running commands
    in-process, a long-lived caller) keeps using it: nothing to gain from a server.

    Raises :class:`~esante.errors.ConfigError` when the configured kit is unusable.
    """
    kit = settings.effective_cisis_kit
    if kit is None:
        yield None
        return
    with _LOCK:  # this process compiled the kit already (a long-lived caller): use it
        compiled = _BY_KIT.get(str(Path(kit).resolve()))
    if compiled is not None:
        yield compiled
        return
    client = None
    from esante.cda.validate import KitError, connect_validation_server, server_disabled

    if server and not server_disabled():
        try:
            client = connect_validation_server(kit, cache_dir=_schematron_cache(settings))
        except KitError as exc:
            raise ConfigError(exc.message, detail=exc.detail, field=exc.field) from exc
    if client is None:
        yield kit_validator(settings)
        return
    check = ServerFirstCheck(settings, client)
    try:
        yield check
    finally:
        check.close()


def check_conformance(validator: KitCheck, cda: bytes, *, dmp: bool) -> None:
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
