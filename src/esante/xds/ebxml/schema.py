"""Validate ebRS/ebRIM/XDS.b XML against the official schemas of the DMP kit.

The DMP kit (``annexe-wsdl-schema/schema``) ships ``IHE/XDS.b_DocumentRepository.xsd``,
which imports ``ebRS/rs.xsd``, ``rim.xsd``, ``lcm.xsd`` and ``query.xsd`` by relative
paths: loading that one file gives a schema for every XDS.b body (RegistryResponse,
AdhocQueryRequest/Response, SubmitObjectsRequest, ProvideAndRegisterDocumentSetRequest,
RetrieveDocumentSetRequest/Response). The schemas are not shipped with esante (they
are the kit's files): callers point at their copy of the kit.

The schema set is compiled once per directory (cached) with a parser that never
touches the network. The XSD describes the XML infoset, where documents are inline
base64: an MTOM ``xop:Include`` inside ``xdsb:Document`` is replaced by empty content
in a copy before validation.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path

from lxml import etree

from esante.xds.ebxml.rim import xdsb
from esante.xds.errors import XdsSchemaError
from esante.xds.vocabulary import NS_XOP

ENTRY_SCHEMA = Path("IHE") / "XDS.b_DocumentRepository.xsd"


class EbxmlSchema:
    """The compiled XDS.b/ebRS schema set of one kit directory."""

    def __init__(self, schema: etree.XMLSchema, path: Path):
        self._schema = schema
        self.path = path

    def errors(self, element: etree._Element) -> list[str]:
        """libxml2's messages for ``element`` (empty when valid)."""
        candidate = _without_xop(element)
        if self._schema.validate(candidate):
            return []
        return [f"line {e.line}: {e.message}" for e in self._schema.error_log]

    def validate(self, element: etree._Element, *, what: str = "message XDS") -> None:
        """Raise :class:`XdsSchemaError` when ``element`` does not validate."""
        errors = self.errors(element)
        if errors:
            raise XdsSchemaError(
                f"{what} : non conforme aux schémas XDS.b/ebXML.",
                errors=errors,
                detail="; ".join(errors[:5]),
                field=etree.QName(element).localname,
            )


def _without_xop(element: etree._Element) -> etree._Element:
    if element.find(f".//{{{NS_XOP}}}Include") is None:
        return element
    clone = copy.deepcopy(element)
    for document in clone.iter(xdsb("Document")):
        for include in document.findall(f"{{{NS_XOP}}}Include"):
            document.remove(include)
        document.text = ""
    return clone


@lru_cache(maxsize=4)
def load_schema(schema_dir: Path) -> EbxmlSchema:
    """Compile the XDS.b schemas under ``schema_dir`` (the kit's ``annexe-wsdl-schema/schema``).

    Cached per directory. Raises :class:`XdsSchemaError` when the entry schema is
    missing or does not compile.
    """
    path = Path(schema_dir) / ENTRY_SCHEMA
    if not path.is_file():
        raise XdsSchemaError(
            "Schémas XDS.b introuvables.",
            detail=f"{path} does not exist (expected the DMP kit's annexe-wsdl-schema/schema)",
        )
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        document = etree.parse(str(path), parser)
        return EbxmlSchema(etree.XMLSchema(document), path)
    except (etree.XMLSyntaxError, etree.XMLSchemaParseError, OSError) as exc:
        raise XdsSchemaError("Schémas XDS.b illisibles.", detail=f"{path}: {exc}") from exc
