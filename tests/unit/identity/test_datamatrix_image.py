"""INS DataMatrix images: PNG and SVG round trips through zxing-cpp, hostile or useless input."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
import zxingcpp
from hypothesis import HealthCheck, given, settings
from PIL import Image

from esante.identity import (
    DataMatrixError,
    InsDataMatrix,
    encode_payload,
    read_image,
    render_png,
    render_svg,
)
from tests.unit.identity.strategies import datamatrix_fields

DATA = InsDataMatrix(
    matricule="255081416802538",
    oid="1.2.250.1.213.1.4.8",
    birth_given_names="CLAIRE ANNE",
    birth_family_name="D'ARTAGNAN--MULLER",
    sex="F",
    birth_date=date(1955, 8, 3),
    birthplace_cog="14168",
)
IMAGE_SETTINGS = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def test_png_is_a_square_datamatrix_written_to_disk(tmp_path: Path) -> None:
    target = tmp_path / "ins.png"
    content = render_png(DATA, target, scale=3)
    assert target.read_bytes() == content
    image = Image.open(io.BytesIO(content))
    assert image.format == "PNG"
    assert image.width == image.height
    assert read_image(target) == DATA


def test_svg_has_no_doctype_and_reads_back(tmp_path: Path) -> None:
    target = tmp_path / "ins.svg"
    svg = render_svg(DATA, target)
    assert "<!DOCTYPE" not in svg
    assert target.read_text(encoding="utf-8") == svg
    assert read_image(target) == DATA


def test_a_payload_text_is_checked_before_drawing() -> None:
    assert read_image(render_png(encode_payload(DATA))) == DATA
    with pytest.raises(DataMatrixError, match="ne correspond pas"):
        render_png(encode_payload(DATA).replace("538S2", "539S2"))


@IMAGE_SETTINGS
@given(datamatrix_fields())
def test_png_round_trip(case: tuple[InsDataMatrix, str, str]) -> None:
    data = case[0]
    assert read_image(render_png(data)) == data


@IMAGE_SETTINGS
@given(datamatrix_fields())
def test_svg_round_trip(case: tuple[InsDataMatrix, str, str]) -> None:
    data = case[0]
    assert read_image(render_svg(data, scale=1).encode("utf-8")) == data


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_useless_images_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(DataMatrixError, match="Aucun DataMatrix"):
        read_image(_png(Image.new("L", (200, 200), 255)))
    with pytest.raises(DataMatrixError, match="Format d'image non reconnu"):
        read_image(b"GIF89a not really")
    with pytest.raises(DataMatrixError, match="tronquée"):
        read_image(render_png(DATA)[:200])
    with pytest.raises(DataMatrixError, match="introuvable"):
        read_image(tmp_path / "absent.png")
    with pytest.raises(DataMatrixError, match="vide"):
        read_image(b"")


def test_a_datamatrix_that_is_not_an_ins_one() -> None:
    other = zxingcpp.create_barcode("HELLO WORLD", zxingcpp.BarcodeFormat.DataMatrix)
    image = Image.fromarray(zxingcpp.write_barcode_to_image(other, scale=4))
    with pytest.raises(DataMatrixError, match="n'est pas un DataMatrix INS"):
        read_image(_png(image))


def test_hostile_svg_is_refused() -> None:
    entity = (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>'
    )
    with pytest.raises(DataMatrixError, match="DOCTYPE/ENTITY"):
        read_image(entity)
    external = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
        b' width="10" height="10"><image xlink:href="file:///etc/hostname" width="10"'
        b' height="10"/></svg>'
    )
    with pytest.raises(DataMatrixError, match="ressources externes"):
        read_image(external)
    with pytest.raises(DataMatrixError, match="pas une image SVG"):
        read_image(b"<html><body/></html>")
    with pytest.raises(DataMatrixError, match="mal formé"):
        read_image(b"<svg xmlns='http://www.w3.org/2000/svg'>")


def test_truncated_image_is_refused_even_after_weasyprint_is_imported() -> None:
    import weasyprint  # noqa: F401  (sets PIL's LOAD_TRUNCATED_IMAGES globally)
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    with pytest.raises(DataMatrixError, match="tronquée"):
        read_image(render_png(DATA)[:200])
