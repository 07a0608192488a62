"""Коммерческое предложение in the company's design: what the PDF says in each built-in
layout, and the design API a settings form uses (stored in the database for everybody)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date

import pytest
from pdfcheck import fonts, has, image_count, pages, picture
from PIL import Image
from sqlalchemy import select

from crmdesk.models import Document, Organization
from crmdesk.reports import print_document, print_forms
from crmdesk.reports.design import (
    FIELDS,
    FONTS,
    ProposalDesign,
    apply_layout,
    get_design,
    list_designs,
    preview_design,
    reset_design,
    save_design,
)
from crmdesk.reports.proposal import proposal_pdf
from crmdesk.services.clients import create_client
from crmdesk.services.documents import create_document
from crmdesk.services.errors import AccessDenied, InvalidData, ValidationError


@pytest.fixture
def proposal(org, products):
    with org("ivanov") as ctx:
        client = create_client(ctx, {
            "name": "ООО «Альфа»",
            "full_name": "Общество с ограниченной ответственностью «Альфа»",
            "contacts": [{"name": "Сидоров Сергей", "position": "Главный инженер"}],
        })
        doc = create_document(ctx, "proposal", client.id, {
            "date": date(2026, 11, 24),
            "contact_id": client.contacts[0].id,
            "lines": [
                {"product_id": products.pump, "quantity": 2},  # 2 × 1 000,00
                {"product_id": products.tap, "quantity": 10, "discount_pct": 5},  # 2 375,00
                {"description": "Монтаж системы", "quantity": 1, "price": 5000,
                 "vat_rate": 22},
            ],
        })
        return doc.id, doc.number


EVERYTHING = [
    # letterhead and addressee
    "ООО «ТеплоДом»", "ИНН 7729141771", "КПП 770101001", "info@teplodom.ru",
    "Общество с ограниченной ответственностью «Альфа»", "Главный инженер: Сидоров Сергей",
    # validity: 14 days from the date by default
    "Предложение действительно до 08.12.2026",
    # the goods, with the product card's description
    "Насос циркуляционный", "Насос для систем отопления, гарантия 2 года", "Кран шаровой",
    "Монтаж системы", "2 000,00", "2 375,00", "5 000,00",
    # totals with VAT, in words, terms, the manager
    "Итого: 9 375,00", "В том числе НДС (22%): 1 690,58", "Всего: 9 375,00",
    "Девять тысяч триста семьдесят пять рублей 00 копеек",
    "Доставка: по городу", "Оплата: безналичный расчёт", "Гарантия: 12 месяцев",
    "С уважением,", "Иванов Иван Иванович", "Менеджер по продажам",
    "+7 (916) 123-45-67", "ivanov@teplodom.ru", "/И.И. Иванов/",
]


@pytest.mark.parametrize("layout", ["classic", "modern"])
def test_proposal_in_each_built_in_design(org, proposal, layout):
    doc_id, number = proposal
    with org() as ctx:
        save_design(ctx, apply_layout(get_design(ctx.session), layout))
    with org("ivanov") as ctx:
        data = proposal_pdf(ctx, doc_id)
        assert print_document(ctx, "proposal", doc_id, "pdf")[:5] == b"%PDF-"
    text = "\n".join(pages(data))
    has(text, f"Коммерческое предложение № {number} от 24 ноября 2026 г.", *EVERYTHING)
    assert "скидка 5" in text
    assert image_count(data) == 1  # the pump's picture (no logo yet)
    family = "DejaVuSerif" if layout == "classic" else "DejaVuSans"
    used = fonts(data)
    assert all(embedded for _, embedded in used)
    assert any(family in name for name, _ in used), used


def test_design_is_stored_for_everybody(org, proposal, tmp_path):
    doc_id, _ = proposal
    logo = picture(240, 80, (200, 0, 0))
    with org() as ctx:
        stored = save_design(ctx, {
            "design": "modern", "accent": "#c00000", "font": "sans",
            "intro": "Рады предложить вам решение под ключ.",
            "terms": "Срок поставки — 3 дня\n\nМонтаж — 1 день",
            "footer": "ТеплоДом — тепло в каждый дом", "logo": logo, "validity_days": 30,
        })
        assert stored.accent == "#C00000"
    with org("petrov") as ctx:  # another user, another session: the same design
        design = get_design(ctx.session)
    assert (design.design, design.accent, design.font, design.validity_days) == (
        "modern", "#C00000", "sans", 30)
    assert design.logo == logo and design.terms == "Срок поставки — 3 дня\n\nМонтаж — 1 день"
    with org("ivanov") as ctx:
        data = proposal_pdf(ctx, doc_id)
    text = "\n".join(pages(data))
    # a proposal made before keeps its own date; a new one is valid for the design's 30 days
    has(text, "Рады предложить вам решение под ключ.", "Срок поставки — 3 дня",
        "Монтаж — 1 день", "ТеплоДом — тепло в каждый дом",
        "Предложение действительно до 08.12.2026")
    with org("ivanov") as ctx:
        old = ctx.session.get(Document, doc_id)
        new = create_document(ctx, "proposal", old.client_id, {"date": old.date})
        assert new.due_date == date(2026, 12, 24)
    assert "Доставка: по городу" not in text
    assert image_count(data) == 2  # the design's logo and the pump
    if shutil.which("pdftoppm"):  # the accent colour is what the band is painted in
        (tmp_path / "p.pdf").write_bytes(data)
        subprocess.run(["pdftoppm", "-png", "-r", "30", "-f", "1", "-l", "1",
                        str(tmp_path / "p.pdf"), str(tmp_path / "p")], check=True, timeout=60)
        img = Image.open(next(tmp_path.glob("p*.png"))).convert("RGB")
        assert img.getpixel((img.width - 5, 5)) == (192, 0, 0)
    # a change of one field keeps the others
    with org() as ctx:
        save_design(ctx, {"intro": "Другое вступление"})
        again = get_design(ctx.session)
    assert (again.intro, again.accent, again.logo) == ("Другое вступление", "#C00000", logo)


def test_only_an_administrator_changes_the_design_and_mistakes_are_named(org):
    with org("ivanov") as ctx:
        with pytest.raises(AccessDenied):
            save_design(ctx, {"accent": "#000000"})
    with org() as ctx:
        with pytest.raises(InvalidData) as err:
            save_design(ctx, {"design": "baroque", "accent": "red", "font": "comic",
                              "logo": b"not a picture", "validity_days": 0,
                              "footer": "x" * 501})
        message = str(err.value)
        for label in ("Макет", "Цвет акцента", "Шрифт", "Логотип", "Срок действия, дней",
                      "Нижний колонтитул"):
            assert label in message, message
        with pytest.raises(ValidationError, match="неизвестные поля: colour"):
            save_design(ctx, {"colour": "#000000"})
        assert get_design(ctx.session) == ProposalDesign()  # nothing was stored


def test_the_settings_form_api(org, proposal):
    doc_id, _ = proposal
    layouts = list_designs()
    assert [d.code for d in layouts] == ["classic", "modern"]
    assert all(d.title and d.description and d.accent.startswith("#") and d.font in FONTS
               for d in layouts)
    assert set(FONTS) == {"sans", "serif"}
    assert {"design", "accent", "font", "logo", "intro", "terms", "footer"} <= set(FIELDS)
    modern = apply_layout(ProposalDesign(intro="Своё"), "modern")
    assert (modern.design, modern.accent, modern.font, modern.intro) == (
        "modern", "#2E7D32", "sans", "Своё")
    with pytest.raises(ValidationError):
        apply_layout(ProposalDesign(), "gothic")
    with org() as ctx:
        # a preview of unsaved changes: a sample proposal, or a real one; nothing stored
        sample = "\n".join(pages(preview_design(ctx, {"intro": "Проба пера"})))
        has(sample, "Проба пера", "ООО «ТеплоДом»", "ИНН 7729141771", "Насос циркуляционный",
            "Всего: 35 500,00")
        real = "\n".join(pages(preview_design(ctx, modern, doc_id=doc_id)))
        has(real, "Своё", "Кран шаровой")
        assert get_design(ctx.session) == ProposalDesign()
        save_design(ctx, {"accent": "#123456"})
        assert reset_design(ctx) == ProposalDesign()
        assert get_design(ctx.session) == ProposalDesign()
    assert [f.form for f in print_forms("proposal")] == ["proposal"]
    assert print_forms("proposal")[0].formats == ("pdf", "xlsx")


def test_logo_of_the_organization_or_none(org, proposal):
    doc_id, _ = proposal
    with org() as ctx:
        ctx.session.scalar(select(Organization)).logo = picture(300, 100)
    with org("ivanov") as ctx:
        assert image_count(proposal_pdf(ctx, doc_id)) == 2  # the organization's logo
        hidden = ProposalDesign(show_logo=False, show_images=False)
        assert image_count(proposal_pdf(ctx, doc_id, hidden)) == 0
    with org() as ctx:  # a broken stored design falls back to the defaults, still prints
        from crmdesk.services.settings import set_setting

        set_setting(ctx.session, "proposal_design", {"design": "gone", "accent": "blue",
                                                     "font": "nope", "intro": "Старое",
                                                     "validity_days": "два", "terms": 5})
        design = get_design(ctx.session)
        assert (design.design, design.accent, design.font, design.intro) == (
            "classic", "#1F4E79", "serif", "Старое")
        assert design.validity_days == 14 and design.terms == ProposalDesign().terms
        assert pages(proposal_pdf(ctx, doc_id))
        set_setting(ctx.session, "proposal_design", ["not", "a", "design"])
        assert get_design(ctx.session) == ProposalDesign()
