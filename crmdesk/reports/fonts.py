"""The TrueType fonts embedded in every PDF, so Cyrillic prints whatever the machine has.

The fonts (DejaVu Sans and DejaVu Serif, regular and bold, with their licence) live in
``resources/fonts``; ``crmdesk.config.resources_dir`` finds that folder in the tree, a
wheel or a frozen build. Print forms and reports use the sans family; a proposal's design
may choose the serif one.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from crmdesk.config import resources_dir

REGULAR = "CrmSans"
BOLD = "CrmSans-Bold"
# family → (title, regular font name and file, bold font name and file)
FAMILIES = {
    "sans": ("DejaVu Sans (рубленый)", (REGULAR, "DejaVuSans.ttf"), (BOLD, "DejaVuSans-Bold.ttf")),
    "serif": ("DejaVu Serif (с засечками)", ("CrmSerif", "DejaVuSerif.ttf"),
              ("CrmSerif-Bold", "DejaVuSerif-Bold.ttf")),
}
FILES = {name: file for _, *faces in FAMILIES.values() for name, file in faces}


def font_path(name: str = REGULAR) -> Path:
    return resources_dir() / "fonts" / FILES[name]


@cache
def register_fonts(family: str = "sans") -> tuple[str, str]:
    """Register a family with reportlab once; return the names of its (regular, bold)."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    _, (regular, _), (bold, _) = FAMILIES[family]
    for name in (regular, bold):
        pdfmetrics.registerFont(TTFont(name, str(font_path(name))))
    addMapping(regular, 0, 0, regular)
    addMapping(regular, 1, 0, bold)
    addMapping(regular, 0, 1, regular)
    addMapping(regular, 1, 1, bold)
    return regular, bold
