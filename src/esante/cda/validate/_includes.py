"""Prepare a kit schematron for the ISO include step, in memory, as the kit is published.

The ANS kit was built on Windows: some ``<sch:include href>`` differ in letter case from
the file names (``E_directiveAnticipee_int.sch`` for ``E_directiveanticipee_int.sch``,
``JDV_RechAgHbS-CISIS.sch`` for ``JDV_rechAgHbS-CISIS.sch``...). On a case-sensitive file
system the kit's ``iso_dsdl_include.xsl`` cannot open them. The kit must not be edited
(it belongs to the user and may be read-only), so this module fixes the references in an
in-memory copy of the schematron before the include step runs:

* an include whose target exists with another letter case is rewritten to the real name;
* when such an include sits in a *nested* file (one the include step reads from disk),
  that file is inlined into the in-memory tree instead, with its own references made
  absolute — exactly what the include step would have produced;
* includes that exist nowhere are left untouched, so the kit's pipeline reports them.

The same letter-case slip exists in value-set paths (``JDV_HL7_Condition_ver_status_CISIS.xml``
for ``JDV_HL7_condition_ver_status_CISIS.xml``): :meth:`IncludeResolver.fix_resource_paths`
rewrites such literals in esante's copy of the compiled stylesheet.

It also lists every file the include step reads: the compiled-stylesheet cache is keyed
on their hashes.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from lxml import etree

from esante.cda.validate._kit import Kit, read_kit_xml

SCH_NS = "http://purl.oclc.org/dsdl/schematron"
_INCLUDE = f"{{{SCH_NS}}}include"
# a quoted relative path to an XML file in a compiled stylesheet, e.g. '../jeuxDeValeurs/X.xml'
_RESOURCE = re.compile(r"'((?:\.\.?/)*(?:[\w.-]+/)*[\w.-]+\.xml)'")


@dataclass(frozen=True)
class PreparedSchematron:
    """A top-level schematron ready for the include step.

    ``text`` is the top document with its references fixed; ``base_uri`` the URI it must
    be parsed with (its real location, so relative paths resolve inside the kit);
    ``files`` every kit file the include step reads; ``fixes`` the references rewritten
    (as written → as found).
    """

    path: Path
    text: str
    base_uri: str
    files: tuple[Path, ...]
    fixes: tuple[tuple[str, str], ...]


class IncludeResolver:
    """Resolves schematron includes case-insensitively; memoises directory listings."""

    def __init__(self, kit: Kit) -> None:
        self._kit = kit
        self._lock = threading.Lock()
        self._listings: dict[Path, dict[str, list[str]]] = {}
        self._scans: dict[Path, tuple[frozenset[Path], bool]] = {}

    def _listing(self, directory: Path) -> dict[str, list[str]]:
        with self._lock:
            cached = self._listings.get(directory)
        if cached is not None:
            return cached
        names: dict[str, list[str]] = {}
        try:
            for name in os.listdir(directory):
                names.setdefault(name.casefold(), []).append(name)
        except OSError:
            names = {}
        with self._lock:
            self._listings[directory] = names
        return names

    def resolve(self, base_dir: Path, href: str) -> tuple[Path | None, bool]:
        """The file ``href`` designates from ``base_dir``: (path or None, exact case?)."""
        rel = PurePosixPath(unquote(href.split("#", 1)[0]).replace("\\", "/"))
        exact = Path(os.path.normpath(base_dir / rel))
        if exact.is_file():
            return exact, True
        current = base_dir
        for part in rel.parts:
            if part in ("", "."):
                continue
            if part == "..":
                current = current.parent
                continue
            if (current / part).exists():
                current = current / part
                continue
            matches = self._listing(current).get(part.casefold(), [])
            if len(matches) != 1:
                return None, False
            current = current / matches[0]
        return (current, False) if current.is_file() else (None, False)

    def _scan(self, path: Path) -> tuple[frozenset[Path], bool]:
        """(every file reachable from ``path`` by includes, some reference needs a fix?)."""
        with self._lock:
            cached = self._scans.get(path)
        if cached is not None:
            return cached
        files: set[Path] = {path}
        needs_fix = False
        root = read_kit_xml(path, self._kit)
        for inc in root.iter(_INCLUDE):
            target, exact = self.resolve(path.parent, inc.get("href") or "")
            if target is None:
                continue
            sub_files, sub_fix = self._scan(target)
            files |= sub_files
            needs_fix = needs_fix or sub_fix or not exact
        result = (frozenset(files), needs_fix)
        with self._lock:
            self._scans[path] = result
        return result

    def prepare(self, path: Path) -> PreparedSchematron:
        """Read the top-level schematron ``path`` and fix its include references."""
        root = read_kit_xml(path, self._kit)
        fixes: list[tuple[str, str]] = []
        files: set[Path] = {path}
        self._rewrite(root, path, top=True, files=files, fixes=fixes)
        text = etree.tostring(root, encoding="unicode")
        return PreparedSchematron(
            path=path,
            text=text,
            base_uri=path.as_uri(),
            files=tuple(sorted(files)),
            fixes=tuple(fixes),
        )

    def _rewrite(
        self,
        root: etree._Element,
        path: Path,
        *,
        top: bool,
        files: set[Path],
        fixes: list[tuple[str, str]],
    ) -> None:
        for inc in list(root.iter(_INCLUDE)):
            href = inc.get("href") or ""
            target, exact = self.resolve(path.parent, href)
            if target is None:
                if not top:  # keep the kit's own error, naming the right file
                    missing = Path(os.path.normpath(path.parent / unquote(href)))
                    inc.set("href", missing.as_uri())
                continue
            sub_files, sub_fix = self._scan(target)
            files |= sub_files
            if sub_fix:
                child = read_kit_xml(target, self._kit)
                self._rewrite(child, target, top=False, files=files, fixes=fixes)
                child.tail = inc.tail
                parent = inc.getparent()
                if parent is None:  # an include as the root element: nothing to inline into
                    continue
                parent.replace(inc, child)
                fixes.append((href, self._kit.relative(target)))
            elif not top:
                inc.set("href", target.as_uri())
                if not exact:
                    fixes.append((href, self._kit.relative(target)))
            elif not exact:
                inc.set("href", os.path.relpath(target, path.parent).replace(os.sep, "/"))
                fixes.append((href, self._kit.relative(target)))

    def fix_resource_paths(self, xslt: str, base_dir: Path) -> tuple[str, list[tuple[str, str]]]:
        """Fix the letter case of quoted ``.xml`` paths of a compiled stylesheet.

        Paths are resolved from ``base_dir`` (where the stylesheet is deemed to live); a
        path is rewritten only when it does not exist as written but exists with another
        letter case.
        """
        fixes: dict[str, str] = {}

        def fix(match: re.Match[str]) -> str:
            written = match.group(1)
            if written not in fixes:
                target, exact = self.resolve(base_dir, written)
                if target is None or exact:
                    fixes[written] = written
                else:
                    fixes[written] = os.path.relpath(target, base_dir).replace(os.sep, "/")
            return f"'{fixes[written]}'"

        fixed = _RESOURCE.sub(fix, xslt)
        return fixed, [(k, v) for k, v in fixes.items() if k != v]
