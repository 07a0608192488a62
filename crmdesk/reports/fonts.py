"""The TrueType fonts embedded in every PDF, so Cyrillic prints whatever the machine has.

The fonts (DejaVu Sans, regular and bold, with their licence) live in ``resources/fonts``;
``crmdesk.config.resources_dir`` finds that folder in the tree, a wheel or a frozen build.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from crmdesk.config import resources_dir

REGULAR = "CrmSans"
BOLD = "CrmSans-Bold"
FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}


def font_path(name: str = REGULAR) -> Path:
    return resources_dir() / "fonts" / FILES[name]


@cache
def register_fonts() -> tuple[str, str]:
    """Register the fonts with reportlab once; return the names of (regular, bold)."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for name in FILES:
        pdfmetrics.registerFont(TTFont(name, str(font_path(name))))
    addMapping(REGULAR, 0, 0, REGULAR)
    addMapping(REGULAR, 1, 0, BOLD)
    addMapping(REGULAR, 0, 1, REGULAR)
    addMapping(REGULAR, 1, 1, BOLD)
    return REGULAR, BOLD
