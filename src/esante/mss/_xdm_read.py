"""Reading a received IHE XDM package with hard limits (see :mod:`esante.mss.xdm`)."""

from __future__ import annotations

import hashlib
from urllib.parse import unquote

from esante.mss._xdm_model import (
    INDEX,
    METADATA,
    README,
    SUBSET,
    XDM_DIRECTORY,
    XdmDocument,
    XdmPackage,
    XdmSubset,
)
from esante.mss._zip import XdmLimits, check_name, read_zip
from esante.mss.errors import XdmError
from esante.safexml import XmlError, parse_xml
from esante.xds import AssociationType, DocumentEntry, EbxmlSchema, UpdateDocumentSet, XdsError
from esante.xds.ebxml import update_document_set_from_xml

_ROOT_FILES = frozenset({INDEX.casefold(), README.casefold()})
_SUBMIT_OBJECTS = "{urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0}SubmitObjectsRequest"


def _subset_dirs(files: dict[str, bytes]) -> dict[str, str]:
    """``{subset directory: metadata path}`` for every ``IHE_XDM/<dir>/METADATA.XML``."""
    found: dict[str, str] = {}
    for name in files:
        parts = name.split("/")
        if (
            len(parts) == 3
            and parts[0].casefold() == XDM_DIRECTORY.casefold()
            and parts[2].casefold() == METADATA.casefold()
        ):
            found[f"{parts[0]}/{parts[1]}"] = name
    return dict(sorted(found.items()))


def _metadata(
    path: str, data: bytes, limits: XdmLimits, schema: EbxmlSchema | None
) -> UpdateDocumentSet:
    try:
        element = parse_xml(data, what=path, max_bytes=limits.max_entry_bytes)
    except XmlError as exc:
        raise XdmError(f"{path} : {exc.message}", detail=exc.detail, field=path) from exc
    if element.tag != _SUBMIT_OBJECTS:
        raise XdmError(
            f"{path} : les métadonnées ne sont pas une requête ebRIM SubmitObjectsRequest.",
            detail=f"root element is {element.tag!r}, expected {_SUBMIT_OBJECTS!r}",
            field=path,
        )
    try:
        if schema is not None:
            schema.validate(element, what=path)
        return update_document_set_from_xml(element)
    except XdsError as exc:
        where = path if not exc.field else f"{path}:{exc.field}"
        raise XdmError(f"{path} : {exc.message}", detail=exc.detail, field=where) from exc


def _resolve(uri: str, subset_dir: str, lookup: dict[str, str], where: str) -> str:
    relative = unquote(uri.strip())
    try:
        check_name(relative)
    except XdmError as exc:
        raise XdmError(
            f"URI de document invalide : « {uri} ».", detail=exc.detail, field=where
        ) from exc
    candidates = [f"{subset_dir}/{relative}"]
    if relative.casefold().startswith(f"{XDM_DIRECTORY.casefold()}/"):
        candidates.append(relative)
    for candidate in candidates:
        found = lookup.get(candidate.casefold())
        if found is not None:
            return found
    raise XdmError(
        f"Document référencé par les métadonnées mais absent de l'archive : {candidates[0]}.",
        detail=f"{where} URI {uri!r} matches no file",
        field=candidates[0],
    )


def _check_content(entry: DocumentEntry, path: str, data: bytes, where: str) -> None:
    if not entry.hash:
        raise XdmError(
            f"Empreinte (hash) absente des métadonnées du document {path}.",
            detail=f"{where} has no hash slot",
            field=path,
        )
    actual = hashlib.sha1(data).hexdigest()  # noqa: S324 - the XDS hash is SHA-1
    if entry.hash.strip().lower() != actual:
        raise XdmError(
            f"Le document {path} ne correspond pas à son empreinte (hash) : "
            "il a été altéré ou remplacé.",
            detail=f"{where} hash {entry.hash} != SHA-1 {actual}",
            field=path,
        )
    if entry.size is None:
        raise XdmError(
            f"Taille absente des métadonnées du document {path}.",
            detail=f"{where} has no size slot",
            field=path,
        )
    if entry.size != len(data):
        raise XdmError(
            f"Le document {path} n'a pas la taille annoncée par les métadonnées.",
            detail=f"{where} size {entry.size} != {len(data)} bytes",
            field=path,
        )


