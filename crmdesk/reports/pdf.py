"""What every PDF of crmdesk shares: embedded fonts, paragraph styles, images, page footer."""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, Frame, Image, PageTemplate, SimpleDocTemplate, TableStyle

from crmdesk.reports.fonts import register_fonts
from crmdesk.services.money import format_money


def styles(size: float = 9, family: str = "sans") -> dict[str, ParagraphStyle]:
    regular, bold = register_fonts(family)
    base = ParagraphStyle("base", fontName=regular, fontSize=size, leading=size * 1.22)
    return {
        "base": base,
        "small": ParagraphStyle("small", base, fontSize=size - 2, leading=(size - 2) * 1.2),
        "bold": ParagraphStyle("bold", base, fontName=bold),
        "right": ParagraphStyle("right", base, alignment=TA_RIGHT),
        "right_bold": ParagraphStyle("right_bold", base, fontName=bold, alignment=TA_RIGHT),
        "center": ParagraphStyle("center", base, alignment=TA_CENTER),
        "head": ParagraphStyle("head", base, fontSize=size - 1, leading=(size - 1) * 1.2,
                               alignment=TA_CENTER),
        "center_bold": ParagraphStyle("center_bold", base, fontName=bold, alignment=TA_CENTER),
        "title": ParagraphStyle(
            "title", base, fontName=bold, fontSize=size + 5, leading=(size + 5) * 1.25,
            alignment=TA_LEFT, spaceBefore=2 * mm, spaceAfter=1 * mm,
        ),
        "h2": ParagraphStyle(
            "h2", base, fontName=bold, fontSize=size + 2, leading=(size + 2) * 1.3,
            spaceBefore=2 * mm, spaceAfter=1 * mm,
        ),
    }


def table_style(commands: list, family: str = "sans") -> TableStyle:
    """A TableStyle whose plain-string cells use the embedded font, not Helvetica."""
    regular, _ = register_fonts(family)
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), regular), *commands])


def text(value) -> str:
    """Plain text for a Paragraph: markup characters escaped, newlines kept."""
    return escape("" if value is None else str(value)).replace("\n", "<br/>")


def money(value: Decimal | None) -> str:
    return "-" if value is None else format_money(value)


def quantity(value: Decimal | None) -> str:
    """Decimal('3.000') → '3', Decimal('2.500') → '2,5'."""
    if value is None:
        return ""
    text_ = f"{Decimal(value).normalize():f}"
    if "." in text_:
        whole, frac = text_.split(".")
    else:
        whole, frac = text_, ""
    whole = f"{int(whole):,}".replace(",", "\u00a0") if whole.lstrip("-").isdigit() else whole
    return whole + ("," + frac if frac else "")


def image(data: bytes | None, max_w: float, max_h: float, h_align: str = "LEFT"):
    """An image scaled into a box keeping its proportions; None for no or broken data."""
    if not data:
        return None
    try:
        reader = ImageReader(io.BytesIO(data))
        w, h = reader.getSize()
    except Exception:  # a broken picture must not stop printing the document
        return None
    scale = min(max_w / w, max_h / h)
    img = Image(io.BytesIO(data), width=w * scale, height=h * scale)
    img.hAlign = h_align
    return img


class Floating(Flowable):
    """A picture drawn over its neighbours without taking room (stamp, facsimile)."""

    def __init__(self, data: bytes, width: float, height: float, dx: float = 0, dy: float = 0):
        super().__init__()
        self.data, self.box_w, self.box_h, self.dx, self.dy = data, width, height, dx, dy
        reader = ImageReader(io.BytesIO(data))
        w, h = reader.getSize()
        scale = min(width / w, height / h)
        self.draw_w, self.draw_h, self.reader = w * scale, h * scale, reader

    def wrap(self, avail_w, avail_h):
        return 0, 0

    def draw(self):
        self.canv.drawImage(
            self.reader, self.dx, self.dy, self.draw_w, self.draw_h, mask="auto"
        )


def floating(data: bytes | None, width: float, height: float, dx: float = 0, dy: float = 0):
    if not data:
        return None
    try:
        return Floating(data, width, height, dx, dy)
    except Exception:
        return None


class _Document(SimpleDocTemplate):
    """A page template whose frame has no inner padding: a table 180 mm wide fills an A4
    page with 15 mm margins exactly and lines up with the paragraphs above and below it."""

    def build(self, flowables, onFirstPage=None, onLaterPages=None):  # noqa: N803
        self._calc()
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="normal",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        self.addPageTemplates([
            PageTemplate(id="First", frames=[frame], onPage=onFirstPage, pagesize=self.pagesize),
            PageTemplate(id="Later", frames=[frame], onPage=onLaterPages, pagesize=self.pagesize),
        ])
        from reportlab.platypus.doctemplate import BaseDocTemplate

        BaseDocTemplate.build(self, flowables)


def build(
    story: list,
    pagesize=A4,
    margins: tuple[float, float, float, float] = (15 * mm, 15 * mm, 12 * mm, 14 * mm),
    footer: Callable | None = None,
    title: str = "",
    first_page: Callable | None = None,
) -> bytes:
    """Lay the story out on pages; ``footer(canvas, doc)`` runs on every page."""
    buf = io.BytesIO()
    left, right, top, bottom = margins
    doc = _Document(
        buf,
        pagesize=pagesize,
        leftMargin=left,
        rightMargin=right,
        topMargin=top,
        bottomMargin=bottom,
        title=title,
        author="crmdesk",
        creator="crmdesk",
        # the canvas starts in our font, so no standard (non-embedded) font is referenced
        initialFontName=register_fonts()[0],
        initialFontSize=9,
    )

    def on_first(canvas, d):
        if first_page:
            first_page(canvas, d)
        if footer:
            footer(canvas, d)

    def on_later(canvas, d):
        if footer:
            footer(canvas, d)

    doc.build([f for f in story if f is not None], onFirstPage=on_first, onLaterPages=on_later)
    return buf.getvalue()


def page_number_footer(label: str, skip_first: bool = True) -> Callable:
    """«<label> — стр. 2» at the bottom right of each page (from the second, by default)."""
    regular, _ = register_fonts()

    def draw(canvas, doc):
        page = canvas.getPageNumber()
        if skip_first and page == 1:
            return
        canvas.saveState()
        canvas.setFont(regular, 7)
        canvas.setFillColor(colors.grey)
        canvas.drawRightString(
            doc.pagesize[0] - doc.rightMargin, doc.bottomMargin / 2, f"{label} — стр. {page}"
        )
        canvas.restoreState()

    return draw
