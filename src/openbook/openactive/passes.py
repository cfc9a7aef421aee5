"""Pictures of the seller's access-pass barcodes, for a customer's app to show at the door.

A Barcode in ``accessPass`` carries its ``text`` and, as ``url``, the address of its picture here. The
picture holds nothing the text does not, so it is served to anyone who has the address, without a lookup
(renewed codes still draw: the door checks validity, not the picture).
"""

from __future__ import annotations

import io
import re
from functools import lru_cache

from barcode import Code128
from barcode.writer import SVGWriter
from starlette.requests import Request
from starlette.responses import Response

# The shape of the barcodes openbook issues (domain.access: 12 digits); nothing else is drawn.
_SELLER_BARCODE = re.compile(r"[0-9]{6,32}")


@lru_cache(maxsize=1024)
def barcode_svg(text: str) -> bytes:
    """A Code 128 picture of ``text``, with the text printed under the bars."""
    out = io.BytesIO()
    Code128(text, writer=SVGWriter()).write(out, options={"module_height": 15.0, "font_size": 10})
    return out.getvalue()


async def pass_image(request: Request) -> Response:
    text = request.path_params["text"]
    if not _SELLER_BARCODE.fullmatch(text):
        return Response(b'{"error": "not an access pass issued here"}', 404, media_type="application/json")
    # The same text always draws the same picture.
    return Response(barcode_svg(text), media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})
