"""Drawing and reading INS DataMatrix symbols (PNG, SVG) with zxing-cpp.

Writing: zxing-cpp draws a square ECC 200 DataMatrix (the INS DataMatrix is square) with
its quiet zone, as a PNG (via Pillow) or as an SVG for vector documents (PDF prints).

Reading: a raster image (PNG, JPEG...) is opened with Pillow, size-checked, and scanned by
zxing-cpp; an SVG is parsed by :mod:`esante.safexml` (it is external XML), then rasterised
by CairoSVG with every external resource refused, then scanned the same way. The text
found is checked by :func:`~esante.identity.datamatrix.payload.decode_payload`.
"""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path
from typing import Any

import zxingcpp
from lxml import etree
from PIL import Image, UnidentifiedImageError

from esante.identity.datamatrix.payload import InsDataMatrix, decode_payload, encode_payload
from esante.identity.errors import DataMatrixError
from esante.safexml import XmlError, parse_xml

__all__ = ["read_image", "render_png", "render_svg"]

MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
SVG_RASTER_SIDE = 1200
_SVG_ROOT = "{http://www.w3.org/2000/svg}svg"
# a DOCTYPE naming the public SVG DTD, without internal subset: harmless, but refused by
# safexml, so it is removed before parsing (one with "[" is left and refused)
_PLAIN_SVG_DOCTYPE = re.compile(
    rb'<!DOCTYPE\s+svg\s+PUBLIC\s+"[^"<>\[\]]*"\s+"[^"<>\[\]]*"\s*>', re.I
)


def _payload(data: InsDataMatrix | str) -> str:
    return encode_payload(data if isinstance(data, InsDataMatrix) else decode_payload(data))


def _barcode(data: InsDataMatrix | str) -> zxingcpp.Barcode:
    payload = _payload(data)
    try:
        return zxingcpp.create_barcode(
            payload, zxingcpp.BarcodeFormat.DataMatrix, force_square=True
        )
    except Exception as exc:  # zxing-cpp raises plain RuntimeError/ValueError
        raise DataMatrixError(
            "DataMatrix INS : impossible de dessiner le symbole.", detail=repr(exc)
        ) from exc


def _write(path: Path | None, content: bytes) -> None:
    if path is None:
        return
    try:
        path.write_bytes(content)
    except OSError as exc:
        raise DataMatrixError(
            f"Impossible d'écrire le fichier « {path} ».", detail=str(exc), field=str(path)
        ) from exc


def render_png(data: InsDataMatrix | str, path: Path | None = None, *, scale: int = 4) -> bytes:
    """Draw the DataMatrix as a PNG (``scale`` pixels per module); write it to ``path`` if given.

    ``data`` is an :class:`InsDataMatrix` or a payload text (checked first). Returns the
    PNG bytes. Raises :class:`DataMatrixError`.
    """
    image = zxingcpp.write_barcode_to_image(_barcode(data), scale=scale, add_quiet_zones=True)
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    content = buffer.getvalue()
    _write(path, content)
    return content


def render_svg(data: InsDataMatrix | str, path: Path | None = None, *, scale: int = 4) -> str:
    """Draw the DataMatrix as an SVG document; write it to ``path`` if given; return it."""
    svg = zxingcpp.write_barcode_to_svg(_barcode(data), scale=scale, add_quiet_zones=True)
    svg = _PLAIN_SVG_DOCTYPE.sub(b"", svg.encode("utf-8")).decode("utf-8")
    svg = svg.replace("\n\n", "\n")
    _write(path, svg.encode("utf-8"))
    return svg


def _read_source(source: Path | bytes) -> bytes:
    if isinstance(source, bytes | bytearray):
        content = bytes(source)
    else:
        try:
            if source.stat().st_size > MAX_IMAGE_BYTES:
                raise DataMatrixError(
                    f"Image « {source.name} » trop volumineuse.",
                    detail=f"{source}: more than {MAX_IMAGE_BYTES} bytes",
                    field=str(source),
                )
            content = source.read_bytes()
        except OSError as exc:
            raise DataMatrixError(
                f"Image « {source} » introuvable ou illisible.", detail=str(exc), field=str(source)
            ) from exc
    if len(content) > MAX_IMAGE_BYTES:
        raise DataMatrixError(
            "Image trop volumineuse.", detail=f"{len(content)} bytes > {MAX_IMAGE_BYTES}"
        )
    if not content:
        raise DataMatrixError("Image vide.", detail="0 bytes")
    return content


