"""The INS DataMatrix printed on health documents: payload text and images.

:mod:`.payload` builds and parses the text (header ``IS01`` + blocks S1-S7, ANS format);
:mod:`.image` draws it as PNG or SVG and reads it back from images with zxing-cpp.
"""

from esante.identity.datamatrix.image import read_image, render_png, render_svg
from esante.identity.datamatrix.payload import (
    GS,
    HEADER,
    InsDataMatrix,
    decode_payload,
    encode_payload,
)

__all__ = [
    "GS",
    "HEADER",
    "InsDataMatrix",
    "decode_payload",
    "encode_payload",
    "read_image",
    "render_png",
    "render_svg",
]
