"""Reading the DataMatrix of a vaccine box from a photo (camera or upload).

The image (PNG or JPEG) is opened with Pillow and decoded with ``zxing-cpp`` in plain
text mode, so the FNC1 separators come back as GS (0x1D) exactly as a scanner sends
them; a GS1 DataMatrix (symbology identifier ``]d2``) is given back with its prefix, and
:func:`esante.practice.vaccination.scan.parse_datamatrix` reads the result.
"""

from __future__ import annotations

import io
import warnings
from typing import Final

import zxingcpp
from PIL import Image, UnidentifiedImageError

from esante.practice.errors import PracticeValidationError

MAX_PIXELS: Final = 40_000_000
"""A phone photo is ~12-50 Mpx; anything above is refused before decoding (memory)."""
FORMATS: Final = frozenset({"PNG", "JPEG"})


def _refuse(message: str, detail: str) -> PracticeValidationError:
    return PracticeValidationError(message, detail=detail, field="image")


def decode_image(data: bytes) -> str:
    """The DataMatrix text of a PNG or JPEG photo of a box (``]d2`` + element strings).

    Raises :class:`PracticeValidationError` (``field="image"``) when the file is not a
    PNG/JPEG image, too large, or holds no readable DataMatrix (or several).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in FORMATS:
                raise _refuse(
                    "Image non prise en charge : envoyez une photo PNG ou JPEG de la boîte.",
                    f"image format {image.format!r}",
                )
            if image.width * image.height > MAX_PIXELS:
                raise _refuse(
                    "Image trop grande : réduisez la photo (40 millions de pixels au plus).",
                    f"{image.width}x{image.height} pixels",
                )
            image.load()
    except (UnidentifiedImageError, Image.DecompressionBombWarning, OSError) as exc:
        raise _refuse(
            "Le fichier envoyé n'est pas une image lisible (PNG ou JPEG attendu).",
            f"{type(exc).__name__}: {exc}",
        ) from exc
    found = zxingcpp.read_barcodes(
        image.convert("L"),
        formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.DataMatrix),
        text_mode=zxingcpp.TextMode.Plain,
    )
    if not found:
        raise _refuse(
            "Aucun code DataMatrix lisible sur la photo : cadrez le code de la boîte, net et "
            "bien éclairé, ou scannez-le à la douchette.",
            "zxing-cpp found no DataMatrix",
        )
    texts = sorted({b.text for b in found})
    if len(texts) > 1:
        raise _refuse(
            "Plusieurs codes DataMatrix différents sur la photo : photographiez une seule boîte.",
            f"{len(texts)} DataMatrix: {texts!r}",
        )
    barcode = found[0]
    prefix = "]d2" if barcode.symbology_identifier == "]d2" else ""
    return prefix + barcode.text


__all__ = ["decode_image"]
