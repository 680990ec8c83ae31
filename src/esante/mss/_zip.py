"""Reading an untrusted zip archive with hard limits (the IHE_XDM.ZIP of a received message).

A received archive is hostile until proven otherwise. Before anything is decompressed:
the archive size, the number of entries (from the end-of-central-directory record, before
Python parses the directory), each entry's name (no absolute path, drive, backslash,
``..``, control character; no symbolic link; no duplicate, even differing only by case),
its compression method (stored or deflate), encryption (refused) and its declared sizes
and compression ratio. While decompressing, the bytes actually produced are counted
against the same limits: declared sizes are never trusted. Every refusal is an
:class:`~esante.mss.errors.XdmError` whose ``field`` is the entry at fault.
"""

from __future__ import annotations

import io
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass

from esante.mss.errors import XdmError

_CHUNK = 64 * 1024
_EOCD = b"PK\x05\x06"
_EOCD_SIZE = 22
_MAX_COMMENT = 0xFFFF
_ZIP64_COUNT = 0xFFFF


@dataclass(frozen=True, slots=True)
class XdmLimits:
    """Bounds applied to a received archive (the defaults suit MSSanté messages, which
    operators cap at a few tens of megabytes).

    ``max_ratio`` is the largest uncompressed/compressed ratio accepted for an entry
    larger than ``ratio_floor`` bytes (XML compresses ~10:1, a bomb ~1000:1).
    """

    max_archive_bytes: int = 50 * 1024 * 1024
    max_entries: int = 256
    max_entry_bytes: int = 50 * 1024 * 1024
    max_total_bytes: int = 150 * 1024 * 1024
    max_ratio: int = 100
    ratio_floor: int = 64 * 1024


@dataclass(frozen=True, slots=True)
class ZipContent:
    """The checked content of an archive: files by name (archive order), directories."""

    files: dict[str, bytes]
    directories: frozenset[str]


def _refuse(message: str, detail: str, entry: str | None = None) -> XdmError:
    return XdmError(message, detail=detail, field=entry or "IHE_XDM.ZIP")


def _declared_entry_count(data: bytes) -> int | None:
    """Total entries announced by the end-of-central-directory record (None: not found)."""
    start = max(0, len(data) - _EOCD_SIZE - _MAX_COMMENT)
    position = data.rfind(_EOCD, start)
    if position < 0 or position + _EOCD_SIZE > len(data):
        return None
    (total,) = struct.unpack_from("<H", data, position + 10)
    return int(total)


def check_name(name: str) -> str:
    """``name`` if it is a safe relative path (directories end with ``/``)."""
    if not name or len(name) > 255:
        raise _refuse("Nom de fichier invalide dans l'archive.", f"name {name!r}", name or None)
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        raise _refuse(
            "Nom de fichier avec caractère de contrôle dans l'archive.",
            f"control character in {name!r}",
            name,
        )
    if "\\" in name:
        raise _refuse(
            "Nom de fichier avec barre oblique inverse dans l'archive.",
            f"backslash in {name!r}",
            name,
        )
    if name.startswith("/") or ":" in name:
        raise _refuse(
            "Chemin absolu interdit dans l'archive.", f"absolute or drive path {name!r}", name
        )
    parts = name.removesuffix("/").split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise _refuse(
            "Chemin sortant de l'archive ou mal formé.",
            f"path traversal or empty part {name!r}",
            name,
        )
    return name


