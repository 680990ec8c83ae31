"""Benchmark of ``esante cda validate`` as a person runs it: a fresh command per call.

Issue 17. Every figure comes from real ``esante`` processes started for the occasion, in
a private ``ESANTE_HOME`` (its own disk cache and validation server), on the kit's
official examples VSM_2023.01, VAC-NOTE_2023.01 and CSE-CS24_2025.01:

* **reference**: the ANS kit's approach (``bench/cda_validate.py --child reference``): a
  fresh process compiles the schematrons with the kit's ISO pipeline, then validates;
* **single document, fresh command**, per volet: empty disk cache (``--no-server``), warm
  disk cache without server (``--no-server``), the first command that starts the
  server, and commands once the server runs (median/p95/p99 over ``--repeat``);
* **batch of 20** VAC-NOTE in one command, with and without the server: seconds per
  document and documents/s;
* **peak RSS** of each process: the command (``wait4`` rusage) and the server
  (``VmHWM`` in ``/proc``, read before it is stopped); the empty disk cache is a fresh
  ``ESANTE_HOME`` (so a fresh ``cache/schematron``) made for the run;
* **start-up**: ``esante --help`` and ``esante cda validate --help`` (wall, RSS): what
  every command pays before its own work (command modules are imported lazily);
* **threads**: RSS of one validator (the service's: one per process) after a warm-up in
  one thread, then with 4 threads validating at once (each runs its own clone of the
  compiled stylesheets: what a second thread costs, against the compiled kit's size);
* **``esante feed``** (kit check on) of one VSM written by ``esante cda example``, in a
  private SQLite database loaded with the demo dataset: without the server (the command
  compiles the kit from the warm disk cache) and with it running;
* **compile time against stylesheet size**: each stylesheet of the disk cache compiled
  again in one fresh process (the per-volet reduced stylesheet idea: what a smaller
  minimal-structure stylesheet would save);
* every ratio is to the reference measured in the same run.

Run: ``.venv/bin/python bench/validate_cli.py [--repeat 5] [--quick]``; ``bench/cda_validate.py``
runs the same measurements (:func:`measure`, :func:`report`) after its own.
The kit is found through ESANTE_CISIS_KIT (default ../shared/cisis-kit).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchlib import percentile

ROOT = Path(__file__).resolve().parents[1]
ESANTE = str(Path(sys.executable).parent / "esante")
DOCUMENTS = {
    "VSM": "VSM_2023.01.xml",
    "VAC-NOTE": "VAC-NOTE_2023.01.xml",
    "CS24": "CSE-CS24_2025.01.xml",
}
BATCH = 20


def kit_dir() -> Path:
    kit = Path(os.environ.get("ESANTE_CISIS_KIT", ROOT.parent / "shared" / "cisis-kit"))
    if not (kit.resolve() / "ExemplesCDA").is_dir():
        sys.exit(f"ANS kit not found at {kit}: set ESANTE_CISIS_KIT")
    return kit.resolve()


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """(wall seconds, max RSS KiB, standard output) of one fresh process."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if code not in (0, 1):
            sys.exit(f"{argv} failed ({code}): {err.read().decode()[-2000:]}")
        return wall, usage.ru_maxrss, out.read().decode()


def validate(paths: list[Path], env: dict[str, str], *, server: bool) -> tuple[float, int]:
    """Validate ``paths`` in one fresh command; checks that each got a report."""
    argv = [ESANTE, "cda", "validate", "--json", *map(str, paths)]
    wall, rss, out = timed([*argv, "--server" if server else "--no-server"], env)
    items = json.loads(out)
    if len(items) != len(paths) or not all("report" in item for item in items):
        sys.exit(f"no report for every document: {out[:2000]}")
    return wall, rss


def server_pids(home: Path) -> list[int]:
    pids = []
    for sock in (home / "run").glob("vs-*.sock"):
        with socket.socket(socket.AF_UNIX) as conn:
            try:
                conn.connect(str(sock))
            except OSError:
                continue
            creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
        pids.append(struct.unpack("3i", creds)[0])
    return pids


def vm_hwm_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def stop_servers(home: Path) -> int:
    """Stop the servers of ``home`` (started by this bench); their largest peak RSS."""
    peak = 0
    for pid in server_pids(home):
        peak = max(peak, vm_hwm_kib(pid))
        os.kill(pid, signal.SIGTERM)
    return peak


