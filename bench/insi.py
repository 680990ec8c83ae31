"""Benchmark of the INSi client against the sandbox's INSi: latency, throughput, overhead.

Figures, measured in one run:

1. **Client overhead** (no network, no server): :class:`esante.insi.InsiClient` with an
   in-process transport answering a recorded ``00`` answer — building the query, the
   contexts and the assertion, serializing the SOAP request, parsing and checking the
   answer. Target: ≤ 5 ms per call (issue 16). The assertion is unsigned here; its
   RSA signature (each call signs a new one) is inside figure 2.
2. **Lookup latency over TLS**: searches by traits of the demo people, one at a time,
   against the sandbox's INSi on loopback (mutual TLS, keep-alive connection): p50, p95,
   p99 and the ratio to the client overhead (baseline).
3. **Throughput**: the same searches from 4 client threads (one TLS connection pool).

The sandbox runs in this process (its server threads share the GIL with the client), with
its other services off; figures are an upper bound of what a separate process gives.
Peak memory: this process's max RSS.

Run: ``.venv/bin/python bench/insi.py [--quick] [--calls N]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchlib import peak_rss_mb, percentile
from esante.demo import demo_dataset
from esante.identity.insi import ResultCode, TraitsQuery, build_resultat
from esante.insi import (
    InsiClient,
    LpsIdentity,
    Professional,
    professional_assertion,
    signed_assertion,
)
from esante.sandbox.insi import sandbox_registry
from esante.sandbox.insi.service import answer
from esante.sandbox.runtime import SandboxOptions, start_sandbox
from esante.transport import (
    HttpsTransport,
    InProcessTransport,
    SoapResponse,
    TlsConfig,
    WireRequest,
    WireResponse,
    build_envelope,
    encode_response,
)
from esante.trust import load_certificate, load_private_key

DOCTOR = "899700000001"
LPS = LpsIdentity("ESANTE-BENCH", "1", "esante", "bench")
PROFESSIONAL = Professional(DOCTOR, lambda: professional_assertion(DOCTOR, issuer="CN=bench"))


def _queries() -> list[TraitsQuery]:
    return [
        TraitsQuery(p.birth_family_name, (p.first_given_name,), p.sex, p.birth_date)
        for p in demo_dataset().patients
    ]


def _report(label: str, samples_ms: list[float], baseline_ms: float | None = None) -> float:
    p50 = percentile(samples_ms, 50)
    line = (
        f"  {label}: p50 {p50:.2f} ms  p95 {percentile(samples_ms, 95):.2f} ms  "
        f"p99 {percentile(samples_ms, 99):.2f} ms  (n={len(samples_ms)})"
    )
    if baseline_ms:
        line += f"  ratio to client overhead ×{p50 / baseline_ms:.1f}"
    print(line)
    return p50


def overhead(calls: int) -> float:
    queries = _queries()
    registry = sandbox_registry()
    first = queries[0]
    recorded = encode_response(
        SoapResponse(
            envelope=build_envelope(build_resultat(answer(registry, first))), status_code=200
        )
    )

    def handle(_: WireRequest) -> WireResponse:
        return recorded

    client = InsiClient(
        InProcessTransport(handle), "https://insi.invalid/", lps=LPS, professional=PROFESSIONAL
    )
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        result = client.search_traits(first)
        samples.append((time.perf_counter() - started) * 1000)
        assert result.code is ResultCode.FOUND
    print("1. client overhead (in-process transport, recorded 00 answer)")
    p50 = _report("per call", samples)
    print(f"  target ≤ 5 ms: {'met' if percentile(samples, 95) <= 5 else 'NOT met'} (p95)")
    return p50


def over_tls(calls: int, threads: int, baseline: float) -> None:
    queries = _queries()
    with tempfile.TemporaryDirectory() as directory:
        options = SandboxOptions(
            directory=Path(directory),
            seed_demo=False,
            mes=False,
            mss=False,
            annuaire=False,
            psc=False,
        )
        with start_sandbox(options) as running:
            manifest = running.manifest
            assert manifest.insi is not None
            pki = manifest.pki
            tls = TlsConfig(
                ca_bundle=pki.ca,
                certificate=pki.authentication_certificate,
                key=pki.authentication_key,
            )
            with HttpsTransport(tls) as transport:
                # the sandbox, like the INSi, refuses an unsigned assertion: signed
                # with the sandbox's signing certificate, once per call (part of the
                # measured latency, as in use)
                signed = Professional(
                    DOCTOR,
                    signed_assertion(
                        DOCTOR,
                        key=load_private_key(pki.signature_key),
                        certificate=load_certificate(pki.signature_certificate),
                    ),
                )
                client = InsiClient(transport, manifest.insi.url, lps=LPS, professional=signed)
                client.search_traits(queries[0])  # handshake, warm-up
                samples = []
                for index in range(calls):
                    started = time.perf_counter()
                    result = client.search_traits(queries[index % len(queries)])
                    samples.append((time.perf_counter() - started) * 1000)
                    assert result.code is ResultCode.FOUND
                print("2. lookup latency over mutual TLS (one client thread)")
                _report("search by traits", samples, baseline)

                def one(index: int) -> None:
                    client.search_traits(queries[index % len(queries)])

                started = time.perf_counter()
                with ThreadPoolExecutor(threads) as pool:
                    list(pool.map(one, range(calls)))
                elapsed = time.perf_counter() - started
                print(f"3. throughput ({threads} client threads)")
                print(f"  {calls / elapsed:.0f} searches/s ({calls} in {elapsed:.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer calls")
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    calls = 100 if args.quick else args.calls
    baseline = overhead(calls)
    over_tls(calls, args.threads, baseline)
    print(f"peak memory (this process): {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
