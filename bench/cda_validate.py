"""Benchmark of the CDA validation engine (esante.cda.validate) on the ANS CI-SIS kit.

Documents: the kit's official examples VSM_2023.01.xml, VAC-NOTE_2023.01.xml and
CSE-CS24_2025.01.xml (until esante builds its own). A "validation" is the full check: XSD
plus every schematron esante applies (minimal structure, IHE + French body profiles,
volet schematron).

Figures, all measured in the same run:

* warm latency per document (median, p95, p99) in one process with compiled stylesheets;
* cold start in a fresh process: first validation with an empty disk cache (includes the
  kit's ISO pipeline and Saxon compilation), then with a warm disk cache;
* batch throughput on 2 worker processes (BatchValidator) vs one process;
* peak memory: max RSS of a fresh validating process (Saxon's native heap included) and
  tracemalloc peak of Python allocations during the warm loop;
* the reference approach of the ANS kit: a fresh process per document that compiles the
  schematrons with the kit's pipeline, then validates — and the ratio to esante's warm
  median;
* ``esante cda validate`` as a person runs it (issue 17), measured by
  ``bench/validate_cli.py``'s code in this same run: a fresh command per document (empty
  and warm disk cache, without and with the local validation server), a batch of 20 in
  one command, peak RSS of each process (command, server, reference), ratios to the
  reference above (``--no-cli`` skips it).

Run: ``.venv/bin/python bench/cda_validate.py [--iterations 30] [--quick]``.
The kit is found through ESANTE_CISIS_KIT (default ../shared/cisis-kit).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import validate_cli
from benchlib import percentile

DOCUMENTS = {
    "VSM": ("VSM_2023.01.xml", "CI-SIS_VSM_2023.01.sch"),
    "VAC-NOTE": ("VAC-NOTE_2023.01.xml", "CI-SIS_VAC-NOTE_2023.01.sch"),
    "CS24": ("CSE-CS24_2025.01.xml", "CI-SIS_CSE-CS24_2025.01.sch"),
}
PROFILES = (
    "profils/structurationMinimale/ASIP-STRUCT-MIN-StrucMin.sch",
    "profils/IHE.sch",
    "profils/CI-SIS_ModelesDeContenusCDA.sch",
    "profils/CI-SIS_Modeles_ANS.sch",
)


def kit_dir() -> Path:
    kit = Path(os.environ.get("ESANTE_CISIS_KIT", "../shared/cisis-kit")).resolve()
    if not (kit / "ExemplesCDA").is_dir():
        sys.exit(f"ANS kit not found at {kit}: set ESANTE_CISIS_KIT")
    return kit


# ------------------------------------------------------------------ child processes


def child_esante(cache: Path, names: list[str]) -> dict[str, Any]:
    """Fresh process: time each first validation, report max RSS."""
    started = time.perf_counter()
    from esante.cda.validate import Validator

    kit = kit_dir()
    validator = Validator(kit, cache_dir=cache)
    firsts = {}
    for name in names:
        mark = time.perf_counter()
        validator.validate(kit / "ExemplesCDA" / DOCUMENTS[name][0])
        firsts[name] = time.perf_counter() - mark
    return {
        "firsts": firsts,
        "total": time.perf_counter() - started,
        "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "stats": validator.stats,
    }


def child_reference(name: str) -> dict[str, Any]:
    """The ANS kit's approach: compile the schematrons with the kit's ISO pipeline, then
    validate (XSD + SVRL), in a fresh process — written without esante."""
    from lxml import etree
    from saxonche import PySaxonProcessor

    kit = kit_dir()
    schematrons = kit / "schematrons"
    document = kit / "ExemplesCDA" / DOCUMENTS[name][0]
    proc = PySaxonProcessor(license=False)
    xslt = proc.new_xslt30_processor()
    steps = [
        xslt.compile_stylesheet(stylesheet_file=str(schematrons / "moteur" / step))
        for step in ("iso_dsdl_include.xsl", "iso_abstract_expand.xsl", "iso_svrl_for_xslt2.xsl")
    ]
    xsd = etree.XMLSchema(etree.parse(str(kit / "infrastructure/cda/CDA_extended.xsd")))
    xsd.validate(etree.parse(str(document)))
    node = proc.parse_xml(xml_file_name=str(document))
    failures = 0
    for rel in (*PROFILES, DOCUMENTS[name][1]):
        sch = schematrons / rel
        text = sch.read_text(encoding="utf-8")
        for href in re.findall(r'<include\s+href="([^"]+)"', text):  # Windows-cased hrefs
            if not (sch.parent / href).exists():
                folder, _, leaf = (sch.parent / href).as_posix().rpartition("/")
                real = [n for n in os.listdir(folder) if n.lower() == leaf.lower()]
                text = text.replace(href, href[: len(href) - len(leaf)] + real[0])
        builder = proc.new_document_builder()
        builder.set_base_uri(sch.as_uri())
        value = builder.parse_xml(xml_text=text)
        value = steps[0].transform_to_value(xdm_node=value).head
        value = steps[1].transform_to_value(xdm_node=value).head
        compiled = steps[2].transform_to_string(xdm_node=value)
        builder = proc.new_document_builder()
        builder.set_base_uri(sch.as_uri())
        executable = xslt.compile_stylesheet(stylesheet_node=builder.parse_xml(xml_text=compiled))
        svrl = executable.transform_to_string(xdm_node=node)
        failures += svrl.count("<svrl:failed-assert") + svrl.count("<svrl:successful-report")
    return {"failures": failures}


def run_child(args: list[str]) -> tuple[dict[str, Any], float]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, *args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")},
    )
    wall = time.perf_counter() - started
    return json.loads(done.stdout.strip().splitlines()[-1]), wall


# ------------------------------------------------------------------ measurements


def warm_latency(cache: Path, iterations: int) -> tuple[dict[str, list[float]], int, int]:
    from esante.cda.validate import Validator

    kit = kit_dir()
    validator = Validator(kit, cache_dir=cache)
    data = {name: (kit / "ExemplesCDA" / doc).read_bytes() for name, (doc, _) in DOCUMENTS.items()}
    for payload in data.values():  # compile (from the disk cache) and warm up
        validator.validate(payload)
        validator.validate(payload)
    timings: dict[str, list[float]] = {name: [] for name in data}
    tracemalloc.start()
    for _ in range(iterations):
        for name, payload in data.items():
            mark = time.perf_counter()
            validator.validate(payload)
            timings[name].append((time.perf_counter() - mark) * 1000)
    _, py_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return timings, py_peak, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def batch_throughput(cache: Path, repeat: int) -> tuple[float, float, float]:
    """(steady rate, its batch's seconds, rate of the first batch after start-up).

    The pool is started (each worker compiles everything from the disk cache), then the
    same batch runs twice: the first run still pays each worker's first validations of
    each document type (Saxon's lazily built structures), the second is the steady rate.
    """
    from esante.cda.validate import BatchValidator

    kit = kit_dir()
    paths = [kit / "ExemplesCDA" / doc for doc, _ in DOCUMENTS.values()]
    volets = [f"schematrons/{volet}" for _, volet in DOCUMENTS.values()]
    with BatchValidator(kit, workers=2, cache_dir=cache, preload=volets) as batch:
        batch.validate_many(paths * 2)  # start both workers (each compiles all from the cache)
        work = paths * repeat
        rates: list[float] = []
        for _ in range(2):
            mark = time.perf_counter()
            items = batch.validate_many(work)
            elapsed = time.perf_counter() - mark
            assert all(item.report is not None for item in items)
            rates.append(len(work) / elapsed)
    return rates[1], elapsed, rates[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="fewer iterations, VSM reference only")
    parser.add_argument("--child", choices=["esante", "reference"])
    parser.add_argument("--cache")
    parser.add_argument("--doc", action="append", default=[])
    parser.add_argument("--no-cli", action="store_true", help="skip the fresh-command figures")
    args = parser.parse_args()

    if args.child == "esante":
        print(json.dumps(child_esante(Path(args.cache), args.doc)))
        return
    if args.child == "reference":
        print(json.dumps(child_reference(args.doc[0])))
        return

    iterations = 10 if args.quick else args.iterations
    names = list(DOCUMENTS)
    with tempfile.TemporaryDirectory(prefix="esante-bench-") as tmp:
        cache = Path(tmp) / "cache"
        print("cold start, empty disk cache (fresh process)...", file=sys.stderr)
        doc_args = [arg for n in names for arg in ("--doc", n)]
        cold, cold_wall = run_child(["--child", "esante", "--cache", str(cache), *doc_args])
        print("cold start, warm disk cache (fresh process)...", file=sys.stderr)
        warmdisk, warmdisk_wall = run_child(
            ["--child", "esante", "--cache", str(cache), "--doc", "VSM"]
        )
        print(f"warm latency ({iterations} iterations per document)...", file=sys.stderr)
        timings, py_peak, main_rss = warm_latency(cache, iterations)
        print("batch throughput, 2 worker processes...", file=sys.stderr)
        rate, batch_elapsed, first_rate = batch_throughput(cache, 10 if args.quick else 40)
        reference, ref_rss = validate_cli.reference_walls(
            kit_dir(), names[:1] if args.quick else names
        )
    cli = None if args.no_cli else validate_cli.measure(kit_dir(), 3 if args.quick else 5)

    medians = {n: statistics.median(v) for n, v in timings.items()}
    means = {n: statistics.fmean(v) for n, v in timings.items()}
    sequential_rate = len(names) / (sum(means.values()) / 1000)
    head = f"{'document':10} {'median ms':>10} {'p95 ms':>8} {'p99 ms':>8}"
    rows = [f"{head} {'reference s':>12} {'ratio':>7}"]
    for name in names:
        values = timings[name]
        ref = reference.get(name)
        ratio = f"{ref * 1000 / medians[name]:.0f}x" if ref else "—"
        rows.append(
            f"{name:10} {medians[name]:10.1f} {percentile(values, 95):8.1f} "
            f"{percentile(values, 99):8.1f} {(f'{ref:.1f}' if ref else '—'):>12} {ratio:>7}"
        )
    load = os.getloadavg()
    print("\nesante.cda.validate — ANS CI-SIS kit, full validation (XSD + 5 schematrons)")
    print(
        f"host: {os.cpu_count()} CPU(s), load average {load[0]:.2f} / {load[1]:.2f} "
        f"(1 / 5 min) at the end of the run — other work on the host skews the figures"
    )
    print("\n".join(rows))
    print("  targets: warm median <= 100 ms per document; >= 50x faster than the reference")
    print(
        "\ncold start, empty cache : "
        + ", ".join(f"first {n} {cold['firsts'][n]:.1f} s" for n in names)
        + f"; process wall {cold_wall:.1f} s"
    )
    print(
        f"cold start, warm cache  : first VSM {warmdisk['firsts']['VSM']:.1f} s; "
        f"process wall {warmdisk_wall:.1f} s (Saxon-HE compiles the 10 MB minimal-structure "
        "stylesheet again: no SEF export in HE)"
    )
    print(
        f"throughput              : {rate:.1f} documents/s on 2 worker processes "
        f"({batch_elapsed:.1f} s for the batch; first batch after start-up {first_rate:.1f}/s) "
        f"vs {sequential_rate:.1f}/s in one process"
    )
    print(
        f"peak memory             : fresh validating process max RSS "
        f"{cold['maxrss_kib'] / 1024:.0f} MiB; this process {main_rss / 1024:.0f} MiB; "
        f"Python allocations during the warm loop {py_peak / 1024 / 1024:.1f} MiB (tracemalloc); "
        f"reference process {ref_rss / 1024:.0f} MiB"
    )
    if cli is not None:
        cli.rss["reference process"] = ref_rss
        validate_cli.report(cli, reference)


if __name__ == "__main__":
    main()
