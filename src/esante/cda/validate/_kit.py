"""Where the ANS CI-SIS kit is and which of its files the validation engine uses.

The kit (``ansforge/interop-outil-cda-testcontenucda3.0-outil-validation-documents-cda``)
is not shipped with esante: users point ``ESANTE_CISIS_KIT`` at their copy. esante only
ever *reads* it — the kit may be read-only, and compiled stylesheets live in esante's own
cache (see :mod:`esante.cda.validate._compiler`).

Layout relied upon (relative to the kit root):

* ``infrastructure/cda/CDA_extended.xsd`` — the CDA R2 schema with the French extensions;
* ``schematrons/moteur/`` — the ISO Schematron pipeline (include, abstract, SVRL for XSLT 2);
* ``schematrons/profils/structurationMinimale/ASIP-STRUCT-MIN-StrucMin.sch`` — the
  "Structuration minimale des documents de santé" profile, run on every document;
* ``schematrons/profils/{IHE,CI-SIS_ModelesDeContenusCDA,CI-SIS_Modeles_ANS}.sch`` — the
  body profiles (IHE and French sections/entries), run on structured (N3) documents;
* ``schematrons/CI-SIS_<VOLET>_<version>.sch`` — one schematron per document model.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from esante.cda.validate.errors import KIT_HELP, KitError
from esante.config import load_settings
from esante.safexml import XmlError, parse_xml

XSD = "infrastructure/cda/CDA_extended.xsd"
MOTEUR = "schematrons/moteur"
PIPELINE_STEPS = ("iso_dsdl_include.xsl", "iso_abstract_expand.xsl", "iso_svrl_for_xslt2.xsl")
STRUCMIN = "schematrons/profils/structurationMinimale/ASIP-STRUCT-MIN-StrucMin.sch"
BODY_PROFILES = (
    "schematrons/profils/IHE.sch",
    "schematrons/profils/CI-SIS_ModelesDeContenusCDA.sch",
    "schematrons/profils/CI-SIS_Modeles_ANS.sch",
)
VOLETS_DIR = "schematrons"

_XSL_NS = "http://www.w3.org/1999/XSL/Transform"


@dataclass(frozen=True)
class Kit:
    """A located CI-SIS kit (absolute root); paths are resolved against it."""

    root: Path

    @classmethod
    def locate(cls, kit: Path | str | None = None) -> Kit:
        """The kit at ``kit``, else the one the settings name (``ESANTE_CISIS_KIT``).

        Raises :class:`KitError` (French message saying how to set ``ESANTE_CISIS_KIT``)
        when no kit is configured or a file the engine needs is missing.
        """
        where = Path(kit) if kit is not None else load_settings().effective_cisis_kit
        if where is None:
            raise KitError(
                "Kit CI-SIS de l'ANS introuvable. " + KIT_HELP,
                detail="ESANTE_CISIS_KIT is not set and ../shared/cisis-kit does not exist",
                field="ESANTE_CISIS_KIT",
            )
        root = where.expanduser().resolve()
        found = cls(root)
        required = [XSD, STRUCMIN, *BODY_PROFILES] + [f"{MOTEUR}/{s}" for s in PIPELINE_STEPS]
        missing = [rel for rel in required if not (root / rel).is_file()]
        if not root.is_dir() or missing:
            what = f"fichier manquant : {missing[0]}" if root.is_dir() else "dossier absent"
            raise KitError(
                f"Kit CI-SIS de l'ANS inutilisable ({what}) : {root}. " + KIT_HELP,
                detail=(
                    f"kit root {root}: missing {', '.join(missing)}"
                    if root.is_dir()
                    else f"kit root {root} is not a directory"
                ),
                field="ESANTE_CISIS_KIT",
            )
        return found

    def path(self, rel: str) -> Path:
        """The absolute path of ``rel`` (a POSIX path relative to the kit root)."""
        return self.root / rel

    def relative(self, path: Path) -> str:
        """``path`` relative to the kit root, POSIX style (for reports and cache keys)."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    @property
    def xsd(self) -> Path:
        return self.root / XSD

    @property
    def moteur(self) -> Path:
        return self.root / MOTEUR


def read_kit_xml(path: Path, kit: Kit) -> etree._Element:
    """Parse a kit file with the hardened parser; a bad file is a :class:`KitError`."""
    try:
        data = path.read_bytes()
        return parse_xml(data, what=f"fichier du kit {kit.relative(path)}")
    except OSError as exc:
        raise KitError(
            f"Fichier du kit CI-SIS illisible : {kit.relative(path)}. " + KIT_HELP,
            detail=str(exc),
            field=str(path),
        ) from exc
    except XmlError as exc:
        raise KitError(
            f"Fichier du kit CI-SIS invalide : {kit.relative(path)}.",
            detail=exc.detail,
            field=str(path),
        ) from exc


class FileDigests:
    """SHA-256 of kit files, memoised on (path, size, mtime) so edits are noticed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._memo: dict[Path, tuple[int, int, str]] = {}

    def digest(self, path: Path) -> str:
        st = path.stat()
        with self._lock:
            memo = self._memo.get(path)
            if memo is not None and memo[0] == st.st_size and memo[1] == st.st_mtime_ns:
                return memo[2]
        value = hashlib.sha256(path.read_bytes()).hexdigest()
        with self._lock:
            self._memo[path] = (st.st_size, st.st_mtime_ns, value)
        return value


def pipeline_files(kit: Kit) -> tuple[Path, ...]:
    """The ISO pipeline stylesheets and every stylesheet they import or include."""
    seen: dict[Path, None] = {}
    todo = [kit.moteur / step for step in PIPELINE_STEPS]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen[path] = None
        root = read_kit_xml(path, kit)
        for tag in ("import", "include"):
            for el in root.iterchildren(f"{{{_XSL_NS}}}{tag}"):
                href = el.get("href")
                if href:
                    todo.append((path.parent / href).resolve())
    return tuple(sorted(seen))


def default_cache_dir() -> Path:
    """``$ESANTE_HOME/cache/schematron``: where compiled schematrons are kept."""
    return load_settings().home / "cache" / "schematron"
