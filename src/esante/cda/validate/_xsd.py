"""XSD validation against the kit's ``infrastructure/cda/CDA_extended.xsd``.

The schema (CDA R2 with the French and IHE extensions) is loaded once per validator with
a hardened parser (no network, no entity expansion); lxml validators keep an error log
per call, so validations are serialised with a lock (each takes about a millisecond).
"""

from __future__ import annotations

import threading

from lxml import etree

from esante.cda.validate._kit import Kit
from esante.cda.validate._report import XsdIssue
from esante.cda.validate.errors import KitError


class CdaSchema:
    """The CDA XSD of a kit, loaded once; :meth:`validate` is thread-safe."""

    def __init__(self, kit: Kit) -> None:
        parser = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
        )
        try:
            tree = etree.parse(str(kit.xsd), parser=parser)
            self._schema = etree.XMLSchema(tree)
        except (OSError, etree.XMLSyntaxError, etree.XMLSchemaParseError) as exc:
            raise KitError(
                "Schéma XSD du kit CI-SIS illisible : infrastructure/cda/CDA_extended.xsd.",
                detail=str(exc),
                field=str(kit.xsd),
            ) from exc
        self._lock = threading.Lock()

    def validate(self, root: etree._Element) -> list[XsdIssue]:
        """The XSD errors of the document ``root`` (empty when valid)."""
        with self._lock:
            if self._schema.validate(root):
                return []
            return [
                XsdIssue(line=entry.line, column=entry.column, message=entry.message)
                for entry in self._schema.error_log
            ]
