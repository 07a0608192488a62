"""The commercial proposal's design, kept in the database so every user prints the same.

Stored as the setting ``proposal_design`` (JSON; the logo override as base64).
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from dataclasses import asdict, dataclass, fields

from sqlalchemy.orm import Session

from crmdesk.services import rights
from crmdesk.services.context import Context
from crmdesk.services.errors import Collector, ValidationError
from crmdesk.services.settings import get_setting, set_setting

SETTING = "proposal_design"
DESIGNS = {"classic": "Классический", "modern": "Современный"}
COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
MAX_TEXT = 4000
MAX_LOGO = 2 * 1024 * 1024

DEFAULT_INTRO = (
    "Благодарим вас за интерес к нашей компании! Предлагаем рассмотреть следующие товары "
    "и услуги на выгодных условиях."
)
DEFAULT_TERMS = (
    "Доставка: по городу — на следующий рабочий день после оплаты.\n"
    "Оплата: безналичный расчёт, 100% предоплата по счёту.\n"
    "Гарантия: 12 месяцев на оборудование и работы."
)


@dataclass
class ProposalDesign:
    """How proposals look: a built-in design, colour, texts; None/empty means the default."""

    design: str = "classic"
    accent: str = "#1F4E79"
    intro: str = DEFAULT_INTRO
    terms: str = DEFAULT_TERMS
    footer: str = ""  # empty: the organization's name, phone and e-mail
    logo: bytes | None = None  # overrides the organization's logo
    validity_days: int = 14  # when the proposal has no «valid until» date of its own
    show_images: bool = True

    def to_json(self) -> dict:
        data = asdict(self)
        data["logo"] = base64.b64encode(self.logo).decode("ascii") if self.logo else None
        return data

    @classmethod
    def from_json(cls, data: dict | None) -> ProposalDesign:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in (data or {}).items() if k in known}
        logo = values.get("logo")
        if isinstance(logo, str):
            try:
                values["logo"] = base64.b64decode(logo, validate=True)
            except (binascii.Error, ValueError):
                values["logo"] = None
        return cls(**values)


def get_design(session: Session) -> ProposalDesign:
    """The design every user prints with (the defaults until an administrator saves one)."""
    return ProposalDesign.from_json(get_setting(session, SETTING))


def validate_design(design: ProposalDesign | dict) -> ProposalDesign:
    """Check every field; all mistakes are reported together (InvalidData) or one alone."""
    if isinstance(design, dict):
        unknown = set(design) - {f.name for f in fields(ProposalDesign)}
        if unknown:
            raise ValidationError("Оформление", f"неизвестные поля: {', '.join(sorted(unknown))}")
        design = ProposalDesign(**design)
    col = Collector()
    if design.design not in DESIGNS:
        col.add("Макет", f"нет макета «{design.design}»; есть: {', '.join(DESIGNS)}")
    if not isinstance(design.accent, str) or not COLOUR.match(design.accent):
        col.add("Цвет акцента", f"«{design.accent}» — нужен цвет вида #1F4E79")
    for name, title, limit in (
        ("intro", "Вступление", MAX_TEXT),
        ("terms", "Условия", MAX_TEXT),
        ("footer", "Нижний колонтитул", 500),
    ):
        value = getattr(design, name)
        if value is not None and not isinstance(value, str):
            col.add(title, "должно быть текстом")
        elif value and len(value) > limit:
            col.add(title, f"длиннее {limit} символов")
    days = design.validity_days
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 365:
        col.add("Срок действия, дней", f"«{days}» — нужно целое число от 1 до 365")
    if design.logo is not None:
        if not isinstance(design.logo, bytes | bytearray) or len(design.logo) > MAX_LOGO:
            col.add("Логотип", "нужна картинка PNG или JPEG не больше 2 МБ")
        elif not _is_picture(bytes(design.logo)):
            col.add("Логотип", "файл не является картинкой PNG или JPEG")
    col.raise_if_any()
    design.accent = design.accent.upper()
    design.show_images = bool(design.show_images)
    return design


def _is_picture(data: bytes) -> bool:
    if not (data.startswith(b"\x89PNG\r\n\x1a\n") or data.startswith(b"\xff\xd8")):
        return False
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as img:
            img.verify()
        return True
    except Exception:
        return False


def save_design(ctx: Context, design: ProposalDesign | dict) -> ProposalDesign:
    """Validate and store the design for everybody; needs the «Администрирование» right."""
    rights.require(ctx.user, rights.ADMIN)
    design = validate_design(design)
    set_setting(ctx.session, SETTING, design.to_json())
    return design