def stats(values: list[float]) -> str:
    return (
        f"median {statistics.median(values):5.2f} s  p95 {percentile(values, 95):5.2f} s  "
        f"p99 {percentile(values, 99):5.2f} s"
    )


def reference_walls(kit: Path, names: list[str]) -> tuple[dict[str, float], int]:
    """Wall time of the kit's approach (a fresh process) on each volet of ``names``, and
    the largest peak RSS (KiB) of those processes."""
    reference: dict[str, float] = {}
    peak = 0
    for name in names:
        print(f"reference (kit pipeline, fresh process) on {name}...", file=sys.stderr)
        env = {**os.environ, "ESANTE_CISIS_KIT": str(kit), "PYTHONPATH": str(ROOT / "src")}
        argv = [sys.executable, str(ROOT / "bench" / "cda_validate.py"), "--child", "reference"]
        reference[name], rss_kib, _ = timed([*argv, "--doc", name], env)
        peak = max(peak, rss_kib)
    return reference, peak


THREADS = 4


def child_threads(kit: Path, cache: Path) -> dict[str, int]:
    """RSS (KiB) of one validator warmed in one thread, then used by :data:`THREADS`."""
    from concurrent.futures import ThreadPoolExecutor

    from esante.cda.validate import Validator

    def rss_kib() -> int:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    validator = Validator(kit, cache_dir=cache)
    docs = [(kit / "ExemplesCDA" / doc).read_bytes() for doc in DOCUMENTS.values()]
    for _ in range(3):
        for doc in docs:
            validator.validate(doc)
    one = rss_kib()
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(lambda _: [validator.validate(d) for d in docs * 3], range(THREADS)))
    return {"one": one, "threads": rss_kib()}


def child_compile(cache: Path) -> list[tuple[int, float]]:
    """(bytes, seconds) of compiling each stylesheet of ``cache``, smallest first."""
    from esante.cda.validate._saxon import parse, processor

    xslt = processor().new_xslt30_processor()
    files = sorted(cache.glob("*.xsl"), key=lambda p: p.stat().st_size)
    xslt.compile_stylesheet(stylesheet_node=parse(files[0].read_text("utf-8")))  # warm-up
    done = []
    for path in files:
        text = path.read_text("utf-8")
        mark = time.perf_counter()
        xslt.compile_stylesheet(stylesheet_node=parse(text))
        done.append((len(text.encode("utf-8")), time.perf_counter() - mark))
    return done


def _child(args: list[str], env: dict[str, str]) -> tuple[object, int]:
    argv = [sys.executable, str(Path(__file__).resolve()), *args]
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(argv, env=env, stdout=out, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"{argv} failed")
        out.seek(0)
        return json.loads(out.read().decode().strip().splitlines()[-1]), usage.ru_maxrss


def measure_feed(
    env: dict[str, str], tmp: Path, repeat: int, rss: dict[str, int]
) -> dict[str, list[float]]:
    """Wall seconds of ``esante feed`` (kit check on), without and with the server; the
    peak RSS of those commands goes to ``rss``."""
    setup = (
        "from esante.cli.serve import load_demo_data, prepare_database\n"
        "from esante.config import load_settings\n"
        "from esante.demo import demo_dataset\n"
        "from esante.demo.cast import DEFAULT_SEED\n"
        "settings = load_settings()\n"
        "prepare_database(settings)\n"
        "load_demo_data(settings, DEFAULT_SEED)\n"
        "print(demo_dataset(DEFAULT_SEED).patient('lola').nir)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", setup], env=env, check=True, capture_output=True, text=True
    )
    nir = done.stdout.split()[-1]
    walls: dict[str, list[float]] = {"no server": [], "server running": []}
    for label, server in (("no server", False), ("server running", True)):
        feed_env = {**env, "ESANTE_NO_VALIDATION_SERVER": "" if server else "1"}
        if server:  # started by a first feed, not timed
            walls[label].append(0.0)
        for i in range(repeat + (1 if server else 0)):
            doc = tmp / f"feed-{label[:2]}-{i}.xml"
            timed([ESANTE, "cda", "example", "vsm", "--patient", "lola", "-o", str(doc)], env)
            wall, rss_kib, out = timed(
                [ESANTE, "feed", str(doc), "--ins", nir, "--delay", "600", "--json"], feed_env
            )
            rss[f"feed, {label}"] = max(rss.get(f"feed, {label}", 0), rss_kib)
            if json.loads(out)[0]["erreur"]:
                sys.exit(f"esante feed refused the example: {out[:1000]}")
            walls[label].append(wall)
        if server:
            walls[label] = walls[label][2:]  # drop the placeholder and the starting feed
    return walls