def _svg_size(root: Any) -> tuple[int, int]:
    """Raster size keeping the SVG's aspect ratio, the longer side SVG_RASTER_SIDE."""
    width = height = None
    box = (root.get("viewBox") or "").replace(",", " ").split()
    try:
        if len(box) == 4:
            width, height = float(box[2]), float(box[3])
        else:
            width = float(re.sub(r"(px)?\s*$", "", root.get("width", "")))
            height = float(re.sub(r"(px)?\s*$", "", root.get("height", "")))
    except ValueError:
        pass
    if not width or not height or width <= 0 or height <= 0 or not 0.05 < height / width < 20:
        return SVG_RASTER_SIDE, SVG_RASTER_SIDE
    if width >= height:
        return SVG_RASTER_SIDE, max(1, round(SVG_RASTER_SIDE * height / width))
    return max(1, round(SVG_RASTER_SIDE * width / height)), SVG_RASTER_SIDE


def _refuse_url(url: str, resource_type: str) -> bytes:
    raise DataMatrixError(
        "Image SVG : les ressources externes sont refusées.",
        detail=f"external {resource_type} resource refused: {url[:80]!r}",
    )


def _rasterise_svg(content: bytes) -> Image.Image:
    cleaned = _PLAIN_SVG_DOCTYPE.sub(b"", content, count=1)
    try:
        root = parse_xml(cleaned, what="image SVG", max_bytes=MAX_IMAGE_BYTES)
    except XmlError as exc:
        raise DataMatrixError(exc.message, detail=exc.detail) from exc
    if root.tag != _SVG_ROOT:
        raise DataMatrixError(
            "Le fichier n'est pas une image SVG.", detail=f"root element {root.tag!r}"
        )
    width, height = _svg_size(root)
    # imported here: cairosvg costs ~0.3 s to import and only SVG reading needs it
    from cairosvg.surface import PNGSurface

    try:
        png = PNGSurface.convert(
            bytestring=etree.tostring(root),
            output_width=width,
            output_height=height,
            background_color="white",
            url_fetcher=_refuse_url,
        )
    except DataMatrixError:
        raise
    except Exception as exc:  # CairoSVG raises many unrelated types on bad input
        raise DataMatrixError("Image SVG illisible.", detail=f"cairosvg: {exc!r}") from exc
    return Image.open(io.BytesIO(png))


def _open_raster(content: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # verify() checks the whole file (PNG CRCs, truncation) whatever the global
            # ImageFile.LOAD_TRUNCATED_IMAGES says: WeasyPrint sets it to True on import,
            # and a truncated image must still be refused, not half-read
            Image.open(io.BytesIO(content)).verify()
            image = Image.open(io.BytesIO(content))
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise DataMatrixError(
                    "Image trop grande pour être lue.",
                    detail=f"{image.width}x{image.height} pixels > {MAX_IMAGE_PIXELS}",
                )
            image.load()
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise DataMatrixError(
            "Format d'image non reconnu (PNG, JPEG ou SVG attendu).", detail=repr(exc)
        ) from exc
    except OSError as exc:
        raise DataMatrixError("Image illisible ou tronquée.", detail=repr(exc)) from exc
    return image


def read_image(source: Path | bytes) -> InsDataMatrix:
    """Find and decode the INS DataMatrix in an image file or image bytes (PNG, JPEG, SVG...).

    Raises :class:`DataMatrixError` when the image cannot be read, holds no DataMatrix,
    holds several INS DataMatrix, or when the text found is not a valid INS DataMatrix.
    """
    content = _read_source(source)
    looks_like_xml = content.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")
    image = _rasterise_svg(content) if looks_like_xml else _open_raster(content)
    found = zxingcpp.read_barcodes(
        image.convert("L"),
        formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.DataMatrix),
        text_mode=zxingcpp.TextMode.Plain,
    )
    if not found:
        raise DataMatrixError(
            "Aucun DataMatrix lisible dans l'image.",
            detail=f"zxing-cpp found no DataMatrix in a {image.width}x{image.height} image",
        )
    ins_codes = [b.text for b in found if b.text.startswith("IS")]
    if len(ins_codes) > 1 and len(set(ins_codes)) > 1:
        raise DataMatrixError(
            "Plusieurs DataMatrix INS différents dans l'image : impossible de choisir.",
            detail=f"{len(ins_codes)} INS DataMatrix found",
        )
    return decode_payload(ins_codes[0] if ins_codes else found[0].text)
