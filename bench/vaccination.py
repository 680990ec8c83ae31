"""Benchmark of the vaccination record (issue 15): the box scan and the VAC-NOTE.

Figures (p50 / p95 over ``--iterations``), all measured in the same run:

* scan of a DataMatrix string (parse with biip + catalogue lookup), for the shapes a
  scanner types: ``]d2`` + GS, no prefix, ``<GS>`` token, separators lost (the search of
  the single reading);
* decoding a photo of the box (zxing-cpp): a PNG and a JPEG "photo" (rotated, on a grey
  background), made by zxing-cpp's writer;
* VAC-NOTE of the 12-month visit, per database (SQLite file, PostgreSQL when reachable):
  prefill from the record and the scan, build (CDA), validation against the ANS kit
  (XSD + schematrons, compiled stylesheets warm), and the whole validation as the
  practice does it (build + kit + store + DMP order + vaccination row; rolled back);
  the kit's cold start (first validation, compiling its stylesheets) is printed apart.

Run: ``.venv/bin/python bench/vaccination.py [--iterations 50]``. The kit is found
through ESANTE_CISIS_KIT (default ../shared/cisis-kit).
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import zxingcpp
from PIL import Image

from benchlib import peak_rss_mb, percentile, pg_database
from esante.cda.validate import shared_validator
from esante.practice.actors import Actor
from esante.practice.vaccination import (
    build_note,
    decode_image,
    prefill_vac_note,
    scan_text,
    validate_vac_note,
)
from esante.practice.vaccination.catalogue import VaccineCatalogue, packaged
from esante.practice.vaccination.scan import GS
from esante.store import Patient, Practitioner, Structure, make_engine, session_factory, upgrade

ROOT = Path(__file__).resolve().parents[1]
KIT = Path(os.environ.get("ESANTE_CISIS_KIT", ROOT.parent / "shared" / "cisis-kit"))
VISIT = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
BOX = next(p for p in packaged().presentations if p.vaccine.key == "bexsero")
LOT, SERIAL, EXPIRY = "AMBX2417C", "9XK2P4Q7T1", date(2028, 5, 31)
A01, A17, A10, A21 = f"01{BOX.gtin}", f"17{EXPIRY:%y%m%d}", f"10{LOT}", f"21{SERIAL}"
SHAPES = {
    "]d2 + GS": f"]d2{A01}{A17}{A10}{GS}{A21}",
    "no prefix, GS": f"{A01}{A17}{A10}{GS}{A21}",
    "<GS> token": f"]d2{A01}{A17}{A10}<GS>{A21}",
    "separators lost": f"{A01}{A17}{A10}{A21}",
}


def _ms(values: list[float]) -> str:
    return (
        f"p50 {percentile(values, 50) * 1000:8.3f} ms   p95 {percentile(values, 95) * 1000:8.3f} ms"
    )


def _row(label: str, values: list[float]) -> None:
    print(f"    {label:40} {_ms(values)}")


def _time(fn: Callable[[], Any], n: int) -> list[float]:
    fn()  # warm
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def _images() -> dict[str, bytes]:
    barcode = zxingcpp.create_barcode(
        f"(01){BOX.gtin}(17){EXPIRY:%y%m%d}(10){LOT}(21){SERIAL}",
        zxingcpp.BarcodeFormat.DataMatrix,
        gs1=True,
    )
    code = Image.fromarray(np.array(zxingcpp.write_barcode_to_image(barcode, scale=8)))
    png = io.BytesIO()
    code.save(png, "PNG")
    rotated = code.convert("L").rotate(90, expand=True, fillcolor=255)
    canvas = Image.new("L", (1600, 1200), color=200)
    canvas.paste(rotated, (600, 400))
    jpeg = io.BytesIO()
    canvas.convert("RGB").save(jpeg, "JPEG", quality=85)
    return {"PNG (datamatrix only)": png.getvalue(), "JPEG photo 1600x1200": jpeg.getvalue()}


def _world(url: str) -> tuple[Any, Actor, int]:
    engine = make_engine(url)
    upgrade(engine)
    factory = session_factory(engine)
    with factory() as session:
        structure = Structure(
            name="Cabinet du Parc",
            id_nat_struct="1690781899",
            facility_type_code="SA07",
            practice_setting_code="AMBULATOIRE",
            city="Lyon",
        )
        doctor = Practitioner(
            rpps="10000000009",
            civility="DR",
            family_name="Carré",
            given_name="Hervé",
            profession_code="10",
            specialty_code="SM54",
            structure=structure,
        )
        child = Patient(
            local_id="IPP-BENCH-1",
            birth_family_name="DURAND",
            birth_given_names="LOLA MARIE",
            first_given_name="LOLA",
            sex="F",
            birth_date=date(2025, 12, 1),
            birthplace_cog="75056",
            identity_status="QUAL",
            ins_matricule="225127505600111",
            ins_oid="1.2.250.1.213.1.4.10",
        )
        session.add_all([structure, doctor, child])
        session.commit()
        actor = Actor(
            kind="psc",
            actor_id=doctor.id_nat_ps,
            name="Hervé Carré",
            role="10",
            structure_id=structure.id,
            practitioner_id=doctor.id,
            origin="bench",
        )
        return factory, actor, child.id


def _vac_note(label: str, url: str, kit: Any, n: int) -> None:
    factory, actor, patient_id = _world(url)
    today = VISIT.date()
    with factory() as session:
        result = scan_text(SHAPES["]d2 + GS"], today=today, session=session)
        vaccine = result.vaccine
        assert vaccine is not None

        def prefill() -> Any:
            return prefill_vac_note(session, actor, patient_id, vaccine, scan=result, on=today)

        draft = prefill()
        session.commit()
        built = build_note(session, draft, now=VISIT)

        def whole() -> None:
            validate_vac_note(session, actor, draft, kit=kit, now=VISIT)
            session.rollback()

        print(f"  {label}")
        _row("prefill (record, history, schedule)", _time(prefill, n))
        session.rollback()
        _row("build (CDA VAC-NOTE)", _time(lambda: build_note(session, draft, now=VISIT), n))
        _row(
            "kit validation (XSD + schematrons)",
            _time(lambda: kit.validate(built.xml, dmp=True), n),
        )
        _row("validate (build, kit, store, order)", _time(whole, n))

        def chain() -> None:
            d = prefill()
            validate_vac_note(session, actor, d, kit=kit, now=VISIT)
            session.rollback()

        _row("prefill + build + validate (the click)", _time(chain, n))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=50)
    args = parser.parse_args()
    n = args.iterations
    catalogue = VaccineCatalogue()
    today = VISIT.date()
    print(f"Vaccination record benchmark — {n} iterations (p50 / p95)")
    print("Scan of a DataMatrix string (parse + catalogue):")
    for name, raw in SHAPES.items():
        times = _time(partial(scan_text, raw, today=today, catalogue=catalogue), n * 20)
        print(f"  {name:18} {_ms(times)}")
    print("Photo of the box (zxing-cpp decode + parse):")
    for name, data in _images().items():
        print(f"  {name:22} {_ms(_time(partial(decode_image, data), n))}")
    if not KIT.is_dir():
        print(f"VAC-NOTE: kit not found at {KIT}; skipped")
        return
    cache = Path(tempfile.mkdtemp(prefix="esante-bench-kit-"))
    kit = shared_validator(KIT, cache_dir=cache)
    with tempfile.TemporaryDirectory() as home:
        start = time.perf_counter()
        factory, actor, patient_id = _world(f"sqlite:///{home}/cold.db")
        with factory() as session:
            result = scan_text(SHAPES["]d2 + GS"], today=today, session=session)
            assert result.vaccine is not None
            draft = prefill_vac_note(
                session, actor, patient_id, result.vaccine, scan=result, on=today
            )
            kit.validate(build_note(session, draft, now=VISIT).xml, dmp=True)
        print(
            "VAC-NOTE (12-month visit, Bexsero scanned); kit cold start (compile, empty "
            f"cache) {time.perf_counter() - start:.1f} s"
        )
        _vac_note("SQLite", f"sqlite:///{home}/bench.db", kit, n)
    with pg_database("vaccination") as url:
        if url is not None:
            _vac_note("PostgreSQL", url, kit, n)
    print(f"Peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
