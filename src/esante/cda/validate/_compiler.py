"""Compile a kit schematron into an XSLT with the kit's own ISO pipeline, and cache it.

Pipeline (the kit's ``schematrons/moteur``, run by saxonche)::

    .sch (in memory, includes fixed) -> iso_dsdl_include.xsl -> iso_abstract_expand.xsl
        -> iso_svrl_for_xslt2.xsl -> XSLT 2 stylesheet producing SVRL

The top schematron is parsed with its real location as base URI, so the include step
reads the included files from the kit; the resulting stylesheet is compiled with the same
base URI, so the value-set paths it opens at run time (``document('../jeuxDeValeurs/…')``,
``doc('include/voc-….xml')``) resolve inside the kit, as if the stylesheet had been written
next to the schematron. Nothing is ever written into the kit.

Caches:

* on disk, ``<cache_dir>/<key>.xsl``: the pipeline output with the optimisations of
  :mod:`._guards` (value-set paths are case-fixed when the stylesheet is loaded, so a
  renamed value set is noticed); ``key`` hashes the engine version, the schematron's path
  and the SHA-256 of every kit file the pipeline reads (pipeline stylesheets, schematron and all
  its includes). Editing any of them gives a new key: the stylesheet is recompiled. Files
  are written atomically (temporary file + rename), so processes may share the directory;
* in memory, per :class:`SchematronCompiler`: the compiled executable, cloned per thread,
  with its value sets parsed once and bound to the stylesheet's ``esante-vs-N``
  parameters (:mod:`._valuesets`).

Compiling the minimal-structure profile (a 10 MB stylesheet) takes seconds even from the
disk cache: SaxonC-HE cannot export compiled stylesheets (SEF needs Saxon-EE).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from saxonche import PySaxonApiError

from esante.cda.validate._guards import GUARDS_VERSION, add_guards
from esante.cda.validate._includes import IncludeResolver, PreparedSchematron
from esante.cda.validate._kit import PIPELINE_STEPS, FileDigests, Kit, pipeline_files
from esante.cda.validate._saxon import (
    SAXON_LOCK,
    PerThreadExecutable,
    give_back_freed_memory,
    parse,
    processor,
)
from esante.cda.validate._valuesets import bind_value_sets
from esante.cda.validate.errors import KitError

ENGINE_VERSION = "1"


@dataclass(frozen=True)
class CompiledSchematron:
    """A schematron ready to run: ``name`` is its path in the kit."""

    name: str
    key: str
    executable: PerThreadExecutable
    guards: int
    fixes: tuple[tuple[str, str], ...]


class SchematronCompileError(Exception):
    """A kit schematron cannot be compiled (internal; reported as a finding)."""

    def __init__(self, name: str, detail: str) -> None:
        super().__init__(f"{name}: {detail}")
        self.name = name
        self.detail = detail


class SchematronCompiler:
    """Compiles kit schematrons on demand; holds the memory cache and uses the disk cache.

    ``cache_dir`` None disables the disk cache; ``guards`` False runs the stylesheets
    exactly as the kit's pipeline emits them.
    """

    def __init__(self, kit: Kit, cache_dir: Path | None, *, guards: bool = True) -> None:
        self.kit = kit
        self.cache_dir = cache_dir
        self.guards = guards
        self.stats: Counter[str] = Counter()
        self._resolver = IncludeResolver(kit)
        self._digests = FileDigests()
        self._lock = threading.Lock()
        self._compiled: dict[str, CompiledSchematron] = {}
        self._failed: dict[str, SchematronCompileError] = {}
        self._name_locks: dict[str, threading.Lock] = {}
        self._pipeline: list[Any] | None = None
        self._pipeline_digests: list[tuple[str, str]] | None = None
        self._xslt: Any = None

    def get(self, name: str) -> CompiledSchematron:
        """The compiled schematron ``name`` (kit-relative path); compiles it if needed.

        Raises :class:`SchematronCompileError` when the kit's pipeline fails on it.
        """
        with self._lock:
            done = self._compiled.get(name)
            if done is not None:
                return done
            failed = self._failed.get(name)
            if failed is not None:
                raise failed
            name_lock = self._name_locks.setdefault(name, threading.Lock())
        with name_lock:
            with self._lock:
                done = self._compiled.get(name)
            if done is not None:
                return done
            try:
                compiled = self._compile(name)
            except SchematronCompileError as exc:
                with self._lock:
                    self._failed[name] = exc
                raise
            with self._lock:
                self._compiled[name] = compiled
            return compiled

    def _compile(self, name: str) -> CompiledSchematron:
        path = self.kit.path(name)
        if not path.is_file():
            raise SchematronCompileError(name, f"file not found in the kit: {path}")
        try:
            prepared = self._resolver.prepare(path)
        except KitError as exc:
            raise SchematronCompileError(name, exc.detail or exc.message) from exc
        key = self._key(name, prepared)
        base_dir = path.parent
        text = self._read_cache(key)
        executable = None
        value_sets: dict[str, Any] = {}
        if text is not None:
            try:
                executable, value_sets = self._compile_xslt(text, prepared.base_uri, base_dir)
                self.stats["disk"] += 1
            except PySaxonApiError:  # damaged cache entry: rebuild it from the kit
                executable = None
        if executable is None:
            text = self._run_pipeline(name, prepared)
            if self.guards:
                text, _ = add_guards(text)
            try:
                executable, value_sets = self._compile_xslt(text, prepared.base_uri, base_dir)
            except PySaxonApiError as exc:
                raise SchematronCompileError(name, f"stylesheet rejected: {exc}") from exc
            self._write_cache(key, text)
            self.stats["pipeline"] += 1
        assert text is not None
        guard_count = text.count("key('esante-")
        self.stats["compiled"] += 1
        return CompiledSchematron(
            name=name,
            key=key,
            executable=PerThreadExecutable(executable, value_sets),
            guards=guard_count,
            fixes=prepared.fixes,
        )

    def _compile_xslt(self, text: str, base_uri: str, base_dir: Path) -> tuple[Any, dict[str, Any]]:
        """The compiled stylesheet and its value-set parameters bound (see ``_valuesets``)."""
        text, _ = self._resolver.fix_resource_paths(text, base_dir)
        give_back_freed_memory()
        with SAXON_LOCK:
            if self._xslt is None:
                self._xslt = processor().new_xslt30_processor()
            executable = self._xslt.compile_stylesheet(stylesheet_node=parse(text, base_uri))
        return executable, bind_value_sets(text, base_dir)

    def _key(self, name: str, prepared: PreparedSchematron) -> str:
        if self._pipeline_digests is None:
            self._pipeline_digests = [
                (self.kit.relative(p), self._digests.digest(p)) for p in pipeline_files(self.kit)
            ]
        material = {
            "engine": ENGINE_VERSION,
            "guards": GUARDS_VERSION if self.guards else "off",
            "schematron": name,
            "pipeline": self._pipeline_digests,
            "files": [(self.kit.relative(p), self._digests.digest(p)) for p in prepared.files],
            "fixes": list(prepared.fixes),
        }
        blob = json.dumps(material, sort_keys=True).encode("utf-8")
        return hashlib.sha256(blob).hexdigest()

    def _steps(self) -> list[Any]:
        if self._pipeline is None:
            compiler = processor().new_xslt30_processor()
            steps = []
            for step in PIPELINE_STEPS:
                path = self.kit.moteur / step
                try:
                    steps.append(compiler.compile_stylesheet(stylesheet_file=str(path)))
                except PySaxonApiError as exc:
                    rel = self.kit.relative(path)
                    raise KitError(
                        f"Moteur Schematron du kit CI-SIS inutilisable : {rel}.",
                        detail=str(exc),
                        field=str(path),
                    ) from exc
            self._pipeline = steps
        return self._pipeline

    def _run_pipeline(self, name: str, prepared: PreparedSchematron) -> str:
        with SAXON_LOCK:
            include, expand, svrl = self._steps()
            try:
                node = parse(prepared.text, prepared.base_uri)
                included = include.transform_to_value(xdm_node=node).head
                expanded = expand.transform_to_value(xdm_node=included).head
                result = svrl.transform_to_string(xdm_node=expanded)
            except PySaxonApiError as exc:
                raise SchematronCompileError(name, str(exc)) from exc
        if not result:
            raise SchematronCompileError(name, "the ISO pipeline produced no stylesheet")
        return str(result)

    def _cache_file(self, key: str) -> Path | None:
        return None if self.cache_dir is None else self.cache_dir / f"{key}.xsl"

    def _read_cache(self, key: str) -> str | None:
        path = self._cache_file(key)
        if path is None:
            return None
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def _write_cache(self, key: str, text: str) -> None:
        path = self._cache_file(key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{key}.", suffix=".tmp", dir=path.parent)
        except OSError:  # a read-only cache only costs a recompilation next time
            return
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, path)
        except OSError:
            Path(tmp).unlink(missing_ok=True)