def _check_entry(info: zipfile.ZipInfo, limits: XdmLimits) -> None:
    name = info.filename
    check_name(name)
    if stat.S_ISLNK(info.external_attr >> 16):
        raise _refuse("Lien symbolique interdit dans l'archive.", f"{name!r} is a symlink", name)
    if info.flag_bits & 0x1:
        raise _refuse("Fichier chiffré dans l'archive.", f"{name!r} is encrypted", name)
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _refuse(
            "Méthode de compression non prise en charge dans l'archive.",
            f"{name!r} compression method {info.compress_type}",
            name,
        )
    if info.is_dir():
        if info.file_size:
            raise _refuse("Répertoire non vide dans l'archive.", f"{name!r} has data", name)
        return
    if info.file_size > limits.max_entry_bytes:
        raise _refuse(
            "Fichier trop volumineux dans l'archive.",
            f"{name!r} declares {info.file_size} bytes > {limits.max_entry_bytes}",
            name,
        )
    if info.file_size > limits.ratio_floor and (
        info.compress_size == 0 or info.file_size > limits.max_ratio * info.compress_size
    ):
        raise _refuse(
            "Taux de compression anormal dans l'archive (bombe de décompression).",
            f"{name!r}: {info.file_size} bytes from {info.compress_size}",
            name,
        )


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes:
    name = info.filename
    limit = min(info.file_size, budget)
    out = bytearray()
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            out += chunk
            if len(out) > limit:
                raise _refuse(
                    "Fichier plus volumineux que déclaré ou que permis dans l'archive.",
                    f"{name!r}: more than {limit} bytes decompressed",
                    name,
                )
    if len(out) != info.file_size:
        raise _refuse(
            "Fichier tronqué dans l'archive.",
            f"{name!r}: {len(out)} bytes instead of {info.file_size}",
            name,
        )
    return bytes(out)


def read_zip(data: bytes, limits: XdmLimits) -> ZipContent:
    """Check and read every entry of the archive ``data`` within ``limits``.

    Raises :class:`XdmError` (``field`` = the entry at fault, or ``IHE_XDM.ZIP``).
    """
    if len(data) > limits.max_archive_bytes:
        raise _refuse(
            "Archive IHE_XDM trop volumineuse.",
            f"{len(data)} bytes > max_archive_bytes {limits.max_archive_bytes}",
        )
    declared = _declared_entry_count(data)
    if declared is None or not data.startswith(b"PK"):
        raise _refuse("La pièce jointe IHE_XDM n'est pas une archive zip.", "no zip signature")
    if declared != _ZIP64_COUNT and declared > limits.max_entries:
        raise _refuse(
            "Archive IHE_XDM : trop de fichiers.",
            f"{declared} entries > max_entries {limits.max_entries}",
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise _refuse(
            "La pièce jointe IHE_XDM n'est pas une archive zip lisible.", str(exc)
        ) from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_entries:
            raise _refuse(
                "Archive IHE_XDM : trop de fichiers.",
                f"{len(infos)} entries > max_entries {limits.max_entries}",
            )
        seen: dict[str, str] = {}
        declared_total = 0
        for info in infos:
            _check_entry(info, limits)
            key = info.filename.removesuffix("/").casefold()
            if key in seen:
                raise _refuse(
                    "Nom de fichier en double dans l'archive.",
                    f"{info.filename!r} duplicates {seen[key]!r}",
                    info.filename,
                )
            seen[key] = info.filename
            declared_total += info.file_size
        if declared_total > limits.max_total_bytes:
            raise _refuse(
                "Archive IHE_XDM trop volumineuse une fois décompressée.",
                f"{declared_total} bytes declared > max_total_bytes {limits.max_total_bytes}",
            )
        files: dict[str, bytes] = {}
        directories: set[str] = set()
        remaining = limits.max_total_bytes
        for info in infos:
            if info.is_dir():
                directories.add(info.filename.removesuffix("/"))
                continue
            try:
                content = _read_entry(archive, info, remaining)
            except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError) as exc:
                raise _refuse(
                    "Fichier corrompu dans l'archive IHE_XDM.",
                    f"{info.filename!r}: {exc}",
                    info.filename,
                ) from exc
            remaining -= len(content)
            files[info.filename] = content
    for name in files:
        parent = name.rpartition("/")[0]
        while parent:
            directories.add(parent)
            parent = parent.rpartition("/")[0]
    clash = directories & set(files)
    if clash:
        name = sorted(clash)[0]
        raise _refuse("Un fichier porte le nom d'un répertoire dans l'archive.", f"{name!r}", name)
    return ZipContent(files, frozenset(directories))
