"""The one Saxon processor of a process, and how esante uses it from several threads.

saxonche (SaxonC-HE, a GraalVM native image) is used under this threading model:

* **one** ``PySaxonProcessor`` per process, created lazily and never closed: SaxonC
  expects a single processor, and the ANS schematrons need XSLT 2 (HE is enough);
* **compiling** (``PyXslt30Processor`` and document builders, which hold mutable state)
  happens under :data:`SAXON_LOCK`;
* a compiled ``PyXsltExecutable`` is *not* thread-safe (SaxonC documentation): each thread
  runs its own ``clone()`` of it (:class:`PerThreadExecutable`), with the stylesheet
  parameters set on each clone; documents passed as parameters (value sets) are shared:
  Saxon trees are immutable once built;
* saxonche keeps the GIL during a transformation, so threads are safe but do not run
  transformations in parallel. Throughput comes from processes (``validate_many``),
  each with its own processor; worker processes must be *spawned*, never forked from a
  process where Saxon already runs.

Never enable ``set_jit_compilation(True)`` nor ``fast_compile``: with SaxonC-HE the first
aborts the process (an EE feature) and the second produces stylesheets that fail at run
time with an internal error.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from collections.abc import Mapping
from typing import Any

from saxonche import PySaxonProcessor

SAXON_LOCK = threading.RLock()
_processor: Any = None


def processor() -> Any:
    """The process-wide ``PySaxonProcessor`` (created on first use)."""
    global _processor
    with SAXON_LOCK:
        if _processor is None:
            _processor = PySaxonProcessor(license=False)
        return _processor


def _find_malloc_trim() -> Any:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to give back
        return None


_MALLOC_TRIM = _find_malloc_trim()


def give_back_freed_memory() -> None:
    """Return the C heap's free pages to the system before Saxon's heap grows.

    Compiling a stylesheet comes after large lxml trees and Python strings (the kit's
    pipeline output, the guards' rewrite, the 10 MB minimal-structure stylesheet) have
    been freed; glibc keeps their pages, and Saxon's own heap (outside malloc) then grows
    on top of them. ``malloc_trim(0)`` hands them back: a fresh process's peak RSS on
    VSM fell from ≈ 505 to 395–420 MiB with an empty disk cache and from ≈ 397 to
    340–370 MiB with a warm one (issue 17, three runs each), for about a millisecond.
    """
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def parse(text: str, base_uri: str | None = None) -> Any:
    """Parse XML text into a Saxon document node, with ``base_uri`` when given."""
    with SAXON_LOCK:
        builder = processor().new_document_builder()
        if base_uri is not None:
            builder.set_base_uri(base_uri)
        return builder.parse_xml(xml_text=text)


class PerThreadExecutable:
    """A compiled stylesheet that hands each thread its own clone.

    ``parameters`` (global stylesheet parameters: name -> Saxon value) are set on every
    clone; the values are shared, so they must be immutable (documents are).
    """

    def __init__(self, executable: Any, parameters: Mapping[str, Any] | None = None) -> None:
        self._master = executable
        self._parameters = dict(parameters or {})
        self._local = threading.local()

    def get(self) -> Any:
        clone = getattr(self._local, "executable", None)
        if clone is None:
            with SAXON_LOCK:
                clone = self._master.clone()
                for name, value in self._parameters.items():
                    clone.set_parameter(name, value)
            self._local.executable = clone
        return clone

    def transform_to_string(self, node: Any) -> str:
        """Run the stylesheet on ``node`` in the calling thread."""
        result = self.get().transform_to_string(xdm_node=node)
        return "" if result is None else str(result)
