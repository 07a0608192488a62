"""Reading back what was printed: PDF text per page, fonts, pictures."""

from __future__ import annotations

import io
import re

from PIL import Image, ImageDraw
from pypdf import PdfReader


def picture(w: int, h: int, colour=(40, 90, 200), fmt: str = "PNG") -> bytes:
    """A small picture (a ring) as PNG or JPEG bytes: a logo, a stamp, a product photo."""
    img = Image.new("RGB", (w, h), (255, 255, 255))
    ImageDraw.Draw(img).ellipse((2, 2, w - 3, h - 3), outline=colour, width=4)
    buf = io.BytesIO()
    img.save(buf, fmt)
    return buf.getvalue()


def pages(data: bytes) -> list[str]:
    assert data.startswith(b"%PDF-"), data[:20]
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def squash(text: str) -> str:
    """Without any whitespace: a PDF wraps lines (and breaks numbers at hyphens) freely."""
    return re.sub(r"\s+", "", text)


def has(text: str, *needles: str) -> bool:
    flat = squash(text)
    missing = [n for n in needles if squash(n) not in flat]
    assert not missing, f"not in the PDF: {missing}\n---\n{text}"
    return True


def fonts(data: bytes) -> set[str]:
    """Base names of the fonts the PDF uses, and whether each is embedded."""
    out = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            desc = (descendants[0].get_object() if descendants else font).get("/FontDescriptor")
            embedded = bool(desc and desc.get_object().get("/FontFile2"))
            out.add((str(font["/BaseFont"]), embedded))
    return out


def image_count(data: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(data)).pages)