@dataclass
class CliFigures:
    """What :func:`measure` found (seconds; RSS in KiB)."""

    empty: dict[str, float]
    nosrv: dict[str, list[float]]
    srv: dict[str, list[float]]
    first: float
    batch_srv: float
    batch_nosrv: float
    rss: dict[str, int]
    startup: dict[str, list[float]]
    threads: dict[str, int]
    compile: list[tuple[int, float]]
    feed: dict[str, list[float]]


def measure(kit: Path, repeat: int) -> CliFigures:
    """Fresh ``esante cda validate`` commands in a private ``ESANTE_HOME``."""
    paths = {name: kit / "ExemplesCDA" / doc for name, doc in DOCUMENTS.items()}
    tmp = Path(tempfile.mkdtemp(prefix="esante-bench-"))
    home = tmp / "home"
    env = {**os.environ, "ESANTE_HOME": str(home), "ESANTE_CISIS_KIT": str(kit)}
    env.pop("ESANTE_NO_VALIDATION_SERVER", None)
    rss: dict[str, int] = {}
    startup: dict[str, list[float]] = {"esante --help": [], "esante cda validate --help": []}
    try:
        print("start-up (--help)...", file=sys.stderr)
        for _ in range(repeat):
            for label in startup:
                wall, rss_kib, _ = timed([ESANTE, *label.split()[1:]], env)
                startup[label].append(wall)
                rss[label] = max(rss.get(label, 0), rss_kib)
        print("empty disk cache, no server...", file=sys.stderr)
        empty = {}
        for name, path in paths.items():
            empty[name], rss_kib = validate([path], env, server=False)
            rss["command, empty cache"] = max(rss.get("command, empty cache", 0), rss_kib)
        print("warm disk cache, no server...", file=sys.stderr)
        nosrv: dict[str, list[float]] = {name: [] for name in paths}
        for _ in range(repeat):
            for name, path in paths.items():
                wall, rss_kib = validate([path], env, server=False)
                nosrv[name].append(wall)
                rss["command, no server"] = max(rss.get("command, no server", 0), rss_kib)
        print("first command, starts the server...", file=sys.stderr)
        first, rss_kib = validate([paths["VSM"]], env, server=True)
        rss["command, with server"] = rss_kib
        print("commands with the server running...", file=sys.stderr)
        srv: dict[str, list[float]] = {name: [] for name in paths}
        for _ in range(repeat):
            for name, path in paths.items():
                wall, rss_kib = validate([path], env, server=True)
                srv[name].append(wall)
                rss["command, with server"] = max(rss["command, with server"], rss_kib)
        print(f"batch of {BATCH} VAC-NOTE in one command...", file=sys.stderr)
        batch_dir = tmp / "batch"
        batch_dir.mkdir()
        batch = []
        for i in range(BATCH):
            copy = batch_dir / f"vac-note-{i:02}.xml"
            shutil.copyfile(paths["VAC-NOTE"], copy)
            batch.append(copy)
        batch_srv, _ = validate(batch, env, server=True)
        batch_nosrv, rss_kib = validate(batch, env, server=False)
        rss["command, no server"] = max(rss["command, no server"], rss_kib)
        rss["server"] = stop_servers(home)
        print("esante feed, kit check on...", file=sys.stderr)
        feed = measure_feed(env, tmp, repeat, rss)
        stop_servers(home)
        cache = home / "cache" / "schematron"
        print(f"one validator, 1 then {THREADS} threads...", file=sys.stderr)
        threads_rss, rss["threads process"] = _child(["--child-threads", str(kit), str(cache)], env)
        print("compile time against stylesheet size...", file=sys.stderr)
        compiled, _ = _child(["--child-compile", str(cache)], env)
    finally:
        stop_servers(home)
        shutil.rmtree(tmp, ignore_errors=True)
    assert isinstance(threads_rss, dict)
    assert isinstance(compiled, list)
    return CliFigures(
        empty,
        nosrv,
        srv,
        first,
        batch_srv,
        batch_nosrv,
        rss,
        startup,
        threads_rss,
        [(int(size), float(secs)) for size, secs in compiled],
        feed,
    )


