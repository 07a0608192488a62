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


def sample_form(lines: int, long_every: int = 9):
    """An invoice's PrintForm built by hand (no database): «Позиция k» lines, every
    ``long_every``-th with a name long enough to wrap onto a second line."""
    from decimal import Decimal

    from crmdesk.reports.printform import BankBlock, Column, PrintForm, Signature

    cols = [Column("no", "№", "int", 0.045),
            Column("name", "Товары (работы, услуги)", "text", 0.43),
            Column("quantity", "Кол-во", "qty", 0.085), Column("unit", "Ед.", "text", 0.065),
            Column("price", "Цена", "money", 0.13), Column("amount", "Сумма", "money", 0.15)]
    rows = []
    for k in range(1, lines + 1):
        name = f"Позиция {k}"
        if long_every and k % long_every == 0:
            name += " с длинным названием товара, которое переносится на вторую строку таблицы"
        qty = Decimal(k % 7 + 1)
        rows.append({"no": k, "name": name, "quantity": qty, "unit": "шт",
                     "price": Decimal("100.10"), "amount": qty * Decimal("100.10")})
    total = sum((r["amount"] for r in rows), Decimal("0.00"))
    return PrintForm(
        title="Счёт на оплату № СЧ-2026-000001 от 24 ноября 2026 г.",
        file_stem="Счёт СЧ-2026-000001",
        columns=cols,
        lines=rows,
        totals=[("Итого:", total), ("Без налога (НДС)", None), ("Всего к оплате:", total)],
        summary=f"Всего наименований {lines}, на сумму {total} руб.",
        words="Сумма прописью",
        parties=[("Поставщик (Исполнитель):", "ООО «ТеплоДом», ИНН 7729141771"),
                 ("Покупатель (Заказчик):", "ООО «Альфа», ИНН 7707083893")],
        bank=BankBlock("ПАО Сбербанк, г. Москва", "044525225", "30101810400000000225",
                       "40702810038000012345", "7729141771", "770101001", "ООО «ТеплоДом»"),
        terms=["Оплатить не позднее 02.12.2026"],
        signatures=[Signature("Руководитель", "А.С. Кузнецов"),
                    Signature("Бухгалтер", "Е.И. Попова")],
    )
