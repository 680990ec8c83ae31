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
