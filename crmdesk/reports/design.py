"""The commercial proposal's design, kept in the database so every user prints the same.

Stored as the setting ``proposal_design`` (JSON; the logo override as base64). The API a
settings form needs, with no Qt in it:

    list_designs() -> list[DesignInfo]          the built-in layouts (code, title, …)
    FONTS, FIELDS                               font choices; field → label
    get_design(session) -> ProposalDesign       the stored design (defaults until saved)
    save_design(ctx, design | {changes})        validate and store; «Администрирование»
    reset_design(ctx)                           back to the defaults
    apply_layout(design, code) -> ProposalDesign  switch layout with its colour and font
    preview_design(ctx, design=None, doc_id=None) -> bytes   a PDF, nothing saved
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from dataclasses import asdict, dataclass, fields, replace

from sqlalchemy.orm import Session

from crmdesk.reports.fonts import FAMILIES
from crmdesk.services import rights
from crmdesk.services.context import Context
from crmdesk.services.errors import Collector, ValidationError
from crmdesk.services.settings import get_setting, set_setting

SETTING = "proposal_design"
COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
MAX_TEXT = 4000
MAX_LOGO = 2 * 1024 * 1024


@dataclass(frozen=True)
class DesignInfo:
    """A built-in layout the settings form offers."""

    code: str
    title: str
    description: str
    accent: str  # its suggested accent colour
    font: str  # its suggested font family (a key of FONTS)


BUILT_IN = [
    DesignInfo("classic", "Классический",
               "Бланк письма: логотип и реквизиты в шапке, таблица товаров с фотографиями, "
               "итоги, условия и подпись менеджера.", "#1F4E79", "serif"),
    DesignInfo("modern", "Современный",
               "Цветная полоса с логотипом вверху первой страницы, товары карточками с "
               "фотографиями, итог в цветной плашке.", "#2E7D32", "sans"),
]
DESIGNS = {d.code: d.title for d in BUILT_IN}
FONTS = {code: title for code, (title, *_faces) in FAMILIES.items()}
DEFAULT_INTRO = (
    "Благодарим вас за интерес к нашей компании! Предлагаем рассмотреть следующие товары "
    "и услуги на выгодных условиях."
)
DEFAULT_TERMS = (
    "Доставка: по городу — на следующий рабочий день после оплаты.\n"
    "Оплата: безналичный расчёт, 100% предоплата по счёту.\n"
    "Гарантия: 12 месяцев на оборудование и работы."
)
FIELDS = {  # what the settings form edits, with its labels
    "design": "Макет",
    "accent": "Цвет акцента",
    "font": "Шрифт",
    "logo": "Логотип",
    "show_logo": "Печатать логотип",
    "intro": "Вступление",
    "terms": "Условия (строка — пункт)",
    "footer": "Нижний колонтитул",
    "validity_days": "Срок действия, дней",
    "show_images": "Фотографии товаров",
}


@dataclass
class ProposalDesign:
    """How proposals look: a built-in design, colour, texts; None/empty means the default."""

    design: str = "classic"
    accent: str = "#1F4E79"
    font: str = "serif"  # a key of FONTS
    intro: str = DEFAULT_INTRO
    terms: str = DEFAULT_TERMS  # one condition a line
    footer: str = ""  # empty: the organization's name, phone and e-mail
    logo: bytes | None = None  # overrides the organization's logo (None: use that one)
    show_logo: bool = True
    validity_days: int = 14  # new proposals' «Действует до» (settings.proposal_valid_days)
    show_images: bool = True

    def to_json(self) -> dict:
        data = asdict(self)
        data["logo"] = base64.b64encode(self.logo).decode("ascii") if self.logo else None
        return data

    @classmethod
    def from_json(cls, data: dict | None) -> ProposalDesign:
        known = {f.name for f in fields(cls)}
        data = data if isinstance(data, dict) else {}
        values = {k: v for k, v in data.items() if k in known}
        logo = values.get("logo")
        if isinstance(logo, str):
            try:
                values["logo"] = base64.b64decode(logo, validate=True)
            except (binascii.Error, ValueError):
                values["logo"] = None
        return cls(**values)


def list_designs() -> list[DesignInfo]:
    """The built-in layouts, for the settings form's choice."""
    return list(BUILT_IN)