def report(figures: CliFigures, reference: dict[str, float]) -> None:
    """Print ``figures`` with their ratios to ``reference`` (same run)."""
    ref = statistics.fmean(reference.values())
    print("\nesante cda validate — fresh command per call (XSD + every schematron it applies)")
    print(
        "reference (kit pipeline, fresh process): "
        + ", ".join(f"{n} {s:.1f} s" for n, s in reference.items())
        + f"; ratios use each volet's own reference, else the mean {ref:.1f} s"
    )
    print(
        "single document, fresh command (empty cache: VSM, first, compiles the profiles "
        "and its volet; the others then compile only their volet):"
    )
    for name in figures.srv:
        own = reference.get(name, ref)
        cold = figures.empty[name]
        nosrv, srv = figures.nosrv[name], figures.srv[name]
        print(f"  {name:9} empty cache, no server   {cold:5.2f} s  ({own / cold:.1f}x)")
        print(
            f"  {name:9} warm cache, no server    {stats(nosrv)}  "
            f"({own / statistics.median(nosrv):.1f}x)"
        )
        print(
            f"  {name:9} server running          {stats(srv)}  "
            f"({own / statistics.median(srv):.1f}x)"
        )
    first = figures.first
    print(f"  first command (starts the server, VSM): {first:.2f} s")
    ref_vac = reference.get("VAC-NOTE", ref)
    for label, wall in (("server", figures.batch_srv), ("no server", figures.batch_nosrv)):
        per_doc = wall / BATCH
        print(
            f"batch of {BATCH} VAC-NOTE, {label:9}: {wall:.2f} s, {per_doc:.3f} s per document, "
            f"{BATCH / wall:.1f} documents/s ({ref_vac / per_doc:.0f}x the reference per document)"
        )
    for label, walls in figures.feed.items():
        print(f"esante feed (kit check), {label:14}: {stats(walls)}")
    for label, walls in figures.startup.items():
        print(f"start-up, {label:27}: {stats(walls)}")
    print("peak RSS: " + ", ".join(f"{k} {v / 1024:.0f} MiB" for k, v in figures.rss.items()))
    one, many = figures.threads["one"], figures.threads["threads"]
    print(
        f"one validator: RSS {one / 1024:.0f} MiB after warm-up in 1 thread, "
        f"{many / 1024:.0f} MiB with {THREADS} threads validating "
        f"(+{(many - one) / 1024 / (THREADS - 1):.1f} MiB per extra thread: a clone, "
        "not a second compiled kit)"
    )
    print("compile time against stylesheet size (disk cache, one process):")
    for size, secs in figures.compile:
        print(f"  {size / 1e6:7.2f} MB  {secs:6.2f} s  ({secs / (size / 1e6):.2f} s/MB)")
    print("targets: single document <= 2 s; batch >= 50x the reference; RSS <= 500 MB (477 MiB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="repeat 3, VAC-NOTE reference only")
    parser.add_argument("--child-threads", nargs=2, metavar=("KIT", "CACHE"))
    parser.add_argument("--child-compile", metavar="CACHE")
    args = parser.parse_args()
    if args.child_threads:
        kit_arg, cache_arg = args.child_threads
        print(json.dumps(child_threads(Path(kit_arg), Path(cache_arg))))
        return
    if args.child_compile:
        print(json.dumps(child_compile(Path(args.child_compile))))
        return
    kit = kit_dir()
    reference, ref_rss = reference_walls(kit, ["VAC-NOTE"] if args.quick else list(DOCUMENTS))
    figures = measure(kit, 3 if args.quick else args.repeat)
    figures.rss["reference process"] = ref_rss
    load = os.getloadavg()
    print(
        f"host: {os.cpu_count()} CPU(s), load average {load[0]:.2f} / {load[1]:.2f} at the end "
        "(other work on the host skews the figures)"
    )
    report(figures, reference)


if __name__ == "__main__":
    main()
