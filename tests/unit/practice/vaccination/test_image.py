"""A photo of the box (PNG / JPEG) decoded with zxing-cpp gives what the scanner types.

The images are made by zxing-cpp's own writer from GS1 element strings (a GS1
DataMatrix, ``]d2``), then photographed the way a phone would: a JPEG, rotated, on a
larger grey background."""

from __future__ import annotations

import io
from datetime import date

import numpy as np
import pytest
import zxingcpp
from PIL import Image

from esante.practice.errors import PracticeValidationError
from esante.practice.vaccination.catalogue import packaged
from esante.practice.vaccination.image import decode_image
from esante.practice.vaccination.resolve import scan_image
from esante.practice.vaccination.scan import GS, parse_datamatrix

BOX = next(p for p in packaged().presentations if p.vaccine.key == "tetravac")
LOT, SERIAL, EXPIRY = "X3B482V", "K8P2Q7Z9M4", date(2028, 3, 31)
HRI = f"(01){BOX.gtin}(17){EXPIRY:%y%m%d}(10){LOT}(21){SERIAL}"


def _datamatrix(scale: int) -> Image.Image:
    barcode = zxingcpp.create_barcode(HRI, zxingcpp.BarcodeFormat.DataMatrix, gs1=True)
    return Image.fromarray(np.array(zxingcpp.write_barcode_to_image(barcode, scale=scale)))


def _png() -> bytes:
    out = io.BytesIO()
    _datamatrix(6).save(out, "PNG")
    return out.getvalue()


def _jpeg_photo() -> bytes:
    code = _datamatrix(8).convert("L").rotate(90, expand=True, fillcolor=255)
    canvas = Image.new("L", (code.width * 3, code.height * 2), color=200)
    canvas.paste(code, (code.width, code.height // 2))
    out = io.BytesIO()
    canvas.convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue()


@pytest.mark.parametrize("make", [_png, _jpeg_photo], ids=["png", "jpeg-photo"])
def test_photo_reads_as_the_gs1_string(make: object) -> None:
    assert callable(make)
    text = decode_image(make())
    assert text.startswith("]d2")
    box = parse_datamatrix(text)
    assert (box.gtin, box.expiry, box.lot, box.serial) == (BOX.gtin, EXPIRY, LOT, SERIAL)
    assert GS in text  # the FNC1 after the lot came through as GS
    assert not box.notes


def test_photo_resolves_to_the_vaccine() -> None:
    result = scan_image(_jpeg_photo(), today=date(2026, 12, 6))
    assert result.status == "reconnu"
    assert result.vaccine == BOX.vaccine


def test_not_an_image_is_refused() -> None:
    with pytest.raises(PracticeValidationError) as caught:
        decode_image(b"%PDF-1.7 not an image")
    assert caught.value.field == "image"


def test_other_formats_are_refused() -> None:
    out = io.BytesIO()
    Image.new("L", (20, 20), 255).save(out, "GIF")
    with pytest.raises(PracticeValidationError) as caught:
        decode_image(out.getvalue())
    assert "PNG ou JPEG" in caught.value.message


def test_image_without_datamatrix_is_refused() -> None:
    out = io.BytesIO()
    Image.new("L", (200, 200), 255).save(out, "PNG")
    with pytest.raises(PracticeValidationError) as caught:
        decode_image(out.getvalue())
    assert "Aucun code DataMatrix" in caught.value.message
