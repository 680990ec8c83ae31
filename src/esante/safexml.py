"""The one way esante parses XML that comes from outside: hardened lxml.

Every external XML (received CDA, SOAP messages, XDM metadata, kit files...) goes
through :func:`parse_xml`, which

* never resolves entities nor loads a DTD, never touches the network
  (``resolve_entities=False``, ``no_network=True``, ``load_dtd=False``);
* refuses any document type declaration (``<!DOCTYPE``) with an internal subset or
  entity declarations, which is how billion-laughs and external-entity attacks start;
* bounds the input size before parsing (``max_bytes``) and keeps libxml2's own limits
  on tree depth and text size (``huge_tree=False``);
* reports errors as :class:`XmlError` with the line and libxml2's message.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from esante.errors import EsanteError

DEFAULT_MAX_BYTES = 50 * 1024 * 1024


class XmlError(EsanteError):
    """An XML input was refused (too large, malformed, hostile or unexpected)."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
        remove_pis=False,
    )


def parse_xml(
    data: bytes,
    *,
    what: str = "document XML",
    max_bytes: int = DEFAULT_MAX_BYTES,
    expected_root: str | None = None,
) -> etree._Element:
    """Parse untrusted XML bytes and return the root element.

    ``what`` names the input in error messages (e.g. ``"CDA reçu"``); ``expected_root``
    is a Clark name (``{urn:hl7-org:v3}ClinicalDocument``) the root must have.

    Raises :class:`XmlError` when the input is too large, declares a DTD or entities,
    is not well-formed, or has the wrong root element.
    """
    if not isinstance(data, bytes | bytearray):
        raise XmlError(f"{what} : contenu binaire attendu.", detail=f"got {type(data).__name__}")
    if len(data) > max_bytes:
        raise XmlError(
            f"{what} : fichier trop volumineux ({len(data)} octets, maximum {max_bytes}).",
            detail=f"size {len(data)} > max_bytes {max_bytes}",
        )
    head = bytes(data[:4096]).lstrip(b"\xef\xbb\xbf").lower()
    if b"<!doctype" in head or b"<!entity" in bytes(data).lower():
        raise XmlError(
            f"{what} : les déclarations DOCTYPE/ENTITY sont refusées.",
            detail="DTD or entity declaration found (XXE / entity expansion protection)",
        )
    try:
        root = etree.fromstring(bytes(data), parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise XmlError(
            f"{what} : XML mal formé (ligne {exc.lineno}).",
            detail=str(exc),
        ) from exc
    except ValueError as exc:  # e.g. unsupported encoding declaration
        raise XmlError(f"{what} : XML illisible.", detail=str(exc)) from exc
    if root is None:
        raise XmlError(f"{what} : document XML vide.", detail="no root element")
    if expected_root is not None and root.tag != expected_root:
        raise XmlError(
            f"{what} : élément racine inattendu.",
            detail=f"root is {root.tag!r}, expected {expected_root!r}",
        )
    return root


def parse_xml_file(
    path: Path,
    *,
    what: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    expected_root: str | None = None,
) -> etree._Element:
    """Read ``path`` (size checked before reading) and parse it with :func:`parse_xml`."""
    label = what or f"fichier {path.name}"
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise XmlError(f"{label} : fichier introuvable ou illisible.", detail=str(exc)) from exc
    if size > max_bytes:
        raise XmlError(
            f"{label} : fichier trop volumineux ({size} octets, maximum {max_bytes}).",
            detail=f"{path}: size {size} > max_bytes {max_bytes}",
            field=str(path),
        )
    return parse_xml(
        path.read_bytes(), what=label, max_bytes=max_bytes, expected_root=expected_root
    )