def _read_subset(
    subset_dir: str,
    metadata_path: str,
    files: dict[str, bytes],
    lookup: dict[str, str],
    used: set[str],
    limits: XdmLimits,
    schema: EbxmlSchema | None,
) -> XdmSubset:
    metadata = _metadata(metadata_path, files[metadata_path], limits, schema)
    submission_set = metadata.submission_set
    members = {
        a.target
        for a in metadata.associations
        if a.association_type == AssociationType.HAS_MEMBER
        and a.source == submission_set.entry_uuid
    }
    documents: list[XdmDocument] = []
    for entry in metadata.document_entries:
        where = f"{metadata_path}:DocumentEntry[{entry.entry_uuid}]"
        if not entry.uri:
            raise XdmError(
                "Métadonnées d'un document sans URI : le fichier du document est inconnu.",
                detail=f"{where} has no URI slot",
                field=f"{where}.URI",
            )
        path = _resolve(entry.uri, subset_dir, lookup, f"{where}.URI")
        if path in used:
            raise XdmError(
                f"Le fichier {path} est référencé par plusieurs documents.",
                detail=f"{where} URI {entry.uri!r} already used",
                field=path,
            )
        _check_content(entry, path, files[path], where)
        if entry.entry_uuid not in members:
            raise XdmError(
                "Document absent du lot de soumission (association HasMember manquante).",
                detail=f"{where} is not a HasMember target of {submission_set.entry_uuid}",
                field=where,
            )
        used.add(path)
        documents.append(XdmDocument(entry, files[path], path))
    return XdmSubset(
        subset_dir.rpartition("/")[2], submission_set, tuple(documents), metadata.associations
    )


def read_xdm(
    data: bytes, *, limits: XdmLimits | None = None, schema: EbxmlSchema | None = None
) -> XdmPackage:
    """Read and check a received IHE XDM zip.

    ``limits`` bound the archive (default :class:`XdmLimits`); ``schema`` (see
    :func:`esante.xds.load_schema`), when given, validates each ``METADATA.XML``
    against the ebRIM/ebRS XSDs. Raises :class:`~esante.mss.errors.XdmError` whose
    ``field`` names the entry at fault (see the module docstring for the checks).
    """
    limits = limits or XdmLimits()
    content = read_zip(data, limits)
    files = content.files
    lookup = {name.casefold(): name for name in files}
    subsets = _subset_dirs(files)
    if not subsets:
        raise XdmError(
            "Archive IHE_XDM sans fichier de métadonnées (IHE_XDM/SUBSET01/METADATA.XML).",
            detail="no IHE_XDM/<subset>/METADATA.XML in the archive",
            field=f"{XDM_DIRECTORY}/{SUBSET}/{METADATA}",
        )
    used: set[str] = set(subsets.values())
    read = tuple(
        _read_subset(directory, path, files, lookup, used, limits, schema)
        for directory, path in subsets.items()
    )
    root_files = {name.casefold(): name for name in files if "/" not in name}
    for name in files:
        if name in used or ("/" not in name and name.casefold() in _ROOT_FILES):
            continue
        raise XdmError(
            f"Fichier non référencé par les métadonnées dans l'archive : {name}.",
            detail=f"{name!r} is not a referenced document, METADATA.XML, INDEX.HTM, README.TXT",
            field=name,
        )
    index = root_files.get(INDEX.casefold())
    readme = root_files.get(README.casefold())
    return XdmPackage(
        read,
        None if index is None else files[index],
        None if readme is None else files[readme],
    )