def get_design(session: Session) -> ProposalDesign:
    """The design every user prints with (the defaults until an administrator saves one).

    A stored value this version cannot use (a layout or font it does not know, a broken
    colour) falls back to the default of that field rather than stopping the printing."""
    design = ProposalDesign.from_json(get_setting(session, SETTING))
    defaults = ProposalDesign()
    if design.design not in DESIGNS:
        design.design = defaults.design
    if design.font not in FONTS:
        design.font = defaults.font
    if not isinstance(design.accent, str) or not COLOUR.match(design.accent):
        design.accent = defaults.accent
    days = design.validity_days
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 365:
        design.validity_days = defaults.validity_days
    for name in ("intro", "terms", "footer"):
        if not isinstance(getattr(design, name), str):
            setattr(design, name, getattr(defaults, name) if name != "footer" else "")
    return design


def validate_design(design: ProposalDesign | dict, base: ProposalDesign | None = None
                    ) -> ProposalDesign:
    """Check every field; all mistakes are reported together (InvalidData) or one alone.

    A dict holds changes over ``base`` (the defaults when None): {"accent": "#C00000"}."""
    if isinstance(design, dict):
        unknown = set(design) - {f.name for f in fields(ProposalDesign)}
        if unknown:
            raise ValidationError("Оформление", f"неизвестные поля: {', '.join(sorted(unknown))}")
        design = replace(base or ProposalDesign(), **design)
    else:
        design = replace(design)
    col = Collector()
    if design.design not in DESIGNS:
        col.add(FIELDS["design"], f"нет макета «{design.design}»; есть: {', '.join(DESIGNS)}")
    if not isinstance(design.accent, str) or not COLOUR.match(design.accent):
        col.add(FIELDS["accent"], f"«{design.accent}» — нужен цвет вида #1F4E79")
    if design.font not in FONTS:
        col.add(FIELDS["font"], f"нет шрифта «{design.font}»; есть: {', '.join(FONTS)}")
    for name, limit in (("intro", MAX_TEXT), ("terms", MAX_TEXT), ("footer", 500)):
        value = getattr(design, name)
        if value is not None and not isinstance(value, str):
            col.add(FIELDS[name], "должно быть текстом")
        elif value and len(value) > limit:
            col.add(FIELDS[name], f"длиннее {limit} символов")
    days = design.validity_days
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 365:
        col.add(FIELDS["validity_days"], f"«{days}» — нужно целое число от 1 до 365")
    if design.logo is not None:
        if not isinstance(design.logo, bytes | bytearray) or len(design.logo) > MAX_LOGO:
            col.add(FIELDS["logo"], "нужна картинка PNG или JPEG не больше 2 МБ")
        elif not _is_picture(bytes(design.logo)):
            col.add(FIELDS["logo"], "файл не является картинкой PNG или JPEG")
    col.raise_if_any()
    design.accent = design.accent.upper()
    design.intro = design.intro or ""
    design.terms = design.terms or ""
    design.footer = design.footer or ""
    design.logo = bytes(design.logo) if design.logo is not None else None
    design.show_images = bool(design.show_images)
    design.show_logo = bool(design.show_logo)
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
    """Validate and store the design for everybody; needs the «Администрирование» right.

    ``design`` is a whole ProposalDesign, or a dict of the fields to change in the stored
    one ({"accent": "#C00000", "intro": "…"}); returns what was stored."""
    rights.require(ctx.user, rights.ADMIN)
    design = validate_design(design, get_design(ctx.session))
    set_setting(ctx.session, SETTING, design.to_json())
    return design


def reset_design(ctx: Context) -> ProposalDesign:
    """Back to the built-in defaults (the «classic» layout); needs «Администрирование»."""
    return save_design(ctx, ProposalDesign())


def apply_layout(design: ProposalDesign, code: str) -> ProposalDesign:
    """The design switched to another built-in layout with that layout's colour and font
    (what the settings form shows when one picks a layout; texts and logo are kept)."""
    info = next((d for d in BUILT_IN if d.code == code), None)
    if info is None:
        raise ValidationError(FIELDS["design"], f"нет макета «{code}»; есть: {', '.join(DESIGNS)}")
    return replace(design, design=code, accent=info.accent, font=info.font)


def preview_design(ctx: Context, design: ProposalDesign | dict | None = None,
                   doc_id: int | None = None) -> bytes:
    """A proposal PDF in ``design`` (a dict: changes over the stored design; None: the
    stored one) without saving anything: of the proposal ``doc_id``, or of a sample with
    the organization's requisites when None — the settings form's preview."""
    from crmdesk.reports.proposal import proposal_pdf, sample_proposal
    from crmdesk.reports.proposal_pdf import render

    stored = get_design(ctx.session)
    if design is None:
        design = stored
    design = validate_design(design, stored)
    if doc_id is not None:
        return proposal_pdf(ctx, doc_id, design)
    return render(sample_proposal(ctx, design))
