"""esante's value sets against the CI-SIS kit (``../shared/cisis-kit/jeuxDeValeurs``).

For every value set esante ships that the kit also publishes (IHE SVS XML), every shipped
code must be in the kit with the same code system and the same French label; a value set
declared complete must also hold every kit code; its OID and version must be the kit's.
Each difference fails the test unless it is listed in :data:`KIT_EXCEPTIONS` with a
reason. The comparison table is printed (even without ``-s``) and is part of the failure
message.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from esante.safexml import parse_xml_file
from esante.terminology import ValueSet, value_sets
from tests.conftest import shared_path

SVS = "{urn:ihe:iti:svs:2008}"

# (value set name, code) -> why the difference with the kit is accepted. Keep it justified.
KIT_EXCEPTIONS: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Difference:
    value_set: str
    code: str
    what: str

    def __str__(self) -> str:
        return f"{self.value_set} {self.code}: {self.what}"


@dataclass(frozen=True)
class KitValueSet:
    oid: str
    version: str
    concepts: dict[tuple[str, str], str]  # (code, code system) -> label


def _read_kit(path: Path) -> KitValueSet:
    root = parse_xml_file(path, what=f"jeu de valeurs du kit {path.name}")
    vs = root.find(f"{SVS}ValueSet")
    assert vs is not None, f"{path.name}: no SVS ValueSet element"
    concepts = {
        (c.get("code", ""), c.get("codeSystem", "")): c.get("displayName", "")
        for c in vs.iter(f"{SVS}Concept")
    }
    return KitValueSet(vs.get("id", ""), (vs.get("revisionDate") or "")[:10], concepts)


def _compare(vs: ValueSet, kit: KitValueSet) -> tuple[int, list[Difference]]:
    diffs: list[Difference] = []
    if vs.oid is not None and vs.oid != kit.oid:
        diffs.append(Difference(vs.name, "(OID)", f"esante {vs.oid}, kit {kit.oid}"))
    if vs.version != kit.version:
        diffs.append(Difference(vs.name, "(version)", f"esante {vs.version}, kit {kit.version}"))
    matched = 0
    for c in vs.concepts:
        kit_label = kit.concepts.get((c.code, c.code_system_oid))
        if kit_label is None:
            diffs.append(Difference(vs.name, c.code, f"absent du kit ({c.code_system_oid})"))
        elif kit_label != c.display:
            diffs.append(Difference(vs.name, c.code, f"libellé {c.display!r} ≠ kit {kit_label!r}"))
        else:
            matched += 1
    if vs.complete:
        shipped = {(c.code, c.code_system_oid) for c in vs.concepts}
        for code, system in kit.concepts.keys() - shipped:
            diffs.append(Difference(vs.name, code, f"dans le kit ({system}), absent d'esante"))
    return matched, diffs


def _table(rows: list[tuple[str, str, str, str, str]]) -> str:
    header = ("Jeu de valeurs", "Fichier du kit", "Codes livrés", "Codes conformes", "Écarts")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        return " | ".join(cell.ljust(w) for cell, w in zip(cells, widths, strict=True))

    out = [line(header), "-+-".join("-" * w for w in widths)]
    out += [line(r) for r in rows]
    return "\n".join(out)


def test_value_sets_match_the_cisis_kit(capsys: pytest.CaptureFixture[str]) -> None:
    kit_dir = shared_path("cisis-kit", "jeuxDeValeurs")
    rows: list[tuple[str, str, str, str, str]] = []
    differences: list[Difference] = []
    compared = 0
    for vs in value_sets():
        if vs.kit_file is None:
            rows.append((vs.name, "— (absent du kit)", str(len(vs)), "—", "—"))
            continue
        path = kit_dir / vs.kit_file
        if not path.exists():
            differences.append(Difference(vs.name, "(fichier)", f"{vs.kit_file} absent du kit"))
            rows.append((vs.name, vs.kit_file, str(len(vs)), "0", "fichier absent"))
            continue
        matched, diffs = _compare(vs, _read_kit(path))
        compared += 1
        differences += diffs
        rows.append((vs.name, vs.kit_file, str(len(vs)), str(matched), str(len(diffs))))

    table = _table(rows)
    unexplained = [d for d in differences if (d.value_set, d.code) not in KIT_EXCEPTIONS]
    seen = {(d.value_set, d.code) for d in differences}
    stale = [k for k in KIT_EXCEPTIONS if k not in seen]
    with capsys.disabled():
        print("\nConformité des jeux de valeurs d'esante au kit CI-SIS\n" + table)
        for d in differences:
            reason = KIT_EXCEPTIONS.get((d.value_set, d.code), "NON JUSTIFIÉ")
            print(f"  écart {d} — {reason}")

    assert compared > 0, "no shipped value set names a kit file"
    assert not unexplained, (
        "differences with the CI-SIS kit (fix the data or justify them in KIT_EXCEPTIONS):\n"
        + table
        + "\n"
        + "\n".join(str(d) for d in unexplained)
    )
    assert not stale, f"KIT_EXCEPTIONS entries that no longer match a difference: {stale}"


def test_comparison_reports_label_and_missing_code_differences() -> None:
    """The comparison itself must catch what it claims to catch."""
    from esante.terminology import Concept

    kit = KitValueSet(
        "1.2.3",
        "2024-01-01",
        {("A", "9.9"): "Libellé A", ("B", "9.9"): "Libellé B", ("C", "9.9"): "Libellé C"},
    )
    shipped = ValueSet(
        name="T",
        title="T",
        description="test",
        oid="1.2.3",
        version="2024-01-02",
        source="test",
        complete=True,
        concepts=(
            Concept("A", "Libellé A", "9.9"),
            Concept("B", "Libelle B", "9.9"),
            Concept("D", "Libellé D", "9.9"),
        ),
    )
    matched, diffs = _compare(shipped, kit)
    assert matched == 1
    assert sorted(d.code for d in diffs) == ["(version)", "B", "C", "D"]
