"""The kit's value sets, parsed once per process and handed to the stylesheets.

:mod:`._guards` turns every ``doc('….xml')`` / ``document($JDV_…)`` of a compiled
schematron into a global parameter ``esante-vs-N`` whose default is the original call.
Saxon parses what ``doc()`` opens again for every transformation (its document pool lives
as long as one transformation); binding the parameters to documents parsed here once
makes a validation skip those parses — a third of the run time of some volets.

A value set is bound only when its file exists (with the letter case fixed, like every
other kit path) and passes :func:`esante.safexml.parse_xml` (no DTD, no entity); it is
then parsed by Saxon from the file itself, so its document URI is the one ``doc()``
would give. Anything else is left unbound: the stylesheet then runs the original call and
fails, or not, exactly as before. Parsed documents are shared by every stylesheet and
every thread (Saxon trees are immutable) and kept for the life of the process, keyed on
the file's path, size and modification time.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from typing import Any

from saxonche import PySaxonApiError

from esante.cda.validate._guards import VALUE_SET_PARAM
from esante.cda.validate._saxon import SAXON_LOCK, processor
from esante.safexml import XmlError, parse_xml

_PARAM = re.compile(
    r"<xsl:param name=\"(" + re.escape(VALUE_SET_PARAM) + r"\d+)\""
    r" select=\"(?:doc|document)\('([\w./-]+\.xml)'\)\"/>"
)
_MAX_VALUE_SET = 64 * 1024 * 1024

_lock = threading.Lock()
_documents: dict[tuple[Path, int, int], Any] = {}


def value_set_parameters(xslt: str) -> dict[str, str]:
    """The ``esante-vs-N`` parameters of a stylesheet and the path each one opens."""
    return {name: literal for name, literal in _PARAM.findall(xslt)}


def load_value_set(path: Path) -> Any | None:
    """The Saxon document of the value set at ``path``, or None when it cannot be bound."""
    resolved = Path(os.path.normpath(path))  # as a URI resolves '..': lexically
    try:
        stat = resolved.stat()
    except OSError:
        return None
    key = (resolved, stat.st_size, stat.st_mtime_ns)
    with _lock:
        node = _documents.get(key)
    if node is not None:
        return node
    try:
        parse_xml(
            resolved.read_bytes(), what=f"jeu de valeurs {resolved.name}", max_bytes=_MAX_VALUE_SET
        )
        with SAXON_LOCK:
            node = processor().parse_xml(xml_file_name=str(resolved))
    except (OSError, XmlError, PySaxonApiError):  # left unbound: the stylesheet reads it
        return None
    with _lock:
        return _documents.setdefault(key, node)


def bind_value_sets(xslt: str, base_dir: Path) -> dict[str, Any]:
    """Parameter name -> parsed value set, for the value sets of ``xslt`` that can be bound.

    ``base_dir`` is the directory the stylesheet's relative paths resolve from (the
    schematron's), and ``xslt`` the text with the letter case of its paths already fixed.
    """
    bound: dict[str, Any] = {}
    for name, literal in value_set_parameters(xslt).items():
        node = load_value_set(base_dir / literal)
        if node is not None:
            bound[name] = node
    return bound
